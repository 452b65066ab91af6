//! The taint eviction controller (k8s-semantics §7.5; split out of the node lifecycle
//! controller in 1.29, GA in 1.34): pods on a node with `NoExecute` taints.
//!
//! * a pod that does not tolerate every NoExecute taint is deleted at once;
//! * a pod tolerating them all, with `tolerationSeconds` on some, is deleted when the
//!   shortest of those has passed since the controller first saw it tolerating (a timer,
//!   not a poll);
//! * a pod tolerating them all without `tolerationSeconds` stays.
//!
//! Deleted pods get the `DisruptionTarget` condition (reason `DeletionByTaintManager`) and
//! the `TaintManagerEviction` event "Marking for deletion Pod ns/name"; a scheduled
//! deletion that no longer applies (the taint went, the pod left) is cancelled with
//! "Cancelling deletion of Pod ns/name".

use std::collections::BTreeMap;

use crate::objects::{
    ConditionStatus, Kind, Node, ObjectKey, ObjectRef, Pod, PodConditionType, Taint, TaintEffect,
    Toleration, Uid,
};
use crate::store::{Change, ChangeType, DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::{Action, Context, Controller, ReconcileError};

/// The event source.
pub const SOURCE: &str = "taint-eviction-controller";
/// The reason of the `DisruptionTarget` condition it sets.
pub const DELETION_BY_TAINT_MANAGER: &str = "DeletionByTaintManager";
/// The message of that condition.
pub const DELETION_MESSAGE: &str = "Taint manager: deleting due to NoExecute taint";

/// A scheduled deletion (`TimedWorker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scheduled {
    uid: Uid,
    created_at: SimTime,
    fire_at: SimTime,
}

/// The controller, with the deletions it has scheduled.
#[derive(Debug, Default)]
pub struct TaintEvictionController {
    scheduled: BTreeMap<ObjectKey, Scheduled>,
    /// The nodes with a NoExecute taint.
    tainted: super::NodeSet,
}

/// How long a pod may stay on a node with these NoExecute taints (`GetMatchingTolerations`
/// then `getMinTolerationTime`): `None` if some taint is not tolerated, `Some(None)` if it
/// may stay forever, `Some(Some(d))` otherwise.
pub fn toleration_time(
    taints: &[&Taint],
    tolerations: &[Toleration],
) -> Option<Option<SimDuration>> {
    let mut used = Vec::new();
    for taint in taints {
        used.push(tolerations.iter().find(|t| t.tolerates(taint))?);
    }
    if used.is_empty() {
        return Some(Some(SimDuration::ZERO));
    }
    let mut min: Option<u64> = None;
    for t in used {
        if let Some(seconds) = t.toleration_seconds {
            let seconds = u64::try_from(seconds).unwrap_or(0);
            min = Some(min.map_or(seconds, |m| m.min(seconds)));
        }
    }
    Some(min.map(SimDuration::from_secs))
}

fn no_execute(node: &Node) -> impl Iterator<Item = &Taint> + '_ {
    node.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::NoExecute)
}

impl TaintEvictionController {
    fn cancel(&mut self, store: &mut Store, key: &ObjectKey) {
        if self.scheduled.remove(key).is_some() {
            store.event(
                ObjectRef::new(Kind::Pod, key.clone()),
                EventType::Normal,
                "TaintManagerEviction",
                format!("Cancelling deletion of Pod {key}"),
                SOURCE,
            );
        }
    }
}

