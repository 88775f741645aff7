//! Node pools and zones from the pod templates' placement: a `nodeSelector`, or a required
//! `nodeAffinity` whose terms pin one value, on a cloud's node-pool label
//! (`cloud.google.com/gke-nodepool`, `eks.amazonaws.com/nodegroup`, ...) or on
//! `topology.kubernetes.io/zone` becomes the scenario's `cluster.node_pools`, `cluster.head_pool`
//! and `worker_groups[].pool`. The YAML does not say how many nodes a pool holds: one node per
//! pod placed there is assumed, with a warning, as for the cluster's node count. Other keys stay
//! warnings; nothing is guessed for a group with no placement (it goes to a pool `default`).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Level, Reader, items, shown};
use crate::scenario::error::JsonPath;
use crate::scenario::yaml::{Node, Value};

/// Node labels that name a node pool: GKE, EKS (managed node groups), AKS, Karpenter.
const POOL_KEYS: &[&str] = &[
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "kubernetes.azure.com/agentpool",
    "karpenter.sh/nodepool",
];

/// Node labels that name a zone (the well-known one and its deprecated beta form).
const ZONE_KEYS: &[&str] = &["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];

/// The pool of a group's pods when its template places them nowhere in particular.
const DEFAULT_POOL: &str = "default";

/// Where a group's pod template places its pods: a pool label's value and a zone label's, each
/// with the YAML node and path it came from.
#[derive(Default)]
pub(super) struct Placement<'n> {
    pool: Option<(String, &'n Node, JsonPath)>,
    zone: Option<(String, &'n Node, JsonPath)>,
}

impl Placement<'_> {
    /// The model's pool for this placement: the pool label, else the zone (a pool per zone), else
    /// [`DEFAULT_POOL`].
    fn pool_name(&self) -> String {
        self.pool.as_ref().or(self.zone.as_ref()).map_or_else(|| DEFAULT_POOL.to_string(), |(v, _, _)| v.clone())
    }

    fn is_empty(&self) -> bool {
        self.pool.is_none() && self.zone.is_none()
    }
}

/// The placement of the pods of `group` (at `path`): its `template.spec.nodeSelector` and the
/// required terms of its `template.spec.affinity.nodeAffinity`.
pub(super) fn placement<'n>(r: &mut Reader<'_>, group: &'n Node, path: &JsonPath) -> Placement<'n> {
    let mut out = Placement::default();
    let spec_path = path.key("template").key("spec");
    let Some(spec) = r.take(group, "template").and_then(|t| r.take(t, "spec")) else { return out };
    if let Some(selector) = r.take(spec, "nodeSelector") {
        let sel_path = spec_path.key("nodeSelector");
        if let Value::Map(entries) = &selector.value {
            for (key, node) in entries {
                label(r, &mut out, key, node, &sel_path.key(key));
            }
        }
        r.use_node(selector);
    }
    if let Some(required) = r
        .take(spec, "affinity")
        .and_then(|a| r.take(a, "nodeAffinity"))
        .and_then(|n| r.take(n, "requiredDuringSchedulingIgnoredDuringExecution"))
    {
        let req_path =
            spec_path.key("affinity").key("nodeAffinity").key("requiredDuringSchedulingIgnoredDuringExecution");
        required_terms(r, &mut out, required, &req_path);
    }
    out
}

/// A required node affinity: one term whose `matchExpressions` each pin one value (`In` with a
/// single value) is read like a `nodeSelector`; several terms (any of which may hold) or an
/// expression with other operators or several values say no single pool or zone: a warning.
fn required_terms<'n>(r: &mut Reader<'_>, out: &mut Placement<'n>, required: &'n Node, path: &JsonPath) {
    r.use_node(required);
    let terms = required.get("nodeSelectorTerms").map(items).unwrap_or_default();
    let terms_path = path.key("nodeSelectorTerms");
    if terms.len() != 1 {
        let msg = format!(
            "{} node selector terms, any of which may hold, name no single pool or zone: not used",
            terms.len()
        );
        r.notice(Level::Warning, required, &terms_path, msg);
        return;
    }
    let exprs_path = terms_path.index(0).key("matchExpressions");
    for (i, expr) in terms[0].get("matchExpressions").map(items).unwrap_or_default().iter().enumerate() {
        let p = exprs_path.index(i);
        let key = expr.get("key").and_then(Node::as_str);
        let op = expr.get("operator").and_then(Node::as_str);
        let values = expr.get("values").map(items).unwrap_or_default();
        match (key, op, values) {
            (Some(key), Some("In"), [one]) => label(r, out, key, one, &p.key("values").index(0)),
            _ => {
                let msg = "only an `In` expression with one value names a pool or zone: not used";
                r.notice(Level::Warning, expr, &p, msg);
            }
        }
    }
}

