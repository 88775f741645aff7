//! The fields an import left over, each listed with its place: a note when it has no bearing on
//! failures (an image, a port, a label), a warning otherwise (with its reason when it has one
//! and was not read at all; of a field read in part, the parts left over). Values are never shown (one could
//! be a secret).

use std::collections::BTreeSet;

use super::{Level, Notice};
use crate::scenario::error::JsonPath;
use crate::scenario::yaml::{Node, Value};

/// Fields with no bearing on failures: a note each.
const NO_BEARING: &[&str] = &[
    "args",
    "block",
    "command",
    "dashboard-host",
    "headServiceAnnotations",
    "image",
    "imagePullPolicy",
    "imagePullSecrets",
    "import_path",
    "importPath",
    "labels",
    "lifecycle",
    "logging_config",
    "metrics-export-port",
    "name",
    "node-ip-address",
    "ports",
    "rayVersion",
    "route_prefix",
    "routePrefix",
    "runtime_env",
    "runtimeEnv",
    "securityContext",
    "serviceAccountName",
    "serviceType",
    "volumeMounts",
    "volumes",
    "workingDir",
];

/// Why a field that bears on failures has no place, by its name.
const REASONS: &[(&[&str], &str)] = &[
    (
        &["nodeSelector", "affinity", "tolerations", "topologySpreadConstraints"],
        "pod placement is not read here (only a Ray group's nodeSelector or required node affinity on a node-pool \
         or zone label is): give the scenario node pools (cluster.node_pools) and each group its pool \
         (worker_groups[].pool) by hand",
    ),
    (&["podAffinity", "podAntiAffinity"], "pod (anti-)affinity has no place in the model (pods go to pools)"),
    (
        &["preferredDuringSchedulingIgnoredDuringExecution"],
        "a preferred node affinity has no place in the model (only a required one places pods in pools)",
    ),
    (&["livenessProbe", "readinessProbe"], "the model has KubeRay's default probes (timings.readiness_*)"),
    (
        &["idleTimeoutSeconds"],
        "a worker group's own idle timeout has no place in the model (cluster.autoscaler.idle_timeout_s is the \
         cluster's)",
    ),
    (
        &["serviceUnhealthySecondThreshold", "deploymentUnhealthySecondThreshold"],
        "KubeRay's unhealthy thresholds have no place in the model",
    ),
    (&["upgradeStrategy"], "upgrades have no place in the model"),
];

/// Lists what `doc` (a whole document) left unread.
pub(super) fn list(doc: &Node, read: &BTreeSet<usize>, whole: &BTreeSet<usize>, out: &mut Vec<Notice>) {
    list_under(doc, &JsonPath::root(), read, whole, out);
}

/// Lists what `node`, at `path`, left unread: `read` holds the nodes read, `whole` those read
/// with everything under them.
pub(super) fn list_under(
    node: &Node,
    path: &JsonPath,
    read: &BTreeSet<usize>,
    whole: &BTreeSet<usize>,
    out: &mut Vec<Notice>,
) {
    let id = |n: &Node| n as *const Node as usize;
    if whole.contains(&id(node)) {
        return;
    }
    let children: Vec<(JsonPath, Option<&str>, &Node)> = match &node.value {
        Value::Map(entries) => entries.iter().map(|(k, v)| (path.key(k), Some(k.as_str()), v)).collect(),
        Value::Seq(items) => items.iter().enumerate().map(|(i, v)| (path.index(i), None, v)).collect(),
        _ => {
            if !read.contains(&id(node)) {
                out.push(notice(Level::Warning, node, path, "no place in the model: not used"));
            }
            return;
        }
    };
    for (p, key, child) in children {
        if whole.contains(&id(child)) || (read.contains(&id(child)) && !is_collection(child)) {
            continue;
        }
        let key = key.unwrap_or_default();
        if NO_BEARING.contains(&key) {
            out.push(notice(Level::Note, child, &p, "no bearing on the model: not used"));
        } else if let Some((_, why)) = REASONS.iter().find(|(keys, _)| keys.contains(&key))
            && !read.contains(&id(child))
        {
            out.push(notice(Level::Warning, child, &p, &format!("{why}: not used")));
        } else {
            list_under(child, &p, read, whole, out);
        }
    }
}

fn is_collection(node: &Node) -> bool {
    matches!(node.value, Value::Seq(_) | Value::Map(_))
}

fn notice(level: Level, node: &Node, path: &JsonPath, message: &str) -> Notice {
    Notice { level, position: (node.line, node.col), path: path.clone(), message: message.to_string() }
}
