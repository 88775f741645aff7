//! The scenario format is said once, in the field table (`src/scenario/fields/table/`); this
//! checks what is derived from it: docs/scenario-format.md must be what the table generates, and
//! the JSON Schema that `ftsim schema` prints must be a valid draft 2020-12 schema that accepts
//! every bundled scenario and rejects what ftsim rejects field by field.
//!
//! `FTSIM_BLESS=1 cargo test --test format_docs` rewrites docs/scenario-format.md from the table.

mod harness;

use ftsim::scenario::fields::{self, FIELDS, Kind, Slot, markdown::REGENERATE};
use ftsim::scenario::{bundled::BUNDLED, parse};
use serde_json::{Value, json};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario-format.md");

/// What `ftsim ARGS` prints on stdout; it must succeed.
fn ftsim_stdout(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = harness::run(harness::command(dir.path(), args));
    assert_eq!(out.code, Some(0), "ftsim {args:?}: {}", out.stderr);
    out.stdout
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&ftsim_stdout(&["schema"])).expect("ftsim schema prints JSON");
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The errors of `doc` against the schema, one line each.
fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_committed_document_is_what_the_table_generates() {
    let generated = ftsim_stdout(&["schema", "--markdown"]);
    assert_eq!(generated, fields::markdown::markdown(), "`ftsim schema --markdown` prints the generated document");
    if std::env::var_os("FTSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(DOC, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/scenario-format.md differs from what the field table generates (first difference at line {});\n\
         regenerate it: {REGENERATE} (or `ftsim schema --markdown > docs/scenario-format.md`)",
        committed.lines().zip(generated.lines()).take_while(|(a, b)| a == b).count() + 1
    );
}

#[test]
fn every_bundled_scenario_and_its_resolved_form_validate_against_the_schema() {
    let v = validator();
    assert!(BUNDLED.len() >= 13);
    for (name, text) in BUNDLED {
        let doc: Value = serde_json::from_str(text).unwrap();
        assert_eq!(schema_errors(&v, &doc), Vec::<String>::new(), "{name}");
        // With every default filled in: the table's defaults are within its own limits.
        let loaded = parse(text, name).unwrap();
        let resolved = serde_json::to_value(&loaded.resolved).unwrap();
        assert_eq!(schema_errors(&v, &resolved), Vec::<String>::new(), "{name} resolved");
    }
    assert_eq!(schema_errors(&v, &json!({})), Vec::<String>::new());
}

#[test]
fn the_schema_rejects_invalid_scenarios() {
    let v = validator();
    let invalid = [
        json!({"duration": 60}),
        json!({"duration_s": -1}),
        json!({"duration_s": "long"}),
        json!({"cluster": {"k8s_nodes": 0}}),
        json!({"cluster": {"worker_groups": [{"name": "Big_Group", "replicas": 2}]}}),
        json!({"cluster": {"worker_groups": [{"name": "g"}]}}),
        json!({"cluster": {"redis": {"mode": "cluster"}}}),
        json!({"serve": {"proxy_location": "Everywhere"}}),
        json!({"traffic": {"service_time": {"kind": "constant", "mean_s": 1}}}),
        json!({"faults": [{"kind": "meteor_strike", "at_s": 1}]}),
        json!({"faults": [{"kind": "redis_outage", "at_s": 1}]}),
        json!({"faults": [{"kind": "replica_crash"}]}),
        json!({"faults": [{"kind": "constructor_failure", "at_s": 1, "probability": 1.5}]}),
        json!({"slo": {"min_success_ratio": 2}}),
        json!({"timings": {"ray_start_s": 1e9}}),
    ];
    for doc in invalid {
        assert!(!v.is_valid(&doc), "the schema accepts {doc}");
        let text = doc.to_string();
        assert!(parse(&text, "t.json").is_err(), "ftsim accepts {doc}");
    }
}

/// A value just below each numeric field's lower limit, or `None` when the type has no such value.
fn below_limit(kind: &Kind) -> Option<Value> {
    match *kind {
        Kind::Secs { .. } | Kind::Cpus | Kind::Ratio | Kind::Probability | Kind::Rate => Some(json!(-1.0)),
        Kind::Int { lo, .. } if lo > 0 => Some(json!(lo - 1)),
        _ => None,
    }
}

