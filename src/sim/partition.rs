//! Network partitions (`network_partition`): a worker pod's Ray node is cut off from the head
//! and from the other Ray nodes for a while; its processes run on.
//!
//! What the partition cuts: the traffic between Ray nodes (GCS health checks, the controller's
//! calls, proxy-to-replica calls in both directions), black-holed as by a firewall that drops
//! packets. What it does not cut: the Kubernetes path to the pod (the kubelet's readiness probe,
//! a Service or a load balancer reaching the pod's proxy), so requests keep arriving at the
//! partitioned pod.
//!
//! The rest of the cluster sees the node as a black-holed node loss: calls into it hang, the
//! GCS's health checks (`health_check_period_ms` 3 s, `health_check_timeout_ms` 10 s,
//! `health_check_failure_threshold` 5: `ray_config_def.h`, `gcs_health_check_manager.cc`) declare
//! it dead after period + (threshold - 1) x period + threshold x timeout (65 s by default), then
//! its actors are dead for Serve: the controller replaces its replicas elsewhere and removes its
//! proxy (its own health checks of them time out meanwhile; three failed proxy checks usually
//! remove the proxy first). The pod itself is still Running for Kubernetes: its proxy answers `/-/healthz` with the
//! routing table it had (no long-poll update reaches it), so it stays in the Service and behind
//! the load balancer, and Serve's prefer-local routing sends the requests it receives to the
//! replicas on its own node, which serve them. With no local replica its router's picks are all
//! across the partition: those requests hang.
//!
//! When the partition heals, the raylet reaches the GCS again and learns that its node was
//! marked dead (its node-table subscription, or at the latest its self-check every
//! `raylet_liveness_self_check_interval_ms` 60 s): it exits with "\[Timeout\] Exiting because this
//! node manager has mistakenly been marked as dead by the GCS" (`node_manager.cc`
//! `NodeRemoved`), `ray start --block` exits with it, and the kubelet restarts the container in
//! place (KubeRay's pod, same name); its new raylet joins as a new node. The model applies this
//! at the moment of healing.
//!
//! A partition that heals before the GCS's verdict (the commonest: a network blip of 10-30 s)
//! kills nothing: the node's actors live on and their deaths are never declared. Calls across
//! the cut hang — other proxies' calls to its replicas while their routers trust their cached
//! queue lengths (`RAY_SERVE_QUEUE_LENGTH_CACHE_TIMEOUT_S`, 10 s; afterwards their probes time
//! out and the routers leave those replicas out until the next routing update), its own proxy's
//! calls to replicas elsewhere, and the controller's health checks, which fail at their timeout
//! (`serve.health_check_timeout_s` for replicas, 3 in a row mark one unhealthy: Serve's
//! `REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD`; 3 failed proxy checks remove a proxy). Its own
//! proxy routes to its local replicas as usual, within `max_ongoing_requests`. When the cut
//! heals the hung calls are delivered: each completes after its service time unless its client
//! gave up, the routers get the controller's table again, and no process restarts.
//!
//! Simplifications: a partition that outlasts the verdict leaves the partitioned node serving
//! what reaches it without a bound on its replicas' concurrency (the model has killed them for
//! the rest of the cluster); a proxy the controller replaces during a short cut (3 failed checks,
//! the third begun before the heal: cuts of 40-50 s or more) is replaced at once, as if the new
//! actor could start across the cut; a raylet that cannot reach the GCS for longer than `gcs_rpc_server_reconnect_timeout_s`
//! is not made to exit on its own (when its gRPC channel notices a black-holed GCS is not
//! modelled).

use crate::engine::{SimDuration, SimTime};
use crate::journal::Component;

use super::event::Event;
use super::ids::{PodId, ProxyId, ReplicaId, ReqId};
use super::k8s::PodPhase;
use super::serve::replica::ReplicaState;
use super::serve::router::ReqState;
use super::world::{Cause, World};

