//! report.json: the run's headline metrics, per-fault timings, downtime episodes, the SLO
//! verdict and the fully resolved scenario. Output formats are API: the layout is versioned by
//! `schema_version` and documented in docs/reports.md.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Metrics;
use crate::metrics::observations::FailureCause;
use crate::scenario::raw::RawScenario;
use crate::scenario::traffic_mode::{ModeChoice, RunMode};

/// Version of the report layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub ftsim_version: String,
    /// `simulation` or `live`.
    pub mode: String,
    /// The traffic mode a simulation ran in, and why (absent from live runs and from reports
    /// before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_mode: Option<TrafficModeJson>,
    pub scenario_name: String,
    pub seed: u64,
    /// SHA-256 of the resolved scenario JSON.
    pub scenario_sha256: String,
    /// The command that reproduces this run.
    pub rerun: String,
    pub duration_s: f64,
    pub summary: Summary,
    pub downtime_episodes: Vec<EpisodeJson>,
    /// Brownout episodes (absent from reports before they existed).
    #[serde(default)]
    pub brownout_episodes: Vec<BrownoutJson>,
    pub faults: Vec<FaultJson>,
    /// Requests and failures per entry point (absent from reports before it existed).
    #[serde(default)]
    pub entry_points: Vec<EntryPointJson>,
    /// Requests, failures and downtime per Serve application, with several applications only
    /// (absent with one, whose figures are the summary's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<ApplicationJson>,
    pub slo: SloJson,
    /// Engine events processed (simulation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_processed: Option<u64>,
    /// The scenario with every default filled in.
    pub scenario: RawScenario,
}

/// The traffic mode of a simulated run (see `scenario::traffic_mode`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrafficModeJson {
    /// `per_request` or `counted`.
    pub ran: String,
    /// `traffic.mode` as written: `auto`, `per_request` or `counted`.
    pub requested: String,
    /// Why this mode ran.
    pub reason: String,
    /// Counted mode's error bound: expected requests whose outcome or latency could differ from
    /// the per-request model (0 when per-request ran).
    pub error_bound_requests: f64,
}

impl TrafficModeJson {
    /// The report's view of a mode choice.
    pub fn of(choice: &ModeChoice) -> Self {
        let counted = choice.mode == RunMode::Counted;
        TrafficModeJson {
            ran: choice.mode.name().to_string(),
            requested: choice.requested.name().to_string(),
            reason: choice.reason.clone(),
            error_bound_requests: if counted { choice.error_bound } else { 0.0 },
        }
    }
}

/// Headline numbers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub requests: u64,
    pub successes: u64,
    pub failures: u64,
    pub success_ratio: f64,
    /// Every cause, zero included.
    pub failures_by_cause: std::collections::BTreeMap<String, u64>,
    pub latency_p50_s: f64,
    pub latency_p99_s: f64,
    pub latency_max_s: f64,
    pub downtime_s: f64,
    pub downtime_episodes: usize,
    pub longest_downtime_s: f64,
    /// 1 s windows of arrival time under the SLO's success ratio.
    #[serde(default)]
    pub bad_seconds: u64,
    /// 60 s windows under the SLO's success ratio.
    #[serde(default)]
    pub bad_minutes: u64,
    /// Brownout episodes: bad seconds merged across gaps of at most `slo.brownout_merge_gap_s`.
    #[serde(default)]
    pub brownouts: usize,
    /// Their total length.
    #[serde(default)]
    pub brownout_s: f64,
    #[serde(default)]
    pub longest_brownout_s: f64,
    /// failures / (requests x (1 - min_success_ratio)); null when the SLO allows no failure
    /// and one happened.
    #[serde(default)]
    pub error_budget_consumed: Option<f64>,
    #[serde(default)]
    pub errors_per_million: f64,
}

/// One brownout episode.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BrownoutJson {
    pub start_s: f64,
    pub end_s: f64,
    pub duration_s: f64,
    pub bad_seconds: u64,
    pub requests: u64,
    pub failed_requests: u64,
}

/// One downtime episode.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpisodeJson {
    pub start_s: f64,
    pub end_s: f64,
    pub duration_s: f64,
    pub failed_requests: u64,
    pub ongoing_at_end: bool,
}

/// One fault.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultJson {
    pub index: usize,
    pub kind: String,
    pub target: Option<String>,
    pub injected_at_s: f64,
    pub detected_at_s: Option<f64>,
    pub recovered_at_s: Option<f64>,
    pub time_to_detect_s: Option<f64>,
    pub time_to_recover_s: Option<f64>,
    pub failed_requests: u64,
}

/// One entry point: the pinned pod, a Service's endpoint pod, a load balancer's backend, or
/// the requests that reached none (`(no entry point)`) or were counted (`(counted)`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryPointJson {
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    /// Every cause, zero included.
    pub failures_by_cause: std::collections::BTreeMap<String, u64>,
}

/// One Serve application: its requests, failures by cause and success ratio (these sum over
/// the applications to the summary's), and the downtime of its own requests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplicationJson {
    pub name: String,
    pub route_prefix: String,
    /// Its share of the requests in the scenario.
    pub share: f64,
    /// Its share of the run's requests.
    pub observed_share: f64,
    pub requests: u64,
    pub successes: u64,
    pub failures: u64,
    pub success_ratio: f64,
    /// Every cause, zero included.
    pub failures_by_cause: std::collections::BTreeMap<String, u64>,
    /// The downtime episodes of its requests: their number and total length.
    pub downtime_episodes: usize,
    pub downtime_s: f64,
}

