//! Raw scenario -> resolved raw scenario (every default filled in) -> validated [`Scenario`].
//!
//! All semantic errors are collected, each with the JSON path of the offending value, so that a
//! user sees every problem of a file at once.

use super::defaults as d;
use super::error::{JsonPath, ScenarioError};
use super::model::*;
use super::raw::*;
use super::show;
use crate::engine::{SimDuration, SimTime};

fn secs_opt(v: SimDuration) -> Option<f64> {
    Some(v.as_secs_f64())
}

fn milli_cpus_to_f64(m: u64) -> Option<f64> {
    Some(m as f64 / 1000.0)
}

/// Fills every default into `raw`, so that the resolved scenario can be recorded in reports.
pub fn resolve(mut raw: RawScenario) -> RawScenario {
    raw.name.get_or_insert_with(|| "scenario".to_string());
    raw.description.get_or_insert_with(String::new);
    raw.duration_s = raw.duration_s.or(secs_opt(d::DURATION));
    raw.seed = raw.seed.or(Some(d::SEED));
    raw.bucket_s = raw.bucket_s.or(secs_opt(d::BUCKET));

    let c = &mut raw.cluster;
    c.k8s_nodes = c.k8s_nodes.or(Some(d::K8S_NODES));
    c.ray_pods_per_node = c.ray_pods_per_node.or(Some(d::RAY_PODS_PER_NODE));
    c.head_num_cpus = c.head_num_cpus.or(milli_cpus_to_f64(d::HEAD_NUM_CPUS_MILLI));
    let groups = c.worker_groups.get_or_insert_with(|| {
        vec![RawWorkerGroup { name: d::WORKER_GROUP.to_string(), replicas: d::WORKER_REPLICAS, num_cpus: None }]
    });
    for g in groups.iter_mut() {
        g.num_cpus = g.num_cpus.or(milli_cpus_to_f64(d::WORKER_NUM_CPUS_MILLI));
    }
    c.gcs_fault_tolerance = c.gcs_fault_tolerance.or(Some(d::GCS_FAULT_TOLERANCE));
    c.redis.mode = c.redis.mode.or(Some(RawRedisMode::Single));
    // The guide's Redis pod shares a node with the first worker pod (node-2).
    let default_redis_node = if c.k8s_nodes.unwrap_or(1) >= 2 { "node-2" } else { "node-1" };
    c.redis.node.get_or_insert_with(|| default_redis_node.to_string());

    let s = &mut raw.serve;
    s.deployment.get_or_insert_with(|| d::DEPLOYMENT.to_string());
    s.num_replicas = s.num_replicas.or(Some(d::NUM_REPLICAS));
    s.num_cpus_per_replica = s.num_cpus_per_replica.or(milli_cpus_to_f64(d::NUM_CPUS_PER_REPLICA_MILLI));
    s.max_ongoing_requests = s.max_ongoing_requests.or(Some(d::MAX_ONGOING_REQUESTS));
    s.constructor_s = s.constructor_s.or(secs_opt(d::CONSTRUCTOR));
    s.health_check_period_s = s.health_check_period_s.or(secs_opt(d::HEALTH_CHECK_PERIOD));
    s.health_check_timeout_s = s.health_check_timeout_s.or(secs_opt(d::HEALTH_CHECK_TIMEOUT));
    s.graceful_shutdown_timeout_s = s.graceful_shutdown_timeout_s.or(secs_opt(d::GRACEFUL_SHUTDOWN_TIMEOUT));
    s.max_constructor_retry_count = s.max_constructor_retry_count.or(Some(d::MAX_CONSTRUCTOR_RETRY_COUNT));
    s.proxy_location = s.proxy_location.or(Some(RawProxyLocation::EveryNode));

    let ft = raw.cluster.gcs_fault_tolerance == Some(true);
    let t = &mut raw.timings;
    macro_rules! dflt {
        ($($field:ident = $value:expr;)*) => { $( t.$field = t.$field.or(secs_opt($value)); )* };
    }
    dflt! {
        actor_start_s = d::ACTOR_START;
        actor_death_detection_s = d::ACTOR_DEATH_DETECTION;
        controller_recovery_s = d::CONTROLLER_RECOVERY;
        routing_update_s = d::ROUTING_UPDATE;
        proxy_start_s = d::PROXY_START;
        proxy_health_check_period_s = d::PROXY_HEALTH_CHECK_PERIOD;
        proxy_health_check_timeout_s = d::PROXY_HEALTH_CHECK_TIMEOUT;
        proxy_min_draining_s = d::PROXY_MIN_DRAINING;
        queue_len_cache_s = d::QUEUE_LEN_CACHE;
        gcs_health_check_period_s = d::GCS_HEALTH_CHECK_PERIOD;
        gcs_health_check_timeout_s = d::GCS_HEALTH_CHECK_TIMEOUT;
        gcs_reconnect_timeout_s = d::GCS_RECONNECT_TIMEOUT;
        worker_gcs_reconnect_timeout_s = if ft { d::WORKER_GCS_RECONNECT_TIMEOUT_FT } else { d::GCS_RECONNECT_TIMEOUT };
        gcs_redis_connect_window_s = d::GCS_REDIS_CONNECT_WINDOW;
        gcs_redis_crash_s = d::GCS_REDIS_CRASH;
        stale_raylet_rejection_s = d::STALE_RAYLET_REJECTION;
        ray_block_poll_s = d::RAY_BLOCK_POLL;
        ray_start_s = d::RAY_START;
        head_ray_start_s = d::HEAD_RAY_START;
        node_drain_timeout_s = d::NODE_DRAIN_TIMEOUT;
        pod_start_s = d::POD_START;
        wait_gcs_ready_period_s = d::WAIT_GCS_READY_PERIOD;
        kubelet_restart_backoff_s = d::KUBELET_RESTART_BACKOFF;
        kubelet_restart_backoff_max_s = d::KUBELET_RESTART_BACKOFF_MAX;
        readiness_initial_delay_s = d::READINESS_INITIAL_DELAY;
        readiness_period_s = d::READINESS_PERIOD;
        rayservice_reconcile_s = d::RAYSERVICE_RECONCILE;
        node_monitor_grace_s = d::NODE_MONITOR_GRACE;
        orphan_pod_gc_s = d::ORPHAN_POD_GC;
        node_provisioning_s = d::NODE_PROVISIONING;
        redis_failover_s = d::REDIS_FAILOVER;
    }
    t.gcs_health_check_failure_threshold =
        t.gcs_health_check_failure_threshold.or(Some(d::GCS_HEALTH_CHECK_FAILURE_THRESHOLD));

    // The default pinned pod is the guide's (the first worker that can host a replica, and so
    // run a proxy), unless only the head runs a proxy (`HeadOnly`); see `never_runs_a_proxy`.
    let replica_cpus = raw.serve.num_cpus_per_replica.unwrap_or(0.0);
    let first_worker = raw
        .cluster
        .worker_groups
        .as_ref()
        .and_then(|g| g.iter().find(|g| g.replicas > 0 && g.num_cpus.unwrap_or(0.0) >= replica_cpus))
        .map(|g| format!("{}-1", g.name))
        .filter(|_| raw.serve.proxy_location != Some(RawProxyLocation::HeadOnly))
        .unwrap_or_else(|| "head".to_string());
    raw.ingress.kind = raw.ingress.kind.or(Some(RawIngressKind::Pinned));
    if raw.ingress.kind == Some(RawIngressKind::Pinned) {
        raw.ingress.pod.get_or_insert(first_worker);
    }

    let tr = &mut raw.traffic;
    tr.arrivals = tr.arrivals.or(Some(RawArrivals::Poisson));
    tr.rate_per_s = tr.rate_per_s.or(Some(d::RATE_PER_S));
    tr.service_time.get_or_insert(RawServiceTime::Exponential { mean_s: d::SERVICE_TIME_MEAN.as_secs_f64() });

    for f in raw.faults.iter_mut() {
        match f {
            RawFault::ReplicaHealthCheckFailure { mode, .. } => {
                mode.get_or_insert(RawHealthMode::Raise);
            }
            RawFault::NodeLoss { network, .. } => {
                network.get_or_insert(RawNetwork::Unreachable);
            }
            _ => {}
        }
    }
    raw.slo.min_success_ratio = raw.slo.min_success_ratio.or(Some(d::MIN_SUCCESS_RATIO));
    raw.slo.brownout_merge_gap_s = raw.slo.brownout_merge_gap_s.or(secs_opt(d::BROWNOUT_MERGE_GAP));
    raw
}

