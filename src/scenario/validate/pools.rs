//! `cluster.node_pools`, `cluster.head_pool` and `cluster.worker_groups[].pool`: the pools, the
//! pool of each Ray pod, and whether each pool's pods fit on its nodes.

use super::check::Checker;
use super::{JsonPath, d, f};
use crate::scenario::model::{NodePool, WorkerGroup};
use crate::scenario::raw::{RawCluster, RawNodePool};
use crate::scenario::show;

/// The name of the pool (and zone) of a cluster without `node_pools`.
pub const DEFAULT_POOL: &str = "default";

/// The pools of `c` (one pool of `k8s_nodes` nodes by default); `None` when there are too many.
pub(super) fn pools(ck: &mut Checker, c: &RawCluster, k8s_nodes: u32) -> Option<Vec<NodePool>> {
    let Some(raw) = &c.node_pools else {
        return Some(vec![NodePool {
            name: DEFAULT_POOL.into(),
            nodes: k8s_nodes,
            zone: DEFAULT_POOL.into(),
            max_nodes: k8s_nodes,
        }]);
    };
    let path = f::NODE_POOLS.json_path();
    if raw.is_empty() || raw.len() > d::MAX_WORKER_GROUPS {
        ck.err(path, format!("expected 1 to {} node pools, found {}", d::MAX_WORKER_GROUPS, raw.len()));
        return None;
    }
    let pools: Vec<NodePool> = raw.iter().enumerate().map(|(i, p)| pool(ck, &path.index(i), p, &raw[..i])).collect();
    let sum: u64 = pools.iter().map(|p| u64::from(p.nodes)).sum();
    if sum != u64::from(k8s_nodes) {
        let msg = format!("the node pools hold {sum} nodes in all, but cluster.k8s_nodes is {k8s_nodes}");
        ck.err(f::K8S_NODES.json_path(), msg);
        return None;
    }
    Some(pools)
}

fn pool(ck: &mut Checker, p: &JsonPath, raw: &RawNodePool, before: &[RawNodePool]) -> NodePool {
    ck.text(&f::NODE_POOL_NAME, p.key("name"), &raw.name);
    if before.iter().any(|o| o.name == raw.name) {
        ck.err(p.key("name"), format!("duplicate node pool name {}", show::text(&raw.name)));
    }
    let nodes = ck.int(&f::NODE_POOL_NODES, p.key("nodes"), raw.nodes);
    let zone = raw.zone.clone().unwrap_or_else(|| raw.name.clone());
    ck.text(&f::NODE_POOL_ZONE, p.key("zone"), &zone);
    let max_nodes = raw.max_nodes.map_or(nodes, |m| ck.int(&f::NODE_POOL_MAX_NODES, p.key("max_nodes"), m));
    if max_nodes < nodes {
        ck.err(p.key("max_nodes"), format!("expected at least the pool's nodes ({nodes}), found {max_nodes}"));
    }
    NodePool { name: raw.name.clone(), nodes, zone, max_nodes }
}

/// The index of the pool named `name` at `path` (the first pool when absent).
pub(super) fn pool_index(ck: &mut Checker, pools: &[NodePool], path: JsonPath, name: Option<&str>) -> usize {
    let Some(name) = name else { return 0 };
    pools.iter().position(|p| p.name == name).unwrap_or_else(|| {
        let known: Vec<String> = pools.iter().map(|p| p.name.clone()).collect();
        ck.err(path, format!("unknown node pool {}; expected one of: {}", show::text(name), show::list(&known)));
        0
    })
}

/// Errors for each pool whose Ray pods (the head's when it is `head_pool`, its groups') need more
/// than its nodes x `per_node`.
pub(super) fn check_fit(ck: &mut Checker, pools: &[NodePool], head_pool: usize, groups: &[WorkerGroup], per_node: u32) {
    for (i, p) in pools.iter().enumerate() {
        let head = u64::from(head_pool == i);
        let pods = head + groups.iter().filter(|g| g.pool == i).map(|g| u64::from(g.replicas)).sum::<u64>();
        if pods > u64::from(p.nodes) * u64::from(per_node) {
            let path = if pools.len() == 1 {
                f::K8S_NODES.json_path()
            } else {
                f::NODE_POOLS.json_path().index(i).key("nodes")
            };
            let what = if pools.len() == 1 { String::new() } else { format!(" of pool {}", show::text(&p.name)) };
            ck.err(
                path,
                format!(
                    "the cluster does not fit: {pods} Ray pods need more than {} nodes{what} x {per_node} Ray pods per node",
                    p.nodes
                ),
            );
        }
    }
}
