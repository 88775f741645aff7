//! KubeRay's in-tree Ray autoscaler in the model ([`crate::policy::ray_autoscaler`] has the
//! rules and their sources): an update every `timings.ray_autoscaler_update_s` while
//! `cluster.autoscaler.enabled` (no event at all otherwise), which
//!
//! - adds worker pods for the replicas Serve cannot place (their resource demands), by raising
//!   the group's `replicas`: KubeRay creates the pods at once, and a pod whose node pool has no
//!   node with room gets a new node (`node-<N>`, ready after `timings.node_provisioning_s`) while
//!   the pool is under its `max_nodes`;
//! - removes worker pods that have hosted no replica for `cluster.autoscaler.idle_timeout_s`, by
//!   lowering `replicas` and naming them in `workersToDelete`: KubeRay deletes them (Ray drains
//!   the node) and does not replace them.
//!
//! The autoscaler runs in the head pod and reads the GCS: no update while the GCS is down.
//! KubeRay keeps recreating pods lost to faults up to the group's current `replicas`
//! (`World::remove_pod`).

use std::collections::BTreeMap;

use crate::engine::SimTime;
use crate::journal::Component;
use crate::names;
use crate::policy::ray_autoscaler::{self, Group, IdlePod};
use crate::scenario::resources::Resources;

use super::event::Event;
use super::ids::{DeploymentId, NodeId, PodId};
use super::k8s::{K8sNode, NodeState, PodPhase, PodRole, Raylet};
use super::world::World;

/// What the autoscaler remembers between updates.
#[derive(Clone, Debug, Default)]
pub struct RayAutoscalerState {
    /// Worker pods hosting no replica, with the update that first found them so.
    idle_since: BTreeMap<PodId, SimTime>,
}

/// A pod's part in an update: a Ray node up, one on its way, or neither.
enum Standing {
    /// Ray runs and takes replicas.
    Up,
    /// Scheduled, created or started, or restarting: its resources are on their way.
    Launching,
    /// Terminating, lost or gone.
    Out,
}

impl World {
    /// Schedules the first update, when the autoscaler is enabled.
    pub(super) fn start_ray_autoscaler(&mut self) {
        if self.scenario.cluster.autoscaler.enabled {
            self.schedule_in(self.scenario.timings.ray_autoscaler_update, Event::RayAutoscalerUpdate);
        }
    }

    /// One autoscaler update: idle nodes, then scale-up, then scale-down.
    pub(super) fn on_ray_autoscaler_update(&mut self) {
        self.schedule_in(self.scenario.timings.ray_autoscaler_update, Event::RayAutoscalerUpdate);
        if !self.gcs_up() {
            return;
        }
        self.track_idle_pods();
        self.scale_up();
        self.provision_nodes();
        self.scale_down();
    }

    fn standing(&self, pod: PodId) -> Standing {
        let p = &self.k8s.pods[pod.ix()];
        match p.phase {
            PodPhase::Running if p.draining => Standing::Out,
            PodPhase::Running if matches!(p.raylet, Raylet::Alive { .. }) => Standing::Up,
            PodPhase::Pending
            | PodPhase::Creating
            | PodPhase::WaitingForGcs
            | PodPhase::Running
            | PodPhase::CrashLoop => Standing::Launching,
            PodPhase::Terminating | PodPhase::Lost | PodPhase::Gone => Standing::Out,
        }
    }

