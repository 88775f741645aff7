//! Self-contained HTML pages: report.html of one run (the file to attach to an incident review)
//! and compare.html of a comparison. Plots are inlined as SVG; there are no external resources.
//! Every string that comes from a scenario or a path is escaped: it is treated as untrusted.

use std::fmt::Write;

use super::compare::{self, Table};
use super::run_data::RunData;
use crate::scenario::raw::RawScenario;

/// `s` with the five HTML-special characters escaped, safe in text and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:'DejaVu Sans',system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
color:#222;margin:0 auto;max-width:1440px;padding:16px 24px;line-height:1.45}\
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:1px solid #ddd}\
.meta{color:#5f6368}.verdict{display:inline-block;padding:.15em .6em;border-radius:4px;font-weight:bold;color:#fff}\
.holds{background:#1e8449}.violated{background:#c0392b}\
table{border-collapse:collapse;margin:.4em 0}th,td{padding:.25em .8em;border-bottom:1px solid #e3e5e8;text-align:left}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{color:#c0392b;font-weight:bold}\
figure{margin:0}figure svg{max-width:100%;height:auto}\
pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em}code{font-size:.95em}";

/// The page skeleton around `body`.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn verdict(holds: bool) -> &'static str {
    if holds {
        "<span class=\"verdict holds\">SLO holds</span>"
    } else {
        "<span class=\"verdict violated\">SLO VIOLATED</span>"
    }
}

/// A table: `head` cells, then rows; cells after the first are right-aligned numbers.
pub(super) fn table(out: &mut String, head: &[String], rows: &[Vec<String>], bad: impl Fn(usize) -> bool) {
    out.push_str("<table>\n<tr>");
    for (i, h) in head.iter().enumerate() {
        let class = if i == 0 { "" } else { " class=\"num\"" };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for (r, row) in rows.iter().enumerate() {
        out.push_str(if bad(r) { "<tr class=\"bad\">" } else { "<tr>" });
        for (i, c) in row.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"num\"" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn opt_s(v: Option<f64>) -> String {
    v.map_or_else(|| "never".into(), |v| format!("{v:.2}"))
}

/// report.html of one run, with its availability plot as inline SVG.
pub fn run_page(run: &RunData, svg: &str) -> String {
    let r = &run.report;
    let s = &r.summary;
    let mut b = String::new();
    let _ = writeln!(b, "<header id=\"verdict\">\n<h1>{}</h1>", escape(&r.scenario_name));
    let _ = writeln!(
        b,
        "<p>{} <span class=\"meta\">{} run, seed {}, {} s, ftsim {}</span></p>",
        verdict(r.slo.holds),
        escape(&r.mode),
        r.seed,
        r.duration_s,
        escape(&r.ftsim_version)
    );
    if let Some(t) = &r.traffic_mode {
        let _ = writeln!(b, "<p class=\"meta\">Traffic mode: {} ({})</p>", escape(&t.ran), escape(&t.reason));
    }
    let _ = writeln!(b, "<p class=\"meta\">Rerun: <code>{}</code></p>\n</header>", escape(&r.rerun));
    let _ = writeln!(b, "<section id=\"plot\">\n<h2>Availability</h2>\n<figure>\n{svg}</figure>\n</section>");

    b.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let mut rows = vec![
        vec!["requests".into(), s.requests.to_string()],
        vec!["successes".into(), s.successes.to_string()],
        vec!["failed requests".into(), s.failures.to_string()],
        vec!["success ratio".into(), format!("{:.6}", s.success_ratio)],
    ];
    rows.extend(
        s.failures_by_cause.iter().filter(|(_, n)| **n > 0).map(|(c, n)| vec![format!("  failed: {c}"), n.to_string()]),
    );
    rows.extend([
        vec!["downtime [s]".into(), format!("{:.2}", s.downtime_s)],
        vec!["downtime episodes".into(), s.downtime_episodes.to_string()],
        vec!["longest downtime [s]".into(), format!("{:.2}", s.longest_downtime_s)],
        vec!["bad seconds / bad minutes".into(), format!("{} / {}", s.bad_seconds, s.bad_minutes)],
        vec!["brownout episodes".into(), s.brownouts.to_string()],
        vec!["brownout [s] (longest)".into(), format!("{:.1} ({:.1})", s.brownout_s, s.longest_brownout_s)],
        vec![
            "error budget consumed".into(),
            s.error_budget_consumed.map_or("exceeded (no budget)".into(), |b| format!("{:.1} %", b * 100.0)),
        ],
        vec!["errors per million".into(), format!("{:.0}", s.errors_per_million)],
        vec![
            "latency p50 / p99 / max [ms]".into(),
            format!("{:.1} / {:.1} / {:.1}", s.latency_p50_s * 1e3, s.latency_p99_s * 1e3, s.latency_max_s * 1e3),
        ],
    ]);
    table(&mut b, &["metric".into(), "value".into()], &rows, |_| false);
    b.push_str("</section>\n");

    b.push_str("<section id=\"slo\">\n<h2>Steady-state hypothesis (SLO)</h2>\n");
    let checks: Vec<Vec<String>> = r
        .slo
        .checks
        .iter()
        .map(|c| vec![c.name.clone(), c.limit.clone(), c.actual.clone(), if c.ok { "ok" } else { "VIOLATED" }.into()])
        .collect();
    table(&mut b, &["check".into(), "limit".into(), "actual".into(), "verdict".into()], &checks, |i| {
        !r.slo.checks[i].ok
    });
    b.push_str("</section>\n");

    b.push_str("<section id=\"faults\">\n<h2>Faults</h2>\n");
    let faults: Vec<Vec<String>> = r
        .faults
        .iter()
        .map(|f| {
            vec![
                format!("{} {}", f.index + 1, f.kind),
                f.target.clone().unwrap_or_else(|| "-".into()),
                format!("{:.2}", f.injected_at_s),
                opt_s(f.time_to_detect_s),
                opt_s(f.time_to_recover_s),
                f.failed_requests.to_string(),
            ]
        })
        .collect();
    let head = ["fault", "target", "injected at [s]", "detected after [s]", "recovered after [s]", "failed requests"];
    table(&mut b, &head.map(String::from), &faults, |_| false);
    b.push_str("</section>\n");

    applications_section(&mut b, &r.applications);
    entry_points_section(&mut b, &r.entry_points);

    b.push_str("<section id=\"episodes\">\n<h2>Downtime episodes</h2>\n");
    if r.downtime_episodes.is_empty() {
        b.push_str("<p>None: no request failed.</p>\n");
    } else {
        let eps: Vec<Vec<String>> = r
            .downtime_episodes
            .iter()
            .map(|e| {
                vec![
                    format!("{:.2}{}", e.start_s, if e.ongoing_at_end { " (ongoing at end)" } else { "" }),
                    format!("{:.2}", e.end_s),
                    format!("{:.2}", e.duration_s),
                    e.failed_requests.to_string(),
                ]
            })
            .collect();
        let head = ["start [s]", "end [s]", "duration [s]", "failed requests"];
        table(&mut b, &head.map(String::from), &eps, |_| false);
    }
    b.push_str("</section>\n");

    scenario_section(&mut b, &r.scenario, &r.scenario_sha256);
    page(&format!("ftsim: {}", r.scenario_name), &b)
}

/// Requests and failures per entry point, with the causes that occurred (rows with failures
/// highlighted); nothing for reports from before the breakdown existed.
fn entry_points_section(b: &mut String, entries: &[super::json::EntryPointJson]) {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![e.name.clone(), e.requests.to_string(), e.failures.to_string(), causes_cell(&e.failures_by_cause)]
        })
        .collect();
    let head = ["entry point", "requests", "failed requests", "failures by cause"];
    table_section(b, ("entry-points", "Entry points"), &head, &rows, |i| entries[i].failures > 0);
}

/// A section titled `title` (with id `id`) holding one table, unless it has no row.
fn table_section(
    b: &mut String,
    (id, title): (&str, &str),
    head: &[&str],
    rows: &[Vec<String>],
    bad: impl Fn(usize) -> bool,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(b, "<section id=\"{id}\">\n<h2>{title}</h2>");
    table(b, &head.iter().map(|h| h.to_string()).collect::<Vec<_>>(), rows, bad);
    b.push_str("</section>\n");
}

/// Requests, failures, success ratio and downtime per Serve application (rows with failures
/// highlighted); nothing with a single application.
fn applications_section(b: &mut String, apps: &[super::json::ApplicationJson]) {
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.route_prefix.clone(),
                format!("{:.3} ({:.3})", a.share, a.observed_share),
                a.requests.to_string(),
                a.failures.to_string(),
                format!("{:.5}", a.success_ratio),
                format!("{:.2} ({})", a.downtime_s, a.downtime_episodes),
                causes_cell(&a.failures_by_cause),
            ]
        })
        .collect();
    let head = [
        "application",
        "route",
        "share (observed)",
        "requests",
        "failed requests",
        "success ratio",
        "downtime [s] (episodes)",
        "failures by cause",
    ];
    table_section(b, ("applications", "Applications"), &head, &rows, |i| apps[i].failures > 0);
}

