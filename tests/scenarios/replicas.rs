//! Replicas: crashes, failing health checks and constructors, placement limits and Serve autoscaling.

use super::*;

mod replica_crash {
    use super::*;

    /// ray-defaults §2: the controller finds a crashed replica at its next health check, 0 to
    /// ~15 s after the crash (period 10 s x U(0.9, 1.1), snapped to the 5 s sweep).
    #[test]
    fn controller_detects_within_one_health_check_sweep() {
        let mut seen = Vec::new();
        for seed in seeds() {
            let run = Build::bundled("replica-crash").set("seed", json!(seed)).run();
            let d = run.time_to_detect(0);
            assert!((0.0..=16.5).contains(&d), "seed {seed}: detected after {d} s");
            seen.push(d);
        }
        let spread = seen.iter().cloned().fold(f64::MIN, f64::max) - seen.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread >= 5.0, "detection should vary with the health-check phase: {seen:?}");
    }

    /// The replacement runs after actor start + the 10 s constructor, started in the same tick.
    #[test]
    fn replacement_runs_one_construction_after_detection() {
        let run = Build::bundled("replica-crash").run();
        let (_, det, rec) = run.fault(0);
        let took = rec.unwrap() - det.unwrap();
        assert!((took - 12.0).abs() < 1e-6, "replacement took {took} s");
    }

    /// ray-defaults §1.1: only requests the replica had accepted fail (HTTP 500, no retry);
    /// requests not yet accepted are re-routed.
    #[test]
    fn only_in_flight_requests_fail() {
        let run = Build::bundled("replica-crash")
            .set("traffic.service_time", json!({"kind": "constant", "s": 0.5}))
            .set("traffic.rate_per_s", json!(20))
            .run();
        let died = run.failures_of(FailureCause::ReplicaDied);
        assert!(died >= 1, "the crashed replica was serving requests");
        assert!(died <= 5, "at most max_ongoing_requests in flight, got {died}");
        assert_eq!(run.failures(), died, "no other failure: routers drop the dead replica");
    }
}

mod replica_health_check_failure {
    use super::*;

    /// ray-defaults §3: a raising check_health needs 3 consecutive failures, about 20-45 s.
    #[test]
    fn unhealthy_after_three_failed_checks() {
        for seed in seeds() {
            let run = Build::bundled("replica-health-check-failure").set("seed", json!(seed)).run();
            let d = run.time_to_detect(0);
            assert!((19.0..=47.0).contains(&d), "seed {seed}: unhealthy after {d} s");
            assert_eq!(run.log_times("check_health raised (2 consecutive)").len(), 1);
        }
    }

    /// The failing replica keeps serving until removed, then drains gracefully: no request fails,
    /// and a replacement runs one construction after detection.
    #[test]
    fn no_request_fails_and_the_replica_is_replaced() {
        let run = Build::bundled("replica-health-check-failure").run();
        assert_eq!(run.failures(), 0);
        let (_, det, rec) = run.fault(0);
        assert!((rec.unwrap() - det.unwrap() - 12.0).abs() < 1e-6);
        assert!(run.first("SleepyPid#2: RUNNING -> STOPPING") >= det.unwrap());
    }

    /// ray-defaults §3: a hanging check counts as failed after the 30 s timeout: about 90-105 s;
    /// requests sent to the hung replica stall until it is killed.
    #[test]
    fn hanging_check_takes_three_timeouts_and_stalls_requests() {
        let run = Build::bundled("replica-health-check-failure")
            .set(
                "faults",
                json!([{"kind": "replica_health_check_failure", "at_s": 60, "target": "SleepyPid#2", "mode": "hang"}]),
            )
            .set("ingress", json!({"kind": "service"}))
            .run();
        let d = run.time_to_detect(0);
        assert!((88.0..=106.0).contains(&d), "unhealthy after {d} s");
        assert!(run.failures_of(FailureCause::Timeout) > 0, "requests to the hung replica time out");
    }
}

mod replica_constructor_failure {
    use super::*;

    /// ray-defaults §4: Ray 2.60 retries at once with no back-off; a deployment whose version
    /// has started never becomes DEPLOY_FAILED. Five attempts of 12 s each after detection.
    #[test]
    fn retries_without_backoff_until_a_constructor_succeeds() {
        let run = Build::bundled("replica-constructor-failure").run();
        assert_eq!(run.log_times("constructor raised").len(), 4);
        let crash_detected = run.fault(1).1.unwrap();
        let recovered = run.fault(1).2.unwrap();
        assert!((recovered - crash_detected - 5.0 * 12.0).abs() < 1e-6, "{crash_detected} -> {recovered}");
        assert!(run.log_times("DEPLOY_FAILED").is_empty());
        assert_eq!(run.failures(), run.failures_of(FailureCause::ReplicaDied));
    }

