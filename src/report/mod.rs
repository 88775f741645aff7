//! Reports of a run: report.json, timeseries.csv, events.log, the availability plots, report.html
//! and the printed summary, written atomically into a run directory; and the output of a Monte
//! Carlo study ([`mc`]).

pub mod calibration;
pub mod compare;
pub mod csv;
pub mod html;
pub mod json;
pub mod mc;
pub mod output;
pub mod plot;
pub mod run_data;
pub mod summary;
pub mod sweep;

use std::path::PathBuf;

use crate::metrics::Metrics;

/// Everything to write for one run besides events.log, which is streamed into the run directory
/// while the run goes on.
pub struct RunArtifacts<'a> {
    /// report.json.
    pub report: &'a json::Report,
    /// The metrics (time series).
    pub metrics: &'a Metrics,
}

/// Writes the run's files into `w` (which already holds events.log) and moves the directory
/// into place; returns its path.
pub fn write_run_dir(w: output::RunDirWriter, a: &RunArtifacts<'_>) -> Result<PathBuf, String> {
    let mut report = serde_json::to_vec_pretty(a.report).map_err(|e| format!("cannot serialize report: {e}"))?;
    report.push(b'\n');
    let series = csv::render(&a.metrics.buckets);
    let run = run_data::RunData::from_parts(a.report.clone(), &series)?;
    w.write(run_data::TIMESERIES, &series)?;
    for (name, bytes) in derived_files(&run)? {
        w.write(name, &bytes)?;
    }
    w.write(output::MARKER, &report)?;
    w.commit()
}

/// The events log's file name in a run directory.
pub const EVENTS_LOG: &str = "events.log";

/// The availability plot, PNG.
pub const PLOT_PNG: &str = "availability.png";
/// The availability plot, SVG.
pub const PLOT_SVG: &str = "availability.svg";

/// The self-contained HTML report.
pub const REPORT_HTML: &str = "report.html";

/// The files drawn from a run's data (plots and HTML report), as (file name, bytes). `ftsim run`
/// and `ftsim plot` both write exactly these.
pub fn derived_files(run: &run_data::RunData) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let images = plot::timeline(run)?;
    let html = html::run_page(run, &images.svg);
    Ok(vec![(PLOT_PNG, images.png), (PLOT_SVG, images.svg.into_bytes()), (REPORT_HTML, html.into_bytes())])
}
