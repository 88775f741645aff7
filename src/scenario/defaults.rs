//! Every default of the scenario format, with its unit, role and source.
//!
//! Sources are Ray 2.60 (`ray-project/ray`), KubeRay (`ray-project/kuberay`, after v1.7.0) and
//! Kubernetes, as collected in `docs/ray-defaults.md`. Numbers that no source gives
//! are marked GUESS and are the first thing to override when you know your cluster; numbers that
//! are Kubernetes defaults not verified in those repositories are marked K8S-UNVERIFIED.

use crate::engine::SimDuration;

const fn ms(v: u64) -> SimDuration {
    SimDuration::from_millis(v)
}

/// Simulated run length \[s\]. ftsim's own choice: long enough for every bundled fault to recover.
pub const DURATION: SimDuration = SimDuration::from_secs(180);
/// Time-series bucket \[s\]. ftsim's own choice.
pub const BUCKET: SimDuration = SimDuration::from_secs(1);
/// Scenario seed when neither the file nor `--seed` gives one.
pub const SEED: u64 = 1;

// --- Cluster (the guide's working example) ---
/// Kubernetes nodes. The guide's example: 3 (`kubectl get nodes`).
pub const K8S_NODES: u64 = 3;
/// Ray pods a Kubernetes node can hold. The guide's example places one Ray pod per node. ftsim's
/// own choice.
pub const RAY_PODS_PER_NODE: u64 = 1;
/// Head `num-cpus`. The guide's k8s_config.yaml: `num-cpus: '2'`.
pub const HEAD_NUM_CPUS_MILLI: u64 = 2_000;
/// Worker group name and size. The guide's k8s_config.yaml: `small-group`, replicas 2.
pub const WORKER_GROUP: &str = "small-group";
/// Worker pods in the default group (the guide: 2).
pub const WORKER_REPLICAS: u64 = 2;
/// Worker CPUs: the container limit in the guide's config, `cpu: "1"`.
pub const WORKER_NUM_CPUS_MILLI: u64 = 1_000;
/// GCS fault tolerance: on in the guide's config (`ray.io/ft-enabled: "true"`).
pub const GCS_FAULT_TOLERANCE: bool = true;

// --- Serve deployment ---
/// Deployment name of the guide's app.
pub const DEPLOYMENT: &str = "SleepyPid";
/// Replicas (guide: `num_replicas: 6`).
pub const NUM_REPLICAS: u64 = 6;
/// CPUs per replica (guide: `ray_actor_options: num_cpus: 0`).
pub const NUM_CPUS_PER_REPLICA_MILLI: u64 = 0;
/// Per-replica concurrency cap. Ray 2.60 `DEFAULT_MAX_ONGOING_REQUESTS` = 5
/// (python/ray/serve/_private/constants.py).
pub const MAX_ONGOING_REQUESTS: u64 = 5;
/// Constructor duration \[s\]: the guide's `SleepyPid.__init__` sleeps 10 s.
pub const CONSTRUCTOR: SimDuration = SimDuration::from_secs(10);
/// Replica health-check period \[s\]. `DEFAULT_HEALTH_CHECK_PERIOD_S` = 10 (constants.py).
pub const HEALTH_CHECK_PERIOD: SimDuration = SimDuration::from_secs(10);
/// Replica health-check timeout \[s\]. `DEFAULT_HEALTH_CHECK_TIMEOUT_S` = 30 (constants.py).
pub const HEALTH_CHECK_TIMEOUT: SimDuration = SimDuration::from_secs(30);
/// Consecutive failed checks before a replica is unhealthy.
/// `REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD` = 3 (constants.py). Not configurable in Ray.
pub const HEALTH_CHECK_UNHEALTHY_THRESHOLD: u32 = 3;
/// Health-check jitter: a check starts when `now - last > period * U(0.9, 1.1)`
/// (deployment_state.py `_should_start_new_health_check`).
pub const HEALTH_CHECK_JITTER_PERCENT: u64 = 10;
/// The controller looks at each replica once per sweep of
/// `CONTROLLER_HEALTH_CHECK_RECONCILIATION_FRACTION` (0.5) x min(period,
/// `DEFAULT_REQUEST_ROUTING_STATS_PERIOD_S` = 10 s) (deployment_state.py).
pub const REQUEST_ROUTING_STATS_PERIOD: SimDuration = SimDuration::from_secs(10);
/// Drain budget of a stopping replica \[s\]. `graceful_shutdown_timeout_s` = 20 (constants.py).
pub const GRACEFUL_SHUTDOWN_TIMEOUT: SimDuration = SimDuration::from_secs(20);
/// Drain poll interval \[s\]; the first sleep is unconditional. `graceful_shutdown_wait_loop_s` = 2.
pub const GRACEFUL_SHUTDOWN_WAIT_LOOP: SimDuration = SimDuration::from_secs(2);
/// Deployment-level constructor retry cap. `DEFAULT_CONSTRUCTOR_RETRY_COUNT` = 20 (constants.py).
pub const MAX_CONSTRUCTOR_RETRY_COUNT: u64 = 20;
/// Per-replica multiplier of the retry budget: threshold = min(20, 3 x target).
/// `MAX_PER_REPLICA_RETRY_COUNT` = 3 (constants.py; deployment_state.py `_failed_to_start_threshold`).
pub const MAX_PER_REPLICA_RETRY_COUNT: u64 = 3;
/// Largest `max_replicas_per_node` Serve accepts. `MAX_REPLICAS_PER_NODE_MAX_VALUE` = 100.
pub const MAX_REPLICAS_PER_NODE_MAX_VALUE: u64 = 100;

