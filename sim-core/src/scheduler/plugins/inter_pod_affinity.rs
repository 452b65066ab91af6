//! `InterPodAffinity`: required and preferred pod affinity and anti-affinity, including the
//! symmetric check against the required anti-affinity of the pods already running
//! (k8s-semantics §9.1–9.2; kube-scheduler's `interpodaffinity` plugin).
//!
//! PreFilter counts, per topology pair `(key, value)`: the existing pods whose required
//! anti-affinity terms match the incoming pod (only nodes holding such pods are visited,
//! [`SchedulerCache::nodes_with_required_anti_affinity`]), and the existing pods matching the
//! incoming pod's required affinity (all terms) and anti-affinity terms. Filter then checks a
//! node's own pairs: a required affinity term whose topology has no matching pod fails
//! (unless no pod in the cluster matches and the pod matches its own terms: the first pod of
//! a self-affine group), an anti-affinity pair with a matching pod fails, and a pair that an
//! existing pod's anti-affinity forbids fails.
//!
//! Score: preferred terms of the incoming pod (± weight per matching existing pod), the
//! required affinity terms of existing pods that the incoming pod matches (weight
//! `hardPodAffinityWeight`, 1) and their preferred terms, summed per topology pair; a node
//! gets the sum of its pairs, then `100 × (s − min) / (max − min)`.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{Affinity, Pod, PodAffinityTerm};
use crate::scheduler::framework::{CycleState, FilterPlugin, ScorePlugin, Status, MAX_NODE_SCORE};
use crate::scheduler::node_info::{NodeInfo, PodEntry, SchedulerCache};
use crate::selector::{LabelSelector, Requirement, SelectorOperator};

use super::names;

/// `ErrReasonAffinityRulesNotMatch`.
pub const ERR_REASON_AFFINITY_RULES_NOT_MATCH: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`.
pub const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't match pod anti-affinity rules";
/// `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// `InterPodAffinityArgs.hardPodAffinityWeight` default.
pub const DEFAULT_HARD_POD_AFFINITY_WEIGHT: i64 = 1;

type Labels = BTreeMap<String, String>;

/// Counts per topology pair, as `topologyKey → value → count`, so that a node's pairs are
/// looked up without building keys. Pairs whose count drops to 0 are removed, so an empty
/// map means "no pair" as kube-scheduler's `len(topologyToMatchedTermCount) == 0` does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopologyCounts(BTreeMap<String, BTreeMap<String, i64>>);

impl TopologyCounts {
    /// The count of `(key, value)`.
    pub fn get(&self, key: &str, value: &str) -> i64 {
        self.0
            .get(key)
            .and_then(|values| values.get(value))
            .copied()
            .unwrap_or(0)
    }

    /// Whether no pair has a count.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `delta` to the pair `(key, node's value of key)` if the node has the label.
    fn update(&mut self, node: &NodeInfo, key: &str, delta: i64) {
        let Some(value) = node.node.meta.labels.get(key) else {
            return;
        };
        let values = match self.0.get_mut(key) {
            Some(values) => values,
            None => self.0.entry(key.to_string()).or_default(),
        };
        let count = match values.get_mut(value.as_str()) {
            Some(count) => count,
            None => values.entry(value.clone()).or_insert(0),
        };
        *count += delta;
        // A pair back at zero is gone, as in kube-scheduler's map, so that "no pod matches
        // anywhere" reads the same after a preemption dry run removed the last one.
        if *count == 0 {
            values.remove(value.as_str());
            if values.is_empty() {
                self.0.remove(key);
            }
        }
    }
}

/// Which namespaces a term's `namespaceSelector` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceSelector {
    /// Not written (or already merged into the namespace list): selects none.
    Nothing,
    /// `{}`: every namespace.
    Everything,
    /// Namespaces whose labels match.
    Selector(LabelSelector),
}

