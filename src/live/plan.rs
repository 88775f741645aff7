//! `ftsim live --dry-run`: the topology and, for each fault, the real action and when, with the
//! operator reactions live mode will play. Starts nothing.

use std::fmt::Write;

use crate::policy::{kubelet, redis};
use crate::scenario::{ConstructorFailures, FaultKind, Ingress, Scenario};

/// The plan as text.
pub fn render(sc: &Scenario, base_port: u16, shared_network: bool) -> String {
    let mut o = String::new();
    let t = &sc.timings;
    let ft = sc.cluster.gcs_fault_tolerance;
    let _ = writeln!(
        o,
        "live plan for scenario {} (seed {}), {} of load after the cluster serves",
        sc.name, sc.seed, sc.duration
    );
    let network = if shared_network {
        "the host's network (--shared-network: Ray's servers listen on every interface)"
    } else {
        "a private network namespace with loopback only"
    };
    let _ = writeln!(
        o,
        "topology (local-ray adapter, {network}, ports {base_port}..{}):",
        base_port as u32 + super::PORT_SPAN as u32 - 1
    );
    if ft {
        let _ = writeln!(
            o,
            "  redis-server on 127.0.0.1:{base_port} (password from FTSIM_REDIS_PASSWORD, the scenario or generated; never printed)"
        );
    }
    for (i, pod) in sc.initial_ray_pods().iter().enumerate() {
        let ip = format!("127.0.0.{}", 2 + i);
        let port = base_port as u32 + 100 * (i as u32 + 1) + 10;
        let what = if pod == "head" { "ray start --head (GCS, controller)" } else { "ray start (worker)" };
        let _ = writeln!(o, "  pod {pod:<16} {what}, node {ip}, proxy http://127.0.0.2:{port}/");
    }
    let s = &sc.serve;
    let _ = writeln!(
        o,
        "  Serve app {}: {} replicas, constructor {}, health check every {} (timeout {}), GCS fault tolerance {}",
        s.deployment,
        s.num_replicas,
        s.constructor,
        s.health_check_period,
        s.health_check_timeout,
        if ft { "on" } else { "off" }
    );
    let ingress = match &sc.ingress {
        Ingress::Pinned { pod } => format!("pinned to pod {pod}'s proxy (like kubectl port-forward)"),
        Ingress::Service => format!(
            "spread over the Service's ready endpoints (readiness probe every {} on the proxy's health, first after {}; a lost node's pods leave after {})",
            sc.timings.readiness_period, sc.timings.readiness_initial_delay, sc.timings.node_monitor_grace
        ),
    };
    let _ = writeln!(o, "  load: {} requests/s, {ingress}", sc.traffic.rate_per_s);
    let _ = writeln!(o, "faults:");
    if sc.faults.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for (i, f) in sc.faults.iter().enumerate() {
        let at = f.at;
        let what = match &f.kind {
            FaultKind::ReplicaCrash { target } => format!(
                "ray.kill(no_restart=True) of replica {} (k-th running replica by pod and id)",
                target.as_deref().unwrap_or("picked at random")
            ),
            FaultKind::ReplicaHealthCheckFailure { target, duration, .. } => format!(
                "flag file makes check_health of {} raise{}",
                target.as_deref().unwrap_or("a random replica"),
                duration.map(|d| format!(" for {d}")).unwrap_or_default()
            ),
            FaultKind::ConstructorFailure { failures, .. } => match failures {
                ConstructorFailures::Count(n) => format!("the next {n} constructors raise (counter file)"),
                ConstructorFailures::Probability(_) => "each constructor raises with the given probability".into(),
            },
            FaultKind::ControllerCrash => "ray.kill of SERVE_CONTROLLER_ACTOR (Ray restarts it)".into(),
            FaultKind::ProxyCrash { target } => {
                format!("ray.kill of the proxy on pod {}", target.as_deref().unwrap_or("picked at random"))
            }
            FaultKind::WorkerPodDeletion { target } => format!(
                "SIGTERM to pod {}'s ray start (Ray drains up to {}); then KubeRay's part: a new worker pod after {}",
                target.as_deref().unwrap_or("picked at random"),
                t.node_drain_timeout,
                t.pod_start
            ),
            FaultKind::NodeLoss { target, unreachable } => format!(
                "{} of every pod on {}; new pods after max({}, {}) + {}",
                if *unreachable { "SIGSTOP (black-holed)" } else { "SIGKILL (connections refused)" },
                target.as_deref().unwrap_or("a random node"),
                t.orphan_pod_gc,
                t.node_provisioning,
                t.pod_start
            ),
            FaultKind::HeadPodCrash => format!(
                "SIGKILL of the head pod (GCS, raylet, controller); a new head after {}{}",
                t.pod_start,
                if ft {
                    " on the same Redis (held until Redis answers, if it is down then)"
                } else {
                    ", then RayService resubmits the app"
                }
            ),
            FaultKind::RedisOutage { duration } => {
                format!(
                    "SIGKILL of redis-server; restarted on the same data after {}",
                    redis::outage_length(*duration, sc.cluster.redis_mode, t)
                )
            }
        };
        let _ = writeln!(o, "  #{i} at {at} s: {} -> {what}", f.kind.name());
    }
    let _ = writeln!(o, "kubelet's part: a pod whose Ray exits is restarted {}", kubelet::describe_backoff(t));
    let _ = writeln!(o, "dry run: nothing was started");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: &str) -> String {
        render(&crate::scenario::parse(json, "t.json").unwrap().scenario, 20_000, false)
    }

    #[test]
    fn an_ha_redis_outage_is_planned_as_long_as_its_failover() {
        let p = plan(
            r#"{"cluster": {"redis": {"mode": "ha"}},
                "faults": [{"kind": "redis_outage", "at_s": 60, "duration_s": 300}]}"#,
        );
        assert!(p.contains("restarted on the same data after 30s"), "{p}");
    }

    #[test]
    fn the_backoff_is_the_scenarios_own() {
        let p = plan(r#"{"timings": {"kubelet_restart_backoff_s": 2, "kubelet_restart_backoff_max_s": 5}}"#);
        assert!(p.contains("restarted at once, then after 2s, 4s, 5s, ... up to 5s"), "{p}");
    }
}
