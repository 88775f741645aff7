//! The Serve controller: health checks, replica replacement and migration, constructor retry
//! budget, proxy management, recovery after a restart; and KubeRay's RayService re-submission of
//! the application when a new cluster has none, or when the controller was killed for good.
//!
//! Killed for good (`ray.kill(controller, no_restart=True)`, the guide's way) the controller stays
//! dead: its actor has `max_restarts=-1`, but `no_restart` overrides it. Nothing is health-checked,
//! replaced or autoscaled; proxies keep routing on their last routing table, but their long-poll
//! clients stop for good on the `ActorDiedError` (`long_poll.py` `_process_update`). The dashboard
//! then finds no controller and reports no application, so RayService's next reconcile submits the
//! Serve config again (`checkIfNeedSubmitServeApplications`); `serve.start` creates a new
//! controller, which recovers the application from its KV checkpoints like a restarted one. The
//! proxies it finds by name are reused, still deaf: only proxies it starts hear its updates.

mod deployment_state;
mod health;
mod nodes;
mod rayservice;
mod recovery;
#[cfg(test)]
mod tests;

pub use deployment_state::DeploymentStatus;

use crate::engine::{SimDuration, SimTime};
use crate::journal::Component;
use crate::sim::event::Event;
use crate::sim::ids::DeploymentId;
use crate::sim::world::World;

/// The controller actor's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerState {
    /// Running its control loop.
    Running,
    /// Dead; Ray restarts it when the GCS and the head are up.
    Dead,
    /// Restarted, recovering its state from the GCS.
    Restarting,
    /// Killed for good (`no_restart`): Ray does not restart it; only a new `serve.start`
    /// (RayService's re-submission) brings up a new controller.
    Gone,
}

/// The Serve controller and the deployment state it owns.
#[derive(Clone, Debug)]
pub struct Controller {
    /// Actor state.
    pub state: ControllerState,
    /// Bumped at every restart: health-check timers of an older incarnation are stale.
    pub inc: u32,
    /// The applications exist in this cluster (lost with the GCS without fault tolerance).
    pub app_present: bool,
    /// Each deployment's status, by [`DeploymentId`].
    pub deployments: Vec<DeploymentStatus>,
    /// Origin of the health-check sweep grid (the control loop's start).
    pub sweep_anchor: SimTime,
    /// The fault that killed it.
    pub fault: Option<usize>,
    /// A RayService reconcile loop is scheduled.
    pub resubmit_pending: bool,
    /// Submissions of the application so far; replicas of an earlier one (an old cluster's)
    /// are not this controller's.
    pub generation: u32,
}

impl Controller {
    /// A running controller of deployed applications with `deployments` deployments in all.
    pub fn new(deployments: usize) -> Self {
        Controller {
            state: ControllerState::Running,
            inc: 1,
            app_present: true,
            deployments: vec![DeploymentStatus::STARTED; deployments],
            sweep_anchor: SimTime::ZERO,
            fault: None,
            resubmit_pending: false,
            generation: 0,
        }
    }
}

impl World {
    /// True when the controller runs its loop.
    pub(crate) fn controller_running(&self) -> bool {
        self.serve.controller.state == ControllerState::Running
    }

    fn set_controller_state(&mut self, state: ControllerState, why: &str) {
        let label = |s| match s {
            ControllerState::Running => "RUNNING",
            ControllerState::Dead => "DEAD",
            ControllerState::Restarting => "RESTARTING",
            ControllerState::Gone => "GONE",
        };
        let from = self.serve.controller.state;
        self.serve.controller.state = state;
        self.log(
            Component::Controller,
            "serve-controller",
            format_args!("{} -> {} ({why})", label(from), label(state)),
        );
        self.observed.levels_dirty = true;
    }

    /// Asks for a control-loop iteration at the current instant, after every event already
    /// scheduled for it (so that, as in Ray, all results observed in one tick are counted before
    /// the controller acts). Ray's 0.1 s pause between iterations is not modelled.
    pub(crate) fn request_reconcile(&mut self) {
        if !self.serve.tick_pending {
            self.serve.tick_pending = true;
            self.schedule_in(SimDuration::ZERO, Event::ControllerTick);
        }
    }

    /// The controller's control loop, run after every change that may need it: replace missing
    /// replicas (unless DEPLOY_FAILED), finish migrations, place pending replicas, manage proxies.
    pub(crate) fn reconcile(&mut self) {
        if !self.controller_running() || !self.gcs_up() {
            return;
        }
        for d in self.serve.deployment_ids() {
            self.reconcile_deployment(d);
        }
        self.reconcile_proxies();
    }

    /// One deployment's share of the control loop: new replicas up to its target, migrations
    /// finished once the target is settled, its pending replicas placed where room appeared.
    fn reconcile_deployment(&mut self, d: DeploymentId) {
        let target = self.target_replicas(d) as usize;
        let active = self.serve.index.replicas_active(d);
        if !self.serve.controller.deployments[d.ix()].deploy_failed && active < target {
            let mut pool = self.placement_pool(d);
            for _ in active..target {
                self.new_replica(d, &mut pool);
            }
        }
        if self.serve.index.replicas_settled(d) >= target {
            for r in self.serve.index.replicas_migrating(d) {
                self.stop_replica(r, "migrated off the draining node");
            }
        }
        let pending = self.serve.index.replicas_pending_of(d);
        if !pending.is_empty() {
            let mut pool = self.placement_pool(d);
            for r in pending {
                self.place_replica(r, &mut pool);
            }
        }
    }
}
