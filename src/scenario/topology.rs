//! Node pools and zones: which nodes a pool holds, which pool a node belongs to, which nodes a
//! zone holds. Nodes are numbered across the pools in file order (`node-1` .. in the first
//! pool, then the next pool's), so that the default single pool keeps the names `node-1` ..
//! `node-N`.

use std::ops::Range;

use super::model::Cluster;
use crate::names;

impl Cluster {
    /// The node indexes (0-based) of pool `pool`.
    pub fn pool_nodes(&self, pool: usize) -> Range<u32> {
        let start: u32 = self.node_pools[..pool].iter().map(|p| p.nodes).sum();
        start..start + self.node_pools[pool].nodes
    }

    /// The pool of node index `node` (0-based).
    pub fn pool_of_node(&self, node: u32) -> usize {
        let mut end = 0;
        for (i, p) in self.node_pools.iter().enumerate() {
            end += p.nodes;
            if node < end {
                return i;
            }
        }
        self.node_pools.len().saturating_sub(1)
    }

    /// The pool of a pod of worker group `group`, or of the head with `None`.
    pub fn pool_of_group(&self, group: Option<usize>) -> usize {
        group.map_or(self.head_pool, |g| self.worker_groups[g].pool)
    }

    /// The Ray resources of a pod of worker group `group`, or of the head with `None`.
    pub fn resources_of_group(&self, group: Option<usize>) -> &super::Resources {
        group.map_or(&self.head_resources, |g| &self.worker_groups[g].resources)
    }

    /// The worker group of pod `pod` (named `<group>-<n>` by [`names::worker_pod`]); `None` for
    /// the head or a name of no group.
    pub fn group_of_pod(&self, pod: &str) -> Option<usize> {
        self.worker_groups.iter().position(|g| {
            pod.strip_prefix(g.name.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    }

    /// The names of the nodes of pool `pool`, in node order.
    pub fn pool_node_names(&self, pool: usize) -> Vec<String> {
        self.pool_nodes(pool).map(|n| names::node(n + 1)).collect()
    }

    /// The names of the nodes in `zone`, in node order (empty for an unknown zone).
    pub fn zone_node_names(&self, zone: &str) -> Vec<String> {
        (0..self.node_pools.len())
            .filter(|&p| self.node_pools[p].zone == zone)
            .flat_map(|p| self.pool_node_names(p))
            .collect()
    }

    /// The node index of the Redis pod; `None` for a Redis outside the cluster.
    pub fn redis_pod_node(&self) -> Option<u32> {
        (self.redis_mode != super::model::RedisMode::External).then_some(self.redis_node)
    }

    /// The zones, each once, in the order of their first pool.
    pub fn zones(&self) -> Vec<String> {
        let mut zones: Vec<String> = Vec::new();
        for p in &self.node_pools {
            if !zones.contains(&p.zone) {
                zones.push(p.zone.clone());
            }
        }
        zones
    }
}

#[cfg(test)]
mod tests {
    fn cluster(json: &str) -> super::Cluster {
        crate::scenario::parse(json, "t.json").unwrap_or_else(|e| panic!("{e:?}")).scenario.cluster
    }

    #[test]
    fn a_pods_group_is_the_one_its_name_numbers() {
        let c = cluster(
            r#"{"cluster": {"k8s_nodes": 4, "worker_groups": [
                {"name": "gpu", "replicas": 1}, {"name": "gpu-big", "replicas": 1}]}}"#,
        );
        assert_eq!(c.group_of_pod("gpu-3"), Some(0));
        assert_eq!(c.group_of_pod("gpu-big-1"), Some(1));
        assert_eq!(c.group_of_pod("head"), None);
        assert_eq!(c.group_of_pod("gpu-"), None);
    }

    #[test]
    fn one_pool_holds_every_node_by_default() {
        let c = cluster("{}");
        assert_eq!(c.node_pools.len(), 1);
        assert_eq!(c.pool_node_names(0), ["node-1", "node-2", "node-3"]);
        assert_eq!((c.head_pool, c.worker_groups[0].pool), (0, 0));
    }

    #[test]
    fn nodes_are_numbered_across_pools_and_zones_gather_their_pools() {
        let c = cluster(
            r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 2, "zone": "z1"}, {"name": "b", "nodes": 3, "zone": "z2"},
                {"name": "c", "nodes": 1, "zone": "z1"}], "worker_groups": [{"name": "w", "replicas": 2, "pool": "b"}]}}"#,
        );
        assert_eq!(c.k8s_nodes, 6);
        assert_eq!(c.pool_node_names(1), ["node-3", "node-4", "node-5"]);
        assert_eq!(c.zone_node_names("z1"), ["node-1", "node-2", "node-6"]);
        assert_eq!(c.zones(), ["z1", "z2"]);
        assert_eq!((c.pool_of_node(0), c.pool_of_node(4), c.pool_of_node(5)), (0, 1, 2));
        assert_eq!((c.pool_of_group(None), c.pool_of_group(Some(0))), (0, 1));
    }
}
