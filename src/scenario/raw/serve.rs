//! `serve`: the shorthand deployment or the applications, their deployment options and
//! autoscaling, and where proxies run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
