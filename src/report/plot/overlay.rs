//! The overlay of two or more runs on one time axis: a strip per run with its fault windows and
//! downtime episodes, then the success ratio, the failed-request rate and the running replicas of
//! every run, each run in its own colour. Runs of different lengths share the longest axis.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::model::PlotModel;
use super::panels::{self, Axis, Slot, Swatch};
use super::render::{Figure, err};
use super::style;

const RATIO_H: u32 = 260;
const FAILED_H: u32 = 220;
const REPLICAS_H: u32 = 200;
const RUN_ROW_H: u32 = 34;

/// Overlay of labelled runs; the first is the baseline.
pub struct Overlay<'m> {
    /// (label, model) per run.
    pub runs: &'m [(String, PlotModel)],
}

impl Overlay<'_> {
    fn heights(&self) -> Vec<u32> {
        let strip = (RUN_ROW_H * self.runs.len() as u32 + 12).max(panels::legend_height(4));
        let legend = panels::legend_height(self.runs.len() + 1);
        vec![strip, RATIO_H.max(legend), FAILED_H.max(legend), REPLICAS_H.max(legend) + panels::X_AXIS_H]
    }

    fn duration_s(&self) -> f64 {
        self.runs.iter().map(|(_, m)| m.duration_s).fold(0.0, f64::max)
    }

    fn run_legend(&self, what: impl Fn(&PlotModel) -> String) -> Vec<(Swatch, String)> {
        self.runs
            .iter()
            .enumerate()
            .map(|(i, (label, m))| (Swatch::Line(style::run_color(i), 3), format!("{label}{}", what(m))))
            .collect()
    }

    /// Shades every run's fault windows, in the run's colour, over `y`.
    fn shade(&self, chart: &mut panels::Chart<'_, impl DrawingBackend>, y: std::ops::Range<f64>) -> Result<(), String> {
        for (i, (_, m)) in self.runs.iter().enumerate() {
            panels::shade_faults(chart, &m.faults, y.clone(), 0.10, |_| style::run_color(i))?;
        }
        Ok(())
    }
}

impl Figure for Overlay<'_> {
    fn size(&self) -> (u32, u32) {
        (super::timeline::WIDTH, panels::title_height(1) + self.heights().iter().sum::<u32>() + 14)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (head, body) = root.split_vertically(panels::title_height(1));
        let body = body.margin(0, 14, 8, 0);
        let names: Vec<&str> = self.runs.iter().map(|(_, m)| m.title.as_str()).collect();
        let subtitle = format!("{} runs overlaid on one time axis; shading: each run's fault windows", self.runs.len());
        panels::title(&head, &format!("Comparison: {}", names.join(" vs ")), &[subtitle])?;
        let x = panels::time_axis(self.duration_s());
        let slots = panels::slots(&body, &self.heights(), &x);
        self.strip(&slots[0])?;
        self.ratio(&slots[1])?;
        self.failed(&slots[2])?;
        self.replicas(&slots[3])
    }
}

