//! The namespace controller: a namespace being deleted (phase Terminating) has all its
//! content deleted, pods gracefully and the rest with background propagation, and is
//! removed once nothing is left in it (the `kubernetes` finalizer of `spec.finalizers`).

use crate::objects::{Kind, Namespace, NamespacePhase, ObjectKey, ObjectRef};
use crate::store::{Change, ChangeType, DeleteOptions, Object, PropagationPolicy, Store};
use crate::with_kind;

use super::{Action, Context, Controller, ReconcileError};

/// The controller. Stateless.
#[derive(Debug, Default)]
pub struct NamespaceController;

fn terminating(store: &Store, name: &str) -> bool {
    store
        .get::<Namespace>(&ObjectKey::cluster(name))
        .is_some_and(|ns| ns.phase == NamespacePhase::Terminating)
}

impl Controller for NamespaceController {
    fn name(&self) -> &'static str {
        "namespace-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::Namespace && change.change_type != ChangeType::Deleted {
            wake.push(ObjectRef::new(Kind::Namespace, change.key.clone()));
        } else if change.change_type == ChangeType::Deleted
            && change.kind.namespaced()
            && terminating(store, &change.key.namespace)
        {
            // Content going may let the namespace go.
            wake.push(ObjectRef::new(
                Kind::Namespace,
                ObjectKey::cluster(change.key.namespace.clone()),
            ));
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let name = key.key.name.clone();
        if !terminating(ctx.store, &name) {
            return Ok(Action::AwaitChange);
        }
        for kind in Kind::ALL.into_iter().filter(|k| k.namespaced()) {
            let keys: Vec<(ObjectKey, bool)> = with_kind!(kind, T => ctx
                .store
                .list_namespace::<T>(&name)
                .map(|o| (o.meta().key(), o.meta().deletion_timestamp.is_some()))
                .collect());
            for (object, deleting) in keys {
                if deleting {
                    continue;
                }
                match kind {
                    Kind::Pod => {
                        ctx.store.delete_pod(&object, DeleteOptions::default())?;
                    }
                    kind => {
                        with_kind!(kind, T => ctx
                            .store
                            .delete_propagating::<T>(&object, PropagationPolicy::Background)?);
                    }
                }
            }
        }
        // What is still terminating (pods within their grace period) wakes this key again
        // when it goes.
        let empty = Kind::ALL
            .into_iter()
            .filter(|k| k.namespaced())
            .all(|k| ctx.store.count_in_namespace(k, &name) == 0);
        if empty {
            ctx.store.remove::<Namespace>(&key.key)?;
        }
        Ok(Action::AwaitChange)
    }
}
