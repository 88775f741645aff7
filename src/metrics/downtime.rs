//! Downtime episodes: a maximal run of consecutive failed requests in arrival order. An episode
//! lasts from its first failure's arrival to the arrival of the next success (or to the end of
//! the run when no success follows).

use crate::engine::{SimDuration, SimTime};

use super::observations::{Outcome, RequestRecord};

/// One downtime episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    /// Arrival of its first failed request.
    pub start: SimTime,
    /// Arrival of the next successful request, or the end of the run.
    pub end: SimTime,
    /// Failed requests in it.
    pub failed_requests: u64,
    /// No success followed before the end of the run.
    pub ongoing_at_end: bool,
}

impl Episode {
    /// Its length.
    pub fn duration(&self) -> SimDuration {
        self.end.saturating_since(self.start)
    }
}

/// Downtime episodes from requests streamed in arrival order.
#[derive(Clone, Debug, Default)]
pub struct EpisodeTracker {
    closed: Vec<Episode>,
    current: Option<Episode>,
}

impl EpisodeTracker {
    /// Takes the next request in arrival order.
    pub fn add(&mut self, r: &RequestRecord) {
        match (r.outcome, self.current.as_mut()) {
            (Outcome::Failure(_), Some(ep)) => ep.failed_requests += 1,
            (Outcome::Failure(_), None) => {
                self.current =
                    Some(Episode { start: r.arrival, end: r.arrival, failed_requests: 1, ongoing_at_end: true })
            }
            (Outcome::Success, Some(ep)) => {
                ep.end = r.arrival;
                ep.ongoing_at_end = false;
                self.closed.push(*ep);
                self.current = None;
            }
            (Outcome::Success, None) => {}
        }
    }

    /// The episodes of a run that ends at `end`; one still open lasts until `end`.
    pub fn finish(mut self, end: SimTime) -> Vec<Episode> {
        self.closed.extend(self.current.map(|ep| Episode { end, ..ep }));
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::observations::FailureCause;

    fn rec(t: u64, ok: bool) -> RequestRecord {
        let outcome = if ok { Outcome::Success } else { Outcome::Failure(FailureCause::Timeout) };
        RequestRecord { arrival: SimTime::from_micros(t), end: SimTime::from_micros(t), outcome, entry: None, app: 0 }
    }

    fn episodes(reqs: &[RequestRecord], end: SimTime) -> Vec<Episode> {
        let mut t = EpisodeTracker::default();
        reqs.iter().for_each(|r| t.add(r));
        t.finish(end)
    }

    #[test]
    fn an_episode_ends_at_the_next_success() {
        let reqs = [rec(1, true), rec(2, false), rec(3, false), rec(7, true), rec(8, false)];
        let eps = episodes(&reqs, SimTime::from_micros(10));
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[0].start.as_micros(), eps[0].end.as_micros(), eps[0].failed_requests), (2, 7, 2));
        assert!(!eps[0].ongoing_at_end);
        assert_eq!((eps[1].start.as_micros(), eps[1].end.as_micros()), (8, 10));
        assert!(eps[1].ongoing_at_end);
    }

    #[test]
    fn no_failures_no_episodes() {
        assert!(episodes(&[rec(1, true), rec(2, true)], SimTime::from_micros(3)).is_empty());
    }
}
