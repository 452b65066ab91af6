//! The event queue: a total order on `(time, seq)`.
//!
//! The `priority-queue` crate neither keeps FIFO order among equal priorities nor allows two
//! equal items, so every pending event gets a unique slot as its item and the priority
//! `Reverse((time, seq))`, where `seq` is a counter assigned when the event is scheduled.
//! Two events at the same instant therefore run in the order they were scheduled, on every
//! machine. Payloads live in a slab indexed by slot, so scheduling, popping and cancelling
//! are O(log n) without scanning.

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

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
}

// A fixed hasher: the standard `RandomState` would be seeded from entropy. Iteration order
// is never observed (only `pop` by unique priority), but determinism is cheaper to keep than
// to argue about.
type FixedState = BuildHasherDefault<DefaultHasher>;

/// A queue of events of type `E`, popped in `(time, seq)` order.
pub struct EventQueue<E> {
    heap: PriorityQueue<u32, Reverse<(SimTime, u64)>, FixedState>,
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
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `payload` at `at`; events at the same instant run in scheduling order.
    pub fn schedule(&mut self, at: SimTime, payload: E) -> Result<EventId, QueueError> {
        if at < self.now {
            return Err(QueueError::InPast { at, now: self.now });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Slot {
                    seq,
                    payload: Some(payload),
                };
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .map_err(|_| QueueError::Full(self.slots.len()))?;
                self.slots.push(Slot {
                    seq,
                    payload: Some(payload),
                });
                slot
            }
        };
        self.heap.push(slot, Reverse((at, seq)));
        Ok(EventId { slot, seq })
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|(_, Reverse((t, _)))| *t)
    }

    /// Removes and returns the next event, advancing the queue's time to it.
    pub fn pop(&mut self) -> Option<(SimTime, EventId, E)> {
        let (slot, Reverse((at, seq))) = self.heap.pop()?;
        let entry = &mut self.slots[slot as usize];
        let payload = entry.payload.take()?;
        self.free.push(slot);
        self.now = at;
        Some((at, EventId { slot, seq }, payload))
    }

    /// Cancels a pending event and returns its payload; `None` if it is no longer pending.
    pub fn cancel(&mut self, id: EventId) -> Option<E> {
        let entry = self.slots.get_mut(id.slot as usize)?;
        if entry.seq != id.seq || entry.payload.is_none() {
            return None;
        }
        self.heap.remove(&id.slot)?;
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
