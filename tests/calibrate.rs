//! `ftsim calibrate` end to end with the real binary: timing parameters recovered from synthetic
//! live runs (simulated runs made with other timings, then relabelled as live runs of the
//! default timings), bad input refused with exit code 2, the output written atomically and never
//! over an existing file without `--force`, timings files used by `--timings`; and the figures
//! docs/calibration.md shows, from the live runs kept in tests/fixtures/live-runs/.

mod harness;

use std::path::{Path, PathBuf};

use harness::{Outcome, ftsim, snapshot};
use serde_json::Value;

/// The bundled live runs (real `ftsim live` runs of two bundled scenarios).
fn fixture_runs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live-runs");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    dirs
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn ok(o: &Outcome) {
    assert!(matches!(o.code, Some(0 | 1)), "{o:?}");
    assert!(!o.panicked(), "{o:?}");
}

/// Bad input: exit code 2, a message naming `fragment`, no panic.
fn refused(o: &Outcome, fragment: &str) {
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(!o.panicked(), "{o:?}");
    assert!(o.stderr.starts_with("ftsim: ") && o.stderr.contains(fragment), "{fragment:?} in {o:?}");
}

/// A synthetic live run in `dir/name`: `scenario` simulated with `field` = `truth`, then its
/// report relabelled as a live run whose scenario had `field` = `recorded`.
fn synthetic_live(dir: &Path, name: &str, scenario: &str, field: &str, truth: f64, recorded: f64) -> PathBuf {
    let set = format!("timings.{field}={truth}");
    ok(&ftsim(dir, &["run", scenario, "--set", &set, "--out", name, "-q"]));
    let run = dir.join(name);
    let mut report = read_json(&run.join("report.json"));
    report["mode"] = Value::from("live");
    report["scenario"]["timings"][field] = Value::from(recorded);
    write_json(&run.join("report.json"), &report);
    run
}

fn fitted(timings: &Path, path: &str) -> Option<f64> {
    read_json(timings)["overrides"].get(path).and_then(Value::as_f64)
}

#[test]
fn calibrating_on_runs_made_with_other_timings_recovers_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rc = synthetic_live(dir, "rc", "replica-crash", "actor_start_s", 4.5, 2.0);
    synthetic_live(dir, "pod", "worker-pod-deletion", "ray_start_s", 7.25, 5.0);
    let o = ftsim(dir, &["calibrate", "rc", "pod", "--out", "t.json", "--seeds", "2"]);
    ok(&o);
    let t = dir.join("t.json");
    assert_eq!(fitted(&t, "timings.actor_start_s"), Some(4.5), "{}", o.stdout);
    assert_eq!(fitted(&t, "timings.ray_start_s"), Some(7.25), "{}", o.stdout);
    assert_eq!(fitted(&t, "timings.head_ray_start_s"), None, "no head crash among the runs");
    assert!(
        o.stdout.contains("not identified: no run has a head_pod_crash fault with GCS fault tolerance"),
        "{}",
        o.stdout
    );
    // The file makes a default scenario reproduce the synthetic live run's recovery.
    ok(&ftsim(dir, &["run", "replica-crash", "--timings", "t.json", "--out", "again", "-q"]));
    let again = read_json(&dir.join("again/report.json"));
    let live = read_json(&rc.join("report.json"));
    assert_eq!(again["faults"][0]["time_to_recover_s"], live["faults"][0]["time_to_recover_s"]);
    assert_eq!(again["scenario"]["timings"]["actor_start_s"], Value::from(4.5));
    assert!(again["rerun"].as_str().unwrap().contains("timings.actor_start_s=4.5"), "{again}");
    // Left out in turn, each scenario has nothing to learn from the other (another parameter).
    let eval = &read_json(&t)["calibration"]["evaluation"]["scenarios"];
    assert_eq!(eval[0]["scenario"], "replica-crash");
    assert_eq!(eval[0]["fitted"], serde_json::json!(["timings.ray_start_s=7.25"]));
}

#[test]
fn the_evaluation_is_judged_on_runs_left_out_of_the_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synthetic_live(dir, "a", "worker-pod-deletion", "ray_start_s", 8.0, 5.0);
    synthetic_live(dir, "b", "working-example", "ray_start_s", 8.0, 5.0);
    ok(&ftsim(dir, &["calibrate", "a", "b", "--out", "t.json", "--seeds", "1", "-q"]));
    let eval = read_json(&dir.join("t.json"))["calibration"]["evaluation"].clone();
    for row in eval["scenarios"].as_array().unwrap() {
        assert_eq!(row["fitted"], serde_json::json!(["timings.ray_start_s=8.0"]), "fitted on the other: {row}");
        for f in row["faults"].as_array().unwrap() {
            let (live, before, after) =
                (f["live_s"].as_f64().unwrap(), f["before_s"].as_f64().unwrap(), f["after_s"].as_f64().unwrap());
            assert!((after - live).abs() < 1e-6 && (before - live).abs() > 2.9, "{row}");
        }
    }
}

