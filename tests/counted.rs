//! Counted traffic (issue 12 §2) against the per-request model: the same short scenarios with
//! faults, run for many seeds in both modes, must give the same distributions of what the report
//! shows. Each quantity is compared by a two-sample Kolmogorov-Smirnov test and by Welch's t test
//! of the means, each at significance 0.001, over the per-seed values (about 60 comparisons: a
//! family-wise false alarm rate under 6 %; the seeds are fixed, so a pass or a failure is
//! reproducible). With constant arrivals the request counts,
//! per run and per bucket, must be equal. The faults are picked so that requests are in flight
//! when they strike (0.1 s mean service at 50 requests/s: about 5 in flight), so a counted mode
//! that counted too close to a change, or drew counts from a wrong law, fails here: with no
//! margin before a change (`counted_margin` returning zero), the replica crash's `replica_died`
//! failures vanish from counted runs and the test fails; with Poisson counts drawn 2 % too high,
//! the means of the successes differ by over 10 standard errors.

mod common;

use ftsim::metrics::Metrics;
use ftsim::metrics::observations::FailureCause;
use ftsim::metrics::stream::MetricsStream;
use ftsim::scenario::Scenario;
use ftsim::scenario::traffic_mode::RunMode;
use serde_json::{Value, json};

/// Seeds per mode and scenario.
const SEEDS: u64 = 120;

/// c(alpha) of the two-sample KS test at alpha = 0.001.
const KS_C: f64 = 1.949;

/// The two-sided 0.001 quantile of Student's t with about 200 degrees of freedom.
const WELCH_T: f64 = 3.34;

fn scenario(extra: Value, seed: u64) -> Scenario {
    let mut doc = json!({
        "duration_s": 90,
        "seed": seed,
        "traffic": {"rate_per_s": 50, "service_time": {"kind": "exponential", "mean_s": 0.1}, "client_timeout_s": 4},
    });
    merge(&mut doc, extra);
    ftsim::scenario::parse(&doc.to_string(), "counted-test").expect("valid scenario").scenario
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

fn run(sc: &Scenario, mode: RunMode) -> (Metrics, u64) {
    let mut stream = MetricsStream::new(sc);
    let run = ftsim::sim::run_in_mode(sc, mode, &mut std::io::sink(), &mut stream).expect("run");
    (stream.finish(&run.levels, &run.faults, &run.entry_points), run.events_processed)
}

/// Welch's t statistic of the means of `a` and `b` (0 when neither varies and the means agree).
fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    let (ma, mb) = (mean(a), mean(b));
    let se = (var(a, ma) / a.len() as f64 + var(b, mb) / b.len() as f64).sqrt();
    if se == 0.0 {
        return if ma == mb { 0.0 } else { f64::INFINITY };
    }
    (ma - mb) / se
}

/// What is compared, per run.
fn quantities(m: &Metrics) -> Vec<(&'static str, f64)> {
    let mut q = vec![
        ("successes", m.successes as f64),
        ("downtime_s", m.total_downtime().as_secs_f64()),
        ("bad_seconds", m.time.bad_seconds as f64),
        ("latency_p50", m.latency[0].as_secs_f64()),
    ];
    q.extend(FailureCause::ALL.iter().map(|&c| (c.name(), m.failures_of(c) as f64)));
    q.extend(m.faults.iter().map(|f| ("fault_failed_requests", f.failed_requests as f64)));
    q
}

