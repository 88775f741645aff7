//! Raw scenario -> resolved raw scenario: every default filled in, from the field table
//! ([`super::fields`]), so that the resolved scenario can be recorded in reports.

use super::defaults::DEFAULT_BUCKETS;
use super::fields::{self as f, FIELDS};
use super::raw::*;
use super::resources::{Resources, units_of};
use std::collections::BTreeMap;

/// Fills every default into `raw`.
pub fn resolve(mut raw: RawScenario) -> RawScenario {
    raw.name.get_or_insert_with(|| "scenario".to_string());
    raw.description.get_or_insert_with(|| f::DESCRIPTION.default_as());
    let duration = raw.duration_s.or(f::DURATION_S.default_f64()).unwrap_or_default();
    raw.bucket_s.get_or_insert(default_bucket_s(duration));
    if let Some(pools) = &raw.cluster.node_pools {
        raw.cluster.k8s_nodes.get_or_insert(pools.iter().map(|p| p.nodes).fold(0, u64::saturating_add));
    }
    if let Some(a) = raw.serve.autoscaling.as_mut().filter(|_| raw.serve.applications.is_none()) {
        let initial = resolve_autoscaling(a);
        raw.serve.num_replicas.get_or_insert(initial);
    }
    // With `serve.applications`, each application has its defaults and the shorthand none.
    let shorthand = f::deployment_fields().map(|(short, _)| short.path).collect::<Vec<_>>();
    let several = raw.serve.applications.is_some();
    for field in FIELDS.iter().filter(|f| !(several && shorthand.contains(&f.path))) {
        field.fill_default(&mut raw);
    }
    resolve_cluster(&mut raw.cluster);
    let s = &mut raw.serve;
    match &mut s.applications {
        None => {
            s.deployment.get_or_insert_with(|| f::DEPLOYMENT.default_as());
        }
        Some(apps) => resolve_applications(apps),
    }
    s.proxy_location.get_or_insert_with(|| f::PROXY_LOCATION.default_as());
    // KubeRay raises the workers' timeout with GCS fault tolerance; plain `ray start` keeps Ray's.
    let worker_reconnect = match (raw.cluster.gcs_fault_tolerance, raw.cluster.manager) {
        (Some(true), None | Some(RawManager::KubeRay)) => f::WORKER_GCS_RECONNECT_TIMEOUT_FT.as_secs_f64(),
        _ => f::GCS_RECONNECT_TIMEOUT_S.default_f64().unwrap_or_default(),
    };
    raw.timings.worker_gcs_reconnect_timeout_s.get_or_insert(worker_reconnect);
    resolve_ingress(&mut raw);
    let tr = &mut raw.traffic;
    tr.arrivals.get_or_insert_with(|| f::ARRIVALS.default_as());
    tr.mode.get_or_insert_with(|| f::TRAFFIC_MODE.default_as());
    tr.service_time.get_or_insert_with(|| f::SERVICE_TIME.default_as());
    if let Some(RawShape::Daily { start_hour, .. }) = &mut tr.shape {
        start_hour.get_or_insert(f::SHAPE_START_HOUR.default_f64().unwrap_or_default());
    }
    for fault in raw.faults.iter_mut() {
        match fault {
            RawFault::ReplicaHealthCheckFailure { mode, .. } => {
                mode.get_or_insert_with(|| f::FAULT_MODE.default_as());
            }
            RawFault::NodeLoss { network, .. } | RawFault::ZoneOutage { network, .. } => {
                network.get_or_insert_with(|| f::FAULT_NETWORK.default_as());
            }
            RawFault::ContainerCrash { reason, .. } => {
                reason.get_or_insert_with(|| f::FAULT_REASON.default_as());
            }
            _ => {}
        }
    }
    for failure in raw.failures.iter_mut() {
        resolve_failure(failure);
    }
    raw
}

