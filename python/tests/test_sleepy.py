"""The SleepyPid application's fault injection, without Ray: the constructor consults and
updates the flag files under a lock and records every outcome; the health check fails while
the replica's flag exists."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ftsim_helper.sleepy import SleepyPid


def outcomes(flags: Path) -> list[str]:
    lines = (flags / "constructors.jsonl").read_text().splitlines()
    return [json.loads(line)["outcome"] for line in lines]


def test_a_constructor_without_flags_succeeds_and_returns_its_pid(tmp_path: Path) -> None:
    app = SleepyPid(str(tmp_path), 0.0, 0.0)
    assert app() == os.getpid()
    assert outcomes(tmp_path) == ["ok"]


def test_the_next_count_constructors_fail_then_they_succeed(tmp_path: Path) -> None:
    (tmp_path / "constructor_fail_count").write_text("2\n")
    for _ in range(2):
        with pytest.raises(RuntimeError, match="injected constructor failure \\(fail_count\\)"):
            SleepyPid(str(tmp_path), 0.0, 0.0)
    SleepyPid(str(tmp_path), 0.0, 0.0)
    assert (tmp_path / "constructor_fail_count").read_text() == "0\n"
    assert outcomes(tmp_path) == ["fail_count", "raised", "fail_count", "raised", "ok"]


def test_probability_one_fails_every_constructor(tmp_path: Path) -> None:
    (tmp_path / "constructor_fail_probability").write_text("1.0\n")
    with pytest.raises(RuntimeError, match="fail_probability"):
        SleepyPid(str(tmp_path), 0.0, 0.0)
    assert outcomes(tmp_path) == ["fail_probability", "raised"]


def test_health_fails_while_the_flag_of_its_pid_exists(tmp_path: Path) -> None:
    app = SleepyPid(str(tmp_path), 0.0, 0.0)
    app.check_health()
    flag = tmp_path / f"unhealthy-{os.getpid()}"
    flag.write_text("1\n")
    with pytest.raises(RuntimeError, match="injected health-check failure"):
        app.check_health()
    flag.unlink()
    app.check_health()
