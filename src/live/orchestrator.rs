//! The live run's timeline: injects the scenario's faults at their times and plays the parts of
//! the Kubernetes machinery the local cluster lacks — KubeRay recreating a deleted pod (after the
//! scenario's `pod_start_s`, or after garbage collection and node provisioning for a lost node),
//! the kubelet restarting a crashed container (first at once, then with back-off), RayService
//! resubmitting the application to an empty cluster — with the same delays as the simulator.
//! Between actions it polls the cluster once a second into the same level series, events log
//! and fault records the simulator produces.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::load::Endpoints;
use super::snapshot::{ProxyView, Snapshot};
use crate::engine::{RngStream, SimDuration, SimTime};
use crate::journal::{Component, Journal};
use crate::metrics::observations::{FaultRecord, Levels};
use crate::names::{self, stream};
use crate::policy::{kubelet, redis};
use crate::scenario::{ConstructorFailures, FaultKind, Ingress, Scenario};

/// How often the cluster is polled.
pub const POLL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, PartialEq)]
enum Task {
    Fault(usize),
    FaultEnd(usize),
    StartPod(String),
    RestartContainer(String),
    Resubmit,
    RedisBack,
    DrainDeadline(String),
    /// A lost node's kubelet has been silent for the node monitor's grace period.
    NodeNotReady(usize),
    /// Kubernetes' readiness probe of a pod (Service ingress), for one start of it.
    ReadinessProbe {
        pod: String,
        start: u32,
    },
}

/// What shows that the system noticed a fault.
#[derive(Clone, Debug)]
enum Detector {
    ReplicaNotRunning(String),
    ControllerDown,
    ProxyNotHealthy(String),
    /// A lost node's pods: the GCS declares one dead, or the controller gives up on a proxy
    /// that was healthy on one of them (`proxied`), whichever comes first (as in the simulator).
    NodeLost {
        pods: Vec<String>,
        proxied: Vec<String>,
    },
    GcsDown,
    /// An injected constructor failure raised: more than `before` have (as the simulator, which
    /// detects the fault when the first failing constructor raises).
    ConstructorFailed {
        before: u64,
    },
}

#[derive(Clone, Debug, Default)]
struct PodState {
    node: usize,
    gone: bool,
    expect_exit: bool,
    restarts: u32,
    group: Option<usize>,
    /// Counts the pod's starts; a readiness probe of an earlier start is dropped.
    starts: u32,
    /// The last readiness probe passed: the pod is one of the Service's endpoints.
    endpoint_ready: bool,
}

/// Everything the timeline observed.
pub struct Timeline {
    /// Component levels at each change.
    pub levels: Vec<(SimTime, Levels)>,
    /// One record per injected fault.
    pub faults: Vec<FaultRecord>,
}

/// Drives one live run.
pub struct Orchestrator<'a> {
    sc: &'a Scenario,
    adapter: &'a mut dyn ClusterAdapter,
    t0: Instant,
    tasks: Vec<(Duration, Task)>,
    log: Journal,
    faults: Vec<FaultRecord>,
    detectors: Vec<(usize, Detector)>,
    fault_rng: Vec<RngStream>,
    pods: BTreeMap<String, PodState>,
    worker_generation: Vec<u32>,
    nodes_ready: Vec<bool>,
    redis_down: u32,
    head_waiting_for_redis: bool,
    endpoints: Arc<Mutex<Endpoints>>,
    levels: Vec<(SimTime, Levels)>,
    last: Option<Snapshot>,
    health_pids: Vec<(usize, u32)>,
    pinned_lost: bool,
    node_back_at: Vec<(Duration, usize)>,
}

