//! Raw event-queue throughput with 100,000 pending timers (design.md target: ≥ 10 M
//! events/s on one core):
//! - `hold`: each operation pops the earliest timer and schedules a new one a pseudo-random
//!   delay later, so every event goes through the heap;
//! - `same_instant_cascade`: each event schedules the next at the current instant, as
//!   controller reactions and status writes do; these take the queue's now lane;
//! - `cancel_and_reschedule`: probe and back-off timers moved without scanning.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim_core::queue::EventQueue;
use sim_core::time::{SimDuration, SimTime};

const PENDING: usize = 100_000;
const OPERATIONS: u64 = 100_000;

fn filled_queue() -> (EventQueue<u64>, Vec<u64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut queue = EventQueue::new();
    for i in 0..PENDING {
        let at = SimTime(rng.random_range(0..1_000_000));
        let _ = queue.schedule(at, i as u64);
    }
    // Pre-drawn delays keep the RNG out of the measured loop.
    let delays = (0..OPERATIONS)
        .map(|_| rng.random_range(1..1_000_000))
        .collect();
    (queue, delays)
}

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue");
    group.throughput(Throughput::Elements(OPERATIONS));
    group.bench_function("hold_100k_pending", |b| {
        b.iter_batched(
            filled_queue,
            |(mut queue, delays)| {
                for delay in delays {
                    if let Some((now, _, payload)) = queue.pop() {
                        let _ = queue.schedule(now + SimDuration::from_millis(delay), payload);
                    }
                }
                queue
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("cancel_and_reschedule_100k_pending", |b| {
        b.iter_batched(
            || {
                let (mut queue, delays) = filled_queue();
                let ids: Vec<_> = (0..OPERATIONS)
                    .filter_map(|i| queue.schedule(SimTime(2_000_000 + i), i).ok())
                    .collect();
                (queue, ids, delays)
            },
            |(mut queue, ids, delays)| {
                for (id, delay) in ids.into_iter().zip(delays) {
                    let _ = queue.reschedule(id, SimTime(3_000_000 + delay));
                }
                queue
            },
            BatchSize::LargeInput,
        );
    });
    // The common case in a simulation: reactions at the current instant (controllers,
    // status writes, scheduling cycles) while 100,000 timers wait in the future.
    group.bench_function("same_instant_cascade_100k_pending", |b| {
        b.iter_batched(
            || filled_queue().0,
            |mut queue| {
                let _ = queue.schedule(SimTime::ZERO, u64::MAX);
                for _ in 0..OPERATIONS {
                    if let Some((now, _, payload)) = queue.pop() {
                        let _ = queue.schedule(now, payload);
                    }
                }
                queue
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
