"""The teardown at shutdown, stdin EOF or a signal: kill everything the run started
(driver, workers, head, Redis), check that nothing is left and no port of the layout is
still bound, and remove the run's files (unless the logs are kept)."""

from __future__ import annotations

import os
import shutil
import time

from . import protocol as proto
from .layout import PORT_SPAN
from .logs import log
from .procs import listening_ports, reap_children
from .protocol import CommandError
from .state import RunState

RUN_FILES = ("ray", "redis", "flags", "logs", "helper-state.json")
"""What the helper creates under run_dir, removed at teardown unless the logs are kept."""


def owned(child: str, procs: list[proto.ProcessRef]) -> list[proto.KilledProcess]:
    """`procs` (killed) marked with the child (pod, redis, driver) they belonged to."""
    return [{"child": child, "pid": k["pid"], "comm": k["comm"]} for k in procs]


def remove_run_files(run_dir: str, short_temp: str | None) -> None:
    """Removes RUN_FILES under `run_dir` (a symlink itself, not its target) and the short
    Ray temp root."""
    for sub in RUN_FILES:
        path = os.path.join(run_dir, sub)
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        elif os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
    if short_temp:
        shutil.rmtree(short_temp, ignore_errors=True)


def teardown(s: RunState, keep_logs: bool | None = None) -> proto.ShutdownReply:
    """Kills everything started, checks nothing is left, removes the run's files (kept when
    `keep_logs`, default: as init said)."""
    t0 = time.monotonic()
    keep = s.keep_logs if keep_logs is None else keep_logs
    killed = []
    killed += owned("driver", s.driver.kill())
    workers = [p for p in s.pods.values() if p.role == "worker"] + s.past_pods
    head = [p for p in s.pods.values() if p.role == "head"]
    for p in workers + head:
        if p.child:
            try:
                killed += owned(p.name, p.proc.kill_tree())
            except CommandError as e:
                log(str(e))
    if s.redis:
        try:
            killed += owned("redis", s.redis_proc.kill_tree())
        except CommandError as e:
            log(str(e))
    reap_children()
    leftover = []
    for c in s.all_children():
        c.scan()
        leftover += c.live_pids()
    bound = []
    if s.layout:
        lo, hi = s.lay.base, s.lay.base + PORT_SPAN - 1
        deadline = time.monotonic() + 5
        while True:
            bound = sorted(p for p in listening_ports() if lo <= p <= hi)
            if not bound or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    kept = []
    if s.initialised:
        if s.redis_conf and os.path.exists(s.redis_conf):
            os.unlink(s.redis_conf)
        s.save_state()
        if keep:
            kept = [s.run_dir] + ([s.short_temp] if s.short_temp else [])
        else:
            remove_run_files(s.run_dir, s.short_temp)
    log(f"teardown: killed {len(killed)} processes, leftover {leftover}, bound {bound}")
    return {
        "killed": killed,
        "leftover_pids": leftover,
        "ports_still_bound": bound,
        "kept": kept,
        "elapsed_s": round(time.monotonic() - t0, 3),
    }