/// `value` at the dotted `path` of an empty scenario.
fn scenario_with(path: &str, value: Value) -> Value {
    let mut doc = json!({});
    let keys: Vec<&str> = path.split('.').collect();
    let mut at = &mut doc;
    for k in &keys[..keys.len() - 1] {
        at = at.as_object_mut().unwrap().entry(*k).or_insert(json!({}));
    }
    at[keys[keys.len() - 1]] = value;
    doc
}

#[test]
fn ftsim_and_the_schema_apply_the_same_limits_to_every_field_of_the_table() {
    let v = validator();
    let mut checked = 0;
    for f in FIELDS.iter().filter(|f| !matches!(f.slot, Slot::Other)) {
        let Some(bad) = below_limit(&f.kind) else { continue };
        let doc = scenario_with(f.path, bad);
        assert!(!v.is_valid(&doc), "the schema accepts {doc}");
        let errors = parse(&doc.to_string(), "t.json").expect_err(&doc.to_string());
        let at = format!("$.{}", f.path);
        assert!(errors.iter().any(|e| e.to_string().contains(&at)), "{doc}: {errors:?}");
        checked += 1;
    }
    assert!(checked >= 45, "{checked} fields checked");
}

/// A scenario that gives every field of the format (all three service times, all four traffic
/// shapes and all nine fault kinds across the cases below), so that a field the table lacks, or the raw types lack, shows.
const EVERY_FIELD: &str = r#"{
  "$schema": "./ftsim-scenario.schema.json",
  "name": "every-field", "description": "d", "duration_s": 120, "seed": 3, "bucket_s": 2,
  "cluster": {"k8s_nodes": 4, "ray_pods_per_node": 2, "manager": "kuberay", "head_num_cpus": 2,
              "head_num_gpus": 1, "head_memory": "8Gi", "head_resources": {"accel": 1},
              "worker_groups": [{"name": "g", "replicas": 3, "min_replicas": 1, "max_replicas": 5, "num_cpus": 2,
                                 "pool": "pool-b", "num_gpus": 1,
                                 "memory": 4294967296, "resources": {"accel": 0.5}}],
              "gcs_fault_tolerance": true,
              "redis": {"mode": "ha", "node": "node-3", "password": "p4ss-word"},
              "node_pools": [{"name": "pool-a", "nodes": 1, "zone": "zone-a"}, {"name": "pool-b", "nodes": 3, "max_nodes": 4}],
              "head_pool": "pool-a",
              "autoscaler": {"enabled": true, "idle_timeout_s": 30, "upscaling_mode": "Conservative"}},
  "serve": {"deployment": "App", "num_replicas": 4, "num_cpus_per_replica": 1, "max_replicas_per_node": 2,
            "num_gpus_per_replica": 0.5, "memory_per_replica": "1Gi", "resources_per_replica": {"accel": 0.25},
            "max_ongoing_requests": 8, "constructor_s": 1, "health_check_period_s": 5,
            "health_check_timeout_s": 6, "graceful_shutdown_timeout_s": 7, "max_constructor_retry_count": 9,
            "proxy_location": "EveryNode",
            "autoscaling": {"min_replicas": 2, "max_replicas": 6, "initial_replicas": 4, "target_ongoing_requests": 1.5,
                            "metrics_interval_s": 5, "look_back_period_s": 20, "upscale_delay_s": 10,
                            "downscale_delay_s": 60, "upscaling_factor": 1.5, "downscaling_factor": 0.5}},
  "timings": {"actor_start_s": 1, "actor_death_detection_s": 1, "controller_recovery_s": 1,
              "routing_update_s": 0.1, "proxy_start_s": 1, "proxy_health_check_period_s": 1,
              "proxy_health_check_timeout_s": 1, "proxy_min_draining_s": 1, "queue_len_cache_s": 1,
              "gcs_health_check_period_s": 1, "gcs_health_check_timeout_s": 1,
              "gcs_health_check_failure_threshold": 2, "gcs_reconnect_timeout_s": 1,
              "worker_gcs_reconnect_timeout_s": 1, "gcs_redis_connect_window_s": 1, "gcs_redis_crash_s": 1,
              "stale_raylet_rejection_s": 1, "ray_block_poll_s": 1, "ray_start_s": 1, "head_ray_start_s": 1,
              "node_drain_timeout_s": 1, "pod_start_s": 1, "wait_gcs_ready_period_s": 1,
              "kubelet_restart_backoff_s": 1, "kubelet_restart_backoff_max_s": 2,
              "readiness_initial_delay_s": 1, "readiness_period_s": 1, "rayservice_reconcile_s": 1,
              "node_monitor_grace_s": 1, "orphan_pod_gc_s": 1, "node_provisioning_s": 1, "redis_failover_s": 1,
              "external_redis_failover_s": 1, "ray_autoscaler_update_s": 5, "serve_kv_timeout_s": 1, "long_poll_timeout_min_s": 1, "long_poll_timeout_max_s": 2,
              "cloud_node_monitor_s": 5, "pod_gc_period_s": 20},
  "ingress": "INGRESS",
  "traffic": {"arrivals": "constant", "rate_per_s": 5, "shape": {"kind": "SHAPE"},
              "service_time": {"kind": "SERVICE_TIME"}, "client_timeout_s": 30},
  "faults": [
    {"kind": "replica_crash", "at_s": 1, "target": "App#1"},
    {"kind": "replica_health_check_failure", "at_s": 2, "target": "App#2", "mode": "hang", "duration_s": 3},
    {"kind": "constructor_failure", "at_s": 3, "count": 2, "duration_s": 5},
    {"kind": "constructor_failure", "at_s": 3, "probability": 0.5, "duration_s": 5},
    {"kind": "controller_crash", "at_s": 4},
    {"kind": "controller_crash", "at_s": 4.5, "restart": false},
    {"kind": "proxy_crash", "at_s": 5, "target": "head"},
    {"kind": "worker_pod_deletion", "at_s": 6, "target": "g-2"},
    {"kind": "node_loss", "at_s": 7, "target": "node-4", "network": "refused"},
    {"kind": "head_pod_crash", "at_s": 8},
    {"kind": "redis_outage", "at_s": 9, "duration_s": 4},
    {"kind": "gcs_crash", "at_s": 10},
    {"kind": "container_crash", "at_s": 11, "target": "g-1", "reason": "error"},
    {"kind": "zone_outage", "at_s": 12, "zone": "zone-a", "network": "refused"}
  ],
  "failures": [
    {"kind": "node_loss", "name": "nodes", "ttf": {"kind": "exponential", "mean": 100, "unit": "h"},
     "min_gap_s": 60, "network": "refused"},
    {"kind": "node_loss", "name": "pool-nodes", "pool": "pool-b", "ttf": {"kind": "exponential", "mean": 100, "unit": "h"}},
    {"kind": "worker_pod_deletion", "ttf": {"kind": "weibull", "shape": 1.5, "scale": 50, "unit": "d"}},
    {"kind": "head_pod_crash", "ttf": {"kind": "lognormal", "median": 300, "sigma": 0.8, "unit": "h"}},
    {"kind": "replica_crash", "ttf": {"kind": "lognormal", "mu": 5, "sigma": 1, "unit": "h"}},
    {"kind": "replica_health_check_failure", "mode": "hang",
     "ttf": {"kind": "empirical", "csv": "tests/fixtures/intervals.csv", "unit": "h"},
     "ttr": {"kind": "exponential", "mean": 2, "unit": "min"}},
    {"kind": "proxy_crash", "ttf": {"kind": "exponential", "mean": 30, "unit": "d"}},
    {"kind": "controller_crash", "ttf": {"kind": "exponential", "mean": 30, "unit": "d"}},
    {"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 30, "unit": "d"},
     "ttr": {"kind": "exponential", "mean": 120, "unit": "s"}},
    {"kind": "rolling_restart", "every_s": 60, "start_s": 10, "gap_s": 20},
    {"kind": "zone_loss", "name": "zone-a", "nodes": ["node-1", "node-2"],
     "ttf": {"kind": "exponential", "mean": 1000, "unit": "h"}},
    {"kind": "zone_loss", "name": "zone-b", "zone": "pool-b", "ttf": {"kind": "exponential", "mean": 1000, "unit": "h"}}
  ],
  "slo": {"min_success_ratio": 0.9, "max_downtime_s": 10, "max_failed_requests": 100, "brownout_merge_gap_s": 3}
}"#;