/// Collects errors while converting.
struct Checker {
    errors: Vec<ScenarioError>,
}

impl Checker {
    fn err(&mut self, path: JsonPath, msg: impl Into<String>) {
        self.errors.push(ScenarioError::at(path, msg));
    }

    /// A span in seconds: at least zero, at most [`d::MAX_DURATION`], and positive unless
    /// `allow_zero`. Rounded to the nearest microsecond.
    fn secs(&mut self, path: JsonPath, v: f64, allow_zero: bool) -> SimDuration {
        let max = d::MAX_DURATION;
        let dur = match SimDuration::from_secs_f64(v) {
            _ if v < 0.0 => Err(format!("expected a duration in seconds >= 0, found {}", show::num(v))),
            Some(dur) if dur <= max => Ok(dur),
            _ => Err(format!("expected at most {} s (the longest run), found {}", max.as_secs_f64(), show::num(v))),
        };
        match dur {
            Ok(dur) if dur.as_micros() > 0 || allow_zero => dur,
            Ok(_) => {
                self.err(path, format!("expected a positive number of seconds (at least 0.000001), found {v}"));
                SimDuration::ZERO
            }
            Err(msg) => {
                self.err(path, msg);
                SimDuration::ZERO
            }
        }
    }

    /// An optional span: `None` stays `None`.
    fn secs_opt(&mut self, path: JsonPath, v: Option<f64>) -> Option<SimDuration> {
        v.map(|v| self.secs(path, v, false))
    }

