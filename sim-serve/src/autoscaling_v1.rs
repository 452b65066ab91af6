//! `autoscaling/v1` HorizontalPodAutoscalers, converted to and from the stored
//! `autoscaling/v2` form as kube-apiserver converts them
//! (`pkg/apis/autoscaling/v1/conversion.go`):
//!
//! * `spec.targetCPUUtilizationPercentage` is the `Resource` `cpu` metric with a
//!   `Utilization` target; `status.currentCPUUtilizationPercentage` its current
//!   `averageUtilization`.
//! * What v1 cannot say travels in annotations, as JSON: the other metrics
//!   (`autoscaling.alpha.kubernetes.io/metrics`, v1 `MetricSpec`s), every current metric
//!   (`…/current-metrics`, v1 `MetricStatus`es), the conditions (`…/conditions`) and the
//!   behavior (`…/behavior`, with Go's field names, as the API server marshals its
//!   internal type). Written back through v1, the metrics and behavior annotations are
//!   lifted out again (the other metrics first, then the CPU target, as upstream), so a
//!   read-modify-write through v1 keeps a v2 HPA's metrics.

use serde_json::{json, Map, Value};

/// The group version.
pub const GROUP_VERSION: &str = "autoscaling/v1";

const METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const CURRENT_METRICS: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
const CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";

fn is_cpu_utilization(metric: &Value) -> bool {
    metric["type"] == "Resource"
        && metric["resource"]["name"] == "cpu"
        && metric["resource"]["target"]["type"] == "Utilization"
        && metric["resource"]["target"]["averageUtilization"].is_number()
}

/// Copies the present (non-null) fields `from[src]` to `to[dst]`.
fn copy(to: &mut Map<String, Value>, from: &Value, fields: &[(&str, &str)]) {
    for (dst, src) in fields {
        let v = &from[*src];
        if !v.is_null() {
            to.insert((*dst).to_string(), v.clone());
        }
    }
}

/// A v2 `MetricSpec` as a v1 (v2beta1-shaped) `MetricSpec`.
fn metric_spec_to_v1(m: &Value) -> Value {
    let type_ = m["type"].as_str().unwrap_or("");
    let mut source = Map::new();
    let key = match type_ {
        "Resource" | "ContainerResource" => {
            let r = if type_ == "Resource" {
                &m["resource"]
            } else {
                &m["containerResource"]
            };
            copy(
                &mut source,
                r,
                &[("name", "name"), ("container", "container")],
            );
            copy(
                &mut source,
                &r["target"],
                &[
                    ("targetAverageUtilization", "averageUtilization"),
                    ("targetAverageValue", "averageValue"),
                ],
            );
            if type_ == "Resource" {
                "resource"
            } else {
                "containerResource"
            }
        }
        "Pods" => {
            let p = &m["pods"];
            copy(
                &mut source,
                &p["metric"],
                &[("metricName", "name"), ("selector", "selector")],
            );
            copy(
                &mut source,
                &p["target"],
                &[("targetAverageValue", "averageValue")],
            );
            "pods"
        }
        "Object" => {
            let o = &m["object"];
            copy(&mut source, o, &[("target", "describedObject")]);
            copy(
                &mut source,
                &o["metric"],
                &[("metricName", "name"), ("selector", "selector")],
            );
            copy(
                &mut source,
                &o["target"],
                &[("targetValue", "value"), ("averageValue", "averageValue")],
            );
            "object"
        }
        "External" => {
            let e = &m["external"];
            copy(
                &mut source,
                &e["metric"],
                &[("metricName", "name"), ("metricSelector", "selector")],
            );
            copy(
                &mut source,
                &e["target"],
                &[
                    ("targetValue", "value"),
                    ("targetAverageValue", "averageValue"),
                ],
            );
            "external"
        }
        _ => return m.clone(),
    };
    json!({"type": type_, key: source})
}

