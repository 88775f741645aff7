//! `ingress`: how clients reach the proxies.

use super::check::{Checker, r};
use super::cluster::initial_pod_names;
use super::f;
use crate::scenario::JsonPath;
use crate::scenario::model::{
    Cluster, Ingress, LbHealthCheck, LoadBalancer, ProxyLocation, Serve, Spread, WhenAllUnhealthy,
};
use crate::scenario::raw::{RawIngress, RawIngressKind, RawLbHealthCheck, RawScenario, RawSpread, RawWhenAllUnhealthy};
use crate::scenario::show;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster, serve: &Serve) -> Ingress {
    let path = f::INGRESS_POD.json_path();
    let kind = r(&raw.ingress.kind);
    if kind != RawIngressKind::LoadBalancer {
        refuse_load_balancer_fields(ck, &raw.ingress);
    }
    match kind {
        RawIngressKind::Service => {
            if raw.ingress.pod.is_some() {
                ck.err(path, "unexpected field: a Service ingress is not pinned to a pod");
            }
            Ingress::Service
        }
        RawIngressKind::LoadBalancer => {
            if raw.ingress.pod.is_some() {
                ck.err(path, "unexpected field: a load balancer is not pinned to a pod (name its `backends`)");
            }
            Ingress::LoadBalancer(load_balancer(ck, &raw.ingress, cluster))
        }
        RawIngressKind::Pinned => {
            let pod = r(&raw.ingress.pod);
            let pods = initial_pod_names(cluster);
            if !pods.contains(&pod) {
                ck.err(path, format!("unknown pod {}; the pods are {}", show::text(&pod), show::list(&pods)));
            } else if let Some(why) = never_runs_a_proxy(&pod, cluster, serve) {
                // Every request to it would fail.
                let msg = format!(
                    "pod {} never runs a proxy: {why}; pin \"head\" or use a Service ingress",
                    show::text(&pod)
                );
                ck.err(path, msg);
            }
            Ingress::Pinned { pod }
        }
    }
}

/// The load balancer's fields belong to that kind only.
fn refuse_load_balancer_fields(ck: &mut Checker, ing: &RawIngress) {
    let ingress = JsonPath::root().key("ingress");
    let given = [
        (ing.backends.is_some(), "backends"),
        (ing.spread.is_some(), "spread"),
        (ing.health_check.is_some(), "health_check"),
        (ing.when_all_unhealthy.is_some(), "when_all_unhealthy"),
    ];
    for (_, key) in given.iter().filter(|(given, _)| *given) {
        ck.err(ingress.key(key), "unexpected field: only a \"load_balancer\" ingress has it");
    }
}

/// A load balancer's backends (each a pod name or a group name, expanded to initial pod names,
/// each once; the groups named kept for the pods the Ray autoscaler adds), spread and health
/// checks.
fn load_balancer(ck: &mut Checker, ing: &RawIngress, cluster: &Cluster) -> LoadBalancer {
    let path = f::INGRESS_BACKENDS.json_path();
    let names = r(&ing.backends);
    if names.is_empty() {
        ck.err(path.clone(), "a load balancer needs at least one backend (a pod or a worker-group name)");
    }
    let pods = initial_pod_names(cluster);
    let (mut backends, mut groups): (Vec<String>, Vec<usize>) = (Vec::new(), Vec::new());
    for (i, name) in names.iter().enumerate() {
        let group = cluster.worker_groups.iter().position(|g| &g.name == name);
        if let Some(g) = group.filter(|g| !groups.contains(g)) {
            groups.push(g);
        }
        let of_name: Vec<String> = match group.map(|g| &cluster.worker_groups[g]) {
            Some(g) => (1..=g.replicas).map(|k| format!("{}-{k}", g.name)).collect(),
            None if pods.contains(name) => vec![name.clone()],
            None => {
                let groups: Vec<String> = cluster.worker_groups.iter().map(|g| g.name.clone()).collect();
                let msg = format!(
                    "{} names no pod and no worker group; the pods are {}; the groups are {}",
                    show::text(name),
                    show::list(&pods),
                    show::list(&groups)
                );
                ck.err(path.index(i), msg);
                continue;
            }
        };
        if of_name.is_empty() {
            ck.err(path.index(i), format!("worker group {} has no pod", show::text(name)));
        }
        for pod in of_name {
            if !backends.contains(&pod) {
                backends.push(pod);
            }
        }
    }
    let spread = match r(&ing.spread) {
        RawSpread::RoundRobin => Spread::RoundRobin,
        RawSpread::Random => Spread::Random,
    };
    let default = f::INGRESS_WHEN_ALL_UNHEALTHY.default_as::<RawWhenAllUnhealthy>();
    let when_all_unhealthy = match ing.when_all_unhealthy.unwrap_or(default) {
        RawWhenAllUnhealthy::FailOpen => WhenAllUnhealthy::FailOpen,
        RawWhenAllUnhealthy::Reject => WhenAllUnhealthy::Reject,
    };
    let health_check = health_check(ck, &r(&ing.health_check));
    LoadBalancer { backends, groups, spread, health_check, when_all_unhealthy }
}

