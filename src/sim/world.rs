//! The simulated world: every component's state, the event loop and its dispatch.
//!
//! Components live in `Vec`s indexed by typed ids ([`super::ids`]); the behaviour of each
//! component is in its own module as `impl World` blocks (`k8s`, `ray`, `serve::*`, `faults`).
//! This module owns the run loop, time, randomness and the observation stream.

use std::collections::BTreeSet;
use std::io::Write;

use crate::engine::{EventQueue, RngStream, SimDuration, SimTime};
use crate::journal::{Component, Journal};
use crate::metrics::observations::{
    FailureCause, FaultRecord, Levels, Observations, Outcome, RequestRecord, RequestSink,
};
use crate::names::{self, stream};
use crate::scenario::{Scenario, defaults};
use crate::traffic::ArrivalStream;

use super::event::Event;
use super::faults::ConstructorFaultState;
use super::ids::{NodeId, PodId, ProxyId, ReplicaId, ReqId};
use super::k8s::{K8sNode, NodeState, Pod, PodPhase, PodRole, Raylet};
use super::pod_index::PodIndex;
use super::ray::{Gcs, GcsState, Redis};
use super::requests::RequestWindow;
use super::serve::controller::{Controller, ControllerState};
use super::serve::index::ServeIndex;
use super::serve::proxy::{Proxy, ProxyState};
use super::serve::replica::{Replica, ReplicaState};
use super::serve::router::{ReqState, Request};

/// Why a component died or stopped; carried into the events log and into fault attribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Injected fault number `n`.
    Fault(usize),
    /// Its container exited (Ray processes died).
    ContainerExit,
    /// Its pod was deleted.
    PodDeleted,
    /// Its Kubernetes node was lost.
    NodeLost {
        /// Black-holed rather than refusing connections.
        unreachable: bool,
    },
    /// The controller found it unhealthy.
    Unhealthy,
    /// Its constructor raised.
    ConstructorFailed,
    /// Stopped by Serve (drained, migrated, no longer needed).
    Stopped,
    /// The cluster it belonged to is gone (new GCS without fault tolerance).
    ClusterLost,
}

impl Cause {
    /// Human-readable reason for the events log.
    pub fn describe(&self) -> String {
        match self {
            Cause::Fault(i) => format!("fault #{i}"),
            Cause::ContainerExit => "container exited".to_string(),
            Cause::PodDeleted => "pod deleted".to_string(),
            Cause::NodeLost { unreachable: true } => "node lost, unreachable".to_string(),
            Cause::NodeLost { unreachable: false } => "node lost".to_string(),
            Cause::Unhealthy => "unhealthy".to_string(),
            Cause::ConstructorFailed => "constructor raised".to_string(),
            Cause::Stopped => "stopped".to_string(),
            Cause::ClusterLost => "cluster state lost".to_string(),
        }
    }

    /// The injected fault, when this cause is one.
    pub fn fault(&self) -> Option<usize> {
        match self {
            Cause::Fault(i) => Some(*i),
            _ => None,
        }
    }
}

/// A run stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// More events than [`defaults::MAX_EVENTS`].
    EventBudgetExceeded {
        /// Simulated time reached.
        at: SimTime,
    },
    /// events.log could not be written.
    EventsLog(String),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::EventBudgetExceeded { at } => write!(
                f,
                "the run exceeded the budget of {} events at t = {at} s; shorten duration_s or lower rate_per_s",
                defaults::MAX_EVENTS
            ),
            SimError::EventsLog(e) => write!(f, "cannot write events.log: {e}"),
        }
    }
}

impl std::error::Error for SimError {}

/// What a streamed run ([`run_streaming`]) leaves besides its requests and its events log:
/// records bounded by the run's state changes, not by its requests.
#[derive(Debug)]
pub struct SimRun {
    /// Component levels at each change, in time order; the first entry is at time zero.
    pub levels: Vec<(SimTime, Levels)>,
    /// Injected faults, in injection order.
    pub faults: Vec<FaultRecord>,
    /// Events processed by the engine.
    pub events_processed: u64,
}

