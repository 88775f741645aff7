//! A traffic shape (`traffic.shape`): the request rate as a function of time, its integral (the
//! expected number of requests since the start of the run) and the integral's inverse (when the
//! expected number reaches a value), which the arrival stream uses to draw a non-homogeneous
//! Poisson process exactly, as a time change of a unit-rate one (see [`crate::traffic`]).
//!
//! A shape is a sequence of pieces, each from its start to the next one's (the last for ever):
//! flat (steps, a CSV's minutes), linear (a ramp) or a daily sinusoid. Times are seconds since
//! the start of the run, as `f64`; the sinusoid uses `libm`, so that every platform draws the
//! same arrivals.

use std::f64::consts::PI;
use std::sync::Arc;

/// Seconds in a day: the period of a daily cycle.
pub const DAY_S: f64 = 86_400.0;

/// The rate over one piece \[1/s\].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Curve {
    /// Constant.
    Flat(f64),
    /// Linear from `from` at the piece's start to `to` at its end.
    Linear {
        /// The rate at the start.
        from: f64,
        /// The rate at the end.
        to: f64,
    },
    /// `mean + amplitude x cos(2π (t - peak_s) / DAY_S)`, `t` in seconds since the run's start.
    Daily {
        /// The mean rate.
        mean: f64,
        /// The amplitude, at most `mean`.
        amplitude: f64,
        /// A time of the peak, in seconds since the run's start (may be negative).
        peak_s: f64,
    },
}

/// One piece of a shape.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Piece {
    /// Its start \[s\].
    start: f64,
    /// Its end \[s\]: the next piece's start, infinite for the last.
    end: f64,
    /// The rate over it.
    curve: Curve,
    /// Expected requests before its start.
    before: f64,
}

impl Piece {
    /// Expected requests from the piece's start to `t` (within the piece).
    fn integral_to(&self, t: f64) -> f64 {
        let tau = t - self.start;
        match self.curve {
            Curve::Flat(r) => r * tau,
            Curve::Linear { from, to } => from * tau + (to - from) / (2.0 * (self.end - self.start)) * tau * tau,
            Curve::Daily { mean, amplitude, peak_s } => {
                let w = 2.0 * PI / DAY_S;
                mean * tau + amplitude / w * (libm::sin(w * (t - peak_s)) - libm::sin(w * (self.start - peak_s)))
            }
        }
    }

    /// The rate at `t` (within the piece).
    fn rate_at(&self, t: f64) -> f64 {
        match self.curve {
            Curve::Flat(r) => r,
            Curve::Linear { from, to } => from + (to - from) * (t - self.start) / (self.end - self.start),
            Curve::Daily { mean, amplitude, peak_s } => mean + amplitude * libm::cos(2.0 * PI / DAY_S * (t - peak_s)),
        }
    }

    /// The time at which `du` (> 0) expected requests after the piece's start have come; the
    /// caller knows it lies within the piece.
    fn time_of(&self, du: f64) -> f64 {
        let t = match self.curve {
            Curve::Flat(r) => self.start + du / r,
            Curve::Linear { from, to } => {
                // a tau^2 + from tau = du, in the form that stays accurate when a is small.
                let a = (to - from) / (2.0 * (self.end - self.start));
                let disc = libm::sqrt((from * from + 4.0 * a * du).max(0.0));
                let denom = from + disc;
                if denom > 0.0 { self.start + 2.0 * du / denom } else { self.end }
            }
            Curve::Daily { mean, amplitude, .. } => {
                // Over any span the sinusoid adds at most 2 x amplitude x DAY_S / 2π to `mean x span`.
                let hi = self.start + (du + amplitude * DAY_S / PI) / mean;
                self.solve(du, hi)
            }
        };
        t.clamp(self.start, self.end)
    }

