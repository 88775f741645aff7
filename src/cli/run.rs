//! `ftsim run`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_SLO_VIOLATED, Failure, json_summary, print_stdout};
use crate::metrics::Metrics;
use crate::metrics::stream::MetricsStream;
use crate::report::output::RunDirWriter;
use crate::report::{self, RunArtifacts, json::RunInfo};
use crate::scenario::overrides::Override;
use crate::scenario::{self, bundled};

/// A scenario source: its text, the name used in messages, and how to name it again on a
/// command line run from any directory.
pub(super) struct Source {
    pub text: String,
    pub label: String,
    /// A file's absolute path, a bundled scenario's name, or empty for the default scenario.
    pub arg: String,
    /// The `--set PATH=VALUE` applied to it, in order.
    pub sets: Vec<String>,
}

/// `path` made absolute (symbolic links and `..` resolved when possible), for `rerun`.
pub(super) fn absolute(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.into());
    abs.to_string_lossy().into_owned()
}

/// The shell command that reproduces a run (with the options `extra` after the seed): every
/// word quoted for a POSIX shell.
pub(super) fn rerun_command(command: &str, source: &Source, seed: u64, extra: &[&str]) -> String {
    let seed = seed.to_string();
    let words: Vec<&str> = ["ftsim", command]
        .into_iter()
        .chain((!source.arg.is_empty()).then_some(source.arg.as_str()))
        .chain(["--seed", &seed])
        .chain(source.sets.iter().flat_map(|s| ["--set", s.as_str()]))
        .chain(extra.iter().copied())
        .collect();
    // Only a NUL byte cannot be quoted, and no argument holds one.
    shlex::try_join(words.iter().copied()).unwrap_or_else(|_| words.join(" "))
}

/// Resolves a `run` argument: an existing file, or a bundled scenario by name.
pub(super) fn load_source(arg: Option<&str>) -> Result<Source, Failure> {
    let Some(arg) = arg else {
        let (name, text) = bundled::by_name(bundled::DEFAULT_NAME).expect("the default scenario is bundled");
        return Ok(Source {
            text: text.to_string(),
            label: format!("<built-in {name}>"),
            arg: String::new(),
            sets: Vec::new(),
        });
    };
    let path = PathBuf::from(arg);
    if path.exists() {
        return read_file(&path).map(|text| Source {
            text,
            label: arg.to_string(),
            arg: absolute(&path),
            sets: Vec::new(),
        });
    }
    if let Some((name, text)) = bundled::by_name(arg) {
        return Ok(Source {
            text: text.to_string(),
            label: format!("<built-in {name}>"),
            arg: name.to_string(),
            sets: Vec::new(),
        });
    }
    Err(Failure::bad_input(format!(
        "{arg}: no such file, and no bundled scenario of that name{} (see `ftsim scenarios`)",
        did_you_mean_bundled(arg)
    )))
}

/// `; did you mean `NAME`?` for the bundled scenario closest to `arg`, or nothing.
pub(super) fn did_you_mean_bundled(arg: &str) -> String {
    bundled::closest_name(arg).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default()
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
    scenario::decode(bytes, &path.display().to_string()).map_err(|e| Failure::bad_input(e.to_string()))
}

/// Scenario errors as failure lines.
pub(super) fn scenario_failure(errors: Vec<scenario::ScenarioError>) -> Failure {
    Failure { lines: errors.iter().map(|e| e.to_string()).collect(), code: super::EXIT_BAD_INPUT }
}

/// Parses the scenario named by `arg` (a file or a bundled name), with `--seed` applied.
pub(super) fn load(arg: Option<&str>, seed: Option<u64>) -> Result<(Source, scenario::Loaded), Failure> {
    load_with(arg, seed, &[])
}

/// The `--set` arguments parsed (a path the format lacks or a missing `=` is bad input).
pub(super) fn parse_sets(sets: &[String]) -> Result<Vec<Override>, Failure> {
    sets.iter().map(|a| Override::parse(a).map_err(Failure::bad_input)).collect()
}

/// The overrides of the timings file `path` (`--timings`), none without one.
pub(super) fn read_timings(path: Option<&Path>) -> Result<Vec<Override>, Failure> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = read_file(path)?;
    scenario::timings_file::parse(&text, &path.display().to_string()).map_err(|e| scenario_failure(vec![e]))
}

