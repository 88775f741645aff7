//! The printed summary of a sweep: one row per point in the order given, then the point with
//! the most nines and how it compares with the others.

use super::SweepReport;
use crate::study::sweep::Band;

/// An interval as `[low, high]` with `digits` decimals, or `n/a` with one replication.
fn interval(b: &Band, scale: f64, digits: usize) -> String {
    match (b.ci95_low, b.ci95_high) {
        (Some(l), Some(h)) => format!("[{:.digits$}, {:.digits$}]", l * scale, h * scale),
        _ => "[n/a]".to_string(),
    }
}

/// The table's head and rows: the parameters, then availability (%), nines, downtime per month
/// (min), failed requests, each mean with its 95 % interval, and P(SLO holds).
pub fn rows(r: &SweepReport) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head = r.parameters.clone();
    head.extend(["availability %", "nines", "downtime min/month", "failed requests", "P(SLO holds)"].map(String::from));
    let rows = r
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let s = &p.summary;
            let mut row: Vec<String> = (0..r.parameters.len()).map(|k| r.value(i, k).to_string()).collect();
            let (a, d, f) = (p.availability, p.downtime_per_30d_s, p.failed_requests);
            row.push(format!("{:.4} {}", a.mean * 100.0, interval(&a, 100.0, 4)));
            row.push(format!("{:.2} {}", p.nines.mean, interval(&p.nines, 1.0, 2)));
            row.push(format!("{:.1} {}", d.mean / 60.0, interval(&d, 1.0 / 60.0, 1)));
            row.push(format!("{:.1} {}", f.mean, interval(&f, 1.0, 1)));
            let slo = &s.slo_holds;
            row.push(format!("{:.2} [{:.2}, {:.2}]", slo.p, slo.ci95_low, slo.ci95_high));
            row
        })
        .collect();
    (head, rows)
}

/// The point with the most nines, then one line per other point: whether the intervals overlap
/// (not distinguishable by them) and the paired difference of availability on the same seeds.
pub fn verdict(r: &SweepReport) -> Vec<String> {
    let best = &r.points[r.best.point];
    let name = |i: usize| r.points[i].settings.join(", ");
    let shown = if r.parameters.is_empty() { "the scenario as is".to_string() } else { name(r.best.point) };
    let mut lines = vec![format!(
        "Most nines: {shown}: {:.2} nines (95 % CI {}), availability {:.4} %.",
        best.nines.mean,
        interval(&best.nines, 1.0, 2),
        best.summary.availability.mean * 100.0
    )];
    for i in (0..r.points.len()).filter(|&i| i != r.best.point) {
        let cis =
            if r.best.overlaps[i] { "CIs overlap: not distinguishable by CI" } else { "CIs apart: distinguishable" };
        let paired = match r.best.paired_difference[i] {
            Some(d) => format!(
                "; paired on the same seeds, the best's availability is higher by {:.4} % points {}",
                d.mean * 100.0,
                interval(&d, 100.0, 4)
            ),
            None => String::new(),
        };
        lines.push(format!("  vs {}: {cis}{paired}", name(i)));
    }
    lines
}

/// The whole summary: a title, the table with aligned columns, the verdict, the directory.
pub fn render(r: &SweepReport, dir: &str) -> String {
    let (head, rows) = rows(r);
    let widths: Vec<usize> = (0..head.len())
        .map(|c| rows.iter().map(|row| row[c].len()).chain([head[c].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c < r.parameters.len() {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = format!(
        "ftsim {}: sweep of {} ({} points x {} runs, seed {}, the same seeds at every point)\n\n",
        env!("CARGO_PKG_VERSION"),
        r.scenario_name,
        r.points.len(),
        r.runs,
        r.seed
    );
    out.push_str(&line(&head));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push('\n');
    for l in verdict(r) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str(&format!("\nWrote {dir}/ (sweep.csv, sweep.json, sweep.html, plots)\n"));
    out
}
