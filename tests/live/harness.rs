//! What every live test shares: `ftsim live` run on a shortened bundled scenario, the checks
//! that it left nothing behind and leaked no secret, one retry of a failed check, and readers of
//! the run's report, time series and events.

use super::common;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ftsim::live::PORT_SPAN;
use serde_json::Value;

/// Processes a live run may start, counted by command name.
pub(crate) const RAY_PROCESSES: [&str; 4] = ["raylet", "gcs_server", "redis-server", "ftsim_helper"];

pub(crate) fn count_processes() -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        if RAY_PROCESSES.iter().any(|p| cmdline.contains(p)) {
            n += 1;
        }
    }
    n
}

pub(crate) fn listening_ports_in(lo: u16, hi: u16) -> Vec<u16> {
    let mut ports = Vec::new();
    for f in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 3
                && cols[3] == "0A"
                && let Some(port) = cols[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok())
                && (lo..=hi).contains(&port)
            {
                ports.push(port);
            }
        }
    }
    ports
}

pub(crate) fn temp_dirs() -> usize {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("ftsim-live-")).count())
        .unwrap_or(0)
}

/// `ftsim live ARGS` in `dir`, with the repository's live virtualenv.
pub(crate) fn ftsim_live(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ftsim"));
    c.arg("live")
        .args(args)
        .env("FTSIM_LIVE_VENV", Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-live"))
        .current_dir(dir);
    c
}

/// The Redis password of every run here (through `FTSIM_REDIS_PASSWORD`).
pub(crate) const PASSWORD: &str = "live-test-Pw_5c1e0d9b";

/// Files under `root` whose bytes contain `needle`.
pub(crate) fn files_with(root: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

pub(crate) struct LiveRun {
    pub(crate) report: Value,
    pub(crate) events: String,
    pub(crate) timeseries: String,
    /// What a reader needs when a check fails: the seconds with failures, by cause, and the
    /// error lines of Serve's logs.
    pub(crate) diagnostics: String,
}

/// Runs `name` live (see [`live`]) and checks the guide's behaviour with `check`. A live run
/// shares this 2-core machine with whatever else runs on it, and a stall of the machine can
/// fail a run that Ray itself got right; so a failed check prints why, with the run's
/// diagnostics, and runs the scenario once more. The test fails when both runs fail the check.
/// The checks that nothing was left behind and that no secret leaked (in [`live`]) are never
/// retried.
pub(crate) fn live_checked(
    name: &str,
    base_port: u16,
    edit: impl Fn(common::Build) -> common::Build,
    check: impl Fn(&LiveRun) -> Result<(), String>,
) {
    let first = live(name, base_port, &edit);
    let Err(why) = check(&first) else { return };
    eprintln!(
        "live {name}, attempt 1 failed its check: {why}\n{}\nevents.log:\n{}\nrunning it once more",
        first.diagnostics, first.events
    );
    let second = live(name, base_port, &edit);
    if let Err(again) = check(&second) {
        panic!(
            "live {name} failed its check twice.\nattempt 1: {why}\nattempt 2: {again}\n{}\nevents.log:\n{}",
            second.diagnostics, second.events
        );
    }
}

/// The seconds with failed requests as ranges with their causes (from timeseries.csv), and the
/// lines of Serve's logs under `logs` that report an error.
pub(crate) fn diagnostics(timeseries: &str, logs: &Path) -> String {
    let mut lines = timeseries.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let mut out = String::from("seconds with failed requests (start, failures by cause):\n");
    if let (Some(t), Some(failed)) = (col("t_start_s"), col("failures")) {
        for row in lines.map(|l| l.split(',').collect::<Vec<_>>()) {
            if row.get(failed).is_some_and(|f| *f != "0") {
                let causes: Vec<String> = header
                    .iter()
                    .zip(&row)
                    .filter(|(h, v)| h.starts_with("failed_") && **v != "0")
                    .map(|(h, v)| format!("{}={v}", &h["failed_".len()..]))
                    .collect();
                out += &format!("  {} s: {}\n", row[t], causes.join(" "));
            }
        }
    }
    out += "error lines of Serve's logs:\n";
    let mut stack = vec![logs.to_path_buf()];
    let mut found = Vec::new();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).into_iter().flatten().flatten().map(|e| e.path()));
        } else if p.to_string_lossy().contains("/serve/") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            for line in text.lines().filter(|l| l.starts_with("ERROR ") || l.starts_with("WARNING ")) {
                let at = line.split_whitespace().skip(1).take(2).collect::<Vec<_>>().join(" ");
                found.push((at, format!("  {name}: {line}")));
            }
        }
    }
    found.sort();
    found.truncate(60);
    out + &found.into_iter().map(|(_, l)| l).collect::<Vec<_>>().join("\n")
}

