//! The JSON-lines protocol between ftsim and its Python helper (`python/ftsim_helper`), typed:
//! one struct per command (its arguments) and one per result. The helper's
//! `ftsim_helper/protocol.py` declares the same messages (dataclasses and TypedDicts) and
//! documents each command; `tests/fixtures/live-protocol.json` holds an example of every
//! command and every result shape, which tests on both sides read, round-trip and validate.
//!
//! A request line is the command's arguments as an object with `"id"` and `"cmd"` added; a
//! response line is `{"id", "ok": true, "result"}` or `{"id", "ok": false, "error"}`. Unknown
//! fields and wrong types are errors on both sides. Arguments the helper defaults are `Option`s
//! here, left out of the line when `None`; results' nullable fields are `Option`s that must be
//! present (as `null` when empty).

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A request of the protocol: its arguments, its name and the type of its result.
pub trait Command: Serialize {
    /// The command's name (`"cmd"`).
    const NAME: &'static str;
    /// What a successful response's `"result"` holds.
    type Reply: DeserializeOwned;
}

/// A nullable field that must be present: `null` or a value, never left out.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// Declares a command: its arguments struct, name and result type. Fields in `{}` are always
/// sent; those in `[]` are arguments the helper defaults: `Option`s, left out when `None`.
macro_rules! command {
    ($(#[$doc:meta])* $name:ident = $wire:literal -> $reply:ty
        { $($(#[$fattr:meta])* $field:ident : $ty:ty),* $(,)? }
        $([ $($opt:ident : $oty:ty),* $(,)? ])?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
            $($(#[serde(default, skip_serializing_if = "Option::is_none")] pub $opt: Option<$oty>,)*)?
        }

        impl Command for $name {
            const NAME: &'static str = $wire;
            type Reply = $reply;
        }
    };
}

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
/// Declares the two pod-starting commands: their own fields, then the options they share.
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
    /// `kill_gcs`: SIGKILL of the head pod's `gcs_server` alone.
    KillGcs = "kill_gcs" -> KillGcsReply {}
);
command!(
    /// `undeploy`: `serve.delete` of the application.
    Undeploy = "undeploy" -> UndeployReply {} [app_name: String]
);
command!(
    /// `deploy`: submits the SleepyPid application (returns once submitted).
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
    ]
);
command!(
    /// `wait_ready`: until the application runs `num_replicas` replicas and every proxy answers.
    WaitReady = "wait_ready" -> WaitReadyReply { timeout_s: f64, num_replicas: u32 }
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

/// Declares a result struct (every field required; unknown fields are errors).
macro_rules! reply {
    ($(#[$doc:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
        }
    };
}

reply!(
    /// The result of `ping`.
    PingReply { pid: u32, protocol_version: u32, #[serde(deserialize_with = "nullable")] ray_version: Option<String>, initialised: bool }
);
reply!(
    /// The port layout, as `init` describes it.
    LayoutInfo {
        redis: u16,
        gcs: u16,
        port_block: u16,
        slot_base: String,
        slot_ip: String,
        slot_offsets: BTreeMap<String, u16>,
        max_slots: u16,
        range: [u16; 2],
    }
);
reply!(
    /// The result of `init`.
    InitReply {
        run_dir: String,
        ray_temp_root: String,
        base_port: u16,
        port_span: u16,
        redis_port: u16,
        gcs_address: String,
        head_ip: String,
        max_pods: u16,
        layout: LayoutInfo,
    }
);
reply!(
    /// The result of `start_redis`.
    StartRedisReply { pid: u32, port: u16, elapsed_s: f64 }
);
reply!(
    /// The result of `stop_redis`.
    StopRedisReply { pid: u32, how: String, elapsed_s: f64 }
);
reply!(
    /// The result of `restart_redis`.
    RestartRedisReply { #[serde(deserialize_with = "nullable")] stopped: Option<StopRedisReply>, started: StartRedisReply }
);
reply!(
    /// A pod that started: where it runs.
    PodStarted {
        pod: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] pgid: Option<u32>,
        node_ip: String,
        proxy_port: u16,
        proxy_url: String,
        gcs_address: String,
        incarnation: u32,
        slot: u32,
        temp_dir: String,
        log: String,
        elapsed_s: f64,
    }
);
reply!(
    /// A pod whose `ray start` exited while starting (with `exit_ok`).
    PodExited { pod: String, exit_code: i32, elapsed_s: f64 }
);

/// The result of `start_head` and `start_worker`, told apart by its `"started"` field.
#[derive(Clone, Debug, PartialEq)]
pub enum PodStartReply {
    /// `"started": true`.
    Started(PodStarted),
    /// `"started": false`: the container exited.
    Exited(PodExited),
}

impl Serialize for PodStartReply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (started, value) = match self {
            PodStartReply::Started(p) => (true, serde_json::to_value(p)),
            PodStartReply::Exited(p) => (false, serde_json::to_value(p)),
        };
        let mut value = value.map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut value {
            map.insert("started".into(), Value::Bool(started));
        }
        value.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PodStartReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(d)?;
        let started = match value.as_object_mut().map(|m| m.remove("started")) {
            Some(Some(Value::Bool(b))) => b,
            Some(Some(other)) => return Err(D::Error::custom(format!("started: expected a boolean, found {other}"))),
            _ => return Err(D::Error::missing_field("started")),
        };
        if started {
            serde_json::from_value(value).map(PodStartReply::Started).map_err(D::Error::custom)
        } else {
            serde_json::from_value(value).map(PodStartReply::Exited).map_err(D::Error::custom)
        }
    }
}

reply!(
    /// A process the helper stopped or killed.
    ProcessRef { pid: u32, comm: String }
);
reply!(
    /// The result of `kill_pod`.
    KillPodReply { pod: String, killed: Vec<ProcessRef>, elapsed_s: f64 }
);
reply!(
    /// The result of `freeze_pod`.
    FreezePodReply { pod: String, frozen: Vec<ProcessRef>, elapsed_s: f64 }
);
reply!(
    /// The result of `terminate_pod` (`pid` only when a signal was sent).
    TerminatePodReply { pod: String, signalled: bool, #[serde(default, skip_serializing_if = "Option::is_none")] pid: Option<u32> }
);
reply!(
    /// The result of `kill_gcs`: the process killed.
    KillGcsReply { pod: String, pid: u32, elapsed_s: f64 }
);
reply!(
    /// The result of `undeploy`.
    UndeployReply { app_name: String, elapsed_s: f64 }
);
reply!(
    /// The result of `deploy`.
    DeployReply { app_name: String, route_prefix: String, submitted: bool, elapsed_s: f64 }
);
reply!(
    /// One replica: Serve's state (`None` when the controller did not answer) and the GCS
    /// actor table's.
    ReplicaInfo {
        replica_id: String,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] state: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
    }
);
reply!(
    /// One Serve proxy.
    ProxyInfo {
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] url: Option<String>,
    }
);
reply!(
    /// One proxy with the answer to `GET /` that `wait_ready` checked.
    ProxyAnswer {
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] url: Option<String>,
        #[serde(deserialize_with = "nullable")] http_status: Option<u16>,
        body: String,
    }
);
reply!(
    /// The result of `wait_ready`.
    WaitReadyReply { elapsed_s: f64, replicas: Vec<ReplicaInfo>, proxies: Vec<ProxyAnswer> }
);
reply!(
    /// The result of `kill_replica`.
    KillReplicaReply {
        replica: String,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `kill_controller`.
    KillControllerReply {
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        no_restart: bool,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `kill_proxy`.
    KillProxyReply {
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        node_ip: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `fail_health`.
    FailHealthReply { pid: u32, on: bool, flag_file: String }
);
reply!(
    /// The result of `fail_constructors`: the settings now in force.
    FailConstructorsReply { count: u32, probability: f64 }
);
reply!(
    /// Redis as seen from outside.
    RedisState { running: bool, #[serde(deserialize_with = "nullable")] pid: Option<u32>, answering: bool }
);
reply!(
    /// The GCS as seen from outside (`answering`: unknown when `None`).
    GcsState { port_open: bool, #[serde(deserialize_with = "nullable")] answering: Option<bool> }
);

/// A pod's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The head pod.
    Head,
    /// A worker pod.
    Worker,
}

/// The state of a pod's `ray start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// Not started.
    Absent,
    /// Running.
    Running,
    /// Exited by itself.
    Exited,
    /// Killed by the helper.
    Killed,
    /// Stopped (SIGSTOP).
    Frozen,
}

/// The GCS's view of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NodeState {
    /// Alive.
    Alive,
    /// Dead.
    Dead,
}

/// The helper's Ray driver's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverStateName {
    /// Not running.
    Absent,
    /// Connecting.
    Starting,
    /// Connected.
    Ready,
    /// Lost; restarted on the next observation.
    Dead,
}

reply!(
    /// One pod in an `observe` result.
    PodState {
        name: String,
        role: Role,
        incarnation: u32,
        slot: u32,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        node_ip: String,
        proxy_port: u16,
        process: ProcessState,
        #[serde(deserialize_with = "nullable")] exit_code: Option<i32>,
        live_processes: u32,
        #[serde(deserialize_with = "nullable")] node_state: Option<NodeState>,
        #[serde(deserialize_with = "nullable")] node_id: Option<String>,
    }
);
reply!(
    /// The helper's Ray driver.
    DriverState {
        state: DriverStateName,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] busy_s: Option<f64>,
        #[serde(deserialize_with = "nullable")] error: Option<String>,
    }
);
reply!(
    /// Whether the Ray-level view (through the driver) is in this snapshot, and why not.
    RayViewState { available: bool, #[serde(deserialize_with = "nullable")] error: Option<String>, driver: DriverState }
);
reply!(
    /// The Serve controller actor.
    ControllerState {
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        #[serde(deserialize_with = "nullable")] answering: Option<bool>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
    }
);
reply!(
    /// The Serve application.
    AppState {
        name: String,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        deployment_status: String,
        #[serde(deserialize_with = "nullable")] message: Option<String>,
    }
);
reply!(
    /// The result of `observe`.
    ObserveReply {
        time_unix_s: f64,
        elapsed_s: f64,
        redis: RedisState,
        gcs: GcsState,
        pods: Vec<PodState>,
        ray_view: RayViewState,
        controller: ControllerState,
        #[serde(deserialize_with = "nullable")] app: Option<AppState>,
        replicas: Vec<ReplicaInfo>,
        proxies: Vec<ProxyInfo>,
        constructors_raised: u64,
    }
);
reply!(
    /// A process killed at teardown, with the child (pod, `redis`, `driver`) it belonged to.
    KilledProcess { child: String, pid: u32, comm: String }
);
reply!(
    /// The result of `shutdown`.
    ShutdownReply {
        killed: Vec<KilledProcess>,
        leftover_pids: Vec<u32>,
        ports_still_bound: Vec<u16>,
        kept: Vec<String>,
        elapsed_s: f64,
    }
);

/// One response line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The request's id (`None` when the request line had none).
    #[serde(deserialize_with = "nullable")]
    pub id: Option<u64>,
    /// Whether the command succeeded.
    pub ok: bool,
    /// The command's result (when `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// What went wrong (when not `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Response {
    /// The command's result, or the helper's error message; `Err` for a response that is
    /// neither (`ok` without `result`, or not `ok` without `error`).
    pub fn outcome(self) -> Result<Result<Value, String>, &'static str> {
        match (self.ok, self.result, self.error) {
            (true, Some(result), None) => Ok(Ok(result)),
            (false, None, Some(error)) => Ok(Err(error)),
            (true, _, _) => Err("\"ok\": true needs a \"result\" and no \"error\""),
            (false, _, _) => Err("\"ok\": false needs an \"error\" and no \"result\""),
        }
    }
}

