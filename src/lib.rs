//! ftsim: a deterministic discrete-event simulator of cluster failures for Ray Serve
//! applications on Kubernetes with KubeRay, and a live mode that replays the same scenarios
//! against a real local Ray cluster.
//!
//! # Layers
//!
//! Each module imports only the layers below its own; modules of one layer are siblings and do
//! not import each other. `tests/layering.rs` reads every `crate::` path of `src/` and fails on
//! an import against this diagram, naming the file, the line and the edge.
//!
//! ```text
//! cli                          commands, arguments, exit codes
//!  report                      report.json, timeseries.csv, events.log, plots, HTML, run directories
//!  sim | live                  the model | the same scenario on a real local Ray cluster
//!  metrics                     observations -> outcomes, downtime, per-fault recovery, SLO
//!  policy | traffic | journal  rules both modes share: operators, kubelet, fault targets,
//!                              the arrival stream, names, the events log's records
//!  scenario                    raw JSON or YAML (or an imported RayService) -> defaults ->
//!                              validated domain types
//!  engine | names              typed time, event queue, seeded random streams | the names of
//!                              nodes, pods and random streams
//! ```
//!
//! - [`engine`] and [`names`] import nothing of the crate: the engine knows no Ray, no
//!   Kubernetes, no scenario.
//! - [`scenario`] builds on the engine's time and random streams and on the names.
//! - [`policy`], [`traffic`] and [`journal`] hold the rules the simulator and live mode must
//!   agree on; they may use each other and the layers below.
//! - [`metrics`] imports neither [`sim`] nor [`live`]: both feed it the same observations.
//! - [`sim`] and [`live`] are siblings: neither imports the other.
//! - [`study`] runs the simulator over many seeds in parallel and computes the statistics of
//!   the runs' figures (`sim | live <- study <- report`).
//! - [`report`] renders what either mode measured, and what a study computed; [`cli`] wires everything to the command line.
//!
//! # Example
//!
//! A scenario in, a simulated run's metrics out (the working example with one replica crash):
//!
//! ```
//! use ftsim::metrics::Metrics;
//!
//! let loaded = ftsim::scenario::parse(r#"{"faults": [{"kind": "replica_crash", "at_s": 60}]}"#, "doc").unwrap();
//! let run = ftsim::sim::run(&loaded.scenario).unwrap();
//! let metrics = Metrics::compute(&loaded.scenario, &run.observations);
//! // The guide: a crashed replica costs only the requests it was serving, here none.
//! assert_eq!(metrics.failures(), 0);
//! assert!(metrics.slo.holds);
//! ```

pub mod cli;
pub mod engine;
pub mod journal;
pub mod live;
pub mod metrics;
pub mod names;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod study;
pub mod traffic;
