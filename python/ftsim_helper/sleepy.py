"""The guide's working example, SleepyPid: a Serve deployment with a slow constructor
that returns its replica's PID, with the fault-injection files of the fail_* commands
(see protocol.py). Ray pickles this module by value (serve_driver.py), so every import is
local to the method that needs it."""

from __future__ import annotations


class SleepyPid:
    """The guide's working example: slow constructor, returns the replica's PID."""

    def __init__(self, flags_dir: str, constructor_s: float, fail_delay_s: float):
        import fcntl as _fcntl
        import json as _json
        import os as _os
        import random as _random
        import time as _time

        self._flags_dir = flags_dir

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

    def __call__(self) -> int:
        import os as _os

        return _os.getpid()

    def check_health(self) -> None:
        import os as _os

        if _os.path.exists(_os.path.join(self._flags_dir, f"unhealthy-{_os.getpid()}")):
            raise RuntimeError("ftsim: injected health-check failure")
