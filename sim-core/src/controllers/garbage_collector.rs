//! The garbage collector and the three propagation policies of a delete (k8s-semantics
//! §12):
//!
//! * **Background**: once every owner of an object is gone, the object is deleted (pods
//!   gracefully). EndpointSlices go with their Service this way (§12.1).
//! * **Foreground**: an owner with a deletionTimestamp and the `foregroundDeletion`
//!   finalizer has its dependents deleted (a dependent that owns objects itself is deleted
//!   in the foreground too, as Kubernetes does, so a Deployment waits for the pods of its
//!   ReplicaSets); the finalizer is removed, and the owner goes, once no dependent with
//!   `blockOwnerDeletion` is left. Pods terminate with their grace period meanwhile.
//! * **Orphan**: an owner with the `orphan` finalizer has its ownerReferences removed from
//!   its dependents, then the finalizer, and goes; the dependents keep running.
//!
//! Only controller owners are woken when a dependent goes (the store's change carries the
//! controller owner, and the built-in controllers own their objects that way).

use crate::objects::{Kind, ObjectKey, ObjectMeta, ObjectRef, Pod, Uid};
use crate::store::{
    Change, ChangeType, DeleteOptions, Object, PropagationPolicy, Store,
    FINALIZER_FOREGROUND_DELETION, FINALIZER_ORPHAN,
};

use super::{Action, Context, Controller, ReconcileError};
use crate::with_kind;

/// The controller. Stateless: it finds dependents through the store.
#[derive(Debug, Default)]
pub struct GarbageCollector;

/// The kinds that may own objects, and the kinds they own.
const DEPENDENT_KINDS: [Kind; 5] = [
    Kind::ReplicaSet,
    Kind::Job,
    Kind::Pod,
    Kind::EndpointSlice,
    Kind::PersistentVolumeClaim,
];

fn owned_by(meta: &ObjectMeta, change: &Change) -> bool {
    meta.owner_references
        .iter()
        .any(|r| r.uid == change.uid && r.kind == change.kind)
}

fn meta_of<'a>(store: &'a Store, kind: Kind, key: &ObjectKey) -> Option<&'a ObjectMeta> {
    store.meta_of(kind, key)
}

fn owners_gone(store: &Store, meta: &ObjectMeta) -> bool {
    !meta.owner_references.is_empty()
        && meta.owner_references.iter().all(|r| {
            let key = if r.kind.namespaced() {
                ObjectKey::new(meta.namespace.clone(), r.name.clone())
            } else {
                ObjectKey::cluster(&r.name)
            };
            meta_of(store, r.kind, &key).map(|m| m.uid) != Some(r.uid)
        })
}

/// Whether the object is being deleted and waits for the garbage collector (one of the
/// finalizers it processes is set).
fn awaits_collector(meta: &ObjectMeta) -> bool {
    meta.deletion_timestamp.is_some()
        && meta
            .finalizers
            .iter()
            .any(|f| f == FINALIZER_FOREGROUND_DELETION || f == FINALIZER_ORPHAN)
}

/// One object that names an owner in its ownerReferences.
#[derive(Debug)]
struct Dependent {
    kind: Kind,
    key: ObjectKey,
    /// The reference to the owner has `blockOwnerDeletion`.
    blocking: bool,
    /// It is being deleted already.
    deleting: bool,
}

/// The dependents of the owner with `uid` in `namespace`, by kind then name.
fn dependents_of(store: &Store, namespace: &str, uid: Uid) -> Vec<Dependent> {
    fn collect<'a>(
        metas: impl Iterator<Item = &'a ObjectMeta>,
        kind: Kind,
        uid: Uid,
        out: &mut Vec<Dependent>,
    ) {
        for meta in metas {
            let refs = meta.owner_references.iter().filter(|r| r.uid == uid);
            let mut blocking = None;
            for r in refs {
                *blocking.get_or_insert(false) |= r.block_owner_deletion;
            }
            if let Some(blocking) = blocking {
                out.push(Dependent {
                    kind,
                    key: meta.key(),
                    blocking,
                    deleting: meta.deletion_timestamp.is_some(),
                });
            }
        }
    }
    let mut out = Vec::new();
    for kind in DEPENDENT_KINDS {
        with_kind!(kind, T => collect(
            store.list_namespace::<T>(namespace).map(Object::meta),
            kind,
            uid,
            &mut out,
        ));
    }
    out
}

