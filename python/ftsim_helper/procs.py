"""The processes the helper starts: each in its own session, recorded by PID and start
time (so a reused PID is never hit), found again through /proc, stopped and killed as a
tree; and the /proc and socket facts the helper observes (listening ports, open ports)."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from typing import IO

from .protocol import CommandError, ProcessRef

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def prctl(option: int, arg: int) -> None:
    """prctl(2), best effort (no error when it fails)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, arg, 0, 0, 0)
    except Exception:
        pass


def set_pdeathsig() -> None:
    """Die (SIGKILL) when the parent dies. Survives execve."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def helper_argv(*args: str) -> list[str]:
    """The command line that runs this package in `args`' mode (e.g. --driver) with the
    helper's Python (the package is found through PYTHONPATH, inherited)."""
    return [sys.executable, "-m", __package__ or "ftsim_helper", *args]


class ProcInfo:
    """One line of /proc/PID/stat: the fields the helper uses."""

    __slots__ = ("comm", "pgrp", "pid", "ppid", "sid", "starttime", "state")

    def __init__(
        self, pid: int, comm: str, state: str, ppid: int, pgrp: int, sid: int, starttime: int
    ):
        self.pid, self.comm, self.state = pid, comm, state
        self.ppid, self.pgrp, self.sid, self.starttime = ppid, pgrp, sid, starttime


def read_proc(pid: int) -> ProcInfo | None:
    """The process `pid` now, or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        lp, rp = data.index(b"("), data.rindex(b")")
        comm = data[lp + 1 : rp].decode(errors="replace")
        fields = data[rp + 2 :].split()
        return ProcInfo(
            pid,
            comm,
            fields[0].decode(),
            int(fields[1]),
            int(fields[2]),
            int(fields[3]),
            int(fields[19]),
        )
    except (ValueError, IndexError):
        return None


def all_procs() -> list[ProcInfo]:
    """Every process now."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_proc(int(name))
            if p is not None:
                out.append(p)
    return out


def is_live(pid: int, starttime: int) -> bool:
    """True if the process exists, is the one recorded (start time) and is no zombie."""
    p = read_proc(pid)
    return p is not None and p.starttime == starttime and p.state not in ("Z", "X")


def kill_pid(pid: int, starttime: int, sig: int = signal.SIGKILL) -> bool:
    """Signal `pid` if it is still the process recorded with `starttime`; True if sent."""
    if not is_live(pid, starttime):
        return False
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def listening_ports() -> set[int]:
    """Every TCP port some socket listens on (IPv4 and IPv6)."""
    ports: set[int] = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[3] == "0A":
                        ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def port_in_use(port: int) -> bool:
    """True when something listens on `port`."""
    return port in listening_ports()


def tcp_open(host: str, port: int, timeout: float = 0.25) -> bool:
    """True when a TCP connection to host:port succeeds within `timeout`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Child:
    """A process tree started by the helper in its own session."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes]):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        info = read_proc(popen.pid)
        self.starttime = info.starttime if info else -1
        self.tracked: dict[int, tuple[int, str]] = {
            self.pid: (self.starttime, info.comm if info else "?")
        }
        self.killed = False

    def exit_code(self) -> int | None:
        """The exit status of the session leader, None while it runs."""
        return self.popen.poll()

    def scan(self, procs: list[ProcInfo] | None = None) -> bool:
        """Record every process of our session and every descendant of a tracked PID.
        Returns True if a new process was recorded."""
        before = len(self.tracked)
        procs = procs if procs is not None else all_procs()
        by_ppid: dict[int, list[ProcInfo]] = {}
        for p in procs:
            by_ppid.setdefault(p.ppid, []).append(p)
            known = self.tracked.get(p.pid)
            if known is not None and known[0] == p.starttime:
                self.tracked[p.pid] = (p.starttime, p.comm)  # comm changes (ray::...)
            elif p.sid == self.pid and p.starttime >= self.starttime and known is None:
                self.tracked[p.pid] = (p.starttime, p.comm)
        frontier = [pid for pid, (st, _) in self.tracked.items() if is_live(pid, st)]
        while frontier:
            pid = frontier.pop()
            for c in by_ppid.get(pid, []):
                if c.pid not in self.tracked and c.starttime >= self.starttime:
                    self.tracked[c.pid] = (c.starttime, c.comm)
                    frontier.append(c.pid)
        return len(self.tracked) != before

    def live_pids(self) -> list[int]:
        """The recorded processes still alive."""
        return [pid for pid, (st, _) in self.tracked.items() if is_live(pid, st)]

    def stop_tree(self) -> list[ProcessRef]:
        """SIGSTOP everything, repeat until a scan finds no new process. Returns the stopped."""
        while True:
            self.scan()
            for pid in self.live_pids():
                kill_pid(pid, self.tracked[pid][0], signal.SIGSTOP)
            if not self.scan():  # a process forked before its parent stopped: stop it too
                break
        return [{"pid": p, "comm": self.tracked[p][1]} for p in sorted(self.live_pids())]

    def kill_tree(self, timeout: float = 15.0) -> list[ProcessRef]:
        """SIGKILL everything, repeat until nothing is left, reap. Returns victims."""
        killed: dict[int, str] = {}
        deadline = time.monotonic() + timeout
        while True:
            self.scan()
            live = self.live_pids()
            if not live:
                break
            for pid in live:  # all of them die: directly, or by PDEATHSIG of a parent
                killed[pid] = self.tracked[pid][1]
            for pid in live:
                kill_pid(pid, self.tracked[pid][0])
            if is_live(self.pid, self.starttime):
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            reap_children()
            if time.monotonic() > deadline:
                raise CommandError(f"{self.name}: processes survive SIGKILL: {self.live_pids()}")
            time.sleep(0.05)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        reap_children()
        self.killed = True
        return [{"pid": p, "comm": c} for p, c in sorted(killed.items())]


_OWN_POPEN_PIDS: set[int] = set()


def reap_children() -> None:
    """Reap zombies re-parented to us (we are a child subreaper), except Popen's own."""
    me = os.getpid()
    for p in all_procs():
        if p.ppid == me and p.state == "Z" and p.pid not in _OWN_POPEN_PIDS:
            try:
                os.waitpid(p.pid, os.WNOHANG)
            except ChildProcessError:
                pass


def spawn(
    name: str,
    argv: list[str],
    env: dict[str, str],
    log_path: str,
    cwd: str,
    stdin: int | IO[bytes] = subprocess.DEVNULL,
    stdout: int | IO[bytes] | None = None,
) -> Child:
    """Start `argv` in a new session, its output appended to `log_path` (stdout there too
    unless given)."""
    logf = open(log_path, "ab", buffering=0)
    try:
        popen = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=stdin,
            stdout=stdout if stdout is not None else logf,
            stderr=logf,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        logf.close()
    _OWN_POPEN_PIDS.add(popen.pid)
    return Child(name, popen)
