//! The fields of `cluster`: nodes, pools, worker groups, GCS fault tolerance and Redis.

use super::*;

fields! {
    CLUSTER_FIELDS;

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
    HEAD_NUM_GPUS = Field::new("cluster.head_num_gpus", Kind::Gpus, Slot::Other)
        .default(Absent("no GPUs"))
        .means("head `num-gpus`: logical GPUs Ray may give replicas (docs/model.md, \"Resources and placement\")");
    HEAD_MEMORY = Field::new("cluster.head_memory", Kind::Memory, Slot::Other)
        .default(Absent("no memory resource: replicas that ask for memory do not go there"))
        .means("head `memory` (Ray's logical memory resource): bytes, or a Kubernetes quantity such as `\"8Gi\"`");
    HEAD_RESOURCES = Field::new("cluster.head_resources", Kind::ResourceMap, Slot::Other)
        .default(Absent("no custom resources"))
        .means("head `resources`: custom resources by name (`{\"accel\": 2}`)");
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
    WORKER_GROUP_MIN_REPLICAS =
        Field::new("cluster.worker_groups[].min_replicas", Kind::Int { lo: 0, hi: d::MAX_NODES }, Slot::Other)
            .default(Derived("`replicas`"))
            .means(
                "KubeRay's `minReplicas`: the Ray autoscaler (`cluster.autoscaler`) never removes the group's pods \
                 below this; at most `replicas`",
            )
            .source(KubeRay("`minReplicas`, read by Ray's `autoscaling_config.py` as the node type's `min_workers`"));
    WORKER_GROUP_MAX_REPLICAS =
        Field::new("cluster.worker_groups[].max_replicas", Kind::Int { lo: 0, hi: d::MAX_NODES }, Slot::Other)
            .default(Derived("`replicas`"))
            .means("KubeRay's `maxReplicas`: the Ray autoscaler never adds pods beyond this; at least `replicas`")
            .source(KubeRay("`maxReplicas`, read by Ray's `autoscaling_config.py` as the node type's `max_workers`"));
    WORKER_GROUP_NUM_CPUS = Field::new("cluster.worker_groups[].num_cpus", Kind::Cpus, Slot::Other)
        .default(MilliCpus(1_000))
        .means("`num-cpus` of each pod")
        .source(Guide("the container limit, `cpu: \"1\"`"));
    WORKER_GROUP_NUM_GPUS = Field::new("cluster.worker_groups[].num_gpus", Kind::Gpus, Slot::Other)
        .default(Absent("no GPUs"))
        .means("`num-gpus` of each pod (KubeRay takes it from the container's `nvidia.com/gpu` limit)");
    WORKER_GROUP_MEMORY = Field::new("cluster.worker_groups[].memory", Kind::Memory, Slot::Other)
        .default(Absent("no memory resource"))
        .means("`memory` of each pod (Ray's logical memory resource): bytes, or a quantity such as `\"8Gi\"`");
    WORKER_GROUP_RESOURCES = Field::new("cluster.worker_groups[].resources", Kind::ResourceMap, Slot::Other)
        .default(Absent("no custom resources"))
        .means("`resources` of each pod: custom resources by name");
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
    NODE_POOL_MAX_NODES =
        Field::new("cluster.node_pools[].max_nodes", Kind::Int { lo: 1, hi: d::MAX_NODES }, Slot::Other)
            .default(Derived("`nodes`: the pool never grows"))
            .means(
                "the pool's largest size (the cloud's node-pool autoscaler): a pod the autoscaler adds that finds no \
                 node with room gets a new node `node-<N>` after `timings.node_provisioning_s`; at least `nodes`; \
                 recorded in reports only when given",
            );
    HEAD_POOL = Field::new("cluster.head_pool", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Derived("the first pool"))
        .means("the pool the head pod runs on");
    AUTOSCALER_ENABLED = Field::new("cluster.autoscaler.enabled", Kind::Bool, Slot::Other)
        .default(Default::Bool(false))
        .means(
            "KubeRay's in-tree Ray autoscaler (`enableInTreeAutoscaling`): adds worker pods for replicas that fit \
             nowhere and removes idle ones, within each group's `min_replicas`..`max_replicas` (docs/model.md, \
             \"The Ray autoscaler\"); `cluster.autoscaler` is recorded in reports only when given",
        )
        .source(KubeRay("`enableInTreeAutoscaling` is off unless set"));
    AUTOSCALER_IDLE_TIMEOUT_S = Field::new("cluster.autoscaler.idle_timeout_s", Kind::SECS, Slot::Other)
        .default(s(60))
        .means("a worker pod that hosts no replica for this long is removed (down to its group's `min_replicas`)")
        .source(KubeRay(
            "`autoscalerOptions.idleTimeoutSeconds`; without it Ray's `autoscaling_config.py` sets \
             `idle_timeout_minutes` = 1.0",
        ));
    AUTOSCALER_UPSCALING_MODE =
        Field::new("cluster.autoscaler.upscaling_mode", Kind::Choice(&["Conservative", "Default", "Aggressive"]), Slot::Other)
            .default(Text("Default"))
            .means(
                "`autoscalerOptions.upscalingMode`: `Conservative` (upscaling speed 1: at most max(5, running pods) \
                 of a group starting at once) or `Default` / `Aggressive` (speed 1000: no limit in practice)",
            )
            .source(Ray("`autoscaling_config.py`: Conservative -> `upscaling_speed` 1, otherwise 1000"));
}
