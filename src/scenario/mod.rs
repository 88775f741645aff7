//! The scenario format: JSON or YAML in, validated domain types out.
//!
//! A file named `*.yaml` or `*.yml` is YAML ([`yaml`]: one document, no anchors, aliases, tags or
//! duplicate keys), read into the same JSON value a JSON file gives, so both have the same fields,
//! defaults and checks, and their errors the same places.
//!
//! Three stages (raw input, then validated domain types, then side effects elsewhere):
//! [`raw`] mirrors the file with serde and rejects unknown fields; [`resolve::resolve`] fills in
//! every default (the resolved scenario is recorded in each report); [`validate::validate`]
//! checks every value and builds a [`Scenario`]. Each field's default, limits, meaning and source
//! are declared once, in [`fields`]. Every error names the file, line, column and
//! JSON path of the offending value, and says what was expected and what was found.

pub mod bundled;
pub mod defaults;
pub mod error;
pub mod fields;
pub mod import;
pub mod locate;
pub mod model;
pub mod overrides;
pub mod quantity;
pub mod rate;
pub mod raw;
pub mod resolve;
pub mod resources;
pub mod secret;
pub mod shape;
pub mod show;
pub mod suggest;
pub mod timings_file;
pub mod topology;
pub mod traffic_mode;
pub mod validate;
pub mod yaml;

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

/// The text of a scenario file's bytes; an error names the line and column of the first byte
/// that is not UTF-8.
pub fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        ScenarioError {
            file: Some(file.to_string()),
            position: Some(locate::line_col(before, valid)),
            path: JsonPath::root(),
            message: format!("expected UTF-8 text, found the byte 0x{:02x}", bytes[valid]),
        }
    })
}

/// The name of a scenario that gives none: the stem of its file (`file`), with characters a
/// name cannot hold replaced by `_`, at most 100 of them, no leading dot; `scenario` if nothing
/// is left.
fn default_name(file: &str) -> String {
    let stem = std::path::Path::new(file).file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let safe: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).take(100).collect();
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() { "scenario".to_string() } else { safe.to_string() }
}

/// Parses and validates a scenario, JSON or, when `file` ends in `.yaml` or `.yml`, YAML. `file`
/// names the source in error messages, and its stem is the scenario's name when the file gives
/// none.
pub fn parse(src: &str, file: &str) -> Result<Loaded, Vec<ScenarioError>> {
    parse_with_seed(src, file, None)
}

/// Like [`parse`], with the seed overridden (the CLI's `--seed`).
pub fn parse_with_seed(src: &str, file: &str, seed: Option<u64>) -> Result<Loaded, Vec<ScenarioError>> {
    parse_with(src, file, seed, &[])
}

/// Like [`parse_with_seed`], with `overrides` (the CLI's `--set`) put into the document before
/// it is read ([`overrides::apply`]). An error inside an override's value names the override;
/// any other keeps its place in the file.
pub fn parse_with(
    src: &str,
    file: &str,
    seed: Option<u64>,
    overrides: &[overrides::Override],
) -> Result<Loaded, Vec<ScenarioError>> {
    let place_in_file = |errors: Vec<ScenarioError>| place(errors, file, overrides, &[], |_| None);
    if src.len() > MAX_FILE_BYTES {
        let msg = format!("file is {} bytes, more than the limit of {MAX_FILE_BYTES}", src.len());
        return Err(place_in_file(vec![ScenarioError::at(JsonPath::root(), msg)]));
    }
    if !is_yaml(file) {
        return parse_text(src, file, seed, overrides, |path| locate::locate(src, path));
    }
    let tree = read_yaml(src).map_err(place_in_file)?;
    let json = tree.to_json().to_string();
    parse_text(&json, file, seed, overrides, |path| Some(tree.locate(path)))
}

/// Whether `file` names a YAML scenario (`.yaml` or `.yml`); any other is read as JSON.
pub fn is_yaml(file: &str) -> bool {
    let ext = std::path::Path::new(file).extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    matches!(ext.as_deref(), Some("yaml" | "yml"))
}

