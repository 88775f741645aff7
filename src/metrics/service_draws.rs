//! The service times of many requests drawn at once, as counts per microsecond: counted traffic
//! (see `scenario::traffic_mode`) serves its requests at once, so each latency is one service
//! time, and the latencies of `n` requests are `n` independent draws. Drawing them one by one
//! would cost a draw per request; instead the support of the distribution is split in halves,
//! and the number of draws that fall in each half is binomial given the number in the whole
//! (a multinomial drawn as a tree of binomials): the cost grows with the distinct values drawn,
//! not with `n`. The law is exactly the one the per-request model draws from
//! ([`crate::engine::RngStream`]'s `range_inclusive` and `exponential_micros`).

use crate::engine::RngStream;
use crate::scenario::ServiceTime;

/// `n` service times of `st`, as (microseconds, count) in ascending microseconds, counts > 0.
pub fn draw(st: ServiceTime, n: u64, rng: &mut RngStream) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    match st {
        ServiceTime::Constant(d) => out.push((d.as_micros(), n)),
        ServiceTime::Uniform(lo, hi) => {
            let law = Uniform;
            split(&law, lo.as_micros(), hi.as_micros().max(lo.as_micros()) + 1, n, rng, &mut out);
        }
        ServiceTime::Exponential(mean) => {
            let mean = mean.as_micros() as f64;
            let law = Exponential { mean };
            // `exponential_micros` rounds -ln(u) x mean with u >= 2^-53: at most 36.8 means.
            let top = (mean * 37.0).ceil() as u64 + 2;
            split(&law, 0, top, n, rng, &mut out);
        }
    }
    out
}

/// A law over whole microseconds, by the share of one range's mass that lies in its lower part.
trait Law {
    /// P(lo <= X < mid | lo <= X < hi).
    fn lower_share(&self, lo: u64, mid: u64, hi: u64) -> f64;
}

/// Uniform over the integers of a range.
struct Uniform;

impl Law for Uniform {
    fn lower_share(&self, lo: u64, mid: u64, hi: u64) -> f64 {
        (mid - lo) as f64 / (hi - lo) as f64
    }
}

/// `round(E x mean)` with E exponential of mean 1: P(X >= k) = exp(-(k - 1/2) / mean) for
/// k >= 1.
struct Exponential {
    mean: f64,
}

impl Exponential {
    /// ln P(X >= k).
    fn ln_survival(&self, k: u64) -> f64 {
        if k == 0 { 0.0 } else { -(k as f64 - 0.5) / self.mean }
    }
}

impl Law for Exponential {
    fn lower_share(&self, lo: u64, mid: u64, hi: u64) -> f64 {
        let s = self.ln_survival(lo);
        // (S(lo) - S(mid)) / (S(lo) - S(hi)), precise for small differences.
        let lower = -(self.ln_survival(mid) - s).exp_m1();
        let whole = -(self.ln_survival(hi) - s).exp_m1();
        if whole > 0.0 { (lower / whole).clamp(0.0, 1.0) } else { 1.0 }
    }
}

/// Splits `n` draws conditioned on [lo, hi) into the two halves of the range, recursively,
/// appending the counts of single values in ascending order.
fn split(law: &dyn Law, lo: u64, hi: u64, n: u64, rng: &mut RngStream, out: &mut Vec<(u64, u64)>) {
    if n == 0 {
        return;
    }
    if hi - lo == 1 {
        out.push((lo, n));
        return;
    }
    let mid = lo + (hi - lo) / 2;
    let lower = rng.binomial(n, law.lower_share(lo, mid, hi));
    split(law, lo, mid, lower, rng, out);
    split(law, mid, hi, n - lower, rng, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// Counts of one-by-one draws and of the tree, over `bins` equal-width bins of `width` µs.
    fn histograms(st: ServiceTime, n: u64, width: u64, bins: usize) -> (Vec<u64>, Vec<u64>) {
        let mut one = RngStream::new(1, "one");
        let mut by_one = vec![0u64; bins];
        for _ in 0..n {
            let v = match st {
                ServiceTime::Exponential(m) => one.exponential_micros(m.as_micros()),
                ServiceTime::Uniform(lo, hi) => one.range_inclusive(lo.as_micros(), hi.as_micros()),
                ServiceTime::Constant(d) => d.as_micros(),
            };
            by_one[((v / width) as usize).min(bins - 1)] += 1;
        }
        let mut by_tree = vec![0u64; bins];
        for (v, k) in draw(st, n, &mut RngStream::new(2, "tree")) {
            by_tree[((v / width) as usize).min(bins - 1)] += k;
        }
        (by_one, by_tree)
    }

    /// Chi-square statistic of a 2 x k table (bins with no count in either row skipped).
    fn chi_square(a: &[u64], b: &[u64]) -> (f64, usize) {
        let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
        let mut stat = 0.0;
        let mut df = 0;
        for (&x, &y) in a.iter().zip(b) {
            let col = (x + y) as f64;
            if col == 0.0 {
                continue;
            }
            df += 1;
            for (obs, total) in [(x as f64, na), (y as f64, nb)] {
                let exp = col * total / (na + nb);
                stat += (obs - exp).powi(2) / exp;
            }
        }
        (stat, df.max(2) - 1)
    }

    #[test]
    fn tree_draws_follow_the_per_request_laws() {
        // 20 bins: the 0.999 quantile of chi-square with 19 degrees of freedom is 43.8.
        for st in [
            ServiceTime::Exponential(SimDuration::from_micros(5_000)),
            ServiceTime::Exponential(SimDuration::from_micros(3)),
            ServiceTime::Uniform(SimDuration::ZERO, SimDuration::from_micros(1_999)),
        ] {
            let width = match st {
                ServiceTime::Exponential(m) => (m.as_micros() / 4).max(1),
                _ => 100,
            };
            let (one, tree) = histograms(st, 200_000, width, 20);
            let (stat, df) = chi_square(&one, &tree);
            assert_eq!(df, 19, "{st:?}: every bin drawn");
            assert!(stat < 43.8, "{st:?}: chi-square {stat}, above its 0.999 quantile");
            assert_eq!(tree.iter().sum::<u64>(), 200_000);
        }
    }

    #[test]
    fn draws_are_sorted_distinct_and_sum_to_n() {
        let d = draw(ServiceTime::Exponential(SimDuration::from_millis(5)), 3_000_000_000, &mut RngStream::new(3, "x"));
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(d.iter().map(|(_, k)| k).sum::<u64>(), 3_000_000_000);
        let mean = d.iter().map(|(v, k)| *v as f64 * *k as f64).sum::<f64>() / 3e9;
        assert!((mean - 5_000.0).abs() < 1.0, "mean {mean}");
        assert_eq!(
            draw(ServiceTime::Constant(SimDuration::from_millis(5)), 7, &mut RngStream::new(3, "x")),
            [(5_000, 7)]
        );
    }
}
