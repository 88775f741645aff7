"""The pods: start_head and start_worker (a `ray start --block` on its own slot), kill_pod,
freeze_pod, terminate_pod and kill_gcs. The command lines and environments of `ray start` are in
pod_launch."""

from __future__ import annotations

import os
import signal
import time
from typing import Literal

from . import netns
from . import protocol as proto
from .checking import check_resources
from .layout import HEAD_NAME, MAX_SLOTS, NAME_RE
from .logs import log
from .pod_launch import needed_ports, pod_env, ray_start_argv
from .pods import Pod
from .procs import kill_pid, port_in_use, spawn
from .protocol import CommandError
from .state import CommandArea

RAY_STARTED_MARKER = "Ray runtime started"
"""What `ray start` prints once its node runs."""


ENV_PREFIXES = ("RAY_", "FTSIM_", "LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_")
"""Names the extra environment may set: Ray's, ftsim's, and Serve's long-poll bounds (which
have no RAY_ prefix)."""


def check_pod_args(a: proto.StartHeadArgs) -> None:
    """CommandError unless the extra environment sets only variables named by ENV_PREFIXES and
    the resources are sane."""
    for k in a.env:
        if not k.startswith(ENV_PREFIXES):
            raise CommandError(
                "env: only string values for RAY_* / FTSIM_* /"
                f" LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_* variables are accepted (got {k!r})"
            )
    if a.num_cpus < 0 or a.object_store_mb < 80:
        raise CommandError("num_cpus must be >= 0 and object_store_mb >= 80")
    check_resources(a.num_gpus, a.memory, a.resources)


