//! Indexes over Serve's replicas and proxies, kept up to date by their transitions, so that the
//! levels, the proxy placement and the lookup of a pod's proxy cost O(log n) per change rather
//! than a scan of every replica or proxy per event.
//!
//! Every change of a field an index reads goes through `World::update_replica` or
//! `World::update_proxy`; a change of the application generation rebuilds the index. Debug
//! builds compare the index with one rebuilt from scratch (`check_invariants`).

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::ids::{DeploymentId, PodId, ProxyId, ReplicaId};
use crate::sim::serve::proxy::{Proxy, ProxyState};
use crate::sim::serve::replica::{Replica, ReplicaState};
use crate::sim::world::World;

/// What one replica contributes to the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ReplicaKey {
    /// Its deployment.
    deployment: DeploymentId,
    /// Alive and RUNNING (the `replicas_running` level).
    running: bool,
    /// The pod it holds a proxy on: the current application's, alive, STARTING or RUNNING, not
    /// migrating away.
    placed_on: Option<PodId>,
    /// The pod whose placement capacity it takes: alive and not DEAD.
    counted_on: Option<PodId>,
    /// Counts toward the target: the current application's, PENDING_ALLOCATION, STARTING or
    /// RUNNING, not migrating away.
    active: bool,
    /// The current application's, alive and RUNNING, not migrating away.
    settled: bool,
    /// RUNNING on a draining node, waiting for its replacement.
    migrating: bool,
    /// PENDING_ALLOCATION.
    pending: bool,
    /// The pod it was placed on, whatever its state.
    on: Option<PodId>,
}

impl ReplicaKey {
    /// A replica that contributes nothing.
    const NONE: ReplicaKey = ReplicaKey {
        deployment: DeploymentId(0),
        running: false,
        placed_on: None,
        counted_on: None,
        active: false,
        settled: false,
        migrating: false,
        pending: false,
        on: None,
    };

    fn of(rep: &Replica, generation: u32) -> Self {
        let running = rep.actor_alive && rep.state == ReplicaState::Running;
        let placed = rep.generation == generation
            && rep.actor_alive
            && matches!(rep.state, ReplicaState::Starting | ReplicaState::Running)
            && !rep.migrating;
        let counted = rep.actor_alive && rep.state != ReplicaState::Dead;
        let current = rep.generation == generation && !rep.migrating;
        let pending = rep.state == ReplicaState::PendingAllocation;
        ReplicaKey {
            deployment: rep.deployment,
            running,
            placed_on: rep.pod.filter(|_| placed),
            counted_on: rep.pod.filter(|_| counted),
            active: current && (pending || matches!(rep.state, ReplicaState::Starting | ReplicaState::Running)),
            settled: current && running,
            migrating: rep.migrating && rep.state == ReplicaState::Running,
            pending,
            on: rep.pod,
        }
    }
}

/// What one proxy contributes to the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProxyKey {
    /// Alive and HEALTHY (the `proxies_up` level).
    up: bool,
    /// Its pod, unless it is removed.
    live_on: Option<PodId>,
}

impl ProxyKey {
    fn of(px: &Proxy) -> Self {
        ProxyKey {
            up: px.actor_alive && px.state == ProxyState::Healthy,
            live_on: (px.state != ProxyState::Removed).then_some(px.pod),
        }
    }
}

/// One deployment's replica counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct DeploymentCounts {
    running: u32,
    active: u32,
    settled: u32,
}

/// The indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeIndex {
    running: u32,
    /// Counts per deployment, by [`DeploymentId`].
    deployments: Vec<DeploymentCounts>,
    /// Replicas RUNNING on a draining node, by deployment.
    migrating: BTreeSet<(DeploymentId, ReplicaId)>,
    /// Replicas PENDING_ALLOCATION.
    pending: BTreeSet<ReplicaId>,
    /// Replicas PENDING_ALLOCATION, by deployment.
    pending_by_deployment: BTreeSet<(DeploymentId, ReplicaId)>,
    /// Replicas ever placed on each pod, whatever their state.
    hosted: BTreeMap<PodId, BTreeSet<ReplicaId>>,
    proxies_up: u32,
    /// Placed replicas per pod.
    placed: BTreeMap<PodId, BTreeSet<ReplicaId>>,
    /// Replicas taking placement capacity, per pod.
    counted: BTreeMap<PodId, usize>,
    /// Replicas taking placement capacity, per pod and deployment.
    counted_by_deployment: BTreeMap<(PodId, DeploymentId), usize>,
    /// Pods hosting placed replicas, ordered by their lowest replica id.
    by_first: BTreeSet<(ReplicaId, PodId)>,
    /// The proxy Serve runs on each pod (not removed).
    live_proxy: BTreeMap<PodId, ProxyId>,
}

