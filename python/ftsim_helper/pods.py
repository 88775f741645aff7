"""A pod: one incarnation of a `ray start` process tree on its own slot (loopback address
and port block), as KubeRay would run it in a Kubernetes pod."""

from __future__ import annotations

import time
from typing import Literal

from .layout import Layout
from .procs import Child
from .protocol import CommandError, PodStartedReply, ProcessState


class Pod:
    """One pod incarnation: its slot, addresses and process tree."""

    def __init__(
        self,
        name: str,
        role: Literal["head", "worker"],
        slot: int,
        incarnation: int,
        layout: Layout,
        temp_dir: str,
        log_path: str,
        gcs_ft: bool,
    ):
        self.name, self.role, self.slot, self.incarnation = name, role, slot, incarnation
        self.ip = layout.slot_ip(slot)
        self.ports = layout.slot_ports(slot)
        self.url = layout.proxy_url(slot)
        self.temp_dir, self.log_path, self.gcs_ft = temp_dir, log_path, gcs_ft
        self.child: Child | None = None
        self.frozen = False
        self.started_unix_s = time.time()

    @property
    def proxy_port(self) -> int:
        """The port of this pod's Serve HTTP proxy."""
        return self.ports["serve_http"]

    def proxy_url(self) -> str:
        """The URL of this pod's Serve proxy."""
        return self.url

    @property
    def proc(self) -> Child:
        """Its process tree (the pod has been started)."""
        if self.child is None:
            raise CommandError(f"pod {self.name!r} has not been started")
        return self.child

    def process_state(self) -> tuple[ProcessState, int | None]:
        """The state of its `ray start` and its exit status."""
        if self.child is None:
            return "absent", None
        rc = self.child.exit_code()
        if self.child.killed:
            return "killed", rc
        if self.frozen:
            return "frozen", rc
        if rc is None:
            return "running", None
        return "exited", rc

    def started(self, gcs_address: str, elapsed_s: float) -> PodStartedReply:
        """The result of a start_* that started this pod."""
        return {
            "pod": self.name,
            "pid": self.child.pid if self.child else None,
            "pgid": self.child.pid if self.child else None,
            "node_ip": self.ip,
            "proxy_port": self.proxy_port,
            "proxy_url": self.proxy_url(),
            "incarnation": self.incarnation,
            "slot": self.slot,
            "temp_dir": self.temp_dir,
            "log": self.log_path,
            "started": True,
            "gcs_address": gcs_address,
            "elapsed_s": elapsed_s,
        }
