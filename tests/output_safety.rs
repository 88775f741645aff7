//! Output safety of `ftsim run`, end to end with the real binary: a run directory is written
//! whole or not at all (a temporary directory renamed into place, src/report/output.rs), a
//! previous run survives a failed one byte for byte, a directory that is not a run is never
//! touched, an output path that cannot be created is a clear error with exit code 2, and a
//! closed stdout is not a crash.

mod harness;

use std::path::Path;
use std::process::Stdio;

use harness::{HANG_GUARD, Outcome, SMALL_SCENARIO, command, ftsim, run, snapshot};

/// A scenario that fails validation (an unknown replica).
const BAD_SCENARIO: &str = r#"{"faults": [{"kind": "replica_crash", "at_s": 5, "target": "Nope#1"}]}"#;

/// Writes `name` with `text` into `dir`.
fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A temporary directory holding a valid scenario, s.json.
fn scenario_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.json", SMALL_SCENARIO);
    dir
}

/// `ftsim run ARGS --quiet` in `dir` must finish and report on the SLO (exit 0 or 1).
fn run_ok(dir: &Path, args: &[&str]) {
    let args: Vec<&str> = ["run"].iter().chain(args).chain(&["--quiet"]).copied().collect();
    let o = ftsim(dir, &args);
    assert!(matches!(o.code, Some(0 | 1)), "{o:?}");
    assert!(!o.panicked(), "{o:?}");
    assert!(o.elapsed < HANG_GUARD, "{o:?}");
}

/// Bad input or I/O: exit code 2, one `ftsim: ` message containing `fragment`, no panic.
fn assert_refused(o: &Outcome, fragment: &str) {
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(o.stderr.starts_with("ftsim: "), "{o:?}");
    assert!(o.stderr.contains(fragment), "expected {fragment:?} in {o:?}");
    assert!(!o.panicked(), "{o:?}");
    assert!(o.elapsed < HANG_GUARD, "{o:?}");
}

#[test]
fn a_run_leaves_exactly_its_run_directory() {
    let dir = scenario_dir();
    run_ok(dir.path(), &["s.json", "--out", "out/run"]);
    let names: Vec<_> = snapshot(&dir.path().join("out")).into_iter().map(|(p, _)| p).collect();
    let expected = [
        "run",
        "run/.ftsim-manifest.json",
        "run/availability.png",
        "run/availability.svg",
        "run/events.log",
        "run/report.html",
        "run/report.json",
        "run/timeseries.csv",
    ];
    assert_eq!(names, expected.map(std::path::PathBuf::from), "no temporary directory may remain");
}

#[test]
fn a_failed_run_leaves_the_previous_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", SMALL_SCENARIO);
    write(dir.path(), "bad.json", BAD_SCENARIO);
    run_ok(dir.path(), &["good.json", "--out", "run"]);
    let before = snapshot(dir.path());
    let o = ftsim(dir.path(), &["run", "bad.json", "--out", "run"]);
    assert_refused(&o, "$.faults[0].target: unknown replica");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_second_run_replaces_the_first_whole() {
    let dir = scenario_dir();
    run_ok(dir.path(), &["s.json", "--out", "run"]);
    // A file an older version wrote, listed in its manifest, that this version no longer writes.
    std::fs::write(dir.path().join("run/stale.txt"), "from an older version").unwrap();
    let manifest = dir.path().join("run/.ftsim-manifest.json");
    let listed = std::fs::read_to_string(&manifest).unwrap().replacen("\"files\": [", "\"files\": [\"stale.txt\", ", 1);
    std::fs::write(&manifest, listed).unwrap();
    run_ok(dir.path(), &["s.json", "--out", "run", "--seed", "2"]);
    assert!(!dir.path().join("run/stale.txt").exists(), "the old directory is replaced, not merged");
    let report = std::fs::read_to_string(dir.path().join("run/report.json")).unwrap();
    assert!(report.contains("--seed 2"), "the new report is in place");
}

