//! One module per bundled scenario: each test runs the real model and asserts the behaviour the
//! Ray Serve fault-tolerance guide and `docs/ray-defaults.md` document. A test names the
//! claim it checks; a wrong model makes it fail.

mod common;

use common::{Build, seeds};
use ftsim::metrics::observations::FailureCause;
use serde_json::json;

mod working_example {
    use super::*;

    /// Guide: "While the pod crashes and recovers, the live pod can continue serving traffic!"
    /// and the same when a node is killed.
    #[test]
    fn live_pod_keeps_serving_through_pod_and_node_loss() {
        let run = Build::bundled("working-example").run();
        assert_eq!(run.failures(), 0, "{}", run.out.events_log);
        assert!(run.metrics.slo.holds);
        // The deleted pod is recreated by KubeRay under a new name.
        assert!(run.first("pod small-group-3: created by KubeRay") > 30.0);
    }
}

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

mod proxy_crash {
    use super::*;

    /// ray-defaults §6: a dead proxy is replaced after 3 failed checks (20-30 s); every request
    /// that enters through that pod fails meanwhile, and nothing else does.
    #[test]
    fn only_traffic_pinned_to_that_proxy_fails_until_replaced() {
        for seed in seeds().take(10) {
            let run = Build::bundled("proxy-crash").set("seed", json!(seed)).run();
            let d = run.time_to_detect(0);
            assert!((19.9..=30.1).contains(&d), "seed {seed}: replaced after {d} s");
            let (inj, _, rec) = run.fault(0);
            let rec = rec.unwrap();
            assert_eq!(run.failures(), run.failures_of(FailureCause::ProxyUnavailable));
            assert_eq!(run.failures_between(inj, rec), run.requests_between(inj, rec), "all pinned traffic fails");
            assert_eq!(run.failures_between(rec, 180.0), 0);
        }
    }

    /// With a Service in front, the pod leaves the endpoints at its next readiness probe
    /// (period 5 s, failureThreshold 1), so little traffic is lost.
    #[test]
    fn a_service_sheds_the_pod_within_one_readiness_period() {
        let run = Build::bundled("proxy-crash").set("ingress", json!({"kind": "service"})).run();
        let removed = run.first("endpoint small-group-1: removed");
        assert!(removed - 60.0 <= 5.0 + 1e-6);
        let pinned = Build::bundled("proxy-crash").run();
        assert!(run.failures() * 5 < pinned.failures(), "{} vs {}", run.failures(), pinned.failures());
    }
}

mod worker_pod_deletion {
    use super::*;

    /// Guide: the live pod keeps serving; Ray 2.60 drains the node so replicas migrate
    /// make-before-break (ray-defaults §7).
    #[test]
    fn no_failure_and_replicas_migrate_before_stopping() {
        let run = Build::bundled("worker-pod-deletion").run();
        assert_eq!(run.failures(), 0);
        assert!(run.min_level(59.0, 180.0, |l| l.replicas_running) >= 6, "capacity never drops");
        let new_running = run.log_times("STARTING -> RUNNING");
        let old_stopping = run.first("RUNNING -> STOPPING");
        assert!(new_running.iter().all(|&t| t <= old_stopping));
        assert!(run.first("pod small-group-3: created by KubeRay") > 60.0);
        assert!(run.time_to_recover(0) < 60.0);
    }
}

mod worker_node_loss {
    use super::*;

    /// ray-defaults §8: the GCS declares a black-holed node dead after 3 + 5 x 10 + 4 x 3 = 65 s,
    /// one whose connections are refused after 3 + 4 x 3 = 15 s. A refused health-check call is
    /// an immediate replica death for the controller (ActorUnavailableError is a RayActorError,
    /// §14.2), so replicas are replaced at the next check (0-15 s); a black-holed call only times
    /// out, so replacement waits for the GCS's verdict and the next check after it.
    #[test]
    fn detection_depends_on_how_the_node_vanished() {
        for (network, gcs_delay) in [("unreachable", 65.0), ("refused", 15.0)] {
            for seed in seeds().take(10) {
                let run = Build::bundled("worker-node-loss")
                    .set("seed", json!(seed))
                    .set("faults", json!([{"kind": "node_loss", "at_s": 60, "target": "node-3", "network": network}]))
                    .run();
                let marked = run.first("node of pod small-group-2 marked DEAD");
                assert!((marked - 60.0 - gcs_delay).abs() < 1e-6, "{network}: {marked}");
                let replaced = run.first("SleepyPid#7: PENDING_ALLOCATION -> STARTING");
                let window = if network == "refused" { (60.0, 76.5) } else { (marked, marked + 16.5) };
                assert!((window.0..=window.1).contains(&replaced), "{network} seed {seed}: {replaced}");
            }
        }
    }

