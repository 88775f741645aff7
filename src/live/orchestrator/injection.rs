//! Fault injection: resolves each fault's target (by name, or with the fault's own random
//! stream), records it, arms its detector and performs it on the cluster.

use std::time::Duration;

use super::observation::Detector;
use super::timeline::Task;
use super::{LiveError, Orchestrator};
use crate::engine::SimTime;
use crate::journal::Component;
use crate::live::adapter::Action;
use crate::metrics::observations::FaultRecord;
use crate::names;
use crate::policy::targets::{self, FaultStreams, NodeView, PodView, ReplicaLedger};
use crate::policy::{kuberay, node_lifecycle, redis};
use crate::scenario::{ConstructorFailures, Fault, FaultKind};

/// The faults' own state.
pub(super) struct Injection {
    /// Every fault of the run, scripted and generated, in time order.
    faults: Vec<Fault>,
    /// Each fault's random stream.
    rng: FaultStreams,
    /// (fault, pid) of the replicas whose health checks a fault made fail.
    health_pids: Vec<(usize, u32)>,
    /// Every replica id seen, in the order they appeared: what `<deployment>#k` names.
    pub(super) replicas: ReplicaLedger<String>,
    /// (fault, pod) of the pods a fault has cut off, until it heals.
    partitioned: Vec<(usize, String)>,
}

impl Injection {
    /// The run's `faults`, each with its random stream under `seed`.
    pub(super) fn new(seed: u64, faults: Vec<Fault>) -> Self {
        Injection {
            rng: FaultStreams::new(seed, &faults),
            faults,
            health_pids: Vec::new(),
            replicas: ReplicaLedger::default(),
            partitioned: Vec::new(),
        }
    }
}

/// `SleepyPid#3 (uf1vfidw)`: the scenario's name and the real replica id.
fn replica_label(target: &Option<String>, picked: &Option<(String, Option<u32>)>) -> Option<String> {
    match (target, picked) {
        (Some(t), Some((id, _))) => Some(format!("{t} ({id})")),
        (None, Some((id, _))) => Some(id.clone()),
        (t, None) => t.clone(),
    }
}

