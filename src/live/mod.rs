//! Live mode: the same scenario against a real Ray Serve cluster on this machine, measured into
//! the same observation stream as the simulator, so that every report, plot and comparison works
//! on both.
//!
//! What it does to the machine: in a private network namespace with loopback only ([`netns`];
//! `--shared-network` opts out), it starts Redis (`redis-server`, GCS fault tolerance only) and
//! one `ray start` process tree per pod, each in its own session, on loopback addresses
//! 127.0.0.2, 127.0.0.3, ... with ports from `--base-port` (default 20000) up to 4,100 above it,
//! and temp dirs under a fresh directory in /tmp. It kills only processes it started (by process
//! group and recorded PID, never by name), and tears everything down on success, error, panic
//! and Ctrl-C. A lock file makes a second concurrent run fail fast. The Redis password (from
//! `FTSIM_REDIS_PASSWORD`, else the scenario's `cluster.redis.password`, else generated) never
//! appears in logs, reports or errors.
//!
//! Layout: [`adapter`] the cluster trait and its actions; [`local_ray`] the adapter for a local
//! Ray cluster; [`helper`] the supervisor of the Python helper that drives Ray, and [`protocol`]
//! the messages they exchange; [`orchestrator`]
//! the timeline (faults, and the parts of KubeRay and the kubelet); [`load`] the HTTP load;
//! [`snapshot`] observations into levels; [`env`](mod@env) environment checks; [`plan`] the `--dry-run`;
//! [`netns`] the private network; [`fake`] an in-process cluster and [`rehearsal`] a run on it in
//! virtual time (tests, `--dry-run`).

pub mod adapter;
pub mod deploy;
pub mod env;
pub mod fake;
pub mod healthz;
pub mod helper;
pub mod load;
pub mod local_ray;
pub mod netns;
pub mod orchestrator;
pub mod plan;
pub mod protocol;
pub mod rehearsal;
pub mod snapshot;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::metrics::observations::Observations;
use crate::scenario::Scenario;

use adapter::ClusterAdapter;
use load::Endpoints;

/// Why a live run could not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// Something the run needs is missing; the message says the one command to run.
    Environment(String),
    /// Another live run holds the lock.
    Busy(String),
    /// The helper or the cluster failed.
    Helper(String),
    /// A file could not be read or written.
    Io(String),
    /// Ctrl-C.
    Interrupted,
    /// The scenario asks for something the local cluster cannot represent.
    Unsupported(String),
    /// The failure processes drew more faults than a run may hold.
    TooManyFaults(crate::policy::failures::TooManyFaults),
    /// A pod's `ray start` exited while starting (its container exited; the orchestrator lets
    /// the kubelet restart it).
    ContainerExited(String),
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveError::Environment(m)
            | LiveError::Busy(m)
            | LiveError::Helper(m)
            | LiveError::Io(m)
            | LiveError::Unsupported(m)
            | LiveError::ContainerExited(m) => f.write_str(m),
            LiveError::Interrupted => f.write_str("interrupted; the cluster was torn down"),
            LiveError::TooManyFaults(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LiveError {}

/// How often a wait (a helper call, the load's next send, the timeline's next task) looks at the
/// stop flag that Ctrl-C sets.
pub const STOP_CHECK: Duration = Duration::from_millis(100);

/// Ports a live cluster uses from `--base-port` on: the helper's layout, 100 per pod slot
/// (`python/ftsim_helper/layout.py`).
pub const PORT_SPAN: u16 = 4100;

/// Options of `ftsim live`.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// First port of the cluster's range.
    pub base_port: u16,
    /// Keep Ray's and the helper's logs in this directory.
    pub keep_logs: Option<PathBuf>,
}

/// What a live run measured.
pub struct LiveOutput {
    /// Requests, levels and faults, as the simulator reports them.
    pub observations: Observations,
    /// PIDs that answered, in request order (`None` for failures).
    pub pids: Vec<Option<u32>>,
    /// The teardown's verdict.
    pub teardown: String,
}

/// Refuses a scenario the local cluster cannot represent (node pools and zones it can: its nodes
/// are the orchestrator's bookkeeping). It deploys every Serve application, each at its route
/// prefix, and an autoscaled deployment with its `autoscaling_config`, so that Ray Serve's own
/// autoscaler acts ([`deploy`]); KubeRay's Ray autoscaler it cannot run (its Ray nodes are
/// fixed). GPUs, memory and custom resources it represents as Ray's logical resources (each
/// pod's `ray start` offers its group's, each replica asks for the scenario's), except a
/// fraction of a GPU on a pod.
pub fn check_supported(sc: &Scenario) -> Result<(), LiveError> {
    if sc.cluster.autoscaler.enabled {
        return Err(LiveError::Unsupported(
            "cluster.autoscaler: the local cluster has a fixed set of Ray nodes and no KubeRay to add or remove \
             worker pods, so the Ray autoscaler cannot run live; disable it to run the scenario live, or simulate \
             it with ftsim run"
                .to_string(),
        ));
    }
    if let Some(i) = sc.faults.iter().position(|f| unsupported_fault(&f.kind, 0).is_some()) {
        return Err(unsupported_fault(&sc.faults[i].kind, i).expect("an unsupported fault"));
    }
    whole_gpus(&sc.cluster)
}

