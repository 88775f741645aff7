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
//!
//! Health checks follow Ray 2.60: a check starts when `period x U(0.9, 1.1)` has passed since the
//! last one, but the controller looks at each replica only once per sweep of
//! `0.5 x min(period, 10 s)`, so check times snap up to that grid. A dead actor fails its check
//! at once and is replaced in the same tick; a raising `check_health` needs 3 consecutive
//! failures; a hanging one times out after `health_check_timeout_s` per attempt.

use crate::engine::{SimDuration, SimTime};
use crate::journal::Component;
use crate::policy::kuberay;
use crate::scenario::HealthMode;
use crate::sim::event::Event;
use crate::sim::ids::{DeploymentId, PodId, ReplicaId};
use crate::sim::k8s::Raylet;
use crate::sim::serve::proxy::ProxyState;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::{Cause, World};

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
    const STARTED: DeploymentStatus = DeploymentStatus { deploy_failed: false, failure_count: 0, ever_started: true };
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

    /// The controller actor dies. Ray notices after `noticed_after` (the raylet's scan for a
    /// dead process; zero for `ray.kill`, which goes through the GCS) and restarts it
    /// (max_restarts = -1).
    pub(crate) fn controller_dies(&mut self, cause: Cause, noticed_after: SimDuration) {
        if matches!(self.serve.controller.state, ControllerState::Dead | ControllerState::Gone) {
            return;
        }
        self.serve.controller.inc += 1;
        self.serve.controller.fault = cause.fault();
        self.set_controller_state(ControllerState::Dead, &cause.describe());
        self.schedule_in(noticed_after, Event::ControllerRestart);
    }

    /// `ray.kill(controller, no_restart=True)`: the controller is dead for good, at once (the
    /// GCS marks the actor DEAD: the fault is detected). Every proxy's long-poll client gets
    /// `ActorDiedError` and stops; RayService notices at its next reconcile.
    pub(crate) fn controller_killed_for_good(&mut self, cause: Cause) {
        if self.serve.controller.state == ControllerState::Gone {
            return;
        }
        if let Some(f) = cause.fault() {
            self.detect(f);
        }
        self.serve.controller.inc += 1;
        self.serve.controller.fault = None;
        self.set_controller_state(ControllerState::Gone, &format!("{}; no restart", cause.describe()));
        for px in &mut self.serve.proxies {
            px.listening = false;
        }
        self.schedule_rayservice_reconcile();
    }

    /// Ray restarts the controller on the head, if the GCS and the head raylet are up.
    pub(crate) fn on_controller_restart(&mut self) {
        if self.serve.controller.state != ControllerState::Dead || !self.serve.controller.app_present {
            return;
        }
        if let Some(f) = self.serve.controller.fault.take() {
            self.detect(f);
        }
        let head_alive = self.k8s.head.is_some_and(|h| matches!(self.k8s.pods[h.ix()].raylet, Raylet::Alive { .. }));
        if !self.gcs_up() || !head_alive {
            return; // retried when the GCS comes back (serve_on_gcs_up)
        }
        self.start_controller("actor restarted by Ray");
    }

    /// A controller actor starts (a new incarnation: older timers are stale); it runs after the
    /// actor start and its recovery from the KV checkpoints.
    fn start_controller(&mut self, why: &str) {
        self.serve.controller.inc += 1;
        self.set_controller_state(ControllerState::Restarting, why);
        let delay = self.scenario.timings.actor_start + self.scenario.timings.controller_recovery;
        let inc = self.serve.controller.inc;
        self.schedule_in(delay, Event::ControllerReady { inc });
    }

    /// The controller has recovered: live replicas are re-attached, dead ones dropped (and
    /// replaced), proxies re-checked, routing tables pushed.
    pub(crate) fn on_controller_ready(&mut self, inc: u32) {
        if inc != self.serve.controller.inc || self.serve.controller.state != ControllerState::Restarting {
            return;
        }
        let started = self.serve.controller.deployments.iter().any(|d| d.ever_started);
        let how = if started { "state recovered from the GCS" } else { "new application" };
        self.set_controller_state(ControllerState::Running, how);
        self.serve.controller.sweep_anchor = self.now;
        for i in 0..self.serve.replicas.len() {
            let r = ReplicaId(i as u32);
            let rep = &self.serve.replicas[i];
            match rep.state {
                ReplicaState::Dead => {}
                _ if !rep.actor_alive => {
                    if let Some(f) = rep.fault {
                        self.detect(f);
                    }
                    self.set_replica_state(r, ReplicaState::Dead, "not found at recovery");
                }
                ReplicaState::Running => self.schedule_health_check_after(r, SimDuration::ZERO),
                _ => {}
            }
        }
        for i in 0..self.serve.proxies.len() {
            let p = crate::sim::ids::ProxyId(i as u32);
            let px = &self.serve.proxies[i];
            if px.state == ProxyState::Removed {
                continue;
            }
            if !px.actor_alive {
                self.set_proxy_state(p, ProxyState::Removed, "not found at recovery");
            } else if px.state != ProxyState::Starting {
                self.schedule_proxy_health_check(p);
            }
        }
        self.request_reconcile();
        self.request_broadcast();
    }

    /// The GCS is up: with the same cluster, Ray restarts the controller; with a new, empty
    /// cluster the application is gone until KubeRay resubmits it.
    pub(crate) fn serve_on_gcs_up(&mut self, cluster: u32) {
        // Without fault tolerance every GCS start is a new, empty cluster.
        let _ = cluster;
        let fresh_cluster = !self.scenario.cluster.gcs_fault_tolerance && self.serve.controller.app_present;
        if fresh_cluster {
            self.serve.controller.app_present = false;
            self.serve.controller.inc += 1;
            if self.serve.controller.state != ControllerState::Dead {
                self.set_controller_state(ControllerState::Dead, "cluster state lost");
            }
            // Actors of the old cluster on workers that are not rejected yet keep serving with
            // what they have; the new application will not count them (other generation).
            for i in 0..self.serve.replicas.len() {
                if !self.serve.replicas[i].actor_alive && self.serve.replicas[i].state != ReplicaState::Dead {
                    self.set_replica_state(ReplicaId(i as u32), ReplicaState::Dead, "cluster state lost");
                }
            }
            for i in 0..self.serve.proxies.len() {
                if !self.serve.proxies[i].actor_alive {
                    self.set_proxy_state(crate::sim::ids::ProxyId(i as u32), ProxyState::Removed, "cluster state lost");
                }
            }
            self.log(Component::Serve, "application", format_args!("gone (the new GCS has no Serve application)"));
        }
        match self.serve.controller.state {
            _ if !self.serve.controller.app_present => self.schedule_rayservice_reconcile(),
            ControllerState::Gone => self.schedule_rayservice_reconcile(),
            ControllerState::Dead => self.schedule_in(SimDuration::ZERO, Event::ControllerRestart),
            ControllerState::Running | ControllerState::Restarting => {}
        }
    }

    /// Schedules RayService's next reconcile (its 2 s grid), unless one is pending.
    /// Without KubeRay (plain Ray) nothing submits the application again.
    fn schedule_rayservice_reconcile(&mut self) {
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

    /// The GCS declared a node dead: the controller removes that node's proxy without waiting
    /// for health checks.
    pub(crate) fn serve_on_node_dead(&mut self, pod: PodId) {
        if !self.controller_running() {
            return;
        }
        if let Some(p) = self.live_proxy_on(pod)
            && !self.serve.proxies[p.ix()].actor_alive
        {
            if let Some(f) = self.serve.proxies[p.ix()].fault {
                self.detect(f);
            }
            self.set_proxy_state(p, ProxyState::Removed, "its node is dead");
        }
        self.request_reconcile();
    }

    /// Ray 2.60 drains a deleted pod's node: replicas there are migrated make-before-break,
    /// its proxy drains.
    pub(crate) fn serve_node_draining(&mut self, pod: PodId) {
        for r in self.serve.index.replicas_hosted_on(pod) {
            let rep = &self.serve.replicas[r.ix()];
            if !rep.actor_alive {
                continue;
            }
            match rep.state {
                ReplicaState::Running => {
                    self.update_replica(r, |rep| rep.migrating = true);
                    self.log(
                        Component::Replica,
                        &self.serve.replicas[r.ix()].name.clone(),
                        format_args!("PENDING_MIGRATION (node draining)"),
                    );
                }
                ReplicaState::Starting if self.controller_running() => {
                    self.kill_replica_actor(r, Cause::Stopped, false);
                }
                _ => {}
            }
        }
        if let Some(p) = self.accepting_proxy_on(pod) {
            self.drain_proxy(p, "node draining");
        }
        self.request_reconcile();
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

    /// Schedules the next health check of `r`, at least `min_gap` from now: after
    /// `period x U(0.9, 1.1)`, snapped up to the controller's sweep grid.
    pub(crate) fn schedule_health_check_after(&mut self, r: ReplicaId, min_gap: SimDuration) {
        let deployment = self.deployment_of(r);
        let (period, sweep) = (deployment.health_check_period, deployment.health_check_sweep());
        let jitter = crate::scenario::defaults::HEALTH_CHECK_JITTER_PERCENT;
        let lo = period.scale(100 - jitter, 100).as_micros();
        let hi = period.scale(100 + jitter, 100).as_micros();
        let gap = if min_gap == SimDuration::ZERO {
            SimDuration::from_micros(self.rng.health.range_inclusive(lo, hi))
        } else {
            min_gap
        };
        let due = (self.now + gap).ceil_to_grid(self.serve.controller.sweep_anchor, sweep);
        let rep = &mut self.serve.replicas[r.ix()];
        rep.hc_seq += 1;
        let check = rep.hc_seq;
        let ctl_inc = self.serve.controller.inc;
        self.schedule_at(due, Event::ReplicaHealthCheck { replica: r, ctl_inc, check });
    }

    fn health_check_is_current(&self, r: ReplicaId, ctl_inc: u32, check: u32) -> bool {
        let rep = &self.serve.replicas[r.ix()];
        ctl_inc == self.serve.controller.inc
            && self.controller_running()
            && rep.hc_seq == check
            && rep.state == ReplicaState::Running
    }

    /// One controller -> replica health check.
    pub(crate) fn on_replica_health_check(&mut self, r: ReplicaId, ctl_inc: u32, check: u32) {
        if !self.health_check_is_current(r, ctl_inc, check) {
            return;
        }
        let rep = &self.serve.replicas[r.ix()];
        let unreachable = rep.pod.is_some_and(|p| self.k8s.pods[p.ix()].unreachable_since.is_some());
        if !rep.actor_alive && (rep.death_known || !unreachable) {
            self.replica_unhealthy(r, "health check: actor died", false);
            return;
        }
        let mode = rep.health_mode();
        // The faults that make this check fail are credited with it now: a hanging check
        // fails at its timeout even if the fault has ended by then.
        let culprits = rep.health_mode_faults();
        let streak = &mut self.serve.replicas[r.ix()].hc_faults;
        for f in culprits {
            if !streak.contains(&f) {
                streak.push(f);
            }
        }
        // A call to a replica on a cut-off node hangs too, alive or not.
        if !self.serve.replicas[r.ix()].actor_alive || mode == Some(HealthMode::Hang) || unreachable {
            let timeout = self.deployment_of(r).health_check_timeout;
            self.schedule_in(timeout, Event::ReplicaHealthCheckTimeout { replica: r, ctl_inc, check });
            return;
        }
        if mode == Some(HealthMode::Raise) {
            self.health_check_failed(r, "check_health raised", false);
        } else {
            let rep = &mut self.serve.replicas[r.ix()];
            rep.hc_failures = 0;
            rep.hc_faults.clear();
            if !self.park_replica_check(r) {
                self.schedule_health_check_after(r, SimDuration::ZERO);
            }
        }
    }

    /// A hanging health check hit its timeout.
    pub(crate) fn on_replica_health_check_timeout(&mut self, r: ReplicaId, ctl_inc: u32, check: u32) {
        if !self.health_check_is_current(r, ctl_inc, check) {
            return;
        }
        let rep = &self.serve.replicas[r.ix()];
        if !rep.actor_alive && rep.death_known {
            self.replica_unhealthy(r, "health check: actor died", false);
        } else {
            self.health_check_failed(r, "health check timed out", true);
        }
    }

    /// Counts a failed check. After a raising check the next one waits a period as usual; after
    /// a timed-out one the period has already passed, so it starts at the next sweep.
    fn health_check_failed(&mut self, r: ReplicaId, why: &str, timed_out: bool) {
        let rep = &mut self.serve.replicas[r.ix()];
        rep.hc_failures += 1;
        let failures = rep.hc_failures;
        let name = rep.name.clone();
        self.log(Component::Replica, &name, format_args!("{why} ({failures} consecutive)"));
        if failures >= crate::scenario::defaults::HEALTH_CHECK_UNHEALTHY_THRESHOLD {
            self.replica_unhealthy(r, &format!("{failures} failed health checks"), true);
        } else {
            let gap = if timed_out { SimDuration::from_micros(1) } else { SimDuration::ZERO };
            self.schedule_health_check_after(r, gap);
        }
    }

    /// The controller gives up on a replica and requests a replacement in the same tick.
    fn replica_unhealthy(&mut self, r: ReplicaId, why: &str, graceful: bool) {
        if let Some(f) = self.serve.replicas[r.ix()].fault {
            self.detect(f);
        } else {
            for f in self.serve.replicas[r.ix()].hc_faults.clone() {
                self.detect(f);
            }
        }
        if graceful && self.serve.replicas[r.ix()].actor_alive {
            self.stop_replica(r, &format!("unhealthy: {why}"));
        } else {
            self.set_replica_state(r, ReplicaState::Dead, &format!("unhealthy: {why}"));
            self.request_broadcast();
        }
        self.request_reconcile();
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::observations::{FailureCause, Outcome};
    use crate::sim::testing::{TestWorld, secs};

    fn controller_reaches(t: &mut TestWorld, state: ControllerState) -> SimTime {
        t.run_until_true(|w| w.serve.controller.state == state)
    }

    #[test]
    fn a_killed_controller_is_restarted_at_once_and_runs_after_actor_start_and_recovery() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "controller_crash", "at_s": 60 }]"#);
        t.run_until(secs(59));
        let inc = t.world().serve.controller.inc;
        t.run_until(secs(60));
        assert_eq!(t.world().serve.controller.state, ControllerState::Restarting);
        assert_eq!(t.logged_at(secs(60), &["serve-controller", "RUNNING -> DEAD"]), secs(60));
        assert_eq!(t.world().serve.controller.inc, inc + 2, "dead, then restarted: old timers are stale");
        // actor_start 2 s + controller_recovery 1 s; the replicas kept running throughout.
        assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(63));
        assert_eq!(t.world().serve.index.replicas_running(), 6);
    }

    #[test]
    fn a_replica_that_died_while_the_controller_was_down_is_dropped_at_recovery_and_replaced() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "controller_crash", "at_s": 60 }, { "kind": "replica_crash", "at_s": 61, "target": "SleepyPid#4" }]"#,
        );
        t.run_until(secs(61));
        assert_eq!(t.replica("SleepyPid#4").state, ReplicaState::Running, "nobody checks it yet");
        assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(63));
        t.run_until(secs(63));
        assert_eq!(t.logged_at(secs(60), &["SleepyPid#4", "-> DEAD", "not found at recovery"]), secs(63));
        assert_eq!(t.replica("SleepyPid#7").state, ReplicaState::Starting);
        let running = t.run_until_true(|w| w.serve.replicas[6].state == ReplicaState::Running);
        assert_eq!(running, secs(75));
    }

    #[test]
    fn a_controller_killed_for_good_stays_dead_until_rayservice_resubmits_and_recovers_the_same_application() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "controller_crash", "at_s": 61, "restart": false },
                          { "kind": "replica_crash", "at_s": 61.5, "target": "SleepyPid#4" }]"#,
        );
        t.run_until(secs(61));
        assert_eq!(t.world().serve.controller.state, ControllerState::Gone);
        assert!(t.world().serve.proxies.iter().all(|px| !px.listening), "every long poll got ActorDiedError");
        // Ray never restarts it; the next RayService reconcile (2 s grid) is at 62.
        let restarting = controller_reaches(&mut t, ControllerState::Restarting);
        assert_eq!(restarting, secs(62));
        assert_eq!(t.logged_at(secs(61), &["rayservice", "no Serve application found (no controller)"]), secs(62));
        assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(65));
        // The same application, recovered from its checkpoints: the dead replica is dropped and
        // replaced, the others re-attached; no new generation.
        assert_eq!(t.world().serve.controller.generation, 0);
        assert_eq!(t.logged_at(secs(61), &["SleepyPid#4", "-> DEAD", "not found at recovery"]), secs(65));
        assert_eq!(t.world().serve.index.replicas_running(), 5);
        let running = t.run_until_true(|w| w.serve.index.replicas_running() == 6);
        assert_eq!(running, secs(77));
        // The old proxies never hear of the replacement.
        let replacement = ReplicaId(6);
        assert!(t.world().serve.proxies.iter().all(|px| !px.view.of(DeploymentId(0)).all().contains(&replacement)));
    }

    #[test]
    fn after_a_head_crash_a_controller_killed_for_good_comes_back_through_rayservice_not_ray() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "controller_crash", "at_s": 60.5, "restart": false }, { "kind": "head_pod_crash", "at_s": 61 }]"#,
        );
        // With GCS fault tolerance the actor table comes back from Redis, the actor DEAD for
        // good: the new GCS (up at 76) does not restart it; RayService waits for the new head to
        // be ready (10 s after its Ray started), then submits the config (2 s grid).
        let restarting = controller_reaches(&mut t, ControllerState::Restarting);
        assert!(t.log().contains("GONE -> RESTARTING (new controller started by serve.start)"), "{}", t.log());
        assert!(!t.log().contains("actor restarted by Ray"));
        let gcs_up = t.logged_at(secs(61), &["gcs", "-> UP"]);
        assert_eq!(
            restarting,
            (gcs_up + SimDuration::from_secs(10)).ceil_to_grid(SimTime::ZERO, SimDuration::from_secs(2))
        );
    }

    #[test]
    fn without_gcs_ft_kuberay_resubmits_the_application_once_the_head_is_ready() {
        let mut t = TestWorld::guide(
            r#""cluster": { "gcs_fault_tolerance": false }, "faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#,
        );
        t.run_until(secs(75));
        // The new GCS (up at 75) is a new, empty cluster: no application.
        assert!(!t.world().serve.controller.app_present);
        assert_eq!(t.logged_at(secs(60), &["application", "gone"]), secs(75));
        // The head is ready readiness_initial_delay (10 s) after Ray started on it (75); the
        // RayService reconcile runs on a 2 s grid: the first at or after 85 is 86.
        let restarting = controller_reaches(&mut t, ControllerState::Restarting);
        assert_eq!(restarting, secs(86));
        assert_eq!(t.logged_at(secs(75), &["rayservice", "resubmitting"]), secs(86));
        assert_eq!(t.world().serve.controller.generation, 1);
        assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(89));
        // A new deployment: six new replicas, running after actor start and constructor.
        let all = t.run_until_true(|w| w.serve.index.replicas_running() == 6);
        assert_eq!(all, secs(101));
        assert!(t.world().running_set().iter().all(|r| t.world().serve.replicas[r.ix()].generation == 1));
    }

    #[test]
    fn a_new_deployment_whose_constructors_keep_raising_becomes_deploy_failed_and_answers_503() {
        let mut t = TestWorld::guide(
            r#""cluster": { "gcs_fault_tolerance": false }, "serve": { "num_replicas": 1 },
               "ingress": { "kind": "service" },
               "faults": [{ "kind": "constructor_failure", "at_s": 1, "count": 10 }, { "kind": "head_pod_crash", "at_s": 60 }]"#,
        );
        // Resubmitted at 86, running at 89; each replica raises 12 s after it starts; the budget
        // is min(20, 3 x 1) = 3 failures.
        let failed = t.run_until_true(|w| w.serve.controller.deployments[0].deploy_failed);
        assert_eq!(failed, secs(89 + 3 * 12));
        assert_eq!(t.world().serve.controller.deployments[0].failure_count, 3);
        assert_eq!(t.logged_at(secs(60), &["application", "DEPLOY_FAILED after 3 constructor failures"]), failed);
        t.run_until(failed + SimDuration::from_secs(30));
        assert!(t.world().serve.replicas.iter().all(|r| r.state == ReplicaState::Dead), "no more replacements");
        // Requests the Service sends to the head's proxy (the workers' proxies are gone with
        // their replicas, and their readiness probes have failed) fail at once with 503.
        let late: Vec<_> = t.requests().iter().filter(|r| r.arrival > failed + SimDuration::from_secs(10)).collect();
        assert!(!late.is_empty());
        for r in late {
            assert_eq!((r.end, r.outcome), (r.arrival, Outcome::Failure(FailureCause::DeploymentUnavailable)));
        }
    }

    #[test]
    fn with_gcs_ft_the_controller_lost_with_the_head_restarts_once_the_new_gcs_is_up() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#);
        t.run_until(secs(60));
        assert_eq!(t.world().serve.controller.state, ControllerState::Dead);
        // Ray's restart at 61 finds no GCS; the GCS of head-2 is up at 75.
        assert_eq!(controller_reaches(&mut t, ControllerState::Restarting), secs(75));
        assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(78));
        assert!(t.world().serve.controller.app_present);
        assert_eq!(t.world().serve.controller.generation, 0, "the same application, not resubmitted");
    }

    #[test]
    fn a_hanging_health_check_fails_at_each_timeout_and_the_hung_replica_is_killed_after_the_graceful_budget() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "replica_health_check_failure", "at_s": 60, "target": "SleepyPid#5", "mode": "hang" }]"#,
        );
        let stopping = t.run_until_true(|w| w.serve.replicas[4].state == ReplicaState::Stopping);
        let fail =
            |n: u32| t.logged_at(secs(60), &["SleepyPid#5", &format!("health check timed out ({n} consecutive)")]);
        let (f1, f2, f3) = (fail(1), fail(2), fail(3));
        // A check started within 15 s of 60 s times out 30 s later; the next one starts at the
        // next 5 s sweep and times out 30 s after that.
        assert!(f1 > secs(90) && f1 <= secs(105), "first timeout at {f1}");
        assert_eq!(f2, f1 + SimDuration::from_secs(35));
        assert_eq!(f3, f2 + SimDuration::from_secs(35));
        assert_eq!(stopping, f3);
        // A hung replica never drains: it is killed when graceful_shutdown_timeout (20 s) is over.
        let dead = t.run_until_true(|w| w.serve.replicas[4].state == ReplicaState::Dead);
        assert_eq!(dead, stopping + SimDuration::from_secs(20));
    }
}