// --- Ray core and Serve mechanisms ---
/// Actor scheduling + worker process start \[s\]. GUESS: ray-defaults.md says "~1-3 s, unverified".
pub const ACTOR_START: SimDuration = SimDuration::from_secs(2);
/// Raylet notices a dead worker process \[s\].
/// `raylet_check_for_unexpected_worker_disconnect_interval_ms` = 1000 (ray_config_def.h).
pub const ACTOR_DEATH_DETECTION: SimDuration = ms(1_000);
/// Serve controller recovery after its actor restarts: KV checkpoints, `ray.get_actor` per
/// replica \[s\]. GUESS: ray-defaults.md says "a few seconds for small apps (unverified)"; live
/// mode here measured the killed controller answering again 2.1-3.4 s after `ray.kill` (four
/// runs), actor start included, so 1 s on top of the 2 s actor start.
pub const CONTROLLER_RECOVERY: SimDuration = SimDuration::from_secs(1);
/// Long-poll broadcast of the running-replica set to proxies \[s\]. GUESS: "ms".
pub const ROUTING_UPDATE: SimDuration = ms(10);
/// A new proxy actor starts and binds its port \[s\]. GUESS: "a few seconds (unverified)".
pub const PROXY_START: SimDuration = SimDuration::from_secs(2);
/// Gap after a completed proxy health check \[s\]. `PROXY_HEALTH_CHECK_PERIOD_S` = 10.
pub const PROXY_HEALTH_CHECK_PERIOD: SimDuration = SimDuration::from_secs(10);
/// Proxy health-check timeout \[s\]. `PROXY_HEALTH_CHECK_TIMEOUT_S` = 10.
pub const PROXY_HEALTH_CHECK_TIMEOUT: SimDuration = SimDuration::from_secs(10);
/// Consecutive failed proxy checks before replacement. `PROXY_HEALTH_CHECK_UNHEALTHY_THRESHOLD` = 3.
pub const PROXY_HEALTH_CHECK_UNHEALTHY_THRESHOLD: u32 = 3;
/// Minimum draining period of a proxy on a node that lost its replicas \[s\].
/// `PROXY_MIN_DRAINING_PERIOD_S` = 30 (constants.py).
pub const PROXY_MIN_DRAINING: SimDuration = SimDuration::from_secs(30);
/// Router trusts cached queue lengths this long \[s\]; an unreachable replica can still be picked
/// inside this window. `RAY_SERVE_QUEUE_LENGTH_CACHE_TIMEOUT_S` = 10 (constants.py).
pub const QUEUE_LEN_CACHE: SimDuration = SimDuration::from_secs(10);

