//! The scenario file as written by a user: serde structs that mirror the JSON one to one.
//!
//! Every struct rejects unknown fields, and every field that has a default is optional here; the
//! defaults are filled in by [`super::resolve`] and every value is checked by [`super::validate`],
//! which turns these raw structs into the domain types of [`super::model`]; both take each
//! field's default and limits from the table of [`super::fields`]. Times are seconds (`_s`
//! suffix).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// The JSON Schema the file follows (`ftsim schema`), for editors; not recorded in reports.
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_s: Option<f64>,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub serve: RawServe,
    #[serde(default)]
    pub timings: RawTimings,
    #[serde(default)]
    pub ingress: RawIngress,
    #[serde(default)]
    pub traffic: RawTraffic,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// Recorded only when given, so that reports of scenarios without processes stay as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<RawFailure>,
    #[serde(default)]
    pub slo: RawSlo,
}

/// Kubernetes nodes, Ray pods, GCS fault tolerance and Redis.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k8s_nodes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ray_pods_per_node: Option<u64>,
    /// Recorded only when given, so that reports of KubeRay scenarios stay as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<RawManager>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_num_cpus: Option<f64>,
    /// The head's GPUs, memory and custom resources: recorded only when given, so that reports
    /// of CPU-only scenarios stay as before (also below).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_num_gpus: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_memory: Option<RawQuantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_resources: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_groups: Option<Vec<RawWorkerGroup>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_fault_tolerance: Option<bool>,
    #[serde(default)]
    pub redis: RawRedis,
    /// Recorded only when given, so that reports of one-pool scenarios stay as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_pools: Option<Vec<RawNodePool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_pool: Option<String>,
    /// KubeRay's in-tree Ray autoscaler: recorded only when given, so that reports of fixed-size
    /// clusters stay as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<RawRayAutoscaler>,
}

/// `cluster.autoscaler`: KubeRay's in-tree Ray autoscaler (`enableInTreeAutoscaling`).
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRayAutoscaler {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upscaling_mode: Option<RawUpscalingMode>,
}

/// KubeRay's `autoscalerOptions.upscalingMode`.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
pub enum RawUpscalingMode {
    Conservative,
    Default,
    Aggressive,
}

/// A pool of Kubernetes nodes in one zone.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawNodePool {
    pub name: String,
    pub nodes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Recorded only when given (the pool then never grows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u64>,
}

/// KubeRay, or Ray started with plain `ray start`.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawManager {
    #[serde(rename = "kuberay")]
    KubeRay,
    Plain,
}

/// One KubeRay worker group.
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawWorkerGroup {
    pub name: String,
    pub replicas: u64,
    /// The autoscaler's bounds: recorded only when given (both `replicas` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_cpus: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_gpus: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<RawQuantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
}

/// The external Redis used by GCS fault tolerance.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRedis {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RawRedisMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Live mode only; serialized as `[REDACTED]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<super::secret::Secret>,
}

/// Single Redis pod, or a highly available Redis that fails over.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawRedisMode {
    Single,
    Ha,
    External,
}

/// Declares a struct with the deployment options (those of the shorthand at the top of `serve`
/// and of each item of `serve.applications`) between its fields `$before` and `$after`.
macro_rules! with_deployment_options {
    ($(#[$meta:meta])* pub struct $name:ident { $($before:tt)* } { $($after:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($before)*
            #[serde(skip_serializing_if = "Option::is_none")]
            pub deployment: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub num_replicas: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub num_cpus_per_replica: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub num_gpus_per_replica: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub memory_per_replica: Option<RawQuantity>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub resources_per_replica: Option<BTreeMap<String, f64>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub max_replicas_per_node: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub max_ongoing_requests: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub constructor_s: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub health_check_period_s: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub health_check_timeout_s: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub graceful_shutdown_timeout_s: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub max_constructor_retry_count: Option<u64>,
            $($after)*
        }
    };
}

