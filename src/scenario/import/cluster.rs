//! The Ray cluster of a RayCluster spec (or a RayService's `rayClusterConfig`): the head's CPUs,
//! the worker groups and their pods, and the Kubernetes nodes that hold them.

use serde_json::json;

use super::gcs::Address;
use super::{Level, Reader, items, shown, whole};
use crate::scenario::error::JsonPath;
use crate::scenario::quantity;
use crate::scenario::yaml::{Node, Value};

/// Reads the head group and the worker groups; returns the Redis address the head's
/// environment gives (`RAY_REDIS_ADDRESS`), if any.
pub(super) fn read<'n>(r: &mut Reader<'_>, spec: &'n Node, path: &JsonPath) -> Option<Address<'n>> {
    let mut pods: u64 = 1;
    let head_path = path.key("headGroupSpec");
    let mut head_address = None;
    let mut head_placement = super::pools::Placement::default();
    match r.take(spec, "headGroupSpec") {
        Some(head) => {
            head_placement = super::pools::placement(r, head, &head_path);
            if let Some(replicas) = r.take(head, "replicas") {
                let msg = "the head group always has one pod: `replicas` is not used";
                r.notice(Level::Note, replicas, &head_path.key("replicas"), msg);
            }
            let pod = read_pod(r, head, &head_path);
            for (field, given) in
                [("head_num_gpus", &pod.gpus), ("head_memory", &pod.memory), ("head_resources", &pod.custom)]
            {
                if let Some((value, node, p)) = given {
                    r.set(&format!("cluster.{field}"), value.clone(), node, p);
                }
            }
            if let Some(cpus) = pod.cpus {
                r.set("cluster.head_num_cpus", json!(cpus.0), cpus.1, &cpus.2);
            } else {
                let msg = "the head's CPUs are not given (`num-cpus` or a container's cpu): the scenario's default, 2, applies";
                r.notice(Level::Warning, head, &head_path, msg);
            }
            head_address = pod.redis_address;
        }
        None => r.error(spec, &head_path, "expected `headGroupSpec`, found none"),
    }
    let groups_path = path.key("workerGroupSpecs");
    let mut groups = Vec::new();
    let mut placements = Vec::new();
    if let Some(list) = r.take(spec, "workerGroupSpecs") {
        for (i, group) in items(list).iter().enumerate() {
            let field = JsonPath::root().key("cluster").key("worker_groups").index(groups.len());
            if let Some((entry, replicas)) = worker_group(r, group, &groups_path.index(i), &field) {
                pods += replicas;
                groups.push(entry);
                placements.push((super::pools::placement(r, group, &groups_path.index(i)), replicas));
            }
        }
    }
    r.set("cluster.worker_groups", json!(groups), spec, &groups_path);
    autoscaler(r, spec, path);
    // KubeRay says nothing of Kubernetes nodes: one Ray pod per node, as in the guide.
    let nodes = pods.clamp(1, 1000);
    r.set("cluster.k8s_nodes", json!(nodes), spec, path);
    r.set("cluster.ray_pods_per_node", json!(pods.div_ceil(nodes).max(1)), spec, path);
    let msg = format!(
        "the YAML does not say how many Kubernetes nodes hold the {pods} Ray pods: one pod per node assumed \
         (cluster.k8s_nodes = {nodes}); set cluster.k8s_nodes and cluster.ray_pods_per_node to your nodes"
    );
    r.notice(Level::Warning, spec, path, msg);
    super::pools::write(r, spec, path, head_placement, placements);
    head_address
}

