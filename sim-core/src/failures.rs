//! Failure injection: the node failures a scenario asks for (`failNode`, `partition`,
//! `zoneOutage`, `recoverNode`, `killContainer`) and seeded chaos (k8s-semantics §7,
//! issue 6).
//!
//! Chaos draws exponential inter-arrival times from its own ChaCha stream
//! ([`crate::rng::Stream::Failures`]) and schedules them lazily: each node has at most one
//! pending failure or recovery, each pod-kill rule one pending kill, and the next is drawn
//! when one fires. The same seed therefore gives the same failures, and a long run costs
//! events in proportion to the failures, not to its length.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::NodeFailureMode;
use crate::selector::LabelSelector;
use crate::time::SimDuration;

/// Which nodes an event names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeTarget {
    /// These nodes, by name.
    Names(Vec<String>),
    /// Every node whose `topology.kubernetes.io/zone` label is this, at that time.
    Zone(String),
}

/// Random node failures of a set of nodes (`spec.chaos.nodeFailures[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFailureRule {
    /// The nodes (a pool's), each failing independently.
    pub nodes: Vec<String>,
    /// Mean time between failures (from a recovery to the next failure).
    pub mtbf: SimDuration,
    /// Mean time to repair (from a failure to its recovery).
    pub mttr: SimDuration,
    /// How the nodes fail.
    pub mode: NodeFailureMode,
}

/// Random pod kills (`spec.chaos.podKills[]`): a Poisson process of deletes, each hitting
/// one matching pod chosen at random.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodKillRule {
    /// Namespace of the pods.
    pub namespace: String,
    /// Their labels.
    pub selector: LabelSelector,
    /// Mean time between kills.
    pub mean_interval: SimDuration,
    /// `--grace-period` of the delete; `None` is the pod's own.
    pub grace_period_seconds: Option<u64>,
}

/// `spec.chaos`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChaosConfig {
    /// Node failure rules.
    pub node_failures: Vec<NodeFailureRule>,
    /// Pod kill rules.
    pub pod_kills: Vec<PodKillRule>,
}

impl ChaosConfig {
    /// Whether there is anything to inject.
    pub fn is_empty(&self) -> bool {
        self.node_failures.is_empty() && self.pod_kills.is_empty()
    }
}

/// A chaos event, queued at its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChaosEvent {
    /// A node of rule `rule` fails.
    NodeFails {
        /// Index into [`ChaosConfig::node_failures`].
        rule: usize,
        /// The node.
        node: String,
    },
    /// It comes back.
    NodeRecovers {
        /// Index into [`ChaosConfig::node_failures`].
        rule: usize,
        /// The node.
        node: String,
    },
    /// Rule `rule` kills a pod.
    PodKill {
        /// Index into [`ChaosConfig::pod_kills`].
        rule: usize,
    },
}

/// The chaos component: its rules and its random stream.
#[derive(Debug, Clone)]
pub struct Chaos {
    /// The rules.
    pub config: ChaosConfig,
    rng: ChaCha8Rng,
}

impl Chaos {
    /// Chaos following `config`, drawing from `rng` (the [`crate::rng::Stream::Failures`]
    /// stream).
    pub fn new(config: ChaosConfig, rng: ChaCha8Rng) -> Chaos {
        Chaos { config, rng }
    }

    /// An exponentially distributed duration with mean `mean`, at least 1 ms.
    pub fn exponential(&mut self, mean: SimDuration) -> SimDuration {
        // A uniform draw in (0, 1] from 53 random bits: exact in an f64.
        let bits: u64 = self.rng.random::<u64>() >> 11;
        let u = (bits + 1) as f64 / (1u64 << 53) as f64;
        let millis = (mean.as_millis() as f64 * -ln(u)).round();
        // Clamp in f64 first: the cast saturates, but the bound says what is meant.
        let millis = millis.clamp(1.0, 1e15) as u64;
        SimDuration::from_millis(millis)
    }

    /// An index in `0..len` (`len` > 0).
    pub fn pick(&mut self, len: usize) -> usize {
        self.rng.random_range(0..len.max(1))
    }
}

/// The natural logarithm of `x` in (0, 1], from IEEE basic operations only (so every
/// platform computes the same value, which `f64::ln` does not promise): `x = m·2^e` with
/// `m` in [1, 2), and `ln m = 2·atanh((m−1)/(m+1))` summed as a series.
pub fn ln(x: f64) -> f64 {
    if x <= 0.0 || x.is_nan() {
        return f64::NEG_INFINITY;
    }
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let z = (mantissa - 1.0) / (mantissa + 1.0);
    let z2 = z * z;
    let mut term = z;
    let mut sum = 0.0;
    let mut k = 1.0;
    for _ in 0..40 {
        sum += term / k;
        term *= z2;
        k += 2.0;
    }
    2.0 * sum + exponent as f64 * std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{RngStreams, Stream};

    #[test]
    fn ln_matches_the_library_closely() {
        for x in [1.0, 0.5, 0.25, 0.1, 1e-9, 0.999_999, 0.7] {
            let diff = (ln(x) - x.ln()).abs();
            assert!(diff < 1e-12, "ln({x}) off by {diff}");
        }
    }

    #[test]
    fn exponential_draws_have_about_the_mean() {
        let mut chaos = Chaos::new(
            ChaosConfig::default(),
            RngStreams::new(3).stream(Stream::Failures),
        );
        let mean = SimDuration::from_secs(600);
        let n = 20_000u64;
        let total: u64 = (0..n).map(|_| chaos.exponential(mean).as_millis()).sum();
        let average = total / n;
        assert!(
            (570_000..630_000).contains(&average),
            "average {average} ms"
        );
    }
}
