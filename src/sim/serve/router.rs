//! Client requests: arrival, ingress (port-forward or Service), the proxy's router (local-node
//! preference, power of two choices bounded by `max_ongoing_requests`), service, and outcome.
//!
//! Router semantics (Ray 2.60): a replica that fails before accepting a request is dropped from
//! the router's local set and the request is routed again (extra latency only); a replica that
//! dies after accepting fails the request (HTTP 500, no retry). A replica on a black-holed node
//! is still picked while its cached queue length is fresh (`queue_len_cache_s` after the node
//! vanished): such requests hang until the GCS publishes the death. With no replica to route
//! to, requests wait (no `request_timeout_s` by default), except when the deployment is
//! DEPLOY_FAILED: then 503 at once.

use std::collections::BTreeSet;

use crate::engine::{RngStream, SimDuration, SimTime};
use crate::metrics::entry_points::{EntryId, EntryNames};
use crate::metrics::observations::{FailureCause, Outcome, RequestRecord};
use crate::scenario::{Ingress, ServiceTime};
use crate::sim::event::Event;
use crate::sim::ids::{DeploymentId, PodId, ProxyId, ReplicaId, ReqId};
use crate::sim::k8s::{PodPhase, unreachable_pod_cause};
use crate::sim::requests::RequestWindow;
use crate::sim::world::World;
use crate::traffic::ArrivalStream;
use crate::traffic::application_choice::ApplicationChoice;

/// The clients' side: the arrival stream and the requests still open.
pub struct Traffic {
    /// When the next request arrives.
    pub arrivals: ArrivalStream,
    /// The (proxy, deployment) queues that hold waiting requests, so that a freed slot visits
    /// only those.
    pub waiting_queues: BTreeSet<(ProxyId, DeploymentId)>,
    /// Requests not yet handed to the requests sink, in arrival order.
    pub requests: RequestWindow,
    /// Requests whose outcome is not final yet (the run drains until none is left).
    pub unresolved: u64,
    /// Of the unresolved requests, those recorded already as `unfinished` (`World::doom`).
    pub doomed: u64,
    /// The entry points named so far.
    pub entries: EntryNames,
    /// Requests whose call hangs across a short network partition, with its fault, in the
    /// order they hung; delivered when it heals.
    pub across_cut: Vec<(usize, ReqId)>,
    /// The draw of each request's application, with several applications.
    pub applications: Option<ApplicationChoice>,
}

impl Traffic {
    /// No request yet; arrivals as the scenario's traffic says.
    pub fn new(scenario: &crate::scenario::Scenario) -> Self {
        Traffic {
            arrivals: ArrivalStream::new(scenario),
            waiting_queues: BTreeSet::new(),
            requests: RequestWindow::default(),
            unresolved: 0,
            doomed: 0,
            entries: EntryNames::default(),
            across_cut: Vec::new(),
            applications: ApplicationChoice::new(scenario.seed, &scenario.serve),
        }
    }
}

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReqState {
    /// Queued in a proxy's router, waiting for a replica slot.
    Waiting(ProxyId),
    /// Being served by a replica, through a proxy.
    Serving(ProxyId, ReplicaId),
    /// Its connection hangs (unreachable node): only the client's timeout ends it.
    Hanging,
    /// Outcome known.
    Done,
}

/// What the router did with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Routed {
    /// Assigned to a replica, or failed.
    Done,
    /// No replica has a slot: the request waits.
    NoSlot,
}

/// Two distinct candidates drawn uniformly among `n` (the same one twice when `n` is 1); `nth`
/// gives the candidate of each rank. Draws from `rng` exactly as a draw from a list would.
fn two_choices(rng: &mut RngStream, n: usize, nth: impl Fn(usize) -> ReplicaId) -> (ReplicaId, ReplicaId) {
    let ia = rng.below(n);
    if n == 1 {
        return (nth(ia), nth(ia));
    }
    let j = rng.below(n - 1);
    (nth(ia), nth(if j >= ia { j + 1 } else { j }))
}

/// One client request.
#[derive(Clone, Debug)]
pub struct Request {
    /// When it arrived.
    pub arrival: SimTime,
    /// Service time it needs on a replica (drawn at arrival: common random numbers).
    pub service: SimDuration,
    /// Where it is.
    pub state: ReqState,
    /// Its final record, once done.
    pub record: Option<RequestRecord>,
    /// The entry point it went through, once it reached one.
    pub entry: Option<EntryId>,
    /// Its application's deployment.
    pub app: DeploymentId,
}

