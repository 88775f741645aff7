//! GCS fault tolerance and its Redis: the `ray.io/ft-enabled` annotation with the head's
//! `RAY_REDIS_ADDRESS`, or `gcsFaultToleranceOptions` (KubeRay 1.3+), and the Redis objects
//! beside the Ray object. A Redis password (inline, in a ConfigMap's `requirepass`, in a
//! `secretKeyRef`, in a `redis://` address) is never read into anything: a warning says where
//! one was seen.

use serde_json::json;

use super::{Level, Reader, items, manifest, shown};
use crate::scenario::error::JsonPath;
use crate::scenario::yaml::{Node, Value};

/// The annotation that turns GCS fault tolerance on.
const FT_ANNOTATION: &str = "ray.io/ft-enabled";

/// What the warning about a password says.
const PASSWORD_SEEN: &str = "a Redis password is set here: not copied (ftsim never copies a secret); \
    live mode generates its own (cluster.redis.password, FTSIM_REDIS_PASSWORD)";

/// A Redis address as the manifest gives it: its text, node and path.
pub(super) struct Address<'n> {
    text: String,
    node: &'n Node,
    path: JsonPath,
}

impl Address<'_> {
    /// The host: the address without its scheme, credentials, port and path.
    fn host(&self) -> &str {
        let rest = self.text.split_once("://").map_or(self.text.as_str(), |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        host.split(':').next().unwrap_or_default()
    }

    /// Whether the host names one of `services` (`name`, `name.namespace`, `name.namespace.svc`..).
    fn names_a_service(&self, services: &[String]) -> bool {
        let first = self.host().split('.').next().unwrap_or_default();
        services.iter().any(|s| s == first)
    }
}

/// Reads GCS fault tolerance for the Ray object `ray` whose cluster spec is `spec` at `path`;
/// `head_address` is the Redis address the head's environment gives; `services` are the names of
/// the manifest's Services. An address whose host is none of them is a Redis outside the
/// cluster: `cluster.redis.mode` = `external`.
pub(super) fn read<'n>(
    r: &mut Reader<'_>,
    ray: &Node,
    spec: &'n Node,
    path: &JsonPath,
    head_address: Option<Address<'n>>,
    services: &[String],
) {
    let annotation = annotation(r, ray);
    let options_path = path.key("gcsFaultToleranceOptions");
    let options = r.take(spec, "gcsFaultToleranceOptions");
    let mut address = head_address;
    if let Some(options) = options {
        address = options_fields(r, options, &options_path).or(address);
    }
    let params_path = path.key("headGroupSpec").key("rayStartParams");
    if let Some(node) =
        spec.get("headGroupSpec").and_then(|h| h.get("rayStartParams")).and_then(|p| p.get("redis-password"))
    {
        r.use_node(node);
        r.notice(Level::Warning, node, &params_path.key("redis-password"), PASSWORD_SEEN);
    }
    let enabled = match (annotation, options) {
        (Some((false, node, p)), Some(_)) => {
            r.error(node, &p, format!("`{FT_ANNOTATION}: \"false\"` contradicts gcsFaultToleranceOptions"));
            return;
        }
        (Some((on, node, p)), _) => Some((on, node, p)),
        (None, Some(options)) => Some((true, options, options_path)),
        (None, None) => None,
    };
    match enabled {
        Some((on, node, p)) => {
            r.set("cluster.gcs_fault_tolerance", json!(on), node, &p);
            match address {
                None if on => {
                    let msg = "GCS fault tolerance without a Redis address (RAY_REDIS_ADDRESS or redisAddress): KubeRay needs one";
                    r.notice(Level::Warning, node, &p, msg);
                }
                Some(a) if on && !a.host().is_empty() && !a.names_a_service(services) => {
                    r.set("cluster.redis.mode", json!("external"), a.node, &a.path);
                    let msg = format!(
                        "the Redis host {} is not a Service of this file: a managed Redis outside the cluster \
                         (cluster.redis.mode = external: no node or zone loss takes it; an outage lasts at most \
                         timings.external_redis_failover_s)",
                        crate::scenario::show::text(a.host())
                    );
                    r.notice(Level::Note, a.node, &a.path, msg);
                }
                _ => {}
            }
        }
        None => {
            let p = JsonPath::root().key("metadata").key("annotations");
            r.set("cluster.gcs_fault_tolerance", json!(false), ray, &p);
            let msg =
                format!("no `{FT_ANNOTATION}` annotation and no gcsFaultToleranceOptions: GCS fault tolerance is off");
            r.notice(Level::Warning, ray, &JsonPath::root(), msg);
        }
    }
}

/// The value of the `ray.io/ft-enabled` annotation, with its node and path.
fn annotation<'n>(r: &mut Reader<'_>, ray: &'n Node) -> Option<(bool, &'n Node, JsonPath)> {
    let path = JsonPath::root().key("metadata").key("annotations");
    let annotations = ray.get("metadata").and_then(|m| m.get("annotations"))?;
    r.use_node(annotations);
    let mut found = None;
    let Value::Map(entries) = &annotations.value else { return None };
    for (key, node) in entries {
        let p = path.key(key);
        if key == FT_ANNOTATION {
            match (&node.value, node.as_str()) {
                (Value::Bool(b), _) => found = Some((*b, node, p)),
                (_, Some("true")) => found = Some((true, node, p)),
                (_, Some("false")) => found = Some((false, node, p)),
                _ => r.error(node, &p, format!("expected \"true\" or \"false\", found {}", shown(node))),
            }
        } else {
            r.notice(Level::Note, node, &p, "this annotation has no bearing on the model: not used");
        }
    }
    found
}

