//! The objects of a manifest: the RayService or RayCluster to import, the Redis beside it, and
//! the others (listed, not used).

use super::{Level, Reader, cluster, gcs, serve};
use crate::scenario::error::{JsonPath, ScenarioError};
use crate::scenario::yaml::{Node, Value};

/// The API versions of KubeRay's objects that are read.
const RAY_API_VERSIONS: &[&str] = &["ray.io/v1", "ray.io/v1alpha1"];

/// The Ray object imported: its name and where it starts.
pub(super) struct RayObject {
    /// `metadata.name` (the scenario's name).
    pub name: String,
    /// Its path and position, where errors with no closer place go.
    pub path: (JsonPath, (usize, usize)),
}

/// The kind of a Kubernetes object (`kind`), if it has one.
fn kind(doc: &Node) -> Option<&str> {
    doc.get("kind").and_then(Node::as_str)
}

/// The object's `metadata.name`, or `?`.
pub(super) fn name(doc: &Node) -> &str {
    doc.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("?")
}

/// Reads every document: the first RayService or RayCluster is imported; an error when there
/// is none, naming the kinds found.
pub(super) fn read(r: &mut Reader<'_>, docs: &[Node]) -> Result<RayObject, ScenarioError> {
    let objects: Vec<&Node> = docs.iter().filter(|d| d.value != Value::Null).collect();
    for doc in &objects {
        if !matches!(doc.value, Value::Map(_)) || kind(doc).is_none() {
            let msg = format!("expected a Kubernetes object (a mapping with a `kind`), found {}", doc.kind());
            return Err(ScenarioError {
                file: None,
                position: Some((doc.line, doc.col)),
                path: JsonPath::root(),
                message: msg,
            });
        }
    }
    let is_ray = |d: &&&Node| matches!(kind(d), Some("RayService" | "RayCluster"));
    let Some(ray) = objects.iter().find(is_ray).copied() else {
        let kinds: Vec<&str> = objects.iter().filter_map(|d| kind(d)).collect();
        let found = if kinds.is_empty() { "no object".to_string() } else { kinds.join(", ") };
        let msg = format!("expected a RayService or a RayCluster (ray.io/v1 or ray.io/v1alpha1), found {found}");
        return Err(ScenarioError { file: None, position: Some((1, 1)), path: JsonPath::root(), message: msg });
    };
    let root = JsonPath::root();
    let api = r.take(ray, "apiVersion");
    if let Some(api) = api
        && !api.as_str().is_some_and(|v| RAY_API_VERSIONS.contains(&v))
    {
        let msg = format!("expected apiVersion ray.io/v1 or ray.io/v1alpha1, found {}", super::shown(api));
        r.error(api, &root.key("apiVersion"), msg);
    }
    r.take(ray, "kind");
    let name = name(ray).to_string();
    if let Some(meta) = r.take(ray, "metadata") {
        read_metadata(r, meta, &root.key("metadata"));
    }
    r.set("name", name.clone().into(), ray, &root.key("metadata").key("name"));
    let description = format!("Imported by ftsim import from the {} {name}", kind(ray).unwrap_or_default());
    r.set("description", description.into(), ray, &root);
    let spec = r.take(ray, "spec");
    let spec_path = root.key("spec");
    let services: Vec<String> =
        objects.iter().filter(|d| kind(d) == Some("Service")).map(|d| self::name(d).to_string()).collect();
    match (kind(ray), spec) {
        (Some("RayService"), Some(spec)) => {
            let cluster_path = spec_path.key("rayClusterConfig");
            match r.take(spec, "rayClusterConfig") {
                Some(c) => read_cluster(r, ray, c, &cluster_path, &services),
                None => r.error(spec, &cluster_path, "expected `rayClusterConfig` (the Ray cluster), found none"),
            }
            serve::read(r, spec, &spec_path);
        }
        (_, Some(spec)) => {
            read_cluster(r, ray, spec, &spec_path, &services);
            r.notice(Level::Warning, ray, &root, "a RayCluster has no Serve config: the scenario's Serve defaults apply (the guide's SleepyPid, 6 replicas)");
        }
        (_, None) => r.error(ray, &spec_path, "expected `spec`, found none"),
    }
    for doc in objects.iter().filter(|d| !std::ptr::eq(**d, ray)) {
        other_object(r, doc, is_ray(&doc));
    }
    Ok(RayObject { name, path: (root, (ray.line, ray.col)) })
}

/// The Ray cluster: its groups, then its GCS fault tolerance (`services`: the manifest's
/// Services, which an in-cluster Redis address names).
fn read_cluster(r: &mut Reader<'_>, ray: &Node, spec: &Node, path: &JsonPath, services: &[String]) {
    let head_address = cluster::read(r, spec, path);
    gcs::read(r, ray, spec, path, head_address, services);
}

/// `metadata`: the name and the annotations are read (GCS fault tolerance reads its own).
fn read_metadata(r: &mut Reader<'_>, meta: &Node, path: &JsonPath) {
    r.take(meta, "name");
    if let Some(ns) = r.take(meta, "namespace") {
        r.notice(Level::Note, ns, &path.key("namespace"), "the namespace has no bearing on the model: not used");
    }
}

/// An object beside the Ray object: the Redis of GCS fault tolerance, a Secret (never read), a
/// second Ray object, or something with no place in the model.
fn other_object(r: &mut Reader<'_>, doc: &Node, ray: bool) {
    r.use_node(doc);
    let (kind, name) = (kind(doc).unwrap_or_default(), name(doc));
    let root = JsonPath::root();
    if ray {
        let msg = format!("{kind} {name}: only the first RayService or RayCluster is imported; this one is not used");
        r.notice(Level::Warning, doc, &root, msg);
    } else if kind == "Secret" {
        r.notice(Level::Note, doc, &root, format!("Secret {name}: not read (a secret is never copied)"));
    } else if gcs::is_redis(doc) {
        gcs::redis_object(r, doc);
    } else {
        r.notice(Level::Warning, doc, &root, format!("{kind} {name}: no place in the model, not used"));
    }
}
