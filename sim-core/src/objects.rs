//! Slim engine-side copies of the Kubernetes objects kubesim simulates.
//!
//! Manifests are decoded with the real API types at the edge (sim-scenarios) and converted
//! into these structs once: quantities become integers (`cpu_millis`, `memory_bytes`), times
//! become [`SimTime`], enums replace strings. Field names follow the Kubernetes API so that
//! a reader can map each one back to `kubectl get -o yaml`.

use std::collections::BTreeMap;
use std::fmt;

use crate::selector::LabelSelector;
use crate::time::{SimDuration, SimTime};

mod policy;
pub use policy::*;
pub mod batch;
pub use batch::*;
pub mod apps;
pub mod pod_extras;
pub use apps::*;
pub use pod_extras::*;
pub mod pdb;
pub use pdb::*;
pub mod node_health;
pub use node_health::*;
pub mod autoscaling;
pub use autoscaling::*;

/// A unique id handed out by the object store from a counter (never random).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uid(pub u64);

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Shaped like a Kubernetes UID so that it reads naturally in outputs.
        write!(f, "00000000-0000-0000-0000-{:012x}", self.0)
    }
}

/// The kinds of object the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `v1/Node`
    Node,
    /// `v1/Pod`
    Pod,
    /// `apps/v1/ReplicaSet`
    ReplicaSet,
    /// `apps/v1/Deployment`
    Deployment,
    /// `v1/Service`
    Service,
    /// `discovery.k8s.io/v1/EndpointSlice`
    EndpointSlice,
    /// `v1/Namespace`
    Namespace,
    /// `v1/ResourceQuota`
    ResourceQuota,
    /// `v1/LimitRange`
    LimitRange,
    /// `scheduling.k8s.io/v1/PriorityClass`
    PriorityClass,
    /// `v1/ConfigMap`
    ConfigMap,
    /// `v1/Secret`
    Secret,
    /// `batch/v1/Job`
    Job,
    /// `batch/v1/CronJob`
    CronJob,
    /// `apps/v1/StatefulSet`
    StatefulSet,
    /// `apps/v1/DaemonSet`
    DaemonSet,
    /// `v1/PersistentVolumeClaim`
    PersistentVolumeClaim,
    /// `policy/v1/PodDisruptionBudget`
    PodDisruptionBudget,
    /// `autoscaling/v2/HorizontalPodAutoscaler`
    HorizontalPodAutoscaler,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 19] = [
        Kind::Node,
        Kind::Pod,
        Kind::ReplicaSet,
        Kind::Deployment,
        Kind::Service,
        Kind::EndpointSlice,
        Kind::Namespace,
        Kind::ResourceQuota,
        Kind::LimitRange,
        Kind::PriorityClass,
        Kind::ConfigMap,
        Kind::Secret,
        Kind::Job,
        Kind::CronJob,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::PersistentVolumeClaim,
        Kind::PodDisruptionBudget,
        Kind::HorizontalPodAutoscaler,
    ];

    /// The Kubernetes kind name, e.g. `ReplicaSet`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Deployment => "Deployment",
            Kind::Service => "Service",
            Kind::EndpointSlice => "EndpointSlice",
            Kind::Namespace => "Namespace",
            Kind::ResourceQuota => "ResourceQuota",
            Kind::LimitRange => "LimitRange",
            Kind::PriorityClass => "PriorityClass",
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::PodDisruptionBudget => "PodDisruptionBudget",
            Kind::HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
        }
    }

    /// The lower-case resource name kubectl uses in `kind/name` references.
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Node => "node",
            Kind::Pod => "pod",
            Kind::ReplicaSet => "replicaset",
            Kind::Deployment => "deployment",
            Kind::Service => "service",
            Kind::EndpointSlice => "endpointslice",
            Kind::Namespace => "namespace",
            Kind::ResourceQuota => "resourcequota",
            Kind::LimitRange => "limitrange",
            Kind::PriorityClass => "priorityclass",
            Kind::ConfigMap => "configmap",
            Kind::Secret => "secret",
            Kind::Job => "job",
            Kind::CronJob => "cronjob",
            Kind::StatefulSet => "statefulset",
            Kind::DaemonSet => "daemonset",
            Kind::PersistentVolumeClaim => "persistentvolumeclaim",
            Kind::PodDisruptionBudget => "poddisruptionbudget",
            Kind::HorizontalPodAutoscaler => "horizontalpodautoscaler",
        }
    }

    /// The plural resource name of API paths and errors (`pods "web-0" is forbidden`).
    pub fn plural(self) -> String {
        let singular = self.resource();
        if singular.ends_with('s') {
            format!("{singular}es")
        } else {
            format!("{singular}s")
        }
    }

    /// `apiVersion` of the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Node
            | Kind::Pod
            | Kind::Service
            | Kind::Namespace
            | Kind::ResourceQuota
            | Kind::LimitRange
            | Kind::ConfigMap
            | Kind::Secret
            | Kind::PersistentVolumeClaim => "v1",
            Kind::ReplicaSet | Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet => "apps/v1",
            Kind::EndpointSlice => "discovery.k8s.io/v1",
            Kind::PriorityClass => "scheduling.k8s.io/v1",
            Kind::Job | Kind::CronJob => "batch/v1",
            Kind::PodDisruptionBudget => "policy/v1",
            Kind::HorizontalPodAutoscaler => "autoscaling/v2",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Node | Kind::Namespace | Kind::PriorityClass)
    }

    /// Parses a kind from its name, resource name, plural or kubectl short name.
    pub fn parse(text: &str) -> Option<Kind> {
        match text.to_ascii_lowercase().as_str() {
            "node" | "nodes" | "no" => Some(Kind::Node),
            "pod" | "pods" | "po" => Some(Kind::Pod),
            "replicaset" | "replicasets" | "rs" => Some(Kind::ReplicaSet),
            "deployment" | "deployments" | "deploy" => Some(Kind::Deployment),
            "service" | "services" | "svc" => Some(Kind::Service),
            "endpointslice" | "endpointslices" => Some(Kind::EndpointSlice),
            "namespace" | "namespaces" | "ns" => Some(Kind::Namespace),
            "resourcequota" | "resourcequotas" | "quota" => Some(Kind::ResourceQuota),
            "limitrange" | "limitranges" | "limits" => Some(Kind::LimitRange),
            "priorityclass" | "priorityclasses" | "pc" => Some(Kind::PriorityClass),
            "configmap" | "configmaps" | "cm" => Some(Kind::ConfigMap),
            "secret" | "secrets" => Some(Kind::Secret),
            "job" | "jobs" => Some(Kind::Job),
            "cronjob" | "cronjobs" | "cj" => Some(Kind::CronJob),
            "statefulset" | "statefulsets" | "sts" => Some(Kind::StatefulSet),
            "daemonset" | "daemonsets" | "ds" => Some(Kind::DaemonSet),
            "persistentvolumeclaim" | "persistentvolumeclaims" | "pvc" => {
                Some(Kind::PersistentVolumeClaim)
            }
            "poddisruptionbudget" | "poddisruptionbudgets" | "pdb" => {
                Some(Kind::PodDisruptionBudget)
            }
            "horizontalpodautoscaler" | "horizontalpodautoscalers" | "hpa" => {
                Some(Kind::HorizontalPodAutoscaler)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Namespace and name of an object; the namespace is empty for cluster-scoped kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// A namespaced key.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A key for a cluster-scoped object.
    pub fn cluster(name: impl Into<String>) -> ObjectKey {
        ObjectKey::new("", name)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}/{}", self.namespace, self.name)
        }
    }
}

