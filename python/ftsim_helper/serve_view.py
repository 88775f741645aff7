"""The Ray-level view of the cluster: the driver's raw snapshot (GCS nodes and actor table,
Serve's instance details) merged into the controller, application (with several, the first
not RUNNING, else the first; its target_replicas is every deployment's target_num_replicas
summed, what Serve's autoscaler decided), replicas (of every application) and proxies that observe
reports, each placed on its pod."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from .protocol import AppState, ControllerState, ProxyInfo, ReplicaInfo

CONTROLLER_NAME = "SERVE_CONTROLLER_ACTOR"
PROXY_PREFIX = "SERVE_PROXY_ACTOR-"
REPLICA_PREFIX = "SERVE_REPLICA::"

PodOfIp = Callable[[str | None], str | None]
"""The pod whose (current or past) incarnation had a node IP; also its proxy URL."""


class RayView(TypedDict):
    """The merged view; "nodes" and "details_error" are the driver's, passed on."""

    controller: ControllerState
    app: AppState | None
    replicas: list[ReplicaInfo]
    proxies: list[ProxyInfo]
    nodes: list[dict[str, Any]]
    details_error: str | None


def ray_view(snap: dict[str, Any], pod_for_ip: PodOfIp, proxy_url_for_ip: PodOfIp) -> RayView:
    """Merge the driver's raw snapshot with pod names and proxy URLs."""
    actors = snap.get("actors", [])
    details = snap.get("details")
    by_name: dict[str, dict[str, Any]] = {}
    for act in actors:
        prev = by_name.get(act["name"])
        if prev is None or (prev["state"] == "DEAD" and act["state"] != "DEAD"):
            by_name[act["name"]] = act
    ctl = by_name.get(CONTROLLER_NAME)
    controller: ControllerState = {
        "actor_state": ctl["state"] if ctl else None,
        "answering": details is not None,
        "pid": ctl["pid"] if ctl else None,
        "pod": pod_for_ip(ctl["ip"]) if ctl else None,
    }
    replicas: list[ReplicaInfo] = []
    proxies: list[ProxyInfo] = []
    app: AppState | None = None
    seen = set()
    if details is not None:
        apps = details.get("applications") or {}
        targets = [
            d.get("target_num_replicas")
            for ad in apps.values()
            for d in (ad.get("deployments") or {}).values()
        ]
        target = sum(targets) if targets and None not in targets else None
        for app_name, ad in sorted(apps.items()):
            deps = ad.get("deployments") or {}
            dep_status = ",".join(sorted(str(d.get("status")) for d in deps.values()))
            # With several applications, the first that is not RUNNING stands for them all:
            # "app RUNNING" then means every application runs.
            if app is None or (app["status"] == "RUNNING" and ad.get("status") != "RUNNING"):
                app = {
                    "name": app_name,
                    "status": ad.get("status"),
                    "deployment_status": dep_status,
                    "message": ad.get("message"),
                    "target_replicas": target,
                }
            for dep in deps.values():
                for r in dep.get("replicas") or []:
                    act = by_name.get(r.get("actor_name"))
                    seen.add(r.get("actor_name"))
                    replicas.append(
                        {
                            "replica_id": r.get("replica_id"),
                            "actor_name": r.get("actor_name"),
                            "state": r.get("state"),
                            "actor_state": act["state"] if act else None,
                            "pid": r.get("pid") or (act["pid"] if act else None),
                            "node_ip": r.get("node_ip"),
                            "pod": pod_for_ip(r.get("node_ip")),
                        }
                    )
        for _nid, p in sorted((details.get("proxies") or {}).items()):
            act = by_name.get(p.get("actor_name"))
            seen.add(p.get("actor_name"))
            proxies.append(
                {
                    "pod": pod_for_ip(p.get("node_ip")),
                    "node_ip": p.get("node_ip"),
                    "status": p.get("status"),
                    "actor_state": act["state"] if act else None,
                    "actor_name": p.get("actor_name"),
                    "pid": act["pid"] if act else None,
                    "url": proxy_url_for_ip(p.get("node_ip")),
                }
            )
    for name, act in sorted(by_name.items()):
        if name in seen or act["state"] == "DEAD":
            continue
        if name.startswith(REPLICA_PREFIX):
            replicas.append(
                {
                    "replica_id": name.rsplit("#", 1)[-1],
                    "actor_name": name,
                    "state": None,
                    "actor_state": act["state"],
                    "pid": act["pid"],
                    "node_ip": act["ip"],
                    "pod": pod_for_ip(act["ip"]),
                }
            )
        elif name.startswith(PROXY_PREFIX):
            proxies.append(
                {
                    "pod": pod_for_ip(act["ip"]),
                    "node_ip": act["ip"],
                    "status": None,
                    "actor_state": act["state"],
                    "actor_name": name,
                    "pid": act["pid"],
                    "url": proxy_url_for_ip(act["ip"]),
                }
            )
    replicas.sort(key=lambda r: (r["pod"] or "", r["replica_id"] or ""))
    proxies.sort(key=lambda p: (p["pod"] or "", p["node_ip"] or ""))
    return {
        "controller": controller,
        "app": app,
        "replicas": replicas,
        "proxies": proxies,
        "nodes": snap.get("nodes", []),
        "details_error": snap.get("details_error"),
    }
