"""partition_pod: a pod cut off from the other pods and healed again, in the per-pod networks
of a run initialised with pod_netns (netns.py)."""

from __future__ import annotations

import time

from . import netns
from . import protocol as proto
from .logs import log
from .protocol import CommandError
from .state import CommandArea


class PartitionCommands(CommandArea):
    """partition_pod."""

    def cmd_partition_pod(self, a: proto.PartitionPodArgs) -> proto.PartitionPodReply:
        """partition_pod: black-holes the pod's address in every other running pod's network
        and theirs in its own (on), or lets through what an earlier cut black-holed (off)."""
        s = self.run
        if not s.lay.pod_netns:
            raise CommandError("partition_pod: the run was initialised without pod_netns")
        t0 = time.monotonic()
        peers = self._cut(a.name) if a.on else self._heal(a.name)
        log(f"pod {a.name}: {'cut off from' if a.on else 'reconnected to'} {peers}")
        return {"pod": a.name, "peers": peers, "elapsed_s": round(time.monotonic() - t0, 3)}

    def _running(self) -> dict[str, tuple[int, str]]:
        """(pid of `ray start`, node IP) of every pod whose `ray start` runs."""
        return {
            name: (pod.proc.pid, pod.ip)
            for name, pod in self.run.pods.items()
            if pod.process_state()[0] == "running"
        }

    def _cut(self, name: str) -> list[str]:
        s = self.run
        running = self._running()
        if name not in running:
            raise CommandError(f"partition_pod: pod {name!r} is not running")
        if name in s.cuts:
            raise CommandError(f"partition_pod: pod {name!r} is already cut off")
        pid, addr = running.pop(name)
        entries: list[tuple[int, str]] = []
        for peer_pid, peer_addr in running.values():
            for at, hidden in ((pid, peer_addr), (peer_pid, addr)):
                netns.set_cut(at, hidden, True)
                entries.append((at, hidden))
        s.cuts[name] = entries
        return sorted(running)

    def _heal(self, name: str) -> list[str]:
        """Removes the cut's neighbour entries from the networks that still exist (a pod that
        exited took its network, and the entries in it, along)."""
        entries = self.run.cuts.pop(name, None)
        if entries is None:
            raise CommandError(f"partition_pod: pod {name!r} is not cut off")
        running = self._running()
        alive = {pid for pid, _ in running.values()}
        for at, hidden in entries:
            if at in alive:
                netns.set_cut(at, hidden, False)
        return sorted(n for n in running if n != name)
