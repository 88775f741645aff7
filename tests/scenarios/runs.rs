//! Properties of every run: determinism, arrivals independent of faults, the report window.

use super::*;

mod determinism {
    use super::*;

    /// The events log and the metrics of a streamed run in the scenario's own traffic mode.
    fn streamed(sc: &ftsim::scenario::Scenario) -> (Vec<u8>, ftsim::metrics::Metrics) {
        let mut log = Vec::new();
        let (_, metrics) = common::streamed(sc, &mut log);
        (log, metrics)
    }

    /// Same scenario and seed, same bytes; another seed, another run.
    #[test]
    fn same_seed_same_outputs() {
        for (name, _) in ftsim::scenario::bundled::BUNDLED {
            let sc = Build::bundled(name).scenario();
            if sc.traffic_mode().mode == ftsim::scenario::traffic_mode::RunMode::Counted {
                // A month of traffic: too many requests to keep one record each, so the
                // streamed run in its own (counted) mode, twice, byte for byte.
                assert_eq!(streamed(&sc), streamed(&sc), "{name}");
                continue;
            }
            let a = Build::bundled(name).run();
            let b = Build::bundled(name).run();
            assert_eq!(a.out.events_log, b.out.events_log, "{name}");
            assert_eq!(a.out.observations.requests, b.out.observations.requests, "{name}");
        }
        let a = Build::bundled("replica-crash").set("seed", json!(2)).run();
        let b = Build::bundled("replica-crash").set("seed", json!(3)).run();
        assert_ne!(a.out.events_log, b.out.events_log);
    }

    /// Common random numbers: adding a fault does not change the arrival sequence.
    #[test]
    fn faults_do_not_change_arrivals() {
        let base = Build::bundled("replica-crash").set("faults", json!([])).run();
        let faulty =
            Build::bundled("head-pod-crash-no-gcs-ft").set("duration_s", json!(180)).set("cluster", json!({})).run();
        let arrivals = |r: &common::Run| r.out.observations.requests.iter().map(|q| q.arrival).collect::<Vec<_>>();
        assert_eq!(arrivals(&base), arrivals(&faulty));
    }
}

mod report_window {
    use super::*;

    /// docs/reports.md: detection and recovery are null when they fall after the run's end. The drain
    /// window after `duration_s` (up to the client timeout) only resolves open requests; it does
    /// not stretch the window in which faults are detected or recovered.
    #[test]
    fn no_detection_or_recovery_after_the_end_whatever_the_client_timeout() {
        let base = json!({"duration_s": 30, "faults": [
            {"kind": "replica_health_check_failure", "at_s": 25, "mode": "hang", "target": "SleepyPid#3"},
            {"kind": "replica_crash", "at_s": 29, "target": "SleepyPid#4"}]});
        let mut outcomes = Vec::new();
        for timeout in [None, Some(5), Some(60)] {
            let mut b = custom(base.clone());
            if let Some(t) = timeout {
                b = b.set("traffic.client_timeout_s", json!(t));
            }
            let run = b.run();
            for i in 0..2 {
                let (_, det, rec) = run.fault(i);
                assert!(det.is_none_or(|d| d <= 30.0), "timeout {timeout:?}: fault {i} detected at {det:?}");
                assert!(rec.is_none_or(|r| r <= 30.0), "timeout {timeout:?}: fault {i} recovered at {rec:?}");
            }
            outcomes.push((run.fault(0), run.fault(1)));
        }
        assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:?}");
    }
}