/// What one simulation run produced, everything in memory ([`run`]).
#[derive(Debug)]
pub struct SimOutput {
    /// The observation stream (shared with live mode).
    pub observations: Observations,
    /// events.log text.
    pub events_log: String,
    /// Events processed by the engine.
    pub events_processed: u64,
}

/// The random streams, one per purpose (common random numbers across scenario variants).
pub(super) struct Streams {
    pub service: RngStream,
    pub routing: RngStream,
    pub placement: RngStream,
    pub health: RngStream,
    pub ingress: RngStream,
    pub reconnect: RngStream,
    pub faults: Vec<RngStream>,
}

/// The whole simulated cluster.
pub struct World {
    pub(super) scenario: Scenario,
    pub(super) now: SimTime,
    queue: EventQueue<Event>,
    pub(super) rng: Streams,
    pub(super) nodes: Vec<K8sNode>,
    pub(super) pods: Vec<Pod>,
    /// Scheduling index over pods and nodes, kept by their transitions.
    pub(super) pod_index: PodIndex,
    pub(super) head: Option<PodId>,
    pub(super) head_generation: u32,
    pub(super) worker_generation: Vec<u32>,
    pub(super) head_ray_started_at: SimTime,
    pub(super) gcs: Gcs,
    pub(super) redis: Redis,
    pub(super) controller: Controller,
    pub(super) replicas: Vec<Replica>,
    pub(super) replicas_created: u32,
    pub(super) proxies: Vec<Proxy>,
    /// When the next request arrives.
    pub(super) arrivals: ArrivalStream,
    /// Indexes over replicas and proxies, kept by their transitions.
    pub(super) serve_index: ServeIndex,
    /// Proxies whose queue holds waiting requests, so that a freed slot visits only those.
    pub(super) waiting_proxies: BTreeSet<ProxyId>,
    pub(super) requests: RequestWindow,
    pub(super) unresolved: u64,
    /// Of the unresolved requests, those recorded already as `unfinished` ([`World::doom`]).
    pub(super) doomed: u64,
    pub(super) broadcast_pending: bool,
    pub(super) tick_pending: bool,
    pub(super) constructor_faults: Vec<ConstructorFaultState>,
    /// Index into `faults` for each scenario fault, once injected.
    pub(super) fault_records: Vec<Option<usize>>,
    pub(super) levels: Vec<(SimTime, Levels)>,
    pub(super) faults: Vec<FaultRecord>,
    pub(super) levels_dirty: bool,
    /// Something a fault window may start or end at happened now (see [`RequestSink::mark`]).
    mark_now: bool,
    log: Journal,
    events_processed: u64,
}

/// Where a run's output streams to while it runs.
struct Sinks<'a> {
    events_log: &'a mut dyn Write,
    requests: &'a mut dyn RequestSink,
}

/// Runs a scenario to completion, streaming events.log to `events_log` (after every event) and
/// every finished request, in arrival order, to `requests`; memory holds only the requests
/// still open.
pub fn run_streaming(
    scenario: &Scenario,
    events_log: &mut dyn Write,
    requests: &mut dyn RequestSink,
) -> Result<SimRun, SimError> {
    let mut out = Sinks { events_log, requests };
    let mut w = World::new(scenario.clone());
    w.init_steady_state();
    w.flush(&mut out)?;
    w.run_loop(&mut out)?;
    w.finish(&mut out)
}

/// Runs a scenario to completion, keeping every request record and the whole events log in
/// memory (tests and small runs; `ftsim run` streams with [`run_streaming`]).
pub fn run(scenario: &Scenario) -> Result<SimOutput, SimError> {
    let mut log = Vec::new();
    let mut requests = Vec::new();
    let run = run_streaming(scenario, &mut log, &mut requests)?;
    Ok(SimOutput {
        observations: Observations { requests, levels: run.levels, faults: run.faults },
        events_log: String::from_utf8(log).expect("events.log is UTF-8"),
        events_processed: run.events_processed,
    })
}

