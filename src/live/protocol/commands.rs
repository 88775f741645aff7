//! The commands: one struct per request (its arguments), with its name and result type.

use super::*;

command!(
    /// `ping`: is the helper there, which protocol and Ray versions.
    Ping = "ping" -> PingReply {}
);
command!(
    /// `init`: must come first; where the run lives, its ports, the Redis password.
    Init = "init" -> InitReply {
        run_dir: String,
        base_port: u16,
        #[serde(deserialize_with = "nullable")] redis_password: Option<String>,
        namespace: String,
    } [
        keep_logs: bool,
        pod_netns: bool,
    ]
);
command!(
    /// `start_redis`: starts Redis on its data (GCS fault tolerance).
    StartRedis = "start_redis" -> StartRedisReply {}
);
command!(
    /// `stop_redis`: SIGKILL (a crash), or `SHUTDOWN NOSAVE` when graceful.
    StopRedis = "stop_redis" -> StopRedisReply {} [graceful: bool]
);
command!(
    /// `restart_redis`: stop (if running), then start on the same data.
    RestartRedis = "restart_redis" -> RestartRedisReply {} [graceful: bool]
);
/// Declares the two pod-starting commands: their own fields, then the options they share (the
/// node's logical resources among them: `num_gpus`, `memory` in bytes, where `None` lets Ray
/// measure the machine, and custom `resources`).
macro_rules! start_pod {
    ($($(#[$doc:meta])* $name:ident = $wire:literal { $($own:ident : $oty:ty),* })*) => {$(
        command!(
            $(#[$doc])*
            $name = $wire -> PodStartReply {
                $($own: $oty,)*
                gcs_ft: bool,
            } [
                num_cpus: u64,
                timeout_s: f64,
                object_store_mb: u32,
                env: BTreeMap<String, String>,
                exit_ok: bool,
                num_gpus: u64,
                memory: u64,
                resources: BTreeMap<String, f64>,
            ]
        );
    )*};
}

start_pod!(
    /// `start_head`: the head pod's `ray start --head`.
    StartHead = "start_head" {}
    /// `start_worker`: a worker pod's `ray start --address`, on a fresh slot.
    StartWorker = "start_worker" { name: String }
);
command!(
    /// `kill_pod`: SIGKILL of the pod's whole process tree.
    KillPod = "kill_pod" -> KillPodReply { name: String }
);
command!(
    /// `freeze_pod`: SIGSTOP of the pod's whole process tree (its node is black-holed).
    FreezePod = "freeze_pod" -> FreezePodReply { name: String }
);
command!(
    /// `terminate_pod`: SIGTERM to the pod's `ray start`, as the kubelet on pod deletion.
    TerminatePod = "terminate_pod" -> TerminatePodReply { name: String }
);
command!(
    /// `partition_pod`: cuts the pod off from every other running pod (`on`), or heals the cut.
    PartitionPod = "partition_pod" -> PartitionPodReply { name: String, on: bool }
);
command!(
    /// `kill_gcs`: SIGKILL of the head pod's `gcs_server` alone.
    KillGcs = "kill_gcs" -> KillGcsReply {}
);
command!(
    /// `undeploy`: `serve.delete` of the application.
    Undeploy = "undeploy" -> UndeployReply {} [app_name: String]
);
command!(
    /// `deploy`: submits one SleepyPid application `app_name` at `route_prefix`, its deployment
    /// named `deployment` (returns once submitted); its replicas ask for `num_gpus`, `memory`
    /// (bytes) and custom `resources` (none when left out). With `autoscaling_config` (Serve's
    /// `AutoscalingConfig` fields, e.g. `min_replicas`, `upscale_delay_s`) Serve's autoscaler
    /// sets the replica count and `num_replicas` is not deployed. Each request is held for a
    /// `service_time` drawn as the scenario's (`{"s"}`, `{"mean_s"}` or `{"min_s", "max_s"}`).
    Deploy = "deploy" -> DeployReply {
        num_replicas: u32,
        constructor_s: f64,
        health_check_period_s: f64,
        health_check_timeout_s: f64,
        max_ongoing_requests: u32,
        #[serde(deserialize_with = "nullable")] max_replicas_per_node: Option<u32>,
        proxy_location: ProxyLocation,
    } [
        max_constructor_retry_count: u32,
        graceful_shutdown_timeout_s: f64,
        constructor_fail_delay_s: f64,
        app_name: String,
        start_only: bool,
        num_gpus: f64,
        memory: u64,
        resources: BTreeMap<String, f64>,
        route_prefix: String,
        deployment: String,
        autoscaling_config: BTreeMap<String, f64>,
        service_time: BTreeMap<String, f64>,
    ]
);
command!(
    /// `wait_ready`: until the applications run `num_replicas` replicas and every proxy answers
    /// at `route_prefix` (default `/`).
    WaitReady = "wait_ready" -> WaitReadyReply { timeout_s: f64, num_replicas: u32 } [route_prefix: String]
);
command!(
    /// `kill_replica`: one replica (`None`: the first RUNNING one, on `pod` if given).
    KillReplica = "kill_replica" -> KillReplicaReply {
        #[serde(deserialize_with = "nullable")] replica: Option<String>,
    } [
        pod: String,
        method: Method,
    ]
);
command!(
    /// `kill_controller`: the Serve controller, for good or as a crash Ray restarts.
    KillController = "kill_controller" -> KillControllerReply {} [no_restart: bool, method: Method]
);
command!(
    /// `kill_proxy`: the proxy of one pod or node IP (exactly one of them).
    KillProxy = "kill_proxy" -> KillProxyReply {} [pod: String, node_ip: String, method: Method]
);
command!(
    /// `fail_health`: one replica's health check fails (or passes again).
    FailHealth = "fail_health" -> FailHealthReply { pid: u32, on: bool }
);
command!(
    /// `fail_constructors`: the next `count` constructors fail, and/or each with `probability`.
    FailConstructors = "fail_constructors" -> FailConstructorsReply {} [count: u32, probability: f64]
);
command!(
    /// `observe`: a snapshot of the cluster that never hangs.
    Observe = "observe" -> ObserveReply {} [timeout_s: f64]
);
command!(
    /// `shutdown`: tears everything down, checks nothing is left, then the helper exits.
    Shutdown = "shutdown" -> ShutdownReply {} [keep_logs: bool]
);

/// Where Serve runs proxies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProxyLocation {
    /// One proxy per node.
    #[default]
    EveryNode,
    /// The head's proxy only.
    HeadOnly,
}

/// How an actor is killed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `ray.kill` through the GCS.
    RayKill,
    /// SIGKILL of the actor's worker process.
    Sigkill,
}
