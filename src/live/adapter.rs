//! The cluster adapter: what live mode needs from a real cluster. `local-ray` (a Ray cluster of
//! processes on loopback) implements it; a `kuberay` adapter (kubectl against a real Kubernetes
//! cluster) could implement the same trait.

use std::collections::BTreeMap;

use super::LiveError;
use super::snapshot::Snapshot;
use crate::scenario::Scenario;

/// A primitive action on the cluster: a fault, or the part of an operator (KubeRay, kubelet,
/// RayService) that live mode plays itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `ray.kill` of one replica actor (Ray does not restart it).
    KillReplica { replica_id: String },
    /// Make one replica's `check_health` raise (or stop raising).
    FailHealth { pid: u32, on: bool },
    /// The next `count` constructors raise.
    FailConstructorsCount(u32),
    /// Every constructor raises with this probability (0 to stop).
    FailConstructorsProbability(f64),
    /// Kill the Serve controller actor: Ray restarts it, or (`restart: false`, `no_restart=True`)
    /// it stays dead.
    KillController { restart: bool },
    /// Kill one pod's proxy actor (the controller replaces it).
    KillProxy { pod: String },
    /// SIGTERM to a pod's `ray start`, as the kubelet sends on pod deletion.
    TerminatePod { pod: String },
    /// SIGKILL of a pod's whole process tree (node loss with refused connections, head crash,
    /// cleanup).
    KillPod { pod: String },
    /// SIGSTOP of a pod's whole process tree: its node is black-holed (node loss, unreachable).
    FreezePod { pod: String },
    /// SIGKILL of the head's `gcs_server` alone (`ray start --block` then stops the head).
    KillGcs,
    /// Cut a pod off from every other pod (`on`: packets between them black-holed; clients
    /// still reach it), or heal the cut.
    PartitionPod { pod: String, on: bool },
    /// Start (or restart) a worker pod.
    StartWorker { pod: String },
    /// Start (or restart) the head pod.
    StartHead,
    /// Stop Redis (a crash; its data survive).
    StopRedis,
    /// Start Redis again on the same data.
    StartRedis,
    /// Submit the Serve application (RayService's re-submission to an empty cluster).
    Deploy,
    /// `serve.start` only: a new controller recovers the application from its checkpoints
    /// (RayService's re-submission of an unchanged config to a cluster whose controller is gone).
    StartServe,
}

impl std::fmt::Display for Action {
    /// What the action does to the real cluster, in words (`ftsim live --dry-run`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::KillReplica { replica_id } => write!(f, "ray.kill(no_restart=True) of replica {replica_id}"),
            Action::FailHealth { pid, on: true } => write!(f, "check_health of the replica in process {pid} raises"),
            Action::FailHealth { pid, on: false } => write!(f, "check_health of the replica in process {pid} passes"),
            Action::FailConstructorsCount(n) => write!(f, "the next {n} replica constructors raise"),
            Action::FailConstructorsProbability(p) if *p == 0.0 => write!(f, "replica constructors stop raising"),
            Action::FailConstructorsProbability(p) => write!(f, "each replica constructor raises with probability {p}"),
            Action::KillController { restart: true } => {
                write!(f, "ray.kill of SERVE_CONTROLLER_ACTOR (Ray restarts it)")
            }
            Action::KillController { restart: false } => {
                write!(f, "ray.kill(no_restart=True) of SERVE_CONTROLLER_ACTOR (it stays dead)")
            }
            Action::KillProxy { pod } => write!(f, "ray.kill of the proxy on pod {pod}"),
            Action::TerminatePod { pod } => write!(f, "SIGTERM to pod {pod}'s ray start (Ray drains the node)"),
            Action::KillPod { pod } => write!(f, "SIGKILL of pod {pod}'s process tree"),
            Action::FreezePod { pod } => write!(f, "SIGSTOP of pod {pod}'s process tree (its node black-holed)"),
            Action::KillGcs => write!(f, "SIGKILL of the head's gcs_server process"),
            Action::PartitionPod { pod, on: true } => {
                write!(f, "pod {pod} cut off from the other pods (packets between them black-holed)")
            }
            Action::PartitionPod { pod, on: false } => write!(f, "the cut between pod {pod} and the other pods heals"),
            Action::StartWorker { pod } => write!(f, "ray start of worker pod {pod}"),
            Action::StartHead => write!(f, "ray start --head (GCS, controller)"),
            Action::StopRedis => write!(f, "SIGKILL of redis-server"),
            Action::StartRedis => write!(f, "redis-server started again on the same data"),
            Action::Deploy => write!(f, "the Serve config is submitted again"),
            Action::StartServe => write!(f, "serve.start: a new controller recovers the application"),
        }
    }
}

/// A real cluster driven by live mode.
pub trait ClusterAdapter {
    /// Brings up the scenario's topology and deploys the application; returns when it serves.
    fn start(&mut self, scenario: &Scenario) -> Result<(), LiveError>;
    /// Performs one action now; returns a line for the events log.
    fn act(&mut self, action: &Action) -> Result<String, LiveError>;
    /// The component states now; never blocks for long, even when the GCS is down.
    fn observe(&mut self) -> Result<Snapshot, LiveError>;
    /// The HTTP endpoint of each pod's proxy, by pod name.
    fn endpoints(&self) -> BTreeMap<String, String>;
    /// A load balancer's health check of `pod`'s proxy: an HTTP GET of `/-/healthz`; true when
    /// it answers 200 within `timeout`.
    fn probe_proxy_health(&mut self, pod: &str, timeout: std::time::Duration) -> bool;
    /// Tears everything down and checks that nothing is left; returns a summary line.
    fn teardown(self: Box<Self>) -> Result<String, LiveError>;
}
