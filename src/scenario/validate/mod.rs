//! Resolved raw scenario -> validated [`Scenario`], one module per section.
//!
//! Each field's limits come from the field table ([`crate::scenario::fields`]); the sections add
//! the checks that span fields. All semantic errors are collected, each with the JSON path of the
//! offending value, so that a user sees every problem of a file at once.

mod autoscaler;
mod check;
mod cluster;
mod csv;
mod failures;
mod faults;
mod ingress;
mod plain;
mod pools;
mod resources;
mod serve;
mod slo;
mod timings;
mod traffic;
mod traffic_shape;

use super::defaults as d;
use super::error::{JsonPath, ScenarioError};
use super::fields as f;
use super::model::*;
use super::raw::*;
use crate::engine::SimDuration;
use check::{Checker, r};

pub use super::resolve::resolve;

/// Checks a resolved raw scenario and builds the domain [`Scenario`]; the CSV paths (an
/// empirical distribution's, a traffic shape's) are relative to `base_dir` (the scenario file's
/// directory).
pub fn validate(raw: &RawScenario, base_dir: &std::path::Path) -> Result<Scenario, Vec<ScenarioError>> {
    let mut ck = Checker { errors: Vec::new() };
    let name = r(&raw.name);
    ck.text(&f::NAME, f::NAME.json_path(), &name);
    let (duration, bucket) = run_window(&mut ck, raw);
    let Some(cluster) = cluster::validate(&mut ck, raw) else {
        return Err(ck.errors);
    };
    let serve = serve::validate(&mut ck, raw, &cluster);
    let timings = timings::validate(&mut ck, raw);
    let ingress = ingress::validate(&mut ck, raw, &cluster, &serve);
    let traffic = traffic::validate(&mut ck, raw, duration, base_dir);
    let mode = super::traffic_mode::choose_for(duration, &traffic, &serve);
    if serve.applications.len() > 1 && traffic.mode == super::traffic_mode::TrafficMode::Counted {
        let n = serve.applications.len();
        ck.err(
            f::TRAFFIC_MODE.json_path(),
            format!("counted mode models one replica set: with {n} applications, use per_request or auto"),
        );
    }
    serve::autoscaled_traffic(&mut ck, &serve, &traffic);
    traffic::per_request_limits(&mut ck, duration, &traffic, &mode);
    let bounds = faults::Bounds { duration, cluster: &cluster, serve: &serve, timings: &timings, traffic: &traffic };
    let faults = faults::validate(&mut ck, raw, &bounds);
    let bounds = failures::Bounds { duration, cluster: &cluster, serve: &serve, base_dir };
    let failures = failures::validate(&mut ck, raw, &bounds);
    plain::validate(&mut ck, raw, cluster.manager);
    let slo = slo::validate(&mut ck, raw);
    if !ck.errors.is_empty() {
        return Err(ck.errors);
    }
    Ok(Scenario {
        name,
        description: r(&raw.description),
        duration,
        seed: r(&raw.seed),
        bucket,
        cluster,
        serve,
        timings,
        ingress,
        traffic,
        faults,
        failures,
        slo,
    })
}

/// The top-level numbers: the arrival window and the time-series bucket.
fn run_window(ck: &mut Checker, raw: &RawScenario) -> (SimDuration, SimDuration) {
    ck.section(raw, "");
    let duration = f::DURATION_S.secs(raw);
    let bucket = f::BUCKET_S.secs(raw);
    let path = f::BUCKET_S.json_path();
    if bucket > duration && duration > SimDuration::ZERO {
        ck.err(path, format!("expected at most duration_s ({duration}), found {bucket}"));
    } else if bucket.as_micros() > 0 && duration.as_micros() / bucket.as_micros() > d::MAX_BUCKETS {
        ck.err(path, format!("too many buckets: duration_s / bucket_s must be at most {}", d::MAX_BUCKETS));
    }
    (duration, bucket)
}
