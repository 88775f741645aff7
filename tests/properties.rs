//! Properties checked on thousands of random valid scenarios (proptest). Each property states
//! why it must hold in the model. Failures shrink to small scenarios; the regression seeds are
//! kept in `tests/properties.proptest-regressions`.
//!
//! The run itself also checks the model's whole-cluster invariants after every event (debug
//! assertions are on in tests): no replica or proxy alive on a pod without Ray, no request on a
//! replica whose death is published, never more than the target of starting/running replicas
//! (migrations aside), the GCS up only with a live head raylet, never more pod objects per
//! worker group than desired (nor two heads, nor two live pods with one name), pods only on
//! Ready nodes with room.

mod common;

use std::collections::BTreeMap;

use ftsim::metrics::Metrics;
use ftsim::metrics::observations::Outcome;
use ftsim::scenario::{self, Scenario};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Random valid topology + deployment + traffic + faults, as scenario JSON.
fn scenario_json() -> impl Strategy<Value = Value> {
    let cluster = (1u64..=5, 1u64..=3, prop::collection::vec(0u64..=3, 0..=2), any::<bool>(), any::<bool>());
    let serve = (1u64..=10, prop::option::of(1u64..=5), 1u64..=8, 0u64..=15, 2u64..=15, 2u64..=40, any::<bool>());
    let traffic = (1u32..=60, any::<bool>(), 1u64..=500, prop::option::of(1u64..=20), any::<bool>());
    let faults = prop::collection::vec((0u8..10, 0u32..1000, 0u64..=5, 1u64..=120, any::<bool>()), 0..=4);
    (30u64..=200, cluster, serve, traffic, faults, any::<u64>()).prop_map(
        |(duration, (nodes, per_node, groups, ft, ha), serve, traffic, faults, seed)| {
            let (replicas, cap, max_ongoing, ctor, period, timeout, head_only) = serve;
            let (rate, poisson, service_ms, client_timeout, service_ingress) = traffic;
            // Make the cluster fit: enough nodes for every Ray pod.
            let groups: Vec<u64> = groups;
            let ray_pods = 1 + groups.iter().sum::<u64>();
            let nodes = nodes.max(ray_pods.div_ceil(per_node));
            let cap = cap.filter(|c| c * ray_pods >= replicas);
            let worker_groups: Vec<Value> =
                groups.iter().enumerate().map(|(i, n)| json!({"name": format!("g{i}"), "replicas": n})).collect();
            let pods: Vec<String> = std::iter::once("head".to_string())
                .chain(groups.iter().enumerate().flat_map(|(i, n)| (1..=*n).map(move |k| format!("g{i}-{k}"))))
                .collect();
            let workers: Vec<&String> = pods.iter().filter(|p| *p != "head").collect();
            let ingress = if service_ingress {
                json!({"kind": "service"})
            } else if head_only {
                // Only the head runs a proxy: validation refuses any other pinned pod.
                json!({"kind": "pinned", "pod": "head"})
            } else {
                json!({"kind": "pinned", "pod": pods[(seed % pods.len() as u64) as usize]})
            };
            let mut fault_list = Vec::new();
            for (kind, at_permille, target, dur, flag) in faults {
                let at = (duration as f64) * f64::from(at_permille) / 1000.0;
                let f = match kind {
                    0 => json!({"kind": "replica_crash", "at_s": at}),
                    1 => json!({"kind": "replica_health_check_failure", "at_s": at, "mode": if flag {"raise"} else {"hang"}, "duration_s": dur}),
                    2 => json!({"kind": "constructor_failure", "at_s": at, "count": target + 1}),
                    3 => json!({"kind": "controller_crash", "at_s": at}),
                    4 => json!({"kind": "proxy_crash", "at_s": at, "target": pods[(target as usize) % pods.len()]}),
                    5 if !workers.is_empty() => {
                        json!({"kind": "worker_pod_deletion", "at_s": at, "target": workers[(target as usize) % workers.len()]})
                    }
                    6 => json!({"kind": "node_loss", "at_s": at, "target": format!("node-{}", 1 + target % nodes), "network": if flag {"unreachable"} else {"refused"}}),
                    7 => json!({"kind": "head_pod_crash", "at_s": at}),
                    8 if ft => json!({"kind": "redis_outage", "at_s": at, "duration_s": dur}),
                    _ => json!({"kind": "constructor_failure", "at_s": at, "probability": 0.5, "duration_s": dur}),
                };
                fault_list.push(f);
            }
            let mut serve = json!({
                "num_replicas": replicas,
                "max_ongoing_requests": max_ongoing,
                "constructor_s": ctor,
                "health_check_period_s": period,
                "health_check_timeout_s": timeout,
                "proxy_location": if head_only {"HeadOnly"} else {"EveryNode"},
            });
            if let Some(c) = cap {
                serve["max_replicas_per_node"] = json!(c);
            }
            let mut traffic = json!({
                "rate_per_s": rate,
                "arrivals": if poisson {"poisson"} else {"constant"},
                "service_time": {"kind": "exponential", "mean_s": service_ms as f64 / 1000.0},
            });
            if let Some(t) = client_timeout {
                traffic["client_timeout_s"] = json!(t);
            }
            json!({
                "name": "prop",
                "duration_s": duration,
                "seed": seed,
                "cluster": {
                    "k8s_nodes": nodes,
                    "ray_pods_per_node": per_node,
                    "worker_groups": worker_groups,
                    "gcs_fault_tolerance": ft,
                    "redis": {"mode": if ha {"ha"} else {"single"}, "node": format!("node-{}", 1 + seed % nodes)},
                },
                "serve": serve,
                "ingress": ingress,
                "traffic": traffic,
                "faults": fault_list,
            })
        },
    )
}

