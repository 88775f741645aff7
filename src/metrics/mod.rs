//! Metrics shared by the simulator and live mode: from an [`Observations`] stream to success
//! ratios, downtime episodes, per-fault detection and recovery, a time series and the SLO
//! verdict. This module knows neither the simulator nor live mode.

pub mod downtime;
pub mod faults;
pub mod observations;
pub mod series;
pub mod slo;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;

use downtime::Episode;
use faults::FaultOutcome;
use observations::{FailureCause, Observations, Outcome};
use series::Bucket;
use slo::SloVerdict;

/// Everything a report shows.
#[derive(Clone, Debug)]
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
    /// SLO verdict.
    pub slo: SloVerdict,
}

impl Metrics {
    /// Computes every metric of a run whose arrival window is `scenario.duration`.
    pub fn compute(scenario: &Scenario, obs: &Observations) -> Metrics {
        let end = SimTime::ZERO + scenario.duration;
        let mut failures_by_cause = [0u64; 6];
        let mut successes = 0;
        let mut latencies = Vec::new();
        for r in &obs.requests {
            match r.outcome {
                Outcome::Success => {
                    successes += 1;
                    latencies.push(r.end.saturating_since(r.arrival));
                }
                Outcome::Failure(c) => failures_by_cause[series::cause_index(c)] += 1,
            }
        }
        latencies.sort_unstable();
        let pct = |p: usize| -> SimDuration {
            if latencies.is_empty() {
                return SimDuration::ZERO;
            }
            let i = (latencies.len() * p).div_ceil(100).saturating_sub(1);
            latencies[i.min(latencies.len() - 1)]
        };
        let mut m = Metrics {
            requests: obs.requests.len() as u64,
            successes,
            failures_by_cause,
            latency: [pct(50), pct(99), latencies.last().copied().unwrap_or_default()],
            episodes: downtime::episodes(&obs.requests, end),
            faults: faults::fault_outcomes(&obs.faults, &obs.levels, &obs.requests, end),
            buckets: series::buckets(&obs.requests, &obs.levels, scenario.bucket, end),
            slo: SloVerdict { holds: true, checks: Vec::new() },
        };
        m.slo = slo::evaluate(&scenario.slo, &m);
        m
    }

    /// Failed requests.
    pub fn failures(&self) -> u64 {
        self.failures_by_cause.iter().sum()
    }

    /// successes / requests (1 when there were none).
    pub fn success_ratio(&self) -> f64 {
        if self.requests == 0 { 1.0 } else { self.successes as f64 / self.requests as f64 }
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
