//! Validated domain types: what the simulator and live mode consume. Every value here has passed
//! the checks in [`super::validate`]; times are [`SimDuration`]s, probabilities integer thresholds.

use crate::engine::{SimDuration, SimTime};
use crate::names;

pub use super::resources::Resources;

/// A complete, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name, used for output directories.
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// Length of the arrival window; the run drains in-flight requests after it.
    pub duration: SimDuration,
    /// Seed of every random stream.
    pub seed: u64,
    /// Time-series bucket width.
    pub bucket: SimDuration,
    /// Topology.
    pub cluster: Cluster,
    /// The Serve deployment.
    pub serve: Serve,
    /// Mechanism timings.
    pub timings: Timings,
    /// How clients reach the proxies.
    pub ingress: Ingress,
    /// Client load.
    pub traffic: Traffic,
    /// Fault timeline, sorted by injection time (stable for equal times): the scripted faults
    /// as parsed; [`crate::policy::failures::expand`] merges in those the failure processes
    /// draw for the scenario's seed.
    pub faults: Vec<Fault>,
    /// Failure processes, in file order.
    pub failures: Vec<FailureProcess>,
    /// Steady-state hypothesis.
    pub slo: Slo,
}

/// Kubernetes nodes and Ray pods.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Number of Kubernetes nodes, named `node-1` .. `node-N`.
    pub k8s_nodes: u32,
    /// Ray pods one Kubernetes node can hold.
    pub ray_pods_per_node: u32,
    /// What manages the Ray cluster: KubeRay on Kubernetes, or nothing (plain `ray start`).
    pub manager: Manager,
    /// The head's Ray resources (`num-cpus`, `num-gpus`, `memory`, `resources`).
    pub head_resources: Resources,
    /// Worker groups in file order.
    pub worker_groups: Vec<WorkerGroup>,
    /// GCS fault tolerance with an external Redis.
    pub gcs_fault_tolerance: bool,
    /// Redis topology (only meaningful with GCS fault tolerance).
    pub redis_mode: RedisMode,
    /// Index of the Kubernetes node that hosts the Redis pod.
    pub redis_node: u32,
    /// Node pools in file order: nodes are numbered across them (`node-1` .. in the first pool,
    /// then the next pool's); one pool of every node by default.
    pub node_pools: Vec<NodePool>,
    /// Index of the pool the head pod runs on.
    pub head_pool: usize,
    /// The Redis password live mode sets (`FTSIM_REDIS_PASSWORD` overrides it; generated when
    /// neither is given).
    pub redis_password: Option<super::secret::Secret>,
    /// KubeRay's in-tree Ray autoscaler.
    pub autoscaler: RayAutoscaler,
}

/// KubeRay's in-tree Ray autoscaler (`cluster.autoscaler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RayAutoscaler {
    /// `enableInTreeAutoscaling`.
    pub enabled: bool,
    /// `autoscalerOptions.idleTimeoutSeconds`.
    pub idle_timeout: SimDuration,
    /// `autoscalerOptions.upscalingMode`.
    pub upscaling_mode: UpscalingMode,
}

/// KubeRay's `autoscalerOptions.upscalingMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpscalingMode {
    /// Upscaling speed 1.
    Conservative,
    /// Upscaling speed 1000 (the default).
    Default,
    /// Upscaling speed 1000, as `Default`.
    Aggressive,
}

/// What runs and repairs the Ray cluster (`cluster.manager`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    /// KubeRay on Kubernetes: pods are recreated, containers restarted, nodes replaced, the
    /// Serve application resubmitted by RayService, the head supervised by `ray start --block`.
    KubeRay,
    /// Ray started on VMs with plain `ray start`: nothing recreates a lost node or restarts a
    /// stopped Ray; the nodes are still called `node-N` and their Ray processes "pods".
    Plain,
}

