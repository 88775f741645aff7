//! Injected faults and the failure processes that draw them.

use crate::engine::{SimDuration, SimTime};

/// One injected fault.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Injection time.
    pub at: SimTime,
    /// What happens.
    pub kind: FaultKind,
    /// The random stream that resolves its target and draws its chances: `fault-<i>` for the
    /// i-th scripted fault in time order, `failure-<process>-<n>` for the n-th fault a failure
    /// process generates ([`names::stream`](crate::names::stream)).
    pub stream: String,
}

/// A distribution of times in seconds; every parameter is finite and positive.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Exponential with this mean.
    Exponential {
        /// Mean \[s\].
        mean: f64,
    },
    /// Weibull: P(T > t) = exp(-(t/scale)^shape).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ \[s\].
        scale: f64,
    },
    /// Lognormal: ln T is normal with mean `mu` (of ln seconds) and deviation `sigma`.
    Lognormal {
        /// Mean of ln T, T in seconds.
        mu: f64,
        /// Standard deviation of ln T.
        sigma: f64,
    },
    /// Observed intervals, resampled uniformly.
    Empirical(std::sync::Arc<[f64]>),
}

impl Dist {
    /// The mean \[s\].
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Exponential { mean } => *mean,
            Dist::Weibull { shape, scale } => scale * libm::tgamma(1.0 + 1.0 / shape),
            Dist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

/// A failure process of the scenario (`failures[]`).
#[derive(Clone, Debug)]
pub struct FailureProcess {
    /// Its name, unique in the scenario: the key of its random streams.
    pub name: String,
    /// What it injects and when.
    pub kind: FailureKind,
}

/// How a failure process draws its faults.
#[derive(Clone, Debug)]
pub enum FailureKind {
    /// `instances` components fail independently: each one's times to failure are draws of
    /// `ttf`, and after each failure its clock restarts (after the repair, with a `ttr`). Each
    /// failure injects every fault of `faults` at once, with the repair time as their duration.
    Renewal {
        /// The faults of one failure, targets as given (`None`: drawn at injection).
        faults: Vec<FaultKind>,
        /// Independent instances.
        instances: u32,
        /// Time to failure.
        ttf: Dist,
        /// Time to repair, for faults whose repair the cluster does not model.
        ttr: Option<Dist>,
        /// Two injections of the process are at least this far apart (later ones wait).
        min_gap: SimDuration,
    },
    /// Every `every` from `start`, each worker pod of the cluster is deleted in turn, the
    /// oldest first, `gap` apart.
    RollingRestart {
        /// First round.
        start: SimDuration,
        /// Cadence of the rounds.
        every: SimDuration,
        /// Between two deletions of a round.
        gap: SimDuration,
        /// Deletions per round: the cluster's worker pods.
        pods: u32,
    },
}

/// How a failing `check_health` fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthMode {
    /// Raises at once: three consecutive failures mark the replica unhealthy.
    Raise,
    /// Hangs (event loop blocked): each check times out; requests stall too.
    Hang,
}

/// Constructor failure pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstructorFailures {
    /// The next `n` constructor attempts fail.
    Count(u32),
    /// Each attempt fails with this probability (an integer threshold out of 2^32).
    Probability(u64),
}

