//! Which component a fault without a target hits.
//!
//! The candidates are listed in a fixed order (pods in creation order, nodes by number, replicas
//! in creation order) and one is drawn with the fault's own stream (`fault-<i>`,
//! [`crate::names::stream::fault`]), one draw per resolution, so that the simulator and live mode
//! pick the same component for the same seed whenever their clusters are in the same state.

use crate::engine::RngStream;

/// A pod as target resolution sees it.
#[derive(Clone, Copy, Debug)]
pub struct PodView<T> {
    /// The caller's handle for the pod.
    pub id: T,
    /// A head pod (never hit by `worker_pod_deletion`).
    pub head: bool,
    /// Its Ray container runs (phase Running).
    pub running: bool,
}

/// A Kubernetes node as target resolution sees it.
#[derive(Clone, Copy, Debug)]
pub struct NodeView<T> {
    /// The caller's handle for the node.
    pub id: T,
    /// The node is Ready.
    pub ready: bool,
    /// A Ray pod runs on it.
    pub hosts_running_pod: bool,
}

/// The pods a fault may hit, given in creation order: the running ones, workers only when
/// `workers_only` (`worker_pod_deletion`; `proxy_crash` may hit the head's proxy).
pub fn pod_candidates<T>(pods: impl IntoIterator<Item = PodView<T>>, workers_only: bool) -> Vec<T> {
    pods.into_iter().filter(|p| p.running && !(workers_only && p.head)).map(|p| p.id).collect()
}

/// The nodes a `node_loss` may hit, given in node order: "a node dies" is any Ready node that
/// runs a Ray pod, the head's included.
pub fn node_candidates<T>(nodes: impl IntoIterator<Item = NodeView<T>>) -> Vec<T> {
    nodes.into_iter().filter(|n| n.ready && n.hosts_running_pod).map(|n| n.id).collect()
}

/// The oldest of `candidates` (given in creation order) when `oldest` (a rolling restart's
/// planned drain), else one drawn as by [`pick`].
pub fn pick_or_oldest<T: Clone>(rng: &mut RngStream, candidates: &[T], oldest: bool) -> Option<T> {
    if oldest { candidates.first().cloned() } else { pick(rng, candidates) }
}

/// The replicas' names `<deployment>#k`, given in the order the replicas appeared: `#k` names
/// the k-th replica of that deployment ever started, for the whole run, whatever happened to it
/// since (a replica whose deployment is unknown counts for every deployment). The simulator
/// names each replica at its creation; live mode, which learns of replicas from its snapshots,
/// records those new in each snapshot (in the snapshot's order, by pod then id). Either way a
/// name keeps its replica after replacements: a fault aimed at `SleepyPid#2` after that replica
/// died hits nothing, as in the simulator, and not whichever replica is now second.
#[derive(Clone, Debug)]
pub struct ReplicaLedger<T> {
    /// Each replica seen, with its deployment when known.
    seen: Vec<(T, Option<String>)>,
}

impl<T> Default for ReplicaLedger<T> {
    fn default() -> Self {
        ReplicaLedger { seen: Vec::new() }
    }
}

impl<T: PartialEq> ReplicaLedger<T> {
    /// Records the replicas of `present` (each with its deployment, when known) not seen
    /// before, in the order given.
    pub fn record(&mut self, present: impl IntoIterator<Item = (T, Option<String>)>) {
        for (r, deployment) in present {
            if !self.seen.iter().any(|(s, _)| *s == r) {
                self.seen.push((r, deployment));
            }
        }
    }

    /// The replica named `name` (`<deployment>#k`, k from 1): the k-th of that deployment, if
    /// that many have appeared.
    pub fn by_name(&self, name: &str) -> Option<&T> {
        let (deployment, k) = name.rsplit_once('#')?;
        let k: usize = k.parse().ok()?;
        let of_it = self.seen.iter().filter(|(_, d)| d.as_deref().is_none_or(|d| d == deployment));
        of_it.map(|(r, _)| r).nth(k.checked_sub(1)?)
    }

    /// `candidates` in the order their replicas appeared (those never recorded last, in the
    /// order given): the creation order target resolution draws from.
    pub fn in_creation_order<'a, U>(&self, mut candidates: Vec<&'a U>, id: impl Fn(&U) -> &T) -> Vec<&'a U> {
        candidates.sort_by_key(|c| self.seen.iter().position(|(r, _)| r == id(c)).unwrap_or(usize::MAX));
        candidates
    }
}

