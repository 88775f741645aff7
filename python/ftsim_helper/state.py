"""The run's shared state: its settings (set by init), the children it started (pods,
Redis, the Ray driver) and their record in run_dir/helper-state.json for --cleanup.
Every command area (setup_cmds, redis_cmds, pod_cmds, serve_cmds, fault_cmds, observe,
teardown) reads and updates this one `RunState`.

Files under run_dir
-------------------
    logs/<pod>-s<slot>.log   stdout/stderr of each `ray start`
    logs/driver.log          the driver child's stderr (Ray driver logs)
    logs/redis.log           Redis' log
    ray/s<slot>/             Ray temp dir of each pod incarnation (session logs)
                             (a symlink to /tmp/ftsim-*/ when run_dir is too long
                             for Ray's unix socket paths)
    redis/                   redis.conf (0600, removed at teardown), appendonlydir/
    flags/                   fault-injection files (see fault_cmds)
    helper-state.json        PIDs/sessions of everything started (crash forensics)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from .driver import Driver
from .layout import Layout
from .pods import Pod
from .procs import Child, read_proc
from .protocol import CommandError
from .serve_view import RayView, ray_view

HIDDEN_ENV = (
    "RAY_ADDRESS",
    "RAY_REDIS_ADDRESS",
    "RAY_NAMESPACE",
    "RAY_external_storage_namespace",
    "FTSIM_REDIS_PASSWORD",
    "RAY_REDIS_PASSWORD",
    "FTSIM_DRIVER_CONFIG",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
)
"""Variables of the helper's environment that its children never inherit: Ray's addresses
(each child gets its own), secrets, and proxies (every address is on loopback)."""


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of every child: `environ` without HIDDEN_ENV, with usage stats off,
    unbuffered Python and loopback exempt from proxies."""
    env = {k: v for k, v in environ.items() if k not in HIDDEN_ENV}
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.0/8,localhost"
    return env


def state_record(
    helper_pid: int,
    helper_starttime: int | None,
    children: list[Child],
    pods: Mapping[str, Pod],
) -> dict[str, object]:
    """The content of helper-state.json: the helper, every child tree (with the PIDs seen in
    it and their start times) and the current pods."""
    return {
        "helper_pid": helper_pid,
        "helper_starttime": helper_starttime,
        "children": [
            {
                "name": c.name,
                "pid": c.pid,
                "sid": c.pid,
                "starttime": c.starttime,
                "tracked": {str(p): st for p, (st, _) in c.tracked.items()},
            }
            for c in children
        ],
        "pods": {
            n: {
                "slot": p.slot,
                "ip": p.ip,
                "incarnation": p.incarnation,
                "pid": p.child.pid if p.child else None,
            }
            for n, p in pods.items()
        },
    }


class RunState:
    """Everything one run set up and started."""

    def __init__(self) -> None:
        self.initialised = False
        self.run_dir = ""
        self.ray_temp_root = ""
        self.short_temp: str | None = None
        self.layout: Layout | None = None
        self.namespace = "ftsim"
        self.password: str | None = None
        self.keep_logs = False
        self.pods: dict[str, Pod] = {}
        self.past_pods: list[Pod] = []
        self.next_slot = 1
        self.incarnations: dict[str, int] = {}
        self.cuts: dict[str, list[tuple[int, str]]] = {}
        """Per cut-off pod: (pid whose network holds the entry, black-holed address)."""
        self.redis: Child | None = None
        self.redis_conf = ""
        self.driver = Driver(self)

    def base_env(self) -> dict[str, str]:
        """The environment of every child (child_env of ours)."""
        return child_env(os.environ)

    def save_state(self) -> None:
        """Records every child in run_dir/helper-state.json, for --cleanup."""
        if not self.initialised:
            return
        me = read_proc(os.getpid())
        state = state_record(
            os.getpid(), me.starttime if me else None, self.all_children(), self.pods
        )
        path = os.path.join(self.run_dir, "helper-state.json")
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(state, f)
            os.replace(path + ".tmp", path)
        except OSError:
            pass

    @property
    def lay(self) -> Layout:
        """The port layout (init has been done)."""
        if self.layout is None:
            raise CommandError("not initialised: send init first")
        return self.layout

    def require_init(self) -> None:
        """Raises unless init has been done."""
        if not self.initialised:
            raise CommandError("not initialised: send init first")

    def all_children(self) -> list[Child]:
        """Every process tree started: pods (current and past), Redis, the driver."""
        out = [p.child for p in self.pods.values() if p.child] + [
            p.child for p in self.past_pods if p.child
        ]
        if self.redis:
            out.append(self.redis)
        if self.driver.child:
            out.append(self.driver.child)
        return out

    def pod_with_ip(self, ip: str | None) -> Pod | None:
        """The pod whose (current or, latest first, past) incarnation had node IP `ip`."""
        for p in list(self.pods.values()) + self.past_pods[::-1]:
            if p.ip == ip:
                return p
        return None

    def pod_for_ip(self, ip: str | None) -> str | None:
        """The name of the pod that had node IP `ip`."""
        if ip is None:
            return None
        pod = self.pod_with_ip(ip)
        return pod.name if pod else None

    def proxy_url_for_ip(self, ip: str | None) -> str | None:
        """The proxy URL of the pod that had node IP `ip`."""
        pod = self.pod_with_ip(ip)
        return pod.proxy_url() if pod else None

    @property
    def redis_proc(self) -> Child:
        """The Redis started here (start_redis has been done)."""
        if self.redis is None:
            raise CommandError("redis has not been started")
        return self.redis

    def redis_running(self) -> bool:
        """True while the Redis started here runs."""
        return self.redis is not None and self.redis.exit_code() is None and not self.redis.killed

    def snapshot(self, controller_timeout_s: float, timeout: float) -> RayView:
        """The Ray-level view through the driver, its nodes and actors placed on the pods
        (DriverError when the driver cannot answer within `timeout`)."""
        snap = self.driver.call(
            "observe", {"controller_timeout_s": controller_timeout_s}, timeout=timeout
        )
        return ray_view(snap, self.pod_for_ip, self.proxy_url_for_ip)


class CommandArea:
    """A group of commands on the run's state (a `cmd_<name>` method per command)."""

    def __init__(self, run: RunState):
        self.run = run
