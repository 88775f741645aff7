//! Lazy periodic checks (issue 12 §6): in counted mode a healthy component's health checks and
//! readiness probes are parked and, when the component changes, scheduled where the eager chain
//! would have put them (`sim::lazy`). The time a fault is detected depends on where the chain
//! stands when it strikes, so its distribution over seeds must be the same with the lazy
//! schedule (counted mode) as with the eager one (per-request mode). Each case runs many seeds
//! in both modes, a fault long after the last change (the chains parked for a quarter of an
//! hour), and compares the detection delays by a two-sample Kolmogorov-Smirnov test at 0.001.
//! A lazy schedule that resumed a chain from the waking instant instead of from its phase (a
//! check one full period after the fault) fails here (KS D from 0.55 to 1).

mod common;

use ftsim::metrics::stream::MetricsStream;
use ftsim::scenario::Scenario;
use ftsim::scenario::traffic_mode::RunMode;
use serde_json::{Value, json};

/// Seeds per mode and case.
const SEEDS: u64 = 150;

/// c(alpha) of the two-sample KS test at alpha = 0.001.
const KS_C: f64 = 1.949;

fn scenario(extra: &Value, seed: u64) -> Scenario {
    let mut doc = json!({
        "duration_s": 1200,
        "seed": seed,
        "traffic": {"rate_per_s": 1, "client_timeout_s": 10},
    });
    for (k, v) in extra.as_object().expect("an object") {
        doc[k] = v.clone();
    }
    ftsim::scenario::parse(&doc.to_string(), "lazy-test").expect("valid scenario").scenario
}

/// The detection delay [s] of the run's first fault, and the events processed.
fn detection(sc: &Scenario, mode: RunMode) -> (f64, u64) {
    let mut stream = MetricsStream::new(sc);
    let run = ftsim::sim::run_in_mode(sc, mode, &mut std::io::sink(), &mut stream).expect("run");
    let f = &run.faults[0];
    let detected = f.detected_at.expect("the fault is detected");
    (detected.saturating_since(f.injected_at).as_secs_f64(), run.events_processed)
}

/// Runs `extra` for [`SEEDS`] seeds in both modes and asserts the detection delays agree;
/// returns the events processed per mode.
fn same_detection(name: &str, extra: Value) -> [u64; 2] {
    let mut delays = [Vec::new(), Vec::new()];
    let mut events = [0; 2];
    for seed in 1..=SEEDS {
        let sc = scenario(&extra, seed);
        for (i, mode) in [RunMode::PerRequest, RunMode::Counted].into_iter().enumerate() {
            let (d, e) = detection(&sc, mode);
            delays[i].push(d);
            events[i] += e;
        }
    }
    let d = common::ks(&delays[0], &delays[1]);
    let critical = KS_C * (2.0 / SEEDS as f64).sqrt();
    assert!(d <= critical, "{name}: detection delays differ (KS D = {d:.3} > {critical:.3})");
    // The delays do vary from seed to seed: the test compares distributions, not one value.
    let spread = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread(&delays[0]) > 4.0 && spread(&delays[1]) > 4.0, "{name}: {delays:?}");
    events
}

#[test]
fn a_replica_crash_is_found_by_a_parked_health_check_as_by_the_eager_one() {
    // Found at the replica's next health check: 10 s x U(0.9, 1.1) after the last, on the 5 s
    // sweep grid.
    let events = same_detection("replica crash", json!({"faults": [{"kind": "replica_crash", "at_s": 900.123}]}));
    assert!(events[1] * 5 < events[0], "the counted runs park their checks: {events:?}");
}

#[test]
fn a_killed_proxy_fails_parked_health_checks_as_eager_ones() {
    // Three failed checks 10 s apart, the first at the proxy's next check.
    same_detection(
        "proxy crash",
        json!({"ingress": {"kind": "service"}, "faults": [{"kind": "proxy_crash", "at_s": 900.4, "target": "small-group-1"}]}),
    );
}

#[test]
fn a_raising_health_check_is_counted_from_the_parked_chain_s_phase() {
    // Three raising checks in a row, the first at the replica's next check.
    same_detection(
        "raising health check",
        json!({"faults": [{"kind": "replica_health_check_failure", "at_s": 900.7, "mode": "raise"}]}),
    );
}
