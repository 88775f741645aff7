//! KubeRay's RayService reconcile: it submits the Serve config again when the cluster has no
//! application or no controller.

use super::{ControllerState, DeploymentStatus};
use crate::journal::Component;
use crate::policy::kuberay;
use crate::sim::event::Event;
use crate::sim::k8s::Raylet;
use crate::sim::world::World;

impl World {
    /// Schedules RayService's next reconcile (its 2 s grid), unless one is pending.
    /// Without KubeRay (plain Ray) nothing submits the application again.
    pub(super) fn schedule_rayservice_reconcile(&mut self) {
        if !self.serve.controller.resubmit_pending && self.repairs().serve_resubmission {
            self.serve.controller.resubmit_pending = true;
            let next = kuberay::next_reconcile(self.now, &self.scenario.timings);
            self.schedule_at(next, Event::RayServiceReconcile);
        }
    }

    /// KubeRay's RayService reconcile (every 2 s): once the head is ready and the dashboard
    /// reports no Serve application (none in a new cluster, or no controller to ask), it submits
    /// the Serve config again; `serve.start` starts a controller.
    pub(crate) fn on_rayservice_reconcile(&mut self) {
        self.serve.controller.resubmit_pending = false;
        let gone = self.serve.controller.state == ControllerState::Gone;
        if self.serve.controller.app_present && !gone {
            return;
        }
        let head_ready = self.k8s.head.is_some_and(|h| matches!(self.k8s.pods[h.ix()].raylet, Raylet::Alive { .. }))
            && kuberay::head_ready(self.now, self.ray.head_ray_started_at, &self.scenario.timings);
        if self.gcs_up() && head_ready && gone {
            self.log(
                Component::Kuberay,
                "rayservice",
                format_args!("no Serve application found (no controller); resubmitting the Serve config"),
            );
            self.start_controller("new controller started by serve.start");
        } else if self.gcs_up() && head_ready {
            self.log(
                Component::Kuberay,
                "rayservice",
                format_args!("no Serve application found; resubmitting the Serve config"),
            );
            let c = &mut self.serve.controller;
            c.app_present = true;
            c.generation += 1;
            for d in &mut c.deployments {
                *d = DeploymentStatus { deploy_failed: false, failure_count: 0, ever_started: false };
            }
            self.rebuild_serve_index();
            self.start_controller("started by serve.run");
        } else {
            self.serve.controller.resubmit_pending = true;
            self.schedule_in(self.scenario.timings.rayservice_reconcile, Event::RayServiceReconcile);
        }
    }
}
