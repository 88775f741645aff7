//! The Serve controller: health checks, replica replacement and migration, constructor retry
//! budget, proxy management, recovery after a restart; and KubeRay's RayService re-submission of
//! the application when a new cluster has none.
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
use crate::sim::ids::{PodId, ReplicaId};
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
}

/// The Serve controller and the deployment state it owns.
#[derive(Clone, Debug)]
pub struct Controller {
    /// Actor state.
    pub state: ControllerState,
    /// Bumped at every restart: health-check timers of an older incarnation are stale.
    pub inc: u32,
    /// The application exists in this cluster (lost with the GCS without fault tolerance).
    pub app_present: bool,
    /// `DEPLOY_FAILED`: the retry budget ran out before any replica started.
    pub deploy_failed: bool,
    /// Constructor failures counted against the budget.
    pub failure_count: u32,
    /// Some replica of this deployment version has started.
    pub ever_started: bool,
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
    /// A running controller of a deployed application.
    pub fn new() -> Self {
        Controller {
            state: ControllerState::Running,
            inc: 1,
            app_present: true,
            deploy_failed: false,
            failure_count: 0,
            ever_started: true,
            sweep_anchor: SimTime::ZERO,
            fault: None,
            resubmit_pending: false,
            generation: 0,
        }
    }
}

impl Default for Controller {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// True when the controller runs its loop.
    pub(crate) fn controller_running(&self) -> bool {
        self.controller.state == ControllerState::Running
    }

    fn set_controller_state(&mut self, state: ControllerState, why: &str) {
        let label = |s| match s {
            ControllerState::Running => "RUNNING",
            ControllerState::Dead => "DEAD",
            ControllerState::Restarting => "RESTARTING",
        };
        let from = self.controller.state;
        self.controller.state = state;
        self.log(
            Component::Controller,
            "serve-controller",
            format_args!("{} -> {} ({why})", label(from), label(state)),
        );
        self.levels_dirty = true;
    }

    /// The controller actor dies. Ray notices after `noticed_after` (the raylet's scan for a
    /// dead process; zero for `ray.kill`, which goes through the GCS) and restarts it
    /// (max_restarts = -1).
    pub(crate) fn controller_dies(&mut self, cause: Cause, noticed_after: SimDuration) {
        if self.controller.state == ControllerState::Dead {
            return;
        }
        self.controller.inc += 1;
        self.controller.fault = cause.fault();
        self.set_controller_state(ControllerState::Dead, &cause.describe());
        self.schedule_in(noticed_after, Event::ControllerRestart);
    }

    /// Ray restarts the controller on the head, if the GCS and the head raylet are up.
    pub(crate) fn on_controller_restart(&mut self) {
        if self.controller.state != ControllerState::Dead || !self.controller.app_present {
            return;
        }
        if let Some(f) = self.controller.fault.take() {
            self.detect(f);
        }
        let head_alive = self.head.is_some_and(|h| matches!(self.pods[h.ix()].raylet, Raylet::Alive { .. }));
        if !self.gcs_up() || !head_alive {
            return; // retried when the GCS comes back (serve_on_gcs_up)
        }
        self.controller.inc += 1;
        self.set_controller_state(ControllerState::Restarting, "actor restarted by Ray");
        let delay = self.scenario.timings.actor_start + self.scenario.timings.controller_recovery;
        let inc = self.controller.inc;
        self.schedule_in(delay, Event::ControllerReady { inc });
    }

