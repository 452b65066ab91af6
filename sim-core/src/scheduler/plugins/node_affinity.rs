//! `NodeAffinity`: `spec.nodeSelector` (the slim types carry no `affinity` yet).

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, FilterPlugin, ScorePlugin, Status};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// kube-scheduler's `nodeaffinity.ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Filter: every `nodeSelector` entry must equal the node's label. Score: preferred node
/// affinity, which the slim types cannot express yet, so it always skips (as kube-scheduler's
/// PreScore does for a pod without preferred terms) and adds 0 to every node.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeAffinity;

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        names::NODE_AFFINITY
    }

    fn skip(&self, _state: &CycleState, pod: &Pod) -> bool {
        pod.spec.node_selector.is_empty()
    }

    fn filter(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> Status {
        let labels = &node.node.meta.labels;
        let matches = pod
            .spec
            .node_selector
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value));
        if matches {
            Status::Success
        } else {
            Status::unschedulable(ERR_REASON_POD)
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        names::NODE_AFFINITY
    }

    fn skip(&self, _state: &CycleState, _pod: &Pod) -> bool {
        true
    }

    fn score(&self, _state: &CycleState, _pod: &Pod, _node: &NodeInfo) -> i64 {
        0
    }
}
