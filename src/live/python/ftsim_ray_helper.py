#!/usr/bin/env python3
"""ftsim_ray_helper: the Ray side of `ftsim live` (the local-ray adapter).

A supervisor that runs a real multi-node Ray cluster on loopback (a head "pod",
worker "pods", an optional Redis for GCS fault tolerance), deploys the guide's
SleepyPid Serve application, injects faults and observes the cluster. It only
provides primitive actuators and one observer; ftsim (Rust) decides timing and
orchestration (e.g. when to recreate a killed pod, playing KubeRay's part).

Run it with the Python of the live virtualenv (scripts/setup-live.sh):

    .venv-live/bin/python src/live/python/ftsim_ray_helper.py

Wire protocol (stdin/stdout, JSON lines, UTF-8)
===============================================

* Request: one JSON object per line on stdin:
      {"id": <int>, "cmd": "<name>", <arg>: <value>, ...}
  Arguments are top-level keys next to "id" and "cmd". Unknown commands and
  unknown arguments are errors. Requests are processed one at a time, in order;
  each gets exactly one response line before the next request is read.
* Response: exactly one JSON object per line on stdout:
      {"id": <int>, "ok": true,  "result": {...}}
      {"id": <int>, "ok": false, "error": "<message>"}
  A line that is not a JSON object with an integer "id" gets "id": null.
  Nothing else is ever written to stdout: fd 1 is re-pointed at stderr at start-up
  (so prints from Ray or libraries go to stderr) and responses use a private dup.
* stderr: the helper's own log lines ("ftsim-helper: ..."), free text, redacted.
* Times in results are seconds (float) with an "_s" suffix; "elapsed_s" is the
  wall-clock duration of the command itself.
* The Redis password never appears in a response, in stderr or in an error
  message (every string is redacted), nor in any argv this helper creates.
* Lifecycle: on stdin EOF, SIGTERM, SIGINT or SIGHUP the helper tears everything
  down (like `shutdown`) and exits (0 on EOF, 128+signal on a signal, 1 if a
  process survived). On a broken stdout it tears down and exits 1. It kills only
  processes that it started, by PID and by the session/process group it created
  for them; never by name. The helper is a child subreaper (orphans of its pods
  stay its descendants) and starts every child with PR_SET_PDEATHSIG=SIGKILL, so
  if the helper itself is SIGKILLed, `ray start`, raylet, GCS, Redis and the
  driver die with it; Ray's dashboard/runtime-env agents do not. For that case:
      ftsim_ray_helper.py --cleanup RUN_DIR
  SIGKILLs everything recorded in RUN_DIR/helper-state.json (sessions created by
  the helper and every PID it saw, PID + start time checked) and prints one JSON
  line {"killed": [...], "leftover": [...]}; exit 0 clean, 1 leftovers, 3 if the
  helper is still alive.

Commands
--------

ping {}
    -> {"pid", "protocol_version": 1, "ray_version": str|null, "initialised": bool}

init {"run_dir": str, "base_port": int, "redis_password": str|null,
      "namespace": str, "keep_logs": bool = false}
    Must come first (only ping/shutdown work before it). Creates run_dir (and
    wipes the helper's own subdirectories ray/, redis/, flags/ from an earlier run
    in it, so an old Redis file cannot resurrect an old cluster). "namespace" is
    the GCS-FT storage namespace (RAY_external_storage_namespace) and the driver's
    Ray namespace. base_port: see the port layout below; the whole range must lie
    in 1024..32767 (below Linux's ephemeral range) and avoid Ray's defaults.
    -> {"run_dir", "ray_temp_root", "base_port", "port_span", "redis_port",
        "gcs_address", "head_ip", "max_pods", "layout": {...}}

start_redis {}
    Starts `redis-server` (Debian package) with a config file run_dir/redis/
    redis.conf (mode 0600, it holds "requirepass"; deleted at teardown), bound to
    127.0.0.1:<redis_port> only, protected-mode yes, data dir run_dir/redis/ with
    appendonly yes + appendfsync always and no RDB snapshots. Waits until PING
    answers PONG (10 s).   -> {"pid", "port", "elapsed_s"}
stop_redis {"graceful": bool = false}
    Default: SIGKILL (a crash: the pod dies). Because every write is fsync'ed to
    the append-only file before Redis acknowledges it, a later start_redis or
    restart_redis reloads exactly the acknowledged data: an outage in which the
    data survive. graceful=true sends SHUTDOWN NOSAVE over the protocol instead
    (same data, clean exit).   -> {"pid", "how", "elapsed_s"}
restart_redis {"graceful": bool = false}
    stop_redis (if running) then start_redis on the same port and data.
    -> {"stopped": {...}|null, "started": {...}}

start_head {"gcs_ft": bool, "num_cpus": int = 2, "timeout_s": float = 120,
            "object_store_mb": int = 128, "env": {str: str} = {}, "exit_ok": bool = false}
    `ray start --head --block` in its own session (start_new_session), node IP
    127.0.0.2 (127.0.0.1 and "localhost" get rewritten by Ray to the host's network
    address), GCS on the fixed GCS port, dashboard off, private temp dir. With
    gcs_ft: RAY_REDIS_ADDRESS=127.0.0.1:<redis_port> and
    RAY_external_storage_namespace=<namespace> (+ the password, via the
    environment, never argv; the gcs_server reads it with gflags --tryfromenv).
    A second start_head (after kill_pod "head", or after the head exited)
    removes <temp>/ray_current_cluster and reuses the same IP and ports, so
    surviving workers reconnect (GCS FT). "env" adds/overrides RAY_*/FTSIM_*
    environment variables for this pod. Waits until `ray start` reports
    "Ray runtime started" (GCS up, head raylet registered); on timeout or early
    exit the pod is killed and an error with the (redacted) log tail returned.
    With "exit_ok" an early exit of `ray start` (e.g. it gave up on a GCS that
    waits for Redis) is an answer, not an error: {"pod", "started": false,
    "exit_code", "elapsed_s"} (the container exited; the caller restarts it).
    -> {"pod": "head", "started": true, "pid", "pgid", "node_ip", "proxy_port",
        "proxy_url", "gcs_address", "incarnation", "slot", "temp_dir", "log",
        "elapsed_s"}
start_worker {"name": str, "gcs_ft": bool, "num_cpus": int = 2,
              "timeout_s": float = 120, "object_store_mb": int = 128,
              "env": {str: str} = {}}
    `ray start --address=<gcs> --block` for a worker pod. Each start (also the
    re-creation of a killed pod under the same name) gets a fresh slot: its own
    loopback IP (127.0.0.3, .4, ... in slot order), its own port block and temp
    dir, like a recreated Kubernetes pod gets a new pod IP. Sets
    RAY_SERVE_WORKER_PROXY_HTTP_PORT (per-node proxy port) and, with gcs_ft,
    RAY_gcs_rpc_server_reconnect_timeout_s=600 as KubeRay injects.
    name: [A-Za-z0-9_.-]{1,40}, not "head". Error if a pod of that name runs.
    -> same fields as start_head, "pod": name.
kill_pod {"name": str}
    SIGKILL the pod's whole tree: every process of the session created for it,
    every PID ever recorded as spawned by it (PID + start time checked, so a
    reused PID is never hit) and its process group; repeat until none is left;
    wait until all are gone (zombies reaped). Works on an exited pod too (kills
    leftovers). Killing "head" also stops the helper's Ray driver.
    -> {"pod", "killed": [{"pid", "comm"}], "elapsed_s"}
freeze_pod {"name": str}
    SIGSTOP of every process of the pod (as kill_pod finds them): the pod's node
    is black-holed, as when a VM vanishes. Its ports still accept connections
    (the kernel completes handshakes and buffers data) but nothing answers, so
    callers wait out their timeouts. The processes stay stopped until kill_pod,
    the next start_* of that pod (which removes them) or shutdown.
    -> {"pod", "frozen": [{"pid", "comm"}], "elapsed_s"}
terminate_pod {"name": str}
    SIGTERM to the pod's `ray start --block` only, as the kubelet does on pod
    deletion: Ray 2.60 drains the node (RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S)
    and stops its processes. Returns at once; observe shows the pod "exited"
    when it is done; kill_pod then removes leftovers (or ends a drain early).
    -> {"pod", "signalled": bool, "pid"}

undeploy {"app_name": str = "default"}
    serve.delete(app_name), blocking until it is gone.   -> {"app_name", "elapsed_s"}
deploy {"num_replicas": int, "constructor_s": float,
        "health_check_period_s": float, "health_check_timeout_s": float,
        "max_ongoing_requests": int, "max_replicas_per_node": int|null,
        "proxy_location": "EveryNode"|"HeadOnly",
        "max_constructor_retry_count": int|null = null,
        "graceful_shutdown_timeout_s": float|null = null,
        "constructor_fail_delay_s": float = 0, "app_name": str = "default"}
    serve.start(proxy_location=..., http_options={"host": "127.0.0.2",
    "port": <head proxy port>}) then a non-blocking serve.run of SleepyPid
    (route "/", num_cpus 0). Returns once submitted; use wait_ready.
    SleepyPid: __init__ first consults the constructor-failure files (below) and
    raises RuntimeError after constructor_fail_delay_s if told to fail, else
    sleeps constructor_s; __call__ returns os.getpid() (HTTP body e.g. "4711");
    check_health raises while run_dir/flags/unhealthy-<pid> exists.
    -> {"app_name", "route_prefix": "/", "submitted": true, "elapsed_s"}
wait_ready {"timeout_s": float, "num_replicas": int}
    Polls until the application is RUNNING, exactly num_replicas replicas are
    RUNNING, and every HEALTHY proxy answers GET / with 200.
    -> {"elapsed_s", "replicas": [...], "proxies": [{..., "http_status", "body"}]}
    (error on timeout, with the last state seen)
kill_replica {"replica": str|null, "pod": str|null = null,
              "method": "ray_kill"|"sigkill" = "ray_kill"}
    replica: a replica id (e.g. "kl68zlg4") or its actor name; null picks the
    RUNNING replica (on "pod" if given) that sorts first by (pod, replica id).
    ray_kill = ray.kill(handle, no_restart=True) (the controller must replace
    it); sigkill = SIGKILL of the replica's worker process (a crash).
    -> {"replica", "actor_name", "pod", "node_ip", "pid", "method", "elapsed_s"}
kill_controller {"no_restart": bool = true, "method": "ray_kill"|"sigkill" = "ray_kill"}
    ray.kill of SERVE_CONTROLLER_ACTOR in namespace "serve". no_restart=true
    leaves it dead; no_restart=false or method=sigkill is a crash that Ray
    restarts (the controller has max_restarts=-1).
    -> {"actor_name", "pod", "pid", "method", "no_restart", "elapsed_s"}
kill_proxy {"pod": str} | {"node_ip": str}, "method": "ray_kill"|"sigkill" = "ray_kill"
    ray.kill(no_restart=True) of that node's SERVE_PROXY_ACTOR-<node id>; the
    controller replaces it after its health checks fail.
    -> {"actor_name", "pod", "node_ip", "pid", "method", "elapsed_s"}
    The kill_* commands need the GCS (actor lookup); they fail fast without it.

fail_health {"pid": int, "on": bool}
    Creates (on) or removes run_dir/flags/unhealthy-<pid>.   -> {"pid", "on", "flag_file"}
fail_constructors {"count": int} and/or {"probability": float}
    Sets run_dir/flags/constructor_fail_count (integer text: the next N
    constructors fail, each failure decrements it) and/or
    run_dir/flags/constructor_fail_probability (float text in [0, 1]: a
    constructor that is not forced to fail fails with this probability). Both
    files are read and updated under an exclusive fcntl.flock on
    run_dir/flags/constructor.lock. Every constructor appends one JSON line
    {"t_unix_s", "pid", "outcome": "ok"|"fail_count"|"fail_probability"} to
    run_dir/flags/constructors.jsonl (same lock), and a failing one another,
    {"t_unix_s", "pid", "outcome": "raised"}, when it raises (a single append).
    -> {"count", "probability"}

observe {"timeout_s": float = 1.5}
    A snapshot that never hangs: process-level facts are read locally (/proc,
    TCP connect, Redis PING, each with a short timeout); the Ray-level view comes
    from the driver (a child process) within timeout_s, and is skipped when the
    GCS port is closed. When the driver has lost the cluster it is restarted in
    the background; meanwhile "ray_view.available" is false with a reason.
    -> {"time_unix_s", "elapsed_s",
        "redis": {"running": bool, "pid": int|null, "answering": bool},
        "gcs": {"port_open": bool, "answering": bool|null},
        "pods": [{"name", "role", "incarnation", "slot", "pid", "node_ip",
                  "proxy_port", "process": "running"|"exited"|"killed"|"frozen",
                  "exit_code": int|null, "live_processes": int,
                  "node_state": "ALIVE"|"DEAD"|null, "node_id": str|null}],
        "ray_view": {"available": bool, "error": str|null,
                     "driver": {"state", "pid", "busy_s", "error"}},
        "controller": {"actor_state": str|null, "answering": bool|null,
                       "pid": int|null, "pod": str|null},
        "app": {"status": str, "deployment_status": str}|null,
        "replicas": [{"replica_id", "actor_name", "state", "actor_state",
                      "pid", "node_ip", "pod"}],
        "proxies": [{"pod", "node_ip", "status", "actor_state", "actor_name",
                     "pid", "url"}],
        "constructors_raised": int}
    "state"/"status" are Serve's (null when the controller did not answer; the
    lists then come from the GCS actor table alone, non-DEAD actors only);
    "actor_state" is the GCS actor table's (PENDING_CREATION, ALIVE, RESTARTING,
    DEAD). "pod" of a replica/proxy is the pod whose (current or past) incarnation
    had that node IP (null: not placed yet). "live_processes" counts processes of
    the pod still alive: after `ray start` exited by itself (e.g. its GCS or
    raylet died) Ray's agents linger, so "exited" with live_processes > 0 means
    leftovers (the next start_* of that pod or kill_pod removes them).
    "gcs.answering" is true when the GCS answered the driver in this snapshot,
    null when unknown (port closed, driver busy or connecting). A driver request
    that timed out keeps the driver busy until it returns; after 20 s stuck the
    driver is killed and restarted.

shutdown {"keep_logs": bool|null = null}
    Tears everything down (driver, worker pods, head, Redis), verifies that no
    process of the run is left and no port of the layout is still bound, removes
    what the helper created under run_dir (and the short Ray temp root) unless
    keep_logs (default: init's keep_logs); Redis' config file with the password
    is always removed. Responds, then exits 0.
    -> {"killed": [...], "leftover_pids": [], "ports_still_bound": [],
        "kept": [paths], "elapsed_s"}

Port layout (B = base_port; every listener Ray lets us place is inside
[B, B + 100 * (MAX_SLOTS + 1)), i.e. 4100 ports)
-----------------------------------------------------------------------
    B+0            Redis (127.0.0.1)
    B+1            GCS (head)
    slot s = 0 for the head, 1, 2, ... for worker pods in start order (a
    recreated pod takes a new slot); S = B + 100*(s+1); node IP 127.0.0.(2+s):
    S+0  node manager        S+1  object manager      S+2  metrics export
    S+3  dashboard agent     S+4  dashboard agent gRPC S+5 runtime env agent
    S+6  Ray client server (head)  S+7 dashboard (head; not started: off)
    S+8  dashboard metrics (head)  S+9 autoscaler metrics (head)
    S+10 Serve HTTP proxy    S+11 Serve gRPC proxy (not enabled)
    S+12 / S+13  Serve fallback proxy HTTP / gRPC (head, HAProxy mode only)
    S+40..S+99   Ray worker processes (--min/max-worker-port)
    e.g. B=20000: Redis 20000, GCS 20001, head 20100-20199 (proxy 20110),
    first worker 20200-20299 (proxy 20210), ... up to 24099.
Ray's defaults that this avoids: 6379, 8000, 8265, 9000, 10001, 10002-19999,
44217, 44227, 52365. Ray binds several of its listeners to all interfaces
whatever the node IP: GCS, node manager, object manager, agent gRPC ([::]),
metrics export, dashboard and autoscaler metrics (0.0.0.0); Redis, the Serve
proxies and the agents' HTTP ports stay on loopback, and every address Ray
advertises is a loopback one.

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

import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

PROTOCOL_VERSION = 1
HEAD_IP = "127.0.0.2"
HEAD_NAME = "head"
PORT_BLOCK = 100
MAX_SLOTS = 40  # head + 39 worker pod incarnations
PORT_SPAN = PORT_BLOCK * (MAX_SLOTS + 1)
RAY_DEFAULT_PORTS = [(6379, 6379), (8000, 8000), (8265, 8265), (9000, 9000),
                     (10001, 19999), (44217, 44217), (44227, 44227), (52365, 52365)]
SLOT_OFFSETS = {
    "node_manager": 0, "object_manager": 1, "metrics_export": 2,
    "dashboard_agent_listen": 3, "dashboard_agent_grpc": 4, "runtime_env_agent": 5,
    "ray_client_server": 6, "dashboard": 7, "dashboard_metrics": 8,
    "autoscaler_metrics": 9, "serve_http": 10, "serve_grpc": 11,
    "serve_fallback_http": 12, "serve_fallback_grpc": 13,
    "min_worker": 40, "max_worker": 99,
}
RAY_STARTED_MARKER = "Ray runtime started"
CONTROLLER_NAME = "SERVE_CONTROLLER_ACTOR"
PROXY_PREFIX = "SERVE_PROXY_ACTOR-"
REPLICA_PREFIX = "SERVE_REPLICA::"
DRIVER_HANG_S = 20.0
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
# Unix socket paths are limited to 107 bytes; Ray puts
# <temp>/session_<date>_<time>_<usec>_<pid>/sockets/plasma_store under the temp dir.
MAX_RAY_TEMP_LEN = 40

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_SECRETS: list[str] = []


# --------------------------------------------------------------------------- utils


def redact(text: str) -> str:
    for s in _SECRETS:
        if s:
            text = text.replace(s, "[REDACTED]")
    return text


def redact_obj(obj):
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v) for v in obj]
    return obj


def log(msg: str) -> None:
    try:
        sys.stderr.write(f"ftsim-helper {time.strftime('%H:%M:%S')}: {redact(msg)}\n")
        sys.stderr.flush()
    except Exception:
        pass


def _prctl(option: int, arg: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, arg, 0, 0, 0)
    except Exception:
        pass


def set_pdeathsig() -> None:
    """Die (SIGKILL) when the parent dies. Survives execve."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def jsonable(obj):
    """Convert Ray/Serve results (enums, pydantic leftovers) into JSON values."""
    import enum
    if isinstance(obj, enum.Enum):
        return jsonable(obj.value)
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        if isinstance(obj, str) and type(obj) is not str:
            return str.__str__(obj)
        return obj
    return str(obj)


