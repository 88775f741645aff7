//! YAML input read into a tree of nodes that keep their line and column: a YAML scenario file,
//! and the Kubernetes manifests of `ftsim import`.
//!
//! The tree is built from the events of `saphyr-parser` (a YAML 1.2 parser), so that what is
//! risky in YAML is refused before anything is built: anchors and aliases (no expansion, so no
//! billion-laughs bomb), tags, duplicate keys, keys that are not scalars, and nesting deeper than
//! [`MAX_DEPTH`]. Plain scalars are read by the YAML 1.2 core schema (`null`, `true`, `12`,
//! `0x1f`, `1.5e3`); quoted and block scalars are strings. `.inf` and `.nan` are refused: a
//! scenario, like JSON, has no infinite or undefined numbers.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::error::{JsonPath, PathSegment};

/// Deepest nesting of sequences and mappings accepted (within serde_json's limit of 128, which
/// reads the document again).
pub const MAX_DEPTH: usize = 64;

/// A YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a finite float.
    Number(serde_json::Number),
    /// A string (a plain scalar that is nothing else, or a quoted or block scalar).
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, its entries in the order written.
    Map(Vec<(String, Node)>),
}

/// A value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line of its first character.
    pub line: usize,
    /// 1-based column (in characters) of its first character.
    pub col: usize,
    /// Whether it is a literal block scalar (`|`), whose lines are the file's lines.
    pub literal: bool,
}

/// A YAML document that cannot be read, with where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl Node {
    /// The member `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON (every number, string, sequence and mapping as it is).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => J::Number(n.clone()),
            Value::String(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// The line and column where the value at `path` starts; for a member that is missing, those
    /// of the closest enclosing value that exists (as [`super::locate::locate`] does for JSON).
    pub fn locate(&self, path: &JsonPath) -> (usize, usize) {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (PathSegment::Key(k), _) => node.get(k),
                (PathSegment::Index(i), Value::Seq(items)) => items.get(*i),
                (PathSegment::Index(_), _) => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        (node.line, node.col)
    }

    /// What the value is, for `found ...` in messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Every document of `src`, in order (a stream without documents gives none).
pub fn parse_documents(src: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder::default();
    for item in Parser::new_from_str(src) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: format!("invalid YAML: {}", e.info()),
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.documents)
}

/// A sequence or mapping being read.
enum Open {
    Seq(Node),
    /// The mapping, and the key read whose value comes next (with its position).
    Map(Node, Option<(String, usize, usize)>),
}

#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    open: Vec<Open>,
}

fn error_at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError { line: span.start.line(), col: span.start.col() + 1, message: message.into() }
}

fn node_at(span: &Span, value: Value) -> Node {
    Node { value, line: span.start.line(), col: span.start.col() + 1, literal: false }
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let refuse_extras = |anchor: usize, tagged: bool| {
            if anchor > 0 {
                return Err(error_at(
                    &span,
                    "anchors (`&name`) and aliases (`*name`) are not accepted: write each value out",
                ));
            }
            if tagged {
                return Err(error_at(&span, "tags (`!name`, `!!type`) are not accepted"));
            }
            Ok(())
        };
        match event {
            Event::Alias(_) => {
                Err(error_at(&span, "anchors (`&name`) and aliases (`*name`) are not accepted: write each value out"))
            }
            Event::Scalar(text, style, anchor, tag) => {
                refuse_extras(anchor, tag.is_some())?;
                let value = scalar(&text, style).map_err(|m| error_at(&span, m))?;
                let mut node = node_at(&span, value);
                node.literal = style == ScalarStyle::Literal;
                self.done(node)
            }
            Event::SequenceStart(anchor, tag) => {
                refuse_extras(anchor, tag.is_some())?;
                self.open_one(Open::Seq(node_at(&span, Value::Seq(Vec::new()))), &span)
            }
            Event::MappingStart(anchor, tag) => {
                refuse_extras(anchor, tag.is_some())?;
                self.open_one(Open::Map(node_at(&span, Value::Map(Vec::new())), None), &span)
            }
            Event::SequenceEnd | Event::MappingEnd => match self.open.pop() {
                Some(Open::Seq(node) | Open::Map(node, _)) => self.done(node),
                None => Ok(()),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd => {
                Ok(())
            }
        }
    }

    fn open_one(&mut self, open: Open, span: &Span) -> Result<(), YamlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(error_at(span, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        if let Some(Open::Map(_, None)) = self.open.last() {
            return Err(error_at(span, "a key must be a scalar, found a sequence or mapping"));
        }
        self.open.push(open);
        Ok(())
    }

    /// A finished node goes into what is open (a sequence's item, a mapping's key or value), or
    /// is a document.
    fn done(&mut self, node: Node) -> Result<(), YamlError> {
        match self.open.last_mut() {
            None => self.documents.push(node),
            Some(Open::Seq(seq)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Open::Map(map, pending)) => match pending.take() {
                None => *pending = Some(key_of(&node)?),
                Some((key, line, col)) => {
                    let Value::Map(entries) = &mut map.value else { unreachable!("an open mapping holds a map") };
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(YamlError { line, col, message: format!("duplicate key `{key}`") });
                    }
                    entries.push((key, node));
                }
            },
        }
        Ok(())
    }
}

