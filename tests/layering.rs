//! The crate's layers, as `src/lib.rs` draws them, enforced on the source: a module may import
//! only the layers below its own, so that a lower layer never depends on a higher one.
//!
//! Every `.rs` file under `src/<module>/` (or `src/<module>.rs`) is scanned as text, comments and
//! string literals left out: each `crate::` path (in a `use`, grouped as in
//! `use crate::{a, b::{c, d}}`, or inline as in `crate::sim::run(..)`) and each `super::` path
//! that climbs out of its module names the module it reaches, and that edge must be allowed by
//! [`LAYERS`]. A failure names the file, the line and the forbidden edge.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import its own module and the modules of any lower
/// layer; never a module of a higher layer. Modules of one layer are siblings and do not import
/// each other (`sim` and `live` in particular), except in the shared-rules layer, whose modules
/// are one set of rules split by subject.
const LAYERS: &[&[&str]] = &[
    &["engine", "names"],
    &["scenario"],
    &["policy", "traffic", "journal"],
    &["metrics"],
    &["sim", "live"],
    &["study"],
    &["report"],
    &["cli"],
];

/// The layer whose modules may import each other (see [`LAYERS`]).
const SHARED_RULES: &[&str] = &["policy", "traffic", "journal"];

/// Known violations, each a file and the path it imports as written after `crate::`. An entry
/// that no longer matches an import fails the test, so the list only shrinks.
const ALLOWED: &[(&str, &str)] = &[];

/// The layer of a top-level module, `None` when the table does not place it.
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Whether `from` may import `to` (both top-level modules the table places).
fn allowed(from: &str, to: &str) -> bool {
    let (Some(a), Some(b)) = (layer(from), layer(to)) else {
        return false;
    };
    from == to || b < a || (a == b && SHARED_RULES.contains(&from))
}