/// Timings drawn within their limits: the Kubernetes and Ray delays that faults exercise, from
/// zero (where allowed) to a few minutes. The kubelet back-off stays at least 1 s (a zero
/// back-off crash loop is its own subject).
fn timings_json() -> impl Strategy<Value = Value> {
    let k8s = (0u64..=90, 0u64..=90, 0u64..=150, 0u64..=15, 0u64..=60, 1u64..=20, 0u64..=40);
    let ray = (1u64..=5, 1u64..=4, 5u64..=120, 5u64..=120, 0u64..=10, 0u64..=10, 1u64..=30);
    (k8s, ray).prop_map(|(k8s, ray)| {
        let (grace, gc, provisioning, pod_start, drain, backoff, backoff_extra) = k8s;
        let (gcs_period, threshold, reconnect, worker_reconnect, ray_start, head_start, proxy_draining) = ray;
        json!({
            "node_monitor_grace_s": grace,
            "orphan_pod_gc_s": gc,
            "node_provisioning_s": provisioning,
            "pod_start_s": pod_start,
            "node_drain_timeout_s": drain,
            "kubelet_restart_backoff_s": backoff,
            "kubelet_restart_backoff_max_s": backoff + backoff_extra,
            "gcs_health_check_period_s": gcs_period,
            "gcs_health_check_failure_threshold": threshold,
            "gcs_reconnect_timeout_s": reconnect,
            "worker_gcs_reconnect_timeout_s": worker_reconnect,
            "ray_start_s": ray_start,
            "head_ray_start_s": head_start,
            "proxy_min_draining_s": proxy_draining,
        })
    })
}

