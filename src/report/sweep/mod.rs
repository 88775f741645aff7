//! The output of `ftsim sweep`: sweep.json (every point's figures and the best point),
//! sweep.csv (one row per point), sweep.html, the plots of nines and downtime against the first
//! parameter (sweep.png, sweep.svg) and, for two parameters, the heatmap (heatmap.png,
//! heatmap.svg), written atomically into a sweep directory; and the printed table ([`text`]).
//! sweep.json is versioned by `schema_version` and documented in docs/sweep.md.

mod html;
pub mod text;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::output::{DirKind, RunDirWriter, SWEEP_MARKER};
use super::plot::{self, sweep as fig};
use crate::study::sweep::{Band, Best, PointResult};

/// Version of the sweep.json layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One row per point.
pub const SWEEP_CSV: &str = "sweep.csv";
/// The self-contained HTML page.
pub const SWEEP_HTML: &str = "sweep.html";

/// sweep.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The ftsim version that ran the sweep.
    pub ftsim_version: String,
    /// The scenario's name.
    pub scenario_name: String,
    /// The seed every point's replications derive theirs from (common random numbers).
    pub seed: u64,
    /// The command that reproduces the sweep.
    pub rerun: String,
    /// Each replication's arrival window \[s\].
    pub duration_s: f64,
    /// Replications per point.
    pub runs: u64,
    /// Worker threads used. No number of the sweep depends on it.
    pub threads: u64,
    /// The swept paths, in the order given (the first is the plots' x axis).
    pub parameters: Vec<String>,
    /// Every point, the first parameter varying slowest.
    pub points: Vec<PointResult>,
    /// The point with the most nines.
    pub best: Best,
}

impl SweepReport {
    /// The value of parameter `p` at point `i`, as given.
    pub fn value(&self, i: usize, p: usize) -> &str {
        let setting = &self.points[i].settings[p];
        setting.split_once('=').map_or(setting.as_str(), |(_, v)| v)
    }
}

/// Creates the sweep directory `target` (refused, having changed nothing, when ftsim may not
/// replace it).
pub fn create_sweep_dir(target: &Path) -> Result<RunDirWriter, String> {
    RunDirWriter::create_as(target, DirKind::Sweep)
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The metrics of sweep.csv with their bands, in column order.
fn csv_metrics(p: &PointResult) -> [(&'static str, Band); 6] {
    [
        ("availability", p.availability),
        ("time_availability", p.time_availability),
        ("nines", p.nines),
        ("time_nines", p.time_nines),
        ("downtime_per_30d_s", p.downtime_per_30d_s),
        ("failed_requests", p.failed_requests),
    ]
}

/// sweep.csv: the parameters, then per metric its mean, interval and percentiles, then
/// P(SLO holds) with its Wilson interval and the replications.
pub fn csv(r: &SweepReport) -> String {
    let mut head: Vec<String> = r.parameters.clone();
    if let Some(p) = r.points.first() {
        for (name, _) in csv_metrics(p) {
            head.extend(["mean", "ci95_low", "ci95_high", "p50", "p95"].map(|c| format!("{name}_{c}")));
        }
    }
    head.extend(["slo_holds_p", "slo_holds_ci95_low", "slo_holds_ci95_high", "runs"].map(String::from));
    let mut out = head.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",") + "\n";
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for (i, p) in r.points.iter().enumerate() {
        let mut row: Vec<String> = (0..r.parameters.len()).map(|k| r.value(i, k).to_string()).collect();
        for (_, b) in csv_metrics(p) {
            row.extend([b.mean.to_string(), opt(b.ci95_low), opt(b.ci95_high), b.p50.to_string(), b.p95.to_string()]);
        }
        let slo = &p.summary.slo_holds;
        row.extend([slo.p.to_string(), slo.ci95_low.to_string(), slo.ci95_high.to_string(), slo.n.to_string()]);
        out.push_str(&(row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\n"));
    }
    out
}

/// The values of parameter `p` in the order given.
fn values_of(r: &SweepReport, p: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for i in 0..r.points.len() {
        let v = r.value(i, p);
        if !seen.iter().any(|s| s == v) {
            seen.push(v.to_string());
        }
    }
    seen
}

/// A band as a plotted point: its interval, or its mean alone.
fn plotted(b: &Band, scale: f64) -> fig::Point {
    let m = b.mean * scale;
    fig::Point { mean: m, low: b.ci95_low.map_or(m, |v| v * scale), high: b.ci95_high.map_or(m, |v| v * scale) }
}

/// The lines of the plot: the points grouped by the settings after the first parameter (the
/// first varies slowest, so the points of a line are `k`, `k + stride`, ...).
fn series(r: &SweepReport) -> Vec<fig::Series> {
    let n = values_of(r, 0).len().max(1);
    let stride = r.points.len() / n;
    (0..stride)
        .map(|k| {
            let pts: Vec<&PointResult> = (0..n).map(|j| &r.points[j * stride + k]).collect();
            fig::Series {
                label: pts[0].settings.get(1..).unwrap_or_default().join(", "),
                nines: pts.iter().map(|p| plotted(&p.nines, 1.0)).collect(),
                downtime_min: pts.iter().map(|p| plotted(&p.downtime_per_30d_s, 1.0 / 60.0)).collect(),
            }
        })
        .collect()
}

/// The plots' file names and images: the lines always, the heatmap with exactly two
/// parameters.
pub fn plots(r: &SweepReport) -> Result<Vec<(&'static str, plot::Images)>, String> {
    let title = format!("Sweep of {}: {} points x {} runs", r.scenario_name, r.points.len(), r.runs);
    let (x_label, x_values) = (r.parameters.first().map_or("", String::as_str), values_of(r, 0));
    let lines = fig::SweepLines { title: &title, x_label, x_values: &x_values, series: &series(r) };
    let mut out = vec![("sweep", plot::sweep_lines(&lines)?)];
    if r.parameters.len() == 2 {
        let y_values = values_of(r, 1);
        let cells: Vec<Vec<f64>> = (0..y_values.len())
            .map(|yi| (0..x_values.len()).map(|xi| r.points[xi * y_values.len() + yi].nines.mean).collect())
            .collect();
        let heat = fig::Heatmap {
            title: &title,
            x_label,
            x_values: &x_values,
            y_label: &r.parameters[1],
            y_values: &y_values,
            cells: &cells,
        };
        out.push(("heatmap", plot::sweep_heatmap(&heat)?));
    }
    Ok(out)
}

/// Writes the sweep's files into `w` and moves the directory into place; returns its path.
pub fn write_sweep_dir(w: RunDirWriter, r: &SweepReport) -> Result<PathBuf, String> {
    let mut json = serde_json::to_vec_pretty(r).map_err(|e| format!("cannot serialize sweep.json: {e}"))?;
    json.push(b'\n');
    let plots = plots(r)?;
    let svgs: Vec<&str> = plots.iter().map(|(_, i)| i.svg.as_str()).collect();
    w.write(SWEEP_CSV, csv(r).as_bytes())?;
    w.write(SWEEP_HTML, html::page(r, &svgs).as_bytes())?;
    for (name, images) in &plots {
        w.write(&format!("{name}.png"), &images.png)?;
        w.write(&format!("{name}.svg"), images.svg.as_bytes())?;
    }
    w.write(SWEEP_MARKER, &json)?;
    w.commit()
}
