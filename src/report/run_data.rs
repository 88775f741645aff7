//! A run loaded back from its run directory: report.json plus timeseries.csv. Plots, HTML pages
//! and comparisons are drawn from this alone, so `ftsim run` (which builds it from the files it
//! is about to write) and `ftsim plot` / `ftsim compare` (which read them back) share one path.

use std::path::Path;

use crate::metrics::observations::{FailureCause, Levels};

use super::csv::header;
use super::json::{Report, SCHEMA_VERSION};
use super::output::MARKER;

/// The time-series file of a run directory.
pub const TIMESERIES: &str = "timeseries.csv";

/// Largest report.json or timeseries.csv accepted \[bytes\]: far above any real run, small
/// enough that a wrong directory cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One row of timeseries.csv: a bucket of arrival time.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesRow {
    /// Start of the bucket \[s\].
    pub t_start_s: f64,
    /// End of the bucket (exclusive) \[s\].
    pub t_end_s: f64,
    /// Requests that arrived in it.
    pub requests: u64,
    /// Of which succeeded.
    pub successes: u64,
    /// Failures by cause, in [`FailureCause::ALL`] order.
    pub failures_by_cause: [u64; 6],
    /// Component levels at the end of the bucket.
    pub levels: Levels,
}

impl SeriesRow {
    /// Width of the bucket \[s\].
    pub fn width_s(&self) -> f64 {
        self.t_end_s - self.t_start_s
    }

    /// successes / requests, `None` for an empty bucket.
    pub fn success_ratio(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.successes as f64 / self.requests as f64)
    }
}

/// A run as saved in its directory.
#[derive(Clone, Debug)]
pub struct RunData {
    /// report.json.
    pub report: Report,
    /// timeseries.csv, in time order.
    pub rows: Vec<SeriesRow>,
}

impl RunData {
    /// Builds a run from report.json's value and timeseries.csv's bytes.
    pub fn from_parts(report: Report, csv: &[u8]) -> Result<RunData, String> {
        let rows = parse_series(csv).map_err(|e| format!("{TIMESERIES}: {e}"))?;
        Ok(RunData { report, rows })
    }

    /// Loads a run directory. The error says what is wrong without naming the directory.
    pub fn load(dir: &Path) -> Result<RunData, String> {
        if !dir.is_dir() {
            return Err(if dir.exists() { "not a directory".into() } else { "no such directory".into() });
        }
        if !dir.join(MARKER).is_file() {
            return Err(format!("not an ftsim run directory (no {MARKER})"));
        }
        let json = read_limited(&dir.join(MARKER))?;
        let report = parse_report(&json).map_err(|e| format!("{MARKER}: {e}"))?;
        let csv = read_limited(&dir.join(TIMESERIES))?;
        RunData::from_parts(report, &csv)
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("{name}: {} bytes, more than the limit of {MAX_FILE_BYTES}", meta.len()));
    }
    std::fs::read(path).map_err(|e| format!("{name}: {e}"))
}

fn parse_report(json: &[u8]) -> Result<Report, String> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(format!("schema_version {v}, this ftsim reads {SCHEMA_VERSION}"));
        }
        None => return Err("no schema_version: not an ftsim report".into()),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Parses timeseries.csv; columns are found by name, so their order does not matter.
fn parse_series(csv: &[u8]) -> Result<Vec<SeriesRow>, String> {
    let mut reader = csv::Reader::from_reader(csv);
    let names = reader.headers().map_err(|e| e.to_string())?.clone();
    let expected = header();
    let index: Vec<usize> = expected
        .iter()
        .map(|want| names.iter().position(|n| n == want).ok_or_else(|| format!("no column {want}")))
        .collect::<Result<_, _>>()?;
    let col = |name: &str| expected.iter().position(|n| n == name).map(|i| index[i]).expect("a known column");
    let causes: Vec<usize> = FailureCause::ALL.iter().map(|c| col(&format!("failed_{}", c.name()))).collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let line = i + 2;
        let field = |at: usize| -> Result<&str, String> {
            record.get(at).ok_or_else(|| format!("line {line}: missing field {}", names.get(at).unwrap_or("?")))
        };
        let num = |name: &str| -> Result<u64, String> {
            let at = col(name);
            field(at)?.parse().map_err(|e| format!("line {line}: {}: {e}", names.get(at).unwrap_or("?")))
        };
        let secs = |name: &str| -> Result<f64, String> {
            let at = col(name);
            field(at)?.parse().map_err(|e| format!("line {line}: {name}: {e}"))
        };
        let count = |name: &str| -> Result<u32, String> {
            u32::try_from(num(name)?).map_err(|e| format!("line {line}: {name}: {e}"))
        };
        let mut failures_by_cause = [0u64; 6];
        for (slot, at) in failures_by_cause.iter_mut().zip(&causes) {
            *slot = field(*at)?.parse().map_err(|e| format!("line {line}: {}: {e}", names.get(*at).unwrap_or("?")))?;
        }
        rows.push(SeriesRow {
            t_start_s: secs("t_start_s")?,
            t_end_s: secs("t_end_s")?,
            requests: num("requests")?,
            successes: num("successes")?,
            failures_by_cause,
            levels: Levels {
                replicas_running: count("replicas_running")?,
                replicas_target: count("replicas_target")?,
                proxies_up: count("proxies_up")?,
                proxies_expected: count("proxies_expected")?,
                pods_ready: count("pods_ready")?,
                pods_desired: count("pods_desired")?,
                gcs_up: num("gcs_up")? != 0,
                redis_up: num("redis_up")? != 0,
                controller_up: num("controller_up")? != 0,
            },
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_by_name_and_reports_missing_ones() {
        let csv = super::super::csv::render(&[]);
        assert!(parse_series(&csv).unwrap().is_empty());
        let err = parse_series(b"t_start_s,t_end_s\n0,1\n").unwrap_err();
        assert!(err.contains("no column requests"), "{err}");
    }

    #[test]
    fn a_bad_number_names_its_line_and_column() {
        let mut csv = String::from_utf8(super::super::csv::render(&[])).unwrap();
        let fields = header().len();
        let mut row = vec!["0"; fields];
        row[2] = "lots";
        csv.push_str(&row.join(","));
        csv.push('\n');
        let err = parse_series(csv.as_bytes()).unwrap_err();
        assert!(err.contains("line 2: requests"), "{err}");
    }
}
