//! `failures`: each failure process's distributions (an empirical one read from its CSV file),
//! instances and targets, and the bound on the faults they generate.

use std::path::Path;
use std::sync::Arc;

use super::check::{Checker, r};
use super::cluster::initial_pod_names;
use super::csv::Column;
use super::{JsonPath, d, f};
use crate::engine::SimDuration;
use crate::scenario::fields::Field;
use crate::scenario::model::*;
use crate::scenario::raw::{RawDist, RawFailure, RawHealthMode, RawNetwork, RawScenario};
use crate::scenario::show;

/// What a process is checked against: the rest of the validated scenario.
pub(super) struct Bounds<'a> {
    /// The arrival window: faults come before its end.
    pub duration: SimDuration,
    /// Nodes and pods.
    pub cluster: &'a Cluster,
    /// Replicas and proxy placement.
    pub serve: &'a Serve,
    /// Where an empirical distribution's CSV path starts.
    pub base_dir: &'a Path,
}

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, b: &Bounds) -> Vec<FailureProcess> {
    let path = f::FAILURES.json_path();
    if raw.failures.len() > d::MAX_FAILURE_PROCESSES {
        let msg =
            format!("expected at most {} failure processes, found {}", d::MAX_FAILURE_PROCESSES, raw.failures.len());
        ck.err(path.clone(), msg);
    }
    let mut processes: Vec<FailureProcess> = Vec::new();
    let mut expected = 0.0;
    for (i, raw_failure) in raw.failures.iter().enumerate().take(d::MAX_FAILURE_PROCESSES) {
        let fp = path.index(i);
        let Some(process) = validate_process(ck, &fp, raw_failure, b) else { continue };
        ck.text(&f::FAILURE_NAME, fp.key("name"), &process.name);
        if let Some(j) = processes.iter().position(|p| p.name == process.name) {
            let msg = format!(
                "a second failure process named {} (as failures[{j}]): each process needs its own name, the key \
                 of its random streams",
                show::text(&process.name)
            );
            ck.err(fp.key("name"), msg);
        }
        let before = expected;
        expected += expected_faults(&process.kind, b.duration);
        let limit = d::MAX_GENERATED_FAULTS as f64;
        if expected > limit && before <= limit {
            let msg = format!(
                "the failure processes would generate about {} faults over duration_s ({}); expected at most {} \
                 in all: give the distributions longer times or min_gap_s",
                show::num(expected.round()),
                b.duration,
                d::MAX_GENERATED_FAULTS
            );
            ck.err(fp.clone(), msg);
        }
        processes.push(process);
    }
    processes
}

/// The faults `kind` generates over `duration` on average (an upper bound with a minimum gap).
fn expected_faults(kind: &FailureKind, duration: SimDuration) -> f64 {
    let run = duration.as_secs_f64();
    match kind {
        FailureKind::Renewal { faults, instances, ttf, ttr, min_gap } => {
            let cycle = ttf.mean() + ttr.as_ref().map_or(0.0, Dist::mean);
            let mut failures = f64::from(*instances) * run / cycle;
            if min_gap.as_micros() > 0 {
                failures = failures.min(run / min_gap.as_secs_f64() + 1.0);
            }
            failures * faults.len() as f64
        }
        FailureKind::RollingRestart { start, every, pods, .. } => {
            let (start, every, end) = (start.as_micros(), every.as_micros().max(1), duration.as_micros());
            let rounds = if start < end { (end - start) / every + 1 } else { 0 };
            rounds as f64 * f64::from(*pods)
        }
    }
}

