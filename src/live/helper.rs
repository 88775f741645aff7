//! The supervisor of the Python helper (the package `python/ftsim_helper`, run as
//! `python -m ftsim_helper`): spawns it in its own process group, speaks its JSON-lines protocol
//! over stdin/stdout (typed in [`super::protocol`]), redacts secrets from everything it reports,
//! and tears it down on
//! every exit path: an orderly `shutdown`, or on drop (error, panic) closing its stdin — the
//! helper then kills everything it started — and, if it does not exit within a minute,
//! SIGKILL of its process group. Ctrl-C (the `stop` flag) interrupts a call within 0.1 s, even a
//! long one such as starting a pod: the helper is then sent SIGTERM, on which it tears down too.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::Value;

use super::protocol::{self, Command, Response, Shutdown, ShutdownReply};
use super::{LiveError, STOP_CHECK};

/// A running helper process.
pub struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: u64,
    secrets: Vec<String>,
    shut_down: bool,
    /// Set by Ctrl-C.
    stop: Arc<AtomicBool>,
    /// A call was abandoned on Ctrl-C: the helper is busy and gets SIGTERM instead of commands.
    interrupted: bool,
}

/// Replaces every secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().filter(|s| !s.is_empty()).fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

/// A Python package's module run as a child: `python -m MODULE` in its own process group, its
/// stdout read line by line on a thread.
pub struct PythonModule {
    /// The process (the leader of its process group).
    pub child: Child,
    /// Its stdin.
    pub stdin: Option<ChildStdin>,
    /// Its stdout's lines; disconnected once it closes.
    pub lines: Receiver<String>,
}

impl PythonModule {
    /// Starts `python -m module` in a new process group, with the package's parent directory
    /// `package_root` as its working directory and first on its `PYTHONPATH`, its stderr
    /// appended to `log`.
    pub fn spawn(python: &Path, package_root: &Path, module: &str, log: &Path) -> Result<PythonModule, LiveError> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| LiveError::Io(format!("cannot open {}: {e}", log.display())))?;
        let python_path = std::env::join_paths(
            std::iter::once(package_root.to_path_buf())
                .chain(std::env::var_os("PYTHONPATH").iter().flat_map(std::env::split_paths)),
        )
        .map_err(|e| LiveError::Environment(format!("cannot set PYTHONPATH: {e}")))?;
        let mut child = std::process::Command::new(python)
            .args(["-m", module])
            .current_dir(package_root)
            .env("PYTHONPATH", python_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .process_group(0)
            .spawn()
            .map_err(|e| LiveError::Environment(format!("cannot start {}: {e}", python.display())))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(PythonModule { child, stdin, lines })
    }
}

impl Helper {
    /// Starts `python -m ftsim_helper` in a new process group, with the package's parent
    /// directory `package_root` as its working directory and first on its `PYTHONPATH`, its
    /// stderr appended to `log`. Calls give up with [`LiveError::Interrupted`] once `stop` is set.
    pub fn spawn(
        python: &Path,
        package_root: &Path,
        log: &Path,
        secrets: Vec<String>,
        stop: Arc<AtomicBool>,
    ) -> Result<Self, LiveError> {
        let PythonModule { child, stdin, lines } = PythonModule::spawn(python, package_root, "ftsim_helper", log)?;
        Ok(Helper { child, stdin, lines, next_id: 1, secrets, shut_down: false, stop, interrupted: false })
    }

    /// The helper's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one command and waits for its typed result.
    pub fn request<C: Command>(&mut self, cmd: &C, timeout: Duration) -> Result<C::Reply, LiveError> {
        let result = self.call(C::NAME, |id| protocol::request_line(id, cmd), timeout)?;
        serde_json::from_value(result).map_err(|e| {
            LiveError::Helper(format!("{}: unexpected result ({})", C::NAME, redact(&e.to_string(), &self.secrets)))
        })
    }

