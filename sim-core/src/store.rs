//! The object store: kubesim's API server.
//!
//! Every writer (controllers, scheduler, kubelets, scenario actions) goes through it. It
//! assigns uids and resource versions, applies graceful deletion to pods, records each
//! create, delete and tracked-field change on the timeline, and keeps a log of changes that
//! the simulation dispatches to watchers. Collections are `BTreeMap`s keyed by
//! namespace/name, so every list is in a stable order.
//!
//! Adding a kind: define its struct in `objects`, add a collection field here and one
//! `impl_object!` line naming the collection and the fields whose changes are tracked.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::{
    ContainerState, ContainerStatus, Deployment, Kind, Node, ObjectKey, ObjectMeta, ObjectRef, Pod,
    PodConditionType, ReplicaSet, Uid,
};
use crate::time::{SimDuration, SimTime};
use crate::timeline::{EventType, RecordBody, RecordId, Timeline};

/// What happened to an object, as a watcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// Created.
    Added,
    /// Updated (including the start of a graceful deletion).
    Modified,
    /// Removed from the store.
    Deleted,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Kind of the object.
    pub kind: Kind,
    /// Its key.
    pub key: ObjectKey,
    /// Its uid.
    pub uid: Uid,
    /// What happened.
    pub change_type: ChangeType,
    /// The controller owner's name, if any (lets owners be woken without a lookup; the
    /// object may already be gone).
    pub controller_owner: Option<(Kind, String)>,
    /// Pod only: the node it is bound to.
    pub node_name: Option<String>,
    /// The record that best explains the change, for causal chains downstream.
    pub cause: Option<RecordId>,
}

/// A refused API request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 404.
    #[error("{kind} {key:?} not found")]
    NotFound {
        /// Kind.
        kind: Kind,
        /// Key.
        key: String,
    },
    /// 409 on create.
    #[error("{kind} {key:?} already exists")]
    AlreadyExists {
        /// Kind.
        kind: Kind,
        /// Key.
        key: String,
    },
    /// 422.
    #[error("{kind} {key:?} is invalid: {message}")]
    Invalid {
        /// Kind.
        kind: Kind,
        /// Key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Options of a delete request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Overrides the pod's `terminationGracePeriodSeconds`; `Some(0)` deletes at once.
    pub grace_period_seconds: Option<u64>,
}

/// What a delete request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The object is gone from the store.
    Removed,
    /// A graceful deletion started: the object stays until its kubelet confirms.
    Terminating,
    /// It was already terminating; nothing changed.
    AlreadyTerminating,
}

/// A kind the store holds. Implemented by `impl_object!` for each kind.
pub trait Object: Clone + 'static {
    /// The kind.
    const KIND: Kind;
    /// `metadata`.
    fn meta(&self) -> &ObjectMeta;
    /// `metadata`, mutable.
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// The fields whose changes go on the timeline, as (path, value text).
    fn tracked_fields(&self, out: &mut Vec<(String, String)>);
    /// The collection of this kind in `store`.
    fn collection(store: &Store) -> &BTreeMap<ObjectKey, Self>;
    /// The collection of this kind in `store`, mutable.
    fn collection_mut(store: &mut Store) -> &mut BTreeMap<ObjectKey, Self>;
    /// The node the object is bound to (pods only).
    fn bound_node(&self) -> Option<&str> {
        None
    }
}

macro_rules! impl_object {
    ($ty:ty, $kind:expr, $field:ident, $tracked:path) => {
        impl_object!($ty, $kind, $field, $tracked, |_obj: &$ty| None);
    };
    ($ty:ty, $kind:expr, $field:ident, $tracked:path, $bound:expr) => {
        impl Object for $ty {
            const KIND: Kind = $kind;
            fn meta(&self) -> &ObjectMeta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.meta
            }
            fn tracked_fields(&self, out: &mut Vec<(String, String)>) {
                $tracked(self, out)
            }
            fn collection(store: &Store) -> &BTreeMap<ObjectKey, Self> {
                &store.$field
            }
            fn collection_mut(store: &mut Store) -> &mut BTreeMap<ObjectKey, Self> {
                &mut store.$field
            }
            fn bound_node(&self) -> Option<&str> {
                let bound: fn(&$ty) -> Option<&str> = $bound;
                bound(self)
            }
        }
    };
}

