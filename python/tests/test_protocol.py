"""The protocol's types against the fixture of example messages shared with the Rust side."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from conftest import FIXTURE

from ftsim_helper import protocol


def fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


def test_every_example_request_parses_and_round_trips() -> None:
    for line in fixture()["requests"]:
        args = protocol.parse_request(line)
        given = {k: v for k, v in line.items() if k not in ("id", "cmd")}
        back = {k: v for k, v in dataclasses.asdict(args).items() if k in given}
        assert back == given, line


def test_every_example_response_is_valid() -> None:
    for example in fixture()["responses"]:
        checked = protocol.check_response(example["cmd"], example["response"])
        assert checked == example["response"]


@pytest.mark.parametrize("example", fixture()["invalid_requests"], ids=lambda e: e["why"])
def test_invalid_requests_are_errors(example: dict[str, Any]) -> None:
    with pytest.raises(protocol.CommandError):
        protocol.parse_request(example["request"])


@pytest.mark.parametrize("example", fixture()["invalid_responses"], ids=lambda e: e["why"])
def test_invalid_responses_are_errors(example: dict[str, Any]) -> None:
    with pytest.raises(protocol.CommandError):
        protocol.check_response(example["cmd"], example["response"])


def test_the_fixture_has_every_command_and_every_result() -> None:
    f = fixture()
    assert {r["cmd"] for r in f["requests"]} == set(protocol.REQUESTS)
    ok = {e["cmd"] for e in f["responses"] if e["response"]["ok"]}
    assert ok == set(protocol.REPLIES) == set(protocol.REQUESTS)


def test_errors_name_the_argument_and_the_problem() -> None:
    def error(req: dict[str, Any]) -> str:
        with pytest.raises(protocol.CommandError) as e:
            protocol.parse_request({"id": 1, **req})
        return str(e.value)

    assert error({"cmd": "kill_pod", "name": 3}) == "argument 'name': expected string, found int"
    assert error({"cmd": "fail_health", "pid": True, "on": True}) == (
        "argument 'pid': expected int, found bool"
    )
    assert error({"cmd": "ping", "b": 1, "a": 2}) == "unknown argument(s): a, b"
    assert error({"cmd": "kill_pod"}) == "missing argument 'name'"
    assert error({"cmd": "start_worker", "gcs_ft": True}) == "missing argument 'name'"
    assert error({"cmd": "nope"}) == "unknown command 'nope'"


def test_integers_are_accepted_where_a_number_is_expected() -> None:
    args = protocol.parse_request({"id": 1, "cmd": "observe", "timeout_s": 2})
    assert args == protocol.ObserveArgs(timeout_s=2.0)
    assert isinstance(args.timeout_s, float)


def test_defaults_fill_what_the_request_leaves_out() -> None:
    args = protocol.parse_request({"id": 1, "cmd": "start_worker", "name": "w", "gcs_ft": False})
    assert args == protocol.StartWorkerArgs(gcs_ft=False, name="w")
    assert (args.num_cpus, args.timeout_s, args.env, args.exit_ok) == (2, 120.0, {}, False)


def test_resources_are_typed_in_pod_starts_and_deploys() -> None:
    args = protocol.parse_request(
        {
            "id": 1,
            "cmd": "start_worker",
            "name": "w",
            "gcs_ft": False,
            "num_gpus": 2,
            "memory": 1024,
            "resources": {"accel": 1},
        }
    )
    assert (args.num_gpus, args.memory, args.resources) == (2, 1024, {"accel": 1.0})
    assert protocol.StartWorkerArgs(gcs_ft=False, name="w").memory is None
    with pytest.raises(protocol.CommandError, match="'num_gpus': expected int, found float"):
        protocol.parse_request({"id": 1, "cmd": "start_head", "gcs_ft": False, "num_gpus": 0.5})
    with pytest.raises(protocol.CommandError, match=r"'resources'\.accel: expected number"):
        protocol.parse_request(
            {"id": 1, "cmd": "start_head", "gcs_ft": False, "resources": {"accel": "1"}}
        )
