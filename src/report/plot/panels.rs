//! Building blocks shared by the figures: a panel on the common time axis, fault shading and
//! markers, step paths, row strips and legends drawn beside (never over) the data.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::model::{BucketBar, EpisodeSpan, FaultWindow, Step};
use super::render::err;
use super::style::{self, AXIS, AXIS_PX, GRID, INK, TEXT_PX};

/// A chart on the shared time axis with explicit ticks on both axes.
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// A linear f64 coordinate whose ticks are exactly the given values (plotters picks its own
/// otherwise, and its f64 coordinate accepts no custom ticks with a custom label format).
#[derive(Clone, Debug)]
pub struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let along = (v - self.range.start) / span * f64::from(limit.1 - limit.0);
        limit.0 + along.round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Width of the y-label area of every panel [px], so that all time axes line up.
pub const Y_LABEL_W: u32 = 104;
/// Height of the time-axis labels under the bottom panel [px].
pub const X_AXIS_H: u32 = 58;
/// Width of the legend column right of the panels [px].
pub const LEGEND_W: u32 = 300;
/// Height of one legend entry [px].
pub const LEGEND_LINE_H: u32 = 23;

/// One axis: range, ticks, title and tick format.
pub struct Axis<'f> {
    /// Range of values.
    pub range: Range<f64>,
    /// Tick positions.
    pub ticks: Vec<f64>,
    /// Title with unit.
    pub desc: &'f str,
    /// Tick label.
    pub fmt: &'f dyn Fn(&f64) -> String,
}

/// The time axis of a figure whose runs last `duration_s`.
pub fn time_axis(duration_s: f64) -> Axis<'static> {
    Axis {
        range: 0.0..duration_s.max(1e-6),
        ticks: style::time_ticks(duration_s, 12),
        desc: "time since start [s]",
        fmt: &|v| format!("{v:.0}"),
    }
}

/// One row of a figure: a panel area and the legend area on its right, on the shared time axis.
pub struct Slot<'a, DB: DrawingBackend> {
    /// Where the panel goes.
    pub area: DrawingArea<DB, Shift>,
    /// Where its legend goes.
    pub legend: DrawingArea<DB, Shift>,
    /// The time axis.
    pub x: &'a Axis<'a>,
    /// The bottom row, which shows the time labels.
    pub bottom: bool,
}

impl<DB: DrawingBackend> Slot<'_, DB> {
    /// The row's panel with y axis `y`.
    pub fn chart(&self, y: &Axis<'_>) -> Result<Chart<'_, DB>, String> {
        chart(&self.area, self.x, y, self.bottom)
    }

    /// Draws the row's legend.
    pub fn legend(&self, items: &[(Swatch, String)]) -> Result<(), String> {
        legend(&self.legend, items)
    }
}

/// Splits a figure below its title into rows of the given heights on time axis `x`.
pub fn slots<'a, DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    heights: &[u32],
    x: &'a Axis<'a>,
) -> Vec<Slot<'a, DB>> {
    let width = body.dim_in_pixel().0;
    let mut breaks = Vec::new();
    let mut y = 0;
    for h in heights.iter().take(heights.len().saturating_sub(1)) {
        y += *h as i32;
        breaks.push(y);
    }
    let rows = body.split_by_breakpoints([] as [i32; 0], breaks);
    let last = rows.len().saturating_sub(1);
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let (area, legend) = row.split_horizontally(width.saturating_sub(LEGEND_W));
            Slot { area, legend, x, bottom: i == last }
        })
        .collect()
}

