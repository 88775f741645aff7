//! Kubernetes: nodes and pods, the kubelet's container restarts, and the KubeRay operator's pod
//! recreation.
//!
//! A Ray pod's life: `Pending` (no node with room) -> `Creating` (scheduled, container being
//! created) -> `WaitingForGcs` (workers only: KubeRay's `wait-gcs-ready` init container) ->
//! `Running` (container up; the raylet's own state is in [`Raylet`]). A crashed container goes to
//! `CrashLoop` until the kubelet restarts it with back-off; a deleted pod goes to `Terminating`
//! (Ray 2.60 drains the node) and then `Gone`; a pod on a lost node is `Lost` until it is
//! garbage-collected. KubeRay recreates every `Gone` Ray pod under a new name.

use crate::engine::SimTime;
use crate::journal::Component;
use crate::metrics::observations::FailureCause;
use crate::names;
use crate::policy::{kubelet, manager};
use crate::scenario::Cluster;

use super::endpoints::Endpoints;
use super::event::Event;
use super::ids::{NodeId, PodId};
use super::pod_index::PodIndex;
use super::world::{Cause, World};

/// A Kubernetes node's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    /// Schedulable, kubelet reporting.
    Ready,
    /// Gone (VM lost).
    Lost,
    /// A replacement is being provisioned.
    Provisioning,
    /// The Node object is deleted while its VM and kubelet run on (`node_delete`): nothing is
    /// scheduled there, its pods run until PodGC deletes them.
    Deleted,
    /// Its VM is cut off from the API server and the other nodes (`node_unreachable`): nothing
    /// is scheduled there, its pods run on out of reach.
    Unreachable,
}

/// A Kubernetes node.
#[derive(Clone, Debug)]
pub struct K8sNode {
    /// `node-N`.
    pub name: String,
    /// Current state.
    pub state: NodeState,
    /// The fault that lost it last.
    pub lost_by: Option<usize>,
    /// Its node pool.
    pub pool: usize,
}

/// What a pod runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodRole {
    /// The Ray head: GCS, head raylet, Serve controller.
    Head,
    /// A worker of the given group index.
    Worker(usize),
}

impl PodRole {
    /// The worker group index, `None` for the head.
    pub fn group(self) -> Option<usize> {
        match self {
            PodRole::Head => None,
            PodRole::Worker(g) => Some(g),
        }
    }
}

/// A pod's lifecycle phase (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    /// Waiting for a node with room.
    Pending,
    /// Scheduled; its container is being created.
    Creating,
    /// The `wait-gcs-ready` init container polls the GCS.
    WaitingForGcs,
    /// The container runs.
    Running,
    /// The container exited; the kubelet restarts it after a back-off.
    CrashLoop,
    /// Deleted; Ray drains the node before its processes exit.
    Terminating,
    /// Its node is gone; the pod object lingers until garbage collection.
    Lost,
    /// Deleted.
    Gone,
}

impl PodPhase {
    /// Upper-case name for the events log.
    pub fn label(self) -> &'static str {
        match self {
            PodPhase::Pending => "PENDING",
            PodPhase::Creating => "CREATING",
            PodPhase::WaitingForGcs => "WAITING_FOR_GCS",
            PodPhase::Running => "RUNNING",
            PodPhase::CrashLoop => "CRASH_LOOP_BACKOFF",
            PodPhase::Terminating => "TERMINATING",
            PodPhase::Lost => "LOST",
            PodPhase::Gone => "GONE",
        }
    }
}

/// The raylet of a Ray pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raylet {
    /// Not running.
    Down,
    /// Running, waiting to register with a GCS.
    Starting,
    /// Registered with the GCS of cluster `cluster`.
    Alive { cluster: u32 },
    /// Lost its GCS at `since`; waits up to the reconnect timeout.
    Disconnected { cluster: u32, since: SimTime },
}

