//! `serve`: the deployment, and whether its replicas fit in the cluster.

use super::check::{Checker, r};
use super::f;
use super::resources::{self, Given, ResourceFields};
use crate::scenario::error::JsonPath;
use crate::scenario::model::{Cluster, ProxyLocation, Serve};
use crate::scenario::raw::{RawProxyLocation, RawScenario};
use crate::scenario::resources::Shortfall;

/// A replica's resource fields.
const REPLICA_FIELDS: ResourceFields = ResourceFields {
    gpus: &f::NUM_GPUS_PER_REPLICA,
    memory: &f::MEMORY_PER_REPLICA,
    custom: &f::RESOURCES_PER_REPLICA,
};

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster) -> Serve {
    let deployment = r(&raw.serve.deployment);
    ck.text(&f::DEPLOYMENT, f::DEPLOYMENT.json_path(), &deployment);
    ck.section(raw, "serve");
    let serve = Serve {
        deployment,
        num_replicas: f::NUM_REPLICAS.int(raw),
        replica_resources: resources::resources(
            ck,
            &REPLICA_FIELDS,
            &JsonPath::root().key("serve"),
            f::NUM_CPUS_PER_REPLICA.units_of(f::NUM_CPUS_PER_REPLICA.f64(raw)),
            &Given {
                gpus: raw.serve.num_gpus_per_replica,
                memory: raw.serve.memory_per_replica.as_ref(),
                custom: raw.serve.resources_per_replica.as_ref(),
            },
        ),
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

/// The replicas must fit: under `max_replicas_per_node`, each on some pod (every resource it
/// needs there together), and all in the cluster's resources.
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
    let need = &serve.replica_resources;
    let placeable = resources::check_placeable(ck, cluster, need, |name| match name {
        "CPU" => f::NUM_CPUS_PER_REPLICA.json_path(),
        "GPU" => f::NUM_GPUS_PER_REPLICA.json_path(),
        "memory" => f::MEMORY_PER_REPLICA.json_path(),
        custom => f::RESOURCES_PER_REPLICA.json_path().key(custom),
    });
    if !placeable {
        return;
    }
    let mut total = cluster.head_resources.clone();
    for g in &cluster.worker_groups {
        for _ in 0..g.replicas {
            total.add(&g.resources);
        }
    }
    let all = u64::from(num_replicas);
    if let Some((name, n, bytes)) = need.amounts().find(|&(name, n, _)| n.saturating_mul(all) > total.amount(name)) {
        let short = Shortfall { name: name.to_string(), have: total.amount(name), need: n, bytes };
        ck.err(
            f::NUM_REPLICAS.json_path(),
            format!(
                "{num_replicas} replicas x {} do not fit in the cluster's {}",
                short.show(short.need),
                short.show(short.have)
            ),
        );
    }
}
