//! KubeRay's in-tree Ray autoscaler (`cluster.autoscaler`, docs/model.md "The Ray autoscaler")
//! on the bundled `cluster-autoscaling-peak`: replicas Serve cannot place make it add worker pods
//! (and nodes), idle pods go after the idle timeout, the groups' bounds hold, and without it
//! nothing changes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Build, Run};
use ftsim::metrics::observations::Outcome;
use serde_json::json;

const NAME: &str = "cluster-autoscaling-peak";

/// The update period (`AUTOSCALER_UPDATE_INTERVAL_S`), node provisioning, pod start and Ray
/// start of the scenario (the defaults).
const UPDATE: f64 = 5.0;
const NODE: f64 = 90.0;
const POD_START: f64 = 5.0;
const RAY_START: f64 = 5.0;

/// When Serve's target first went above the 10 replicas the initial pods hold.
fn pending_since(run: &Run) -> f64 {
    let levels = &run.out.observations.levels;
    levels.iter().find(|(_, l)| l.replicas_target > 10).expect("a target above 10").0.as_secs_f64()
}

/// The most Ray pods the cluster wanted at once.
fn most_pods_desired(run: &Run) -> u32 {
    run.out.observations.levels.iter().map(|(_, l)| l.pods_desired).max().unwrap_or(0)
}

/// The first update after the replicas went pending raises the group; the new pods need a new
/// node (one Ray pod per node, every node taken): their first replica is scheduled a node
/// provisioning, a pod start and a Ray start later, not before.
#[test]
fn pending_replicas_are_placed_after_the_update_a_new_node_and_the_pod_start() {
    let run = Build::bundled(NAME).run();
    let pending = pending_since(&run);
    let scaled = run.first("kuberay autoscaler: small-group replicas 2 -> 4");
    assert!(scaled >= pending && scaled <= pending + UPDATE, "pending at {pending} s, scaled at {scaled} s");
    assert_eq!(scaled % UPDATE, 0.0, "updates every {UPDATE} s from 0");
    assert_eq!(run.first("node node-4: PROVISIONING"), scaled);
    let placed = run.first("PENDING_ALLOCATION -> STARTING on small-group-3");
    assert_eq!(placed, scaled + NODE + POD_START + RAY_START, "{}", run.out.events_log);
}

/// With room for two Ray pods per node the new pods are scheduled at once: placed a pod start
/// and a Ray start after the update, and no node is added.
#[test]
fn with_room_on_the_nodes_pending_replicas_wait_only_for_the_update_and_the_pod_start() {
    let run = Build::bundled(NAME).set("cluster.ray_pods_per_node", json!(2)).run();
    let scaled = run.first("kuberay autoscaler: small-group replicas 2 -> 4");
    assert!(scaled <= pending_since(&run) + UPDATE);
    assert_eq!(run.first("PENDING_ALLOCATION -> STARTING on small-group-3"), scaled + POD_START + RAY_START);
    assert!(!run.out.events_log.contains("PROVISIONING"), "{}", run.out.events_log);
}

/// A pod that hosts no replica is deleted at the first update at least `idle_timeout_s` after
/// the first update that found it idle, and KubeRay does not replace it.
#[test]
fn an_idle_pod_is_removed_after_the_idle_timeout_and_not_before() {
    for timeout in [60.0, 100.0] {
        let run = Build::bundled(NAME).set("cluster.autoscaler.idle_timeout_s", json!(timeout)).run();
        let deleted = run.first("workersToDelete [small-group-5]");
        let emptied =
            run.log_times("on small-group-5 (stopped)").into_iter().filter(|&t| t < deleted).fold(0.0, f64::max);
        let found_idle = (emptied / UPDATE).floor() * UPDATE + UPDATE;
        assert_eq!(deleted, found_idle + timeout, "emptied at {emptied} s, timeout {timeout} s");
        assert!(run.log_times("small-group-6: created").is_empty(), "not replaced");
    }
}

