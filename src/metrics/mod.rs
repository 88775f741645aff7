//! Metrics shared by the simulator and live mode: from an [`Observations`] stream to success
//! ratios, downtime episodes, per-fault detection and recovery, a time series and the SLO
//! verdict, accumulated as the requests stream past ([`stream::MetricsStream`]). This module
//! knows neither the simulator nor live mode.

pub mod applications;
pub mod brownout;
pub mod downtime;
pub mod entry_points;
pub mod failure_marks;
pub mod faults;
pub mod latency;
pub mod observations;
pub mod series;
pub mod service_draws;
pub mod slo;
pub mod stream;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;

use brownout::TimeIndicators;
use downtime::Episode;
use faults::FaultOutcome;
use observations::{FailureCause, Observations, RequestSink};
use series::Bucket;
use slo::SloVerdict;
use stream::MetricsStream;

/// Everything a report shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Requests sent.
    pub requests: u64,
    /// Requests answered.
    pub successes: u64,
    /// Failures by cause, in [`FailureCause::ALL`] order.
    pub failures_by_cause: [u64; 6],
    /// Latency percentiles of successful requests: p50, p99, max.
    pub latency: [SimDuration; 3],
    /// Downtime episodes in time order.
    pub episodes: Vec<Episode>,
    /// Per injected fault.
    pub faults: Vec<FaultOutcome>,
    /// Time series.
    pub buckets: Vec<Bucket>,
    /// Bad seconds and minutes, brownout episodes.
    pub time: TimeIndicators,
    /// Share of the SLO's error budget (`requests x (1 - min_success_ratio)` failures) used up:
    /// 1 is all of it. `None` when the SLO leaves no budget (`min_success_ratio` 1) and a
    /// request failed.
    pub error_budget_consumed: Option<f64>,
    /// SLO verdict.
    pub slo: SloVerdict,
    /// Requests and failures per entry point ([`entry_points::EntryTally::finish`]).
    pub entry_points: Vec<entry_points::EntryPoint>,
    /// Requests, failures and downtime per Serve application, in scenario order.
    pub applications: Vec<applications::ApplicationResult>,
}

impl Metrics {
    /// Computes every metric of a run whose arrival window is `scenario.duration` from its
    /// observations (requests in arrival order), through the same [`MetricsStream`] the
    /// simulator feeds as it runs.
    pub fn compute(scenario: &Scenario, obs: &Observations) -> Metrics {
        let mut stream = MetricsStream::new(scenario);
        let injections = obs.faults.iter().flat_map(|f| std::iter::once(f.injected_at).chain(f.detected_at));
        let mut marks: Vec<SimTime> = obs.levels.iter().map(|(t, _)| *t).chain(injections).collect();
        marks.sort_unstable();
        for t in marks {
            stream.mark(t);
        }
        for r in &obs.requests {
            stream.request(*r);
        }
        stream.finish(&obs.levels, &obs.faults, &obs.entry_points)
    }

    /// Failed requests.
    pub fn failures(&self) -> u64 {
        self.failures_by_cause.iter().sum()
    }

    /// successes / requests (1 when there were none).
    pub fn success_ratio(&self) -> f64 {
        if self.requests == 0 { 1.0 } else { self.successes as f64 / self.requests as f64 }
    }

    /// Failed requests per million requests (0 when there were none).
    pub fn errors_per_million(&self) -> f64 {
        if self.requests == 0 { 0.0 } else { self.failures() as f64 * 1e6 / self.requests as f64 }
    }

    /// Sum of all downtime episodes.
    pub fn total_downtime(&self) -> SimDuration {
        self.episodes.iter().fold(SimDuration::ZERO, |acc, e| acc + e.duration())
    }

    /// Failures of one cause.
    pub fn failures_of(&self, c: FailureCause) -> u64 {
        self.failures_by_cause[series::cause_index(c)]
    }
}
