//! The Serve config of a RayService: `serveConfigV2` (a YAML document in a string) or the old
//! `serveConfig` of `ray.io/v1alpha1` (camelCase fields). One application is imported as the
//! shorthand (`serve.*`); several as `serve.applications`, each with its route prefix and an
//! equal share of the requests (a warning says that the shares are a guess: nothing in a
//! RayService gives them). The model has one deployment per application, its ingress: the first
//! listed is imported, a warning names each further one.

use serde_json::json;

use super::{Level, Reader, items, unused};
use crate::scenario::error::{JsonPath, ScenarioError};
use crate::scenario::yaml::{self, Node, Value};

/// A deployment option read into the scenario: its `serve.*` field, its name in
/// `serveConfigV2`, its name in the old `serveConfig`.
const OPTIONS: &[(&str, &str, &str)] = &[
    ("num_replicas", "num_replicas", "numReplicas"),
    ("max_replicas_per_node", "max_replicas_per_node", "maxReplicasPerNode"),
    ("max_ongoing_requests", "max_ongoing_requests", "maxOngoingRequests"),
    ("max_ongoing_requests", "max_concurrent_queries", "maxConcurrentQueries"),
    ("health_check_period_s", "health_check_period_s", "healthCheckPeriodS"),
    ("health_check_timeout_s", "health_check_timeout_s", "healthCheckTimeoutS"),
    ("graceful_shutdown_timeout_s", "graceful_shutdown_timeout_s", "gracefulShutdownTimeoutS"),
];

/// Which of the two spellings a config uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// `serveConfigV2`: snake_case, as Serve's own config file.
    V2,
    /// The old `serveConfig`: camelCase.
    V1,
}

impl Spelling {
    fn pick<'k>(self, v2: &'k str, v1: &'k str) -> &'k str {
        if self == Spelling::V2 { v2 } else { v1 }
    }
}

/// Reads the Serve config of the RayService spec `spec` at `path`, if it has one.
pub(super) fn read(r: &mut Reader<'_>, spec: &Node, path: &JsonPath) {
    if let Some(text) = r.take(spec, "serveConfigV2") {
        let p = path.key("serveConfigV2");
        match embedded(r.src, text) {
            Ok(config) => {
                config_v2(r, &config, &p);
                unused::list_under(&config, &p, &r.read, &r.whole, &mut r.notices);
            }
            Err(e) => r.errors.push(ScenarioError { path: p, ..e }),
        }
    } else if let Some(config) = r.take(spec, "serveConfig") {
        let p = path.key("serveConfig");
        application(r, config, &p, Spelling::V1, "serve");
    } else {
        let msg =
            "no serveConfigV2 or serveConfig: the scenario's Serve defaults apply (the guide's SleepyPid, 6 replicas)";
        r.notice(Level::Warning, spec, path, msg);
    }
}

/// The document in the string `text`, its positions those of the file when `text` is a literal
/// block (`|`), else all at `text`.
fn embedded(src: &str, text: &Node) -> Result<Node, ScenarioError> {
    let at =
        |line, col, message| ScenarioError { file: None, position: Some((line, col)), path: JsonPath::root(), message };
    let Some(body) = text.as_str() else {
        return Err(at(
            text.line,
            text.col,
            format!("expected a string (a Serve config in YAML), found {}", text.kind()),
        ));
    };
    // A literal block starts at its first line of text, indented as the whole block.
    let first = src.lines().nth(text.line - 1).unwrap_or_default();
    let indent = first.chars().take_while(|c| *c == ' ').count();
    let exact = text.literal && body.lines().next().is_some_and(|l| first.get(indent..) == Some(l));
    let shift =
        |line: usize, col: usize| if exact { (text.line + line - 1, col + indent) } else { (text.line, text.col) };
    let mut docs = yaml::parse_documents(body).map_err(|e| {
        let (line, col) = shift(e.line, e.col);
        at(line, col, e.message)
    })?;
    if docs.len() != 1 || !matches!(docs[0].value, Value::Map(_)) {
        let found = docs.first().map_or("nothing", Node::kind);
        return Err(at(text.line, text.col, format!("expected one Serve config (a mapping), found {found}")));
    }
    let mut doc = docs.remove(0);
    move_to_file(&mut doc, &shift);
    Ok(doc)
}

