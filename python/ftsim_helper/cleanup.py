"""`python -m ftsim_helper --cleanup RUN_DIR`: after a helper died without tearing down
(SIGKILL, OOM), SIGKILL every process it had started, using RUN_DIR/helper-state.json (the
sessions it created and every PID it recorded, with its start time)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from .procs import ProcInfo, all_procs, is_live, kill_pid


def victims(state: dict[str, Any], procs: list[ProcInfo]) -> dict[int, ProcInfo]:
    """The processes of `procs` that the helper of `state` started: members of a session it
    created (started no earlier than the session) or PIDs it recorded with the same start
    time. Zombies are left out (they are dead already)."""
    out = {}
    for c in state.get("children", []):
        tracked = {int(p): st for p, st in c.get("tracked", {}).items()}
        for p in procs:
            if p.state in ("Z", "X"):
                continue
            if (p.sid == c["sid"] and p.starttime >= c["starttime"]) or tracked.get(
                p.pid
            ) == p.starttime:
                out[p.pid] = p
    return out


def cleanup_main(run_dir: str) -> int:
    """SIGKILLs what the helper of `run_dir` started. Prints one JSON line {"killed": [...],
    "leftover": [...]} on stdout; exit 0 if none left, 1 if some survive, 3 if the helper is
    still alive (then use its protocol)."""
    with open(os.path.join(run_dir, "helper-state.json")) as f:
        state = json.load(f)
    hp, hst = state.get("helper_pid"), state.get("helper_starttime")
    if hp and hst is not None and is_live(hp, hst):
        print(json.dumps({"error": f"helper {hp} is still alive"}))
        return 3
    killed: dict[int, str] = {}
    deadline = time.monotonic() + 15
    while True:
        v = victims(state, all_procs())
        if not v or time.monotonic() > deadline:
            break
        for pid, p in v.items():
            killed[pid] = p.comm
            kill_pid(pid, p.starttime)
        time.sleep(0.1)
    left = sorted(victims(state, all_procs()))
    print(
        json.dumps(
            {"killed": [{"pid": p, "comm": c} for p, c in sorted(killed.items())], "leftover": left}
        )
    )
    return 1 if left else 0
