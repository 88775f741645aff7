//! Replica health checks and what the controller does with a replica that fails them.
//!
//! Health checks follow Ray 2.60: a check starts when `period x U(0.9, 1.1)` has passed since the
//! last one, but the controller looks at each replica only once per sweep of
//! `0.5 x min(period, 10 s)`, so check times snap up to that grid. A dead actor fails its check
//! at once and is replaced in the same tick; a raising `check_health` needs 3 consecutive
//! failures; a hanging one times out after `health_check_timeout_s` per attempt.

use crate::engine::SimDuration;
use crate::journal::Component;
use crate::scenario::HealthMode;
use crate::sim::event::Event;
use crate::sim::ids::ReplicaId;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::World;

impl World {
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
}
