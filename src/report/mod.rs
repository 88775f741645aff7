//! Reports of a run: report.json, timeseries.csv, events.log and the printed summary, written
//! atomically into a run directory.

pub mod csv;
pub mod json;
pub mod output;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::metrics::Metrics;

/// Everything to write for one run.
pub struct RunArtifacts<'a> {
    /// report.json.
    pub report: &'a json::Report,
    /// The metrics (time series).
    pub metrics: &'a Metrics,
    /// events.log text.
    pub events_log: &'a str,
}

/// Writes the run directory atomically; returns its path.
pub fn write_run_dir(dir: &Path, a: &RunArtifacts<'_>) -> Result<PathBuf, String> {
    let w = output::RunDirWriter::create(dir)?;
    let mut report = serde_json::to_vec_pretty(a.report).map_err(|e| format!("cannot serialize report: {e}"))?;
    report.push(b'\n');
    w.write("timeseries.csv", &csv::render(&a.metrics.buckets))?;
    w.write("events.log", a.events_log.as_bytes())?;
    w.write(output::MARKER, &report)?;
    w.commit()
}
