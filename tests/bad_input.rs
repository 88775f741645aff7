//! Bad input, from broken JSON to absurd sizes: `ftsim validate FILE` and `ftsim run FILE --out
//! DIR` (the real binary) must each exit with code 2 and one clear `ftsim: ` message per problem
//! that names the JSON path (and the line and column, where there are any), never panic, never
//! hang, and write nothing.
//!
//! One table, one runner: each case is a file content (or a directory, or no file at all) and
//! the fragments its message must contain.

mod harness;

use std::path::Path;

use harness::{HANG_GUARD, Outcome, ftsim, snapshot};

/// The scenario file each case writes, in a temporary directory of its own.
const FILE: &str = "scenario.json";
/// The run directory `ftsim run` is pointed at; it must never appear.
const OUT: &str = "out/run";
/// Secrets in the cases above: no message may show them.
const SECRETS: [&str; 2] = ["s3cret", "5390351234"];
/// Longest acceptable standard error: messages quote user values briefly, however large.
const MAX_STDERR_BYTES: usize = 16 * 1024;

/// What is at [`FILE`] when ftsim runs.
enum Input {
    /// A file with this text.
    Text(&'static str),
    /// A file with these bytes, made when the case runs.
    Bytes(fn() -> Vec<u8>),
    /// A scenario with this text and, next to it, `intervals.csv` with this text.
    WithCsv(&'static str, &'static str),
    /// A scenario with this text and, next to it, `intervals.csv` with these bytes, made when
    /// the case runs.
    WithCsvBytes(&'static str, fn() -> Vec<u8>),
    /// A directory.
    Directory,
    /// Nothing.
    Missing,
}

/// One bad input and what both commands must say about it.
struct Case {
    name: &'static str,
    input: Input,
    /// Fragments standard error must contain (case-insensitive), e.g. `scenario.json:1:16: $.x`.
    expect: &'static [&'static str],
}

use Input::*;

#[rustfmt::skip]
const CASES: &[Case] = &[
    // --- Broken JSON ---
    Case { name: "empty file", input: Text(""), expect: &["scenario.json:1:1: $: expected an object (the scenario), found an empty file"] },
    Case { name: "blank file", input: Text(" \n\t\n"), expect: &["$: expected an object", "found an empty file"] },
    Case { name: "truncated object", input: Text("{\"duration_s\": 10,"), expect: &["scenario.json:1:18: $", "invalid JSON", "ends too early"] },
    Case { name: "truncated nested", input: Text("{\"serve\": {\"num_replicas\": 3}"), expect: &[":1:29: $", "invalid JSON", "ends too early"] },
    Case { name: "trailing garbage", input: Text("{} x"), expect: &[":1:4: $: invalid JSON: trailing characters"] },
    Case { name: "single quotes", input: Text("{'name': 'x'}"), expect: &[":1:2: $: invalid JSON: key must be a string"] },
    Case { name: "comment", input: Text("{\n  // no comments in JSON\n}"), expect: &[":2:3: $: invalid JSON"] },
    Case { name: "trailing comma", input: Text("{\"seed\": 1,}"), expect: &[":1:12: $", "invalid JSON: trailing comma"] },
    Case { name: "duplicate key", input: Text("{\"seed\": 1, \"seed\": 2}"), expect: &["$: duplicate field `seed`"] },
    Case { name: "NaN literal", input: Text("{\"duration_s\": NaN}"), expect: &[":1:16: $.duration_s: invalid JSON", "NaN and Infinity are not JSON numbers"] },
    Case { name: "Infinity literal", input: Text("{\"traffic\": {\"rate_per_s\": -Infinity}}"), expect: &["$.traffic.rate_per_s: invalid JSON", "not JSON numbers"] },
    // --- Not an object where one belongs ---
    Case { name: "null document", input: Text("null"), expect: &[":1:1: $: expected an object (the scenario), found null"] },
    Case { name: "array document", input: Text("[]"), expect: &[":1:1: $: expected an object (the scenario), found an array"] },
    Case { name: "string document", input: Text("\"working-example\""), expect: &["$: expected an object", "found a string"] },
    Case { name: "number document", input: Text("42"), expect: &["$: expected an object", "found a number"] },
    Case { name: "array for a struct", input: Text("{\"slo\": [0.5, null, null]}"), expect: &[":1:9: $.slo: expected an object, found an array"] },
    Case { name: "array for a fault", input: Text("{\"faults\": [[\"controller_crash\", 5]]}"), expect: &[":1:13: $.faults[0]: expected an object, found an array"] },
    Case { name: "null for a struct", input: Text("{\"cluster\": null}"), expect: &[":1:13: $.cluster: expected an object, found null"] },
    Case { name: "deep array nesting", input: Bytes(deep_arrays), expect: &[":1:1: $: expected an object (the scenario), found an array"] },
    Case { name: "deep nesting in a field", input: Bytes(deep_in_field), expect: &["$.description", "invalid type: sequence, expected a string"] },
    // --- Wrong types ---
    Case { name: "string for a number", input: Text("{\"duration_s\": \"long\"}"), expect: &[":1:16: $.duration_s: invalid type: string \"long\", expected a number"] },
    Case { name: "number for a string", input: Text("{\"name\": 5}"), expect: &["$.name: invalid type: integer `5`, expected a string"] },
    Case { name: "string for a boolean", input: Text("{\"cluster\": {\"gcs_fault_tolerance\": \"yes\"}}"), expect: &["$.cluster.gcs_fault_tolerance: invalid type: string \"yes\", expected a boolean"] },
    Case { name: "fraction for an integer", input: Text("{\"serve\": {\"num_replicas\": 6.5}}"), expect: &["$.serve.num_replicas: invalid type: floating point `6.5`, expected an integer"] },
    Case { name: "null faults", input: Text("{\"faults\": null}"), expect: &["$.faults: invalid type: null, expected an array"] },
    // --- Unknown and missing fields ---
    Case { name: "unknown top-level field", input: Text("{\"durations\": 10}"), expect: &[":1:15: $.durations: unknown field `durations`, expected one of"] },
    Case { name: "unknown nested field", input: Text("{\n  \"serve\": {\"num_replica\": 3}\n}"), expect: &[":2:", "$.serve.num_replica: unknown field `num_replica`"] },
    Case { name: "unknown fault field", input: Text( "{\"faults\": [{\"kind\": \"replica_crash\", \"at_s\": 5, \"targte\": \"x\"}]}", ), expect: &["$.faults[0]", "unknown field `targte`"] },
    Case { name: "unknown fault kind", input: Text("{\"faults\": [{\"kind\": \"meteor\", \"at_s\": 5}]}"), expect: &["$.faults[0].kind: unknown variant `meteor`, expected one of"] },
    Case { name: "fault without kind", input: Text("{\"faults\": [{\"at_s\": 5}]}"), expect: &["$.faults[0]: missing field `kind`"] },
    Case { name: "fault without time", input: Text("{\"faults\": [{\"kind\": \"controller_crash\"}]}"), expect: &["$.faults[0]: missing field `at_s`"] },
    Case { name: "worker group without replicas", input: Text("{\"cluster\": {\"worker_groups\": [{\"name\": \"a\"}]}}"), expect: &["$.cluster.worker_groups[0]: missing field `replicas`"] },
    Case { name: "redis outage without duration", input: Text("{\"faults\": [{\"kind\": \"redis_outage\", \"at_s\": 5}]}"), expect: &["$.faults[0]: missing field `duration_s`"] },
    // --- Secrets: refused without being shown (see SECRETS) ---
    Case { name: "number for the password", input: Text("{\"cluster\": {\"redis\": {\"password\": 5390351234}}}"), expect: &[":1:36: $.cluster.redis.password: expected a string", "not shown"] },
    Case { name: "password with a space", input: Text("{\"cluster\": {\"redis\": {\"password\": \"S3CRET word\"}}}"), expect: &["$.cluster.redis.password: expected 1 to 128 printable ASCII characters", "found whitespace", "not shown"] },
    Case { name: "password with a newline", input: Text("{\"cluster\": {\"redis\": {\"password\": \"S3CRET\\nrequirepass x\"}}}"), expect: &["$.cluster.redis.password", "found whitespace"] },
    Case { name: "password with a quote", input: Text("{\"cluster\": {\"redis\": {\"password\": \"S3CRET\\\"\"}}}"), expect: &["$.cluster.redis.password", "found a quote"] },
    Case { name: "empty password", input: Text("{\"cluster\": {\"redis\": {\"password\": \"\"}}}"), expect: &["$.cluster.redis.password", "found 0 characters"] },
    // --- Numbers out of range ---
    Case { name: "negative duration", input: Text("{\"duration_s\": -5}"), expect: &[":1:16: $.duration_s: expected a duration in seconds >= 0, found -5"] },
    Case { name: "zero duration", input: Text("{\"duration_s\": 0}"), expect: &["$.duration_s: expected a positive number of seconds"] },
    Case { name: "negative integer", input: Text("{\"cluster\": {\"k8s_nodes\": -1}}"), expect: &["$.cluster.k8s_nodes: invalid value: integer `-1`, expected an integer from 0"] },
    Case { name: "number beyond f64 (1e309)", input: Text("{\"duration_s\": 1e309}"), expect: &[":1:", "$.duration_s: invalid JSON: number out of range"] },
    Case { name: "huge duration (1e300)", input: Text("{\"duration_s\": 1e300}"), expect: &["$.duration_s: expected at most 31622400 s (the longest counted run), found 1e300"] },
    Case { name: "duration beyond the time type", input: Text("{\"duration_s\": 18446744073709.6}"), expect: &["$.duration_s: expected at most 31622400 s", "found 18446744073709.6"] },
    Case { name: "fault time beyond the time type", input: Text("{\"faults\": [{\"kind\": \"head_pod_crash\", \"at_s\": 1e19}]}"), expect: &["$.faults[0].at_s: expected at most 31622400 s", "found 1e19"] },
    Case { name: "a per-request run over 7 days", input: Text("{\"duration_s\": 700000, \"traffic\": {\"mode\": \"per_request\", \"rate_per_s\": 1}}"), expect: &["$.duration_s: expected at most 604800 s for a per-request run, found 700000; this run is per-request (traffic.mode is per_request)"] },
    Case { name: "a per-request run of 21 M requests", input: Text("{\"duration_s\": 21000, \"traffic\": {\"mode\": \"per_request\", \"rate_per_s\": 1000}}"), expect: &["$.traffic.rate_per_s: rate_per_s x duration_s = 21000000 requests, more than the limit of 20000000 for a per-request run"] },
    Case { name: "a long run that auto cannot count", input: Text("{\"duration_s\": 700000, \"serve\": {\"num_replicas\": 1}, \"traffic\": {\"rate_per_s\": 1000}}"), expect: &["$.duration_s: expected at most 604800 s for a per-request run", "auto: duration_s above 604800 s, but counted mode's error bound", "is above 0.001"] },
    Case { name: "a counted run over 366 days", input: Text("{\"duration_s\": 31622401, \"traffic\": {\"mode\": \"counted\"}}"), expect: &["$.duration_s: expected at most 31622400 s (the longest counted run), found 31622401"] },
    Case { name: "an unknown traffic mode", input: Text("{\"traffic\": {\"mode\": \"fast\"}}"), expect: &["traffic.mode", "fast"] },
    Case { name: "u64 overflow", input: Text("{\"seed\": 18446744073709551616}"), expect: &["$.seed: invalid type: floating point", "expected an integer from 0 to 18446744073709551615"] },
    Case { name: "u64 overflow in a count", input: Text("{\"cluster\": {\"k8s_nodes\": 18446744073709551616}}"), expect: &["$.cluster.k8s_nodes", "expected an integer from 0 to 18446744073709551615"] },
    Case { name: "probability above 1", input: Text( "{\"faults\": [{\"kind\": \"constructor_failure\", \"at_s\": 5, \"probability\": 1.5}]}", ), expect: &["$.faults[0].probability: expected a probability from 0 to 1, found 1.5"] },
    Case { name: "bucket longer than the run", input: Text("{\"duration_s\": 10, \"bucket_s\": 20}"), expect: &["$.bucket_s: expected at most duration_s"] },
    // --- Faults that cannot happen ---
    Case { name: "unknown replica", input: Text( "{\"faults\": [{\"kind\": \"replica_crash\", \"at_s\": 5, \"target\": \"Nope#1\"}]}", ), expect: &[":1:60: $.faults[0].target: unknown replica \"Nope#1\"; expected one of: SleepyPid#1"] },
    Case { name: "unknown node", input: Text( "{\"faults\": [{\"kind\": \"node_loss\", \"at_s\": 5, \"target\": \"node-9\"}]}", ), expect: &["$.faults[0].target: unknown node \"node-9\"; expected one of: node-1, node-2, node-3"] },
    Case { name: "head is no worker pod", input: Text( "{\"faults\": [{\"kind\": \"worker_pod_deletion\", \"at_s\": 5, \"target\": \"head\"}]}", ), expect: &["$.faults[0].target: unknown worker pod \"head\""] },
    Case { name: "fault after the end", input: Text( "{\"duration_s\": 100, \"faults\": [{\"kind\": \"controller_crash\", \"at_s\": 1000}]}", ), expect: &["$.faults[0].at_s: expected a time before the end of the run", "found 1000"] },
    Case { name: "fault at the end", input: Text( "{\"duration_s\": 100, \"faults\": [{\"kind\": \"controller_crash\", \"at_s\": 100}]}", ), expect: &["$.faults[0].at_s: expected a time before the end of the run"] },
    Case { name: "restart on a replica crash", input: Text("{\"faults\": [{\"kind\": \"replica_crash\", \"at_s\": 5, \"restart\": false}]}"), expect: &[":1:13: $.faults[0]: unknown field `restart`, expected `at_s` or `target`"] },
    Case { name: "restart not a boolean", input: Text("{\"faults\": [{\"kind\": \"controller_crash\", \"at_s\": 5, \"restart\": \"no\"}]}"), expect: &["$.faults[0]: invalid type: string \"no\", expected a boolean"] },
    Case { name: "zero KV timeout", input: Text("{\"timings\": {\"serve_kv_timeout_s\": 0}}"), expect: &[":1:36: $.timings.serve_kv_timeout_s: expected a positive number of seconds (at least 0.000001), found 0"] },
    Case { name: "long-poll bounds reversed", input: Text("{\"timings\": {\"long_poll_timeout_min_s\": 30, \"long_poll_timeout_max_s\": 10}}"), expect: &[":1:72: $.timings.long_poll_timeout_max_s: expected at least long_poll_timeout_min_s (30), found 10"] },
    Case { name: "long-poll upper bound under the default lower", input: Text("{\"timings\": {\"long_poll_timeout_max_s\": 10}}"), expect: &["$.timings.long_poll_timeout_max_s: expected at least long_poll_timeout_min_s (30), found 10"] },
    Case { name: "negative long-poll bound", input: Text("{\"timings\": {\"long_poll_timeout_min_s\": -1}}"), expect: &[":1:41: $.timings.long_poll_timeout_min_s: expected a duration in seconds >= 0, found -1"] },
    Case { name: "redis outage without GCS FT", input: Text( "{\"cluster\": {\"gcs_fault_tolerance\": false}, \"faults\": [{\"kind\": \"redis_outage\", \"at_s\": 5, \"duration_s\": 5}]}", ), expect: &["$.faults[0].kind: a redis_outage needs cluster.gcs_fault_tolerance = true"] },
    Case { name: "pod deletion on plain Ray", input: Text(r#"{"cluster": {"manager": "plain"}, "faults": [{"kind": "worker_pod_deletion", "at_s": 5}]}"#), expect: &[":1:55: $.faults[0].kind: cluster.manager is plain: a worker_pod_deletion deletes a Kubernetes pod and there is none"] },
    Case { name: "rolling restart on plain Ray", input: Text(r#"{"cluster": {"manager": "plain"}, "failures": [{"kind": "rolling_restart", "every_s": 600}]}"#), expect: &["$.failures[0].kind: cluster.manager is plain: a rolling_restart deletes Kubernetes pods"] },
    Case { name: "pod deletion process on plain Ray", input: Text(r#"{"cluster": {"manager": "plain"}, "failures": [{"kind": "worker_pod_deletion", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0].kind: cluster.manager is plain: a worker_pod_deletion deletes a Kubernetes pod"] },
    Case { name: "Service ingress on plain Ray", input: Text(r#"{"cluster": {"manager": "plain"}, "ingress": {"kind": "service"}}"#), expect: &["$.ingress.kind: cluster.manager is plain: there is no Kubernetes Service"] },
    Case { name: "unknown manager", input: Text(r#"{"cluster": {"manager": "slurm"}}"#), expect: &["$.cluster.manager", "unknown variant `slurm`, expected `kuberay` or `plain`"] },
    Case { name: "container crash of an unknown pod", input: Text( "{\"faults\": [{\"kind\": \"container_crash\", \"at_s\": 5, \"target\": \"node-1\"}]}", ), expect: &[":1:62: $.faults[0].target: unknown pod \"node-1\"; expected one of: head, small-group-1, small-group-2"] },
    Case { name: "container crash with an unknown reason", input: Text( "{\"faults\": [{\"kind\": \"container_crash\", \"at_s\": 5, \"reason\": \"segfault\"}]}", ), expect: &[":1:13: $.faults[0]: unknown variant `segfault`, expected `oom_killed` or `error`"] },
    Case { name: "partition of an unknown node", input: Text( "{\"faults\": [{\"kind\": \"network_partition\", \"at_s\": 5, \"target\": \"small-group-9\", \"duration_s\": 100}]}", ), expect: &[":1:64: $.faults[0].target: unknown worker pod \"small-group-9\"; expected one of: small-group-1, small-group-2"] },
    Case { name: "partition of the head", input: Text( "{\"faults\": [{\"kind\": \"network_partition\", \"at_s\": 5, \"target\": \"head\"}]}", ), expect: &["$.faults[0].target: unknown worker pod \"head\""] },
    Case { name: "partition of zero seconds", input: Text( "{\"faults\": [{\"kind\": \"network_partition\", \"at_s\": 5, \"target\": \"small-group-1\", \"duration_s\": 0}]}", ), expect: &[":1:95: $.faults[0].duration_s: expected a positive number of seconds (at least 0.000001), found 0"] },
    Case { name: "partition of negative seconds", input: Text( "{\"faults\": [{\"kind\": \"network_partition\", \"at_s\": 5, \"target\": \"small-group-1\", \"duration_s\": -30}]}", ), expect: &[":1:95: $.faults[0].duration_s: expected a duration in seconds >= 0, found -30"] },
    Case { name: "deletion of an unknown node", input: Text( "{\"faults\": [{\"kind\": \"node_delete\", \"at_s\": 5, \"target\": \"node-9\"}]}", ), expect: &["$.faults[0].target: unknown node \"node-9\"; expected one of: node-1, node-2, node-3"] },
    Case { name: "unreachable unknown node", input: Text( "{\"faults\": [{\"kind\": \"node_unreachable\", \"at_s\": 5, \"target\": \"node-9\", \"duration_s\": 60}]}", ), expect: &["$.faults[0].target: unknown node \"node-9\""] },
    Case { name: "unreachable head node", input: Text( "{\"faults\": [{\"kind\": \"node_unreachable\", \"at_s\": 5, \"target\": \"node-1\"}]}", ), expect: &["$.faults[0].target: \"node-1\" hosts the head pod: a node_unreachable of it is not modelled"] },
    Case { name: "unreachable node for zero seconds", input: Text( "{\"faults\": [{\"kind\": \"node_unreachable\", \"at_s\": 5, \"target\": \"node-3\", \"duration_s\": 0}]}", ), expect: &["$.faults[0].duration_s: expected a positive number of seconds (at least 0.000001), found 0"] },
    Case { name: "unreachable node for negative seconds", input: Text( "{\"faults\": [{\"kind\": \"node_unreachable\", \"at_s\": 5, \"target\": \"node-3\", \"duration_s\": -5}]}", ), expect: &["$.faults[0].duration_s: expected a duration in seconds >= 0, found -5"] },
    Case { name: "node deletion on plain Ray", input: Text( "{\"cluster\": {\"manager\": \"plain\"}, \"faults\": [{\"kind\": \"node_delete\", \"at_s\": 5}]}", ), expect: &["$.faults[0].kind: cluster.manager is plain: node_delete and node_unreachable act on Kubernetes Node objects"] },
    Case { name: "when_all_unhealthy without a load balancer", input: Text( "{\"ingress\": {\"kind\": \"service\", \"when_all_unhealthy\": \"reject\"}}", ), expect: &["$.ingress.when_all_unhealthy: unexpected field: only a \"load_balancer\" ingress has it"] },
    Case { name: "gcs crash has no target", input: Text( "{\"faults\": [{\"kind\": \"gcs_crash\", \"at_s\": 5, \"target\": \"head\"}]}", ), expect: &["$.faults[0]", "unknown field `target`"] },
    Case { name: "no worker to delete", input: Text( "{\"cluster\": {\"worker_groups\": []}, \"faults\": [{\"kind\": \"worker_pod_deletion\", \"at_s\": 5}]}", ), expect: &["$.faults[0].target: no worker pod exists to pick at random"] },
    Case { name: "constructor retry loop at one instant", input: Text("{\"serve\": {\"constructor_s\": 0}, \"timings\": {\"actor_start_s\": 0}, \"faults\": [{\"kind\": \"constructor_failure\", \"at_s\": 5, \"probability\": 1}]}"), expect: &["$.faults[0]: a lasting constructor failure with actor_start_s + constructor_s = 0 retries forever"] },
    Case { name: "a week of failing constructors", input: Text("{\"duration_s\": 604800, \"serve\": {\"num_replicas\": 100}, \"faults\": [{\"kind\": \"constructor_failure\", \"at_s\": 5, \"probability\": 0.5}]}"), expect: &["$.faults[0]: constructor_failure faults can fail up to 5040500 constructor attempts", "expected at most 10000 in all"] },
    Case { name: "head crash loop without back-off (issue 10)", input: Text("{\"timings\": {\"gcs_redis_connect_window_s\": 0.000001, \"kubelet_restart_backoff_s\": 0, \"kubelet_restart_backoff_max_s\": 0, \"head_ray_start_s\": 0}, \"faults\": [{\"kind\": \"redis_outage\", \"at_s\": 10, \"duration_s\": 100}]}"), expect: &[":1:83: $.timings.kubelet_restart_backoff_s: expected at least 1 s, found 0", "crash loop"] },
    Case { name: "sub-second kubelet back-off", input: Text("{\"timings\": {\"kubelet_restart_backoff_s\": 0.5}}"), expect: &["$.timings.kubelet_restart_backoff_s: expected at least 1 s, found 0.5"] },
    Case { name: "negative brownout merge gap", input: Text("{\"slo\": {\"brownout_merge_gap_s\": -1}}"), expect: &["$.slo.brownout_merge_gap_s: expected a duration in seconds >= 0, found -1"] },
    Case { name: "constructor failure count above the limit", input: Text("{\"faults\": [{\"kind\": \"constructor_failure\", \"at_s\": 5, \"count\": 20000}]}"), expect: &["$.faults[0].count: expected an integer from 1 to 10000, found 20000"] },
    // --- Empty and absurd clusters ---
    Case { name: "no nodes", input: Text("{\"cluster\": {\"k8s_nodes\": 0}}"), expect: &[":1:27: $.cluster.k8s_nodes: expected an integer from 1 to 1000, found 0"] },
    Case { name: "no replicas", input: Text("{\"serve\": {\"num_replicas\": 0}}"), expect: &["$.serve.num_replicas: expected an integer from 1 to 10000, found 0"] },
    Case { name: "no traffic", input: Text("{\"traffic\": {\"rate_per_s\": 0}}"), expect: &["$.traffic.rate_per_s: expected a request rate > 0 per second, found 0"] },
    Case { name: "pinned to a pod of an empty group list", input: Text( "{\"cluster\": {\"worker_groups\": []}, \"ingress\": {\"kind\": \"pinned\", \"pod\": \"small-group-1\"}}", ), expect: &["$.ingress.pod: unknown pod \"small-group-1\"; the pods are head"] },
    Case { name: "load balancer without backends", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"backends\": []}}"), expect: &["$.ingress.backends: a load balancer needs at least one backend"] },
    Case { name: "load balancer backend naming nothing", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"backends\": [\"head\", \"big-group\"]}}"), expect: &["$.ingress.backends[1]: \"big-group\" names no pod and no worker group", "the groups are small-group"] },
    Case { name: "load balancer threshold 0", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"health_check\": {\"unhealthy_threshold\": 0}}}"), expect: &["$.ingress.health_check.unhealthy_threshold:", "found 0"] },
    Case { name: "load balancer healthy threshold 0", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"health_check\": {\"healthy_threshold\": 0}}}"), expect: &["$.ingress.health_check.healthy_threshold:", "found 0"] },
    Case { name: "load balancer period 0", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"health_check\": {\"period_s\": 0, \"timeout_s\": 0.5}}}"), expect: &["$.ingress.health_check.period_s:"] },
    Case { name: "load balancer negative period", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"health_check\": {\"period_s\": -5}}}"), expect: &["$.ingress.health_check.period_s:"] },
    Case { name: "load balancer timeout over period", input: Text("{\"ingress\": {\"kind\": \"load_balancer\", \"health_check\": {\"period_s\": 5, \"timeout_s\": 6}}}"), expect: &["$.ingress.health_check.timeout_s: a probe's timeout (6 s) must not exceed the period between probes (5 s)"] },
    Case { name: "backends without a load balancer", input: Text("{\"ingress\": {\"kind\": \"service\", \"backends\": [\"head\"]}}"), expect: &["$.ingress.backends: unexpected field: only a \"load_balancer\" ingress has it"] },
    Case { name: "a billion replicas", input: Text("{\"serve\": {\"num_replicas\": 1000000000}}"), expect: &["$.serve.num_replicas: expected an integer from 1 to 10000, found 1000000000"] },
    Case { name: "a billion nodes", input: Text("{\"cluster\": {\"k8s_nodes\": 1000000000}}"), expect: &["$.cluster.k8s_nodes: expected an integer from 1 to 1000, found 1000000000"] },
    Case { name: "a billion worker pods", input: Text( "{\"cluster\": {\"worker_groups\": [{\"name\": \"g\", \"replicas\": 1000000000}]}}", ), expect: &["$.cluster.worker_groups[0].replicas: expected an integer from 0 to 1000, found 1000000000"] },
    Case { name: "too many worker pods in all", input: Bytes(many_worker_pods), expect: &["$.cluster.worker_groups: expected at most 1000 worker pods in all groups, found 2000"] },
    Case { name: "too many worker groups", input: Bytes(many_worker_groups), expect: &["$.cluster.worker_groups: expected at most 100 worker groups, found 100000"] },
    Case { name: "too many faults", input: Bytes(many_faults), expect: &["$.faults: expected at most 1000 faults, found 1001"] },
    Case { name: "10^12 requests", input: Text("{\"duration_s\": 604800, \"traffic\": {\"rate_per_s\": 1000000}}"), expect: &["$.traffic.rate_per_s: rate_per_s x duration_s = 604800000000 requests, more than the limit of 20000000"] },
    Case { name: "too many buckets", input: Text("{\"duration_s\": 604800, \"bucket_s\": 0.001}"), expect: &["$.bucket_s: too many buckets"] },
    Case { name: "megabyte name", input: Bytes(long_name), expect: &["$.name: expected 1-100 characters", "(1000000 characters)"] },
    Case { name: "listed targets stay short", input: Text( "{\"serve\": {\"num_replicas\": 10000}, \"faults\": [{\"kind\": \"replica_crash\", \"at_s\": 5, \"target\": \"x\"}]}", ), expect: &["$.faults[0].target: unknown replica \"x\"", "(10000 in all, up to SleepyPid#10000)"] },
    // --- Files that are not scenario text ---
    Case { name: "10 MB file", input: Bytes(ten_megabytes), expect: &["scenario.json: file is ", "bytes, more than the limit of 4194304"] },
    Case { name: "not UTF-8", input: Bytes(not_utf8), expect: &["scenario.json:2:14: $: expected UTF-8 text, found the byte 0xff"] },
    Case { name: "UTF-8 byte-order mark", input: Text("\u{feff}{}"), expect: &["scenario.json:1:1: $: expected an object (the scenario), found a byte-order mark"] },
    Case { name: "UTF-16", input: Bytes(utf16), expect: &["scenario.json:1:1: $: expected UTF-8 text, found the byte 0xff"] },
    // --- Failure processes ---
    Case { name: "negative MTBF", input: Text(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "exponential", "mean": -5, "unit": "h"}}]}"#), expect: &["$.failures[0].ttf.mean: expected a number > 0, found -5"] },
    Case { name: "zero MTTR", input: Text(r#"{"failures": [{"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}, "ttr": {"kind": "exponential", "mean": 0, "unit": "s"}}]}"#), expect: &["$.failures[0].ttr.mean: expected a number > 0, found 0"] },
    Case { name: "Weibull shape 0", input: Text(r#"{"failures": [{"kind": "replica_crash", "ttf": {"kind": "weibull", "shape": 0, "scale": 3, "unit": "d"}}]}"#), expect: &["$.failures[0].ttf.shape: expected a number > 0, found 0"] },
    Case { name: "lognormal median and mu", input: Text(r#"{"failures": [{"kind": "head_pod_crash", "ttf": {"kind": "lognormal", "median": 3, "mu": 1, "sigma": 1, "unit": "d"}}]}"#), expect: &["$.failures[0].ttf.mu: expected either median or mu, found both"] },
    Case { name: "distribution without unit", input: Text(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 5}}]}"#), expect: &["$.failures[0]: missing field `unit`"] },
    Case { name: "unknown failure kind", input: Text(r#"{"failures": [{"kind": "disk_full", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0]", "unknown variant `disk_full`"] },
    Case { name: "redis outage process without ttr", input: Text(r#"{"failures": [{"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0]", "missing field `ttr`"] },
    Case { name: "redis outage process without GCS FT", input: Text(r#"{"cluster": {"gcs_fault_tolerance": false}, "failures": [{"kind": "redis_outage", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}, "ttr": {"kind": "exponential", "mean": 5, "unit": "min"}}]}"#), expect: &["$.failures[0].kind: a redis_outage needs cluster.gcs_fault_tolerance"] },
    Case { name: "empirical CSV missing", input: Text(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "empirical", "csv": "nope.csv", "unit": "h"}}]}"#), expect: &["scenario.json:1:", "$.failures[0].ttf.csv: cannot read nope.csv"] },
    Case { name: "empirical CSV empty", input: WithCsv(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "empirical", "csv": "intervals.csv", "unit": "h"}}]}"#, "hours

"), expect: &["$.failures[0].ttf.csv: intervals.csv: expected at least one interval, found none"] },
    Case { name: "empirical CSV not numeric", input: WithCsv(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "empirical", "csv": "intervals.csv", "unit": "h"}}]}"#, "hours
12
abc
"), expect: &["$.failures[0].ttf.csv: intervals.csv:3: expected a number, found \"abc\""] },
    Case { name: "empirical CSV negative", input: WithCsv(r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "empirical", "csv": "intervals.csv", "unit": "h"}}]}"#, "12
-4
"), expect: &["intervals.csv:2: expected a positive interval, found -4"] },
    // --- Traffic shapes ---
    Case { name: "a negative step rate", input: Text(r#"{"traffic": {"shape": {"kind": "steps", "steps": [{"at_s": 10, "rate_per_s": -5}]}}}"#), expect: &["scenario.json:1:", "$.traffic.shape.steps[0].rate_per_s: expected a request rate from 0 to 1000000 per second, found -5"] },
    Case { name: "steps out of order", input: Text(r#"{"traffic": {"shape": {"kind": "steps", "steps": [{"at_s": 20, "rate_per_s": 5}, {"at_s": 10, "rate_per_s": 6}]}}}"#), expect: &["$.traffic.shape.steps[1].at_s: expected steps in increasing order of at_s: after the previous step's (20s), found 10"] },
    Case { name: "a step after the run", input: Text(r#"{"duration_s": 100, "traffic": {"shape": {"kind": "steps", "steps": [{"at_s": 150, "rate_per_s": 5}]}}}"#), expect: &["$.traffic.shape.steps[0].at_s: expected a time before the end of the run (duration_s = 100s), found 150"] },
    Case { name: "no steps", input: Text(r#"{"traffic": {"shape": {"kind": "steps", "steps": []}}}"#), expect: &["$.traffic.shape.steps: expected 1 to 10000 steps, found 0"] },
    Case { name: "a ramp of zero span", input: Text(r#"{"traffic": {"shape": {"kind": "ramp", "at_s": 10, "span_s": 0, "to_per_s": 50}}}"#), expect: &["$.traffic.shape.span_s: expected a positive number of seconds (at least 0.000001), found 0"] },
    Case { name: "a daily cycle below zero", input: Text(r#"{"traffic": {"rate_per_s": 20, "shape": {"kind": "daily", "amplitude_per_s": 30, "peak_hour": 18}}}"#), expect: &["$.traffic.shape.amplitude_per_s: expected at most traffic.rate_per_s (20), the mean rate, found 30"] },
    Case { name: "a peak at hour 24", input: Text(r#"{"traffic": {"shape": {"kind": "daily", "amplitude_per_s": 3, "peak_hour": 24}}}"#), expect: &["$.traffic.shape.peak_hour: expected an hour of the day from 0 to 24 (excluded), found 24"] },
    Case { name: "an unknown shape", input: Text(r#"{"traffic": {"shape": {"kind": "weekly"}}}"#), expect: &["$.traffic.shape", "weekly"] },
    Case { name: "a shape over the per-request limit", input: Text(r#"{"duration_s": 21000, "traffic": {"mode": "per_request", "rate_per_s": 10, "shape": {"kind": "steps", "steps": [{"at_s": 1, "rate_per_s": 1000}]}}}"#), expect: &["$.traffic.shape: the shape's expected requests over duration_s = 20999010 requests, more than the limit of 20000000 for a per-request run"] },
    Case { name: "rates CSV missing", input: Text(r#"{"traffic": {"shape": {"kind": "csv", "csv": "nope.csv", "unit": "per_s"}}}"#), expect: &["$.traffic.shape.csv: cannot read nope.csv"] },
    Case { name: "rates CSV empty", input: WithCsv(r#"{"traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_s"}}}"#, "rate_per_s\n"), expect: &["$.traffic.shape.csv: intervals.csv: expected at least one rate, found none"] },
    Case { name: "rates CSV not numeric", input: WithCsv(r#"{"traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_s"}}}"#, "rate_per_s\n12\nabc\n"), expect: &["$.traffic.shape.csv: intervals.csv:3: expected a number, found \"abc\""] },
    Case { name: "rates CSV negative", input: WithCsv(r#"{"traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_min"}}}"#, "12\n-4\n"), expect: &["intervals.csv:2: expected a rate from 0 to 60000000 in the file's unit, found -4"] },
    Case { name: "rates CSV with an empty line", input: WithCsv(r#"{"traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_s"}}}"#, "12\n\n13\n14\n"), expect: &["intervals.csv:2: expected a rate, found an empty line"] },
    Case { name: "rates CSV shorter than the run", input: WithCsv(r#"{"duration_s": 180, "traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_s"}}}"#, "12\n13\n"), expect: &["$.traffic.shape.csv: intervals.csv: expected a rate for each of the run's 3 minutes (duration_s = 180s), found 2"] },
    Case { name: "rates CSV too long", input: WithCsvBytes(r#"{"traffic": {"shape": {"kind": "csv", "csv": "intervals.csv", "unit": "per_s"}}}"#, long_rates), expect: &["$.traffic.shape.csv: intervals.csv: expected at most 527040 rates"] },
    Case { name: "a node failing every millisecond for a week", input: Text(r#"{"duration_s": 604800, "failures": [{"kind": "node_loss", "ttf": {"kind": "exponential", "mean": 1, "unit": "s"}}]}"#), expect: &["$.failures[0]: the failure processes would generate about 1814400 faults", "expected at most 100000 in all"] },
    Case { name: "zone of an unknown node", input: Text(r#"{"failures": [{"kind": "zone_loss", "name": "zone-a", "nodes": ["node-1", "node-9"], "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0].nodes[1]: unknown node \"node-9\""] },
    Case { name: "a group on an unknown pool", input: Text(r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 3}], "worker_groups": [{"name": "w", "replicas": 1, "pool": "b"}]}}"#), expect: &["$.cluster.worker_groups[0].pool: unknown node pool \"b\"; expected one of: a"] },
    Case { name: "a head on an unknown pool", input: Text(r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 3}], "head_pool": "x"}}"#), expect: &["$.cluster.head_pool: unknown node pool \"x\""] },
    Case { name: "a pool too small for its pods", input: Text(r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 1}, {"name": "b", "nodes": 2}], "worker_groups": [{"name": "w", "replicas": 2, "pool": "b"}, {"name": "v", "replicas": 1, "pool": "b"}]}}"#), expect: &["$.cluster.node_pools[1].nodes: the cluster does not fit: 3 Ray pods need more than 2 nodes of pool \"b\" x 1 Ray pods per node"] },
    Case { name: "two pools of one name", input: Text(r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 2}, {"name": "a", "nodes": 2}]}}"#), expect: &["$.cluster.node_pools[1].name: duplicate node pool name \"a\""] },
    Case { name: "an empty zone name", input: Text(r#"{"cluster": {"node_pools": [{"name": "a", "nodes": 3, "zone": ""}]}}"#), expect: &["$.cluster.node_pools[0].zone: expected a lowercase DNS label"] },
    Case { name: "pools that disagree with k8s_nodes", input: Text(r#"{"cluster": {"k8s_nodes": 4, "node_pools": [{"name": "a", "nodes": 3}]}}"#), expect: &["$.cluster.k8s_nodes: the node pools hold 3 nodes in all, but cluster.k8s_nodes is 4"] },
    Case { name: "an outage of an unknown zone", input: Text(r#"{"faults": [{"kind": "zone_outage", "at_s": 10, "zone": "mars"}]}"#), expect: &["$.faults[0].zone: unknown zone \"mars\"; expected one of: default"] },
    Case { name: "node losses of a pool and a zone", input: Text(r#"{"failures": [{"kind": "node_loss", "pool": "default", "zone": "default", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0].zone: expected either pool or zone, found both"] },
    Case { name: "a zone loss without nodes or zone", input: Text(r#"{"failures": [{"kind": "zone_loss", "name": "z", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}]}"#), expect: &["$.failures[0]: missing field `nodes` or `zone`"] },
    Case { name: "two processes of one name", input: Text(r#"{"failures": [{"kind": "replica_crash", "ttf": {"kind": "exponential", "mean": 5, "unit": "h"}}, {"kind": "replica_crash", "ttf": {"kind": "exponential", "mean": 9, "unit": "h"}}]}"#), expect: &["$.failures[1].name: a second failure process named \"replica_crash\""] },
    // --- Several applications (serve.applications) ---
    Case { name: "shares not summing to 1", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5}, {"name": "b", "route_prefix": "/b", "share": 0.4}]}}"#), expect: &["$.serve.applications: expected the applications' shares to sum to 1, found 0.9"] },
    Case { name: "two applications of one name", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5, "deployment": "x"}, {"name": "a", "route_prefix": "/b", "share": 0.5, "deployment": "y"}]}}"#), expect: &["$.serve.applications[1].name: duplicate application name \"a\""] },
    Case { name: "two applications on one route", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/x", "share": 0.5}, {"name": "b", "route_prefix": "/x", "share": 0.5}]}}"#), expect: &["$.serve.applications[1].route_prefix: duplicate route prefix \"/x\""] },
    Case { name: "two applications of one deployment", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5, "deployment": "d"}, {"name": "b", "route_prefix": "/b", "share": 0.5, "deployment": "d"}]}}"#), expect: &["$.serve.applications[1].deployment: duplicate deployment name \"d\""] },
    Case { name: "a second application without a route", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5}, {"name": "b", "share": 0.5}]}}"#), expect: &["$.serve.applications[1].route_prefix: expected `route_prefix`: every application needs one when there are several"] },
    Case { name: "a second application without a share", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 1}, {"name": "b", "route_prefix": "/b"}]}}"#), expect: &["$.serve.applications[1].share: expected `share`"] },
    Case { name: "a route without its slash", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "a"}]}}"#), expect: &["$.serve.applications[0].route_prefix: expected a route prefix starting with '/'"] },
    Case { name: "the shorthand beside applications", input: Text(r#"{"serve": {"num_replicas": 3, "applications": [{"name": "a"}]}}"#), expect: &["$.serve.num_replicas: `serve.num_replicas` describes the deployment of a single application (the shorthand); with `serve.applications`, give it in each application instead"] },
    Case { name: "no applications", input: Text(r#"{"serve": {"applications": []}}"#), expect: &["$.serve.applications: expected 1 to 100 applications, found 0"] },
    Case { name: "an application's bad option", input: Text(r#"{"serve": {"applications": [{"name": "a", "num_replicas": 0}]}}"#), expect: &["$.serve.applications[0].num_replicas: expected an integer from 1 to 10000, found 0"] },
    Case { name: "applications too big for the cluster", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5, "num_replicas": 3, "num_cpus_per_replica": 1}, {"name": "b", "route_prefix": "/b", "share": 0.5, "num_replicas": 3, "num_cpus_per_replica": 1}]}}"#), expect: &["$.serve.applications[1].num_replicas: 3 replicas x 1 CPUs do not fit in the cluster's 4 CPUs with the applications before"] },
    // --- Resources and placement ---
    Case { name: "a GPU replica and no GPU pod", input: Text(r#"{"serve": {"num_gpus_per_replica": 1}}"#), expect: &["$.serve.num_gpus_per_replica: a replica needs 1 GPUs but no pod has that much (the head has 0 GPUs, group \"small-group\" has 0 GPUs): it could never be placed"] },
    Case { name: "a replica larger than any pod", input: Text(r#"{"serve": {"num_cpus_per_replica": 3}}"#), expect: &["$.serve.num_cpus_per_replica: a replica needs 3 CPUs but no pod has that much"] },
    Case { name: "a custom resource no pod has", input: Text(r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 2, "resources": {"accel": 1}}]}, "serve": {"resources_per_replica": {"accel": 1, "tpu": 0.5}}}"#), expect: &["$.serve.resources_per_replica.tpu: a replica needs 0.5 of \"tpu\" but no pod has that much"] },
    Case { name: "resources never together", input: Text(r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 1, "num_gpus": 1}, {"name": "m", "replicas": 1, "memory": "4Gi"}]}, "serve": {"num_gpus_per_replica": 1, "memory_per_replica": "1Gi"}}"#), expect: &["$.serve: no pod has every resource a replica needs together", "group \"g\" has 0 bytes of memory", "group \"m\" has 0 GPUs"] },
    Case { name: "more GPU replicas than GPUs", input: Text(r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 1, "num_gpus": 2}]}, "serve": {"num_replicas": 3, "num_gpus_per_replica": 1}}"#), expect: &["$.serve.num_replicas: 3 replicas x 1 GPUs do not fit in the cluster's 2 GPUs"] },
    Case { name: "a GPU count Ray refuses", input: Text(r#"{"serve": {"num_gpus_per_replica": 1.5}}"#), expect: &["$.serve.num_gpus_per_replica: expected a whole number of GPUs or a fraction below 1 (Ray's rule for GPUs), found 1.5"] },
    Case { name: "a memory quantity that is not one", input: Text(r#"{"cluster": {"head_memory": "8GB"}}"#), expect: &["$.cluster.head_memory: expected a memory size: bytes or a Kubernetes quantity (\"8Gi\", \"512Mi\", \"1G\"), found \"8GB\""] },
    Case { name: "negative memory", input: Text(r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 1, "memory": -5}]}}"#), expect: &["$.cluster.worker_groups[0].memory: expected a memory size from 0 to 1152921504606846976 bytes (1 EiB), found -5"] },
    Case { name: "CPUs as a custom resource", input: Text(r#"{"serve": {"resources_per_replica": {"CPU": 1}}}"#), expect: &["$.serve.resources_per_replica.CPU: expected a custom resource name (CPUs, GPUs and memory have their own fields), found \"CPU\""] },
    Case { name: "a negative custom resource", input: Text(r#"{"cluster": {"head_resources": {"accel": -1}}}"#), expect: &["$.cluster.head_resources.accel: expected an amount between 0 and 100000, found -1"] },
    Case { name: "memory of the wrong type", input: Text(r#"{"serve": {"memory_per_replica": true}}"#), expect: &["$.serve.memory_per_replica: invalid type: boolean `true`, expected a memory size: bytes (a number) or a Kubernetes quantity"] },
    Case { name: "an application's GPU replica and no GPU pod", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5}, {"name": "b", "route_prefix": "/b", "share": 0.5, "num_replicas": 1, "num_gpus_per_replica": 1}]}}"#), expect: &["$.serve.applications[1].num_gpus_per_replica: a replica needs 1 GPUs but no pod has that much"] },
    Case { name: "two applications' GPU replicas beyond the cluster's GPUs", input: Text(r#"{"cluster": {"worker_groups": [{"name": "g", "replicas": 1, "num_gpus": 2}]}, "serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5, "num_replicas": 1, "num_gpus_per_replica": 1}, {"name": "b", "route_prefix": "/b", "share": 0.5, "num_replicas": 2, "num_gpus_per_replica": 1}]}}"#), expect: &["$.serve.applications[1].num_replicas: 2 replicas x 1 GPUs do not fit in the cluster's 2 GPUs with the applications before"] },
    Case { name: "a replica beyond its application's", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5, "num_replicas": 1}, {"name": "b", "route_prefix": "/b", "share": 0.5, "num_replicas": 2}]}, "faults": [{"kind": "replica_crash", "at_s": 5, "target": "b#3"}]}"#), expect: &["$.faults[0].target: unknown replica \"b#3\"; expected one of: a#1, b#1, b#2"] },
    Case { name: "counted traffic with two applications", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5}, {"name": "b", "route_prefix": "/b", "share": 0.5}]}, "traffic": {"mode": "counted"}}"#), expect: &["$.traffic.mode: counted mode models one replica set: with 2 applications, use per_request or auto"] },
    Case { name: "autoscaling beside applications", input: Text(r#"{"serve": {"autoscaling": {"max_replicas": 4}, "applications": [{"name": "a"}]}}"#), expect: &["$.serve.autoscaling: `serve.autoscaling` describes the deployment of a single application (the shorthand); with `serve.applications`, give it in each application instead"] },
    Case { name: "an application's autoscaling bounds crossed", input: Text(r#"{"serve": {"applications": [{"name": "a", "route_prefix": "/a", "share": 0.5}, {"name": "b", "route_prefix": "/b", "share": 0.5, "autoscaling": {"min_replicas": 3, "max_replicas": 2}}]}}"#), expect: &["$.serve.applications[1].autoscaling.max_replicas: expected at least min_replicas (3), found 2"] },
    Case { name: "an application's autoscaling beside its num_replicas", input: Text(r#"{"serve": {"applications": [{"name": "a", "num_replicas": 3, "autoscaling": {"min_replicas": 1, "max_replicas": 4}}]}}"#), expect: &["$.serve.applications[0].num_replicas: expected no num_replicas with serve.applications[0].autoscaling"] },
    Case { name: "a directory", input: Directory, expect: &["scenario.json: not a regular file"] },
    Case { name: "no such file", input: Missing, expect: &["scenario.json: no such file"] },
];

/// A rate for each minute of 366 days and one more.
fn long_rates() -> Vec<u8> {
    "1\n".repeat(366 * 24 * 60 + 1).into_bytes()
}

fn deep_arrays() -> Vec<u8> {
    vec![b'['; 100_000]
}

fn deep_in_field() -> Vec<u8> {
    format!("{{\"description\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()
}

fn worker_groups(groups: usize, replicas: u32) -> Vec<u8> {
    let list: Vec<String> = (0..groups).map(|i| format!("{{\"name\": \"g{i}\", \"replicas\": {replicas}}}")).collect();
    format!("{{\"cluster\": {{\"k8s_nodes\": 1000, \"worker_groups\": [{}]}}}}", list.join(", ")).into_bytes()
}

fn many_worker_pods() -> Vec<u8> {
    worker_groups(2, 1000)
}

fn many_worker_groups() -> Vec<u8> {
    worker_groups(100_000, 1000)
}

fn many_faults() -> Vec<u8> {
    let list = vec!["{\"kind\": \"controller_crash\", \"at_s\": 5}"; 1001];
    format!("{{\"faults\": [{}]}}", list.join(", ")).into_bytes()
}

fn long_name() -> Vec<u8> {
    format!("{{\"name\": \"{}\"}}", "n ".repeat(500_000)).into_bytes()
}

fn ten_megabytes() -> Vec<u8> {
    format!("{{\"description\": \"{}\"}}", "x".repeat(10 * 1024 * 1024)).into_bytes()
}

fn not_utf8() -> Vec<u8> {
    b"{\n  \"name\": \"ab\xffc\"\n}".to_vec()
}

fn utf16() -> Vec<u8> {
    "\u{feff}{}".encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// Puts the case's input at [`FILE`] in `dir`.
fn place(dir: &Path, input: &Input, file: &str) {
    let path = dir.join(file);
    match input {
        Text(text) => std::fs::write(path, text).unwrap(),
        Bytes(make) => std::fs::write(path, make()).unwrap(),
        WithCsv(text, csv) => {
            std::fs::write(path, text).unwrap();
            std::fs::write(dir.join("intervals.csv"), csv).unwrap();
        }
        WithCsvBytes(text, make) => {
            std::fs::write(path, text).unwrap();
            std::fs::write(dir.join("intervals.csv"), make()).unwrap();
        }
        Directory => std::fs::create_dir(path).unwrap(),
        Missing => {}
    }
}

/// Everything wrong with one command's outcome on one case; empty when it behaved.
fn problems(case: &Case, outcome: &Outcome) -> Vec<String> {
    let mut found = Vec::new();
    let stderr = outcome.stderr.to_lowercase();
    if outcome.code != Some(2) {
        found.push(format!("exit code {:?}, expected 2", outcome.code));
    }
    if !outcome.stderr.starts_with("ftsim: ") {
        found.push("stderr does not start with `ftsim: `".to_string());
    }
    for fragment in case.expect {
        if !stderr.contains(&fragment.to_lowercase()) {
            found.push(format!("stderr lacks {fragment:?}"));
        }
    }
    if let Some(secret) = SECRETS.iter().find(|s| stderr.contains(*s)) {
        found.push(format!("stderr shows the secret {secret:?}"));
    }
    if outcome.panicked() {
        found.push("panicked".to_string());
    }
    if !outcome.stdout.is_empty() {
        found.push(format!("unexpected stdout {:?}", outcome.stdout));
    }
    if outcome.stderr.len() > MAX_STDERR_BYTES {
        found.push(format!("stderr is {} bytes", outcome.stderr.len()));
    }
    if outcome.elapsed > HANG_GUARD {
        found.push(format!("took {:?}", outcome.elapsed));
    }
    found
}

/// Runs both commands on one case; returns a report line per problem.
fn check(case: &Case) -> Vec<String> {
    check_file(case, FILE)
}

/// Runs both commands on one case written to `file`; returns a report line per problem.
fn check_file(case: &Case, file: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    place(dir.path(), &case.input, file);
    let before = snapshot(dir.path());
    let commands: [&[&str]; 2] = [&["validate", file], &["run", file, "--out", OUT]];
    let mut report = Vec::new();
    for args in commands {
        let outcome = ftsim(dir.path(), args);
        let mut found = problems(case, &outcome);
        if snapshot(dir.path()) != before {
            found.push("files were written".to_string());
        }
        for p in found {
            report.push(format!(
                "{} / ftsim {}: {p}\n    stderr: {}",
                case.name,
                args.join(" "),
                outcome.stderr.trim()
            ));
        }
    }
    report
}

#[test]
fn bad_input_exits_2_with_a_located_message_and_writes_nothing() {
    assert!(CASES.len() >= 30);
    let report: Vec<String> = CASES.iter().flat_map(check).collect();
    assert!(report.is_empty(), "{} problems:\n{}", report.len(), report.join("\n"));
}

/// The YAML scenario file of [`YAML_CASES`].
const YAML_FILE: &str = "scenario.yaml";

/// Bad YAML scenarios: the same errors at the same places as JSON, and YAML's risky features
/// refused.
#[rustfmt::skip]
const YAML_CASES: &[Case] = &[
    Case { name: "empty YAML", input: Text(""), expect: &["scenario.yaml:1:1: $: expected a mapping (the scenario), found an empty file"] },
    Case { name: "comments only", input: Text("# nothing\n"), expect: &["scenario.yaml:1:1: $: expected a mapping (the scenario), found an empty file"] },
    Case { name: "YAML syntax", input: Text("serve:\n  num_replicas: [3\n"), expect: &["scenario.yaml:3:1: $: invalid YAML"] },
    Case { name: "YAML bad indentation", input: Text("serve:\n    num_replicas: 3\n  seed: 1\n"), expect: &["scenario.yaml:3:", "$: invalid YAML"] },
    Case { name: "YAML unknown field", input: Text("seed: 1\nserve:\n  num_replica: 3\n"), expect: &["scenario.yaml:3:16: $.serve.num_replica: unknown field `num_replica`"] },
    Case { name: "YAML wrong type", input: Text("duration_s: long\n"), expect: &["scenario.yaml:1:13: $.duration_s: invalid type: string \"long\", expected a number"] },
    Case { name: "YAML quoted number", input: Text("duration_s: '60'\n"), expect: &["scenario.yaml:1:13: $.duration_s: invalid type: string \"60\", expected a number"] },
    Case { name: "YAML out of range", input: Text("serve:\n  num_replicas: 0\n"), expect: &["scenario.yaml:2:17: $.serve.num_replicas: expected an integer from 1 to 10000, found 0"] },
    Case { name: "YAML unknown replica", input: Text("faults:\n  - kind: replica_crash\n    at_s: 5\n    target: Nope#1\n"), expect: &["scenario.yaml:4:13: $.faults[0].target: unknown replica \"Nope#1\""] },
    Case { name: "YAML sequence document", input: Text("- 1\n- 2\n"), expect: &["scenario.yaml:1:1: $: expected an object (the scenario), found an array"] },
    Case { name: "YAML two documents", input: Text("seed: 1\n---\nseed: 2\n"), expect: &["scenario.yaml:3:1: $: expected one YAML document (the scenario), found 2"] },
    Case { name: "YAML duplicate key", input: Text("seed: 1\nseed: 2\n"), expect: &["scenario.yaml:2:1: $: duplicate key `seed`"] },
    Case { name: "YAML alias", input: Text("duration_s: &d 60\nbucket_s: *d\n"), expect: &["scenario.yaml:1:13: $: anchors (`&name`) and aliases (`*name`) are not accepted"] },
    Case { name: "YAML billion laughs", input: Bytes(billion_laughs), expect: &["scenario.yaml:1:4: $: anchors (`&name`) and aliases"] },
    Case { name: "YAML tag", input: Text("duration_s: !!float 60\n"), expect: &["scenario.yaml:1:13: $: tags (`!name`, `!!type`) are not accepted"] },
    Case { name: "YAML infinity", input: Text("duration_s: .inf\n"), expect: &["scenario.yaml:1:13: $: expected a finite number, found `.inf`"] },
    Case { name: "YAML deep nesting", input: Bytes(deep_arrays), expect: &["scenario.yaml:1:", "$: invalid YAML: recursion limit exceeded"] },
    Case { name: "YAML number for the password", input: Text("cluster:\n  redis:\n    password: 5390351234\n"), expect: &["scenario.yaml:3:15: $.cluster.redis.password: expected a string", "not shown"] },
    Case { name: "YAML 10 MB file", input: Bytes(ten_megabytes), expect: &["scenario.yaml: file is ", "more than the limit of 4194304"] },
    Case { name: "YAML not UTF-8", input: Bytes(not_utf8), expect: &["scenario.yaml:", "expected UTF-8 text"] },
];

/// `a: &a [...]` nine times nested: a billion strings if aliases were expanded.
fn billion_laughs() -> Vec<u8> {
    let mut src = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (prev, name) in ('a'..='h').zip('b'..='i') {
        let refs = vec![format!("*{prev}"); 9].join(",");
        src.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    src.into_bytes()
}

#[test]
fn bad_yaml_exits_2_with_a_located_message_and_writes_nothing() {
    let report: Vec<String> = YAML_CASES.iter().flat_map(|c| check_file(c, YAML_FILE)).collect();
    assert!(report.is_empty(), "{} problems:\n{}", report.len(), report.join("\n"));
}

/// Edge inputs that are valid must run: no workers at all (the head serves alone).
#[test]
fn a_cluster_without_workers_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"{"duration_s": 20, "cluster": {"worker_groups": []}, "traffic": {"rate_per_s": 5}}"#;
    std::fs::write(dir.path().join(FILE), scenario).unwrap();
    let outcome = ftsim(dir.path(), &["run", FILE, "--out", OUT, "--quiet"]);
    assert!(matches!(outcome.code, Some(0 | 1)), "{outcome:?}");
    assert!(!outcome.panicked(), "{outcome:?}");
    assert!(dir.path().join(OUT).join("report.json").is_file());
}