/// Each application's defaults: its deployment named after it, the shorthand's defaults for its
/// options, and route `/` with every request when it is the only one.
fn resolve_applications(apps: &mut [RawApplication]) {
    let only = apps.len() == 1;
    for app in apps.iter_mut() {
        app.deployment.get_or_insert_with(|| app.name.clone());
        if let Some(a) = app.autoscaling.as_mut() {
            let initial = resolve_autoscaling(a);
            app.num_replicas.get_or_insert(initial);
        }
        app.num_replicas.get_or_insert(f::NUM_REPLICAS.default_u64());
        app.num_cpus_per_replica.get_or_insert(f::NUM_CPUS_PER_REPLICA.default_f64().unwrap_or_default());
        app.max_ongoing_requests.get_or_insert(f::MAX_ONGOING_REQUESTS.default_u64());
        app.constructor_s.get_or_insert(f::CONSTRUCTOR_S.default_f64().unwrap_or_default());
        app.health_check_period_s.get_or_insert(f::HEALTH_CHECK_PERIOD_S.default_f64().unwrap_or_default());
        app.health_check_timeout_s.get_or_insert(f::HEALTH_CHECK_TIMEOUT_S.default_f64().unwrap_or_default());
        app.graceful_shutdown_timeout_s.get_or_insert(f::GRACEFUL_SHUTDOWN_TIMEOUT_S.default_f64().unwrap_or_default());
        app.max_constructor_retry_count.get_or_insert(f::MAX_CONSTRUCTOR_RETRY_COUNT.default_u64());
        if only {
            app.route_prefix.get_or_insert_with(|| "/".to_string());
            app.share.get_or_insert(1.0);
        }
    }
}

/// A failure process with its defaults: its name, minimum gap, network, mode and rolling-restart
/// times.
fn resolve_failure(failure: &mut RawFailure) {
    let tag = failure.tag();
    let gap = f::FAILURE_MIN_GAP_S.default_f64().unwrap_or_default();
    match failure {
        RawFailure::NodeLoss { name, min_gap_s, network, .. } => {
            name.get_or_insert_with(|| tag.to_string());
            min_gap_s.get_or_insert(gap);
            network.get_or_insert_with(|| f::FAILURE_NETWORK.default_as());
        }
        RawFailure::WorkerPodDeletion { name, min_gap_s, .. }
        | RawFailure::HeadPodCrash { name, min_gap_s, .. }
        | RawFailure::ReplicaCrash { name, min_gap_s, .. }
        | RawFailure::ProxyCrash { name, min_gap_s, .. }
        | RawFailure::ControllerCrash { name, min_gap_s, .. }
        | RawFailure::RedisOutage { name, min_gap_s, .. } => {
            name.get_or_insert_with(|| tag.to_string());
            min_gap_s.get_or_insert(gap);
        }
        RawFailure::ReplicaHealthCheckFailure { name, min_gap_s, mode, .. } => {
            name.get_or_insert_with(|| tag.to_string());
            min_gap_s.get_or_insert(gap);
            mode.get_or_insert_with(|| f::FAILURE_MODE.default_as());
        }
        RawFailure::RollingRestart { name, start_s, gap_s, .. } => {
            name.get_or_insert_with(|| tag.to_string());
            start_s.get_or_insert(f::FAILURE_START_S.default_f64().unwrap_or_default());
            gap_s.get_or_insert(f::FAILURE_GAP_S.default_f64().unwrap_or_default());
        }
        RawFailure::ZoneLoss { min_gap_s, network, .. } => {
            min_gap_s.get_or_insert(gap);
            network.get_or_insert_with(|| f::FAILURE_NETWORK.default_as());
        }
    }
}

/// Serve autoscaling's defaults; returns the initial replica count (`min_replicas` unless
/// given), which the deployment's `num_replicas` defaults to.
fn resolve_autoscaling(a: &mut RawAutoscaling) -> u64 {
    let min = *a.min_replicas.get_or_insert(f::AUTOSCALING_MIN_REPLICAS.default_u64());
    a.max_replicas.get_or_insert(f::AUTOSCALING_MAX_REPLICAS.default_u64());
    let initial = *a.initial_replicas.get_or_insert(min);
    let num = |v: &mut Option<f64>, field: &f::Field| *v = v.or(field.default_f64());
    num(&mut a.target_ongoing_requests, &f::AUTOSCALING_TARGET_ONGOING_REQUESTS);
    num(&mut a.metrics_interval_s, &f::AUTOSCALING_METRICS_INTERVAL_S);
    num(&mut a.look_back_period_s, &f::AUTOSCALING_LOOK_BACK_PERIOD_S);
    num(&mut a.upscale_delay_s, &f::AUTOSCALING_UPSCALE_DELAY_S);
    num(&mut a.downscale_delay_s, &f::AUTOSCALING_DOWNSCALE_DELAY_S);
    num(&mut a.upscaling_factor, &f::AUTOSCALING_UPSCALING_FACTOR);
    num(&mut a.downscaling_factor, &f::AUTOSCALING_DOWNSCALING_FACTOR);
    initial
}

