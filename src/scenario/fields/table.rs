//! The table: every field of the scenario format, in file order.
//!
//! Sources are Ray 2.60 (`ray-project/ray`), KubeRay (`ray-project/kuberay`, after v1.7.0) and
//! Kubernetes, as collected in `docs/ray-defaults.md`.

use super::Default::{Absent, Derived, Int, Json, MilliCpus, Num, Secs, Text};
use super::Source::{Cloud, Ftsim, Guess, Guide, KubeRay, Kubernetes, Ray};
use super::{Default, Field, Kind, Slot, Variant, slot};
use crate::engine::SimDuration;
use crate::scenario::defaults as d;

const fn s(v: u64) -> Default {
    Secs(SimDuration::from_secs(v))
}

const fn ms(v: u64) -> Default {
    Secs(SimDuration::from_millis(v))
}

/// `timings.worker_gcs_reconnect_timeout_s` with GCS fault tolerance: KubeRay's
/// `DefaultWorkerRayGcsReconnectTimeoutS` (see [`WORKER_GCS_RECONNECT_TIMEOUT_S`]).
pub const WORKER_GCS_RECONNECT_TIMEOUT_FT: SimDuration = SimDuration::from_secs(600);

/// Where the load balancer's health-check defaults come from.
const HEALTH_CHECK_SOURCE: &str = "GCP health checks (`checkIntervalSec`, `timeoutSec`, `unhealthyThreshold`, `healthyThreshold`), \
     https://cloud.google.com/compute/docs/reference/rest/v1/healthChecks";

