"""The helper as ftsim runs it (`python -m ftsim_helper`), for the commands that need no Ray:
every response is valid for the protocol, and the Redis password appears nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import REPO

from ftsim_helper import protocol

PASSWORD = "pytest-Pw_0a1b2c3d"


def run_helper(requests: list[dict[str, Any]], tmp: Path) -> tuple[list[Any], str, int]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    lines = "".join(json.dumps(r) + "\n" for r in requests) + "not json\n"
    done = subprocess.run(
        [sys.executable, "-m", "ftsim_helper"],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=60,
        check=False,
    )
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr, done.returncode


def test_the_helper_answers_every_request_with_a_valid_response(tmp_path: Path) -> None:
    run_dir = tmp_path / "cluster"
    requests: list[dict[str, Any]] = [
        {"id": 1, "cmd": "ping"},
        {"id": 2, "cmd": "observe"},  # before init: an error
        {
            "id": 3,
            "cmd": "init",
            "run_dir": str(run_dir),
            "base_port": 28000,
            "redis_password": PASSWORD,
            "namespace": "ftsim",
        },
        {"id": 4, "cmd": "fail_constructors", "count": 2, "probability": 0.25},
        {"id": 5, "cmd": "fail_health", "pid": 4711, "on": True},
        {"id": 6, "cmd": "observe", "timeout_s": 0.5},
        {"id": 7, "cmd": "kill_pod", "name": "nobody"},
        {"id": 8, "cmd": "terminate_pod", "name": PASSWORD},
        {"id": 9, "cmd": "stop_redis", "graceful": "yes"},
        {"id": 10, "cmd": "shutdown"},
    ]
    responses, stderr, code = run_helper(requests, tmp_path)
    assert code == 0, stderr
    assert [r["id"] for r in responses] == [r["id"] for r in requests]
    by_id = {req["id"]: req["cmd"] for req in requests}
    for r in responses:
        protocol.check_response(by_id[r["id"]], r)
    ok = {r["id"]: r["ok"] for r in responses}
    assert ok == {
        1: True,
        2: False,
        3: True,
        4: True,
        5: True,
        6: True,
        7: False,
        8: False,
        9: False,
        10: True,
    }
    assert responses[3]["result"] == {"count": 2, "probability": 0.25}
    observed = responses[5]["result"]
    assert observed["ray_view"]["error"] == "GCS port closed"
    assert observed["pods"] == [] and observed["app"] is None
    assert responses[8]["error"] == "argument 'graceful': expected bool, found str"
    # The password never leaves the helper, not even when a request echoes it.
    assert "[REDACTED]" in responses[7]["error"]
    everything = json.dumps(responses) + stderr
    assert PASSWORD not in everything
    assert not run_dir.joinpath("flags").exists(), "shutdown removes the run's files"
