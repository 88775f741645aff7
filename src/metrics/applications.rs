//! Requests, failures by cause and downtime per Serve application, for scenarios with several
//! applications: each request counts toward its own application
//! ([`super::observations::RequestRecord::app`]), so requests, successes and failures of every
//! cause sum over the applications to the run's totals; an application's downtime episodes are
//! those of its own requests alone (a stretch where only its requests fail is downtime for it).

use crate::engine::{SimDuration, SimTime};

use super::downtime::{Episode, EpisodeTracker};
use super::observations::{Outcome, RequestRecord};
use super::series::cause_index;

/// One application's results.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplicationResult {
    /// Application name.
    pub name: String,
    /// Its route prefix.
    pub route_prefix: String,
    /// Its share of the requests in the scenario.
    pub share: f64,
    /// Requests sent to it.
    pub requests: u64,
    /// Its requests answered.
    pub successes: u64,
    /// Its failures by cause, in [`super::observations::FailureCause::ALL`] order.
    pub failures_by_cause: [u64; 6],
    /// The downtime episodes of its requests, in time order.
    pub episodes: Vec<Episode>,
}

impl ApplicationResult {
    /// Its failed requests.
    pub fn failures(&self) -> u64 {
        self.failures_by_cause.iter().sum()
    }

    /// successes / requests (1 when there were none).
    pub fn success_ratio(&self) -> f64 {
        if self.requests == 0 { 1.0 } else { self.successes as f64 / self.requests as f64 }
    }

    /// Its downtime: the sum of its episodes.
    pub fn downtime(&self) -> SimDuration {
        self.episodes.iter().fold(SimDuration::ZERO, |acc, e| acc + e.duration())
    }

    /// Its observed share of the run's `total` requests.
    pub fn observed_share(&self, total: u64) -> f64 {
        if total == 0 { 0.0 } else { self.requests as f64 / total as f64 }
    }
}

/// Per-application counts, accumulated as requests stream past.
#[derive(Clone, Debug)]
pub struct ApplicationTally {
    rows: Vec<(ApplicationResult, EpisodeTracker)>,
}

impl ApplicationTally {
    /// A tally of the applications `(name, route prefix, share)`, in scenario order.
    pub fn new(applications: impl Iterator<Item = (String, String, f64)>) -> Self {
        let rows = applications
            .map(|(name, route_prefix, share)| {
                let result = ApplicationResult {
                    name,
                    route_prefix,
                    share,
                    requests: 0,
                    successes: 0,
                    failures_by_cause: [0; 6],
                    episodes: Vec::new(),
                };
                (result, EpisodeTracker::default())
            })
            .collect();
        ApplicationTally { rows }
    }

    /// One finished request.
    pub fn add(&mut self, r: &RequestRecord) {
        let (row, episodes) = &mut self.rows[usize::from(r.app)];
        row.requests += 1;
        match r.outcome {
            Outcome::Success => row.successes += 1,
            Outcome::Failure(c) => row.failures_by_cause[cause_index(c)] += 1,
        }
        episodes.add(r);
    }

    /// `count` counted successes arriving from `first` on (counted mode runs a single
    /// application: they are its).
    pub fn add_counted(&mut self, first: SimTime, count: u64) {
        let (row, episodes) = &mut self.rows[0];
        row.requests += count;
        row.successes += count;
        episodes.add(&RequestRecord { arrival: first, end: first, outcome: Outcome::Success, entry: None, app: 0 });
    }

    /// The rows of a run whose arrivals end at `end`, in scenario order.
    pub fn finish(self, end: SimTime) -> Vec<ApplicationResult> {
        self.rows
            .into_iter()
            .map(|(row, episodes)| ApplicationResult { episodes: episodes.finish(end), ..row })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::observations::FailureCause;

    fn rec(t: u64, app: u16, ok: bool) -> RequestRecord {
        let outcome = if ok { Outcome::Success } else { Outcome::Failure(FailureCause::Timeout) };
        let at = SimTime::from_micros(t * 1_000_000);
        RequestRecord { arrival: at, end: at, outcome, entry: None, app }
    }

    #[test]
    fn each_request_counts_for_its_application_and_downtime_follows_its_own_requests() {
        let apps = [("a", "/a", 0.5), ("b", "/b", 0.5)].map(|(n, r, s)| (n.to_string(), r.to_string(), s));
        let mut t = ApplicationTally::new(apps.into_iter());
        // b fails from 2 s to 5 s while a keeps answering.
        for r in [rec(1, 0, true), rec(2, 1, false), rec(3, 0, true), rec(4, 1, false), rec(5, 1, true)] {
            t.add(&r);
        }
        let rows = t.finish(SimTime::from_micros(10_000_000));
        let summary: Vec<(u64, u64, u64)> = rows.iter().map(|r| (r.requests, r.successes, r.failures())).collect();
        assert_eq!(summary, [(2, 2, 0), (3, 1, 2)]);
        assert_eq!(rows[0].downtime(), SimDuration::ZERO);
        assert_eq!(rows[1].downtime(), SimDuration::from_secs(3));
        assert_eq!(rows[1].failures_by_cause[cause_index(FailureCause::Timeout)], 2);
        assert_eq!(rows[1].observed_share(5), 0.6);
    }
}
