//! KubeRay's reactions: when a lost node's pods are replaced, and when RayService resubmits the
//! Serve application (to a new, empty cluster, or to one whose controller was killed for good).

use super::node_lifecycle;
use crate::engine::SimTime;
use crate::scenario::Timings;

/// When the replacements of the pods of a VM lost at `lost_at` start: KubeRay counts every
/// listed pod of a group, Terminating ones included (`raycluster_controller.go`
/// `reconcilePods`), so it recreates a pod only once Kubernetes has deleted its object
/// ([`node_lifecycle::pods_deleted_at`]); the replacement is scheduled at once on a Ready node
/// with room, else on the lost node's replacement (`node_provisioning_s`); then its container is
/// created (`pod_start_s`). The simulator reaches the same instant through its events (pod
/// removal, node provisioned, pod started).
pub fn replacement_start_after_node_loss(lost_at: SimTime, t: &Timings, room_elsewhere: bool) -> SimTime {
    let deleted = node_lifecycle::pods_deleted_at(lost_at, t);
    let scheduled = if room_elsewhere { deleted } else { deleted.max(lost_at + t.node_provisioning) };
    scheduled + t.pod_start
}

/// Whether a head whose Ray started at `ray_started` passes its readiness probe at `now`
/// (RayService waits for it before submitting the Serve config).
pub fn head_ready(now: SimTime, ray_started: SimTime, t: &Timings) -> bool {
    now >= ray_started + t.readiness_initial_delay
}

/// RayService's first reconcile (every `rayservice_reconcile_s`, from t = 0) at or after `now`:
/// when it next asks the dashboard for the Serve applications and, finding none (a new cluster,
/// or a controller killed for good), submits the Serve config again (`rayservice_controller.go`
/// `reconcileServe`, `checkIfNeedSubmitServeApplications`).
pub fn next_reconcile(now: SimTime, t: &Timings) -> SimTime {
    now.ceil_to_grid(SimTime::ZERO, t.rayservice_reconcile)
}

/// RayService's first reconcile at which a new head whose Ray started at `ray_started` is ready:
/// when it resubmits the Serve application to an empty cluster.
pub fn resubmission_at(ray_started: SimTime, t: &Timings) -> SimTime {
    next_reconcile(ray_started + t.readiness_initial_delay, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timings(json: &str) -> Timings {
        crate::scenario::parse(json, "t.json").unwrap().scenario.timings
    }

    #[test]
    fn a_lost_nodes_pods_wait_for_the_node_deletion_the_gc_and_a_node() {
        let t = timings(
            r#"{"timings": {"node_monitor_grace_s": 40, "orphan_pod_gc_s": 40, "node_provisioning_s": 150,
                "pod_start_s": 5}}"#,
        );
        let at = |s: u64| SimTime::from_micros(s * 1_000_000);
        // NotReady at 100 s, the Node deleted at 100 s, its pods at 140 s.
        assert_eq!(replacement_start_after_node_loss(at(60), &t, true), at(145));
        assert_eq!(replacement_start_after_node_loss(at(60), &t, false), at(215));
    }

    #[test]
    fn the_resubmission_is_the_first_reconcile_tick_with_the_head_ready() {
        let t = timings("{}");
        let started = SimTime::from_micros(65_300_000);
        let at = resubmission_at(started, &t);
        assert!(head_ready(at, started, &t));
        assert!(at < started + t.readiness_initial_delay + t.rayservice_reconcile);
        assert_eq!(at.as_micros() % t.rayservice_reconcile.as_micros(), 0);
        let before = SimTime::from_micros(at.as_micros() - t.rayservice_reconcile.as_micros());
        assert!(!head_ready(before, started, &t));
    }
}
