//! Kubernetes: nodes and pods, the kubelet's container restarts, and the KubeRay operator's pod
//! recreation.
//!
//! A Ray pod's life: `Pending` (no node with room) -> `Creating` (scheduled, container being
//! created) -> `WaitingForGcs` (workers only: KubeRay's `wait-gcs-ready` init container) ->
//! `Running` (container up; the raylet's own state is in [`Raylet`]). A crashed container goes to
//! `CrashLoop` until the kubelet restarts it with back-off; a deleted pod goes to `Terminating`
//! (Ray 2.60 drains the node) and then `Gone`; a pod on a lost node is `Lost` until it is
//! garbage-collected. KubeRay recreates every `Gone` Ray pod under a new name.

mod containers;
mod kuberay;
mod pods;
mod termination;
#[cfg(test)]
mod tests;

use crate::engine::SimTime;
use crate::metrics::observations::FailureCause;
use crate::names;
use crate::policy::kubelet;
use crate::scenario::Cluster;
use crate::sim::endpoints::Endpoints;
use crate::sim::ids::{NodeId, PodId};
use crate::sim::pod_index::PodIndex;

/// A Kubernetes node's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    /// Schedulable, kubelet reporting.
    Ready,
    /// Gone (VM lost).
    Lost,
    /// A replacement is being provisioned.
    Provisioning,
    /// The Node object is deleted while its VM and kubelet run on (`node_delete`): nothing is
    /// scheduled there, its pods run until PodGC deletes them.
    Deleted,
    /// Its VM is cut off from the API server and the other nodes (`node_unreachable`): nothing
    /// is scheduled there, its pods run on out of reach.
    Unreachable,
}

/// A Kubernetes node.
#[derive(Clone, Debug)]
pub struct K8sNode {
    /// `node-N`.
    pub name: String,
    /// Current state.
    pub state: NodeState,
    /// The fault that lost it last.
    pub lost_by: Option<usize>,
    /// Its node pool.
    pub pool: usize,
}

/// What a pod runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodRole {
    /// The Ray head: GCS, head raylet, Serve controller.
    Head,
    /// A worker of the given group index.
    Worker(usize),
}

impl PodRole {
    /// The worker group index, `None` for the head.
    pub fn group(self) -> Option<usize> {
        match self {
            PodRole::Head => None,
            PodRole::Worker(g) => Some(g),
        }
    }
}

/// A pod's lifecycle phase (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    /// Waiting for a node with room.
    Pending,
    /// Scheduled; its container is being created.
    Creating,
    /// The `wait-gcs-ready` init container polls the GCS.
    WaitingForGcs,
    /// The container runs.
    Running,
    /// The container exited; the kubelet restarts it after a back-off.
    CrashLoop,
    /// Deleted; Ray drains the node before its processes exit.
    Terminating,
    /// Its node is gone; the pod object lingers until garbage collection.
    Lost,
    /// Deleted.
    Gone,
}

impl PodPhase {
    /// Upper-case name for the events log.
    pub fn label(self) -> &'static str {
        match self {
            PodPhase::Pending => "PENDING",
            PodPhase::Creating => "CREATING",
            PodPhase::WaitingForGcs => "WAITING_FOR_GCS",
            PodPhase::Running => "RUNNING",
            PodPhase::CrashLoop => "CRASH_LOOP_BACKOFF",
            PodPhase::Terminating => "TERMINATING",
            PodPhase::Lost => "LOST",
            PodPhase::Gone => "GONE",
        }
    }
}

/// The raylet of a Ray pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raylet {
    /// Not running.
    Down,
    /// Running, waiting to register with a GCS.
    Starting,
    /// Registered with the GCS of cluster `cluster`.
    Alive { cluster: u32 },
    /// Lost its GCS at `since`; waits up to the reconnect timeout.
    Disconnected { cluster: u32, since: SimTime },
}

