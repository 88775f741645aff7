//! The KubeRay operator's part: which repairs the cluster's manager makes, and the pods it
//! recreates under new names.

use super::{PodPhase, PodRole};
use crate::names;
use crate::policy::manager;
use crate::sim::ids::PodId;
use crate::sim::world::World;

impl World {
    /// The repairs the cluster's manager makes (KubeRay's, or none on plain Ray).
    pub(crate) fn repairs(&self) -> manager::Repairs {
        manager::repairs(self.scenario.cluster.manager)
    }

    /// Whether KubeRay replaces a gone pod of `role`: always the head; a worker while its group
    /// has fewer pod objects than its `replicas` (not after the Ray autoscaler lowered them and
    /// named the pod in `workersToDelete`).
    pub(super) fn kuberay_replaces(&self, role: PodRole) -> bool {
        let Some(g) = role.group() else { return true };
        let pods = self.k8s.pods.iter().filter(|p| p.role == role && p.phase != PodPhase::Gone).count();
        pods < self.k8s.group_target[g] as usize
    }

    /// KubeRay's reconcile: one new pod for one that is gone, or for a group whose `replicas`
    /// went up.
    pub(in crate::sim) fn recreate_pod(&mut self, role: PodRole) -> PodId {
        let name = match role {
            PodRole::Head => {
                self.k8s.head_generation += 1;
                names::head_pod(self.k8s.head_generation)
            }
            PodRole::Worker(g) => {
                self.k8s.worker_generation[g] += 1;
                names::worker_pod(&self.scenario.cluster.worker_groups[g].name, self.k8s.worker_generation[g])
            }
        };
        let id = self.create_pod(name, role);
        if role == PodRole::Head {
            self.k8s.head = Some(id);
        }
        id
    }
}
