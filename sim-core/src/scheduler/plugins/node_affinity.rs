//! `NodeAffinity`: `spec.nodeSelector` and `affinity.nodeAffinity` (k8s-semantics §9.2–9.3).
//!
//! Filter: every `nodeSelector` entry must equal the node's label, and, when the pod has
//! required node affinity, at least one of its `nodeSelectorTerms` must match the node (terms
//! ORed, requirements inside a term ANDed, an empty term matching nothing; `matchFields` on
//! `metadata.name`). Score: the sum of the weights of the preferred terms the node matches,
//! then `DefaultNormalizeScore(100, false)`: the best node gets 100, the others in proportion.
//! A pod without preferred terms is skipped at PreScore and adds 0 everywhere.

use crate::objects::{NodeAffinity as NodeAffinitySpec, Pod};
use crate::scheduler::framework::{
    default_normalize_score, CycleState, FilterPlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// kube-scheduler's `nodeaffinity.ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// The plugin. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeAffinity;

fn node_affinity(pod: &Pod) -> Option<&NodeAffinitySpec> {
    pod.spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
}

/// Whether the pod's `nodeSelector` and required node affinity let it onto a node with these
/// labels and this name (kube-scheduler's `GetRequiredNodeAffinity(pod).Match(node)`; the
/// DaemonSet controller asks the same question).
pub fn pod_matches_node_selector_and_affinity(
    pod_spec: &crate::objects::PodSpec,
    labels: &std::collections::BTreeMap<String, String>,
    node_name: &str,
) -> bool {
    let selector = pod_spec
        .node_selector
        .iter()
        .all(|(key, value)| labels.get(key) == Some(value));
    selector
        && pod_spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .is_none_or(|na| na.required_matches(labels, node_name))
}

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        names::NODE_AFFINITY
    }

    fn skip(&self, _state: &CycleState, pod: &Pod) -> bool {
        pod.spec.node_selector.is_empty()
            && node_affinity(pod).is_none_or(|na| na.required.is_none())
    }

    fn filter(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> Status {
        let meta = &node.node.meta;
        if pod_matches_node_selector_and_affinity(&pod.spec, &meta.labels, &meta.name) {
            Status::Success
        } else {
            Status::unresolvable(ERR_REASON_POD)
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        names::NODE_AFFINITY
    }

    fn skip(&self, _state: &CycleState, pod: &Pod) -> bool {
        node_affinity(pod).is_none_or(|na| na.preferred.is_empty())
    }

    fn score(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> i64 {
        let meta = &node.node.meta;
        node_affinity(pod).map_or(0, |na| na.preferred_score(&meta.labels, &meta.name))
    }

    fn normalize(&self, _state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
        default_normalize_score(MAX_NODE_SCORE, false, scores);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::objects::{
        Affinity, NodeSelectorOperator as Op, NodeSelectorRequirement, NodeSelectorTerm,
        PreferredSchedulingTerm,
    };

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, operator: Op, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn term(expressions: Vec<NodeSelectorRequirement>) -> NodeSelectorTerm {
        NodeSelectorTerm {
            match_expressions: expressions,
            match_fields: Vec::new(),
        }
    }

    /// §9.2: every operator of a node selector requirement, as `labels.Requirement.Matches`.
    #[test]
    fn requirement_operators() {
        let node = labels(&[("disktype", "ssd"), ("cores", "8")]);
        let get = |k: &str| node.get(k).map(String::as_str);
        assert!(req("disktype", Op::In, &["ssd", "nvme"]).matches_value(get("disktype")));
        assert!(!req("disktype", Op::In, &["hdd"]).matches_value(get("disktype")));
        assert!(!req("zone", Op::In, &["a"]).matches_value(get("zone")));
        assert!(req("zone", Op::NotIn, &["a"]).matches_value(get("zone")));
        assert!(!req("disktype", Op::NotIn, &["ssd"]).matches_value(get("disktype")));
        assert!(req("disktype", Op::Exists, &[]).matches_value(get("disktype")));
        assert!(req("zone", Op::DoesNotExist, &[]).matches_value(get("zone")));
        assert!(req("cores", Op::Gt, &["4"]).matches_value(get("cores")));
        assert!(!req("cores", Op::Gt, &["8"]).matches_value(get("cores")));
        assert!(req("cores", Op::Lt, &["16"]).matches_value(get("cores")));
        // A label that is not an integer never satisfies Gt/Lt.
        assert!(!req("disktype", Op::Gt, &["1"]).matches_value(get("disktype")));
        assert!(!req("zone", Op::Lt, &["1"]).matches_value(get("zone")));
    }

    /// §9.2: terms are ORed, requirements ANDed, an empty term matches nothing, and
    /// `matchFields` reads the node's name.
    #[test]
    fn terms_or_requirements_and() {
        let node = labels(&[("disktype", "ssd"), ("zone", "a")]);
        let both = term(vec![
            req("disktype", Op::In, &["ssd"]),
            req("zone", Op::In, &["b"]),
        ]);
        assert!(!both.matches(&node, "n1"));
        let na = NodeAffinitySpec {
            required: Some(vec![both.clone(), term(vec![req("zone", Op::In, &["a"])])]),
            preferred: Vec::new(),
        };
        assert!(na.required_matches(&node, "n1"));
        assert!(!NodeSelectorTerm::default().matches(&node, "n1"));
        let by_name = NodeSelectorTerm {
            match_expressions: Vec::new(),
            match_fields: vec![req("metadata.name", Op::In, &["n2"])],
        };
        assert!(by_name.matches(&node, "n2"));
        assert!(!by_name.matches(&node, "n1"));
        assert_eq!(by_name.pinned_node(), Some("n2"));
    }

    /// §9.3: the preferred score is the sum of matching weights, normalised by the maximum.
    #[test]
    fn preferred_weights_sum_then_normalise() {
        let na = NodeAffinitySpec {
            required: None,
            preferred: vec![
                PreferredSchedulingTerm {
                    weight: 80,
                    preference: term(vec![req("disktype", Op::In, &["ssd"])]),
                },
                PreferredSchedulingTerm {
                    weight: 20,
                    preference: term(vec![req("zone", Op::In, &["a"])]),
                },
            ],
        };
        let nodes = [
            labels(&[("disktype", "ssd"), ("zone", "a")]),
            labels(&[("disktype", "ssd")]),
            labels(&[("zone", "a")]),
            labels(&[]),
        ];
        let mut scores: Vec<i64> = nodes.iter().map(|l| na.preferred_score(l, "n")).collect();
        assert_eq!(scores, [100, 80, 20, 0]);
        let pod_affinity = Affinity {
            node_affinity: Some(na),
            ..Affinity::default()
        };
        assert!(pod_affinity.node_affinity.is_some());
        default_normalize_score(MAX_NODE_SCORE, false, &mut scores);
        assert_eq!(scores, [100, 80, 20, 0]);
        let mut halves = vec![40, 20, 0];
        default_normalize_score(MAX_NODE_SCORE, false, &mut halves);
        assert_eq!(halves, [100, 50, 0]);
    }
}