    /// The worker pods, with their group.
    fn worker_pods(&self) -> impl Iterator<Item = (PodId, usize)> + '_ {
        let pods = self.k8s.pods.iter().enumerate();
        pods.filter_map(|(i, p)| p.role.group().map(|g| (PodId(i as u32), g)))
    }

    /// Notes the worker pods up and hosting no replica since this update, forgets the others.
    fn track_idle_pods(&mut self) {
        let idle: Vec<PodId> = self
            .worker_pods()
            .map(|(pod, _)| pod)
            .filter(|&pod| matches!(self.standing(pod), Standing::Up) && self.serve.index.replicas_on(pod) == 0)
            .collect();
        let now = self.now;
        let since = &mut self.ray_autoscaler.idle_since;
        since.retain(|pod, _| idle.contains(pod));
        for pod in idle {
            since.entry(pod).or_insert(now);
        }
    }

    /// The resource demands Ray cannot place: one per replica pending allocation, its
    /// deployment's.
    fn pending_demands(&self) -> Vec<Resources> {
        self.serve.index.replicas_pending().into_iter().map(|r| self.replica_resources(r).clone()).collect()
    }

    /// The free resources of the worker pods up (under some deployment's `max_replicas_per_node`)
    /// and the whole resources of those launching.
    fn free_resources(&self) -> Vec<Resources> {
        let apps = &self.scenario.serve.applications;
        let mut free = Vec::new();
        for (pod, g) in self.worker_pods() {
            let on = |d: usize| self.serve.index.replicas_of_on(DeploymentId(d as u32), pod);
            let under_a_cap = apps
                .iter()
                .enumerate()
                .any(|(d, a)| a.deployment.max_replicas_per_node.is_none_or(|cap| on(d) < cap as usize));
            match self.standing(pod) {
                Standing::Up if under_a_cap => free.push(self.free_room(pod)),
                Standing::Launching => free.push(self.scenario.cluster.worker_groups[g].resources.clone()),
                Standing::Up | Standing::Out => {}
            }
        }
        free
    }

    /// Raises the groups' `replicas` for the pending demands; KubeRay creates the pods.
    fn scale_up(&mut self) {
        let demands = self.pending_demands();
        let free = self.free_resources();
        let cluster = &self.scenario.cluster;
        let mut counts = vec![(0, 0); cluster.worker_groups.len()];
        for (pod, g) in self.worker_pods() {
            match self.standing(pod) {
                Standing::Up => counts[g].0 += 1,
                Standing::Launching => counts[g].1 += 1,
                Standing::Out => {}
            }
        }
        let groups: Vec<Group<'_>> = (cluster.worker_groups.iter().zip(&counts).zip(&self.k8s.group_target))
            .map(|((g, &(running, launching)), &target)| Group {
                resources: &g.resources,
                target,
                running,
                launching,
                min: g.min_replicas,
                max: g.max_replicas,
            })
            .collect();
        let add = ray_autoscaler::pods_to_add(&demands, &free, &groups, cluster.autoscaler.upscaling_mode);
        for (g, n) in add.into_iter().enumerate().filter(|&(_, n)| n > 0) {
            let before = self.k8s.group_target[g];
            self.k8s.group_target[g] += n;
            self.observed.levels_dirty = true;
            let name = self.scenario.cluster.worker_groups[g].name.clone();
            let pending = demands.len();
            self.log(
                Component::Kuberay,
                "autoscaler",
                format_args!("{name} replicas {before} -> {} ({pending} replica(s) pending)", before + n),
            );
            for _ in 0..n {
                let pod = self.recreate_pod(PodRole::Worker(g));
                self.lb_pod_added(pod);
            }
        }
    }

    /// Adds nodes to each pool whose pending pods find no room, up to its `max_nodes`.
    fn provision_nodes(&mut self) {
        let per_node = self.scenario.cluster.ray_pods_per_node;
        for pool in 0..self.scenario.cluster.node_pools.len() {
            let nodes = self.k8s.nodes.iter().filter(|n| n.pool == pool);
            let (total, coming) =
                nodes.fold((0, 0), |(t, c), n| (t + 1, c + u32::from(n.state == NodeState::Provisioning)));
            let pending =
                self.k8s.pods.iter().filter(|p| p.pool == pool && p.phase == PodPhase::Pending).count() as u32;
            let short = pending.saturating_sub(coming * per_node).div_ceil(per_node);
            let room = self.scenario.cluster.node_pools[pool].max_nodes.saturating_sub(total);
            for _ in 0..short.min(room) {
                self.add_node(pool);
            }
        }
    }

    /// A new node of `pool`, ready after `timings.node_provisioning_s`.
    fn add_node(&mut self, pool: usize) {
        let node = NodeId(self.k8s.nodes.len() as u32);
        let name = names::node(node.0 + 1);
        self.k8s.nodes.push(K8sNode { name: name.clone(), state: NodeState::Provisioning, lost_by: None, pool });
        self.k8s.pod_index.node_added(pool);
        let pool_name = self.scenario.cluster.node_pools[pool].name.clone();
        self.log(Component::Node, &name, format_args!("PROVISIONING (pool {pool_name} grows for a pending pod)"));
        self.schedule_in(self.scenario.timings.node_provisioning, Event::NodeProvisioned(node));
    }

    /// Lowers the groups' `replicas` for the pods idle for the idle timeout; KubeRay deletes
    /// them (`workersToDelete`).
    fn scale_down(&mut self) {
        let idle: Vec<(PodId, IdlePod)> = (self.ray_autoscaler.idle_since.iter())
            .map(|(&pod, &since)| (pod, IdlePod { group: self.k8s.pods[pod.ix()].role.group().unwrap_or(0), since }))
            .collect();
        let candidates: Vec<IdlePod> = idle.iter().map(|&(_, p)| p).collect();
        let mins: Vec<u32> = self.scenario.cluster.worker_groups.iter().map(|g| g.min_replicas).collect();
        let timeout = self.scenario.cluster.autoscaler.idle_timeout;
        for i in ray_autoscaler::pods_to_delete(&candidates, &self.k8s.group_target, &mins, self.now, timeout) {
            let (pod, IdlePod { group, since }) = idle[i];
            let before = self.k8s.group_target[group];
            self.k8s.group_target[group] -= 1;
            self.observed.levels_dirty = true;
            self.ray_autoscaler.idle_since.remove(&pod);
            let name = self.scenario.cluster.worker_groups[group].name.clone();
            let pod_name = self.k8s.pods[pod.ix()].name.clone();
            let idle_for = self.now.saturating_since(since);
            self.log(
                Component::Kuberay,
                "autoscaler",
                format_args!(
                    "{name} replicas {before} -> {}, workersToDelete [{pod_name}] (idle {idle_for})",
                    before - 1
                ),
            );
            self.delete_pod(pod, None);
        }
    }
}
