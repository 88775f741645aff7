//! The helper's `observe` snapshot, as the orchestrator reads it (the part of
//! [`protocol::ObserveReply`] it uses), and its translation into the component levels the
//! simulator reports, so that one metrics implementation serves both.

use serde::Deserialize;

use super::protocol;
use crate::metrics::observations::Levels;
use crate::names;
use crate::scenario::{ProxyLocation, Scenario};

/// One `observe` answer.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Snapshot {
    /// Seconds since the Unix epoch when taken.
    #[serde(default)]
    pub time_unix_s: f64,
    #[serde(default)]
    pub redis: RedisView,
    #[serde(default)]
    pub gcs: GcsView,
    #[serde(default)]
    pub pods: Vec<PodView>,
    #[serde(default)]
    pub ray_view: RayView,
    #[serde(default)]
    pub controller: ControllerView,
    #[serde(default)]
    pub replicas: Vec<ReplicaView>,
    #[serde(default)]
    pub proxies: Vec<ProxyView>,
    /// The application's status, when the controller answered.
    #[serde(default)]
    pub app: Option<AppView>,
    /// Injected constructor failures that have raised so far.
    #[serde(default)]
    pub constructors_raised: u64,
    /// Each replica's deployment, by replica id, from its actor's name
    /// (`SERVE_REPLICA::<app>#<deployment>#<id>`).
    #[serde(default)]
    pub deployments: std::collections::BTreeMap<String, String>,
}

/// The Serve application (with several, the first not RUNNING, else the first).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AppView {
    pub status: Option<String>,
    pub deployment_status: Option<String>,
    /// The replicas every deployment targets, summed: with Serve autoscaling, its autoscaler's
    /// current decision.
    #[serde(default)]
    pub target_replicas: Option<u32>,
}

/// Redis as seen from outside.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RedisView {
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub answering: bool,
}

/// The GCS as seen from outside.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GcsView {
    #[serde(default)]
    pub port_open: bool,
    pub answering: Option<bool>,
}

/// One pod (a `ray start` process tree).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PodView {
    pub name: String,
    #[serde(default)]
    pub role: String,
    /// `running`, `exited` or `killed`.
    #[serde(default)]
    pub process: String,
    /// The GCS's view of the node: `ALIVE`, `DEAD` or unknown.
    pub node_state: Option<String>,
    pub proxy_port: Option<u16>,
    pub node_ip: Option<String>,
}

/// Whether the Ray-level view (through the driver) is available.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RayView {
    #[serde(default)]
    pub available: bool,
}

/// The Serve controller actor.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ControllerView {
    pub actor_state: Option<String>,
    pub answering: Option<bool>,
}

/// One replica: Serve's state and the GCS actor state.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReplicaView {
    pub replica_id: String,
    pub state: Option<String>,
    pub actor_state: Option<String>,
    pub pid: Option<u32>,
    pub pod: Option<String>,
}

/// One proxy.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProxyView {
    pub pod: Option<String>,
    pub status: Option<String>,
    pub actor_state: Option<String>,
    pub url: Option<String>,
}

/// The helper's name of an enum value (its wire form).
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("protocol enums serialize to strings"),
    }
}

/// The deployment in a replica actor's name `SERVE_REPLICA::<app>#<deployment>#<id>`.
fn deployment_of(actor_name: &str) -> Option<&str> {
    let mut parts = actor_name.rsplitn(3, '#');
    let (_id, deployment) = (parts.next()?, parts.next()?);
    parts.next().map(|_| deployment)
}