/// A Ray pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Pod name (`head`, `small-group-1`, ...; recreated pods get new names).
    pub name: String,
    /// Head or worker.
    pub role: PodRole,
    /// The node pool it may be scheduled on.
    pub pool: usize,
    /// The node it is bound to.
    pub node: Option<NodeId>,
    /// Lifecycle phase.
    pub phase: PodPhase,
    /// Its raylet.
    pub raylet: Raylet,
    /// Bumped whenever pending timers of this pod become stale.
    pub inc: u32,
    /// Container restarts so far.
    pub restarts: u32,
    /// The kubelet's back-off record of its container.
    pub backoff: kubelet::BackOff,
    /// Passed its last readiness probe: a member of the serve Service's endpoints unless gone
    /// (set only through `World::set_endpoint_ready`, which keeps [`Endpoints`] up to date).
    endpoint_ready: bool,
    /// Ray is draining this node (pod deletion): no new replicas, proxy draining.
    pub draining: bool,
    /// The node vanished without closing connections: calls hang instead of failing.
    pub unreachable_since: Option<SimTime>,
    /// The fault that took this pod down, if any.
    pub fault: Option<usize>,
    /// Cut off from the head and the other Ray nodes by a network partition, while one holds.
    pub partition: Option<super::partition::Partition>,
    /// The GCS has published this pod's node as dead.
    pub gcs_knows_dead: bool,
    /// The GCS's health checks would have declared this pod's node dead while the GCS was
    /// down: a GCS that restarts with the same node table (GCS FT) checks it again.
    pub gcs_death_due: bool,
}

impl Pod {
    /// True while Ray processes run in it and are registered with a GCS.
    pub fn ray_alive(&self) -> bool {
        matches!(self.raylet, Raylet::Alive { .. } | Raylet::Disconnected { .. })
    }

    /// True when its last readiness probe passed (see [`Endpoints`] for the Service's members).
    pub fn endpoint_ready(&self) -> bool {
        self.endpoint_ready
    }
}

/// What Kubernetes and the KubeRay operator hold: nodes, pods, the scheduling index and the
/// counters behind recreated pods' names.
#[derive(Clone, Debug)]
pub struct Kubernetes {
    /// The Kubernetes nodes, by [`NodeId`].
    pub nodes: Vec<K8sNode>,
    /// Every Ray pod ever created, by [`PodId`]; gone pods keep their final state.
    pub pods: Vec<Pod>,
    /// Scheduling index over pods and nodes, kept by their transitions.
    pub pod_index: PodIndex,
    /// The serve Service's ready endpoints, kept by readiness and phase changes.
    pub endpoints: Endpoints,
    /// The current head pod (none between its removal and its recreation).
    pub head: Option<PodId>,
    /// Number of the current head pod's name (`head`, `head-2`, ...).
    pub head_generation: u32,
    /// Pods created so far in each worker group (the number in their names).
    pub worker_generation: Vec<u32>,
    /// Each worker group's `replicas` in the RayCluster: the pod objects KubeRay keeps (the Ray
    /// autoscaler changes it).
    pub group_target: Vec<u32>,
}

impl Kubernetes {
    /// The cluster's nodes, all Ready, and no pod yet.
    pub fn new(cluster: &Cluster) -> Self {
        let nodes: Vec<K8sNode> = (1..=cluster.k8s_nodes)
            .map(|i| K8sNode {
                name: names::node(i),
                state: NodeState::Ready,
                lost_by: None,
                pool: cluster.pool_of_node(i - 1),
            })
            .collect();
        let pod_index = PodIndex::build(&nodes, &[], cluster.ray_pods_per_node, cluster.node_pools.len());
        Kubernetes {
            nodes,
            pods: Vec::new(),
            pod_index,
            endpoints: Endpoints::default(),
            head: None,
            head_generation: 1,
            worker_generation: vec![0; cluster.worker_groups.len()],
            group_target: cluster.worker_groups.iter().map(|g| g.replicas).collect(),
        }
    }
}

/// Failure cause for a request that reaches a pod in this phase.
pub fn unreachable_pod_cause(phase: PodPhase) -> FailureCause {
    match phase {
        PodPhase::Gone | PodPhase::Lost | PodPhase::Pending => FailureCause::NoEndpoint,
        _ => FailureCause::ProxyUnavailable,
    }
}