/// Removes every ownerReference to `uid` from the object of kind `T` at `key`.
fn strip_owner<T: Object>(
    store: &mut Store,
    key: &ObjectKey,
    uid: Uid,
) -> Result<(), ReconcileError> {
    store.modify::<T, _>(key, false, |obj| {
        obj.meta_mut().owner_references.retain(|r| r.uid != uid);
    })?;
    Ok(())
}

/// Deletes a dependent of an owner in foreground deletion: pods gracefully, an object that
/// owns objects itself in the foreground (Kubernetes' `attemptToDeleteItem`), others at once.
fn delete_dependent(store: &mut Store, dependent: &Dependent) -> Result<(), ReconcileError> {
    let policy = match meta_of(store, dependent.kind, &dependent.key) {
        Some(meta) if !dependents_of(store, &meta.namespace, meta.uid).is_empty() => {
            PropagationPolicy::Foreground
        }
        Some(_) => PropagationPolicy::Background,
        None => return Ok(()),
    };
    let key = &dependent.key;
    match dependent.kind {
        Kind::Pod => store.delete_pod(key, DeleteOptions::default())?,
        kind => with_kind!(kind, T => store.delete_propagating::<T>(key, policy)?),
    };
    Ok(())
}

/// An object being deleted has its finalizers processed; one whose owners are all gone is
/// deleted (background).
fn collect_or_finalize<T: Object>(
    store: &mut Store,
    key: &ObjectKey,
) -> Result<(), ReconcileError> {
    let Some(meta) = store.get::<T>(key).map(Object::meta) else {
        return Ok(());
    };
    if meta.deletion_timestamp.is_some() {
        finalize_owner::<T>(store, key)?;
    } else if owners_gone(store, meta) {
        store.delete::<T>(key)?;
    }
    Ok(())
}

