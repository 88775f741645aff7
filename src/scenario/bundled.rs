//! The scenarios shipped in `scenarios/`, built into the binary so that `ftsim run NAME` and the
//! tests use exactly the files users read.

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        /// (name, JSON) of every bundled scenario; the default first.
        pub const BUNDLED: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../scenarios/", $name, ".json")))),*
        ];
    };
}

bundled!(
    "working-example",
    "replica-crash",
    "replica-health-check-failure",
    "replica-constructor-failure",
    "controller-crash",
    "proxy-crash",
    "worker-pod-deletion",
    "worker-node-loss",
    "head-pod-crash-gcs-ft",
    "head-pod-crash-no-gcs-ft",
    "head-node-loss-gcs-ft",
    "redis-outage",
    "redis-outage-during-head-crash",
    "replica-crash-while-controller-down",
    "controller-killed-for-good",
    "month-of-node-failures",
    "gcs-crash-gcs-ft",
    "gcs-crash-no-gcs-ft",
    "worker-container-oom-kill",
    "zone-outage",
    "worker-failures-behind-load-balancer",
    "gpu-worker-loss",
    "worker-node-partition",
    "autoscaling-peak",
    "cluster-autoscaling-peak",
    "worker-node-unreachable",
    "two-applications",
);

/// The scenario `ftsim run` uses without a file: the guide's walkthrough.
pub const DEFAULT_NAME: &str = "working-example";

/// A bundled scenario by name (`replica-crash` or `replica-crash.json`).
pub fn by_name(name: &str) -> Option<(&'static str, &'static str)> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    BUNDLED.iter().copied().find(|(n, _)| *n == name)
}

/// The bundled scenario name closest to a mistyped `name` (a bare name or a file path such as
/// `scenarios/replica-crsh.json`), if one is close.
pub fn closest_name(name: &str) -> Option<&'static str> {
    let stem = std::path::Path::new(name).file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    super::suggest::closest(&stem, BUNDLED.iter().map(|(n, _)| *n))
}