#[test]
fn a_scenario_that_gives_every_field_is_accepted_by_ftsim_and_by_the_schema() {
    let v = validator();
    let service_times =
        [r#""constant", "s": 0.01"#, r#""exponential", "mean_s": 0.01"#, r#""uniform", "min_s": 0.01, "max_s": 0.02"#];
    let shapes = [
        r#""steps", "steps": [{"at_s": 0, "rate_per_s": 3}, {"at_s": 50, "rate_per_s": 0}]"#,
        r#""ramp", "at_s": 10, "span_s": 30, "to_per_s": 8"#,
        r#""daily", "amplitude_per_s": 2, "peak_hour": 18.5, "start_hour": 6"#,
        r#""csv", "csv": "tests/fixtures/rates.csv", "unit": "per_min""#,
    ];
    let mut given = String::new();
    let ingresses = [
        r#"{"kind": "pinned", "pod": "g-1"}"#,
        r#"{"kind": "load_balancer", "backends": ["head", "g"], "spread": "random", "when_all_unhealthy": "reject",
            "health_check": {"enabled": true, "period_s": 5, "timeout_s": 2, "unhealthy_threshold": 3,
                             "healthy_threshold": 1}}"#,
    ];
    for ((st, shape), ingress) in service_times.iter().cycle().zip(shapes).zip(ingresses.iter().cycle()) {
        let text =
            EVERY_FIELD.replace(r#""SERVICE_TIME""#, st).replace(r#""SHAPE""#, shape).replace(r#""INGRESS""#, ingress);
        given.push_str(&text);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(schema_errors(&v, &doc), Vec::<String>::new(), "{st}");
        let loaded = parse(&text, "every-field.json").unwrap_or_else(|e| panic!("{st}: {e:?}"));
        assert_eq!(loaded.scenario.faults.len(), 14);
        assert_eq!(loaded.scenario.failures.len(), 12);
        // `$schema` is for editors only: the resolved scenario recorded in reports leaves it out.
        assert!(!serde_json::to_string(&loaded.resolved).unwrap().contains("$schema"));
    }
    // `serve.applications` excludes the deployment fields at the top of `serve`: its own file.
    let text = r#"{"serve": {"proxy_location": "EveryNode", "applications": [
        {"name": "a", "route_prefix": "/a", "share": 0.25, "deployment": "A", "num_replicas": 1,
         "num_cpus_per_replica": 0.5, "max_replicas_per_node": 2, "max_ongoing_requests": 4, "constructor_s": 1,
         "health_check_period_s": 5, "health_check_timeout_s": 6, "graceful_shutdown_timeout_s": 7,
         "max_constructor_retry_count": 8},
        {"name": "b", "route_prefix": "/b", "share": 0.75,
         "autoscaling": {"min_replicas": 1, "max_replicas": 4, "initial_replicas": 2, "target_ongoing_requests": 1.5,
                         "metrics_interval_s": 5, "look_back_period_s": 20, "upscale_delay_s": 10,
                         "downscale_delay_s": 60, "upscaling_factor": 1, "downscaling_factor": 0.5}}]}}"#;
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(schema_errors(&v, &doc), Vec::<String>::new());
    assert_eq!(parse(text, "applications.json").unwrap().scenario.serve.applications.len(), 2);
    given.push_str(text);
    // Every field of the table appears in the files, under its path (array items and variants
    // by their last key).
    for f in FIELDS {
        let key = f.path.rsplit(['.', ']']).next().unwrap();
        assert!(given.contains(&format!("\"{key}\"")), "{} is not given", f.path);
    }
}
