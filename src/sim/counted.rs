//! Counted traffic (`traffic.mode`; see `scenario::traffic_mode` and docs/model.md).
//!
//! While the cluster is quiet (at least its target number of replicas running, every open
//! request in service on a live replica, every way in routing to live replicas), a request's
//! outcome depends on no other request: it succeeds, its latency one service time. At an arrival
//! in a quiet cluster the arrivals from now until the horizon (the next event that may change the
//! routing state, or the end of arrivals, less [`counted_margin`]) are drawn as counts per cell
//! instead of one event per request, and handed to the requests sink in arrival order; the
//! metrics draw their latencies at the end of the run. A cell is one time-series bucket's part of
//! the stretch, but for the 1 s and 60 s windows that the stretch shares with requests before or
//! after it: their parts are cells of their own (see `cell_end`). Counts of disjoint spans of a
//! Poisson process are independent Poisson counts, so the cells are exact whatever their size.
//! The last margin before a change, and every moment the cluster is not quiet, run request by
//! request, so every request in service at a change is simulated. See `World::quiet_until` for
//! the two kinds of quiet cluster and their horizons.

use crate::engine::{RngStream, SimDuration, SimTime};
use crate::metrics::brownout::WINDOW_WIDTHS;
use crate::metrics::observations::RequestSink;
use crate::names::stream;
use crate::scenario::Scenario;
use crate::scenario::traffic_mode::{counted_margin, fewest_replicas};
use crate::traffic::ArrivalStream;

use super::event::Event;
use super::ids::{PodId, ReplicaId};
use super::k8s::PodPhase;
use super::serve::replica::ReplicaState;
use super::serve::router::ReqState;
use super::world::World;

/// How long a cluster that is not quiet is left before it is looked at again.
const RECHECK: SimDuration = SimDuration::from_secs(1);

/// The arrivals counted in one stretch: the one at `from`, and every later one before `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountedSpan {
    /// The arrival that started the stretch.
    pub from: SimTime,
    /// The horizon: arrivals from here on are simulated again.
    pub to: SimTime,
}

/// The state of counted traffic in a run.
pub struct Counting {
    /// Requests arriving this long before a change are simulated one by one.
    margin: SimDuration,
    /// Counting needs every router to reach at least this many running replicas
    /// (`traffic_mode::fewest_replicas`: the error bound holds).
    min_replicas: u32,
    /// A cluster found not quiet is looked at again from this time on.
    next_check: SimTime,
    /// The stream the counts are drawn from.
    rng: RngStream,
}

impl Counting {
    /// Counted traffic for `sc`.
    pub fn new(sc: &Scenario) -> Self {
        let app = sc.serve.first();
        Counting {
            margin: counted_margin(&sc.traffic),
            min_replicas: fewest_replicas(sc.duration, &sc.traffic, app.num_replicas, app.max_ongoing_requests),
            next_check: SimTime::ZERO,
            rng: RngStream::new(sc.seed, stream::COUNTED),
        }
    }

    /// Hands the arrivals of `span` to `sink`, one call per cell with arrivals (see
    /// `cell_end`).
    pub fn expand(
        &mut self,
        span: CountedSpan,
        arrivals: &ArrivalStream,
        bucket: SimDuration,
        sink: &mut dyn RequestSink,
    ) {
        let mut from = span.from;
        let mut first = true;
        while from < span.to {
            let to = cell_end(from, span, bucket);
            let n = arrivals.count_in(from, to, first, &mut self.rng);
            if n > 0 {
                sink.successes(from, n);
            }
            from = to;
            first = false;
        }
    }
}

/// The end of the cell of `span` that starts at `t`: the first, after `t`, of the end of the
/// span, the next bucket boundary, and the bounds of the span's part of the first and last
/// window of each width the metrics judge (`brownout::WINDOW_WIDTHS`). So each cell lies in one
/// bucket, and a window that the span covers only in part gets its own cells: the windows
/// between, wholly in the span, hold only successes, and what matters of them is the total.
fn cell_end(t: SimTime, span: CountedSpan, bucket: SimDuration) -> SimTime {
    let (t, from, to) = (t.as_micros(), span.from.as_micros(), span.to.as_micros());
    let width = bucket.as_micros().max(1);
    let next_bucket = (t / width + 1) * width;
    let window_cuts = WINDOW_WIDTHS.iter().map(|w| w.as_micros()).flat_map(|w| [(from / w + 1) * w, to / w * w]);
    SimTime::from_micros(window_cuts.filter(|&c| c > t).fold(next_bucket.min(to), u64::min))
}

