//! The Serve section: proxies, applications, their deployments and autoscaling.

use super::Resources;
use crate::engine::SimDuration;

/// Where Serve runs HTTP proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyLocation {
    /// On the head and on every node that hosts a replica (Ray 2.60).
    EveryNode,
    /// On the head only.
    HeadOnly,
}

/// Ray Serve: its applications and where it runs proxies.
#[derive(Clone, Debug)]
pub struct Serve {
    /// The applications, in file order: one when the file gives the shorthand (`serve.*`), with
    /// route prefix `/` and every request.
    pub applications: Vec<Application>,
    /// Proxy placement.
    pub proxy_location: ProxyLocation,
}

impl Serve {
    /// The first application's deployment: the only one of a single-application scenario.
    pub fn first(&self) -> &Deployment {
        &self.applications[0].deployment
    }

    /// Every application's deployment, in file order.
    pub fn deployments(&self) -> impl Iterator<Item = &Deployment> {
        self.applications.iter().map(|a| &a.deployment)
    }

    /// Replica names at the start of the run, deployment by deployment.
    pub fn initial_replicas(&self) -> Vec<String> {
        self.deployments().flat_map(|d| (1..=d.num_replicas).map(|i| format!("{}#{i}", d.name))).collect()
    }

    /// Replicas every deployment targets, summed.
    pub fn total_replicas(&self) -> u32 {
        self.deployments().map(|d| d.num_replicas).sum()
    }
}

/// A Serve application: one deployment, its ingress (model composition is not modelled).
#[derive(Clone, Debug)]
pub struct Application {
    /// Application name.
    pub name: String,
    /// The HTTP route prefix the proxies route to it.
    pub route_prefix: String,
    /// Its share of the requests (the shares sum to 1).
    pub share: f64,
    /// Its deployment.
    pub deployment: Deployment,
}

/// A Serve deployment: one replica set with its own options.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Deployment name; replicas are `<name>#<n>`.
    pub name: String,
    /// Target replica count.
    pub num_replicas: u32,
    /// What each replica needs (`ray_actor_options` `num_cpus`, `num_gpus`, `memory`,
    /// `resources`).
    pub replica_resources: Resources,
    /// Hard cap of replicas per Ray node.
    pub max_replicas_per_node: Option<u32>,
    /// Per-replica concurrency cap.
    pub max_ongoing_requests: u32,
    /// Constructor duration.
    pub constructor: SimDuration,
    /// Replica health-check period.
    pub health_check_period: SimDuration,
    /// Replica health-check timeout.
    pub health_check_timeout: SimDuration,
    /// Drain budget of a stopping replica.
    pub graceful_shutdown_timeout: SimDuration,
    /// Deployment-level constructor retry cap.
    pub max_constructor_retry_count: u32,
    /// Serve autoscaling; `None`: a fixed `num_replicas`. With it, `num_replicas` is the
    /// initial count.
    pub autoscaling: Option<AutoscalingConfig>,
}

/// Serve's `autoscaling_config` (Ray's `AutoscalingConfig`); see [`crate::scenario::fields`]
/// for each default and its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoscalingConfig {
    /// Lower bound of the target replica count.
    pub min_replicas: u32,
    /// Upper bound of the target replica count.
    pub max_replicas: u32,
    /// Replicas at the start.
    pub initial_replicas: u32,
    /// Ongoing requests per replica the policy aims at.
    pub target_ongoing_requests: f64,
    /// How often the routers push their samples to the controller.
    pub metrics_interval: SimDuration,
    /// The window the samples are averaged over.
    pub look_back_period: SimDuration,
    /// How long a scale-up decision must hold before it applies.
    pub upscale_delay: SimDuration,
    /// How long a scale-down decision must hold before it applies.
    pub downscale_delay: SimDuration,
    /// Gain on an upscaling step.
    pub upscaling_factor: f64,
    /// Gain on a downscaling step.
    pub downscaling_factor: f64,
}

impl Deployment {
    /// Constructor failures after which a deployment that never started a replica is
    /// `DEPLOY_FAILED`: min(max_constructor_retry_count, 3 x num_replicas).
    pub fn failed_to_start_threshold(&self) -> u32 {
        let per_replica =
            u64::from(self.num_replicas).saturating_mul(crate::scenario::defaults::MAX_PER_REPLICA_RETRY_COUNT);
        per_replica.min(u64::from(self.max_constructor_retry_count)) as u32
    }

    /// The controller's health-check sweep: 0.5 x min(period, routing-stats period).
    pub fn health_check_sweep(&self) -> SimDuration {
        self.health_check_period.min(crate::scenario::defaults::REQUEST_ROUTING_STATS_PERIOD).scale(1, 2)
    }
}
