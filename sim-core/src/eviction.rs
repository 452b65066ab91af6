//! The eviction subresource (`POST /api/v1/namespaces/NS/pods/NAME/eviction`), as the API
//! server's `pkg/registry/core/pod/storage/eviction.go` answers it (k8s-semantics §6.4,
//! §6.5).
//!
//! [`evict`] is a pure function of the store: the scenario event `evict`, `kubectl drain`
//! ([`crate::drain`]) and `kubesim serve` all call it, and get either a success or the HTTP
//! status and message the real API gives:
//!
//! * a pod that is Pending, Succeeded, Failed or already terminating is deleted without
//!   looking at budgets (it is not running, or is going anyway);
//! * no budget selects the pod ⇒ deleted; more than one ⇒ **500**;
//! * a not-Ready running pod is deleted without consuming the budget when its budget's
//!   `unhealthyPodEvictionPolicy` is `AlwaysAllow`, or (IfHealthyBudget, the default) while
//!   `currentHealthy >= desiredHealthy > 0`;
//! * a budget whose status is older than its spec (`observedGeneration < generation`) ⇒
//!   **429**, "still being processed";
//! * `disruptionsAllowed == 0` ⇒ **429** "Cannot evict pod as it would violate the pod's
//!   disruption budget.", with the cause "The disruption budget NAME needs X healthy pods
//!   and has Y currently";
//! * otherwise `disruptionsAllowed` is decremented and the pod's name recorded in
//!   `status.disruptedPods` (the disruption controller keeps it out of `currentHealthy`
//!   until the pod is deleted, or for 120 s), the pod gets `DisruptionTarget=True` (reason
//!   `EvictionByEvictionAPI`) and is deleted gracefully (its
//!   `terminationGracePeriodSeconds` unless the options override it).

use crate::objects::{
    ConditionStatus, Kind, ObjectKey, Pod, PodConditionType, PodDisruptionBudget, PodPhase,
    UnhealthyPodEvictionPolicy, DISRUPTION_ALLOWED,
};
use crate::store::{ApiError, DeleteOptions, DeleteOutcome, Store};

/// `DisruptionTarget` reason of a pod deleted through the eviction API.
pub const EVICTION_BY_EVICTION_API: &str = "EvictionByEvictionAPI";
/// `DisruptionTarget` message of a pod deleted through the eviction API.
pub const EVICTION_API_MESSAGE: &str = "Eviction API: evicting";
/// The 429 message of a blocked eviction.
pub const BUDGET_VIOLATION_MESSAGE: &str =
    "Cannot evict pod as it would violate the pod's disruption budget.";
/// The 500 message of a pod selected by several budgets (`errors.NewInternalError`).
pub const MULTIPLE_BUDGETS_MESSAGE: &str = "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
/// `MaxDisruptedPodSize`: beyond this many unconfirmed evictions a budget refuses more.
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;

/// The `DeleteOptions` an Eviction carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvictionOptions {
    /// `deleteOptions.gracePeriodSeconds`; `None` is the pod's own.
    pub grace_period_seconds: Option<u64>,
}

/// A refused eviction: the `metav1.Status` the API server answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvictionError {
    /// HTTP status code: 404, 429 or 500 (403 for a runaway `disruptedPods`).
    pub code: u16,
    /// `status.reason`: `NotFound`, `TooManyRequests`, `InternalError`, `Forbidden`.
    pub reason: &'static str,
    /// `status.message`, what kubectl prints.
    pub message: String,
    /// `status.details.causes[].message` (type `DisruptionBudget`).
    pub causes: Vec<String>,
    /// `status.details.retryAfterSeconds` (the `Retry-After` header), when the server
    /// suggests one.
    pub retry_after_seconds: Option<u64>,
}

impl EvictionError {
    /// Whether this is a 429, which `kubectl drain` retries.
    pub fn is_too_many_requests(&self) -> bool {
        self.code == 429
    }

    /// Whether the pod was not there (404), which `kubectl drain` counts as done.
    pub fn is_not_found(&self) -> bool {
        self.code == 404
    }

    fn too_many_requests(cause: String, retry_after_seconds: Option<u64>) -> EvictionError {
        EvictionError {
            code: 429,
            reason: "TooManyRequests",
            message: BUDGET_VIOLATION_MESSAGE.to_string(),
            causes: vec![cause],
            retry_after_seconds,
        }
    }

    fn from_api(error: ApiError) -> EvictionError {
        match error {
            ApiError::NotFound { key, .. } => EvictionError {
                code: 404,
                reason: "NotFound",
                message: format!("pods {:?} not found", name_of(&key)),
                causes: Vec::new(),
                retry_after_seconds: None,
            },
            other => EvictionError {
                code: 500,
                reason: "InternalError",
                message: format!("Internal error occurred: {other}"),
                causes: Vec::new(),
                retry_after_seconds: None,
            },
        }
    }
}

fn name_of(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// What a successful eviction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eviction {
    /// The budget consulted and decremented, if one was (`None`: no budget selects the pod,
    /// or the pod could be deleted without consuming one).
    pub budget: Option<String>,
    /// What the delete did (terminating, or removed at once).
    pub outcome: DeleteOutcome,
}

