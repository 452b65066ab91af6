//! The pod spec's scheduling fields beyond node affinity (pod affinity and anti-affinity,
//! topology spread constraints, container ports) and a node's `status.images`, as the API
//! returns them.

use serde_json::{Map, Value};
use sim_core::objects::{
    ContainerImage, ContainerPort, PodAffinity, PodAffinityTerm, TopologySpreadConstraint,
};

use super::{put, selector_to_json};

fn pod_affinity_term_to_json(term: &PodAffinityTerm) -> Value {
    let mut m = Map::new();
    put(
        &mut m,
        "labelSelector",
        term.label_selector.as_ref().map(selector_to_json),
    );
    put(&mut m, "namespaces", term.namespaces.clone());
    if let Some(selector) = &term.namespace_selector {
        // `{}` selects every namespace and must stay visible.
        m.insert("namespaceSelector".to_string(), selector_to_json(selector));
    }
    put(&mut m, "topologyKey", term.topology_key.as_str());
    put(&mut m, "matchLabelKeys", term.match_label_keys.clone());
    put(
        &mut m,
        "mismatchLabelKeys",
        term.mismatch_label_keys.clone(),
    );
    Value::Object(m)
}

/// `podAffinity` / `podAntiAffinity`.
pub(super) fn pod_affinity_to_json(affinity: &PodAffinity) -> Value {
    let mut m = Map::new();
    let required: Vec<Value> = affinity
        .required
        .iter()
        .map(pod_affinity_term_to_json)
        .collect();
    put(
        &mut m,
        "requiredDuringSchedulingIgnoredDuringExecution",
        required,
    );
    let preferred: Vec<Value> = affinity
        .preferred
        .iter()
        .map(|w| {
            let mut p = Map::new();
            put(&mut p, "weight", w.weight);
            put(
                &mut p,
                "podAffinityTerm",
                pod_affinity_term_to_json(&w.term),
            );
            Value::Object(p)
        })
        .collect();
    put(
        &mut m,
        "preferredDuringSchedulingIgnoredDuringExecution",
        preferred,
    );
    Value::Object(m)
}

/// `spec.topologySpreadConstraints[]`.
pub(super) fn spread_constraint_to_json(c: &TopologySpreadConstraint) -> Value {
    let mut m = Map::new();
    put(&mut m, "maxSkew", c.max_skew);
    put(&mut m, "topologyKey", c.topology_key.as_str());
    put(&mut m, "whenUnsatisfiable", c.when_unsatisfiable.as_str());
    put(
        &mut m,
        "labelSelector",
        c.label_selector.as_ref().map(selector_to_json),
    );
    put(&mut m, "minDomains", c.min_domains);
    put(
        &mut m,
        "nodeAffinityPolicy",
        c.node_affinity_policy.as_str(),
    );
    put(&mut m, "nodeTaintsPolicy", c.node_taints_policy.as_str());
    put(&mut m, "matchLabelKeys", c.match_label_keys.clone());
    Value::Object(m)
}

/// `containers[].ports[]`.
pub(super) fn container_port_to_json(p: &ContainerPort) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", p.name.as_str());
    put(&mut m, "containerPort", p.container_port);
    if p.host_port > 0 {
        put(&mut m, "hostPort", p.host_port);
    }
    put(&mut m, "hostIP", p.host_ip.as_str());
    put(&mut m, "protocol", p.protocol.as_str());
    Value::Object(m)
}

/// A node's `status.images[]`.
pub(super) fn image_to_json(image: &ContainerImage) -> Value {
    let mut m = Map::new();
    put(&mut m, "names", image.names.clone());
    put(&mut m, "sizeBytes", image.size_bytes);
    Value::Object(m)
}
