//! The StatefulSet controller (k8s-semantics §8.1–8.3, golden case G27), shaped like
//! `pkg/controller/statefulset/stateful_set_control.go`:
//!
//! * pods `<sts>-<ordinal>` (from `spec.ordinals.start`), labelled
//!   `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
//!   `controller-revision-hash`, with `hostname` = pod name and `subdomain` = `serviceName`;
//! * each claim of `volumeClaimTemplates` (`<template>-<sts>-<ordinal>`) is created before
//!   its pod and kept when the pod goes (retention Retain), so a pod that comes back gets its
//!   claim again;
//! * `OrderedReady`: ordinals are created in order, each only once the ones below are Running
//!   and Ready (and available for `minReadySeconds`); surplus pods are deleted from the
//!   highest ordinal down, one at a time, each fully gone before the next; any unhealthy
//!   pod halts progress. `Parallel` creates and deletes without waiting;
//! * `RollingUpdate`: from the highest ordinal down to `partition`, one pod at a time, each
//!   replaced pod Running and Ready before the next; `OnDelete` only replaces pods deleted
//!   by hand. Revisions are `<sts>-<template hash>` (kubesim keeps the current revision's
//!   template in the status instead of ControllerRevision objects).
//!
//! `rollingUpdate.maxUnavailable` (gate `MaxUnavailableStatefulSet`, on since 1.35) lets that
//! many pods be replaced at once; with OrderedReady the replacements are still recreated one
//! at a time.