/// A KubeRay worker group: pods named `<name>-1` .. `<name>-N`.
#[derive(Clone, Debug)]
pub struct WorkerGroup {
    /// Group name.
    pub name: String,
    /// Desired pods at the start.
    pub replicas: u32,
    /// The Ray autoscaler keeps at least this many pods (`minReplicas`).
    pub min_replicas: u32,
    /// The Ray autoscaler keeps at most this many pods (`maxReplicas`).
    pub max_replicas: u32,
    /// The Ray resources of each pod (`num-cpus`, `num-gpus`, `memory`, `resources`).
    pub resources: Resources,
    /// Index of the node pool its pods run on.
    pub pool: usize,
}

/// A pool of Kubernetes nodes, all in one zone (a node pool's `nodeSelector`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePool {
    /// Pool name.
    pub name: String,
    /// Its nodes.
    pub nodes: u32,
    /// The zone its nodes are in.
    pub zone: String,
    /// Its largest size: nodes added when pods find no room (at least `nodes`).
    pub max_nodes: u32,
}

/// Redis topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisMode {
    /// One Redis pod: an outage lasts as long as the fault.
    Single,
    /// Highly available: an outage lasts at most the failover time.
    Ha,
    /// A managed Redis outside the cluster (on no Kubernetes node): node and zone losses do not
    /// take it; an outage lasts at most the service's failover time.
    External,
}

/// Where Serve runs HTTP proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyLocation {
    /// On the head and on every node that hosts a replica (Ray 2.60).
    EveryNode,
    /// On the head only.
    HeadOnly,
}

/// Ray Serve: its applications and where it runs proxies.
#[derive(Clone, Debug)]
pub struct Serve {
    /// The applications, in file order: one when the file gives the shorthand (`serve.*`), with
    /// route prefix `/` and every request.
    pub applications: Vec<Application>,
    /// Proxy placement.
    pub proxy_location: ProxyLocation,
}

impl Serve {
    /// The first application's deployment: the only one of a single-application scenario.
    pub fn first(&self) -> &Deployment {
        &self.applications[0].deployment
    }

    /// Every application's deployment, in file order.
    pub fn deployments(&self) -> impl Iterator<Item = &Deployment> {
        self.applications.iter().map(|a| &a.deployment)
    }

    /// Replica names at the start of the run, deployment by deployment.
    pub fn initial_replicas(&self) -> Vec<String> {
        self.deployments().flat_map(|d| (1..=d.num_replicas).map(|i| format!("{}#{i}", d.name))).collect()
    }

    /// Replicas every deployment targets, summed.
    pub fn total_replicas(&self) -> u32 {
        self.deployments().map(|d| d.num_replicas).sum()
    }
}

/// A Serve application: one deployment, its ingress (model composition is not modelled).
#[derive(Clone, Debug)]
pub struct Application {
    /// Application name.
    pub name: String,
    /// The HTTP route prefix the proxies route to it.
    pub route_prefix: String,
    /// Its share of the requests (the shares sum to 1).
    pub share: f64,
    /// Its deployment.
    pub deployment: Deployment,
}

/// A Serve deployment: one replica set with its own options.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Deployment name; replicas are `<name>#<n>`.
    pub name: String,
    /// Target replica count.
    pub num_replicas: u32,
    /// What each replica needs (`ray_actor_options` `num_cpus`, `num_gpus`, `memory`,
    /// `resources`).
    pub replica_resources: Resources,
    /// Hard cap of replicas per Ray node.
    pub max_replicas_per_node: Option<u32>,
    /// Per-replica concurrency cap.
    pub max_ongoing_requests: u32,
    /// Constructor duration.
    pub constructor: SimDuration,
    /// Replica health-check period.
    pub health_check_period: SimDuration,
    /// Replica health-check timeout.
    pub health_check_timeout: SimDuration,
    /// Drain budget of a stopping replica.
    pub graceful_shutdown_timeout: SimDuration,
    /// Deployment-level constructor retry cap.
    pub max_constructor_retry_count: u32,
    /// Serve autoscaling; `None`: a fixed `num_replicas`. With it, `num_replicas` is the
    /// initial count.
    pub autoscaling: Option<AutoscalingConfig>,
}