/// Puts every position of `node` where `shift` says.
fn move_to_file(node: &mut Node, shift: &impl Fn(usize, usize) -> (usize, usize)) {
    (node.line, node.col) = shift(node.line, node.col);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| move_to_file(n, shift)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| move_to_file(n, shift)),
        _ => {}
    }
}

/// A `serveConfigV2` document: `proxy_location` and the first application.
fn config_v2(r: &mut Reader<'_>, config: &Node, path: &JsonPath) {
    if let Some(node) = r.take(config, "proxy_location") {
        let p = path.key("proxy_location");
        if node.as_str() == Some("Disabled") {
            r.error(node, &p, "proxy_location Disabled: no proxy would serve requests, and the model sends its traffic through proxies");
        } else {
            r.set("serve.proxy_location", node.to_json(), node, &p);
        }
    }
    let apps_path = path.key("applications");
    let Some(apps) = r.take(config, "applications") else {
        r.notice(Level::Warning, config, path, "no applications: the scenario's Serve defaults apply");
        return;
    };
    let apps = items(apps);
    if let [app] = apps {
        application(r, app, &apps_path.index(0), Spelling::V2, "serve");
        return;
    }
    for (i, app) in apps.iter().enumerate() {
        let p = apps_path.index(i);
        let prefix = format!("serve.applications[{i}]");
        match r.take(app, "name") {
            Some(name) => r.set(&format!("{prefix}.name"), name.to_json(), name, &p.key("name")),
            None => r.error(app, &p.key("name"), "expected the application's `name`, found none"),
        }
        match r.take(app, "route_prefix") {
            Some(route) => r.set(&format!("{prefix}.route_prefix"), route.to_json(), route, &p.key("route_prefix")),
            None => {
                let msg = "no route_prefix (Serve's default is `/`): `/` is imported; several applications need distinct prefixes";
                r.notice(Level::Warning, app, &p, msg);
                r.set(&format!("{prefix}.route_prefix"), json!("/"), app, &p);
            }
        }
        let share = 1.0 / apps.len() as f64;
        r.set(&format!("{prefix}.share"), json!(share), app, &p);
        let msg = format!(
            "share {share}: a RayService does not say how requests split over its applications, so each gets an \
             equal share; set serve.applications[{i}].share to your traffic's"
        );
        r.notice(Level::Warning, app, &p, msg);
        application(r, app, &p, Spelling::V2, &prefix);
    }
}

/// An application: its first deployment, whose fields go under `prefix` (`serve` for the
/// shorthand, `serve.applications[i]`).
fn application(r: &mut Reader<'_>, app: &Node, path: &JsonPath, spelling: Spelling, prefix: &str) {
    let deployments_path = path.key("deployments");
    let Some(deployments) = r.take(app, "deployments") else {
        let msg = "no deployments listed (the code sets their options): the scenario's Serve defaults apply";
        r.notice(Level::Warning, app, path, msg);
        return;
    };
    for (i, d) in items(deployments).iter().enumerate() {
        let p = deployments_path.index(i);
        if i == 0 {
            deployment(r, d, &p, spelling, prefix);
        } else {
            r.use_node(d);
            let name = d.get("name").and_then(Node::as_str).unwrap_or("?");
            let msg = format!(
                "deployment {name}: the model has one deployment per application (its ingress, the first listed \
                    is imported; model composition is not modelled); this one is not used"
            );
            r.notice(Level::Warning, d, &p, msg);
        }
    }
}