/// Runs `extra` for [`SEEDS`] seeds in both modes; fails on a KS rejection; returns the failures
/// seen per mode (to check that the scenario does exercise failures) and the events processed.
fn compare(name: &str, extra: Value) -> ([f64; 2], [u64; 2]) {
    let mut per_mode: [Vec<Vec<(&str, f64)>>; 2] = [Vec::new(), Vec::new()];
    let mut failures = [0.0; 2];
    let mut events = [0; 2];
    for seed in 1..=SEEDS {
        let sc = scenario(extra.clone(), seed);
        for (i, mode) in [RunMode::PerRequest, RunMode::Counted].into_iter().enumerate() {
            let (m, ev) = run(&sc, mode);
            failures[i] += m.failures() as f64;
            events[i] += ev;
            per_mode[i].push(quantities(&m));
        }
    }
    let critical = KS_C * (2.0 / SEEDS as f64).sqrt();
    for k in 0..per_mode[0][0].len() {
        let column = |i: usize| per_mode[i].iter().map(|q| q[k].1).collect::<Vec<f64>>();
        let d = common::ks(&column(0), &column(1));
        let what = per_mode[0][0][k].0;
        assert!(d <= critical, "{name}: {what} differs between modes (KS D = {d:.3} > {critical:.3})");
        let t = welch_t(&column(0), &column(1));
        assert!(t.abs() <= WELCH_T, "{name}: the mean of {what} differs between modes (Welch t = {t:.2})");
    }
    (failures, events)
}

#[test]
fn a_replica_crash_costs_the_same_in_both_modes() {
    let (failures, events) = compare("replica crash", json!({"faults": [{"kind": "replica_crash", "at_s": 40}]}));
    assert!(failures[0] > SEEDS as f64 / 2.0, "requests in service die with the replica: {failures:?}");
    // Periodic health checks are half of the events of a per-request run here.
    assert!(events[1] * 2 < events[0], "counted mode skips most requests: {events:?}");
}

#[test]
fn a_node_loss_costs_the_same_in_both_modes() {
    let (failures, _) = compare(
        "node loss",
        json!({"faults": [{"kind": "node_loss", "at_s": 40, "target": "node-3", "network": "unreachable"}]}),
    );
    assert!(failures[0] > SEEDS as f64, "{failures:?}");
}

#[test]
fn a_head_crash_without_gcs_fault_tolerance_costs_the_same_in_both_modes() {
    let (failures, _) = compare(
        "head crash, no GCS FT",
        json!({"cluster": {"gcs_fault_tolerance": false}, "faults": [{"kind": "head_pod_crash", "at_s": 40}]}),
    );
    assert!(failures[0] > SEEDS as f64, "{failures:?}");
}

#[test]
fn a_proxy_crash_behind_a_service_costs_the_same_in_both_modes() {
    let (failures, _) = compare(
        "proxy crash, Service ingress",
        json!({"ingress": {"kind": "service"}, "faults": [{"kind": "proxy_crash", "at_s": 40, "target": "small-group-1"}]}),
    );
    assert!(failures[0] > 0.0, "{failures:?}");
}

#[test]
fn a_replica_crash_while_a_deleted_pod_is_replaced_costs_the_same_in_both_modes() {
    // small-group-2 is deleted at 10 s: it leaves the Service at once, its replicas keep serving
    // until their replacements run (about 20 s), and its replacement pod runs Ray at about 50 s.
    // Meanwhile the cluster is short of its target (a pod, then its proxy) yet routes only to
    // live replicas: counted mode counts there (the weaker quiet test), up to the replica crash
    // at 30 s and after it. A short service time (0.02 s at 200 requests/s: 4 in flight) keeps
    // the margin before each change short (1.4 s), so most of that time is counted.
    let (failures, events) = compare(
        "replica crash while a deleted pod is replaced",
        json!({"ingress": {"kind": "service"},
               "traffic": {"rate_per_s": 200, "service_time": {"kind": "exponential", "mean_s": 0.02}},
               "faults": [{"kind": "worker_pod_deletion", "at_s": 10, "target": "small-group-2"},
                          {"kind": "replica_crash", "at_s": 30}]}),
    );
    assert!(failures[0] > SEEDS as f64 / 2.0, "{failures:?}");
    // Counting only at the target gave 3.29 M events over the seeds (per-request: 6.41 M).
    assert!(events[1] < 3_000_000, "counted mode counts while short of the target: {events:?}");
}

