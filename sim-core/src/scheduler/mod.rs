//! The scheduler: kube-scheduler's framework and default plugins as a pure library.
//!
//! [`schedule_one`] runs one scheduling cycle for one pod against a [`SchedulerCache`]:
//! it filters nodes starting at a rotating index until it has found
//! [`num_feasible_nodes_to_find`] feasible ones, scores them with the profile's weighted
//! score plugins, and picks the highest total, breaking ties with a seeded RNG where
//! kube-scheduler uses an unseeded one. It binds nothing: the caller assumes the pod on the
//! chosen node (`SchedulerCache::add_pod`) and records the outcome.
//!
//! **Determinism:** nodes are walked in name order from the rotating index, plugins run in
//! configuration order, ties are broken by integer draws from the passed `ChaCha8Rng` (one
//! draw per tied node after the first), and no map is iterated to decide anything.

pub mod framework;
pub mod node_info;
pub mod plugins;
pub mod policies;
pub mod preemption;
pub mod registry;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::Pod;

pub use framework::{CycleState, FilterPlugin, PodContext, ScorePlugin, Status};
pub use node_info::{NodeInfo, SchedulerCache};
pub use registry::{Profile, ProfileConfig, Registry, RegistryError};

use framework::{MAX_NODE_SCORE, MIN_NODE_SCORE};

/// Below this many nodes every node is evaluated (`minFeasibleNodesToFind`).
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;

/// The adaptive percentage never drops below this (`minFeasibleNodesPercentageToFind`).
pub const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

/// The outcome of a successful scheduling cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDecision {
    /// The chosen node.
    pub node_name: String,
    /// How many nodes passed every filter (the search stops once enough were found).
    pub feasible_nodes: usize,
    /// How many nodes were filtered (feasible plus rejected).
    pub evaluated_nodes: usize,
    /// Σ weight × score of the chosen node. 0 when only one node was feasible, because
    /// kube-scheduler does not score then.
    pub score: i64,
}

/// Why no node was found: per-reason node counts, rendered as kube-scheduler's
/// `FailedScheduling` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitError {
    /// Number of nodes in the cluster.
    pub num_all_nodes: usize,
    /// Reason → number of nodes rejected for it. A node rejected for several reasons (say
    /// `Insufficient cpu` and `Insufficient memory`) counts once under each.
    pub reasons: BTreeMap<String, usize>,
    /// The PostFilter (preemption) part of the message, without the leading space.
    pub post_filter_message: String,
    /// A PreFilter rejection (`persistentvolumeclaim "data-web-0" not found`): it replaces
    /// the per-node histogram, as `FitError.Error()` does. Empty when no PreFilter rejected.
    pub pre_filter_message: String,
}

impl FitError {
    /// A fit error whose PostFilter part says preemption cannot help on any node; the
    /// scheduling queue replaces that part with DefaultPreemption's outcome
    /// ([`preemption::preempt`]) when it runs the PostFilter.
    pub fn new(num_all_nodes: usize, reasons: BTreeMap<String, usize>) -> FitError {
        FitError {
            num_all_nodes,
            reasons,
            post_filter_message: preemption_not_helpful(num_all_nodes),
            pre_filter_message: String::new(),
        }
    }

    /// A fit error from a PreFilter rejection that holds for every node.
    pub fn pre_filter(num_all_nodes: usize, message: String) -> FitError {
        FitError {
            pre_filter_message: message,
            ..FitError::new(num_all_nodes, BTreeMap::new())
        }
    }
}

/// The PostFilter part of the message when nothing can help: DynamicResources (on by
/// default since DRA went GA in 1.34) says it has no claims to deallocate, then
/// DefaultPreemption that preemption cannot help:
/// `no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not
/// helpful for scheduling.`
pub fn preemption_not_helpful(num_all_nodes: usize) -> String {
    format!(
        "no new claims to deallocate, preemption: 0/{num_all_nodes} nodes are available: \
         {num_all_nodes} Preemption is not helpful for scheduling."
    )
}

