//! Serve HTTP proxies: one on the head, and with `EveryNode` one on every pod that hosts a
//! replica. The controller health-checks them (a check 10 s after the last completed one, 3
//! failures) and replaces a dead one on the same pod; a proxy on a pod that lost its replicas
//! drains for the minimum draining period and stops.

use std::collections::BTreeSet;

use crate::journal::Component;
use crate::metrics::observations::FailureCause;
use crate::scenario::ProxyLocation;
use crate::sim::event::Event;
use crate::sim::ids::{DeploymentId, PodId, ProxyId, ReqId};
use crate::sim::k8s::{PodRole, Raylet};
use crate::sim::serve::routing_table::RoutingTables;
use crate::sim::world::{Cause, World};

/// The controller's view of a proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyState {
    /// Actor starting, port not bound yet.
    Starting,
    /// Serving and passing health checks.
    Healthy,
    /// Its node has no replica left (or is draining): `/-/healthz` answers 503.
    Draining,
    /// Stopped or replaced.
    Removed,
}

impl ProxyState {
    /// Upper-case name for the events log.
    pub fn label(self) -> &'static str {
        match self {
            ProxyState::Starting => "STARTING",
            ProxyState::Healthy => "HEALTHY",
            ProxyState::Draining => "DRAINING",
            ProxyState::Removed => "REMOVED",
        }
    }
}

/// One proxy actor and its router.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// The pod it runs on.
    pub pod: PodId,
    /// The controller's view.
    pub state: ProxyState,
    /// The actor process exists.
    pub actor_alive: bool,
    /// Bumped when pending timers become stale.
    pub inc: u32,
    /// The replicas its routers believe running, per deployment (last broadcast, minus replicas
    /// they saw fail).
    pub view: RoutingTables,
    /// Its long-poll clients run: it hears the controller's broadcasts. They stop for good when
    /// a poll fails with `ActorDiedError` (the controller killed with `no_restart`).
    pub listening: bool,
    /// Requests waiting for a replica slot, per deployment, first come first served (ids grow
    /// with arrival).
    pub queues: Vec<BTreeSet<ReqId>>,
    /// Requests whose client connection is held by this proxy (waiting or being served).
    pub active: BTreeSet<ReqId>,
    /// Consecutive failed health checks.
    pub hc_failures: u32,
    /// The fault that killed it.
    pub fault: Option<usize>,
}

impl World {
    fn proxy_label(&self, p: ProxyId) -> String {
        format!("proxy@{}", self.k8s.pods[self.serve.proxies[p.ix()].pod.ix()].name)
    }

    /// Sets the controller's view of a proxy and logs it.
    pub(crate) fn set_proxy_state(&mut self, p: ProxyId, state: ProxyState, why: &str) {
        let from = self.serve.proxies[p.ix()].state;
        if from == state {
            return;
        }
        self.update_proxy(p, |px| px.state = state);
        let name = self.proxy_label(p);
        self.log(Component::Proxy, &name, format_args!("{} -> {} ({why})", from.label(), state.label()));
        self.observed.levels_dirty = true;
    }

    /// The proxy Serve runs on `pod` (alive or not), unless removed.
    pub(crate) fn live_proxy_on(&self, pod: PodId) -> Option<ProxyId> {
        self.serve.index.live_proxy_on(pod)
    }

    /// The proxy on `pod` that accepts connections now.
    pub(crate) fn accepting_proxy_on(&self, pod: PodId) -> Option<ProxyId> {
        self.live_proxy_on(pod).filter(|p| {
            let px = &self.serve.proxies[p.ix()];
            px.actor_alive && matches!(px.state, ProxyState::Healthy | ProxyState::Draining)
        })
    }

    /// True when `pod`'s proxy answers `/-/healthz` with 200: healthy, not draining, and on a
    /// worker at least one replica in its routing table.
    pub(crate) fn pod_serves_http(&self, pod: PodId) -> bool {
        if let Some(partition) = self.partition_of(pod) {
            // Cut off from the controller, its proxy answers with the routes it had.
            return partition.serves_http;
        }
        let Some(p) = self.accepting_proxy_on(pod) else { return false };
        let px = &self.serve.proxies[p.ix()];
        px.state == ProxyState::Healthy
            && !self.k8s.pods[pod.ix()].draining
            && (self.k8s.pods[pod.ix()].role == PodRole::Head || !px.view.is_empty())
    }

    /// True when Serve runs a proxy on `pod`: the head, and with `EveryNode` every pod hosting
    /// a replica of the application.
    fn wants_proxy(&self, pod: PodId) -> bool {
        self.k8s.head == Some(pod) || (self.every_node() && self.serve.index.hosts_replicas(pod))
    }

