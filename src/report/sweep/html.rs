//! sweep.html: the best point, the table of every point and the plots, in one page.

use std::fmt::Write;

use super::SweepReport;
use super::text;
use crate::report::html::{escape, page as html_page, table};

/// The page, with the plots' SVG documents inline.
pub fn page(r: &SweepReport, svgs: &[&str]) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Sweep of {}</h1>\n<p>{} points x {} replications (seed {}, the same seeds at every point). \
         Rerun: <code>{}</code></p>",
        escape(&r.scenario_name),
        r.points.len(),
        r.runs,
        r.seed,
        escape(&r.rerun)
    );
    b.push_str("<section id=\"best\">\n<h2>Most nines</h2>\n");
    for line in text::verdict(r) {
        let _ = writeln!(b, "<p>{}</p>", escape(line.trim()));
    }
    b.push_str("</section>\n<section id=\"points\">\n<h2>Points</h2>\n");
    let (head, rows) = text::rows(r);
    table(&mut b, &head, &rows, |_| false);
    b.push_str("</section>\n<section id=\"plots\">\n<h2>Plots</h2>\n");
    for svg in svgs {
        let _ = writeln!(b, "<figure>{svg}</figure>");
    }
    b.push_str("</section>\n");
    html_page(&format!("ftsim sweep: {}", r.scenario_name), &b)
}
