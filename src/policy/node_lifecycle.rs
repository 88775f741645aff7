//! Kubernetes' side of a lost VM: when its Node turns NotReady, when the cloud node lifecycle
//! controller deletes the Node, and when PodGC deletes the pods still bound to it; of a deleted
//! Node (its pods' deletion by PodGC); and of a VM cut off from the API server (the taint
//! manager's eviction of its pods).

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Timings;

/// How long a pod tolerates its node's `node.kubernetes.io/unreachable:NoExecute` taint before
/// the taint manager evicts it: 300 s, the `tolerationSeconds` that the DefaultTolerationSeconds
/// admission plugin gives every pod (`--default-unreachable-toleration-seconds`,
/// `plugin/pkg/admission/defaulttolerationseconds`). KubeRay's pods set no toleration of their
/// own.
pub const UNREACHABLE_TOLERATION: SimDuration = SimDuration::from_secs(300);

/// When the taint manager evicts (deletes, gracefully) the pods of a node cut off at `cut_at`:
/// the node lifecycle controller taints it when it marks it NotReady, and each pod's toleration
/// runs out [`UNREACHABLE_TOLERATION`] later (`pkg/controller/tainteviction`). With the kubelet
/// out of reach nobody confirms the deletion: the pods stay Terminating.
pub fn evicted_at(cut_at: SimTime, t: &Timings) -> SimTime {
    not_ready_at(cut_at, t) + UNREACHABLE_TOLERATION
}

/// When the Node of a VM lost at `lost_at` turns NotReady: its kubelet stops posting status and
/// the node lifecycle controller marks it after `--node-monitor-grace-period`
/// (`pkg/controller/nodelifecycle`).
pub fn not_ready_at(lost_at: SimTime, t: &Timings) -> SimTime {
    lost_at + t.node_monitor_grace
}

/// When the cloud node lifecycle controller deletes the Node of a VM lost at `lost_at`: at its
/// first pass (every `--node-monitor-period`, from t = 0) at or after the Node turned NotReady,
/// it finds the instance gone from the cloud and deletes the Node (`k8s.io/cloud-provider`
/// `controllers/nodelifecycle` `MonitorNodes`, which skips Ready nodes).
pub fn node_deleted_at(lost_at: SimTime, t: &Timings) -> SimTime {
    not_ready_at(lost_at, t).ceil_to_grid(SimTime::ZERO, t.cloud_node_monitor)
}

/// When PodGC force-deletes the pods bound to a Node deleted at `deleted`: its first pass (every
/// `gcCheckPeriod`, from t = 0) at or after the deletion quarantines the node name for
/// `quarantineTime`; the pass that finds the quarantine over and the Node still gone marks the
/// pods Failed and deletes them with no grace (`gcOrphaned`, `pkg/controller/podgc`). Passes
/// are `gcCheckPeriod` apart and the quarantine a whole number of them by default, so that pass
/// ends the quarantine.
pub fn orphans_deleted_at(deleted: SimTime, t: &Timings) -> SimTime {
    deleted.ceil_to_grid(SimTime::ZERO, t.pod_gc_period) + t.orphan_pod_gc
}

/// When the pod objects of a VM lost at `lost_at` are deleted (its Node deleted by the cloud
/// controller, then PodGC). Until then KubeRay counts them and creates no replacement; a
/// Deployment's ReplicaSet (a Redis pod) does not count a Failed pod either.
pub fn pods_deleted_at(lost_at: SimTime, t: &Timings) -> SimTime {
    orphans_deleted_at(node_deleted_at(lost_at, t), t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn timings() -> Timings {
        crate::scenario::parse("{}", "t.json").unwrap().scenario.timings
    }

    #[test]
    fn a_vm_lost_on_the_grids_loses_its_pods_80_s_later() {
        let t = timings();
        let lost = SimTime::from_micros(60_000_000);
        assert_eq!(not_ready_at(lost, &t), SimTime::from_micros(100_000_000));
        assert_eq!(node_deleted_at(lost, &t), SimTime::from_micros(100_000_000));
        assert_eq!(pods_deleted_at(lost, &t), SimTime::from_micros(140_000_000));
    }

    #[test]
    fn a_deleted_nodes_pods_go_40_to_60_s_later_and_a_cut_off_nodes_are_evicted_after_340_s() {
        let t = timings();
        let at = |s: u64| SimTime::from_micros(s * 1_000_000);
        // `kubectl delete node` at 60 s: PodGC's pass at 60 s quarantines, + 40 s; at 61 s, the
        // pass at 80 s.
        assert_eq!(orphans_deleted_at(at(60), &t), at(100));
        assert_eq!(orphans_deleted_at(at(61), &t), at(120));
        // Cut off at 60 s: NotReady at 100 s, evicted 300 s later.
        assert_eq!(evicted_at(at(60), &t), at(400));
    }

    #[test]
    fn off_the_grids_each_controller_waits_for_its_next_pass() {
        let t = timings();
        let lost = SimTime::from_micros(61_000_000);
        // NotReady at 101 s, the cloud controller's pass at 105 s, PodGC's at 120 s, + 40 s.
        assert_eq!(node_deleted_at(lost, &t), SimTime::from_micros(105_000_000));
        assert_eq!(pods_deleted_at(lost, &t), SimTime::from_micros(160_000_000));
        assert_eq!(pods_deleted_at(lost, &t).saturating_since(lost), SimDuration::from_secs(99));
    }
}
