//! The [`Checker`]: collects every error while a scenario is converted, applying the limits of
//! the field table.

use crate::engine::SimDuration;
use crate::scenario::error::{JsonPath, ScenarioError};
use crate::scenario::fields::{self, Field, Slot};
use crate::scenario::raw::RawScenario;

/// Collects errors while converting.
pub(super) struct Checker {
    /// Every error so far, in the order found.
    pub errors: Vec<ScenarioError>,
}

impl Checker {
    /// Records an error at `path`.
    pub fn err(&mut self, path: JsonPath, msg: impl Into<String>) {
        self.errors.push(ScenarioError::at(path, msg));
    }

    /// Checks every field of `section` that lives in a slot of `raw` against its limits.
    pub fn section(&mut self, raw: &RawScenario, section: &str) {
        for f in fields::slotted(section) {
            let result = match f.slot {
                Slot::F64(get, _) => get(raw).map(|v| f.kind.check_f64(v)),
                Slot::U64(get, _) => get(raw).map(|v| f.kind.check_u64(v)),
                Slot::Bool(..) | Slot::Other => None,
            };
            if let Some(result) = result {
                self.check(f.json_path(), result);
            }
        }
    }

    /// Records the error of a failed check at `path`.
    fn check(&mut self, path: JsonPath, result: Result<(), String>) {
        if let Err(msg) = result {
            self.err(path, msg);
        }
    }

    /// Checks a string `v` of field `f` at `path`.
    pub fn text(&mut self, f: &Field, path: JsonPath, v: &str) {
        self.check(path, f.kind.check_str(v));
    }

    /// Checks a span `v` of field `f` (an array item's) at `path`; zero when out of limits.
    pub fn secs(&mut self, f: &Field, path: JsonPath, v: f64) -> SimDuration {
        self.check(path, f.kind.check_f64(v));
        f.secs_of(v)
    }

    /// Checks an integer `v` of field `f` at `path`; clamped into its limits.
    pub fn int(&mut self, f: &Field, path: JsonPath, v: u64) -> u32 {
        self.check(path, f.kind.check_u64(v));
        f.int_of(v)
    }

    /// Checks a CPU count `v` of field `f` at `path`, in Ray's 1/10000; zero when out of limits.
    pub fn cpus(&mut self, f: &Field, path: JsonPath, v: f64) -> u64 {
        self.check(path, f.kind.check_f64(v));
        f.units_of(v)
    }

    /// Checks a number `v` of field `f` at `path` (a probability, a ratio).
    pub fn num(&mut self, f: &Field, path: JsonPath, v: f64) -> f64 {
        self.check(path, f.kind.check_f64(v));
        v
    }
}

/// The value of a resolved optional (resolution guarantees presence).
pub(super) fn r<T: Clone>(v: &Option<T>) -> T {
    v.clone().expect("resolved scenario has every default filled in")
}
