//! The pod garbage collector's orphan rule (k8s-semantics §3.5): a pod bound to a node that
//! no longer exists is force-deleted once the node has been gone for the 40 s quarantine.
//! Its `gcTerminating` rule (§7.6): a terminating pod on a node that is not Ready and has
//! the `node.kubernetes.io/out-of-service:NoExecute` taint is marked Failed and
//! force-deleted (at once here; the real loop runs every 20 s).
//! (The terminated-pod threshold of 12,500 comes later.)

use std::collections::BTreeMap;

use crate::objects::{
    ConditionStatus, Kind, Node, ObjectKey, ObjectRef, Pod, PodPhase, TaintEffect,
    OUT_OF_SERVICE_TAINT,
};
use crate::store::{Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};

use super::{Action, Context, Controller, ReconcileError};

/// How long a pod's node must have been missing before the pod is removed.
pub const ORPHAN_QUARANTINE: SimDuration = SimDuration::from_secs(40);

/// The controller; remembers when it first saw each orphan.
#[derive(Debug, Default)]
pub struct PodGarbageCollector {
    first_seen: BTreeMap<ObjectRef, SimTime>,
    /// The nodes that are out of service (`out_of_service`).
    out_of_service: super::NodeSet,
}

impl Controller for PodGarbageCollector {
    fn name(&self) -> &'static str {
        "pod-garbage-collector"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        self.out_of_service.observe(change, store, out_of_service);
        if change.kind == Kind::Node && change.change_type != ChangeType::Deleted {
            if store.get::<Node>(&change.key).is_some_and(out_of_service) {
                wake.extend(
                    store
                        .list::<Pod>()
                        .filter(|p| {
                            p.spec.node_name.as_deref() == Some(change.key.name.as_str())
                                && p.meta.deletion_timestamp.is_some()
                        })
                        .map(|p| ObjectRef::new(Kind::Pod, p.meta.key())),
                );
            }
            return;
        }
        if change.kind == Kind::Pod && change.change_type != ChangeType::Deleted {
            let on_out_of_service = change
                .node_name
                .as_ref()
                .is_some_and(|n| self.out_of_service.contains(n));
            if on_out_of_service
                && store
                    .get::<Pod>(&change.key)
                    .is_some_and(|p| p.meta.deletion_timestamp.is_some())
            {
                wake.push(ObjectRef::new(Kind::Pod, change.key.clone()));
            }
            return;
        }
        if change.kind == Kind::Node && change.change_type == ChangeType::Deleted {
            wake.extend(
                store
                    .list::<Pod>()
                    .filter(|p| p.spec.node_name.as_deref() == Some(change.key.name.as_str()))
                    .map(|p| ObjectRef::new(Kind::Pod, p.meta.key())),
            );
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let terminating_out_of_service = ctx.store.get::<Pod>(&key.key).is_some_and(|p| {
            p.meta.deletion_timestamp.is_some()
                && p.spec.node_name.as_ref().is_some_and(|n| {
                    ctx.store
                        .get::<Node>(&ObjectKey::cluster(n.clone()))
                        .is_some_and(out_of_service)
                })
        });
        if terminating_out_of_service {
            ctx.store.modify::<Pod, _>(&key.key, false, |p| {
                if !p.status.phase.is_terminal() {
                    p.status.phase = PodPhase::Failed;
                }
            })?;
            ctx.store.remove::<Pod>(&key.key)?;
            return Ok(Action::AwaitChange);
        }
        let orphan = ctx.store.get::<Pod>(&key.key).is_some_and(|p| {
            p.spec.node_name.as_ref().is_some_and(|n| {
                ctx.store
                    .get::<Node>(&ObjectKey::cluster(n.clone()))
                    .is_none()
            })
        });
        if !orphan {
            self.first_seen.remove(key);
            return Ok(Action::AwaitChange);
        }
        let first = *self.first_seen.entry(key.clone()).or_insert(ctx.now);
        let due = first + ORPHAN_QUARANTINE;
        if ctx.now < due {
            return Ok(Action::RequeueAfter(due.saturating_since(ctx.now)));
        }
        self.first_seen.remove(key);
        ctx.store.remove::<Pod>(&key.key)?;
        Ok(Action::AwaitChange)
    }
}

/// A node PodGC may clear of terminating pods: not Ready, with the out-of-service taint.
fn out_of_service(node: &Node) -> bool {
    node.ready != ConditionStatus::True
        && node
            .taints
            .iter()
            .any(|t| t.key == OUT_OF_SERVICE_TAINT && t.effect == TaintEffect::NoExecute)
}
