//! The event queue: a total order on `(time, seq)`.
//!
//! The `priority-queue` crate neither keeps FIFO order among equal priorities nor allows two
//! equal items, so every pending event gets a unique slot as its item and the priority
//! `Reverse((time, seq))`, where `seq` is a counter assigned when the event is scheduled.
//! Two events at the same instant therefore run in the order they were scheduled, on every
//! machine. Payloads live in a slab indexed by slot, so scheduling, popping and cancelling
//! are O(log n) without scanning.
//!
//! Most events of a simulation are reactions at the current instant (a controller woken by
//! a change, a status write, the next scheduling cycle). Those skip the heap: they go to a
//! FIFO "now lane", which is merged with the heap by `(time, seq)` on pop, so the order is
//! exactly the one the heap alone would give.

use std::cmp::Reverse;
use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};

use priority_queue::PriorityQueue;

use crate::time::SimTime;

/// A handle on a scheduled event, used to cancel or reschedule it.
///
/// It names the slot and the sequence number the event was given, so a stale handle (the
/// event already ran, or the slot was reused) is recognised and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    slot: u32,
    seq: u64,
}

impl EventId {
    /// The sequence number the event was scheduled with (unique for a queue's lifetime).
    pub fn seq(self) -> u64 {
        self.seq
    }
}

/// Why the queue refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// An event may not be scheduled before the current time.
    #[error("cannot schedule an event at {at} before the current time {now}")]
    InPast {
        /// The requested time.
        at: SimTime,
        /// The queue's current time.
        now: SimTime,
    },
    /// More pending events than slots can address.
    #[error("event queue is full ({0} pending events)")]
    Full(usize),
}

struct Slot<E> {
    seq: u64,
    payload: Option<E>,
    in_lane: bool,
}

