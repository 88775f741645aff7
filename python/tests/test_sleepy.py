"""The SleepyPid application's fault injection, without Ray: the constructor consults and
updates the flag files under a lock and records every outcome; the health check fails while
the replica's flag exists."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from ftsim_helper.sleepy import SleepyPid


def outcomes(flags: Path) -> list[str]:
    lines = (flags / "constructors.jsonl").read_text().splitlines()
    return [json.loads(line)["outcome"] for line in lines]


def test_a_constructor_without_flags_succeeds_and_returns_its_pid(tmp_path: Path) -> None:
    app = SleepyPid(str(tmp_path), 0.0, 0.0)
    assert asyncio.run(app()) == os.getpid()
    assert outcomes(tmp_path) == ["ok"]


def test_a_request_is_held_for_the_scenarios_service_time(tmp_path: Path) -> None:
    constant = SleepyPid(str(tmp_path), 0.0, 0.0, {"s": 0.2})
    assert constant.service_s() == 0.2
    t0 = time.monotonic()
    assert asyncio.run(constant()) == os.getpid()
    assert time.monotonic() - t0 >= 0.2
    uniform = SleepyPid(str(tmp_path), 0.0, 0.0, {"min_s": 0.1, "max_s": 0.3})
    assert all(0.1 <= uniform.service_s() <= 0.3 for _ in range(100))
    exponential = SleepyPid(str(tmp_path), 0.0, 0.0, {"mean_s": 0.5})
    draws = [exponential.service_s() for _ in range(4000)]
    # Mean 0.5, sd of the mean 0.5/sqrt(4000) = 0.008: 6 sd either side.
    assert all(d >= 0 for d in draws) and abs(sum(draws) / len(draws) - 0.5) < 0.05
    assert SleepyPid(str(tmp_path), 0.0, 0.0).service_s() == 0.0


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
