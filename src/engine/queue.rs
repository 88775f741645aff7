//! The event queue.
//!
//! Order contract: events are delivered by ascending time; events scheduled for the same time are
//! delivered in the order they were scheduled (first in, first out), whatever their payload. The
//! tie-breaker is a sequence number assigned at insertion, so the order never depends on the
//! payload, on a hash or on a float.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

/// One scheduled event: its (time, insertion sequence) key and its payload.
struct Entry<E> {
    /// The time's microseconds in the high 64 bits, the sequence in the low 64: comparing the
    /// one integer orders by time, then by sequence, with a single comparison.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn new(time: SimTime, seq: u64, event: E) -> Self {
        Entry { key: (u128::from(time.as_micros()) << 64) | u128::from(seq), event }
    }

    fn time(&self) -> SimTime {
        SimTime::from_micros((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Events due at least this long after the last popped one go to the far heap.
const FAR: SimDuration = SimDuration::from_secs(1);

/// A priority queue of events ordered by (time, insertion sequence).
///
/// Two heaps hold the events: the near one those due within `FAR` of the last popped event
/// (requests, retries, short timers), the far one the long timers (periodic health checks, one
/// per replica), so that popping the frequent near events does not pay for the depth of a heap
/// holding every long timer of a large cluster. A pop takes the earlier (time, seq) of the two
/// tops: the order is the same as with one heap.
pub struct EventQueue<E> {
    near: BinaryHeap<Entry<E>>,
    far: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// Events due at or after this time (`FAR` after the last popped event) go to the far heap.
    far_from: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue { near: BinaryHeap::new(), far: BinaryHeap::new(), next_seq: 0, far_from: SimTime::ZERO + FAR }
    }

    /// Schedules `event` at `time`. Events at equal times pop in scheduling order.
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry::new(time, seq, event);
        if time < self.far_from { self.near.push(entry) } else { self.far.push(entry) }
    }

    /// Removes and returns the earliest event, with its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // `Entry`'s order is reversed: the greater entry is the earlier one.
        let from_far = match self.far.peek() {
            None => false,
            Some(far) => self.near.peek().is_none_or(|near| far > near),
        };
        let e = if from_far { self.far.pop() } else { self.near.pop() }?;
        let time = e.time();
        self.far_from = time + FAR;
        Some((time, e.event))
    }

    /// Every pending event with its time, in no particular order.
    pub fn pending(&self) -> impl Iterator<Item = (SimTime, &E)> {
        self.near.iter().chain(self.far.iter()).map(|e| (e.time(), &e.event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let near = self.near.peek().map(Entry::time);
        let far = self.far.peek().map(Entry::time);
        near.into_iter().chain(far).min()
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.near.len() + self.far.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.far.is_empty()
    }

    /// Total number of events ever scheduled.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(us: u64) -> SimTime {
        SimTime::from_micros(us)
    }

    #[test]
    fn events_pop_by_ascending_time() {
        let mut q = EventQueue::new();
        q.push(t(30), "c");
        q.push(t(10), "a");
        q.push(t(20), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn same_time_events_pop_first_in_first_out() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(t(5), i);
        }
        q.push(t(1), -1);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order[0], -1);
        assert_eq!(&order[1..], (0..100).collect::<Vec<_>>().as_slice());
    }

    #[test]
    fn events_scheduled_while_popping_keep_the_contract() {
        let mut q = EventQueue::new();
        q.push(t(10), 1);
        let (now, _) = q.pop().unwrap();
        q.push(now, 2);
        q.push(now, 3);
        assert_eq!(q.pop(), Some((t(10), 2)));
        assert_eq!(q.pop(), Some((t(10), 3)));
        assert!(q.is_empty());
        assert_eq!(q.scheduled_count(), 3);
    }

    #[test]
    fn near_and_far_events_keep_one_time_and_sequence_order() {
        let s = |secs: u64| t(secs * 1_000_000);
        let mut q = EventQueue::new();
        q.push(s(5), "far, scheduled first");
        q.push(s(4) + SimDuration::from_micros(600_000), "near");
        assert_eq!(q.pop(), Some((s(4) + SimDuration::from_micros(600_000), "near")));
        // Now within a second of 5 s: same time, later sequence, the near heap.
        q.push(s(5), "near, scheduled second");
        q.push(s(9), "far");
        assert_eq!(q.peek_time(), Some(s(5)));
        assert_eq!(q.len(), 3);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["far, scheduled first", "near, scheduled second", "far"]);
    }

    #[test]
    fn the_extreme_times_keep_their_order() {
        let mut q = EventQueue::new();
        q.push(SimTime::MAX, "never");
        q.push(t(u64::MAX - 1), "just before never");
        q.push(SimTime::ZERO, "start");
        q.push(SimTime::MAX, "never, second");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [
                (SimTime::ZERO, "start"),
                (t(u64::MAX - 1), "just before never"),
                (SimTime::MAX, "never"),
                (SimTime::MAX, "never, second")
            ]
        );
    }

    #[test]
    fn pops_match_a_sort_by_time_then_sequence() {
        let mut rng = crate::engine::RngStream::new(7, "queue-test");
        let mut q = EventQueue::new();
        let mut reference = Vec::new();
        let mut popped = Vec::new();
        let mut now = 0u64;
        for seq in 0..5_000u64 {
            let at = now + rng.range_inclusive(0, 3_000_000) / 1_000 * 1_000;
            q.push(t(at), seq);
            reference.push((at, seq));
            if rng.below(2) == 0 {
                let (time, e) = q.pop().expect("pushed");
                now = time.as_micros();
                popped.push((now, e));
            }
        }
        popped.extend(std::iter::from_fn(|| q.pop()).map(|(time, e)| (time.as_micros(), e)));
        reference.sort_unstable();
        assert_eq!(popped, reference);
    }
}
