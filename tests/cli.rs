//! The real binary: exit codes, outputs, messages.

use std::path::Path;
use std::process::{Command, Output};

fn ftsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftsim")).args(args).current_dir(dir).output().expect("run ftsim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn default_run_writes_the_working_example_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = dir.path().join("output/working-example");
    for f in ["report.json", "timeseries.csv", "events.log"] {
        assert!(run.join(f).is_file(), "missing {f}");
    }
    let stdout = text(&out.stdout);
    assert!(stdout.contains("scenario working-example (seed 1)"), "{stdout}");
    assert!(stdout.contains("SLO holds"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["seed"], 1);
    assert_eq!(report["ftsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["rerun"], "ftsim run --seed 1");
    assert_eq!(report["scenario"]["serve"]["num_replicas"], 6, "the resolved scenario is recorded");
}

#[test]
fn violated_slo_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["run", "head-pod-crash-no-gcs-ft", "--out", "r"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("SLO VIOLATED"));
    assert!(dir.path().join("r/report.json").is_file(), "a violated SLO still writes its report");
}

#[test]
fn same_seed_gives_identical_bytes_and_seed_flag_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        assert_eq!(ftsim(dir.path(), &["run", "replica-crash", "--out", out, "-q"]).status.code(), Some(0));
    }
    assert_eq!(ftsim(dir.path(), &["run", "replica-crash", "--seed", "9", "--out", "c", "-q"]).status.code(), Some(0));
    for f in ["report.json", "timeseries.csv", "events.log"] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        let c = std::fs::read(dir.path().join("c").join(f)).unwrap();
        assert_eq!(a, b, "{f} differs between identical runs");
        assert_ne!(a, c, "{f} should change with the seed");
    }
}

#[test]
fn bad_scenario_exits_2_with_file_line_column_and_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        "{\n  \"faults\": [\n    {\"kind\": \"proxy_crash\", \"at_s\": 5, \"target\": \"nope\"}\n  ]\n}\n",
    )
    .unwrap();
    let out = ftsim(dir.path(), &["run", "bad.json", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("ftsim: bad.json:3:"), "{err}");
    assert!(err.contains("$.faults[0].target: unknown pod \"nope\"; expected one of: head, small-group-1"), "{err}");
    assert!(!dir.path().join("r").exists(), "nothing written for bad input");
}