impl World {
    fn new(scenario: Scenario) -> Self {
        let seed = scenario.seed;
        let faults = (0..scenario.faults.len()).map(|i| RngStream::new(seed, &stream::fault(i))).collect();
        let nodes: Vec<K8sNode> = (1..=scenario.cluster.k8s_nodes)
            .map(|i| K8sNode { name: names::node(i), state: NodeState::Ready, lost_by: None })
            .collect();
        let pod_index = PodIndex::build(&nodes, &[], scenario.cluster.ray_pods_per_node);
        let groups = scenario.cluster.worker_groups.len();
        let fault_count = scenario.faults.len();
        World {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            rng: Streams {
                service: RngStream::new(seed, stream::SERVICE),
                routing: RngStream::new(seed, stream::ROUTING),
                placement: RngStream::new(seed, stream::PLACEMENT),
                health: RngStream::new(seed, stream::HEALTH),
                ingress: RngStream::new(seed, stream::INGRESS),
                reconnect: RngStream::new(seed, stream::RECONNECT),
                faults,
            },
            nodes,
            pods: Vec::new(),
            pod_index,
            head: None,
            head_generation: 1,
            worker_generation: vec![0; groups],
            head_ray_started_at: SimTime::ZERO,
            gcs: Gcs { state: GcsState::Up { cluster: 1 }, inc: 1, clusters_created: 1, stored_cluster: 1 },
            redis: Redis { outages: 0 },
            controller: Controller::new(),
            replicas: Vec::new(),
            replicas_created: 0,
            proxies: Vec::new(),
            arrivals: ArrivalStream::new(&scenario),
            serve_index: ServeIndex::default(),
            waiting_proxies: BTreeSet::new(),
            requests: RequestWindow::default(),
            unresolved: 0,
            doomed: 0,
            broadcast_pending: false,
            tick_pending: false,
            constructor_faults: Vec::new(),
            fault_records: vec![None; fault_count],
            levels: Vec::new(),
            faults: Vec::new(),
            levels_dirty: true,
            mark_now: false,
            log: Journal::default(),
            events_processed: 0,
            scenario,
        }
    }

