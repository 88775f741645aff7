//! A sweep: the same replications of a scenario at every point of a grid of settings, and which
//! point buys the most nines.
//!
//! Common random numbers: every point runs the replication indices `0..runs` with the seeds
//! [`super::seed::replication_seed`] derives from the scenario's seed, so replication `i` sees
//! the same arrivals and the same fault draws at every point (as far as the setting leaves the
//! streams alike) and the differences between points are the setting's, not noise. Points run
//! one after another, each on the worker threads, so the results do not depend on the thread
//! count.

use serde::{Deserialize, Serialize};

use crate::scenario::Scenario;
use crate::scenario::overrides::{Axis, Override};

use super::replication::Replication;
use super::run::{StudyError, run_replications};
use super::stats::Estimate;
use super::summary::McSummary;

/// Most points one sweep runs (the product of the numbers of values of its `--set`).
pub const MAX_POINTS: usize = 1_000;

/// Nines shown for an availability of 1 (no failed request): far beyond any measurable one (a
/// month at 1,000 requests per second is 2.6 G requests, 9.4 nines).
pub const MAX_NINES: f64 = 12.0;

/// The settings of every point of the grid of `axes`, the first axis varying slowest; an error
/// when there are more than [`MAX_POINTS`].
pub fn grid(axes: &[Axis]) -> Result<Vec<Vec<Override>>, String> {
    let count = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.values.len())).filter(|&n| n <= MAX_POINTS);
    let Some(count) = count else {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        return Err(format!(
            "the sweep has {} points, more than the limit of {MAX_POINTS}: sweep fewer values",
            sizes.join(" x ")
        ));
    };
    Ok((0..count)
        .map(|mut k| {
            let mut point: Vec<Override> = axes
                .iter()
                .rev()
                .map(|a| {
                    let i = k % a.values.len();
                    k /= a.values.len();
                    a.at(i)
                })
                .collect();
            point.reverse();
            point
        })
        .collect())
}

/// `-log10(1 - a)`: the nines of an availability, [`MAX_NINES`] at 1.
pub fn nines(a: f64) -> f64 {
    let miss = 1.0 - a.clamp(0.0, 1.0);
    if miss <= 0.0 { MAX_NINES } else { (-miss.log10()).min(MAX_NINES) }
}

/// A metric at one point: mean with its 95 % interval, median and 95th percentile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95 % interval of the mean; `None` with one replication.
    pub ci95_low: Option<f64>,
    /// Upper end.
    pub ci95_high: Option<f64>,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Band {
    /// The band of an estimate.
    pub fn of(e: &Estimate) -> Band {
        Band { mean: e.mean, ci95_low: e.ci95_low, ci95_high: e.ci95_high, p50: e.p50, p95: e.p95 }
    }

    /// The band of an availability estimate in nines: each figure through [`nines`] (which
    /// keeps order, so the interval and the percentiles carry over).
    pub fn nines_of(e: &Estimate) -> Band {
        Band {
            mean: nines(e.mean),
            ci95_low: e.ci95_low.map(nines),
            ci95_high: e.ci95_high.map(nines),
            p50: nines(e.p50),
            p95: nines(e.p95),
        }
    }

    /// The band with its interval kept within `lo..=hi`, the metric's own range (a t interval
    /// of a bounded metric may reach past it).
    pub fn within(self, lo: f64, hi: f64) -> Band {
        let c = |v: Option<f64>| v.map(|x| x.clamp(lo, hi));
        Band { ci95_low: c(self.ci95_low), ci95_high: c(self.ci95_high), ..self }
    }

    /// Whether the 95 % intervals of `self` and `other` overlap (without intervals, whether
    /// the means are equal).
    pub fn overlaps(&self, other: &Band) -> bool {
        let lo = |b: &Band| b.ci95_low.unwrap_or(b.mean);
        let hi = |b: &Band| b.ci95_high.unwrap_or(b.mean);
        lo(self) <= hi(other) && lo(other) <= hi(self)
    }
}