#[test]
fn validate_reports_every_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.json"), "{}").unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"serve\": {\"num_replicas\": 0}}").unwrap();
    let out = ftsim(dir.path(), &["validate", "ok.json", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("ok.json: ok"));
    assert!(
        text(&out.stderr).contains("bad.json:1:28: $.serve.num_replicas: expected an integer from 1 to 10000, found 0")
    );
    let repo_scenarios: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["validate"];
    args.extend(repo_scenarios.iter().map(String::as_str));
    let out = ftsim(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn scenarios_lists_and_shows_the_bundled_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["scenarios"]);
    assert_eq!(out.status.code(), Some(0));
    let list = text(&out.stdout);
    for (name, _) in ftsim::scenario::bundled::BUNDLED {
        assert!(list.contains(name), "{name} not listed");
    }
    let out = ftsim(dir.path(), &["scenarios", "--show", "redis-outage"]);
    let shown = text(&out.stdout);
    let file =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/redis-outage.json")).unwrap();
    assert_eq!(shown, file);
    let out = ftsim(dir.path(), &["scenarios", "--show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("ftsim: no bundled scenario named \"nope\""));
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("Exit codes: 0 SLO holds, 1 SLO violated, 2"));
    let out = ftsim(dir.path(), &["run", "--seed", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ftsim(dir.path(), &["run", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no such file, and no bundled scenario of that name"));
}

/// Issue 10 §5: `rerun` is shell-quoted and names the scenario file by its absolute path, so
/// pasting it into a shell anywhere reproduces the run (and never runs `$(id)`).
#[test]
fn rerun_is_quoted_and_reproduces_the_run_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a b;$(id).json";
    std::fs::write(dir.path().join(name), "{\"duration_s\": 20, \"traffic\": {\"rate_per_s\": 5}}").unwrap();
    let out = ftsim(dir.path(), &["run", name, "--seed", "3", "--out", "first", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = |run: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap()
    };
    let rerun = report(&dir.path().join("first"))["rerun"].as_str().unwrap().to_string();
    let file = std::fs::canonicalize(dir.path().join(name)).unwrap();
    let words = shlex::split(&rerun).unwrap_or_else(|| panic!("not shell words: {rerun}"));
    assert_eq!(words, ["ftsim", "run", file.to_str().unwrap(), "--seed", "3"], "{rerun}");
    // Run it as a user would paste it, from another directory, with ftsim on the PATH.
    let elsewhere = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ftsim")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let shell = Command::new("sh")
        .args(["-c", &format!("{rerun} --out again -q")])
        .current_dir(elsewhere.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(shell.status.code(), Some(0), "{}", text(&shell.stderr));
    assert_eq!(report(&elsewhere.path().join("again")), report(&dir.path().join("first")));
}

/// A bundled scenario is named by its name in `rerun`, with the seed.
#[test]
fn rerun_of_a_bundled_scenario_names_it() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ftsim(dir.path(), &["run", "replica-crash", "--out", "r", "-q"]).status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(report["rerun"], "ftsim run replica-crash --seed 1");
}

/// Issue 10 §5: two scenario files without a `name` no longer share output/scenario/: the
/// default name is the file's stem (made a valid name: other characters become `_`).
#[test]
fn a_scenario_without_a_name_is_named_after_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "{\"duration_s\": 10, \"traffic\": {\"rate_per_s\": 5}}";
    for file in ["first.json", "second.json", "a b;c.json"] {
        std::fs::write(dir.path().join(file), scenario).unwrap();
        let out = ftsim(dir.path(), &["run", file, "-q"]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
    }
    for name in ["first", "second", "a_b_c"] {
        let report = std::fs::read(dir.path().join("output").join(name).join("report.json")).unwrap();
        let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
        assert_eq!(report["scenario_name"], name);
    }
    let out = ftsim(dir.path(), &["validate", "first.json"]);
    assert_eq!(text(&out.stdout), "first.json: ok (first, 0 faults)\n");
}

/// Issue 10 §5: a mistyped bundled scenario name or field name gets a suggestion.
#[test]
fn a_mistyped_name_gets_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["run", "replica-crsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `replica-crash`?"), "{}", text(&out.stderr));
    let out = ftsim(dir.path(), &["scenarios", "--show", "redis-outgae"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `redis-outage`?"), "{}", text(&out.stderr));
    let out = ftsim(dir.path(), &["run", "something-else-entirely"]);
    assert!(!text(&out.stderr).contains("did you mean"), "{}", text(&out.stderr));

    std::fs::write(dir.path().join("typo.json"), "{\"serve\": {\"num_replica\": 3}}").unwrap();
    let out = ftsim(dir.path(), &["validate", "typo.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("ftsim: typo.json:1:"), "{err}");
    assert!(err.contains("unknown field `num_replica`, expected one of"), "{err}");
    assert!(err.trim_end().ends_with("; did you mean `num_replicas`?"), "{err}");
}

/// Issue 10 §5: `--format json` prints report.json's own summary, slo and faults, with the
/// scenario name, seed, run directory and verdict, so CI reads it without parsing text.
#[test]
fn format_json_prints_the_reports_summary_as_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["run", "head-pod-crash-no-gcs-ft", "--out", "r", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    for field in ["summary", "slo", "faults", "scenario_name", "seed", "rerun", "mode", "ftsim_version"] {
        assert_eq!(printed[field], report[field], "{field}");
    }
    assert_eq!(printed["run_dir"], "r");
    assert_eq!(printed["verdict"], "violated");
    let out = ftsim(dir.path(), &["run", "replica-crash", "--out", "s", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["verdict"], "holds");
    let out = ftsim(dir.path(), &["run", "replica-crash", "--format", "json", "-q"]);
    assert_eq!(out.status.code(), Some(2), "--quiet and --format json are exclusive");
}

/// `ftsim completions SHELL` prints a completion script that knows the subcommands.
#[test]
fn completions_are_printed_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = ftsim(dir.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains("compare") && script.contains("scenarios"), "{shell}: {script}");
    }
    assert_eq!(ftsim(dir.path(), &["completions", "tcsh"]).status.code(), Some(2));
}

/// `compare --format json` prints the output directory and each run's summary as `run` does.
#[test]
fn compare_format_json_prints_each_runs_summary() {
    let dir = tempfile::tempdir().unwrap();
    for (name, out) in [("replica-crash", "a"), ("head-pod-crash-no-gcs-ft", "b")] {
        assert!(matches!(ftsim(dir.path(), &["run", name, "--out", out, "-q"]).status.code(), Some(0 | 1)));
    }
    let out = ftsim(dir.path(), &["compare", "a", "b", "--out", "c", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(printed["compare_dir"], "c");
    for (i, run) in ["a", "b"].iter().enumerate() {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(run).join("report.json")).unwrap()).unwrap();
        assert_eq!(printed["runs"][i]["run_dir"], *run);
        assert_eq!(printed["runs"][i]["summary"], report["summary"]);
    }
    assert_eq!(printed["runs"][1]["verdict"], "violated");
}

/// Issue 12 §3: `ftsim mc`'s bad arguments (clap value parsers) and scenario errors, located as
/// in `ftsim run`.
#[test]
fn mc_bad_arguments_exit_2_with_a_clear_message_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 8] = [
        (&["mc", "--runs", "0"], "invalid value '0' for '--runs <N>'"),
        (&["mc", "--runs", "-3"], "invalid value '-3' for '--runs <N>'"),
        (&["mc"], "--runs <N>"),
        (&["mc", "--runs", "2", "--threads", "0"], "invalid value '0' for '--threads <T>'"),
        (&["mc", "--runs", "2", "--until-ci", "-0.1"], "between 0 and 1"),
        (&["mc", "--runs", "2", "--until-ci", "1"], "between 0 and 1"),
        (&["mc", "--runs", "2", "--until-ci", "x"], "`x` is not a number"),
        (&["mc", "no-such-scenario", "--runs", "2"], "no such file, and no bundled scenario of that name"),
    ];
    for (args, message) in cases {
        let out = ftsim(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(message), "{args:?}: {}", text(&out.stderr));
    }
    std::fs::write(dir.path().join("bad.json"), "{\n  \"duration_s\": -5\n}\n").unwrap();
    let out = ftsim(dir.path(), &["mc", "bad.json", "--runs", "2", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("ftsim: bad.json:2:"), "located as in ftsim run: {}", text(&out.stderr));
    assert!(!dir.path().join("r").exists() && !dir.path().join("output").exists(), "nothing written");
}

/// `ftsim live SCENARIO --dry-run` exits 2 with every one of `needles` in its error.
fn live_refuses(scenario: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["live", scenario, "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for needle in needles {
        assert!(stderr.contains(needle), "{stderr}");
    }
}

#[test]
fn live_mode_plans_gpus_but_refuses_a_fraction_of_one_on_a_pod_with_exit_2() {
    // Ray's logical resources: each pod's `ray start` offers its group's, `--num-gpus` whole ones.
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["live", "gpu-worker-loss", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("offers 2 GPUs"), "{}", text(&out.stdout));
    let half = dir.path().join("half.json");
    std::fs::write(&half, r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 2, "num_gpus": 0.5}]}}"#)
        .unwrap();
    live_refuses(half.to_str().unwrap(), &["cluster.worker_groups[0].num_gpus: 0.5 GPUs", "takes whole GPUs"]);
}

