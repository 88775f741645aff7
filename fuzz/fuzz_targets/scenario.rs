//! Fuzz target: arbitrary bytes through scenario parsing and validation, then, for scenarios
//! small enough (see [`small_enough`]), a whole simulation and its metrics.
//!
//! What must hold for every input: no panic, no hang, no unbounded allocation; a rejected
//! scenario comes back as errors that name the file; an accepted one's resolved form (recorded in
//! every report) validates again to the same scenario; the simulator's whole-cluster invariant
//! check (on in this debug-assertions build) holds after every event.
//!
//! Run (stable toolchain, see fuzz/README.md):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run scenario fuzz/corpus-work fuzz/corpus/scenario -- -max_total_time=600`

#![no_main]

use ftsim::engine::SimDuration;
use ftsim::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

/// Fuzz-only limits, far below the documented ones (`ftsim::scenario::defaults::MAX_*`), so that
/// every simulated input finishes in well under 100 ms and the fuzzer spends its time on variety.
mod limit {
    /// Longest simulated run [s].
    pub const DURATION_S: u64 = 600;
    /// Highest request rate [1/s].
    pub const RATE_PER_S: f64 = 200.0;
    /// Most requests (rate x duration). The whole-cluster check that runs after every event in
    /// this debug-assertions build walks every request, so a run costs about requests squared.
    pub const REQUESTS: f64 = 500.0;
    /// Most Serve replicas.
    pub const REPLICAS: u32 = 50;
    /// Most Kubernetes nodes, and most worker pods over all groups.
    pub const NODES: u32 = 20;
    /// Most firings of any one periodic timer (health checks, probes, reconciles) over the run.
    pub const PERIODIC_FIRINGS: u64 = 1_000;
    /// Most time-series buckets.
    pub const BUCKETS: u64 = 10_000;
}

/// Lowers the request rate so that the run generates at most [`limit::REQUESTS`] requests; the
/// bundled scenarios (180 s at 20/s) keep their faults and run with fewer requests.
fn cap_requests(s: &mut Scenario) {
    let secs = s.duration.as_secs_f64();
    if s.traffic.rate_per_s * secs > limit::REQUESTS {
        s.traffic.rate_per_s = limit::REQUESTS / secs;
        s.traffic.mean_gap =
            SimDuration::from_secs_f64(1.0 / s.traffic.rate_per_s).unwrap_or(s.duration);
    }
}

/// Whether a validated scenario is cheap enough to simulate inside the fuzzer.
fn small_enough(s: &Scenario) -> bool {
    let duration = s.duration.as_micros();
    let pods: u64 = s
        .cluster
        .worker_groups
        .iter()
        .map(|g| u64::from(g.replicas))
        .sum();
    let t = &s.timings;
    let periods = [
        s.serve.health_check_period,
        t.proxy_health_check_period,
        t.gcs_health_check_period,
        t.wait_gcs_ready_period,
        t.readiness_period,
        t.rayservice_reconcile,
    ];
    let shortest = periods
        .iter()
        .copied()
        .min()
        .unwrap_or(SimDuration::ZERO)
        .as_micros()
        .max(1);
    duration <= SimDuration::from_secs(limit::DURATION_S).as_micros()
        && s.traffic.rate_per_s <= limit::RATE_PER_S
        && s.serve.num_replicas <= limit::REPLICAS
        && s.cluster.k8s_nodes <= limit::NODES
        && pods <= u64::from(limit::NODES)
        && duration / shortest <= limit::PERIODIC_FIRINGS
        && duration / s.bucket.as_micros().max(1) <= limit::BUCKETS
}

fuzz_target!(|data: &[u8]| {
    let text = match ftsim::scenario::decode(data.to_vec(), "fuzz.json") {
        Ok(text) => text,
        Err(e) => {
            assert!(
                e.position.is_some(),
                "a decoding error has a line and column"
            );
            return;
        }
    };
    let loaded = match ftsim::scenario::parse(&text, "fuzz.json") {
        Ok(loaded) => loaded,
        Err(errors) => {
            assert!(!errors.is_empty(), "a rejected scenario must say why");
            // Every message renders (no panic in Display) and starts with the file name.
            for e in &errors {
                assert!(e.to_string().starts_with("fuzz.json:"));
            }
            return;
        }
    };
    // Reports record the resolved scenario (every default filled in) so that a run can be
    // repeated from it: it must validate again, to the same scenario.
    let resolved =
        serde_json::to_string(&loaded.resolved).expect("the resolved scenario serializes");
    let again = ftsim::scenario::parse(&resolved, "resolved.json")
        .expect("the resolved scenario validates");
    assert_eq!(
        format!("{:?}", again.scenario),
        format!("{:?}", loaded.scenario)
    );
    let mut scenario = loaded.scenario;
    if !small_enough(&scenario) {
        return;
    }
    cap_requests(&mut scenario);
    if let Ok(output) = ftsim::sim::run(&scenario) {
        let _ = ftsim::metrics::Metrics::compute(&scenario, &output.observations);
    }
});
