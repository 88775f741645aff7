//! Ray core: the GCS (with or without fault tolerance), its external Redis, and the raylets'
//! registration, reconnection and exit.
//!
//! GCS fault tolerance: the GCS keeps its tables in Redis, so a new GCS resumes the same cluster
//! (same cluster id) and raylets that waited for it reconnect. Without it every new GCS starts a
//! new, empty cluster; raylets of the old one are rejected as unknown and exit. A raylet that
//! cannot reach a GCS for its reconnect timeout exits either way.

use super::event::Event;
use super::ids::PodId;
use super::k8s::{PodPhase, PodRole, Raylet};
use super::world::{Cause, World};
use crate::engine::{SimDuration, SimTime};
use crate::journal::Component;
use crate::policy::redis;

/// The GCS process on the head pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcsState {
    /// Serving cluster `cluster`.
    Up { cluster: u32 },
    /// Not running.
    Down,
    /// Started, waiting for Redis until `deadline` (GCS fault tolerance only).
    WaitingForRedis { deadline: SimTime },
}

/// The GCS and the state that survives it in Redis.
#[derive(Clone, Debug)]
pub struct Gcs {
    /// Current state.
    pub state: GcsState,
    /// Bumped at every start and crash; stale timers compare it.
    pub inc: u32,
    /// Cluster ids handed out so far (a fresh GCS without fault tolerance takes the next one).
    pub clusters_created: u32,
    /// The cluster id kept in Redis (GCS fault tolerance).
    pub stored_cluster: u32,
}

/// The external Redis.
#[derive(Clone, Debug)]
pub struct Redis {
    /// Outages in progress (faults and a lost Redis node can overlap).
    pub outages: u32,
}

/// Ray core's cluster-wide state: the GCS, its Redis, and when the head last started Ray.
#[derive(Clone, Debug)]
pub struct RayCore {
    /// The GCS.
    pub gcs: Gcs,
    /// The external Redis (GCS fault tolerance).
    pub redis: Redis,
    /// When `ray start` last finished on the head (KubeRay's readiness delay counts from it).
    pub head_ray_started_at: SimTime,
}

impl RayCore {
    /// A GCS up with cluster 1 (stored in Redis) and Redis up.
    pub fn new() -> Self {
        RayCore {
            gcs: Gcs { state: GcsState::Up { cluster: 1 }, inc: 1, clusters_created: 1, stored_cluster: 1 },
            redis: Redis { outages: 0 },
            head_ray_started_at: SimTime::ZERO,
        }
    }
}

impl Default for RayCore {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// True when the GCS answers.
    pub fn gcs_up(&self) -> bool {
        matches!(self.ray.gcs.state, GcsState::Up { .. })
    }

    /// True when Redis answers.
    pub fn redis_up(&self) -> bool {
        self.ray.redis.outages == 0
    }

    fn set_gcs_state(&mut self, state: GcsState, why: &str) {
        let label = |s: GcsState| match s {
            GcsState::Up { cluster } => format!("UP(cluster {cluster})"),
            GcsState::Down => "DOWN".to_string(),
            GcsState::WaitingForRedis { .. } => "WAITING_FOR_REDIS".to_string(),
        };
        let from = label(self.ray.gcs.state);
        self.ray.gcs.state = state;
        let to = label(state);
        self.log(Component::Gcs, "gcs", format_args!("{from} -> {to} ({why})"));
        self.observed.levels_dirty = true;
    }

    /// `ray start` finished in `pod`: the head starts its GCS; a worker's raylet registers.
    pub(super) fn on_ray_started(&mut self, pod: PodId) {
        match self.k8s.pods[pod.ix()].role {
            PodRole::Head => {
                self.k8s.pods[pod.ix()].raylet = Raylet::Starting;
                self.ray.head_ray_started_at = self.now;
                self.gcs_start();
            }
            PodRole::Worker(_) => {
                self.k8s.pods[pod.ix()].raylet = Raylet::Starting;
                if let GcsState::Up { cluster } = self.ray.gcs.state {
                    self.register_raylet(pod, cluster, "registered with the GCS");
                }
            }
        }
    }

