//! What KubeRay buys: the bundled scenarios run on a cluster started with plain `ray start`
//! (`cluster.manager = "plain"`), each test asserting a difference from the same scenario under
//! KubeRay (docs/model.md, "Clusters without KubeRay"). Nothing recreates a lost node or a
//! stopped Ray, nothing resubmits the Serve application, and worker raylets give up after Ray's
//! own 60 s GCS reconnect timeout; Serve's own repairs are the same under both.

mod common;

use common::{Build, Run};
use serde_json::json;

fn plain(name: &str) -> Build {
    Build::bundled(name).set("cluster.manager", json!("plain"))
}

/// The last level of a run, at the end of its arrival window.
fn final_level(run: &Run, f: impl Fn(&ftsim::metrics::observations::Levels) -> u32) -> u32 {
    f(&run.out.observations.levels.last().expect("levels").1)
}

/// The events log after the start of the run (which names the pods' creator).
fn after_start(run: &Run) -> Vec<&str> {
    run.out.events_log.lines().filter(|l| !l.starts_with("0.000000 ")).collect()
}

/// Every request that arrived in [from, to) seconds failed, and there were some.
fn all_fail(run: &Run, from: f64, to: f64) {
    let n = run.requests_between(from, to);
    assert!(n > 0, "no requests in [{from}, {to})");
    assert_eq!(run.failures_between(from, to), n, "every request in [{from}, {to}) fails");
}

/// A lost worker VM is never replaced: its Ray node never comes back, and the Serve controller
/// moves the lost replicas onto the surviving nodes (they fit: a replica needs no CPU), once
/// the GCS has declared the node dead. Under KubeRay the worker pod is recreated.
#[test]
fn a_lost_worker_node_is_never_replaced_and_serve_moves_its_replicas_to_the_other_nodes() {
    let run = plain("worker-node-loss").run();
    assert!(run.log_times("created by KubeRay").is_empty(), "no pod created by KubeRay");
    assert_eq!(run.log_times("a VM's Ray node (PENDING)"), [0.0; 3], "three Ray nodes, all at the start");
    assert!(run.log_times("LOST -> READY").is_empty(), "no node replaced");
    let dead = run.first("node of pod small-group-2 marked DEAD");
    assert_eq!(dead, 125.0, "the GCS's health checks: 65 s for a black-holed node");
    let moved: Vec<f64> = run.log_times("PENDING_ALLOCATION -> STARTING on").into_iter().filter(|&t| t > 0.0).collect();
    assert_eq!(moved.len(), 2, "both lost replicas rescheduled\n{}", run.out.events_log);
    assert!(moved.iter().all(|&t| t > dead), "after the GCS's verdict: {moved:?}");
    assert!(
        run.out.events_log.contains("STARTING on small-group-1") && run.out.events_log.contains("STARTING on head")
    );
    assert_eq!(final_level(&run, |l| l.replicas_running), 6);
    assert_eq!(final_level(&run, |l| l.pods_ready), 2, "two Ray nodes left for good");

    let kuberay = Build::bundled("worker-node-loss").run();
    assert!(kuberay.first("pod small-group-3: created by KubeRay") > 60.0);
    assert_eq!(final_level(&kuberay, |l| l.pods_ready), 3);
}

/// When the lost replicas do not fit on the surviving nodes (one CPU each, one per worker),
/// they stay pending for good on plain Ray; KubeRay's recreated pod gives them a node again.
#[test]
fn replicas_that_do_not_fit_on_the_surviving_nodes_stay_pending_without_kuberay() {
    let tight = |b: Build| {
        b.set("cluster.head_num_cpus", json!(0))
            .set("serve.num_replicas", json!(2))
            .set("serve.num_cpus_per_replica", json!(1))
            .set("slo.max_downtime_s", json!(1000))
    };
    let run = tight(plain("worker-node-loss")).run();
    assert_eq!(final_level(&run, |l| l.replicas_running), 1, "{}", run.out.events_log);
    assert!(run.metrics.faults[0].recovered_at.is_none(), "never recovered");
    let kuberay = tight(Build::bundled("worker-node-loss")).run();
    assert_eq!(final_level(&kuberay, |l| l.replicas_running), 2);
    assert!(kuberay.metrics.faults[0].recovered_at.is_some());
}

