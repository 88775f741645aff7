"""Where a run's listeners go: Redis, the GCS, and one block of ports and one loopback
address per pod slot.

Port layout (B = base_port; every listener Ray lets us place is inside
[B, B + 100 * (MAX_SLOTS + 1)), i.e. 4100 ports)
-----------------------------------------------------------------------
    B+0            Redis (127.0.0.1)
    B+1            GCS (head)
    slot s = 0 for the head, 1, 2, ... for worker pods in start order (a
    recreated pod takes a new slot); S = B + 100*(s+1); node IP 127.0.0.(2+s):
    S+0  node manager        S+1  object manager      S+2  metrics export
    S+3  dashboard agent     S+4  dashboard agent gRPC S+5 runtime env agent
    S+6  Ray client server (head)  S+7 dashboard (head; not started: off)
    S+8  dashboard metrics (head)  S+9 autoscaler metrics (head)
    S+10 Serve HTTP proxy    S+11 Serve gRPC proxy (not enabled)
    S+12 / S+13  Serve fallback proxy HTTP / gRPC (head, HAProxy mode only)
    S+40..S+99   Ray worker processes (--min/max-worker-port)
    e.g. B=20000: Redis 20000, GCS 20001, head 20100-20199 (proxy 20110),
    first worker 20200-20299 (proxy 20210), ... up to 24099.
Ray's defaults that this avoids: 6379, 8000, 8265, 9000, 10001, 10002-19999,
44217, 44227, 52365. Ray binds several of its listeners to all interfaces
whatever the node IP: GCS, node manager, object manager, agent gRPC ([::]),
metrics export, dashboard and autoscaler metrics (0.0.0.0); Redis, the Serve
proxies and the agents' HTTP ports stay on loopback, and every address Ray
advertises is a loopback one.
"""

from __future__ import annotations

import re

from . import netns
from .protocol import LayoutInfo

HEAD_IP = "127.0.0.2"
HEAD_NAME = "head"
PORT_BLOCK = 100
MAX_SLOTS = 40  # head + 39 worker pod incarnations
PORT_SPAN = PORT_BLOCK * (MAX_SLOTS + 1)
RAY_DEFAULT_PORTS = [
    (6379, 6379),
    (8000, 8000),
    (8265, 8265),
    (9000, 9000),
    (10001, 19999),
    (44217, 44217),
    (44227, 44227),
    (52365, 52365),
]
SLOT_OFFSETS = {
    "node_manager": 0,
    "object_manager": 1,
    "metrics_export": 2,
    "dashboard_agent_listen": 3,
    "dashboard_agent_grpc": 4,
    "runtime_env_agent": 5,
    "ray_client_server": 6,
    "dashboard": 7,
    "dashboard_metrics": 8,
    "autoscaler_metrics": 9,
    "serve_http": 10,
    "serve_grpc": 11,
    "serve_fallback_http": 12,
    "serve_fallback_grpc": 13,
    "min_worker": 40,
    "max_worker": 99,
}
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class Layout:
    """The ports of a run from its base port, and its addresses: loopback ones, or with
    `pod_netns` (a run that partitions pods) each pod's own network (netns.py)."""

    def __init__(self, base: int, pod_netns: bool = False):
        self.base = base
        self.redis = base
        self.gcs = base + 1
        self.pod_netns = pod_netns

    def slot_base(self, slot: int) -> int:
        return self.base + PORT_BLOCK * (slot + 1)

    def slot_ports(self, slot: int) -> dict[str, int]:
        b = self.slot_base(slot)
        return {k: b + off for k, off in SLOT_OFFSETS.items()}

    def slot_ip(self, slot: int) -> str:
        """The node IP of a pod on `slot`."""
        return f"{self.ip_prefix}{2 + slot}"

    @property
    def ip_prefix(self) -> str:
        """The node IPs' first three bytes, with the dot."""
        return netns.SUBNET_PREFIX if self.pod_netns else "127.0.0."

    @property
    def head_ip(self) -> str:
        """The head's node IP (the GCS's address)."""
        return self.slot_ip(0)

    @property
    def proxy_host(self) -> str:
        """Serve's http_options.host: the head IP (every proxy on its own port of it), or
        every address of each pod's own network."""
        return "0.0.0.0" if self.pod_netns else HEAD_IP

    def proxy_url(self, slot: int) -> str:
        """The URL of the Serve proxy of the pod on `slot`."""
        host = self.slot_ip(slot) if self.pod_netns else HEAD_IP
        return f"http://{host}:{self.slot_ports(slot)['serve_http']}/"

    @property
    def redis_host(self) -> str:
        """Where Ray finds Redis: loopback, or the bridge in front of the pods' networks."""
        return netns.BRIDGE_IP if self.pod_netns else "127.0.0.1"

    def describe(self) -> LayoutInfo:
        return {
            "redis": self.redis,
            "gcs": self.gcs,
            "port_block": PORT_BLOCK,
            "slot_base": f"base_port + {PORT_BLOCK} * (slot + 1)",
            "slot_ip": f"{self.ip_prefix}(2 + slot)",
            "slot_offsets": SLOT_OFFSETS,
            "max_slots": MAX_SLOTS,
            "range": [self.base, self.base + PORT_SPAN - 1],
        }


def check_base_port(base: int) -> None:
    """Raises ValueError unless the layout from `base` lies within 1024-32767 (below Linux's
    ephemeral port range) and clear of Ray's default ports."""
    lo, hi = base, base + PORT_SPAN - 1
    if lo < 1024 or hi > 32767:
        raise ValueError(
            f"base_port {base}: the layout needs ports {lo}-{hi}, which must lie within "
            "1024-32767 (below Linux's ephemeral port range); e.g. base_port 20000"
        )
    for a0, a1 in RAY_DEFAULT_PORTS:
        if lo <= a1 and a0 <= hi:
            raise ValueError(
                f"base_port {base}: range {lo}-{hi} overlaps Ray's default "
                f"port(s) {a0}-{a1}; e.g. base_port 20000"
            )