/// The request line of command `cmd` with id `id`.
pub fn request_line<C: Command>(id: u64, cmd: &C) -> String {
    let mut obj = match serde_json::to_value(cmd).expect("a command serializes") {
        Value::Object(m) => m,
        _ => unreachable!("commands are structs"),
    };
    obj.insert("id".into(), Value::from(id));
    obj.insert("cmd".into(), Value::from(C::NAME));
    Value::Object(obj).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture shared with the helper's tests (`python/tests/test_protocol.py`).
    const FIXTURE: &str = include_str!("../../tests/fixtures/live-protocol.json");

    fn fixture() -> Value {
        serde_json::from_str(FIXTURE).expect("the fixture is JSON")
    }

    fn items<'v>(f: &'v Value, key: &str) -> &'v Vec<Value> {
        f[key].as_array().unwrap_or_else(|| panic!("fixture: {key} is a list"))
    }

    /// Calls `$f::<C>($args)` for the command type `C` named `$cmd`.
    macro_rules! by_name {
        ($cmd:expr, $f:ident($($arg:expr),*)) => {
            match $cmd {
                "ping" => $f::<Ping>($($arg),*),
                "init" => $f::<Init>($($arg),*),
                "start_redis" => $f::<StartRedis>($($arg),*),
                "stop_redis" => $f::<StopRedis>($($arg),*),
                "restart_redis" => $f::<RestartRedis>($($arg),*),
                "start_head" => $f::<StartHead>($($arg),*),
                "start_worker" => $f::<StartWorker>($($arg),*),
                "kill_pod" => $f::<KillPod>($($arg),*),
                "freeze_pod" => $f::<FreezePod>($($arg),*),
                "terminate_pod" => $f::<TerminatePod>($($arg),*),
                "kill_gcs" => $f::<KillGcs>($($arg),*),
                "undeploy" => $f::<Undeploy>($($arg),*),
                "deploy" => $f::<Deploy>($($arg),*),
                "wait_ready" => $f::<WaitReady>($($arg),*),
                "kill_replica" => $f::<KillReplica>($($arg),*),
                "kill_controller" => $f::<KillController>($($arg),*),
                "kill_proxy" => $f::<KillProxy>($($arg),*),
                "fail_health" => $f::<FailHealth>($($arg),*),
                "fail_constructors" => $f::<FailConstructors>($($arg),*),
                "observe" => $f::<Observe>($($arg),*),
                "shutdown" => $f::<Shutdown>($($arg),*),
                other => panic!("fixture: unknown command {other}"),
            }
        };
    }

    /// Every command's name, as `by_name!` knows them.
    const COMMANDS: [&str; 21] = [
        Ping::NAME,
        Init::NAME,
        StartRedis::NAME,
        StopRedis::NAME,
        RestartRedis::NAME,
        StartHead::NAME,
        StartWorker::NAME,
        KillPod::NAME,
        FreezePod::NAME,
        TerminatePod::NAME,
        KillGcs::NAME,
        Undeploy::NAME,
        Deploy::NAME,
        WaitReady::NAME,
        KillReplica::NAME,
        KillController::NAME,
        KillProxy::NAME,
        FailHealth::NAME,
        FailConstructors::NAME,
        Observe::NAME,
        Shutdown::NAME,
    ];

    /// The request line's arguments parsed as `C`; with `C` reserialized into a line, which
    /// must equal the original.
    fn parse_request<C: Command + DeserializeOwned>(line: &Value) -> Result<(), String> {
        let mut args = line.as_object().expect("a request is an object").clone();
        let id = args.remove("id").and_then(|v| v.as_u64()).expect("an integer id");
        assert_eq!(args.remove("cmd").as_ref().and_then(Value::as_str), Some(C::NAME));
        let cmd: C = serde_json::from_value(Value::Object(args)).map_err(|e| e.to_string())?;
        let again: Value = serde_json::from_str(&request_line(id, &cmd)).expect("a request line is JSON");
        assert_eq!(&again, line, "request round trip");
        Ok(())
    }

    /// The response parsed, its result as `C::Reply`; reserialized, the result must equal the
    /// original.
    fn parse_response<C: Command>(response: &Value) -> Result<(), String>
    where
        C::Reply: Serialize,
    {
        let r: Response = serde_json::from_value(response.clone()).map_err(|e| e.to_string())?;
        match r.outcome()? {
            Ok(result) => {
                let reply: C::Reply = serde_json::from_value(result.clone()).map_err(|e| e.to_string())?;
                assert_eq!(serde_json::to_value(&reply).unwrap(), result, "result round trip");
            }
            Err(message) => assert!(!message.is_empty()),
        }
        Ok(())
    }

    #[test]
    fn every_example_request_parses_and_round_trips() {
        let f = fixture();
        for line in items(&f, "requests") {
            let cmd = line["cmd"].as_str().expect("a cmd");
            by_name!(cmd, parse_request(line)).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
    }

    #[test]
    fn every_example_response_parses_and_round_trips() {
        let f = fixture();
        for example in items(&f, "responses") {
            let cmd = example["cmd"].as_str().expect("a cmd");
            by_name!(cmd, parse_response(&example["response"])).unwrap_or_else(|e| panic!("{example}: {e}"));
        }
    }

    #[test]
    fn unknown_fields_wrong_types_and_missing_fields_are_errors() {
        let f = fixture();
        for example in items(&f, "invalid_requests") {
            let line = &example["request"];
            let cmd = line["cmd"].as_str().expect("a cmd");
            assert!(by_name!(cmd, parse_request(line)).is_err(), "accepted: {example}");
        }
        for example in items(&f, "invalid_responses") {
            let cmd = example["cmd"].as_str().expect("a cmd");
            assert!(by_name!(cmd, parse_response(&example["response"])).is_err(), "accepted: {example}");
        }
    }

    #[test]
    fn the_fixture_has_every_command_and_every_result() {
        let f = fixture();
        let names = |key: &str, path: fn(&Value) -> &Value| -> std::collections::BTreeSet<String> {
            items(&f, key).iter().filter_map(|v| path(v)["cmd"].as_str().map(str::to_string)).collect()
        };
        let all: std::collections::BTreeSet<String> = COMMANDS.iter().map(|s| s.to_string()).collect();
        assert_eq!(names("requests", |v| v), all);
        let ok_results: std::collections::BTreeSet<String> = items(&f, "responses")
            .iter()
            .filter(|v| v["response"]["ok"] == Value::Bool(true))
            .filter_map(|v| v["cmd"].as_str().map(str::to_string))
            .collect();
        assert_eq!(ok_results, all);
    }

    #[test]
    fn a_request_line_carries_id_cmd_and_only_the_arguments_given() {
        let line = request_line(7, &KillReplica { replica: None, pod: None, method: None });
        assert_eq!(line, r#"{"cmd":"kill_replica","id":7,"replica":null}"#);
    }
}
