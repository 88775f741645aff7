//! What the helper deploys: one `deploy` request per Serve application of the scenario (its
//! name, route prefix and deployment name with several; the shorthand's single application
//! keeps Serve's `default` at `/`), each with its deployment's options, and
//! `autoscaling_config` instead of a fixed `num_replicas` when the deployment autoscales, so
//! that Ray Serve's own autoscaler sets the replica count. Every replica holds each request for
//! the scenario's service time, so that ongoing requests (what the autoscaler scales on) are
//! the simulator's.

use std::collections::BTreeMap;

use super::protocol as p;
use crate::scenario::resources::{Resources, UNIT};
use crate::scenario::{Application, AutoscalingConfig, ProxyLocation, Scenario, ServiceTime};

/// Ray's float amount of `units` (1/10000 of a CPU, GPU or custom resource).
pub fn fraction(units: u64) -> f64 {
    units as f64 / UNIT as f64
}

/// The custom resources of `r` as Ray's amounts; `None` when there are none.
pub fn custom(r: &Resources) -> Option<BTreeMap<String, f64>> {
    (!r.custom.is_empty()).then(|| r.custom.iter().map(|(k, &v)| (k.clone(), fraction(v))).collect())
}

/// The `deploy` request of every application of `sc`, in scenario order; with `start_only`,
/// the one request that starts Serve alone (its controller then recovers the applications from
/// its checkpoints).
pub fn requests(sc: &Scenario, start_only: bool) -> Vec<p::Deploy> {
    let several = sc.serve.applications.len() > 1;
    let apps = if start_only { &sc.serve.applications[..1] } else { &sc.serve.applications[..] };
    apps.iter().map(|a| request(sc, a, several, start_only)).collect()
}

/// The `deploy` request of application `a`.
fn request(sc: &Scenario, a: &Application, several: bool, start_only: bool) -> p::Deploy {
    let s = &a.deployment;
    let need = &s.replica_resources;
    p::Deploy {
        num_replicas: s.num_replicas,
        constructor_s: s.constructor.as_secs_f64(),
        // As in the simulator: a failing constructor raises when its work is done.
        constructor_fail_delay_s: Some(s.constructor.as_secs_f64()),
        health_check_period_s: s.health_check_period.as_secs_f64(),
        health_check_timeout_s: s.health_check_timeout.as_secs_f64(),
        max_ongoing_requests: s.max_ongoing_requests,
        max_replicas_per_node: s.max_replicas_per_node,
        proxy_location: match sc.serve.proxy_location {
            ProxyLocation::EveryNode => p::ProxyLocation::EveryNode,
            ProxyLocation::HeadOnly => p::ProxyLocation::HeadOnly,
        },
        max_constructor_retry_count: Some(s.max_constructor_retry_count),
        graceful_shutdown_timeout_s: Some(s.graceful_shutdown_timeout.as_secs_f64()),
        app_name: several.then(|| a.name.clone()),
        start_only: Some(start_only),
        num_gpus: (need.gpus > 0).then(|| fraction(need.gpus)),
        memory: (need.memory > 0).then_some(need.memory),
        resources: custom(need),
        route_prefix: several.then(|| a.route_prefix.clone()),
        deployment: Some(s.name.clone()),
        autoscaling_config: s.autoscaling.as_ref().map(autoscaling_config),
        service_time: Some(service_time(sc.traffic.service_time)),
    }
}

/// The scenario's service time as SleepyPid draws it, under the scenario's field names:
/// `{"s"}` constant, `{"mean_s"}` exponential, `{"min_s", "max_s"}` uniform.
pub fn service_time(t: ServiceTime) -> BTreeMap<String, f64> {
    let field = |k: &str, d: crate::engine::SimDuration| (k.to_string(), d.as_secs_f64());
    match t {
        ServiceTime::Constant(d) => BTreeMap::from([field("s", d)]),
        ServiceTime::Exponential(mean) => BTreeMap::from([field("mean_s", mean)]),
        ServiceTime::Uniform(lo, hi) => BTreeMap::from([field("min_s", lo), field("max_s", hi)]),
    }
}

/// Serve's `autoscaling_config` of `c`, under Ray Serve's field names
/// (`ray/serve/config.py`, `AutoscalingConfig`).
pub fn autoscaling_config(c: &AutoscalingConfig) -> BTreeMap<String, f64> {
    BTreeMap::from([
        ("min_replicas".to_string(), f64::from(c.min_replicas)),
        ("max_replicas".to_string(), f64::from(c.max_replicas)),
        ("initial_replicas".to_string(), f64::from(c.initial_replicas)),
        ("target_ongoing_requests".to_string(), c.target_ongoing_requests),
        ("metrics_interval_s".to_string(), c.metrics_interval.as_secs_f64()),
        ("look_back_period_s".to_string(), c.look_back_period.as_secs_f64()),
        ("upscale_delay_s".to_string(), c.upscale_delay.as_secs_f64()),
        ("downscale_delay_s".to_string(), c.downscale_delay.as_secs_f64()),
        ("upscaling_factor".to_string(), c.upscaling_factor),
        ("downscaling_factor".to_string(), c.downscaling_factor),
    ])
}

