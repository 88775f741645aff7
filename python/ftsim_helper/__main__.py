"""`python -m ftsim_helper [MODE]`: without arguments the helper itself, serving the
protocol (protocol.py) on stdin/stdout; with a mode one of its child processes (--driver,
--exec, --ray-start) or the cleanup after a crashed helper (--cleanup RUN_DIR)."""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from types import FrameType
from typing import Any

from . import __doc__ as package_doc
from . import protocol as p
from .helper import Helper
from .logs import log
from .procs import PR_SET_CHILD_SUBREAPER, prctl
from .protocol import CommandError


class Terminate(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT/SIGHUP."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def read_envelope(line: bytes) -> dict[str, Any]:
    """One request line as a JSON object with an integer "id"; CommandError otherwise."""
    try:
        req = json.loads(line)
    except ValueError as e:
        raise CommandError(f"invalid JSON: {e}") from None
    if (
        not isinstance(req, dict)
        or not isinstance(req.get("id"), int)
        or isinstance(req.get("id"), bool)
    ):
        raise CommandError("request must be a JSON object with an integer 'id'")
    return req


def serve_main() -> int:
    """Serves requests until stdin closes, a signal or shutdown; tears everything down."""
    # Keep stdout for the protocol only: responses go to a private dup of fd 1, and
    # fd 1 itself now points at stderr, so stray prints (Ray, libraries) land there.
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    prctl(PR_SET_CHILD_SUBREAPER, 1)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise Terminate(signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    helper = Helper(out)
    exit_code = 0
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
                req = read_envelope(line)
                rid = req["id"]
                args = p.parse_request(req)
                if isinstance(args, p.ShutdownArgs):
                    helper.respond(rid, True, helper.shutdown(args.keep_logs))
                    return 0
                helper.respond(rid, True, helper.run(req["cmd"], args))
            except (CommandError, ValueError, OSError) as e:
                if isinstance(e, (BrokenPipeError,)):
                    raise
                if not isinstance(e, CommandError):
                    log(traceback.format_exc())
                    helper.respond(rid, False, f"{type(e).__name__}: {e}")
                else:
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
                teardown = helper.shutdown()
                if teardown["leftover_pids"]:
                    exit_code = 1  # the one status that means "something was left"
            except Exception:
                log(traceback.format_exc())
                exit_code = 1
    return exit_code


MODES = {"--cleanup": 1, "--exec": None, "--ray-start": None, "--driver": 0}
"""The modes by flag, with their number of arguments (None: one or more)."""


def parse_mode(argv: list[str]) -> tuple[str | None, list[str]]:
    """The mode and its arguments from the command line (without the program name); the
    mode is None for the helper itself. ValueError for anything else."""
    if not argv:
        return None, []
    mode, rest = argv[0], argv[1:]
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    want = MODES[mode]
    if want is not None and len(rest) != want:
        raise ValueError(f"{mode} takes {want} argument(s), got {len(rest)}")
    if want is None and not rest:
        raise ValueError(f"{mode} needs a command")
    return mode, rest


def main(argv: list[str]) -> int:
    """Runs the mode `argv` selects; 2 with a usage line on a bad command line."""
    try:
        mode, rest = parse_mode(argv)
    except ValueError as e:
        summary = (package_doc or "").split("\n\n")[0]
        sys.stderr.write(
            f"{summary}\n\nerror: {e}\nusage: python -m ftsim_helper "
            "(speaks JSON lines on stdin/stdout; see protocol.py)\n"
            "       python -m ftsim_helper --cleanup RUN_DIR\n"
        )
        return 2
    if mode == "--cleanup":
        from .cleanup import cleanup_main

        return cleanup_main(rest[0])
    if mode == "--exec":
        from .wrappers import exec_main

        return exec_main(rest)
    if mode == "--ray-start":
        from .wrappers import ray_start_main

        return ray_start_main(rest)
    if mode == "--driver":
        from .serve_driver import driver_main

        return driver_main()
    return serve_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
