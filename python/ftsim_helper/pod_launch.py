"""How a pod's `ray start` is launched: the ports it needs free, its command line and its
environment (pure functions of the layout, the pod and the start_* arguments)."""

from __future__ import annotations

import json

from . import protocol as proto
from .layout import Layout
from .pods import Pod
from .procs import helper_argv

SLOT_PORTS_NEEDED = (
    "node_manager",
    "object_manager",
    "metrics_export",
    "dashboard_agent_listen",
    "dashboard_agent_grpc",
    "runtime_env_agent",
    "serve_http",
)
"""The ports of a slot that must be free before its pod starts (the head's also needs the
GCS and Ray client ports)."""


def needed_ports(layout: Layout, slot: int) -> list[int]:
    """The ports that must be free before a pod starts on `slot`."""
    ports = layout.slot_ports(slot)
    needed = [ports[k] for k in SLOT_PORTS_NEEDED]
    if slot == 0:
        needed += [layout.gcs, ports["ray_client_server"]]
    return needed


def ray_start_argv(pod: Pod, layout: Layout, a: proto.StartHeadArgs) -> list[str]:
    """The command line of `pod`'s `ray start --block` (through --ray-start): its address,
    logical resources (CPUs, GPUs, memory when given, custom ones when any), temp dir and
    ports; the head's GCS port, a worker's head address."""
    ports = pod.ports
    argv = [
        *helper_argv("--ray-start", "start", "--block"),
        f"--node-ip-address={pod.ip}",
        f"--num-cpus={a.num_cpus}",
        f"--num-gpus={a.num_gpus}",
        f"--temp-dir={pod.temp_dir}",
        f"--object-store-memory={a.object_store_mb * 1024 * 1024}",
        f"--node-manager-port={ports['node_manager']}",
        f"--object-manager-port={ports['object_manager']}",
        f"--metrics-export-port={ports['metrics_export']}",
        f"--dashboard-agent-listen-port={ports['dashboard_agent_listen']}",
        f"--dashboard-agent-grpc-port={ports['dashboard_agent_grpc']}",
        f"--runtime-env-agent-port={ports['runtime_env_agent']}",
        f"--min-worker-port={ports['min_worker']}",
        f"--max-worker-port={ports['max_worker']}",
        "--disable-usage-stats",
        "--log-style=record",
        "--log-color=false",
    ]
    if a.memory is not None:
        argv.append(f"--memory={a.memory}")
    if a.resources:
        argv.append(f"--resources={json.dumps(a.resources, sort_keys=True)}")
    if pod.slot == 0:
        argv += [
            "--head",
            f"--port={layout.gcs}",
            "--include-dashboard=false",
            f"--dashboard-port={ports['dashboard']}",
            f"--ray-client-server-port={ports['ray_client_server']}",
        ]
    else:
        argv += [f"--address={layout.head_ip}:{layout.gcs}"]
    return argv


def pod_env(
    base: dict[str, str],
    pod: Pod,
    layout: Layout,
    a: proto.StartHeadArgs,
    namespace: str,
    password: str | None,
) -> dict[str, str]:
    """The environment of `pod`'s `ray start`: `base`, the slot's metric and fallback proxy
    ports, then the head's Redis (GCS FT) or a worker's proxy ports (and, with GCS FT, its
    long GCS reconnection timeout), then the caller's `a.env`."""
    ports = pod.ports
    env = dict(base)
    env.update(
        {
            "DASHBOARD_METRIC_PORT": str(ports["dashboard_metrics"]),
            "AUTOSCALER_METRIC_PORT": str(ports["autoscaler_metrics"]),
            "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT": str(ports["serve_fallback_http"]),
            "RAY_SERVE_FALLBACK_PROXY_GRPC_PORT": str(ports["serve_fallback_grpc"]),
        }
    )
    if pod.slot == 0:
        if a.gcs_ft:
            env["RAY_REDIS_ADDRESS"] = f"{layout.redis_host}:{layout.redis}"
            env["RAY_external_storage_namespace"] = namespace
            if password:
                env["FTSIM_REDIS_PASSWORD"] = password
    else:
        env["RAY_SERVE_WORKER_PROXY_HTTP_PORT"] = str(ports["serve_http"])
        env["RAY_SERVE_WORKER_PROXY_GRPC_PORT"] = str(ports["serve_grpc"])
        if a.gcs_ft:
            env["RAY_gcs_rpc_server_reconnect_timeout_s"] = "600"
    env.update(a.env)
    return env
