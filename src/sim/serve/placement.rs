//! The candidates of replica placement (soft SPREAD), gathered once per control-loop pass instead
//! of a scan of every pod per placed replica.
//!
//! A pool holds the candidates of one deployment, and is valid while only its own placements
//! change the pods' replica counts: it is built at the start of a batch of that deployment's
//! placements (its share of a control-loop pass, the initial cluster) and dropped after it, so
//! that the next deployment's pool sees the room this one took.

use std::collections::BTreeMap;

use crate::engine::RngStream;
use crate::scenario::resources::Resources;
use crate::sim::ids::{DeploymentId, PodId};
use crate::sim::k8s::{PodPhase, Raylet};
use crate::sim::world::World;

/// Pods that can take a replica, by the number of replicas they hold.
#[derive(Clone, Debug, Default)]
pub struct PlacementPool {
    /// Pods with room, by replica count; each list in pod order.
    by_count: BTreeMap<usize, Vec<PodId>>,
    /// Replicas each pod can hold (the per-node cap and its resources), by pod index.
    limit: Vec<usize>,
}

impl PlacementPool {
    /// Among the pods with the fewest replicas, the one the placement stream picks; its count
    /// goes up by one. `None` when no pod has room (no draw then).
    pub fn pick(&mut self, rng: &mut RngStream) -> Option<PodId> {
        let mut entry = self.by_count.first_entry()?;
        let count = *entry.key();
        let pods = entry.get_mut();
        let pod = pods.remove(rng.below(pods.len()));
        if pods.is_empty() {
            entry.remove();
        }
        if count + 1 < self.limit[pod.ix()] {
            let next = self.by_count.entry(count + 1).or_default();
            let at = next.binary_search(&pod).unwrap_or_else(|at| at);
            next.insert(at, pod);
        }
        Some(pod)
    }
}

impl World {
    /// The pods that can take a replica of deployment `d` now: RUNNING, not draining, raylet
    /// registered, under `d`'s `max_replicas_per_node` and with room for one more of its
    /// replicas: every resource it needs (CPUs, GPUs, memory, custom) is free in the pod's
    /// resources minus what the replicas of every deployment on it use. Pods are ranked by their
    /// replicas of `d` alone (SPREAD per deployment).
    pub(crate) fn placement_pool(&self, d: DeploymentId) -> PlacementPool {
        let serve = &self.scenario.serve;
        let need = &serve.applications[d.ix()].deployment.replica_resources;
        let cap = serve.applications[d.ix()].deployment.max_replicas_per_node.map_or(usize::MAX, |cap| cap as usize);
        let mut pool = PlacementPool { by_count: BTreeMap::new(), limit: vec![0; self.k8s.pods.len()] };
        for (i, p) in self.k8s.pods.iter().enumerate() {
            if p.phase != PodPhase::Running || p.draining || !matches!(p.raylet, Raylet::Alive { .. }) {
                continue;
            }
            let pod = PodId(i as u32);
            let room = self.free_room(pod);
            let count = self.serve.index.replicas_of_on(d, pod);
            pool.limit[i] = cap.min(count.saturating_add(room.how_many(need)));
            if count < pool.limit[i] {
                pool.by_count.entry(count).or_default().push(pod);
            }
        }
        pool
    }

    /// What `pod`'s group offers less what the replicas of every deployment on it use.
    pub(crate) fn free_room(&self, pod: PodId) -> Resources {
        let p = &self.k8s.pods[pod.ix()];
        let mut room = self.scenario.cluster.resources_of_group(p.role.group()).clone();
        for d in self.serve.deployment_ids() {
            let uses = &self.scenario.serve.applications[d.ix()].deployment.replica_resources;
            for _ in 0..self.serve.index.replicas_of_on(d, pod) {
                room.sub(uses);
            }
        }
        room
    }
}
