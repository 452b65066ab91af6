//! `TaintToleration`: NoSchedule/NoExecute taints filter, PreferNoSchedule taints score.

use crate::objects::{tolerated, Pod, Taint, TaintEffect};
use crate::scheduler::framework::{
    default_normalize_score, CycleState, FilterPlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// The filter reason for an untolerated taint, as kube-scheduler v1.36 words it.
///
/// VERSION NOTE: before kubernetes#134740 (1.35, cherry-picked to 1.34) the message named the
/// taint (`node(s) had untolerated taint {dedicated: x}`); it stopped doing so because taint
/// values can be sensitive. kubesim follows v1.36. The taint is still passed in so that a
/// richer explanation can name it.
pub fn untolerated_taint_reason(_taint: &Taint) -> &'static str {
    UNTOLERATED_TAINT
}

/// `node(s) had untolerated taint(s)`.
pub const UNTOLERATED_TAINT: &str = "node(s) had untolerated taint(s)";

/// Filter: the first NoSchedule or NoExecute taint the pod does not tolerate rejects the node.
/// Score: the number of PreferNoSchedule taints the pod does not tolerate, normalised in
/// reverse so the node with the fewest gets 100 (`DefaultNormalizeScore(100, true)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TaintToleration;

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        names::TAINT_TOLERATION
    }

    fn filter(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> Status {
        let untolerated = node.node.taints.iter().find(|taint| {
            matches!(
                taint.effect,
                TaintEffect::NoSchedule | TaintEffect::NoExecute
            ) && !tolerated(&pod.spec.tolerations, taint)
        });
        match untolerated {
            None => Status::Success,
            Some(taint) => Status::unresolvable(untolerated_taint_reason(taint)),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        names::TAINT_TOLERATION
    }

    fn score(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> i64 {
        // kube-scheduler first keeps the tolerations whose effect is empty or
        // PreferNoSchedule; a toleration with another effect never matches a PreferNoSchedule
        // taint anyway, so checking all of them gives the same count.
        let count = node
            .node
            .taints
            .iter()
            .filter(|taint| {
                taint.effect == TaintEffect::PreferNoSchedule
                    && !tolerated(&pod.spec.tolerations, taint)
            })
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    fn normalize(&self, _state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
        default_normalize_score(MAX_NODE_SCORE, true, scores);
    }
}