/// Declares each field as a constant and [`FIELDS`], the list of them all.
macro_rules! fields {
    ($($(#[doc = $doc:literal])* $name:ident = $field:expr;)*) => {
        $($(#[doc = $doc])* pub const $name: Field = $field;)*
        /// Every field, in file order.
        pub const FIELDS: &[Field] = &[$($name),*];
    };
}

/// `name`: 1-100 characters from `[A-Za-z0-9._-]`, not starting with `.`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !name.starts_with('.');
    ok.then_some(()).ok_or_else(|| {
        format!(
            "expected 1-100 characters from [A-Za-z0-9._-] not starting with '.', found {}",
            super::show::text(name)
        )
    })
}

/// `serve.deployment`: 1-100 characters from `[A-Za-z0-9_-]`.
fn check_deployment(name: &str) -> Result<(), String> {
    let ok =
        !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
    ok.then_some(())
        .ok_or_else(|| format!("expected 1-100 characters from [A-Za-z0-9_-], found {}", super::show::text(name)))
}

/// A pool or zone name: a lowercase DNS label.
fn check_label(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    ok.then_some(())
        .ok_or_else(|| format!("expected a lowercase DNS label (a-z, 0-9, '-'), found {}", super::show::text(name)))
}

/// A worker group's name: a lowercase DNS label other than `head`.
fn check_group_name(name: &str) -> Result<(), String> {
    match check_label(name) {
        Ok(()) if name != "head" => Ok(()),
        _ => Err(format!(
            "expected a lowercase DNS label (a-z, 0-9, '-'), not \"head\", found {}",
            super::show::text(name)
        )),
    }
}

/// Service-time distributions (`traffic.service_time.kind`).
pub const SERVICE_TIMES: &[Variant] = &[
    Variant { tag: "constant", fields: &[("s", true)], meaning: "always `s`" },
    Variant { tag: "exponential", fields: &[("mean_s", true)], meaning: "exponential with mean `mean_s`" },
    Variant {
        tag: "uniform",
        fields: &[("min_s", true), ("max_s", true)],
        meaning: "uniform between `min_s` and `max_s` (`max_s` >= `min_s`)",
    },
];

/// Fault kinds (`faults[].kind`). A missing `target` is chosen with the fault's own seeded random
/// stream.
pub const FAULT_KINDS: &[Variant] = &[
    Variant {
        tag: "replica_crash",
        fields: &[("at_s", true), ("target", false)],
        meaning: "the replica actor (`target`: a replica name) is killed; Ray does not restart replicas, the \
                  controller replaces it after its next health check",
    },
    Variant {
        tag: "replica_health_check_failure",
        fields: &[("at_s", true), ("target", false), ("mode", false), ("duration_s", false)],
        meaning: "the replica's (`target`) `check_health` raises (3 consecutive failures) or hangs (each check \
                  times out; requests to it stall), for `duration_s` (default: for good)",
    },
    Variant {
        tag: "constructor_failure",
        fields: &[("at_s", true), ("count", false), ("probability", false), ("duration_s", false)],
        meaning: "the next `count` constructors raise, or each raises with `probability` (one of the two), for \
                  `duration_s` (default: for good)",
    },
    Variant {
        tag: "controller_crash",
        fields: &[("at_s", true), ("restart", false)],
        meaning: "the Serve controller actor is killed (`ray.kill`); Ray restarts it, or with `restart: false` \
                  (`no_restart=True`, the guide's way) nothing does: proxies keep their last routes, nothing is \
                  health-checked or replaced until KubeRay's RayService finds no application and submits the \
                  config again (a new controller recovers it; the old proxies never hear from it)",
    },
    Variant {
        tag: "proxy_crash",
        fields: &[("at_s", true), ("target", false)],
        meaning: "the proxy actor of a pod (`target`: a pod name) is killed; the controller replaces it",
    },
    Variant {
        tag: "worker_pod_deletion",
        fields: &[("at_s", true), ("target", false)],
        meaning: "`kubectl delete pod` of a worker pod (`target`): Ray 2.60 drains the node, KubeRay recreates \
                  the pod (deleting a pod that is already terminating changes nothing)",
    },
    Variant {
        tag: "node_loss",
        fields: &[("at_s", true), ("target", false), ("network", false)],
        meaning: "the Kubernetes node (`target`; default: a node drawn at random among the Ready nodes running a \
                  Ray pod, the head's node included) and its pods vanish; black-holed calls hang, refused ones \
                  fail at once; detected at the latest when Kubernetes marks the node NotReady \
                  (`timings.node_monitor_grace_s`)",
    },
    Variant {
        tag: "head_pod_crash",
        fields: &[("at_s", true)],
        meaning: "the head pod crashes and is deleted; KubeRay creates a new one",
    },
    Variant {
        tag: "zone_outage",
        fields: &[("at_s", true), ("zone", true), ("network", false)],
        meaning: "every node of the zone (`zone`: a `cluster.node_pools[].zone`) is lost at once, each as by a \
                  `node_loss` with this `network`; a Redis outside the cluster (`external`) is not taken",
    },
    Variant {
        tag: "redis_outage",
        fields: &[("at_s", true), ("duration_s", true)],
        meaning: "Redis is unreachable for `duration_s` (needs `cluster.gcs_fault_tolerance`)",
    },
    Variant {
        tag: "gcs_crash",
        fields: &[("at_s", true)],
        meaning: "the head's `gcs_server` process alone is killed; `ray start --block` sees it within \
                  `timings.ray_block_poll_s` and stops the head's Ray; the kubelet restarts the head container \
                  in place (same pod); with GCS fault tolerance the workers reconnect, without it the cluster \
                  starts empty",
    },
    Variant {
        tag: "container_crash",
        fields: &[("at_s", true), ("target", false), ("reason", false)],
        meaning: "the Ray container of a pod (`target`: a pod name, the head's included) dies with all its Ray \
                  processes and the kubelet restarts it in place with back-off (same pod, same node); a worker's \
                  restarted raylet joins as a new node, the head's is a head crash without a new pod",
    },
];

/// Failure processes (`failures[].kind`): the fault kinds a component class fails with, and
/// planned maintenance. A process's faults have no target: each is drawn at injection among the
/// live candidates, with the fault's own random stream.
pub const FAILURE_KINDS: &[Variant] = &[
    Variant {
        tag: "node_loss",
        fields: &[
            ("name", false),
            ("ttf", true),
            ("min_gap_s", false),
            ("network", false),
            ("pool", false),
            ("zone", false),
        ],
        meaning: "each of the `cluster.k8s_nodes` nodes (or of the `pool`'s or `zone`'s nodes, at most one of the \
                  two) fails after a `ttf` draw, independently; a loss hits a node drawn among those of them that \
                  are Ready and run a Ray pod",
    },
    Variant {
        tag: "worker_pod_deletion",
        fields: &[("name", false), ("ttf", true), ("min_gap_s", false)],
        meaning: "each worker pod (all groups) is deleted after a `ttf` draw; a deletion hits a running worker pod",
    },
    Variant {
        tag: "head_pod_crash",
        fields: &[("name", false), ("ttf", true), ("min_gap_s", false)],
        meaning: "the head pod crashes after each `ttf` draw",
    },
    Variant {
        tag: "replica_crash",
        fields: &[("name", false), ("ttf", true), ("min_gap_s", false)],
        meaning: "each of `serve.num_replicas` replicas crashes after a `ttf` draw; a crash hits a running replica",
    },
    Variant {
        tag: "replica_health_check_failure",
        fields: &[("name", false), ("ttf", true), ("ttr", false), ("min_gap_s", false), ("mode", false)],
        meaning: "each replica's `check_health` starts failing after a `ttf` draw, for a `ttr` draw (default: for \
                  good); the next `ttf` starts after the repair",
    },
    Variant {
        tag: "proxy_crash",
        fields: &[("name", false), ("ttf", true), ("min_gap_s", false)],
        meaning: "each proxy (one per Ray pod with `EveryNode`, one with `HeadOnly`) crashes after a `ttf` draw; \
                  a crash hits a running pod's proxy",
    },
    Variant {
        tag: "controller_crash",
        fields: &[("name", false), ("ttf", true), ("min_gap_s", false)],
        meaning: "the Serve controller crashes after each `ttf` draw",
    },
    Variant {
        tag: "redis_outage",
        fields: &[("name", false), ("ttf", true), ("ttr", true), ("min_gap_s", false)],
        meaning: "Redis fails after a `ttf` draw and is out for a `ttr` draw (an HA Redis fails over sooner); the \
                  next `ttf` starts after the repair (needs `cluster.gcs_fault_tolerance`)",
    },
    Variant {
        tag: "rolling_restart",
        fields: &[("name", false), ("every_s", true), ("start_s", false), ("gap_s", false)],
        meaning: "planned maintenance: from `start_s`, every `every_s`, each worker pod is drained and deleted in \
                  turn (a `worker_pod_deletion` of the oldest running worker pod), `gap_s` apart",
    },
    Variant {
        tag: "zone_loss",
        fields: &[
            ("name", true),
            ("nodes", false),
            ("zone", false),
            ("ttf", true),
            ("min_gap_s", false),
            ("network", false),
        ],
        meaning: "correlated failure: all `nodes`, or every node of `zone` (one of the two), are lost at once \
                  after each `ttf` draw (with `zone`, each failure is one `zone_outage`)",
    },
];

/// Distributions of times (`failures[].ttf.kind`, `failures[].ttr.kind`), in their `unit`.
pub const DISTS: &[Variant] = &[
    Variant {
        tag: "exponential",
        fields: &[("mean", true), ("unit", true)],
        meaning: "exponential with mean `mean` (the MTBF of one instance, or the MTTR)",
    },
    Variant {
        tag: "weibull",
        fields: &[("shape", true), ("scale", true), ("unit", true)],
        meaning: "Weibull: P(T > t) = exp(-(t/scale)^shape); mean scale x Γ(1 + 1/shape)",
    },
    Variant {
        tag: "lognormal",
        fields: &[("median", false), ("mu", false), ("sigma", true), ("unit", true)],
        meaning: "lognormal: ln T is normal(mu, sigma), given by `median` = e^mu or by `mu` (one of the two)",
    },
    Variant {
        tag: "empirical",
        fields: &[("csv", true), ("unit", true)],
        meaning: "observed intervals resampled uniformly: a CSV file, one positive number per line, an optional \
                  header line; its path is relative to the scenario file",
    },
];

/// Traffic shapes (`traffic.shape.kind`): how the request rate varies with time.
pub const SHAPES: &[Variant] = &[
    Variant {
        tag: "steps",
        fields: &[("steps", true)],
        meaning: "`traffic.rate_per_s` until the first step, then each step's `rate_per_s` from its `at_s` on",
    },
    Variant {
        tag: "ramp",
        fields: &[("at_s", true), ("span_s", true), ("to_per_s", true)],
        meaning: "`traffic.rate_per_s` until `at_s`, then linear up or down to `to_per_s` over `span_s`, then \
                  `to_per_s`",
    },
    Variant {
        tag: "daily",
        fields: &[("amplitude_per_s", true), ("peak_hour", true), ("start_hour", false)],
        meaning: "a daily cycle around `traffic.rate_per_s`: at hour of the day h the rate is `rate_per_s` + \
                  `amplitude_per_s` x cos(2π (h - `peak_hour`) / 24); the run starts at `start_hour`",
    },
    Variant {
        tag: "csv",
        fields: &[("csv", true), ("unit", true)],
        meaning: "a rate per minute replayed from the start of the run: a CSV file, one number per line, the first \
                  minute's first, an optional header line; it covers at least `duration_s`, in at most 527040 \
                  lines (366 days); its path is relative to the scenario file; `traffic.rate_per_s` is not used",
    },
];

const TIME_UNITS: &[&str] = &["s", "min", "h", "d"];

const NAME_PATTERN: &str = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$";
const DNS_LABEL: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
const REDIS_MODES: &[&str] = &["single", "ha", "external"];

fields! {
    SCHEMA = Field::new("$schema", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("no schema"))
        .means("the JSON Schema this file follows (`ftsim schema` prints it), for editors; ftsim ignores it");
    NAME = Field::new("name", Kind::Text { pattern: Some(NAME_PATTERN), check: Some(check_name) }, Slot::Other)
        .default(Derived("the file's stem, other characters made `_` (`scenario` for input without one)"))
        .means("names the output directory");
    DESCRIPTION = Field::new("description", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Text(""))
        .means("what the scenario shows");
    DURATION_S = Field::new("duration_s", Kind::RUN_SECS, slot!(F64, duration_s))
        .default(s(180))
        .means("arrival window; the run then drains open requests; at most 604800 (7 days) per request")
        .source(Ftsim("long enough for every bundled fault to recover"));
    SEED = Field::new("seed", Kind::Count, slot!(U64, seed))
        .default(Int(1))
        .means("seed of every random stream (`--seed` overrides)")
        .source(Ftsim(""));
    BUCKET_S = Field::new("bucket_s", Kind::POSITIVE_SECS, slot!(F64, bucket_s))
        .default(Derived("1 s; for runs over 100000 s, `duration_s` / 100000 rounded up to a whole second"))
        .means("time-series bucket; at most `duration_s`, and at most 1000000 buckets")
        .source(Ftsim(""));

    K8S_NODES = Field::new("cluster.k8s_nodes", Kind::Int { lo: 1, hi: d::MAX_NODES }, slot!(U64, cluster.k8s_nodes))
        .default(Int(3))
        .means("Kubernetes nodes `node-1`..")
        .source(Guide("3 (`kubectl get nodes`)"));
    RAY_PODS_PER_NODE =
        Field::new("cluster.ray_pods_per_node", Kind::Int { lo: 1, hi: d::MAX_NODES }, slot!(U64, cluster.ray_pods_per_node))
            .default(Int(1))
            .means("Ray pods a Kubernetes node can hold")
            .source(Guide("one Ray pod per node"));
    MANAGER = Field::new("cluster.manager", Kind::Choice(&["kuberay", "plain"]), Slot::Other)
        .default(Text("kuberay"))
        .means(
            "`kuberay`: a RayService on Kubernetes (pods recreated, containers restarted, nodes replaced, the Serve \
             application resubmitted); `plain`: Ray started on VMs with `ray start`, where nothing recreates a lost \
             node or restarts a stopped Ray, and the workers' GCS reconnect timeout is Ray's own 60 s \
             (docs/model.md, \"Clusters without KubeRay\")",
        )
        .source(Guide("the guide deploys with KubeRay"));
    HEAD_NUM_CPUS = Field::new("cluster.head_num_cpus", Kind::Cpus, slot!(F64, cluster.head_num_cpus))
        .default(MilliCpus(2_000))
        .means("head `num-cpus`")
        .source(Guide("k8s_config.yaml `num-cpus: '2'`"));
    WORKER_GROUPS = Field::new("cluster.worker_groups", Kind::Objects, Slot::Other)
        .default(Json(r#"[{"name": "small-group", "replicas": 2}]"#))
        .means("KubeRay worker groups, at most 100 with at most 1000 pods in all; pods `<name>-1`..")
        .source(Guide("k8s_config.yaml `small-group`, replicas 2"));
    WORKER_GROUP_NAME = Field::new(
        "cluster.worker_groups[].name",
        Kind::Text { pattern: Some(DNS_LABEL), check: Some(check_group_name) },
        Slot::Other,
    )
    .means("group name: a lowercase DNS label, not `head`, unique");
    WORKER_GROUP_REPLICAS =
        Field::new("cluster.worker_groups[].replicas", Kind::Int { lo: 0, hi: d::MAX_NODES }, Slot::Other)
            .means("pods of the group, `<name>-1` to `<name>-<replicas>`");
    WORKER_GROUP_NUM_CPUS = Field::new("cluster.worker_groups[].num_cpus", Kind::Cpus, Slot::Other)
        .default(MilliCpus(1_000))
        .means("`num-cpus` of each pod")
        .source(Guide("the container limit, `cpu: \"1\"`"));
    WORKER_GROUP_POOL = Field::new("cluster.worker_groups[].pool", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Derived("the first pool"))
        .means("the node pool the group's pods run on (its `nodeSelector`): they are scheduled only there");
    GCS_FAULT_TOLERANCE =
        Field::new("cluster.gcs_fault_tolerance", Kind::Bool, slot!(Bool, cluster.gcs_fault_tolerance))
            .default(Default::Bool(true))
            .means("GCS fault tolerance with an external Redis")
            .source(Guide("`ray.io/ft-enabled: \"true\"`"));
    REDIS_MODE = Field::new("cluster.redis.mode", Kind::Choice(REDIS_MODES), Slot::Other)
        .default(Text("single"))
        .means(
            "`single` (one Redis pod); `ha`: an outage then lasts at most `timings.redis_failover_s`; `external`: \
             a managed Redis outside the cluster (on no Kubernetes node, so `redis.node` is not used and node or \
             zone losses do not take it), whose outage lasts at most `timings.external_redis_failover_s`",
        );
    REDIS_NODE = Field::new(
        "cluster.redis.node",
        Kind::Text { pattern: Some("^node-[1-9][0-9]*$"), check: None },
        Slot::Other,
    )
    .default(Derived("`node-2` (`node-1` on a one-node cluster)"))
    .means("node of the Redis pod, `node-1` to `node-<k8s_nodes>`")
    .source(Guide("the Redis pod shares a node with the first worker pod"));
    REDIS_PASSWORD = Field::new(
        "cluster.redis.password",
        Kind::Text { pattern: Some("^[!#-&(-\\[\\]-~]{1,128}$"), check: Some(crate::scenario::secret::check_password) },
        Slot::Other,
    )
    .default(Absent("generated by live mode"))
    .means(
        "live mode only: Redis' password (1-128 printable ASCII characters, no spaces, quotes or backslashes); \
         `FTSIM_REDIS_PASSWORD` overrides it; reports record it as `[REDACTED]`",
    );
    NODE_POOLS = Field::new("cluster.node_pools", Kind::Objects, Slot::Other)
        .default(Derived("one pool `default` of the `k8s_nodes` nodes in zone `default`"))
        .means(
            "node pools, at most 100: nodes are numbered across them in order (`node-1`.. in the first); \
             `k8s_nodes`, when given, must equal their sum; recorded in reports only when given",
        );
    NODE_POOL_NAME = Field::new(
        "cluster.node_pools[].name",
        Kind::Text { pattern: Some(DNS_LABEL), check: Some(check_label) },
        Slot::Other,
    )
    .means("pool name: a lowercase DNS label, unique");
    NODE_POOL_NODES = Field::new("cluster.node_pools[].nodes", Kind::Int { lo: 1, hi: d::MAX_NODES }, Slot::Other)
        .means("nodes of the pool");
    NODE_POOL_ZONE = Field::new(
        "cluster.node_pools[].zone",
        Kind::Text { pattern: Some(DNS_LABEL), check: Some(check_label) },
        Slot::Other,
    )
    .default(Derived("the pool's name"))
    .means("the zone of the pool's nodes (`topology.kubernetes.io/zone`); pools may share a zone");
    HEAD_POOL = Field::new("cluster.head_pool", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Derived("the first pool"))
        .means("the pool the head pod runs on");

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

    INGRESS_KIND = Field::new("ingress.kind", Kind::Choice(&["pinned", "service", "load_balancer"]), Slot::Other)
        .default(Text("pinned"))
        .means(
            "`pinned` (`kubectl port-forward` to one pod), `service` (a Kubernetes Service over ready pods) or \
             `load_balancer` (a cloud load balancer over the Ray pods' proxies, with its own health checks)",
        )
        .source(Guide("`kubectl port-forward`"));
    INGRESS_POD = Field::new("ingress.pod", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Derived(
            "the first worker pod that can host a replica (`head` if none, or with `HeadOnly`); none with `service`",
        ))
        .means(
            "pinned pod; a port-forward follows neither a recreated pod nor a lost node; with `HeadOnly` only \
             `head` is accepted (no other pod ever runs a proxy)",
        );
    INGRESS_BACKENDS = Field::new("ingress.backends", Kind::TextList, Slot::Other)
        .default(Derived("every Ray pod, head included; `load_balancer` only"))
        .means(
            "the load balancer's backends: initial pod names (`head`, `small-group-1`) or worker-group names (every \
             pod of the group), one backend per pod; a pod KubeRay recreates takes its predecessor's backend",
        );
    INGRESS_SPREAD = Field::new("ingress.spread", Kind::Choice(&["round_robin", "random"]), Slot::Other)
        .default(Text("round_robin"))
        .means(
            "how new connections spread over the healthy backends: `round_robin` (GCP backend services, AWS ALB) or \
             `random` (the flow hash of passthrough network load balancers); `load_balancer` only",
        )
        .source(Cloud(
            "GCP backend service `localityLbPolicy` `ROUND_ROBIN`, \
             https://cloud.google.com/compute/docs/reference/rest/v1/backendServices",
        ));
    INGRESS_HEALTH_CHECK_ENABLED = Field::new("ingress.health_check.enabled", Kind::Bool, Slot::Other)
        .default(Default::Bool(true))
        .means("`false`: no health checks, every backend gets traffic, dead or alive; `load_balancer` only");
    INGRESS_HEALTH_CHECK_PERIOD_S =
        Field::new("ingress.health_check.period_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(5))
            .means("between two probes (HTTP GET of the proxy's `/-/healthz`) of a backend")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_TIMEOUT_S =
        Field::new("ingress.health_check.timeout_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(5))
            .means("how long a probe waits for its answer; at most `period_s`")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_UNHEALTHY_THRESHOLD =
        Field::new("ingress.health_check.unhealthy_threshold", Kind::Int { lo: 1, hi: 100 }, Slot::Other)
            .default(Int(2))
            .means("failed probes in a row before a backend gets no more new connections")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_HEALTHY_THRESHOLD =
        Field::new("ingress.health_check.healthy_threshold", Kind::Int { lo: 1, hi: 100 }, Slot::Other)
            .default(Int(2))
            .means("passed probes in a row before an unhealthy (or new) backend gets connections again")
            .source(Cloud(HEALTH_CHECK_SOURCE));

    ARRIVALS = Field::new("traffic.arrivals", Kind::Choice(&["poisson", "constant"]), Slot::Other)
        .default(Text("poisson"))
        .means("`poisson` (exponential gaps) or `constant` (one request every 1/rate)");
    TRAFFIC_MODE = Field::new("traffic.mode", Kind::Choice(&["auto", "per_request", "counted"]), Slot::Other)
        .default(Text("auto"))
        .means(
            "`per_request` (one event per request), `counted` (while the cluster is healthy, request outcomes \
             drawn as counts; see docs/model.md) or `auto` (counted beyond 2000000 expected requests or 7 days, \
             when its error bound is negligible); the report says which ran and why",
        )
        .source(Ftsim("measured in docs/performance.md"));
    RATE_PER_S = Field::new("traffic.rate_per_s", Kind::Rate, slot!(F64, traffic.rate_per_s))
        .default(Num(20.0))
        .means(
            "requests per second (with a `shape`, the rate it starts from, or its mean); rate x duration at most \
             20000000 requests per request (no limit counted)",
        )
        .source(Ftsim(""));
    SHAPE = Field::new("traffic.shape", Kind::Tagged(SHAPES), Slot::Other)
        .default(Absent("a constant `rate_per_s`"))
        .means(
            "how the request rate varies with time; arrivals follow it exactly, and the expected requests over the \
             run count against the per-request limit (docs/traffic.md)",
        );
    SHAPE_STEPS = Field::new("traffic.shape.steps", Kind::Objects, Slot::Other)
        .means("the steps, 1 to 10000, in increasing order of `at_s`");
    SHAPE_STEP_AT_S = Field::new("traffic.shape.steps[].at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("when the step's rate starts, before `duration_s`");
    SHAPE_STEP_RATE_PER_S = Field::new("traffic.shape.steps[].rate_per_s", Kind::ShapeRate, Slot::Other)
        .means("the rate from `at_s` on");
    SHAPE_AT_S = Field::new("traffic.shape.at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("when the ramp starts, before `duration_s`");
    SHAPE_SPAN_S = Field::new("traffic.shape.span_s", Kind::RUN_SECS, Slot::Other).means("how long the ramp lasts");
    SHAPE_TO_PER_S =
        Field::new("traffic.shape.to_per_s", Kind::ShapeRate, Slot::Other).means("the rate at the end of the ramp");
    SHAPE_AMPLITUDE_PER_S = Field::new("traffic.shape.amplitude_per_s", Kind::ShapeRate, Slot::Other)
        .means("how far the rate swings above and below `rate_per_s`, at most `rate_per_s`");
    SHAPE_PEAK_HOUR =
        Field::new("traffic.shape.peak_hour", Kind::Hour, Slot::Other).means("the hour of the day of the peak");
    SHAPE_START_HOUR = Field::new("traffic.shape.start_hour", Kind::Hour, Slot::Other)
        .default(Num(0.0))
        .means("the hour of the day at which the run starts");
    SHAPE_CSV = Field::new("traffic.shape.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of the rate of each minute, relative to the scenario file");
    SHAPE_UNIT = Field::new("traffic.shape.unit", Kind::Choice(&["per_s", "per_min"]), Slot::Other)
        .means("the CSV's numbers: requests per second, or requests in the minute");
    SERVICE_TIME = Field::new("traffic.service_time", Kind::Tagged(SERVICE_TIMES), Slot::Other)
        .default(Json(r#"{"kind": "exponential", "mean_s": 0.005}"#))
        .means("service time of one request on a replica")
        .source(Guess("SleepyPid returns its PID"));
    SERVICE_TIME_S = Field::new("traffic.service_time.s", Kind::POSITIVE_SECS, Slot::Other).means("constant time");
    SERVICE_TIME_MEAN_S =
        Field::new("traffic.service_time.mean_s", Kind::POSITIVE_SECS, Slot::Other).means("exponential mean");
    SERVICE_TIME_MIN_S =
        Field::new("traffic.service_time.min_s", Kind::POSITIVE_SECS, Slot::Other).means("uniform lower bound");
    SERVICE_TIME_MAX_S =
        Field::new("traffic.service_time.max_s", Kind::POSITIVE_SECS, Slot::Other).means("uniform upper bound");
    CLIENT_TIMEOUT_S =
        Field::new("traffic.client_timeout_s", Kind::POSITIVE_SECS, slot!(F64, traffic.client_timeout_s))
            .default(Absent("waits forever"))
            .means("the client gives up after this")
            .source(Ftsim("curl's default; Serve's `request_timeout_s` is none too"));

    FAULTS = Field::new("faults", Kind::TaggedList(FAULT_KINDS), Slot::Other)
        .default(Json("[]"))
        .means("injected faults, at most 1000");
    FAULT_AT_S = Field::new("faults[].at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("injection time, before the end of the run (`duration_s`)");
    FAULT_TARGET = Field::new("faults[].target", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("drawn with the fault's random stream"))
        .means("what the fault hits: a replica, pod or node name, by kind");
    FAULT_MODE = Field::new("faults[].mode", Kind::Choice(&["raise", "hang"]), Slot::Other)
        .default(Text("raise"))
        .means("how a failing `check_health` fails");
    FAULT_DURATION_S = Field::new("faults[].duration_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(Absent("for good (required by `redis_outage`)"))
        .means("how long the fault lasts");
    FAULT_COUNT = Field::new("faults[].count", Kind::Int { lo: 1, hi: d::MAX_CONSTRUCTOR_FAILURES }, Slot::Other)
        .default(Absent("give `count` or `probability`"))
        .means("constructor attempts that fail; all `constructor_failure` faults may fail at most 10000 attempts");
    FAULT_PROBABILITY = Field::new("faults[].probability", Kind::Probability, Slot::Other)
        .default(Absent("give `count` or `probability`"))
        .means("chance that each constructor attempt fails");
    FAULT_RESTART = Field::new("faults[].restart", Kind::Bool, Slot::Other)
        .default(Default::Bool(true))
        .means("`controller_crash`: whether Ray restarts the killed controller (`false`: `ray.kill(no_restart=True)`)")
        .source(Ray("the controller's `max_restarts=-1` (`serve/_private/default_impl.py`)"));
    FAULT_NETWORK = Field::new("faults[].network", Kind::Choice(&["unreachable", "refused"]), Slot::Other)
        .default(Text("unreachable"))
        .means("how a lost node looks: black-holed calls hang, refused ones fail at once");
    FAULT_ZONE = Field::new("faults[].zone", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("`zone_outage`: a zone of `cluster.node_pools`");
    FAULT_REASON = Field::new("faults[].reason", Kind::Choice(&["oom_killed", "error"]), Slot::Other)
        .default(Text("oom_killed"))
        .means("why the container died (`OOMKilled`, exit 137, or `Error`): recorded only, both restart alike");

    FAILURES = Field::new("failures", Kind::TaggedList(FAILURE_KINDS), Slot::Other)
        .default(Json("[]"))
        .means("failure processes, at most 100; they may generate at most 100000 faults in expectation");
    FAILURE_NAME = Field::new(
        "failures[].name",
        Kind::Text { pattern: Some(NAME_PATTERN), check: Some(check_name) },
        Slot::Other,
    )
    .default(Derived("the `kind`"))
    .means("names the process's random streams (`failure-<name>-...`): unique among the processes");
    FAILURE_TTF = Field::new("failures[].ttf", Kind::Tagged(DISTS), Slot::Other)
        .means("time to failure of one instance");
    TTF_MEAN = Field::new("failures[].ttf.mean", Kind::Positive, Slot::Other).means("exponential mean (MTBF)");
    TTF_SHAPE = Field::new("failures[].ttf.shape", Kind::Positive, Slot::Other).means("Weibull shape");
    TTF_SCALE = Field::new("failures[].ttf.scale", Kind::Positive, Slot::Other).means("Weibull scale");
    TTF_MEDIAN = Field::new("failures[].ttf.median", Kind::Positive, Slot::Other).means("lognormal median");
    TTF_MU = Field::new("failures[].ttf.mu", Kind::Number, Slot::Other).means("lognormal mean of ln T (T in `unit`)");
    TTF_SIGMA = Field::new("failures[].ttf.sigma", Kind::Positive, Slot::Other).means("lognormal deviation of ln T");
    TTF_CSV = Field::new("failures[].ttf.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of observed intervals, relative to the scenario file");
    TTF_UNIT = Field::new("failures[].ttf.unit", Kind::Choice(TIME_UNITS), Slot::Other)
        .means("unit of the distribution's times: seconds, minutes, hours or days");
    FAILURE_TTR = Field::new("failures[].ttr", Kind::Tagged(DISTS), Slot::Other)
        .default(Absent("for good (`replica_health_check_failure`); required by `redis_outage`"))
        .means("time to repair, where the cluster does not model the repair");
    TTR_MEAN = Field::new("failures[].ttr.mean", Kind::Positive, Slot::Other).means("exponential mean (MTTR)");
    TTR_SHAPE = Field::new("failures[].ttr.shape", Kind::Positive, Slot::Other).means("Weibull shape");
    TTR_SCALE = Field::new("failures[].ttr.scale", Kind::Positive, Slot::Other).means("Weibull scale");
    TTR_MEDIAN = Field::new("failures[].ttr.median", Kind::Positive, Slot::Other).means("lognormal median");
    TTR_MU = Field::new("failures[].ttr.mu", Kind::Number, Slot::Other).means("lognormal mean of ln T (T in `unit`)");
    TTR_SIGMA = Field::new("failures[].ttr.sigma", Kind::Positive, Slot::Other).means("lognormal deviation of ln T");
    TTR_CSV = Field::new("failures[].ttr.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of observed repair times, relative to the scenario file");
    TTR_UNIT = Field::new("failures[].ttr.unit", Kind::Choice(TIME_UNITS), Slot::Other)
        .means("unit of the distribution's times: seconds, minutes, hours or days");
    FAILURE_MIN_GAP_S = Field::new("failures[].min_gap_s", Kind::SECS, Slot::Other)
        .default(s(0))
        .means("two injections of this process are at least this far apart: one due sooner waits")
        .source(Ftsim("per process, so that adding a process never moves another's faults"));
    FAILURE_NETWORK = Field::new("failures[].network", Kind::Choice(&["unreachable", "refused"]), Slot::Other)
        .default(Text("unreachable"))
        .means("how a lost node looks, as `faults[].network`");
    FAILURE_MODE = Field::new("failures[].mode", Kind::Choice(&["raise", "hang"]), Slot::Other)
        .default(Text("raise"))
        .means("how a failing `check_health` fails, as `faults[].mode`");
    FAILURE_EVERY_S = Field::new("failures[].every_s", Kind::POSITIVE_SECS, Slot::Other)
        .means("cadence of the rolling restarts");
    FAILURE_START_S = Field::new("failures[].start_s", Kind::SECS, Slot::Other)
        .default(s(0))
        .means("first rolling restart");
    FAILURE_GAP_S = Field::new("failures[].gap_s", Kind::SECS, Slot::Other)
        .default(s(60))
        .means("between two pod deletions of a rolling restart")
        .source(Guess("time for a recreated pod to be ready, by default about 40 s"));
    FAILURE_NODES = Field::new("failures[].nodes", Kind::TextList, Slot::Other)
        .means("the nodes of the zone, `node-1` to `node-<k8s_nodes>`, each once");
    FAILURE_POOL = Field::new("failures[].pool", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("every node"))
        .means("`node_loss`: only the nodes of this pool fail");
    FAILURE_ZONE = Field::new("failures[].zone", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("every node"))
        .means("`node_loss`: only the nodes of this zone fail; `zone_loss`: the zone that fails");

    MIN_SUCCESS_RATIO = Field::new("slo.min_success_ratio", Kind::Ratio, slot!(F64, slo.min_success_ratio))
        .default(Num(0.99))
        .means("minimum overall success ratio")
        .source(Ftsim(""));
    MAX_DOWNTIME_S = Field::new("slo.max_downtime_s", Kind::SECS, slot!(F64, slo.max_downtime_s))
        .default(Absent("no limit"))
        .means("longest acceptable total downtime");
    MAX_FAILED_REQUESTS = Field::new("slo.max_failed_requests", Kind::Count, slot!(U64, slo.max_failed_requests))
        .default(Absent("no limit"))
        .means("most acceptable failed requests");
    BROWNOUT_MERGE_GAP_S = Field::new("slo.brownout_merge_gap_s", Kind::SECS, slot!(F64, slo.brownout_merge_gap_s))
        .default(s(5))
        .means("bad seconds at most this far apart are one brownout episode")
        .source(Ftsim("a dependency that flaps back for a few seconds is one incident to a reviewer, not many"));

    ACTOR_START_S = Field::new("timings.actor_start_s", Kind::SECS, slot!(F64, timings.actor_start_s))
        .default(s(2))
        .means("actor scheduling + worker process start")
        .source(Guess("ray-defaults.md says \"~1-3 s, unverified\""));
    ACTOR_DEATH_DETECTION_S =
        Field::new("timings.actor_death_detection_s", Kind::SECS, slot!(F64, timings.actor_death_detection_s))
            .default(ms(1_000))
            .means("the raylet notices a dead worker process")
            .source(Ray("`raylet_check_for_unexpected_worker_disconnect_interval_ms` = 1000 (`ray_config_def.h`)"));
    CONTROLLER_RECOVERY_S =
        Field::new("timings.controller_recovery_s", Kind::SECS, slot!(F64, timings.controller_recovery_s))
            .default(s(1))
            .means("Serve controller recovery after its actor restarts: KV checkpoints, `ray.get_actor` per replica")
            .source(Guess(
                "\"a few seconds for small apps (unverified)\"; live here: answering again 2.1-3.4 s after \
                 `ray.kill` (four runs), actor start included, so 1 s on top of the 2 s actor start",
            ));
    ROUTING_UPDATE_S = Field::new("timings.routing_update_s", Kind::SECS, slot!(F64, timings.routing_update_s))
        .default(ms(10))
        .means("long-poll broadcast of the running replicas to proxies")
        .source(Guess("\"ms\""));
    PROXY_START_S = Field::new("timings.proxy_start_s", Kind::SECS, slot!(F64, timings.proxy_start_s))
        .default(s(2))
        .means("a new proxy actor starts and binds its port")
        .source(Guess("\"a few seconds (unverified)\""));
    PROXY_HEALTH_CHECK_PERIOD_S = Field::new(
        "timings.proxy_health_check_period_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.proxy_health_check_period_s),
    )
    .default(s(10))
    .means("gap after a completed proxy health check; 3 failures in a row replace the proxy")
    .source(Ray("`PROXY_HEALTH_CHECK_PERIOD_S` = 10 (`serve/_private/constants.py`)"));
    PROXY_HEALTH_CHECK_TIMEOUT_S = Field::new(
        "timings.proxy_health_check_timeout_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.proxy_health_check_timeout_s),
    )
    .default(s(10))
    .means("proxy health-check timeout")
    .source(Ray("`PROXY_HEALTH_CHECK_TIMEOUT_S` = 10"));
    PROXY_MIN_DRAINING_S =
        Field::new("timings.proxy_min_draining_s", Kind::SECS, slot!(F64, timings.proxy_min_draining_s))
            .default(s(30))
            .means("minimum draining period of a proxy on a node that lost its replicas")
            .source(Ray("`PROXY_MIN_DRAINING_PERIOD_S` = 30 (`constants.py`)"));
    QUEUE_LEN_CACHE_S = Field::new("timings.queue_len_cache_s", Kind::SECS, slot!(F64, timings.queue_len_cache_s))
        .default(s(10))
        .means("a router trusts cached queue lengths this long: it may still pick a replica on a vanished node")
        .source(Ray("`RAY_SERVE_QUEUE_LENGTH_CACHE_TIMEOUT_S` = 10 (`constants.py`)"));
    GCS_HEALTH_CHECK_PERIOD_S = Field::new(
        "timings.gcs_health_check_period_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.gcs_health_check_period_s),
    )
    .default(ms(3_000))
    .means("GCS -> raylet health-check period")
    .source(Ray("`health_check_period_ms` = 3000 (`ray_config_def.h`)"));
    GCS_HEALTH_CHECK_TIMEOUT_S = Field::new(
        "timings.gcs_health_check_timeout_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.gcs_health_check_timeout_s),
    )
    .default(ms(10_000))
    .means("GCS -> raylet health-check deadline")
    .source(Ray("`health_check_timeout_ms` = 10000 (`ray_config_def.h`)"));
    GCS_HEALTH_CHECK_FAILURE_THRESHOLD = Field::new(
        "timings.gcs_health_check_failure_threshold",
        Kind::Int { lo: 1, hi: 1_000 },
        slot!(U64, timings.gcs_health_check_failure_threshold),
    )
    .default(Int(5))
    .means("failed checks in a row before a node is dead: after 15 s (refused) or 65 s (black-holed) by default")
    .source(Ray("`health_check_failure_threshold` = 5 (`ray_config_def.h`)"));
    GCS_RECONNECT_TIMEOUT_S = Field::new(
        "timings.gcs_reconnect_timeout_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.gcs_reconnect_timeout_s),
    )
    .default(s(60))
    .means("a raylet that cannot reach the GCS this long exits: the head's and, without GCS FT, the workers'")
    .source(Ray("`gcs_rpc_server_reconnect_timeout_s` = 60 (`ray_config_def.h`)"));
    WORKER_GCS_RECONNECT_TIMEOUT_S = Field::new(
        "timings.worker_gcs_reconnect_timeout_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.worker_gcs_reconnect_timeout_s),
    )
    .default(Derived(
        "600 with GCS fault tolerance under KubeRay, else 60 (the default of `gcs_reconnect_timeout_s`)",
    ))
    .means("the worker pods' reconnect timeout")
    .source(KubeRay("`DefaultWorkerRayGcsReconnectTimeoutS` = \"600\" (`utils/constant.go`, `common/pod.go`)"));
    GCS_REDIS_CONNECT_WINDOW_S = Field::new(
        "timings.gcs_redis_connect_window_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.gcs_redis_connect_window_s),
    )
    .default(s(60))
    .means("a starting GCS waits for Redis this long, then exits")
    .source(Ray(
        "`redis_db_connect_retries` 120 x `redis_db_connect_wait_milliseconds` 500 (`ray_config_def.h`); live \
         here: a head's `ray start` during an outage exited after 63.7 s",
    ));
    GCS_REDIS_CRASH_S = Field::new("timings.gcs_redis_crash_s", Kind::SECS, slot!(F64, timings.gcs_redis_crash_s))
        .default(ms(2_500))
        .means("a running GCS crashes this long after Redis becomes unreachable")
        .source(Guess(
            "from live runs: `gcs_redis_heartbeat_interval_milliseconds` = 100 and a failed check is fatal \
             (`gcs_server.cc`), but live the GCS still answered 1.4-2.1 s after Redis died and had exited by 3.6 s \
             (the reference gives 0.1-3 s, unverified)",
        ));
    STALE_RAYLET_REJECTION_S =
        Field::new("timings.stale_raylet_rejection_s", Kind::SECS, slot!(F64, timings.stale_raylet_rejection_s))
            .default(s(16))
            .means(
                "without GCS FT, an old worker raylet is rejected by the new, empty GCS at its next reconnection \
                 attempt, drawn uniformly between 0 and this after that GCS is up",
            )
            .source(Guess("from live runs: 0 s in one run, 0-16 s in another, after the new GCS answered"));
    RAY_BLOCK_POLL_S = Field::new("timings.ray_block_poll_s", Kind::SECS, slot!(F64, timings.ray_block_poll_s))
        .default(ms(1_000))
        .means("`ray start --block` polls its children this often and exits when one dies")
        .source(Ray("every second (`scripts.py`)"));
    RAY_START_S = Field::new("timings.ray_start_s", Kind::SECS, slot!(F64, timings.ray_start_s))
        .default(s(5))
        .means("`ray start` on a worker until its raylet is up")
        .source(Guess("5-12 s measured on 2 cores; live here 4.6-9.7 s (median 6.2 s, six starts)"));
    HEAD_RAY_START_S = Field::new("timings.head_ray_start_s", Kind::SECS, slot!(F64, timings.head_ray_start_s))
        .default(s(10))
        .means(
            "`ray start --head` until the GCS (with its tables) and the head's raylet are up; it also starts the \
             dashboard and the autoscaler monitor",
        )
        .source(Guess("from live runs: 7.5-14.2 s (four starts, median 11.6 s)"));
    NODE_DRAIN_TIMEOUT_S =
        Field::new("timings.node_drain_timeout_s", Kind::SECS, slot!(F64, timings.node_drain_timeout_s))
            .default(s(30))
            .means("Ray drains a node on SIGTERM this long before its processes are killed")
            .source(Ray(
                "`RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S` in the 2.60 install (`ray_constants.py`, `node.py`); \
                 upstream default 0, check your version",
            ));
    POD_START_S = Field::new("timings.pod_start_s", Kind::SECS, slot!(F64, timings.pod_start_s))
        .default(s(5))
        .means("pod scheduled until its container runs, image cached")
        .source(Guess("no source"));
    WAIT_GCS_READY_PERIOD_S = Field::new(
        "timings.wait_gcs_ready_period_s",
        Kind::POSITIVE_SECS,
        slot!(F64, timings.wait_gcs_ready_period_s),
    )
    .default(s(5))
    .means("KubeRay's `wait-gcs-ready` init container runs `ray health-check` this often")
    .source(KubeRay("`common/pod.go`"));
    KUBELET_RESTART_BACKOFF_S =
        Field::new("timings.kubelet_restart_backoff_s", Kind::SECS, slot!(F64, timings.kubelet_restart_backoff_s))
            .default(s(10))
            .means(
                "CrashLoopBackOff: the first restart of a crashed container is immediate, then 10, 20, 40 s..; at \
                 least 1 s (the kubelet's configurable floor), so a container that keeps exiting cannot crash loop \
                 without bound",
            )
            .source(Kubernetes("CrashLoopBackOff"));
    KUBELET_RESTART_BACKOFF_MAX_S = Field::new(
        "timings.kubelet_restart_backoff_max_s",
        Kind::SECS,
        slot!(F64, timings.kubelet_restart_backoff_max_s),
    )
    .default(s(300))
    .means("cap of the kubelet's back-off; at least `kubelet_restart_backoff_s`")
    .source(Kubernetes("CrashLoopBackOff cap"));
    READINESS_INITIAL_DELAY_S =
        Field::new("timings.readiness_initial_delay_s", Kind::SECS, slot!(F64, timings.readiness_initial_delay_s))
            .default(s(10))
            .means("KubeRay readiness probe initial delay")
            .source(KubeRay("`utils/constant.go`"));
    READINESS_PERIOD_S =
        Field::new("timings.readiness_period_s", Kind::POSITIVE_SECS, slot!(F64, timings.readiness_period_s))
            .default(s(5))
            .means("KubeRay readiness probe period; RayService workers use failureThreshold 1")
            .source(KubeRay("`utils/constant.go`, `common/pod.go`"));
    RAYSERVICE_RECONCILE_S =
        Field::new("timings.rayservice_reconcile_s", Kind::POSITIVE_SECS, slot!(F64, timings.rayservice_reconcile_s))
            .default(s(2))
            .means("RayService reconcile cadence: head serve label, application re-submission")
            .source(KubeRay("`ServiceDefaultRequeueDuration` = 2 s (`rayservice_controller.go`)"));
    NODE_MONITOR_GRACE_S =
        Field::new("timings.node_monitor_grace_s", Kind::SECS, slot!(F64, timings.node_monitor_grace_s))
            .default(s(40))
            .means("a node whose kubelet stops reporting becomes NotReady after this; its pods leave Service endpoints")
            .source(Kubernetes("node-monitor-grace-period"));
    ORPHAN_POD_GC_S = Field::new("timings.orphan_pod_gc_s", Kind::SECS, slot!(F64, timings.orphan_pod_gc_s))
        .default(s(40))
        .means(
            "pods bound to a deleted node are garbage-collected after this; only then does KubeRay, which counts \
             listed pods, create a replacement",
        )
        .source(Kubernetes("PodGC quarantine"));
    NODE_PROVISIONING_S =
        Field::new("timings.node_provisioning_s", Kind::SECS, slot!(F64, timings.node_provisioning_s))
            .default(s(90))
            .means("a lost Kubernetes node is replaced by the cloud / cluster autoscaler after this")
            .source(Guess("no source"));
    REDIS_FAILOVER_S = Field::new("timings.redis_failover_s", Kind::SECS, slot!(F64, timings.redis_failover_s))
        .default(s(30))
        .means("a highly available Redis promotes a replica this long after its primary fails")
        .source(Guess("Redis Sentinel's sample `down-after-milliseconds` is 30000; managed Redis is often faster"));
    EXTERNAL_REDIS_FAILOVER_S = Field::new("timings.external_redis_failover_s", Kind::SECS, Slot::Other)
        .default(s(15))
        .means(
            "a managed Redis outside the cluster (`cluster.redis.mode` = `external`) is back this long after its \
             primary fails (automatic failover to a replica in another zone); recorded in reports only when given",
        )
        .source(Cloud(
            "Azure Cache for Redis, \"Failover and patching\" (learn.microsoft.com/azure/azure-cache-for-redis/\
             cache-failover): an unplanned failover typically completes within 10 to 15 seconds; the upper bound \
             (that sentence not re-read for this release: see docs/ray-defaults.md §11)",
        ));
    SERVE_KV_TIMEOUT_S = Field::new("timings.serve_kv_timeout_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(s(5))
        .means(
            "`RAY_SERVE_KV_TIMEOUT_S`: Serve's KV calls to the GCS (the controller's checkpoints) fail after this \
             instead of blocking while the GCS is down; passed to the live cluster; recorded in reports only when \
             given. No modelled effect: a controller outlives its GCS only until `ray start --block` stops the \
             head (`ray_block_poll_s`), see docs/model.md",
        )
        .source(KubeRay(
            "`RAY_SERVE_KV_TIMEOUT_S=5` on RayService pods (`common/pod.go`); Ray's own default is none, the calls \
             block (`serve/_private/constants.py`, `storage/kv_store.py`)",
        ));
    LONG_POLL_TIMEOUT_MIN_S = Field::new("timings.long_poll_timeout_min_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(s(30))
        .means(
            "`LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_LOWER_BOUND`: the controller holds an idle long poll of a proxy \
             or replica U(min, max) before it answers \"no change\" and the client polls again; passed to the \
             live cluster; recorded in reports only when given. No modelled effect: after a controller restart \
             Ray retries the pending polls on the new controller, which answers them as soon as it has recovered \
             (docs/model.md)",
        )
        .source(Ray("`serve/_private/long_poll.py`"));
    LONG_POLL_TIMEOUT_MAX_S = Field::new("timings.long_poll_timeout_max_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(s(60))
        .means(
            "`LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_UPPER_BOUND`, at least `long_poll_timeout_min_s`; as that field",
        )
        .source(Ray("`serve/_private/long_poll.py`"));
}

/// Every field of `section` (`""` for the top level) that lives in a [`Slot`] of the raw scenario.
pub fn slotted(section: &str) -> impl Iterator<Item = &'static Field> {
    let section = section.to_string();
    FIELDS.iter().filter(move |f| !matches!(f.slot, Slot::Other) && f.section() == section)
}

/// A section of the format: its key (`""` for the top level), title and the prose around its
/// table in `docs/scenario-format.md`.
pub struct Section {
    /// The key of the section's object; `""` for the top level.
    pub key: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Before the table.
    pub intro: &'static str,
    /// After the table.
    pub outro: &'static str,
}

/// The sections, in file order.
pub const SECTIONS: &[Section] = &[
    Section { key: "", title: "The run", intro: "", outro: "" },
    Section {
        key: "cluster",
        title: "Cluster (`cluster.*`)",
        intro: "Kubernetes nodes, KubeRay worker groups, GCS fault tolerance and its Redis. The Ray pods must fit: \
                1 + the worker pods at most `k8s_nodes` x `ray_pods_per_node`.",
        outro: "",
    },
    Section {
        key: "serve",
        title: "Serve (`serve.*`)",
        intro: "The Serve application: one deployment, as in the guide's working example. The replicas must fit \
                under `max_replicas_per_node` and in the cluster's CPUs.",
        outro: "",
    },
    Section {
        key: "ingress",
        title: "Ingress (`ingress.*`)",
        intro: "How clients reach the Serve proxies (choosing one: docs/model.md, \"Entry points\"). A pinned pod \
                must be able to run a proxy; a load balancer needs at least one backend, and its probes' timeout is at \
                most their period.",
        outro: "",
    },
    Section { key: "traffic", title: "Traffic (`traffic.*`)", intro: "Client load.", outro: "" },
    Section {
        key: "faults",
        title: "Faults (`faults[]`)",
        intro: "Each fault has a `kind`, an `at_s` and the fields of its kind (see the fault kinds below).",
        outro: "",
    },
    Section {
        key: "failures",
        title: "Failure processes (`failures[]`)",
        intro: "Faults drawn over the run, alongside the scripted `faults`: each process has a `kind` (a fault \
                kind, `rolling_restart` or `zone_loss`), a time-to-failure distribution `ttf` and the fields of \
                its kind. A `ttf` is per instance: `{\"kind\": \"node_loss\", \"ttf\": {\"kind\": \"exponential\", \
                \"mean\": 168, \"unit\": \"h\"}}` with 3 nodes loses a node every 56 h on average. The seed draws \
                the faults: see docs/failures.md.",
        outro: "",
    },
    Section { key: "slo", title: "SLO (`slo.*`)", intro: "The steady-state hypothesis.", outro: "" },
    Section {
        key: "timings",
        title: "Timings (`timings.*`)",
        intro: "Each default is Ray's, KubeRay's or Kubernetes' real default, with its source, or a **GUESS**.",
        outro: "Fixed mechanisms (not configurable in Ray either): 3 consecutive failed replica health checks \
                (`REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD`), 3 consecutive failed proxy health checks, health-check \
                jitter x U(0.9, 1.1) and the 2.60 controller's sweep of 0.5 x min(period, 10 s), the drain poll of \
                2 s (`graceful_shutdown_wait_loop_s`), min(20, 3 x replicas) constructor retries, no constructor \
                back-off (2.60).",
    },
];
