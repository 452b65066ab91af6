//! `PodTopologySpread`: `topologySpreadConstraints` and the system default constraints
//! (k8s-semantics §9.1, §9.4; kube-scheduler's `podtopologyspread` plugin, score weight 2).
//!
//! PreFilter takes the pod's `DoNotSchedule` constraints and counts, per constraint and
//! topology value, the pods matching its selector in the pod's namespace (terminating pods
//! excluded) on every node that has all the constraints' topology keys and passes the
//! constraint's node inclusion policies (`nodeAffinityPolicy` Honor by default: the pod's
//! nodeSelector and required node affinity; `nodeTaintsPolicy` Ignore by default). Filter:
//! `matching in the node's domain + (1 if the pod matches itself) − global minimum ≤ maxSkew`,
//! the global minimum being 0 while fewer domains than `minDomains` exist.
//!
//! Score uses the `ScheduleAnyway` constraints, or, for a pod with no constraints at all, the
//! system defaults (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) with the selector of
//! the Services and controller selecting the pod ([`PodContext`](crate::scheduler::PodContext)).
//! A node scores `Σ count × ln(domains + 2) + (maxSkew − 1)` (rounded), then
//! `100 × (max + min − s) / max`: fewer matching pods, higher score.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{
    tolerated, NodeInclusionPolicy, Pod, TaintEffect, TopologySpreadConstraint,
    UnsatisfiableConstraintAction,
};
use crate::scheduler::framework::{CycleState, FilterPlugin, ScorePlugin, Status, MAX_NODE_SCORE};
use crate::scheduler::node_info::{NodeInfo, PodEntry, SchedulerCache};
use crate::selector::{LabelSelector, Requirement, SelectorOperator};

use super::names;
use super::node_affinity::pod_matches_node_selector_and_affinity;

/// `ErrReasonConstraintsNotMatch`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";
/// `kubernetes.io/hostname`.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// `topology.kubernetes.io/zone`.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";

/// A constraint ready for counting (kube-scheduler's `topologySpreadConstraint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// `maxSkew`.
    pub max_skew: i64,
    /// `topologyKey`.
    pub topology_key: String,
    /// The selector with `matchLabelKeys` merged; `None` matches no pod.
    pub selector: Option<LabelSelector>,
    /// `minDomains` (1 when not written).
    pub min_domains: i64,
    /// `nodeAffinityPolicy`.
    pub node_affinity_policy: NodeInclusionPolicy,
    /// `nodeTaintsPolicy`.
    pub node_taints_policy: NodeInclusionPolicy,
}

impl Constraint {
    fn of(c: &TopologySpreadConstraint, pod: &Pod) -> Constraint {
        let mut selector = c.label_selector.clone();
        for key in &c.match_label_keys {
            if let Some(value) = pod.meta.labels.get(key) {
                selector
                    .get_or_insert_with(LabelSelector::default)
                    .match_expressions
                    .push(Requirement {
                        key: key.clone(),
                        operator: SelectorOperator::In,
                        values: vec![value.clone()],
                    });
            }
        }
        Constraint {
            max_skew: i64::from(c.max_skew),
            topology_key: c.topology_key.clone(),
            selector,
            min_domains: c.min_domains.map_or(1, i64::from),
            node_affinity_policy: c.node_affinity_policy,
            node_taints_policy: c.node_taints_policy,
        }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }

    /// `matchNodeInclusionPolicies`.
    fn includes(&self, pod: &Pod, node: &NodeInfo) -> bool {
        let n = &node.node;
        if self.node_affinity_policy == NodeInclusionPolicy::Honor
            && !pod_matches_node_selector_and_affinity(&pod.spec, &n.meta.labels, &n.meta.name)
        {
            return false;
        }
        if self.node_taints_policy == NodeInclusionPolicy::Honor {
            let untolerated = n.taints.iter().any(|t| {
                matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                    && !tolerated(&pod.spec.tolerations, t)
            });
            if untolerated {
                return false;
            }
        }
        true
    }

    /// `countPodsMatchSelector`: pods of `namespace` on the node matching the selector, not
    /// terminating.
    fn count(&self, node: &NodeInfo, namespace: &str) -> i64 {
        let Some(selector) = &self.selector else {
            return 0;
        };
        i64::try_from(node.count_matching(namespace, selector)).unwrap_or(i64::MAX)
    }
}