/// A Ray pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Pod name (`head`, `small-group-1`, ...; recreated pods get new names).
    pub name: String,
    /// Head or worker.
    pub role: PodRole,
    /// The node pool it may be scheduled on.
    pub pool: usize,
    /// The node it is bound to.
    pub node: Option<NodeId>,
    /// Lifecycle phase.
    pub phase: PodPhase,
    /// Its raylet.
    pub raylet: Raylet,
    /// Bumped whenever pending timers of this pod become stale.
    pub inc: u32,
    /// Container restarts so far.
    pub restarts: u32,
    /// The kubelet's back-off record of its container.
    pub backoff: kubelet::BackOff,
    /// Passed its last readiness probe: a member of the serve Service's endpoints unless gone
    /// (set only through `World::set_endpoint_ready`, which keeps [`Endpoints`] up to date).
    endpoint_ready: bool,
    /// Ray is draining this node (pod deletion): no new replicas, proxy draining.
    pub draining: bool,
    /// The node vanished without closing connections: calls hang instead of failing.
    pub unreachable_since: Option<SimTime>,
    /// The fault that took this pod down, if any.
    pub fault: Option<usize>,
    /// Cut off from the head and the other Ray nodes by a network partition, while one holds.
    pub partition: Option<super::partition::Partition>,
    /// The GCS has published this pod's node as dead.
    pub gcs_knows_dead: bool,
    /// The GCS's health checks would have declared this pod's node dead while the GCS was
    /// down: a GCS that restarts with the same node table (GCS FT) checks it again.
    pub gcs_death_due: bool,
}

impl Pod {
    /// True while Ray processes run in it and are registered with a GCS.
    pub fn ray_alive(&self) -> bool {
        matches!(self.raylet, Raylet::Alive { .. } | Raylet::Disconnected { .. })
    }

    /// True when its last readiness probe passed (see [`Endpoints`] for the Service's members).
    pub fn endpoint_ready(&self) -> bool {
        self.endpoint_ready
    }
}

/// What Kubernetes and the KubeRay operator hold: nodes, pods, the scheduling index and the
/// counters behind recreated pods' names.
#[derive(Clone, Debug)]
pub struct Kubernetes {
    /// The Kubernetes nodes, by [`NodeId`].
    pub nodes: Vec<K8sNode>,
    /// Every Ray pod ever created, by [`PodId`]; gone pods keep their final state.
    pub pods: Vec<Pod>,
    /// Scheduling index over pods and nodes, kept by their transitions.
    pub pod_index: PodIndex,
    /// The serve Service's ready endpoints, kept by readiness and phase changes.
    pub endpoints: Endpoints,
    /// The current head pod (none between its removal and its recreation).
    pub head: Option<PodId>,
    /// Number of the current head pod's name (`head`, `head-2`, ...).
    pub head_generation: u32,
    /// Pods created so far in each worker group (the number in their names).
    pub worker_generation: Vec<u32>,
    /// Each worker group's `replicas` in the RayCluster: the pod objects KubeRay keeps (the Ray
    /// autoscaler changes it).
    pub group_target: Vec<u32>,
}

impl Kubernetes {
    /// The cluster's nodes, all Ready, and no pod yet.
    pub fn new(cluster: &Cluster) -> Self {
        let nodes: Vec<K8sNode> = (1..=cluster.k8s_nodes)
            .map(|i| K8sNode {
                name: names::node(i),
                state: NodeState::Ready,
                lost_by: None,
                pool: cluster.pool_of_node(i - 1),
            })
            .collect();
        let pod_index = PodIndex::build(&nodes, &[], cluster.ray_pods_per_node, cluster.node_pools.len());
        Kubernetes {
            nodes,
            pods: Vec::new(),
            pod_index,
            endpoints: Endpoints::default(),
            head: None,
            head_generation: 1,
            worker_generation: vec![0; cluster.worker_groups.len()],
            group_target: cluster.worker_groups.iter().map(|g| g.replicas).collect(),
        }
    }
}

impl World {
    /// The repairs the cluster's manager makes (KubeRay's, or none on plain Ray).
    pub(crate) fn repairs(&self) -> manager::Repairs {
        manager::repairs(self.scenario.cluster.manager)
    }

    /// Sets a pod's phase and logs the transition.
    pub(super) fn set_pod_phase(&mut self, pod: PodId, phase: PodPhase, why: &str) {
        let p = &mut self.k8s.pods[pod.ix()];
        let from = p.phase;
        if from == phase {
            return;
        }
        p.phase = phase;
        let name = p.name.clone();
        let (node, pool) = (p.node, p.pool);
        self.k8s.pod_index.pod_phase_changed(pod, pool, node, from, phase);
        self.k8s.endpoints.update(pod, &self.k8s.pods[pod.ix()]);
        self.log(Component::Pod, &name, format_args!("{} -> {} ({why})", from.label(), phase.label()));
        self.observed.levels_dirty = true;
    }

