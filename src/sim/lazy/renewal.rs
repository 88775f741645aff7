//! Where a jittered check chain snapped to a grid is next due, drawn without running it.
//!
//! The Serve controller's replica health checks form a renewal chain on a grid: after a check at
//! `t` (a grid point), the next is at `t + G * ceil(J / G)`, with `J` uniform over the whole
//! microseconds of `[lo, hi]` (the period's jitter) and `G` the sweep. Counted in grid units, the
//! steps `S = ceil(J / G)` take a few values. A chain left alone since a check at `last` is
//! due next at its first renewal at or after `now`; [`GridRenewal::next_check`] draws that time
//! from its exact law: the last renewal before `now` at grid index `i` (weight `u(i) P(S >=
//! m - i)`, where `u(i)` is the probability that the chain visits `i` and `m` the first grid
//! index at or after `now`), then the jump from it, a jitter drawn uniformly among the values
//! that carry it to `m` or beyond. `u` comes from the renewal equation `u(n) = sum p(s) u(n -
//! s)`, tabulated until it repeats with the steps' period to 1e-15 (it converges geometrically);
//! beyond the table it is extended by that period.

use crate::engine::{RngStream, SimDuration, SimTime};

/// Chains whose steps span more grid units than this are not drawn lazily (see
/// [`GridRenewal::new`]).
const MAX_STEP_UNITS: u64 = 4_096;

/// The renewal table stops growing at this many entries, converged or not.
const MAX_TABLE: usize = 1 << 20;

/// Convergence of the renewal table: successive periods differ by less than this.
const CONVERGED: f64 = 1e-15;

/// The law of a jittered check chain on a grid, and its renewal table.
#[derive(Clone, Debug)]
pub struct GridRenewal {
    /// The grid step [µs].
    grid: u64,
    /// The jitter's bounds [µs], inclusive.
    lo: u64,
    hi: u64,
    /// The largest step, in grid units.
    s_max: u64,
    /// `u(n)`, the probability that the chain visits grid index `n`, for `n < renewal.len()`.
    renewal: Vec<f64>,
    /// The greatest common divisor of the steps: renewals fall on its multiples only.
    period: usize,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl GridRenewal {
    /// The chain of checks `ceil_grid(t + J)`, `J` uniform over `[lo, hi]`, on a grid of step
    /// `grid`; none when the grid is empty or the steps span over 4,096 grid units
    /// (the chain then runs eagerly).
    pub fn new(grid: SimDuration, lo: SimDuration, hi: SimDuration) -> Option<Self> {
        let (grid, lo) = (grid.as_micros(), lo.as_micros());
        let hi = hi.as_micros().max(lo);
        if grid == 0 || lo == 0 || hi.div_ceil(grid) > MAX_STEP_UNITS {
            return None;
        }
        let mut law = GridRenewal { grid, lo, hi, s_max: hi.div_ceil(grid), renewal: vec![1.0], period: 1 };
        let steps: Vec<(usize, f64)> = (lo.div_ceil(grid)..=law.s_max)
            .map(|s| (s as usize, law.step_probability(s)))
            .filter(|&(_, p)| p > 0.0)
            .collect();
        law.period = steps.iter().fold(0, |g, &(s, _)| gcd(g, s as u64)) as usize;
        let window = law.s_max as usize;
        let u = &mut law.renewal;
        loop {
            let n = u.len();
            u.push(steps.iter().filter(|&&(s, _)| s <= n).map(|&(s, p)| p * u[n - s]).sum());
            let len = u.len();
            let settled = len >= 2 * window + law.period
                && len.is_multiple_of(law.period)
                && (len - window..len).all(|j| (u[j] - u[j - law.period]).abs() < CONVERGED);
            if settled || len >= MAX_TABLE {
                break;
            }
        }
        let len = law.renewal.len() - law.renewal.len() % law.period;
        law.renewal.truncate(len);
        Some(law)
    }

    /// How many jitter values give a step of at least `k` grid units.
    fn tail_count(&self, k: u64) -> u64 {
        let from = self.lo.max(k.saturating_sub(1) * self.grid + 1);
        (self.hi + 1).saturating_sub(from)
    }

    /// P(S >= k).
    fn tail(&self, k: u64) -> f64 {
        self.tail_count(k) as f64 / (self.hi - self.lo + 1) as f64
    }

    /// P(S = s).
    fn step_probability(&self, s: u64) -> f64 {
        self.tail(s) - self.tail(s + 1)
    }

    /// u(n): the probability that a chain with a renewal at 0 has one at grid index `n`.
    fn visits(&self, n: u64) -> f64 {
        let len = self.renewal.len() as u64;
        if n < len {
            return self.renewal[n as usize];
        }
        let period = self.period as u64;
        self.renewal[(len - period + (n - len) % period) as usize]
    }

    /// The candidates for the chain's last renewal before grid index `m` (`m >= 1`), with
    /// their weights: `u(i) P(S >= m - i)`.
    fn last_before(&self, m: u64) -> impl Iterator<Item = (u64, f64)> + '_ {
        (m.saturating_sub(self.s_max)..m).map(move |i| (i, self.visits(i) * self.tail(m - i))).filter(|&(_, w)| w > 0.0)
    }

