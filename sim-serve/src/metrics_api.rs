//! The resource metrics API, `metrics.k8s.io/v1beta1` (what metrics-server serves and
//! `kubectl top` reads): `PodMetrics` and `NodeMetrics`, lists and gets, from sim-core's
//! metrics pipeline ([`sim_core::metrics`]) at the simulated instant of the read.
//!
//! * A pod has a `PodMetrics` when metrics-server would have a sample of it: Running, every
//!   app container running for at least one 15 s window ([`pod_metrics`]). Its containers'
//!   `usage` is the behaviour model's CPU and memory plus the pod's share of the load models.
//! * A node's `usage` is the **sum of the usage of the pods bound to it** (every running
//!   container, sampled or not; real metrics-server reads the node's root cgroup, which
//!   also counts the system daemons kubesim does not model). A node whose `Ready`
//!   condition is not `True` has no sample (metrics-server cannot scrape its kubelet), so
//!   `kubectl top node` prints `<unknown>` for it.
//! * `timestamp` is the read instant, `window` is `15s`; quantities are canonical Kubernetes
//!   quantities (`250m`, `2`, `64Mi`, `12345Ki`).

use serde_json::{json, Value};
use sim_core::metrics::{pod_metrics, usage_at, LoadShares, PodUsage, METRICS_WINDOW};
use sim_core::objects::{ConditionStatus, Node, Pod};
use sim_core::selector::LabelSelector;
use sim_core::store::Store;
use sim_core::time::SimTime;
use sim_scenarios::view::rfc3339;

use crate::status::StatusError;

/// The group version served.
pub const GROUP_VERSION: &str = "metrics.k8s.io/v1beta1";

/// `/apis/metrics.k8s.io/v1beta1`: its resource list.
pub fn resource_list() -> Value {
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics",
             "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics",
             "verbs": ["get", "list"]},
        ],
    })
}

/// A CPU amount in millicores as a canonical decimal quantity (`0`, `250m`, `2`).
pub fn cpu_quantity(millis: u64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// A memory amount in bytes as a canonical binary quantity (`0`, `12345Ki`, `64Mi`, or
/// plain bytes when not a multiple of 1024).
pub fn memory_quantity(bytes: u64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let mut value = bytes;
    let mut i = 0;
    while i + 1 < suffixes.len() && value % 1024 == 0 {
        value /= 1024;
        i += 1;
    }
    format!("{value}{}", suffixes[i])
}

fn meta(name: &str, namespace: Option<&str>, pod_or_node_labels: &Value, now: SimTime) -> Value {
    let mut m = json!({
        "name": name,
        "creationTimestamp": rfc3339(now),
        "labels": pod_or_node_labels,
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

fn pod_json(pod: &Pod, usage: &PodUsage, now: SimTime) -> Value {
    let containers: Vec<Value> = usage
        .containers
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "usage": {
                    "cpu": cpu_quantity(c.cpu_millis),
                    "memory": memory_quantity(c.memory_bytes),
                },
            })
        })
        .collect();
    json!({
        "kind": "PodMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": meta(&pod.meta.name, Some(&pod.meta.namespace), &json!(pod.meta.labels), now),
        "timestamp": rfc3339(usage.timestamp),
        "window": format!("{}s", usage.window.as_millis() / 1000),
        "containers": containers,
    })
}

/// The node's usage: Σ of its pods' running containers; `None` when it is not Ready.
fn node_usage(store: &Store, shares: &LoadShares, node: &Node, now: SimTime) -> Option<(u64, u64)> {
    if node.ready != ConditionStatus::True {
        return None;
    }
    let source = store.metrics_source();
    let mut cpu = 0u64;
    let mut memory = 0u64;
    for pod in store
        .list::<Pod>()
        .filter(|p| p.spec.node_name.as_deref() == Some(node.meta.name.as_str()))
    {
        if let Some(u) = usage_at(store, source, shares, pod, now) {
            cpu = cpu.saturating_add(u.cpu_millis(None));
            memory = memory.saturating_add(u.memory_bytes(None));
        }
    }
    Some((cpu, memory))
}

fn node_json(node: &Node, (cpu, memory): (u64, u64), now: SimTime) -> Value {
    json!({
        "kind": "NodeMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": meta(&node.meta.name, None, &json!(node.meta.labels), now),
        "timestamp": rfc3339(now),
        "window": format!("{}s", METRICS_WINDOW.as_millis() / 1000),
        "usage": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
    })
}

fn list_json(kind: &str, items: Vec<Value>) -> Value {
    json!({
        "kind": kind,
        "apiVersion": GROUP_VERSION,
        "metadata": {},
        "items": items,
    })
}

/// Answers a GET under `/apis/metrics.k8s.io/v1beta1/`: `rest` is the path after it
/// (`pods`, `namespaces/NS/pods[/NAME]`, `nodes[/NAME]`).
pub fn get(
    store: &Store,
    now: SimTime,
    rest: &[&str],
    labels: Option<&LabelSelector>,
) -> Result<Value, StatusError> {
    let (namespace, resource, name) = match rest {
        ["namespaces", ns, r] => (Some(*ns), *r, None),
        ["namespaces", ns, r, n] => (Some(*ns), *r, Some(*n)),
        [r] => (None, *r, None),
        [r, n] => (None, *r, Some(*n)),
        _ => return Err(StatusError::no_route(&rest.join("/"))),
    };
    let source = store.metrics_source();
    let shares = LoadShares::at(store, source, now);
    let selected =
        |l: &std::collections::BTreeMap<String, String>| labels.is_none_or(|s| s.matches(l));
    match (resource, namespace) {
        ("pods", _) => {
            let pods = store.list::<Pod>().filter(|p| {
                namespace.is_none_or(|ns| p.meta.namespace == ns)
                    && name.is_none_or(|n| p.meta.name == n)
                    && selected(&p.meta.labels)
            });
            let mut items = Vec::new();
            for pod in pods {
                if let Some(u) = pod_metrics(store, source, &shares, pod, now) {
                    items.push(pod_json(pod, &u, now));
                }
            }
            match name {
                None => Ok(list_json("PodMetricsList", items)),
                Some(n) => items.into_iter().next().ok_or_else(|| {
                    let ns = namespace.unwrap_or("default");
                    StatusError::new(
                        404,
                        "NotFound",
                        format!("podmetrics.metrics.k8s.io \"{ns}/{n}\" not found"),
                    )
                }),
            }
        }
        ("nodes", None) => {
            let mut items = Vec::new();
            for node in store
                .list::<Node>()
                .filter(|n| name.is_none_or(|want| n.meta.name == want) && selected(&n.meta.labels))
            {
                if let Some(u) = node_usage(store, &shares, node, now) {
                    items.push(node_json(node, u, now));
                }
            }
            match name {
                None => Ok(list_json("NodeMetricsList", items)),
                Some(n) => items.into_iter().next().ok_or_else(|| {
                    StatusError::new(
                        404,
                        "NotFound",
                        format!("nodemetrics.metrics.k8s.io \"{n}\" not found"),
                    )
                }),
            }
        }
        _ => Err(StatusError::no_route(&rest.join("/"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_canonical() {
        assert_eq!(cpu_quantity(0), "0");
        assert_eq!(cpu_quantity(250), "250m");
        assert_eq!(cpu_quantity(2000), "2");
        assert_eq!(memory_quantity(0), "0");
        assert_eq!(memory_quantity(64 << 20), "64Mi");
        assert_eq!(memory_quantity(12345 * 1024), "12345Ki");
        assert_eq!(memory_quantity(1000), "1000");
    }
}
