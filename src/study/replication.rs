//! One replication's figures: a run's [`Metrics`] reduced to the numbers a Monte Carlo study
//! aggregates, small and of fixed shape whatever the run's length (faults are counted per kind,
//! so thousands of generated faults cost one entry per kind), serializable so that replications
//! run elsewhere (another process, a Ray task) can be shipped back and merged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::SimDuration;
use crate::metrics::Metrics;
use crate::metrics::observations::FailureCause;
use crate::scenario::Scenario;

/// Seconds in the 30-day month that downtime is scaled to.
pub const MONTH_S: f64 = 30.0 * 86_400.0;

/// What the faults of one kind did in one replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindFigures {
    /// Faults of this kind injected.
    pub injected: u64,
    /// Of which the cluster recovered from within the run.
    pub recovered: u64,
    /// Failed requests that arrived between one of these faults' injection and its recovery
    /// (or the end of the run). A request inside the windows of two faults counts for both.
    pub failed_requests: u64,
}

/// One replication's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    /// Its index in the study (0 is the scenario's own seed).
    pub index: u64,
    /// The seed it ran with ([`super::seed::replication_seed`]).
    pub seed: u64,
    /// Requests sent.
    pub requests: u64,
    /// Requests answered.
    pub successes: u64,
    /// Failed requests by cause, every cause present (zero included), in report order.
    pub failures_by_cause: BTreeMap<FailureCause, u64>,
    /// Request-based availability: successes / requests (1 without requests).
    pub availability: f64,
    /// Time-based availability: the share of the run's arrival window not in a downtime
    /// episode.
    pub time_availability: f64,
    /// Total length of the downtime episodes \[s\].
    pub downtime_s: f64,
    /// Downtime scaled to a 30-day month: `downtime_s x 30 d / duration` \[s\].
    pub downtime_per_30d_s: f64,
    /// 60 s windows whose success ratio is under the SLO's `min_success_ratio`.
    pub bad_minutes: u64,
    /// Share of the SLO's error budget used up (1 is all of it); `None` when the SLO leaves no
    /// budget and a request failed.
    pub error_budget_consumed: Option<f64>,
    /// Every SLO check passed.
    pub slo_holds: bool,
    /// Faults by kind (the scenario's fault kind names), sorted by kind.
    pub faults: BTreeMap<String, KindFigures>,
    /// Observed mean time to recovery: the mean of injection-to-recovery over the faults
    /// recovered within the run \[s\]; `None` when none was.
    pub mttr_s: Option<f64>,
    /// Observed mean time between failures: the mean gap between consecutive injections \[s\];
    /// `None` with fewer than two faults.
    pub mtbf_s: Option<f64>,
    /// 99th percentile latency of successful requests \[s\] (0 without any).
    pub latency_p99_s: f64,
}

impl Replication {
    /// The figures of replication `index`, run with `seed`, of `scenario` (whose duration and
    /// SLO `metrics` were computed with).
    pub fn from_metrics(index: u64, seed: u64, scenario: &Scenario, metrics: &Metrics) -> Replication {
        let duration_s = scenario.duration.as_secs_f64();
        let downtime_s = metrics.total_downtime().as_secs_f64();
        let failures_by_cause = FailureCause::ALL.iter().map(|&c| (c, metrics.failures_of(c))).collect();
        let mut faults: BTreeMap<String, KindFigures> = BTreeMap::new();
        let mut recovery = SimDuration::ZERO;
        for f in &metrics.faults {
            let k = faults.entry(f.record.kind.clone()).or_default();
            k.injected += 1;
            k.failed_requests += f.failed_requests;
            if let Some(r) = f.recovered_at {
                k.recovered += 1;
                recovery = recovery + r.saturating_since(f.record.injected_at);
            }
        }
        let recovered: u64 = faults.values().map(|k| k.recovered).sum();
        Replication {
            index,
            seed,
            requests: metrics.requests,
            successes: metrics.successes,
            failures_by_cause,
            availability: metrics.success_ratio(),
            time_availability: if duration_s > 0.0 { (1.0 - downtime_s / duration_s).clamp(0.0, 1.0) } else { 1.0 },
            downtime_s,
            downtime_per_30d_s: if duration_s > 0.0 { downtime_s * MONTH_S / duration_s } else { 0.0 },
            bad_minutes: metrics.time.bad_minutes,
            error_budget_consumed: metrics.error_budget_consumed,
            slo_holds: metrics.slo.holds,
            faults,
            mttr_s: (recovered > 0).then(|| recovery.as_secs_f64() / recovered as f64),
            mtbf_s: mean_gap_s(metrics),
            latency_p99_s: metrics.latency[1].as_secs_f64(),
        }
    }

    /// Failed requests.
    pub fn failed_requests(&self) -> u64 {
        self.requests - self.successes
    }

    /// The CSV header of rows of replications whose fault kinds are `kinds` (every kind of the
    /// study, sorted; a replication without a fault of a kind shows zeros).
    pub fn csv_header(kinds: &[String]) -> Vec<String> {
        let fixed = [
            "index",
            "seed",
            "requests",
            "successes",
            "failed_requests",
            "availability",
            "time_availability",
            "downtime_s",
            "downtime_per_30d_s",
            "bad_minutes",
            "error_budget_consumed",
            "slo_holds",
            "mttr_s",
            "mtbf_s",
            "latency_p99_s",
        ];
        let causes = FailureCause::ALL.iter().map(|c| format!("failed_{}", c.name()));
        let per_kind = kinds
            .iter()
            .flat_map(|k| [format!("{k}_injected"), format!("{k}_recovered"), format!("{k}_failed_requests")]);
        fixed.iter().map(|s| s.to_string()).chain(causes).chain(per_kind).collect()
    }

