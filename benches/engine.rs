//! Raw event-queue throughput: the "hold" model with 100,000 pending timers. Each operation
//! pops the earliest timer and schedules a new one a pseudo-random delay later, so the queue
//! stays at 100,000 entries (design.md target: ≥ 10 M events/s on one core).

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
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