/// Refuses a pod with a fraction of a GPU: `ray start --num-gpus` takes whole GPUs (a replica
/// may ask for a fraction; Ray places it by that).
fn whole_gpus(c: &crate::scenario::Cluster) -> Result<(), LiveError> {
    let unit = crate::scenario::resources::UNIT;
    let pods = std::iter::once(("cluster.head_num_gpus".to_string(), &c.head_resources)).chain(
        c.worker_groups.iter().enumerate().map(|(i, g)| (format!("cluster.worker_groups[{i}].num_gpus"), &g.resources)),
    );
    for (path, r) in pods {
        if r.gpus % unit != 0 {
            return Err(LiveError::Unsupported(format!(
                "{path}: {} GPUs: live mode starts each pod with `ray start --num-gpus`, which takes whole GPUs; \
                 give whole GPUs to run it live, or simulate it with ftsim run",
                crate::scenario::resources::show_units(r.gpus)
            )));
        }
    }
    Ok(())
}

/// Whether `sc` runs each pod in a network namespace of its own: only a scenario that cuts
/// pods off (`network_partition`) does; every other keeps the one loopback network.
pub fn pod_networks(sc: &Scenario) -> bool {
    first_partition(sc).is_some()
}

/// The index of the scenario's first `network_partition` fault.
fn first_partition(sc: &Scenario) -> Option<usize> {
    sc.faults.iter().position(|f| matches!(f.kind, crate::scenario::FaultKind::NetworkPartition { .. }))
}

/// Refuses `--shared-network` for a scenario that needs per-pod networks: they are made (a
/// bridge, veth pairs) only inside live mode's own network namespace, never in the host's.
pub fn check_network(sc: &Scenario, shared_network: bool) -> Result<(), LiveError> {
    match first_partition(sc) {
        Some(i) if shared_network => Err(LiveError::Unsupported(format!(
            "faults[{i}]: a network_partition needs each pod in a network of its own, made only inside live \
             mode's private network namespace; drop --shared-network to run it live"
        ))),
        _ => Ok(()),
    }
}

/// Why fault `i` of kind `kind` cannot run live, if it cannot.
pub(crate) fn unsupported_fault(kind: &crate::scenario::FaultKind, i: usize) -> Option<LiveError> {
    use crate::scenario::FaultKind;
    match kind {
        FaultKind::NodeUnreachable { .. } => Some(LiveError::Unsupported(format!(
            "faults[{i}]: a node_unreachable cannot run live: live mode cuts pods off only from the other pods \
             (network_partition), not from the clients and the Kubernetes API it plays itself, and stopping its \
             processes (SIGSTOP) would be a hung node, not a cut network; simulate it with ftsim run"
        ))),
        _ => None,
    }
}

/// Runs `sc` on a local Ray cluster. `stop` is set by Ctrl-C.
/// events.log streams to `events_log` while the run goes on.
pub fn run(
    sc: &Scenario,
    opts: &LiveOptions,
    stop: &Arc<AtomicBool>,
    events_log: &mut dyn std::io::Write,
) -> Result<LiveOutput, LiveError> {
    check_supported(sc)?;
    let redis_password = env::redis_password(sc)?;
    let python = env::check(sc, opts.base_port)?;
    let _lock = env::lock()?;
    let tmp = tempfile::Builder::new()
        .prefix("ftsim-live-")
        .tempdir()
        .map_err(|e| LiveError::Io(format!("cannot create a temporary directory: {e}")))?;
    let run_dir = opts.keep_logs.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let cfg = local_ray::LocalRayConfig {
        python,
        run_dir,
        base_port: opts.base_port,
        redis_password,
        keep_logs: opts.keep_logs.is_some(),
        pod_netns: pod_networks(sc),
        stop: stop.clone(),
    };
    let mut cluster: Box<dyn ClusterAdapter> = Box::new(local_ray::LocalRay::new(&cfg)?);
    let result = run_on(cluster.as_mut(), sc, stop, events_log);
    let teardown = cluster.teardown();
    let (observations, pids) = match (result, &teardown) {
        (Err(e), Err(t)) => return Err(LiveError::Helper(format!("{e}; then the teardown failed: {t}"))),
        (result, _) => result?,
    };
    Ok(LiveOutput { observations, pids, teardown: teardown? })
}

type Measured = (Observations, Vec<Option<u32>>);

fn run_on(
    cluster: &mut dyn ClusterAdapter,
    sc: &Scenario,
    stop: &Arc<AtomicBool>,
    events_log: &mut dyn std::io::Write,
) -> Result<Measured, LiveError> {
    cluster.start(sc)?;
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(LiveError::Interrupted);
    }
    let endpoints = Arc::new(Mutex::new(Endpoints::default()));
    let timeout = sc.traffic.client_timeout.map_or(Duration::from_secs(60), Duration::from);
    let t0 = Instant::now() + Duration::from_millis(200);
    let clock = Box::new(orchestrator::timeline::WallClock::new(t0));
    let orchestrator = orchestrator::Orchestrator::new(sc, cluster, endpoints.clone(), clock)?;
    let schedule = load::Schedule::of(sc);
    let seed = sc.seed;
    let load_stop = stop.clone();
    let entry_points = sc.ingress.initial_entry_points();
    let load = std::thread::spawn(move || load::run(schedule, t0, endpoints, timeout, seed, entry_points, load_stop));
    let until = Duration::from(sc.duration);
    let timeline = orchestrator.run(until, stop, || load.is_finished(), events_log);
    let (requests, entry_points) =
        load.join().map_err(|_| LiveError::Helper("the load generator panicked".into()))?.map_err(LiveError::Helper)?;
    let timeline = timeline?;
    let pids = requests.iter().map(|r| r.pid).collect();
    let observations = Observations {
        requests: requests.into_iter().map(|r| r.record).collect(),
        levels: timeline.levels,
        faults: timeline.faults,
        entry_points,
    };
    Ok((observations, pids))
}