/// One worker group as the scenario's `worker_groups[]` entry at `field`, and its pods.
fn worker_group(
    r: &mut Reader<'_>,
    group: &Node,
    path: &JsonPath,
    field: &JsonPath,
) -> Option<(serde_json::Value, u64)> {
    let name_node = r.take(group, "groupName");
    let Some(name) = name_node.and_then(Node::as_str) else {
        r.error(group, &path.key("groupName"), "expected `groupName` (a string), found none");
        return None;
    };
    r.origin(field.clone(), group, path);
    r.origin(field.key("name"), name_node.unwrap_or(group), &path.key("groupName"));
    let bound = |r: &mut Reader<'_>, key: &str| {
        let node = r.take(group, key)?;
        whole(r, node, &path.key(key), key).map(|v| (v, node))
    };
    let min = bound(r, "minReplicas");
    let max = bound(r, "maxReplicas");
    let replicas = match r.take(group, "replicas") {
        Some(node) => {
            let value = whole(r, node, &path.key("replicas"), "replicas")?;
            r.origin(field.key("replicas"), node, &path.key("replicas"));
            check_bounds(r, node, &path.key("replicas"), value, min.map(|m| m.0), max.map(|m| m.0))?;
            value
        }
        None => {
            let value = min.map_or(0, |m| m.0);
            let msg = format!("`replicas` is not given: KubeRay starts minReplicas, {value}");
            r.notice(Level::Warning, group, path, msg);
            value
        }
    };
    if let Some(hosts) = r.take(group, "numOfHosts")
        && !matches!(&hosts.value, Value::Number(n) if n.as_u64() == Some(1))
    {
        let msg = "multi-host groups have no place in the model: each replica is one pod";
        r.notice(Level::Warning, hosts, &path.key("numOfHosts"), msg);
    }
    let pod = read_pod(r, group, path);
    let mut entry = json!({"name": name, "replicas": replicas});
    for (key, bound, to) in [("minReplicas", min, "min_replicas"), ("maxReplicas", max, "max_replicas")] {
        if let Some((value, node)) = bound {
            entry[to] = json!(value);
            r.origin(field.key(to), node, &path.key(key));
        }
    }
    for (key, given) in [("num_gpus", &pod.gpus), ("memory", &pod.memory), ("resources", &pod.custom)] {
        if let Some((value, node, p)) = given {
            entry[key] = value.clone();
            r.origin(field.key(key), node, p);
        }
    }
    if let Some((cpus, node, cpus_path)) = pod.cpus {
        entry["num_cpus"] = json!(cpus);
        r.origin(field.key("num_cpus"), node, &cpus_path);
    } else {
        let msg =
            "the group's CPUs are not given (`num-cpus` or a container's cpu): the scenario's default, 1, applies";
        r.notice(Level::Warning, group, path, msg);
    }
    Some((entry, replicas))
}

/// KubeRay's in-tree autoscaler: `enableInTreeAutoscaling` and `autoscalerOptions`'
/// `idleTimeoutSeconds` and `upscalingMode` (its other options, the sidecar's image and
/// resources, are left for the list of unused fields).
fn autoscaler(r: &mut Reader<'_>, spec: &Node, path: &JsonPath) {
    if let Some(node) = r.take(spec, "enableInTreeAutoscaling") {
        let p = path.key("enableInTreeAutoscaling");
        match node.value {
            Value::Bool(on) => r.set("cluster.autoscaler.enabled", json!(on), node, &p),
            _ => r.error(node, &p, format!("expected true or false, found {}", shown(node))),
        }
    }
    let Some(options) = r.take(spec, "autoscalerOptions") else { return };
    let path = path.key("autoscalerOptions");
    if let Some(node) = r.take(options, "idleTimeoutSeconds") {
        let p = path.key("idleTimeoutSeconds");
        if let Some(s) = whole(r, node, &p, "idleTimeoutSeconds") {
            r.set("cluster.autoscaler.idle_timeout_s", json!(s), node, &p);
        }
    }
    if let Some(node) = r.take(options, "upscalingMode") {
        let p = path.key("upscalingMode");
        match node.as_str() {
            Some(mode @ ("Conservative" | "Default" | "Aggressive")) => {
                r.set("cluster.autoscaler.upscaling_mode", json!(mode), node, &p)
            }
            _ => r.error(node, &p, format!("expected Conservative, Default or Aggressive, found {}", shown(node))),
        }
    }
}

