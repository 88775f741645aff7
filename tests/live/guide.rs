//! The guide's failures on the working example's cluster: a replica and the controller, the
//! controller killed for good, the head pod, the GCS process and a worker container.

use super::common;
use super::harness::*;
use serde_json::json;

/// Guide: the controller replaces a crashed replica; only requests it was serving fail. Then
/// (ray-defaults §5) a controller crash fails no request; Ray restarts it. Both faults share one
/// cluster start, the controller's crash 35 s after the replica's (replaced in 23 s simulated).
#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn replica_crash_costs_at_most_in_flight_requests_and_a_controller_crash_none() {
    let edit = |b: common::Build| {
        let faults = json!([
            {"kind": "replica_crash", "at_s": 10, "target": "SleepyPid#3"},
            {"kind": "controller_crash", "at_s": 45}
        ]);
        b.set("duration_s", json!(70)).set("faults", faults)
    };
    live_checked("replica-crash", 20000, edit, |r| {
        ensure!(summary(r, "failures") <= 5.0, "{}", r.report["summary"]);
        ensure!(summary(r, "success_ratio") >= 0.99, "{}", r.report["summary"]);
        let detect = fault(r, 0, "time_to_detect_s").ok_or("the controller never noticed the crash")?;
        ensure!(detect <= 20.0, "detected after {detect} s");
        let recover = fault(r, 0, "time_to_recover_s").ok_or("the replica was not replaced within the run")?;
        ensure!(recover <= 42.0, "recovered after {recover} s");
        let (sent, failed) = requests_between(r, 45.0, 70.0);
        ensure!(sent > 300 && failed == 0, "{failed} of {sent} requests failed after the controller crash");
        let back = fault(r, 1, "time_to_recover_s").ok_or("the controller did not come back")?;
        ensure!(back <= 20.0, "the controller recovered after {back} s");
        Ok(())
    });
}

/// Guide: the controller killed with `ray.kill(..., no_restart=True)`; queries still answer
/// while it is down, and a new controller comes up (here RayService's part: live mode submits
/// the config again at the next reconcile tick, as KubeRay does on finding no application),
/// which replaces the replicas that crash afterwards. Source (ray-defaults §5b): the old
/// proxies' long polls died with the old controller, so they never hear of the replacements;
/// once the three original replicas are gone (three untargeted crashes 1 s apart, before any
/// replacement runs) every request through the pinned proxy times out, replacements running or
/// not. The simulation gives the same 1,295 failures of 2,104 requests at seed 1 (measured
/// 2026-11-29).
#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn controller_killed_for_good_is_replaced_through_rayservice_but_old_proxies_stay_deaf() {
    let edit = |b: common::Build| {
        let crash = |at: u32| json!({"kind": "replica_crash", "at_s": at});
        let faults =
            json!([{"kind": "controller_crash", "at_s": 20, "restart": false}, crash(40), crash(41), crash(42)]);
        b.set("duration_s", json!(110)).set("traffic.client_timeout_s", json!(2)).set("faults", faults)
    };
    live_checked("controller-killed-for-good", 23000, edit, |r| {
        ensure!(r.events.contains("no Serve application found (no controller)"), "RayService's part did not act");
        let faults = r.report["faults"].as_array().ok_or("no faults in the report")?;
        ensure!(faults[0]["time_to_recover_s"].as_f64().is_some(), "no new controller answered");
        let replaced = faults[1..].iter().filter_map(|f| f["time_to_recover_s"].as_f64()).fold(0.0, f64::max);
        ensure!(faults[1..].iter().all(|f| f["time_to_recover_s"].is_number()), "a replica was not replaced");
        let (sent, failed_before) = requests_between(r, 0.0, 40.0);
        ensure!(sent > 600 && failed_before <= 3, "more than in-flight requests failed: {failed_before} of {sent}");
        let from = (42.0 + replaced).ceil();
        let (sent_after, failed_after) = requests_between(r, from, 108.0);
        ensure!(
            sent_after > 500 && failed_after == sent_after,
            "the old proxy answered {} of {sent_after} requests from {from} s, with the replacements running",
            sent_after - failed_after
        );
        Ok(())
    });
}

/// Guide: with GCS fault tolerance, "Serve applications can still handle traffic via worker
/// nodes" while the head recovers; traffic pinned to a worker is almost untouched. The cluster
/// is back at its target 30 s after the crash simulated; the run gives it 73 s.
#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn head_crash_with_gcs_ft_leaves_worker_traffic_flowing() {
    let edit = |b: common::Build| b.set("duration_s", json!(85)).set("faults.0.at_s", json!(12));
    live_checked("head-pod-crash-gcs-ft", 20000, edit, |r| {
        ensure!(summary(r, "success_ratio") >= 0.98, "{}", r.report["summary"]);
        ensure!(r.events.contains("gcs gcs: port open no"), "the GCS never went down");
        ensure!(fault(r, 0, "time_to_recover_s").is_some(), "the cluster was not back at its target");
        Ok(())
    });
}

/// ray-defaults §9 and Ray 2.60's `ray start --block`: the head's `gcs_server` alone is
/// SIGKILLed at 10 s; `ray start --block` sees it dead at its next 1 s poll and exits 1 (the head
/// container restarts in place, no new head pod); with GCS fault tolerance the worker raylets
/// wait for it and traffic pinned to a worker keeps flowing. Then, in the same cluster start, the
/// other worker's Ray container is OOM-killed at 35 s (SIGKILL of its whole tree, the pod not
/// deleted): the kubelet's part restarts it in place at once, same pod name; traffic pinned to
/// the first worker keeps flowing.
#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn gcs_crash_and_an_oom_killed_worker_container_restart_in_place_and_leave_worker_traffic_flowing() {
    let edit = |b: common::Build| {
        let oom = json!({"kind": "container_crash", "at_s": 35, "target": "small-group-2", "reason": "oom_killed"});
        b.set("duration_s", json!(60)).set("faults", json!([{"kind": "gcs_crash", "at_s": 10}, oom]))
    };
    live_checked("gcs-crash-gcs-ft", 24000, edit, |r| {
        let ratio = |from, to| requests_between(r, from, to).1 as f64 / requests_between(r, from, to).0.max(1) as f64;
        ensure!(ratio(0.0, 35.0) <= 0.02 && ratio(35.0, 60.0) <= 0.02, "{}", r.report["summary"]);
        ensure!(r.events.contains("gcs gcs: port open no"), "the GCS never went down");
        let exited = r
            .events
            .lines()
            .find(|l| l.contains("pod head: RUNNING -> CRASH_LOOP_BACKOFF (Ray exited"))
            .ok_or("ray start --block did not exit")?;
        let at: f64 = exited.split_whitespace().next().and_then(|t| t.parse().ok()).ok_or("no time")?;
        ensure!((10.0..=13.0).contains(&at), "ray start --block exited at {at} s");
        ensure!(!r.events.contains("head-2"), "KubeRay's part created a head pod");
        let oom = "pod small-group-2: RUNNING -> CRASH_LOOP_BACKOFF (Ray container OOMKilled, exit code 137";
        ensure!(r.events.contains(oom), "the container was not seen OOM-killed");
        ensure!(r.events.contains(r#"StartWorker { pod: "small-group-2" } done"#), "not restarted in place");
        ensure!(!r.events.contains("small-group-3"), "KubeRay's part created a pod");
        Ok(())
    });
}
