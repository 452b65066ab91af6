//! What `explain` says about a pod deleted on a node its kubelet no longer reaches
//! (k8s-semantics §7.5–7.6).

use sim_core::objects::Kind;
use sim_core::time::SimTime;
use sim_core::timeline::{RecordBody, Timeline};

/// Whether node `node`'s Ready condition was Unknown at `t` (the last change at or before
/// `t` says so).
pub(super) fn unreachable_at(timeline: &Timeline, node: &str, t: SimTime) -> bool {
    timeline
        .records()
        .iter()
        .take_while(|r| r.time <= t)
        .filter(|r| r.object.kind == Kind::Node && r.object.key.name == node)
        .filter_map(|r| match &r.body {
            RecordBody::Changed { field, to, .. } if field == "status.conditions[Ready]" => {
                Some(to.as_str())
            }
            _ => None,
        })
        .last()
        == Some("Unknown")
}

/// The sentence that replaces the kubelet's TERM/KILL rule for such a pod.
pub(super) fn stays_terminating(node: &str) -> String {
    format!(
        "; node/{node} is unreachable, so no kubelet can kill the containers or confirm the deletion: the pod stays Terminating until the node comes back, the Node is deleted (the pod garbage collector removes its pods) or it gets the node.kubernetes.io/out-of-service taint"
    )
}