impl Controller for TaintEvictionController {
    fn name(&self) -> &'static str {
        "taint-eviction-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        self.tainted
            .observe(change, store, |n| no_execute(n).next().is_some());
        match change.kind {
            Kind::Node if change.change_type != ChangeType::Deleted => {
                let name = change.key.name.as_str();
                let tainted = store
                    .get::<Node>(&change.key)
                    .is_some_and(|n| no_execute(n).next().is_some());
                let pending = self.scheduled.keys().any(|k| {
                    store
                        .get::<Pod>(k)
                        .and_then(|p| p.spec.node_name.as_deref())
                        == Some(name)
                });
                if tainted || pending {
                    wake.extend(
                        store
                            .list::<Pod>()
                            .filter(|p| p.spec.node_name.as_deref() == Some(name))
                            .map(|p| ObjectRef::new(Kind::Pod, p.meta.key())),
                    );
                }
            }
            Kind::Pod => {
                if self.scheduled.contains_key(&change.key) {
                    wake.push(ObjectRef::new(Kind::Pod, change.key.clone()));
                    return;
                }
                let tainted = change
                    .node_name
                    .as_ref()
                    .is_some_and(|n| self.tainted.contains(n));
                if tainted && change.change_type != ChangeType::Deleted {
                    wake.push(ObjectRef::new(Kind::Pod, change.key.clone()));
                }
            }
            _ => {}
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let now = ctx.now;
        let pod_key = &key.key;
        let Some(pod) = ctx.store.get::<Pod>(pod_key) else {
            self.scheduled.remove(pod_key);
            return Ok(Action::AwaitChange);
        };
        if pod.meta.deletion_timestamp.is_some() {
            self.scheduled.remove(pod_key);
            return Ok(Action::AwaitChange);
        }
        let uid = pod.meta.uid;
        let node = pod
            .spec
            .node_name
            .as_ref()
            .and_then(|n| ctx.store.get::<Node>(&ObjectKey::cluster(n.as_str())));
        let taints: Vec<&Taint> = node.map(|n| no_execute(n).collect()).unwrap_or_default();
        if taints.is_empty() {
            self.cancel(ctx.store, pod_key);
            return Ok(Action::AwaitChange);
        }
        let Some(allowed) = toleration_time(&taints, &pod.spec.tolerations) else {
            // Not every taint is tolerated: deleted right away.
            self.scheduled.remove(pod_key);
            return self.delete(ctx, pod_key);
        };
        let Some(allowed) = allowed else {
            self.cancel(ctx.store, pod_key);
            return Ok(Action::AwaitChange);
        };
        let existing = self
            .scheduled
            .get(pod_key)
            .filter(|s| s.uid == uid)
            .copied();
        let work = match existing {
            // Work created earlier stands (`processPodOnNode`).
            Some(s) if s.created_at < now => s,
            _ => Scheduled {
                uid,
                created_at: now,
                fire_at: now + allowed,
            },
        };
        self.scheduled.insert(pod_key.clone(), work);
        if now < work.fire_at {
            return Ok(Action::RequeueAfter(work.fire_at.saturating_since(now)));
        }
        self.scheduled.remove(pod_key);
        self.delete(ctx, pod_key)
    }
}

impl TaintEvictionController {
    /// `deletePodHandler`: the event, the `DisruptionTarget` condition, a graceful delete.
    fn delete(
        &mut self,
        ctx: &mut Context<'_>,
        pod_key: &ObjectKey,
    ) -> Result<Action, ReconcileError> {
        let now = ctx.now;
        ctx.store.event(
            ObjectRef::new(Kind::Pod, pod_key.clone()),
            EventType::Normal,
            "TaintManagerEviction",
            format!("Marking for deletion Pod {pod_key}"),
            SOURCE,
        );
        ctx.store.modify::<Pod, _>(pod_key, false, |p| {
            p.status.set_condition(
                PodConditionType::DisruptionTarget,
                ConditionStatus::True,
                DELETION_BY_TAINT_MANAGER,
                DELETION_MESSAGE,
                now,
            );
        })?;
        ctx.store.delete_pod(pod_key, DeleteOptions::default())?;
        Ok(Action::AwaitChange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::TolerationOperator;

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.to_string(),
            value: String::new(),
            effect: TaintEffect::NoExecute,
        }
    }

    fn toleration(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.to_string(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: seconds,
        }
    }

    #[test]
    fn the_shortest_toleration_of_the_taints_wins() {
        let a = taint("a");
        let b = taint("b");
        let taints = [&a, &b];
        assert_eq!(
            toleration_time(
                &taints,
                &[toleration("a", Some(300)), toleration("b", Some(60))]
            ),
            Some(Some(SimDuration::from_secs(60)))
        );
        // One taint tolerated forever, the other for 300 s: 300 s.
        assert_eq!(
            toleration_time(
                &taints,
                &[toleration("a", None), toleration("b", Some(300))]
            ),
            Some(Some(SimDuration::from_secs(300)))
        );
        assert_eq!(
            toleration_time(&taints, &[toleration("a", None), toleration("b", None)]),
            Some(None)
        );
        // A negative or zero toleration means at once.
        assert_eq!(
            toleration_time(&taints, &[toleration("", Some(-5))]),
            Some(Some(SimDuration::ZERO))
        );
        // An untolerated taint: deleted at once.
        assert_eq!(toleration_time(&taints, &[toleration("a", None)]), None);
    }
}
