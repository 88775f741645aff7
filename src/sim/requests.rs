//! The open requests: a window over request ids, which are handed out in arrival order.
//!
//! The window runs from the oldest request still open to the newest; a finished request at its
//! front is retired at once (its record handed on, see [`RequestWindow::retire_done`]), so
//! records leave in arrival order and memory holds only the span of requests open at once (at
//! most the client timeout times the arrival rate when there is a client timeout), never the
//! whole run. A retired request reads as [`ReqState::Done`]: timers that name it (its client
//! timeout, a completion scheduled before its replica died) find it finished. A stretch of
//! counted arrivals ([`CountedSpan`]) takes one id, so that it leaves in arrival order too.

use std::collections::VecDeque;
use std::ops::{Index, IndexMut};

use crate::engine::{SimDuration, SimTime};
use crate::metrics::observations::RequestRecord;

use super::counted::CountedSpan;
use super::ids::{DeploymentId, ReqId};
use super::serve::router::{ReqState, Request};

/// What leaves the window, in arrival order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    /// One finished request.
    Request(RequestRecord),
    /// A stretch of counted arrivals.
    Counted(CountedSpan),
}

/// What a retired request reads as.
const RETIRED: Request = Request {
    arrival: SimTime::ZERO,
    service: SimDuration::ZERO,
    state: ReqState::Done,
    record: None,
    entry: None,
    app: DeploymentId(0),
};

/// Requests from the oldest open one to the newest, indexed by absolute id.
#[derive(Debug, Default)]
pub struct RequestWindow {
    /// Id of the request at the front of `open`.
    base: usize,
    open: VecDeque<Request>,
    /// The counted stretches in the window, with their ids, oldest first.
    spans: VecDeque<(usize, CountedSpan)>,
}

impl RequestWindow {
    /// Adds a request that arrives now; returns its id.
    pub fn push(&mut self, request: Request) -> ReqId {
        let id = self.base + self.open.len();
        self.open.push_back(request);
        ReqId(u32::try_from(id).expect("request ids fit in u32 (the request limit is far below)"))
    }

    /// Adds a stretch of counted arrivals that starts now (it holds no open request).
    pub fn push_span(&mut self, span: CountedSpan) {
        let id = self.push(RETIRED);
        self.spans.push_back((id.ix(), span));
    }

    /// Ids handed out so far.
    pub fn issued(&self) -> usize {
        self.base + self.open.len()
    }

    /// The requests in the window with their ids, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (ReqId, &Request)> {
        self.open.iter().enumerate().map(|(i, r)| (ReqId((self.base + i) as u32), r))
    }

    /// Retires the finished requests and the counted stretches at the front of the window,
    /// handing each to `out` in arrival order.
    pub fn retire_done(&mut self, mut out: impl FnMut(Retired)) {
        while let Some(front) = self.open.front() {
            if front.state != ReqState::Done {
                break;
            }
            if let Some(record) = front.record {
                out(Retired::Request(record));
            }
            if self.spans.front().is_some_and(|(id, _)| *id == self.base) {
                let (_, span) = self.spans.pop_front().expect("front span");
                out(Retired::Counted(span));
            }
            self.open.pop_front();
            self.base += 1;
        }
    }
}

impl Index<usize> for RequestWindow {
    type Output = Request;

    /// The request with absolute id `id`; a retired one reads as done.
    fn index(&self, id: usize) -> &Request {
        match id.checked_sub(self.base) {
            Some(i) => &self.open[i],
            None => &RETIRED,
        }
    }
}

impl IndexMut<usize> for RequestWindow {
    /// The open request with absolute id `id`. A retired request is finished and never changes.
    fn index_mut(&mut self, id: usize) -> &mut Request {
        let i = id.checked_sub(self.base).expect("a retired request is never changed");
        &mut self.open[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::observations::Outcome;

    fn open(t: u64) -> Request {
        Request {
            arrival: SimTime::from_micros(t),
            service: SimDuration::ZERO,
            state: ReqState::Hanging,
            record: None,
            entry: None,
            app: DeploymentId(0),
        }
    }

    fn finish(w: &mut RequestWindow, id: ReqId) {
        let r = &mut w[id.ix()];
        r.state = ReqState::Done;
        r.record = Some(RequestRecord {
            arrival: r.arrival,
            end: SimTime::from_micros(9),
            outcome: Outcome::Success,
            entry: None,
            app: 0,
        });
    }

    #[test]
    fn records_leave_in_arrival_order_and_only_open_requests_stay() {
        let mut w = RequestWindow::default();
        let ids: Vec<ReqId> = (1..=3).map(|t| w.push(open(t))).collect();
        finish(&mut w, ids[1]);
        let span = CountedSpan { from: SimTime::from_micros(4), to: SimTime::from_micros(8) };
        w.push_span(span);
        let mut out = Vec::new();
        w.retire_done(|r| out.push(r));
        assert!(out.is_empty(), "the oldest request is still open");
        finish(&mut w, ids[0]);
        w.retire_done(|r| out.push(r));
        let arrival = |r: &Retired| match r {
            Retired::Request(r) => r.arrival.as_micros(),
            Retired::Counted(_) => panic!("the span leaves after the open request"),
        };
        assert_eq!(out.iter().map(arrival).collect::<Vec<_>>(), [1, 2]);
        finish(&mut w, ids[2]);
        out.clear();
        w.retire_done(|r| out.push(r));
        assert_eq!(out.len(), 2);
        assert_eq!(out[1], Retired::Counted(span), "the span leaves in arrival order");
        assert_eq!(w[ids[0].ix()].state, ReqState::Done, "a retired request reads as done");
        assert_eq!(w.issued(), 4);
    }
}
