"""The helper: the run's state (state.RunState) and the commands on it, one area per
module, each command of the protocol (protocol.py) a `cmd_<name>` method taking the
command's typed arguments:

    setup_cmds   ping, init
    redis_cmds   start_redis, stop_redis, restart_redis
    pod_cmds     start_head, start_worker, kill_pod, freeze_pod, terminate_pod, kill_gcs
    serve_cmds   deploy, undeploy, wait_ready
    partition_cmds partition_pod
    fault_cmds   kill_replica, kill_controller, kill_proxy, fail_health, fail_constructors
    observe      observe
    teardown     shutdown (and the teardown at EOF or a signal)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import IO, Any

from . import protocol as proto
from .fault_cmds import FaultCommands
from .logs import redact, redact_obj
from .observe import ObserveCommands
from .partition_cmds import PartitionCommands
from .pod_cmds import PodCommands
from .redis_cmds import RedisCommands
from .serve_cmds import ServeCommands
from .setup_cmds import SetupCommands
from .state import CommandArea, RunState
from .teardown import teardown

AREAS: tuple[type[CommandArea], ...] = (
    SetupCommands,
    RedisCommands,
    PodCommands,
    ServeCommands,
    FaultCommands,
    PartitionCommands,
    ObserveCommands,
)
"""The command areas, each constructed on the run's state."""


def command_table(areas: Sequence[object]) -> dict[str, Callable[[Any], Any]]:
    """Each command of protocol.REQUESTS but shutdown (which __main__ handles) mapped to the
    one `cmd_<name>` method of `areas` that runs it; ValueError when a command has no
    method or several."""
    table: dict[str, Callable[[Any], Any]] = {}
    for name in proto.REQUESTS:
        if name == "shutdown":
            continue
        found = [getattr(a, f"cmd_{name}") for a in areas if hasattr(a, f"cmd_{name}")]
        if len(found) != 1:
            raise ValueError(f"command {name!r}: {len(found)} handlers, expected 1")
        table[name] = found[0]
    return table


class Helper:
    """Everything one run started, and the commands on it."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.state = RunState()
        self.commands = command_table([area(self.state) for area in AREAS])

    def respond(self, rid: int | None, ok: bool, payload: Any) -> None:
        """Writes one response line (redacted)."""
        msg: dict[str, Any] = {"id": rid, "ok": ok}
        if ok:
            msg["result"] = redact_obj(payload)
        else:
            msg["error"] = redact(str(payload))
        self.out.write(json.dumps(msg, separators=(",", ":"), default=str) + "\n")
        self.out.flush()

    def run(self, cmd: str, args: Any) -> Any:
        """Runs command `cmd` (a name of protocol.REQUESTS) on its parsed arguments."""
        return self.commands[cmd](args)

    @property
    def initialised(self) -> bool:
        """True once init has been done, until shutdown."""
        return self.state.initialised

    def shutdown(self, keep_logs: bool | None = None) -> proto.ShutdownReply:
        """Tears the run down (teardown.teardown); the run is no longer initialised."""
        result = teardown(self.state, keep_logs)
        self.state.initialised = False
        return result
