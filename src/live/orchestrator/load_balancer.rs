//! The cloud load balancer of a `load_balancer` ingress, played by live mode as the simulator
//! models it ([`crate::policy::load_balancer`]): every `period` it sends each backend's proxy an
//! HTTP GET of `/-/healthz` (through the adapter, bounded by the probe timeout), moves the
//! backend in or out of rotation after the thresholds, hands a replaced pod's backend to the pod
//! KubeRay creates in its place (out of rotation until its probes pass), and points the load at
//! the backends in rotation.
//!
//! The probes run on the timeline's thread: a probe of a frozen (black-holed) pod holds the
//! timeline for up to the probe timeout.

use std::time::Duration;

use super::Orchestrator;
use super::aliases::adapter_pod;
use super::timeline::{Schedule, Task};
use crate::engine::RngStream;
use crate::journal::Component;
use crate::live::load::Target;
use crate::names::stream;
use crate::policy::load_balancer::{self, BackendHealth};
use crate::scenario::{Ingress, LbHealthCheck, LoadBalancer, Scenario};

/// One backend: its name (the initial pod's), the pod behind it now, its health.
#[derive(Clone, Debug)]
struct Backend {
    name: String,
    pod: String,
    health: BackendHealth,
}

/// The load balancer's state.
pub(super) struct LiveLb {
    config: LoadBalancer,
    backends: Vec<Backend>,
}

impl LiveLb {
    /// The scenario's load balancer, every backend in rotation (the cluster serves at t = 0),
    /// each one's first probe at a random phase of the period put on `schedule`.
    pub(super) fn new(sc: &Scenario, schedule: &mut Schedule) -> Option<Self> {
        let Ingress::LoadBalancer(config) = &sc.ingress else { return None };
        let backends = config
            .backends
            .iter()
            .map(|name| Backend { name: name.clone(), pod: name.clone(), health: BackendHealth::new(true) })
            .collect();
        if let Some(hc) = config.health_check {
            let mut rng = RngStream::new(sc.seed, stream::LOAD_BALANCER);
            for b in 0..config.backends.len() {
                let phase = rng.range_inclusive(0, hc.period.as_micros());
                schedule.push(Duration::from_micros(phase), Task::LbProbe(b));
            }
        }
        Some(LiveLb { config: config.clone(), backends })
    }
}

impl Orchestrator<'_> {
    fn lb_health_check(&self) -> Option<LbHealthCheck> {
        self.lb.as_ref().and_then(|lb| lb.config.health_check)
    }

    /// One probe of backend `b`, then the next a period later.
    pub(super) fn lb_probe(&mut self, b: usize) {
        let (Some(hc), Some(lb)) = (self.lb_health_check(), self.lb.as_ref()) else { return };
        let pod = lb.backends[b].pod.clone();
        let passed = self.proxy_answers_healthz(&pod, Duration::from(hc.timeout));
        let Some(lb) = self.lb.as_mut() else { return };
        let backend = &mut lb.backends[b];
        if let Some(n) = backend.health.probed(passed, &hc) {
            let name = backend.name.clone();
            let what = if passed { "UNHEALTHY -> HEALTHY (passed" } else { "HEALTHY -> UNHEALTHY (failed" };
            self.note(Component::LoadBalancer, &name, format_args!("{what} {n} probes in a row)"));
            self.refresh_endpoints();
        }
        self.schedule(Duration::from(hc.period), Task::LbProbe(b));
    }

    /// KubeRay replaced pod `old` with `new`: `old`'s backend now holds `new`, out of rotation
    /// until its probes pass (in rotation at once with health checks off).
    pub(super) fn lb_pod_replaced(&mut self, old: &str, new: &str) {
        let checked = self.lb_health_check().is_some();
        let Some(lb) = self.lb.as_mut() else { return };
        let Some(backend) = lb.backends.iter_mut().find(|b| b.pod == old) else { return };
        backend.pod = new.to_string();
        let (health, state) = load_balancer::replaced(checked, backend.health.healthy);
        backend.health = health;
        let name = backend.name.clone();
        self.note(Component::LoadBalancer, &name, format_args!("now pod {new} ({state})"));
    }

    /// Every backend's target (no URL while its pod is gone or not started) and whether new
    /// connections may go to it: in rotation, or, with none in rotation, every backend of a load
    /// balancer that fails open ([`load_balancer::candidates`]).
    pub(super) fn lb_targets(&self, urls: &std::collections::BTreeMap<String, String>) -> Vec<(Target, bool)> {
        let Some(lb) = &self.lb else { return Vec::new() };
        let healthy: Vec<bool> = lb.backends.iter().map(|b| b.health.healthy).collect();
        let candidates = load_balancer::candidates(&healthy, lb.config.when_all_unhealthy);
        lb.backends
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let up = self.ops.pods.get(&b.pod).is_some_and(|p| !p.gone && !p.start_pending);
                let url = urls.get(adapter_pod(&b.pod)).filter(|_| up).cloned();
                (Target { entry: b.name.clone(), url }, candidates.contains(&i))
            })
            .collect()
    }

    /// The load balancer's spread, with a load-balancer ingress.
    pub(super) fn lb_spread(&self) -> Option<crate::scenario::Spread> {
        self.lb.as_ref().map(|lb| lb.config.spread)
    }
}