impl World {
    /// Schedules the next arrival, if it falls inside the run.
    pub(crate) fn schedule_next_arrival(&mut self) {
        let at = self.traffic.arrivals.next_arrival();
        if at < SimTime::ZERO + self.scenario.duration {
            self.schedule_at(at, Event::Arrival);
        }
    }

    fn draw_service_time(&mut self) -> SimDuration {
        match self.scenario.traffic.service_time {
            ServiceTime::Constant(d) => d,
            ServiceTime::Exponential(mean) => {
                SimDuration::from_micros(self.rng.service.exponential_micros(mean.as_micros()))
            }
            ServiceTime::Uniform(lo, hi) => {
                SimDuration::from_micros(self.rng.service.range_inclusive(lo.as_micros(), hi.as_micros()))
            }
        }
    }

    /// A request arrives at the ingress (in counted mode, maybe the first of a counted stretch).
    pub(crate) fn on_arrival(&mut self) {
        if self.count_arrivals() {
            return;
        }
        let service = self.draw_service_time();
        let app = DeploymentId(self.traffic.applications.as_mut().map_or(0, ApplicationChoice::pick).into());
        let request = Request { arrival: self.now, service, state: ReqState::Hanging, record: None, entry: None, app };
        let id = self.traffic.requests.push(request);
        self.traffic.unresolved += 1;
        self.schedule_next_arrival();
        if let Some(timeout) = self.scenario.traffic.client_timeout {
            self.schedule_in(timeout, Event::ClientTimeout(id));
        }
        let pinned = match &self.scenario.ingress {
            Ingress::Pinned { pod } => Some(self.traffic.entries.id(pod)),
            _ => None,
        };
        self.traffic.requests[id.ix()].entry = pinned;
        match self.ingress_pod() {
            Err(cause) => self.fail_request(id, cause),
            Ok((pod, entry)) => {
                self.traffic.requests[id.ix()].entry = Some(entry);
                self.enter_pod(id, pod);
            }
        }
    }

    /// Names the entry points known before any request: the pinned pod, the load balancer's
    /// backends (a Service's endpoints are named as requests reach them).
    pub(crate) fn init_entry_points(&mut self) {
        for name in self.scenario.ingress.initial_entry_points() {
            self.traffic.entries.id(&name);
        }
        self.init_load_balancer();
    }

    /// The pod a new connection goes to and its entry point, or why there is none.
    fn ingress_pod(&mut self) -> Result<(PodId, EntryId), FailureCause> {
        match &self.scenario.ingress {
            Ingress::Pinned { pod } => {
                // kubectl port-forward follows neither a recreated pod nor a lost node.
                let found = self.k8s.pods.iter().position(|p| &p.name == pod).map(|i| PodId(i as u32));
                match found {
                    Some(p) if !matches!(self.k8s.pods[p.ix()].phase, PodPhase::Gone | PodPhase::Lost) => {
                        let entry = self.traffic.entries.id(pod);
                        Ok((p, entry))
                    }
                    _ => Err(FailureCause::NoEndpoint),
                }
            }
            Ingress::Service => {
                let ready = self.k8s.endpoints.pods();
                if ready.is_empty() {
                    return Err(FailureCause::NoEndpoint);
                }
                let pod = ready[self.rng.ingress.below(ready.len())];
                let entry = self.traffic.entries.id(&self.k8s.pods[pod.ix()].name);
                Ok((pod, entry))
            }
            Ingress::LoadBalancer(_) => self.lb_pick().ok_or(FailureCause::NoEndpoint),
        }
    }

    /// The connection reaches `pod`: its proxy takes it, or it is refused (or hangs).
    fn enter_pod(&mut self, req: ReqId, pod: PodId) {
        match self.partition_of(pod) {
            // Its whole node is cut off: the connection hangs.
            Some(partition) if !partition.kubernetes_reaches => {
                self.hang_request(req);
                return;
            }
            Some(partition) if partition.outlasts_verdict => {
                self.enter_partitioned_pod(req, partition);
                return;
            }
            // A short partition: its proxy routes as usual; calls across the cut hang.
            Some(_) => {}
            None if self.k8s.pods[pod.ix()].unreachable_since.is_some() => {
                self.hang_request(req);
                return;
            }
            None => {}
        }
        let Some(proxy) = self.accepting_proxy_on(pod).filter(|_| self.pod_running(pod)) else {
            let cause = unreachable_pod_cause(self.k8s.pods[pod.ix()].phase);
            let cause = if cause == FailureCause::NoEndpoint { cause } else { FailureCause::ProxyUnavailable };
            self.fail_request(req, cause);
            return;
        };
        if self.route(req, proxy) == Routed::NoSlot {
            // The newest request: its id is the largest, so the queue stays in arrival order.
            self.traffic.requests[req.ix()].state = ReqState::Waiting(proxy);
            let d = self.req(req).app;
            let px = &mut self.serve.proxies[proxy.ix()];
            px.queues[d.ix()].insert(req);
            px.active.insert(req);
            self.traffic.waiting_queues.insert((proxy, d));
        }
    }

