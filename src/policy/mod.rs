//! The rules of Kubernetes, the kubelet, KubeRay and Redis that the simulator and live mode both
//! follow, written once: the simulator applies them to its model, live mode to the real cluster
//! it drives, and `ftsim live --dry-run` prints them. A rule that exists in only one of them is
//! a fidelity bug.
//!
//! Each function is pure: it takes the state it needs and returns the decision.

pub mod autoscaling;
pub mod failures;
pub mod kubelet;
pub mod kuberay;
pub mod load_balancer;
pub mod manager;
pub mod node_lifecycle;
pub mod ray_autoscaler;
pub mod redis;
pub mod targets;