/// A random valid scenario under attack: every fault kind, several faults on the same few
/// targets (two replicas, two pods, two nodes), often overlapping (a burst within 10 s), and
/// random timings.
fn hostile_scenario_json() -> impl Strategy<Value = Value> {
    let fault = (0u8..9, 0u32..1000, 0usize..2, 1u64..=90, any::<bool>());
    (scenario_json(), timings_json(), prop::collection::vec(fault, 1..=6), any::<bool>()).prop_map(
        |(mut v, timings, faults, burst)| {
            let duration = v["duration_s"].as_f64().unwrap();
            let nodes = v["cluster"]["k8s_nodes"].as_u64().unwrap();
            let ft = v["cluster"]["gcs_fault_tolerance"].as_bool().unwrap();
            let replicas = v["serve"]["num_replicas"].as_u64().unwrap();
            let groups = v["cluster"]["worker_groups"].as_array().unwrap().clone();
            let workers: Vec<String> = groups
                .iter()
                .filter(|g| g["replicas"].as_u64().unwrap() > 0)
                .map(|g| format!("{}-1", g["name"].as_str().unwrap()))
                .collect();
            let pods: Vec<String> = std::iter::once("head".to_string()).chain(workers.iter().cloned()).collect();
            let pick = |list: &[String], k: usize| list[k % list.len()].clone();
            let list = faults
                .into_iter()
                .map(|(kind, permille, k, dur, flag)| {
                    // A burst puts every fault within 10 s of a third of the run.
                    let at = if burst {
                        (duration / 3.0 + f64::from(permille) / 100.0).min(duration - 1.0)
                    } else {
                        duration * f64::from(permille) / 1000.0
                    };
                    let replica = format!("SleepyPid#{}", 1 + (k as u64) % replicas);
                    match kind {
                        0 => json!({"kind": "replica_crash", "at_s": at, "target": replica}),
                        1 => json!({"kind": "replica_health_check_failure", "at_s": at, "target": replica,
                                    "mode": if flag {"raise"} else {"hang"}, "duration_s": dur}),
                        2 => json!({"kind": "constructor_failure", "at_s": at, "count": k + 1}),
                        3 => json!({"kind": "controller_crash", "at_s": at}),
                        4 => json!({"kind": "proxy_crash", "at_s": at, "target": pick(&pods, k)}),
                        5 if !workers.is_empty() => {
                            json!({"kind": "worker_pod_deletion", "at_s": at, "target": pick(&workers, k)})
                        }
                        6 => json!({"kind": "node_loss", "at_s": at, "target": format!("node-{}", 1 + (k as u64) % nodes),
                                    "network": if flag {"unreachable"} else {"refused"}}),
                        7 => json!({"kind": "head_pod_crash", "at_s": at}),
                        8 if ft => json!({"kind": "redis_outage", "at_s": at, "duration_s": dur}),
                        _ => json!({"kind": "node_loss", "at_s": at}),
                    }
                })
                .collect::<Vec<_>>();
            v["faults"] = json!(list);
            v["timings"] = timings;
            v
        },
    )
}

fn parse(v: &Value) -> Scenario {
    scenario::parse(&v.to_string(), "prop")
        .unwrap_or_else(|e| panic!("generated an invalid scenario: {e:?}\n{v}"))
        .scenario
}

struct Out {
    metrics: Metrics,
    run: ftsim::sim::SimOutput,
}

fn run(sc: &Scenario) -> Out {
    let run = ftsim::sim::run(sc).expect("run");
    let metrics = Metrics::compute(sc, &run.observations);
    Out { metrics, run }
}

/// GCS state at each instant, from the events log ("gcs gcs: A -> B").
fn gcs_up_intervals(log: &str) -> Vec<(f64, bool)> {
    let mut v = vec![(0.0, true)];
    for line in log.lines().filter(|l| l.contains(" gcs gcs: ") && l.contains(" -> ")) {
        let t: f64 = line.split_whitespace().next().unwrap().parse().unwrap();
        let to = line.split(" -> ").nth(1).unwrap();
        v.push((t, to.starts_with("UP")));
    }
    v
}

fn gcs_up_at(iv: &[(f64, bool)], t: f64) -> bool {
    iv.iter().rev().find(|(at, _)| *at <= t).map(|(_, up)| *up).unwrap_or(true)
}

