//! The fit judged on runs it was not fitted on: each scenario's live runs against the
//! simulation before calibration and after a calibration fitted on the other scenarios' runs.

use std::collections::BTreeSet;

use serde::Serialize;

use super::fit::fit;
use super::{CalibrateError, LiveRun, RunFigures, median, simulate};
use crate::scenario::overrides::Override;

/// One fault of an evaluated scenario: recovery \[s after injection\].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultRow {
    /// Index in the scenario.
    pub index: usize,
    /// Kind.
    pub kind: String,
    /// Mean over the live runs that recovered.
    pub live_s: Option<f64>,
    /// Simulation median over the seeds, before calibration.
    pub before_s: Option<f64>,
    /// Simulation median over the seeds, calibrated on the other scenarios.
    pub after_s: Option<f64>,
}

/// One scenario left out of the fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioRow {
    /// Its name.
    pub scenario: String,
    /// Its live runs.
    pub runs: usize,
    /// The overrides fitted on the other scenarios' runs (`PATH=VALUE`).
    pub fitted: Vec<String>,
    /// Its faults.
    pub faults: Vec<FaultRow>,
    /// Failed-request fraction: mean of the live runs.
    pub live_failed: f64,
    /// Simulation median, before calibration.
    pub before_failed: f64,
    /// Simulation median, after.
    pub after_failed: f64,
}

/// The whole evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Simulated seeds per scenario and setting (1 to this).
    pub seeds: u64,
    /// One row per scenario, by name.
    pub scenarios: Vec<ScenarioRow>,
}

/// Leave-one-scenario-out: for each scenario name among `runs`, fits on the runs of every other
/// name and compares its own runs with the simulation (seeds 1 to `seeds`) before and after.
pub fn leave_one_scenario_out(runs: &[LiveRun], seeds: u64) -> Result<Evaluation, CalibrateError> {
    let names: BTreeSet<&str> = runs.iter().map(|r| r.scenario_name.as_str()).collect();
    let mut scenarios = Vec::new();
    for name in names {
        let (own, others): (Vec<LiveRun>, Vec<LiveRun>) = runs.iter().cloned().partition(|r| r.scenario_name == name);
        let fitted = fit(&others)?.overrides;
        let before = simulated(&own[0], seeds, &[])?;
        let after = simulated(&own[0], seeds, &fitted)?;
        let live: Vec<&RunFigures> = own.iter().map(|r| &r.figures).collect();
        let faults = own[0]
            .figures
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| FaultRow {
                index: i,
                kind: f.kind.clone(),
                live_s: mean(live.iter().filter_map(|r| r.faults.get(i).and_then(|f| f.recover_s))),
                before_s: median_of(before.iter().filter_map(|r| r.faults.get(i).and_then(|f| f.recover_s))),
                after_s: median_of(after.iter().filter_map(|r| r.faults.get(i).and_then(|f| f.recover_s))),
            })
            .collect();
        let failed = |rs: &[RunFigures]| median_of(rs.iter().map(RunFigures::failed_fraction)).unwrap_or(0.0);
        scenarios.push(ScenarioRow {
            scenario: name.to_string(),
            runs: own.len(),
            fitted: fitted.iter().map(Override::arg).collect(),
            faults,
            live_failed: mean(live.iter().map(|r| r.failed_fraction())).unwrap_or(0.0),
            before_failed: failed(&before),
            after_failed: failed(&after),
        });
    }
    Ok(Evaluation { seeds, scenarios })
}

/// `run`'s scenario simulated with seeds 1 to `seeds` and `overrides`.
fn simulated(run: &LiveRun, seeds: u64, overrides: &[Override]) -> Result<Vec<RunFigures>, CalibrateError> {
    (1..=seeds).map(|seed| simulate(run, seed, overrides)).collect()
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| median(&v))
}
