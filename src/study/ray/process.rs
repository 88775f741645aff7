//! The driver process: `python -m ftsim_ray` in its own process group, its package and log in
//! a private temporary directory, its events read on a thread. It is stopped on every exit path:
//! closing its stdin ends it in order; on drop it gets SIGTERM, then SIGKILL if it lingers.

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::Serialize;

use super::RayError;
use super::package::{FILES, PACKAGE};
use super::protocol::Event;
use crate::live::STOP_CHECK;
use crate::live::helper::{PythonModule, wait_or_kill};
use crate::live::local_ray::write_package;

/// How long the driver has to disconnect from the cluster and exit after its stdin closes.
const EXIT_GRACE: Duration = Duration::from_secs(30);

/// Lines of the driver's log quoted when it exits unexpectedly.
const LOG_TAIL_LINES: usize = 12;

/// A running driver.
pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<String>,
    stop: Arc<AtomicBool>,
    /// The package and the log; removed on drop, after the process is gone.
    dir: tempfile::TempDir,
}

impl Driver {
    /// Writes the package to a new temporary directory and starts `python -m ftsim_ray` there
    /// ([`PythonModule`]), its stderr into a log beside it. Waiting for an event gives up once `stop` is set.
    pub fn spawn(python: &Path, stop: Arc<AtomicBool>) -> Result<Driver, RayError> {
        let env = |e: &dyn std::fmt::Display| RayError::Environment(e.to_string());
        let dir = tempfile::Builder::new().prefix("ftsim-ray-").tempdir().map_err(|e| env(&e))?;
        write_package(dir.path(), PACKAGE, FILES).map_err(|e| env(&e))?;
        // Absolute: the driver runs in its package's directory, not in ours.
        let python = std::path::absolute(python).map_err(|e| env(&e))?;
        let log = dir.path().join("driver.log");
        let PythonModule { child, stdin, lines: events } = PythonModule::spawn(&python, dir.path(), PACKAGE, &log)
            .map_err(|e| RayError::Environment(e.to_string()))?;
        Ok(Driver { child, stdin, events, stop, dir })
    }

    /// Sends one request line.
    pub fn send(&mut self, request: &impl Serialize) -> Result<(), RayError> {
        let line = serde_json::to_string(request).expect("a request serializes");
        let gone = |e: &dyn std::fmt::Display| RayError::Driver(format!("the Ray driver is gone ({e})"));
        let stdin = self.stdin.as_mut().ok_or_else(|| gone(&"its stdin is closed"))?;
        writeln!(stdin, "{line}").and_then(|()| stdin.flush()).map_err(|e| gone(&e))
    }

    /// The next event; [`RayError::Interrupted`] once `stop` is set, [`RayError::Driver`] when
    /// the driver exits without one or writes something unreadable.
    pub fn next_event(&mut self) -> Result<Event, RayError> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(RayError::Interrupted);
            }
            match self.events.recv_timeout(STOP_CHECK) {
                Ok(line) => {
                    return serde_json::from_str(&line)
                        .map_err(|e| RayError::Driver(format!("unreadable event from the Ray driver ({e}): {line}")));
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = wait_or_kill(&mut self.child, EXIT_GRACE);
                    return Err(RayError::Driver(format!("the Ray driver exited unexpectedly; {}", self.log_tail())));
                }
            }
        }
    }

    /// The last lines of the driver's log, for a message.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("driver.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            return "it logged nothing".into();
        }
        format!("its log ends with:\n{}", lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n"))
    }

    /// Ends the driver in order: its stdin closed, it disconnects from the cluster and exits.
    pub fn close(mut self) {
        self.stdin = None;
        let _ = wait_or_kill(&mut self.child, EXIT_GRACE);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stdin = None;
        if matches!(self.child.try_wait(), Ok(None)) {
            // An error or Ctrl-C: no orderly end. Our own child leads its group, not yet reaped.
            let _ = killpg(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        }
        let _ = wait_or_kill(&mut self.child, Duration::from_secs(5));
    }
}
