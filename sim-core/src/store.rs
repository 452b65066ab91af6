//! The object store: kubesim's API server.
//!
//! Every writer (controllers, scheduler, kubelets, scenario actions) goes through it. It
//! assigns uids and resource versions, applies graceful deletion to pods, records each
//! create, delete and tracked-field change on the timeline, and keeps a log of changes that
//! the simulation dispatches to watchers. Collections are `BTreeMap`s keyed by
//! namespace/name, so every list is in a stable order.
//!
//! Adding a kind: define its struct in `objects`, add a collection field here, one
//! `impl_object!` line naming the collection and the fields whose changes are tracked (with
//! an `admit` hook if the API server fills something in on create), and one `with_kind!` arm.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::{
    system_priority_classes, AddressType, ClusterIp, ConfigMap, ContainerState, ContainerStatus,
    CronJob, DaemonSet, Deployment, Endpoint, EndpointConditions, EndpointPort, EndpointSlice,
    HorizontalPodAutoscaler, Ipv4Address, Job, Kind, LimitRange, Namespace, Node, ObjectKey,
    ObjectMeta, ObjectRef, PersistentVolumeClaim, Pod, PodConditionType, PodDisruptionBudget,
    PriorityClass, Protocol, ReplicaSet, ResourceQuota, Secret, Service, ServicePort, ServiceSpec,
    ServiceType, SessionAffinity, StatefulSet, TargetPort, TrafficPolicy, Uid, BUILTIN_NAMESPACES,
};
use crate::time::{SimDuration, SimTime};
use crate::timeline::{EventType, RecordBody, RecordId, Timeline};

mod owner_index;

use owner_index::{controller_uid, OwnerIndex};

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
    /// 403: refused by admission (quota, limit range, priority, namespace lifecycle).
    #[error("{} {name:?} is forbidden: {message}", kind.plural())]
    Forbidden {
        /// Kind.
        kind: Kind,
        /// Name of the refused object.
        name: String,
        /// The admission plugin's message.
        message: String,
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

/// `propagationPolicy` of a delete request: what happens to the object's dependents
/// (k8s-semantics §12.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PropagationPolicy {
    /// The owner goes at once; the garbage collector deletes the dependents afterwards.
    #[default]
    Background,
    /// The owner stays, with a deletionTimestamp and the `foregroundDeletion` finalizer,
    /// until every dependent with `blockOwnerDeletion` is gone.
    Foreground,
    /// The owner goes once the garbage collector (finalizer `orphan`) has removed its
    /// ownerReferences from the dependents, which keep running.
    Orphan,
}

/// The finalizer of a foreground deletion.
pub const FINALIZER_FOREGROUND_DELETION: &str = "foregroundDeletion";
/// The finalizer of an orphaning deletion.
pub const FINALIZER_ORPHAN: &str = "orphan";

impl PropagationPolicy {
    /// Every policy, in the order the API documents them.
    pub const ALL: [PropagationPolicy; 3] = [
        PropagationPolicy::Background,
        PropagationPolicy::Foreground,
        PropagationPolicy::Orphan,
    ];

    /// The API spelling (`Foreground`).
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
            PropagationPolicy::Orphan => "Orphan",
        }
    }

    /// The API spelling parsed back (exact, as the API server matches it).
    pub fn parse(text: &str) -> Option<PropagationPolicy> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// kubectl's `--cascade` value for it.
    pub fn cascade_flag(self) -> &'static str {
        match self {
            PropagationPolicy::Background => "background",
            PropagationPolicy::Foreground => "foreground",
            PropagationPolicy::Orphan => "orphan",
        }
    }

    /// The finalizer the API server adds for it, if any.
    pub fn finalizer(self) -> Option<&'static str> {
        match self {
            PropagationPolicy::Background => None,
            PropagationPolicy::Foreground => Some(FINALIZER_FOREGROUND_DELETION),
            PropagationPolicy::Orphan => Some(FINALIZER_ORPHAN),
        }
    }
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
    /// Admission on create: fills in what the API server assigns (a Service's clusterIP and
    /// nodePorts) or refuses the object. Most kinds need nothing.
    fn admit_create(&mut self, _store: &mut Store) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Evaluates `$body` with the type alias `$T` naming the object type of the [`Kind`] value
/// `$kind`: the one place that maps kinds to types, so generic code (`store.get::<T>`)
/// serves every kind.
///
/// ```
/// use sim_core::objects::{Kind, ObjectKey};
/// use sim_core::store::{Object, Store};
/// use sim_core::with_kind;
///
/// fn exists(store: &Store, kind: Kind, key: &ObjectKey) -> bool {
///     with_kind!(kind, T => store.get::<T>(key).is_some())
/// }
/// ```
#[macro_export]
macro_rules! with_kind {
    ($kind:expr, $T:ident => $body:expr) => {{
        use $crate::objects as kinds;
        match $kind {
            kinds::Kind::Node => {
                type $T = kinds::Node;
                $body
            }
            kinds::Kind::Pod => {
                type $T = kinds::Pod;
                $body
            }
            kinds::Kind::ReplicaSet => {
                type $T = kinds::ReplicaSet;
                $body
            }
            kinds::Kind::Deployment => {
                type $T = kinds::Deployment;
                $body
            }
            kinds::Kind::Service => {
                type $T = kinds::Service;
                $body
            }
            kinds::Kind::EndpointSlice => {
                type $T = kinds::EndpointSlice;
                $body
            }
            kinds::Kind::Namespace => {
                type $T = kinds::Namespace;
                $body
            }
            kinds::Kind::ResourceQuota => {
                type $T = kinds::ResourceQuota;
                $body
            }
            kinds::Kind::LimitRange => {
                type $T = kinds::LimitRange;
                $body
            }
            kinds::Kind::PriorityClass => {
                type $T = kinds::PriorityClass;
                $body
            }
            kinds::Kind::ConfigMap => {
                type $T = kinds::ConfigMap;
                $body
            }
            kinds::Kind::Secret => {
                type $T = kinds::Secret;
                $body
            }
            kinds::Kind::Job => {
                type $T = kinds::Job;
                $body
            }
            kinds::Kind::CronJob => {
                type $T = kinds::CronJob;
                $body
            }
            kinds::Kind::StatefulSet => {
                type $T = kinds::StatefulSet;
                $body
            }
            kinds::Kind::DaemonSet => {
                type $T = kinds::DaemonSet;
                $body
            }
            kinds::Kind::PersistentVolumeClaim => {
                type $T = kinds::PersistentVolumeClaim;
                $body
            }
            kinds::Kind::PodDisruptionBudget => {
                type $T = kinds::PodDisruptionBudget;
                $body
            }
            kinds::Kind::HorizontalPodAutoscaler => {
                type $T = kinds::HorizontalPodAutoscaler;
                $body
            }
        }
    }};
}