    fn every_node(&self) -> bool {
        self.scenario.serve.proxy_location == ProxyLocation::EveryNode
    }

    /// Pods that should run a proxy: the head, then with `EveryNode` the pods hosting a replica,
    /// in the order of their first replica.
    fn proxy_pods(&self) -> Vec<PodId> {
        let mut pods: Vec<PodId> = self.k8s.head.into_iter().collect();
        if self.every_node() {
            pods.extend(self.serve.index.pods_with_replicas().filter(|&pod| self.k8s.head != Some(pod)));
        }
        pods
    }

    /// How many proxies Serve should run now.
    pub(crate) fn expected_proxy_count(&self) -> u32 {
        if !self.serve.controller.app_present {
            return 0;
        }
        let head_alone = self.k8s.head.is_some_and(|h| !(self.every_node() && self.serve.index.hosts_replicas(h)));
        let replica_pods = if self.every_node() { self.serve.index.pods_with_replicas_count() } else { 0 };
        (replica_pods + usize::from(head_alone)) as u32
    }

    /// Starts missing proxies and drains those no longer needed.
    pub(crate) fn reconcile_proxies(&mut self) {
        let wanted = self.proxy_pods();
        for &pod in &wanted {
            let alive = matches!(self.k8s.pods[pod.ix()].raylet, Raylet::Alive { .. });
            match self.live_proxy_on(pod) {
                None if alive => self.start_proxy(pod),
                Some(p)
                    if self.serve.proxies[p.ix()].state == ProxyState::Draining
                        && !self.k8s.pods[pod.ix()].draining =>
                {
                    self.set_proxy_state(p, ProxyState::Healthy, "its node hosts replicas again");
                }
                _ => {}
            }
        }
        for i in 0..self.serve.proxies.len() {
            let p = ProxyId(i as u32);
            let px = &self.serve.proxies[i];
            if px.state == ProxyState::Healthy && px.actor_alive && !self.wants_proxy(px.pod) {
                self.drain_proxy(p, "its node hosts no replica");
            }
        }
    }

    fn start_proxy(&mut self, pod: PodId) {
        let id = ProxyId(self.serve.proxies.len() as u32);
        self.serve.proxies.push(Proxy {
            pod,
            state: ProxyState::Starting,
            actor_alive: true,
            inc: 0,
            view: RoutingTables::empty(self.scenario.serve.applications.len()),
            listening: true,
            queues: vec![BTreeSet::new(); self.scenario.serve.applications.len()],
            active: BTreeSet::new(),
            hc_failures: 0,
            fault: None,
        });
        self.index_new_proxy(id);
        let name = self.proxy_label(id);
        self.log(Component::Proxy, &name, format_args!("created (STARTING)"));
        self.observed.levels_dirty = true;
        self.schedule_in(self.scenario.timings.proxy_start, Event::ProxyReady { proxy: id, inc: 0 });
    }

    /// The new proxy bound its port and got the routing table.
    pub(crate) fn on_proxy_ready(&mut self, p: ProxyId, inc: u32) {
        let px = &self.serve.proxies[p.ix()];
        if px.inc != inc || px.state != ProxyState::Starting || !px.actor_alive {
            return;
        }
        let pod = px.pod;
        self.serve.proxies[p.ix()].view = self.broadcast().table_for(pod);
        self.set_proxy_state(p, ProxyState::Healthy, "ready");
        self.schedule_proxy_health_check(p);
    }

    /// Next proxy health check, one period after the last completed one.
    pub(crate) fn schedule_proxy_health_check(&mut self, p: ProxyId) {
        self.schedule_proxy_health_check_in(p, self.scenario.timings.proxy_health_check_period);
    }

    /// A proxy health check after `delay`.
    pub(crate) fn schedule_proxy_health_check_in(&mut self, p: ProxyId, delay: crate::engine::SimDuration) {
        let ctl_inc = self.serve.controller.inc;
        self.schedule_in(delay, Event::ProxyHealthCheck { proxy: p, ctl_inc });
    }

