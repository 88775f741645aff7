//! `cluster`: Kubernetes nodes and pools, KubeRay worker groups, the Ray autoscaler, GCS fault
//! tolerance and Redis.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RawQuantity;

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
    pub password: Option<crate::scenario::secret::Secret>,
}

/// Single Redis pod, or a highly available Redis that fails over.
#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawRedisMode {
    Single,
    Ha,
    External,
}
