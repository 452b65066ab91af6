//! `NodeName`: honours a `spec.nodeName` the user set on a pod that still goes through the
//! scheduler.
//!
//! The slim [`PodSpec`](crate::objects::PodSpec) has one field for both meanings of
//! `nodeName`: the node a bound pod runs on, and a node the user asked for in the manifest.
//! For a pod that is being scheduled (not bound yet) `spec.node_name` is `Some` only when the
//! user set it, so this filter treats it as the requested node.

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, FilterPlugin, Status};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// kube-scheduler's `nodename.ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// Filter: when the pod names a node, every other node is rejected.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        names::NODE_NAME
    }

    fn skip(&self, _state: &CycleState, pod: &Pod) -> bool {
        pod.spec.node_name.as_deref().is_none_or(str::is_empty)
    }

    fn filter(&self, _state: &CycleState, pod: &Pod, node: &NodeInfo) -> Status {
        match pod.spec.node_name.as_deref() {
            Some(requested) if !requested.is_empty() && requested != node.name() => {
                Status::unresolvable(ERR_REASON)
            }
            _ => Status::Success,
        }
    }
}
