//! `ftsim mc`: replications of a scenario over seeds, in parallel, with confidence intervals.

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::run::{load_with, overrides, rerun_command};
use super::{EXIT_OK, Failure, mc_ray, print_stdout};
use crate::report::mc::{self, McReport};
use crate::study::adaptive::run_until_ci;
use crate::study::replication::Replication;
use crate::study::run::run_replications;
use crate::study::summary::McSummary;

/// Most replications one study runs (`--runs`): mc.json holds every replication's row (about
/// 1 KB of JSON each), so this bounds it near 100 MB.
pub const MAX_RUNS: u64 = 100_000;

/// Most worker threads (`--threads`).
pub const MAX_THREADS: u64 = 1024;

/// `ftsim mc`'s arguments.
pub(super) struct McArgs {
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub sets: Vec<String>,
    /// `--timings FILE`.
    pub timings: Option<PathBuf>,
    pub runs: u64,
    pub threads: Option<u64>,
    pub until_ci: Option<f64>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
    /// `--ray ADDRESS`: the replications run as Ray tasks there.
    pub ray: Option<String>,
    /// `--ray-binary PATH`: the binary shipped to the workers.
    pub ray_binary: Option<PathBuf>,
}

/// `--until-ci`'s value: a half-width in (0, 1).
pub(super) fn parse_until_ci(text: &str) -> Result<f64, String> {
    let w: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if w.is_finite() && w > 0.0 && w < 1.0 {
        Ok(w)
    } else {
        Err(format!(
            "{text} is not a half-width of an availability: give a number between 0 and 1, both excluded \
             (e.g. 0.0005 for ± 0.05 %)"
        ))
    }
}

/// The worker threads by default: the machine's available parallelism.
pub(super) fn default_threads() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

/// A progress bar with an ETA on standard error, when it is a terminal and not `--quiet`.
pub(super) fn progress(runs: u64, quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} replications, {elapsed} elapsed, ETA {eta}")
        .expect("a valid progress template");
    Some(ProgressBar::new(runs).with_style(style))
}

pub(super) fn mc(args: McArgs) -> Result<u8, Failure> {
    let sets = overrides(args.timings.as_deref(), &args.sets)?;
    let (source, loaded) = load_with(args.scenario.as_deref(), args.seed, &sets)?;
    let sc = &loaded.scenario;
    let out_dir = args.out.unwrap_or_else(|| PathBuf::from("output").join(format!("{}-mc", sc.name)));
    // The directory first: a refused --out fails before any replication runs.
    let dir = mc::create_mc_dir(&out_dir).map_err(Failure::bad_input)?;
    let threads = args.threads.unwrap_or_else(default_threads);
    let bar = progress(args.runs, args.quiet);
    let on_done = |_: &Replication| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let mut ray = match &args.ray {
        Some(address) => Some((mc_ray::connect(&loaded, address, args.ray_binary.clone(), args.quiet)?, address)),
        None => None,
    };
    let mut run_batch = |indices: &[u64]| match ray.as_mut() {
        Some((study, address)) => study.run(indices, &on_done).map_err(|e| mc_ray::failure(address, e)),
        None => run_replications(sc, indices, threads as usize, &on_done)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", source.label))),
    };
    let result = match args.until_ci {
        None => run_batch(&(0..args.runs).collect::<Vec<u64>>()).map(|rows| (rows, None)),
        Some(w) => run_until_ci(args.runs, w, run_batch).map(|(rows, c)| (rows, Some(c))),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some((study, _)) = ray {
        study.close();
    }
    let (rows, until_ci) = result?;
    let summary = McSummary::of(&rows, sc).expect("--runs is at least 1");
    let (runs, width) = (args.runs.to_string(), args.until_ci.map(|w| w.to_string()));
    let mut extra = vec!["--runs", runs.as_str()];
    if let Some(w) = &width {
        extra.extend(["--until-ci", w.as_str()]);
    }
    let report = McReport {
        schema_version: mc::SCHEMA_VERSION,
        ftsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_name: sc.name.clone(),
        scenario_sha256: crate::report::json::scenario_sha256(&loaded.resolved),
        seed: sc.seed,
        rerun: rerun_command("mc", &source, sc.seed, &extra),
        duration_s: sc.duration.as_secs_f64(),
        runs: rows.len() as u64,
        max_runs: args.runs,
        until_ci,
        threads: args.ray.is_none().then_some(threads),
        ray_address: args.ray.clone(),
        summary,
        replications: rows,
        scenario: loaded.resolved.clone(),
    };
    let dir = mc::write_mc_dir(dir, &report).map_err(Failure::bad_input)?;
    if !args.quiet {
        print_stdout(&mc::text::render(&report, &dir.display().to_string()));
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_ci_takes_a_half_width_between_0_and_1() {
        assert_eq!(parse_until_ci("0.0005"), Ok(0.0005));
        for bad in ["0", "-0.1", "1", "2", "nan", "inf"] {
            assert!(parse_until_ci(bad).unwrap_err().contains("between 0 and 1"), "{bad}");
        }
        assert_eq!(parse_until_ci("x").unwrap_err(), "`x` is not a number");
    }
}
