"""The Ray driver child (`python -m ftsim_helper --driver`): connects to the cluster with
ray.init and answers the helper's requests (observe, deploy, undeploy, kill_actor) as JSON
lines on its stdout; its first line (id 0) says whether ray.init worked."""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from . import netns
from .procs import set_pdeathsig
from .serve_view import CONTROLLER_NAME, PROXY_PREFIX, REPLICA_PREFIX


def jsonable(obj: Any) -> Any:
    """Convert Ray/Serve results (enums, pydantic leftovers) into JSON values."""
    import enum

    if isinstance(obj, enum.Enum):
        return jsonable(obj.value)
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        if isinstance(obj, str) and type(obj) is not str:
            return str.__str__(obj)
        return obj
    return str(obj)


def actor_options(req: dict[str, Any]) -> dict[str, Any]:
    """The replicas' `ray_actor_options` from a deploy request: no CPUs (the controller's
    spread steady state needs them anywhere), and the GPUs, memory (bytes) and custom
    resources the scenario gives each replica, so that Ray places them only where these
    are free; zero amounts are left out, as Serve leaves them."""
    opts: dict[str, Any] = {"num_cpus": 0}
    if req.get("num_gpus"):
        opts["num_gpus"] = req["num_gpus"]
    if req.get("memory"):
        opts["memory"] = req["memory"]
    if req.get("resources"):
        opts["resources"] = dict(req["resources"])
    return opts


AUTOSCALING_COUNTS = ("min_replicas", "max_replicas", "initial_replicas")
"""The AutoscalingConfig fields that are replica counts (whole numbers)."""


def deployment_options(req: dict[str, Any]) -> dict[str, Any]:
    """The `serve.deployment` options of a deploy request: its name, replica count (or
    `autoscaling_config`, whose counts are whole numbers, without `num_replicas`: Serve's
    autoscaler then sets the count), actor options, concurrency cap and health checks, and
    the options the request gives."""
    opts: dict[str, Any] = {
        "name": req.get("deployment", "SleepyPid"),
        "ray_actor_options": actor_options(req),
        "max_ongoing_requests": req["max_ongoing_requests"],
        "health_check_period_s": req["health_check_period_s"],
        "health_check_timeout_s": req["health_check_timeout_s"],
    }
    autoscaling = req.get("autoscaling_config")
    if autoscaling:
        opts["autoscaling_config"] = {
            k: int(v) if k in AUTOSCALING_COUNTS else v for k, v in autoscaling.items()
        }
    else:
        opts["num_replicas"] = req["num_replicas"]
    for k in (
        "max_replicas_per_node",
        "max_constructor_retry_count",
        "graceful_shutdown_timeout_s",
    ):
        if req.get(k) is not None:
            opts[k] = req[k]
    return opts


def driver_main() -> int:
    """Runs the driver until its stdin closes."""
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    set_pdeathsig()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cfg = json.loads(os.environ.pop("FTSIM_DRIVER_CONFIG"))
    if cfg.get("netns_pid"):
        netns.enter(cfg["netns_pid"])

    def send(msg: dict[str, Any]) -> None:
        out.write(json.dumps(jsonable(msg), separators=(",", ":")) + "\n")
        out.flush()

    try:
        import logging

        import ray
        from ray import cloudpickle

        from . import sleepy

        # SleepyPid travels by value: Ray's workers need no copy of this package.
        cloudpickle.register_pickle_by_value(sleepy)
        ray.init(
            address=cfg["gcs_address"],
            _node_ip_address=cfg["node_ip"],
            namespace=cfg["namespace"],
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    except BaseException as e:
        send({"id": 0, "ok": False, "error": f"ray.init failed: {type(e).__name__}: {e}"})
        return 1
    send({"id": 0, "ok": True, "result": {"pid": os.getpid()}})
    state = {"controller": None}

    def controller() -> Any:
        if state["controller"] is None:
            state["controller"] = ray.get_actor(CONTROLLER_NAME, namespace="serve")
        return state["controller"]

    def d_observe(req: dict[str, Any]) -> dict[str, Any]:
        t_nodes = ray.nodes()
        nodes = [
            {
                "node_id": n.get("NodeID"),
                "ip": n.get("NodeManagerAddress"),
                "alive": bool(n.get("Alive")),
            }
            for n in t_nodes
        ]
        ip_of = {n["node_id"]: n["ip"] for n in nodes}
        actors = []
        for aid, info in ray._private.state.state.actor_table(None).items():
            name = info.get("Name") or ""
            if not (
                name == CONTROLLER_NAME
                or name.startswith(PROXY_PREFIX)
                or name.startswith(REPLICA_PREFIX)
            ):
                continue
            nid = (info.get("Address") or {}).get("NodeID")
            actors.append(
                {
                    "name": name,
                    "actor_id": aid,
                    "state": info.get("State"),
                    "pid": info.get("Pid") or None,
                    "node_id": nid,
                    "ip": ip_of.get(nid) or (info.get("Address") or {}).get("IPAddress"),
                    "num_restarts": info.get("NumRestarts"),
                }
            )
        details, err = None, None
        ctl_alive = any(x["name"] == CONTROLLER_NAME and x["state"] == "ALIVE" for x in actors)
        if ctl_alive:
            try:
                details = ray.get(
                    controller().get_serve_instance_details.remote(),
                    timeout=float(req.get("controller_timeout_s", 1.0)),
                )
            except Exception as e:
                state["controller"] = None
                err = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        else:
            err = "controller actor not alive"
        return {"nodes": nodes, "actors": actors, "details": details, "details_error": err}

    def d_deploy(req: dict[str, Any]) -> dict[str, Any]:
        from ray import serve

        serve.start(
            proxy_location=req["proxy_location"],
            http_options={"host": req["http_host"], "port": req["http_port"]},
        )
        if req.get("start_only"):
            state["controller"] = None
            return {"submitted": True}
        dep = serve.deployment(sleepy.SleepyPid, **deployment_options(req))
        app = dep.bind(
            req["flags_dir"],
            req["constructor_s"],
            req["constructor_fail_delay_s"],
            req.get("service_time") or {},
        )
        serve._run(app, _blocking=False, name=req["app_name"], route_prefix=req["route_prefix"])
        state["controller"] = None
        return {"submitted": True}

    def d_undeploy(req: dict[str, Any]) -> dict[str, Any]:
        from ray import serve

        serve.delete(req["app_name"], _blocking=True)
        return {"deleted": req["app_name"]}

    def d_kill_actor(req: dict[str, Any]) -> dict[str, Any]:
        handle = ray.get_actor(req["name"], namespace=req.get("namespace", "serve"))
        ray.kill(handle, no_restart=bool(req.get("no_restart", True)))
        if req["name"] == CONTROLLER_NAME:
            state["controller"] = None
        return {"killed": req["name"]}

    handlers = {
        "observe": d_observe,
        "deploy": d_deploy,
        "undeploy": d_undeploy,
        "kill_actor": d_kill_actor,
    }
    for raw in sys.stdin.buffer:
        try:
            req = json.loads(raw)
        except ValueError:
            continue
        rid = req.get("id")
        try:
            fn = handlers[req["cmd"]]
            send({"id": rid, "ok": True, "result": fn(req)})
        except Exception as e:
            msg = str(e).strip().splitlines()
            send(
                {
                    "id": rid,
                    "ok": False,
                    "error": f"{type(e).__name__}: {msg[0] if msg else ''}"[:2000],
                }
            )
    return 0
