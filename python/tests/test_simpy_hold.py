"""The SimPy hold model that `cargo bench --bench throughput` compares the engine with: both
models run the same workload, the queue keeps its pending count, time advances at the hold
model's rate, and the command line prints the JSON the bench reads."""

from __future__ import annotations

import json
import random

import pytest

from bench.simpy_hold import MEAN_US, MODELS, main


def test_both_models_draw_the_same_increments_and_keep_the_pending_count() -> None:
    ends = []
    for make in MODELS.values():
        env = make(50, random.Random(3))
        assert len(env._queue) == 50
        for _ in range(2_000):
            env.step()
            assert len(env._queue) == 50
        ends.append(env.now)
    assert ends[0] == ends[1]


def test_time_advances_by_the_mean_increment_over_the_pending_count_per_step() -> None:
    pending, steps = 10, 50_000
    env = MODELS["callback"](pending, random.Random(1))
    for _ in range(steps):
        env.step()
    assert env.now == pytest.approx(steps * MEAN_US / pending, rel=0.03)


def test_the_command_line_prints_one_row_per_model_and_pending_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--pending", "4", "16", "--steps", "100", "--reps", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["simpy"] == "4.1.2"
    rows = [(r["model"], r["pending"], r["steps"]) for r in out["rows"]]
    assert rows == [(m, p, 100) for p in (4, 16) for m in MODELS]
    assert all(r["events_per_s"] > 0 for r in out["rows"])
