//! The Ray resources of a pod or a replica (GPUs, memory, custom resources beside its CPUs), and
//! whether a replica can ever be placed.

use std::collections::BTreeMap;

use super::check::Checker;
use crate::scenario::error::JsonPath;
use crate::scenario::fields::Field;
use crate::scenario::model::{Cluster, Resources};
use crate::scenario::raw::RawQuantity;
use crate::scenario::resources::Shortfall;
use crate::scenario::show;

/// Resource names Ray reserves: they are given by their own fields, not in `resources`.
const RESERVED: [&str; 4] = ["CPU", "GPU", "memory", "object_store_memory"];

/// The fields of one place that gives resources: GPUs, memory, custom resources.
pub(super) struct ResourceFields {
    /// The GPUs' field.
    pub gpus: &'static Field,
    /// The memory's field.
    pub memory: &'static Field,
    /// The custom resources' field.
    pub custom: &'static Field,
}

/// What one place gives, as written.
pub(super) struct Given<'a> {
    /// GPUs.
    pub gpus: Option<f64>,
    /// Memory.
    pub memory: Option<&'a RawQuantity>,
    /// Custom resources.
    pub custom: Option<&'a BTreeMap<String, f64>>,
}

/// The last key of a field's path (`num_gpus` of `cluster.worker_groups[].num_gpus`).
pub(super) fn key_of(f: &Field) -> &'static str {
    f.path.rsplit('.').next().unwrap_or(f.path)
}

/// Checks `given` (its fields under `base`) and returns the resources with `cpus` (1/10000).
pub(super) fn resources(
    ck: &mut Checker,
    fields: &ResourceFields,
    base: &JsonPath,
    cpus: u64,
    given: &Given<'_>,
) -> Resources {
    let gpus = given.gpus.map_or(0, |v| {
        let path = base.key(key_of(fields.gpus));
        ck.num(fields.gpus, path, v);
        fields.gpus.units_of(v)
    });
    let memory = given.memory.map_or(0, |q| {
        q.bytes().unwrap_or_else(|msg| {
            ck.err(base.key(key_of(fields.memory)), msg);
            0
        })
    });
    let mut custom = BTreeMap::new();
    for (name, &v) in given.custom.into_iter().flatten() {
        let path = base.key(key_of(fields.custom)).key(name);
        if name.is_empty() || RESERVED.contains(&name.as_str()) {
            let msg = format!(
                "expected a custom resource name (CPUs, GPUs and memory have their own fields), found {}",
                show::text(name)
            );
            ck.err(path, msg);
            continue;
        }
        ck.num(fields.custom, path, v);
        let units = fields.custom.units_of(v);
        if units > 0 {
            custom.insert(name.clone(), units);
        }
    }
    Resources { cpus, gpus, memory, custom }
}

/// The pods a replica could go to, with their resources: the head and every group that has pods.
fn pod_kinds(cluster: &Cluster) -> Vec<(String, &Resources)> {
    let groups = cluster.worker_groups.iter().filter(|g| g.replicas > 0);
    std::iter::once(("the head".to_string(), &cluster.head_resources))
        .chain(groups.map(|g| (format!("group {}", show::text(&g.name)), &g.resources)))
        .collect()
}

/// Whether a replica needing `need` fits on an empty pod of some kind; when it fits on none
/// (`false`), the error names the first resource no pod has enough of (at `path_of` its name) or, when
/// each resource is somewhere but never all together, `base` (the deployment's options).
pub(super) fn check_placeable(
    ck: &mut Checker,
    cluster: &Cluster,
    need: &Resources,
    base: &JsonPath,
    path_of: impl Fn(&str) -> JsonPath,
) -> bool {
    let kinds = pod_kinds(cluster);
    if kinds.iter().any(|(_, has)| has.fits(need)) {
        return true;
    }
    let missing = need.amounts().find(|&(name, n, _)| kinds.iter().all(|(_, has)| has.amount(name) < n));
    let (path, msg) = match missing {
        Some((name, n, bytes)) => {
            let short = |have: u64| Shortfall { name: name.to_string(), have, need: n, bytes };
            let listed: Vec<String> = kinds
                .iter()
                .map(|(who, has)| format!("{who} has {}", short(has.amount(name)).show(has.amount(name))))
                .collect();
            let msg = format!(
                "a replica needs {} but no pod has that much ({}): it could never be placed",
                short(0).show(n),
                show::list(&listed)
            );
            (path_of(name), msg)
        }
        None => {
            let listed: Vec<String> = kinds
                .iter()
                .filter_map(|(who, has)| has.shortfall(need).map(|s| format!("{who} has {}", s.show(s.have))))
                .collect();
            let msg = format!(
                "no pod has every resource a replica needs together ({}): it could never be placed",
                show::list(&listed)
            );
            (base.clone(), msg)
        }
    };
    ck.err(path, msg);
    false
}
