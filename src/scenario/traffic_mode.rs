//! Which traffic mode a run uses (`traffic.mode`), and why: one event per request, or counted
//! (while the cluster is healthy, request outcomes drawn as counts; see docs/model.md).
//!
//! Counted mode is exact in distribution but for one event: a request that finds every replica
//! at `max_ongoing_requests` waits in the per-request model, while counted mode serves it at
//! once. Before the first such request the replicas serve like an M/G/infinity queue, whose
//! requests in service are Poisson with mean `rate x mean service time` (PASTA), so the expected
//! number of counted requests that could have waited is at most `requests x P(Poisson(rate x
//! mean service) >= replicas x max_ongoing_requests)` (a union bound). With exponential service
//! times, a request counted before a change could still be in service at it with probability
//! at most [`EXPONENTIAL_TAIL`] (the simulator simulates the last [`counted_margin`] before every
//! change request by request). And a request whose service time reaches its client timeout times
//! out even in a healthy cluster, which counted mode does not model. The sum of these chances
//! over the run's requests is the mode's error bound: the expected number of requests whose
//! outcome or latency could differ from the per-request model.
//!
//! With a traffic shape (`traffic.shape`), `requests` is the integral of the rate over the run,
//! and `rate` its peak: the requests in service of an M(t)/G/infinity queue are Poisson with mean
//! `∫ rate(t - s) P(service > s) ds`, at most `peak x mean service time`, and the tail grows with
//! the mean.

use super::defaults::MAX_DURATION;
use super::model::{Serve, ServiceTime, Traffic};
use crate::engine::SimDuration;

/// `traffic.mode` as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficMode {
    /// Per-request for short runs, counted beyond [`AUTO_COUNTED_REQUESTS`] or [`MAX_DURATION`].
    Auto,
    /// One event per request.
    PerRequest,
    /// Outcomes drawn as counts while the cluster is healthy.
    Counted,
}

impl TrafficMode {
    /// The name in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            TrafficMode::Auto => "auto",
            TrafficMode::PerRequest => "per_request",
            TrafficMode::Counted => "counted",
        }
    }
}

/// The mode a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// One event per request.
    PerRequest,
    /// Outcomes drawn as counts while the cluster is healthy.
    Counted,
}

impl RunMode {
    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            RunMode::PerRequest => "per_request",
            RunMode::Counted => "counted",
        }
    }
}

/// The mode of a run and why.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeChoice {
    /// What the scenario asked for.
    pub requested: TrafficMode,
    /// What runs.
    pub mode: RunMode,
    /// Counted mode's error bound: the expected number of requests whose outcome or latency could
    /// differ from the per-request model (see the module doc).
    pub error_bound: f64,
    /// Why, in one sentence.
    pub reason: String,
}

/// `auto` counts beyond this many expected requests: per-request mode handles about a million
/// requests a second of wall time (docs/performance.md), so above it a run takes seconds.
pub const AUTO_COUNTED_REQUESTS: u64 = 2_000_000;

/// `auto` counts only when the error bound is at most this (expected requests over the run).
pub const NEGLIGIBLE_ERROR: f64 = 1e-3;

/// With exponential service times, the chance that a counted request is still in service at the
/// next change (the margin is `ln(1 / EXPONENTIAL_TAIL)` mean service times).
pub const EXPONENTIAL_TAIL: f64 = 1e-15;

/// How long before a change of routing state (a fault, the end of arrivals) the simulator
/// simulates requests one by one in counted mode: twice the longest time a request can stay in
/// service or waiting for its client (its client timeout), so that every request in service at
/// the change, and every request that shared a replica with one, is simulated.
pub fn counted_margin(traffic: &Traffic) -> SimDuration {
    let longest = match traffic.service_time {
        ServiceTime::Constant(d) => d,
        ServiceTime::Uniform(_, hi) => hi,
        ServiceTime::Exponential(mean) => {
            let k = (1.0 / EXPONENTIAL_TAIL).ln().ceil() as u64;
            mean.saturating_mul(k)
        }
    };
    let longest = traffic.client_timeout.map_or(longest, |t| t.min(longest));
    (longest + SimDuration::from_micros(1)).saturating_mul(2)
}

/// Mean service time in seconds.
fn mean_service_s(st: ServiceTime) -> f64 {
    match st {
        ServiceTime::Constant(d) | ServiceTime::Exponential(d) => d.as_secs_f64(),
        ServiceTime::Uniform(lo, hi) => (lo.as_secs_f64() + hi.as_secs_f64()) / 2.0,
    }
}

/// A lower bound of ln k!: Stirling's formula without its (positive) correction terms.
fn ln_factorial_lower(k: f64) -> f64 {
    if k < 1.0 { 0.0 } else { k * k.ln() - k + 0.5 * (2.0 * std::f64::consts::PI * k).ln() }
}

