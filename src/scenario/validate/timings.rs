//! `timings`: Ray, KubeRay and Kubernetes mechanism timings.

use super::check::Checker;
use super::{d, f};
use crate::engine::SimDuration;
use crate::scenario::fields::Field;
use crate::scenario::model::Timings;
use crate::scenario::raw::RawScenario;
use crate::scenario::show;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario) -> Timings {
    ck.section(raw, "timings");
    let timings = Timings {
        actor_start: f::ACTOR_START_S.secs(raw),
        actor_death_detection: f::ACTOR_DEATH_DETECTION_S.secs(raw),
        controller_recovery: f::CONTROLLER_RECOVERY_S.secs(raw),
        routing_update: f::ROUTING_UPDATE_S.secs(raw),
        proxy_start: f::PROXY_START_S.secs(raw),
        proxy_health_check_period: f::PROXY_HEALTH_CHECK_PERIOD_S.secs(raw),
        proxy_health_check_timeout: f::PROXY_HEALTH_CHECK_TIMEOUT_S.secs(raw),
        proxy_min_draining: f::PROXY_MIN_DRAINING_S.secs(raw),
        queue_len_cache: f::QUEUE_LEN_CACHE_S.secs(raw),
        gcs_health_check_period: f::GCS_HEALTH_CHECK_PERIOD_S.secs(raw),
        gcs_health_check_timeout: f::GCS_HEALTH_CHECK_TIMEOUT_S.secs(raw),
        gcs_health_check_failure_threshold: f::GCS_HEALTH_CHECK_FAILURE_THRESHOLD.int(raw),
        gcs_reconnect_timeout: f::GCS_RECONNECT_TIMEOUT_S.secs(raw),
        worker_gcs_reconnect_timeout: f::WORKER_GCS_RECONNECT_TIMEOUT_S.secs(raw),
        gcs_redis_connect_window: f::GCS_REDIS_CONNECT_WINDOW_S.secs(raw),
        gcs_redis_crash: f::GCS_REDIS_CRASH_S.secs(raw),
        stale_raylet_rejection: f::STALE_RAYLET_REJECTION_S.secs(raw),
        ray_block_poll: f::RAY_BLOCK_POLL_S.secs(raw),
        ray_start: f::RAY_START_S.secs(raw),
        head_ray_start: f::HEAD_RAY_START_S.secs(raw),
        node_drain_timeout: f::NODE_DRAIN_TIMEOUT_S.secs(raw),
        pod_start: f::POD_START_S.secs(raw),
        wait_gcs_ready_period: f::WAIT_GCS_READY_PERIOD_S.secs(raw),
        kubelet_restart_backoff: f::KUBELET_RESTART_BACKOFF_S.secs(raw),
        kubelet_restart_backoff_max: f::KUBELET_RESTART_BACKOFF_MAX_S.secs(raw),
        readiness_initial_delay: f::READINESS_INITIAL_DELAY_S.secs(raw),
        readiness_period: f::READINESS_PERIOD_S.secs(raw),
        rayservice_reconcile: f::RAYSERVICE_RECONCILE_S.secs(raw),
        node_monitor_grace: f::NODE_MONITOR_GRACE_S.secs(raw),
        cloud_node_monitor: unrecorded(ck, &f::CLOUD_NODE_MONITOR_S, raw.timings.cloud_node_monitor_s),
        pod_gc_period: unrecorded(ck, &f::POD_GC_PERIOD_S, raw.timings.pod_gc_period_s),
        orphan_pod_gc: f::ORPHAN_POD_GC_S.secs(raw),
        node_provisioning: f::NODE_PROVISIONING_S.secs(raw),
        redis_failover: f::REDIS_FAILOVER_S.secs(raw),
        external_redis_failover: unrecorded(ck, &f::EXTERNAL_REDIS_FAILOVER_S, raw.timings.external_redis_failover_s),
        ray_autoscaler_update: unrecorded(ck, &f::RAY_AUTOSCALER_UPDATE_S, raw.timings.ray_autoscaler_update_s),
        serve_kv_timeout: unrecorded(ck, &f::SERVE_KV_TIMEOUT_S, raw.timings.serve_kv_timeout_s),
        long_poll_timeout_min: unrecorded(ck, &f::LONG_POLL_TIMEOUT_MIN_S, raw.timings.long_poll_timeout_min_s),
        long_poll_timeout_max: unrecorded(ck, &f::LONG_POLL_TIMEOUT_MAX_S, raw.timings.long_poll_timeout_max_s),
    };
    check_backoff(ck, raw, &timings);
    if timings.long_poll_timeout_max < timings.long_poll_timeout_min {
        ck.err(
            f::LONG_POLL_TIMEOUT_MAX_S.json_path(),
            format!(
                "expected at least long_poll_timeout_min_s ({}), found {}",
                show::num(timings.long_poll_timeout_min.as_secs_f64()),
                show::num(timings.long_poll_timeout_max.as_secs_f64())
            ),
        );
    }
    timings
}

/// A span of a field that resolution leaves out when absent (so that reports of scenarios
/// without it stay as they were): checked when given, else the table's default.
pub(super) fn unrecorded(ck: &mut Checker, field: &Field, v: Option<f64>) -> SimDuration {
    match v {
        Some(v) => ck.secs(field, field.json_path(), v),
        None => field.secs_of(field.default_f64().unwrap_or_default()),
    }
}

/// The kubelet's back-off must bound a crash loop, and its cap must not be below it.
fn check_backoff(ck: &mut Checker, raw: &RawScenario, timings: &Timings) {
    let min_backoff = d::MIN_KUBELET_RESTART_BACKOFF;
    if timings.kubelet_restart_backoff < min_backoff {
        ck.err(
            f::KUBELET_RESTART_BACKOFF_S.json_path(),
            format!(
                "expected at least {} s, found {}: a shorter back-off lets a container that keeps exiting \
                 (e.g. a head whose GCS cannot reach Redis) crash loop without bound; the kubelet's back-off \
                 starts at 10 s and its configurable restart period goes no lower than 1 s",
                min_backoff.as_secs_f64(),
                show::num(f::KUBELET_RESTART_BACKOFF_S.f64(raw))
            ),
        );
    }
    if timings.kubelet_restart_backoff_max < timings.kubelet_restart_backoff {
        ck.err(f::KUBELET_RESTART_BACKOFF_MAX_S.json_path(), "expected at least kubelet_restart_backoff_s");
    }
}
