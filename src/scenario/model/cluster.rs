//! The cluster section: Kubernetes nodes and pools, Ray worker groups, Redis, KubeRay's Ray autoscaler.

use super::Resources;
use crate::engine::SimDuration;

/// Kubernetes nodes and Ray pods.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Number of Kubernetes nodes, named `node-1` .. `node-N`.
    pub k8s_nodes: u32,
    /// Ray pods one Kubernetes node can hold.
    pub ray_pods_per_node: u32,
    /// What manages the Ray cluster: KubeRay on Kubernetes, or nothing (plain `ray start`).
    pub manager: Manager,
    /// The head's Ray resources (`num-cpus`, `num-gpus`, `memory`, `resources`).
    pub head_resources: Resources,
    /// Worker groups in file order.
    pub worker_groups: Vec<WorkerGroup>,
    /// GCS fault tolerance with an external Redis.
    pub gcs_fault_tolerance: bool,
    /// Redis topology (only meaningful with GCS fault tolerance).
    pub redis_mode: RedisMode,
    /// Index of the Kubernetes node that hosts the Redis pod.
    pub redis_node: u32,
    /// Node pools in file order: nodes are numbered across them (`node-1` .. in the first pool,
    /// then the next pool's); one pool of every node by default.
    pub node_pools: Vec<NodePool>,
    /// Index of the pool the head pod runs on.
    pub head_pool: usize,
    /// The Redis password live mode sets (`FTSIM_REDIS_PASSWORD` overrides it; generated when
    /// neither is given).
    pub redis_password: Option<crate::scenario::secret::Secret>,
    /// KubeRay's in-tree Ray autoscaler.
    pub autoscaler: RayAutoscaler,
}

/// KubeRay's in-tree Ray autoscaler (`cluster.autoscaler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RayAutoscaler {
    /// `enableInTreeAutoscaling`.
    pub enabled: bool,
    /// `autoscalerOptions.idleTimeoutSeconds`.
    pub idle_timeout: SimDuration,
    /// `autoscalerOptions.upscalingMode`.
    pub upscaling_mode: UpscalingMode,
}

/// KubeRay's `autoscalerOptions.upscalingMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpscalingMode {
    /// Upscaling speed 1.
    Conservative,
    /// Upscaling speed 1000 (the default).
    Default,
    /// Upscaling speed 1000, as `Default`.
    Aggressive,
}

/// What runs and repairs the Ray cluster (`cluster.manager`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    /// KubeRay on Kubernetes: pods are recreated, containers restarted, nodes replaced, the
    /// Serve application resubmitted by RayService, the head supervised by `ray start --block`.
    KubeRay,
    /// Ray started on VMs with plain `ray start`: nothing recreates a lost node or restarts a
    /// stopped Ray; the nodes are still called `node-N` and their Ray processes "pods".
    Plain,
}

/// A KubeRay worker group: pods named `<name>-1` .. `<name>-N`.
#[derive(Clone, Debug)]
pub struct WorkerGroup {
    /// Group name.
    pub name: String,
    /// Desired pods at the start.
    pub replicas: u32,
    /// The Ray autoscaler keeps at least this many pods (`minReplicas`).
    pub min_replicas: u32,
    /// The Ray autoscaler keeps at most this many pods (`maxReplicas`).
    pub max_replicas: u32,
    /// The Ray resources of each pod (`num-cpus`, `num-gpus`, `memory`, `resources`).
    pub resources: Resources,
    /// Index of the node pool its pods run on.
    pub pool: usize,
}

/// A pool of Kubernetes nodes, all in one zone (a node pool's `nodeSelector`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePool {
    /// Pool name.
    pub name: String,
    /// Its nodes.
    pub nodes: u32,
    /// The zone its nodes are in.
    pub zone: String,
    /// Its largest size: nodes added when pods find no room (at least `nodes`).
    pub max_nodes: u32,
}

/// Redis topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisMode {
    /// One Redis pod: an outage lasts as long as the fault.
    Single,
    /// Highly available: an outage lasts at most the failover time.
    Ha,
    /// A managed Redis outside the cluster (on no Kubernetes node): node and zone losses do not
    /// take it; an outage lasts at most the service's failover time.
    External,
}