/// The overrides of `--timings` then of `--set`, in the order they apply (the last one wins).
pub(super) fn overrides(timings: Option<&Path>, sets: &[String]) -> Result<Vec<Override>, Failure> {
    let mut all = read_timings(timings)?;
    all.extend(parse_sets(sets)?);
    Ok(all)
}

/// Like [`load`], with the overrides `sets` (`--set`) put into the scenario before it is read.
pub(super) fn load_with(
    arg: Option<&str>,
    seed: Option<u64>,
    sets: &[Override],
) -> Result<(Source, scenario::Loaded), Failure> {
    let mut source = load_source(arg)?;
    source.sets = sets.iter().map(Override::arg).collect();
    let loaded = scenario::parse_with(&source.text, &source.label, seed, sets).map_err(scenario_failure)?;
    Ok((source, loaded))
}

/// One finished run (simulated or live), ready to be written.
pub(super) struct Finished<'a> {
    pub source: &'a Source,
    pub loaded: &'a scenario::Loaded,
    pub mode: &'a str,
    pub metrics: Metrics,
    pub events_processed: Option<u64>,
}

/// What a run prints on stdout once its directory is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Print {
    /// Nothing (`--quiet`).
    Nothing,
    /// The summary table.
    Text,
    /// The summary as one JSON object ([`json_summary::RunSummary`]).
    Json,
}

/// Writes the rest of the run directory (`dir` holds events.log), prints the summary; returns
/// the exit code.
pub(super) fn finish(run: Finished<'_>, dir: RunDirWriter, print: Print) -> Result<u8, Failure> {
    let sc = &run.loaded.scenario;
    let metrics = &run.metrics;
    let command = if run.mode == "live" { "live" } else { "run" };
    let rerun = rerun_command(command, run.source, sc.seed, &[]);
    let info = RunInfo {
        mode: run.mode,
        traffic_mode: (run.mode != "live").then(|| sc.traffic_mode()),
        resolved: &run.loaded.resolved,
        rerun,
        events_processed: run.events_processed,
    };
    let report = report::json::build(info, metrics, sc.duration);
    let artifacts = RunArtifacts { report: &report, metrics };
    let dir = report::write_run_dir(dir, &artifacts).map_err(Failure::bad_input)?;
    if print == Print::Json {
        json_summary::print(&json_summary::RunSummary::of(&report, &dir))?;
    }
    if print == Print::Text {
        let what = if run.mode == "live" { "measured live" } else { "simulated" };
        let title = format!(
            "ftsim {}: scenario {} (seed {}), {} {what}",
            env!("CARGO_PKG_VERSION"),
            sc.name,
            sc.seed,
            sc.duration
        );
        print_stdout(&report::summary::render(&title, metrics, &dir.display().to_string()));
    }
    Ok(if metrics.slo.holds { EXIT_OK } else { EXIT_SLO_VIOLATED })
}

/// Flushes the events.log streamed into the run directory for `out_dir` (the directory's commit
/// syncs it with the other files).
pub(super) fn close_events_log(events_log: BufWriter<File>, out_dir: &Path) -> Result<(), Failure> {
    let path = out_dir.join(report::EVENTS_LOG);
    events_log.into_inner().map(drop).map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))
}

pub(super) fn run(
    arg: Option<&str>,
    seed: Option<u64>,
    sets: &[String],
    timings: Option<&Path>,
    out: Option<PathBuf>,
    print: Print,
) -> Result<u8, Failure> {
    let (source, loaded) = load_with(arg, seed, &overrides(timings, sets)?)?;
    let sc = &loaded.scenario;
    let out_dir = out.unwrap_or_else(|| PathBuf::from("output").join(&sc.name));
    // The run directory first: events.log streams into it while the simulation runs, and the
    // metrics accumulate as requests finish, so memory does not grow with the run's length.
    let dir = RunDirWriter::create(&out_dir).map_err(Failure::bad_input)?;
    let mut events_log = dir.create_file(report::EVENTS_LOG).map_err(Failure::bad_input)?;
    let mut stream = MetricsStream::new(sc);
    let output = crate::sim::run_streaming(sc, &mut events_log, &mut stream)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", source.label)))?;
    close_events_log(events_log, &out_dir)?;
    let finished = Finished {
        source: &source,
        loaded: &loaded,
        mode: "simulation",
        metrics: stream.finish(&output.levels, &output.faults, &output.entry_points),
        events_processed: Some(output.events_processed),
    };
    finish(finished, dir, print)
}
