//! Studies of a scenario over many seeds: Monte Carlo replications run in parallel, each
//! reduced to one row of figures ([`replication::Replication`]), and the statistics of those
//! rows ([`stats`], [`summary::McSummary`]). This layer runs the simulator and reads its
//! metrics; it writes no file (the report layer renders what it computes).
//!
//! Determinism: replication `i` of a scenario with seed `s` runs the scenario with the seed
//! [`seed::replication_seed`]`(s, i)`, whatever the thread count, the batch it belongs to or
//! the machine it runs on; [`run::run_replications`] returns the rows in index order, so every
//! figure computed from them is the same bytes for the same scenario, seed and indices.

pub mod adaptive;
pub mod calibrate;
pub mod ray;
pub mod replication;
pub mod run;
pub mod seed;
pub mod stats;
pub mod summary;
pub mod sweep;