/// A panel with a light grid; only the bottom one shows the time labels.
pub fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis<'_>,
    y: &Axis<'_>,
    bottom: bool,
) -> Result<Chart<'a, DB>, String> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_bottom(if bottom { 0 } else { 6 })
        .margin_right(18)
        .y_label_area_size(Y_LABEL_W)
        .x_label_area_size(if bottom { X_AXIS_H } else { 0 })
        .build_cartesian_2d(
            Ticked { range: x.range.clone(), ticks: x.ticks.clone() },
            Ticked { range: y.range.clone(), ticks: y.ticks.clone() },
        )
        .map_err(err)?;
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .axis_style(AXIS)
        .label_style(style::text(TEXT_PX, INK))
        .axis_desc_style(style::text(AXIS_PX, INK))
        .x_label_formatter(x.fmt)
        .y_label_formatter(y.fmt)
        .y_desc(y.desc);
    if bottom {
        mesh.x_desc(x.desc);
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// Pixels per unit of x in `chart`.
fn px_per_x<DB: DrawingBackend>(chart: &Chart<'_, DB>) -> f64 {
    let (px, _) = chart.plotting_area().get_pixel_range();
    let r = chart.x_range();
    (px.end - px.start) as f64 / (r.end - r.start).max(1e-9)
}

/// `[start, end]` widened to at least `min_px` pixels, so that short spans stay visible.
pub fn visible<DB: DrawingBackend>(chart: &Chart<'_, DB>, start: f64, end: f64, min_px: f64) -> (f64, f64) {
    let min = min_px / px_per_x(chart);
    if end - start >= min { (start, end) } else { (start, start + min) }
}

/// Shades each fault window over `y`.
pub fn shade_faults<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    faults: &[FaultWindow],
    y: Range<f64>,
    alpha: f64,
    color: impl Fn(&FaultWindow) -> RGBColor,
) -> Result<(), String> {
    let rects: Vec<_> = faults
        .iter()
        .map(|f| {
            let (s, e) = visible(chart, f.injected_s, f.end_s, 2.0);
            Rectangle::new([(s, y.start), (e, y.end)], color(f).mix(alpha).filled())
        })
        .collect();
    chart.draw_series(rects).map_err(err)?;
    Ok(())
}

/// Shades each downtime episode over `y`.
pub fn shade_episodes<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    episodes: &[EpisodeSpan],
    y: Range<f64>,
    color: RGBColor,
    alpha: f64,
) -> Result<(), String> {
    let rects: Vec<_> = episodes
        .iter()
        .map(|ep| {
            let (s, e) = visible(chart, ep.start_s, ep.end_s, 2.0);
            Rectangle::new([(s, y.start), (e, y.end)], color.mix(alpha).filled())
        })
        .collect();
    chart.draw_series(rects).map_err(err)?;
    Ok(())
}

/// A dashed straight line from `a` to `b`.
pub fn dashed<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    a: (f64, f64),
    b: (f64, f64),
    style: ShapeStyle,
) -> Result<(), String> {
    chart.draw_series([DashedPathElement::new(vec![a, b], 7, 4, style)]).map_err(err)?;
    Ok(())
}

/// Detection (dashed) and recovery (solid) lines of every fault, over `y`.
pub fn fault_markers<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    faults: &[FaultWindow],
    y: Range<f64>,
    width: u32,
) -> Result<(), String> {
    for f in faults {
        if let Some(d) = f.detected_s {
            dashed(chart, (d, y.start), (d, y.end), style::DETECTED.stroke_width(width))?;
        }
        if let Some(r) = f.recovered_s {
            let line = PathElement::new(vec![(r, y.start), (r, y.end)], style::RECOVERED.stroke_width(width));
            chart.draw_series([line]).map_err(err)?;
        }
    }
    Ok(())
}

/// The legend of a fault strip whose bars have colour `bar`.
pub fn fault_legend(bar: RGBAColor) -> Vec<(Swatch, String)> {
    vec![
        (Swatch::Fill(bar), "fault: injection to recovery".into()),
        (Swatch::Dashed(style::DETECTED, 3), "detected".into()),
        (Swatch::Line(style::RECOVERED, 3), "recovered (all at target)".into()),
        (Swatch::Fill(style::DOWNTIME.to_rgba()), "downtime episode".into()),
    ]
}

/// The success-ratio axis.
pub fn ratio_axis() -> Axis<'static> {
    Axis { range: 0.0..1.06, ticks: style::ticks(1.0, 5), desc: "success ratio", fmt: &|v| format!("{v:.1}") }
}

/// Draws the success ratio per bucket as a step line, broken where a bucket had no request.
pub fn ratio_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    buckets: &[BucketBar],
    color: RGBColor,
) -> Result<(), String> {
    for segment in buckets.split(|b| b.success_ratio.is_none()) {
        let points: Vec<(f64, f64)> = segment
            .iter()
            .flat_map(|b| {
                let r = b.success_ratio.unwrap_or_default();
                [(b.start_s, r), (b.end_s, r)]
            })
            .collect();
        chart.draw_series([PathElement::new(points, color.stroke_width(2))]).map_err(err)?;
    }
    Ok(())
}

/// The points of a step function: each run held flat from its start to its end.
pub fn step_points<T>(steps: &[Step<T>], value: impl Fn(&T) -> f64) -> Vec<(f64, f64)> {
    steps.iter().flat_map(|s| [(s.start_s, value(&s.value)), (s.end_s, value(&s.value))]).collect()
}

