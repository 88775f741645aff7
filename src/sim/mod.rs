//! The model of Ray Serve on Kubernetes with KubeRay, built on the generic [`crate::engine`].
//!
//! Layout: [`world`] holds the state and the event loop; [`k8s`] nodes, pods, kubelet and the
//! KubeRay operator; [`ray`] the GCS, Redis and raylets; [`serve`] the controller, proxies,
//! routers and replicas; [`faults`] injection; `check` whole-cluster invariants. Each component is a state machine
//! whose transitions write one record each to the events log ([`crate::journal`]); the rules it
//! shares with live mode are in [`crate::policy`], [`crate::names`] and [`crate::traffic`].

#[cfg(debug_assertions)]
mod check;
pub mod event;
pub mod faults;
pub mod ids;
pub mod k8s;
pub mod observed;
pub mod pod_index;
pub mod ray;
pub mod requests;
pub mod serve;
#[cfg(test)]
pub(crate) mod testing;
pub mod world;

pub use world::{SimError, SimOutput, SimRun, run, run_streaming};
