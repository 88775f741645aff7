//! The controller's unit tests.

use super::*;
use crate::metrics::observations::{FailureCause, Outcome};
use crate::sim::ids::ReplicaId;
use crate::sim::serve::replica::ReplicaState;
use crate::sim::testing::{TestWorld, secs};

fn controller_reaches(t: &mut TestWorld, state: ControllerState) -> SimTime {
    t.run_until_true(|w| w.serve.controller.state == state)
}

#[test]
fn a_killed_controller_is_restarted_at_once_and_runs_after_actor_start_and_recovery() {
    let mut t = TestWorld::guide(r#""faults": [{ "kind": "controller_crash", "at_s": 60 }]"#);
    t.run_until(secs(59));
    let inc = t.world().serve.controller.inc;
    t.run_until(secs(60));
    assert_eq!(t.world().serve.controller.state, ControllerState::Restarting);
    assert_eq!(t.logged_at(secs(60), &["serve-controller", "RUNNING -> DEAD"]), secs(60));
    assert_eq!(t.world().serve.controller.inc, inc + 2, "dead, then restarted: old timers are stale");
    // actor_start 2 s + controller_recovery 1 s; the replicas kept running throughout.
    assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(63));
    assert_eq!(t.world().serve.index.replicas_running(), 6);
}

#[test]
fn a_replica_that_died_while_the_controller_was_down_is_dropped_at_recovery_and_replaced() {
    let mut t = TestWorld::guide(
        r#""faults": [{ "kind": "controller_crash", "at_s": 60 }, { "kind": "replica_crash", "at_s": 61, "target": "SleepyPid#4" }]"#,
    );
    t.run_until(secs(61));
    assert_eq!(t.replica("SleepyPid#4").state, ReplicaState::Running, "nobody checks it yet");
    assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(63));
    t.run_until(secs(63));
    assert_eq!(t.logged_at(secs(60), &["SleepyPid#4", "-> DEAD", "not found at recovery"]), secs(63));
    assert_eq!(t.replica("SleepyPid#7").state, ReplicaState::Starting);
    let running = t.run_until_true(|w| w.serve.replicas[6].state == ReplicaState::Running);
    assert_eq!(running, secs(75));
}

#[test]
fn a_controller_killed_for_good_stays_dead_until_rayservice_resubmits_and_recovers_the_same_application() {
    let mut t = TestWorld::guide(
        r#""faults": [{ "kind": "controller_crash", "at_s": 61, "restart": false },
                      { "kind": "replica_crash", "at_s": 61.5, "target": "SleepyPid#4" }]"#,
    );
    t.run_until(secs(61));
    assert_eq!(t.world().serve.controller.state, ControllerState::Gone);
    assert!(t.world().serve.proxies.iter().all(|px| !px.listening), "every long poll got ActorDiedError");
    // Ray never restarts it; the next RayService reconcile (2 s grid) is at 62.
    let restarting = controller_reaches(&mut t, ControllerState::Restarting);
    assert_eq!(restarting, secs(62));
    assert_eq!(t.logged_at(secs(61), &["rayservice", "no Serve application found (no controller)"]), secs(62));
    assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(65));
    // The same application, recovered from its checkpoints: the dead replica is dropped and
    // replaced, the others re-attached; no new generation.
    assert_eq!(t.world().serve.controller.generation, 0);
    assert_eq!(t.logged_at(secs(61), &["SleepyPid#4", "-> DEAD", "not found at recovery"]), secs(65));
    assert_eq!(t.world().serve.index.replicas_running(), 5);
    let running = t.run_until_true(|w| w.serve.index.replicas_running() == 6);
    assert_eq!(running, secs(77));
    // The old proxies never hear of the replacement.
    let replacement = ReplicaId(6);
    assert!(t.world().serve.proxies.iter().all(|px| !px.view.of(DeploymentId(0)).all().contains(&replacement)));
}

#[test]
fn after_a_head_crash_a_controller_killed_for_good_comes_back_through_rayservice_not_ray() {
    let mut t = TestWorld::guide(
        r#""faults": [{ "kind": "controller_crash", "at_s": 60.5, "restart": false }, { "kind": "head_pod_crash", "at_s": 61 }]"#,
    );
    // With GCS fault tolerance the actor table comes back from Redis, the actor DEAD for
    // good: the new GCS (up at 76) does not restart it; RayService waits for the new head to
    // be ready (10 s after its Ray started), then submits the config (2 s grid).
    let restarting = controller_reaches(&mut t, ControllerState::Restarting);
    assert!(t.log().contains("GONE -> RESTARTING (new controller started by serve.start)"), "{}", t.log());
    assert!(!t.log().contains("actor restarted by Ray"));
    let gcs_up = t.logged_at(secs(61), &["gcs", "-> UP"]);
    assert_eq!(
        restarting,
        (gcs_up + SimDuration::from_secs(10)).ceil_to_grid(SimTime::ZERO, SimDuration::from_secs(2))
    );
}

