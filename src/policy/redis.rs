//! Redis outages: how long the GCS's store is away.

use super::manager::Repairs;
use super::node_lifecycle;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{RedisMode, Timings};

/// How long a Redis outage of `duration` lasts for its clients: a single Redis is down for the
/// whole outage; an HA Redis fails over to a replica after `redis_failover_s` at most, a managed
/// one outside the cluster after `external_redis_failover_s` at most.
pub fn outage_length(duration: SimDuration, mode: RedisMode, t: &Timings) -> SimDuration {
    match mode {
        RedisMode::Single => duration,
        RedisMode::Ha => duration.min(t.redis_failover),
        RedisMode::External => duration.min(t.external_redis_failover),
    }
}

/// How long Redis is away when the node that hosts its pod is lost (GCS fault tolerance): an HA
/// Redis promotes a replica after `redis_failover_s`; a single Redis pod is back once Kubernetes
/// has deleted the lost pod ([`node_lifecycle::pods_deleted_at`]: its Deployment's ReplicaSet
/// then counts it no more) and its replacement has started (`pod_start_s`); without Kubernetes
/// (plain Ray on VMs) nothing brings a single Redis back. A Redis outside the cluster is on no
/// node: no node loss takes it. `lost_at`: when the node was lost.
pub fn back_after_node_loss(mode: RedisMode, lost_at: SimTime, t: &Timings, repairs: Repairs) -> Option<SimDuration> {
    match mode {
        RedisMode::Ha => Some(t.redis_failover),
        RedisMode::Single => repairs
            .pod_recreation
            .then(|| node_lifecycle::pods_deleted_at(lost_at, t).saturating_since(lost_at) + t.pod_start),
        RedisMode::External => Some(SimDuration::ZERO),
    }
}

/// How long a single Redis is away when its pod is deleted while its node runs on (PodGC after
/// a `node_delete`): its ReplicaSet creates a new pod at once, which starts in `pod_start_s`; an
/// HA Redis promotes a replica after `redis_failover_s`.
pub fn back_after_pod_deletion(mode: RedisMode, t: &Timings) -> SimDuration {
    match mode {
        RedisMode::Ha => t.redis_failover,
        RedisMode::Single => t.pod_start,
        RedisMode::External => SimDuration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ha_redis_is_back_after_its_failover_a_single_one_after_the_outage() {
        let t = crate::scenario::parse("{}", "t.json").unwrap().scenario.timings;
        let long = t.redis_failover + SimDuration::from_secs(60);
        assert_eq!(outage_length(long, RedisMode::Single, &t), long);
        assert_eq!(outage_length(long, RedisMode::Ha, &t), t.redis_failover);
        let short = SimDuration::from_secs(1).min(t.redis_failover);
        assert_eq!(outage_length(short, RedisMode::Ha, &t), short);
        assert_eq!(t.external_redis_failover, SimDuration::from_secs(15));
        assert_eq!(outage_length(long, RedisMode::External, &t), t.external_redis_failover);
    }

    #[test]
    fn a_lost_redis_node_costs_a_failover_or_a_recreated_pod() {
        let t = crate::scenario::parse("{}", "t.json").unwrap().scenario.timings;
        let kuberay = super::super::manager::repairs(crate::scenario::Manager::KubeRay);
        let lost = SimTime::from_micros(60_000_000);
        assert_eq!(back_after_node_loss(RedisMode::Ha, lost, &t, kuberay), Some(t.redis_failover));
        // NotReady 40 s, the Node deleted then, PodGC's quarantine 40 s, the pod's start.
        let back = SimDuration::from_secs(80) + t.pod_start;
        assert_eq!(back_after_node_loss(RedisMode::Single, lost, &t, kuberay), Some(back));
        let plain = super::super::manager::repairs(crate::scenario::Manager::Plain);
        assert_eq!(back_after_node_loss(RedisMode::Ha, lost, &t, plain), Some(t.redis_failover));
        assert_eq!(back_after_node_loss(RedisMode::Single, lost, &t, plain), None, "nothing recreates it");
    }
}
