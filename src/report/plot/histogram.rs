//! What the distribution plots of a Monte Carlo study show, computed from the replications'
//! values alone (pure, tested): histogram bins, the empirical CDF as a step path, and axis
//! ticks for any range.

/// One histogram bin, `[lo, hi)` (the last one closed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Values in it.
    pub count: u64,
}

/// Most bins a histogram gets.
pub const MAX_BINS: usize = 30;

/// The histogram of an ascending, non-empty sample: `ceil(sqrt(n))` equal bins (at most
/// [`MAX_BINS`]) from the smallest value to the largest; one bin around the value when all
/// values are equal.
pub fn bins(sorted: &[f64]) -> Vec<Bin> {
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    if max <= min {
        let half = if min == 0.0 { 0.5 } else { min.abs() * 1e-3 };
        return vec![Bin { lo: min - half, hi: min + half, count: sorted.len() as u64 }];
    }
    let k = ((sorted.len() as f64).sqrt().ceil() as usize).clamp(1, MAX_BINS);
    let width = (max - min) / k as f64;
    let mut out: Vec<Bin> =
        (0..k).map(|i| Bin { lo: min + width * i as f64, hi: min + width * (i + 1) as f64, count: 0 }).collect();
    out[k - 1].hi = max;
    for &v in sorted {
        let i = (((v - min) / width).floor() as usize).min(k - 1);
        out[i].count += 1;
    }
    out
}

/// The empirical CDF of an ascending sample as a step path: 0 before the first value, rising
/// by 1/n at each value, 1 from the last.
pub fn ecdf(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut out = Vec::with_capacity(sorted.len() * 2);
    for (i, &v) in sorted.iter().enumerate() {
        out.push((v, i as f64 / n));
        out.push((v, (i + 1) as f64 / n));
    }
    out
}

/// Tick positions covering `[lo, hi]` with a 1-2-5 step (about `n` of them), and the number of
/// decimals that tells them apart.
pub fn ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    let ticks = (first..=last).map(|i| i as f64 * step).collect();
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    (ticks, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_the_sample_and_count_every_value() {
        let sample: Vec<f64> = (0..9).map(f64::from).collect();
        let b = bins(&sample);
        assert_eq!(b.len(), 3);
        assert_eq!(b.iter().map(|b| b.count).collect::<Vec<_>>(), [3, 3, 3]);
        assert_eq!((b[0].lo, b[2].hi), (0.0, 8.0), "the largest value is in the last bin");
        let equal = bins(&[1.0, 1.0]);
        assert_eq!(equal.len(), 1);
        assert!(equal[0].lo < 1.0 && equal[0].hi > 1.0 && equal[0].count == 2);
        assert_eq!(bins(&[0.0])[0], Bin { lo: -0.5, hi: 0.5, count: 1 });
        assert_eq!(bins(&(0..10_000).map(f64::from).collect::<Vec<_>>()).len(), MAX_BINS);
    }

    #[test]
    fn the_ecdf_steps_up_by_one_over_n() {
        assert_eq!(ecdf(&[1.0, 3.0]), [(1.0, 0.0), (1.0, 0.5), (3.0, 0.5), (3.0, 1.0)]);
    }

    #[test]
    fn ticks_read_at_any_scale() {
        assert_eq!(ticks(0.0, 10.0, 5), (vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0], 0));
        let (t, d) = ticks(0.9951, 0.9999, 4);
        assert_eq!(d, 3);
        assert!(t[0] <= 0.9951 && *t.last().unwrap() >= 0.9999 && t.len() <= 7, "{t:?}");
        let (t, d) = ticks(4.995, 5.005, 4);
        assert!(t[0] <= 4.995 && *t.last().unwrap() >= 5.005 && d == 3, "{t:?} {d}");
    }
}