#[test]
fn live_mode_plans_a_network_partition_on_pod_networks_but_not_in_the_hosts_network() {
    // The pods' networks (a bridge, veth pairs) are made only inside live mode's own namespace.
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["live", "worker-node-partition", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("pod small-group-2 cut off from the other pods"), "{}", text(&out.stdout));
    let out = ftsim(dir.path(), &["live", "worker-node-partition", "--dry-run", "--shared-network"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("faults[0]: a network_partition needs each pod in a network of its own"), "{stderr}");
    assert!(stderr.contains("drop --shared-network"), "{stderr}");
}

#[test]
fn live_mode_refuses_a_node_unreachable_with_exit_2() {
    live_refuses("worker-node-unreachable", &["faults[0]: a node_unreachable cannot run live", "not a cut network"]);
}

#[test]
fn live_mode_plans_several_node_pools_and_a_zone_outage() {
    // The local cluster's nodes are the orchestrator's own bookkeeping: pools and zones too.
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["live", "zone-outage", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("zone_outage"), "{plan}");
}

#[test]
fn several_applications_run_mc_and_plan_live() {
    let dir = tempfile::tempdir().unwrap();
    let two = r#"{"serve": {"applications": [{"name": "light", "route_prefix": "/light", "share": 0.2, "num_replicas": 2},
        {"name": "heavy", "route_prefix": "/heavy", "share": 0.8}]}}"#;
    std::fs::write(dir.path().join("two.json"), two).unwrap();
    let out = ftsim(dir.path(), &["validate", "two.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for (args, report) in [
        (&["run", "two.json", "--out", "r", "-q"][..], "r/report.json"),
        (&["mc", "two.json", "--runs", "2", "--out", "m"][..], "m/mc.json"),
    ] {
        let out = ftsim(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert!(dir.path().join(report).exists(), "{args:?} wrote no {report}");
    }
    // Live mode deploys both (it used to refuse several applications with exit 2).
    let out = ftsim(dir.path(), &["live", "two.json", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("Serve app light (application light at /light, 0.2 of the requests): 2 replicas"), "{plan}");
    assert!(plan.contains("Serve app heavy (application heavy at /heavy, 0.8 of the requests): 6 replicas"), "{plan}");
}

/// Serve autoscaling runs live (Ray Serve's own autoscaler; it used to be refused with exit 2);
/// KubeRay's Ray autoscaler does not (tests/cluster_autoscaling.rs).
#[test]
fn live_mode_plans_serve_autoscaling() {
    let dir = tempfile::tempdir().unwrap();
    let out = ftsim(dir.path(), &["live", "autoscaling-peak", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("Serve's autoscaler from 2 replicas (2 to 10, 2 ongoing requests per replica"), "{plan}");
}