/// Serve's `autoscaling_config` (Ray's `AutoscalingConfig`); see [`crate::scenario::fields`]
/// for each default and its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoscalingConfig {
    /// Lower bound of the target replica count.
    pub min_replicas: u32,
    /// Upper bound of the target replica count.
    pub max_replicas: u32,
    /// Replicas at the start.
    pub initial_replicas: u32,
    /// Ongoing requests per replica the policy aims at.
    pub target_ongoing_requests: f64,
    /// How often the routers push their samples to the controller.
    pub metrics_interval: SimDuration,
    /// The window the samples are averaged over.
    pub look_back_period: SimDuration,
    /// How long a scale-up decision must hold before it applies.
    pub upscale_delay: SimDuration,
    /// How long a scale-down decision must hold before it applies.
    pub downscale_delay: SimDuration,
    /// Gain on an upscaling step.
    pub upscaling_factor: f64,
    /// Gain on a downscaling step.
    pub downscaling_factor: f64,
}

impl Deployment {
    /// Constructor failures after which a deployment that never started a replica is
    /// `DEPLOY_FAILED`: min(max_constructor_retry_count, 3 x num_replicas).
    pub fn failed_to_start_threshold(&self) -> u32 {
        let per_replica =
            u64::from(self.num_replicas).saturating_mul(crate::scenario::defaults::MAX_PER_REPLICA_RETRY_COUNT);
        per_replica.min(u64::from(self.max_constructor_retry_count)) as u32
    }

    /// The controller's health-check sweep: 0.5 x min(period, routing-stats period).
    pub fn health_check_sweep(&self) -> SimDuration {
        self.health_check_period.min(crate::scenario::defaults::REQUEST_ROUTING_STATS_PERIOD).scale(1, 2)
    }
}

/// Mechanism timings; see [`crate::scenario::fields`] for each default and its source.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Timings {
    pub actor_start: SimDuration,
    pub actor_death_detection: SimDuration,
    pub controller_recovery: SimDuration,
    pub routing_update: SimDuration,
    pub proxy_start: SimDuration,
    pub proxy_health_check_period: SimDuration,
    pub proxy_health_check_timeout: SimDuration,
    pub proxy_min_draining: SimDuration,
    pub queue_len_cache: SimDuration,
    pub gcs_health_check_period: SimDuration,
    pub gcs_health_check_timeout: SimDuration,
    pub gcs_health_check_failure_threshold: u32,
    pub gcs_reconnect_timeout: SimDuration,
    pub worker_gcs_reconnect_timeout: SimDuration,
    pub gcs_redis_connect_window: SimDuration,
    pub gcs_redis_crash: SimDuration,
    pub stale_raylet_rejection: SimDuration,
    pub ray_block_poll: SimDuration,
    pub ray_start: SimDuration,
    pub head_ray_start: SimDuration,
    pub node_drain_timeout: SimDuration,
    pub pod_start: SimDuration,
    pub wait_gcs_ready_period: SimDuration,
    pub kubelet_restart_backoff: SimDuration,
    pub kubelet_restart_backoff_max: SimDuration,
    pub readiness_initial_delay: SimDuration,
    pub readiness_period: SimDuration,
    pub rayservice_reconcile: SimDuration,
    pub node_monitor_grace: SimDuration,
    /// The cloud node lifecycle controller's period (`--node-monitor-period`).
    pub cloud_node_monitor: SimDuration,
    /// PodGC's pass period (`gcCheckPeriod`).
    pub pod_gc_period: SimDuration,
    pub orphan_pod_gc: SimDuration,
    pub node_provisioning: SimDuration,
    pub redis_failover: SimDuration,
    /// Failover of a managed Redis outside the cluster (`redis.mode` = `external`).
    pub external_redis_failover: SimDuration,
    /// The Ray autoscaler's update period (`AUTOSCALER_UPDATE_INTERVAL_S`).
    pub ray_autoscaler_update: SimDuration,
    /// `RAY_SERVE_KV_TIMEOUT_S` of the live cluster.
    pub serve_kv_timeout: SimDuration,
    /// `LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_LOWER_BOUND` of the live cluster.
    pub long_poll_timeout_min: SimDuration,
    /// `LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_UPPER_BOUND` of the live cluster.
    pub long_poll_timeout_max: SimDuration,
}

