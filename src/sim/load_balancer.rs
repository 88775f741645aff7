//! A cloud load balancer in front of the Ray pods' proxies (`ingress.kind` `load_balancer`).
//!
//! Each backend is one initial Ray pod; when KubeRay replaces that pod, the new pod takes the
//! backend (as a GCP network endpoint group or an AWS target group gains the new pod's address).
//! A pod the Ray autoscaler adds to a worker group the backends name by group name is a new
//! backend, out of rotation until its probes pass; its first probe is a period after it joins.
//! The load balancer probes every backend every `period` with an HTTP GET of the proxy's
//! `/-/healthz` (the readiness probe's rule, `World::pod_serves_http`): a refused or non-200
//! probe fails at once, one to a black-holed pod fails when its `timeout` expires. `unhealthy_threshold` failures
//! in a row take a healthy backend out of rotation, `healthy_threshold` passes in a row put it
//! back; a replaced backend starts unhealthy. New connections spread over the healthy backends
//! in turn or at random, drawn from the load balancer's own random stream. With no healthy
//! backend a load balancer that fails open (the default) sends new connections to every backend,
//! dead or alive; one that rejects fails them at once (`no_endpoint`, the 502 of an HTTP load
//! balancer). With health checks off every backend is in rotation, dead or alive.

use crate::engine::{RngStream, SimDuration};
use crate::journal::Component;
use crate::metrics::entry_points::EntryId;
use crate::names::stream;
use crate::policy::load_balancer::{self, BackendHealth};
use crate::scenario::{LbHealthCheck, LoadBalancer};

use super::event::Event;
use super::ids::PodId;
use super::k8s::PodPhase;
use super::world::World;

/// One backend: the pod that holds it now and its health as the load balancer sees it.
#[derive(Clone, Debug)]
pub struct Backend {
    /// Its name: the initial pod's.
    pub name: String,
    /// Its entry point in the report.
    pub entry: EntryId,
    /// The pod behind it now.
    pub pod: PodId,
    /// In rotation or not.
    pub health: BackendHealth,
    /// Bumped when the pod is replaced: a timed-out probe of the old pod is stale.
    inc: u32,
}

/// The load balancer's state.
#[derive(Clone, Debug)]
pub struct LbState {
    /// Its backends, in the scenario's order.
    pub backends: Vec<Backend>,
    /// The next backend in turn (round robin).
    cursor: usize,
    /// Its spread and probe phases.
    rng: RngStream,
}

impl World {
    /// The scenario's load balancer, if its ingress is one.
    fn lb_config(&self) -> Option<&LoadBalancer> {
        match &self.scenario.ingress {
            crate::scenario::Ingress::LoadBalancer(lb) => Some(lb),
            _ => None,
        }
    }

    fn lb_health_check(&self) -> Option<LbHealthCheck> {
        self.lb_config().and_then(|lb| lb.health_check)
    }

    /// Sets up the load balancer over the initial pods, every backend healthy, each one's probes
    /// at a random phase; names its entry points.
    pub(super) fn init_load_balancer(&mut self) {
        let Some(lb) = self.lb_config().cloned() else { return };
        let mut rng = RngStream::new(self.scenario.seed, stream::LOAD_BALANCER);
        let backends: Vec<Backend> = lb
            .backends
            .iter()
            .filter_map(|name| {
                let pod = self.k8s.pods.iter().position(|p| &p.name == name)?;
                let entry = self.traffic.entries.id(name);
                let health = BackendHealth::new(true);
                Some(Backend { name: name.clone(), entry, pod: PodId(pod as u32), health, inc: 0 })
            })
            .collect();
        if let Some(hc) = lb.health_check {
            for b in 0..backends.len() {
                let phase = SimDuration::from_micros(rng.range_inclusive(0, hc.period.as_micros()));
                self.schedule_in(phase, Event::LbProbe { backend: b as u32 });
            }
        }
        self.lb = Some(LbState { backends, cursor: 0, rng });
    }

    /// The backend a new connection goes to: its pod and entry point, or `None` when no backend
    /// is in rotation and the load balancer rejects then.
    pub(super) fn lb_pick(&mut self) -> Option<(PodId, EntryId)> {
        let config = self.lb_config()?;
        let (spread, when_all_unhealthy) = (config.spread, config.when_all_unhealthy);
        let lb = self.lb.as_mut()?;
        let healthy: Vec<bool> = lb.backends.iter().map(|b| b.health.healthy).collect();
        let candidates = load_balancer::candidates(&healthy, when_all_unhealthy);
        let b = load_balancer::pick(spread, &candidates, &mut lb.cursor, &mut lb.rng)?;
        Some((lb.backends[b].pod, lb.backends[b].entry))
    }

    /// The pods of the backends in rotation (counted mode's check that every way in answers).
    pub(super) fn lb_pods_in_rotation(&self) -> Vec<PodId> {
        self.lb.iter().flat_map(|lb| lb.backends.iter().filter(|b| b.health.healthy).map(|b| b.pod)).collect()
    }

    /// A probe of backend `b`: it passes or fails now, or, to a black-holed pod, times out later;
    /// the next one is due a period later.
    pub(super) fn on_lb_probe(&mut self, b: u32) {
        let (Some(hc), Some(lb)) = (self.lb_health_check(), self.lb.as_ref()) else { return };
        let backend = &lb.backends[b as usize];
        let pod = &self.k8s.pods[backend.pod.ix()];
        let black_holed = pod.partition.is_none_or(|p| !p.kubernetes_reaches);
        if pod.unreachable_since.is_some() && pod.phase != PodPhase::Gone && black_holed {
            let inc = backend.inc;
            self.schedule_in(hc.timeout, Event::LbProbeTimeout { backend: b, inc });
        } else {
            let passed = self.pod_running(backend.pod) && self.pod_serves_http(backend.pod);
            self.lb_probe_result(b as usize, passed, hc);
        }
        self.schedule_in(hc.period, Event::LbProbe { backend: b });
    }

