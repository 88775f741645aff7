//! Fitting each parameter of [`PARAMETERS`] to live runs: the median of the runs' estimates.

use serde::Serialize;
use serde_json::Value;

use super::identify::{PARAMETERS, Parameter};
use super::{CalibrateError, LiveRun, median, simulate, to_ms, value_of};
use crate::scenario::overrides::{Override, SetPath};

/// How much a parameter is moved to find a slope \[s\].
const STEP_S: f64 = 1.0;

/// Least slope (seconds of interval per second of parameter) for an interval to identify the
/// parameter: below it the interval hardly depends on it there.
const MIN_SLOPE: f64 = 0.5;

/// One fault of one run that identifies a parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// The run (its directory).
    pub run: String,
    /// The fault's index in the run.
    pub fault: usize,
    /// Its kind.
    pub kind: String,
    /// The interval, live \[s\].
    pub live_s: f64,
    /// The interval, simulated with the parameter at `was_s` \[s\].
    pub sim_s: f64,
    /// How much the simulated interval grows per second of the parameter.
    pub slope: f64,
    /// The parameter this run gives: `was_s + (live_s - sim_s) / slope`, at least 0.
    pub estimate_s: f64,
}

/// One parameter's fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// The field path.
    pub path: &'static str,
    /// The interval that identifies it.
    pub interval: &'static str,
    /// Its value in the runs' scenarios (the first run's, when they differ).
    pub was_s: Option<f64>,
    /// The median of the estimates, to the millisecond; `None` when nothing identified it.
    pub value_s: Option<f64>,
    /// Every estimate.
    pub observations: Vec<Observation>,
    /// Why nothing identified it, when nothing did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_identified: Option<String>,
}

/// Every parameter's fit, and the overrides of those fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// One per parameter of [`PARAMETERS`], in order.
    pub fits: Vec<Fit>,
    /// `path = value` of every fitted parameter.
    pub overrides: Vec<Override>,
}

/// An override of a fitted value.
fn set(path: &str, value: f64) -> Override {
    let path = SetPath::parse_field(path).expect("the parameters are fields of the table");
    Override { path, value: Value::from(value), origin: None }
}

/// Fits every parameter to `runs`, in table order.
pub fn fit(runs: &[LiveRun]) -> Result<Calibration, CalibrateError> {
    let mut overrides = Vec::new();
    let mut fits = Vec::new();
    for p in PARAMETERS {
        let f = fit_one(p, runs, &overrides)?;
        if let Some(v) = f.value_s {
            overrides.push(set(p.path, v));
        }
        fits.push(f);
    }
    Ok(Calibration { fits, overrides })
}

/// Fits `p` with `applied` (the parameters fitted before it) in force.
fn fit_one(p: &Parameter, runs: &[LiveRun], applied: &[Override]) -> Result<Fit, CalibrateError> {
    let mut observations = Vec::new();
    let mut candidates = 0;
    let was_s = runs.first().and_then(|r| value_of(r, applied, p.path));
    for run in runs.iter().filter(|r| (p.applies)(&r.scenario)) {
        let faults: Vec<usize> =
            (0..run.figures.faults.len()).filter(|&i| p.kinds.contains(&run.figures.faults[i].kind.as_str())).collect();
        let Some(was) = value_of(run, applied, p.path).filter(|_| !faults.is_empty()) else {
            continue;
        };
        let base = simulate(run, run.seed, applied)?;
        let mut moved_overrides = applied.to_vec();
        moved_overrides.push(set(p.path, was + STEP_S));
        let moved = simulate(run, run.seed, &moved_overrides)?;
        for i in faults {
            candidates += 1;
            let interval = |fs: &super::RunFigures| fs.faults.get(i).and_then(|f| p.interval.of(f));
            let (Some(live_s), Some(sim_s), Some(moved_s)) =
                (interval(&run.figures), interval(&base), interval(&moved))
            else {
                continue;
            };
            let slope = (moved_s - sim_s) / STEP_S;
            if slope < MIN_SLOPE {
                continue;
            }
            let estimate_s = to_ms((was + (live_s - sim_s) / slope).max(0.0));
            let kind = run.figures.faults[i].kind.clone();
            observations.push(Observation { run: run.label.clone(), fault: i, kind, live_s, sim_s, slope, estimate_s });
        }
    }
    let estimates: Vec<f64> = observations.iter().map(|o| o.estimate_s).collect();
    let value_s = (!estimates.is_empty()).then(|| to_ms(median(&estimates)));
    let not_identified = value_s.is_none().then(|| {
        if candidates == 0 {
            format!("no run has a {} fault{}", p.kinds.join(" or "), p.condition)
        } else {
            format!(
                "{candidates} fault(s) of the runs, but the {} interval was missing or did not depend on it",
                p.interval.name()
            )
        }
    });
    Ok(Fit { path: p.path, interval: p.interval.name(), was_s, value_s, observations, not_identified })
}
