//! `ftsim calibrate`: timing parameters fitted from live run directories, written as a timings
//! file (`--timings FILE` of run, mc, sweep and live).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, Failure, print_stdout};
use crate::report::calibration::{evaluation_table, fits_table, timings_json};
use crate::report::{EVENTS_LOG, run_data::RunData};
use crate::study::calibrate::{FaultTimes, LiveRun, RunFigures, evaluate, fit};

/// `ftsim calibrate`'s arguments.
pub(super) struct CalibrateArgs {
    pub dirs: Vec<PathBuf>,
    pub out: PathBuf,
    pub force: bool,
    pub seeds: u64,
    pub quiet: bool,
}

/// A live run directory, read: report.json of mode `live`, timeseries.csv and events.log.
fn load_live(dir: &Path) -> Result<LiveRun, Failure> {
    let bad = |why: String| Failure::bad_input(format!("{}: {why}", dir.display()));
    let data = RunData::load(dir).map_err(bad)?;
    let r = data.report;
    if r.mode != "live" {
        return Err(bad(format!(
            "a run of mode \"{}\" (report.json); calibrate reads live runs, made by `ftsim live`",
            r.mode
        )));
    }
    if !dir.join(EVENTS_LOG).is_file() {
        return Err(bad(format!("no {EVENTS_LOG}: not a whole run directory")));
    }
    let scenario = serde_json::to_value(&r.scenario).expect("a resolved scenario serializes");
    let faults = r
        .faults
        .iter()
        .map(|f| FaultTimes { kind: f.kind.clone(), detect_s: f.time_to_detect_s, recover_s: f.time_to_recover_s })
        .collect();
    Ok(LiveRun {
        label: dir.display().to_string(),
        scenario_name: r.scenario_name,
        seed: r.seed,
        scenario,
        figures: RunFigures { faults, requests: r.summary.requests, failures: r.summary.failures },
    })
}

/// Refuses an output that exists (without `--force`) or cannot be a file, before any work.
fn check_out(out: &Path, force: bool) -> Result<(), Failure> {
    if out.is_dir() {
        return Err(Failure::bad_input(format!("--out {}: is a directory; give a file name", out.display())));
    }
    if out.exists() && !force {
        return Err(Failure::bad_input(format!(
            "--out {}: the file exists; nothing was written (--force replaces it)",
            out.display()
        )));
    }
    Ok(())
}

/// Writes `text` to `out` atomically: a temporary file beside it, synced, then renamed; without
/// `force` the rename refuses to replace a file that appeared meanwhile.
fn write_atomic(out: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| Failure::bad_input(format!("--out {}: {what}: {e}", out.display()));
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".ftsim-timings.tmp-")
        .tempfile_in(parent)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    tmp.write_all(text.as_bytes()).map_err(|e| fail("cannot write", e))?;
    tmp.as_file().sync_all().map_err(|e| fail("cannot sync", e))?;
    let persisted = if force { tmp.persist(out) } else { tmp.persist_noclobber(out) };
    persisted.map(drop).map_err(|e| fail("cannot write", e.error))
}

pub(super) fn calibrate(a: CalibrateArgs) -> Result<u8, Failure> {
    check_out(&a.out, a.force)?;
    let runs: Vec<LiveRun> = a.dirs.iter().map(|d| load_live(d)).collect::<Result<_, _>>()?;
    let failure = |e: crate::study::calibrate::CalibrateError| Failure::bad_input(e.to_string());
    let cal = fit::fit(&runs).map_err(failure)?;
    let eval = evaluate::leave_one_scenario_out(&runs, a.seeds).map_err(failure)?;
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    let words: Vec<String> = ["ftsim", "calibrate"]
        .into_iter()
        .map(String::from)
        .chain(labels.iter().cloned())
        .chain(["--seeds".to_string(), a.seeds.to_string()])
        .collect();
    let command = shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "));
    write_atomic(&a.out, &timings_json(&command, &labels, &cal, &eval), a.force)?;
    if !a.quiet {
        print_stdout(&format!(
            "Fitted on {} live run(s):\n\n{}\n{}\nWrote {out} (use it with `--timings {out}`).\n",
            runs.len(),
            fits_table(&cal),
            evaluation_table(&eval),
            out = a.out.display()
        ));
    }
    Ok(EXIT_OK)
}