/// A reference to any object: kind plus key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// The object's kind.
    pub kind: Kind,
    /// Its namespace and name.
    pub key: ObjectKey,
}

impl ObjectRef {
    /// Builds a reference.
    pub fn new(kind: Kind, key: ObjectKey) -> ObjectRef {
        ObjectRef { kind, key }
    }
}

impl fmt::Display for ObjectRef {
    /// `kind/name` as kubectl prints it (namespace omitted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.resource(), self.key.name)
    }
}

/// `metadata.ownerReferences[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerReference {
    /// Kind of the owner.
    pub kind: Kind,
    /// Name of the owner (same namespace as the dependent).
    pub name: String,
    /// UID of the owner.
    pub uid: Uid,
    /// Whether the owner is the managing controller.
    pub controller: bool,
    /// Whether foreground deletion of the owner waits for this dependent.
    pub block_owner_deletion: bool,
}

/// `metadata`: the fields every object has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; empty for cluster-scoped objects.
    pub namespace: String,
    /// Assigned by the store on create.
    pub uid: Uid,
    /// Bumped by the store on every write.
    pub resource_version: u64,
    /// Bumped when the spec changes.
    pub generation: u64,
    /// When the store created the object.
    pub creation_timestamp: SimTime,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `metadata.ownerReferences`.
    pub owner_references: Vec<OwnerReference>,
    /// Set when a graceful deletion starts: the instant after which the object may be killed.
    pub deletion_timestamp: Option<SimTime>,
    /// The grace period of the pending deletion, in seconds.
    pub deletion_grace_period_seconds: Option<u64>,
    /// `metadata.finalizers`.
    pub finalizers: Vec<String>,
    /// `metadata.generateName`, used when `name` is empty on create.
    pub generate_name: String,
}

impl ObjectMeta {
    /// The owner reference with `controller: true`, if any.
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|r| r.controller)
    }

    /// The key of this object.
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(self.namespace.clone(), self.name.clone())
    }
}

/// Amounts of the resources the scheduler accounts, as integers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resources {
    /// CPU in millicores.
    pub cpu_millis: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage_bytes: u64,
    /// Number of pods (only meaningful for node capacity).
    pub pods: u64,
    /// Extended resources such as `nvidia.com/gpu`, in their integer units.
    pub extended: BTreeMap<String, u64>,
}