/// `gcsFaultToleranceOptions`: the Redis address it gives, if any.
fn options_fields<'n>(r: &mut Reader<'_>, options: &'n Node, path: &JsonPath) -> Option<Address<'n>> {
    let address = r.take(options, "redisAddress").map(|a| {
        let path = path.key("redisAddress");
        redis_address(r, a, &path);
        Address { text: a.as_str().unwrap_or_default().to_string(), node: a, path }
    });
    if let Some(password) = r.take(options, "redisPassword") {
        r.use_node(password);
        r.notice(Level::Warning, password, &path.key("redisPassword"), PASSWORD_SEEN);
    }
    for key in ["redisUsername", "externalStorageNamespace"] {
        if let Some(node) = r.take(options, key) {
            r.notice(Level::Note, node, &path.key(key), "no bearing on the model: not used");
        }
    }
    address
}

/// A Redis address: a `redis://user:password@host` one holds a password.
fn redis_address(r: &mut Reader<'_>, node: &Node, path: &JsonPath) {
    let text = node.as_str().unwrap_or_default();
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    if rest.split('/').next().is_some_and(|authority| authority.contains('@')) {
        r.notice(Level::Warning, node, path, PASSWORD_SEEN);
    }
}

/// A Ray container's environment: `RAY_REDIS_ADDRESS` and a password are read (the password
/// only to say it is not copied); other `RAY_` settings have no place. The address, if set.
pub(super) fn env_entries<'n>(r: &mut Reader<'_>, env: &'n Node, path: &JsonPath) -> Option<Address<'n>> {
    r.use_node(env);
    let mut address = None;
    for (i, entry) in items(env).iter().enumerate() {
        let p = path.index(i);
        let name = entry.get("name").and_then(Node::as_str).unwrap_or_default();
        match name {
            "RAY_REDIS_ADDRESS" => {
                let (node, text) = match entry.get("value") {
                    Some(value) => {
                        redis_address(r, value, &p.key("value"));
                        (value, value.as_str().unwrap_or_default().to_string())
                    }
                    None => (entry, String::new()),
                };
                address = Some(Address { text, node, path: p.key("value") });
            }
            "RAY_REDIS_PASSWORD" | "REDIS_PASSWORD" => r.notice(Level::Warning, entry, &p, PASSWORD_SEEN),
            n if n.starts_with("RAY_") => {
                let msg = format!("the Ray setting {n} has no place in the model: not used");
                r.notice(Level::Warning, entry, &p, msg);
            }
            n => r.notice(Level::Note, entry, &p, format!("{n}: no bearing on the model, not used")),
        }
    }
    address
}

/// Whether an object beside the Ray object is part of its Redis: its name, its `app` label or
/// its first container's image says `redis`.
pub(super) fn is_redis(doc: &Node) -> bool {
    let meta = doc.get("metadata");
    let label = meta.and_then(|m| m.get("labels")).and_then(|l| l.get("app")).and_then(Node::as_str);
    let containers =
        doc.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("spec")).and_then(|s| s.get("containers"));
    let image = containers.and_then(|c| items(c).first()).and_then(|c| c.get("image")).and_then(Node::as_str);
    [Some(manifest::name(doc)), label, image].into_iter().flatten().any(|s| s.to_ascii_lowercase().contains("redis"))
}

/// A Redis object: a note saying how the model stands for it; a ConfigMap's `requirepass` and a
/// Deployment's replicas are looked at.
pub(super) fn redis_object(r: &mut Reader<'_>, doc: &Node) {
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
    let name = manifest::name(doc);
    let root = JsonPath::root();
    if let Some(Value::Map(entries)) = doc.get("data").map(|d| &d.value) {
        for (key, value) in entries {
            let holds_password =
                value.as_str().is_some_and(|text| text.lines().any(|l| l.trim_start().starts_with("requirepass")));
            if holds_password {
                r.notice(Level::Warning, value, &root.key("data").key(key), PASSWORD_SEEN);
            }
        }
    }
    if let Some(replicas) = doc.get("spec").and_then(|s| s.get("replicas"))
        && !matches!(&replicas.value, Value::Number(n) if n.as_u64() == Some(1))
    {
        let msg = format!(
            "Redis replicas {}: the model's Redis is one pod, or an HA Redis that fails over (set cluster.redis.mode)",
            shown(replicas)
        );
        r.notice(Level::Warning, replicas, &root.key("spec").key("replicas"), msg);
    }
    let msg =
        format!("{kind} {name}: part of the Redis of GCS fault tolerance, modelled as cluster.redis (one Redis pod)");
    r.notice(Level::Note, doc, &root, msg);
}
