//! The kubelet's CrashLoopBackOff: how long a pod whose container exited waits before the
//! container is started again.

use crate::engine::SimDuration;
use crate::scenario::Timings;

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
}
