//! Requests and failures per entry point: the pod a pinned port-forward reaches, each endpoint
//! pod of a Service, each backend of a load balancer. Requests that reached none (no endpoint
//! at all) and counted requests (never routed one by one) have rows of their own.

use super::observations::{Outcome, RequestRecord};
use super::series::cause_index;

/// An entry point, by its index in the run's list of entry-point names
/// ([`super::observations::Observations::entry_points`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryId(pub u32);

/// The row of the requests that reached no entry point.
pub const NO_ENTRY_POINT: &str = "(no entry point)";
/// The row of counted requests (counted traffic mode), which are not routed one by one.
pub const COUNTED: &str = "(counted)";

/// The names of a run's entry points, each with its [`EntryId`], in the order they were first
/// named.
#[derive(Clone, Debug, Default)]
pub struct EntryNames {
    names: Vec<String>,
    ids: std::collections::BTreeMap<String, EntryId>,
}

impl EntryNames {
    /// The id of entry point `name`, new if it was never named.
    pub fn id(&mut self, name: &str) -> EntryId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = EntryId(self.names.len() as u32);
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    /// Every name, indexed by id.
    pub fn into_names(self) -> Vec<String> {
        self.names
    }
}

/// One entry point's requests and failures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryPoint {
    /// Pod or backend name, or one of [`NO_ENTRY_POINT`] and [`COUNTED`].
    pub name: String,
    /// Requests sent through it.
    pub requests: u64,
    /// Its failures by cause, in [`super::observations::FailureCause::ALL`] order.
    pub failures_by_cause: [u64; 6],
}

impl EntryPoint {
    /// Its failed requests.
    pub fn failures(&self) -> u64 {
        self.failures_by_cause.iter().sum()
    }
}

/// Per-entry-point counts, accumulated as requests stream past.
#[derive(Clone, Debug, Default)]
pub struct EntryTally {
    by_entry: Vec<EntryPoint>,
    none: EntryPoint,
    counted: u64,
}

impl EntryTally {
    /// One finished request.
    pub fn add(&mut self, r: &RequestRecord) {
        let row = match r.entry {
            Some(EntryId(i)) => {
                let i = i as usize;
                if self.by_entry.len() <= i {
                    self.by_entry.resize_with(i + 1, EntryPoint::default);
                }
                &mut self.by_entry[i]
            }
            None => &mut self.none,
        };
        row.requests += 1;
        if let Outcome::Failure(c) = r.outcome {
            row.failures_by_cause[cause_index(c)] += 1;
        }
    }

    /// `count` counted successes.
    pub fn add_counted(&mut self, count: u64) {
        self.counted += count;
    }

    /// The rows: one per name in `names` (an entry point that got no request included), in that
    /// order, then the requests with no entry point and the counted ones, when there are any.
    pub fn finish(mut self, names: &[String]) -> Vec<EntryPoint> {
        self.by_entry.resize_with(names.len().max(self.by_entry.len()), EntryPoint::default);
        let mut rows: Vec<EntryPoint> = self
            .by_entry
            .into_iter()
            .enumerate()
            .map(|(i, row)| EntryPoint { name: names.get(i).cloned().unwrap_or_else(|| format!("#{i}")), ..row })
            .collect();
        if self.none.requests > 0 {
            rows.push(EntryPoint { name: NO_ENTRY_POINT.to_string(), ..self.none });
        }
        if self.counted > 0 {
            rows.push(EntryPoint { name: COUNTED.to_string(), requests: self.counted, failures_by_cause: [0; 6] });
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::metrics::observations::FailureCause;

    fn rec(entry: Option<u32>, outcome: Outcome) -> RequestRecord {
        RequestRecord { arrival: SimTime::ZERO, end: SimTime::ZERO, outcome, entry: entry.map(EntryId), app: 0 }
    }

    #[test]
    fn rows_follow_the_names_then_the_requests_with_no_entry_point_then_the_counted_ones() {
        let mut t = EntryTally::default();
        t.add(&rec(Some(1), Outcome::Success));
        t.add(&rec(Some(1), Outcome::Failure(FailureCause::ProxyUnavailable)));
        t.add(&rec(None, Outcome::Failure(FailureCause::NoEndpoint)));
        t.add_counted(5);
        let names = ["head".to_string(), "w-1".to_string(), "w-2".to_string()];
        let rows = t.finish(&names);
        let summary: Vec<(&str, u64, u64)> = rows.iter().map(|r| (r.name.as_str(), r.requests, r.failures())).collect();
        assert_eq!(summary, [("head", 0, 0), ("w-1", 2, 1), ("w-2", 0, 0), (NO_ENTRY_POINT, 1, 1), (COUNTED, 5, 0)]);
        assert_eq!(rows[1].failures_by_cause[cause_index(FailureCause::ProxyUnavailable)], 1);
    }
}
