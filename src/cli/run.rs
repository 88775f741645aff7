//! `ftsim run`.

use std::path::PathBuf;

use super::{EXIT_OK, EXIT_SLO_VIOLATED, Failure, print_stdout};
use crate::metrics::Metrics;
use crate::report::{self, RunArtifacts, json::RunInfo};
use crate::scenario::{self, bundled};

/// A scenario source: its text, the name used in messages, and how to name it again on a
/// command line.
pub(super) struct Source {
    pub text: String,
    pub label: String,
    pub arg: String,
}

/// Resolves a `run` argument: an existing file, or a bundled scenario by name.
pub(super) fn load_source(arg: Option<&str>) -> Result<Source, Failure> {
    let Some(arg) = arg else {
        let (name, text) = bundled::by_name(bundled::DEFAULT_NAME).expect("the default scenario is bundled");
        return Ok(Source { text: text.to_string(), label: format!("<built-in {name}>"), arg: String::new() });
    };
    let path = PathBuf::from(arg);
    if path.exists() {
        return read_file(&path).map(|text| Source { text, label: arg.to_string(), arg: arg.to_string() });
    }
    if let Some((name, text)) = bundled::by_name(arg) {
        return Ok(Source { text: text.to_string(), label: format!("<built-in {name}>"), arg: name.to_string() });
    }
    Err(Failure::bad_input(format!(
        "{arg}: no such file, and no bundled scenario of that name (see `ftsim scenarios`)"
    )))
}

/// Reads a scenario file with a size limit and a clear error.
pub(super) fn read_file(path: &std::path::Path) -> Result<String, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Failure::bad_input(format!("{}: not a regular file", path.display())));
    }
    if meta.len() > scenario::MAX_FILE_BYTES as u64 {
        return Err(Failure::bad_input(format!(
            "{}: file is {} bytes, more than the limit of {}",
            path.display(),
            meta.len(),
            scenario::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| Failure::bad_input(format!("{}: not UTF-8 text: {e}", path.display())))
}

/// Scenario errors as failure lines.
pub(super) fn scenario_failure(errors: Vec<scenario::ScenarioError>) -> Failure {
    Failure { lines: errors.iter().map(|e| e.to_string()).collect(), code: super::EXIT_BAD_INPUT }
}

pub(super) fn run(arg: Option<&str>, seed: Option<u64>, out: Option<PathBuf>, quiet: bool) -> Result<u8, Failure> {
    let source = load_source(arg)?;
    let loaded = scenario::parse_with_seed(&source.text, &source.label, seed).map_err(scenario_failure)?;
    let sc = &loaded.scenario;
    let out_dir = out.unwrap_or_else(|| PathBuf::from("output").join(&sc.name));
    let output = crate::sim::run(sc).map_err(|e| Failure::bad_input(format!("{}: {e}", source.label)))?;
    let metrics = Metrics::compute(sc, &output.observations);
    let rerun = format!("ftsim run{}{} --seed {}", if source.arg.is_empty() { "" } else { " " }, source.arg, sc.seed);
    let info = RunInfo {
        mode: "simulation",
        resolved: &loaded.resolved,
        rerun,
        events_processed: Some(output.events_processed),
    };
    let report = report::json::build(info, &metrics, sc.duration);
    let artifacts = RunArtifacts { report: &report, metrics: &metrics, events_log: &output.events_log };
    let dir = report::write_run_dir(&out_dir, &artifacts).map_err(Failure::bad_input)?;
    if !quiet {
        let title = format!(
            "ftsim {}: scenario {} (seed {}), {} simulated",
            env!("CARGO_PKG_VERSION"),
            sc.name,
            sc.seed,
            sc.duration
        );
        print_stdout(&report::summary::render(&title, &metrics, &dir.display().to_string()));
    }
    Ok(if metrics.slo.holds { EXIT_OK } else { EXIT_SLO_VIOLATED })
}
