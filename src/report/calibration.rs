//! What `ftsim calibrate` writes: the timings file (its overrides, and how they were fitted and
//! judged) and the tables it prints, which docs/calibration.md shows too.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::scenario::timings_file::VERSION;
use crate::study::calibrate::evaluate::Evaluation;
use crate::study::calibrate::fit::{Calibration, Fit};
use crate::study::calibrate::identify::NOT_IDENTIFIABLE;

/// The timings file.
#[derive(Serialize)]
struct TimingsFile<'a> {
    ftsim_timings: u64,
    overrides: Map<String, Value>,
    calibration: Record<'a>,
}

/// How the overrides were found; informative, not read back.
#[derive(Serialize)]
struct Record<'a> {
    ftsim_version: &'static str,
    command: &'a str,
    runs: &'a [String],
    fits: &'a [Fit],
    not_identifiable: Vec<Reason>,
    evaluation: &'a Evaluation,
}

#[derive(Serialize)]
struct Reason {
    path: &'static str,
    why: &'static str,
}

/// The timings file's JSON text: `command` is how it was made, `runs` the run directories.
pub fn timings_json(command: &str, runs: &[String], cal: &Calibration, eval: &Evaluation) -> String {
    let overrides = cal.overrides.iter().map(|o| (o.path.text.clone(), o.value.clone())).collect();
    let file = TimingsFile {
        ftsim_timings: VERSION,
        overrides,
        calibration: Record {
            ftsim_version: env!("CARGO_PKG_VERSION"),
            command,
            runs,
            fits: &cal.fits,
            not_identifiable: NOT_IDENTIFIABLE.iter().map(|&(path, why)| Reason { path, why }).collect(),
            evaluation: eval,
        },
    };
    format!("{}\n", serde_json::to_string_pretty(&file).expect("a JSON value serializes"))
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

/// The fitted parameters as a Markdown table, then those no live run identifies.
pub fn fits_table(cal: &Calibration) -> String {
    let mut out = String::from("| parameter | was [s] | fitted [s] | faults | from |\n|---|---|---|---|---|\n");
    for f in &cal.fits {
        let from = match &f.not_identified {
            Some(why) => format!("not identified: {why}"),
            None => {
                let kinds: std::collections::BTreeSet<&str> = f.observations.iter().map(|o| o.kind.as_str()).collect();
                let kinds: Vec<&str> = kinds.into_iter().collect();
                format!("median of the runs' estimates, {} of {}", f.interval, kinds.join(", "))
            }
        };
        let n = f.observations.len();
        out.push_str(&format!("| `{}` | {} | {} | {n} | {from} |\n", f.path, secs(f.was_s), secs(f.value_s)));
    }
    out.push_str("\nNot identifiable from live runs:\n\n");
    for (path, why) in NOT_IDENTIFIABLE {
        out.push_str(&format!("- `{path}`: {why}\n"));
    }
    out
}

/// `sim` against `live`, as `sim (+x %)`.
fn against(sim: Option<f64>, live: Option<f64>) -> String {
    match (sim, live) {
        (Some(s), Some(l)) if l > 0.0 => format!("{s:.1} ({:+.1} %)", (s - l) / l * 100.0),
        (s, _) => s.map_or_else(|| "-".to_string(), |s| format!("{s:.1}")),
    }
}

/// A fraction as a percentage.
fn pct(f: f64) -> String {
    format!("{:.2} %", f * 100.0)
}

/// The leave-one-scenario-out evaluation as a Markdown table.
pub fn evaluation_table(eval: &Evaluation) -> String {
    let mut out = format!(
        "Each scenario against a calibration fitted on the other scenarios' runs; simulation median over \
         seeds 1-{}, live mean. Recovery in seconds after the fault, error relative to live; failed requests \
         as a fraction of all.\n\n",
        eval.seeds
    );
    out.push_str(
        "| scenario | runs | fitted on the others | fault | recover live | before | after | failed live | before | \
         after |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for s in &eval.scenarios {
        let fitted = if s.fitted.is_empty() { "nothing identified".to_string() } else { s.fitted.join(", ") };
        if s.faults.is_empty() {
            let failed = format!("{} | {} | {}", pct(s.live_failed), pct(s.before_failed), pct(s.after_failed));
            out.push_str(&format!("| {} | {} | {fitted} | - | - | - | - | {failed} |\n", s.scenario, s.runs));
        }
        for (i, f) in s.faults.iter().enumerate() {
            let head =
                if i == 0 { format!("| {} | {} | {} ", s.scenario, s.runs, fitted) } else { "|  |  |  ".to_string() };
            let failed = if i == 0 {
                format!("| {} | {} | {} |", pct(s.live_failed), pct(s.before_failed), pct(s.after_failed))
            } else {
                "|  |  |  |".to_string()
            };
            out.push_str(&format!(
                "{head}| {} | {} | {} | {} {failed}\n",
                f.kind,
                f.live_s.map_or_else(|| "-".to_string(), |v| format!("{v:.1}")),
                against(f.before_s, f.live_s),
                against(f.after_s, f.live_s)
            ));
        }
    }
    out
}