impl Resources {
    /// Adds `other` to `self`, saturating.
    pub fn add(&mut self, other: &Resources) {
        self.cpu_millis = self.cpu_millis.saturating_add(other.cpu_millis);
        self.memory_bytes = self.memory_bytes.saturating_add(other.memory_bytes);
        self.ephemeral_storage_bytes = self
            .ephemeral_storage_bytes
            .saturating_add(other.ephemeral_storage_bytes);
        self.pods = self.pods.saturating_add(other.pods);
        for (name, amount) in &other.extended {
            let slot = self.extended.entry(name.clone()).or_insert(0);
            *slot = slot.saturating_add(*amount);
        }
    }

    /// Subtracts `other` from `self`, saturating at zero.
    pub fn sub(&mut self, other: &Resources) {
        self.cpu_millis = self.cpu_millis.saturating_sub(other.cpu_millis);
        self.memory_bytes = self.memory_bytes.saturating_sub(other.memory_bytes);
        self.ephemeral_storage_bytes = self
            .ephemeral_storage_bytes
            .saturating_sub(other.ephemeral_storage_bytes);
        self.pods = self.pods.saturating_sub(other.pods);
        for (name, amount) in &other.extended {
            if let Some(slot) = self.extended.get_mut(name) {
                *slot = slot.saturating_sub(*amount);
            }
        }
    }

    /// The amount of the resource called `name` (`cpu`, `memory`, `ephemeral-storage`,
    /// `pods` or an extended resource), 0 when absent.
    pub fn get(&self, name: &str) -> u64 {
        match name {
            "cpu" => self.cpu_millis,
            "memory" => self.memory_bytes,
            "ephemeral-storage" => self.ephemeral_storage_bytes,
            "pods" => self.pods,
            _ => self.extended.get(name).copied().unwrap_or(0),
        }
    }

    /// Sets the amount of the resource called `name`.
    pub fn set(&mut self, name: &str, amount: u64) {
        match name {
            "cpu" => self.cpu_millis = amount,
            "memory" => self.memory_bytes = amount,
            "ephemeral-storage" => self.ephemeral_storage_bytes = amount,
            "pods" => self.pods = amount,
            _ => {
                self.extended.insert(name.to_string(), amount);
            }
        }
    }

    /// Component-wise maximum, used for init containers (effective request).
    pub fn max_with(&mut self, other: &Resources) {
        self.cpu_millis = self.cpu_millis.max(other.cpu_millis);
        self.memory_bytes = self.memory_bytes.max(other.memory_bytes);
        self.ephemeral_storage_bytes = self
            .ephemeral_storage_bytes
            .max(other.ephemeral_storage_bytes);
        for (name, amount) in &other.extended {
            let slot = self.extended.entry(name.clone()).or_insert(0);
            *slot = (*slot).max(*amount);
        }
    }
}

/// A taint's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaintEffect {
    /// New pods that do not tolerate it are not scheduled.
    NoSchedule,
    /// The scheduler tries to avoid the node.
    PreferNoSchedule,
    /// Running pods that do not tolerate it are evicted.
    NoExecute,
}

impl TaintEffect {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// Parses the Kubernetes spelling.
    pub fn parse(text: &str) -> Option<TaintEffect> {
        match text {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }
}

/// `spec.taints[]` of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// Effect.
    pub effect: TaintEffect,
}

/// `Toleration.operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TolerationOperator {
    /// Key and value must match.
    Equal,
    /// Key must match (or be empty, matching every key).
    Exists,
}

/// `spec.tolerations[]` of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    /// Empty with `Exists` matches every key.
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator: TolerationOperator,
    /// Value compared with `Equal`.
    pub value: String,
    /// `None` matches every effect.
    pub effect: Option<TaintEffect>,
    /// For `NoExecute`: how long the pod stays bound after the taint appears.
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `taint` (k8s `Toleration.ToleratesTaint`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect {
            if effect != taint.effect {
                return false;
            }
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => self.value == taint.value,
        }
    }
}

/// Whether any toleration in `tolerations` tolerates `taint`.
pub fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// A node condition status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConditionStatus {
    /// `True`
    True,
    /// `False`
    False,
    /// `Unknown`
    Unknown,
}

impl ConditionStatus {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }

    /// `True` for `true`, `False` otherwise.
    pub fn from_bool(b: bool) -> ConditionStatus {
        if b {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        }
    }
}

/// `v1/Node`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.unschedulable` (cordon).
    pub unschedulable: bool,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `status.capacity`.
    pub capacity: Resources,
    /// `status.allocatable`.
    pub allocatable: Resources,
    /// `status.conditions[type=Ready].status`.
    pub ready: ConditionStatus,
    /// `status.images`: the images present on the node (ImageLocality scores them).
    pub images: Vec<ContainerImage>,
    /// `status.conditions[type=MemoryPressure].status`, set by the kubelet's eviction
    /// manager (`crate::node_pressure`).
    pub memory_pressure: ConditionStatus,
    /// Heartbeats, condition times and taint times (`node_health.rs`).
    pub health: NodeHealth,
}

/// `restartPolicy` of a pod (or of a sidecar init container).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Restart after any exit.
    Always,
    /// Restart only after a non-zero exit.
    OnFailure,
    /// Never restart.
    Never,
}