    /// Controller -> proxy health check.
    pub(crate) fn on_proxy_health_check(&mut self, p: ProxyId, ctl_inc: u32) {
        if ctl_inc != self.serve.controller.inc || !self.controller_running() {
            return;
        }
        let px = &self.serve.proxies[p.ix()];
        if matches!(px.state, ProxyState::Removed | ProxyState::Starting) {
            return;
        }
        let pod = &self.k8s.pods[px.pod.ix()];
        if pod.unreachable_since.is_some() && !pod.gcs_knows_dead {
            // A black-holed call (a dead actor's, or a live one's across a partition): the check
            // fails only when its timeout expires.
            let timeout = self.scenario.timings.proxy_health_check_timeout;
            self.schedule_in(timeout, Event::ProxyHealthCheckTimeout { proxy: p, ctl_inc });
            return;
        }
        if px.actor_alive {
            self.serve.proxies[p.ix()].hc_failures = 0;
            if !self.park_proxy_check(p) {
                self.schedule_proxy_health_check(p);
            }
            return;
        }
        self.proxy_health_check_failed(p);
    }

    /// A health check to a proxy on an unreachable node timed out.
    pub(crate) fn on_proxy_health_check_timeout(&mut self, p: ProxyId, ctl_inc: u32) {
        if ctl_inc != self.serve.controller.inc || !self.controller_running() {
            return;
        }
        if matches!(self.serve.proxies[p.ix()].state, ProxyState::Healthy | ProxyState::Draining) {
            self.proxy_health_check_failed(p);
        }
    }

    fn proxy_health_check_failed(&mut self, p: ProxyId) {
        let px = &mut self.serve.proxies[p.ix()];
        px.hc_failures += 1;
        let failures = px.hc_failures;
        if failures < crate::scenario::defaults::PROXY_HEALTH_CHECK_UNHEALTHY_THRESHOLD {
            self.schedule_proxy_health_check(p);
            return;
        }
        if let Some(f) = self.serve.proxies[p.ix()].fault {
            self.detect(f);
        }
        self.set_proxy_state(p, ProxyState::Removed, &format!("{failures} failed health checks; replaced"));
        self.reconcile_proxies();
    }

    /// The proxy drains: `/-/healthz` answers 503; it stops after the minimum draining period.
    pub(crate) fn drain_proxy(&mut self, p: ProxyId, why: &str) {
        self.set_proxy_state(p, ProxyState::Draining, why);
        self.serve.proxies[p.ix()].inc += 1;
        let inc = self.serve.proxies[p.ix()].inc;
        self.schedule_in(self.scenario.timings.proxy_min_draining, Event::ProxyDrained { proxy: p, inc });
    }

    /// Draining over: the proxy stops (connections it still holds are closed).
    pub(crate) fn on_proxy_drained(&mut self, p: ProxyId, inc: u32) {
        let px = &self.serve.proxies[p.ix()];
        if px.inc != inc || px.state != ProxyState::Draining || !self.controller_running() {
            return;
        }
        self.kill_proxy_actor(p, Cause::Stopped, false);
        self.set_proxy_state(p, ProxyState::Removed, "drained");
        let pod = self.serve.proxies[p.ix()].pod;
        self.maybe_finish_drain(pod);
    }

    /// The proxy actor dies. Its clients' connections are reset, unless its node is
    /// unreachable: then they hang until the client gives up.
    pub(crate) fn kill_proxy_actor(&mut self, p: ProxyId, cause: Cause, unreachable: bool) {
        if !self.serve.proxies[p.ix()].actor_alive {
            return;
        }
        let pod_fault = self.k8s.pods[self.serve.proxies[p.ix()].pod.ix()].fault;
        self.update_proxy(p, |px| {
            px.actor_alive = false;
            px.inc += 1;
            px.fault = cause.fault().or(pod_fault);
        });
        let name = self.proxy_label(p);
        self.log(Component::Proxy, &name, format_args!("actor DEAD ({})", cause.describe()));
        self.observed.levels_dirty = true;
        if self.serve.proxies[p.ix()].state == ProxyState::Starting {
            self.set_proxy_state(p, ProxyState::Removed, "died while starting");
        }
        for (d, queue) in self.serve.proxies[p.ix()].queues.iter_mut().enumerate() {
            queue.clear();
            self.traffic.waiting_queues.remove(&(p, DeploymentId(d as u32)));
        }
        let active = std::mem::take(&mut self.serve.proxies[p.ix()].active);
        for req in active {
            if unreachable {
                self.hang_request(req);
            } else {
                self.fail_request(req, FailureCause::ProxyUnavailable);
            }
        }
    }

    /// The controller's routing update reaches every live proxy that still listens.
    pub(crate) fn on_routing_broadcast(&mut self) {
        self.serve.broadcast_pending = false;
        if !self.controller_running() {
            return;
        }
        let broadcast = self.broadcast();
        let mut emptied_or_filled = Vec::new();
        for px in &mut self.serve.proxies {
            if px.actor_alive && px.listening && px.state != ProxyState::Removed {
                let was_empty = px.view.is_empty();
                px.view = broadcast.table_for(px.pod);
                if px.view.is_empty() != was_empty {
                    emptied_or_filled.push(px.pod);
                }
            }
        }
        for pod in emptied_or_filled {
            self.wake_readiness_probe(pod);
        }
        self.serve_waiting_requests();
    }

