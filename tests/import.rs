//! `ftsim import` end to end with the real binary, on the fixtures of tests/fixtures/import/:
//! the mapped values, the warnings, the errors' places, a password never shown, and the
//! scenario written accepted by `ftsim validate` and `ftsim run`.

mod harness;

use std::path::{Path, PathBuf};

use harness::{Outcome, ftsim};

/// The passwords in the fixtures: no output may show them.
const SECRETS: [&str; 3] = ["5241590000000000", "s3cr3t-inline-env-value", "s3cr3t-in-a-Secret-object"];

/// The fixture with two Serve applications.
const TWO_APPLICATIONS: &str = "gpu-two-apps.yaml";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

/// `ftsim import FIXTURE ARGS` in `dir`; asserts no secret in its output and no panic.
fn import(dir: &Path, name: &str, args: &[&str]) -> Outcome {
    let file = fixture(name);
    let all: Vec<&str> = ["import", file.to_str().unwrap()].into_iter().chain(args.iter().copied()).collect();
    let o = ftsim(dir, &all);
    assert!(!o.panicked(), "{o:?}");
    for s in SECRETS {
        assert!(!o.stdout.contains(s) && !o.stderr.contains(s), "{name} shows a password: {o:?}");
    }
    o
}

/// The scenario `ftsim import` prints for a fixture, and its stderr.
fn imported(name: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let o = import(dir.path(), name, &[]);
    assert_eq!(o.code, Some(0), "{o:?}");
    (serde_json::from_str(&o.stdout).unwrap(), o.stderr)
}

/// The warning lines of `stderr` that name `line` and contain `fragment`.
fn warned(stderr: &str, line: usize, fragment: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("ftsim: warning: ") && l.contains(&format!(".yaml:{line}:")) && l.contains(fragment))
}

