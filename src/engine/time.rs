//! Simulated time: integer microseconds in newtypes.
//!
//! Scenario files and reports speak seconds (`_s` suffix, as Ray's own options do); inside the
//! simulator every instant is a [`SimTime`] and every span a [`SimDuration`], both counting whole
//! microseconds. Conversion from seconds rounds to the nearest microsecond (ties away from zero);
//! no float ever decides the order of events.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Microseconds per second.
pub const MICROS_PER_S: u64 = 1_000_000;

/// An instant of simulated time, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant from whole microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }

    /// Whole microseconds since the start of the run.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds since the start, for output only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_S as f64
    }

    /// The span from `earlier` to `self`; zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// The first instant on the grid `anchor + k * step` (k >= 0) that is at or after `self`.
    pub fn ceil_to_grid(self, anchor: SimTime, step: SimDuration) -> SimTime {
        if self <= anchor || step.0 == 0 {
            return self.max(anchor);
        }
        let offset = self.0 - anchor.0;
        let steps = offset.div_ceil(step.0);
        SimTime(anchor.0.saturating_add(steps.saturating_mul(step.0)))
    }
}

impl SimDuration {
    /// The empty span.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span from whole microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }

    /// A span from whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }

    /// A span from whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * MICROS_PER_S)
    }

    /// A span from seconds, rounded to the nearest microsecond. `None` when `s` is negative,
    /// not finite, or too large for the time type.
    pub fn from_secs_f64(s: f64) -> Option<Self> {
        if !s.is_finite() || s < 0.0 {
            return None;
        }
        let us = (s * MICROS_PER_S as f64).round();
        if us >= u64::MAX as f64 {
            return None;
        }
        Some(SimDuration(us as u64))
    }

    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds, for output only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_S as f64
    }

    /// This span times `k`, saturating.
    pub fn saturating_mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }

    /// This span scaled by `num / den` with integer arithmetic (rounded down).
    pub fn scale(self, num: u64, den: u64) -> SimDuration {
        SimDuration(((self.0 as u128 * num as u128) / den.max(1) as u128) as u64)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// The span between two instants; panics in debug builds if `rhs` is later.
    fn sub(self, rhs: SimTime) -> SimDuration {
        debug_assert!(self >= rhs, "time went backwards: {self} - {rhs}");
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for SimTime {
    /// Seconds with six decimals, e.g. `60.000000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / MICROS_PER_S, self.0 % MICROS_PER_S)
    }
}

impl From<SimDuration> for std::time::Duration {
    /// The span as a wall-clock duration (live mode waits in real time).
    fn from(d: SimDuration) -> Self {
        std::time::Duration::from_micros(d.as_micros())
    }
}

impl fmt::Display for SimDuration {
    /// Seconds with up to six decimals and an `s` unit, e.g. `1.5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / MICROS_PER_S;
        let frac = self.0 % MICROS_PER_S;
        if frac == 0 {
            write!(f, "{whole}s")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{whole}.{}s", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_nearest_microsecond() {
        assert_eq!(SimDuration::from_secs_f64(1.5).unwrap().as_micros(), 1_500_000);
        assert_eq!(SimDuration::from_secs_f64(0.0000004).unwrap().as_micros(), 0);
        assert_eq!(SimDuration::from_secs_f64(0.0000005).unwrap().as_micros(), 1);
    }

    #[test]
    fn invalid_seconds_are_rejected() {
        assert!(SimDuration::from_secs_f64(-1.0).is_none());
        assert!(SimDuration::from_secs_f64(f64::NAN).is_none());
        assert!(SimDuration::from_secs_f64(f64::INFINITY).is_none());
        assert!(SimDuration::from_secs_f64(1e300).is_none());
    }

    #[test]
    fn grid_rounds_up_to_next_step() {
        let anchor = SimTime::from_micros(1_000);
        let step = SimDuration::from_micros(500);
        assert_eq!(SimTime::from_micros(1_000).ceil_to_grid(anchor, step).as_micros(), 1_000);
        assert_eq!(SimTime::from_micros(1_001).ceil_to_grid(anchor, step).as_micros(), 1_500);
        assert_eq!(SimTime::from_micros(900).ceil_to_grid(anchor, step).as_micros(), 1_000);
    }

    #[test]
    fn display_is_seconds() {
        assert_eq!(SimTime::from_micros(60_000_001).to_string(), "60.000001");
        assert_eq!(SimDuration::from_micros(1_500_000).to_string(), "1.5s");
        assert_eq!(SimDuration::from_secs(30).to_string(), "30s");
    }
}
