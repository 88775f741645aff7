//! Several Serve applications in the simulator (issue 14 §2): each request goes to its
//! application by share, each deployment has its own replicas, placement and routing, and the
//! report gives each application's figures.

mod common;

use common::Build;
use ftsim::metrics::observations::{FailureCause, Outcome};
use serde_json::json;

const NAME: &str = "two-applications";

/// Index of `light` and `heavy` in the bundled scenario's applications.
const LIGHT: u16 = 0;
const HEAVY: u16 = 1;

#[test]
fn the_application_whose_replicas_all_died_fails_while_it_has_none_and_the_other_loses_nothing() {
    let run = Build::bundled(NAME).run();
    let apps = &run.metrics.applications;
    assert_eq!((apps[0].name.as_str(), apps[1].name.as_str()), ("light", "heavy"));
    assert_eq!(apps[HEAVY as usize].failures(), 0, "heavy's replicas migrated before they stopped");
    // Both light replicas run on the only GPU pod: killed at its drain deadline, replaced once
    // the new GPU pod registers.
    let none_from = run.first("replica light#2: actor DEAD while RUNNING (pod deleted)");
    assert_eq!(none_from, run.first("replica light#1: actor DEAD while RUNNING (pod deleted)"));
    let none_until = run.first("replica light#3: STARTING -> RUNNING");
    assert!(none_until > none_from + 10.0, "light has no replica from {none_from} to {none_until}");
    let timeout = 10.0;
    let light_lost = apps[LIGHT as usize].failures();
    assert!(light_lost > 0);
    assert_eq!(apps[LIGHT as usize].failures_by_cause[4], light_lost, "all timeouts");
    // Exactly the light requests that arrived while it had no replica and would have waited
    // longer than the client timeout for the replacement.
    let arrival = |r: &ftsim::metrics::observations::RequestRecord| r.arrival.as_secs_f64();
    for r in &run.out.observations.requests {
        let failed = r.outcome != Outcome::Success;
        let doomed = r.app == LIGHT && arrival(r) >= none_from && arrival(r) + timeout < none_until;
        assert_eq!(failed, doomed, "{r:?}: light had no replica from {none_from} s to {none_until} s");
        if failed {
            assert_eq!(r.outcome, Outcome::Failure(FailureCause::Timeout));
        }
    }
}

#[test]
fn each_application_gets_its_share_of_the_requests_within_a_binomial_interval() {
    for seed in [1, 2, 3] {
        let run =
            Build::bundled(NAME).set("seed", json!(seed)).set("duration_s", json!(1200)).set("faults", json!([])).run();
        let total = run.metrics.requests as f64;
        for app in &run.metrics.applications {
            // 99.9 %: 3.29 standard deviations of Binomial(total, share).
            let sd = (total * app.share * (1.0 - app.share)).sqrt();
            let off = app.requests as f64 - total * app.share;
            assert!(off.abs() <= 3.29 * sd, "seed {seed}: {} got {} of {total} requests", app.name, app.requests);
        }
    }
}

