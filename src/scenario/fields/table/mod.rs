//! The table: every field of the scenario format, in file order, one module per section.
//!
//! Sources are Ray 2.60 (`ray-project/ray`), KubeRay (`ray-project/kuberay`, after v1.7.0) and
//! Kubernetes, as collected in `docs/ray-defaults.md`.

use super::Default::{Absent, Derived, Int, Json, MilliCpus, Num, Secs, Text};
use super::Source::{Cloud, Ftsim, Guess, Guide, KubeRay, Kubernetes, Ray};
use super::kinds::{DISTS, FAILURE_KINDS, FAULT_KINDS, SERVICE_TIMES, SHAPES};
use super::{Default, Field, Kind, Slot, slot};
use crate::engine::SimDuration;
use crate::scenario::defaults as d;

const fn s(v: u64) -> Default {
    Secs(SimDuration::from_secs(v))
}

const fn ms(v: u64) -> Default {
    Secs(SimDuration::from_millis(v))
}

/// `timings.worker_gcs_reconnect_timeout_s` with GCS fault tolerance: KubeRay's
/// `DefaultWorkerRayGcsReconnectTimeoutS` (see [`WORKER_GCS_RECONNECT_TIMEOUT_S`]).
pub const WORKER_GCS_RECONNECT_TIMEOUT_FT: SimDuration = SimDuration::from_secs(600);

/// Where the load balancer's health-check defaults come from.
const HEALTH_CHECK_SOURCE: &str = "GCP health checks (`checkIntervalSec`, `timeoutSec`, `unhealthyThreshold`, `healthyThreshold`), \
     https://cloud.google.com/compute/docs/reference/rest/v1/healthChecks";