class CommandError(Exception):
    """An error reported to the client as {"ok": false, "error": ...}."""


class Terminate(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT/SIGHUP."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_REQUIRED = object()


def take_args(req: dict, spec: dict) -> dict:
    """Validate request arguments: spec = {name: (types, default|_REQUIRED)}."""
    out = {}
    extra = sorted(set(req) - set(spec) - {"id", "cmd"})
    if extra:
        raise CommandError(f"unknown argument(s): {', '.join(extra)}")
    for name, (types, default) in spec.items():
        if name in req:
            val = req[name]
            if isinstance(val, bool) and bool not in types:
                raise CommandError(f"argument {name!r}: expected {_tname(types)}, found bool")
            if float in types and isinstance(val, int) and not isinstance(val, bool):
                val = float(val)
            if not isinstance(val, types):
                raise CommandError(
                    f"argument {name!r}: expected {_tname(types)}, found {type(val).__name__}")
            out[name] = val
        elif default is _REQUIRED:
            raise CommandError(f"missing argument {name!r}")
        else:
            out[name] = default
    return out


def _tname(types) -> str:
    names = {bool: "bool", int: "int", float: "number", str: "string", dict: "object",
             list: "array", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


# ---------------------------------------------------------------- /proc utilities


class ProcInfo:
    __slots__ = ("pid", "comm", "state", "ppid", "pgrp", "sid", "starttime")

    def __init__(self, pid, comm, state, ppid, pgrp, sid, starttime):
        self.pid, self.comm, self.state = pid, comm, state
        self.ppid, self.pgrp, self.sid, self.starttime = ppid, pgrp, sid, starttime


def read_proc(pid: int) -> ProcInfo | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        lp, rp = data.index(b"("), data.rindex(b")")
        comm = data[lp + 1:rp].decode(errors="replace")
        fields = data[rp + 2:].split()
        return ProcInfo(pid, comm, fields[0].decode(), int(fields[1]), int(fields[2]),
                        int(fields[3]), int(fields[19]))
    except (ValueError, IndexError):
        return None


def all_procs() -> list[ProcInfo]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_proc(int(name))
            if p is not None:
                out.append(p)
    return out


def is_live(pid: int, starttime: int) -> bool:
    """True if the process exists, is the one recorded (start time) and is no zombie."""
    p = read_proc(pid)
    return p is not None and p.starttime == starttime and p.state not in ("Z", "X")


def kill_pid(pid: int, starttime: int, sig=signal.SIGKILL) -> bool:
    if not is_live(pid, starttime):
        return False
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def listening_ports() -> set[int]:
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[3] == "0A":
                        ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def port_in_use(port: int) -> bool:
    return port in listening_ports()


def tcp_open(host: str, port: int, timeout: float = 0.25) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ------------------------------------------------------------------ Redis client


class RedisError(Exception):
    pass


def redis_command(port: int, password: str | None, *args: str, timeout: float = 0.3):
    """Send AUTH (if a password is set) and one command; return the last reply."""
    def enc(*parts: str) -> bytes:
        out = [b"*%d\r\n" % len(parts)]
        for p in parts:
            b = p.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        return b"".join(out)

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        payload = (enc("AUTH", password) if password else b"") + enc(*args)
        s.sendall(payload)
        f = s.makefile("rb")
        replies = []
        for _ in range(2 if password else 1):
            replies.append(_redis_reply(f))
        if password and isinstance(replies[0], RedisError):
            raise RedisError("AUTH failed: " + str(replies[0]).split(" ")[0])
        if isinstance(replies[-1], RedisError):
            raise replies[-1]
        return replies[-1]


def _redis_reply(f):
    line = f.readline()
    if not line:
        raise RedisError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2].decode(errors="replace")
    raise RedisError(f"unexpected reply type {kind!r}")


# --------------------------------------------------------------------- children


class Child:
    """A process tree started by the helper in its own session."""

    def __init__(self, name: str, popen: subprocess.Popen):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        info = read_proc(popen.pid)
        self.starttime = info.starttime if info else -1
        self.tracked: dict[int, tuple[int, str]] = {self.pid: (self.starttime, info.comm if info else "?")}
        self.killed = False

    def exit_code(self):
        return self.popen.poll()

    def scan(self, procs: list[ProcInfo] | None = None) -> bool:
        """Record every process of our session and every descendant of a tracked PID.
        Returns True if a new process was recorded."""
        before = len(self.tracked)
        procs = procs if procs is not None else all_procs()
        by_ppid: dict[int, list[ProcInfo]] = {}
        for p in procs:
            by_ppid.setdefault(p.ppid, []).append(p)
            known = self.tracked.get(p.pid)
            if known is not None and known[0] == p.starttime:
                self.tracked[p.pid] = (p.starttime, p.comm)  # comm changes (ray::...)
            elif p.sid == self.pid and p.starttime >= self.starttime and known is None:
                self.tracked[p.pid] = (p.starttime, p.comm)
        frontier = [pid for pid, (st, _) in self.tracked.items() if is_live(pid, st)]
        while frontier:
            pid = frontier.pop()
            for c in by_ppid.get(pid, []):
                if c.pid not in self.tracked and c.starttime >= self.starttime:
                    self.tracked[c.pid] = (c.starttime, c.comm)
                    frontier.append(c.pid)
        return len(self.tracked) != before

    def live_pids(self) -> list[int]:
        return [pid for pid, (st, _) in self.tracked.items() if is_live(pid, st)]

    def stop_tree(self) -> list[dict]:
        """SIGSTOP everything, repeat until a scan finds no new process. Returns the stopped."""
        while True:
            self.scan()
            for pid in self.live_pids():
                kill_pid(pid, self.tracked[pid][0], signal.SIGSTOP)
            if not self.scan():  # a process forked before its parent stopped: stop it too
                break
        return [{"pid": p, "comm": self.tracked[p][1]} for p in sorted(self.live_pids())]

    def kill_tree(self, timeout: float = 15.0) -> list[dict]:
        """SIGKILL everything, repeat until nothing is left, reap. Returns victims."""
        killed: dict[int, str] = {}
        deadline = time.monotonic() + timeout
        while True:
            self.scan()
            live = self.live_pids()
            if not live:
                break
            for pid in live:  # all of them die: directly, or by PDEATHSIG of a parent
                killed[pid] = self.tracked[pid][1]
            for pid in live:
                kill_pid(pid, self.tracked[pid][0])
            if is_live(self.pid, self.starttime):
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            reap_children()
            if time.monotonic() > deadline:
                raise CommandError(f"{self.name}: processes survive SIGKILL: {self.live_pids()}")
            time.sleep(0.05)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        reap_children()
        self.killed = True
        return [{"pid": p, "comm": c} for p, c in sorted(killed.items())]


_OWN_POPEN_PIDS: set[int] = set()


def reap_children() -> None:
    """Reap zombies re-parented to us (we are a child subreaper), except Popen's own."""
    me = os.getpid()
    for p in all_procs():
        if p.ppid == me and p.state == "Z" and p.pid not in _OWN_POPEN_PIDS:
            try:
                os.waitpid(p.pid, os.WNOHANG)
            except ChildProcessError:
                pass


def spawn(name: str, argv: list[str], env: dict, log_path: str, cwd: str,
          stdin=subprocess.DEVNULL, stdout=None) -> Child:
    logf = open(log_path, "ab", buffering=0)
    try:
        popen = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=stdin,
            stdout=stdout if stdout is not None else logf, stderr=logf,
            start_new_session=True, close_fds=True)
    finally:
        logf.close()
    _OWN_POPEN_PIDS.add(popen.pid)
    return Child(name, popen)


