//! The serve Service's ready endpoints, kept up to date where a pod's readiness or phase changes,
//! so that a Service connection picks its pod in O(1) instead of a scan of every pod ever created.
//!
//! A pod is an endpoint while it is `endpoint_ready` and not `Gone`. Its readiness changes only
//! through `World::set_endpoint_ready` and its phase only through `World::set_pod_phase`; both
//! tell the index. The endpoints are kept in pod order (creation order), the order the scan they
//! replace listed them in, so the ingress draws the same pod from the same random number. Debug
//! builds compare the index with one rebuilt from scratch (`check_invariants`).

use crate::sim::ids::PodId;
use crate::sim::k8s::{Pod, PodPhase};
use crate::sim::world::World;

/// The ready endpoints, in ascending pod order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    ready: Vec<PodId>,
}

impl Endpoints {
    /// The endpoints of `pods`, built from scratch.
    pub fn build(pods: &[Pod]) -> Self {
        let ready = (0..pods.len()).map(|i| PodId(i as u32)).filter(|p| is_endpoint(&pods[p.ix()])).collect();
        Endpoints { ready }
    }

    /// Makes `pod` an endpoint or not, as `pod` now says.
    pub fn update(&mut self, id: PodId, pod: &Pod) {
        match (self.ready.binary_search(&id), is_endpoint(pod)) {
            (Err(at), true) => self.ready.insert(at, id),
            (Ok(at), false) => {
                self.ready.remove(at);
            }
            _ => {}
        }
    }

    /// The ready endpoints, in pod order.
    pub fn pods(&self) -> &[PodId] {
        &self.ready
    }
}

/// True when the Service routes new connections to `pod`.
fn is_endpoint(pod: &Pod) -> bool {
    pod.endpoint_ready() && pod.phase != PodPhase::Gone
}

impl World {
    /// Panics if the endpoints index differs from one rebuilt from the pods.
    #[cfg(debug_assertions)]
    pub(crate) fn check_endpoints(&self) {
        assert_eq!(
            self.k8s.endpoints,
            Endpoints::build(&self.k8s.pods),
            "t={}: the Service endpoints index drifted from the pods",
            self.now
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::testing::{TestWorld, secs};

    fn names(t: &TestWorld) -> Vec<String> {
        t.world().k8s.endpoints.pods().iter().map(|p| t.world().k8s.pods[p.ix()].name.clone()).collect()
    }

    #[test]
    fn a_pod_leaves_the_endpoints_when_its_readiness_fails_or_it_is_deleted_and_returns_in_pod_order() {
        let mut t = TestWorld::guide(
            r#""ingress": { "kind": "service" },
               "faults": [{ "kind": "proxy_crash", "at_s": 60, "target": "small-group-1" },
                          { "kind": "worker_pod_deletion", "at_s": 200, "target": "small-group-2" }]"#,
        );
        t.run_until(secs(59));
        assert_eq!(names(&t), ["head", "small-group-1", "small-group-2"]);
        let removed = t.run_until_true(|w| w.k8s.endpoints.pods().len() == 2);
        assert_eq!(names(&t), ["head", "small-group-2"], "removed at {removed}");
        let back = t.run_until_true(|w| w.k8s.endpoints.pods().len() == 3);
        assert!(back < secs(200));
        assert_eq!(names(&t), ["head", "small-group-1", "small-group-2"], "back at {back}");
        // A deleted pod leaves at once (its replacement hosts no replica, hence no proxy).
        t.run_until(secs(200));
        assert_eq!(names(&t), ["head", "small-group-1"]);
    }
}