/// Runs replications `0..runs` of every point's scenario on `threads` threads; the rows of each
/// point in index order, points in order. `on_done` is called once per replication.
pub fn run_sweep(
    points: &[Scenario],
    runs: u64,
    threads: usize,
    on_done: &(dyn Fn(&Replication) + Sync),
) -> Result<Vec<Vec<Replication>>, StudyError> {
    let indices: Vec<u64> = (0..runs).collect();
    points.iter().map(|sc| run_replications(sc, &indices, threads, on_done)).collect()
}

/// One point's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// Its settings, one per axis, as `PATH=VALUE`.
    pub settings: Vec<String>,
    /// Request-based availability.
    pub availability: Band,
    /// Time-based availability.
    pub time_availability: Band,
    /// Request-based availability in nines.
    pub nines: Band,
    /// Time-based availability in nines.
    pub time_nines: Band,
    /// Downtime scaled to a 30-day month \[s\].
    pub downtime_per_30d_s: Band,
    /// Failed requests.
    pub failed_requests: Band,
    /// Every figure over its replications (intervals as computed, unbounded).
    pub summary: McSummary,
}

impl PointResult {
    /// The results of `rows`, the replications of a point with `settings` of `scenario`.
    pub fn of(settings: &[Override], scenario: &Scenario, rows: &[Replication]) -> Option<PointResult> {
        let summary = McSummary::of(rows, scenario)?;
        Some(PointResult {
            settings: settings.iter().map(Override::arg).collect(),
            availability: Band::of(&summary.availability).within(0.0, 1.0),
            time_availability: Band::of(&summary.time_availability).within(0.0, 1.0),
            downtime_per_30d_s: Band::of(&summary.downtime_per_30d_s).within(0.0, f64::MAX),
            failed_requests: Band::of(&summary.failed_requests).within(0.0, f64::MAX),
            nines: Band::nines_of(&summary.availability),
            time_nines: Band::nines_of(&summary.time_availability),
            summary,
        })
    }
}

/// The point with the most nines, and how it compares with each other point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// Its index among the points.
    pub point: usize,
    /// Per point (in order; the best itself included, with a difference of 0): the best's
    /// availability minus the point's, paired replication by replication (the same seeds), as
    /// an estimate; `None` with one replication.
    pub paired_difference: Vec<Option<Band>>,
    /// Per point: whether its availability interval overlaps the best's, so that the two are
    /// not distinguishable by their intervals alone.
    pub overlaps: Vec<bool>,
}

