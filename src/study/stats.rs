//! Statistics of a sample of replications: the mean with a 95 % confidence interval and
//! percentiles ([`Estimate`]), and a proportion with its Wilson interval ([`Proportion`]).
//!
//! - The interval for a mean is Student's t interval, `mean ± t(0.975, n-1) x s / sqrt(n)`
//!   with `s` the sample standard deviation: replications are independent and identically
//!   distributed, and with the few runs a study often has (8, 20) the normal quantile 1.96
//!   would make the interval too narrow (t(0.975, 7) = 2.365). For large n the two agree. The
//!   interval assumes the mean is about normal (central limit theorem); for a metric as skewed
//!   as failed requests after a head crash, with few runs, read it with the percentiles.
//! - The interval for a proportion (P(SLO holds)) is Wilson's score interval, which stays
//!   inside [0, 1] and is not degenerate at 0 or n successes, unlike the normal (Wald) one.
//! - Percentiles interpolate linearly between order statistics (Hyndman and Fan's type 7, the
//!   default of R, NumPy and spreadsheets): the `p`-th is at rank `(n - 1) p / 100` counted
//!   from 0.

use serde::{Deserialize, Serialize};

/// The standard normal's 97.5th percentile.
const Z_975: f64 = 1.959_963_984_540_054;

/// Student's t 97.5th percentile for 1..=30 degrees of freedom (standard tables, e.g. NIST/
/// SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2).
const T_975: [f64; 30] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
    2.306_004_135,
    2.262_157_163,
    2.228_138_852,
    2.200_985_160,
    2.178_812_830,
    2.160_368_656,
    2.144_786_688,
    2.131_449_546,
    2.119_905_299,
    2.109_815_578,
    2.100_922_040,
    2.093_024_054,
    2.085_963_447,
    2.079_613_845,
    2.073_873_068,
    2.068_657_610,
    2.063_898_562,
    2.059_538_553,
    2.055_529_439,
    2.051_830_516,
    2.048_407_142,
    2.045_229_642,
    2.042_272_456,
];

/// Student's t 97.5th percentile with `df` degrees of freedom (`df` >= 1): the table up to 30,
/// beyond it the Cornish-Fisher expansion around the normal quantile (error under 1e-6 there).
pub fn t_975(df: u64) -> f64 {
    assert!(df >= 1, "t_975 needs at least one degree of freedom");
    if df <= 30 {
        return T_975[df as usize - 1];
    }
    let (z, v) = (Z_975, df as f64);
    // Products, not powi: LLVM may expand powi differently in debug and release builds.
    let z2 = z * z;
    let (z3, v2) = (z2 * z, v * v);
    let (z5, v3) = (z3 * z2, v2 * v);
    let (z7, z9, v4) = (z5 * z2, z5 * z2 * z2, v2 * v2);
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v2)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v3)
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92_160.0 * v4)
}

/// A sample's mean with its 95 % confidence interval, and its percentiles.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The sample mean.
    pub mean: f64,
    /// Lower end of the 95 % t interval for the mean; `None` with fewer than 2 values.
    pub ci95_low: Option<f64>,
    /// Upper end of the 95 % t interval for the mean; `None` with fewer than 2 values.
    pub ci95_high: Option<f64>,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Values in the sample.
    pub n: u64,
}

impl Estimate {
    /// The estimate of `values` (in any order); `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Estimate> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = values.len() as u64;
        let mean = values.iter().sum::<f64>() / n as f64;
        let half = (n >= 2).then(|| {
            let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            t_975(n - 1) * (var / n as f64).sqrt()
        });
        Some(Estimate {
            mean,
            ci95_low: half.map(|h| mean - h),
            ci95_high: half.map(|h| mean + h),
            p5: percentile(&sorted, 5.0),
            p50: percentile(&sorted, 50.0),
            p95: percentile(&sorted, 95.0),
            p99: percentile(&sorted, 99.0),
            n,
        })
    }

    /// Half the width of the confidence interval; `None` with fewer than 2 values.
    pub fn half_width(&self) -> Option<f64> {
        Some((self.ci95_high? - self.ci95_low?) / 2.0)
    }
}

/// The `p`-th percentile (0..=100) of an ascending, non-empty sample, interpolated linearly
/// between the order statistics (type 7).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (sorted.len() - 1) as f64 * p / 100.0;
    let (lo, frac) = (rank.floor() as usize, rank.fract());
    match sorted.get(lo + 1) {
        Some(&next) if frac > 0.0 => sorted[lo] + (next - sorted[lo]) * frac,
        _ => sorted[lo],
    }
}

/// A proportion (successes among trials) with its 95 % Wilson score interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Trials that succeeded.
    pub successes: u64,
    /// Trials.
    pub n: u64,
    /// successes / n.
    pub p: f64,
    /// Lower end of the Wilson interval.
    pub ci95_low: f64,
    /// Upper end of the Wilson interval.
    pub ci95_high: f64,
}

