//! `timings`: overrides of Ray's, KubeRay's and Kubernetes' timings.

use serde::{Deserialize, Serialize};

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
