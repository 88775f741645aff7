//! `ftsim import`: a scenario from the Kubernetes YAML of a RayService or a RayCluster.
//!
//! The manifest is read with the scenario's YAML reader ([`super::yaml`]); the Ray object's
//! cluster, GCS fault tolerance and Redis, and Serve config (its private modules `cluster`, `gcs`
//! and `serve`) become scenario fields, each remembered with the YAML place it came from, so
//! that the scenario's own checks ([`super::parse`]) report a bad value at its line and column in
//! the YAML. Every field read is marked; every field left over is listed (`unused`): a warning
//! when it bears on capacity or recovery, a note when it does not (an image, a port). A Redis
//! password is never copied: a warning says where one was seen.

mod cluster;
mod gcs;
mod manifest;
mod pools;
mod serve;
mod unused;

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::error::{JsonPath, ScenarioError};
use super::yaml::{Node, Value};

/// How much a message about the YAML matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A field with no bearing on the model (an image, a port): not used.
    Note,
    /// A field that bears on capacity or recovery and has no place in the model, or a choice
    /// made for the user.
    Warning,
}

/// A message about a place in the YAML (never quoting a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Warning or note.
    pub level: Level,
    /// 1-based line and column in the file.
    pub position: (usize, usize),
    /// The place in its document.
    pub path: JsonPath,
    /// What was found and what was done with it.
    pub message: String,
}

impl Notice {
    /// `warning: file:line:col: $.path: message` (or `note: ...`).
    pub fn render(&self, file: &str) -> String {
        let level = match self.level {
            Level::Note => "note",
            Level::Warning => "warning",
        };
        let (line, col) = self.position;
        format!("{level}: {file}:{line}:{col}: {}: {}", self.path, self.message)
    }
}

/// A scenario imported, with what the import has to say.
#[derive(Debug)]
pub struct Imported {
    /// The scenario as a JSON object (fields the YAML gives; the rest keep their defaults).
    pub scenario: Json,
    /// Warnings and notes, in the order of the file.
    pub notices: Vec<Notice>,
}

/// Imports the multi-document YAML `src` (named `file` in errors).
pub fn import(src: &str, file: &str) -> Result<Imported, Vec<ScenarioError>> {
    let in_file = |mut errors: Vec<ScenarioError>| {
        for e in &mut errors {
            e.file = Some(file.to_string());
        }
        errors
    };
    if src.len() > super::MAX_FILE_BYTES {
        let msg = format!("file is {} bytes, more than the limit of {}", src.len(), super::MAX_FILE_BYTES);
        return Err(in_file(vec![ScenarioError::at(JsonPath::root(), msg)]));
    }
    let docs = super::yaml::parse_documents(src).map_err(|e| {
        in_file(vec![ScenarioError {
            file: None,
            position: Some((e.line, e.col)),
            path: JsonPath::root(),
            message: e.message,
        }])
    })?;
    let mut reader = Reader::new(src);
    let ray = manifest::read(&mut reader, &docs).map_err(|e| in_file(vec![e]))?;
    if !reader.errors.is_empty() {
        return Err(in_file(reader.errors));
    }
    let scenario = reader.scenario.clone();
    let json = serde_json::to_string(&scenario).expect("a JSON value serializes");
    // The scenario's own checks, each error put back at the YAML place of its field.
    if let Err(errors) = super::parse(&json, &format!("{}.json", ray.name)) {
        let placed = errors.into_iter().map(|e| reader.origin_of(e, &ray.path)).collect();
        return Err(in_file(placed));
    }
    let mut notices = reader.notices;
    for doc in &docs {
        unused::list(doc, &reader.read, &reader.whole, &mut notices);
    }
    notices.sort_by_key(|n| n.position);
    Ok(Imported { scenario, notices })
}

