//! `cargo bench`: prints the engine's event rate on a hold model beside SimPy's (module `hold`), the cost per request as the
//! cluster grows (and as its replicas split into two applications), an overloaded run, head crashes on a large cluster without GCS fault tolerance,
//! and the wall time of every bundled scenario. Plain harness: each figure is the median of
//! several repetitions, so a noisy shared machine skews it less; figures are printed, never
//! asserted. `cargo bench -- WORD` runs only the rows whose name contains WORD.

use std::hint::black_box;
use std::time::Instant;

use ftsim::scenario::Scenario;

mod hold;

/// The median of `values` (the upper one of an even count); `values` must not be empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Median of `reps` timings of `f`, in seconds.
fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// One timed simulation (run + metrics): median wall seconds, events and requests.
fn time_scenario(sc: &Scenario, reps: usize) -> (f64, u64, u64) {
    let mut events = 0;
    let mut requests = 0;
    let secs = median_secs(reps, || {
        let out = ftsim::sim::run(sc).expect("runs");
        let m = ftsim::metrics::Metrics::compute(sc, &out.observations);
        events = out.events_processed;
        requests = m.requests;
        black_box(m);
    });
    (secs, events, requests)
}

fn parse(json: &str, name: &str) -> Scenario {
    ftsim::scenario::parse(json, name).expect("benchmark scenario is valid").scenario
}

/// A cluster of `pods` Ray pods (the head and `pods - 1` workers, one per Kubernetes node)
/// running `replicas` replicas, with `extra` appended to the scenario object.
fn cluster_json(pods: u32, replicas: u32, extra: &str) -> String {
    format!(
        r#"{{"cluster": {{"k8s_nodes": {pods}, "ray_pods_per_node": 1, "worker_groups": [{{"name": "w", "replicas": {}}}]}},
            "serve": {{"num_replicas": {replicas}}}, {extra}}}"#,
        pods - 1
    )
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    println!("ftsim {} benchmarks (median of repetitions; release build)", env!("CARGO_PKG_VERSION"));
    println!();
    if wanted("engine hold") {
        hold::rows();
    }

    println!("cost per request as the cluster grows: 2 M requests (2,000 req/s for 1,000 s), no fault");
    println!("  {:<38} {:>10} {:>12} {:>12} {:>10}", "row", "wall ms", "requests", "ns/request", "vs 3 pods");
    let mut base_ns: Option<f64> = None;
    // `base`: the 3-pod row the others are compared with.
    let mut scaling_row = |name: &str, json: String, base: bool| {
        let (secs, _, requests) = time_scenario(&parse(&json, "scaling"), 3);
        let ns = secs * 1e9 / requests as f64;
        let ratio = base_ns.map_or("-".to_string(), |b| format!("{:.2}x", ns / b));
        if base {
            base_ns = Some(ns);
        }
        println!("  {name:<38} {:>10.0} {requests:>12} {ns:>12.0} {ratio:>10}", secs * 1e3);
    };
    let traffic = r#""duration_s": 1000, "traffic": {"rate_per_s": 2000}"#;
    for (pods, replicas) in [(3u32, 6u32), (100, 1_000), (1_000, 10_000)] {
        let name = format!("scaling {pods} pods / {replicas} replicas");
        if wanted(&name) {
            scaling_row(&name, cluster_json(pods, replicas, traffic), pods == 3);
        }
    }
    // The same 3 pods and 6 replicas as two applications of 3 (shares 0.3 and 0.7): the cost of
    // drawing each request's application and routing per deployment.
    let name = "scaling 3 pods / 2 apps x 3 replicas";
    if wanted(name) {
        let apps = r#"{"applications": [{"name": "a", "route_prefix": "/a", "share": 0.3, "num_replicas": 3},
                                        {"name": "b", "route_prefix": "/b", "share": 0.7, "num_replicas": 3}]}"#;
        scaling_row(name, cluster_json(3, 6, traffic).replacen(r#"{"num_replicas": 6}"#, apps, 1), false);
    }
    println!();

    println!("overload and large-cluster faults");
    println!("  {:<38} {:>10} {:>10} {:>12}", "row", "wall ms", "events", "requests");
    let rows = [
        ("overload 200000 req/s for 1 s", r#"{"duration_s": 1, "traffic": {"rate_per_s": 200000}}"#.to_string()),
        (
            "1000 pods no GCS FT, 4 head crashes",
            cluster_json(
                1_000,
                10_000,
                r#""duration_s": 200, "traffic": {"rate_per_s": 20},
                   "faults": [{"kind": "head_pod_crash", "at_s": 20}, {"kind": "head_pod_crash", "at_s": 60},
                              {"kind": "head_pod_crash", "at_s": 100}, {"kind": "head_pod_crash", "at_s": 140}]"#,
            )
            .replacen(r#""cluster": {"#, r#""cluster": {"gcs_fault_tolerance": false, "#, 1),
        ),
    ];
    for (name, json) in rows {
        if !wanted(name) {
            continue;
        }
        let (secs, events, requests) = time_scenario(&parse(&json, "bench"), 3);
        println!("  {name:<38} {:>10.0} {events:>10} {requests:>12}", secs * 1e3);
    }
    println!();

    println!("bundled scenarios (simulation + metrics, no file output)");
    println!("  {:<38} {:>10} {:>10} {:>12} {:>14}", "scenario", "wall ms", "events", "requests", "sim req/s");
    for (name, text) in ftsim::scenario::bundled::BUNDLED {
        if !wanted(name) {
            continue;
        }
        let (secs, events, requests) = time_scenario(&parse(text, name), 11);
        println!("  {name:<38} {:>10.2} {events:>10} {requests:>12} {:>14.0}", secs * 1e3, requests as f64 / secs);
    }
}