impl Timings {
    /// How long the GCS takes to declare a silent node dead. The check is skipped while syncer
    /// messages are fresh, so the first probe goes out one period after the node goes silent;
    /// then `threshold` probes must fail, `period` apart. Refused connections fail at once
    /// (3 + 4 x 3 = 15 s by default); black-holed ones each wait out the deadline
    /// (3 + 5 x 10 + 4 x 3 = 65 s).
    pub fn gcs_node_death_detection(&self, unreachable: bool) -> SimDuration {
        let n = u64::from(self.gcs_health_check_failure_threshold);
        let gaps = self.gcs_health_check_period.saturating_mul(n.saturating_sub(1));
        let waits = if unreachable { self.gcs_health_check_timeout.saturating_mul(n) } else { SimDuration::ZERO };
        self.gcs_health_check_period + gaps + waits
    }
}

/// How clients reach the proxies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingress {
    /// `kubectl port-forward` to one pod: follows neither a recreated pod nor a Service.
    Pinned {
        /// Pod name at the start of the run.
        pod: String,
    },
    /// A Kubernetes Service balancing over the pods whose readiness passes.
    Service,
    /// A cloud load balancer over the Ray pods' proxies, with its own health checks.
    LoadBalancer(LoadBalancer),
}

impl Ingress {
    /// The entry points named before any request, in report order: the pinned pod, or the load
    /// balancer's backends (a Service's endpoints are named as requests reach them).
    pub fn initial_entry_points(&self) -> Vec<String> {
        match self {
            Ingress::Pinned { pod } => vec![pod.clone()],
            Ingress::Service => Vec::new(),
            Ingress::LoadBalancer(lb) => lb.backends.clone(),
        }
    }
}

/// A cloud load balancer in front of the proxies (GCP's backend services by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    /// One backend per initial pod name, in the order given; a pod KubeRay recreates in place of
    /// one takes its backend.
    pub backends: Vec<String>,
    /// How new connections spread over the healthy backends.
    pub spread: Spread,
    /// The load balancer's health checks, or `None`: every backend gets traffic, dead or alive.
    pub health_check: Option<LbHealthCheck>,
    /// What it does with a new connection when no backend passes its health checks.
    pub when_all_unhealthy: WhenAllUnhealthy,
}

/// What a load balancer does with a new connection when every backend is unhealthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenAllUnhealthy {
    /// Sends it to any backend, healthy or not (AWS ALB and NLB, GCP passthrough network load
    /// balancers: "fail open").
    FailOpen,
    /// Answers it with an error at once (GCP Application Load Balancers: 502
    /// `failed_to_pick_backend`).
    Reject,
}

/// How a load balancer picks a backend for a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// In turn (GCP backend services' `localityLbPolicy` `ROUND_ROBIN`, AWS ALB's default).
    RoundRobin,
    /// Uniformly at random (the flow hash of passthrough network load balancers).
    Random,
}

/// A load balancer's health checks of each backend: an HTTP GET of the proxy's `/-/healthz`
/// every `period`; a probe fails when it is refused, answers non-200 or has no answer within
/// `timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LbHealthCheck {
    /// Between two probes of a backend.
    pub period: SimDuration,
    /// How long a probe waits for its answer (at most `period`).
    pub timeout: SimDuration,
    /// Failed probes in a row that make a healthy backend unhealthy.
    pub unhealthy_threshold: u32,
    /// Passed probes in a row that make an unhealthy backend healthy.
    pub healthy_threshold: u32,
}

impl LbHealthCheck {
    /// The longest a dead backend keeps getting traffic once its proxy refuses connections: up to
    /// one period before the first failed probe, then `unhealthy_threshold - 1` more periods.
    pub fn detection_bound(&self) -> SimDuration {
        self.period.saturating_mul(u64::from(self.unhealthy_threshold))
    }
}

