//! The scenarios shipped in `scenarios/`, built into the binary.

/// (name, JSON) of every bundled scenario, the default first.
pub const BUNDLED: &[(&str, &str)] = &[];

/// The scenario `ftsim run` uses without a file.
pub const DEFAULT_NAME: &str = "working-example";
