//! `serve`: the applications and their deployments, and whether their replicas fit in the
//! cluster.

use super::check::{Checker, r};
use super::f;
use super::resources::{self, Given, ResourceFields};
use crate::scenario::error::JsonPath;
use crate::scenario::model::{Application, AutoscalingConfig, Cluster, Deployment, ProxyLocation, Serve, Traffic};
use crate::scenario::raw::{RawApplication, RawAutoscaling, RawProxyLocation, RawScenario};
use crate::scenario::resources::Shortfall;
use crate::scenario::show;
use crate::scenario::traffic_mode::TrafficMode;

/// A replica's resource fields.
const REPLICA_FIELDS: ResourceFields = ResourceFields {
    gpus: &f::NUM_GPUS_PER_REPLICA,
    memory: &f::MEMORY_PER_REPLICA,
    custom: &f::RESOURCES_PER_REPLICA,
};

/// The option `$v` of the raw struct `$src`, checked against the field `$f` at `$at.$v` by the
/// checker `$ck`'s method `$m`.
macro_rules! option {
    ($ck:ident.$m:ident($f:ident, $at:ident, $src:ident.$v:ident)) => {
        $ck.$m(&f::$f, $at.key(stringify!($v)), r(&$src.$v))
    };
}

/// Most applications of a scenario.
const MAX_APPLICATIONS: usize = 100;

/// How far the shares' sum may be from 1.
const SHARE_TOLERANCE: f64 = 1e-9;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster) -> Serve {
    let applications = match &raw.serve.applications {
        None => {
            let deployment = deployment(ck, &JsonPath::root().key("serve"), &raw.serve.shorthand());
            vec![Application { name: String::new(), route_prefix: "/".to_string(), share: 1.0, deployment }]
        }
        Some(apps) => {
            no_shorthand(ck, raw);
            applications(ck, apps)
        }
    };
    let serve = Serve {
        applications,
        proxy_location: match r(&raw.serve.proxy_location) {
            RawProxyLocation::EveryNode => ProxyLocation::EveryNode,
            RawProxyLocation::HeadOnly => ProxyLocation::HeadOnly,
        },
    };
    check_placement(ck, &serve, cluster);
    serve
}

/// A deployment's `autoscaling` at `p` (`serve` for the shorthand, else its application): each
/// value in its limits, `min_replicas <= initial_replicas <= max_replicas`, and `num_replicas`,
/// if given, the initial count (Ray refuses both).
fn autoscaling(ck: &mut Checker, p: &JsonPath, a: &RawAutoscaling, num_replicas: u32) -> AutoscalingConfig {
    let at = p.key("autoscaling");
    let min_replicas = option!(ck.int(AUTOSCALING_MIN_REPLICAS, at, a.min_replicas));
    let max_replicas = option!(ck.int(AUTOSCALING_MAX_REPLICAS, at, a.max_replicas));
    let initial_replicas = option!(ck.int(AUTOSCALING_INITIAL_REPLICAS, at, a.initial_replicas));
    let config = AutoscalingConfig {
        min_replicas,
        max_replicas,
        initial_replicas,
        target_ongoing_requests: option!(ck.num(AUTOSCALING_TARGET_ONGOING_REQUESTS, at, a.target_ongoing_requests)),
        metrics_interval: option!(ck.secs(AUTOSCALING_METRICS_INTERVAL_S, at, a.metrics_interval_s)),
        look_back_period: option!(ck.secs(AUTOSCALING_LOOK_BACK_PERIOD_S, at, a.look_back_period_s)),
        upscale_delay: option!(ck.secs(AUTOSCALING_UPSCALE_DELAY_S, at, a.upscale_delay_s)),
        downscale_delay: option!(ck.secs(AUTOSCALING_DOWNSCALE_DELAY_S, at, a.downscale_delay_s)),
        upscaling_factor: option!(ck.num(AUTOSCALING_UPSCALING_FACTOR, at, a.upscaling_factor)),
        downscaling_factor: option!(ck.num(AUTOSCALING_DOWNSCALING_FACTOR, at, a.downscaling_factor)),
    };
    if max_replicas < min_replicas {
        let msg = format!("expected at least min_replicas ({min_replicas}), found {max_replicas}");
        ck.err(at.key("max_replicas"), msg);
    } else if !(min_replicas..=max_replicas).contains(&initial_replicas) {
        let msg = format!(
            "expected from min_replicas ({min_replicas}) to max_replicas ({max_replicas}), found {initial_replicas}"
        );
        ck.err(at.key("initial_replicas"), msg);
    }
    if num_replicas != initial_replicas {
        let msg = format!(
            "expected no num_replicas with {} (Ray refuses both; the initial count is \
             autoscaling.initial_replicas, {initial_replicas}), found {num_replicas}",
            at.to_string().trim_start_matches("$.")
        );
        ck.err(p.key("num_replicas"), msg);
    }
    config
}

