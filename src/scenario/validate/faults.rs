//! `faults`: each fault's time, target and numbers, and the bound on the constructor attempts
//! they make fail.

use super::check::{Checker, r};
use super::cluster::initial_pod_names;
use super::{JsonPath, d, f};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::model::*;
use crate::scenario::raw::{RawCrashReason, RawFault, RawHealthMode, RawNetwork, RawScenario};
use crate::scenario::show;

/// What a fault is checked against: the rest of the validated scenario.
pub(super) struct Bounds<'a> {
    /// The arrival window: faults come before its end.
    pub duration: SimDuration,
    /// Nodes and pods a fault may target.
    pub cluster: &'a Cluster,
    /// Replicas a fault may target.
    pub serve: &'a Serve,
    /// Replica start times.
    pub timings: &'a Timings,
    /// The client timeout, which sets the run's end.
    pub traffic: &'a Traffic,
}

/// What a fault may target by name.
struct Targets {
    pods: Vec<String>,
    workers: Vec<String>,
    replicas: Vec<String>,
    nodes: Vec<String>,
}

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, b: &Bounds) -> Vec<Fault> {
    let path = f::FAULTS.json_path();
    if raw.faults.len() > d::MAX_FAULTS {
        ck.err(path.clone(), format!("expected at most {} faults, found {}", d::MAX_FAULTS, raw.faults.len()));
    }
    let pods = initial_pod_names(b.cluster);
    let targets = Targets {
        workers: pods.iter().filter(|p| *p != "head").cloned().collect(),
        pods,
        replicas: b.serve.initial_replicas(),
        nodes: (1..=b.cluster.k8s_nodes).map(|i| format!("node-{i}")).collect(),
    };
    let retries = RetryBound {
        run_end: SimTime::ZERO + b.duration + b.traffic.client_timeout.unwrap_or(SimDuration::from_secs(60)),
        attempt: b.timings.actor_start + b.serve.deployments().map(|d| d.constructor).max().unwrap_or_default(),
        slots: b.serve.total_replicas(),
    };
    let mut faults = Vec::new();
    let mut constructor_failures = 0u64;
    for (i, raw_fault) in raw.faults.iter().enumerate().take(d::MAX_FAULTS) {
        let fp = path.index(i);
        if let Some(fault) = validate_fault(ck, &fp, raw_fault, b, &targets) {
            let before = constructor_failures;
            constructor_failures = constructor_failures.saturating_add(retries.failures(&fault));
            if constructor_failures > d::MAX_CONSTRUCTOR_FAILURES && before <= d::MAX_CONSTRUCTOR_FAILURES {
                ck.err(fp.clone(), retries.too_many(constructor_failures));
            }
            faults.push(fault);
        }
    }
    faults.sort_by_key(|f| f.at);
    for (i, fault) in faults.iter_mut().enumerate() {
        fault.stream = crate::names::stream::fault(i);
    }
    faults
}

fn at_s(fault: &RawFault) -> f64 {
    match fault {
        RawFault::ReplicaCrash { at_s, .. }
        | RawFault::ReplicaHealthCheckFailure { at_s, .. }
        | RawFault::ConstructorFailure { at_s, .. }
        | RawFault::ControllerCrash { at_s, .. }
        | RawFault::ProxyCrash { at_s, .. }
        | RawFault::WorkerPodDeletion { at_s, .. }
        | RawFault::NodeLoss { at_s, .. }
        | RawFault::ZoneOutage { at_s, .. }
        | RawFault::HeadPodCrash { at_s }
        | RawFault::RedisOutage { at_s, .. }
        | RawFault::GcsCrash { at_s }
        | RawFault::ContainerCrash { at_s, .. }
        | RawFault::NetworkPartition { at_s, .. }
        | RawFault::NodeDelete { at_s, .. }
        | RawFault::NodeUnreachable { at_s, .. } => *at_s,
    }
}