/// The causes that occurred, `cause n` comma-separated, or `-`.
fn causes_cell(by_cause: &std::collections::BTreeMap<String, u64>) -> String {
    let causes: Vec<String> = by_cause.iter().filter(|(_, n)| **n > 0).map(|(c, n)| format!("{c} {n}")).collect();
    if causes.is_empty() { "-".to_string() } else { causes.join(", ") }
}

/// The scenario section: its description and the resolved scenario, folded.
pub(super) fn scenario_section(b: &mut String, scenario: &RawScenario, sha256: &str) {
    b.push_str("<section id=\"scenario\">\n<h2>Scenario</h2>\n");
    if let Some(d) = &scenario.description {
        let _ = writeln!(b, "<p>{}</p>", escape(d));
    }
    let json = serde_json::to_string_pretty(scenario).unwrap_or_default();
    let _ = writeln!(
        b,
        "<details><summary>Resolved scenario (every default filled in), sha256 <code>{}</code></summary>\n<pre>{}</pre>\n</details>",
        escape(sha256),
        escape(&json)
    );
    b.push_str("</section>\n");
}

/// One compared run as shown on the compare page.
pub struct ComparedRun<'a> {
    /// The directory as given.
    pub dir: String,
    /// Its data.
    pub run: &'a RunData,
}

