//! Built-in named scheduler policies for what-if runs (`--scheduler binpack`), and the two
//! kubesim plugins they need beyond kube-scheduler's own.
//!
//! | policy | what it is |
//! | --- | --- |
//! | `default` | kube-scheduler's default profile (k8s-semantics 9.1, restricted to the plugins the registry has) |
//! | `binpack` | the default filters; scores TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1 with `MostAllocated` (no BalancedAllocation, which would pull towards emptier nodes; no PodTopologySpread score, whose system default constraints would spread each workload again), plus InterPodAffinity: fills one node before the next |
//! | `spread` | the default filters; scores TaintToleration 3, NodeAffinity 2, NodeResourcesFit `LeastAllocated` weight 5, NodeResourcesBalancedAllocation 1, and PodTopologySpread weight 10 when the registry has it (its system defaults hold a hostname constraint): the emptiest node first |
//! | `random` | the default filters, then a uniformly random feasible node drawn from the seeded tie-break stream (every node scores 0 under [`Random`]) |
//! | `first-fit` | the default filters, then the first feasible node in name order ([`FirstFit`]) |
//!
//! Every policy evaluates all nodes (`percentageOfNodesToScore: 100`) except `default`, so
//! `random` and `first-fit` mean what they say on large clusters too.

use std::cell::RefCell;
use std::fmt;

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, ScorePlugin, MAX_NODE_SCORE, MIN_NODE_SCORE};
use crate::scheduler::node_info::NodeInfo;
use crate::scheduler::plugins::{names, ScoringStrategy};
use crate::scheduler::registry::{
    PluginArgs, PluginInstance, ProfileConfig, Registry, RegistryError,
};

/// Name of the [`FirstFit`] plugin.
pub const FIRST_FIT: &str = "FirstFit";
/// Name of the [`Random`] plugin.
pub const RANDOM: &str = "Random";

/// kube-scheduler plugins that [`Policy::Spread`] and [`Policy::Binpack`] use when another
/// part of kubesim has registered them.
const POD_TOPOLOGY_SPREAD: &str = "PodTopologySpread";
const INTER_POD_AFFINITY: &str = "InterPodAffinity";

/// A built-in scheduler policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Policy {
    /// kube-scheduler's default profile.
    Default,
    /// NodeResourcesFit `MostAllocated`: pack nodes.
    Binpack,
    /// NodeResourcesFit `LeastAllocated`, strongly weighted: spread over nodes.
    Spread,
    /// A seeded uniformly random feasible node.
    Random,
    /// The first feasible node in name order.
    FirstFit,
}

impl Policy {
    /// Every policy, in the order the CLI lists them.
    pub const ALL: [Policy; 5] = [
        Policy::Default,
        Policy::Binpack,
        Policy::Spread,
        Policy::Random,
        Policy::FirstFit,
    ];

