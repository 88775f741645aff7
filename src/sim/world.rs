//! The simulated world: every component's state, the event loop and its dispatch.
//!
//! `World` holds the run machinery (time, queue, random streams, events log) and one group of
//! state per component, each declared in the component's module ([`super::k8s::Kubernetes`],
//! [`super::ray::RayCore`], [`super::serve::Serve`], [`super::serve::router::Traffic`],
//! [`super::faults::Injection`], [`super::observed::Observed`]). Components live in `Vec`s
//! indexed by typed ids ([`super::ids`]); the behaviour of each component is in its own module
//! as `impl World` blocks. This module owns the run loop and its dispatch.

use std::io::Write;

use crate::engine::{EventQueue, RngStream, SimDuration, SimTime};
use crate::journal::{Component, Journal};
use crate::metrics::observations::{
    FailureCause, FaultRecord, Levels, Observations, Outcome, RequestRecord, RequestSink,
};
use crate::names::{self, stream};
use crate::policy::failures::{self, TooManyFaults};
use crate::policy::targets::FaultStreams;
use crate::scenario::{Scenario, defaults};

use super::counted::Counting;
use super::event::Event;
use super::faults::Injection;
use super::ids::{NodeId, PodId, ProxyId, ReplicaId, ReqId};
use super::k8s::{Kubernetes, NodeState, PodPhase, PodRole, Raylet};
use super::lazy::LazyChecks;
use super::load_balancer::LbState;
use super::observed::Observed;
use super::ray::RayCore;
use super::ray_autoscaler::RayAutoscalerState;
use super::requests::Retired;
use super::serve::Serve;
use super::serve::controller::ControllerState;
use super::serve::proxy::ProxyState;
use super::serve::replica::ReplicaState;
use super::serve::router::{ReqState, Request, Traffic};
use crate::scenario::traffic_mode::RunMode;

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
    /// Its node is cut off from the head (alive, but unreachable for the rest of the cluster).
    Partitioned,
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
            Cause::Partitioned => "cut off by a network partition".to_string(),
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
    /// The failure processes drew more faults than a run may hold.
    TooManyFaults(TooManyFaults),
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
            SimError::TooManyFaults(e) => e.fmt(f),
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
    /// The names of the entry points requests went through, indexed by their ids.
    pub entry_points: Vec<String>,
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
    pub faults: FaultStreams,
}

/// The whole simulated cluster: the run machinery, then each component's state.
pub struct World {
    pub(super) scenario: Scenario,
    pub(super) now: SimTime,
    queue: EventQueue<Event>,
    pub(super) rng: Streams,
    log: Journal,
    events_processed: u64,
    /// Nodes and pods (Kubernetes, KubeRay).
    pub(super) k8s: Kubernetes,
    /// The GCS and Redis.
    pub(super) ray: RayCore,
    /// The Serve controller, replicas and proxies.
    pub(super) serve: Serve,
    /// Arrivals and open requests.
    pub(super) traffic: Traffic,
    /// Faults in force.
    pub(super) injection: Injection,
    /// What the run records besides requests: levels and faults.
    pub(super) observed: Observed,
    /// Counted traffic, in counted mode.
    pub(super) counting: Option<Counting>,
    /// Parked periodic checks, in counted mode.
    pub(super) lazy: Option<LazyChecks>,
    /// The cloud load balancer, with a load-balancer ingress.
    pub(super) lb: Option<LbState>,
    /// KubeRay's in-tree Ray autoscaler's view of idle nodes.
    pub(super) ray_autoscaler: RayAutoscalerState,
}

/// Where a run's output streams to while it runs.
pub(super) struct Sinks<'a> {
    /// events.log.
    pub(super) events_log: &'a mut dyn Write,
    /// Finished requests, in arrival order.
    pub(super) requests: &'a mut dyn RequestSink,
}