impl ServeIndex {
    /// The index of no replica and no proxy, for `deployments` deployments.
    pub fn new(deployments: usize) -> Self {
        ServeIndex {
            running: 0,
            deployments: vec![DeploymentCounts::default(); deployments],
            migrating: BTreeSet::new(),
            pending: BTreeSet::new(),
            pending_by_deployment: BTreeSet::new(),
            hosted: BTreeMap::new(),
            proxies_up: 0,
            placed: BTreeMap::new(),
            counted: BTreeMap::new(),
            counted_by_deployment: BTreeMap::new(),
            by_first: BTreeSet::new(),
            live_proxy: BTreeMap::new(),
        }
    }

    /// The index of `replicas` (of `deployments` deployments) and `proxies`, built from scratch.
    pub fn build(replicas: &[Replica], proxies: &[Proxy], generation: u32, deployments: usize) -> Self {
        let mut ix = ServeIndex::new(deployments);
        for (i, rep) in replicas.iter().enumerate() {
            ix.replica_changed(ReplicaId(i as u32), ReplicaKey::NONE, rep, generation);
        }
        for (i, px) in proxies.iter().enumerate() {
            ix.proxy_changed(ProxyId(i as u32), ProxyKey { up: false, live_on: None }, px);
        }
        ix
    }

    /// Replicas alive and RUNNING.
    pub fn replicas_running(&self) -> u32 {
        self.running
    }

    /// Replicas of deployment `d` alive and RUNNING.
    pub fn deployment_running(&self, d: DeploymentId) -> u32 {
        self.deployments[d.ix()].running
    }

    /// Replicas of deployment `d` counting toward its target: the current application's,
    /// PENDING_ALLOCATION, STARTING or RUNNING, not migrating away.
    pub fn replicas_active(&self, d: DeploymentId) -> usize {
        self.deployments[d.ix()].active as usize
    }

    /// The current application's replicas of deployment `d` alive and RUNNING, not migrating
    /// away.
    pub fn replicas_settled(&self, d: DeploymentId) -> usize {
        self.deployments[d.ix()].settled as usize
    }

    /// Replicas of deployment `d` RUNNING on a draining node, in id order.
    pub fn replicas_migrating(&self, d: DeploymentId) -> Vec<ReplicaId> {
        of_deployment(&self.migrating, d)
    }

    /// Replicas placed on `pod`, whatever their state, in id order.
    pub fn replicas_hosted_on(&self, pod: PodId) -> Vec<ReplicaId> {
        self.hosted.get(&pod).map(|set| set.iter().copied().collect()).unwrap_or_default()
    }

    /// True when some replica is PENDING_ALLOCATION.
    pub fn any_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Replicas PENDING_ALLOCATION, in id order (each needs
    /// [`World::replica_resources`]).
    pub fn replicas_pending(&self) -> Vec<ReplicaId> {
        self.pending.iter().copied().collect()
    }

    /// Replicas of deployment `d` PENDING_ALLOCATION, in id order.
    pub fn replicas_pending_of(&self, d: DeploymentId) -> Vec<ReplicaId> {
        of_deployment(&self.pending_by_deployment, d)
    }

    /// Proxies alive and HEALTHY.
    pub fn proxies_up(&self) -> u32 {
        self.proxies_up
    }

    /// Replicas alive and not DEAD on `pod`: the capacity they take for placement.
    pub fn replicas_on(&self, pod: PodId) -> usize {
        self.counted.get(&pod).copied().unwrap_or(0)
    }

    /// Replicas of deployment `d` alive and not DEAD on `pod`.
    pub fn replicas_of_on(&self, d: DeploymentId, pod: PodId) -> usize {
        self.counted_by_deployment.get(&(pod, d)).copied().unwrap_or(0)
    }

    /// Pods hosting a placed replica, ordered by their lowest replica id.
    pub fn pods_with_replicas(&self) -> impl Iterator<Item = PodId> + '_ {
        self.by_first.iter().map(|&(_, pod)| pod)
    }

    /// Number of pods hosting a placed replica.
    pub fn pods_with_replicas_count(&self) -> usize {
        self.by_first.len()
    }

    /// True when `pod` hosts a placed replica.
    pub fn hosts_replicas(&self, pod: PodId) -> bool {
        self.placed.contains_key(&pod)
    }

