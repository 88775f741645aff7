//! The live run's timeline: injects the scenario's faults at their times and plays the parts of
//! the Kubernetes machinery the local cluster lacks — KubeRay recreating a deleted pod (after the
//! scenario's `pod_start_s`, or after garbage collection and node provisioning for a lost node),
//! the kubelet restarting a crashed container (first at once, then with back-off), RayService
//! resubmitting the application to an empty cluster — with the same delays as the simulator.
//! Between actions it polls the cluster once a second into the same level series, events log
//! and fault records the simulator produces.
//!
//! Each part owns its state: [`timeline`] the clock and the scheduled tasks, `operators` the
//! pods as Kubernetes, the kubelet, KubeRay and RayService see them, `injection` the faults'
//! random streams and what they armed, `observation` the polls, levels, detection and the
//! events log, `service` the Service's readiness probes and endpoints, `load_balancer` a cloud
//! load balancer's health checks and backends.

mod aliases;
mod changes;
mod injection;
mod load_balancer;
mod observation;
mod operators;
mod service;
pub mod timeline;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::load::Endpoints;
use super::snapshot::Snapshot;
use crate::engine::SimTime;
use crate::journal::Component;
use crate::metrics::observations::{FaultRecord, Levels};
use crate::scenario::Scenario;

use injection::Injection;
use observation::Observation;
use operators::Operators;
use timeline::{Clock, Schedule, Task, sim_time};

/// How often the cluster is polled.
pub const POLL: Duration = Duration::from_secs(1);

/// Everything the timeline observed.
pub struct Observed {
    /// Component levels at each change.
    pub levels: Vec<(SimTime, Levels)>,
    /// One record per injected fault.
    pub faults: Vec<FaultRecord>,
    /// Every action taken on the cluster, with its time, its pods named as the simulator names
    /// them.
    pub actions: Vec<(SimTime, Action)>,
}

/// Drives one live run.
pub struct Orchestrator<'a> {
    sc: &'a Scenario,
    adapter: &'a mut dyn ClusterAdapter,
    clock: Box<dyn Clock + 'a>,
    endpoints: Arc<Mutex<Endpoints>>,
    schedule: Schedule,
    ops: Operators,
    inj: Injection,
    obs: Observation,
    /// The cloud load balancer, with a load-balancer ingress.
    lb: Option<load_balancer::LiveLb>,
}

impl<'a> Orchestrator<'a> {
    /// A timeline for `sc` on a started cluster, following `clock` (zero: the start of the
    /// load): its scripted faults and those its failure processes draw for its seed, as the
    /// simulator injects them.
    pub fn new(
        sc: &'a Scenario,
        adapter: &'a mut dyn ClusterAdapter,
        endpoints: Arc<Mutex<Endpoints>>,
        clock: Box<dyn Clock + 'a>,
    ) -> Result<Self, LiveError> {
        let faults = crate::policy::failures::expand(sc).map_err(LiveError::TooManyFaults)?;
        let mut schedule = Schedule::default();
        for (i, f) in faults.iter().enumerate() {
            schedule.push(Duration::from(f.at - SimTime::ZERO), Task::Fault(i));
        }
        let ops = Operators::new(sc, &mut schedule);
        let lb = load_balancer::LiveLb::new(sc, &mut schedule);
        Ok(Orchestrator {
            sc,
            adapter,
            clock,
            endpoints,
            schedule,
            ops,
            inj: Injection::new(sc.seed, faults),
            obs: Observation::default(),
            lb,
        })
    }

    fn now(&self) -> Duration {
        self.clock.now()
    }

    fn sim_now(&self) -> SimTime {
        sim_time(self.now())
    }

    fn note(&mut self, component: Component, name: &str, what: std::fmt::Arguments<'_>) {
        let at = self.sim_now();
        self.obs.log.record(at, component, name, what);
    }

    fn schedule(&mut self, after: Duration, task: Task) {
        let at = self.now() + after;
        self.schedule.push(at, task);
    }

