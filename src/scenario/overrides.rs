//! `--set PATH=VALUE`: a value put into the scenario's JSON before it is read, so that it is
//! resolved and validated like a value of the file, and its errors name the `--set` they come
//! from.
//!
//! PATH is a field path as the format names them ([`super::fields`]), with an index for array
//! items: `serve.num_replicas`, `cluster.worker_groups[0].replicas`; an item of a list whose
//! items have a `name` (`failures`, `cluster.worker_groups`) may be named instead of numbered:
//! `failures.node_loss.ttf.mean`. Any field of the table is settable, so a field added to the
//! table is settable without code here. VALUE is a JSON
//! literal (`true`, `4`, `0.5`, `"x"`, `[1, 2]`); anything that is not JSON is taken as a string
//! (`--set cluster.redis.mode=ha`). A sweep's `PATH=V1,V2,...` lists values split at the commas
//! outside strings, arrays and objects.
//!
//! Applying: missing objects on the way are created, an absent array is first filled with the
//! field's default (so `cluster.worker_groups[0].replicas` edits the guide's group when the file
//! names none), an index must exist.

use serde_json::Value;

use super::error::{JsonPath, ScenarioError};
use super::fields::{self, Default};
use super::shape::kind_of;
use super::suggest;

/// A validated field path of `--set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetPath {
    /// As typed (`cluster.worker_groups[0].replicas`).
    pub text: String,
    /// The steps from the document's root.
    steps: Vec<Step>,
}

/// One step of a [`SetPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// An object member.
    Key(String),
    /// An array item by its index.
    Index(usize),
    /// An array item by its name (its `name`, or its `kind` where the name defaults to it).
    Named(String),
}

/// One `--set PATH=VALUE`, or one member of a timings file's `overrides`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Where.
    pub path: SetPath,
    /// What.
    pub value: Value,
    /// The place in a file it was read from; `None` for a `--set` argument.
    pub origin: Option<Origin>,
}

/// A place in a file an override was read from (a timings file), for its errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file, as named on the command line.
    pub file: String,
    /// Line and column of the value in it.
    pub position: Option<(usize, usize)>,
}

/// One `--set PATH=V1,V2,...` of a sweep: a path and the values it takes, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Where.
    pub path: SetPath,
    /// The values, in the order given.
    pub values: Vec<Value>,
}

/// A `--set` argument that cannot be used: the message names the argument.
fn bad(arg: &str, why: impl std::fmt::Display) -> String {
    format!("--set {arg}: {why}")
}

impl SetPath {
    /// Parses and checks a path against the field table. `arg` is the whole argument, for
    /// messages.
    pub fn parse(text: &str, arg: &str) -> Result<SetPath, String> {
        SetPath::parse_field(text).map_err(|why| bad(arg, why))
    }

    /// Like [`SetPath::parse`]; the error says what is wrong with `text` alone.
    pub fn parse_field(text: &str) -> Result<SetPath, String> {
        let (steps, pattern) = segments(text)?;
        if fields::find(&pattern).is_none() {
            let hint = suggest::closest(&pattern, fields::FIELDS.iter().map(|f| f.path))
                .map(|p| format!("; did you mean `{}`?", with_selectors(p, &steps)))
                .unwrap_or_default();
            return Err(format!("the scenario format has no field `{text}`{hint} (see docs/scenario-format.md)"));
        }
        Ok(SetPath { text: text.to_string(), steps })
    }
}

/// The steps of `text` and its table pattern (items as `[]`).
fn segments(text: &str) -> Result<(Vec<Step>, String), String> {
    let parts: Vec<&str> = text.split('.').collect();
    let mut steps = Vec::new();
    let mut pattern: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        if let Some(len) = name_length(&pattern.join("."), &parts[i..]) {
            steps.push(Step::Named(parts[i..i + len].join(".")));
            pattern.last_mut().expect("a named list has a path").push_str("[]");
            i += len;
            continue;
        }
        let (pat, part_steps) = key_and_indices(parts[i], text)?;
        steps.extend(part_steps);
        pattern.push(pat);
        i += 1;
    }
    Ok((steps, pattern.join(".")))
}