impl RestartPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::Always => "Always",
            RestartPolicy::OnFailure => "OnFailure",
            RestartPolicy::Never => "Never",
        }
    }

    /// Whether a container that exited with `exit_code` is restarted under this policy.
    pub fn restarts_after(self, exit_code: i32) -> bool {
        match self {
            RestartPolicy::Always => true,
            RestartPolicy::OnFailure => exit_code != 0,
            RestartPolicy::Never => false,
        }
    }
}

/// `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagePullPolicy {
    /// Pull every time the container starts.
    Always,
    /// Pull only if the node does not have the image.
    IfNotPresent,
    /// Never pull.
    Never,
}

impl ImagePullPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// How a probe checks the container; the outcome itself comes from the behaviour model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeHandler {
    /// `exec.command`.
    Exec(Vec<String>),
    /// `httpGet` (scheme, port, path).
    HttpGet {
        /// `HTTP` or `HTTPS`.
        scheme: String,
        /// Port number or name.
        port: String,
        /// Request path.
        path: String,
    },
    /// `tcpSocket.port`.
    TcpSocket(String),
    /// `grpc.port`.
    Grpc(u16),
}

/// A container probe with Kubernetes defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The mechanism.
    pub handler: ProbeHandler,
    /// Default 0.
    pub initial_delay_seconds: u32,
    /// Default 10.
    pub period_seconds: u32,
    /// Default 1.
    pub timeout_seconds: u32,
    /// Default 1.
    pub success_threshold: u32,
    /// Default 3.
    pub failure_threshold: u32,
    /// Probe-level override of the pod's grace period for kills it causes.
    pub termination_grace_period_seconds: Option<u64>,
}

/// A lifecycle hook's action (`lifecycle.preStop`, `lifecycle.postStart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookHandler {
    /// `exec.command`: runs as long as the behaviour model says (`preStopTakes`).
    Exec(Vec<String>),
    /// `httpGet` (scheme, port, path): as long as the behaviour model says.
    HttpGet {
        /// `HTTP` or `HTTPS`.
        scheme: String,
        /// Port number or name.
        port: String,
        /// Request path.
        path: String,
    },
    /// `sleep.seconds`: the kubelet itself sleeps this long.
    Sleep(u64),
}

/// A container of a pod spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `name`.
    pub name: String,
    /// `image`.
    pub image: String,
    /// `imagePullPolicy` after defaulting.
    pub image_pull_policy: ImagePullPolicy,
    /// `resources.requests` (defaulted to limits where only limits are given).
    pub requests: Resources,
    /// `resources.limits`.
    pub limits: Resources,
    /// `readinessProbe`.
    pub readiness_probe: Option<Probe>,
    /// `livenessProbe`.
    pub liveness_probe: Option<Probe>,
    /// `startupProbe`.
    pub startup_probe: Option<Probe>,
    /// Container-level `restartPolicy` (only `Always`, which makes an init container a sidecar).
    pub restart_policy: Option<RestartPolicy>,
    /// `lifecycle.preStop`: runs before TERM when the container is stopped.
    pub pre_stop: Option<HookHandler>,
    /// Which requests and limits the manifest gave (admission tells missing from zero).
    pub declared: DeclaredResources,
    /// The ConfigMaps and Secrets `env` and `envFrom` read when the container starts.
    pub config_refs: Vec<ConfigRef>,
    /// `ports`.
    pub ports: Vec<ContainerPort>,
}

/// `spec` of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpec {
    /// `nodeName`: set by binding.
    pub node_name: Option<String>,
    /// `schedulerName`, default `default-scheduler`.
    pub scheduler_name: String,
    /// `nodeSelector`.
    pub node_selector: BTreeMap<String, String>,
    /// `tolerations`.
    pub tolerations: Vec<Toleration>,
    /// `initContainers`.
    pub init_containers: Vec<Container>,
    /// `containers`.
    pub containers: Vec<Container>,
    /// `restartPolicy`, default `Always`.
    pub restart_policy: RestartPolicy,
    /// `terminationGracePeriodSeconds`, default 30.
    pub termination_grace_period_seconds: u64,
    /// `priority`: resolved from `priorityClassName` by admission (default 0).
    pub priority: i32,
    /// `priorityClassName`, empty when not written.
    pub priority_class_name: String,
    /// `preemptionPolicy`, from the PriorityClass at admission.
    pub preemption_policy: PreemptionPolicy,
    /// `activeDeadlineSeconds`: the kubelet fails the pod this long after it started.
    pub active_deadline_seconds: Option<u64>,
    /// `affinity`.
    pub affinity: Option<Affinity>,
    /// `volumes`.
    pub volumes: Vec<Volume>,
    /// `hostname` (a StatefulSet's pods: the pod name).
    pub hostname: Option<String>,
    /// `subdomain` (a StatefulSet's pods: its `serviceName`).
    pub subdomain: Option<String>,
    /// `topologySpreadConstraints`.
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
}

