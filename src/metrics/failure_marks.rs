//! How many failed requests arrived before each instant a fault's window may start or end at.
//!
//! A fault costs the failed requests that arrived in `[injected, recovered)` (or until the end),
//! but its recovery is known only once the levels after it are. Rather than keep every failure's
//! arrival time, the stream keeps the running failure count at each *mark*: every injection,
//! every detection and every change of the levels, which are all the instants a window can
//! start or end at ([`super::faults::recovery`] returns the injection, a level change or the
//! detection). Memory grows with the run's state changes, not with its requests.

use std::collections::VecDeque;

use crate::engine::SimTime;

/// Failure counts at marked instants, filled in as requests stream past in arrival order.
#[derive(Clone, Debug, Default)]
pub struct FailureMarks {
    /// (mark, failed requests that arrived before it), in time order.
    resolved: Vec<(SimTime, u64)>,
    /// Marks no request at or after has passed yet: requests before them may still come.
    pending: VecDeque<SimTime>,
    /// Failed requests so far.
    failures: u64,
    /// Arrival of the latest request, and the failures that arrived before that instant.
    last_arrival: Option<(SimTime, u64)>,
}

impl FailureMarks {
    /// Marks `at`; it is never before the arrival of a request already seen, and marks come in
    /// time order.
    pub fn mark(&mut self, at: SimTime) {
        let last = self.pending.back().or(self.resolved.last().map(|(t, _)| t));
        debug_assert!(last.is_none_or(|&t| t <= at), "marks in time order");
        if last == Some(&at) {
            return;
        }
        match self.last_arrival {
            Some((arrival, before)) if arrival == at => self.resolved.push((at, before)),
            _ => {
                debug_assert!(self.last_arrival.is_none_or(|(a, _)| a < at), "mark before a seen arrival");
                self.pending.push_back(at);
            }
        }
    }

    /// Takes the next request in arrival order.
    pub fn add(&mut self, arrival: SimTime, failed: bool) {
        while let Some(&t) = self.pending.front().filter(|&&t| t <= arrival) {
            self.resolved.push((t, self.failures));
            self.pending.pop_front();
        }
        match self.last_arrival {
            Some((a, _)) if a == arrival => {}
            _ => self.last_arrival = Some((arrival, self.failures)),
        }
        self.failures += u64::from(failed);
    }

    /// Resolves the marks left: every request has been seen.
    pub fn finish(&mut self) {
        let failures = self.failures;
        self.resolved.extend(self.pending.drain(..).map(|t| (t, failures)));
    }

    /// Failed requests that arrived before `at`, exact when `at` was marked (and for every
    /// instant after the last request); otherwise the count at the last mark before `at`.
    pub fn before(&self, at: SimTime) -> u64 {
        if self.last_arrival.is_none_or(|(arrival, _)| arrival < at) {
            return self.failures;
        }
        let i = self.resolved.partition_point(|(t, _)| *t <= at);
        i.checked_sub(1).map_or(0, |i| self.resolved[i].1)
    }

    /// Failed requests that arrived in `[from, to)`.
    pub fn between(&self, from: SimTime, to: SimTime) -> u64 {
        self.before(to.max(from)) - self.before(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_at_marks_match_the_requests_around_them() {
        let t = SimTime::from_micros;
        let mut m = FailureMarks::default();
        m.mark(t(0));
        m.add(t(1), true);
        m.add(t(2), false);
        m.mark(t(5)); // requests before 5 may still come
        m.add(t(3), true);
        m.add(t(5), true);
        m.mark(t(5)); // a second mark at the same instant changes nothing
        m.add(t(5), true);
        m.mark(t(6));
        m.mark(t(9));
        m.add(t(7), true);
        m.finish();
        assert_eq!(m.before(t(0)), 0);
        assert_eq!(m.before(t(5)), 2, "failures at 1 and 3");
        assert_eq!(m.before(t(6)), 4);
        assert_eq!(m.before(t(9)), 5);
        assert_eq!(m.between(t(5), t(9)), 3);
        assert_eq!(m.between(t(9), t(5)), 0);
        assert_eq!(m.before(t(100)), 5, "after the last request: every failure");
    }

    #[test]
    fn a_mark_at_the_latest_arrival_excludes_it() {
        let t = SimTime::from_micros;
        let mut m = FailureMarks::default();
        m.add(t(1), true);
        m.add(t(4), true);
        m.mark(t(4));
        m.add(t(4), true);
        m.finish();
        assert_eq!(m.before(t(4)), 1);
    }
}
