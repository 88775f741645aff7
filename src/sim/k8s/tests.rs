//! The Kubernetes model's unit tests.

use super::*;
use crate::sim::testing::{TestWorld, secs};

fn world(faults: &str) -> TestWorld {
    TestWorld::guide(&format!(r#""faults": [{faults}]"#))
}

fn alive(t: &TestWorld, pod: &str) -> bool {
    matches!(t.pod(pod).raylet, Raylet::Alive { .. })
}

#[test]
fn a_worker_waits_for_the_gcs_in_its_init_container() {
    let mut t = world(r#"{ "kind": "head_pod_crash", "at_s": 60 }"#);
    t.run_until(secs(60));
    // small-group-1's pod object goes at once: its replacement is scheduled on node-2 now.
    let pod = t.pod_id("small-group-1");
    t.world_mut().remove_pod(pod, "test");
    t.run_until(secs(91));
    // small-group-3's container was created at 65 while the GCS was down (head-2 brings it
    // up at 75): it polls every 5 s and starts Ray at the first poll that finds the GCS.
    assert_eq!(t.logged_at(secs(60), &["gcs", "-> UP(cluster 1)"]), secs(75));
    assert_eq!(t.logged_at(secs(60), &["small-group-3", "-> WAITING_FOR_GCS"]), secs(65));
    assert_eq!(t.logged_at(secs(60), &["small-group-3", "WAITING_FOR_GCS -> RUNNING (GCS reachable)"]), secs(75));
    assert!(alive(&t, "small-group-3"));
}

#[test]
fn a_crashing_container_restarts_at_once_then_after_10_s_then_20_s() {
    let mut t = world("");
    let pod = t.pod_id("small-group-1");
    for (crash_at, restart_at) in [(10, 10), (20, 30), (40, 60)] {
        t.run_until(secs(crash_at));
        assert!(alive(&t, "small-group-1"), "Ray is back before the crash at {crash_at} s");
        t.world_mut().container_crashed(pod, "test crash");
        assert_eq!(t.pod("small-group-1").raylet, Raylet::Down);
        let restarted = t.run_until_true(|w| w.k8s.pods[pod.ix()].phase == PodPhase::Running);
        assert_eq!(restarted, secs(restart_at), "crash at {crash_at} s");
        // Init containers do not run again: Ray starts ray_start (5 s) after the restart.
        let back = t.run_until_true(|w| matches!(w.k8s.pods[pod.ix()].raylet, Raylet::Alive { .. }));
        assert_eq!(back, secs(restart_at + 5));
    }
    assert_eq!(t.pod("small-group-1").restarts, 3);
}

#[test]
fn a_deleted_worker_drains_then_goes_and_kuberay_recreates_it_under_a_new_name() {
    let mut t = world(r#"{ "kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2" }"#);
    t.run_until(secs(60));
    let p = t.pod("small-group-2");
    assert_eq!((p.phase, p.draining), (PodPhase::Terminating, true));
    assert!(t.world().k8s.pods.iter().all(|p| p.name != "small-group-3"), "no replacement while it drains");
    // Its replicas migrate away at once; its proxy drains for its minimum 30 s, and the node
    // is kept until then (the drain budget is also 30 s).
    let gone = t.run_until_true(|w| w.k8s.pods[2].phase == PodPhase::Gone);
    assert_eq!(gone, secs(90));
    assert_eq!(t.pod("small-group-3").phase, PodPhase::Creating);
    let running = t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Running);
    assert_eq!(running, secs(95));
    assert_eq!(t.run_until_true(|w| matches!(w.k8s.pods.last().unwrap().raylet, Raylet::Alive { .. })), secs(100));
}

#[test]
fn deleting_a_terminating_pod_changes_nothing() {
    let mut t = world(r#"{ "kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2" }"#);
    t.run_until(secs(70));
    let pod = t.pod_id("small-group-2");
    let inc = t.pod("small-group-2").inc;
    t.world_mut().delete_pod(pod, None);
    assert_eq!((t.pod("small-group-2").phase, t.pod("small-group-2").inc), (PodPhase::Terminating, inc));
    assert_eq!(t.run_until_true(|w| w.k8s.pods[pod.ix()].phase == PodPhase::Gone), secs(90));
}

#[test]
fn a_lost_node_loses_its_pod_which_is_collected_after_80_s_and_recreated_when_a_node_returns() {
    let mut t = world(r#"{ "kind": "node_loss", "at_s": 60, "target": "node-3" }"#);
    t.run_until(secs(60));
    assert_eq!(t.world().k8s.nodes[2].state, NodeState::Lost);
    assert_eq!(t.pod("small-group-2").phase, PodPhase::Lost);
    assert_eq!(t.pod("small-group-2").raylet, Raylet::Down);
    // Node NotReady 40 s later, deleted by the cloud controller then, its pods by PodGC 40 s
    // after that; the replacement waits for a node: node-3 is provisioned again 90 s after
    // the loss.
    let gone = t.run_until_true(|w| w.k8s.pods[2].phase == PodPhase::Gone);
    assert_eq!(gone, secs(140));
    assert_eq!(t.pod("small-group-3").phase, PodPhase::Pending);
    let scheduled = t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Creating);
    assert_eq!(scheduled, secs(150));
    assert_eq!(t.world().k8s.nodes[2].state, NodeState::Ready);
    assert_eq!(t.pod("small-group-3").node, Some(NodeId(2)));
    // pod_start (5 s); wait-gcs-ready finds the GCS up at its first poll; ray_start (5 s).
    assert_eq!(t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Running), secs(155));
    assert_eq!(t.logged_at(secs(150), &["small-group-3", "CREATING -> WAITING_FOR_GCS"]), secs(155));
    assert_eq!(t.run_until_true(|w| matches!(w.k8s.pods.last().unwrap().raylet, Raylet::Alive { .. })), secs(160));
    // The GCS declared the black-holed node dead after 5 failed checks 3 s apart, each
    // waiting its 10 s timeout: 3 + 4 x 3 + 5 x 10 = 65 s.
    assert_eq!(t.logged_at(secs(60), &["gcs", "small-group-2 marked DEAD"]), secs(125));
}