/// Writes the scenario of a fixture to `out` in `dir`, then validates and runs it briefly; a
/// scenario of several applications runs too, each application in the report.
fn import_validate_run(dir: &Path, name: &str, out: &str) {
    let o = import(dir, name, &["--out", out]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(o.stdout.contains(&format!("wrote {out}")), "{o:?}");
    let v = ftsim(dir, &["validate", out]);
    assert_eq!(v.code, Some(0), "{v:?}");
    let r = ftsim(dir, &["run", out, "--set", "duration_s=30", "--out", "run", "--quiet"]);
    assert!(matches!(r.code, Some(0 | 1)), "{r:?}");
    assert!(dir.join("run/report.json").is_file());
    if name == TWO_APPLICATIONS {
        let report = std::fs::read_to_string(dir.join("run/report.json")).unwrap();
        assert!(report.contains("\"applications\": ["), "several applications run, each reported");
    }
    let written = std::fs::read_to_string(dir.join(out)).unwrap();
    assert!(SECRETS.iter().all(|s| !written.contains(s)), "{written}");
}

#[test]
fn the_guides_working_example_maps_to_its_cluster_and_serve_config() {
    let (s, stderr) = imported("guide-working-example.yaml");
    let c = &s["cluster"];
    assert_eq!(c["gcs_fault_tolerance"], true);
    assert_eq!(c["head_num_cpus"], 2.0);
    // The containers' memory limits, 2Gi, are Ray's memory resource (KubeRay's `--memory`).
    assert_eq!(c["head_memory"], 2147483648u64);
    assert_eq!(
        c["worker_groups"],
        serde_json::json!([{"name": "small-group", "replicas": 2, "min_replicas": 2, "max_replicas": 2, "num_cpus": 1.0,
            "memory": 2147483648u64}])
    );
    assert_eq!((c["k8s_nodes"].as_u64(), c["ray_pods_per_node"].as_u64()), (Some(3), Some(1)));
    assert_eq!(
        s["serve"],
        serde_json::json!({"deployment": "SleepyPid", "num_replicas": 6, "num_cpus_per_replica": 0})
    );
    assert_eq!(s["name"], "rayservice-sample");
    // The password of the ConfigMap and of rayStartParams: seen, said, not copied.
    assert!(warned(&stderr, 12, "$.data.redis.conf: a Redis password is set here: not copied"), "{stderr}");
    assert!(warned(&stderr, 91, "rayStartParams.redis-password: a Redis password is set here"), "{stderr}");
    // minReplicas and maxReplicas are the group's bounds for the Ray autoscaler (off here).
    assert!(!stderr.contains("minReplicas"), "{stderr}");
    assert!(!stderr.contains("resources.limits.memory"), "{stderr}");
    // A field inside serveConfigV2 is placed on its line of the file.
    assert!(stderr.contains(".yaml:76:23: $.spec.serveConfigV2.applications[0].route_prefix: no bearing"), "{stderr}");
    assert!(!s.to_string().contains("password"), "{s}");
    // RAY_REDIS_ADDRESS names the file's Service `redis`: a Redis pod in the cluster.
    assert!(c["redis"].get("mode").is_none(), "{s}");
}

#[test]
fn the_guides_import_has_the_built_in_working_example_s_model() {
    // Besides its name and description, the imported guide is the model's defaults (`{}`, the
    // guide's working example): the same runs, a worker pod deleted.
    let dir = tempfile::tempdir().unwrap();
    let o = import(dir.path(), "guide-working-example.yaml", &["--out", "guide.json"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    std::fs::write(dir.path().join("defaults.json"), "{}").unwrap();
    let fault = r#"faults=[{"kind": "worker_pod_deletion", "at_s": 10, "target": "small-group-2"}]"#;
    let sets = ["--set", "name=x", "--set", "description=guide", "--set", "duration_s=40", "--set", fault];
    let a = ftsim(dir.path(), &[&["run", "guide.json", "--out", "a", "-q"][..], &sets].concat());
    let b = ftsim(dir.path(), &[&["run", "defaults.json", "--out", "b", "-q"][..], &sets].concat());
    assert_eq!((a.code, b.code), (Some(0), Some(0)), "{a:?} {b:?}");
    for f in ["timeseries.csv", "events.log"] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_v1alpha1_rayservice_with_the_old_serve_config() {
    let (s, stderr) = imported("rayservice-v1alpha1.yaml");
    assert_eq!(s["cluster"]["gcs_fault_tolerance"], true);
    assert_eq!(s["cluster"]["head_num_cpus"], 3.0);
    // 1500m requested, no limit: KubeRay's num-cpus rounds up to 2.
    assert_eq!(
        s["cluster"]["worker_groups"],
        serde_json::json!([{"name": "workers", "replicas": 4, "min_replicas": 1, "max_replicas": 5, "num_cpus": 2.0}])
    );
    assert_eq!(
        s["serve"],
        serde_json::json!({"deployment": "MangoStand", "num_replicas": 3, "max_ongoing_requests": 50,
            "health_check_period_s": 5, "health_check_timeout_s": 15, "graceful_shutdown_timeout_s": 10,
            "num_cpus_per_replica": 0.5})
    );
    assert!(warned(&stderr, 34, "deployment PearStand: the model has one deployment"), "{stderr}");
    assert!(warned(&stderr, 50, "env[1]: a Redis password is set here: not copied"), "{stderr}");
    assert!(warned(&stderr, 19, "serviceUnhealthySecondThreshold: KubeRay's unhealthy thresholds"), "{stderr}");
    assert!(stderr.contains("note: ") && stderr.contains("Secret redis-password-secret: not read"), "{stderr}");
    // `redis://redis:6379` names no Service of the file: a managed Redis outside the cluster.
    assert_eq!(s["cluster"]["redis"]["mode"], "external", "{s}");
    assert!(
        stderr.contains(".yaml:49:") && stderr.contains("the Redis host \"redis\" is not a Service of this file"),
        "{stderr}"
    );
}

#[test]
fn a_raycluster_with_gcs_fault_tolerance_options() {
    let (s, stderr) = imported("raycluster.yaml");
    let c = &s["cluster"];
    assert_eq!(c["gcs_fault_tolerance"], true);
    assert_eq!(c["head_num_cpus"], 0.0);
    assert_eq!(
        c["worker_groups"],
        serde_json::json!([{"name": "small", "replicas": 2, "num_cpus": 2.0}, {"name": "large", "replicas": 1, "min_replicas": 0, "max_replicas": 3,
            "num_cpus": 4.0}])
    );
    assert_eq!(c["k8s_nodes"], 4);
    assert!(s.get("serve").is_none(), "{s}");
    assert!(warned(&stderr, 12, "gcsFaultToleranceOptions.redisPassword: a Redis password is set here"), "{stderr}");
    assert!(!stderr.contains("secretKeyRef"), "the password's reference is read whole: {stderr}");
    assert!(warned(&stderr, 3, "a RayCluster has no Serve config"), "{stderr}");
}

#[test]
fn gpus_autoscaling_and_a_second_deployment_are_warned_about_and_both_applications_imported() {
    let (s, stderr) = imported("gpu-two-apps.yaml");
    assert_eq!(s["cluster"]["gcs_fault_tolerance"], false);
    let apps = &s["serve"]["applications"];
    assert_eq!(apps.as_array().map(Vec::len), Some(2), "{s}");
    assert_eq!(apps[0]["autoscaling"]["initial_replicas"], 4, "each application keeps its autoscaling_config: {s}");
    assert!(apps[0].get("num_replicas").is_none(), "the initial count is autoscaling's: {s}");
    assert!(!stderr.contains("autoscaling several applications"), "{stderr}");
    assert_eq!(apps[0]["deployment"], "Api");
    assert_eq!(apps[0]["max_replicas_per_node"], 2);
    assert_eq!(
        (&apps[0]["name"], &apps[0]["route_prefix"], &apps[0]["share"]),
        (&"api".into(), &"/api".into(), &0.5.into())
    );
    assert_eq!(
        apps[1],
        serde_json::json!({"name": "embeddings", "route_prefix": "/embed", "share": 0.5, "deployment": "Embedder", "num_replicas": 2})
    );
    assert!(s["serve"].get("num_replicas").is_none(), "no shorthand beside the applications: {s}");
    for (line, fragment) in [
        (11, "upgradeStrategy: upgrades have no place"),
        (15, "http_options.request_timeout_s: no place in the model"),
        (34, "deployments[1]: deployment Ranker: the model has one deployment"),
        (17, "applications[0]: share 0.5: a RayService does not say how requests split over its applications"),
        (38, "applications[1]: share 0.5: a RayService does not say how requests split over its applications"),
        (75, "`cloud.google.com/gke-accelerator` is no node pool label"),
    ] {
        assert!(warned(&stderr, line, fragment), "no warning at line {line} with {fragment:?}:\n{stderr}");
    }
    // KubeRay's autoscaler is imported, with the CPU group's bounds.
    assert_eq!(s["cluster"]["autoscaler"], serde_json::json!({"enabled": true}));
    assert!(!stderr.contains("enableInTreeAutoscaling") && !stderr.contains("maxReplicas"), "{stderr}");
    // GPUs and memory are imported: `num-gpus` wins over the container's `nvidia.com/gpu`.
    assert!(!stderr.contains("num-gpus") && !stderr.contains("nvidia.com/gpu"), "{stderr}");
    assert_eq!(
        s["cluster"]["worker_groups"],
        serde_json::json!([{"name": "cpu", "replicas": 3, "min_replicas": 1, "max_replicas": 10, "num_cpus": 4.0,
            "memory": 8589934592u64},
            {"name": "gpu", "replicas": 1, "num_cpus": 8.0, "num_gpus": 1.0}])
    );
}

#[test]
fn gpus_memory_and_custom_resources_are_imported() {
    let (s, stderr) = imported("gpu-resources.yaml");
    // rayStartParams `memory` and `resources` win over the container's memory limit.
    assert_eq!(
        s["cluster"]["worker_groups"],
        serde_json::json!([{"name": "cpu", "replicas": 2, "num_cpus": 4.0, "memory": 8589934592u64},
            {"name": "gpu", "replicas": 1, "num_cpus": 8.0, "num_gpus": 2.0, "memory": 17179869184u64,
             "resources": {"accel": 2.0}}])
    );
    assert_eq!(
        s["serve"],
        serde_json::json!({"deployment": "Ranker", "num_replicas": 2, "num_cpus_per_replica": 1,
            "num_gpus_per_replica": 0.5, "memory_per_replica": 2147483648u64, "resources_per_replica": {"accel": 1}})
    );
    assert!(!stderr.contains("no place in the model"), "{stderr}");
}

#[test]
fn the_scenario_written_is_valid_and_runs_in_json_and_yaml() {
    for name in [
        "guide-working-example.yaml",
        "rayservice-v1alpha1.yaml",
        "raycluster.yaml",
        "gpu-two-apps.yaml",
        "gpu-resources.yaml",
        "node-pools.yaml",
    ] {
        for out in ["s.json", "s.yaml"] {
            let dir = tempfile::tempdir().unwrap();
            import_validate_run(dir.path(), name, out);
        }
    }
}

#[test]
fn a_yaml_scenario_runs_byte_for_byte_as_its_json_twin() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["twin.json", "twin.yaml"] {
        assert_eq!(import(dir.path(), "rayservice-v1alpha1.yaml", &["--out", out]).code, Some(0));
        let set = ["--set", "duration_s=60", "--set", r#"faults=[{"kind":"node_loss","at_s":20}]"#];
        let o = ftsim(dir.path(), &[&["run", out, "--out", out.replace('.', "-").as_str(), "-q"][..], &set].concat());
        assert!(matches!(o.code, Some(0 | 1)), "{o:?}");
    }
    let (a, b) = (dir.path().join("twin-json"), dir.path().join("twin-yaml"));
    for f in ["timeseries.csv", "events.log"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
    // report.json differs only in the command that reruns it (the file's name).
    let report = |d: &Path| {
        let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
        r.as_object_mut().unwrap().remove("rerun");
        r
    };
    assert_eq!(report(&a), report(&b));
    assert!(report(&a)["scenario_sha256"].is_string());
}

#[test]
fn out_refuses_an_existing_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.json"), "keep me").unwrap();
    let o = import(dir.path(), "raycluster.yaml", &["--out", "s.json"]);
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(o.stderr.contains("s.json: already exists; nothing was written (--force replaces it)"), "{o:?}");
    assert_eq!(std::fs::read_to_string(dir.path().join("s.json")).unwrap(), "keep me");
    let o = import(dir.path(), "raycluster.yaml", &["--out", "s.json", "--force"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(std::fs::read_to_string(dir.path().join("s.json")).unwrap().contains("raycluster-ft"));
    let o = import(dir.path(), "raycluster.yaml", &["--out", "s.txt"]);
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(o.stderr.contains("s.txt: expected a .json, .yaml or .yml file name"), "{o:?}");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["s.json"], "no temporary file left");
}

/// Bad YAML: exit 2, one located message, nothing on stdout.
fn refused(name: &str, fragments: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let o = import(dir.path(), name, &["--out", "s.json"]);
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    for f in fragments {
        assert!(o.stderr.contains(f), "expected {f:?} in {}", o.stderr);
    }
    assert!(!dir.path().join("s.json").exists());
}

#[test]
fn bad_values_are_errors_at_their_line_and_column() {
    refused(
        "bad-replicas-negative.yaml",
        &[
            "bad-replicas-negative.yaml:10:17: $.spec.workerGroupSpecs[0].replicas: expected replicas (a whole number, 0 or more), found -1",
        ],
    );
    refused(
        "bad-above-max.yaml",
        &["bad-above-max.yaml:12:17: $.spec.workerGroupSpecs[0].replicas: replicas 5 is above maxReplicas 3"],
    );
    refused(
        "bad-num-replicas.yaml",
        &[
            "bad-num-replicas.yaml:12:27: $.spec.serveConfigV2.applications[0].deployments[0].num_replicas: invalid type: string \"many\"",
            "(scenario field `serve.num_replicas`)",
        ],
    );
    refused(
        "bad-custom-resources.yaml",
        &[
            "bad-custom-resources.yaml:9:18: $.spec.headGroupSpec.rayStartParams.resources: expected custom resources as a JSON object in a string",
        ],
    );
    refused(
        "not-ray.yaml",
        &[
            "not-ray.yaml:1:1: $: expected a RayService or a RayCluster (ray.io/v1 or ray.io/v1alpha1), found Service, Deployment",
        ],
    );
}

#[test]
fn broken_yaml_is_an_error_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("kind: RayCluster\nmetadata:\n  name: [x\n", "y.yaml:4:1: $: invalid YAML"),
        ("kind: RayCluster\nkind: RayService\n", "y.yaml:2:1: $: duplicate key `kind`"),
        (
            "base: &b {x: 1}\nkind: RayCluster\n",
            "y.yaml:1:7: $: anchors (`&name`) and aliases (`*name`) are not accepted",
        ),
        (
            "apiVersion: ray.io/v1\nkind: RayService\nmetadata:\n  name: s\nspec:\n  serveConfigV2: |\n    applications:\n      - name: [\n  rayClusterConfig:\n    headGroupSpec: {}\n",
            "y.yaml:",
        ),
        (
            "apiVersion: ray.io/v2\nkind: RayCluster\nmetadata:\n  name: s\nspec:\n  headGroupSpec: {}\n",
            "y.yaml:1:13: $.apiVersion: expected apiVersion ray.io/v1 or ray.io/v1alpha1, found \"ray.io/v2\"",
        ),
        (
            "- just\n- a list\n",
            "y.yaml:1:1: $: expected a Kubernetes object (a mapping with a `kind`), found a sequence",
        ),
    ];
    for (text, fragment) in cases {
        std::fs::write(dir.path().join("y.yaml"), text).unwrap();
        let o = ftsim(dir.path(), &["import", "y.yaml"]);
        assert_eq!(o.code, Some(2), "{text}: {o:?}");
        assert!(
            o.stderr.starts_with("ftsim: ") && o.stderr.contains(fragment),
            "{text}: expected {fragment:?} in {o:?}"
        );
        assert!(!o.panicked(), "{o:?}");
    }
}
