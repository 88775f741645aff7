//! The output of `ftsim mc`: mc.json (the summary, the scenario's identity, every replication),
//! mc.csv (one row per replication), mc.html, the distribution plots and the printed summary,
//! written atomically into an mc directory. Output formats are API: mc.json is versioned by
//! `schema_version` and documented in docs/monte-carlo.md.

mod html;
pub mod table;
pub mod text;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::output::{DirKind, MC_MARKER, RunDirWriter};
use super::plot::{self, Sample};
use crate::scenario::raw::RawScenario;
use crate::study::adaptive::Convergence;
use crate::study::replication::{Replication, fault_kinds};
use crate::study::summary::McSummary;

/// Version of the mc.json layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One row per replication.
pub const MC_CSV: &str = "mc.csv";
/// The self-contained HTML page.
pub const MC_HTML: &str = "mc.html";
/// The distribution plots, PNG.
pub const PLOT_PNG: &str = "distributions.png";
/// The distribution plots, SVG.
pub const PLOT_SVG: &str = "distributions.svg";

/// mc.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct McReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The ftsim version that ran the study.
    pub ftsim_version: String,
    /// The scenario's name.
    pub scenario_name: String,
    /// SHA-256 of the resolved scenario JSON (as in report.json).
    pub scenario_sha256: String,
    /// The scenario's seed: replication 0's seed, from which every other one's is derived.
    pub seed: u64,
    /// The command that reproduces the study.
    pub rerun: String,
    /// Each replication's arrival window \[s\].
    pub duration_s: f64,
    /// Replications run.
    pub runs: u64,
    /// Replications asked for (`--runs`; the cap with `--until-ci`).
    pub max_runs: u64,
    /// With `--until-ci`: the target half-width and whether it was reached.
    pub until_ci: Option<Convergence>,
    /// Worker threads of this machine that ran the replications; `None` when a Ray cluster ran
    /// them (`--ray`). No number of the study depends on it.
    pub threads: Option<u64>,
    /// The Ray cluster that ran the replications (`--ray ADDRESS`), `None` when this machine did.
    /// No number of the study depends on it.
    pub ray_address: Option<String>,
    /// Every figure over the replications.
    pub summary: McSummary,
    /// Each replication's figures, in index order.
    pub replications: Vec<Replication>,
    /// The scenario with every default filled in.
    pub scenario: RawScenario,
}

/// mc.csv: [`Replication::csv_header`] over every fault kind of the study, then one row per
/// replication in index order.
pub fn csv(rows: &[Replication]) -> Vec<u8> {
    let kinds = fault_kinds(rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(Replication::csv_header(&kinds)).expect("in-memory CSV");
    for r in rows {
        w.write_record(r.csv_row(&kinds)).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

/// The samples the distribution plots show: availability, downtime per 30 days, failed
/// requests.
pub fn samples(rows: &[Replication]) -> Vec<Sample> {
    let column = |f: fn(&Replication) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    [
        ("availability (request-based)", column(|r| r.availability)),
        ("downtime per 30 days [s]", column(|r| r.downtime_per_30d_s)),
        ("failed requests", column(|r| r.failed_requests() as f64)),
    ]
    .iter()
    .filter_map(|(label, values)| Sample::new(label, values))
    .collect()
}

/// Writes the mc directory's files into `w` and moves it into place; returns its path.
pub fn write_mc_dir(w: RunDirWriter, report: &McReport) -> Result<PathBuf, String> {
    let title = format!("Monte Carlo: {}", report.scenario_name);
    let subtitle = format!(
        "{} replications of {} s, seed {}; dashed: mean, shaded: its 95 % confidence interval",
        report.runs, report.duration_s, report.seed
    );
    let images = plot::distributions(&title, &subtitle, &samples(&report.replications))?;
    let mut json = serde_json::to_vec_pretty(report).map_err(|e| format!("cannot serialize mc.json: {e}"))?;
    json.push(b'\n');
    w.write(MC_CSV, &csv(&report.replications))?;
    w.write(PLOT_PNG, &images.png)?;
    w.write(PLOT_SVG, images.svg.as_bytes())?;
    w.write(MC_HTML, html::page_of(report, &images.svg).as_bytes())?;
    w.write(MC_MARKER, &json)?;
    w.commit()
}

/// Prepares the mc directory `target` (refused, with nothing changed, where `ftsim mc` may not
/// write: see [`super::output`]).
pub fn create_mc_dir(target: &std::path::Path) -> Result<RunDirWriter, String> {
    RunDirWriter::create_as(target, DirKind::Mc)
}