# ------------------------------------------------------------------------- pods


class Pod:
    def __init__(self, name: str, role: str, slot: int, incarnation: int, layout: "Layout",
                 temp_dir: str, log_path: str, gcs_ft: bool):
        self.name, self.role, self.slot, self.incarnation = name, role, slot, incarnation
        self.ip = layout.slot_ip(slot)
        self.ports = layout.slot_ports(slot)
        self.temp_dir, self.log_path, self.gcs_ft = temp_dir, log_path, gcs_ft
        self.child: Child | None = None
        self.frozen = False
        self.started_unix_s = time.time()

    @property
    def proxy_port(self) -> int:
        return self.ports["serve_http"]

    def proxy_url(self) -> str:
        # All proxies bind Serve's http_options.host (the head IP) on their own port.
        return f"http://{HEAD_IP}:{self.proxy_port}/"

    def process_state(self) -> tuple[str, int | None]:
        if self.child is None:
            return "absent", None
        rc = self.child.exit_code()
        if self.child.killed:
            return "killed", rc
        if self.frozen:
            return "frozen", rc
        if rc is None:
            return "running", None
        return "exited", rc

    def describe(self) -> dict:
        return {"pod": self.name, "pid": self.child.pid if self.child else None,
                "pgid": self.child.pid if self.child else None, "node_ip": self.ip,
                "proxy_port": self.proxy_port, "proxy_url": self.proxy_url(),
                "incarnation": self.incarnation, "slot": self.slot,
                "temp_dir": self.temp_dir, "log": self.log_path}


class Layout:
    def __init__(self, base: int):
        self.base = base
        self.redis = base
        self.gcs = base + 1

    def slot_base(self, slot: int) -> int:
        return self.base + PORT_BLOCK * (slot + 1)

    def slot_ports(self, slot: int) -> dict:
        b = self.slot_base(slot)
        return {k: b + off for k, off in SLOT_OFFSETS.items()}

    @staticmethod
    def slot_ip(slot: int) -> str:
        return f"127.0.0.{2 + slot}"

    def describe(self) -> dict:
        return {"redis": self.redis, "gcs": self.gcs, "port_block": PORT_BLOCK,
                "slot_base": f"base_port + {PORT_BLOCK} * (slot + 1)",
                "slot_ip": "127.0.0.(2 + slot)", "slot_offsets": SLOT_OFFSETS,
                "max_slots": MAX_SLOTS, "range": [self.base, self.base + PORT_SPAN - 1]}


