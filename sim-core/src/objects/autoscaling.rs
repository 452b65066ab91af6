//! `autoscaling/v2` HorizontalPodAutoscaler (k8s-semantics §5). autoscaling/v1 manifests
//! are converted to this shape at the edge (their `targetCPUUtilizationPercentage` becomes
//! a `Resource` cpu metric, and `behavior` stays nil).

use crate::time::SimTime;

use super::{ConditionStatus, Kind, ObjectMeta};

/// `spec.scaleTargetRef`: the object whose scale subresource the HPA drives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleTargetRef {
    /// `kind` (Deployment, ReplicaSet or StatefulSet; others fail `FailedGetScale`).
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `apiVersion` as written (`apps/v1`).
    pub api_version: String,
}

impl ScaleTargetRef {
    /// The engine kind, when it has a scale subresource kubesim models.
    pub fn scalable_kind(&self) -> Option<Kind> {
        match self.kind.as_str() {
            "Deployment" => Some(Kind::Deployment),
            "ReplicaSet" => Some(Kind::ReplicaSet),
            "StatefulSet" => Some(Kind::StatefulSet),
            _ => None,
        }
    }
}

/// A resource a `Resource`/`ContainerResource` metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MetricResource {
    /// `cpu` (millicores).
    Cpu,
    /// `memory` (bytes).
    Memory,
}

impl MetricResource {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricResource::Cpu => "cpu",
            MetricResource::Memory => "memory",
        }
    }
}

/// `target` of a metric, in the units the controller computes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricTarget {
    /// `type: Utilization`, `averageUtilization` (percent of the request).
    Utilization(u32),
    /// `type: AverageValue`, `averageValue` in milli-units (`MilliValue()`).
    AverageValue(u64),
}

/// `spec.metrics[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricSpec {
    /// `type: Resource`: a resource of the whole pod (every container summed).
    Resource {
        /// cpu or memory.
        name: MetricResource,
        /// The target.
        target: MetricTarget,
    },
    /// `type: ContainerResource`: a resource of one container of each pod.
    ContainerResource {
        /// cpu or memory.
        name: MetricResource,
        /// The container.
        container: String,
        /// The target.
        target: MetricTarget,
    },
    /// `type: Pods`: a custom per-pod metric, averaged (`averageValue` only).
    Pods {
        /// `metric.name`.
        metric: String,
        /// Target average, in milli-units.
        average_value_milli: u64,
    },
}

impl MetricSpec {
    /// The API `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            MetricSpec::Resource { .. } => "Resource",
            MetricSpec::ContainerResource { .. } => "ContainerResource",
            MetricSpec::Pods { .. } => "Pods",
        }
    }
}

/// `selectPolicy` of scaling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelectPolicy {
    /// `Max`: the policy allowing the largest change (the default).
    #[default]
    Max,
    /// `Min`: the policy allowing the smallest change.
    Min,
    /// `Disabled`: no scaling in this direction.
    Disabled,
}

impl SelectPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SelectPolicy::Max => "Max",
            SelectPolicy::Min => "Min",
            SelectPolicy::Disabled => "Disabled",
        }
    }
}

/// `type` of a scaling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingPolicyType {
    /// `Pods`: an absolute number of pods per period.
    Pods,
    /// `Percent`: a percentage of the replicas at the start of the period.
    Percent,
}

/// `policies[]` of scaling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// `type`.
    pub type_: ScalingPolicyType,
    /// `value` (> 0).
    pub value: u32,
    /// `periodSeconds` (1..=1800).
    pub period_seconds: u32,
}

