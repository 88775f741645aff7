//! The one streaming accumulator of a run's metrics, shared by the simulator (which feeds it
//! each request as it finishes) and live mode (which feeds it from its list): counts, causes,
//! exact latency percentiles, downtime episodes, time buckets and the failure counts that
//! per-fault costs need, all computed as the requests flow past in arrival order. Its memory
//! grows with distinct latencies, buckets, episodes and state changes, never with the number of
//! requests.

use crate::engine::{RngStream, SimTime};
use crate::names::stream;
use crate::scenario::{Scenario, ServiceTime, Slo};

use super::applications::ApplicationTally;
use super::brownout::BrownoutTracker;
use super::downtime::EpisodeTracker;
use super::entry_points::EntryTally;
use super::failure_marks::FailureMarks;
use super::latency::LatencyHistogram;
use super::observations::{FaultRecord, Levels, Outcome, RequestRecord, RequestSink};
use super::series::{BucketCounter, cause_index};
use super::{Metrics, faults, slo};

/// Metrics being accumulated from a stream of finished requests.
#[derive(Clone, Debug)]
pub struct MetricsStream {
    slo: Slo,
    end: SimTime,
    /// The service-time law and the seed, to draw the latencies of counted requests.
    service: (ServiceTime, u64),
    requests: u64,
    successes: u64,
    failures_by_cause: [u64; 6],
    latency: LatencyHistogram,
    episodes: EpisodeTracker,
    buckets: BucketCounter,
    failures: FailureMarks,
    brownouts: BrownoutTracker,
    entries: EntryTally,
    applications: ApplicationTally,
}

impl MetricsStream {
    /// An empty stream for a run of `scenario` (its arrival window is `scenario.duration`).
    pub fn new(scenario: &Scenario) -> Self {
        let end = SimTime::ZERO + scenario.duration;
        MetricsStream {
            slo: scenario.slo.clone(),
            end,
            service: (scenario.traffic.service_time, scenario.seed),
            requests: 0,
            successes: 0,
            failures_by_cause: [0; 6],
            latency: LatencyHistogram::default(),
            episodes: EpisodeTracker::default(),
            buckets: BucketCounter::new(scenario.bucket, end),
            failures: FailureMarks::default(),
            brownouts: BrownoutTracker::new(scenario.slo.min_success_ratio, scenario.slo.brownout_merge_gap, end),
            entries: EntryTally::default(),
            applications: ApplicationTally::new(
                scenario.serve.applications.iter().map(|a| (a.name.clone(), a.route_prefix.clone(), a.share)),
            ),
        }
    }

    /// Every metric, once every request has been streamed: `levels`, `faults` and
    /// `entry_points` are the run's level changes, injected faults and entry-point names.
    pub fn finish(mut self, levels: &[(SimTime, Levels)], faults: &[FaultRecord], entry_points: &[String]) -> Metrics {
        self.failures.finish();
        let mut rng = RngStream::new(self.service.1, stream::COUNTED_LATENCY);
        self.latency.draw_undrawn(self.service.0, &mut rng);
        let latency = [self.latency.percentile(50), self.latency.percentile(99), self.latency.max()];
        let mut m = Metrics {
            requests: self.requests,
            successes: self.successes,
            failures_by_cause: self.failures_by_cause,
            latency,
            episodes: self.episodes.finish(self.end),
            faults: faults::fault_outcomes(faults, levels, &self.failures, self.end),
            buckets: self.buckets.finish(levels),
            time: self.brownouts.finish(),
            error_budget_consumed: error_budget_consumed(
                self.failures_by_cause.iter().sum(),
                self.requests,
                self.slo.min_success_ratio,
            ),
            slo: slo::SloVerdict { holds: true, checks: Vec::new() },
            entry_points: self.entries.finish(entry_points),
            applications: self.applications.finish(self.end),
        };
        m.slo = slo::evaluate(&self.slo, &m);
        m
    }
}

/// failures / (requests x (1 - min_success_ratio)); `None` when there is no budget to consume
/// and a request failed.
fn error_budget_consumed(failures: u64, requests: u64, min_success_ratio: f64) -> Option<f64> {
    let budget = requests as f64 * (1.0 - min_success_ratio);
    match failures {
        0 => Some(0.0),
        _ if budget > 0.0 => Some(failures as f64 / budget),
        _ => None,
    }
}

impl RequestSink for MetricsStream {
    fn request(&mut self, r: RequestRecord) {
        self.requests += 1;
        match r.outcome {
            Outcome::Success => {
                self.successes += 1;
                self.latency.add(r.end.saturating_since(r.arrival));
            }
            Outcome::Failure(c) => self.failures_by_cause[cause_index(c)] += 1,
        }
        self.episodes.add(&r);
        self.buckets.add(&r);
        self.failures.add(r.arrival, r.outcome != Outcome::Success);
        self.brownouts.add(r.arrival, r.outcome == Outcome::Success);
        self.entries.add(&r);
        self.applications.add(&r);
    }

    fn successes(&mut self, first: SimTime, count: u64) {
        self.requests += count;
        self.successes += count;
        self.latency.add_service_times(count);
        // Only the first success of a stretch can end an episode, and successes change no
        // failure count: one record stands for all of them there.
        let first_record = RequestRecord { arrival: first, end: first, outcome: Outcome::Success, entry: None, app: 0 };
        self.episodes.add(&first_record);
        self.failures.add(first, false);
        self.buckets.add_successes(first, count);
        self.brownouts.add_many(first, true, count);
        self.entries.add_counted(count);
        self.applications.add_counted(first, count);
    }

    fn mark(&mut self, at: SimTime) {
        self.failures.mark(at);
    }
}
