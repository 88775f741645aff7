//! The load generator: requests at the scenario's rate and arrival process (the same seeded
//! arrival stream as the simulator), sent over HTTP to the ingress, each recorded with its send
//! time, outcome and cause, latency and the PID of the replica that answered. With several
//! Serve applications each request goes to its application's route prefix, the application
//! drawn as the simulator draws it ([`ApplicationChoice`]), and its record carries it.
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
use crate::metrics::entry_points::{EntryId, EntryNames};
use crate::metrics::observations::{FailureCause, Outcome, RequestRecord};
use crate::names::stream;
use crate::policy::load_balancer;
use crate::scenario::{Scenario, Spread};
use crate::traffic::ArrivalStream;
use crate::traffic::application_choice::ApplicationChoice;

/// One way in: an entry point and the proxy URL behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The entry point's name (a pod's, or a load balancer's backend's).
    pub entry: String,
    /// The proxy's URL; `None` when no pod is behind it (a request fails with `no_endpoint`).
    pub url: Option<String>,
}

/// Where new connections go; updated by the orchestrator as pods come and go.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    /// Pinned ingress: the pinned pod's proxy (no URL once that pod is gone for good).
    pub pinned: Option<Target>,
    /// Service ingress: the proxies of the ready pods.
    pub ready: Vec<Target>,
    /// True for a Service ingress.
    pub service: bool,
    /// Load-balancer ingress: its spread and every backend, with whether new connections may go
    /// to it (in rotation, or every backend of a load balancer failing open).
    pub lb: Option<(Spread, Vec<(Target, bool)>)>,
}

/// The load's side of the ingress: the entry points named so far, and the random streams and
/// round-robin cursor of its choices (the simulator's).
struct Chooser {
    entries: EntryNames,
    service_rng: RngStream,
    lb_rng: RngStream,
    cursor: usize,
}

impl Chooser {
    /// The target of the next request, or none (no endpoint).
    fn choose(&mut self, e: &Endpoints) -> Option<Target> {
        if let Some((spread, backends)) = &e.lb {
            let in_rotation: Vec<usize> = (0..backends.len()).filter(|&b| backends[b].1).collect();
            let b = load_balancer::pick(*spread, &in_rotation, &mut self.cursor, &mut self.lb_rng)?;
            return Some(backends[b].0.clone());
        }
        if e.service {
            return (!e.ready.is_empty()).then(|| e.ready[self.service_rng.below(e.ready.len())].clone());
        }
        e.pinned.clone()
    }
}

/// One request as the client saw it.
#[derive(Clone, Debug)]
pub struct LiveRequest {
    /// The simulator's record (times relative to the run's start).
    pub record: RequestRecord,
    /// PID in the body of a successful answer.
    pub pid: Option<u32>,
}

/// One request of the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// Its send time, from the run's start.
    pub at: SimDuration,
    /// Its application, by index in `serve.applications` (0 with one).
    pub app: u16,
}

/// Every request of the run: send times from the scenario's arrival stream, each with the
/// application the simulator draws for that arrival.
pub fn arrival_schedule(sc: &Scenario) -> Vec<Arrival> {
    let mut arrivals = ArrivalStream::new(sc);
    let mut apps = ApplicationChoice::new(sc.seed, &sc.serve);
    let mut out = Vec::new();
    loop {
        let at = arrivals.next_arrival() - SimTime::ZERO;
        if at >= sc.duration {
            return out;
        }
        out.push(Arrival { at, app: apps.as_mut().map_or(0, ApplicationChoice::pick) });
    }
}

/// What the load sends: every request of the run, and the applications' route prefixes in
/// scenario order.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Every request, in send order.
    pub arrivals: Vec<Arrival>,
    /// Each application's route prefix, by index.
    pub routes: Vec<String>,
}

impl Schedule {
    /// The schedule of `sc`'s run.
    pub fn of(sc: &Scenario) -> Self {
        Schedule {
            arrivals: arrival_schedule(sc),
            routes: sc.serve.applications.iter().map(|a| a.route_prefix.clone()).collect(),
        }
    }
}

/// The URL of `route_prefix` on the proxy at `proxy` (`http://host:port/`).
fn route_url(proxy: &str, route_prefix: &str) -> String {
    format!("{}{route_prefix}", proxy.trim_end_matches('/'))
}

fn micros(d: Duration) -> SimTime {
    SimTime::from_micros(d.as_micros() as u64)
}

/// What the load measured: every request in send order, and the names of the entry points its
/// records' ids stand for.
pub type Measured = (Vec<LiveRequest>, Vec<String>);