/// Arrival process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    /// Exactly one request every 1/rate.
    Constant,
    /// Exponential inter-arrival times with mean 1/rate.
    Poisson,
}

/// Service-time distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceTime {
    /// Always the same.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exponential(SimDuration),
    /// Uniform between the two bounds.
    Uniform(SimDuration, SimDuration),
}

/// The mean gap between arrivals at `rate_per_s`, in whole picoseconds (`rate_per_s` > 0).
pub fn gap_ps(rate_per_s: f64) -> u64 {
    (1e12 / rate_per_s).round() as u64
}

/// Client load.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Arrival process.
    pub arrivals: Arrivals,
    /// `traffic.mode` as written ([`Scenario::traffic_mode`] says which mode runs).
    pub mode: super::traffic_mode::TrafficMode,
    /// Requests per second of a constant rate: as given, or a shape's rate when it does not
    /// vary over the run.
    pub rate_per_s: f64,
    /// Mean inter-arrival gap in picoseconds: `1/rate` rounded to the picosecond (see
    /// [`crate::traffic`]).
    pub gap_ps: u64,
    /// The rate over time when it varies over the run (`traffic.shape`); `None` for the
    /// constant `rate_per_s`.
    pub shape: Option<super::rate::RateShape>,
    /// Service time on a replica.
    pub service_time: ServiceTime,
    /// A client gives up after this; `None` waits forever (curl's default).
    pub client_timeout: Option<SimDuration>,
}

impl Traffic {
    /// Expected requests from the start of the run to `until`.
    pub fn expected_requests(&self, until: SimDuration) -> f64 {
        match &self.shape {
            None => self.rate_per_s * until.as_secs_f64(),
            Some(shape) => shape.integral(until.as_secs_f64()),
        }
    }

    /// The highest rate from the start of the run to `until` \[1/s\].
    pub fn peak_rate(&self, until: SimDuration) -> f64 {
        match &self.shape {
            None => self.rate_per_s,
            Some(shape) => shape.peak_until(until.as_secs_f64()),
        }
    }
}

/// One injected fault.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Injection time.
    pub at: SimTime,
    /// What happens.
    pub kind: FaultKind,
    /// The random stream that resolves its target and draws its chances: `fault-<i>` for the
    /// i-th scripted fault in time order, `failure-<process>-<n>` for the n-th fault a failure
    /// process generates ([`names::stream`]).
    pub stream: String,
}

/// A distribution of times in seconds; every parameter is finite and positive.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Exponential with this mean.
    Exponential {
        /// Mean \[s\].
        mean: f64,
    },
    /// Weibull: P(T > t) = exp(-(t/scale)^shape).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ \[s\].
        scale: f64,
    },
    /// Lognormal: ln T is normal with mean `mu` (of ln seconds) and deviation `sigma`.
    Lognormal {
        /// Mean of ln T, T in seconds.
        mu: f64,
        /// Standard deviation of ln T.
        sigma: f64,
    },
    /// Observed intervals, resampled uniformly.
    Empirical(std::sync::Arc<[f64]>),
}

