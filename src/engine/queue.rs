//! The event queue.
//!
//! Order contract: events are delivered by ascending time; events scheduled for the same time are
//! delivered in the order they were scheduled (first in, first out), whatever their payload. The
//! order never depends on the payload, on a hash or on a float.
//!
//! The queue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990), which fits a simulation
//! because simulated time never goes back: every pending event is due at or after the last popped
//! one (`last`), so an event can be filed by the highest bit in which its time differs from
//! `last`. Bucket `b` holds the events whose time differs from `last` first in bit `b`; `due`
//! holds those due at `last` itself. A pop takes the front of `due`; when `due` is empty, the
//! lowest non-empty bucket is emptied: its earliest time becomes `last` and each of its events
//! moves to `due` or to a lower bucket. An event therefore moves at most 64 times in its life,
//! and in practice a few times, where a binary heap pays a logarithmic sift, with a hard to
//! predict branch a level, on every push and pop.
//!
//! First in, first out without a sequence number: every bucket, `due` included, keeps its events
//! in scheduling order. A push appends the newest event; emptying bucket `b` appends its events,
//! in order, to buckets below `b`, which are all empty then (`b` is the lowest non-empty one). So
//! `due` pops same-time events in the order they were scheduled.
//!
//! An event scheduled before `last` (which the simulator never does, but the contract allows) is
//! earlier than every filed event: it waits in a small binary heap ordered by (time, insertion
//! sequence), which pops before the buckets.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::SimTime;

/// One filed event: its time in microseconds and its payload.
struct Slot<E> {
    time: u64,
    event: E,
}

/// One event scheduled before the last popped one: its (time, insertion sequence) key and payload.
struct Late<E> {
    /// The time's microseconds in the high 64 bits, the sequence in the low 64: comparing the
    /// one integer orders by time, then by sequence.
    key: u128,
    event: E,
}