/// `POST …/pods/NAME/eviction` for the pod at `key`. Writes through the store (budget
/// status, the pod's `DisruptionTarget` condition, its graceful deletion), each recorded
/// on the timeline with the store's current cause.
pub fn evict(
    store: &mut Store,
    key: &ObjectKey,
    options: EvictionOptions,
) -> Result<Eviction, EvictionError> {
    let pod = store.get::<Pod>(key).ok_or_else(|| {
        EvictionError::from_api(ApiError::NotFound {
            kind: Kind::Pod,
            key: key.to_string(),
        })
    })?;
    // canIgnorePDB: evicting a pod that is not running, or is going anyway, disrupts
    // nothing more.
    let can_ignore_budget = matches!(
        pod.status.phase,
        PodPhase::Pending | PodPhase::Succeeded | PodPhase::Failed
    ) || pod.meta.deletion_timestamp.is_some();
    if can_ignore_budget {
        return delete(store, key, options, None);
    }
    let budgets: Vec<&PodDisruptionBudget> = store
        .list_namespace::<PodDisruptionBudget>(&key.namespace)
        .filter(|pdb| {
            // A budget with an empty selector matches nothing here, not everything.
            pdb.selector
                .as_ref()
                .is_some_and(|s| !s.is_empty() && s.matches(&pod.meta.labels))
        })
        .collect();
    if budgets.len() > 1 {
        return Err(EvictionError {
            code: 500,
            reason: "InternalError",
            message: MULTIPLE_BUDGETS_MESSAGE.to_string(),
            causes: Vec::new(),
            retry_after_seconds: None,
        });
    }
    let Some(pdb) = budgets.first() else {
        return delete(store, key, options, None);
    };
    let pdb_key = pdb.meta.key();
    let ready = pod.status.condition_true(PodConditionType::Ready);
    if !ready {
        // An unhealthy pod does not count towards currentHealthy: evicting it consumes no
        // budget, when the policy allows it at all.
        let always =
            pdb.unhealthy_pod_eviction_policy == Some(UnhealthyPodEvictionPolicy::AlwaysAllow);
        let healthy_budget = pdb.status.current_healthy >= pdb.status.desired_healthy
            && pdb.status.desired_healthy > 0;
        if always || healthy_budget {
            return delete(store, key, options, None);
        }
    }
    check_and_decrement(store, &pdb_key, &key.name)?;
    delete(store, key, options, Some(pdb_key.name))
}

/// `checkAndDecrement`: refuses with 429 while the budget is stale or spent, else takes one
/// disruption from it and records the pod in `disruptedPods`.
fn check_and_decrement(
    store: &mut Store,
    pdb_key: &ObjectKey,
    pod_name: &str,
) -> Result<(), EvictionError> {
    let Some(pdb) = store.get::<PodDisruptionBudget>(pdb_key) else {
        return Ok(());
    };
    if pdb.status.observed_generation < pdb.meta.generation {
        return Err(EvictionError::too_many_requests(
            format!(
                "The disruption budget {} is still being processed by the server.",
                pdb.meta.name
            ),
            Some(10),
        ));
    }
    if pdb.status.disrupted_pods.len() > MAX_DISRUPTED_POD_SIZE {
        return Err(EvictionError {
            code: 403,
            reason: "Forbidden",
            message: format!(
                "poddisruptionbudgets.policy {:?} is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller",
                pdb.meta.name
            ),
            causes: Vec::new(),
            retry_after_seconds: None,
        });
    }
    if pdb.status.disruptions_allowed == 0 {
        return Err(EvictionError::too_many_requests(
            format!(
                "The disruption budget {} needs {} healthy pods and has {} currently",
                pdb.meta.name, pdb.status.desired_healthy, pdb.status.current_healthy
            ),
            None,
        ));
    }
    let now = store.now();
    store
        .modify::<PodDisruptionBudget, _>(pdb_key, false, |p| {
            p.status.disruptions_allowed -= 1;
            if p.status.disruptions_allowed == 0 {
                // UpdateDisruptionAllowedCondition.
                if let Some(c) = p
                    .status
                    .conditions
                    .iter_mut()
                    .find(|c| c.type_ == DISRUPTION_ALLOWED)
                {
                    if c.status != ConditionStatus::False {
                        c.last_transition_time = now;
                    }
                    c.status = ConditionStatus::False;
                    c.reason = "InsufficientPods".to_string();
                }
            }
            p.status.disrupted_pods.insert(pod_name.to_string(), now);
        })
        .map_err(EvictionError::from_api)?;
    Ok(())
}

/// `addConditionAndDeletePod`.
fn delete(
    store: &mut Store,
    key: &ObjectKey,
    options: EvictionOptions,
    budget: Option<String>,
) -> Result<Eviction, EvictionError> {
    let now = store.now();
    let terminal = store
        .get::<Pod>(key)
        .is_some_and(|p| p.status.phase.is_terminal());
    if !terminal {
        store
            .modify::<Pod, _>(key, false, |p| {
                p.status.set_condition(
                    PodConditionType::DisruptionTarget,
                    ConditionStatus::True,
                    EVICTION_BY_EVICTION_API,
                    EVICTION_API_MESSAGE,
                    now,
                );
            })
            .map_err(EvictionError::from_api)?;
    }
    let outcome = store
        .delete_pod(
            key,
            DeleteOptions {
                grace_period_seconds: options.grace_period_seconds,
            },
        )
        .map_err(EvictionError::from_api)?;
    Ok(Eviction { budget, outcome })
}
