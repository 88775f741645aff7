//! `serve`: the deployment, and whether its replicas fit in the cluster.

use super::check::{Checker, r};
use super::f;
use crate::scenario::model::{Cluster, ProxyLocation, Serve};
use crate::scenario::raw::{RawProxyLocation, RawScenario};

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster) -> Serve {
    let deployment = r(&raw.serve.deployment);
    ck.text(&f::DEPLOYMENT, f::DEPLOYMENT.json_path(), &deployment);
    ck.section(raw, "serve");
    let serve = Serve {
        deployment,
        num_replicas: f::NUM_REPLICAS.int(raw),
        cpus_per_replica_milli: f::NUM_CPUS_PER_REPLICA.milli_cpus_of(f::NUM_CPUS_PER_REPLICA.f64(raw)),
        max_replicas_per_node: f::MAX_REPLICAS_PER_NODE.get_u64(raw).map(|v| f::MAX_REPLICAS_PER_NODE.int_of(v)),
        max_ongoing_requests: f::MAX_ONGOING_REQUESTS.int(raw),
        constructor: f::CONSTRUCTOR_S.secs(raw),
        health_check_period: f::HEALTH_CHECK_PERIOD_S.secs(raw),
        health_check_timeout: f::HEALTH_CHECK_TIMEOUT_S.secs(raw),
        graceful_shutdown_timeout: f::GRACEFUL_SHUTDOWN_TIMEOUT_S.secs(raw),
        max_constructor_retry_count: f::MAX_CONSTRUCTOR_RETRY_COUNT.int(raw),
        proxy_location: match r(&raw.serve.proxy_location) {
            RawProxyLocation::EveryNode => ProxyLocation::EveryNode,
            RawProxyLocation::HeadOnly => ProxyLocation::HeadOnly,
        },
    };
    check_placement(ck, &serve, cluster);
    serve
}

/// The replicas must fit: under `max_replicas_per_node`, and in the cluster's CPUs.
fn check_placement(ck: &mut Checker, serve: &Serve, cluster: &Cluster) {
    let num_replicas = serve.num_replicas;
    let ray_pods: u64 = 1 + cluster.worker_groups.iter().map(|g| u64::from(g.replicas)).sum::<u64>();
    if let Some(cap) = serve.max_replicas_per_node
        && u64::from(num_replicas) > u64::from(cap) * ray_pods
    {
        ck.err(
            f::NUM_REPLICAS.json_path(),
            format!(
                "{num_replicas} replicas cannot be placed: max_replicas_per_node = {cap} allows at most {} on {ray_pods} Ray pods",
                u64::from(cap) * ray_pods
            ),
        );
    }
    let per_replica = serve.cpus_per_replica_milli;
    if per_replica > 0 {
        let total: u64 = cluster.head_cpus_milli
            + cluster.worker_groups.iter().map(|g| g.cpus_milli * u64::from(g.replicas)).sum::<u64>();
        if u64::from(num_replicas) * per_replica > total {
            ck.err(
                f::NUM_REPLICAS.json_path(),
                format!(
                    "{num_replicas} replicas x {} CPUs do not fit in the cluster's {} CPUs",
                    per_replica as f64 / 1000.0,
                    total as f64 / 1000.0
                ),
            );
        }
    }
}
