"""The Serve application through the helper's Ray driver: deploy, undeploy and wait_ready
(the application RUNNING with its replicas, every healthy proxy answering HTTP 200)."""

from __future__ import annotations

import dataclasses
import os
import time
import urllib.error
import urllib.request

from . import protocol as proto
from .checking import check_resources
from .driver import DriverError
from .layout import HEAD_NAME
from .protocol import CommandError
from .serve_view import RayView
from .state import CommandArea

_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float) -> tuple[int | None, str]:
    """The status (None when there is no answer) and the first 200 bytes of GET `url`,
    without any proxy."""
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as r:
            return r.status, r.read(200).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(200).decode(errors="replace")
    except Exception as e:  # timeouts, refused connections
        return None, f"{type(e).__name__}: {e}"


def app_not_ready(view: RayView, num_replicas: int) -> str | None:
    """Why the application of `view` is not ready with `num_replicas` RUNNING replicas, or
    None when it is."""
    app = view["app"]
    running = [r for r in view["replicas"] if r["state"] == "RUNNING"]
    if app is None or app["status"] != "RUNNING" or len(running) != num_replicas:
        return (
            f"app {app['status'] if app else None}, {len(running)}/{num_replicas} replicas RUNNING"
        )
    return None


def answered(p: proto.ProxyInfo, status: int | None, body: str) -> proto.ProxyAnswer:
    """Proxy `p` with the answer of its HTTP GET /."""
    return {**p, "http_status": status, "body": body}


class ServeCommands(CommandArea):
    """deploy, undeploy and wait_ready."""

    def cmd_undeploy(self, a: proto.UndeployArgs) -> proto.UndeployReply:
        """serve.delete of the application (used to redeploy until replicas are spread)."""
        self.run.require_init()
        t0 = time.monotonic()
        self.run.driver.call("undeploy", dataclasses.asdict(a), timeout=60)
        return {"app_name": a.app_name, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_deploy(self, a: proto.DeployArgs) -> proto.DeployReply:
        """deploy."""
        s = self.run
        s.require_init()
        if a.num_replicas < 0 or a.max_ongoing_requests < 1:
            raise CommandError("num_replicas must be >= 0 and max_ongoing_requests >= 1")
        check_resources(a.num_gpus, a.memory, a.resources)
        if HEAD_NAME not in s.pods:
            raise CommandError("no head pod: start_head first")
        t0 = time.monotonic()
        s.driver.call(
            "deploy",
            {
                **dataclasses.asdict(a),
                "flags_dir": os.path.join(s.run_dir, "flags"),
                "http_host": s.lay.proxy_host,
                "http_port": s.pods[HEAD_NAME].proxy_port,
            },
            timeout=60,
        )
        return {
            "app_name": a.app_name,
            "route_prefix": a.route_prefix,
            "submitted": True,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_wait_ready(self, a: proto.WaitReadyArgs) -> proto.WaitReadyReply:
        """wait_ready."""
        self.run.require_init()
        t0 = time.monotonic()
        deadline = t0 + a.timeout_s
        last = "nothing observed yet"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandError(f"not ready after {a.timeout_s:.1f} s: {last}")
            try:
                view = self.run.snapshot(2.0, min(max(left, 0.5), 10))
            except DriverError as e:
                last = str(e)
                time.sleep(0.5)
                continue
            why = app_not_ready(view, a.num_replicas)
            if why is not None:
                last = why
                time.sleep(0.5)
                continue
            healthy = [p for p in view["proxies"] if p["status"] == "HEALTHY"]
            answers = []
            all_ok = bool(healthy)
            for p in healthy:
                url = p["url"].rstrip("/") + a.route_prefix if p["url"] else None
                status, body = http_get(url, timeout=2.0) if url else (None, "no url")
                answers.append(answered(p, status, body))
                all_ok = all_ok and status == 200
            if not all_ok:
                last = (
                    f"proxies not all answering: {[(x['pod'], x['http_status']) for x in answers]}"
                )
                time.sleep(0.5)
                continue
            return {
                "elapsed_s": round(time.monotonic() - t0, 3),
                "replicas": view["replicas"],
                "proxies": answers,
            }