impl PodSpec {
    /// The pod's effective resource request as the scheduler computes it:
    /// max(Σ app containers + Σ sidecars, each regular init container + sidecars started
    /// before it).
    pub fn effective_requests(&self) -> Resources {
        let mut total = Resources::default();
        for c in &self.containers {
            total.add(&c.requests);
        }
        let mut sidecars = Resources::default();
        let mut init_peak = Resources::default();
        for c in &self.init_containers {
            if c.restart_policy == Some(RestartPolicy::Always) {
                sidecars.add(&c.requests);
                total.add(&c.requests);
            } else {
                let mut during = sidecars.clone();
                during.add(&c.requests);
                init_peak.max_with(&during);
            }
        }
        total.max_with(&init_peak);
        total.pods = 1;
        total
    }
}

/// `status.phase` of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    /// Accepted but not all containers running yet.
    Pending,
    /// Bound and at least one container running (or restarting).
    Running,
    /// All containers terminated successfully and will not restart.
    Succeeded,
    /// All containers terminated and at least one failed, with no restart.
    Failed,
    /// State unknown (lost node).
    Unknown,
}

impl PodPhase {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Unknown => "Unknown",
        }
    }

    /// Succeeded or Failed.
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

/// Pod condition types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodConditionType {
    /// `PodScheduled`
    PodScheduled,
    /// `PodReadyToStartContainers`
    PodReadyToStartContainers,
    /// `Initialized`
    Initialized,
    /// `ContainersReady`
    ContainersReady,
    /// `Ready`
    Ready,
    /// `DisruptionTarget`: the pod is about to be deleted by a disruption (preemption,
    /// eviction), k8s-semantics §6.4 and §9.8.
    DisruptionTarget,
}

impl PodConditionType {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodConditionType::PodScheduled => "PodScheduled",
            PodConditionType::PodReadyToStartContainers => "PodReadyToStartContainers",
            PodConditionType::Initialized => "Initialized",
            PodConditionType::ContainersReady => "ContainersReady",
            PodConditionType::Ready => "Ready",
            PodConditionType::DisruptionTarget => "DisruptionTarget",
        }
    }
}

/// `status.conditions[]` of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCondition {
    /// Condition type.
    pub type_: PodConditionType,
    /// True/False/Unknown.
    pub status: ConditionStatus,
    /// Machine-readable reason, e.g. `Unschedulable`.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
    /// When `status` last changed.
    pub last_transition_time: SimTime,
}

/// The state of one container instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    /// Not running yet (or between restarts).
    Waiting {
        /// E.g. `ContainerCreating`, `CrashLoopBackOff`.
        reason: String,
        /// Human-readable detail.
        message: String,
    },
    /// Running since `started_at`.
    Running {
        /// When the process started.
        started_at: SimTime,
    },
    /// Exited.
    Terminated {
        /// Process exit code.
        exit_code: i32,
        /// `Completed`, `Error`, `OOMKilled`, ...
        reason: String,
        /// When the instance started.
        started_at: SimTime,
        /// When it exited.
        finished_at: SimTime,
    },
}

impl ContainerState {
    /// A short label: `waiting`, `running` or `terminated`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ContainerState::Waiting { .. } => "waiting",
            ContainerState::Running { .. } => "running",
            ContainerState::Terminated { .. } => "terminated",
        }
    }
}

/// `status.containerStatuses[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    /// Container name.
    pub name: String,
    /// Current state.
    pub state: ContainerState,
    /// The previous instance's terminated state, if it restarted.
    pub last_state: Option<ContainerState>,
    /// Readiness as published by the kubelet.
    pub ready: bool,
    /// Whether the startup probe (if any) has succeeded for this instance.
    pub started: bool,
    /// Number of restarts.
    pub restart_count: u32,
}

/// `status` of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodStatus {
    /// Phase.
    pub phase: PodPhase,
    /// Conditions in the order Kubernetes lists them.
    pub conditions: Vec<PodCondition>,
    /// Init container statuses.
    pub init_container_statuses: Vec<ContainerStatus>,
    /// App container statuses.
    pub container_statuses: Vec<ContainerStatus>,
    /// When the kubelet accepted the pod.
    pub start_time: Option<SimTime>,
    /// Pod-level reason (e.g. `Evicted`).
    pub reason: String,
    /// Pod-level message.
    pub message: String,
    /// `status.podIP`: assigned by the kubelet when it admits the pod; `None` until then.
    /// Endpoints list only pods that have one (k8s-semantics §11.1).
    pub pod_ip: Option<String>,
    /// `status.nominatedNodeName`: the node a preemptor waits for after its victims were
    /// chosen (k8s-semantics §9.8).
    pub nominated_node_name: Option<String>,
}

impl Default for PodStatus {
    fn default() -> PodStatus {
        PodStatus {
            phase: PodPhase::Pending,
            conditions: Vec::new(),
            init_container_statuses: Vec::new(),
            container_statuses: Vec::new(),
            start_time: None,
            reason: String::new(),
            message: String::new(),
            pod_ip: None,
            nominated_node_name: None,
        }
    }
}

impl PodStatus {
    /// The condition of type `t`, if set.
    pub fn condition(&self, t: PodConditionType) -> Option<&PodCondition> {
        self.conditions.iter().find(|c| c.type_ == t)
    }