#[test]
fn the_per_application_figures_sum_to_the_totals() {
    let run = Build::bundled(NAME).run();
    let (m, apps) = (&run.metrics, &run.metrics.applications);
    assert_eq!(apps.iter().map(|a| a.requests).sum::<u64>(), m.requests);
    assert_eq!(apps.iter().map(|a| a.successes).sum::<u64>(), m.successes);
    for (i, total) in m.failures_by_cause.iter().enumerate() {
        assert_eq!(apps.iter().map(|a| a.failures_by_cause[i]).sum::<u64>(), *total, "cause {i}");
    }
    let per_app: Vec<u64> =
        (0..2).map(|a| run.out.observations.requests.iter().filter(|r| r.app == a).count() as u64).collect();
    assert_eq!(per_app, apps.iter().map(|a| a.requests).collect::<Vec<_>>());
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another_draw_of_applications() {
    let runs: Vec<_> = [1, 1, 2].iter().map(|&s| Build::bundled(NAME).set("seed", json!(s)).run()).collect();
    assert_eq!(runs[0].out.events_log, runs[1].out.events_log);
    assert_eq!(runs[0].out.observations.requests, runs[1].out.observations.requests);
    let apps = |i: usize| runs[i].out.observations.requests.iter().map(|r| r.app).collect::<Vec<_>>();
    assert_ne!(apps(0), apps(2));
}

#[test]
fn each_deployment_spreads_over_the_pods_in_the_room_the_others_leave() {
    let run = Build::bundled(NAME).set("faults", json!([])).set("duration_s", json!(10)).run();
    let on = |replica: &str| {
        let line = run
            .out
            .events_log
            .lines()
            .find(|l| l.contains(&format!("replica {replica}: PENDING_ALLOCATION -> STARTING on ")));
        let line = line.unwrap_or_else(|| panic!("{replica} placed"));
        line.split(" on ").nth(1).and_then(|s| s.split(' ').next()).unwrap().to_string()
    };
    assert_eq!((on("light#1"), on("light#2")), ("gpu-group-1".to_string(), "gpu-group-1".to_string()));
    let pods = ["head", "cpu-group-1", "cpu-group-2", "gpu-group-1"];
    let heavy: Vec<String> = (1..=6).map(|k| on(&format!("heavy#{k}"))).collect();
    let per_pod: Vec<usize> = pods.iter().map(|p| heavy.iter().filter(|h| h == p).count()).collect();
    // SPREAD counts heavy's own replicas: 6 over 4 pods is 2, 2, 1, 1 in some order; the GPU
    // pod's 4 CPUs hold 2 light replicas, so at most 2 heavy ones.
    assert!(per_pod.iter().max().unwrap() - per_pod.iter().min().unwrap() <= 1, "{per_pod:?}");
    assert!(per_pod[3] <= 2 && per_pod[0] <= 2, "{per_pod:?}");
}

#[test]
fn a_replica_crash_may_name_any_application_s_replica_and_only_its_deployment_replaces_it() {
    let run = Build::bundled(NAME)
        .set("faults", json!([{ "kind": "replica_crash", "at_s": 60, "target": "heavy#2" }]))
        .set("duration_s", json!(120))
        .run();
    assert!(run.first("replica heavy#2: RUNNING -> DEAD") > 60.0);
    assert!(run.first("replica heavy#7: STARTING -> RUNNING") > 60.0, "the replacement is heavy's seventh");
    assert!(run.log_times("replica light#3").is_empty(), "light keeps its replicas");
    assert_eq!(run.metrics.applications[LIGHT as usize].failures(), 0);
}

#[test]
fn the_report_compare_and_html_show_each_application() {
    let dir = tempfile::tempdir().unwrap();
    let ftsim = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ftsim")).args(args).current_dir(dir.path()).output().unwrap()
    };
    ftsim(&["run", NAME, "--out", "a", "-q"]);
    ftsim(&["run", NAME, "--seed", "2", "--out", "b", "-q"]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("a/report.json")).unwrap()).unwrap();
    let apps = report["applications"].as_array().expect("an applications array");
    let names: Vec<&str> = apps.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["light", "heavy"]);
    let sum = |key: &str| apps.iter().map(|a| a[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("requests"), report["summary"]["requests"].as_u64().unwrap());
    assert_eq!(sum("failures"), report["summary"]["failures"].as_u64().unwrap());
    assert_eq!(apps[1]["failures"], 0);
    let html = std::fs::read_to_string(dir.path().join("a/report.html")).unwrap();
    assert!(html.contains("<h2>Applications</h2>") && html.contains("/light"));
    let out = ftsim(&["compare", "a", "b", "--out", "c"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("application light: failed requests") && table.contains("application heavy: downtime [s]"),
        "{table}"
    );
    // A single application's report has no applications array.
    ftsim(&["run", "replica-crash", "--out", "one", "-q"]);
    let one = std::fs::read_to_string(dir.path().join("one/report.json")).unwrap();
    assert!(!one.contains("\"applications\": ["), "only with several applications");
}

/// Each application's `autoscaling` drives its own deployment: the busy one (180 requests/s of
/// 50 ms on one replica, for a target of 1 ongoing request per replica) scales up to its maximum,
/// the calm one (about 1 ongoing request, for a target of 2) keeps its one replica.
#[test]
fn each_application_autoscales_its_own_deployment() {
    let run = Build {
        json: json!({
            "duration_s": 300,
            "cluster": {"k8s_nodes": 4, "worker_groups": [{"name": "g", "replicas": 3, "num_cpus": 8}]},
            "serve": {"applications": [
                {"name": "busy", "route_prefix": "/busy", "share": 0.9,
                 "autoscaling": {"min_replicas": 1, "max_replicas": 8, "target_ongoing_requests": 1}},
                {"name": "calm", "route_prefix": "/calm", "share": 0.1,
                 "autoscaling": {"min_replicas": 1, "max_replicas": 8, "target_ongoing_requests": 2}}]},
            "ingress": {"kind": "service"},
            "traffic": {"rate_per_s": 200, "service_time": {"kind": "exponential", "mean_s": 0.05}}
        }),
    }
    .run();
    assert!(!run.log_times("autoscaler busy: target 1 -> 8 replicas").is_empty(), "{}", run.out.events_log);
    assert!(run.log_times("autoscaler calm: target").is_empty(), "{}", run.out.events_log);
    assert!(!run.log_times("replica busy#2: STARTING -> RUNNING").is_empty(), "{}", run.out.events_log);
    assert!(run.log_times("replica calm#2").is_empty(), "{}", run.out.events_log);
}
