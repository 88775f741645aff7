//! Per-fault detection and recovery. Recovery is the first instant at which every component is
//! back to its target (replicas RUNNING, proxies up, pods ready, GCS, Redis and controller up)
//! after the cluster left its target following the injection, and never before detection; a
//! fault that never moved the cluster off its target recovers when it is detected. Computed from
//! the level series alone, so that the simulator and live mode (which samples the levels once a
//! second, a little after each action) share one definition.
//!
//! Both instants count only within the run (`0..=duration_s`): the drain window after it, which
//! lasts as long as requests stay open, resolves requests and nothing else, so a detection or
//! recovery after the end is null whatever the client timeout.

use crate::engine::SimTime;

use super::failure_marks::FailureMarks;
use super::observations::{FaultRecord, Levels};

/// What one fault cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultOutcome {
    /// The fault as observed (its detection dropped when it came after the end of the run).
    pub record: FaultRecord,
    /// When the cluster was back at its target after detection, if it was within the run.
    pub recovered_at: Option<SimTime>,
    /// Failed requests that arrived between injection and recovery (or the end).
    pub failed_requests: u64,
}

/// The levels in force at `t` (the last change at or before it).
pub fn levels_at(levels: &[(SimTime, Levels)], t: SimTime) -> Option<Levels> {
    let i = levels.partition_point(|(at, _)| *at <= t);
    i.checked_sub(1).map(|i| levels[i].1)
}

/// First instant at or after `from` at which the levels are at target.
pub fn first_at_target(levels: &[(SimTime, Levels)], from: SimTime) -> Option<SimTime> {
    if levels_at(levels, from)?.at_target() {
        return Some(from);
    }
    levels.iter().find(|(at, l)| *at > from && l.at_target()).map(|(at, _)| *at)
}

/// When the cluster is back at target after a fault injected at `injected` and detected at
/// `detected` (see the module docs).
pub fn recovery(levels: &[(SimTime, Levels)], injected: SimTime, detected: SimTime) -> Option<SimTime> {
    let off_target_at_injection = levels_at(levels, injected).is_some_and(|l| !l.at_target());
    let departure = if off_target_at_injection {
        Some(injected)
    } else {
        levels.iter().find(|(at, l)| *at > injected && !l.at_target()).map(|(at, _)| *at)
    };
    match departure {
        None => Some(detected),
        Some(dep) => first_at_target(levels, dep).map(|r| r.max(detected)),
    }
}

/// Detection, recovery and cost of every fault; `failures` counts the failed requests at every
/// injection, detection and level change (the instants a window can start or end at).
pub fn fault_outcomes(
    faults: &[FaultRecord],
    levels: &[(SimTime, Levels)],
    failures: &FailureMarks,
    end: SimTime,
) -> Vec<FaultOutcome> {
    faults
        .iter()
        .map(|f| {
            let mut record = f.clone();
            record.detected_at = f.detected_at.filter(|&d| d <= end);
            let recovered_at =
                record.detected_at.and_then(|d| recovery(levels, f.injected_at, d)).filter(|&r| r <= end);
            let until = recovered_at.unwrap_or(end);
            let failed_requests = failures.between(f.injected_at, until);
            FaultOutcome { record, recovered_at, failed_requests }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(running: u32) -> Levels {
        Levels {
            replicas_running: running,
            replicas_target: 2,
            proxies_up: 1,
            proxies_expected: 1,
            pods_ready: 1,
            pods_desired: 1,
            gcs_up: true,
            redis_up: true,
            controller_up: true,
        }
    }

    #[test]
    fn recovery_is_first_return_to_target_after_detection() {
        let t = SimTime::from_micros;
        let levels = vec![(t(0), lv(2)), (t(10), lv(1)), (t(30), lv(2))];
        let f =
            FaultRecord { kind: "replica_crash".into(), target: None, injected_at: t(10), detected_at: Some(t(20)) };
        let out = fault_outcomes(&[f], &levels, &FailureMarks::default(), t(100));
        assert_eq!(out[0].recovered_at, Some(t(30)));
    }

    #[test]
    fn a_departure_seen_after_detection_still_counts() {
        // Live mode samples the levels a little after the injection it detects at once.
        let t = SimTime::from_micros;
        let levels = vec![(t(0), lv(2)), (t(12), lv(1)), (t(40), lv(2))];
        let f =
            FaultRecord { kind: "head_pod_crash".into(), target: None, injected_at: t(10), detected_at: Some(t(10)) };
        assert_eq!(fault_outcomes(&[f], &levels, &FailureMarks::default(), t(100))[0].recovered_at, Some(t(40)));
    }

    #[test]
    fn a_fault_without_visible_effect_recovers_when_detected() {
        let t = SimTime::from_micros;
        let f = FaultRecord { kind: "x".into(), target: None, injected_at: t(10), detected_at: Some(t(15)) };
        assert_eq!(
            fault_outcomes(&[f], &[(t(0), lv(2))], &FailureMarks::default(), t(100))[0].recovered_at,
            Some(t(15))
        );
    }

    #[test]
    fn nothing_counts_after_the_end_of_the_run() {
        let t = SimTime::from_micros;
        let levels = vec![(t(0), lv(2)), (t(10), lv(1)), (t(130), lv(2))];
        let late = FaultRecord { kind: "x".into(), target: None, injected_at: t(10), detected_at: Some(t(120)) };
        let out = fault_outcomes(&[late], &levels, &FailureMarks::default(), t(100));
        assert_eq!((out[0].record.detected_at, out[0].recovered_at), (None, None));
        let early = FaultRecord { kind: "x".into(), target: None, injected_at: t(10), detected_at: Some(t(20)) };
        let out = fault_outcomes(&[early], &levels, &FailureMarks::default(), t(100));
        assert_eq!((out[0].record.detected_at, out[0].recovered_at), (Some(t(20)), None));
    }

    #[test]
    fn undetected_fault_has_no_recovery() {
        let t = SimTime::from_micros;
        let f = FaultRecord { kind: "x".into(), target: None, injected_at: t(10), detected_at: None };
        let out = fault_outcomes(&[f], &[(t(0), lv(2))], &FailureMarks::default(), t(100));
        assert_eq!(out[0].recovered_at, None);
    }
}
