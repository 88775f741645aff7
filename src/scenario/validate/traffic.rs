//! `traffic`: the arrival process, its rate and shape, service times and the client timeout.

use std::path::Path;

use super::check::{Checker, r};
use super::{d, f, traffic_shape};
use crate::engine::SimDuration;
use crate::scenario::model::{Arrivals, ServiceTime, Traffic};
use crate::scenario::raw::{RawArrivals, RawScenario, RawServiceTime, RawTrafficMode};
use crate::scenario::show;
use crate::scenario::traffic_mode::{ModeChoice, RunMode, TrafficMode};

/// The traffic of `raw`; a shape's CSV path is relative to `base_dir`. A shape whose rate does
/// not vary over the run's `duration` becomes that constant rate, so that it draws the same
/// arrivals as `rate_per_s` would.
pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, duration: SimDuration, base_dir: &Path) -> Traffic {
    ck.section(raw, "traffic");
    let given = f::RATE_PER_S.f64(raw);
    let bounds = traffic_shape::Bounds { rate: given, duration, base_dir };
    let shape = raw.traffic.shape.as_ref().and_then(|s| traffic_shape::validate(ck, s, &bounds));
    let flat = shape.as_ref().and_then(|s| s.flat_until(duration.as_secs_f64()));
    let (rate, shape) = match flat {
        Some(r) if f::RATE_PER_S.kind.check_f64(r).is_ok() => (r, None),
        _ => (given, shape),
    };
    let gap_ps = if f::RATE_PER_S.kind.check_f64(rate).is_ok() { crate::scenario::gap_ps(rate) } else { 0 };
    Traffic {
        arrivals: match r(&raw.traffic.arrivals) {
            RawArrivals::Constant => Arrivals::Constant,
            RawArrivals::Poisson => Arrivals::Poisson,
        },
        mode: match r(&raw.traffic.mode) {
            RawTrafficMode::Auto => TrafficMode::Auto,
            RawTrafficMode::PerRequest => TrafficMode::PerRequest,
            RawTrafficMode::Counted => TrafficMode::Counted,
        },
        rate_per_s: rate,
        gap_ps,
        shape,
        service_time: service_time(ck, &r(&raw.traffic.service_time)),
        client_timeout: f::CLIENT_TIMEOUT_S.secs_opt(raw),
    }
}

/// The limits of a run simulated one request at a time: [`d::MAX_DURATION`] and
/// [`d::MAX_REQUESTS`] (counted traffic has neither; see `scenario::traffic_mode`).
pub(super) fn per_request_limits(ck: &mut Checker, duration: SimDuration, traffic: &Traffic, mode: &ModeChoice) {
    if mode.mode != RunMode::PerRequest || traffic.gap_ps == 0 {
        return;
    }
    let why = format!("this run is per-request ({})", mode.reason);
    if duration > d::MAX_DURATION {
        ck.err(
            f::DURATION_S.json_path(),
            format!(
                "expected at most {} s for a per-request run, found {}; {why}",
                d::MAX_DURATION.as_secs_f64(),
                duration.as_secs_f64()
            ),
        );
    }
    let expected = traffic.expected_requests(duration);
    if expected > d::MAX_REQUESTS as f64 {
        let (field, what) = match traffic.shape {
            None => (&f::RATE_PER_S, "rate_per_s x duration_s"),
            Some(_) => (&f::SHAPE, "the shape's expected requests over duration_s"),
        };
        ck.err(
            field.json_path(),
            format!(
                "{what} = {expected:.0} requests, more than the limit of {} for a per-request run; {why}",
                d::MAX_REQUESTS
            ),
        );
    }
}

fn service_time(ck: &mut Checker, st: &RawServiceTime) -> ServiceTime {
    let p = f::SERVICE_TIME.json_path();
    match *st {
        RawServiceTime::Constant { s } => ServiceTime::Constant(ck.secs(&f::SERVICE_TIME_S, p.key("s"), s)),
        RawServiceTime::Exponential { mean_s } => {
            ServiceTime::Exponential(ck.secs(&f::SERVICE_TIME_MEAN_S, p.key("mean_s"), mean_s))
        }
        RawServiceTime::Uniform { min_s, max_s } => {
            let lo = ck.secs(&f::SERVICE_TIME_MIN_S, p.key("min_s"), min_s);
            let hi = ck.secs(&f::SERVICE_TIME_MAX_S, p.key("max_s"), max_s);
            if hi < lo {
                let msg = format!("expected max_s >= min_s ({}), found {}", show::num(min_s), show::num(max_s));
                ck.err(p.key("max_s"), msg);
            }
            ServiceTime::Uniform(lo, hi)
        }
    }
}
