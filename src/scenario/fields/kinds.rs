//! The tagged variants of the scenario format: service-time distributions, fault kinds, failure
//! processes, time distributions and traffic shapes, each with its fields and meaning. The
//! fields that take them are in [`super::table`].

use super::Variant;

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
    Variant {
        tag: "network_partition",
        fields: &[("at_s", true), ("target", false), ("duration_s", false)],
        meaning: "a worker pod's Ray node (`target`: a worker pod name) is cut off from the head and the other \
                  Ray nodes for `duration_s` (default: not within the run); its processes run on and the \
                  Service or load balancer still reaches it, its own proxy serves what reaches it with its own \
                  replicas. Shorter than the GCS's detection time (65 s by default): calls across the cut hang \
                  and complete when it heals, nothing restarts. Longer: the GCS marks it dead after its health \
                  checks, its replicas are replaced elsewhere, and when it heals its raylet exits and the kubelet \
                  restarts the container in place",
    },
    Variant {
        tag: "node_delete",
        fields: &[("at_s", true), ("target", false)],
        meaning: "`kubectl delete node` (`target`; default: drawn as for `node_loss`) while its VM and kubelet run \
                  on, the guide's own node injection: nothing new is scheduled there, its pods keep serving \
                  until PodGC deletes them (its first pass, every `timings.pod_gc_period_s`, then \
                  `timings.orphan_pod_gc_s`: 40-60 s), the kubelet kills their containers and KubeRay recreates \
                  them on nodes with room; the kubelet does not register the deleted Node again, so the node \
                  takes no pod for the rest of the run",
    },
    Variant {
        tag: "node_unreachable",
        fields: &[("at_s", true), ("target", false), ("duration_s", false)],
        meaning: "a worker node's VM (`target`: not the head's nor the Redis pod's; default: drawn among the Ready \
                  nodes running a pod, those two excepted) is cut off from the API server \
                  and every other node for `duration_s` (default: not within the run), its processes alive: \
                  requests sent to its pods hang; NotReady after `timings.node_monitor_grace_s` (its pods leave \
                  the Service); the GCS marks its raylets dead after its health checks (65 s) and Serve replaces \
                  their replicas elsewhere; 300 s after NotReady the taint manager evicts its pods, which stay \
                  Terminating (no kubelet confirms) and which KubeRay keeps counting: no replacement. When it \
                  heals, the kubelet kills the evicted pods and KubeRay recreates them; pods not yet evicted \
                  restart their container in place if the GCS declared them dead, else carry on",
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
