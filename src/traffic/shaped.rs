//! Arrivals at a rate that varies with time, as a time change of a unit-rate process through
//! the integrated rate (see the module doc of [`crate::traffic`]).

use crate::engine::{RngStream, SimTime};
use crate::scenario::Arrivals;
use crate::scenario::rate::RateShape;

/// The next arrival times of a shaped traffic, in order.
#[derive(Clone, Debug)]
pub(super) struct ShapedClock {
    /// The rate over time.
    shape: RateShape,
    /// The arrival process.
    arrivals: Arrivals,
    /// The integrated rate at the last arrival: the time of the unit-rate process (for constant
    /// arrivals, the index of the last arrival).
    units: f64,
    /// The last arrival: arrivals never go back, whatever the rounding of the inverse.
    last: SimTime,
}

impl ShapedClock {
    /// A clock at the start of the run.
    pub(super) fn new(shape: RateShape, arrivals: Arrivals) -> Self {
        ShapedClock { shape, arrivals, units: 0.0, last: SimTime::ZERO }
    }

    /// The next arrival; Poisson arrivals draw one exponential from `rng` (the `arrivals`
    /// stream).
    pub(super) fn next(&mut self, rng: &mut RngStream) -> SimTime {
        self.units += match self.arrivals {
            Arrivals::Constant => 1.0,
            Arrivals::Poisson => rng.exponential(1.0),
        };
        self.last = self.last.max(self.time_of(self.units));
        self.last
    }

    /// Moves the clock to `at` (see [`super::ArrivalStream::skip_to`]).
    pub(super) fn skip_to(&mut self, at: SimTime) {
        self.units = match self.arrivals {
            Arrivals::Constant => (self.first_constant_at_or_after(at) - 1) as f64,
            Arrivals::Poisson => self.shape.integral(at.as_secs_f64()),
        };
        self.last = at;
    }

    /// The arrivals in [from, to) (see [`super::ArrivalStream::count_in`]): for Poisson ones, a
    /// Poisson draw whose mean is the integral of the rate over the span.
    pub(super) fn count_in(&self, from: SimTime, to: SimTime, arrival_at_from: bool, rng: &mut RngStream) -> u64 {
        match self.arrivals {
            Arrivals::Constant => self.first_constant_at_or_after(to) - self.first_constant_at_or_after(from),
            Arrivals::Poisson => {
                let mean = self.shape.integral(to.as_secs_f64()) - self.shape.integral(from.as_secs_f64());
                u64::from(arrival_at_from) + rng.poisson(mean)
            }
        }
    }

    /// The time at which the integrated rate reaches `units`, rounded down to the microsecond;
    /// the last representable time when it never does.
    fn time_of(&self, units: f64) -> SimTime {
        // `as` saturates: a time beyond the last microsecond is the last one.
        self.shape.time_of(units).map_or(SimTime::from_micros(u64::MAX), |t| SimTime::from_micros((t * 1e6) as u64))
    }

    /// The index n >= 1 of the first constant arrival at or after `at` (arrival n comes when the
    /// integrated rate reaches n).
    fn first_constant_at_or_after(&self, at: SimTime) -> u64 {
        let arrival = |n: u64| self.time_of(n as f64);
        let mut n = (self.shape.integral(at.as_secs_f64()).ceil() as u64).max(1);
        while n > 1 && arrival(n - 1) >= at {
            n -= 1;
        }
        while arrival(n) < at {
            n += 1;
        }
        n
    }
}