with_deployment_options! {
    /// Ray Serve: one application whose deployment the top-level fields describe (the shorthand,
    /// as in the guide's working example), or `applications`.
    #[derive(Debug, Deserialize, Serialize, Default, Clone)]
    #[serde(deny_unknown_fields)]
    pub struct RawServe {
        /// Recorded only when given, so that reports of single-application scenarios stay as before.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub applications: Option<Vec<RawApplication>>,
    } {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub proxy_location: Option<RawProxyLocation>,
        /// The shorthand's deployment's autoscaling; recorded only when given, so that reports
        /// of fixed-size deployments stay as before.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub autoscaling: Option<RawAutoscaling>,
    }
}

impl RawServe {
    /// The top-level deployment fields as the one application they stand for (no name, route
    /// prefix or share: those are the single application's defaults).
    pub fn shorthand(&self) -> RawApplication {
        RawApplication {
            name: String::new(),
            route_prefix: None,
            share: None,
            deployment: self.deployment.clone(),
            num_replicas: self.num_replicas,
            num_cpus_per_replica: self.num_cpus_per_replica,
            num_gpus_per_replica: self.num_gpus_per_replica,
            memory_per_replica: self.memory_per_replica.clone(),
            resources_per_replica: self.resources_per_replica.clone(),
            max_replicas_per_node: self.max_replicas_per_node,
            max_ongoing_requests: self.max_ongoing_requests,
            constructor_s: self.constructor_s,
            health_check_period_s: self.health_check_period_s,
            health_check_timeout_s: self.health_check_timeout_s,
            graceful_shutdown_timeout_s: self.graceful_shutdown_timeout_s,
            max_constructor_retry_count: self.max_constructor_retry_count,
            autoscaling: self.autoscaling.clone(),
        }
    }
}

with_deployment_options! {
    /// One Serve application of `serve.applications`: its name, route, share of the requests and
    /// its deployment's options (the same as the shorthand's).
    #[derive(Debug, Deserialize, Serialize, Default, Clone)]
    #[serde(deny_unknown_fields)]
    pub struct RawApplication {
        pub name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub route_prefix: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub share: Option<f64>,
    } {
        /// The deployment's autoscaling (`serve.autoscaling` for the shorthand).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub autoscaling: Option<RawAutoscaling>,
    }
}

/// An amount of memory: bytes, or a Kubernetes quantity (`"8Gi"`).
#[derive(Debug, Serialize, Clone, PartialEq)]
#[serde(untagged)]
pub enum RawQuantity {
    Bytes(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawQuantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Quantity;
        impl serde::de::Visitor<'_> for Quantity {
            type Value = RawQuantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a memory size: bytes (a number) or a Kubernetes quantity (a string such as \"8Gi\")")
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Bytes(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Bytes(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Bytes(v as f64))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(Quantity)
    }
}

/// Serve's `autoscaling_config` of the deployment.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ongoing_requests: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_interval_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub look_back_period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upscale_delay_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downscale_delay_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upscaling_factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downscaling_factor: Option<f64>,
}

/// Where Serve runs proxies.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
pub enum RawProxyLocation {
    EveryNode,
    HeadOnly,
}

/// Overrides of Ray, KubeRay and Kubernetes timings; see the scenario format docs for each
/// default and its source.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawTimings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_start_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_death_detection_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller_recovery_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_update_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_start_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_health_check_period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_health_check_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_min_draining_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_len_cache_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_health_check_period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_health_check_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_health_check_failure_threshold: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_reconnect_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_gcs_reconnect_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_redis_connect_window_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_redis_crash_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_raylet_rejection_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ray_block_poll_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ray_start_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_ray_start_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_drain_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_start_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_gcs_ready_period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubelet_restart_backoff_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubelet_restart_backoff_max_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_initial_delay_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_period_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rayservice_reconcile_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_monitor_grace_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphan_pod_gc_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_provisioning_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_failover_s: Option<f64>,
    /// Recorded only when given, like the two below, so that earlier reports stay as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serve_kv_timeout_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_redis_failover_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ray_autoscaler_update_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_poll_timeout_min_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_poll_timeout_max_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_node_monitor_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_gc_period_s: Option<f64>,
}

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

/// The steady-state hypothesis.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_success_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_downtime_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failed_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brownout_merge_gap_s: Option<f64>,
}
