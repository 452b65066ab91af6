//! The Deployment controller: owns ReplicaSets named `<deployment>-<pod-template-hash>`,
//! scales them, rolls out template changes (RollingUpdate with maxSurge/maxUnavailable, or
//! Recreate), keeps revisions, status and the Available/Progressing conditions
//! (k8s-semantics §4.1–4.7), and spreads a scale in the middle of a rollout across the active
//! ReplicaSets in proportion to their sizes (§4.8, kube-controller-manager's `scale()` in
//! pkg/controller/deployment/sync.go). A paused Deployment is scaled but not rolled out (§4.6).

use std::collections::BTreeMap;

use crate::objects::{
    ConditionStatus, Deployment, DeploymentCondition, DeploymentStatus, DeploymentStrategy,
    IntOrPercent, Kind, ObjectMeta, ObjectRef, OwnerReference, PodTemplate, ReplicaSet,
    ReplicaSetStatus,
};
use crate::store::{Change, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::replicaset::{owned_pods, REPLICA_FAILURE};
use super::{
    claim, wake_adopters, wake_owner_or_self, Action, Context, Controller, ReconcileError,
};

/// Label carrying the template hash on ReplicaSets and their pods.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Revision annotation on Deployments and ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";

/// `spec.replicas` of the Deployment when the controller last scaled this ReplicaSet; a
/// mismatch with the Deployment's current `replicas` marks a scaling event.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `replicas + maxSurge` of the Deployment when the controller last scaled this ReplicaSet:
/// the denominator of its share in proportional scaling.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";

const SOURCE: &str = "deployment-controller";

/// The controller. Stateless: everything it needs is in the store.
#[derive(Debug, Default)]
pub struct DeploymentController;

/// Resolves (maxSurge, maxUnavailable) against `replicas`: surge rounds up, unavailable
/// rounds down, and if both are 0 unavailable becomes 1 (`ResolveFenceposts`, §4.2).
pub fn resolve_fenceposts(
    max_surge: IntOrPercent,
    max_unavailable: IntOrPercent,
    replicas: u32,
) -> (u32, u32) {
    let surge = max_surge.resolve(replicas, true);
    let unavailable = max_unavailable.resolve(replicas, false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// FNV-1a, 32 bit: the hash Kubernetes uses for `pod-template-hash`.
fn fnv32a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in bytes {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The `pod-template-hash` of a template: FNV-32a of a canonical rendering, encoded with
/// Kubernetes' `SafeEncodeString`. The rendering is kubesim's own (not Go's spew dump), so
/// the value differs from a real cluster's but is stable for the same template.
///
/// Pod spec fields added after the first release (node affinity, volumes, hostname,
/// subdomain) are left out of the rendering while unset, so that a template that does not
/// use them keeps the hash it had (and ReplicaSets their names across kubesim versions).
pub fn pod_template_hash(template: &PodTemplate) -> String {
    const UNSET_LATER_FIELDS: &str =
        ", affinity: None, volumes: [], hostname: None, subdomain: None";
    // Fields added later still, each stripped while unset.
    let rendering = format!("{template:?}")
        .replace(", topology_spread_constraints: []", "")
        .replace(", ports: []", "")
        .replace(", pod_affinity: None, pod_anti_affinity: None", "")
        .replace(UNSET_LATER_FIELDS, "");
    crate::store::safe_encode(&fnv32a(rendering.as_bytes()).to_string())
}

fn without_hash(template: &PodTemplate) -> PodTemplate {
    let mut t = template.clone();
    t.labels.remove(POD_TEMPLATE_HASH);
    t
}

fn revision_of(meta: &ObjectMeta) -> u64 {
    meta.annotations
        .get(REVISION)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        // Its Deployments and the ReplicaSets they own.
        wake_owner_or_self(change, Kind::Deployment, wake);
        // An orphan ReplicaSet wakes the Deployments whose selector matches it (adoption).
        wake_adopters::<ReplicaSet, Deployment>(change, store, |d| &d.selector, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(d) = ctx.store.get::<Deployment>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if d.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let d = d.clone();
        let d_ref = ObjectRef::new(Kind::Deployment, key.key.clone());
        // `getReplicaSetsForDeployment`: adopt matching orphans, release the rest.
        claim::<ReplicaSet>(ctx.store, &d.meta, Kind::Deployment, &d.selector)?;
        let mut sets = owned_replicasets(ctx.store, &d.meta);
        let wanted = without_hash(&d.template);
        let new_index = sets
            .iter()
            .position(|rs| without_hash(&rs.template) == wanted);

        // `syncDeployment`: a paused Deployment, or one whose replicas changed (a scaling
        // event), is only scaled (`sync`): its status is recomputed but Progressing is left
        // as it is, as `syncDeploymentStatus` leaves it. Recreate never has two active
        // ReplicaSets for long and `scale()` does not spread its replicas, so it always takes
        // the rollout path (which drains the old ones).
        let rolling = matches!(d.strategy, DeploymentStrategy::RollingUpdate { .. });
        if d.paused || (rolling && is_scaling_event(&d, &sets)) {
            let scaled = scale_only(ctx, &d, &mut sets, new_index)?;
            if d.paused && !scaled {
                if let Some(i) = new_index {
                    cleanup_history(ctx, &d, &sets, i)?;
                }
            }
            return sync_status(ctx, &d, &sets, new_index, StatusSync::ScaleOnly);
        }

        let mut created_new = false;
        let new_index = match new_index {
            Some(i) => {
                sync_new_revision(ctx, &d, &mut sets, i)?;
                i
            }
            None => {
                let replicas = match d.strategy {
                    DeploymentStrategy::Recreate => {
                        if sets.iter().all(|rs| rs.replicas == 0)
                            && !old_pods_exist(ctx.store, &sets)
                        {
                            d.replicas
                        } else {
                            0
                        }
                    }
                    DeploymentStrategy::RollingUpdate { .. } => new_rs_replicas(&d, &sets, None),
                };
                let rs = create_replicaset(ctx, &d, &sets, replicas)?;
                created_new = true;
                if replicas > 0 {
                    scaling_event(ctx, &d_ref, &rs.meta.name, 0, replicas);
                }
                sets.push(rs);
                sets.len() - 1
            }
        };

        let scaled = match d.strategy {
            DeploymentStrategy::RollingUpdate { .. } => {
                rolling_step(ctx, &d, &mut sets, new_index)?
            }
            DeploymentStrategy::Recreate => recreate_step(ctx, &d, &mut sets, new_index)?,
        };
        let action = sync_status(
            ctx,
            &d,
            &sets,
            Some(new_index),
            StatusSync::Rollout {
                progressed_by_write: created_new || scaled,
                created_new,
            },
        )?;
        if !scaled {
            cleanup_history(ctx, &d, &sets, new_index)?;
        }
        Ok(action)
    }
}

/// What `kubectl rollout undo` writes into the Deployment at `key`: the pod template of the
/// ReplicaSet with revision `to_revision`, or with the second-highest revision when `None`
/// (kubectl's `deploymentRevision`), without its `pod-template-hash` label. `Ok(None)` when
/// the Deployment already has that template (kubectl skips the rollback). An unknown
/// revision or an empty history is refused, as kubectl refuses it.
pub fn rollback_template(
    store: &Store,
    key: &crate::objects::ObjectKey,
    to_revision: Option<u64>,
) -> Result<Option<PodTemplate>, crate::store::ApiError> {
    let invalid = |message: String| crate::store::ApiError::Invalid {
        kind: Kind::Deployment,
        key: key.to_string(),
        message,
    };
    let d = store
        .get::<Deployment>(key)
        .ok_or_else(|| crate::store::ApiError::NotFound {
            kind: Kind::Deployment,
            key: key.to_string(),
        })?;
    let mut by_revision: Vec<(u64, &PodTemplate)> = Vec::new();
    let sets = owned_replicasets(store, &d.meta);
    for rs in &sets {
        by_revision.push((revision_of(&rs.meta), &rs.template));
    }
    // Highest revision first; equal revisions cannot happen for sets this controller made.
    by_revision.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
    let chosen = match to_revision {
        Some(wanted) => by_revision
            .iter()
            .find(|(revision, _)| *revision == wanted)
            .ok_or_else(|| {
                invalid(format!(
                    "unable to find specified revision {wanted} in history"
                ))
            })?,
        None => by_revision.get(1).ok_or_else(|| {
            invalid("no rollout history found: there is no previous revision".to_string())
        })?,
    };
    let template = without_hash(chosen.1);
    if template == without_hash(&d.template) {
        return Ok(None);
    }
    Ok(Some(template))
}

fn owned_replicasets(store: &Store, owner: &ObjectMeta) -> Vec<ReplicaSet> {
    let mut sets: Vec<ReplicaSet> = store
        .controlled_by::<ReplicaSet>(&owner.namespace, owner.uid)
        .cloned()
        .collect();
    // Oldest first, as the controller drains old ReplicaSets.
    sets.sort_by(|a, b| {
        (a.meta.creation_timestamp, &a.meta.name).cmp(&(b.meta.creation_timestamp, &b.meta.name))
    });
    sets
}

fn old_pods_exist(store: &Store, sets: &[ReplicaSet]) -> bool {
    sets.iter()
        .any(|rs| owned_pods(store, &rs.meta).any(|p| !p.status.phase.is_terminal()))
}

/// `getNewReplicaSet` for an existing ReplicaSet: after a rollback (§4.6) the old
/// ReplicaSet that matches the template again becomes the newest revision, max + 1 of the
/// others, and the Deployment's revision follows it.
fn sync_new_revision(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    new_index: usize,
) -> Result<(), ReconcileError> {
    let max_old = sets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != new_index)
        .map(|(_, rs)| revision_of(&rs.meta))
        .max()
        .unwrap_or(0);
    let current = revision_of(&sets[new_index].meta);
    if current > max_old {
        return Ok(());
    }
    let revision = (max_old + 1).to_string();
    let key = sets[new_index].meta.key();
    ctx.store.modify::<ReplicaSet, _>(&key, false, |rs| {
        rs.meta
            .annotations
            .insert(REVISION.to_string(), revision.clone());
    })?;
    sets[new_index]
        .meta
        .annotations
        .insert(REVISION.to_string(), revision.clone());
    ctx.store
        .modify::<Deployment, _>(&d.meta.key(), false, |dep| {
            dep.meta.annotations.insert(REVISION.to_string(), revision);
        })?;
    Ok(())
}

fn fenceposts(d: &Deployment) -> (u32, u32) {
    match d.strategy {
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => resolve_fenceposts(max_surge, max_unavailable, d.replicas),
        DeploymentStrategy::Recreate => (0, 0),
    }
}

/// `NewRSNewReplicas` for RollingUpdate: how big the new ReplicaSet may be now.
fn new_rs_replicas(d: &Deployment, sets: &[ReplicaSet], new_index: Option<usize>) -> u32 {
    let (surge, _) = fenceposts(d);
    let new_spec = new_index.map_or(0, |i| sets[i].replicas);
    let current: u32 = sets.iter().map(|rs| rs.replicas).sum();
    let max_total = d.replicas + surge;
    if current >= max_total {
        return new_spec;
    }
    let scale_up = (max_total - current).min(d.replicas.saturating_sub(new_spec));
    new_spec + scale_up
}

fn create_replicaset(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &[ReplicaSet],
    replicas: u32,
) -> Result<ReplicaSet, ReconcileError> {
    let hash = pod_template_hash(&without_hash(&d.template));
    let mut template = d.template.clone();
    template
        .labels
        .insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
    let mut selector = d.selector.clone();
    selector
        .match_labels
        .insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
    let revision = sets
        .iter()
        .map(|rs| revision_of(&rs.meta))
        .max()
        .unwrap_or(0)
        + 1;
    let mut annotations = BTreeMap::new();
    annotations.insert(REVISION.to_string(), revision.to_string());
    set_replicas_annotations(&mut annotations, d);
    let mut labels = d.template.labels.clone();
    labels.insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
    let rs = ReplicaSet {
        meta: ObjectMeta {
            name: format!("{}-{hash}", d.meta.name),
            namespace: d.meta.namespace.clone(),
            labels,
            annotations,
            owner_references: vec![OwnerReference {
                kind: Kind::Deployment,
                name: d.meta.name.clone(),
                uid: d.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        replicas,
        selector,
        template,
        min_ready_seconds: d.min_ready_seconds,
        status: ReplicaSetStatus::default(),
    };
    let key = ctx.store.create(rs)?;
    ctx.store
        .modify::<Deployment, _>(&d.meta.key(), false, |dep| {
            dep.meta
                .annotations
                .insert(REVISION.to_string(), revision.to_string());
        })?;
    ctx.store.get::<ReplicaSet>(&key).cloned().ok_or_else(|| {
        ReconcileError::Api(crate::store::ApiError::NotFound {
            kind: Kind::ReplicaSet,
            key: key.to_string(),
        })
    })
}

fn scaling_event(ctx: &mut Context<'_>, d_ref: &ObjectRef, rs_name: &str, from: u32, to: u32) {
    let direction = if to > from { "up" } else { "down" };
    ctx.store.event(
        d_ref.clone(),
        EventType::Normal,
        "ScalingReplicaSet",
        format!("Scaled {direction} replica set {rs_name} from {from} to {to}"),
        SOURCE,
    );
}

/// Records the Deployment's size on a ReplicaSet the controller scales (`SetReplicasAnnotations`).
/// Returns whether an annotation changed.
fn set_replicas_annotations(annotations: &mut BTreeMap<String, String>, d: &Deployment) -> bool {
    let desired = d.replicas.to_string();
    let max = d.replicas.saturating_add(max_surge(d)).to_string();
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        if annotations.get(key) != Some(&value) {
            annotations.insert(key.to_string(), value);
            changed = true;
        }
    }
    changed
}

fn annotation_u32(meta: &ObjectMeta, key: &str) -> Option<u32> {
    meta.annotations.get(key).and_then(|v| v.parse().ok())
}

/// `isScalingEvent`: some active ReplicaSet was last scaled for a different `replicas`.
fn is_scaling_event(d: &Deployment, sets: &[ReplicaSet]) -> bool {
    sets.iter()
        .filter(|rs| rs.replicas > 0)
        .filter_map(|rs| annotation_u32(&rs.meta, DESIRED_REPLICAS))
        .any(|desired| desired != d.replicas)
}

/// Scales a ReplicaSet, writing the replicas annotations in the same update.
fn scale(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    index: usize,
    to: u32,
) -> Result<bool, ReconcileError> {
    if sets[index].replicas == to {
        return Ok(false);
    }
    write_scale(ctx, d, sets, index, to)
}

/// `scaleReplicaSet`: writes the size and the replicas annotations when either differs; an
/// event only when the size changed. Returns whether the size changed.
fn write_scale(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    index: usize,
    to: u32,
) -> Result<bool, ReconcileError> {
    let from = sets[index].replicas;
    let mut annotations = sets[index].meta.annotations.clone();
    let annotations_changed = set_replicas_annotations(&mut annotations, d);
    if from == to && !annotations_changed {
        return Ok(false);
    }
    let key = sets[index].meta.key();
    let written = annotations.clone();
    ctx.store.modify::<ReplicaSet, _>(&key, from != to, |rs| {
        rs.replicas = to;
        rs.meta.annotations = written;
    })?;
    sets[index].replicas = to;
    sets[index].meta.annotations = annotations;
    if from == to {
        return Ok(false);
    }
    let d_ref = ObjectRef::new(Kind::Deployment, d.meta.key());
    scaling_event(ctx, &d_ref, &sets[index].meta.name, from, to);
    Ok(true)
}

/// One `rolloutRolling` pass (§4.3). Returns whether anything was scaled.
fn rolling_step(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    new_index: usize,
) -> Result<bool, ReconcileError> {
    // reconcileNewReplicaSet
    let new_spec = sets[new_index].replicas;
    if new_spec != d.replicas {
        let target = if new_spec > d.replicas {
            d.replicas
        } else {
            new_rs_replicas(d, sets, Some(new_index))
        };
        if scale(ctx, d, sets, new_index, target)? {
            return Ok(true);
        }
    }
    // reconcileOldReplicaSets
    let old_total: u32 = sets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != new_index)
        .map(|(_, rs)| rs.replicas)
        .sum();
    if old_total == 0 {
        return Ok(false);
    }
    let (_, max_unavailable) = fenceposts(d);
    let min_available = d.replicas.saturating_sub(max_unavailable);
    let mut all_total: u32 = sets.iter().map(|rs| rs.replicas).sum();
    let new_unavailable = sets[new_index]
        .replicas
        .saturating_sub(sets[new_index].status.available_replicas);
    let max_scaled_down =
        i64::from(all_total) - i64::from(min_available) - i64::from(new_unavailable);
    if max_scaled_down <= 0 {
        return Ok(false);
    }
    let mut scaled = false;
    // cleanupUnhealthyReplicas: old pods that are not available go first.
    let mut cleaned: u32 = 0;
    for i in 0..sets.len() {
        if i == new_index || i64::from(cleaned) >= max_scaled_down {
            continue;
        }
        let rs = &sets[i];
        if rs.replicas == rs.status.available_replicas {
            continue;
        }
        let budget = u32::try_from(max_scaled_down).unwrap_or(u32::MAX) - cleaned;
        let count = budget.min(rs.replicas.saturating_sub(rs.status.available_replicas));
        let to = rs.replicas - count;
        cleaned += count;
        scaled |= scale(ctx, d, sets, i, to)?;
    }
    all_total -= cleaned;
    // scaleDownOldReplicaSetsForRollingUpdate: then healthy ones, keeping min available.
    let available: u32 = sets.iter().map(|rs| rs.status.available_replicas).sum();
    if available > min_available {
        let mut remaining = available - min_available;
        for i in 0..sets.len() {
            if i == new_index || remaining == 0 || sets[i].replicas == 0 {
                continue;
            }
            let count = sets[i].replicas.min(remaining);
            remaining -= count;
            let to = sets[i].replicas - count;
            scaled |= scale(ctx, d, sets, i, to)?;
        }
    }
    let _ = all_total;
    Ok(scaled)
}

/// One `rolloutRecreate` pass (§4.7): old ReplicaSets to zero; the new one scaled up only
/// once no old pod exists any more.
fn recreate_step(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    new_index: usize,
) -> Result<bool, ReconcileError> {
    let mut scaled = false;
    for i in 0..sets.len() {
        if i != new_index && sets[i].replicas > 0 {
            scaled |= scale(ctx, d, sets, i, 0)?;
        }
    }
    if scaled {
        return Ok(true);
    }
    let old: Vec<ReplicaSet> = sets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != new_index)
        .map(|(_, rs)| rs.clone())
        .collect();
    if old_pods_exist(ctx.store, &old) {
        return Ok(false);
    }
    scale(ctx, d, sets, new_index, d.replicas)
}

/// `MaxSurge`: the resolved surge of a RollingUpdate Deployment, 0 for Recreate.
fn max_surge(d: &Deployment) -> u32 {
    fenceposts(d).0
}

/// `sync` → `scale()` (§4.8): brings the active ReplicaSets to the Deployment's size without
/// progressing a rollout. Returns whether any ReplicaSet changed size.
fn scale_only(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &mut [ReplicaSet],
    new_index: Option<usize>,
) -> Result<bool, ReconcileError> {
    let active: Vec<usize> = (0..sets.len()).filter(|&i| sets[i].replicas > 0).collect();
    // `FindActiveOrLatest`: one active ReplicaSet takes the whole size; with none, the new
    // one (or else the newest old one) does.
    let sole = match active.as_slice() {
        [] => new_index.or(sets.len().checked_sub(1)),
        [only] => Some(*only),
        _ => None,
    };
    if let Some(i) = sole {
        return scale(ctx, d, sets, i, d.replicas);
    }
    // `IsSaturated`: the new ReplicaSet already runs everything, so the old ones go to 0.
    if let Some(n) = new_index {
        let new_rs = &sets[n];
        let saturated = new_rs.replicas == d.replicas
            && annotation_u32(&new_rs.meta, DESIRED_REPLICAS) == Some(d.replicas)
            && new_rs.status.available_replicas == d.replicas;
        if saturated {
            let mut scaled = false;
            for i in active.into_iter().filter(|&i| i != n) {
                scaled |= scale(ctx, d, sets, i, 0)?;
            }
            return Ok(scaled);
        }
    }
    if !matches!(d.strategy, DeploymentStrategy::RollingUpdate { .. }) {
        return Ok(false);
    }
    let shares: Vec<ActiveShare> = active
        .iter()
        .map(|&i| ActiveShare {
            replicas: sets[i].replicas,
            max_replicas_before: annotation_u32(&sets[i].meta, MAX_REPLICAS),
        })
        .collect();
    let sizes = proportional_sizes(d.replicas, max_surge(d), d.status.replicas, &shares);
    let mut scaled = false;
    for (&i, size) in active.iter().zip(sizes) {
        // Every active ReplicaSet is written, even at the same size, so its annotations
        // record the new `replicas` and the scaling event is over.
        scaled |= write_scale(ctx, d, sets, i, size)?;
    }
    Ok(scaled)
}

/// An active ReplicaSet as proportional scaling sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ActiveShare {
    /// `spec.replicas` now.
    replicas: u32,
    /// Its `max-replicas` annotation: the Deployment's `replicas + maxSurge` when it was
    /// last scaled.
    max_replicas_before: Option<u32>,
}

/// The proportional part of `scale()`: new sizes for the active ReplicaSets `shares` (oldest
/// first), in the same order. The total moves to `replicas + maxSurge` (0 when scaling to
/// 0); each ReplicaSet gets `round(size × newMax / oldMax) − size` of the difference
/// (`GetProportion`), capped by what is left, visiting the largest first (ties: newer first
/// when growing, older first when shrinking); the rounding leftover goes to the first
/// visited, the largest.
fn proportional_sizes(
    replicas: u32,
    max_surge: u32,
    status_replicas: u32,
    shares: &[ActiveShare],
) -> Vec<u32> {
    let current: i64 = shares.iter().map(|s| i64::from(s.replicas)).sum();
    let allowed = if replicas > 0 {
        i64::from(replicas) + i64::from(max_surge)
    } else {
        0
    };
    let to_add = allowed - current;
    let mut sizes: Vec<i64> = shares.iter().map(|s| i64::from(s.replicas)).collect();
    if to_add == 0 {
        return shares.iter().map(|s| s.replicas).collect();
    }
    // Visiting order: largest first; ties newer (later in `shares`) first when scaling up,
    // older first when scaling down (`ReplicaSetsBySizeNewer` / `ReplicaSetsBySizeOlder`).
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let by_size = shares[b].replicas.cmp(&shares[a].replicas);
        let by_age = if to_add > 0 { b.cmp(&a) } else { a.cmp(&b) };
        by_size.then(by_age)
    });
    let mut added: i64 = 0;
    for &i in &order {
        let proportion =
            share_proportion(shares[i], replicas, allowed, status_replicas, to_add, added);
        sizes[i] += proportion;
        added += proportion;
    }
    if let Some(&largest) = order.first() {
        sizes[largest] = (sizes[largest] + to_add - added).max(0);
    }
    sizes
        .into_iter()
        .map(|s| u32::try_from(s.max(0)).unwrap_or(u32::MAX))
        .collect()
}