/// A pod cut off by a partition, as it was when the partition began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The `network_partition` fault.
    pub fault: usize,
    /// A replica ran on the pod: its proxy's prefer-local routing serves requests there.
    pub local_replicas: bool,
    /// Its proxy answered `/-/healthz`: probes from outside keep passing.
    pub serves_http: bool,
    /// It lasts at least the GCS's detection time (or for good): the GCS declares the node
    /// dead. Otherwise the node's actors live on and calls across the cut hang until it heals.
    pub outlasts_verdict: bool,
    /// Kubernetes and clients still reach the pod (`network_partition`); `false` when its whole
    /// node is cut off (`node_unreachable`): requests to it and probes of it hang, and its
    /// kubelet's status updates are lost.
    pub kubernetes_reaches: bool,
}

/// A short partition that a call between two pods crosses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The `network_partition` fault.
    pub fault: usize,
    /// When the partition began.
    pub since: SimTime,
}

impl World {
    /// Fault `fault` cuts `pod` off from the head and the other Ray nodes for `duration` (for
    /// good with none), and from Kubernetes and the clients too unless `kubernetes_reaches`.
    pub(super) fn partition_pod(
        &mut self,
        pod: PodId,
        fault: usize,
        duration: Option<SimDuration>,
        kubernetes_reaches: bool,
    ) {
        let detect = self.scenario.timings.gcs_node_death_detection(true);
        let outlasts_verdict = duration.is_none_or(|d| d >= detect);
        let local_replicas = self.serve.index.replicas_hosted_on(pod).into_iter().any(|r| {
            let rep = &self.serve.replicas[r.ix()];
            rep.actor_alive && rep.state == ReplicaState::Running
        });
        let serves_http = kubernetes_reaches && self.pod_serves_http(pod);
        let p = &mut self.k8s.pods[pod.ix()];
        p.partition = Some(Partition { fault, local_replicas, serves_http, outlasts_verdict, kubernetes_reaches });
        p.fault = Some(fault);
        p.unreachable_since = Some(self.now);
        let name = p.name.clone();
        self.log(Component::Raylet, &name, format_args!("cut off from the head and the other nodes (fault #{fault})"));
        if !outlasts_verdict {
            // The controller's checks of its replicas and proxy now hang: parked ones run again.
            for r in self.serve.index.replicas_hosted_on(pod) {
                self.wake_replica_check(r);
            }
            if let Some(proxy) = self.live_proxy_on(pod) {
                self.wake_proxy_check(proxy);
            }
            self.hang_calls_across_cut(fault);
            return;
        }
        // For the rest of the cluster its actors are as good as gone, their deaths unknown.
        self.kill_ray_processes(pod, Cause::Partitioned, false);
        self.schedule_in(detect, Event::GcsNodeDeath(pod));
    }

    /// The short partition that a call from `proxy` to replica `r` crosses, if any: exactly one
    /// of their pods is cut off.
    pub(crate) fn cut_between(&self, proxy: ProxyId, r: ReplicaId) -> Option<Cut> {
        let from = self.serve.proxies[proxy.ix()].pod;
        let to = self.serve.replicas[r.ix()].pod?;
        if from == to {
            return None;
        }
        [from, to].into_iter().find_map(|pod| {
            let p = &self.k8s.pods[pod.ix()];
            let partition = p.partition.filter(|q| !q.outlasts_verdict)?;
            Some(Cut { fault: partition.fault, since: p.unreachable_since? })
        })
    }

    /// A short partition begins: the requests in service across it hang (their answers cannot
    /// come back) until it heals.
    fn hang_calls_across_cut(&mut self, fault: usize) {
        let crossing: Vec<ReqId> = (self.traffic.requests.iter())
            .filter(|(_, rec)| match rec.state {
                ReqState::Serving(proxy, r) => self.cut_between(proxy, r).is_some_and(|c| c.fault == fault),
                _ => false,
            })
            .map(|(req, _)| req)
            .collect();
        for req in crossing {
            self.hang_across_cut(req, fault);
        }
    }

