//! `ftsim compare`: two or more saved runs side by side. Prints the headline-metrics table and
//! writes the overlay plot, the table and compare.html into one output directory, atomically.

use std::path::{Path, PathBuf};

use super::json_summary::{self, RunSummary};
use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, print_stdout};
use crate::report::compare::{self, letter};
use crate::report::html::{self, ComparedRun};
use crate::report::output::{COMPARE_MARKER, DirKind, RunDirWriter};
use crate::report::plot;
use crate::report::run_data::RunData;

/// A name for a run in file names and legends: its directory's name, else its scenario's.
fn short_name(dir: &Path, run: &RunData) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name.is_empty() || name == "." || name == ".." { run.report.scenario_name.clone() } else { name }
}

/// `output/compare-<a>-vs-<b>...`, keeping file-name-safe characters only.
fn default_out(names: &[String]) -> PathBuf {
    let safe: Vec<String> = names
        .iter()
        .map(|n| n.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect())
        .collect();
    PathBuf::from("output").join(format!("compare-{}", safe.join("-vs-")))
}

/// What `compare --format json` prints.
#[derive(serde::Serialize)]
struct CompareSummary<'a> {
    /// The output directory written.
    compare_dir: String,
    /// Each run, the baseline first.
    runs: Vec<RunSummary<'a>>,
}

pub(super) fn compare(dirs: &[PathBuf], out: Option<PathBuf>, json: bool) -> Result<u8, Failure> {
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        match RunData::load(dir) {
            Ok(run) => runs.push(run),
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    if !errors.is_empty() {
        return Err(Failure { lines: errors, code: EXIT_BAD_INPUT });
    }
    let names: Vec<String> = dirs.iter().zip(&runs).map(|(d, r)| short_name(d, r)).collect();
    let out = out.unwrap_or_else(|| default_out(&names));
    let labels: Vec<(String, &RunData)> =
        names.iter().zip(&runs).enumerate().map(|(i, (n, r))| (format!("{}: {n}", letter(i)), r)).collect();
    let reports: Vec<_> = runs.iter().map(|r| &r.report).collect();
    let table = compare::table(&reports);
    let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let text = format!("{}\n{}", compare::render_runs(&shown, &reports), compare::render_text(&table, runs.len()));
    let images = plot::overlay(&labels).map_err(Failure::bad_input)?;
    let compared: Vec<ComparedRun<'_>> =
        shown.iter().zip(&runs).map(|(d, run)| ComparedRun { dir: d.clone(), run }).collect();
    let page = html::compare_page(&compared, &table, &images.svg);
    let write = || -> Result<PathBuf, String> {
        let w = RunDirWriter::create_as(&out, DirKind::Compare)?;
        w.write("overlay.png", &images.png)?;
        w.write("overlay.svg", images.svg.as_bytes())?;
        w.write("compare.txt", text.as_bytes())?;
        w.write(COMPARE_MARKER, page.as_bytes())?;
        w.commit()
    };
    let dir = write().map_err(Failure::bad_input)?;
    if json {
        let runs = dirs.iter().zip(&runs).map(|(d, r)| RunSummary::of(&r.report, d)).collect();
        json_summary::print(&CompareSummary { compare_dir: dir.display().to_string(), runs })?;
    } else {
        print_stdout(&format!("{text}\n  overlay plot and compare.html in {}/\n", dir.display()));
    }
    Ok(EXIT_OK)
}
