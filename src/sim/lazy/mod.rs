//! Lazy periodic checks (counted mode only; see docs/model.md "Counted traffic").
//!
//! Three chains of periodic events make no change while their component is healthy: the
//! controller's replica health checks (jittered, on the sweep grid), its proxy health checks
//! (every period after the last), and the readiness probes of the pods behind a Service (every
//! period). In a long counted run they are nearly all the events. In counted mode a check that
//! finds its component healthy *parks* the chain instead of scheduling its next occurrence: it
//! records when it ran. Every change to that component *wakes* the chain
//! (`World::update_replica`, `World::update_proxy` and the routing-table changes call the
//! wakes here): the next occurrence is scheduled where the eager chain would have put it. A
//! fixed period's next occurrence is the first `last + k * period` at or after now; the replica
//! health check's is drawn from its exact law by [`renewal::GridRenewal`], with the jitter drawn
//! then, from the `health` stream the eager chain uses. The detection times keep their
//! distribution; the random numbers drawn differ, so a counted run's outputs differ from the
//! eager ones seed by seed (per-request runs never park).
//!
//! Ties: a woken occurrence due exactly at the waking instant runs after the event that woke it.
//! That is the eager order whenever the waking event was scheduled before the check's previous
//! occurrence ran (every fault injection is scheduled at time zero); a waking event scheduled
//! later and landing on the same microsecond as an occurrence is seen one occurrence earlier
//! than the eager chain would see it.
//!
//! Parked chains are checked in debug builds: a current parked chain's component must still be
//! in the state its check found (`check_parked`, run with the model's invariants).

pub mod renewal;

use std::collections::BTreeMap;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;
use crate::scenario::defaults::HEALTH_CHECK_JITTER_PERCENT;

use super::event::Event;
use super::ids::{PodId, ProxyId, ReplicaId};
use super::k8s::PodRole;
use super::world::World;
use renewal::GridRenewal;

/// A parked chain: when its last occurrence ran, and the incarnation that makes it current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parked {
    /// The last occurrence.
    pub last: SimTime,
    /// The incarnation its next occurrence would carry (controller incarnation for health
    /// checks, pod incarnation for probes).
    pub inc: u32,
}

/// The parked chains of a counted run.
#[derive(Debug)]
pub struct LazyChecks {
    /// The replica health-check chain's law; none when it runs eagerly (no sweep grid, or steps
    /// too wide to tabulate).
    replica_law: Option<GridRenewal>,
    /// Parked replica health checks, with the check number each was parked at.
    replicas: BTreeMap<ReplicaId, (Parked, u32)>,
    /// Parked proxy health checks.
    proxies: BTreeMap<ProxyId, Parked>,
    /// Parked readiness probes.
    probes: BTreeMap<PodId, Parked>,
}

impl LazyChecks {
    /// The lazy checks of a counted run of `sc`: counted runs have a single application
    /// (`scenario::traffic_mode::choose_for`), whose health-check law parked checks follow.
    pub fn new(sc: &Scenario) -> Self {
        let period = sc.serve.first().health_check_period;
        let jitter = HEALTH_CHECK_JITTER_PERCENT;
        LazyChecks {
            replica_law: GridRenewal::new(
                sc.serve.first().health_check_sweep(),
                period.scale(100 - jitter, 100),
                period.scale(100 + jitter, 100),
            ),
            replicas: BTreeMap::new(),
            proxies: BTreeMap::new(),
            probes: BTreeMap::new(),
        }
    }

    /// Chains parked now (replica checks, proxy checks, probes).
    pub fn parked(&self) -> [usize; 3] {
        [self.replicas.len(), self.proxies.len(), self.probes.len()]
    }
}

/// The first `last + k * period` (k >= 1) at or after `now`.
fn next_on_period(last: SimTime, period: SimDuration, now: SimTime) -> SimTime {
    let p = period.as_micros().max(1);
    let k = now.saturating_since(last).as_micros().div_ceil(p).max(1);
    last + SimDuration::from_micros(k * p)
}

impl World {
    /// In counted mode, parks replica `r`'s health checks after a healthy check (now); false
    /// when the chain must run eagerly.
    pub(super) fn park_replica_check(&mut self, r: ReplicaId) -> bool {
        let (now, inc, check) = (self.now, self.serve.controller.inc, self.serve.replicas[r.ix()].hc_seq);
        let Some(lazy) = self.lazy.as_mut().filter(|l| l.replica_law.is_some()) else { return false };
        lazy.replicas.insert(r, (Parked { last: now, inc }, check));
        true
    }

