//! The scenario format: JSON in, validated domain types out.
//!
//! Three stages (raw input, then validated domain types, then side effects elsewhere):
//! [`raw`] mirrors the file with serde and rejects unknown fields; [`validate::resolve`] fills in
//! every default (the resolved scenario is recorded in each report); [`validate::validate`]
//! checks every value and builds a [`Scenario`]. Every error names the file, line, column and
//! JSON path of the offending value, and says what was expected and what was found.

pub mod bundled;
pub mod defaults;
pub mod error;
pub mod locate;
pub mod model;
pub mod raw;
pub mod validate;

pub use error::{JsonPath, ScenarioError};
pub use model::*;

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// A parsed and validated scenario together with its resolved form (every default filled in).
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The resolved raw scenario, as recorded in reports.
    pub resolved: raw::RawScenario,
}

/// Parses and validates scenario JSON. `file` names the source in error messages.
pub fn parse(src: &str, file: &str) -> Result<Loaded, Vec<ScenarioError>> {
    parse_with_seed(src, file, None)
}

/// Like [`parse`], with the seed overridden (the CLI's `--seed`).
pub fn parse_with_seed(src: &str, file: &str, seed: Option<u64>) -> Result<Loaded, Vec<ScenarioError>> {
    let with_file = |mut e: ScenarioError| {
        e.file = Some(file.to_string());
        e
    };
    if src.len() > MAX_FILE_BYTES {
        return Err(vec![with_file(ScenarioError::at(
            JsonPath::root(),
            format!("file is {} bytes, more than the limit of {MAX_FILE_BYTES}", src.len()),
        ))]);
    }
    let mut de = serde_json::Deserializer::from_str(src);
    let parsed: Result<raw::RawScenario, _> = serde_path_to_error::deserialize(&mut de);
    let raw = match parsed {
        Ok(raw) => match de.end() {
            Ok(()) => raw,
            Err(e) => return Err(vec![serde_error(file, JsonPath::root(), &e)]),
        },
        Err(e) => {
            let path = JsonPath::from_serde(e.path());
            return Err(vec![serde_error(file, path, e.inner())]);
        }
    };
    let mut resolved = validate::resolve(raw);
    if let Some(seed) = seed {
        resolved.seed = Some(seed);
    }
    match validate::validate(&resolved) {
        Ok(scenario) => Ok(Loaded { scenario, resolved }),
        Err(errors) => Err(errors
            .into_iter()
            .map(|mut e| {
                e.position = locate::locate(src, &e.path);
                with_file(e)
            })
            .collect()),
    }
}

fn serde_error(file: &str, path: JsonPath, e: &serde_json::Error) -> ScenarioError {
    let position = (e.line() > 0).then(|| (e.line(), e.column()));
    ScenarioError { file: Some(file.to_string()), position, path, message: describe_serde_error(e) }
}

/// serde_json's message without its trailing " at line L column C" (the position is printed in
/// front, in the `file:line:col:` form).
fn describe_serde_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let msg = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.classify() {
        serde_json::error::Category::Syntax => format!("invalid JSON: {msg}"),
        serde_json::error::Category::Eof => format!("invalid JSON: {msg} (the file ends too early)"),
        serde_json::error::Category::Data | serde_json::error::Category::Io => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<String> {
        parse(src, "t.json").unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn empty_object_is_the_guide_example() {
        let l = parse("{}", "t.json").unwrap();
        assert_eq!(l.scenario.serve.num_replicas, 6);
        assert_eq!(l.scenario.initial_ray_pods(), ["head", "small-group-1", "small-group-2"]);
        assert!(l.scenario.cluster.gcs_fault_tolerance);
    }

    #[test]
    fn unknown_field_names_path_line_and_column() {
        let e = errors("{\n  \"serve\": {\"num_replica\": 3}\n}");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("t.json:2:"), "{}", e[0]);
        assert!(e[0].contains("$.serve.num_replica"), "{}", e[0]);
        assert!(e[0].contains("unknown field `num_replica`"), "{}", e[0]);
    }

    #[test]
    fn wrong_type_says_expected_and_found() {
        let e = errors("{\"duration_s\": \"long\"}");
        assert!(e[0].contains("$.duration_s"), "{}", e[0]);
        assert!(e[0].contains("invalid type: string \"long\", expected f64"), "{}", e[0]);
    }

    #[test]
    fn semantic_errors_point_at_the_value() {
        let e =
            errors("{\n \"faults\": [\n  {\"kind\": \"replica_crash\", \"at_s\": 5, \"target\": \"Nope#1\"}\n ]\n}");
        assert!(e[0].starts_with("t.json:3:"), "{}", e[0]);
        assert!(e[0].contains("$.faults[0].target: unknown replica \"Nope#1\""), "{}", e[0]);
    }

    #[test]
    fn all_semantic_errors_are_reported() {
        let e = errors("{\"duration_s\": -1, \"traffic\": {\"rate_per_s\": 0}}");
        assert!(e.iter().any(|m| m.contains("$.duration_s")));
        assert!(e.iter().any(|m| m.contains("$.traffic.rate_per_s")));
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        let e = errors("{} x");
        assert!(e[0].contains("invalid JSON"), "{}", e[0]);
    }
}