/// An autoscaled deployment needs per-request traffic: its policy reads every replica's ongoing
/// requests, which counted stretches do not hold.
pub(super) fn autoscaled_traffic(ck: &mut Checker, serve: &Serve, traffic: &Traffic) {
    let autoscaled = serve.deployments().any(|d| d.autoscaling.is_some());
    if autoscaled && traffic.mode == TrafficMode::Counted {
        let msg = "expected auto or per_request with serve.autoscaling (its policy reads every replica's ongoing \
                   requests, which counted mode does not hold), found \"counted\"";
        ck.err(f::TRAFFIC_MODE.json_path(), msg);
    }
}

/// With `serve.applications`, a deployment field at the top of `serve` is an error: it would be
/// unclear whether it applies to one application or to all.
fn no_shorthand(ck: &mut Checker, raw: &RawScenario) {
    let given = serde_json::to_value(&raw.serve).unwrap_or_default();
    let keys = given.as_object().into_iter().flat_map(|o| o.keys());
    for key in keys.filter(|k| !matches!(k.as_str(), "applications" | "proxy_location")) {
        ck.err(
            JsonPath::root().key("serve").key(key),
            format!(
                "`serve.{key}` describes the deployment of a single application (the shorthand); with \
                 `serve.applications`, give it in each application instead"
            ),
        );
    }
}

/// The applications of `serve.applications`: names, deployment names and route prefixes
/// distinct, a route prefix and a share for each when there are several, the shares summing to 1.
fn applications(ck: &mut Checker, apps: &[RawApplication]) -> Vec<Application> {
    let base = f::APPLICATIONS.json_path();
    if apps.is_empty() || apps.len() > MAX_APPLICATIONS {
        ck.err(base.clone(), format!("expected 1 to {MAX_APPLICATIONS} applications, found {}", apps.len()));
    }
    let mut out: Vec<Application> = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        let p = base.index(i);
        ck.text(&f::APP_NAME, p.key("name"), &app.name);
        let route_prefix = required(ck, &p, "route_prefix", app.route_prefix.clone()).unwrap_or_default();
        ck.text(&f::APP_ROUTE_PREFIX, p.key("route_prefix"), &route_prefix);
        let share = required(ck, &p, "share", app.share).map_or(0.0, |v| ck.num(&f::APP_SHARE, p.key("share"), v));
        let deployment = deployment(ck, &p, app);
        let clash = |what: &str, key: &str, same: &dyn Fn(&Application) -> bool, v: &str| {
            out.iter().any(same).then(|| (p.key(key), format!("duplicate {what} {}", show::text(v))))
        };
        let clashes = [
            clash("application name", "name", &|o| o.name == app.name, &app.name),
            clash("route prefix", "route_prefix", &|o| o.route_prefix == route_prefix, &route_prefix),
            clash("deployment name", "deployment", &|o| o.deployment.name == deployment.name, &deployment.name),
        ];
        for (path, msg) in clashes.into_iter().flatten() {
            ck.err(path, msg);
        }
        out.push(Application { name: app.name.clone(), route_prefix, share, deployment });
    }
    let sum: f64 = out.iter().map(|a| a.share).sum();
    if apps.iter().all(|a| a.share.is_some()) && (sum - 1.0).abs() > SHARE_TOLERANCE {
        ck.err(base, format!("expected the applications' shares to sum to 1, found {}", show::num(sum)));
    }
    out
}

/// A value every application must give when there are several (resolution fills it in for the
/// only one); an error at `p.key` when absent.
fn required<T>(ck: &mut Checker, p: &JsonPath, key: &str, v: Option<T>) -> Option<T> {
    if v.is_none() {
        ck.err(p.key(key), format!("expected `{key}`: every application needs one when there are several"));
    }
    v
}

