//! Fault injection: resolves each fault's target (by name, or with the fault's own random
//! stream) and applies it through the components' own transitions.

use crate::engine::SimDuration;
use crate::journal::Component;
use crate::policy::redis;
use crate::policy::targets::{self, NodeView, PodView};
use crate::scenario::{ConstructorFailures, FaultKind};
use crate::sim::event::Event;
use crate::sim::ids::{NodeId, PodId, ReplicaId};
use crate::sim::k8s::{PodPhase, PodRole};
use crate::sim::ray::GcsState;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::{Cause, World};

/// An armed constructor-failure fault.
#[derive(Clone, Debug)]
pub struct ConstructorFaultState {
    /// Its fault number.
    pub fault: usize,
    /// Attempts left to fail (count faults).
    pub remaining: u32,
    /// Failure threshold out of 2^32 (probability faults).
    pub threshold: u64,
    /// Still in force.
    pub active: bool,
}

/// Injected faults that stay in force beyond their injection (besides those held by the
/// component they hit).
#[derive(Clone, Debug, Default)]
pub struct Injection {
    /// Armed constructor-failure faults, in injection order.
    pub constructor_faults: Vec<ConstructorFaultState>,
}

impl World {
    /// Picks one element with fault `i`'s random stream.
    fn pick<T: Copy>(&mut self, fault: usize, options: &[T]) -> Option<T> {
        targets::pick(self.rng.faults.get(fault), options)
    }

    fn pod_by_name(&self, name: &str) -> Option<PodId> {
        self.k8s.pods.iter().position(|p| p.name == name).map(|i| PodId(i as u32))
    }

    fn resolve_replica(&mut self, fault: usize, target: &Option<String>) -> Option<ReplicaId> {
        match target {
            Some(name) => self.serve.replicas.iter().position(|r| &r.name == name).map(|i| ReplicaId(i as u32)),
            None => {
                let running: Vec<ReplicaId> = (0..self.serve.replicas.len())
                    .map(|i| ReplicaId(i as u32))
                    .filter(|r| {
                        self.serve.replicas[r.ix()].actor_alive
                            && self.serve.replicas[r.ix()].state == ReplicaState::Running
                    })
                    .collect();
                self.pick(fault, &running)
            }
        }
    }

    /// The pod fault `fault` hits: `target`, or a running pod (a worker when `workers_only`)
    /// drawn with the fault's stream, or the oldest when `oldest`.
    fn resolve_pod(
        &mut self,
        fault: usize,
        target: &Option<String>,
        workers_only: bool,
        oldest: bool,
    ) -> Option<PodId> {
        match target {
            Some(name) => self.pod_by_name(name),
            None => {
                let pods = targets::pod_candidates(
                    self.k8s.pods.iter().enumerate().map(|(i, p)| PodView {
                        id: PodId(i as u32),
                        head: p.role == PodRole::Head,
                        running: p.phase == PodPhase::Running,
                    }),
                    workers_only,
                );
                targets::pick_or_oldest(self.rng.faults.get(fault), &pods, oldest)
            }
        }
    }

    /// The node fault `fault` hits: `target`, or one drawn with the fault's stream among the
    /// Ready nodes running a pod (only among `among` when given).
    fn resolve_node(&mut self, fault: usize, target: &Option<String>, among: Option<&[String]>) -> Option<NodeId> {
        if let Some(n) = target {
            return self.k8s.nodes.iter().position(|x| &x.name == n).map(|i| NodeId(i as u32));
        }
        let in_scope = |n: &usize| among.is_none_or(|a| a.contains(&self.k8s.nodes[*n].name));
        let nodes = targets::node_candidates((0..self.k8s.nodes.len()).filter(in_scope).map(|n| {
            let id = NodeId(n as u32);
            NodeView {
                id,
                ready: self.node_ready(id),
                hosts_running_pod: self.k8s.pods.iter().any(|p| p.node == Some(id) && p.phase == PodPhase::Running),
            }
        }));
        self.pick(fault, &nodes)
    }

