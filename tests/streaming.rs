//! Streaming (issue 10 §1): `ftsim run` holds only the requests still open and hands each
//! finished one on as the run goes, so memory does not grow with the run's length.

use ftsim::engine::{SimDuration, SimTime};
use ftsim::metrics::observations::{FailureCause, Outcome, RequestRecord, RequestSink};

/// Counts records and notes how many had arrived by each mark.
#[derive(Default)]
struct Progress {
    records: Vec<RequestRecord>,
    at_marks: Vec<(SimTime, usize)>,
}

impl RequestSink for Progress {
    fn request(&mut self, record: RequestRecord) {
        self.records.push(record);
    }

    fn successes(&mut self, _: SimTime, _: u64) {
        unreachable!("these runs are per-request: nothing is counted");
    }

    fn mark(&mut self, at: SimTime) {
        self.at_marks.push((at, self.records.len()));
    }
}

/// A black-holed worker node behind a Service, and no client timeout: the requests balanced to
/// its pod hang until the end of the run. They must not hold back every later request.
#[test]
fn a_request_hanging_until_the_end_does_not_hold_later_requests_in_memory() {
    let json = r#"{"duration_s": 300, "ingress": {"kind": "service"}, "traffic": {"rate_per_s": 100},
        "faults": [{"kind": "node_loss", "at_s": 30, "target": "node-2", "network": "unreachable"}]}"#;
    let sc = ftsim::scenario::parse(json, "t").unwrap().scenario;
    let mut progress = Progress::default();
    ftsim::sim::run_streaming(&sc, &mut std::io::sink(), &mut progress).unwrap();
    let unfinished = progress.records.iter().filter(|r| r.outcome == Outcome::Failure(FailureCause::Unfinished));
    assert!(unfinished.count() > 100, "requests hang until the end");
    // By the last change of the levels during the run, the requests that arrived more than
    // 10 s before it have been handed on (before the fix: only those before the first hang).
    let (t, handed_on) = *progress.at_marks.iter().rev().find(|(t, _)| t.as_secs_f64() < 300.0).unwrap();
    assert!(t.as_secs_f64() > 100.0, "a level change late in the run: {t}");
    let due = progress.records.iter().filter(|r| r.arrival + SimDuration::from_secs(10) < t).count();
    assert!(handed_on >= due, "by {t}: {handed_on} requests handed on, {due} due");
}