/// `SleepyPid#3 (uf1vfidw)`: the scenario's name and the real replica id.
fn replica_label(target: &Option<String>, picked: &Option<(String, Option<u32>)>) -> Option<String> {
    match (target, picked) {
        (Some(t), Some((id, _))) => Some(format!("{t} ({id})")),
        (None, Some((id, _))) => Some(id.clone()),
        (t, None) => t.clone(),
    }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// `pod`'s proxies that the controller reports HEALTHY in `snap`.
fn healthy_proxies<'s>(snap: &'s Snapshot, pod: &'s str) -> impl Iterator<Item = &'s ProxyView> {
    snap.proxies.iter().filter(move |p| p.pod.as_deref() == Some(pod) && p.status.as_deref() == Some("HEALTHY"))
}

/// Whether the controller reports `pod`'s proxy HEALTHY in `snap`.
fn proxy_healthy(snap: &Snapshot, pod: &str) -> bool {
    healthy_proxies(snap, pod).next().is_some()
}

/// Whether `pod`'s Ray runs and its proxy is healthy and alive in `snap`.
fn proxy_serves(snap: &Snapshot, pod: &str) -> bool {
    snap.pod_ready(pod) && healthy_proxies(snap, pod).any(|p| p.actor_state.as_deref() == Some("ALIVE"))
}

/// How often `pod`'s readiness is probed: the kubelet's period for workers, RayService's
/// reconcile for the head's serve label.
fn readiness_period(sc: &Scenario, pod: &str) -> SimDuration {
    if pod == "head" { sc.timings.rayservice_reconcile } else { sc.timings.readiness_period }
}

fn sd(d: SimDuration) -> Duration {
    Duration::from_micros(d.as_micros())
}

impl<'a> Orchestrator<'a> {
    /// A timeline for `sc` on a started cluster; `t0` is the start of the load.
    pub fn new(
        sc: &'a Scenario,
        adapter: &'a mut dyn ClusterAdapter,
        endpoints: Arc<Mutex<Endpoints>>,
        t0: Instant,
    ) -> Self {
        let mut pods = BTreeMap::new();
        let per_node = sc.cluster.ray_pods_per_node as usize;
        for (i, name) in sc.initial_ray_pods().into_iter().enumerate() {
            let group = sc
                .cluster
                .worker_groups
                .iter()
                .position(|g| name.strip_prefix(&g.name).is_some_and(|r| r.starts_with('-')));
            let ready = sc.ingress == Ingress::Service;
            let state = PodState { node: i / per_node, group, endpoint_ready: ready, ..PodState::default() };
            pods.insert(name, state);
        }
        let mut tasks: Vec<(Duration, Task)> =
            sc.faults.iter().enumerate().map(|(i, f)| (sd(f.at - SimTime::ZERO), Task::Fault(i))).collect();
        if sc.ingress == Ingress::Service {
            // The cluster serves at t = 0: its pods passed their first probes.
            for name in pods.keys() {
                let period = sd(readiness_period(sc, name));
                tasks.push((period, Task::ReadinessProbe { pod: name.clone(), start: 0 }));
            }
        }
        tasks.sort_by_key(|(t, _)| *t);
        Orchestrator {
            sc,
            adapter,
            t0,
            tasks,
            log: Journal::default(),
            faults: Vec::new(),
            detectors: Vec::new(),
            fault_rng: (0..sc.faults.len()).map(|i| RngStream::new(sc.seed, &stream::fault(i))).collect(),
            pods,
            worker_generation: sc.cluster.worker_groups.iter().map(|g| g.replicas).collect(),
            nodes_ready: vec![true; sc.cluster.k8s_nodes as usize],
            redis_down: 0,
            head_waiting_for_redis: false,
            endpoints,
            levels: Vec::new(),
            last: None,
            health_pids: Vec::new(),
            pinned_lost: false,
            node_back_at: Vec::new(),
        }
    }

    fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    fn sim_now(&self) -> SimTime {
        SimTime::from_micros(self.now().as_micros() as u64)
    }

    fn note(&mut self, component: Component, name: &str, what: std::fmt::Arguments<'_>) {
        let at = self.sim_now();
        self.log.record(at, component, name, what);
    }

    fn schedule(&mut self, after: Duration, task: Task) {
        let at = self.now() + after;
        let pos = self.tasks.partition_point(|(t, _)| *t <= at);
        self.tasks.insert(pos, (at, task));
    }

    fn act(&mut self, action: Action) -> Result<(), LiveError> {
        self.note(Component::Live, "action", format_args!("{action:?}"));
        let done = self.adapter.act(&action)?;
        self.note(Component::Live, "action", format_args!("{done}"));
        Ok(())
    }

    /// Runs the timeline until `until` has passed and `finished()` says the load is done,
    /// streaming events.log lines to `events_log` as they are observed.
    pub fn run(
        mut self,
        until: Duration,
        stop: &AtomicBool,
        finished: impl Fn() -> bool,
        events_log: &mut dyn Write,
    ) -> Result<Timeline, LiveError> {
        self.note(Component::Live, "ftsim", format_args!("load started; cluster serving"));
        let mut next_poll = Duration::ZERO;
        loop {
            if stop.load(Ordering::SeqCst) {
                return Err(LiveError::Interrupted);
            }
            let now = self.now();
            if now >= until && finished() {
                break;
            }
            while let Some((at, _)) = self.tasks.first() {
                if *at > self.now() {
                    break;
                }
                let (_, task) = self.tasks.remove(0);
                self.run_task(task)?;
            }
            if self.now() >= next_poll {
                self.poll()?;
                next_poll = self.now() + POLL;
            }
            self.drain_log(events_log)?;
            let wake = self.tasks.first().map_or(next_poll, |(t, _)| (*t).min(next_poll));
            std::thread::sleep(wake.saturating_sub(self.now()).min(Duration::from_millis(100)));
        }
        self.poll()?;
        self.note(Component::Live, "ftsim", format_args!("end of run"));
        self.drain_log(events_log)?;
        events_log.flush().map_err(|e| LiveError::Io(format!("cannot write events.log: {e}")))?;
        Ok(Timeline { levels: self.levels, faults: self.faults })
    }

    fn drain_log(&mut self, events_log: &mut dyn Write) -> Result<(), LiveError> {
        self.log.drain_to(events_log).map_err(|e| LiveError::Io(format!("cannot write events.log: {e}")))
    }

    fn run_task(&mut self, task: Task) -> Result<(), LiveError> {
        match task {
            Task::Fault(i) => self.inject(i),
            Task::FaultEnd(i) => self.end_fault(i),
            Task::StartPod(name) | Task::RestartContainer(name) => self.start_container(&name),
            Task::Resubmit => {
                self.note(
                    Component::Kuberay,
                    "rayservice",
                    format_args!("no Serve application found; resubmitting the Serve config"),
                );
                self.act(Action::Deploy)
            }
            Task::RedisBack => {
                self.redis_down = self.redis_down.saturating_sub(1);
                if self.redis_down == 0 {
                    self.act(Action::StartRedis)?;
                    if std::mem::take(&mut self.head_waiting_for_redis) {
                        self.start_container("head")?;
                    }
                }
                Ok(())
            }
            Task::NodeNotReady(node) => {
                let lost: Vec<String> = self
                    .pods
                    .iter()
                    .filter(|(_, p)| p.node == node && p.gone && p.endpoint_ready)
                    .map(|(n, _)| n.clone())
                    .collect();
                for name in lost {
                    self.pods.get_mut(&name).expect("listed above").endpoint_ready = false;
                    self.note(Component::Endpoint, &name, format_args!("removed (node NotReady)"));
                }
                self.refresh_endpoints();
                // Kubernetes has noticed the loss: the fault is detected (as in the simulator),
                // even when the GCS that would also notice it was on that node.
                let pods = &self.pods;
                let lost_here =
                    |victims: &[String]| victims.iter().any(|v| pods.get(v).is_some_and(|p| p.node == node));
                let hits: Vec<usize> = (0..self.detectors.len())
                    .filter(|&k| matches!(&self.detectors[k].1, Detector::NodeLost { pods, .. } if lost_here(pods)))
                    .collect();
                let at = self.sim_now();
                for k in hits.into_iter().rev() {
                    self.detected(k, at);
                }
                Ok(())
            }
            Task::ReadinessProbe { pod, start } => {
                self.readiness_probe(&pod, start);
                Ok(())
            }
            Task::DrainDeadline(name) => {
                if self.pods.get(&name).is_some_and(|p| !p.gone) {
                    self.note(Component::Pod, &name, format_args!("drain deadline: processes killed"));
                    self.pod_gone(&name)?;
                }
                Ok(())
            }
        }
    }

    /// After the head restarts without GCS fault tolerance the cluster is empty: RayService
    /// resubmits the application once the head is ready (readiness initial delay, 2 s grid).
    fn after_pod_started(&mut self, name: &str) -> Result<(), LiveError> {
        if self.sc.ingress == Ingress::Service
            && let Some(p) = self.pods.get_mut(name)
        {
            p.starts += 1;
            p.endpoint_ready = false;
            let probe = Task::ReadinessProbe { pod: name.to_string(), start: p.starts };
            self.schedule(sd(self.sc.timings.readiness_initial_delay), probe);
        }
        if name == "head" && !self.sc.cluster.gcs_fault_tolerance {
            let t = &self.sc.timings;
            let ready = self.sim_now() + t.readiness_initial_delay;
            let at = ready.ceil_to_grid(SimTime::ZERO, t.rayservice_reconcile);
            self.schedule(sd(at.saturating_since(self.sim_now())), Task::Resubmit);
        }
        self.refresh_endpoints();
        Ok(())
    }

    /// KubeRay: a deleted pod is replaced under a new name (workers) or as a new head.
    fn recreate_after(&mut self, name: &str, delay: Duration) {
        let Some(state) = self.pods.get(name).cloned() else { return };
        // The old pod's pending container restart dies with it (the head is recreated under
        // the same name).
        self.tasks.retain(|(_, t)| *t != Task::RestartContainer(name.to_string()));
        let new_name = match state.group {
            Some(g) => {
                self.worker_generation[g] += 1;
                format!("{}-{}", self.sc.cluster.worker_groups[g].name, self.worker_generation[g])
            }
            None => "head".to_string(),
        };
        let node = self.free_node().unwrap_or(state.node);
        self.pods
            .insert(new_name.clone(), PodState { node, expect_exit: true, group: state.group, ..PodState::default() });
        self.note(Component::Pod, &new_name, format_args!("created by KubeRay; starts in {delay:?}"));
        self.schedule(delay, Task::StartPod(new_name));
    }

    fn free_node(&self) -> Option<usize> {
        let per_node = self.sc.cluster.ray_pods_per_node as usize;
        (0..self.nodes_ready.len())
            .find(|&n| self.nodes_ready[n] && self.pods.values().filter(|p| !p.gone && p.node == n).count() < per_node)
    }

    /// The pod's processes are gone for good (deleted pod): kill leftovers, recreate it.
    fn pod_gone(&mut self, name: &str) -> Result<(), LiveError> {
        if let Some(p) = self.pods.get_mut(name) {
            p.gone = true;
            p.expect_exit = true;
            p.endpoint_ready = false;
        }
        self.act(Action::KillPod { pod: name.to_string() })?;
        self.refresh_endpoints();
        self.recreate_after(name, sd(self.sc.timings.pod_start));
        Ok(())
    }

    fn record_fault(&mut self, i: usize, target: Option<String>, detector: Option<Detector>) {
        let kind = self.sc.faults[i].kind.name().to_string();
        let injected_at = self.sim_now();
        self.note(
            Component::Fault,
            &format!("#{i}"),
            format_args!("{kind} injected ({})", target.as_deref().unwrap_or("-")),
        );
        let detected_at = detector.is_none().then_some(injected_at);
        self.faults.push(FaultRecord { kind, target, injected_at, detected_at });
        if let Some(d) = detector {
            self.detectors.push((self.faults.len() - 1, d));
        }
    }

    /// (replica id, pid) of the replicas a fault can target, in the naming order.
    fn targetable_replicas(&mut self) -> Result<Vec<(String, Option<u32>)>, LiveError> {
        let snap = self.adapter.observe()?;
        Ok(snap.targetable_replicas().into_iter().map(|r| (r.replica_id.clone(), r.pid)).collect())
    }

    /// Resolves `<deployment>#k` to the k-th running replica (by pod, then id); `None` picks one
    /// with the fault's random stream.
    fn pick_replica(&mut self, i: usize, target: &Option<String>) -> Result<Option<(String, Option<u32>)>, LiveError> {
        let running = self.targetable_replicas()?;
        if running.is_empty() {
            return Ok(None);
        }
        let k = match target {
            Some(t) => {
                t.rsplit('#').next().and_then(|n| n.parse::<usize>().ok()).map(|n| (n.max(1) - 1) % running.len())
            }
            None => Some(self.fault_rng[i].below(running.len())),
        };
        Ok(k.map(|k| (running[k].0.clone(), running[k].1)))
    }

    /// A pod that is not gone (a worker when `workers_only`), picked with fault `i`'s stream.
    fn pick_live_pod(&mut self, i: usize, workers_only: bool) -> String {
        let live: Vec<String> = self
            .pods
            .iter()
            .filter(|(n, p)| !p.gone && (!workers_only || *n != "head"))
            .map(|(n, _)| n.clone())
            .collect();
        live[self.fault_rng[i].below(live.len())].clone()
    }

    fn inject(&mut self, i: usize) -> Result<(), LiveError> {
        let kind = self.sc.faults[i].kind.clone();
        match kind {
            FaultKind::ReplicaCrash { target } => {
                let r = self.pick_replica(i, &target)?;
                let det = r.as_ref().map(|(id, _)| Detector::ReplicaNotRunning(id.clone()));
                self.record_fault(i, replica_label(&target, &r), det);
                if let Some((id, _)) = r {
                    self.act(Action::KillReplica { replica_id: id })?;
                }
            }
            FaultKind::ReplicaHealthCheckFailure { target, duration, .. } => {
                let r = self.pick_replica(i, &target)?;
                let det = r.as_ref().map(|(id, _)| Detector::ReplicaNotRunning(id.clone()));
                self.record_fault(i, replica_label(&target, &r), det);
                if let Some((_, Some(pid))) = r {
                    self.act(Action::FailHealth { pid, on: true })?;
                    self.health_pids.push((i, pid));
                    if let Some(d) = duration {
                        self.schedule(sd(d), Task::FaultEnd(i));
                    }
                }
            }
            FaultKind::ConstructorFailure { failures, duration } => {
                let before = self.last.as_ref().map_or(0, |snap| snap.constructors_raised);
                self.record_fault(i, None, Some(Detector::ConstructorFailed { before }));
                match failures {
                    ConstructorFailures::Count(n) => self.act(Action::FailConstructorsCount(n))?,
                    ConstructorFailures::Probability(t) => {
                        self.act(Action::FailConstructorsProbability(t as f64 / 4_294_967_296.0))?
                    }
                }
                if let Some(d) = duration {
                    self.schedule(sd(d), Task::FaultEnd(i));
                }
            }
            FaultKind::ControllerCrash => {
                self.record_fault(i, Some("serve-controller".into()), Some(Detector::ControllerDown));
                self.act(Action::KillController)?;
            }
            FaultKind::ProxyCrash { target } => {
                let pod = target.unwrap_or_else(|| self.pick_live_pod(i, false));
                self.record_fault(i, Some(pod.clone()), Some(Detector::ProxyNotHealthy(pod.clone())));
                self.act(Action::KillProxy { pod })?;
            }
            FaultKind::WorkerPodDeletion { target } => {
                let pod = target.unwrap_or_else(|| self.pick_live_pod(i, true));
                self.record_fault(i, Some(pod.clone()), None);
                if let Some(p) = self.pods.get_mut(&pod) {
                    p.expect_exit = true;
                    p.endpoint_ready = false; // a terminating pod leaves the Service at once
                }
                self.act(Action::TerminatePod { pod: pod.clone() })?;
                let deadline = sd(self.sc.timings.node_drain_timeout) + Duration::from_secs(5);
                self.schedule(deadline, Task::DrainDeadline(pod));
            }
            FaultKind::NodeLoss { target, unreachable } => {
                let node = target
                    .as_deref()
                    .and_then(names::node_index)
                    .map(|n| n as usize - 1)
                    .unwrap_or_else(|| self.fault_rng[i].below(self.nodes_ready.len()));
                let victims: Vec<String> =
                    self.pods.iter().filter(|(_, p)| !p.gone && p.node == node).map(|(n, _)| n.clone()).collect();
                let proxied = victims
                    .iter()
                    .filter(|pod| self.last.as_ref().is_some_and(|snap| proxy_serves(snap, pod)))
                    .cloned()
                    .collect();
                let detector = Detector::NodeLost { pods: victims.clone(), proxied };
                self.record_fault(i, Some(names::node(node as u32 + 1)), Some(detector));
                self.nodes_ready[node] = false;
                let t = &self.sc.timings;
                let (gc, provisioning, pod_start) = (sd(t.orphan_pod_gc), sd(t.node_provisioning), sd(t.pod_start));
                for pod in &victims {
                    if let Some(p) = self.pods.get_mut(pod) {
                        p.gone = true;
                        p.expect_exit = true;
                    }
                    let pod = pod.clone();
                    self.act(if unreachable { Action::FreezePod { pod } } else { Action::KillPod { pod } })?;
                }
                self.refresh_endpoints();
                let room_elsewhere = self.free_node().is_some();
                let delay = if room_elsewhere { gc } else { gc.max(provisioning) } + pod_start;
                for pod in victims {
                    self.recreate_after(&pod, delay);
                }
                self.node_back_at.push((self.now() + provisioning, node));
                // Its pods stay Service endpoints until the node turns NotReady.
                self.schedule(sd(t.node_monitor_grace), Task::NodeNotReady(node));
            }
            FaultKind::HeadPodCrash => {
                self.record_fault(i, Some("head".into()), None);
                if let Some(p) = self.pods.get_mut("head") {
                    p.expect_exit = true;
                }
                self.act(Action::KillPod { pod: "head".into() })?;
                if let Ingress::Pinned { pod } = &self.sc.ingress
                    && pod == "head"
                {
                    self.endpoints.lock().expect("endpoints lock").pinned = None;
                    self.pinned_lost = true;
                }
                self.schedule(sd(self.sc.timings.pod_start), Task::StartPod("head".into()));
            }
            FaultKind::RedisOutage { duration } => {
                self.record_fault(i, Some("redis".into()), Some(Detector::GcsDown));
                let effective = redis::outage_length(duration, self.sc.cluster.redis_mode, &self.sc.timings);
                if self.redis_down == 0 {
                    self.act(Action::StopRedis)?;
                }
                self.redis_down += 1;
                self.schedule(sd(effective), Task::RedisBack);
            }
        }
        Ok(())
    }

    fn end_fault(&mut self, i: usize) -> Result<(), LiveError> {
        self.note(Component::Fault, &format!("#{i}"), format_args!("{} ends", self.sc.faults[i].kind.name()));
        match self.sc.faults[i].kind {
            FaultKind::ReplicaHealthCheckFailure { .. } => {
                let pids: Vec<u32> = self.health_pids.iter().filter(|(f, _)| *f == i).map(|(_, p)| *p).collect();
                for pid in pids {
                    self.act(Action::FailHealth { pid, on: false })?;
                }
            }
            FaultKind::ConstructorFailure { .. } => self.act(Action::FailConstructorsProbability(0.0))?,
            _ => {}
        }
        Ok(())
    }

    /// Starts (or restarts) a pod's Ray container. A GCS-FT head is held back while Redis is
    /// down: its `ray start` would block this single timeline while its GCS waits for Redis (up
    /// to the GCS's 60 s window; 63.7 s measured), whereas the simulated GCS is up as soon as
    /// Redis is back; so it starts when Redis is back. A head whose `ray start` exits anyway is
    /// a container that exited: the kubelet restarts it.
    fn start_container(&mut self, name: &str) -> Result<(), LiveError> {
        if name == "head" && self.sc.cluster.gcs_fault_tolerance && self.redis_down > 0 {
            self.note(
                Component::Pod,
                name,
                format_args!("container held until Redis is back (the GCS cannot load the cluster)"),
            );
            self.head_waiting_for_redis = true;
            return Ok(());
        }
        if let Some(p) = self.pods.get_mut(name) {
            p.expect_exit = false;
        }
        let action = if name == "head" { Action::StartHead } else { Action::StartWorker { pod: name.to_string() } };
        match self.act(action) {
            Err(LiveError::ContainerExited(why)) => {
                self.crash_loop(name, &why);
                Ok(())
            }
            r => {
                r?;
                self.after_pod_started(name)
            }
        }
    }

    /// The kubelet's CrashLoopBackOff: the pod's container exited by itself; it is restarted
    /// after the back-off (at once, then 10 s, 20 s, ...).
    fn crash_loop(&mut self, name: &str, why: &str) {
        let restarts = self.pods.get(name).map_or(0, |p| p.restarts);
        let backoff = sd(kubelet::restart_backoff(&self.sc.timings, restarts));
        if let Some(p) = self.pods.get_mut(name) {
            p.restarts += 1;
            p.expect_exit = true;
        }
        self.note(Component::Pod, name, format_args!("RUNNING -> CRASH_LOOP_BACKOFF ({why}; restart in {backoff:?})"));
        self.schedule(backoff, Task::RestartContainer(name.to_string()));
    }

    /// Polls the cluster: levels, state changes into the events log, fault detection, and the
    /// kubelet's and KubeRay's reactions to pods whose processes ended.
    fn poll(&mut self) -> Result<(), LiveError> {
        let mut snap = self.adapter.observe()?;
        if !(snap.ray_view.available && snap.controller.answering == Some(true)) {
            // Replicas and proxies cannot be seen without the controller: keep the last view
            // rather than log every one of them as unknown.
            if let Some(prev) = &self.last {
                snap.replicas = prev.replicas.clone();
                snap.proxies = prev.proxies.clone();
                snap.app = prev.app.clone();
            }
        }
        let at = self.sim_now();
        let terminating: Vec<String> =
            self.pods.iter().filter(|(_, p)| p.expect_exit && !p.gone).map(|(n, _)| n.clone()).collect();
        let levels = snap.levels(self.sc, self.levels.last().map(|(_, l)| l), &terminating);
        if self.levels.last().is_none_or(|(_, l)| *l != levels) {
            self.levels.push((at, levels));
        }
        self.log_changes(&snap);
        self.detect(&snap, at);
        let now = self.now();
        let back: Vec<usize> = self.node_back_at.iter().filter(|(t, _)| *t <= now).map(|(_, n)| *n).collect();
        self.node_back_at.retain(|(t, _)| *t > now);
        for n in back {
            self.nodes_ready[n] = true;
            self.note(
                Component::Node,
                &names::node(n as u32 + 1),
                format_args!("LOST -> READY (replacement provisioned)"),
            );
        }
        for pod in &snap.pods {
            let Some(state) = self.pods.get(&pod.name).cloned() else { continue };
            if pod.process != "exited" || state.gone {
                continue;
            }
            if state.expect_exit {
                // A deleted pod finished draining.
                if !self.tasks.iter().any(|(_, t)| *t == Task::StartPod(pod.name.clone())) {
                    self.note(Component::Pod, &pod.name, format_args!("TERMINATING -> GONE (drained)"));
                    self.pod_gone(&pod.name)?;
                }
                continue;
            }
            // Ray exited by itself: the kubelet restarts the container.
            self.crash_loop(&pod.name, "Ray exited");
            self.act(Action::KillPod { pod: pod.name.clone() })?;
        }
        self.last = Some(snap);
        self.refresh_endpoints();
        Ok(())
    }

    /// Kubernetes' readiness probe (RayService workers: failureThreshold 1), as the simulator
    /// runs it: ready when the pod's Ray runs and its proxy is healthy (from the last snapshot, at
    /// most one poll old); the head's serve label follows the same rule on RayService's cadence.
    fn readiness_probe(&mut self, name: &str, start: u32) {
        let Some(state) = self.pods.get(name) else { return };
        if state.gone || state.starts != start {
            return;
        }
        let ready = self.last.as_ref().is_some_and(|snap| proxy_serves(snap, name));
        if ready != state.endpoint_ready {
            let what = if ready { "added (readiness passed)" } else { "removed (readiness failed)" };
            self.note(Component::Endpoint, name, format_args!("{what}"));
        }
        if let Some(p) = self.pods.get_mut(name) {
            p.endpoint_ready = ready;
        }
        self.refresh_endpoints();
        let period = sd(readiness_period(self.sc, name));
        self.schedule(period, Task::ReadinessProbe { pod: name.to_string(), start });
    }

    /// Points the load at the current proxies: the pinned pod's (until it is deleted), or every
    /// pod whose proxy is healthy (the Service's ready endpoints).
    fn refresh_endpoints(&mut self) {
        let urls = self.adapter.endpoints();
        let mut e = self.endpoints.lock().expect("endpoints lock");
        match &self.sc.ingress {
            Ingress::Pinned { pod } => {
                let gone = self.pinned_lost || self.pods.get(pod).is_none_or(|p| p.gone);
                e.pinned = if gone { None } else { urls.get(pod).cloned() };
            }
            Ingress::Service => {
                e.service = true;
                e.ready = self
                    .pods
                    .iter()
                    .filter(|(_, s)| s.endpoint_ready)
                    .filter_map(|(pod, _)| urls.get(pod).cloned())
                    .collect();
            }
        }
    }

    fn detect(&mut self, snap: &Snapshot, at: SimTime) {
        let ray = snap.ray_view.available && snap.controller.answering == Some(true);
        let mut hits = Vec::new();
        for (k, (_, det)) in self.detectors.iter().enumerate() {
            let seen = match det {
                Detector::ReplicaNotRunning(id) => {
                    ray && !snap.replicas.iter().any(|r| &r.replica_id == id && r.state.as_deref() == Some("RUNNING"))
                }
                Detector::ControllerDown => {
                    snap.controller.actor_state.as_deref() != Some("ALIVE") || snap.controller.answering == Some(false)
                }
                Detector::ProxyNotHealthy(pod) => ray && !proxy_healthy(snap, pod),
                Detector::NodeLost { pods, proxied } => {
                    snap.pods.iter().any(|p| pods.contains(&p.name) && p.node_state.as_deref() == Some("DEAD"))
                        || ray && proxied.iter().any(|pod| !proxy_healthy(snap, pod))
                }
                Detector::GcsDown => !snap.gcs.port_open || snap.gcs.answering == Some(false),
                Detector::ConstructorFailed { before } => snap.constructors_raised > *before,
            };
            if seen {
                hits.push(k);
            }
        }
        for k in hits.into_iter().rev() {
            self.detected(k, at);
        }
    }

    /// Detector `k` fired at `at`: its fault is detected.
    fn detected(&mut self, k: usize, at: SimTime) {
        let (rec, _) = self.detectors.remove(k);
        self.faults[rec].detected_at = Some(at);
        self.note(Component::Fault, &format!("#{rec}"), format_args!("detected"));
    }

    /// One events.log line per observed change of a pod, replica, proxy, the controller, the
    /// GCS or Redis.
    fn log_changes(&mut self, snap: &Snapshot) {
        let prev = self.last.take().unwrap_or_default();
        for p in &snap.pods {
            let before = prev.pods.iter().find(|q| q.name == p.name);
            let (bp, bn) = before.map_or(("-", "-"), |q| (q.process.as_str(), q.node_state.as_deref().unwrap_or("-")));
            let (np, nn) = (p.process.as_str(), p.node_state.as_deref().unwrap_or("-"));
            if (bp, bn) != (np, nn) {
                let (bp, bn, np, nn) = (bp.to_string(), bn.to_string(), np.to_string(), nn.to_string());
                self.note(Component::Pod, &p.name, format_args!("process {bp} -> {np}, node {bn} -> {nn}"));
            }
        }
        for r in &snap.replicas {
            let before = prev.replicas.iter().find(|q| q.replica_id == r.replica_id).and_then(|q| q.state.clone());
            if before != r.state {
                let (b, n) = (before.unwrap_or_else(|| "-".into()), r.state.clone().unwrap_or_else(|| "?".into()));
                let pod = r.pod.clone().unwrap_or_else(|| "-".into());
                self.note(Component::Replica, &r.replica_id, format_args!("{b} -> {n} on {pod}"));
            }
        }
        if snap.ray_view.available && snap.controller.answering == Some(true) {
            for r in &prev.replicas {
                if !snap.replicas.iter().any(|q| q.replica_id == r.replica_id) {
                    let b = r.state.clone().unwrap_or_else(|| "-".into());
                    self.note(Component::Replica, &r.replica_id, format_args!("{b} -> gone"));
                }
            }
        }
        for p in &snap.proxies {
            let pod = p.pod.clone().unwrap_or_else(|| "-".into());
            let before = prev.proxies.iter().find(|q| q.pod == p.pod).and_then(|q| q.status.clone());
            if before != p.status {
                let (b, n) = (before.unwrap_or_else(|| "-".into()), p.status.clone().unwrap_or_else(|| "?".into()));
                self.note(Component::Proxy, &format!("proxy@{pod}"), format_args!("{b} -> {n}"));
            }
        }
        let ctl = |s: &Snapshot| (s.controller.actor_state.clone(), s.controller.answering);
        if ctl(&prev) != ctl(snap) {
            let state = snap.controller.actor_state.clone().unwrap_or_else(|| "-".into());
            let answering = yes_no(snap.controller.answering);
            self.note(Component::Controller, "serve-controller", format_args!("actor {state}, answering {answering}"));
        }
        if (prev.gcs.port_open, prev.gcs.answering) != (snap.gcs.port_open, snap.gcs.answering) {
            let (open, ans) = (yes_no(Some(snap.gcs.port_open)), yes_no(snap.gcs.answering));
            self.note(Component::Gcs, "gcs", format_args!("port open {open}, answering {ans}"));
        }
        if prev.redis.answering != snap.redis.answering {
            let ans = yes_no(Some(snap.redis.answering));
            self.note(Component::Redis, "redis", format_args!("answering {ans}"));
        }
    }
}