impl Dist {
    /// The mean \[s\].
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Exponential { mean } => *mean,
            Dist::Weibull { shape, scale } => scale * libm::tgamma(1.0 + 1.0 / shape),
            Dist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

/// A failure process of the scenario (`failures[]`).
#[derive(Clone, Debug)]
pub struct FailureProcess {
    /// Its name, unique in the scenario: the key of its random streams.
    pub name: String,
    /// What it injects and when.
    pub kind: FailureKind,
}

/// How a failure process draws its faults.
#[derive(Clone, Debug)]
pub enum FailureKind {
    /// `instances` components fail independently: each one's times to failure are draws of
    /// `ttf`, and after each failure its clock restarts (after the repair, with a `ttr`). Each
    /// failure injects every fault of `faults` at once, with the repair time as their duration.
    Renewal {
        /// The faults of one failure, targets as given (`None`: drawn at injection).
        faults: Vec<FaultKind>,
        /// Independent instances.
        instances: u32,
        /// Time to failure.
        ttf: Dist,
        /// Time to repair, for faults whose repair the cluster does not model.
        ttr: Option<Dist>,
        /// Two injections of the process are at least this far apart (later ones wait).
        min_gap: SimDuration,
    },
    /// Every `every` from `start`, each worker pod of the cluster is deleted in turn, the
    /// oldest first, `gap` apart.
    RollingRestart {
        /// First round.
        start: SimDuration,
        /// Cadence of the rounds.
        every: SimDuration,
        /// Between two deletions of a round.
        gap: SimDuration,
        /// Deletions per round: the cluster's worker pods.
        pods: u32,
    },
}

/// How a failing `check_health` fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthMode {
    /// Raises at once: three consecutive failures mark the replica unhealthy.
    Raise,
    /// Hangs (event loop blocked): each check times out; requests stall too.
    Hang,
}

/// Constructor failure pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstructorFailures {
    /// The next `n` constructor attempts fail.
    Count(u32),
    /// Each attempt fails with this probability (an integer threshold out of 2^32).
    Probability(u64),
}

/// Fault kinds, one per documented failure mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A replica actor is killed; Ray does not restart it (the controller replaces it).
    ReplicaCrash {
        /// Replica name, or `None` to pick a running one with the fault's random stream.
        target: Option<String>,
    },
    /// A replica's `check_health` starts failing.
    ReplicaHealthCheckFailure {
        /// Replica name or random.
        target: Option<String>,
        /// Raise or hang.
        mode: HealthMode,
        /// For how long; `None` for good.
        duration: Option<SimDuration>,
    },
    /// Replica constructors fail.
    ConstructorFailure {
        /// Pattern.
        failures: ConstructorFailures,
        /// Window of a probabilistic fault; `None` for good.
        duration: Option<SimDuration>,
    },
    /// The Serve controller actor is killed: Ray restarts it, or with `ray.kill(no_restart=True)`
    /// nothing does until a new `serve.start` (KubeRay's RayService resubmission).
    ControllerCrash {
        /// Ray restarts it (`max_restarts=-1`); `false`: killed for good.
        restart: bool,
    },
    /// A proxy actor is killed (the controller replaces it).
    ProxyCrash {
        /// Pod whose proxy dies, or random among live proxies.
        target: Option<String>,
    },
    /// `kubectl delete pod` of a worker pod.
    WorkerPodDeletion {
        /// Worker pod name, or random (the oldest running one when `oldest`).
        target: Option<String>,
        /// Without a target, hit the oldest running worker pod instead of a random one (a
        /// rolling restart's planned drain).
        oldest: bool,
    },
    /// A Kubernetes node is lost with its pods.
    NodeLoss {
        /// Node name, or random among the Ready nodes running a Ray pod (the head's included).
        target: Option<String>,
        /// Without a target, draw only among these nodes (a failure process of one pool or
        /// zone); `None`: among all.
        among: Option<Vec<String>>,
        /// Black-holed (`true`) or refusing connections.
        unreachable: bool,
    },
    /// Every node of a zone is lost at once, each as by a [`FaultKind::NodeLoss`].
    ZoneOutage {
        /// The zone.
        zone: String,
        /// Its nodes, in node order.
        nodes: Vec<String>,
        /// Black-holed (`true`) or refusing connections.
        unreachable: bool,
    },
    /// The head pod crashes (deleted); KubeRay creates a new one.
    HeadPodCrash,
    /// Redis is unreachable for `duration`.
    RedisOutage {
        /// Outage length (an HA Redis fails over sooner).
        duration: SimDuration,
    },
    /// The head's `gcs_server` process alone is killed (SIGKILL); `ray start --block` notices
    /// and stops the head's Ray, whose container the kubelet restarts in place.
    GcsCrash,
    /// A pod's Ray container dies (every Ray process of it at once) and the kubelet restarts
    /// it in place: same pod, same node.
    ContainerCrash {
        /// Pod name, or random among the running pods (the head's included).
        target: Option<String>,
        /// Why it died; both are restarted alike.
        reason: CrashReason,
    },
    /// A worker pod's Ray node is cut off from the head and the other Ray nodes (its processes
    /// run on, Kubernetes still reaches it) for `duration`, or for good.
    NetworkPartition {
        /// Worker pod name, or random among the running worker pods.
        target: Option<String>,
        /// How long until it heals; `None`: not within the run.
        duration: Option<SimDuration>,
    },
    /// `kubectl delete node` while the VM and its kubelet run on: the pods serve until PodGC
    /// deletes them, and the node takes no pod again within the run (its kubelet does not
    /// register a deleted Node again).
    NodeDelete {
        /// Node name, or random among the Ready nodes running a Ray pod (the head's included).
        target: Option<String>,
    },
    /// A node's VM is cut off from the API server and from every other node (a NIC or zone
    /// network failure) for `duration`, or for good; its processes run on.
    NodeUnreachable {
        /// The node (not the head's nor the Redis pod's), or random among the Ready nodes
        /// running a pod, the head's and the Redis pod's excepted.
        target: Option<String>,
        /// How long until the network heals; `None`: not within the run.
        duration: Option<SimDuration>,
    },
}