# ------------------------------------------------------------------ driver client


class DriverError(CommandError):
    pass


class Driver:
    """A child process that is a Ray driver; talks JSON lines over pipes.

    Kept out of the helper's own process: a Ray driver can block for long in
    C++ while the GCS is down, and may exit when it loses its raylet.
    """

    def __init__(self, helper: "Helper"):
        self.helper = helper
        self.child: Child | None = None
        self.state = "absent"  # absent | starting | ready | dead
        self.error: str | None = None
        self.cond = threading.Condition()
        self.responses: dict[int, dict] = {}
        self.next_id = 1
        self.busy_id: int | None = None
        self.busy_since = 0.0
        self.started_at = 0.0
        self.retry_after = 0.0
        self.incarnation = 0

    # -- lifecycle
    def start(self) -> None:
        h = self.helper
        self.kill()
        cfg = {"gcs_address": f"{HEAD_IP}:{h.layout.gcs}", "node_ip": HEAD_IP,
               "namespace": h.namespace, "run_dir": h.run_dir}
        env = h.base_env()
        env["FTSIM_DRIVER_CONFIG"] = json.dumps(cfg)
        self.incarnation += 1
        child = spawn("driver", [sys.executable, os.path.abspath(__file__), "--driver"], env,
                      os.path.join(h.run_dir, "logs", "driver.log"), h.run_dir,
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
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
            for raw in stream:
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

    def kill(self) -> list[dict]:
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
                        "with an earlier request (GCS or controller unresponsive?)")
                self.cond.wait(left)
            if self.state != "ready":
                err = self.error or self.state
                raise DriverError(f"Ray driver unavailable: {err}")

    def call(self, cmd: str, args: dict, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        self.wait_ready(timeout)
        with self.cond:
            rid = self.next_id
            self.next_id += 1
            child = self.child
            line = json.dumps({"id": rid, "cmd": cmd, **args}) + "\n"
            try:
                child.popen.stdin.write(line.encode())
                child.popen.stdin.flush()
            except (OSError, ValueError, AttributeError):
                self.state = "dead"
                self.error = "driver pipe closed"
                raise DriverError("Ray driver unavailable: pipe closed")
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
        return msg["result"]

    def describe(self) -> dict:
        with self.cond:
            return {"state": self.state, "pid": self.child.pid if self.child else None,
                    "busy_s": round(time.monotonic() - self.busy_since, 3) if self.busy_id is not None else None,
                    "error": self.error}


# ------------------------------------------------------------------------ helper


class Helper:
    def __init__(self, out):
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
    def respond(self, rid, ok: bool, payload) -> None:
        msg = {"id": rid, "ok": ok}
        if ok:
            msg["result"] = redact_obj(payload)
        else:
            msg["error"] = redact(str(payload))
        self.out.write(json.dumps(msg, separators=(",", ":"), default=str) + "\n")
        self.out.flush()

    def base_env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("RAY_ADDRESS", "RAY_REDIS_ADDRESS", "RAY_NAMESPACE",
                            "RAY_external_storage_namespace", "FTSIM_REDIS_PASSWORD",
                            "RAY_REDIS_PASSWORD", "FTSIM_DRIVER_CONFIG",
                            "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        env["PYTHONUNBUFFERED"] = "1"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.0/8,localhost"
        return env

    def save_state(self) -> None:
        if not self.initialised:
            return
        me = read_proc(os.getpid())
        state = {
            "helper_pid": os.getpid(),
            "helper_starttime": me.starttime if me else None,
            "children": [{"name": c.name, "pid": c.pid, "sid": c.pid, "starttime": c.starttime,
                          "tracked": {str(p): st for p, (st, _) in c.tracked.items()}}
                         for c in self.all_children()],
            "pods": {n: {"slot": p.slot, "ip": p.ip, "incarnation": p.incarnation,
                         "pid": p.child.pid if p.child else None} for n, p in self.pods.items()},
        }
        path = os.path.join(self.run_dir, "helper-state.json")
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(state, f)
            os.replace(path + ".tmp", path)
        except OSError:
            pass

    def require_init(self) -> None:
        if not self.initialised:
            raise CommandError("not initialised: send init first")

    def all_children(self) -> list[Child]:
        out = [p.child for p in self.pods.values() if p.child] + \
              [p.child for p in self.past_pods if p.child]
        if self.redis:
            out.append(self.redis)
        if self.driver.child:
            out.append(self.driver.child)
        return out

    def pod_for_ip(self, ip: str | None) -> str | None:
        if ip is None:
            return None
        for p in list(self.pods.values()) + self.past_pods[::-1]:
            if p.ip == ip:
                return p.name
        return None

    # ---------------------------------------------------------------- commands
    def cmd_ping(self, req):
        take_args(req, {})
        return {"pid": os.getpid(), "protocol_version": PROTOCOL_VERSION,
                "ray_version": _ray_version(), "initialised": self.initialised}

    def cmd_init(self, req):
        a = take_args(req, {"run_dir": ((str,), _REQUIRED), "base_port": ((int,), _REQUIRED),
                            "redis_password": ((str, type(None)), _REQUIRED),
                            "namespace": ((str,), _REQUIRED), "keep_logs": ((bool,), False)})
        if self.initialised:
            raise CommandError("already initialised")
        base = a["base_port"]
        lo, hi = base, base + PORT_SPAN - 1
        if lo < 1024 or hi > 32767:
            raise CommandError(
                f"base_port {base}: the layout needs ports {lo}-{hi}, which must lie within "
                "1024-32767 (below Linux's ephemeral port range); e.g. base_port 20000")
        for a0, a1 in RAY_DEFAULT_PORTS:
            if lo <= a1 and a0 <= hi:
                raise CommandError(f"base_port {base}: range {lo}-{hi} overlaps Ray's default "
                                   f"port(s) {a0}-{a1}; e.g. base_port 20000")
        if not re.match(r"^[A-Za-z0-9_-]{1,64}$", a["namespace"]):
            raise CommandError("namespace: expected [A-Za-z0-9_-]{1,64}")
        pw = a["redis_password"]
        if pw is not None:
            if not pw or any(c in pw for c in "\r\n\"\\ \t"):
                raise CommandError("redis_password: must be non-empty and contain no "
                                   "whitespace, quotes or backslashes")
            _SECRETS.append(pw)
        busy = sorted(p for p in listening_ports() if lo <= p <= hi)
        if busy:
            raise CommandError(f"ports already in use in the layout range {lo}-{hi}: {busy[:10]}")
        run_dir = os.path.abspath(a["run_dir"])
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
        self.namespace = a["namespace"]
        self.password = pw
        self.keep_logs = a["keep_logs"]
        self.initialised = True
        self.save_state()
        log(f"initialised: run_dir={run_dir} base_port={base} ray_temp_root={self.ray_temp_root}")
        return {"run_dir": run_dir, "ray_temp_root": self.ray_temp_root, "base_port": base,
                "port_span": PORT_SPAN, "redis_port": self.layout.redis,
                "gcs_address": f"{HEAD_IP}:{self.layout.gcs}", "head_ip": HEAD_IP,
                "max_pods": MAX_SLOTS, "layout": self.layout.describe()}

    # -- Redis
    def redis_running(self) -> bool:
        return self.redis is not None and self.redis.exit_code() is None and not self.redis.killed

    def redis_answering(self, timeout=0.3) -> bool:
        try:
            return redis_command(self.layout.redis, self.password, "PING", timeout=timeout) == "PONG"
        except (OSError, RedisError):
            return False

    def cmd_start_redis(self, req):
        take_args(req, {})
        self.require_init()
        if self.redis_running():
            raise CommandError(f"redis already running (pid {self.redis.pid})")
        exe = shutil.which("redis-server")
        if not exe:
            raise CommandError("redis-server not found on PATH (run scripts/setup-live.sh)")
        if port_in_use(self.layout.redis):
            raise CommandError(f"port {self.layout.redis} (redis) is already in use")
        t0 = time.monotonic()
        rdir = os.path.join(self.run_dir, "redis")
        self.redis_conf = os.path.join(rdir, "redis.conf")
        lines = [
            f"port {self.layout.redis}", "bind 127.0.0.1", "protected-mode yes",
            "daemonize no", f'dir "{rdir}"', "appendonly yes", "appendfsync always",
            'save ""', f'logfile "{os.path.join(self.run_dir, "logs", "redis.log")}"',
        ]
        if self.password:
            lines.append(f'requirepass "{self.password}"')
        fd = os.open(self.redis_conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.redis_conf, 0o600)
        self.redis = spawn("redis", [sys.executable, os.path.abspath(__file__), "--exec", exe,
                                     self.redis_conf],
                           self.base_env(), os.path.join(self.run_dir, "logs", "redis.stdout.log"),
                           self.run_dir)
        self.save_state()
        deadline = time.monotonic() + 10
        while not self.redis_answering():
            if self.redis.exit_code() is not None:
                raise CommandError(f"redis-server exited with {self.redis.exit_code()}; "
                                   f"see {self.run_dir}/logs/redis.log")
            if time.monotonic() > deadline:
                self.redis.kill_tree()
                raise CommandError("redis-server did not answer PING within 10 s")
            time.sleep(0.05)
        self.redis.scan()
        log(f"redis started pid={self.redis.pid} port={self.layout.redis}")
        return {"pid": self.redis.pid, "port": self.layout.redis,
                "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_stop_redis(self, req):
        a = take_args(req, {"graceful": ((bool,), False)})
        self.require_init()
        if not self.redis_running():
            raise CommandError("redis is not running")
        return self._stop_redis(a["graceful"])

    def _stop_redis(self, graceful: bool) -> dict:
        t0 = time.monotonic()
        pid = self.redis.pid
        how = "SIGKILL"
        if graceful:
            how = "SHUTDOWN NOSAVE"
            try:
                redis_command(self.layout.redis, self.password, "SHUTDOWN", "NOSAVE", timeout=2)
            except (OSError, RedisError):
                pass  # the connection drops when Redis exits
            try:
                self.redis.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                how = "SHUTDOWN NOSAVE (timed out) + SIGKILL"
        self.redis.kill_tree()
        self.save_state()
        log(f"redis stopped ({how}) pid={pid}")
        return {"pid": pid, "how": how, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_restart_redis(self, req):
        a = take_args(req, {"graceful": ((bool,), False)})
        self.require_init()
        stopped = self._stop_redis(a["graceful"]) if self.redis_running() else None
        started = self.cmd_start_redis({})
        return {"stopped": stopped, "started": started}

    # -- pods
    def _pod_args(self, req, worker: bool) -> dict:
        spec = {"gcs_ft": ((bool,), _REQUIRED), "num_cpus": ((int,), 2),
                "timeout_s": ((float,), 120.0), "object_store_mb": ((int,), 128),
                "env": ((dict,), {}), "exit_ok": ((bool,), False)}
        if worker:
            spec["name"] = ((str,), _REQUIRED)
        a = take_args(req, spec)
        for k, v in a["env"].items():
            if not (k.startswith("RAY_") or k.startswith("FTSIM_")) or not isinstance(v, str):
                raise CommandError(f"env: only string values for RAY_* / FTSIM_* variables "
                                   f"are accepted (got {k!r})")
        if a["num_cpus"] < 0 or a["object_store_mb"] < 80:
            raise CommandError("num_cpus must be >= 0 and object_store_mb >= 80")
        return a

    def cmd_start_head(self, req):
        a = self._pod_args(req, worker=False)
        self.require_init()
        return self._start_pod(HEAD_NAME, 0, a)

    def cmd_start_worker(self, req):
        a = self._pod_args(req, worker=True)
        self.require_init()
        name = a["name"]
        if not NAME_RE.match(name) or name == HEAD_NAME:
            raise CommandError("name: expected [A-Za-z0-9_.-]{1,40} and not 'head'")
        if self.next_slot > MAX_SLOTS - 1:
            raise CommandError(f"out of pod slots (max {MAX_SLOTS - 1} worker pod starts per run)")
        return self._start_pod(name, self.next_slot, a)

    def _start_pod(self, name: str, slot: int, a: dict) -> dict:
        old = self.pods.get(name)
        if old is not None:
            state, _ = old.process_state()
            if state == "running":
                raise CommandError(f"pod {name!r} is already running (pid {old.child.pid}); "
                                   "kill_pod it first")
            if old.child and old.child.live_pids():
                log(f"pod {name}: killing leftovers of the previous incarnation")
                old.child.kill_tree()
            self.past_pods.append(old)
            del self.pods[name]
        L = self.layout
        ports = L.slot_ports(slot)
        needed = [ports[k] for k in ("node_manager", "object_manager", "metrics_export",
                                     "dashboard_agent_listen", "dashboard_agent_grpc",
                                     "runtime_env_agent", "serve_http")]
        if slot == 0:
            needed += [L.gcs, ports["ray_client_server"]]
        busy = [p for p in needed if port_in_use(p)]
        if busy:
            raise CommandError(f"pod {name}: port(s) {busy} already in use")
        if a["gcs_ft"] and slot == 0 and not self.redis_running():
            log("warning: starting a GCS-FT head while redis is not running")
        incarnation = self.incarnations.get(name, 0) + 1
        temp_dir = os.path.join(self.ray_temp_root, f"s{slot}")
        os.makedirs(temp_dir, exist_ok=True)
        stale = os.path.join(temp_dir, "ray_current_cluster")
        if os.path.exists(stale):
            os.unlink(stale)
        log_path = os.path.join(self.run_dir, "logs", f"{name}-s{slot}.log")
        pod = Pod(name, "head" if slot == 0 else "worker", slot, incarnation, L, temp_dir,
                  log_path, a["gcs_ft"])
        env = self.base_env()
        env.update({
            "DASHBOARD_METRIC_PORT": str(ports["dashboard_metrics"]),
            "AUTOSCALER_METRIC_PORT": str(ports["autoscaler_metrics"]),
            "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT": str(ports["serve_fallback_http"]),
            "RAY_SERVE_FALLBACK_PROXY_GRPC_PORT": str(ports["serve_fallback_grpc"]),
        })
        argv = [sys.executable, os.path.abspath(__file__), "--ray-start", "start", "--block",
                f"--node-ip-address={pod.ip}", f"--num-cpus={a['num_cpus']}",
                f"--temp-dir={temp_dir}",
                f"--object-store-memory={a['object_store_mb'] * 1024 * 1024}",
                f"--node-manager-port={ports['node_manager']}",
                f"--object-manager-port={ports['object_manager']}",
                f"--metrics-export-port={ports['metrics_export']}",
                f"--dashboard-agent-listen-port={ports['dashboard_agent_listen']}",
                f"--dashboard-agent-grpc-port={ports['dashboard_agent_grpc']}",
                f"--runtime-env-agent-port={ports['runtime_env_agent']}",
                f"--min-worker-port={ports['min_worker']}",
                f"--max-worker-port={ports['max_worker']}",
                "--disable-usage-stats", "--log-style=record", "--log-color=false"]
        if slot == 0:
            argv += ["--head", f"--port={L.gcs}", "--include-dashboard=false",
                     f"--dashboard-port={ports['dashboard']}",
                     f"--ray-client-server-port={ports['ray_client_server']}"]
            if a["gcs_ft"]:
                env["RAY_REDIS_ADDRESS"] = f"127.0.0.1:{L.redis}"
                env["RAY_external_storage_namespace"] = self.namespace
                if self.password:
                    env["FTSIM_REDIS_PASSWORD"] = self.password
        else:
            argv += [f"--address={HEAD_IP}:{L.gcs}"]
            env["RAY_SERVE_WORKER_PROXY_HTTP_PORT"] = str(ports["serve_http"])
            env["RAY_SERVE_WORKER_PROXY_GRPC_PORT"] = str(ports["serve_grpc"])
            if a["gcs_ft"]:
                env["RAY_gcs_rpc_server_reconnect_timeout_s"] = "600"
        env.update(a["env"])
        if slot == 0:
            # A new head: the driver attached to the old one is stale.
            self.driver.kill()
        t0 = time.monotonic()
        with open(log_path, "ab") as f:
            f.write(f"\n==== ftsim: starting {name} incarnation {incarnation} slot {slot} "
                    f"at {time.strftime('%Y-%m-%d %H:%M:%S')} ====\n".encode())
        log_offset = os.path.getsize(log_path)
        pod.child = spawn(name, argv, env, log_path, self.run_dir)
        self.pods[name] = pod
        self.incarnations[name] = incarnation
        if slot > 0:
            self.next_slot = slot + 1
        self.save_state()
        log(f"starting pod {name} (slot {slot}, ip {pod.ip}, pid {pod.child.pid})")
        deadline = t0 + a["timeout_s"]
        while True:
            pod.child.scan()
            text = _read_from(log_path, log_offset)
            if RAY_STARTED_MARKER in text:
                break
            rc = pod.child.exit_code()
            if rc is not None or time.monotonic() > deadline:
                why = f"exited with {rc}" if rc is not None else \
                    f"not started within {a['timeout_s']:.0f} s"
                pod.child.kill_tree()
                self.save_state()
                if rc is not None and a["exit_ok"]:
                    log(f"pod {name}: ray start {why}")
                    return {"pod": name, "started": False, "exit_code": rc,
                            "elapsed_s": round(time.monotonic() - t0, 3)}
                tail = "\n".join(text.strip().splitlines()[-15:])
                raise CommandError(f"pod {name}: ray start {why}; log {log_path}; tail:\n{tail}")
            time.sleep(0.1)
        pod.child.scan()
        self.save_state()
        elapsed = time.monotonic() - t0
        log(f"pod {name} started in {elapsed:.1f} s")
        return {**pod.describe(), "started": True, "gcs_address": f"{HEAD_IP}:{L.gcs}",
                "elapsed_s": round(elapsed, 3)}

    def _named_pod(self, req) -> "Pod":
        """The started pod that request `req` names (its only argument, "name")."""
        a = take_args(req, {"name": ((str,), _REQUIRED)})
        self.require_init()
        pod = self.pods.get(a["name"])
        if pod is None or pod.child is None:
            raise CommandError(f"no pod named {a['name']!r}")
        return pod

    def cmd_kill_pod(self, req):
        pod = self._named_pod(req)
        t0 = time.monotonic()
        killed = pod.child.kill_tree()
        if pod.role == "head":
            self.driver.kill()
        self.save_state()
        log(f"pod {pod.name} killed: {len(killed)} processes")
        return {"pod": pod.name, "killed": killed, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_freeze_pod(self, req):
        pod = self._named_pod(req)
        t0 = time.monotonic()
        frozen = pod.child.stop_tree()
        pod.frozen = True
        self.save_state()
        log(f"pod {pod.name} frozen: {len(frozen)} processes")
        return {"pod": pod.name, "frozen": frozen, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_terminate_pod(self, req):
        """SIGTERM to the pod's `ray start --block` (what the kubelet sends on pod deletion):
        Ray 2.60 drains the node, then stops its processes. Returns at once; the pod shows
        "exited" in observe when done, and kill_pod removes leftovers."""
        pod = self._named_pod(req)
        if pod.child.exit_code() is not None:
            return {"pod": pod.name, "signalled": False}
        kill_pid(pod.child.pid, pod.child.starttime, signal.SIGTERM)
        log(f"pod {pod.name}: SIGTERM sent to ray start (pid {pod.child.pid})")
        return {"pod": pod.name, "signalled": True, "pid": pod.child.pid}

    # -- Serve
    def cmd_undeploy(self, req):
        """serve.delete of the application (used to redeploy until replicas are spread)."""
        a = take_args(req, {"app_name": ((str,), "default")})
        self.require_init()
        t0 = time.monotonic()
        self.driver.call("undeploy", a, timeout=60)
        return {"app_name": a["app_name"], "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_deploy(self, req):
        a = take_args(req, {
            "num_replicas": ((int,), _REQUIRED), "constructor_s": ((float,), _REQUIRED),
            "health_check_period_s": ((float,), _REQUIRED),
            "health_check_timeout_s": ((float,), _REQUIRED),
            "max_ongoing_requests": ((int,), _REQUIRED),
            "max_replicas_per_node": ((int, type(None)), _REQUIRED),
            "proxy_location": ((str,), _REQUIRED),
            "max_constructor_retry_count": ((int, type(None)), None),
            "graceful_shutdown_timeout_s": ((float, type(None)), None),
            "constructor_fail_delay_s": ((float,), 0.0),
            "app_name": ((str,), "default"),
        })
        self.require_init()
        if a["proxy_location"] not in ("EveryNode", "HeadOnly"):
            raise CommandError("proxy_location: expected EveryNode or HeadOnly")
        if a["num_replicas"] < 0 or a["max_ongoing_requests"] < 1:
            raise CommandError("num_replicas must be >= 0 and max_ongoing_requests >= 1")
        if HEAD_NAME not in self.pods:
            raise CommandError("no head pod: start_head first")
        t0 = time.monotonic()
        a["flags_dir"] = os.path.join(self.run_dir, "flags")
        a["http_host"] = HEAD_IP
        a["http_port"] = self.pods[HEAD_NAME].proxy_port
        self.driver.call("deploy", a, timeout=60)
        return {"app_name": a["app_name"], "route_prefix": "/", "submitted": True,
                "elapsed_s": round(time.monotonic() - t0, 3)}

    def _proxy_url_for_ip(self, ip: str | None) -> str | None:
        for p in list(self.pods.values()) + self.past_pods[::-1]:
            if p.ip == ip:
                return p.proxy_url()
        return None

    def cmd_wait_ready(self, req):
        a = take_args(req, {"timeout_s": ((float,), _REQUIRED), "num_replicas": ((int,), _REQUIRED)})
        self.require_init()
        t0 = time.monotonic()
        deadline = t0 + a["timeout_s"]
        last = "nothing observed yet"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandError(f"not ready after {a['timeout_s']:.1f} s: {last}")
            try:
                snap = self.driver.call("observe", {"controller_timeout_s": 2.0},
                                        timeout=min(max(left, 0.5), 10))
            except DriverError as e:
                last = str(e)
                time.sleep(0.5)
                continue
            view = self._ray_view(snap)
            app = view["app"]
            running = [r for r in view["replicas"] if r["state"] == "RUNNING"]
            healthy = [p for p in view["proxies"] if p["status"] == "HEALTHY"]
            if app is None or app["status"] != "RUNNING" or len(running) != a["num_replicas"]:
                last = (f"app {app['status'] if app else None}, {len(running)}/"
                        f"{a['num_replicas']} replicas RUNNING")
                time.sleep(0.5)
                continue
            answers = []
            all_ok = bool(healthy)
            for p in healthy:
                status, body = http_get(p["url"], timeout=2.0) if p["url"] else (None, "no url")
                answers.append({**p, "http_status": status, "body": body})
                all_ok = all_ok and status == 200
            if not all_ok:
                last = f"proxies not all answering: {[(x['pod'], x['http_status']) for x in answers]}"
                time.sleep(0.5)
                continue
            return {"elapsed_s": round(time.monotonic() - t0, 3), "replicas": view["replicas"],
                    "proxies": answers}

    # -- fault injection through Ray
    def _snapshot_for_kill(self) -> dict:
        if not tcp_open(HEAD_IP, self.layout.gcs):
            raise CommandError("GCS is not reachable: cannot look up actors")
        snap = self.driver.call("observe", {"controller_timeout_s": 1.0}, timeout=8)
        return self._ray_view(snap)

    def _kill_actor(self, actor_name: str, pid: int | None, method: str, no_restart: bool) -> None:
        if method == "ray_kill":
            self.driver.call("kill_actor", {"name": actor_name, "namespace": "serve",
                                            "no_restart": no_restart}, timeout=10)
        elif method == "sigkill":
            if not pid:
                raise CommandError(f"{actor_name}: pid unknown")
            for c in self.all_children():
                c.scan()
                if pid in c.tracked and kill_pid(pid, c.tracked[pid][0]):
                    return
            raise CommandError(f"{actor_name}: pid {pid} is not a live process of this run")
        else:
            raise CommandError("method: expected ray_kill or sigkill")

    def cmd_kill_replica(self, req):
        a = take_args(req, {"replica": ((str, type(None)), _REQUIRED),
                            "pod": ((str, type(None)), None), "method": ((str,), "ray_kill")})
        self.require_init()
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        reps = view["replicas"]
        if a["replica"] is not None:
            cands = [r for r in reps if a["replica"] in (r["replica_id"], r["actor_name"])]
            if not cands:
                raise CommandError(f"no replica {a['replica']!r}")
        else:
            cands = [r for r in reps if r["actor_state"] == "ALIVE"
                     and r["state"] in ("RUNNING", None)
                     and (a["pod"] is None or r["pod"] == a["pod"])]
            cands.sort(key=lambda r: (r["pod"] or "", r["replica_id"] or ""))
            if not cands:
                raise CommandError("no RUNNING replica to kill" +
                                   (f" on pod {a['pod']!r}" if a["pod"] else ""))
        r = cands[0]
        self._kill_actor(r["actor_name"], r["pid"], a["method"], True)
        return {"replica": r["replica_id"], "actor_name": r["actor_name"], "pod": r["pod"],
                "node_ip": r["node_ip"], "pid": r["pid"], "method": a["method"],
                "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_kill_controller(self, req):
        a = take_args(req, {"no_restart": ((bool,), True), "method": ((str,), "ray_kill")})
        self.require_init()
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        c = view["controller"]
        if c["actor_state"] in (None, "DEAD"):
            raise CommandError(f"controller is not alive (actor state {c['actor_state']})")
        self._kill_actor(CONTROLLER_NAME, c["pid"], a["method"], a["no_restart"])
        return {"actor_name": CONTROLLER_NAME, "pod": c["pod"], "pid": c["pid"],
                "method": a["method"], "no_restart": a["no_restart"],
                "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_kill_proxy(self, req):
        a = take_args(req, {"pod": ((str, type(None)), None), "node_ip": ((str, type(None)), None),
                            "method": ((str,), "ray_kill")})
        self.require_init()
        if (a["pod"] is None) == (a["node_ip"] is None):
            raise CommandError("give exactly one of 'pod' or 'node_ip'")
        ip = a["node_ip"]
        if a["pod"] is not None:
            pod = self.pods.get(a["pod"])
            if pod is None:
                raise CommandError(f"no pod named {a['pod']!r}")
            ip = pod.ip
        t0 = time.monotonic()
        view = self._snapshot_for_kill()
        cands = [p for p in view["proxies"] if p["node_ip"] == ip and p["actor_state"] == "ALIVE"]
        if not cands:
            raise CommandError(f"no live proxy on {ip}")
        p = cands[0]
        self._kill_actor(p["actor_name"], p["pid"], a["method"], True)
        return {"actor_name": p["actor_name"], "pod": p["pod"], "node_ip": ip, "pid": p["pid"],
                "method": a["method"], "elapsed_s": round(time.monotonic() - t0, 3)}

    # -- fault injection through files
    def cmd_fail_health(self, req):
        a = take_args(req, {"pid": ((int,), _REQUIRED), "on": ((bool,), _REQUIRED)})
        self.require_init()
        path = os.path.join(self.run_dir, "flags", f"unhealthy-{a['pid']}")
        if a["on"]:
            with open(path, "w") as f:
                f.write(f"{time.time()}\n")
        elif os.path.exists(path):
            os.unlink(path)
        return {"pid": a["pid"], "on": a["on"], "flag_file": path}

    def cmd_fail_constructors(self, req):
        a = take_args(req, {"count": ((int,), None), "probability": ((float,), None)})
        self.require_init()
        if a["count"] is None and a["probability"] is None:
            raise CommandError("give 'count' and/or 'probability'")
        if a["count"] is not None and a["count"] < 0:
            raise CommandError("count must be >= 0")
        if a["probability"] is not None and not 0.0 <= a["probability"] <= 1.0:
            raise CommandError("probability must be within [0, 1]")
        flags = os.path.join(self.run_dir, "flags")
        with open(os.path.join(flags, "constructor.lock"), "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            if a["count"] is not None:
                _write_atomic(os.path.join(flags, "constructor_fail_count"), f"{a['count']}\n")
            if a["probability"] is not None:
                _write_atomic(os.path.join(flags, "constructor_fail_probability"),
                              f"{a['probability']!r}\n")
            count = _read_num(os.path.join(flags, "constructor_fail_count"), int, 0)
            prob = _read_num(os.path.join(flags, "constructor_fail_probability"), float, 0.0)
        return {"count": count, "probability": prob}

    # -- observation
    def _ray_view(self, snap: dict) -> dict:
        """Merge the driver's raw snapshot with pod names and proxy URLs."""
        actors = snap.get("actors", [])
        details = snap.get("details")
        by_name = {}
        for act in actors:
            prev = by_name.get(act["name"])
            if prev is None or (prev["state"] == "DEAD" and act["state"] != "DEAD"):
                by_name[act["name"]] = act
        ctl = by_name.get(CONTROLLER_NAME)
        controller = {"actor_state": ctl["state"] if ctl else None,
                      "answering": details is not None,
                      "pid": ctl["pid"] if ctl else None,
                      "pod": self.pod_for_ip(ctl["ip"]) if ctl else None}
        replicas, proxies, app = [], [], None
        seen = set()
        if details is not None:
            apps = details.get("applications") or {}
            for app_name, ad in sorted(apps.items()):
                deps = ad.get("deployments") or {}
                dep_status = ",".join(sorted(str(d.get("status")) for d in deps.values()))
                if app is None:
                    app = {"name": app_name, "status": ad.get("status"),
                           "deployment_status": dep_status, "message": ad.get("message")}
                for dep in deps.values():
                    for r in dep.get("replicas") or []:
                        act = by_name.get(r.get("actor_name"))
                        seen.add(r.get("actor_name"))
                        replicas.append({
                            "replica_id": r.get("replica_id"), "actor_name": r.get("actor_name"),
                            "state": r.get("state"), "actor_state": act["state"] if act else None,
                            "pid": r.get("pid") or (act["pid"] if act else None),
                            "node_ip": r.get("node_ip"), "pod": self.pod_for_ip(r.get("node_ip"))})
            for nid, p in sorted((details.get("proxies") or {}).items()):
                act = by_name.get(p.get("actor_name"))
                seen.add(p.get("actor_name"))
                proxies.append({"pod": self.pod_for_ip(p.get("node_ip")),
                                "node_ip": p.get("node_ip"), "status": p.get("status"),
                                "actor_state": act["state"] if act else None,
                                "actor_name": p.get("actor_name"),
                                "pid": act["pid"] if act else None,
                                "url": self._proxy_url_for_ip(p.get("node_ip"))})
        for name, act in sorted(by_name.items()):
            if name in seen or act["state"] == "DEAD":
                continue
            if name.startswith(REPLICA_PREFIX):
                replicas.append({"replica_id": name.rsplit("#", 1)[-1], "actor_name": name,
                                 "state": None, "actor_state": act["state"], "pid": act["pid"],
                                 "node_ip": act["ip"], "pod": self.pod_for_ip(act["ip"])})
            elif name.startswith(PROXY_PREFIX):
                proxies.append({"pod": self.pod_for_ip(act["ip"]), "node_ip": act["ip"],
                                "status": None, "actor_state": act["state"], "actor_name": name,
                                "pid": act["pid"], "url": self._proxy_url_for_ip(act["ip"])})
        replicas.sort(key=lambda r: (r["pod"] or "", r["replica_id"] or ""))
        proxies.sort(key=lambda p: (p["pod"] or "", p["node_ip"] or ""))
        return {"controller": controller, "app": app, "replicas": replicas, "proxies": proxies,
                "nodes": snap.get("nodes", []), "details_error": snap.get("details_error")}

    def cmd_observe(self, req):
        a = take_args(req, {"timeout_s": ((float,), 1.5)})
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
        out = {
            "time_unix_s": round(time.time(), 3),
            "redis": {"running": redis_running, "pid": self.redis.pid if redis_running else None,
                      "answering": self.redis_answering(0.25) if redis_running else False},
            "gcs": {"port_open": tcp_open(HEAD_IP, self.layout.gcs), "answering": None},
        }
        view, error = None, None
        if not out["gcs"]["port_open"]:
            error = "GCS port closed"
            # The driver cannot do anything useful now; it reconnects when the GCS is back.
        else:
            self.driver.ensure_started()
            left = a["timeout_s"] - (time.monotonic() - t0)
            dstate = self.driver.describe()
            if dstate["state"] == "starting":
                error = "driver connecting"
            elif dstate["state"] == "ready" and dstate["busy_s"] is not None:
                error = f"driver busy for {dstate['busy_s']:.1f} s with an earlier request"
            elif dstate["state"] != "ready":
                error = f"driver unavailable: {dstate['error']}"
            else:
                try:
                    snap = self.driver.call("observe",
                                            {"controller_timeout_s": max(0.2, left - 0.4)},
                                            timeout=max(0.3, left))
                    view = self._ray_view(snap)
                    out["gcs"]["answering"] = True
                except DriverError as e:
                    error = str(e)
        nodes_by_ip: dict[str, list[dict]] = {}
        for n in (view or {}).get("nodes", []):
            nodes_by_ip.setdefault(n["ip"], []).append(n)
        pods = []
        for name, p in sorted(self.pods.items(), key=lambda kv: kv[1].slot):
            state, rc = p.process_state()
            node_state, node_id = None, None
            if view is not None:
                ns = nodes_by_ip.get(p.ip, [])
                alive = [n for n in ns if n["alive"]]
                pick = alive[0] if alive else (ns[-1] if ns else None)
                if pick:
                    node_state = "ALIVE" if pick["alive"] else "DEAD"
                    node_id = pick["node_id"]
            pods.append({"name": name, "role": p.role, "incarnation": p.incarnation,
                         "slot": p.slot, "pid": p.child.pid if p.child else None,
                         "node_ip": p.ip, "proxy_port": p.proxy_port, "process": state,
                         "exit_code": rc, "live_processes": len(p.child.live_pids()) if p.child else 0,
                         "node_state": node_state, "node_id": node_id})
        out["pods"] = pods
        out["ray_view"] = {"available": view is not None, "error": error,
                           "driver": self.driver.describe()}
        if view is not None:
            out["controller"] = view["controller"]
            out["app"] = view["app"]
            out["replicas"] = view["replicas"]
            out["proxies"] = view["proxies"]
            if view.get("details_error"):
                out["ray_view"]["error"] = "controller: " + view["details_error"]
        else:
            out["controller"] = {"actor_state": None, "answering": None, "pid": None, "pod": None}
            out["app"] = None
            out["replicas"] = []
            out["proxies"] = []
        out["constructors_raised"] = self.constructors_raised()
        out["elapsed_s"] = round(time.monotonic() - t0, 3)
        return out

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
    def teardown(self, keep_logs: bool | None = None) -> dict:
        t0 = time.monotonic()
        keep = self.keep_logs if keep_logs is None else keep_logs
        killed = []
        killed += [{"child": "driver", **k} for k in self.driver.kill()]
        workers = [p for p in self.pods.values() if p.role == "worker"] + self.past_pods
        head = [p for p in self.pods.values() if p.role == "head"]
        for p in workers + head:
            if p.child:
                try:
                    killed += [{"child": p.name, **k} for k in p.child.kill_tree()]
                except CommandError as e:
                    log(str(e))
        if self.redis:
            try:
                killed += [{"child": "redis", **k} for k in self.redis.kill_tree()]
            except CommandError as e:
                log(str(e))
        reap_children()
        leftover = []
        for c in self.all_children():
            c.scan()
            leftover += c.live_pids()
        bound = []
        if self.layout:
            lo, hi = self.layout.base, self.layout.base + PORT_SPAN - 1
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
        return {"killed": killed, "leftover_pids": leftover, "ports_still_bound": bound,
                "kept": kept, "elapsed_s": round(time.monotonic() - t0, 3)}


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


def _read_num(path: str, typ, default):
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


# --------------------------------------------------------------------- main loop


def serve_main() -> int:
    # Keep stdout for the protocol only: responses go to a private dup of fd 1, and
    # fd 1 itself now points at stderr, so stray prints (Ray, libraries) land there.
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _prctl(PR_SET_CHILD_SUBREAPER, 1)

    def on_signal(signum, _frame):
        raise Terminate(signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    helper = Helper(out)
    exit_code = 0
    commands = {name[4:]: getattr(helper, name) for name in dir(helper) if name.startswith("cmd_")}
    stdin = sys.stdin.buffer
    try:
        while True:
            line = stdin.readline()
            if not line:
                log("stdin closed: tearing down")
                break
            if not line.strip():
                continue
            rid = None
            try:
                try:
                    req = json.loads(line)
                except ValueError as e:
                    raise CommandError(f"invalid JSON: {e}") from None
                if not isinstance(req, dict) or not isinstance(req.get("id"), int) \
                        or isinstance(req.get("id"), bool):
                    raise CommandError("request must be a JSON object with an integer 'id'")
                rid = req["id"]
                cmd = req.get("cmd")
                if cmd == "shutdown":
                    a = take_args(req, {"keep_logs": ((bool, type(None)), None)})
                    result = helper.teardown(a["keep_logs"])
                    helper.initialised = False
                    helper.respond(rid, True, result)
                    return 0
                fn = commands.get(cmd) if isinstance(cmd, str) else None
                if fn is None:
                    raise CommandError(f"unknown command {cmd!r}")
                result = fn(req)
                helper.respond(rid, True, result)
            except (CommandError, ValueError, OSError) as e:
                if isinstance(e, (BrokenPipeError,)):
                    raise
                if not isinstance(e, CommandError):
                    log(traceback.format_exc())
                    e = f"{type(e).__name__}: {e}"
                helper.respond(rid, False, e)
            except Exception as e:  # a bug: report it, keep serving
                log(traceback.format_exc())
                helper.respond(rid, False, f"internal error: {type(e).__name__}: {e}")
    except Terminate as t:
        log(f"signal {t.signum}: tearing down")
        exit_code = 128 + t.signum
    except BrokenPipeError:
        log("stdout closed: tearing down")
        exit_code = 1
    finally:
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        if helper.initialised:
            try:
                result = helper.teardown()
                if result["leftover_pids"]:
                    exit_code = 1  # the one status that means "something was left"
            except Exception:
                log(traceback.format_exc())
                exit_code = 1
    return exit_code


# ------------------------------------------------------------ child-process modes


def exec_main(argv: list[str]) -> int:
    """--exec PROG ARGS...: die with the helper, then become PROG."""
    set_pdeathsig()
    if os.getppid() == 1:
        return 1
    os.execv(argv[0], argv)
    return 1  # not reached


def ray_start_main(argv: list[str]) -> int:
    """--ray-start ARGS...: `ray ARGS` in this process, with the Redis password kept
    out of every argv: it comes in FTSIM_REDIS_PASSWORD, is handed to `ray start`
    in-process, and the gcs_server receives it as FLAGS_redis_password (gflags
    --tryfromenv) instead of --redis_password=...; other children never get it."""
    set_pdeathsig()
    pw = os.environ.pop("FTSIM_REDIS_PASSWORD", None)
    if pw:
        import ray._private.services as services
        orig = services.start_ray_process
        needle = f"password={pw}"

        def patched(command, process_type, *args, **kwargs):
            command = list(command)
            env = dict(kwargs.get("env_updates") or {})
            if process_type == "gcs_server":
                command = [c for c in command if not c.startswith("--redis_password=")]
                command.append("--tryfromenv=redis_password")
                env["FLAGS_redis_password"] = pw
            else:
                command = [c for c in command
                           if not c.startswith(("--redis_password=", "--redis-password=",
                                                "--ray_redis_password="))]
                command = [c.replace(needle, "password=") for c in command]
            kwargs["env_updates"] = env
            return orig(command, process_type, *args, **kwargs)

        services.start_ray_process = patched
        argv = argv + [f"--redis-password={pw}"]
    from ray.scripts.scripts import main as ray_cli
    sys.argv = ["ray"] + argv
    return ray_cli() or 0


# Everything below runs in the driver child (python ftsim_ray_helper.py --driver).
# The class is defined at module level of __main__, so Ray pickles it by value and
# the worker processes need no copy of this file.


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
                f.write(_json.dumps({"t_unix_s": round(_time.time(), 3), "pid": _os.getpid(),
                                     "outcome": outcome}) + "\n")

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

    def __call__(self):
        import os as _os
        return _os.getpid()

    def check_health(self):
        import os as _os
        if _os.path.exists(_os.path.join(self._flags_dir, f"unhealthy-{_os.getpid()}")):
            raise RuntimeError("ftsim: injected health-check failure")


def driver_main() -> int:
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    set_pdeathsig()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cfg = json.loads(os.environ.pop("FTSIM_DRIVER_CONFIG"))

    def send(msg):
        out.write(json.dumps(jsonable(msg), separators=(",", ":")) + "\n")
        out.flush()

    try:
        import logging
        import ray
        ray.init(address=cfg["gcs_address"], _node_ip_address=cfg["node_ip"],
                 namespace=cfg["namespace"], log_to_driver=False, logging_level=logging.WARNING)
    except BaseException as e:  # noqa: BLE001 - report anything, then exit
        send({"id": 0, "ok": False, "error": f"ray.init failed: {type(e).__name__}: {e}"})
        return 1
    send({"id": 0, "ok": True, "result": {"pid": os.getpid()}})
    state = {"controller": None}

    def controller():
        if state["controller"] is None:
            state["controller"] = ray.get_actor(CONTROLLER_NAME, namespace="serve")
        return state["controller"]

    def d_observe(req):
        t_nodes = ray.nodes()
        nodes = [{"node_id": n.get("NodeID"), "ip": n.get("NodeManagerAddress"),
                  "alive": bool(n.get("Alive"))} for n in t_nodes]
        ip_of = {n["node_id"]: n["ip"] for n in nodes}
        actors = []
        for aid, info in ray._private.state.state.actor_table(None).items():
            name = info.get("Name") or ""
            if not (name == CONTROLLER_NAME or name.startswith(PROXY_PREFIX)
                    or name.startswith(REPLICA_PREFIX)):
                continue
            nid = (info.get("Address") or {}).get("NodeID")
            actors.append({"name": name, "actor_id": aid, "state": info.get("State"),
                           "pid": info.get("Pid") or None, "node_id": nid,
                           "ip": ip_of.get(nid) or (info.get("Address") or {}).get("IPAddress"),
                           "num_restarts": info.get("NumRestarts")})
        details, err = None, None
        ctl_alive = any(x["name"] == CONTROLLER_NAME and x["state"] == "ALIVE" for x in actors)
        if ctl_alive:
            try:
                details = ray.get(controller().get_serve_instance_details.remote(),
                                  timeout=float(req.get("controller_timeout_s", 1.0)))
            except Exception as e:  # noqa: BLE001
                state["controller"] = None
                err = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        else:
            err = "controller actor not alive"
        return {"nodes": nodes, "actors": actors, "details": details, "details_error": err}

    def d_deploy(req):
        from ray import serve
        serve.start(proxy_location=req["proxy_location"],
                    http_options={"host": req["http_host"], "port": req["http_port"]})
        opts = {"name": "SleepyPid", "num_replicas": req["num_replicas"],
                "ray_actor_options": {"num_cpus": 0},
                "max_ongoing_requests": req["max_ongoing_requests"],
                "health_check_period_s": req["health_check_period_s"],
                "health_check_timeout_s": req["health_check_timeout_s"]}
        for k in ("max_replicas_per_node", "max_constructor_retry_count",
                  "graceful_shutdown_timeout_s"):
            if req.get(k) is not None:
                opts[k] = req[k]
        dep = serve.deployment(SleepyPid, **opts)
        app = dep.bind(req["flags_dir"], req["constructor_s"], req["constructor_fail_delay_s"])
        serve._run(app, _blocking=False, name=req["app_name"], route_prefix="/")
        state["controller"] = None
        return {"submitted": True}

    def d_undeploy(req):
        from ray import serve
        serve.delete(req["app_name"], _blocking=True)
        return {"deleted": req["app_name"]}

    def d_kill_actor(req):
        handle = ray.get_actor(req["name"], namespace=req.get("namespace", "serve"))
        ray.kill(handle, no_restart=bool(req.get("no_restart", True)))
        if req["name"] == CONTROLLER_NAME:
            state["controller"] = None
        return {"killed": req["name"]}

    handlers = {"observe": d_observe, "deploy": d_deploy, "undeploy": d_undeploy,
                "kill_actor": d_kill_actor}
    for raw in sys.stdin.buffer:
        try:
            req = json.loads(raw)
        except ValueError:
            continue
        rid = req.get("id")
        try:
            fn = handlers[req["cmd"]]
            send({"id": rid, "ok": True, "result": fn(req)})
        except Exception as e:  # noqa: BLE001
            msg = str(e).strip().splitlines()
            send({"id": rid, "ok": False,
                  "error": f"{type(e).__name__}: {msg[0] if msg else ''}"[:2000]})
    return 0


def cleanup_main(run_dir: str) -> int:
    """--cleanup RUN_DIR: after a helper died without tearing down (SIGKILL, OOM),
    SIGKILL every process it had started, using run_dir/helper-state.json: the
    sessions it created and every PID it recorded (PID + start time). Prints one
    JSON line {"killed": [...], "leftover": [...]} on stdout; exit 0 if none left,
    1 if some survive, 3 if the helper is still alive (then use its protocol)."""
    with open(os.path.join(run_dir, "helper-state.json")) as f:
        state = json.load(f)
    hp, hst = state.get("helper_pid"), state.get("helper_starttime")
    if hp and hst is not None and is_live(hp, hst):
        print(json.dumps({"error": f"helper {hp} is still alive"}))
        return 3
    def victims() -> dict[int, ProcInfo]:
        out = {}
        procs = all_procs()
        for c in state.get("children", []):
            tracked = {int(p): st for p, st in c.get("tracked", {}).items()}
            for p in procs:
                if p.state in ("Z", "X"):
                    continue
                if (p.sid == c["sid"] and p.starttime >= c["starttime"]) or \
                        tracked.get(p.pid) == p.starttime:
                    out[p.pid] = p
        return out
    killed: dict[int, str] = {}
    deadline = time.monotonic() + 15
    while True:
        v = victims()
        if not v or time.monotonic() > deadline:
            break
        for pid, p in v.items():
            killed[pid] = p.comm
            kill_pid(pid, p.starttime)
        time.sleep(0.1)
    left = sorted(victims())
    print(json.dumps({"killed": [{"pid": p, "comm": c} for p, c in sorted(killed.items())],
                      "leftover": left}))
    return 1 if left else 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--cleanup":
        return cleanup_main(sys.argv[2])
    if len(sys.argv) >= 2 and sys.argv[1] == "--exec":
        return exec_main(sys.argv[2:])
    if len(sys.argv) >= 2 and sys.argv[1] == "--ray-start":
        return ray_start_main(sys.argv[2:])
    if len(sys.argv) >= 2 and sys.argv[1] == "--driver":
        return driver_main()
    if len(sys.argv) > 1:
        sys.stderr.write(__doc__.split("\n\n")[0] + "\n\nusage: ftsim_ray_helper.py "
                         "(speaks JSON lines on stdin/stdout; see the module docstring)\n")
        return 2
    return serve_main()


if __name__ == "__main__":
    sys.exit(main())
