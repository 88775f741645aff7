//! `traffic.shape`: steps in order and before the end of the run, a ramp with a span, a daily
//! cycle that stays at or above 0, a CSV of rates per minute that covers the run.

use std::path::Path;

use super::JsonPath;
use super::check::Checker;
use super::csv::Column;
use super::{d, f};
use crate::engine::SimDuration;
use crate::scenario::fields::Field;
use crate::scenario::rate::{Curve, RateShape};
use crate::scenario::raw::{RawRateUnit, RawShape};
use crate::scenario::show;

/// What a shape is checked against.
pub(super) struct Bounds<'a> {
    /// `traffic.rate_per_s`: the rate a shape starts from.
    pub rate: f64,
    /// The arrival window.
    pub duration: SimDuration,
    /// Where the CSV path starts.
    pub base_dir: &'a Path,
}

/// The shape of `raw`, or `None` after reporting its errors.
pub(super) fn validate(ck: &mut Checker, raw: &RawShape, b: &Bounds) -> Option<RateShape> {
    let p = f::SHAPE.json_path();
    let errors = ck.errors.len();
    let shape = match raw {
        RawShape::Steps { steps } => {
            let sp = p.key("steps");
            if steps.is_empty() || steps.len() > d::MAX_SHAPE_STEPS {
                let msg = format!("expected 1 to {} steps, found {}", d::MAX_SHAPE_STEPS, steps.len());
                ck.err(sp, msg);
                return None;
            }
            let mut out: Vec<(f64, f64)> = Vec::with_capacity(steps.len());
            let mut previous: Option<SimDuration> = None;
            for (i, step) in steps.iter().enumerate() {
                let ip = sp.index(i);
                let at = instant(ck, &f::SHAPE_STEP_AT_S, ip.key("at_s"), step.at_s, b.duration);
                if let Some(prev) = previous.filter(|&prev| at <= prev) {
                    let msg = format!(
                        "expected steps in increasing order of at_s: after the previous step's ({prev}), found {}",
                        show::num(step.at_s)
                    );
                    ck.err(ip.key("at_s"), msg);
                }
                previous = Some(at);
                let rate = ck.num(&f::SHAPE_STEP_RATE_PER_S, ip.key("rate_per_s"), step.rate_per_s);
                out.push((at.as_secs_f64(), rate));
            }
            RateShape::steps(b.rate, &out)
        }
        RawShape::Ramp { at_s, span_s, to_per_s } => {
            let at = instant(ck, &f::SHAPE_AT_S, p.key("at_s"), *at_s, b.duration);
            let span = ck.secs(&f::SHAPE_SPAN_S, p.key("span_s"), *span_s);
            let to = ck.num(&f::SHAPE_TO_PER_S, p.key("to_per_s"), *to_per_s);
            RateShape::ramp(b.rate, at.as_secs_f64(), span.as_secs_f64(), to)
        }
        RawShape::Daily { amplitude_per_s, peak_hour, start_hour } => {
            let amplitude = ck.num(&f::SHAPE_AMPLITUDE_PER_S, p.key("amplitude_per_s"), *amplitude_per_s);
            if amplitude > b.rate {
                let msg = format!(
                    "expected at most traffic.rate_per_s ({}), the mean rate, found {}: the rate would fall below 0",
                    show::num(b.rate),
                    show::num(amplitude)
                );
                ck.err(p.key("amplitude_per_s"), msg);
            } else if b.rate + amplitude > d::MAX_RATE_PER_S {
                let msg = format!(
                    "expected a peak rate (traffic.rate_per_s + amplitude_per_s) of at most {}, found {}",
                    d::MAX_RATE_PER_S,
                    show::num(b.rate + amplitude)
                );
                ck.err(p.key("amplitude_per_s"), msg);
            }
            let peak = ck.num(&f::SHAPE_PEAK_HOUR, p.key("peak_hour"), *peak_hour);
            let start = start_hour.map_or(0.0, |h| ck.num(&f::SHAPE_START_HOUR, p.key("start_hour"), h));
            RateShape::daily(b.rate, amplitude, peak, start)
        }
        RawShape::Csv { csv, unit } => {
            let per_s = match unit {
                RawRateUnit::PerS => 1.0,
                RawRateUnit::PerMin => 1.0 / 60.0,
            };
            let minutes = per_minute(ck, p.key("csv"), csv, per_s, b)?;
            let pieces: Vec<(f64, Curve)> =
                minutes.iter().enumerate().map(|(i, &r)| (60.0 * i as f64, Curve::Flat(r * per_s))).collect();
            RateShape::new(&pieces)
        }
    };
    (ck.errors.len() == errors).then_some(shape)
}

/// A time `v` of field `field` at `path` that must come before the end of the run.
fn instant(ck: &mut Checker, field: &Field, path: JsonPath, v: f64, duration: SimDuration) -> SimDuration {
    let at = ck.secs(field, path.clone(), v);
    if at >= duration && duration > SimDuration::ZERO {
        let msg =
            format!("expected a time before the end of the run (duration_s = {duration}), found {}", show::num(v));
        ck.err(path, msg);
    }
    at
}

/// The rates of a CSV file, one a minute from the start of the run, in the file's unit (one
/// of which is `per_s` requests per second); they must cover the run.
fn per_minute(ck: &mut Checker, path: JsonPath, csv: &str, per_s: f64, b: &Bounds) -> Option<Vec<f64>> {
    let max = d::MAX_RATE_PER_S / per_s;
    let check = |v: f64| {
        if (0.0..=max).contains(&v) {
            Ok(())
        } else {
            Err(format!("expected a rate from 0 to {} in the file's unit", show::num(max)))
        }
    };
    let column = Column { noun: "rate", max: d::MAX_SHAPE_MINUTES, blank_is_error: true, check: &check };
    let rates = super::csv::read(b.base_dir, csv, &column).map_err(|e| ck.err(path.clone(), e)).ok()?;
    let needed = b.duration.as_micros().div_ceil(60_000_000) as usize;
    if rates.len() < needed {
        let msg = format!(
            "{}: expected a rate for each of the run's {needed} minutes (duration_s = {}), found {}",
            b.base_dir.join(csv).display(),
            b.duration,
            rates.len()
        );
        ck.err(path, msg);
        return None;
    }
    Some(rates)
}