    /// Sets whether a pod passed its readiness probe, keeping the Service's endpoints up to date.
    pub(super) fn set_endpoint_ready(&mut self, pod: PodId, ready: bool) {
        self.k8s.pods[pod.ix()].endpoint_ready = ready;
        self.k8s.endpoints.update(pod, &self.k8s.pods[pod.ix()]);
    }

    /// Creates a new Ray pod object (KubeRay) and schedules it if a node has room.
    pub(super) fn create_pod(&mut self, name: String, role: PodRole) -> PodId {
        let id = PodId(self.k8s.pods.len() as u32);
        let pool = self.scenario.cluster.pool_of_group(role.group());
        self.k8s.pods.push(Pod {
            name: name.clone(),
            role,
            pool,
            node: None,
            phase: PodPhase::Pending,
            raylet: Raylet::Down,
            inc: 0,
            restarts: 0,
            backoff: kubelet::BackOff::default(),
            endpoint_ready: false,
            draining: false,
            unreachable_since: None,
            partition: None,
            fault: None,
            gcs_knows_dead: false,
            gcs_death_due: false,
        });
        self.k8s.pod_index.pod_created(id, pool);
        let by = if self.repairs().pod_recreation { "created by KubeRay" } else { "a VM's Ray node" };
        self.log(Component::Pod, &name, format_args!("{by} (PENDING)"));
        self.observed.levels_dirty = true;
        self.schedule_pending_pods();
        id
    }

    /// The container is created: workers wait for the GCS first, the head starts Ray.
    pub(super) fn on_pod_started(&mut self, pod: PodId) {
        match self.k8s.pods[pod.ix()].role {
            PodRole::Head => self.start_container(pod, "container started"),
            PodRole::Worker(_) => {
                self.set_pod_phase(pod, PodPhase::WaitingForGcs, "init container wait-gcs-ready");
                self.on_wait_gcs_poll(pod);
            }
        }
    }

    /// `wait-gcs-ready` runs `ray health-check`; on success the Ray container starts.
    pub(super) fn on_wait_gcs_poll(&mut self, pod: PodId) {
        if self.gcs_up() {
            self.start_container(pod, "GCS reachable");
        } else {
            let inc = self.k8s.pods[pod.ix()].inc;
            self.schedule_in(self.scenario.timings.wait_gcs_ready_period, Event::WaitGcsPoll { pod, inc });
        }
    }

    /// The Ray container starts (`ray start --block`).
    fn start_container(&mut self, pod: PodId, why: &str) {
        self.set_pod_phase(pod, PodPhase::Running, why);
        let inc = self.k8s.pods[pod.ix()].inc;
        let t = &self.scenario.timings;
        let ray_start = if self.k8s.pods[pod.ix()].role == PodRole::Head { t.head_ray_start } else { t.ray_start };
        self.schedule_in(ray_start, Event::RayStarted { pod, inc });
        if self.readiness_probes_enabled() {
            let delay = self.scenario.timings.readiness_initial_delay;
            self.schedule_in(delay, Event::ReadinessProbe { pod, inc });
        }
    }

    /// The container exited (Ray processes died); the kubelet restarts it after a back-off.
    pub(super) fn container_crashed(&mut self, pod: PodId, why: &str) {
        if self.k8s.pods[pod.ix()].phase != PodPhase::Running {
            return;
        }
        self.kill_ray_processes(pod, Cause::ContainerExit, true);
        self.k8s.pods[pod.ix()].inc += 1;
        if !self.repairs().container_restart {
            // Plain `ray start`: nothing restarts the node's Ray.
            self.set_pod_phase(pod, PodPhase::Gone, &format!("{why}; nothing restarts Ray (plain Ray)"));
            return;
        }
        self.set_pod_phase(pod, PodPhase::CrashLoop, why);
        let p = &mut self.k8s.pods[pod.ix()];
        let backoff = p.backoff.on_exit(&self.scenario.timings, self.now);
        p.restarts += 1;
        let inc = p.inc;
        self.schedule_in(backoff, Event::ContainerRestart { pod, inc });
    }

    /// Ray's processes in `pod` exit on their own: a running container crashes (and is
    /// restarted), a terminating pod finishes terminating.
    pub(crate) fn ray_exits(&mut self, pod: PodId, why: &str) {
        match self.k8s.pods[pod.ix()].phase {
            PodPhase::Running => self.container_crashed(pod, why),
            PodPhase::Terminating => self.finish_termination(pod, why),
            _ => self.kill_ray_processes(pod, Cause::ContainerExit, true),
        }
    }