    /// ray-defaults §4: a deployment that never started a replica becomes DEPLOY_FAILED after
    /// min(20, 3 x replicas) failures, and then requests get 503 at once. Reached here by a head
    /// crash without GCS fault tolerance (the application is deployed again from scratch) while
    /// every constructor fails.
    #[test]
    fn deploy_failed_after_the_retry_budget_then_503() {
        let run = Build::bundled("head-pod-crash-no-gcs-ft")
            .set(
                "faults",
                json!([{"kind": "constructor_failure", "at_s": 50, "probability": 1.0},
                       {"kind": "head_pod_crash", "at_s": 60}]),
            )
            .run();
        assert_eq!(run.log_times("constructor raised").len(), 18, "min(20, 3 x 6)");
        let failed_at = run.first("DEPLOY_FAILED after 18 constructor failures");
        assert!(run.failures_between(failed_at + 1.0, 240.0) > 0);
        let late = run
            .out
            .observations
            .requests
            .iter()
            .filter(|r| r.arrival.as_secs_f64() > failed_at + 1.0)
            .all(|r| r.outcome != ftsim::metrics::observations::Outcome::Success);
        assert!(late, "nothing is served after DEPLOY_FAILED");
        assert!(run.failures_of(FailureCause::DeploymentUnavailable) > 0);
    }
}

mod overlapping_health_check_faults {
    use super::*;

    /// A `check_health` that hangs cannot also raise: while a hang fault is in force the checks
    /// time out, whatever shorter fault starts and ends on the same replica meanwhile.
    #[test]
    fn the_short_fault_ending_does_not_cancel_the_long_one() {
        let run = custom(json!({"duration_s": 200, "faults": [
            {"kind": "replica_health_check_failure", "at_s": 10, "mode": "hang", "duration_s": 100, "target": "SleepyPid#1"},
            {"kind": "replica_health_check_failure", "at_s": 11, "mode": "raise", "duration_s": 1, "target": "SleepyPid#1"}]}))
        .run();
        let unhealthy = run.first("SleepyPid#1: RUNNING -> STOPPING");
        assert!((95.0..=116.0).contains(&unhealthy), "three 30 s timeouts after 10 s: {unhealthy}");
        assert_eq!(run.log_times("SleepyPid#1: health check timed out").len(), 3);
        assert_eq!(run.fault(0).1, Some(unhealthy), "the hang is what the controller detected");
    }

    /// ray-defaults §3: the controller replaces a replica after 3 consecutive failed checks; the
    /// fault that made them fail is detected then, even when it ended just before the third
    /// check timed out.
    #[test]
    fn a_hang_that_ends_before_the_third_timeout_is_credited() {
        let run = custom(json!({"faults": [
            {"kind": "replica_health_check_failure", "at_s": 10, "mode": "hang", "duration_s": 100, "target": "SleepyPid#1"}]}))
        .run();
        let unhealthy = run.first("SleepyPid#1: RUNNING -> STOPPING");
        let (_, detected, recovered) = run.fault(0);
        assert!(unhealthy > 110.0, "the hang ended at 110 s, before the third timeout ({unhealthy})");
        assert_eq!(detected, Some(unhealthy));
        assert!(recovered.is_some_and(|r| r > unhealthy));
    }
}

mod max_replicas_per_node {
    use super::*;

    /// ray-defaults §2/§3: a replacement with no room pends until room appears, then Serve's
    /// control loop (every 0.1 s) places it. Room appears when a stopping replica exits.
    #[test]
    fn a_pending_replacement_is_placed_when_the_unhealthy_replica_exits() {
        let run = custom(json!({"duration_s": 180, "serve": {"max_replicas_per_node": 2}, "faults": [
            {"kind": "replica_health_check_failure", "at_s": 60, "target": "SleepyPid#2", "mode": "raise"}]}))
        .run();
        let exited = run.first("SleepyPid#2: STOPPING -> DEAD");
        assert_eq!(run.first("SleepyPid#7: PENDING_ALLOCATION -> STARTING"), exited, "{}", run.out.events_log);
        assert_eq!(final_levels(&run).replicas_running, 6);
        assert!(run.fault(0).2.is_some());
    }

