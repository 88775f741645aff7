//! Validated domain types: what the simulator and live mode consume. Every value here has passed
//! the checks in [`super::validate`]; times are [`SimDuration`]s, probabilities integer thresholds.

mod cluster;
mod faults;
mod serve;
mod timings;
mod traffic;

pub use super::resources::Resources;
pub use cluster::*;
pub use faults::*;
pub use serve::*;
pub use timings::*;
pub use traffic::*;

use crate::engine::SimDuration;
use crate::names;

/// A complete, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name, used for output directories.
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// Length of the arrival window; the run drains in-flight requests after it.
    pub duration: SimDuration,
    /// Seed of every random stream.
    pub seed: u64,
    /// Time-series bucket width.
    pub bucket: SimDuration,
    /// Topology.
    pub cluster: Cluster,
    /// The Serve deployment.
    pub serve: Serve,
    /// Mechanism timings.
    pub timings: Timings,
    /// How clients reach the proxies.
    pub ingress: Ingress,
    /// Client load.
    pub traffic: Traffic,
    /// Fault timeline, sorted by injection time (stable for equal times): the scripted faults
    /// as parsed; [`crate::policy::failures::expand`] merges in those the failure processes
    /// draw for the scenario's seed.
    pub faults: Vec<Fault>,
    /// Failure processes, in file order.
    pub failures: Vec<FailureProcess>,
    /// Steady-state hypothesis.
    pub slo: Slo,
}

/// Steady-state hypothesis.
#[derive(Clone, Debug)]
pub struct Slo {
    /// Minimum overall success ratio.
    pub min_success_ratio: f64,
    /// Longest acceptable total downtime.
    pub max_downtime: Option<SimDuration>,
    /// Most acceptable failed requests.
    pub max_failed_requests: Option<u64>,
    /// Bad seconds at most this far apart belong to one brownout episode.
    pub brownout_merge_gap: SimDuration,
}

impl Scenario {
    /// The traffic mode this run uses, and why.
    pub fn traffic_mode(&self) -> super::traffic_mode::ModeChoice {
        super::traffic_mode::choose_for(self.duration, &self.traffic, &self.serve)
    }

    /// Names of the Ray pods at the start of the run: `head`, then each group's pods.
    pub fn initial_ray_pods(&self) -> Vec<String> {
        let mut v = vec![names::HEAD_POD.to_string()];
        for g in &self.cluster.worker_groups {
            for i in 1..=g.replicas {
                v.push(names::worker_pod(&g.name, i));
            }
        }
        v
    }
}
