//! The fields of `serve`: the deployment of the one application (the shorthand), or several
//! applications, each with its deployment.

use super::*;

/// The field `f` of the shorthand as a field of each item of `serve.applications` at `path`.
const fn per_app(f: Field, path: &'static str) -> Field {
    Field { path, slot: Slot::Other, ..f }
}

fields! {
    SERVE_FIELDS;

    DEPLOYMENT = Field::new(
        "serve.deployment",
        Kind::Text { pattern: Some("^[A-Za-z0-9_-]{1,100}$"), check: Some(check_deployment) },
        Slot::Other,
    )
    .default(Text("SleepyPid"))
    .means("deployment name; replicas are `<deployment>#1`..")
    .source(Guide("the app's deployment"));
    NUM_REPLICAS = Field::new("serve.num_replicas", Kind::Int { lo: 1, hi: d::MAX_REPLICAS }, slot!(U64, serve.num_replicas))
        .default(Int(6))
        .means("target replica count")
        .source(Guide("`num_replicas: 6`"));
    NUM_CPUS_PER_REPLICA =
        Field::new("serve.num_cpus_per_replica", Kind::Cpus, slot!(F64, serve.num_cpus_per_replica))
            .default(MilliCpus(0))
            .means("CPUs per replica")
            .source(Guide("`ray_actor_options: num_cpus: 0`"));
    NUM_GPUS_PER_REPLICA = Field::new("serve.num_gpus_per_replica", Kind::Gpus, Slot::Other)
        .default(Absent("no GPUs"))
        .means("GPUs per replica (`ray_actor_options: num_gpus`): a replica goes only to a pod with that many free")
        .source(Ray("a whole number or a fraction below 1 (`ray_option_utils.py`)"));
    MEMORY_PER_REPLICA = Field::new("serve.memory_per_replica", Kind::Memory, Slot::Other)
        .default(Absent("no memory"))
        .means("memory per replica (`ray_actor_options: memory`): bytes, or a quantity such as `\"2Gi\"`");
    RESOURCES_PER_REPLICA = Field::new("serve.resources_per_replica", Kind::ResourceMap, Slot::Other)
        .default(Absent("no custom resources"))
        .means("custom resources per replica (`ray_actor_options: resources`)")
        .source(Ray("amounts in steps of 0.0001 (`MIN_RESOURCE_GRANULARITY`)"));
    MAX_REPLICAS_PER_NODE = Field::new(
        "serve.max_replicas_per_node",
        Kind::Int { lo: 1, hi: d::MAX_REPLICAS_PER_NODE_MAX_VALUE },
        slot!(U64, serve.max_replicas_per_node),
    )
    .default(Absent("no cap"))
    .means("hard cap of replicas per Ray node")
    .source(Ray("`MAX_REPLICAS_PER_NODE_MAX_VALUE` = 100 is the largest accepted"));
    MAX_ONGOING_REQUESTS = Field::new(
        "serve.max_ongoing_requests",
        Kind::Int { lo: 1, hi: 1_000_000 },
        slot!(U64, serve.max_ongoing_requests),
    )
    .default(Int(5))
    .means("per-replica concurrency cap")
    .source(Ray("`DEFAULT_MAX_ONGOING_REQUESTS` = 5 (`serve/_private/constants.py`)"));
    CONSTRUCTOR_S = Field::new("serve.constructor_s", Kind::SECS, slot!(F64, serve.constructor_s))
        .default(s(10))
        .means("constructor duration")
        .source(Guide("`SleepyPid.__init__` sleeps 10 s"));
    HEALTH_CHECK_PERIOD_S =
        Field::new("serve.health_check_period_s", Kind::POSITIVE_SECS, slot!(F64, serve.health_check_period_s))
            .default(s(10))
            .means("replica health-check period")
            .source(Ray("`DEFAULT_HEALTH_CHECK_PERIOD_S` = 10 (`constants.py`)"));
    HEALTH_CHECK_TIMEOUT_S =
        Field::new("serve.health_check_timeout_s", Kind::POSITIVE_SECS, slot!(F64, serve.health_check_timeout_s))
            .default(s(30))
            .means("replica health-check timeout")
            .source(Ray("`DEFAULT_HEALTH_CHECK_TIMEOUT_S` = 30 (`constants.py`)"));
    GRACEFUL_SHUTDOWN_TIMEOUT_S = Field::new(
        "serve.graceful_shutdown_timeout_s",
        Kind::SECS,
        slot!(F64, serve.graceful_shutdown_timeout_s),
    )
    .default(s(20))
    .means("drain budget of a stopping replica")
    .source(Ray("`graceful_shutdown_timeout_s` = 20 (`constants.py`)"));
    MAX_CONSTRUCTOR_RETRY_COUNT = Field::new(
        "serve.max_constructor_retry_count",
        Kind::Int { lo: 0, hi: 1_000_000 },
        slot!(U64, serve.max_constructor_retry_count),
    )
    .default(Int(20))
    .means("DEPLOY_FAILED after min(this, 3 x replicas) constructor failures if no replica ever started")
    .source(Ray("`DEFAULT_CONSTRUCTOR_RETRY_COUNT` = 20 (`constants.py`)"));
    PROXY_LOCATION = Field::new("serve.proxy_location", Kind::Choice(&["EveryNode", "HeadOnly"]), Slot::Other)
        .default(Text("EveryNode"))
        .means("`EveryNode` (the head and every node with a replica) or `HeadOnly`")
        .source(Ray("`EveryNode`"));
    AUTOSCALING_MIN_REPLICAS = Field::new(
        "serve.autoscaling.min_replicas",
        Kind::Int { lo: 1, hi: d::MAX_REPLICAS },
        Slot::Other,
    )
    .default(Int(1))
    .means("lower bound of the target replica count (0, scale to zero, is not modelled)")
    .source(Ray("`AutoscalingConfig.min_replicas` = 1 (`serve/config.py`)"));
    AUTOSCALING_MAX_REPLICAS = Field::new(
        "serve.autoscaling.max_replicas",
        Kind::Int { lo: 1, hi: d::MAX_REPLICAS },
        Slot::Other,
    )
    .default(Int(1))
    .means("upper bound of the target replica count, at least `min_replicas`")
    .source(Ray("`AutoscalingConfig.max_replicas` = 1 (`serve/config.py`)"));
    AUTOSCALING_INITIAL_REPLICAS = Field::new(
        "serve.autoscaling.initial_replicas",
        Kind::Int { lo: 1, hi: d::MAX_REPLICAS },
        Slot::Other,
    )
    .default(Derived("`min_replicas`"))
    .means("replicas at the start of the run, from `min_replicas` to `max_replicas`; `serve.num_replicas` is this")
    .source(Ray("`AutoscalingConfig.initial_replicas` = None: the deployment starts at `min_replicas`"));
    AUTOSCALING_TARGET_ONGOING_REQUESTS =
        Field::new("serve.autoscaling.target_ongoing_requests", Kind::Positive, Slot::Other)
            .default(Num(2.0))
            .means("ongoing requests per replica (running and queued, averaged over the look-back) the policy aims at")
            .source(Ray("`DEFAULT_TARGET_ONGOING_REQUESTS` = 2 (`serve/_private/constants.py`, since 2.32)"));
    AUTOSCALING_METRICS_INTERVAL_S =
        Field::new("serve.autoscaling.metrics_interval_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(10))
            .means("how often the routers push their ongoing-request samples (taken every 0.5 s) to the controller")
            .source(Ray(
                "`DEFAULT_METRICS_INTERVAL_S` = 10 (`serve/config.py`); the same 10 s as \
                 `RAY_SERVE_HANDLE_AUTOSCALING_METRIC_PUSH_INTERVAL_S`",
            ));
    AUTOSCALING_LOOK_BACK_PERIOD_S =
        Field::new("serve.autoscaling.look_back_period_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(30))
            .means("the window the ongoing-request samples are averaged over")
            .source(Ray("`AutoscalingConfig.look_back_period_s` = 30 (`serve/config.py`)"));
    AUTOSCALING_UPSCALE_DELAY_S = Field::new("serve.autoscaling.upscale_delay_s", Kind::SECS, Slot::Other)
        .default(s(30))
        .means("how long the policy must keep asking for more replicas before the target rises")
        .source(Ray("`AutoscalingConfig.upscale_delay_s` = 30 (`serve/config.py`)"));
    AUTOSCALING_DOWNSCALE_DELAY_S = Field::new("serve.autoscaling.downscale_delay_s", Kind::SECS, Slot::Other)
        .default(s(600))
        .means("how long the policy must keep asking for fewer replicas before the target falls")
        .source(Ray("`AutoscalingConfig.downscale_delay_s` = 600 (`serve/config.py`)"));
    AUTOSCALING_UPSCALING_FACTOR = Field::new("serve.autoscaling.upscaling_factor", Kind::Positive, Slot::Other)
        .default(Num(1.0))
        .means("gain on each upscaling step: the target moves this fraction of the way to the desired count")
        .source(Ray("`upscaling_factor` = None: `smoothing_factor` = 1 (`serve/config.py`)"));
    AUTOSCALING_DOWNSCALING_FACTOR = Field::new("serve.autoscaling.downscaling_factor", Kind::Positive, Slot::Other)
        .default(Num(1.0))
        .means("gain on each downscaling step (at least one replica less when it would round to none)")
        .source(Ray("`downscaling_factor` = None: `smoothing_factor` = 1 (`serve/config.py`)"));
    APPLICATIONS = Field::new("serve.applications", Kind::Objects, Slot::Other)
        .default(Absent("one application, whose deployment the fields above describe"))
        .means("the Serve applications, each with one deployment (its ingress), at most 100; with this list the deployment fields above must be absent (each application gives its own)");
    APP_NAME = Field::new(
        "serve.applications[].name",
        Kind::Text { pattern: Some("^[A-Za-z0-9_-]{1,100}$"), check: Some(check_deployment) },
        Slot::Other,
    )
    .means("application name, unique");
    APP_ROUTE_PREFIX = Field::new(
        "serve.applications[].route_prefix",
        Kind::Text { pattern: Some("^/"), check: Some(check_route_prefix) },
        Slot::Other,
    )
    .default(Derived("`/` for the only application; required and unique with several"))
    .means("HTTP route prefix the proxies route to the application")
    .source(Ray("`route_prefix` defaults to `/`"));
    APP_SHARE = Field::new("serve.applications[].share", Kind::Ratio, Slot::Other)
        .default(Derived("1 for the only application; required with several, the shares summing to 1"))
        .means("the application's share of the requests")
        .source(Ftsim("client traffic is not in the Serve config"));
    APP_DEPLOYMENT = per_app(DEPLOYMENT, "serve.applications[].deployment")
        .default(Derived("the application's name"))
        .means("deployment name, unique across applications; replicas are `<deployment>#1`..")
        .source(Ftsim("one deployment per application"));
    APP_NUM_REPLICAS = per_app(NUM_REPLICAS, "serve.applications[].num_replicas");
    APP_NUM_CPUS_PER_REPLICA = per_app(NUM_CPUS_PER_REPLICA, "serve.applications[].num_cpus_per_replica");
    APP_NUM_GPUS_PER_REPLICA = per_app(NUM_GPUS_PER_REPLICA, "serve.applications[].num_gpus_per_replica");
    APP_MEMORY_PER_REPLICA = per_app(MEMORY_PER_REPLICA, "serve.applications[].memory_per_replica");
    APP_RESOURCES_PER_REPLICA = per_app(RESOURCES_PER_REPLICA, "serve.applications[].resources_per_replica");
    APP_MAX_REPLICAS_PER_NODE = per_app(MAX_REPLICAS_PER_NODE, "serve.applications[].max_replicas_per_node");
    APP_MAX_ONGOING_REQUESTS = per_app(MAX_ONGOING_REQUESTS, "serve.applications[].max_ongoing_requests");
    APP_CONSTRUCTOR_S = per_app(CONSTRUCTOR_S, "serve.applications[].constructor_s");
    APP_HEALTH_CHECK_PERIOD_S = per_app(HEALTH_CHECK_PERIOD_S, "serve.applications[].health_check_period_s");
    APP_HEALTH_CHECK_TIMEOUT_S = per_app(HEALTH_CHECK_TIMEOUT_S, "serve.applications[].health_check_timeout_s");
    APP_GRACEFUL_SHUTDOWN_TIMEOUT_S =
        per_app(GRACEFUL_SHUTDOWN_TIMEOUT_S, "serve.applications[].graceful_shutdown_timeout_s");
    APP_MAX_CONSTRUCTOR_RETRY_COUNT =
        per_app(MAX_CONSTRUCTOR_RETRY_COUNT, "serve.applications[].max_constructor_retry_count");
    APP_AUTOSCALING_MIN_REPLICAS =
        per_app(AUTOSCALING_MIN_REPLICAS, "serve.applications[].autoscaling.min_replicas");
    APP_AUTOSCALING_MAX_REPLICAS =
        per_app(AUTOSCALING_MAX_REPLICAS, "serve.applications[].autoscaling.max_replicas");
    APP_AUTOSCALING_INITIAL_REPLICAS =
        per_app(AUTOSCALING_INITIAL_REPLICAS, "serve.applications[].autoscaling.initial_replicas")
            .means("replicas at the start of the run, from `min_replicas` to `max_replicas`; the application's `num_replicas` is this");
    APP_AUTOSCALING_TARGET_ONGOING_REQUESTS =
        per_app(AUTOSCALING_TARGET_ONGOING_REQUESTS, "serve.applications[].autoscaling.target_ongoing_requests");
    APP_AUTOSCALING_METRICS_INTERVAL_S =
        per_app(AUTOSCALING_METRICS_INTERVAL_S, "serve.applications[].autoscaling.metrics_interval_s");
    APP_AUTOSCALING_LOOK_BACK_PERIOD_S =
        per_app(AUTOSCALING_LOOK_BACK_PERIOD_S, "serve.applications[].autoscaling.look_back_period_s");
    APP_AUTOSCALING_UPSCALE_DELAY_S =
        per_app(AUTOSCALING_UPSCALE_DELAY_S, "serve.applications[].autoscaling.upscale_delay_s");
    APP_AUTOSCALING_DOWNSCALE_DELAY_S =
        per_app(AUTOSCALING_DOWNSCALE_DELAY_S, "serve.applications[].autoscaling.downscale_delay_s");
    APP_AUTOSCALING_UPSCALING_FACTOR =
        per_app(AUTOSCALING_UPSCALING_FACTOR, "serve.applications[].autoscaling.upscaling_factor");
    APP_AUTOSCALING_DOWNSCALING_FACTOR =
        per_app(AUTOSCALING_DOWNSCALING_FACTOR, "serve.applications[].autoscaling.downscaling_factor");
}

/// `route_prefix`: starts with `/`, no whitespace, at most 200 characters.
fn check_route_prefix(prefix: &str) -> Result<(), String> {
    let ok = prefix.starts_with('/') && prefix.len() <= 200 && !prefix.chars().any(char::is_whitespace);
    ok.then_some(()).ok_or_else(|| {
        format!(
            "expected a route prefix starting with '/', without spaces, found {}",
            crate::scenario::show::text(prefix)
        )
    })
}

/// The deployment options: each field of the shorthand with its field in `serve.applications[]`.
pub fn deployment_fields() -> impl Iterator<Item = (Field, Field)> {
    [
        (DEPLOYMENT, APP_DEPLOYMENT),
        (NUM_REPLICAS, APP_NUM_REPLICAS),
        (NUM_CPUS_PER_REPLICA, APP_NUM_CPUS_PER_REPLICA),
        (NUM_GPUS_PER_REPLICA, APP_NUM_GPUS_PER_REPLICA),
        (MEMORY_PER_REPLICA, APP_MEMORY_PER_REPLICA),
        (RESOURCES_PER_REPLICA, APP_RESOURCES_PER_REPLICA),
        (MAX_REPLICAS_PER_NODE, APP_MAX_REPLICAS_PER_NODE),
        (MAX_ONGOING_REQUESTS, APP_MAX_ONGOING_REQUESTS),
        (CONSTRUCTOR_S, APP_CONSTRUCTOR_S),
        (HEALTH_CHECK_PERIOD_S, APP_HEALTH_CHECK_PERIOD_S),
        (HEALTH_CHECK_TIMEOUT_S, APP_HEALTH_CHECK_TIMEOUT_S),
        (GRACEFUL_SHUTDOWN_TIMEOUT_S, APP_GRACEFUL_SHUTDOWN_TIMEOUT_S),
        (MAX_CONSTRUCTOR_RETRY_COUNT, APP_MAX_CONSTRUCTOR_RETRY_COUNT),
    ]
    .into_iter()
}