def read_from(path: str, offset: int) -> str:
    """The text of file `path` from byte `offset` on ("" when unreadable)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""


class PodCommands(CommandArea):
    """start_head, start_worker, kill_pod, freeze_pod, terminate_pod and kill_gcs."""

    def cmd_start_head(
        self, a: proto.StartHeadArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        """start_head."""
        check_pod_args(a)
        self.run.require_init()
        return self._start_pod(HEAD_NAME, 0, a)

    def cmd_start_worker(
        self, a: proto.StartWorkerArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        """start_worker."""
        check_pod_args(a)
        self.run.require_init()
        name = a.name
        if not NAME_RE.match(name) or name == HEAD_NAME:
            raise CommandError("name: expected [A-Za-z0-9_.-]{1,40} and not 'head'")
        if self.run.next_slot > MAX_SLOTS - 1:
            raise CommandError(f"out of pod slots (max {MAX_SLOTS - 1} worker pod starts per run)")
        return self._start_pod(name, self.run.next_slot, a)

    def _retire(self, name: str) -> None:
        """Moves the earlier incarnation of pod `name` (if any) to the past pods, killing
        its leftovers; CommandError while it still runs."""
        s = self.run
        old = s.pods.get(name)
        if old is None:
            return
        state, _ = old.process_state()
        if state == "running":
            raise CommandError(
                f"pod {name!r} is already running (pid {old.proc.pid}); kill_pod it first"
            )
        if old.child and old.proc.live_pids():
            log(f"pod {name}: killing leftovers of the previous incarnation")
            old.proc.kill_tree()
        s.past_pods.append(old)
        del s.pods[name]

    def _start_pod(
        self, name: str, slot: int, a: proto.StartHeadArgs
    ) -> proto.PodStartedReply | proto.PodExitedReply:
        s = self.run
        self._retire(name)
        L = s.lay
        busy = [p for p in needed_ports(L, slot) if port_in_use(p)]
        if busy:
            raise CommandError(f"pod {name}: port(s) {busy} already in use")
        if a.gcs_ft and slot == 0 and not s.redis_running():
            log("warning: starting a GCS-FT head while redis is not running")
        incarnation = s.incarnations.get(name, 0) + 1
        temp_dir = os.path.join(s.ray_temp_root, f"s{slot}")
        os.makedirs(temp_dir, exist_ok=True)
        stale = os.path.join(temp_dir, "ray_current_cluster")
        if os.path.exists(stale):
            os.unlink(stale)
        log_path = os.path.join(s.run_dir, "logs", f"{name}-s{slot}.log")
        role: Literal["head", "worker"] = "head" if slot == 0 else "worker"
        pod = Pod(name, role, slot, incarnation, L, temp_dir, log_path, a.gcs_ft)
        env = pod_env(s.base_env(), pod, L, a, s.namespace, s.password)
        if L.pod_netns:
            env[netns.POD_NETWORK_ENV] = f"{pod.ip} {os.getpid()}"
        argv = ray_start_argv(pod, L, a)
        if slot == 0:
            # A new head: the driver attached to the old one is stale.
            s.driver.kill()
        t0 = time.monotonic()
        with open(log_path, "ab") as f:
            f.write(
                f"\n==== ftsim: starting {name} incarnation {incarnation} slot {slot} "
                f"at {time.strftime('%Y-%m-%d %H:%M:%S')} ====\n".encode()
            )
        log_offset = os.path.getsize(log_path)
        pod.child = spawn(name, argv, env, log_path, s.run_dir)
        s.pods[name] = pod
        s.incarnations[name] = incarnation
        if slot > 0:
            s.next_slot = slot + 1
        s.save_state()
        log(f"starting pod {name} (slot {slot}, ip {pod.ip}, pid {pod.proc.pid})")
        deadline = t0 + a.timeout_s
        while True:
            pod.proc.scan()
            text = read_from(log_path, log_offset)
            if RAY_STARTED_MARKER in text:
                break
            rc = pod.proc.exit_code()
            if rc is not None or time.monotonic() > deadline:
                why = (
                    f"exited with {rc}"
                    if rc is not None
                    else f"not started within {a.timeout_s:.0f} s"
                )
                pod.proc.kill_tree()
                s.save_state()
                if rc is not None and a.exit_ok:
                    log(f"pod {name}: ray start {why}")
                    return {
                        "pod": name,
                        "started": False,
                        "exit_code": rc,
                        "elapsed_s": round(time.monotonic() - t0, 3),
                    }
                tail = "\n".join(text.strip().splitlines()[-15:])
                raise CommandError(f"pod {name}: ray start {why}; log {log_path}; tail:\n{tail}")
            time.sleep(0.1)
        pod.proc.scan()
        s.save_state()
        elapsed = time.monotonic() - t0
        log(f"pod {name} started in {elapsed:.1f} s")
        return pod.started(f"{L.head_ip}:{L.gcs}", round(elapsed, 3))

    def _named_pod(self, a: proto.PodArgs) -> Pod:
        """The started pod that `a` names."""
        self.run.require_init()
        pod = self.run.pods.get(a.name)
        if pod is None or pod.child is None:
            raise CommandError(f"no pod named {a.name!r}")
        return pod

    def cmd_kill_pod(self, a: proto.PodArgs) -> proto.KillPodReply:
        """kill_pod."""
        pod = self._named_pod(a)
        t0 = time.monotonic()
        killed = pod.proc.kill_tree()
        if pod.role == "head":
            self.run.driver.kill()
        self.run.save_state()
        log(f"pod {pod.name} killed: {len(killed)} processes")
        return {"pod": pod.name, "killed": killed, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_kill_gcs(self, a: proto.KillGcsArgs) -> proto.KillGcsReply:
        """SIGKILL of the head's gcs_server, found among the head pod's recorded processes."""
        head = self._named_pod(proto.PodArgs(name=HEAD_NAME))
        t0 = time.monotonic()
        head.proc.scan()
        gcs = [pid for pid in head.proc.live_pids() if head.proc.tracked[pid][1] == "gcs_server"]
        if len(gcs) != 1:
            raise CommandError(f"head: expected one live gcs_server process, found {len(gcs)}")
        if not kill_pid(gcs[0], head.proc.tracked[gcs[0]][0]):
            raise CommandError(f"head: gcs_server (pid {gcs[0]}) exited before the kill")
        log(f"pod {HEAD_NAME}: gcs_server (pid {gcs[0]}) killed")
        return {"pod": HEAD_NAME, "pid": gcs[0], "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_freeze_pod(self, a: proto.PodArgs) -> proto.FreezePodReply:
        """freeze_pod."""
        pod = self._named_pod(a)
        t0 = time.monotonic()
        frozen = pod.proc.stop_tree()
        pod.frozen = True
        self.run.save_state()
        log(f"pod {pod.name} frozen: {len(frozen)} processes")
        return {"pod": pod.name, "frozen": frozen, "elapsed_s": round(time.monotonic() - t0, 3)}

    def cmd_terminate_pod(self, a: proto.PodArgs) -> proto.TerminatePodReply:
        """SIGTERM to the pod's `ray start --block` (what the kubelet sends on pod deletion):
        Ray 2.60 drains the node, then stops its processes. Returns at once; the pod shows
        "exited" in observe when done, and kill_pod removes leftovers."""
        pod = self._named_pod(a)
        if pod.proc.exit_code() is not None:
            return {"pod": pod.name, "signalled": False}
        kill_pid(pod.proc.pid, pod.proc.starttime, signal.SIGTERM)
        log(f"pod {pod.name}: SIGTERM sent to ray start (pid {pod.proc.pid})")
        return {"pod": pod.name, "signalled": True, "pid": pod.proc.pid}
