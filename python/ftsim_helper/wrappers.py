"""The helper's child-process modes that wrap a program: --exec (Redis) and --ray-start
(`ray start`), both dying with the helper (PR_SET_PDEATHSIG)."""

from __future__ import annotations

import os
import sys
from typing import Any

from . import netns
from .procs import set_pdeathsig


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
    netns.join_from_env(os.environ)
    pw = os.environ.pop("FTSIM_REDIS_PASSWORD", None)
    if pw:
        from ray._private import services

        orig = services.start_ray_process
        needle = f"password={pw}"

        def patched(command: list[str], process_type: str, *args: Any, **kwargs: Any) -> Any:
            command = list(command)
            env = dict(kwargs.get("env_updates") or {})
            if process_type == "gcs_server":
                command = [c for c in command if not c.startswith("--redis_password=")]
                command.append("--tryfromenv=redis_password")
                env["FLAGS_redis_password"] = pw
            else:
                command = [
                    c
                    for c in command
                    if not c.startswith(
                        ("--redis_password=", "--redis-password=", "--ray_redis_password=")
                    )
                ]
                command = [c.replace(needle, "password=") for c in command]
            kwargs["env_updates"] = env
            return orig(command, process_type, *args, **kwargs)

        services.start_ray_process = patched
        argv = [*argv, f"--redis-password={pw}"]
    from ray.scripts.scripts import main as ray_cli

    sys.argv = ["ray", *argv]
    return int(ray_cli() or 0)
