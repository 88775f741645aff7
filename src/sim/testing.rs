//! A world for unit tests: built from scenario JSON at its steady state, stepped event by event
//! or run until a time or a condition, with every component's state open to inspection.
//!
//! ```ignore
//! let mut t = TestWorld::new(r#"{ "faults": [{ "kind": "controller_crash", "at_s": 60 }] }"#);
//! t.run_until(secs(60));
//! assert_eq!(t.world().serve.controller.state, ControllerState::Dead);
//! let ready = t.run_until_true(|w| w.serve.controller.state == ControllerState::Running);
//! ```

use crate::engine::{SimDuration, SimTime};
use crate::metrics::observations::RequestRecord;

use super::event::Event;
use super::ids::PodId;
use super::k8s::Pod;
use super::serve::replica::Replica;
use super::world::{Sinks, World};

/// Simulated time `s` seconds after the start.
pub fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// Simulated time `ms` milliseconds after the start.
pub fn millis(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_micros(ms * 1_000)
}

/// A world under test, with the events log and the finished requests it has produced so far.
pub struct TestWorld {
    world: World,
    events_log: Vec<u8>,
    requests: Vec<RequestRecord>,
}

impl TestWorld {
    /// The steady-state world of the scenario in `json` (every default filled in as for
    /// `ftsim run`). Panics with the scenario's errors when it is invalid.
    pub fn new(json: &str) -> Self {
        let loaded = crate::scenario::parse(json, "test.json").unwrap_or_else(|e| panic!("bad test scenario: {e:?}"));
        let mut world = World::new(loaded.scenario);
        world.init_steady_state();
        let mut t = TestWorld { world, events_log: Vec::new(), requests: Vec::new() };
        t.flush();
        t
    }

    /// The guide's cluster (head on node-1, small-group-1 on node-2, small-group-2 on node-3,
    /// six replicas, GCS fault tolerance, traffic pinned to small-group-1) for 600 s, with the
    /// scenario keys `extra` added (`"faults": [...]`, ...); one request a second unless `extra`
    /// sets `"traffic"`.
    pub fn guide(extra: &str) -> Self {
        let traffic = if extra.contains(r#""traffic""#) { "" } else { r#", "traffic": { "rate_per_s": 1 }"# };
        let sep = if extra.is_empty() { "" } else { "," };
        TestWorld::new(&format!(r#"{{ "duration_s": 600{traffic}{sep} {extra} }}"#))
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world, to call a transition directly.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Simulated time now.
    pub fn now(&self) -> SimTime {
        self.world.now
    }

    /// Processes the next event (as a run does, invariants checked); `None` when none is left.
    pub fn step(&mut self) -> Option<(SimTime, Event)> {
        let done = self.world.step();
        self.flush();
        done
    }

    /// Processes every event scheduled up to and including `t`; time is then `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.world.next_event_time().is_some_and(|next| next <= t) {
            self.step();
        }
        self.world.now = self.world.now.max(t);
    }

    /// Steps until `cond` holds after an event, and returns that event's time. Panics if the
    /// queue runs dry or an hour of simulated time passes first.
    pub fn run_until_true(&mut self, cond: impl Fn(&World) -> bool) -> SimTime {
        let limit = self.now() + SimDuration::from_secs(3_600);
        while let Some((t, _)) = self.step() {
            if cond(&self.world) {
                return t;
            }
            assert!(t < limit, "condition still false at {t}");
        }
        panic!("no event left; condition still false at {}", self.now());
    }

    /// The events log so far.
    pub fn log(&self) -> &str {
        std::str::from_utf8(&self.events_log).expect("events.log is UTF-8")
    }

    /// The time of the first events-log line at or after `from` whose text contains every
    /// one of `parts`; panics naming them when there is none.
    pub fn logged_at(&self, from: SimTime, parts: &[&str]) -> SimTime {
        self.log()
            .lines()
            .filter_map(|line| {
                let (t, rest) = line.split_once(' ')?;
                let (s, us) = t.split_once('.')?;
                let t = SimTime::ZERO
                    + SimDuration::from_micros(s.parse::<u64>().ok()? * 1_000_000 + us.parse::<u64>().ok()?);
                (t >= from && parts.iter().all(|p| rest.contains(p))).then_some(t)
            })
            .next()
            .unwrap_or_else(|| panic!("no events.log line after {from} with {parts:?} in:\n{}", self.log()))
    }

    /// Finished requests so far, in arrival order.
    pub fn requests(&self) -> &[RequestRecord] {
        &self.requests
    }

    /// The pod named `name`.
    pub fn pod(&self, name: &str) -> &Pod {
        &self.world.k8s.pods[self.pod_id(name).ix()]
    }

    /// The id of the pod named `name`.
    pub fn pod_id(&self, name: &str) -> PodId {
        let i = self.world.k8s.pods.iter().position(|p| p.name == name);
        PodId(i.unwrap_or_else(|| panic!("no pod {name}")) as u32)
    }

    /// The replica named `name`.
    pub fn replica(&self, name: &str) -> &Replica {
        let i = self.world.serve.replicas.iter().position(|r| r.name == name);
        &self.world.serve.replicas[i.unwrap_or_else(|| panic!("no replica {name}"))]
    }

    fn flush(&mut self) {
        let mut out = Sinks { events_log: &mut self.events_log, requests: &mut self.requests };
        self.world.flush(&mut out).expect("events.log in memory");
    }
}

mod tests {
    use super::*;
    use crate::sim::k8s::PodPhase;

    #[test]
    fn a_world_starts_at_steady_state_and_steps_in_time_order() {
        let mut t = TestWorld::new(r#"{ "traffic": { "rate_per_s": 1 } }"#);
        assert_eq!(t.now(), SimTime::ZERO);
        assert!(["head", "small-group-1", "small-group-2"].iter().all(|p| t.pod(p).phase == PodPhase::Running));
        assert_eq!(t.world().serve.replicas.len(), 6);
        let mut last = SimTime::ZERO;
        for _ in 0..50 {
            let (at, _) = t.step().expect("events");
            assert!(at >= last);
            last = at;
        }
        t.run_until(secs(30));
        assert_eq!(t.now(), secs(30));
        assert!(t.world().next_event_time().is_some_and(|n| n > secs(30)));
        assert!(t.requests().len() >= 20, "about 30 requests in 30 s at 1/s");
    }
}
