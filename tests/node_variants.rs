//! The node-loss variants besides a lost VM (docs/model.md, "A lost node"): `node_delete`
//! (`kubectl delete node` with the VM running on) and `node_unreachable` (the VM cut off from
//! the API server and every other node). Each test runs the real model and asserts the
//! timeline that Kubernetes' and KubeRay's sources give.

mod common;

use common::Build;
use ftsim::metrics::observations::FailureCause;
use serde_json::json;

/// The guide's cluster (head on node-1, small-group-1 on node-2, small-group-2 on node-3) behind
/// a load balancer, with `fault` and `duration_s`.
fn guide_with(fault: serde_json::Value, duration_s: u64) -> Build {
    Build::bundled("worker-node-partition").set("duration_s", json!(duration_s)).set("faults", json!([fault]))
}

mod node_delete {
    use super::*;

    fn deleted_at(at_s: u64) -> common::Run {
        guide_with(json!({"kind": "node_delete", "at_s": at_s, "target": "node-3"}), 300).run()
    }

    /// PodGC (`gcOrphaned`): the first pass after the deletion quarantines the node name, the
    /// pass `quarantineTime` (40 s) later deletes its pods: 40 s after a deletion on the 20 s
    /// grid, 59 s after one just past it.
    #[test]
    fn its_pods_serve_until_podgc_deletes_them_40_to_60_s_later() {
        for (at, gone) in [(60.0, 100.0), (61.0, 120.0)] {
            let run = deleted_at(at as u64);
            assert_eq!(run.first("READY -> DELETED"), at);
            assert_eq!(run.first("small-group-2: RUNNING -> GONE (deleted by PodGC"), gone);
            assert!(run.log_times("small-group-2: DEAD").iter().all(|&t| t >= gone), "its raylet ran until then");
            // Its proxy kept serving: requests entering there succeed until the deletion.
            assert_eq!(run.failures_between(at, gone), 0, "deleted at {at}");
        }
    }

    /// The kubelet registers its Node once (`registerWithAPIServer`, `registrationCompleted`):
    /// the deleted node takes no pod again, so KubeRay's replacement waits for room.
    #[test]
    fn the_replacement_is_not_scheduled_on_the_deleted_node() {
        let run = deleted_at(60);
        assert_eq!(run.first("small-group-3: created by KubeRay"), 100.0);
        assert!(run.log_times("small-group-3: PENDING -> CREATING").is_empty(), "no node has room");
        assert!(run.log_times("node-3: DELETED -> ").is_empty(), "the node never comes back");
    }

    /// With room elsewhere (a fourth node), the replacement starts at once on another node.
    #[test]
    fn with_room_elsewhere_kuberay_recreates_the_pods_on_another_node() {
        let run = guide_with(json!({"kind": "node_delete", "at_s": 60, "target": "node-3"}), 300)
            .set("cluster.k8s_nodes", json!(4))
            .run();
        assert_eq!(run.first("small-group-3: PENDING -> CREATING (scheduled on node-4)"), 100.0);
        assert_eq!(run.first("small-group-2: RUNNING -> GONE"), 100.0);
    }
}

mod node_unreachable {
    use super::*;

    fn cut(duration_s: u64) -> common::Run {
        guide_with(json!({"kind": "node_unreachable", "at_s": 60, "target": "node-3", "duration_s": duration_s}), 600)
            .run()
    }

    /// NotReady after `--node-monitor-grace-period` (40 s), the GCS's verdict after its health
    /// checks (65 s), the taint manager's eviction 300 s after NotReady (`tolerationSeconds`).
    #[test]
    fn notready_after_40_s_gcs_verdict_after_65_s_eviction_after_340_s() {
        let run = cut(420);
        assert_eq!(run.first("node-3: NotReady"), 100.0);
        assert_eq!(run.first("endpoint small-group-2: removed (node NotReady)"), 100.0);
        assert_eq!(run.first("node of pod small-group-2 marked DEAD"), 125.0);
        assert_eq!(run.first("small-group-2: RUNNING -> TERMINATING (evicted"), 400.0);
        assert_eq!(run.time_to_detect(0), 40.0, "detected when Kubernetes marks it NotReady");
    }

    /// KubeRay counts Terminating pods (`reconcilePods`): no replacement while the evicted pod
    /// waits for a kubelet that cannot answer; Serve alone moves the replicas.
    #[test]
    fn the_evicted_pod_stays_terminating_and_kuberay_creates_no_replacement_until_the_heal() {
        let run = cut(420);
        assert!(run.log_times("small-group-3: created").iter().all(|&t| t >= 480.0));
        assert_eq!(run.first("small-group-2: TERMINATING -> GONE"), 480.0);
        assert_eq!(run.first("small-group-3: created by KubeRay"), 480.0);
        // The node is Ready again: the replacement goes back to it.
        assert_eq!(run.first("small-group-3: PENDING -> CREATING (scheduled on node-3)"), 480.0);
        // Serve replaced the cut-off replicas after the GCS's verdict: traffic recovered long
        // before the heal.
        assert_eq!(run.failures_between(140.0, 600.0), 0);
    }

    /// Requests the load balancer sends to the cut-off pod hang until its probes time out.
    #[test]
    fn requests_to_the_cut_off_pod_hang_until_the_load_balancer_drops_it() {
        let run = cut(420);
        assert!(run.failures() > 0);
        assert_eq!(run.failures(), run.failures_of(FailureCause::Timeout), "black-holed: every failure is a timeout");
        assert_eq!(run.failures_between(60.0, 75.0), run.failures());
    }

    /// Healed before the eviction but after the GCS's verdict: the pod is not deleted; its
    /// raylet learns it was marked dead and the kubelet restarts its container in place.
    #[test]
    fn healed_before_the_eviction_the_container_restarts_in_place() {
        let run = cut(120);
        assert_eq!(run.first("node-3: UNREACHABLE -> READY"), 180.0);
        assert_eq!(run.first("small-group-2: RUNNING -> CRASH_LOOP_BACKOFF"), 180.0);
        assert!(!run.out.events_log.contains("TERMINATING"));
        assert!(!run.out.events_log.contains("small-group-3"), "no new pod");
    }

    /// Healed before NotReady and before the GCS's verdict: nothing restarts.
    #[test]
    fn a_30_s_cut_restarts_nothing() {
        let run = cut(30);
        assert!(!run.out.events_log.contains("NotReady"));
        assert!(!run.out.events_log.contains("marked DEAD"));
        assert!(!run.out.events_log.contains("CRASH_LOOP_BACKOFF"));
    }
}
