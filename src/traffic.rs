//! The arrival stream of a scenario's traffic, shared by the simulator and live mode: both send
//! the same requests at the same times.
//!
//! Arrival times are carried in picoseconds and rounded down to the simulation's microsecond
//! only when an arrival is scheduled, so the rate is exact for every accepted `rate_per_s`: the
//! gap `1/rate` is an integer number of picoseconds (relative error under 1e-6 for rates up to
//! 1,000,000/s) and no rounding accumulates from one arrival to the next. Constant arrivals
//! come every gap, arrival n at `floor(n x gap)`; Poisson gaps are exponential draws with that
//! mean, one draw from the `arrivals` stream per arrival.

use crate::engine::{RngStream, SimTime};
use crate::names::stream;
use crate::scenario::{Arrivals, Scenario, Traffic};

/// Picoseconds per microsecond of simulated time.
const PS_PER_US: u64 = 1_000_000;

/// The next arrival times of a traffic, in order.
#[derive(Clone, Debug, Default)]
struct ArrivalClock {
    /// The last arrival, in picoseconds since the start (u128: a u64 of picoseconds ends after
    /// 213 days, within a counted run).
    at_ps: u128,
}

impl ArrivalClock {
    /// A clock at the start of the run.
    fn new() -> Self {
        ArrivalClock::default()
    }

    /// The next arrival of `traffic`; Poisson gaps draw from `rng` (the `arrivals` stream).
    fn next(&mut self, traffic: &Traffic, rng: &mut RngStream) -> SimTime {
        let gap = match traffic.arrivals {
            Arrivals::Constant => traffic.gap_ps,
            // `as` saturates: a draw far in the tail lands after any run's end.
            Arrivals::Poisson => rng.exponential(traffic.gap_ps as f64).round() as u64,
        };
        self.at_ps = self.at_ps.saturating_add(u128::from(gap));
        SimTime::from_micros(u64::try_from(self.at_ps / u128::from(PS_PER_US)).unwrap_or(u64::MAX))
    }
}

/// A scenario's arrival times, in order, from its own `arrivals` stream.
#[derive(Clone, Debug)]
pub struct ArrivalStream {
    traffic: Traffic,
    clock: ArrivalClock,
    rng: RngStream,
}

impl ArrivalStream {
    /// The arrivals of `sc`'s traffic from the start of the run.
    pub fn new(sc: &Scenario) -> Self {
        ArrivalStream {
            traffic: sc.traffic.clone(),
            clock: ArrivalClock::new(),
            rng: RngStream::new(sc.seed, stream::ARRIVALS),
        }
    }

    /// The next arrival (never ends: the caller stops at the end of the run).
    pub fn next_arrival(&mut self) -> SimTime {
        self.clock.next(&self.traffic, &mut self.rng)
    }

    /// Moves the stream to `at`: the next arrival is the first at or after `at` (constant
    /// arrivals keep their grid; Poisson ones start afresh there, as they are memoryless).
    pub fn skip_to(&mut self, at: SimTime) {
        let at_ps = u128::from(at.as_micros()) * u128::from(PS_PER_US);
        self.clock.at_ps = match self.traffic.arrivals {
            Arrivals::Constant => {
                let n = first_constant_at_or_after(at, self.traffic.gap_ps) - 1;
                u128::from(n) * u128::from(self.traffic.gap_ps)
            }
            Arrivals::Poisson => at_ps,
        };
    }

    /// The number of arrivals in [from, to), drawn from `rng` for Poisson arrivals, exact for
    /// constant ones; `arrival_at_from` says that an arrival at `from` is known (it is counted,
    /// and for Poisson arrivals the others are those of (from, to)).
    pub fn count_in(&self, from: SimTime, to: SimTime, arrival_at_from: bool, rng: &mut RngStream) -> u64 {
        let gap = self.traffic.gap_ps;
        match self.traffic.arrivals {
            Arrivals::Constant => first_constant_at_or_after(to, gap) - first_constant_at_or_after(from, gap),
            Arrivals::Poisson => {
                let span_ps = to.saturating_since(from).as_micros() as f64 * PS_PER_US as f64;
                u64::from(arrival_at_from) + rng.poisson(span_ps / gap as f64)
            }
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
    use crate::scenario::{ServiceTime, gap_ps};

    fn traffic(rate: f64, arrivals: Arrivals) -> Traffic {
        Traffic {
            arrivals,
            mode: crate::scenario::traffic_mode::TrafficMode::Auto,
            rate_per_s: rate,
            gap_ps: gap_ps(rate),
            service_time: ServiceTime::Constant(SimDuration::from_millis(5)),
            client_timeout: None,
        }
    }

    /// Arrivals before `secs`, as the simulator counts them.
    fn count(rate: f64, arrivals: Arrivals, secs: u64) -> u64 {
        let t = traffic(rate, arrivals);
        let mut clock = ArrivalClock::new();
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
    fn constant_counts_and_skips_match_the_arrivals_one_by_one() {
        let sc = crate::scenario::parse(r#"{"traffic": {"arrivals": "constant", "rate_per_s": 3.7}}"#, "t").unwrap();
        let mut one = ArrivalStream::new(&sc.scenario);
        let times: Vec<SimTime> = (0..200).map(|_| one.next_arrival()).collect();
        let mut rng = RngStream::new(1, "unused");
        let t = |s: f64| SimTime::from_micros((s * 1e6) as u64);
        for (from, to) in [(0.0, 10.0), (2.5, 7.3), (times[5].as_secs_f64(), 20.0), (3.0, 3.0)] {
            let expected = times.iter().filter(|&&a| a >= t(from) && a < t(to)).count() as u64;
            let stream = ArrivalStream::new(&sc.scenario);
            assert_eq!(stream.count_in(t(from), t(to), true, &mut rng), expected, "[{from}, {to})");
        }
        let mut skipped = ArrivalStream::new(&sc.scenario);
        skipped.skip_to(times[17]);
        assert_eq!(skipped.next_arrival(), times[17]);
        skipped.skip_to(times[30] + SimDuration::from_micros(1));
        assert_eq!(skipped.next_arrival(), times[31]);
    }

    #[test]
    fn arrivals_keep_coming_after_2_to_the_64_picoseconds() {
        // 2^64 ps is 213.5 days: a counted run of a year goes past it.
        let sc = crate::scenario::parse(r#"{"traffic": {"rate_per_s": 1000}}"#, "t").unwrap();
        let day = SimDuration::from_secs(86_400);
        let mut s = ArrivalStream::new(&sc.scenario);
        s.skip_to(SimTime::ZERO + day.saturating_mul(300));
        let times: Vec<SimTime> = (0..100).map(|_| s.next_arrival()).collect();
        assert!(times[0] >= SimTime::ZERO + day.saturating_mul(300));
        assert!(times.windows(2).all(|w| w[0] <= w[1]) && times[99] > times[0], "arrivals move on: {times:?}");
    }

    #[test]
    fn a_rate_of_one_per_microsecond_puts_one_arrival_on_each_tick() {
        let t = traffic(1_000_000.0, Arrivals::Constant);
        let mut clock = ArrivalClock::new();
        let mut rng = RngStream::new(1, stream::ARRIVALS);
        let times: Vec<u64> = (0..3).map(|_| clock.next(&t, &mut rng).as_micros()).collect();
        assert_eq!(times, [1, 2, 3]);
    }
}
