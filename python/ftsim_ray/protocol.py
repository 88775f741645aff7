"""The messages between ftsim and this driver, one JSON object a line.

ftsim writes to stdin: first a Start, then one Run per set of ranges; it closes stdin to end.
The driver writes to stdout: `connected` once, then per Run one `batch` event per range as it
completes (in completion order) and `done`; or a single `error`, after which it exits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

ErrorKind = Literal["connect", "binary", "batch", "task", "protocol"]
"""Why a study failed: the cluster cannot be reached or joined (connect); the shipped binary
does not run on a worker or reports another version (binary); ftsim mc-batch failed (batch);
a task failed in Ray, e.g. its worker died (task); ftsim sent something unreadable (protocol)."""


class ProtocolError(ValueError):
    """A request line that is not what the protocol says."""


@dataclass(frozen=True)
class Start:
    """The first request: where the cluster is and what to ship."""

    address: str
    binary: str
    version: str
    scenario: str


@dataclass(frozen=True)
class Run:
    """Replication index ranges [start, end) to run, one task each."""

    ranges: list[tuple[int, int]]


def _object(line: str) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError as e:
        raise ProtocolError(f"invalid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ProtocolError("a request is a JSON object")
    return value


def parse_start(line: str) -> Start:
    """The Start request in `line`; ProtocolError otherwise."""
    obj = _object(line)
    fields = {}
    for key in ("address", "binary", "version", "scenario"):
        value = obj.get(key)
        if not isinstance(value, str):
            raise ProtocolError(f"start: {key!r} must be a string")
        fields[key] = value
    return Start(**fields)


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("run: a range bound must be a non-negative integer")
    return value


def parse_run(line: str) -> Run:
    """The Run request in `line`; ProtocolError otherwise."""
    ranges = _object(line).get("ranges")
    if not isinstance(ranges, list):
        raise ProtocolError("run: 'ranges' must be a list")
    out = []
    for r in ranges:
        if not isinstance(r, list) or len(r) != 2:
            raise ProtocolError("run: a range is a list [start, end]")
        start, end = _index(r[0]), _index(r[1])
        if start >= end:
            raise ProtocolError(f"run: empty range [{start}, {end})")
        out.append((start, end))
    return Run(out)


def connected(nodes: int, cpus: int) -> str:
    """The event sent once connected: the cluster's live nodes and CPUs."""
    return json.dumps({"event": "connected", "nodes": nodes, "cpus": cpus})


def batch(start: int, end: int, node: str, rows: list[str]) -> str:
    """The event of one completed range: its rows as ftsim mc-batch printed them."""
    return json.dumps({"event": "batch", "start": start, "end": end, "node": node, "rows": rows})


def done() -> str:
    """The event that ends a Run's batches."""
    return json.dumps({"event": "done"})


def error(kind: ErrorKind, message: str) -> str:
    """The event of a failure; the driver exits after it."""
    return json.dumps({"event": "error", "kind": kind, "message": message})