/// A pod (anti-)affinity term ready for matching (kube-scheduler's `framework.AffinityTerm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffinityTerm {
    /// Namespaces listed (or the pod's own when neither list nor selector is written).
    pub namespaces: BTreeSet<String>,
    /// The namespace selector.
    pub namespace_selector: NamespaceSelector,
    /// The pod selector, with `matchLabelKeys`/`mismatchLabelKeys` merged; `None` selects no
    /// pod.
    pub selector: Option<LabelSelector>,
    /// `topologyKey`.
    pub topology_key: String,
    /// The weight of a preferred term (1 for required ones).
    pub weight: i64,
}

impl AffinityTerm {
    /// The term of a pod in `namespace` with `labels` (`newAffinityTerm`).
    pub fn new(term: &PodAffinityTerm, weight: i64, namespace: &str, labels: &Labels) -> Self {
        let mut selector = term.label_selector.clone();
        let merged = [
            (&term.match_label_keys, SelectorOperator::In),
            (&term.mismatch_label_keys, SelectorOperator::NotIn),
        ];
        for (keys, operator) in merged {
            for key in keys {
                if let Some(value) = labels.get(key) {
                    selector
                        .get_or_insert_with(LabelSelector::default)
                        .match_expressions
                        .push(Requirement {
                            key: key.clone(),
                            operator,
                            values: vec![value.clone()],
                        });
                }
            }
        }
        let namespace_selector = match &term.namespace_selector {
            None => NamespaceSelector::Nothing,
            Some(s) if s.is_empty() => NamespaceSelector::Everything,
            Some(s) => NamespaceSelector::Selector(s.clone()),
        };
        let mut namespaces: BTreeSet<String> = term.namespaces.iter().cloned().collect();
        if namespaces.is_empty() && term.namespace_selector.is_none() {
            namespaces.insert(namespace.to_string());
        }
        AffinityTerm {
            namespaces,
            namespace_selector,
            selector,
            topology_key: term.topology_key.clone(),
            weight,
        }
    }

    /// `AffinityTerm.Matches`: the pod's namespace is listed or selected (by the labels of
    /// that namespace, `namespace_labels`), and its labels match the selector.
    pub fn matches(&self, namespace: &str, labels: &Labels, namespace_labels: &Labels) -> bool {
        let namespace_ok = self.namespaces.contains(namespace)
            || match &self.namespace_selector {
                NamespaceSelector::Nothing => false,
                NamespaceSelector::Everything => true,
                NamespaceSelector::Selector(s) => s.matches(namespace_labels),
            };
        namespace_ok && self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }

    /// `mergeAffinityTermNamespacesIfNotEmpty`: a non-empty namespace selector is resolved
    /// against the known namespaces into the namespace list.
    fn merge_namespaces(&mut self, cache: &SchedulerCache) {
        if let NamespaceSelector::Selector(selector) = &self.namespace_selector {
            for (name, labels) in cache.namespaces() {
                if selector.matches(labels) {
                    self.namespaces.insert(name.clone());
                }
            }
            self.namespace_selector = NamespaceSelector::Nothing;
        }
    }
}

/// The four term lists of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodTerms {
    /// Required affinity.
    pub required_affinity: Vec<AffinityTerm>,
    /// Required anti-affinity.
    pub required_anti_affinity: Vec<AffinityTerm>,
    /// Preferred affinity (with weights).
    pub preferred_affinity: Vec<AffinityTerm>,
    /// Preferred anti-affinity (with weights).
    pub preferred_anti_affinity: Vec<AffinityTerm>,
}

impl PodTerms {
    /// The terms of a pod with `affinity` in `namespace` with `labels`.
    pub fn of(affinity: Option<&Affinity>, namespace: &str, labels: &Labels) -> PodTerms {
        let mut terms = PodTerms::default();
        let Some(affinity) = affinity else {
            return terms;
        };
        let sides = [
            (
                affinity.pod_affinity.as_ref(),
                &mut terms.required_affinity,
                &mut terms.preferred_affinity,
            ),
            (
                affinity.pod_anti_affinity.as_ref(),
                &mut terms.required_anti_affinity,
                &mut terms.preferred_anti_affinity,
            ),
        ];
        for (side, required, preferred) in sides {
            let Some(side) = side else { continue };
            required.extend(
                side.required
                    .iter()
                    .map(|t| AffinityTerm::new(t, 1, namespace, labels)),
            );
            preferred.extend(
                side.preferred
                    .iter()
                    .map(|w| AffinityTerm::new(&w.term, i64::from(w.weight), namespace, labels)),
            );
        }
        terms
    }
}

