//! The Kubernetes Service in front of the proxies: readiness probes decide its endpoints, and
//! the load follows them (or the one pinned pod).

use std::time::Duration;

use super::Orchestrator;
use super::aliases::adapter_pod;
use super::timeline::Task;
use crate::engine::SimDuration;
use crate::journal::Component;
use crate::live::load::Target;
use crate::names;
use crate::scenario::{Ingress, Scenario};

/// How often `pod`'s readiness is probed: the kubelet's period for workers, RayService's
/// reconcile for the head's serve label.
pub(super) fn readiness_period(sc: &Scenario, pod: &str) -> SimDuration {
    if names::is_head_pod(pod) { sc.timings.rayservice_reconcile } else { sc.timings.readiness_period }
}

/// KubeRay's readiness probe timeout (`timeoutSeconds` 2 of the RayService worker probe, ray-defaults
/// §1; the head's serve label check uses the same proxy route).
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

impl Orchestrator<'_> {
    /// Whether `pod`'s Ray runs and its proxy answers `GET /-/healthz` with 200 within `timeout`:
    /// the check of both KubeRay's readiness probe and a cloud load balancer. It asks the proxy
    /// itself, not the GCS: the kubelet's probe runs in the pod (and the raylet health check it
    /// includes treats an unreachable GCS as healthy), so a GCS outage alone takes no pod out of
    /// the Service. A pod that is gone (deleted, or on a lost node, whose kubelet runs no probe)
    /// is never asked.
    pub(super) fn proxy_answers_healthz(&mut self, pod: &str, timeout: Duration) -> bool {
        let alive = self.ops.pods.get(pod).is_some_and(|p| !p.gone && !p.expect_exit);
        alive && self.adapter.probe_proxy_health(adapter_pod(pod), timeout)
    }

    /// Kubernetes' readiness probe (RayService workers: failureThreshold 1), as the simulator
    /// runs it: ready when the pod's Ray runs and its proxy's `/-/healthz` answers 200 (an HTTP
    /// probe of the proxy, as the kubelet's); the head's serve label follows the same rule on
    /// RayService's cadence.
    pub(super) fn readiness_probe(&mut self, name: &str, start: u32) {
        let Some(state) = self.ops.pods.get(name) else { return };
        if state.gone || state.starts != start {
            return;
        }
        let was_ready = state.endpoint_ready;
        let ready = self.proxy_answers_healthz(name, READINESS_TIMEOUT);
        if ready != was_ready {
            let what = if ready { "added (readiness passed)" } else { "removed (readiness failed)" };
            self.note(Component::Endpoint, name, format_args!("{what}"));
        }
        if let Some(p) = self.ops.pods.get_mut(name) {
            p.endpoint_ready = ready;
        }
        self.refresh_endpoints();
        let period = Duration::from(readiness_period(self.sc, name));
        self.schedule(period, Task::ReadinessProbe { pod: name.to_string(), start });
    }

    /// Points the load at the current proxies: the pinned pod's (until it is deleted), every
    /// pod whose proxy is healthy (the Service's ready endpoints), or the load balancer's
    /// backends in rotation.
    pub(super) fn refresh_endpoints(&mut self) {
        let urls = self.adapter.endpoints();
        let mut e = self.endpoints.lock().expect("endpoints lock");
        match &self.sc.ingress {
            Ingress::Pinned { pod } => {
                let gone = self.ops.pods.get(pod).is_none_or(|p| p.gone);
                let url = if gone { None } else { urls.get(adapter_pod(pod)).cloned() };
                e.pinned = Some(Target { entry: pod.clone(), url });
            }
            Ingress::Service => {
                e.service = true;
                e.ready = self
                    .ops
                    .in_creation_order()
                    .into_iter()
                    .filter(|(_, s)| s.endpoint_ready)
                    .filter_map(|(pod, _)| {
                        let url = urls.get(adapter_pod(pod)).cloned()?;
                        Some(Target { entry: pod.clone(), url: Some(url) })
                    })
                    .collect();
            }
            Ingress::LoadBalancer(_) => {
                e.lb = self.lb_spread().map(|spread| (spread, self.lb_targets(&urls)));
            }
        }
    }
}
