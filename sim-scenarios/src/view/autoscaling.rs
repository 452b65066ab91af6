//! HorizontalPodAutoscalers as the API returns them (`autoscaling/v2`).

use serde_json::{json, Map, Value};
use sim_core::objects::{
    format_decimal_milli, HorizontalPodAutoscaler, Kind, MetricSpec, MetricStatus, MetricTarget,
    ScalingPolicyType, ScalingRules,
};

use super::{metadata_to_json, put, rfc3339};

fn target_to_json(target: MetricTarget) -> Value {
    match target {
        MetricTarget::Utilization(u) => json!({"type": "Utilization", "averageUtilization": u}),
        MetricTarget::AverageValue(v) => {
            json!({"type": "AverageValue", "averageValue": format_decimal_milli(v)})
        }
    }
}

fn metric_spec_to_json(spec: &MetricSpec) -> Value {
    match spec {
        MetricSpec::Resource { name, target } => json!({
            "type": "Resource",
            "resource": {"name": name.as_str(), "target": target_to_json(*target)},
        }),
        MetricSpec::ContainerResource {
            name,
            container,
            target,
        } => json!({
            "type": "ContainerResource",
            "containerResource": {
                "name": name.as_str(),
                "container": container,
                "target": target_to_json(*target),
            },
        }),
        MetricSpec::Pods {
            metric,
            average_value_milli,
        } => json!({
            "type": "Pods",
            "pods": {
                "metric": {"name": metric},
                "target": {"type": "AverageValue", "averageValue": format_decimal_milli(*average_value_milli)},
            },
        }),
    }
}

fn current_to_json(status: &MetricStatus) -> Value {
    let mut current = Map::new();
    put(
        &mut current,
        "averageUtilization",
        status.average_utilization,
    );
    put(
        &mut current,
        "averageValue",
        format_decimal_milli(status.average_value_milli),
    );
    Value::Object(current)
}

/// `status.currentMetrics[i]`; a metric that could not be read is an entry with an empty
/// type, as the controller writes it.
fn metric_status_to_json(spec: &MetricSpec, status: Option<&MetricStatus>) -> Value {
    let Some(status) = status else {
        return json!({"type": ""});
    };
    match spec {
        MetricSpec::Resource { name, .. } => json!({
            "type": "Resource",
            "resource": {"name": name.as_str(), "current": current_to_json(status)},
        }),
        MetricSpec::ContainerResource {
            name, container, ..
        } => json!({
            "type": "ContainerResource",
            "containerResource": {
                "name": name.as_str(),
                "container": container,
                "current": current_to_json(status),
            },
        }),
        MetricSpec::Pods { metric, .. } => json!({
            "type": "Pods",
            "pods": {"metric": {"name": metric}, "current": current_to_json(status)},
        }),
    }
}

fn rules_to_json(rules: &ScalingRules) -> Value {
    let mut out = Map::new();
    put(
        &mut out,
        "stabilizationWindowSeconds",
        rules.stabilization_window_seconds,
    );
    put(&mut out, "selectPolicy", rules.select_policy.as_str());
    let policies: Vec<Value> = rules
        .policies
        .iter()
        .map(|p| {
            json!({
                "type": match p.type_ {
                    ScalingPolicyType::Pods => "Pods",
                    ScalingPolicyType::Percent => "Percent",
                },
                "value": p.value,
                "periodSeconds": p.period_seconds,
            })
        })
        .collect();
    put(&mut out, "policies", policies);
    put(
        &mut out,
        "tolerance",
        rules.tolerance_milli.map(format_decimal_milli),
    );
    Value::Object(out)
}

/// A HorizontalPodAutoscaler with the status its controller keeps.
pub fn hpa_to_json(hpa: &HorizontalPodAutoscaler) -> Value {
    let mut target = Map::new();
    put(
        &mut target,
        "apiVersion",
        hpa.scale_target_ref.api_version.as_str(),
    );
    put(&mut target, "kind", hpa.scale_target_ref.kind.as_str());
    put(&mut target, "name", hpa.scale_target_ref.name.as_str());
    let mut spec = Map::new();
    spec.insert("scaleTargetRef".to_string(), Value::Object(target));
    put(&mut spec, "minReplicas", hpa.min_replicas);
    put(&mut spec, "maxReplicas", hpa.max_replicas);
    let metrics: Vec<Value> = hpa.metrics.iter().map(metric_spec_to_json).collect();
    put(&mut spec, "metrics", metrics);
    if let Some(b) = &hpa.behavior {
        put(
            &mut spec,
            "behavior",
            json!({"scaleUp": rules_to_json(&b.scale_up), "scaleDown": rules_to_json(&b.scale_down)}),
        );
    }
    let s = &hpa.status;
    let mut status = Map::new();
    put(&mut status, "observedGeneration", s.observed_generation);
    put(&mut status, "lastScaleTime", s.last_scale_time.map(rfc3339));
    status.insert("currentReplicas".to_string(), s.current_replicas.into());
    status.insert("desiredReplicas".to_string(), s.desired_replicas.into());
    let current: Vec<Value> = hpa
        .metrics
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            metric_status_to_json(spec, s.current_metrics.get(i).and_then(Option::as_ref))
        })
        .take(s.current_metrics.len())
        .collect();
    put(&mut status, "currentMetrics", current);
    let conditions: Vec<Value> = s
        .conditions
        .iter()
        .map(|c| {
            json!({
                "type": c.type_.as_str(),
                "status": c.status.as_str(),
                "reason": c.reason,
                "message": c.message,
                "lastTransitionTime": rfc3339(c.last_transition_time),
            })
        })
        .collect();
    put(&mut status, "conditions", conditions);
    json!({
        "apiVersion": Kind::HorizontalPodAutoscaler.api_version(),
        "kind": Kind::HorizontalPodAutoscaler.name(),
        "metadata": metadata_to_json(&hpa.meta, Kind::HorizontalPodAutoscaler),
        "spec": spec,
        "status": status,
    })
}
