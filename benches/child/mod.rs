//! Running `ftsim run` (the release binary) as a child process and reading its peak memory.

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `ftsim run FILE --out DIR -q` and returns (exit code, peak RSS in KiB), the peak from
/// `wait4`'s `ru_maxrss`.
#[allow(clippy::zombie_processes, reason = "reaped by wait4, which also reports its peak memory")]
pub fn run_child(file: &Path, out: &Path) -> (i32, i64) {
    let child = Command::new(env!("CARGO_BIN_EXE_ftsim"))
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn ftsim");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child, reaped here only.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; the pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    (code, usage.ru_maxrss)
}
