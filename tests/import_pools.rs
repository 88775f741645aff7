//! `ftsim import` of node pools and zones (tests/fixtures/import/node-pools.yaml): a group's
//! `nodeSelector` or required node affinity on a node-pool or zone label places its pods in the
//! scenario's pools; every other placement field stays a warning with its line.

mod harness;

use std::path::Path;

use harness::ftsim;

/// The scenario `ftsim import` prints for `name`, and its stderr.
fn imported(name: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name);
    let o = ftsim(dir.path(), &["import", file.to_str().unwrap()]);
    assert_eq!(o.code, Some(0), "{o:?}");
    (serde_json::from_str(&o.stdout).unwrap(), o.stderr)
}

#[test]
fn selectors_and_required_affinities_place_the_groups_in_pools_and_zones() {
    let (s, _) = imported("node-pools.yaml");
    let c = &s["cluster"];
    assert_eq!(
        c["node_pools"],
        serde_json::json!([
            {"name": "system", "nodes": 1, "zone": "us-central1-a"},
            {"name": "cpu-pool", "nodes": 3, "zone": "us-central1-a"},
            {"name": "gpu-pool", "nodes": 2, "zone": "us-central1-b"},
            {"name": "default", "nodes": 1}
        ])
    );
    assert_eq!(c["k8s_nodes"], 7);
    assert_eq!(c["head_pool"], "system");
    let pools: Vec<&serde_json::Value> = c["worker_groups"].as_array().unwrap().iter().map(|g| &g["pool"]).collect();
    assert_eq!(pools, ["cpu-pool", "gpu-pool", "default"]);
}

#[test]
fn placement_that_names_no_single_pool_or_zone_is_warned_about_with_its_line() {
    let (_, stderr) = imported("node-pools.yaml");
    for (line, fragment) in [
        (30, "`kubernetes.io/arch` is no node pool label"),
        (53, "a preferred node affinity has no place in the model"),
        (60, "tolerations: pod placement is not read here"),
        (77, "only an `In` expression with one value names a pool or zone"),
        (9, "the YAML does not say how many nodes pool gpu-pool holds: one per Ray pod placed there assumed (2)"),
    ] {
        let hit = stderr.lines().any(|l| {
            l.starts_with("ftsim: warning: ") && l.contains(&format!("node-pools.yaml:{line}:")) && l.contains(fragment)
        });
        assert!(hit, "no warning at line {line} with {fragment:?}:\n{stderr}");
    }
    assert!(!stderr.contains("nodeSelector: pod placement"), "the selectors were read: {stderr}");
}

#[test]
fn a_cluster_placed_nowhere_in_particular_keeps_the_default_pool() {
    let (s, _) = imported("raycluster.yaml");
    assert!(s["cluster"].get("node_pools").is_none() && s["cluster"].get("head_pool").is_none(), "{s}");
}

#[test]
fn several_node_selector_terms_name_no_pool() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: x\nspec:\n  headGroupSpec:\n    rayStartParams: {num-cpus: \"1\"}\n  workerGroupSpecs:\n    - groupName: w\n      replicas: 1\n      rayStartParams: {num-cpus: \"1\"}\n      template:\n        spec:\n          affinity:\n            nodeAffinity:\n              requiredDuringSchedulingIgnoredDuringExecution:\n                nodeSelectorTerms:\n                  - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [a]}]\n                  - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [b]}]\n";
    std::fs::write(dir.path().join("terms.yaml"), yaml).unwrap();
    let o = ftsim(dir.path(), &["import", "terms.yaml"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(o.stderr.contains("terms.yaml:17:"), "{o:?}");
    assert!(o.stderr.contains("2 node selector terms, any of which may hold, name no single pool or zone"), "{o:?}");
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(s["cluster"].get("node_pools").is_none(), "{s}");
}
