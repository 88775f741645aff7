//! Observation: polls the cluster into levels and events.log records, detects the injected
//! faults, and hands pods whose processes ended to the operators.

use super::changes::log_changes;
use super::{LiveError, Orchestrator};
use crate::engine::SimTime;
use crate::journal::{Component, Journal};
use crate::live::adapter::Action;
use crate::live::snapshot::{ProxyView, Snapshot};
use crate::metrics::observations::{FaultRecord, Levels};
use crate::names;

/// What shows that the system noticed a fault.
#[derive(Clone, Debug)]
pub(super) enum Detector {
    ReplicaNotRunning(String),
    ControllerDown,
    ProxyNotHealthy(String),
    /// A lost node's pods: the GCS declares one dead, or the controller gives up on a proxy
    /// that was healthy on one of them (`proxied`), whichever comes first (as in the simulator).
    NodeLost {
        pods: Vec<String>,
        proxied: Vec<String>,
    },
    GcsDown,
    /// An injected constructor failure raised: more than `before` have (as the simulator, which
    /// detects the fault when the first failing constructor raises).
    ConstructorFailed {
        before: u64,
    },
}

/// What the polls saw.
#[derive(Default)]
pub(super) struct Observation {
    /// events.log records not yet written.
    pub log: Journal,
    /// One record per injected fault.
    pub faults: Vec<FaultRecord>,
    /// (fault record, detector) of the faults not detected yet.
    pub detectors: Vec<(usize, Detector)>,
    /// Component levels at each change.
    pub levels: Vec<(SimTime, Levels)>,
    /// The last snapshot.
    pub last: Option<Snapshot>,
    /// Every action taken, with its time.
    pub actions: Vec<(SimTime, Action)>,
}

/// `pod`'s proxies that the controller reports HEALTHY in `snap`.
fn healthy_proxies<'s>(snap: &'s Snapshot, pod: &'s str) -> impl Iterator<Item = &'s ProxyView> {
    snap.proxies.iter().filter(move |p| p.pod.as_deref() == Some(pod) && p.status.as_deref() == Some("HEALTHY"))
}

/// Whether the controller reports `pod`'s proxy HEALTHY in `snap`.
fn proxy_healthy(snap: &Snapshot, pod: &str) -> bool {
    healthy_proxies(snap, pod).next().is_some()
}

/// Whether the Ray-level view (GCS and controller) answered in `snap`.
fn ray_answers(snap: &Snapshot) -> bool {
    snap.ray_view.available && snap.controller.answering == Some(true)
}

impl Observation {
    /// Whether, in the last snapshot, `pod`'s Ray runs and its proxy is healthy and alive.
    pub(super) fn proxy_serves(&self, pod: &str) -> bool {
        self.last.as_ref().is_some_and(|snap| {
            snap.pod_ready(pod) && healthy_proxies(snap, pod).any(|p| p.actor_state.as_deref() == Some("ALIVE"))
        })
    }

    /// Injected constructor failures that had raised at the last poll.
    pub(super) fn constructors_raised(&self) -> u64 {
        self.last.as_ref().map_or(0, |snap| snap.constructors_raised)
    }

    /// Whether detector `det` fires on `snap`.
    fn fires(det: &Detector, snap: &Snapshot) -> bool {
        let ray = ray_answers(snap);
        match det {
            Detector::ReplicaNotRunning(id) => {
                ray && !snap.replicas.iter().any(|r| &r.replica_id == id && r.state.as_deref() == Some("RUNNING"))
            }
            Detector::ControllerDown => {
                snap.controller.actor_state.as_deref() != Some("ALIVE") || snap.controller.answering == Some(false)
            }
            Detector::ProxyNotHealthy(pod) => ray && !proxy_healthy(snap, pod),
            Detector::NodeLost { pods, proxied } => {
                snap.pods.iter().any(|p| pods.contains(&p.name) && p.node_state.as_deref() == Some("DEAD"))
                    || ray && proxied.iter().any(|pod| !proxy_healthy(snap, pod))
            }
            Detector::GcsDown => !snap.gcs.port_open || snap.gcs.answering == Some(false),
            Detector::ConstructorFailed { before } => snap.constructors_raised > *before,
        }
    }

    /// The detectors that fire: their faults are detected at `at`.
    fn detect(&mut self, at: SimTime, fires: impl Fn(&Detector) -> bool) {
        for k in (0..self.detectors.len()).rev() {
            if fires(&self.detectors[k].1) {
                let (rec, _) = self.detectors.remove(k);
                self.faults[rec].detected_at = Some(at);
                self.log.record(at, Component::Fault, &format!("#{rec}"), format_args!("detected"));
            }
        }
    }
}

impl Orchestrator<'_> {
    /// Kubernetes noticed a node loss: the `node_loss` faults that lost one of `on_node` are
    /// detected.
    pub(super) fn detect_node_lost(&mut self, on_node: &[String]) {
        let at = self.sim_now();
        self.obs
            .detect(at, |d| matches!(d, Detector::NodeLost { pods, .. } if pods.iter().any(|p| on_node.contains(p))));
    }

    /// Polls the cluster: levels, state changes into the events log, fault detection, and the
    /// kubelet's and KubeRay's reactions to pods whose processes ended.
    pub(super) fn poll(&mut self) -> Result<(), LiveError> {
        let mut snap = self.observe()?;
        if !ray_answers(&snap) {
            // Replicas and proxies cannot be seen without the controller: keep the last view
            // rather than log every one of them as unknown.
            if let Some(prev) = &self.obs.last {
                snap.replicas = prev.replicas.clone();
                snap.proxies = prev.proxies.clone();
                snap.app = prev.app.clone();
            }
        }
        let at = self.sim_now();
        let terminating: Vec<String> =
            self.ops.pods.iter().filter(|(_, p)| p.expect_exit && !p.gone).map(|(n, _)| n.clone()).collect();
        let levels = snap.levels(self.sc, self.obs.levels.last().map(|(_, l)| l), &terminating);
        if self.obs.levels.last().is_none_or(|(_, l)| *l != levels) {
            self.obs.levels.push((at, levels));
        }
        log_changes(&mut self.obs.log, at, &self.obs.last.take().unwrap_or_default(), &snap);
        self.obs.detect(at, |d| Observation::fires(d, &snap));
        self.nodes_provisioned();
        for pod in &snap.pods {
            let Some(state) = self.ops.pods.get(&pod.name).cloned() else { continue };
            if pod.process != "exited" || state.gone {
                continue;
            }
            if state.expect_exit {
                // A deleted pod finished draining.
                if !state.start_pending {
                    self.note(Component::Pod, &pod.name, format_args!("TERMINATING -> GONE (drained)"));
                    self.pod_gone(&pod.name)?;
                }
                continue;
            }
            // Ray exited by itself: the kubelet restarts the container.
            self.crash_loop(&pod.name, "Ray exited");
            self.act(Action::KillPod { pod: pod.name.clone() })?;
        }
        self.obs.last = Some(snap);
        self.refresh_endpoints();
        Ok(())
    }

    /// Lost nodes whose replacement is provisioned by now are Ready again.
    fn nodes_provisioned(&mut self) {
        let now = self.now();
        let back: Vec<usize> = self.ops.node_back_at.iter().filter(|(t, _)| *t <= now).map(|(_, n)| *n).collect();
        self.ops.node_back_at.retain(|(t, _)| *t > now);
        for n in back {
            self.ops.nodes_ready[n] = true;
            let name = names::node(n as u32 + 1);
            self.note(Component::Node, &name, format_args!("LOST -> READY (replacement provisioned)"));
        }
    }
}
