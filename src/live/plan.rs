//! `ftsim live --dry-run`: the topology, and the timeline of faults and actions on the cluster
//! (operator reactions included) as the orchestrator itself schedules them, rehearsed on the
//! in-process [`FakeCluster`]. Starts nothing.

use std::fmt::Write;
use std::sync::atomic::AtomicBool;

use super::LiveError;
use super::fake::FakeCluster;
use super::rehearsal::rehearse;
use crate::policy::kubelet;
use crate::scenario::resources::Shortfall;
use crate::scenario::{Ingress, Resources, Scenario};

/// Each injected fault and each action of a rehearsal of `sc`, by time (at equal times, faults
/// first).
fn timeline(sc: &Scenario) -> Result<Vec<String>, LiveError> {
    let observed = rehearse(sc, FakeCluster::new(), &AtomicBool::new(false))?.result?;
    let faults = observed.faults.iter().enumerate().map(|(i, f)| {
        let target = f.target.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
        (f.injected_at, 0, format!("fault #{i} {}{target}", f.kind))
    });
    let actions = observed.actions.iter().map(|(at, a)| (*at, 1, a.to_string()));
    let mut lines: Vec<_> = faults.chain(actions).collect();
    lines.sort_by_key(|(at, rank, _)| (*at, *rank));
    Ok(lines.into_iter().map(|(at, _, what)| format!("at {at} s: {what}")).collect())
}