    /// Room also appears when a recreated worker's raylet registers after a node loss.
    #[test]
    fn pending_replicas_are_placed_when_a_new_worker_registers() {
        let run = custom(json!({"duration_s": 300, "serve": {"max_replicas_per_node": 2}, "faults": [
            {"kind": "node_loss", "at_s": 60, "target": "node-3"}]}))
        .run();
        let registered = run.first("raylet small-group-3: ALIVE");
        let placed = run.log_times("PENDING_ALLOCATION -> STARTING on small-group-3");
        assert_eq!(placed, vec![registered, registered], "{}", run.out.events_log);
        assert_eq!(final_levels(&run).replicas_running, 6);
        assert!(run.fault(0).2.is_some());
    }
}

/// Serve autoscaling through a traffic peak (`docs/model.md`, "Serve autoscaling").
mod autoscaling_peak {
    use super::*;

    const NAME: &str = "autoscaling-peak";

    /// The replica target as a step function: (time, target) at each change.
    fn targets(run: &common::Run) -> Vec<(f64, u32)> {
        let mut out: Vec<(f64, u32)> = Vec::new();
        for (t, l) in &run.out.observations.levels {
            if out.last().is_none_or(|&(_, v)| v != l.replicas_target) {
                out.push((t.as_secs_f64(), l.replicas_target));
            }
        }
        out
    }

    /// Ray's policy (`autoscaling_policy.py`): replicas rise with the load one upscale delay
    /// (30 s) after the first push (every 10 s) whose look-back average (30 s) asks for more,
    /// so within 30 + 10 + 30 s of the load's step; they fall only after the downscale delay
    /// (120 s here) of decisions to scale down, which a rise resets; the target never leaves
    /// [min_replicas, max_replicas], nor do the running replicas exceed max_replicas.
    #[test]
    fn replicas_follow_the_peak_within_the_delays_and_stay_within_min_and_max() {
        for seed in seeds().take(6) {
            let run = Build::bundled(NAME).set("seed", json!(seed)).run();
            let targets = targets(&run);
            assert_eq!(targets[0], (0.0, 2), "seed {seed}: starts at min_replicas");
            assert!(targets.iter().all(|&(_, v)| (2..=10).contains(&v)), "seed {seed}: {targets:?}");
            let levels = &run.out.observations.levels;
            assert!(levels.iter().all(|(_, l)| l.replicas_running <= 10), "seed {seed}");
            // 4 req/s x 0.5 s = 2 in service until the first step (8 req/s, 4 in service) at 200 s.
            let first_rise = targets.iter().find(|&&(_, v)| v > 2).expect("a rise").0;
            assert!(first_rise > 200.0 + 30.0 && first_rise <= 200.0 + 30.0 + 10.0 + 30.0, "seed {seed}: {targets:?}");
            let mut last_rise = None;
            for w in targets.windows(2) {
                let (t, from, to) = (w[1].0, w[0].1, w[1].1);
                if to > from {
                    last_rise = Some(t);
                } else if let Some(rise) = last_rise {
                    assert!(t - rise > 120.0, "seed {seed}: fall at {t} s, {} s after a rise: {targets:?}", t - rise);
                }
            }
            // At the peak (26 req/s, 13 in service) at least 6 replicas run.
            assert!(run.min_level(600.0, 650.0, |l| l.replicas_running) >= 6, "seed {seed}: {targets:?}");
            // The load falls at 650 s: the target is back at the trough's 2 by the downscale delay
            // after the first push that sees it (a decision to scale down may have begun earlier).
            let fall = targets.iter().find(|&&(t, v)| t >= 650.0 && v == 2).expect("a fall").0;
            assert!(fall > 650.0 && fall <= 660.0 + 120.0, "seed {seed}: {targets:?}");
        }
    }

    /// The point: a failure during a traffic peak meets the capacity the cluster really
    /// has. At 500 s the replicas fill most of the cluster's CPUs, so the deleted pod's replicas
    /// cannot all migrate and the survivors (with no headroom: max_ongoing_requests 2) queue
    /// until the new pod's replicas run; the same deletion off-peak (100 s, two replicas)
    /// migrates make-before-break and costs nothing.
    #[test]
    fn the_worker_pod_deletion_costs_more_during_the_peak_than_off_peak() {
        for seed in seeds().take(6) {
            let peak = Build::bundled(NAME).set("seed", json!(seed)).run();
            let off_peak = Build::bundled(NAME)
                .set("seed", json!(seed))
                .set("faults", json!([{"kind": "worker_pod_deletion", "at_s": 100, "target": "small-group-2"}]))
                .run();
            let (on, off) = (peak.failures_between(500.0, 560.0), off_peak.failures_between(100.0, 160.0));
            assert_eq!(off, 0, "seed {seed}: {}", off_peak.out.events_log);
            assert!(on > off, "seed {seed}: {on} failed at the peak: {}", peak.out.events_log);
            assert!(peak.time_to_recover(0) > off_peak.time_to_recover(0), "seed {seed}");
        }
    }
}
