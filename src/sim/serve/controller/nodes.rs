//! What the controller does when a node dies or drains: drop its proxy, migrate its replicas.

use crate::journal::Component;
use crate::sim::ids::PodId;
use crate::sim::serve::proxy::ProxyState;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::{Cause, World};

impl World {
    /// The GCS declared a node dead: the controller removes that node's proxy without waiting
    /// for health checks.
    pub(crate) fn serve_on_node_dead(&mut self, pod: PodId) {
        if !self.controller_running() {
            return;
        }
        if let Some(p) = self.live_proxy_on(pod)
            && !self.serve.proxies[p.ix()].actor_alive
        {
            if let Some(f) = self.serve.proxies[p.ix()].fault {
                self.detect(f);
            }
            self.set_proxy_state(p, ProxyState::Removed, "its node is dead");
        }
        self.request_reconcile();
    }

    /// Ray 2.60 drains a deleted pod's node: replicas there are migrated make-before-break,
    /// its proxy drains.
    pub(crate) fn serve_node_draining(&mut self, pod: PodId) {
        for r in self.serve.index.replicas_hosted_on(pod) {
            let rep = &self.serve.replicas[r.ix()];
            if !rep.actor_alive {
                continue;
            }
            match rep.state {
                ReplicaState::Running => {
                    self.update_replica(r, |rep| rep.migrating = true);
                    self.log(
                        Component::Replica,
                        &self.serve.replicas[r.ix()].name.clone(),
                        format_args!("PENDING_MIGRATION (node draining)"),
                    );
                }
                ReplicaState::Starting if self.controller_running() => {
                    self.kill_replica_actor(r, Cause::Stopped, false);
                }
                _ => {}
            }
        }
        if let Some(p) = self.accepting_proxy_on(pod) {
            self.drain_proxy(p, "node draining");
        }
        self.request_reconcile();
    }
}
