"""The hold model in SimPy, for `cargo bench --bench throughput` (benches/throughput.rs).

The same workload as the engine's hold row: `pending` events in the queue; each step processes
the earliest and schedules one new event an exponential time (mean 100 us) later, drawn in the
loop by Python's `random` (the engine's "drawing its increments" row does the same). Two SimPy
models of it:

- `process`: the classic SimPy hold, one process per pending event looping on
  `yield env.timeout(dt)`;
- `callback`: no processes, each `env.timeout(dt)` event carries a callback that schedules the
  next one (`Timeout` inlines `Event.__init__` and calls `env.schedule`, so a hand-built event
  passed to `env.schedule` is no faster).

Only the event loop is timed (`env.step()` `steps` times, which is what `env.run()` does), not
the interpreter's start-up nor the filling of the queue, in the thread's CPU time
(`time.thread_time`, the clock the engine's rows read), which a loaded machine skews less than
the wall clock. Prints one JSON object on standard output: the SimPy and Python versions and,
per model and pending count, the median seconds of the repetitions and the rate.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Generator
from importlib.metadata import version

import simpy
from simpy.events import Event

MEAN_US = 100.0
"""Mean of the exponential increment, in microseconds (SimPy time unit here: 1 us)."""


def process_model(pending: int, rng: random.Random) -> simpy.Environment:
    """One process per pending event, each looping on `yield env.timeout(dt)`; the processes
    are started (their first timeout scheduled) before this returns."""
    env = simpy.Environment()
    timeout = env.timeout
    draw = rng.expovariate
    rate = 1.0 / MEAN_US

    def holder() -> Generator[Event, None, None]:
        while True:
            yield timeout(draw(rate))

    for _ in range(pending):
        env.process(holder())
    for _ in range(pending):
        env.step()  # each process's start: schedules its first timeout
    return env


def callback_model(pending: int, rng: random.Random) -> simpy.Environment:
    """`pending` timeout events, each with a callback that schedules the next one."""
    env = simpy.Environment()
    timeout = env.timeout
    draw = rng.expovariate
    rate = 1.0 / MEAN_US

    def fire(_event: Event) -> None:
        timeout(draw(rate)).callbacks.append(fire)

    for _ in range(pending):
        timeout(draw(rate)).callbacks.append(fire)
    return env


MODELS: dict[str, Callable[[int, random.Random], simpy.Environment]] = {
    "process": process_model,
    "callback": callback_model,
}
"""The models by name, in the order they are measured."""


def run_steps(env: simpy.Environment, steps: int) -> float:
    """Processes `steps` events; returns the CPU seconds the loop took."""
    step = env.step
    start = time.thread_time()
    for _ in range(steps):
        step()
    return time.thread_time() - start


def measure(model: str, pending: int, steps: int, reps: int, seed: int) -> dict[str, object]:
    """Median CPU seconds of `reps` runs of `steps` events of `model` with `pending` events."""
    secs = [run_steps(MODELS[model](pending, random.Random(seed + r)), steps) for r in range(reps)]
    median = statistics.median(secs)
    return {
        "model": model,
        "pending": pending,
        "steps": steps,
        "median_s": median,
        "events_per_s": steps / median,
    }


def main(argv: list[str]) -> int:
    """Command line: see `--help`."""
    parser = argparse.ArgumentParser(description="SimPy hold model timings, as JSON")
    parser.add_argument("--pending", type=int, nargs="+", required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = [
        measure(model, pending, args.steps, args.reps, args.seed)
        for pending in args.pending
        for model in MODELS
    ]
    out = {"simpy": version("simpy"), "python": platform.python_version(), "rows": rows}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
