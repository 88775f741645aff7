//! Scenario errors that name the place: file, line, column and JSON path.

use std::fmt;

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A JSON path such as `$.faults[2].target`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(pub Vec<PathSegment>);

impl JsonPath {
    /// The document root, `$`.
    pub fn root() -> Self {
        JsonPath(Vec::new())
    }

    /// This path extended by an object member.
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(PathSegment::Key(k.to_string()));
        JsonPath(v)
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(PathSegment::Index(i));
        JsonPath(v)
    }

    /// Parses a dotted path as printed by `serde_path_to_error` (`faults[2].target`).
    pub fn from_serde(p: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        JsonPath(
            p.iter()
                .filter_map(|s| match s {
                    Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                    Segment::Seq { index } => Some(PathSegment::Index(*index)),
                    Segment::Enum { .. } | Segment::Unknown => None,
                })
                .collect(),
        )
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "$")?;
        for s in &self.0 {
            match s {
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A scenario that cannot be used, with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or `<built-in>`), when known.
    pub file: Option<String>,
    /// 1-based line and column of the offending value, when known.
    pub position: Option<(usize, usize)>,
    /// Where in the document.
    pub path: JsonPath,
    /// What was expected and what was found.
    pub message: String,
}

impl ScenarioError {
    /// An error at `path` with no position yet (filled in by the parser).
    pub fn at(path: JsonPath, message: impl Into<String>) -> Self {
        ScenarioError { file: None, position: None, path, message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    /// `file:line:col: $.path: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        if let Some((line, col)) = self.position {
            write!(f, "{line}:{col}:")?;
        }
        if self.file.is_some() || self.position.is_some() {
            write!(f, " ")?;
        }
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}
