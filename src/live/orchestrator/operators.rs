//! The operators live mode plays itself, and the pods as they see them: KubeRay recreating a
//! deleted pod, the kubelet restarting a crashed container with back-off, RayService resubmitting
//! the application and probing readiness, Kubernetes turning a lost node NotReady.

use std::collections::BTreeMap;
use std::time::Duration;

use super::service::readiness_period;
use super::timeline::{Schedule, Task};
use super::{LiveError, Orchestrator};
use crate::engine::SimTime;
use crate::journal::Component;
use crate::live::adapter::Action;
use crate::names;
use crate::policy::{kubelet, kuberay, manager, redis};
use crate::scenario::{Ingress, Scenario};

/// One pod as the operators see it.
#[derive(Clone, Debug, Default)]
pub(super) struct PodState {
    /// Index of its Kubernetes node.
    pub node: usize,
    /// Deleted (or lost with its node) for good.
    pub gone: bool,
    /// Its processes are expected to exit (deleted, crashed, or not started yet).
    pub expect_exit: bool,
    /// The kubelet's back-off record of its container.
    pub backoff: kubelet::BackOff,
    /// Its worker group; `None` for the head.
    pub group: Option<usize>,
    /// Counts the pod's starts; a readiness probe of an earlier start is dropped.
    pub starts: u32,
    /// The last readiness probe passed: the pod is one of the Service's endpoints.
    pub endpoint_ready: bool,
    /// Creation sequence: 0 for the first pod, then in KubeRay's creation order.
    pub created: usize,
    /// Its container start is scheduled.
    pub start_pending: bool,
}

/// The operators' state.
pub(super) struct Operators {
    /// Pods by name.
    pub pods: BTreeMap<String, PodState>,
    /// Pods created so far.
    pub created: usize,
    /// The last pod number of each worker group.
    pub worker_generation: Vec<u32>,
    /// Whether each Kubernetes node is Ready.
    pub nodes_ready: Vec<bool>,
    /// The node pool of each Kubernetes node.
    pub node_pool: Vec<usize>,
    /// Lost nodes and when their replacement is provisioned.
    pub node_back_at: Vec<(Duration, usize)>,
    /// Nodes whose Node object was deleted (`node_delete`): they take no pod again.
    pub nodes_deleted: Vec<usize>,
    /// Redis outages in force.
    pub redis_down: u32,
    /// The GCS-FT head whose start waits for Redis.
    pub head_waiting_for_redis: Option<String>,
    /// The head pods created so far (KubeRay's replacements are `head-2`, `head-3`, ...).
    pub head_generation: u32,
    /// The current head pod.
    pub head: String,
    /// The head pod whose container the adapter started last: the one its `head` is.
    pub adapter_head: String,
}

impl Operators {
    /// The scenario's initial pods, serving; with Service ingress their first readiness probes
    /// are put on `schedule`.
    pub(super) fn new(sc: &Scenario, schedule: &mut Schedule) -> Self {
        let mut pods = BTreeMap::new();
        let per_node = sc.cluster.ray_pods_per_node as usize;
        let initial = sc.initial_ray_pods();
        let node_pool: Vec<usize> = (0..sc.cluster.k8s_nodes).map(|n| sc.cluster.pool_of_node(n)).collect();
        let mut bound = vec![0; node_pool.len()];
        for (i, name) in initial.iter().enumerate() {
            let group = sc.cluster.group_of_pod(name);
            let ready = sc.ingress == Ingress::Service;
            // As the simulator's scheduler: the lowest-numbered node of the pod's pool with room.
            let pool = sc.cluster.pool_of_group(group);
            let node =
                (0..node_pool.len()).find(|&n| node_pool[n] == pool && bound[n] < per_node).unwrap_or(i / per_node);
            bound[node] += 1;
            let state = PodState { node, group, endpoint_ready: ready, created: i, ..PodState::default() };
            pods.insert(name.clone(), state);
        }
        if sc.ingress == Ingress::Service {
            // The cluster serves at t = 0: its pods passed their first probes.
            for name in pods.keys() {
                schedule.push(
                    Duration::from(readiness_period(sc, name)),
                    Task::ReadinessProbe { pod: name.clone(), start: 0 },
                );
            }
        }
        Operators {
            pods,
            created: initial.len(),
            worker_generation: sc.cluster.worker_groups.iter().map(|g| g.replicas).collect(),
            nodes_ready: vec![true; sc.cluster.k8s_nodes as usize],
            node_pool,
            node_back_at: Vec::new(),
            nodes_deleted: Vec::new(),
            redis_down: 0,
            head_waiting_for_redis: None,
            head_generation: 1,
            head: names::HEAD_POD.to_string(),
            adapter_head: names::HEAD_POD.to_string(),
        }
    }