fn validate_fault(ck: &mut Checker, fp: &JsonPath, raw: &RawFault, b: &Bounds, t: &Targets) -> Option<Fault> {
    let at_s = at_s(raw);
    let at = ck.secs(&f::FAULT_AT_S, fp.key("at_s"), at_s);
    if at >= b.duration && b.duration > SimDuration::ZERO {
        let msg = format!(
            "expected a time before the end of the run (duration_s = {}), found {}",
            b.duration,
            show::num(at_s)
        );
        ck.err(fp.key("at_s"), msg);
    }
    let duration = |ck: &mut Checker, v: Option<f64>| v.map(|v| ck.secs(&f::FAULT_DURATION_S, fp.key("duration_s"), v));
    let mut target = |target: &Option<String>, allowed: &[String], what: &str| {
        check_target(ck, fp.key("target"), target, allowed, what);
        target.clone()
    };
    let kind = match raw {
        RawFault::ReplicaCrash { target: tg, .. } => {
            FaultKind::ReplicaCrash { target: target(tg, &t.replicas, "replica") }
        }
        RawFault::ReplicaHealthCheckFailure { target: tg, mode, duration_s, .. } => {
            let target = target(tg, &t.replicas, "replica");
            FaultKind::ReplicaHealthCheckFailure {
                target,
                mode: match r(mode) {
                    RawHealthMode::Raise => HealthMode::Raise,
                    RawHealthMode::Hang => HealthMode::Hang,
                },
                duration: duration(ck, *duration_s),
            }
        }
        RawFault::ConstructorFailure { count, probability, duration_s, .. } => {
            let failures = constructor_failures(ck, fp, *count, *probability)?;
            FaultKind::ConstructorFailure { failures, duration: duration(ck, *duration_s) }
        }
        RawFault::ControllerCrash { restart, .. } => {
            FaultKind::ControllerCrash { restart: restart.unwrap_or(f::FAULT_RESTART.default_bool()) }
        }
        RawFault::ProxyCrash { target: tg, .. } => FaultKind::ProxyCrash { target: target(tg, &t.pods, "pod") },
        RawFault::WorkerPodDeletion { target: tg, .. } => {
            FaultKind::WorkerPodDeletion { target: target(tg, &t.workers, "worker pod"), oldest: false }
        }
        RawFault::NodeLoss { target: tg, network, .. } => FaultKind::NodeLoss {
            target: target(tg, &t.nodes, "node"),
            among: None,
            unreachable: r(network) == RawNetwork::Unreachable,
        },
        RawFault::ZoneOutage { zone, network, .. } => FaultKind::ZoneOutage {
            nodes: zone_nodes(ck, fp.key("zone"), b.cluster, zone),
            zone: zone.clone(),
            unreachable: r(network) == RawNetwork::Unreachable,
        },
        RawFault::HeadPodCrash { .. } => FaultKind::HeadPodCrash,
        RawFault::RedisOutage { duration_s, .. } => {
            if !b.cluster.gcs_fault_tolerance {
                ck.err(
                    fp.key("kind"),
                    "a redis_outage needs cluster.gcs_fault_tolerance = true: without it the GCS does not use Redis",
                );
            }
            FaultKind::RedisOutage { duration: ck.secs(&f::FAULT_DURATION_S, fp.key("duration_s"), *duration_s) }
        }
        RawFault::GcsCrash { .. } => FaultKind::GcsCrash,
        RawFault::ContainerCrash { target: tg, reason, .. } => FaultKind::ContainerCrash {
            target: target(tg, &t.pods, "pod"),
            reason: match r(reason) {
                RawCrashReason::OomKilled => CrashReason::OomKilled,
                RawCrashReason::Error => CrashReason::Error,
            },
        },
        RawFault::NetworkPartition { target: tg, duration_s, .. } => FaultKind::NetworkPartition {
            target: target(tg, &t.workers, "worker pod"),
            duration: duration(ck, *duration_s),
        },
        RawFault::NodeDelete { target: tg, .. } => FaultKind::NodeDelete { target: target(tg, &t.nodes, "node") },
        RawFault::NodeUnreachable { target: tg, duration_s, .. } => {
            let node = target(tg, &t.nodes, "node");
            if let Some(node) = &node {
                refuse_unmodelled_unreachable_node(ck, fp.key("target"), b.cluster, node);
            }
            FaultKind::NodeUnreachable { target: node, duration: duration(ck, *duration_s) }
        }
    };
    // The stream is named once the faults are in time order (see `validate`).
    Some(Fault { at: SimTime::ZERO + at, kind, stream: String::new() })
}

