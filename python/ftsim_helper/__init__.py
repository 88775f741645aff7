"""ftsim_helper: the Ray side of `ftsim live` (the local-ray adapter).

A supervisor that runs a real multi-node Ray cluster on loopback (a head "pod",
worker "pods", an optional Redis for GCS fault tolerance), deploys the guide's
SleepyPid Serve application, injects faults and observes the cluster. It only
provides primitive actuators and one observer; ftsim (Rust) decides timing and
orchestration (e.g. when to recreate a killed pod, playing KubeRay's part).

ftsim embeds this package in its binary, writes it into the run directory and runs
`python -m ftsim_helper` with the Python of the live virtualenv
(scripts/setup-live.sh) and PYTHONPATH pointing at it. By hand, from the repository:

    PYTHONPATH=python .venv-live/bin/python -m ftsim_helper

Modules: protocol (the wire protocol: typed commands and results, the reference
documentation of every command), helper (the request dispatch over the command areas),
state (the run's shared state and helper-state.json), the command areas setup_cmds (ping,
init), redis_cmds, pod_cmds (with pod_launch: `ray start`'s command line and environment),
serve_cmds, fault_cmds, observe and teardown; pods, procs (process trees, /proc),
redis_client, layout (ports and addresses), driver (the helper's client of its Ray driver)
and serve_driver (that driver), serve_view (the Ray-level view), sleepy (the SleepyPid
application), wrappers (--exec, --ray-start), cleanup (--cleanup after a crashed helper),
logs (log lines and redaction), __main__ (the command line and the request loop).

Checks (scripts/check-python.sh, run by scripts/test.sh): ruff (lint and format),
mypy --strict and pytest (python/tests), none of which needs Ray.
"""