/// What the import has read so far: the scenario being built and where each of its fields came
/// from, the YAML nodes used, the notices and errors.
pub(crate) struct Reader<'a> {
    /// The file's text (a literal block's columns are found in it).
    src: &'a str,
    /// The scenario being built.
    scenario: Json,
    /// Each scenario field set, and the YAML place it came from.
    origins: Vec<(JsonPath, JsonPath, (usize, usize))>,
    /// The addresses of the YAML nodes read.
    read: BTreeSet<usize>,
    /// The addresses of the YAML nodes read with everything under them.
    whole: BTreeSet<usize>,
    notices: Vec<Notice>,
    errors: Vec<ScenarioError>,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Self {
        Reader {
            src,
            scenario: Json::Object(Default::default()),
            origins: Vec::new(),
            read: BTreeSet::new(),
            whole: BTreeSet::new(),
            notices: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Marks `node` and everything under it as read.
    pub(crate) fn use_node(&mut self, node: &Node) {
        self.whole.insert(node as *const Node as usize);
    }

    /// The member `key` of `node`, marked as read (what is under it is not).
    pub(crate) fn take<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n Node> {
        let found = node.get(key);
        if let Some(n) = found {
            self.read.insert(n as *const Node as usize);
        }
        found
    }

    /// Sets the scenario field `field` (dotted, e.g. `serve.num_replicas`; a key may end with an
    /// array index, e.g. `serve.applications[1].share`) to `value`, which came from `node` at
    /// `path`.
    pub(crate) fn set(&mut self, field: &str, value: Json, node: &Node, path: &JsonPath) {
        let mut here = &mut self.scenario;
        let mut field_path = JsonPath::root();
        for segment in field.split('.') {
            let (key, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
                Some((key, i)) => (key, i.parse::<usize>().ok()),
                None => (segment, None),
            };
            field_path = field_path.key(key);
            here =
                here.as_object_mut().expect("scenario fields nest in objects").entry(key.to_string()).or_insert_with(
                    || if index.is_some() { Json::Array(Vec::new()) } else { Json::Object(Default::default()) },
                );
            if let Some(i) = index {
                field_path = field_path.index(i);
                let items = here.as_array_mut().expect("an indexed scenario field is an array");
                items.resize_with(items.len().max(i + 1), || Json::Object(Default::default()));
                here = &mut items[i];
            }
        }
        *here = value;
        self.origin(field_path, node, path);
    }

    /// Remembers that the scenario field at `field` came from `node` at `path`.
    pub(crate) fn origin(&mut self, field: JsonPath, node: &Node, path: &JsonPath) {
        self.origins.push((field, path.clone(), (node.line, node.col)));
    }

    /// A warning (or note) at `node`.
    pub(crate) fn notice(&mut self, level: Level, node: &Node, path: &JsonPath, message: impl Into<String>) {
        let message = message.into();
        self.notices.push(Notice { level, position: (node.line, node.col), path: path.clone(), message });
    }

    /// An error at `node`: the import fails, after every error is found.
    pub(crate) fn error(&mut self, node: &Node, path: &JsonPath, message: impl Into<String>) {
        self.errors.push(ScenarioError {
            file: None,
            position: Some((node.line, node.col)),
            path: path.clone(),
            message: message.into(),
        });
    }

    /// A scenario error put at the YAML place of its field (or of the closest enclosing field
    /// set, else of the Ray object at `fallback`), naming the scenario field.
    fn origin_of(&self, e: ScenarioError, fallback: &(JsonPath, (usize, usize))) -> ScenarioError {
        let within = |p: &JsonPath| e.path.0.starts_with(&p.0);
        let best = self.origins.iter().filter(|(field, _, _)| within(field)).max_by_key(|(field, _, _)| field.0.len());
        let (path, position) = best.map_or(fallback.clone(), |(_, yaml, pos)| (yaml.clone(), *pos));
        let field = e.path.to_string();
        let field = field.trim_start_matches("$.");
        ScenarioError {
            file: None,
            position: Some(position),
            path,
            message: format!("{} (scenario field `{field}`)", e.message),
        }
    }
}

/// A whole number from an integer node; an error otherwise (`what` says what it counts).
pub(crate) fn whole(r: &mut Reader<'_>, node: &Node, path: &JsonPath, what: &str) -> Option<u64> {
    match &node.value {
        Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
        _ => {
            r.error(node, path, format!("expected {what} (a whole number, 0 or more), found {}", shown(node)));
            None
        }
    }
}

/// A value for a message: a scalar as written, or what kind of value it is.
pub(crate) fn shown(node: &Node) -> String {
    match &node.value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        _ => node.kind().to_string(),
    }
}

/// The items of a sequence node (none for anything else).
pub(crate) fn items(node: &Node) -> &[Node] {
    match &node.value {
        Value::Seq(items) => items,
        _ => &[],
    }
}