/// The one document of a YAML scenario file; errors carry their position.
fn read_yaml(src: &str) -> Result<yaml::Node, Vec<ScenarioError>> {
    let at = |position: (usize, usize), message: String| {
        vec![ScenarioError { file: None, position: Some(position), path: JsonPath::root(), message }]
    };
    if src.starts_with('\u{feff}') {
        let msg =
            "expected a mapping (the scenario), found a byte-order mark (U+FEFF): save the file as UTF-8 without BOM";
        return Err(at((1, 1), msg.to_string()));
    }
    let mut docs = yaml::parse_documents(src).map_err(|e| at((e.line, e.col), e.message))?;
    match docs.len() {
        0 => Err(at((1, 1), "expected a mapping (the scenario), found an empty file".to_string())),
        1 => Ok(docs.remove(0)),
        n => Err(at((docs[1].line, docs[1].col), format!("expected one YAML document (the scenario), found {n}"))),
    }
}

/// Every error gets the file name, and a position found from its path (by `locate`) when it has
/// none; an error in an override's value (at the path `applied` says it was put) gets the
/// override instead.
fn place(
    errors: Vec<ScenarioError>,
    file: &str,
    overrides: &[overrides::Override],
    applied: &[JsonPath],
    locate: impl Fn(&JsonPath) -> Option<(usize, usize)>,
) -> Vec<ScenarioError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some(o) = overrides::owner(overrides, applied, &e.path) {
                let (file, position) = o.place();
                (e.file, e.position) = (Some(file), position);
                return e;
            }
            e.position = e.position.or_else(|| locate(&e.path));
            e.file = Some(file.to_string());
            e
        })
        .collect()
}

/// Parses and validates the scenario JSON `src` of `file`; `locate` finds the position in the
/// file of an error's path.
fn parse_text(
    src: &str,
    file: &str,
    seed: Option<u64>,
    overrides: &[overrides::Override],
    locate: impl Fn(&JsonPath) -> Option<(usize, usize)>,
) -> Result<Loaded, Vec<ScenarioError>> {
    let placed = |errors, applied: &[JsonPath]| place(errors, file, overrides, applied, &locate);
    let mut applied = Vec::new();
    let edited = match serde_json::from_str::<serde_json::Value>(src) {
        // A document that is not an object keeps the errors of the file as written.
        Ok(mut doc) if doc.is_object() && !overrides.is_empty() => {
            applied = overrides::apply(&mut doc, overrides).map_err(|e| vec![e])?;
            Some(doc.to_string())
        }
        _ => None,
    };
    let mut raw = read_raw(edited.as_deref().unwrap_or(src)).map_err(|e| placed(e, &applied))?;
    raw.name.get_or_insert_with(|| default_name(file));
    let mut resolved = resolve::resolve(raw);
    if let Some(seed) = seed {
        resolved.seed = Some(seed);
    }
    let base_dir = std::path::Path::new(file).parent().unwrap_or(std::path::Path::new(""));
    match validate::validate(&resolved, base_dir) {
        Ok(scenario) => Ok(Loaded { scenario, resolved }),
        Err(errors) => Err(placed(errors, &applied)),
    }
}

/// The raw scenario in `src`. Errors come in this order, the first kind found winning: an empty
/// file; a byte-order mark; invalid JSON; a document that is not an object, or a non-object where the format takes
/// an object ([`shape`]); serde's errors of types and fields.
fn read_raw(src: &str) -> Result<raw::RawScenario, Vec<ScenarioError>> {
    let first = src.trim_start().chars().next();
    let not_an_object = || {
        let found = shape::kind_of_first_char(first);
        vec![ScenarioError::at(JsonPath::root(), format!("expected an object (the scenario), found {found}"))]
    };
    if first.is_none() {
        return Err(not_an_object());
    }
    if src.starts_with('\u{feff}') {
        let msg =
            "expected an object (the scenario), found a byte-order mark (U+FEFF): save the file as UTF-8 without BOM";
        return Err(vec![ScenarioError::at(JsonPath::root(), msg)]);
    }
    let mut de = serde_json::Deserializer::from_str(src);
    let typed = match serde_path_to_error::deserialize(&mut de) {
        Ok(raw) => de.end().map(|()| raw).map_err(|e| (JsonPath::root(), e)),
        Err(e) => Err((JsonPath::from_serde(e.path()), e.into_inner())),
    };
    if let Err((path, e)) = &typed
        && (e.is_syntax() || e.is_eof())
    {
        // Where the text breaks off: serde_json's own position.
        return Err(vec![serde_error(src, path.clone(), e)]);
    }
    // Valid JSON from here on (or a document serde gave up on before its end: a deep array).
    if first != Some('{') {
        return Err(not_an_object());
    }
    let shape_errors = serde_json::from_str(src).map(|doc| shape::check(&doc)).unwrap_or_default();
    if !shape_errors.is_empty() {
        return Err(shape_errors);
    }
    // A wrong type, a missing or an unknown field: serde_json's position is past the value,
    // so leave it to the caller to point at the value's start, as for semantic errors.
    typed.map_err(|(path, e)| vec![ScenarioError { position: None, ..serde_error(src, path, &e) }])
}

