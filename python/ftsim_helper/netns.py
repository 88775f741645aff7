"""Per-pod networks, for the runs that cut a pod off from the others (network_partition).

Inside live mode's private network namespace every pod's sockets would leave from loopback,
so nothing could single one pod out. For a run with a partition each pod gets a network
namespace of its own instead, created by its `ray start` wrapper (join_pod_network) before
Ray starts: loopback plus `eth0`, one end of a veth pair whose other end is plugged into the
bridge BRIDGE of the run's namespace, where the helper, Redis and the load generator stay
(BRIDGE_IP). A pod's namespace disappears with its last process, its veth pair with it; the
bridge disappears with the run's namespace.

A cut (set_cut) black-holes the traffic between two pods, as a firewall that drops packets
would: each pod's neighbour entry for the other's address is replaced by a MAC address no
interface has (BLACKHOLE_MAC), so the frames go nowhere, connections hang and time out, and
nothing is refused. The bridge's own address keeps reaching every pod, as the kubelet and the
load balancer keep reaching a cut-off node. No packet filter is needed (this machine has none).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import MutableMapping

SUBNET_PREFIX = "10.77.0."
"""Pod slot s gets SUBNET_PREFIX + (2 + s); the bridge .1."""
PREFIX_LEN = 24
BRIDGE = "ftsim0"
BRIDGE_IP = SUBNET_PREFIX + "1"
POD_IFACE = "eth0"
BLACKHOLE_MAC = "02:00:00:00:00:01"
"""A locally administered unicast MAC that no interface of the run has."""
CLONE_NEWNET = 0x40000000
POD_NETWORK_ENV = "FTSIM_POD_NETWORK"
"""The variable that tells a `ray start` wrapper to join the pod network: `IP HELPER_PID`."""


def ip(*args: str, netns_pid: int | None = None) -> None:
    """Runs `ip ARGS` (in the network namespace of process `netns_pid` if given); RuntimeError
    with ip's message when it fails."""
    argv = ["ip", *args]
    if netns_pid is not None:
        argv = ["nsenter", f"--net=/proc/{netns_pid}/ns/net", *argv]
    r = subprocess.run(argv, check=False, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip() or f'exit {r.returncode}'}")


def make_bridge() -> None:
    """Creates the run's bridge, with BRIDGE_IP, in this process's network namespace."""
    ip("link", "add", BRIDGE, "type", "bridge")
    ip("addr", "add", f"{BRIDGE_IP}/{PREFIX_LEN}", "dev", BRIDGE)
    ip("link", "set", BRIDGE, "up")


def _unshare_network() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")


def join_pod_network(address: str, helper_pid: int) -> None:
    """Moves this process into a new network namespace holding loopback and POD_IFACE with
    `address`, its veth peer plugged into the bridge of `helper_pid`'s namespace."""
    _unshare_network()
    ip("link", "set", "lo", "up")
    peer = f"ftv{os.getpid()}"
    ip("link", "add", POD_IFACE, "type", "veth", "peer", "name", peer, "netns", str(helper_pid))
    ip("addr", "add", f"{address}/{PREFIX_LEN}", "dev", POD_IFACE)
    ip("link", "set", POD_IFACE, "up")
    ip("link", "set", peer, "master", BRIDGE, "up", netns_pid=helper_pid)


def join_from_env(env: MutableMapping[str, str]) -> None:
    """join_pod_network when `env` (popped) says so."""
    spec = env.pop(POD_NETWORK_ENV, None)
    if spec:
        address, helper_pid = spec.split()
        join_pod_network(address, int(helper_pid))


def enter(pid: int) -> None:
    """Moves the calling thread (and the threads it starts afterwards) into process `pid`'s
    network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns to the network of process {pid}: {os.strerror(err)}")
    finally:
        os.close(fd)


def set_cut(pid: int, address: str, on: bool) -> None:
    """In process `pid`'s pod network, black-holes `address` (`on`) or lets the kernel find it
    again."""
    if on:
        ip(
            "neigh",
            "replace",
            address,
            "lladdr",
            BLACKHOLE_MAC,
            "dev",
            POD_IFACE,
            "nud",
            "permanent",
            netns_pid=pid,
        )
    else:
        ip("neigh", "del", address, "dev", POD_IFACE, netns_pid=pid)