#[test]
fn a_missing_output_parent_is_created() {
    let dir = scenario_dir();
    run_ok(dir.path(), &["s.json", "--out", "a/b/c/run"]);
    assert!(dir.path().join("a/b/c/run/report.json").is_file());
}

/// `ftsim run s.json --out OUT` in a directory with a valid s.json, prepared further by
/// `setup`, must be refused with `fragment` and change nothing in that directory.
fn assert_out_refused(setup: fn(&Path), out: &str, fragment: &str) {
    let dir = scenario_dir();
    setup(dir.path());
    let before = snapshot(dir.path());
    assert_refused(&ftsim(dir.path(), &["run", "s.json", "--out", out]), fragment);
    assert_eq!(snapshot(dir.path()), before, "--out {out}: nothing may change");
}

fn a_regular_file(dir: &Path) {
    write(dir, "file.txt", "keep me");
}

#[test]
fn an_output_path_under_a_regular_file_is_a_clear_error() {
    // chmod cannot stop root (CI runs as root); a path through a regular file stops everyone.
    assert_out_refused(a_regular_file, "file.txt/run", "cannot create output directory file.txt");
}

#[test]
fn an_output_path_that_is_a_regular_file_is_refused() {
    assert_out_refused(a_regular_file, "file.txt", "file.txt exists and is not a directory");
}

#[test]
fn an_output_path_in_proc_is_a_clear_error() {
    let out = "/proc/ftsim-no-such-dir/run";
    assert_out_refused(|_| {}, out, "cannot create output directory /proc/ftsim-no-such-dir");
}

#[test]
fn a_directory_that_is_not_a_run_is_never_touched() {
    fn precious(dir: &Path) {
        std::fs::create_dir_all(dir.join("precious/sub")).unwrap();
        write(&dir.join("precious"), "notes.txt", "my notes");
        write(&dir.join("precious/sub"), "data.csv", "1,2,3");
    }
    let fragment = "refusing to replace precious: it is not empty and ftsim did not write it";
    assert_out_refused(precious, "precious", fragment);
}

#[test]
fn an_empty_existing_directory_is_used() {
    let dir = scenario_dir();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    run_ok(dir.path(), &["s.json", "--out", "empty"]);
    assert!(dir.path().join("empty/report.json").is_file());
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let dir = scenario_dir();
    let commands: [&[&str]; 4] = [
        &["run", "s.json", "--out", "run"],
        &["validate", "s.json"],
        &["scenarios"],
        &["scenarios", "--show", "working-example"],
    ];
    for args in commands {
        // The read end is closed before ftsim starts, so its first write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = command(dir.path(), args);
        cmd.stdout(Stdio::from(writer)).stderr(Stdio::piped());
        let child = cmd.spawn().unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "ftsim {args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "ftsim {args:?}: {stderr}");
    }
    assert!(dir.path().join("run/report.json").is_file(), "the run still writes its directory");
}

#[test]
fn a_seed_that_is_not_a_number_is_bad_input() {
    let dir = scenario_dir();
    let before = snapshot(dir.path());
    for seed in ["abc", "-1", "1.5", "18446744073709551616", ""] {
        let o = run(command(dir.path(), &["run", "s.json", "--out", "run", "--seed", seed]));
        assert_eq!(o.code, Some(2), "--seed {seed:?}: {o:?}");
        // clap's own message names the option, or the value it took for an option of its own.
        let named = o.stderr.contains("--seed") || o.stderr.contains(&format!("'{seed}'"));
        assert!(named, "--seed {seed:?}: {o:?}");
        assert!(!o.panicked(), "{o:?}");
    }
    assert_eq!(snapshot(dir.path()), before);
}

