//! Controllers: level-triggered, idempotent reconcilers shaped like kube-rs's `Controller`.
//!
//! A controller says which object keys a store change wakes ([`Controller::watches`]); the
//! simulation deduplicates the wake-ups per (controller, key), waits the configured
//! reaction latency and calls [`Controller::reconcile`], which reads the store, writes what
//! is needed and answers with an [`Action`]. The controller is never told why it was woken.

use rand_chacha::ChaCha8Rng;

use crate::objects::{Kind, ObjectKey, ObjectMeta, ObjectRef, OwnerReference};
use crate::selector::LabelSelector;
use crate::store::{ApiError, Change, Object, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpointslice;
pub mod garbage_collector;
pub mod hpa;
pub mod job;
pub mod namespace;
pub mod node_lifecycle;
pub mod pod_gc;
pub mod replicaset;
pub mod resource_quota;
pub mod statefulset;
pub mod taint_by_condition;
pub mod taint_eviction;
pub mod ttl_after_finished;

pub use cronjob::CronJobController;
pub use daemonset::DaemonSetController;
pub use deployment::DeploymentController;
pub use disruption::DisruptionController;
pub use endpointslice::EndpointSliceController;
pub use garbage_collector::GarbageCollector;
pub use job::JobController;
pub use namespace::NamespaceController;
pub use node_lifecycle::NodeLifecycleController;
pub use pod_gc::PodGarbageCollector;
pub use replicaset::ReplicaSetController;
pub use resource_quota::ResourceQuotaController;
pub use statefulset::StatefulSetController;
pub use taint_by_condition::TaintByConditionController;
pub use taint_eviction::TaintEvictionController;
pub use ttl_after_finished::TtlAfterFinishedController;

/// The names of the nodes with some property (a NoExecute taint, the out-of-service taint),
/// kept up to date from the Node changes a controller's `watches` sees, so that the check
/// made for every pod change needs no Node lookup (and none at all while the set is empty,
/// as it is in a healthy cluster). Interior mutability because `watches` takes `&self`.
#[derive(Debug, Default)]
pub struct NodeSet(std::cell::RefCell<std::collections::BTreeSet<String>>);

impl NodeSet {
    /// Records a Node change: the node is in the set while `has` holds for it.
    pub fn observe(
        &self,
        change: &Change,
        store: &Store,
        has: impl Fn(&crate::objects::Node) -> bool,
    ) {
        if change.kind != Kind::Node {
            return;
        }
        let member = change.change_type != crate::store::ChangeType::Deleted
            && store
                .get::<crate::objects::Node>(&change.key)
                .is_some_and(has);
        let mut set = self.0.borrow_mut();
        if member {
            set.insert(change.key.name.clone());
        } else {
            set.remove(&change.key.name);
        }
    }

    /// Whether the node named `name` is in the set.
    pub fn contains(&self, name: &str) -> bool {
        self.0.borrow().contains(name)
    }
}

/// The usual watch of a workload controller (`For` + `Owns` in kube-rs): a change of an
/// object of kind `owner` wakes that object; a change of an object whose controller owner
/// is of kind `owner` wakes the owner.
pub fn wake_owner_or_self(change: &Change, owner: Kind, wake: &mut Vec<ObjectRef>) {
    if change.kind == owner {
        wake.push(ObjectRef::new(owner, change.key.clone()));
    } else if let Some((kind, name)) = &change.controller_owner {
        if *kind == owner {
            wake.push(ObjectRef::new(
                owner,
                ObjectKey::new(change.key.namespace.clone(), name.clone()),
            ));
        }
    }
}

/// Creates `object` for the controller `source`; when the API server refuses it (quota,
/// limit range, namespace terminating), writes the `FailedCreate` warning the controller's
/// event recorder writes on `owner`, with `describe` giving its message from the error, and
/// returns the error (the reconcile then fails and is retried with back-off).
pub fn create_or_report<T: Object>(
    store: &mut Store,
    object: T,
    owner: &ObjectRef,
    source: &str,
    describe: impl FnOnce(&ApiError) -> String,
) -> Result<ObjectKey, ApiError> {
    store.create(object).inspect_err(|error| {
        if matches!(error, ApiError::Forbidden { .. }) {
            store.event(
                owner.clone(),
                EventType::Warning,
                "FailedCreate",
                describe(error),
                source,
            );
        }
    })
}

/// `ClaimObjects` of the controller ref manager: objects of kind `T` in the owner's
/// namespace that have no controller and that `selector` matches are adopted (the owner
/// becomes their controller, blocking its foreground deletion); objects the owner controls
/// that `selector` no longer matches are released. Objects being deleted are left alone.
pub fn claim<T: Object>(
    store: &mut Store,
    owner: &ObjectMeta,
    owner_kind: Kind,
    selector: &LabelSelector,
) -> Result<(), ApiError> {
    // Only the owner's own objects and the orphans can change hands: the store's owner
    // index lists both (in name order, as a namespace scan would meet them) without visiting
    // the objects other controllers own.
    let live = |meta: &&ObjectMeta| meta.deletion_timestamp.is_none();
    let adopt: Vec<ObjectKey> = store
        .orphans::<T>(&owner.namespace)
        .map(Object::meta)
        .filter(live)
        .filter(|meta| selector.matches(&meta.labels))
        .map(ObjectMeta::key)
        .collect();
    let release: Vec<ObjectKey> = store
        .controlled_by::<T>(&owner.namespace, owner.uid)
        .map(Object::meta)
        .filter(live)
        .filter(|meta| !selector.matches(&meta.labels))
        .map(ObjectMeta::key)
        .collect();
    for key in adopt {
        store.modify::<T, _>(&key, false, |o| {
            o.meta_mut().owner_references.push(OwnerReference {
                kind: owner_kind,
                name: owner.name.clone(),
                uid: owner.uid,
                controller: true,
                block_owner_deletion: true,
            });
        })?;
    }
    for key in release {
        store.modify::<T, _>(&key, false, |o| {
            o.meta_mut().owner_references.retain(|r| r.uid != owner.uid);
        })?;
    }
    Ok(())
}

/// The watch half of adoption: a change of an object of kind `T` that has no controller
/// wakes the owners of kind `O` whose selector (`selector_of`) matches its labels.
pub fn wake_adopters<T: Object, O: Object>(
    change: &Change,
    store: &Store,
    selector_of: impl Fn(&O) -> &LabelSelector,
    wake: &mut Vec<ObjectRef>,
) {
    if change.kind != T::KIND || change.controller_owner.is_some() {
        return;
    }
    let Some(object) = store.get::<T>(&change.key) else {
        return;
    };
    let labels = &object.meta().labels;
    wake.extend(
        store
            .list_namespace::<O>(&change.key.namespace)
            .filter(|owner| selector_of(owner).matches(labels))
            .map(|owner| ObjectRef::new(O::KIND, owner.meta().key())),
    );
}

/// What the controller wants after a reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing until a watched change wakes the key again.
    AwaitChange,
    /// Reconcile the key again after this long even if nothing changes (e.g. to notice that
    /// a pod became available after `minReadySeconds`).
    RequeueAfter(SimDuration),
}

