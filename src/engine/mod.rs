//! The generic discrete-event core: typed integer time, an event queue ordered by
//! (time, insertion sequence), and named seeded random streams.
//!
//! This module knows nothing of Ray, Kubernetes or scenarios; the model in [`crate::sim`] builds
//! on it.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::RngStream;
pub use time::{SimDuration, SimTime};
