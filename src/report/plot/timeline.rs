//! The availability plot of one run: a fault strip, the success ratio per bucket against the SLO,
//! the request rate split into successes and failures by cause, and the component panels
//! (replicas, proxies, pods, GCS / Redis / controller), all on one time axis with each fault's
//! window shaded from injection to recovery.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::model::{EpisodeSpan, Gauge, PlotModel, Switch};
use super::panels::{self, Axis, Chart, Slot, Swatch};
use super::render::{Figure, err};
use super::style;

/// Width of the figure [px].
pub const WIDTH: u32 = 1400;
const RATIO_H: u32 = 250;
const RATE_H: u32 = 230;
const GAUGE_H: u32 = 118;
const SWITCH_ROW_H: u32 = 30;
const FAULT_ROW_H: u32 = 44;
/// Opacity of fault shading behind the request panels.
const SHADE: f64 = 0.14;
/// Where a strip bar lies in its row, below the centre: (top, bottom) offsets in rows.
const BAR: (f64, f64) = (0.04, 0.42);
/// Where a strip label lies in its row, above the centre [rows].
const LABEL_Y: f64 = 0.22;
/// Opacity of downtime shading.
const EPISODE_SHADE: f64 = 0.16;

/// The timeline figure of one run.
pub struct Timeline<'m>(pub &'m PlotModel);

enum Row<'m> {
    Faults,
    Ratio,
    Rate,
    Gauge(&'m Gauge),
    Switches,
}

impl<'m> Timeline<'m> {
    fn layout(&self) -> Vec<(Row<'m>, u32)> {
        let m = self.0;
        let rows = m.faults.len() + usize::from(m.faults_not_shown > 0) + 2;
        let strip = (FAULT_ROW_H * rows as u32 + 12).max(panels::legend_height(5));
        let mut rows = vec![(Row::Faults, strip), (Row::Ratio, RATIO_H), (Row::Rate, RATE_H)];
        rows.extend(m.gauges.iter().map(|g| (Row::Gauge(g), GAUGE_H)));
        rows.push((Row::Switches, SWITCH_ROW_H * m.switches.len() as u32 + 12));
        if let Some(last) = rows.last_mut() {
            last.1 += panels::X_AXIS_H;
        }
        rows
    }
}

impl Figure for Timeline<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, panels::title_height(1) + self.layout().iter().map(|(_, h)| h).sum::<u32>() + 14)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let m = self.0;
        let (head, body) = root.split_vertically(panels::title_height(1));
        let body = body.margin(0, 14, 8, 0);
        panels::title(&head, &format!("{}: availability", m.title), std::slice::from_ref(&m.subtitle))?;
        let layout = self.layout();
        let heights: Vec<u32> = layout.iter().map(|(_, h)| *h).collect();
        let x = panels::time_axis(m.duration_s);
        for ((row, _), slot) in layout.iter().zip(panels::slots(&body, &heights, &x)) {
            match row {
                Row::Faults => fault_strip(m, &slot)?,
                Row::Ratio => ratio_panel(m, &slot)?,
                Row::Rate => rate_panel(m, &slot)?,
                Row::Gauge(g) => gauge_panel(m, g, &slot)?,
                Row::Switches => switch_panel(m, &slot)?,
            }
        }
        Ok(())
    }
}

/// Fault shading and markers behind a panel spanning `y`.
fn backdrop<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    m: &PlotModel,
    y: std::ops::Range<f64>,
    episodes: bool,
) -> Result<(), String> {
    panels::shade_faults(chart, &m.faults, y.clone(), SHADE, |_| style::WINDOW)?;
    if episodes {
        panels::shade_episodes(chart, &m.episodes, y.clone(), style::DOWNTIME, EPISODE_SHADE)?;
    }
    panels::fault_markers(chart, &m.faults, y, 2)
}

fn secs(v: Option<f64>, from: f64, never: &str) -> String {
    match v {
        Some(t) => format!("+{:.1} s", t - from),
        None => never.to_string(),
    }
}