impl Event {
    /// True for the events of requests: in a quiet cluster they change no component.
    fn is_request(&self) -> bool {
        matches!(self, Event::Arrival | Event::RequestDone(_) | Event::ClientTimeout(_) | Event::PartitionServed(_))
    }

    /// True for the events that change nothing in a quiet cluster at its target: requests, and
    /// the periodic checks of healthy components.
    fn leaves_quiet_alone(&self) -> bool {
        self.is_request()
            || matches!(
                self,
                Event::ControllerTick
                    | Event::RayServiceReconcile
                    | Event::ReplicaHealthCheck { .. }
                    | Event::ReplicaHealthCheckTimeout { .. }
                    | Event::ProxyHealthCheck { .. }
                    | Event::ProxyHealthCheckTimeout { .. }
                    | Event::ReadinessProbe { .. }
                    | Event::LbProbe { .. }
                    | Event::LbProbeTimeout { .. }
            )
    }
}

impl World {
    /// In counted mode, at an arrival now: when the cluster is quiet, counts the arrivals from
    /// now to the horizon (this one included) and schedules the first arrival after it; true if
    /// it did.
    pub(super) fn count_arrivals(&mut self) -> bool {
        let Some(counting) = &self.counting else { return false };
        if self.now < counting.next_check {
            return false;
        }
        let (margin, min_replicas) = (counting.margin, counting.min_replicas);
        let horizon = self.quiet_until(min_replicas).and_then(|t| t.as_micros().checked_sub(margin.as_micros()));
        let now = self.now;
        match horizon.map(SimTime::from_micros) {
            Some(to) if to > now => {
                self.traffic.requests.push_span(CountedSpan { from: now, to });
                self.traffic.arrivals.skip_to(to);
                self.schedule_next_arrival();
                true
            }
            _ => {
                if let Some(c) = self.counting.as_mut() {
                    c.next_check = now + RECHECK;
                }
                false
            }
        }
    }

    /// When the cluster is quiet: the first time something may change it, or the end of
    /// arrivals.
    ///
    /// Quiet: at least `min_replicas` replicas running (`traffic_mode::fewest_replicas`: the
    /// capacity for which the error bound of `scenario::traffic_mode` holds), no request waiting
    /// in a proxy or hanging, every request in flight served by a replica that answers, and every
    /// pod a new connection may reach routing only to replicas that serve its request: at least
    /// `min_replicas` that answer, and maybe dead ones its router leaves out when it picks them
    /// (`World::dead_replica_left_out`: it then picks again, at no cost in the model, so the
    /// request is served by one that answers). Two kinds:
    ///
    /// - *At its target* (every level of the report): the periodic checks of healthy components
    ///   change nothing, so the horizon is the earliest pending event that is neither a request
    ///   nor such a check.
    /// - *Short of its target* (a replica, a pod, a proxy, the GCS, Redis or the controller
    ///   missing, say a lost node's replicas and pod waiting for their replacements): a periodic
    ///   check or a controller tick may act (start a proxy, mark a pod ready), so the horizon is
    ///   the earliest pending event that is not a request. Until then no event but requests runs,
    ///   and a request event changes no component: an arrival is counted (none is simulated in
    ///   the stretch), a completion frees a slot on a live replica (it cannot finish a drain:
    ///   that replica is alive), a client timeout fails its own request. Every component, the
    ///   Service endpoints and every routing table therefore stay as they are now until the
    ///   horizon (a parked check is woken only by a change), so each counted request enters a
    ///   pod that answers and is served by a replica that answers, with at least `min_replicas`
    ///   of capacity: its outcome depends on no other request, as at the target. The one thing a
    ///   counted request does not do is what a simulated one does on picking a dead replica
    ///   that its router leaves out: drop it from that router's table (and wake the pod's
    ///   readiness probe, which finds the same answer: the table keeps replicas that answer).
    ///   The table then keeps the dead replica until a simulated request picks it or the
    ///   controller's next broadcast, which changes no outcome: a router leaves it out whenever
    ///   it picks it.
    fn quiet_until(&self, min_replicas: u32) -> Option<SimTime> {
        let levels = self.levels();
        if levels.replicas_running < min_replicas || !self.traffic.waiting_queues.is_empty() {
            return None;
        }
        let in_service = |state: ReqState| match state {
            ReqState::Serving(_, r) => self.replica_answers(r),
            ReqState::Done => true,
            ReqState::Waiting(_) | ReqState::Hanging => false,
        };
        if !self.traffic.requests.iter().all(|(_, r)| in_service(r.state)) || !self.every_way_in_answers(min_replicas) {
            return None;
        }
        let end = SimTime::ZERO + self.scenario.duration;
        let changes: fn(&Event) -> bool =
            if levels.at_target() { |ev| !ev.leaves_quiet_alone() } else { |ev| !ev.is_request() };
        Some(self.pending_events().filter(|(_, ev)| changes(ev)).map(|(t, _)| t).fold(end, SimTime::min))
    }

