//! Failure processes -> faults: the expansion both the simulator and live mode run, so that they
//! inject the same faults at the same times.
//!
//! [`expand`] is a pure function of the scenario and its seed. Each instance of a process draws
//! its times from its own stream, keyed by the process's name and the instance
//! ([`names::stream::failure_times`]); each generated fault gets its own stream for its target
//! ([`names::stream::failure_fault`]). Adding a process therefore changes no other process's
//! faults, no scripted fault's target and no arrival; a new seed (a Monte Carlo replication)
//! draws new faults.

pub mod sample;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::engine::{RngStream, SimDuration, SimTime};
use crate::names::{self, stream};
use crate::scenario::defaults::MAX_GENERATED_FAULTS;
use crate::scenario::{Dist, FailureKind, FailureProcess, Fault, FaultKind, Scenario};
use sample::sample;

/// The draws of a run's failure processes make more faults than a run may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooManyFaults {
    /// The process that went over the limit.
    pub process: String,
}

impl std::fmt::Display for TooManyFaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "failure process {:?} drew more than {} faults in this run (twice the expected limit); give its \
             distribution longer times or a min_gap_s",
            self.process,
            2 * MAX_GENERATED_FAULTS
        )
    }
}

/// Every fault of a run of `sc` under its seed: the scripted faults and those the failure
/// processes draw before the end of the arrival window, in time order (at equal times scripted
/// faults first, then the processes in file order).
pub fn expand(sc: &Scenario) -> Result<Vec<Fault>, TooManyFaults> {
    let end = SimTime::ZERO + sc.duration;
    let mut faults = sc.faults.clone();
    let mut budget = 2 * MAX_GENERATED_FAULTS;
    for process in &sc.failures {
        let generated = match &process.kind {
            FailureKind::Renewal { faults, instances, ttf, ttr, min_gap } => {
                let clocks = Clocks { seed: sc.seed, process: &process.name, ttf, ttr: ttr.as_ref() };
                renewals(&clocks, *instances, *min_gap, end, budget)
                    .map(|failures| faults_of(process, faults, &failures))
            }
            FailureKind::RollingRestart { start, every, gap, pods } => {
                rolling_restart(*start, *every, *gap, *pods, end, budget).map(|times| {
                    let fault = FaultKind::WorkerPodDeletion { target: None, oldest: true };
                    let failures: Vec<_> = times.into_iter().map(|at| (at, None)).collect();
                    faults_of(process, &[fault], &failures)
                })
            }
        };
        let generated = generated.ok_or_else(|| TooManyFaults { process: process.name.clone() })?;
        budget -= generated.len() as u64;
        faults.extend(generated);
    }
    faults.sort_by_key(|f| f.at);
    Ok(faults)
}

/// The seeded draws of one renewal process.
struct Clocks<'a> {
    seed: u64,
    process: &'a str,
    ttf: &'a Dist,
    ttr: Option<&'a Dist>,
}

/// A draw in whole microseconds (at least one), saturating beyond any run.
fn micros(dist: &Dist, rng: &mut RngStream) -> u64 {
    let us = (sample(dist, rng) * 1e6).round();
    if us >= u64::MAX as f64 { u64::MAX } else { (us as u64).max(1) }
}

