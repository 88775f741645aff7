//! KubeRay's in-tree Ray autoscaler (Ray's v1 `StandardAutoscaler` with the KubeRay node
//! provider): which worker pods to add for the resource demands Ray cannot place, and which idle
//! ones to remove.
//!
//! Sources (Ray 2.60, `python/ray/autoscaler/_private/`):
//! - every `AUTOSCALER_UPDATE_INTERVAL_S` = 5 s (`constants.py`) the autoscaler reads the pending
//!   resource demands and each node's use from the GCS (`monitor.py`, `load_metrics.py`);
//! - `resource_demand_scheduler.py` `get_nodes_to_launch`: the demands are bin-packed first onto
//!   the free resources of the existing nodes, those still launching counted with all their
//!   resources, then onto new nodes of the node types (worker groups) whose resources fit them,
//!   never beyond a type's `max_workers` (`maxReplicas`), and at least `min_workers`
//!   (`minReplicas`) of each; `_get_concurrent_resource_demand_to_launch` caps a type's pending
//!   plus new nodes at `max(5, upscaling_speed x max(running, 1))`;
//! - `kuberay/autoscaling_config.py`: `upscalingMode` Conservative -> `upscaling_speed` 1, Default
//!   and Aggressive -> 1000; `idleTimeoutSeconds` -> `idle_timeout_minutes` (1 minute without it);
//! - `autoscaler.py` `terminate_nodes_to_enforce_config_constraints`: a worker node idle (no
//!   resource in use) for the idle timeout is terminated, keeping each type's `min_workers`;
//! - `kuberay/node_provider.py`: a launch raises the group's `replicas`, a termination lowers it
//!   and names the pod in `scaleStrategy.workersToDelete`; KubeRay (`raycluster_controller.go`
//!   `reconcilePods`) creates the missing pods and deletes the listed ones.
//!
//! Simplified here: a demand goes to the first group in file order that fits it (Ray scores the
//! types by utilization), and a node is idle from the first update that finds it hosting no
//! replica.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::UpscalingMode;
use crate::scenario::resources::Resources;

/// A worker group as an autoscaler update sees it.
#[derive(Clone, Debug)]
pub struct Group<'a> {
    /// The Ray resources of each of its pods.
    pub resources: &'a Resources,
    /// Its `replicas`: the pods KubeRay keeps.
    pub target: u32,
    /// Its pods whose Ray node is up.
    pub running: u32,
    /// Its pods being scheduled, created or started.
    pub launching: u32,
    /// `minReplicas`.
    pub min: u32,
    /// `maxReplicas`.
    pub max: u32,
}

/// The `upscaling_speed` Ray's `autoscaling_config.py` derives from KubeRay's `upscalingMode`.
pub fn upscaling_speed(mode: UpscalingMode) -> u32 {
    match mode {
        UpscalingMode::Conservative => 1,
        UpscalingMode::Default | UpscalingMode::Aggressive => 1000,
    }
}

/// Pods of a group that may be launching at once: `max(5, speed x max(running, 1))`.
fn launch_cap(speed: u32, running: u32) -> u32 {
    5.max(speed.saturating_mul(running.max(1)))
}

/// The pods to add to each group: enough to reach its `min`, then new pods for the `demands`
/// that do not fit in `free` (the free resources of the Ray nodes up and of those launching),
/// each demand first-fit onto the pods added so far, else onto a new pod of the first group that
/// fits it, has not reached its `max` and is under its launch cap. A demand no group can hold is
/// left pending (Ray warns of it as infeasible).
pub fn pods_to_add(demands: &[Resources], free: &[Resources], groups: &[Group<'_>], mode: UpscalingMode) -> Vec<u32> {
    let speed = upscaling_speed(mode);
    let mut add: Vec<u32> = groups.iter().map(|g| g.min.saturating_sub(g.target)).collect();
    let mut room: Vec<Resources> = free.to_vec();
    for (g, n) in groups.iter().zip(&add) {
        room.extend(std::iter::repeat_n(g.resources.clone(), *n as usize));
    }
    for need in demands {
        if let Some(slot) = room.iter_mut().find(|r| r.fits(need)) {
            slot.sub(need);
            continue;
        }
        let grows = |(i, g): &(usize, &Group<'_>)| {
            g.resources.fits(need) && g.target + add[*i] < g.max && g.launching + add[*i] < launch_cap(speed, g.running)
        };
        let Some((i, g)) = groups.iter().enumerate().find(grows) else { continue };
        add[i] += 1;
        let mut new_pod = g.resources.clone();
        new_pod.sub(need);
        room.push(new_pod);
    }
    add
}

/// An idle worker pod: its group and the update that first found it idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdlePod {
    /// Its group's index.
    pub group: usize,
    /// When it was first found idle.
    pub since: SimTime,
}