/// compare.html: the runs, the side-by-side table and the overlay plot as inline SVG.
pub fn compare_page(runs: &[ComparedRun<'_>], t: &Table, svg: &str) -> String {
    let mut b = String::new();
    let names: Vec<String> = runs.iter().map(|r| r.run.report.scenario_name.clone()).collect();
    let _ = writeln!(b, "<header>\n<h1>Comparison: {}</h1>\n</header>", escape(&names.join(" vs ")));
    b.push_str("<section id=\"runs\">\n<h2>Runs</h2>\n<table>\n<tr><th>run</th><th>directory</th><th>scenario</th><th>mode</th><th>seed</th><th>verdict</th></tr>\n");
    for (i, c) in runs.iter().enumerate() {
        let r = &c.run.report;
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            compare::letter(i),
            escape(&c.dir),
            escape(&r.scenario_name),
            escape(&r.mode),
            r.seed,
            verdict(r.slo.holds)
        );
    }
    b.push_str("</table>\n</section>\n");
    b.push_str("<section id=\"table\">\n<h2>Headline metrics</h2>\n<p class=\"meta\">Differences are each run minus run A; relative differences divide by A.</p>\n");
    let rows: Vec<Vec<String>> = t.rows.iter().map(compare::printed_row).collect();
    table(&mut b, &compare::headers(runs.len()), &rows, |_| false);
    b.push_str("</section>\n");
    let _ = writeln!(b, "<section id=\"plot\">\n<h2>Overlay</h2>\n<figure>\n{svg}</figure>\n</section>");
    page(&format!("ftsim compare: {}", names.join(" vs ")), &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
