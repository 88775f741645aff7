//! The distributions of a Monte Carlo study's main metrics: one row per metric, its histogram
//! on the left and its empirical CDF on the right, each with the mean (dashed) and the 95 %
//! confidence interval of the mean (shaded).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::histogram::{self, Bin};
use super::panels::{self, Axis};
use super::render::{Figure, err};
use super::style;
use crate::study::stats::Estimate;

const ROW_H: u32 = 340;
const ROW_TITLE_H: u32 = 42;

/// One metric's sample across the replications.
pub struct Sample {
    /// What it is, with its unit, as the x-axis title.
    pub label: String,
    /// The values, ascending.
    pub sorted: Vec<f64>,
    /// Their estimate.
    pub estimate: Estimate,
}

impl Sample {
    /// The sample of `values` (any order); `None` when empty.
    pub fn new(label: &str, values: &[f64]) -> Option<Sample> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Sample { label: label.to_string(), estimate: Estimate::of(values)?, sorted })
    }
}

/// The figure: a title, then one row per sample.
pub struct Distributions<'s> {
    /// Figure title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// The metrics.
    pub samples: &'s [Sample],
}

impl Figure for Distributions<'_> {
    fn size(&self) -> (u32, u32) {
        (super::timeline::WIDTH, panels::title_height(1) + ROW_H * self.samples.len() as u32 + 14)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (head, body) = root.split_vertically(panels::title_height(1));
        panels::title(&head, &self.title, std::slice::from_ref(&self.subtitle))?;
        let rows = body.margin(0, 14, 8, 8).split_evenly((self.samples.len().max(1), 1));
        for (row, sample) in rows.iter().zip(self.samples) {
            draw_row(row, sample)?;
        }
        Ok(())
    }
}

/// The x axis shared by a row's two panels: the histogram's range, ticks that read at its scale.
fn x_range(bins: &[Bin]) -> (f64, f64) {
    let (lo, hi) = (bins[0].lo, bins[bins.len() - 1].hi);
    let pad = (hi - lo) * 0.03;
    (lo - pad, hi + pad)
}

fn draw_row<DB: DrawingBackend>(row: &DrawingArea<DB, Shift>, s: &Sample) -> Result<(), String> {
    let (title, panes) = row.split_vertically(ROW_TITLE_H);
    let e = &s.estimate;
    let ci = match (e.ci95_low, e.ci95_high) {
        (Some(lo), Some(hi)) => format!(", 95 % CI of the mean [{}, {}]", short(lo), short(hi)),
        _ => String::new(),
    };
    let text =
        format!("{}: mean {}{ci}; median {}, p95 {} (n = {})", s.label, short(e.mean), short(e.p50), short(e.p95), e.n);
    title
        .draw_text(&text, &style::bold(style::TEXT_PX, style::INK).pos(Pos::new(HPos::Left, VPos::Top)), (8, 16))
        .map_err(err)?;
    let (left, right) = panes.split_horizontally(panes.dim_in_pixel().0 / 2);
    let bins = histogram::bins(&s.sorted);
    let (lo, hi) = x_range(&bins);
    let (xt, decimals) = histogram::ticks(lo, hi, 6);
    let xt: Vec<f64> = xt.into_iter().filter(|t| (lo..=hi).contains(t)).collect();
    let xfmt = move |v: &f64| format!("{v:.decimals$}");
    let x = Axis { range: lo..hi, ticks: xt, desc: &s.label, fmt: &xfmt };

    let top = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    let cfmt = |v: &f64| format!("{v:.0}");
    let y = Axis {
        range: 0.0..top as f64 * 1.1,
        ticks: style::count_ticks(top as u32, 4),
        desc: "replications",
        fmt: &cfmt,
    };
    let mut chart = panels::chart(&left, &x, &y, true)?;
    mean_and_ci(&mut chart, e, y.range.end)?;
    let bars =
        bins.iter().map(|b| Rectangle::new([(b.lo, 0.0), (b.hi, b.count as f64)], style::ACTUAL.mix(0.75).filled()));
    chart.draw_series(bars).map_err(err)?;

    let pfmt = |v: &f64| format!("{v:.2}");
    let y = Axis { range: 0.0..1.04, ticks: style::ticks(1.0, 4), desc: "share of replications ≤ x", fmt: &pfmt };
    let mut chart = panels::chart(&right, &x, &y, true)?;
    mean_and_ci(&mut chart, e, 1.04)?;
    let mut path = vec![(lo, 0.0)];
    path.extend(histogram::ecdf(&s.sorted));
    path.push((hi, 1.0));
    chart.draw_series([PathElement::new(path, style::RATIO.stroke_width(2))]).map_err(err)?;
    Ok(())
}

/// The CI band and the mean line, up to `top`.
fn mean_and_ci<DB: DrawingBackend>(chart: &mut panels::Chart<'_, DB>, e: &Estimate, top: f64) -> Result<(), String> {
    if let (Some(lo), Some(hi)) = (e.ci95_low, e.ci95_high) {
        let (lo, hi) = panels::visible(chart, lo, hi, 2.0);
        chart.draw_series([Rectangle::new([(lo, 0.0), (hi, top)], style::WINDOW.mix(0.25).filled())]).map_err(err)?;
    }
    panels::dashed(chart, (e.mean, 0.0), (e.mean, top), style::SLO.stroke_width(2))
}

/// A number in at most 6 significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_six_significant_digits() {
        assert_eq!(short(0.998_123_456), "0.998123");
        assert_eq!(short(1.0), "1");
        assert_eq!(short(12_345.678), "12345.7");
        assert_eq!(short(0.0), "0");
    }
}
