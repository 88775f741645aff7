//! The statistics of a set of replications: every figure of a [`Replication`] as an
//! [`Estimate`] over the replications, and P(SLO holds) as a [`Proportion`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::observations::FailureCause;
use crate::scenario::Scenario;

use super::replication::{Replication, fault_kinds};
use super::stats::{Estimate, Proportion};

/// What the faults of one kind did, over the replications (a replication without a fault of
/// the kind counts zero).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindSummary {
    /// Faults of the kind injected per replication.
    pub injected: Estimate,
    /// Failed requests in their windows per replication.
    pub failed_requests: Estimate,
}

/// The statistics of a study's replications. An `Option` figure is `None` when no replication
/// defines it (MTTR without any recovered fault, MTBF without two faults in one run, the error
/// budget when the SLO leaves none); otherwise its `n` counts the replications that define it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McSummary {
    /// Replications.
    pub runs: u64,
    /// Length of each run's arrival window \[s\].
    pub duration_s: f64,
    /// Request-based availability.
    pub availability: Estimate,
    /// Time-based availability.
    pub time_availability: Estimate,
    /// Downtime \[s\].
    pub downtime_s: Estimate,
    /// Downtime scaled to a 30-day month \[s\].
    pub downtime_per_30d_s: Estimate,
    /// Bad minutes.
    pub bad_minutes: Estimate,
    /// Share of the error budget consumed.
    pub error_budget_consumed: Option<Estimate>,
    /// Requests sent.
    pub requests: Estimate,
    /// Failed requests.
    pub failed_requests: Estimate,
    /// Failed requests by cause, every cause.
    pub failures_by_cause: BTreeMap<FailureCause, Estimate>,
    /// P(SLO holds): the share of replications whose SLO held.
    pub slo_holds: Proportion,
    /// Observed MTTR \[s\].
    pub mttr_s: Option<Estimate>,
    /// Observed MTBF \[s\].
    pub mtbf_s: Option<Estimate>,
    /// p99 latency \[s\].
    pub latency_p99_s: Estimate,
    /// Per fault kind, sorted by kind.
    pub faults: BTreeMap<String, KindSummary>,
}

impl McSummary {
    /// The summary of `rows`, replications of `scenario`; `None` without any.
    pub fn of(rows: &[Replication], scenario: &Scenario) -> Option<McSummary> {
        let all = |f: &dyn Fn(&Replication) -> f64| Estimate::of(&rows.iter().map(f).collect::<Vec<_>>());
        let some =
            |f: &dyn Fn(&Replication) -> Option<f64>| Estimate::of(&rows.iter().filter_map(f).collect::<Vec<_>>());
        let count = |v: u64| v as f64;
        let failures_by_cause = FailureCause::ALL
            .iter()
            .map(|c| Some((*c, all(&|r| count(r.failures_by_cause.get(c).copied().unwrap_or(0)))?)))
            .collect::<Option<_>>()?;
        let faults = fault_kinds(rows)
            .into_iter()
            .map(|k| {
                let of = |r: &Replication| r.faults.get(&k).copied().unwrap_or_default();
                let injected = all(&|r| count(of(r).injected))?;
                let failed_requests = all(&|r| count(of(r).failed_requests))?;
                Some((k.clone(), KindSummary { injected, failed_requests }))
            })
            .collect::<Option<_>>()?;
        Some(McSummary {
            runs: rows.len() as u64,
            duration_s: scenario.duration.as_secs_f64(),
            availability: all(&|r| r.availability)?,
            time_availability: all(&|r| r.time_availability)?,
            downtime_s: all(&|r| r.downtime_s)?,
            downtime_per_30d_s: all(&|r| r.downtime_per_30d_s)?,
            bad_minutes: all(&|r| count(r.bad_minutes))?,
            error_budget_consumed: some(&|r| r.error_budget_consumed),
            requests: all(&|r| count(r.requests))?,
            failed_requests: all(&|r| count(r.failed_requests()))?,
            failures_by_cause,
            slo_holds: Proportion::of(rows.iter().filter(|r| r.slo_holds).count() as u64, rows.len() as u64)?,
            mttr_s: some(&|r| r.mttr_s),
            mtbf_s: some(&|r| r.mtbf_s),
            latency_p99_s: all(&|r| r.latency_p99_s)?,
            faults,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::run::run_replications;

    #[test]
    fn every_figure_summarises_its_column() {
        let json = r#"{"duration_s": 120, "faults": [{"kind": "replica_crash", "at_s": 30}, {"kind": "proxy_crash", "at_s": 60}]}"#;
        let sc = crate::scenario::parse(json, "test").unwrap().scenario;
        let rows = run_replications(&sc, &[0, 1, 2, 3], 2, &|_| {}).unwrap();
        let s = McSummary::of(&rows, &sc).unwrap();
        assert_eq!((s.runs, s.duration_s), (4, 120.0));
        let mean = |f: fn(&Replication) -> f64| rows.iter().map(f).sum::<f64>() / 4.0;
        assert_eq!(s.availability.mean, mean(|r| r.availability));
        assert_eq!(s.failed_requests.mean, mean(|r| r.failed_requests() as f64));
        assert_eq!(s.faults["replica_crash"].injected.mean, 1.0);
        assert_eq!(s.mtbf_s.unwrap().mean, 30.0);
        assert_eq!(s.failures_by_cause.len(), 6);
        let held = rows.iter().filter(|r| r.slo_holds).count() as u64;
        assert_eq!((s.slo_holds.successes, s.slo_holds.n), (held, 4));
        assert_eq!(McSummary::of(&[], &sc), None);
    }
}