impl From<protocol::ObserveReply> for Snapshot {
    fn from(r: protocol::ObserveReply) -> Self {
        let deployments = r
            .replicas
            .iter()
            .filter_map(|x| Some((x.replica_id.clone(), deployment_of(&x.actor_name)?.to_string())))
            .collect();
        Snapshot {
            deployments,
            time_unix_s: r.time_unix_s,
            redis: RedisView { running: r.redis.running, answering: r.redis.answering },
            gcs: GcsView { port_open: r.gcs.port_open, answering: r.gcs.answering },
            pods: r.pods.into_iter().map(PodView::from).collect(),
            ray_view: RayView { available: r.ray_view.available },
            controller: ControllerView { actor_state: r.controller.actor_state, answering: r.controller.answering },
            replicas: r.replicas.into_iter().map(ReplicaView::from).collect(),
            proxies: r.proxies.into_iter().map(ProxyView::from).collect(),
            app: r.app.map(|a| AppView {
                status: a.status,
                deployment_status: Some(a.deployment_status),
                target_replicas: a.target_replicas,
            }),
            constructors_raised: r.constructors_raised,
        }
    }
}

impl From<protocol::PodState> for PodView {
    fn from(p: protocol::PodState) -> Self {
        PodView {
            name: p.name,
            role: wire_name(&p.role),
            process: wire_name(&p.process),
            node_state: p.node_state.as_ref().map(wire_name),
            proxy_port: Some(p.proxy_port),
            node_ip: Some(p.node_ip),
        }
    }
}

impl From<protocol::ReplicaInfo> for ReplicaView {
    fn from(x: protocol::ReplicaInfo) -> Self {
        ReplicaView { replica_id: x.replica_id, state: x.state, actor_state: x.actor_state, pid: x.pid, pod: x.pod }
    }
}

impl From<protocol::ProxyInfo> for ProxyView {
    fn from(x: protocol::ProxyInfo) -> Self {
        ProxyView { pod: x.pod, status: x.status, actor_state: x.actor_state, url: x.url }
    }
}

impl ReplicaView {
    /// RUNNING for Serve with a live actor.
    pub fn running(&self) -> bool {
        self.state.as_deref() == Some("RUNNING") && self.actor_state.as_deref() == Some("ALIVE")
    }
}

impl Snapshot {
    /// The running replicas sorted by (pod, replica id).
    pub fn running_replicas(&self) -> Vec<&ReplicaView> {
        self.replicas_sorted(ReplicaView::running)
    }

    /// Every replica sorted by (pod, replica id), with its deployment when known: the order in
    /// which live mode names the replicas new in a snapshot `<deployment>#k`
    /// ([`crate::policy::targets::ReplicaLedger`]).
    pub fn replicas_in_naming_order(&self) -> Vec<(String, Option<String>)> {
        let named = |r: &ReplicaView| (r.replica_id.clone(), self.deployments.get(&r.replica_id).cloned());
        self.replicas_sorted(|_| true).into_iter().map(named).collect()
    }

    /// The replicas a fault can target, sorted by (pod, replica id): the running ones, or while the
    /// controller does not answer (its states unknown), those whose actor is alive.
    pub fn targetable_replicas(&self) -> Vec<&ReplicaView> {
        if self.controller.answering == Some(true) {
            return self.running_replicas();
        }
        self.replicas_sorted(|r| r.state.is_none() && r.actor_state.as_deref() == Some("ALIVE"))
    }

    /// The replicas that pass `keep`, sorted by (pod, replica id).
    fn replicas_sorted(&self, keep: impl Fn(&ReplicaView) -> bool) -> Vec<&ReplicaView> {
        let mut v: Vec<&ReplicaView> = self.replicas.iter().filter(|r| keep(r)).collect();
        v.sort_by(|a, b| (a.pod.as_deref(), &a.replica_id).cmp(&(b.pod.as_deref(), &b.replica_id)));
        v
    }

    /// True when the pod's Ray is running and the GCS says its node is alive.
    pub fn pod_ready(&self, name: &str) -> bool {
        self.pods.iter().any(|p| p.name == name && p.process == "running" && p.node_state.as_deref() == Some("ALIVE"))
    }

