//! Timings files (`--timings FILE`): field overrides kept in a file, such as the one
//! `ftsim calibrate` writes. Each is applied like a `--set PATH=VALUE` (before the command
//! line's own `--set`), so it is resolved and validated like a value of the scenario, and an
//! error in it names the file, the line and the column of the value.
//!
//! ```json
//! {
//!   "ftsim_timings": 1,
//!   "overrides": {"timings.actor_start_s": 2.9, "timings.ray_start_s": 4.5},
//!   "calibration": {"...": "what ftsim calibrate fitted them from; not read"}
//! }
//! ```

use serde_json::Value;

use super::error::{JsonPath, ScenarioError};
use super::locate;
use super::overrides::{Origin, Override, SetPath};
use super::shape::kind_of;

/// The format version `ftsim_timings` holds.
pub const VERSION: u64 = 1;

/// The members a timings file may hold.
const MEMBERS: &[&str] = &["ftsim_timings", "overrides", "calibration"];

/// The overrides of the timings file `text` (named `file` in messages), in path order (two
/// members name two different fields, so their order does not matter).
pub fn parse(text: &str, file: &str) -> Result<Vec<Override>, ScenarioError> {
    let fail = |path: JsonPath, message: String| ScenarioError {
        file: Some(file.to_string()),
        position: locate::locate(text, &path),
        path,
        message,
    };
    let doc: Value = serde_json::from_str(text).map_err(|e| ScenarioError {
        file: Some(file.to_string()),
        position: (e.line() > 0).then(|| (e.line(), e.column().max(1))),
        path: JsonPath::root(),
        message: format!("invalid JSON: {}", e.to_string().split(" at line ").next().unwrap_or_default()),
    })?;
    let Value::Object(members) = &doc else {
        return Err(fail(JsonPath::root(), format!("expected an object (a timings file), found {}", kind_of(&doc))));
    };
    if let Some(k) = members.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        let why = format!("unknown member `{k}`, expected one of `ftsim_timings`, `overrides`, `calibration`");
        return Err(fail(JsonPath::root().key(k), why));
    }
    let version = JsonPath::root().key("ftsim_timings");
    match members.get("ftsim_timings") {
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => return Err(fail(version, format!("expected {VERSION} (this ftsim's timings format), found {v}"))),
        None => return Err(fail(JsonPath::root(), format!("missing member `ftsim_timings` (expected {VERSION})"))),
    }
    let at = JsonPath::root().key("overrides");
    let overrides = match members.get("overrides") {
        Some(Value::Object(o)) => o,
        Some(other) => return Err(fail(at, format!("expected an object of field paths, found {}", kind_of(other)))),
        None => return Err(fail(JsonPath::root(), "missing member `overrides`".to_string())),
    };
    overrides
        .iter()
        .map(|(path, value)| {
            let here = at.key(path);
            let path = SetPath::parse_field(path).map_err(|why| fail(here.clone(), why))?;
            let origin = Origin { file: file.to_string(), position: locate::locate(text, &here) };
            Ok(Override { path, value: value.clone(), origin: Some(origin) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, "t.json").unwrap_err().to_string()
    }

    #[test]
    fn overrides_come_in_path_order_with_their_place() {
        let text =
            "{\"ftsim_timings\": 1,\n \"overrides\": {\"timings.ray_start_s\": 4.5,\n  \"timings.actor_start_s\": 3}}";
        let o = parse(text, "t.json").unwrap();
        assert_eq!(
            o.iter().map(Override::arg).collect::<Vec<_>>(),
            ["timings.actor_start_s=3", "timings.ray_start_s=4.5"]
        );
        assert_eq!(o[0].place(), ("t.json".to_string(), Some((3, 28))));
    }

    #[test]
    fn bad_files_are_located() {
        assert_eq!(err("{\"ftsim_timings\": 1,\n \"overrides\": [}"), "t.json:2:16: $: invalid JSON: expected value");
        assert_eq!(err("[]"), "t.json:1:1: $: expected an object (a timings file), found an array");
        assert_eq!(err("{\"overrides\": {}}"), "t.json:1:1: $: missing member `ftsim_timings` (expected 1)");
        assert_eq!(
            err("{\"ftsim_timings\": 2, \"overrides\": {}}"),
            "t.json:1:19: $.ftsim_timings: expected 1 (this ftsim's timings format), found 2"
        );
        assert_eq!(err("{\"ftsim_timings\": 1}"), "t.json:1:1: $: missing member `overrides`");
        assert_eq!(
            err("{\"ftsim_timings\": 1, \"overides\": {}}"),
            "t.json:1:34: $.overides: unknown member `overides`, expected one of `ftsim_timings`, `overrides`, `calibration`"
        );
        let e = err("{\"ftsim_timings\": 1, \"overrides\": {\"timings.ray_start\": 4}}");
        assert!(e.starts_with("t.json:1:57: $.overrides.timings.ray_start: the scenario format has no field"), "{e}");
        assert!(e.contains("did you mean `timings.ray_start_s`?"), "{e}");
    }

    #[test]
    fn a_bad_value_is_validated_like_the_scenario_s_and_points_into_the_file() {
        let text = "{\"ftsim_timings\": 1,\n \"overrides\": {\"timings.ray_start_s\": -1}}";
        let o = parse(text, "t.json").unwrap();
        let e = crate::scenario::parse_with("{}", "s.json", None, &o).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].to_string().starts_with("t.json:2:39: $.timings.ray_start_s: expected"), "{}", e[0]);
        let good = parse("{\"ftsim_timings\": 1, \"overrides\": {\"timings.ray_start_s\": 7.25}}", "t.json").unwrap();
        let l = crate::scenario::parse_with("{}", "s.json", None, &good).unwrap();
        assert_eq!(l.resolved.timings.ray_start_s, Some(7.25));
    }
}
