//! Time-based indicators for high-rate traffic (issue 10 §4). At 200 requests/s, an unreachable
//! worker node among 12 behind a Service makes about 8 % of the requests (those balanced to its
//! pod, or routed to its replica) hang until their 10 s client timeout for 40 s: a brownout.
//! Request-based downtime episodes (runs of consecutive failures) see hundreds of episodes and
//! a few seconds of downtime; the time-based indicators see one 40 s brownout.

mod common;

use common::Build;
use ftsim::engine::SimTime;
use ftsim::metrics::Metrics;
use ftsim::metrics::observations::{FailureCause, Observations, Outcome, RequestRecord};
use serde_json::json;

fn brownout_at_200_rps(merge_gap_s: f64) -> common::Run {
    Build {
        json: json!({
            "name": "brownout-200rps",
            "duration_s": 120,
            "ingress": {"kind": "service"},
            "cluster": {"k8s_nodes": 12, "worker_groups": [{"name": "small-group", "replicas": 11}]},
            "serve": {"num_replicas": 12},
            "traffic": {"rate_per_s": 200, "client_timeout_s": 10},
            "faults": [{"kind": "node_loss", "at_s": 30, "target": "node-5", "network": "unreachable"}],
            "slo": {"min_success_ratio": 0.99, "brownout_merge_gap_s": merge_gap_s}
        }),
    }
    .run()
}

/// Seconds of arrival time whose success ratio is under `min`, counted from every request.
fn bad_seconds(run: &common::Run, min: f64) -> Vec<u64> {
    let mut per_second = std::collections::BTreeMap::<u64, (u64, u64)>::new();
    for r in &run.out.observations.requests {
        let e = per_second.entry(r.arrival.as_micros() / 1_000_000).or_default();
        e.0 += 1;
        e.1 += u64::from(r.outcome == Outcome::Success);
    }
    per_second.into_iter().filter(|(_, (n, ok))| (*ok as f64 / *n as f64) < min).map(|(s, _)| s).collect()
}

#[test]
fn a_40_s_brownout_at_200_rps_is_one_episode_of_40_bad_seconds() {
    let run = brownout_at_200_rps(5.0);
    let m = &run.metrics;
    // The request-based view breaks it up.
    assert!(m.episodes.len() > 500, "{} request-based episodes", m.episodes.len());
    assert!(m.total_downtime().as_secs_f64() < 5.0, "{} of downtime", m.total_downtime());
    // The time-based view: 40 bad seconds, 30 s to 70 s, one episode, both minutes bad.
    let bad = bad_seconds(&run, 0.99);
    assert_eq!(bad, (30..70).collect::<Vec<_>>());
    assert_eq!((m.time.bad_seconds, m.time.bad_minutes), (40, 2));
    assert_eq!(m.time.brownouts.len(), 1);
    let b = m.time.brownouts[0];
    assert_eq!(
        (b.start, b.end, b.bad_seconds),
        (SimTime::from_micros(30_000_000), SimTime::from_micros(70_000_000), 40)
    );
    assert_eq!(b.failed_requests, m.failures(), "every failure is in the brownout");
    assert_eq!(b.requests, run.requests_between(30.0, 70.0));
    let success_in_brownout = 1.0 - b.failed_requests as f64 / b.requests as f64;
    assert!((0.91..0.93).contains(&success_in_brownout), "{success_in_brownout}");
    // Error budget and errors per million, from their definitions.
    let (failures, requests) = (m.failures() as f64, m.requests as f64);
    let budget = m.error_budget_consumed.expect("the SLO leaves a budget");
    assert!((budget - failures / (requests * 0.01)).abs() < 1e-9, "{budget}");
    assert!(budget > 2.5, "the run used more than 2.5 times its budget: {budget}");
    assert!((m.errors_per_million() - failures * 1e6 / requests).abs() < 1e-6);
}

#[test]
fn slo_brownout_merge_gap_s_decides_what_merges() {
    // Bad seconds 10 and 15 (every request fails), good ones around them: a 4 s gap.
    let episodes = |gap: f64| {
        let sc =
            ftsim::scenario::parse(&json!({"duration_s": 30, "slo": {"brownout_merge_gap_s": gap}}).to_string(), "t")
                .unwrap()
                .scenario;
        let requests = (0..300)
            .map(|i| {
                let arrival = SimTime::from_micros(i * 100_000);
                let failed = matches!(i / 10, 10 | 15);
                let outcome = if failed { Outcome::Failure(FailureCause::Timeout) } else { Outcome::Success };
                RequestRecord { arrival, end: arrival, outcome, entry: None, app: 0 }
            })
            .collect();
        let obs = Observations { requests, levels: Vec::new(), faults: Vec::new(), entry_points: Vec::new() };
        Metrics::compute(&sc, &obs).time.brownouts.len()
    };
    assert_eq!(episodes(3.0), 2);
    assert_eq!(episodes(4.0), 1);
    assert_eq!(episodes(5.0), 1, "the default merges a 4 s gap");
}

#[test]
fn the_indicators_reach_report_json_the_summary_the_html_and_the_plot() {
    let run = brownout_at_200_rps(5.0);
    let info = ftsim::report::json::RunInfo {
        mode: "simulation",
        traffic_mode: None,
        resolved: &ftsim::scenario::parse(&json!({"duration_s": 120}).to_string(), "t").unwrap().resolved,
        rerun: String::new(),
        events_processed: None,
    };
    let report = ftsim::report::json::build(info, &run.metrics, run.scenario.duration);
    let s = &report.summary;
    assert_eq!((s.bad_seconds, s.bad_minutes, s.brownouts), (40, 2, 1));
    assert_eq!((s.brownout_s, s.longest_brownout_s), (40.0, 40.0));
    assert_eq!(report.brownout_episodes.len(), 1);
    let text = ftsim::report::summary::render("t", &run.metrics, "out");
    assert!(
        text.contains("brownout       40 bad seconds, 2 bad minutes; 40.0 s in 1 episode (longest 40.0 s)"),
        "{text}"
    );
    assert!(text.contains("error budget   275.3 % consumed; 27531 errors per million"), "{text}");
    let series = ftsim::report::csv::render(&run.metrics.buckets);
    let data = ftsim::report::run_data::RunData::from_parts(report, &series).unwrap();
    let html = ftsim::report::html::run_page(&data, "");
    assert!(html.contains("brownout episodes"), "{html}");
    let plot = ftsim::report::plot::model::PlotModel::from_run(&data);
    assert_eq!(plot.brownouts.len(), 1);
    assert_eq!(plot.bad_windows, (40, 2));
}