/// A `constructor_failure`'s pattern: a `count` or a `probability`, not both.
fn constructor_failures(
    ck: &mut Checker,
    fp: &JsonPath,
    count: Option<u64>,
    probability: Option<f64>,
) -> Option<ConstructorFailures> {
    match (count, probability) {
        (Some(n), None) => Some(ConstructorFailures::Count(ck.int(&f::FAULT_COUNT, fp.key("count"), n))),
        (None, Some(p)) => {
            let p = ck.num(&f::FAULT_PROBABILITY, fp.key("probability"), p);
            Some(ConstructorFailures::Probability(crate::engine::rng::probability_threshold(p)))
        }
        (Some(_), Some(_)) => {
            ck.err(fp.key("probability"), "expected either count or probability, found both");
            None
        }
        (None, None) => {
            ck.err(fp.clone(), "missing field `count` or `probability`");
            None
        }
    }
}

/// The nodes of `zone` at `path`, in node order; an error when the cluster has no such zone.
pub(super) fn zone_nodes(ck: &mut Checker, path: JsonPath, cluster: &Cluster, zone: &str) -> Vec<String> {
    let nodes = cluster.zone_node_names(zone);
    if nodes.is_empty() {
        let msg = format!("unknown zone {}; expected one of: {}", show::text(zone), show::list(&cluster.zones()));
        ck.err(path, msg);
    }
    nodes
}

/// A `node_unreachable` of the head's node (the GCS cut off from every raylet) or of the Redis
/// pod's node (the GCS cut off from its store) is not modelled: an error at `path`.
fn refuse_unmodelled_unreachable_node(ck: &mut Checker, path: JsonPath, cluster: &Cluster, node: &str) {
    // The head is the first pod scheduled: on the first node of its pool.
    let head_node = crate::names::node(cluster.pool_nodes(cluster.head_pool).start + 1);
    let redis_node = cluster.redis_pod_node().map(|n| crate::names::node(n + 1));
    let hosts = if node == head_node {
        "the head pod"
    } else if redis_node.as_deref() == Some(node) {
        "the Redis pod"
    } else {
        return;
    };
    let msg = format!(
        "{} hosts {hosts}: a node_unreachable of it is not modelled (cut a worker's node; node_loss \
         loses this one)",
        show::text(node)
    );
    ck.err(path, msg);
}

fn check_target(ck: &mut Checker, path: JsonPath, target: &Option<String>, allowed: &[String], what: &str) {
    if let Some(t) = target {
        if !allowed.contains(t) {
            let list = if allowed.is_empty() { "there are none".to_string() } else { show::list(allowed) };
            ck.err(path, format!("unknown {what} {}; expected one of: {list}", show::text(t)));
        }
    } else if allowed.is_empty() {
        ck.err(path, format!("no {what} exists to pick at random"));
    }
}

/// An upper bound on the replica constructor attempts that `constructor_failure` faults make
/// fail. Every failed attempt makes Serve start a new replica actor at once (Ray 2.60 has no
/// back-off once the deployment has run), so a failure that lasts makes one attempt per replica
/// slot per `actor_start_s + constructor_s`, until the run's hard stop (the arrival window plus
/// the client timeout, or 60 s, plus 1 s: `World::hard_stop`).
struct RetryBound {
    run_end: SimTime,
    attempt: SimDuration,
    slots: u32,
}

impl RetryBound {
    /// Most attempts `fault` can make fail; `u64::MAX` for a lasting failure with a zero start time.
    fn failures(&self, fault: &Fault) -> u64 {
        let FaultKind::ConstructorFailure { failures, duration } = &fault.kind else {
            return 0;
        };
        let left = (self.run_end + SimDuration::from_secs(1)).saturating_since(fault.at);
        let window = duration.map_or(left, |d| d.min(left));
        match failures {
            ConstructorFailures::Count(n) => u64::from(*n),
            ConstructorFailures::Probability(0) => 0,
            ConstructorFailures::Probability(_) if self.attempt.as_micros() == 0 => u64::MAX,
            ConstructorFailures::Probability(_) => {
                u64::from(self.slots).saturating_mul(window.as_micros() / self.attempt.as_micros() + 1)
            }
        }
    }

    fn too_many(&self, failures: u64) -> String {
        let limit = d::MAX_CONSTRUCTOR_FAILURES;
        if failures == u64::MAX {
            return format!(
                "a lasting constructor failure with actor_start_s + constructor_s = 0 retries forever at one instant; \
                 expected a positive start time, a count, or at most {limit} failed attempts in all"
            );
        }
        format!(
            "constructor_failure faults can fail up to {failures} constructor attempts ({} replicas, each retried every \
             actor_start_s + constructor_s = {}); expected at most {limit} in all: give the fault a count or a shorter \
             duration_s",
            self.slots, self.attempt
        )
    }
}
