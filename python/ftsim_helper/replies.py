"""The results of the protocol's commands (protocol.py; what each holds is documented in
commands.py): one TypedDict per result shape, and the response envelope's check."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from .checking import check
from .commands import Method


class PingReply(TypedDict):
    pid: int
    protocol_version: int
    ray_version: str | None
    initialised: bool


class LayoutInfo(TypedDict):
    redis: int
    gcs: int
    port_block: int
    slot_base: str
    slot_ip: str
    slot_offsets: dict[str, int]
    max_slots: int
    range: list[int]


class InitReply(TypedDict):
    run_dir: str
    ray_temp_root: str
    base_port: int
    port_span: int
    redis_port: int
    gcs_address: str
    head_ip: str
    max_pods: int
    layout: LayoutInfo


class StartRedisReply(TypedDict):
    pid: int
    port: int
    elapsed_s: float


class StopRedisReply(TypedDict):
    pid: int
    how: str
    elapsed_s: float


class RestartRedisReply(TypedDict):
    stopped: StopRedisReply | None
    started: StartRedisReply


class PodStartedReply(TypedDict):
    pod: str
    started: Literal[True]
    pid: int | None
    pgid: int | None
    node_ip: str
    proxy_port: int
    proxy_url: str
    gcs_address: str
    incarnation: int
    slot: int
    temp_dir: str
    log: str
    elapsed_s: float


class PodExitedReply(TypedDict):
    pod: str
    started: Literal[False]
    exit_code: int
    elapsed_s: float


class ProcessRef(TypedDict):
    pid: int
    comm: str


class KillPodReply(TypedDict):
    pod: str
    killed: list[ProcessRef]
    elapsed_s: float


class KillGcsReply(TypedDict):
    pod: str
    pid: int
    elapsed_s: float


class FreezePodReply(TypedDict):
    pod: str
    frozen: list[ProcessRef]
    elapsed_s: float


class _TerminatePodFields(TypedDict):
    pod: str
    signalled: bool


class TerminatePodReply(_TerminatePodFields, total=False):
    """`pid` only when a signal was sent."""

    pid: int


class UndeployReply(TypedDict):
    app_name: str
    elapsed_s: float


class DeployReply(TypedDict):
    app_name: str
    route_prefix: str
    submitted: bool
    elapsed_s: float


class ReplicaInfo(TypedDict):
    replica_id: str
    actor_name: str
    state: str | None
    actor_state: str | None
    pid: int | None
    node_ip: str | None
    pod: str | None


class ProxyInfo(TypedDict):
    pod: str | None
    node_ip: str | None
    status: str | None
    actor_state: str | None
    actor_name: str
    pid: int | None
    url: str | None


class ProxyAnswer(ProxyInfo):
    http_status: int | None
    body: str


class WaitReadyReply(TypedDict):
    elapsed_s: float
    replicas: list[ReplicaInfo]
    proxies: list[ProxyAnswer]


class KillReplicaReply(TypedDict):
    replica: str
    actor_name: str
    pod: str | None
    node_ip: str | None
    pid: int | None
    method: Method
    elapsed_s: float


class KillControllerReply(TypedDict):
    actor_name: str
    pod: str | None
    pid: int | None
    method: Method
    no_restart: bool
    elapsed_s: float


class KillProxyReply(TypedDict):
    actor_name: str
    pod: str | None
    node_ip: str
    pid: int | None
    method: Method
    elapsed_s: float


class PartitionPodReply(TypedDict):
    pod: str
    peers: list[str]
    elapsed_s: float


class FailHealthReply(TypedDict):
    pid: int
    on: bool
    flag_file: str


class FailConstructorsReply(TypedDict):
    count: int
    probability: float


class RedisState(TypedDict):
    running: bool
    pid: int | None
    answering: bool


class GcsState(TypedDict):
    port_open: bool
    answering: bool | None


ProcessState = Literal["absent", "running", "exited", "killed", "frozen"]


class PodState(TypedDict):
    name: str
    role: Literal["head", "worker"]
    incarnation: int
    slot: int
    pid: int | None
    node_ip: str
    proxy_port: int
    process: ProcessState
    exit_code: int | None
    live_processes: int
    node_state: Literal["ALIVE", "DEAD"] | None
    node_id: str | None


DriverStateName = Literal["absent", "starting", "ready", "dead"]


class DriverState(TypedDict):
    state: DriverStateName
    pid: int | None
    busy_s: float | None
    error: str | None


class RayViewState(TypedDict):
    available: bool
    error: str | None
    driver: DriverState


class ControllerState(TypedDict):
    actor_state: str | None
    answering: bool | None
    pid: int | None
    pod: str | None


class AppState(TypedDict):
    name: str
    status: str | None
    deployment_status: str
    message: str | None
    target_replicas: int | None


class ObserveReply(TypedDict):
    time_unix_s: float
    elapsed_s: float
    redis: RedisState
    gcs: GcsState
    pods: list[PodState]
    ray_view: RayViewState
    controller: ControllerState
    app: AppState | None
    replicas: list[ReplicaInfo]
    proxies: list[ProxyInfo]
    constructors_raised: int


class KilledProcess(TypedDict):
    child: str
    pid: int
    comm: str


class ShutdownReply(TypedDict):
    killed: list[KilledProcess]
    leftover_pids: list[int]
    ports_still_bound: list[int]
    kept: list[str]
    elapsed_s: float


REPLIES: dict[str, Any] = {
    "ping": PingReply,
    "init": InitReply,
    "start_redis": StartRedisReply,
    "stop_redis": StopRedisReply,
    "restart_redis": RestartRedisReply,
    "start_head": PodStartedReply | PodExitedReply,
    "start_worker": PodStartedReply | PodExitedReply,
    "kill_pod": KillPodReply,
    "freeze_pod": FreezePodReply,
    "terminate_pod": TerminatePodReply,
    "partition_pod": PartitionPodReply,
    "kill_gcs": KillGcsReply,
    "undeploy": UndeployReply,
    "deploy": DeployReply,
    "wait_ready": WaitReadyReply,
    "kill_replica": KillReplicaReply,
    "kill_controller": KillControllerReply,
    "kill_proxy": KillProxyReply,
    "fail_health": FailHealthReply,
    "fail_constructors": FailConstructorsReply,
    "observe": ObserveReply,
    "shutdown": ShutdownReply,
}
"""Every command by name, with the type of its result."""


class OkResponse(TypedDict):
    id: int
    ok: Literal[True]
    result: dict[str, Any]


class ErrorResponse(TypedDict):
    id: int | None
    ok: Literal[False]
    error: str


def check_response(cmd: str, response: Any) -> Any:
    """A response line's object checked against the protocol: an error, or a result of the
    shape command `cmd` returns."""
    if isinstance(response, dict) and response.get("ok") is False:
        return check(ErrorResponse, response, "response")
    ok = check(OkResponse, response, "response")
    ok["result"] = check(REPLIES[cmd], ok["result"], "result")
    return ok
