//! What a timeline plot shows, computed from a saved run and nothing else: the pure half of
//! plotting. Drawing code only places these numbers; tests check them here, not in pixels.
//!
//! Component levels in timeseries.csv are the levels in force at the end of each bucket; the
//! plot holds each one over its whole bucket, so a change can appear up to one bucket early.

use crate::metrics::observations::{FailureCause, Levels};
use crate::report::run_data::{RunData, SeriesRow};

/// Most faults a plot draws (rows of the fault strip, shading, markers): the first ones in report
/// order. The rest are only counted ([`PlotModel::faults_not_shown`]), so that the figure's size
/// and drawing time stay bounded whatever a (hand-edited) report holds.
pub const MAX_FAULTS_SHOWN: usize = 12;

/// One bucket of the request panels.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketBar {
    /// Start of the bucket \[s\].
    pub start_s: f64,
    /// End of the bucket \[s\].
    pub end_s: f64,
    /// successes / requests; `None` when no request arrived.
    pub success_ratio: Option<f64>,
    /// Successful requests per second.
    pub success_rate: f64,
    /// Failed requests per second by cause, in [`FailureCause::ALL`] order.
    pub failure_rates: [f64; 6],
}

impl BucketBar {
    /// Requests per second, successes and failures together.
    pub fn total_rate(&self) -> f64 {
        self.success_rate + self.failure_rates.iter().sum::<f64>()
    }
}

/// One injected fault, shaded from injection to recovery.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultWindow {
    /// Position in report.json's `faults`.
    pub index: usize,
    /// `kind (target)`.
    pub label: String,
    /// Injection \[s\].
    pub injected_s: f64,
    /// Detection \[s\], if the system noticed.
    pub detected_s: Option<f64>,
    /// Recovery \[s\], if the cluster was back at target within the run.
    pub recovered_s: Option<f64>,
    /// Where the shading ends \[s\]: recovery, or the end of the plot when there was none.
    pub end_s: f64,
    /// Failed requests between injection and recovery.
    pub failed_requests: u64,
}

/// One downtime or brownout episode.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeSpan {
    /// First failed arrival (downtime), start of the first bad second (brownout) \[s\].
    pub start_s: f64,
    /// Next successful arrival or the end of the run (downtime), end of the last bad second
    /// (brownout) \[s\].
    pub end_s: f64,
    /// Failed requests in it.
    pub failed_requests: u64,
}

/// A value held over `[start_s, end_s)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step<T> {
    /// Start \[s\].
    pub start_s: f64,
    /// End \[s\].
    pub end_s: f64,
    /// The value.
    pub value: T,
}

/// A count against its target: replicas, proxies, pods.
#[derive(Clone, Debug, PartialEq)]
pub struct Gauge {
    /// Panel name and y-axis label, e.g. `replicas`.
    pub name: &'static str,
    /// Legend text of the actual count, e.g. `running`.
    pub actual_label: &'static str,
    /// Legend text of the target, e.g. `target`.
    pub target_label: &'static str,
    /// (actual, target), merged into runs of equal value.
    pub steps: Vec<Step<(u32, u32)>>,
}

impl Gauge {
    /// The largest value of either series.
    pub fn max(&self) -> u32 {
        self.steps.iter().map(|s| s.value.0.max(s.value.1)).max().unwrap_or(0)
    }
}

/// An up/down component: GCS, Redis, Serve controller.
#[derive(Clone, Debug, PartialEq)]
pub struct Switch {
    /// Row name.
    pub name: &'static str,
    /// False when the component plays no part in this run (Redis without GCS FT).
    pub in_use: bool,
    /// Up (`true`) or down, merged into runs.
    pub spans: Vec<Step<bool>>,
}

/// Everything the availability plot of one run shows.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotModel {
    /// Scenario name.
    pub title: String,
    /// Mode, seed, verdict and headline numbers, one line.
    pub subtitle: String,
    /// Success ratio of the whole run.
    pub success_ratio: f64,
    /// Failed requests of the whole run.
    pub failed_requests: u64,
    /// Right end of the time axis \[s\]: the arrival window.
    pub duration_s: f64,
    /// Request panels' buckets, in time order.
    pub buckets: Vec<BucketBar>,
    /// Failure causes that occur in the run, in [`FailureCause::ALL`] order.
    pub causes: Vec<FailureCause>,
    /// The SLO's minimum success ratio, drawn as a threshold.
    pub slo_min_success_ratio: Option<f64>,
    /// The faults drawn: the first [`MAX_FAULTS_SHOWN`] in report order.
    pub faults: Vec<FaultWindow>,
    /// The faults beyond [`MAX_FAULTS_SHOWN`], not drawn.
    pub faults_not_shown: usize,
    /// Downtime episodes, in time order.
    pub episodes: Vec<EpisodeSpan>,
    /// Brownout episodes, in time order.
    pub brownouts: Vec<EpisodeSpan>,
    /// Bad seconds and bad minutes of the run.
    pub bad_windows: (u64, u64),
    /// Replicas, proxies and pods against their targets.
    pub gauges: Vec<Gauge>,
    /// GCS, Redis and controller up or down.
    pub switches: Vec<Switch>,
}

