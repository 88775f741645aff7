//! The kubelet's CrashLoopBackOff: how long a pod whose container exited waits before the
//! container is started again.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Timings;

/// One container's back-off record, as the kubelet keeps it per container
/// (`k8s.io/client-go/util/flowcontrol/backoff.go`, used by `pkg/kubelet/kuberuntime`): each
/// exit doubles the next delay, and an exit more than twice the maximum delay (2 x 300 s =
/// 10 min) after the previous one starts the schedule over (`hasExpired`: "consider stable if
/// it's ok for twice the maxDuration").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackOff {
    /// Exits counted in the current schedule.
    steps: u32,
    /// When the container last exited.
    last_exit: Option<SimTime>,
}

impl BackOff {
    /// The container exited at `now`: how long the kubelet waits before restarting it.
    pub fn on_exit(&mut self, t: &Timings, now: SimTime) -> SimDuration {
        let stable = t.kubelet_restart_backoff_max.saturating_mul(2);
        if self.last_exit.is_some_and(|last| now.saturating_since(last) > stable) {
            self.steps = 0;
        }
        let delay = restart_backoff(t, self.steps);
        self.steps += 1;
        self.last_exit = Some(now);
        delay
    }
}

/// Restart delay after `restarts` previous restarts: the first restart is immediate, then base,
/// 2 x base, 4 x base, ... capped at the maximum (`kubelet_restart_backoff_s`,
/// `kubelet_restart_backoff_max_s`).
pub fn restart_backoff(t: &Timings, restarts: u32) -> SimDuration {
    if restarts == 0 {
        return SimDuration::ZERO;
    }
    let factor = 1u64 << (restarts - 1).min(20);
    t.kubelet_restart_backoff.saturating_mul(factor).min(t.kubelet_restart_backoff_max)
}

/// The back-off schedule in words, as `ftsim live --dry-run` prints it: e.g. "at once, then
/// after 10 s, 20 s, 40 s, ... up to 300 s".
pub fn describe_backoff(t: &Timings) -> String {
    let steps: Vec<String> = (1..=3).map(|n| restart_backoff(t, n).to_string()).collect();
    format!("at once, then after {}, ... up to {}", steps.join(", "), t.kubelet_restart_backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let t = crate::scenario::parse("{}", "t.json").unwrap().scenario.timings;
        let got: Vec<u64> = (0..7).map(|n| restart_backoff(&t, n).as_micros() / 1_000_000).collect();
        assert_eq!(got, [0, 10, 20, 40, 80, 160, 300]);
        assert_eq!(restart_backoff(&t, u32::MAX), t.kubelet_restart_backoff_max);
    }

    #[test]
    fn an_exit_more_than_ten_minutes_after_the_previous_one_starts_the_schedule_over() {
        let t = crate::scenario::parse("{}", "t.json").unwrap().scenario.timings;
        let mut b = BackOff::default();
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        let delays: Vec<u64> = [0, 5, 30, 100, 700, 1301, 1310]
            .into_iter()
            .map(|s| b.on_exit(&t, at(s)).as_micros() / 1_000_000)
            .collect();
        // 100 -> 700 is exactly 600 s: not more than twice the 300 s cap, the schedule goes on;
        // 700 -> 1301 is 601 s: it starts over (at once, then 10 s).
        assert_eq!(delays, [0, 10, 20, 40, 80, 0, 10]);
    }
}
