//! Turning a figure into PNG and SVG bytes, in memory: the same drawing code runs on plotters'
//! bitmap and SVG backends, and nothing here touches the file system.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style;

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Width and height [px].
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// A drawing error as text.
pub fn err<E: std::fmt::Display>(e: E) -> String {
    format!("cannot draw plot: {e}")
}

/// The figure as an SVG document.
pub fn svg<F: Figure>(fig: &F) -> Result<String, String> {
    style::register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, fig.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        fig.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The figure as a PNG file (8-bit RGB).
pub fn png<F: Figure>(fig: &F) -> Result<Vec<u8>, String> {
    style::register_fonts();
    let (w, h) = fig.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        fig.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| format!("cannot encode PNG: {e}"))?;
    writer.write_image_data(&rgb).map_err(|e| format!("cannot encode PNG: {e}"))?;
    writer.finish().map_err(|e| format!("cannot encode PNG: {e}"))?;
    Ok(out)
}