// --- GCS ---
/// GCS -> raylet health-check period \[s\]. `health_check_period_ms` = 3000 (ray_config_def.h).
pub const GCS_HEALTH_CHECK_PERIOD: SimDuration = ms(3_000);
/// GCS -> raylet health-check deadline \[s\]. `health_check_timeout_ms` = 10000.
pub const GCS_HEALTH_CHECK_TIMEOUT: SimDuration = ms(10_000);
/// Consecutive failed checks before a node is DEAD. `health_check_failure_threshold` = 5.
pub const GCS_HEALTH_CHECK_FAILURE_THRESHOLD: u64 = 5;
/// A GCS client (raylet) that cannot reach the GCS this long exits \[s\].
/// `gcs_rpc_server_reconnect_timeout_s` = 60 (ray_config_def.h).
pub const GCS_RECONNECT_TIMEOUT: SimDuration = SimDuration::from_secs(60);
/// Worker pods' reconnect timeout when GCS FT is on \[s\]. KubeRay
/// `DefaultWorkerRayGcsReconnectTimeoutS` = "600" (utils/constant.go; common/pod.go).
pub const WORKER_GCS_RECONNECT_TIMEOUT_FT: SimDuration = SimDuration::from_secs(600);
/// A starting GCS waits for Redis this long, then exits \[s\]. `redis_db_connect_retries` (120) x
/// `redis_db_connect_wait_milliseconds` (500) (ray_config_def.h). Live mode here: a head's
/// `ray start` during an outage exited with 1 after 63.7 s (the GCS's window, then `ray start`
/// notices its GCS gone).
pub const GCS_REDIS_CONNECT_WINDOW: SimDuration = SimDuration::from_secs(60);
/// A running GCS crashes this long after Redis becomes unreachable \[s\]: its Redis health check
/// runs every `gcs_redis_heartbeat_interval_milliseconds` = 100 and a failure is fatal
/// (gcs_server.cc), but the failure takes longer to surface than one period. ray-defaults.md
/// gives 0.1-3 s (unverified). GUESS, from live mode here (three runs, Redis SIGKILLed): the
/// GCS still answered 1.4-2.1 s after and had exited 3.6 s after (1 s `ray start --block` poll
/// deducted), so the middle, 2.5 s.
pub const GCS_REDIS_CRASH: SimDuration = ms(2_500);
/// A raylet of the old cluster is rejected by a new, empty GCS (no GCS FT) at its next
/// reconnection attempt, drawn uniformly between 0 and this long after that GCS is up \[s\].
/// GUESS, from live mode on this machine: the old workers exited 0-16 s after the new GCS
/// answered (two runs: 0 s, and 0-16 s; docs/fidelity.md).
pub const STALE_RAYLET_REJECTION: SimDuration = SimDuration::from_secs(16);
/// `ray start --block` polls its children every 1 s and exits when one dies (scripts.py).
pub const RAY_BLOCK_POLL: SimDuration = ms(1_000);
/// `ray start` on a worker until its raylet is up \[s\]. GUESS: docs/ray-defaults.md §15 measured 5-12 s
/// on 2 cores; live mode here 4.6-9.7 s (median 6.2 s, six starts); real pods vary.
pub const RAY_START: SimDuration = SimDuration::from_secs(5);
/// `ray start --head` until the GCS (with its tables) and the head's raylet are up \[s\]: the head
/// also starts the GCS, the dashboard and the autoscaler monitor. GUESS, from live mode here:
/// 7.5-14.2 s (four starts, median 11.6 s) against the workers' 6.2 s.
pub const HEAD_RAY_START: SimDuration = SimDuration::from_secs(10);
/// Ray 2.60 drains a node on SIGTERM for up to `RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S` = 30 s
/// before its processes are killed (ray_constants.py of the 2.60 install; node.py).
pub const NODE_DRAIN_TIMEOUT: SimDuration = SimDuration::from_secs(30);

