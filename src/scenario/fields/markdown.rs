//! `docs/scenario-format.md`, generated from the field table (`ftsim schema --markdown`).

use std::fmt::Write;

use super::{Default, FIELDS, Field, Kind, SECTIONS, Source, Variant};
use crate::scenario::defaults::{MAX_DURATION, MAX_RATE_PER_S};
use crate::scenario::show;

/// How to regenerate the document, as said in its header and by the test that checks it.
pub const REGENERATE: &str = "FTSIM_BLESS=1 cargo test --test format_docs";

const HEADER: &str = "\
# Scenario format

A scenario is one JSON object, or the same as one YAML mapping in a `.yaml` or `.yml` file (one
document; no anchors, aliases, tags or duplicate keys). Every field is optional: `{}` is the
guide's working example with no fault. Unknown fields are errors. Times are seconds (`_s`),
rounded to the nearest microsecond. `ftsim scenarios --show replica-crash` prints a complete
example; `ftsim validate FILE` checks a file; `ftsim schema` prints the format as a JSON Schema
(draft 2020-12) for editors; `ftsim import` writes a scenario from a RayService's or a
RayCluster's YAML (docs/import.md).

Sources are Ray 2.60 (ray-project/ray), KubeRay (ray-project/kuberay after v1.7.0), Kubernetes
and the guide's working example. **GUESS** marks a number no source gives: override it when you
know your cluster. **K8S** marks a Kubernetes default not verified in those repositories.
";

/// The whole document.
pub fn markdown() -> String {
    let mut out = String::from(HEADER);
    let _ = writeln!(
        out,
        "\n<!-- Generated from src/scenario/fields/table/ by `ftsim schema --markdown`; do not edit.\n     \
         Regenerate: {REGENERATE} -->"
    );
    for section in SECTIONS {
        let _ = write!(out, "\n## {}\n\n", section.title);
        if !section.intro.is_empty() {
            let _ = write!(out, "{}\n\n", section.intro);
        }
        out.push_str("| field | type | default | limits | meaning | source |\n|---|---|---|---|---|---|\n");
        let fields: Vec<&Field> = FIELDS.iter().filter(|f| f.section() == section.key).collect();
        for f in &fields {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                f.path,
                type_of(f),
                default_of(f),
                cell(&limits_of(&f.kind)),
                cell(f.meaning),
                cell(&source_of(&f.source))
            );
        }
        for f in fields {
            if let Kind::Tagged(variants) | Kind::TaggedList(variants) = f.kind {
                variants_table(&mut out, f, variants);
            }
        }
        if !section.outro.is_empty() {
            let _ = write!(out, "\n{}\n", section.outro);
        }
    }
    out
}

fn variants_table(out: &mut String, f: &Field, variants: &[Variant]) {
    let _ = write!(out, "\n`{}` kinds:\n\n| kind | fields | meaning |\n|---|---|---|\n", f.path);
    for v in variants {
        let fields: Vec<String> =
            v.fields.iter().map(|(name, required)| format!("`{name}`{}", if *required { "" } else { "?" })).collect();
        let _ = writeln!(out, "| `{}` | {} | {} |", v.tag, fields.join(", "), cell(v.meaning));
    }
    out.push_str("\n`?` marks an optional field.\n");
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn type_of(f: &Field) -> String {
    let t = match f.kind {
        Kind::Secs { .. }
        | Kind::Cpus
        | Kind::Gpus
        | Kind::Ratio
        | Kind::Probability
        | Kind::Rate
        | Kind::ShapeRate
        | Kind::Hour
        | Kind::Positive
        | Kind::Number => "number",
        Kind::Int { .. } | Kind::Count => "integer",
        Kind::Bool => "boolean",
        Kind::Memory => "number or string",
        Kind::ResourceMap => "object of numbers",
        Kind::Text { .. } | Kind::Choice(_) => "string",
        Kind::Objects => "array of objects",
        Kind::TextList => "array of strings",
        Kind::Tagged(_) => "object by `kind`",
        Kind::TaggedList(_) => "array of objects by `kind`",
    };
    match f.unit() {
        "" => t.to_string(),
        unit => format!("{t} ({unit})"),
    }
}

fn default_of(f: &Field) -> String {
    match f.default {
        Default::Secs(_) | Default::MilliCpus(_) | Default::Num(_) => show::num(f.default_f64().unwrap_or_default()),
        Default::Int(v) => v.to_string(),
        Default::Bool(v) => v.to_string(),
        Default::Text(s) => format!("`{:?}`", s),
        Default::Json(j) => format!("`{j}`"),
        Default::Derived(s) => cell(s),
        Default::Absent(s) => format!("none: {}", cell(s)),
        Default::Required => "required".to_string(),
    }
}

/// The limits of a kind, as written in the document.
pub fn limits_of(kind: &Kind) -> String {
    let max_s = MAX_DURATION.as_secs_f64();
    match *kind {
        Kind::Secs { zero: true, max } => format!("0 to {}", max.as_secs_f64()),
        Kind::Secs { zero: false, max } => format!("0.000001 to {}", max.as_secs_f64()),
        Kind::Int { lo, hi } => format!("{lo} to {hi}"),
        Kind::Count => format!("0 to {}", u64::MAX),
        Kind::Cpus | Kind::Gpus | Kind::ResourceMap => format!("0 to {}", super::MAX_CPUS),
        Kind::Memory => format!("0 to {} (1 EiB)", super::super::quantity::MAX_BYTES),
        Kind::Ratio | Kind::Probability => "0 to 1".to_string(),
        Kind::Rate => format!("1/{max_s} to {MAX_RATE_PER_S}"),
        Kind::ShapeRate => format!("0 to {MAX_RATE_PER_S}"),
        Kind::Hour => "0 to 24 (excluded)".to_string(),
        Kind::Positive => "> 0".to_string(),
        Kind::Text { pattern: Some(p), .. } => format!("`{p}`"),
        Kind::Choice(options) => options.iter().map(|o| format!("`{o:?}`")).collect::<Vec<_>>().join(", "),
        Kind::Text { pattern: None, .. }
        | Kind::Bool
        | Kind::Number
        | Kind::TextList
        | Kind::Objects
        | Kind::Tagged(_)
        | Kind::TaggedList(_) => String::new(),
    }
}

pub(super) fn source_of(source: &Source) -> String {
    match *source {
        Source::Ray(s) => format!("Ray 2.60: {s}"),
        Source::KubeRay(s) => format!("KubeRay: {s}"),
        Source::Kubernetes(s) => format!("**K8S** {s}"),
        Source::Cloud(s) => format!("cloud: {s}"),
        Source::Guide(s) => format!("the guide: {s}"),
        Source::Ftsim("") => "ftsim's choice".to_string(),
        Source::Ftsim(s) => format!("ftsim's choice: {s}"),
        Source::Guess(s) => format!("**GUESS** — {s}"),
        Source::None => String::new(),
    }
}
