//! Serve replicas: placement (soft spread, optional per-node cap), construction (with injected
//! constructor failures), graceful stop and death.
//!
//! Two views of a replica are kept apart on purpose: `state` is what the Serve controller
//! believes (`STARTING`, `RUNNING`, ...), `actor_alive` is the truth. A crashed replica stays
//! `RUNNING` in the controller's eyes until a health check finds it dead.

use crate::engine::SimDuration;
use crate::journal::Component;
use crate::metrics::observations::FailureCause;
use crate::scenario::{Deployment, HealthMode, Resources};

use crate::sim::event::Event;
use crate::sim::ids::{DeploymentId, PodId, ReplicaId, ReqId};
use crate::sim::serve::placement::PlacementPool;
use crate::sim::serve::routing_table::Broadcast;
use crate::sim::world::{Cause, World};

/// The controller's view of a replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// No node has room (or the GCS is down); waiting to be scheduled.
    PendingAllocation,
    /// Actor starting, constructor running.
    Starting,
    /// Serving.
    Running,
    /// Draining before exit.
    Stopping,
    /// Gone for the controller.
    Dead,
}

impl ReplicaState {
    /// Upper-case name, as Serve prints it.
    pub fn label(self) -> &'static str {
        match self {
            ReplicaState::PendingAllocation => "PENDING_ALLOCATION",
            ReplicaState::Starting => "STARTING",
            ReplicaState::Running => "RUNNING",
            ReplicaState::Stopping => "STOPPING",
            ReplicaState::Dead => "DEAD",
        }
    }
}

/// One Serve replica.
#[derive(Clone, Debug)]
pub struct Replica {
    /// `<deployment>#<n>`.
    pub name: String,
    /// Its deployment.
    pub deployment: DeploymentId,
    /// The pod it was placed on.
    pub pod: Option<PodId>,
    /// The controller's view.
    pub state: ReplicaState,
    /// The actor process exists.
    pub actor_alive: bool,
    /// Its constructor has returned.
    pub constructed: bool,
    /// Bumped when pending timers become stale.
    pub inc: u32,
    /// Injected `check_health` failures in force, with their fault numbers, in injection order.
    /// Overlapping faults each end on their own.
    pub health_faults: Vec<(HealthMode, usize)>,
    /// Consecutive failed health checks.
    pub hc_failures: u32,
    /// The faults that made those consecutive checks fail (credited when the controller gives
    /// up on the replica, even if they have ended since).
    pub hc_faults: Vec<usize>,
    /// Sequence number of the current health check.
    pub hc_seq: u32,
    /// Requests it is working on.
    pub ongoing: Vec<ReqId>,
    /// On a draining node: keeps serving until its replacement runs.
    pub migrating: bool,
    /// The fault that killed or sickened it.
    pub fault: Option<usize>,
    /// Its death is published (false while it sits on an unreachable node).
    pub death_known: bool,
    /// The application submission it belongs to (see `Controller::generation`).
    pub generation: u32,
}

impl Replica {
    /// How its `check_health` misbehaves now, if at all: a hang wins over a raise (a call that
    /// never returns cannot raise).
    pub fn health_mode(&self) -> Option<HealthMode> {
        let modes = || self.health_faults.iter().map(|&(m, _)| m);
        modes().find(|&m| m == HealthMode::Hang).or_else(|| modes().next())
    }

    /// The faults behind the misbehaviour in force (those of [`Self::health_mode`]).
    pub fn health_mode_faults(&self) -> Vec<usize> {
        let mode = self.health_mode();
        self.health_faults.iter().filter(|&&(m, _)| Some(m) == mode).map(|&(_, f)| f).collect()
    }
}

impl World {
    /// Creates a replica of deployment `d` and places it on a pod of `pool` (that deployment's
    /// candidates) if possible.
    pub(crate) fn new_replica(&mut self, d: DeploymentId, pool: &mut PlacementPool) -> ReplicaId {
        self.serve.replicas_created[d.ix()] += 1;
        let id = ReplicaId(self.serve.replicas.len() as u32);
        let created = self.serve.replicas_created[d.ix()];
        let name = format!("{}#{created}", self.scenario.serve.applications[d.ix()].deployment.name);
        self.serve.replicas.push(Replica {
            name,
            deployment: d,
            pod: None,
            state: ReplicaState::PendingAllocation,
            actor_alive: false,
            constructed: false,
            inc: 0,
            health_faults: Vec::new(),
            hc_failures: 0,
            hc_faults: Vec::new(),
            hc_seq: 0,
            ongoing: Vec::new(),
            migrating: false,
            fault: None,
            death_known: true,
            generation: self.serve.controller.generation,
        });
        self.index_new_replica(id);
        self.place_replica(id, pool);
        id
    }

