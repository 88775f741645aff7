//! The kubelet's part: container crashes and restarts with back-off, and readiness probes.

use super::PodPhase;
use crate::journal::Component;
use crate::sim::event::Event;
use crate::sim::ids::PodId;
use crate::sim::world::{Cause, World};

impl World {
    /// The container exited (Ray processes died); the kubelet restarts it after a back-off.
    pub(in crate::sim) fn container_crashed(&mut self, pod: PodId, why: &str) {
        if self.k8s.pods[pod.ix()].phase != PodPhase::Running {
            return;
        }
        self.kill_ray_processes(pod, Cause::ContainerExit, true);
        self.k8s.pods[pod.ix()].inc += 1;
        if !self.repairs().container_restart {
            // Plain `ray start`: nothing restarts the node's Ray.
            self.set_pod_phase(pod, PodPhase::Gone, &format!("{why}; nothing restarts Ray (plain Ray)"));
            return;
        }
        self.set_pod_phase(pod, PodPhase::CrashLoop, why);
        let p = &mut self.k8s.pods[pod.ix()];
        let backoff = p.backoff.on_exit(&self.scenario.timings, self.now);
        p.restarts += 1;
        let inc = p.inc;
        self.schedule_in(backoff, Event::ContainerRestart { pod, inc });
    }

    /// Ray's processes in `pod` exit on their own: a running container crashes (and is
    /// restarted), a terminating pod finishes terminating.
    pub(crate) fn ray_exits(&mut self, pod: PodId, why: &str) {
        match self.k8s.pods[pod.ix()].phase {
            PodPhase::Running => self.container_crashed(pod, why),
            PodPhase::Terminating => self.finish_termination(pod, why),
            _ => self.kill_ray_processes(pod, Cause::ContainerExit, true),
        }
    }

    /// The kubelet restarts the container (init containers do not run again). The pod's new
    /// Ray processes owe nothing to the fault that killed the old ones.
    pub(in crate::sim) fn on_container_restart(&mut self, pod: PodId) {
        self.k8s.pods[pod.ix()].fault = None;
        self.start_container(pod, "kubelet restarted the container");
    }

    /// Kubernetes readiness probe (RayService workers: failureThreshold 1): ready when Ray runs and
    /// the proxy's `/-/healthz` answers 200. The head's serve label follows the same rule (set by
    /// the RayService reconcile).
    pub(in crate::sim) fn on_readiness_probe(&mut self, pod: PodId) {
        let p = &self.k8s.pods[pod.ix()];
        if p.phase != PodPhase::Running {
            return;
        }
        // A kubelet cut off from the API server cannot report the result.
        let reported = p.partition.is_none_or(|q| q.kubernetes_reaches);
        let ready = self.pod_serves_http(pod);
        if reported && ready != p.endpoint_ready {
            self.set_endpoint_ready(pod, ready);
            let name = self.k8s.pods[pod.ix()].name.clone();
            let what = if ready { "added (readiness passed)" } else { "removed (readiness failed)" };
            self.log(Component::Endpoint, &name, format_args!("{what}"));
        }
        if !self.park_readiness_probe(pod) {
            let period = self.readiness_period(self.k8s.pods[pod.ix()].role);
            let inc = self.k8s.pods[pod.ix()].inc;
            self.schedule_in(period, Event::ReadinessProbe { pod, inc });
        }
    }

    /// Readiness probes run only when a Service balances the traffic.
    pub(in crate::sim) fn readiness_probes_enabled(&self) -> bool {
        self.scenario.ingress == crate::scenario::Ingress::Service
    }
}
