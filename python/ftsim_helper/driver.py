"""The helper's client of its Ray driver: a child process (`python -m ftsim_helper
--driver`, see serve_driver.py) that talks JSON lines over pipes. Kept out of the helper's
own process: a Ray driver can block for long in C++ while the GCS is down, and may exit when
it loses its raylet."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

from .layout import HEAD_NAME
from .logs import log
from .procs import Child, helper_argv, spawn
from .protocol import CommandError, DriverState, DriverStateName, ProcessRef

if TYPE_CHECKING:
    from .state import RunState

DRIVER_HANG_S = 20.0


class DriverError(CommandError):
    """The driver is unavailable, busy or failed the request."""


class Driver:
    """A child process that is a Ray driver; talks JSON lines over pipes."""

    def __init__(self, run: RunState):
        self.run = run
        self.child: Child | None = None
        self.state: DriverStateName = "absent"
        self.error: str | None = None
        self.cond = threading.Condition()
        self.responses: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.busy_id: int | None = None
        self.busy_since = 0.0
        self.started_at = 0.0
        self.retry_after = 0.0
        self.incarnation = 0

    # -- lifecycle
    def start(self) -> None:
        h = self.run
        self.kill()
        cfg = {
            "gcs_address": f"{h.lay.head_ip}:{h.lay.gcs}",
            "node_ip": h.lay.head_ip,
            # With pod networks the driver joins the head pod's, as on the head node.
            "netns_pid": h.pods[HEAD_NAME].proc.pid if h.lay.pod_netns else None,
            "namespace": h.namespace,
            "run_dir": h.run_dir,
        }
        env = h.base_env()
        env["FTSIM_DRIVER_CONFIG"] = json.dumps(cfg)
        self.incarnation += 1
        child = spawn(
            "driver",
            helper_argv("--driver"),
            env,
            os.path.join(h.run_dir, "logs", "driver.log"),
            h.run_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        with self.cond:
            self.child = child
            self.state = "starting"
            self.error = None
            self.responses = {}
            self.busy_id = 0
            self.busy_since = self.started_at = time.monotonic()
        h.save_state()
        t = threading.Thread(target=self._reader, args=(child, self.incarnation), daemon=True)
        t.start()

    def _reader(self, child: Child, incarnation: int) -> None:
        stream = child.popen.stdout
        try:
            for raw in stream or ():
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                with self.cond:
                    if incarnation != self.incarnation:
                        return
                    rid = msg.get("id")
                    if rid == 0:
                        if msg.get("ok"):
                            self.state = "ready"
                        else:
                            self.state = "dead"
                            self.error = msg.get("error", "driver failed to start")
                    else:
                        self.responses[rid] = msg
                    if rid == self.busy_id:
                        self.busy_id = None
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass
        with self.cond:
            if incarnation == self.incarnation and self.state != "absent":
                self.state = "dead"
                self.error = self.error or "driver exited"
                self.retry_after = time.monotonic() + 1.0
                self.cond.notify_all()

    def kill(self) -> list[ProcessRef]:
        """Kills the driver's process tree (if any); the processes killed."""
        with self.cond:
            child, self.child = self.child, None
            self.state = "absent"
            self.incarnation += 1
            self.busy_id = None
            self.cond.notify_all()
        if child is None:
            return []
        killed = child.kill_tree()
        for f in (child.popen.stdin, child.popen.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        return killed

    def ensure_started(self) -> None:
        """Start (or restart) the driver if it is not there; does not wait."""
        with self.cond:
            state = self.state
            hung = self.busy_id is not None and time.monotonic() - self.busy_since > DRIVER_HANG_S
        if hung:
            log(f"driver stuck for more than {DRIVER_HANG_S:.0f} s; restarting it")
            self.kill()
            state = "absent"
        if state in ("absent", "dead") and time.monotonic() >= self.retry_after:
            self.start()

    def wait_ready(self, timeout: float) -> None:
        self.ensure_started()
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.state == "starting" or (self.state == "ready" and self.busy_id is not None):
                left = deadline - time.monotonic()
                if left <= 0:
                    if self.state == "starting":
                        raise DriverError(f"Ray driver not connected after {timeout:.1f} s")
                    raise DriverError(
                        f"Ray driver busy for {time.monotonic() - self.busy_since:.1f} s "
                        "with an earlier request (GCS or controller unresponsive?)"
                    )
                self.cond.wait(left)
            if self.state != "ready":
                err = self.error or self.state
                raise DriverError(f"Ray driver unavailable: {err}")

    def call(self, cmd: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Sends one request to the driver and waits for its result."""
        deadline = time.monotonic() + timeout
        self.wait_ready(timeout)
        with self.cond:
            rid = self.next_id
            self.next_id += 1
            stdin = self.child.popen.stdin if self.child is not None else None
            line = json.dumps({"id": rid, "cmd": cmd, **args}) + "\n"
            try:
                if stdin is None:
                    raise ValueError("no pipe")
                stdin.write(line.encode())
                stdin.flush()
            except (OSError, ValueError):
                self.state = "dead"
                self.error = "driver pipe closed"
                raise DriverError("Ray driver unavailable: pipe closed") from None
            self.busy_id = rid
            self.busy_since = time.monotonic()
            while rid not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.state != "ready":
                    if self.state != "ready":
                        raise DriverError(f"Ray driver lost while running {cmd}: {self.error}")
                    raise DriverError(f"Ray driver did not answer {cmd} within {timeout:.1f} s")
                self.cond.wait(left)
            msg = self.responses.pop(rid)
        if not msg.get("ok"):
            raise DriverError(msg.get("error", "driver error"))
        result: dict[str, Any] = msg["result"]
        return result

    def describe(self) -> DriverState:
        """Its state, as observe reports it."""
        with self.cond:
            return {
                "state": self.state,
                "pid": self.child.pid if self.child else None,
                "busy_s": round(time.monotonic() - self.busy_since, 3)
                if self.busy_id is not None
                else None,
                "error": self.error,
            }