    /// Sets the controller's view and logs it.
    pub(crate) fn set_replica_state(&mut self, r: ReplicaId, state: ReplicaState, why: &str) {
        let from = self.serve.replicas[r.ix()].state;
        self.update_replica(r, |rep| rep.state = state);
        let rep = &self.serve.replicas[r.ix()];
        let name = rep.name.clone();
        let on = rep.pod.map(|p| self.k8s.pods[p.ix()].name.clone()).unwrap_or_else(|| "-".to_string());
        self.log(Component::Replica, &name, format_args!("{} -> {} on {on} ({why})", from.label(), state.label()));
        self.observed.levels_dirty = true;
    }

    /// Soft SPREAD: among pods with room, the one with the fewest replicas; ties broken by the
    /// placement stream. `max_replicas_per_node` is a hard cap; CPUs are a hard limit. `pool`
    /// holds the candidates (`World::placement_pool`).
    pub(crate) fn place_replica(&mut self, r: ReplicaId, pool: &mut PlacementPool) {
        if !self.gcs_up() || self.serve.replicas[r.ix()].state != ReplicaState::PendingAllocation {
            return;
        }
        let Some(pod) = pool.pick(&mut self.rng.placement) else { return };
        self.update_replica(r, |rep| {
            rep.pod = Some(pod);
            rep.actor_alive = true;
            rep.inc += 1;
        });
        let inc = self.serve.replicas[r.ix()].inc;
        self.set_replica_state(r, ReplicaState::Starting, "scheduled");
        let delay = self.scenario.timings.actor_start + self.deployment_of(r).constructor;
        self.schedule_in(delay, Event::ReplicaConstructed { replica: r, inc });
    }

    /// The constructor returned or raised.
    pub(crate) fn on_replica_constructed(&mut self, r: ReplicaId, inc: u32) {
        let rep = &self.serve.replicas[r.ix()];
        if rep.inc != inc || !rep.actor_alive || rep.state != ReplicaState::Starting {
            return;
        }
        if let Some(fault) = self.constructor_should_fail() {
            self.update_replica(r, |rep| rep.actor_alive = false);
            self.set_replica_state(r, ReplicaState::Dead, &format!("constructor raised (fault #{fault})"));
            self.on_constructor_failed(self.serve.replicas[r.ix()].deployment, fault);
            self.request_reconcile();
            return;
        }
        self.serve.replicas[r.ix()].constructed = true;
        self.set_replica_state(r, ReplicaState::Running, "constructor returned");
        self.schedule_health_check_after(r, SimDuration::ZERO);
        self.on_replica_running(self.serve.replicas[r.ix()].deployment);
        self.request_broadcast();
        self.request_reconcile();
    }

    /// The replica's actor dies. Its in-flight requests fail at once, unless its node is
    /// unreachable: then they hang until the GCS publishes the death.
    pub(crate) fn kill_replica_actor(&mut self, r: ReplicaId, cause: Cause, unreachable: bool) {
        if !self.serve.replicas[r.ix()].actor_alive {
            return;
        }
        let pod_fault = self.serve.replicas[r.ix()].pod.and_then(|p| self.k8s.pods[p.ix()].fault);
        self.update_replica(r, |rep| {
            rep.actor_alive = false;
            rep.inc += 1;
            rep.death_known = !unreachable;
            rep.fault = cause.fault().or(pod_fault).or(rep.fault);
        });
        let rep = &self.serve.replicas[r.ix()];
        let name = rep.name.clone();
        let state = rep.state;
        self.log(Component::Replica, &name, format_args!("actor DEAD while {} ({})", state.label(), cause.describe()));
        self.observed.levels_dirty = true;
        if state == ReplicaState::Starting || state == ReplicaState::PendingAllocation {
            // A replica that never ran is dropped by the controller on its next tick.
            self.set_replica_state(r, ReplicaState::Dead, "died while starting");
            self.request_reconcile();
        }
        if state == ReplicaState::Stopping {
            self.set_replica_state(r, ReplicaState::Dead, "stopped");
        }
        if !unreachable {
            self.fail_replica_requests(r);
        }
        if let Some(pod) = self.serve.replicas[r.ix()].pod {
            self.maybe_finish_drain(pod);
        }
        self.room_may_have_appeared();
    }

    /// Called when what can be placed may have changed (a raylet registered, an actor exited and
    /// freed its slot): pending replicas get a control-loop iteration. In Ray 2.60 a
    /// `PENDING_ALLOCATION` replica is an actor Ray has not placed yet; `max_replicas_per_node`
    /// is a synthetic per-node resource each replica asks `1 / max` of (Serve guide
    /// `doc/source/serve/advanced-guides/replica-scheduling.md`), so Ray's actor scheduler places
    /// it as soon as a node frees one or joins, and the controller, which loops every 0.1 s
    /// (`CONTROL_LOOP_INTERVAL_S`), sees it start.
    pub(crate) fn room_may_have_appeared(&mut self) {
        if self.serve.index.any_pending() {
            self.request_reconcile();
        }
    }