    /// The kubelet restarts the container (init containers do not run again). The pod's new
    /// Ray processes owe nothing to the fault that killed the old ones.
    pub(super) fn on_container_restart(&mut self, pod: PodId) {
        self.k8s.pods[pod.ix()].fault = None;
        self.start_container(pod, "kubelet restarted the container");
    }

    /// `kubectl delete pod`: Ray 2.60 drains the node, then the processes exit. Deleting a pod
    /// that is already terminating changes nothing: the API server keeps the first deletion's
    /// grace period unless a shorter one is asked for (Kubernetes graceful deletion,
    /// `k8s.io/apiserver/pkg/registry/rest/delete.go` BeforeDelete), and `kubectl delete` asks
    /// for none.
    pub(super) fn delete_pod(&mut self, pod: PodId, fault: Option<usize>) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Terminating {
            let name = self.k8s.pods[pod.ix()].name.clone();
            self.log(Component::Pod, &name, format_args!("already terminating; deletion changes nothing"));
            return;
        }
        self.set_endpoint_ready(pod, false);
        let p = &mut self.k8s.pods[pod.ix()];
        p.fault = fault;
        p.inc += 1;
        if p.phase != PodPhase::Running || !p.ray_alive() {
            self.remove_pod(pod, "deleted");
            return;
        }
        p.draining = true;
        let inc = p.inc;
        self.set_pod_phase(pod, PodPhase::Terminating, "deleted; Ray drains the node");
        self.schedule_in(self.scenario.timings.node_drain_timeout, Event::DrainDeadline { pod, inc });
        self.serve_node_draining(pod);
        self.maybe_finish_drain(pod);
    }

    /// A terminating pod exits once Serve has moved its replicas away.
    pub(super) fn maybe_finish_drain(&mut self, pod: PodId) {
        let p = &self.k8s.pods[pod.ix()];
        // A terminating pod whose node is lost does not drain: it is lost with the node.
        if p.phase != PodPhase::Terminating || !p.node.is_some_and(|n| self.node_ready(n)) {
            return;
        }
        // The node is idle once its replicas have stopped and its draining proxy has stopped
        // (after its minimum draining period): measured live, Ray 2.60 keeps a drained worker
        // until then.
        let proxy_alive = self.live_proxy_on(pod).is_some_and(|px| self.serve.proxies[px.ix()].actor_alive);
        if proxy_alive
            || self.serve.index.replicas_hosted_on(pod).iter().any(|r| self.serve.replicas[r.ix()].actor_alive)
        {
            return;
        }
        self.finish_termination(pod, "drained");
    }

    /// The drain budget is over: remaining processes are killed.
    pub(super) fn on_drain_deadline(&mut self, pod: PodId) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Terminating {
            self.finish_termination(pod, "drain timeout");
        }
    }

    fn finish_termination(&mut self, pod: PodId, why: &str) {
        // The raylet unregisters itself: the GCS marks the node dead at once.
        self.kill_ray_processes(pod, Cause::PodDeleted, true);
        self.remove_pod(pod, why);
    }

    /// The pod object disappears; KubeRay creates a replacement.
    pub(super) fn remove_pod(&mut self, pod: PodId, why: &str) {
        if self.k8s.pods[pod.ix()].phase == PodPhase::Gone {
            return;
        }
        self.kill_ray_processes(pod, Cause::PodDeleted, true);
        // Killing a terminating pod's last actor finishes its drain, which removes it: once.
        if self.k8s.pods[pod.ix()].phase == PodPhase::Gone {
            return;
        }
        // KubeRay sees the pod object gone and replaces it: `raycluster_controller.go`
        // reconcilePods creates `numExpectedPods - len(runningPods.Items)` pods, where every
        // listed pod object counts, terminating or lost ones included.
        if let Some(f) = self.k8s.pods[pod.ix()].fault {
            self.detect(f);
        }
        self.set_endpoint_ready(pod, false);
        let p = &mut self.k8s.pods[pod.ix()];
        p.inc += 1;
        let role = p.role;
        self.set_pod_phase(pod, PodPhase::Gone, why);
        if self.k8s.head == Some(pod) {
            self.k8s.head = None;
        }
        if self.kuberay_replaces(role) {
            let new = self.recreate_pod(role);
            self.lb_pod_replaced(pod, new);
        }
        self.schedule_pending_pods();
    }

    /// Whether KubeRay replaces a gone pod of `role`: always the head; a worker while its group
    /// has fewer pod objects than its `replicas` (not after the Ray autoscaler lowered them and
    /// named the pod in `workersToDelete`).
    fn kuberay_replaces(&self, role: PodRole) -> bool {
        let Some(g) = role.group() else { return true };
        let pods = self.k8s.pods.iter().filter(|p| p.role == role && p.phase != PodPhase::Gone).count();
        pods < self.k8s.group_target[g] as usize
    }

    /// KubeRay's reconcile: one new pod for one that is gone, or for a group whose `replicas`
    /// went up.
    pub(super) fn recreate_pod(&mut self, role: PodRole) -> PodId {
        let name = match role {
            PodRole::Head => {
                self.k8s.head_generation += 1;
                names::head_pod(self.k8s.head_generation)
            }
            PodRole::Worker(g) => {
                self.k8s.worker_generation[g] += 1;
                names::worker_pod(&self.scenario.cluster.worker_groups[g].name, self.k8s.worker_generation[g])
            }
        };
        let id = self.create_pod(name, role);
        if role == PodRole::Head {
            self.k8s.head = Some(id);
        }
        id
    }

    /// Kubernetes readiness probe (RayService workers: failureThreshold 1): ready when Ray runs and
    /// the proxy's `/-/healthz` answers 200. The head's serve label follows the same rule (set by
    /// the RayService reconcile).
    pub(super) fn on_readiness_probe(&mut self, pod: PodId) {
        let p = &self.k8s.pods[pod.ix()];
        if p.phase != PodPhase::Running {
            return;
        }
        // A kubelet cut off from the API server cannot report the result.
        let reported = p.partition.is_none_or(|q| q.kubernetes_reaches);
        let ready = self.pod_serves_http(pod);
        if reported && ready != p.endpoint_ready {
            self.set_endpoint_ready(pod, ready);
            let name = self.k8s.pods[pod.ix()].name.clone();
            let what = if ready { "added (readiness passed)" } else { "removed (readiness failed)" };
            self.log(Component::Endpoint, &name, format_args!("{what}"));
        }
        if !self.park_readiness_probe(pod) {
            let period = self.readiness_period(self.k8s.pods[pod.ix()].role);
            let inc = self.k8s.pods[pod.ix()].inc;
            self.schedule_in(period, Event::ReadinessProbe { pod, inc });
        }
    }

    /// Readiness probes run only when a Service balances the traffic.
    pub(super) fn readiness_probes_enabled(&self) -> bool {
        self.scenario.ingress == crate::scenario::Ingress::Service
    }
}

