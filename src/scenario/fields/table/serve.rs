//! The fields of `serve`: the deployment.

use super::*;

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
}
