//! The model of Ray Serve on Kubernetes with KubeRay, built on the generic [`crate::engine`].
//!
//! Layout: [`world`] holds the run machinery and the event loop; each component's state is a
//! group of `World` declared in the component's own module, with its transitions as `impl World`
//! blocks: [`k8s`] nodes, pods, kubelet and the KubeRay operator ([`k8s::Kubernetes`]); [`ray`]
//! the GCS, Redis and raylets ([`ray::RayCore`]); [`serve`] the controller, proxies and
//! replicas ([`serve::Serve`]) and the routers and requests ([`serve::router::Traffic`]);
//! [`faults`] injection ([`faults::Injection`]) and [`partition`] the network partitions; [`observed`] the levels and fault records a run
//! keeps; `check` whole-cluster invariants. Each component is a state machine whose transitions
//! write one record each to the events log ([`crate::journal`]); the rules it shares with live
//! mode are in [`crate::policy`], [`crate::names`] and [`crate::traffic`]. Unit tests of each
//! component's transitions sit in its module and drive a whole world event by event through
//! `testing::TestWorld`.

#[cfg(debug_assertions)]
mod check;
pub mod counted;
pub mod endpoints;
pub mod event;
pub mod faults;
pub mod ids;
pub mod k8s;
pub mod lazy;
pub mod load_balancer;
mod nodes;
pub mod observed;
pub mod partition;
pub mod pod_index;
pub mod ray;
pub mod ray_autoscaler;
pub mod requests;
pub mod serve;
#[cfg(test)]
pub(crate) mod testing;
mod unreachable;
pub mod world;

pub use world::{SimError, SimOutput, SimRun, run, run_in_mode, run_streaming};