/// Each fault's random stream (named by [`crate::scenario::Fault::stream`]), created at its first
/// use: a run with many generated faults holds only the streams it draws from.
#[derive(Clone, Debug)]
pub struct FaultStreams {
    seed: u64,
    names: Vec<String>,
    streams: Vec<Option<RngStream>>,
}

impl FaultStreams {
    /// The streams of `faults` under `seed`.
    pub fn new(seed: u64, faults: &[crate::scenario::Fault]) -> Self {
        FaultStreams {
            seed,
            names: faults.iter().map(|f| f.stream.clone()).collect(),
            streams: vec![None; faults.len()],
        }
    }

    /// Fault `i`'s stream.
    pub fn get(&mut self, i: usize) -> &mut RngStream {
        let (seed, name) = (self.seed, &self.names[i]);
        self.streams[i].get_or_insert_with(|| RngStream::new(seed, name))
    }
}

/// One of `candidates`, drawn with the fault's stream; `None` (and no draw) when there is none.
pub fn pick<T: Clone>(rng: &mut RngStream, candidates: &[T]) -> Option<T> {
    if candidates.is_empty() {
        return None;
    }
    Some(candidates[rng.below(candidates.len())].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(id: u32, head: bool, running: bool) -> PodView<u32> {
        PodView { id, head, running }
    }

    #[test]
    fn pod_candidates_keep_creation_order_and_skip_the_head_for_deletions() {
        let pods = [pod(0, true, true), pod(1, false, false), pod(2, false, true), pod(3, false, true)];
        assert_eq!(pod_candidates(pods, false), [0, 2, 3]);
        assert_eq!(pod_candidates(pods, true), [2, 3]);
    }

    #[test]
    fn node_candidates_are_ready_nodes_running_ray() {
        let nodes = [
            NodeView { id: 1, ready: true, hosts_running_pod: true },
            NodeView { id: 2, ready: false, hosts_running_pod: true },
            NodeView { id: 3, ready: true, hosts_running_pod: false },
        ];
        assert_eq!(node_candidates(nodes), [1]);
    }

    #[test]
    fn a_pick_draws_once_and_only_when_there_is_a_candidate() {
        let mut a = RngStream::new(7, "fault-0");
        let mut b = RngStream::new(7, "fault-0");
        assert_eq!(pick::<u32>(&mut a, &[]), None);
        let got = pick(&mut a, &[10, 20, 30]).unwrap();
        assert_eq!(got, [10, 20, 30][b.below(3)]);
    }

    #[test]
    fn a_replicas_name_stays_with_it_after_others_appear_and_it_dies() {
        let unknown = |ids: &[&'static str]| ids.iter().map(|&r| (r, None)).collect::<Vec<_>>();
        let mut ledger = ReplicaLedger::default();
        ledger.record(unknown(&["b", "a"]));
        ledger.record(unknown(&["a", "c", "b"]));
        assert_eq!(ledger.by_name("SleepyPid#1"), Some(&"b"));
        assert_eq!(ledger.by_name("SleepyPid#3"), Some(&"c"));
        // "b" died and "d" replaced it: #1 is still "b", the replacement is #4.
        ledger.record(unknown(&["a", "c", "d"]));
        assert_eq!(ledger.by_name("SleepyPid#1"), Some(&"b"));
        assert_eq!(ledger.by_name("SleepyPid#4"), Some(&"d"));
        assert_eq!(ledger.by_name("SleepyPid#5"), None);
        assert_eq!(ledger.by_name("SleepyPid#0"), None);
        assert_eq!(ledger.by_name("SleepyPid"), None);
        let (c, a, d, x) = ("c", "a", "d", "x");
        assert_eq!(ledger.in_creation_order(vec![&x, &d, &c, &a], |r| r), [&a, &c, &d, &x]);
    }

    /// With several deployments, `<deployment>#k` is the k-th replica of that deployment (it was
    /// the k-th of all, whichever deployment it belonged to).
    #[test]
    fn a_replicas_name_counts_within_its_deployment() {
        let of = |d: &str| Some(d.to_string());
        let mut ledger = ReplicaLedger::default();
        ledger.record([("s1", of("Steady")), ("x1", of("Scaled")), ("s2", of("Steady"))]);
        ledger.record([("x2", of("Scaled"))]);
        assert_eq!(ledger.by_name("Steady#2"), Some(&"s2"));
        assert_eq!(ledger.by_name("Scaled#1"), Some(&"x1"));
        assert_eq!(ledger.by_name("Scaled#2"), Some(&"x2"));
        assert_eq!(ledger.by_name("Scaled#3"), None);
        assert_eq!(ledger.by_name("Other#1"), None);
    }
}
