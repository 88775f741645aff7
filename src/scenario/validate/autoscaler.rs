//! `cluster.autoscaler` and each worker group's `min_replicas` / `max_replicas`: KubeRay's
//! in-tree Ray autoscaler and the bounds it keeps each group in.

use super::check::Checker;
use super::{JsonPath, d, f};
use crate::scenario::model::{Manager, RayAutoscaler, UpscalingMode, WorkerGroup};
use crate::scenario::raw::{RawRayAutoscaler, RawUpscalingMode, RawWorkerGroup};

/// A group's `(min_replicas, max_replicas)` (both `replicas` when absent), with an error at the
/// group's path `p` when `replicas` lies outside them or `max_replicas` is below `min_replicas`.
pub(super) fn group_bounds(ck: &mut Checker, p: &JsonPath, g: &RawWorkerGroup, replicas: u32) -> (u32, u32) {
    let mut bound = |field, key: &str, v: Option<u64>| v.map_or(replicas, |v| ck.int(field, p.key(key), v));
    let min = bound(&f::WORKER_GROUP_MIN_REPLICAS, "min_replicas", g.min_replicas);
    let max = bound(&f::WORKER_GROUP_MAX_REPLICAS, "max_replicas", g.max_replicas);
    if max < min {
        ck.err(p.key("max_replicas"), format!("expected at least min_replicas ({min}), found {max}"));
    } else if !(min..=max).contains(&replicas) {
        ck.err(
            p.key("replicas"),
            format!("expected from min_replicas ({min}) to max_replicas ({max}), found {replicas}"),
        );
    }
    (min, max)
}

/// The autoscaler (off when `cluster.autoscaler` is absent). Enabled, it needs KubeRay and a
/// group whose size it may change (`min_replicas` < `max_replicas`), and the groups' largest
/// sizes must stay within the pods a scenario may hold.
pub(super) fn validate(
    ck: &mut Checker,
    raw: Option<&RawRayAutoscaler>,
    groups: &[WorkerGroup],
    manager: Manager,
) -> RayAutoscaler {
    let raw = raw.cloned().unwrap_or_default();
    let enabled = raw.enabled.unwrap_or_else(|| f::AUTOSCALER_ENABLED.default_bool());
    let idle_timeout = super::timings::unrecorded(ck, &f::AUTOSCALER_IDLE_TIMEOUT_S, raw.idle_timeout_s);
    let upscaling_mode = match raw.upscaling_mode.unwrap_or_else(|| f::AUTOSCALER_UPSCALING_MODE.default_as()) {
        RawUpscalingMode::Conservative => UpscalingMode::Conservative,
        RawUpscalingMode::Default => UpscalingMode::Default,
        RawUpscalingMode::Aggressive => UpscalingMode::Aggressive,
    };
    let path = f::AUTOSCALER_ENABLED.json_path();
    let largest: u64 = groups.iter().map(|g| u64::from(g.max_replicas)).sum();
    if largest > d::MAX_WORKER_PODS {
        let msg =
            format!("expected at most {} worker pods in all groups' max_replicas, found {largest}", d::MAX_WORKER_PODS);
        ck.err(f::WORKER_GROUPS.json_path(), msg);
    }
    if enabled && manager == Manager::Plain {
        ck.err(path, "cluster.manager is plain: the Ray autoscaler of this model scales KubeRay worker groups");
    } else if enabled && !groups.iter().any(|g| g.min_replicas < g.max_replicas) {
        ck.err(
            path,
            "the autoscaler can change no worker group: give a group min_replicas below max_replicas \
             (both default to replicas)",
        );
    }
    RayAutoscaler { enabled, idle_timeout, upscaling_mode }
}