/// The indices in `idle` of the pods to delete at `now`: idle for at least `timeout`, in the
/// order given, as long as their group keeps at least its `mins` of its `targets` pods.
pub fn pods_to_delete(
    idle: &[IdlePod],
    targets: &[u32],
    mins: &[u32],
    now: SimTime,
    timeout: SimDuration,
) -> Vec<usize> {
    let mut left = targets.to_vec();
    let mut out = Vec::new();
    for (i, p) in idle.iter().enumerate() {
        if now >= p.since + timeout && left[p.group] > mins[p.group] {
            left[p.group] -= 1;
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::resources::UNIT;

    fn cpus(n: u64) -> Resources {
        Resources { cpus: n * UNIT, ..Resources::default() }
    }

    fn group(resources: &Resources, target: u32, min: u32, max: u32) -> Group<'_> {
        Group { resources, target, running: target, launching: 0, min, max }
    }

    #[test]
    fn demands_fill_the_free_room_first_then_bin_pack_onto_new_pods_up_to_max() {
        let four = cpus(4);
        let groups = [group(&four, 2, 1, 4)];
        // One CPU free on a running pod: the first demand goes there, the next 5 need 2 pods.
        let demands = vec![cpus(1); 6];
        assert_eq!(pods_to_add(&demands, &[cpus(1)], &groups, UpscalingMode::Default), [2]);
        // 13 more CPUs would need 4 pods; max_replicas 4 leaves room for 2.
        assert_eq!(pods_to_add(&vec![cpus(1); 14], &[cpus(1)], &groups, UpscalingMode::Default), [2]);
        assert_eq!(pods_to_add(&[], &[], &groups, UpscalingMode::Default), [0]);
    }

    #[test]
    fn a_demand_goes_to_the_first_group_that_fits_it_and_an_infeasible_one_to_none() {
        let (small, big) = (cpus(1), cpus(8));
        let groups = [group(&small, 1, 0, 5), group(&big, 0, 0, 2)];
        let add = pods_to_add(&[cpus(1), cpus(6), cpus(9)], &[], &groups, UpscalingMode::Default);
        assert_eq!(add, [1, 1]);
    }

    #[test]
    fn groups_below_min_are_topped_up_and_conservative_mode_caps_launches() {
        let one = cpus(1);
        let mut g = group(&one, 0, 2, 100);
        assert_eq!(pods_to_add(&[], &[], &[g.clone()], UpscalingMode::Default), [2]);
        g = Group { min: 0, running: 2, launching: 0, target: 2, ..g };
        // Conservative: at most max(5, 1 x 2) = 5 launching at once.
        assert_eq!(pods_to_add(&vec![cpus(1); 9], &[], &[g.clone()], UpscalingMode::Conservative), [5]);
        assert_eq!(pods_to_add(&vec![cpus(1); 9], &[], &[g], UpscalingMode::Aggressive), [9]);
    }

    #[test]
    fn idle_pods_go_after_the_timeout_down_to_min() {
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        let idle = [IdlePod { group: 0, since: at(10) }, IdlePod { group: 0, since: at(12) }];
        let timeout = SimDuration::from_secs(60);
        assert!(pods_to_delete(&idle, &[3], &[1], at(69), timeout).is_empty());
        assert_eq!(pods_to_delete(&idle, &[3], &[1], at(70), timeout), [0]);
        assert_eq!(pods_to_delete(&idle, &[3], &[1], at(72), timeout), [0, 1]);
        assert_eq!(pods_to_delete(&idle, &[3], &[2], at(72), timeout), [0]);
    }
}