    /// A CPU count, converted to integer milli-CPUs.
    fn cpus(&mut self, path: JsonPath, v: f64) -> u64 {
        if !(0.0..=100_000.0).contains(&v) {
            self.err(path, format!("expected a CPU count between 0 and 100000, found {}", show::num(v)));
            return 0;
        }
        (v * 1000.0).round() as u64
    }

    /// An integer within `lo..=hi`, narrowed to u32. Out of range, the error is recorded and the
    /// value clamped into range, so that checks that depend on it do not report follow-up errors.
    fn int(&mut self, path: JsonPath, v: u64, lo: u64, hi: u64) -> u32 {
        if v < lo || v > hi {
            self.err(path, format!("expected an integer from {lo} to {hi}, found {v}"));
        }
        v.clamp(lo, hi) as u32
    }
}

/// Returns `Some(v)` from a resolved optional (resolution guarantees presence).
fn r<T: Clone>(v: &Option<T>) -> T {
    v.clone().expect("resolved scenario has every default filled in")
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Checks a resolved raw scenario and builds the domain [`Scenario`].
pub fn validate(raw: &RawScenario) -> Result<Scenario, Vec<ScenarioError>> {
    let root = JsonPath::root();
    let mut ck = Checker { errors: Vec::new() };

    let name = r(&raw.name);
    if name.is_empty()
        || name.len() > 100
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || name.starts_with('.')
    {
        ck.err(
            root.key("name"),
            format!("expected 1-100 characters from [A-Za-z0-9._-] not starting with '.', found {}", show::text(&name)),
        );
    }
    let duration = ck.secs(root.key("duration_s"), r(&raw.duration_s), false);
    let bucket = ck.secs(root.key("bucket_s"), r(&raw.bucket_s), false);
    if bucket > duration && duration > SimDuration::ZERO {
        ck.err(root.key("bucket_s"), format!("expected at most duration_s ({duration}), found {bucket}"));
    } else if bucket.as_micros() > 0 && duration.as_micros() / bucket.as_micros() > d::MAX_BUCKETS {
        ck.err(
            root.key("bucket_s"),
            format!("too many buckets: duration_s / bucket_s must be at most {}", d::MAX_BUCKETS),
        );
    }

    // Cluster.
    let cp = root.key("cluster");
    let c = &raw.cluster;
    let k8s_nodes = ck.int(cp.key("k8s_nodes"), r(&c.k8s_nodes), 1, d::MAX_NODES);
    let ray_pods_per_node = ck.int(cp.key("ray_pods_per_node"), r(&c.ray_pods_per_node), 1, d::MAX_NODES);
    let head_cpus_milli = ck.cpus(cp.key("head_num_cpus"), r(&c.head_num_cpus));
    let mut worker_groups = Vec::new();
    let raw_groups = r(&c.worker_groups);
    if raw_groups.len() > d::MAX_WORKER_GROUPS {
        // Stop here: the checks below cost time in proportion to the groups and their pods.
        let msg = format!("expected at most {} worker groups, found {}", d::MAX_WORKER_GROUPS, raw_groups.len());
        ck.err(cp.key("worker_groups"), msg);
        return Err(ck.errors);
    }
    for (i, g) in raw_groups.iter().enumerate() {
        let gp = cp.key("worker_groups").index(i);
        if !valid_name(&g.name) || g.name == "head" {
            ck.err(
                gp.key("name"),
                format!("expected a lowercase DNS label (a-z, 0-9, '-'), not \"head\", found {}", show::text(&g.name)),
            );
        }
        if raw_groups[..i].iter().any(|o| o.name == g.name) {
            ck.err(gp.key("name"), format!("duplicate worker group name {}", show::text(&g.name)));
        }
        let replicas = ck.int(gp.key("replicas"), g.replicas, 0, d::MAX_NODES);
        let cpus_milli = ck.cpus(gp.key("num_cpus"), r(&g.num_cpus));
        worker_groups.push(WorkerGroup { name: g.name.clone(), replicas, cpus_milli });
    }
    let ray_pods: u64 = 1 + worker_groups.iter().map(|g| u64::from(g.replicas)).sum::<u64>();
    if ray_pods - 1 > d::MAX_WORKER_PODS {
        let msg = format!("expected at most {} worker pods in all groups, found {}", d::MAX_WORKER_PODS, ray_pods - 1);
        ck.err(cp.key("worker_groups"), msg);
        return Err(ck.errors);
    }
    if ray_pods > u64::from(k8s_nodes) * u64::from(ray_pods_per_node) && ck.errors.is_empty() {
        ck.err(
            cp.key("k8s_nodes"),
            format!(
                "the cluster does not fit: {ray_pods} Ray pods need more than {k8s_nodes} nodes x {ray_pods_per_node} Ray pods per node"
            ),
        );
    }
    let gcs_fault_tolerance = r(&c.gcs_fault_tolerance);
    let redis_mode = match r(&c.redis.mode) {
        RawRedisMode::Single => RedisMode::Single,
        RawRedisMode::Ha => RedisMode::Ha,
    };
    let redis_node_name = r(&c.redis.node);
    let redis_node = match parse_indexed(&redis_node_name, "node-", k8s_nodes) {
        Some(i) => i,
        None => {
            ck.err(
                cp.key("redis").key("node"),
                format!("expected a node name from node-1 to node-{k8s_nodes}, found {}", show::text(&redis_node_name)),
            );
            0
        }
    };
    if let Some(password) = &c.redis.password
        && let Err(msg) = super::secret::check_password(password.expose())
    {
        ck.err(cp.key("redis").key("password"), msg);
    }
    let cluster = Cluster {
        k8s_nodes,
        ray_pods_per_node,
        head_cpus_milli,
        worker_groups,
        gcs_fault_tolerance,
        redis_mode,
        redis_node,
        redis_password: c.redis.password.clone(),
    };

    // Serve.
    let sp = root.key("serve");
    let s = &raw.serve;
    let deployment = r(&s.deployment);
    if deployment.is_empty()
        || deployment.len() > 100
        || !deployment.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        ck.err(
            sp.key("deployment"),
            format!("expected 1-100 characters from [A-Za-z0-9_-], found {}", show::text(&deployment)),
        );
    }
    let num_replicas = ck.int(sp.key("num_replicas"), r(&s.num_replicas), 1, d::MAX_REPLICAS);
    let cpus_per_replica_milli = ck.cpus(sp.key("num_cpus_per_replica"), r(&s.num_cpus_per_replica));
    let max_replicas_per_node = s
        .max_replicas_per_node
        .map(|v| ck.int(sp.key("max_replicas_per_node"), v, 1, d::MAX_REPLICAS_PER_NODE_MAX_VALUE));
    if let Some(cap) = max_replicas_per_node
        && u64::from(num_replicas) > u64::from(cap) * ray_pods
    {
        ck.err(
            sp.key("num_replicas"),
            format!(
                "{num_replicas} replicas cannot be placed: max_replicas_per_node = {cap} allows at most {} on {ray_pods} Ray pods",
                u64::from(cap) * ray_pods
            ),
        );
    }
    if cpus_per_replica_milli > 0 {
        let total: u64 = cluster.head_cpus_milli
            + cluster.worker_groups.iter().map(|g| g.cpus_milli * u64::from(g.replicas)).sum::<u64>();
        if u64::from(num_replicas) * cpus_per_replica_milli > total {
            ck.err(
                sp.key("num_replicas"),
                format!(
                    "{num_replicas} replicas x {} CPUs do not fit in the cluster's {} CPUs",
                    cpus_per_replica_milli as f64 / 1000.0,
                    total as f64 / 1000.0
                ),
            );
        }
    }
    let serve = Serve {
        deployment,
        num_replicas,
        cpus_per_replica_milli,
        max_replicas_per_node,
        max_ongoing_requests: ck.int(sp.key("max_ongoing_requests"), r(&s.max_ongoing_requests), 1, 1_000_000),
        constructor: ck.secs(sp.key("constructor_s"), r(&s.constructor_s), true),
        health_check_period: ck.secs(sp.key("health_check_period_s"), r(&s.health_check_period_s), false),
        health_check_timeout: ck.secs(sp.key("health_check_timeout_s"), r(&s.health_check_timeout_s), false),
        graceful_shutdown_timeout: ck.secs(
            sp.key("graceful_shutdown_timeout_s"),
            r(&s.graceful_shutdown_timeout_s),
            true,
        ),
        max_constructor_retry_count: ck.int(
            sp.key("max_constructor_retry_count"),
            r(&s.max_constructor_retry_count),
            0,
            1_000_000,
        ),
        proxy_location: match r(&s.proxy_location) {
            RawProxyLocation::EveryNode => ProxyLocation::EveryNode,
            RawProxyLocation::HeadOnly => ProxyLocation::HeadOnly,
        },
    };

    let timings = validate_timings(&mut ck, &root.key("timings"), &raw.timings);

    // Ingress.
    let pods = initial_pod_names(&cluster);
    let ingress = match r(&raw.ingress.kind) {
        RawIngressKind::Service => {
            if raw.ingress.pod.is_some() {
                ck.err(root.key("ingress").key("pod"), "unexpected field: a Service ingress is not pinned to a pod");
            }
            Ingress::Service
        }
        RawIngressKind::Pinned => {
            let pod = r(&raw.ingress.pod);
            if !pods.contains(&pod) {
                ck.err(
                    root.key("ingress").key("pod"),
                    format!("unknown pod {}; the pods are {}", show::text(&pod), show::list(&pods)),
                );
            } else if let Some(why) = never_runs_a_proxy(&pod, &cluster, &serve) {
                // Every request to it would fail.
                ck.err(
                    root.key("ingress").key("pod"),
                    format!(
                        "pod {} never runs a proxy: {why}; pin \"head\" or use a Service ingress",
                        show::text(&pod)
                    ),
                );
            }
            Ingress::Pinned { pod }
        }
    };

    // Traffic.
    let tp = root.key("traffic");
    let rate = r(&raw.traffic.rate_per_s);
    let mut gap_ps = 0;
    let min_rate = 1.0 / d::MAX_DURATION.as_secs_f64();
    if !(rate > 0.0 && rate.is_finite()) {
        ck.err(tp.key("rate_per_s"), format!("expected a request rate > 0 per second, found {}", show::num(rate)));
    } else if !(min_rate..=d::MAX_RATE_PER_S).contains(&rate) {
        ck.err(
            tp.key("rate_per_s"),
            format!(
                "expected between one request per {} s (the longest run) and {} requests per second, found {}",
                d::MAX_DURATION.as_secs_f64(),
                d::MAX_RATE_PER_S,
                show::num(rate)
            ),
        );
    } else {
        gap_ps = super::model::gap_ps(rate);
        let expected = rate * duration.as_secs_f64();
        if expected > d::MAX_REQUESTS as f64 {
            ck.err(
                tp.key("rate_per_s"),
                format!("rate_per_s x duration_s = {expected:.0} requests, more than the limit of {}", d::MAX_REQUESTS),
            );
        }
    }
    let stp = tp.key("service_time");
    let service_time = match r(&raw.traffic.service_time) {
        RawServiceTime::Constant { s } => ServiceTime::Constant(ck.secs(stp.key("s"), s, false)),
        RawServiceTime::Exponential { mean_s } => ServiceTime::Exponential(ck.secs(stp.key("mean_s"), mean_s, false)),
        RawServiceTime::Uniform { min_s, max_s } => {
            let lo = ck.secs(stp.key("min_s"), min_s, false);
            let hi = ck.secs(stp.key("max_s"), max_s, false);
            if hi < lo {
                ck.err(
                    stp.key("max_s"),
                    format!("expected max_s >= min_s ({}), found {}", show::num(min_s), show::num(max_s)),
                );
            }
            ServiceTime::Uniform(lo, hi)
        }
    };
    let traffic = Traffic {
        arrivals: match r(&raw.traffic.arrivals) {
            RawArrivals::Constant => Arrivals::Constant,
            RawArrivals::Poisson => Arrivals::Poisson,
        },
        rate_per_s: rate,
        gap_ps,
        service_time,
        client_timeout: ck.secs_opt(tp.key("client_timeout_s"), raw.traffic.client_timeout_s),
    };

    // Faults.
    if raw.faults.len() > d::MAX_FAULTS {
        ck.err(root.key("faults"), format!("expected at most {} faults, found {}", d::MAX_FAULTS, raw.faults.len()));
    }
    let replicas: Vec<String> = (1..=num_replicas).map(|i| format!("{}#{i}", serve.deployment)).collect();
    let mut faults = Vec::new();
    let retries = RetryBound {
        run_end: SimTime::ZERO + duration + traffic.client_timeout.unwrap_or(SimDuration::from_secs(60)),
        attempt: timings.actor_start + serve.constructor,
        slots: num_replicas,
    };
    let mut constructor_failures = 0u64;
    for (i, f) in raw.faults.iter().enumerate().take(d::MAX_FAULTS) {
        let fp = root.key("faults").index(i);
        if let Some(fault) = validate_fault(&mut ck, &fp, f, duration, &cluster, &pods, &replicas) {
            let before = constructor_failures;
            constructor_failures = constructor_failures.saturating_add(retries.failures(&fault));
            if constructor_failures > d::MAX_CONSTRUCTOR_FAILURES && before <= d::MAX_CONSTRUCTOR_FAILURES {
                ck.err(fp.clone(), retries.too_many(constructor_failures));
            }
            faults.push(fault);
        }
    }
    faults.sort_by_key(|f| f.at);

    // SLO.
    let slop = root.key("slo");
    let min_success_ratio = r(&raw.slo.min_success_ratio);
    if !(0.0..=1.0).contains(&min_success_ratio) {
        ck.err(
            slop.key("min_success_ratio"),
            format!("expected a ratio from 0 to 1, found {}", show::num(min_success_ratio)),
        );
    }
    let slo = Slo {
        min_success_ratio,
        max_downtime: raw.slo.max_downtime_s.map(|v| ck.secs(slop.key("max_downtime_s"), v, true)),
        max_failed_requests: raw.slo.max_failed_requests,
        brownout_merge_gap: ck.secs(slop.key("brownout_merge_gap_s"), r(&raw.slo.brownout_merge_gap_s), true),
    };

    if !ck.errors.is_empty() {
        return Err(ck.errors);
    }
    Ok(Scenario {
        name,
        description: r(&raw.description),
        duration,
        seed: r(&raw.seed),
        bucket,
        cluster,
        serve,
        timings,
        ingress,
        traffic,
        faults,
        slo,
    })
}

