//! A Node's status as the API returns it: the four kubelet conditions with their heartbeat
//! and transition times (k8s-semantics §7.1–7.2), and the `timeAdded` of NoExecute taints.

use serde_json::{Map, Value};
use sim_core::objects::{
    ConditionStatus, Node, TaintEffect, NODE_STATUS_UNKNOWN, NODE_STATUS_UNKNOWN_MESSAGE,
};
use sim_core::time::SimTime;

use super::{put, rfc3339};

/// `spec.taints` (NoExecute taints the node lifecycle controller added carry `timeAdded`).
pub fn taints_to_json(node: &Node) -> Vec<Value> {
    node.taints
        .iter()
        .map(|t| {
            let mut m = Map::new();
            put(&mut m, "key", t.key.as_str());
            put(&mut m, "value", t.value.as_str());
            put(&mut m, "effect", t.effect.as_str());
            if t.effect == TaintEffect::NoExecute {
                if let Some(added) = node.health.taint_added(&t.key, t.effect) {
                    put(&mut m, "timeAdded", rfc3339(added));
                }
            }
            Value::Object(m)
        })
        .collect()
}

/// `status.conditions` at `now`: MemoryPressure, DiskPressure, PIDPressure, Ready, as the
/// kubelet posts them, or Unknown once the node lifecycle controller gave up on the node.
pub fn conditions_to_json(node: &Node, now: SimTime) -> Vec<Value> {
    let heartbeat = node.last_heartbeat(now);
    let transition = node
        .health
        .last_transition_time
        .max(node.meta.creation_timestamp);
    let healthy = [
        (
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        (
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
        ),
        (
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
    ];
    let mut out = Vec::new();
    for (type_, status, reason, message) in healthy {
        let (status, reason, message) = match node.ready {
            ConditionStatus::Unknown => {
                ("Unknown", NODE_STATUS_UNKNOWN, NODE_STATUS_UNKNOWN_MESSAGE)
            }
            // The eviction manager's signal (`crate::node_pressure` in sim-core).
            _ if type_ == "MemoryPressure" && node.memory_pressure == ConditionStatus::True => (
                "True",
                "KubeletHasInsufficientMemory",
                "kubelet has insufficient memory available",
            ),
            _ => (status, reason, message),
        };
        out.push(condition(
            type_, status, reason, message, heartbeat, transition,
        ));
    }
    let (reason, message) = match node.ready {
        ConditionStatus::True => ("KubeletReady", "kubelet is posting ready status"),
        ConditionStatus::False => ("KubeletNotReady", ""),
        ConditionStatus::Unknown => (NODE_STATUS_UNKNOWN, NODE_STATUS_UNKNOWN_MESSAGE),
    };
    out.push(condition(
        "Ready",
        node.ready.as_str(),
        reason,
        message,
        heartbeat,
        transition,
    ));
    out
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    heartbeat: SimTime,
    transition: SimTime,
) -> Value {
    let mut m = Map::new();
    put(&mut m, "type", type_);
    put(&mut m, "status", status);
    put(&mut m, "lastHeartbeatTime", rfc3339(heartbeat));
    put(&mut m, "lastTransitionTime", rfc3339(transition));
    put(&mut m, "reason", reason);
    put(&mut m, "message", message);
    Value::Object(m)
}
