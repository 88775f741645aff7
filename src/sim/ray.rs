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
use crate::scenario::RedisMode;

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

impl World {
    /// True when the GCS answers.
    pub fn gcs_up(&self) -> bool {
        matches!(self.gcs.state, GcsState::Up { .. })
    }

    /// True when Redis answers.
    pub fn redis_up(&self) -> bool {
        self.redis.outages == 0
    }

    fn set_gcs_state(&mut self, state: GcsState, why: &str) {
        let label = |s: GcsState| match s {
            GcsState::Up { cluster } => format!("UP(cluster {cluster})"),
            GcsState::Down => "DOWN".to_string(),
            GcsState::WaitingForRedis { .. } => "WAITING_FOR_REDIS".to_string(),
        };
        let from = label(self.gcs.state);
        self.gcs.state = state;
        let to = label(state);
        self.log(Component::Gcs, "gcs", format_args!("{from} -> {to} ({why})"));
        self.levels_dirty = true;
    }

    /// `ray start` finished in `pod`: the head starts its GCS; a worker's raylet registers.
    pub(super) fn on_ray_started(&mut self, pod: PodId) {
        match self.pods[pod.ix()].role {
            PodRole::Head => {
                self.pods[pod.ix()].raylet = Raylet::Starting;
                self.head_ray_started_at = self.now;
                self.gcs_start();
            }
            PodRole::Worker(_) => {
                self.pods[pod.ix()].raylet = Raylet::Starting;
                if let GcsState::Up { cluster } = self.gcs.state {
                    self.register_raylet(pod, cluster, "registered with the GCS");
                }
            }
        }
    }

    fn register_raylet(&mut self, pod: PodId, cluster: u32, why: &str) {
        self.pods[pod.ix()].raylet = Raylet::Alive { cluster };
        let name = self.pods[pod.ix()].name.clone();
        self.log(Component::Raylet, &name, format_args!("ALIVE in cluster {cluster} ({why})"));
        self.levels_dirty = true;
        self.room_may_have_appeared();
    }

    /// The head's GCS process starts: with fault tolerance it must load its tables from Redis.
    fn gcs_start(&mut self) {
        self.gcs.inc += 1;
        if !self.scenario.cluster.gcs_fault_tolerance {
            self.gcs.clusters_created += 1;
            let cluster = self.gcs.clusters_created;
            self.gcs_become_up(cluster, "new empty cluster (no GCS fault tolerance)");
        } else if self.redis_up() {
            let cluster = self.gcs.stored_cluster;
            self.gcs_become_up(cluster, "tables loaded from Redis");
        } else {
            let deadline = self.now + self.scenario.timings.gcs_redis_connect_window;
            self.set_gcs_state(GcsState::WaitingForRedis { deadline }, "Redis unreachable");
            let gcs_inc = self.gcs.inc;
            self.schedule_at(deadline, Event::GcsRedisWaitExpired { gcs_inc });
        }
    }

    fn gcs_become_up(&mut self, cluster: u32, why: &str) {
        self.set_gcs_state(GcsState::Up { cluster }, why);
        if let Some(head) = self.head {
            self.register_raylet(head, cluster, "head raylet");
        }
        for i in 0..self.pods.len() {
            let pod = PodId(i as u32);
            match self.pods[i].raylet {
                Raylet::Disconnected { cluster: c, .. } if c == cluster => {
                    self.register_raylet(pod, cluster, "reconnected to the restarted GCS");
                }
                Raylet::Disconnected { .. } => {
                    // Without fault tolerance the new GCS does not know the old nodes: each is
                    // rejected when its next reconnection attempt reaches the new GCS, at a
                    // uniformly drawn point of its retry cycle.
                    let inc = self.pods[i].inc;
                    let most = self.scenario.timings.stale_raylet_rejection.as_micros();
                    let delay = SimDuration::from_micros(self.rng.reconnect.range_inclusive(0, most));
                    self.schedule_in(delay, Event::StaleRayletRejected { pod, inc });
                }
                Raylet::Starting if Some(pod) != self.head => {
                    self.register_raylet(pod, cluster, "registered with the GCS");
                }
                _ => {}
            }
        }
        self.serve_on_gcs_up(cluster);
        self.request_reconcile();
    }

    /// The GCS stops (its pod died or it crashed): every raylet starts its reconnect timer.
    pub(super) fn gcs_down(&mut self, why: &str) {
        if self.gcs.state == GcsState::Down {
            return;
        }
        self.gcs.inc += 1;
        self.set_gcs_state(GcsState::Down, why);
        for i in 0..self.pods.len() {
            let pod = PodId(i as u32);
            if let Raylet::Alive { cluster } = self.pods[i].raylet {
                self.pods[i].raylet = Raylet::Disconnected { cluster, since: self.now };
                let timeout = match self.pods[i].role {
                    PodRole::Head => self.scenario.timings.gcs_reconnect_timeout,
                    PodRole::Worker(_) => self.scenario.timings.worker_gcs_reconnect_timeout,
                };
                let inc = self.pods[i].inc;
                self.schedule_in(timeout, Event::RayletReconnectTimeout { pod, inc });
            }
        }
    }

    /// A raylet waited too long for the GCS and exits, taking its pod's Ray processes with it.
    pub(super) fn on_raylet_reconnect_timeout(&mut self, pod: PodId) {
        if let Raylet::Disconnected { since, .. } = self.pods[pod.ix()].raylet {
            let waited = self.now.saturating_since(since);
            self.ray_exits(pod, &format!("raylet could not reach the GCS for {waited}; Ray exits"));
        }
    }

