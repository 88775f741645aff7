"""Fault injection: killing a Serve replica, the controller or a proxy (through Ray or by
SIGKILL of its PID), and the flag files the SleepyPid application reads (fail_health,
fail_constructors).

Flag files under run_dir/flags: unhealthy-<pid> (that replica's health check fails),
constructor_fail_count and constructor_fail_probability (the next constructors raise),
written under constructor.lock; constructors.jsonl (one line per constructor, written by
the application)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from typing import TypeVar

from . import protocol as proto
from .procs import kill_pid, tcp_open
from .protocol import CommandError
from .serve_view import CONTROLLER_NAME, RayView
from .state import CommandArea


def pick_replica(
    replicas: list[proto.ReplicaInfo], replica: str | None, pod: str | None
) -> proto.ReplicaInfo:
    """The replica to kill: the one named `replica` (replica id or actor name), else the
    first (by pod, then replica id) ALIVE one that is RUNNING or of unknown state, on `pod`
    when given. CommandError when there is none."""
    if replica is not None:
        cands = [r for r in replicas if replica in (r["replica_id"], r["actor_name"])]
        if not cands:
            raise CommandError(f"no replica {replica!r}")
        return cands[0]
    cands = [
        r
        for r in replicas
        if r["actor_state"] == "ALIVE"
        and r["state"] in ("RUNNING", None)
        and (pod is None or r["pod"] == pod)
    ]
    cands.sort(key=lambda r: (r["pod"] or "", r["replica_id"] or ""))
    if not cands:
        raise CommandError("no RUNNING replica to kill" + (f" on pod {pod!r}" if pod else ""))
    return cands[0]


def write_atomic(path: str, text: str) -> None:
    """Replaces file `path` by `text` in one step (readers see the old or the new text)."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


N = TypeVar("N", int, float)


def read_num(path: str, typ: Callable[[str], N], default: N) -> N:
    """The number in file `path`, `default` when it is missing or not a number."""
    try:
        with open(path) as f:
            return typ(f.read().strip())
    except (OSError, ValueError):
        return default


class FaultCommands(CommandArea):
    """kill_replica, kill_controller, kill_proxy, fail_health and fail_constructors."""

    def _snapshot_for_kill(self) -> RayView:
        if not tcp_open(self.run.lay.head_ip, self.run.lay.gcs):
            raise CommandError("GCS is not reachable: cannot look up actors")
        return self.run.snapshot(1.0, 8)

    def _kill_actor(
        self, actor_name: str, pid: int | None, method: proto.Method, no_restart: bool
    ) -> None:
        if method == "ray_kill":
            self.run.driver.call(
                "kill_actor",
                {"name": actor_name, "namespace": "serve", "no_restart": no_restart},
                timeout=10,
            )
        else:
            if not pid:
                raise CommandError(f"{actor_name}: pid unknown")
            for c in self.run.all_children():
                c.scan()
                if pid in c.tracked and kill_pid(pid, c.tracked[pid][0]):
                    return
            raise CommandError(f"{actor_name}: pid {pid} is not a live process of this run")

    def cmd_kill_replica(self, a: proto.KillReplicaArgs) -> proto.KillReplicaReply:
        """kill_replica."""
        self.run.require_init()
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        r = pick_replica(view["replicas"], a.replica, a.pod)
        self._kill_actor(r["actor_name"], r["pid"], a.method, True)
        return {
            "replica": r["replica_id"],
            "actor_name": r["actor_name"],
            "pod": r["pod"],
            "node_ip": r["node_ip"],
            "pid": r["pid"],
            "method": a.method,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_kill_controller(self, a: proto.KillControllerArgs) -> proto.KillControllerReply:
        """kill_controller."""
        self.run.require_init()
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        c = view["controller"]
        if c["actor_state"] in (None, "DEAD"):
            raise CommandError(f"controller is not alive (actor state {c['actor_state']})")
        self._kill_actor(CONTROLLER_NAME, c["pid"], a.method, a.no_restart)
        return {
            "actor_name": CONTROLLER_NAME,
            "pod": c["pod"],
            "pid": c["pid"],
            "method": a.method,
            "no_restart": a.no_restart,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_kill_proxy(self, a: proto.KillProxyArgs) -> proto.KillProxyReply:
        """kill_proxy."""
        self.run.require_init()
        if (a.pod is None) == (a.node_ip is None):
            raise CommandError("give exactly one of 'pod' or 'node_ip'")
        if a.pod is not None:
            pod = self.run.pods.get(a.pod)
            if pod is None:
                raise CommandError(f"no pod named {a.pod!r}")
            ip = pod.ip
        else:
            ip = a.node_ip or ""
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        cands = [p for p in view["proxies"] if p["node_ip"] == ip and p["actor_state"] == "ALIVE"]
        if not cands:
            raise CommandError(f"no live proxy on {ip}")
        p = cands[0]
        self._kill_actor(p["actor_name"], p["pid"], a.method, True)
        return {
            "actor_name": p["actor_name"],
            "pod": p["pod"],
            "node_ip": ip,
            "pid": p["pid"],
            "method": a.method,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_fail_health(self, a: proto.FailHealthArgs) -> proto.FailHealthReply:
        """fail_health."""
        self.run.require_init()
        path = os.path.join(self.run.run_dir, "flags", f"unhealthy-{a.pid}")
        if a.on:
            with open(path, "w") as f:
                f.write(f"{time.time()}\n")
        elif os.path.exists(path):
            os.unlink(path)
        return {"pid": a.pid, "on": a.on, "flag_file": path}

    def cmd_fail_constructors(self, a: proto.FailConstructorsArgs) -> proto.FailConstructorsReply:
        """fail_constructors."""
        self.run.require_init()
        if a.count is None and a.probability is None:
            raise CommandError("give 'count' and/or 'probability'")
        if a.count is not None and a.count < 0:
            raise CommandError("count must be >= 0")
        if a.probability is not None and not 0.0 <= a.probability <= 1.0:
            raise CommandError("probability must be within [0, 1]")
        flags = os.path.join(self.run.run_dir, "flags")
        with open(os.path.join(flags, "constructor.lock"), "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            if a.count is not None:
                write_atomic(os.path.join(flags, "constructor_fail_count"), f"{a.count}\n")
            if a.probability is not None:
                write_atomic(
                    os.path.join(flags, "constructor_fail_probability"), f"{a.probability!r}\n"
                )
            count = read_num(os.path.join(flags, "constructor_fail_count"), int, 0)
            prob = read_num(os.path.join(flags, "constructor_fail_probability"), float, 0.0)
        return {"count": count, "probability": prob}
