"""The helper's pure logic, without Ray: redaction, the command line, the cleanup's
bookkeeping, the Ray-level view, the Redis wire format, the port layout and the replicas'
actor options."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ftsim_helper import layout, logs, redis_client
from ftsim_helper.__main__ import main, parse_mode
from ftsim_helper.cleanup import victims
from ftsim_helper.procs import ProcInfo
from ftsim_helper.serve_driver import actor_options
from ftsim_helper.serve_view import ray_view


def test_redaction_hides_every_secret_in_nested_values() -> None:
    logs.add_secret("s3cr3t-pw")
    value = {"error": "AUTH s3cr3t-pw failed", "list": ["x s3cr3t-pw", 3], "n": None}
    assert logs.redact_obj(value) == {
        "error": "AUTH [REDACTED] failed",
        "list": ["x [REDACTED]", 3],
        "n": None,
    }
    assert logs.redact("no secret here") == "no secret here"


def test_log_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    logs.add_secret("pw-in-log")
    logs.log("started with pw-in-log")
    err = capsys.readouterr().err
    assert "pw-in-log" not in err
    assert "started with [REDACTED]" in err


def test_command_line_modes() -> None:
    assert parse_mode([]) == (None, [])
    assert parse_mode(["--cleanup", "/run"]) == ("--cleanup", ["/run"])
    assert parse_mode(["--exec", "/bin/true", "x"]) == ("--exec", ["/bin/true", "x"])
    assert parse_mode(["--driver"]) == ("--driver", [])
    for bad in (["--cleanup"], ["--cleanup", "a", "b"], ["--exec"], ["--bogus"], ["x"]):
        with pytest.raises(ValueError):
            parse_mode(bad)


def test_a_bad_command_line_exits_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cleanup"]) == 2
    err = capsys.readouterr().err
    assert "usage: python -m ftsim_helper" in err
    assert "--cleanup takes 1 argument(s), got 0" in err


def proc(pid: int, sid: int, starttime: int, state: str = "S") -> ProcInfo:
    return ProcInfo(pid, f"p{pid}", state, 1, sid, sid, starttime)


def test_cleanup_kills_the_sessions_it_created_and_the_pids_it_recorded() -> None:
    state = {
        "children": [
            {"name": "head", "pid": 100, "sid": 100, "starttime": 5000, "tracked": {"300": 7000}}
        ]
    }
    procs = [
        proc(100, 100, 5000),  # the session leader
        proc(101, 100, 5100),  # a member of its session
        proc(102, 100, 4000),  # same sid, but older than the session: a reused sid
        proc(103, 100, 5200, state="Z"),  # a zombie: dead already
        proc(300, 1, 7000),  # recorded (left the session), same start time
        proc(301, 1, 7001),  # not recorded
    ]
    found = victims(state, procs)
    assert sorted(found) == [100, 101, 300]


def test_cleanup_never_kills_a_reused_pid() -> None:
    state = {"children": [{"name": "w", "sid": 9, "starttime": 10, "tracked": {"300": 7000}}]}
    assert victims(state, [proc(300, 1, 9999)]) == {}


def test_the_ray_view_places_replicas_and_proxies_on_pods() -> None:
    pods = {"127.0.0.2": "head", "127.0.0.3": "w1"}

    def pod_for_ip(ip: str | None) -> str | None:
        return pods.get(ip or "")

    def url_for_ip(ip: str | None) -> str | None:
        return f"http://{ip}/" if ip in pods else None

    actors: list[dict[str, Any]] = [
        {"name": "SERVE_CONTROLLER_ACTOR", "state": "ALIVE", "pid": 10, "ip": "127.0.0.2"},
        {"name": "SERVE_REPLICA::default#SleepyPid#b", "state": "DEAD", "pid": 11, "ip": None},
        {
            "name": "SERVE_REPLICA::default#SleepyPid#b",
            "state": "ALIVE",
            "pid": 12,
            "ip": "127.0.0.3",
        },
        {
            "name": "SERVE_REPLICA::default#SleepyPid#a",
            "state": "ALIVE",
            "pid": 13,
            "ip": "127.0.0.3",
        },
        {"name": "SERVE_PROXY_ACTOR-n1", "state": "ALIVE", "pid": 14, "ip": "127.0.0.2"},
        {
            "name": "SERVE_REPLICA::default#SleepyPid#z",
            "state": "DEAD",
            "pid": 15,
            "ip": "127.0.0.2",
        },
    ]
    # The controller did not answer: everything comes from the GCS actor table.
    view = ray_view({"actors": actors, "details": None, "nodes": []}, pod_for_ip, url_for_ip)
    assert view["controller"] == {
        "actor_state": "ALIVE",
        "answering": False,
        "pid": 10,
        "pod": "head",
    }
    assert view["app"] is None
    assert [(r["replica_id"], r["pod"], r["pid"], r["state"]) for r in view["replicas"]] == [
        ("a", "w1", 13, None),
        ("b", "w1", 12, None),
    ]
    assert [(p["pod"], p["url"]) for p in view["proxies"]] == [("head", "http://127.0.0.2/")]

    details = {
        "applications": {
            "default": {
                "status": "RUNNING",
                "message": "",
                "deployments": {
                    "SleepyPid": {
                        "status": "HEALTHY",
                        "replicas": [
                            {
                                "replica_id": "b",
                                "actor_name": "SERVE_REPLICA::default#SleepyPid#b",
                                "state": "RUNNING",
                                "pid": None,
                                "node_ip": "127.0.0.3",
                            }
                        ],
                    }
                },
            }
        },
        "proxies": {
            "n1": {
                "actor_name": "SERVE_PROXY_ACTOR-n1",
                "node_ip": "127.0.0.2",
                "status": "HEALTHY",
            }
        },
    }
    view = ray_view({"actors": actors, "details": details}, pod_for_ip, url_for_ip)
    assert view["app"] == {
        "name": "default",
        "status": "RUNNING",
        "deployment_status": "HEALTHY",
        "message": "",
    }
    # Serve's replica (its pid from the actor table), then the actor Serve did not list.
    assert [(r["replica_id"], r["state"], r["pid"]) for r in view["replicas"]] == [
        ("a", None, 13),
        ("b", "RUNNING", 12),
    ]


def test_redis_commands_are_resp_arrays_and_replies_are_read() -> None:
    assert redis_client.encode("AUTH", "pw") == b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
    f = io.BytesIO(b"+PONG\r\n:42\r\n$3\r\nabc\r\n$-1\r\n-ERR wrong\r\n")
    assert redis_client.read_reply(f) == "PONG"
    assert redis_client.read_reply(f) == 42
    assert redis_client.read_reply(f) == "abc"
    assert redis_client.read_reply(f) is None
    err = redis_client.read_reply(f)
    assert isinstance(err, redis_client.RedisError)
    assert str(err) == "ERR wrong"
    with pytest.raises(redis_client.RedisError):
        redis_client.read_reply(f)


def test_the_port_layout_stays_clear_of_ray_defaults_and_ephemeral_ports() -> None:
    layout.check_base_port(20000)
    L = layout.Layout(20000)
    assert (L.redis, L.gcs, L.slot_ports(0)["serve_http"], L.slot_ports(1)["serve_http"]) == (
        20000,
        20001,
        20110,
        20210,
    )
    assert L.describe()["range"] == [20000, 24099]
    for bad in (1000, 6000, 30000):
        with pytest.raises(ValueError):
            layout.check_base_port(bad)


def test_replicas_ask_ray_for_the_scenarios_gpus_memory_and_custom_resources() -> None:
    req = {"num_gpus": 0.5, "memory": 1 << 30, "resources": {"accel": 1.0}}
    assert actor_options(req) == {
        "num_cpus": 0,
        "num_gpus": 0.5,
        "memory": 1 << 30,
        "resources": {"accel": 1.0},
    }
    none = {"num_gpus": 0.0, "memory": 0, "resources": {}}
    assert actor_options(none) == {"num_cpus": 0}