    /// Guide: the other nodes continue serving; traffic pinned to the surviving worker never
    /// touches the lost node (proxies prefer their own node's replicas).
    #[test]
    fn pinned_traffic_on_the_surviving_worker_is_untouched() {
        let run = Build::bundled("worker-node-loss").run();
        assert_eq!(run.failures(), 0);
    }

    /// Through a Service, requests that land on the lost pod hang until their timeout, until the
    /// node goes NotReady (40 s) and the pod leaves the endpoints.
    #[test]
    fn service_traffic_to_the_lost_pod_times_out_until_not_ready() {
        let run = Build::bundled("worker-node-loss").set("ingress", json!({"kind": "service"})).run();
        assert!(run.failures_of(FailureCause::Timeout) > 0);
        assert_eq!(run.failures_between(100.0 + 1e-3, 240.0), 0, "no failure after NotReady");
    }
}

mod head_pod_crash_gcs_ft {
    use super::*;

    /// Guide: "Serve applications can still handle traffic via worker nodes but cannot be updated
    /// or recover from other failures". Pinned traffic is almost untouched.
    #[test]
    fn pinned_worker_traffic_keeps_flowing() {
        let run = Build::bundled("head-pod-crash-gcs-ft").run();
        assert!(run.success_ratio() >= 0.999, "{}", run.success_ratio());
    }

    /// While the GCS is down nothing is created or replaced: the head's replicas come back only
    /// after the GCS reloaded from Redis and the controller recovered; workers reconnect.
    #[test]
    fn nothing_is_replaced_until_the_gcs_is_back() {
        let run = Build::bundled("head-pod-crash-gcs-ft").run();
        let gcs_up = run.first("DOWN -> UP(cluster 1) (tables loaded from Redis)");
        let starts = run.log_times("PENDING_ALLOCATION -> STARTING");
        assert!(starts.iter().filter(|&&t| t > 60.0).all(|&t| t >= gcs_up));
        assert!(run.log_times("reconnected to the restarted GCS").len() == 2);
        assert!(run.min_level(60.0, gcs_up, |l| l.replicas_running) == 4, "the 2 head replicas are gone");
    }

    /// A replica that dies during the GCS outage is not replaced until the GCS is back.
    #[test]
    fn a_replica_lost_during_the_outage_waits_for_the_gcs() {
        let run = Build::bundled("head-pod-crash-gcs-ft")
            .set("faults", json!([{"kind": "head_pod_crash", "at_s": 60}, {"kind": "replica_crash", "at_s": 62, "target": "SleepyPid#3"}]))
            .run();
        let gcs_up = run.first("DOWN -> UP(cluster 1)");
        let controller_back = run.first("RESTARTING -> RUNNING");
        assert!(controller_back > gcs_up);
        assert!(run.fault(1).1.unwrap() >= controller_back);
    }
}

mod head_node_loss_gcs_ft {
    use super::*;

    /// Guide ("kill the head pod or the head node"): with GCS fault tolerance "your worker pod can
    /// continue serving traffic without restarting when the head pod crashes and recovers". The
    /// head's node lost: the pinned worker serves every request and is never restarted; the head
    /// pod is recreated only once Kubernetes has deleted the lost one (NotReady at 100 s, the Node
    /// deleted then, PodGC 40 s later), on the node's replacement (150 s), and its GCS reloads
    /// the cluster from Redis.
    #[test]
    fn the_pinned_worker_serves_throughout_and_the_head_comes_back_after_the_gc() {
        let run = Build::bundled("head-node-loss-gcs-ft").run();
        assert_eq!(run.failures(), 0);
        assert_eq!(run.first("pod head: LOST -> GONE (pod object garbage-collected)"), 140.0);
        assert_eq!(run.first("pod head-2: created by KubeRay"), 140.0);
        assert_eq!(run.first("pod head-2: PENDING -> CREATING (scheduled on node-1)"), 150.0);
        let gcs_up = run.first("DOWN -> UP(cluster 1) (tables loaded from Redis)");
        assert_eq!(run.log_times("reconnected to the restarted GCS").len(), 2, "the workers were not restarted");
        assert!(run.log_times("small-group-1: RUNNING ->").is_empty(), "the pinned worker pod never left RUNNING");
        assert!(run.min_level(60.0, gcs_up, |l| l.replicas_running) == 4, "the 2 head replicas wait for the GCS");
        assert_eq!(run.time_to_recover(0), 120.0);
    }