    /// The partition of `pod`, while one holds.
    pub(crate) fn partition_of(&self, pod: PodId) -> Option<Partition> {
        self.k8s.pods[pod.ix()].partition
    }

    /// A request reaches a partitioned pod's proxy from outside the Ray cluster: a local
    /// replica serves it, or, with none, its call across the partition hangs.
    pub(crate) fn enter_partitioned_pod(&mut self, req: ReqId, partition: Partition) {
        if !(partition.serves_http && partition.local_replicas) {
            self.hang_request(req);
            return;
        }
        self.traffic.requests[req.ix()].state = ReqState::Hanging;
        let service = self.traffic.requests[req.ix()].service;
        self.schedule_in(service, Event::PartitionServed(req));
    }

    /// A replica on a partitioned node answered a request that entered there, unless the
    /// client gave up first.
    pub(crate) fn on_partition_served(&mut self, req: ReqId) {
        if self.traffic.requests[req.ix()].state == ReqState::Hanging {
            self.succeed_request(req);
        }
    }

    /// Fault `fault`'s partition heals. After the GCS's verdict each of its pods' raylets learns
    /// that its node was marked dead and exits, and the kubelet restarts the container in place;
    /// before it, the calls that hung across the cut are delivered.
    pub(super) fn heal_partition(&mut self, fault: usize) {
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            let Some(partition) = self.partition_of(pod).filter(|p| p.fault == fault) else { continue };
            let p = &mut self.k8s.pods[i];
            p.partition = None;
            p.unreachable_since = None;
            if !partition.outlasts_verdict {
                p.fault = None;
                let name = p.name.clone();
                self.log(
                    Component::Raylet,
                    &name,
                    format_args!("partition healed before the GCS's verdict: hung calls complete, nothing restarts"),
                );
                self.deliver_calls_across_cut(fault);
            } else if p.phase == PodPhase::Running {
                self.container_crashed(
                    pod,
                    "partition healed: the raylet learns its node was marked dead and exits \
                     (\"mistakenly been marked as dead by the GCS\"); ray start --block exits",
                );
            }
        }
    }

    /// The calls that hung across fault `fault`'s cut get through: each request is answered
    /// after its service time unless its client gave up, and the routers get the controller's
    /// table back (they left out the replicas whose probes timed out).
    fn deliver_calls_across_cut(&mut self, fault: usize) {
        let (released, kept) = std::mem::take(&mut self.traffic.across_cut).into_iter().partition(|&(f, _)| f == fault);
        self.traffic.across_cut = kept;
        let released: Vec<(usize, ReqId)> = released;
        for (_, req) in released {
            if self.traffic.requests[req.ix()].state == ReqState::Hanging {
                let service = self.traffic.requests[req.ix()].service;
                self.schedule_in(service, Event::PartitionServed(req));
            }
        }
        self.request_broadcast();
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::observations::{FailureCause, Outcome, RequestRecord};
    use crate::sim::k8s::{PodPhase, Raylet};
    use crate::sim::serve::replica::ReplicaState;
    use crate::sim::testing::{TestWorld, secs};

    /// The guide's cluster behind a load balancer, small-group-2 partitioned at 60 s for
    /// `duration` seconds.
    fn partitioned(duration: u64) -> TestWorld {
        partitioned_in("", duration, 10)
    }

    /// As [`partitioned`], with `cluster` and `serve` sections, and clients that give up after
    /// `timeout` seconds.
    fn partitioned_in(sections: &str, duration: u64, timeout: u64) -> TestWorld {
        TestWorld::guide(&format!(
            r#"{sections}
               "ingress": {{ "kind": "load_balancer" }},
               "traffic": {{ "rate_per_s": 20, "client_timeout_s": {timeout} }},
               "faults": [{{ "kind": "network_partition", "at_s": 60, "target": "small-group-2",
                            "duration_s": {duration} }}]"#
        ))
    }

    /// As [`partitioned`], with no replica on the head (one CPU each, three per worker): the
    /// head's proxy routes over all six, three of them across the cut.
    fn head_routes_across(duration: u64, timeout: u64) -> TestWorld {
        partitioned_in(
            r#""cluster": { "head_num_cpus": 0,
                            "worker_groups": [{ "name": "small-group", "replicas": 2, "num_cpus": 3 }] },
               "serve": { "num_cpus_per_replica": 1 },"#,
            duration,
            timeout,
        )
    }

    /// The requests that entered through a pod other than small-group-2 (the cut-off one).
    fn through_other_proxies(t: &mut TestWorld) -> Vec<RequestRecord> {
        let sg2 = t.world_mut().traffic.entries.id("small-group-2");
        (t.requests().iter()).filter(|rec| rec.entry.is_some_and(|e| e != sg2)).cloned().collect()
    }

    #[test]
    fn a_30_s_cut_heals_before_the_gcs_verdict_and_nothing_restarts() {
        let mut t = partitioned(30);
        let before: Vec<_> = (t.world().serve.replicas.iter()).map(|r| (r.pod, r.actor_alive)).collect();
        t.run_until(secs(300));
        let log = t.log();
        assert!(log.contains("partition healed before the GCS's verdict"), "{log}");
        assert!(!log.contains("marked DEAD"), "the GCS declares no node dead");
        assert!(!log.contains("mistakenly been marked as dead"), "no raylet exits");
        let p = t.pod("small-group-2");
        assert_eq!((p.phase, p.restarts, p.partition), (PodPhase::Running, 0, None), "no container restart");
        assert!(matches!(p.raylet, Raylet::Alive { .. }));
        let after: Vec<_> = (t.world().serve.replicas.iter()).map(|r| (r.pod, r.actor_alive)).collect();
        assert_eq!(before, after, "no replica replaced: the controller's checks failed fewer than 3 times in a row");
        assert!(t.world().serve.replicas.iter().all(|r| r.state == ReplicaState::Running));
    }

    #[test]
    fn requests_through_other_proxies_to_the_cut_replicas_hang_during_the_cut_only() {
        // Clients give up after 10 s: the calls that hung (routers trusting their cache for
        // 10 s) fail, and only those.
        let mut t = head_routes_across(30, 10);
        t.run_until(secs(300));
        let others = through_other_proxies(&mut t);
        let failed: Vec<_> = others.iter().filter(|rec| rec.outcome != Outcome::Success).collect();
        assert!(!failed.is_empty(), "calls to the cut-off replicas hang");
        for rec in &failed {
            assert_eq!(rec.outcome, Outcome::Failure(FailureCause::Timeout));
            assert!(rec.arrival >= secs(60) && rec.arrival < secs(70), "within the cache's 10 s: {:?}", rec.arrival);
        }
        let late = others.iter().filter(|rec| rec.arrival >= secs(70));
        assert!(late.clone().all(|rec| rec.outcome == Outcome::Success), "then the routers leave them out");
        assert!(late.count() > 1000);
        // The cut-off pod's own proxy serves what reaches it with its local replicas.
        let sg2 = t.world_mut().traffic.entries.id("small-group-2");
        let entered: Vec<_> = t.requests().iter().filter(|rec| rec.entry == Some(sg2)).collect();
        assert!(entered.iter().filter(|rec| rec.arrival >= secs(60) && rec.arrival < secs(90)).count() > 100);
        assert!(entered.iter().all(|rec| rec.outcome == Outcome::Success));
    }

    #[test]
    fn calls_hung_across_a_short_cut_complete_when_it_heals() {
        // Clients wait 60 s: every hung call is answered after the heal at 90 s.
        let mut t = head_routes_across(30, 60);
        t.run_until(secs(300));
        let others = through_other_proxies(&mut t);
        assert!(others.iter().all(|rec| rec.outcome == Outcome::Success), "nothing fails");
        let hung: Vec<_> = others.iter().filter(|rec| rec.end >= secs(90) && rec.arrival < secs(90)).collect();
        assert!(hung.len() > 10, "calls made during the cut were answered after it: {}", hung.len());
        assert!(
            hung.iter().all(|rec| rec.arrival >= secs(60) && rec.arrival < secs(70)),
            "while routers trusted their cache"
        );
        assert!(hung.iter().all(|rec| rec.end < secs(91)), "within a service time of the heal");
        assert!(t.world().traffic.across_cut.is_empty());
    }

    #[test]
    fn the_gcs_verdict_at_65_s_separates_a_blip_from_a_node_loss() {
        let mut blip = partitioned(64);
        blip.run_until(secs(300));
        assert!(!blip.log().contains("marked DEAD"));
        assert_eq!(blip.pod("small-group-2").restarts, 0);
        let mut loss = partitioned(65);
        loss.run_until(secs(300));
        assert!(loss.log().contains("node of pod small-group-2 marked DEAD"));
        assert!(loss.log().contains("mistakenly been marked as dead"));
        assert_eq!(loss.pod("small-group-2").restarts, 1);
    }

    #[test]
    fn the_gcs_marks_a_partitioned_node_dead_after_period_times_threshold_plus_timeouts() {
        // ray_config_def.h: period 3 s, timeout 10 s, threshold 5: 3 + 4 x 3 + 5 x 10 = 65 s.
        let mut t = partitioned(120);
        let sg2 = t.pod_id("small-group-2");
        assert_eq!(t.run_until_true(|w| w.k8s.pods[sg2.ix()].gcs_knows_dead), secs(125));
        assert!(t.log().contains("node of pod small-group-2 marked DEAD"));
        // Kubernetes sees nothing: the pod runs on, its processes alive.
        assert_eq!(t.pod("small-group-2").phase, PodPhase::Running);
        assert_eq!(t.pod("small-group-2").restarts, 0);
    }

    #[test]
    fn the_partitioned_nodes_replicas_are_replaced_elsewhere() {
        let mut t = partitioned(120);
        t.run_until(secs(179));
        let sg2 = t.pod_id("small-group-2");
        let running: Vec<_> = (t.world().serve.replicas.iter())
            .filter(|r| r.actor_alive && r.state == ReplicaState::Running)
            .map(|r| r.pod.expect("placed"))
            .collect();
        assert_eq!(running.len(), 6, "six replicas run again: {running:?}");
        assert!(running.iter().all(|&p| p != sg2), "none on the partitioned pod");
    }

    #[test]
    fn requests_entering_the_partitioned_pod_are_served_by_its_own_replicas() {
        let mut t = partitioned(120);
        t.run_until(secs(178));
        let sg2 = t.world_mut().traffic.entries.id("small-group-2");
        let during: Vec<_> = (t.requests().iter())
            .filter(|rec| rec.entry == Some(sg2) && rec.arrival >= secs(61) && rec.arrival < secs(160))
            .collect();
        assert!(during.len() > 100, "the load balancer keeps the pod in rotation: {}", during.len());
        assert!(during.iter().all(|rec| rec.outcome == Outcome::Success), "served locally throughout");
    }

    #[test]
    fn when_the_partition_heals_the_raylet_exits_and_the_container_restarts_in_place() {
        let mut t = partitioned(120);
        t.run_until(secs(180));
        assert!(t.log().contains("mistakenly been marked as dead"));
        let p = t.pod("small-group-2");
        assert_eq!((p.restarts, p.partition), (1, None));
        let sg2 = t.pod_id("small-group-2");
        t.run_until_true(|w| matches!(w.k8s.pods[sg2.ix()].raylet, Raylet::Alive { .. }));
        assert!(t.world().k8s.pods.iter().all(|p| p.name != "small-group-3"), "KubeRay created no pod");
    }
}