    /// The policy's name (`first-fit`).
    pub fn name(self) -> &'static str {
        match self {
            Policy::Default => "default",
            Policy::Binpack => "binpack",
            Policy::Spread => "spread",
            Policy::Random => "random",
            Policy::FirstFit => "first-fit",
        }
    }

    /// The policy called `name`, if any.
    pub fn parse(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Every policy name, for messages.
    pub fn names() -> Vec<&'static str> {
        Policy::ALL.iter().map(|p| p.name()).collect()
    }

    /// The profile configuration of this policy for `scheduler_name`, using only plugins
    /// `registry` has (see the module table).
    pub fn profile_config(self, registry: &Registry, scheduler_name: &str) -> ProfileConfig {
        let mut config = ProfileConfig::default_config();
        config.scheduler_name = scheduler_name.to_string();
        let has = |name: &str| registry.names().iter().any(|n| n == name);
        let base_scorers = |fit_weight: i64| {
            vec![
                (names::TAINT_TOLERATION.to_string(), 3),
                (names::NODE_AFFINITY.to_string(), 2),
                (names::NODE_RESOURCES_FIT.to_string(), fit_weight),
            ]
        };
        match self {
            Policy::Default => return config,
            Policy::Binpack => {
                config.args.node_resources_fit.scoring_strategy = ScoringStrategy::MostAllocated;
                config.scorers = base_scorers(1);
                // Without PodTopologySpread's score: its system default constraints would
                // spread each workload's pods again, which is what packing is meant to avoid.
                // Explicit DoNotSchedule constraints still filter.
                if has(INTER_POD_AFFINITY) {
                    config.scorers.push((INTER_POD_AFFINITY.to_string(), 2));
                }
            }
            Policy::Spread => {
                config.args.node_resources_fit.scoring_strategy = ScoringStrategy::LeastAllocated;
                config.scorers = base_scorers(5);
                config
                    .scorers
                    .push((names::NODE_RESOURCES_BALANCED_ALLOCATION.to_string(), 1));
                if has(POD_TOPOLOGY_SPREAD) {
                    config.scorers.push((POD_TOPOLOGY_SPREAD.to_string(), 10));
                }
            }
            Policy::Random => config.scorers = vec![(RANDOM.to_string(), 1)],
            Policy::FirstFit => config.scorers = vec![(FIRST_FIT.to_string(), 1)],
        }
        config.percentage_of_nodes_to_score = 100;
        config
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Registers [`FirstFit`] and [`Random`] in `registry`.
pub fn register_policy_plugins(registry: &mut Registry) -> Result<(), RegistryError> {
    registry.register(
        FIRST_FIT,
        Box::new(|_: &PluginArgs| {
            Ok(PluginInstance {
                score: Some(Box::new(FirstFit::default())),
                ..PluginInstance::default()
            })
        }),
    )?;
    registry.register(
        RANDOM,
        Box::new(|_: &PluginArgs| {
            Ok(PluginInstance {
                score: Some(Box::new(Random)),
                ..PluginInstance::default()
            })
        }),
    )
}

/// The in-tree plugins plus [`FirstFit`] and [`Random`]: the registry the named policies and
/// configuration files are resolved against.
pub fn registry_with_policy_plugins() -> Registry {
    let mut registry = Registry::with_default_plugins();
    let registered = register_policy_plugins(&mut registry);
    assert!(
        registered.is_ok(),
        "policy plugins clash with in-tree names: {registered:?}"
    );
    registry
}

/// Score: 100 for the feasible node whose name sorts first, 0 for the others, so with
/// every node evaluated the first feasible node in name order wins.
///
/// The scheduler scores the feasible nodes in its rotating order, then normalises them in
/// that same order; the plugin remembers the names it scored during the cycle to rank them.
#[derive(Debug, Default)]
pub struct FirstFit {
    scored: RefCell<Vec<String>>,
}

impl ScorePlugin for FirstFit {
    fn name(&self) -> &'static str {
        FIRST_FIT
    }

    fn score(&self, _state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
        self.scored.borrow_mut().push(node.name().to_string());
        MIN_NODE_SCORE
    }

    fn normalize(&self, _state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
        let names = std::mem::take(&mut *self.scored.borrow_mut());
        let first = names
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.cmp(b.1))
            .map(|(i, _)| i);
        for (i, score) in scores.iter_mut().enumerate() {
            *score = if Some(i) == first {
                MAX_NODE_SCORE
            } else {
                MIN_NODE_SCORE
            };
        }
    }
}

/// Score: 0 for every node, so every feasible node ties and the scheduler's seeded
/// tie-break (reservoir sampling) picks one uniformly at random.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl ScorePlugin for Random {
    fn name(&self) -> &'static str {
        RANDOM
    }

    fn score(&self, _state: &CycleState, _pod: &Pod, _node: &NodeInfo) -> i64 {
        MIN_NODE_SCORE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::registry::Profile;

    #[test]
    fn every_policy_builds_from_the_policy_registry() {
        let registry = registry_with_policy_plugins();
        for policy in Policy::ALL {
            let config = policy.profile_config(&registry, "default-scheduler");
            let profile = Profile::new(&registry, &config);
            assert!(profile.is_ok(), "{policy}: {profile:?}");
            assert_eq!(Policy::parse(policy.name()), Some(policy));
        }
        assert_eq!(Policy::parse("bin-pack"), None);
    }
}
