//! Time-based indicators for high-rate traffic, where request-based downtime episodes (runs of
//! consecutive failures) break a long partial outage into hundreds of short episodes: a bad
//! second (or minute) is a 1 s (60 s) window of arrival time whose success ratio is under the
//! SLO's `min_success_ratio` (a window without requests is not bad); a brownout episode is a run
//! of bad seconds, merged across gaps of at most `slo.brownout_merge_gap_s`. Computed as the
//! requests stream past in arrival order.

use crate::engine::{SimDuration, SimTime};

/// The widths of the windows whose success ratio is judged: a second and a minute.
pub const WINDOW_WIDTHS: [SimDuration; 2] = [SimDuration::from_secs(1), SimDuration::from_secs(60)];

/// One brownout episode: from the start of its first bad second to the end of its last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Brownout {
    /// Start of its first bad second.
    pub start: SimTime,
    /// End of its last bad second (or the end of the run).
    pub end: SimTime,
    /// Bad seconds in it (the merged gaps are not bad).
    pub bad_seconds: u64,
    /// Requests that arrived in it, gaps included.
    pub requests: u64,
    /// Of which failed.
    pub failed_requests: u64,
}

impl Brownout {
    /// Its length.
    pub fn duration(&self) -> SimDuration {
        self.end.saturating_since(self.start)
    }
}

/// The time-based indicators of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeIndicators {
    /// 1 s windows under the SLO's success ratio.
    pub bad_seconds: u64,
    /// 60 s windows under the SLO's success ratio.
    pub bad_minutes: u64,
    /// Brownout episodes in time order.
    pub brownouts: Vec<Brownout>,
}

impl TimeIndicators {
    /// Sum of the brownout episodes' lengths.
    pub fn brownout_time(&self) -> SimDuration {
        self.brownouts.iter().fold(SimDuration::ZERO, |acc, b| acc + b.duration())
    }

    /// The longest brownout episode's length.
    pub fn longest_brownout(&self) -> SimDuration {
        self.brownouts.iter().map(Brownout::duration).max().unwrap_or_default()
    }
}

/// Requests and successes of one window of arrival time.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    index: u64,
    requests: u64,
    successes: u64,
}

impl Window {
    fn bad(&self, min_success_ratio: f64) -> bool {
        self.requests > 0 && (self.successes as f64 / self.requests as f64) < min_success_ratio
    }
}

/// Fixed windows of arrival time, closed as the stream moves past them.
#[derive(Clone, Debug)]
struct Windows {
    width: u64,
    current: Window,
}

impl Windows {
    fn new(width: SimDuration) -> Self {
        Windows { width: width.as_micros(), current: Window::default() }
    }

    /// Counts `n` requests that arrived in the window of `arrival`, all successes or all
    /// failures; returns the window it closed, if it moved past one.
    fn add(&mut self, arrival: SimTime, ok: bool, n: u64) -> Option<Window> {
        let index = arrival.as_micros() / self.width;
        let closed = (index != self.current.index)
            .then(|| std::mem::replace(&mut self.current, Window { index, ..Window::default() }));
        self.current.requests += n;
        self.current.successes += if ok { n } else { 0 };
        closed
    }
}

/// Accumulates the indicators from requests streamed in arrival order.
#[derive(Clone, Debug)]
pub struct BrownoutTracker {
    min_success_ratio: f64,
    merge_gap: SimDuration,
    end: SimTime,
    seconds: Windows,
    minutes: Windows,
    out: TimeIndicators,
    open: Option<Brownout>,
    /// Requests and failures of the good seconds since the open episode's last bad second.
    gap: (u64, u64),
}

impl BrownoutTracker {
    /// For a run whose arrivals end at `end`.
    pub fn new(min_success_ratio: f64, merge_gap: SimDuration, end: SimTime) -> Self {
        BrownoutTracker {
            min_success_ratio,
            merge_gap,
            end,
            seconds: Windows::new(WINDOW_WIDTHS[0]),
            minutes: Windows::new(WINDOW_WIDTHS[1]),
            out: TimeIndicators::default(),
            open: None,
            gap: (0, 0),
        }
    }

    /// Takes the next request in arrival order.
    pub fn add(&mut self, arrival: SimTime, ok: bool) {
        self.add_many(arrival, ok, 1);
    }

