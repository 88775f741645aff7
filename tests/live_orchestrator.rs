//! The live orchestrator's logic on the in-process fake cluster, in virtual time: the operators'
//! delays, the kubelet's back-off, the held GCS-FT head, RayService's resubmission and Ctrl-C,
//! each asserted against the times of the actions it takes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ftsim::engine::{SimDuration, SimTime};
use ftsim::live::LiveError;
use ftsim::live::adapter::Action;
use ftsim::live::fake::FakeCluster;
use ftsim::live::rehearsal::{Rehearsal, rehearse};
use ftsim::scenario::Scenario;

fn scenario(json: &str) -> Scenario {
    ftsim::scenario::parse(json, "t.json").expect("valid scenario").scenario
}

fn run(sc: &Scenario, fake: FakeCluster) -> Rehearsal {
    rehearse(sc, fake, &AtomicBool::new(false)).expect("the fake cluster starts")
}

fn d(s: SimDuration) -> Duration {
    Duration::from(s)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The times of the actions `pick` keeps.
fn times(r: &Rehearsal, pick: impl Fn(&Action) -> bool) -> Vec<Duration> {
    r.actions.iter().filter(|(_, a)| pick(a)).map(|(t, _)| *t).collect()
}

fn starts_of(r: &Rehearsal, pod: &str) -> Vec<Duration> {
    times(r, |a| matches!(a, Action::StartWorker { pod: p } if p == pod))
}

#[test]
fn a_deleted_worker_pod_is_replaced_after_the_pod_start() {
    let sc = scenario(r#"{"faults": [{"kind": "worker_pod_deletion", "at_s": 30, "target": "small-group-2"}]}"#);
    let r = run(&sc, FakeCluster::new());
    let faults = r.result.as_ref().expect("the run completes").faults.clone();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].target.as_deref(), Some("small-group-2"));
    assert_eq!(faults[0].injected_at, SimTime::ZERO + SimDuration::from_secs(30));
    assert_eq!(times(&r, |a| matches!(a, Action::TerminatePod { .. })), [secs(30)]);
    // The fake drains at once: the pod is gone at the poll of 30 s, its replacement starts
    // pod_start later.
    assert_eq!(starts_of(&r, "small-group-3"), [secs(30) + d(sc.timings.pod_start)]);
    assert!(r.events_log.contains("small-group-3: created by KubeRay"), "{}", r.events_log);
}

