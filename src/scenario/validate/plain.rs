//! `cluster.manager = "plain"`: what a cluster without KubeRay cannot have. Kubernetes objects
//! (a pod to delete, a Service to balance over pods) do not exist on VMs started with plain
//! `ray start`; the other fault kinds map to plain-Ray actions (docs/model.md, "Clusters without
//! KubeRay").

use super::check::{Checker, r};
use super::f;
use crate::scenario::model::Manager;
use crate::scenario::raw::{RawFailure, RawFault, RawIngressKind, RawScenario};

/// Refuses, each at its JSON path, what needs Kubernetes on a plain Ray cluster.
pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, manager: Manager) {
    if manager != Manager::Plain {
        return;
    }
    if r(&raw.ingress.kind) == RawIngressKind::Service {
        ck.err(
            f::INGRESS_KIND.json_path(),
            "cluster.manager is plain: there is no Kubernetes Service; pin one node's proxy (ingress.kind \"pinned\")",
        );
    }
    const NO_POD: &str = "cluster.manager is plain: a worker_pod_deletion deletes a Kubernetes pod and there is none \
                          (node_loss loses a VM, container_crash kills a node's Ray processes)";
    for (i, fault) in raw.faults.iter().enumerate() {
        let why = match fault {
            RawFault::WorkerPodDeletion { .. } => NO_POD,
            RawFault::NodeDelete { .. } | RawFault::NodeUnreachable { .. } => {
                "cluster.manager is plain: node_delete and node_unreachable act on Kubernetes Node objects and \
                 there are none (node_loss loses a VM, network_partition cuts a node off)"
            }
            _ => continue,
        };
        ck.err(f::FAULTS.json_path().index(i).key("kind"), why);
    }
    for (i, failure) in raw.failures.iter().enumerate() {
        let why = match failure {
            RawFailure::WorkerPodDeletion { .. } => NO_POD,
            RawFailure::RollingRestart { .. } => {
                "cluster.manager is plain: a rolling_restart deletes Kubernetes pods for KubeRay to recreate, and \
                 there are none"
            }
            _ => continue,
        };
        ck.err(f::FAILURES.json_path().index(i).key("kind"), why);
    }
}