/// The autoscaler never takes a group past `max_replicas`, and never below `min_replicas`.
#[test]
fn the_groups_bounds_hold() {
    let run = Build::bundled(NAME).set("cluster.worker_groups.0.max_replicas", json!(3)).run();
    assert_eq!(most_pods_desired(&run), 1 + 3);
    assert!(run.first("kuberay autoscaler: small-group replicas 2 -> 3") > 0.0);
    let levels = &run.out.observations.levels;
    assert!(levels.iter().all(|(_, l)| l.pods_desired > 2), "min_replicas 2 (and the head)");
    // The replicas that fit nowhere stay pending: fewer run than Serve's target of 16.
    assert!(run.min_level(600.0, 700.0, |l| l.replicas_running) < 16);
}

/// A worker pod deleted at the peak is recreated by KubeRay at the group's current size (4).
#[test]
fn a_pod_deleted_at_the_peak_is_recreated_at_the_groups_current_size() {
    let run = Build::bundled(NAME).run();
    assert!(run.first("pod small-group-5: created by KubeRay") > 560.0);
    let desired = run.out.observations.levels.iter().rev().find(|(t, _)| t.as_secs_f64() <= 600.0);
    assert_eq!(desired.map(|(_, l)| l.pods_desired), Some(1 + 4));
}

/// Behind a load balancer whose backends name the worker group (every group by default), the
/// pods the autoscaler adds become backends (as a GCP network endpoint group or an AWS target
/// group gains a new pod of the selected set): out of rotation until they pass their probes
/// (GCP's defaults: 5 s apart, 2 passes), then they take their share of the traffic. A pod
/// named alone (here only the head and the initial pods) brings no new backend.
#[test]
fn behind_a_load_balancer_the_pods_it_adds_become_backends_of_their_group() {
    let lb = json!({"kind": "load_balancer"});
    let run = Build::bundled(NAME).set("ingress", lb).run();
    let joined =
        run.first("lb-backend small-group-3: joins (a new pod of small-group; UNHEALTHY until its probes pass)");
    assert_eq!(joined, run.first("pod small-group-3: created by KubeRay"));
    let healthy = run.first("lb-backend small-group-3: UNHEALTHY -> HEALTHY");
    assert!(healthy > run.first("proxy proxy@small-group-3: STARTING -> HEALTHY"), "{}", run.out.events_log);
    let obs = &run.out.observations;
    let id = obs.entry_points.iter().position(|e| e == "small-group-3").expect("the new pod is an entry point");
    let through: Vec<_> = obs.requests.iter().filter(|r| r.entry.is_some_and(|e| e.0 as usize == id)).collect();
    assert!(through.len() > 100, "{} requests through the new backend", through.len());
    assert!(through.iter().all(|r| r.arrival.as_secs_f64() >= healthy), "routed to it before it was healthy");
    let failed = through.iter().filter(|r| r.outcome != Outcome::Success).count();
    assert_eq!(failed, 0, "a backend in rotation only once it serves");
    let pinned = json!({"kind": "load_balancer", "backends": ["head", "small-group-1", "small-group-2"]});
    let run = Build::bundled(NAME).set("ingress", pinned).run();
    assert!(run.out.events_log.contains("pod small-group-3: created by KubeRay"));
    assert!(!run.out.events_log.contains("lb-backend small-group-3"), "{}", run.out.events_log);
    assert!(run.out.observations.entry_points.iter().all(|e| e != "small-group-3"));
}

/// Disabled, the autoscaler schedules no event and logs nothing: the run is the run without
/// `cluster.autoscaler`, the replicas beyond the initial pods' room stay pending.
#[test]
fn disabled_it_changes_nothing() {
    let off = Build::bundled(NAME).set("cluster.autoscaler.enabled", json!(false)).run();
    let mut absent = Build::bundled(NAME);
    absent.json["cluster"].as_object_mut().unwrap().remove("autoscaler");
    let absent = absent.run();
    assert_eq!(off.out.events_processed, absent.out.events_processed);
    assert_eq!(off.out.events_log, absent.out.events_log);
    assert!(!off.out.events_log.contains("kuberay autoscaler"));
    assert_eq!(most_pods_desired(&off), 1 + 2);
    // Without the autoscaler the run has fewer events than with it.
    assert!(Build::bundled(NAME).run().out.events_processed > off.out.events_processed);
}