impl_object!(Node, Kind::Node, nodes, track_node);
impl_object!(Pod, Kind::Pod, pods, track_pod, |pod: &Pod| pod
    .spec
    .node_name
    .as_deref());
impl_object!(ReplicaSet, Kind::ReplicaSet, replicasets, track_replicaset);
impl_object!(Deployment, Kind::Deployment, deployments, track_deployment);

fn push(out: &mut Vec<(String, String)>, field: &str, value: impl ToString) {
    out.push((field.to_string(), value.to_string()));
}

fn track_node(node: &Node, out: &mut Vec<(String, String)>) {
    push(out, "spec.unschedulable", node.unschedulable);
    let taints: Vec<String> = node
        .taints
        .iter()
        .map(|t| {
            if t.value.is_empty() {
                format!("{}:{}", t.key, t.effect.as_str())
            } else {
                format!("{}={}:{}", t.key, t.value, t.effect.as_str())
            }
        })
        .collect();
    push(out, "spec.taints", format!("[{}]", taints.join(", ")));
    push(out, "status.conditions[Ready]", node.ready.as_str());
}

/// A one-word-plus-detail summary of a container state, as the timeline prints it.
pub fn describe_container_state(state: &ContainerState) -> String {
    match state {
        ContainerState::Waiting { reason, .. } => format!("waiting ({reason})"),
        ContainerState::Running { .. } => "running".to_string(),
        ContainerState::Terminated {
            reason, exit_code, ..
        } => format!("terminated ({reason}, exit code {exit_code})"),
    }
}

fn track_container(prefix: &str, status: &ContainerStatus, out: &mut Vec<(String, String)>) {
    let base = format!("{prefix}[{}]", status.name);
    out.push((
        format!("{base}.state"),
        describe_container_state(&status.state),
    ));
    if let Some(last) = &status.last_state {
        // The previous instance's exit, so a crash that restarts at once still shows.
        out.push((format!("{base}.lastState"), describe_container_state(last)));
    }
    out.push((format!("{base}.ready"), status.ready.to_string()));
    out.push((
        format!("{base}.restartCount"),
        status.restart_count.to_string(),
    ));
}

fn track_pod(pod: &Pod, out: &mut Vec<(String, String)>) {
    push(
        out,
        "spec.nodeName",
        pod.spec.node_name.as_deref().unwrap_or("<none>"),
    );
    push(out, "status.phase", pod.status.phase.as_str());
    for t in [PodConditionType::PodScheduled, PodConditionType::Ready] {
        let value = match pod.status.condition(t) {
            None => "<none>".to_string(),
            Some(c) if c.reason.is_empty() => c.status.as_str().to_string(),
            Some(c) => format!("{} ({})", c.status.as_str(), c.reason),
        };
        out.push((format!("status.conditions[{}]", t.as_str()), value));
    }
    for c in &pod.status.init_container_statuses {
        track_container("status.initContainerStatuses", c, out);
    }
    for c in &pod.status.container_statuses {
        track_container("status.containerStatuses", c, out);
    }
    push(
        out,
        "metadata.deletionTimestamp",
        pod.meta
            .deletion_timestamp
            .map_or("<none>".to_string(), |t| t.to_string()),
    );
}

fn track_replicaset(rs: &ReplicaSet, out: &mut Vec<(String, String)>) {
    push(out, "spec.replicas", rs.replicas);
    push(out, "status.replicas", rs.status.replicas);
    push(out, "status.readyReplicas", rs.status.ready_replicas);
}

