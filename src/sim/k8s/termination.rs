//! A pod's deletion: the node drains, then the pod terminates and its object is removed.

use super::PodPhase;
use crate::journal::Component;
use crate::sim::event::Event;
use crate::sim::ids::PodId;
use crate::sim::world::{Cause, World};

impl World {
    /// `kubectl delete pod`: Ray 2.60 drains the node, then the processes exit. Deleting a pod
    /// that is already terminating changes nothing: the API server keeps the first deletion's
    /// grace period unless a shorter one is asked for (Kubernetes graceful deletion,
    /// `k8s.io/apiserver/pkg/registry/rest/delete.go` BeforeDelete), and `kubectl delete` asks
    /// for none.
    pub(in crate::sim) fn delete_pod(&mut self, pod: PodId, fault: Option<usize>) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Terminating {
            let name = self.k8s.pods[pod.ix()].name.clone();
            self.log(Component::Pod, &name, format_args!("already terminating; deletion changes nothing"));
            return;
        }
        self.set_endpoint_ready(pod, false);
        let p = &mut self.k8s.pods[pod.ix()];
        p.fault = fault;
        p.inc += 1;
        if p.phase != PodPhase::Running || !p.ray_alive() {
            self.remove_pod(pod, "deleted");
            return;
        }
        p.draining = true;
        let inc = p.inc;
        self.set_pod_phase(pod, PodPhase::Terminating, "deleted; Ray drains the node");
        self.schedule_in(self.scenario.timings.node_drain_timeout, Event::DrainDeadline { pod, inc });
        self.serve_node_draining(pod);
        self.maybe_finish_drain(pod);
    }

    /// A terminating pod exits once Serve has moved its replicas away.
    pub(in crate::sim) fn maybe_finish_drain(&mut self, pod: PodId) {
        let p = &self.k8s.pods[pod.ix()];
        // A terminating pod whose node is lost does not drain: it is lost with the node.
        if p.phase != PodPhase::Terminating || !p.node.is_some_and(|n| self.node_ready(n)) {
            return;
        }
        // The node is idle once its replicas have stopped and its draining proxy has stopped
        // (after its minimum draining period): measured live, Ray 2.60 keeps a drained worker
        // until then.
        let proxy_alive = self.live_proxy_on(pod).is_some_and(|px| self.serve.proxies[px.ix()].actor_alive);
        if proxy_alive
            || self.serve.index.replicas_hosted_on(pod).iter().any(|r| self.serve.replicas[r.ix()].actor_alive)
        {
            return;
        }
        self.finish_termination(pod, "drained");
    }

    /// The drain budget is over: remaining processes are killed.
    pub(in crate::sim) fn on_drain_deadline(&mut self, pod: PodId) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Terminating {
            self.finish_termination(pod, "drain timeout");
        }
    }

    pub(super) fn finish_termination(&mut self, pod: PodId, why: &str) {
        // The raylet unregisters itself: the GCS marks the node dead at once.
        self.kill_ray_processes(pod, Cause::PodDeleted, true);
        self.remove_pod(pod, why);
    }

    /// The pod object disappears; KubeRay creates a replacement.
    pub(in crate::sim) fn remove_pod(&mut self, pod: PodId, why: &str) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Gone {
            return;
        }
        self.kill_ray_processes(pod, Cause::PodDeleted, true);
        // Killing a terminating pod's last actor finishes its drain, which removes it: once.
        if self.k8s.pods[pod.ix()].phase == PodPhase::Gone {
            return;
        }
        // KubeRay sees the pod object gone and replaces it: `raycluster_controller.go`
        // reconcilePods creates `numExpectedPods - len(runningPods.Items)` pods, where every
        // listed pod object counts, terminating or lost ones included.
        if let Some(f) = self.k8s.pods[pod.ix()].fault {
            self.detect(f);
        }
        self.set_endpoint_ready(pod, false);
        let p = &mut self.k8s.pods[pod.ix()];
        p.inc += 1;
        let role = p.role;
        self.set_pod_phase(pod, PodPhase::Gone, why);
        if self.k8s.head == Some(pod) {
            self.k8s.head = None;
        }
        if self.kuberay_replaces(role) {
            let new = self.recreate_pod(role);
            self.lb_pod_replaced(pod, new);
        }
        self.schedule_pending_pods();
    }
}
