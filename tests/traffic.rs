//! The request path as load goes up: arrival rates, the routers' queues and their bookkeeping.
//! Each test runs the real model and asserts a figure a user reads in the report.

mod common;

use common::Build;
use ftsim::metrics::observations::{FailureCause, Outcome};
use serde_json::json;

mod router {
    use super::*;

    /// A request answered 503 by a proxy (DEPLOY_FAILED) is finished: when that proxy's node is
    /// later black-holed, its outcome stays 503. (It used to stay on the proxy's connection list
    /// and be turned back into a hanging request, then recorded as a timeout or unfinished.)
    #[test]
    fn a_503_answer_stays_a_503_when_the_proxy_node_is_lost() {
        let run = Build::bundled("head-pod-crash-no-gcs-ft")
            .set("ingress", json!({"kind": "service"}))
            .set(
                "faults",
                json!([{"kind": "constructor_failure", "at_s": 50, "count": 1000},
                       {"kind": "head_pod_crash", "at_s": 60},
                       {"kind": "node_loss", "at_s": 150, "target": "node-1", "network": "unreachable"}]),
            )
            .set("duration_s", json!(200))
            .run();
        let failed_at = run.first("DEPLOY_FAILED after 18 constructor failures");
        assert!(failed_at < 140.0, "DEPLOY_FAILED before the node loss, at {failed_at} s");
        let answered: Vec<_> = run
            .out
            .observations
            .requests
            .iter()
            .filter(|r| r.arrival.as_secs_f64() > failed_at + 1.0 && r.arrival.as_secs_f64() < 149.0)
            .collect();
        assert!(answered.len() > 300, "{} requests between DEPLOY_FAILED and the node loss", answered.len());
        for r in answered {
            assert_eq!(r.outcome, Outcome::Failure(FailureCause::DeploymentUnavailable), "{r:?}");
            assert!(r.end.as_secs_f64() < 149.0, "answered at once, not at {}", r.end);
        }
        assert_eq!(run.failures_of(FailureCause::Unfinished), 0);
    }
}

mod arrival_rate {
    use super::*;

    /// Requests the simulator generates at `rate` for `secs` with `arrivals`.
    fn requests(rate: u64, arrivals: &str, secs: f64) -> u64 {
        let run = Build::bundled("working-example")
            .set("faults", json!([]))
            .set("duration_s", json!(secs))
            .set("bucket_s", json!(secs))
            .set("traffic", json!({"rate_per_s": rate, "arrivals": arrivals, "client_timeout_s": 1}))
            .run();
        run.metrics.requests
    }

    /// A constant rate whose gap is not a whole number of microseconds is kept to 0.1 %:
    /// 666,667/s used to run at 1,000,000/s and 400,000/s at 333,333/s.
    #[test]
    fn constant_rates_are_kept_to_a_tenth_of_a_percent() {
        for rate in [666_667u64, 400_000, 150_000, 7] {
            let secs = if rate < 100 { 1000.0 } else { 0.1 };
            let expected = rate as f64 * secs;
            let n = requests(rate, "constant", secs) as f64;
            assert!((n / expected - 1.0).abs() <= 1e-3, "{rate}/s: {n} requests, expected {expected}");
        }
    }

    /// The same for Poisson arrivals (their own noise at 40,000 requests is 0.5 %): 400,000/s
    /// used to run at 333,333/s.
    #[test]
    fn poisson_rates_are_kept() {
        let n = requests(400_000, "poisson", 0.1) as f64;
        assert!((n / 40_000.0 - 1.0).abs() < 0.02, "{n} requests, expected 40000");
    }

    /// A rate the clock cannot represent is refused where it is written, not run at 1,000,000/s.
    #[test]
    fn a_rate_too_low_for_any_run_is_refused() {
        let Err(errors) = ftsim::scenario::parse(r#"{"traffic": {"rate_per_s": 1e-14}}"#, "t.json") else {
            panic!("a rate of 1e-14 per second was accepted")
        };
        let text = errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("$.traffic.rate_per_s"), "{text}");
        assert!(text.contains("expected between one request per 604800 s"), "{text}");
    }
}