    /// Without GCS fault tolerance the same loss restarts the cluster empty: the workers' raylets
    /// give up after their 60 s reconnect timeout (their containers restart), the new head's GCS
    /// starts cluster 2 with no application, and the pinned traffic fails until KubeRay resubmits
    /// it (1,235 failed, 61 s down with seed 1).
    #[test]
    fn without_gcs_ft_the_new_head_starts_an_empty_cluster() {
        let run = Build::bundled("head-node-loss-gcs-ft").set("cluster.gcs_fault_tolerance", json!(false)).run();
        assert!(run.first("DOWN -> UP(cluster 2)") > 150.0);
        assert!(run.failures() > 0);
    }
}

mod head_pod_crash_no_gcs_ft {
    use super::*;

    /// kuberay-gcs-ft.md: without GCS FT the new head starts an empty cluster and the workers are
    /// terminated as unknown; KubeRay resubmits the app and every replica is rebuilt. Workers keep
    /// serving until they are rejected (0-16 s after the new GCS is up, at their next reconnection
    /// attempt). Seen live (docs/fidelity.md), both ways: if the resubmission comes before the
    /// pinned worker rejoins, Serve places no replica there and, with EveryNode, runs no proxy on
    /// it: the pinned traffic stays down; if it rejoins first, it gets replicas and a proxy and
    /// the pinned traffic comes back.
    #[test]
    fn workers_serve_until_rejected_then_pinned_traffic_depends_on_the_race() {
        let ft = Build::bundled("head-pod-crash-gcs-ft").set("duration_s", json!(240)).run();
        let (mut lost, mut back) = (0, 0);
        for seed in seeds() {
            let run = Build::bundled("head-pod-crash-no-gcs-ft").set("seed", json!(seed)).run();
            let gcs_up = run.first("DOWN -> UP(cluster 2)");
            let worker_exit = run.first("pod small-group-1: RUNNING -> CRASH_LOOP_BACKOFF");
            assert!((0.0..=16.0).contains(&(worker_exit - gcs_up)), "seed {seed}: rejected at {worker_exit}");
            let first_exit = run.first("RUNNING -> CRASH_LOOP_BACKOFF (raylet rejected");
            // Only the requests in flight on a worker when it exits fail with it.
            assert_eq!(run.failures_between(60.0, first_exit - 1.0), 0, "seed {seed}: workers serve until they exit");
            assert!(run.failures() > ft.failures(), "seed {seed}");
            assert!(!run.metrics.slo.holds, "seed {seed}");
            let rebuilt_on_pinned =
                run.log_times("-> STARTING on small-group-1 (scheduled)").into_iter().any(|t| t > worker_exit);
            let (from, to) = (worker_exit + 0.001, 240.0);
            if !rebuilt_on_pinned {
                assert_eq!(run.failures_between(from, to), run.requests_between(from, to), "seed {seed}");
                lost += 1;
            } else {
                assert_eq!(run.failures_between(150.0, to), 0, "seed {seed}: the pinned worker serves again");
                back += 1;
            }
        }
        assert!(lost > 5 && back > 5, "both outcomes of the race occur: lost {lost}, back {back}");
    }

    /// Behind a Service the head's proxy serves again once the rebuilt replicas run.
    #[test]
    fn a_service_ingress_recovers_after_the_rebuild() {
        let run = Build::bundled("head-pod-crash-no-gcs-ft").set("ingress", json!({"kind": "service"})).run();
        let replicas_back = run.log_times("constructor returned").into_iter().fold(0.0, f64::max);
        assert!(replicas_back > 80.0);
        assert_eq!(run.failures_between(replicas_back + 5.0, 240.0), 0, "served again after the rebuild");
        assert!(run.failures() > 0);
    }