/// The deployment options of `app`, at `p` (`serve` for the shorthand).
fn deployment(ck: &mut Checker, p: &JsonPath, app: &RawApplication) -> Deployment {
    let name = r(&app.deployment);
    ck.text(&f::DEPLOYMENT, p.key("deployment"), &name);
    let max_per_node = app.max_replicas_per_node;
    let cpus = option!(ck.cpus(NUM_CPUS_PER_REPLICA, p, app.num_cpus_per_replica));
    let given = Given {
        gpus: app.num_gpus_per_replica,
        memory: app.memory_per_replica.as_ref(),
        custom: app.resources_per_replica.as_ref(),
    };
    let mut deployment = Deployment {
        name,
        num_replicas: option!(ck.int(NUM_REPLICAS, p, app.num_replicas)),
        replica_resources: resources::resources(ck, &REPLICA_FIELDS, p, cpus, &given),
        max_replicas_per_node: max_per_node
            .map(|v| ck.int(&f::MAX_REPLICAS_PER_NODE, p.key("max_replicas_per_node"), v)),
        max_ongoing_requests: option!(ck.int(MAX_ONGOING_REQUESTS, p, app.max_ongoing_requests)),
        constructor: option!(ck.secs(CONSTRUCTOR_S, p, app.constructor_s)),
        health_check_period: option!(ck.secs(HEALTH_CHECK_PERIOD_S, p, app.health_check_period_s)),
        health_check_timeout: option!(ck.secs(HEALTH_CHECK_TIMEOUT_S, p, app.health_check_timeout_s)),
        graceful_shutdown_timeout: option!(ck.secs(GRACEFUL_SHUTDOWN_TIMEOUT_S, p, app.graceful_shutdown_timeout_s)),
        max_constructor_retry_count: option!(ck.int(MAX_CONSTRUCTOR_RETRY_COUNT, p, app.max_constructor_retry_count)),
        autoscaling: None,
    };
    deployment.autoscaling = app.autoscaling.as_ref().map(|a| autoscaling(ck, p, a, deployment.num_replicas));
    deployment
}