    /// The proxy's router for the request's deployment picks a replica and assigns the request
    /// to it, fails it (an application that failed to deploy), or finds no slot; the caller
    /// queues it then.
    fn route(&mut self, req: ReqId, proxy: ProxyId) -> Routed {
        let d = self.req(req).app;
        loop {
            if self.serve.proxies[proxy.ix()].view.of(d).is_empty() {
                if self.serve.controller.deployments[d.ix()].deploy_failed {
                    self.fail_request(req, FailureCause::DeploymentUnavailable);
                    return Routed::Done;
                }
                return Routed::NoSlot;
            }
            let Some(r) = self.pick_replica(proxy, d) else { return Routed::NoSlot };
            if let Some(cut) = self.cut_between(proxy, r) {
                if self.now < cut.since + self.scenario.timings.queue_len_cache {
                    self.hang_across_cut(req, cut.fault);
                    return Routed::Done;
                }
                // Its queue-length probes time out: left out until the next routing update.
                self.leave_out(proxy, r);
                continue;
            }
            // A dead replica: its queue-length probe or the call itself may fail before acceptance.
            if self.serve.replicas[r.ix()].actor_alive || !self.dead_replica_left_out(r) {
                self.assign(req, proxy, r);
                return Routed::Done;
            }
            self.leave_out(proxy, r);
        }
    }

    /// For a dead replica `r` that a router picks (no short partition between them): true when
    /// its queue-length probe or the call itself fails before acceptance, so that the router
    /// leaves it out and picks again; false while its node has vanished for less than
    /// `queue_len_cache_s` and its death is not known, when the router still assigns to it.
    pub(crate) fn dead_replica_left_out(&self, r: ReplicaId) -> bool {
        let rep = &self.serve.replicas[r.ix()];
        let vanished = rep.pod.and_then(|p| self.k8s.pods[p.ix()].unreachable_since);
        let cached = vanished.is_some_and(|since| self.now < since + self.scenario.timings.queue_len_cache);
        !cached || rep.death_known
    }

    /// The proxy's router drops replica `r` from its table.
    fn leave_out(&mut self, proxy: ProxyId, r: ReplicaId) {
        let d = self.serve.replicas[r.ix()].deployment;
        self.serve.proxies[proxy.ix()].view.remove(d, r);
        self.wake_readiness_probe(self.serve.proxies[proxy.ix()].pod);
    }

    /// Power of two choices among the candidates of the proxy's router for deployment `d`:
    /// replicas on its own node when it has any with room, else all it knows (then, when both
    /// choices are full, the first with room). `None` when every candidate is full. Costs the
    /// replicas of the proxy's pod, plus a scan of the table only when both choices among all
    /// replicas are full.
    fn pick_replica(&mut self, proxy: ProxyId, d: DeploymentId) -> Option<ReplicaId> {
        let max = self.scenario.serve.applications[d.ix()].deployment.max_ongoing_requests as usize;
        let replicas = &self.serve.replicas;
        let load = |r: ReplicaId| replicas[r.ix()].ongoing.len();
        let has_room = |r: &ReplicaId| load(*r) < max;
        let table = self.serve.proxies[proxy.ix()].view.of(d);
        let rng = &mut self.rng.routing;
        let local_with_room = table.local().iter().copied().filter(has_room).count();
        let (a, b) = if local_with_room > 0 {
            two_choices(rng, local_with_room, |k| {
                table.local().iter().copied().filter(has_room).nth(k).expect("k < local replicas with room")
            })
        } else {
            two_choices(rng, table.all().len(), |k| table.all()[k])
        };
        let (first, second) = if load(b) < load(a) { (b, a) } else { (a, b) };
        if load(first) < max {
            return Some(first);
        }
        if load(second) < max {
            return Some(second);
        }
        table.all().iter().copied().find(has_room)
    }

    fn assign(&mut self, req: ReqId, proxy: ProxyId, r: ReplicaId) {
        if self.req(req).state == ReqState::Waiting(proxy) {
            self.dequeue(req, proxy);
        }
        self.traffic.requests[req.ix()].state = ReqState::Serving(proxy, r);
        self.serve.proxies[proxy.ix()].active.insert(req);
        self.serve.replicas[r.ix()].ongoing.push(req);
        let rep = &self.serve.replicas[r.ix()];
        let stalls = !rep.actor_alive || rep.health_mode() == Some(crate::scenario::HealthMode::Hang);
        if !stalls {
            let service = self.traffic.requests[req.ix()].service;
            self.schedule_in(service, Event::RequestDone(req));
        }
    }