/// Live mode sends exactly the requests the simulator simulates, at the same times and to the
/// same applications, with a constant rate or a traffic shape, one application or two.
#[test]
fn live_loads_schedule_is_the_simulators_arrival_stream() {
    let ramp = json!({"kind": "ramp", "at_s": 5, "span_s": 10, "to_per_s": 40});
    let two = json!({"applications": [
        {"name": "a", "route_prefix": "/a", "share": 0.3},
        {"name": "b", "route_prefix": "/b", "share": 0.7, "deployment": "Other"}]});
    let cases = [("constant", None, None), ("poisson", None, None), ("constant", Some(&ramp), None)];
    for (kind, shape, serve) in cases.into_iter().chain([("poisson", Some(&ramp), None), ("poisson", None, Some(&two))])
    {
        let mut traffic = json!({"rate_per_s": 10, "arrivals": kind});
        if let Some(shape) = shape {
            traffic["shape"] = shape.clone();
        }
        let mut sc = json!({"duration_s": 30, "traffic": traffic});
        if let Some(serve) = serve {
            sc["serve"] = serve.clone();
        }
        let sc = ftsim::scenario::parse(&sc.to_string(), "t.json").unwrap().scenario;
        let schedule: Vec<(u64, u16)> =
            ftsim::live::load::arrival_schedule(&sc).iter().map(|a| (a.at.as_micros(), a.app)).collect();
        let sim = ftsim::sim::run(&sc).unwrap();
        let arrivals: Vec<(u64, u16)> =
            sim.observations.requests.iter().map(|r| (r.arrival.as_micros(), r.app)).collect();
        assert_eq!(schedule, arrivals, "{kind} traffic, shape {shape:?}, serve {serve:?}");
        let apps: std::collections::BTreeSet<u16> = schedule.iter().map(|a| a.1).collect();
        assert_eq!(apps.len(), sc.serve.applications.len(), "every application gets requests");
    }
}

/// A traffic shape whose rate does not vary over the run (one step at 0, a ramp to the same
/// rate, a daily cycle of amplitude 0) sends the same requests as `rate_per_s`, byte for byte:
/// every file of the run directory is the same but for the report's record of the scenario (its
/// text, its hash and the rerun command).
#[test]
fn a_constant_shape_gives_the_bytes_of_a_constant_rate() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = [
        r#"{"kind": "steps", "steps": [{"at_s": 0, "rate_per_s": 20}]}"#,
        r#"{"kind": "ramp", "at_s": 100, "span_s": 50, "to_per_s": 20}"#,
        r#"{"kind": "daily", "amplitude_per_s": 0, "peak_hour": 3}"#,
    ];
    for arrivals in ["poisson", "constant"] {
        let run = |out: &str, shape: Option<&str>| {
            let arrivals = format!("traffic.arrivals={arrivals}");
            let shape = shape.map(|s| format!("traffic.shape={s}"));
            let mut args = vec!["run", "replica-crash", "--out", out, "-q", "--set", &arrivals];
            if let Some(shape) = &shape {
                args.extend(["--set", shape]);
            }
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_ftsim"))
                .args(&args)
                .current_dir(dir.path())
                .status()
                .unwrap();
            assert_eq!(status.code(), Some(0), "{args:?}");
            dir.path().join(out)
        };
        let flat = run(&format!("flat-{arrivals}"), None);
        for (i, shape) in shapes.iter().enumerate() {
            let shaped = run(&format!("shaped-{arrivals}-{i}"), Some(shape));
            for file in ["events.log", "timeseries.csv", "availability.svg", "availability.png"] {
                let same = std::fs::read(flat.join(file)).unwrap() == std::fs::read(shaped.join(file)).unwrap();
                assert!(same, "{arrivals}, {shape}: {file} differs");
            }
            let report = |d: &std::path::Path| {
                let mut v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
                for key in ["scenario", "scenario_sha256", "rerun"] {
                    v.as_object_mut().unwrap().remove(key);
                }
                v
            };
            assert_eq!(report(&flat), report(&shaped), "{arrivals}, {shape}: report.json differs");
        }
    }
}
