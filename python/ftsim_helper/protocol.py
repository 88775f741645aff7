"""The JSON-lines protocol between ftsim (Rust, src/live/protocol/) and this helper: the
wire rules (below), with the typed arguments of every command and what each does in
commands.py (dataclasses), the shape of every result in replies.py (TypedDicts), and their
strict validation in checking.py; this module gathers them under one name.
tests/fixtures/live-protocol.json holds an example of every message; a Rust test and
python/tests/test_protocol.py both check it.

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
      python -m ftsim_helper --cleanup RUN_DIR
  SIGKILLs everything recorded in RUN_DIR/helper-state.json (sessions created by
  the helper and every PID it saw, PID + start time checked) and prints one JSON
  line {"killed": [...], "leftover": [...]}; exit 0 clean, 1 leftovers, 3 if the
  helper is still alive.

Commands: see commands.py.
"""

from __future__ import annotations

from .checking import (
    CommandError,
    check,
    parse_args,
)
from .commands import (
    REQUESTS,
    REQUIRED,
    DeployArgs,
    FailConstructorsArgs,
    FailHealthArgs,
    InitArgs,
    KillControllerArgs,
    KillGcsArgs,
    KillProxyArgs,
    KillReplicaArgs,
    Method,
    ObserveArgs,
    PartitionPodArgs,
    PingArgs,
    PodArgs,
    ShutdownArgs,
    StartHeadArgs,
    StartRedisArgs,
    StartWorkerArgs,
    StopRedisArgs,
    UndeployArgs,
    WaitReadyArgs,
    parse_request,
)
from .replies import (
    REPLIES,
    AppState,
    ControllerState,
    DeployReply,
    DriverState,
    DriverStateName,
    ErrorResponse,
    FailConstructorsReply,
    FailHealthReply,
    FreezePodReply,
    GcsState,
    InitReply,
    KillControllerReply,
    KilledProcess,
    KillGcsReply,
    KillPodReply,
    KillProxyReply,
    KillReplicaReply,
    LayoutInfo,
    ObserveReply,
    OkResponse,
    PartitionPodReply,
    PingReply,
    PodExitedReply,
    PodStartedReply,
    PodState,
    ProcessRef,
    ProcessState,
    ProxyAnswer,
    ProxyInfo,
    RayViewState,
    RedisState,
    ReplicaInfo,
    RestartRedisReply,
    ShutdownReply,
    StartRedisReply,
    StopRedisReply,
    TerminatePodReply,
    UndeployReply,
    WaitReadyReply,
    check_response,
)

PROTOCOL_VERSION = 1

__all__ = [
    "PROTOCOL_VERSION",
    "REPLIES",
    "REQUESTS",
    "REQUIRED",
    "AppState",
    "CommandError",
    "ControllerState",
    "DeployArgs",
    "DeployReply",
    "DriverState",
    "DriverStateName",
    "ErrorResponse",
    "FailConstructorsArgs",
    "FailConstructorsReply",
    "FailHealthArgs",
    "FailHealthReply",
    "FreezePodReply",
    "GcsState",
    "InitArgs",
    "InitReply",
    "KillControllerArgs",
    "KillControllerReply",
    "KillGcsArgs",
    "KillGcsReply",
    "KillPodReply",
    "KillProxyArgs",
    "KillProxyReply",
    "KillReplicaArgs",
    "KillReplicaReply",
    "KilledProcess",
    "LayoutInfo",
    "Method",
    "ObserveArgs",
    "ObserveReply",
    "OkResponse",
    "PartitionPodArgs",
    "PartitionPodReply",
    "PingArgs",
    "PingReply",
    "PodArgs",
    "PodExitedReply",
    "PodStartedReply",
    "PodState",
    "ProcessRef",
    "ProcessState",
    "ProxyAnswer",
    "ProxyInfo",
    "RayViewState",
    "RedisState",
    "ReplicaInfo",
    "RestartRedisReply",
    "ShutdownArgs",
    "ShutdownReply",
    "StartHeadArgs",
    "StartRedisArgs",
    "StartRedisReply",
    "StartWorkerArgs",
    "StopRedisArgs",
    "StopRedisReply",
    "TerminatePodReply",
    "UndeployArgs",
    "UndeployReply",
    "WaitReadyArgs",
    "WaitReadyReply",
    "check",
    "check_response",
    "parse_args",
    "parse_request",
]
