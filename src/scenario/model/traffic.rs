//! How clients reach the proxies (the ingress and its load balancer) and the load they send.

use crate::engine::SimDuration;

/// How clients reach the proxies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingress {
    /// `kubectl port-forward` to one pod: follows neither a recreated pod nor a Service.
    Pinned {
        /// Pod name at the start of the run.
        pod: String,
    },
    /// A Kubernetes Service balancing over the pods whose readiness passes.
    Service,
    /// A cloud load balancer over the Ray pods' proxies, with its own health checks.
    LoadBalancer(LoadBalancer),
}

impl Ingress {
    /// The entry points named before any request, in report order: the pinned pod, or the load
    /// balancer's backends (a Service's endpoints are named as requests reach them).
    pub fn initial_entry_points(&self) -> Vec<String> {
        match self {
            Ingress::Pinned { pod } => vec![pod.clone()],
            Ingress::Service => Vec::new(),
            Ingress::LoadBalancer(lb) => lb.backends.clone(),
        }
    }
}

/// A cloud load balancer in front of the proxies (GCP's backend services by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    /// One backend per initial pod name, in the order given; a pod KubeRay recreates in place of
    /// one takes its backend.
    pub backends: Vec<String>,
    /// The worker groups `backends` named by their group name: each pod the Ray autoscaler adds
    /// to one of them becomes a backend too.
    pub groups: Vec<usize>,
    /// How new connections spread over the healthy backends.
    pub spread: Spread,
    /// The load balancer's health checks, or `None`: every backend gets traffic, dead or alive.
    pub health_check: Option<LbHealthCheck>,
    /// What it does with a new connection when no backend passes its health checks.
    pub when_all_unhealthy: WhenAllUnhealthy,
}

/// What a load balancer does with a new connection when every backend is unhealthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenAllUnhealthy {
    /// Sends it to any backend, healthy or not (AWS ALB and NLB, GCP passthrough network load
    /// balancers: "fail open").
    FailOpen,
    /// Answers it with an error at once (GCP Application Load Balancers: 502
    /// `failed_to_pick_backend`).
    Reject,
}

/// How a load balancer picks a backend for a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// In turn (GCP backend services' `localityLbPolicy` `ROUND_ROBIN`, AWS ALB's default).
    RoundRobin,
    /// Uniformly at random (the flow hash of passthrough network load balancers).
    Random,
}

/// A load balancer's health checks of each backend: an HTTP GET of the proxy's `/-/healthz`
/// every `period`; a probe fails when it is refused, answers non-200 or has no answer within
/// `timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LbHealthCheck {
    /// Between two probes of a backend.
    pub period: SimDuration,
    /// How long a probe waits for its answer (at most `period`).
    pub timeout: SimDuration,
    /// Failed probes in a row that make a healthy backend unhealthy.
    pub unhealthy_threshold: u32,
    /// Passed probes in a row that make an unhealthy backend healthy.
    pub healthy_threshold: u32,
}

impl LbHealthCheck {
    /// The longest a dead backend keeps getting traffic once its proxy refuses connections: up to
    /// one period before the first failed probe, then `unhealthy_threshold - 1` more periods.
    pub fn detection_bound(&self) -> SimDuration {
        self.period.saturating_mul(u64::from(self.unhealthy_threshold))
    }
}

/// Arrival process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    /// Exactly one request every 1/rate.
    Constant,
    /// Exponential inter-arrival times with mean 1/rate.
    Poisson,
}

/// Service-time distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceTime {
    /// Always the same.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exponential(SimDuration),
    /// Uniform between the two bounds.
    Uniform(SimDuration, SimDuration),
}

/// The mean gap between arrivals at `rate_per_s`, in whole picoseconds (`rate_per_s` > 0).
pub fn gap_ps(rate_per_s: f64) -> u64 {
    (1e12 / rate_per_s).round() as u64
}

/// Client load.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Arrival process.
    pub arrivals: Arrivals,
    /// `traffic.mode` as written ([`Scenario::traffic_mode`](super::Scenario::traffic_mode) says which mode runs).
    pub mode: crate::scenario::traffic_mode::TrafficMode,
    /// Requests per second of a constant rate: as given, or a shape's rate when it does not
    /// vary over the run.
    pub rate_per_s: f64,
    /// Mean inter-arrival gap in picoseconds: `1/rate` rounded to the picosecond (see
    /// [`crate::traffic`]).
    pub gap_ps: u64,
    /// The rate over time when it varies over the run (`traffic.shape`); `None` for the
    /// constant `rate_per_s`.
    pub shape: Option<crate::scenario::rate::RateShape>,
    /// Service time on a replica.
    pub service_time: ServiceTime,
    /// A client gives up after this; `None` waits forever (curl's default).
    pub client_timeout: Option<SimDuration>,
}

impl Traffic {
    /// Expected requests from the start of the run to `until`.
    pub fn expected_requests(&self, until: SimDuration) -> f64 {
        match &self.shape {
            None => self.rate_per_s * until.as_secs_f64(),
            Some(shape) => shape.integral(until.as_secs_f64()),
        }
    }

    /// The highest rate from the start of the run to `until` \[1/s\].
    pub fn peak_rate(&self, until: SimDuration) -> f64 {
        match &self.shape {
            None => self.rate_per_s,
            Some(shape) => shape.peak_until(until.as_secs_f64()),
        }
    }
}
