//! The head pod and node, the GCS and its Redis: crashes with and without GCS fault tolerance, Redis outages.

use super::*;

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