    /// The replicas every deployment targets, summed, as in the simulator: the scenario's counts,
    /// or with Serve autoscaling the autoscaler's targets as Serve reports them (carried over from
    /// `previous` while it cannot be observed; the initial counts before any).
    fn replicas_target(&self, scenario: &Scenario, serve_seen: bool, previous: Option<&Levels>) -> u32 {
        let fixed = scenario.serve.total_replicas();
        if scenario.serve.deployments().all(|d| d.autoscaling.is_none()) {
            return fixed;
        }
        let reported = self.app.as_ref().and_then(|a| a.target_replicas).filter(|_| serve_seen);
        reported.or(previous.map(|p| p.replicas_target)).unwrap_or(fixed)
    }

    /// The component levels, defined as in the simulator. When the Ray-level view is missing
    /// (GCS or controller unreachable), replica and proxy counts are carried over from
    /// `previous`: they cannot be observed then. Pods in `terminating` (deleted, draining) do
    /// not count as ready, as in the simulator.
    pub fn levels(&self, scenario: &Scenario, previous: Option<&Levels>, terminating: &[String]) -> Levels {
        let gcs_up = self.gcs.port_open && self.gcs.answering != Some(false) && self.ray_view.available;
        let controller_up =
            self.controller.actor_state.as_deref() == Some("ALIVE") && self.controller.answering == Some(true);
        let ready = |p: &&PodView| {
            p.process == "running" && p.node_state.as_deref() == Some("ALIVE") && !terminating.contains(&p.name)
        };
        let pods_ready = self.pods.iter().filter(ready).count() as u32;
        let pods_desired = 1 + scenario.cluster.worker_groups.iter().map(|g| g.replicas).sum::<u32>();
        let redis_up = !scenario.cluster.gcs_fault_tolerance || self.redis.answering;
        let serve_seen = self.ray_view.available && self.controller.answering == Some(true);
        let (replicas_running, proxies_up, proxies_expected) = if serve_seen {
            let running = self.running_replicas();
            // The head's proxy, whatever KubeRay named the head (`head`, `head-2`, ...).
            let head = self.pods.iter().find(|p| p.role == "head").map_or(names::HEAD_POD, |p| p.name.as_str());
            let mut expected: Vec<&str> = vec![head];
            if scenario.serve.proxy_location == ProxyLocation::EveryNode {
                for r in &running {
                    if let Some(p) = r.pod.as_deref()
                        && !expected.contains(&p)
                    {
                        expected.push(p);
                    }
                }
            }
            let up = self
                .proxies
                .iter()
                .filter(|p| p.status.as_deref() == Some("HEALTHY") && p.actor_state.as_deref() == Some("ALIVE"))
                .count() as u32;
            (running.len() as u32, up, expected.len() as u32)
        } else {
            let p = previous.copied().unwrap_or_default();
            (p.replicas_running, p.proxies_up, p.proxies_expected)
        };
        Levels {
            replicas_running,
            replicas_target: self.replicas_target(scenario, serve_seen, previous),
            proxies_up,
            proxies_expected,
            pods_ready,
            pods_desired,
            gcs_up,
            redis_up,
            controller_up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(id: &str, pod: &str, state: Option<&str>, actor: &str) -> ReplicaView {
        ReplicaView {
            replica_id: id.into(),
            state: state.map(str::to_string),
            actor_state: Some(actor.into()),
            pid: None,
            pod: Some(pod.into()),
        }
    }

    fn ids(v: Vec<&ReplicaView>) -> Vec<&str> {
        v.into_iter().map(|r| r.replica_id.as_str()).collect()
    }

    #[test]
    fn with_the_controller_answering_only_running_replicas_are_targets_ordered_by_pod() {
        let snap = Snapshot {
            controller: ControllerView { actor_state: Some("ALIVE".into()), answering: Some(true) },
            replicas: vec![
                replica("b", "worker-1", Some("RUNNING"), "ALIVE"),
                replica("a", "worker-1", Some("STARTING"), "ALIVE"),
                replica("c", "head", Some("RUNNING"), "ALIVE"),
                replica("d", "head", None, "ALIVE"),
            ],
            ..Snapshot::default()
        };
        assert_eq!(ids(snap.targetable_replicas()), ["c", "b"]);
    }

    /// A replacement head (`head-2`) counts once among the expected proxies. It counted twice
    /// (as `head` and as `head-2`), so a cluster back after a head crash never recovered.
    #[test]
    fn a_replacement_heads_proxy_is_expected_once() {
        let sc = crate::scenario::parse("{}", "t.json").unwrap().scenario;
        let pod = |name: &str, role: &str| PodView { name: name.into(), role: role.into(), ..PodView::default() };
        let snap = Snapshot {
            ray_view: RayView { available: true },
            controller: ControllerView { actor_state: Some("ALIVE".into()), answering: Some(true) },
            pods: vec![pod("head-2", "head"), pod("small-group-1", "worker")],
            replicas: vec![
                replica("a", "head-2", Some("RUNNING"), "ALIVE"),
                replica("b", "small-group-1", Some("RUNNING"), "ALIVE"),
            ],
            ..Snapshot::default()
        };
        assert_eq!(snap.levels(&sc, None, &[]).proxies_expected, 2);
    }

    /// The replica target is every deployment's summed (it was the first application's alone),
    /// and with Serve autoscaling the autoscaler's as Serve reports it, carried over while the
    /// controller does not answer.
    #[test]
    fn the_replica_target_sums_the_applications_and_follows_serves_autoscaler() {
        let parse =
            |serve: &str| crate::scenario::parse(&format!(r#"{{"serve": {serve}}}"#), "t.json").unwrap().scenario;
        let two = |second: &str| {
            parse(&format!(
                r#"{{"applications": [{{"name": "a", "route_prefix": "/a", "share": 0.5, "num_replicas": 2}},
                    {{"name": "b", "route_prefix": "/b", "share": 0.5, {second}}}]}}"#
            ))
        };
        let up = ControllerView { actor_state: Some("ALIVE".into()), answering: Some(true) };
        let serving = |target: Option<u32>| Snapshot {
            ray_view: RayView { available: true },
            controller: up.clone(),
            app: Some(AppView { status: Some("RUNNING".into()), deployment_status: None, target_replicas: target }),
            ..Snapshot::default()
        };
        let fixed = two(r#""num_replicas": 3"#);
        assert_eq!(serving(Some(9)).levels(&fixed, None, &[]).replicas_target, 5, "the scenario's counts");
        let scaled = two(r#""autoscaling": {"min_replicas": 1, "max_replicas": 6}"#);
        assert_eq!(serving(None).levels(&scaled, None, &[]).replicas_target, 3, "the initial counts first");
        let levels = serving(Some(7)).levels(&scaled, None, &[]);
        assert_eq!(levels.replicas_target, 7, "Serve's autoscaler's decision");
        let down = Snapshot { controller: ControllerView { answering: Some(false), ..up.clone() }, ..serving(None) };
        assert_eq!(down.levels(&scaled, Some(&levels), &[]).replicas_target, 7, "carried over");
    }

    #[test]
    fn a_replicas_deployment_is_read_from_its_actors_name() {
        assert_eq!(deployment_of("SERVE_REPLICA::heavy#Heavy#kl68zlg4"), Some("Heavy"));
        assert_eq!(deployment_of("SERVE_REPLICA::default#SleepyPid#a"), Some("SleepyPid"));
        assert_eq!(deployment_of("SERVE_REPLICA::odd"), None);
    }

    #[test]
    fn while_the_controller_is_down_live_replica_actors_are_the_targets() {
        let snap = Snapshot {
            controller: ControllerView { actor_state: Some("RESTARTING".into()), answering: Some(false) },
            replicas: vec![
                replica("b", "worker-1", None, "ALIVE"),
                replica("a", "worker-1", None, "DEAD"),
                replica("c", "head", None, "ALIVE"),
            ],
            ..Snapshot::default()
        };
        assert_eq!(ids(snap.targetable_replicas()), ["c", "b"]);
        assert!(snap.running_replicas().is_empty(), "Serve states unknown: none counts as running");
    }
}
