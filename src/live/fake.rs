//! A cluster that lives in this process: the pods, replicas, proxies, controller, GCS and Redis
//! as plain state that reacts to [`Action`]s the way the real ones do, on [`VirtualClock`] time.
//! It runs the live orchestrator's whole logic in milliseconds without Ray: the tests of the
//! operators' timing, and `ftsim live --dry-run`'s list of the actions a run will take.
//!
//! What it models: a killed replica is replaced by the next poll (a new id on the same pod); a
//! killed controller or proxy is down for one poll; a terminated pod has drained by the next
//! poll; a head without GCS fault tolerance comes back empty until the application is deployed
//! again; a GCS-FT head refuses to start while Redis is down (the orchestrator must hold it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::orchestrator::timeline::{Clock, VirtualClock};
use super::snapshot::{ControllerView, GcsView, PodView, ProxyView, RayView, RedisView, ReplicaView, Snapshot};
use crate::names;
use crate::scenario::Scenario;

/// A pod's processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Process {
    Running,
    /// Frozen (SIGSTOP): still there, but its node is dead to the GCS.
    Frozen,
    Exited,
    Killed,
}

#[derive(Clone, Debug)]
struct FakePod {
    name: String,
    process: Process,
    /// Its proxy was killed and is shown unhealthy at the next poll.
    proxy_down: bool,
}

#[derive(Clone, Debug)]
struct FakeReplica {
    id: String,
    pod: String,
    pid: u32,
}

/// The in-process cluster (see the module docs).
pub struct FakeCluster {
    clock: VirtualClock,
    gcs_ft: bool,
    num_replicas: u32,
    pods: Vec<FakePod>,
    replicas: Vec<FakeReplica>,
    replicas_made: u32,
    app_deployed: bool,
    controller_down: bool,
    redis_up: bool,
    failing_constructors: u32,
    constructors_raised: u64,
    exits_on_start: BTreeMap<String, u32>,
    interrupt: Option<(usize, Arc<AtomicBool>)>,
    /// How long each action takes.
    latency: Duration,
    /// Every action taken, with its time.
    pub actions: Vec<(Duration, Action)>,
}

impl FakeCluster {
    /// An empty cluster on a virtual clock at zero; [`ClusterAdapter::start`] brings up a
    /// scenario.
    pub fn new() -> Self {
        FakeCluster {
            clock: VirtualClock::default(),
            gcs_ft: false,
            num_replicas: 0,
            pods: Vec::new(),
            replicas: Vec::new(),
            replicas_made: 0,
            app_deployed: false,
            controller_down: false,
            redis_up: true,
            failing_constructors: 0,
            constructors_raised: 0,
            exits_on_start: BTreeMap::new(),
            interrupt: None,
            latency: Duration::ZERO,
            actions: Vec::new(),
        }
    }

    /// The clock the cluster's actions are timed by (clones share its time).
    pub fn clock(&self) -> VirtualClock {
        self.clock.clone()
    }

    /// The next `times` starts of pod `pod` (`head` for the head) after the cluster's own start
    /// exit at once.
    pub fn exit_on_start(&mut self, pod: &str, times: u32) {
        self.exits_on_start.insert(pod.to_string(), times);
    }

    /// Each action takes `latency` of the clock's time from now on, as a real one takes a few
    /// milliseconds (a signal, a helper's round trip): what follows an action happens that much
    /// later than the action's scheduled time.
    pub fn action_latency(&mut self, latency: Duration) {
        self.latency = latency;
    }

    /// Sets `flag` (as Ctrl-C does) once `actions` actions have been taken.
    pub fn interrupt_after(&mut self, actions: usize, flag: Arc<AtomicBool>) {
        self.interrupt = Some((actions, flag));
    }

    fn head_running(&self) -> bool {
        self.pods.iter().any(|p| p.name == names::HEAD_POD && p.process == Process::Running)
    }

    fn gcs_answering(&self) -> bool {
        self.head_running() && (!self.gcs_ft || self.redis_up)
    }

    fn pod_mut(&mut self, name: &str) -> Option<&mut FakePod> {
        self.pods.iter_mut().find(|p| p.name == name)
    }

    /// `name`'s processes are gone or frozen: so are its replicas (and with the head, the
    /// controller, and without GCS fault tolerance the cluster's state).
    fn lose_pod(&mut self, name: &str, process: Process) {
        if let Some(p) = self.pod_mut(name) {
            p.process = process;
        }
        self.replicas.retain(|r| r.pod != name);
        if name == names::HEAD_POD && !self.gcs_ft {
            self.app_deployed = false;
            self.replicas.clear();
        }
    }