/// The system default constraints (`defaultingType: System`).
pub fn system_default_constraints(selector: &LabelSelector) -> Vec<Constraint> {
    [(LABEL_HOSTNAME, 3), (LABEL_ZONE, 5)]
        .into_iter()
        .map(|(key, max_skew)| Constraint {
            max_skew,
            topology_key: key.to_string(),
            selector: Some(selector.clone()),
            min_domains: 1,
            node_affinity_policy: NodeInclusionPolicy::Honor,
            node_taints_policy: NodeInclusionPolicy::Ignore,
        })
        .collect()
}

fn own_constraints(pod: &Pod, action: UnsatisfiableConstraintAction) -> Vec<Constraint> {
    pod.spec
        .topology_spread_constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| Constraint::of(c, pod))
        .collect()
}

fn has_all_keys(labels: &BTreeMap<String, String>, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| labels.contains_key(&c.topology_key))
}

/// PreFilter's counts per constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreFilterState {
    /// The DoNotSchedule constraints.
    pub constraints: Vec<Constraint>,
    /// Per constraint: topology value → matching pods (every eligible domain present).
    pub counts: Vec<BTreeMap<String, i64>>,
    /// Per constraint: whether the incoming pod matches its selector.
    pub self_match: Vec<bool>,
}

impl PreFilterState {
    /// The global minimum of constraint `i` (`minMatchNum`): 0 while there are fewer
    /// domains than `minDomains`; with no domain at all nothing constrains.
    pub fn min_match(&self, i: usize) -> i64 {
        let counts = &self.counts[i];
        if i64::try_from(counts.len()).unwrap_or(i64::MAX) < self.constraints[i].min_domains {
            return 0;
        }
        counts
            .values()
            .copied()
            .min()
            .unwrap_or(i64::from(i32::MAX))
    }
}

/// PreScore's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct PreScoreState {
    /// The ScheduleAnyway (or system default) constraints.
    pub constraints: Vec<Constraint>,
    /// Per constraint: topology value → matching pods, for the values of feasible nodes
    /// (hostname constraints are counted per node in Score).
    pub counts: Vec<BTreeMap<String, i64>>,
    /// Per constraint: `ln(domains + 2)`.
    pub weights: Vec<f64>,
    /// Feasible nodes lacking a required topology key (scored 0), by name.
    pub ignored_nodes: BTreeSet<String>,
    /// The same, by position in the feasible list (the order of the scores).
    pub ignored_positions: Vec<bool>,
}

// `f64` is not `Eq`, but the weights are always finite logarithms.
impl Eq for PreScoreState {}

/// The plugin (`defaultingType: System`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PodTopologySpread;

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        names::POD_TOPOLOGY_SPREAD
    }

    fn pre_filter(&self, state: &mut CycleState, pod: &Pod, cache: &SchedulerCache) -> Status {
        state.topology_spread = None;
        let constraints = own_constraints(pod, UnsatisfiableConstraintAction::DoNotSchedule);
        if constraints.is_empty() {
            return Status::Success;
        }
        let mut counts = vec![BTreeMap::new(); constraints.len()];
        for node in cache.node_infos() {
            let labels = &node.node.meta.labels;
            if !has_all_keys(labels, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.includes(pod, node) {
                    continue;
                }
                let value = labels.get(&c.topology_key).cloned().unwrap_or_default();
                *counts[i].entry(value).or_insert(0) += c.count(node, &pod.meta.namespace);
            }
        }
        let self_match = constraints
            .iter()
            .map(|c| c.matches(&pod.meta.labels))
            .collect();
        state.topology_spread = Some(Box::new(PreFilterState {
            constraints,
            counts,
            self_match,
        }));
        Status::Success
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.topology_spread.is_none()
    }

    /// `updateWithPod`: a pod of the incoming pod's namespace matching a constraint's
    /// selector counts in its node's domain (terminating pods never counted, as in PreFilter).
    fn update_pre_filter_state(
        &self,
        state: &mut CycleState,
        pod: &Pod,
        other: &PodEntry,
        node: &NodeInfo,
        delta: i64,
    ) {
        let Some(s) = state.topology_spread.as_deref_mut() else {
            return;
        };
        let labels = &node.node.meta.labels;
        if other.terminating
            || other.namespace != pod.meta.namespace
            || !has_all_keys(labels, &s.constraints)
        {
            return;
        }
        for (i, c) in s.constraints.iter().enumerate() {
            if !c.matches(&other.labels) || !c.includes(pod, node) {
                continue;
            }
            let value = labels.get(&c.topology_key).cloned().unwrap_or_default();
            *s.counts[i].entry(value).or_insert(0) += delta;
        }
    }

    fn filter(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
        let Some(s) = state.topology_spread.as_deref() else {
            return Status::Success;
        };
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(value) = node.node.meta.labels.get(&c.topology_key) else {
                return Status::unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
            };
            let matching = s.counts[i].get(value).copied().unwrap_or(0);
            let skew = matching + i64::from(s.self_match[i]) - s.min_match(i);
            if skew > c.max_skew {
                return Status::unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
            }
        }
        Status::Success
    }
}