#[test]
fn without_gcs_ft_kuberay_resubmits_the_application_once_the_head_is_ready() {
    let mut t = TestWorld::guide(
        r#""cluster": { "gcs_fault_tolerance": false }, "faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#,
    );
    t.run_until(secs(75));
    // The new GCS (up at 75) is a new, empty cluster: no application.
    assert!(!t.world().serve.controller.app_present);
    assert_eq!(t.logged_at(secs(60), &["application", "gone"]), secs(75));
    // The head is ready readiness_initial_delay (10 s) after Ray started on it (75); the
    // RayService reconcile runs on a 2 s grid: the first at or after 85 is 86.
    let restarting = controller_reaches(&mut t, ControllerState::Restarting);
    assert_eq!(restarting, secs(86));
    assert_eq!(t.logged_at(secs(75), &["rayservice", "resubmitting"]), secs(86));
    assert_eq!(t.world().serve.controller.generation, 1);
    assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(89));
    // A new deployment: six new replicas, running after actor start and constructor.
    let all = t.run_until_true(|w| w.serve.index.replicas_running() == 6);
    assert_eq!(all, secs(101));
    assert!(t.world().running_set().iter().all(|r| t.world().serve.replicas[r.ix()].generation == 1));
}

#[test]
fn a_new_deployment_whose_constructors_keep_raising_becomes_deploy_failed_and_answers_503() {
    let mut t = TestWorld::guide(
        r#""cluster": { "gcs_fault_tolerance": false }, "serve": { "num_replicas": 1 },
           "ingress": { "kind": "service" },
           "faults": [{ "kind": "constructor_failure", "at_s": 1, "count": 10 }, { "kind": "head_pod_crash", "at_s": 60 }]"#,
    );
    // Resubmitted at 86, running at 89; each replica raises 12 s after it starts; the budget
    // is min(20, 3 x 1) = 3 failures.
    let failed = t.run_until_true(|w| w.serve.controller.deployments[0].deploy_failed);
    assert_eq!(failed, secs(89 + 3 * 12));
    assert_eq!(t.world().serve.controller.deployments[0].failure_count, 3);
    assert_eq!(t.logged_at(secs(60), &["application", "DEPLOY_FAILED after 3 constructor failures"]), failed);
    t.run_until(failed + SimDuration::from_secs(30));
    assert!(t.world().serve.replicas.iter().all(|r| r.state == ReplicaState::Dead), "no more replacements");
    // Requests the Service sends to the head's proxy (the workers' proxies are gone with
    // their replicas, and their readiness probes have failed) fail at once with 503.
    let late: Vec<_> = t.requests().iter().filter(|r| r.arrival > failed + SimDuration::from_secs(10)).collect();
    assert!(!late.is_empty());
    for r in late {
        assert_eq!((r.end, r.outcome), (r.arrival, Outcome::Failure(FailureCause::DeploymentUnavailable)));
    }
}

#[test]
fn with_gcs_ft_the_controller_lost_with_the_head_restarts_once_the_new_gcs_is_up() {
    let mut t = TestWorld::guide(r#""faults": [{ "kind": "head_pod_crash", "at_s": 60 }]"#);
    t.run_until(secs(60));
    assert_eq!(t.world().serve.controller.state, ControllerState::Dead);
    // Ray's restart at 61 finds no GCS; the GCS of head-2 is up at 75.
    assert_eq!(controller_reaches(&mut t, ControllerState::Restarting), secs(75));
    assert_eq!(controller_reaches(&mut t, ControllerState::Running), secs(78));
    assert!(t.world().serve.controller.app_present);
    assert_eq!(t.world().serve.controller.generation, 0, "the same application, not resubmitted");
}

#[test]
fn a_hanging_health_check_fails_at_each_timeout_and_the_hung_replica_is_killed_after_the_graceful_budget() {
    let mut t = TestWorld::guide(
        r#""faults": [{ "kind": "replica_health_check_failure", "at_s": 60, "target": "SleepyPid#5", "mode": "hang" }]"#,
    );
    let stopping = t.run_until_true(|w| w.serve.replicas[4].state == ReplicaState::Stopping);
    let fail = |n: u32| t.logged_at(secs(60), &["SleepyPid#5", &format!("health check timed out ({n} consecutive)")]);
    let (f1, f2, f3) = (fail(1), fail(2), fail(3));
    // A check started within 15 s of 60 s times out 30 s later; the next one starts at the
    // next 5 s sweep and times out 30 s after that.
    assert!(f1 > secs(90) && f1 <= secs(105), "first timeout at {f1}");
    assert_eq!(f2, f1 + SimDuration::from_secs(35));
    assert_eq!(f3, f2 + SimDuration::from_secs(35));
    assert_eq!(stopping, f3);
    // A hung replica never drains: it is killed when graceful_shutdown_timeout (20 s) is over.
    let dead = t.run_until_true(|w| w.serve.replicas[4].state == ReplicaState::Dead);
    assert_eq!(dead, stopping + SimDuration::from_secs(20));
}
