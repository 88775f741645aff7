//! A cloud load balancer's rules, shared by the simulator and live mode: how a backend's probes
//! move it in and out of rotation, and how a new connection picks a backend.
//!
//! GCP health checks (<https://cloud.google.com/load-balancing/docs/health-check-concepts>): a
//! backend becomes unhealthy after `unhealthy_threshold` failed probes in a row and healthy
//! again after `healthy_threshold` passed probes in a row; a probe with no answer within the
//! timeout fails. Spread: GCP backend services balance `ROUND_ROBIN` by default (AWS ALB too);
//! passthrough network load balancers hash each flow, which ftsim draws as uniform. With every
//! backend unhealthy, AWS ALB and NLB and GCP passthrough network load balancers "fail open"
//! (new connections go to every backend), GCP Application Load Balancers answer an error
//! (`ingress.when_all_unhealthy`).

use crate::engine::RngStream;
use crate::scenario::{LbHealthCheck, Spread, WhenAllUnhealthy};

/// A backend's health as the load balancer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendHealth {
    /// In rotation.
    pub healthy: bool,
    /// Probes in a row whose result disagrees with `healthy`.
    streak: u32,
}

impl BackendHealth {
    /// In rotation (at the start of a run), or out of it (a new pod's backend, until probed).
    pub fn new(healthy: bool) -> Self {
        BackendHealth { healthy, streak: 0 }
    }

    /// One probe's result; `Some(threshold)` when it changed the backend's health, after that
    /// many probes in a row.
    pub fn probed(&mut self, passed: bool, hc: &LbHealthCheck) -> Option<u32> {
        if passed == self.healthy {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let threshold = if self.healthy { hc.unhealthy_threshold } else { hc.healthy_threshold };
        if self.streak < threshold {
            return None;
        }
        *self = BackendHealth::new(passed);
        Some(threshold)
    }
}

/// What a backend's health becomes when KubeRay replaces its pod: out of rotation until the new
/// pod passes its probes (`checked`), in rotation at once without health checks; and the
/// events.log note of it, given whether the backend was `healthy` before.
pub fn replaced(checked: bool, healthy: bool) -> (BackendHealth, &'static str) {
    let note = match (checked, healthy) {
        (false, _) => "in rotation: no health checks",
        (true, true) => "HEALTHY -> UNHEALTHY until its probes pass",
        (true, false) => "UNHEALTHY until its probes pass",
    };
    (BackendHealth::new(!checked), note)
}

/// The backends (indices, in increasing order) a new connection may go to, given each one's
/// health: those in rotation; when none is, every backend if the load balancer fails open, none
/// if it rejects.
pub fn candidates(healthy: &[bool], when_all_unhealthy: WhenAllUnhealthy) -> Vec<usize> {
    let in_rotation: Vec<usize> = (0..healthy.len()).filter(|&b| healthy[b]).collect();
    match when_all_unhealthy {
        WhenAllUnhealthy::FailOpen if in_rotation.is_empty() => (0..healthy.len()).collect(),
        _ => in_rotation,
    }
}

/// The backend (an index among all backends) a new connection goes to, among `in_rotation`
/// (indices in increasing order): in turn from `cursor` (the next in turn; moved past the pick),
/// or at random. `None` when no backend is in rotation.
pub fn pick(spread: Spread, in_rotation: &[usize], cursor: &mut usize, rng: &mut RngStream) -> Option<usize> {
    if in_rotation.is_empty() {
        return None;
    }
    let b = match spread {
        Spread::Random => in_rotation[rng.below(in_rotation.len())],
        Spread::RoundRobin => in_rotation.iter().copied().find(|&b| b >= *cursor).unwrap_or(in_rotation[0]),
    };
    *cursor = b + 1;
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    const HC: LbHealthCheck = LbHealthCheck {
        period: SimDuration::from_secs(5),
        timeout: SimDuration::from_secs(5),
        unhealthy_threshold: 2,
        healthy_threshold: 3,
    };

    #[test]
    fn a_backend_leaves_after_the_unhealthy_threshold_and_returns_after_the_healthy_one_in_a_row() {
        let mut h = BackendHealth::new(true);
        assert_eq!(h.probed(false, &HC), None);
        assert_eq!(h.probed(true, &HC), None, "a pass breaks the streak");
        assert_eq!(h.probed(false, &HC), None);
        assert_eq!(h.probed(false, &HC), Some(2));
        assert!(!h.healthy);
        assert_eq!((h.probed(true, &HC), h.probed(true, &HC)), (None, None));
        assert_eq!(h.probed(true, &HC), Some(3));
        assert!(h.healthy);
    }

    #[test]
    fn round_robin_takes_the_backends_in_rotation_in_turn_and_skips_the_others() {
        let mut rng = RngStream::new(1, "test");
        let mut cursor = 0;
        let picks: Vec<_> =
            (0..5).map(|_| pick(Spread::RoundRobin, &[0, 2, 3], &mut cursor, &mut rng).unwrap()).collect();
        assert_eq!(picks, [0, 2, 3, 0, 2]);
        assert_eq!(pick(Spread::Random, &[], &mut cursor, &mut rng), None);
    }

    #[test]
    fn with_every_backend_unhealthy_a_fail_open_balancer_uses_them_all_and_a_rejecting_one_none() {
        use WhenAllUnhealthy::{FailOpen, Reject};
        assert_eq!(candidates(&[false, true, false], FailOpen), [1]);
        assert_eq!(candidates(&[false, true, false], Reject), [1]);
        assert_eq!(candidates(&[false, false, false], FailOpen), [0, 1, 2]);
        assert!(candidates(&[false, false, false], Reject).is_empty());
    }
}