    /// Without GCS FT the workers' reconnect timeout stays at Ray's 60 s (KubeRay raises it to
    /// 600 s only with GCS FT): if the new head takes longer, workers exit at 60 s.
    #[test]
    fn workers_exit_after_60_s_when_the_new_head_is_slow() {
        let run = Build::bundled("head-pod-crash-no-gcs-ft")
            .set("timings.node_provisioning_s", json!(90))
            .set("timings.pod_start_s", json!(80))
            .run();
        let exit = run.first("pod small-group-1: RUNNING -> CRASH_LOOP_BACKOFF");
        assert!((exit - 120.0).abs() < 1e-6, "exit at {exit}");
    }
}

mod redis_outage {
    use super::*;

    /// ray-defaults §11: the GCS exits soon after losing Redis (`gcs_redis_crash_s`, 2.5 s as
    /// measured live), the head restarts and waits for Redis; workers keep serving.
    #[test]
    fn gcs_dies_and_workers_keep_serving() {
        let run = Build::bundled("redis-outage").run();
        assert!((run.time_to_detect(0) - 2.5).abs() < 1e-6);
        assert_eq!(run.failures(), 0);
        let gcs_up = run.first("Redis reachable; tables loaded");
        assert!((gcs_up - 90.0).abs() < 1e-6, "the waiting GCS comes up as soon as Redis is back");
        assert!(run.time_to_recover(0) > 30.0);
    }

    /// An HA Redis fails over: the outage lasts at most the failover time.
    #[test]
    fn ha_redis_bounds_the_outage() {
        let run = Build::bundled("redis-outage")
            .set("faults", json!([{"kind": "redis_outage", "at_s": 60, "duration_s": 100}]))
            .set("cluster.redis", json!({"mode": "ha"}))
            .run();
        assert!((run.first("DOWN -> UP (fault #0 over)") - 90.0).abs() < 1e-6);
    }
}

mod redis_outage_during_head_crash {
    use super::*;

    /// The new head's GCS cannot load the cluster while Redis is down; recovery follows Redis.
    #[test]
    fn recovery_waits_for_redis() {
        let run = Build::bundled("redis-outage-during-head-crash").run();
        let redis_back = 115.0;
        let gcs_up = run.first("-> UP(cluster 1)");
        assert!(gcs_up >= redis_back, "{gcs_up}");
        assert!(run.fault(1).2.unwrap() > redis_back);
        assert!(run.success_ratio() >= 0.999);
    }

    /// A GCS that waits longer than its 60 s connect window exits; the head crash-loops.
    #[test]
    fn a_long_outage_makes_the_head_crash_loop() {
        let run = Build::bundled("redis-outage-during-head-crash")
            .set("faults", json!([{"kind": "redis_outage", "at_s": 55, "duration_s": 150}, {"kind": "head_pod_crash", "at_s": 60}]))
            .run();
        assert!(!run.log_times("GCS could not connect to Redis").is_empty());
        assert!(!run.log_times("CRASH_LOOP_BACKOFF -> RUNNING").is_empty());
    }
}

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

/// A custom scenario (not a bundled one) from inline JSON.
fn custom(json: serde_json::Value) -> Build {
    Build { json }
}

/// Levels at the end of a run.
fn final_levels(run: &common::Run) -> ftsim::metrics::observations::Levels {
    run.out.observations.levels.last().expect("levels recorded").1
}

mod pod_recreation {
    use super::*;

    /// Kubernetes: deleting a pod that is already terminating changes nothing (the API server
    /// keeps the first deletion's grace period); KubeRay creates one pod per missing pod object
    /// (`raycluster_controller.go` reconcilePods: `diff := numExpectedPods -
    /// len(runningPods.Items)`, terminating pods included). A pod deleted twice, the second time
    /// while Ray drains it, is recreated once.
    #[test]
    fn a_pod_deleted_twice_is_recreated_once() {
        let run = custom(json!({"duration_s": 60, "cluster": {"ray_pods_per_node": 2}, "faults": [
            {"kind": "proxy_crash", "at_s": 20, "target": "small-group-1"},
            {"kind": "worker_pod_deletion", "at_s": 24, "target": "small-group-1"},
            {"kind": "worker_pod_deletion", "at_s": 25, "target": "small-group-1"}]}))
        .run();
        assert_eq!(
            run.log_times("created by KubeRay").iter().filter(|&&t| t > 0.0).count(),
            1,
            "{}",
            run.out.events_log
        );
        for (t, l) in &run.out.observations.levels {
            assert!(l.pods_ready <= l.pods_desired, "t={t}: {} of {} pods ready", l.pods_ready, l.pods_desired);
        }
        let end = final_levels(&run);
        assert_eq!((end.pods_ready, end.pods_desired), (3, 3));
    }