/// `ftsim validate` on `json`: exit code and stderr.
fn validate(dir: &Path, json: &str) -> (Option<i32>, String) {
    std::fs::write(dir.join("s.json"), json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ftsim")).args(["validate", "s.json"]).current_dir(dir).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_bounds_and_settings_exit_2_naming_their_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"cluster": {"worker_groups": [{"name": "w", "replicas": 5, "min_replicas": 1, "max_replicas": 4}]}}"#,
            "$.cluster.worker_groups[0].replicas: expected from min_replicas (1) to max_replicas (4), found 5",
        ),
        (
            r#"{"cluster": {"worker_groups": [{"name": "w", "replicas": 1, "min_replicas": 2, "max_replicas": 1}]}}"#,
            "$.cluster.worker_groups[0].max_replicas: expected at least min_replicas (2), found 1",
        ),
        (
            r#"{"cluster": {"autoscaler": {"enabled": true}}}"#,
            "$.cluster.autoscaler.enabled: the autoscaler can change no worker group",
        ),
        (
            r#"{"cluster": {"node_pools": [{"name": "p", "nodes": 3, "max_nodes": 2}]}}"#,
            "$.cluster.node_pools[0].max_nodes: expected at least the pool's nodes (3), found 2",
        ),
        (
            r#"{"cluster": {"autoscaler": {"enabled": true, "upscaling_mode": "Fast"}}}"#,
            "$.cluster.autoscaler.upscaling_mode: unknown variant `Fast`",
        ),
        (
            r#"{"cluster": {"manager": "plain", "worker_groups": [{"name": "w", "replicas": 1, "max_replicas": 2}],
                "autoscaler": {"enabled": true}}, "ingress": {"kind": "pinned"}}"#,
            "$.cluster.autoscaler.enabled: cluster.manager is plain",
        ),
    ];
    for (json, expected) in cases {
        let (code, stderr) = validate(dir.path(), json);
        assert_eq!(code, Some(2), "{json}: {stderr}");
        assert!(stderr.starts_with("ftsim: ") && stderr.contains(expected), "{json}: {stderr}");
    }
}

/// Live mode has no KubeRay to add pods: it refuses the autoscaler with exit 2.
#[test]
fn live_mode_refuses_the_autoscaler_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ftsim"))
        .args(["live", NAME, "--dry-run"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cluster.autoscaler: the local cluster has a fixed set of Ray nodes"), "{stderr}");
}

/// A RayCluster with KubeRay's autoscaler, `upscalingMode` `mode`.
fn raycluster(mode: &str) -> String {
    format!(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: auto\nspec:\n  enableInTreeAutoscaling: true\n  \
         autoscalerOptions:\n    idleTimeoutSeconds: 120\n    upscalingMode: {mode}\n  headGroupSpec:\n    \
         rayStartParams:\n      num-cpus: \"2\"\n  workerGroupSpecs:\n    - groupName: w\n      replicas: 1\n      \
         minReplicas: 1\n      maxReplicas: 3\n      rayStartParams:\n        num-cpus: \"4\"\n"
    )
}

/// `ftsim import` maps KubeRay's autoscaler and the groups' bounds; a bad `upscalingMode` is an
/// exit 2 at its line and column.
#[test]
fn import_maps_the_autoscaler_and_refuses_an_unknown_upscaling_mode() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), raycluster("Conservative")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ftsim"))
        .args(["import", "c.yaml", "--out", "s.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("autoscal") && !stderr.contains("Replicas"), "{stderr}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let c = &s["cluster"];
    assert_eq!(c["autoscaler"], json!({"enabled": true, "idle_timeout_s": 120, "upscaling_mode": "Conservative"}));
    assert_eq!(
        (&c["worker_groups"][0]["min_replicas"], &c["worker_groups"][0]["max_replicas"]),
        (&json!(1), &json!(3))
    );
    std::fs::write(dir.path().join("c.yaml"), raycluster("Fast")).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_ftsim")).args(["import", "c.yaml"]).current_dir(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "c.yaml:9:20: $.spec.autoscalerOptions.upscalingMode: expected Conservative, Default or Aggressive"
        ),
        "{stderr}"
    );
}
