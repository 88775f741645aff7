//! ftsim: a deterministic discrete-event simulator of cluster failures for Ray Serve
//! applications on Kubernetes with KubeRay.
//!
//! Layers, top to bottom (each depends only on those below it): `cli`, `report`, `sim` (the
//! model), `traffic`-free `metrics`, `scenario`, and the generic `engine`.

pub mod cli;
pub mod engine;
pub mod journal;
pub mod live;
pub mod metrics;
pub mod names;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod traffic;
