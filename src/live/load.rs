//! The load generator: requests at the scenario's rate and arrival process (the same seeded
//! arrival stream as the simulator), sent over HTTP to the ingress, each recorded with its send
//! time, outcome and cause, latency and the PID of the replica that answered.
//!
//! Outcome mapping (the simulator's causes): HTTP 200 -> success; no endpoint (the pinned pod
//! was deleted, or no ready pod behind the Service) -> `no_endpoint`; connection refused or
//! reset, or any other status (e.g. 404 from a proxy without routes) -> `proxy_unavailable`;
//! HTTP 500 -> `replica_died`; HTTP 503 -> `deployment_unavailable`; the client's timeout (or
//! HTTP 408/504) -> `timeout`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::{RngStream, SimDuration, SimTime};
use crate::metrics::observations::{FailureCause, Outcome, RequestRecord};
use crate::names::stream;
use crate::scenario::Scenario;
use crate::traffic::ArrivalStream;

/// Where new connections go; updated by the orchestrator as pods come and go.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    /// Pinned ingress: the pinned pod's proxy URL, `None` once that pod is gone for good.
    pub pinned: Option<String>,
    /// Service ingress: proxy URLs of the ready pods.
    pub ready: Vec<String>,
    /// True for a Service ingress.
    pub service: bool,
}

/// One request as the client saw it.
#[derive(Clone, Debug)]
pub struct LiveRequest {
    /// The simulator's record (times relative to the run's start).
    pub record: RequestRecord,
    /// PID in the body of a successful answer.
    pub pid: Option<u32>,
}

/// Send times of every request of the run, from the scenario's arrival stream.
pub fn arrival_schedule(sc: &Scenario) -> Vec<SimDuration> {
    let mut arrivals = ArrivalStream::new(sc);
    let mut out = Vec::new();
    loop {
        let t = arrivals.next_arrival() - SimTime::ZERO;
        if t >= sc.duration {
            return out;
        }
        out.push(t);
    }
}

fn micros(d: Duration) -> SimTime {
    SimTime::from_micros(d.as_micros() as u64)
}

/// Sends every request of the schedule, relative to `t0`; returns the records in send order.
/// `timeout` bounds each request (the client timeout, or the drain window without one). When
/// `stop` is set (Ctrl-C) it sends no more requests, abandons those in flight and returns the
/// ones already answered, within a tenth of a second.
pub fn run(
    schedule: Vec<SimDuration>,
    t0: Instant,
    endpoints: Arc<Mutex<Endpoints>>,
    timeout: Duration,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> Result<Vec<LiveRequest>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()
        .map_err(|e| format!("cannot start the load generator: {e}"))?;
    rt.block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut ingress_rng = RngStream::new(seed, stream::INGRESS);
        let mut tasks = Vec::with_capacity(schedule.len());
        for at in schedule {
            let when = t0 + Duration::from(at);
            tokio::select! {
                _ = tokio::time::sleep_until(when.into()) => {}
                _ = stopped(&stop) => break,
            }
            let url = {
                let e = endpoints.lock().expect("endpoints lock");
                if e.service {
                    (!e.ready.is_empty()).then(|| e.ready[ingress_rng.below(e.ready.len())].clone())
                } else {
                    e.pinned.clone()
                }
            };
            let client = client.clone();
            tasks.push(tokio::spawn(async move { one_request(&client, url, at, t0).await }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        let mut tasks = tasks.into_iter();
        while let Some(mut t) = tasks.next() {
            tokio::select! {
                r = &mut t => out.push(r.map_err(|e| format!("a request task failed: {e}"))?),
                _ = stopped(&stop) => {
                    t.abort();
                    tasks.for_each(|t| t.abort());
                    break;
                }
            }
        }
        Ok(out)
    })
}

/// Resolves once `stop` is set, looking every [`STOP_CHECK`](super::STOP_CHECK).
async fn stopped(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(super::STOP_CHECK).await;
    }
}

async fn one_request(client: &reqwest::Client, url: Option<String>, at: SimDuration, t0: Instant) -> LiveRequest {
    let arrival = SimTime::ZERO + at;
    let Some(url) = url else {
        let record = RequestRecord { arrival, end: arrival, outcome: Outcome::Failure(FailureCause::NoEndpoint) };
        return LiveRequest { record, pid: None };
    };
    let result = client.get(&url).send().await;
    let (outcome, pid) = match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            match status {
                200 => (Outcome::Success, body.trim().parse().ok()),
                500 => (Outcome::Failure(FailureCause::ReplicaDied), None),
                503 => (Outcome::Failure(FailureCause::DeploymentUnavailable), None),
                408 | 504 => (Outcome::Failure(FailureCause::Timeout), None),
                _ => (Outcome::Failure(FailureCause::ProxyUnavailable), None),
            }
        }
        Err(e) if e.is_timeout() => (Outcome::Failure(FailureCause::Timeout), None),
        Err(_) => (Outcome::Failure(FailureCause::ProxyUnavailable), None),
    };
    let end = micros(t0.elapsed()).max(arrival);
    LiveRequest { record: RequestRecord { arrival, end, outcome }, pid }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The load follows a traffic shape: the schedule it sends is the simulator's arrival
    /// stream, 2 requests/s for 30 s and 10/s after (the 60th arrival comes at 30 s exactly).
    #[test]
    fn the_schedule_follows_the_traffic_shape() {
        let shaped = |arrivals: &str| {
            let json = format!(
                r#"{{"duration_s": 60, "traffic": {{"arrivals": "{arrivals}", "rate_per_s": 2,
                    "shape": {{"kind": "steps", "steps": [{{"at_s": 30, "rate_per_s": 10}}]}}}}}}"#
            );
            crate::scenario::parse(&json, "t").unwrap().scenario
        };
        let halves = |schedule: &[SimDuration]| {
            let first = schedule.iter().filter(|&&t| t < SimDuration::from_secs(30)).count();
            (first, schedule.len() - first)
        };
        assert_eq!(halves(&arrival_schedule(&shaped("constant"))), (59, 300));
        let sc = shaped("poisson");
        let schedule = arrival_schedule(&sc);
        let mut sim = ArrivalStream::new(&sc);
        assert!(schedule.iter().all(|&t| sim.next_arrival() == SimTime::ZERO + t), "the simulator's arrivals");
        let (first, second) = halves(&schedule);
        assert!((35..=85).contains(&first) && (240..=360).contains(&second), "{first}, {second}");
    }

    /// Ctrl-C stops the load at once: requests in flight are abandoned, later ones never sent.
    /// (The load used to run to the end of its schedule, so an interrupted run waited out the
    /// scenario's whole duration before it tore the cluster down.)
    #[test]
    fn a_stop_abandons_requests_in_flight_and_sends_no_more() {
        // A proxy that accepts connections and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let endpoints = Arc::new(Mutex::new(Endpoints { pinned: Some(url), ..Endpoints::default() }));
        let schedule = [0, 100, 60_000].map(SimDuration::from_millis).to_vec();
        let stop = Arc::new(AtomicBool::new(false));
        let stopper = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                stop.store(true, Ordering::SeqCst);
            })
        };
        let out = run(schedule, Instant::now(), endpoints, Duration::from_secs(60), 1, stop).unwrap();
        stopper.join().unwrap();
        assert!(out.is_empty(), "no request was answered, and the last was never sent: {out:?}");
        drop(listener);
    }
}
