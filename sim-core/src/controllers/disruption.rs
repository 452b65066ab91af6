//! The disruption controller (kube-controller-manager `pkg/controller/disruption`): keeps
//! the status of every PodDisruptionBudget (k8s-semantics §6.2–6.3, G23).
//!
//! `expectedPods` is the number of selected pods for an integer `minAvailable`, and
//! otherwise the sum of the scales of the pods' controllers (`getExpectedPodCount`):
//! a ReplicaSet owned by a Deployment counts as the Deployment's `replicas`, a bare
//! ReplicaSet or a StatefulSet as its own. Pods without a controller are ignored there
//! (with the `UnmanagedPods` warning); a controller without a scale (say a Job) makes the
//! sync fail safe (`disruptionsAllowed` 0, `DisruptionAllowed=False` reason `SyncFailed`).
//! `currentHealthy` counts the Ready pods that are not being deleted and not listed in
//! `disruptedPods` (entries expire after [`DELETION_TIMEOUT`]).

use std::collections::BTreeMap;

use crate::disruption::DisruptionBudget;
use crate::objects::{
    ConditionStatus, Deployment, IntOrPercent, Kind, ObjectRef, OwnerReference, PdbCondition,
    PdbStatus, Pod, PodConditionType, PodDisruptionBudget, ReplicaSet, StatefulSet, Uid,
    DISRUPTION_ALLOWED,
};
use crate::store::{Change, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::{Action, Context, Controller, ReconcileError};

/// How long an entry of `status.disruptedPods` holds a pod out of `currentHealthy` if the
/// pod is not deleted (`DeletionTimeout`, 2 minutes).
pub const DELETION_TIMEOUT: SimDuration = SimDuration::from_secs(120);

const SOURCE: &str = "controllermanager";

/// The controller. Stateless.
#[derive(Debug, Default)]
pub struct DisruptionController;

impl Controller for DisruptionController {
    fn name(&self) -> &'static str {
        "disruption-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        match change.kind {
            Kind::PodDisruptionBudget => {
                wake.push(ObjectRef::new(
                    Kind::PodDisruptionBudget,
                    change.key.clone(),
                ));
            }
            // A pod's readiness, deletion or labels, or a controller's scale: every budget of
            // the namespace may be concerned (there are few).
            Kind::Pod | Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet => wake.extend(
                store
                    .list_namespace::<PodDisruptionBudget>(&change.key.namespace)
                    .map(|pdb| ObjectRef::new(Kind::PodDisruptionBudget, pdb.meta.key())),
            ),
            _ => {}
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(pdb) = ctx.store.get::<PodDisruptionBudget>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        let now = ctx.now;
        let pods: Vec<&Pod> = ctx
            .store
            .list_namespace::<Pod>(&pdb.meta.namespace)
            .filter(|pod| pdb.selects(&pod.meta.namespace, &pod.meta.labels))
            .collect();
        let mut events = Vec::new();
        if pods.is_empty() {
            events.push((
                EventType::Normal,
                "NoPods",
                "No matching pods found".to_string(),
            ));
        }
        let expected = expected_pod_count(ctx.store, pdb, &pods);
        // Unexpired disruptedPods entries of pods that still exist and are not being deleted.
        let mut disrupted = BTreeMap::new();
        let mut recheck: Option<SimTime> = None;
        let mut not_deleted = Vec::new();
        for pod in &pods {
            let Some(&at) = pdb.status.disrupted_pods.get(&pod.meta.name) else {
                continue;
            };
            if pod.meta.deletion_timestamp.is_some() {
                continue;
            }
            let expires = at + DELETION_TIMEOUT;
            if expires <= now {
                not_deleted.push(pod.meta.key());
                continue;
            }
            disrupted.insert(pod.meta.name.clone(), at);
            recheck = Some(recheck.map_or(expires, |r: SimTime| r.min(expires)));
        }
        let current_healthy = pods
            .iter()
            .filter(|pod| {
                pod.meta.deletion_timestamp.is_none()
                    && !disrupted.contains_key(&pod.meta.name)
                    && pod.status.condition_true(PodConditionType::Ready)
            })
            .count();
        let current_healthy = u32::try_from(current_healthy).unwrap_or(u32::MAX);
        let generation = pdb.meta.generation;
        let mut status = PdbStatus {
            observed_generation: generation,
            disrupted_pods: disrupted,
            current_healthy,
            conditions: pdb.status.conditions.clone(),
            ..PdbStatus::default()
        };
        let (allowed, reason, message) = match expected {
            Ok(Expected {
                expected_pods,
                desired_healthy,
                unmanaged,
            }) => {
                if !unmanaged.is_empty() {
                    events.push((
                        EventType::Warning,
                        "UnmanagedPods",
                        format!(
                            "Pods selected by this PodDisruptionBudget (selector: {}) were \
                             found to be unmanaged. As a result, the status of the PDB cannot be \
                             calculated correctly, which may result in undefined behavior. To \
                             account for these pods please set \".spec.minAvailable\" field of \
                             the PDB to an integer value.",
                            selector_string(pdb)
                        ),
                    ));
                }
                status.expected_pods = expected_pods;
                status.desired_healthy = desired_healthy;
                let allowed = if expected_pods == 0 {
                    0
                } else {
                    current_healthy.saturating_sub(desired_healthy)
                };
                let reason = if allowed > 0 {
                    "SufficientPods"
                } else {
                    "InsufficientPods"
                };
                (allowed, reason, String::new())
            }
            Err(message) => {
                events.push((EventType::Warning, "CalculateExpectedPodCountFailed", {
                    format!("Failed to calculate the number of expected pods: {message}")
                }));
                // failSafe keeps the other counts and forbids disruptions.
                status.expected_pods = pdb.status.expected_pods;
                status.desired_healthy = pdb.status.desired_healthy;
                (0, "SyncFailed", message)
            }
        };
        status.disruptions_allowed = allowed;
        let condition_status = ConditionStatus::from_bool(allowed > 0);
        match status
            .conditions
            .iter_mut()
            .find(|c| c.type_ == DISRUPTION_ALLOWED)
        {
            Some(c) => {
                if c.status != condition_status {
                    c.last_transition_time = now;
                }
                c.status = condition_status;
                c.reason = reason.to_string();
                c.message = message;
                c.observed_generation = generation;
            }
            None => status.conditions.push(PdbCondition {
                type_: DISRUPTION_ALLOWED.to_string(),
                status: condition_status,
                reason: reason.to_string(),
                message,
                last_transition_time: now,
                observed_generation: generation,
            }),
        }
        let changed = status != pdb.status;
        let pdb_ref = ObjectRef::new(Kind::PodDisruptionBudget, key.key.clone());
        if changed {
            ctx.store
                .modify::<PodDisruptionBudget, _>(&key.key, false, |p| p.status = status)?;
            // Events are recorded when the sync writes, so a quiet budget stays quiet.
            for (type_, reason, message) in events {
                ctx.store
                    .event(pdb_ref.clone(), type_, reason, message, SOURCE);
            }
            for pod in not_deleted {
                ctx.store.event(
                    ObjectRef::new(Kind::Pod, pod),
                    EventType::Warning,
                    "NotDeleted",
                    format!(
                        "Pod was expected by PDB {}/{} to be deleted but it wasn't",
                        key.key.namespace, key.key.name
                    ),
                    SOURCE,
                );
            }
        }
        Ok(match recheck {
            Some(at) => Action::RequeueAfter(at.saturating_since(now)),
            None => Action::AwaitChange,
        })
    }
}

