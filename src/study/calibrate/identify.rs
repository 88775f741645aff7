//! Which observed interval identifies which timing parameter, and which parameters no live run
//! can identify.

use serde_json::Value;

use super::FaultTimes;

/// An interval of a fault, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    /// Injection to detection.
    Detect,
    /// Injection to recovery.
    Recover,
    /// Detection to recovery: what is left once a drawn detection (the phase of a health check)
    /// is taken out.
    AfterDetect,
}

impl Interval {
    /// Its length in `f`, when both ends happened.
    pub fn of(self, f: &FaultTimes) -> Option<f64> {
        match self {
            Interval::Detect => f.detect_s,
            Interval::Recover => f.recover_s,
            Interval::AfterDetect => Some(f.recover_s? - f.detect_s?),
        }
    }

    /// Its name in the output.
    pub fn name(self) -> &'static str {
        match self {
            Interval::Detect => "detect",
            Interval::Recover => "recover",
            Interval::AfterDetect => "recover - detect",
        }
    }
}

/// A timing parameter calibration fits.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    /// Its field path.
    pub path: &'static str,
    /// The fault kinds whose interval identifies it.
    pub kinds: &'static [&'static str],
    /// Which interval of those faults.
    pub interval: Interval,
    /// Whether a run's (resolved) scenario is one where the interval hangs on this parameter.
    pub applies: fn(&Value) -> bool,
    /// That condition in words (empty when it always holds), after "a ... fault".
    pub condition: &'static str,
    /// What the interval is made of, for the documentation and the output.
    pub why: &'static str,
}

fn always(_: &Value) -> bool {
    true
}

/// With GCS fault tolerance: without it a head crash is a race of worker rejections, not a start.
fn gcs_ft(scenario: &Value) -> bool {
    scenario.pointer("/cluster/gcs_fault_tolerance") == Some(&Value::Bool(true))
}

/// The parameters, in fitting order: each is fitted with those above it already applied (the
/// controller's recovery after the actor start it includes).
pub const PARAMETERS: &[Parameter] = &[
    Parameter {
        path: "timings.actor_start_s",
        kinds: &["replica_crash", "replica_health_check_failure"],
        interval: Interval::AfterDetect,
        applies: always,
        condition: "",
        why: "the replacement replica: actor start + serve.constructor_s (the constructor's overhead is in it)",
    },
    Parameter {
        path: "timings.ray_start_s",
        kinds: &["worker_pod_deletion", "node_loss"],
        interval: Interval::Recover,
        applies: always,
        condition: "",
        why: "the new worker pod: drain, pod start, `ray start`, its replicas",
    },
    Parameter {
        path: "timings.head_ray_start_s",
        kinds: &["head_pod_crash"],
        interval: Interval::Recover,
        applies: gcs_ft,
        condition: " with GCS fault tolerance",
        why: "the new head pod with GCS fault tolerance: pod start, `ray start --head`, controller, replicas",
    },
    Parameter {
        path: "timings.controller_recovery_s",
        kinds: &["controller_crash"],
        interval: Interval::Recover,
        applies: always,
        condition: "",
        why: "the restarted controller: actor start + its recovery",
    },
    Parameter {
        path: "timings.proxy_start_s",
        kinds: &["proxy_crash"],
        interval: Interval::AfterDetect,
        applies: always,
        condition: "",
        why: "the replacement proxy once 3 health checks failed",
    },
    Parameter {
        path: "timings.gcs_redis_crash_s",
        kinds: &["redis_outage"],
        interval: Interval::Detect,
        applies: always,
        condition: "",
        why: "the GCS exits after losing Redis; live detection also holds a poll of `ray start --block`",
    },
];

/// Timing parameters no live run identifies, and why.
pub const NOT_IDENTIFIABLE: &[(&str, &str)] = &[
    ("timings.pod_start_s", "live mode has no Kubernetes: a pod's start is its own timer on this value"),
    ("timings.node_monitor_grace_s", "live mode's NotReady is its own timer on this value"),
    ("timings.cloud_node_monitor_s", "live mode's Node deletion is its own timer on this value"),
    ("timings.pod_gc_period_s", "live mode's pod garbage collection is its own timer on this value"),
    ("timings.orphan_pod_gc_s", "live mode's pod garbage collection is its own timer on this value"),
    ("timings.node_provisioning_s", "live mode's replacement node is its own timer on this value"),
    (
        "timings.stale_raylet_rejection_s",
        "drawn per run (a race after a head crash without GCS fault tolerance): one run is one draw",
    ),
];
