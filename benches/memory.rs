//! `cargo bench --bench memory`: peak resident memory of `ftsim run` (the release binary, one
//! child process per row, measured by `wait4`'s `ru_maxrss`) for runs of 0.2 M, 2 M and 20 M
//! requests, for requests that hang until the end of the run, and for a crash loop that writes a
//! large events.log, and for counted traffic: 30 days and 1 year at 1,000 requests/s, and 10,000
//! replicas for a day. `ftsim run` keeps only the open requests and streams events.log and the
//! metrics, so the peak should not grow with the run's length (target: under 200 MB for 20 M
//! requests). Figures are printed, never asserted.

use std::time::Instant;

use child::run_child;

mod child;

/// One measured run.
struct Row {
    name: &'static str,
    scenario: serde_json::Value,
}

/// Traffic at 1,000 requests/s for `secs` seconds on the working example's cluster, with a
/// worker pod deleted early on (so that there are failures, episodes and a fault to cost).
fn traffic(name: &'static str, secs: u64) -> Row {
    Row {
        name,
        scenario: serde_json::json!({
            "duration_s": secs,
            "traffic": {"rate_per_s": 1000, "client_timeout_s": 10},
            "faults": [{"kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2"}]
        }),
    }
}

/// `replicas` replicas on `pods` Ray pods (one per Kubernetes node) at 1,000 requests/s for
/// `secs` seconds, a worker pod deleted early on; long enough for `auto` to count the traffic.
fn large_cluster(name: &'static str, pods: u32, replicas: u32, secs: u64) -> Row {
    Row {
        name,
        scenario: serde_json::json!({
            "duration_s": secs,
            "cluster": {"k8s_nodes": pods, "ray_pods_per_node": 1, "worker_groups": [{"name": "w", "replicas": pods - 1}]},
            "serve": {"num_replicas": replicas},
            "traffic": {"rate_per_s": 1000, "client_timeout_s": 10},
            "faults": [{"kind": "worker_pod_deletion", "at_s": 60, "target": "w-2"}]
        }),
    }
}

/// A black-holed worker node behind a Service with no client timeout, 1,000 requests/s for
/// `secs` seconds: the requests balanced to its pod hang until the end of the run.
fn hanging(name: &'static str, secs: u64) -> Row {
    Row {
        name,
        scenario: serde_json::json!({
            "duration_s": secs,
            "ingress": {"kind": "service"},
            "traffic": {"rate_per_s": 1000},
            "faults": [{"kind": "node_loss", "at_s": 30, "target": "node-2", "network": "unreachable"}]
        }),
    }
}

/// The head crash-looping once a second (the shortest back-off validation allows) through a
/// Redis outage that lasts the whole run: events.log grows by about 6 lines a second.
fn crash_loop(name: &'static str, secs: u64) -> Row {
    Row {
        name,
        scenario: serde_json::json!({
            "duration_s": secs,
            "traffic": {"rate_per_s": 1},
            "timings": {
                "gcs_redis_connect_window_s": 0.000001,
                "kubelet_restart_backoff_s": 1,
                "kubelet_restart_backoff_max_s": 1,
                "head_ray_start_s": 0
            },
            "faults": [{"kind": "redis_outage", "at_s": 10, "duration_s": secs - 20}]
        }),
    }
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let rows = [
        traffic("0.2M requests", 200),
        traffic("2M requests", 2_000),
        traffic("20M requests", 20_000),
        hanging("2M, hanging to the end", 2_000),
        crash_loop("crash loop, 2 days", 172_800),
        traffic("30 days, counted", 30 * 86_400),
        traffic("1 year, counted", 365 * 86_400),
        large_cluster("10k replicas, 1 day, counted", 1_000, 10_000, 86_400),
    ];
    let dir = tempfile::tempdir().expect("temporary directory");
    println!("ftsim {} peak memory of `ftsim run` (release build, one process per row)", env!("CARGO_PKG_VERSION"));
    println!(
        "  {:<30} {:>12} {:>11} {:>14} {:>9} {:>13}",
        "run", "requests", "traffic", "events.log", "wall", "peak RSS"
    );
    for row in rows.iter().filter(|r| filter.as_deref().is_none_or(|f| r.name.contains(f))) {
        let file = dir.path().join("scenario.json");
        std::fs::write(&file, row.scenario.to_string()).expect("write scenario");
        let out = dir.path().join("run");
        let start = Instant::now();
        let (code, peak_kib) = run_child(&file, &out);
        let wall = start.elapsed().as_secs_f64();
        assert!(code == 0 || code == 1, "{}: ftsim exited with {code}", row.name);
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("JSON");
        let log_bytes = std::fs::metadata(out.join("events.log")).expect("events.log").len();
        println!(
            "  {:<30} {:>12} {:>11} {:>11.3} MB {:>7.1} s {:>10.1} MB",
            row.name,
            report["summary"]["requests"].as_u64().unwrap_or_default(),
            report["traffic_mode"]["ran"].as_str().unwrap_or("-"),
            log_bytes as f64 / 1e6,
            wall,
            peak_kib as f64 / 1024.0
        );
    }
}
