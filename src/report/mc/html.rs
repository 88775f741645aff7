//! mc.html: the study's summary table with confidence intervals and percentiles, P(SLO holds),
//! the distribution plots (inline SVG) and the scenario; self-contained like report.html.

use std::fmt::Write;

use super::super::html::{escape, page, scenario_section, table};
use super::table::{self, HEAD};
use super::{MC_CSV, McReport};

/// The page of `report`, with the distribution plots `svg`.
pub fn page_of(report: &McReport, svg: &str) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<header>\n<h1>Monte Carlo: {}</h1>", escape(&report.scenario_name));
    let _ = writeln!(
        b,
        "<p class=\"meta\">{} replications of {} s, seed {}, ftsim {}; one row per replication in <a href=\"{MC_CSV}\">{MC_CSV}</a></p>",
        report.runs,
        report.duration_s,
        report.seed,
        escape(&report.ftsim_version)
    );
    let _ = writeln!(b, "<p class=\"meta\">Rerun: <code>{}</code></p>\n</header>", escape(&report.rerun));
    b.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let _ =
        writeln!(b, "<p><strong>P(SLO holds)</strong>: {}</p>", escape(&table::slo_line(&report.summary.slo_holds)));
    if let Some(c) = &report.until_ci {
        let line = table::until_ci_line(c, report.runs, report.max_runs);
        let _ = writeln!(b, "<p><strong>--until-ci {}</strong>: {}</p>", c.width, escape(&line));
    }
    table(&mut b, &HEAD.map(String::from), &table::rows(&report.summary), |_| false);
    b.push_str("<p class=\"meta\">Mean with Student's t 95 % confidence interval of the mean; percentiles of the replications (linear interpolation). See docs/monte-carlo.md.</p>\n</section>\n");
    let _ = writeln!(b, "<section id=\"plot\">\n<h2>Distributions</h2>\n<figure>\n{svg}</figure>\n</section>");
    scenario_section(&mut b, &report.scenario, &report.scenario_sha256);
    page(&format!("ftsim mc: {}", report.scenario_name), &b)
}
