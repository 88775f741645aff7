//! Live mode's Kubernetes nodes on the in-process fake cluster, in virtual time, against the
//! simulator: a lost node's controller passes timed from the fault's scheduled time (real actions
//! take milliseconds), and a deleted Node's pods serving until PodGC, then recreated elsewhere.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ftsim::live::adapter::Action;
use ftsim::live::fake::FakeCluster;
use ftsim::live::rehearsal::{Rehearsal, rehearse};
use ftsim::scenario::Scenario;

fn scenario(json: &str) -> Scenario {
    ftsim::scenario::parse(json, "t.json").expect("valid scenario").scenario
}

/// A rehearsal of `sc` on a fake cluster whose every action takes 5 ms, as a real one does.
fn run_with_slow_actions(sc: &Scenario) -> Rehearsal {
    let mut fake = FakeCluster::new();
    fake.action_latency(Duration::from_millis(5));
    let r = rehearse(sc, fake, &AtomicBool::new(false)).expect("the fake cluster starts");
    r.result.as_ref().expect("the run completes");
    r
}

/// The times of the actions `pick` keeps.
fn times(r: &Rehearsal, pick: impl Fn(&Action) -> bool) -> Vec<Duration> {
    r.actions.iter().filter(|(_, a)| pick(a)).map(|(t, _)| *t).collect()
}

fn starts_of(r: &Rehearsal, pod: &str) -> Vec<Duration> {
    times(r, |a| matches!(a, Action::StartWorker { pod: p } if p == pod))
}

/// The times of the simulator's events.log lines for `sc` containing `needle`.
fn sim_times(sc: &Scenario, needle: &str) -> Vec<Duration> {
    let sim = ftsim::sim::run(sc).expect("the simulation runs");
    let lines = sim.events_log.lines().filter(|l| l.contains(needle));
    lines.map(|l| Duration::from_secs_f64(l.split_whitespace().next().unwrap().parse().unwrap())).collect()
}

/// Regression (gpu-worker-loss live, 2026-11-29: replacements started at 165 s, 155 s
/// simulated): the loss was timed after its SIGSTOPs, a few milliseconds past the fault's time,
/// so the cloud controller's 5 s pass and PodGC's 20 s pass each fell one pass later.
#[test]
fn a_lost_nodes_replacement_starts_when_the_simulators_does_though_actions_take_time() {
    let sc = scenario(r#"{"faults": [{"kind": "node_loss", "at_s": 60, "target": "node-3"}]}"#);
    let r = run_with_slow_actions(&sc);
    let sim_start = sim_times(&sc, "pod small-group-3: CREATING -> ");
    assert_eq!(sim_start, [Duration::from_secs(155)]);
    assert_eq!(starts_of(&r, "small-group-3"), sim_start);
}

/// `kubectl delete node` with a spare node: the deleted Node's pod serves on until PodGC's pass
/// 40 s after the deletion (60 s on its 20 s grid), is then killed and recreated on the spare
/// node, starting when the simulator's does; a deletion just after a pass waits for the next.
#[test]
fn a_deleted_nodes_pod_serves_until_podgc_then_is_recreated_elsewhere_as_simulated() {
    for (at, gc) in [(60, 100), (61, 120)] {
        let sc = scenario(&format!(
            r#"{{"cluster": {{"k8s_nodes": 4}},
                "faults": [{{"kind": "node_delete", "at_s": {at}, "target": "node-3"}}]}}"#
        ));
        let r = run_with_slow_actions(&sc);
        let sim_start = sim_times(&sc, "pod small-group-3: CREATING -> ");
        assert_eq!(sim_start, [Duration::from_secs(gc + 5)], "at {at} s");
        assert_eq!(starts_of(&r, "small-group-3"), sim_start, "at {at} s");
        let killed = times(
            &r,
            |a| matches!(a, Action::KillPod { pod } | Action::TerminatePod { pod } | Action::FreezePod { pod } if pod == "small-group-2"),
        );
        assert_eq!(killed, [Duration::from_secs(gc)], "at {at} s: {}", r.events_log);
        assert!(r.events_log.contains("node node-3: READY -> DELETED"), "{}", r.events_log);
        let fault = &r.result.as_ref().unwrap().faults[0];
        assert_eq!((fault.target.as_deref(), fault.detected_at), (Some("node-3"), Some(fault.injected_at)));
    }
}

/// The deleted Node never takes a pod again: with no other node with room, KubeRay's
/// replacement stays pending for the rest of the run, in live mode as in the simulator.
#[test]
fn a_deleted_nodes_pod_without_room_elsewhere_stays_pending() {
    let sc = scenario(r#"{"duration_s": 300, "faults": [{"kind": "node_delete", "at_s": 60, "target": "node-3"}]}"#);
    let r = run_with_slow_actions(&sc);
    assert!(sim_times(&sc, "pod small-group-3: CREATING -> ").is_empty());
    assert!(!sim_times(&sc, "pod small-group-3: created by KubeRay (PENDING)").is_empty());
    assert!(starts_of(&r, "small-group-3").is_empty(), "{}", r.events_log);
    assert!(r.events_log.contains("small-group-3: created by KubeRay (PENDING: no node has room)"), "{}", r.events_log);
}

/// Live mode runs a `node_delete` (its plan lists it) and still refuses a `node_unreachable`.
#[test]
fn live_mode_accepts_a_node_delete() {
    let sc = scenario(r#"{"faults": [{"kind": "node_delete", "at_s": 60, "target": "node-3"}]}"#);
    assert_eq!(ftsim::live::check_supported(&sc).err(), None);
    let cut = scenario(r#"{"faults": [{"kind": "node_unreachable", "at_s": 60, "target": "node-3"}]}"#);
    assert!(ftsim::live::check_supported(&cut).is_err());
}
