//! The summary table of a study, as text cells: one row per figure with its mean, the 95 %
//! confidence interval of the mean, its percentiles and the number of replications that define
//! it. The printed summary and mc.html show the same cells.

use crate::metrics::observations::FailureCause;
use crate::study::adaptive::Convergence;
use crate::study::stats::{Estimate, Proportion};
use crate::study::summary::McSummary;

/// The column titles.
pub const HEAD: [&str; 8] = ["metric", "mean", "95 % CI of the mean", "p5", "p50", "p95", "p99", "n"];

/// One row: the figure's name, then one cell per column after the first of [`HEAD`].
pub type Row = Vec<String>;

/// A figure's row, its numbers with `decimals` decimals. Every figure is at least 0: the
/// interval is shown within the figure's range, `0..=max` (a t interval of a count whose mean
/// is near 0 reaches below it; mc.json keeps the interval as computed).
fn row_within(label: &str, e: &Estimate, decimals: usize, max: f64) -> Row {
    let f = |v: f64| format!("{:.decimals$}", v.clamp(0.0, max));
    let ci = match (e.ci95_low, e.ci95_high) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", f(lo), f(hi)),
        _ => "-".to_string(),
    };
    vec![label.to_string(), f(e.mean), ci, f(e.p5), f(e.p50), f(e.p95), f(e.p99), e.n.to_string()]
}

/// A row of a figure with no upper bound.
fn row(label: &str, e: &Estimate, decimals: usize) -> Row {
    row_within(label, e, decimals, f64::INFINITY)
}

/// Every row of the summary table: availability, downtime, failures (with each cause that
/// occurred), the error budget, MTTR, MTBF, latency, then each fault kind's injections and
/// failed requests.
pub fn rows(s: &McSummary) -> Vec<Row> {
    let mut out = vec![
        row_within("availability (requests)", &s.availability, 6, 1.0),
        row_within("availability (time)", &s.time_availability, 6, 1.0),
        row("downtime [s]", &s.downtime_s, 1),
        row("downtime per 30 days [s]", &s.downtime_per_30d_s, 1),
        row("bad minutes", &s.bad_minutes, 1),
        row("failed requests", &s.failed_requests, 1),
    ];
    for c in FailureCause::ALL {
        if let Some(e) = s.failures_by_cause.get(&c).filter(|e| e.mean > 0.0) {
            out.push(row(&format!("  {}", c.name()), e, 1));
        }
    }
    let optional = [
        ("error budget consumed", &s.error_budget_consumed, 3),
        ("MTTR, observed [s]", &s.mttr_s, 1),
        ("MTBF, observed [s]", &s.mtbf_s, 1),
    ];
    out.extend(optional.iter().filter_map(|(label, e, d)| e.as_ref().map(|e| row(label, e, *d))));
    out.push(row("latency p99 [s]", &s.latency_p99_s, 4));
    for (kind, k) in &s.faults {
        out.push(row(&format!("{kind}: injected"), &k.injected, 2));
        out.push(row(&format!("{kind}: failed requests"), &k.failed_requests, 1));
    }
    out
}

/// P(SLO holds) as one line: `0.625 (5 of 8), 95 % Wilson interval [0.306, 0.863]`.
pub fn slo_line(p: &Proportion) -> String {
    format!("{:.3} ({} of {}), 95 % Wilson interval [{:.3}, {:.3}]", p.p, p.successes, p.n, p.ci95_low, p.ci95_high)
}

/// How `--until-ci` ended, as one sentence: `converged: the availability's 95 % CI half-width
/// is 0.000412 (target < 0.0005) after 60 of at most 1000 replications`.
pub fn until_ci_line(c: &Convergence, runs: u64, max_runs: u64) -> String {
    let reached = c.half_width.map_or("undefined".to_string(), |h| format!("{h:.6}"));
    let verdict = if c.converged { "converged" } else { "NOT converged (hit the --runs cap)" };
    format!(
        "{verdict}: the availability's 95 % CI half-width is {reached} (target < {}) after {runs} of at most {max_runs} replications",
        c.width
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_shown_within_the_figures_range() {
        // A count that is 0 in most replications: its t interval reaches below 0 (it showed
        // `[-47.0, 190.0]` failed requests), and an availability's above 1.
        let count = Estimate::of(&[0.0, 0.0, 0.0, 0.0, 9.0]).unwrap();
        assert!(count.ci95_low.unwrap() < 0.0);
        assert_eq!(row("x", &count, 1)[2], "[0.0, 6.8]");
        let availability = Estimate::of(&[1.0, 1.0, 1.0, 0.9]).unwrap();
        assert!(availability.ci95_high.unwrap() > 1.0);
        assert_eq!(row_within("a", &availability, 3, 1.0)[2], "[0.895, 1.000]");
    }

    #[test]
    fn a_row_shows_every_column_and_a_dash_without_interval() {
        let e = Estimate::of(&[1.0, 2.0, 3.0]).unwrap();
        let r = row("x", &e, 2);
        assert_eq!(r.len(), HEAD.len());
        assert_eq!((r[1].as_str(), r[4].as_str(), r[7].as_str()), ("2.00", "2.00", "3"));
        assert_eq!(row("y", &Estimate::of(&[1.0]).unwrap(), 1)[2], "-");
        let p = Proportion::of(5, 8).unwrap();
        assert!(slo_line(&p).starts_with("0.625 (5 of 8), 95 % Wilson interval [0.30"), "{}", slo_line(&p));
    }
}
