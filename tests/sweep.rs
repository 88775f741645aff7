//! `ftsim sweep` and `--set` end to end: outputs that parse, the same bytes whatever the thread
//! count, the known answer of a GCS fault tolerance sweep, and bad input (exit 2).

use std::path::Path;
use std::process::{Command, Output};

fn ftsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftsim")).args(args).current_dir(dir).output().expect("run ftsim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const GCS: [&str; 4] = ["sweep", "head-pod-crash-no-gcs-ft", "--set", "cluster.gcs_fault_tolerance=false,true"];

#[test]
fn a_two_parameter_sweep_writes_outputs_that_parse_and_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |out: &str, threads: &str| {
        let args =
            [&GCS[..], &["--set", "serve.num_replicas=2,4", "--runs", "4", "--threads", threads, "--out", out, "-q"]]
                .concat();
        let o = ftsim(tmp.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "-q prints nothing");
    };
    run("a", "1");
    run("b", "2");
    for f in ["sweep.csv", "sweep.json", "sweep.html", "sweep.png", "sweep.svg", "heatmap.png", "heatmap.svg"] {
        let (a, b) = (tmp.path().join("a").join(f), tmp.path().join("b").join(f));
        let bytes = std::fs::read(&a).unwrap_or_else(|e| panic!("{f}: {e}"));
        if f != "sweep.json" && f != "sweep.html" {
            assert_eq!(bytes, std::fs::read(&b).unwrap(), "{f} differs between 1 and 2 threads");
        }
    }
    let json = |d: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(tmp.path().join(d).join("sweep.json")).unwrap()).unwrap()
    };
    let (a, b) = (json("a"), json("b"));
    assert_eq!(a["points"], b["points"], "every figure the same whatever the thread count");
    assert_eq!(a["parameters"], serde_json::json!(["cluster.gcs_fault_tolerance", "serve.num_replicas"]));
    assert_eq!(a["points"].as_array().unwrap().len(), 4);
    assert_eq!(
        a["points"][1]["settings"],
        serde_json::json!(["cluster.gcs_fault_tolerance=false", "serve.num_replicas=4"])
    );
    let csv = std::fs::read_to_string(tmp.path().join("a/sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "a header and one row per point");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(&header[..3], ["cluster.gcs_fault_tolerance", "serve.num_replicas", "availability_mean"]);
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{l}");
        let mean: f64 = cells[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&mean));
    }
    let html = std::fs::read_to_string(tmp.path().join("a/sweep.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Most nines"));
}

