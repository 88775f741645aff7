//! The Ray driver's Python package (`python/ftsim_ray`), built into the binary like the live
//! helper's: written to a private temporary directory and run as `python -m ftsim_ray`.

/// The package's name (`python -m ftsim_ray`).
pub const PACKAGE: &str = "ftsim_ray";

/// Each module's file name and text.
pub const FILES: &[(&str, &str)] = &[
    ("__init__.py", include_str!("../../../python/ftsim_ray/__init__.py")),
    ("__main__.py", include_str!("../../../python/ftsim_ray/__main__.py")),
    ("driver.py", include_str!("../../../python/ftsim_ray/driver.py")),
    ("protocol.py", include_str!("../../../python/ftsim_ray/protocol.py")),
    ("task.py", include_str!("../../../python/ftsim_ray/task.py")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_embeds_every_module_of_the_driver_package() {
        crate::live::local_ray::tests::assert_embeds_every_module(PACKAGE, FILES);
    }
}