macro_rules! impl_object {
    // Options after the four required arguments: `bound = |obj| ...` (the node a pod is
    // bound to) and `admit = |obj, store| ...` (admission on create).
    ($ty:ty, $kind:expr, $field:ident, $tracked:path $(, bound = $bound:expr)? $(, admit = $admit:expr)? $(,)?) => {
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
            $(
                fn bound_node(&self) -> Option<&str> {
                    let bound: fn(&$ty) -> Option<&str> = $bound;
                    bound(self)
                }
            )?
            $(
                fn admit_create(&mut self, store: &mut Store) -> Result<(), ApiError> {
                    let admit: fn(&mut $ty, &mut Store) -> Result<(), ApiError> = $admit;
                    admit(self, store)
                }
            )?
        }
    };
}

impl_object!(Node, Kind::Node, nodes, track_node);
impl_object!(Namespace, Kind::Namespace, namespaces, track_namespace);
impl_object!(
    ResourceQuota,
    Kind::ResourceQuota,
    resourcequotas,
    track_resourcequota
);
impl_object!(LimitRange, Kind::LimitRange, limitranges, track_nothing);
impl_object!(
    PriorityClass,
    Kind::PriorityClass,
    priorityclasses,
    track_nothing
);
impl_object!(ConfigMap, Kind::ConfigMap, configmaps, track_nothing);
impl_object!(Secret, Kind::Secret, secrets, track_nothing);

// Pods go through the admission chain (LimitRanger, Priority, ResourceQuota).
impl_object!(
    Pod,
    Kind::Pod,
    pods,
    track_pod,
    bound = |pod: &Pod| pod.spec.node_name.as_deref(),
    admit = |pod: &mut Pod, store: &mut Store| crate::admission::admit_pod(pod, store),
);
impl_object!(ReplicaSet, Kind::ReplicaSet, replicasets, track_replicaset);
impl_object!(Deployment, Kind::Deployment, deployments, track_deployment);
impl_object!(
    EndpointSlice,
    Kind::EndpointSlice,
    endpointslices,
    track_endpointslice
);

impl_object!(CronJob, Kind::CronJob, cronjobs, track_cronjob);

// A Job's admission generates its selector (it names the uid the Job is about to get).
impl_object!(
    Job,
    Kind::Job,
    jobs,
    track_job,
    admit = |job: &mut Job, _store: &mut Store| {
        crate::objects::batch::generate_selector(job);
        Ok(())
    },
);

impl_object!(
    StatefulSet,
    Kind::StatefulSet,
    statefulsets,
    track_statefulset
);
impl_object!(DaemonSet, Kind::DaemonSet, daemonsets, track_daemonset);

// A claim is bound on create (kubesim has no storage model; see `objects::apps`), to a
// volume named after the uid the store is about to assign.
impl_object!(
    PersistentVolumeClaim,
    Kind::PersistentVolumeClaim,
    persistentvolumeclaims,
    track_claim,
    admit = |claim: &mut PersistentVolumeClaim, _store: &mut Store| {
        claim.bind();
        Ok(())
    },
);

// The API server allocates a Service's clusterIP and nodePorts on create.
impl_object!(
    Service,
    Kind::Service,
    services,
    track_service,
    admit = |service: &mut Service, store: &mut Store| store.allocate_service(service),
);

impl_object!(
    PodDisruptionBudget,
    Kind::PodDisruptionBudget,
    poddisruptionbudgets,
    track_pdb
);

impl_object!(
    HorizontalPodAutoscaler,
    Kind::HorizontalPodAutoscaler,
    horizontalpodautoscalers,
    crate::controllers::hpa::track_hpa
);

fn track_nothing<T>(_: &T, _: &mut Vec<(String, String)>) {}

fn track_claim(claim: &PersistentVolumeClaim, out: &mut Vec<(String, String)>) {
    track_finalizers(&claim.meta, out);
    push(out, "status.phase", claim.status.phase.as_str());
}

fn track_namespace(ns: &Namespace, out: &mut Vec<(String, String)>) {
    push(out, "status.phase", ns.phase.as_str());
}

fn track_pdb(pdb: &PodDisruptionBudget, out: &mut Vec<(String, String)>) {
    let s = &pdb.status;
    push(out, "status.expectedPods", s.expected_pods);
    push(out, "status.currentHealthy", s.current_healthy);
    push(out, "status.desiredHealthy", s.desired_healthy);
    push(out, "status.disruptionsAllowed", s.disruptions_allowed);
    if let Some(c) = pdb.condition() {
        push(
            out,
            "status.conditions[DisruptionAllowed]",
            format!("{} ({})", c.status.as_str(), c.reason),
        );
    }
}

fn track_resourcequota(q: &ResourceQuota, out: &mut Vec<(String, String)>) {
    push(out, "status.used", crate::objects::pretty_amounts(&q.used));
}

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
    push(
        out,
        "status.conditions[MemoryPressure]",
        node.memory_pressure.as_str(),
    );
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

/// `gated`: the container has a startup probe, so `started` lags `running` and is worth a
/// record of its own (elsewhere it is true exactly while the container runs).
fn track_container(
    prefix: &str,
    status: &ContainerStatus,
    gated: bool,
    out: &mut Vec<(String, String)>,
) {
    let base = format!("{prefix}[{}]", status.name);
    out.push((
        format!("{base}.state"),
        describe_container_state(&status.state),
    ));
    if gated {
        out.push((format!("{base}.started"), status.started.to_string()));
    }
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
    track_controller(&pod.meta, out);
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
    let gated = |specs: &[crate::objects::Container], name: &str| {
        specs
            .iter()
            .any(|c| c.name == name && c.startup_probe.is_some())
    };
    for c in &pod.status.init_container_statuses {
        let gated = gated(&pod.spec.init_containers, &c.name);
        track_container("status.initContainerStatuses", c, gated, out);
    }
    for c in &pod.status.container_statuses {
        let gated = gated(&pod.spec.containers, &c.name);
        track_container("status.containerStatuses", c, gated, out);
    }
    if let Some(c) = pod.status.condition(PodConditionType::DisruptionTarget) {
        push(
            out,
            "status.conditions[DisruptionTarget]",
            format!("{} ({})", c.status.as_str(), c.reason),
        );
    }
    // Always pushed (as <none> when unset) so that a cleared nomination is recorded too.
    push(
        out,
        "status.nominatedNodeName",
        pod.status
            .nominated_node_name
            .as_deref()
            .unwrap_or("<none>"),
    );
    push(
        out,
        "metadata.deletionTimestamp",
        pod.meta
            .deletion_timestamp
            .map_or("<none>".to_string(), |t| t.to_string()),
    );
}

