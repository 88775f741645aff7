//! timeseries.csv: one row per bucket. Columns: `t_start_s, t_end_s, requests, successes,
//! failures, success_ratio` (empty for a bucket without requests), one `failed_<cause>` column
//! per failure cause, then the levels at the end of the bucket: `replicas_running,
//! replicas_target, proxies_up, proxies_expected, pods_ready, pods_desired, gcs_up, redis_up,
//! controller_up` (booleans as 0/1).

use crate::metrics::observations::FailureCause;
use crate::metrics::series::Bucket;

/// The header row.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> =
        ["t_start_s", "t_end_s", "requests", "successes", "failures", "success_ratio"].map(String::from).to_vec();
    h.extend(FailureCause::ALL.iter().map(|c| format!("failed_{}", c.name())));
    h.extend(
        [
            "replicas_running",
            "replicas_target",
            "proxies_up",
            "proxies_expected",
            "pods_ready",
            "pods_desired",
            "gcs_up",
            "redis_up",
            "controller_up",
        ]
        .map(String::from),
    );
    h
}

/// The CSV text of `buckets`.
pub fn render(buckets: &[Bucket]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header()).expect("in-memory CSV");
    let b01 = |b: bool| if b { "1".to_string() } else { "0".to_string() };
    for b in buckets {
        let mut row = vec![
            b.start.as_secs_f64().to_string(),
            b.end.as_secs_f64().to_string(),
            b.requests.to_string(),
            b.successes.to_string(),
            b.failures().to_string(),
            b.success_ratio().map(|r| format!("{r:.6}")).unwrap_or_default(),
        ];
        row.extend(b.failures_by_cause.iter().map(|n| n.to_string()));
        let l = &b.levels;
        row.extend([
            l.replicas_running.to_string(),
            l.replicas_target.to_string(),
            l.proxies_up.to_string(),
            l.proxies_expected.to_string(),
            l.pods_ready.to_string(),
            l.pods_desired.to_string(),
            b01(l.gcs_up),
            b01(l.redis_up),
            b01(l.controller_up),
        ]);
        w.write_record(row).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}