impl Orchestrator<'_> {
    fn record_fault(&mut self, i: usize, target: Option<String>, detector: Option<Detector>) {
        let kind = self.inj.faults[i].kind.name().to_string();
        let injected_at = self.sim_now();
        self.note(
            Component::Fault,
            &format!("#{i}"),
            format_args!("{kind} injected ({})", target.as_deref().unwrap_or("-")),
        );
        let detected_at = detector.is_none().then_some(injected_at);
        self.obs.faults.push(FaultRecord { kind, target, injected_at, detected_at });
        if let Some(d) = detector {
            self.obs.detectors.push((self.obs.faults.len() - 1, d));
        }
    }

    /// Resolves `<deployment>#k` to the k-th replica that appeared in the run, if it can be hit
    /// now (running); `None` draws one of the running replicas in the order they appeared with
    /// the fault's random stream, as the simulator draws among its replicas in creation order.
    fn pick_replica(&mut self, i: usize, target: &Option<String>) -> Result<Option<(String, Option<u32>)>, LiveError> {
        let snap = self.observe()?;
        let running = self.inj.replicas.in_creation_order(snap.targetable_replicas(), |r| &r.replica_id);
        let picked = match target {
            Some(name) => {
                let id = self.inj.replicas.by_name(name);
                running.into_iter().find(|r| Some(&r.replica_id) == id)
            }
            None => targets::pick(self.inj.rng.get(i), &running),
        };
        if picked.is_none() {
            self.note(Component::Fault, &format!("#{i}"), format_args!("no live replica to hit"));
        }
        Ok(picked.map(|r| (r.replica_id.clone(), r.pid)))
    }

    /// The pod fault `i` hits: `target`, or a running pod (a worker when `workers_only`) in
    /// creation order drawn with the fault's stream (the oldest when `oldest`), as the simulator
    /// draws it.
    fn resolve_pod(&mut self, i: usize, target: Option<String>, workers_only: bool, oldest: bool) -> Option<String> {
        if target.is_some() {
            return target;
        }
        let pods = self.ops.in_creation_order().into_iter().map(|(name, p)| PodView {
            id: name.clone(),
            head: names::is_head_pod(name),
            running: !p.gone && !p.expect_exit,
        });
        targets::pick_or_oldest(self.inj.rng.get(i), &targets::pod_candidates(pods, workers_only), oldest)
    }

    /// The node index fault `i` hits: `target`, or a Ready node running a Ray pod drawn with
    /// the fault's stream, as the simulator draws it.
    fn resolve_node(&mut self, i: usize, target: Option<&str>, among: Option<&[String]>) -> Option<usize> {
        if let Some(t) = target {
            return names::node_index(t).map(|n| n as usize - 1);
        }
        let ops = &self.ops;
        let in_scope = |n: &usize| among.is_none_or(|a| a.contains(&names::node(*n as u32 + 1)));
        let nodes = (0..ops.nodes_ready.len()).filter(in_scope).map(|n| NodeView {
            id: n,
            ready: ops.nodes_ready[n],
            hosts_running_pod: ops.pods.values().any(|p| p.node == n && !p.gone && !p.expect_exit),
        });
        targets::pick(self.inj.rng.get(i), &targets::node_candidates(nodes))
    }

    /// Injects fault `i`.
    pub(super) fn inject(&mut self, i: usize) -> Result<(), LiveError> {
        let kind = self.inj.faults[i].kind.clone();
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
                    self.inj.health_pids.push((i, pid));
                    if let Some(d) = duration {
                        self.schedule(Duration::from(d), Task::FaultEnd(i));
                    }
                }
            }
            FaultKind::ConstructorFailure { failures, duration } => {
                let before = self.obs.constructors_raised();
                self.record_fault(i, None, Some(Detector::ConstructorFailed { before }));
                match failures {
                    ConstructorFailures::Count(n) => self.act(Action::FailConstructorsCount(n))?,
                    ConstructorFailures::Probability(t) => {
                        self.act(Action::FailConstructorsProbability(t as f64 / 4_294_967_296.0))?
                    }
                }
                if let Some(d) = duration {
                    self.schedule(Duration::from(d), Task::FaultEnd(i));
                }
            }
            FaultKind::ControllerCrash { restart } => {
                self.record_fault(i, Some("serve-controller".into()), Some(Detector::ControllerDown));
                self.act(Action::KillController { restart })?;
                if !restart && self.repairs().serve_resubmission {
                    // RayService's next reconcile finds no application and submits the config.
                    // Timed from the end of the kill, not the fault's time as the simulator does:
                    // `serve.start` right after `ray.kill(no_restart=True)` made no new controller
                    // in two live runs (the old one was still being killed).
                    let at = kuberay::next_reconcile(self.sim_now(), &self.sc.timings);
                    self.schedule(Duration::from(at.saturating_since(self.sim_now())), Task::StartServe);
                }
            }
            FaultKind::ProxyCrash { target } => {
                let Some(pod) = self.resolve_pod(i, target, false, false) else {
                    return self.no_target(i);
                };
                self.record_fault(i, Some(pod.clone()), Some(Detector::ProxyNotHealthy(pod.clone())));
                self.act(Action::KillProxy { pod })?;
            }
            FaultKind::WorkerPodDeletion { target, oldest } => {
                let Some(pod) = self.resolve_pod(i, target, true, oldest) else {
                    return self.no_target(i);
                };
                self.record_fault(i, Some(pod.clone()), None);
                if let Some(p) = self.ops.pods.get_mut(&pod) {
                    p.expect_exit = true;
                    p.endpoint_ready = false; // a terminating pod leaves the Service at once
                }
                self.act(Action::TerminatePod { pod: pod.clone() })?;
                let deadline = Duration::from(self.sc.timings.node_drain_timeout) + Duration::from_secs(5);
                self.schedule(deadline, Task::DrainDeadline(pod));
            }
            FaultKind::NodeLoss { target, among, unreachable } => {
                match self.resolve_node(i, target.as_deref(), among.as_deref()) {
                    Some(node) => self.lose_nodes(i, &[node], names::node(node as u32 + 1), unreachable)?,
                    None => self.no_target(i)?,
                }
            }
            FaultKind::ZoneOutage { zone, nodes, unreachable } => {
                let ready: Vec<usize> = (nodes.iter())
                    .filter_map(|n| names::node_index(n).map(|k| k as usize - 1))
                    .filter(|&n| self.ops.nodes_ready.get(n).copied().unwrap_or(false))
                    .collect();
                self.lose_nodes(i, &ready, zone, unreachable)?;
            }
            FaultKind::HeadPodCrash => {
                // The pod is deleted: KubeRay creates the next head at once, which starts after
                // the pod start.
                let head = self.ops.head.clone();
                self.record_fault(i, Some(head.clone()), None);
                if let Some(p) = self.ops.pods.get_mut(&head) {
                    p.gone = true;
                    p.expect_exit = true;
                    p.endpoint_ready = false;
                }
                self.act(Action::KillPod { pod: head.clone() })?;
                // A port-forward to the deleted head is gone for good.
                self.refresh_endpoints();
                self.recreate_after(&head, Duration::from(self.sc.timings.pod_start));
            }
            FaultKind::RedisOutage { duration } => {
                self.record_fault(i, Some("redis".into()), Some(Detector::GcsDown));
                let effective = redis::outage_length(duration, self.sc.cluster.redis_mode, &self.sc.timings);
                if self.ops.redis_down == 0 {
                    self.act(Action::StopRedis)?;
                }
                self.ops.redis_down += 1;
                self.schedule(Duration::from(effective), Task::RedisBack);
            }
            FaultKind::GcsCrash => {
                // Only the GCS dies: `ray start --block` then stops the head and exits, which the
                // next poll hands to the kubelet as a container that exited (a restart in place).
                self.record_fault(i, Some("gcs".into()), Some(Detector::GcsDown));
                self.act(Action::KillGcs)?;
            }
            FaultKind::NetworkPartition { target, duration } => {
                let Some(pod) = self.resolve_pod(i, target, true, false) else {
                    return self.no_target(i);
                };
                if !self.ops.pods.get(&pod).is_some_and(|p| !p.gone && !p.expect_exit) {
                    self.record_fault(i, Some(pod), None);
                    self.note(Component::Fault, &format!("#{i}"), format_args!("no running Ray pod to cut off"));
                    return Ok(());
                }
                // Detected when the GCS marks its node dead or the controller gives up on its
                // proxy, as in the simulator (a cut that heals first may go undetected).
                let proxied = if self.obs.proxy_serves(&pod) { vec![pod.clone()] } else { Vec::new() };
                let detector = Detector::NodeLost { pods: vec![pod.clone()], proxied };
                self.record_fault(i, Some(pod.clone()), Some(detector));
                self.act(Action::PartitionPod { pod: pod.clone(), on: true })?;
                self.inj.partitioned.push((i, pod));
                if let Some(d) = duration {
                    self.schedule(Duration::from(d), Task::FaultEnd(i));
                }
            }
            FaultKind::NodeDelete { target } => match self.resolve_node(i, target.as_deref(), None) {
                Some(node) => self.delete_node(i, node),
                None => self.no_target(i)?,
            },
            FaultKind::NodeUnreachable { .. } => {
                return Err(crate::live::unsupported_fault(&kind, i).expect("refused by check_supported"));
            }
            FaultKind::ContainerCrash { target, reason } => {
                let Some(pod) = self.resolve_pod(i, target, false, false) else {
                    return self.no_target(i);
                };
                // The kubelet sees the container's exit at once (as in the simulator) and
                // restarts it in place; the kernel's OOM killer kills the container's every
                // process at once (the kubelet sets `memory.oom.group` on cgroup v2).
                self.record_fault(i, Some(pod.clone()), None);
                self.crash_loop(&pod, &format!("Ray container {} (fault #{i})", reason.label()));
                self.act(Action::KillPod { pod })?;
            }
        }
        Ok(())
    }

    /// Fault `i` (recorded with `target`) loses node indexes `nodes` at once: their pods are
    /// killed (or frozen when `unreachable`) and KubeRay recreates them after garbage collection
    /// (and provisioning when no node has room) plus the pod start. The controllers' passes are
    /// timed from the fault's scheduled time, as in the simulator, not from the end of the
    /// actions (a few milliseconds later, which would miss a pass on their grids).
    fn lose_nodes(&mut self, i: usize, nodes: &[usize], target: String, unreachable: bool) -> Result<(), LiveError> {
        let victims: Vec<String> = (self.ops.in_creation_order().into_iter())
            .filter(|(_, p)| !p.gone && nodes.contains(&p.node))
            .map(|(n, _)| n.clone())
            .collect();
        let proxied = victims.iter().filter(|pod| self.obs.proxy_serves(pod)).cloned().collect();
        let detector = Detector::NodeLost { pods: victims.clone(), proxied };
        self.record_fault(i, Some(target), Some(detector));
        for &node in nodes {
            self.ops.nodes_ready[node] = false;
        }
        let provisioning = self.sc.timings.node_provisioning;
        for pod in &victims {
            if let Some(p) = self.ops.pods.get_mut(pod) {
                p.gone = true;
                p.expect_exit = true;
            }
            let pod = pod.clone();
            self.act(if unreachable { Action::FreezePod { pod } } else { Action::KillPod { pod } })?;
        }
        self.refresh_endpoints();
        let lost = self.inj.faults[i].at;
        // Each replacement waits for a node of its pod's pool with room, as the scheduler binds it.
        let delays: Vec<Duration> = (victims.iter())
            .map(|pod| {
                let pool = self.sc.cluster.pool_of_group(self.ops.pods.get(pod).and_then(|p| p.group));
                let room = self.ops.free_node(self.sc.cluster.ray_pods_per_node as usize, self.now(), pool).is_some();
                self.until(kuberay::replacement_start_after_node_loss(lost, &self.sc.timings, room))
            })
            .collect();
        // Without Kubernetes (plain Ray) the VMs are not replaced and nobody marks them NotReady.
        let lifecycle = self.repairs().node_lifecycle;
        if lifecycle {
            for &node in nodes {
                self.ops.node_back_at.push((Duration::from(lost + provisioning - SimTime::ZERO), node));
            }
        }
        for (pod, delay) in victims.iter().zip(delays) {
            self.recreate_after(pod, delay);
        }
        let redis = self.sc.cluster.redis_pod_node().map(|n| n as usize);
        if self.sc.cluster.gcs_fault_tolerance && redis.is_some_and(|n| nodes.contains(&n)) {
            self.redis_node_lost(i)?;
        }
        if lifecycle {
            for &node in nodes {
                // Its pods stay Service endpoints until the node turns NotReady.
                self.schedule_at(node_lifecycle::not_ready_at(lost, &self.sc.timings), Task::NodeNotReady(node));
            }
        }
        Ok(())
    }

    /// Fault `i` deletes the Node object of node index `node` (`kubectl delete node`) while its
    /// VM runs on: its pods keep serving until PodGC's pass force-deletes them
    /// ([`node_lifecycle::orphans_deleted_at`], from the fault's scheduled time), and the node
    /// takes no pod again, as in the simulator.
    fn delete_node(&mut self, i: usize, node: usize) {
        let name = names::node(node as u32 + 1);
        // The API server has it at once: detected at once.
        self.record_fault(i, Some(name.clone()), None);
        if !self.ops.nodes_ready[node] {
            self.note(Component::Fault, &format!("#{i}"), format_args!("{name} is not Ready: nothing to delete"));
            return;
        }
        self.ops.nodes_ready[node] = false;
        self.ops.nodes_deleted.push(node);
        self.note(
            Component::Node,
            &name,
            format_args!("READY -> DELETED (kubectl delete node, fault #{i}; VM runs on)"),
        );
        let at = node_lifecycle::orphans_deleted_at(self.inj.faults[i].at, &self.sc.timings);
        self.schedule_at(at, Task::OrphansDeleted(node));
    }

    /// Fault `i` lost the node of the GCS's Redis: Redis is down until a replica is promoted or
    /// its pod is recreated ([`redis::back_after_node_loss`]), as in the simulator.
    fn redis_node_lost(&mut self, i: usize) -> Result<(), LiveError> {
        self.note(Component::Redis, "redis", format_args!("its node was lost (fault #{i})"));
        if self.ops.redis_down == 0 {
            self.act(Action::StopRedis)?;
        }
        self.ops.redis_down += 1;
        let lost = self.inj.faults[i].at;
        if let Some(back) =
            redis::back_after_node_loss(self.sc.cluster.redis_mode, lost, &self.sc.timings, self.repairs())
        {
            self.schedule_at(lost + back, Task::RedisBack);
        }
        Ok(())
    }

    /// Fault `i` found nothing to hit: it is recorded without a target, and does nothing.
    fn no_target(&mut self, i: usize) -> Result<(), LiveError> {
        self.record_fault(i, None, None);
        self.note(Component::Fault, &format!("#{i}"), format_args!("no target to hit"));
        Ok(())
    }

    /// Fault `i`'s duration is over.
    pub(super) fn end_fault(&mut self, i: usize) -> Result<(), LiveError> {
        self.note(Component::Fault, &format!("#{i}"), format_args!("{} ends", self.inj.faults[i].kind.name()));
        match self.inj.faults[i].kind {
            FaultKind::ReplicaHealthCheckFailure { .. } => {
                let pids: Vec<u32> = self.inj.health_pids.iter().filter(|(f, _)| *f == i).map(|(_, p)| *p).collect();
                for pid in pids {
                    self.act(Action::FailHealth { pid, on: false })?;
                }
            }
            FaultKind::ConstructorFailure { .. } => self.act(Action::FailConstructorsProbability(0.0))?,
            FaultKind::NetworkPartition { .. } => {
                if let Some(k) = self.inj.partitioned.iter().position(|(f, _)| *f == i) {
                    let (_, pod) = self.inj.partitioned.remove(k);
                    self.act(Action::PartitionPod { pod, on: false })?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