    /// Sends the request line `line(id)` and waits for its response's result.
    fn call(&mut self, cmd: &str, line: impl FnOnce(u64) -> String, timeout: Duration) -> Result<Value, LiveError> {
        if self.interrupted || self.stop.load(Ordering::SeqCst) {
            self.interrupted = true;
            return Err(LiveError::Interrupted);
        }
        let id = self.next_id;
        self.next_id += 1;
        let line = line(id);
        let stdin = self.stdin.as_mut().ok_or_else(|| LiveError::Helper("the helper's stdin is closed".into()))?;
        writeln!(stdin, "{line}")
            .and_then(|_| stdin.flush())
            .map_err(|e| LiveError::Helper(format!("{cmd}: the helper is gone ({e})")))?;
        let deadline = Instant::now() + timeout;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                self.interrupted = true;
                return Err(LiveError::Interrupted);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(STOP_CHECK)) {
                Ok(resp) => {
                    let unreadable = |e: &dyn std::fmt::Display| {
                        LiveError::Helper(format!("{cmd}: unreadable response ({e}): {}", redact(&resp, &self.secrets)))
                    };
                    let r: Response = serde_json::from_str(&resp).map_err(|e| unreadable(&e))?;
                    if r.id != Some(id) {
                        continue; // a late answer to an earlier, timed-out request
                    }
                    return match r.outcome().map_err(|e| unreadable(&e))? {
                        Ok(result) => Ok(result),
                        Err(msg) => Err(LiveError::Helper(format!("{cmd}: {}", redact(&msg, &self.secrets)))),
                    };
                }
                Err(RecvTimeoutError::Timeout) if left <= STOP_CHECK => {
                    return Err(LiveError::Helper(format!("{cmd}: no answer within {timeout:?}")));
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LiveError::Helper(format!("{cmd}: the helper exited")));
                }
            }
        }
    }

    /// Orderly teardown: the helper kills everything it started and checks that no process or
    /// port is left; its verdict is returned, or `None` after Ctrl-C, when the helper was
    /// terminated instead and left nothing.
    pub fn shutdown(mut self) -> Result<Option<ShutdownReply>, LiveError> {
        if self.interrupted || self.stop.load(Ordering::SeqCst) {
            return self.terminate().map(|()| None);
        }
        let result = self.request(&Shutdown::default(), Duration::from_secs(120)).map(Some);
        self.shut_down = true;
        self.stdin = None;
        let _ = wait_or_kill(&mut self.child, Duration::from_secs(30));
        result
    }

    /// Teardown after Ctrl-C, when the helper may be busy with a command: SIGTERM makes it stop
    /// what it does and kill everything it started; its exit status says whether anything was
    /// left (1) or not (128 + SIGTERM).
    fn terminate(mut self) -> Result<(), LiveError> {
        self.shut_down = true;
        self.stdin = None;
        // Our own child, not yet reaped: the pid cannot have been reused.
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let status = wait_or_kill(&mut self.child, Duration::from_secs(120))
            .map_err(|e| LiveError::Helper(format!("waiting for the helper: {e}")))?;
        if status.and_then(|s| s.code()) == Some(1) {
            return Err(LiveError::Helper("teardown after Ctrl-C left processes; see the helper's log".into()));
        }
        Ok(())
    }
}

/// Waits for `child` up to `grace`, then SIGKILLs its process group (`child` must lead its own
/// group: spawned with `process_group(0)`); its exit status, when it exited by itself.
pub fn wait_or_kill(child: &mut Child, grace: Duration) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    kill_process_group(child.id());
    child.wait().map(|_| None)
}

/// SIGKILL to the process group `pgid`: the group that `process_group(0)` created for our own
/// child, never anything else.
fn kill_process_group(pgid: u32) {
    let _ = killpg(Pid::from_raw(pgid as i32), Signal::SIGKILL);
}

impl Drop for Helper {
    fn drop(&mut self) {
        if self.shut_down {
            return;
        }
        // EOF on stdin: the helper tears down everything it started, then exits.
        self.stdin = None;
        let _ = wait_or_kill(&mut self.child, Duration::from_secs(60));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_every_secret() {
        let s = vec!["s3cr3t".to_string(), String::new()];
        assert_eq!(redact("auth s3cr3t failed for s3cr3t", &s), "auth *** failed for ***");
    }
}
