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

/// Bucket counts from requests streamed in any order; the levels are filled in at the end.
#[derive(Clone, Debug)]
pub struct BucketCounter {
    width: u64,
    end: SimTime,
    buckets: Vec<Bucket>,
}

impl BucketCounter {
    /// Buckets of width `width` covering `[0, end)`.
    pub fn new(width: SimDuration, end: SimTime) -> Self {
        let w = width.as_micros().max(1);
        let n = end.as_micros().div_ceil(w) as usize;
        let buckets = (0..n)
            .map(|i| Bucket {
                start: SimTime::from_micros(i as u64 * w),
                end: SimTime::from_micros(((i as u64 + 1) * w).min(end.as_micros())),
                requests: 0,
                successes: 0,
                failures_by_cause: [0; 6],
                levels: Levels::default(),
            })
            .collect();
        BucketCounter { width: w, end, buckets }
    }

    /// Counts one request in the bucket of its arrival (none when it arrived after the end).
    pub fn add(&mut self, r: &RequestRecord) {
        if let Some(b) = self.buckets.get_mut((r.arrival.as_micros() / self.width) as usize) {
            b.requests += 1;
            match r.outcome {
                Outcome::Success => b.successes += 1,
                Outcome::Failure(c) => b.failures_by_cause[cause_index(c)] += 1,
            }
        }
    }

    /// Counts `n` successful requests that arrived in the bucket of `arrival`.
    pub fn add_successes(&mut self, arrival: SimTime, n: u64) {
        if let Some(b) = self.buckets.get_mut((arrival.as_micros() / self.width) as usize) {
            b.requests += n;
            b.successes += n;
        }
    }

    /// The buckets, each with the levels in force at its end.
    pub fn finish(mut self, levels: &[(SimTime, Levels)]) -> Vec<Bucket> {
        debug_assert!(self.buckets.last().is_none_or(|b| b.end == self.end));
        for b in &mut self.buckets {
            let at = SimTime::from_micros(b.end.as_micros().saturating_sub(1));
            b.levels = levels_at(levels, at).unwrap_or_default();
        }
        self.buckets
    }
}