    /// Fails every request the replica was serving (HTTP 500).
    pub(crate) fn fail_replica_requests(&mut self, r: ReplicaId) {
        let ongoing = std::mem::take(&mut self.serve.replicas[r.ix()].ongoing);
        for req in ongoing {
            self.fail_request(req, FailureCause::ReplicaDied);
        }
    }

    /// The GCS published the death of actors on an unreachable node: their calls fail now.
    pub(crate) fn release_hanging_calls(&mut self, pod: PodId) {
        for r in self.serve.index.replicas_hosted_on(pod) {
            let rep = &self.serve.replicas[r.ix()];
            if !rep.actor_alive && !rep.death_known {
                self.serve.replicas[r.ix()].death_known = true;
                self.fail_replica_requests(r);
            }
        }
    }

    /// Graceful stop: out of the routing table at once, drain (first poll after the wait loop),
    /// forced kill after the graceful shutdown timeout.
    pub(crate) fn stop_replica(&mut self, r: ReplicaId, why: &str) {
        self.set_replica_state(r, ReplicaState::Stopping, why);
        self.request_broadcast();
        if !self.serve.replicas[r.ix()].actor_alive {
            self.set_replica_state(r, ReplicaState::Dead, "already dead");
            return;
        }
        let timeout = self.deployment_of(r).graceful_shutdown_timeout;
        let poll = crate::scenario::defaults::GRACEFUL_SHUTDOWN_WAIT_LOOP.min(timeout);
        self.schedule_in(poll, Event::ReplicaDrainPoll { replica: r });
        self.schedule_in(timeout, Event::ReplicaForceStop { replica: r });
    }

    /// Drain poll: exits once no request is in flight (a hung replica never drains).
    pub(crate) fn on_replica_drain_poll(&mut self, r: ReplicaId) {
        let rep = &self.serve.replicas[r.ix()];
        if rep.state != ReplicaState::Stopping || !rep.actor_alive {
            return;
        }
        let hung = rep.health_mode() == Some(HealthMode::Hang);
        if rep.ongoing.is_empty() && !hung {
            self.kill_replica_actor(r, Cause::Stopped, false);
        } else {
            self.schedule_in(
                crate::scenario::defaults::GRACEFUL_SHUTDOWN_WAIT_LOOP,
                Event::ReplicaDrainPoll { replica: r },
            );
        }
    }

    /// Graceful budget over: `ray.kill`.
    pub(crate) fn on_replica_force_stop(&mut self, r: ReplicaId) {
        let rep = &self.serve.replicas[r.ix()];
        if rep.state == ReplicaState::Stopping && rep.actor_alive {
            self.kill_replica_actor(r, Cause::Stopped, false);
        }
    }

    /// The routing update the controller pushes to proxies: its running set, per deployment.
    pub(crate) fn broadcast(&self) -> Broadcast {
        let mut running = vec![Vec::new(); self.scenario.serve.applications.len()];
        for r in self.running_set() {
            running[self.serve.replicas[r.ix()].deployment.ix()].push(r);
        }
        Broadcast::new(running, |r| self.serve.replicas[r.ix()].pod)
    }

    /// The set of replicas the controller broadcasts to routers (its own applications').
    pub(crate) fn running_set(&self) -> Vec<ReplicaId> {
        let generation = self.serve.controller.generation;
        (0..self.serve.replicas.len())
            .map(|i| ReplicaId(i as u32))
            .filter(|r| {
                let rep = &self.serve.replicas[r.ix()];
                rep.state == ReplicaState::Running && rep.generation == generation
            })
            .collect()
    }

    /// The options of replica `r`'s deployment.
    pub(crate) fn deployment_of(&self, r: ReplicaId) -> &Deployment {
        &self.scenario.serve.applications[self.serve.replicas[r.ix()].deployment.ix()].deployment
    }