/// The GPUs, memory and custom resources of `r` in words (`2 GPUs, 0.5 of "accel"`); `None`
/// when it has CPUs only (live mode's replicas ask for no CPUs).
fn beyond_cpus(r: &Resources) -> Option<String> {
    let parts: Vec<String> = r
        .amounts()
        .filter(|&(name, n, _)| name != "CPU" && n > 0)
        .map(|(name, n, bytes)| Shortfall { name: name.to_string(), have: n, need: n, bytes }.show(n))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

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
    let pod_networks = super::pod_networks(sc);
    let network = if shared_network {
        "the host's network (--shared-network: Ray's servers listen on every interface)"
    } else if pod_networks {
        "a private network namespace, each pod in a network namespace of its own, joined by veth pairs to a \
         bridge 10.77.0.1/24 there (for the network partition)"
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
        if sc.cluster.redis_mode == crate::scenario::RedisMode::External {
            let _ = writeln!(
                o,
                "  (redis mode external: the managed Redis is this local redis-server, on no node of the cluster)"
            );
        }
    }
    for (i, pod) in sc.initial_ray_pods().iter().enumerate() {
        let ip = format!("{}.{}", if pod_networks { "10.77.0" } else { "127.0.0" }, 2 + i);
        // Without pod networks every proxy listens on the head's address, each on its own port.
        let proxy_host = if pod_networks { ip.as_str() } else { "127.0.0.2" };
        let port = base_port as u32 + 100 * (i as u32 + 1) + 10;
        let what = if pod == "head" { "ray start --head (GCS, controller)" } else { "ray start (worker)" };
        let offers = beyond_cpus(sc.cluster.resources_of_group(sc.cluster.group_of_pod(pod)))
            .map(|r| format!(", offers {r}"))
            .unwrap_or_default();
        let _ = writeln!(o, "  pod {pod:<16} {what}, node {ip}, proxy http://{proxy_host}:{port}/{offers}");
    }
    let several = sc.serve.applications.len() > 1;
    for a in &sc.serve.applications {
        let s = &a.deployment;
        let asks = beyond_cpus(&s.replica_resources).map(|r| format!(", each asking for {r}")).unwrap_or_default();
        let route = if several {
            format!(" (application {} at {}, {} of the requests)", a.name, a.route_prefix, a.share)
        } else {
            String::new()
        };
        let replicas = match &s.autoscaling {
            None => format!("{} replicas", s.num_replicas),
            Some(c) => format!(
                "Serve's autoscaler from {} replicas ({} to {}, {} ongoing requests per replica, up after {}, down after {})",
                c.initial_replicas,
                c.min_replicas,
                c.max_replicas,
                c.target_ongoing_requests,
                c.upscale_delay,
                c.downscale_delay
            ),
        };
        let _ = writeln!(
            o,
            "  Serve app {}{route}: {replicas}{asks}, constructor {}, health check every {} (timeout {}), GCS fault tolerance {}",
            s.name,
            s.constructor,
            s.health_check_period,
            s.health_check_timeout,
            if ft { "on" } else { "off" }
        );
    }
    let ingress = match &sc.ingress {
        Ingress::Pinned { pod } => format!("pinned to pod {pod}'s proxy (like kubectl port-forward)"),
        Ingress::Service => format!(
            "spread over the Service's ready endpoints (readiness probe every {} on the proxy's health, first after {}; a lost node's pods leave after {})",
            sc.timings.readiness_period, sc.timings.readiness_initial_delay, sc.timings.node_monitor_grace
        ),
        Ingress::LoadBalancer(lb) => {
            let spread = match lb.spread {
                crate::scenario::Spread::RoundRobin => "round-robin",
                crate::scenario::Spread::Random => "random",
            };
            let checks = match lb.health_check {
                None => "no health checks: every backend gets traffic, dead or alive".to_string(),
                Some(hc) => format!(
                    "GET /-/healthz every {} (timeout {}), out after {} failures in a row, back after {} passes",
                    hc.period, hc.timeout, hc.unhealthy_threshold, hc.healthy_threshold
                ),
            };
            format!("a load balancer ({spread}) over the proxies of {}; {checks}", lb.backends.join(", "))
        }
    };
    let rate = match sc.traffic.shape {
        None => format!("{} requests/s", sc.traffic.rate_per_s),
        Some(_) => format!(
            "a traffic shape of {:.0} requests (at most {} requests/s)",
            sc.traffic.expected_requests(sc.duration),
            sc.traffic.peak_rate(sc.duration)
        ),
    };
    let _ = writeln!(o, "  load: {rate}, {ingress}");
    let _ = writeln!(
        o,
        "timeline (the orchestrator's own schedule, rehearsed on an in-process cluster whose pods drain and start at once; \
         replica ids and pids are the rehearsal's, the real ones are known during the run):"
    );
    match timeline(sc) {
        Ok(lines) if lines.is_empty() => o.push_str("  no fault, no action\n"),
        Ok(lines) => lines.iter().for_each(|l| {
            let _ = writeln!(o, "  {l}");
        }),
        Err(e) => {
            let _ = writeln!(o, "  the rehearsal failed: {e}");
        }
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
        assert!(p.contains("at 60.000000 s: SIGKILL of redis-server\n"), "{p}");
        assert!(p.contains("at 90.000000 s: redis-server started again on the same data\n"), "{p}");
    }

    #[test]
    fn a_partition_is_planned_on_pod_networks_as_a_cut_and_its_heal() {
        let p = plan(
            r#"{"faults": [{"kind": "network_partition", "at_s": 60, "target": "small-group-1", "duration_s": 30}]}"#,
        );
        assert!(p.contains("each pod in a network namespace of its own"), "{p}");
        assert!(p.contains("node 10.77.0.3, proxy http://10.77.0.3:20210/"), "{p}");
        assert!(p.contains("at 60.000000 s: pod small-group-1 cut off from the other pods"), "{p}");
        assert!(p.contains("at 90.000000 s: the cut between pod small-group-1 and the other pods heals"), "{p}");
        let q = plan(r#"{"faults": [{"kind": "proxy_crash", "at_s": 60}]}"#);
        assert!(q.contains("loopback only") && q.contains("node 127.0.0.3, proxy http://127.0.0.2:20210/"), "{q}");
    }

    #[test]
    fn the_plan_shows_what_each_pod_offers_and_each_replica_asks_for() {
        let (name, json) = crate::scenario::bundled::by_name("gpu-worker-loss").unwrap();
        let p = render(&crate::scenario::parse(json, name).unwrap().scenario, 20_000, false);
        assert!(p.contains("pod gpu-group-1      ray start (worker), node 127.0.0.5, proxy http://127.0.0.2:20410/, offers 2 GPUs\n"), "{p}");
        assert!(
            p.contains("pod cpu-group-1      ray start (worker), node 127.0.0.3, proxy http://127.0.0.2:20210/\n"),
            "{p}"
        );
        assert!(p.contains("Serve app SleepyPid: 2 replicas, each asking for 1 GPUs, constructor"), "{p}");
    }

    /// Every application is planned, with its route, its share and its replicas: a fixed count,
    /// or Serve's autoscaler with its bounds.
    #[test]
    fn the_plan_lists_every_application_and_its_autoscaling() {
        let p = plan(
            r#"{"serve": {"applications": [
                {"name": "light", "route_prefix": "/light", "share": 0.25, "num_replicas": 2},
                {"name": "heavy", "route_prefix": "/heavy", "share": 0.75, "deployment": "Heavy",
                 "autoscaling": {"min_replicas": 1, "max_replicas": 4, "upscale_delay_s": 3}}]}}"#,
        );
        assert!(
            p.contains(
                "  Serve app light (application light at /light, 0.25 of the requests): 2 replicas, constructor"
            ),
            "{p}"
        );
        assert!(
            p.contains(
                "  Serve app Heavy (application heavy at /heavy, 0.75 of the requests): Serve's autoscaler from 1 replicas \
                 (1 to 4, 2 ongoing requests per replica, up after 3s, down after 600s), constructor"
            ),
            "{p}"
        );
    }

    #[test]
    fn the_backoff_is_the_scenarios_own() {
        let p = plan(r#"{"timings": {"kubelet_restart_backoff_s": 2, "kubelet_restart_backoff_max_s": 5}}"#);
        assert!(p.contains("restarted at once, then after 2s, 4s, 5s, ... up to 5s"), "{p}");
    }

    #[test]
    fn the_plan_lists_every_action_the_orchestrator_takes_in_order() {
        let (name, json) = crate::scenario::bundled::by_name("worker-node-loss").unwrap();
        let sc = crate::scenario::parse(json, name).unwrap().scenario;
        let p = render(&sc, 20_000, false);
        let observed = rehearse(&sc, FakeCluster::new(), &AtomicBool::new(false)).unwrap().result.unwrap();
        let want: Vec<String> = observed.actions.iter().map(|(at, a)| format!("  at {at} s: {a}")).collect();
        let got: Vec<&str> = p.lines().filter(|l| l.starts_with("  at ") && !l.contains(": fault #")).collect();
        assert_eq!(got, want);
        let t = &sc.timings;
        let lost = crate::engine::SimTime::from_micros(60_000_000);
        let back = crate::policy::kuberay::replacement_start_after_node_loss(lost, t, false);
        assert!(p.contains(&format!("at {back} s: ray start of worker pod small-group-3")), "{p}");
    }
}