impl Overlay<'_> {
    fn strip<DB: DrawingBackend>(&self, s: &Slot<'_, DB>) -> Result<(), String> {
        let names: Vec<String> = (0..self.runs.len()).map(crate::report::compare::letter).collect();
        let fmt = |v: &f64| panels::strip_label(&names, *v);
        let y = panels::strip_axis(&names, &fmt);
        let mut chart = s.chart(&y)?;
        for (i, (_, m)) in self.runs.iter().enumerate() {
            let c = panels::strip_centre(names.len(), i);
            let mut bars = Vec::new();
            for f in &m.faults {
                let (x0, x1) = panels::visible(&chart, f.injected_s, f.end_s, 3.0);
                bars.push(Rectangle::new([(x0, c + 0.02), (x1, c + 0.38)], style::run_color(i).mix(0.45).filled()));
            }
            for ep in &m.episodes {
                let (x0, x1) = panels::visible(&chart, ep.start_s, ep.end_s, 2.0);
                bars.push(Rectangle::new([(x0, c - 0.38), (x1, c - 0.02)], style::DOWNTIME.filled()));
            }
            chart.draw_series(bars).map_err(err)?;
            panels::fault_markers(&mut chart, &m.faults, c..c + 0.45, 3)?;
        }
        s.legend(&panels::fault_legend(style::run_color(0).mix(0.45)))
    }

    fn ratio<DB: DrawingBackend>(&self, s: &Slot<'_, DB>) -> Result<(), String> {
        let y = panels::ratio_axis();
        let mut chart = s.chart(&y)?;
        self.shade(&mut chart, y.range.clone())?;
        let mut slos: Vec<f64> = self.runs.iter().filter_map(|(_, m)| m.slo_min_success_ratio).collect();
        slos.sort_by(f64::total_cmp);
        slos.dedup();
        for slo in &slos {
            panels::dashed(&mut chart, (0.0, *slo), (s.x.range.end, *slo), style::SLO.stroke_width(2))?;
        }
        for (i, (_, m)) in self.runs.iter().enumerate().rev() {
            panels::ratio_line(&mut chart, &m.buckets, style::run_color(i))?;
        }
        let mut items = self.run_legend(|m| format!(": {:.4}", m.success_ratio));
        if !slos.is_empty() {
            let values: Vec<String> = slos.iter().map(|s| s.to_string()).collect();
            items.push((Swatch::Dashed(style::SLO, 2), format!("SLO: success ratio ≥ {}", values.join(", "))));
        }
        s.legend(&items)
    }

    fn failed<DB: DrawingBackend>(&self, s: &Slot<'_, DB>) -> Result<(), String> {
        let failed = |b: &super::model::BucketBar| b.failure_rates.iter().sum::<f64>();
        let max = self.runs.iter().flat_map(|(_, m)| m.buckets.iter().map(failed)).fold(0.0, f64::max);
        let ticks = style::ticks((max * 1.05).max(1.0), 4);
        let top = ticks.last().copied().unwrap_or(1.0);
        let fmt = |v: &f64| format!("{v}");
        let y = Axis { range: 0.0..top, ticks, desc: "failed requests / s", fmt: &fmt };
        let mut chart = s.chart(&y)?;
        self.shade(&mut chart, y.range.clone())?;
        for (i, (_, m)) in self.runs.iter().enumerate().rev() {
            let points: Vec<(f64, f64)> =
                m.buckets.iter().flat_map(|b| [(b.start_s, failed(b)), (b.end_s, failed(b))]).collect();
            chart.draw_series([PathElement::new(points, style::run_color(i).stroke_width(2))]).map_err(err)?;
        }
        s.legend(&self.run_legend(|m| format!(": {} failed", m.failed_requests)))
    }

    fn replicas<DB: DrawingBackend>(&self, s: &Slot<'_, DB>) -> Result<(), String> {
        let gauges: Vec<_> = self.runs.iter().filter_map(|(_, m)| m.gauges.first()).collect();
        let max = gauges.iter().map(|g| g.max()).max().unwrap_or(1).max(1);
        let fmt = |v: &f64| format!("{v:.0}");
        let y = Axis {
            range: 0.0..max as f64 * 1.15 + 0.2,
            ticks: style::count_ticks(max, 4),
            desc: "replicas running",
            fmt: &fmt,
        };
        let mut chart = s.chart(&y)?;
        self.shade(&mut chart, y.range.clone())?;
        for (i, g) in gauges.iter().enumerate().rev() {
            let c = style::run_color(i);
            let target = panels::step_points(&g.steps, |v| v.1 as f64);
            chart.draw_series([DashedPathElement::new(target, 7, 4, c.mix(0.6).stroke_width(2))]).map_err(err)?;
            let actual = panels::step_points(&g.steps, |v| v.0 as f64);
            chart.draw_series([PathElement::new(actual, c.stroke_width(2))]).map_err(err)?;
        }
        let mut items = self.run_legend(|_| String::new());
        items.push((Swatch::Dashed(style::TARGET, 2), "target (run colour)".into()));
        s.legend(&items)
    }
}