    /// Schedules `task` at `at` (at once if that has passed): for an instant computed from a
    /// fault's scheduled time, as the simulator computes it.
    fn schedule_at(&mut self, at: SimTime, task: Task) {
        self.schedule.push(Duration::from(at - SimTime::ZERO), task);
    }

    /// How long from now until `at` (zero once it has passed).
    fn until(&self, at: SimTime) -> Duration {
        Duration::from(at.saturating_since(self.sim_now()))
    }

    fn act(&mut self, action: Action) -> Result<(), LiveError> {
        self.note(Component::Live, "action", format_args!("{action:?}"));
        self.obs.actions.push((self.sim_now(), action.clone()));
        let done = self.adapter.act(&aliases::adapter_action(&action))?;
        self.note(Component::Live, "action", format_args!("{done}"));
        Ok(())
    }

    /// Runs the timeline until `until` has passed and `finished()` says the load is done,
    /// streaming events.log lines to `events_log` as they are observed. `stop` (Ctrl-C) ends
    /// it with [`LiveError::Interrupted`] before the next task.
    pub fn run(
        mut self,
        until: Duration,
        stop: &AtomicBool,
        finished: impl Fn() -> bool,
        events_log: &mut dyn Write,
    ) -> Result<Observed, LiveError> {
        self.note(Component::Live, "ftsim", format_args!("load started; cluster serving"));
        let mut next_poll = Duration::ZERO;
        loop {
            if stop.load(Ordering::SeqCst) {
                self.drain_log(events_log)?;
                return Err(LiveError::Interrupted);
            }
            if self.now() >= until && finished() {
                break;
            }
            while let Some(task) = self.schedule.pop_due(self.now()) {
                self.run_task(task)?;
                if stop.load(Ordering::SeqCst) {
                    break;
                }
            }
            if self.now() >= next_poll {
                self.poll()?;
                next_poll = self.now() + POLL;
            }
            self.drain_log(events_log)?;
            let wake = self.schedule.next_at().map_or(next_poll, |t| t.min(next_poll));
            self.clock.wait_until(wake);
        }
        self.poll()?;
        self.note(Component::Live, "ftsim", format_args!("end of run"));
        self.drain_log(events_log)?;
        events_log.flush().map_err(|e| LiveError::Io(format!("cannot write events.log: {e}")))?;
        Ok(Observed { levels: self.obs.levels, faults: self.obs.faults, actions: self.obs.actions })
    }

    /// The cluster now, its pods named as the orchestrator names them.
    fn observe(&mut self) -> Result<Snapshot, LiveError> {
        let mut snap = self.adapter.observe()?;
        aliases::rename_head(&mut snap, &self.ops.adapter_head);
        self.inj.replicas.record(snap.replicas_in_naming_order());
        Ok(snap)
    }

    fn drain_log(&mut self, events_log: &mut dyn Write) -> Result<(), LiveError> {
        self.obs.log.drain_to(events_log).map_err(|e| LiveError::Io(format!("cannot write events.log: {e}")))
    }

    fn run_task(&mut self, task: Task) -> Result<(), LiveError> {
        match task {
            Task::Fault(i) => self.inject(i),
            Task::FaultEnd(i) => self.end_fault(i),
            Task::StartPod(name) => self.start_container(&name),
            Task::RestartContainer { pod, created } => self.restart_container(&pod, created),
            Task::Resubmit => self.resubmit(),
            Task::StartServe => self.start_serve(),
            Task::RedisBack => self.redis_back(),
            Task::NodeNotReady(node) => {
                self.node_not_ready(node);
                Ok(())
            }
            Task::ReadinessProbe { pod, start } => {
                self.readiness_probe(&pod, start);
                Ok(())
            }
            Task::DrainDeadline(name) => self.drain_deadline(&name),
            Task::OrphansDeleted(node) => self.orphans_deleted(node),
            Task::LbProbe(b) => {
                self.lb_probe(b);
                Ok(())
            }
        }
    }
}
