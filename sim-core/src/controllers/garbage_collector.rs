//! The garbage collector, background propagation only (the `kubectl delete` default):
//! once every owner of an object is gone, the object is deleted (pods gracefully).
//! Foreground and orphan propagation come with the controllers issue. EndpointSlices go with
//! their Service this way (k8s-semantics §12.1).

use crate::objects::{EndpointSlice, Kind, ObjectMeta, ObjectRef, Pod, ReplicaSet, Service};
use crate::store::{Change, ChangeType, DeleteOptions, Store};

use super::{Action, Context, Controller, ReconcileError};

/// The controller. Stateless: it finds dependents through the store.
#[derive(Debug, Default)]
pub struct GarbageCollector;

fn owned_by(meta: &ObjectMeta, change: &Change) -> bool {
    meta.owner_references
        .iter()
        .any(|r| r.uid == change.uid && r.kind == change.kind)
}

fn owners_gone(store: &Store, meta: &ObjectMeta) -> bool {
    !meta.owner_references.is_empty()
        && meta.owner_references.iter().all(|r| {
            let key = crate::objects::ObjectKey::new(meta.namespace.clone(), r.name.clone());
            let live_uid = match r.kind {
                Kind::Deployment => store
                    .get::<crate::objects::Deployment>(&key)
                    .map(|o| o.meta.uid),
                Kind::ReplicaSet => store.get::<ReplicaSet>(&key).map(|o| o.meta.uid),
                Kind::Pod => store.get::<Pod>(&key).map(|o| o.meta.uid),
                Kind::Node => store
                    .get::<crate::objects::Node>(&crate::objects::ObjectKey::cluster(&r.name))
                    .map(|o| o.meta.uid),
                Kind::Service => store.get::<Service>(&key).map(|o| o.meta.uid),
                Kind::EndpointSlice => store.get::<EndpointSlice>(&key).map(|o| o.meta.uid),
            };
            live_uid != Some(r.uid)
        })
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.change_type != ChangeType::Deleted {
            return;
        }
        let ns = change.key.namespace.as_str();
        match change.kind {
            Kind::Deployment => wake.extend(
                store
                    .list_namespace::<ReplicaSet>(ns)
                    .filter(|rs| owned_by(&rs.meta, change))
                    .map(|rs| ObjectRef::new(Kind::ReplicaSet, rs.meta.key())),
            ),
            Kind::ReplicaSet => wake.extend(
                store
                    .list_namespace::<Pod>(ns)
                    .filter(|p| owned_by(&p.meta, change))
                    .map(|p| ObjectRef::new(Kind::Pod, p.meta.key())),
            ),
            Kind::Service => wake.extend(
                store
                    .list_namespace::<EndpointSlice>(ns)
                    .filter(|s| owned_by(&s.meta, change))
                    .map(|s| ObjectRef::new(Kind::EndpointSlice, s.meta.key())),
            ),
            Kind::Node | Kind::Pod | Kind::EndpointSlice => {}
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        match key.kind {
            Kind::ReplicaSet => {
                if let Some(rs) = ctx.store.get::<ReplicaSet>(&key.key) {
                    if owners_gone(ctx.store, &rs.meta) {
                        ctx.store.delete::<ReplicaSet>(&key.key)?;
                    }
                }
            }
            Kind::Pod => {
                if let Some(pod) = ctx.store.get::<Pod>(&key.key) {
                    if owners_gone(ctx.store, &pod.meta) {
                        ctx.store.delete_pod(&key.key, DeleteOptions::default())?;
                    }
                }
            }
            Kind::EndpointSlice => {
                if let Some(slice) = ctx.store.get::<EndpointSlice>(&key.key) {
                    if owners_gone(ctx.store, &slice.meta) {
                        ctx.store.delete::<EndpointSlice>(&key.key)?;
                    }
                }
            }
            Kind::Deployment | Kind::Node | Kind::Service => {}
        }
        Ok(Action::AwaitChange)
    }
}