/// `GetProportion`: how many of the `to_add` replicas (negative: removed) this ReplicaSet
/// takes, given `added` already handed out.
fn share_proportion(
    share: ActiveShare,
    replicas: u32,
    max_replicas_now: i64,
    status_replicas: u32,
    to_add: i64,
    added: i64,
) -> i64 {
    if share.replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let size = i64::from(share.replicas);
    // `getReplicaSetFraction`.
    let fraction = if replicas == 0 {
        -size
    } else {
        // Without the annotation (scaled by hand), the Deployment's current total stands in.
        let before = match share.max_replicas_before {
            Some(m) if m > 0 => i64::from(m),
            _ => i64::from(status_replicas),
        };
        if before == 0 {
            0
        } else {
            // Go's math.Round of size × now / before, exact: both are non-negative.
            (2 * size * max_replicas_now + before) / (2 * before) - size
        }
    };
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

fn set_condition(
    conditions: &mut Vec<DeploymentCondition>,
    type_: &str,
    status: ConditionStatus,
    reason: &str,
    message: String,
    now: SimTime,
) {
    if let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status != status {
            c.last_transition_time = now;
        }
        if c.status != status || c.reason != reason {
            c.last_update_time = now;
        }
        c.status = status;
        c.reason = reason.to_string();
        c.message = message;
        return;
    }
    conditions.push(DeploymentCondition {
        type_: type_.to_string(),
        status,
        reason: reason.to_string(),
        message,
        last_transition_time: now,
        last_update_time: now,
    });
}

