//! What the cluster's manager repairs: KubeRay on Kubernetes, or nothing at all on a cluster
//! started with plain `ray start` (`cluster.manager`). Ray's and Serve's own repairs (actor
//! restarts, replica replacement, proxy replacement) happen under both.

use crate::scenario::Manager;

/// The repairs a manager makes, one flag per mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repairs {
    /// KubeRay recreates a Ray pod whose object is gone (`pod_recreation`).
    pub pod_recreation: bool,
    /// The kubelet restarts a Ray container that exited, with back-off (`container_restart`).
    pub container_restart: bool,
    /// Kubernetes marks a silent node NotReady, collects its pods, and the cloud replaces it.
    pub node_lifecycle: bool,
    /// KubeRay's RayService submits the Serve config again to a cluster without it.
    pub serve_resubmission: bool,
    /// KubeRay's head runs `ray start --block`, which stops the head when a Ray child dies.
    pub block_supervisor: bool,
}

/// The repairs `manager` makes.
pub fn repairs(manager: Manager) -> Repairs {
    let kuberay = manager == Manager::KubeRay;
    Repairs {
        pod_recreation: kuberay,
        container_restart: kuberay,
        node_lifecycle: kuberay,
        serve_resubmission: kuberay,
        block_supervisor: kuberay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kuberay_makes_every_repair_and_plain_ray_none() {
        let k = repairs(Manager::KubeRay);
        assert!(k.pod_recreation && k.container_restart && k.node_lifecycle);
        assert!(k.serve_resubmission && k.block_supervisor);
        let p = repairs(Manager::Plain);
        assert!(!p.pod_recreation && !p.container_restart && !p.node_lifecycle);
        assert!(!p.serve_resubmission && !p.block_supervisor);
    }
}