fn fault_strip<DB: DrawingBackend>(m: &PlotModel, s: &Slot<'_, DB>) -> Result<(), String> {
    let mut names: Vec<String> = m.faults.iter().map(|f| format!("fault {}", f.index + 1)).collect();
    if m.faults_not_shown > 0 {
        names.push("...".into());
    }
    names.push("downtime".into());
    names.push("brownout".into());
    let fmt = |v: &f64| panels::strip_label(&names, *v);
    let y = panels::strip_axis(&names, &fmt);
    let mut chart = s.chart(&y)?;
    let n = names.len();
    for (i, f) in m.faults.iter().enumerate() {
        let c = panels::strip_centre(n, i);
        let (x0, x1) = panels::visible(&chart, f.injected_s, f.end_s, 3.0);
        let bar = Rectangle::new([(x0, c - BAR.1), (x1, c - BAR.0)], style::fault_color(f.index).mix(0.6).filled());
        chart.draw_series([bar]).map_err(err)?;
        panels::fault_markers(&mut chart, std::slice::from_ref(f), c - BAR.1 - 0.06..c - BAR.0 + 0.06, 3)?;
        let text = format!(
            "{}: detected {}, recovered {}, {} failed",
            f.label,
            secs(f.detected_s, f.injected_s, "never"),
            secs(f.recovered_s, f.injected_s, "not within the run"),
            f.failed_requests
        );
        panels::strip_text(&chart, &s.area, &text, f.injected_s, c + LABEL_Y)?;
    }
    if m.faults_not_shown > 0 {
        let text = format!("... and {} more faults, not drawn (report.json lists them all)", m.faults_not_shown);
        panels::strip_text(&chart, &s.area, &text, 0.0, panels::strip_centre(n, n - 3))?;
    }
    let none = "no failed request".to_string();
    span_row(&mut chart, &s.area, &m.episodes, panels::strip_centre(n, n - 2), style::DOWNTIME, none, "")?;
    let (bad_s, bad_min) = m.bad_windows;
    let none = "no second under the SLO's success ratio".to_string();
    let extra = format!(", {bad_s} bad s, {bad_min} bad min");
    span_row(&mut chart, &s.area, &m.brownouts, panels::strip_centre(n, n - 1), style::BROWNOUT, none, &extra)?;
    let mut legend = panels::fault_legend(style::fault_color(0).mix(0.55));
    legend.push((Swatch::Fill(style::BROWNOUT.to_rgba()), "brownout episode".into()));
    s.legend(&legend)
}

/// One strip row of episodes centred at `c`, with a line of text: how many, how long, how many
/// failed (`none` when there are none; `extra` appended otherwise).
fn span_row<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    spans: &[EpisodeSpan],
    c: f64,
    color: RGBColor,
    none: String,
    extra: &str,
) -> Result<(), String> {
    let bars: Vec<_> = spans
        .iter()
        .map(|ep| {
            let (x0, x1) = panels::visible(chart, ep.start_s, ep.end_s, 2.0);
            Rectangle::new([(x0, c - BAR.1), (x1, c - BAR.0)], color.filled())
        })
        .collect();
    chart.draw_series(bars).map_err(err)?;
    let total: f64 = spans.iter().map(|e| e.end_s - e.start_s).sum();
    let failed: u64 = spans.iter().map(|e| e.failed_requests).sum();
    let text = match spans.len() {
        0 => none,
        1 => format!("1 episode, {total:.1} s, {failed} failed{extra}"),
        k => format!("{k} episodes, {total:.1} s in all, {failed} failed{extra}"),
    };
    let at = spans.first().map_or(0.0, |e| e.start_s);
    panels::strip_text(chart, area, &text, at, c + if spans.is_empty() { 0.0 } else { LABEL_Y })
}

fn ratio_panel<DB: DrawingBackend>(m: &PlotModel, s: &Slot<'_, DB>) -> Result<(), String> {
    let y = panels::ratio_axis();
    let mut chart = s.chart(&y)?;
    backdrop(&mut chart, m, y.range.clone(), true)?;
    if let Some(slo) = m.slo_min_success_ratio {
        panels::dashed(&mut chart, (0.0, slo), (m.duration_s, slo), style::SLO.stroke_width(2))?;
    }
    panels::ratio_line(&mut chart, &m.buckets, style::RATIO)?;
    let bucket = m.buckets.first().map(|b| b.end_s - b.start_s).unwrap_or(1.0);
    let mut items = vec![(Swatch::Line(style::RATIO, 2), format!("successes / requests per {bucket} s"))];
    if let Some(slo) = m.slo_min_success_ratio {
        items.push((Swatch::Dashed(style::SLO, 2), format!("SLO: success ratio ≥ {slo}")));
    }
    items.push((Swatch::Fill(style::WINDOW.mix(SHADE)), "fault window".into()));
    items.push((Swatch::Fill(style::DOWNTIME.mix(EPISODE_SHADE)), "downtime episode".into()));
    s.legend(&items)
}

