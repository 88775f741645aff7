//! Whole-cluster invariants, checked after every event in tests and debug builds. A violation is
//! a bug in the model, never bad input, so it panics with the time and the broken rule.

use crate::sim::ids::DeploymentId;
use crate::sim::k8s::{NodeState, PodPhase, PodRole, Raylet};
use crate::sim::serve::replica::{Replica, ReplicaState};
use crate::sim::serve::router::ReqState;
use crate::sim::world::World;

impl World {
    /// Panics if any invariant of the model is broken. The checks that scan every request run
    /// only when `full` (they are linear in the run's length).
    pub(crate) fn check_invariants(&self, full: bool) {
        let at = self.now;
        if full {
            self.check_requests();
            self.check_serve_index();
            self.check_pod_index();
            self.check_endpoints();
        }
        for (i, rep) in self.serve.replicas.iter().enumerate() {
            let max = self.scenario.serve.applications[rep.deployment.ix()].deployment.max_ongoing_requests as usize;
            assert!(rep.ongoing.len() <= max, "t={at}: replica {} over max_ongoing_requests", rep.name);
            if rep.actor_alive {
                let pod = rep.pod.expect("a live replica is placed");
                assert!(
                    self.k8s.pods[pod.ix()].raylet != Raylet::Down,
                    "t={at}: replica {} alive on pod {} whose raylet is down",
                    rep.name,
                    self.k8s.pods[pod.ix()].name
                );
                assert!(rep.state != ReplicaState::Dead, "t={at}: replica {} alive but DEAD for Serve", rep.name);
            }
            for &req in &rep.ongoing {
                match self.traffic.requests[req.ix()].state {
                    ReqState::Serving(_, r) => assert_eq!(r.ix(), i, "t={at}: request on the wrong replica"),
                    other => panic!("t={at}: request {req:?} in replica {} is {other:?}", rep.name),
                }
                if !rep.actor_alive {
                    assert!(!rep.death_known, "t={at}: request {req:?} still on dead replica {}", rep.name);
                }
            }
        }
        for px in &self.serve.proxies {
            if px.actor_alive {
                assert!(self.k8s.pods[px.pod.ix()].raylet != Raylet::Down, "t={at}: proxy alive on a pod without Ray");
            }
        }
        for d in self.serve.deployment_ids() {
            self.check_deployment_target(d);
        }
        if self.gcs_up() {
            let head = self.k8s.head.expect("a GCS runs on a head pod");
            assert!(matches!(self.k8s.pods[head.ix()].raylet, Raylet::Alive { .. }), "t={at}: GCS up, head raylet not");
        }
        self.check_pods(full);
        self.check_parked();
    }

    /// Deployment `d`'s replicas of the current application, not migrating away, STARTING or
    /// RUNNING, are at most its target; so are the RUNNING ones.
    fn check_deployment_target(&self, d: DeploymentId) {
        let at = self.now;
        let target = self.target_replicas(d) as usize;
        let current = |r: &&Replica| {
            r.deployment == d && r.actor_alive && !r.migrating && r.generation == self.serve.controller.generation
        };
        let replicas = || self.serve.replicas.iter().filter(current);
        let starting_or_running =
            replicas().filter(|r| matches!(r.state, ReplicaState::Starting | ReplicaState::Running)).count();
        assert!(starting_or_running <= target, "t={at}: {starting_or_running} replicas exceed the target");
        let running = replicas().filter(|r| r.state == ReplicaState::Running).count();
        assert!(running <= target, "t={at}: {running} replicas RUNNING over target");
    }

    /// KubeRay keeps one pod object per desired pod (a pod is recreated only once its object is
    /// gone; a pod the Ray autoscaler asked to delete may still be terminating) and pods sit on Ready nodes with room; when `full` (it sorts the names), live pod
    /// names are unique and the reported levels have no more pods ready than desired.
    fn check_pods(&self, full: bool) {
        let at = self.now;
        let cluster = &self.scenario.cluster;
        let mut per_group = vec![0u32; cluster.worker_groups.len()];
        let mut terminating = vec![0u32; cluster.worker_groups.len()];
        let mut heads = 0u32;
        let mut per_node = vec![0u32; self.k8s.nodes.len()];
        let mut names: Vec<&str> = Vec::new();
        for p in self.k8s.pods.iter().filter(|p| p.phase != PodPhase::Gone) {
            match p.role {
                PodRole::Head => heads += 1,
                PodRole::Worker(g) => {
                    per_group[g] += 1;
                    terminating[g] += u32::from(p.phase == PodPhase::Terminating);
                }
            }
            if full {
                names.push(&p.name);
            }
            if let Some(n) = p.node {
                per_node[n.ix()] += 1;
                // A deleted or cut-off node's VM still runs its pods.
                let vm_runs = matches!(
                    self.k8s.nodes[n.ix()].state,
                    NodeState::Ready | NodeState::Deleted | NodeState::Unreachable
                );
                if p.phase != PodPhase::Lost {
                    assert!(vm_runs, "t={at}: pod {} {:?} on a node that is not Ready", p.name, p.phase);
                }
            }
        }
        assert!(heads <= 1, "t={at}: {heads} head pods");
        for (g, &n) in per_group.iter().enumerate() {
            let (name, desired) = (&cluster.worker_groups[g].name, self.k8s.group_target[g]);
            assert!(n <= desired + terminating[g], "t={at}: {n} pods of group {name} for {desired} desired");
        }
        for (i, &n) in per_node.iter().enumerate() {
            assert!(n <= cluster.ray_pods_per_node, "t={at}: {n} pods on node {}", self.k8s.nodes[i].name);
        }
        if full {
            names.sort_unstable();
            if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
                panic!("t={at}: two live pods named {}", w[0]);
            }
            // Implied by the counts per group; checked on the reported levels themselves too.
            let levels = self.levels();
            assert!(
                levels.pods_ready <= levels.pods_desired,
                "t={at}: {} of {} pods ready",
                levels.pods_ready,
                levels.pods_desired
            );
        }
    }

    /// Every open request is where its state says, and the open count is right.
    fn check_requests(&self) {
        let at = self.now;
        let open = self.traffic.requests.iter().filter(|(_, r)| r.state != ReqState::Done).count() as u64;
        assert_eq!(open + self.traffic.doomed, self.traffic.unresolved, "t={at}: unresolved request count drifted");
        let timeout = self.scenario.traffic.client_timeout;
        for (id, r) in self.traffic.requests.iter() {
            // With a client timeout no request stays open longer, which bounds the window of open
            // requests (and so the memory) by the timeout times the arrival rate.
            if let Some(t) = timeout
                && r.state != ReqState::Done
            {
                assert!(at <= r.arrival + t, "t={at}: request {id:?} open past its client timeout");
            }
            if let ReqState::Serving(p, rep) = r.state {
                assert!(self.serve.replicas[rep.ix()].ongoing.contains(&id), "t={at}: lost request");
                assert!(self.serve.proxies[p.ix()].active.contains(&id), "t={at}: request not on its proxy");
            }
        }
    }
}