fn validate_process(ck: &mut Checker, fp: &JsonPath, raw: &RawFailure, b: &Bounds) -> Option<FailureProcess> {
    let ray_pods = initial_pod_names(b.cluster);
    let workers = (ray_pods.len() - 1) as u32;
    let proxies = match b.serve.proxy_location {
        ProxyLocation::EveryNode => ray_pods.len() as u32,
        ProxyLocation::HeadOnly => 1,
    };
    let gap = |ck: &mut Checker, v: &Option<f64>| ck.secs(&f::FAILURE_MIN_GAP_S, fp.key("min_gap_s"), r(v));
    let read_ttf = |ck: &mut Checker, dist: &RawDist| validate_dist(ck, &fp.key("ttf"), dist, b.base_dir);
    let renewal = |ck: &mut Checker, fault: FaultKind, instances: u32, dist: &RawDist, min_gap: &Option<f64>| {
        let ttf = read_ttf(ck, dist);
        let min_gap = gap(ck, min_gap);
        Some(FailureKind::Renewal { faults: vec![fault], instances, ttf: ttf?, ttr: None, min_gap })
    };
    let (name, kind) = match raw {
        RawFailure::NodeLoss { name, ttf, min_gap_s, network, pool, zone } => {
            let among = node_scope(ck, fp, b.cluster, pool.as_deref(), zone.as_deref());
            let instances = among.as_ref().map_or(b.cluster.k8s_nodes, |n| n.len() as u32);
            let fault = FaultKind::NodeLoss { target: None, among, unreachable: r(network) == RawNetwork::Unreachable };
            (name, renewal(ck, fault, instances, ttf, min_gap_s))
        }
        RawFailure::WorkerPodDeletion { name, ttf, min_gap_s } => {
            if workers == 0 {
                ck.err(fp.key("kind"), "no worker pod exists to delete: the cluster has none");
            }
            let fault = FaultKind::WorkerPodDeletion { target: None, oldest: false };
            (name, renewal(ck, fault, workers, ttf, min_gap_s))
        }
        RawFailure::HeadPodCrash { name, ttf, min_gap_s } => {
            (name, renewal(ck, FaultKind::HeadPodCrash, 1, ttf, min_gap_s))
        }
        RawFailure::ReplicaCrash { name, ttf, min_gap_s } => {
            let fault = FaultKind::ReplicaCrash { target: None };
            (name, renewal(ck, fault, b.serve.total_replicas(), ttf, min_gap_s))
        }
        RawFailure::ProxyCrash { name, ttf, min_gap_s } => {
            (name, renewal(ck, FaultKind::ProxyCrash { target: None }, proxies, ttf, min_gap_s))
        }
        RawFailure::ControllerCrash { name, ttf, min_gap_s } => {
            (name, renewal(ck, FaultKind::ControllerCrash { restart: true }, 1, ttf, min_gap_s))
        }
        RawFailure::ReplicaHealthCheckFailure { name, ttf, ttr, min_gap_s, mode } => {
            let mode = match r(mode) {
                RawHealthMode::Raise => HealthMode::Raise,
                RawHealthMode::Hang => HealthMode::Hang,
            };
            let fault = FaultKind::ReplicaHealthCheckFailure { target: None, mode, duration: None };
            let kind = renewal(ck, fault, b.serve.total_replicas(), ttf, min_gap_s);
            let ttr = ttr.as_ref().map(|t| validate_dist(ck, &fp.key("ttr"), t, b.base_dir));
            (name, with_ttr(kind, ttr))
        }
        RawFailure::RedisOutage { name, ttf, ttr, min_gap_s } => {
            if !b.cluster.gcs_fault_tolerance {
                ck.err(
                    fp.key("kind"),
                    "a redis_outage needs cluster.gcs_fault_tolerance = true: without it the GCS does not use Redis",
                );
            }
            let fault = FaultKind::RedisOutage { duration: SimDuration::ZERO };
            let kind = renewal(ck, fault, 1, ttf, min_gap_s);
            let ttr = validate_dist(ck, &fp.key("ttr"), ttr, b.base_dir);
            (name, with_ttr(kind, Some(ttr)))
        }
        RawFailure::RollingRestart { name, every_s, start_s, gap_s } => {
            if workers == 0 {
                ck.err(fp.key("kind"), "no worker pod exists to restart: the cluster has none");
            }
            let kind = FailureKind::RollingRestart {
                every: ck.secs(&f::FAILURE_EVERY_S, fp.key("every_s"), *every_s),
                start: ck.secs(&f::FAILURE_START_S, fp.key("start_s"), r(start_s)),
                gap: ck.secs(&f::FAILURE_GAP_S, fp.key("gap_s"), r(gap_s)),
                pods: workers,
            };
            (name, Some(kind))
        }
        RawFailure::ZoneLoss { name, nodes, zone, ttf, min_gap_s, network } => {
            let unreachable = r(network) == RawNetwork::Unreachable;
            let faults = match (nodes, zone) {
                (Some(nodes), None) => zone_nodes(ck, &fp.key("nodes"), nodes, b.cluster.k8s_nodes)
                    .into_iter()
                    .map(|n| FaultKind::NodeLoss { target: Some(n), among: None, unreachable })
                    .collect(),
                (None, Some(zone)) => {
                    let nodes = super::faults::zone_nodes(ck, fp.key("zone"), b.cluster, zone);
                    vec![FaultKind::ZoneOutage { zone: zone.clone(), nodes, unreachable }]
                }
                (Some(_), Some(_)) => {
                    ck.err(fp.key("zone"), "expected either nodes or zone, found both");
                    Vec::new()
                }
                (None, None) => {
                    ck.err(fp.clone(), "missing field `nodes` or `zone`");
                    Vec::new()
                }
            };
            let ttf = read_ttf(ck, ttf);
            let min_gap = gap(ck, min_gap_s);
            (&Some(name.clone()), ttf.map(|ttf| FailureKind::Renewal { faults, instances: 1, ttf, ttr: None, min_gap }))
        }
    };
    Some(FailureProcess { name: r(name), kind: kind? })
}

/// `kind` with its repair time, or `None` when either is invalid.
fn with_ttr(kind: Option<FailureKind>, ttr: Option<Option<Dist>>) -> Option<FailureKind> {
    let ttr = match ttr {
        Some(t) => Some(t?),
        None => None,
    };
    match kind? {
        FailureKind::Renewal { faults, instances, ttf, min_gap, .. } => {
            Some(FailureKind::Renewal { faults, instances, ttf, ttr, min_gap })
        }
        other => Some(other),
    }
}