    fn start_pod(&mut self, name: &str) -> Result<(), LiveError> {
        if let Some(n) = self.exits_on_start.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            return Err(LiveError::ContainerExited(format!("{name}: ray start exited (fake)")));
        }
        match self.pod_mut(name) {
            Some(p) => {
                p.process = Process::Running;
                p.proxy_down = false;
            }
            None => self.pods.push(FakePod { name: name.to_string(), process: Process::Running, proxy_down: false }),
        }
        Ok(())
    }

    /// The controller brings the replicas back to the target on running pods, in turn.
    fn reconcile(&mut self) {
        if !self.app_deployed || self.controller_down || !self.gcs_answering() {
            return;
        }
        let hosts: Vec<String> =
            self.pods.iter().filter(|p| p.process == Process::Running).map(|p| p.name.clone()).collect();
        while (self.replicas.len() as u32) < self.num_replicas && !hosts.is_empty() {
            if self.failing_constructors > 0 {
                self.failing_constructors -= 1;
                self.constructors_raised += 1;
                continue;
            }
            let pod = hosts[self.replicas_made as usize % hosts.len()].clone();
            self.replicas_made += 1;
            let n = self.replicas_made;
            self.replicas.push(FakeReplica { id: format!("replica-{n}"), pod, pid: 1000 + n });
        }
    }

    fn snapshot(&self) -> Snapshot {
        let gcs = self.gcs_answering();
        let controller = gcs && !self.controller_down;
        let pods = self
            .pods
            .iter()
            .map(|p| PodView {
                name: p.name.clone(),
                role: if p.name == names::HEAD_POD { "head" } else { "worker" }.into(),
                process: match p.process {
                    Process::Running | Process::Frozen => "running",
                    Process::Exited => "exited",
                    Process::Killed => "killed",
                }
                .into(),
                // Node states come from the GCS: unknown while it does not answer, as live.
                node_state: gcs.then(|| if p.process == Process::Running { "ALIVE" } else { "DEAD" }.into()),
                ..PodView::default()
            })
            .collect();
        let replicas = self
            .replicas
            .iter()
            .map(|r| ReplicaView {
                replica_id: r.id.clone(),
                state: Some("RUNNING".into()),
                actor_state: Some("ALIVE".into()),
                pid: Some(r.pid),
                pod: Some(r.pod.clone()),
            })
            .collect();
        let proxies = self
            .pods
            .iter()
            // Proxy states come from the controller: none while it does not answer, as live.
            .filter(|p| controller && p.process == Process::Running)
            .map(|p| ProxyView {
                pod: Some(p.name.clone()),
                status: Some(if p.proxy_down { "UNHEALTHY" } else { "HEALTHY" }.into()),
                actor_state: Some("ALIVE".into()),
                url: None,
            })
            .collect();
        Snapshot {
            redis: RedisView { running: self.redis_up, answering: self.redis_up },
            gcs: GcsView { port_open: self.head_running(), answering: Some(gcs) },
            pods,
            ray_view: RayView { available: gcs },
            controller: ControllerView {
                actor_state: Some(if controller { "ALIVE" } else { "RESTARTING" }.into()),
                answering: Some(controller),
            },
            replicas,
            proxies,
            constructors_raised: self.constructors_raised,
            ..Snapshot::default()
        }
    }
}

impl Default for FakeCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl ClusterAdapter for FakeCluster {
    fn start(&mut self, sc: &Scenario) -> Result<(), LiveError> {
        self.gcs_ft = sc.cluster.gcs_fault_tolerance;
        self.num_replicas = sc.serve.first().num_replicas;
        self.pods = sc
            .initial_ray_pods()
            .into_iter()
            .map(|name| FakePod { name, process: Process::Running, proxy_down: false })
            .collect();
        self.app_deployed = true;
        self.reconcile();
        Ok(())
    }

    fn act(&mut self, action: &Action) -> Result<String, LiveError> {
        self.actions.push((self.clock.now(), action.clone()));
        let done = self.clock.now() + self.latency;
        self.clock.wait_until(done);
        if let Some((n, flag)) = &self.interrupt
            && self.actions.len() >= *n
        {
            flag.store(true, Ordering::SeqCst);
        }
        match action {
            Action::KillReplica { replica_id } => self.replicas.retain(|r| &r.id != replica_id),
            // A cut's effects (the GCS's verdict, the raylet's exit when it heals) are Ray's own.
            Action::FailHealth { .. } | Action::FailConstructorsProbability(_) | Action::PartitionPod { .. } => {}
            Action::FailConstructorsCount(n) => self.failing_constructors = *n,
            Action::KillController { .. } => self.controller_down = true,
            Action::KillProxy { pod } => {
                if let Some(p) = self.pod_mut(pod) {
                    p.proxy_down = true;
                }
            }
            Action::TerminatePod { pod } => self.lose_pod(pod, Process::Exited),
            Action::KillPod { pod } => self.lose_pod(pod, Process::Killed),
            Action::FreezePod { pod } => self.lose_pod(pod, Process::Frozen),
            // `ray start --block` sees its GCS die and exits: the head's container exited.
            Action::KillGcs => self.lose_pod(names::HEAD_POD, Process::Exited),
            Action::StartWorker { pod } => self.start_pod(pod)?,
            Action::StartHead => {
                if self.gcs_ft && !self.redis_up {
                    return Err(LiveError::Helper("fake: a GCS-FT head started while Redis is down".into()));
                }
                self.start_pod(names::HEAD_POD)?;
            }
            Action::StopRedis => self.redis_up = false,
            Action::StartRedis => self.redis_up = true,
            Action::Deploy => self.app_deployed = true,
            Action::StartServe => self.controller_down = false,
        }
        Ok(format!("fake: {action:?} done"))
    }

    fn observe(&mut self) -> Result<Snapshot, LiveError> {
        let snap = self.snapshot();
        // What was down for this poll recovers by the next.
        self.controller_down = false;
        for p in &mut self.pods {
            p.proxy_down = false;
        }
        self.reconcile();
        Ok(snap)
    }

    fn endpoints(&self) -> BTreeMap<String, String> {
        self.pods.iter().map(|p| (p.name.clone(), format!("http://fake/{}", p.name))).collect()
    }

    /// A running pod's proxy answers, unless it was just killed.
    fn probe_proxy_health(&mut self, pod: &str, _timeout: Duration) -> bool {
        self.pods.iter().any(|p| p.name == pod && p.process == Process::Running && !p.proxy_down)
    }

    fn teardown(self: Box<Self>) -> Result<String, LiveError> {
        Ok("fake cluster: nothing to tear down".into())
    }
}
