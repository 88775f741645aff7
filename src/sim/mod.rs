//! The model of Ray Serve on Kubernetes with KubeRay, built on the generic [`crate::engine`].
//!
//! Layout: [`world`] holds the state and the event loop; [`k8s`] nodes, pods, kubelet and the
//! KubeRay operator; [`ray`] the GCS, Redis and raylets; [`serve`] the controller, proxies,
//! routers and replicas; [`faults`] injection; `check` whole-cluster invariants; [`log`] the
//! events log. Each component is a state machine whose transitions log one line each.

#[cfg(debug_assertions)]
mod check;
pub mod event;
pub mod faults;
pub mod ids;
pub mod k8s;
pub mod log;
pub mod pod_index;
pub mod ray;
pub mod requests;
pub mod serve;
pub mod world;

pub use world::{SimError, SimOutput, SimRun, run, run_streaming};
