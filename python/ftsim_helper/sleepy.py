"""The guide's working example, SleepyPid: a Serve deployment with a slow constructor
that returns its replica's PID after the scenario's service time, with the fault-injection
files of the fail_* commands (see protocol.py). Ray pickles this module by value
(serve_driver.py), so every import is local to the method that needs it."""

from __future__ import annotations


class SleepyPid:
    """The guide's working example: slow constructor, returns the replica's PID."""

    def __init__(
        self,
        flags_dir: str,
        constructor_s: float,
        fail_delay_s: float,
        service_time: dict[str, float] | None = None,
    ):
        import fcntl as _fcntl
        import json as _json
        import os as _os
        import random as _random
        import time as _time

        self._flags_dir = flags_dir
        self._service_time = dict(service_time or {})

        def record(outcome: str) -> None:
            with open(_os.path.join(flags_dir, "constructors.jsonl"), "a") as f:
                f.write(
                    _json.dumps(
                        {
                            "t_unix_s": round(_time.time(), 3),
                            "pid": _os.getpid(),
                            "outcome": outcome,
                        }
                    )
                    + "\n"
                )

        outcome = "ok"
        with open(_os.path.join(flags_dir, "constructor.lock"), "a") as lk:
            _fcntl.flock(lk, _fcntl.LOCK_EX)
            cpath = _os.path.join(flags_dir, "constructor_fail_count")
            try:
                with open(cpath) as f:
                    count = int(f.read().strip() or 0)
            except (OSError, ValueError):
                count = 0
            if count > 0:
                with open(cpath + ".tmp", "w") as f:
                    f.write(f"{count - 1}\n")
                _os.replace(cpath + ".tmp", cpath)
                outcome = "fail_count"
            else:
                try:
                    with open(_os.path.join(flags_dir, "constructor_fail_probability")) as f:
                        prob = float(f.read().strip() or 0)
                except (OSError, ValueError):
                    prob = 0.0
                if prob > 0 and _random.SystemRandom().random() < prob:
                    outcome = "fail_probability"
            record(outcome)
        if outcome != "ok":
            _time.sleep(fail_delay_s)
            record("raised")  # one short O_APPEND write: atomic without the lock
            raise RuntimeError(f"ftsim: injected constructor failure ({outcome})")
        _time.sleep(constructor_s)

    def service_s(self) -> float:
        """One request's service time, drawn as the scenario's `traffic.service_time` says:
        {"s"} constant, {"mean_s"} exponential, {"min_s", "max_s"} uniform; none: 0."""
        import random as _random

        t = self._service_time
        if "s" in t:
            return t["s"]
        if "mean_s" in t:
            return _random.expovariate(1.0 / t["mean_s"])
        if "min_s" in t:
            return _random.uniform(t["min_s"], t["max_s"])
        return 0.0

    async def __call__(self) -> int:
        """Holds the request for its service time without blocking the replica's other
        requests (up to max_ongoing_requests at once, as the simulator serves them), then
        answers with the replica's PID."""
        import asyncio as _asyncio
        import os as _os

        wait = self.service_s()
        if wait > 0:
            await _asyncio.sleep(wait)
        return _os.getpid()

    def check_health(self) -> None:
        import os as _os

        if _os.path.exists(_os.path.join(self._flags_dir, f"unhealthy-{_os.getpid()}")):
            raise RuntimeError("ftsim: injected health-check failure")
