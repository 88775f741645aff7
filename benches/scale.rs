//! `cargo bench --bench scale`: the scale figures of issue 12 §6, printed, never asserted.
//!
//! 1. How the cost of a run grows with the cluster and the simulated time: 10, 100 and 1,000
//!    nodes (10 replicas a node, 1,000 requests/s, node, worker pod, head and Redis failure
//!    processes) for 1 hour, 1 day and 7 days (7 days only where the measured day projects it
//!    under a minute), each `ftsim run` of the release binary a child process (wall time, peak
//!    RSS), with the year projected from the longest measured run's cost per simulated day.
//! 2. Monte Carlo: 30-day replications of the guide's working example with a node failure
//!    process through `study::run::run_replications`, 20 and 100 on 2 threads, 20 on 1 thread
//!    (the parallel speed-up), and 1,000 when the measured cost puts them under 3 minutes.
//!
//! `cargo bench --bench scale -- WORD` runs only the rows whose name holds WORD ("nodes",
//! "replications").

use std::time::Instant;

use child::run_child;
use ftsim::scenario::Scenario;

mod child;

const DAY_S: u64 = 86_400;
/// A row of the first section runs 3 times (the median reported) when one run takes under this
/// many seconds, once otherwise.
const REPEAT_UNDER_S: f64 = 5.0;
/// The 7-day row runs only when the 1-day row projects it under this many seconds.
const WEEK_BUDGET_S: f64 = 60.0;
/// 1,000 replications run only when the measured cost projects them under this many seconds.
const THOUSAND_BUDGET_S: f64 = 180.0;