/// The failures of a renewal process before `end`: each time with its repair time, if any.
/// Instance k fails at its draws of the time to failure, its clock restarting at each of its
/// failures (after the repair); a failure due less than `min_gap` after the previous one of the
/// process waits until then. `None` beyond `budget` failures.
fn renewals(
    c: &Clocks,
    instances: u32,
    min_gap: SimDuration,
    end: SimTime,
    budget: u64,
) -> Option<Vec<(SimTime, Option<SimDuration>)>> {
    let mut rngs: Vec<RngStream> =
        (1..=instances).map(|k| RngStream::new(c.seed, &stream::failure_times(c.process, k))).collect();
    let mut due: BinaryHeap<Reverse<(u64, usize)>> =
        rngs.iter_mut().enumerate().map(|(k, rng)| Reverse((micros(c.ttf, rng), k))).collect();
    let mut failures = Vec::new();
    let mut last: Option<u64> = None;
    while let Some(Reverse((t, k))) = due.pop() {
        let at = last.map_or(t, |l| t.max(l.saturating_add(min_gap.as_micros())));
        if at >= end.as_micros() {
            break;
        }
        if failures.len() as u64 >= budget {
            return None;
        }
        let repair = c.ttr.map(|ttr| micros(ttr, &mut rngs[k]));
        failures.push((SimTime::from_micros(at), repair.map(SimDuration::from_micros)));
        let next = at.saturating_add(repair.unwrap_or(0)).saturating_add(micros(c.ttf, &mut rngs[k]));
        due.push(Reverse((next, k)));
        last = Some(at);
    }
    Some(failures)
}

/// The deletions of a rolling restart before `end`; `None` beyond `budget`.
fn rolling_restart(
    start: SimDuration,
    every: SimDuration,
    gap: SimDuration,
    pods: u32,
    end: SimTime,
    budget: u64,
) -> Option<Vec<SimTime>> {
    let mut times = Vec::new();
    let mut round = SimTime::ZERO + start;
    while round < end {
        for j in 0..u64::from(pods) {
            let at = round + gap.saturating_mul(j);
            if at >= end {
                break;
            }
            if times.len() as u64 >= budget {
                return None;
            }
            times.push(at);
        }
        round += every.max(SimDuration::from_micros(1));
    }
    Some(times)
}