    /// Takes the next `n` requests in arrival order, all successes or all failures, as if all
    /// in the 1 s and the 60 s window of `arrival` (for successes that span several windows,
    /// see [`super::observations::RequestSink::successes`]).
    pub fn add_many(&mut self, arrival: SimTime, ok: bool, n: u64) {
        if let Some(second) = self.seconds.add(arrival, ok, n) {
            self.close_second(second);
        }
        if let Some(minute) = self.minutes.add(arrival, ok, n) {
            self.close_minute(minute);
        }
    }

    fn close_minute(&mut self, w: Window) {
        self.out.bad_minutes += u64::from(w.bad(self.min_success_ratio));
    }

    fn close_second(&mut self, w: Window) {
        let failed = w.requests - w.successes;
        if !w.bad(self.min_success_ratio) {
            self.gap = (self.gap.0 + w.requests, self.gap.1 + failed);
            return;
        }
        self.out.bad_seconds += 1;
        let start = SimTime::from_micros(w.index * 1_000_000);
        let end = SimTime::from_micros((w.index + 1) * 1_000_000).min(self.end.max(start));
        let (gap_requests, gap_failed) = std::mem::take(&mut self.gap);
        match self.open.as_mut() {
            Some(b) if start.saturating_since(b.end) <= self.merge_gap => {
                b.end = end;
                b.bad_seconds += 1;
                b.requests += gap_requests + w.requests;
                b.failed_requests += gap_failed + failed;
            }
            _ => {
                self.out.brownouts.extend(self.open.take());
                self.open =
                    Some(Brownout { start, end, bad_seconds: 1, requests: w.requests, failed_requests: failed });
            }
        }
    }

    /// The indicators, once every request has been seen.
    pub fn finish(mut self) -> TimeIndicators {
        if self.seconds.current.requests > 0 {
            let last = self.seconds.current;
            self.close_second(last);
        }
        if self.minutes.current.requests > 0 {
            let last = self.minutes.current;
            self.close_minute(last);
        }
        self.out.brownouts.extend(self.open.take());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per_second[i]` = (requests, failures) in second i, spread over the second.
    fn run(per_second: &[(u64, u64)], gap_s: u64) -> TimeIndicators {
        let end = SimTime::from_micros(per_second.len() as u64 * 1_000_000);
        let mut t = BrownoutTracker::new(0.9, SimDuration::from_secs(gap_s), end);
        for (s, &(n, failed)) in per_second.iter().enumerate() {
            for k in 0..n {
                t.add(SimTime::from_micros(s as u64 * 1_000_000 + k * 1_000_000 / n), k >= failed);
            }
        }
        t.finish()
    }

    #[test]
    fn bad_seconds_merge_across_short_gaps_only() {
        // Seconds: bad, good, bad, then 3 good, then bad (ratio 0.5 < 0.9), idle seconds count as gap.
        let per = [(10, 5), (10, 0), (10, 5), (10, 0), (0, 0), (10, 0), (10, 5)];
        let m = run(&per, 1);
        assert_eq!(m.bad_seconds, 3);
        assert_eq!(m.brownouts.len(), 2);
        let b = m.brownouts[0];
        assert_eq!((b.start.as_micros(), b.end.as_micros(), b.bad_seconds), (0, 3_000_000, 2));
        assert_eq!((b.requests, b.failed_requests), (30, 10), "the merged good second counts");
        assert_eq!(m.brownouts[1].start.as_micros(), 6_000_000);
        assert_eq!(run(&per, 3).brownouts.len(), 1, "a 3 s gap merges with a 3 s setting");
        assert_eq!(m.longest_brownout(), SimDuration::from_secs(3));
    }

    #[test]
    fn a_minute_is_bad_on_its_own_ratio() {
        // 60 seconds of 10 requests; 5 bad seconds of 5 failures: 25/600 failed, ratio 0.958 >= 0.9.
        let mut per = vec![(10, 0); 120];
        per[..5].iter_mut().for_each(|s| *s = (10, 5));
        per[60..80].iter_mut().for_each(|s| *s = (10, 5));
        let m = run(&per, 0);
        assert_eq!((m.bad_seconds, m.bad_minutes), (25, 1));
    }
}
