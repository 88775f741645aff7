"""Per-pod networks (netns.py): the addresses a run with pod_netns uses, and, as root, a real
cut between two pod networks that the bridge's side still reaches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ftsim_helper import layout, netns
from ftsim_helper.redis_cmds import redis_conf_lines


def test_without_pod_networks_every_address_stays_on_loopback() -> None:
    L = layout.Layout(20000)
    assert (L.head_ip, L.slot_ip(2), L.proxy_host, L.redis_host) == (
        "127.0.0.2",
        "127.0.0.4",
        "127.0.0.2",
        "127.0.0.1",
    )
    assert L.proxy_url(1) == "http://127.0.0.2:20210/"


def test_with_pod_networks_each_pod_has_its_own_address_and_proxy() -> None:
    L = layout.Layout(20000, pod_netns=True)
    assert (L.head_ip, L.slot_ip(2), L.proxy_host, L.redis_host) == (
        "10.77.0.2",
        "10.77.0.4",
        "0.0.0.0",
        netns.BRIDGE_IP,
    )
    assert L.proxy_url(1) == "http://10.77.0.3:20210/"
    assert L.describe()["slot_ip"] == "10.77.0.(2 + slot)"


def test_redis_also_binds_the_bridge_for_pod_networks() -> None:
    assert redis_conf_lines(20000, "/r", "/l", None, netns.BRIDGE_IP)[1] == (
        f"bind 127.0.0.1 {netns.BRIDGE_IP}"
    )


SCRIPT = textwrap.dedent(
    """
    import os, socket, subprocess, sys, time
    from ftsim_helper import netns

    netns.ip("link", "set", "lo", "up")
    netns.make_bridge()
    r, w = os.pipe()
    pods = []
    for addr in ("10.77.0.2", "10.77.0.3"):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            netns.join_pod_network(addr, os.getppid())
            s = socket.socket()
            s.bind((addr, 7000))
            s.listen(16)
            os.write(w, b"x")
            while True:
                c, _ = s.accept()
                c.close()
        pods.append(pid)
    os.close(w)
    assert os.read(r, 1) and os.read(r, 1)

    def reaches(at, addr):
        # connect() from the network of process `at` (None: the bridge's side).
        code = "import socket; socket.create_connection((%r, 7000), timeout=0.5)" % addr
        argv = [sys.executable, "-c", code]
        if at is not None:
            argv = ["nsenter", "--net=/proc/%d/ns/net" % at] + argv
        return subprocess.run(argv, capture_output=True).returncode == 0

    def view():
        return (reaches(pods[0], "10.77.0.3"), reaches(pods[1], "10.77.0.2"),
                reaches(None, "10.77.0.2"), reaches(None, "10.77.0.3"))

    before = view()
    netns.set_cut(pods[0], "10.77.0.3", True)
    netns.set_cut(pods[1], "10.77.0.2", True)
    cut = view()
    netns.set_cut(pods[0], "10.77.0.3", False)
    netns.set_cut(pods[1], "10.77.0.2", False)
    healed = view()
    for pid in pods:
        os.kill(pid, 9)
    print(before, cut, healed)
    """
)


@pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")),
    reason="needs root, unshare and ip (iproute2)",
)
def test_a_cut_black_holes_two_pods_from_each_other_while_the_bridge_reaches_both() -> None:
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(netns.__file__)))
    # In a throwaway network namespace: the bridge and the pods' networks vanish with it.
    r = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", SCRIPT],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    # Each view: pod 1 -> pod 2, pod 2 -> pod 1, bridge -> pod 1, bridge -> pod 2.
    assert r.stdout.split() == [
        "(True,",
        "True,",
        "True,",
        "True)",
        "(False,",
        "False,",
        "True,",
        "True)",
        "(True,",
        "True,",
        "True,",
        "True)",
    ]