#[test]
fn gcs_fault_tolerance_buys_the_most_nines_after_a_head_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ftsim(tmp.path(), &[&GCS[..], &["--runs", "8", "--out", "s"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Most nines: cluster.gcs_fault_tolerance=true:"), "{out}");
    assert!(out.contains("vs cluster.gcs_fault_tolerance=false: CIs apart: distinguishable"), "{out}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("s/sweep.json")).unwrap()).unwrap();
    let nines = |i: usize| r["points"][i]["nines"]["mean"].as_f64().unwrap();
    assert!(nines(1) > nines(0), "FT {} vs no FT {}", nines(1), nines(0));
    assert_eq!(r["best"]["point"], 1);
    assert!(
        r["rerun"].as_str().unwrap().contains("--set 'cluster.gcs_fault_tolerance=false,true' --runs 8"),
        "{}",
        r["rerun"]
    );
}

#[test]
fn run_applies_set_and_records_it_in_the_rerun_command() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ftsim(tmp.path(), &["run", "replica-crash", "--set", "serve.num_replicas=4", "--out", "r", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(r["scenario"]["serve"]["num_replicas"], 4);
    assert!(r["rerun"].as_str().unwrap().ends_with("--set 'serve.num_replicas=4'"), "{}", r["rerun"]);
}

/// `month-of-node-failures` cut to 6 hours, with its node losses' MTBF set by the process's name.
const NAMED: [&str; 5] =
    ["month-of-node-failures", "--set", "duration_s=21600", "--set", "failures.node_loss.ttf.mean=24"];

#[test]
fn run_sets_a_failure_process_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ftsim(tmp.path(), &[&["run"], &NAMED[..], &["--out", "r", "-q"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(r["scenario"]["failures"][0]["ttf"]["mean"], 24.0);
    assert!(r["rerun"].as_str().unwrap().ends_with("--set 'failures.node_loss.ttf.mean=24'"), "{}", r["rerun"]);
}

#[test]
fn mc_sets_a_failure_process_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ftsim(tmp.path(), &[&["mc"], &NAMED[..], &["--runs", "2", "--out", "m", "-q"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(tmp.path().join("m/mc.json")).unwrap()).unwrap();
    assert_eq!(m["scenario"]["failures"][0]["ttf"]["mean"], 24.0, "{m}");
}

#[test]
fn sweep_sets_a_failure_process_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["sweep", NAMED[0], "--set", NAMED[2], "--set", "failures.node_loss.ttf.mean=24,216", "--runs", "2"];
    let o = ftsim(tmp.path(), &[&args[..], &["--out", "s", "-q"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("s/sweep.json")).unwrap()).unwrap();
    assert_eq!(r["parameters"], serde_json::json!(["duration_s", "failures.node_loss.ttf.mean"]));
    assert_eq!(r["points"][1]["settings"], serde_json::json!(["duration_s=21600", "failures.node_loss.ttf.mean=216"]));
}

#[test]
fn bad_sets_and_sweeps_exit_2_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--set", "serve.num_replica=3"],
            "ftsim: --set serve.num_replica=3: the scenario format has no field `serve.num_replica`; did you mean `serve.num_replicas`?",
        ),
        (
            &["run", "--set", "serve.num_replicas=0"],
            "ftsim: --set serve.num_replicas=0: $.serve.num_replicas: expected an integer from 1 to",
        ),
        (&["run", "--set", "serve.num_replicas"], "ftsim: --set serve.num_replicas: expected PATH=VALUE"),
        (
            &["sweep", "--set", "serve.num_replicas=2,0", "--runs", "2"],
            "ftsim: --set serve.num_replicas=0: $.serve.num_replicas:",
        ),
        (
            &["sweep", "--set", "traffic.rate_per_s=1,2", "--set", "serve.num_replicas=2,2", "--runs", "2"],
            "listed twice",
        ),
        (&["sweep", "--set", "sreve.num_replicas=2", "--runs", "2"], "did you mean `serve.num_replicas`?"),
        (&["sweep", "--set", "serve.num_replicas=2,3", "--runs", "0"], "--runs"),
        (&["sweep", "--runs", "2"], "--set"),
        (
            &["run", "month-of-node-failures", "--set", "failures.node_los.ttf.mean=5"],
            "ftsim: --set failures.node_los.ttf.mean=5: $.failures: no item is named `node_los`; did you mean \
             `node_loss`? (the items are named `node_loss`)",
        ),
        (
            &["mc", "month-of-node-failures", "--set", "failures.nodes.ttf.mean=5", "--runs", "2"],
            "ftsim: --set failures.nodes.ttf.mean=5: $.failures: no item is named `nodes`",
        ),
        (
            &["sweep", "--set", "failures.node_loss.ttf.mean=5,6", "--runs", "2"],
            "ftsim: --set failures.node_loss.ttf.mean=5: $.failures: no item is named `node_loss`: the list is empty",
        ),
        (
            &["run", "month-of-node-failures", "--set", "failures.node_loss.ttf.mean=-5"],
            "ftsim: --set failures.node_loss.ttf.mean=-5: $.failures[0].ttf.mean: expected a number > 0, found -5",
        ),
    ];
    for (args, expected) in cases {
        let o = ftsim(tmp.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
    }
    let many: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
    let axis = format!("serve.num_replicas={}", many.join(","));
    let rate = format!("traffic.rate_per_s={}", many.join(","));
    let o = ftsim(tmp.path(), &["sweep", "--set", &axis, "--set", &rate, "--runs", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the sweep has 40 x 40 points, more than the limit of 1000"), "{}", stderr(&o));
    assert!(!tmp.path().join("output").exists(), "nothing written on bad input");
}
