//! `traffic`: the arrival process, its rate, service times and the client timeout.

use super::check::{Checker, r};
use super::{d, f};
use crate::engine::SimDuration;
use crate::scenario::model::{Arrivals, ServiceTime, Traffic};
use crate::scenario::raw::{RawArrivals, RawScenario, RawServiceTime, RawTrafficMode};
use crate::scenario::show;
use crate::scenario::traffic_mode::TrafficMode;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, duration: SimDuration) -> Traffic {
    ck.section(raw, "traffic");
    let rate = f::RATE_PER_S.f64(raw);
    let mut gap_ps = 0;
    if f::RATE_PER_S.kind.check_f64(rate).is_ok() {
        gap_ps = crate::scenario::gap_ps(rate);
        let expected = rate * duration.as_secs_f64();
        if expected > d::MAX_REQUESTS as f64 {
            ck.err(
                f::RATE_PER_S.json_path(),
                format!("rate_per_s x duration_s = {expected:.0} requests, more than the limit of {}", d::MAX_REQUESTS),
            );
        }
    }
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
        service_time: service_time(ck, &r(&raw.traffic.service_time)),
        client_timeout: f::CLIENT_TIMEOUT_S.secs_opt(raw),
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