/// A v1 `MetricSpec` as a v2 one (the inverse of [`metric_spec_to_v1`]).
fn metric_spec_from_v1(m: &Value) -> Value {
    let type_ = m["type"].as_str().unwrap_or("");
    let target_type = |s: &Value, util: &str, avg: &str, value: &str| {
        if s[util].is_number() {
            "Utilization"
        } else if !s[avg].is_null() {
            "AverageValue"
        } else if !value.is_empty() && !s[value].is_null() {
            "Value"
        } else {
            "AverageValue"
        }
    };
    match type_ {
        "Resource" | "ContainerResource" => {
            let key = if type_ == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let s = &m[key];
            let mut r = Map::new();
            copy(&mut r, s, &[("name", "name"), ("container", "container")]);
            let mut target = Map::new();
            target.insert(
                "type".into(),
                json!(target_type(
                    s,
                    "targetAverageUtilization",
                    "targetAverageValue",
                    ""
                )),
            );
            copy(
                &mut target,
                s,
                &[
                    ("averageUtilization", "targetAverageUtilization"),
                    ("averageValue", "targetAverageValue"),
                ],
            );
            r.insert("target".into(), Value::Object(target));
            json!({"type": type_, key: r})
        }
        "Pods" => {
            let s = &m["pods"];
            let mut metric = Map::new();
            copy(
                &mut metric,
                s,
                &[("name", "metricName"), ("selector", "selector")],
            );
            let mut target = Map::new();
            target.insert("type".into(), json!("AverageValue"));
            copy(&mut target, s, &[("averageValue", "targetAverageValue")]);
            json!({"type": "Pods", "pods": {"metric": metric, "target": target}})
        }
        "Object" => {
            let s = &m["object"];
            let mut metric = Map::new();
            copy(
                &mut metric,
                s,
                &[("name", "metricName"), ("selector", "selector")],
            );
            let mut target = Map::new();
            let t = if s["averageValue"].is_null() {
                "Value"
            } else {
                "AverageValue"
            };
            target.insert("type".into(), json!(t));
            copy(
                &mut target,
                s,
                &[("value", "targetValue"), ("averageValue", "averageValue")],
            );
            let mut o = Map::new();
            copy(&mut o, s, &[("describedObject", "target")]);
            o.insert("metric".into(), Value::Object(metric));
            o.insert("target".into(), Value::Object(target));
            json!({"type": "Object", "object": o})
        }
        "External" => {
            let s = &m["external"];
            let mut metric = Map::new();
            copy(
                &mut metric,
                s,
                &[("name", "metricName"), ("selector", "metricSelector")],
            );
            let mut target = Map::new();
            let t = if s["targetAverageValue"].is_null() {
                "Value"
            } else {
                "AverageValue"
            };
            target.insert("type".into(), json!(t));
            copy(
                &mut target,
                s,
                &[
                    ("value", "targetValue"),
                    ("averageValue", "targetAverageValue"),
                ],
            );
            json!({"type": "External", "external": {"metric": metric, "target": target}})
        }
        _ => m.clone(),
    }
}

/// A v2 `MetricStatus` as a v1 one.
fn metric_status_to_v1(m: &Value) -> Value {
    let type_ = m["type"].as_str().unwrap_or("");
    let mut status = Map::new();
    let key = match type_ {
        "Resource" | "ContainerResource" => {
            let key = if type_ == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = &m[key];
            copy(
                &mut status,
                r,
                &[("name", "name"), ("container", "container")],
            );
            copy(
                &mut status,
                &r["current"],
                &[("currentAverageUtilization", "averageUtilization")],
            );
            // Not optional in v1.
            let value = match &r["current"]["averageValue"] {
                Value::Null => json!("0"),
                v => v.clone(),
            };
            status.insert("currentAverageValue".into(), value);
            key
        }
        "Pods" => {
            let p = &m["pods"];
            copy(
                &mut status,
                &p["metric"],
                &[("metricName", "name"), ("selector", "selector")],
            );
            copy(
                &mut status,
                &p["current"],
                &[("currentAverageValue", "averageValue")],
            );
            "pods"
        }
        "Object" => {
            let o = &m["object"];
            copy(&mut status, o, &[("target", "describedObject")]);
            copy(
                &mut status,
                &o["metric"],
                &[("metricName", "name"), ("selector", "selector")],
            );
            copy(
                &mut status,
                &o["current"],
                &[("currentValue", "value"), ("averageValue", "averageValue")],
            );
            "object"
        }
        "External" => {
            let e = &m["external"];
            copy(
                &mut status,
                &e["metric"],
                &[("metricName", "name"), ("metricSelector", "selector")],
            );
            copy(
                &mut status,
                &e["current"],
                &[
                    ("currentValue", "value"),
                    ("currentAverageValue", "averageValue"),
                ],
            );
            "external"
        }
        _ => return m.clone(),
    };
    json!({"type": type_, key: status})
}

/// Renames the keys of `v` recursively with `f` (the behavior annotation holds Go's field
/// names: `ScaleUp`, `StabilizationWindowSeconds`…).
fn rename_keys(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (f(k), rename_keys(x, f))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rename_keys(x, f)).collect()),
        other => other.clone(),
    }
}

