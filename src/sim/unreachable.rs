//! A node cut off from the API server and from every other node (`node_unreachable`: a NIC or
//! zone network failure), its VM and processes alive, and what happens when it heals.
//!
//! Every Ray pod running on it is partitioned as by a `network_partition` ([`super::partition`])
//! that Kubernetes and the clients do not cross either: requests sent to its pods hang and load
//! balancer probes of them time out. The GCS marks its raylets dead after its health checks
//! (65 s by default) and Serve replaces their replicas on other pods where they fit. Kubernetes
//! marks the node NotReady after `timings.node_monitor_grace_s` (its pods leave the Service) and
//! taints it `node.kubernetes.io/unreachable:NoExecute`; the cloud node lifecycle controller does
//! not delete it (the VM exists). When the pods' 300 s toleration runs out the taint manager
//! evicts them ([`node_lifecycle::evicted_at`]): they are Terminating, but no kubelet confirms,
//! so they stay, and KubeRay, which counts every listed pod of a group (`reconcilePods` in
//! `raycluster_controller.go`), creates no replacement.
//!
//! When the network heals, the kubelet posts its status again (the node is Ready and
//! schedulable), finds its evicted pods deleted and kills their containers, and KubeRay then
//! recreates them (on any node with room, this one included). Pods not evicted yet carry on:
//! if the GCS declared them dead, their raylet exits and the kubelet restarts the container in
//! place, as after a long partition; before the verdict nothing restarts.
//!
//! Simplifications: the node is unschedulable from the cut (the scheduler would bind pods to it
//! until NotReady); pods on it that are not running at the cut are left as they are.

use crate::engine::SimDuration;
use crate::journal::Component;
use crate::policy::node_lifecycle;

use super::event::Event;
use super::ids::{NodeId, PodId};
use super::k8s::{NodeState, PodPhase, PodRole};
use super::world::World;

impl World {
    /// Fault `fault` cuts `node` off for `duration` (for good with none).
    pub(super) fn cut_node(&mut self, node: NodeId, fault: usize, duration: Option<SimDuration>) {
        let on_node: Vec<PodId> = self.pods_on(node);
        if self.k8s.nodes[node.ix()].state != NodeState::Ready {
            self.log(Component::Fault, &format!("#{fault}"), format_args!("node not Ready: nothing to cut off"));
            return;
        }
        if on_node.iter().any(|p| self.k8s.pods[p.ix()].role == PodRole::Head) {
            self.log(Component::Fault, &format!("#{fault}"), format_args!("the head pod runs there now: not modelled"));
            return;
        }
        self.take_node_out(node, NodeState::Unreachable, fault, "UNREACHABLE (network cut");
        let t = &self.scenario.timings;
        let (not_ready, evicted) = (node_lifecycle::not_ready_at(self.now, t), node_lifecycle::evicted_at(self.now, t));
        if !on_node.iter().any(|&p| self.k8s.pods[p.ix()].ray_alive()) {
            self.detect(fault);
        }
        for pod in on_node {
            if self.k8s.pods[pod.ix()].phase == PodPhase::Running && self.k8s.pods[pod.ix()].ray_alive() {
                self.partition_pod(pod, fault, duration, false);
            }
        }
        self.schedule_at(not_ready, Event::NodeNotReady(node));
        self.schedule_at(evicted, Event::TaintEviction(node));
        if let Some(d) = duration {
            self.schedule_in(d, Event::FaultEnd(fault));
        }
    }

    /// The pods of a node still cut off when their toleration of its taint runs out are evicted:
    /// Terminating, and so they stay while no kubelet confirms.
    pub(super) fn on_taint_eviction(&mut self, node: NodeId) {
        if self.k8s.nodes[node.ix()].state != NodeState::Unreachable {
            return;
        }
        for pod in self.pods_on(node) {
            self.set_endpoint_ready(pod, false);
            self.k8s.pods[pod.ix()].inc += 1;
            self.set_pod_phase(
                pod,
                PodPhase::Terminating,
                "evicted by the taint manager (unreachable for tolerationSeconds 300); no kubelet confirms, \
                 KubeRay still counts it",
            );
        }
    }

    /// Fault `fault`'s cut of its node heals (see the module docs).
    pub(super) fn heal_node(&mut self, node: NodeId, fault: usize) {
        if self.k8s.nodes[node.ix()].state != NodeState::Unreachable {
            return;
        }
        self.k8s.nodes[node.ix()].state = NodeState::Ready;
        self.k8s.pod_index.node_ready_changed(node, true);
        let name = self.k8s.nodes[node.ix()].name.clone();
        self.log(Component::Node, &name, format_args!("UNREACHABLE -> READY (network healed; kubelet reports again)"));
        self.observed.levels_dirty = true;
        let evicted: Vec<PodId> =
            (self.pods_on(node).into_iter()).filter(|p| self.k8s.pods[p.ix()].phase == PodPhase::Terminating).collect();
        self.heal_partition(fault);
        for pod in evicted {
            self.remove_pod(pod, "the kubelet, reachable again, finds it evicted: kills its containers");
        }
        self.schedule_pending_pods();
    }

    /// The pods bound to `node` that are not gone, in creation order.
    pub(super) fn pods_on(&self, node: NodeId) -> Vec<PodId> {
        (0..self.k8s.pods.len() as u32)
            .map(PodId)
            .filter(|p| self.k8s.pods[p.ix()].node == Some(node) && self.k8s.pods[p.ix()].phase != PodPhase::Gone)
            .collect()
    }
}