/// The terms of a pod on a node (resolved when it was added), or none.
fn terms_of(entry: &PodEntry) -> Option<&PodTerms> {
    entry.terms.as_deref()
}

/// `podMatchesAllAffinityTerms` (false for no terms).
fn matches_all(terms: &[AffinityTerm], namespace: &str, labels: &Labels) -> bool {
    !terms.is_empty()
        && terms
            .iter()
            .all(|t| t.matches(namespace, labels, &Labels::new()))
}

/// What Filter needs, computed in PreFilter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreFilterState {
    /// The incoming pod's required affinity terms (namespace selectors merged).
    pub required_affinity: Vec<AffinityTerm>,
    /// The incoming pod's required anti-affinity terms (namespace selectors merged).
    pub required_anti_affinity: Vec<AffinityTerm>,
    /// Pairs forbidden by existing pods' required anti-affinity.
    pub existing_anti_affinity_counts: TopologyCounts,
    /// Pairs holding pods that match all the incoming pod's required affinity terms.
    pub affinity_counts: TopologyCounts,
    /// Pairs holding pods matching the incoming pod's required anti-affinity terms.
    pub anti_affinity_counts: TopologyCounts,
    /// Whether the incoming pod matches all its own required affinity terms.
    pub matches_own_affinity: bool,
    /// The labels of the incoming pod's namespace (existing pods' anti-affinity terms may
    /// select it by namespace selector).
    pub namespace_labels: Labels,
}

/// What Score needs, computed in PreScore: summed weights per topology key and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreScoreState {
    /// `topologyKey → value → score`.
    pub topology_score: BTreeMap<String, BTreeMap<String, i64>>,
}

/// The plugin, with `hardPodAffinityWeight`.
#[derive(Debug, Clone, Copy)]
pub struct InterPodAffinity {
    /// `hardPodAffinityWeight` (0..=100, default 1).
    pub hard_pod_affinity_weight: i64,
}

impl Default for InterPodAffinity {
    fn default() -> Self {
        InterPodAffinity {
            hard_pod_affinity_weight: DEFAULT_HARD_POD_AFFINITY_WEIGHT,
        }
    }
}