/// Replicas outside `minReplicas`..`maxReplicas` is an error.
fn check_bounds(
    r: &mut Reader<'_>,
    node: &Node,
    path: &JsonPath,
    replicas: u64,
    min: Option<u64>,
    max: Option<u64>,
) -> Option<()> {
    if let Some(max) = max
        && replicas > max
    {
        r.error(node, path, format!("replicas {replicas} is above maxReplicas {max}"));
        return None;
    }
    if let Some(min) = min
        && replicas < min
    {
        r.error(node, path, format!("replicas {replicas} is below minReplicas {min}"));
        return None;
    }
    Some(())
}

/// A value the import read, with its node and path.
type Read<'n, T> = Option<(T, &'n Node, JsonPath)>;

/// What a group's pod says: its Ray resources (each a value, its node and path), and whether
/// its Ray container's environment gives a Redis address.
#[derive(Default)]
struct Pod<'n> {
    cpus: Read<'n, f64>,
    gpus: Read<'n, serde_json::Value>,
    memory: Read<'n, serde_json::Value>,
    custom: Read<'n, serde_json::Value>,
    redis_address: Option<Address<'n>>,
}

/// `rayStartParams` and `template`: `num-cpus`, `num-gpus` and `memory` win over the Ray
/// container's limits (`cpu`, `nvidia.com/gpu`, `memory`), which win over its requests
/// (KubeRay's order; CPUs rounded up to a whole CPU as KubeRay does).
fn read_pod<'n>(r: &mut Reader<'_>, group: &'n Node, path: &JsonPath) -> Pod<'n> {
    let mut pod = Pod::default();
    if let Some(params) = r.take(group, "rayStartParams") {
        start_params(r, params, &path.key("rayStartParams"), &mut pod);
    }
    let template_path = path.key("template").key("spec").key("containers");
    let containers = r.take(group, "template").and_then(|t| r.take(t, "spec")).and_then(|s| r.take(s, "containers"));
    for (i, container) in containers.map(items).unwrap_or_default().iter().enumerate() {
        let c_path = template_path.index(i);
        if i > 0 {
            r.use_node(container);
            let msg = "a second container (a sidecar) has no place in the model: not used";
            r.notice(Level::Warning, container, &c_path, msg);
            continue;
        }
        let limits = resources(r, container, &c_path);
        if pod.cpus.is_none() {
            pod.cpus = limits.cpus.map(|(v, node, p)| (v.ceil(), node, p));
        }
        pod.gpus = pod.gpus.or(limits.gpus);
        pod.memory = pod.memory.or(limits.memory);
        if let Some(env) = r.take(container, "env") {
            pod.redis_address = super::gcs::env_entries(r, env, &c_path.key("env"));
        }
    }
    pod
}

/// `rayStartParams`: `num-cpus`, `num-gpus`, `memory` (bytes) and `resources` (a JSON object in
/// a string) are read; `redis-password` is a secret (GCS fault tolerance reads it).
fn start_params<'n>(r: &mut Reader<'_>, params: &'n Node, path: &JsonPath, pod: &mut Pod<'n>) {
    if let Some(node) = r.take(params, "num-cpus") {
        let p = path.key("num-cpus");
        match cpu_quantity(node) {
            Some(v) => pod.cpus = Some((v, node, p)),
            None => r.error(node, &p, format!("expected a number of CPUs, found {}", shown(node))),
        }
    }
    if let Some(node) = r.take(params, "num-gpus") {
        let p = path.key("num-gpus");
        match number(node) {
            Some(v) => pod.gpus = Some((json!(v), node, p)),
            None => r.error(node, &p, format!("expected a number of GPUs, found {}", shown(node))),
        }
    }
    if let Some(node) = r.take(params, "memory") {
        pod.memory = memory(r, node, &path.key("memory"));
    }
    if let Some(node) = r.take(params, "resources") {
        let p = path.key("resources");
        match node.as_str().and_then(custom_resources) {
            Some(map) => pod.custom = Some((map, node, p)),
            None => r.error(
                node,
                &p,
                format!(
                    "expected custom resources as a JSON object in a string ('{{\"accel\": 1}}'), found {}",
                    shown(node)
                ),
            ),
        }
    }
    if let Some(node) = r.take(params, "object-store-memory") {
        let msg = "`object-store-memory`: the object store has no place in the model: not used";
        r.notice(Level::Warning, node, &path.key("object-store-memory"), msg);
    }
}

