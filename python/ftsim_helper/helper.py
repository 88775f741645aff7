"""The helper's state and its commands: the pods, Redis and the Ray driver it started,
each command of the protocol (protocol.py) as a `cmd_<name>` method taking the command's
typed arguments, and the teardown.

Files under run_dir
-------------------
    logs/<pod>-s<slot>.log   stdout/stderr of each `ray start`
    logs/driver.log          the driver child's stderr (Ray driver logs)
    logs/redis.log           Redis' log
    ray/s<slot>/             Ray temp dir of each pod incarnation (session logs)
                             (a symlink to /tmp/ftsim-*/ when run_dir is too long
                             for Ray's unix socket paths)
    redis/                   redis.conf (0600, removed at teardown), appendonlydir/
    flags/                   fault-injection files (see fail_* above)
    helper-state.json        PIDs/sessions of everything started (crash forensics)
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import IO, Any, Literal, TypeVar

from . import protocol as proto
from .driver import Driver, DriverError
from .layout import HEAD_IP, HEAD_NAME, MAX_SLOTS, NAME_RE, PORT_SPAN, Layout, check_base_port
from .logs import add_secret, log, redact, redact_obj
from .pods import Pod
from .procs import (
    Child,
    all_procs,
    helper_argv,
    kill_pid,
    listening_ports,
    port_in_use,
    read_proc,
    reap_children,
    spawn,
    tcp_open,
)
from .protocol import CommandError
from .redis_client import RedisError, redis_command
from .serve_view import CONTROLLER_NAME, RayView, ray_view

RAY_STARTED_MARKER = "Ray runtime started"
# Unix socket paths are limited to 107 bytes; Ray puts
# <temp>/session_<date>_<time>_<usec>_<pid>/sockets/plasma_store under the temp dir.
MAX_RAY_TEMP_LEN = 40


class Helper:
    """Everything one run started, and the commands on it."""

    def __init__(self, out: IO[str]):
        self.out = out
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
        self.redis: Child | None = None
        self.redis_conf = ""
        self.driver = Driver(self)
        self.incarnations: dict[str, int] = {}

    # ---------------------------------------------------------------- plumbing
    def respond(self, rid: int | None, ok: bool, payload: Any) -> None:
        """Writes one response line (redacted)."""
        msg: dict[str, Any] = {"id": rid, "ok": ok}
        if ok:
            msg["result"] = redact_obj(payload)
        else:
            msg["error"] = redact(str(payload))
        self.out.write(json.dumps(msg, separators=(",", ":"), default=str) + "\n")
        self.out.flush()

    def base_env(self) -> dict[str, str]:
        """The environment of every child: ours without Ray's addresses, proxies, secrets."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
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
        }
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        env["PYTHONUNBUFFERED"] = "1"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.0/8,localhost"
        return env

    def save_state(self) -> None:
        """Records every child in run_dir/helper-state.json, for --cleanup."""
        if not self.initialised:
            return
        me = read_proc(os.getpid())
        state = {
            "helper_pid": os.getpid(),
            "helper_starttime": me.starttime if me else None,
            "children": [
                {
                    "name": c.name,
                    "pid": c.pid,
                    "sid": c.pid,
                    "starttime": c.starttime,
                    "tracked": {str(p): st for p, (st, _) in c.tracked.items()},
                }
                for c in self.all_children()
            ],
            "pods": {
                n: {
                    "slot": p.slot,
                    "ip": p.ip,
                    "incarnation": p.incarnation,
                    "pid": p.child.pid if p.child else None,
                }
                for n, p in self.pods.items()
            },
        }
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

    def pod_for_ip(self, ip: str | None) -> str | None:
        """The pod whose (current or past) incarnation had node IP `ip`."""
        if ip is None:
            return None
        for p in list(self.pods.values()) + self.past_pods[::-1]:
            if p.ip == ip:
                return p.name
        return None

    # ---------------------------------------------------------------- commands
    def run(self, cmd: str, args: Any) -> Any:
        """Runs command `cmd` (a name of protocol.REQUESTS) on its parsed arguments."""
        return getattr(self, f"cmd_{cmd}")(args)

    def cmd_ping(self, _a: proto.PingArgs) -> proto.PingReply:
        """ping."""
        return {
            "pid": os.getpid(),
            "protocol_version": proto.PROTOCOL_VERSION,
            "ray_version": _ray_version(),
            "initialised": self.initialised,
        }

    def cmd_init(self, a: proto.InitArgs) -> proto.InitReply:
        """init."""
        if self.initialised:
            raise CommandError("already initialised")
        base = a.base_port
        lo, hi = base, base + PORT_SPAN - 1
        try:
            check_base_port(base)
        except ValueError as e:
            raise CommandError(str(e)) from None
        if not re.match(r"^[A-Za-z0-9_-]{1,64}$", a.namespace):
            raise CommandError("namespace: expected [A-Za-z0-9_-]{1,64}")
        pw = a.redis_password
        if pw is not None:
            if not pw or any(c in pw for c in '\r\n"\\ \t'):
                raise CommandError(
                    "redis_password: must be non-empty and contain no "
                    "whitespace, quotes or backslashes"
                )
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
        if len(ray_root) + len("/s40") > MAX_RAY_TEMP_LEN:
            self.short_temp = tempfile.mkdtemp(prefix="ftsim-", dir="/tmp")
            os.symlink(self.short_temp, ray_root)
            self.ray_temp_root = self.short_temp
        else:
            os.makedirs(ray_root, exist_ok=True)
            self.ray_temp_root = ray_root
        self.run_dir = run_dir
        self.layout = Layout(base)
        self.namespace = a.namespace
        self.password = pw
        self.keep_logs = a.keep_logs
        self.initialised = True
        self.save_state()
        log(f"initialised: run_dir={run_dir} base_port={base} ray_temp_root={self.ray_temp_root}")
        return {
            "run_dir": run_dir,
            "ray_temp_root": self.ray_temp_root,
            "base_port": base,
            "port_span": PORT_SPAN,
            "redis_port": self.lay.redis,
            "gcs_address": f"{HEAD_IP}:{self.lay.gcs}",
            "head_ip": HEAD_IP,
            "max_pods": MAX_SLOTS,
            "layout": self.lay.describe(),
        }

    # -- Redis
    @property
    def redis_proc(self) -> Child:
        """The Redis started here (start_redis has been done)."""
        if self.redis is None:
            raise CommandError("redis has not been started")
        return self.redis

    def redis_running(self) -> bool:
        """True while the Redis started here runs."""
        return self.redis is not None and self.redis.exit_code() is None and not self.redis.killed

    def redis_answering(self, timeout: float = 0.3) -> bool:
        """True when Redis answers PING."""
        try:
            return redis_command(self.lay.redis, self.password, "PING", timeout=timeout) == "PONG"
        except (OSError, RedisError):
            return False

    def cmd_start_redis(self, _a: proto.StartRedisArgs) -> proto.StartRedisReply:
        """start_redis."""
        self.require_init()
        if self.redis_running():
            raise CommandError(f"redis already running (pid {self.redis_proc.pid})")
        exe = shutil.which("redis-server")
        if not exe:
            raise CommandError("redis-server not found on PATH (run scripts/setup-live.sh)")
        if port_in_use(self.lay.redis):
            raise CommandError(f"port {self.lay.redis} (redis) is already in use")
        t0 = time.monotonic()
        rdir = os.path.join(self.run_dir, "redis")
        self.redis_conf = os.path.join(rdir, "redis.conf")
        lines = [
            f"port {self.lay.redis}",
            "bind 127.0.0.1",
            "protected-mode yes",
            "daemonize no",
            f'dir "{rdir}"',
            "appendonly yes",
            "appendfsync always",
            'save ""',
            f'logfile "{os.path.join(self.run_dir, "logs", "redis.log")}"',
        ]
        if self.password:
            lines.append(f'requirepass "{self.password}"')
        fd = os.open(self.redis_conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.redis_conf, 0o600)
        self.redis = spawn(
            "redis",
            helper_argv("--exec", exe, self.redis_conf),
            self.base_env(),
            os.path.join(self.run_dir, "logs", "redis.stdout.log"),
            self.run_dir,
        )
        self.save_state()
        deadline = time.monotonic() + 10
        while not self.redis_answering():
            if self.redis_proc.exit_code() is not None:
                raise CommandError(
                    f"redis-server exited with {self.redis_proc.exit_code()}; "
                    f"see {self.run_dir}/logs/redis.log"
                )
            if time.monotonic() > deadline:
                self.redis_proc.kill_tree()
                raise CommandError("redis-server did not answer PING within 10 s")
            time.sleep(0.05)
        self.redis_proc.scan()
        log(f"redis started pid={self.redis_proc.pid} port={self.lay.redis}")
        return {
            "pid": self.redis_proc.pid,
            "port": self.lay.redis,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_stop_redis(self, a: proto.StopRedisArgs) -> proto.StopRedisReply:
        """stop_redis."""
        self.require_init()
        if not self.redis_running():
            raise CommandError("redis is not running")
        return self._stop_redis(a.graceful)

    def _stop_redis(self, graceful: bool) -> proto.StopRedisReply:
        t0 = time.monotonic()
        pid = self.redis_proc.pid
        how = "SIGKILL"
        if graceful:
            how = "SHUTDOWN NOSAVE"
            try:
                redis_command(self.lay.redis, self.password, "SHUTDOWN", "NOSAVE", timeout=2)
            except (OSError, RedisError):
                pass  # the connection drops when Redis exits
            try:
                self.redis_proc.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                how = "SHUTDOWN NOSAVE (timed out) + SIGKILL"
        self.redis_proc.kill_tree()
        self.save_state()
        log(f"redis stopped ({how}) pid={pid}")
        return {"pid": pid, "how": how, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_restart_redis(self, a: proto.StopRedisArgs) -> proto.RestartRedisReply:
        """restart_redis."""
        self.require_init()
        stopped = self._stop_redis(a.graceful) if self.redis_running() else None
        started = self.cmd_start_redis(proto.StartRedisArgs())
        return {"stopped": stopped, "started": started}

    # -- pods
    @staticmethod
    def _check_pod_args(a: proto.StartHeadArgs) -> None:
        for k in a.env:
            if not (k.startswith("RAY_") or k.startswith("FTSIM_")):
                raise CommandError(
                    f"env: only string values for RAY_* / FTSIM_* variables "
                    f"are accepted (got {k!r})"
                )
        if a.num_cpus < 0 or a.object_store_mb < 80:
            raise CommandError("num_cpus must be >= 0 and object_store_mb >= 80")

    def cmd_start_head(
        self, a: proto.StartHeadArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        """start_head."""
        self._check_pod_args(a)
        self.require_init()
        return self._start_pod(HEAD_NAME, 0, a)

    def cmd_start_worker(
        self, a: proto.StartWorkerArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        """start_worker."""
        self._check_pod_args(a)
        self.require_init()
        name = a.name
        if not NAME_RE.match(name) or name == HEAD_NAME:
            raise CommandError("name: expected [A-Za-z0-9_.-]{1,40} and not 'head'")
        if self.next_slot > MAX_SLOTS - 1:
            raise CommandError(f"out of pod slots (max {MAX_SLOTS - 1} worker pod starts per run)")
        return self._start_pod(name, self.next_slot, a)

    def _start_pod(
        self, name: str, slot: int, a: proto.StartHeadArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        old = self.pods.get(name)
        if old is not None:
            state, _ = old.process_state()
            if state == "running":
                raise CommandError(
                    f"pod {name!r} is already running (pid {old.proc.pid}); kill_pod it first"
                )
            if old.child and old.proc.live_pids():
                log(f"pod {name}: killing leftovers of the previous incarnation")
                old.proc.kill_tree()
            self.past_pods.append(old)
            del self.pods[name]
        L = self.lay
        ports = L.slot_ports(slot)
        needed = [
            ports[k]
            for k in (
                "node_manager",
                "object_manager",
                "metrics_export",
                "dashboard_agent_listen",
                "dashboard_agent_grpc",
                "runtime_env_agent",
                "serve_http",
            )
        ]
        if slot == 0:
            needed += [L.gcs, ports["ray_client_server"]]
        busy = [p for p in needed if port_in_use(p)]
        if busy:
            raise CommandError(f"pod {name}: port(s) {busy} already in use")
        if a.gcs_ft and slot == 0 and not self.redis_running():
            log("warning: starting a GCS-FT head while redis is not running")
        incarnation = self.incarnations.get(name, 0) + 1
        temp_dir = os.path.join(self.ray_temp_root, f"s{slot}")
        os.makedirs(temp_dir, exist_ok=True)
        stale = os.path.join(temp_dir, "ray_current_cluster")
        if os.path.exists(stale):
            os.unlink(stale)
        log_path = os.path.join(self.run_dir, "logs", f"{name}-s{slot}.log")
        pod = Pod(
            name,
            "head" if slot == 0 else "worker",
            slot,
            incarnation,
            L,
            temp_dir,
            log_path,
            a.gcs_ft,
        )
        env = self.base_env()
        env.update(
            {
                "DASHBOARD_METRIC_PORT": str(ports["dashboard_metrics"]),
                "AUTOSCALER_METRIC_PORT": str(ports["autoscaler_metrics"]),
                "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT": str(ports["serve_fallback_http"]),
                "RAY_SERVE_FALLBACK_PROXY_GRPC_PORT": str(ports["serve_fallback_grpc"]),
            }
        )
        argv = [
            *helper_argv("--ray-start", "start", "--block"),
            f"--node-ip-address={pod.ip}",
            f"--num-cpus={a.num_cpus}",
            f"--temp-dir={temp_dir}",
            f"--object-store-memory={a.object_store_mb * 1024 * 1024}",
            f"--node-manager-port={ports['node_manager']}",
            f"--object-manager-port={ports['object_manager']}",
            f"--metrics-export-port={ports['metrics_export']}",
            f"--dashboard-agent-listen-port={ports['dashboard_agent_listen']}",
            f"--dashboard-agent-grpc-port={ports['dashboard_agent_grpc']}",
            f"--runtime-env-agent-port={ports['runtime_env_agent']}",
            f"--min-worker-port={ports['min_worker']}",
            f"--max-worker-port={ports['max_worker']}",
            "--disable-usage-stats",
            "--log-style=record",
            "--log-color=false",
        ]
        if slot == 0:
            argv += [
                "--head",
                f"--port={L.gcs}",
                "--include-dashboard=false",
                f"--dashboard-port={ports['dashboard']}",
                f"--ray-client-server-port={ports['ray_client_server']}",
            ]
            if a.gcs_ft:
                env["RAY_REDIS_ADDRESS"] = f"127.0.0.1:{L.redis}"
                env["RAY_external_storage_namespace"] = self.namespace
                if self.password:
                    env["FTSIM_REDIS_PASSWORD"] = self.password
        else:
            argv += [f"--address={HEAD_IP}:{L.gcs}"]
            env["RAY_SERVE_WORKER_PROXY_HTTP_PORT"] = str(ports["serve_http"])
            env["RAY_SERVE_WORKER_PROXY_GRPC_PORT"] = str(ports["serve_grpc"])
            if a.gcs_ft:
                env["RAY_gcs_rpc_server_reconnect_timeout_s"] = "600"
        env.update(a.env)
        if slot == 0:
            # A new head: the driver attached to the old one is stale.
            self.driver.kill()
        t0 = time.monotonic()
        with open(log_path, "ab") as f:
            f.write(
                f"\n==== ftsim: starting {name} incarnation {incarnation} slot {slot} "
                f"at {time.strftime('%Y-%m-%d %H:%M:%S')} ====\n".encode()
            )
        log_offset = os.path.getsize(log_path)
        pod.child = spawn(name, argv, env, log_path, self.run_dir)
        self.pods[name] = pod
        self.incarnations[name] = incarnation
        if slot > 0:
            self.next_slot = slot + 1
        self.save_state()
        log(f"starting pod {name} (slot {slot}, ip {pod.ip}, pid {pod.proc.pid})")
        deadline = t0 + a.timeout_s
        while True:
            pod.proc.scan()
            text = _read_from(log_path, log_offset)
            if RAY_STARTED_MARKER in text:
                break
            rc = pod.proc.exit_code()
            if rc is not None or time.monotonic() > deadline:
                why = (
                    f"exited with {rc}"
                    if rc is not None
                    else f"not started within {a.timeout_s:.0f} s"
                )
                pod.proc.kill_tree()
                self.save_state()
                if rc is not None and a.exit_ok:
                    log(f"pod {name}: ray start {why}")
                    return {
                        "pod": name,
                        "started": False,
                        "exit_code": rc,
                        "elapsed_s": round(time.monotonic() - t0, 3),
                    }
                tail = "\n".join(text.strip().splitlines()[-15:])
                raise CommandError(f"pod {name}: ray start {why}; log {log_path}; tail:\n{tail}")
            time.sleep(0.1)
        pod.proc.scan()
        self.save_state()
        elapsed = time.monotonic() - t0
        log(f"pod {name} started in {elapsed:.1f} s")
        return pod.started(f"{HEAD_IP}:{L.gcs}", round(elapsed, 3))

    def _named_pod(self, a: proto.PodArgs) -> Pod:
        """The started pod that `a` names."""
        self.require_init()
        pod = self.pods.get(a.name)
        if pod is None or pod.child is None:
            raise CommandError(f"no pod named {a.name!r}")
        return pod

    def cmd_kill_pod(self, a: proto.PodArgs) -> proto.KillPodReply:
        """kill_pod."""
        pod = self._named_pod(a)
        t0 = time.monotonic()
        killed = pod.proc.kill_tree()
        if pod.role == "head":
            self.driver.kill()
        self.save_state()
        log(f"pod {pod.name} killed: {len(killed)} processes")
        return {"pod": pod.name, "killed": killed, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_freeze_pod(self, a: proto.PodArgs) -> proto.FreezePodReply:
        """freeze_pod."""
        pod = self._named_pod(a)
        t0 = time.monotonic()
        frozen = pod.proc.stop_tree()
        pod.frozen = True
        self.save_state()
        log(f"pod {pod.name} frozen: {len(frozen)} processes")
        return {"pod": pod.name, "frozen": frozen, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_terminate_pod(self, a: proto.PodArgs) -> proto.TerminatePodReply:
        """SIGTERM to the pod's `ray start --block` (what the kubelet sends on pod deletion):
        Ray 2.60 drains the node, then stops its processes. Returns at once; the pod shows
        "exited" in observe when done, and kill_pod removes leftovers."""
        pod = self._named_pod(a)
        if pod.proc.exit_code() is not None:
            return {"pod": pod.name, "signalled": False}
        kill_pid(pod.proc.pid, pod.proc.starttime, signal.SIGTERM)
        log(f"pod {pod.name}: SIGTERM sent to ray start (pid {pod.proc.pid})")
        return {"pod": pod.name, "signalled": True, "pid": pod.proc.pid}

    # -- Serve
    def cmd_undeploy(self, a: proto.UndeployArgs) -> proto.UndeployReply:
        """serve.delete of the application (used to redeploy until replicas are spread)."""
        self.require_init()
        t0 = time.monotonic()
        self.driver.call("undeploy", dataclasses.asdict(a), timeout=60)
        return {"app_name": a.app_name, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_deploy(self, a: proto.DeployArgs) -> proto.DeployReply:
        """deploy."""
        self.require_init()
        if a.num_replicas < 0 or a.max_ongoing_requests < 1:
            raise CommandError("num_replicas must be >= 0 and max_ongoing_requests >= 1")
        if HEAD_NAME not in self.pods:
            raise CommandError("no head pod: start_head first")
        t0 = time.monotonic()
        self.driver.call(
            "deploy",
            {
                **dataclasses.asdict(a),
                "flags_dir": os.path.join(self.run_dir, "flags"),
                "http_host": HEAD_IP,
                "http_port": self.pods[HEAD_NAME].proxy_port,
            },
            timeout=60,
        )
        return {
            "app_name": a.app_name,
            "route_prefix": "/",
            "submitted": True,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def _proxy_url_for_ip(self, ip: str | None) -> str | None:
        """The proxy URL of the pod that had node IP `ip`."""
        for p in list(self.pods.values()) + self.past_pods[::-1]:
            if p.ip == ip:
                return p.proxy_url()
        return None

    def cmd_wait_ready(self, a: proto.WaitReadyArgs) -> proto.WaitReadyReply:
        """wait_ready."""
        self.require_init()
        t0 = time.monotonic()
        deadline = t0 + a.timeout_s
        last = "nothing observed yet"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandError(f"not ready after {a.timeout_s:.1f} s: {last}")
            try:
                snap = self.driver.call(
                    "observe", {"controller_timeout_s": 2.0}, timeout=min(max(left, 0.5), 10)
                )
            except DriverError as e:
                last = str(e)
                time.sleep(0.5)
                continue
            view = ray_view(snap, self.pod_for_ip, self._proxy_url_for_ip)
            app = view["app"]
            running = [r for r in view["replicas"] if r["state"] == "RUNNING"]
            healthy = [p for p in view["proxies"] if p["status"] == "HEALTHY"]
            if app is None or app["status"] != "RUNNING" or len(running) != a.num_replicas:
                last = (
                    f"app {app['status'] if app else None}, {len(running)}/"
                    f"{a.num_replicas} replicas RUNNING"
                )
                time.sleep(0.5)
                continue
            answers = []
            all_ok = bool(healthy)
            for p in healthy:
                status, body = http_get(p["url"], timeout=2.0) if p["url"] else (None, "no url")
                answers.append(_answered(p, status, body))
                all_ok = all_ok and status == 200
            if not all_ok:
                last = (
                    f"proxies not all answering: {[(x['pod'], x['http_status']) for x in answers]}"
                )
                time.sleep(0.5)
                continue
            return {
                "elapsed_s": round(time.monotonic() - t0, 3),
                "replicas": view["replicas"],
                "proxies": answers,
            }

    # -- fault injection through Ray
    def _snapshot_for_kill(self) -> RayView:
        if not tcp_open(HEAD_IP, self.lay.gcs):
            raise CommandError("GCS is not reachable: cannot look up actors")
        snap = self.driver.call("observe", {"controller_timeout_s": 1.0}, timeout=8)
        return ray_view(snap, self.pod_for_ip, self._proxy_url_for_ip)

    def _kill_actor(
        self, actor_name: str, pid: int | None, method: proto.Method, no_restart: bool
    ) -> None:
        if method == "ray_kill":
            self.driver.call(
                "kill_actor",
                {"name": actor_name, "namespace": "serve", "no_restart": no_restart},
                timeout=10,
            )
        else:
            if not pid:
                raise CommandError(f"{actor_name}: pid unknown")
            for c in self.all_children():
                c.scan()
                if pid in c.tracked and kill_pid(pid, c.tracked[pid][0]):
                    return
            raise CommandError(f"{actor_name}: pid {pid} is not a live process of this run")

    def cmd_kill_replica(self, a: proto.KillReplicaArgs) -> proto.KillReplicaReply:
        """kill_replica."""
        self.require_init()
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        reps = view["replicas"]
        if a.replica is not None:
            cands = [r for r in reps if a.replica in (r["replica_id"], r["actor_name"])]
            if not cands:
                raise CommandError(f"no replica {a.replica!r}")
        else:
            cands = [
                r
                for r in reps
                if r["actor_state"] == "ALIVE"
                and r["state"] in ("RUNNING", None)
                and (a.pod is None or r["pod"] == a.pod)
            ]
            cands.sort(key=lambda r: (r["pod"] or "", r["replica_id"] or ""))
            if not cands:
                raise CommandError(
                    "no RUNNING replica to kill" + (f" on pod {a.pod!r}" if a.pod else "")
                )
        r = cands[0]
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
        self.require_init()
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
        self.require_init()
        if (a.pod is None) == (a.node_ip is None):
            raise CommandError("give exactly one of 'pod' or 'node_ip'")
        if a.pod is not None:
            pod = self.pods.get(a.pod)
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

    # -- fault injection through files
    def cmd_fail_health(self, a: proto.FailHealthArgs) -> proto.FailHealthReply:
        """fail_health."""
        self.require_init()
        path = os.path.join(self.run_dir, "flags", f"unhealthy-{a.pid}")
        if a.on:
            with open(path, "w") as f:
                f.write(f"{time.time()}\n")
        elif os.path.exists(path):
            os.unlink(path)
        return {"pid": a.pid, "on": a.on, "flag_file": path}

    def cmd_fail_constructors(self, a: proto.FailConstructorsArgs) -> proto.FailConstructorsReply:
        """fail_constructors."""
        self.require_init()
        if a.count is None and a.probability is None:
            raise CommandError("give 'count' and/or 'probability'")
        if a.count is not None and a.count < 0:
            raise CommandError("count must be >= 0")
        if a.probability is not None and not 0.0 <= a.probability <= 1.0:
            raise CommandError("probability must be within [0, 1]")
        flags = os.path.join(self.run_dir, "flags")
        with open(os.path.join(flags, "constructor.lock"), "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            if a.count is not None:
                _write_atomic(os.path.join(flags, "constructor_fail_count"), f"{a.count}\n")
            if a.probability is not None:
                _write_atomic(
                    os.path.join(flags, "constructor_fail_probability"), f"{a.probability!r}\n"
                )
            count = _read_num(os.path.join(flags, "constructor_fail_count"), int, 0)
            prob = _read_num(os.path.join(flags, "constructor_fail_probability"), float, 0.0)
        return {"count": count, "probability": prob}

    # -- observation
    def cmd_observe(self, a: proto.ObserveArgs) -> proto.ObserveReply:
        """observe."""
        self.require_init()
        t0 = time.monotonic()
        procs = all_procs()
        reap_children()
        changed = False
        for c in self.all_children():
            changed = c.scan(procs) or changed
        if changed:
            self.save_state()
        redis_running = self.redis_running()
        redis: proto.RedisState = {
            "running": redis_running,
            "pid": self.redis_proc.pid if redis_running else None,
            "answering": self.redis_answering(0.25) if redis_running else False,
        }
        gcs: proto.GcsState = {"port_open": tcp_open(HEAD_IP, self.lay.gcs), "answering": None}
        view: RayView | None = None
        error: str | None = None
        if not gcs["port_open"]:
            error = "GCS port closed"
            # The driver cannot do anything useful now; it reconnects when the GCS is back.
        else:
            self.driver.ensure_started()
            left = a.timeout_s - (time.monotonic() - t0)
            dstate = self.driver.describe()
            if dstate["state"] == "starting":
                error = "driver connecting"
            elif dstate["state"] == "ready" and dstate["busy_s"] is not None:
                error = f"driver busy for {dstate['busy_s']:.1f} s with an earlier request"
            elif dstate["state"] != "ready":
                error = f"driver unavailable: {dstate['error']}"
            else:
                try:
                    snap = self.driver.call(
                        "observe",
                        {"controller_timeout_s": max(0.2, left - 0.4)},
                        timeout=max(0.3, left),
                    )
                    view = ray_view(snap, self.pod_for_ip, self._proxy_url_for_ip)
                    gcs["answering"] = True
                except DriverError as e:
                    error = str(e)
        pods = [
            self._pod_state(name, p, view)
            for name, p in sorted(self.pods.items(), key=lambda kv: kv[1].slot)
        ]
        if view is not None and view["details_error"]:
            error = "controller: " + view["details_error"]
        ray: proto.RayViewState = {
            "available": view is not None,
            "error": error,
            "driver": self.driver.describe(),
        }
        no_controller: proto.ControllerState = {
            "actor_state": None,
            "answering": None,
            "pid": None,
            "pod": None,
        }
        return {
            "time_unix_s": round(time.time(), 3),
            "redis": redis,
            "gcs": gcs,
            "pods": pods,
            "ray_view": ray,
            "controller": view["controller"] if view is not None else no_controller,
            "app": view["app"] if view is not None else None,
            "replicas": view["replicas"] if view is not None else [],
            "proxies": view["proxies"] if view is not None else [],
            "constructors_raised": self.constructors_raised(),
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    @staticmethod
    def _pod_state(name: str, p: Pod, view: RayView | None) -> proto.PodState:
        """One pod in an observe result: its processes, and its node as the GCS sees it."""
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
            "name": name,
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

    def constructors_raised(self) -> int:
        """Injected constructor failures that have raised so far (constructors.jsonl)."""
        raised = 0
        try:
            with open(os.path.join(self.run_dir, "flags", "constructors.jsonl")) as f:
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

    # -- teardown
    def teardown(self, keep_logs: bool | None = None) -> proto.ShutdownReply:
        """Kills everything started, checks nothing is left, removes the run's files."""
        t0 = time.monotonic()
        keep = self.keep_logs if keep_logs is None else keep_logs
        killed = []
        killed += _owned("driver", self.driver.kill())
        workers = [p for p in self.pods.values() if p.role == "worker"] + self.past_pods
        head = [p for p in self.pods.values() if p.role == "head"]
        for p in workers + head:
            if p.child:
                try:
                    killed += _owned(p.name, p.proc.kill_tree())
                except CommandError as e:
                    log(str(e))
        if self.redis:
            try:
                killed += _owned("redis", self.redis_proc.kill_tree())
            except CommandError as e:
                log(str(e))
        reap_children()
        leftover = []
        for c in self.all_children():
            c.scan()
            leftover += c.live_pids()
        bound = []
        if self.layout:
            lo, hi = self.lay.base, self.lay.base + PORT_SPAN - 1
            deadline = time.monotonic() + 5
            while True:
                bound = sorted(p for p in listening_ports() if lo <= p <= hi)
                if not bound or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        kept = []
        if self.initialised:
            if self.redis_conf and os.path.exists(self.redis_conf):
                os.unlink(self.redis_conf)
            self.save_state()
            if keep:
                kept = [self.run_dir] + ([self.short_temp] if self.short_temp else [])
            else:
                for sub in ("ray", "redis", "flags", "logs", "helper-state.json"):
                    path = os.path.join(self.run_dir, sub)
                    if os.path.islink(path) or os.path.isfile(path):
                        os.unlink(path)
                    elif os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                if self.short_temp:
                    shutil.rmtree(self.short_temp, ignore_errors=True)
        log(f"teardown: killed {len(killed)} processes, leftover {leftover}, bound {bound}")
        return {
            "killed": killed,
            "leftover_pids": leftover,
            "ports_still_bound": bound,
            "kept": kept,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }


def _answered(p: proto.ProxyInfo, status: int | None, body: str) -> proto.ProxyAnswer:
    """Proxy `p` with the answer of its HTTP GET /."""
    return {**p, "http_status": status, "body": body}


def _owned(child: str, procs: list[proto.ProcessRef]) -> list[proto.KilledProcess]:
    """`procs` (killed) marked with the child (pod, redis, driver) they belonged to."""
    return [{"child": child, "pid": k["pid"], "comm": k["comm"]} for k in procs]


def _read_from(path: str, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _write_atomic(path: str, text: str) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


N = TypeVar("N", int, float)


def _read_num(path: str, typ: Callable[[str], N], default: N) -> N:
    try:
        with open(path) as f:
            return typ(f.read().strip())
    except (OSError, ValueError):
        return default


def _ray_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("ray")
    except Exception:
        return None


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float) -> tuple[int | None, str]:
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as r:
            return r.status, r.read(200).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(200).decode(errors="replace")
    except Exception as e:  # timeouts, refused connections
        return None, f"{type(e).__name__}: {e}"
