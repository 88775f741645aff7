//! events.log: one line per state change, in simulated time.
//!
//! Line format: `<seconds with 6 decimals> <component> <name>: <what happened>`, e.g.
//! `60.000000 replica SleepyPid#3: RUNNING -> DEAD (fault #1 replica_crash)`.
//!
//! The simulator drains the log into its output file after every event, live mode after every
//! step of its timeline ([`EventLog::drain_to`]), so that the text held in memory is one step's
//! lines, however long the run.

use std::fmt::Write;

use crate::engine::SimTime;

/// An append-only text log of state changes (see [`EventLog::drain_to`]).
#[derive(Debug, Default)]
pub struct EventLog {
    /// Lines logged since the last drain.
    text: String,
}

impl EventLog {
    /// Appends one line.
    pub fn line(&mut self, at: SimTime, component: &str, name: &str, what: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.text, "{at:>12} {component} {name}: {what}");
    }

    /// Writes the lines logged since the last drain to `out` and forgets them.
    pub fn drain_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }
}
