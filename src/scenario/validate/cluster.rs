//! `cluster`: nodes, worker groups, GCS fault tolerance and Redis.

use super::autoscaler;
use super::check::{Checker, r};
use super::pools;
use super::resources::{self, Given, ResourceFields};
use super::{d, f};
use crate::scenario::error::JsonPath;
use crate::scenario::model::{Cluster, Manager, NodePool, RedisMode, WorkerGroup};
use crate::scenario::raw::{RawManager, RawRedisMode, RawScenario, RawWorkerGroup};
use crate::scenario::show;

/// The head's resource fields.
const HEAD_FIELDS: ResourceFields =
    ResourceFields { gpus: &f::HEAD_NUM_GPUS, memory: &f::HEAD_MEMORY, custom: &f::HEAD_RESOURCES };
/// A worker group's resource fields.
const GROUP_FIELDS: ResourceFields = ResourceFields {
    gpus: &f::WORKER_GROUP_NUM_GPUS,
    memory: &f::WORKER_GROUP_MEMORY,
    custom: &f::WORKER_GROUP_RESOURCES,
};

/// The validated cluster; `None` when it is too large to check further (the checks after it cost
/// time in proportion to its groups and pods).
pub(super) fn validate(ck: &mut Checker, raw: &RawScenario) -> Option<Cluster> {
    ck.section(raw, "cluster");
    let c = &raw.cluster;
    let k8s_nodes = f::K8S_NODES.int(raw);
    let ray_pods_per_node = f::RAY_PODS_PER_NODE.int(raw);
    let node_pools = pools::pools(ck, c, k8s_nodes)?;
    let worker_groups = worker_groups(ck, &r(&c.worker_groups), &node_pools)?;
    let gp = f::WORKER_GROUPS.json_path();
    let ray_pods: u64 = 1 + worker_groups.iter().map(|g| u64::from(g.replicas)).sum::<u64>();
    if ray_pods - 1 > d::MAX_WORKER_PODS {
        ck.err(
            gp,
            format!("expected at most {} worker pods in all groups, found {}", d::MAX_WORKER_PODS, ray_pods - 1),
        );
        return None;
    }
    let head_pool = pools::pool_index(ck, &node_pools, f::HEAD_POOL.json_path(), c.head_pool.as_deref());
    if ck.errors.is_empty() {
        pools::check_fit(ck, &node_pools, head_pool, &worker_groups, ray_pods_per_node);
    }
    let redis_node_name = r(&c.redis.node);
    let redis_node = parse_indexed(&redis_node_name, "node-", k8s_nodes).unwrap_or_else(|| {
        let msg =
            format!("expected a node name from node-1 to node-{k8s_nodes}, found {}", show::text(&redis_node_name));
        ck.err(f::REDIS_NODE.json_path(), msg);
        0
    });
    if let Some(password) = &c.redis.password {
        ck.text(&f::REDIS_PASSWORD, f::REDIS_PASSWORD.json_path(), password.expose());
    }
    let manager = match c.manager.unwrap_or_else(|| f::MANAGER.default_as()) {
        RawManager::KubeRay => Manager::KubeRay,
        RawManager::Plain => Manager::Plain,
    };
    let autoscaler = autoscaler::validate(ck, c.autoscaler.as_ref(), &worker_groups, manager);
    Some(Cluster {
        k8s_nodes,
        ray_pods_per_node,
        manager,
        head_resources: resources::resources(
            ck,
            &HEAD_FIELDS,
            &JsonPath::root().key("cluster"),
            f::HEAD_NUM_CPUS.units_of(f::HEAD_NUM_CPUS.f64(raw)),
            &Given { gpus: c.head_num_gpus, memory: c.head_memory.as_ref(), custom: c.head_resources.as_ref() },
        ),
        worker_groups,
        gcs_fault_tolerance: r(&c.gcs_fault_tolerance),
        redis_mode: match r(&c.redis.mode) {
            RawRedisMode::Single => RedisMode::Single,
            RawRedisMode::Ha => RedisMode::Ha,
            RawRedisMode::External => RedisMode::External,
        },
        redis_node,
        node_pools,
        head_pool,
        redis_password: c.redis.password.clone(),
        autoscaler,
    })
}

/// The worker groups; `None` when there are too many to check.
fn worker_groups(ck: &mut Checker, raw_groups: &[RawWorkerGroup], pools: &[NodePool]) -> Option<Vec<WorkerGroup>> {
    let gp = f::WORKER_GROUPS.json_path();
    if raw_groups.len() > d::MAX_WORKER_GROUPS {
        ck.err(gp, format!("expected at most {} worker groups, found {}", d::MAX_WORKER_GROUPS, raw_groups.len()));
        return None;
    }
    let mut groups = Vec::new();
    for (i, g) in raw_groups.iter().enumerate() {
        let p = gp.index(i);
        ck.text(&f::WORKER_GROUP_NAME, p.key("name"), &g.name);
        if raw_groups[..i].iter().any(|o| o.name == g.name) {
            ck.err(p.key("name"), format!("duplicate worker group name {}", show::text(&g.name)));
        }
        let replicas = ck.int(&f::WORKER_GROUP_REPLICAS, p.key("replicas"), g.replicas);
        let cpus = ck.cpus(&f::WORKER_GROUP_NUM_CPUS, p.key("num_cpus"), r(&g.num_cpus));
        let given = Given { gpus: g.num_gpus, memory: g.memory.as_ref(), custom: g.resources.as_ref() };
        let resources = resources::resources(ck, &GROUP_FIELDS, &p, cpus, &given);
        let pool = pools::pool_index(ck, pools, p.key("pool"), g.pool.as_deref());
        let (min_replicas, max_replicas) = autoscaler::group_bounds(ck, &p, g, replicas);
        groups.push(WorkerGroup { name: g.name.clone(), replicas, min_replicas, max_replicas, resources, pool });
    }
    Some(groups)
}

/// `node-3` with prefix `node-` and count 5 -> index 2.
pub(super) fn parse_indexed(name: &str, prefix: &str, count: u32) -> Option<u32> {
    let n: u32 = name.strip_prefix(prefix)?.parse().ok()?;
    (1..=count).contains(&n).then(|| n - 1)
}

/// The pods at the start of the run: `head`, then each group's.
pub(super) fn initial_pod_names(cluster: &Cluster) -> Vec<String> {
    let mut v = vec!["head".to_string()];
    for g in &cluster.worker_groups {
        for i in 1..=g.replicas {
            v.push(format!("{}-{i}", g.name));
        }
    }
    v
}
