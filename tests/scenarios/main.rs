//! One module per bundled scenario, grouped in files by the part of the cluster that fails: each
//! test runs the real model and asserts the behaviour the Ray Serve fault-tolerance guide and
//! `docs/ray-defaults.md` document. A test names the claim it checks; a wrong model makes it fail.

#[path = "../common/mod.rs"]
mod common;

mod controller;
mod entry_points;
mod head_and_redis;
mod pods_and_nodes;
mod replicas;
mod runs;

use common::{Build, seeds};
use ftsim::metrics::observations::{FailureCause, Outcome};
use serde_json::json;

/// A custom scenario (not a bundled one) from inline JSON.
fn custom(json: serde_json::Value) -> Build {
    Build { json }
}

/// Levels at the end of a run.
fn final_levels(run: &common::Run) -> ftsim::metrics::observations::Levels {
    run.out.observations.levels.last().expect("levels recorded").1
}

/// Arrival times [s] of the requests that went through entry point `entry`, failed or not.
fn arrivals(run: &common::Run, entry: &str, failed: bool) -> Vec<f64> {
    let names = &run.out.observations.entry_points;
    let id = names.iter().position(|n| n == entry).unwrap_or_else(|| panic!("no entry {entry}: {names:?}"));
    run.out
        .observations
        .requests
        .iter()
        .filter(|r| r.entry.is_some_and(|e| e.0 as usize == id) && (r.outcome != Outcome::Success) == failed)
        .map(|r| r.arrival.as_secs_f64())
        .collect()
}