    /// Whether condition `t` is True.
    pub fn condition_true(&self, t: PodConditionType) -> bool {
        self.condition(t)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// Sets condition `t`; returns whether its status changed. The transition time only
    /// moves when the status changes, as in Kubernetes.
    pub fn set_condition(
        &mut self,
        t: PodConditionType,
        status: ConditionStatus,
        reason: &str,
        message: &str,
        now: SimTime,
    ) -> bool {
        if let Some(existing) = self.conditions.iter_mut().find(|c| c.type_ == t) {
            let changed = existing.status != status;
            if changed {
                existing.last_transition_time = now;
            }
            existing.status = status;
            existing.reason = reason.to_string();
            existing.message = message.to_string();
            return changed;
        }
        self.conditions.push(PodCondition {
            type_: t,
            status,
            reason: reason.to_string(),
            message: message.to_string(),
            last_transition_time: now,
        });
        self.conditions.sort_by_key(|c| c.type_);
        true
    }
}

/// `v1/Pod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: PodSpec,
    /// Status.
    pub status: PodStatus,
}

impl Pod {
    /// Whether the pod is Ready.
    pub fn is_ready(&self) -> bool {
        self.status.condition_true(PodConditionType::Ready)
    }

    /// Whether the pod is "active" for its controller: not terminal, not being deleted.
    pub fn is_active(&self) -> bool {
        !self.status.phase.is_terminal() && self.meta.deletion_timestamp.is_none()
    }

    /// k8s `IsPodAvailable`: Ready for at least `min_ready` by `now`.
    pub fn is_available(&self, min_ready: SimDuration, now: SimTime) -> bool {
        match self.status.condition(PodConditionType::Ready) {
            Some(c) if c.status == ConditionStatus::True => {
                min_ready == SimDuration::ZERO || c.last_transition_time + min_ready <= now
            }
            _ => false,
        }
    }
}

/// `spec.template` of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTemplate {
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `spec`.
    pub spec: PodSpec,
}

/// `apps/v1/ReplicaSet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaSet {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.replicas`.
    pub replicas: u32,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: u32,
    /// `status`.
    pub status: ReplicaSetStatus,
}

/// `status` of a ReplicaSet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplicaSetStatus {
    /// Active pods owned.
    pub replicas: u32,
    /// Owned pods whose labels match the template.
    pub fully_labeled_replicas: u32,
    /// Ready pods.
    pub ready_replicas: u32,
    /// Available pods.
    pub available_replicas: u32,
    /// Pods with a deletionTimestamp that are not terminal yet.
    pub terminating_replicas: u32,
    /// Generation last acted upon.
    pub observed_generation: u64,
    /// `ReplicaFailure` while pods cannot be created (`lastUpdateTime` unused).
    pub conditions: Vec<DeploymentCondition>,
}

/// `spec.strategy` of a Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentStrategy {
    /// Kill all old pods before creating new ones.
    Recreate,
    /// Replace pods gradually.
    RollingUpdate {
        /// `maxSurge` (absolute or percent).
        max_surge: IntOrPercent,
        /// `maxUnavailable` (absolute or percent).
        max_unavailable: IntOrPercent,
    },
}

/// An `IntOrString` field that holds a count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    /// An absolute count.
    Int(u32),
    /// A percentage (`"25%"`).
    Percent(u32),
}