impl ScorePlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        names::POD_TOPOLOGY_SPREAD
    }

    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &Pod,
        cache: &SchedulerCache,
        feasible: &[usize],
    ) {
        state.topology_spread_score = None;
        let own = !pod.spec.topology_spread_constraints.is_empty();
        let constraints = if own {
            own_constraints(pod, UnsatisfiableConstraintAction::ScheduleAnyway)
        } else {
            match &state.context.default_spread_selector {
                Some(selector) if !selector.is_empty() => system_default_constraints(selector),
                _ => Vec::new(),
            }
        };
        if constraints.is_empty() {
            return;
        }
        // With the system defaults, nodes lacking a key are not ignored.
        let require_all = own;
        let nodes = cache.node_infos();
        let mut ignored_nodes = BTreeSet::new();
        let mut ignored_positions = vec![false; feasible.len()];
        let mut counts: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); constraints.len()];
        for (position, &index) in feasible.iter().enumerate() {
            let node = &nodes[index];
            let labels = &node.node.meta.labels;
            if require_all && !has_all_keys(labels, &constraints) {
                ignored_nodes.insert(node.name().to_string());
                ignored_positions[position] = true;
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.topology_key == LABEL_HOSTNAME {
                    continue;
                }
                let value = labels.get(&c.topology_key).cloned().unwrap_or_default();
                counts[i].entry(value).or_insert(0);
            }
        }
        let weights = constraints
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if c.topology_key == LABEL_HOSTNAME {
                    feasible.len() - ignored_nodes.len()
                } else {
                    counts[i].len()
                };
                ((size + 2) as f64).ln()
            })
            .collect();
        for node in nodes {
            let labels = &node.node.meta.labels;
            if require_all && !has_all_keys(labels, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.topology_key == LABEL_HOSTNAME || !c.includes(pod, node) {
                    continue;
                }
                let value = labels.get(&c.topology_key).map_or("", String::as_str);
                if let Some(count) = counts[i].get_mut(value) {
                    *count += c.count(node, &pod.meta.namespace);
                }
            }
        }
        state.topology_spread_score = Some(Box::new(PreScoreState {
            constraints,
            counts,
            weights,
            ignored_nodes,
            ignored_positions,
        }));
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.topology_spread_score.is_none()
    }

    fn score(&self, state: &CycleState, pod: &Pod, node: &NodeInfo) -> i64 {
        let Some(s) = state.topology_spread_score.as_deref() else {
            return 0;
        };
        if s.ignored_nodes.contains(node.name()) {
            return 0;
        }
        let mut score = 0f64;
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(value) = node.node.meta.labels.get(&c.topology_key) else {
                continue;
            };
            let count = if c.topology_key == LABEL_HOSTNAME {
                c.count(node, &pod.meta.namespace)
            } else {
                s.counts[i].get(value).copied().unwrap_or(0)
            };
            // `scoreForCount`.
            score += count as f64 * s.weights[i] + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }

    fn normalize(&self, state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
        let Some(s) = state.topology_spread_score.as_deref() else {
            return;
        };
        // Ignored nodes take no part in min and max and get 0.
        let ignored = |position: usize| s.ignored_positions.get(position).copied().unwrap_or(false);
        let (mut min, mut max) = (i64::MAX, 0i64);
        for (position, &score) in scores.iter().enumerate() {
            if ignored(position) {
                continue;
            }
            min = min.min(score);
            max = max.max(score);
        }
        for (position, score) in scores.iter_mut().enumerate() {
            *score = if ignored(position) {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - *score) / max
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Uid;
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    fn zone_node(name: &str, zone: &str) -> crate::objects::Node {
        let mut n = node(name, 4000, 8 * GIB);
        n.meta.labels.insert(LABEL_ZONE.into(), zone.into());
        n.meta.labels.insert(LABEL_HOSTNAME.into(), name.into());
        n
    }

    fn web(uid: u64) -> Pod {
        let mut p = pod(uid, 100, 0);
        p.meta.uid = Uid(uid);
        p.meta.labels.insert("app".into(), "web".into());
        p
    }

    fn constraint(action: UnsatisfiableConstraintAction) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: 1,
            topology_key: LABEL_ZONE.into(),
            when_unsatisfiable: action,
            label_selector: Some(LabelSelector::parse("app=web").expect("selector")),
            min_domains: None,
            node_affinity_policy: NodeInclusionPolicy::Honor,
            node_taints_policy: NodeInclusionPolicy::Ignore,
            match_label_keys: Vec::new(),
        }
    }

    /// Two zones, zone-a holding two matching pods and zone-b none.
    fn cluster() -> SchedulerCache {
        let mut cache =
            SchedulerCache::from_nodes([zone_node("a1", "zone-a"), zone_node("b1", "zone-b")]);
        cache.add_pod("a1", &web(1));
        cache.add_pod("a1", &web(2));
        cache
    }

    /// k8s-semantics §9.2: skew = matching in the domain + self − global minimum ≤ maxSkew;
    /// the global minimum is 0 while there are fewer domains than minDomains.
    #[test]
    fn skew_arithmetic_and_min_domains() {
        let cache = cluster();
        let mut p = web(10);
        p.spec.topology_spread_constraints =
            vec![constraint(UnsatisfiableConstraintAction::DoNotSchedule)];
        let mut state = CycleState::new(&p);
        assert!(PodTopologySpread
            .pre_filter(&mut state, &p, &cache)
            .is_success());
        let s = state.topology_spread.as_deref().expect("state");
        assert_eq!(s.counts[0].get("zone-a"), Some(&2));
        assert_eq!(s.counts[0].get("zone-b"), Some(&0));
        assert_eq!(s.min_match(0), 0);
        let at = |name: &str| PodTopologySpread.filter(&state, &p, cache.get(name).expect("node"));
        // a1: 2 + 1 − 0 = 3 > 1; b1: 0 + 1 − 0 = 1.
        assert_eq!(
            at("a1"),
            Status::unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
        );
        assert!(at("b1").is_success());
        // A pod not matching its own selector adds 0: a1 gives 2 − 0 = 2, still too many.
        let mut other = p.clone();
        other.meta.labels.clear();
        let mut state = CycleState::new(&other);
        PodTopologySpread.pre_filter(&mut state, &other, &cache);
        let s = state.topology_spread.as_deref().expect("state");
        assert_eq!(s.self_match, [false]);
        // minDomains 3 with 2 domains: the minimum counts as 0 even if both zones had pods.
        let mut busy = cluster();
        busy.add_pod("b1", &web(3));
        let mut state = CycleState::new(&p);
        PodTopologySpread.pre_filter(&mut state, &p, &busy);
        assert_eq!(
            state
                .topology_spread
                .as_deref()
                .expect("state")
                .min_match(0),
            1
        );
        p.spec.topology_spread_constraints[0].min_domains = Some(3);
        let mut state = CycleState::new(&p);
        PodTopologySpread.pre_filter(&mut state, &p, &busy);
        assert_eq!(
            state
                .topology_spread
                .as_deref()
                .expect("state")
                .min_match(0),
            0
        );
    }

    /// Score: count × ln(domains + 2) + (maxSkew − 1), rounded; then
    /// 100 × (max + min − s) / max: the emptier zone gets 100.
    #[test]
    fn score_prefers_the_emptier_domain() {
        let cache = cluster();
        let mut p = web(10);
        p.spec.topology_spread_constraints =
            vec![constraint(UnsatisfiableConstraintAction::ScheduleAnyway)];
        let mut state = CycleState::new(&p);
        PodTopologySpread.pre_score(&mut state, &p, &cache, &[0, 1]);
        let mut scores: Vec<i64> = ["a1", "b1"]
            .iter()
            .map(|n| PodTopologySpread.score(&state, &p, cache.get(n).expect("node")))
            .collect();
        // a1: 2 × ln 4 = 2.77 → 3; b1: 0.
        assert_eq!(scores, [3, 0]);
        PodTopologySpread.normalize(&state, &p, &mut scores);
        assert_eq!(scores, [0, 100]);
    }

    /// §9.4: without constraints of its own, a pod selected by a Service or controller gets
    /// the system defaults; without such a selector it gets none.
    #[test]
    fn system_defaults_need_a_default_selector() {
        let cache = cluster();
        let p = web(10);
        let mut state = CycleState::new(&p);
        PodTopologySpread.pre_score(&mut state, &p, &cache, &[0, 1]);
        assert!(ScorePlugin::skip(&PodTopologySpread, &state, &p));
        state.context.default_spread_selector = Some(LabelSelector::parse("app=web").expect("s"));
        PodTopologySpread.pre_score(&mut state, &p, &cache, &[0, 1]);
        let s = state.topology_spread_score.as_deref().expect("defaults");
        let shape: Vec<(&str, i64)> = s
            .constraints
            .iter()
            .map(|c| (c.topology_key.as_str(), c.max_skew))
            .collect();
        assert_eq!(shape, [(LABEL_HOSTNAME, 3), (LABEL_ZONE, 5)]);
    }
}

