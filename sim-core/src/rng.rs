//! Seeded random streams, one per component.
//!
//! One root seed (the scenario's) derives an independent ChaCha8 stream for each
//! component, so that a new draw in one place (say, a probe phase) never shifts another
//! (say, scheduler tie-breaks). Streams are identified by a fixed number, never by hashing
//! a name with a randomly-seeded hasher.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The components that draw random numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stream {
    /// Tie-breaks among equally scored nodes.
    SchedulerTieBreak = 1,
    /// Random suffixes of generated object names (`web-7d4b9-x2k4q`).
    ObjectNames = 2,
    /// Controller choices.
    Controllers = 3,
    /// Kubelet timing choices (probe phases when randomised).
    Kubelet = 4,
    /// Behaviour models (flapping probes, failure fractions).
    Behaviour = 5,
    /// Failure injection.
    Failures = 6,
    /// Random suffixes of EndpointSlice names (`web-x2k4q`), apart from [`Stream::ObjectNames`]
    /// so that adding a Service does not rename the pods created after it.
    EndpointSliceNames = 7,
}

/// Derives the per-component streams from a root seed.
#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams derived from `seed`.
    pub fn new(seed: u64) -> RngStreams {
        RngStreams { seed }
    }

    /// The root seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A fresh generator for `stream`: the same seed and stream always give the same numbers.
    pub fn stream(&self, stream: Stream) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(stream as u64);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let streams = RngStreams::new(7);
        let a: u64 = streams.stream(Stream::SchedulerTieBreak).random();
        let a2: u64 = streams.stream(Stream::SchedulerTieBreak).random();
        let b: u64 = streams.stream(Stream::ObjectNames).random();
        assert_eq!(a, a2);
        assert_ne!(a, b);
        let other: u64 = RngStreams::new(8)
            .stream(Stream::SchedulerTieBreak)
            .random();
        assert_ne!(a, other);
    }
}
