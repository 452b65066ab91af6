//! `NodeUnschedulable`: keeps pods off cordoned nodes (`spec.unschedulable`).

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, FilterPlugin, Status};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// kube-scheduler's `ErrReasonUnschedulable`.
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

/// Filter: a cordoned node rejects pods, unless they tolerate
/// `node.kubernetes.io/unschedulable:NoSchedule` (DaemonSet pods do).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeUnschedulable;

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        names::NODE_UNSCHEDULABLE
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.tolerates_unschedulable
    }

    fn filter(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
        if !node.node.unschedulable || state.tolerates_unschedulable {
            Status::Success
        } else {
            Status::unresolvable(ERR_REASON_UNSCHEDULABLE)
        }
    }
}
