"""The commands that set a run up: ping (who is there) and init (the run directory, the
port layout, the namespace and the Redis password)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

from . import netns
from . import protocol as proto
from .layout import MAX_SLOTS, PORT_SPAN, Layout, check_base_port
from .logs import add_secret, log
from .procs import listening_ports
from .protocol import CommandError
from .state import CommandArea

MAX_RAY_TEMP_LEN = 40
"""The longest Ray temp root that keeps Ray's unix socket paths within their 107 bytes
(Ray puts <temp>/session_<date>_<time>_<usec>_<pid>/sockets/plasma_store under it)."""

NAMESPACE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_namespace(namespace: str) -> None:
    """CommandError unless `namespace` is 1-64 of [A-Za-z0-9_-]."""
    if not NAMESPACE_RE.match(namespace):
        raise CommandError("namespace: expected [A-Za-z0-9_-]{1,64}")


def check_password(password: str) -> None:
    """CommandError unless `password` can be written into redis.conf as is: non-empty,
    without whitespace, quotes or backslashes."""
    if not password or any(c in password for c in '\r\n"\\ \t'):
        raise CommandError(
            "redis_password: must be non-empty and contain no whitespace, quotes or backslashes"
        )


def needs_short_temp(ray_root: str) -> bool:
    """True when a pod's temp dir under `ray_root` (ray_root/s<slot>) would be too long for
    Ray's unix socket paths."""
    return len(ray_root) + len("/s40") > MAX_RAY_TEMP_LEN


def ray_version() -> str | None:
    """The installed Ray's version, None without Ray."""
    try:
        from importlib.metadata import version

        return version("ray")
    except Exception:
        return None


class SetupCommands(CommandArea):
    """ping and init."""

    def cmd_ping(self, _a: proto.PingArgs) -> proto.PingReply:
        """ping."""
        return {
            "pid": os.getpid(),
            "protocol_version": proto.PROTOCOL_VERSION,
            "ray_version": ray_version(),
            "initialised": self.run.initialised,
        }

    def cmd_init(self, a: proto.InitArgs) -> proto.InitReply:
        """init."""
        s = self.run
        if s.initialised:
            raise CommandError("already initialised")
        base = a.base_port
        lo, hi = base, base + PORT_SPAN - 1
        try:
            check_base_port(base)
        except ValueError as e:
            raise CommandError(str(e)) from None
        check_namespace(a.namespace)
        pw = a.redis_password
        if pw is not None:
            check_password(pw)
            add_secret(pw)
        busy = sorted(p for p in listening_ports() if lo <= p <= hi)
        if busy:
            raise CommandError(f"ports already in use in the layout range {lo}-{hi}: {busy[:10]}")
        run_dir = os.path.abspath(a.run_dir)
        os.makedirs(run_dir, exist_ok=True)
        for sub in ("ray", "redis", "flags"):
            path = os.path.join(run_dir, sub)
            if os.path.islink(path):
                os.unlink(path)
            elif os.path.isdir(path):
                shutil.rmtree(path)
        for sub in ("logs", "redis", "flags"):
            os.makedirs(os.path.join(run_dir, sub), exist_ok=True)
        os.chmod(os.path.join(run_dir, "redis"), 0o700)
        ray_root = os.path.join(run_dir, "ray")
        if needs_short_temp(ray_root):
            s.short_temp = tempfile.mkdtemp(prefix="ftsim-", dir="/tmp")
            os.symlink(s.short_temp, ray_root)
            s.ray_temp_root = s.short_temp
        else:
            os.makedirs(ray_root, exist_ok=True)
            s.ray_temp_root = ray_root
        s.run_dir = run_dir
        s.layout = Layout(base, a.pod_netns)
        if a.pod_netns:
            try:
                netns.make_bridge()
            except RuntimeError as e:
                raise CommandError(f"cannot make the pods' bridge: {e}") from None
        s.namespace = a.namespace
        s.password = pw
        s.keep_logs = a.keep_logs
        s.initialised = True
        s.save_state()
        log(f"initialised: run_dir={run_dir} base_port={base} ray_temp_root={s.ray_temp_root}")
        return {
            "run_dir": run_dir,
            "ray_temp_root": s.ray_temp_root,
            "base_port": base,
            "port_span": PORT_SPAN,
            "redis_port": s.lay.redis,
            "gcs_address": f"{s.lay.head_ip}:{s.lay.gcs}",
            "head_ip": s.lay.head_ip,
            "max_pods": MAX_SLOTS,
            "layout": s.lay.describe(),
        }
