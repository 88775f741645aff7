"""The Redis of GCS fault tolerance: start_redis, stop_redis, restart_redis, and whether it
answers (observe)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from . import netns
from . import protocol as proto
from .logs import log
from .procs import helper_argv, port_in_use, spawn
from .protocol import CommandError
from .redis_client import RedisError, redis_command
from .state import CommandArea, RunState


def redis_conf_lines(
    port: int, redis_dir: str, logfile: str, password: str | None, also_bind: str | None = None
) -> list[str]:
    """The lines of redis.conf: loopback only (and `also_bind`, the pods' bridge when they
    have networks of their own), in the foreground, every write appended and fsynced to
    redis_dir (no snapshots), with `password` required when given."""
    lines = [
        f"port {port}",
        f"bind 127.0.0.1 {also_bind}" if also_bind else "bind 127.0.0.1",
        "protected-mode yes",
        "daemonize no",
        f'dir "{redis_dir}"',
        "appendonly yes",
        "appendfsync always",
        'save ""',
        f'logfile "{logfile}"',
    ]
    if password:
        lines.append(f'requirepass "{password}"')
    return lines


def redis_answering(run: RunState, timeout: float = 0.3) -> bool:
    """True when the run's Redis answers PING."""
    try:
        return redis_command(run.lay.redis, run.password, "PING", timeout=timeout) == "PONG"
    except (OSError, RedisError):
        return False


class RedisCommands(CommandArea):
    """start_redis, stop_redis and restart_redis."""

    def cmd_start_redis(self, _a: proto.StartRedisArgs) -> proto.StartRedisReply:
        """start_redis."""
        s = self.run
        s.require_init()
        if s.redis_running():
            raise CommandError(f"redis already running (pid {s.redis_proc.pid})")
        exe = shutil.which("redis-server")
        if not exe:
            raise CommandError("redis-server not found on PATH (run scripts/setup-live.sh)")
        if port_in_use(s.lay.redis):
            raise CommandError(f"port {s.lay.redis} (redis) is already in use")
        t0 = time.monotonic()
        rdir = os.path.join(s.run_dir, "redis")
        s.redis_conf = os.path.join(rdir, "redis.conf")
        lines = redis_conf_lines(
            s.lay.redis,
            rdir,
            os.path.join(s.run_dir, "logs", "redis.log"),
            s.password,
            netns.BRIDGE_IP if s.lay.pod_netns else None,
        )
        fd = os.open(s.redis_conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(s.redis_conf, 0o600)
        s.redis = spawn(
            "redis",
            helper_argv("--exec", exe, s.redis_conf),
            s.base_env(),
            os.path.join(s.run_dir, "logs", "redis.stdout.log"),
            s.run_dir,
        )
        s.save_state()
        deadline = time.monotonic() + 10
        while not redis_answering(s):
            if s.redis_proc.exit_code() is not None:
                raise CommandError(
                    f"redis-server exited with {s.redis_proc.exit_code()}; "
                    f"see {s.run_dir}/logs/redis.log"
                )
            if time.monotonic() > deadline:
                s.redis_proc.kill_tree()
                raise CommandError("redis-server did not answer PING within 10 s")
            time.sleep(0.05)
        s.redis_proc.scan()
        log(f"redis started pid={s.redis_proc.pid} port={s.lay.redis}")
        return {
            "pid": s.redis_proc.pid,
            "port": s.lay.redis,
            "elapsed_s": round(time.monotonic() - t0, 3),
        }

    def cmd_stop_redis(self, a: proto.StopRedisArgs) -> proto.StopRedisReply:
        """stop_redis."""
        self.run.require_init()
        if not self.run.redis_running():
            raise CommandError("redis is not running")
        return self._stop(a.graceful)

    def cmd_restart_redis(self, a: proto.StopRedisArgs) -> proto.RestartRedisReply:
        """restart_redis."""
        self.run.require_init()
        stopped = self._stop(a.graceful) if self.run.redis_running() else None
        started = self.cmd_start_redis(proto.StartRedisArgs())
        return {"stopped": stopped, "started": started}

    def _stop(self, graceful: bool) -> proto.StopRedisReply:
        s = self.run
        t0 = time.monotonic()
        pid = s.redis_proc.pid
        how = "SIGKILL"
        if graceful:
            how = "SHUTDOWN NOSAVE"
            try:
                redis_command(s.lay.redis, s.password, "SHUTDOWN", "NOSAVE", timeout=2)
            except (OSError, RedisError):
                pass  # the connection drops when Redis exits
            try:
                s.redis_proc.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                how = "SHUTDOWN NOSAVE (timed out) + SIGKILL"
        s.redis_proc.kill_tree()
        s.save_state()
        log(f"redis stopped ({how}) pid={pid}")
        return {"pid": pid, "how": how, "elapsed_s": round(time.monotonic() - t0, 3)}