    /// The proxy Serve runs on `pod` (alive or not), unless removed.
    pub fn live_proxy_on(&self, pod: PodId) -> Option<ProxyId> {
        self.live_proxy.get(&pod).copied()
    }

    fn replica_changed(&mut self, r: ReplicaId, before: ReplicaKey, rep: &Replica, generation: u32) {
        let after = ReplicaKey::of(rep, generation);
        let d = after.deployment;
        debug_assert!(before == ReplicaKey::NONE || before.deployment == d, "a replica keeps its deployment");
        count(&mut self.running, before.running, after.running);
        let counts = &mut self.deployments[d.ix()];
        count(&mut counts.running, before.running, after.running);
        count(&mut counts.active, before.active, after.active);
        count(&mut counts.settled, before.settled, after.settled);
        member(&mut self.migrating, (d, r), before.migrating, after.migrating);
        member(&mut self.pending, r, before.pending, after.pending);
        member(&mut self.pending_by_deployment, (d, r), before.pending, after.pending);
        if before.on != after.on {
            if let Some(pod) = before.on {
                let set = self.hosted.get_mut(&pod).expect("hosted before");
                set.remove(&r);
                if set.is_empty() {
                    self.hosted.remove(&pod);
                }
            }
            if let Some(pod) = after.on {
                self.hosted.entry(pod).or_default().insert(r);
            }
        }
        if before.counted_on != after.counted_on {
            if let Some(pod) = before.counted_on {
                decrement(&mut self.counted, pod);
                decrement(&mut self.counted_by_deployment, (pod, d));
            }
            if let Some(pod) = after.counted_on {
                *self.counted.entry(pod).or_default() += 1;
                *self.counted_by_deployment.entry((pod, d)).or_default() += 1;
            }
        }
        if before.placed_on != after.placed_on {
            if let Some(pod) = before.placed_on {
                self.unplace(pod, r);
            }
            if let Some(pod) = after.placed_on {
                self.place(pod, r);
            }
        }
    }

    fn place(&mut self, pod: PodId, r: ReplicaId) {
        let set = self.placed.entry(pod).or_default();
        let old_first = set.first().copied();
        set.insert(r);
        if old_first.is_none_or(|f| r < f) {
            if let Some(f) = old_first {
                self.by_first.remove(&(f, pod));
            }
            self.by_first.insert((r, pod));
        }
    }

    fn unplace(&mut self, pod: PodId, r: ReplicaId) {
        let Some(set) = self.placed.get_mut(&pod) else { return };
        let was_first = set.first() == Some(&r);
        set.remove(&r);
        if was_first {
            self.by_first.remove(&(r, pod));
            match set.first() {
                Some(&f) => {
                    self.by_first.insert((f, pod));
                }
                None => {
                    self.placed.remove(&pod);
                }
            }
        }
    }

    fn proxy_changed(&mut self, p: ProxyId, before: ProxyKey, px: &Proxy) {
        let after = ProxyKey::of(px);
        count(&mut self.proxies_up, before.up, after.up);
        if before.live_on != after.live_on {
            if let Some(pod) = before.live_on
                && self.live_proxy.get(&pod) == Some(&p)
            {
                self.live_proxy.remove(&pod);
            }
            if let Some(pod) = after.live_on {
                self.live_proxy.insert(pod, p);
            }
        }
    }
}

/// Keeps a count of items with a property as one item gains or loses it.
fn count(n: &mut u32, before: bool, after: bool) {
    match (before, after) {
        (false, true) => *n += 1,
        (true, false) => *n -= 1,
        _ => {}
    }
}

/// Takes one from `key`'s count, dropping the key at zero.
fn decrement<K: Ord>(counts: &mut BTreeMap<K, usize>, key: K) {
    let n = counts.get_mut(&key).expect("counted before");
    *n -= 1;
    if *n == 0 {
        counts.remove(&key);
    }
}

/// The replicas of deployment `d` in a set ordered by deployment, in id order.
fn of_deployment(set: &BTreeSet<(DeploymentId, ReplicaId)>, d: DeploymentId) -> Vec<ReplicaId> {
    set.range((d, ReplicaId(0))..=(d, ReplicaId(u32::MAX))).map(|&(_, r)| r).collect()
}

/// Keeps the set of items with a property as item `r` gains or loses it.
fn member<T: Ord>(set: &mut BTreeSet<T>, r: T, before: bool, after: bool) {
    match (before, after) {
        (false, true) => set.insert(r),
        (true, false) => set.remove(&r),
        _ => false,
    };
}

