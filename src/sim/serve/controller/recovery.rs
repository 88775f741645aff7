//! The controller actor's death, Ray's restart of it, and its recovery from the GCS; what a
//! GCS start does to the controller and the application.

use super::ControllerState;
use crate::engine::SimDuration;
use crate::journal::Component;
use crate::sim::event::Event;
use crate::sim::ids::ReplicaId;
use crate::sim::k8s::Raylet;
use crate::sim::serve::proxy::ProxyState;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::{Cause, World};

impl World {
    /// The controller actor dies. Ray notices after `noticed_after` (the raylet's scan for a
    /// dead process; zero for `ray.kill`, which goes through the GCS) and restarts it
    /// (max_restarts = -1).
    pub(crate) fn controller_dies(&mut self, cause: Cause, noticed_after: SimDuration) {
        if matches!(self.serve.controller.state, ControllerState::Dead | ControllerState::Gone) {
            return;
        }
        self.serve.controller.inc += 1;
        self.serve.controller.fault = cause.fault();
        self.set_controller_state(ControllerState::Dead, &cause.describe());
        self.schedule_in(noticed_after, Event::ControllerRestart);
    }

    /// `ray.kill(controller, no_restart=True)`: the controller is dead for good, at once (the
    /// GCS marks the actor DEAD: the fault is detected). Every proxy's long-poll client gets
    /// `ActorDiedError` and stops; RayService notices at its next reconcile.
    pub(crate) fn controller_killed_for_good(&mut self, cause: Cause) {
        if self.serve.controller.state == ControllerState::Gone {
            return;
        }
        if let Some(f) = cause.fault() {
            self.detect(f);
        }
        self.serve.controller.inc += 1;
        self.serve.controller.fault = None;
        self.set_controller_state(ControllerState::Gone, &format!("{}; no restart", cause.describe()));
        for px in &mut self.serve.proxies {
            px.listening = false;
        }
        self.schedule_rayservice_reconcile();
    }

    /// Ray restarts the controller on the head, if the GCS and the head raylet are up.
    pub(crate) fn on_controller_restart(&mut self) {
        if self.serve.controller.state != ControllerState::Dead || !self.serve.controller.app_present {
            return;
        }
        if let Some(f) = self.serve.controller.fault.take() {
            self.detect(f);
        }
        let head_alive = self.k8s.head.is_some_and(|h| matches!(self.k8s.pods[h.ix()].raylet, Raylet::Alive { .. }));
        if !self.gcs_up() || !head_alive {
            return; // retried when the GCS comes back (serve_on_gcs_up)
        }
        self.start_controller("actor restarted by Ray");
    }

    /// A controller actor starts (a new incarnation: older timers are stale); it runs after the
    /// actor start and its recovery from the KV checkpoints.
    pub(super) fn start_controller(&mut self, why: &str) {
        self.serve.controller.inc += 1;
        self.set_controller_state(ControllerState::Restarting, why);
        let delay = self.scenario.timings.actor_start + self.scenario.timings.controller_recovery;
        let inc = self.serve.controller.inc;
        self.schedule_in(delay, Event::ControllerReady { inc });
    }

    /// The controller has recovered: live replicas are re-attached, dead ones dropped (and
    /// replaced), proxies re-checked, routing tables pushed.
    pub(crate) fn on_controller_ready(&mut self, inc: u32) {
        if inc != self.serve.controller.inc || self.serve.controller.state != ControllerState::Restarting {
            return;
        }
        let started = self.serve.controller.deployments.iter().any(|d| d.ever_started);
        let how = if started { "state recovered from the GCS" } else { "new application" };
        self.set_controller_state(ControllerState::Running, how);
        self.serve.controller.sweep_anchor = self.now;
        for i in 0..self.serve.replicas.len() {
            let r = ReplicaId(i as u32);
            let rep = &self.serve.replicas[i];
            match rep.state {
                ReplicaState::Dead => {}
                _ if !rep.actor_alive => {
                    if let Some(f) = rep.fault {
                        self.detect(f);
                    }
                    self.set_replica_state(r, ReplicaState::Dead, "not found at recovery");
                }
                ReplicaState::Running => self.schedule_health_check_after(r, SimDuration::ZERO),
                _ => {}
            }
        }
        for i in 0..self.serve.proxies.len() {
            let p = crate::sim::ids::ProxyId(i as u32);
            let px = &self.serve.proxies[i];
            if px.state == ProxyState::Removed {
                continue;
            }
            if !px.actor_alive {
                self.set_proxy_state(p, ProxyState::Removed, "not found at recovery");
            } else if px.state != ProxyState::Starting {
                self.schedule_proxy_health_check(p);
            }
        }
        self.request_reconcile();
        self.request_broadcast();
    }

    /// The GCS is up: with the same cluster, Ray restarts the controller; with a new, empty
    /// cluster the application is gone until KubeRay resubmits it.
    pub(crate) fn serve_on_gcs_up(&mut self, cluster: u32) {
        // Without fault tolerance every GCS start is a new, empty cluster.
        let _ = cluster;
        let fresh_cluster = !self.scenario.cluster.gcs_fault_tolerance && self.serve.controller.app_present;
        if fresh_cluster {
            self.serve.controller.app_present = false;
            self.serve.controller.inc += 1;
            if self.serve.controller.state != ControllerState::Dead {
                self.set_controller_state(ControllerState::Dead, "cluster state lost");
            }
            // Actors of the old cluster on workers that are not rejected yet keep serving with
            // what they have; the new application will not count them (other generation).
            for i in 0..self.serve.replicas.len() {
                if !self.serve.replicas[i].actor_alive && self.serve.replicas[i].state != ReplicaState::Dead {
                    self.set_replica_state(ReplicaId(i as u32), ReplicaState::Dead, "cluster state lost");
                }
            }
            for i in 0..self.serve.proxies.len() {
                if !self.serve.proxies[i].actor_alive {
                    self.set_proxy_state(crate::sim::ids::ProxyId(i as u32), ProxyState::Removed, "cluster state lost");
                }
            }
            self.log(Component::Serve, "application", format_args!("gone (the new GCS has no Serve application)"));
        }
        match self.serve.controller.state {
            _ if !self.serve.controller.app_present => self.schedule_rayservice_reconcile(),
            ControllerState::Gone => self.schedule_rayservice_reconcile(),
            ControllerState::Dead => self.schedule_in(SimDuration::ZERO, Event::ControllerRestart),
            ControllerState::Running | ControllerState::Restarting => {}
        }
    }
}