/// Which status sync: `syncDeploymentStatus` after `sync` (Available, counts, replica
/// failures), or `syncRolloutStatus` after a rollout step (also Progressing and its
/// deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusSync {
    ScaleOnly,
    Rollout {
        /// The step created or scaled a ReplicaSet: progress even if no count moved yet.
        progressed_by_write: bool,
        /// The step created the new ReplicaSet (`getNewReplicaSet` then sets
        /// Progressing to `NewReplicaSetCreated`).
        created_new: bool,
    },
}

fn sync_status(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &[ReplicaSet],
    new_index: Option<usize>,
    sync: StatusSync,
) -> Result<Action, ReconcileError> {
    let (progressed_by_write, created_new) = match sync {
        StatusSync::ScaleOnly => (None, false),
        StatusSync::Rollout {
            progressed_by_write,
            created_new,
        } => (Some(progressed_by_write), created_new),
    };
    let now = ctx.now;
    // Re-read the ReplicaSets' status: scaling above changes only their spec.
    let fresh: Vec<ReplicaSetStatus> = sets
        .iter()
        .map(|rs| {
            ctx.store
                .get::<ReplicaSet>(&rs.meta.key())
                .map(|r| r.status.clone())
                .unwrap_or_default()
        })
        .collect();
    let mut status = DeploymentStatus {
        observed_generation: d.meta.generation,
        replicas: fresh.iter().map(|s| s.replicas).sum(),
        updated_replicas: new_index.map_or(0, |i| fresh[i].replicas),
        ready_replicas: fresh.iter().map(|s| s.ready_replicas).sum(),
        available_replicas: fresh.iter().map(|s| s.available_replicas).sum(),
        unavailable_replicas: 0,
        conditions: d.status.conditions.clone(),
    };
    let total_spec: u32 = sets.iter().map(|rs| rs.replicas).sum();
    status.unavailable_replicas = d.replicas.saturating_sub(status.available_replicas);
    let (_, max_unavailable) = fenceposts(d);
    if status.available_replicas >= d.replicas.saturating_sub(max_unavailable) {
        set_condition(
            &mut status.conditions,
            "Available",
            ConditionStatus::True,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.".to_string(),
            now,
        );
    } else {
        set_condition(
            &mut status.conditions,
            "Available",
            ConditionStatus::False,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.".to_string(),
            now,
        );
    }
    // `GetReplicaFailures`: the ReplicaSets' ReplicaFailure, the new one's first.
    let failure = new_index
        .into_iter()
        .chain(0..sets.len())
        .find_map(|i| {
            fresh[i]
                .conditions
                .iter()
                .find(|c| c.type_ == REPLICA_FAILURE)
        })
        .cloned();
    match failure {
        Some(c) => set_condition(
            &mut status.conditions,
            REPLICA_FAILURE,
            c.status,
            &c.reason,
            c.message,
            c.last_transition_time,
        ),
        None => status.conditions.retain(|c| c.type_ != REPLICA_FAILURE),
    }
    let mut action = Action::AwaitChange;
    let rollout = new_index.filter(|_| !d.paused).zip(progressed_by_write);
    if let Some((i, progressed_by_write)) = rollout {
        let rs_name = &sets[i].meta.name;
        let complete = status.updated_replicas == d.replicas
            && status.replicas == d.replicas
            && status.available_replicas == d.replicas
            && total_spec == d.replicas;
        let old = &d.status;
        let progressed = progressed_by_write
            || status.updated_replicas > old.updated_replicas
            || status.ready_replicas > old.ready_replicas
            || status.available_replicas > old.available_replicas
            || status.replicas < old.replicas;
        let progressing = status.conditions.iter().find(|c| c.type_ == "Progressing");
        let deadline = SimDuration::from_secs(u64::from(d.progress_deadline_seconds));
        if complete {
            set_condition(
                &mut status.conditions,
                "Progressing",
                ConditionStatus::True,
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                now,
            );
        } else if progressed || progressing.is_none() {
            let created = progressing.is_none() || created_new;
            let reason = if created {
                "NewReplicaSetCreated"
            } else {
                "ReplicaSetUpdated"
            };
            let message = if created {
                format!("Created new replica set \"{rs_name}\"")
            } else {
                format!("ReplicaSet \"{rs_name}\" is progressing.")
            };
            set_condition(
                &mut status.conditions,
                "Progressing",
                ConditionStatus::True,
                reason,
                message,
                now,
            );
            if let Some(c) = status
                .conditions
                .iter_mut()
                .find(|c| c.type_ == "Progressing")
            {
                c.last_update_time = now;
            }
            action = Action::RequeueAfter(deadline);
        } else if let Some(c) = progressing {
            let timed_out = c.reason != "ProgressDeadlineExceeded"
                && c.reason != "NewReplicaSetAvailable"
                && c.last_update_time + deadline <= now;
            if timed_out {
                set_condition(
                    &mut status.conditions,
                    "Progressing",
                    ConditionStatus::False,
                    "ProgressDeadlineExceeded",
                    format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                    now,
                );
            } else if c.status == ConditionStatus::True && c.reason != "NewReplicaSetAvailable" {
                action =
                    Action::RequeueAfter((c.last_update_time + deadline).saturating_since(now));
            }
        }
    }
    if status != d.status {
        ctx.store
            .modify::<Deployment, _>(&d.meta.key(), false, |dep| dep.status = status)?;
    }
    Ok(action)
}

