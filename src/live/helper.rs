//! The supervisor of the Python helper (`src/live/python/ftsim_ray_helper.py`): spawns it in its
//! own process group, speaks its JSON-lines protocol over stdin/stdout (specified in the
//! helper's module docstring), redacts secrets from everything it reports, and tears it down on
//! every exit path: an orderly `shutdown`, or on drop (error, panic) closing its stdin — the
//! helper then kills everything it started — and, if it does not exit within a minute,
//! SIGKILL of its process group.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::LiveError;

/// A running helper process.
pub struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: u64,
    secrets: Vec<String>,
    shut_down: bool,
}

/// Replaces every secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().filter(|s| !s.is_empty()).fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

impl Helper {
    /// Starts `python script` in a new process group, its stderr appended to `log`.
    pub fn spawn(python: &Path, script: &Path, log: &Path, secrets: Vec<String>) -> Result<Self, LiveError> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| LiveError::Io(format!("cannot open {}: {e}", log.display())))?;
        let mut child = Command::new(python)
            .arg(script)
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
        Ok(Helper { child, stdin, lines, next_id: 1, secrets, shut_down: false })
    }

    /// The helper's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one command and waits for its response.
    pub fn call(&mut self, cmd: &str, args: Value, timeout: Duration) -> Result<Value, LiveError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut req = match args {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        req.insert("id".into(), json!(id));
        req.insert("cmd".into(), json!(cmd));
        let line = serde_json::to_string(&Value::Object(req)).expect("request serializes");
        let stdin = self.stdin.as_mut().ok_or_else(|| LiveError::Helper("the helper's stdin is closed".into()))?;
        writeln!(stdin, "{line}")
            .and_then(|_| stdin.flush())
            .map_err(|e| LiveError::Helper(format!("{cmd}: the helper is gone ({e})")))?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(resp) => {
                    let v: Value = serde_json::from_str(&resp).map_err(|e| {
                        LiveError::Helper(format!("{cmd}: unreadable response ({e}): {}", redact(&resp, &self.secrets)))
                    })?;
                    if v["id"] != json!(id) {
                        continue; // a late answer to an earlier, timed-out request
                    }
                    if v["ok"] == json!(true) {
                        return Ok(v["result"].clone());
                    }
                    let msg = v["error"].as_str().unwrap_or("unknown error");
                    return Err(LiveError::Helper(format!("{cmd}: {}", redact(msg, &self.secrets))));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(LiveError::Helper(format!("{cmd}: no answer within {timeout:?}")));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LiveError::Helper(format!("{cmd}: the helper exited")));
                }
            }
        }
    }

    /// Orderly teardown: the helper kills everything it started and checks that no process or
    /// port is left; its verdict is returned.
    pub fn shutdown(mut self) -> Result<Value, LiveError> {
        let result = self.call("shutdown", json!({}), Duration::from_secs(120));
        self.shut_down = true;
        self.stdin = None;
        let _ = wait_or_kill(&mut self.child, Duration::from_secs(30));
        result
    }
}

/// Waits for `child` up to `grace`, then SIGKILLs its process group.
fn wait_or_kill(child: &mut Child, grace: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    kill_process_group(child.id());
    child.wait().map(|_| ())
}

/// SIGKILL to the process group `pgid` (a group this process created).
fn kill_process_group(pgid: u32) {
    // SAFETY: kill(2) has no memory effects; a negative pid addresses the process group that
    // `Command::process_group(0)` created for our own child, never anything else.
    unsafe {
        libc::kill(-(pgid as i32), libc::SIGKILL);
    }
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
