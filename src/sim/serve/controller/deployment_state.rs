//! Each deployment's start as the controller tracks it: the constructor retry budget and
//! `DEPLOY_FAILED`.

use crate::journal::Component;
use crate::sim::ids::DeploymentId;
use crate::sim::world::World;

/// What the controller knows of one deployment's start: its constructor retry budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeploymentStatus {
    /// `DEPLOY_FAILED`: the retry budget ran out before any replica started.
    pub deploy_failed: bool,
    /// Constructor failures counted against the budget.
    pub failure_count: u32,
    /// Some replica of this deployment version has started.
    pub ever_started: bool,
}

impl DeploymentStatus {
    /// A deployment that has started (the steady state).
    pub(super) const STARTED: DeploymentStatus =
        DeploymentStatus { deploy_failed: false, failure_count: 0, ever_started: true };
}

impl World {
    /// A constructor raised: the failure counts against the budget; a deployment that never
    /// started a replica becomes DEPLOY_FAILED when the budget is spent.
    pub(crate) fn on_constructor_failed(&mut self, d: DeploymentId, fault: usize) {
        self.detect(fault);
        let threshold = self.scenario.serve.applications[d.ix()].deployment.failed_to_start_threshold();
        let c = &mut self.serve.controller.deployments[d.ix()];
        c.failure_count += 1;
        if !c.ever_started && c.failure_count >= threshold && !c.deploy_failed {
            c.deploy_failed = true;
            let n = c.failure_count;
            let name = self.application_label("application", d);
            self.log(Component::Serve, &name, format_args!("DEPLOY_FAILED after {n} constructor failures"));
            self.serve_waiting_requests();
        }
    }

    /// A replica of deployment `d` reached RUNNING: the version has started; a healthy
    /// deployment resets the failure counter.
    pub(crate) fn on_replica_running(&mut self, d: DeploymentId) {
        let running = self.serve.index.deployment_running(d);
        let target = self.target_replicas(d);
        let c = &mut self.serve.controller.deployments[d.ix()];
        c.ever_started = true;
        if running >= target {
            c.failure_count = 0;
        }
    }

    /// The events log's name of something of deployment `d`'s application: `what` alone with a
    /// single application (as before several were modelled), `<what> <application>` with
    /// several.
    pub(crate) fn application_label(&self, what: &str, d: DeploymentId) -> String {
        match self.scenario.serve.applications.as_slice() {
            [_] => what.to_string(),
            apps => format!("{what} {}", apps[d.ix()].name),
        }
    }
}