fn serde_error(src: &str, path: JsonPath, e: &serde_json::Error) -> ScenarioError {
    // serde_json counts columns from 0 at the start of a line (an empty file ends at 1:0).
    let position = (e.line() > 0).then(|| (e.line(), e.column().max(1)));
    ScenarioError { file: None, position, path, message: describe_serde_error(src, e) }
}

/// serde_json's message without its trailing " at line L column C" (the position is printed in
/// front, in the `file:line:col:` form), in the words of the format rather than of Rust.
fn describe_serde_error(src: &str, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let msg = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let msg = plain_types(msg);
    match e.classify() {
        serde_json::error::Category::Syntax if looks_like_non_finite(src, e) => {
            format!("invalid JSON: {msg} (NaN and Infinity are not JSON numbers)")
        }
        serde_json::error::Category::Syntax => format!("invalid JSON: {msg}"),
        serde_json::error::Category::Eof => format!("invalid JSON: {msg} (the file ends too early)"),
        serde_json::error::Category::Data | serde_json::error::Category::Io => suggest::serde_message(&msg),
    }
}

/// serde's Rust type names in messages, and what they mean in a scenario file.
const PLAIN_TYPES: &[(&str, &str)] = &[
    ("expected f64", "expected a number"),
    ("expected u64", "expected an integer from 0 to 18446744073709551615"),
    ("expected a sequence", "expected an array"),
];

fn plain_types(msg: &str) -> String {
    PLAIN_TYPES.iter().fold(msg.to_string(), |m, (rust, plain)| match m.strip_suffix(rust) {
        Some(head) => format!("{head}{plain}"),
        None => m,
    })
}

/// Whether the syntax error sits on `NaN`, `Infinity` or `-Infinity`, which JSON lacks.
fn looks_like_non_finite(src: &str, e: &serde_json::Error) -> bool {
    let Some(line) = src.lines().nth(e.line().saturating_sub(1)) else {
        return false;
    };
    // The column is the 1-based byte offset of the character serde_json stopped at.
    let rest = line.get(e.column().saturating_sub(1)..).unwrap_or("");
    ["NaN", "Infinity", "-Infinity"].iter().any(|w| rest.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_is_the_file_stem_made_valid() {
        assert_eq!(default_name("dir/my-run.json"), "my-run");
        assert_eq!(default_name("a b;$(id).json"), "a_b___id_");
        assert_eq!(default_name("..hidden.json"), "hidden");
        assert_eq!(default_name(""), "scenario");
        assert_eq!(default_name(&format!("{}.json", "x".repeat(300))).len(), 100);
        let loaded = parse("{}", "dir/my-run.json").unwrap();
        assert_eq!((loaded.scenario.name.as_str(), loaded.resolved.name.as_deref()), ("my-run", Some("my-run")));
    }

    fn errors(src: &str) -> Vec<String> {
        parse(src, "t.json").unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn empty_object_is_the_guide_example() {
        let l = parse("{}", "t.json").unwrap();
        assert_eq!(l.scenario.serve.first().num_replicas, 6);
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
        assert!(e[0].contains("invalid type: string \"long\", expected a number"), "{}", e[0]);
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