fn track_deployment(d: &Deployment, out: &mut Vec<(String, String)>) {
    push(out, "spec.replicas", d.replicas);
    push(out, "status.replicas", d.status.replicas);
    push(out, "status.updatedReplicas", d.status.updated_replicas);
    push(out, "status.readyReplicas", d.status.ready_replicas);
    push(out, "status.availableReplicas", d.status.available_replicas);
    for c in &d.status.conditions {
        let value = format!("{} ({})", c.status.as_str(), c.reason);
        out.push((format!("status.conditions[{}]", c.type_), value));
    }
}

/// The simulated API server's storage, audit timeline and change log.
pub struct Store {
    nodes: BTreeMap<ObjectKey, Node>,
    pods: BTreeMap<ObjectKey, Pod>,
    replicasets: BTreeMap<ObjectKey, ReplicaSet>,
    deployments: BTreeMap<ObjectKey, Deployment>,
    next_uid: u64,
    next_resource_version: u64,
    timeline: Timeline,
    changes: Vec<Change>,
    now: SimTime,
    cause: Option<RecordId>,
    names: ChaCha8Rng,
    scratch_before: Vec<(String, String)>,
    scratch_after: Vec<(String, String)>,
}

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusables).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Kubernetes `rand.SafeEncodeString`: maps each byte onto [`NAME_ALPHABET`].
pub fn safe_encode(text: &str) -> String {
    text.bytes()
        .map(|b| NAME_ALPHABET[b as usize % NAME_ALPHABET.len()] as char)
        .collect()
}

impl Store {
    /// An empty store; generated name suffixes come from `names`.
    pub fn new(names: ChaCha8Rng) -> Store {
        Store {
            nodes: BTreeMap::new(),
            pods: BTreeMap::new(),
            replicasets: BTreeMap::new(),
            deployments: BTreeMap::new(),
            next_uid: 1,
            next_resource_version: 1,
            timeline: Timeline::new(),
            changes: Vec::new(),
            now: SimTime::ZERO,
            cause: None,
            names,
            scratch_before: Vec::new(),
            scratch_after: Vec::new(),
        }
    }

    /// Sets the clock and the cause attached to the records written next.
    pub fn set_context(&mut self, now: SimTime, cause: Option<RecordId>) {
        self.now = now;
        self.cause = cause;
    }

    /// The current time as the store sees it.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The cause attached to records written now.
    pub fn cause(&self) -> Option<RecordId> {
        self.cause
    }

    /// Overrides the cause for the records written next (e.g. a pod created because of a
    /// `SuccessfulCreate` decision).
    pub fn set_cause(&mut self, cause: Option<RecordId>) {
        self.cause = cause;
    }

    /// The timeline recorded so far.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Takes the timeline out (at the end of a run).
    pub fn take_timeline(&mut self) -> Timeline {
        std::mem::take(&mut self.timeline)
    }

    /// Drains the change log.
    pub fn drain_changes(&mut self, into: &mut Vec<Change>) {
        into.append(&mut self.changes);
    }

    /// Whether changes are waiting to be dispatched.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The object of kind `T` at `key`.
    pub fn get<T: Object>(&self, key: &ObjectKey) -> Option<&T> {
        T::collection(self).get(key)
    }

