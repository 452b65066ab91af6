//! HorizontalPodAutoscaler manifests (autoscaling/v2 and v1) → the engine's v2 shape, with
//! the API server's defaulting (`SetDefaults_HorizontalPodAutoscaler`,
//! `GenerateHPAScaleUpRules`/`GenerateHPAScaleDownRules`) and validation
//! (`pkg/apis/autoscaling/validation`), k8s-semantics §5.7–5.9.

use k8s_openapi::api::autoscaling::{v1, v2};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use sim_core::objects::{
    HorizontalPodAutoscaler, HpaBehavior, HpaStatus, Kind, MetricResource, MetricSpec,
    MetricTarget, ScaleTargetRef, ScalingPolicy, ScalingPolicyType, ScalingRules, SelectPolicy,
};

use crate::quantity::parse_quantity;

use super::{invalid, not_supported, quoted, required, Checker};

/// `MaxPeriodSeconds` of a scaling policy.
const MAX_PERIOD_SECONDS: i32 = 1800;
/// `MaxStabilizationWindowSeconds`.
const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Default CPU utilization target when no metric is given (§5.8).
const DEFAULT_CPU_UTILIZATION: u32 = 80;

impl Checker<'_> {
    pub(super) fn horizontal_pod_autoscaler(
        &mut self,
        hpa: &v2::HorizontalPodAutoscaler,
    ) -> HorizontalPodAutoscaler {
        let meta = self.meta(&hpa.metadata, Kind::HorizontalPodAutoscaler);
        let spec = hpa.spec.clone();
        let target = &spec.scale_target_ref;
        let scale_target_ref = self.scale_target_ref(
            &target.kind,
            &target.name,
            target.api_version.as_deref().unwrap_or(""),
        );
        let (min_replicas, max_replicas) =
            self.replica_bounds(spec.min_replicas, spec.max_replicas);
        let metrics = match &spec.metrics {
            None => vec![default_cpu_metric()],
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(i, m)| self.metric_spec(m, &format!("spec.metrics[{i}]")))
                .collect(),
        };
        let behavior = spec.behavior.as_ref().map(|b| HpaBehavior {
            scale_up: self.scaling_rules(
                b.scale_up.as_ref(),
                ScalingRules::default_scale_up(),
                "spec.behavior.scaleUp",
            ),
            scale_down: self.scaling_rules(
                b.scale_down.as_ref(),
                ScalingRules::default_scale_down(),
                "spec.behavior.scaleDown",
            ),
        });
        HorizontalPodAutoscaler {
            meta,
            scale_target_ref,
            min_replicas,
            max_replicas,
            metrics,
            behavior,
            status: HpaStatus::default(),
        }
    }

    /// An autoscaling/v1 HPA, converted as the API server converts it to v2: the CPU target
    /// becomes a Resource metric; `behavior` stays nil (the legacy path, §5.10).
    pub(super) fn horizontal_pod_autoscaler_v1(
        &mut self,
        hpa: &v1::HorizontalPodAutoscaler,
    ) -> HorizontalPodAutoscaler {
        let meta = self.meta(&hpa.metadata, Kind::HorizontalPodAutoscaler);
        let spec = hpa.spec.clone();
        let target = &spec.scale_target_ref;
        let scale_target_ref = self.scale_target_ref(
            &target.kind,
            &target.name,
            target.api_version.as_deref().unwrap_or(""),
        );
        let (min_replicas, max_replicas) =
            self.replica_bounds(spec.min_replicas, spec.max_replicas);
        let utilization = match spec.target_cpu_utilization_percentage {
            None => DEFAULT_CPU_UTILIZATION,
            Some(p) if p < 1 => {
                self.error(
                    "spec.targetCPUUtilizationPercentage",
                    invalid(p, "must be greater than 0"),
                );
                DEFAULT_CPU_UTILIZATION
            }
            Some(p) => p.unsigned_abs(),
        };
        HorizontalPodAutoscaler {
            meta,
            scale_target_ref,
            min_replicas,
            max_replicas,
            metrics: vec![MetricSpec::Resource {
                name: MetricResource::Cpu,
                target: MetricTarget::Utilization(utilization),
            }],
            behavior: None,
            status: HpaStatus::default(),
        }
    }

    fn scale_target_ref(&mut self, kind: &str, name: &str, api_version: &str) -> ScaleTargetRef {
        if kind.is_empty() {
            self.error("spec.scaleTargetRef.kind", "Required value");
        }
        if name.is_empty() {
            self.error("spec.scaleTargetRef.name", "Required value");
        }
        ScaleTargetRef {
            kind: kind.to_string(),
            name: name.to_string(),
            api_version: api_version.to_string(),
        }
    }

    /// `minReplicas` (default 1, at least 1) and `maxReplicas` (at least 1 and at least
    /// `minReplicas`).
    fn replica_bounds(&mut self, min: Option<i32>, max: i32) -> (u32, u32) {
        let min_value = min.unwrap_or(1);
        if min_value < 1 {
            self.error(
                "spec.minReplicas",
                invalid(min_value, "must be greater than or equal to 1"),
            );
        }
        if max < 1 {
            self.error("spec.maxReplicas", invalid(max, "must be greater than 0"));
        }
        if min.is_some() && max < min_value {
            self.error(
                "spec.maxReplicas",
                invalid(max, "must be greater than or equal to `minReplicas`"),
            );
        }
        (
            u32::try_from(min_value.max(1)).unwrap_or(1),
            u32::try_from(max.max(1)).unwrap_or(1),
        )
    }

    fn metric_spec(&mut self, m: &v2::MetricSpec, path: &str) -> Option<MetricSpec> {
        const TYPES: [&str; 5] = [
            "ContainerResource",
            "External",
            "Object",
            "Pods",
            "Resource",
        ];
        let type_path = format!("{path}.type");
        let present = [
            ("resource", m.resource.is_some()),
            ("containerResource", m.container_resource.is_some()),
            ("pods", m.pods.is_some()),
            ("object", m.object.is_some()),
            ("external", m.external.is_some()),
        ];
        let expected = match m.type_.as_str() {
            "" => {
                self.error(&type_path, required("must specify a metric source type"));
                return None;
            }
            "Resource" => "resource",
            "ContainerResource" => "containerResource",
            "Pods" => "pods",
            "Object" | "External" => {
                self.error(
                    &type_path,
                    format!(
                        "kubesim does not simulate {} metrics (they come from outside the \
                         cluster); use Resource, ContainerResource or Pods",
                        m.type_
                    ),
                );
                return None;
            }
            other => {
                self.error(&type_path, not_supported(other, &TYPES));
                return None;
            }
        };
        for (field, is_present) in present {
            if is_present && field != expected {
                self.error(
                    &format!("{path}.{field}"),
                    "Forbidden: must populate the given metric source only",
                );
            }
        }
        let missing = || required("must populate information for the given metric source");
        match expected {
            "resource" => {
                let Some(src) = &m.resource else {
                    self.error(&format!("{path}.resource"), missing());
                    return None;
                };
                let p = format!("{path}.resource");
                let name = self.metric_resource(&src.name, &p)?;
                let target = self.resource_target(&src.target, &format!("{p}.target"))?;
                Some(MetricSpec::Resource { name, target })
            }
            "containerResource" => {
                let Some(src) = &m.container_resource else {
                    self.error(&format!("{path}.containerResource"), missing());
                    return None;
                };
                let p = format!("{path}.containerResource");
                if src.container.is_empty() {
                    self.error(
                        &format!("{p}.container"),
                        required("must specify a container"),
                    );
                }
                let name = self.metric_resource(&src.name, &p)?;
                let target = self.resource_target(&src.target, &format!("{p}.target"))?;
                Some(MetricSpec::ContainerResource {
                    name,
                    container: src.container.clone(),
                    target,
                })
            }
            _ => {
                let Some(src) = &m.pods else {
                    self.error(&format!("{path}.pods"), missing());
                    return None;
                };
                let p = format!("{path}.pods");
                if src.metric.name.is_empty() {
                    self.error(
                        &format!("{p}.metric.name"),
                        required("must specify a metric name"),
                    );
                }
                self.target_common(&src.target, &format!("{p}.target"));
                let Some(value) = &src.target.average_value else {
                    self.error(
                        &format!("{p}.target.averageValue"),
                        required("must specify a positive target averageValue"),
                    );
                    return None;
                };
                let value = self.positive_quantity(value, &format!("{p}.target.averageValue"))?;
                Some(MetricSpec::Pods {
                    metric: src.metric.name.clone(),
                    average_value_milli: value,
                })
            }
        }
    }

    fn metric_resource(&mut self, name: &str, path: &str) -> Option<MetricResource> {
        match name {
            "cpu" => Some(MetricResource::Cpu),
            "memory" => Some(MetricResource::Memory),
            "" => {
                self.error(
                    &format!("{path}.name"),
                    required("must specify a resource name"),
                );
                None
            }
            other => {
                self.error(
                    &format!("{path}.name"),
                    format!(
                        "kubesim's metrics API serves `cpu` and `memory` (as metrics-server \
                         does); found {}",
                        quoted(other)
                    ),
                );
                None
            }
        }
    }

    /// `validateMetricTarget`.
    fn target_common(&mut self, t: &v2::MetricTarget, path: &str) {
        match t.type_.as_str() {
            "" => self.error(
                &format!("{path}.type"),
                required("must specify a metric target type"),
            ),
            "Utilization" | "Value" | "AverageValue" => {}
            other => self.error(
                &format!("{path}.type"),
                invalid(
                    quoted(other),
                    "must be either Utilization, Value, or AverageValue",
                ),
            ),
        }
        if let Some(u) = t.average_utilization {
            if u < 1 {
                self.error(
                    &format!("{path}.averageUtilization"),
                    invalid(u, "must be greater than 0"),
                );
            }
        }
    }

    fn resource_target(&mut self, t: &v2::MetricTarget, path: &str) -> Option<MetricTarget> {
        self.target_common(t, path);
        match (t.average_utilization, &t.average_value) {
            (None, None) => {
                self.error(
                    &format!("{path}.averageUtilization"),
                    required("must set either a target raw value or a target utilization"),
                );
                None
            }
            (Some(_), Some(v)) => {
                self.error(
                    &format!("{path}.averageValue"),
                    invalid(
                        quoted(&v.0),
                        "may not set both a target raw value and a target utilization",
                    ),
                );
                None
            }
            (Some(u), None) => Some(MetricTarget::Utilization(u.max(1).unsigned_abs())),
            (None, Some(v)) => self
                .positive_quantity(v, &format!("{path}.averageValue"))
                .map(MetricTarget::AverageValue),
        }
    }

    /// A positive quantity, in milli-units.
    fn positive_quantity(&mut self, q: &ApiQuantity, path: &str) -> Option<u64> {
        match parse_quantity(&q.0) {
            Ok(parsed) if !parsed.is_negative() && parsed.milli_value_ceil() > 0 => {
                Some(parsed.milli_value_ceil())
            }
            Ok(_) => {
                self.error(path, invalid(quoted(&q.0), "must be positive"));
                None
            }
            Err(e) => {
                self.error(path, e.to_string());
                None
            }
        }
    }

    /// `behavior.scaleUp`/`scaleDown`: the user's fields over the defaults, validated.
    fn scaling_rules(
        &mut self,
        rules: Option<&v2::HPAScalingRules>,
        defaults: ScalingRules,
        path: &str,
    ) -> ScalingRules {
        let Some(rules) = rules else {
            return defaults;
        };
        let mut out = defaults;
        if let Some(w) = rules.stabilization_window_seconds {
            let p = format!("{path}.stabilizationWindowSeconds");
            if w < 0 {
                self.error(&p, invalid(w, "must be greater than or equal to zero"));
            } else if w > MAX_STABILIZATION_WINDOW_SECONDS {
                self.error(
                    &p,
                    invalid(
                        w,
                        &format!(
                            "must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"
                        ),
                    ),
                );
            } else {
                out.stabilization_window_seconds = Some(w.unsigned_abs());
            }
        }
        if let Some(policy) = &rules.select_policy {
            out.select_policy = match policy.as_str() {
                "Max" => SelectPolicy::Max,
                "Min" => SelectPolicy::Min,
                "Disabled" => SelectPolicy::Disabled,
                other => {
                    self.error(
                        &format!("{path}.selectPolicy"),
                        not_supported(other, &["Disabled", "Max", "Min"]),
                    );
                    SelectPolicy::Max
                }
            };
        }
        if let Some(policies) = &rules.policies {
            let p = format!("{path}.policies");
            if policies.is_empty() {
                self.error(&p, required("must specify at least one Policy"));
            }
            out.policies = policies
                .iter()
                .enumerate()
                .filter_map(|(i, policy)| self.scaling_policy(policy, &format!("{p}[{i}]")))
                .collect();
        }
        if let Some(t) = &rules.tolerance {
            let p = format!("{path}.tolerance");
            match parse_quantity(&t.0) {
                Ok(q) if q.is_negative() => self.error(
                    &p,
                    invalid(quoted(&t.0), "must be greater or equal to zero"),
                ),
                Ok(q) => out.tolerance_milli = Some(q.milli_value_ceil()),
                Err(e) => self.error(&p, e.to_string()),
            }
        }
        out
    }

    fn scaling_policy(&mut self, p: &v2::HPAScalingPolicy, path: &str) -> Option<ScalingPolicy> {
        let type_ = match p.type_.as_str() {
            "Pods" => Some(ScalingPolicyType::Pods),
            "Percent" => Some(ScalingPolicyType::Percent),
            other => {
                self.error(
                    &format!("{path}.type"),
                    not_supported(other, &["Percent", "Pods"]),
                );
                None
            }
        };
        let mut ok = true;
        if p.value <= 0 {
            self.error(
                &format!("{path}.value"),
                invalid(p.value, "must be greater than zero"),
            );
            ok = false;
        }
        if p.period_seconds <= 0 {
            self.error(
                &format!("{path}.periodSeconds"),
                invalid(p.period_seconds, "must be greater than zero"),
            );
            ok = false;
        } else if p.period_seconds > MAX_PERIOD_SECONDS {
            self.error(
                &format!("{path}.periodSeconds"),
                invalid(
                    p.period_seconds,
                    &format!("must be less than or equal to {MAX_PERIOD_SECONDS}"),
                ),
            );
            ok = false;
        }
        let type_ = type_?;
        ok.then_some(ScalingPolicy {
            type_,
            value: p.value.unsigned_abs(),
            period_seconds: p.period_seconds.unsigned_abs(),
        })
    }
}

fn default_cpu_metric() -> MetricSpec {
    MetricSpec::Resource {
        name: MetricResource::Cpu,
        target: MetricTarget::Utilization(DEFAULT_CPU_UTILIZATION),
    }
}
