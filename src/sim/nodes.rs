//! Kubernetes nodes and their pools: binding pending pods to their pool's nodes, losing a node
//! or a whole zone with their pods, the replacement nodes, and deleting a Node object whose VM
//! runs on (`node_delete`).
//!
//! `kubectl delete node` removes the Node object only. Its pods stay bound to the missing node
//! and keep running and serving; PodGC's first pass after the deletion quarantines the node name
//! and the pass `timings.orphan_pod_gc_s` later force-deletes them (`gcOrphaned`,
//! `pkg/controller/podgc/gc_controller.go`): 40-60 s. The kubelet, still running, sees its pods
//! deleted and kills their containers (the raylet unregisters: the GCS knows at once), and KubeRay
//! recreates them on nodes with room. The kubelet does not register its Node again: it
//! registers once (`registerWithAPIServer` returns at once once `registrationCompleted`; each
//! `syncNodeStatus` then fails to get the Node, `pkg/kubelet/kubelet_node_status.go`), so the
//! node takes no pod until its kubelet restarts, which the model does not do within a run.

use crate::journal::Component;
use crate::policy::{node_lifecycle, redis};

use super::event::Event;
use super::ids::{NodeId, PodId};
use super::k8s::{NodeState, PodPhase};
use super::world::{Cause, World};

impl World {
    /// Binds pending pods to Ready nodes of their pools with room, in creation order, each to
    /// the lowest-numbered node of its pool with room.
    pub(super) fn schedule_pending_pods(&mut self) {
        while let Some((pod, node)) = self.k8s.pod_index.next_binding() {
            self.k8s.pods[pod.ix()].node = Some(node);
            self.k8s.pod_index.pod_bound(node);
            let node_name = self.k8s.nodes[node.ix()].name.clone();
            self.set_pod_phase(pod, PodPhase::Creating, &format!("scheduled on {node_name}"));
            let inc = self.k8s.pods[pod.ix()].inc;
            self.schedule_in(self.scenario.timings.pod_start, Event::PodStarted { pod, inc });
        }
    }

    /// A Kubernetes node is lost with every pod on it.
    pub(super) fn lose_node(&mut self, node: NodeId, unreachable: bool, fault: usize) {
        if self.k8s.nodes[node.ix()].state != NodeState::Ready {
            return;
        }
        self.k8s.nodes[node.ix()].state = NodeState::Lost;
        self.k8s.pod_index.node_ready_changed(node, false);
        self.k8s.nodes[node.ix()].lost_by = Some(fault);
        let name = self.k8s.nodes[node.ix()].name.clone();
        self.log(Component::Node, &name, format_args!("READY -> LOST (fault #{fault})"));
        self.observed.levels_dirty = true;
        if self.scenario.cluster.redis_pod_node() == Some(node.0) {
            self.redis_pod_lost(fault);
        }
        let pods: Vec<PodId> = (0..self.k8s.pods.len())
            .map(|i| PodId(i as u32))
            .filter(|p| self.k8s.pods[p.ix()].node == Some(node) && self.k8s.pods[p.ix()].phase != PodPhase::Gone)
            .collect();
        // The cloud controller deletes the Node once NotReady, then PodGC the pods bound to it.
        let pods_deleted = node_lifecycle::pods_deleted_at(self.now, &self.scenario.timings);
        for pod in pods {
            let p = &mut self.k8s.pods[pod.ix()];
            p.fault = Some(fault);
            p.inc += 1;
            if unreachable {
                p.unreachable_since = Some(self.now);
            }
            let was_alive = p.ray_alive();
            let inc = p.inc;
            self.kill_ray_processes(pod, Cause::NodeLost { unreachable }, false);
            self.set_pod_phase(pod, PodPhase::Lost, &format!("node {name} lost"));
            if was_alive {
                let detect = self.scenario.timings.gcs_node_death_detection(unreachable);
                self.schedule_in(detect, Event::GcsNodeDeath(pod));
            }
            if self.repairs().node_lifecycle {
                self.schedule_at(pods_deleted, Event::PodRemoved { pod, inc });
            }
        }
        // Without Kubernetes nobody marks the VM NotReady or replaces it: only the GCS notices.
        if self.repairs().node_lifecycle {
            self.schedule_at(node_lifecycle::not_ready_at(self.now, &self.scenario.timings), Event::NodeNotReady(node));
            self.schedule_in(self.scenario.timings.node_provisioning, Event::NodeProvisioned(node));
        }
    }

