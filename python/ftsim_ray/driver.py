"""The Ray driver: connects to the cluster, ships the binary once into the object store and
runs each requested range of replications as a task (task.run_batch), reporting each range as
it completes. Ray is imported only here."""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from . import protocol as p
from . import task

REACH_TIMEOUT_S = 5.0
"""How long the TCP check of a host:port address waits."""

TASK_RETRIES = 3
"""Times Ray reruns a task whose worker or node died (a batch's rows do not depend on where or
how often it ran)."""

MESSAGE_CHARS = 1500
"""Characters of a Ray error quoted in a message."""


def host_port(address: str) -> tuple[str, int] | None:
    """The host and port of a `host:port` address; None for other forms (`auto`,
    `ray://...`: Ray resolves those itself)."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or "/" in address or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def unreachable(address: str) -> str | None:
    """Why a `host:port` address cannot be reached over TCP, or None when it can or when it is
    not of that form."""
    hp = host_port(address)
    if hp is None:
        return None
    try:
        with socket.create_connection(hp, timeout=REACH_TIMEOUT_S):
            return None
    except OSError as e:
        return f"cannot reach a Ray cluster at {address}: {e}"


def local_node_ip(address: str) -> str | None:
    """The address's host when it is an address of this machine (a socket binds to it): the
    IP of the node this driver attaches to, which Ray would otherwise guess from the default
    route (wrong for a cluster on loopback addresses). None otherwise."""
    hp = host_port(address)
    if hp is None:
        return None
    try:
        with socket.socket(socket.AF_INET6 if ":" in hp[0] else socket.AF_INET) as s:
            s.bind((hp[0], 0))
    except OSError:
        return None
    return hp[0]


def short(e: BaseException) -> str:
    """An exception as a message of bounded length."""
    text = f"{type(e).__name__}: {e}".strip()
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


class Session:
    """A connected driver: the binary in the object store, the task ready to submit."""

    def __init__(self, start: p.Start, emit: Callable[[str], None]):
        import ray
        import ray.cloudpickle

        self.ray: Any = ray
        self.start = start
        self.emit = emit
        ray.init(
            address=start.address,
            _node_ip_address=local_node_ip(start.address),
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        ray.cloudpickle.register_pickle_by_value(task)
        with open(start.binary, "rb") as f:
            self.binary = ray.put(f.read())
        self.remote = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(task.run_batch)

    def shape(self) -> tuple[int, int]:
        """The cluster's live nodes and CPUs."""
        nodes = sum(1 for n in self.ray.nodes() if n.get("Alive"))
        return nodes, int(self.ray.cluster_resources().get("CPU", 0))

    def run(self, ranges: list[tuple[int, int]]) -> bool:
        """Runs the ranges, emitting a batch per completed range and `done`; on the first
        failure cancels the rest, emits the error and returns False."""
        s = self.start
        refs = {
            self.remote.remote(self.binary, s.scenario, a, b, s.version): (a, b) for a, b in ranges
        }
        pending = list(refs)
        while pending:
            ready, pending = self.ray.wait(pending, num_returns=1)
            for ref in ready:
                a, b = refs[ref]
                try:
                    result = self.ray.get(ref)
                except Exception as e:
                    self.cancel(pending)
                    self.emit(p.error("task", f"the task of replications {a}..{b}: {short(e)}"))
                    return False
                node = str(result["node"])
                if "problem" in result:
                    self.cancel(pending)
                    kind: p.ErrorKind = "binary" if result["problem"] == "binary" else "batch"
                    self.emit(p.error(kind, str(result["message"])))
                    return False
                rows = result["rows"]
                assert isinstance(rows, list)
                self.emit(p.batch(a, b, node, [str(r) for r in rows]))
        self.emit(p.done())
        return True

    def cancel(self, refs: list[Any]) -> None:
        """Cancels tasks not yet finished (their workers are stopped)."""
        for ref in refs:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:
                pass

    def close(self) -> None:
        """Disconnects from the cluster."""
        self.ray.shutdown()


def serve(lines: Callable[[], str], emit: Callable[[str], None]) -> int:
    """Reads the Start request and connects, then serves Run requests until `lines` returns
    "" (end of input). Returns the exit status: 0, or 1 after an error event."""
    try:
        start = p.parse_start(lines())
    except p.ProtocolError as e:
        emit(p.error("protocol", str(e)))
        return 1
    why = unreachable(start.address)
    if why is not None:
        emit(p.error("connect", why))
        return 1
    try:
        session = Session(start, emit)
    except Exception as e:
        emit(p.error("connect", f"cannot join the Ray cluster at {start.address}: {short(e)}"))
        return 1
    try:
        nodes, cpus = session.shape()
        if cpus < 1:
            emit(p.error("connect", f"the Ray cluster at {start.address} has no CPU for tasks"))
            return 1
        emit(p.connected(nodes, cpus))
        while line := lines():
            if not line.strip():
                continue
            try:
                run = p.parse_run(line)
            except p.ProtocolError as e:
                emit(p.error("protocol", str(e)))
                return 1
            if not session.run(run.ranges):
                return 1
        return 0
    finally:
        session.close()


def main() -> int:
    """`python -m ftsim_ray`: serves the protocol on stdin/stdout. Stray output of Ray or a
    library goes to stderr: stdout is the protocol's alone."""
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def emit(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    return serve(sys.stdin.readline, emit)
