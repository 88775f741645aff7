//! The timeline: the clock a live run follows and the tasks scheduled on it, in an
//! [`EventQueue`] (by time, then first in, first out).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::engine::{EventQueue, SimTime};

/// Something the timeline does at its time.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Task {
    /// Inject fault `i`.
    Fault(usize),
    /// Fault `i`'s duration is over.
    FaultEnd(usize),
    /// Start a (re)created pod's container.
    StartPod(String),
    /// The kubelet restarts the container of the pod created `created`-th (stale when that pod
    /// was replaced meanwhile).
    RestartContainer { pod: String, created: usize },
    /// RayService resubmits the Serve application to an empty cluster.
    Resubmit,
    /// RayService finds no controller and submits the unchanged config: `serve.start`.
    StartServe,
    /// One Redis outage is over.
    RedisBack,
    /// A deleted pod's drain deadline: its processes are killed.
    DrainDeadline(String),
    /// A lost node's kubelet has been silent for the node monitor's grace period.
    NodeNotReady(usize),
    /// PodGC deletes the pods bound to deleted Node `n` (`node_delete`).
    OrphansDeleted(usize),
    /// A cloud load balancer's probe of backend `n` (load-balancer ingress).
    LbProbe(usize),
    /// Kubernetes' readiness probe of a pod (Service ingress), for one start of it.
    ReadinessProbe { pod: String, start: u32 },
}

/// The time a live run follows, from the start of the load.
pub trait Clock {
    /// Time elapsed since the start of the load.
    fn now(&self) -> Duration;
    /// Waits until `t`, or less (a wall clock wakes at least every
    /// [`STOP_CHECK`](crate::live::STOP_CHECK) so that Ctrl-C is seen).
    fn wait_until(&mut self, t: Duration);
}

/// The wall clock: a real run.
pub struct WallClock {
    t0: Instant,
}

impl WallClock {
    /// A clock whose zero is `t0` (it reads zero until then).
    pub fn new(t0: Instant) -> Self {
        WallClock { t0 }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    fn wait_until(&mut self, t: Duration) {
        std::thread::sleep(t.saturating_sub(self.now()).min(crate::live::STOP_CHECK));
    }
}

/// Virtual time: waiting jumps to the wake-up time at once. Clones share one time, so that a
/// fake cluster can read the time its actions happen at.
#[derive(Clone, Debug, Default)]
pub struct VirtualClock {
    micros: Arc<AtomicU64>,
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::SeqCst))
    }

    fn wait_until(&mut self, t: Duration) {
        self.micros.fetch_max(t.as_micros() as u64, Ordering::SeqCst);
    }
}

/// A `Duration` since the start of the load as a `SimTime`.
pub(super) fn sim_time(d: Duration) -> SimTime {
    SimTime::from_micros(d.as_micros() as u64)
}

/// The tasks still to run.
#[derive(Default)]
pub(super) struct Schedule {
    queue: EventQueue<Task>,
}

impl Schedule {
    /// Schedules `task` at `at`.
    pub(super) fn push(&mut self, at: Duration, task: Task) {
        self.queue.push(sim_time(at), task);
    }

    /// The earliest task due at or before `now`, removed.
    pub(super) fn pop_due(&mut self, now: Duration) -> Option<Task> {
        if self.queue.peek_time()? > sim_time(now) {
            return None;
        }
        self.queue.pop().map(|(_, task)| task)
    }

    /// When the earliest task is due.
    pub(super) fn next_at(&self) -> Option<Duration> {
        self.queue.peek_time().map(|t| Duration::from(t - SimTime::ZERO))
    }
}
