//! The arrival stream of a scenario's traffic, shared by the simulator and live mode: both send
//! the same requests at the same times.
//!
//! A constant rate (`flat.rs`): arrival times are carried in picoseconds and rounded down to the
//! simulation's microsecond only when an arrival is scheduled, so the rate is exact for every
//! accepted `rate_per_s`: the gap `1/rate` is an integer number of picoseconds (relative error
//! under 1e-6 for rates up to 1,000,000/s) and no rounding accumulates from one arrival to the
//! next. Constant arrivals come every gap, arrival n at `floor(n x gap)`; Poisson gaps are
//! exponential draws with that mean, one draw from the `arrivals` stream per arrival.
//!
//! A rate that varies with time (`traffic.shape`, `shaped.rs`): Poisson arrivals are a
//! non-homogeneous Poisson process, drawn exactly as a time change of a unit-rate one: the k-th
//! arrival comes when the integrated rate reaches `E1 + .. + Ek`, each `Ei` an exponential draw
//! of mean 1 from the same `arrivals` stream, one per arrival. Constant arrivals: the n-th comes
//! when the integrated rate reaches n. Times are rounded down to the microsecond. A shape whose
//! rate does not vary over the run is read as that constant rate, so it draws the same arrivals.

pub mod application_choice;
mod flat;
mod shaped;

use crate::engine::{RngStream, SimTime};
use crate::names::stream;
use crate::scenario::{Scenario, Traffic};

/// Where a stream is, by the kind of its rate.
#[derive(Clone, Debug)]
enum Clock {
    /// A constant rate.
    Flat(flat::FlatClock),
    /// A rate that varies with time.
    Shaped(shaped::ShapedClock),
}

/// A scenario's arrival times, in order, from its own `arrivals` stream.
#[derive(Clone, Debug)]
pub struct ArrivalStream {
    traffic: Traffic,
    clock: Clock,
    rng: RngStream,
}

impl ArrivalStream {
    /// The arrivals of `sc`'s traffic from the start of the run.
    pub fn new(sc: &Scenario) -> Self {
        let clock = match &sc.traffic.shape {
            None => Clock::Flat(flat::FlatClock::default()),
            Some(shape) => Clock::Shaped(shaped::ShapedClock::new(shape.clone(), sc.traffic.arrivals)),
        };
        ArrivalStream { traffic: sc.traffic.clone(), clock, rng: RngStream::new(sc.seed, stream::ARRIVALS) }
    }

    /// The next arrival (never ends: the caller stops at the end of the run; a rate that stays
    /// 0 gives the last representable time).
    pub fn next_arrival(&mut self) -> SimTime {
        match &mut self.clock {
            Clock::Flat(c) => c.next(&self.traffic, &mut self.rng),
            Clock::Shaped(c) => c.next(&mut self.rng),
        }
    }

    /// Moves the stream to `at`: the next arrival is the first at or after `at` (constant
    /// arrivals keep their grid; Poisson ones start afresh there, as they are memoryless).
    pub fn skip_to(&mut self, at: SimTime) {
        match &mut self.clock {
            Clock::Flat(c) => c.skip_to(&self.traffic, at),
            Clock::Shaped(c) => c.skip_to(at),
        }
    }