use crate::objects::{
    IntOrPercent, Kind, ObjectKey, ObjectMeta, ObjectRef, OwnerReference, PersistentVolumeClaim,
    PersistentVolumeClaimStatus, Pod, PodConditionType, PodManagementPolicy, PodPhase, PodStatus,
    PodTemplate, PvcRetention, StatefulSet, StatefulSetStatus, StatefulSetUpdateStrategy, Volume,
    VolumeSource,
};
use crate::store::{Change, DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::deployment::pod_template_hash;
use super::replicaset::owned_pods;
use super::{create_or_report, wake_owner_or_self, Action, Context, Controller, ReconcileError};

/// Pod label naming the pod (`apps.StatefulSetPodNameLabel`).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// Pod label with the ordinal (`apps.PodIndexLabel`, GA in 1.32).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// Pod label with the revision (`apps.ControllerRevisionHashLabelKey`).
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

const SOURCE: &str = "statefulset-controller";

/// The controller. Stateless: everything it needs is in the store.
#[derive(Debug, Default)]
pub struct StatefulSetController;

/// The revision name of a template: `<sts>-<hash>`.
pub fn revision_name(set: &StatefulSet, template: &PodTemplate) -> String {
    format!("{}-{}", set.meta.name, pod_template_hash(template))
}

/// The claim name of template `claim` for ordinal `ordinal`: `<claim>-<sts>-<ordinal>`.
pub fn claim_name(claim: &str, set: &str, ordinal: u32) -> String {
    format!("{claim}-{set}-{ordinal}")
}

/// The ordinal of a pod of `set`, if its name is `<set>-<n>`.
fn ordinal_of(set: &str, pod: &str) -> Option<u32> {
    let rest = pod.strip_prefix(set)?.strip_prefix('-')?;
    if rest.is_empty() || (rest.len() > 1 && rest.starts_with('0')) {
        return None;
    }
    rest.parse().ok()
}

fn running_and_ready(pod: &Pod) -> bool {
    pod.status.phase == PodPhase::Running && pod.is_ready()
}

fn terminating(pod: &Pod) -> bool {
    pod.meta.deletion_timestamp.is_some()
}

/// `isHealthy`: Running, Ready, available for minReadySeconds, not terminating.
fn healthy(pod: &Pod, min_ready: SimDuration, now: SimTime) -> bool {
    running_and_ready(pod) && pod.is_available(min_ready, now) && !terminating(pod)
}

fn revision_of(pod: &Pod) -> &str {
    pod.meta
        .labels
        .get(CONTROLLER_REVISION_HASH)
        .map_or("", String::as_str)
}

/// `newStatefulSetPod` for ordinal `ordinal` from `template` at revision `revision`.
fn new_pod(set: &StatefulSet, template: &PodTemplate, revision: &str, ordinal: u32) -> Pod {
    let name = format!("{}-{ordinal}", set.meta.name);
    let mut labels = template.labels.clone();
    labels.insert(POD_NAME_LABEL.to_string(), name.clone());
    labels.insert(POD_INDEX_LABEL.to_string(), ordinal.to_string());
    labels.insert(CONTROLLER_REVISION_HASH.to_string(), revision.to_string());
    let mut spec = template.spec.clone();
    spec.hostname = Some(name.clone());
    spec.subdomain = Some(set.service_name.clone()).filter(|s| !s.is_empty());
    // `updateStorage`: each claim template becomes a volume naming the pod's claim,
    // replacing a template volume of the same name.
    for claim in &set.volume_claim_templates {
        spec.volumes.retain(|v| v.name != claim.name);
        spec.volumes.push(Volume {
            name: claim.name.clone(),
            source: VolumeSource::PersistentVolumeClaim {
                claim_name: claim_name(&claim.name, &set.meta.name, ordinal),
                read_only: false,
            },
        });
    }
    Pod {
        meta: ObjectMeta {
            name,
            namespace: set.meta.namespace.clone(),
            labels,
            annotations: template.annotations.clone(),
            owner_references: vec![OwnerReference {
                kind: Kind::StatefulSet,
                name: set.meta.name.clone(),
                uid: set.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        spec,
        status: PodStatus::default(),
    }
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        wake_owner_or_self(change, Kind::StatefulSet, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(set) = ctx.store.get::<StatefulSet>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if set.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let set = set.clone();
        let set_ref = ObjectRef::new(Kind::StatefulSet, key.key.clone());
        let now = ctx.now;
        let min_ready = SimDuration::from_secs(u64::from(set.min_ready_seconds));
        let update_revision = revision_name(&set, &set.template);
        let (current_revision, current_template) = match &set.status.current_template {
            Some(t) if !set.status.current_revision.is_empty() => {
                (set.status.current_revision.clone(), t.clone())
            }
            _ => (update_revision.clone(), set.template.clone()),
        };
        let monotonic = set.pod_management_policy == PodManagementPolicy::OrderedReady;
        let start = set.ordinals_start;
        let end = start.saturating_add(set.replicas);

        sync_pods(
            ctx,
            &set,
            &set_ref,
            &SyncPlan {
                monotonic,
                start,
                end,
                min_ready,
                current_revision: &current_revision,
                current_template: &current_template,
                update_revision: &update_revision,
            },
        )?;
        if set.when_scaled == PvcRetention::Delete {
            delete_scaled_claims(ctx, &set, start, end)?;
        }

        // Status from the pods as they are now.
        let mut status = StatefulSetStatus {
            observed_generation: set.meta.generation,
            current_revision: current_revision.clone(),
            update_revision: update_revision.clone(),
            current_template: Some(current_template),
            ..StatefulSetStatus::default()
        };
        let mut next_available: Option<SimTime> = None;
        for pod in owned_pods(ctx.store, &set.meta) {
            status.replicas += 1;
            if running_and_ready(pod) {
                status.ready_replicas += 1;
                if pod.is_available(min_ready, now) {
                    status.available_replicas += 1;
                } else if let Some(c) = pod.status.condition(PodConditionType::Ready) {
                    let at = c.last_transition_time + min_ready;
                    next_available = Some(next_available.map_or(at, |t| t.min(at)));
                }
            }
            if !terminating(pod) {
                if revision_of(pod) == current_revision {
                    status.current_replicas += 1;
                }
                if revision_of(pod) == update_revision {
                    status.updated_replicas += 1;
                }
            }
        }
        // `completeRollingUpdate`: once every pod runs the update revision and is Ready, it
        // becomes the current one.
        if matches!(
            set.update_strategy,
            StatefulSetUpdateStrategy::RollingUpdate { .. }
        ) && status.updated_replicas == status.replicas
            && status.ready_replicas == status.replicas
        {
            status.current_revision = update_revision;
            status.current_replicas = status.updated_replicas;
            status.current_template = Some(set.template.clone());
        }
        if ctx.store.get::<StatefulSet>(&key.key).map(|s| &s.status) != Some(&status) {
            ctx.store
                .modify::<StatefulSet, _>(&key.key, false, |s| s.status = status)?;
        }
        Ok(match next_available {
            Some(at) => Action::RequeueAfter(at.saturating_since(now)),
            None => Action::AwaitChange,
        })
    }
}

struct SyncPlan<'a> {
    monotonic: bool,
    start: u32,
    end: u32,
    min_ready: SimDuration,
    current_revision: &'a str,
    current_template: &'a PodTemplate,
    update_revision: &'a str,
}

/// `updateStatefulSet`: replicas in ordinal order, then condemned pods from the highest
/// ordinal down, then the rolling update. Returns early where the monotonic policy waits.
fn sync_pods(
    ctx: &mut Context<'_>,
    set: &StatefulSet,
    set_ref: &ObjectRef,
    plan: &SyncPlan<'_>,
) -> Result<(), ReconcileError> {
    let now = ctx.now;
    let pods: Vec<Pod> = owned_pods(ctx.store, &set.meta).cloned().collect();
    let mut replicas: Vec<(u32, Option<Pod>)> = (plan.start..plan.end).map(|o| (o, None)).collect();
    let mut condemned: Vec<(u32, Pod)> = Vec::new();
    for pod in pods {
        match ordinal_of(&set.meta.name, &pod.meta.name) {
            Some(o) if (plan.start..plan.end).contains(&o) => {
                replicas[(o - plan.start) as usize].1 = Some(pod);
            }
            Some(o) => condemned.push((o, pod)),
            None => {}
        }
    }
    condemned.sort_by_key(|c| std::cmp::Reverse(c.0));
    let partition = match set.update_strategy {
        StatefulSetUpdateStrategy::RollingUpdate { partition, .. } => Some(partition),
        StatefulSetUpdateStrategy::OnDelete => None,
    };

    // The first unhealthy pod, replicas first, then condemned (highest ordinal first).
    let first_unhealthy: Option<String> = replicas
        .iter()
        .filter_map(|(_, p)| p.as_ref())
        .chain(condemned.iter().map(|(_, p)| p))
        .find(|p| !healthy(p, plan.min_ready, now))
        .map(|p| p.meta.name.clone());

    for (ordinal, pod) in &replicas {
        let ordinal = *ordinal;
        match pod {
            Some(pod) if pod.status.phase.is_terminal() && !terminating(pod) => {
                // A failed or succeeded pod is deleted, and recreated on a later sync.
                delete_pod(ctx, set, set_ref, &pod.meta.name)?;
                if plan.monotonic {
                    return Ok(());
                }
            }
            Some(pod) => {
                if plan.monotonic && (terminating(pod) || !healthy(pod, plan.min_ready, now)) {
                    // "waiting for Pod to be Running and Ready" / to terminate.
                    return Ok(());
                }
            }
            None => {
                // `newVersionedStatefulSetPod`: ordinals below the partition keep the
                // current revision.
                let (template, revision) = match partition {
                    Some(p) if ordinal < plan.start.saturating_add(p) => {
                        (plan.current_template, plan.current_revision)
                    }
                    _ => (&set.template, plan.update_revision),
                };
                let pod = new_pod(set, template, revision, ordinal);
                let pod_name = pod.meta.name.clone();
                create_claims(ctx, set, set_ref, &pod_name, ordinal)?;
                create_or_report(ctx.store, pod, set_ref, SOURCE, |error| {
                    format!(
                        "create Pod {pod_name} in StatefulSet {} failed error: {error}",
                        set.meta.name
                    )
                })?;
                ctx.store.event(
                    set_ref.clone(),
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!(
                        "create Pod {}-{ordinal} in StatefulSet {} successful",
                        set.meta.name, set.meta.name
                    ),
                    SOURCE,
                );
                if plan.monotonic {
                    return Ok(());
                }
            }
        }
    }

    for (_, pod) in &condemned {
        if terminating(pod) {
            if plan.monotonic {
                return Ok(());
            }
            continue;
        }
        // `processCondemned`: a condemned pod that is not Running and Ready waits unless it
        // is the first unhealthy pod.
        if plan.monotonic
            && !running_and_ready(pod)
            && first_unhealthy.as_deref() != Some(pod.meta.name.as_str())
        {
            return Ok(());
        }
        delete_pod(ctx, set, set_ref, &pod.meta.name)?;
        if plan.monotonic {
            return Ok(());
        }
    }

    // Rolling update (`updateStatefulSetAfterInvariantEstablished` with
    // MaxUnavailableStatefulSet, on since 1.35): with fewer than maxUnavailable unhealthy
    // replicas, the highest ordinals at or above the partition that do not run the update
    // revision are deleted (and recreated at the update revision by a later sync).
    let Some(partition) = partition else {
        return Ok(());
    };
    let StatefulSetUpdateStrategy::RollingUpdate {
        max_unavailable: limit,
        ..
    } = set.update_strategy
    else {
        return Ok(());
    };
    let limit = max_unavailable(limit, set.replicas) as usize;
    let unavailable = replicas
        .iter()
        .filter(|(_, p)| p.as_ref().is_none_or(|p| !healthy(p, plan.min_ready, now)))
        .count();
    if unavailable >= limit {
        return Ok(());
    }
    let update_min = plan.start.saturating_add(partition);
    let mut budget = limit - unavailable;
    for (ordinal, pod) in replicas.iter().rev() {
        if *ordinal < update_min || budget == 0 {
            break;
        }
        if let Some(pod) = pod {
            if revision_of(pod) != plan.update_revision && !terminating(pod) {
                delete_pod(ctx, set, set_ref, &pod.meta.name)?;
                budget -= 1;
            }
        }
    }
    Ok(())
}

fn delete_pod(
    ctx: &mut Context<'_>,
    set: &StatefulSet,
    set_ref: &ObjectRef,
    name: &str,
) -> Result<(), ReconcileError> {
    let key = ObjectKey::new(set.meta.namespace.clone(), name);
    ctx.store.delete_pod(&key, DeleteOptions::default())?;
    ctx.store.event(
        set_ref.clone(),
        EventType::Normal,
        "SuccessfulDelete",
        format!(
            "delete Pod {name} in StatefulSet {} successful",
            set.meta.name
        ),
        SOURCE,
    );
    Ok(())
}

/// `createPersistentVolumeClaims`: the claims of the pod that do not exist yet. With
/// `whenDeleted: Delete` a claim is owned by the StatefulSet, so the garbage collector
/// deletes it with the set.
fn create_claims(
    ctx: &mut Context<'_>,
    set: &StatefulSet,
    set_ref: &ObjectRef,
    pod_name: &str,
    ordinal: u32,
) -> Result<(), ReconcileError> {
    for template in &set.volume_claim_templates {
        let name = claim_name(&template.name, &set.meta.name, ordinal);
        let key = ObjectKey::new(set.meta.namespace.clone(), name.clone());
        if ctx.store.get::<PersistentVolumeClaim>(&key).is_some() {
            continue;
        }
        // `getPersistentVolumeClaims`: the template's labels plus the set's selector labels.
        let mut labels = template.labels.clone();
        for (k, v) in &set.selector.match_labels {
            labels.insert(k.clone(), v.clone());
        }
        let owner_references = if set.when_deleted == PvcRetention::Delete {
            vec![OwnerReference {
                kind: Kind::StatefulSet,
                name: set.meta.name.clone(),
                uid: set.meta.uid,
                controller: false,
                block_owner_deletion: true,
            }]
        } else {
            Vec::new()
        };
        let claim = PersistentVolumeClaim {
            meta: ObjectMeta {
                name: name.clone(),
                namespace: set.meta.namespace.clone(),
                labels,
                annotations: template.annotations.clone(),
                owner_references,
                ..ObjectMeta::default()
            },
            spec: template.spec.clone(),
            status: PersistentVolumeClaimStatus::default(),
        };
        create_or_report(ctx.store, claim, set_ref, SOURCE, |error| {
            format!(
                "create Claim {name} for Pod {pod_name} in StatefulSet {} failed error: {error}",
                set.meta.name
            )
        })?;
        ctx.store.event(
            set_ref.clone(),
            EventType::Normal,
            "SuccessfulCreate",
            format!(
                "create Claim {name} Pod {pod_name} in StatefulSet {} success",
                set.meta.name
            ),
            SOURCE,
        );
    }
    Ok(())
}

/// `whenScaled: Delete`: the claims of ordinals outside the replicas go once their pod is
/// gone. Kubernetes gets there by making the condemned pod the claim's owner and letting the
/// garbage collector follow; the claim goes at the same instant either way.
fn delete_scaled_claims(
    ctx: &mut Context<'_>,
    set: &StatefulSet,
    start: u32,
    end: u32,
) -> Result<(), ReconcileError> {
    let mut doomed = Vec::new();
    for claim in ctx
        .store
        .list_namespace::<PersistentVolumeClaim>(&set.meta.namespace)
    {
        for template in &set.volume_claim_templates {
            let prefix = format!("{}-", template.name);
            let Some(ordinal) = claim
                .meta
                .name
                .strip_prefix(&prefix)
                .and_then(|rest| ordinal_of(&set.meta.name, rest))
            else {
                continue;
            };
            let pod_key = ObjectKey::new(
                set.meta.namespace.clone(),
                format!("{}-{ordinal}", set.meta.name),
            );
            if !(start..end).contains(&ordinal)
                && ctx.store.get::<Pod>(&pod_key).is_none()
                && claim.meta.deletion_timestamp.is_none()
            {
                doomed.push(claim.meta.key());
            }
        }
    }
    for key in doomed {
        ctx.store.delete::<PersistentVolumeClaim>(&key)?;
    }
    Ok(())
}

/// Resolves `rollingUpdate.maxUnavailable` against the replicas (percentages round up, at
/// least 1), as `getStatefulSetMaxUnavailable` does.
pub fn max_unavailable(value: IntOrPercent, replicas: u32) -> u32 {
    value.resolve(replicas, true).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_parse_only_canonical_numbers() {
        assert_eq!(ordinal_of("web", "web-0"), Some(0));
        assert_eq!(ordinal_of("web", "web-12"), Some(12));
        assert_eq!(ordinal_of("web", "web-012"), None);
        assert_eq!(ordinal_of("web", "web-x"), None);
        assert_eq!(ordinal_of("web", "webby-1"), None);
        assert_eq!(ordinal_of("web", "web-"), None);
        assert_eq!(claim_name("data", "web", 2), "data-web-2");
        assert_eq!(max_unavailable(IntOrPercent::Percent(10), 5), 1);
        assert_eq!(max_unavailable(IntOrPercent::Int(0), 5), 1);
    }
}