// --- Kubernetes and KubeRay ---
/// Pod scheduled until its container runs, image cached \[s\]. GUESS.
pub const POD_START: SimDuration = SimDuration::from_secs(5);
/// KubeRay's `wait-gcs-ready` init container runs `ray health-check` every 5 s (common/pod.go).
pub const WAIT_GCS_READY_PERIOD: SimDuration = SimDuration::from_secs(5);
/// Kubelet restart back-off of a crashed container \[s\]: the first restart is immediate, the next
/// ones wait 10 s, 20 s, 40 s, ... (CrashLoopBackOff). K8S-UNVERIFIED.
pub const KUBELET_RESTART_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// Shortest kubelet restart back-off a scenario may set \[s\]. The real kubelet starts at 10 s;
/// its configurable restart period (`maxContainerRestartPeriod`, "Configurable container restart
/// delay" in the Kubernetes pod-lifecycle docs) goes no lower than 1 s. A shorter back-off lets a
/// container that keeps exiting (a head whose GCS cannot reach Redis) loop without bound: with
/// zero, once per simulated microsecond. At least 1 s bounds such a loop at one restart a second.
pub const MIN_KUBELET_RESTART_BACKOFF: SimDuration = SimDuration::from_secs(1);
/// Kubelet restart back-off cap \[s\]: 300 s. K8S-UNVERIFIED.
pub const KUBELET_RESTART_BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// KubeRay readiness probe initial delay \[s\] (utils/constant.go).
pub const READINESS_INITIAL_DELAY: SimDuration = SimDuration::from_secs(10);
/// KubeRay readiness probe period \[s\]; RayService workers use failureThreshold 1, so one failed
/// probe removes the pod from the serve Service (utils/constant.go, common/pod.go).
pub const READINESS_PERIOD: SimDuration = SimDuration::from_secs(5);
/// RayService reconcile cadence \[s\]: head serve label, application re-submission.
/// `ServiceDefaultRequeueDuration` = 2 s (rayservice_controller.go).
pub const RAYSERVICE_RECONCILE: SimDuration = SimDuration::from_secs(2);
/// A Node whose kubelet stops reporting becomes NotReady after this \[s\]; its pods leave Service
/// endpoints. node-monitor-grace-period 40 s. K8S-UNVERIFIED.
pub const NODE_MONITOR_GRACE: SimDuration = SimDuration::from_secs(40);
/// Pods bound to a deleted Node are garbage-collected after this \[s\] (PodGC quarantine); only
/// then does KubeRay, which counts listed pods, create a replacement. K8S-UNVERIFIED.
pub const ORPHAN_POD_GC: SimDuration = SimDuration::from_secs(40);
/// A lost Kubernetes node is replaced by the cloud / cluster autoscaler after this \[s\]. GUESS.
pub const NODE_PROVISIONING: SimDuration = SimDuration::from_secs(90);
/// A highly available Redis promotes a replica this long after its primary fails \[s\]. GUESS
/// (Redis Sentinel's sample `down-after-milliseconds` is 30000; managed Redis is often faster).
pub const REDIS_FAILOVER: SimDuration = SimDuration::from_secs(30);

// --- Traffic and SLO ---
/// Request rate [1/s]. ftsim's own choice.
pub const RATE_PER_S: f64 = 20.0;
/// Mean service time of one request on a replica \[s\]: SleepyPid returns its PID. GUESS.
pub const SERVICE_TIME_MEAN: SimDuration = ms(5);
/// Minimum success ratio of the default SLO. ftsim's own choice.
pub const MIN_SUCCESS_RATIO: f64 = 0.99;
/// Brownout episodes: bad seconds separated by at most this many good (or idle) seconds are one
/// episode \[s\]. ftsim's own choice: a flapping dependency that recovers for a few seconds at a
/// time is one incident to a reviewer, not many.
pub const BROWNOUT_MERGE_GAP: SimDuration = SimDuration::from_secs(5);

// --- Limits (bounded work; see docs/guarantees.md) ---
/// Longest run \[s\]: 7 days.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(7 * 24 * 3600);
/// Highest request rate [1/s]: one arrival per microsecond tick on average. Any rate from one
/// per [`MAX_DURATION`] up to this one is exact (see `scenario::arrivals`).
pub const MAX_RATE_PER_S: f64 = 1_000_000.0;
/// Most requests a run may generate (rate x duration).
pub const MAX_REQUESTS: u64 = 20_000_000;
/// Most Kubernetes nodes, pods per worker group and replicas.
pub const MAX_NODES: u64 = 1_000;
/// Most Serve replicas.
pub const MAX_REPLICAS: u64 = 10_000;
/// Most KubeRay worker groups.
pub const MAX_WORKER_GROUPS: usize = 100;
/// Most worker pods over all worker groups.
pub const MAX_WORKER_PODS: u64 = 1_000;
/// Most faults in one scenario.
pub const MAX_FAULTS: usize = 1_000;
/// Most replica constructor attempts that `constructor_failure` faults may make fail in one run
/// (each failure starts a new replica actor; see `validate::RetryBound`).
pub const MAX_CONSTRUCTOR_FAILURES: u64 = 10_000;
/// Most time-series buckets.
pub const MAX_BUCKETS: u64 = 1_000_000;
/// Most events one run may process before it stops with an error.
pub const MAX_EVENTS: u64 = 500_000_000;
