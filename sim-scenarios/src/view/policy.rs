//! Namespaces, quotas, limit ranges, priority classes, ConfigMaps and Secrets as the API
//! returns them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use sim_core::objects::{
    ConfigMap, Kind, LimitRange, Namespace, PriorityClass, ResourceQuota, ResourceUnit, Secret,
};

use super::{metadata_to_json, put};

/// A resource list keyed by API name, quantities as Kubernetes prints them.
fn amounts(list: &BTreeMap<String, u64>) -> Value {
    Value::Object(
        list.iter()
            .map(|(name, v)| (name.clone(), Value::from(ResourceUnit::of(name).format(*v))))
            .collect(),
    )
}

/// A Namespace.
pub fn namespace_to_json(ns: &Namespace) -> Value {
    json!({
        "apiVersion": Kind::Namespace.api_version(),
        "kind": Kind::Namespace.name(),
        "metadata": metadata_to_json(&ns.meta, Kind::Namespace),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": ns.phase.as_str()},
    })
}

/// A ResourceQuota with `status.hard` and `status.used`.
pub fn resourcequota_to_json(q: &ResourceQuota) -> Value {
    json!({
        "apiVersion": Kind::ResourceQuota.api_version(),
        "kind": Kind::ResourceQuota.name(),
        "metadata": metadata_to_json(&q.meta, Kind::ResourceQuota),
        "spec": {"hard": amounts(&q.hard)},
        "status": {"hard": amounts(&q.hard), "used": amounts(&q.used)},
    })
}

/// A LimitRange, with the defaults `SetDefaults_LimitRangeItem` filled in.
pub fn limitrange_to_json(l: &LimitRange) -> Value {
    let limits: Vec<Value> = l
        .limits
        .iter()
        .map(|item| {
            let mut m = Map::new();
            put(&mut m, "type", item.limit_type.as_str());
            for (field, list) in [
                ("max", &item.max),
                ("min", &item.min),
                ("default", &item.default),
                ("defaultRequest", &item.default_request),
            ] {
                if !list.is_empty() {
                    put(&mut m, field, amounts(list));
                }
            }
            if !item.max_limit_request_ratio_millis.is_empty() {
                let ratios: Map<String, Value> = item
                    .max_limit_request_ratio_millis
                    .iter()
                    .map(|(name, r)| (name.clone(), Value::from(ResourceUnit::Millis.format(*r))))
                    .collect();
                put(&mut m, "maxLimitRequestRatio", Value::Object(ratios));
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "apiVersion": Kind::LimitRange.api_version(),
        "kind": Kind::LimitRange.name(),
        "metadata": metadata_to_json(&l.meta, Kind::LimitRange),
        "spec": {"limits": limits},
    })
}

/// A PriorityClass.
pub fn priorityclass_to_json(c: &PriorityClass) -> Value {
    json!({
        "apiVersion": Kind::PriorityClass.api_version(),
        "kind": Kind::PriorityClass.name(),
        "metadata": metadata_to_json(&c.meta, Kind::PriorityClass),
        "value": c.value,
        "globalDefault": c.global_default,
        "preemptionPolicy": c.preemption_policy.as_str(),
        "description": c.description,
    })
}

/// A ConfigMap; values are not simulated, so each key maps to an empty string.
pub fn configmap_to_json(c: &ConfigMap) -> Value {
    let data: Map<String, Value> = c
        .keys
        .iter()
        .map(|k| (k.clone(), Value::from("")))
        .collect();
    json!({
        "apiVersion": Kind::ConfigMap.api_version(),
        "kind": Kind::ConfigMap.name(),
        "metadata": metadata_to_json(&c.meta, Kind::ConfigMap),
        "data": data,
        "immutable": c.immutable,
    })
}

/// A Secret; values are not simulated, so each key maps to an empty string.
pub fn secret_to_json(c: &Secret) -> Value {
    let data: Map<String, Value> = c
        .keys
        .iter()
        .map(|k| (k.clone(), Value::from("")))
        .collect();
    json!({
        "apiVersion": Kind::Secret.api_version(),
        "kind": Kind::Secret.name(),
        "metadata": metadata_to_json(&c.meta, Kind::Secret),
        "type": c.secret_type,
        "data": data,
        "immutable": c.immutable,
    })
}
