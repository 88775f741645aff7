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
//! Simplifications: the partitioned node serves what reaches it without a bound on its
//! replicas' concurrency; a partition shorter than the GCS's detection time is refused at
//! validation (the model would have to bring its actors back); a raylet that cannot reach the
//! GCS for longer than `gcs_rpc_server_reconnect_timeout_s` is not made to exit on its own (when
//! its gRPC channel notices a black-holed GCS is not modelled).

use crate::journal::Component;

use super::event::Event;
use super::ids::{PodId, ReqId};
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
}

impl World {
    /// Fault `fault` cuts `pod` off from the head and the other Ray nodes.
    pub(super) fn partition_pod(&mut self, pod: PodId, fault: usize) {
        let local_replicas = self.serve.index.replicas_hosted_on(pod).into_iter().any(|r| {
            let rep = &self.serve.replicas[r.ix()];
            rep.actor_alive && rep.state == ReplicaState::Running
        });
        let serves_http = self.pod_serves_http(pod);
        let p = &mut self.k8s.pods[pod.ix()];
        p.partition = Some(Partition { fault, local_replicas, serves_http });
        p.fault = Some(fault);
        p.unreachable_since = Some(self.now);
        let name = p.name.clone();
        self.log(Component::Raylet, &name, format_args!("cut off from the head and the other nodes (fault #{fault})"));
        // For the rest of the cluster its actors are as good as gone, their deaths unknown.
        self.kill_ray_processes(pod, Cause::Partitioned, false);
        let detect = self.scenario.timings.gcs_node_death_detection(true);
        self.schedule_in(detect, Event::GcsNodeDeath(pod));
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

    /// Fault `fault`'s partition heals: each of its pods' raylets learns that the GCS marked its
    /// node dead and exits; the kubelet restarts the container in place.
    pub(super) fn heal_partition(&mut self, fault: usize) {
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            if self.partition_of(pod).is_none_or(|p| p.fault != fault) {
                continue;
            }
            let p = &mut self.k8s.pods[i];
            p.partition = None;
            p.unreachable_since = None;
            if p.phase == PodPhase::Running {
                self.container_crashed(
                    pod,
                    "partition healed: the raylet learns its node was marked dead and exits \
                     (\"mistakenly been marked as dead by the GCS\"); ray start --block exits",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::observations::Outcome;
    use crate::sim::k8s::{PodPhase, Raylet};
    use crate::sim::serve::replica::ReplicaState;
    use crate::sim::testing::{TestWorld, secs};

    /// The guide's cluster behind a load balancer, small-group-2 partitioned at 60 s for
    /// `duration` seconds.
    fn partitioned(duration: u64) -> TestWorld {
        TestWorld::guide(&format!(
            r#""ingress": {{ "kind": "load_balancer" }},
               "traffic": {{ "rate_per_s": 20, "client_timeout_s": 10 }},
               "faults": [{{ "kind": "network_partition", "at_s": 60, "target": "small-group-2",
                            "duration_s": {duration} }}]"#
        ))
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