/// The hasher of the queue's internal index, keyed by slot numbers.
///
/// The standard `RandomState` is seeded from entropy, and SipHash costs more than the rest
/// of a push. Slots are small dense integers, so a multiplicative (Fibonacci) mix of the
/// one `u32` is both deterministic and enough to spread them. Iteration order is never
/// observed anyway: only `pop` by unique priority.
#[derive(Debug, Default, Clone, Copy)]
pub struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, slot: u32) {
        self.0 = u64::from(slot).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FixedState = BuildHasherDefault<SlotHasher>;

/// A queue of events of type `E`, popped in `(time, seq)` order.
pub struct EventQueue<E> {
    heap: PriorityQueue<u32, Reverse<(SimTime, u64)>, FixedState>,
    /// Events scheduled at exactly `now`, in seq order: (slot, seq). Entries whose slot no
    /// longer holds that seq were cancelled and are skipped.
    lane: VecDeque<(u32, u64)>,
    lane_live: usize,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: PriorityQueue::with_default_hasher(),
            lane: VecDeque::new(),
            lane_live: 0,
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the last popped event (the queue's notion of "now").
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + self.lane_live
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn live(&self, (slot, seq): (u32, u64)) -> bool {
        let entry = &self.slots[slot as usize];
        entry.seq == seq && entry.in_lane && entry.payload.is_some()
    }

    /// Schedules `payload` at `at`; events at the same instant run in scheduling order.
    pub fn schedule(&mut self, at: SimTime, payload: E) -> Result<EventId, QueueError> {
        if at < self.now {
            return Err(QueueError::InPast { at, now: self.now });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let in_lane = at == self.now;
        let entry = Slot {
            seq,
            payload: Some(payload),
            in_lane,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = entry;
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .map_err(|_| QueueError::Full(self.slots.len()))?;
                self.slots.push(entry);
                slot
            }
        };
        if in_lane {
            self.lane.push_back((slot, seq));
            self.lane_live += 1;
        } else {
            self.heap.push(slot, Reverse((at, seq)));
        }
        Ok(EventId { slot, seq })
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.lane_live > 0 {
            return Some(self.now);
        }
        self.heap.peek().map(|(_, Reverse((t, _)))| *t)
    }

    /// Removes and returns the next event, advancing the queue's time to it.
    pub fn pop(&mut self) -> Option<(SimTime, EventId, E)> {
        while let Some(&front) = self.lane.front() {
            if self.live(front) {
                break;
            }
            self.lane.pop_front();
        }
        let lane_first = self.lane.front().copied();
        let heap_first = self.heap.peek().map(|(_, Reverse(key))| *key);
        let from_lane = match (lane_first, heap_first) {
            (Some((_, lane_seq)), Some(heap_key)) => (self.now, lane_seq) < heap_key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (slot, at, seq) = if from_lane {
            let (slot, seq) = self.lane.pop_front()?;
            self.lane_live -= 1;
            (slot, self.now, seq)
        } else {
            let (slot, Reverse((at, seq))) = self.heap.pop()?;
            (slot, at, seq)
        };
        let entry = &mut self.slots[slot as usize];
        entry.in_lane = false;
        let payload = entry.payload.take()?;
        self.free.push(slot);
        self.now = at;
        Some((at, EventId { slot, seq }, payload))
    }

    /// Moves the clock forward to `at` without running anything, for work the caller keeps
    /// outside the queue (the kubelets' probe agenda). Refused if an event is pending
    /// before `at`, which would then run in the past.
    pub fn advance_to(&mut self, at: SimTime) -> Result<(), QueueError> {
        if at < self.now {
            return Err(QueueError::InPast { at, now: self.now });
        }
        if let Some(next) = self.peek_time().filter(|&next| next < at) {
            return Err(QueueError::InPast { at: next, now: at });
        }
        if at > self.now {
            // Every lane entry left is stale (the lane holds only events at `now`).
            self.lane.clear();
            self.now = at;
        }
        Ok(())
    }

    /// Cancels a pending event and returns its payload; `None` if it is no longer pending.
    pub fn cancel(&mut self, id: EventId) -> Option<E> {
        let entry = self.slots.get_mut(id.slot as usize)?;
        if entry.seq != id.seq || entry.payload.is_none() {
            return None;
        }
        if entry.in_lane {
            // The lane entry goes stale (its slot will hold another seq or no payload).
            entry.in_lane = false;
            self.lane_live -= 1;
        } else {
            self.heap.remove(&id.slot)?;
        }
        let entry = &mut self.slots[id.slot as usize];
        let payload = entry.payload.take();
        self.free.push(id.slot);
        payload
    }

    /// Moves a pending event to `at`. It gets a fresh sequence number, so among events at
    /// `at` it runs after those already scheduled there. Returns the new handle, or `None`
    /// if the event is no longer pending.
    pub fn reschedule(&mut self, id: EventId, at: SimTime) -> Result<Option<EventId>, QueueError> {
        if at < self.now {
            return Err(QueueError::InPast { at, now: self.now });
        }
        let Some(entry) = self.slots.get_mut(id.slot as usize) else {
            return Ok(None);
        };
        if entry.seq != id.seq || entry.payload.is_none() {
            return Ok(None);
        }
        if entry.in_lane || at == self.now {
            // Moving into or out of the now lane: cancel and schedule anew.
            let Some(payload) = self.cancel(id) else {
                return Ok(None);
            };
            return self.schedule(at, payload).map(Some);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        entry.seq = seq;
        self.heap.change_priority(&id.slot, Reverse((at, seq)));
        Ok(Some(EventId { slot: id.slot, seq }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_schedule_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), "b").expect("schedule");
        q.schedule(SimTime(1), "a").expect("schedule");
        q.schedule(SimTime(5), "c").expect("schedule");
        q.schedule(SimTime(5), "d").expect("schedule");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, _, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn now_lane_merges_with_the_heap_in_seq_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), "heap-a").expect("schedule");
        q.schedule(SimTime(0), "lane-1").expect("schedule");
        let cancelled = q.schedule(SimTime(0), "lane-x").expect("schedule");
        q.schedule(SimTime(5), "heap-b").expect("schedule");
        assert_eq!(q.cancel(cancelled), Some("lane-x"));
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop().map(|(t, _, e)| (t.0, e)), Some((0, "lane-1")));
        assert_eq!(q.pop().map(|(t, _, e)| (t.0, e)), Some((5, "heap-a")));
        // Now at 5: a new event at 5 joins the lane but runs after heap-b (lower seq).
        q.schedule(SimTime(5), "lane-2").expect("schedule");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(t, _, e)| (t.0, e))).collect();
        assert_eq!(order, [(5, "heap-b"), (5, "lane-2")]);
        assert!(q.is_empty());
    }

    #[test]
    fn refuses_the_past() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ()).expect("schedule");
        q.pop();
        assert_eq!(
            q.schedule(SimTime(9), ()),
            Err(QueueError::InPast {
                at: SimTime(9),
                now: SimTime(10)
            })
        );
    }

    #[test]
    fn cancel_and_stale_handles() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime(1), "a").expect("schedule");
        let b = q.schedule(SimTime(2), "b").expect("schedule");
        assert_eq!(q.cancel(a), Some("a"));
        assert_eq!(q.cancel(a), None, "second cancel is refused");
        // Slot of `a` is reused; the old handle must not cancel the new event.
        let c = q.schedule(SimTime(3), "c").expect("schedule");
        assert_eq!(q.cancel(a), None);
        assert_eq!(q.pop().map(|(_, _, e)| e), Some("b"));
        assert_eq!(q.cancel(b), None, "already ran");
        assert_eq!(q.cancel(c), Some("c"));
        assert!(q.is_empty());
    }

    #[test]
    fn reschedule_moves_behind_same_instant_events() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime(1), "a").expect("schedule");
        q.schedule(SimTime(4), "b").expect("schedule");
        let a2 = q.reschedule(a, SimTime(4)).expect("ok").expect("pending");
        assert_ne!(a, a2);
        assert_eq!(q.cancel(a), None, "old handle is stale");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(t, _, e)| (t.0, e))).collect();
        assert_eq!(order, [(4, "b"), (4, "a")]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Op {
        Schedule(u64),
        Pop,
        Cancel(usize),
        Reschedule(usize, u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u64..5).prop_map(Op::Schedule),
            3 => Just(Op::Pop),
            1 => (0usize..64).prop_map(Op::Cancel),
            1 => ((0usize..64), (0u64..5)).prop_map(|(i, d)| Op::Reschedule(i, d)),
        ]
    }

    proptest! {
        /// The queue (heap + now lane) pops exactly what a sorted map of (time, seq) would,
        /// whatever mix of schedules (many at the current instant), cancels and reschedules.
        #[test]
        fn matches_a_sorted_reference(ops in proptest::collection::vec(op(), 1..200)) {
            let mut q = EventQueue::new();
            let mut reference: BTreeMap<(SimTime, u64), u32> = BTreeMap::new();
            let mut handles: Vec<(EventId, u32)> = Vec::new();
            let mut next_payload = 0u32;
            for op in ops {
                match op {
                    Op::Schedule(delay) => {
                        let at = SimTime(q.now().0 + delay);
                        let id = q.schedule(at, next_payload).expect("schedule");
                        reference.insert((at, id.seq()), next_payload);
                        handles.push((id, next_payload));
                        next_payload += 1;
                    }
                    Op::Pop => {
                        let expected = reference.pop_first();
                        let got = q.pop();
                        prop_assert_eq!(got.map(|(t, id, p)| ((t, id.seq()), p)), expected);
                    }
                    Op::Cancel(i) => {
                        if let Some(&(id, payload)) = handles.get(i) {
                            let was = reference.iter().find(|(_, p)| **p == payload).map(|(k, _)| *k);
                            let got = q.cancel(id);
                            prop_assert_eq!(got, was.map(|_| payload));
                            if let Some(k) = was { reference.remove(&k); }
                        }
                    }
                    Op::Reschedule(i, delay) => {
                        if let Some(&(id, payload)) = handles.get(i) {
                            let at = SimTime(q.now().0 + delay);
                            let was = reference.iter().find(|(_, p)| **p == payload).map(|(k, _)| *k);
                            let got = q.reschedule(id, at).expect("not in the past");
                            prop_assert_eq!(got.is_some(), was.is_some());
                            if let (Some(k), Some(new_id)) = (was, got) {
                                reference.remove(&k);
                                reference.insert((at, new_id.seq()), payload);
                                handles[i] = (new_id, payload);
                            }
                        }
                    }
                }
                prop_assert_eq!(q.len(), reference.len());
                prop_assert_eq!(q.peek_time(), reference.keys().next().map(|(t, _)| *t));
            }
        }
    }
}