impl PlotModel {
    /// The model of a saved run.
    pub fn from_run(run: &RunData) -> PlotModel {
        let r = &run.report;
        let duration_s = run.rows.iter().map(|b| b.t_end_s).fold(r.duration_s, f64::max);
        let buckets: Vec<BucketBar> = run.rows.iter().map(bucket_bar).collect();
        let causes = FailureCause::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| run.rows.iter().any(|b| b.failures_by_cause[*i] > 0))
            .map(|(_, c)| *c)
            .collect();
        let faults = r
            .faults
            .iter()
            .take(MAX_FAULTS_SHOWN)
            .map(|f| FaultWindow {
                index: f.index,
                label: match &f.target {
                    Some(t) => format!("{} ({t})", f.kind),
                    None => f.kind.clone(),
                },
                injected_s: f.injected_at_s,
                detected_s: f.detected_at_s,
                recovered_s: f.recovered_at_s,
                end_s: f.recovered_at_s.unwrap_or(duration_s).min(duration_s).max(f.injected_at_s),
                failed_requests: f.failed_requests,
            })
            .collect();
        let episodes = r
            .downtime_episodes
            .iter()
            .map(|e| EpisodeSpan { start_s: e.start_s, end_s: e.end_s, failed_requests: e.failed_requests })
            .collect();
        let brownouts = r
            .brownout_episodes
            .iter()
            .map(|b| EpisodeSpan { start_s: b.start_s, end_s: b.end_s, failed_requests: b.failed_requests })
            .collect();
        let uses_redis = r.scenario.cluster.gcs_fault_tolerance.unwrap_or(false);
        PlotModel {
            title: r.scenario_name.clone(),
            subtitle: subtitle(run),
            success_ratio: r.summary.success_ratio,
            failed_requests: r.summary.failures,
            duration_s,
            buckets,
            causes,
            slo_min_success_ratio: r.scenario.slo.min_success_ratio,
            faults,
            faults_not_shown: r.faults.len().saturating_sub(MAX_FAULTS_SHOWN),
            episodes,
            brownouts,
            bad_windows: (r.summary.bad_seconds, r.summary.bad_minutes),
            gauges: vec![
                gauge(&run.rows, "replicas", "running", "target", |l| (l.replicas_running, l.replicas_target)),
                gauge(&run.rows, "proxies", "up", "expected", |l| (l.proxies_up, l.proxies_expected)),
                gauge(&run.rows, "Ray pods", "ready", "desired", |l| (l.pods_ready, l.pods_desired)),
            ],
            switches: vec![
                switch(&run.rows, "GCS", true, |l| l.gcs_up),
                switch(&run.rows, "Redis", uses_redis, |l| l.redis_up),
                switch(&run.rows, "controller", true, |l| l.controller_up),
            ],
        }
    }
}

fn bucket_bar(b: &SeriesRow) -> BucketBar {
    let w = b.width_s();
    let rate = |n: u64| if w > 0.0 { n as f64 / w } else { 0.0 };
    BucketBar {
        start_s: b.t_start_s,
        end_s: b.t_end_s,
        success_ratio: b.success_ratio(),
        success_rate: rate(b.successes),
        failure_rates: b.failures_by_cause.map(rate),
    }
}

fn subtitle(run: &RunData) -> String {
    let r = &run.report;
    let verdict = if r.slo.holds { "SLO holds" } else { "SLO VIOLATED" };
    format!(
        "{} · seed {} · {} · success ratio {:.4} · {} failed of {} · downtime {:.1} s in {} episode{}",
        r.mode,
        r.seed,
        verdict,
        r.summary.success_ratio,
        r.summary.failures,
        r.summary.requests,
        r.summary.downtime_s,
        r.summary.downtime_episodes,
        if r.summary.downtime_episodes == 1 { "" } else { "s" },
    )
}

/// Merges per-bucket values into runs of equal value.
pub fn steps<T: Copy + PartialEq>(rows: &[SeriesRow], value: impl Fn(&Levels) -> T) -> Vec<Step<T>> {
    let mut out: Vec<Step<T>> = Vec::new();
    for b in rows {
        let v = value(&b.levels);
        match out.last_mut() {
            Some(last) if last.value == v && last.end_s == b.t_start_s => last.end_s = b.t_end_s,
            _ => out.push(Step { start_s: b.t_start_s, end_s: b.t_end_s, value: v }),
        }
    }
    out
}

fn gauge(
    rows: &[SeriesRow],
    name: &'static str,
    actual_label: &'static str,
    target_label: &'static str,
    pick: impl Fn(&Levels) -> (u32, u32),
) -> Gauge {
    Gauge { name, actual_label, target_label, steps: steps(rows, pick) }
}

fn switch(rows: &[SeriesRow], name: &'static str, in_use: bool, pick: impl Fn(&Levels) -> bool) -> Switch {
    Switch { name, in_use, spans: steps(rows, pick) }
}