fn validate_timings(ck: &mut Checker, tp: &JsonPath, t: &RawTimings) -> Timings {
    macro_rules! secs {
        ($field:ident, $zero:expr) => {
            ck.secs(tp.key(stringify!($field)), r(&t.$field), $zero)
        };
    }
    let timings = Timings {
        actor_start: secs!(actor_start_s, true),
        actor_death_detection: secs!(actor_death_detection_s, true),
        controller_recovery: secs!(controller_recovery_s, true),
        routing_update: secs!(routing_update_s, true),
        proxy_start: secs!(proxy_start_s, true),
        proxy_health_check_period: secs!(proxy_health_check_period_s, false),
        proxy_health_check_timeout: secs!(proxy_health_check_timeout_s, false),
        proxy_min_draining: secs!(proxy_min_draining_s, true),
        queue_len_cache: secs!(queue_len_cache_s, true),
        gcs_health_check_period: secs!(gcs_health_check_period_s, false),
        gcs_health_check_timeout: secs!(gcs_health_check_timeout_s, false),
        gcs_health_check_failure_threshold: ck.int(
            tp.key("gcs_health_check_failure_threshold"),
            r(&t.gcs_health_check_failure_threshold),
            1,
            1_000,
        ),
        gcs_reconnect_timeout: secs!(gcs_reconnect_timeout_s, false),
        worker_gcs_reconnect_timeout: secs!(worker_gcs_reconnect_timeout_s, false),
        gcs_redis_connect_window: secs!(gcs_redis_connect_window_s, false),
        gcs_redis_crash: secs!(gcs_redis_crash_s, true),
        stale_raylet_rejection: secs!(stale_raylet_rejection_s, true),
        ray_block_poll: secs!(ray_block_poll_s, true),
        ray_start: secs!(ray_start_s, true),
        head_ray_start: secs!(head_ray_start_s, true),
        node_drain_timeout: secs!(node_drain_timeout_s, true),
        pod_start: secs!(pod_start_s, true),
        wait_gcs_ready_period: secs!(wait_gcs_ready_period_s, false),
        kubelet_restart_backoff: secs!(kubelet_restart_backoff_s, true),
        kubelet_restart_backoff_max: secs!(kubelet_restart_backoff_max_s, true),
        readiness_initial_delay: secs!(readiness_initial_delay_s, true),
        readiness_period: secs!(readiness_period_s, false),
        rayservice_reconcile: secs!(rayservice_reconcile_s, false),
        node_monitor_grace: secs!(node_monitor_grace_s, true),
        orphan_pod_gc: secs!(orphan_pod_gc_s, true),
        node_provisioning: secs!(node_provisioning_s, true),
        redis_failover: secs!(redis_failover_s, true),
    };
    let min_backoff = d::MIN_KUBELET_RESTART_BACKOFF;
    if timings.kubelet_restart_backoff < min_backoff {
        ck.err(
            tp.key("kubelet_restart_backoff_s"),
            format!(
                "expected at least {} s, found {}: a shorter back-off lets a container that keeps exiting \
                 (e.g. a head whose GCS cannot reach Redis) crash loop without bound; the kubelet's back-off \
                 starts at 10 s and its configurable restart period goes no lower than 1 s",
                min_backoff.as_secs_f64(),
                show::num(r(&t.kubelet_restart_backoff_s))
            ),
        );
    }
    if timings.kubelet_restart_backoff_max < timings.kubelet_restart_backoff {
        ck.err(tp.key("kubelet_restart_backoff_max_s"), "expected at least kubelet_restart_backoff_s");
    }
    timings
}

