//! The protocol's types against the fixture of example messages shared with the helper's tests.

use super::*;

/// The fixture shared with the helper's tests (`python/tests/test_protocol.py`).
const FIXTURE: &str = include_str!("../../../tests/fixtures/live-protocol.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn items<'v>(f: &'v Value, key: &str) -> &'v Vec<Value> {
    f[key].as_array().unwrap_or_else(|| panic!("fixture: {key} is a list"))
}

/// Calls `$f::<C>($args)` for the command type `C` named `$cmd`.
macro_rules! by_name {
    ($cmd:expr, $f:ident($($arg:expr),*)) => {
        match $cmd {
            "ping" => $f::<Ping>($($arg),*),
            "init" => $f::<Init>($($arg),*),
            "start_redis" => $f::<StartRedis>($($arg),*),
            "stop_redis" => $f::<StopRedis>($($arg),*),
            "restart_redis" => $f::<RestartRedis>($($arg),*),
            "start_head" => $f::<StartHead>($($arg),*),
            "start_worker" => $f::<StartWorker>($($arg),*),
            "kill_pod" => $f::<KillPod>($($arg),*),
            "freeze_pod" => $f::<FreezePod>($($arg),*),
            "terminate_pod" => $f::<TerminatePod>($($arg),*),
            "kill_gcs" => $f::<KillGcs>($($arg),*),
            "partition_pod" => $f::<PartitionPod>($($arg),*),
            "undeploy" => $f::<Undeploy>($($arg),*),
            "deploy" => $f::<Deploy>($($arg),*),
            "wait_ready" => $f::<WaitReady>($($arg),*),
            "kill_replica" => $f::<KillReplica>($($arg),*),
            "kill_controller" => $f::<KillController>($($arg),*),
            "kill_proxy" => $f::<KillProxy>($($arg),*),
            "fail_health" => $f::<FailHealth>($($arg),*),
            "fail_constructors" => $f::<FailConstructors>($($arg),*),
            "observe" => $f::<Observe>($($arg),*),
            "shutdown" => $f::<Shutdown>($($arg),*),
            other => panic!("fixture: unknown command {other}"),
        }
    };
}

/// Every command's name, as `by_name!` knows them.
const COMMANDS: [&str; 22] = [
    Ping::NAME,
    Init::NAME,
    StartRedis::NAME,
    StopRedis::NAME,
    RestartRedis::NAME,
    StartHead::NAME,
    StartWorker::NAME,
    KillPod::NAME,
    FreezePod::NAME,
    TerminatePod::NAME,
    KillGcs::NAME,
    PartitionPod::NAME,
    Undeploy::NAME,
    Deploy::NAME,
    WaitReady::NAME,
    KillReplica::NAME,
    KillController::NAME,
    KillProxy::NAME,
    FailHealth::NAME,
    FailConstructors::NAME,
    Observe::NAME,
    Shutdown::NAME,
];

/// The request line's arguments parsed as `C`; with `C` reserialized into a line, which
/// must equal the original.
fn parse_request<C: Command + DeserializeOwned>(line: &Value) -> Result<(), String> {
    let mut args = line.as_object().expect("a request is an object").clone();
    let id = args.remove("id").and_then(|v| v.as_u64()).expect("an integer id");
    assert_eq!(args.remove("cmd").as_ref().and_then(Value::as_str), Some(C::NAME));
    let cmd: C = serde_json::from_value(Value::Object(args)).map_err(|e| e.to_string())?;
    let again: Value = serde_json::from_str(&request_line(id, &cmd)).expect("a request line is JSON");
    assert_eq!(&again, line, "request round trip");
    Ok(())
}

/// The response parsed, its result as `C::Reply`; reserialized, the result must equal the
/// original.
fn parse_response<C: Command>(response: &Value) -> Result<(), String>
where
    C::Reply: Serialize,
{
    let r: Response = serde_json::from_value(response.clone()).map_err(|e| e.to_string())?;
    match r.outcome()? {
        Ok(result) => {
            let reply: C::Reply = serde_json::from_value(result.clone()).map_err(|e| e.to_string())?;
            assert_eq!(serde_json::to_value(&reply).unwrap(), result, "result round trip");
        }
        Err(message) => assert!(!message.is_empty()),
    }
    Ok(())
}

#[test]
fn every_example_request_parses_and_round_trips() {
    let f = fixture();
    for line in items(&f, "requests") {
        let cmd = line["cmd"].as_str().expect("a cmd");
        by_name!(cmd, parse_request(line)).unwrap_or_else(|e| panic!("{line}: {e}"));
    }
}

#[test]
fn every_example_response_parses_and_round_trips() {
    let f = fixture();
    for example in items(&f, "responses") {
        let cmd = example["cmd"].as_str().expect("a cmd");
        by_name!(cmd, parse_response(&example["response"])).unwrap_or_else(|e| panic!("{example}: {e}"));
    }
}

#[test]
fn unknown_fields_wrong_types_and_missing_fields_are_errors() {
    let f = fixture();
    for example in items(&f, "invalid_requests") {
        let line = &example["request"];
        let cmd = line["cmd"].as_str().expect("a cmd");
        assert!(by_name!(cmd, parse_request(line)).is_err(), "accepted: {example}");
    }
    for example in items(&f, "invalid_responses") {
        let cmd = example["cmd"].as_str().expect("a cmd");
        assert!(by_name!(cmd, parse_response(&example["response"])).is_err(), "accepted: {example}");
    }
}

#[test]
fn the_fixture_has_every_command_and_every_result() {
    let f = fixture();
    let names = |key: &str, path: fn(&Value) -> &Value| -> std::collections::BTreeSet<String> {
        items(&f, key).iter().filter_map(|v| path(v)["cmd"].as_str().map(str::to_string)).collect()
    };
    let all: std::collections::BTreeSet<String> = COMMANDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(names("requests", |v| v), all);
    let ok_results: std::collections::BTreeSet<String> = items(&f, "responses")
        .iter()
        .filter(|v| v["response"]["ok"] == Value::Bool(true))
        .filter_map(|v| v["cmd"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ok_results, all);
}

#[test]
fn a_request_line_carries_id_cmd_and_only_the_arguments_given() {
    let line = request_line(7, &KillReplica { replica: None, pod: None, method: None });
    assert_eq!(line, r#"{"cmd":"kill_replica","id":7,"replica":null}"#);
}