    /// The replica is running, alive, answers its calls and its pod is reachable.
    fn replica_answers(&self, r: ReplicaId) -> bool {
        let rep = &self.serve.replicas[r.ix()];
        rep.actor_alive
            && rep.state == ReplicaState::Running
            && rep.health_mode().is_none()
            && rep.pod.is_some_and(|p| self.k8s.pods[p.ix()].unreachable_since.is_none())
    }

    /// The replica is dead and every router that picks it leaves it out: its death is known or
    /// its cached queue length has expired, and no short partition hangs the call first (the
    /// routers checked lie on reachable pods, so only the replica's side can be cut).
    fn replica_left_out(&self, r: ReplicaId) -> bool {
        let rep = &self.serve.replicas[r.ix()];
        !rep.actor_alive
            && rep.pod.is_none_or(|p| self.k8s.pods[p.ix()].partition.is_none())
            && self.dead_replica_left_out(r)
    }

    /// Every pod a new connection may reach has a proxy that accepts it and routes to at least
    /// `min_replicas` replicas that answer, and to no other but dead ones its router leaves out.
    fn every_way_in_answers(&self, min_replicas: u32) -> bool {
        let pods: Vec<PodId> = match &self.scenario.ingress {
            crate::scenario::Ingress::Pinned { pod } => match self.k8s.pods.iter().position(|p| &p.name == pod) {
                Some(i) => vec![PodId(i as u32)],
                None => return false,
            },
            crate::scenario::Ingress::Service => self.k8s.endpoints.pods().to_vec(),
            crate::scenario::Ingress::LoadBalancer(_) => self.lb_pods_in_rotation(),
        };
        let mut checked: Vec<*const ReplicaId> = Vec::new();
        !pods.is_empty()
            && pods.iter().all(|&pod| {
                let p = &self.k8s.pods[pod.ix()];
                let Some(proxy) = self.accepting_proxy_on(pod).filter(|_| self.pod_running(pod)) else {
                    return false;
                };
                if p.phase != PodPhase::Running || p.unreachable_since.is_some() {
                    return false;
                }
                // Proxies share the controller's broadcast: check each list once.
                self.serve.proxies[proxy.ix()].view.tables().iter().all(|t| {
                    let list = t.all();
                    if checked.contains(&list.as_ptr()) {
                        return true;
                    }
                    checked.push(list.as_ptr());
                    let mut answering = 0u32;
                    let serves = list.iter().all(|&r| {
                        let answers = self.replica_answers(r);
                        answering += u32::from(answers);
                        answers || self.replica_left_out(r)
                    });
                    serves && answering >= min_replicas
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::observations::RequestRecord;

    /// The calls a sink received: (first, count).
    #[derive(Default)]
    struct Calls(Vec<(SimTime, u64)>);

    impl RequestSink for Calls {
        fn request(&mut self, _: RequestRecord) {
            unreachable!("a counted span hands over counts only");
        }

        fn successes(&mut self, first: SimTime, count: u64) {
            self.0.push((first, count));
        }

        fn mark(&mut self, _: SimTime) {}
    }

    impl Calls {
        /// The requests handed over in calls whose `first` lies in `range`, as the metrics
        /// take them.
        fn within(&self, (from, to): (SimTime, SimTime)) -> u64 {
            self.0.iter().filter(|(t, _)| (from..to).contains(t)).map(|(_, n)| n).sum()
        }
    }

    fn at(s: f64) -> SimTime {
        SimTime::from_micros((s * 1e6).round() as u64)
    }

    /// The span: from 2.3 s to 185.7 s, with 45 s buckets (not a multiple of the minute).
    const SPAN: (f64, f64) = (2.3, 185.7);
    const BUCKET_S: f64 = 45.0;
    const RATE: f64 = 50.0;

    fn scenario(arrivals: &str, seed: u64) -> Scenario {
        let json = format!(
            r#"{{"seed": {seed}, "duration_s": 300, "bucket_s": {BUCKET_S},
            "traffic": {{"arrivals": "{arrivals}", "rate_per_s": {RATE}}}}}"#
        );
        crate::scenario::parse(&json, "t").unwrap().scenario
    }

    fn expand(sc: &Scenario) -> Calls {
        let mut calls = Calls::default();
        let span = CountedSpan { from: at(SPAN.0), to: at(SPAN.1) };
        Counting::new(sc).expand(span, &ArrivalStream::new(sc), sc.bucket, &mut calls);
        calls
    }

    /// What the metrics read of the span: the 1 s and 60 s windows it shares with requests
    /// before or after it, each bucket, and the whole; each as a range of time and the part of
    /// it in the span (whose first arrival, at its start, is known).
    fn parts() -> Vec<((SimTime, SimTime), (f64, f64))> {
        let window = |lo: f64, hi: f64| (at(lo), at(hi));
        let mut ranges = vec![window(2.0, 3.0), window(0.0, 60.0), window(185.0, 186.0), window(180.0, 240.0)];
        ranges.extend((0..5).map(|b| window(b as f64 * BUCKET_S, (b + 1) as f64 * BUCKET_S)));
        ranges.push(window(0.0, 300.0));
        let in_span = |(lo, hi): (SimTime, SimTime)| (lo.as_secs_f64().max(SPAN.0), hi.as_secs_f64().min(SPAN.1));
        ranges.into_iter().map(|r| (r, in_span(r))).collect()
    }

    #[test]
    fn poisson_counts_of_shared_windows_and_buckets_have_the_poisson_mean_and_variance() {
        // A wrong split (a shared window that gets counts from outside it, a count spread over
        // two buckets, cells drawn from a wrong law or not independently) moves a mean or a
        // variance by far more than the 4.5 standard errors allowed (about 1e-5 of false alarms
        // for each of the 20 checks).
        const SEEDS: u64 = 4_000;
        let runs: Vec<Calls> = (0..SEEDS).map(|seed| expand(&scenario("poisson", seed))).collect();
        for (range, (lo, hi)) in parts() {
            let known = f64::from(u8::from(lo == SPAN.0));
            let lambda = (hi - lo) * RATE;
            let xs: Vec<f64> = runs.iter().map(|c| c.within(range) as f64 - known).collect();
            let n = SEEDS as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let mean_z = (mean - lambda) / (lambda / n).sqrt();
            let var_z = (var - lambda) / ((lambda + 2.0 * lambda * lambda) / n).sqrt();
            assert!(mean_z.abs() < 4.5 && var_z.abs() < 4.5, "{range:?}: lambda {lambda}, mean {mean}, variance {var}");
        }
    }

    #[test]
    fn constant_counts_of_shared_windows_and_buckets_are_those_of_the_arrivals() {
        let sc = scenario("constant", 1);
        let mut stream = ArrivalStream::new(&sc);
        let times: Vec<SimTime> =
            std::iter::repeat_with(|| stream.next_arrival()).take_while(|&t| t < at(SPAN.1)).collect();
        let calls = expand(&sc);
        for (range, (lo, hi)) in parts() {
            let expected = times.iter().filter(|&&t| (at(lo)..at(hi)).contains(&t)).count() as u64;
            assert_eq!(calls.within(range), expected, "{range:?}");
        }
    }
}