#[cfg(test)]
mod properties {
    use std::collections::BTreeSet;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::objects::{Affinity, PodAffinity, PodAffinityTerm, Uid};
    use crate::scheduler::node_info::tests::{node, pod, GIB};
    use crate::scheduler::{schedule_one, Profile, Registry};

    /// Zone 0's nodes are ten times larger, so LeastAllocated alone would pile pods there.
    fn cluster(zones: usize, nodes_per_zone: usize) -> SchedulerCache {
        SchedulerCache::from_nodes((0..zones).flat_map(|z| {
            (0..nodes_per_zone).map(move |i| {
                let name = format!("z{z}-n{i}");
                let scale = if z == 0 { 10 } else { 1 };
                let mut n = node(&name, 64_000 * scale, 256 * GIB * scale);
                n.meta.labels.insert(LABEL_ZONE.into(), format!("z{z}"));
                n.meta.labels.insert(LABEL_HOSTNAME.into(), name);
                n
            })
        }))
    }

    fn web(uid: u64) -> Pod {
        let mut p = pod(uid, 100, 0);
        p.meta.uid = Uid(uid);
        p.meta.labels.insert("app".into(), "web".into());
        p
    }

    proptest::proptest! {
        /// With room everywhere, DoNotSchedule spreading places every pod and keeps
        /// max − min of the per-zone counts within maxSkew after each placement.
        #[test]
        fn do_not_schedule_keeps_the_skew_within_max_skew(
            zones in 1usize..5,
            nodes_per_zone in 1usize..4,
            max_skew in 1i32..4,
            pods in 1u64..16,
            seed in 0u64..1000,
        ) {
            let profile = Profile::default_profile(&Registry::with_default_plugins())
                .expect("default profile");
            let mut cache = cluster(zones, nodes_per_zone);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut next = 0;
            let mut counts = vec![0i32; zones];
            for uid in 1..=pods {
                let mut p = web(uid);
                p.spec.topology_spread_constraints = vec![TopologySpreadConstraint {
                    max_skew,
                    topology_key: LABEL_ZONE.into(),
                    when_unsatisfiable: UnsatisfiableConstraintAction::DoNotSchedule,
                    label_selector: Some(LabelSelector::parse("app=web").expect("selector")),
                    min_domains: None,
                    node_affinity_policy: NodeInclusionPolicy::Honor,
                    node_taints_policy: NodeInclusionPolicy::Ignore,
                    match_label_keys: Vec::new(),
                }];
                let decision = schedule_one(&profile, &p, &cache, &mut rng, &mut next)
                    .expect("room everywhere");
                let zone: usize = decision.node_name[1..decision.node_name.find('-').expect("-")]
                    .parse()
                    .expect("zone index");
                counts[zone] += 1;
                cache.add_pod(&decision.node_name, &p);
                let max = counts.iter().copied().max().unwrap_or(0);
                let min = counts.iter().copied().min().unwrap_or(0);
                proptest::prop_assert!(max - min <= max_skew, "{counts:?} after pod {uid}");
            }
        }

        /// Required anti-affinity on the hostname: min(pods, nodes) pods are placed, never
        /// two on one node, and the rest are rejected on every node.
        #[test]
        fn required_anti_affinity_places_at_most_one_per_node(
            nodes in 1usize..6,
            pods in 1u64..9,
            seed in 0u64..1000,
        ) {
            let profile = Profile::default_profile(&Registry::with_default_plugins())
                .expect("default profile");
            let mut cache = cluster(1, nodes);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut next = 0;
            let mut used = BTreeSet::new();
            let mut placed = 0usize;
            for uid in 1..=pods {
                let mut p = web(uid);
                p.spec.affinity = Some(Affinity {
                    pod_anti_affinity: Some(PodAffinity {
                        required: vec![PodAffinityTerm {
                            label_selector: Some(LabelSelector::parse("app=web").expect("s")),
                            topology_key: LABEL_HOSTNAME.into(),
                            ..PodAffinityTerm::default()
                        }],
                        preferred: Vec::new(),
                    }),
                    ..Affinity::default()
                });
                if let Ok(decision) = schedule_one(&profile, &p, &cache, &mut rng, &mut next) {
                    proptest::prop_assert!(used.insert(decision.node_name.clone()));
                    cache.add_pod(&decision.node_name, &p);
                    placed += 1;
                }
            }
            proptest::prop_assert_eq!(placed, nodes.min(usize::try_from(pods).unwrap_or(0)));
        }
    }
}