/// Runs a scenario to completion in its traffic mode ([`Scenario::traffic_mode`]), streaming
/// events.log to `events_log` (after every event) and every finished request (or, in counted
/// mode, stretch of counted successes), in arrival order, to `requests`; memory holds only the
/// requests still open.
pub fn run_streaming(
    scenario: &Scenario,
    events_log: &mut dyn Write,
    requests: &mut dyn RequestSink,
) -> Result<SimRun, SimError> {
    run_in_mode(scenario, scenario.traffic_mode().mode, events_log, requests)
}

/// [`run_streaming`] in the traffic mode `mode`, whatever the scenario's.
pub fn run_in_mode(
    scenario: &Scenario,
    mode: RunMode,
    events_log: &mut dyn Write,
    requests: &mut dyn RequestSink,
) -> Result<SimRun, SimError> {
    let mut out = Sinks { events_log, requests };
    // The scripted faults and those the failure processes draw for this seed.
    let faults = failures::expand(scenario).map_err(SimError::TooManyFaults)?;
    let mut w = World::new(Scenario { faults, ..scenario.clone() });
    w.counting = (mode == RunMode::Counted).then(|| Counting::new(scenario));
    w.lazy = (mode == RunMode::Counted).then(|| LazyChecks::new(scenario));
    w.init_steady_state();
    w.flush(&mut out)?;
    w.run_loop(&mut out)?;
    w.finish(&mut out)
}

/// Runs a scenario to completion one request at a time, whatever its traffic mode, keeping every
/// request record and the whole events log in memory (tests and small runs; `ftsim run` streams
/// with [`run_streaming`]).
pub fn run(scenario: &Scenario) -> Result<SimOutput, SimError> {
    let mut log = Vec::new();
    let mut requests = Vec::new();
    let run = run_in_mode(scenario, RunMode::PerRequest, &mut log, &mut requests)?;
    Ok(SimOutput {
        observations: Observations { requests, levels: run.levels, faults: run.faults, entry_points: run.entry_points },
        events_log: String::from_utf8(log).expect("events.log is UTF-8"),
        events_processed: run.events_processed,
    })
}