impl FilterPlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        names::INTER_POD_AFFINITY
    }

    fn pre_filter(&self, state: &mut CycleState, pod: &Pod, cache: &SchedulerCache) -> Status {
        state.inter_pod_affinity = None;
        let has_required = pod.spec.affinity.as_ref().is_some_and(|a| {
            a.pod_affinity
                .as_ref()
                .is_some_and(|p| !p.required.is_empty())
                || a.has_required_anti_affinity()
        });
        if !has_required && !cache.has_required_anti_affinity_pods() {
            return Status::Success;
        }
        let namespace = &pod.meta.namespace;
        let labels = &pod.meta.labels;
        let mut terms = PodTerms::of(pod.spec.affinity.as_ref(), namespace, labels);
        for term in terms
            .required_affinity
            .iter_mut()
            .chain(terms.required_anti_affinity.iter_mut())
        {
            term.merge_namespaces(cache);
        }
        let empty = Labels::new();
        let namespace_labels = cache.namespace_labels(namespace).unwrap_or(&empty);

        let mut existing_anti_affinity_counts = TopologyCounts::default();
        for node in cache.nodes_with_required_anti_affinity() {
            for existing in node.pods_with_affinity() {
                let Some(theirs) = terms_of(existing) else {
                    continue;
                };
                for term in &theirs.required_anti_affinity {
                    if term.matches(namespace, labels, namespace_labels) {
                        existing_anti_affinity_counts.update(node, &term.topology_key, 1);
                    }
                }
            }
        }
        let mut affinity_counts = TopologyCounts::default();
        let mut anti_affinity_counts = TopologyCounts::default();
        if !terms.required_affinity.is_empty() || !terms.required_anti_affinity.is_empty() {
            for node in cache.node_infos() {
                for existing in node.pods() {
                    if matches_all(
                        &terms.required_affinity,
                        &existing.namespace,
                        &existing.labels,
                    ) {
                        for term in &terms.required_affinity {
                            affinity_counts.update(node, &term.topology_key, 1);
                        }
                    }
                    for term in &terms.required_anti_affinity {
                        if term.matches(&existing.namespace, &existing.labels, &empty) {
                            anti_affinity_counts.update(node, &term.topology_key, 1);
                        }
                    }
                }
            }
        }
        if existing_anti_affinity_counts.is_empty()
            && terms.required_affinity.is_empty()
            && terms.required_anti_affinity.is_empty()
        {
            return Status::Success;
        }
        let matches_own_affinity = matches_all(&terms.required_affinity, namespace, labels);
        state.inter_pod_affinity = Some(Box::new(PreFilterState {
            required_affinity: terms.required_affinity,
            required_anti_affinity: terms.required_anti_affinity,
            existing_anti_affinity_counts,
            affinity_counts,
            anti_affinity_counts,
            matches_own_affinity,
            namespace_labels: namespace_labels.clone(),
        }));
        Status::Success
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.inter_pod_affinity.is_none()
    }

    /// `updateWithPod`: the pairs `other` adds to (or takes from) each count.
    fn update_pre_filter_state(
        &self,
        state: &mut CycleState,
        pod: &Pod,
        other: &PodEntry,
        node: &NodeInfo,
        delta: i64,
    ) {
        let Some(s) = state.inter_pod_affinity.as_deref_mut() else {
            return;
        };
        if let Some(theirs) = terms_of(other) {
            for term in &theirs.required_anti_affinity {
                if term.matches(&pod.meta.namespace, &pod.meta.labels, &s.namespace_labels) {
                    s.existing_anti_affinity_counts
                        .update(node, &term.topology_key, delta);
                }
            }
        }
        if matches_all(&s.required_affinity, &other.namespace, &other.labels) {
            for term in &s.required_affinity {
                s.affinity_counts.update(node, &term.topology_key, delta);
            }
        }
        let empty = Labels::new();
        for term in &s.required_anti_affinity {
            if term.matches(&other.namespace, &other.labels, &empty) {
                s.anti_affinity_counts
                    .update(node, &term.topology_key, delta);
            }
        }
    }

    fn filter(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
        let Some(s) = state.inter_pod_affinity.as_deref() else {
            return Status::Success;
        };
        let labels = &node.node.meta.labels;
        // satisfyPodAffinity
        let mut pods_exist = true;
        for term in &s.required_affinity {
            match labels.get(&term.topology_key) {
                Some(value) => {
                    if s.affinity_counts.get(&term.topology_key, value) <= 0 {
                        pods_exist = false;
                    }
                }
                None => return Status::unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH),
            }
        }
        // The first pod of a group with affinity to itself: nothing matches anywhere yet,
        // and the pod matches its own terms.
        let first_of_its_group = s.affinity_counts.is_empty() && s.matches_own_affinity;
        if !(pods_exist || first_of_its_group) {
            return Status::unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
        }
        // satisfyPodAntiAffinity
        if !s.anti_affinity_counts.is_empty() {
            let blocked = s.required_anti_affinity.iter().any(|term| {
                labels
                    .get(&term.topology_key)
                    .is_some_and(|value| s.anti_affinity_counts.get(&term.topology_key, value) > 0)
            });
            if blocked {
                return Status::unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
            }
        }
        // satisfyExistingPodsAntiAffinity
        if !s.existing_anti_affinity_counts.is_empty() {
            let blocked = labels
                .iter()
                .any(|(key, value)| s.existing_anti_affinity_counts.get(key, value) > 0);
            if blocked {
                return Status::unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
            }
        }
        Status::Success
    }
}