    /// The cluster of the scenario, up and serving at time zero: every pod running and
    /// registered, every replica RUNNING (placed by the same spread rule as later replicas),
    /// proxies healthy, endpoints ready.
    fn init_steady_state(&mut self) {
        self.log(Component::Sim, "ftsim", format_args!("steady state: all pods, replicas and proxies up"));
        let head = self.create_pod(names::HEAD_POD.to_string(), PodRole::Head, self.scenario.cluster.head_cpus_milli);
        self.head = Some(head);
        for g in 0..self.scenario.cluster.worker_groups.len() {
            let group = self.scenario.cluster.worker_groups[g].clone();
            for _ in 0..group.replicas {
                self.worker_generation[g] += 1;
                self.create_pod(
                    names::worker_pod(&group.name, self.worker_generation[g]),
                    PodRole::Worker(g),
                    group.cpus_milli,
                );
            }
        }
        // Bypass start-up delays: everything is already running.
        self.queue = EventQueue::new();
        for i in 0..self.pods.len() {
            let pod = PodId(i as u32);
            self.set_pod_phase(pod, PodPhase::Running, "initial");
            self.pods[i].raylet = Raylet::Alive { cluster: 1 };
        }
        self.controller.state = ControllerState::Running;
        self.controller.ever_started = true;
        let mut pool = self.placement_pool();
        for _ in 0..self.scenario.serve.num_replicas {
            let r = self.new_replica(&mut pool);
            self.replicas[r.ix()].constructed = true;
            self.set_replica_state(r, ReplicaState::Running, "initial");
        }
        // The control loop and each replica's health checks start at a random phase.
        let sweep = self.scenario.serve.health_check_sweep().as_micros();
        self.controller.sweep_anchor = SimTime::from_micros(self.rng.health.range_inclusive(0, sweep));
        for r in 0..self.replicas.len() {
            let id = ReplicaId(r as u32);
            let offset = self.rng.health.range_inclusive(0, self.scenario.serve.health_check_period.as_micros());
            self.schedule_health_check_after(id, SimDuration::from_micros(offset));
        }
        self.reconcile_proxies();
        let broadcast = self.broadcast();
        for p in 0..self.proxies.len() {
            let proxy = ProxyId(p as u32);
            self.proxies[p].view = broadcast.table_for(self.proxies[p].pod);
            self.set_proxy_state(proxy, ProxyState::Healthy, "initial");
            let period = self.scenario.timings.proxy_health_check_period.as_micros();
            let offset = SimDuration::from_micros(self.rng.health.range_inclusive(0, period));
            self.schedule_proxy_health_check_in(proxy, offset);
        }
        self.broadcast_pending = false;
        for i in 0..self.pods.len() {
            let pod = PodId(i as u32);
            self.pods[i].endpoint_ready = self.pod_serves_http(pod);
            if self.readiness_probes_enabled() {
                let period = self.scenario.timings.readiness_period.as_micros();
                let phase = SimDuration::from_micros(self.rng.ingress.range_inclusive(0, period));
                let inc = self.pods[i].inc;
                self.schedule_in(phase, Event::ReadinessProbe { pod, inc });
            }
        }
        self.schedule_next_arrival();
        for i in 0..self.scenario.faults.len() {
            let at = self.scenario.faults[i].at;
            self.schedule_at(at, Event::FaultInject(i));
        }
        self.record_levels();
    }

    /// The end of the run: arrivals stop at `duration`; in-flight requests then get until their
    /// client timeout (or 60 s without one) to finish.
    fn hard_stop(&self) -> SimTime {
        let drain = self.scenario.traffic.client_timeout.unwrap_or(SimDuration::from_secs(60));
        SimTime::ZERO + self.scenario.duration + drain + SimDuration::from_secs(1)
    }

    fn run_loop(&mut self, out: &mut Sinks<'_>) -> Result<(), SimError> {
        let end = SimTime::ZERO + self.scenario.duration;
        let hard_stop = self.hard_stop();
        while let Some((t, ev)) = self.queue.pop() {
            if t >= hard_stop || (t >= end && self.unresolved == 0) {
                break;
            }
            debug_assert!(t >= self.now, "event in the past");
            self.now = t;
            self.dispatch(ev);
            self.events_processed += 1;
            if self.events_processed > defaults::MAX_EVENTS {
                return Err(SimError::EventBudgetExceeded { at: self.now });
            }
            if self.levels_dirty {
                self.record_levels();
            }
            #[cfg(debug_assertions)]
            self.check_invariants(self.events_processed.is_multiple_of(4096));
            self.flush(out)?;
        }
        self.now = self.now.max(end);
        self.fail_unfinished();
        #[cfg(debug_assertions)]
        self.check_invariants(true);
        Ok(())
    }

