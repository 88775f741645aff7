#!/usr/bin/env python3
"""Smoke test of ftsim_ray_helper.py over its JSON-lines protocol.

Brings up a real local cluster (Redis, GCS-FT head, two worker pods), deploys
SleepyPid with 6 replicas, checks that a proxy answers, kills a replica and a
worker pod, observes, shuts down, and asserts that no process of the run is left,
no port of the layout is still bound, and the Redis password never showed up on
stdout, stderr, any argv or any file of the run.

    python3 src/live/python/smoke_test.py [--base-port 20000] [--head-restart] [--keep]

Needs scripts/setup-live.sh to have run (uses FTSIM_LIVE_VENV or <repo>/.venv-live).
Only the standard library is used here; the helper runs under the venv's Python.
Takes about 2 minutes on 2 cores. Exit status 0 on success.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
HELPER = os.path.join(HERE, "ftsim_ray_helper.py")


def say(msg: str) -> None:
    print(f"[smoke {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class HelperClient:
    """Runs the helper and talks to it; records every stdout line and stderr."""

    def __init__(self, python: str, stderr_path: str):
        self.stderr_file = open(stderr_path, "wb")
        self.proc = subprocess.Popen([python, HELPER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr_file)
        self.next_id = 1
        self.stdout_lines: list[str] = []

    def call(self, cmd: str, timeout: float = 300, **args) -> dict:
        rid = self.next_id
        self.next_id += 1
        t0 = time.monotonic()
        self.proc.stdin.write((json.dumps({"id": rid, "cmd": cmd, **args}) + "\n").encode())
        self.proc.stdin.flush()
        result: list = []

        def read():
            result.append(self.proc.stdout.readline())
        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout)
        if not result:
            raise AssertionError(f"{cmd}: no response within {timeout} s")
        line = result[0].decode()
        if not line:
            raise AssertionError(f"{cmd}: helper closed stdout (exit {self.proc.poll()})")
        self.stdout_lines.append(line)
        msg = json.loads(line)  # every stdout line must be one JSON object
        assert msg["id"] == rid, f"response id {msg['id']} != request id {rid}"
        msg["_wall_s"] = round(time.monotonic() - t0, 3)
        return msg

    def ok(self, cmd: str, timeout: float = 300, **args) -> dict:
        msg = self.call(cmd, timeout=timeout, **args)
        if not msg["ok"]:
            raise AssertionError(f"{cmd} failed: {msg['error']}")
        return msg["result"]


def pids_alive(pids) -> list[int]:
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state not in ("Z", "X"):
                out.append(pid)
        except OSError:
            pass
    return out


def procs_mentioning(text: str) -> list[tuple[int, str]]:
    """Processes whose argv mentions text (a check, never used to kill)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in argv:
            out.append((int(name), argv[:150]))
    return out