/// An upper bound on the replica constructor attempts that `constructor_failure` faults make
/// fail. Every failed attempt makes Serve start a new replica actor at once (Ray 2.60 has no
/// back-off once the deployment has run), so a failure that lasts makes one attempt per replica
/// slot per `actor_start_s + constructor_s`, until the run's hard stop (the arrival window plus
/// the client timeout, or 60 s, plus 1 s: `World::hard_stop`).
struct RetryBound {
    run_end: SimTime,
    attempt: SimDuration,
    slots: u32,
}

impl RetryBound {
    /// Most attempts `fault` can make fail; `u64::MAX` for a lasting failure with a zero start time.
    fn failures(&self, fault: &Fault) -> u64 {
        let FaultKind::ConstructorFailure { failures, duration } = &fault.kind else {
            return 0;
        };
        let left = (self.run_end + SimDuration::from_secs(1)).saturating_since(fault.at);
        let window = duration.map_or(left, |d| d.min(left));
        match failures {
            ConstructorFailures::Count(n) => u64::from(*n),
            ConstructorFailures::Probability(0) => 0,
            ConstructorFailures::Probability(_) if self.attempt.as_micros() == 0 => u64::MAX,
            ConstructorFailures::Probability(_) => {
                u64::from(self.slots).saturating_mul(window.as_micros() / self.attempt.as_micros() + 1)
            }
        }
    }

