//! `policy/v1` PodDisruptionBudget: validation (`ValidatePodDisruptionBudgetSpec`), with
//! Kubernetes' messages after the field path (k8s-semantics §6.1). policy/v1 has no
//! defaulting: an absent selector selects nothing, an empty one every pod of the namespace.

use k8s_openapi::api::policy::v1 as policy;
use sim_core::disruption::DisruptionBudget;
use sim_core::objects::{
    IntOrPercent, Kind, PdbStatus, PodDisruptionBudget, UnhealthyPodEvictionPolicy,
};

use super::{invalid, not_supported, quoted, required, Checker};

impl Checker<'_> {
    pub(super) fn pod_disruption_budget(
        &mut self,
        pdb: &policy::PodDisruptionBudget,
    ) -> PodDisruptionBudget {
        let meta = self.meta(&pdb.metadata, Kind::PodDisruptionBudget);
        let spec = pdb.spec.clone().unwrap_or_default();
        let min = spec
            .min_available
            .as_ref()
            .and_then(|v| self.pdb_amount(v, "spec.minAvailable"));
        let max = spec
            .max_unavailable
            .as_ref()
            .and_then(|v| self.pdb_amount(v, "spec.maxUnavailable"));
        let budget = match (&spec.min_available, &spec.max_unavailable) {
            (Some(_), Some(_)) => {
                self.error(
                    "spec",
                    invalid(
                        "{minAvailable, maxUnavailable}",
                        "minAvailable and maxUnavailable cannot be both set",
                    ),
                );
                None
            }
            (None, None) => {
                // Kubernetes accepts such a budget (it then allows no disruption at all);
                // kubesim asks for an explicit one.
                self.error(
                    "spec.minAvailable",
                    required(
                        "one of spec.minAvailable or spec.maxUnavailable (kubesim does not \
                         simulate a budget with neither)",
                    ),
                );
                None
            }
            (Some(_), None) => min.map(DisruptionBudget::MinAvailable),
            (None, Some(_)) => max.map(DisruptionBudget::MaxUnavailable),
        };
        let selector = spec
            .selector
            .as_ref()
            .map(|s| self.selector(s, "spec.selector"));
        let policy = match spec.unhealthy_pod_eviction_policy.as_deref() {
            None => None,
            Some("IfHealthyBudget") => Some(UnhealthyPodEvictionPolicy::IfHealthyBudget),
            Some("AlwaysAllow") => Some(UnhealthyPodEvictionPolicy::AlwaysAllow),
            Some(other) => {
                self.error(
                    "spec.unhealthyPodEvictionPolicy",
                    not_supported(other, &["AlwaysAllow", "IfHealthyBudget"]),
                );
                None
            }
        };
        PodDisruptionBudget {
            meta,
            budget: budget.unwrap_or(DisruptionBudget::MinAvailable(IntOrPercent::Int(0))),
            selector,
            unhealthy_pod_eviction_policy: policy,
            status: PdbStatus::default(),
        }
    }

    /// `minAvailable` / `maxUnavailable`: a non-negative count or a percentage of at most
    /// 100 (`ValidateNonnegativeIntOrPercent`, `IsNotMoreThan100Percent`).
    fn pdb_amount(
        &mut self,
        value: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString,
        path: &str,
    ) -> Option<IntOrPercent> {
        let amount = self.int_or_percent(value, path)?;
        if let IntOrPercent::Percent(p) = amount {
            if p > 100 {
                self.error(
                    path,
                    invalid(quoted(&format!("{p}%")), "must not be greater than 100%"),
                );
                return None;
            }
        }
        Some(amount)
    }
}
