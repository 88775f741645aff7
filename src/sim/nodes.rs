//! Kubernetes nodes and their pools: binding pending pods to their pool's nodes, losing a node
//! or a whole zone with their pods, and the replacement nodes.

use crate::journal::Component;

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
            self.schedule_in(self.scenario.timings.orphan_pod_gc, Event::PodRemoved { pod, inc });
        }
        self.schedule_in(self.scenario.timings.node_monitor_grace, Event::NodeNotReady(node));
        self.schedule_in(self.scenario.timings.node_provisioning, Event::NodeProvisioned(node));
    }

    /// The node's kubelet has been silent for the node-monitor grace period: the node controller
    /// marks it NotReady (Kubernetes `pkg/controller/nodelifecycle`, `--node-monitor-grace-period`)
    /// and its pods leave the Service endpoints. Kubernetes has noticed the loss: the fault is
    /// detected, even when the GCS that would also notice it was on that node.
    pub(super) fn on_node_not_ready(&mut self, node: NodeId) {
        if let Some(f) = self.k8s.nodes[node.ix()].lost_by {
            self.detect(f);
        }
        for i in 0..self.k8s.pods.len() {
            if self.k8s.pods[i].node == Some(node) && self.k8s.pods[i].endpoint_ready {
                self.k8s.pods[i].endpoint_ready = false;
                let name = self.k8s.pods[i].name.clone();
                self.log(Component::Endpoint, &name, format_args!("removed (node NotReady)"));
            }
        }
    }

    /// A replacement node joins (same name, empty).
    pub(super) fn on_node_provisioned(&mut self, node: NodeId) {
        let n = &mut self.k8s.nodes[node.ix()];
        n.state = NodeState::Ready;
        let name = n.name.clone();
        self.k8s.pod_index.node_ready_changed(node, true);
        self.log(Component::Node, &name, format_args!("LOST -> READY (replacement provisioned)"));
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