    /// Hands the finished requests at the front of the window, the pending mark and the new
    /// events.log lines to their sinks.
    fn flush(&mut self, out: &mut Sinks<'_>) -> Result<(), SimError> {
        self.requests.retire_done(|r| out.requests.request(r));
        if std::mem::take(&mut self.mark_now) {
            out.requests.mark(self.now);
        }
        self.log.drain_to(out.events_log).map_err(|e| SimError::EventsLog(e.to_string()))
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::RequestDone(req) => self.on_request_done(req),
            Event::ClientTimeout(req) => self.on_client_timeout(req),
            Event::FaultInject(i) => self.inject_fault(i),
            Event::FaultEnd(i) => self.end_fault(i),
            Event::NodeProvisioned(node) => self.on_node_provisioned(node),
            Event::PodStarted { pod, inc } => self.if_current(pod, inc, Self::on_pod_started),
            Event::WaitGcsPoll { pod, inc } => self.if_current(pod, inc, Self::on_wait_gcs_poll),
            Event::RayStarted { pod, inc } => self.if_current(pod, inc, Self::on_ray_started),
            Event::ContainerRestart { pod, inc } => self.if_current(pod, inc, Self::on_container_restart),
            Event::PodRemoved { pod, inc } => {
                self.if_current(pod, inc, |w, p| w.remove_pod(p, "pod object garbage-collected"))
            }
            Event::DrainDeadline { pod, inc } => self.if_current(pod, inc, Self::on_drain_deadline),
            Event::StaleRayletRejected { pod, inc } => self.if_current(pod, inc, |w, p| {
                w.ray_exits(p, "raylet rejected by the new GCS as an unknown node; Ray exits")
            }),
            Event::NodeNotReady(node) => self.on_node_not_ready(node),
            Event::GcsNodeDeath(pod) => self.on_gcs_node_death(pod),
            Event::RayletReconnectTimeout { pod, inc } => self.if_current(pod, inc, Self::on_raylet_reconnect_timeout),
            Event::HeadGcsExitNoticed { inc } => self.on_head_gcs_exit_noticed(inc),
            Event::GcsRedisLost { gcs_inc } => self.on_gcs_redis_lost(gcs_inc),
            Event::RedisPodRestored => self.redis_outage_ends("Redis pod back"),
            Event::GcsRedisWaitExpired { gcs_inc } => self.on_gcs_redis_wait_expired(gcs_inc),
            Event::ControllerRestart => self.on_controller_restart(),
            Event::ControllerReady { inc } => self.on_controller_ready(inc),
            Event::ControllerTick => {
                self.tick_pending = false;
                self.reconcile();
            }
            Event::RayServiceReconcile => self.on_rayservice_reconcile(),
            Event::ReplicaConstructed { replica, inc } => self.on_replica_constructed(replica, inc),
            Event::ReplicaHealthCheck { replica, ctl_inc, check } => {
                self.on_replica_health_check(replica, ctl_inc, check)
            }
            Event::ReplicaHealthCheckTimeout { replica, ctl_inc, check } => {
                self.on_replica_health_check_timeout(replica, ctl_inc, check)
            }
            Event::ReplicaDrainPoll { replica } => self.on_replica_drain_poll(replica),
            Event::ReplicaForceStop { replica } => self.on_replica_force_stop(replica),
            Event::ProxyReady { proxy, inc } => self.on_proxy_ready(proxy, inc),
            Event::ProxyHealthCheck { proxy, ctl_inc } => self.on_proxy_health_check(proxy, ctl_inc),
            Event::ProxyHealthCheckTimeout { proxy, ctl_inc } => self.on_proxy_health_check_timeout(proxy, ctl_inc),
            Event::ProxyDrained { proxy, inc } => self.on_proxy_drained(proxy, inc),
            Event::RoutingBroadcast => self.on_routing_broadcast(),
            Event::ReadinessProbe { pod, inc } => self.if_current(pod, inc, Self::on_readiness_probe),
        }
    }

    /// Runs a pod timer's handler unless the pod changed incarnation since it was scheduled.
    fn if_current(&mut self, pod: PodId, inc: u32, handler: impl FnOnce(&mut Self, PodId)) {
        if self.pods[pod.ix()].inc == inc {
            handler(self, pod);
        }
    }

    /// Schedules `ev` after `delay`.
    pub(super) fn schedule_in(&mut self, delay: SimDuration, ev: Event) {
        self.queue.push(self.now + delay, ev);
    }

    /// Schedules `ev` at `at` (never in the past).
    pub(super) fn schedule_at(&mut self, at: SimTime, ev: Event) {
        self.queue.push(at.max(self.now), ev);
    }

    /// Appends one events.log line at the current time.
    pub(super) fn log(&mut self, component: Component, name: &str, what: std::fmt::Arguments<'_>) {
        self.log.record(self.now, component, name, what);
    }

    /// Marks injected fault `i` as detected now (first detection wins).
    pub(super) fn detect(&mut self, fault: usize) {
        if let Some(rec) = self.fault_records.get(fault).copied().flatten()
            && self.faults[rec].detected_at.is_none()
        {
            self.faults[rec].detected_at = Some(self.now);
            self.mark_now = true;
            self.log(Component::Fault, &format!("#{fault}"), format_args!("detected"));
        }
    }

    /// Starts the observation record of fault `i` and logs its injection.
    pub(super) fn record_fault(&mut self, fault: usize, target: Option<String>) {
        let kind = self.scenario.faults[fault].kind.name().to_string();
        self.log(Component::Fault, &format!("#{fault}"), format_args!("{kind} injected"));
        self.fault_records[fault] = Some(self.faults.len());
        self.faults.push(FaultRecord { kind, target, injected_at: self.now, detected_at: None });
        self.mark_now = true;
    }

    /// The component levels now.
    pub(super) fn levels(&self) -> Levels {
        let pods_ready = self
            .pods
            .iter()
            .filter(|p| p.phase == PodPhase::Running && matches!(p.raylet, Raylet::Alive { .. }))
            .count() as u32;
        let pods_desired = 1 + self.scenario.cluster.worker_groups.iter().map(|g| g.replicas).sum::<u32>();
        Levels {
            replicas_running: self.serve_index.replicas_running(),
            replicas_target: self.scenario.serve.num_replicas,
            proxies_up: self.serve_index.proxies_up(),
            proxies_expected: self.expected_proxy_count(),
            pods_ready,
            pods_desired,
            gcs_up: self.gcs_up(),
            redis_up: !self.scenario.cluster.gcs_fault_tolerance || self.redis_up(),
            controller_up: self.controller.state == ControllerState::Running,
        }
    }

    fn record_levels(&mut self) {
        self.levels_dirty = false;
        let levels = self.levels();
        match self.levels.last_mut() {
            Some((t, l)) if *t == self.now => *l = levels,
            Some((_, l)) if *l == levels => {}
            _ => {
                self.levels.push((self.now, levels));
                self.mark_now = true;
            }
        }
    }

    fn finish(mut self, out: &mut Sinks<'_>) -> Result<SimRun, SimError> {
        self.record_levels();
        let events = self.events_processed;
        self.log(Component::Sim, "ftsim", format_args!("end of run ({events} events)"));
        self.flush(out)?;
        debug_assert_eq!(self.requests.iter().count(), 0, "every request retired");
        out.events_log.flush().map_err(|e| SimError::EventsLog(e.to_string()))?;
        Ok(SimRun { levels: self.levels, faults: self.faults, events_processed: self.events_processed })
    }

    /// A request that nothing but the end of the run can end (its connection hangs and the
    /// client has no timeout) is recorded now as failed `unfinished`, with the run's hard stop as
    /// its end, so that the window of open requests does not hold every later request until the
    /// end of the run. It stays unresolved: the run still drains until its hard stop.
    pub(super) fn doom(&mut self, req: ReqId) {
        let end = self.hard_stop();
        let r = &mut self.requests[req.ix()];
        r.state = ReqState::Done;
        r.record = Some(RequestRecord { arrival: r.arrival, end, outcome: Outcome::Failure(FailureCause::Unfinished) });
        self.doomed += 1;
    }

    /// Kubernetes nodes that are Ready.
    pub(super) fn node_ready(&self, node: NodeId) -> bool {
        self.nodes[node.ix()].state == NodeState::Ready
    }

    /// The request with id `req`.
    pub(super) fn req(&self, req: ReqId) -> &Request {
        &self.requests[req.ix()]
    }
}