fn with_first(s: &str, upper: bool) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) if upper => first.to_uppercase().collect::<String>() + c.as_str(),
        Some(first) => first.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// An `autoscaling/v2` HorizontalPodAutoscaler (as kubesim renders it) as `autoscaling/v1`.
pub fn hpa_to_v1(v2: &Value) -> Value {
    let spec = &v2["spec"];
    let status = &v2["status"];
    let empty = Vec::new();
    let metrics = spec["metrics"].as_array().unwrap_or(&empty);
    let mut v1_spec = Map::new();
    copy(
        &mut v1_spec,
        spec,
        &[
            ("scaleTargetRef", "scaleTargetRef"),
            ("minReplicas", "minReplicas"),
            ("maxReplicas", "maxReplicas"),
        ],
    );
    let mut others = Vec::new();
    for m in metrics {
        if is_cpu_utilization(m) && !v1_spec.contains_key("targetCPUUtilizationPercentage") {
            v1_spec.insert(
                "targetCPUUtilizationPercentage".into(),
                m["resource"]["target"]["averageUtilization"].clone(),
            );
        } else {
            others.push(metric_spec_to_v1(m));
        }
    }
    let mut v1_status = Map::new();
    copy(
        &mut v1_status,
        status,
        &[
            ("observedGeneration", "observedGeneration"),
            ("lastScaleTime", "lastScaleTime"),
            ("currentReplicas", "currentReplicas"),
            ("desiredReplicas", "desiredReplicas"),
        ],
    );
    let current = status["currentMetrics"].as_array().unwrap_or(&empty);
    if let Some(cpu) = current.iter().find(|m| {
        m["type"] == "Resource"
            && m["resource"]["name"] == "cpu"
            && m["resource"]["current"]["averageUtilization"].is_number()
    }) {
        v1_status.insert(
            "currentCPUUtilizationPercentage".into(),
            cpu["resource"]["current"]["averageUtilization"].clone(),
        );
    }
    let mut metadata = v2["metadata"].clone();
    let mut annotations: Map<String, Value> = metadata["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut annotate = |key: &str, v: Value| {
        annotations.insert(key.to_string(), json!(v.to_string()));
    };
    if !others.is_empty() {
        annotate(METRICS, Value::Array(others));
    }
    if !current.is_empty() {
        annotate(
            CURRENT_METRICS,
            Value::Array(current.iter().map(metric_status_to_v1).collect()),
        );
    }
    if status["conditions"]
        .as_array()
        .is_some_and(|c| !c.is_empty())
    {
        annotate(CONDITIONS, status["conditions"].clone());
    }
    if spec["behavior"].is_object() {
        annotate(
            BEHAVIOR,
            rename_keys(&spec["behavior"], &|k| with_first(k, true)),
        );
    }
    if !annotations.is_empty() {
        metadata["annotations"] = Value::Object(annotations);
    }
    json!({
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": GROUP_VERSION,
        "metadata": metadata,
        "spec": v1_spec,
        "status": v1_status,
    })
}

/// Any answer of the v2 API (an HPA, a list of them, a Table, a Status) as the v1 API
/// gives it.
pub fn to_v1(v: Value) -> Value {
    match v["kind"].as_str() {
        Some("HorizontalPodAutoscaler") => hpa_to_v1(&v),
        Some("HorizontalPodAutoscalerList") => {
            let mut list = v;
            list["apiVersion"] = json!(GROUP_VERSION);
            if let Some(items) = list["items"].as_array_mut() {
                for item in items.iter_mut() {
                    *item = hpa_to_v1(item);
                }
            }
            list
        }
        _ => v,
    }
}