    /// The root in [start, hi] of `integral_to(t) = du` (increasing in t): Newton's method,
    /// kept inside a bracket that bisection narrows when a step leaves it.
    fn solve(&self, du: f64, hi: f64) -> f64 {
        let (mut lo, mut hi) = (self.start, hi);
        let mut t = self.start + du / self.rate_at(self.start).max(f64::MIN_POSITIVE);
        for _ in 0..200 {
            if !(t > lo && t < hi) {
                t = lo + (hi - lo) / 2.0;
            }
            let f = self.integral_to(t) - du;
            if f < 0.0 {
                lo = t
            } else {
                hi = t
            }
            let rate = self.rate_at(t);
            let next = if rate > 0.0 { t - f / rate } else { f64::NAN };
            if f == 0.0 || hi - lo <= 1e-12 * hi.abs().max(1.0) || (next - t).abs() <= 1e-13 * t.abs().max(1.0) {
                return if next.is_finite() { next.clamp(lo, hi) } else { t };
            }
            t = next;
        }
        t
    }

    /// The highest rate over the piece.
    fn peak(&self) -> f64 {
        match self.curve {
            Curve::Flat(r) => r,
            Curve::Linear { from, to } => from.max(to),
            Curve::Daily { mean, amplitude, .. } => mean + amplitude,
        }
    }
}

/// A request rate that varies with time; every rate is finite and at least 0, and a daily
/// sinusoid's amplitude at most its mean (validated by `scenario::validate`).
#[derive(Clone, Debug, PartialEq)]
pub struct RateShape {
    /// In time order, the first from 0.
    pieces: Arc<[Piece]>,
}

impl RateShape {
    /// The shape of `pieces`, each `(start, curve)` in increasing order of start, the first at 0;
    /// a linear piece is never last.
    pub fn new(pieces: &[(f64, Curve)]) -> RateShape {
        let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
        for (i, &(start, curve)) in pieces.iter().enumerate() {
            let end = pieces.get(i + 1).map_or(f64::INFINITY, |p| p.0);
            let before = out.last().map_or(0.0, |p| p.before + p.integral_to(p.end));
            out.push(Piece { start, end, curve, before });
        }
        RateShape { pieces: out.into() }
    }

    /// `rate` until the first step, then each step's rate from its time on.
    pub fn steps(rate: f64, steps: &[(f64, f64)]) -> RateShape {
        let first = (steps.first().map(|s| s.0) != Some(0.0)).then_some((0.0, Curve::Flat(rate)));
        let pieces: Vec<(f64, Curve)> =
            first.into_iter().chain(steps.iter().map(|&(t, r)| (t, Curve::Flat(r)))).collect();
        RateShape::new(&pieces)
    }

    /// `from` until `at`, then linear up or down to `to` over `span` (> 0), then `to`.
    pub fn ramp(from: f64, at: f64, span: f64, to: f64) -> RateShape {
        let before = (at > 0.0).then_some((0.0, Curve::Flat(from)));
        let pieces: Vec<(f64, Curve)> =
            before.into_iter().chain([(at, Curve::Linear { from, to }), (at + span, Curve::Flat(to))]).collect();
        RateShape::new(&pieces)
    }

    /// A daily cycle around `mean` of `amplitude`, highest at `peak_hour`, the run starting at
    /// `start_hour` (hours of the day).
    pub fn daily(mean: f64, amplitude: f64, peak_hour: f64, start_hour: f64) -> RateShape {
        let peak_s = (peak_hour - start_hour) * 3600.0;
        RateShape::new(&[(0.0, Curve::Daily { mean, amplitude, peak_s })])
    }

    /// The piece at time `t` >= 0.
    fn piece_at(&self, t: f64) -> &Piece {
        let i = self.pieces.partition_point(|p| p.start <= t).max(1) - 1;
        &self.pieces[i]
    }

    /// The rate at `t` seconds \[1/s\].
    pub fn rate_at(&self, t: f64) -> f64 {
        self.piece_at(t.max(0.0)).rate_at(t.max(0.0))
    }

    /// Expected requests from the start of the run to `t` seconds.
    pub fn integral(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        let p = self.piece_at(t);
        p.before + p.integral_to(t)
    }

    /// The first time \[s\] at which `integral` reaches `u`, or `None` when it never does (the
    /// rate stays 0 from some time on).
    pub fn time_of(&self, u: f64) -> Option<f64> {
        if u <= 0.0 {
            return Some(0.0);
        }
        // The last piece that starts with fewer than `u` expected requests: pieces with a zero
        // rate hold none and are skipped.
        let i = self.pieces.partition_point(|p| p.before < u).max(1) - 1;
        let p = &self.pieces[i];
        let du = u - p.before;
        if p.end.is_infinite() && p.peak() <= 0.0 {
            return None;
        }
        Some(p.time_of(du))
    }

