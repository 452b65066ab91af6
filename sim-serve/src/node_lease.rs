//! The kubelets' node leases, `coordination.k8s.io/v1` `Lease`s in `kube-node-lease` named
//! after their nodes (GET only): `kubectl describe node` reads one for its `Lease:` block.
//! `renewTime` is the node's last heartbeat as the API server holds it (the same instant as
//! its conditions' `lastHeartbeatTime`, frozen when the node fails); `leaseDurationSeconds`
//! is the kubelet's default 40.

use serde_json::{json, Value};
use sim_core::objects::{Node, ObjectKey};
use sim_core::store::Store;
use sim_core::time::SimTime;
use sim_scenarios::view::rfc3339;

use crate::status::StatusError;

/// The namespace of the node leases.
pub const NAMESPACE: &str = "kube-node-lease";

/// `MicroTime` as the API serialises it: RFC 3339 with six fractional digits.
fn micro_time(t: SimTime) -> String {
    let whole = rfc3339(t);
    let micros = (t.as_millis() % 1000) * 1000;
    match whole.strip_suffix('Z') {
        Some(base) => format!("{base}.{micros:06}Z"),
        None => whole,
    }
}

/// GET `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/NAME`.
pub fn get(store: &Store, now: SimTime, namespace: &str, name: &str) -> Result<Value, StatusError> {
    let node = (namespace == NAMESPACE)
        .then(|| store.get::<Node>(&ObjectKey::new(String::new(), name)))
        .flatten()
        .ok_or_else(|| {
            StatusError::new(
                404,
                "NotFound",
                format!("leases.coordination.k8s.io \"{name}\" not found"),
            )
        })?;
    let renewed = node.last_heartbeat(now);
    Ok(json!({
        "kind": "Lease",
        "apiVersion": "coordination.k8s.io/v1",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "creationTimestamp": rfc3339(node.meta.creation_timestamp),
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "Node",
                "name": name,
                "uid": node.meta.uid.to_string(),
            }],
        },
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": 40,
            "renewTime": micro_time(renewed),
        },
    }))
}