/// Sends every request of the schedule, relative to `t0`, each to its application's route;
/// returns the records in send order.
/// `timeout` bounds each request (the client timeout, or the drain window without one). When
/// `stop` is set (Ctrl-C) it sends no more requests, abandons those in flight and returns the
/// ones already answered, within a tenth of a second. `entry_points` are named first, in order
/// (the scenario's [`crate::scenario::Ingress::initial_entry_points`]).
pub fn run(
    schedule: Schedule,
    t0: Instant,
    endpoints: Arc<Mutex<Endpoints>>,
    timeout: Duration,
    seed: u64,
    entry_points: Vec<String>,
    stop: Arc<AtomicBool>,
) -> Result<Measured, String> {
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
        let mut chooser = Chooser {
            entries: EntryNames::default(),
            service_rng: RngStream::new(seed, stream::INGRESS),
            lb_rng: RngStream::new(seed, stream::LOAD_BALANCER),
            cursor: 0,
        };
        for name in &entry_points {
            chooser.entries.id(name);
        }
        let Schedule { arrivals, routes } = schedule;
        let mut tasks = Vec::with_capacity(arrivals.len());
        for Arrival { at, app } in arrivals {
            let when = t0 + Duration::from(at);
            tokio::select! {
                _ = tokio::time::sleep_until(when.into()) => {}
                _ = stopped(&stop) => break,
            }
            let target = chooser.choose(&endpoints.lock().expect("endpoints lock"));
            let entry = target.as_ref().map(|t| chooser.entries.id(&t.entry));
            let url = target.and_then(|t| t.url).map(|u| route_url(&u, &routes[usize::from(app)]));
            let client = client.clone();
            tasks.push(tokio::spawn(async move { one_request(&client, url, (at, entry, app), t0).await }));
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
        Ok((out, chooser.entries.into_names()))
    })
}

/// Resolves once `stop` is set, looking every [`STOP_CHECK`](super::STOP_CHECK).
async fn stopped(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(super::STOP_CHECK).await;
    }
}

async fn one_request(
    client: &reqwest::Client,
    url: Option<String>,
    (at, entry, app): (SimDuration, Option<EntryId>, u16),
    t0: Instant,
) -> LiveRequest {
    let arrival = SimTime::ZERO + at;
    let Some(url) = url else {
        let outcome = Outcome::Failure(FailureCause::NoEndpoint);
        let record = RequestRecord { arrival, end: arrival, outcome, entry, app };
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
    LiveRequest { record: RequestRecord { arrival, end, outcome, entry, app }, pid }
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
        let halves = |schedule: &[Arrival]| {
            let first = schedule.iter().filter(|a| a.at < SimDuration::from_secs(30)).count();
            (first, schedule.len() - first)
        };
        assert_eq!(halves(&arrival_schedule(&shaped("constant"))), (59, 300));
        let sc = shaped("poisson");
        let schedule = arrival_schedule(&sc);
        let mut sim = ArrivalStream::new(&sc);
        assert!(schedule.iter().all(|a| sim.next_arrival() == SimTime::ZERO + a.at), "the simulator's arrivals");
        let (first, second) = halves(&schedule);
        assert!((35..=85).contains(&first) && (240..=360).contains(&second), "{first}, {second}");
    }

    /// Each request goes to its application's route prefix on the chosen proxy and its record
    /// carries its application.
    #[test]
    fn each_request_goes_to_its_applications_route() {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            (0..3)
                .map(|_| {
                    let (conn, _) = listener.accept().unwrap();
                    let mut line = String::new();
                    BufReader::new(&conn).read_line(&mut line).unwrap();
                    // The body (the "PID") says which route the request came to.
                    let path = line.split(' ').nth(1).unwrap().to_string();
                    let body = if path == "/light" { "7" } else { "9" };
                    let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n{body}");
                    (&conn).write_all(answer.as_bytes()).unwrap();
                    path
                })
                .collect::<Vec<String>>()
        });
        let pinned = Target { entry: "head".to_string(), url: Some(url) };
        let endpoints = Arc::new(Mutex::new(Endpoints { pinned: Some(pinned), ..Endpoints::default() }));
        let arrivals =
            [(0, 1), (300, 0), (600, 1)].map(|(ms, app)| Arrival { at: SimDuration::from_millis(ms), app }).to_vec();
        let schedule = Schedule { arrivals, routes: vec!["/light".to_string(), "/heavy".to_string()] };
        let stop = Arc::new(AtomicBool::new(false));
        let (out, _) = run(schedule, Instant::now(), endpoints, Duration::from_secs(10), 1, Vec::new(), stop).unwrap();
        let mut paths = server.join().unwrap();
        paths.sort();
        assert_eq!(paths, ["/heavy", "/heavy", "/light"]);
        let got: Vec<(u16, Option<u32>)> = out.iter().map(|r| (r.record.app, r.pid)).collect();
        assert_eq!(got, [(1, Some(9)), (0, Some(7)), (1, Some(9))]);
    }

    /// Ctrl-C stops the load at once: requests in flight are abandoned, later ones never sent.
    /// (The load used to run to the end of its schedule, so an interrupted run waited out the
    /// scenario's whole duration before it tore the cluster down.)
    #[test]
    fn a_stop_abandons_requests_in_flight_and_sends_no_more() {
        // A proxy that accepts connections and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let pinned = Target { entry: "head".to_string(), url: Some(url) };
        let endpoints = Arc::new(Mutex::new(Endpoints { pinned: Some(pinned), ..Endpoints::default() }));
        let arrivals = [0, 100, 60_000].map(|ms| Arrival { at: SimDuration::from_millis(ms), app: 0 }).to_vec();
        let schedule = Schedule { arrivals, routes: vec!["/".to_string()] };
        let stop = Arc::new(AtomicBool::new(false));
        let stopper = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                stop.store(true, Ordering::SeqCst);
            })
        };
        let (out, _) = run(schedule, Instant::now(), endpoints, Duration::from_secs(60), 1, Vec::new(), stop).unwrap();
        stopper.join().unwrap();
        assert!(out.is_empty(), "no request was answered, and the last was never sent: {out:?}");
        drop(listener);
    }
}
