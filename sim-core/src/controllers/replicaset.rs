//! The ReplicaSet controller: keeps `spec.replicas` active pods, ranks victims on scale
//! down exactly as `ActivePodsWithRanks.Less` does (k8s-semantics §4.9–4.10), and keeps
//! `status` current.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::objects::{
    ConditionStatus, DeploymentCondition, Kind, ObjectKey, ObjectMeta, ObjectRef, OwnerReference,
    Pod, PodConditionType, PodPhase, PodStatus, ReplicaSet, ReplicaSetStatus, Uid,
};
use crate::store::{ApiError, DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::{
    claim, create_or_report, wake_adopters, wake_owner_or_self, Action, Context, Controller,
    ReconcileError,
};

/// Annotation that lowers (or raises) a pod's priority as a scale-down victim.
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// The condition type of a ReplicaSet that cannot create its pods.
pub const REPLICA_FAILURE: &str = "ReplicaFailure";

/// Creations per sync are capped like kube-controller-manager's `burstReplicas`.
const BURST_REPLICAS: usize = 500;

/// The controller. Stateless: everything it needs is in the store.
#[derive(Debug, Default)]
pub struct ReplicaSetController;

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        "replicaset-controller"
    }

    fn watches(&self, change: &crate::store::Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        // Its ReplicaSets and the pods they own.
        wake_owner_or_self(change, Kind::ReplicaSet, wake);
        // An orphan pod wakes the ReplicaSets whose selector matches it (adoption).
        wake_adopters::<Pod, ReplicaSet>(change, store, |rs| &rs.selector, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(rs) = ctx.store.get::<ReplicaSet>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if rs.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let rs = rs.clone();
        let now = ctx.now;
        claim::<Pod>(ctx.store, &rs.meta, Kind::ReplicaSet, &rs.selector)?;
        let owned: Vec<&Pod> = owned_pods(ctx.store, &rs.meta).collect();
        let active: Vec<&Pod> = owned.iter().copied().filter(|p| p.is_active()).collect();
        let want = rs.replicas as usize;
        let rs_ref = ObjectRef::new(Kind::ReplicaSet, key.key.clone());

        // With nothing to create or delete, the pods just read are the pods after the sync:
        // the status needs no second pass over them.
        let steady =
            (active.len() == want).then(|| replica_status(&rs, owned.iter().copied(), None, now));
        let mut create_error = None;
        if active.len() < want {
            let missing = (want - active.len()).min(BURST_REPLICAS);
            for _ in 0..missing {
                let pod = pod_from_template(&rs);
                let created =
                    create_or_report(ctx.store, pod, &rs_ref, "replicaset-controller", |error| {
                        format!("Error creating: {error}")
                    });
                match created {
                    Ok(pod_key) => {
                        ctx.store.event(
                            rs_ref.clone(),
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("Created pod: {}", pod_key.name),
                            "replicaset-controller",
                        );
                    }
                    // Refused by admission (quota, limit range): reported, then retried with
                    // the work queue's back-off; the first refusal ends the batch.
                    Err(error @ ApiError::Forbidden { .. }) => {
                        create_error = Some(error);
                        break;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        } else if active.len() > want {
            let surplus = active.len() - want;
            let related = related_pods_per_node(ctx.store, &rs);
            let mut ranked: Vec<RankedPod<'_>> = active
                .iter()
                .map(|p| RankedPod {
                    pod: p,
                    rank: p
                        .spec
                        .node_name
                        .as_ref()
                        .and_then(|n| related.get(n.as_str()))
                        .copied()
                        .unwrap_or(0),
                })
                .collect();
            ranked.sort_by(|a, b| compare_for_deletion(a, b, now));
            let victims: Vec<ObjectKey> = ranked
                .iter()
                .take(surplus)
                .map(|r| r.pod.meta.key())
                .collect();
            for victim in victims {
                ctx.store.delete_pod(&victim, DeleteOptions::default())?;
                ctx.store.event(
                    rs_ref.clone(),
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", victim.name),
                    "replicaset-controller",
                );
            }
        }

        // Status from the pods as they are now (after the writes above, if any).
        let (status, next_available) = match steady {
            Some(computed) => computed,
            None => replica_status(
                &rs,
                owned_pods(ctx.store, &rs.meta),
                create_error.as_ref(),
                now,
            ),
        };
        if ctx.store.get::<ReplicaSet>(&key.key).map(|r| &r.status) != Some(&status) {
            ctx.store
                .modify::<ReplicaSet, _>(&key.key, false, |r| r.status = status)?;
        }
        if let Some(error) = create_error {
            return Err(error.into());
        }
        Ok(match next_available {
            Some(at) => Action::RequeueAfter(at.saturating_since(now)),
            None => Action::AwaitChange,
        })
    }
}

/// The status a sync writes, computed from the ReplicaSet's `pods` as they are after its
/// writes, and the first instant a Ready pod becomes available (`minReadySeconds`).
fn replica_status<'a>(
    rs: &ReplicaSet,
    pods: impl Iterator<Item = &'a Pod>,
    create_error: Option<&ApiError>,
    now: SimTime,
) -> (ReplicaSetStatus, Option<SimTime>) {
    let min_ready = SimDuration::from_secs(u64::from(rs.min_ready_seconds));
    let mut status = ReplicaSetStatus {
        observed_generation: rs.meta.generation,
        conditions: replica_failure(&rs.status.conditions, create_error, now),
        ..ReplicaSetStatus::default()
    };
    let mut next_available: Option<SimTime> = None;
    for pod in pods {
        if !pod.is_active() {
            if pod.meta.deletion_timestamp.is_some() && !pod.status.phase.is_terminal() {
                status.terminating_replicas += 1;
            }
            continue;
        }
        status.replicas += 1;
        if rs
            .template
            .labels
            .iter()
            .all(|(k, v)| pod.meta.labels.get(k) == Some(v))
        {
            status.fully_labeled_replicas += 1;
        }
        if pod.is_ready() {
            status.ready_replicas += 1;
            if pod.is_available(min_ready, now) {
                status.available_replicas += 1;
            } else if let Some(c) = pod.status.condition(PodConditionType::Ready) {
                let at = c.last_transition_time + min_ready;
                next_available = Some(next_available.map_or(at, |t| t.min(at)));
            }
        }
    }
    (status, next_available)
}

/// The `ReplicaFailure` condition after a sync: set (reason `FailedCreate`, the error as
/// message) when a create was refused, kept as it was while it is refused again, removed
/// once creates succeed (`calculateStatus`).
fn replica_failure(
    before: &[DeploymentCondition],
    error: Option<&ApiError>,
    now: SimTime,
) -> Vec<DeploymentCondition> {
    let Some(error) = error else {
        return Vec::new();
    };
    if let Some(existing) = before.iter().find(|c| c.type_ == REPLICA_FAILURE) {
        return vec![existing.clone()];
    }
    vec![DeploymentCondition {
        type_: REPLICA_FAILURE.to_string(),
        status: ConditionStatus::True,
        reason: "FailedCreate".to_string(),
        message: error.to_string(),
        last_transition_time: now,
        last_update_time: now,
    }]
}

/// Pods whose controller owner is the object described by `owner`.
pub fn owned_pods<'a>(store: &'a Store, owner: &'a ObjectMeta) -> impl Iterator<Item = &'a Pod> {
    store.controlled_by::<Pod>(&owner.namespace, owner.uid)
}

fn pod_from_template(rs: &ReplicaSet) -> Pod {
    Pod {
        meta: ObjectMeta {
            generate_name: format!("{}-", rs.meta.name),
            namespace: rs.meta.namespace.clone(),
            labels: rs.template.labels.clone(),
            annotations: rs.template.annotations.clone(),
            owner_references: vec![OwnerReference {
                kind: Kind::ReplicaSet,
                name: rs.meta.name.clone(),
                uid: rs.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        spec: rs.template.spec.clone(),
        status: PodStatus::default(),
    }
}

/// For each node, how many active pods of this ReplicaSet's family (the ReplicaSets of the
/// same controlling Deployment, or just this one) run there.
fn related_pods_per_node<'a>(store: &'a Store, rs: &'a ReplicaSet) -> BTreeMap<&'a str, usize> {
    let owner_uid: Option<Uid> = rs.meta.controller_ref().map(|r| r.uid);
    let family: Vec<Uid> = match owner_uid {
        Some(owner) => store
            .controlled_by::<ReplicaSet>(&rs.meta.namespace, owner)
            .map(|r| r.meta.uid)
            .collect(),
        None => vec![rs.meta.uid],
    };
    // Counts only, so visiting the family's pods set by set gives the same map.
    let mut per_node = BTreeMap::new();
    for uid in family {
        for pod in store.controlled_by::<Pod>(&rs.meta.namespace, uid) {
            if pod.is_active() {
                if let Some(node) = pod.spec.node_name.as_deref() {
                    *per_node.entry(node).or_insert(0) += 1;
                }
            }
        }
    }
    per_node
}

struct RankedPod<'a> {
    pod: &'a Pod,
    rank: usize,
}

fn phase_rank(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        PodPhase::Succeeded | PodPhase::Failed => 3,
    }
}

fn deletion_cost(pod: &Pod) -> i64 {
    pod.meta
        .annotations
        .get(POD_DELETION_COST)
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(0, i64::from)
}

fn ready_since(pod: &Pod) -> Option<SimTime> {
    pod.status
        .condition(PodConditionType::Ready)
        .filter(|c| c.status == crate::objects::ConditionStatus::True)
        .map(|c| c.last_transition_time)
}

/// `floor(log2(now − t))` over nanoseconds, as `logarithmicRankDiff` computes it; −1 for
/// a zero or negative age.
fn log2_age_bucket(t: SimTime, now: SimTime) -> i64 {
    let nanos = u128::from(now.saturating_since(t).as_millis()) * 1_000_000;
    if nanos == 0 {
        -1
    } else {
        i64::from(127 - nanos.leading_zeros())
    }
}

fn uid_order(a: &Pod, b: &Pod) -> Ordering {
    a.meta.uid.cmp(&b.meta.uid)
}

/// Orders pods so that the first ones are deleted first (k8s `ActivePodsWithRanks.Less`
/// with `LogarithmicScaleDown`).
fn compare_for_deletion(a: &RankedPod<'_>, b: &RankedPod<'_>, now: SimTime) -> Ordering {
    let (pa, pb) = (a.pod, b.pod);
    // 1. Unassigned before assigned.
    let assigned = |p: &Pod| p.spec.node_name.is_some();
    if assigned(pa) != assigned(pb) {
        return assigned(pa).cmp(&assigned(pb));
    }
    // 2. Pending < Unknown < Running.
    let (ra, rb) = (phase_rank(pa.status.phase), phase_rank(pb.status.phase));
    if ra != rb {
        return ra.cmp(&rb);
    }
    // 3. Not ready before ready.
    if pa.is_ready() != pb.is_ready() {
        return pa.is_ready().cmp(&pb.is_ready());
    }
    // 4. Lower pod-deletion-cost first.
    let (ca, cb) = (deletion_cost(pa), deletion_cost(pb));
    if ca != cb {
        return ca.cmp(&cb);
    }
    // 5. More related pods on the same node first.
    if a.rank != b.rank {
        return b.rank.cmp(&a.rank);
    }
    // 6. Ready more recently first (log2 buckets, UID tie-break).
    if let (Some(ta), Some(tb)) = (ready_since(pa), ready_since(pb)) {
        if ta != tb {
            return younger_first(ta, tb, pa, pb, now);
        }
    }
    // 7. Higher restart count first.
    let restarts = |p: &Pod| {
        p.status
            .container_statuses
            .iter()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    };
    if restarts(pa) != restarts(pb) {
        return restarts(pb).cmp(&restarts(pa));
    }
    // 8. Newer first (log2 buckets, UID tie-break).
    let (ta, tb) = (pa.meta.creation_timestamp, pb.meta.creation_timestamp);
    if ta != tb {
        return younger_first(ta, tb, pa, pb, now);
    }
    Ordering::Equal
}

/// `logarithmicRankDiff`: the pod whose instant is more recent comes first when their ages
/// fall in different log₂ buckets; inside one bucket the lower UID comes first.
fn younger_first(ta: SimTime, tb: SimTime, pa: &Pod, pb: &Pod, now: SimTime) -> Ordering {
    match log2_age_bucket(ta, now) - log2_age_bucket(tb, now) {
        0 => uid_order(pa, pb),
        diff => diff.cmp(&0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{ConditionStatus, PodSpec, RestartPolicy};

    fn pod(uid: u64, node: Option<&str>, phase: PodPhase, ready_at: Option<u64>) -> Pod {
        let mut status = PodStatus {
            phase,
            ..PodStatus::default()
        };
        if let Some(at) = ready_at {
            status.set_condition(
                PodConditionType::Ready,
                ConditionStatus::True,
                "",
                "",
                SimTime(at),
            );
        }
        Pod {
            meta: ObjectMeta {
                name: format!("p{uid}"),
                uid: Uid(uid),
                ..ObjectMeta::default()
            },
            spec: PodSpec {
                node_name: node.map(str::to_string),
                scheduler_name: "default-scheduler".to_string(),
                node_selector: BTreeMap::new(),
                tolerations: Vec::new(),
                init_containers: Vec::new(),
                containers: Vec::new(),
                restart_policy: RestartPolicy::Always,
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
            status,
        }
    }

    fn order(pods: &[(Pod, usize)], now: SimTime) -> Vec<String> {
        let mut ranked: Vec<RankedPod<'_>> = pods
            .iter()
            .map(|(pod, rank)| RankedPod { pod, rank: *rank })
            .collect();
        ranked.sort_by(|a, b| compare_for_deletion(a, b, now));
        ranked.iter().map(|r| r.pod.meta.name.clone()).collect()
    }

    /// G15 setup 1: A (unscheduled, Pending), B (Running, Ready), C (Running, not Ready);
    /// replicas 3→1 deletes A and C, keeps B.
    #[test]
    fn g15_unscheduled_then_not_ready_go_first() {
        let a = pod(1, None, PodPhase::Pending, None);
        let b = pod(2, Some("n1"), PodPhase::Running, Some(0));
        let c = pod(3, Some("n1"), PodPhase::Running, None);
        let ranked = order(&[(b, 0), (c, 0), (a, 0)], SimTime(100_000));
        assert_eq!(ranked[..2], ["p1", "p3"]);
        assert_eq!(ranked[2], "p2");
    }

    /// G15 setup 2: a negative pod-deletion-cost makes B the victim.
    #[test]
    fn g15_deletion_cost_decides() {
        let a = pod(1, Some("n1"), PodPhase::Running, Some(0));
        let mut b = pod(2, Some("n1"), PodPhase::Running, Some(0));
        b.meta
            .annotations
            .insert(POD_DELETION_COST.to_string(), "-100".to_string());
        let c = pod(3, Some("n1"), PodPhase::Running, Some(0));
        let ranked = order(&[(a, 0), (b, 0), (c, 0)], SimTime(100_000));
        assert_eq!(ranked[0], "p2");
    }

    /// G15 setup 3: three Ready pods on n1, n1, n2, same ages: one of the n1 pods goes.
    #[test]
    fn g15_crowded_node_first() {
        let a = pod(1, Some("n1"), PodPhase::Running, Some(0));
        let b = pod(2, Some("n1"), PodPhase::Running, Some(0));
        let c = pod(3, Some("n2"), PodPhase::Running, Some(0));
        let ranked = order(&[(c, 1), (a, 2), (b, 2)], SimTime(100_000));
        assert!(ranked[0] == "p1" || ranked[0] == "p2", "{ranked:?}");
    }

    #[test]
    fn recently_ready_goes_before_long_ready_across_buckets() {
        let old = pod(1, Some("n1"), PodPhase::Running, Some(0));
        let fresh = pod(2, Some("n1"), PodPhase::Running, Some(1_000_000));
        let ranked = order(&[(old, 0), (fresh, 0)], SimTime(1_001_000));
        assert_eq!(ranked, ["p2", "p1"]);
    }
}
