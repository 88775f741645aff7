//! Side-by-side headline metrics of two or more runs, with each run's absolute and relative
//! difference from the first (the baseline). Runs may differ in length and in faults: faults are
//! matched by kind and occurrence (the second `replica_crash` of one run against the second of
//! the other), and a fault one run lacks shows as absent.

use std::fmt::Write;

use super::json::Report;

/// How a metric's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A ratio in [0, 1], six decimals.
    Ratio,
    /// A whole count.
    Count,
    /// Seconds, two decimals.
    Seconds,
}

/// One value of one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    /// A number.
    Value(f64),
    /// The fault happened but the event did not (never detected, never recovered).
    Never,
    /// The run has no such fault.
    Absent,
}

impl Cell {
    /// The number, if there is one.
    pub fn value(self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(v),
            Cell::Never | Cell::Absent => None,
        }
    }
}

/// A run's difference from the baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diff {
    /// run − baseline.
    pub abs: f64,
    /// (run − baseline) / |baseline|; `None` when the baseline is 0 and the run is not.
    pub rel: Option<f64>,
}

/// One metric across the runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Metric name with its unit.
    pub metric: String,
    /// How to print it.
    pub format: Format,
    /// One cell per run, in run order.
    pub cells: Vec<Cell>,
}

impl Row {
    /// Difference of run `i` from run 0, when both have a value.
    pub fn diff(&self, i: usize) -> Option<Diff> {
        let base = self.cells.first()?.value()?;
        let v = self.cells.get(i)?.value()?;
        let rel = if v == base {
            Some(0.0)
        } else if base == 0.0 {
            None
        } else {
            Some((v - base) / base.abs())
        };
        Some(Diff { abs: v - base, rel })
    }
}

/// The comparison table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Rows: headline metrics first, then per fault, then per application (with several), then
    /// per entry point.
    pub rows: Vec<Row>,
}

/// Letter naming run `i` in tables and plots: A, B, ... Z, then R27, R28, ...
pub fn letter(i: usize) -> String {
    match u8::try_from(i) {
        Ok(n) if n < 26 => char::from(b'A' + n).to_string(),
        _ => format!("R{}", i + 1),
    }
}

fn row(metric: impl Into<String>, format: Format, reports: &[&Report], f: impl Fn(&Report) -> Cell) -> Row {
    Row { metric: metric.into(), format, cells: reports.iter().map(|r| f(r)).collect() }
}

/// (kind, occurrence) of every fault of `r`, in report order.
fn fault_keys(r: &Report) -> Vec<(String, usize)> {
    let mut keys: Vec<(String, usize)> = Vec::new();
    for f in &r.faults {
        let n = keys.iter().filter(|(k, _)| *k == f.kind).count();
        keys.push((f.kind.clone(), n + 1));
    }
    keys
}

