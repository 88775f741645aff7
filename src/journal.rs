//! events.log: one record per state change, written by the simulator and by live mode alike and
//! rendered here, once, as text.
//!
//! Line format: `<seconds with 6 decimals> <component> <name>: <what happened>`, e.g.
//! `60.000000 replica SleepyPid#3: RUNNING -> DEAD (fault #1 replica_crash)`.
//!
//! Both writers drain the journal into their output after every step (an event of the
//! simulator, a step of live mode's timeline: [`Journal::drain_to`]), so what is held in memory
//! is one step's records, however long the run.

use std::fmt;

use crate::engine::SimTime;

/// The part of the system a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// A Kubernetes node.
    Node,
    /// A Ray pod.
    Pod,
    /// A pod's raylet.
    Raylet,
    /// The GCS.
    Gcs,
    /// The GCS's Redis.
    Redis,
    /// The Serve controller actor.
    Controller,
    /// The Serve application as a whole.
    Serve,
    /// A Serve proxy.
    Proxy,
    /// A Serve replica.
    Replica,
    /// A Kubernetes Service endpoint (readiness).
    Endpoint,
    /// A cloud load balancer's backend (its health checks).
    LoadBalancer,
    /// The KubeRay operator.
    Kuberay,
    /// An injected fault.
    Fault,
    /// The simulator itself (end of run).
    Sim,
    /// Live mode's own actions on the real cluster.
    Live,
}

impl Component {
    /// The component's word in events.log.
    pub fn label(self) -> &'static str {
        match self {
            Component::Node => "node",
            Component::Pod => "pod",
            Component::Raylet => "raylet",
            Component::Gcs => "gcs",
            Component::Redis => "redis",
            Component::Controller => "controller",
            Component::Serve => "serve",
            Component::Proxy => "proxy",
            Component::Replica => "replica",
            Component::Endpoint => "endpoint",
            Component::LoadBalancer => "lb-backend",
            Component::Kuberay => "kuberay",
            Component::Fault => "fault",
            Component::Sim => "sim",
            Component::Live => "live",
        }
    }
}

/// One state change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// When, in run time.
    pub at: SimTime,
    /// Which part of the system.
    pub component: Component,
    /// Which one of them (pod name, replica name, fault number, ...).
    pub name: String,
    /// What happened.
    pub what: String,
}

impl fmt::Display for Record {
    /// The events.log line, without its newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}: {}", self.at, self.component.label(), self.name, self.what)
    }
}

/// The records logged since the last drain.
#[derive(Debug, Default)]
pub struct Journal {
    records: Vec<Record>,
}

impl Journal {
    /// Appends one record.
    pub fn record(&mut self, at: SimTime, component: Component, name: &str, what: fmt::Arguments<'_>) {
        self.records.push(Record { at, component, name: name.to_string(), what: what.to_string() });
    }

    /// Writes the records logged since the last drain to `out`, one line each, and forgets them.
    pub fn drain_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for r in self.records.drain(..) {
            writeln!(out, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_renders_as_one_line() {
        let mut j = Journal::default();
        let at = SimTime::from_micros(60_000_000);
        j.record(at, Component::Replica, "SleepyPid#3", format_args!("RUNNING -> DEAD (fault #1)"));
        let mut out = Vec::new();
        j.drain_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "60.000000 replica SleepyPid#3: RUNNING -> DEAD (fault #1)\n");
        let mut again = Vec::new();
        j.drain_to(&mut again).unwrap();
        assert!(again.is_empty(), "a drain forgets what it wrote");
    }
}