/// The replicas must fit: each deployment under its `max_replicas_per_node` and each of its
/// replicas on some pod (every resource it needs there together), and every deployment's
/// replicas together in the cluster's resources.
fn check_placement(ck: &mut Checker, serve: &Serve, cluster: &Cluster) {
    let ray_pods: u64 = 1 + cluster.worker_groups.iter().map(|g| u64::from(g.replicas)).sum::<u64>();
    let mut total = cluster.head_resources.clone();
    for g in &cluster.worker_groups {
        for _ in 0..g.replicas {
            total.add(&g.resources);
        }
    }
    let mut used = crate::scenario::Resources::default();
    for (i, app) in serve.applications.iter().enumerate() {
        let d = &app.deployment;
        let base = match &serve.applications[..] {
            [_] => JsonPath::root().key("serve"),
            _ => f::APPLICATIONS.json_path().index(i),
        };
        let num_replicas = d.num_replicas;
        if let Some(cap) = d.max_replicas_per_node
            && u64::from(num_replicas) > u64::from(cap) * ray_pods
        {
            ck.err(
                base.key("num_replicas"),
                format!(
                    "{num_replicas} replicas cannot be placed: max_replicas_per_node = {cap} allows at most {} on {ray_pods} Ray pods",
                    u64::from(cap) * ray_pods
                ),
            );
        }
        let need = &d.replica_resources;
        let placeable = resources::check_placeable(ck, cluster, need, &base, |name| match name {
            "CPU" => base.key(resources::key_of(&f::NUM_CPUS_PER_REPLICA)),
            "GPU" => base.key(resources::key_of(&f::NUM_GPUS_PER_REPLICA)),
            "memory" => base.key(resources::key_of(&f::MEMORY_PER_REPLICA)),
            custom => base.key(resources::key_of(&f::RESOURCES_PER_REPLICA)).key(custom),
        });
        if !placeable {
            continue;
        }
        for _ in 0..num_replicas {
            used.add(need);
        }
        if let Some((name, n, bytes)) =
            need.amounts().find(|&(name, n, _)| n > 0 && used.amount(name) > total.amount(name))
        {
            let short = Shortfall { name: name.to_string(), have: total.amount(name), need: n, bytes };
            let what = if i == 0 { "" } else { " with the applications before" };
            ck.err(
                base.key("num_replicas"),
                format!(
                    "{num_replicas} replicas x {} do not fit in the cluster's {}{what}",
                    short.show(short.need),
                    short.show(short.have)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;

    #[test]
    fn each_application_gets_the_shorthands_defaults_and_its_deployment_is_named_after_it() {
        let src = r#"{"serve": {"proxy_location": "HeadOnly", "applications": [
            {"name": "light", "route_prefix": "/light", "share": 0.2, "num_replicas": 2},
            {"name": "heavy", "route_prefix": "/heavy", "share": 0.8, "deployment": "Heavy", "constructor_s": 3}]}}"#;
        let loaded = parse(src, "s.json").unwrap();
        let serve = &loaded.scenario.serve;
        let short = parse("{}", "s.json").unwrap().scenario.serve.first().clone();
        let [light, heavy] = &serve.applications[..] else { panic!("{serve:?}") };
        assert_eq!((light.name.as_str(), light.route_prefix.as_str(), light.share), ("light", "/light", 0.2));
        assert_eq!((light.deployment.name.as_str(), light.deployment.num_replicas), ("light", 2));
        assert_eq!((heavy.deployment.name.as_str(), heavy.deployment.num_replicas), ("Heavy", short.num_replicas));
        assert_eq!(heavy.deployment.constructor.as_secs_f64(), 3.0);
        assert_eq!(light.deployment.health_check_period, short.health_check_period);
        assert_eq!(light.deployment.max_ongoing_requests, short.max_ongoing_requests);
        assert_eq!(serve.total_replicas(), 2 + short.num_replicas);
        assert_eq!(serve.initial_replicas()[..3], ["light#1", "light#2", "Heavy#1"]);
        // The resolved scenario records each application's defaults, and no shorthand.
        let recorded = serde_json::to_value(&loaded.resolved).unwrap();
        assert_eq!(recorded["serve"]["applications"][0]["max_ongoing_requests"], short.max_ongoing_requests);
        assert!(recorded["serve"].get("num_replicas").is_none(), "{recorded}");
    }

    #[test]
    fn a_single_application_defaults_to_route_slash_and_every_request() {
        let loaded = parse(r#"{"serve": {"applications": [{"name": "only"}]}}"#, "s.json").unwrap();
        let app = &loaded.scenario.serve.applications[0];
        assert_eq!((app.route_prefix.as_str(), app.share, app.deployment.name.as_str()), ("/", 1.0, "only"));
        assert_eq!(loaded.scenario.traffic_mode().mode, crate::scenario::traffic_mode::RunMode::PerRequest);
    }

    #[test]
    fn the_shorthand_is_one_application_on_route_slash() {
        let serve = parse(r#"{"serve": {"deployment": "D", "num_replicas": 3}}"#, "s.json").unwrap().scenario.serve;
        assert_eq!(serve.applications.len(), 1);
        assert_eq!((serve.applications[0].route_prefix.as_str(), serve.applications[0].share), ("/", 1.0));
        assert_eq!(serve.initial_replicas(), ["D#1", "D#2", "D#3"]);
    }

    #[test]
    fn several_applications_run_per_request_and_asking_for_counted_mode_is_refused() {
        let apps = r#""applications": [{"name": "a", "route_prefix": "/a", "share": 0.5},
            {"name": "b", "route_prefix": "/b", "share": 0.5}]"#;
        let loaded = parse(&format!(r#"{{"serve": {{{apps}}}}}"#), "s.json").unwrap();
        let mode = loaded.scenario.traffic_mode();
        assert_eq!(
            (mode.mode, mode.reason.as_str()),
            (crate::scenario::traffic_mode::RunMode::PerRequest, "2 applications: counted mode models one replica set")
        );
        let e = parse(&format!(r#"{{"serve": {{{apps}}}, "traffic": {{"mode": "counted"}}}}"#), "s.json").unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "s.json:2:86: $.traffic.mode: counted mode models one replica set: with 2 applications, use per_request or auto"
        );
    }
}
