//! The live plan resolves the same fault targets at the same times as the simulator: the live
//! orchestrator, run on the fake cluster in virtual time, against the simulator (streamed, in
//! the scenario's own traffic mode: a month of traffic runs counted).

mod common;

use std::sync::atomic::AtomicBool;

use ftsim::engine::SimTime;
use ftsim::live::fake::FakeCluster;
use ftsim::live::rehearsal::rehearse;
use ftsim::metrics::observations::FaultRecord;
use ftsim::scenario::{FaultKind, Scenario};

fn scenario(json: &str) -> Scenario {
    ftsim::scenario::parse(json, "t.json").expect("valid scenario").scenario
}

/// (kind, target, injected at) of each fault.
type Resolved = Vec<(String, Option<String>, SimTime)>;

fn resolved(faults: &[FaultRecord]) -> Resolved {
    faults.iter().map(|f| (f.kind.clone(), f.target.clone(), f.injected_at)).collect()
}

/// What the simulator and the live orchestrator (on the fake cluster) resolved for `sc`.
fn sim_and_live(sc: &Scenario) -> (Resolved, Resolved) {
    let (sim, _) = common::streamed(sc, &mut std::io::sink());
    let live = rehearse(sc, FakeCluster::new(), &AtomicBool::new(false)).expect("the fake cluster starts");
    let live = live.result.expect("the rehearsal completes");
    (resolved(&sim.faults), resolved(&live.faults))
}

#[test]
fn random_pod_targets_are_drawn_in_creation_order_not_name_order() {
    // Eleven workers: by name, small-group-10 and small-group-11 come before small-group-2.
    let sc = scenario(
        r#"{"seed": 3, "cluster": {"k8s_nodes": 12, "worker_groups": [{"name": "small-group", "replicas": 11}]},
            "faults": [{"kind": "proxy_crash", "at_s": 20},
                       {"kind": "worker_pod_deletion", "at_s": 30}]}"#,
    );
    let (sim, live) = sim_and_live(&sc);
    assert_eq!(live, sim);
}

#[test]
fn the_faults_of_failure_processes_are_planned_as_they_are_simulated() {
    let sc = scenario(
        r#"{"seed": 5, "duration_s": 7200, "cluster": {"k8s_nodes": 4, "worker_groups": [{"name": "small-group", "replicas": 3}]},
            "ingress": {"kind": "service"},
            "faults": [{"kind": "replica_crash", "at_s": 100}],
            "failures": [
              {"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 3, "unit": "h"}},
              {"kind": "replica_crash", "ttf": {"kind": "weibull", "shape": 1.5, "scale": 4, "unit": "h"}},
              {"kind": "proxy_crash", "ttf": {"kind": "lognormal", "median": 5, "sigma": 0.5, "unit": "h"}},
              {"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 2, "unit": "h"},
               "ttr": {"kind": "exponential", "mean": 60, "unit": "s"}},
              {"kind": "rolling_restart", "every_s": 3600, "start_s": 1800, "gap_s": 120}]}"#,
    );
    let (sim, live) = sim_and_live(&sc);
    assert!(sim.len() >= 8, "{sim:?}");
    assert!(sim.iter().any(|f| f.0 == "worker_pod_deletion"));
    assert_eq!(comparable(&sc, live), comparable(&sc, sim));
}

#[test]
fn a_recreated_head_is_named_as_the_simulator_names_it() {
    let sc =
        scenario(r#"{"faults": [{"kind": "head_pod_crash", "at_s": 30}, {"kind": "head_pod_crash", "at_s": 90}]}"#);
    let (sim, live) = sim_and_live(&sc);
    assert_eq!(sim[1].1.as_deref(), Some("head-2"));
    assert_eq!(live, sim);
}

#[test]
fn a_random_node_loss_draws_among_ready_nodes_running_ray() {
    // Nodes 4 to 6 are empty: the simulator never draws them.
    let sc = scenario(r#"{"seed": 1, "cluster": {"k8s_nodes": 6}, "faults": [{"kind": "node_loss", "at_s": 30}]}"#);
    let (sim, live) = sim_and_live(&sc);
    assert_eq!(live, sim);
}

#[test]
fn a_random_pod_fault_hits_only_running_pods() {
    // At 12 s the only worker is deleted and its replacement not started yet: nothing to hit
    // (live drew among pods not yet started).
    let sc = scenario(
        r#"{"cluster": {"worker_groups": [{"name": "small-group", "replicas": 1}]},
            "faults": [{"kind": "worker_pod_deletion", "at_s": 10},
                       {"kind": "worker_pod_deletion", "at_s": 12}]}"#,
    );
    let (sim, live) = sim_and_live(&sc);
    assert_eq!(sim[1].1, None);
    assert_eq!(live, sim);
}

/// A fault target that both sides can name: pods, nodes, `redis`, `serve-controller`. A replica
/// is `<deployment>#k` in the simulator and its real id live (after the scenario's name when it
/// gave one): only whether one was hit and the name the scenario gave compare.
fn comparable(sc: &Scenario, resolved: Resolved) -> Resolved {
    let faults = ftsim::policy::failures::expand(sc).expect("the faults expand");
    let replica = |i: usize, target: Option<String>| match &faults[i].kind {
        FaultKind::ReplicaCrash { target: named } | FaultKind::ReplicaHealthCheckFailure { target: named, .. } => {
            Some(target.map(|_| named.clone().unwrap_or_else(|| "a replica".into())))
        }
        _ => None,
    };
    resolved
        .into_iter()
        .enumerate()
        .map(|(i, (kind, target, at))| {
            let target = replica(i, target.clone()).unwrap_or(target);
            (kind, target, at)
        })
        .collect()
}

/// `json` with every fault's target left to the draw.
fn untargeted(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("bundled JSON");
    for f in v.get_mut("faults").and_then(|f| f.as_array_mut()).into_iter().flatten() {
        f.as_object_mut().expect("a fault is an object").remove("target");
    }
    v.to_string()
}

#[test]
fn every_bundled_scenario_is_planned_as_it_is_simulated() {
    for (name, json) in ftsim::scenario::bundled::BUNDLED {
        for json in [json.to_string(), untargeted(json)] {
            let sc = ftsim::scenario::parse(&json, name).expect("bundled scenarios are valid").scenario;
            if ftsim::live::check_supported(&sc).is_err() {
                continue; // refused before any plan (a network partition)
            }
            let (sim, live) = sim_and_live(&sc);
            assert_eq!(sim.len(), ftsim::policy::failures::expand(&sc).unwrap().len(), "{name}");
            assert_eq!(comparable(&sc, live), comparable(&sc, sim), "{name}: {json}");
        }
    }
}

#[test]
fn a_zone_outage_and_node_losses_of_one_zone_are_planned_as_they_are_simulated() {
    // One pool (the local cluster has no others): its zone `default` holds every node.
    let sc = scenario(
        r#"{"seed": 2, "duration_s": 7200, "cluster": {"k8s_nodes": 4},
            "faults": [{"kind": "zone_outage", "at_s": 3000, "zone": "default"}],
            "failures": [{"kind": "node_loss", "zone": "default", "ttf": {"kind": "exponential", "mean": 2, "unit": "h"}}]}"#,
    );
    let (sim, live) = sim_and_live(&sc);
    assert!(sim.iter().any(|f| f.0 == "zone_outage" && f.1.as_deref() == Some("default")), "{sim:?}");
    assert_eq!(live, sim);
}
