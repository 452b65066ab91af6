//! The pod garbage collector's orphan rule (k8s-semantics §3.5): a pod bound to a node that
//! no longer exists is force-deleted once the node has been gone for the 40 s quarantine.
//! (The terminated-pod threshold of 12,500 and the out-of-service rule come later.)

use std::collections::BTreeMap;

use crate::objects::{Kind, Node, ObjectKey, ObjectRef, Pod};
use crate::store::{Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};

use super::{Action, Context, Controller, ReconcileError};

/// How long a pod's node must have been missing before the pod is removed.
pub const ORPHAN_QUARANTINE: SimDuration = SimDuration::from_secs(40);

/// The controller; remembers when it first saw each orphan.
#[derive(Debug, Default)]
pub struct PodGarbageCollector {
    first_seen: BTreeMap<ObjectRef, SimTime>,
}

impl Controller for PodGarbageCollector {
    fn name(&self) -> &'static str {
        "pod-garbage-collector"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
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
