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
from ftsim_helper.serve_driver import actor_options, deployment_options
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
        "target_replicas": None,
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


def _deploy_request(**extra: Any) -> dict[str, Any]:
    return {
        "num_replicas": 2,
        "max_ongoing_requests": 5,
        "health_check_period_s": 10.0,
        "health_check_timeout_s": 30.0,
        "max_replicas_per_node": None,
        "graceful_shutdown_timeout_s": 20.0,
        **extra,
    }


def test_a_deployment_is_named_and_fixed_or_autoscaled_as_the_request_says() -> None:
    fixed = deployment_options(_deploy_request(deployment="Light"))
    assert fixed == {
        "name": "Light",
        "num_replicas": 2,
        "ray_actor_options": {"num_cpus": 0},
        "max_ongoing_requests": 5,
        "health_check_period_s": 10.0,
        "health_check_timeout_s": 30.0,
        "graceful_shutdown_timeout_s": 20.0,
    }
    autoscaling = {
        "min_replicas": 1.0,
        "max_replicas": 4.0,
        "initial_replicas": 1.0,
        "target_ongoing_requests": 2.0,
        "upscale_delay_s": 3.0,
    }
    scaled = deployment_options(_deploy_request(autoscaling_config=autoscaling))
    # Serve's autoscaler sets the count: no num_replicas, and its counts are whole numbers.
    assert "num_replicas" not in scaled
    assert scaled["name"] == "SleepyPid"
    assert scaled["autoscaling_config"] == {
        "min_replicas": 1,
        "max_replicas": 4,
        "initial_replicas": 1,
        "target_ongoing_requests": 2.0,
        "upscale_delay_s": 3.0,
    }
    assert all(
        type(scaled["autoscaling_config"][k]) is int
        for k in ("min_replicas", "max_replicas", "initial_replicas")
    )


def test_with_several_applications_the_app_is_the_first_not_running() -> None:
    def app(status: str, target: int) -> dict[str, Any]:
        deployments = {"D": {"status": "HEALTHY", "target_num_replicas": target}}
        return {"status": status, "message": "", "deployments": deployments}

    def view_of(apps: dict[str, Any]) -> Any:
        snap = {"actors": [], "details": {"applications": apps}}
        return ray_view(snap, lambda ip: None, lambda ip: None)["app"]

    running = view_of({"b": app("RUNNING", 3), "a": app("RUNNING", 2)})
    # The target is every deployment's, summed: what Serve's autoscaler decided.
    assert (running["name"], running["status"], running["target_replicas"]) == ("a", "RUNNING", 5)
    apps = {"a": app("RUNNING", 1), "b": app("DEPLOYING", 1), "c": app("UNHEALTHY", 1)}
    deploying = view_of(apps)
    assert (deploying["name"], deploying["status"]) == ("b", "DEPLOYING")