/// The `undeploy` request of every application of `sc` (the shorthand's: Serve's `default`).
pub fn undeploys(sc: &Scenario) -> Vec<p::Undeploy> {
    let several = sc.serve.applications.len() > 1;
    sc.serve.applications.iter().map(|a| p::Undeploy { app_name: several.then(|| a.name.clone()) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario of `serve`, with a GPU pod.
    fn scenario(serve: &str) -> Scenario {
        let cluster = r#"{"worker_groups": [{"name": "gpu-group", "replicas": 1, "num_gpus": 2}]}"#;
        crate::scenario::parse(&format!(r#"{{"cluster": {cluster}, "serve": {serve}}}"#), "t.json").unwrap().scenario
    }

    /// The shorthand's one application deploys as before: Serve's `default` application at `/`,
    /// a fixed replica count, no autoscaling.
    #[test]
    fn one_application_is_serves_default_at_the_root() {
        let sc = scenario(r#"{"num_replicas": 3}"#);
        let r = requests(&sc, false);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].app_name.as_deref(), r[0].route_prefix.as_deref()), (None, None));
        assert_eq!((r[0].num_replicas, r[0].autoscaling_config.as_ref()), (3, None));
        assert_eq!(undeploys(&sc).len(), 1);
    }

    /// Several applications: one request each, under its name, route prefix and deployment
    /// name, with its own options; the autoscaled one carries Serve's `autoscaling_config`.
    #[test]
    fn each_application_is_deployed_with_its_route_and_options() {
        let sc = scenario(
            r#"{"applications": [
                {"name": "light", "route_prefix": "/light", "share": 0.2, "num_replicas": 2, "num_gpus_per_replica": 1,
                 "max_replicas_per_node": 1, "health_check_period_s": 2},
                {"name": "heavy", "route_prefix": "/heavy", "share": 0.8, "deployment": "Heavy", "max_ongoing_requests": 2,
                 "autoscaling": {"min_replicas": 1, "max_replicas": 4, "upscale_delay_s": 3, "look_back_period_s": 2,
                                 "target_ongoing_requests": 1}}]}"#,
        );
        let r = requests(&sc, false);
        let names: Vec<_> =
            r.iter().map(|d| (d.app_name.clone(), d.route_prefix.clone(), d.deployment.clone())).collect();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            names,
            [(some("light"), some("/light"), some("light")), (some("heavy"), some("/heavy"), some("Heavy"))]
        );
        assert_eq!((r[0].num_gpus, r[0].max_replicas_per_node, r[0].health_check_period_s), (Some(1.0), Some(1), 2.0));
        assert_eq!(r[0].autoscaling_config, None);
        let a = r[1].autoscaling_config.as_ref().expect("heavy autoscales");
        let field = |k: &str| a[k];
        assert_eq!(
            (field("min_replicas"), field("max_replicas"), field("initial_replicas"), field("target_ongoing_requests")),
            (1.0, 4.0, 1.0, 1.0)
        );
        assert_eq!((field("upscale_delay_s"), field("look_back_period_s")), (3.0, 2.0));
        assert_eq!((r[1].max_ongoing_requests, r[1].num_gpus), (2, None));
        // The default service time: exponential, mean 5 ms.
        assert_eq!(r[1].service_time, Some(BTreeMap::from([("mean_s".to_string(), 0.005)])));
        let undeploy: Vec<_> = undeploys(&sc).into_iter().map(|u| u.app_name).collect();
        assert_eq!(undeploy, [some("light"), some("heavy")]);
        let start = requests(&sc, true);
        assert_eq!((start.len(), start[0].start_only), (1, Some(true)), "serve.start once");
    }

    /// Every field of the scenario's autoscaling goes to Serve under Ray's name, each a field
    /// of Ray Serve 2.60's `AutoscalingConfig`.
    #[test]
    fn the_autoscaling_config_uses_ray_serves_names() {
        let sc = scenario(r#"{"autoscaling": {"min_replicas": 2, "max_replicas": 10, "downscale_delay_s": 120}}"#);
        let a = autoscaling_config(sc.serve.first().autoscaling.as_ref().unwrap());
        let keys: Vec<&str> = a.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "downscale_delay_s",
                "downscaling_factor",
                "initial_replicas",
                "look_back_period_s",
                "max_replicas",
                "metrics_interval_s",
                "min_replicas",
                "target_ongoing_requests",
                "upscale_delay_s",
                "upscaling_factor"
            ]
        );
        assert_eq!((a["min_replicas"], a["max_replicas"], a["downscale_delay_s"]), (2.0, 10.0, 120.0));
    }
}