    /// A probe of backend `b` had no answer within the timeout.
    pub(super) fn on_lb_probe_timeout(&mut self, b: u32, inc: u32) {
        let (Some(hc), Some(lb)) = (self.lb_health_check(), self.lb.as_ref()) else { return };
        if lb.backends[b as usize].inc == inc {
            self.lb_probe_result(b as usize, false, hc);
        }
    }

    fn lb_probe_result(&mut self, b: usize, passed: bool, hc: LbHealthCheck) {
        let Some(lb) = self.lb.as_mut() else { return };
        let backend = &mut lb.backends[b];
        let Some(n) = backend.health.probed(passed, &hc) else { return };
        let name = backend.name.clone();
        let what = if passed { "UNHEALTHY -> HEALTHY (passed" } else { "HEALTHY -> UNHEALTHY (failed" };
        self.log(Component::LoadBalancer, &name, format_args!("{what} {n} probes in a row)"));
    }

    /// The Ray autoscaler added `pod` to its worker group: a new backend if the load balancer's
    /// backends name the group, out of rotation until its probes pass (in rotation at once with
    /// health checks off).
    pub(super) fn lb_pod_added(&mut self, pod: PodId) {
        let Some(group) = self.k8s.pods[pod.ix()].role.group() else { return };
        let Some(config) = self.lb_config().filter(|lb| lb.groups.contains(&group)) else { return };
        let hc = config.health_check;
        let Some(lb) = self.lb.as_mut() else { return };
        let name = self.k8s.pods[pod.ix()].name.clone();
        let b = lb.backends.len() as u32;
        let entry = self.traffic.entries.id(&name);
        let (health, state) = load_balancer::replaced(hc.is_some(), false);
        lb.backends.push(Backend { name: name.clone(), entry, pod, health, inc: 0 });
        if let Some(hc) = hc {
            self.schedule_in(hc.period, Event::LbProbe { backend: b });
        }
        let group = self.scenario.cluster.worker_groups[group].name.clone();
        self.log(Component::LoadBalancer, &name, format_args!("joins (a new pod of {group}; {state})"));
    }

    /// KubeRay replaced pod `old` with `new`: a backend held by `old` now holds `new`, out of
    /// rotation until its probes pass (in rotation at once with health checks off).
    pub(super) fn lb_pod_replaced(&mut self, old: PodId, new: PodId) {
        let checked = self.lb_health_check().is_some();
        let Some(lb) = self.lb.as_mut() else { return };
        let Some(backend) = lb.backends.iter_mut().find(|b| b.pod == old) else { return };
        backend.pod = new;
        backend.inc += 1;
        let (health, state) = load_balancer::replaced(checked, backend.health.healthy);
        backend.health = health;
        let name = backend.name.clone();
        let pod = self.k8s.pods[new.ix()].name.clone();
        self.log(Component::LoadBalancer, &name, format_args!("now pod {pod} ({state})"));
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::observations::{FailureCause, Outcome};
    use crate::sim::testing::{TestWorld, secs};

    /// The guide's cluster behind a load balancer whose one backend, small-group-1, loses its
    /// proxy at 60 s; `when` is `ingress.when_all_unhealthy`.
    fn lone_backend_loses_its_proxy(when: &str) -> TestWorld {
        let mut t = TestWorld::guide(&format!(
            r#""ingress": {{ "kind": "load_balancer", "backends": ["small-group-1"], "when_all_unhealthy": "{when}" }},
               "traffic": {{ "rate_per_s": 20 }},
               "faults": [{{ "kind": "proxy_crash", "at_s": 60, "target": "small-group-1" }}]"#
        ));
        t.run_until(secs(200));
        t
    }

    /// The failure causes of the requests that failed, each once, in report order.
    fn causes(t: &TestWorld) -> Vec<FailureCause> {
        let failed: Vec<FailureCause> = (t.requests().iter())
            .filter_map(|r| match r.outcome {
                Outcome::Failure(c) => Some(c),
                Outcome::Success => None,
            })
            .collect();
        FailureCause::ALL.into_iter().filter(|c| failed.contains(c)).collect()
    }

    #[test]
    fn with_every_backend_unhealthy_fail_open_sends_to_them_and_reject_fails_at_once() {
        let open = lone_backend_loses_its_proxy("fail_open");
        let reject = lone_backend_loses_its_proxy("reject");
        for t in [&open, &reject] {
            assert!(t.log().contains("HEALTHY -> UNHEALTHY"), "the lone backend fails its probes: {}", t.log());
        }
        // Failing open, requests still reach the pod: refused while its proxy is down, served
        // once the new proxy answers, before the probes put the backend back in rotation.
        assert_eq!(causes(&open), [FailureCause::ProxyUnavailable]);
        // Rejecting, the load balancer fails every request while the backend is out of rotation.
        assert!(causes(&reject).contains(&FailureCause::NoEndpoint), "{:?}", causes(&reject));
        let failed = |t: &TestWorld| t.requests().iter().filter(|r| r.outcome != Outcome::Success).count();
        assert!(failed(&open) < failed(&reject), "{} vs {}", failed(&open), failed(&reject));
    }
}