/// Why a container died: Kubernetes records the reason and exit code, and restarts both
/// alike (`restartPolicy: Always`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashReason {
    /// The kernel's OOM killer killed the container's processes (`OOMKilled`, exit 137).
    OomKilled,
    /// The container's main process exited with an error (`Error`, exit 1).
    Error,
}

impl CrashReason {
    /// The container status Kubernetes reports, as the events log shows it.
    pub fn label(self) -> &'static str {
        match self {
            CrashReason::OomKilled => "OOMKilled, exit code 137",
            CrashReason::Error => "Error, exit code 1",
        }
    }
}

impl FaultKind {
    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::ReplicaCrash { .. } => "replica_crash",
            FaultKind::ReplicaHealthCheckFailure { .. } => "replica_health_check_failure",
            FaultKind::ConstructorFailure { .. } => "constructor_failure",
            FaultKind::ControllerCrash { .. } => "controller_crash",
            FaultKind::ProxyCrash { .. } => "proxy_crash",
            FaultKind::WorkerPodDeletion { .. } => "worker_pod_deletion",
            FaultKind::NodeLoss { .. } => "node_loss",
            FaultKind::ZoneOutage { .. } => "zone_outage",
            FaultKind::HeadPodCrash => "head_pod_crash",
            FaultKind::RedisOutage { .. } => "redis_outage",
            FaultKind::GcsCrash => "gcs_crash",
            FaultKind::ContainerCrash { .. } => "container_crash",
            FaultKind::NetworkPartition { .. } => "network_partition",
            FaultKind::NodeDelete { .. } => "node_delete",
            FaultKind::NodeUnreachable { .. } => "node_unreachable",
        }
    }
}

/// Steady-state hypothesis.
#[derive(Clone, Debug)]
pub struct Slo {
    /// Minimum overall success ratio.
    pub min_success_ratio: f64,
    /// Longest acceptable total downtime.
    pub max_downtime: Option<SimDuration>,
    /// Most acceptable failed requests.
    pub max_failed_requests: Option<u64>,
    /// Bad seconds at most this far apart belong to one brownout episode.
    pub brownout_merge_gap: SimDuration,
}

impl Scenario {
    /// The traffic mode this run uses, and why.
    pub fn traffic_mode(&self) -> super::traffic_mode::ModeChoice {
        super::traffic_mode::choose_for(self.duration, &self.traffic, &self.serve)
    }

    /// Names of the Ray pods at the start of the run: `head`, then each group's pods.
    pub fn initial_ray_pods(&self) -> Vec<String> {
        let mut v = vec![names::HEAD_POD.to_string()];
        for g in &self.cluster.worker_groups {
            for i in 1..=g.replicas {
                v.push(names::worker_pod(&g.name, i));
            }
        }
        v
    }
}