/// Without GCS fault tolerance a head crash on plain Ray is permanent: nothing starts a new
/// head, the workers serve what they have until Ray's 60 s reconnect timeout, then exit, and
/// every request fails from then on. KubeRay starts a new head and resubmits the application.
#[test]
fn a_head_crash_without_gcs_ft_is_a_permanent_outage() {
    let run = plain("head-pod-crash-no-gcs-ft").run();
    let (crash, _, recovered) = run.fault(0);
    assert!(recovered.is_none());
    assert!(run.log_times("head-2").is_empty(), "no new head");
    assert_eq!(run.first("raylet small-group-1: DEAD"), crash + 60.0);
    assert_eq!(run.failures_between(crash, crash + 59.0), 0, "the workers serve until they exit");
    all_fail(&run, crash + 60.0 + 1.0, run.scenario.duration.as_secs_f64());
    let kuberay = Build::bundled("head-pod-crash-no-gcs-ft").run();
    assert!(kuberay.fault(0).2.is_some(), "KubeRay's new head and resubmission recover it");
}

/// With GCS fault tolerance but no one to restart the head, the workers wait Ray's own 60 s
/// (not KubeRay's 600 s) for a GCS, then exit for good. Under KubeRay they reconnect to the
/// new head's GCS and keep running.
#[test]
fn with_gcs_ft_and_no_head_restart_the_workers_exit_after_60_s() {
    let run = plain("head-pod-crash-gcs-ft").run();
    let crash = run.fault(0).0;
    for w in ["small-group-1", "small-group-2"] {
        assert_eq!(run.first(&format!("raylet {w}: DEAD")), crash + 60.0, "{w}");
    }
    assert!(run.log_times("-> UP(").is_empty(), "the GCS never comes back");
    all_fail(&run, crash + 61.0, run.scenario.duration.as_secs_f64());
    let kuberay = Build::bundled("head-pod-crash-gcs-ft").run();
    assert!(kuberay.log_times("raylet small-group-1: DEAD").is_empty(), "workers reconnect under KubeRay");
}

/// A killed `gcs_server` on plain Ray: no `ray start --block` stops the head, so the head's
/// raylet waits for the GCS like the workers and exits after 60 s. Under KubeRay the
/// supervisor stops the head at its next poll and the kubelet restarts the container.
#[test]
fn a_gcs_crash_without_the_block_supervisor_leaves_the_head_raylet_waiting_60_s() {
    let run = plain("gcs-crash-gcs-ft").run();
    let crash = run.fault(0).0;
    assert_eq!(run.first("raylet head: DEAD"), crash + 60.0);
    assert!(run.log_times("CRASH_LOOP_BACKOFF").is_empty(), "nothing restarts the head");
    let kuberay = Build::bundled("gcs-crash-gcs-ft").run();
    assert!(kuberay.first("raylet head: DEAD") < crash + 2.0);
}

/// A worker's Ray processes dying (a container crash under KubeRay) are not restarted: the
/// node stays out of the cluster and its replicas move to the others.
#[test]
fn a_dead_worker_ray_is_not_restarted() {
    let run = plain("worker-container-oom-kill").run();
    assert!(run.log_times("kubelet restarted the container").is_empty());
    assert!(!run.out.events_log.contains("CRASH_LOOP_BACKOFF"));
    let kuberay = Build::bundled("worker-container-oom-kill").run();
    assert!(!kuberay.log_times("kubelet restarted the container").is_empty());
}

/// A controller killed for good stays dead: no RayService resubmits the application.
#[test]
fn a_controller_killed_for_good_is_never_replaced() {
    let run = plain("controller-killed-for-good").run();
    assert!(run.log_times("resubmitting the Serve config").is_empty());
    assert!(run.fault(0).2.is_none());
    let kuberay = Build::bundled("controller-killed-for-good").run();
    assert!(!kuberay.log_times("resubmitting the Serve config").is_empty());
}

/// Serve's own repairs do not need KubeRay: replica replacement, proxy replacement and the
/// controller's actor restart run exactly as under KubeRay (same events, same failures).
#[test]
fn serve_repairs_are_the_same_on_plain_ray() {
    for name in ["replica-crash", "proxy-crash", "controller-crash", "replica-health-check-failure"] {
        let run = plain(name).run();
        let kuberay = Build::bundled(name).run();
        assert_eq!(after_start(&run), after_start(&kuberay), "{name}");
        assert_eq!(run.failures(), kuberay.failures(), "{name}");
    }
}
