//! The observation stream that both the simulator and live mode produce: one record per request,
//! the component levels whenever they change (or are polled), and one record per injected fault.
//! Every report, plot and comparison is computed from this stream alone.

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;

/// Why a request failed. Every failed request has exactly one cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// No pod to send to: the port-forward's pod is gone, or the Service has no ready endpoint.
    NoEndpoint,
    /// Connection refused or reset by the pod: its proxy is dead or not started, or Ray is down.
    ProxyUnavailable,
    /// The replica died while serving the request (HTTP 500).
    ReplicaDied,
    /// The deployment is DEPLOY_FAILED with no running replica (HTTP 503).
    DeploymentUnavailable,
    /// The client gave up (its timeout).
    Timeout,
    /// Still waiting when the drain window after the run ended.
    Unfinished,
}

impl FailureCause {
    /// Every cause, in report order.
    pub const ALL: [FailureCause; 6] = [
        FailureCause::NoEndpoint,
        FailureCause::ProxyUnavailable,
        FailureCause::ReplicaDied,
        FailureCause::DeploymentUnavailable,
        FailureCause::Timeout,
        FailureCause::Unfinished,
    ];

    /// The snake_case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            FailureCause::NoEndpoint => "no_endpoint",
            FailureCause::ProxyUnavailable => "proxy_unavailable",
            FailureCause::ReplicaDied => "replica_died",
            FailureCause::DeploymentUnavailable => "deployment_unavailable",
            FailureCause::Timeout => "timeout",
            FailureCause::Unfinished => "unfinished",
        }
    }
}

/// How one request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered.
    Success,
    /// Failed, with its cause.
    Failure(FailureCause),
}

/// One request, from arrival to outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// When the client sent it.
    pub arrival: SimTime,
    /// When its outcome was known to the client.
    pub end: SimTime,
    /// Success or failure with a cause.
    pub outcome: Outcome,
    /// The entry point it went through, if it reached one.
    pub entry: Option<super::entry_points::EntryId>,
    /// Its application, by index in the scenario's `serve.applications` (0 with one).
    pub app: u16,
}

/// Component levels at one instant. "At target" means the cluster is back to its steady state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Levels {
    /// Replicas whose constructor has finished and whose actor is alive.
    pub replicas_running: u32,
    /// The target replica count, summed over the deployments.
    pub replicas_target: u32,
    /// Proxies that are up and healthy.
    pub proxies_up: u32,
    /// Proxies Serve should run (the head, plus every pod hosting a replica with `EveryNode`).
    pub proxies_expected: u32,
    /// Ray pods whose raylet is registered with a GCS.
    pub pods_ready: u32,
    /// Ray pods desired by the RayCluster.
    pub pods_desired: u32,
    /// The GCS answers.
    pub gcs_up: bool,
    /// Redis answers (always true without GCS fault tolerance, where Redis is unused).
    pub redis_up: bool,
    /// The Serve controller is running.
    pub controller_up: bool,
}

impl Levels {
    /// True when every component is back to its target.
    pub fn at_target(&self) -> bool {
        self.replicas_running >= self.replicas_target
            && self.proxies_up >= self.proxies_expected
            && self.pods_ready >= self.pods_desired
            && self.gcs_up
            && self.redis_up
            && self.controller_up
    }
}

/// One injected fault, as the system saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRecord {
    /// Fault kind (scenario name).
    pub kind: String,
    /// What it hit (replica, pod or node name), when it has a target.
    pub target: Option<String>,
    /// When it was injected.
    pub injected_at: SimTime,
    /// When the system noticed (controller, GCS or KubeRay), if it did.
    pub detected_at: Option<SimTime>,
}

/// Everything observed during one run.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// Every request, in arrival order.
    pub requests: Vec<RequestRecord>,
    /// Component levels at each change, in time order; the first entry is at time zero.
    pub levels: Vec<(SimTime, Levels)>,
    /// Injected faults, in injection order.
    pub faults: Vec<FaultRecord>,
    /// The names of the entry points, indexed by [`super::entry_points::EntryId`].
    pub entry_points: Vec<String>,
}

/// Where a run's finished requests go, as they finish: the simulator streams into one, live mode
/// feeds one from its list. Bounded consumers ([`super::stream::MetricsStream`]) keep memory
/// independent of the run's length.
pub trait RequestSink {
    /// One finished request. Calls come in arrival order.
    fn request(&mut self, record: RequestRecord);

    /// `count` (> 0) requests of counted traffic (`scenario::traffic_mode`), each a success
    /// whose latency is one service time, not yet drawn: all arrived in one time-series bucket,
    /// at `first` or later and before the next call's `first`, after every request already
    /// passed; the first of them at `first` when it is the first of its stretch (else only
    /// `first`'s windows and bucket matter: no episode is open within a stretch). A call spans
    /// several 1 s or 60 s windows ([`super::brownout::WINDOW_WIDTHS`]) only when each of them
    /// holds nothing but counted successes: taking them all in `first`'s windows then changes
    /// no bad second or minute and no brownout's request count.
    fn successes(&mut self, first: SimTime, count: u64);

    /// `at` may bound a fault's window (an injection, a detection or a change of the levels):
    /// remember how many failed requests arrived before it. `at` is never before the arrival
    /// of a request already passed to [`RequestSink::request`], and marks come in time order.
    fn mark(&mut self, at: SimTime);
}

/// Keeps every record (tests and small runs, which run request by request: `sim::run`).
impl RequestSink for Vec<RequestRecord> {
    fn request(&mut self, record: RequestRecord) {
        self.push(record);
    }

    /// Counted requests have no latency yet: each is recorded as arriving and ending at `first`.
    fn successes(&mut self, first: SimTime, count: u64) {
        let record = RequestRecord { arrival: first, end: first, outcome: Outcome::Success, entry: None, app: 0 };
        self.extend(std::iter::repeat_n(record, count as usize));
    }

    fn mark(&mut self, _at: SimTime) {}
}
