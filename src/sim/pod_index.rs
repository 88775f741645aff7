//! Kubernetes scheduling index, kept up to date by the pod and node transitions, so that binding
//! pending pods costs O(pools + log n) per pod instead of a scan of every node and pod for every
//! pending pod. A pod is scheduled only onto its node pool's nodes (its group's `nodeSelector`).
//!
//! Every pod phase change goes through `World::set_pod_phase`, every binding through the
//! scheduler and every node state change through `lose_node` / `on_node_provisioned`; each tells
//! the index. Debug builds compare it with one rebuilt from scratch (`check_invariants`).

use std::collections::BTreeSet;

use crate::sim::ids::{NodeId, PodId};
use crate::sim::k8s::{K8sNode, NodeState, Pod, PodPhase};
use crate::sim::world::World;

/// The index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodIndex {
    /// Pods in phase PENDING, in creation order, per node pool.
    pending: Vec<BTreeSet<PodId>>,
    /// Pods bound to each node and not gone.
    on_node: Vec<u32>,
    /// Whether each node is Ready.
    ready: Vec<bool>,
    /// Ready nodes holding fewer pods than the per-node cap, per node pool.
    with_room: Vec<BTreeSet<NodeId>>,
    /// The pool of each node.
    node_pool: Vec<usize>,
    /// Ray pods per Kubernetes node.
    cap: u32,
}

impl PodIndex {
    /// The index of `nodes` (in `pools` node pools) and `pods` with `cap` pods per node, built
    /// from scratch.
    pub fn build(nodes: &[K8sNode], pods: &[Pod], cap: u32, pools: usize) -> Self {
        let mut ix = PodIndex {
            pending: vec![BTreeSet::new(); pools],
            on_node: vec![0; nodes.len()],
            ready: nodes.iter().map(|n| n.state == NodeState::Ready).collect(),
            with_room: vec![BTreeSet::new(); pools],
            node_pool: nodes.iter().map(|n| n.pool).collect(),
            cap,
        };
        for (i, p) in pods.iter().enumerate() {
            if p.phase == PodPhase::Pending {
                ix.pending[p.pool].insert(PodId(i as u32));
            }
            if let Some(n) = p.node.filter(|_| p.phase != PodPhase::Gone) {
                ix.on_node[n.ix()] += 1;
            }
        }
        for n in 0..nodes.len() {
            ix.refresh(NodeId(n as u32));
        }
        ix
    }

    /// The next binding: the earliest-created pending pod whose pool has a Ready node with room,
    /// and the lowest-numbered such node of its pool.
    pub fn next_binding(&self) -> Option<(PodId, NodeId)> {
        (self.pending.iter().zip(&self.with_room))
            .filter_map(|(pending, room)| Some((*pending.first()?, *room.first()?)))
            .min_by_key(|(pod, _)| *pod)
    }

    /// `pod` of node pool `pool` was created, PENDING and unbound.
    pub fn pod_created(&mut self, pod: PodId, pool: usize) {
        self.pending[pool].insert(pod);
    }

    /// `pod` of node pool `pool` (bound to `node`, if any) moved from phase `from` to `to`.
    pub fn pod_phase_changed(&mut self, pod: PodId, pool: usize, node: Option<NodeId>, from: PodPhase, to: PodPhase) {
        if from == PodPhase::Pending {
            self.pending[pool].remove(&pod);
        }
        if to == PodPhase::Pending {
            self.pending[pool].insert(pod);
        }
        if let Some(n) = node {
            match (from == PodPhase::Gone, to == PodPhase::Gone) {
                (false, true) => self.on_node[n.ix()] -= 1,
                (true, false) => self.on_node[n.ix()] += 1,
                _ => return,
            }
            self.refresh(n);
        }
    }

    /// A pod that is not gone was bound to `node`.
    pub fn pod_bound(&mut self, node: NodeId) {
        self.on_node[node.ix()] += 1;
        self.refresh(node);
    }

    /// A new node of node pool `pool`, not Ready yet, was added with the next [`NodeId`].
    pub fn node_added(&mut self, pool: usize) {
        self.on_node.push(0);
        self.ready.push(false);
        self.node_pool.push(pool);
    }

    /// `node` became Ready (or stopped being Ready).
    pub fn node_ready_changed(&mut self, node: NodeId, ready: bool) {
        self.ready[node.ix()] = ready;
        self.refresh(node);
    }

    fn refresh(&mut self, node: NodeId) {
        let room = &mut self.with_room[self.node_pool[node.ix()]];
        if self.ready[node.ix()] && self.on_node[node.ix()] < self.cap {
            room.insert(node);
        } else {
            room.remove(&node);
        }
    }
}

impl World {
    /// Panics if the scheduling index differs from one rebuilt from the pods and nodes.
    #[cfg(debug_assertions)]
    pub(crate) fn check_pod_index(&self) {
        let c = &self.scenario.cluster;
        let fresh = PodIndex::build(&self.k8s.nodes, &self.k8s.pods, c.ray_pods_per_node, c.node_pools.len());
        assert_eq!(
            self.k8s.pod_index, fresh,
            "t={}: the pod scheduling index drifted from the pods and nodes",
            self.now
        );
    }
}