    fn register_raylet(&mut self, pod: PodId, cluster: u32, why: &str) {
        self.k8s.pods[pod.ix()].raylet = Raylet::Alive { cluster };
        let name = self.k8s.pods[pod.ix()].name.clone();
        self.log(Component::Raylet, &name, format_args!("ALIVE in cluster {cluster} ({why})"));
        self.observed.levels_dirty = true;
        self.room_may_have_appeared();
    }

    /// The head's GCS process starts: with fault tolerance it must load its tables from Redis.
    fn gcs_start(&mut self) {
        self.ray.gcs.inc += 1;
        if !self.scenario.cluster.gcs_fault_tolerance {
            self.ray.gcs.clusters_created += 1;
            let cluster = self.ray.gcs.clusters_created;
            self.gcs_become_up(cluster, "new empty cluster (no GCS fault tolerance)");
        } else if self.redis_up() {
            let cluster = self.ray.gcs.stored_cluster;
            self.gcs_become_up(cluster, "tables loaded from Redis");
        } else {
            let deadline = self.now + self.scenario.timings.gcs_redis_connect_window;
            self.set_gcs_state(GcsState::WaitingForRedis { deadline }, "Redis unreachable");
            let gcs_inc = self.ray.gcs.inc;
            self.schedule_at(deadline, Event::GcsRedisWaitExpired { gcs_inc });
        }
    }