/// Failure cause for a request that reaches a pod in this phase.
pub fn unreachable_pod_cause(phase: PodPhase) -> FailureCause {
    match phase {
        PodPhase::Gone | PodPhase::Lost | PodPhase::Pending => FailureCause::NoEndpoint,
        _ => FailureCause::ProxyUnavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::testing::{TestWorld, secs};

    fn world(faults: &str) -> TestWorld {
        TestWorld::guide(&format!(r#""faults": [{faults}]"#))
    }

    fn alive(t: &TestWorld, pod: &str) -> bool {
        matches!(t.pod(pod).raylet, Raylet::Alive { .. })
    }

    #[test]
    fn a_worker_waits_for_the_gcs_in_its_init_container() {
        let mut t = world(r#"{ "kind": "head_pod_crash", "at_s": 60 }"#);
        t.run_until(secs(60));
        // small-group-1's pod object goes at once: its replacement is scheduled on node-2 now.
        let pod = t.pod_id("small-group-1");
        t.world_mut().remove_pod(pod, "test");
        t.run_until(secs(91));
        // small-group-3's container was created at 65 while the GCS was down (head-2 brings it
        // up at 75): it polls every 5 s and starts Ray at the first poll that finds the GCS.
        assert_eq!(t.logged_at(secs(60), &["gcs", "-> UP(cluster 1)"]), secs(75));
        assert_eq!(t.logged_at(secs(60), &["small-group-3", "-> WAITING_FOR_GCS"]), secs(65));
        assert_eq!(t.logged_at(secs(60), &["small-group-3", "WAITING_FOR_GCS -> RUNNING (GCS reachable)"]), secs(75));
        assert!(alive(&t, "small-group-3"));
    }

    #[test]
    fn a_crashing_container_restarts_at_once_then_after_10_s_then_20_s() {
        let mut t = world("");
        let pod = t.pod_id("small-group-1");
        for (crash_at, restart_at) in [(10, 10), (20, 30), (40, 60)] {
            t.run_until(secs(crash_at));
            assert!(alive(&t, "small-group-1"), "Ray is back before the crash at {crash_at} s");
            t.world_mut().container_crashed(pod, "test crash");
            assert_eq!(t.pod("small-group-1").raylet, Raylet::Down);
            let restarted = t.run_until_true(|w| w.k8s.pods[pod.ix()].phase == PodPhase::Running);
            assert_eq!(restarted, secs(restart_at), "crash at {crash_at} s");
            // Init containers do not run again: Ray starts ray_start (5 s) after the restart.
            let back = t.run_until_true(|w| matches!(w.k8s.pods[pod.ix()].raylet, Raylet::Alive { .. }));
            assert_eq!(back, secs(restart_at + 5));
        }
        assert_eq!(t.pod("small-group-1").restarts, 3);
    }

    #[test]
    fn a_deleted_worker_drains_then_goes_and_kuberay_recreates_it_under_a_new_name() {
        let mut t = world(r#"{ "kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2" }"#);
        t.run_until(secs(60));
        let p = t.pod("small-group-2");
        assert_eq!((p.phase, p.draining), (PodPhase::Terminating, true));
        assert!(t.world().k8s.pods.iter().all(|p| p.name != "small-group-3"), "no replacement while it drains");
        // Its replicas migrate away at once; its proxy drains for its minimum 30 s, and the node
        // is kept until then (the drain budget is also 30 s).
        let gone = t.run_until_true(|w| w.k8s.pods[2].phase == PodPhase::Gone);
        assert_eq!(gone, secs(90));
        assert_eq!(t.pod("small-group-3").phase, PodPhase::Creating);
        let running = t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Running);
        assert_eq!(running, secs(95));
        assert_eq!(t.run_until_true(|w| matches!(w.k8s.pods.last().unwrap().raylet, Raylet::Alive { .. })), secs(100));
    }

    #[test]
    fn deleting_a_terminating_pod_changes_nothing() {
        let mut t = world(r#"{ "kind": "worker_pod_deletion", "at_s": 60, "target": "small-group-2" }"#);
        t.run_until(secs(70));
        let pod = t.pod_id("small-group-2");
        let inc = t.pod("small-group-2").inc;
        t.world_mut().delete_pod(pod, None);
        assert_eq!((t.pod("small-group-2").phase, t.pod("small-group-2").inc), (PodPhase::Terminating, inc));
        assert_eq!(t.run_until_true(|w| w.k8s.pods[pod.ix()].phase == PodPhase::Gone), secs(90));
    }

    #[test]
    fn a_lost_node_loses_its_pod_which_is_collected_after_80_s_and_recreated_when_a_node_returns() {
        let mut t = world(r#"{ "kind": "node_loss", "at_s": 60, "target": "node-3" }"#);
        t.run_until(secs(60));
        assert_eq!(t.world().k8s.nodes[2].state, NodeState::Lost);
        assert_eq!(t.pod("small-group-2").phase, PodPhase::Lost);
        assert_eq!(t.pod("small-group-2").raylet, Raylet::Down);
        // Node NotReady 40 s later, deleted by the cloud controller then, its pods by PodGC 40 s
        // after that; the replacement waits for a node: node-3 is provisioned again 90 s after
        // the loss.
        let gone = t.run_until_true(|w| w.k8s.pods[2].phase == PodPhase::Gone);
        assert_eq!(gone, secs(140));
        assert_eq!(t.pod("small-group-3").phase, PodPhase::Pending);
        let scheduled = t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Creating);
        assert_eq!(scheduled, secs(150));
        assert_eq!(t.world().k8s.nodes[2].state, NodeState::Ready);
        assert_eq!(t.pod("small-group-3").node, Some(NodeId(2)));
        // pod_start (5 s); wait-gcs-ready finds the GCS up at its first poll; ray_start (5 s).
        assert_eq!(t.run_until_true(|w| w.k8s.pods.last().unwrap().phase == PodPhase::Running), secs(155));
        assert_eq!(t.logged_at(secs(150), &["small-group-3", "CREATING -> WAITING_FOR_GCS"]), secs(155));
        assert_eq!(t.run_until_true(|w| matches!(w.k8s.pods.last().unwrap().raylet, Raylet::Alive { .. })), secs(160));
        // The GCS declared the black-holed node dead after 5 failed checks 3 s apart, each
        // waiting its 10 s timeout: 3 + 4 x 3 + 5 x 10 = 65 s.
        assert_eq!(t.logged_at(secs(60), &["gcs", "small-group-2 marked DEAD"]), secs(125));
    }
}