/// `text` with comments, string and character literals blanked out (newlines kept, so that
/// line numbers stay right).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| {
        for ch in s {
            out.push(if *ch == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < c.len() {
        let ident_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len())
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            block_comment_end(&c, i)
        } else if c[i] == '"' {
            quoted_end(&c, i + 1, '"')
        } else if !ident_before && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) {
            raw_string_end(&c, if c[i] == 'b' { i + 2 } else { i + 1 }).unwrap_or(i)
        } else if c[i] == '\'' && (c.get(i + 1) == Some(&'\\') || c.get(i + 2) == Some(&'\'')) {
            quoted_end(&c, i + 1, '\'')
        } else {
            i
        };
        if end > i {
            blank(&mut out, &c[i..end]);
            i = end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The index after the block comment (nested, as Rust's) that starts at `start`.
fn block_comment_end(c: &[char], start: usize) -> usize {
    let (mut depth, mut i) = (0, start);
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    c.len()
}

/// The index after the literal whose body starts at `i` and ends at an unescaped `close`.
fn quoted_end(c: &[char], mut i: usize, close: char) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            ch if ch == close => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// The index after a raw string whose `#`s start at `i` (just after `r`), `None` if none does.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let hashes = c[i..].iter().take_while(|ch| **ch == '#').count();
    if c.get(i + hashes) != Some(&'"') {
        return None;
    }
    let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
    let body = i + hashes + 1;
    Some((body..c.len()).find(|&j| c[j..].starts_with(&close)).map_or(c.len(), |j| j + close.len()))
}

/// A token of stripped source: an identifier (or keyword), `::`, or one other character.
#[derive(Debug)]
struct Token {
    text: String,
    line: usize,
}

fn tokens(clean: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for (n, line) in clean.lines().enumerate() {
        let c: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < c.len() {
            let ch = c[i];
            let len = if ch.is_alphanumeric() || ch == '_' {
                c[i..].iter().take_while(|x| x.is_alphanumeric() || **x == '_').count()
            } else if ch == ':' && c.get(i + 1) == Some(&':') {
                2
            } else {
                1
            };
            if !ch.is_whitespace() {
                out.push(Token { text: c[i..i + len].iter().collect(), line: n + 1 });
            }
            i += len;
        }
    }
    out
}

/// One path of a file into the crate: its line and the path after `crate::`.
#[derive(Debug, PartialEq)]
struct Import {
    line: usize,
    path: String,
}

/// Every `crate::` path of `text`, a `use` group giving one path per member, and every `super::`
/// path that climbs out of the top-level module, given the module path of the file (e.g.
/// `["sim", "serve", "router"]` for `src/sim/serve/router.rs`).
fn imports(text: &str, module: &[String]) -> Vec<Import> {
    let t = tokens(&strip(text));
    let mut out = Vec::new();
    // Inline modules open at these brace depths, innermost last.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        let is = |k: usize, s: &str| t.get(k).is_some_and(|x| x.text == s);
        match t[i].text.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            "mod" if is(i + 2, "{") => inline.push(depth),
            "crate" if is(i + 1, "::") && !(i > 0 && is(i - 1, "$")) => {
                i = tree(&t, i + 2, "", None, &mut out);
                continue;
            }
            "super" if is(i + 1, "::") && !(i > 0 && is(i - 1, "::")) => {
                let mut k = i;
                while is(k, "super") && is(k + 1, "::") {
                    k += 2;
                }
                let climbs = (k - i) / 2;
                // Inline modules add levels above which `super` climbs first.
                if climbs >= module.len() + inline.len() {
                    i = tree(&t, k, "", None, &mut out);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads the path tree that starts at token `i` (after `crate::`, or after `prefix::` inside
/// it), pushing one [`Import`] per path; `line` is that of the path's top-level module, `None`
/// until it is read. Returns the index after the tree.
fn tree(t: &[Token], mut i: usize, prefix: &str, line: Option<usize>, out: &mut Vec<Import>) -> usize {
    let is_word = |k: usize| t.get(k).is_some_and(|x| x.text.chars().all(|ch| ch.is_alphanumeric() || ch == '_'));
    let is = |k: usize, s: &str| t.get(k).is_some_and(|x| x.text == s);
    if is(i, "{") {
        i += 1;
        while i < t.len() && !is(i, "}") {
            let next = tree(t, i, prefix, line, out);
            i = if is(next, ",") { next + 1 } else { next.max(i + 1) };
        }
        return i + 1;
    }
    if !is_word(i) {
        return i; // `*` or the end of a path into the crate root
    }
    let line = line.or(Some(t[i].line));
    let word = &t[i].text;
    let path = match (prefix, word.as_str()) {
        (_, "self") => prefix.to_string(),
        ("", _) => word.clone(),
        _ => format!("{prefix}::{word}"),
    };
    if is(i + 1, "::") && (is_word(i + 2) || is(i + 2, "{")) {
        return tree(t, i + 2, &path, line, out);
    }
    if !path.is_empty() {
        out.push(Import { line: line.unwrap(), path });
    }
    // `a::b as c`, `a::*`, `a::<T>`: the path ends here.
    if is(i + 1, "as") { i + 3 } else { i + 1 }
}

/// The top-level module a path reaches (its first segment).
fn top(path: &str) -> &str {
    path.split("::").next().unwrap()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The module path of a file relative to `src/`: `sim/serve/router.rs` is `sim::serve::router`,
/// `sim/mod.rs` is `sim`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.strip_suffix(".rs").unwrap();
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// Every import of a top-level module of `src/` into another, as `(file, import)`.
fn crate_imports(src: &Path) -> Vec<(String, String, Import)> {
    let mut out = Vec::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap();
        if relative == Path::new("lib.rs") || relative == Path::new("main.rs") {
            continue;
        }
        let module = module_path(relative);
        let name = format!("src/{}", relative.display());
        for import in imports(&std::fs::read_to_string(&file).unwrap(), &module) {
            out.push((name.clone(), module[0].clone(), import));
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_a_higher_layer_or_a_sibling() {
    let mut forbidden = Vec::new();
    let mut used = BTreeSet::new();
    for (file, from, import) in crate_imports(&src()) {
        let to = top(&import.path);
        if allowed(&from, to) {
            continue;
        }
        if let Some(k) = ALLOWED.iter().position(|(f, p)| *f == file && *p == import.path) {
            used.insert(k);
            continue;
        }
        let why = match (layer(&from), layer(to)) {
            (None, _) => format!("`{from}` is in no layer of LAYERS"),
            (_, None) => format!("`{to}` is in no layer of LAYERS"),
            (Some(a), Some(b)) if a == b => format!("`{from}` and `{to}` are siblings"),
            _ => format!("`{to}` is a higher layer than `{from}`"),
        };
        forbidden.push(format!("{file}:{}: {from} -> {to} (crate::{}): {why}", import.line, import.path));
    }
    let stale: Vec<String> = (0..ALLOWED.len())
        .filter(|k| !used.contains(k))
        .map(|k| format!("{} imports no longer `crate::{}`: remove it from ALLOWED", ALLOWED[k].0, ALLOWED[k].1))
        .collect();
    assert!(forbidden.is_empty(), "imports against the layers of src/lib.rs:\n{}", forbidden.join("\n"));
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn every_module_is_in_a_layer_and_in_the_crate_doc() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let doc: String = lib.lines().filter_map(|l| l.strip_prefix("//!")).collect::<Vec<_>>().join("\n");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    assert!(modules.contains(&"engine") && modules.contains(&"cli"), "modules are read from src/lib.rs");
    for m in modules {
        assert!(layer(m).is_some(), "src/lib.rs: module `{m}` is in no layer of tests/layering.rs's LAYERS");
        assert!(doc.contains(&format!("`{m}`")), "src/lib.rs: the crate doc's layer diagram does not name `{m}`");
    }
}

#[test]
fn the_scan_finds_grouped_inline_and_super_paths_and_skips_comments_and_strings() {
    let text = r##"
use crate::engine::SimTime;
use crate::{
    scenario::{self, Scenario},
    metrics::observations::Outcome as O,
};
// use crate::sim::not_this;
/* crate::sim::nor_this /* nested */ crate::sim::nor_that */
fn f() {
    let s = "crate::sim::not_a_path";
    let r = r#"crate::sim::raw"#;
    let c = '"';
    let x = crate::live::run(1);
    let y = super::super::report::render();
    macro_rules! m { () => { $crate::engine::x } }
}
pub(crate) fn g<'a>(_: &'a str) {}
mod tests {
    use super::super::sibling;
}
"##;
    let module = vec!["sim".to_string(), "faults".to_string()];
    let found = imports(text, &module);
    let got: Vec<(usize, &str)> = found.iter().map(|i| (i.line, i.path.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "engine::SimTime"),
            (4, "scenario"),
            (4, "scenario::Scenario"),
            (5, "metrics::observations::Outcome"),
            (13, "live::run"),
            (14, "report::render"),
        ]
    );
    // `scenario::{self, ..}` names `scenario` itself; the inline `mod tests` makes its two
    // `super`s stay inside `sim`.
    assert!(!allowed("live", "sim") && !allowed("sim", "live"), "sim and live are siblings");
    assert!(!allowed("engine", "scenario") && !allowed("metrics", "sim") && !allowed("metrics", "live"));
    assert!(allowed("report", "metrics") && allowed("cli", "sim") && allowed("policy", "traffic"));
}