    /// The controller has recovered: live replicas are re-attached, dead ones dropped (and
    /// replaced), proxies re-checked, routing tables pushed.
    pub(crate) fn on_controller_ready(&mut self, inc: u32) {
        if inc != self.controller.inc || self.controller.state != ControllerState::Restarting {
            return;
        }
        let how = if self.controller.ever_started { "state recovered from the GCS" } else { "new application" };
        self.set_controller_state(ControllerState::Running, how);
        self.controller.sweep_anchor = self.now;
        for i in 0..self.replicas.len() {
            let r = ReplicaId(i as u32);
            let rep = &self.replicas[i];
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
        for i in 0..self.proxies.len() {
            let p = crate::sim::ids::ProxyId(i as u32);
            let px = &self.proxies[i];
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
        let fresh_cluster = !self.scenario.cluster.gcs_fault_tolerance && self.controller.app_present;
        if fresh_cluster {
            self.controller.app_present = false;
            self.controller.inc += 1;
            if self.controller.state != ControllerState::Dead {
                self.set_controller_state(ControllerState::Dead, "cluster state lost");
            }
            // Actors of the old cluster on workers that are not rejected yet keep serving with
            // what they have; the new application will not count them (other generation).
            for i in 0..self.replicas.len() {
                if !self.replicas[i].actor_alive && self.replicas[i].state != ReplicaState::Dead {
                    self.set_replica_state(ReplicaId(i as u32), ReplicaState::Dead, "cluster state lost");
                }
            }
            for i in 0..self.proxies.len() {
                if !self.proxies[i].actor_alive {
                    self.set_proxy_state(crate::sim::ids::ProxyId(i as u32), ProxyState::Removed, "cluster state lost");
                }
            }
            self.log(Component::Serve, "application", format_args!("gone (the new GCS has no Serve application)"));
        }
        if !self.controller.app_present {
            if !self.controller.resubmit_pending {
                self.controller.resubmit_pending = true;
                let next = self.now.ceil_to_grid(SimTime::ZERO, self.scenario.timings.rayservice_reconcile);
                self.schedule_at(next, Event::RayServiceReconcile);
            }
        } else if self.controller.state == ControllerState::Dead {
            self.schedule_in(SimDuration::ZERO, Event::ControllerRestart);
        }
    }

    /// KubeRay's RayService reconcile (every 2 s): once the head is ready and the cluster has no
    /// Serve application, it submits the Serve config again; Serve starts a controller.
    pub(crate) fn on_rayservice_reconcile(&mut self) {
        self.controller.resubmit_pending = false;
        if self.controller.app_present {
            return;
        }
        let head_ready = self.head.is_some_and(|h| matches!(self.pods[h.ix()].raylet, Raylet::Alive { .. }))
            && kuberay::head_ready(self.now, self.head_ray_started_at, &self.scenario.timings);
        if self.gcs_up() && head_ready {
            self.log(
                Component::Kuberay,
                "rayservice",
                format_args!("no Serve application found; resubmitting the Serve config"),
            );
            let c = &mut self.controller;
            c.app_present = true;
            c.generation += 1;
            c.deploy_failed = false;
            c.failure_count = 0;
            c.ever_started = false;
            c.inc += 1;
            self.rebuild_serve_index();
            self.set_controller_state(ControllerState::Restarting, "started by serve.run");
            let delay = self.scenario.timings.actor_start + self.scenario.timings.controller_recovery;
            let inc = self.controller.inc;
            self.schedule_in(delay, Event::ControllerReady { inc });
        } else {
            self.controller.resubmit_pending = true;
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
            && !self.proxies[p.ix()].actor_alive
        {
            if let Some(f) = self.proxies[p.ix()].fault {
                self.detect(f);
            }
            self.set_proxy_state(p, ProxyState::Removed, "its node is dead");
        }
        self.request_reconcile();
    }

    /// Ray 2.60 drains a deleted pod's node: replicas there are migrated make-before-break,
    /// its proxy drains.
    pub(crate) fn serve_node_draining(&mut self, pod: PodId) {
        for r in self.serve_index.replicas_hosted_on(pod) {
            let rep = &self.replicas[r.ix()];
            if !rep.actor_alive {
                continue;
            }
            match rep.state {
                ReplicaState::Running => {
                    self.update_replica(r, |rep| rep.migrating = true);
                    self.log(
                        Component::Replica,
                        &self.replicas[r.ix()].name.clone(),
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
        if !self.tick_pending {
            self.tick_pending = true;
            self.schedule_in(SimDuration::ZERO, Event::ControllerTick);
        }
    }

    /// The controller's control loop, run after every change that may need it: replace missing
    /// replicas (unless DEPLOY_FAILED), finish migrations, place pending replicas, manage proxies.
    pub(crate) fn reconcile(&mut self) {
        if !self.controller_running() || !self.gcs_up() {
            return;
        }
        let target = self.scenario.serve.num_replicas as usize;
        let active = self.serve_index.replicas_active();
        if !self.controller.deploy_failed && active < target {
            let mut pool = self.placement_pool();
            for _ in active..target {
                self.new_replica(&mut pool);
            }
        }
        if self.serve_index.replicas_settled() >= target {
            for r in self.serve_index.replicas_migrating() {
                self.stop_replica(r, "migrated off the draining node");
            }
        }
        let pending = self.serve_index.replicas_pending();
        if !pending.is_empty() {
            let mut pool = self.placement_pool();
            for r in pending {
                self.place_replica(r, &mut pool);
            }
        }
        self.reconcile_proxies();
    }

    /// Schedules the next health check of `r`, at least `min_gap` from now: after
    /// `period x U(0.9, 1.1)`, snapped up to the controller's sweep grid.
    pub(crate) fn schedule_health_check_after(&mut self, r: ReplicaId, min_gap: SimDuration) {
        let period = self.scenario.serve.health_check_period;
        let jitter = crate::scenario::defaults::HEALTH_CHECK_JITTER_PERCENT;
        let lo = period.scale(100 - jitter, 100).as_micros();
        let hi = period.scale(100 + jitter, 100).as_micros();
        let gap = if min_gap == SimDuration::ZERO {
            SimDuration::from_micros(self.rng.health.range_inclusive(lo, hi))
        } else {
            min_gap
        };
        let due = (self.now + gap).ceil_to_grid(self.controller.sweep_anchor, self.scenario.serve.health_check_sweep());
        let rep = &mut self.replicas[r.ix()];
        rep.hc_seq += 1;
        let check = rep.hc_seq;
        let ctl_inc = self.controller.inc;
        self.schedule_at(due, Event::ReplicaHealthCheck { replica: r, ctl_inc, check });
    }

    fn health_check_is_current(&self, r: ReplicaId, ctl_inc: u32, check: u32) -> bool {
        let rep = &self.replicas[r.ix()];
        ctl_inc == self.controller.inc
            && self.controller_running()
            && rep.hc_seq == check
            && rep.state == ReplicaState::Running
    }

    /// One controller -> replica health check.
    pub(crate) fn on_replica_health_check(&mut self, r: ReplicaId, ctl_inc: u32, check: u32) {
        if !self.health_check_is_current(r, ctl_inc, check) {
            return;
        }
        let rep = &self.replicas[r.ix()];
        let unreachable = rep.pod.is_some_and(|p| self.pods[p.ix()].unreachable_since.is_some());
        if !rep.actor_alive && (rep.death_known || !unreachable) {
            self.replica_unhealthy(r, "health check: actor died", false);
            return;
        }
        let mode = rep.health_mode();
        // The faults that make this check fail are credited with it now: a hanging check
        // fails at its timeout even if the fault has ended by then.
        let culprits = rep.health_mode_faults();
        let streak = &mut self.replicas[r.ix()].hc_faults;
        for f in culprits {
            if !streak.contains(&f) {
                streak.push(f);
            }
        }
        if !self.replicas[r.ix()].actor_alive || mode == Some(HealthMode::Hang) {
            let timeout = self.scenario.serve.health_check_timeout;
            self.schedule_in(timeout, Event::ReplicaHealthCheckTimeout { replica: r, ctl_inc, check });
            return;
        }
        if mode == Some(HealthMode::Raise) {
            self.health_check_failed(r, "check_health raised", false);
        } else {
            let rep = &mut self.replicas[r.ix()];
            rep.hc_failures = 0;
            rep.hc_faults.clear();
            self.schedule_health_check_after(r, SimDuration::ZERO);
        }
    }

    /// A hanging health check hit its timeout.
    pub(crate) fn on_replica_health_check_timeout(&mut self, r: ReplicaId, ctl_inc: u32, check: u32) {
        if !self.health_check_is_current(r, ctl_inc, check) {
            return;
        }
        let rep = &self.replicas[r.ix()];
        if !rep.actor_alive && rep.death_known {
            self.replica_unhealthy(r, "health check: actor died", false);
        } else {
            self.health_check_failed(r, "health check timed out", true);
        }
    }

    /// Counts a failed check. After a raising check the next one waits a period as usual; after
    /// a timed-out one the period has already passed, so it starts at the next sweep.
    fn health_check_failed(&mut self, r: ReplicaId, why: &str, timed_out: bool) {
        let rep = &mut self.replicas[r.ix()];
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
        if let Some(f) = self.replicas[r.ix()].fault {
            self.detect(f);
        } else {
            for f in self.replicas[r.ix()].hc_faults.clone() {
                self.detect(f);
            }
        }
        if graceful && self.replicas[r.ix()].actor_alive {
            self.stop_replica(r, &format!("unhealthy: {why}"));
        } else {
            self.set_replica_state(r, ReplicaState::Dead, &format!("unhealthy: {why}"));
            self.request_broadcast();
        }
        self.request_reconcile();
    }

    /// A constructor raised: the failure counts against the budget; a deployment that never
    /// started a replica becomes DEPLOY_FAILED when the budget is spent.
    pub(crate) fn on_constructor_failed(&mut self, fault: usize) {
        self.detect(fault);
        let c = &mut self.controller;
        c.failure_count += 1;
        let threshold = self.scenario.serve.failed_to_start_threshold();
        if !c.ever_started && c.failure_count >= threshold && !c.deploy_failed {
            c.deploy_failed = true;
            let n = c.failure_count;
            self.log(Component::Serve, "application", format_args!("DEPLOY_FAILED after {n} constructor failures"));
            self.serve_waiting_requests();
        }
    }

    /// A replica reached RUNNING: the version has started; a healthy deployment resets the
    /// failure counter.
    pub(crate) fn on_replica_running(&mut self) {
        self.controller.ever_started = true;
        if self.serve_index.replicas_running() >= self.scenario.serve.num_replicas {
            self.controller.failure_count = 0;
        }
    }
}
