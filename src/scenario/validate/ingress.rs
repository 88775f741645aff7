//! `ingress`: how clients reach the proxies.

use super::check::{Checker, r};
use super::cluster::initial_pod_names;
use super::f;
use crate::scenario::model::{Cluster, Ingress, ProxyLocation, Serve};
use crate::scenario::raw::{RawIngressKind, RawScenario};
use crate::scenario::show;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario, cluster: &Cluster, serve: &Serve) -> Ingress {
    let path = f::INGRESS_POD.json_path();
    match r(&raw.ingress.kind) {
        RawIngressKind::Service => {
            if raw.ingress.pod.is_some() {
                ck.err(path, "unexpected field: a Service ingress is not pinned to a pod");
            }
            Ingress::Service
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

/// Why pod `pod` (an initial pod name) can never run a Serve proxy, if it cannot. Ray 2.60
/// (`proxy_state.py` `_resolved_proxy_location`, `controller.py` `_update_proxy_nodes`): the
/// head always runs one; with `HeadOnly` no other node does; with `EveryNode` a worker node
/// runs one only while it hosts a replica, which a pod with fewer CPUs than a replica needs
/// never does.
fn never_runs_a_proxy(pod: &str, cluster: &Cluster, serve: &Serve) -> Option<String> {
    if pod == "head" {
        return None;
    }
    if serve.proxy_location == ProxyLocation::HeadOnly {
        return Some("with serve.proxy_location \"HeadOnly\" only the head does".to_string());
    }
    let group = cluster.worker_groups.iter().find(|g| (1..=g.replicas).any(|i| pod == format!("{}-{i}", g.name)))?;
    (group.cpus_milli < serve.cpus_per_replica_milli).then(|| {
        format!(
            "its group {} has {} CPUs per pod, a replica needs {}, so it never hosts a replica (nor, with \"EveryNode\", a proxy)",
            show::text(&group.name),
            group.cpus_milli as f64 / 1000.0,
            serve.cpus_per_replica_milli as f64 / 1000.0
        )
    })
}