impl IntOrPercent {
    /// Resolves against `total`, rounding a percentage up or down.
    pub fn resolve(self, total: u32, round_up: bool) -> u32 {
        match self {
            IntOrPercent::Int(v) => v,
            IntOrPercent::Percent(p) => {
                let scaled = u64::from(p) * u64::from(total);
                let value = if round_up {
                    scaled.div_ceil(100)
                } else {
                    scaled / 100
                };
                u32::try_from(value).unwrap_or(u32::MAX)
            }
        }
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(v) => write!(f, "{v}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// `status.conditions[]` of a Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentCondition {
    /// `Available`, `Progressing` or `ReplicaFailure`.
    pub type_: String,
    /// True/False/Unknown.
    pub status: ConditionStatus,
    /// Reason, e.g. `MinimumReplicasAvailable`.
    pub reason: String,
    /// Message.
    pub message: String,
    /// When `status` last changed.
    pub last_transition_time: SimTime,
    /// When the condition was last written.
    pub last_update_time: SimTime,
}

/// `status` of a Deployment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentStatus {
    /// Generation last acted upon.
    pub observed_generation: u64,
    /// Σ active pods of all its ReplicaSets.
    pub replicas: u32,
    /// Active pods of the newest ReplicaSet.
    pub updated_replicas: u32,
    /// Ready pods.
    pub ready_replicas: u32,
    /// Available pods.
    pub available_replicas: u32,
    /// `replicas` − available (floored at 0).
    pub unavailable_replicas: u32,
    /// Conditions.
    pub conditions: Vec<DeploymentCondition>,
}

/// `apps/v1/Deployment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.replicas`.
    pub replicas: u32,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.strategy`.
    pub strategy: DeploymentStrategy,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: u32,
    /// `spec.revisionHistoryLimit`.
    pub revision_history_limit: u32,
    /// `spec.progressDeadlineSeconds`.
    pub progress_deadline_seconds: u32,
    /// `spec.paused`.
    pub paused: bool,
    /// `status`.
    pub status: DeploymentStatus,
}

// ---- Services and EndpointSlices (k8s-semantics §11) ---------------------------------------

/// An IPv4 address as a number, so that ranges and order are integer arithmetic (the engine
/// does no networking, so `std::net` has no place in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Address(pub u32);

impl Ipv4Address {
    /// Builds an address from its four octets.
    pub const fn new(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
        Ipv4Address(u32::from_be_bytes([a, b, c, d]))
    }

    /// Parses dotted-quad text (`10.96.0.10`): four decimal octets, no leading zeros (Go's
    /// `netip.ParseAddr` refuses them too, as they once meant octal).
    pub fn parse(text: &str) -> Option<Ipv4Address> {
        let mut octets = [0u8; 4];
        let mut parts = text.split('.');
        for octet in &mut octets {
            let part = parts.next()?;
            let well_formed = !part.is_empty()
                && part.len() <= 3
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part == "0" || !part.starts_with('0'));
            if !well_formed {
                return None;
            }
            *octet = part.parse().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Ipv4Address(u32::from_be_bytes(octets)))
    }
}

impl fmt::Display for Ipv4Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// `spec.type` of a Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceType {
    /// A virtual IP inside the cluster (the default).
    ClusterIP,
    /// ClusterIP plus a port on every node.
    NodePort,
    /// NodePort plus an external load balancer (none is provisioned in kubesim, as on a
    /// cluster without a cloud controller: EXTERNAL-IP stays `<pending>`).
    LoadBalancer,
    /// A DNS CNAME to `spec.externalName`; no IP, no endpoints.
    ExternalName,
}

impl ServiceType {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIP => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

/// The transport protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// `TCP` (the default).
    Tcp,
    /// `UDP`.
    Udp,
    /// `SCTP`.
    Sctp,
}

impl Protocol {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// `targetPort` of a Service port: a number, or the name of a container port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetPort {
    /// A port number.
    Number(u16),
    /// A named container port, resolved per pod.
    Name(String),
}

/// `spec.ports[]` of a Service, defaulted (protocol TCP, targetPort = port; §11.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// `name` (required when the Service has several ports; may be empty otherwise).
    pub name: String,
    /// `protocol`.
    pub protocol: Protocol,
    /// `port`: the port the Service exposes.
    pub port: u16,
    /// `targetPort`: where traffic goes on the pods.
    pub target_port: TargetPort,
    /// `nodePort`: allocated by the API server for NodePort and LoadBalancer Services.
    pub node_port: Option<u16>,
    /// `appProtocol`, copied to the EndpointSlice ports.
    pub app_protocol: Option<String>,
}

/// `spec.clusterIP` of a Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterIp {
    /// Not written: the API server allocates one on create (ExternalName Services get none).
    Unset,
    /// `None`: a headless Service.
    Headless,
    /// An address of the Service CIDR.
    Address(Ipv4Address),
}

/// `spec.sessionAffinity` (with `sessionAffinityConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAffinity {
    /// No affinity (the default).
    None,
    /// Connections from one client IP go to the same endpoint for this long.
    ClientIp {
        /// `sessionAffinityConfig.clientIP.timeoutSeconds` (default 10800).
        timeout_seconds: u32,
    },
}

/// `externalTrafficPolicy` / `internalTrafficPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficPolicy {
    /// Any endpoint in the cluster.
    Cluster,
    /// Only endpoints on the node that received the traffic.
    Local,
}

impl TrafficPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficPolicy::Cluster => "Cluster",
            TrafficPolicy::Local => "Local",
        }
    }
}

/// `spec` of a Service, with the API server's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// `type`, default ClusterIP.
    pub type_: ServiceType,
    /// `selector`: equality on labels only. Empty means no selector: the EndpointSlice
    /// controller leaves such a Service alone.
    pub selector: BTreeMap<String, String>,
    /// `ports`.
    pub ports: Vec<ServicePort>,
    /// `clusterIP`.
    pub cluster_ip: ClusterIp,
    /// `externalIPs`.
    pub external_ips: Vec<String>,
    /// `externalName` (ExternalName Services only).
    pub external_name: String,
    /// `publishNotReadyAddresses`: endpoints are `ready` whatever the pod's readiness.
    pub publish_not_ready_addresses: bool,
    /// `sessionAffinity`, default None.
    pub session_affinity: SessionAffinity,
    /// `externalTrafficPolicy`, defaulted to Cluster for NodePort and LoadBalancer.
    pub external_traffic_policy: Option<TrafficPolicy>,
    /// `internalTrafficPolicy`, defaulted to Cluster except for ExternalName.
    pub internal_traffic_policy: Option<TrafficPolicy>,
    /// `allocateLoadBalancerNodePorts` (LoadBalancer only, default true).
    pub allocate_load_balancer_node_ports: Option<bool>,
}

