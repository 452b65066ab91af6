//! `kubectl describe hpa` (kubectl's `describeHorizontalPodAutoscalerV2`).

use sim_core::objects::{
    format_decimal_milli, HorizontalPodAutoscaler, MetricSpec, MetricTarget, ScalingPolicyType,
    ScalingRules,
};

use super::Lines;

fn direction(out: &mut Lines, title: &str, rules: &ScalingRules) {
    out.line(1, &format!("{title}:"));
    if let Some(w) = rules.stabilization_window_seconds {
        out.line(2, &format!("Stabilization Window: {w} seconds"));
    }
    if !rules.policies.is_empty() {
        out.line(
            2,
            &format!("Select Policy: {}", rules.select_policy.as_str()),
        );
        out.line(2, "Policies:");
        for p in &rules.policies {
            let type_ = match p.type_ {
                ScalingPolicyType::Pods => "Pods",
                ScalingPolicyType::Percent => "Percent",
            };
            out.line(
                3,
                &format!(
                    "- Type: {type_}\tValue: {}\tPeriod: {} seconds",
                    p.value, p.period_seconds
                ),
            );
        }
    }
}

pub(super) fn describe_hpa(hpa: &HorizontalPodAutoscaler, out: &mut Lines) {
    out.field(0, "Name", &hpa.meta.name);
    out.field(0, "Namespace", &hpa.meta.namespace);
    let r = &hpa.scale_target_ref;
    out.field(0, "Reference", format!("{}/{}", r.kind, r.name));
    out.field(0, "Metrics", "( current / target )");
    for (i, spec) in hpa.metrics.iter().enumerate() {
        let status = hpa.status.current_metrics.get(i).and_then(Option::as_ref);
        let (subject, target) = match spec {
            MetricSpec::Pods {
                metric,
                average_value_milli,
            } => {
                let current = status.map_or("<unknown>".to_string(), |s| {
                    format_decimal_milli(s.average_value_milli)
                });
                out.line(
                    1,
                    &format!(
                        "{metric:?} on pods:\t{current} / {}",
                        format_decimal_milli(*average_value_milli)
                    ),
                );
                continue;
            }
            MetricSpec::Resource { name, target } => {
                (format!("resource {} on pods", name.as_str()), target)
            }
            MetricSpec::ContainerResource {
                name,
                container,
                target,
            } => (
                format!(
                    "resource {} of container {container:?} on pods",
                    name.as_str()
                ),
                target,
            ),
        };
        match target {
            MetricTarget::AverageValue(v) => {
                let current = status.map_or("<unknown>".to_string(), |s| {
                    format_decimal_milli(s.average_value_milli)
                });
                out.line(
                    1,
                    &format!("{subject}:\t{current} / {}", format_decimal_milli(*v)),
                );
            }
            MetricTarget::Utilization(u) => {
                let current = status
                    .and_then(|s| {
                        s.average_utilization.map(|c| {
                            format!("{c}% ({})", format_decimal_milli(s.average_value_milli))
                        })
                    })
                    .unwrap_or_else(|| "<unknown>".to_string());
                out.line(
                    1,
                    &format!("{subject}  (as a percentage of request):\t{current} / {u}%"),
                );
            }
        }
    }
    out.field(0, "Min replicas", hpa.min_replicas);
    out.field(0, "Max replicas", hpa.max_replicas);
    if let Some(b) = &hpa.behavior {
        out.line(0, "Behavior:");
        direction(out, "Scale Up", &b.scale_up);
        direction(out, "Scale Down", &b.scale_down);
    }
    out.field(
        0,
        &format!("{} pods", r.kind),
        format!(
            "{} current / {} desired",
            hpa.status.current_replicas, hpa.status.desired_replicas
        ),
    );
    if !hpa.status.conditions.is_empty() {
        out.line(0, "Conditions:");
        out.line(1, "Type\tStatus\tReason\tMessage");
        out.line(1, "----\t------\t------\t-------");
        for c in &hpa.status.conditions {
            out.line(
                1,
                &format!(
                    "{}\t{}\t{}\t{}",
                    c.type_.as_str(),
                    c.status.as_str(),
                    c.reason,
                    c.message
                ),
            );
        }
    }
}