/// A reconcile that could not finish; the simulation retries it with back-off.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// The API server refused a write.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// What a reconcile can use: the API server, the clock and the controllers' random stream.
pub struct Context<'a> {
    /// The API server.
    pub store: &'a mut Store,
    /// The current virtual time.
    pub now: SimTime,
    /// The controllers' seeded random stream.
    pub rng: &'a mut ChaCha8Rng,
}

/// A reconciler. Built-in controllers implement it exactly as a user's would.
///
/// ```
/// use sim_core::controllers::{Action, Context, Controller, ReconcileError};
/// use sim_core::objects::{Kind, ObjectRef};
/// use sim_core::store::{Change, Store};
///
/// /// Counts how often pods are reconciled; a real controller would write to the store.
/// struct PodCounter { seen: u64 }
///
/// impl Controller for PodCounter {
///     fn name(&self) -> &'static str { "pod-counter" }
///     fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
///         if change.kind == Kind::Pod {
///             wake.push(ObjectRef::new(Kind::Pod, change.key.clone()));
///         }
///     }
///     fn reconcile(&mut self, _key: &ObjectRef, _ctx: &mut Context<'_>) -> Result<Action, ReconcileError> {
///         self.seen += 1;
///         Ok(Action::AwaitChange)
///     }
/// }
/// ```
pub trait Controller {
    /// A stable name, used in errors and the timeline.
    fn name(&self) -> &'static str;

    /// Pushes onto `wake` the keys that `change` should wake. Called for every change.
    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>);

    /// Brings the world closer to the desired state of `key`. Must be idempotent.
    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError>;
}