/// The nodes a `node_loss` process is restricted to: those of `pool` or of `zone` (at most one of
/// the two), `None` for every node.
fn node_scope(
    ck: &mut Checker,
    fp: &JsonPath,
    cluster: &Cluster,
    pool: Option<&str>,
    zone: Option<&str>,
) -> Option<Vec<String>> {
    match (pool, zone) {
        (None, None) => None,
        (Some(_), Some(_)) => {
            ck.err(fp.key("zone"), "expected either pool or zone, found both");
            None
        }
        (Some(pool), None) => match cluster.node_pools.iter().position(|p| p.name == pool) {
            Some(p) => Some(cluster.pool_node_names(p)),
            None => {
                let known: Vec<String> = cluster.node_pools.iter().map(|p| p.name.clone()).collect();
                let msg = format!("unknown node pool {}; expected one of: {}", show::text(pool), show::list(&known));
                ck.err(fp.key("pool"), msg);
                None
            }
        },
        (None, Some(zone)) => Some(super::faults::zone_nodes(ck, fp.key("zone"), cluster, zone)),
    }
}

/// The nodes of a zone: known, each once, at least one.
fn zone_nodes(ck: &mut Checker, path: &JsonPath, nodes: &[String], k8s_nodes: u32) -> Vec<String> {
    let known: Vec<String> = (1..=k8s_nodes).map(crate::names::node).collect();
    if nodes.is_empty() {
        ck.err(path.clone(), "expected at least one node, found none");
    }
    for (i, n) in nodes.iter().enumerate() {
        if !known.contains(n) {
            ck.err(path.index(i), format!("unknown node {}; expected one of: {}", show::text(n), show::list(&known)));
        } else if nodes[..i].contains(n) {
            ck.err(path.index(i), format!("node {} is listed twice", show::text(n)));
        }
    }
    nodes.to_vec()
}

/// The fields of `ttf` or `ttr` (`prefix` = `failures[].ttf.`) in the table.
fn dist_field(path: &JsonPath, name: &str) -> &'static Field {
    let ttr = path.to_string().ends_with(".ttr");
    let prefix = if ttr { "failures[].ttr." } else { "failures[].ttf." };
    f::find(&format!("{prefix}{name}")).expect("every distribution field is in the table")
}

/// A distribution at `path`, in seconds; `None` when invalid (errors recorded).
fn validate_dist(ck: &mut Checker, path: &JsonPath, raw: &RawDist, base_dir: &Path) -> Option<Dist> {
    let mut num = |name: &str, v: f64| -> Option<f64> {
        let before = ck.errors.len();
        ck.num(dist_field(path, name), path.key(name), v);
        (ck.errors.len() == before).then_some(v)
    };
    let dist = match raw {
        RawDist::Exponential { mean, unit } => Dist::Exponential { mean: num("mean", *mean)? * unit.secs() },
        RawDist::Weibull { shape, scale, unit } => {
            let (shape, scale) = (num("shape", *shape), num("scale", *scale));
            Dist::Weibull { shape: shape?, scale: scale? * unit.secs() }
        }
        RawDist::Lognormal { median, mu, sigma, unit } => {
            let sigma = num("sigma", *sigma);
            let mu = match (median, mu) {
                (Some(m), None) => num("median", *m).map(|m| (m * unit.secs()).ln()),
                (None, Some(mu)) => num("mu", *mu).map(|mu| mu + unit.secs().ln()),
                (Some(_), Some(_)) => {
                    ck.err(path.key("mu"), "expected either median or mu, found both");
                    None
                }
                (None, None) => {
                    ck.err(path.clone(), "missing field `median` or `mu`");
                    None
                }
            };
            Dist::Lognormal { mu: mu?, sigma: sigma? }
        }
        RawDist::Empirical { csv, unit } => {
            let samples = read_intervals(base_dir, csv).map_err(|e| ck.err(path.key("csv"), e)).ok()?;
            Dist::Empirical(samples.into_iter().map(|v| v * unit.secs()).collect::<Arc<[f64]>>())
        }
    };
    let mean = dist.mean();
    if !(mean.is_finite() && mean > 0.0) {
        ck.err(path.clone(), format!("expected a distribution with a finite positive mean, found a mean of {mean}"));
        return None;
    }
    Some(dist)
}

/// The intervals of an empirical distribution's CSV file `csv` (relative to `base_dir`): one
/// positive number per line, blank lines skipped, an optional header on the first line. The
/// error names the file and, for a bad value, its line.
fn read_intervals(base_dir: &Path, csv: &str) -> Result<Vec<f64>, String> {
    let check =
        |v: f64| if v > 0.0 && v.is_finite() { Ok(()) } else { Err("expected a positive interval".to_string()) };
    let column = Column { noun: "interval", max: d::MAX_EMPIRICAL_SAMPLES, blank_is_error: false, check: &check };
    super::csv::read(base_dir, csv, &column)
}