    /// The highest rate from the start of the run to `t` seconds (of each piece that starts
    /// before it, its highest over the whole piece).
    pub fn peak_until(&self, t: f64) -> f64 {
        self.pieces.iter().take_while(|p| p.start < t || p.start == 0.0).map(Piece::peak).fold(0.0, f64::max)
    }

    /// The constant rate of a shape that does not vary before `t` seconds.
    pub fn flat_until(&self, t: f64) -> Option<f64> {
        let mut rates = self.pieces.iter().take_while(|p| p.start < t || p.start == 0.0).map(|p| match p.curve {
            Curve::Flat(r) => Some(r),
            Curve::Linear { from, to } if from == to => Some(from),
            Curve::Daily { mean, amplitude: 0.0, .. } => Some(mean),
            _ => None,
        });
        let first = rates.next()??;
        rates.all(|r| r == Some(first)).then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integral by the midpoint rule, for comparison.
    fn numeric(shape: &RateShape, t: f64) -> f64 {
        let n = 200_000;
        let h = t / n as f64;
        (0..n).map(|i| shape.rate_at((i as f64 + 0.5) * h) * h).sum()
    }

    fn shapes() -> Vec<RateShape> {
        vec![
            RateShape::steps(20.0, &[(60.0, 100.0), (120.0, 0.0), (150.0, 5.0)]),
            RateShape::ramp(10.0, 30.0, 120.0, 200.0),
            RateShape::ramp(200.0, 0.0, 100.0, 0.0),
            RateShape::daily(50.0, 40.0, 18.0, 6.0),
            RateShape::daily(50.0, 50.0, 3.0, 0.0),
        ]
    }

    #[test]
    fn the_integral_is_the_area_under_the_rate() {
        for s in shapes() {
            for t in [1.0, 45.0, 90.0, 200.0, 3_600.0, 50_000.0] {
                let (exact, num) = (s.integral(t), numeric(&s, t));
                // The midpoint rule errs by up to a step's width times the jump at each step.
                let tolerance = 1e-6 * num.max(1.0) + 4.0 * (t / 200_000.0) * s.peak_until(t);
                assert!((exact - num).abs() <= tolerance, "{s:?} at {t}: {exact} vs {num}");
            }
        }
    }

    #[test]
    fn time_of_inverts_the_integral() {
        for s in shapes() {
            for t in [0.5, 45.0, 90.0, 149.0, 151.0, 3_600.0, 50_000.0, 3e7] {
                let u = s.integral(t);
                let back = s.time_of(u).unwrap();
                // Where the rate is 0, the first time the integral reaches u is earlier.
                assert!((s.integral(back) - u).abs() <= 1e-9 * u.max(1.0), "{s:?}: {t} -> {u} -> {back}");
                assert!(back <= t + 1e-9 * t.max(1.0), "{s:?}: {t} -> {back}");
            }
        }
    }

    #[test]
    fn a_rate_that_ends_at_zero_has_a_last_arrival() {
        let s = RateShape::ramp(200.0, 0.0, 100.0, 0.0);
        assert_eq!(s.integral(1e6), 10_000.0);
        assert_eq!(s.time_of(10_000.0), Some(100.0));
        assert_eq!(s.time_of(10_000.5), None);
    }

    #[test]
    fn peaks_and_flat_shapes() {
        let steps = RateShape::steps(20.0, &[(60.0, 100.0)]);
        assert_eq!(steps.peak_until(60.0), 20.0);
        assert_eq!(steps.peak_until(61.0), 100.0);
        assert_eq!(steps.flat_until(60.0), Some(20.0));
        assert_eq!(steps.flat_until(61.0), None);
        assert_eq!(RateShape::steps(20.0, &[(0.0, 7.0), (10.0, 7.0)]).flat_until(100.0), Some(7.0));
        assert_eq!(RateShape::daily(50.0, 40.0, 18.0, 0.0).peak_until(10.0), 90.0);
        assert_eq!(RateShape::ramp(5.0, 10.0, 10.0, 5.0).flat_until(1e9), Some(5.0));
    }
}
