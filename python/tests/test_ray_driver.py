"""The driver of `ftsim mc --ray` without Ray: its protocol, the address check, the task run
with a stand-in binary (a shell script), and the driver's answers before it connects."""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path

import pytest

from ftsim_ray import driver, task
from ftsim_ray import protocol as p

VERSION = "ftsim 9.9.9"


def script(body: str) -> bytes:
    """A stand-in ftsim: prints VERSION for --version, runs `body` for anything else."""
    return (
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{VERSION}"; exit 0; fi\n{body}\n'
    ).encode()


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary root, to see that a task leaves nothing in it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_batch_returns_the_rows_mc_batch_prints_and_writes_no_file(tmp_root: Path) -> None:
    body = 'cat "$2" > /dev/null && echo "{\\"index\\": 3}" && echo "$4"'
    out = task.run_batch(script(body), "{}", 3, 5, VERSION)
    assert out["rows"] == ['{"index": 3}', "3..5"]
    assert "problem" not in out
    assert list(tmp_root.iterdir()) == []


def test_the_scenario_is_the_file_mc_batch_reads(tmp_root: Path) -> None:
    out = task.run_batch(script('cat "$2"'), '{"seed": 7}', 0, 1, VERSION)
    assert out["rows"] == ['{"seed": 7}']


def test_another_version_is_refused(tmp_root: Path) -> None:
    out = task.run_batch(script("exit 0"), "{}", 0, 1, "ftsim 0.0.1")
    assert out["problem"] == "binary"
    assert "reports 'ftsim 9.9.9'" in str(out["message"])
    assert "'ftsim 0.0.1'" in str(out["message"])


def test_a_binary_that_does_not_run_names_the_platform_rule(tmp_root: Path) -> None:
    out = task.run_batch(b"\x7fELF not really", "{}", 0, 1, VERSION)
    assert out["problem"] == "binary"
    assert "does not run on" in str(out["message"])
    assert "same OS and architecture" in str(out["message"])
    assert list(tmp_root.iterdir()) == []


def test_a_failing_batch_quotes_its_stderr(tmp_root: Path) -> None:
    out = task.run_batch(script("echo 'ftsim: boom' >&2; exit 2"), "{}", 4, 8, VERSION)
    assert out["problem"] == "batch"
    assert str(out["message"]).startswith("ftsim mc-batch 4..8 failed on ")
    assert str(out["message"]).endswith("(exit 2): ftsim: boom")


def test_requests_are_checked() -> None:
    start = p.parse_start(
        json.dumps({"address": "a", "binary": "b", "version": "v", "scenario": "s"})
    )
    assert start == p.Start("a", "b", "v", "s")
    assert p.parse_run('{"ranges": [[0, 2], [2, 3]]}') == p.Run([(0, 2), (2, 3)])
    for bad, why in [
        ("nope", "invalid JSON"),
        ("[]", "a request is a JSON object"),
        ('{"address": 1}', "'address' must be a string"),
    ]:
        with pytest.raises(p.ProtocolError, match=why):
            p.parse_start(bad)
    for bad, why in [
        ('{"ranges": 3}', "must be a list"),
        ('{"ranges": [[1]]}', "a range is a list"),
        ('{"ranges": [[2, 2]]}', r"empty range \[2, 2\)"),
        ('{"ranges": [[-1, 2]]}', "non-negative integer"),
        ('{"ranges": [[true, 2]]}', "non-negative integer"),
    ]:
        with pytest.raises(p.ProtocolError, match=why):
            p.parse_run(bad)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_closed_port_is_unreachable_and_an_open_one_is_not() -> None:
    port = free_port()
    why = driver.unreachable(f"127.0.0.1:{port}")
    assert why is not None
    assert why.startswith(f"cannot reach a Ray cluster at 127.0.0.1:{port}: ")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert driver.unreachable(f"127.0.0.1:{s.getsockname()[1]}") is None
    assert driver.unreachable("auto") is None
    assert driver.unreachable("ray://127.0.0.1:1") is None


def test_the_node_ip_is_the_address_host_when_it_is_this_machine() -> None:
    assert driver.local_node_ip("127.0.0.1:6379") == "127.0.0.1"
    assert driver.local_node_ip("192.0.2.1:6379") is None  # TEST-NET-1, never local
    assert driver.local_node_ip("auto") is None


def serve(lines: list[str]) -> tuple[int, list[dict[str, object]]]:
    events: list[str] = []
    feed = iter([*lines, ""])
    status = driver.serve(lambda: next(feed), events.append)
    return status, [json.loads(e) for e in events]


def test_an_unreachable_cluster_is_one_connect_error() -> None:
    start = {"address": f"127.0.0.1:{free_port()}", "binary": "b", "version": "v", "scenario": "s"}
    status, events = serve([json.dumps(start)])
    assert status == 1
    assert len(events) == 1
    assert events[0]["event"] == "error"
    assert events[0]["kind"] == "connect"


def test_a_bad_first_line_is_a_protocol_error() -> None:
    status, events = serve(["{}"])
    assert (status, events[0]["kind"]) == (1, "protocol")
