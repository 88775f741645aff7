//! The scenario file as written by a user: serde structs that mirror the JSON one to one.
//!
//! Every struct rejects unknown fields, and every field that has a default is optional here; the
//! defaults are filled in by [`super::resolve`] and every value is checked by [`super::validate`],
//! which turns these raw structs into the domain types of [`super::model`]; both take each
//! field's default and limits from the table of [`super::fields`]. Times are seconds (`_s`
//! suffix).

mod cluster;
mod faults;
mod serve;
mod timings;
mod traffic;

pub use cluster::*;
pub use faults::*;
pub use serve::*;
pub use timings::*;
pub use traffic::*;

use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// The JSON Schema the file follows (`ftsim schema`), for editors; not recorded in reports.
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_s: Option<f64>,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub serve: RawServe,
    #[serde(default)]
    pub timings: RawTimings,
    #[serde(default)]
    pub ingress: RawIngress,
    #[serde(default)]
    pub traffic: RawTraffic,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// Recorded only when given, so that reports of scenarios without processes stay as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<RawFailure>,
    #[serde(default)]
    pub slo: RawSlo,
}

/// The steady-state hypothesis.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_success_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_downtime_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failed_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brownout_merge_gap_s: Option<f64>,
}
