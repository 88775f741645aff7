//! The time series: per bucket of arrival time, request counts by outcome, and the component
//! levels in force at the end of the bucket.

use crate::engine::{SimDuration, SimTime};

use super::faults::levels_at;
use super::observations::{FailureCause, Levels, Outcome, RequestRecord};

/// One bucket `[start, start + width)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the bucket.
    pub start: SimTime,
    /// End of the bucket (exclusive).
    pub end: SimTime,
    /// Requests that arrived in it.
    pub requests: u64,
    /// Of which succeeded.
    pub successes: u64,
    /// Failures by cause, in [`FailureCause::ALL`] order.
    pub failures_by_cause: [u64; 6],
    /// Levels in force at the end of the bucket.
    pub levels: Levels,
}

impl Bucket {
    /// All failures.
    pub fn failures(&self) -> u64 {
        self.failures_by_cause.iter().sum()
    }

    /// successes / requests, `None` for an empty bucket.
    pub fn success_ratio(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.successes as f64 / self.requests as f64)
    }
}

/// Index of a cause in [`FailureCause::ALL`].
pub fn cause_index(c: FailureCause) -> usize {
    FailureCause::ALL.iter().position(|&x| x == c).unwrap_or(0)
}

/// Buckets of width `width` covering `[0, end)`.
pub fn buckets(
    requests: &[RequestRecord],
    levels: &[(SimTime, Levels)],
    width: SimDuration,
    end: SimTime,
) -> Vec<Bucket> {
    let w = width.as_micros().max(1);
    let n = end.as_micros().div_ceil(w) as usize;
    let mut out: Vec<Bucket> = (0..n)
        .map(|i| {
            let start = SimTime::from_micros(i as u64 * w);
            let b_end = SimTime::from_micros(((i as u64 + 1) * w).min(end.as_micros()));
            let at = SimTime::from_micros(b_end.as_micros().saturating_sub(1));
            Bucket {
                start,
                end: b_end,
                requests: 0,
                successes: 0,
                failures_by_cause: [0; 6],
                levels: levels_at(levels, at).unwrap_or_default(),
            }
        })
        .collect();
    for r in requests {
        let i = (r.arrival.as_micros() / w) as usize;
        if let Some(b) = out.get_mut(i) {
            b.requests += 1;
            match r.outcome {
                Outcome::Success => b.successes += 1,
                Outcome::Failure(c) => b.failures_by_cause[cause_index(c)] += 1,
            }
        }
    }
    out
}