    /// What replica `r` needs of a pod (its deployment's `ray_actor_options`): with
    /// [`crate::sim::serve::index::ServeIndex::replicas_pending`], the demand of the replicas
    /// that fit nowhere yet.
    pub fn replica_resources(&self, r: ReplicaId) -> &Resources {
        &self.deployment_of(r).replica_resources
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::sim::testing::{TestWorld, secs};

    /// The first time after `from` that replica `name` exists in `state`.
    fn reaches(t: &mut TestWorld, name: &str, state: ReplicaState) -> SimTime {
        t.run_until_true(|w| w.serve.replicas.iter().any(|r| r.name == name && r.state == state))
    }

    #[test]
    fn a_crashed_replica_is_found_at_its_next_health_check_and_replaced_after_actor_start_and_constructor() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "replica_crash", "at_s": 60, "target": "SleepyPid#3" }]"#);
        t.run_until(secs(60));
        let r = t.replica("SleepyPid#3");
        // The controller still believes it runs.
        assert_eq!((r.actor_alive, r.state), (false, ReplicaState::Running));
        let found = reaches(&mut t, "SleepyPid#3", ReplicaState::Dead);
        // Checks come every 10 s x U(0.9, 1.1), snapped up to the 5 s sweep grid: within 15 s.
        assert!(found > secs(60) && found <= secs(75), "found dead at {found}");
        assert_eq!(t.logged_at(found, &["SleepyPid#3", "RUNNING -> DEAD", "health check: actor died"]), found);
        t.run_until(found);
        assert_eq!(t.replica("SleepyPid#7").state, ReplicaState::Starting);
        // actor_start 2 s + the constructor's 10 s.
        assert_eq!(reaches(&mut t, "SleepyPid#7", ReplicaState::Running), found + SimDuration::from_secs(12));
    }

    #[test]
    fn three_raising_health_checks_make_a_replica_unhealthy_it_stops_gracefully_and_is_replaced() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "replica_health_check_failure", "at_s": 60, "target": "SleepyPid#2", "mode": "raise" }]"#,
        );
        let stopping = reaches(&mut t, "SleepyPid#2", ReplicaState::Stopping);
        let fails: Vec<SimTime> = (1..=3)
            .map(|n| t.logged_at(secs(60), &["SleepyPid#2", &format!("check_health raised ({n} consecutive)")]))
            .collect();
        assert!(fails[0] > secs(60) && fails[0] <= secs(75));
        for gap in [fails[1].saturating_since(fails[0]), fails[2].saturating_since(fails[1])] {
            assert!(gap == SimDuration::from_secs(10) || gap == SimDuration::from_secs(15), "gap {gap}");
        }
        assert_eq!(stopping, fails[2]);
        t.run_until(stopping);
        assert_eq!(t.replica("SleepyPid#7").state, ReplicaState::Starting, "replaced in the same tick");
        // Idle, it drains at the first poll, 2 s later.
        assert_eq!(reaches(&mut t, "SleepyPid#2", ReplicaState::Dead), stopping + SimDuration::from_secs(2));
        assert_eq!(reaches(&mut t, "SleepyPid#7", ReplicaState::Running), stopping + SimDuration::from_secs(12));
    }

    #[test]
    fn a_raising_constructor_kills_the_new_replica_and_the_controller_starts_another() {
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "constructor_failure", "at_s": 59, "count": 1 },
                           { "kind": "replica_crash", "at_s": 60, "target": "SleepyPid#1" }]"#,
        );
        let started = reaches(&mut t, "SleepyPid#7", ReplicaState::Starting);
        let raised = reaches(&mut t, "SleepyPid#7", ReplicaState::Dead);
        assert_eq!(raised, started + SimDuration::from_secs(12));
        assert_eq!(t.logged_at(raised, &["SleepyPid#7", "constructor raised (fault #0)"]), raised);
        assert_eq!(t.world().serve.controller.deployments[0].failure_count, 1);
        // The count is spent: the next replacement starts in the same tick and runs.
        assert_eq!(reaches(&mut t, "SleepyPid#8", ReplicaState::Running), raised + SimDuration::from_secs(12));
        assert_eq!(t.world().serve.controller.deployments[0].failure_count, 0, "reset once the target runs");
    }

    #[test]
    fn a_replica_s_death_fails_the_requests_it_was_serving() {
        let mut t =
            TestWorld::new(r#"{ "traffic": { "rate_per_s": 1, "service_time": { "kind": "constant", "s": 30 } } }"#);
        t.run_until(secs(10));
        let r = t.world().serve.replicas.iter().position(|r| !r.ongoing.is_empty()).expect("a busy replica");
        let id = ReplicaId(r as u32);
        let serving = t.world().serve.replicas[r].ongoing.clone();
        assert!(!serving.is_empty());
        t.world_mut().kill_replica_actor(id, Cause::Stopped, false);
        assert!(t.world().serve.replicas[r].ongoing.is_empty());
        for req in serving {
            let rec = t.world().req(req).record.expect("finished");
            assert_eq!(
                (rec.end, rec.outcome),
                (secs(10), crate::metrics::observations::Outcome::Failure(FailureCause::ReplicaDied))
            );
        }
    }
}