    /// The first grid index at or after `now`, and after `last` (a check at `last` is done).
    fn first_index(&self, last: SimTime, now: SimTime) -> u64 {
        now.saturating_since(last).as_micros().div_ceil(self.grid).max(1)
    }

    /// The first check at or after `now` of a chain whose last check ran at `last` (a grid
    /// point), drawn from its exact law with `rng`: one uniform draw for the last renewal before
    /// `now` when there are several candidates, then the jitter of the jump over `now`.
    pub fn next_check(&self, last: SimTime, now: SimTime, rng: &mut RngStream) -> SimTime {
        let m = self.first_index(last, now);
        let candidates: Vec<(u64, f64)> = self.last_before(m).collect();
        let mut i = candidates.last().expect("u(0) = 1 keeps a candidate").0;
        if candidates.len() > 1 {
            let total: f64 = candidates.iter().map(|&(_, w)| w).sum();
            let mut x = rng.unit() * total;
            for &(c, w) in &candidates {
                if x < w {
                    i = c;
                    break;
                }
                x -= w;
            }
        }
        let from = self.lo.max((m - i - 1) * self.grid + 1);
        let jitter = rng.range_inclusive(from, self.hi);
        last + SimDuration::from_micros(i * self.grid + jitter.div_ceil(self.grid) * self.grid)
    }

