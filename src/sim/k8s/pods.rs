//! A pod's creation, its phases, and its Ray container's start (after KubeRay's `wait-gcs-ready`
//! init container for workers).

use super::{Pod, PodPhase, PodRole, Raylet};
use crate::journal::Component;
use crate::policy::kubelet;
use crate::sim::event::Event;
use crate::sim::ids::PodId;
use crate::sim::world::World;

impl World {
    /// Sets a pod's phase and logs the transition.
    pub(in crate::sim) fn set_pod_phase(&mut self, pod: PodId, phase: PodPhase, why: &str) {
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
    pub(in crate::sim) fn set_endpoint_ready(&mut self, pod: PodId, ready: bool) {
        self.k8s.pods[pod.ix()].endpoint_ready = ready;
        self.k8s.endpoints.update(pod, &self.k8s.pods[pod.ix()]);
    }

    /// Creates a new Ray pod object (KubeRay) and schedules it if a node has room.
    pub(in crate::sim) fn create_pod(&mut self, name: String, role: PodRole) -> PodId {
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
    pub(in crate::sim) fn on_pod_started(&mut self, pod: PodId) {
        match self.k8s.pods[pod.ix()].role {
            PodRole::Head => self.start_container(pod, "container started"),
            PodRole::Worker(_) => {
                self.set_pod_phase(pod, PodPhase::WaitingForGcs, "init container wait-gcs-ready");
                self.on_wait_gcs_poll(pod);
            }
        }
    }

    /// `wait-gcs-ready` runs `ray health-check`; on success the Ray container starts.
    pub(in crate::sim) fn on_wait_gcs_poll(&mut self, pod: PodId) {
        if self.gcs_up() {
            self.start_container(pod, "GCS reachable");
        } else {
            let inc = self.k8s.pods[pod.ix()].inc;
            self.schedule_in(self.scenario.timings.wait_gcs_ready_period, Event::WaitGcsPoll { pod, inc });
        }
    }

    /// The Ray container starts (`ray start --block`).
    pub(super) fn start_container(&mut self, pod: PodId, why: &str) {
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
}