impl<E> Late<E> {
    fn time(&self) -> SimTime {
        SimTime::from_micros((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Late<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Late<E> {}
impl<E> PartialOrd for Late<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Late<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Number of buckets: one per bit of the time.
const BUCKETS: usize = u64::BITS as usize;

/// The bucket of an event due at `time` when the last popped event was at `last` (`time` !=
/// `last`): the index of the highest bit in which they differ.
#[inline]
fn bucket_of(time: u64, last: u64) -> usize {
    (time ^ last).ilog2() as usize
}

/// A priority queue of events ordered by (time, insertion sequence).
pub struct EventQueue<E> {
    /// Events due at `last`, in scheduling order.
    due: VecDeque<Slot<E>>,
    /// `buckets[b]`: events due after `last` whose time differs from it first in bit `b`, in
    /// scheduling order.
    buckets: [Vec<Slot<E>>; BUCKETS],
    /// `mins[b]`: the earliest time in `buckets[b]` when it is not empty.
    mins: [u64; BUCKETS],
    /// Bit `b` set when `buckets[b]` is not empty.
    occupied: u64,
    /// The time of the last popped event (0 before the first pop), in microseconds.
    last: u64,
    /// Events scheduled before `last`.
    late: BinaryHeap<Late<E>>,
    /// Number of pending events.
    len: usize,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            due: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            mins: [0; BUCKETS],
            occupied: 0,
            last: 0,
            late: BinaryHeap::new(),
            len: 0,
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`. Events at equal times pop in scheduling order.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.len += 1;
        let time = time.as_micros();
        if time < self.last {
            self.late.push(Late { key: (u128::from(time) << 64) | u128::from(seq), event });
        } else {
            self.file(Slot { time, event });
        }
    }

    /// Puts an event due at or after `last` in `due` or in its bucket.
    #[inline]
    fn file(&mut self, slot: Slot<E>) {
        if slot.time == self.last {
            self.due.push_back(slot);
            return;
        }
        let b = bucket_of(slot.time, self.last);
        let bit = 1 << b;
        if self.occupied & bit == 0 {
            self.occupied |= bit;
            self.mins[b] = slot.time;
        } else {
            self.mins[b] = self.mins[b].min(slot.time);
        }
        self.buckets[b].push(slot);
    }

    /// Removes and returns the earliest event, with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if !self.late.is_empty() {
            let late = self.late.pop()?;
            self.len -= 1;
            return Some((late.time(), late.event));
        }
        if self.due.is_empty() {
            self.refill_due()?;
        }
        let slot = self.due.pop_front()?;
        self.len -= 1;
        Some((SimTime::from_micros(slot.time), slot.event))
    }

    /// Empties the lowest non-empty bucket into `due` and the buckets below it, its earliest time
    /// becoming `last`; `None` when every bucket is empty.
    fn refill_due(&mut self) -> Option<()> {
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        let mut moving = std::mem::take(&mut self.buckets[b]);
        self.last = self.mins[b];
        for slot in moving.drain(..) {
            self.file(slot);
        }
        // The emptied vector goes back to keep its capacity.
        self.buckets[b] = moving;
        Some(())
    }

    /// Every pending event with its time, in no particular order.
    pub fn pending(&self) -> impl Iterator<Item = (SimTime, &E)> {
        let filed = self.due.iter().chain(self.buckets.iter().flatten());
        let filed = filed.map(|s| (SimTime::from_micros(s.time), &s.event));
        self.late.iter().map(|l| (l.time(), &l.event)).chain(filed)
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if let Some(late) = self.late.peek() {
            return Some(late.time());
        }
        if !self.due.is_empty() {
            return Some(SimTime::from_micros(self.last));
        }
        let lowest = self.occupied.trailing_zeros() as usize;
        self.mins.get(lowest).copied().map(SimTime::from_micros)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Total number of events ever scheduled.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use proptest::prelude::*;

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
        // Same time as the first, later sequence: pops after it.
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

    /// A push in the property test: at a time, or a span after the last popped event.
    #[derive(Clone, Debug)]
    enum When {
        At(u64),
        After(u64),
    }

    #[derive(Clone, Debug)]
    enum Op {
        Push(When),
        Pop,
    }

    fn when() -> impl Strategy<Value = When> {
        let extreme = prop_oneof![Just(0), Just(1), Just(u64::MAX - 1), Just(u64::MAX), 0..16u64, any::<u64>()];
        prop_oneof![extreme.prop_map(When::At), (0..4u64).prop_map(When::After), (0..1u64 << 40).prop_map(When::After)]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![3 => when().prop_map(Op::Push), 2 => Just(Op::Pop)]
    }

    proptest! {
        /// Any interleaving of pushes and pops (equal times, the extreme times, times before the
        /// last popped event) pops as a sort by (time, sequence) would, and `len`, `peek_time` and
        /// `pending` agree with that sort at every step.
        #[test]
        fn pops_as_a_sort_by_time_then_sequence(ops in prop::collection::vec(op(), 0..400)) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64)> = Vec::new();
            let mut last = 0u64;
            for (seq, op) in (0u64..).zip(ops) {
                match op {
                    Op::Push(When::At(at)) => {
                        q.push(t(at), seq);
                        model.push((at, seq));
                    }
                    Op::Push(When::After(span)) => {
                        q.push(t(last.saturating_add(span)), seq);
                        model.push((last.saturating_add(span), seq));
                    }
                    Op::Pop => {
                        let expected = model.iter().copied().min();
                        model.retain(|e| Some(*e) != expected);
                        last = expected.map_or(last, |(at, _)| at);
                        prop_assert_eq!(q.pop().map(|(at, e)| (at.as_micros(), e)), expected);
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.is_empty(), model.is_empty());
                prop_assert_eq!(q.peek_time().map(SimTime::as_micros), model.iter().map(|e| e.0).min());
            }
            let mut pending: Vec<_> = q.pending().map(|(at, e)| (at.as_micros(), *e)).collect();
            pending.sort_unstable();
            model.sort_unstable();
            prop_assert_eq!(&pending, &model);
            let rest: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(at, e)| (at.as_micros(), e)).collect();
            prop_assert_eq!(rest, model);
        }
    }
}