/// The default time-series bucket of a run of `duration_s`: 1 s, or for long runs a whole
/// number of seconds that makes at most [`DEFAULT_BUCKETS`] buckets.
fn default_bucket_s(duration_s: f64) -> f64 {
    let most = DEFAULT_BUCKETS as f64;
    if duration_s.is_finite() && duration_s > most { (duration_s / most).ceil() } else { 1.0 }
}

fn resolve_cluster(c: &mut RawCluster) {
    // With node pools, the head and each group name their pool (the first by default) and each
    // pool its zone (its own name by default); without, nothing is added, so that reports of
    // one-pool scenarios stay as they were.
    let first_pool = c.node_pools.as_ref().and_then(|p| p.first()).map(|p| p.name.clone());
    for p in c.node_pools.iter_mut().flatten() {
        p.zone.get_or_insert_with(|| p.name.clone());
    }
    if let Some(first) = &first_pool {
        c.head_pool.get_or_insert_with(|| first.clone());
    }
    let groups = c.worker_groups.get_or_insert_with(|| f::WORKER_GROUPS.default_as());
    for g in groups.iter_mut() {
        g.num_cpus = g.num_cpus.or(f::WORKER_GROUP_NUM_CPUS.default_f64());
        if let Some(first) = &first_pool {
            g.pool.get_or_insert_with(|| first.clone());
        }
    }
    c.redis.mode.get_or_insert_with(|| f::REDIS_MODE.default_as());
    // The guide's Redis pod shares a node with the first worker pod (node-2).
    let default_redis_node = if c.k8s_nodes.unwrap_or(1) >= 2 { "node-2" } else { "node-1" };
    c.redis.node.get_or_insert_with(|| default_redis_node.to_string());
}

/// Resources as written, before they are checked (an invalid amount counts as none): enough to
/// pick a default that validation then checks.
fn rough_resources(
    cpus: Option<f64>,
    gpus: Option<f64>,
    memory: &Option<RawQuantity>,
    custom: &Option<BTreeMap<String, f64>>,
) -> Resources {
    let units = |v: Option<f64>| v.filter(|v| (0.0..=super::fields::MAX_CPUS).contains(v)).map_or(0, units_of);
    Resources {
        cpus: units(cpus),
        gpus: units(gpus),
        memory: memory.as_ref().map_or(0, |m| m.bytes().unwrap_or(0)),
        custom: custom.iter().flatten().map(|(k, v)| (k.clone(), units(Some(*v)))).collect(),
    }
}

/// The default pinned pod is the guide's (the first worker that can host a replica, and so run
/// a proxy), unless only the head runs a proxy (`HeadOnly`); see `validate::ingress`.
fn resolve_ingress(raw: &mut RawScenario) {
    let replica_need = |a: &RawApplication| {
        rough_resources(a.num_cpus_per_replica, a.num_gpus_per_replica, &a.memory_per_replica, &a.resources_per_replica)
    };
    let needs: Vec<Resources> = match &raw.serve.applications {
        None => vec![replica_need(&raw.serve.shorthand())],
        Some(apps) => apps.iter().map(replica_need).collect(),
    };
    let first_worker = raw
        .cluster
        .worker_groups
        .as_ref()
        .and_then(|g| {
            g.iter().find(|g| {
                g.replicas > 0 && {
                    let has = rough_resources(g.num_cpus, g.num_gpus, &g.memory, &g.resources);
                    needs.iter().any(|need| has.fits(need))
                }
            })
        })
        .map(|g| format!("{}-1", g.name))
        .filter(|_| raw.serve.proxy_location != Some(RawProxyLocation::HeadOnly))
        .unwrap_or_else(|| "head".to_string());
    let kind = *raw.ingress.kind.get_or_insert_with(|| f::INGRESS_KIND.default_as());
    match kind {
        RawIngressKind::Pinned => {
            raw.ingress.pod.get_or_insert(first_worker);
        }
        RawIngressKind::Service => {}
        RawIngressKind::LoadBalancer => resolve_load_balancer(raw),
    }
}

