//! Mechanism timings: health checks, restarts, timeouts.

use crate::engine::SimDuration;

/// Mechanism timings; see [`crate::scenario::fields`] for each default and its source.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Timings {
    pub actor_start: SimDuration,
    pub actor_death_detection: SimDuration,
    pub controller_recovery: SimDuration,
    pub routing_update: SimDuration,
    pub proxy_start: SimDuration,
    pub proxy_health_check_period: SimDuration,
    pub proxy_health_check_timeout: SimDuration,
    pub proxy_min_draining: SimDuration,
    pub queue_len_cache: SimDuration,
    pub gcs_health_check_period: SimDuration,
    pub gcs_health_check_timeout: SimDuration,
    pub gcs_health_check_failure_threshold: u32,
    pub gcs_reconnect_timeout: SimDuration,
    pub worker_gcs_reconnect_timeout: SimDuration,
    pub gcs_redis_connect_window: SimDuration,
    pub gcs_redis_crash: SimDuration,
    pub stale_raylet_rejection: SimDuration,
    pub ray_block_poll: SimDuration,
    pub ray_start: SimDuration,
    pub head_ray_start: SimDuration,
    pub node_drain_timeout: SimDuration,
    pub pod_start: SimDuration,
    pub wait_gcs_ready_period: SimDuration,
    pub kubelet_restart_backoff: SimDuration,
    pub kubelet_restart_backoff_max: SimDuration,
    pub readiness_initial_delay: SimDuration,
    pub readiness_period: SimDuration,
    pub rayservice_reconcile: SimDuration,
    pub node_monitor_grace: SimDuration,
    /// The cloud node lifecycle controller's period (`--node-monitor-period`).
    pub cloud_node_monitor: SimDuration,
    /// PodGC's pass period (`gcCheckPeriod`).
    pub pod_gc_period: SimDuration,
    pub orphan_pod_gc: SimDuration,
    pub node_provisioning: SimDuration,
    pub redis_failover: SimDuration,
    /// Failover of a managed Redis outside the cluster (`redis.mode` = `external`).
    pub external_redis_failover: SimDuration,
    /// The Ray autoscaler's update period (`AUTOSCALER_UPDATE_INTERVAL_S`).
    pub ray_autoscaler_update: SimDuration,
    /// `RAY_SERVE_KV_TIMEOUT_S` of the live cluster.
    pub serve_kv_timeout: SimDuration,
    /// `LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_LOWER_BOUND` of the live cluster.
    pub long_poll_timeout_min: SimDuration,
    /// `LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_UPPER_BOUND` of the live cluster.
    pub long_poll_timeout_max: SimDuration,
}

impl Timings {
    /// How long the GCS takes to declare a silent node dead. The check is skipped while syncer
    /// messages are fresh, so the first probe goes out one period after the node goes silent;
    /// then `threshold` probes must fail, `period` apart. Refused connections fail at once
    /// (3 + 4 x 3 = 15 s by default); black-holed ones each wait out the deadline
    /// (3 + 5 x 10 + 4 x 3 = 65 s).
    pub fn gcs_node_death_detection(&self, unreachable: bool) -> SimDuration {
        let n = u64::from(self.gcs_health_check_failure_threshold);
        let gaps = self.gcs_health_check_period.saturating_mul(n.saturating_sub(1));
        let waits = if unreachable { self.gcs_health_check_timeout.saturating_mul(n) } else { SimDuration::ZERO };
        self.gcs_health_check_period + gaps + waits
    }
}