/// The controller owner as `kind/name`, so that adoption and orphaning show.
fn track_controller(meta: &ObjectMeta, out: &mut Vec<(String, String)>) {
    let owner = meta.controller_ref().map_or("<none>".to_string(), |r| {
        format!("{}/{}", r.kind.resource(), r.name)
    });
    push(out, "metadata.ownerReferences[controller]", owner);
}

/// `metadata.finalizers` as the timeline prints it, so a cascading deletion shows.
fn track_finalizers(meta: &ObjectMeta, out: &mut Vec<(String, String)>) {
    push(
        out,
        "metadata.finalizers",
        format!("[{}]", meta.finalizers.join(", ")),
    );
}

fn track_replicaset(rs: &ReplicaSet, out: &mut Vec<(String, String)>) {
    track_finalizers(&rs.meta, out);
    track_controller(&rs.meta, out);
    for c in &rs.status.conditions {
        let value = format!("{} ({})", c.status.as_str(), c.reason);
        out.push((format!("status.conditions[{}]", c.type_), value));
    }
    push(out, "spec.replicas", rs.replicas);
    push(out, "status.replicas", rs.status.replicas);
    push(out, "status.readyReplicas", rs.status.ready_replicas);
}

fn track_deployment(d: &Deployment, out: &mut Vec<(String, String)>) {
    track_finalizers(&d.meta, out);
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

fn track_job(j: &Job, out: &mut Vec<(String, String)>) {
    track_finalizers(&j.meta, out);
    push(out, "spec.suspend", j.spec.suspend);
    let s = &j.status;
    push(
        out,
        "status.startTime",
        s.start_time.map_or("<none>".to_string(), |t| t.to_string()),
    );
    push(out, "status.active", s.active);
    push(out, "status.ready", s.ready);
    push(out, "status.terminating", s.terminating);
    push(out, "status.succeeded", s.succeeded);
    push(out, "status.failed", s.failed);
    if !s.completed_indexes.is_empty() {
        push(out, "status.completedIndexes", s.completed_indexes_text());
    }
    for c in &s.conditions {
        let value = format!("{} ({})", c.status.as_str(), c.reason);
        out.push((format!("status.conditions[{}]", c.type_), value));
    }
}

fn track_cronjob(c: &CronJob, out: &mut Vec<(String, String)>) {
    track_finalizers(&c.meta, out);
    push(out, "spec.suspend", c.spec.suspend);
    let active: Vec<&str> = c.status.active.iter().map(|r| r.name.as_str()).collect();
    push(out, "status.active", format!("[{}]", active.join(", ")));
    push(
        out,
        "status.lastScheduleTime",
        c.status
            .last_schedule_time
            .map_or("<none>".to_string(), |t| t.to_string()),
    );
    push(
        out,
        "status.lastSuccessfulTime",
        c.status
            .last_successful_time
            .map_or("<none>".to_string(), |t| t.to_string()),
    );
}

fn track_statefulset(s: &StatefulSet, out: &mut Vec<(String, String)>) {
    track_finalizers(&s.meta, out);
    push(out, "spec.replicas", s.replicas);
    push(out, "status.replicas", s.status.replicas);
    push(out, "status.readyReplicas", s.status.ready_replicas);
    push(out, "status.currentReplicas", s.status.current_replicas);
    push(out, "status.updatedReplicas", s.status.updated_replicas);
    push(out, "status.availableReplicas", s.status.available_replicas);
    push(out, "status.currentRevision", &s.status.current_revision);
    push(out, "status.updateRevision", &s.status.update_revision);
}

fn track_daemonset(d: &DaemonSet, out: &mut Vec<(String, String)>) {
    track_finalizers(&d.meta, out);
    let s = &d.status;
    push(
        out,
        "status.desiredNumberScheduled",
        s.desired_number_scheduled,
    );
    push(
        out,
        "status.currentNumberScheduled",
        s.current_number_scheduled,
    );
    push(out, "status.numberReady", s.number_ready);
    push(
        out,
        "status.updatedNumberScheduled",
        s.updated_number_scheduled,
    );
    push(out, "status.numberAvailable", s.number_available);
    push(out, "status.numberMisscheduled", s.number_misscheduled);
}

fn track_service(s: &Service, out: &mut Vec<(String, String)>) {
    push(out, "spec.type", s.spec.type_.as_str());
    let cluster_ip = match s.spec.cluster_ip {
        ClusterIp::Unset => "<none>".to_string(),
        ClusterIp::Headless => "None".to_string(),
        ClusterIp::Address(a) => a.to_string(),
    };
    push(out, "spec.clusterIP", cluster_ip);
    push(out, "spec.ports", s.spec.ports_summary());
    let selector = crate::selector::labels_text(&s.spec.selector);
    push(out, "spec.selector", selector);
}

/// One record per endpoint condition that changes (`endpoints[10.244.0.5].conditions.ready`),
/// and the address list as kubectl prints it, so that endpoints leaving show too.
fn track_endpointslice(s: &EndpointSlice, out: &mut Vec<(String, String)>) {
    push(out, "endpoints", s.endpoints_summary());
    push(out, "ports", s.ports_summary());
    for e in &s.endpoints {
        let address = e.addresses.first().map_or("", String::as_str);
        let c = e.conditions;
        for (name, value) in [
            ("ready", c.ready),
            ("serving", c.serving),
            ("terminating", c.terminating),
        ] {
            out.push((
                format!("endpoints[{address}].conditions.{name}"),
                value.to_string(),
            ));
        }
    }
}

/// The simulated API server's storage, audit timeline and change log.
pub struct Store {
    nodes: BTreeMap<ObjectKey, Node>,
    pods: BTreeMap<ObjectKey, Pod>,
    replicasets: BTreeMap<ObjectKey, ReplicaSet>,
    deployments: BTreeMap<ObjectKey, Deployment>,
    services: BTreeMap<ObjectKey, Service>,
    endpointslices: BTreeMap<ObjectKey, EndpointSlice>,
    namespaces: BTreeMap<ObjectKey, Namespace>,
    resourcequotas: BTreeMap<ObjectKey, ResourceQuota>,
    limitranges: BTreeMap<ObjectKey, LimitRange>,
    priorityclasses: BTreeMap<ObjectKey, PriorityClass>,
    configmaps: BTreeMap<ObjectKey, ConfigMap>,
    secrets: BTreeMap<ObjectKey, Secret>,
    jobs: BTreeMap<ObjectKey, Job>,
    cronjobs: BTreeMap<ObjectKey, CronJob>,
    statefulsets: BTreeMap<ObjectKey, StatefulSet>,
    daemonsets: BTreeMap<ObjectKey, DaemonSet>,
    persistentvolumeclaims: BTreeMap<ObjectKey, PersistentVolumeClaim>,
    poddisruptionbudgets: BTreeMap<ObjectKey, PodDisruptionBudget>,
    horizontalpodautoscalers: BTreeMap<ObjectKey, HorizontalPodAutoscaler>,
    /// Every object by controller uid (or none), for [`Store::controlled_by`] and
    /// [`Store::orphans`].
    owner_index: OwnerIndex,
    /// What metrics-server's view is computed from (behaviours, load models): the
    /// metrics.k8s.io API the API server aggregates ([`crate::metrics`]).
    metrics_source: crate::metrics::MetricsSource,
    /// Where the search for the next free clusterIP starts (an offset into the Service CIDR).
    next_cluster_ip: u32,
    /// Where the search for the next free nodePort starts.
    next_node_port: u32,
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

/// Uids of the objects a cluster starts with are `BUILTIN_UID_BASE + n`.
const BUILTIN_UID_BASE: u64 = 1 << 40;

/// `BUILTIN_UID_BASE + n` of `service/kubernetes` (its EndpointSlice: the next one).
const API_SERVER_SERVICE_UID: u64 = 1000;

/// The port kube-apiserver listens on (`service/kubernetes`'s targetPort).
pub const API_SERVER_PORT: u16 = 6443;

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusables).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Kubernetes `rand.SafeEncodeString`: maps each byte onto [`NAME_ALPHABET`].
pub fn safe_encode(text: &str) -> String {
    text.bytes()
        .map(|b| NAME_ALPHABET[b as usize % NAME_ALPHABET.len()] as char)
        .collect()
}

impl Store {
    /// An empty store; generated name suffixes come from `names`.
    pub fn new(names: ChaCha8Rng) -> Store {
        let mut store = Store {
            nodes: BTreeMap::new(),
            pods: BTreeMap::new(),
            replicasets: BTreeMap::new(),
            deployments: BTreeMap::new(),
            services: BTreeMap::new(),
            endpointslices: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            resourcequotas: BTreeMap::new(),
            limitranges: BTreeMap::new(),
            priorityclasses: BTreeMap::new(),
            configmaps: BTreeMap::new(),
            secrets: BTreeMap::new(),
            jobs: BTreeMap::new(),
            cronjobs: BTreeMap::new(),
            statefulsets: BTreeMap::new(),
            daemonsets: BTreeMap::new(),
            persistentvolumeclaims: BTreeMap::new(),
            poddisruptionbudgets: BTreeMap::new(),
            horizontalpodautoscalers: BTreeMap::new(),
            owner_index: OwnerIndex::default(),
            metrics_source: crate::metrics::MetricsSource::default(),
            next_cluster_ip: FIRST_DYNAMIC_CLUSTER_IP_OFFSET,
            next_node_port: u32::from(*NODE_PORT_RANGE.start()),
            next_uid: 1,
            next_resource_version: 1,
            timeline: Timeline::new(),
            changes: Vec::new(),
            now: SimTime::ZERO,
            cause: None,
            names,
            scratch_before: Vec::new(),
            scratch_after: Vec::new(),
        };
        store.seed_builtins();
        store
    }

    /// What a cluster has before anyone writes to it: the four namespaces and the two system
    /// PriorityClasses. They are not on the timeline, and their uids come from a range of
    /// their own so that the uids of the scenario's objects do not depend on them.
    fn seed_builtins(&mut self) {
        let mut uid = BUILTIN_UID_BASE;
        let mut stamp = |meta: &mut ObjectMeta| {
            uid += 1;
            meta.uid = Uid(uid);
            meta.resource_version = 1;
            meta.generation = 1;
        };
        for name in BUILTIN_NAMESPACES {
            let mut ns = Namespace::new(name);
            stamp(&mut ns.meta);
            self.owner_index
                .insert(Kind::Namespace, None, ns.meta.key());
            self.namespaces.insert(ns.meta.key(), ns);
        }
        for mut class in system_priority_classes() {
            stamp(&mut class.meta);
            self.owner_index
                .insert(Kind::PriorityClass, None, class.meta.key());
            self.priorityclasses.insert(class.meta.key(), class);
        }
    }

    /// What kube-apiserver keeps in every cluster for itself: `service/kubernetes` in
    /// `default` (clusterIP 10.96.0.1, port `https` 443/TCP → 6443, labels
    /// `component=apiserver`, `provider=kubernetes`) and its EndpointSlice `kubernetes`
    /// (the API server at `address`:6443). `kubesim serve` seeds them; a scenario run does
    /// not. Like the other built-in objects they are not on the timeline and their uids
    /// come from the built-in range; the Service has no selector, so the EndpointSlice
    /// controller leaves both alone, and 10.96.0.1 lies below the range clusterIPs are
    /// allocated from: nothing the simulation does depends on them.
    pub fn seed_api_server_service(&mut self, address: Ipv4Address) {
        let meta = |name: &str, uid: u64, labels: &[(&str, &str)]| ObjectMeta {
            name: name.to_string(),
            namespace: "default".to_string(),
            uid: Uid(BUILTIN_UID_BASE + uid),
            resource_version: 1,
            generation: 1,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..ObjectMeta::default()
        };
        let service = Service {
            meta: meta(
                "kubernetes",
                API_SERVER_SERVICE_UID,
                &[("component", "apiserver"), ("provider", "kubernetes")],
            ),
            spec: ServiceSpec {
                type_: ServiceType::ClusterIP,
                selector: BTreeMap::new(),
                ports: vec![ServicePort {
                    name: "https".to_string(),
                    protocol: Protocol::Tcp,
                    port: 443,
                    target_port: TargetPort::Number(API_SERVER_PORT),
                    node_port: None,
                    app_protocol: None,
                }],
                cluster_ip: ClusterIp::Address(Ipv4Address::new(10, 96, 0, 1)),
                external_ips: Vec::new(),
                external_name: String::new(),
                publish_not_ready_addresses: false,
                session_affinity: SessionAffinity::None,
                external_traffic_policy: None,
                internal_traffic_policy: Some(TrafficPolicy::Cluster),
                allocate_load_balancer_node_ports: None,
            },
        };
        let slice = EndpointSlice {
            meta: meta(
                "kubernetes",
                API_SERVER_SERVICE_UID + 1,
                &[(
                    crate::controllers::endpointslice::LABEL_SERVICE_NAME,
                    "kubernetes",
                )],
            ),
            address_type: AddressType::IPv4,
            endpoints: vec![Endpoint {
                addresses: vec![address.to_string()],
                conditions: EndpointConditions {
                    ready: true,
                    serving: true,
                    terminating: false,
                },
                node_name: None,
                zone: None,
                target_ref: None,
            }],
            ports: vec![EndpointPort {
                name: "https".to_string(),
                protocol: Protocol::Tcp,
                port: API_SERVER_PORT,
                app_protocol: None,
            }],
        };
        self.owner_index
            .insert(Kind::Service, None, service.meta.key());
        self.owner_index
            .insert(Kind::EndpointSlice, None, slice.meta.key());
        self.services.insert(service.meta.key(), service);
        self.endpointslices.insert(slice.meta.key(), slice);
    }

    /// The inputs of the metrics API (behaviours and load models, [`crate::metrics`]).
    pub fn metrics_source(&self) -> &crate::metrics::MetricsSource {
        &self.metrics_source
    }

    /// Mutable access to the metrics inputs (the simulation sets them up and `setLoad`
    /// events change the load curves).
    pub fn metrics_source_mut(&mut self) -> &mut crate::metrics::MetricsSource {
        &mut self.metrics_source
    }

    /// How many objects of `kind` live in `namespace` (for object-count quotas).
    pub fn count_in_namespace(&self, kind: Kind, namespace: &str) -> usize {
        with_kind!(kind, T => self.list_namespace::<T>(namespace).count())
    }

    /// The latest resourceVersion the store assigned (every create, update and removal
    /// takes the next one, as etcd's revision moves on every write): what a list reports
    /// and what a watch resumes from.
    pub fn resource_version(&self) -> u64 {
        self.next_resource_version - 1
    }

    /// The metadata of the object of `kind` at `key`, if it exists.
    pub fn meta_of(&self, kind: Kind, key: &ObjectKey) -> Option<&ObjectMeta> {
        with_kind!(kind, T => self.get::<T>(key).map(Object::meta))
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
        // `namespace` followed by a NUL byte is the least string after it, so the range
        // holds exactly the namespace's keys and no key is compared while iterating.
        let start = ObjectKey::new(namespace, "");
        let end = ObjectKey::new(format!("{namespace}\0"), "");
        T::collection(self).range(start..end).map(|(_, v)| v)
    }

    /// The objects of kind `T` in `namespace` whose controller (the owner reference with
    /// `controller: true`) has uid `controller`, ordered by name as
    /// [`Store::list_namespace`] orders them: the same objects, in the same order, as
    /// filtering that list; a group that is a small part of the collection is found
    /// without visiting the rest of the namespace.
    pub fn controlled_by<'a, T: Object>(
        &'a self,
        namespace: &'a str,
        controller: Uid,
    ) -> impl Iterator<Item = &'a T> + 'a {
        self.indexed::<T>(namespace, Some(controller))
    }

    /// The objects of kind `T` in `namespace` that have no controller (candidates for
    /// adoption), ordered by name as [`Store::list_namespace`] orders them.
    pub fn orphans<'a, T: Object>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a T> + 'a {
        self.indexed::<T>(namespace, None)
    }

    /// The objects of a group of the owner index. A lookup by key costs a few dozen key
    /// comparisons where a step of a scan costs one uid comparison, so a group that makes up
    /// a good part of the collection (one ReplicaSet owning most pods) is found by scanning
    /// the namespace instead; both ways give the same objects in the same order.
    fn indexed<'a, T: Object>(
        &'a self,
        namespace: &'a str,
        controller: Option<Uid>,
    ) -> impl Iterator<Item = &'a T> + 'a {
        const SCAN_WHEN_GROUP_TIMES: usize = 16;
        let collection = T::collection(self);
        let keys = self.owner_index.keys(T::KIND, controller, namespace);
        let size = keys.map_or(0, std::collections::BTreeSet::len);
        let scan = size.saturating_mul(SCAN_WHEN_GROUP_TIMES) >= collection.len() && size > 0;
        let looked_up =
            keys.filter(|_| !scan)
                .into_iter()
                .flatten()
                .map(move |key| match collection.get(key) {
                    Some(object) => object,
                    None => panic!(
                        "the owner index names {} {key}, which is not stored",
                        T::KIND
                    ),
                });
        let scanned = scan
            .then(|| {
                self.list_namespace::<T>(namespace)
                    .filter(move |o| controller_uid(o.meta()) == controller)
            })
            .into_iter()
            .flatten();
        looked_up.chain(scanned)
    }

    /// Rebuilds the controller-owner index from the collections and compares it with the
    /// one kept at the write paths: `Err` names the first entry that differs. The index's
    /// invariant, for tests and checkers.
    pub fn check_owner_index(&self) -> Result<(), String> {
        let mut rebuilt = OwnerIndex::default();
        for kind in Kind::ALL {
            with_kind!(kind, T => {
                for object in self.list::<T>() {
                    let meta = object.meta();
                    rebuilt.insert(kind, controller_uid(meta), meta.key());
                }
            });
        }
        match self.owner_index.first_difference(&rebuilt) {
            None => Ok(()),
            Some(problem) => Err(format!("owner index: {problem}")),
        }
    }

    /// Number of objects of kind `T`.
    pub fn count<T: Object>(&self) -> usize {
        T::collection(self).len()
    }

    /// Appends a trace record (a probe tick) about `object`.
    pub fn trace(&mut self, object: ObjectRef, body: RecordBody) -> RecordId {
        self.timeline.push(self.now, object, self.cause, body)
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

    /// A free name `prefix` + 5 random characters for an object of kind `T` in `namespace`.
    fn generate_name<T: Object>(&mut self, prefix: &str, namespace: &str) -> String {
        // Kubernetes appends 5 random characters; a collision is retried, as the API
        // server does. The bound only guards against a pathological alphabet exhaustion.
        // Each candidate is looked up: listing the names that share the prefix cost as
        // much as the controller's pods on every create.
        for _ in 0..64 {
            let suffix: String = (0..5)
                .map(|_| NAME_ALPHABET[self.names.random_range(0..NAME_ALPHABET.len())] as char)
                .collect();
            let key = ObjectKey::new(namespace, format!("{prefix}{suffix}"));
            if !T::collection(self).contains_key(&key) {
                return key.name;
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
            obj.meta_mut().name = self.generate_name::<T>(&prefix, &namespace);
        }
        if !kind.namespaced() {
            obj.meta_mut().namespace.clear();
        } else if obj.meta().namespace.is_empty() {
            obj.meta_mut().namespace = "default".to_string();
        }
        let key = obj.meta().key();
        crate::admission::check_namespace(self, kind, &key.namespace).map_err(|e| match e {
            ApiError::Forbidden { kind, message, .. } => ApiError::Forbidden {
                kind,
                name: key.name.clone(),
                message,
            },
            other => other,
        })?;
        if T::collection(self).contains_key(&key) {
            return Err(ApiError::AlreadyExists {
                kind,
                key: key.to_string(),
            });
        }
        // Admission sees the uid the object will get (a Job's generated selector names it);
        // the counter moves only if admission accepts the object.
        let uid = Uid(self.next_uid);
        obj.meta_mut().uid = uid;
        obj.admit_create(self)?;
        if kind.namespaced() && kind != Kind::Pod {
            let delta = crate::admission::object_count_delta(kind);
            crate::admission::check_quota(self, kind, &key.name, &key.namespace, &delta, None)?;
        }
        self.next_uid += 1;
        {
            let meta = obj.meta_mut();
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
        self.owner_index
            .insert(kind, controller_uid(obj.meta()), key.clone());
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
        let controller_before = controller_uid(obj.meta());
        let result = mutate(obj);
        obj.tracked_fields(&mut after);
        let controller_after = controller_uid(obj.meta());
        let meta = obj.meta_mut();
        meta.resource_version = rv;
        if spec_change {
            meta.generation += 1;
        }
        let node = node_of(obj);
        let change = change_for(obj, ChangeType::Modified, None, node);
        self.owner_index
            .moved(kind, key, controller_before, controller_after);
        self.next_resource_version += 1;
        let object = ObjectRef::new(kind, key.clone());
        let mut last = None;
        // An empty value reads as unset.
        let shown = |v: &str| if v.is_empty() { "<none>" } else { v }.to_string();
        for (field, to) in &after {
            let from = before
                .iter()
                .find(|(f, _)| f == field)
                .map_or("<none>".to_string(), |(_, v)| shown(v));
            let to = shown(to);
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
                        from,
                        to,
                    },
                ));
            }
        }
        // Conditions that went away (a ReplicaFailure cleared). Other vanished entries, such
        // as the endpoints of a slice, show in a summary field already.
        for (field, from) in &before {
            if !field.starts_with("status.conditions[")
                || from.is_empty()
                || after.iter().any(|(f, _)| f == field)
            {
                continue;
            }
            last = Some(self.timeline.push(
                now,
                object.clone(),
                cause,
                RecordBody::Changed {
                    field: field.clone(),
                    from: from.clone(),
                    to: "<none>".to_string(),
                },
            ));
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
        self.owner_index
            .remove(kind, controller_uid(obj.meta()), key);
        // A removal is a write too: it moves the resourceVersion on, so that a watch resumed
        // from a version taken before it still sees the DELETED event.
        self.next_resource_version += 1;
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
        self.delete_propagating::<T>(key, PropagationPolicy::Background)
    }

    /// A delete request for a non-pod object with a `propagationPolicy`. An object without
    /// finalizers under background propagation is removed at once. Otherwise it gets a
    /// deletionTimestamp (now) and the policy's finalizer, and stays until its finalizers
    /// are removed ([`Store::remove_finalizer`]); a second request changes nothing.
    pub fn delete_propagating<T: Object>(
        &mut self,
        key: &ObjectKey,
        policy: PropagationPolicy,
    ) -> Result<DeleteOutcome, ApiError> {
        let meta = T::collection(self)
            .get(key)
            .ok_or_else(|| ApiError::NotFound {
                kind: T::KIND,
                key: key.to_string(),
            })?
            .meta();
        if meta.deletion_timestamp.is_some() {
            return Ok(DeleteOutcome::AlreadyTerminating);
        }
        let finalizer = policy.finalizer();
        if finalizer.is_none() && meta.finalizers.is_empty() {
            self.remove::<T>(key)?;
            return Ok(DeleteOutcome::Removed);
        }
        let now = self.now;
        self.modify::<T, _>(key, false, |obj| {
            let meta = obj.meta_mut();
            meta.deletion_timestamp = Some(now);
            meta.deletion_grace_period_seconds = Some(0);
            if let Some(f) = finalizer {
                if !meta.finalizers.iter().any(|x| x == f) {
                    meta.finalizers.push(f.to_string());
                }
            }
        })?;
        Ok(DeleteOutcome::Terminating)
    }

    /// A delete request for a namespace: it turns Terminating (no new content) and stays
    /// until the namespace controller has emptied it.
    pub fn delete_namespace(&mut self, name: &str) -> Result<DeleteOutcome, ApiError> {
        let key = ObjectKey::cluster(name);
        let ns = self
            .namespaces
            .get(&key)
            .ok_or_else(|| ApiError::NotFound {
                kind: Kind::Namespace,
                key: name.to_string(),
            })?;
        if ns.meta.deletion_timestamp.is_some() {
            return Ok(DeleteOutcome::AlreadyTerminating);
        }
        let now = self.now;
        self.modify::<Namespace, _>(&key, false, |ns| {
            ns.meta.deletion_timestamp = Some(now);
            ns.meta.deletion_grace_period_seconds = Some(0);
            ns.phase = crate::objects::NamespacePhase::Terminating;
        })?;
        Ok(DeleteOutcome::Terminating)
    }

    /// Removes `finalizer` from the object (a no-op if it does not have it); an object being
    /// deleted whose last finalizer goes is removed. Returns whether it was removed.
    pub fn remove_finalizer<T: Object>(
        &mut self,
        key: &ObjectKey,
        finalizer: &str,
    ) -> Result<bool, ApiError> {
        let meta = T::collection(self)
            .get(key)
            .ok_or_else(|| ApiError::NotFound {
                kind: T::KIND,
                key: key.to_string(),
            })?
            .meta();
        if meta.finalizers.iter().any(|f| f == finalizer) {
            self.modify::<T, _>(key, false, |obj| {
                obj.meta_mut().finalizers.retain(|f| f != finalizer);
            })?;
        }
        let meta = T::collection(self).get(key).map(Object::meta);
        if meta.is_some_and(|m| m.deletion_timestamp.is_some() && m.finalizers.is_empty()) {
            self.remove::<T>(key)?;
            return Ok(true);
        }
        Ok(false)
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

// ---- Service admission: clusterIP and nodePort allocation --------------------------------

/// The Service CIDR, `--service-cluster-ip-range` as kubeadm sets it by default.
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
/// First address of [`SERVICE_CIDR`].
pub const SERVICE_CIDR_BASE: Ipv4Address = Ipv4Address::new(10, 96, 0, 0);
/// Number of addresses in [`SERVICE_CIDR`] (a /12).
pub const SERVICE_CIDR_SIZE: u32 = 1 << 20;
/// Dynamic allocation starts at 10.96.0.10, in creation order. 10.96.0.1 belongs to the
/// `kubernetes` Service (the API server's own), which kubesim does not create; the addresses
/// below .10 stay free for Services that ask for one by `clusterIP`. (Kubernetes picks at
/// random, preferring the upper part of the range; a seeded simulation hands them out in
/// order instead, so that outputs are easy to read and stable.)
pub const FIRST_DYNAMIC_CLUSTER_IP_OFFSET: u32 = 10;
/// `--service-node-port-range`, the default.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<u16> = 30000..=32767;

/// Whether `address` may be a Service's clusterIP: inside [`SERVICE_CIDR`], neither its
/// network nor its broadcast address.
pub fn in_service_cidr(address: Ipv4Address) -> bool {
    let offset = address.0.wrapping_sub(SERVICE_CIDR_BASE.0);
    (1..SERVICE_CIDR_SIZE - 1).contains(&offset)
}

/// The first value in `start..=last`, then `first..start`, that `taken` does not hold: a
/// cursor that moves forward and wraps, so a released value is not handed out again at once.
fn next_free(start: u32, first: u32, last: u32, taken: &BTreeSet<u32>) -> Option<u32> {
    (start..=last)
        .chain(first..start)
        .find(|value| !taken.contains(value))
}

impl Store {
    /// The API server's Service allocation, on create and on update: a clusterIP from
    /// [`SERVICE_CIDR`] and nodePorts from [`NODE_PORT_RANGE`], in order, for what the spec
    /// leaves unset; values written in the spec are checked (in range, not taken by another
    /// Service). On update, values allocated before are kept where the new spec leaves them
    /// unset (`patchAllocatedValues`), and nodePorts are dropped when the type no longer
    /// needs them. What other Services hold is read from the collection itself, so deleting a
    /// Service releases its values without bookkeeping.
    pub fn allocate_service(&mut self, service: &mut Service) -> Result<(), ApiError> {
        let mut key = service.meta.key();
        if key.namespace.is_empty() {
            key.namespace = "default".to_string();
        }
        let invalid = |message: String| ApiError::Invalid {
            kind: Kind::Service,
            key: key.to_string(),
            message,
        };
        let mut ips_taken = BTreeSet::new();
        let mut ports_taken = BTreeSet::new();
        for (other_key, other) in &self.services {
            if *other_key == key {
                continue;
            }
            if let ClusterIp::Address(a) = other.spec.cluster_ip {
                ips_taken.insert(a.0.wrapping_sub(SERVICE_CIDR_BASE.0));
            }
            ports_taken.extend(
                other
                    .spec
                    .ports
                    .iter()
                    .filter_map(|p| p.node_port.map(u32::from)),
            );
        }
        // The cursors move only if the whole allocation succeeds.
        let mut next_cluster_ip = self.next_cluster_ip;
        let mut next_node_port = self.next_node_port;
        let spec = &mut service.spec;
        if let Some(old) = self.services.get(&key) {
            let has_ip = |t: ServiceType| t != ServiceType::ExternalName;
            if has_ip(old.spec.type_) && has_ip(spec.type_) {
                match (spec.cluster_ip, old.spec.cluster_ip) {
                    (ClusterIp::Unset, kept) => spec.cluster_ip = kept,
                    (new, old_ip) if new != old_ip && old_ip != ClusterIp::Unset => {
                        let text = match new {
                            ClusterIp::Address(a) => a.to_string(),
                            _ => "None".to_string(),
                        };
                        return Err(invalid(format!(
                            "spec.clusterIPs[0]: Invalid value: {text:?}: may not change once set"
                        )));
                    }
                    _ => {}
                }
            }
            if old.spec.needs_node_ports() && spec.needs_node_ports() {
                let new_ports: BTreeSet<u16> =
                    spec.ports.iter().filter_map(|p| p.node_port).collect();
                for port in spec.ports.iter_mut().filter(|p| p.node_port.is_none()) {
                    let kept = old
                        .spec
                        .ports
                        .iter()
                        .find(|o| o.name == port.name)
                        .and_then(|o| o.node_port)
                        .filter(|np| !new_ports.contains(np));
                    port.node_port = kept;
                }
            }
        }
        if spec.type_ != ServiceType::ExternalName {
            match spec.cluster_ip {
                ClusterIp::Headless => {}
                ClusterIp::Address(a) => {
                    let failure = if !in_service_cidr(a) {
                        Some(format!(
                            "provided IP ({a}) is not in the valid range. The range of valid IPs \
                             is {SERVICE_CIDR}"
                        ))
                    } else if ips_taken.contains(&a.0.wrapping_sub(SERVICE_CIDR_BASE.0)) {
                        Some("provided IP is already allocated".to_string())
                    } else {
                        None
                    };
                    if let Some(failure) = failure {
                        return Err(invalid(format!(
                            "spec.clusterIPs: Invalid value: [\"{a}\"]: failed to allocate IP \
                             {a}: {failure}"
                        )));
                    }
                }
                ClusterIp::Unset => {
                    let first = FIRST_DYNAMIC_CLUSTER_IP_OFFSET;
                    let last = SERVICE_CIDR_SIZE - 2;
                    let start = next_cluster_ip.clamp(first, last);
                    let Some(offset) = next_free(start, first, last, &ips_taken) else {
                        return Err(invalid(
                            "failed to allocate a serviceIP: range is full".to_string(),
                        ));
                    };
                    next_cluster_ip = if offset == last { first } else { offset + 1 };
                    spec.cluster_ip = ClusterIp::Address(Ipv4Address(SERVICE_CIDR_BASE.0 + offset));
                }
            }
        }
        if !spec.needs_node_ports() {
            for port in &mut spec.ports {
                port.node_port = None;
            }
            self.next_cluster_ip = next_cluster_ip;
            return Ok(());
        }
        let (first, last) = (
            u32::from(*NODE_PORT_RANGE.start()),
            u32::from(*NODE_PORT_RANGE.end()),
        );
        // A port number the Service exposes over two protocols shares one nodePort, as the
        // API server does it (`initNodePorts`); a nodePort belongs to one Service.
        let mut by_service_port: BTreeMap<u16, u16> = BTreeMap::new();
        let mut mine = BTreeSet::new();
        for (i, port) in spec.ports.iter().enumerate() {
            let Some(np) = port.node_port else {
                continue;
            };
            let failure = if !NODE_PORT_RANGE.contains(&np) {
                format!(
                    "provided port is not in the valid range. The range of valid ports is \
                     {first}-{last}"
                )
            } else if ports_taken.contains(&u32::from(np)) {
                "provided port is already allocated".to_string()
            } else {
                mine.insert(u32::from(np));
                by_service_port.entry(port.port).or_insert(np);
                continue;
            };
            return Err(invalid(format!(
                "spec.ports[{i}].nodePort: Invalid value: {np}: {failure}"
            )));
        }
        ports_taken.extend(mine);
        for port in spec.ports.iter_mut().filter(|p| p.node_port.is_none()) {
            if let Some(np) = by_service_port.get(&port.port) {
                port.node_port = Some(*np);
                continue;
            }
            let start = next_node_port.clamp(first, last);
            let Some(np) = next_free(start, first, last, &ports_taken) else {
                return Err(invalid(
                    "failed to allocate a nodePort: range is full".to_string(),
                ));
            };
            ports_taken.insert(np);
            next_node_port = if np == last { first } else { np + 1 };
            let np = u16::try_from(np).expect("a port of NODE_PORT_RANGE fits a u16");
            by_service_port.insert(port.port, np);
            port.node_port = Some(np);
        }
        self.next_cluster_ip = next_cluster_ip;
        self.next_node_port = next_node_port;
        Ok(())
    }
}

#[cfg(test)]
mod service_allocation_tests {
    use super::*;
    use crate::objects::{
        Protocol, ServicePort, ServiceSpec, SessionAffinity, TargetPort, TrafficPolicy,
    };
    use crate::rng::{RngStreams, Stream};

    fn service(
        name: &str,
        type_: ServiceType,
        cluster_ip: ClusterIp,
        ports: &[(u16, Option<u16>)],
    ) -> Service {
        Service {
            meta: ObjectMeta {
                name: name.to_string(),
                namespace: "default".to_string(),
                ..ObjectMeta::default()
            },
            spec: ServiceSpec {
                type_,
                selector: BTreeMap::new(),
                ports: ports
                    .iter()
                    .map(|(port, node_port)| ServicePort {
                        name: format!("p{port}"),
                        protocol: Protocol::Tcp,
                        port: *port,
                        target_port: TargetPort::Number(*port),
                        node_port: *node_port,
                        app_protocol: None,
                    })
                    .collect(),
                cluster_ip,
                external_ips: Vec::new(),
                external_name: String::new(),
                publish_not_ready_addresses: false,
                session_affinity: SessionAffinity::None,
                external_traffic_policy: None,
                internal_traffic_policy: Some(TrafficPolicy::Cluster),
                allocate_load_balancer_node_ports: None,
            },
        }
    }

    fn store() -> Store {
        Store::new(RngStreams::new(1).stream(Stream::ObjectNames))
    }

    fn get<'a>(store: &'a Store, name: &str) -> &'a ServiceSpec {
        &store
            .get::<Service>(&ObjectKey::new("default", name))
            .expect("exists")
            .spec
    }

    fn ip(text: &str) -> ClusterIp {
        ClusterIp::Address(Ipv4Address::parse(text).expect("an address"))
    }

    #[test]
    fn cluster_ips_and_node_ports_are_handed_out_in_order() {
        let mut s = store();
        s.create(service(
            "a",
            ServiceType::ClusterIP,
            ClusterIp::Unset,
            &[(80, None)],
        ))
        .expect("a");
        // An address asked for is honoured, and skipped by dynamic allocation.
        s.create(service(
            "b",
            ServiceType::ClusterIP,
            ip("10.96.0.11"),
            &[(80, None)],
        ))
        .expect("b");
        s.create(service(
            "c",
            ServiceType::NodePort,
            ClusterIp::Unset,
            &[(80, None), (443, None)],
        ))
        .expect("c");
        s.create(service(
            "d",
            ServiceType::ClusterIP,
            ClusterIp::Headless,
            &[],
        ))
        .expect("d");
        assert_eq!(get(&s, "a").cluster_ip, ip("10.96.0.10"));
        assert_eq!(get(&s, "b").cluster_ip, ip("10.96.0.11"));
        assert_eq!(get(&s, "c").cluster_ip, ip("10.96.0.12"));
        assert_eq!(get(&s, "c").ports_summary(), "80:30000/TCP,443:30001/TCP");
        assert_eq!(get(&s, "d").cluster_ip, ClusterIp::Headless);
        assert_eq!(get(&s, "a").ports_summary(), "80/TCP");

        // Taken values are refused, as the API server refuses them.
        let taken = s.create(service(
            "e",
            ServiceType::ClusterIP,
            ip("10.96.0.10"),
            &[(80, None)],
        ));
        assert!(
            matches!(&taken, Err(ApiError::Invalid { message, .. }) if message.ends_with("provided IP is already allocated")),
            "{taken:?}"
        );
        let taken = s.create(service(
            "f",
            ServiceType::NodePort,
            ClusterIp::Unset,
            &[(80, Some(30001))],
        ));
        assert!(
            matches!(&taken, Err(ApiError::Invalid { message, .. }) if message == "spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated"),
            "{taken:?}"
        );
        let outside = s.create(service(
            "g",
            ServiceType::ClusterIP,
            ip("10.0.0.1"),
            &[(80, None)],
        ));
        assert!(
            matches!(&outside, Err(ApiError::Invalid { message, .. }) if message.contains("The range of valid IPs is 10.96.0.0/12")),
            "{outside:?}"
        );

        // Deleting releases, but the cursor moves on: no immediate reuse.
        s.delete::<Service>(&ObjectKey::new("default", "a"))
            .expect("delete");
        s.create(service(
            "h",
            ServiceType::ClusterIP,
            ClusterIp::Unset,
            &[(80, None)],
        ))
        .expect("h");
        assert_eq!(get(&s, "h").cluster_ip, ip("10.96.0.13"));
    }

    #[test]
    fn an_update_keeps_what_was_allocated() {
        let mut s = store();
        s.create(service(
            "web",
            ServiceType::NodePort,
            ClusterIp::Unset,
            &[(80, None)],
        ))
        .expect("web");
        // `kubectl apply` of the same manifest, which writes neither clusterIP nor nodePort,
        // plus a second port.
        let mut again = service(
            "web",
            ServiceType::NodePort,
            ClusterIp::Unset,
            &[(80, None), (443, None)],
        );
        s.allocate_service(&mut again).expect("update");
        assert_eq!(again.spec.cluster_ip, ip("10.96.0.10"));
        assert_eq!(again.spec.ports_summary(), "80:30000/TCP,443:30001/TCP");
        // Back to ClusterIP: the nodePorts go.
        let mut plain = service(
            "web",
            ServiceType::ClusterIP,
            ClusterIp::Unset,
            &[(80, None)],
        );
        s.allocate_service(&mut plain).expect("update");
        assert_eq!(plain.spec.ports_summary(), "80/TCP");
        // The clusterIP is immutable.
        let mut moved = service(
            "web",
            ServiceType::NodePort,
            ip("10.96.0.99"),
            &[(80, None)],
        );
        assert!(s.allocate_service(&mut moved).is_err());
    }

    #[test]
    fn ipv4_text_round_trips() {
        for text in ["10.96.0.10", "0.0.0.0", "255.255.255.255"] {
            assert_eq!(
                Ipv4Address::parse(text).map(|a| a.to_string()).as_deref(),
                Some(text)
            );
        }
        for bad in [
            "10.96.0",
            "10.96.0.1.2",
            "10.96.0.256",
            "10.096.0.1",
            "a.b.c.d",
            "",
            "1..2.3",
        ] {
            assert_eq!(Ipv4Address::parse(bad), None, "{bad}");
        }
        assert!(in_service_cidr(Ipv4Address::new(10, 111, 255, 254)));
        assert!(!in_service_cidr(Ipv4Address::new(10, 111, 255, 255)));
        assert!(!in_service_cidr(Ipv4Address::new(10, 96, 0, 0)));
        assert!(!in_service_cidr(Ipv4Address::new(10, 112, 0, 1)));
    }
}