/// A mapping key: a scalar, as written.
fn key_of(node: &Node) -> Result<(String, usize, usize), YamlError> {
    let text = match &node.value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => {
            return Err(YamlError {
                line: node.line,
                col: node.col,
                message: "a key must be a scalar, found a sequence or mapping".to_string(),
            });
        }
    };
    Ok((text, node.line, node.col))
}

/// A scalar's value: by the YAML 1.2 core schema when plain, a string otherwise.
fn scalar(text: &str, style: ScalarStyle) -> Result<Value, String> {
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => match number(text)? {
            Some(n) => Value::Number(n),
            None => Value::String(text.to_string()),
        },
    })
}

/// A plain scalar read as a number of the core schema, `None` when it is not one.
fn number(text: &str) -> Result<Option<serde_json::Number>, String> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Err(format!("expected a finite number, found `{text}` (NaN and Infinity are not accepted)"));
    }
    let radix = |prefix: &str, radix: u32| {
        text.strip_prefix(prefix)
            .filter(|d| !d.is_empty())
            .and_then(|d| u64::from_str_radix(d, radix).ok())
            .map(serde_json::Number::from)
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Ok(Some(n));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(unsigned) {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Some(n.into()));
        }
        if let Ok(n) = unsigned.parse::<u64>()
            && !text.starts_with('-')
        {
            return Ok(Some(n.into()));
        }
    }
    if !is_core_float(unsigned) {
        return Ok(None);
    }
    Ok(text.parse::<f64>().ok().and_then(serde_json::Number::from_f64))
}