    /// The node's kubelet has been silent for the node-monitor grace period: the node controller
    /// marks it NotReady (Kubernetes `pkg/controller/nodelifecycle`, `--node-monitor-grace-period`)
    /// and its pods leave the Service endpoints. Kubernetes has noticed the loss: the fault is
    /// detected, even when the GCS that would also notice it was on that node. A cut-off node is
    /// tainted: its pods' tolerations start running out.
    pub(super) fn on_node_not_ready(&mut self, node: NodeId) {
        match self.k8s.nodes[node.ix()].state {
            // Reachable again before the grace period ran out.
            NodeState::Ready => return,
            NodeState::Unreachable => {
                let name = self.k8s.nodes[node.ix()].name.clone();
                self.log(
                    Component::Node,
                    &name,
                    format_args!("NotReady, tainted node.kubernetes.io/unreachable:NoExecute"),
                );
            }
            NodeState::Lost | NodeState::Provisioning | NodeState::Deleted => {}
        }
        if let Some(f) = self.k8s.nodes[node.ix()].lost_by {
            self.detect(f);
        }
        for i in 0..self.k8s.pods.len() {
            if self.k8s.pods[i].node == Some(node) && self.k8s.pods[i].endpoint_ready() {
                self.set_endpoint_ready(PodId(i as u32), false);
                let name = self.k8s.pods[i].name.clone();
                self.log(Component::Endpoint, &name, format_args!("removed (node NotReady)"));
            }
        }
    }

    /// `kubectl delete node` (fault `fault`): the Node object goes, its VM and pods run on until
    /// PodGC deletes them (see the module docs).
    pub(super) fn delete_node(&mut self, node: NodeId, fault: usize) {
        if self.k8s.nodes[node.ix()].state != NodeState::Ready {
            return;
        }
        self.take_node_out(node, NodeState::Deleted, fault, "DELETED (kubectl delete node");
        // The API server has it at once; nothing else changes until PodGC's pass.
        self.detect(fault);
        for pod in self.pods_on(node) {
            self.k8s.pods[pod.ix()].fault = Some(fault);
        }
        self.schedule_at(
            node_lifecycle::orphans_deleted_at(self.now, &self.scenario.timings),
            Event::OrphansDeleted(node),
        );
    }

    /// PodGC force-deletes the pods bound to deleted Node `node`; its kubelet kills their
    /// containers and KubeRay recreates them elsewhere. A Redis pod among them is replaced by
    /// its ReplicaSet.
    pub(super) fn on_orphans_deleted(&mut self, node: NodeId) {
        for pod in self.pods_on(node) {
            self.remove_pod(pod, "deleted by PodGC (its Node is gone); the kubelet kills its containers");
        }
        if self.scenario.cluster.redis_pod_node() == Some(node.0) && self.scenario.cluster.gcs_fault_tolerance {
            self.redis_outage_begins("its pod was deleted by PodGC (its Node is gone)");
            let back = redis::back_after_pod_deletion(self.scenario.cluster.redis_mode, &self.scenario.timings);
            self.schedule_in(back, Event::RedisPodRestored);
        }
    }