#[test]
fn directories_that_are_not_live_runs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(&ftsim(dir, &["run", "replica-crash", "--out", "sim", "-q"]));
    refused(&ftsim(dir, &["calibrate", "sim", "--out", "t.json"]), "sim: a run of mode \"simulation\"");
    refused(&ftsim(dir, &["calibrate", "nowhere", "--out", "t.json"]), "nowhere: no such directory");
    std::fs::write(dir.join("file"), "x").unwrap();
    refused(&ftsim(dir, &["calibrate", "file", "--out", "t.json"]), "file: not a directory");
    std::fs::create_dir(dir.join("empty")).unwrap();
    refused(&ftsim(dir, &["calibrate", "empty", "--out", "t.json"]), "empty: not an ftsim run directory");
    let live = synthetic_live(dir, "live", "replica-crash", "actor_start_s", 3.0, 2.0);
    std::fs::remove_file(live.join("events.log")).unwrap();
    refused(&ftsim(dir, &["calibrate", "live", "--out", "t.json"]), "live: no events.log");
    let live2 = synthetic_live(dir, "live2", "replica-crash", "actor_start_s", 3.0, 2.0);
    std::fs::remove_file(live2.join("timeseries.csv")).unwrap();
    refused(&ftsim(dir, &["calibrate", "live2", "--out", "t.json"]), "live2: timeseries.csv");
    std::fs::write(live2.join("report.json"), "{\"schema_version\": 1").unwrap();
    refused(&ftsim(dir, &["calibrate", "live2", "--out", "t.json"]), "live2: report.json: EOF");
    assert!(!dir.join("t.json").exists(), "nothing written");
}

#[test]
fn the_timings_file_is_never_written_over_without_force_and_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synthetic_live(dir, "live", "replica-crash", "actor_start_s", 3.0, 2.0);
    std::fs::write(dir.join("t.json"), "mine").unwrap();
    let before = snapshot(dir);
    refused(&ftsim(dir, &["calibrate", "live", "--out", "t.json", "--seeds", "1"]), "the file exists");
    assert_eq!(snapshot(dir), before, "nothing changed, no temporary file left");
    std::fs::create_dir(dir.join("d")).unwrap();
    refused(&ftsim(dir, &["calibrate", "live", "--out", "d", "--seeds", "1"]), "is a directory");
    refused(&ftsim(dir, &["calibrate", "live", "--out", "no/such/t.json", "--seeds", "1"]), "no/such/t.json");
    ok(&ftsim(dir, &["calibrate", "live", "--out", "t.json", "--seeds", "1", "--force", "-q"]));
    assert_eq!(fitted(&dir.join("t.json"), "timings.actor_start_s"), Some(3.0));
    let names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".ftsim-timings")), "no temporary file left: {names:?}");
}

#[test]
fn bad_timings_files_are_located_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("neg.json"), "{\"ftsim_timings\": 1,\n  \"overrides\": {\"timings.ray_start_s\": -2}}")
        .unwrap();
    std::fs::write(dir.join("typo.json"), "{\"ftsim_timings\": 1, \"overrides\": {\"timings.raystart_s\": 2}}")
        .unwrap();
    std::fs::write(dir.join("broken.json"), "{\"ftsim_timings\": 1,").unwrap();
    let expect_neg = "neg.json:2:40: $.timings.ray_start_s: expected";
    refused(&ftsim(dir, &["run", "--timings", "neg.json", "--out", "o", "-q"]), expect_neg);
    refused(&ftsim(dir, &["mc", "--timings", "neg.json", "--runs", "2", "--out", "m", "-q"]), expect_neg);
    let sweep = ["sweep", "--timings", "neg.json", "--set", "serve.num_replicas=2,3", "--runs", "1", "-q"];
    refused(&ftsim(dir, &sweep), expect_neg);
    refused(&ftsim(dir, &["live", "--timings", "neg.json", "--dry-run"]), expect_neg);
    refused(&ftsim(dir, &["run", "--timings", "typo.json", "-q"]), "typo.json:1:58: $.overrides.timings.raystart_s");
    refused(&ftsim(dir, &["run", "--timings", "broken.json", "-q"]), "broken.json:1:20: $: invalid JSON");
    refused(&ftsim(dir, &["run", "--timings", "absent.json", "-q"]), "absent.json: No such file");
    // A --set after the file wins.
    std::fs::write(dir.join("ok.json"), "{\"ftsim_timings\": 1, \"overrides\": {\"timings.ray_start_s\": 9}}").unwrap();
    ok(&ftsim(dir, &["run", "--timings", "ok.json", "--set", "timings.ray_start_s=6", "--out", "o", "-q"]));
    assert_eq!(read_json(&dir.join("o/report.json"))["scenario"]["timings"]["ray_start_s"], Value::from(6.0));
}

/// The generated section of docs/calibration.md: `ftsim calibrate` on the kept live runs.
#[test]
fn docs_calibration_shows_the_kept_live_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: Vec<String> =
        fixture_runs().iter().map(|d| d.strip_prefix(root).unwrap().display().to_string()).collect();
    let out = tmp.path().join("timings.json");
    let mut args: Vec<&str> = vec!["calibrate"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    let o = ftsim(root, &args);
    assert_eq!(o.code, Some(0), "{o:?}");
    let shown = o.stdout.replace(out.to_str().unwrap(), "timings.json");
    let section = format!(
        "<!-- calibration:begin -->\n```console skip\n$ ftsim calibrate {} --out timings.json\n```\n\n{shown}<!-- calibration:end -->",
        dirs.join(" ")
    );
    let doc_path = root.join("docs/calibration.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (start, end) = (doc.find("<!-- calibration:begin -->").unwrap(), doc.find("<!-- calibration:end -->").unwrap());
    let current = &doc[start..end + "<!-- calibration:end -->".len()];
    if std::env::var_os("FTSIM_BLESS").is_some() {
        std::fs::write(&doc_path, doc.replace(current, &section)).unwrap();
    } else {
        assert_eq!(current, section, "docs/calibration.md is stale: FTSIM_BLESS=1 cargo test --test calibrate");
    }
}
