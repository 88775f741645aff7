//! Seeded random-number streams, one per purpose.
//!
//! Every stream is a ChaCha8 generator keyed by the scenario seed and selected by a stream name:
//! the seed goes into the key, a 64-bit FNV-1a hash of the name selects the ChaCha stream. Two
//! streams with different names never share numbers, and the numbers a stream yields depend only
//! on (seed, name). Adding a fault therefore leaves the arrival and service-time sequences
//! untouched (common random numbers), so variants of a scenario compare like for like.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A named, seeded random stream.
#[derive(Clone, Debug)]
pub struct RngStream {
    rng: ChaCha8Rng,
}

/// FNV-1a over the bytes of `name`: a stable hash, identical on every platform and release.
fn fnv1a64(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl RngStream {
    /// The stream named `name` under `seed`.
    pub fn new(seed: u64, name: &str) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(fnv1a64(name));
        RngStream { rng }
    }

    /// A uniform float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.rng.r#gen::<f64>()
    }

    /// A uniform integer in [0, n); `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "RngStream::below(0)");
        self.rng.gen_range(0..n)
    }

    /// A uniform integer in [lo, hi] (inclusive).
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if lo >= hi {
            return lo;
        }
        self.rng.gen_range(lo..=hi)
    }

    /// True with probability `threshold / 2^32`; probabilities are integer thresholds fixed at
    /// parse time so that no float comparison of a derived value decides an outcome.
    pub fn chance(&mut self, threshold: u64) -> bool {
        u64::from(self.rng.r#gen::<u32>()) < threshold
    }

    /// An exponentially distributed sample with the given mean, in whole microseconds.
    pub fn exponential_micros(&mut self, mean_us: u64) -> u64 {
        round_to_u64(self.exponential(mean_us as f64))
    }

    /// A Poisson count with the given mean (`rand_distr`'s exact sampler); 0 for a mean <= 0.
    pub fn poisson(&mut self, mean: f64) -> u64 {
        match rand_distr::Poisson::new(mean) {
            Ok(law) => self.rng.sample::<f64, _>(law) as u64,
            Err(_) => 0,
        }
    }

    /// A binomial count of `n` trials of probability `p` (clamped to [0, 1]; `rand_distr`'s
    /// exact sampler).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let law = rand_distr::Binomial::new(n, p.clamp(0.0, 1.0)).expect("p is in [0, 1]");
        self.rng.sample(law)
    }

    /// An exponentially distributed sample with the given mean (one draw).
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - unit() lies in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.unit();
        -(u.ln()) * mean
    }
}

/// `x.round() as u64` (to the nearest, ties away from zero, saturating; 0 for NaN and negative
/// values), the same value for every `x`, without the call to libm's `round` that x86-64 makes
/// when SSE4.1 is not assumed: the cast truncates, and `x - trunc(x)` is exact.
#[inline]
fn round_to_u64(x: f64) -> u64 {
    let whole = x as u64;
    whole.saturating_add(u64::from(x - whole as f64 >= 0.5))
}

/// Converts a probability in [0, 1] into the integer threshold used by [`RngStream::chance`].
pub fn probability_threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_FIRST_ARRIVAL_DRAW: u64 = 636_164;

    #[test]
    fn same_seed_and_name_give_same_numbers() {
        let mut a = RngStream::new(7, "arrivals");
        let mut b = RngStream::new(7, "arrivals");
        for _ in 0..100 {
            assert_eq!(a.below(1000), b.below(1000));
        }
    }

    #[test]
    fn different_names_or_seeds_give_different_numbers() {
        let draw = |seed, name| {
            let mut s = RngStream::new(seed, name);
            (0..8).map(|_| s.below(1 << 30)).collect::<Vec<_>>()
        };
        assert_ne!(draw(7, "arrivals"), draw(7, "routing"));
        assert_ne!(draw(7, "arrivals"), draw(8, "arrivals"));
    }

    #[test]
    fn stream_values_are_stable_across_releases() {
        // Pinned: a change here changes every report ftsim has ever produced.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        let mut s = RngStream::new(1, "arrivals");
        assert_eq!(s.range_inclusive(0, 1_000_000), PINNED_FIRST_ARRIVAL_DRAW);
    }

    #[test]
    fn chance_thresholds_are_exact_at_the_ends() {
        let mut s = RngStream::new(3, "x");
        assert!((0..1000).all(|_| !s.chance(probability_threshold(0.0))));
        assert!((0..1000).all(|_| s.chance(probability_threshold(1.0))));
    }

    #[test]
    fn round_to_u64_is_round_then_cast() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -0.5,
            -0.7,
            -1e300,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            1.8446744073709552e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        let mut s = RngStream::new(5, "round");
        let random = (0..100_000).map(|i| s.exponential(10f64.powi(i % 19)));
        for x in edges.into_iter().chain(random) {
            assert_eq!(round_to_u64(x), x.round() as u64, "{x:e}");
        }
    }

    #[test]
    fn exponential_mean_is_close() {
        let mut s = RngStream::new(11, "service");
        let n = 20_000u64;
        let total: u64 = (0..n).map(|_| s.exponential_micros(5_000)).sum();
        let mean = total / n;
        assert!((4_800..5_200).contains(&mean), "mean {mean}");
    }
}