    /// The number of arrivals in [from, to), drawn from `rng` for Poisson arrivals, exact for
    /// constant ones; `arrival_at_from` says that an arrival at `from` is known (it is counted,
    /// and for Poisson arrivals the others are those of (from, to)).
    pub fn count_in(&self, from: SimTime, to: SimTime, arrival_at_from: bool, rng: &mut RngStream) -> u64 {
        match &self.clock {
            Clock::Flat(_) => flat::count_in(&self.traffic, from, to, arrival_at_from, rng),
            Clock::Shaped(c) => c.count_in(from, to, arrival_at_from, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn scenario(json: &str) -> Scenario {
        crate::scenario::parse(json, "t").unwrap().scenario
    }

    fn at(s: f64) -> SimTime {
        SimTime::from_micros((s * 1e6) as u64)
    }

    /// Counts and skips agree with the arrivals drawn one by one, for constant arrivals.
    fn counts_and_skips_match_the_arrivals_one_by_one(sc: &Scenario) {
        let mut one = ArrivalStream::new(sc);
        let times: Vec<SimTime> = (0..400).map(|_| one.next_arrival()).collect();
        let mut rng = RngStream::new(1, "unused");
        for (from, to) in [(0.0, 10.0), (2.5, 7.3), (times[5].as_secs_f64(), 20.0), (3.0, 3.0), (9.0, 40.0)] {
            let expected = times.iter().filter(|&&a| a >= at(from) && a < at(to)).count() as u64;
            let stream = ArrivalStream::new(sc);
            assert_eq!(stream.count_in(at(from), at(to), true, &mut rng), expected, "[{from}, {to})");
        }
        let mut skipped = ArrivalStream::new(sc);
        skipped.skip_to(times[17]);
        assert_eq!(skipped.next_arrival(), times[17]);
        skipped.skip_to(times[30] + SimDuration::from_micros(1));
        assert_eq!(skipped.next_arrival(), times[31]);
    }

    #[test]
    fn constant_counts_and_skips_match_the_arrivals_one_by_one() {
        counts_and_skips_match_the_arrivals_one_by_one(&scenario(
            r#"{"traffic": {"arrivals": "constant", "rate_per_s": 3.7}}"#,
        ));
        let ramp = r#"{"traffic": {"arrivals": "constant", "rate_per_s": 2,
            "shape": {"kind": "ramp", "at_s": 5, "span_s": 20, "to_per_s": 9}}}"#;
        counts_and_skips_match_the_arrivals_one_by_one(&scenario(ramp));
        let steps = r#"{"traffic": {"arrivals": "constant", "rate_per_s": 3,
            "shape": {"kind": "steps", "steps": [{"at_s": 4, "rate_per_s": 0}, {"at_s": 9.5, "rate_per_s": 11}]}}}"#;
        counts_and_skips_match_the_arrivals_one_by_one(&scenario(steps));
    }

    #[test]
    fn constant_arrivals_with_a_shape_come_when_the_integrated_rate_reaches_each_integer() {
        // 2/s for 5 s (10 arrivals, 0.5 s apart), then 0 until 9.5 s, then 10/s.
        let sc = scenario(
            r#"{"traffic": {"arrivals": "constant", "rate_per_s": 2,
            "shape": {"kind": "steps", "steps": [{"at_s": 5, "rate_per_s": 0}, {"at_s": 9.5, "rate_per_s": 10}]}}}"#,
        );
        let mut s = ArrivalStream::new(&sc);
        let times: Vec<u64> = (0..13).map(|_| s.next_arrival().as_micros()).collect();
        let mut expected: Vec<u64> = (1..=10).map(|n| n * 500_000).collect();
        expected.extend([9_600_000, 9_700_000, 9_800_000]);
        assert_eq!(times, expected);
    }

    #[test]
    fn a_rate_that_falls_to_zero_sends_nothing_more() {
        let sc = scenario(
            r#"{"traffic": {"rate_per_s": 100, "shape": {"kind": "ramp", "at_s": 0, "span_s": 10, "to_per_s": 0}}}"#,
        );
        let mut s = ArrivalStream::new(&sc);
        let times: Vec<SimTime> =
            std::iter::from_fn(|| Some(s.next_arrival())).take_while(|&t| t < at(3600.0)).collect();
        // 500 expected requests, all within the first 10 s.
        assert!((400..600).contains(&times.len()) && times.last() < Some(&at(10.0)), "{}", times.len());
    }

    /// Wilson-Hilferty's approximation of the quantile of a chi-square law with `k` degrees of
    /// freedom at the standard normal quantile `z`.
    fn chi_square_quantile(k: f64, z: f64) -> f64 {
        let c = 2.0 / (9.0 * k);
        k * (1.0 - c + z * c.sqrt()).powi(3)
    }

    /// Poisson arrivals of a shape, counted per window over many seeds, against the integral of
    /// the rate over each window: Pearson's statistic, and that of a constant rate with the same
    /// total (which the counts must reject).
    fn chi_square(shape: &str, windows: usize, width_s: f64, seeds: u64) -> (f64, f64, f64) {
        let mut observed = vec![0u64; windows];
        for seed in 1..=seeds {
            let sc = scenario(&format!(r#"{{"seed": {seed}, "traffic": {{"rate_per_s": 20, "shape": {shape}}}}}"#));
            let mut s = ArrivalStream::new(&sc);
            loop {
                let w = (s.next_arrival().as_secs_f64() / width_s) as usize;
                if w >= windows {
                    break;
                }
                observed[w] += 1;
            }
        }
        let sc = scenario(&format!(r#"{{"traffic": {{"rate_per_s": 20, "shape": {shape}}}}}"#));
        let shape = sc.traffic.shape.expect("a shape that varies");
        let expected: Vec<f64> = (0..windows)
            .map(|w| seeds as f64 * (shape.integral((w + 1) as f64 * width_s) - shape.integral(w as f64 * width_s)))
            .collect();
        let flat = expected.iter().sum::<f64>() / windows as f64;
        let stat = |e: &dyn Fn(usize) -> f64| (0..windows).map(|w| (observed[w] as f64 - e(w)).powi(2) / e(w)).sum();
        // One chance in 100,000 that a correct generator fails (the draws are fixed, so the test
        // never flakes).
        (stat(&|w| expected[w]), stat(&|_| flat), chi_square_quantile(windows as f64, 4.265))
    }

    #[test]
    fn poisson_arrivals_per_window_follow_the_integrated_rate() {
        let shapes = [
            r#"{"kind": "steps", "steps": [{"at_s": 30, "rate_per_s": 80}, {"at_s": 70, "rate_per_s": 5}]}"#,
            r#"{"kind": "ramp", "at_s": 10, "span_s": 80, "to_per_s": 90}"#,
            // A day in 100 windows of 864 s, 50 to 90 requests/s: 5 seeds.
            r#"{"kind": "daily", "amplitude_per_s": 15, "peak_hour": 18}"#,
        ];
        for (shape, windows, width, seeds) in
            [(shapes[0], 50, 2.0, 200), (shapes[1], 50, 2.0, 200), (shapes[2], 100, 864.0, 5)]
        {
            let (fit, flat, limit) = chi_square(shape, windows, width, seeds);
            assert!(fit < limit, "{shape}: chi-square {fit:.1} above {limit:.1}");
            assert!(flat > limit, "{shape}: a constant rate fits too ({flat:.1} <= {limit:.1})");
        }
    }

    #[test]
    fn poisson_counts_have_the_mean_and_variance_of_the_integrated_rate() {
        let sc = scenario(
            r#"{"traffic": {"rate_per_s": 20, "shape": {"kind": "ramp", "at_s": 10, "span_s": 80, "to_per_s": 90}}}"#,
        );
        let stream = ArrivalStream::new(&sc);
        let mut rng = RngStream::new(3, "counts");
        let (from, to) = (at(20.0), at(21.0));
        let mean = sc.traffic.shape.as_ref().map(|s| s.integral(21.0) - s.integral(20.0)).unwrap();
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| stream.count_in(from, to, false, &mut rng) as f64).collect();
        let m = draws.iter().sum::<f64>() / n as f64;
        let v = draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((m - mean).abs() < 5.0 * (mean / n as f64).sqrt(), "mean {m}, expected {mean}");
        assert!((v / mean - 1.0).abs() < 0.05, "variance {v}, expected {mean}");
    }

    #[test]
    fn arrivals_keep_coming_after_2_to_the_64_picoseconds() {
        // 2^64 ps is 213.5 days: a counted run of a year goes past it.
        let day = SimDuration::from_secs(86_400);
        for json in [
            r#"{"traffic": {"rate_per_s": 1000}}"#,
            r#"{"duration_s": 31000000, "traffic": {"mode": "counted", "rate_per_s": 1000, "shape": {"kind": "daily", "amplitude_per_s": 900, "peak_hour": 12}}}"#,
        ] {
            let mut s = ArrivalStream::new(&scenario(json));
            s.skip_to(SimTime::ZERO + day.saturating_mul(300));
            let times: Vec<SimTime> = (0..100).map(|_| s.next_arrival()).collect();
            assert!(times[0] >= SimTime::ZERO + day.saturating_mul(300));
            assert!(times.windows(2).all(|w| w[0] <= w[1]) && times[99] > times[0], "arrivals move on: {times:?}");
        }
    }
}