def listening_ports() -> set[int]:
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "0A":
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def files_containing(root: str, needle: bytes, skip: set[str]) -> list[str]:
    hits = []
    for dirpath, _dirs, files in os.walk(root, followlinks=True):
        for fn in files:
            path = os.path.join(dirpath, fn)
            if path in skip or os.path.islink(path):
                continue
            try:
                with open(path, "rb") as f:
                    if needle in f.read():
                        hits.append(path)
            except OSError:
                pass
    return hits


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-port", type=int, default=int(os.environ.get("FTSIM_SMOKE_BASE_PORT", 20000)))
    ap.add_argument("--constructor-s", type=float, default=10.0)
    ap.add_argument("--head-restart", action="store_true",
                    help="also kill the head and start it again on the same Redis (GCS FT)")
    ap.add_argument("--keep", action="store_true", help="keep the run dir and logs")
    args = ap.parse_args()

    venv = os.environ.get("FTSIM_LIVE_VENV", os.path.join(REPO, ".venv-live"))
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        say(f"no virtualenv at {venv}: run scripts/setup-live.sh first")
        return 2
    if not shutil.which("redis-server"):
        say("redis-server not found: run scripts/setup-live.sh first")
        return 2

    run_dir = tempfile.mkdtemp(prefix="ftsim-smoke-", dir="/tmp")
    password = "pw-" + secrets.token_hex(12)
    stderr_path = os.path.join(tempfile.gettempdir(), f"ftsim-smoke-helper-{os.getpid()}.stderr")
    helper = HelperClient(python, stderr_path)
    facts: dict[str, float] = {}
    seen_pids: set[int] = set()
    base = args.base_port
    failures: list[str] = []

    def check(cond: bool, what: str) -> None:
        if cond:
            say(f"ok: {what}")
        else:
            say(f"FAIL: {what}")
            failures.append(what)

    try:
        r = helper.ok("ping")
        say(f"helper pid {r['pid']}, ray {r['ray_version']}")
        seen_pids.add(r["pid"])
        bad = helper.call("start_head", gcs_ft=True)
        check(not bad["ok"] and "init" in bad["error"], "commands before init are refused")

        init = helper.ok("init", run_dir=run_dir, base_port=base, redis_password=password,
                         namespace="ftsim-smoke")
        say(f"layout {init['layout']['range']}, gcs {init['gcs_address']}")
        lo, hi = init["layout"]["range"]

        r = helper.ok("start_redis")
        seen_pids.add(r["pid"])
        facts["start_redis_s"] = r["elapsed_s"]

        head = helper.ok("start_head", gcs_ft=True, num_cpus=2)
        seen_pids.add(head["pid"])
        facts["start_head_s"] = head["elapsed_s"]
        say(f"head pid {head['pid']} ip {head['node_ip']} proxy {head['proxy_url']} "
            f"in {head['elapsed_s']} s")

        workers = {}
        for name in ("w1", "w2"):
            w = helper.ok("start_worker", name=name, gcs_ft=True, num_cpus=2)
            seen_pids.add(w["pid"])
            workers[name] = w
            facts[f"start_{name}_s"] = w["elapsed_s"]
            say(f"{name} pid {w['pid']} ip {w['node_ip']} proxy {w['proxy_url']} "
                f"in {w['elapsed_s']} s")

        # The password must not be on any command line while everything runs.
        check(not procs_mentioning(password), "password appears in no process argv")

        t_deploy = time.monotonic()
        r = helper.ok("deploy", num_replicas=6, constructor_s=args.constructor_s,
                      health_check_period_s=2.0, health_check_timeout_s=5.0,
                      max_ongoing_requests=5, max_replicas_per_node=2,
                      proxy_location="EveryNode")
        facts["deploy_submit_s"] = r["elapsed_s"]
        ready = helper.ok("wait_ready", timeout_s=240.0, num_replicas=6, timeout=300)
        facts["deploy_until_ready_s"] = round(time.monotonic() - t_deploy, 3)
        say(f"ready after {facts['deploy_until_ready_s']} s: "
            f"{[(x['pod'], x['replica_id'], x['pid']) for x in ready['replicas']]}")
        for x in ready["replicas"]:
            seen_pids.add(x["pid"])
        check(len(ready["replicas"]) == 6, "6 replicas RUNNING")
        by_pod: dict[str, int] = {}
        for x in ready["replicas"]:
            by_pod[x["pod"]] = by_pod.get(x["pod"], 0) + 1
        check(by_pod == {"head": 2, "w1": 2, "w2": 2}, f"replicas 2/2/2 over the pods: {by_pod}")
        check(sorted(p["pod"] for p in ready["proxies"]) == ["head", "w1", "w2"],
              "a proxy on every pod, each answering 200")

        # curl a worker's proxy, as the guide does through its port-forward.
        url = workers["w1"]["proxy_url"]
        if shutil.which("curl"):
            out = subprocess.run(["curl", "-sS", "-m", "5", "--noproxy", "*", url],
                                 capture_output=True, text=True)
            body = out.stdout.strip()
        else:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            body = opener.open(url, timeout=5).read().decode().strip()
        w1_pids = {x["pid"] for x in ready["replicas"] if x["pod"] == "w1"}
        check(body.isdigit() and int(body) in w1_pids,
              f"curl {url} -> {body} (a PID of a w1 replica: local routing)")

        obs = helper.ok("observe")
        facts["observe_healthy_s"] = obs["elapsed_s"]
        check(obs["ray_view"]["available"] and obs["controller"]["actor_state"] == "ALIVE"
              and obs["redis"]["answering"] and obs["gcs"]["port_open"],
              f"observe sees controller, GCS and Redis up ({obs['elapsed_s']} s)")
        check(all(p["node_state"] == "ALIVE" and p["process"] == "running" for p in obs["pods"]),
              "all three pods running with ALIVE nodes")

        # Kill one replica on w2 and watch the controller replace it.
        kr = helper.ok("kill_replica", replica=None, pod="w2")
        say(f"killed replica {kr['replica']} on {kr['pod']} (pid {kr['pid']})")
        t_kill = time.monotonic()
        seen_dead = None
        replaced = None
        while time.monotonic() - t_kill < 90:
            obs = helper.ok("observe")
            mine = [x for x in obs["replicas"] if x["replica_id"] == kr["replica"]]
            if seen_dead is None and (not mine or mine[0]["state"] != "RUNNING"
                                      or mine[0]["actor_state"] != "ALIVE"):
                seen_dead = round(time.monotonic() - t_kill, 3)
            running = [x for x in obs["replicas"] if x["state"] == "RUNNING"]
            if seen_dead is not None and len(running) == 6 and \
                    all(x["replica_id"] != kr["replica"] for x in running):
                replaced = round(time.monotonic() - t_kill, 3)
                for x in running:
                    seen_pids.add(x["pid"])
                break
            time.sleep(0.5)
        facts["replica_kill_visible_s"] = seen_dead
        facts["replica_replaced_s"] = replaced
        check(seen_dead is not None, f"killed replica leaves RUNNING in observe after {seen_dead} s")
        check(replaced is not None, f"6 RUNNING replicas again after {replaced} s")

        # Kill worker pod w2 (SIGKILL of its whole tree).
        kp = helper.ok("kill_pod", name="w2")
        say(f"kill_pod w2: {len(kp['killed'])} processes in {kp['elapsed_s']} s: "
            f"{sorted(set(k['comm'] for k in kp['killed']))}")
        seen_pids.update(k["pid"] for k in kp["killed"])
        check(not pids_alive(k["pid"] for k in kp["killed"]), "every process of w2 is gone")
        t_pod = time.monotonic()
        node_dead = None
        while time.monotonic() - t_pod < 90:
            obs = helper.ok("observe")
            w2 = [p for p in obs["pods"] if p["name"] == "w2"][0]
            if w2["node_state"] == "DEAD" and node_dead is None:
                node_dead = round(time.monotonic() - t_pod, 3)
            running = [x for x in obs["replicas"] if x["state"] == "RUNNING"]
            if node_dead is not None and len(running) == 4:
                break
            time.sleep(0.5)
        facts["worker_node_dead_visible_s"] = node_dead
        facts["replicas_4_running_after_pod_kill_s"] = round(time.monotonic() - t_pod, 3)
        check(w2["process"] == "killed" and w2["live_processes"] == 0, "observe: w2 killed, nothing left")
        check(node_dead is not None, f"GCS marks w2's node DEAD after {node_dead} s")
        check(len(running) == 4 and all(x["pod"] != "w2" for x in running),
              "4 replicas RUNNING on head and w1 (max 2 per node)")
        say(f"replicas after pod loss: {[(x['pod'], x['state']) for x in obs['replicas']]}")

        # Recreate the pod (KubeRay's part): a new incarnation, new IP and ports.
        w = helper.ok("start_worker", name="w2", gcs_ft=True, num_cpus=2)
        seen_pids.add(w["pid"])
        facts["recreate_w2_s"] = w["elapsed_s"]
        say(f"w2 recreated: incarnation {w['incarnation']} ip {w['node_ip']} in {w['elapsed_s']} s")
        t_re = time.monotonic()
        ready = helper.ok("wait_ready", timeout_s=180.0, num_replicas=6, timeout=240)
        facts["recreated_w2_until_6_ready_s"] = round(time.monotonic() - t_re, 3)
        by_pod = {}
        for x in ready["replicas"]:
            by_pod[x["pod"]] = by_pod.get(x["pod"], 0) + 1
            seen_pids.add(x["pid"])
        check(by_pod == {"head": 2, "w1": 2, "w2": 2},
              f"6 RUNNING again after recreating w2 ({facts['recreated_w2_until_6_ready_s']} s): {by_pod}")

        if args.head_restart:
            head_restart(helper, facts, seen_pids, check)

        # Nothing written to run_dir may contain the password except Redis' own config.
        hits = files_containing(run_dir, password.encode(),
                                skip={os.path.join(run_dir, "redis", "redis.conf")})
        check(not hits, f"password in no file of the run dir {hits[:5]}")
        conf_mode = os.stat(os.path.join(run_dir, "redis", "redis.conf")).st_mode & 0o777
        check(conf_mode == 0o600, f"redis.conf mode {oct(conf_mode)}")

        sd = helper.ok("shutdown", keep_logs=args.keep, timeout=120)
        say(f"shutdown: killed {len(sd['killed'])} processes in {sd['elapsed_s']} s")
        seen_pids.update(k["pid"] for k in sd["killed"])
        check(not sd["leftover_pids"] and not sd["ports_still_bound"], "shutdown reports a clean state")
        rc = helper.proc.wait(timeout=30)
        check(rc == 0, f"helper exited with {rc}")
    except AssertionError as e:
        failures.append(str(e))
        say(f"FAIL: {e}")
    finally:
        if helper.proc.poll() is None:
            say("closing the helper's stdin (teardown on EOF)")
            helper.proc.stdin.close()
            try:
                helper.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                helper.proc.kill()  # our own child, by PID
        helper.stderr_file.close()

    time.sleep(0.5)
    left = pids_alive(seen_pids)
    check(not left, f"no process of the run is alive (checked {len(seen_pids)} PIDs): {left}")
    left_argv = procs_mentioning(run_dir) + procs_mentioning(HELPER)
    check(not left_argv, f"no process mentions the run dir or helper in its argv: {left_argv}")
    bound = sorted(p for p in listening_ports() if base <= p < base + 4100)
    check(not bound, f"no port of the layout {base}-{base + 4099} is bound: {bound}")
    with open(stderr_path, "rb") as f:
        err = f.read()
    check(password.encode() not in err, "password not in the helper's stderr")
    check(all(password not in line for line in helper.stdout_lines), "password not on stdout")
    if not args.keep:
        check(not os.path.exists(os.path.join(run_dir, "ray")), "run dir cleaned up")
        shutil.rmtree(run_dir, ignore_errors=True)
        os.unlink(stderr_path)
    else:
        say(f"kept {run_dir} and {stderr_path}")

    say("measured: " + json.dumps(facts))
    if failures:
        say(f"{len(failures)} check(s) failed: " + "; ".join(failures))
    print(f"smoke: {0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


def head_restart(helper: HelperClient, facts: dict, seen_pids: set, check) -> None:
    """GCS FT: kill the head, observe while the GCS is down, start it again."""
    kp = helper.ok("kill_pod", name="head")
    seen_pids.update(k["pid"] for k in kp["killed"])
    t0 = time.monotonic()
    durations = []
    for _ in range(4):
        obs = helper.ok("observe", timeout=10)
        durations.append(obs["elapsed_s"])
        time.sleep(0.5)
    facts["observe_gcs_down_max_s"] = max(durations)
    check(not obs["gcs"]["port_open"] and not obs["ray_view"]["available"],
          f"observe while the GCS is down answers in <= {max(durations)} s")
    # Worker proxies keep serving with what they have while the head is down.
    w1 = [p for p in obs["pods"] if p["name"] == "w1"][0]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        body = opener.open(f"http://127.0.0.2:{w1['proxy_port']}/", timeout=5).read().decode()
    except Exception as e:  # noqa: BLE001
        body = repr(e)
    check(body.strip().isdigit(), f"w1's proxy answers while the head is down: {body.strip()[:80]}")
    head = helper.ok("start_head", gcs_ft=True, num_cpus=2)
    seen_pids.add(head["pid"])
    facts["restart_head_s"] = head["elapsed_s"]
    t1 = time.monotonic()
    w1_alive = None
    while time.monotonic() - t1 < 180:
        obs = helper.ok("observe", timeout=10)
        w1 = [p for p in obs["pods"] if p["name"] == "w1"][0]
        if w1["node_state"] == "ALIVE" and w1_alive is None:
            w1_alive = round(time.monotonic() - t1, 3)
        running = [x for x in obs["replicas"] if x["state"] == "RUNNING"]
        if obs["controller"]["answering"] and len(running) == 6:
            break
        time.sleep(1)
    facts["head_restart_w1_alive_s"] = w1_alive
    facts["head_restart_6_running_s"] = round(time.monotonic() - t1, 3)
    check(len(running) == 6, f"6 replicas RUNNING {facts['head_restart_6_running_s']} s after "
                             f"the head restart (w1 ALIVE after {w1_alive} s)")
    for x in running:
        seen_pids.add(x["pid"])
    say(f"after head restart: {[(x['pod'], x['state']) for x in obs['replicas']]}; "
        f"{round(time.monotonic() - t0, 1)} s since the head was killed")


if __name__ == "__main__":
    sys.exit(main())
