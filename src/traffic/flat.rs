//! Arrivals at a constant rate, on a clock in picoseconds (see the module doc of
//! [`crate::traffic`]).

use crate::engine::{RngStream, SimTime};
use crate::scenario::{Arrivals, Traffic};

/// Picoseconds per microsecond of simulated time.
const PS_PER_US: u64 = 1_000_000;

/// The next arrival times of a traffic at a constant rate, in order.
#[derive(Clone, Debug, Default)]
pub(super) struct FlatClock {
    /// The last arrival, in picoseconds since the start (u128: a u64 of picoseconds ends after
    /// 213 days, within a counted run).
    at_ps: u128,
}

impl FlatClock {
    /// The next arrival of `traffic`; Poisson gaps draw from `rng` (the `arrivals` stream).
    pub(super) fn next(&mut self, traffic: &Traffic, rng: &mut RngStream) -> SimTime {
        let gap = match traffic.arrivals {
            Arrivals::Constant => traffic.gap_ps,
            // `as` saturates: a draw far in the tail lands after any run's end.
            Arrivals::Poisson => rng.exponential(traffic.gap_ps as f64).round() as u64,
        };
        self.at_ps = self.at_ps.saturating_add(u128::from(gap));
        SimTime::from_micros(u64::try_from(self.at_ps / u128::from(PS_PER_US)).unwrap_or(u64::MAX))
    }

    /// Moves the clock to `at` (see [`super::ArrivalStream::skip_to`]).
    pub(super) fn skip_to(&mut self, traffic: &Traffic, at: SimTime) {
        self.at_ps = match traffic.arrivals {
            Arrivals::Constant => {
                let n = first_constant_at_or_after(at, traffic.gap_ps) - 1;
                u128::from(n) * u128::from(traffic.gap_ps)
            }
            Arrivals::Poisson => u128::from(at.as_micros()) * u128::from(PS_PER_US),
        };
    }
}

/// The arrivals of `traffic` in [from, to) (see [`super::ArrivalStream::count_in`]).
pub(super) fn count_in(
    traffic: &Traffic,
    from: SimTime,
    to: SimTime,
    arrival_at_from: bool,
    rng: &mut RngStream,
) -> u64 {
    let gap = traffic.gap_ps;
    match traffic.arrivals {
        Arrivals::Constant => first_constant_at_or_after(to, gap) - first_constant_at_or_after(from, gap),
        Arrivals::Poisson => {
            let span_ps = to.saturating_since(from).as_micros() as f64 * PS_PER_US as f64;
            u64::from(arrival_at_from) + rng.poisson(span_ps / gap as f64)
        }
    }
}

/// The index n >= 1 of the first constant arrival at or after `at` (arrival n comes at
/// `floor(n x gap)`, in microseconds).
fn first_constant_at_or_after(at: SimTime, gap_ps: u64) -> u64 {
    let at_ps = u128::from(at.as_micros()) * u128::from(PS_PER_US);
    (at_ps.div_ceil(u128::from(gap_ps.max(1))) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::names::stream;
    use crate::scenario::{ServiceTime, gap_ps};

    fn traffic(rate: f64, arrivals: Arrivals) -> Traffic {
        Traffic {
            arrivals,
            mode: crate::scenario::traffic_mode::TrafficMode::Auto,
            rate_per_s: rate,
            gap_ps: gap_ps(rate),
            shape: None,
            service_time: ServiceTime::Constant(SimDuration::from_millis(5)),
            client_timeout: None,
        }
    }

    /// Arrivals before `secs`, as the simulator counts them.
    fn count(rate: f64, arrivals: Arrivals, secs: u64) -> u64 {
        let t = traffic(rate, arrivals);
        let mut clock = FlatClock::default();
        let mut rng = RngStream::new(1, stream::ARRIVALS);
        let end = SimTime::from_micros(secs * 1_000_000);
        let mut n = 0;
        while clock.next(&t, &mut rng) < end {
            n += 1;
        }
        n
    }

    #[test]
    fn constant_rates_are_exact_although_the_gap_is_not_whole_microseconds() {
        for rate in [666_667.0, 400_000.0, 1_000_000.0, 3.0, 0.7, 123_456.789] {
            let n = count(rate, Arrivals::Constant, 20) as f64;
            let expected = rate * 20.0;
            assert!((n - expected).abs() <= 1.0 + expected * 1e-6, "rate {rate}: {n} arrivals, expected {expected}");
        }
    }

    #[test]
    fn poisson_rates_are_exact_to_a_tenth_of_a_percent() {
        // 8 M arrivals: the count's own noise is 0.035 %.
        for rate in [400_000.0, 200_000.0, 666_667.0] {
            let secs = (8e6 / rate) as u64;
            let n = count(rate, Arrivals::Poisson, secs) as f64;
            let expected = rate * secs as f64;
            assert!((n / expected - 1.0).abs() < 1e-3, "rate {rate}: {n} arrivals, expected {expected}");
        }
    }

    #[test]
    fn a_rate_of_one_per_microsecond_puts_one_arrival_on_each_tick() {
        let t = traffic(1_000_000.0, Arrivals::Constant);
        let mut clock = FlatClock::default();
        let mut rng = RngStream::new(1, stream::ARRIVALS);
        let times: Vec<u64> = (0..3).map(|_| clock.next(&t, &mut rng).as_micros()).collect();
        assert_eq!(times, [1, 2, 3]);
    }
}