/// Processes the finalizers of the owner of kind `T` at `key` if it is being deleted.
fn finalize_owner<T: Object>(store: &mut Store, key: &ObjectKey) -> Result<(), ReconcileError> {
    let Some(meta) = store.get::<T>(key).map(Object::meta) else {
        return Ok(());
    };
    if !awaits_collector(meta) {
        return Ok(());
    }
    let (namespace, uid) = (meta.namespace.clone(), meta.uid);
    let orphan = meta.finalizers.iter().any(|f| f == FINALIZER_ORPHAN);
    let foreground = meta
        .finalizers
        .iter()
        .any(|f| f == FINALIZER_FOREGROUND_DELETION);
    if orphan {
        for dependent in dependents_of(store, &namespace, uid) {
            with_kind!(dependent.kind, T => strip_owner::<T>(store, &dependent.key, uid)?);
        }
        if store.remove_finalizer::<T>(key, FINALIZER_ORPHAN)? {
            return Ok(());
        }
    }
    if foreground {
        let dependents = dependents_of(store, &namespace, uid);
        for dependent in dependents.iter().filter(|d| !d.deleting) {
            delete_dependent(store, dependent)?;
        }
        // What the deletions removed at once no longer blocks.
        let blocked = dependents_of(store, &namespace, uid)
            .iter()
            .any(|d| d.blocking);
        if !blocked {
            store.remove_finalizer::<T>(key, FINALIZER_FOREGROUND_DELETION)?;
        }
    }
    Ok(())
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.change_type != ChangeType::Deleted {
            // An owner entering foreground or orphaning deletion (or changing during it).
            if meta_of(store, change.kind, &change.key).is_some_and(awaits_collector) {
                wake.push(ObjectRef::new(change.kind, change.key.clone()));
            }
            return;
        }
        let ns = change.key.namespace.as_str();
        // A dependent gone may unblock its owner's foreground deletion.
        if let Some((kind, name)) = &change.controller_owner {
            let key = ObjectKey::new(ns, name.clone());
            if meta_of(store, *kind, &key).is_some_and(awaits_collector) {
                wake.push(ObjectRef::new(*kind, key));
            }
        }
        // Leaf kinds own nothing; skipping them keeps a pod's deletion O(1) here.
        if matches!(
            change.kind,
            Kind::Pod | Kind::EndpointSlice | Kind::Node | Kind::PersistentVolumeClaim
        ) {
            return;
        }
        for kind in DEPENDENT_KINDS {
            with_kind!(kind, T => wake.extend(
                store
                    .list_namespace::<T>(ns)
                    .filter(|o| owned_by(o.meta(), change))
                    .map(|o| ObjectRef::new(kind, o.meta().key())),
            ));
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        match key.kind {
            Kind::Pod => {
                if let Some(pod) = ctx.store.get::<Pod>(&key.key) {
                    if owners_gone(ctx.store, &pod.meta) {
                        ctx.store.delete_pod(&key.key, DeleteOptions::default())?;
                    }
                }
            }
            kind => with_kind!(kind, T => collect_or_finalize::<T>(ctx.store, &key.key)?),
        }
        Ok(Action::AwaitChange)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::objects::{
        OwnerReference, PodPhase, PodSpec, PodStatus, PodTemplate, ReplicaSet, RestartPolicy,
    };
    use crate::rng::{RngStreams, Stream};
    use crate::selector::LabelSelector;
    use crate::store::DeleteOutcome;
    use crate::time::SimTime;

    fn store() -> Store {
        Store::new(RngStreams::new(1).stream(Stream::ObjectNames))
    }

    fn pod_spec(node: Option<&str>) -> PodSpec {
        PodSpec {
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
        }
    }

    fn replicaset(store: &mut Store) -> (ObjectKey, Uid) {
        let key = store
            .create(ReplicaSet {
                meta: ObjectMeta {
                    name: "web".to_string(),
                    namespace: "default".to_string(),
                    ..ObjectMeta::default()
                },
                replicas: 2,
                selector: LabelSelector::default(),
                template: PodTemplate {
                    labels: BTreeMap::new(),
                    annotations: BTreeMap::new(),
                    spec: pod_spec(None),
                },
                min_ready_seconds: 0,
                status: Default::default(),
            })
            .expect("created");
        let uid = store.get::<ReplicaSet>(&key).expect("exists").meta.uid;
        (key, uid)
    }

    /// A pod owned by the ReplicaSet `uid`; bound and Running if `node` is given (so its
    /// deletion is graceful), unbound otherwise (removed at once).
    fn pod(store: &mut Store, name: &str, owner: Uid, node: Option<&str>, blocking: bool) {
        store
            .create(Pod {
                meta: ObjectMeta {
                    name: name.to_string(),
                    namespace: "default".to_string(),
                    owner_references: vec![OwnerReference {
                        kind: Kind::ReplicaSet,
                        name: "web".to_string(),
                        uid: owner,
                        controller: true,
                        block_owner_deletion: blocking,
                    }],
                    ..ObjectMeta::default()
                },
                spec: pod_spec(node),
                status: PodStatus {
                    phase: if node.is_some() {
                        PodPhase::Running
                    } else {
                        PodPhase::Pending
                    },
                    ..PodStatus::default()
                },
            })
            .expect("created");
    }

    /// Feeds the pending changes to the collector's watch and runs the reconciles it asks
    /// for, in order, as the simulation would with zero latency.
    fn settle(gc: &mut GarbageCollector, store: &mut Store) {
        let mut rng = RngStreams::new(1).stream(Stream::ObjectNames);
        for _ in 0..100 {
            let mut changes = Vec::new();
            store.drain_changes(&mut changes);
            let mut wake = Vec::new();
            for change in &changes {
                gc.watches(change, store, &mut wake);
            }
            if wake.is_empty() {
                return;
            }
            for key in wake {
                let mut ctx = Context {
                    store,
                    now: SimTime::ZERO,
                    rng: &mut rng,
                };
                gc.reconcile(&key, &mut ctx).expect("reconciles");
            }
        }
        panic!("the collector does not settle");
    }

    fn finalizers(store: &Store, key: &ObjectKey) -> Option<Vec<String>> {
        store
            .get::<ReplicaSet>(key)
            .map(|rs| rs.meta.finalizers.clone())
    }

    #[test]
    fn foreground_keeps_the_owner_until_blocking_dependents_are_gone() {
        let mut s = store();
        let mut gc = GarbageCollector;
        let (rs, uid) = replicaset(&mut s);
        pod(&mut s, "running", uid, Some("n1"), true);
        pod(&mut s, "pending", uid, None, true);
        settle(&mut gc, &mut s);
        assert_eq!(
            s.delete_propagating::<ReplicaSet>(&rs, PropagationPolicy::Foreground),
            Ok(DeleteOutcome::Terminating)
        );
        assert_eq!(
            s.delete_propagating::<ReplicaSet>(&rs, PropagationPolicy::Foreground),
            Ok(DeleteOutcome::AlreadyTerminating)
        );
        settle(&mut gc, &mut s);
        // The pending pod went at once, the running one terminates: the owner waits.
        assert!(s
            .get::<Pod>(&ObjectKey::new("default", "pending"))
            .is_none());
        let running = ObjectKey::new("default", "running");
        assert!(s
            .get::<Pod>(&running)
            .is_some_and(|p| p.meta.deletion_timestamp.is_some()));
        assert_eq!(
            finalizers(&s, &rs),
            Some(vec![FINALIZER_FOREGROUND_DELETION.to_string()])
        );
        assert!(s
            .get::<ReplicaSet>(&rs)
            .is_some_and(|r| r.meta.deletion_timestamp.is_some()));
        // The kubelet confirms the pod's termination: the finalizer goes, and the owner.
        s.remove::<Pod>(&running).expect("removed");
        settle(&mut gc, &mut s);
        assert_eq!(finalizers(&s, &rs), None);
    }

    #[test]
    fn foreground_does_not_wait_for_a_dependent_without_block_owner_deletion() {
        let mut s = store();
        let mut gc = GarbageCollector;
        let (rs, uid) = replicaset(&mut s);
        pod(&mut s, "running", uid, Some("n1"), false);
        s.delete_propagating::<ReplicaSet>(&rs, PropagationPolicy::Foreground)
            .expect("deletes");
        settle(&mut gc, &mut s);
        assert_eq!(finalizers(&s, &rs), None, "the owner is gone");
        // The dependent is deleted all the same (gracefully).
        assert!(s
            .get::<Pod>(&ObjectKey::new("default", "running"))
            .is_some_and(|p| p.meta.deletion_timestamp.is_some()));
    }

    #[test]
    fn orphan_strips_the_owner_references_then_removes_the_owner() {
        let mut s = store();
        let mut gc = GarbageCollector;
        let (rs, uid) = replicaset(&mut s);
        pod(&mut s, "running", uid, Some("n1"), true);
        assert_eq!(
            s.delete_propagating::<ReplicaSet>(&rs, PropagationPolicy::Orphan),
            Ok(DeleteOutcome::Terminating)
        );
        assert_eq!(
            finalizers(&s, &rs),
            Some(vec![FINALIZER_ORPHAN.to_string()])
        );
        settle(&mut gc, &mut s);
        assert_eq!(finalizers(&s, &rs), None, "the owner is gone");
        let pod = s
            .get::<Pod>(&ObjectKey::new("default", "running"))
            .expect("the dependent stays");
        assert!(pod.meta.owner_references.is_empty());
        assert_eq!(pod.meta.deletion_timestamp, None);
    }

    #[test]
    fn background_removes_the_owner_at_once_and_the_dependents_after() {
        let mut s = store();
        let mut gc = GarbageCollector;
        let (rs, uid) = replicaset(&mut s);
        pod(&mut s, "pending", uid, None, true);
        settle(&mut gc, &mut s);
        assert_eq!(s.delete::<ReplicaSet>(&rs), Ok(DeleteOutcome::Removed));
        settle(&mut gc, &mut s);
        assert!(s
            .get::<Pod>(&ObjectKey::new("default", "pending"))
            .is_none());
    }

    #[test]
    fn a_foreign_finalizer_holds_the_object_until_it_is_removed() {
        let mut s = store();
        let mut gc = GarbageCollector;
        let (rs, _) = replicaset(&mut s);
        s.modify::<ReplicaSet, _>(&rs, false, |r| {
            r.meta.finalizers.push("example.com/protect".to_string())
        })
        .expect("modified");
        assert_eq!(s.delete::<ReplicaSet>(&rs), Ok(DeleteOutcome::Terminating));
        settle(&mut gc, &mut s);
        // Not the collector's finalizer: it leaves it alone.
        assert_eq!(
            finalizers(&s, &rs),
            Some(vec!["example.com/protect".to_string()])
        );
        assert_eq!(
            s.remove_finalizer::<ReplicaSet>(&rs, "example.com/protect"),
            Ok(true)
        );
        assert_eq!(finalizers(&s, &rs), None);
    }

    #[test]
    fn removing_a_finalizer_of_a_live_object_does_not_delete_it() {
        let mut s = store();
        let (rs, _) = replicaset(&mut s);
        s.modify::<ReplicaSet, _>(&rs, false, |r| {
            r.meta.finalizers.push("example.com/protect".to_string())
        })
        .expect("modified");
        assert_eq!(
            s.remove_finalizer::<ReplicaSet>(&rs, "example.com/protect"),
            Ok(false)
        );
        assert_eq!(finalizers(&s, &rs), Some(Vec::new()));
    }
}
