//! A live run rehearsed on the [`FakeCluster`] in virtual time: the orchestrator's whole logic,
//! the same timeline a real run follows, in milliseconds.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::fake::FakeCluster;
use super::load::Endpoints;
use super::orchestrator::{Observed, Orchestrator};
use crate::scenario::Scenario;

/// What a rehearsal did.
pub struct Rehearsal {
    /// The orchestrator's outcome (levels and fault records, or why it stopped).
    pub result: Result<Observed, LiveError>,
    /// The events.log it wrote.
    pub events_log: String,
    /// Every action on the cluster, with its time from the start of the load.
    pub actions: Vec<(Duration, Action)>,
}

/// Runs `sc`'s live timeline on `fake` (prepared by the caller, not started) until the scenario's
/// duration has passed, or `stop` is set.
pub fn rehearse(sc: &Scenario, mut fake: FakeCluster, stop: &AtomicBool) -> Result<Rehearsal, LiveError> {
    fake.start(sc)?;
    let clock = Box::new(fake.clock());
    let endpoints = Arc::new(Mutex::new(Endpoints::default()));
    let until = Duration::from(sc.duration);
    let mut log = Vec::new();
    let result = Orchestrator::new(sc, &mut fake, endpoints, clock)?.run(until, stop, || true, &mut log);
    let events_log = String::from_utf8(log).map_err(|e| LiveError::Io(format!("events.log is not UTF-8: {e}")))?;
    Ok(Rehearsal { result, events_log, actions: fake.actions })
}
