//! The summary `ftsim mc` prints: the study's identity, the table of [`super::table`] with its
//! columns aligned, P(SLO holds), how `--until-ci` ended and where the files are. Its bytes
//! depend on the scenario, the seed and the run count only (not on the thread count).

use std::fmt::Write;

use super::McReport;
use super::table::{self, HEAD};

/// `cells` laid out in columns: the first left-aligned, the others right-aligned.
fn aligned(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> =
        (0..HEAD.len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut o = String::new();
    for r in rows {
        let mut line = format!("  {:<w$}", r[0], w = widths[0]);
        for (cell, w) in r.iter().zip(&widths).skip(1) {
            let _ = write!(line, "  {cell:>w$}");
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    o
}

/// The printed summary of a study written to `out_dir`.
pub fn render(report: &McReport, out_dir: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "ftsim {}: scenario {} (seed {}), {} replication{} of {} s simulated",
        env!("CARGO_PKG_VERSION"),
        report.scenario_name,
        report.seed,
        report.runs,
        if report.runs == 1 { "" } else { "s" },
        report.duration_s
    );
    let mut rows = vec![HEAD.map(String::from).to_vec()];
    rows.extend(table::rows(&report.summary));
    o.push_str(&aligned(&rows));
    let _ = writeln!(o, "  P(SLO holds)  {}", table::slo_line(&report.summary.slo_holds));
    if let Some(c) = &report.until_ci {
        let _ = writeln!(o, "  until-ci       {}", table::until_ci_line(c, report.runs, report.max_runs));
    }
    let _ = writeln!(o, "  results in {out_dir}/");
    o
}
