//! A proxy router's routing table: the replicas it believes running, as the controller last
//! broadcast them (ascending ids) minus those it saw fail, and among them the ones on its own pod.
//! The local list is kept beside the full one so that picking a replica costs the replicas of one
//! pod, not every replica of the cluster.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::sim::ids::{PodId, ReplicaId};

/// The controller's running set, shared by every proxy it is broadcast to, with its replicas
/// grouped by pod.
#[derive(Clone, Debug, Default)]
pub struct Broadcast {
    all: Rc<[ReplicaId]>,
    by_pod: BTreeMap<PodId, Vec<ReplicaId>>,
}

impl Broadcast {
    /// A broadcast of `running` (ascending ids), each replica placed on `pod_of(replica)`.
    pub fn new(running: Vec<ReplicaId>, pod_of: impl Fn(ReplicaId) -> Option<PodId>) -> Self {
        let mut by_pod: BTreeMap<PodId, Vec<ReplicaId>> = BTreeMap::new();
        for &r in &running {
            if let Some(pod) = pod_of(r) {
                by_pod.entry(pod).or_default().push(r);
            }
        }
        Broadcast { all: running.into(), by_pod }
    }

    /// The routing table a proxy on `pod` builds from this broadcast.
    pub fn table_for(&self, pod: PodId) -> RoutingTable {
        RoutingTable { all: Rc::clone(&self.all), local: self.by_pod.get(&pod).cloned().unwrap_or_default() }
    }
}

/// One proxy's routing table.
#[derive(Clone, Debug, Default)]
pub struct RoutingTable {
    all: Rc<[ReplicaId]>,
    local: Vec<ReplicaId>,
}

impl RoutingTable {
    /// Every replica it routes to, ascending ids.
    pub fn all(&self) -> &[ReplicaId] {
        &self.all
    }

    /// The replicas on the proxy's own pod, ascending ids.
    pub fn local(&self) -> &[ReplicaId] {
        &self.local
    }

    /// True when it knows no replica.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The router saw `r` fail: it no longer routes to it.
    pub fn remove(&mut self, r: ReplicaId) {
        if self.all.contains(&r) {
            self.all = self.all.iter().copied().filter(|&x| x != r).collect();
        }
        self.local.retain(|&x| x != r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_holds_every_replica_and_its_own_pods() {
        let pods = [PodId(0), PodId(1), PodId(0), PodId(2)];
        let b = Broadcast::new((0..4).map(ReplicaId).collect(), |r| Some(pods[r.ix()]));
        let t = b.table_for(PodId(0));
        assert_eq!(t.all(), &[ReplicaId(0), ReplicaId(1), ReplicaId(2), ReplicaId(3)]);
        assert_eq!(t.local(), &[ReplicaId(0), ReplicaId(2)]);
        assert!(b.table_for(PodId(7)).local().is_empty());
    }

    #[test]
    fn a_removed_replica_leaves_both_lists_and_other_tables_alone() {
        let b = Broadcast::new(vec![ReplicaId(3), ReplicaId(5)], |_| Some(PodId(1)));
        let mut t = b.table_for(PodId(1));
        let other = b.table_for(PodId(1));
        t.remove(ReplicaId(3));
        assert_eq!(t.all(), &[ReplicaId(5)]);
        assert_eq!(t.local(), &[ReplicaId(5)]);
        assert_eq!(other.all(), &[ReplicaId(3), ReplicaId(5)]);
    }
}