#[test]
fn a_lost_nodes_pods_come_back_after_gc_and_provisioning_then_the_pod_start() {
    let sc = scenario(r#"{"faults": [{"kind": "node_loss", "at_s": 60, "target": "node-3"}]}"#);
    let r = run(&sc, FakeCluster::new());
    let t = &sc.timings;
    let want = secs(60) + d(t.orphan_pod_gc.max(t.node_provisioning)) + d(t.pod_start);
    assert_eq!(starts_of(&r, "small-group-3"), [want]);
    assert_eq!(times(&r, |a| matches!(a, Action::FreezePod { pod } if pod == "small-group-2")), [secs(60)]);
}

#[test]
fn with_a_spare_node_a_lost_nodes_pods_wait_only_for_the_node_deletion_and_gc() {
    let sc = scenario(
        r#"{"cluster": {"k8s_nodes": 4},
            "faults": [{"kind": "node_loss", "at_s": 60, "target": "node-3", "network": "refused"}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    // NotReady at 100 s, the Node deleted by the cloud controller then, PodGC's quarantine to
    // 140 s, then the pod start: as the simulator (`policy::node_lifecycle`).
    let want = secs(140) + d(sc.timings.pod_start);
    assert_eq!(starts_of(&r, "small-group-3"), [want]);
}

/// Pods are placed by pool as in the simulator: zone-a's lost group-a pods wait for pool-a's
/// replacement nodes (150 s) though pool-b has room; group-b's are untouched.
#[test]
fn a_zone_outages_pods_are_recreated_only_on_their_pools_nodes() {
    let (name, json) = ftsim::scenario::bundled::by_name("zone-outage").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["cluster"]["node_pools"][1]["nodes"] = serde_json::json!(4);
    let sc = ftsim::scenario::parse(&v.to_string(), name).unwrap().scenario;
    let r = run(&sc, FakeCluster::new());
    let back = secs(150) + d(sc.timings.pod_start);
    assert_eq!(starts_of(&r, "group-a-3"), [back]);
    assert_eq!(starts_of(&r, "group-a-4"), [back]);
    assert!(starts_of(&r, "group-b-3").is_empty());
}

#[test]
fn a_container_that_keeps_exiting_is_restarted_at_once_then_with_back_off() {
    let sc = scenario(r#"{"duration_s": 300, "faults": [{"kind": "head_pod_crash", "at_s": 60}]}"#);
    let mut fake = FakeCluster::new();
    fake.exit_on_start("head", 3);
    let r = run(&sc, fake);
    r.result.as_ref().expect("the run completes");
    let first = secs(60) + d(sc.timings.pod_start);
    let base = d(sc.timings.kubelet_restart_backoff);
    // Exits at the first start: restarted at once (exits), then after base (exits), then after
    // 2 x base (runs).
    assert_eq!(times(&r, |a| *a == Action::StartHead), [first, first, first + base, first + 3 * base]);
    assert_eq!(r.events_log.matches("CRASH_LOOP_BACKOFF").count(), 3, "{}", r.events_log);
}

#[test]
fn a_gcs_ft_head_is_held_while_redis_is_down() {
    let sc = scenario(
        r#"{"faults": [{"kind": "redis_outage", "at_s": 50, "duration_s": 30},
                       {"kind": "head_pod_crash", "at_s": 60}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    // The fake refuses a GCS-FT head while Redis is down: the run completing shows it was held.
    r.result.as_ref().expect("the run completes");
    assert_eq!(times(&r, |a| *a == Action::StopRedis), [secs(50)]);
    assert_eq!(times(&r, |a| *a == Action::StartRedis), [secs(80)]);
    assert_eq!(times(&r, |a| *a == Action::StartHead), [secs(80)]);
    let order: Vec<&Action> = r.actions.iter().filter(|(t, _)| *t == secs(80)).map(|(_, a)| a).collect();
    assert_eq!(order, [&Action::StartRedis, &Action::StartHead]);
    assert!(r.events_log.contains("container held until Redis is back"), "{}", r.events_log);
}

#[test]
fn without_gcs_ft_rayservice_resubmits_once_the_new_head_is_ready() {
    let sc =
        scenario(r#"{"cluster": {"gcs_fault_tolerance": false}, "faults": [{"kind": "head_pod_crash", "at_s": 60}]}"#);
    let r = run(&sc, FakeCluster::new());
    let out = r.result.as_ref().expect("the run completes");
    let t = &sc.timings;
    let head_up = SimTime::ZERO + SimDuration::from_secs(60) + t.pod_start;
    let ready = (head_up + t.readiness_initial_delay).ceil_to_grid(SimTime::ZERO, t.rayservice_reconcile);
    assert_eq!(times(&r, |a| *a == Action::Deploy), [d(ready - SimTime::ZERO)]);
    // The empty cluster has its replicas back after the resubmission, not before.
    let full = |at: SimTime| out.levels.iter().rev().find(|(t, _)| *t <= at).map(|(_, l)| l.replicas_running);
    assert_eq!(full(SimTime::from_micros(ready.as_micros() - 1_000_000)), Some(0));
    assert_eq!(out.levels.last().map(|(_, l)| l.replicas_running), Some(sc.serve.first().num_replicas));
}

#[test]
fn ctrl_c_stops_the_timeline_before_its_next_action() {
    let sc = scenario(r#"{"faults": [{"kind": "head_pod_crash", "at_s": 60}]}"#);
    let stop = Arc::new(AtomicBool::new(false));
    let mut fake = FakeCluster::new();
    fake.interrupt_after(1, stop.clone());
    let r = rehearse(&sc, fake, &stop).expect("the fake cluster starts");
    assert_eq!(r.result.err(), Some(LiveError::Interrupted));
    assert_eq!(r.actions, [(secs(60), Action::KillPod { pod: "head".into() })], "no action after Ctrl-C");
    assert!(r.events_log.contains("head_pod_crash injected"), "the log is written up to the stop");
}

/// Losing the node of the GCS's Redis takes Redis down live as in the simulator: until its pod
/// is recreated (single) or a replica is promoted (HA). Live used to leave Redis up.
#[test]
fn losing_the_redis_node_stops_redis_until_its_pod_is_back_or_a_replica_is_promoted() {
    for (mode, ha) in [("single", false), ("ha", true)] {
        let sc = scenario(&format!(
            r#"{{"cluster": {{"redis": {{"mode": "{mode}", "node": "node-2"}}}},
                "faults": [{{"kind": "node_loss", "at_s": 60, "target": "node-2", "network": "refused"}}]}}"#
        ));
        let r = run(&sc, FakeCluster::new());
        let t = &sc.timings;
        // A single Redis's pod is deleted at 140 s (NotReady, Node deletion, PodGC), then starts.
        let back = if ha { secs(60) + d(t.redis_failover) } else { secs(140) + d(t.pod_start) };
        assert_eq!(times(&r, |a| matches!(a, Action::StopRedis)), [secs(60)], "{mode}");
        assert_eq!(times(&r, |a| matches!(a, Action::StartRedis)), [back], "{mode}");
    }
}

/// Without GCS fault tolerance the GCS does not use Redis: losing its node leaves it alone.
#[test]
fn without_gcs_ft_losing_the_redis_node_leaves_redis_alone() {
    let sc = scenario(
        r#"{"cluster": {"gcs_fault_tolerance": false},
            "faults": [{"kind": "node_loss", "at_s": 60, "target": "node-2", "network": "refused"}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    assert!(times(&r, |a| matches!(a, Action::StopRedis)).is_empty());
}

/// Plain Ray (no KubeRay): live mode's operators recreate nothing after a node loss or a head
/// crash, restart no container, and resubmit nothing after the controller is killed for good.
#[test]
fn on_plain_ray_the_operators_recreate_restart_and_resubmit_nothing() {
    let sc = scenario(
        r#"{"cluster": {"manager": "plain"}, "duration_s": 300,
            "faults": [{"kind": "node_loss", "at_s": 60, "target": "node-3"},
                       {"kind": "container_crash", "at_s": 70, "target": "small-group-1"},
                       {"kind": "controller_crash", "at_s": 80, "restart": false},
                       {"kind": "head_pod_crash", "at_s": 90}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    let started_later = times(&r, |a| matches!(a, Action::StartWorker { .. } | Action::StartHead));
    assert!(started_later.iter().all(|t| *t == secs(0)), "nothing started after the start: {started_later:?}");
    assert!(times(&r, |a| matches!(a, Action::StartServe | Action::Deploy)).iter().all(|t| *t == secs(0)));
    assert!(!r.events_log.contains("created by KubeRay"), "{}", r.events_log);
    assert!(r.events_log.contains("small-group-2: gone for good: nothing recreates it (plain Ray)"));
    assert!(r.events_log.contains("small-group-1: RUNNING -> GONE (Ray container OOMKilled"), "{}", r.events_log);
}

/// Times [s] of the events.log lines containing `needle`.
fn log_times(r: &Rehearsal, needle: &str) -> Vec<f64> {
    let lines = r.events_log.lines().filter(|l| l.contains(needle));
    lines.map(|l| l.split_whitespace().next().unwrap().parse().unwrap()).collect()
}

/// Live mode plays the cloud load balancer: a deleted pod's backend goes to KubeRay's
/// replacement, out of rotation until its probes pass, then back in rotation.
#[test]
fn a_load_balancer_takes_a_deleted_pod_s_backend_out_and_gives_it_to_the_replacement() {
    let sc = scenario(
        r#"{"duration_s": 120, "ingress": {"kind": "load_balancer"},
            "faults": [{"kind": "worker_pod_deletion", "at_s": 30, "target": "small-group-2"}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    r.result.as_ref().expect("the run completes");
    // The fake drains at once: the pod is replaced before two probes can fail, and its backend
    // leaves the rotation with it.
    let out = log_times(&r, "lb-backend small-group-2: now pod small-group-3 (HEALTHY -> UNHEALTHY");
    assert!(out.len() == 1 && (30.0..=31.0).contains(&out[0]), "{out:?}\n{}", r.events_log);
    let started = 30.0 + sc.timings.pod_start.as_secs_f64();
    let back = log_times(&r, "lb-backend small-group-2: UNHEALTHY -> HEALTHY (passed 2 probes in a row)");
    assert!(back.len() == 1 && (started..=started + 16.0).contains(&back[0]), "{back:?}\n{}", r.events_log);
    assert!(log_times(&r, "lb-backend head").is_empty() && log_times(&r, "lb-backend small-group-1").is_empty());
}

/// Regression (a live run of 2026-11-29: 223 `no_endpoint` failures, none simulated): while the
/// GCS is away after a head crash with GCS fault tolerance, the worker pods stay in the Service.
/// Their readiness probe asks the proxy itself (`GET /-/healthz`), as the kubelet's does, not the
/// GCS-backed snapshot that answers nothing while the head restarts.
#[test]
fn a_head_crash_with_gcs_ft_takes_no_worker_out_of_the_service() {
    let sc = scenario(
        r#"{"duration_s": 120, "ingress": {"kind": "service"}, "cluster": {"gcs_fault_tolerance": true},
            "faults": [{"kind": "head_pod_crash", "at_s": 30}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    r.result.as_ref().expect("the run completes");
    for worker in ["small-group-1", "small-group-2"] {
        let removed = format!("endpoint {worker}: removed");
        assert!(!r.events_log.contains(&removed), "{removed}\n{}", r.events_log);
    }
    assert!(r.events_log.contains("endpoint head-2: added (readiness passed)"), "{}", r.events_log);
}

/// `SleepyPid#k` names the k-th replica that appeared, for the whole run, in live mode as in the
/// simulator: once #3 has died and been replaced, a second fault aimed at #3 hits nothing (it
/// used to hit whichever replica was then third), and #4 is still the fourth original replica.
#[test]
fn a_replica_name_keeps_its_replica_after_a_replacement_as_in_the_simulator() {
    let sc = scenario(
        r#"{"faults": [{"kind": "replica_crash", "at_s": 10, "target": "SleepyPid#3"},
                       {"kind": "replica_crash", "at_s": 30, "target": "SleepyPid#3"},
                       {"kind": "replica_crash", "at_s": 40, "target": "SleepyPid#4"}]}"#,
    );
    let r = run(&sc, FakeCluster::new());
    let killed: Vec<&str> = r
        .actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::KillReplica { replica_id } => Some(replica_id.as_str()),
            _ => None,
        })
        .collect();
    // The fake names replicas replica-1.. and places them round-robin over head, small-group-1,
    // small-group-2; live names them by (pod, id): #1 replica-1, #2 replica-4, #3 replica-2,
    // #4 replica-5.
    assert_eq!(killed, ["replica-2", "replica-5"], "{}", r.events_log);
    assert_eq!(r.events_log.matches("no live replica to hit").count(), 1, "{}", r.events_log);
    let sim = ftsim::sim::run(&sc).expect("the simulation runs");
    assert_eq!(sim.events_log.matches("no live replica to kill").count(), 1, "{}", sim.events_log);
}
