//! Every ```` ```console ```` block of README.md and of each `docs/*.md`, run against the real
//! binary, so that the examples the manual shows cannot go stale.
//!
//! In a block, a line starting `$ ` is a command and the lines after it, up to the next command,
//! are what it prints (standard output, then standard error). A block's commands run in order in
//! one fresh directory holding a copy of `scenarios/`. Two commands are understood:
//! - `$ ftsim ARGS` runs the binary under test (ARGS split as a POSIX shell would, no pipes);
//! - `$ cat FILE` shows a file: the lines after it are written to FILE for the commands below.
//!
//! In expected output, `[..]` matches any text within a line and a line `...` any number of
//! lines. A block whose info string holds `skip` (```` ```console skip ````) is not run: it is for
//! commands that build ftsim or need Ray (`cargo ...`, `bash scripts/...`).
//!
//! `FTSIM_BLESS=1 cargo test --test readme` rewrites, in each of those files, the expected output
//! of every command whose output no longer matches (after a change of the model's numbers, say).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One command of a console block.
struct Cmd {
    /// 1-based line of the command in its file.
    line: usize,
    /// The text after `$ `.
    text: String,
    /// Line indexes (0-based) of its expected output in its file.
    expected: std::ops::Range<usize>,
}

/// The files whose console blocks are run, relative to the repository: README.md, then every
/// `docs/*.md` in name order.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    docs.sort();
    std::iter::once(PathBuf::from("README.md")).chain(docs).collect()
}

/// The console blocks of `lines` (the text of `file`) that are run: their commands, block by
/// block.
fn blocks(file: &str, lines: &[&str]) -> Vec<Vec<Cmd>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```console") else {
            i += 1;
            continue;
        };
        let skip = info.split_whitespace().any(|w| w == "skip");
        let start = i + 1;
        let end = (start..lines.len())
            .find(|j| lines[*j].starts_with("```"))
            .unwrap_or_else(|| panic!("{file}:{}: an unclosed console block", i + 1));
        let mut cmds: Vec<Cmd> = Vec::new();
        for (j, line) in lines.iter().enumerate().take(end).skip(start) {
            if let Some(text) = line.strip_prefix("$ ") {
                cmds.push(Cmd { line: j + 1, text: text.to_string(), expected: j + 1..j + 1 });
            } else {
                let cmd = cmds.last_mut().unwrap_or_else(|| panic!("{file}:{}: output before a `$ ` command", j + 1));
                cmd.expected.end = j + 1;
            }
        }
        if !skip {
            out.push(cmds);
        }
        i = end + 1;
    }
    out
}

/// Whether one line matches a pattern line, `[..]` matching any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == actual;
    }
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(k) => rest = &rest[k + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether `actual` matches the `expected` lines, a line `...` matching any number of lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|k| matches(rest, &actual[k..])),
        Some((p, rest)) => actual.split_first().is_some_and(|(a, more)| line_matches(p, a) && matches(rest, more)),
    }
}

/// Runs `cmd` in `dir`: writes the file of a `cat`, or runs ftsim; returns the printed lines,
/// `None` for a `cat`.
fn execute(file: &str, cmd: &Cmd, lines: &[&str], dir: &Path) -> Option<Vec<String>> {
    let words = shlex::split(&cmd.text).unwrap_or_else(|| panic!("{file}:{}: not shell words", cmd.line));
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["cat", file] => {
            let text: String = lines[cmd.expected.clone()].iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(dir.join(file), text).unwrap();
            None
        }
        ["ftsim", args @ ..] => {
            let out = Command::new(env!("CARGO_BIN_EXE_ftsim"))
                .args(args)
                .current_dir(dir)
                .env_remove("RUST_BACKTRACE")
                .output()
                .expect("run ftsim");
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            let mut printed: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
            while printed.last().is_some_and(|l| l.is_empty()) {
                printed.pop();
            }
            Some(printed)
        }
        _ => panic!(
            "{file}:{}: `{}`: a checked console block runs only `ftsim ...` and `cat FILE`; \
             mark the block ```console skip",
            cmd.line, cmd.text
        ),
    }
}

/// Copies the repository's scenarios/ into `dir`.
fn copy_scenarios(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::create_dir(dir.join("scenarios")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("scenarios").join(path.file_name().unwrap())).unwrap();
    }
}

/// Runs the console blocks of `file`; returns the messages of the stale outputs. With `bless`,
/// rewrites those outputs in the file instead. Returns also how many commands were checked.
fn check(file: &Path, bless: bool) -> (Vec<String>, usize) {
    let name = file.display().to_string();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut stale = Vec::new();
    let mut rewrites: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let blocks = blocks(&name, &lines);
    let checked = blocks.iter().flatten().count();
    for block in blocks {
        let dir = tempfile::tempdir().unwrap();
        copy_scenarios(dir.path());
        for cmd in &block {
            let Some(printed) = execute(&name, cmd, &lines, dir.path()) else {
                continue;
            };
            let actual: Vec<&str> = printed.iter().map(String::as_str).collect();
            if !matches(&lines[cmd.expected.clone()], &actual) {
                stale.push(format!(
                    "{name}:{}: `{}` prints:\n{}\n--- {name} shows:\n{}",
                    cmd.line,
                    cmd.text,
                    actual.join("\n"),
                    lines[cmd.expected.clone()].join("\n")
                ));
                rewrites.push((cmd.expected.clone(), printed));
            }
        }
    }
    if bless && !rewrites.is_empty() {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for (range, printed) in rewrites.into_iter().rev() {
            out.splice(range, printed);
        }
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
        eprintln!("FTSIM_BLESS=1: rewrote {} outputs in {name}", stale.len());
        stale.clear();
    }
    (stale, checked)
}

#[test]
fn every_console_block_of_the_readme_and_the_docs_matches_the_binary() {
    let bless = std::env::var_os("FTSIM_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    let mut checked = Vec::new();
    for file in documents() {
        let (messages, count) = check(&file, bless);
        stale.extend(messages);
        checked.push((file, count));
    }
    let readme = checked.iter().find(|(f, _)| f == Path::new("README.md")).map_or(0, |(_, n)| *n);
    assert!(readme >= 3, "the README's checked examples are found");
    assert!(checked.iter().any(|(f, n)| f.starts_with("docs") && *n > 0), "the docs' checked examples are found");
    assert!(stale.is_empty(), "{}\n\nrerun with FTSIM_BLESS=1 to update them", stale.join("\n\n"));
}

#[test]
fn patterns_match_as_documented() {
    assert!(line_matches("a [..] c", "a b b c"));
    assert!(line_matches("[..]", "anything"));
    assert!(!line_matches("a [..] c", "a b d"));
    assert!(!line_matches("abc[..]bcd", "abcd"), "the two ends may not overlap");
    assert!(matches(&["x", "...", "z"], &["x", "1", "2", "z"]));
    assert!(matches(&["x", "...", "z"], &["x", "z"]));
    assert!(!matches(&["x", "z"], &["x", "y", "z"]));
}