/// A load balancer's defaults: every Ray pod a backend, GCP's health checks and spread (filled
/// here, not from the table's slots, so that other ingress kinds record none of them).
fn resolve_load_balancer(raw: &mut RawScenario) {
    let groups = raw.cluster.worker_groups.as_deref().unwrap_or_default();
    let mut every_pod = vec![crate::names::HEAD_POD.to_string()];
    every_pod.extend(groups.iter().map(|g| g.name.clone()));
    let ing = &mut raw.ingress;
    ing.backends.get_or_insert(every_pod);
    ing.spread.get_or_insert_with(|| f::INGRESS_SPREAD.default_as());
    let hc = ing.health_check.get_or_insert_with(Default::default);
    let enabled = *hc.enabled.get_or_insert(f::INGRESS_HEALTH_CHECK_ENABLED.default_bool());
    if enabled {
        hc.period_s = hc.period_s.or(f::INGRESS_HEALTH_CHECK_PERIOD_S.default_f64());
        hc.timeout_s = hc.timeout_s.or(f::INGRESS_HEALTH_CHECK_TIMEOUT_S.default_f64());
        hc.unhealthy_threshold.get_or_insert(f::INGRESS_HEALTH_CHECK_UNHEALTHY_THRESHOLD.default_u64());
        hc.healthy_threshold.get_or_insert(f::INGRESS_HEALTH_CHECK_HEALTHY_THRESHOLD.default_u64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(json: &str) -> serde_json::Value {
        serde_json::to_value(resolve(serde_json::from_str(json).unwrap())).unwrap()
    }

    #[test]
    fn defaults_come_from_the_table() {
        let r = resolved("{}");
        assert_eq!(r["duration_s"], 180.0);
        assert_eq!(r["timings"]["routing_update_s"], 0.01);
        assert_eq!(r["timings"]["gcs_health_check_failure_threshold"], 5);
        assert_eq!(r["cluster"]["worker_groups"][0]["num_cpus"], 1.0);
        assert_eq!(r["traffic"]["service_time"], serde_json::json!({"kind": "exponential", "mean_s": 0.005}));
        assert_eq!(r["ingress"]["pod"], "small-group-1");
        let faults = r#"{"faults": [{"kind": "replica_health_check_failure", "at_s": 1},
                                    {"kind": "node_loss", "at_s": 1}]}"#;
        let r = resolved(faults);
        assert_eq!((&r["faults"][0]["mode"], &r["faults"][1]["network"]), (&"raise".into(), &"unreachable".into()));
    }

    #[test]
    fn the_workers_reconnect_timeout_follows_gcs_fault_tolerance() {
        assert_eq!(resolved("{}")["timings"]["worker_gcs_reconnect_timeout_s"], 600.0);
        let no_ft = r#"{"cluster": {"gcs_fault_tolerance": false}, "timings": {"gcs_reconnect_timeout_s": 5}}"#;
        assert_eq!(resolved(no_ft)["timings"]["worker_gcs_reconnect_timeout_s"], 60.0);
        let plain = r#"{"cluster": {"manager": "plain", "gcs_fault_tolerance": true}}"#;
        assert_eq!(resolved(plain)["timings"]["worker_gcs_reconnect_timeout_s"], 60.0);
    }

    #[test]
    fn a_given_value_is_kept() {
        let r = resolved(r#"{"duration_s": 7, "timings": {"pod_start_s": 0}, "slo": {"min_success_ratio": 0.5}}"#);
        assert_eq!((r["duration_s"].as_f64(), r["timings"]["pod_start_s"].as_f64()), (Some(7.0), Some(0.0)));
        assert_eq!(r["slo"]["min_success_ratio"], 0.5);
    }
}