/// Builds the table of `reports` (the first is the baseline).
pub fn table(reports: &[&Report]) -> Table {
    let value = |v: f64| Cell::Value(v);
    let mut rows = vec![
        row("success ratio", Format::Ratio, reports, |r| value(r.summary.success_ratio)),
        row("requests", Format::Count, reports, |r| value(r.summary.requests as f64)),
        row("failed requests", Format::Count, reports, |r| value(r.summary.failures as f64)),
        row("downtime [s]", Format::Seconds, reports, |r| value(r.summary.downtime_s)),
        row("downtime episodes", Format::Count, reports, |r| value(r.summary.downtime_episodes as f64)),
        row("longest downtime [s]", Format::Seconds, reports, |r| value(r.summary.longest_downtime_s)),
        row("bad seconds", Format::Count, reports, |r| value(r.summary.bad_seconds as f64)),
        row("brownout [s]", Format::Seconds, reports, |r| value(r.summary.brownout_s)),
        row("errors per million", Format::Count, reports, |r| value(r.summary.errors_per_million.round())),
        row("run length [s]", Format::Seconds, reports, |r| value(r.duration_s)),
    ];
    let mut keys: Vec<(String, usize)> = Vec::new();
    for r in reports {
        for k in fault_keys(r) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for (kind, n) in &keys {
        let name = if keys.iter().any(|(k, m)| k == kind && *m > 1) { format!("{kind} #{n}") } else { kind.clone() };
        let find = |r: &Report| {
            let at = fault_keys(r).iter().position(|k| k.0 == *kind && k.1 == *n);
            at.map(|i| r.faults[i].clone())
        };
        let timed = |get: fn(&super::json::FaultJson) -> Option<f64>| {
            move |r: &Report| match find(r) {
                Some(f) => get(&f).map_or(Cell::Never, Cell::Value),
                None => Cell::Absent,
            }
        };
        rows.push(row(format!("{name}: injected at [s]"), Format::Seconds, reports, timed(|f| Some(f.injected_at_s))));
        rows.push(row(format!("{name}: detection [s]"), Format::Seconds, reports, timed(|f| f.time_to_detect_s)));
        rows.push(row(format!("{name}: recovery [s]"), Format::Seconds, reports, timed(|f| f.time_to_recover_s)));
        rows.push(row(
            format!("{name}: failed requests"),
            Format::Count,
            reports,
            timed(|f| Some(f.failed_requests as f64)),
        ));
    }
    rows.extend(application_rows(reports));
    rows.extend(entry_point_rows(reports));
    Table { rows }
}

/// Per entry point (matched by name, in order of first appearance): requests and failures.
fn entry_point_rows(reports: &[&Report]) -> Vec<Row> {
    let metrics: [Metric<super::json::EntryPointJson>; 2] =
        [("requests", Format::Count, |e| e.requests as f64), ("failed requests", Format::Count, |e| e.failures as f64)];
    named_rows(reports, |r| &r.entry_points, |e| &e.name, "entry", &metrics)
}

/// Per Serve application (matched by name, in order of first appearance; reports with several
/// applications only): requests, failed requests, success ratio and downtime.
fn application_rows(reports: &[&Report]) -> Vec<Row> {
    let metrics: [Metric<super::json::ApplicationJson>; 4] = [
        ("requests", Format::Count, |a| a.requests as f64),
        ("failed requests", Format::Count, |a| a.failures as f64),
        ("success ratio", Format::Ratio, |a| a.success_ratio),
        ("downtime [s]", Format::Seconds, |a| a.downtime_s),
    ];
    named_rows(reports, |r| &r.applications, |a| &a.name, "application", &metrics)
}

/// A per-item metric: its label, format and value.
type Metric<T> = (&'static str, Format, fn(&T) -> f64);

/// One row per item name (items matched by name across the reports, in order of first
/// appearance) and metric, labelled `{kind} {name}: {metric}`; a report without the item has
/// an absent cell.
fn named_rows<T>(
    reports: &[&Report],
    items: fn(&Report) -> &[T],
    name_of: fn(&T) -> &str,
    kind: &str,
    metrics: &[Metric<T>],
) -> Vec<Row> {
    let mut names: Vec<&str> = Vec::new();
    for r in reports {
        for item in items(r) {
            if !names.contains(&name_of(item)) {
                names.push(name_of(item));
            }
        }
    }
    let mut rows = Vec::new();
    for name in names {
        for &(label, format, get) in metrics {
            let cell =
                |r: &Report| items(r).iter().find(|i| name_of(i) == name).map_or(Cell::Absent, |i| Cell::Value(get(i)));
            rows.push(row(format!("{kind} {name}: {label}"), format, reports, cell));
        }
    }
    rows
}

/// A value as printed.
pub fn format_cell(c: Cell, f: Format) -> String {
    match c {
        Cell::Value(v) => format_value(v, f, false),
        Cell::Never => "never".into(),
        Cell::Absent => "-".into(),
    }
}

fn format_value(v: f64, f: Format, signed: bool) -> String {
    let sign = if signed && v > 0.0 { "+" } else { "" };
    match f {
        Format::Ratio => format!("{sign}{v:.6}"),
        Format::Count => format!("{sign}{v:.0}"),
        Format::Seconds => format!("{sign}{v:.2}"),
    }
}

/// A difference as printed: (absolute, relative).
pub fn format_diff(d: Option<Diff>, f: Format) -> (String, String) {
    match d {
        None => ("-".into(), "-".into()),
        Some(d) => {
            let rel = match d.rel {
                Some(r) => format!("{}{:.1}%", if r > 0.0 { "+" } else { "" }, r * 100.0),
                None => "n/a".into(),
            };
            (format_value(d.abs, f, true), rel)
        }
    }
}

/// Column headers: metric, one per run, then difference and relative difference per other run.
pub fn headers(runs: usize) -> Vec<String> {
    let mut h = vec!["metric".to_string()];
    h.extend((0..runs).map(letter));
    for i in 1..runs {
        h.push(format!("{} - A", letter(i)));
        h.push(format!("{} vs A", letter(i)));
    }
    h
}

/// The cells of `row` as printed, in [`headers`] order.
pub fn printed_row(row: &Row) -> Vec<String> {
    let mut out = vec![row.metric.clone()];
    out.extend(row.cells.iter().map(|c| format_cell(*c, row.format)));
    for i in 1..row.cells.len() {
        let (abs, rel) = format_diff(row.diff(i), row.format);
        out.push(abs);
        out.push(rel);
    }
    out
}

/// The table as aligned text.
pub fn render_text(t: &Table, runs: usize) -> String {
    let mut lines = vec![headers(runs)];
    lines.extend(t.rows.iter().map(printed_row));
    let cols = lines.iter().map(|l| l.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| lines.iter().filter_map(|l| l.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for l in &lines {
        let mut line = String::new();
        for (c, cell) in l.iter().enumerate() {
            if c == 0 {
                let _ = write!(line, "  {cell:<w$}", w = widths[0]);
            } else {
                let _ = write!(line, "  {cell:>w$}", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One line per run: its letter, directory and identity.
pub fn render_runs(dirs: &[String], reports: &[&Report]) -> String {
    let w = dirs.iter().map(|d| d.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (i, (d, r)) in dirs.iter().zip(reports).enumerate() {
        let verdict = if r.slo.holds { "SLO holds" } else { "SLO VIOLATED" };
        let _ =
            writeln!(out, "  {:<2} {d:<w$}  {}, {}, seed {}, {verdict}", letter(i), r.scenario_name, r.mode, r.seed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(cells: &[Cell]) -> Row {
        Row { metric: "m".into(), format: Format::Count, cells: cells.to_vec() }
    }

    #[test]
    fn differences_are_against_the_first_run() {
        let row = r(&[Cell::Value(200.0), Cell::Value(250.0), Cell::Value(0.0)]);
        assert_eq!(row.diff(1), Some(Diff { abs: 50.0, rel: Some(0.25) }));
        assert_eq!(row.diff(2), Some(Diff { abs: -200.0, rel: Some(-1.0) }));
        assert_eq!(format_diff(row.diff(1), Format::Count), ("+50".to_string(), "+25.0%".to_string()));
    }

    #[test]
    fn a_zero_baseline_has_no_relative_difference_unless_equal() {
        assert_eq!(r(&[Cell::Value(0.0), Cell::Value(3.0)]).diff(1), Some(Diff { abs: 3.0, rel: None }));
        assert_eq!(r(&[Cell::Value(0.0), Cell::Value(0.0)]).diff(1), Some(Diff { abs: 0.0, rel: Some(0.0) }));
        assert_eq!(r(&[Cell::Absent, Cell::Value(1.0)]).diff(1), None);
        assert_eq!(r(&[Cell::Value(1.0), Cell::Never]).diff(1), None);
    }

    #[test]
    fn letters_name_runs() {
        assert_eq!((letter(0), letter(1), letter(25), letter(26)), ("A".into(), "B".into(), "Z".into(), "R27".into()));
    }
}
