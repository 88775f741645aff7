//! The messages between ftsim and its Ray driver (`python/ftsim_ray/protocol.py`), one JSON
//! object a line: a [`Start`] and then a [`Run`] per set of ranges on the driver's stdin, the
//! [`Event`]s on its stdout.

use serde::{Deserialize, Serialize};

/// The first request: the cluster's address, the binary to ship (a path on this machine), the
/// version it must report on the workers, and the scenario (resolved JSON).
#[derive(Debug, Serialize)]
pub struct Start<'a> {
    /// Ray address (`host:port` of the GCS, `auto`, `ray://host:port`).
    pub address: &'a str,
    /// Path of the ftsim binary to ship.
    pub binary: &'a str,
    /// What `ftsim --version` must print on every worker.
    pub version: &'a str,
    /// The scenario's resolved JSON, which `ftsim mc-batch` reads.
    pub scenario: &'a str,
}

/// Ranges of replication indices `[start, end)` to run, one Ray task each.
#[derive(Debug, Serialize)]
pub struct Run {
    /// The ranges.
    pub ranges: Vec<(u64, u64)>,
}

/// Why the driver gave up (its `error` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The cluster cannot be reached or joined.
    Connect,
    /// The shipped binary does not run on a worker, or reports another version.
    Binary,
    /// `ftsim mc-batch` failed on a worker.
    Batch,
    /// A task failed in Ray (its worker or node died and retries ran out, ...).
    Task,
    /// The driver could not read a request.
    Protocol,
}

/// What the driver reports.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// Connected: the cluster's live nodes and CPUs.
    Connected {
        /// Live nodes.
        nodes: u64,
        /// CPUs.
        cpus: u64,
    },
    /// One range completed: its rows, one [`crate::study::replication::Replication`] as JSON
    /// each, as `ftsim mc-batch` printed them.
    Batch {
        /// First index.
        start: u64,
        /// One past the last index.
        end: u64,
        /// The worker's host name.
        node: String,
        /// The rows.
        rows: Vec<String>,
    },
    /// Every range of the current [`Run`] completed.
    Done,
    /// The driver failed and exits.
    Error {
        /// Why.
        kind: ErrorKind,
        /// What happened, for the user.
        message: String,
    },
}

/// Ranges of replications a task each, at most `batch` replications a range (`batch` at least
/// 1): the runs of consecutive values of `indices`, cut. Which batch a replication runs in
/// changes none of its figures.
pub fn ranges(indices: &[u64], batch: u64) -> Vec<(u64, u64)> {
    let batch = batch.max(1);
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &i in indices {
        match out.last_mut() {
            Some((start, end)) if *end == i && *end - *start < batch => *end += 1,
            _ => out.push((i, i + 1)),
        }
    }
    out
}

/// Tasks per CPU of the cluster a study aims at, so that a slow task leaves the others work.
const TASKS_PER_CPU: u64 = 4;

/// Most replications in one task: each task writes the binary once, so batches are large, but
/// a lost task costs no more than this many reruns.
pub const MAX_BATCH: u64 = 1000;

/// Replications per task for `runs` replications on `cpus` CPUs.
pub fn batch_size(runs: u64, cpus: u64) -> u64 {
    runs.div_ceil(cpus.max(1) * TASKS_PER_CPU).clamp(1, MAX_BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cut_runs_of_consecutive_indices() {
        assert_eq!(ranges(&[0, 1, 2, 3, 4], 2), vec![(0, 2), (2, 4), (4, 5)]);
        assert_eq!(ranges(&[20, 21, 22, 40, 41], 10), vec![(20, 23), (40, 42)]);
        assert_eq!(ranges(&[5], 0), vec![(5, 6)]);
        assert!(ranges(&[], 3).is_empty());
        let indices: Vec<u64> = (0..1000).collect();
        let covered: Vec<u64> = ranges(&indices, 7).into_iter().flat_map(|(a, b)| a..b).collect();
        assert_eq!(covered, indices);
    }

    #[test]
    fn batches_give_each_cpu_a_few_tasks_within_bounds() {
        assert_eq!(batch_size(40, 5), 2);
        assert_eq!(batch_size(3, 64), 1);
        assert_eq!(batch_size(100_000, 4), MAX_BATCH);
        assert_eq!(batch_size(10, 0), 3);
    }

    #[test]
    fn requests_and_events_match_the_python_driver() {
        let run = Run { ranges: vec![(0, 2), (2, 3)] };
        assert_eq!(serde_json::to_string(&run).unwrap(), r#"{"ranges":[[0,2],[2,3]]}"#);
        let e: Event =
            serde_json::from_str(r#"{"event": "batch", "start": 0, "end": 1, "node": "n", "rows": ["{}"]}"#).unwrap();
        assert_eq!(e, Event::Batch { start: 0, end: 1, node: "n".into(), rows: vec!["{}".into()] });
        let e: Event = serde_json::from_str(r#"{"event": "error", "kind": "binary", "message": "m"}"#).unwrap();
        assert_eq!(e, Event::Error { kind: ErrorKind::Binary, message: "m".into() });
        let e: Event = serde_json::from_str(r#"{"event": "connected", "nodes": 3, "cpus": 6}"#).unwrap();
        assert_eq!(e, Event::Connected { nodes: 3, cpus: 6 });
        assert_eq!(serde_json::from_str::<Event>(r#"{"event": "done"}"#).unwrap(), Event::Done);
    }
}