    /// Asks the controller to push its running set to the proxies (coalesced).
    pub(crate) fn request_broadcast(&mut self) {
        if !self.serve.broadcast_pending {
            self.serve.broadcast_pending = true;
            self.schedule_in(self.scenario.timings.routing_update, Event::RoutingBroadcast);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimDuration, SimTime};
    use crate::metrics::observations::Outcome;
    use crate::sim::testing::{TestWorld, secs};

    /// The state of the newest proxy on pod `pod`.
    fn proxy_on(t: &TestWorld, pod: &str) -> (ProxyState, bool) {
        let pod = t.pod_id(pod);
        let px = t.world().serve.proxies.iter().rev().find(|px| px.pod == pod).expect("a proxy");
        (px.state, px.actor_alive)
    }

    #[test]
    fn a_killed_proxy_fails_three_health_checks_10_s_apart_and_is_replaced() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "proxy_crash", "at_s": 60, "target": "small-group-1" }]"#);
        t.run_until(secs(60));
        assert_eq!(proxy_on(&t, "small-group-1"), (ProxyState::Healthy, false));
        let removed = t.run_until_true(|w| w.serve.proxies.iter().any(|px| px.state == ProxyState::Removed));
        // The first failed check comes within one period; two more follow 10 s apart.
        assert!(removed > secs(80) && removed <= secs(90), "removed at {removed}");
        assert_eq!(t.logged_at(secs(60), &["proxy@small-group-1", "3 failed health checks; replaced"]), removed);
        assert_eq!(proxy_on(&t, "small-group-1"), (ProxyState::Starting, true));
        let healthy = t.run_until_true(|w| w.serve.proxies.last().unwrap().state == ProxyState::Healthy);
        assert_eq!(healthy, removed + SimDuration::from_secs(2));
        // Port-forwarded traffic to small-group-1 is refused while it has no proxy, served after.
        t.run_until(healthy + SimDuration::from_secs(5));
        let outcome = |from: SimTime, to: SimTime| {
            t.requests().iter().filter(move |r| r.arrival > from && r.arrival < to).map(|r| r.outcome)
        };
        assert!(outcome(secs(60), removed).all(|o| o == Outcome::Failure(FailureCause::ProxyUnavailable)));
        assert!(outcome(healthy, healthy + SimDuration::from_secs(4)).all(|o| o == Outcome::Success));
    }

    #[test]
    fn the_proxy_of_a_deleted_pod_drains_for_its_minimum_period_then_stops_and_the_pod_goes() {
        // A minimum draining period (20 s) shorter than the node's drain budget (30 s), so that
        // the proxy's stop, not the budget, ends the drain.
        let mut t = TestWorld::guide(
            r#""timings": { "proxy_min_draining_s": 20 },
               "faults": [{ "kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2" }]"#,
        );
        t.run_until(secs(60));
        assert_eq!(proxy_on(&t, "small-group-2"), (ProxyState::Draining, true));
        let pod = t.pod_id("small-group-2");
        assert!(!t.world().pod_serves_http(pod), "a draining proxy's /-/healthz answers 503");
        let stopped = t.run_until_true(|w| w.serve.proxies.iter().any(|px| px.pod == pod && !px.actor_alive));
        assert_eq!(stopped, secs(80));
        assert_eq!(proxy_on(&t, "small-group-2"), (ProxyState::Removed, false));
        assert_eq!(t.logged_at(secs(60), &["proxy@small-group-2", "DRAINING -> REMOVED (drained)"]), secs(80));
        // Its replicas migrated at 72: the node is idle, the pod goes.
        assert_eq!(t.logged_at(secs(60), &["pod small-group-2", "TERMINATING -> GONE (drained)"]), secs(80));
    }

    #[test]
    fn a_worker_proxy_drains_and_fails_its_health_endpoint_when_its_node_hosts_no_replica() {
        let mut t = TestWorld::guide("");
        let pod = t.pod_id("small-group-2");
        let on_pod: Vec<_> = t.world().serve.index.replicas_hosted_on(pod);
        assert!(!on_pod.is_empty());
        t.run_until(secs(10));
        for r in on_pod {
            t.world_mut().stop_replica(r, "test");
        }
        t.world_mut().reconcile_proxies();
        assert_eq!(proxy_on(&t, "small-group-2"), (ProxyState::Draining, true));
        assert!(!t.world().pod_serves_http(pod));
    }
}