/// A deployment's options, set under `prefix`: those the model has, its autoscaling, the resources of a replica (`ray_actor_options` CPUs, GPUs, memory,
/// custom resources).
fn deployment(r: &mut Reader<'_>, d: &Node, path: &JsonPath, spelling: Spelling, prefix: &str) {
    match r.take(d, "name") {
        Some(name) => r.set(&format!("{prefix}.deployment"), name.to_json(), name, &path.key("name")),
        None => r.error(d, &path.key("name"), "expected the deployment's `name`, found none"),
    }
    for (field, v2, v1) in OPTIONS {
        let key = spelling.pick(v2, v1);
        if let Some(node) = r.take(d, key) {
            if *field == "num_replicas" && node.as_str() == Some("auto") {
                continue;
            }
            r.set(&format!("{prefix}.{field}"), node.to_json(), node, &path.key(key));
        }
    }
    autoscaling(r, d, path, spelling, prefix);
    let options_key = spelling.pick("ray_actor_options", "rayActorOptions");
    let options = r.take(d, options_key);
    let cpus_key = spelling.pick("num_cpus", "numCpus");
    let gpus_key = spelling.pick("num_gpus", "numGpus");
    let taken = [
        (cpus_key, "num_cpus_per_replica"),
        (gpus_key, "num_gpus_per_replica"),
        ("memory", "memory_per_replica"),
        ("resources", "resources_per_replica"),
    ]
    .map(|(key, field)| {
        let node = options.and_then(|o| r.take(o, key));
        if let Some(node) = node {
            r.use_node(node);
            r.set(&format!("{prefix}.{field}"), node.to_json(), node, &path.key(options_key).key(key));
        }
        node.is_some()
    });
    if !taken[0] {
        let msg = "no ray_actor_options.num_cpus (the code may set it; Serve's own default is 1): \
            the scenario's default, 0 (the guide's), applies";
        r.notice(Level::Warning, d, path, msg);
    }
}

/// An `autoscaling_config` option read into the deployment's `autoscaling`: its field, its name in
/// `serveConfigV2`, its name in the old `serveConfig`. Older names come after the current ones.
const AUTOSCALING: &[(&str, &str, &str)] = &[
    ("min_replicas", "min_replicas", "minReplicas"),
    ("max_replicas", "max_replicas", "maxReplicas"),
    ("initial_replicas", "initial_replicas", "initialReplicas"),
    ("target_ongoing_requests", "target_ongoing_requests", "targetOngoingRequests"),
    ("target_ongoing_requests", "target_num_ongoing_requests_per_replica", "targetNumOngoingRequestsPerReplica"),
    ("metrics_interval_s", "metrics_interval_s", "metricsIntervalS"),
    ("look_back_period_s", "look_back_period_s", "lookBackPeriodS"),
    ("upscale_delay_s", "upscale_delay_s", "upscaleDelayS"),
    ("downscale_delay_s", "downscale_delay_s", "downscaleDelayS"),
    ("upscaling_factor", "upscaling_factor", "upscalingFactor"),
    ("upscaling_factor", "upscale_smoothing_factor", "upscaleSmoothingFactor"),
    ("upscaling_factor", "smoothing_factor", "smoothingFactor"),
    ("downscaling_factor", "downscaling_factor", "downscalingFactor"),
    ("downscaling_factor", "downscale_smoothing_factor", "downscaleSmoothingFactor"),
    ("downscaling_factor", "smoothing_factor", "smoothingFactor"),
];

