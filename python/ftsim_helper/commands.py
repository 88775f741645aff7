"""The commands of the protocol (protocol.py): one dataclass per command, its arguments
with their defaults, and what each command does.

Commands
--------

ping {}
    -> {"pid", "protocol_version": 1, "ray_version": str|null, "initialised": bool}

init {"run_dir": str, "base_port": int, "redis_password": str|null,
      "namespace": str, "keep_logs": bool = false, "pod_netns": bool = false}
    Must come first (only ping/shutdown work before it). Creates run_dir (and
    wipes the helper's own subdirectories ray/, redis/, flags/ from an earlier run
    in it, so an old Redis file cannot resurrect an old cluster). "namespace" is
    the GCS-FT storage namespace (RAY_external_storage_namespace) and the driver's
    Ray namespace. base_port: see the port layout below; the whole range must lie
    in 1024..32767 (below Linux's ephemeral range) and avoid Ray's defaults.
    pod_netns (runs with partition_pod; the helper must run in a private network
    namespace, as root): each pod gets a network namespace of its own, node IP
    10.77.0.(2 + slot) on a veth pair to the bridge ftsim0 (10.77.0.1) made here
    (netns.py); proxies bind 0.0.0.0 of their pod's network, Redis also binds
    10.77.0.1, and the driver joins the head pod's network.
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
            "object_store_mb": int = 128, "env": {str: str} = {}, "exit_ok": bool = false,
            "num_gpus": int = 0, "memory": int|null = null, "resources": {str: float} = {}}
    `ray start --head --block` in its own session (start_new_session), node IP
    127.0.0.2 (127.0.0.1 and "localhost" get rewritten by Ray to the host's network
    address), GCS on the fixed GCS port, dashboard off, private temp dir. With
    gcs_ft: RAY_REDIS_ADDRESS=127.0.0.1:<redis_port> and
    RAY_external_storage_namespace=<namespace> (+ the password, via the
    environment, never argv; the gcs_server reads it with gflags --tryfromenv).
    A second start_head (after kill_pod "head", or after the head exited)
    removes <temp>/ray_current_cluster and reuses the same IP and ports, so
    surviving workers reconnect (GCS FT). num_gpus, memory (bytes; null: Ray's own
    measure of the machine) and resources (custom, by name) are the node's logical
    resources (`ray start --num-gpus --memory --resources`): Ray accepts them on any
    machine and its scheduler places actors by them; no GPU work is done. "env"
    adds/overrides RAY_*/FTSIM_* (and Serve's LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_*)
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
              "env": {str: str} = {}, "num_gpus": int = 0, "memory": int|null = null,
              "resources": {str: float} = {}}
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
kill_gcs {}
    SIGKILL of the head pod's gcs_server alone: the process recorded among the
    head pod's own process tree whose command is gcs_server (never looked up
    by name elsewhere). The head's raylet and `ray start --block` are left
    alone; `ray start --block` sees its child die at its next 1 s poll, kills
    the head's other processes and exits 1 (observe then shows the head
    "exited").
    -> {"pod": "head", "pid", "elapsed_s"}
partition_pod {"name": str, "on": bool}
    Cuts the pod off from every other running pod (on) or heals the cut (off):
    in each pair's pod networks, the other's address is black-holed (netns.py),
    so the traffic between them hangs as behind a dropping firewall, while the
    helper, Redis and the load generator still reach every pod. Needs init with
    pod_netns. Pods started later are not cut off from it.
    -> {"pod", "peers": [str], "elapsed_s"}
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
        "constructor_fail_delay_s": float = 0, "app_name": str = "default",
        "start_only": bool = false, "num_gpus": float = 0, "memory": int = 0,
        "resources": {str: float} = {}}
    serve.start(proxy_location=..., http_options={"host": "127.0.0.2",
    "port": <head proxy port>}) then a non-blocking serve.run of SleepyPid
    (route "/", ray_actor_options num_cpus 0 and the given num_gpus, memory (bytes)
    and custom resources, so that Ray places each replica only on a node with them
    free). Returns once submitted; use wait_ready.
    start_only: serve.start alone; when the controller was killed for good it
    starts a new one, which recovers the application from its checkpoints (a
    serve.run of the same application would replace every replica).
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
        "app": {"status": str, "deployment_status": str,
                "target_replicas": int|null}|null,
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
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from .checking import CommandError, parse_args

REQUIRED = {"required": True}
"""Field metadata: required although it has a default (a subclass's field after defaults)."""

Method = Literal["ray_kill", "sigkill"]


@dataclasses.dataclass(frozen=True)
class PingArgs:
    """ping: no arguments."""


@dataclasses.dataclass(frozen=True)
class InitArgs:
    """init: where the run lives, its ports and the Redis password."""

    run_dir: str
    base_port: int
    redis_password: str | None
    namespace: str
    keep_logs: bool = False
    pod_netns: bool = False


@dataclasses.dataclass(frozen=True)
class StartRedisArgs:
    """start_redis: no arguments."""


@dataclasses.dataclass(frozen=True)
class KillGcsArgs:
    """kill_gcs: no arguments."""


@dataclasses.dataclass(frozen=True)
class StopRedisArgs:
    """stop_redis and restart_redis: SHUTDOWN NOSAVE instead of SIGKILL."""

    graceful: bool = False


@dataclasses.dataclass(frozen=True)
class StartHeadArgs:
    """start_head: the head pod's `ray start`."""

    gcs_ft: bool
    num_cpus: int = 2
    timeout_s: float = 120.0
    object_store_mb: int = 128
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    exit_ok: bool = False
    num_gpus: int = 0
    memory: int | None = None
    resources: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class StartWorkerArgs(StartHeadArgs):
    """start_worker: a worker pod's `ray start` (name is required)."""

    name: str = dataclasses.field(default="", metadata=REQUIRED)


@dataclasses.dataclass(frozen=True)
class PodArgs:
    """kill_pod, freeze_pod, terminate_pod: the pod."""

    name: str


@dataclasses.dataclass(frozen=True)
class UndeployArgs:
    """undeploy: the application."""

    app_name: str = "default"


@dataclasses.dataclass(frozen=True)
class DeployArgs:
    """deploy: one application of a SleepyPid deployment, its route and its options; with
    `autoscaling_config` (Serve's AutoscalingConfig fields) Serve's autoscaler sets the
    replica count instead of `num_replicas`; each request is held for `service_time`
    (SleepyPid.service_s)."""

    num_replicas: int
    constructor_s: float
    health_check_period_s: float
    health_check_timeout_s: float
    max_ongoing_requests: int
    max_replicas_per_node: int | None
    proxy_location: Literal["EveryNode", "HeadOnly"]
    max_constructor_retry_count: int | None = None
    graceful_shutdown_timeout_s: float | None = None
    constructor_fail_delay_s: float = 0.0
    app_name: str = "default"
    start_only: bool = False
    num_gpus: float = 0.0
    memory: int = 0
    resources: dict[str, float] = dataclasses.field(default_factory=dict)
    route_prefix: str = "/"
    deployment: str = "SleepyPid"
    autoscaling_config: dict[str, float] = dataclasses.field(default_factory=dict)
    service_time: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WaitReadyArgs:
    """wait_ready: how long, how many replicas make the application ready, and the route
    every proxy must answer (an application's route prefix)."""

    timeout_s: float
    num_replicas: int
    route_prefix: str = "/"


@dataclasses.dataclass(frozen=True)
class KillReplicaArgs:
    """kill_replica: which replica (None: the first RUNNING one, on `pod` if given)."""

    replica: str | None
    pod: str | None = None
    method: Method = "ray_kill"


@dataclasses.dataclass(frozen=True)
class KillControllerArgs:
    """kill_controller: a crash (Ray restarts it) or for good."""

    no_restart: bool = True
    method: Method = "ray_kill"


@dataclasses.dataclass(frozen=True)
class KillProxyArgs:
    """kill_proxy: the proxy of one pod or node IP (exactly one of them)."""

    pod: str | None = None
    node_ip: str | None = None
    method: Method = "ray_kill"


@dataclasses.dataclass(frozen=True)
class PartitionPodArgs:
    """partition_pod: the pod cut off from the others (or healed)."""

    name: str
    on: bool


@dataclasses.dataclass(frozen=True)
class FailHealthArgs:
    """fail_health: one replica's health check fails (or passes again)."""

    pid: int
    on: bool


@dataclasses.dataclass(frozen=True)
class FailConstructorsArgs:
    """fail_constructors: the next `count` constructors and/or each with `probability`."""

    count: int | None = None
    probability: float | None = None


@dataclasses.dataclass(frozen=True)
class ObserveArgs:
    """observe: the time the Ray-level view may take."""

    timeout_s: float = 1.5


@dataclasses.dataclass(frozen=True)
class ShutdownArgs:
    """shutdown: keep the logs (None: as init said)."""

    keep_logs: bool | None = None


REQUESTS: dict[str, type] = {
    "ping": PingArgs,
    "init": InitArgs,
    "start_redis": StartRedisArgs,
    "stop_redis": StopRedisArgs,
    "restart_redis": StopRedisArgs,
    "start_head": StartHeadArgs,
    "start_worker": StartWorkerArgs,
    "kill_pod": PodArgs,
    "freeze_pod": PodArgs,
    "terminate_pod": PodArgs,
    "partition_pod": PartitionPodArgs,
    "kill_gcs": KillGcsArgs,
    "undeploy": UndeployArgs,
    "deploy": DeployArgs,
    "wait_ready": WaitReadyArgs,
    "kill_replica": KillReplicaArgs,
    "kill_controller": KillControllerArgs,
    "kill_proxy": KillProxyArgs,
    "fail_health": FailHealthArgs,
    "fail_constructors": FailConstructorsArgs,
    "observe": ObserveArgs,
    "shutdown": ShutdownArgs,
}
"""Every command by name, with the dataclass of its arguments."""


def parse_request(req: dict[str, Any]) -> Any:
    """The typed arguments of one request line's object (its "cmd" names the command)."""
    cmd = req.get("cmd")
    cls = REQUESTS.get(cmd) if isinstance(cmd, str) else None
    if cls is None:
        raise CommandError(f"unknown command {cmd!r}")
    return parse_args(cls, req)