    /// The pods in creation order.
    pub(super) fn in_creation_order(&self) -> Vec<(&String, &PodState)> {
        let mut pods: Vec<(&String, &PodState)> = self.pods.iter().collect();
        pods.sort_by_key(|(_, p)| p.created);
        pods
    }

    /// A node of pool `pool` Ready at `at` (Ready now, or a lost node's replacement back by
    /// then) with room for one more pod, the first by number: where the simulator's scheduler
    /// binds a pod of that pool created at `at`.
    pub(super) fn free_node(&self, per_node: usize, at: Duration, pool: usize) -> Option<usize> {
        let ready = |n: usize| self.nodes_ready[n] || self.node_back_at.iter().any(|&(t, b)| b == n && t <= at);
        (0..self.nodes_ready.len()).find(|&n| self.node_pool[n] == pool && ready(n) && self.pods_on(n) < per_node)
    }

    /// The node a pod that waits for one gets: the first lost node to be back (the
    /// lowest-numbered of those back at once) not yet promised to `per_node` pods, as the
    /// simulator's scheduler binds pending pods in creation order to the nodes that return
    /// (several come back at once after a zone outage).
    pub(super) fn returning_node(&self, per_node: usize, pool: usize) -> Option<usize> {
        let mut back = self.node_back_at.clone();
        back.sort();
        back.into_iter().map(|(_, n)| n).find(|&n| self.node_pool[n] == pool && self.pods_on(n) < per_node)
    }

    /// Pods on node `n` that are not gone (running, or promised to it).
    fn pods_on(&self, n: usize) -> usize {
        self.pods.values().filter(|p| !p.gone && p.node == n).count()
    }
}

