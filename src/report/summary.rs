//! The human-readable summary printed after a run.

use std::fmt::Write;

use crate::engine::SimDuration;
use crate::metrics::Metrics;
use crate::metrics::observations::FailureCause;

fn secs(d: SimDuration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 { format!("{:.1} ms", s * 1000.0) } else { format!("{s:.1} s") }
}

/// Renders the summary table.
pub fn render(title: &str, m: &Metrics, out_dir: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{title}");
    let _ = writeln!(o, "  requests       {}", m.requests);
    let _ = writeln!(o, "  success ratio  {:.6}  ({} failed)", m.success_ratio(), m.failures());
    let causes: Vec<String> = FailureCause::ALL
        .iter()
        .filter(|c| m.failures_of(**c) > 0)
        .map(|c| format!("{} {}", c.name(), m.failures_of(*c)))
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(o, "  failures       {}", causes.join(", "));
    }
    let longest = m.episodes.iter().map(|e| e.duration()).max().unwrap_or_default();
    let _ = writeln!(
        o,
        "  downtime       {} in {} episode{} (longest {})",
        secs(m.total_downtime()),
        m.episodes.len(),
        if m.episodes.len() == 1 { "" } else { "s" },
        secs(longest)
    );
    let t = &m.time;
    let _ = writeln!(
        o,
        "  brownout       {} bad second{}, {} bad minute{}; {} in {} episode{} (longest {})",
        t.bad_seconds,
        if t.bad_seconds == 1 { "" } else { "s" },
        t.bad_minutes,
        if t.bad_minutes == 1 { "" } else { "s" },
        secs(t.brownout_time()),
        t.brownouts.len(),
        if t.brownouts.len() == 1 { "" } else { "s" },
        secs(t.longest_brownout())
    );
    let budget = match m.error_budget_consumed {
        Some(b) => format!("{:.1} %", b * 100.0),
        None => "exceeded (the SLO allows no failure)".to_string(),
    };
    let _ = writeln!(o, "  error budget   {budget} consumed; {:.0} errors per million", m.errors_per_million());
    let _ = writeln!(
        o,
        "  latency        p50 {}, p99 {}, max {}",
        secs(m.latency[0]),
        secs(m.latency[1]),
        secs(m.latency[2])
    );
    if !m.faults.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "  {:<3} {:<29} {:<16} {:>9} {:>10} {:>10} {:>7}",
            "#", "fault", "target", "injected", "detected", "recovered", "failed"
        );
        for (i, f) in m.faults.iter().enumerate() {
            let rel = |t: Option<crate::engine::SimTime>| match t {
                Some(t) => format!("+{}", secs(t.saturating_since(f.record.injected_at))),
                None => "never".to_string(),
            };
            let _ = writeln!(
                o,
                "  {:<3} {:<29} {:<16} {:>9} {:>10} {:>10} {:>7}",
                i,
                f.record.kind,
                f.record.target.as_deref().unwrap_or("-"),
                format!("{:.1} s", f.record.injected_at.as_secs_f64()),
                rel(f.record.detected_at),
                rel(f.recovered_at),
                f.failed_requests
            );
        }
    }
    let _ = writeln!(o);
    for c in &m.slo.checks {
        let _ = writeln!(o, "  SLO {} {}: {} {}", c.name, c.limit, c.actual, if c.ok { "ok" } else { "VIOLATED" });
    }
    let verdict = if m.slo.holds { "SLO holds" } else { "SLO VIOLATED" };
    let _ = writeln!(o, "  {verdict}; report in {out_dir}/");
    o
}