    /// This replication as a CSV row under [`Replication::csv_header`]`(kinds)`: integers as
    /// such, floats in Rust's shortest round-trip form, an absent value empty.
    pub fn csv_row(&self, kinds: &[String]) -> Vec<String> {
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let mut row = vec![
            self.index.to_string(),
            self.seed.to_string(),
            self.requests.to_string(),
            self.successes.to_string(),
            self.failed_requests().to_string(),
            self.availability.to_string(),
            self.time_availability.to_string(),
            self.downtime_s.to_string(),
            self.downtime_per_30d_s.to_string(),
            self.bad_minutes.to_string(),
            opt(self.error_budget_consumed),
            self.slo_holds.to_string(),
            opt(self.mttr_s),
            opt(self.mtbf_s),
            self.latency_p99_s.to_string(),
        ];
        row.extend(FailureCause::ALL.iter().map(|c| self.failures_by_cause.get(c).copied().unwrap_or(0).to_string()));
        for k in kinds {
            let f = self.faults.get(k).copied().unwrap_or_default();
            row.extend([f.injected.to_string(), f.recovered.to_string(), f.failed_requests.to_string()]);
        }
        row
    }
}

/// The mean gap between consecutive injections \[s\]: (last - first) / (n - 1).
fn mean_gap_s(metrics: &Metrics) -> Option<f64> {
    let first = metrics.faults.iter().map(|f| f.record.injected_at).min()?;
    let last = metrics.faults.iter().map(|f| f.record.injected_at).max()?;
    let gaps = metrics.faults.len().checked_sub(1).filter(|&g| g > 0)?;
    Some(last.saturating_since(first).as_secs_f64() / gaps as f64)
}

/// Every fault kind of `rows`, sorted, once each.
pub fn fault_kinds(rows: &[Replication]) -> Vec<String> {
    let kinds: std::collections::BTreeSet<&String> = rows.iter().flat_map(|r| r.faults.keys()).collect();
    kinds.into_iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replication(json: &str) -> Replication {
        let sc = crate::scenario::parse(json, "test").unwrap().scenario;
        let run = crate::sim::run(&sc).unwrap();
        Replication::from_metrics(0, sc.seed, &sc, &Metrics::compute(&sc, &run.observations))
    }

    #[test]
    fn figures_follow_the_metrics() {
        let sc = crate::scenario::parse(
            r#"{"duration_s": 300, "faults": [{"kind": "replica_crash", "at_s": 60}, {"kind": "proxy_crash", "at_s": 120}, {"kind": "replica_crash", "at_s": 200}]}"#,
            "test",
        )
        .unwrap()
        .scenario;
        let m = Metrics::compute(&sc, &crate::sim::run(&sc).unwrap().observations);
        let r = Replication::from_metrics(3, 9, &sc, &m);
        assert_eq!((r.index, r.seed, r.requests, r.successes), (3, 9, m.requests, m.successes));
        assert_eq!(r.failed_requests(), m.failures());
        assert_eq!(r.failures_by_cause.len(), 6, "every cause, zeros included");
        assert_eq!(r.availability, m.success_ratio());
        assert_eq!(r.faults["replica_crash"].injected, 2);
        assert_eq!(r.faults["proxy_crash"].injected, 1);
        assert_eq!(r.mtbf_s, Some(70.0), "gaps 60 s and 80 s");
        let recoveries: Vec<f64> = m
            .faults
            .iter()
            .filter_map(|f| f.recovered_at.map(|t| t.saturating_since(f.record.injected_at).as_secs_f64()))
            .collect();
        let mttr = recoveries.iter().sum::<f64>() / recoveries.len() as f64;
        assert!((r.mttr_s.unwrap() - mttr).abs() < 1e-9, "{:?} vs {mttr}", r.mttr_s);
        assert_eq!(r.downtime_s, m.total_downtime().as_secs_f64());
        assert_eq!(r.downtime_per_30d_s, r.downtime_s * 8640.0, "300 s scaled to 30 days");
        assert_eq!(r.time_availability, 1.0 - r.downtime_s / 300.0);
    }

    #[test]
    fn a_run_without_faults_has_no_mttr_or_mtbf() {
        let r = replication(r#"{"duration_s": 30}"#);
        assert_eq!((r.mttr_s, r.mtbf_s), (None, None));
        assert!(r.faults.is_empty());
        assert_eq!((r.availability, r.time_availability, r.slo_holds), (1.0, 1.0, true));
    }

    #[test]
    fn rows_round_trip_through_json_and_fill_the_csv_header() {
        let r = replication(r#"{"duration_s": 120, "faults": [{"kind": "replica_crash", "at_s": 60}]}"#);
        let back: Replication = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        let kinds = vec!["head_pod_crash".to_string(), "replica_crash".to_string()];
        let (header, row) = (Replication::csv_header(&kinds), r.csv_row(&kinds));
        assert_eq!(header.len(), row.len());
        let col = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        assert_eq!(col("replica_crash_injected"), "1");
        assert_eq!(col("head_pod_crash_injected"), "0", "a kind this row never saw is zero");
        assert_eq!(col("mtbf_s"), "", "one fault: no gap");
        assert_eq!(fault_kinds(&[r]), vec!["replica_crash".to_string()]);
    }
}
