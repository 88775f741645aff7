//! Running replications in parallel (rayon), results in index order.

use crate::metrics::stream::MetricsStream;
use crate::scenario::Scenario;
use crate::sim::SimError;

use super::replication::Replication;
use super::seed::replication_seed;

/// Why a study stopped.
#[derive(Debug)]
pub enum StudyError {
    /// One replication's simulation failed.
    Replication {
        /// Its index.
        index: u64,
        /// Its seed.
        seed: u64,
        /// What failed.
        error: SimError,
    },
    /// The worker threads could not be started.
    Threads(String),
}

impl std::fmt::Display for StudyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyError::Replication { index, seed, error } => {
                write!(f, "replication {index} (seed {seed}): {error}")
            }
            StudyError::Threads(e) => write!(f, "cannot start the worker threads: {e}"),
        }
    }
}

impl std::error::Error for StudyError {}

/// Replication `index` of `scenario`: the scenario run with [`replication_seed`]`(seed, index)`,
/// its metrics streamed (no request or events log kept), reduced to its figures.
pub fn run_one(scenario: &Scenario, index: u64) -> Result<Replication, StudyError> {
    let seed = replication_seed(scenario.seed, index);
    let mut sc = scenario.clone();
    sc.seed = seed;
    let mut stream = MetricsStream::new(&sc);
    let run = crate::sim::run_streaming(&sc, &mut std::io::sink(), &mut stream)
        .map_err(|error| StudyError::Replication { index, seed, error })?;
    let metrics = stream.finish(&run.levels, &run.faults, &run.entry_points);
    Ok(Replication::from_metrics(index, seed, &sc, &metrics))
}

/// Runs the replications `indices` of `scenario` on `threads` worker threads (at least 1) and
/// returns their figures in the order of `indices`, whatever the thread count and the order in
/// which they finish. `on_done` is called once per replication as it finishes, from the worker
/// thread, in no particular order (a progress bar). The first failure, in index order, is
/// returned when any replication fails.
pub fn run_replications(
    scenario: &Scenario,
    indices: &[u64],
    threads: usize,
    on_done: &(dyn Fn(&Replication) + Sync),
) -> Result<Vec<Replication>, StudyError> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| StudyError::Threads(e.to_string()))?;
    let results: Vec<Result<Replication, StudyError>> = pool.install(|| {
        indices
            .par_iter()
            .map(|&i| {
                let r = run_one(scenario, i)?;
                on_done(&r);
                Ok(r)
            })
            .collect()
    });
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::metrics::Metrics;

    fn scenario() -> Scenario {
        let json = r#"{"duration_s": 120, "faults": [{"kind": "worker_pod_deletion", "at_s": 30}, {"kind": "proxy_crash", "at_s": 60}]}"#;
        crate::scenario::parse(json, "test").unwrap().scenario
    }

    #[test]
    fn results_are_in_index_order_and_the_same_bytes_whatever_the_thread_count() {
        let sc = scenario();
        let indices: Vec<u64> = (0..12).collect();
        let done = AtomicU64::new(0);
        let count = |_: &Replication| {
            done.fetch_add(1, Ordering::Relaxed);
        };
        let one = run_replications(&sc, &indices, 1, &count).unwrap();
        let four = run_replications(&sc, &indices, 4, &count).unwrap();
        assert_eq!(done.load(Ordering::Relaxed), 24, "on_done once per replication");
        assert_eq!(one.iter().map(|r| r.index).collect::<Vec<_>>(), indices);
        assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&four).unwrap());
        let seeds: std::collections::BTreeSet<u64> = one.iter().map(|r| r.seed).collect();
        assert_eq!(seeds.len(), 12, "each replication has its own seed");
    }

    #[test]
    fn a_replication_alone_equals_the_same_one_in_a_batch() {
        let sc = scenario();
        let batch = run_replications(&sc, &[3, 5, 7], 2, &|_| {}).unwrap();
        assert_eq!(run_replications(&sc, &[5], 1, &|_| {}).unwrap()[0], batch[1]);
    }

    #[test]
    fn replication_zero_is_the_scenario_run_as_is() {
        let sc = scenario();
        let metrics = Metrics::compute(&sc, &crate::sim::run(&sc).unwrap().observations);
        let expected = Replication::from_metrics(0, sc.seed, &sc, &metrics);
        assert_eq!(run_one(&sc, 0).unwrap(), expected);
    }
}