impl Orchestrator<'_> {
    /// The repairs the cluster's manager makes (KubeRay's, or none on plain Ray).
    pub(super) fn repairs(&self) -> manager::Repairs {
        manager::repairs(self.sc.cluster.manager)
    }

    /// RayService: no application on the cluster; it submits the Serve config again.
    pub(super) fn resubmit(&mut self) -> Result<(), LiveError> {
        self.note(
            Component::Kuberay,
            "rayservice",
            format_args!("no Serve application found; resubmitting the Serve config"),
        );
        self.act(Action::Deploy)
    }

    /// RayService: the dashboard finds no controller, so no application; the config it submits
    /// again is unchanged, so only `serve.start` matters: a new controller recovers the
    /// application.
    pub(super) fn start_serve(&mut self) -> Result<(), LiveError> {
        self.note(
            Component::Kuberay,
            "rayservice",
            format_args!("no Serve application found (no controller); resubmitting the Serve config"),
        );
        self.act(Action::StartServe)
    }

    /// One Redis outage is over; Redis starts when none is left, and a held head with it.
    pub(super) fn redis_back(&mut self) -> Result<(), LiveError> {
        self.ops.redis_down = self.ops.redis_down.saturating_sub(1);
        if self.ops.redis_down == 0 {
            self.act(Action::StartRedis)?;
            if let Some(head) = self.ops.head_waiting_for_redis.take() {
                self.start_container(&head)?;
            }
        }
        Ok(())
    }

    /// A lost node turns NotReady: its pods leave the Service, and the loss is detected.
    pub(super) fn node_not_ready(&mut self, node: usize) {
        let lost: Vec<String> = self
            .ops
            .pods
            .iter()
            .filter(|(_, p)| p.node == node && p.gone && p.endpoint_ready)
            .map(|(n, _)| n.clone())
            .collect();
        for name in lost {
            self.ops.pods.get_mut(&name).expect("listed above").endpoint_ready = false;
            self.note(Component::Endpoint, &name, format_args!("removed (node NotReady)"));
        }
        self.refresh_endpoints();
        // Kubernetes has noticed the loss: the fault is detected (as in the simulator), even
        // when the GCS that would also notice it was on that node.
        let on_node: Vec<String> =
            self.ops.pods.iter().filter(|(_, p)| p.node == node).map(|(n, _)| n.clone()).collect();
        self.detect_node_lost(&on_node);
    }

    /// PodGC force-deletes the pods bound to deleted Node `node`: the kubelet kills their
    /// containers and KubeRay recreates them on nodes with room. A Redis pod among them is
    /// replaced by its ReplicaSet ([`redis::back_after_pod_deletion`]), as in the simulator.
    pub(super) fn orphans_deleted(&mut self, node: usize) -> Result<(), LiveError> {
        let orphans: Vec<String> = (self.ops.in_creation_order().into_iter())
            .filter(|(_, p)| p.node == node && !p.gone)
            .map(|(n, _)| n.clone())
            .collect();
        let deleted = self.sim_now();
        for pod in orphans {
            self.note(Component::Pod, &pod, format_args!("deleted by PodGC (its Node is gone); the kubelet kills it"));
            self.pod_deleted_at(&pod, deleted)?;
        }
        if self.sc.cluster.redis_pod_node() == Some(node as u32) && self.sc.cluster.gcs_fault_tolerance {
            self.note(Component::Redis, "redis", format_args!("its pod was deleted by PodGC (its Node is gone)"));
            if self.ops.redis_down == 0 {
                self.act(Action::StopRedis)?;
            }
            self.ops.redis_down += 1;
            let back = redis::back_after_pod_deletion(self.sc.cluster.redis_mode, &self.sc.timings);
            self.schedule(Duration::from(back), Task::RedisBack);
        }
        Ok(())
    }

    /// A deleted pod's drain deadline: its processes are killed if still there.
    pub(super) fn drain_deadline(&mut self, name: &str) -> Result<(), LiveError> {
        if self.ops.pods.get(name).is_some_and(|p| !p.gone) {
            self.note(Component::Pod, name, format_args!("drain deadline: processes killed"));
            self.pod_gone(name)?;
        }
        Ok(())
    }

    /// After the head restarts without GCS fault tolerance the cluster is empty: RayService
    /// resubmits the application once the head is ready (readiness initial delay, 2 s grid).
    fn after_pod_started(&mut self, name: &str) {
        if self.sc.ingress == Ingress::Service
            && let Some(p) = self.ops.pods.get_mut(name)
        {
            p.starts += 1;
            p.endpoint_ready = false;
            let probe = Task::ReadinessProbe { pod: name.to_string(), start: p.starts };
            self.schedule(Duration::from(self.sc.timings.readiness_initial_delay), probe);
        }
        if names::is_head_pod(name) && !self.sc.cluster.gcs_fault_tolerance {
            let at = kuberay::resubmission_at(self.sim_now(), &self.sc.timings);
            self.schedule(Duration::from(at.saturating_since(self.sim_now())), Task::Resubmit);
        }
        self.refresh_endpoints();
    }

    /// Schedules the start of `name`'s container after `delay`.
    pub(super) fn start_after(&mut self, name: &str, delay: Duration) {
        if let Some(p) = self.ops.pods.get_mut(name) {
            p.start_pending = true;
        }
        self.schedule(delay, Task::StartPod(name.to_string()));
    }

    /// KubeRay: a deleted pod is replaced under a new name (workers) or as a new head.
    /// Without KubeRay (plain Ray) nothing recreates it.
    pub(super) fn recreate_after(&mut self, name: &str, delay: Duration) {
        if !self.repairs().pod_recreation {
            self.note(Component::Pod, name, format_args!("gone for good: nothing recreates it (plain Ray)"));
            return;
        }
        let Some(state) = self.ops.pods.get(name).cloned() else { return };
        let new_name = match state.group {
            Some(g) => {
                self.ops.worker_generation[g] += 1;
                names::worker_pod(&self.sc.cluster.worker_groups[g].name, self.ops.worker_generation[g])
            }
            None => {
                self.ops.head_generation += 1;
                self.ops.head = names::head_pod(self.ops.head_generation);
                self.ops.head.clone()
            }
        };
        let per_node = self.sc.cluster.ray_pods_per_node as usize;
        // KubeRay creates the pod (and the scheduler binds it) a pod start before it starts.
        let created_at = self.now() + delay.saturating_sub(Duration::from(self.sc.timings.pod_start));
        let pool = self.sc.cluster.pool_of_group(state.group);
        // A deleted Node takes no pod again: with no room elsewhere the pod stays pending.
        let node = (self.ops.free_node(per_node, created_at, pool))
            .or_else(|| self.ops.returning_node(per_node, pool))
            .or_else(|| (!self.ops.nodes_deleted.contains(&state.node)).then_some(state.node));
        let created = self.ops.created;
        self.ops.created += 1;
        let pod = PodState {
            node: node.unwrap_or(state.node),
            expect_exit: true,
            group: state.group,
            created,
            ..PodState::default()
        };
        self.ops.pods.insert(new_name.clone(), pod);
        self.lb_pod_replaced(name, &new_name);
        if node.is_none() {
            self.note(Component::Pod, &new_name, format_args!("created by KubeRay (PENDING: no node has room)"));
            return;
        }
        self.note(Component::Pod, &new_name, format_args!("created by KubeRay; starts in {delay:?}"));
        self.start_after(&new_name, delay);
    }

    /// The pod's processes are gone for good (deleted pod): kill leftovers, recreate it.
    pub(super) fn pod_gone(&mut self, name: &str) -> Result<(), LiveError> {
        self.pod_deleted_at(name, self.sim_now())
    }

    /// The pod object was deleted at `deleted`: kill its leftovers; KubeRay's replacement starts
    /// the pod start after `deleted`, however long the kills took.
    fn pod_deleted_at(&mut self, name: &str, deleted: SimTime) -> Result<(), LiveError> {
        if let Some(p) = self.ops.pods.get_mut(name) {
            p.gone = true;
            p.expect_exit = true;
            p.endpoint_ready = false;
        }
        self.act(Action::KillPod { pod: name.to_string() })?;
        self.refresh_endpoints();
        self.recreate_after(name, self.until(deleted + self.sc.timings.pod_start));
        Ok(())
    }

    /// The kubelet's restart of a crashed container, unless its pod was replaced meanwhile.
    pub(super) fn restart_container(&mut self, name: &str, created: usize) -> Result<(), LiveError> {
        match self.ops.pods.get(name) {
            Some(p) if p.created == created && !p.gone => self.start_container(name),
            _ => Ok(()),
        }
    }

    /// Starts (or restarts) a pod's Ray container. A GCS-FT head is held back while Redis is
    /// down: its `ray start` would block this single timeline while its GCS waits for Redis (up
    /// to the GCS's 60 s window; 63.7 s measured), whereas the simulated GCS is up as soon as
    /// Redis is back; so it starts when Redis is back. A head whose `ray start` exits anyway is
    /// a container that exited: the kubelet restarts it.
    pub(super) fn start_container(&mut self, name: &str) -> Result<(), LiveError> {
        if let Some(p) = self.ops.pods.get_mut(name) {
            p.start_pending = false;
        }
        let head = names::is_head_pod(name);
        if head && self.sc.cluster.gcs_fault_tolerance && self.ops.redis_down > 0 {
            self.note(
                Component::Pod,
                name,
                format_args!("container held until Redis is back (the GCS cannot load the cluster)"),
            );
            self.ops.head_waiting_for_redis = Some(name.to_string());
            return Ok(());
        }
        if let Some(p) = self.ops.pods.get_mut(name) {
            p.expect_exit = false;
        }
        let action = if head {
            // The adapter's `head` is this pod from now on.
            self.ops.adapter_head = name.to_string();
            Action::StartHead
        } else {
            Action::StartWorker { pod: name.to_string() }
        };
        match self.act(action) {
            Err(LiveError::ContainerExited(why)) => {
                self.crash_loop(name, &why);
                Ok(())
            }
            r => {
                r?;
                self.after_pod_started(name);
                Ok(())
            }
        }
    }

    /// The kubelet's CrashLoopBackOff: the pod's container exited by itself; it is restarted
    /// after the back-off (at once, then base, 2 x base, ...).
    /// Without KubeRay (plain Ray) nothing restarts it: the pod is gone for good.
    pub(super) fn crash_loop(&mut self, name: &str, why: &str) {
        let now = self.sim_now();
        if !self.repairs().container_restart {
            if let Some(p) = self.ops.pods.get_mut(name) {
                p.gone = true;
                p.expect_exit = true;
                p.endpoint_ready = false;
            }
            self.note(Component::Pod, name, format_args!("RUNNING -> GONE ({why}; nothing restarts Ray (plain Ray))"));
            self.refresh_endpoints();
            return;
        }
        let Some(p) = self.ops.pods.get_mut(name) else { return };
        let backoff = Duration::from(p.backoff.on_exit(&self.sc.timings, now));
        p.expect_exit = true;
        let created = p.created;
        self.note(Component::Pod, name, format_args!("RUNNING -> CRASH_LOOP_BACKOFF ({why}; restart in {backoff:?})"));
        self.schedule(backoff, Task::RestartContainer { pod: name.to_string(), created });
    }
}