/// Fault kinds, one per documented failure mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A replica actor is killed; Ray does not restart it (the controller replaces it).
    ReplicaCrash {
        /// Replica name, or `None` to pick a running one with the fault's random stream.
        target: Option<String>,
    },
    /// A replica's `check_health` starts failing.
    ReplicaHealthCheckFailure {
        /// Replica name or random.
        target: Option<String>,
        /// Raise or hang.
        mode: HealthMode,
        /// For how long; `None` for good.
        duration: Option<SimDuration>,
    },
    /// Replica constructors fail.
    ConstructorFailure {
        /// Pattern.
        failures: ConstructorFailures,
        /// Window of a probabilistic fault; `None` for good.
        duration: Option<SimDuration>,
    },
    /// The Serve controller actor is killed: Ray restarts it, or with `ray.kill(no_restart=True)`
    /// nothing does until a new `serve.start` (KubeRay's RayService resubmission).
    ControllerCrash {
        /// Ray restarts it (`max_restarts=-1`); `false`: killed for good.
        restart: bool,
    },
    /// A proxy actor is killed (the controller replaces it).
    ProxyCrash {
        /// Pod whose proxy dies, or random among live proxies.
        target: Option<String>,
    },
    /// `kubectl delete pod` of a worker pod.
    WorkerPodDeletion {
        /// Worker pod name, or random (the oldest running one when `oldest`).
        target: Option<String>,
        /// Without a target, hit the oldest running worker pod instead of a random one (a
        /// rolling restart's planned drain).
        oldest: bool,
    },
    /// A Kubernetes node is lost with its pods.
    NodeLoss {
        /// Node name, or random among the Ready nodes running a Ray pod (the head's included).
        target: Option<String>,
        /// Without a target, draw only among these nodes (a failure process of one pool or
        /// zone); `None`: among all.
        among: Option<Vec<String>>,
        /// Black-holed (`true`) or refusing connections.
        unreachable: bool,
    },
    /// Every node of a zone is lost at once, each as by a [`FaultKind::NodeLoss`].
    ZoneOutage {
        /// The zone.
        zone: String,
        /// Its nodes, in node order.
        nodes: Vec<String>,
        /// Black-holed (`true`) or refusing connections.
        unreachable: bool,
    },
    /// The head pod crashes (deleted); KubeRay creates a new one.
    HeadPodCrash,
    /// Redis is unreachable for `duration`.
    RedisOutage {
        /// Outage length (an HA Redis fails over sooner).
        duration: SimDuration,
    },
    /// The head's `gcs_server` process alone is killed (SIGKILL); `ray start --block` notices
    /// and stops the head's Ray, whose container the kubelet restarts in place.
    GcsCrash,
    /// A pod's Ray container dies (every Ray process of it at once) and the kubelet restarts
    /// it in place: same pod, same node.
    ContainerCrash {
        /// Pod name, or random among the running pods (the head's included).
        target: Option<String>,
        /// Why it died; both are restarted alike.
        reason: CrashReason,
    },
    /// A worker pod's Ray node is cut off from the head and the other Ray nodes (its processes
    /// run on, Kubernetes still reaches it) for `duration`, or for good.
    NetworkPartition {
        /// Worker pod name, or random among the running worker pods.
        target: Option<String>,
        /// How long until it heals; `None`: not within the run.
        duration: Option<SimDuration>,
    },
    /// `kubectl delete node` while the VM and its kubelet run on: the pods serve until PodGC
    /// deletes them, and the node takes no pod again within the run (its kubelet does not
    /// register a deleted Node again).
    NodeDelete {
        /// Node name, or random among the Ready nodes running a Ray pod (the head's included).
        target: Option<String>,
    },
    /// A node's VM is cut off from the API server and from every other node (a NIC or zone
    /// network failure) for `duration`, or for good; its processes run on.
    NodeUnreachable {
        /// The node (not the head's nor the Redis pod's), or random among the Ready nodes
        /// running a pod, the head's and the Redis pod's excepted.
        target: Option<String>,
        /// How long until the network heals; `None`: not within the run.
        duration: Option<SimDuration>,
    },
}

/// Why a container died: Kubernetes records the reason and exit code, and restarts both
/// alike (`restartPolicy: Always`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashReason {
    /// The kernel's OOM killer killed the container's processes (`OOMKilled`, exit 137).
    OomKilled,
    /// The container's main process exited with an error (`Error`, exit 1).
    Error,
}

impl CrashReason {
    /// The container status Kubernetes reports, as the events log shows it.
    pub fn label(self) -> &'static str {
        match self {
            CrashReason::OomKilled => "OOMKilled, exit code 137",
            CrashReason::Error => "Error, exit code 1",
        }
    }
}

impl FaultKind {
    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::ReplicaCrash { .. } => "replica_crash",
            FaultKind::ReplicaHealthCheckFailure { .. } => "replica_health_check_failure",
            FaultKind::ConstructorFailure { .. } => "constructor_failure",
            FaultKind::ControllerCrash { .. } => "controller_crash",
            FaultKind::ProxyCrash { .. } => "proxy_crash",
            FaultKind::WorkerPodDeletion { .. } => "worker_pod_deletion",
            FaultKind::NodeLoss { .. } => "node_loss",
            FaultKind::ZoneOutage { .. } => "zone_outage",
            FaultKind::HeadPodCrash => "head_pod_crash",
            FaultKind::RedisOutage { .. } => "redis_outage",
            FaultKind::GcsCrash => "gcs_crash",
            FaultKind::ContainerCrash { .. } => "container_crash",
            FaultKind::NetworkPartition { .. } => "network_partition",
            FaultKind::NodeDelete { .. } => "node_delete",
            FaultKind::NodeUnreachable { .. } => "node_unreachable",
        }
    }
}