impl fmt::Display for FitError {
    /// `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint
    /// {dedicated: x}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for
    /// scheduling.` The "count reason" strings are sorted as strings, as kube-scheduler's
    /// `sortReasonsHistogram` does (so `10 x` sorts before `2 y`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0/{} nodes are available:", self.num_all_nodes)?;
        let mut histogram: Vec<String> = self
            .reasons
            .iter()
            .map(|(reason, count)| format!("{count} {reason}"))
            .collect();
        histogram.sort();
        if !self.pre_filter_message.is_empty() {
            write!(f, " {}.", self.pre_filter_message)?;
        } else if !histogram.is_empty() {
            write!(f, " {}.", histogram.join(", "))?;
        }
        if !self.post_filter_message.is_empty() {
            write!(f, " {}", self.post_filter_message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FitError {}

/// Why a scheduling cycle did not produce a node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cache holds no nodes (`ErrNoNodesAvailable`); the pod stays Pending with reason
    /// `Unschedulable`.
    #[error("no nodes available to schedule pods")]
    NoNodesAvailable,
    /// Every node was rejected; the pod stays Pending with reason `Unschedulable` and this
    /// message.
    #[error("{0}")]
    Unschedulable(FitError),
    /// A Reserve or Permit plugin refused the node the filters and scores chose; the pod
    /// stays Pending with reason `Unschedulable` and the plugin's message.
    #[error("{message}")]
    Rejected {
        /// `Reserve` or `Permit`.
        extension_point: &'static str,
        /// The plugin's name.
        plugin: &'static str,
        /// The plugin's message.
        message: String,
    },
    /// A plugin failed (not the pod's fault); the pod stays Pending with reason
    /// `SchedulerError`.
    #[error("running {extension_point} plugin {plugin:?}: {message}")]
    Plugin {
        /// `Filter` or `Score`.
        extension_point: &'static str,
        /// The plugin's name.
        plugin: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl ScheduleError {
    /// The `PodScheduled=False` condition reason kube-scheduler sets: `Unschedulable`, or
    /// `SchedulerError` for plugin failures.
    pub fn pod_condition_reason(&self) -> &'static str {
        match self {
            ScheduleError::NoNodesAvailable
            | ScheduleError::Unschedulable(_)
            | ScheduleError::Rejected { .. } => "Unschedulable",
            ScheduleError::Plugin { .. } => "SchedulerError",
        }
    }
}

/// kube-scheduler's `numFeasibleNodesToFind`: how many feasible nodes to look for before the
/// search stops. With fewer than 100 nodes, all of them; otherwise
/// `N × pct / 100` but at least 100, where `pct` is `percentage_of_nodes_to_score` or, when
/// that is 0, adaptive: `max(5, 50 − N / 125)` (k8s-semantics 9.5).
pub fn num_feasible_nodes_to_find(
    num_all_nodes: usize,
    percentage_of_nodes_to_score: u32,
) -> usize {
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let percentage = match usize::try_from(percentage_of_nodes_to_score).unwrap_or(usize::MAX) {
        0 => 50usize
            .saturating_sub(num_all_nodes / 125)
            .max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND),
        p => p,
    };
    let num_nodes = num_all_nodes.saturating_mul(percentage) / 100;
    num_nodes.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Runs one scheduling cycle for `pod` (kube-scheduler's `schedulePod`).
///
/// Nodes are filtered in name order starting at `*next_start_index` (wrapping) until enough
/// feasible nodes are found ([`num_feasible_nodes_to_find`]; 1 when the profile has no score
/// plugins); `*next_start_index` then advances by the number of nodes processed, so that
/// successive pods look at different nodes first (`findNodesThatPassFilters`). A node is
/// rejected by the first filter that does not succeed. The feasible nodes are scored
/// (Σ weight × normalised score) and the highest total wins; ties are broken uniformly with
/// reservoir sampling over the feasible nodes in the order they were found (`selectHost`),
/// drawing from `rng`.
pub fn schedule_one(
    profile: &Profile,
    pod: &Pod,
    cache: &SchedulerCache,
    rng: &mut ChaCha8Rng,
    next_start_index: &mut usize,
) -> Result<ScheduleDecision, ScheduleError> {
    schedule_one_with(
        profile,
        pod,
        cache,
        &PodContext::default(),
        rng,
        next_start_index,
    )
}

/// PreFilter of every filter plugin: the cycle state the filters and scores read, or the
/// rejection that holds for every node.
pub fn pre_filter(
    profile: &Profile,
    pod: &Pod,
    cache: &SchedulerCache,
    context: &PodContext,
) -> Result<CycleState, ScheduleError> {
    let mut state = CycleState::new(pod);
    state.context = context.clone();
    for filter in &profile.filters {
        match filter.pre_filter(&mut state, pod, cache) {
            Status::Success => {}
            Status::Unschedulable { reasons }
            | Status::UnschedulableAndUnresolvable { reasons } => {
                return Err(ScheduleError::Unschedulable(FitError::pre_filter(
                    cache.node_infos().len(),
                    reasons.join(", "),
                )));
            }
            Status::Error(message) => {
                return Err(ScheduleError::Plugin {
                    extension_point: "PreFilter",
                    plugin: filter.name(),
                    message,
                });
            }
        }
    }
    Ok(state)
}

/// `evaluateNominatedNode`: whether `pod` passes PreFilter and every Filter on `node` alone.
pub fn fits_node(
    profile: &Profile,
    pod: &Pod,
    cache: &SchedulerCache,
    context: &PodContext,
    node: &NodeInfo,
) -> bool {
    let Ok(state) = pre_filter(profile, pod, cache, context) else {
        return false;
    };
    profile
        .filters
        .iter()
        .filter(|filter| !filter.skip(&state, pod))
        .all(|filter| filter.filter(&state, pod, node).is_success())
}

/// [`schedule_one`] with what the cluster's API objects say about the pod (the selector of
/// the system default spreading constraints).
pub fn schedule_one_with(
    profile: &Profile,
    pod: &Pod,
    cache: &SchedulerCache,
    context: &PodContext,
    rng: &mut ChaCha8Rng,
    next_start_index: &mut usize,
) -> Result<ScheduleDecision, ScheduleError> {
    let nodes = cache.node_infos();
    let num_all_nodes = nodes.len();
    if num_all_nodes == 0 {
        return Err(ScheduleError::NoNodesAvailable);
    }
    let state = pre_filter(profile, pod, cache, context)?;

    let num_nodes_to_find = if profile.scorers.is_empty() {
        1
    } else {
        num_feasible_nodes_to_find(num_all_nodes, profile.percentage_of_nodes_to_score)
    };
    let filters: Vec<&dyn FilterPlugin> = profile
        .filters
        .iter()
        .filter(|filter| !filter.skip(&state, pod))
        .map(|filter| filter.as_ref())
        .collect();
    let start = *next_start_index % num_all_nodes;
    let mut feasible: Vec<usize> = Vec::with_capacity(num_nodes_to_find);
    let mut rejected = 0usize;
    let mut reasons: BTreeMap<Cow<'static, str>, usize> = BTreeMap::new();
    let mut failure = None;
    let mut index = start;
    'nodes: for _ in 0..num_all_nodes {
        let info = &nodes[index];
        let this_index = index;
        index += 1;
        if index == num_all_nodes {
            index = 0;
        }
        for filter in &filters {
            match filter.filter(&state, pod, info) {
                Status::Success => {}
                Status::Unschedulable {
                    reasons: node_reasons,
                }
                | Status::UnschedulableAndUnresolvable {
                    reasons: node_reasons,
                } => {
                    rejected += 1;
                    for reason in node_reasons {
                        *reasons.entry(reason).or_insert(0) += 1;
                    }
                    continue 'nodes;
                }
                Status::Error(message) => {
                    failure = Some(ScheduleError::Plugin {
                        extension_point: "Filter",
                        plugin: filter.name(),
                        message: format!("node {:?}: {message}", info.name()),
                    });
                    break 'nodes;
                }
            }
        }
        feasible.push(this_index);
        if feasible.len() >= num_nodes_to_find {
            break;
        }
    }
    // Like kube-scheduler, advance the index even when a filter failed, so every node gets
    // its turn to be looked at first.
    let processed = feasible.len() + rejected;
    *next_start_index = (start + processed) % num_all_nodes;
    if let Some(error) = failure {
        return Err(error);
    }

    let evaluated_nodes = processed;
    match feasible.len() {
        0 => {
            let reasons = reasons
                .into_iter()
                .map(|(reason, count)| (reason.into_owned(), count))
                .collect();
            Err(ScheduleError::Unschedulable(FitError::new(
                num_all_nodes,
                reasons,
            )))
        }
        1 => Ok(ScheduleDecision {
            node_name: nodes[feasible[0]].name().to_string(),
            feasible_nodes: 1,
            evaluated_nodes,
            score: 0,
        }),
        _ => {
            let mut state = state;
            let totals = score_nodes(profile, &mut state, pod, cache, &feasible)?;
            let (chosen, score) = select_host(&feasible, &totals, rng);
            Ok(ScheduleDecision {
                node_name: nodes[chosen].name().to_string(),
                feasible_nodes: feasible.len(),
                evaluated_nodes,
                score,
            })
        }
    }
}

/// PreScore, then Σ weight × normalised score per feasible node (same order as `feasible`).
fn score_nodes(
    profile: &Profile,
    state: &mut CycleState,
    pod: &Pod,
    cache: &SchedulerCache,
    feasible: &[usize],
) -> Result<Vec<i64>, ScheduleError> {
    for (plugin, _) in &profile.scorers {
        plugin.pre_score(state, pod, cache, feasible);
    }
    let state = &*state;
    let nodes = cache.node_infos();
    // With every score checked to lie in 0..=100, this bound makes the sums below exact.
    let weights_fit = profile.scorers.iter().try_fold(0u64, |sum, (_, weight)| {
        sum.checked_add(
            weight
                .unsigned_abs()
                .checked_mul(MAX_NODE_SCORE.unsigned_abs())?,
        )
    });
    if weights_fit.is_none_or(|sum| sum > i64::MAX.unsigned_abs()) {
        return Err(ScheduleError::Plugin {
            extension_point: "Score",
            plugin: profile
                .scorers
                .first()
                .map_or("", |(plugin, _)| plugin.name()),
            message: "the score weights of the profile overflow a 64-bit total".to_string(),
        });
    }
    let mut totals = vec![0i64; feasible.len()];
    let mut scores = Vec::with_capacity(feasible.len());
    for (plugin, weight) in &profile.scorers {
        if plugin.skip(state, pod) {
            continue;
        }
        scores.clear();
        scores.extend(
            feasible
                .iter()
                .map(|&index| plugin.score(state, pod, &nodes[index])),
        );
        plugin.normalize(state, pod, &mut scores);
        for ((total, &score), &index) in totals.iter_mut().zip(&scores).zip(feasible) {
            if !(MIN_NODE_SCORE..=MAX_NODE_SCORE).contains(&score) {
                return Err(ScheduleError::Plugin {
                    extension_point: "Score",
                    plugin: plugin.name(),
                    message: format!(
                        "node {:?}: invalid score {score}, it should be in the range of \
                         [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing",
                        nodes[index].name()
                    ),
                });
            }
            *total += score * *weight;
        }
    }
    Ok(totals)
}

/// kube-scheduler's `selectHost`: the highest total, ties broken by reservoir sampling (the
/// k-th tied node replaces the pick with probability 1/k), so each tied node is equally likely.
fn select_host(feasible: &[usize], totals: &[i64], rng: &mut ChaCha8Rng) -> (usize, i64) {
    let mut selected = feasible[0];
    let mut max_score = totals[0];
    // Counts fit in u32 (a cluster has far fewer nodes); u32 draws are cheaper and, unlike
    // usize, the same on every platform.
    let mut tied = 1u32;
    for (&index, &total) in feasible.iter().zip(totals).skip(1) {
        if total > max_score {
            max_score = total;
            selected = index;
            tied = 1;
        } else if total == max_score {
            tied = tied.saturating_add(1);
            if rng.random_range(0..tied) == 0 {
                selected = index;
            }
        }
    }
    (selected, max_score)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::rc::Rc;

    use rand::SeedableRng;

    use super::node_info::tests::{node, pod, GIB};
    use super::plugins::{NodeResourcesBalancedAllocation, NodeResourcesFit};
    use super::*;
    use crate::objects::{Taint, TaintEffect, Toleration, TolerationOperator};

    fn default_profile() -> Profile {
        Profile::default_profile(&Registry::with_default_plugins()).expect("default profile")
    }

    fn schedule(
        profile: &Profile,
        p: &Pod,
        cache: &SchedulerCache,
    ) -> Result<ScheduleDecision, ScheduleError> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        schedule_one(profile, p, cache, &mut rng, &mut 0)
    }

    fn unschedulable_message(result: Result<ScheduleDecision, ScheduleError>) -> String {
        match result {
            Err(ScheduleError::Unschedulable(fit)) => fit.to_string(),
            other => panic!("expected a FitError, got {other:?}"),
        }
    }

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }

    fn g33_cluster() -> SchedulerCache {
        let mut cache =
            SchedulerCache::from_nodes([node("A", 4000, 8 * GIB), node("B", 4000, 8 * GIB)]);
        cache.add_pod("A", &pod(100, 2000, 4 * GIB));
        cache
    }

    /// k8s-semantics G33 (LeastAllocated choice), exact: NodeResourcesFit A = (25+37)/2 = 31,
    /// B = (75+87)/2 = 81; BalancedAllocation 93 on both; other plugins equal ⇒ B.
    #[test]
    fn g33_least_allocated_choice() {
        let cache = g33_cluster();
        let p = pod(1, 1000, GIB);
        let state = CycleState::new(&p);
        let a = cache.get("A").expect("A");
        let b = cache.get("B").expect("B");
        let fit = NodeResourcesFit::default();
        assert_eq!(ScorePlugin::score(&fit, &state, &p, a), 31);
        assert_eq!(ScorePlugin::score(&fit, &state, &p, b), 81);
        assert_eq!(NodeResourcesBalancedAllocation.score(&state, &p, a), 93);
        assert_eq!(NodeResourcesBalancedAllocation.score(&state, &p, b), 93);

        let decision = schedule(&default_profile(), &p, &cache).expect("schedulable");
        assert_eq!(decision.node_name, "B");
        assert_eq!((decision.feasible_nodes, decision.evaluated_nodes), (2, 2));
        // TaintToleration 3 × 100 + NodeAffinity skipped + Fit 81 + Balanced 93.
        assert_eq!(decision.score, 300 + 81 + 93);
    }

    #[test]
    fn most_allocated_packs_onto_the_fuller_node() {
        let mut config = ProfileConfig::default_config();
        config.args.node_resources_fit.scoring_strategy = plugins::ScoringStrategy::MostAllocated;
        let profile = Profile::new(&Registry::with_default_plugins(), &config).expect("profile");
        let decision = schedule(&profile, &pod(1, 1000, GIB), &g33_cluster()).expect("fits");
        // A: (75 + 62) / 2 = 68, B: (25 + 12) / 2 = 18.
        assert_eq!(decision.node_name, "A");
        assert_eq!(decision.score, 300 + 68 + 93);
    }

    /// k8s-semantics G35: a NoSchedule taint keeps a non-tolerating pod Pending with reason
    /// Unschedulable; a matching toleration lets it schedule.
    #[test]
    fn g35_untolerated_taint_keeps_the_pod_pending() {
        let mut tainted = node("only", 4000, 8 * GIB);
        tainted.taints = vec![taint("dedicated", "x", TaintEffect::NoSchedule)];
        let cache = SchedulerCache::from_nodes([tainted]);
        let mut p = pod(1, 100, 0);
        let result = schedule(&default_profile(), &p, &cache);
        assert_eq!(
            result.as_ref().map_err(ScheduleError::pod_condition_reason),
            Err("Unschedulable")
        );
        assert_eq!(
            unschedulable_message(result),
            "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to deallocate, \
             preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        );
        p.spec.tolerations.push(Toleration {
            key: "dedicated".into(),
            operator: TolerationOperator::Equal,
            value: "x".into(),
            effect: Some(TaintEffect::NoSchedule),
            toleration_seconds: None,
        });
        let decision = schedule(&default_profile(), &p, &cache).expect("tolerated");
        assert_eq!(decision.node_name, "only");
    }

    #[test]
    fn fit_error_counts_and_sorts_reasons_like_kube_scheduler() {
        let mut cache = SchedulerCache::from_nodes([node("n1", 1000, 8 * GIB)]);
        for name in ["n2", "n3"] {
            let mut n = node(name, 8000, 8 * GIB);
            n.taints = vec![taint("dedicated", "x", TaintEffect::NoSchedule)];
            cache.add_node(n);
        }
        assert_eq!(
            unschedulable_message(schedule(&default_profile(), &pod(1, 2000, GIB), &cache)),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s). \
             no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption \
             is not helpful for scheduling."
        );
        // Sorted as "count reason" strings, so 10 comes before 2.
        let mut reasons = BTreeMap::new();
        reasons.insert("Insufficient memory".to_string(), 2);
        reasons.insert("node(s) were unschedulable".to_string(), 10);
        assert_eq!(
            FitError::new(12, reasons).to_string(),
            "0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient memory. no new claims to deallocate, \
             preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn node_selector_restricts_the_nodes() {
        let mut ssd = node("b-ssd", 4000, 8 * GIB);
        ssd.meta.labels.insert("disk".into(), "ssd".into());
        let cache = SchedulerCache::from_nodes([node("a-hdd", 4000, 8 * GIB), ssd]);
        let mut p = pod(1, 100, 0);
        p.spec.node_selector.insert("disk".into(), "ssd".into());
        let decision = schedule(&default_profile(), &p, &cache).expect("ssd node");
        assert_eq!(decision.node_name, "b-ssd");
        assert_eq!((decision.feasible_nodes, decision.evaluated_nodes), (1, 2));
        p.spec.node_selector.insert("zone".into(), "z1".into());
        assert_eq!(
            unschedulable_message(schedule(&default_profile(), &p, &cache)),
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, \
             preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn cordoned_nodes_reject_pods_unless_they_tolerate_unschedulable() {
        let mut cordoned = node("cordoned", 4000, 8 * GIB);
        cordoned.unschedulable = true;
        let cache = SchedulerCache::from_nodes([cordoned]);
        let mut p = pod(1, 100, 0);
        assert_eq!(
            unschedulable_message(schedule(&default_profile(), &p, &cache)),
            "0/1 nodes are available: 1 node(s) were unschedulable. no new claims to deallocate, preemption: 0/1 nodes are \
             available: 1 Preemption is not helpful for scheduling."
        );
        p.spec.tolerations.push(Toleration {
            key: framework::TAINT_NODE_UNSCHEDULABLE.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoSchedule),
            toleration_seconds: None,
        });
        assert!(schedule(&default_profile(), &p, &cache).is_ok());
    }

    #[test]
    fn pod_count_limit_is_too_many_pods() {
        let mut small = node("small", 4000, 8 * GIB);
        small.allocatable.pods = 2;
        let mut cache = SchedulerCache::from_nodes([small]);
        cache.add_pod("small", &pod(1, 0, 0));
        assert!(schedule(&default_profile(), &pod(2, 0, 0), &cache).is_ok());
        cache.add_pod("small", &pod(2, 0, 0));
        assert_eq!(
            unschedulable_message(schedule(&default_profile(), &pod(3, 0, 0), &cache)),
            "0/1 nodes are available: 1 Too many pods. no new claims to deallocate, preemption: 0/1 nodes are available: 1 \
             Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn preset_node_name_is_honoured() {
        let cache =
            SchedulerCache::from_nodes([node("a", 4000, 8 * GIB), node("b", 4000, 8 * GIB)]);
        let mut p = pod(1, 100, 0);
        p.spec.node_name = Some("a".into());
        assert_eq!(
            schedule(&default_profile(), &p, &cache)
                .expect("a")
                .node_name,
            "a"
        );
        p.spec.node_name = Some("gone".into());
        assert_eq!(
            unschedulable_message(schedule(&default_profile(), &p, &cache)),
            "0/2 nodes are available: 2 node(s) didn't match the requested node name. no new claims to deallocate, \
             preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn prefer_no_schedule_taints_steer_the_choice() {
        let mut soft = node("a-soft", 4000, 8 * GIB);
        soft.taints = vec![taint("spot", "true", TaintEffect::PreferNoSchedule)];
        let cache = SchedulerCache::from_nodes([soft, node("b-plain", 4000, 8 * GIB)]);
        let decision = schedule(&default_profile(), &pod(1, 100, 0), &cache).expect("fits");
        assert_eq!(decision.node_name, "b-plain");
    }

    #[test]
    fn an_empty_cluster_has_no_nodes_available() {
        let result = schedule(&default_profile(), &pod(1, 0, 0), &SchedulerCache::new());
        assert_eq!(result, Err(ScheduleError::NoNodesAvailable));
        assert_eq!(
            ScheduleError::NoNodesAvailable.to_string(),
            "no nodes available to schedule pods"
        );
    }

    fn identical_nodes(count: usize) -> SchedulerCache {
        SchedulerCache::from_nodes((0..count).map(|i| node(&format!("n{i:04}"), 4000, 8 * GIB)))
    }

    #[test]
    fn ties_are_broken_by_the_seeded_rng() {
        let cache = identical_nodes(5);
        let profile = default_profile();
        let p = pod(1, 100, GIB);
        let choose = |seed: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            schedule_one(&profile, &p, &cache, &mut rng, &mut 0)
                .expect("fits")
                .node_name
        };
        for seed in 0..20 {
            assert_eq!(choose(seed), choose(seed), "seed {seed}");
        }
        let chosen: BTreeSet<String> = (0..64).map(choose).collect();
        assert!(chosen.len() >= 4, "only {chosen:?} chosen across 64 seeds");
    }

    #[test]
    fn adaptive_number_of_nodes_to_find() {
        // k8s-semantics 9.5: N < 100 → N; else max(100, N × max(5, 50 − N/125) / 100).
        assert_eq!(num_feasible_nodes_to_find(50, 0), 50);
        assert_eq!(num_feasible_nodes_to_find(99, 0), 99);
        assert_eq!(num_feasible_nodes_to_find(100, 0), 100); // 49 % of 100 = 49 → 100
        assert_eq!(num_feasible_nodes_to_find(150, 0), 100); // 49 % of 150 = 73 → 100
        assert_eq!(num_feasible_nodes_to_find(1000, 0), 420); // 42 %
        assert_eq!(num_feasible_nodes_to_find(5000, 0), 500); // 10 %
        assert_eq!(num_feasible_nodes_to_find(6000, 0), 300); // 2 % → 5 %
        assert_eq!(num_feasible_nodes_to_find(5000, 100), 5000);
        assert_eq!(num_feasible_nodes_to_find(500, 10), 100);
    }

    /// A filter that lets everything through and records which nodes it saw.
    struct Recorder(Rc<RefCell<Vec<String>>>);

    impl FilterPlugin for Recorder {
        fn name(&self) -> &'static str {
            "Recorder"
        }

        fn filter(&self, _state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
            self.0.borrow_mut().push(node.name().to_string());
            Status::Success
        }
    }

    #[test]
    fn search_starts_at_the_rotating_index_and_wraps() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut profile = default_profile();
        profile
            .filters
            .insert(0, Box::new(Recorder(Rc::clone(&seen))));
        let cache = identical_nodes(150);
        let p = pod(1, 100, GIB);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut next = 0;

        let first = schedule_one(&profile, &p, &cache, &mut rng, &mut next).expect("fits");
        assert_eq!((first.feasible_nodes, first.evaluated_nodes), (100, 100));
        assert_eq!(next, 100);
        assert_eq!(seen.borrow().first().map(String::as_str), Some("n0000"));
        assert_eq!(seen.borrow().last().map(String::as_str), Some("n0099"));

        seen.borrow_mut().clear();
        let second = schedule_one(&profile, &p, &cache, &mut rng, &mut next).expect("fits");
        assert_eq!(second.evaluated_nodes, 100);
        assert_eq!(next, 50);
        let seen = seen.borrow();
        assert_eq!(seen.first().map(String::as_str), Some("n0100"));
        assert_eq!(seen[49], "n0149");
        assert_eq!(seen[50], "n0000");
        assert_eq!(seen.last().map(String::as_str), Some("n0049"));
    }

    #[test]
    fn rejected_nodes_count_towards_the_index_advance() {
        let mut cache = identical_nodes(150);
        for i in 0..10 {
            let mut full = node(&format!("n{i:04}"), 4000, 8 * GIB);
            full.unschedulable = true;
            cache.update_node(full);
        }
        let mut next = 0;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let decision = schedule_one(
            &default_profile(),
            &pod(1, 100, GIB),
            &cache,
            &mut rng,
            &mut next,
        )
        .expect("fits");
        assert_eq!(
            (decision.feasible_nodes, decision.evaluated_nodes),
            (100, 110)
        );
        assert_eq!(next, 110);
    }

    proptest::proptest! {
        /// On small random clusters: a chosen node passes every filter and no feasible node
        /// scores higher; a FitError accounts for every node.
        #[test]
        fn decisions_respect_filters_and_scores(
            nodes in proptest::collection::vec(
                (500u64..4000, 1u64..8, proptest::bool::weighted(0.2), 0u8..4, 0u64..3000),
                1..12,
            ),
            wanted in (0u64..3000, 0u64..4),
            seed in 0u64..1000,
        ) {
            let mut cache = SchedulerCache::new();
            for (i, &(cpu, memory_gib, cordoned, taint_kind, used)) in nodes.iter().enumerate() {
                let name = format!("n{i:02}");
                let mut n = node(&name, cpu, memory_gib * GIB);
                n.unschedulable = cordoned;
                match taint_kind {
                    1 => n.taints.push(taint("dedicated", "x", TaintEffect::NoSchedule)),
                    2 => n.taints.push(taint("spot", "", TaintEffect::PreferNoSchedule)),
                    _ => {}
                }
                cache.add_node(n);
                cache.add_pod(&name, &pod(1000 + i as u64, used, used * 1024 * 1024));
            }
            let profile = default_profile();
            let p = pod(1, wanted.0, wanted.1 * GIB);
            let state = CycleState::new(&p);
            let passes = |info: &NodeInfo| {
                profile.filters.iter().all(|f| f.filter(&state, &p, info).is_success())
            };
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            match schedule_one(&profile, &p, &cache, &mut rng, &mut 0) {
                Ok(decision) => {
                    let chosen = cache.get(&decision.node_name).expect("chosen node exists");
                    proptest::prop_assert!(passes(chosen));
                    let feasible: Vec<usize> = (0..cache.len())
                        .filter(|&i| passes(&cache.node_infos()[i]))
                        .collect();
                    proptest::prop_assert_eq!(decision.feasible_nodes, feasible.len());
                    if feasible.len() > 1 {
                        let totals = score_nodes(&profile, &mut state.clone(), &p, &cache, &feasible)
                            .expect("scores");
                        let best = totals.iter().copied().max().expect("non-empty");
                        proptest::prop_assert_eq!(decision.score, best);
                    }
                }
                Err(ScheduleError::Unschedulable(fit)) => {
                    proptest::prop_assert!(cache.node_infos().iter().all(|n| !passes(n)));
                    proptest::prop_assert_eq!(fit.num_all_nodes, cache.len());
                    proptest::prop_assert!(fit.reasons.values().sum::<usize>() >= cache.len());
                }
                Err(other) => proptest::prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_filter_error_aborts_the_cycle_with_scheduler_error() {
        struct Broken;
        impl FilterPlugin for Broken {
            fn name(&self) -> &'static str {
                "Broken"
            }
            fn filter(&self, _: &CycleState, _: &Pod, _: &NodeInfo) -> Status {
                Status::Error("volume lister unavailable".into())
            }
        }
        let mut profile = default_profile();
        profile.filters.push(Box::new(Broken));
        let cache = identical_nodes(3);
        let mut next = 0;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let err = schedule_one(&profile, &pod(1, 0, 0), &cache, &mut rng, &mut next)
            .expect_err("broken filter");
        assert_eq!(err.pod_condition_reason(), "SchedulerError");
        assert_eq!(next, 0);
    }
}