/// Deletes old ReplicaSets scaled to zero beyond `revisionHistoryLimit`, oldest first.
fn cleanup_history(
    ctx: &mut Context<'_>,
    d: &Deployment,
    sets: &[ReplicaSet],
    new_index: usize,
) -> Result<(), ReconcileError> {
    let mut idle: Vec<&ReplicaSet> = sets
        .iter()
        .enumerate()
        .filter(|(i, rs)| {
            *i != new_index
                && rs.replicas == 0
                && rs.status.replicas == 0
                && rs.meta.deletion_timestamp.is_none()
        })
        .map(|(_, rs)| rs)
        .collect();
    let limit = d.revision_history_limit as usize;
    if idle.len() <= limit {
        return Ok(());
    }
    idle.sort_by_key(|rs| (revision_of(&rs.meta), rs.meta.creation_timestamp));
    let excess = idle.len() - limit;
    for rs in idle.into_iter().take(excess) {
        ctx.store.delete::<ReplicaSet>(&rs.meta.key())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G13: default 25%/25% fenceposts and a 0/10% case.
    #[test]
    fn g13_surge_unavailable_rounding() {
        let p = IntOrPercent::Percent(25);
        let cases = [
            (1, (1, 0)),
            (3, (1, 0)),
            (4, (1, 1)),
            (5, (2, 1)),
            (10, (3, 2)),
        ];
        for (replicas, expected) in cases {
            assert_eq!(
                resolve_fenceposts(p, p, replicas),
                expected,
                "replicas {replicas}"
            );
        }
        assert_eq!(
            resolve_fenceposts(IntOrPercent::Int(0), IntOrPercent::Percent(10), 5),
            (0, 1)
        );
    }

    fn share(replicas: u32, max_replicas_before: u32) -> ActiveShare {
        ActiveShare {
            replicas,
            max_replicas_before: Some(max_replicas_before),
        }
    }

    /// §4.8: replicas 10 (maxSurge 3 ⇒ both ReplicaSets annotated max-replicas 13) rolling
    /// from RS-A (8, older) to RS-B (4); scaled to 20 ⇒ allowed 20 + 3 = 23, so 23 − 12 = 11
    /// are added. Largest first: A gets round(8 × 23 / 13) − 8 = round(14.15) − 8 = 6, B gets
    /// round(4 × 23 / 13) − 4 = round(7.08) − 4 = 3; the 2 left over by rounding go to the
    /// largest, A ⇒ A 16, B 7.
    #[test]
    fn proportional_scale_up_during_rollout() {
        let sizes = proportional_sizes(20, 3, 12, &[share(8, 13), share(4, 13)]);
        assert_eq!(sizes, vec![16, 7]);
    }

    /// §4.8 with the default 25 % surge: at 20 replicas surge is 5 ⇒ allowed 25, 13 added;
    /// A round(8 × 25 / 13) = round(15.38) = 15 (+7), B round(4 × 25 / 13) = round(7.69) = 8
    /// (+4), leftover 2 to A ⇒ 17 and 8.
    #[test]
    fn proportional_scale_up_with_percent_surge() {
        let sizes = proportional_sizes(20, 5, 12, &[share(8, 13), share(4, 13)]);
        assert_eq!(sizes, vec![17, 8]);
    }

    /// §4.8 downwards: A 16 and B 7 annotated max 23 scaled to 10 (surge 3) ⇒ allowed 13,
    /// 10 removed; A round(16 × 13 / 23) = round(9.04) = 9 (−7), B round(7 × 13 / 23) =
    /// round(3.96) = 4 (−3), nothing left over.
    #[test]
    fn proportional_scale_down_during_rollout() {
        let sizes = proportional_sizes(10, 3, 23, &[share(16, 23), share(7, 23)]);
        assert_eq!(sizes, vec![9, 4]);
    }

    /// Scaling to 0 removes every ReplicaSet's whole size (`getReplicaSetFraction`).
    #[test]
    fn proportional_scale_to_zero_empties_every_set() {
        let sizes = proportional_sizes(0, 0, 23, &[share(16, 23), share(7, 23)]);
        assert_eq!(sizes, vec![0, 0]);
    }

    /// Equal sizes: growing favours the newer ReplicaSet. 5 + 5 at max 10 scaled to allowed
    /// 11: the newer B (visited first) gets round(5 × 11 / 10) − 5 = round(5.5) − 5 = 1 (Go
    /// rounds half away from zero) and nothing is left for A.
    #[test]
    fn proportional_tie_grows_the_newer_set() {
        let sizes = proportional_sizes(9, 2, 10, &[share(5, 10), share(5, 10)]);
        assert_eq!(sizes, vec![5, 6]);
    }

    /// Equal sizes: shrinking favours the older ReplicaSet. 5 + 5 at max 10 scaled to allowed
    /// 9: A (older, visited first) gets round(5 × 9 / 10) − 5 = round(4.5) − 5 = 0, B gets 0
    /// too, and the leftover −1 goes to the first visited, A.
    #[test]
    fn proportional_tie_shrinks_the_older_set() {
        let sizes = proportional_sizes(7, 2, 10, &[share(5, 10), share(5, 10)]);
        assert_eq!(sizes, vec![4, 5]);
    }

    /// Without a max-replicas annotation the Deployment's status.replicas is the old total:
    /// 6 + 2 of 8 scaled to allowed 16 ⇒ A round(6 × 16 / 8) − 6 = 6, B 2 ⇒ 12 and 4.
    #[test]
    fn proportional_without_annotation_uses_status_replicas() {
        let unannotated = |replicas| ActiveShare {
            replicas,
            max_replicas_before: None,
        };
        let sizes = proportional_sizes(14, 2, 8, &[unannotated(6), unannotated(2)]);
        assert_eq!(sizes, vec![12, 4]);
    }

    #[test]
    fn template_hash_is_stable_and_safe() {
        let t = PodTemplate {
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            spec: crate::objects::PodSpec {
                node_name: None,
                scheduler_name: "default-scheduler".into(),
                node_selector: BTreeMap::new(),
                tolerations: vec![],
                init_containers: vec![],
                containers: vec![],
                restart_policy: crate::objects::RestartPolicy::Always,
                termination_grace_period_seconds: 30,
                priority: 0,
                priority_class_name: String::new(),
                preemption_policy: Default::default(),
                active_deadline_seconds: None,
                affinity: None,
                volumes: vec![],
                hostname: None,
                subdomain: None,
                topology_spread_constraints: vec![],
            },
        };
        let h = pod_template_hash(&t);
        assert_eq!(h, pod_template_hash(&t.clone()));
        assert!(h.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
    }
}