/// An upper bound of P(X >= k) for X Poisson with mean `mean`: the term at k times the
/// geometric series of the ratios of later terms (each below `mean / (k + 1)`).
pub fn poisson_tail_bound(mean: f64, k: u64) -> f64 {
    let k = k as f64;
    if mean <= 0.0 {
        return if k <= 0.0 { 1.0 } else { 0.0 };
    }
    if k <= mean + 1.0 {
        return 1.0;
    }
    let ln_term = -mean + k * mean.ln() - ln_factorial_lower(k);
    (ln_term.exp() / (1.0 - mean / (k + 1.0))).min(1.0)
}

/// The chance that a request's service time reaches its client timeout (it then times out,
/// which counted mode does not model).
fn timeout_chance(traffic: &Traffic) -> f64 {
    let Some(timeout) = traffic.client_timeout else { return 0.0 };
    let t = timeout.as_micros();
    match traffic.service_time {
        ServiceTime::Constant(d) => f64::from(u8::from(d.as_micros() >= t)),
        ServiceTime::Uniform(lo, hi) => {
            let (lo, hi) = (lo.as_micros(), hi.as_micros().max(lo.as_micros()));
            (hi + 1).saturating_sub(t.max(lo)) as f64 / (hi - lo + 1) as f64
        }
        // `exponential_micros` rounds: the time is at least t when the draw is at least t - 1/2.
        ServiceTime::Exponential(mean) => (-(t as f64 - 0.5) / mean.as_micros() as f64).exp(),
    }
}

/// The bound of the chance that a request finds `replicas` replicas full (see the module doc).
fn block_bound(duration: SimDuration, traffic: &Traffic, replicas: u32, max_ongoing: u32) -> f64 {
    let in_service = traffic.peak_rate(duration) * mean_service_s(traffic.service_time);
    poisson_tail_bound(in_service, u64::from(replicas) * u64::from(max_ongoing))
}