#[test]
fn hanging_replicas_time_out_the_same_in_both_modes() {
    let (failures, _) = compare(
        "hanging health check, client timeout",
        json!({"faults": [{"kind": "replica_health_check_failure", "at_s": 40, "mode": "hang"}]}),
    );
    assert!(failures[0] > SEEDS as f64, "{failures:?}");
}

/// With constant arrivals of `traffic` and a replica crash, both modes count the same requests,
/// per run and per bucket, for 10 seeds.
fn same_constant_counts(traffic: Value) {
    for seed in 1..=10 {
        let sc = scenario(
            json!({"traffic": traffic, "bucket_s": 0.7, "faults": [{"kind": "replica_crash", "at_s": 40}]}),
            seed,
        );
        let (per, _) = run(&sc, RunMode::PerRequest);
        let (counted, _) = run(&sc, RunMode::Counted);
        assert_eq!(per.requests, counted.requests, "seed {seed}");
        let requests = |m: &Metrics| m.buckets.iter().map(|b| b.requests).collect::<Vec<_>>();
        assert_eq!(requests(&per), requests(&counted), "seed {seed}");
    }
}

#[test]
fn constant_arrivals_give_the_same_request_counts_per_run_and_per_bucket() {
    same_constant_counts(json!({"arrivals": "constant", "rate_per_s": 37.3}));
}

#[test]
fn a_replica_crash_during_a_ramp_costs_the_same_in_both_modes() {
    // From 50 to 120 requests/s between 20 s and 60 s: counts per cell follow the integrated rate.
    let (failures, _) = compare(
        "replica crash during a ramp",
        json!({"traffic": {"shape": {"kind": "ramp", "at_s": 20, "span_s": 40, "to_per_s": 120}},
               "faults": [{"kind": "replica_crash", "at_s": 40}]}),
    );
    assert!(failures[0] > SEEDS as f64 / 2.0, "{failures:?}");
}

#[test]
fn constant_arrivals_with_steps_give_the_same_request_counts_per_run_and_per_bucket() {
    let steps =
        json!([{"at_s": 20.25, "rate_per_s": 80.1}, {"at_s": 50, "rate_per_s": 0}, {"at_s": 55.5, "rate_per_s": 12}]);
    same_constant_counts(
        json!({"arrivals": "constant", "rate_per_s": 37.3, "shape": {"kind": "steps", "steps": steps}}),
    );
}

#[test]
fn a_node_loss_behind_a_service_costs_the_same_in_both_modes_while_replicas_are_short() {
    // node-3 vanishes at 20 s: its pod stays a Service endpoint until the readiness probe fails
    // (requests entering it hang until the client's 4 s timeout), routers still pick its
    // replicas while their cached queue lengths are fresh (those requests hang too), then leave
    // them out when they pick them, until the controller's broadcast drops them; its replicas
    // are replaced later. With 100 slots a replica (4 requests in service on average) 3 of the
    // 6 replicas keep the error bound of all 6, so while the lost replicas are replaced the
    // cluster is short of replicas yet counted, and the routing tables hold dead replicas that
    // the routers leave out. Counting while a router would still assign to a dead replica (its
    // cached queue length fresh) would count as successes requests that hang and time out.
    let (failures, events) = compare(
        "node loss behind a Service, replicas short",
        json!({"ingress": {"kind": "service"}, "serve": {"max_ongoing_requests": 100},
               "traffic": {"rate_per_s": 200, "service_time": {"kind": "exponential", "mean_s": 0.02}},
               "faults": [{"kind": "node_loss", "at_s": 20, "target": "node-3", "network": "unreachable"}]}),
    );
    assert!(failures[0] > SEEDS as f64, "requests hang and time out: {failures:?}");
    // Counting only with every replica running gave 5.02 M events over the seeds (now 3.81 M;
    // per-request: 6.08 M).
    assert!(events[1] < 4_300_000, "counted mode counts while replicas are short: {events:?}");
}