/// One dotted part of `text`, `key` or `key[i]...`: its table pattern (`key[]...`) and its
/// steps.
fn key_and_indices(part: &str, text: &str) -> Result<(String, Vec<Step>), String> {
    let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
    if key.is_empty() {
        return Err(format!("expected a field path such as `serve.num_replicas`, found `{text}`"));
    }
    let mut steps = vec![Step::Key(key.to_string())];
    let mut pat = key.to_string();
    while !rest.is_empty() {
        let index = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, tail)| Some((i.parse::<usize>().ok()?, tail)));
        let Some((i, tail)) = index else {
            return Err(format!("expected an index such as `[0]` after `{key}`, found `{rest}`"));
        };
        steps.push(Step::Index(i));
        pat.push_str("[]");
        rest = tail;
    }
    Ok((pat, steps))
}

/// When `rest` starts with the name of an item of the named list at table path `list` (one
/// whose items have a `name` field), the number of parts that name takes: names may hold dots
/// (`zone.a`), so the shortest that leaves a field of the item after it; else one, unless the
/// first part is a member of the item (`cluster.worker_groups.replicas`, an index forgotten).
fn name_length(list: &str, rest: &[&str]) -> Option<usize> {
    if list.is_empty() || list.ends_with("[]") || fields::find(&format!("{list}[].name")).is_none() {
        return None;
    }
    let field_after = |k: usize| {
        let tail: Option<Vec<String>> =
            rest[k..].iter().map(|p| key_and_indices(p, "").ok().map(|(pat, _)| pat)).collect();
        tail.is_some_and(|tail| fields::find(&format!("{list}[].{}", tail.join("."))).is_some())
    };
    if let Some(k) = (1..rest.len()).find(|&k| field_after(k)) {
        return Some(k);
    }
    let member = format!("{list}[].{}", rest[0]);
    let is_member = fields::FIELDS.iter().any(|f| {
        f.path.strip_prefix(member.as_str()).is_some_and(|after| after.is_empty() || after.starts_with(['.', '[']))
    });
    (!is_member).then_some(1)
}

/// A table path with its `[]` filled by the item steps of `steps` in order (`[0]` past them).
fn with_selectors(pattern: &str, steps: &[Step]) -> String {
    let mut items = steps.iter().filter_map(|s| match s {
        Step::Index(i) => Some(format!("[{i}]")),
        Step::Named(name) => Some(format!(".{name}")),
        Step::Key(_) => None,
    });
    let parts: Vec<&str> = pattern.split("[]").collect();
    let mut out = parts[0].to_string();
    for p in &parts[1..] {
        out.push_str(&items.next().unwrap_or_else(|| "[0]".to_string()));
        out.push_str(p);
    }
    out
}

/// A value as typed: JSON, or else the text as a string.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// `arg` split at its first `=`.
fn split_assignment(arg: &str) -> Result<(&str, &str), String> {
    arg.split_once('=').ok_or_else(|| bad(arg, "expected PATH=VALUE, such as serve.num_replicas=3"))
}

impl Override {
    /// Parses `PATH=VALUE`.
    pub fn parse(arg: &str) -> Result<Override, String> {
        let (path, value) = split_assignment(arg)?;
        Ok(Override { path: SetPath::parse(path, arg)?, value: parse_value(value), origin: None })
    }

    /// Where its errors point: its place in a file, or `--set PATH=VALUE` (no position).
    pub fn place(&self) -> (String, Option<(usize, usize)>) {
        match &self.origin {
            Some(o) => (o.file.clone(), o.position),
            None => (format!("--set {}", self.arg()), None),
        }
    }

    /// The argument again, `PATH=VALUE` with the value as compact JSON (a string bare).
    pub fn arg(&self) -> String {
        format!("{}={}", self.path.text, show_value(&self.value))
    }
}

impl Axis {
    /// Parses `PATH=V1,V2,...` (at least one value, no value twice).
    pub fn parse(arg: &str) -> Result<Axis, String> {
        let (path, list) = split_assignment(arg)?;
        let path = SetPath::parse(path, arg)?;
        let values: Vec<Value> = split_list(list).into_iter().map(parse_value).collect();
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(bad(arg, format!("the value {} is listed twice", show_value(v))));
            }
        }
        Ok(Axis { path, values })
    }

    /// The override of its `i`-th value.
    pub fn at(&self, i: usize) -> Override {
        Override { path: self.path.clone(), value: self.values[i].clone(), origin: None }
    }
}