/// A scenario's Redis password (used by live mode) is recorded as `[REDACTED]`: no output file,
/// no message and no `--dry-run` plan shows it, and the scenario hash does not depend on it.
#[test]
fn the_redis_password_never_reaches_an_output() {
    const PASSWORD: &str = "Pw-9f3e1c7a_never-shown";
    let dir = tempfile::tempdir().unwrap();
    let with =
        SMALL_SCENARIO.replacen('{', &format!("{{\"cluster\": {{\"redis\": {{\"password\": \"{PASSWORD}\"}}}},"), 1);
    let other = with.replace(PASSWORD, "another-password");
    write(dir.path(), "s.json", &with);
    write(dir.path(), "t.json", &other);
    run_ok(dir.path(), &["s.json", "--out", "out/s"]);
    run_ok(dir.path(), &["t.json", "--out", "out/t"]);
    let mut said = String::new();
    for args in [&["validate", "s.json"][..], &["live", "s.json", "--dry-run"]] {
        let o = ftsim(dir.path(), args);
        assert_eq!(o.code, Some(0), "{o:?}");
        said += &(o.stdout + &o.stderr);
    }
    assert!(!said.contains(PASSWORD), "{said}");
    for (path, bytes) in snapshot(&dir.path().join("out")) {
        let text = String::from_utf8_lossy(bytes.as_deref().unwrap_or_default()).into_owned();
        assert!(!text.contains(PASSWORD), "{} shows the password", path.display());
    }
    let report = |run: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(format!("out/{run}/report.json"))).unwrap()).unwrap()
    };
    let (s, t) = (report("s"), report("t"));
    assert_eq!(s["scenario"]["cluster"]["redis"]["password"], "[REDACTED]");
    assert_eq!(s["scenario_sha256"], t["scenario_sha256"]);
}

/// Issue 10 §1: a directory that merely holds a file named report.json is not a run directory;
/// `--out` onto it must refuse, name a foreign entry, and leave every file where it was.
#[test]
fn a_directory_with_a_report_json_of_its_own_is_never_replaced() {
    fn thesis(dir: &Path) {
        std::fs::create_dir_all(dir.join("p/src")).unwrap();
        write(&dir.join("p/src"), "main.rs", "fn main() {}");
        write(&dir.join("p"), "report.json", "{}");
        write(&dir.join("p"), "thesis.tex", "x");
    }
    assert_out_refused(thesis, "p", "nothing was changed");
    // The refusal names what the directory holds, so nobody removes their thesis as "old output".
    assert_out_refused(thesis, "p", "it holds report.json, src, thesis.tex;");
}

/// Issue 10 §1, `compare --out`: a directory holding a compare.html of the user's is kept whole.
#[test]
fn compare_never_replaces_a_directory_it_did_not_write() {
    let dir = scenario_dir();
    run_ok(dir.path(), &["s.json", "--out", "a"]);
    run_ok(dir.path(), &["s.json", "--out", "b", "--seed", "2"]);
    std::fs::create_dir_all(dir.path().join("p/src")).unwrap();
    write(&dir.path().join("p"), "compare.html", "<p>mine</p>");
    write(&dir.path().join("p"), "thesis.tex", "x");
    let before = snapshot(dir.path());
    assert_refused(&ftsim(dir.path(), &["compare", "a", "b", "--out", "p"]), "nothing was changed");
    assert_eq!(snapshot(dir.path()), before);
}

/// `compare --out` onto one of the runs it compares is refused: a run directory is replaced only
/// by a run, a comparison only by a comparison.
#[test]
fn compare_never_replaces_a_run_directory() {
    let dir = scenario_dir();
    run_ok(dir.path(), &["s.json", "--out", "a"]);
    run_ok(dir.path(), &["s.json", "--out", "b", "--seed", "2"]);
    let before = snapshot(dir.path());
    let o = ftsim(dir.path(), &["compare", "a", "b", "--out", "a"]);
    assert_refused(&o, "refusing to replace a: it is an ftsim run directory, not a compare directory");
    assert_eq!(snapshot(dir.path()), before);
}