/// `num_replicas: auto` or an `autoscaling_config` becomes the deployment's `autoscaling` (under
/// `prefix`). `auto` is Ray's
/// `AutoscalingConfig.default()` (1 to 100 replicas, 2 ongoing requests per replica) under the
/// given config; a fixed `num_replicas` beside an `autoscaling_config` is an error, as in Ray.
fn autoscaling(r: &mut Reader<'_>, d: &Node, path: &JsonPath, spelling: Spelling, prefix: &str) {
    let replicas_key = spelling.pick("num_replicas", "numReplicas");
    let auto_key = spelling.pick("autoscaling_config", "autoscalingConfig");
    let fixed = d.get(replicas_key).filter(|n| n.as_str() != Some("auto"));
    let auto = d.get(replicas_key).filter(|n| n.as_str() == Some("auto"));
    let config = r.take(d, auto_key);
    match (config, fixed, auto) {
        (None, None, None) => {
            let msg = "no num_replicas (the code may set it): the scenario's default, 6 (the guide's), applies";
            r.notice(Level::Warning, d, path, msg);
        }
        (None, Some(_), _) => {}
        (Some(config), Some(_), _) => r.error(
            config,
            &path.key(auto_key),
            format!("expected no {auto_key} with a fixed {replicas_key} (Serve refuses both)"),
        ),
        (config, None, auto) => {
            let (node, p) = match config {
                Some(c) => (c, path.key(auto_key)),
                None => (auto.expect("one of the two"), path.key(replicas_key)),
            };
            if auto.is_some() {
                r.set(&format!("{prefix}.autoscaling.min_replicas"), json!(1), node, &p);
                r.set(&format!("{prefix}.autoscaling.max_replicas"), json!(100), node, &p);
            }
            for (field, v2, v1) in AUTOSCALING.iter().rev() {
                let key = spelling.pick(v2, v1);
                if let Some(value) = config.and_then(|c| r.take(c, key)) {
                    r.set(&format!("{prefix}.autoscaling.{field}"), value.to_json(), value, &p.key(key));
                }
            }
            if let Some(zero) = config.and_then(|c| c.get(spelling.pick("min_replicas", "minReplicas")))
                && zero.to_json().as_u64() == Some(0)
            {
                let key = p.key(spelling.pick("min_replicas", "minReplicas"));
                r.set(&format!("{prefix}.autoscaling.min_replicas"), json!(1), zero, &key);
                r.notice(Level::Warning, zero, &key, "scale to zero is not modelled: min_replicas 1");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::import::import;

    /// A RayService whose one deployment has `options` (YAML lines at the deployment's indent);
    /// the deployment's first option is on line 12.
    fn service(options: &str) -> String {
        let options: String = options.lines().map(|l| format!("            {l}\n")).collect();
        let head = "apiVersion: ray.io/v1\nkind: RayService\nmetadata:\n  name: s\nspec:\n  serveConfigV2: |\n    \
                    applications:\n      - name: app\n        import_path: a:b\n        deployments:\n          - name: D\n";
        let tail = "            ray_actor_options:\n              num_cpus: 0\n  rayClusterConfig:\n    headGroupSpec:\n      \
                    rayStartParams: {}\n      template:\n        spec:\n          containers:\n            - name: h\n";
        format!("{head}{options}{tail}")
    }

    #[test]
    fn num_replicas_auto_is_rays_default_autoscaling_under_the_given_config() {
        let got = import(&service("num_replicas: auto\n"), "s.yaml").unwrap();
        assert_eq!(got.scenario["serve"]["autoscaling"], serde_json::json!({"min_replicas": 1, "max_replicas": 100}));
        let got = import(&service("num_replicas: auto\nautoscaling_config:\n  max_replicas: 7\n  smoothing_factor: 0.5\n  upscaling_factor: 2\n"), "s.yaml").unwrap();
        let expected =
            serde_json::json!({"min_replicas": 1, "max_replicas": 7, "upscaling_factor": 2, "downscaling_factor": 0.5});
        assert_eq!(got.scenario["serve"]["autoscaling"], expected, "the current name wins over smoothing_factor");
    }

    #[test]
    fn a_fixed_num_replicas_beside_an_autoscaling_config_is_an_error_at_the_config() {
        let e = import(&service("num_replicas: 3\nautoscaling_config:\n  max_replicas: 7\n"), "s.yaml").unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        let text = e[0].to_string();
        assert!(text.starts_with("s.yaml:14:15: ") && text.contains("deployments[0].autoscaling_config"), "{text}");
        assert!(text.contains("expected no autoscaling_config with a fixed num_replicas"), "{text}");
    }

    #[test]
    fn scale_to_zero_is_imported_as_one_replica_with_a_warning() {
        let got = import(
            &service("autoscaling_config:\n  min_replicas: 0\n  max_replicas: 3\n  downscale_to_zero_delay_s: 5\n"),
            "s.yaml",
        )
        .unwrap();
        assert_eq!(got.scenario["serve"]["autoscaling"]["min_replicas"], 1);
        let notices: Vec<&str> = got.notices.iter().map(|n| n.message.as_str()).collect();
        assert!(notices.contains(&"scale to zero is not modelled: min_replicas 1"), "{notices:?}");
        assert!(got.notices.iter().any(|n| n.path.to_string().ends_with("downscale_to_zero_delay_s")), "{notices:?}");
    }
}
