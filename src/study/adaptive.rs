//! Running replications until the mean availability is known well enough (`ftsim mc
//! --until-ci W`): batches of [`BATCH`] replications, in index order, until the 95 % confidence
//! interval of the request-based availability is narrower than `W` on each side of the mean,
//! or the cap is reached. The batches and the decision to stop depend on the replications'
//! figures alone, never on the thread count or on where a batch ran, so the result is the same
//! bytes however the batches are executed.
//!
//! Stopping when the interval is narrow enough makes the interval a little optimistic
//! (sequential testing): with batches of 20 and a stop at the first batch that qualifies, the
//! coverage of the final interval is somewhat under 95 % for skewed metrics. The first batch
//! gives at least 20 replications, which keeps the effect small.

use super::replication::Replication;
use super::stats::Estimate;

/// Replications per batch.
pub const BATCH: u64 = 20;

/// How a study with a target width ended.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Convergence {
    /// The target: the largest acceptable half-width of the availability's 95 % interval.
    pub width: f64,
    /// The half-width reached; `None` with fewer than 2 replications.
    pub half_width: Option<f64>,
    /// The half-width went under the target before the cap.
    pub converged: bool,
}

/// The half-width of the 95 % interval of the mean availability of `rows`.
fn availability_half_width(rows: &[Replication]) -> Option<f64> {
    Estimate::of(&rows.iter().map(|r| r.availability).collect::<Vec<_>>())?.half_width()
}

/// Runs batches of indices `0..max_runs` through `run_batch` (which returns a batch's figures in
/// index order: [`super::run::run_replications`] locally, or a remote runner) until the
/// half-width of the availability's interval is under `width`; returns every replication run,
/// in index order, and how it ended.
pub fn run_until_ci<E>(
    max_runs: u64,
    width: f64,
    mut run_batch: impl FnMut(&[u64]) -> Result<Vec<Replication>, E>,
) -> Result<(Vec<Replication>, Convergence), E> {
    let mut rows = Vec::new();
    let mut half_width = None;
    let mut next = 0;
    while next < max_runs {
        let end = (next + BATCH).min(max_runs);
        let indices: Vec<u64> = (next..end).collect();
        rows.extend(run_batch(&indices)?);
        next = end;
        half_width = availability_half_width(&rows);
        if half_width.is_some_and(|h| h < width) {
            return Ok((rows, Convergence { width, half_width, converged: true }));
        }
    }
    Ok((rows, Convergence { width, half_width, converged: false }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A replication with the given availability and nothing else of note.
    fn row(index: u64, availability: f64) -> Replication {
        Replication {
            index,
            seed: index,
            requests: 100,
            successes: 100,
            failures_by_cause: BTreeMap::new(),
            availability,
            time_availability: 1.0,
            downtime_s: 0.0,
            downtime_per_30d_s: 0.0,
            bad_minutes: 0,
            error_budget_consumed: Some(0.0),
            slo_holds: true,
            faults: BTreeMap::new(),
            mttr_s: None,
            mtbf_s: None,
            latency_p99_s: 0.0,
        }
    }

    /// A fake runner: replication `i` has availability `f(i)`; records the batches it got.
    fn runner(
        f: impl Fn(u64) -> f64,
        batches: &mut Vec<Vec<u64>>,
    ) -> impl FnMut(&[u64]) -> Result<Vec<Replication>, ()> {
        move |idx: &[u64]| {
            batches.push(idx.to_vec());
            Ok(idx.iter().map(|&i| row(i, f(i))).collect())
        }
    }

    #[test]
    fn a_constant_metric_converges_after_the_first_batch() {
        let mut batches = Vec::new();
        let (rows, c) = run_until_ci(1000, 1e-4, runner(|_| 0.99, &mut batches)).unwrap();
        assert_eq!((rows.len(), c.converged, c.half_width), (20, true, Some(0.0)));
        assert_eq!(batches, vec![(0..20).collect::<Vec<u64>>()]);
    }

    #[test]
    fn a_noisy_metric_runs_batches_until_the_interval_is_narrow() {
        // Availability alternates 0.9 and 1.0: sd about 0.05, half-width about 0.1 / sqrt(n).
        let noisy = |i: u64| if i.is_multiple_of(2) { 0.9 } else { 1.0 };
        let mut batches = Vec::new();
        let (rows, c) = run_until_ci(1000, 0.01, runner(noisy, &mut batches)).unwrap();
        assert!(c.converged && c.half_width.unwrap() < 0.01);
        assert_eq!(rows.len() as u64 % BATCH, 0);
        assert!(rows.len() > 60 && rows.len() < 160, "{} runs", rows.len());
        assert!(rows.iter().enumerate().all(|(k, r)| r.index == k as u64), "in index order");
        let mut capped = Vec::new();
        let (rows, c) = run_until_ci(50, 0.001, runner(noisy, &mut capped)).unwrap();
        assert_eq!((rows.len(), c.converged), (50, false));
        assert_eq!(capped.last().unwrap(), &(40..50).collect::<Vec<u64>>(), "the last batch stops at the cap");
    }

    #[test]
    fn a_failed_batch_stops_the_study() {
        let err = run_until_ci(100, 0.1, |_: &[u64]| Err::<Vec<Replication>, &str>("boom"));
        assert_eq!(err.unwrap_err(), "boom");
    }
}
