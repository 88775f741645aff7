//! Ray Serve: the controller, proxies (with their routers) and replicas.

pub mod autoscaler;
pub mod controller;
pub mod index;
pub mod placement;
pub mod proxy;
pub mod replica;
pub mod router;
pub mod routing_table;

use controller::Controller;
use index::ServeIndex;
use proxy::Proxy;
use replica::Replica;

/// What Ray Serve holds: the controller, its replicas and proxies, their indexes and the
/// control loop's pending work.
#[derive(Clone, Debug, Default)]
pub struct Serve {
    /// The controller and the deployment state it owns.
    pub controller: Controller,
    /// Every replica ever created, by [`crate::sim::ids::ReplicaId`]; dead ones keep their
    /// final state.
    pub replicas: Vec<Replica>,
    /// Replicas created so far (the number in their names).
    pub replicas_created: u32,
    /// Every proxy ever created, by [`crate::sim::ids::ProxyId`].
    pub proxies: Vec<Proxy>,
    /// Indexes over replicas and proxies, kept by their transitions.
    pub index: ServeIndex,
    /// A routing-table broadcast to the proxies is scheduled.
    pub broadcast_pending: bool,
    /// A control-loop iteration is scheduled.
    pub tick_pending: bool,
    /// Serve autoscaling, when the deployment has it.
    pub autoscaler: Option<autoscaler::Autoscaler>,
}