    /// A Ready node whose VM runs on leaves the scheduler's reach (`to`: deleted or cut off) by
    /// fault `fault`; `label` opens the events.log note.
    pub(super) fn take_node_out(&mut self, node: NodeId, to: NodeState, fault: usize, label: &str) {
        let n = &mut self.k8s.nodes[node.ix()];
        n.state = to;
        n.lost_by = Some(fault);
        let name = n.name.clone();
        self.k8s.pod_index.node_ready_changed(node, false);
        self.log(Component::Node, &name, format_args!("READY -> {label}, fault #{fault}; VM runs on)"));
        self.observed.levels_dirty = true;
    }

    /// A replacement node joins (same name, empty), or a new node of a growing pool.
    pub(super) fn on_node_provisioned(&mut self, node: NodeId) {
        let n = &mut self.k8s.nodes[node.ix()];
        let why = if n.state == NodeState::Provisioning {
            "PROVISIONING -> READY (new node)"
        } else {
            "LOST -> READY (replacement provisioned)"
        };
        n.state = NodeState::Ready;
        let name = n.name.clone();
        self.k8s.pod_index.node_ready_changed(node, true);
        self.log(Component::Node, &name, format_args!("{why}"));
        self.observed.levels_dirty = true;
        self.schedule_pending_pods();
    }

