//! Worker pods and nodes: deletions, losses, partitions, GPUs, and KubeRay recreating pods.

use super::*;

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