    /// Kills every Ray process of `pod` (raylet, actors; GCS and controller on the head).
    /// `known_at_once`: the GCS learns of the node's death immediately (graceful exit, or the
    /// head itself); otherwise only through its health checks.
    pub(super) fn kill_ray_processes(&mut self, pod: PodId, cause: Cause, known_at_once: bool) {
        let was_alive = self.pods[pod.ix()].raylet != Raylet::Down;
        self.pods[pod.ix()].raylet = Raylet::Down;
        if was_alive {
            let name = self.pods[pod.ix()].name.clone();
            self.log(Component::Raylet, &name, format_args!("DEAD ({})", cause.describe()));
            self.levels_dirty = true;
        }
        let unreachable = self.pods[pod.ix()].unreachable_since.is_some();
        for r in self.serve_index.replicas_hosted_on(pod) {
            if self.replicas[r.ix()].actor_alive {
                self.kill_replica_actor(r, cause, unreachable);
            }
        }
        if let Some(proxy) = self.live_proxy_on(pod) {
            self.kill_proxy_actor(proxy, cause, unreachable);
        }
        if self.head == Some(pod) {
            self.controller_dies(cause, self.scenario.timings.actor_death_detection);
            self.gcs_down(&format!("head pod {}", cause.describe()));
        }
        if was_alive && known_at_once {
            self.gcs_marks_node_dead(pod);
        }
    }

    /// The GCS declares a silent node dead after its health checks fail.
    pub(super) fn on_gcs_node_death(&mut self, pod: PodId) {
        if self.gcs_up() && !self.pods[pod.ix()].gcs_knows_dead {
            self.gcs_marks_node_dead(pod);
        }
    }

    /// Node death is published: calls hanging on the node's actors fail, and the fault that
    /// killed it counts as detected.
    fn gcs_marks_node_dead(&mut self, pod: PodId) {
        self.pods[pod.ix()].gcs_knows_dead = true;
        let name = self.pods[pod.ix()].name.clone();
        self.log(Component::Gcs, "gcs", format_args!("node of pod {name} marked DEAD"));
        if let Some(fault) = self.pods[pod.ix()].fault {
            self.detect(fault);
        }
        self.release_hanging_calls(pod);
        self.serve_on_node_dead(pod);
    }

    /// Redis becomes unreachable (outage fault or lost node).
    pub(super) fn redis_outage_begins(&mut self, why: &str) {
        self.redis.outages += 1;
        if self.redis.outages == 1 {
            self.log(Component::Redis, "redis", format_args!("UP -> DOWN ({why})"));
            self.levels_dirty = true;
            if self.gcs_up() {
                let gcs_inc = self.gcs.inc;
                self.schedule_in(self.scenario.timings.gcs_redis_crash, Event::GcsRedisLost { gcs_inc });
            }
        }
    }

    /// Redis answers again.
    pub(super) fn redis_outage_ends(&mut self, why: &str) {
        self.redis.outages = self.redis.outages.saturating_sub(1);
        if self.redis.outages == 0 {
            self.log(Component::Redis, "redis", format_args!("DOWN -> UP ({why})"));
            self.levels_dirty = true;
            if let GcsState::WaitingForRedis { .. } = self.gcs.state {
                let cluster = self.gcs.stored_cluster;
                self.gcs_become_up(cluster, "Redis reachable; tables loaded");
            }
        }
    }

    /// The Redis pod was on a lost node: single Redis comes back when its pod is recreated, an
    /// HA Redis when a replica is promoted.
    pub(super) fn redis_pod_lost(&mut self, fault: usize) {
        self.redis_outage_begins(&format!("its node was lost (fault #{fault})"));
        let t = &self.scenario.timings;
        let back = match self.scenario.cluster.redis_mode {
            RedisMode::Ha => t.redis_failover,
            RedisMode::Single => t.orphan_pod_gc + t.pod_start,
        };
        self.schedule_in(back, Event::RedisPodRestored);
    }

    /// The GCS's Redis PING failed: the GCS process crashes; `ray start --block` notices.
    pub(super) fn on_gcs_redis_lost(&mut self, gcs_inc: u32) {
        if gcs_inc != self.gcs.inc || !self.gcs_up() || self.redis_up() {
            return;
        }
        for f in self.active_redis_faults() {
            self.detect(f);
        }
        self.gcs_down("Redis connection failed; GCS process exits");
        if let Some(head) = self.head {
            let inc = self.pods[head.ix()].inc;
            self.schedule_in(self.scenario.timings.ray_block_poll, Event::HeadGcsExitNoticed { inc });
        }
    }

    /// `ray start --block` saw the GCS exit: it kills the head's processes; the container exits.
    pub(super) fn on_head_gcs_exit_noticed(&mut self, inc: u32) {
        if let Some(head) = self.head
            && self.pods[head.ix()].inc == inc
        {
            self.container_crashed(head, "GCS exited; ray start --block stops the head");
        }
    }

    /// A starting GCS waited the whole connect window for Redis: it exits, the container crashes.
    pub(super) fn on_gcs_redis_wait_expired(&mut self, gcs_inc: u32) {
        if gcs_inc != self.gcs.inc || !matches!(self.gcs.state, GcsState::WaitingForRedis { .. }) {
            return;
        }
        self.gcs.inc += 1;
        self.set_gcs_state(GcsState::Down, "gave up connecting to Redis");
        if let Some(head) = self.head {
            self.container_crashed(head, "GCS could not connect to Redis; the head exits");
        }
    }

    /// Is this pod's phase one where Ray can run?
    pub(super) fn pod_running(&self, pod: PodId) -> bool {
        self.pods[pod.ix()].phase == PodPhase::Running || self.pods[pod.ix()].phase == PodPhase::Terminating
    }
}
