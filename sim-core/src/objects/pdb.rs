//! `policy/v1` PodDisruptionBudget (k8s-semantics §6): the budget the disruption controller
//! keeps a status for, and that preemption tries not to violate (§9.8).

use std::collections::BTreeMap;

use crate::disruption::DisruptionBudget;
use crate::selector::LabelSelector;
use crate::time::SimTime;

use super::{ConditionStatus, ObjectMeta};

/// `spec.unhealthyPodEvictionPolicy` of a PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnhealthyPodEvictionPolicy {
    /// `IfHealthyBudget` (the behaviour when unset): not-Ready running pods are evicted only
    /// while the application is not disrupted (`currentHealthy >= desiredHealthy`).
    #[default]
    IfHealthyBudget,
    /// `AlwaysAllow`: not-Ready running pods may always be evicted.
    AlwaysAllow,
}

impl UnhealthyPodEvictionPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UnhealthyPodEvictionPolicy::IfHealthyBudget => "IfHealthyBudget",
            UnhealthyPodEvictionPolicy::AlwaysAllow => "AlwaysAllow",
        }
    }
}

/// A `status.conditions[]` entry of a PodDisruptionBudget (`DisruptionAllowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdbCondition {
    /// Condition type (`DisruptionAllowed`).
    pub type_: String,
    /// True/False.
    pub status: ConditionStatus,
    /// `SufficientPods`, `InsufficientPods` or `SyncFailed`.
    pub reason: String,
    /// Human-readable detail (empty for the controller's own conditions).
    pub message: String,
    /// When `status` last changed.
    pub last_transition_time: SimTime,
    /// The generation the condition was computed for.
    pub observed_generation: u64,
}

/// `status` of a PodDisruptionBudget, kept by the disruption controller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdbStatus {
    /// `observedGeneration`: the spec generation this status was computed for.
    pub observed_generation: u64,
    /// `disruptedPods`: pods evicted but not yet gone, by name, with the eviction time.
    pub disrupted_pods: BTreeMap<String, SimTime>,
    /// `disruptionsAllowed`.
    pub disruptions_allowed: u32,
    /// `currentHealthy`.
    pub current_healthy: u32,
    /// `desiredHealthy`.
    pub desired_healthy: u32,
    /// `expectedPods`.
    pub expected_pods: u32,
    /// `conditions` (`DisruptionAllowed`).
    pub conditions: Vec<PdbCondition>,
}

/// `policy/v1/PodDisruptionBudget`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodDisruptionBudget {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.minAvailable` or `spec.maxUnavailable` (exactly one, validated at the edge).
    pub budget: DisruptionBudget,
    /// `spec.selector`; `None` (absent) selects no pods, an empty selector every pod of the
    /// namespace (policy/v1 semantics).
    pub selector: Option<LabelSelector>,
    /// `spec.unhealthyPodEvictionPolicy`; `None` when unset (behaves as IfHealthyBudget).
    pub unhealthy_pod_eviction_policy: Option<UnhealthyPodEvictionPolicy>,
    /// Status, kept by the disruption controller.
    pub status: PdbStatus,
}

/// The `DisruptionAllowed` condition type.
pub const DISRUPTION_ALLOWED: &str = "DisruptionAllowed";

impl PodDisruptionBudget {
    /// Whether the budget selects the pod with these labels in `namespace`.
    pub fn selects(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        self.meta.namespace == namespace
            && self
                .selector
                .as_ref()
                .is_some_and(|selector| selector.matches(labels))
    }

    /// The `DisruptionAllowed` condition, if the controller set one.
    pub fn condition(&self) -> Option<&PdbCondition> {
        self.status
            .conditions
            .iter()
            .find(|c| c.type_ == DISRUPTION_ALLOWED)
    }
}