/// One node label `key` = `node` of a selector at `path`: a pool's, a zone's, or a warning.
fn label<'n>(r: &mut Reader<'_>, out: &mut Placement<'n>, key: &str, node: &'n Node, path: &JsonPath) {
    let slot = if POOL_KEYS.contains(&key) {
        &mut out.pool
    } else if ZONE_KEYS.contains(&key) {
        &mut out.zone
    } else {
        let msg = format!(
            "`{key}` is no node pool label ({}) nor a zone label ({}): this placement is not used",
            POOL_KEYS.join(", "),
            ZONE_KEYS[0]
        );
        r.notice(Level::Warning, node, path, msg);
        return;
    };
    match node.as_str() {
        Some(v) => *slot = Some((v.to_string(), node, path.clone())),
        None => r.error(node, path, format!("expected a node label value (a string), found {}", shown(node))),
    }
}

/// One pool of the scenario being built: its zone (with where it came from) and its pods.
struct Pool<'n> {
    zone: Option<(String, &'n Node, JsonPath)>,
    pods: u64,
}

/// Sets `cluster.node_pools`, `cluster.head_pool` and each group's `pool` from the head's
/// placement and the groups' (with their pod counts), unless no pod template places its pods.
/// `spec` at `path` is the cluster spec (where the notices about node counts go).
pub(super) fn write<'n>(
    r: &mut Reader<'_>,
    spec: &Node,
    path: &JsonPath,
    head: Placement<'n>,
    groups: Vec<(Placement<'n>, u64)>,
) {
    if head.is_empty() && groups.iter().all(|(p, _)| p.is_empty()) {
        return;
    }
    let mut pools: BTreeMap<String, Pool<'n>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut add = |r: &mut Reader<'_>, placement: &Placement<'n>, pods: u64| {
        let name = placement.pool_name();
        if !pools.contains_key(&name) {
            order.push(name.clone());
        }
        let pool = pools.entry(name.clone()).or_insert(Pool { zone: None, pods: 0 });
        pool.pods += pods;
        if let Some((zone, node, p)) = &placement.zone {
            match &pool.zone {
                Some((first, _, _)) if first != zone => {
                    let msg = format!("pool {name} is in zone {first} already: a pool has one zone in the model");
                    r.notice(Level::Warning, node, p, msg);
                }
                Some(_) => {}
                None => pool.zone = Some((zone.clone(), node, p.clone())),
            }
        }
        name
    };
    let head_pool = add(r, &head, 1);
    let group_pools: Vec<String> = groups.iter().map(|(p, pods)| add(r, p, *pods)).collect();
    let mut entries = Vec::new();
    for (i, name) in order.iter().enumerate() {
        let pool = &pools[name];
        let nodes = pool.pods.max(1);
        let mut entry = json!({"name": name, "nodes": nodes});
        if let Some((zone, node, p)) = &pool.zone {
            entry["zone"] = json!(zone);
            r.origin(JsonPath::root().key("cluster").key("node_pools").index(i).key("zone"), node, p);
        }
        entries.push(entry);
        let msg = format!(
            "the YAML does not say how many nodes pool {name} holds: one per Ray pod placed there assumed \
             ({nodes}); set cluster.node_pools[{i}].nodes to your pool's size"
        );
        r.notice(Level::Warning, spec, path, msg);
    }
    r.set("cluster.node_pools", json!(entries), spec, path);
    let nodes: u64 = order.iter().map(|name| pools[name].pods.max(1)).sum();
    r.set("cluster.k8s_nodes", json!(nodes), spec, path);
    let origin = |p: &Placement<'n>| p.pool.as_ref().or(p.zone.as_ref()).map(|(_, n, path)| (*n, path.clone()));
    let (node, p) = origin(&head).unwrap_or((spec, path.clone()));
    r.set("cluster.head_pool", json!(head_pool), node, &p);
    for (i, ((placement, _), name)) in groups.iter().zip(group_pools).enumerate() {
        let (node, p) = origin(placement).unwrap_or((spec, path.clone()));
        r.set(&format!("cluster.worker_groups[{i}].pool"), json!(name), node, &p);
    }
}
