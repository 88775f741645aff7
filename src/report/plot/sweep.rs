//! A sweep's figures: availability in nines and downtime per month against the first swept
//! parameter, with 95 % bands, one line per setting of the others ([`SweepLines`]); and, for
//! two parameters, a heatmap of the nines ([`Heatmap`]). Parameter values are categories, in the
//! order given.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::{Figure, err};
use super::style;

/// A metric at one x: mean and its 95 % interval (the mean alone without one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Mean.
    pub mean: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// One line: a setting of the parameters after the first.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The setting (`PATH=VALUE, ...`), empty with one parameter.
    pub label: String,
    /// Nines, one per x value.
    pub nines: Vec<Point>,
    /// Downtime per 30-day month \[min\], one per x value.
    pub downtime_min: Vec<Point>,
}

/// Nines and downtime against the first parameter.
pub struct SweepLines<'a> {
    /// Figure title.
    pub title: &'a str,
    /// The first parameter's path.
    pub x_label: &'a str,
    /// Its values.
    pub x_values: &'a [String],
    /// The lines.
    pub series: &'a [Series],
}

const WIDTH: u32 = 1400;
const CHART_H: u32 = 520;
const HEAD_H: u32 = 70;

/// Draws one chart of `series` (the metric `pick`) in `area`.
fn chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_values: &[String],
    series: &[Series],
    pick: fn(&Series) -> &[Point],
) -> Result<(), String> {
    let top = series.iter().flat_map(|s| pick(s).iter().map(|p| p.high)).fold(0.0, f64::max);
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let n = x_values.len();
    let mut c = ChartBuilder::on(area)
        .caption(caption, style::bold(style::AXIS_PX, style::INK))
        .margin(16)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..y_max)
        .map_err(err)?;
    let label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-9 && i >= 0.0 {
            x_values.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    c.configure_mesh()
        .x_labels(n.max(2) * 2 + 1)
        .x_label_formatter(&label)
        .disable_x_mesh()
        .bold_line_style(style::GRID)
        .light_line_style(plotters::style::colors::TRANSPARENT)
        .label_style(style::text(style::TEXT_PX, style::INK))
        .axis_style(style::AXIS)
        .draw()
        .map_err(err)?;
    for (k, s) in series.iter().enumerate() {
        let color = style::run_color(k);
        let pts = pick(s);
        let band: Vec<(f64, f64)> = pts
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.high))
            .chain(pts.iter().enumerate().rev().map(|(i, p)| (i as f64, p.low)))
            .collect();
        c.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18)))).map_err(err)?;
        let line: Vec<(f64, f64)> = pts.iter().enumerate().map(|(i, p)| (i as f64, p.mean)).collect();
        let series = c.draw_series(LineSeries::new(line.clone(), color.stroke_width(3))).map_err(err)?;
        if !s.label.is_empty() {
            series
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
        }
        c.draw_series(line.iter().map(|&p| Circle::new(p, 5, color.filled()))).map_err(err)?;
    }
    if series.iter().any(|s| !s.label.is_empty()) {
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(style::GRID)
            .label_font(style::text(style::TEXT_PX, style::INK))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// The figure's title and subtitle in `head`.
fn heading<DB: DrawingBackend>(head: &DrawingArea<DB, Shift>, title: &str, subtitle: &str) -> Result<(), String> {
    head.draw_text(title, &style::bold(style::TITLE_PX, style::INK), (16, 8)).map_err(err)?;
    head.draw_text(subtitle, &style::text(style::SUBTITLE_PX, style::MUTED), (16, 44)).map_err(err)
}

impl Figure for SweepLines<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEAD_H + CHART_H)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (head, body) = root.split_vertically(HEAD_H);
        let sub = format!("against {}; lines: means, bands: 95 % confidence intervals", self.x_label);
        heading(&head, self.title, &sub)?;
        let (left, right) = body.split_horizontally(WIDTH / 2);
        chart(&left, "Availability (nines, request-based)", self.x_values, self.series, |s| &s.nines)?;
        chart(&right, "Downtime per 30-day month [min]", self.x_values, self.series, |s| &s.downtime_min)
    }
}

/// The nines at every pair of values of two parameters.
pub struct Heatmap<'a> {
    /// Figure title.
    pub title: &'a str,
    /// The first parameter (columns).
    pub x_label: &'a str,
    /// Its values.
    pub x_values: &'a [String],
    /// The second parameter (rows).
    pub y_label: &'a str,
    /// Its values.
    pub y_values: &'a [String],
    /// Mean nines, `cells[y][x]`.
    pub cells: &'a [Vec<f64>],
}

const CELL_W: u32 = 150;
const CELL_H: u32 = 70;
const LEFT_W: u32 = 220;

/// White to deep blue as `t` goes from 0 to 1.
fn shade(t: f64) -> RGBColor {
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(0xf7, 0x08), mix(0xfb, 0x30), mix(0xff, 0x6b))
}

impl Figure for Heatmap<'_> {
    fn size(&self) -> (u32, u32) {
        let w = (LEFT_W + CELL_W * self.x_values.len() as u32 + 40).max(900);
        (w, HEAD_H + 40 + CELL_H * self.y_values.len() as u32 + 80)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (head, body) = root.split_vertically(HEAD_H);
        let sub = format!("mean nines (request-based); columns: {}, rows: {}", self.x_label, self.y_label);
        heading(&head, self.title, &sub)?;
        let all = self.cells.iter().flatten().copied();
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let text = |px: f64, c: RGBColor| style::text(px, c);
        let top = 40i32;
        for (j, x) in self.x_values.iter().enumerate() {
            let cx = (LEFT_W + CELL_W * j as u32 + 12) as i32;
            body.draw_text(x, &text(style::TEXT_PX, style::INK), (cx, top - 28)).map_err(err)?;
        }
        for (i, (y, row)) in self.y_values.iter().zip(self.cells).enumerate() {
            let y0 = top + (CELL_H * i as u32) as i32;
            body.draw_text(y, &text(style::TEXT_PX, style::INK), (16, y0 + CELL_H as i32 / 2 - 9)).map_err(err)?;
            for (j, v) in row.iter().enumerate() {
                let x0 = (LEFT_W + CELL_W * j as u32) as i32;
                let t = (v - lo) / span;
                let rect = [(x0, y0), (x0 + CELL_W as i32 - 2, y0 + CELL_H as i32 - 2)];
                body.draw(&Rectangle::new(rect, shade(0.15 + 0.85 * t).filled())).map_err(err)?;
                let ink = if t > 0.55 { WHITE } else { style::INK };
                let label = format!("{v:.2}");
                body.draw_text(&label, &style::bold(style::AXIS_PX, ink), (x0 + 14, y0 + CELL_H as i32 / 2 - 10))
                    .map_err(err)?;
            }
        }
        let foot = top + (CELL_H * self.y_values.len() as u32) as i32 + 16;
        let note = format!("{} (columns) x {} (rows); darker: more nines", self.x_label, self.y_label);
        body.draw_text(&note, &text(style::TEXT_PX, style::MUTED), (16, foot)).map_err(err)
    }
}