/// The failure processes of the first section: per-instance exponential times to failure (node
/// 30 days, worker pod 14 days, head 90 days, Redis 60 days with a 2-minute repair).
fn failure_processes() -> serde_json::Value {
    serde_json::json!([
        {"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 30, "unit": "d"}},
        {"kind": "worker_pod_deletion", "ttf": {"kind": "exponential", "mean": 14, "unit": "d"}},
        {"kind": "head_pod_crash", "ttf": {"kind": "exponential", "mean": 90, "unit": "d"}},
        {"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 60, "unit": "d"},
         "ttr": {"kind": "exponential", "mean": 2, "unit": "min"}}
    ])
}

/// `nodes` Kubernetes nodes, one Ray pod each (the head and `nodes - 1` workers), 10 replicas a
/// node, 1,000 requests/s for `secs` seconds through a Service, with [`failure_processes`]. (The
/// default ingress pins one pod, a port-forward: once its pod is lost every later request fails,
/// and failing requests are simulated one by one, not counted.)
fn cluster(nodes: u32, secs: u64) -> serde_json::Value {
    serde_json::json!({
        "duration_s": secs,
        "cluster": {"k8s_nodes": nodes, "ray_pods_per_node": 1, "worker_groups": [{"name": "w", "replicas": nodes - 1}]},
        "serve": {"num_replicas": nodes * 10},
        "ingress": {"kind": "service"},
        "traffic": {"rate_per_s": 1000, "client_timeout_s": 10},
        "failures": failure_processes()
    })
}

/// One `ftsim run` of a scenario: wall time, peak RSS and the report's figures.
struct Measured {
    wall_s: f64,
    peak_mib: f64,
    events: u64,
    requests: u64,
    faults: usize,
    mode: String,
}

/// Runs `scenario` in a child `ftsim run` and reads its report.
fn measure(scenario: &serde_json::Value, dir: &std::path::Path) -> Measured {
    let file = dir.join("scenario.json");
    std::fs::write(&file, scenario.to_string()).expect("write scenario");
    let out = dir.join("run");
    let start = Instant::now();
    let (code, peak_kib) = run_child(&file, &out);
    let wall_s = start.elapsed().as_secs_f64();
    assert!(code == 0 || code == 1, "ftsim exited with {code}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("JSON");
    Measured {
        wall_s,
        peak_mib: peak_kib as f64 / 1024.0,
        events: report["events_processed"].as_u64().unwrap_or_default(),
        requests: report["summary"]["requests"].as_u64().unwrap_or_default(),
        faults: report["faults"].as_array().map_or(0, Vec::len),
        mode: report["traffic_mode"]["ran"].as_str().unwrap_or("-").to_string(),
    }
}

/// Runs `scenario` once, or 3 times when a run takes under [`REPEAT_UNDER_S`]; returns the run
/// of median wall time (the figures other than time and memory are the same every run: same
/// seed) and the repetition count.
fn measure_median(scenario: &serde_json::Value, dir: &std::path::Path) -> (Measured, usize) {
    let first = measure(scenario, dir);
    if first.wall_s >= REPEAT_UNDER_S {
        return (first, 1);
    }
    let mut runs = vec![first, measure(scenario, dir), measure(scenario, dir)];
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    (runs.swap_remove(1), 3)
}

/// Section 1: one row per cluster size and duration, then the projected year.
fn cluster_rows(wanted: &dyn Fn(&str) -> bool) {
    println!(
        "cost growth: 10 replicas a node, 1,000 req/s, node/pod/head/Redis failure processes (one process per run)"
    );
    println!(
        "  {:<24} {:>4} {:>9} {:>13} {:>14} {:>7} {:>9} {:>10} {:>18}",
        "run", "reps", "wall s", "events", "requests", "faults", "traffic", "peak RSS", "year (projected)"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    for nodes in [10u32, 100, 1_000] {
        let mut per_day_s: Option<f64> = None;
        for (label, days) in [("1 hour", 0), ("1 day", 1), ("7 days", 7)] {
            let name = format!("{nodes} nodes, {label}");
            if !wanted(&name) {
                continue;
            }
            let secs = if days == 0 { 3_600 } else { days * DAY_S };
            if days == 7 && per_day_s.is_none_or(|d| d * 7.0 > WEEK_BUDGET_S) {
                let why = per_day_s.map_or("no 1-day row".to_string(), |d| format!("projected {:.0} s", d * 7.0));
                println!("  {name:<24} skipped ({why}, over {WEEK_BUDGET_S:.0} s)");
                continue;
            }
            let (m, reps) = measure_median(&cluster(nodes, secs), dir.path());
            let day_cost = m.wall_s * DAY_S as f64 / secs as f64;
            if days > 0 {
                per_day_s = Some(day_cost);
            }
            println!(
                "  {name:<24} {reps:>4} {:>9.2} {:>13} {:>14} {:>7} {:>9} {:>7.1} MB {:>16.0} s",
                m.wall_s,
                m.events,
                m.requests,
                m.faults,
                m.mode,
                m.peak_mib,
                day_cost * 365.0
            );
        }
    }
    println!("  (year projected = 365 x the row's wall time per simulated day; not run)");
    println!();
}

/// The working example (scenarios/working-example.json) for 30 days at its own traffic and
/// scripted faults, reached through a Service, with each of its 3 nodes failing after an
/// exponential time of mean 72 h (as week-of-node-failures).
fn month_of_working_example() -> Scenario {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../scenarios/working-example.json")).expect("working example is JSON");
    json["name"] = "month-of-working-example".into();
    json["duration_s"] = (30 * DAY_S).into();
    json["ingress"] = serde_json::json!({"kind": "service"});
    json["failures"] = serde_json::json!([
        {"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 72, "unit": "h"}}
    ]);
    ftsim::scenario::parse(&json.to_string(), "month").expect("bench scenario is valid").scenario
}

/// Times `runs` replications on `threads` threads; returns the wall seconds and the requests
/// of all replications.
fn time_replications(scenario: &Scenario, runs: u64, threads: usize) -> (f64, u64) {
    let indices: Vec<u64> = (0..runs).collect();
    let start = Instant::now();
    let reps = ftsim::study::run::run_replications(scenario, &indices, threads, &|_| {}).expect("replications run");
    (start.elapsed().as_secs_f64(), reps.iter().map(|r| r.requests).sum())
}

/// Section 2: replications of a month of the working example, 1 and 2 threads.
fn replication_rows(wanted: &dyn Fn(&str) -> bool) {
    if !wanted("replications") {
        return;
    }
    let scenario = month_of_working_example();
    println!(
        "Monte Carlo: 30 days of the working example (20 req/s, Service ingress, scripted faults, node_loss mean 72 h per node)"
    );
    println!(
        "  {:<28} {:>9} {:>16} {:>16} {:>14}",
        "replications", "wall s", "s/replication", "requests", "vs 1 thread"
    );
    let (one_s, one_req) = time_replications(&scenario, 20, 1);
    println!("  {:<28} {one_s:>9.2} {:>16.3} {one_req:>16} {:>14}", "20 on 1 thread", one_s / 20.0, "1.00x");
    let (two_s, two_req) = time_replications(&scenario, 20, 2);
    println!("  {:<28} {two_s:>9.2} {:>16.3} {two_req:>16} {:>13.2}x", "20 on 2 threads", two_s / 20.0, one_s / two_s);
    let (hundred_s, hundred_req) = time_replications(&scenario, 100, 2);
    let per_rep = hundred_s / 100.0;
    println!("  {:<28} {hundred_s:>9.2} {per_rep:>16.3} {hundred_req:>16} {:>14}", "100 on 2 threads", "-");
    if per_rep * 1_000.0 <= THOUSAND_BUDGET_S {
        let (s, req) = time_replications(&scenario, 1_000, 2);
        println!("  {:<28} {s:>9.2} {:>16.3} {req:>16} {:>14}", "1000 on 2 threads", s / 1_000.0, "-");
    } else {
        println!(
            "  {:<28} {:>9.0} (projected from the 100-run cost, over {THOUSAND_BUDGET_S:.0} s: not run)",
            "1000 on 2 threads",
            per_rep * 1_000.0
        );
    }
    println!();
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    println!("ftsim {} scale (release build; wall times on a shared machine, noisy)", env!("CARGO_PKG_VERSION"));
    println!();
    cluster_rows(&wanted);
    replication_rows(&wanted);
}
