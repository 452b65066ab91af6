//! PodDisruptionBudgets as the API returns them (`policy/v1`).

use serde_json::{json, Map, Value};
use sim_core::disruption::DisruptionBudget;
use sim_core::objects::{IntOrPercent, Kind, PodDisruptionBudget};

use super::{metadata_to_json, put, rfc3339, selector_to_json};

/// An IntOrString as the API prints it: a count as a number, a percentage as a string.
fn int_or_string(value: IntOrPercent) -> Value {
    match value {
        IntOrPercent::Int(v) => Value::from(v),
        IntOrPercent::Percent(_) => Value::from(value.to_string()),
    }
}

/// A PodDisruptionBudget with the status the disruption controller keeps.
pub fn pdb_to_json(pdb: &PodDisruptionBudget) -> Value {
    let mut spec = Map::new();
    match pdb.budget {
        DisruptionBudget::MinAvailable(v) => put(&mut spec, "minAvailable", int_or_string(v)),
        DisruptionBudget::MaxUnavailable(v) => put(&mut spec, "maxUnavailable", int_or_string(v)),
    }
    put(
        &mut spec,
        "selector",
        pdb.selector.as_ref().map(selector_to_json),
    );
    put(
        &mut spec,
        "unhealthyPodEvictionPolicy",
        pdb.unhealthy_pod_eviction_policy.map(|p| p.as_str()),
    );
    let s = &pdb.status;
    let conditions: Vec<Value> = s
        .conditions
        .iter()
        .map(|c| {
            json!({
                "type": c.type_,
                "status": c.status.as_str(),
                "reason": c.reason,
                "message": c.message,
                "lastTransitionTime": rfc3339(c.last_transition_time),
                "observedGeneration": c.observed_generation,
            })
        })
        .collect();
    let disrupted: Map<String, Value> = s
        .disrupted_pods
        .iter()
        .map(|(name, at)| (name.clone(), Value::from(rfc3339(*at))))
        .collect();
    let mut status = Map::new();
    put(&mut status, "observedGeneration", s.observed_generation);
    if !disrupted.is_empty() {
        put(&mut status, "disruptedPods", Value::Object(disrupted));
    }
    put(&mut status, "disruptionsAllowed", s.disruptions_allowed);
    put(&mut status, "currentHealthy", s.current_healthy);
    put(&mut status, "desiredHealthy", s.desired_healthy);
    put(&mut status, "expectedPods", s.expected_pods);
    put(&mut status, "conditions", conditions);
    json!({
        "apiVersion": Kind::PodDisruptionBudget.api_version(),
        "kind": Kind::PodDisruptionBudget.name(),
        "metadata": metadata_to_json(&pdb.meta, Kind::PodDisruptionBudget),
        "spec": spec,
        "status": status,
    })
}
