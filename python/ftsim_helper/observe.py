"""observe: one look at everything — the processes of Redis and the pods, the GCS port, and
the Ray-level view (nodes, controller, application, replicas, proxies) through the driver
when it can answer in time."""

from __future__ import annotations

import json
import os
import time
from typing import Literal

from . import protocol as proto
from .driver import DriverError
from .pods import Pod
from .procs import all_procs, reap_children, tcp_open
from .redis_cmds import redis_answering
from .serve_view import RayView
from .state import CommandArea


def pod_state(p: Pod, view: RayView | None) -> proto.PodState:
    """One pod in an observe result: its processes, and its node as the GCS sees it (the
    alive node with its IP, else the last one)."""
    state, rc = p.process_state()
    node_state: Literal["ALIVE", "DEAD"] | None = None
    node_id = None
    if view is not None:
        ns = [n for n in view["nodes"] if n["ip"] == p.ip]
        alive = [n for n in ns if n["alive"]]
        pick = alive[0] if alive else (ns[-1] if ns else None)
        if pick:
            node_state = "ALIVE" if pick["alive"] else "DEAD"
            node_id = pick["node_id"]
    return {
        "name": p.name,
        "role": p.role,
        "incarnation": p.incarnation,
        "slot": p.slot,
        "pid": p.child.pid if p.child else None,
        "node_ip": p.ip,
        "proxy_port": p.proxy_port,
        "process": state,
        "exit_code": rc,
        "live_processes": len(p.child.live_pids()) if p.child else 0,
        "node_state": node_state,
        "node_id": node_id,
    }


def constructors_raised(run_dir: str) -> int:
    """Injected constructor failures that have raised so far (flags/constructors.jsonl)."""
    raised = 0
    try:
        with open(os.path.join(run_dir, "flags", "constructors.jsonl")) as f:
            for line in f:
                try:
                    outcome = json.loads(line).get("outcome")
                except ValueError:
                    continue  # a line still being written
                if outcome == "raised":
                    raised += 1
    except OSError:
        pass
    return raised


NO_CONTROLLER: proto.ControllerState = {
    "actor_state": None,
    "answering": None,
    "pid": None,
    "pod": None,
}
"""The controller when there is no Ray-level view."""


class ObserveCommands(CommandArea):
    """observe."""

    def cmd_observe(self, a: proto.ObserveArgs) -> proto.ObserveReply:
        """observe."""
        s = self.run
        s.require_init()
        t0 = time.monotonic()
        procs = all_procs()
        reap_children()
        changed = False
        for c in s.all_children():
            changed = c.scan(procs) or changed
        if changed:
            s.save_state()
        running = s.redis_running()
        redis: proto.RedisState = {
            "running": running,
            "pid": s.redis_proc.pid if running else None,
            "answering": redis_answering(s, 0.25) if running else False,
        }
        gcs: proto.GcsState = {"port_open": tcp_open(s.lay.head_ip, s.lay.gcs), "answering": None}
        view: RayView | None = None
        error: str | None = None
        if not gcs["port_open"]:
            error = "GCS port closed"
            # The driver cannot do anything useful now; it reconnects when the GCS is back.
        else:
            s.driver.ensure_started()
            left = a.timeout_s - (time.monotonic() - t0)
            dstate = s.driver.describe()
            if dstate["state"] == "starting":
                error = "driver connecting"
            elif dstate["state"] == "ready" and dstate["busy_s"] is not None:
                error = f"driver busy for {dstate['busy_s']:.1f} s with an earlier request"
            elif dstate["state"] != "ready":
                error = f"driver unavailable: {dstate['error']}"
            else:
                try:
                    view = s.snapshot(max(0.2, left - 0.4), max(0.3, left))
                    gcs["answering"] = True
                except DriverError as e:
                    error = str(e)
        pods = [pod_state(p, view) for p in sorted(s.pods.values(), key=lambda p: p.slot)]
        if view is not None and view["details_error"]:
            error = "controller: " + view["details_error"]
        ray: proto.RayViewState = {
            "available": view is not None,
            "error": error,
            "driver": s.driver.describe(),
        }
        return {
            "time_unix_s": round(time.time(), 3),
            "redis": redis,
            "gcs": gcs,
            "pods": pods,
            "ray_view": ray,
            "controller": view["controller"] if view is not None else NO_CONTROLLER,
            "app": view["app"] if view is not None else None,
            "replicas": view["replicas"] if view is not None else [],
            "proxies": view["proxies"] if view is not None else [],
            "constructors_raised": constructors_raised(s.run_dir),
            "elapsed_s": round(time.monotonic() - t0, 3),
        }
