//! Fonts, colours, sizes and tick placement shared by every figure.
//!
//! Text is drawn with DejaVu Sans (assets/fonts/, Bitstream Vera licence) embedded in the
//! binary, so figures render the same on a machine with no fonts installed. SVG files name the
//! generic `sans-serif` family, which every viewer has.

use std::sync::Once;

use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};

use crate::metrics::observations::FailureCause;

/// The font family figures ask for.
pub const FAMILY: &str = "sans-serif";

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let ok = plotters::style::register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, BOLD).is_ok();
        assert!(ok, "the embedded DejaVu Sans fonts parse");
    });
}

/// Body text [px].
pub const TEXT_PX: f64 = 16.0;
/// Axis titles [px].
pub const AXIS_PX: f64 = 17.0;
/// Figure title [px].
pub const TITLE_PX: f64 = 28.0;
/// Figure subtitle [px].
pub const SUBTITLE_PX: f64 = 17.0;

/// A text style of the embedded family.
pub fn text(px: f64, color: RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), px, FontStyle::Normal).color(&color)
}

/// A bold text style of the embedded family.
pub fn bold(px: f64, color: RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), px, FontStyle::Bold).color(&color)
}

/// Body text colour.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text colour.
pub const MUTED: RGBColor = RGBColor(0x5f, 0x63, 0x68);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xe3, 0xe5, 0xe8);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(0x80, 0x86, 0x8b);
/// The success-ratio line.
pub const RATIO: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
/// The SLO threshold.
pub const SLO: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
/// Successful requests.
pub const SUCCESS: RGBColor = RGBColor(0x59, 0xa1, 0x4f);
/// Detection markers.
pub const DETECTED: RGBColor = RGBColor(0xd3, 0x54, 0x00);
/// Recovery markers.
pub const RECOVERED: RGBColor = RGBColor(0x1e, 0x84, 0x49);
/// Downtime episodes.
pub const DOWNTIME: RGBColor = RGBColor(0xd6, 0x27, 0x28);
/// Brownout episodes (runs of seconds under the SLO's success ratio).
pub const BROWNOUT: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
/// A count (replicas running, ...).
pub const ACTUAL: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// Its target.
pub const TARGET: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// A component that is up.
pub const UP: RGBColor = RGBColor(0x8c, 0xc0, 0x84);
/// A component that is down.
pub const DOWN: RGBColor = RGBColor(0xe1, 0x57, 0x59);
/// A component that plays no part in the run.
pub const UNUSED: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

/// Fault windows shaded behind the data (one colour: overlaps just darken).
pub const WINDOW: RGBColor = RGBColor(0xf2, 0xa5, 0x41);
/// Fault bars in the fault strip, by fault index (cycled).
pub const FAULTS: [RGBColor; 4] =
    [RGBColor(0xf2, 0xa5, 0x41), RGBColor(0x6f, 0xa8, 0xdc), RGBColor(0xb3, 0x8d, 0xdb), RGBColor(0x4d, 0xb6, 0xac)];

/// Runs in an overlay, by run index (cycled).
pub const RUNS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// The colour of a fault window.
pub fn fault_color(index: usize) -> RGBColor {
    FAULTS[index % FAULTS.len()]
}

/// The colour of a run in an overlay.
pub fn run_color(index: usize) -> RGBColor {
    RUNS[index % RUNS.len()]
}

/// The colour of a failure cause.
pub fn cause_color(c: FailureCause) -> RGBColor {
    match c {
        FailureCause::NoEndpoint => RGBColor(0xe1, 0x57, 0x59),
        FailureCause::ProxyUnavailable => RGBColor(0xf2, 0x8e, 0x2b),
        FailureCause::ReplicaDied => RGBColor(0xb0, 0x7a, 0xa1),
        FailureCause::DeploymentUnavailable => RGBColor(0x9c, 0x75, 0x5f),
        FailureCause::Timeout => RGBColor(0xed, 0xc9, 0x48),
        FailureCause::Unfinished => RGBColor(0x79, 0x70, 0x6e),
    }
}

/// Tick positions from 0 to at least `max` with a 1-2-5 step, at most about `n` of them.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let count = (max / step).ceil() as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// Time ticks \[s\]: steps that read as time (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10 min, ...).
pub fn time_ticks(duration_s: f64, n: usize) -> Vec<f64> {
    const STEPS: [f64; 14] = [1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0];
    let d = if duration_s.is_finite() && duration_s > 0.0 { duration_s } else { 1.0 };
    let step =
        STEPS.iter().copied().find(|s| d / s <= n as f64).unwrap_or_else(|| (d / n as f64 / 3600.0).ceil() * 3600.0);
    let count = (d / step).floor() as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// Integer ticks from 0 to `max` (at most about `n`).
pub fn count_ticks(max: u32, n: usize) -> Vec<f64> {
    let step = (max as usize).div_ceil(n.max(1)).max(1);
    (0..=max as usize).step_by(step).map(|v| v as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range_with_round_steps() {
        assert_eq!(ticks(1.0, 5), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!(ticks(37.0, 5), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(time_ticks(240.0, 12), (0..=12).map(|i| i as f64 * 20.0).collect::<Vec<_>>());
        assert_eq!(time_ticks(180.0, 12), (0..=12).map(|i| i as f64 * 15.0).collect::<Vec<_>>());
        assert_eq!(count_ticks(6, 6), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(count_ticks(20, 5), vec![0.0, 4.0, 8.0, 12.0, 16.0, 20.0]);
    }
}