    /// Injects fault `i`.
    pub(crate) fn inject_fault(&mut self, i: usize) {
        let kind = self.scenario.faults[i].kind.clone();
        match kind {
            FaultKind::ReplicaCrash { target } => {
                let r = self.resolve_replica(i, &target);
                self.record_fault(i, r.map(|r| self.serve.replicas[r.ix()].name.clone()).or(target));
                match r {
                    Some(r) if self.serve.replicas[r.ix()].actor_alive => {
                        self.kill_replica_actor(r, Cause::Fault(i), false)
                    }
                    _ => self.log(Component::Fault, &format!("#{i}"), format_args!("no live replica to kill")),
                }
            }
            FaultKind::ReplicaHealthCheckFailure { target, mode, duration } => {
                let r = self.resolve_replica(i, &target);
                self.record_fault(i, r.map(|r| self.serve.replicas[r.ix()].name.clone()).or(target));
                if let Some(r) = r.filter(|r| self.serve.replicas[r.ix()].actor_alive) {
                    self.update_replica(r, |rep| rep.health_faults.push((mode, i)));
                    if let Some(d) = duration {
                        self.schedule_in(d, Event::FaultEnd(i));
                    }
                }
            }
            FaultKind::ConstructorFailure { failures, duration } => {
                self.record_fault(i, None);
                let (remaining, threshold) = match failures {
                    ConstructorFailures::Count(n) => (n, 0),
                    ConstructorFailures::Probability(t) => (0, t),
                };
                self.injection.constructor_faults.push(ConstructorFaultState {
                    fault: i,
                    remaining,
                    threshold,
                    active: true,
                });
                if let Some(d) = duration {
                    self.schedule_in(d, Event::FaultEnd(i));
                }
            }
            FaultKind::ControllerCrash { restart } => {
                self.record_fault(i, Some("serve-controller".to_string()));
                if restart {
                    // `ray.kill`: the GCS kills the actor and restarts it at once.
                    self.controller_dies(Cause::Fault(i), SimDuration::ZERO);
                } else {
                    self.controller_killed_for_good(Cause::Fault(i));
                }
            }
            FaultKind::ProxyCrash { target } => {
                let pod = self.resolve_pod(i, &target, false, false);
                self.record_fault(i, pod.map(|p| self.k8s.pods[p.ix()].name.clone()).or(target));
                match pod.and_then(|p| self.accepting_proxy_on(p)) {
                    Some(p) => self.kill_proxy_actor(p, Cause::Fault(i), false),
                    None => {
                        self.log(Component::Fault, &format!("#{i}"), format_args!("no live proxy on the target pod"))
                    }
                }
            }
            FaultKind::WorkerPodDeletion { target, oldest } => {
                let pod = self.resolve_pod(i, &target, true, oldest);
                self.record_fault(i, pod.map(|p| self.k8s.pods[p.ix()].name.clone()).or(target));
                match pod.filter(|p| !matches!(self.k8s.pods[p.ix()].phase, PodPhase::Gone | PodPhase::Lost)) {
                    Some(pod) => {
                        // KubeRay and the GCS see the deletion at once.
                        self.detect(i);
                        self.delete_pod(pod, Some(i));
                    }
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("pod already gone")),
                }
            }
            FaultKind::NodeLoss { target, among, unreachable } => {
                let node = self.resolve_node(i, &target, among.as_deref());
                self.record_fault(i, node.map(|n| self.k8s.nodes[n.ix()].name.clone()).or(target));
                match node {
                    Some(n) => {
                        let hosts_ray = self.k8s.pods.iter().any(|p| p.node == Some(n) && p.ray_alive());
                        if !hosts_ray {
                            self.detect(i);
                        }
                        self.lose_node(n, unreachable, i)
                    }
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("no node to lose")),
                }
            }
            FaultKind::NodeDelete { target } => {
                let node = self.resolve_node(i, &target, None);
                self.record_fault(i, node.map(|n| self.k8s.nodes[n.ix()].name.clone()).or(target));
                match node {
                    Some(n) => self.delete_node(n, i),
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("no node to delete")),
                }
            }
            FaultKind::NodeUnreachable { target, duration } => {
                // Drawn among the nodes hosting neither the head nor the Redis pod.
                let redis = self.scenario.cluster.redis_pod_node();
                let head = self.k8s.head.and_then(|h| self.k8s.pods[h.ix()].node);
                let eligible: Vec<String> = (0..self.k8s.nodes.len() as u32)
                    .filter(|&n| Some(n) != redis && Some(NodeId(n)) != head)
                    .map(|n| self.k8s.nodes[n as usize].name.clone())
                    .collect();
                let node = self.resolve_node(i, &target, Some(&eligible));
                self.record_fault(i, node.map(|n| self.k8s.nodes[n.ix()].name.clone()).or(target));
                match node {
                    Some(n) => self.cut_node(n, i, duration),
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("no node to cut off")),
                }
            }
            FaultKind::ZoneOutage { zone, nodes, unreachable } => {
                self.record_fault(i, Some(zone));
                self.lose_zone(&nodes, unreachable, i);
            }
            FaultKind::HeadPodCrash => {
                let head = self.k8s.head;
                self.record_fault(i, head.map(|h| self.k8s.pods[h.ix()].name.clone()));
                if let Some(h) = head.filter(|h| self.k8s.pods[h.ix()].phase != PodPhase::Gone) {
                    self.detect(i);
                    self.k8s.pods[h.ix()].fault = Some(i);
                    if self.repairs().pod_recreation {
                        self.remove_pod(h, "head pod crashed and was deleted");
                    } else {
                        self.container_crashed(h, &format!("the head's Ray processes killed (fault #{i})"));
                    }
                }
            }
            FaultKind::RedisOutage { duration } => {
                self.record_fault(i, Some("redis".to_string()));
                let effective =
                    redis::outage_length(duration, self.scenario.cluster.redis_mode, &self.scenario.timings);
                if !self.gcs_up() {
                    self.detect(i);
                }
                self.redis_outage_begins(&format!("fault #{i}"));
                self.schedule_in(effective, Event::FaultEnd(i));
            }
            FaultKind::GcsCrash => {
                self.record_fault(i, Some("gcs".to_string()));
                let head_runs = self.k8s.head.is_some_and(|h| self.k8s.pods[h.ix()].phase == PodPhase::Running);
                if head_runs && self.ray.gcs.state != GcsState::Down {
                    self.detect(i);
                    self.gcs_process_exits(&format!("gcs_server killed (fault #{i})"));
                } else {
                    self.log(Component::Fault, &format!("#{i}"), format_args!("no GCS process to kill"));
                }
            }
            FaultKind::NetworkPartition { target, duration } => {
                let pod = self.resolve_pod(i, &target, true, false);
                self.record_fault(i, pod.map(|p| self.k8s.pods[p.ix()].name.clone()).or(target));
                let cut = pod
                    .filter(|p| self.k8s.pods[p.ix()].phase == PodPhase::Running && self.k8s.pods[p.ix()].ray_alive());
                match cut {
                    Some(pod) => {
                        self.partition_pod(pod, i, duration, true);
                        if let Some(d) = duration {
                            self.schedule_in(d, Event::FaultEnd(i));
                        }
                    }
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("no running Ray pod to cut off")),
                }
            }
            FaultKind::ContainerCrash { target, reason } => {
                let pod = self.resolve_pod(i, &target, false, false);
                self.record_fault(i, pod.map(|p| self.k8s.pods[p.ix()].name.clone()).or(target));
                match pod.filter(|p| self.k8s.pods[p.ix()].phase == PodPhase::Running) {
                    Some(pod) => {
                        // The kubelet sees the container's exit at once.
                        self.detect(i);
                        self.k8s.pods[pod.ix()].fault = Some(i);
                        self.container_crashed(pod, &format!("Ray container {} (fault #{i})", reason.label()));
                    }
                    None => self.log(Component::Fault, &format!("#{i}"), format_args!("no running container")),
                }
            }
        }
    }

    /// Fault `i`'s duration is over.
    pub(crate) fn end_fault(&mut self, i: usize) {
        self.log(Component::Fault, &format!("#{i}"), format_args!("{} ends", self.scenario.faults[i].kind.name()));
        match self.scenario.faults[i].kind {
            FaultKind::ReplicaHealthCheckFailure { .. } => {
                for r in self.serve.replicas.iter_mut() {
                    r.health_faults.retain(|&(_, f)| f != i);
                }
            }
            FaultKind::ConstructorFailure { .. } => {
                for c in self.injection.constructor_faults.iter_mut().filter(|c| c.fault == i) {
                    c.active = false;
                }
            }
            FaultKind::RedisOutage { .. } => self.redis_outage_ends(&format!("fault #{i} over")),
            FaultKind::NetworkPartition { .. } => self.heal_partition(i),
            FaultKind::NodeUnreachable { .. } => {
                if let Some(n) = self.k8s.nodes.iter().position(|n| n.lost_by == Some(i)) {
                    self.heal_node(NodeId(n as u32), i);
                }
            }
            _ => {}
        }
    }

    /// Decides whether the constructor finishing now raises, and which fault makes it: armed
    /// count faults first (in injection order), then each probability fault draws from its own
    /// stream.
    pub(crate) fn constructor_should_fail(&mut self) -> Option<usize> {
        for c in self.injection.constructor_faults.iter_mut() {
            if c.active && c.remaining > 0 {
                c.remaining -= 1;
                if c.remaining == 0 && c.threshold == 0 {
                    c.active = false;
                }
                return Some(c.fault);
            }
        }
        for k in 0..self.injection.constructor_faults.len() {
            let c = &self.injection.constructor_faults[k];
            if c.active && c.threshold > 0 {
                let (fault, threshold) = (c.fault, c.threshold);
                if self.rng.faults.get(fault).chance(threshold) {
                    return Some(fault);
                }
            }
        }
        None
    }

    /// Redis-outage faults in force.
    pub(crate) fn active_redis_faults(&self) -> Vec<usize> {
        let now = self.now;
        self.scenario
            .faults
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.kind, FaultKind::RedisOutage { .. }) && f.at <= now)
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::k8s::{PodPhase, Raylet};
    use crate::sim::ray::GcsState;
    use crate::sim::testing::{TestWorld, secs};

    #[test]
    fn a_gcs_crash_restarts_the_head_container_in_place_and_with_gcs_ft_the_workers_reconnect() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "gcs_crash", "at_s": 60 }]"#);
        t.run_until(secs(60));
        // Only the GCS is dead: the head raylet waits for it like the workers' do.
        assert_eq!(t.world().ray.gcs.state, GcsState::Down);
        assert!(matches!(t.pod("head").raylet, Raylet::Disconnected { .. }));
        assert_eq!(t.pod("head").phase, PodPhase::Running);
        // `ray start --block` polls 1 s later and stops the head; restarted at once, same pod.
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(71));
        assert_eq!(t.logged_at(secs(60), &["pod head", "RUNNING -> CRASH_LOOP_BACKOFF"]), secs(61));
        assert_eq!(t.world().ray.gcs.state, GcsState::Up { cluster: 1 });
        assert_eq!(t.pod("head").restarts, 1);
        assert!(t.world().k8s.pods.iter().all(|p| p.name != "head-2"), "no new head pod");
        for w in ["small-group-1", "small-group-2"] {
            assert_eq!(t.pod(w).raylet, Raylet::Alive { cluster: 1 }, "{w} reconnected");
            assert_eq!(t.pod(w).restarts, 0, "{w} kept running");
        }
    }

    #[test]
    fn a_gcs_crash_without_gcs_ft_starts_an_empty_cluster_whose_workers_restart_in_place() {
        let mut t = TestWorld::guide(
            r#""cluster": { "gcs_fault_tolerance": false }, "faults": [{ "kind": "gcs_crash", "at_s": 60 }]"#,
        );
        assert_eq!(t.run_until_true(|w| w.ray.gcs.state == GcsState::Up { cluster: 2 }), secs(71));
        t.run_until(secs(100));
        for w in ["small-group-1", "small-group-2"] {
            assert_eq!(t.pod(w).restarts, 1, "{w} was rejected and restarted");
            assert_eq!(t.pod(w).raylet, Raylet::Alive { cluster: 2 });
        }
        assert!(t.log().contains("resubmitting the Serve config"));
    }

    #[test]
    fn an_oom_killed_worker_container_restarts_in_place_and_its_raylet_joins_again() {
        let mut t =
            TestWorld::guide(r#""faults": [{ "kind": "container_crash", "at_s": 60, "target": "small-group-1" }]"#);
        t.run_until(secs(60));
        let node = t.pod("small-group-1").node;
        assert_eq!(t.pod("small-group-1").raylet, Raylet::Down);
        assert!(t.log().contains("OOMKilled, exit code 137"));
        assert_eq!(t.run_until_true(|w| w.k8s.pods[1].raylet == Raylet::Alive { cluster: 1 }), secs(65));
        let p = t.pod("small-group-1");
        assert_eq!((p.restarts, p.node, p.fault), (1, node, None));
        assert!(t.world().k8s.pods.iter().all(|p| p.name != "small-group-3"), "KubeRay created no pod");
        assert!(t.world().gcs_up(), "a worker's crash leaves the GCS alone");
    }

    #[test]
    fn a_crashed_head_container_is_a_head_crash_without_a_new_pod() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "container_crash", "at_s": 60, "target": "head", "reason": "error" }]"#,
        );
        t.run_until(secs(60));
        assert!(!t.world().gcs_up());
        assert!(t.log().contains("Error, exit code 1"));
        // Restarted at once; head_ray_start (10 s); no pod start, unlike a deleted head pod.
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(70));
        assert_eq!(t.pod("head").restarts, 1);
        assert!(t.world().k8s.pods.iter().all(|p| p.name != "head-2"));
    }

    #[test]
    fn a_container_crash_more_than_ten_minutes_after_the_last_one_restarts_at_once() {
        // Regression: the kubelet's back-off never started over, so a container that crashed
        // again 700 s after its first crash waited 10 s (the kubelet forgets a back-off after
        // twice its 300 s cap).
        let mut t = TestWorld::new(
            r#"{ "duration_s": 900, "traffic": { "rate_per_s": 1 },
                 "faults": [{ "kind": "container_crash", "at_s": 60, "target": "small-group-2" },
                            { "kind": "container_crash", "at_s": 760, "target": "small-group-2" }] }"#,
        );
        let pod = t.pod_id("small-group-2");
        t.run_until(secs(700));
        assert_eq!(t.pod("small-group-2").restarts, 1);
        let crashed = t.run_until_true(|w| w.k8s.pods[pod.ix()].restarts == 2);
        assert_eq!(crashed, secs(760));
        assert_eq!(t.run_until_true(|w| w.k8s.pods[pod.ix()].phase == PodPhase::Running), secs(760));
    }
}