/// The health checks, unless `enabled` is false; the timeout is at most the period.
fn health_check(ck: &mut Checker, hc: &RawLbHealthCheck) -> Option<LbHealthCheck> {
    if !r(&hc.enabled) {
        let extra = [hc.period_s.is_some(), hc.timeout_s.is_some()]
            .into_iter()
            .chain([hc.unhealthy_threshold.is_some(), hc.healthy_threshold.is_some()])
            .any(|given| given);
        if extra {
            let path = f::INGRESS_HEALTH_CHECK_ENABLED.json_path();
            ck.err(path, "health checks are off: drop their period, timeout and thresholds, or enable them");
        }
        return None;
    }
    let period =
        ck.secs(&f::INGRESS_HEALTH_CHECK_PERIOD_S, f::INGRESS_HEALTH_CHECK_PERIOD_S.json_path(), r(&hc.period_s));
    let timeout =
        ck.secs(&f::INGRESS_HEALTH_CHECK_TIMEOUT_S, f::INGRESS_HEALTH_CHECK_TIMEOUT_S.json_path(), r(&hc.timeout_s));
    if timeout > period && period > crate::engine::SimDuration::ZERO {
        let msg = format!(
            "a probe's timeout ({} s) must not exceed the period between probes ({} s)",
            show::num(timeout.as_secs_f64()),
            show::num(period.as_secs_f64())
        );
        ck.err(f::INGRESS_HEALTH_CHECK_TIMEOUT_S.json_path(), msg);
    }
    let threshold = |ck: &mut Checker, field: &f::Field, v: &Option<u64>| ck.int(field, field.json_path(), r(v));
    Some(LbHealthCheck {
        period,
        timeout,
        unhealthy_threshold: threshold(ck, &f::INGRESS_HEALTH_CHECK_UNHEALTHY_THRESHOLD, &hc.unhealthy_threshold),
        healthy_threshold: threshold(ck, &f::INGRESS_HEALTH_CHECK_HEALTHY_THRESHOLD, &hc.healthy_threshold),
    })
}

/// Why pod `pod` (an initial pod name) can never run a Serve proxy, if it cannot. Ray 2.60
/// (`proxy_state.py` `_resolved_proxy_location`, `controller.py` `_update_proxy_nodes`): the
/// head always runs one; with `HeadOnly` no other node does; with `EveryNode` a worker node
/// runs one only while it hosts a replica, which a pod with less of a resource than a replica needs
/// never does.
fn never_runs_a_proxy(pod: &str, cluster: &Cluster, serve: &Serve) -> Option<String> {
    if pod == "head" {
        return None;
    }
    if serve.proxy_location == ProxyLocation::HeadOnly {
        return Some("with serve.proxy_location \"HeadOnly\" only the head does".to_string());
    }
    let group = cluster.worker_groups.iter().find(|g| (1..=g.replicas).any(|i| pod == format!("{}-{i}", g.name)))?;
    if serve.deployments().any(|d| group.resources.fits(&d.replica_resources)) {
        return None;
    }
    group.resources.shortfall(&serve.deployments().next()?.replica_resources).map(|s| {
        format!(
            "its group {} has {} per pod, a replica needs {}, so it never hosts a replica (nor, with \"EveryNode\", a proxy)",
            show::text(&group.name),
            s.show(s.have),
            s.show(s.need)
        )
    })
}