    fn too_many(&self, failures: u64) -> String {
        let limit = d::MAX_CONSTRUCTOR_FAILURES;
        if failures == u64::MAX {
            return format!(
                "a lasting constructor failure with actor_start_s + constructor_s = 0 retries forever at one instant; \
                 expected a positive start time, a count, or at most {limit} failed attempts in all"
            );
        }
        format!(
            "constructor_failure faults can fail up to {failures} constructor attempts ({} replicas, each retried every \
             actor_start_s + constructor_s = {}); expected at most {limit} in all: give the fault a count or a shorter \
             duration_s",
            self.slots, self.attempt
        )
    }
}

/// Why pod `pod` (an initial pod name) can never run a Serve proxy, if it cannot. Ray 2.60
/// (`proxy_state.py` `_resolved_proxy_location`, `controller.py` `_update_proxy_nodes`): the
/// head always runs one; with `HeadOnly` no other node does; with `EveryNode` a worker node
/// runs one only while it hosts a replica, which a pod with fewer CPUs than a replica needs
/// never does.
fn never_runs_a_proxy(pod: &str, cluster: &Cluster, serve: &Serve) -> Option<String> {
    if pod == "head" {
        return None;
    }
    if serve.proxy_location == ProxyLocation::HeadOnly {
        return Some("with serve.proxy_location \"HeadOnly\" only the head does".to_string());
    }
    let group = cluster.worker_groups.iter().find(|g| (1..=g.replicas).any(|i| pod == format!("{}-{i}", g.name)))?;
    (group.cpus_milli < serve.cpus_per_replica_milli).then(|| {
        format!(
            "its group {} has {} CPUs per pod, a replica needs {}, so it never hosts a replica (nor, with \"EveryNode\", a proxy)",
            show::text(&group.name),
            group.cpus_milli as f64 / 1000.0,
            serve.cpus_per_replica_milli as f64 / 1000.0
        )
    })
}