    /// All objects of kind `T`, ordered by namespace and name.
    pub fn list<T: Object>(&self) -> impl Iterator<Item = &T> + '_ {
        T::collection(self).values()
    }

    /// All objects of kind `T` in `namespace`, ordered by name.
    pub fn list_namespace<'a, T: Object>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a T> + 'a {
        let start = ObjectKey::new(namespace, "");
        T::collection(self)
            .range(start..)
            .take_while(move |(k, _)| k.namespace == namespace)
            .map(|(_, v)| v)
    }

    /// Number of objects of kind `T`.
    pub fn count<T: Object>(&self) -> usize {
        T::collection(self).len()
    }

    /// Records a Kubernetes event about `object`.
    pub fn event(
        &mut self,
        object: ObjectRef,
        type_: EventType,
        reason: &str,
        message: String,
        source: &str,
    ) -> RecordId {
        self.timeline.push(
            self.now,
            object,
            self.cause,
            RecordBody::Event {
                type_,
                reason: reason.to_string(),
                message,
                source: source.to_string(),
            },
        )
    }

    fn generate_name(&mut self, prefix: &str, existing: impl Fn(&str) -> bool) -> String {
        // Kubernetes appends 5 random characters; a collision is retried, as the API
        // server does. The bound only guards against a pathological alphabet exhaustion.
        for _ in 0..64 {
            let suffix: String = (0..5)
                .map(|_| NAME_ALPHABET[self.names.random_range(0..NAME_ALPHABET.len())] as char)
                .collect();
            let name = format!("{prefix}{suffix}");
            if !existing(&name) {
                return name;
            }
        }
        format!("{prefix}{}", self.next_uid)
    }

    /// Creates `obj`, assigning uid, resourceVersion, creationTimestamp and (if `name` is
    /// empty) a name from `generateName`.
    pub fn create<T: Object>(&mut self, mut obj: T) -> Result<ObjectKey, ApiError> {
        let kind = T::KIND;
        if obj.meta().name.is_empty() {
            if obj.meta().generate_name.is_empty() {
                return Err(ApiError::Invalid {
                    kind,
                    key: String::new(),
                    message: "name or generateName is required".to_string(),
                });
            }
            let prefix = obj.meta().generate_name.clone();
            let namespace = obj.meta().namespace.clone();
            let name = {
                let collection = T::collection(self);
                // Collect existing names lazily through a closure over the collection.
                let taken: Vec<String> = collection
                    .range(ObjectKey::new(namespace.clone(), prefix.clone())..)
                    .take_while(|(k, _)| k.namespace == namespace && k.name.starts_with(&prefix))
                    .map(|(k, _)| k.name.clone())
                    .collect();
                self.generate_name(&prefix, |n| taken.iter().any(|t| t == n))
            };
            obj.meta_mut().name = name;
        }
        if !kind.namespaced() {
            obj.meta_mut().namespace.clear();
        } else if obj.meta().namespace.is_empty() {
            obj.meta_mut().namespace = "default".to_string();
        }
        let key = obj.meta().key();
        if T::collection(self).contains_key(&key) {
            return Err(ApiError::AlreadyExists {
                kind,
                key: key.to_string(),
            });
        }
        let uid = Uid(self.next_uid);
        self.next_uid += 1;
        {
            let meta = obj.meta_mut();
            meta.uid = uid;
            meta.resource_version = self.next_resource_version;
            meta.generation = 1;
            meta.creation_timestamp = self.now;
            meta.deletion_timestamp = None;
        }
        self.next_resource_version += 1;
        let record = self.timeline.push(
            self.now,
            ObjectRef::new(kind, key.clone()),
            self.cause,
            RecordBody::Created,
        );
        self.changes.push(change_for(
            &obj,
            ChangeType::Added,
            Some(record),
            node_of(&obj),
        ));
        T::collection_mut(self).insert(key.clone(), obj);
        Ok(key)
    }

    /// Applies `mutate` to the object at `key`, bumping resourceVersion (and generation if
    /// `spec_change`) and recording each tracked field that changed. Returns whether any
    /// tracked field changed.
    pub fn modify<T: Object, R>(
        &mut self,
        key: &ObjectKey,
        spec_change: bool,
        mutate: impl FnOnce(&mut T) -> R,
    ) -> Result<R, ApiError> {
        let kind = T::KIND;
        let now = self.now;
        let cause = self.cause;
        let rv = self.next_resource_version;
        let mut before = std::mem::take(&mut self.scratch_before);
        let mut after = std::mem::take(&mut self.scratch_after);
        before.clear();
        after.clear();
        let Some(obj) = T::collection_mut(self).get_mut(key) else {
            self.scratch_before = before;
            self.scratch_after = after;
            return Err(ApiError::NotFound {
                kind,
                key: key.to_string(),
            });
        };
        obj.tracked_fields(&mut before);
        let result = mutate(obj);
        obj.tracked_fields(&mut after);
        let meta = obj.meta_mut();
        meta.resource_version = rv;
        if spec_change {
            meta.generation += 1;
        }
        let node = node_of(obj);
        let change = change_for(obj, ChangeType::Modified, None, node);
        self.next_resource_version += 1;
        let object = ObjectRef::new(kind, key.clone());
        let mut last = None;
        for (field, to) in &after {
            let from = before
                .iter()
                .find(|(f, _)| f == field)
                .map_or("<none>", |(_, v)| v.as_str());
            // A field appearing with its zero value is not a transition worth a record.
            let appeared_empty =
                from == "<none>" && matches!(to.as_str(), "0" | "false" | "<none>" | "[]");
            if from != to && !appeared_empty {
                last = Some(self.timeline.push(
                    now,
                    object.clone(),
                    cause,
                    RecordBody::Changed {
                        field: field.clone(),
                        from: from.to_string(),
                        to: to.clone(),
                    },
                ));
            }
        }
        self.changes.push(Change {
            cause: last.or(cause),
            ..change
        });
        self.scratch_before = before;
        self.scratch_after = after;
        Ok(result)
    }

    /// Removes the object at once (the final step of any deletion).
    pub fn remove<T: Object>(&mut self, key: &ObjectKey) -> Result<T, ApiError> {
        let kind = T::KIND;
        let obj = T::collection_mut(self)
            .remove(key)
            .ok_or_else(|| ApiError::NotFound {
                kind,
                key: key.to_string(),
            })?;
        let record = self.timeline.push(
            self.now,
            ObjectRef::new(kind, key.clone()),
            self.cause,
            RecordBody::Deleted,
        );
        self.changes.push(change_for(
            &obj,
            ChangeType::Deleted,
            Some(record),
            node_of(&obj),
        ));
        Ok(obj)
    }

    /// A delete request for a non-pod object: removed at once; dependents are left to the
    /// garbage collector (background propagation, the `kubectl delete` default).
    pub fn delete<T: Object>(&mut self, key: &ObjectKey) -> Result<DeleteOutcome, ApiError> {
        self.remove::<T>(key).map(|_| DeleteOutcome::Removed)
    }

    /// A delete request for a pod, with the graceful-deletion rules of the API server:
    /// a pod that is bound and not terminal gets a deletionTimestamp `grace` seconds ahead
    /// and stays until its kubelet confirms; an unbound or terminal pod, or grace 0, is
    /// removed at once.
    pub fn delete_pod(
        &mut self,
        key: &ObjectKey,
        options: DeleteOptions,
    ) -> Result<DeleteOutcome, ApiError> {
        let pod = self.pods.get(key).ok_or_else(|| ApiError::NotFound {
            kind: Kind::Pod,
            key: key.to_string(),
        })?;
        if pod.meta.deletion_timestamp.is_some() && options.grace_period_seconds != Some(0) {
            return Ok(DeleteOutcome::AlreadyTerminating);
        }
        let grace = options
            .grace_period_seconds
            .unwrap_or(pod.spec.termination_grace_period_seconds);
        let immediate =
            pod.spec.node_name.is_none() || pod.status.phase.is_terminal() || grace == 0;
        if immediate {
            self.remove::<Pod>(key)?;
            return Ok(DeleteOutcome::Removed);
        }
        let deadline = self.now + SimDuration::from_secs(grace);
        self.modify::<Pod, _>(key, false, |p| {
            p.meta.deletion_timestamp = Some(deadline);
            p.meta.deletion_grace_period_seconds = Some(grace);
        })?;
        Ok(DeleteOutcome::Terminating)
    }
}

fn change_for<T: Object>(
    obj: &T,
    change_type: ChangeType,
    cause: Option<RecordId>,
    node_name: Option<String>,
) -> Change {
    let meta = obj.meta();
    Change {
        kind: T::KIND,
        key: meta.key(),
        uid: meta.uid,
        change_type,
        controller_owner: meta.controller_ref().map(|r| (r.kind, r.name.clone())),
        node_name,
        cause,
    }
}

fn node_of<T: Object>(obj: &T) -> Option<String> {
    obj.bound_node().map(str::to_string)
}