    /// Every node of a zone is lost at once (fault `fault`): each Ready one as by a node loss.
    pub(super) fn lose_zone(&mut self, nodes: &[String], unreachable: bool, fault: usize) {
        let ids: Vec<NodeId> = (0..self.k8s.nodes.len() as u32)
            .map(NodeId)
            .filter(|n| nodes.contains(&self.k8s.nodes[n.ix()].name) && self.node_ready(*n))
            .collect();
        if !ids.iter().any(|&n| self.k8s.pods.iter().any(|p| p.node == Some(n) && p.ray_alive())) {
            self.detect(fault);
        }
        for n in ids {
            self.lose_node(n, unreachable, fault);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::bundled;
    use crate::sim::serve::replica::ReplicaState;
    use crate::sim::testing::{TestWorld, millis, secs};

    /// The bundled `zone-outage` scenario with `edit` applied to its JSON.
    fn zone_outage(edit: impl FnOnce(&mut serde_json::Value)) -> TestWorld {
        let (_, json) = bundled::by_name("zone-outage").expect("bundled");
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        edit(&mut v);
        TestWorld::new(&v.to_string())
    }

    /// The pools of the pods of the replicas running now.
    fn running_replica_pools(w: &World) -> Vec<usize> {
        let running = w.serve.replicas.iter().filter(|r| r.state == ReplicaState::Running && r.actor_alive);
        running.map(|r| w.k8s.pods[r.pod.expect("placed").ix()].pool).collect()
    }

    #[test]
    fn a_lost_vms_pods_are_deleted_after_notready_the_node_deletion_and_podgcs_quarantine() {
        // Lost at 61 s: NotReady at 101 s, the cloud controller deletes the Node at its pass at
        // 105 s, PodGC quarantines it at its pass at 120 s and deletes the pods at 160 s.
        let mut t = TestWorld::guide(r#""faults": [{"kind": "node_loss", "at_s": 61, "target": "node-3"}]"#);
        t.run_until(millis(159_999));
        assert_eq!(t.pod("small-group-2").phase, PodPhase::Lost, "KubeRay still counts the pod object");
        assert!(!t.world().k8s.pods.iter().any(|p| p.name == "small-group-3"), "no replacement yet");
        t.run_until(secs(160));
        assert_eq!(t.pod("small-group-2").phase, PodPhase::Gone);
        assert!(t.log().contains("pod object garbage-collected"), "{}", t.log());
    }

    #[test]
    fn a_zone_outage_loses_every_node_of_the_zone_and_no_other_nor_an_external_redis() {
        let mut t = zone_outage(|_| {});
        t.run_until(secs(60));
        let states: Vec<NodeState> = t.world().k8s.nodes.iter().map(|n| n.state).collect();
        use NodeState::{Lost, Ready};
        assert_eq!(states, [Lost, Lost, Ready, Ready, Ready]);
        assert_eq!((t.pod("group-a-1").phase, t.pod("group-a-2").phase), (PodPhase::Lost, PodPhase::Lost));
        assert_eq!(t.pod("group-b-1").phase, PodPhase::Running);
        // node-2 would host a Redis pod; a managed Redis outside the cluster is untouched.
        assert!(t.world().redis_up() && t.world().gcs_up());
    }

    #[test]
    fn replicas_of_the_lost_zone_are_replaced_on_the_other_zones_nodes_when_they_fit() {
        let mut t = zone_outage(|_| {});
        t.run_until(secs(60));
        assert_eq!(running_replica_pools(t.world()).len(), 3, "3 of 6 replicas were on zone-a");
        let back = t.run_until_true(|w| running_replica_pools(w).len() == 6);
        // Detected by the health checks (about 65 s for black-holed nodes), replaced on zone-b
        // before zone-a's nodes are replaced (90 s after the loss).
        assert!(back < secs(150), "{back}");
        assert_eq!(running_replica_pools(t.world()), [1; 6], "every replica runs in pool-b");
    }

    #[test]
    fn capped_replicas_that_do_not_fit_on_the_other_zone_wait_for_the_zones_nodes() {
        let mut t = zone_outage(|v| {
            v["serve"] = serde_json::json!({"num_replicas": 5, "max_replicas_per_node": 1});
        });
        t.run_until(secs(149));
        // One replica per node: only pool-b's 3 Ray nodes can hold them.
        assert_eq!(running_replica_pools(t.world()), [1, 1, 1]);
        let back = t.run_until_true(|w| running_replica_pools(w).len() == 5);
        assert!(back > secs(150), "{back}");
    }

    #[test]
    fn pods_are_recreated_only_on_their_pools_nodes_even_when_another_pool_has_room() {
        let mut t = zone_outage(|v| v["cluster"]["node_pools"][1]["nodes"] = serde_json::json!(4));
        let spare = t.world().k8s.nodes.iter().position(|n| n.name == "node-6").unwrap();
        t.run_until(secs(149));
        // group-a's replacements wait for pool-a's nodes though node-6 (pool-b) is empty.
        assert_eq!(t.pod("group-a-3").phase, PodPhase::Pending);
        assert!(t.world().k8s.pods.iter().all(|p| p.node != Some(NodeId(spare as u32))));
        t.run_until(secs(150));
        let node = t.pod("group-a-3").node.map(|n| t.world().k8s.nodes[n.ix()].name.clone());
        assert_eq!(node.as_deref(), Some("node-1"));
    }

    #[test]
    fn with_every_replica_in_the_lost_zone_requests_fail_until_the_zone_returns() {
        // Replicas need a CPU; only group-a's pods (zone-a) offer any.
        let mut t = zone_outage(|v| {
            v["cluster"]["head_num_cpus"] = serde_json::json!(0);
            v["cluster"]["worker_groups"][0]["num_cpus"] = serde_json::json!(3);
            v["cluster"]["worker_groups"][1]["num_cpus"] = serde_json::json!(0);
            v["serve"] = serde_json::json!({"num_cpus_per_replica": 1});
        });
        t.run_until(secs(59));
        assert_eq!(running_replica_pools(t.world()), [0; 6]);
        t.run_until(secs(150));
        assert!(running_replica_pools(t.world()).is_empty());
        let failed = |from: u64, to: u64| {
            let window =
                |r: &&crate::metrics::observations::RequestRecord| r.arrival >= secs(from) && r.arrival < secs(to);
            let all: Vec<_> = t.requests().iter().filter(window).collect();
            (all.iter().filter(|r| r.outcome != crate::metrics::observations::Outcome::Success).count(), all.len())
        };
        let (bad, all) = failed(130, 150);
        assert!(all > 0 && bad == all, "every request fails while no replica runs: {bad} of {all}");
    }
}
