//! `ingress` and `traffic`: how clients reach the proxies, the arrivals, the rate's shape and the
//! service time.

use serde::{Deserialize, Serialize};

/// How client traffic reaches the Serve proxies.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawIngress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RawIngressKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Load balancer only: pod names or worker-group names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backends: Option<Vec<String>>,
    /// Load balancer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<RawSpread>,
    /// Load balancer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<RawLbHealthCheck>,
    /// Load balancer only; recorded only when given, so that reports of earlier scenarios stay
    /// as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when_all_unhealthy: Option<RawWhenAllUnhealthy>,
}

/// What a load balancer does when no backend is healthy.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawWhenAllUnhealthy {
    FailOpen,
    Reject,
}

/// Pinned to one pod (`kubectl port-forward`), a Kubernetes Service over ready pods, or a cloud
/// load balancer over the proxies.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawIngressKind {
    Pinned,
    Service,
    LoadBalancer,
}

/// A load balancer's spread over its healthy backends.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawSpread {
    RoundRobin,
    Random,
}

/// A load balancer's health checks.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLbHealthCheck {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<u64>,
}

/// Client load.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<RawArrivals>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RawTrafficMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<RawShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_time: Option<RawServiceTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_timeout_s: Option<f64>,
}

/// Arrival process.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawArrivals {
    Constant,
    Poisson,
}

/// How requests are simulated.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawTrafficMode {
    Auto,
    PerRequest,
    Counted,
}

/// How the request rate varies with time.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawShape {
    Steps {
        steps: Vec<RawStep>,
    },
    Ramp {
        at_s: f64,
        span_s: f64,
        to_per_s: f64,
    },
    Daily {
        amplitude_per_s: f64,
        peak_hour: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        start_hour: Option<f64>,
    },
    Csv {
        csv: String,
        unit: RawRateUnit,
    },
}

/// One step of a stepped rate.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at_s: f64,
    pub rate_per_s: f64,
}

/// The unit of a CSV file's rates.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawRateUnit {
    PerS,
    PerMin,
}

/// Service-time distribution of one request on a replica.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawServiceTime {
    Constant { s: f64 },
    Exponential { mean_s: f64 },
    Uniform { min_s: f64, max_s: f64 },
}