impl Best {
    /// The best of `points`, whose replication rows are `rows`: the highest mean request-based
    /// availability, the first of equals; `None` without points.
    pub fn of(points: &[PointResult], rows: &[Vec<Replication>]) -> Option<Best> {
        let mean = |i: usize| points[i].summary.availability.mean;
        let best = (0..points.len()).reduce(|b, i| if mean(i) > mean(b) { i } else { b })?;
        let band = |i: usize| points[i].availability;
        let paired_difference = rows
            .iter()
            .map(|other| {
                let d: Vec<f64> = rows[best].iter().zip(other).map(|(b, o)| b.availability - o.availability).collect();
                Estimate::of(&d).filter(|e| e.n >= 2).map(|e| Band::of(&e))
            })
            .collect();
        let overlaps = (0..points.len()).map(|i| band(best).overlaps(&band(i))).collect();
        Some(Best { point: best, paired_difference, overlaps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(arg: &str) -> Axis {
        Axis::parse(arg).unwrap()
    }

    #[test]
    fn the_grid_is_the_cartesian_product_first_axis_slowest() {
        let g = grid(&[axis("serve.num_replicas=1,2"), axis("cluster.redis.mode=single,ha,single2")]).unwrap();
        let args: Vec<Vec<String>> = g.iter().map(|p| p.iter().map(Override::arg).collect()).collect();
        assert_eq!(args.len(), 6);
        assert_eq!(args[0], ["serve.num_replicas=1", "cluster.redis.mode=single"]);
        assert_eq!(args[1], ["serve.num_replicas=1", "cluster.redis.mode=ha"]);
        assert_eq!(args[5], ["serve.num_replicas=2", "cluster.redis.mode=single2"]);
        assert_eq!(grid(&[]).unwrap(), vec![Vec::<Override>::new()], "no axis: one point, the scenario");
        let many: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
        let wide = axis(&format!("serve.num_replicas={}", many.join(",")));
        let e = grid(&[wide.clone(), wide]).unwrap_err();
        assert_eq!(e, "the sweep has 40 x 40 points, more than the limit of 1000: sweep fewer values");
    }

    #[test]
    fn nines_are_minus_log10_of_the_unavailability_capped() {
        assert!((nines(0.999) - 3.0).abs() < 1e-9);
        assert!((nines(0.9) - 1.0).abs() < 1e-12);
        assert_eq!(nines(0.0), 0.0);
        assert_eq!((nines(1.0), nines(1.5)), (MAX_NINES, MAX_NINES));
        let e = Estimate::of(&[0.99, 0.999, 0.9999]).unwrap();
        let b = Band::nines_of(&e);
        assert!((b.p50 - 3.0).abs() < 1e-9 && b.ci95_high == Some(MAX_NINES), "{b:?}");
        assert!(b.ci95_low.unwrap() < b.mean && b.mean < b.p95);
    }

    #[test]
    fn intervals_overlap_when_they_share_a_point() {
        let band = |lo, hi| Band { mean: (lo + hi) / 2.0, ci95_low: Some(lo), ci95_high: Some(hi), p50: 0.0, p95: 0.0 };
        assert!(band(0.0, 1.0).overlaps(&band(1.0, 2.0)));
        assert!(!band(0.0, 1.0).overlaps(&band(1.5, 2.0)));
        assert!(band(1.5, 2.0).overlaps(&band(0.0, 3.0)));
    }

    /// The bundled head crash with GCS fault tolerance off and on, `runs` replications.
    fn gcs_sweep(runs: u64, threads: usize) -> (Vec<PointResult>, Vec<Vec<Replication>>) {
        let (_, src) = crate::scenario::bundled::by_name("head-pod-crash-no-gcs-ft").unwrap();
        let points = grid(&[axis("cluster.gcs_fault_tolerance=false,true")]).unwrap();
        let scenarios: Vec<Scenario> =
            points.iter().map(|p| crate::scenario::parse_with(src, "t", None, p).unwrap().scenario).collect();
        let rows = run_sweep(&scenarios, runs, threads, &|_| {}).unwrap();
        let results = points.iter().zip(&scenarios).zip(&rows).map(|((p, sc), r)| PointResult::of(p, sc, r).unwrap());
        (results.collect(), rows)
    }

    #[test]
    fn gcs_fault_tolerance_wins_over_a_head_crash_whatever_the_thread_count() {
        let (one, rows) = gcs_sweep(6, 1);
        let (three, _) = gcs_sweep(6, 3);
        assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&three).unwrap());
        let seeds = |i: usize| rows[i].iter().map(|r| r.seed).collect::<Vec<_>>();
        assert_eq!(seeds(0), seeds(1), "common random numbers: the same seeds at every point");
        let best = Best::of(&one, &rows).unwrap();
        assert_eq!(one[best.point].settings, ["cluster.gcs_fault_tolerance=true"]);
        assert!(one[1].nines.mean > one[0].nines.mean, "{:?} vs {:?}", one[1].nines, one[0].nines);
        let d = best.paired_difference[0].unwrap();
        assert!(d.ci95_low.unwrap() > 0.0, "FT is better on the same seeds: {d:?}");
        assert_eq!(best.paired_difference[1].unwrap().mean, 0.0);
        assert!(best.overlaps[1]);
    }
}