/// `list` split at the commas outside strings, arrays and objects.
fn split_list(list: &str) -> Vec<&str> {
    let (mut parts, mut start, mut depth, mut in_string, mut escaped) = (Vec::new(), 0, 0i32, false, false);
    for (i, c) in list.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// A value for people: a string bare, anything else as compact JSON.
pub fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Puts each override into `doc` (a scenario document, an object), in order, and returns the
/// JSON path each was put at (named items resolved to their indices). An error names the
/// override and the place on its path that cannot hold it.
pub fn apply(doc: &mut Value, overrides: &[Override]) -> Result<Vec<JsonPath>, ScenarioError> {
    let mut applied = Vec::with_capacity(overrides.len());
    for o in overrides {
        let fail = |at: JsonPath, why: String| {
            let (file, position) = o.place();
            ScenarioError { file: Some(file), position, path: at, message: why }
        };
        let mut here = &mut *doc;
        let mut at = JsonPath::root();
        let mut pattern = String::new();
        for step in &o.path.steps {
            if let Step::Key(k) = step {
                pattern = if pattern.is_empty() { k.clone() } else { format!("{pattern}.{k}") };
                let Value::Object(map) = here else {
                    return Err(fail(at, format!("expected an object here, found {}", kind_of(here))));
                };
                let slot = map.entry(k.clone()).or_insert(Value::Null);
                if slot.is_null() {
                    *slot = default_of(&pattern);
                }
                here = slot;
                at = at.key(k);
                continue;
            }
            let Value::Array(items) = here else {
                return Err(fail(at, format!("expected an array here, found {}", kind_of(here))));
            };
            let i = match step {
                Step::Index(i) if *i < items.len() => *i,
                Step::Index(i) => {
                    let why = format!("index {i} is out of range: the array has {} items", items.len());
                    return Err(fail(at, why));
                }
                Step::Named(name) => items
                    .iter()
                    .position(|item| item_name(item) == Some(name))
                    .ok_or_else(|| fail(at.clone(), no_item_named(name, items)))?,
                Step::Key(_) => unreachable!("keys are handled above"),
            };
            pattern.push_str("[]");
            here = &mut items[i];
            at = at.index(i);
        }
        *here = o.value.clone();
        applied.push(at);
    }
    Ok(applied)
}

/// The name of an item of a named list: its `name`, else its `kind` (a failure process's name
/// defaults to its kind).
fn item_name(item: &Value) -> Option<&str> {
    item.get("name").or_else(|| item.get("kind")).and_then(Value::as_str)
}

/// Why no item of `items` is named `name`: the names there are, and the closest.
fn no_item_named(name: &str, items: &[Value]) -> String {
    let names: Vec<&str> = items.iter().filter_map(item_name).collect();
    if names.is_empty() {
        return format!("no item is named `{name}`: the list is empty");
    }
    let hint =
        suggest::closest(name, names.iter().copied()).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("no item is named `{name}`{hint} (the items are named {})", listed.join(", "))
}

/// What an absent member at table path `pattern` starts as before a path goes through it: the
/// field's JSON default (an array, a tagged object), else an empty object.
fn default_of(pattern: &str) -> Value {
    match fields::find(pattern).map(|f| f.default) {
        Some(Default::Json(j)) => serde_json::from_str(j).expect("the table's JSON defaults parse"),
        _ => Value::Object(serde_json::Map::new()),
    }
}

/// The override whose value holds `path` (the last one given, which wins), if any, given the
/// paths [`apply`] put them at.
pub fn owner<'a>(overrides: &'a [Override], applied: &[JsonPath], path: &JsonPath) -> Option<&'a Override> {
    overrides.iter().zip(applied).rev().find(|(_, at)| path.0.starts_with(&at.0)).map(|(o, _)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_field_table() {
        let p = SetPath::parse("cluster.worker_groups[0].replicas", "a").unwrap();
        let key = |k: &str| Step::Key(k.to_string());
        assert_eq!(p.steps, [key("cluster"), key("worker_groups"), Step::Index(0), key("replicas")]);
        assert!(SetPath::parse("serve.num_replicas", "a").is_ok());
        assert!(SetPath::parse("traffic.service_time.mean_s", "a").is_ok(), "a tagged variant's field");
        let e = SetPath::parse("serve.num_replica", "serve.num_replica=3").unwrap_err();
        assert_eq!(
            e,
            "--set serve.num_replica=3: the scenario format has no field `serve.num_replica`; did you mean \
             `serve.num_replicas`? (see docs/scenario-format.md)"
        );
        let e = SetPath::parse("cluster.worker_groups.replicas", "x").unwrap_err();
        assert!(e.contains("did you mean `cluster.worker_groups[0].replicas`?"), "{e}");
        let e = SetPath::parse("colour", "colour=red").unwrap_err();
        assert!(e.contains("no field `colour` (see"), "nothing close, no suggestion: {e}");
        for broken in ["", "serve.", "faults[x].at_s", "faults[0", ".serve"] {
            assert!(SetPath::parse(broken, "b").is_err(), "{broken}");
        }
    }

    #[test]
    fn values_are_json_or_else_strings() {
        assert_eq!(parse_value("true"), Value::Bool(true));
        assert_eq!(parse_value("4"), serde_json::json!(4));
        assert_eq!(parse_value("0.5"), serde_json::json!(0.5));
        assert_eq!(parse_value("\"x\""), serde_json::json!("x"));
        assert_eq!(parse_value("ha"), serde_json::json!("ha"));
        assert_eq!(parse_value(""), serde_json::json!(""));
        assert_eq!(
            Override::parse("serve.num_replicas").unwrap_err(),
            "--set serve.num_replicas: expected PATH=VALUE, such as serve.num_replicas=3"
        );
    }

    #[test]
    fn lists_split_at_top_level_commas_and_refuse_repeats() {
        assert_eq!(split_list("1,2,3"), ["1", "2", "3"]);
        assert_eq!(split_list(r#""a,b",[1,2],{"k":1}"#), [r#""a,b""#, "[1,2]", r#"{"k":1}"#]);
        let a = Axis::parse("cluster.gcs_fault_tolerance=true,false").unwrap();
        assert_eq!(a.values, [Value::Bool(true), Value::Bool(false)]);
        assert_eq!(a.at(1).arg(), "cluster.gcs_fault_tolerance=false");
        let e = Axis::parse("serve.num_replicas=2,2").unwrap_err();
        assert_eq!(e, "--set serve.num_replicas=2,2: the value 2 is listed twice");
    }

    #[test]
    fn apply_creates_objects_fills_array_defaults_and_checks_indices() {
        let mut doc = serde_json::json!({"serve": {"deployment": "d"}});
        let sets = [
            Override::parse("serve.num_replicas=3").unwrap(),
            Override::parse("cluster.worker_groups[0].replicas=5").unwrap(),
            Override::parse("traffic.rate_per_s=50").unwrap(),
        ];
        apply(&mut doc, &sets).unwrap();
        assert_eq!(doc["serve"], serde_json::json!({"deployment": "d", "num_replicas": 3}));
        assert_eq!(doc["cluster"]["worker_groups"], serde_json::json!([{"name": "small-group", "replicas": 5}]));
        assert_eq!(doc["traffic"]["rate_per_s"], serde_json::json!(50));
        let e = apply(&mut doc, &[Override::parse("faults[2].at_s=1").unwrap()]).unwrap_err();
        assert_eq!(e.to_string(), "--set faults[2].at_s=1: $.faults: index 2 is out of range: the array has 0 items");
        let mut odd = serde_json::json!({"serve": 5});
        let e = apply(&mut odd, &[Override::parse("serve.num_replicas=3").unwrap()]).unwrap_err();
        assert_eq!(e.to_string(), "--set serve.num_replicas=3: $.serve: expected an object here, found a number");
    }

    #[test]
    fn the_last_override_on_a_path_owns_its_errors() {
        let sets = [Override::parse("serve.num_replicas=3").unwrap(), Override::parse("serve.num_replicas=0").unwrap()];
        let applied = apply(&mut serde_json::json!({}), &sets).unwrap();
        let path = JsonPath::root().key("serve").key("num_replicas");
        assert_eq!(owner(&sets, &applied, &path).unwrap().arg(), "serve.num_replicas=0");
        assert!(owner(&sets, &applied, &JsonPath::root().key("serve")).is_none(), "a parent is not the override's");
    }

    const TWO_PROCESSES: &str = r#"{"failures": [
        {"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 72, "unit": "h"}},
        {"kind": "zone_loss", "name": "zone.a", "nodes": ["node-1"], "ttf": {"kind": "exponential", "mean": 900, "unit": "h"}}]}"#;

    #[test]
    fn a_named_list_item_is_selected_by_its_name_or_its_kind() {
        let p = SetPath::parse("failures.node_loss.ttf.mean", "a").unwrap();
        let key = |k: &str| Step::Key(k.to_string());
        assert_eq!(p.steps, [key("failures"), Step::Named("node_loss".into()), key("ttf"), key("mean")]);
        let dotted = SetPath::parse("failures.zone.a.ttf.mean", "a").unwrap();
        assert_eq!(dotted.steps[1], Step::Named("zone.a".into()), "a name with a dot");
        let group = SetPath::parse("cluster.worker_groups.small-group.replicas", "a").unwrap();
        assert_eq!(group.steps[2], Step::Named("small-group".into()));
        let mut doc: Value = serde_json::from_str(TWO_PROCESSES).unwrap();
        let sets = [
            Override::parse("failures.zone.a.ttf.mean=1000").unwrap(),
            Override::parse("failures.node_loss.ttf.mean=24").unwrap(),
            Override::parse("cluster.worker_groups.small-group.replicas=3").unwrap(),
        ];
        let applied = apply(&mut doc, &sets).unwrap();
        let at: Vec<String> = applied.iter().map(|p| p.to_string()).collect();
        assert_eq!(at, ["$.failures[1].ttf.mean", "$.failures[0].ttf.mean", "$.cluster.worker_groups[0].replicas"]);
        assert_eq!(doc["failures"][0]["ttf"]["mean"], 24);
        assert_eq!(doc["failures"][1]["ttf"]["mean"], 1000);
        assert_eq!(doc["cluster"]["worker_groups"][0]["replicas"], 3);
        let e = SetPath::parse("failures.node_loss.ttf.maen", "x").unwrap_err();
        assert!(e.contains("did you mean `failures.node_loss.ttf.mean`?"), "the name is kept in the hint: {e}");
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_names_there_are() {
        let mut doc: Value = serde_json::from_str(TWO_PROCESSES).unwrap();
        let e = apply(&mut doc, &[Override::parse("failures.node_los.ttf.mean=5").unwrap()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set failures.node_los.ttf.mean=5: $.failures: no item is named `node_los`; did you mean `node_loss`? \
             (the items are named `node_loss`, `zone.a`)"
        );
        let e = apply(&mut serde_json::json!({}), &[Override::parse("failures.node_loss.ttf.mean=5").unwrap()])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set failures.node_loss.ttf.mean=5: $.failures: no item is named `node_loss`: the list is empty"
        );
    }

    fn load(src: &str, sets: &[&str]) -> Result<crate::scenario::Loaded, Vec<String>> {
        let sets: Vec<Override> = sets.iter().map(|a| Override::parse(a).unwrap()).collect();
        crate::scenario::parse_with(src, "t.json", None, &sets).map_err(|es| es.iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn applied_values_reach_the_scenario_and_the_resolved_record() {
        let sets = ["serve.num_replicas=3", "cluster.gcs_fault_tolerance=false", "cluster.worker_groups[0].replicas=1"];
        let l = load("{}", &sets).unwrap();
        assert_eq!(l.scenario.serve.first().num_replicas, 3);
        assert!(!l.scenario.cluster.gcs_fault_tolerance);
        assert_eq!(l.resolved.cluster.worker_groups.as_ref().unwrap()[0].replicas, 1);
        let with_mode = load("{}", &["cluster.redis.mode=ha", "traffic.rate_per_s=20"]).unwrap();
        assert_eq!(with_mode.scenario.traffic.rate_per_s, 20.0);
        assert_eq!(load("{}", &[]).unwrap().scenario.serve.first().num_replicas, 6, "nothing set, the file as is");
    }

    #[test]
    fn errors_in_a_value_name_the_set_and_others_keep_their_place_in_the_file() {
        let e = load("{}", &["serve.num_replicas=0"]).unwrap_err();
        assert_eq!(
            e,
            ["--set serve.num_replicas=0: $.serve.num_replicas: expected an integer from 1 to 10000, found 0"]
        );
        let e = load(TWO_PROCESSES, &["failures.node_loss.ttf.mean=-1"]).unwrap_err();
        assert_eq!(
            e,
            ["--set failures.node_loss.ttf.mean=-1: $.failures[0].ttf.mean: expected a number > 0, found -1"]
        );
        let e = load("{}", &["serve.num_replicas=many"]).unwrap_err();
        assert!(
            e[0].starts_with("--set serve.num_replicas=many: $.serve.num_replicas: invalid type: string \"many\""),
            "{e:?}"
        );
        let e = load("{}", &["cluster.redis.mode=hah"]).unwrap_err();
        assert!(e[0].starts_with("--set cluster.redis.mode=hah: $.cluster.redis.mode: unknown variant `hah`"), "{e:?}");
        let e = load("{\n  \"duration_s\": -1\n}", &["serve.num_replicas=2"]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("t.json:2:17: $.duration_s: "), "{e:?}");
        let e = load("[1]", &["serve.num_replicas=2"]).unwrap_err();
        assert!(e[0].starts_with("t.json:") && e[0].contains("expected an object"), "{e:?}");
    }
}