impl Proportion {
    /// `successes` of `n` trials; `None` without trials.
    pub fn of(successes: u64, n: u64) -> Option<Proportion> {
        if n == 0 {
            return None;
        }
        let (k, nf, z2) = (successes as f64, n as f64, Z_975 * Z_975);
        let p = k / nf;
        let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
        let half = Z_975 / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
        // Exactly 0 (1) with no (every) success, where rounding would land a hair inside.
        let ci95_low = if successes == 0 { 0.0 } else { centre - half };
        let ci95_high = if successes == n { 1.0 } else { centre + half };
        Some(Proportion { successes, n, p, ci95_low, ci95_high })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStream;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        assert_eq!(t_975(1), 12.706_204_736);
        assert!(close(t_975(7), 2.364_624, 1e-6));
        // Beyond the table: R's qt(0.975, df).
        for (df, t) in [(31, 2.039_513_4), (40, 2.021_075_4), (100, 1.983_971_5), (1000, 1.962_339_2)] {
            assert!(close(t_975(df), t, 1e-6), "df {df}: {} vs {t}", t_975(df));
        }
        assert!(t_975(30) > t_975(31) && t_975(31) > t_975(1_000_000) && t_975(1_000_000) > Z_975);
    }

    #[test]
    fn a_hand_computed_sample() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7, s/sqrt(8) = 0.755929.
        let e = Estimate::of(&[9.0, 2.0, 4.0, 5.0, 4.0, 7.0, 4.0, 5.0]).unwrap();
        assert_eq!((e.mean, e.n), (5.0, 8));
        let half = 2.364_624_252 * (32.0f64 / 7.0 / 8.0).sqrt();
        assert!(close(e.half_width().unwrap(), half, 1e-12));
        assert!(close(e.ci95_low.unwrap(), 5.0 - 1.787_5, 1e-4));
        // Type 7 ranks: p5 at 0.35 (2 + 0.35 x 2), p50 at 3.5 (4.5), p95 at 6.65 (7 + 0.65 x 2).
        assert!(close(e.p5, 2.7, 1e-12) && close(e.p50, 4.5, 1e-12) && close(e.p95, 8.3, 1e-12));
        assert!(close(e.p99, 8.86, 1e-12));
    }

    #[test]
    fn one_value_has_no_interval_and_none_has_no_estimate() {
        let e = Estimate::of(&[3.0]).unwrap();
        assert_eq!((e.mean, e.p5, e.p99, e.ci95_low, e.half_width()), (3.0, 3.0, 3.0, None, None));
        assert_eq!(Estimate::of(&[]), None);
        let constant = Estimate::of(&[1.0; 5]).unwrap();
        assert_eq!((constant.ci95_low, constant.ci95_high), (Some(1.0), Some(1.0)));
    }

    #[test]
    fn wilson_intervals_match_known_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score).
        for (k, n, low, high) in
            [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]
        {
            let p = Proportion::of(k, n).unwrap();
            assert!(close(p.ci95_low, low, 5e-5) && close(p.ci95_high, high, 5e-5), "{p:?}");
        }
        let all = Proportion::of(10, 10).unwrap();
        assert!(close(all.ci95_low, 0.722_467, 1e-6) && all.ci95_high == 1.0, "symmetric to 0 of 10");
        assert_eq!(Proportion::of(0, 0), None);
    }

    /// Whether `hits` of `trials` is within 4 standard deviations of a coverage of 95 %.
    fn covers_95(hits: u64, trials: u64) -> bool {
        let (n, p) = (trials as f64, 0.95);
        (hits as f64 - n * p).abs() <= 4.0 * (n * p * (1.0 - p)).sqrt()
    }

    #[test]
    fn the_t_interval_covers_a_normal_mean_95_percent_of_the_time() {
        // 4,000 samples of 5 normal values (Box-Muller), mean 10, sd 3: the t interval must
        // contain 10 in 95 % of them (binomial bounds, 4 sd: 3,862..3,938).
        let mut rng = RngStream::new(1, "coverage");
        let mut normal = || {
            let (u1, u2) = (1.0 - rng.unit(), rng.unit());
            10.0 + 3.0 * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let trials = 4_000;
        let hits = (0..trials)
            .filter(|_| {
                let e = Estimate::of(&(0..5).map(|_| normal()).collect::<Vec<_>>()).unwrap();
                e.ci95_low.unwrap() <= 10.0 && 10.0 <= e.ci95_high.unwrap()
            })
            .count() as u64;
        assert!(covers_95(hits, trials), "coverage {hits}/{trials}");
    }

    #[test]
    fn the_wilson_interval_covers_a_proportion_about_95_percent_of_the_time() {
        // 4,000 samples of 50 trials at p = 0.3: Wilson's coverage is close to 95 % there
        // (Brown, Cai and DasGupta 2001 give 0.94..0.96 around n = 50).
        let mut rng = RngStream::new(2, "coverage");
        let trials = 4_000;
        let hits = (0..trials)
            .filter(|_| {
                let k = (0..50).filter(|_| rng.unit() < 0.3).count() as u64;
                let p = Proportion::of(k, 50).unwrap();
                p.ci95_low <= 0.3 && 0.3 <= p.ci95_high
            })
            .count() as u64;
        let share = hits as f64 / trials as f64;
        assert!((0.93..=0.97).contains(&share), "coverage {share}");
    }
}