fn rate_panel<DB: DrawingBackend>(m: &PlotModel, s: &Slot<'_, DB>) -> Result<(), String> {
    let max = m.buckets.iter().map(|b| b.total_rate()).fold(0.0, f64::max);
    let ticks = style::ticks(max * 1.05, 4);
    let top = ticks.last().copied().unwrap_or(1.0);
    let fmt = |v: &f64| format!("{v}");
    let y = Axis { range: 0.0..top, ticks, desc: "requests / s", fmt: &fmt };
    let mut chart = s.chart(&y)?;
    backdrop(&mut chart, m, y.range.clone(), true)?;
    // Stacked from the bottom: successes, then each failure cause. Drawn top layer first, each
    // lower layer painted over it.
    let mut layers: Vec<(String, RGBColor, Vec<f64>)> =
        vec![("succeeded".into(), style::SUCCESS, m.buckets.iter().map(|b| b.success_rate).collect())];
    for cause in &m.causes {
        let i = crate::metrics::series::cause_index(*cause);
        let below = &layers.last().expect("successes first").2;
        let stacked = m.buckets.iter().zip(below).map(|(b, under)| under + b.failure_rates[i]).collect();
        layers.push((format!("failed: {}", cause.name()), style::cause_color(*cause), stacked));
    }
    for (_, color, tops) in layers.iter().rev() {
        let points: Vec<(f64, f64)> =
            m.buckets.iter().zip(tops).flat_map(|(b, v)| [(b.start_s, *v), (b.end_s, *v)]).collect();
        chart.draw_series(panels::step_area(&points, color.mix(0.85))).map_err(err)?;
    }
    let items: Vec<_> = layers.iter().rev().map(|(name, c, _)| (Swatch::Fill(c.mix(0.85)), name.clone())).collect();
    s.legend(&items)
}

fn gauge_panel<DB: DrawingBackend>(m: &PlotModel, g: &Gauge, s: &Slot<'_, DB>) -> Result<(), String> {
    let max = g.max().max(1);
    let fmt = |v: &f64| format!("{v:.0}");
    let y = Axis { range: 0.0..max as f64 * 1.15 + 0.2, ticks: style::count_ticks(max, 3), desc: g.name, fmt: &fmt };
    let mut chart = s.chart(&y)?;
    panels::shade_faults(&mut chart, &m.faults, y.range.clone(), SHADE * 0.7, |_| style::WINDOW)?;
    let short: Vec<_> = g
        .steps
        .iter()
        .filter(|s| s.value.0 < s.value.1)
        .map(|s| {
            let (a, t) = (s.value.0 as f64, s.value.1 as f64);
            Rectangle::new([(s.start_s, a), (s.end_s, t)], style::DOWN.mix(0.35).filled())
        })
        .collect();
    chart.draw_series(short).map_err(err)?;
    let actual = panels::step_points(&g.steps, |v| v.0 as f64);
    let target = panels::step_points(&g.steps, |v| v.1 as f64);
    chart.draw_series([DashedPathElement::new(target, 7, 4, style::TARGET.stroke_width(2))]).map_err(err)?;
    chart.draw_series([PathElement::new(actual, style::ACTUAL.stroke_width(2))]).map_err(err)?;
    panels::fault_markers(&mut chart, &m.faults, y.range.clone(), 1)?;
    s.legend(&[
        (Swatch::Line(style::ACTUAL, 2), format!("{} {}", g.name, g.actual_label)),
        (Swatch::Dashed(style::TARGET, 2), g.target_label.to_string()),
        (Swatch::Fill(style::DOWN.mix(0.35)), format!("below {}", g.target_label)),
    ])
}

fn switch_panel<DB: DrawingBackend>(m: &PlotModel, s: &Slot<'_, DB>) -> Result<(), String> {
    let names: Vec<String> = m.switches.iter().map(|s| s.name.to_string()).collect();
    let fmt = |v: &f64| panels::strip_label(&names, *v);
    let y = panels::strip_axis(&names, &fmt);
    let mut chart = s.chart(&y)?;
    let n = names.len();
    for (i, sw) in m.switches.iter().enumerate() {
        let c = panels::strip_centre(n, i);
        chart.draw_series(switch_bars(&chart, sw, c)).map_err(err)?;
        if !sw.in_use {
            panels::strip_text(&chart, &s.area, "not used (GCS fault tolerance off)", 0.0, c)?;
        }
    }
    panels::fault_markers(&mut chart, &m.faults, y.range.clone(), 1)?;
    s.legend(&[
        (Swatch::Fill(style::UP.to_rgba()), "up".into()),
        (Swatch::Fill(style::DOWN.to_rgba()), "down".into()),
        (Swatch::Fill(style::UNUSED.to_rgba()), "not used in this run".into()),
    ])
}

fn switch_bars<DB: DrawingBackend>(chart: &Chart<'_, DB>, sw: &Switch, c: f64) -> Vec<Rectangle<(f64, f64)>> {
    sw.spans
        .iter()
        .map(|s| {
            let color = match (sw.in_use, s.value) {
                (false, _) => style::UNUSED,
                (true, true) => style::UP,
                (true, false) => style::DOWN,
            };
            let (a, b) = if s.value { (s.start_s, s.end_s) } else { panels::visible(chart, s.start_s, s.end_s, 2.0) };
            Rectangle::new([(a, c - 0.32), (b, c + 0.32)], color.filled())
        })
        .collect()
}