/// A memory amount (bytes, or a Kubernetes quantity) as the scenario's bytes.
fn memory<'n>(r: &mut Reader<'_>, node: &'n Node, path: &JsonPath) -> Read<'n, serde_json::Value> {
    let bytes = match &node.value {
        Value::Number(n) => n.as_f64().map_or_else(|| Err(String::new()), quantity::bytes_in_range),
        Value::String(s) => quantity::bytes_of(s),
        _ => Err(format!("expected a memory size, found {}", shown(node))),
    };
    match bytes {
        Ok(b) => Some((json!(b), node, path.clone())),
        Err(msg) => {
            r.error(node, path, msg);
            None
        }
    }
}

/// KubeRay's `resources` start parameter: a JSON object in a string, often quoted once more
/// (`'"{\"accel\": 1}"'`).
fn custom_resources(s: &str) -> Option<serde_json::Value> {
    let s = s.trim();
    let unquoted = match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\""),
        None => s.to_string(),
    };
    let map: std::collections::BTreeMap<String, f64> = serde_json::from_str(&unquoted).ok()?;
    Some(json!(map))
}

/// What the Ray container's `resources` give (limits first, else requests).
#[derive(Default)]
struct Limits<'n> {
    cpus: Read<'n, f64>,
    gpus: Read<'n, serde_json::Value>,
    memory: Read<'n, serde_json::Value>,
}

/// The Ray container's resources: cpu, GPUs (`<vendor>/gpu`) and memory, each its limit else
/// its request, with its node and path; other resources are listed as not used.
fn resources<'n>(r: &mut Reader<'_>, container: &'n Node, path: &JsonPath) -> Limits<'n> {
    let mut out = Limits::default();
    let Some(res) = r.take(container, "resources") else { return out };
    for kind in ["limits", "requests"] {
        let Some(section) = r.take(res, kind) else { continue };
        let Value::Map(entries) = &section.value else { continue };
        for (key, node) in entries {
            let p = path.key("resources").key(kind).key(key);
            r.use_node(node);
            if key == "cpu" {
                match cpu_quantity(node) {
                    Some(v) if out.cpus.is_none() => out.cpus = Some((v, node, p)),
                    Some(_) => {}
                    None => r.error(
                        node,
                        &p,
                        format!("expected a CPU quantity (2, \"1.5\", \"500m\"), found {}", shown(node)),
                    ),
                }
            } else if key.ends_with("/gpu") {
                match number(node) {
                    Some(v) if out.gpus.is_none() => out.gpus = Some((json!(v), node, p)),
                    Some(_) => {}
                    None => r.error(node, &p, format!("expected a number of GPUs, found {}", shown(node))),
                }
            } else if key == "memory" {
                if out.memory.is_none() {
                    out.memory = memory(r, node, &p);
                }
            } else {
                let msg = format!("`{key}`: this resource has no place in the model: not used");
                r.notice(Level::Warning, node, &p, msg);
            }
        }
    }
    out
}

/// A plain number, written as a number or a string (`1`, `"2"`).
fn number(node: &Node) -> Option<f64> {
    let v = match &node.value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse::<f64>().ok()?,
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// A Kubernetes CPU quantity (`2`, `1.5`, `"500m"`, `"2"`) in CPUs.
fn cpu_quantity(node: &Node) -> Option<f64> {
    let v = match &node.value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => match s.strip_suffix('m') {
            Some(milli) => milli.parse::<f64>().ok()? / 1000.0,
            None => s.parse::<f64>().ok()?,
        },
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(src: &str) -> Option<f64> {
        cpu_quantity(&crate::scenario::yaml::parse_documents(src).unwrap()[0])
    }

    #[test]
    fn cpu_quantities_in_cpus() {
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("'500m'"), Some(0.5));
        assert_eq!(quantity("'1.5'"), Some(1.5));
        assert_eq!(quantity("many"), None);
        assert_eq!(quantity("-1"), None);
    }
}
