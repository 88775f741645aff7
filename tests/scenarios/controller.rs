//! The Serve controller: crashes, a kill for good, the knobs that bound its recovery, and repairs that wait for it.

use super::*;

mod controller_crash {
    use super::*;

    /// Guide / ray-defaults §5: the data plane is unaffected while the controller restarts;
    /// `ray.kill` restarts it at once, and it answers after actor start + recovery (3 s; live
    /// here 2.1-3.4 s).
    #[test]
    fn fails_no_request_and_recovers_in_seconds() {
        for seed in seeds().take(10) {
            let run = Build::bundled("controller-crash").set("seed", json!(seed)).run();
            assert_eq!(run.failures(), 0);
            assert_eq!(run.time_to_detect(0), 0.0, "ray.kill: the GCS restarts the actor at once");
            let t = &run.scenario.timings;
            let back = (t.actor_start + t.controller_recovery).as_secs_f64();
            assert!((run.time_to_recover(0) - back).abs() < 1e-6, "answering after start + recovery");
        }
    }
}

mod controller_killed_for_good {
    use super::*;

    /// Guide: the controller killed with `no_restart=True`, queries still answer "while the
    /// controller is recovering", and a new controller is ALIVE afterwards: KubeRay's RayService
    /// finds no application at its next reconcile (2 s grid) and submits the config again
    /// (ray-defaults §5b). Meanwhile nothing fails.
    #[test]
    fn rayservice_brings_up_a_new_controller_and_no_request_fails_meanwhile() {
        for seed in seeds().take(10) {
            let run = Build::bundled("controller-killed-for-good").set("seed", json!(seed)).run();
            assert_eq!(run.time_to_detect(0), 0.0, "the GCS marks the actor DEAD at once");
            assert_eq!(run.first("RUNNING -> GONE"), 30.0);
            assert_eq!(run.first("rayservice: no Serve application found (no controller)"), 30.0, "a reconcile tick");
            let t = &run.scenario.timings;
            let back = 30.0 + (t.actor_start + t.controller_recovery).as_secs_f64();
            assert_eq!(run.first("RESTARTING -> RUNNING (state recovered from the GCS)"), back);
            assert_eq!(run.failures_between(0.0, 59.0), 0, "seed {seed}: nothing fails while it is gone");
            // A crashed replica fails only what it was serving (ray-defaults §1.1).
            assert!(run.failures_between(59.0, 120.0) <= 3, "seed {seed}");
        }
    }

    /// ray-defaults §5b: the proxies' long polls died with the old controller (`ActorDiedError`
    /// stops a `LongPollClient` for good); the new controller reuses them by name, so they
    /// never hear of a replacement replica. Once the last replica the pinned proxy knows dies,
    /// every request times out although the controller runs three replicas again.
    #[test]
    fn the_old_proxies_never_learn_the_replacements() {
        let run = Build::bundled("controller-killed-for-good").run();
        for r in ["SleepyPid#4", "SleepyPid#5", "SleepyPid#6"] {
            assert!(run.first(&format!("{r}: STARTING -> RUNNING")) < 150.0, "{r} replaces a crashed replica");
        }
        assert!(run.failures_between(0.0, 119.0) <= 3, "only requests in flight on a crashed replica");
        let after = run.requests_between(121.0, 180.0);
        assert!(after > 1000);
        assert_eq!(run.failures_between(121.0, 180.0), after, "every request through small-group-1 fails");
        assert_eq!(run.failures(), run.failures_of(FailureCause::Timeout));
        // Ray's own restart keeps the long polls: the same faults cost nothing.
        let restarted = Build::bundled("controller-killed-for-good").set("faults.0.restart", json!(true)).run();
        assert_eq!(restarted.failures(), 0);
    }
}

mod serve_knobs {
    use super::*;

    /// docs/model.md "Serve's KV timeout and long-poll bounds": after a controller restart the
    /// pending long polls are retried on the new controller and answered once it has recovered
    /// (long_poll.py, controller.py `listen_for_change`), so the guide's long-poll bounds do not
    /// move recovery; and a KubeRay head's controller dies with its GCS within
    /// `ray_block_poll_s`, before a KV timeout expires. Changing them changes no byte of a run.
    #[test]
    fn the_kv_timeout_and_the_long_poll_bounds_leave_recovery_as_it_is() {
        for name in ["replica-crash-while-controller-down", "redis-outage-during-head-crash"] {
            let base = Build::bundled(name).run();
            let tuned = Build::bundled(name)
                .set("timings.serve_kv_timeout_s", json!(0.5))
                .set("timings.long_poll_timeout_min_s", json!(1))
                .set("timings.long_poll_timeout_max_s", json!(2))
                .run();
            assert_eq!(tuned.scenario.timings.long_poll_timeout_max.as_secs_f64(), 2.0);
            assert_eq!(base.out.events_log, tuned.out.events_log, "{name}");
            assert_eq!(base.failures(), tuned.failures(), "{name}");
        }
    }
}

mod replica_crash_while_controller_down {
    use super::*;

    /// Killing the controller fails no request but delays the repair of a replica that dies
    /// meanwhile: nothing is replaced before the restarted controller has recovered.
    #[test]
    fn repair_waits_for_the_controller() {
        let run = Build::bundled("replica-crash-while-controller-down").run();
        let controller_back = run.first("RESTARTING -> RUNNING");
        let replacement = run.first("SleepyPid#7: PENDING_ALLOCATION -> STARTING");
        assert!(replacement >= controller_back, "{replacement} < {controller_back}");
        assert_eq!(run.failures(), run.failures_of(FailureCause::ReplicaDied));
    }
}