/// `behavior.scaleUp` / `behavior.scaleDown`, after the API server's defaulting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`; `None` for a scale-down window left to the
    /// controller's `--horizontal-pod-autoscaler-downscale-stabilization` (300 s).
    pub stabilization_window_seconds: Option<u32>,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` in milli-units (`0.05` ⇒ 50); `None` ⇒ the controller's 0.1
    /// (HPAConfigurableTolerance, beta and on in 1.35+).
    pub tolerance_milli: Option<u64>,
}

impl ScalingRules {
    /// The API server's default scale-up rules: no stabilization, max(+4 pods, +100 %)
    /// per 15 s (k8s-semantics §5.9).
    pub fn default_scale_up() -> ScalingRules {
        ScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy {
                    type_: ScalingPolicyType::Pods,
                    value: 4,
                    period_seconds: 15,
                },
                ScalingPolicy {
                    type_: ScalingPolicyType::Percent,
                    value: 100,
                    period_seconds: 15,
                },
            ],
            tolerance_milli: None,
        }
    }

    /// The API server's default scale-down rules: −100 % per 15 s, window left to the
    /// controller.
    pub fn default_scale_down() -> ScalingRules {
        ScalingRules {
            stabilization_window_seconds: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy {
                type_: ScalingPolicyType::Percent,
                value: 100,
                period_seconds: 15,
            }],
            tolerance_milli: None,
        }
    }
}

/// `spec.behavior`, both directions defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaBehavior {
    /// `scaleUp`.
    pub scale_up: ScalingRules,
    /// `scaleDown`.
    pub scale_down: ScalingRules,
}

/// `status.currentMetrics[]`: what the last sync read for one metric spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricStatus {
    /// `current.averageUtilization` (Utilization targets).
    pub average_utilization: Option<u32>,
    /// `current.averageValue` in milli-units.
    pub average_value_milli: u64,
}

/// An HPA condition type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HpaConditionType {
    /// `AbleToScale`
    AbleToScale,
    /// `ScalingActive`
    ScalingActive,
    /// `ScalingLimited`
    ScalingLimited,
}

impl HpaConditionType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HpaConditionType::AbleToScale => "AbleToScale",
            HpaConditionType::ScalingActive => "ScalingActive",
            HpaConditionType::ScalingLimited => "ScalingLimited",
        }
    }
}

/// `status.conditions[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaCondition {
    /// Type.
    pub type_: HpaConditionType,
    /// True/False.
    pub status: ConditionStatus,
    /// Reason (`SucceededRescale`, `ValidMetricFound`, `DesiredWithinRange`, ...).
    pub reason: String,
    /// Message, the controller's words.
    pub message: String,
    /// When `status` last changed.
    pub last_transition_time: SimTime,
}

/// `status` of an HPA, written by the controller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HpaStatus {
    /// `observedGeneration`: the controller's `setStatus` rebuilds the status without it,
    /// so it stays unset, as in Kubernetes.
    pub observed_generation: Option<u64>,
    /// `lastScaleTime`.
    pub last_scale_time: Option<SimTime>,
    /// `currentReplicas`.
    pub current_replicas: u32,
    /// `desiredReplicas`.
    pub desired_replicas: u32,
    /// `currentMetrics`, one per spec metric; `None` where the metric could not be read.
    pub current_metrics: Vec<Option<MetricStatus>>,
    /// `conditions`, in the order the controller first set them.
    pub conditions: Vec<HpaCondition>,
}

impl HpaStatus {
    /// The condition of type `t`.
    pub fn condition(&self, t: HpaConditionType) -> Option<&HpaCondition> {
        self.conditions.iter().find(|c| c.type_ == t)
    }

    /// `setCondition`: the transition time moves only when the status changes.
    pub fn set_condition(
        &mut self,
        t: HpaConditionType,
        status: ConditionStatus,
        reason: &str,
        message: String,
        now: SimTime,
    ) {
        if let Some(c) = self.conditions.iter_mut().find(|c| c.type_ == t) {
            if c.status != status {
                c.last_transition_time = now;
            }
            c.status = status;
            c.reason = reason.to_string();
            c.message = message;
            return;
        }
        self.conditions.push(HpaCondition {
            type_: t,
            status,
            reason: reason.to_string(),
            message,
            last_transition_time: now,
        });
    }
}

/// `autoscaling/v2/HorizontalPodAutoscaler`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HorizontalPodAutoscaler {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.scaleTargetRef`.
    pub scale_target_ref: ScaleTargetRef,
    /// `spec.minReplicas` (default 1).
    pub min_replicas: u32,
    /// `spec.maxReplicas`.
    pub max_replicas: u32,
    /// `spec.metrics` (default: cpu at 80 % utilization).
    pub metrics: Vec<MetricSpec>,
    /// `spec.behavior`; `None` runs the legacy path (k8s-semantics §5.10).
    pub behavior: Option<HpaBehavior>,
    /// Status.
    pub status: HpaStatus,
}

/// Formats milli-units as a DecimalSI quantity, as `resource.Quantity.String()` does
/// (`400m`, `1`, `1500m`, `100k`, `104857600`).
pub fn format_decimal_milli(milli: u64) -> String {
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    let mut value = milli / 1000;
    if value == 0 {
        return "0".to_string();
    }
    let mut suffix = "";
    for s in ["k", "M", "G", "T", "P", "E"] {
        if value % 1000 != 0 {
            break;
        }
        value /= 1000;
        suffix = s;
    }
    format!("{value}{suffix}")
}
