//! `faults` and `failures`: scripted faults and failure processes with their distributions.

use serde::{Deserialize, Serialize};

/// One injected fault.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawFault {
    ReplicaCrash {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    ReplicaHealthCheckFailure {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mode: Option<RawHealthMode>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
    },
    ConstructorFailure {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        probability: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
    },
    ControllerCrash {
        at_s: f64,
        /// Recorded only when given, so that reports of earlier scenarios stay as they were.
        #[serde(skip_serializing_if = "Option::is_none")]
        restart: Option<bool>,
    },
    ProxyCrash {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    WorkerPodDeletion {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    NodeLoss {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        network: Option<RawNetwork>,
    },
    HeadPodCrash {
        at_s: f64,
    },
    RedisOutage {
        at_s: f64,
        duration_s: f64,
    },
    ZoneOutage {
        at_s: f64,
        zone: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        network: Option<RawNetwork>,
    },
    GcsCrash {
        at_s: f64,
    },
    ContainerCrash {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<RawCrashReason>,
    },
    NetworkPartition {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
    },
    NodeDelete {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    NodeUnreachable {
        at_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
    },
}

/// Why a pod's Ray container died (`container_crash`).
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawCrashReason {
    OomKilled,
    Error,
}

/// How a failing `check_health` fails.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawHealthMode {
    Raise,
    Hang,
}

/// How a lost node looks on the network.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawNetwork {
    Unreachable,
    Refused,
}

/// One failure process (`failures[]`): faults of one kind drawn over the run from a
/// time-to-failure distribution, or a planned maintenance.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawFailure {
    NodeLoss {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        network: Option<RawNetwork>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pool: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
    },
    WorkerPodDeletion {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    HeadPodCrash {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    ReplicaCrash {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    ReplicaHealthCheckFailure {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        ttr: Option<RawDist>,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mode: Option<RawHealthMode>,
    },
    ProxyCrash {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    ControllerCrash {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    RedisOutage {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        ttf: RawDist,
        ttr: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
    },
    RollingRestart {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        every_s: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        start_s: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gap_s: Option<f64>,
    },
    ZoneLoss {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        nodes: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
        ttf: RawDist,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_gap_s: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        network: Option<RawNetwork>,
    },
}

impl RawFailure {
    /// The value of `kind`.
    pub fn tag(&self) -> &'static str {
        match self {
            RawFailure::NodeLoss { .. } => "node_loss",
            RawFailure::WorkerPodDeletion { .. } => "worker_pod_deletion",
            RawFailure::HeadPodCrash { .. } => "head_pod_crash",
            RawFailure::ReplicaCrash { .. } => "replica_crash",
            RawFailure::ReplicaHealthCheckFailure { .. } => "replica_health_check_failure",
            RawFailure::ProxyCrash { .. } => "proxy_crash",
            RawFailure::ControllerCrash { .. } => "controller_crash",
            RawFailure::RedisOutage { .. } => "redis_outage",
            RawFailure::RollingRestart { .. } => "rolling_restart",
            RawFailure::ZoneLoss { .. } => "zone_loss",
        }
    }
}

/// A distribution of times between failures or of repair times, in `unit`.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    Exponential {
        mean: f64,
        unit: RawTimeUnit,
    },
    Weibull {
        shape: f64,
        scale: f64,
        unit: RawTimeUnit,
    },
    Lognormal {
        #[serde(skip_serializing_if = "Option::is_none")]
        median: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mu: Option<f64>,
        sigma: f64,
        unit: RawTimeUnit,
    },
    Empirical {
        csv: String,
        unit: RawTimeUnit,
    },
}

/// The unit of a distribution's times.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
pub enum RawTimeUnit {
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "min")]
    Minutes,
    #[serde(rename = "h")]
    Hours,
    #[serde(rename = "d")]
    Days,
}

impl RawTimeUnit {
    /// Seconds in one unit.
    pub fn secs(self) -> f64 {
        match self {
            RawTimeUnit::Seconds => 1.0,
            RawTimeUnit::Minutes => 60.0,
            RawTimeUnit::Hours => 3600.0,
            RawTimeUnit::Days => 86_400.0,
        }
    }
}