/// The fewest replicas whose bound of the chance of finding them all full is no larger than
/// that of `replicas` (the target the error bound assumes): counted mode counts while a router
/// reaches at least this many running replicas, and the error bound still holds. The bound does
/// not grow with the replicas, so this is a binary search.
pub fn fewest_replicas(duration: SimDuration, traffic: &Traffic, replicas: u32, max_ongoing: u32) -> u32 {
    let target = block_bound(duration, traffic, replicas, max_ongoing);
    let (mut lo, mut hi) = (1, replicas.max(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if block_bound(duration, traffic, mid, max_ongoing) <= target { hi = mid } else { lo = mid + 1 }
    }
    hi
}

/// Counted mode's error bound for a run of `duration` (see the module doc).
pub fn error_bound(duration: SimDuration, traffic: &Traffic, replicas: u32, max_ongoing: u32) -> f64 {
    let requests = traffic.expected_requests(duration);
    let block = block_bound(duration, traffic, replicas, max_ongoing);
    let tail = if matches!(traffic.service_time, ServiceTime::Exponential(_)) { EXPONENTIAL_TAIL } else { 0.0 };
    requests * (block + tail + timeout_chance(traffic)).min(1.0)
}

/// The mode of a run of `duration` with this traffic on `replicas` replicas.
pub fn choose(duration: SimDuration, traffic: &Traffic, replicas: u32, max_ongoing: u32) -> ModeChoice {
    let requested = traffic.mode;
    let error_bound = error_bound(duration, traffic, replicas, max_ongoing);
    let expected = traffic.expected_requests(duration);
    let bound = format!("error bound {error_bound:.1e} requests");
    let (mode, reason) = match requested {
        TrafficMode::PerRequest => (RunMode::PerRequest, "traffic.mode is per_request".to_string()),
        TrafficMode::Counted => (RunMode::Counted, format!("traffic.mode is counted ({bound})")),
        TrafficMode::Auto => {
            let long = if duration > MAX_DURATION {
                Some(format!("duration_s above {} s", MAX_DURATION.as_secs_f64()))
            } else if expected > AUTO_COUNTED_REQUESTS as f64 {
                Some(format!("{expected:.0} expected requests, above {AUTO_COUNTED_REQUESTS}"))
            } else {
                None
            };
            match long {
                None => (
                    RunMode::PerRequest,
                    format!("auto: {expected:.0} expected requests, at most {AUTO_COUNTED_REQUESTS}"),
                ),
                Some(why) if error_bound <= NEGLIGIBLE_ERROR => (RunMode::Counted, format!("auto: {why} ({bound})")),
                Some(why) => (
                    RunMode::PerRequest,
                    format!("auto: {why}, but counted mode's {bound} is above {NEGLIGIBLE_ERROR}"),
                ),
            }
        }
    };
    ModeChoice { requested, mode, error_bound, reason }
}

/// The mode of a run of `duration` with this traffic on these applications: [`choose`] on the
/// deployment of a single application; per-request with several, since counted mode models one
/// replica set, and whenever Serve autoscales (its policy reads the ongoing requests of each
/// replica and router, which counted stretches do not hold). Validation refuses `counted` in
/// both cases.
pub fn choose_for(duration: SimDuration, traffic: &Traffic, serve: &Serve) -> ModeChoice {
    match serve.applications.as_slice() {
        [app] if app.deployment.autoscaling.is_some() => ModeChoice {
            requested: traffic.mode,
            mode: RunMode::PerRequest,
            error_bound: 0.0,
            reason:
                "serve.autoscaling: the policy reads every replica's ongoing requests, which only per_request holds"
                    .into(),
        },
        [app] => choose(duration, traffic, app.deployment.num_replicas, app.deployment.max_ongoing_requests),
        apps => ModeChoice {
            requested: traffic.mode,
            mode: RunMode::PerRequest,
            error_bound: 0.0,
            reason: format!("{} applications: counted mode models one replica set", apps.len()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Arrivals;

    fn traffic(rate: f64, mode: TrafficMode) -> Traffic {
        Traffic {
            arrivals: Arrivals::Poisson,
            mode,
            rate_per_s: rate,
            gap_ps: crate::scenario::gap_ps(rate),
            shape: None,
            service_time: ServiceTime::Exponential(SimDuration::from_millis(5)),
            client_timeout: None,
        }
    }

    #[test]
    fn the_poisson_tail_bound_is_above_the_exact_tail_and_close_to_it() {
        // P(Poisson(5) >= 30) = 2.56e-12 (sum of the terms from 30 on).
        let mut term = (-5.0f64).exp();
        let mut exact = 0.0;
        for k in 1..200u32 {
            term *= 5.0 / f64::from(k);
            if k >= 30 {
                exact += term;
            }
        }
        let bound = poisson_tail_bound(5.0, 30);
        assert!(bound >= exact && bound < exact * 1.1, "bound {bound}, exact {exact}");
        assert_eq!(poisson_tail_bound(5.0, 3), 1.0);
    }

    #[test]
    fn the_fewest_replicas_keep_the_bound_of_the_target_and_one_fewer_does_not() {
        let day = SimDuration::from_secs(86_400);
        // 1,000 req/s at 5 ms: 5 in service on average; 10,000 replicas of 5 slots are far more
        // than needed (the bound underflows to zero long before), 6 replicas are not.
        for (replicas, rate) in [(10_000, 1000.0), (6, 1000.0), (6, 20.0), (1, 20.0)] {
            let t = traffic(rate, TrafficMode::Counted);
            let fewest = fewest_replicas(day, &t, replicas, 5);
            let bound = |n| block_bound(day, &t, n, 5);
            assert!(fewest >= 1 && fewest <= replicas, "{replicas} at {rate}: {fewest}");
            assert!(bound(fewest) <= bound(replicas), "{replicas} at {rate}: {fewest}");
            assert!(fewest == 1 || bound(fewest - 1) > bound(replicas), "{replicas} at {rate}: {fewest}");
        }
        assert!(fewest_replicas(day, &traffic(1000.0, TrafficMode::Counted), 10_000, 5) < 100);
        assert_eq!(fewest_replicas(day, &traffic(1000.0, TrafficMode::Counted), 6, 5), 6);
    }

    #[test]
    fn auto_counts_long_runs_only_when_the_bound_is_negligible() {
        let day = SimDuration::from_secs(86_400);
        let short = choose(SimDuration::from_secs(300), &traffic(20.0, TrafficMode::Auto), 6, 5);
        assert_eq!(short.mode, RunMode::PerRequest);
        let month = choose(day.saturating_mul(30), &traffic(1000.0, TrafficMode::Auto), 6, 5);
        assert_eq!(month.mode, RunMode::Counted, "{}", month.reason);
        assert!(month.error_bound < NEGLIGIBLE_ERROR);
        // One replica at 1,000 req/s queues often: counted would not be exact.
        let one = choose(day.saturating_mul(30), &traffic(1000.0, TrafficMode::Auto), 1, 5);
        assert_eq!(one.mode, RunMode::PerRequest, "{}", one.reason);
        assert!(one.reason.contains("above 0.001"), "{}", one.reason);
        let forced = choose(day, &traffic(1000.0, TrafficMode::Counted), 1, 5);
        assert_eq!(forced.mode, RunMode::Counted);
        // A 50 ms client timeout on 5 ms mean service times: e^-10 of the requests time out.
        let mut short_timeout = traffic(1000.0, TrafficMode::Auto);
        short_timeout.client_timeout = Some(SimDuration::from_millis(50));
        let timeouts = choose(day.saturating_mul(30), &short_timeout, 6, 5);
        assert_eq!(timeouts.mode, RunMode::PerRequest, "{}", timeouts.reason);
        assert!((timeouts.error_bound / (2.592e9 * (-9.9999f64).exp()) - 1.0).abs() < 1e-3);
    }
}
