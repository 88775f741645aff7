//! The run's own life: Ctrl-C, a second concurrent run, a missing environment, the dry run's
//! plan, and the diagnostics a failed check prints.

use std::process::Command;

use ftsim::live::PORT_SPAN;

use super::harness::*;

#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn ctrl_c_tears_everything_down() {
    let dir = tempfile::tempdir().unwrap();
    let (procs, tmps) = (count_processes(), temp_dirs());
    let mut child =
        ftsim_live(dir.path(), &["controller-crash", "--out", "run", "-q", "--base-port", "20000"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(30));
    // SAFETY: kill(2) with our own child's pid; no memory is touched.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let interrupted = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // The step under way (a pod's `ray start`, or the load) is abandoned, not awaited.
    let took = interrupted.elapsed();
    assert!(took < std::time::Duration::from_secs(40), "Ctrl-C took {took:?} to tear down");
    assert_eq!(count_processes(), procs, "processes left behind");
    assert!(listening_ports_in(20000, 20000 + PORT_SPAN - 1).is_empty(), "ports left bound");
    assert_eq!(temp_dirs(), tmps, "temporary directories left behind");
    assert!(!dir.path().join("run").exists(), "an interrupted run writes no report");
}

/// Only one live run at a time: the second fails at once with a clear message.
#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh); run by scripts/test.sh"]
fn a_second_concurrent_run_fails_fast() {
    let lock = std::fs::File::options().create(true).truncate(false).write(true).open("/tmp/ftsim-live.lock").unwrap();
    lock.try_lock().expect("no live run in progress");
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let out = ftsim_live(dir.path(), &["replica-crash", "--out", "run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another ftsim live run is in progress"));
    assert!(start.elapsed().as_secs() < 30);
}

/// Without the virtualenv, the error says the one command to run (no cluster is needed).
#[test]
fn a_missing_environment_names_the_setup_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ftsim"))
        .args(["live", "replica-crash"])
        .env("FTSIM_LIVE_VENV", dir.path().join("nope"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no live virtualenv") && err.contains("bash scripts/setup-live.sh"), "{err}");
}

/// `--dry-run` prints the plan and starts nothing.
#[test]
fn dry_run_prints_the_plan_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let procs = count_processes();
    let out = Command::new(env!("CARGO_BIN_EXE_ftsim"))
        .args(["live", "head-pod-crash-gcs-ft", "--dry-run"])
        .env("FTSIM_LIVE_VENV", dir.path().join("nope"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("at 60.000000 s: SIGKILL of pod head's process tree"), "{plan}");
    assert!(plan.contains("at 65.000000 s: ray start --head"), "{plan}");
    assert!(plan.contains("dry run: nothing was started"));
    assert_eq!(count_processes(), procs);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

/// A failed live check prints the seconds with failures and their causes, and Serve's error
/// lines (no cluster is needed).
#[test]
fn diagnostics_name_the_failed_seconds_and_serves_errors() {
    let dir = tempfile::tempdir().unwrap();
    let serve = dir.path().join("cluster/ray/s0/logs/serve");
    std::fs::create_dir_all(&serve).unwrap();
    std::fs::write(
        serve.join("proxy_127.0.0.2.log"),
        "INFO 2026-11-29 02:15:33,201 ok\nERROR 2026-11-29 02:16:32,814 proxy died: boom\n",
    )
    .unwrap();
    let ts = "t_start_s,failures,failed_proxy_unavailable,failed_timeout\n0,0,0,0\n1,3,2,1\n";
    let d = diagnostics(ts, dir.path());
    assert!(d.contains("  1 s: proxy_unavailable=2 timeout=1"), "{d}");
    assert!(!d.contains("  0 s:"), "{d}");
    assert!(
        d.contains("proxy_127.0.0.2.log: ERROR 2026-11-29 02:16:32,814 proxy died: boom") && !d.contains("INFO ok"),
        "{d}"
    );
}