/// A filled step area from 0 up to the step function.
pub fn step_area(points: &[(f64, f64)], color: RGBAColor) -> Option<Polygon<(f64, f64)>> {
    let (first, last) = (points.first()?, points.last()?);
    let mut poly = points.to_vec();
    poly.push((last.0, 0.0));
    poly.push((first.0, 0.0));
    Some(Polygon::new(poly, color.filled()))
}

/// The y axis of a strip of named rows, top to bottom; row `i` is centred at `len - i - 0.5`.
pub fn strip_axis<'f>(names: &'f [String], fmt: &'f dyn Fn(&f64) -> String) -> Axis<'f> {
    let n = names.len() as f64;
    Axis { range: 0.0..n, ticks: (0..names.len()).map(|i| n - i as f64 - 0.5).collect(), desc: "", fmt }
}

/// The name of the strip row centred at `v`.
pub fn strip_label(names: &[String], v: f64) -> String {
    let i = names.len() as f64 - v - 0.5;
    names.get(i.round().max(0.0) as usize).cloned().unwrap_or_default()
}

/// Centre of strip row `i` of `len` rows.
pub fn strip_centre(len: usize, i: usize) -> f64 {
    len as f64 - i as f64 - 0.5
}

/// Writes `text` left-aligned at `x` and vertically centred on `y`, moved left as far as needed
/// to stay inside the panel.
pub fn strip_text<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    text: &str,
    x: f64,
    y: f64,
) -> Result<(), String> {
    let font = style::text(TEXT_PX - 1.0, INK);
    let w = area.estimate_text_size(text, &font).map_err(err)?.0 as i32;
    let (base_x, base_y) = area.get_base_pixel();
    let right = chart.plotting_area().get_pixel_range().0.end - base_x;
    let (px, py) = chart.backend_coord(&(x, y));
    let x0 = (px - base_x + 2).min(right - w - 4);
    area.draw_text(text, &font.pos(Pos::new(HPos::Left, VPos::Center)), (x0, py - base_y)).map_err(err)?;
    Ok(())
}

/// How a legend entry looks.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A filled box.
    Fill(RGBAColor),
    /// A solid line of this width.
    Line(RGBColor, u32),
    /// A dashed line of this width.
    Dashed(RGBColor, u32),
}

/// Draws legend entries top-down in `area`.
pub fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, items: &[(Swatch, String)]) -> Result<(), String> {
    let font = style::text(TEXT_PX - 1.0, INK);
    for (i, (swatch, label)) in items.iter().enumerate() {
        let y = 10 + (i as u32 * LEGEND_LINE_H) as i32;
        let mid = y + LEGEND_LINE_H as i32 / 2 - 2;
        let (x0, x1) = (6, 34);
        match *swatch {
            Swatch::Fill(c) => {
                area.draw(&Rectangle::new([(x0, mid - 7), (x1, mid + 7)], c.filled())).map_err(err)?;
            }
            Swatch::Line(c, w) => {
                area.draw(&PathElement::new(vec![(x0, mid), (x1, mid)], c.stroke_width(w))).map_err(err)?;
            }
            Swatch::Dashed(c, w) => {
                area.draw(&DashedPathElement::new(vec![(x0, mid), (x1, mid)], 6, 4, c.stroke_width(w))).map_err(err)?;
            }
        }
        area.draw_text(label, &font.pos(Pos::new(HPos::Left, VPos::Center)), (x1 + 10, mid)).map_err(err)?;
    }
    Ok(())
}

/// Height a legend of `n` entries needs [px].
pub fn legend_height(n: usize) -> u32 {
    16 + n as u32 * LEGEND_LINE_H
}

/// Draws the title and the subtitle lines in `area`.
pub fn title<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, lines: &[String]) -> Result<(), String> {
    let top = Pos::new(HPos::Left, VPos::Top);
    area.draw_text(title, &style::bold(style::TITLE_PX, INK).pos(top), (20, 14)).map_err(err)?;
    for (i, line) in lines.iter().enumerate() {
        let y = 52 + i as i32 * 24;
        area.draw_text(line, &style::text(style::SUBTITLE_PX, style::MUTED).pos(top), (20, y)).map_err(err)?;
    }
    Ok(())
}

/// Height of a title with `lines` subtitle lines [px].
pub fn title_height(lines: usize) -> u32 {
    58 + lines as u32 * 24
}
