//! The scenario format is said once, in the field table (`src/scenario/fields/table.rs`); this
//! checks what is derived from it: docs/scenario-format.md must be what the table generates, and
//! the JSON Schema that `ftsim schema` prints must be a valid draft 2020-12 schema that accepts
//! every bundled scenario and rejects what ftsim rejects field by field.
//!
//! `FTSIM_BLESS=1 cargo test --test format_docs` rewrites docs/scenario-format.md from the table.

mod harness;

use ftsim::scenario::fields::{self, FIELDS, Kind, Slot, markdown::REGENERATE};
use ftsim::scenario::{bundled::BUNDLED, parse};
use serde_json::{Value, json};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario-format.md");

/// What `ftsim ARGS` prints on stdout; it must succeed.
fn ftsim_stdout(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = harness::run(harness::command(dir.path(), args));
    assert_eq!(out.code, Some(0), "ftsim {args:?}: {}", out.stderr);
    out.stdout
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&ftsim_stdout(&["schema"])).expect("ftsim schema prints JSON");
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The errors of `doc` against the schema, one line each.
fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_committed_document_is_what_the_table_generates() {
    let generated = ftsim_stdout(&["schema", "--markdown"]);
    assert_eq!(generated, fields::markdown::markdown(), "`ftsim schema --markdown` prints the generated document");
    if std::env::var_os("FTSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(DOC, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/scenario-format.md differs from what the field table generates (first difference at line {});\n\
         regenerate it: {REGENERATE} (or `ftsim schema --markdown > docs/scenario-format.md`)",
        committed.lines().zip(generated.lines()).take_while(|(a, b)| a == b).count() + 1
    );
}

#[test]
fn every_bundled_scenario_and_its_resolved_form_validate_against_the_schema() {
    let v = validator();
    assert!(BUNDLED.len() >= 13);
    for (name, text) in BUNDLED {
        let doc: Value = serde_json::from_str(text).unwrap();
        assert_eq!(schema_errors(&v, &doc), Vec::<String>::new(), "{name}");
        // With every default filled in: the table's defaults are within its own limits.
        let loaded = parse(text, name).unwrap();
        let resolved = serde_json::to_value(&loaded.resolved).unwrap();
        assert_eq!(schema_errors(&v, &resolved), Vec::<String>::new(), "{name} resolved");
    }
    assert_eq!(schema_errors(&v, &json!({})), Vec::<String>::new());
}

#[test]
fn the_schema_rejects_invalid_scenarios() {
    let v = validator();
    let invalid = [
        json!({"duration": 60}),
        json!({"duration_s": -1}),
        json!({"duration_s": "long"}),
        json!({"cluster": {"k8s_nodes": 0}}),
        json!({"cluster": {"worker_groups": [{"name": "Big_Group", "replicas": 2}]}}),
        json!({"cluster": {"worker_groups": [{"name": "g"}]}}),
        json!({"cluster": {"redis": {"mode": "cluster"}}}),
        json!({"serve": {"proxy_location": "Everywhere"}}),
        json!({"traffic": {"service_time": {"kind": "constant", "mean_s": 1}}}),
        json!({"faults": [{"kind": "meteor_strike", "at_s": 1}]}),
        json!({"faults": [{"kind": "redis_outage", "at_s": 1}]}),
        json!({"faults": [{"kind": "replica_crash"}]}),
        json!({"faults": [{"kind": "constructor_failure", "at_s": 1, "probability": 1.5}]}),
        json!({"slo": {"min_success_ratio": 2}}),
        json!({"timings": {"ray_start_s": 1e9}}),
    ];
    for doc in invalid {
        assert!(!v.is_valid(&doc), "the schema accepts {doc}");
        let text = doc.to_string();
        assert!(parse(&text, "t.json").is_err(), "ftsim accepts {doc}");
    }
}

/// A value just below each numeric field's lower limit, or `None` when the type has no such value.
fn below_limit(kind: &Kind) -> Option<Value> {
    match *kind {
        Kind::Secs { .. } | Kind::Cpus | Kind::Ratio | Kind::Probability | Kind::Rate => Some(json!(-1.0)),
        Kind::Int { lo, .. } if lo > 0 => Some(json!(lo - 1)),
        _ => None,
    }
}

/// `value` at the dotted `path` of an empty scenario.
fn scenario_with(path: &str, value: Value) -> Value {
    let mut doc = json!({});
    let keys: Vec<&str> = path.split('.').collect();
    let mut at = &mut doc;
    for k in &keys[..keys.len() - 1] {
        at = at.as_object_mut().unwrap().entry(*k).or_insert(json!({}));
    }
    at[keys[keys.len() - 1]] = value;
    doc
}

#[test]
fn ftsim_and_the_schema_apply_the_same_limits_to_every_field_of_the_table() {
    let v = validator();
    let mut checked = 0;
    for f in FIELDS.iter().filter(|f| !matches!(f.slot, Slot::Other)) {
        let Some(bad) = below_limit(&f.kind) else { continue };
        let doc = scenario_with(f.path, bad);
        assert!(!v.is_valid(&doc), "the schema accepts {doc}");
        let errors = parse(&doc.to_string(), "t.json").expect_err(&doc.to_string());
        let at = format!("$.{}", f.path);
        assert!(errors.iter().any(|e| e.to_string().contains(&at)), "{doc}: {errors:?}");
        checked += 1;
    }
    assert!(checked >= 45, "{checked} fields checked");
}