impl ServiceSpec {
    /// Whether the API server gives this Service node ports.
    pub fn needs_node_ports(&self) -> bool {
        match self.type_ {
            ServiceType::NodePort => true,
            ServiceType::LoadBalancer => self.allocate_load_balancer_node_ports.unwrap_or(true),
            ServiceType::ClusterIP | ServiceType::ExternalName => false,
        }
    }

    /// Whether the Service has a virtual IP (not headless, not ExternalName).
    pub fn has_cluster_ip(&self) -> bool {
        matches!(self.cluster_ip, ClusterIp::Address(_))
    }
}

/// `v1/Service`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec. (No status is modelled: no load balancer is ever provisioned.)
    pub spec: ServiceSpec,
}

impl Service {
    /// Whether the EndpointSlice controller keeps slices for this Service and `labels`
    /// (a pod's) match its selector (k8s-semantics §11.1: equality-based, selector required;
    /// ExternalName Services get no endpoints).
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        self.spec.type_ != ServiceType::ExternalName
            && !self.spec.selector.is_empty()
            && self
                .spec
                .selector
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v))
    }
}

/// `addressType` of an EndpointSlice. kubesim clusters are single-stack IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressType {
    /// `IPv4`.
    IPv4,
}

impl AddressType {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressType::IPv4 => "IPv4",
        }
    }
}

/// `endpoints[].conditions` of an EndpointSlice (k8s-semantics §11.1, §3.2 step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointConditions {
    /// Should receive traffic: the pod is Ready and not terminating (always true with
    /// `publishNotReadyAddresses`).
    pub ready: bool,
    /// The pod is Ready, terminating or not.
    pub serving: bool,
    /// The pod has a deletionTimestamp.
    pub terminating: bool,
}

/// `endpoints[].targetRef`: the pod behind an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointTargetRef {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Pod uid.
    pub uid: Uid,
}

/// `endpoints[]` of an EndpointSlice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `addresses`: the pod IP.
    pub addresses: Vec<String>,
    /// `conditions`.
    pub conditions: EndpointConditions,
    /// `nodeName`.
    pub node_name: Option<String>,
    /// `zone`: the node's `topology.kubernetes.io/zone` label.
    pub zone: Option<String>,
    /// `targetRef`.
    pub target_ref: Option<EndpointTargetRef>,
}

/// `ports[]` of an EndpointSlice: a Service port resolved against the pods.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EndpointPort {
    /// The Service port's name (may be empty).
    pub name: String,
    /// Protocol.
    pub protocol: Protocol,
    /// The resolved target port.
    pub port: u16,
    /// `appProtocol`.
    pub app_protocol: Option<String>,
}

/// `discovery.k8s.io/v1/EndpointSlice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSlice {
    /// Metadata (labels `kubernetes.io/service-name` and
    /// `endpointslice.kubernetes.io/managed-by`, owner reference to the Service).
    pub meta: ObjectMeta,
    /// `addressType`.
    pub address_type: AddressType,
    /// `endpoints`, at most 100 per slice.
    pub endpoints: Vec<Endpoint>,
    /// `ports`.
    pub ports: Vec<EndpointPort>,
}

/// kubectl's `listWithMoreString`: the first three items, then ` + N more...`; `<unset>`
/// when there are none.
fn list_with_more(items: impl Iterator<Item = String>) -> String {
    const MAX: usize = 3;
    let mut shown = Vec::new();
    let mut count = 0usize;
    for item in items {
        if shown.len() < MAX {
            shown.push(item);
        }
        count += 1;
    }
    let text = shown.join(",");
    if count > MAX {
        format!("{text} + {} more...", count - MAX)
    } else if text.is_empty() {
        "<unset>".to_string()
    } else {
        text
    }
}

impl ServiceSpec {
    /// The PORT(S) column of `kubectl get services` (kubectl's `makePortString`): `80/TCP`,
    /// `80:30080/TCP`, comma-separated; `<none>` without ports.
    pub fn ports_summary(&self) -> String {
        if self.ports.is_empty() {
            return "<none>".to_string();
        }
        let pieces: Vec<String> = self
            .ports
            .iter()
            .map(|p| match p.node_port {
                Some(np) => format!("{}:{np}/{}", p.port, p.protocol.as_str()),
                None => format!("{}/{}", p.port, p.protocol.as_str()),
            })
            .collect();
        pieces.join(",")
    }
}

impl EndpointSlice {
    /// The ENDPOINTS column of `kubectl get endpointslices` (`formatDiscoveryEndpoints`): the
    /// first three addresses, then ` + N more...`; `<unset>` when empty.
    pub fn endpoints_summary(&self) -> String {
        list_with_more(
            self.endpoints
                .iter()
                .flat_map(|e| e.addresses.iter().cloned()),
        )
    }

    /// The PORTS column of `kubectl get endpointslices` (`formatDiscoveryPorts`).
    pub fn ports_summary(&self) -> String {
        list_with_more(self.ports.iter().map(|p| p.port.to_string()))
    }

    /// Endpoints whose `ready` condition is true.
    pub fn ready_endpoints(&self) -> impl Iterator<Item = &Endpoint> + '_ {
        self.endpoints.iter().filter(|e| e.conditions.ready)
    }
}
