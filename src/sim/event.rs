//! The closed set of events of the model. Matched exhaustively in [`super::world`]: a new event
//! is a compile error everywhere it matters.
//!
//! Timers that may go stale carry the incarnation of the component they belong to; a handler
//! that finds a different incarnation ignores the event (no cancellation by search).

use super::ids::{NodeId, PodId, ProxyId, ReplicaId, ReqId};

/// One scheduled happening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next client request arrives.
    Arrival,
    /// A replica finishes serving a request.
    RequestDone(ReqId),
    /// A client's timeout expires.
    ClientTimeout(ReqId),
    /// A replica on a partitioned node answers a request that entered through its own proxy.
    PartitionServed(ReqId),
    /// Fault number `n` of the scenario is injected.
    FaultInject(usize),
    /// Fault number `n` ends (health check healthy again, Redis back, probability window over).
    FaultEnd(usize),
    /// A Kubernetes node finishes provisioning.
    NodeProvisioned(NodeId),
    /// A pod's container is created (after scheduling and pulling).
    PodStarted { pod: PodId, inc: u32 },
    /// KubeRay's `wait-gcs-ready` init container polls the GCS.
    WaitGcsPoll { pod: PodId, inc: u32 },
    /// `ray start` has brought up the raylet (and on the head the GCS process).
    RayStarted { pod: PodId, inc: u32 },
    /// The kubelet restarts a crashed container.
    ContainerRestart { pod: PodId, inc: u32 },
    /// A pod object is deleted (orphan garbage collection, or termination finished).
    PodRemoved { pod: PodId, inc: u32 },
    /// A terminating pod's drain deadline.
    DrainDeadline { pod: PodId, inc: u32 },
    /// A node's kubelet has been silent for the node-monitor grace period.
    NodeNotReady(NodeId),
    /// PodGC deletes the pods bound to a deleted Node (`node_delete`).
    OrphansDeleted(NodeId),
    /// The taint manager evicts the pods of a node that has been unreachable for the pods'
    /// toleration (`node_unreachable`).
    TaintEviction(NodeId),
    /// The GCS's health checks declare a silent raylet dead.
    GcsNodeDeath(PodId),
    /// A raylet of the old cluster reaches the new (empty) GCS and is rejected as unknown.
    StaleRayletRejected { pod: PodId, inc: u32 },
    /// A disconnected raylet gives up on the GCS.
    RayletReconnectTimeout { pod: PodId, inc: u32 },
    /// The head container notices its GCS process exited (`ray start --block` poll).
    HeadGcsExitNoticed { inc: u32 },
    /// The GCS's Redis PING fails: the GCS crashes.
    GcsRedisLost { gcs_inc: u32 },
    /// The Redis pod lost with its node is back (recreated, or failed over when HA).
    RedisPodRestored,
    /// A starting GCS gives up waiting for Redis.
    GcsRedisWaitExpired { gcs_inc: u32 },
    /// Ray restarts the dead Serve controller actor.
    ControllerRestart,
    /// The restarted controller has recovered its state.
    ControllerReady { inc: u32 },
    /// One iteration of the Serve controller's control loop.
    ControllerTick,
    /// The routers record their ongoing requests for autoscaling (and push them, when due).
    AutoscalerTick,
    /// One update of KubeRay's in-tree Ray autoscaler (only when it is enabled).
    RayAutoscalerUpdate,
    /// KubeRay's RayService reconcile: resubmit the Serve application if it is missing.
    RayServiceReconcile,
    /// A replica's actor has started and its constructor has returned (or raised).
    ReplicaConstructed { replica: ReplicaId, inc: u32 },
    /// The controller health-checks a replica.
    ReplicaHealthCheck { replica: ReplicaId, ctl_inc: u32, check: u32 },
    /// A hanging replica health check times out.
    ReplicaHealthCheckTimeout { replica: ReplicaId, ctl_inc: u32, check: u32 },
    /// A stopping replica polls its drain.
    ReplicaDrainPoll { replica: ReplicaId },
    /// A stopping replica's graceful budget is over: it is killed.
    ReplicaForceStop { replica: ReplicaId },
    /// A new proxy actor is ready.
    ProxyReady { proxy: ProxyId, inc: u32 },
    /// The controller health-checks a proxy.
    ProxyHealthCheck { proxy: ProxyId, ctl_inc: u32 },
    /// A proxy health check to an unreachable node hits its timeout.
    ProxyHealthCheckTimeout { proxy: ProxyId, ctl_inc: u32 },
    /// A draining proxy's minimum draining period is over.
    ProxyDrained { proxy: ProxyId, inc: u32 },
    /// The controller's routing update reaches the proxies.
    RoutingBroadcast,
    /// A cloud load balancer probes a backend's proxy (load-balancer ingress only).
    LbProbe { backend: u32 },
    /// A load balancer's probe of a black-holed backend times out.
    LbProbeTimeout { backend: u32, inc: u32 },
    /// Kubernetes readiness probe of a pod (Service ingress only).
    ReadinessProbe { pod: PodId, inc: u32 },
}