/// Runs `ftsim live` on a bundled scenario changed by `edit`; checks the run left nothing.
pub(crate) fn live(name: &str, base_port: u16, edit: impl Fn(common::Build) -> common::Build) -> LiveRun {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join(format!("{name}.json"));
    std::fs::write(&scenario, edit(common::Build::bundled(name)).json.to_string()).unwrap();
    let (procs, tmps) = (count_processes(), temp_dirs());
    let args = [scenario.to_str().unwrap(), "--out", "run", "-q", "--base-port", &base_port.to_string()];
    let child = ftsim_live(dir.path(), &args)
        .args(["--keep-logs", "logs"])
        .env("FTSIM_REDIS_PASSWORD", PASSWORD)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ftsim live");
    let running = Arc::new(AtomicBool::new(true));
    let watch = std::thread::spawn({
        let running = running.clone();
        move || {
            let (mut seen, mut exposed) = (Vec::new(), Vec::new());
            while running.load(Ordering::SeqCst) {
                seen.extend(common::command_lines_with(PASSWORD));
                exposed.extend(listening_ports_in(base_port, base_port + PORT_SPAN - 1));
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            (seen, exposed)
        }
    });
    let out = child.wait_with_output().expect("run ftsim live");
    running.store(false, Ordering::SeqCst);
    let (seen, mut exposed) = watch.join().unwrap();
    assert!(seen.is_empty(), "the Redis password was on command lines: {seen:?}");
    exposed.sort_unstable();
    exposed.dedup();
    assert!(exposed.is_empty(), "the cluster listened in the host's network (not private): {exposed:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(PASSWORD) && !String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
    let leaked = files_with(dir.path(), PASSWORD.as_bytes());
    assert!(leaked.is_empty(), "the Redis password is in {leaked:?}");
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "ftsim live failed: {stderr}");
    assert_eq!(count_processes(), procs, "processes left behind");
    assert!(listening_ports_in(base_port, base_port + PORT_SPAN - 1).is_empty(), "ports left bound");
    assert_eq!(temp_dirs(), tmps, "temporary directories left behind");
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("run/report.json")).unwrap()).unwrap();
    let events = std::fs::read_to_string(dir.path().join("run/events.log")).unwrap();
    let timeseries = std::fs::read_to_string(dir.path().join("run/timeseries.csv")).unwrap();
    assert_eq!(report["mode"], "live");
    let diagnostics = diagnostics(&timeseries, &dir.path().join("logs"));
    LiveRun { report, events, timeseries, diagnostics }
}

pub(crate) fn summary(r: &LiveRun, key: &str) -> f64 {
    r.report["summary"][key].as_f64().unwrap_or_else(|| panic!("no summary.{key}: {}", r.report))
}

/// (requests, failures) that arrived in the time-series buckets within [from, to) s.
pub(crate) fn requests_between(r: &LiveRun, from: f64, to: f64) -> (u64, u64) {
    let mut sums = (0, 0);
    for line in r.timeseries.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let start: f64 = cols[0].parse().unwrap();
        if start >= from && start < to {
            sums.0 += cols[2].parse::<u64>().unwrap();
            sums.1 += cols[4].parse::<u64>().unwrap();
        }
    }
    sums
}

/// `field` of the report's fault `i` (in injection order).
pub(crate) fn fault(r: &LiveRun, i: usize, field: &str) -> Option<f64> {
    r.report["faults"][i][field].as_f64()
}

/// The last time-series bucket's value of column `name`.
pub(crate) fn last_level(r: &LiveRun, name: &str) -> Option<u64> {
    let mut lines = r.timeseries.lines();
    let col = lines.next()?.split(',').position(|h| h == name)?;
    lines.last()?.split(',').nth(col)?.parse().ok()
}
