//! `serve`: the deployment, and whether its replicas fit in the cluster.

use super::check::{Checker, r};
use super::f;
use crate::scenario::model::{AutoscalingConfig, Cluster, ProxyLocation, Serve, Traffic};
use crate::scenario::raw::{RawAutoscaling, RawProxyLocation, RawScenario};
use crate::scenario::traffic_mode::TrafficMode;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster) -> Serve {
    let deployment = r(&raw.serve.deployment);
    ck.text(&f::DEPLOYMENT, f::DEPLOYMENT.json_path(), &deployment);
    ck.section(raw, "serve");
    let serve = Serve {
        deployment,
        num_replicas: f::NUM_REPLICAS.int(raw),
        cpus_per_replica_milli: f::NUM_CPUS_PER_REPLICA.milli_cpus_of(f::NUM_CPUS_PER_REPLICA.f64(raw)),
        max_replicas_per_node: f::MAX_REPLICAS_PER_NODE.get_u64(raw).map(|v| f::MAX_REPLICAS_PER_NODE.int_of(v)),
        max_ongoing_requests: f::MAX_ONGOING_REQUESTS.int(raw),
        constructor: f::CONSTRUCTOR_S.secs(raw),
        health_check_period: f::HEALTH_CHECK_PERIOD_S.secs(raw),
        health_check_timeout: f::HEALTH_CHECK_TIMEOUT_S.secs(raw),
        graceful_shutdown_timeout: f::GRACEFUL_SHUTDOWN_TIMEOUT_S.secs(raw),
        max_constructor_retry_count: f::MAX_CONSTRUCTOR_RETRY_COUNT.int(raw),
        proxy_location: match r(&raw.serve.proxy_location) {
            RawProxyLocation::EveryNode => ProxyLocation::EveryNode,
            RawProxyLocation::HeadOnly => ProxyLocation::HeadOnly,
        },
        autoscaling: None,
    };
    let serve = Serve { autoscaling: raw.serve.autoscaling.as_ref().map(|a| autoscaling(ck, a, &serve)), ..serve };
    check_placement(ck, &serve, cluster);
    serve
}

/// `serve.autoscaling`: each value in its limits, `min_replicas <= initial_replicas <=
/// max_replicas`, and `num_replicas`, if given, the initial count (Ray refuses both).
fn autoscaling(ck: &mut Checker, a: &RawAutoscaling, serve: &Serve) -> AutoscalingConfig {
    let int = |ck: &mut Checker, field: &f::Field, v: &Option<u64>| ck.int(field, field.json_path(), r(v));
    let min_replicas = int(ck, &f::AUTOSCALING_MIN_REPLICAS, &a.min_replicas);
    let max_replicas = int(ck, &f::AUTOSCALING_MAX_REPLICAS, &a.max_replicas);
    let initial_replicas = int(ck, &f::AUTOSCALING_INITIAL_REPLICAS, &a.initial_replicas);
    let secs = |ck: &mut Checker, field: &f::Field, v: &Option<f64>| ck.secs(field, field.json_path(), r(v));
    let num = |ck: &mut Checker, field: &f::Field, v: &Option<f64>| ck.num(field, field.json_path(), r(v));
    let config = AutoscalingConfig {
        min_replicas,
        max_replicas,
        initial_replicas,
        target_ongoing_requests: num(ck, &f::AUTOSCALING_TARGET_ONGOING_REQUESTS, &a.target_ongoing_requests),
        metrics_interval: secs(ck, &f::AUTOSCALING_METRICS_INTERVAL_S, &a.metrics_interval_s),
        look_back_period: secs(ck, &f::AUTOSCALING_LOOK_BACK_PERIOD_S, &a.look_back_period_s),
        upscale_delay: secs(ck, &f::AUTOSCALING_UPSCALE_DELAY_S, &a.upscale_delay_s),
        downscale_delay: secs(ck, &f::AUTOSCALING_DOWNSCALE_DELAY_S, &a.downscale_delay_s),
        upscaling_factor: num(ck, &f::AUTOSCALING_UPSCALING_FACTOR, &a.upscaling_factor),
        downscaling_factor: num(ck, &f::AUTOSCALING_DOWNSCALING_FACTOR, &a.downscaling_factor),
    };
    if max_replicas < min_replicas {
        let msg = format!("expected at least min_replicas ({min_replicas}), found {max_replicas}");
        ck.err(f::AUTOSCALING_MAX_REPLICAS.json_path(), msg);
    } else if !(min_replicas..=max_replicas).contains(&initial_replicas) {
        let msg = format!(
            "expected from min_replicas ({min_replicas}) to max_replicas ({max_replicas}), found {initial_replicas}"
        );
        ck.err(f::AUTOSCALING_INITIAL_REPLICAS.json_path(), msg);
    }
    if serve.num_replicas != initial_replicas {
        let msg = format!(
            "expected no num_replicas with serve.autoscaling (Ray refuses both; the initial count is \
             autoscaling.initial_replicas, {initial_replicas}), found {}",
            serve.num_replicas
        );
        ck.err(f::NUM_REPLICAS.json_path(), msg);
    }
    config
}

/// An autoscaled deployment needs per-request traffic: its policy reads every replica's ongoing
/// requests, which counted stretches do not hold.
pub(super) fn autoscaled_traffic(ck: &mut Checker, serve: &Serve, traffic: &Traffic) {
    if serve.autoscaling.is_some() && traffic.mode == TrafficMode::Counted {
        let msg = "expected auto or per_request with serve.autoscaling (its policy reads every replica's ongoing \
                   requests, which counted mode does not hold), found \"counted\"";
        ck.err(f::TRAFFIC_MODE.json_path(), msg);
    }
}

/// The replicas must fit: under `max_replicas_per_node`, and in the cluster's CPUs.
fn check_placement(ck: &mut Checker, serve: &Serve, cluster: &Cluster) {
    let num_replicas = serve.num_replicas;
    let ray_pods: u64 = 1 + cluster.worker_groups.iter().map(|g| u64::from(g.replicas)).sum::<u64>();
    if let Some(cap) = serve.max_replicas_per_node
        && u64::from(num_replicas) > u64::from(cap) * ray_pods
    {
        ck.err(
            f::NUM_REPLICAS.json_path(),
            format!(
                "{num_replicas} replicas cannot be placed: max_replicas_per_node = {cap} allows at most {} on {ray_pods} Ray pods",
                u64::from(cap) * ray_pods
            ),
        );
    }
    let per_replica = serve.cpus_per_replica_milli;
    if per_replica > 0 {
        let total: u64 = cluster.head_cpus_milli
            + cluster.worker_groups.iter().map(|g| g.cpus_milli * u64::from(g.replicas)).sum::<u64>();
        if u64::from(num_replicas) * per_replica > total {
            ck.err(
                f::NUM_REPLICAS.json_path(),
                format!(
                    "{num_replicas} replicas x {} CPUs do not fit in the cluster's {} CPUs",
                    per_replica as f64 / 1000.0,
                    total as f64 / 1000.0
                ),
            );
        }
    }
}
