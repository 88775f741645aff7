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
}