impl World {
    pub(super) fn new(scenario: Scenario) -> Self {
        let seed = scenario.seed;
        let faults = FaultStreams::new(seed, &scenario.faults);
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
            log: Journal::default(),
            events_processed: 0,
            k8s: Kubernetes::new(&scenario.cluster),
            ray: RayCore::new(),
            serve: Serve::new(scenario.serve.applications.len()),
            traffic: Traffic::new(&scenario),
            injection: Injection::default(),
            observed: Observed::new(scenario.faults.len()),
            counting: None,
            lazy: None,
            lb: None,
            ray_autoscaler: RayAutoscalerState::default(),
            scenario,
        }
    }

    /// The cluster of the scenario, up and serving at time zero: every pod running and
    /// registered, every replica RUNNING (placed by the same spread rule as later replicas),
    /// proxies healthy, endpoints ready.
    pub(super) fn init_steady_state(&mut self) {
        self.log(Component::Sim, "ftsim", format_args!("steady state: all pods, replicas and proxies up"));
        let head = self.create_pod(names::HEAD_POD.to_string(), PodRole::Head);
        self.k8s.head = Some(head);
        for g in 0..self.scenario.cluster.worker_groups.len() {
            let group = self.scenario.cluster.worker_groups[g].clone();
            for _ in 0..group.replicas {
                self.k8s.worker_generation[g] += 1;
                self.create_pod(names::worker_pod(&group.name, self.k8s.worker_generation[g]), PodRole::Worker(g));
            }
        }
        // Bypass start-up delays: everything is already running.
        self.queue = EventQueue::new();
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            self.set_pod_phase(pod, PodPhase::Running, "initial");
            self.k8s.pods[i].raylet = Raylet::Alive { cluster: 1 };
        }
        self.serve.controller.state = ControllerState::Running;
        // Deployment by deployment, each placed by its own spread rule in the room the earlier
        // ones left.
        for d in self.serve.deployment_ids() {
            let mut pool = self.placement_pool(d);
            for _ in 0..self.scenario.serve.applications[d.ix()].deployment.num_replicas {
                let r = self.new_replica(d, &mut pool);
                self.serve.replicas[r.ix()].constructed = true;
                self.set_replica_state(r, ReplicaState::Running, "initial");
            }
        }
        // The control loop and each replica's health checks start at a random phase (the
        // control loop's on the first deployment's sweep grid).
        let sweep = self.scenario.serve.first().health_check_sweep().as_micros();
        self.serve.controller.sweep_anchor = SimTime::from_micros(self.rng.health.range_inclusive(0, sweep));
        for r in 0..self.serve.replicas.len() {
            let id = ReplicaId(r as u32);
            let offset = self.rng.health.range_inclusive(0, self.deployment_of(id).health_check_period.as_micros());
            self.schedule_health_check_after(id, SimDuration::from_micros(offset));
        }
        self.reconcile_proxies();
        let broadcast = self.broadcast();
        for p in 0..self.serve.proxies.len() {
            let proxy = ProxyId(p as u32);
            self.serve.proxies[p].view = broadcast.table_for(self.serve.proxies[p].pod);
            self.set_proxy_state(proxy, ProxyState::Healthy, "initial");
            let period = self.scenario.timings.proxy_health_check_period.as_micros();
            let offset = SimDuration::from_micros(self.rng.health.range_inclusive(0, period));
            self.schedule_proxy_health_check_in(proxy, offset);
        }
        self.serve.broadcast_pending = false;
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            let ready = self.pod_serves_http(pod);
            self.set_endpoint_ready(pod, ready);
            if self.readiness_probes_enabled() {
                let period = self.scenario.timings.readiness_period.as_micros();
                let phase = SimDuration::from_micros(self.rng.ingress.range_inclusive(0, period));
                let inc = self.k8s.pods[i].inc;
                self.schedule_in(phase, Event::ReadinessProbe { pod, inc });
            }
        }
        self.init_entry_points();
        self.start_autoscaler();
        self.start_ray_autoscaler();
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
        while let Some(t) = self.queue.peek_time() {
            if t >= hard_stop || (t >= end && self.traffic.unresolved == 0) {
                break;
            }
            self.step();
            if self.events_processed > defaults::MAX_EVENTS {
                return Err(SimError::EventBudgetExceeded { at: self.now });
            }
            self.flush(out)?;
        }
        self.now = self.now.max(end);
        self.fail_unfinished();
        #[cfg(debug_assertions)]
        self.check_invariants(true);
        Ok(())
    }

    /// Processes the next scheduled event, if any: time moves to it, it is dispatched, the
    /// levels are recorded if they changed, and (debug builds) the invariants are checked.
    pub(super) fn step(&mut self) -> Option<(SimTime, Event)> {
        let (t, ev) = self.queue.pop()?;
        debug_assert!(t >= self.now, "event in the past");
        self.now = t;
        self.dispatch(ev);
        self.events_processed += 1;
        if self.observed.levels_dirty {
            self.record_levels();
        }
        #[cfg(debug_assertions)]
        self.check_invariants(self.events_processed.is_multiple_of(4096));
        Some((t, ev))
    }

    /// Every pending event with its time, in no particular order.
    pub(super) fn pending_events(&self) -> impl Iterator<Item = (SimTime, &Event)> {
        self.queue.pending()
    }

    /// The time of the next scheduled event.
    #[cfg(test)]
    pub(super) fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Hands the finished requests at the front of the window, the pending mark and the new
    /// events.log lines to their sinks.
    pub(super) fn flush(&mut self, out: &mut Sinks<'_>) -> Result<(), SimError> {
        let Traffic { requests, arrivals, .. } = &mut self.traffic;
        let (counting, bucket) = (&mut self.counting, self.scenario.bucket);
        requests.retire_done(|r| match (r, counting.as_mut()) {
            (Retired::Request(r), _) => out.requests.request(r),
            (Retired::Counted(span), Some(c)) => c.expand(span, arrivals, bucket, out.requests),
            (Retired::Counted(_), None) => unreachable!("spans are counted in counted mode only"),
        });
        if std::mem::take(&mut self.observed.mark_now) {
            out.requests.mark(self.now);
        }
        self.log.drain_to(out.events_log).map_err(|e| SimError::EventsLog(e.to_string()))
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::RequestDone(req) => self.on_request_done(req),
            Event::ClientTimeout(req) => self.on_client_timeout(req),
            Event::PartitionServed(req) => self.on_partition_served(req),
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
            Event::OrphansDeleted(node) => self.on_orphans_deleted(node),
            Event::TaintEviction(node) => self.on_taint_eviction(node),
            Event::GcsNodeDeath(pod) => self.on_gcs_node_death(pod),
            Event::RayletReconnectTimeout { pod, inc } => self.if_current(pod, inc, Self::on_raylet_reconnect_timeout),
            Event::HeadGcsExitNoticed { inc } => self.on_head_gcs_exit_noticed(inc),
            Event::GcsRedisLost { gcs_inc } => self.on_gcs_redis_lost(gcs_inc),
            Event::RedisPodRestored => self.redis_outage_ends("Redis pod back"),
            Event::GcsRedisWaitExpired { gcs_inc } => self.on_gcs_redis_wait_expired(gcs_inc),
            Event::ControllerRestart => self.on_controller_restart(),
            Event::ControllerReady { inc } => self.on_controller_ready(inc),
            Event::ControllerTick => {
                self.serve.tick_pending = false;
                self.reconcile();
            }
            Event::AutoscalerTick => self.on_autoscaler_tick(),
            Event::RayServiceReconcile => self.on_rayservice_reconcile(),
            Event::RayAutoscalerUpdate => self.on_ray_autoscaler_update(),
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
            Event::LbProbe { backend } => self.on_lb_probe(backend),
            Event::LbProbeTimeout { backend, inc } => self.on_lb_probe_timeout(backend, inc),
        }
    }

    /// Runs a pod timer's handler unless the pod changed incarnation since it was scheduled.
    fn if_current(&mut self, pod: PodId, inc: u32, handler: impl FnOnce(&mut Self, PodId)) {
        if self.k8s.pods[pod.ix()].inc == inc {
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

    fn finish(mut self, out: &mut Sinks<'_>) -> Result<SimRun, SimError> {
        self.record_levels();
        let events = self.events_processed;
        self.log(Component::Sim, "ftsim", format_args!("end of run ({events} events)"));
        self.flush(out)?;
        debug_assert_eq!(self.traffic.requests.iter().count(), 0, "every request retired");
        out.events_log.flush().map_err(|e| SimError::EventsLog(e.to_string()))?;
        Ok(SimRun {
            levels: self.observed.levels,
            faults: self.observed.faults,
            entry_points: self.traffic.entries.into_names(),
            events_processed: self.events_processed,
        })
    }

    /// A request that nothing but the end of the run can end (its connection hangs and the
    /// client has no timeout) is recorded now as failed `unfinished`, with the run's hard stop as
    /// its end, so that the window of open requests does not hold every later request until the
    /// end of the run. It stays unresolved: the run still drains until its hard stop.
    pub(super) fn doom(&mut self, req: ReqId) {
        let end = self.hard_stop();
        let r = &mut self.traffic.requests[req.ix()];
        r.state = ReqState::Done;
        let outcome = Outcome::Failure(FailureCause::Unfinished);
        r.record = Some(RequestRecord { arrival: r.arrival, end, outcome, entry: r.entry, app: r.app.0 as u16 });
        self.traffic.doomed += 1;
    }

    /// Kubernetes nodes that are Ready.
    pub(super) fn node_ready(&self, node: NodeId) -> bool {
        self.k8s.nodes[node.ix()].state == NodeState::Ready
    }

    /// The request with id `req`.
    pub(super) fn req(&self, req: ReqId) -> &Request {
        &self.traffic.requests[req.ix()]
    }
}
