//! Checks that every place of the format that takes an object holds one.
//!
//! serde's derived `Deserialize` also accepts a JSON array for a struct (its fields in order) and
//! for an internally tagged enum, so `"slo": [0.5, null, null]` or
//! `"faults": [["controller_crash", 5]]` would otherwise be read silently. This module rejects
//! them, and any other non-object where an object belongs, with an `expected an object` error
//! at the offending path. It runs on syntactically valid JSON only.

use serde_json::Value;

use super::error::{JsonPath, PathSegment, ScenarioError};

/// The name of a JSON value's kind, for `found ...` in messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a JSON document whose first non-blank character is `first` is, for `found ...`; the
/// document is known to start a valid JSON value.
pub fn kind_of_first_char(first: Option<char>) -> &'static str {
    match first {
        None => "an empty file",
        Some('{') => "an object",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('n') => "null",
        Some('t' | 'f') => "a boolean",
        Some(_) => "a number",
    }
}

/// `path` with every array index written as `[]`, to match [`super::fields::object_places`].
fn pattern(path: &JsonPath) -> String {
    let mut s = String::from("$");
    for seg in &path.0 {
        match seg {
            PathSegment::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            PathSegment::Index(_) => s.push_str("[]"),
        }
    }
    s
}

/// Every place under `path` (inclusive) that should hold an object (one of `places`) and does not.
fn walk(v: &Value, path: &JsonPath, places: &[(String, bool)], errors: &mut Vec<ScenarioError>) {
    let here = pattern(path);
    if let Some(&(_, null_ok)) = places.iter().find(|(p, _)| *p == here) {
        let fine = v.is_object() || (null_ok && v.is_null());
        if !fine {
            errors.push(ScenarioError::at(path.clone(), format!("expected an object, found {}", kind_of(v))));
            return;
        }
    }
    match v {
        Value::Object(members) => {
            for (k, child) in members {
                walk(child, &path.key(k), places, errors);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &path.index(i), places, errors);
            }
        }
        _ => {}
    }
}

/// Errors (without file or position) for every place of `doc` that should hold an object and
/// holds something else. Members the format does not know are left to the typed parser, which
/// rejects them by name.
pub fn check(doc: &Value) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    walk(doc, &JsonPath::root(), &super::fields::object_places(), &mut errors);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(src: &str) -> Vec<String> {
        check(&serde_json::from_str(src).unwrap()).iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn the_places_that_take_an_object_come_from_the_field_table() {
        let mut places = super::super::fields::object_places();
        places.sort();
        let expected = [
            ("$", false),
            ("$.cluster", false),
            ("$.cluster.autoscaler", false),
            ("$.cluster.node_pools[]", false),
            ("$.cluster.redis", false),
            ("$.cluster.worker_groups[]", false),
            ("$.failures[]", false),
            ("$.failures[].ttf", true),
            ("$.failures[].ttr", true),
            ("$.faults[]", false),
            ("$.ingress", false),
            ("$.ingress.health_check", false),
            ("$.serve", false),
            ("$.serve.applications[]", false),
            ("$.serve.applications[].autoscaling", false),
            ("$.serve.autoscaling", false),
            ("$.slo", false),
            ("$.timings", false),
            ("$.traffic", false),
            ("$.traffic.service_time", true),
            ("$.traffic.shape", true),
            ("$.traffic.shape.steps[]", false),
        ];
        assert_eq!(places, expected.map(|(p, n)| (p.to_string(), n)));
    }

    #[test]
    fn arrays_in_place_of_objects_are_named() {
        assert_eq!(messages("[]"), ["$: expected an object, found an array"]);
        assert_eq!(messages(r#"{"slo": [0.5, null, null]}"#), ["$.slo: expected an object, found an array"]);
        assert_eq!(
            messages(r#"{"faults": [{"kind": "x"}, ["controller_crash", 5]]}"#),
            ["$.faults[1]: expected an object, found an array"]
        );
        assert_eq!(
            messages(r#"{"traffic": {"service_time": ["constant", 1]}}"#),
            ["$.traffic.service_time: expected an object, found an array"]
        );
    }

    #[test]
    fn null_only_where_it_means_the_default() {
        assert!(messages(r#"{"traffic": {"service_time": null}}"#).is_empty());
        assert_eq!(messages(r#"{"cluster": null}"#), ["$.cluster: expected an object, found null"]);
        assert_eq!(messages("null"), ["$: expected an object, found null"]);
    }

    #[test]
    fn unknown_members_are_left_to_the_typed_parser() {
        assert!(messages(r#"{"extra": {"cluster": []}}"#).is_empty());
    }
}
