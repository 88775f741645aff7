//! events.log: one line per state change, in simulated time.
//!
//! Line format: `<seconds with 6 decimals> <component> <name>: <what happened>`, e.g.
//! `60.000000 replica SleepyPid#3: RUNNING -> DEAD (fault #1 replica_crash)`.
//!
//! The simulator drains the log into its output file after every event ([`EventLog::drain_to`]),
//! so that the text held in memory is one event's lines, however long the run.

use std::fmt::Write;

use crate::engine::SimTime;

/// An append-only text log of state changes (see [`EventLog::drain_to`]).
#[derive(Debug, Default)]
pub struct EventLog {
    text: String,
    lines: u64,
}

impl EventLog {
    /// Appends one line.
    pub fn line(&mut self, at: SimTime, component: &str, name: &str, what: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.text, "{at:>12} {component} {name}: {what}");
        self.lines += 1;
    }

    /// The text logged and not yet drained.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines.
    pub fn len(&self) -> u64 {
        self.lines
    }

    /// True when nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Writes the lines logged since the last drain to `out` and forgets them.
    pub fn drain_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }

    /// Takes the text out.
    pub fn into_text(self) -> String {
        self.text
    }
}