fn process_term(
    scores: &mut BTreeMap<String, BTreeMap<String, i64>>,
    term: &AffinityTerm,
    weight: i64,
    target: (&str, &Labels, &Labels),
    node: &NodeInfo,
    multiplier: i64,
) {
    let (namespace, labels, namespace_labels) = target;
    if term.matches(namespace, labels, namespace_labels) {
        if let Some(value) = node.node.meta.labels.get(&term.topology_key) {
            *scores
                .entry(term.topology_key.clone())
                .or_default()
                .entry(value.clone())
                .or_insert(0) += weight * multiplier;
        }
    }
}

impl ScorePlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        names::INTER_POD_AFFINITY
    }

    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &Pod,
        cache: &SchedulerCache,
        _feasible: &[usize],
    ) {
        state.inter_pod_affinity_score = None;
        let has_constraints = pod.spec.affinity.as_ref().is_some_and(|a| {
            a.pod_affinity
                .as_ref()
                .is_some_and(|p| !p.preferred.is_empty())
                || a.pod_anti_affinity
                    .as_ref()
                    .is_some_and(|p| !p.preferred.is_empty())
        });
        if !has_constraints && !cache.has_affinity_pods() {
            return;
        }
        let namespace = &pod.meta.namespace;
        let labels = &pod.meta.labels;
        let mut terms = PodTerms::of(pod.spec.affinity.as_ref(), namespace, labels);
        for term in terms
            .preferred_affinity
            .iter_mut()
            .chain(terms.preferred_anti_affinity.iter_mut())
        {
            term.merge_namespaces(cache);
        }
        let empty = Labels::new();
        let namespace_labels = cache.namespace_labels(namespace).unwrap_or(&empty);
        let mut topology_score = BTreeMap::new();
        let mut process_node = |node: &NodeInfo, existing: &PodEntry| {
            if node.node.meta.labels.is_empty() {
                return;
            }
            let target = (existing.namespace.as_str(), &existing.labels, &empty);
            for term in &terms.preferred_affinity {
                process_term(&mut topology_score, term, term.weight, target, node, 1);
            }
            for term in &terms.preferred_anti_affinity {
                process_term(&mut topology_score, term, term.weight, target, node, -1);
            }
            let Some(theirs) = terms_of(existing) else {
                return;
            };
            let incoming = (namespace.as_str(), labels, namespace_labels);
            if self.hard_pod_affinity_weight > 0 {
                for term in &theirs.required_affinity {
                    let weight = self.hard_pod_affinity_weight;
                    process_term(&mut topology_score, term, weight, incoming, node, 1);
                }
            }
            for term in &theirs.preferred_affinity {
                process_term(&mut topology_score, term, term.weight, incoming, node, 1);
            }
            for term in &theirs.preferred_anti_affinity {
                process_term(&mut topology_score, term, term.weight, incoming, node, -1);
            }
        };
        if has_constraints {
            for node in cache.node_infos() {
                for existing in node.pods() {
                    process_node(node, existing);
                }
            }
        } else {
            for node in cache.nodes_with_affinity() {
                for existing in node.pods_with_affinity() {
                    process_node(node, existing);
                }
            }
        }
        // A key whose values all summed to zero still counts, as in kube-scheduler: only an
        // empty map means "nothing to score".
        if !topology_score.is_empty() {
            state.inter_pod_affinity_score = Some(Box::new(PreScoreState { topology_score }));
        }
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.inter_pod_affinity_score.is_none()
    }

    fn score(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
        let Some(s) = state.inter_pod_affinity_score.as_deref() else {
            return 0;
        };
        s.topology_score
            .iter()
            .filter_map(|(key, values)| {
                let value = node.node.meta.labels.get(key)?;
                values.get(value).copied()
            })
            .sum()
    }

    fn normalize(&self, state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
        if state.inter_pod_affinity_score.is_none() {
            return;
        }
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        let diff = max - min;
        for score in scores.iter_mut() {
            // float64(MaxNodeScore) × (float64(s − min) / float64(max − min)), truncated,
            // exactly as kube-scheduler computes it.
            *score = if diff > 0 {
                (MAX_NODE_SCORE as f64 * ((*score - min) as f64 / diff as f64)) as i64
            } else {
                0
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{PodAffinity, Uid};
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    fn host(name: &str) -> crate::objects::Node {
        let mut n = node(name, 4000, 8 * GIB);
        n.meta
            .labels
            .insert("kubernetes.io/hostname".into(), name.into());
        n
    }

    fn labelled(uid: u64, app: &str) -> Pod {
        let mut p = pod(uid, 100, 0);
        p.meta.uid = Uid(uid);
        p.meta.labels.insert("app".into(), app.into());
        p
    }

    fn term(app: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector::parse(&format!("app={app}")).expect("selector")),
            topology_key: "kubernetes.io/hostname".into(),
            ..PodAffinityTerm::default()
        }
    }

    /// NormalizeScore computes in float64 and truncates, as kube-scheduler does:
    /// 100 × (29 / 100) is 28.999… and becomes 28.
    #[test]
    fn normalize_truncates_like_go() {
        let p = labelled(1, "web");
        let mut state = CycleState::new(&p);
        state.inter_pod_affinity_score = Some(Box::new(PreScoreState {
            topology_score: BTreeMap::new(),
        }));
        let mut scores = [-10, 19, 90];
        InterPodAffinity::default().normalize(&state, &p, &mut scores);
        assert_eq!(scores, [0, 28, 100]);
    }

    /// An existing pod's required affinity to the incoming pod counts with
    /// `hardPodAffinityWeight` (1) for the existing pod's topology; 0 turns that off.
    #[test]
    fn existing_required_affinity_scores_with_the_hard_weight() {
        let mut cache = SchedulerCache::from_nodes([host("a"), host("b")]);
        let mut fan = labelled(1, "fan");
        fan.spec.affinity = Some(Affinity {
            pod_affinity: Some(PodAffinity {
                required: vec![term("web")],
                preferred: Vec::new(),
            }),
            ..Affinity::default()
        });
        cache.add_pod("a", &fan);
        let p = labelled(2, "web");
        let plugin = InterPodAffinity::default();
        let mut state = CycleState::new(&p);
        plugin.pre_score(&mut state, &p, &cache, &[0, 1]);
        let score = |state: &CycleState, n: &str| plugin.score(state, &p, cache.get(n).expect("n"));
        assert_eq!((score(&state, "a"), score(&state, "b")), (1, 0));
        let off = InterPodAffinity {
            hard_pod_affinity_weight: 0,
        };
        let mut state = CycleState::new(&p);
        off.pre_score(&mut state, &p, &cache, &[0, 1]);
        assert!(ScorePlugin::skip(&off, &state, &p));
    }

    /// Terms list their namespaces, or default to the pod's own; `{}` selects every
    /// namespace; matchLabelKeys adds the pod's own value.
    #[test]
    fn term_namespaces_and_match_label_keys() {
        let mut labels = BTreeMap::new();
        labels.insert("app".to_string(), "web".to_string());
        labels.insert("rev".to_string(), "7".to_string());
        let mut t = term("web");
        t.match_label_keys = vec!["rev".into()];
        let own = AffinityTerm::new(&t, 1, "shop", &labels);
        assert!(own.matches("shop", &labels, &BTreeMap::new()));
        assert!(!own.matches("other", &labels, &BTreeMap::new()));
        let mut rev6 = labels.clone();
        rev6.insert("rev".into(), "6".into());
        assert!(!own.matches("shop", &rev6, &BTreeMap::new()));
        t.namespace_selector = Some(LabelSelector::default());
        let everywhere = AffinityTerm::new(&t, 1, "shop", &labels);
        assert!(everywhere.matches("other", &labels, &BTreeMap::new()));
    }
}
