//! Every name that the simulator, live mode and the scenario checks must spell the same way:
//! Kubernetes nodes, Ray pods and the random streams. Imports nothing of the crate.
//!
//! A pod's name says which of its group's pods it is: the first head is `head`, KubeRay's
//! replacements are `head-2`, `head-3`, ...; worker group `g` starts `g-1` .. `g-N` and its
//! replacements continue the count. Ordering by these names as strings is wrong
//! (`g-10` < `g-2`): order pods by creation instead.

/// The head pod as the cluster starts.
pub const HEAD_POD: &str = "head";

/// The `generation`-th head pod (1 = the first, `head`; KubeRay's replacements `head-2`, ...).
pub fn head_pod(generation: u32) -> String {
    if generation <= 1 { HEAD_POD.to_string() } else { format!("{HEAD_POD}-{generation}") }
}

/// Whether `pod` names a head pod (the first or a replacement).
pub fn is_head_pod(pod: &str) -> bool {
    pod == HEAD_POD || pod.strip_prefix("head-").is_some_and(|n| n.parse::<u32>().is_ok())
}

/// The `generation`-th pod of worker group `group` (1-based).
pub fn worker_pod(group: &str, generation: u32) -> String {
    format!("{group}-{generation}")
}

/// Kubernetes node `index` (1-based): `node-1`, `node-2`, ...
pub fn node(index: u32) -> String {
    format!("node-{index}")
}

/// The 1-based index of a node name written by [`node`], if it is one.
pub fn node_index(name: &str) -> Option<u32> {
    name.strip_prefix("node-")?.parse().ok().filter(|&n| n >= 1)
}

/// Names of the random streams, one per purpose, each keyed by (seed, name): adding a draw to
/// one purpose changes no other (common random numbers across scenario variants).
pub mod stream {
    /// Request arrival gaps (Poisson traffic).
    pub const ARRIVALS: &str = "arrivals";
    /// Counted traffic: arrivals per cell (Poisson traffic).
    pub const COUNTED: &str = "counted-arrivals";
    /// Counted traffic: the service times of counted requests, drawn at the end of the run.
    pub const COUNTED_LATENCY: &str = "counted-latency";
    /// Service times of requests.
    pub const SERVICE: &str = "service";
    /// The proxies' replica choice (power of two choices).
    pub const ROUTING: &str = "routing";
    /// Replica placement onto nodes.
    pub const PLACEMENT: &str = "placement";
    /// Health-check jitter.
    pub const HEALTH: &str = "health-check-jitter";
    /// The Service ingress' choice of endpoint.
    pub const INGRESS: &str = "ingress";
    /// A cloud load balancer's spread and the phases of its health checks.
    pub const LOAD_BALANCER: &str = "load-balancer";
    /// Raylets' reconnect delays.
    pub const RECONNECT: &str = "raylet-reconnect";
    /// Each request's application, by the applications' shares (drawn only when there are
    /// several).
    pub const APPLICATION: &str = "application";

    /// Fault `i`'s own stream (its target when it has none, its probability draws).
    pub fn fault(i: usize) -> String {
        format!("fault-{i}")
    }

    /// The times to failure (and to repair) of instance `instance` (1-based) of failure process
    /// `process`: keyed by the process's name, so adding or reordering processes changes no
    /// other process's draws. The `times-` and `fault-` prefixes keep the two families apart
    /// whatever the process names (process `a`'s times never share a stream with process
    /// `a-instance`'s faults); the trailing number is the last `-` segment, so names within a
    /// family never collide either.
    pub fn failure_times(process: &str, instance: u32) -> String {
        format!("failure-times-{process}-{instance}")
    }

    /// The `n`-th (1-based) fault that failure process `process` generates: its own stream, as a
    /// scripted fault's (its target when it has none).
    pub fn failure_fault(process: &str, n: u64) -> String {
        format!("failure-fault-{process}-{n}")
    }

    /// The stream whose first draw is the seed of Monte Carlo replication `index` (`ftsim mc`).
    pub fn replication(index: u64) -> String {
        format!("replication-{index}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_names_follow_kuberays_replacements() {
        assert_eq!(head_pod(1), "head");
        assert_eq!(head_pod(2), "head-2");
        assert!(is_head_pod("head") && is_head_pod("head-12"));
        assert!(!is_head_pod("head-group-1") && !is_head_pod("small-group-1"));
    }

    #[test]
    fn failure_stream_names_never_collide_across_processes() {
        // Before: process `a`'s instance 1 and process `a-instance`'s fault 1 were both
        // `failure-a-instance-1`, so two processes drew the same numbers.
        assert_ne!(stream::failure_times("a", 1), stream::failure_fault("a-instance", 1));
        assert_ne!(stream::failure_times("a-fault", 1), stream::failure_fault("a", 1));
        assert_ne!(stream::failure_fault("times-a", 1), stream::failure_times("a", 1));
    }

    #[test]
    fn node_names_round_trip() {
        assert_eq!(node(3), "node-3");
        assert_eq!(node_index("node-3"), Some(3));
        assert_eq!(node_index("node-0"), None);
        assert_eq!(node_index("nodes-3"), None);
    }
}
