//! The fields of `timings`: mechanism timings.

use super::*;

fields! {
    TIMINGS_FIELDS;

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
    CLOUD_NODE_MONITOR_S =
        Field::new("timings.cloud_node_monitor_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(5))
            .means(
                "the cloud node lifecycle controller's period: at its first pass after a lost VM's node turns \
                 NotReady it finds the instance gone and deletes the Node object; recorded in reports only when given",
            )
            .source(Kubernetes(
                "k8s.io/cloud-provider `controllers/nodelifecycle` `MonitorNodes` (skips Ready nodes), \
                 cloud-controller-manager `--node-monitor-period` = 5 s",
            ));
    POD_GC_PERIOD_S = Field::new("timings.pod_gc_period_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(s(20))
        .means("PodGC's pass period: the first pass after a Node's deletion quarantines its pods' node name; recorded in reports only when given")
        .source(Kubernetes("`gcCheckPeriod` = 20 s, `pkg/controller/podgc/gc_controller.go`"));
    ORPHAN_POD_GC_S = Field::new("timings.orphan_pod_gc_s", Kind::SECS, slot!(F64, timings.orphan_pod_gc_s))
        .default(s(40))
        .means(
            "pods bound to a deleted Node are force-deleted this long after the PodGC pass that found the Node \
             gone; only then does KubeRay, which counts every listed pod (Terminating ones included), create a \
             replacement",
        )
        .source(Kubernetes(
            "`quarantineTime` = 40 s, `gcOrphaned`, `pkg/controller/podgc/gc_controller.go`; KubeRay \
             `reconcilePods` counts listed worker pods",
        ));
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
    RAY_AUTOSCALER_UPDATE_S = Field::new("timings.ray_autoscaler_update_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(s(5))
        .means(
            "the Ray autoscaler's update period (with `cluster.autoscaler.enabled`): each update reads the pending \
             resource demands and the idle nodes and patches the RayCluster's worker groups; recorded in reports \
             only when given",
        )
        .source(Ray("`AUTOSCALER_UPDATE_INTERVAL_S` = 5 (`python/ray/autoscaler/_private/constants.py`)"));
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