impl ApplicationJson {
    /// The report's rows of `m`'s applications: none with a single application.
    fn rows(m: &Metrics) -> Vec<ApplicationJson> {
        if m.applications.len() < 2 {
            return Vec::new();
        }
        m.applications
            .iter()
            .map(|a| ApplicationJson {
                name: a.name.clone(),
                route_prefix: a.route_prefix.clone(),
                share: a.share,
                observed_share: a.observed_share(m.requests),
                requests: a.requests,
                successes: a.successes,
                failures: a.failures(),
                success_ratio: a.success_ratio(),
                failures_by_cause: causes(&a.failures_by_cause),
                downtime_episodes: a.episodes.len(),
                downtime_s: d(a.downtime()),
            })
            .collect()
    }
}

/// The SLO verdict.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SloJson {
    pub holds: bool,
    pub checks: Vec<SloCheckJson>,
}

/// One SLO check.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SloCheckJson {
    pub name: String,
    pub limit: String,
    pub actual: String,
    pub ok: bool,
}

fn s(t: SimTime) -> f64 {
    t.as_secs_f64()
}

fn d(t: SimDuration) -> f64 {
    t.as_secs_f64()
}

/// Run identity that is not a metric.
pub struct RunInfo<'a> {
    /// `simulation` or `live`.
    pub mode: &'a str,
    /// The traffic mode of a simulation.
    pub traffic_mode: Option<ModeChoice>,
    /// The resolved scenario.
    pub resolved: &'a RawScenario,
    /// The command that reproduces the run.
    pub rerun: String,
    /// Engine events (simulation).
    pub events_processed: Option<u64>,
}

/// SHA-256 of the resolved scenario's compact JSON, in hexadecimal: the scenario's identity in
/// report.json and mc.json.
pub fn scenario_sha256(resolved: &RawScenario) -> String {
    use sha2::Digest;
    let scenario_json = serde_json::to_vec(resolved).expect("scenario serializes");
    sha2::Sha256::digest(&scenario_json).iter().map(|b| format!("{b:02x}")).collect()
}

/// Counts in [`FailureCause::ALL`] order, by cause name.
fn causes(counts: &[u64; 6]) -> std::collections::BTreeMap<String, u64> {
    FailureCause::ALL.iter().zip(counts).map(|(c, n)| (c.name().to_string(), *n)).collect()
}

/// Builds the report.
pub fn build(info: RunInfo<'_>, m: &Metrics, duration: SimDuration) -> Report {
    let scenario_sha256 = scenario_sha256(info.resolved);
    let failures_by_cause = causes(&m.failures_by_cause);
    Report {
        schema_version: SCHEMA_VERSION,
        ftsim_version: env!("CARGO_PKG_VERSION").to_string(),
        mode: info.mode.to_string(),
        traffic_mode: info.traffic_mode.as_ref().map(TrafficModeJson::of),
        scenario_name: info.resolved.name.clone().unwrap_or_default(),
        seed: info.resolved.seed.unwrap_or_default(),
        scenario_sha256,
        rerun: info.rerun,
        duration_s: d(duration),
        summary: Summary {
            requests: m.requests,
            successes: m.successes,
            failures: m.failures(),
            success_ratio: m.success_ratio(),
            failures_by_cause,
            latency_p50_s: d(m.latency[0]),
            latency_p99_s: d(m.latency[1]),
            latency_max_s: d(m.latency[2]),
            downtime_s: d(m.total_downtime()),
            downtime_episodes: m.episodes.len(),
            longest_downtime_s: d(m.episodes.iter().map(|e| e.duration()).max().unwrap_or_default()),
            bad_seconds: m.time.bad_seconds,
            bad_minutes: m.time.bad_minutes,
            brownouts: m.time.brownouts.len(),
            brownout_s: d(m.time.brownout_time()),
            longest_brownout_s: d(m.time.longest_brownout()),
            error_budget_consumed: m.error_budget_consumed,
            errors_per_million: m.errors_per_million(),
        },
        downtime_episodes: m
            .episodes
            .iter()
            .map(|e| EpisodeJson {
                start_s: s(e.start),
                end_s: s(e.end),
                duration_s: d(e.duration()),
                failed_requests: e.failed_requests,
                ongoing_at_end: e.ongoing_at_end,
            })
            .collect(),
        brownout_episodes: m
            .time
            .brownouts
            .iter()
            .map(|b| BrownoutJson {
                start_s: s(b.start),
                end_s: s(b.end),
                duration_s: d(b.duration()),
                bad_seconds: b.bad_seconds,
                requests: b.requests,
                failed_requests: b.failed_requests,
            })
            .collect(),
        faults: m
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| FaultJson {
                index: i,
                kind: f.record.kind.clone(),
                target: f.record.target.clone(),
                injected_at_s: s(f.record.injected_at),
                detected_at_s: f.record.detected_at.map(s),
                recovered_at_s: f.recovered_at.map(s),
                time_to_detect_s: f.record.detected_at.map(|t| d(t.saturating_since(f.record.injected_at))),
                time_to_recover_s: f.recovered_at.map(|t| d(t.saturating_since(f.record.injected_at))),
                failed_requests: f.failed_requests,
            })
            .collect(),
        entry_points: m
            .entry_points
            .iter()
            .map(|e| EntryPointJson {
                name: e.name.clone(),
                requests: e.requests,
                failures: e.failures(),
                failures_by_cause: causes(&e.failures_by_cause),
            })
            .collect(),
        applications: ApplicationJson::rows(m),
        slo: SloJson {
            holds: m.slo.holds,
            checks: m
                .slo
                .checks
                .iter()
                .map(|c| SloCheckJson {
                    name: c.name.to_string(),
                    limit: c.limit.clone(),
                    actual: c.actual.clone(),
                    ok: c.ok,
                })
                .collect(),
        },
        events_processed: info.events_processed,
        scenario: info.resolved.clone(),
    }
}
