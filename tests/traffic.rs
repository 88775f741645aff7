//! The request path as load goes up: arrival rates, the routers' queues and their bookkeeping.
//! Each test runs the real model and asserts a figure a user reads in the report.

mod common;

use common::Build;
use ftsim::metrics::observations::{FailureCause, Outcome};
use serde_json::json;

mod router {
    use super::*;

    /// A request answered 503 by a proxy (DEPLOY_FAILED) is finished: when that proxy's node is
    /// later black-holed, its outcome stays 503. (It used to stay on the proxy's connection list
    /// and be turned back into a hanging request, then recorded as a timeout or unfinished.)
    #[test]
    fn a_503_answer_stays_a_503_when_the_proxy_node_is_lost() {
        let run = Build::bundled("head-pod-crash-no-gcs-ft")
            .set("ingress", json!({"kind": "service"}))
            .set(
                "faults",
                json!([{"kind": "constructor_failure", "at_s": 50, "count": 1000},
                       {"kind": "head_pod_crash", "at_s": 60},
                       {"kind": "node_loss", "at_s": 150, "target": "node-1", "network": "unreachable"}]),
            )
            .set("duration_s", json!(200))
            .run();
        let failed_at = run.first("DEPLOY_FAILED after 18 constructor failures");
        assert!(failed_at < 140.0, "DEPLOY_FAILED before the node loss, at {failed_at} s");
        let answered: Vec<_> = run
            .out
            .observations
            .requests
            .iter()
            .filter(|r| r.arrival.as_secs_f64() > failed_at + 1.0 && r.arrival.as_secs_f64() < 149.0)
            .collect();
        assert!(answered.len() > 300, "{} requests between DEPLOY_FAILED and the node loss", answered.len());
        for r in answered {
            assert_eq!(r.outcome, Outcome::Failure(FailureCause::DeploymentUnavailable), "{r:?}");
            assert!(r.end.as_secs_f64() < 149.0, "answered at once, not at {}", r.end);
        }
        assert_eq!(run.failures_of(FailureCause::Unfinished), 0);
    }
}