    /// The law of [`Self::next_check`]: each possible due time (grid index from `last`) with
    /// its probability.
    #[cfg(test)]
    fn law(&self, last: SimTime, now: SimTime) -> std::collections::BTreeMap<u64, f64> {
        let m = self.first_index(last, now);
        let mut law = std::collections::BTreeMap::new();
        for (i, _) in self.last_before(m) {
            for s in (m - i)..=self.s_max {
                *law.entry(i + s).or_insert(0.0) += self.visits(i) * self.step_probability(s);
            }
        }
        law
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    /// The replica health-check chain of a period of `period_s`: jitter +-10 %, sweep
    /// `min(period, 10 s) / 2`.
    fn chain(period_s: u64) -> GridRenewal {
        let p = period_s * S;
        let grid = SimDuration::from_micros(p.min(10 * S) / 2);
        GridRenewal::new(grid, SimDuration::from_micros(p * 9 / 10), SimDuration::from_micros(p * 11 / 10))
            .expect("a lazy chain")
    }

    /// The eager chain: every check drawn, until the first at or after `now`.
    fn eager(law: &GridRenewal, now: SimTime, rng: &mut RngStream) -> u64 {
        let mut t = 0;
        loop {
            t += rng.range_inclusive(law.lo, law.hi).div_ceil(law.grid) * law.grid;
            if t >= now.as_micros() {
                return t / law.grid;
            }
        }
    }

    #[test]
    fn a_chain_woken_before_its_next_check_draws_the_jitter_the_eager_chain_would() {
        let law = chain(10);
        for now_s in [0, 3, 9] {
            let (mut a, mut b) = (RngStream::new(7, "x"), RngStream::new(7, "x"));
            for _ in 0..100 {
                let lazy = law.next_check(SimTime::ZERO, SimTime::from_micros(now_s * S), &mut a).as_micros();
                let gap = b.range_inclusive(law.lo, law.hi).div_ceil(law.grid) * law.grid;
                assert_eq!(lazy, gap, "woken at {now_s} s");
            }
        }
    }

    #[test]
    fn the_law_of_the_next_check_sums_to_one_and_matches_the_stationary_chain_far_away() {
        for period in [10, 12, 60, 7] {
            let law = chain(period);
            for now in [1, 17, 1_000, 31_536_000] {
                let p = law.law(SimTime::ZERO, SimTime::from_micros(now * S));
                let total: f64 = p.values().sum();
                assert!((total - 1.0).abs() < 1e-12, "period {period}, now {now}: total {total}");
            }
        }
        // A 10 s period on a 5 s grid steps 2 or 3 units, each with probability about 1/2: far
        // from its last check the chain is stationary, and the next check lies 0, 1 or 2 units
        // after the first grid point with probabilities P(S > j) / E[S].
        let law = chain(10);
        let p2 = law.step_probability(2);
        let mean = 2.0 * p2 + 3.0 * (1.0 - p2);
        let far = 1_000_000_007u64;
        let m = far.div_ceil(5);
        let p = law.law(SimTime::ZERO, SimTime::from_micros(far * S));
        for (j, expected) in [(0, 1.0), (1, 1.0), (2, 1.0 - p2)] {
            let got = p[&(m + j)];
            assert!((got - expected / mean).abs() < 1e-12, "offset {j}: {got}");
        }
    }

    #[test]
    fn the_drawn_next_check_follows_the_eager_chain_s_law() {
        // Two-sample chi-square over the due grid index, lazy draws against eager chains run
        // check by check, at 0.001.
        for (period, now_s) in [(10, 37), (10, 4_000), (12, 100), (60, 95), (60, 1_234), (7, 50)] {
            let law = chain(period);
            let now = SimTime::from_micros(now_s * S);
            let n = 20_000;
            let mut lazy_rng = RngStream::new(1, "lazy");
            let mut eager_rng = RngStream::new(1, "eager");
            let mut counts: std::collections::BTreeMap<u64, [f64; 2]> = Default::default();
            for _ in 0..n {
                let l = law.next_check(SimTime::ZERO, now, &mut lazy_rng).as_micros() / law.grid;
                counts.entry(l).or_default()[0] += 1.0;
                counts.entry(eager(&law, now, &mut eager_rng)).or_default()[1] += 1.0;
            }
            // Cells seen fewer than 10 times in all are pooled into one.
            let (mut cells, mut rare) = (Vec::new(), [0.0; 2]);
            for &[a, b] in counts.values() {
                if a + b < 10.0 {
                    rare = [rare[0] + a, rare[1] + b];
                } else {
                    cells.push([a, b]);
                }
            }
            if rare[0] + rare[1] > 0.0 {
                cells.push(rare);
            }
            let chi2: f64 = cells.iter().map(|[a, b]| (a - b).powi(2) / (a + b)).sum();
            let k = (cells.len() - 1).max(1) as f64;
            // The 0.999 quantile of chi-square with k degrees of freedom (Wilson-Hilferty).
            let critical = k * (1.0 - 2.0 / (9.0 * k) + 3.09 * (2.0 / (9.0 * k)).sqrt()).powi(3);
            assert!(
                chi2 < critical,
                "period {period}, now {now_s} s: chi-square {chi2:.1} > {critical:.1} over {counts:?}"
            );
        }
    }

    #[test]
    fn a_grid_of_zero_or_steps_too_wide_run_eagerly() {
        let us = SimDuration::from_micros;
        assert!(GridRenewal::new(us(0), us(9), us(11)).is_none());
        assert!(GridRenewal::new(us(1), us(9 * S), us(11 * S)).is_none());
        assert!(GridRenewal::new(us(5 * S), us(9 * S), us(11 * S)).is_some());
    }
}