impl World {
    /// Changes replica `r` with `f`, keeps the index up to date and wakes its parked health
    /// check (counted mode, [`crate::sim::lazy`]).
    pub(crate) fn update_replica(&mut self, r: ReplicaId, f: impl FnOnce(&mut Replica)) {
        let generation = self.serve.controller.generation;
        let before = ReplicaKey::of(&self.serve.replicas[r.ix()], generation);
        f(&mut self.serve.replicas[r.ix()]);
        self.serve.index.replica_changed(r, before, &self.serve.replicas[r.ix()], generation);
        self.wake_replica_check(r);
    }

    /// Changes proxy `p` with `f`, keeps the index up to date and wakes its parked health check
    /// and its pod's parked readiness probe (counted mode, [`crate::sim::lazy`]).
    pub(crate) fn update_proxy(&mut self, p: ProxyId, f: impl FnOnce(&mut Proxy)) {
        let before = ProxyKey::of(&self.serve.proxies[p.ix()]);
        f(&mut self.serve.proxies[p.ix()]);
        self.serve.index.proxy_changed(p, before, &self.serve.proxies[p.ix()]);
        self.wake_proxy_check(p);
    }

    /// Indexes a replica just pushed.
    pub(crate) fn index_new_replica(&mut self, r: ReplicaId) {
        let generation = self.serve.controller.generation;
        self.serve.index.replica_changed(r, ReplicaKey::NONE, &self.serve.replicas[r.ix()], generation);
    }

    /// Indexes a proxy just pushed.
    pub(crate) fn index_new_proxy(&mut self, p: ProxyId) {
        self.serve.index.proxy_changed(p, ProxyKey { up: false, live_on: None }, &self.serve.proxies[p.ix()]);
        self.wake_readiness_probe(self.serve.proxies[p.ix()].pod);
    }

    /// Rebuilds the index (after the application generation changed: every replica's share).
    pub(crate) fn rebuild_serve_index(&mut self) {
        self.serve.index = self.fresh_serve_index();
    }

    /// The index built from scratch.
    fn fresh_serve_index(&self) -> ServeIndex {
        let deployments = self.scenario.serve.applications.len();
        ServeIndex::build(&self.serve.replicas, &self.serve.proxies, self.serve.controller.generation, deployments)
    }

    /// Panics unless the index equals one built from scratch.
    #[cfg(debug_assertions)]
    pub(crate) fn check_serve_index(&self) {
        let fresh = self.fresh_serve_index();
        assert_eq!(self.serve.index, fresh, "t={}: the Serve index drifted from the replicas and proxies", self.now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(pod: u32, state: ReplicaState) -> Replica {
        Replica {
            name: String::new(),
            deployment: DeploymentId(0),
            pod: Some(PodId(pod)),
            state,
            actor_alive: true,
            constructed: true,
            inc: 0,
            health_faults: Vec::new(),
            hc_faults: Vec::new(),
            hc_failures: 0,
            hc_seq: 0,
            ongoing: Vec::new(),
            migrating: false,
            fault: None,
            death_known: true,
            generation: 0,
        }
    }

    #[test]
    fn pods_are_ordered_by_their_lowest_replica_and_follow_changes() {
        let mut reps = vec![
            replica(2, ReplicaState::Running),
            replica(1, ReplicaState::Starting),
            replica(2, ReplicaState::Running),
        ];
        let mut ix = ServeIndex::build(&reps, &[], 0, 1);
        assert_eq!(ix.pods_with_replicas().collect::<Vec<_>>(), [PodId(2), PodId(1)]);
        assert_eq!(ix.replicas_running(), 2);
        let before = ReplicaKey::of(&reps[0], 0);
        reps[0].migrating = true;
        ix.replica_changed(ReplicaId(0), before, &reps[0], 0);
        assert_eq!(ix.pods_with_replicas().collect::<Vec<_>>(), [PodId(1), PodId(2)]);
        let before = ReplicaKey::of(&reps[2], 0);
        reps[2].actor_alive = false;
        ix.replica_changed(ReplicaId(2), before, &reps[2], 0);
        assert_eq!(ix.pods_with_replicas().collect::<Vec<_>>(), [PodId(1)]);
        assert!(!ix.hosts_replicas(PodId(2)));
        assert_eq!(ix, ServeIndex::build(&reps, &[], 0, 1));
        assert_eq!(ServeIndex::build(&reps, &[], 1, 1).pods_with_replicas_count(), 0, "another generation's");
    }
}
