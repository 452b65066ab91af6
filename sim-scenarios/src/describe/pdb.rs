//! `kubectl describe poddisruptionbudget` (kubectl's `describePodDisruptionBudget`).

use sim_core::disruption::DisruptionBudget;
use sim_core::objects::PodDisruptionBudget;

use super::Lines;

pub(super) fn describe_pdb(pdb: &PodDisruptionBudget, out: &mut Lines) {
    out.field(0, "Name", &pdb.meta.name);
    out.field(0, "Namespace", &pdb.meta.namespace);
    match pdb.budget {
        DisruptionBudget::MinAvailable(v) => out.field(0, "Min available", v),
        DisruptionBudget::MaxUnavailable(v) => out.field(0, "Max unavailable", v),
    }
    match &pdb.selector {
        Some(selector) => out.field(0, "Selector", selector),
        None => out.field(0, "Selector", "<unset>"),
    }
    out.line(0, "Status:");
    let s = &pdb.status;
    out.field(2, "Allowed disruptions", s.disruptions_allowed);
    out.field(2, "Current", s.current_healthy);
    out.field(2, "Desired", s.desired_healthy);
    out.field(2, "Total", s.expected_pods);
}
