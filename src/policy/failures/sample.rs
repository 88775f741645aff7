//! Draws from a [`Dist`]: one uniform per draw by inversion of the distribution function (two
//! for a lognormal, by Box-Muller), so that every draw depends only on its stream's position.

use crate::engine::RngStream;
use crate::scenario::Dist;

/// A draw of `dist` in seconds.
pub fn sample(dist: &Dist, rng: &mut RngStream) -> f64 {
    match dist {
        Dist::Exponential { mean } => rng.exponential(*mean),
        Dist::Weibull { shape, scale } => scale * rng.exponential(1.0).powf(1.0 / shape),
        Dist::Lognormal { mu, sigma } => (mu + sigma * standard_normal(rng)).exp(),
        Dist::Empirical(samples) => samples[rng.below(samples.len())],
    }
}

/// A standard normal draw (Box-Muller, the cosine branch).
fn standard_normal(rng: &mut RngStream) -> f64 {
    // 1 - unit() lies in (0, 1], so the logarithm is finite.
    let radius = (-2.0 * (1.0 - rng.unit()).ln()).sqrt();
    radius * (std::f64::consts::TAU * rng.unit()).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empirical_draw_is_one_of_the_samples_each_about_equally_often() {
        let dist = Dist::Empirical(vec![1.0, 2.0, 3.0].into());
        let mut rng = RngStream::new(1, "t");
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[sample(&dist, &mut rng) as usize - 1] += 1;
        }
        // Each count is binomial(30000, 1/3): sd 81.6, so +-400 is about 5 sd.
        assert!(counts.iter().all(|&c| (9_600..=10_400).contains(&c)), "{counts:?}");
    }

    #[test]
    fn a_weibull_of_shape_one_is_the_exponential_of_its_scale() {
        let (mut a, mut b) = (RngStream::new(5, "t"), RngStream::new(5, "t"));
        for _ in 0..100 {
            let w = sample(&Dist::Weibull { shape: 1.0, scale: 7.0 }, &mut a);
            let e = sample(&Dist::Exponential { mean: 7.0 }, &mut b);
            assert!((w - e).abs() < 1e-9, "{w} {e}");
        }
    }
}
