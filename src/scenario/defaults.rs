//! The fixed mechanisms of Ray, KubeRay and Kubernetes that a scenario cannot change (Ray does
//! not let you either), and the limits that bound a run's work. Each scenario field's default,
//! limits and source are in [`super::fields`].
//!
//! Sources are Ray 2.60 (`ray-project/ray`), KubeRay (`ray-project/kuberay`, after v1.7.0) and
//! Kubernetes, as collected in `docs/ray-defaults.md`.

use crate::engine::SimDuration;

// --- Serve ---
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
/// Drain poll interval \[s\]; the first sleep is unconditional. `graceful_shutdown_wait_loop_s` = 2.
pub const GRACEFUL_SHUTDOWN_WAIT_LOOP: SimDuration = SimDuration::from_secs(2);
/// Per-replica multiplier of the retry budget: threshold = min(20, 3 x target).
/// `MAX_PER_REPLICA_RETRY_COUNT` = 3 (constants.py; deployment_state.py `_failed_to_start_threshold`).
pub const MAX_PER_REPLICA_RETRY_COUNT: u64 = 3;
/// Largest `max_replicas_per_node` Serve accepts. `MAX_REPLICAS_PER_NODE_MAX_VALUE` = 100.
pub const MAX_REPLICAS_PER_NODE_MAX_VALUE: u64 = 100;
/// Consecutive failed proxy checks before replacement. `PROXY_HEALTH_CHECK_UNHEALTHY_THRESHOLD` = 3.
pub const PROXY_HEALTH_CHECK_UNHEALTHY_THRESHOLD: u32 = 3;

// --- Kubernetes and KubeRay ---
/// Shortest kubelet restart back-off a scenario may set \[s\]. The real kubelet starts at 10 s;
/// its configurable restart period (`maxContainerRestartPeriod`, "Configurable container restart
/// delay" in the Kubernetes pod-lifecycle docs) goes no lower than 1 s. A shorter back-off lets a
/// container that keeps exiting (a head whose GCS cannot reach Redis) loop without bound: with
/// zero, once per simulated microsecond. At least 1 s bounds such a loop at one restart a second.
pub const MIN_KUBELET_RESTART_BACKOFF: SimDuration = SimDuration::from_secs(1);

// --- Limits (bounded work; see the README's guarantees) ---
/// Longest run one request at a time \[s\]: 7 days; and the longest of every other span.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(7 * 24 * 3600);
/// Highest request rate [1/s]: one arrival per microsecond tick on average. Any rate from one
/// per [`MAX_DURATION`] up to this one is exact (see `scenario::arrivals`).
pub const MAX_RATE_PER_S: f64 = 1_000_000.0;
/// Most requests a per-request run may generate (rate x duration).
pub const MAX_REQUESTS: u64 = 20_000_000;
/// Longest run in counted traffic mode \[s\]: 366 days (a year of the working example at 1,000
/// requests/s runs in seconds; docs/performance.md). Its periodic events still cost one each.
pub const MAX_COUNTED_DURATION: SimDuration = SimDuration::from_secs(366 * 24 * 3600);
/// Runs longer than this many seconds get wider default buckets (`bucket_s`), this many of them.
pub const DEFAULT_BUCKETS: u64 = 100_000;
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
/// Most failure processes in one scenario.
pub const MAX_FAILURE_PROCESSES: usize = 100;
/// Most faults the failure processes of a scenario may generate in expectation (checked when
/// the scenario is read, from the distributions' means); a run whose draws generate more than
/// twice as many stops with an error.
pub const MAX_GENERATED_FAULTS: u64 = 100_000;
/// Most intervals an empirical distribution's CSV file may hold.
pub const MAX_EMPIRICAL_SAMPLES: usize = 1_000_000;
/// Most replica constructor attempts that `constructor_failure` faults may make fail in one run
/// (each failure starts a new replica actor; see `validate::faults::RetryBound`).
pub const MAX_CONSTRUCTOR_FAILURES: u64 = 10_000;
/// Most steps of a stepped traffic shape.
pub const MAX_SHAPE_STEPS: usize = 10_000;
/// Most lines of a traffic shape's CSV file: a rate per minute for the longest counted run.
pub const MAX_SHAPE_MINUTES: usize = 366 * 24 * 60;
/// Largest CSV file a scenario may read, in bytes.
pub const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;
/// Most time-series buckets.
pub const MAX_BUCKETS: u64 = 1_000_000;
/// Most events one run may process before it stops with an error.
pub const MAX_EVENTS: u64 = 500_000_000;

/// How often the routers record their ongoing requests for autoscaling. Ray:
/// `RAY_SERVE_HANDLE_AUTOSCALING_METRIC_RECORD_INTERVAL_S` = 0.5 s (`serve/_private/constants.py`).
pub const AUTOSCALING_METRIC_RECORD_INTERVAL: SimDuration = SimDuration::from_millis(500);
