//! A proxy router's routing table: the replicas it believes running, as the controller last
//! broadcast them (ascending ids) minus those it saw fail, and among them the ones on its own pod.
//! The local list is kept beside the full one so that picking a replica costs the replicas of one
//! pod, not every replica of the cluster.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::sim::ids::{DeploymentId, PodId, ReplicaId};

/// The controller's running set, per deployment, shared by every proxy it is broadcast to, with
/// each deployment's replicas grouped by pod.
#[derive(Clone, Debug, Default)]
pub struct Broadcast {
    deployments: Vec<DeploymentBroadcast>,
}

/// One deployment's share of a [`Broadcast`].
#[derive(Clone, Debug, Default)]
struct DeploymentBroadcast {
    all: Rc<[ReplicaId]>,
    by_pod: BTreeMap<PodId, Vec<ReplicaId>>,
}

impl Broadcast {
    /// A broadcast of `running` (each deployment's running replicas, ascending ids, by
    /// [`DeploymentId`]), each replica placed on `pod_of(replica)`.
    pub fn new(running: Vec<Vec<ReplicaId>>, pod_of: impl Fn(ReplicaId) -> Option<PodId>) -> Self {
        let deployments = running
            .into_iter()
            .map(|running| {
                let mut by_pod: BTreeMap<PodId, Vec<ReplicaId>> = BTreeMap::new();
                for &r in &running {
                    if let Some(pod) = pod_of(r) {
                        by_pod.entry(pod).or_default().push(r);
                    }
                }
                DeploymentBroadcast { all: running.into(), by_pod }
            })
            .collect();
        Broadcast { deployments }
    }

    /// The routing tables a proxy on `pod` builds from this broadcast.
    pub fn table_for(&self, pod: PodId) -> RoutingTables {
        let tables = self
            .deployments
            .iter()
            .map(|d| RoutingTable { all: Rc::clone(&d.all), local: d.by_pod.get(&pod).cloned().unwrap_or_default() })
            .collect();
        RoutingTables { tables }
    }
}

/// One proxy's routing tables, one per deployment (its router per deployment handle).
#[derive(Clone, Debug)]
pub struct RoutingTables {
    tables: Vec<RoutingTable>,
}

impl RoutingTables {
    /// The tables of a router that has heard no broadcast yet: `deployments` empty ones.
    pub fn empty(deployments: usize) -> Self {
        RoutingTables { tables: vec![RoutingTable::default(); deployments] }
    }

    /// The table of deployment `d`.
    pub fn of(&self, d: DeploymentId) -> &RoutingTable {
        &self.tables[d.ix()]
    }

    /// Every deployment's table, by [`DeploymentId`].
    pub fn tables(&self) -> &[RoutingTable] {
        &self.tables
    }

    /// True when it knows no replica of any deployment.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(RoutingTable::is_empty)
    }

    /// The router saw `r`, of deployment `d`, fail: it no longer routes to it.
    pub fn remove(&mut self, d: DeploymentId, r: ReplicaId) {
        self.tables[d.ix()].remove(r);
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

    const D0: DeploymentId = DeploymentId(0);

    #[test]
    fn a_table_holds_every_replica_and_its_own_pods() {
        let pods = [PodId(0), PodId(1), PodId(0), PodId(2)];
        let b = Broadcast::new(vec![(0..4).map(ReplicaId).collect()], |r| Some(pods[r.ix()]));
        let t = b.table_for(PodId(0));
        assert_eq!(t.of(D0).all(), &[ReplicaId(0), ReplicaId(1), ReplicaId(2), ReplicaId(3)]);
        assert_eq!(t.of(D0).local(), &[ReplicaId(0), ReplicaId(2)]);
        assert!(b.table_for(PodId(7)).of(D0).local().is_empty());
    }

    #[test]
    fn a_removed_replica_leaves_both_lists_and_other_tables_alone() {
        let b = Broadcast::new(vec![vec![ReplicaId(3), ReplicaId(5)]], |_| Some(PodId(1)));
        let mut t = b.table_for(PodId(1));
        let other = b.table_for(PodId(1));
        t.remove(D0, ReplicaId(3));
        assert_eq!(t.of(D0).all(), &[ReplicaId(5)]);
        assert_eq!(t.of(D0).local(), &[ReplicaId(5)]);
        assert_eq!(other.of(D0).all(), &[ReplicaId(3), ReplicaId(5)]);
    }

    #[test]
    fn each_deployment_has_its_own_table_and_the_tables_are_empty_only_when_all_are() {
        let b = Broadcast::new(vec![vec![ReplicaId(0)], vec![ReplicaId(1), ReplicaId(2)]], |r| Some(PodId(r.0)));
        let mut t = b.table_for(PodId(2));
        assert_eq!(t.of(DeploymentId(1)).all(), &[ReplicaId(1), ReplicaId(2)]);
        assert_eq!(t.of(DeploymentId(1)).local(), &[ReplicaId(2)]);
        assert!(t.of(D0).local().is_empty());
        t.remove(D0, ReplicaId(0));
        assert!(t.of(D0).is_empty() && !t.is_empty());
        assert!(RoutingTables::empty(2).is_empty());
    }
}
