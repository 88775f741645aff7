//! Ray Serve: the controller, proxies (with their routers) and replicas.

pub mod autoscaler;
pub mod controller;
pub mod index;
pub mod placement;
pub mod proxy;
pub mod replica;
pub mod router;
pub mod routing_table;

use crate::sim::ids::DeploymentId;
use controller::Controller;
use index::ServeIndex;
use proxy::Proxy;
use replica::Replica;

/// What Ray Serve holds: the controller, its replicas and proxies, their indexes and the
/// control loop's pending work.
#[derive(Clone, Debug)]
pub struct Serve {
    /// The controller and the deployment state it owns.
    pub controller: Controller,
    /// Every replica ever created, by [`crate::sim::ids::ReplicaId`]; dead ones keep their
    /// final state.
    pub replicas: Vec<Replica>,
    /// Replicas created so far, per deployment (the number in their names).
    pub replicas_created: Vec<u32>,
    /// Every proxy ever created, by [`crate::sim::ids::ProxyId`].
    pub proxies: Vec<Proxy>,
    /// Indexes over replicas and proxies, kept by their transitions.
    pub index: ServeIndex,
    /// A routing-table broadcast to the proxies is scheduled.
    pub broadcast_pending: bool,
    /// A control-loop iteration is scheduled.
    pub tick_pending: bool,
    /// Serve autoscaling, per deployment, for those that have it.
    pub autoscalers: Vec<Option<autoscaler::Autoscaler>>,
}

impl Serve {
    /// Serve with `deployments` deployments, nothing created yet, the controller running.
    pub fn new(deployments: usize) -> Self {
        Serve {
            controller: Controller::new(deployments),
            replicas: Vec::new(),
            replicas_created: vec![0; deployments],
            proxies: Vec::new(),
            index: ServeIndex::new(deployments),
            broadcast_pending: false,
            tick_pending: false,
            autoscalers: vec![None; deployments],
        }
    }

    /// Every deployment's id, in application order.
    pub fn deployment_ids(&self) -> impl Iterator<Item = DeploymentId> + use<> {
        (0..self.replicas_created.len()).map(|d| DeploymentId(d as u32))
    }
}
