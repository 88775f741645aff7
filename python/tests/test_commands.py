"""The command areas' pure logic, without Ray: the dispatch table, the children's
environment and the crash record, pods by IP, init's checks, redis.conf, `ray start`'s
command line and environment, readiness, the choice of a replica to kill, the flag files,
a pod in observe, and the teardown's file removal."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Literal

import pytest

from ftsim_helper import protocol as proto
from ftsim_helper.fault_cmds import pick_replica, read_num, write_atomic
from ftsim_helper.helper import AREAS, command_table
from ftsim_helper.layout import Layout
from ftsim_helper.observe import constructors_raised, pod_state
from ftsim_helper.pod_cmds import check_pod_args, read_from
from ftsim_helper.pod_launch import needed_ports, pod_env, ray_start_argv
from ftsim_helper.pods import Pod
from ftsim_helper.protocol import CommandError
from ftsim_helper.redis_cmds import redis_conf_lines
from ftsim_helper.serve_cmds import app_not_ready
from ftsim_helper.serve_view import RayView
from ftsim_helper.setup_cmds import check_namespace, check_password, needs_short_temp
from ftsim_helper.state import HIDDEN_ENV, RunState, child_env, state_record
from ftsim_helper.teardown import remove_run_files, teardown

L = Layout(20000)


def pod(name: str, slot: int, incarnation: int = 1) -> Pod:
    role: Literal["head", "worker"] = "head" if slot == 0 else "worker"
    return Pod(name, role, slot, incarnation, L, f"/t/s{slot}", f"/l/{name}.log", False)


def test_every_command_but_shutdown_has_exactly_one_handler() -> None:
    run = RunState()
    table = command_table([area(run) for area in AREAS])
    assert sorted(table) == sorted(set(proto.REQUESTS) - {"shutdown"})
    assert table["start_redis"].__name__ == "cmd_start_redis"


def test_a_command_handled_twice_or_never_is_refused() -> None:
    run = RunState()
    areas = [area(run) for area in AREAS]
    with pytest.raises(ValueError, match="'ping': 2 handlers"):
        command_table([*areas, areas[0]])
    with pytest.raises(ValueError, match="'ping': 0 handlers"):
        command_table(areas[1:])


def test_children_inherit_no_address_secret_or_proxy() -> None:
    environ = {name: "x" for name in HIDDEN_ENV} | {"PATH": "/bin", "RAY_foo": "1"}
    env = child_env(environ)
    assert env == {
        "PATH": "/bin",
        "RAY_foo": "1",
        "RAY_USAGE_STATS_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.0/8,localhost",
        "no_proxy": "127.0.0.0/8,localhost",
    }


def test_the_crash_record_lists_the_helper_and_the_pods() -> None:
    record = state_record(42, 777, [], {"head": pod("head", 0, 2)})
    assert record == {
        "helper_pid": 42,
        "helper_starttime": 777,
        "children": [],
        "pods": {"head": {"slot": 0, "ip": "127.0.0.2", "incarnation": 2, "pid": None}},
    }


def test_pods_are_found_by_ip_current_first_then_the_latest_past() -> None:
    run = RunState()
    old, older = pod("w-old", 1), pod("w-older", 1)
    run.past_pods = [older, old]
    assert run.pod_for_ip("127.0.0.3") == "w-old"
    run.pods = {"w-new": pod("w-new", 1)}
    assert run.pod_for_ip("127.0.0.3") == "w-new"
    assert run.proxy_url_for_ip("127.0.0.3") == "http://127.0.0.2:20210/"
    assert run.pod_for_ip("127.0.0.9") is None
    assert run.pod_for_ip(None) is None
    assert run.proxy_url_for_ip(None) is None


def test_commands_before_init_are_refused() -> None:
    run = RunState()
    with pytest.raises(CommandError, match="send init first"):
        run.require_init()
    with pytest.raises(CommandError, match="send init first"):
        _ = run.lay
    with pytest.raises(CommandError, match="redis has not been started"):
        _ = run.redis_proc
    assert not run.redis_running()


def test_init_checks_the_namespace_and_the_password() -> None:
    check_namespace("ftsim_run-1")
    for bad in ("", "a b", "x" * 65, "ns/1"):
        with pytest.raises(CommandError, match="namespace"):
            check_namespace(bad)
    check_password("Pw_0-9")
    for bad in ("", "a b", 'q"', "back\\slash", "tab\t", "new\nline"):
        with pytest.raises(CommandError, match="redis_password"):
            check_password(bad)


def test_a_long_run_dir_gets_a_short_ray_temp_root() -> None:
    assert not needs_short_temp("/tmp/run/ray")
    assert not needs_short_temp("/" + "x" * 35)
    assert needs_short_temp("/" + "x" * 36)


def test_redis_conf_stays_on_loopback_and_fsyncs_every_write() -> None:
    lines = redis_conf_lines(20000, "/r", "/l/redis.log", None)
    assert lines[:2] == ["port 20000", "bind 127.0.0.1"]
    assert {'dir "/r"', "appendonly yes", "appendfsync always", 'save ""'} <= set(lines)
    assert not any(line.startswith("requirepass") for line in lines)
    assert redis_conf_lines(20000, "/r", "/l", "pw")[-1] == 'requirepass "pw"'


def test_pod_arguments_accept_only_ray_and_ftsim_variables() -> None:
    check_pod_args(proto.StartHeadArgs(gcs_ft=False, env={"RAY_x": "1", "FTSIM_y": "2"}))
    with pytest.raises(CommandError, match="got 'PATH'"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, env={"PATH": "/"}))
    with pytest.raises(CommandError, match="object_store_mb >= 80"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, object_store_mb=79))
    with pytest.raises(CommandError, match="num_cpus must be >= 0"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, num_cpus=-1))


def test_pod_resources_must_be_amounts_ray_accepts() -> None:
    check_pod_args(proto.StartHeadArgs(gcs_ft=False, num_gpus=2, memory=0, resources={"x": 0.5}))
    with pytest.raises(CommandError, match="num_gpus and memory must be finite and >= 0"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, num_gpus=-1))
    with pytest.raises(CommandError, match="num_gpus and memory must be finite and >= 0"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, memory=-1))
    with pytest.raises(CommandError, match="'GPU' is not a custom resource name"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, resources={"GPU": 1.0}))
    with pytest.raises(CommandError, match=r"resources\.x: must be finite and >= 0"):
        check_pod_args(proto.StartHeadArgs(gcs_ft=False, resources={"x": float("inf")}))


def test_ray_start_offers_the_pods_gpus_memory_and_custom_resources() -> None:
    a = proto.StartHeadArgs(gcs_ft=False, num_gpus=2, memory=8 << 30, resources={"b": 1.5, "a": 2})
    argv = ray_start_argv(pod("w1", 1), L, a)
    assert "--num-gpus=2" in argv
    assert f"--memory={8 << 30}" in argv
    assert '--resources={"a": 2, "b": 1.5}' in argv
    plain = ray_start_argv(pod("w1", 1), L, proto.StartHeadArgs(gcs_ft=False))
    assert "--num-gpus=0" in plain  # no GPU, whatever the machine has
    assert not [x for x in plain if x.startswith(("--memory=", "--resources="))]


def test_the_head_needs_the_gcs_and_ray_client_ports_free() -> None:
    worker = needed_ports(L, 1)
    head = needed_ports(L, 0)
    assert len(worker) == 7
    assert L.slot_ports(1)["serve_http"] in worker
    assert head[-2:] == [L.gcs, L.slot_ports(0)["ray_client_server"]]


def test_ray_start_of_a_head_and_of_a_worker() -> None:
    a = proto.StartHeadArgs(gcs_ft=True, num_cpus=3, object_store_mb=100)
    head = ray_start_argv(pod("head", 0), L, a)
    assert head[head.index("--ray-start") + 1 : head.index("--ray-start") + 3] == [
        "start",
        "--block",
    ]
    assert {"--node-ip-address=127.0.0.2", "--num-cpus=3", "--temp-dir=/t/s0"} <= set(head)
    assert f"--object-store-memory={100 * 1024 * 1024}" in head
    assert head[-5:-3] == ["--head", "--port=20001"]
    worker = ray_start_argv(pod("w1", 1), L, a)
    assert "--head" not in worker
    assert worker[-1] == "--address=127.0.0.2:20001"


def test_a_gcs_ft_head_finds_redis_and_a_worker_waits_long_for_the_gcs() -> None:
    a = proto.StartHeadArgs(gcs_ft=True, env={"RAY_x": "1", "DASHBOARD_METRIC_PORT": "9"})
    base = {"PATH": "/bin"}
    head = pod_env(base, pod("head", 0), L, a, "ns", "pw")
    assert base == {"PATH": "/bin"}  # not changed
    assert head["RAY_REDIS_ADDRESS"] == "127.0.0.1:20000"
    assert head["RAY_external_storage_namespace"] == "ns"
    assert head["FTSIM_REDIS_PASSWORD"] == "pw"
    assert head["RAY_x"] == "1"
    assert head["DASHBOARD_METRIC_PORT"] == "9"  # the caller's env comes last
    assert "RAY_SERVE_WORKER_PROXY_HTTP_PORT" not in head
    worker = pod_env(base, pod("w1", 1), L, a, "ns", None)
    assert worker["RAY_SERVE_WORKER_PROXY_HTTP_PORT"] == str(L.slot_ports(1)["serve_http"])
    assert worker["RAY_gcs_rpc_server_reconnect_timeout_s"] == "600"
    assert "RAY_REDIS_ADDRESS" not in worker
    plain = pod_env(base, pod("head", 0), L, dataclasses.replace(a, gcs_ft=False), "ns", "pw")
    assert "RAY_REDIS_ADDRESS" not in plain
    assert "FTSIM_REDIS_PASSWORD" not in plain


def test_a_log_is_read_from_an_offset(tmp_path: Path) -> None:
    path = tmp_path / "pod.log"
    path.write_bytes(b"old\nRay runtime started\xff")
    assert read_from(str(path), 4) == "Ray runtime started\ufffd"
    assert read_from(str(tmp_path / "missing"), 0) == ""


def replica(rid: str, pod_name: str | None, state: str | None = "RUNNING") -> proto.ReplicaInfo:
    return {
        "replica_id": rid,
        "actor_name": f"SERVE_REPLICA::default#SleepyPid#{rid}",
        "state": state,
        "actor_state": "ALIVE",
        "pid": 1,
        "node_ip": None,
        "pod": pod_name,
    }


def view(app_status: str | None, replicas: list[proto.ReplicaInfo]) -> RayView:
    app: proto.AppState | None = None
    if app_status is not None:
        app = {
            "name": "default",
            "status": app_status,
            "deployment_status": "HEALTHY",
            "message": "",
            "target_replicas": None,
        }
    controller: proto.ControllerState = {
        "actor_state": "ALIVE",
        "answering": True,
        "pid": 1,
        "pod": "head",
    }
    return {
        "controller": controller,
        "app": app,
        "replicas": replicas,
        "proxies": [],
        "nodes": [],
        "details_error": None,
    }


def test_the_app_is_ready_with_exactly_the_replicas_asked_for_running() -> None:
    two = [replica("a", "w1"), replica("b", "w2", "STARTING")]
    assert app_not_ready(view(None, []), 1) == "app None, 0/1 replicas RUNNING"
    assert app_not_ready(view("DEPLOYING", two), 1) == "app DEPLOYING, 1/1 replicas RUNNING"
    assert app_not_ready(view("RUNNING", two), 2) == "app RUNNING, 1/2 replicas RUNNING"
    assert app_not_ready(view("RUNNING", two), 1) is None


def test_the_replica_to_kill_is_named_or_the_first_running_by_pod() -> None:
    reps = [
        replica("c", "w2"),
        replica("b", "w1", "STOPPING"),
        replica("a", "w2", None),
        replica("d", None),
    ]
    assert pick_replica(reps, "b", None)["replica_id"] == "b"
    assert pick_replica(reps, reps[0]["actor_name"], None)["replica_id"] == "c"
    assert pick_replica(reps, None, None)["replica_id"] == "d"  # no pod sorts first
    assert pick_replica(reps, None, "w2")["replica_id"] == "a"
    with pytest.raises(CommandError, match="no replica 'x'"):
        pick_replica(reps, "x", None)
    with pytest.raises(CommandError, match="no RUNNING replica to kill on pod 'w1'"):
        pick_replica(reps, None, "w1")
    dead = replica("e", "w1")
    dead["actor_state"] = "DEAD"
    with pytest.raises(CommandError, match=r"no RUNNING replica to kill$"):
        pick_replica([dead], None, None)


def test_flag_files_are_written_whole_and_read_with_a_default(tmp_path: Path) -> None:
    path = str(tmp_path / "constructor_fail_count")
    assert read_num(path, int, 7) == 7
    write_atomic(path, "3\n")
    assert read_num(path, int, 7) == 3
    assert not os.path.exists(path + ".tmp")
    write_atomic(path, "three\n")
    assert read_num(path, int, 7) == 7
    write_atomic(path, "0.25\n")
    assert read_num(path, float, 0.0) == 0.25


def test_raised_constructors_are_counted_skipping_a_partial_line(tmp_path: Path) -> None:
    assert constructors_raised(str(tmp_path)) == 0
    (tmp_path / "flags").mkdir()
    (tmp_path / "flags" / "constructors.jsonl").write_text(
        '{"outcome": "raised"}\n{"outcome": "ok"}\n{"outcome": "raised"}\n{"outco'
    )
    assert constructors_raised(str(tmp_path)) == 2


def test_a_pod_in_observe_shows_its_alive_node_else_its_last() -> None:
    p = pod("w1", 1, 3)
    state = pod_state(p, None)
    assert (state["name"], state["role"], state["incarnation"], state["slot"]) == (
        "w1",
        "worker",
        3,
        1,
    )
    assert (state["process"], state["node_state"], state["node_id"]) == ("absent", None, None)
    v = view("RUNNING", [])
    nodes: list[dict[str, Any]] = [
        {"ip": "127.0.0.3", "alive": False, "node_id": "n1"},
        {"ip": "127.0.0.3", "alive": True, "node_id": "n2"},
        {"ip": "127.0.0.3", "alive": False, "node_id": "n3"},
        {"ip": "127.0.0.4", "alive": True, "node_id": "n4"},
    ]
    v["nodes"] = nodes
    assert (pod_state(p, v)["node_state"], pod_state(p, v)["node_id"]) == ("ALIVE", "n2")
    v["nodes"] = [n for n in nodes if not n["alive"]]
    assert (pod_state(p, v)["node_state"], pod_state(p, v)["node_id"]) == ("DEAD", "n3")


def test_teardown_removes_the_run_files_but_not_a_symlinks_target(tmp_path: Path) -> None:
    run_dir, target, other = tmp_path / "run", tmp_path / "short", tmp_path / "mine.txt"
    for sub in ("logs", "redis", "flags"):
        (run_dir / sub).mkdir(parents=True)
    (run_dir / "logs" / "x.log").write_text("x")
    (run_dir / "helper-state.json").write_text("{}")
    target.mkdir()
    (run_dir / "ray").symlink_to(target)
    (target / "keep").write_text("k")
    other.write_text("not the helper's")
    (run_dir / "user.txt").write_text("not the helper's")
    remove_run_files(str(run_dir), None)
    assert sorted(os.listdir(run_dir)) == ["user.txt"]
    assert (target / "keep").exists()
    remove_run_files(str(run_dir), str(target))
    assert not target.exists()
    assert other.exists()


def test_teardown_of_a_run_never_initialised_does_nothing() -> None:
    result = teardown(RunState())
    assert (result["killed"], result["leftover_pids"], result["ports_still_bound"]) == ([], [], [])
    assert result["kept"] == []
