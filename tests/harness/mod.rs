//! Runs the real `ftsim` binary the way a user does: in a directory of its own, with a hang
//! guard, capturing its exit code and output. Shared by the integration tests that treat ftsim
//! as a black box (bad input, output safety).

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest a single invocation may take before a test calls it a hang. Generous: a debug build
/// on a busy 2-core machine; every case here finishes in well under a second.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

/// A hung process is killed after this, so that a hang fails the test instead of stalling it.
const KILL_AFTER: Duration = Duration::from_secs(60);

/// What one invocation did.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code; `None` when killed by a signal or by the hang guard.
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// Wall-clock time from spawn to exit.
    pub elapsed: Duration,
}

impl Outcome {
    /// Whether standard error shows a panic.
    pub fn panicked(&self) -> bool {
        self.stderr.contains("panicked") || self.stderr.contains("RUST_BACKTRACE")
    }
}

/// The ftsim command with `args`, run in `dir`, without a backtrace setting of the caller's.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ftsim"));
    cmd.args(args).current_dir(dir).env_remove("RUST_BACKTRACE").stdin(Stdio::null());
    cmd
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child`, killing it after [`KILL_AFTER`]; returns its exit code if it exited.
fn wait_guarded(child: &mut Child, start: Instant) -> Option<i32> {
    loop {
        if let Some(status) = child.try_wait().expect("wait for ftsim") {
            return status.code();
        }
        if start.elapsed() > KILL_AFTER {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmd` (stdout and stderr are captured here) to completion or to the kill deadline.
pub fn run(mut cmd: Command) -> Outcome {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn ftsim");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let code = wait_guarded(&mut child, start);
    let elapsed = start.elapsed();
    Outcome { code, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap(), elapsed }
}

/// `ftsim ARGS` in `dir`.
pub fn ftsim(dir: &Path, args: &[&str]) -> Outcome {
    run(command(dir, args))
}

/// Every file and directory below `root` (relative paths, sorted), with the bytes of each file;
/// two snapshots are equal when nothing below `root` was created, removed or changed.
pub fn snapshot(root: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read_dir entry").path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                todo.push(path);
                out.push((rel, None));
            } else {
                out.push((rel, Some(std::fs::read(&path).unwrap_or_default())));
            }
        }
    }
    out.sort();
    out
}

/// A small valid scenario that runs in well under a second in a debug build.
pub const SMALL_SCENARIO: &str = r#"{
  "name": "small",
  "duration_s": 30,
  "traffic": { "rate_per_s": 5 },
  "faults": [{ "kind": "replica_crash", "at_s": 10, "target": "SleepyPid#2" }]
}"#;