/// An `autoscaling/v1` HorizontalPodAutoscaler written by a client as `autoscaling/v2`.
/// Anything but an `autoscaling/v1` HPA is returned unchanged (the usual kind check then
/// refuses it).
pub fn hpa_from_v1(v1: &Value) -> Value {
    if v1["apiVersion"] != GROUP_VERSION || v1["kind"] != "HorizontalPodAutoscaler" {
        return v1.clone();
    }
    let spec = &v1["spec"];
    let mut metadata = v1["metadata"].clone();
    let mut metrics: Vec<Value> = Vec::new();
    let mut behavior = Value::Null;
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        let parsed = |a: &Map<String, Value>, key: &str| {
            a.get(key)
                .and_then(Value::as_str)
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
        };
        // As upstream: an annotation that does not parse is left alone.
        if let Some(Value::Array(others)) = parsed(annotations, METRICS) {
            metrics.extend(others.iter().map(metric_spec_from_v1));
            annotations.remove(METRICS);
        }
        if let Some(b) = parsed(annotations, BEHAVIOR).filter(Value::is_object) {
            behavior = rename_keys(&b, &|k| with_first(k, false));
            annotations.remove(BEHAVIOR);
        }
        // Status is the controller's: dropped, as any status a client sends.
        for key in [CURRENT_METRICS, CONDITIONS] {
            if parsed(annotations, key).is_some() {
                annotations.remove(key);
            }
        }
        if annotations.is_empty() {
            if let Some(m) = metadata.as_object_mut() {
                m.remove("annotations");
            }
        }
    }
    if !spec["targetCPUUtilizationPercentage"].is_null() {
        metrics.push(json!({
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {
                    "type": "Utilization",
                    "averageUtilization": spec["targetCPUUtilizationPercentage"],
                },
            },
        }));
    }
    let mut v2_spec = Map::new();
    if let Some(fields) = spec.as_object() {
        for (k, v) in fields {
            // Unknown fields pass through, so strict decoding names them.
            if k != "targetCPUUtilizationPercentage" {
                v2_spec.insert(k.clone(), v.clone());
            }
        }
    }
    if !metrics.is_empty() {
        v2_spec.insert("metrics".into(), Value::Array(metrics));
    }
    if !behavior.is_null() {
        v2_spec.insert("behavior".into(), behavior);
    }
    let mut v2 = v1.clone();
    v2["apiVersion"] = json!(sim_core::objects::Kind::HorizontalPodAutoscaler.api_version());
    v2["metadata"] = metadata;
    v2["spec"] = Value::Object(v2_spec);
    if let Some(m) = v2.as_object_mut() {
        m.remove("status");
    }
    v2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(metrics: Value, current: Value) -> Value {
        json!({
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 5,
                "metrics": metrics,
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}},
            },
            "status": {"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": current},
        })
    }

    #[test]
    fn cpu_utilization_is_the_v1_target_and_the_rest_goes_to_annotations() {
        let hpa = v2(
            json!([
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
            ]),
            json!([
                {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "90Mi"}}},
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 70, "averageValue": "350m"}}},
            ]),
        );
        let v1 = hpa_to_v1(&hpa);
        assert_eq!(v1["apiVersion"], "autoscaling/v1");
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
        assert!(v1["spec"]["metrics"].is_null());
        assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 70);
        assert_eq!(v1["status"]["desiredReplicas"], 3);
        let annotations = &v1["metadata"]["annotations"];
        let others: Value =
            serde_json::from_str(annotations[METRICS].as_str().expect("metrics")).expect("json");
        assert_eq!(
            others,
            json!([{"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "100Mi"}}])
        );
        let current: Value =
            serde_json::from_str(annotations[CURRENT_METRICS].as_str().expect("current"))
                .expect("json");
        assert_eq!(current[1]["resource"]["currentAverageUtilization"], 70);
        assert_eq!(current[0]["resource"]["currentAverageValue"], "90Mi");
        assert_eq!(
            annotations[BEHAVIOR],
            json!("{\"ScaleDown\":{\"StabilizationWindowSeconds\":60}}")
        );

        // And back: the other metrics first, then the CPU target; the annotations lifted.
        let back = hpa_from_v1(&v1);
        assert_eq!(back["apiVersion"], "autoscaling/v2");
        assert_eq!(back["spec"]["metrics"][0], hpa["spec"]["metrics"][0]);
        assert_eq!(back["spec"]["metrics"][1], hpa["spec"]["metrics"][1]);
        assert_eq!(back["spec"]["behavior"], hpa["spec"]["behavior"]);
        assert!(back["metadata"]["annotations"].is_null(), "{back}");
        assert!(back["status"].is_null());
    }

    #[test]
    fn a_plain_v1_hpa_converts_both_ways() {
        let v1 = json!({
            "apiVersion": "autoscaling/v1",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "annotations": {"team": "a"}},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 50,
            },
        });
        let v2 = hpa_from_v1(&v1);
        assert_eq!(
            v2["spec"]["metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
        );
        assert_eq!(v2["metadata"]["annotations"], json!({"team": "a"}));
        let again = hpa_to_v1(&v2);
        assert_eq!(again["spec"], v1["spec"]);
        assert_eq!(again["metadata"]["annotations"], json!({"team": "a"}));
        // Other kinds and versions pass through untouched.
        let pod = json!({"apiVersion": "v1", "kind": "Pod"});
        assert_eq!(hpa_from_v1(&pod), pod);
        assert_eq!(to_v1(pod.clone()), pod);
    }
}