    /// In counted mode, parks proxy `p`'s health checks after a healthy check (now).
    pub(super) fn park_proxy_check(&mut self, p: ProxyId) -> bool {
        let parked = Parked { last: self.now, inc: self.serve.controller.inc };
        let Some(lazy) = self.lazy.as_mut() else { return false };
        lazy.proxies.insert(p, parked);
        true
    }

    /// In counted mode, parks `pod`'s readiness probes after a probe (now).
    pub(super) fn park_readiness_probe(&mut self, pod: PodId) -> bool {
        let parked = Parked { last: self.now, inc: self.k8s.pods[pod.ix()].inc };
        let Some(lazy) = self.lazy.as_mut() else { return false };
        lazy.probes.insert(pod, parked);
        true
    }

    /// Replica `r` changed: its parked health check, if any and still current, is scheduled
    /// where the eager chain would be.
    pub(crate) fn wake_replica_check(&mut self, r: ReplicaId) {
        let Some(lazy) = self.lazy.as_mut() else { return };
        let Some((parked, check)) = lazy.replicas.remove(&r) else { return };
        let law = lazy.replica_law.as_ref().expect("replica checks park only with a law");
        if parked.inc != self.serve.controller.inc || self.serve.replicas[r.ix()].hc_seq != check {
            return;
        }
        let due = law.next_check(parked.last, self.now, &mut self.rng.health);
        let rep = &mut self.serve.replicas[r.ix()];
        rep.hc_seq += 1;
        let check = rep.hc_seq;
        self.schedule_at(due, Event::ReplicaHealthCheck { replica: r, ctl_inc: parked.inc, check });
    }

    /// Proxy `p` changed: its parked health check and its pod's parked probe are scheduled.
    pub(crate) fn wake_proxy_check(&mut self, p: ProxyId) {
        let Some(lazy) = self.lazy.as_mut() else { return };
        if let Some(parked) = lazy.proxies.remove(&p)
            && parked.inc == self.serve.controller.inc
        {
            let due = next_on_period(parked.last, self.scenario.timings.proxy_health_check_period, self.now);
            self.schedule_at(due, Event::ProxyHealthCheck { proxy: p, ctl_inc: parked.inc });
        }
        self.wake_readiness_probe(self.serve.proxies[p.ix()].pod);
    }

    /// What `pod`'s readiness probe reads changed: its parked probe is scheduled.
    pub(crate) fn wake_readiness_probe(&mut self, pod: PodId) {
        let Some(lazy) = self.lazy.as_mut() else { return };
        let Some(parked) = lazy.probes.remove(&pod) else { return };
        let p = &self.k8s.pods[pod.ix()];
        if parked.inc != p.inc {
            return;
        }
        let due = next_on_period(parked.last, self.readiness_period(p.role), self.now);
        self.schedule_at(due, Event::ReadinessProbe { pod, inc: parked.inc });
    }

    /// A pod's readiness period: workers' probe, or the head's serve label, set by the RayService
    /// reconcile loop.
    pub(super) fn readiness_period(&self, role: PodRole) -> SimDuration {
        match role {
            PodRole::Head => self.scenario.timings.rayservice_reconcile,
            PodRole::Worker(_) => self.scenario.timings.readiness_period,
        }
    }

    /// Panics unless every current parked chain's component is still in the state its last
    /// check found: a change that did not wake its chain (debug builds, with the invariants).
    #[cfg(debug_assertions)]
    pub(super) fn check_parked(&self) {
        use super::k8s::PodPhase;
        use super::serve::proxy::ProxyState;
        use super::serve::replica::ReplicaState;
        let Some(lazy) = &self.lazy else { return };
        let at = self.now;
        let ctl = self.serve.controller.inc;
        let current = self.controller_running();
        for (r, (parked, check)) in &lazy.replicas {
            let rep = &self.serve.replicas[r.ix()];
            if current && parked.inc == ctl && rep.hc_seq == *check && rep.state == ReplicaState::Running {
                let healthy = rep.actor_alive && rep.health_mode().is_none() && rep.hc_failures == 0;
                assert!(healthy, "t={at}: replica {} changed with its health check parked", rep.name);
            }
        }
        for (p, parked) in &lazy.proxies {
            let px = &self.serve.proxies[p.ix()];
            if current && parked.inc == ctl && !matches!(px.state, ProxyState::Removed | ProxyState::Starting) {
                assert!(
                    px.actor_alive && px.hc_failures == 0,
                    "t={at}: proxy {p:?} changed with its health check parked"
                );
            }
        }
        for (pod, parked) in &lazy.probes {
            let p = &self.k8s.pods[pod.ix()];
            if parked.inc == p.inc && p.phase == PodPhase::Running {
                assert_eq!(
                    self.pod_serves_http(*pod),
                    p.endpoint_ready(),
                    "t={at}: pod {} changed readiness with its probe parked",
                    p.name
                );
            }
        }
    }
}
