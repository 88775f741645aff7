//! Exact latency percentiles from a stream: a count per distinct latency (microseconds), so
//! memory grows with the number of distinct latencies (bounded by the latency range in
//! microseconds), not with the number of requests.

use std::collections::BTreeMap;

use crate::engine::{RngStream, SimDuration};
use crate::scenario::ServiceTime;

/// Counts of successful requests per latency.
#[derive(Clone, Debug, Default)]
pub struct LatencyHistogram {
    counts: BTreeMap<u64, u64>,
    total: u64,
    /// Latencies of counted requests (one service time each) not drawn yet.
    undrawn: u64,
}

impl LatencyHistogram {
    /// Adds one latency.
    pub fn add(&mut self, latency: SimDuration) {
        *self.counts.entry(latency.as_micros()).or_default() += 1;
        self.total += 1;
    }

    /// `n` latencies that are each one service time, drawn later by [`Self::draw_undrawn`].
    pub fn add_service_times(&mut self, n: u64) {
        self.undrawn += n;
    }

    /// Draws the latencies added by [`Self::add_service_times`] from `st`, all at once
    /// ([`super::service_draws`]).
    pub fn draw_undrawn(&mut self, st: ServiceTime, rng: &mut RngStream) {
        for (us, n) in super::service_draws::draw(st, std::mem::take(&mut self.undrawn), rng) {
            *self.counts.entry(us).or_default() += n;
            self.total += n;
        }
    }

    /// The `p`-th percentile (nearest rank: the smallest latency with at least `p` % of the
    /// latencies at or below it); zero when there are none.
    pub fn percentile(&self, p: u64) -> SimDuration {
        if self.total == 0 {
            return SimDuration::ZERO;
        }
        let rank = (self.total * p).div_ceil(100).max(1);
        let mut seen = 0;
        for (&latency, &n) in &self.counts {
            seen += n;
            if seen >= rank {
                return SimDuration::from_micros(latency);
            }
        }
        self.max()
    }

    /// The largest latency; zero when there are none.
    pub fn max(&self) -> SimDuration {
        SimDuration::from_micros(self.counts.last_key_value().map_or(0, |(&l, _)| l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_exact_nearest_ranks() {
        let mut h = LatencyHistogram::default();
        for l in [5, 1, 3, 3, 9, 7, 3, 2, 8, 4] {
            h.add(SimDuration::from_micros(l));
        }
        // Sorted: 1 2 3 3 3 4 5 7 8 9.
        assert_eq!(h.percentile(50).as_micros(), 3);
        assert_eq!(h.percentile(99).as_micros(), 9);
        assert_eq!(h.percentile(10).as_micros(), 1);
        assert_eq!(h.max().as_micros(), 9);
        assert_eq!(LatencyHistogram::default().percentile(50), SimDuration::ZERO);
    }
}