/// `node-3` with prefix `node-` and count 5 -> index 2.
fn parse_indexed(name: &str, prefix: &str, count: u32) -> Option<u32> {
    let n: u32 = name.strip_prefix(prefix)?.parse().ok()?;
    (1..=count).contains(&n).then(|| n - 1)
}

fn initial_pod_names(cluster: &Cluster) -> Vec<String> {
    let mut v = vec!["head".to_string()];
    for g in &cluster.worker_groups {
        for i in 1..=g.replicas {
            v.push(format!("{}-{i}", g.name));
        }
    }
    v
}

fn check_target(ck: &mut Checker, path: JsonPath, target: &Option<String>, allowed: &[String], what: &str) {
    if let Some(t) = target {
        if !allowed.contains(t) {
            let list = if allowed.is_empty() { "there are none".to_string() } else { show::list(allowed) };
            ck.err(path, format!("unknown {what} {}; expected one of: {list}", show::text(t)));
        }
    } else if allowed.is_empty() {
        ck.err(path, format!("no {what} exists to pick at random"));
    }
}

fn validate_fault(
    ck: &mut Checker,
    fp: &JsonPath,
    f: &RawFault,
    duration: SimDuration,
    cluster: &Cluster,
    pods: &[String],
    replicas: &[String],
) -> Option<Fault> {
    let at_s = match f {
        RawFault::ReplicaCrash { at_s, .. }
        | RawFault::ReplicaHealthCheckFailure { at_s, .. }
        | RawFault::ConstructorFailure { at_s, .. }
        | RawFault::ControllerCrash { at_s }
        | RawFault::ProxyCrash { at_s, .. }
        | RawFault::WorkerPodDeletion { at_s, .. }
        | RawFault::NodeLoss { at_s, .. }
        | RawFault::HeadPodCrash { at_s }
        | RawFault::RedisOutage { at_s, .. } => *at_s,
    };
    let at = ck.secs(fp.key("at_s"), at_s, true);
    if at >= duration && duration > SimDuration::ZERO {
        ck.err(
            fp.key("at_s"),
            format!("expected a time before the end of the run (duration_s = {duration}), found {}", show::num(at_s)),
        );
    }
    let workers: Vec<String> = pods.iter().filter(|p| *p != "head").cloned().collect();
    let kind = match f {
        RawFault::ReplicaCrash { target, .. } => {
            check_target(ck, fp.key("target"), target, replicas, "replica");
            FaultKind::ReplicaCrash { target: target.clone() }
        }
        RawFault::ReplicaHealthCheckFailure { target, mode, duration_s, .. } => {
            check_target(ck, fp.key("target"), target, replicas, "replica");
            FaultKind::ReplicaHealthCheckFailure {
                target: target.clone(),
                mode: match r(mode) {
                    RawHealthMode::Raise => HealthMode::Raise,
                    RawHealthMode::Hang => HealthMode::Hang,
                },
                duration: ck.secs_opt(fp.key("duration_s"), *duration_s),
            }
        }
        RawFault::ConstructorFailure { count, probability, duration_s, .. } => {
            let failures = match (count, probability) {
                (Some(n), None) => {
                    ConstructorFailures::Count(ck.int(fp.key("count"), *n, 1, d::MAX_CONSTRUCTOR_FAILURES))
                }
                (None, Some(p)) => {
                    if !(0.0..=1.0).contains(p) {
                        ck.err(
                            fp.key("probability"),
                            format!("expected a probability from 0 to 1, found {}", show::num(*p)),
                        );
                    }
                    ConstructorFailures::Probability(crate::engine::rng::probability_threshold(*p))
                }
                (Some(_), Some(_)) => {
                    ck.err(fp.key("probability"), "expected either count or probability, found both");
                    return None;
                }
                (None, None) => {
                    ck.err(fp.clone(), "missing field `count` or `probability`");
                    return None;
                }
            };
            FaultKind::ConstructorFailure { failures, duration: ck.secs_opt(fp.key("duration_s"), *duration_s) }
        }
        RawFault::ControllerCrash { .. } => FaultKind::ControllerCrash,
        RawFault::ProxyCrash { target, .. } => {
            check_target(ck, fp.key("target"), target, pods, "pod");
            FaultKind::ProxyCrash { target: target.clone() }
        }
        RawFault::WorkerPodDeletion { target, .. } => {
            check_target(ck, fp.key("target"), target, &workers, "worker pod");
            FaultKind::WorkerPodDeletion { target: target.clone() }
        }
        RawFault::NodeLoss { target, network, .. } => {
            let nodes: Vec<String> = (1..=cluster.k8s_nodes).map(|i| format!("node-{i}")).collect();
            check_target(ck, fp.key("target"), target, &nodes, "node");
            FaultKind::NodeLoss { target: target.clone(), unreachable: r(network) == RawNetwork::Unreachable }
        }
        RawFault::HeadPodCrash { .. } => FaultKind::HeadPodCrash,
        RawFault::RedisOutage { duration_s, .. } => {
            if !cluster.gcs_fault_tolerance {
                ck.err(
                    fp.key("kind"),
                    "a redis_outage needs cluster.gcs_fault_tolerance = true: without it the GCS does not use Redis",
                );
            }
            FaultKind::RedisOutage { duration: ck.secs(fp.key("duration_s"), *duration_s, false) }
        }
    };
    Some(Fault { at: SimTime::ZERO + at, kind })
}
