//! Calibration: the timing parameters of the model fitted from live runs (`ftsim calibrate`).
//!
//! Each live run recorded the scenario it ran (every default filled in), its seed, and per
//! fault when it was detected and when the cluster was back at its target. The simulator runs
//! the same scenario with the same seed; where a fault's interval depends on one timing
//! parameter ([`identify::PARAMETERS`]), the gap between the live interval and the simulated one,
//! divided by how much the simulated interval moves when the parameter grows by one second (its
//! slope, found by simulating again), is that run's estimate of the parameter. The fitted value
//! is the median of the estimates ([`fit::fit`]). Parameters are fitted in table order, each with
//! the ones before it already applied. [`evaluate::leave_one_scenario_out`] says how much the
//! fit helps on runs it was not fitted on.

pub mod evaluate;
pub mod fit;
pub mod identify;

use serde::Serialize;
use serde_json::Value;

use crate::metrics::stream::MetricsStream;
use crate::scenario::overrides::Override;

/// What one run showed of a fault: seconds after its injection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultTimes {
    /// The fault kind.
    pub kind: String,
    /// Detection, if it happened within the run.
    pub detect_s: Option<f64>,
    /// Recovery, if it happened within the run.
    pub recover_s: Option<f64>,
}

/// The figures of one run that calibration compares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunFigures {
    /// Every fault, in scenario order.
    pub faults: Vec<FaultTimes>,
    /// Requests sent.
    pub requests: u64,
    /// Requests failed.
    pub failures: u64,
}

impl RunFigures {
    /// Failed requests / requests (0 without requests).
    pub fn failed_fraction(&self) -> f64 {
        if self.requests == 0 { 0.0 } else { self.failures as f64 / self.requests as f64 }
    }
}

/// One live run, as calibration reads it.
#[derive(Clone, Debug)]
pub struct LiveRun {
    /// Where it came from (its directory), in messages and in the output.
    pub label: String,
    /// The scenario's name: runs of one name are one scenario when evaluating.
    pub scenario_name: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The resolved scenario it ran (report.json's `scenario`).
    pub scenario: Value,
    /// What it measured.
    pub figures: RunFigures,
}

/// Why calibration stopped: a run's scenario no longer loads, or a simulation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalibrateError(pub String);

impl std::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CalibrateError {}

/// The value of the field at `path` (`timings.actor_start_s`) in `run`'s scenario, with
/// `overrides` applied on top (the last one on the path wins).
pub fn value_of(run: &LiveRun, overrides: &[Override], path: &str) -> Option<f64> {
    if let Some(o) = overrides.iter().rev().find(|o| o.path.text == path) {
        return o.value.as_f64();
    }
    let pointer: String = path.split('.').map(|k| format!("/{k}")).collect();
    run.scenario.pointer(&pointer).and_then(Value::as_f64)
}

/// Simulates `run`'s scenario with `seed` and `overrides`, and reduces it to its figures.
pub fn simulate(run: &LiveRun, seed: u64, overrides: &[Override]) -> Result<RunFigures, CalibrateError> {
    let text = run.scenario.to_string();
    let loaded = crate::scenario::parse_with(&text, &run.label, Some(seed), overrides).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        CalibrateError(format!("{}: its scenario does not load: {}", run.label, lines.join("; ")))
    })?;
    let sc = &loaded.scenario;
    let mut stream = MetricsStream::new(sc);
    let out = crate::sim::run_streaming(sc, &mut std::io::sink(), &mut stream)
        .map_err(|e| CalibrateError(format!("{}: simulation with seed {seed}: {e}", run.label)))?;
    let metrics = stream.finish(&out.levels, &out.faults, &out.entry_points);
    let since = |f: &crate::metrics::faults::FaultOutcome, t: crate::engine::SimTime| {
        t.saturating_since(f.record.injected_at).as_secs_f64()
    };
    Ok(RunFigures {
        faults: metrics
            .faults
            .iter()
            .map(|f| FaultTimes {
                kind: f.record.kind.clone(),
                detect_s: f.record.detected_at.map(|t| since(f, t)),
                recover_s: f.recovered_at.map(|t| since(f, t)),
            })
            .collect(),
        requests: metrics.requests,
        failures: metrics.failures(),
    })
}

/// The median of a non-empty sample (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    super::stats::percentile(&v, 50.0)
}

/// `x` rounded to the millisecond, the scenario's time resolution.
pub fn to_ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