    /// Takes a waiting request out of its proxy's queue.
    fn dequeue(&mut self, req: ReqId, proxy: ProxyId) {
        let d = self.req(req).app;
        let queue = &mut self.serve.proxies[proxy.ix()].queues[d.ix()];
        queue.remove(&req);
        if queue.is_empty() {
            self.traffic.waiting_queues.remove(&(proxy, d));
        }
    }

    /// A replica finished a request.
    pub(crate) fn on_request_done(&mut self, req: ReqId) {
        let ReqState::Serving(proxy, r) = self.req(req).state else { return };
        if !self.serve.replicas[r.ix()].actor_alive {
            return;
        }
        self.complete(req, Outcome::Success);
        self.release(req, proxy, r);
        self.serve_waiting_requests();
        if self.serve.replicas[r.ix()].ongoing.is_empty()
            && let Some(pod) = self.serve.replicas[r.ix()].pod
        {
            self.maybe_finish_drain(pod);
        }
    }

    /// Takes a served request off its replica and its proxy.
    fn release(&mut self, req: ReqId, proxy: ProxyId, r: ReplicaId) {
        let ongoing = &mut self.serve.replicas[r.ix()].ongoing;
        if let Some(i) = ongoing.iter().position(|&x| x == req) {
            ongoing.remove(i);
        }
        self.serve.proxies[proxy.ix()].active.remove(&req);
    }

    /// Routes queued requests again, oldest first, while slots are free; only the queues with
    /// waiting requests are visited, in proxy order, then deployment order.
    pub(crate) fn serve_waiting_requests(&mut self) {
        let waiting: Vec<(ProxyId, DeploymentId)> = self.traffic.waiting_queues.iter().copied().collect();
        for (proxy, d) in waiting {
            while let Some(&req) = self.serve.proxies[proxy.ix()].queues[d.ix()].first() {
                debug_assert_eq!(self.req(req).state, ReqState::Waiting(proxy), "queued request not waiting");
                if self.route(req, proxy) == Routed::NoSlot {
                    break;
                }
            }
        }
    }

    /// The client gave up.
    pub(crate) fn on_client_timeout(&mut self, req: ReqId) {
        match self.req(req).state {
            ReqState::Done => {}
            _ => self.fail_request(req, FailureCause::Timeout),
        }
    }

    /// The request's connection hangs; only the client's timeout (or the end) will end it.
    pub(crate) fn hang_request(&mut self, req: ReqId) {
        self.detach(req);
        if self.scenario.traffic.client_timeout.is_none() {
            self.doom(req);
            return;
        }
        self.traffic.requests[req.ix()].state = ReqState::Hanging;
    }

    /// The request's call crosses fault `fault`'s short partition: it hangs until the cut heals
    /// (or its client gives up), whether or not the client has a timeout.
    pub(crate) fn hang_across_cut(&mut self, req: ReqId, fault: usize) {
        self.detach(req);
        self.traffic.requests[req.ix()].state = ReqState::Hanging;
        self.traffic.across_cut.push((fault, req));
    }

    /// Removes a request from the replica and proxy that hold it.
    fn detach(&mut self, req: ReqId) {
        match self.req(req).state {
            ReqState::Serving(proxy, r) => self.release(req, proxy, r),
            ReqState::Waiting(proxy) => {
                self.dequeue(req, proxy);
                self.serve.proxies[proxy.ix()].active.remove(&req);
            }
            ReqState::Hanging | ReqState::Done => {}
        }
    }

    /// Fails a request with `cause` (no-op if it already has an outcome).
    pub(crate) fn fail_request(&mut self, req: ReqId, cause: FailureCause) {
        if self.req(req).state == ReqState::Done {
            return;
        }
        self.detach(req);
        self.complete(req, Outcome::Failure(cause));
    }

    /// A request answered by a replica the router does not track (a partitioned node's own).
    pub(crate) fn succeed_request(&mut self, req: ReqId) {
        self.complete(req, Outcome::Success);
    }

    fn complete(&mut self, req: ReqId, outcome: Outcome) {
        let r = &mut self.traffic.requests[req.ix()];
        r.state = ReqState::Done;
        r.record =
            Some(RequestRecord { arrival: r.arrival, end: self.now, outcome, entry: r.entry, app: r.app.0 as u16 });
        self.traffic.unresolved -= 1;
    }