/// The faults of `process` for its `failures` (time, repair): each of `templates` at each time,
/// with the repair as its duration, each with its own stream.
fn faults_of(
    process: &FailureProcess,
    templates: &[FaultKind],
    failures: &[(SimTime, Option<SimDuration>)],
) -> Vec<Fault> {
    let mut n = 0u64;
    let mut faults = Vec::with_capacity(failures.len() * templates.len());
    for &(at, repair) in failures {
        for template in templates {
            n += 1;
            let kind = match (template.clone(), repair) {
                (FaultKind::ReplicaHealthCheckFailure { target, mode, .. }, duration) => {
                    FaultKind::ReplicaHealthCheckFailure { target, mode, duration }
                }
                (FaultKind::RedisOutage { .. }, Some(duration)) => FaultKind::RedisOutage { duration },
                (kind, _) => kind,
            };
            faults.push(Fault { at, kind, stream: names::stream::failure_fault(&process.name, n) });
        }
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(json: &str) -> Scenario {
        crate::scenario::parse(json, "t.json").unwrap_or_else(|e| panic!("{e:?}")).scenario
    }

    fn times(faults: &[Fault], kind: &str) -> Vec<SimTime> {
        faults.iter().filter(|f| f.kind.name() == kind).map(|f| f.at).collect()
    }

    const NODES: &str = r#"{"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 2, "unit": "h"}}"#;
    const REDIS: &str = r#"{"kind": "redis_outage", "ttf": {"kind": "weibull", "shape": 1.5, "scale": 3, "unit": "h"},
        "ttr": {"kind": "lognormal", "median": 120, "sigma": 0.8, "unit": "s"}}"#;

    #[test]
    fn adding_a_process_moves_no_other_process_nor_a_scripted_faults_stream() {
        let scripted = r#"{"kind": "proxy_crash", "at_s": 300}"#;
        let one = format!(r#"{{"duration_s": 86400, "faults": [{scripted}], "failures": [{NODES}]}}"#);
        let two = format!(r#"{{"duration_s": 86400, "faults": [{scripted}], "failures": [{REDIS}, {NODES}]}}"#);
        let (a, b) = (expand(&scenario(&one)).unwrap(), expand(&scenario(&two)).unwrap());
        assert!(times(&a, "node_loss").len() > 10, "{a:?}");
        assert_eq!(times(&a, "node_loss"), times(&b, "node_loss"));
        assert!(!times(&b, "redis_outage").is_empty());
        let streams = |f: &[Fault]| -> Vec<String> {
            f.iter().filter(|f| f.kind.name() != "redis_outage").map(|f| f.stream.clone()).collect()
        };
        assert_eq!(streams(&a), streams(&b));
        assert!(streams(&a).contains(&"fault-0".to_string()));
    }

    #[test]
    fn the_seed_draws_the_faults_and_the_same_seed_draws_the_same() {
        let json = |seed: u64| format!(r#"{{"seed": {seed}, "duration_s": 86400, "failures": [{REDIS}, {NODES}]}}"#);
        let at =
            |seed| expand(&scenario(&json(seed))).unwrap().iter().map(|f| (f.at, f.stream.clone())).collect::<Vec<_>>();
        assert_eq!(at(3), at(3));
        assert_ne!(at(3), at(4));
    }

    #[test]
    fn faults_come_in_time_order_before_the_end_with_repairs_as_durations() {
        let sc = scenario(&format!(r#"{{"duration_s": 86400, "failures": [{REDIS}, {NODES}]}}"#));
        let faults = expand(&sc).unwrap();
        assert!(faults.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(faults.iter().all(|f| f.at < SimTime::ZERO + sc.duration));
        let outages: Vec<_> = faults
            .iter()
            .filter_map(|f| match f.kind {
                FaultKind::RedisOutage { duration } => Some((f.at, duration)),
                _ => None,
            })
            .collect();
        // Alternating renewal: the next failure comes after the repair.
        assert!(outages.windows(2).all(|w| w[0].0 + w[0].1 < w[1].0), "{outages:?}");
    }

    #[test]
    fn a_minimum_gap_spaces_a_processs_injections() {
        let sc = scenario(
            r#"{"duration_s": 86400, "cluster": {"k8s_nodes": 50, "ray_pods_per_node": 1}, "failures": [{"kind": "node_loss",
               "min_gap_s": 600, "ttf": {"kind": "exponential", "mean": 1, "unit": "h"}}]}"#,
        );
        let at = times(&expand(&sc).unwrap(), "node_loss");
        assert!(at.len() > 100, "{}", at.len());
        assert!(at.windows(2).all(|w| w[1] - w[0] >= SimDuration::from_secs(600)));
    }

    #[test]
    fn a_rolling_restart_deletes_every_worker_oldest_first_at_its_cadence() {
        let sc = scenario(
            r#"{"duration_s": 10000, "failures": [{"kind": "rolling_restart", "every_s": 3600, "start_s": 100, "gap_s": 90}]}"#,
        );
        let faults = expand(&sc).unwrap();
        let at: Vec<u64> = faults.iter().map(|f| (f.at - SimTime::ZERO).as_micros() / 1_000_000).collect();
        assert_eq!(at, [100, 190, 3700, 3790, 7300, 7390]);
        assert!(faults.iter().all(|f| f.kind == FaultKind::WorkerPodDeletion { target: None, oldest: true }));
    }

    #[test]
    fn a_zone_loses_its_nodes_together() {
        let sc = scenario(
            r#"{"duration_s": 86400, "failures": [{"kind": "zone_loss", "name": "zone-a", "nodes": ["node-1", "node-2"],
               "ttf": {"kind": "exponential", "mean": 4, "unit": "h"}}]}"#,
        );
        let faults = expand(&sc).unwrap();
        assert!(faults.len() >= 4 && faults.len().is_multiple_of(2), "{}", faults.len());
        for pair in faults.chunks(2) {
            assert_eq!(pair[0].at, pair[1].at);
            let targets: Vec<_> = pair
                .iter()
                .map(|f| match &f.kind {
                    FaultKind::NodeLoss { target, .. } => target.clone(),
                    _ => None,
                })
                .collect();
            assert_eq!(targets, [Some("node-1".to_string()), Some("node-2".to_string())]);
        }
    }
}