/// `cases` per property, or `PROPTEST_CASES` when set (for long soak runs).
/// Failed requests of `v` with light load (5 requests/s of 10 ms each, far below
/// `max_ongoing_requests` x replicas) behind a Service: a pinned pod may host no replica and so
/// (EveryNode, Ray 2.60) no proxy, while a Service only sends traffic to pods whose proxy is ready.
fn failures_with_ample_capacity(mut v: Value) -> u64 {
    v["ingress"] = json!({"kind": "service"});
    v["traffic"]["rate_per_s"] = json!(5);
    v["traffic"]["service_time"] = json!({"kind": "constant", "s": 0.01});
    run(&parse(&v)).metrics.failures()
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    // Properties with preconditions reject some cases: allow rejects in proportion to the cases,
    // so a long soak (PROPTEST_CASES=20000) is not aborted by proptest's fixed default of 1024.
    let max_global_rejects = cases.saturating_mul(4).max(1024);
    ProptestConfig { cases, max_shrink_iters: 2000, max_global_rejects, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(300))]

    /// Conservation: every request has exactly one outcome, overall and per bucket — the model
    /// resolves each request once (success, or one failure cause) and the drain window fails
    /// whatever is still open as `unfinished`.
    #[test]
    fn conservation_and_bounds(v in scenario_json()) {
        let sc = parse(&v);
        let o = run(&sc);
        let m = &o.metrics;
        prop_assert_eq!(m.requests, m.successes + m.failures());
        prop_assert_eq!(m.requests as usize, o.run.observations.requests.len());
        let bucket_requests: u64 = m.buckets.iter().map(|b| b.requests).sum();
        prop_assert_eq!(bucket_requests, m.requests);
        for b in &m.buckets {
            prop_assert_eq!(b.requests, b.successes + b.failures());
        }
        // Bounds and causality.
        prop_assert!((0.0..=1.0).contains(&m.success_ratio()));
        prop_assert!(m.total_downtime() <= sc.duration);
        for f in &m.faults {
            if let Some(d) = f.record.detected_at {
                prop_assert!(f.record.injected_at <= d);
                if let Some(r) = f.recovered_at {
                    prop_assert!(d <= r);
                }
            } else {
                prop_assert!(f.recovered_at.is_none());
            }
        }
        for r in &o.run.observations.requests {
            prop_assert!(r.arrival <= r.end);
        }
        // The controller never runs more replicas than its target (migrations aside: a draining
        // node's replicas keep serving until their replacements run).
        for (_, l) in &o.run.observations.levels {
            prop_assert!(l.replicas_running <= l.replicas_target * 2);
        }
    }

    /// The report adds up and stays inside the run, whatever the faults do to the cluster:
    /// every request has one outcome and every failure one cause; downtime episodes lie inside
    /// the arrival window; a fault is detected no earlier than injected and recovers no earlier
    /// than detected, both within `duration_s` (the drain window after it resolves requests
    /// only); and no level exceeds what the model allows (KubeRay never runs more pods than
    /// desired; Serve never runs more replicas than its target, except while a draining node's
    /// replicas wait for their replacements). The model's own invariants (`sim/check.rs`) run
    /// after every event meanwhile.
    #[test]
    fn the_report_adds_up_under_hostile_faults(v in hostile_scenario_json()) {
        let sc = parse(&v);
        let o = run(&sc);
        let m = &o.metrics;
        let end = ftsim::engine::SimTime::ZERO + sc.duration;
        prop_assert_eq!(m.requests, m.successes + m.failures());
        let recorded = &o.run.observations.requests;
        for cause in ftsim::metrics::observations::FailureCause::ALL {
            let n = recorded.iter().filter(|r| r.outcome == Outcome::Failure(cause)).count() as u64;
            prop_assert_eq!(n, m.failures_of(cause), "cause {}", cause.name());
        }
        for e in &m.episodes {
            prop_assert!(e.start <= e.end && e.end <= end, "episode {:?} outside the run", e);
            prop_assert!(e.failed_requests > 0);
        }
        prop_assert_eq!(m.episodes.iter().map(|e| e.failed_requests).sum::<u64>(), m.failures());
        prop_assert_eq!(m.faults.len(), sc.faults.len());
        for f in &m.faults {
            let (injected, detected) = (f.record.injected_at, f.record.detected_at);
            prop_assert!(injected <= end);
            if let Some(d) = detected {
                prop_assert!(injected <= d && d <= end, "{:?}", f);
            }
            match (detected, f.recovered_at) {
                (Some(d), Some(r)) => prop_assert!(d <= r && r <= end, "{:?}", f),
                (None, Some(_)) => prop_assert!(false, "recovered but never detected: {:?}", f),
                _ => {}
            }
        }
        let desired_pods = 1 + v["cluster"]["worker_groups"].as_array().unwrap().iter()
            .map(|g| g["replicas"].as_u64().unwrap() as u32).sum::<u32>();
        for (t, l) in &o.run.observations.levels {
            prop_assert_eq!(l.pods_desired, desired_pods);
            prop_assert!(l.pods_ready <= l.pods_desired, "t={}: {} of {} pods ready", t, l.pods_ready, l.pods_desired);
            prop_assert!(l.replicas_running <= 2 * l.replicas_target, "t={}: {} replicas running", t, l.replicas_running);
        }
    }

    /// Physical truth: nothing is created or restarted while the GCS is down (replica
    /// scheduling, proxy creation and controller restarts all need the GCS).
    #[test]
    fn nothing_starts_while_the_gcs_is_down(v in scenario_json()) {
        let sc = parse(&v);
        let o = run(&sc);
        let iv = gcs_up_intervals(&o.run.events_log);
        for line in o.run.events_log.lines() {
            let starts = line.contains("PENDING_ALLOCATION -> STARTING")
                || line.contains(": created (STARTING)")
                || line.contains("DEAD -> RESTARTING");
            if starts {
                let t: f64 = line.split_whitespace().next().unwrap().parse().unwrap();
                prop_assert!(t == 0.0 || gcs_up_at(&iv, t), "started while the GCS was down: {}", line);
            }
        }
    }

    /// Determinism: the same scenario and seed give identical outputs, whatever else ran before
    /// and on whatever thread.
    #[test]
    fn determinism_across_threads(vs in prop::collection::vec(scenario_json(), 2..=4)) {
        let scs: Vec<Scenario> = vs.iter().map(parse).collect();
        let sequential: Vec<(String, usize)> = scs.iter().rev().map(|s| {
            let o = run(s);
            (o.run.events_log, o.run.observations.requests.len())
        }).collect();
        let threaded: Vec<(String, usize)> = std::thread::scope(|scope| {
            let handles: Vec<_> = scs.iter().map(|s| scope.spawn(move || {
                let o = run(s);
                (o.run.events_log, o.run.observations.requests.len())
            })).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sequential: Vec<_> = sequential.into_iter().rev().collect();
        prop_assert_eq!(sequential, threaded);
    }

    /// Baseline: with no fault and ample capacity (rate far below max_ongoing_requests x
    /// replicas / service time), every request succeeds.
    #[test]
    fn no_fault_no_failure(mut v in scenario_json()) {
        v["faults"] = json!([]);
        prop_assert_eq!(failures_with_ample_capacity(v), 0);
    }

    /// Baseline: a controller crash alone fails no request (the data plane does not need it).
    #[test]
    fn controller_crash_alone_fails_nothing(mut v in scenario_json(), at in 1u32..29) {
        v["faults"] = json!([{"kind": "controller_crash", "at_s": at}]);
        prop_assert_eq!(failures_with_ample_capacity(v), 0);
    }

    /// Baseline: with GCS fault tolerance a head crash never costs more requests than the same
    /// crash without it, on the same seed (workers keep their replicas instead of being
    /// rejected by an empty new cluster). Only for clusters with worker pods (a head-only
    /// cluster gains nothing from fault tolerance), under light load (an overloaded cluster's
    /// backlog makes the comparison depend on queueing, not on the mechanism), and that serve
    /// every request without the fault (a pinned pod that hosts no replica has no proxy, and a
    /// redeploy without fault tolerance may place one there by chance).
    #[test]
    fn gcs_ft_never_costs_more(mut v in scenario_json(), at in 1u32..29) {
        let workers: u64 = v["cluster"]["worker_groups"].as_array().unwrap().iter().map(|g| g["replicas"].as_u64().unwrap()).sum();
        prop_assume!(workers > 0);
        v["traffic"]["rate_per_s"] = json!(5);
        v["traffic"]["service_time"] = json!({"kind": "constant", "s": 0.01});
        v["faults"] = json!([]);
        v["cluster"]["gcs_fault_tolerance"] = json!(true);
        prop_assume!(run(&parse(&v)).metrics.failures() == 0);
        v["faults"] = json!([{"kind": "head_pod_crash", "at_s": at}]);
        v["cluster"]["gcs_fault_tolerance"] = json!(true);
        let with_ft = run(&parse(&v));
        v["cluster"]["gcs_fault_tolerance"] = json!(false);
        let without = run(&parse(&v));
        prop_assert!(with_ft.metrics.failures() <= without.metrics.failures(),
            "FT {} > no FT {}", with_ft.metrics.failures(), without.metrics.failures());
    }
}

proptest! {
    #![proptest_config(config(100))]

    /// Streaming (issue 10 §1): the metrics `ftsim run` accumulates while the simulation runs,
    /// holding only the open requests, equal those computed from every request kept; each
    /// fault's failed requests, counted from failure counts kept at the marks only, equal a
    /// count over every request in its window [injected, recovered or end).
    #[test]
    fn streamed_metrics_equal_metrics_from_every_request(v in scenario_json()) {
        let sc = parse(&v);
        let kept = run(&sc);
        let mut log = Vec::new();
        let (_, m) = common::streamed(&sc, &mut log);
        prop_assert_eq!(String::from_utf8(log).unwrap(), kept.run.events_log.clone());
        prop_assert_eq!(&m, &kept.metrics);
        let end = ftsim::engine::SimTime::ZERO + sc.duration;
        for f in &m.faults {
            let until = f.recovered_at.unwrap_or(end).max(f.record.injected_at);
            let brute = kept.run.observations.requests.iter()
                .filter(|r| r.arrival >= f.record.injected_at && r.arrival < until && r.outcome != Outcome::Success)
                .count() as u64;
            prop_assert_eq!(f.failed_requests, brute);
        }
    }
}

/// The generator itself produces varied scenarios (guards against a strategy that degenerates).
#[test]
fn generator_covers_every_fault_kind() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut kinds = BTreeMap::new();
    for _ in 0..300 {
        let v = scenario_json().new_tree(&mut runner).unwrap().current();
        for f in v["faults"].as_array().unwrap() {
            *kinds.entry(f["kind"].as_str().unwrap().to_string()).or_insert(0) += 1;
        }
        let _ = parse(&v);
    }
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    let _ = Outcome::Success;
}

/// The hostile generator covers every fault kind and puts several faults on one target within
/// seconds of each other (the overlaps the report property is about).
#[test]
fn hostile_generator_overlaps_faults_on_one_target() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut kinds = BTreeMap::new();
    let mut overlaps = 0;
    for _ in 0..300 {
        let v = hostile_scenario_json().new_tree(&mut runner).unwrap().current();
        let faults = v["faults"].as_array().unwrap();
        for (i, f) in faults.iter().enumerate() {
            *kinds.entry(f["kind"].as_str().unwrap().to_string()).or_insert(0) += 1;
            let close = |g: &Value| (g["at_s"].as_f64().unwrap() - f["at_s"].as_f64().unwrap()).abs() < 10.0;
            if f.get("target").is_some() && faults[..i].iter().any(|g| g["target"] == f["target"] && close(g)) {
                overlaps += 1;
            }
        }
        let _ = parse(&v);
    }
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    assert!(overlaps >= 30, "only {overlaps} overlapping faults on one target");
}