    /// A pod whose node is lost while Ray drains it (its proxy already dead) is lost with the
    /// node, and recreated once its object is garbage-collected; it does not also count as
    /// drained.
    #[test]
    fn a_terminating_pod_on_a_lost_node_is_recreated_once() {
        let run = custom(json!({"duration_s": 200, "faults": [
            {"kind": "proxy_crash", "at_s": 20, "target": "small-group-1"},
            {"kind": "worker_pod_deletion", "at_s": 24, "target": "small-group-1"},
            {"kind": "node_loss", "at_s": 25, "target": "node-2"}]}))
        .run();
        assert!(run.first("pod small-group-1: TERMINATING -> LOST") == 25.0);
        assert_eq!(
            run.log_times("created by KubeRay").iter().filter(|&&t| t > 0.0).count(),
            1,
            "{}",
            run.out.events_log
        );
        let end = final_levels(&run);
        assert_eq!((end.pods_ready, end.pods_desired), (3, 3));
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

mod head_node_loss {
    use super::*;

    /// Kubernetes marks a silent node NotReady after the node-monitor grace period (40 s), and
    /// KubeRay recreates the head pod once its object is gone: losing the head's node is
    /// detected then, even though the GCS that would have noticed was on that node.
    #[test]
    fn detected_when_the_node_goes_not_ready_and_recovered() {
        for ft in [false, true] {
            let run = custom(json!({"duration_s": 300, "cluster": {"gcs_fault_tolerance": ft},
                "faults": [{"kind": "node_loss", "at_s": 20, "target": "node-1"}]}))
            .run();
            assert_eq!(run.fault(0).0, 20.0);
            assert_eq!(run.time_to_detect(0), 40.0, "ft {ft}");
            let recovered = run.time_to_recover(0);
            assert!(recovered > 100.0 && recovered < 280.0, "ft {ft}: {recovered}\n{}", run.out.events_log);
        }
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

mod head_only_proxies {
    use super::*;

    /// Ray 2.60 `ProxyLocation.HeadOnly`: only the head runs a proxy, so traffic goes to the
    /// head by default; with no fault every request succeeds.
    #[test]
    fn default_ingress_is_the_head_and_serves() {
        let run = custom(json!({"serve": {"proxy_location": "HeadOnly"}})).run();
        assert_eq!(run.scenario.ingress, ftsim::scenario::Ingress::Pinned { pod: "head".to_string() });
        assert_eq!(run.failures(), 0);
    }

    /// A worker pod never runs a proxy with HeadOnly: pinning traffic to it is refused, with the
    /// JSON path.
    #[test]
    fn pinning_a_worker_is_refused() {
        let json =
            json!({"serve": {"proxy_location": "HeadOnly"}, "ingress": {"kind": "pinned", "pod": "small-group-1"}});
        let Err(errors) = ftsim::scenario::parse(&json.to_string(), "t.json") else { panic!("accepted") };
        let text = format!("{errors:?}");
        assert!(text.contains("ingress") && text.contains("HeadOnly"), "{text}");
    }
}

mod pinned_pod_without_proxy {
    use super::*;

    /// With EveryNode, a worker pod runs a proxy only while it hosts a replica (Ray 2.60
    /// `_update_proxy_nodes`): a pod with fewer CPUs than a replica needs never does. It is not
    /// the default pinned pod, and pinning it is refused.
    #[test]
    fn a_worker_too_small_for_a_replica_is_never_the_pinned_pod() {
        let cluster = json!({"head_num_cpus": 20, "worker_groups": [
            {"name": "tiny", "replicas": 1, "num_cpus": 1}, {"name": "big", "replicas": 1, "num_cpus": 4}]});
        let run = custom(json!({"serve": {"num_cpus_per_replica": 2}, "cluster": cluster.clone()})).run();
        assert_eq!(run.scenario.ingress, ftsim::scenario::Ingress::Pinned { pod: "big-1".to_string() });
        assert_eq!(run.failures(), 0);
        let pinned = json!({"serve": {"num_cpus_per_replica": 2}, "cluster": cluster,
            "ingress": {"kind": "pinned", "pod": "tiny-1"}});
        let Err(errors) = ftsim::scenario::parse(&pinned.to_string(), "t.json") else { panic!("accepted") };
        assert!(format!("{errors:?}").contains("never hosts a replica"), "{errors:?}");
    }
}

mod random_node_loss {
    use super::*;

    /// "A node dies" means any node with a Ray pod, the head's included.
    #[test]
    fn the_head_node_can_be_picked() {
        let mut picked = std::collections::BTreeSet::new();
        for seed in seeds().take(20) {
            let run =
                custom(json!({"duration_s": 30, "seed": seed, "faults": [{"kind": "node_loss", "at_s": 10}]})).run();
            picked.insert(run.metrics.faults[0].record.target.clone().expect("a node"));
        }
        assert!(picked.contains("node-1"), "the head's node is never picked: {picked:?}");
        assert!(picked.len() >= 2, "{picked:?}");
    }
}

mod worker_failures_behind_load_balancer {
    use super::*;
    use ftsim::metrics::observations::Outcome;

    const NAME: &str = "worker-failures-behind-load-balancer";

    /// Arrival times [s] of the requests that went through entry point `entry`, failed or not.
    pub(super) fn arrivals(run: &common::Run, entry: &str, failed: bool) -> Vec<f64> {
        let names = &run.out.observations.entry_points;
        let id = names.iter().position(|n| n == entry).unwrap_or_else(|| panic!("no entry {entry}: {names:?}"));
        run.out
            .observations
            .requests
            .iter()
            .filter(|r| r.entry.is_some_and(|e| e.0 as usize == id) && (r.outcome != Outcome::Success) == failed)
            .map(|r| r.arrival.as_secs_f64())
            .collect()
    }

    /// GCP's health checks (5 s apart, out after 2 failures): a crashed worker's backend gets
    /// traffic for at most 2 x 5 s, and only its requests fail; the other backends lose nothing.
    #[test]
    fn a_crashed_worker_s_backend_fails_only_until_the_load_balancer_takes_it_out() {
        for seed in seeds().take(10) {
            let run = Build::bundled(NAME).set("seed", json!(seed)).run();
            let failed = arrivals(&run, "small-group-2", true);
            assert!(!failed.is_empty(), "seed {seed}: the crash cost requests");
            assert!(failed.iter().all(|&t| (60.0..70.0).contains(&t)), "seed {seed}: {failed:?}");
            assert_eq!(run.failures(), failed.len() as u64, "seed {seed}: only small-group-2's backend fails");
            // Unless the restarted container passes a probe first, its backend leaves the rotation.
            let removed = run.log_times("lb-backend small-group-2: HEALTHY -> UNHEALTHY");
            assert!(removed.iter().all(|&t| !(70.0..120.0).contains(&t)), "seed {seed}: {removed:?}");
        }
    }

    /// The pod KubeRay creates in place of the deleted one takes its backend once its probes
    /// pass, and gets its share of the traffic again.
    #[test]
    fn the_recreated_pod_takes_the_deleted_pod_s_backend_once_healthy() {
        let run = Build::bundled(NAME).run();
        let replaced = run.first("lb-backend small-group-2: now pod small-group-3");
        let healthy = *run.log_times("lb-backend small-group-2: UNHEALTHY -> HEALTHY").last().unwrap();
        assert!(healthy > replaced, "{}", run.out.events_log);
        let served = arrivals(&run, "small-group-2", false);
        assert!(served.iter().any(|&t| t > healthy), "the backend gets traffic again");
        assert!(served.iter().all(|&t| !(replaced..healthy).contains(&t)), "none while it is unhealthy");
        // The drain fails its health check before its proxy goes: the deletion costs nothing.
        assert_eq!(run.failures_between(120.0, 200.0), 0);
    }

    /// Without health checks every backend gets traffic, dead or alive: the crashed worker's
    /// requests fail until its container is back, and the deleted pod's until its replacement
    /// serves.
    #[test]
    fn without_health_checks_failures_last_until_the_pod_is_back() {
        let checked = Build::bundled(NAME).run();
        let run = Build::bundled(NAME).set("ingress.health_check", json!({"enabled": false})).run();
        let failed = arrivals(&run, "small-group-2", true);
        let crash_recovered = 60.0 + run.time_to_recover(0);
        let last_crash_failure = failed.iter().copied().filter(|&t| t < 120.0).fold(0.0, f64::max);
        let checked_out = checked.first("lb-backend small-group-2: HEALTHY -> UNHEALTHY");
        assert!(last_crash_failure > checked_out && last_crash_failure <= crash_recovered, "{failed:?}");
        assert!(failed.iter().any(|&t| t > 150.0), "the recreated pod's backend fails until it serves");
        assert_eq!(run.failures(), failed.len() as u64, "other backends lose nothing");
        assert!(run.failures() > 2 * checked.failures(), "{} vs {}", run.failures(), checked.failures());
        assert!(run.log_times("UNHEALTHY").is_empty(), "no health checks: {}", run.out.events_log);
    }

    /// Round robin (GCP backend services' default) gives each healthy backend its turn; random
    /// spread draws from the load balancer's own stream, so arrivals and service times are those
    /// of a pinned run of the same seed.
    #[test]
    fn round_robin_shares_evenly_and_the_load_balancer_moves_no_other_random_stream() {
        let steady = |ingress: serde_json::Value| {
            custom(json!({"duration_s": 60, "ingress": ingress,
                "traffic": {"rate_per_s": 2, "service_time": {"kind": "exponential", "mean_s": 0.05}}}))
            .run()
        };
        let rr = steady(json!({"kind": "load_balancer"}));
        let shares: Vec<u64> = rr.metrics.entry_points.iter().map(|e| e.requests).collect();
        assert_eq!(shares.len(), 3, "{:?}", rr.metrics.entry_points);
        assert!(shares.iter().max().unwrap() - shares.iter().min().unwrap() <= 1, "{shares:?}");
        let random = steady(json!({"kind": "load_balancer", "spread": "random"}));
        let pinned = steady(json!({"kind": "pinned"}));
        let timing = |run: &common::Run| -> Vec<(u64, u64)> {
            let reqs = &run.out.observations.requests;
            reqs.iter().map(|r| (r.arrival.as_micros(), r.end.saturating_since(r.arrival).as_micros())).collect()
        };
        assert_eq!(timing(&random), timing(&pinned));
        assert_eq!(timing(&rr), timing(&pinned));
        assert_eq!(random.failures(), 0);
    }
}

mod gpu_worker_loss {
    use super::*;

    /// Ray places a replica only where every resource it needs is free: GPU replicas go to the
    /// GPU pod only, and while it is gone they stay pending although the CPU group has room,
    /// until KubeRay's new GPU pod registers.
    #[test]
    fn gpu_replicas_stay_pending_until_the_gpu_pod_returns() {
        let run = Build::bundled("gpu-worker-loss").run();
        let placed: Vec<&str> =
            run.out.events_log.lines().filter(|l| l.contains("PENDING_ALLOCATION -> STARTING on ")).collect();
        assert_eq!(placed.len(), 4, "two initial replicas, two replacements: {placed:?}");
        assert!(placed.iter().all(|l| l.contains(" on gpu-group-")), "a GPU replica on a CPU pod: {placed:?}");
        let dead = run.log_times("RUNNING -> DEAD on gpu-group-1");
        let registered = run.first("raylet gpu-group-2: ALIVE");
        assert_eq!(dead.len(), 2);
        assert!(dead[1] < registered, "the replicas died at {dead:?}, before the new GPU pod at {registered}");
        // Pending from their replacement until the GPU pod registers, then placed at once.
        assert_eq!(run.log_times("PENDING_ALLOCATION -> STARTING on gpu-group-2"), [registered, registered]);
        assert_eq!(run.min_level(dead[1], registered, |l| l.replicas_target), 2);
        let running = |l: &ftsim::metrics::observations::Levels| 2 - l.replicas_running.min(2);
        assert_eq!(run.min_level(dead[1], registered, running), 2, "no replica runs while the GPU pod is gone");
        // The CPU group has room all along: its two pods stay registered.
        assert!(run.min_level(60.0, registered, |l| l.pods_ready) >= 3);
        assert_eq!(run.failures_between(dead[1], registered), run.requests_between(dead[1], registered));
        let back = run.first("replica SleepyPid#4: STARTING -> RUNNING on gpu-group-2");
        assert_eq!(run.failures_between(back + 15.0, 300.0), 0, "served again once the GPU replicas run");
    }

    /// The same loss with CPU-only replicas: the controller replaces them on the CPU group as
    /// soon as they are found dead, so the pending above comes from the GPUs.
    #[test]
    fn cpu_replicas_move_to_the_cpu_group_at_once() {
        let run = Build::bundled("gpu-worker-loss").set("serve.num_gpus_per_replica", json!(0)).run();
        let dead = run.log_times("RUNNING -> DEAD on gpu-group-1");
        let moved = run.log_times("PENDING_ALLOCATION -> STARTING on cpu-group-");
        assert!(!moved.is_empty() && moved[0] <= dead[0] + 1e-6, "replaced at {moved:?}, dead at {dead:?}");
        assert!(moved.iter().all(|&t| t < run.first("raylet gpu-group-2: ALIVE")));
    }
}

/// A worker pod cut off from the head and the other Ray nodes (`docs/model.md`, "Network
/// partitions"; `docs/ray-defaults.md` section 8).
mod worker_node_partition {
    use super::worker_failures_behind_load_balancer::arrivals;
    use super::*;

    const NAME: &str = "worker-node-partition";

    /// The GCS declares the node dead after period + (threshold - 1) x period + threshold x
    /// timeout of failed health checks (3 + 4 x 3 + 5 x 10 = 65 s, `ray_config_def.h`), and
    /// the controller replaces its replicas on the other pods; Kubernetes sees nothing.
    #[test]
    fn the_gcs_marks_the_node_dead_after_65_s_and_its_replicas_are_replaced_elsewhere() {
        let run = Build::bundled(NAME).run();
        assert_eq!(run.first("node of pod small-group-2 marked DEAD"), 125.0);
        let replaced = run.log_times("PENDING_ALLOCATION -> STARTING on");
        let replaced: Vec<f64> = replaced.into_iter().filter(|&t| t > 60.0).collect();
        assert_eq!(replaced.len(), 2, "{}", run.out.events_log);
        assert!(replaced.iter().all(|&t| (125.0..140.0).contains(&t)), "{replaced:?}");
        let on_cut_off = run.log_times("STARTING on small-group-2 (scheduled)");
        assert!(on_cut_off.iter().all(|&t| t < 60.0), "none on the cut-off pod: {on_cut_off:?}");
        assert!(run.log_times("pod small-group-2: RUNNING ->").iter().all(|&t| t >= 180.0), "the pod runs on");
    }

    /// The load balancer still reaches the cut-off pod and its proxy, answering its health
    /// checks with the routes it had, serves the requests with the pod's own replicas: nothing
    /// fails during the partition, through any entry point.
    #[test]
    fn traffic_through_the_cut_off_pod_is_served_by_its_own_replicas_during_the_partition() {
        for seed in seeds().take(5) {
            let run = Build::bundled(NAME).set("seed", json!(seed)).run();
            let served = arrivals(&run, "small-group-2", false);
            assert!(served.iter().filter(|&&t| (60.0..180.0).contains(&t)).count() > 500, "seed {seed}");
            assert_eq!(run.failures_between(0.0, 180.0), 0, "seed {seed}");
        }
    }

    /// When the partition heals the raylet exits (it was marked dead), the kubelet restarts the
    /// container in place, and the requests sent to its backend fail only until the load
    /// balancer's probes take it out (2 x 5 s).
    #[test]
    fn when_it_heals_the_container_restarts_in_place_and_only_its_backend_fails_briefly() {
        let run = Build::bundled(NAME).run();
        assert_eq!(run.first("mistakenly been marked as dead"), 180.0);
        assert!(!run.out.events_log.contains("small-group-3"), "KubeRay created no pod");
        let failed = arrivals(&run, "small-group-2", true);
        assert!(!failed.is_empty());
        assert!(failed.iter().all(|&t| (180.0..191.0).contains(&t)), "{failed:?}");
        assert_eq!(run.failures(), failed.len() as u64, "the other backends lose nothing");
        assert_eq!(run.failures_of(FailureCause::ProxyUnavailable), run.failures());
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
