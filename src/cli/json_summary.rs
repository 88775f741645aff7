//! What `--format json` prints: report.json's own `summary`, `slo` and `faults` (the same types,
//! so every field added to them appears here), with each run's identity and verdict.

use std::path::Path;

use serde::Serialize;

use super::{Failure, print_stdout};
use crate::report::json::{FaultJson, Report, SloJson, Summary};

/// One run's summary.
#[derive(Serialize)]
pub(super) struct RunSummary<'a> {
    ftsim_version: &'a str,
    mode: &'a str,
    scenario_name: &'a str,
    seed: u64,
    /// The run directory.
    run_dir: String,
    /// `holds` or `violated`; for `ftsim run` the exit code says the same (0 or 1).
    verdict: &'static str,
    rerun: &'a str,
    summary: &'a Summary,
    slo: &'a SloJson,
    faults: &'a [FaultJson],
}

impl<'a> RunSummary<'a> {
    /// The summary of the run `r`, whose directory is `dir`.
    pub(super) fn of(r: &'a Report, dir: &Path) -> Self {
        RunSummary {
            ftsim_version: &r.ftsim_version,
            mode: &r.mode,
            scenario_name: &r.scenario_name,
            seed: r.seed,
            run_dir: dir.display().to_string(),
            verdict: if r.slo.holds { "holds" } else { "violated" },
            rerun: &r.rerun,
            summary: &r.summary,
            slo: &r.slo,
            faults: &r.faults,
        }
    }
}

/// Prints `value` as indented JSON and a newline on stdout.
pub(super) fn print(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::bad_input(format!("cannot serialize summary: {e}")))?;
    print_stdout(&(text + "\n"));
    Ok(())
}