    fn gcs_become_up(&mut self, cluster: u32, why: &str) {
        self.set_gcs_state(GcsState::Up { cluster }, why);
        if let Some(head) = self.k8s.head {
            self.register_raylet(head, cluster, "head raylet");
        }
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            match self.k8s.pods[i].raylet {
                Raylet::Disconnected { cluster: c, .. } if c == cluster => {
                    self.register_raylet(pod, cluster, "reconnected to the restarted GCS");
                }
                Raylet::Disconnected { .. } => {
                    // Without fault tolerance the new GCS does not know the old nodes: each is
                    // rejected when its next reconnection attempt reaches the new GCS, at a
                    // uniformly drawn point of its retry cycle.
                    let inc = self.k8s.pods[i].inc;
                    let most = self.scenario.timings.stale_raylet_rejection.as_micros();
                    let delay = SimDuration::from_micros(self.rng.reconnect.range_inclusive(0, most));
                    self.schedule_in(delay, Event::StaleRayletRejected { pod, inc });
                }
                Raylet::Starting if Some(pod) != self.k8s.head => {
                    self.register_raylet(pod, cluster, "registered with the GCS");
                }
                _ => {}
            }
        }
        if self.scenario.cluster.gcs_fault_tolerance {
            self.gcs_rechecks_silent_nodes();
        }
        self.serve_on_gcs_up(cluster);
        self.request_reconcile();
    }

    /// The GCS stops (its pod died or it crashed): every raylet starts its reconnect timer.
    pub(super) fn gcs_down(&mut self, why: &str) {
        if self.ray.gcs.state == GcsState::Down {
            return;
        }
        self.ray.gcs.inc += 1;
        self.set_gcs_state(GcsState::Down, why);
        for i in 0..self.k8s.pods.len() {
            let pod = PodId(i as u32);
            if let Raylet::Alive { cluster } = self.k8s.pods[i].raylet {
                self.k8s.pods[i].raylet = Raylet::Disconnected { cluster, since: self.now };
                let timeout = match self.k8s.pods[i].role {
                    PodRole::Head => self.scenario.timings.gcs_reconnect_timeout,
                    PodRole::Worker(_) => self.scenario.timings.worker_gcs_reconnect_timeout,
                };
                let inc = self.k8s.pods[i].inc;
                self.schedule_in(timeout, Event::RayletReconnectTimeout { pod, inc });
            }
        }
    }

    /// A raylet waited too long for the GCS and exits, taking its pod's Ray processes with it.
    pub(super) fn on_raylet_reconnect_timeout(&mut self, pod: PodId) {
        if let Raylet::Disconnected { since, .. } = self.k8s.pods[pod.ix()].raylet {
            let waited = self.now.saturating_since(since);
            self.ray_exits(pod, &format!("raylet could not reach the GCS for {waited}; Ray exits"));
        }
    }

    /// Kills every Ray process of `pod` (raylet, actors; GCS and controller on the head).
    /// `known_at_once`: the GCS learns of the node's death immediately (graceful exit, or the
    /// head itself); otherwise only through its health checks.
    pub(super) fn kill_ray_processes(&mut self, pod: PodId, cause: Cause, known_at_once: bool) {
        let was_alive = self.k8s.pods[pod.ix()].raylet != Raylet::Down;
        self.k8s.pods[pod.ix()].raylet = Raylet::Down;
        if was_alive {
            let name = self.k8s.pods[pod.ix()].name.clone();
            self.log(Component::Raylet, &name, format_args!("DEAD ({})", cause.describe()));
            self.observed.levels_dirty = true;
        }
        let unreachable = self.k8s.pods[pod.ix()].unreachable_since.is_some();
        for r in self.serve.index.replicas_hosted_on(pod) {
            if self.serve.replicas[r.ix()].actor_alive {
                self.kill_replica_actor(r, cause, unreachable);
            }
        }
        if let Some(proxy) = self.live_proxy_on(pod) {
            self.kill_proxy_actor(proxy, cause, unreachable);
        }
        if self.k8s.head == Some(pod) {
            self.controller_dies(cause, self.scenario.timings.actor_death_detection);
            self.gcs_down(&format!("head pod {}", cause.describe()));
        }
        if was_alive && known_at_once {
            self.gcs_marks_node_dead(pod);
        }
    }

    /// The GCS declares a silent node dead after its health checks fail. A GCS that is down
    /// checks nothing: the verdict waits for the next GCS ([`Self::gcs_rechecks_silent_nodes`]).
    pub(super) fn on_gcs_node_death(&mut self, pod: PodId) {
        if self.k8s.pods[pod.ix()].gcs_knows_dead {
            return;
        }
        if self.gcs_up() {
            self.gcs_marks_node_dead(pod);
        } else {
            self.k8s.pods[pod.ix()].gcs_death_due = true;
        }
    }

    /// A GCS that resumed the cluster from Redis has the silent nodes in its node table and
    /// health-checks them from now on: each is declared dead after the detection time.
    fn gcs_rechecks_silent_nodes(&mut self) {
        for i in 0..self.k8s.pods.len() {
            let p = &mut self.k8s.pods[i];
            if std::mem::take(&mut p.gcs_death_due) {
                let detect = self.scenario.timings.gcs_node_death_detection(p.unreachable_since.is_some());
                self.schedule_in(detect, Event::GcsNodeDeath(PodId(i as u32)));
            }
        }
    }

    /// Node death is published: calls hanging on the node's actors fail, and the fault that
    /// killed it counts as detected.
    fn gcs_marks_node_dead(&mut self, pod: PodId) {
        self.k8s.pods[pod.ix()].gcs_knows_dead = true;
        let name = self.k8s.pods[pod.ix()].name.clone();
        self.log(Component::Gcs, "gcs", format_args!("node of pod {name} marked DEAD"));
        if let Some(fault) = self.k8s.pods[pod.ix()].fault {
            self.detect(fault);
        }
        self.release_hanging_calls(pod);
        self.serve_on_node_dead(pod);
    }

    /// Redis becomes unreachable (outage fault or lost node).
    pub(super) fn redis_outage_begins(&mut self, why: &str) {
        self.ray.redis.outages += 1;
        if self.ray.redis.outages == 1 {
            self.log(Component::Redis, "redis", format_args!("UP -> DOWN ({why})"));
            self.observed.levels_dirty = true;
            if self.gcs_up() {
                let gcs_inc = self.ray.gcs.inc;
                self.schedule_in(self.scenario.timings.gcs_redis_crash, Event::GcsRedisLost { gcs_inc });
            }
        }
    }

    /// Redis answers again.
    pub(super) fn redis_outage_ends(&mut self, why: &str) {
        self.ray.redis.outages = self.ray.redis.outages.saturating_sub(1);
        if self.ray.redis.outages == 0 {
            self.log(Component::Redis, "redis", format_args!("DOWN -> UP ({why})"));
            self.observed.levels_dirty = true;
            if let GcsState::WaitingForRedis { .. } = self.ray.gcs.state {
                let cluster = self.ray.gcs.stored_cluster;
                self.gcs_become_up(cluster, "Redis reachable; tables loaded");
            }
        }
    }

    /// The Redis pod was on a lost node: single Redis comes back when its pod is recreated, an
    /// HA Redis when a replica is promoted. Without GCS fault tolerance the GCS does not use
    /// Redis, so nothing in the model depends on it and nothing happens.
    pub(super) fn redis_pod_lost(&mut self, fault: usize) {
        if !self.scenario.cluster.gcs_fault_tolerance {
            return;
        }
        self.redis_outage_begins(&format!("its node was lost (fault #{fault})"));
        let (mode, t) = (self.scenario.cluster.redis_mode, &self.scenario.timings);
        let back = redis::back_after_node_loss(mode, self.now, t, self.repairs());
        if let Some(back) = back {
            self.schedule_in(back, Event::RedisPodRestored);
        }
    }

    /// The GCS's Redis PING failed: the GCS process crashes; `ray start --block` notices.
    pub(super) fn on_gcs_redis_lost(&mut self, gcs_inc: u32) {
        if gcs_inc != self.ray.gcs.inc || !self.gcs_up() || self.redis_up() {
            return;
        }
        for f in self.active_redis_faults() {
            self.detect(f);
        }
        self.gcs_process_exits("Redis connection failed; GCS process exits");
    }

    /// The head's GCS process exits on its own or is killed (`gcs_crash`): the raylets lose it
    /// at once, and `ray start --block` notices the dead child at its next poll.
    pub(super) fn gcs_process_exits(&mut self, why: &str) {
        self.gcs_down(why);
        // Without `ray start --block` (plain Ray) the head's raylet waits for the GCS like the
        // workers do, and exits after its reconnect timeout.
        if let Some(head) = self.k8s.head.filter(|_| self.repairs().block_supervisor) {
            let inc = self.k8s.pods[head.ix()].inc;
            self.schedule_in(self.scenario.timings.ray_block_poll, Event::HeadGcsExitNoticed { inc });
        }
    }

    /// `ray start --block` saw the GCS exit: it kills the head's processes; the container exits.
    pub(super) fn on_head_gcs_exit_noticed(&mut self, inc: u32) {
        if let Some(head) = self.k8s.head
            && self.k8s.pods[head.ix()].inc == inc
        {
            self.container_crashed(head, "GCS exited; ray start --block stops the head");
        }
    }

    /// A starting GCS waited the whole connect window for Redis: it exits, the container crashes.
    pub(super) fn on_gcs_redis_wait_expired(&mut self, gcs_inc: u32) {
        if gcs_inc != self.ray.gcs.inc || !matches!(self.ray.gcs.state, GcsState::WaitingForRedis { .. }) {
            return;
        }
        self.ray.gcs.inc += 1;
        self.set_gcs_state(GcsState::Down, "gave up connecting to Redis");
        if let Some(head) = self.k8s.head {
            self.container_crashed(head, "GCS could not connect to Redis; the head exits");
        }
    }

    /// Is this pod's phase one where Ray can run?
    pub(super) fn pod_running(&self, pod: PodId) -> bool {
        self.k8s.pods[pod.ix()].phase == PodPhase::Running || self.k8s.pods[pod.ix()].phase == PodPhase::Terminating
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::testing::{TestWorld, millis, secs};

    fn raylet(t: &TestWorld, pod: &str) -> Raylet {
        t.pod(pod).raylet
    }

    #[test]
    fn with_gcs_ft_a_head_crash_leaves_workers_reconnecting_until_the_new_gcs_resumes_the_cluster() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#);
        t.run_until(secs(60));
        assert_eq!(t.world().ray.gcs.state, GcsState::Down);
        for w in ["small-group-1", "small-group-2"] {
            assert_eq!(raylet(&t, w), Raylet::Disconnected { cluster: 1, since: secs(60) });
        }
        // head-2: pod_start 5 s, then head_ray_start 10 s; the GCS loads its tables from Redis.
        let up = t.run_until_true(|w| w.gcs_up());
        assert_eq!(up, secs(75));
        assert_eq!(t.world().ray.gcs.state, GcsState::Up { cluster: 1 });
        assert_eq!(raylet(&t, "head-2"), Raylet::Alive { cluster: 1 });
        for w in ["small-group-1", "small-group-2"] {
            assert_eq!(raylet(&t, w), Raylet::Alive { cluster: 1 }, "{w} reconnected");
            assert_eq!(t.pod(w).restarts, 0, "{w} kept running");
        }
    }

    #[test]
    fn a_raylet_that_cannot_reach_the_gcs_for_its_reconnect_timeout_exits_and_its_container_restarts() {
        let mut t = TestWorld::guide(
            r#""timings": { "worker_gcs_reconnect_timeout_s": 10 }, "faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#,
        );
        let exit = t.run_until_true(|w| w.k8s.pods[1].raylet == Raylet::Down);
        assert_eq!(exit, secs(70));
        t.run_until(secs(70));
        assert_eq!(t.logged_at(secs(60), &["small-group-1", "could not reach the GCS for 10"]), secs(70));
        // First restart at once; Ray is up 5 s later and registers with the GCS up since 75.
        assert_eq!(t.pod("small-group-1").phase, PodPhase::Running);
        assert_eq!(t.pod("small-group-1").restarts, 1);
        t.run_until(secs(75));
        assert_eq!(raylet(&t, "small-group-1"), Raylet::Alive { cluster: 1 });
    }

    #[test]
    fn without_gcs_ft_a_new_gcs_is_a_new_cluster_and_old_raylets_are_rejected_and_rejoin() {
        let mut t = TestWorld::guide(
            r#""cluster": { "gcs_fault_tolerance": false }, "faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#,
        );
        t.run_until(secs(60));
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(75));
        assert_eq!(t.world().ray.gcs.state, GcsState::Up { cluster: 2 });
        assert!(matches!(raylet(&t, "small-group-1"), Raylet::Disconnected { cluster: 1, .. }));
        t.run_until(secs(97));
        for w in ["small-group-1", "small-group-2"] {
            // Rejected at a uniform point of the next 16 s; restarted at once; Ray back 5 s later.
            let rejected = t.logged_at(secs(75), &[w, "rejected by the new GCS"]);
            assert!(rejected >= secs(75) && rejected <= secs(91), "{w} rejected at {rejected}");
            assert_eq!(t.pod(w).restarts, 1);
            assert_eq!(raylet(&t, w), Raylet::Alive { cluster: 2 });
            assert_eq!(
                t.logged_at(rejected, &["raylet", w, "ALIVE in cluster 2"]),
                rejected + SimDuration::from_secs(5)
            );
        }
    }

    #[test]
    fn a_redis_outage_crashes_the_gcs_and_the_restarted_gcs_waits_for_redis() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "redis_outage", "at_s": 60, "duration_s": 30 }]"#);
        t.run_until(secs(60));
        assert!(!t.world().redis_up());
        assert!(t.world().gcs_up(), "the GCS notices Redis gone only 2.5 s later");
        assert_eq!(t.run_until_true(|w| !w.gcs_up()), millis(62_500));
        let waiting = t.run_until_true(|w| matches!(w.ray.gcs.state, GcsState::WaitingForRedis { .. }));
        // `ray start --block` polls every 1 s: the head container exits and restarts at once;
        // the GCS starts again head_ray_start (10 s) later and finds Redis still down.
        let head_crash = t.logged_at(secs(60), &["pod head", "RUNNING -> CRASH_LOOP_BACKOFF"]);
        assert_eq!(head_crash, millis(63_500));
        assert_eq!(t.logged_at(secs(60), &["pod head", "CRASH_LOOP_BACKOFF -> RUNNING"]), millis(63_500));
        assert_eq!(waiting, millis(73_500));
        assert_eq!(t.world().ray.gcs.state, GcsState::WaitingForRedis { deadline: millis(133_500) });
        // Redis back at 90: the waiting GCS loads its tables and resumes cluster 1.
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(90));
        assert_eq!(t.world().ray.gcs.state, GcsState::Up { cluster: 1 });
        assert_eq!(raylet(&t, "small-group-2"), Raylet::Alive { cluster: 1 });
    }

    #[test]
    fn a_gcs_that_waits_for_redis_past_its_connect_window_exits_and_the_head_backs_off() {
        let mut t = TestWorld::guide(r#""faults": [{ "kind": "redis_outage", "at_s": 60, "duration_s": 200 }]"#);
        let gave_up = t.run_until_true(|w| w.ray.gcs.state == GcsState::Down && w.now > millis(73_500));
        assert_eq!(gave_up, millis(133_500));
        assert_eq!(t.logged_at(gave_up, &["gcs", "gave up connecting to Redis"]), gave_up);
        // Second restart of the head container: after the 10 s back-off.
        assert_eq!(t.pod("head").phase, PodPhase::CrashLoop);
        assert_eq!(t.run_until_true(|w| w.k8s.pods[0].phase == PodPhase::Running), millis(143_500));
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(260));
    }

    #[test]
    fn a_ha_redis_outage_lasts_at_most_the_failover_time() {
        let mut t = TestWorld::guide(
            r#""cluster": { "redis": { "mode": "ha" } }, "faults": [{ "kind": "redis_outage", "at_s": 60, "duration_s": 200 }]"#,
        );
        t.run_until(secs(60));
        assert!(!t.world().redis_up());
        assert_eq!(t.run_until_true(|w| w.redis_up()), secs(90));
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(90));
    }

    #[test]
    fn losing_the_redis_node_takes_redis_down_until_its_pod_is_recreated_or_a_replica_is_promoted() {
        // Redis runs on node-2 by default: a single Redis comes back with its recreated pod
        // (NotReady 40 s, the Node deleted, PodGC's quarantine 40 s, pod start 5 s), an HA one
        // after the failover (30 s).
        for (mode, back) in [("single", secs(145)), ("ha", secs(90))] {
            let mut t = TestWorld::guide(&format!(
                r#""cluster": {{ "redis": {{ "mode": "{mode}" }} }},
                   "faults": [{{ "kind": "node_loss", "at_s": 60, "target": "node-2", "network": "refused" }}]"#
            ));
            t.run_until(secs(60));
            assert!(!t.world().redis_up(), "{mode}");
            assert_eq!(t.run_until_true(|w| !w.gcs_up()), millis(62_500), "{mode}");
            assert_eq!(t.run_until_true(|w| w.redis_up()), back, "{mode}");
        }
    }

    #[test]
    fn without_gcs_ft_losing_the_redis_node_leaves_the_gcs_up() {
        // Regression: the GCS without fault tolerance does not use Redis, yet losing Redis's
        // node crashed it 2.5 s later and the cluster restarted empty.
        let mut t = TestWorld::guide(
            r#""cluster": { "gcs_fault_tolerance": false },
               "faults": [{ "kind": "node_loss", "at_s": 60, "target": "node-2", "network": "refused" }]"#,
        );
        t.run_until(secs(200));
        assert_eq!(t.world().ray.gcs.state, GcsState::Up { cluster: 1 });
        assert!(!t.log().contains("redis"), "no Redis transition without GCS FT");
        assert_eq!(raylet(&t, "head"), Raylet::Alive { cluster: 1 });
        assert_eq!(raylet(&t, "small-group-2"), Raylet::Alive { cluster: 1 });
    }

    #[test]
    fn with_gcs_ft_a_lost_node_whose_death_fell_due_while_the_gcs_was_down_is_declared_dead_by_the_next_gcs() {
        // Regression: the GCS's verdict on node-3 (lost at 60 s, black-holed) fell due at 125 s
        // while the GCS was down (Redis out from 110 s to 150 s); it was dropped for good, so
        // calls hanging on the node's actors were never released. The GCS back at 150 s has the
        // node in its table (GCS FT) and health-checks it: dead 65 s later.
        let mut t = TestWorld::guide(
            r#""faults": [{ "kind": "node_loss", "at_s": 60, "target": "node-3", "network": "unreachable" },
                          { "kind": "redis_outage", "at_s": 110, "duration_s": 40 }]"#,
        );
        t.run_until(secs(125));
        assert!(!t.world().gcs_up());
        assert_eq!(t.run_until_true(|w| w.gcs_up()), secs(150));
        let lost = t.pod_id("small-group-2");
        assert!(!t.world().k8s.pods[lost.ix()].gcs_knows_dead);
        assert_eq!(t.run_until_true(|w| w.k8s.pods[lost.ix()].gcs_knows_dead), secs(215));
    }
}