    /// Requests still open when the run ends.
    pub(crate) fn fail_unfinished(&mut self) {
        let open: Vec<ReqId> =
            self.traffic.requests.iter().filter(|(_, r)| r.state != ReqState::Done).map(|(id, _)| id).collect();
        for id in open {
            self.fail_request(id, FailureCause::Unfinished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::serve::replica::ReplicaState;
    use crate::sim::testing::{TestWorld, secs};

    const SECOND: SimDuration = SimDuration::from_secs(1);

    #[test]
    fn a_request_goes_to_a_replica_on_the_proxy_s_own_node_and_succeeds_after_its_service_time() {
        let mut t =
            TestWorld::guide(r#""traffic": { "rate_per_s": 1, "service_time": { "kind": "constant", "s": 1 } }"#);
        let ingress = t.pod_id("small-group-1");
        let mut arrivals = 0;
        while arrivals < 5 {
            let (at, ev) = t.step().expect("events");
            if ev != Event::Arrival {
                continue;
            }
            arrivals += 1;
            let (_, req) = t.world().traffic.requests.iter().last().expect("the new request");
            assert_eq!(req.arrival, at);
            let ReqState::Serving(proxy, replica) = req.state else { panic!("not served at once: {:?}", req.state) };
            assert_eq!(t.world().serve.proxies[proxy.ix()].pod, ingress);
            assert_eq!(t.world().serve.replicas[replica.ix()].pod, Some(ingress), "local replicas first");
        }
        t.run_until(t.now() + SECOND);
        let done: Vec<_> = t.requests().to_vec();
        assert!(done.len() >= 4);
        assert!(done.iter().all(|r| r.outcome == Outcome::Success && r.end == r.arrival + SECOND));
    }

    #[test]
    fn with_no_replica_requests_wait_and_the_client_timeout_ends_those_that_wait_too_long() {
        let mut t = TestWorld::guide(
            r#""serve": { "num_replicas": 1 }, "ingress": { "kind": "pinned", "pod": "head" },
               "traffic": { "rate_per_s": 1, "client_timeout_s": 10 },
               "faults": [{ "kind": "replica_crash", "at_s": 60, "target": "SleepyPid#1" }]"#,
        );
        let running =
            t.run_until_true(|w| w.serve.replicas.len() == 2 && w.serve.replicas[1].state == ReplicaState::Running);
        t.run_until(running + SimDuration::from_secs(11));
        let before_running = |s: u64| SimTime::from_micros(running.as_micros() - s * 1_000_000);
        let after =
            |from: SimTime, to: SimTime| t.requests().iter().filter(move |r| r.arrival > from && r.arrival < to);
        // Requests that arrived more than 10 s before the replacement ran timed out, each 10 s
        // after its arrival; the others waited for it and were served.
        let timed_out: Vec<_> = after(secs(60), before_running(10)).collect();
        assert!(!timed_out.is_empty());
        for r in timed_out {
            assert_eq!(
                (r.outcome, r.end),
                (Outcome::Failure(FailureCause::Timeout), r.arrival + SimDuration::from_secs(10))
            );
        }
        let waited: Vec<_> = after(before_running(9), running).collect();
        assert!(!waited.is_empty());
        assert!(waited.iter().all(|r| r.outcome == Outcome::Success && r.end >= running));
    }

    #[test]
    fn requests_served_on_a_black_holed_node_hang_until_the_client_timeout_and_new_ones_find_no_endpoint() {
        let mut t = TestWorld::guide(
            r#""traffic": { "rate_per_s": 1, "client_timeout_s": 10, "service_time": { "kind": "constant", "s": 5 } },
               "faults": [{ "kind": "node_loss", "at_s": 60, "target": "node-2", "network": "unreachable" }]"#,
        );
        t.run_until(secs(80));
        let timeout = SimDuration::from_secs(10);
        let arrived =
            |from: u64, to: u64| t.requests().iter().filter(move |r| r.arrival > secs(from) && r.arrival < secs(to));
        // In service on small-group-1's replicas when node-2 vanished: they hang.
        let in_flight: Vec<_> = arrived(55, 60).collect();
        assert!(!in_flight.is_empty());
        for r in in_flight {
            assert_eq!((r.outcome, r.end), (Outcome::Failure(FailureCause::Timeout), r.arrival + timeout));
        }
        // kubectl port-forward does not follow a pod on a lost node.
        let later: Vec<_> = arrived(60, 70).collect();
        assert!(!later.is_empty());
        for r in later {
            assert_eq!((r.outcome, r.end), (Outcome::Failure(FailureCause::NoEndpoint), r.arrival));
        }
    }
}