struct Expected {
    expected_pods: u32,
    desired_healthy: u32,
    unmanaged: Vec<String>,
}

/// `getExpectedPodCount`: (expectedPods, desiredHealthy) of the budget over `pods`.
fn expected_pod_count(
    store: &Store,
    pdb: &PodDisruptionBudget,
    pods: &[&Pod],
) -> Result<Expected, String> {
    if let DisruptionBudget::MinAvailable(IntOrPercent::Int(min)) = pdb.budget {
        return Ok(Expected {
            expected_pods: u32::try_from(pods.len()).unwrap_or(u32::MAX),
            desired_healthy: min,
            unmanaged: Vec::new(),
        });
    }
    let mut scales: BTreeMap<Uid, u32> = BTreeMap::new();
    let mut unmanaged = Vec::new();
    for pod in pods {
        let Some(owner) = pod.meta.controller_ref() else {
            unmanaged.push(pod.meta.name.clone());
            continue;
        };
        if scales.contains_key(&owner.uid) {
            continue;
        }
        match controller_scale(store, &pod.meta.namespace, owner) {
            Some((uid, scale)) => {
                scales.insert(uid, scale);
            }
            None => return Err(format!("found no controllers for pod {:?}", pod.meta.name)),
        }
    }
    let expected_pods = scales.values().fold(0u32, |sum, s| sum.saturating_add(*s));
    Ok(Expected {
        expected_pods,
        desired_healthy: pdb.budget.desired_healthy(expected_pods),
        unmanaged,
    })
}

/// The finders of the disruption controller: the pod's controller and its scale, with a
/// ReplicaSet owned by a Deployment standing for the Deployment.
fn controller_scale(store: &Store, namespace: &str, owner: &OwnerReference) -> Option<(Uid, u32)> {
    let key = |name: &str| crate::objects::ObjectKey::new(namespace.to_string(), name.to_string());
    match owner.kind {
        Kind::ReplicaSet => {
            let rs = store
                .get::<ReplicaSet>(&key(&owner.name))
                .filter(|rs| rs.meta.uid == owner.uid)?;
            match rs.meta.controller_ref() {
                Some(dep) if dep.kind == Kind::Deployment => store
                    .get::<Deployment>(&key(&dep.name))
                    .filter(|d| d.meta.uid == dep.uid)
                    .map(|d| (d.meta.uid, d.replicas)),
                _ => Some((rs.meta.uid, rs.replicas)),
            }
        }
        Kind::StatefulSet => store
            .get::<StatefulSet>(&key(&owner.name))
            .filter(|s| s.meta.uid == owner.uid)
            .map(|s| (s.meta.uid, s.replicas)),
        _ => None,
    }
}

fn selector_string(pdb: &PodDisruptionBudget) -> String {
    pdb.selector.as_ref().map_or(String::new(), |s| {
        s.match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}