/// Declares each field of a section as a constant, and `$list`, the section's fields in file
/// order.
macro_rules! fields {
    ($list:ident; $($(#[doc = $doc:literal])* $name:ident = $field:expr;)*) => {
        $($(#[doc = $doc])* pub const $name: Field = $field;)*
        /// This section's fields, in file order.
        pub const $list: &[Field] = &[$($name),*];
    };
}

/// `name`: 1-100 characters from `[A-Za-z0-9._-]`, not starting with `.`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !name.starts_with('.');
    ok.then_some(()).ok_or_else(|| {
        format!(
            "expected 1-100 characters from [A-Za-z0-9._-] not starting with '.', found {}",
            super::show::text(name)
        )
    })
}

/// `serve.deployment`: 1-100 characters from `[A-Za-z0-9_-]`.
fn check_deployment(name: &str) -> Result<(), String> {
    let ok =
        !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
    ok.then_some(())
        .ok_or_else(|| format!("expected 1-100 characters from [A-Za-z0-9_-], found {}", super::show::text(name)))
}

/// A pool or zone name: a lowercase DNS label.
fn check_label(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    ok.then_some(())
        .ok_or_else(|| format!("expected a lowercase DNS label (a-z, 0-9, '-'), found {}", super::show::text(name)))
}

/// A worker group's name: a lowercase DNS label other than `head`.
fn check_group_name(name: &str) -> Result<(), String> {
    match check_label(name) {
        Ok(()) if name != "head" => Ok(()),
        _ => Err(format!(
            "expected a lowercase DNS label (a-z, 0-9, '-'), not \"head\", found {}",
            super::show::text(name)
        )),
    }
}

const TIME_UNITS: &[&str] = &["s", "min", "h", "d"];

const NAME_PATTERN: &str = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$";
const DNS_LABEL: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
const REDIS_MODES: &[&str] = &["single", "ha", "external"];

mod cluster;
mod failures;
mod faults;
mod ingress;
mod run;
mod serve;
mod slo;
mod timings;
mod traffic;

pub use cluster::*;
pub use failures::*;
pub use faults::*;
pub use ingress::*;
pub use run::*;
pub use serve::*;
pub use slo::*;
pub use timings::*;
pub use traffic::*;

/// The sections' lists in file order.
const PARTS: [&[Field]; 9] = [
    RUN_FIELDS,
    CLUSTER_FIELDS,
    SERVE_FIELDS,
    INGRESS_FIELDS,
    TRAFFIC_FIELDS,
    FAULTS_FIELDS,
    FAILURES_FIELDS,
    SLO_FIELDS,
    TIMINGS_FIELDS,
];

/// How many fields there are.
const COUNT: usize = {
    let (mut n, mut i) = (0, 0);
    while i < PARTS.len() {
        n += PARTS[i].len();
        i += 1;
    }
    n
};

/// Every field, in file order: the sections' lists one after the other.
pub const FIELDS: &[Field] = &{
    let mut all = [PARTS[0][0]; COUNT];
    let (mut k, mut i) = (0, 0);
    while i < PARTS.len() {
        let mut j = 0;
        while j < PARTS[i].len() {
            all[k] = PARTS[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    all
};

/// Every field of `section` (`""` for the top level) that lives in a [`Slot`] of the raw scenario.
pub fn slotted(section: &str) -> impl Iterator<Item = &'static Field> {
    let section = section.to_string();
    FIELDS.iter().filter(move |f| !matches!(f.slot, Slot::Other) && f.section() == section)
}

/// A section of the format: its key (`""` for the top level), title and the prose around its
/// table in `docs/scenario-format.md`.
pub struct Section {
    /// The key of the section's object; `""` for the top level.
    pub key: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Before the table.
    pub intro: &'static str,
    /// After the table.
    pub outro: &'static str,
}

/// The sections, in file order.
pub const SECTIONS: &[Section] = &[
    Section { key: "", title: "The run", intro: "", outro: "" },
    Section {
        key: "cluster",
        title: "Cluster (`cluster.*`)",
        intro: "Kubernetes nodes, KubeRay worker groups, GCS fault tolerance and its Redis. The Ray pods must fit: \
                1 + the worker pods at most `k8s_nodes` x `ray_pods_per_node`.",
        outro: "",
    },
    Section {
        key: "serve",
        title: "Serve (`serve.*`)",
        intro: "The Serve applications, each with one deployment (its ingress; model composition, an ingress \
                calling other deployments, is not modelled). One application, as in the guide's working example, \
                is written with the shorthand: the deployment fields at the top of `serve` (route prefix `/`, every \
                request). Several are written as `serve.applications`, each with its name, route prefix, share of \
                the requests and deployment options (the same fields, with the same defaults); the top-level \
                deployment fields are then an error, never silently mixed in: give each application its own. \
                `proxy_location` stays serve-wide. Every deployment's replicas must fit under its \
                `max_replicas_per_node`, and all of them together in the cluster's CPUs.",
        outro: "Deployment names must be distinct across applications (replicas are `<deployment>#k`); a fault \
                that names a replica may name any deployment's. Each request goes to one application, drawn by the \
                shares; each deployment has its own replicas, placement (SPREAD per deployment) and routing, and \
                report.json gives each application's figures (docs/model.md, \"Several applications\"). Live mode \
                runs one application: `ftsim live` refuses several with exit code 2.",
    },
    Section {
        key: "ingress",
        title: "Ingress (`ingress.*`)",
        intro: "How clients reach the Serve proxies (choosing one: docs/model.md, \"Entry points\"). A pinned pod \
                must be able to run a proxy; a load balancer needs at least one backend, and its probes' timeout is at \
                most their period.",
        outro: "",
    },
    Section { key: "traffic", title: "Traffic (`traffic.*`)", intro: "Client load.", outro: "" },
    Section {
        key: "faults",
        title: "Faults (`faults[]`)",
        intro: "Each fault has a `kind`, an `at_s` and the fields of its kind (see the fault kinds below).",
        outro: "",
    },
    Section {
        key: "failures",
        title: "Failure processes (`failures[]`)",
        intro: "Faults drawn over the run, alongside the scripted `faults`: each process has a `kind` (a fault \
                kind, `rolling_restart` or `zone_loss`), a time-to-failure distribution `ttf` and the fields of \
                its kind. A `ttf` is per instance: `{\"kind\": \"node_loss\", \"ttf\": {\"kind\": \"exponential\", \
                \"mean\": 168, \"unit\": \"h\"}}` with 3 nodes loses a node every 56 h on average. The seed draws \
                the faults: see docs/failures.md.",
        outro: "",
    },
    Section { key: "slo", title: "SLO (`slo.*`)", intro: "The steady-state hypothesis.", outro: "" },
    Section {
        key: "timings",
        title: "Timings (`timings.*`)",
        intro: "Each default is Ray's, KubeRay's or Kubernetes' real default, with its source, or a **GUESS**.",
        outro: "Fixed mechanisms (not configurable in Ray either): 3 consecutive failed replica health checks \
                (`REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD`), 3 consecutive failed proxy health checks, health-check \
                jitter x U(0.9, 1.1) and the 2.60 controller's sweep of 0.5 x min(period, 10 s), the drain poll of \
                2 s (`graceful_shutdown_wait_loop_s`), min(20, 3 x replicas) constructor retries, no constructor \
                back-off (2.60).",
    },
];
