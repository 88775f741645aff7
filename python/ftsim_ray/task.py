"""One Ray task: a range of replications run by the shipped ftsim binary on a worker.

The binary and the scenario go into memory files (memfd_create), never onto the worker's disk:
nothing is left behind even when the worker is killed mid-task, and no disk space is used.
Standard library only: the driver registers this module to be pickled by value, so that a
worker runs it without this package installed.
"""

from __future__ import annotations

import os
import socket
import subprocess

STDERR_TAIL = 2000
"""Characters of a failing command's standard error quoted in its message."""

SAME_PLATFORM = (
    "the workers must run the same OS and architecture as the machine running ftsim, "
    "with a C library at least as recent (see docs/monte-carlo.md)"
)


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= STDERR_TAIL else "..." + text[-STDERR_TAIL:]


def _memory_file(name: str, data: bytes) -> int:
    """A memory file holding `data`; its descriptor (close-on-exec unless passed on)."""
    fd = os.memfd_create(name)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return fd


def _run(
    argv: list[str], fds: tuple[int, int], timeout: float | None
) -> subprocess.CompletedProcess[str]:
    """`argv` run with the memory files `fds` open in it, its output captured."""
    return subprocess.run(
        argv, capture_output=True, text=True, check=False, pass_fds=fds, timeout=timeout
    )


def run_batch(
    binary: bytes, scenario: str, start: int, end: int, version: str
) -> dict[str, object]:
    """Checks that `binary` runs and reports `version`, runs its `mc-batch` on `scenario` for
    indices [start, end) and returns {"node", "rows"} (the rows as printed, one JSON object
    each), or {"node", "problem", "message"}: problem "binary" when the binary does not run or
    reports another version, "batch" when mc-batch fails."""
    node = socket.gethostname()
    exe_fd = _memory_file("ftsim", binary)
    sc_fd = _memory_file("scenario.json", scenario.encode())
    try:
        exe, fds = f"/proc/self/fd/{exe_fd}", (exe_fd, sc_fd)
        try:
            check = _run([exe, "--version"], fds, 60)
        except (OSError, subprocess.TimeoutExpired) as e:
            message = f"the shipped ftsim binary does not run on {node} ({e}); {SAME_PLATFORM}"
            return {"node": node, "problem": "binary", "message": message}
        reported = check.stdout.strip()
        if check.returncode != 0:
            message = (
                f"the shipped ftsim binary does not run on {node} (exit {check.returncode}: "
                f"{_tail(check.stderr)}); {SAME_PLATFORM}"
            )
            return {"node": node, "problem": "binary", "message": message}
        if reported != version:
            message = (
                f"the shipped ftsim binary reports {reported!r} on {node}, "
                f"the driver is {version!r}"
            )
            return {"node": node, "problem": "binary", "message": message}
        argv = [exe, "mc-batch", f"/proc/self/fd/{sc_fd}", "--indices", f"{start}..{end}"]
        proc = _run(argv, fds, None)
        if proc.returncode != 0:
            message = (
                f"ftsim mc-batch {start}..{end} failed on {node} "
                f"(exit {proc.returncode}): {_tail(proc.stderr)}"
            )
            return {"node": node, "problem": "batch", "message": message}
        return {"node": node, "rows": proc.stdout.splitlines()}
    finally:
        os.close(exe_fd)
        os.close(sc_fd)