/// Whether `s` (without its sign) is a float of the core schema:
/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac),
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `value` written as a YAML document (block style; strings and odd keys double-quoted, as JSON
/// writes them, which YAML reads the same), ending in a newline.
pub fn to_yaml(value: &serde_json::Value) -> String {
    let mut out = String::new();
    match value {
        serde_json::Value::Object(m) if !m.is_empty() => emit_members(m, 0, &mut out),
        serde_json::Value::Array(a) if !a.is_empty() => emit_items(a, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// A scalar, an empty mapping (`{}`) or an empty sequence (`[]`) on one line.
fn inline(value: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match value {
        J::Object(_) => "{}".to_string(),
        J::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

/// Whether `value` is written on lines of its own (a non-empty mapping or sequence).
fn is_block(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(m) => !m.is_empty(),
        serde_json::Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// A key as written: plain when it is a word, else double-quoted.
fn key_text(key: &str) -> String {
    let word = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.$-".contains(c));
    let special = matches!(scalar(key, ScalarStyle::Plain), Ok(Value::Null | Value::Bool(_) | Value::Number(_)));
    if word && !special { key.to_string() } else { serde_json::Value::String(key.to_string()).to_string() }
}

fn emit_members(members: &serde_json::Map<String, serde_json::Value>, indent: usize, out: &mut String) {
    for (k, v) in members {
        out.push_str(&format!("{:indent$}{}:", "", key_text(k)));
        emit_value(v, indent, out);
    }
}

fn emit_items(items: &[serde_json::Value], indent: usize, out: &mut String) {
    for v in items {
        out.push_str(&format!("{:indent$}-", ""));
        emit_value(v, indent, out);
    }
}

/// The value after `key:` or `-` at `indent`: inline, or on the lines below, indented by two.
fn emit_value(value: &serde_json::Value, indent: usize, out: &mut String) {
    match value {
        serde_json::Value::Object(m) if is_block(value) => {
            out.push('\n');
            emit_members(m, indent + 2, out);
        }
        serde_json::Value::Array(a) if is_block(value) => {
            out.push('\n');
            emit_items(a, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Node {
        let mut docs = parse_documents(src).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn error(src: &str) -> String {
        let e = parse_documents(src).unwrap_err();
        format!("{}:{}: {}", e.line, e.col, e.message)
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let doc = one("a: 12\nb: -3\nc: 1.5e3\nd: 0x1f\ne: ~\nf: true\ng: yes\nh: '12'\ni: .5\nj: 1_000\n");
        let j = doc.to_json();
        assert_eq!(
            j,
            serde_json::json!({"a": 12, "b": -3, "c": 1500.0, "d": 31, "e": null, "f": true,
            "g": "yes", "h": "12", "i": 0.5, "j": "1_000"})
        );
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let doc = one("serve:\n  num_replicas: 0\nfaults:\n  - kind: x\n    at_s: 5\n");
        let p = JsonPath::root().key("serve").key("num_replicas");
        assert_eq!(doc.locate(&p), (2, 17));
        assert_eq!(doc.locate(&JsonPath::root().key("faults").index(0).key("at_s")), (5, 11));
        // A missing member: the closest enclosing value.
        assert_eq!(doc.locate(&JsonPath::root().key("serve").key("nope")), (2, 3));
    }

    #[test]
    fn risky_features_are_refused_with_their_place() {
        assert_eq!(
            error("a: &x 1\nb: *x\n"),
            "1:4: anchors (`&name`) and aliases (`*name`) are not accepted: write each value out"
        );
        assert!(error("a: !!str 1\n").contains("tags"));
        assert_eq!(error("a: 1\nb: 2\na: 3\n"), "3:1: duplicate key `a`");
        assert!(error("? [a]\n: 1\n").contains("a key must be a scalar"));
        assert!(error("a: .inf\n").contains("NaN and Infinity"));
        assert!(error(&"[".repeat(200)).contains("nested more than 64"));
        assert!(error("a: [1\n").contains("invalid YAML"), "{}", error("a: [1\n"));
    }

    #[test]
    fn a_billion_laughs_is_refused_at_its_first_anchor() {
        let mut src = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (i, c) in ('b'..='i').enumerate() {
            let prev = (b'a' + i as u8) as char;
            src.push_str(&format!(
                "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        assert!(error(&src).starts_with("1:4: anchors"), "{}", error(&src));
    }

    #[test]
    fn what_to_yaml_writes_reads_back_the_same() {
        let value = serde_json::json!({"name": "x", "n": 3, "f": 0.000001, "t": true, "z": null,
            "empty": {}, "none": [], "groups": [{"name": "a", "replicas": 2}, {"name": "b: c\n#", "replicas": 0}],
            "true": "yes", "odd key": ["1", 1, "null", "~"], "nested": {"deep": {"x": [[1, 2], []]}}});
        let text = to_yaml(&value);
        assert_eq!(one(&text).to_json(), value, "{text}");
        assert!(text.contains("groups:\n  -\n    name: \"a\"\n"), "{text}");
    }

    #[test]
    fn several_documents_in_order() {
        let docs = parse_documents("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].to_json(), serde_json::json!({"b": 2}));
        assert!(parse_documents("# nothing\n").unwrap().is_empty());
    }
}
