//! Availability plots, drawn with plotters from a [`RunData`] alone: [`model`] computes what to
//! show (pure, tested), the figures place it, and `render` turns a figure into PNG and SVG. The
//! distribution plots of a Monte Carlo study work the same way from [`histogram`].

mod distributions;
pub mod histogram;
pub mod model;
mod overlay;
mod panels;
mod render;
mod style;
mod timeline;

pub use distributions::Sample;
use model::PlotModel;

use super::run_data::RunData;

/// A figure in both formats.
pub struct Images {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// SVG document.
    pub svg: String,
}

/// The availability timeline of one run.
pub fn timeline(run: &RunData) -> Result<Images, String> {
    let model = PlotModel::from_run(run);
    let fig = timeline::Timeline(&model);
    Ok(Images { png: render::png(&fig)?, svg: render::svg(&fig)? })
}

/// The overlay of labelled runs on one time axis; the first is the baseline.
pub fn overlay(runs: &[(String, &RunData)]) -> Result<Images, String> {
    let models: Vec<(String, PlotModel)> = runs.iter().map(|(l, r)| (l.clone(), PlotModel::from_run(r))).collect();
    let fig = overlay::Overlay { runs: &models };
    Ok(Images { png: render::png(&fig)?, svg: render::svg(&fig)? })
}

/// The distributions of a Monte Carlo study's metrics: a histogram and an empirical CDF each.
pub fn distributions(title: &str, subtitle: &str, samples: &[Sample]) -> Result<Images, String> {
    let fig = distributions::Distributions { title: title.to_string(), subtitle: subtitle.to_string(), samples };
    Ok(Images { png: render::png(&fig)?, svg: render::svg(&fig)? })
}
