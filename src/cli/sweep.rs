//! `ftsim sweep`: the same replications of a scenario at every point of a grid of `--set`
//! values, and which point buys the most nines.

use std::path::PathBuf;

use super::run::{Source, load_source, read_timings, rerun_command, scenario_failure};
use super::{EXIT_OK, Failure, print_stdout};
use crate::report::sweep::{self, SweepReport};
use crate::scenario::overrides::{Axis, Override};
use crate::scenario::{self, Scenario};
use crate::study::sweep::{Best, PointResult, grid, run_sweep};

/// `ftsim sweep`'s arguments.
pub(super) struct SweepArgs {
    pub scenario: Option<String>,
    pub sets: Vec<String>,
    /// `--timings FILE`.
    pub timings: Option<PathBuf>,
    pub runs: u64,
    pub threads: Option<u64>,
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

/// Every point's scenario, `timings` (`--timings`) set before the point's values, all read
/// before anything runs (a bad value stops the sweep at once).
fn point_scenarios(
    source: &Source,
    seed: Option<u64>,
    timings: &[Override],
    points: &[Vec<Override>],
) -> Result<Vec<Scenario>, Failure> {
    points
        .iter()
        .map(|p| {
            let sets: Vec<Override> = timings.iter().chain(p).cloned().collect();
            scenario::parse_with(&source.text, &source.label, seed, &sets).map(|l| l.scenario).map_err(scenario_failure)
        })
        .collect()
}

pub(super) fn sweep(a: SweepArgs) -> Result<u8, Failure> {
    let axes: Vec<Axis> =
        a.sets.iter().map(|s| Axis::parse(s).map_err(Failure::bad_input)).collect::<Result<_, _>>()?;
    let points = grid(&axes).map_err(Failure::bad_input)?;
    let source = load_source(a.scenario.as_deref())?;
    let timings = read_timings(a.timings.as_deref())?;
    let scenarios = point_scenarios(&source, a.seed, &timings, &points)?;
    let base = &scenarios[0];
    let out_dir = a.out.unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", base.name)));
    // The directory first: a refused --out fails before any replication runs.
    let dir = sweep::create_sweep_dir(&out_dir).map_err(Failure::bad_input)?;
    let threads = a.threads.unwrap_or_else(super::mc::default_threads);
    let bar = super::mc::progress(a.runs * scenarios.len() as u64, a.quiet);
    let on_done = |_: &crate::study::replication::Replication| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let rows = run_sweep(&scenarios, a.runs, threads as usize, &on_done);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let rows = rows.map_err(|e| Failure::bad_input(e.to_string()))?;
    let results: Vec<PointResult> = points
        .iter()
        .zip(&scenarios)
        .zip(&rows)
        .map(|((p, sc), r)| PointResult::of(p, sc, r).expect("at least one replication per point"))
        .collect();
    let best = Best::of(&results, &rows).expect("at least one point");
    let runs = a.runs.to_string();
    let timings_arg = a.timings.as_deref().map(super::run::absolute);
    let mut extra: Vec<&str> = timings_arg.iter().flat_map(|t| ["--timings", t.as_str()]).collect();
    extra.extend(a.sets.iter().flat_map(|s| ["--set", s.as_str()]));
    extra.extend(["--runs", runs.as_str()]);
    let report = SweepReport {
        schema_version: sweep::SCHEMA_VERSION,
        ftsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_name: base.name.clone(),
        seed: base.seed,
        rerun: rerun_command("sweep", &source, base.seed, &extra),
        duration_s: base.duration.as_secs_f64(),
        runs: a.runs,
        threads,
        parameters: axes.iter().map(|x| x.path.text.clone()).collect(),
        points: results,
        best,
    };
    let dir = sweep::write_sweep_dir(dir, &report).map_err(Failure::bad_input)?;
    if !a.quiet {
        print_stdout(&sweep::text::render(&report, &dir.display().to_string()));
    }
    Ok(EXIT_OK)
}
