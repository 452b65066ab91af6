//! Namespaces and the objects the API server's admission reads when a pod is created
//! (ResourceQuota, LimitRange, PriorityClass), and the ConfigMaps and Secrets pods refer to.
//!
//! Amounts are integers keyed by their API resource name (`requests.cpu`, `memory`,
//! `count/deployments.apps`); the unit follows from the name ([`ResourceUnit::of`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::quantity::{format_bytes, format_cpu_millis};

use super::ObjectMeta;

/// The namespaces every cluster has from the start (k8s-semantics issue 4: `default`,
/// `kube-system`, `kube-public`, `kube-node-lease`).
pub const BUILTIN_NAMESPACES: [&str; 4] =
    ["default", "kube-node-lease", "kube-public", "kube-system"];

/// `status.phase` of a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespacePhase {
    /// Objects may be created in it.
    Active,
    /// Being deleted: the namespace controller removes its content; no new objects.
    Terminating,
}

impl NamespacePhase {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NamespacePhase::Active => "Active",
            NamespacePhase::Terminating => "Terminating",
        }
    }
}

/// `v1/Namespace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Metadata (cluster-scoped: empty namespace).
    pub meta: ObjectMeta,
    /// `status.phase`.
    pub phase: NamespacePhase,
}

impl Namespace {
    /// An Active namespace called `name`.
    pub fn new(name: &str) -> Namespace {
        Namespace {
            meta: ObjectMeta {
                name: name.to_string(),
                labels: BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_string(),
                    name.to_string(),
                )]),
                ..ObjectMeta::default()
            },
            phase: NamespacePhase::Active,
        }
    }
}

/// The unit of an amount, decided by its resource name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceUnit {
    /// Millicores (`cpu`, `requests.cpu`, `limits.cpu`).
    Millis,
    /// Bytes (memory, storage).
    Bytes,
    /// Whole objects or extended-resource units.
    Count,
}

impl ResourceUnit {
    /// The unit of the resource called `name`.
    pub fn of(name: &str) -> ResourceUnit {
        let base = name.rsplit('.').next().unwrap_or(name);
        if name == "cpu" || base == "cpu" {
            ResourceUnit::Millis
        } else if matches!(base, "memory" | "storage" | "ephemeral-storage")
            || name.ends_with("ephemeral-storage")
            || name.starts_with("hugepages-")
            || name.contains(".hugepages-")
        {
            ResourceUnit::Bytes
        } else {
            ResourceUnit::Count
        }
    }

    /// `value` written as Kubernetes prints the quantity.
    pub fn format(self, value: u64) -> String {
        match self {
            ResourceUnit::Millis => format_cpu_millis(value),
            ResourceUnit::Bytes => format_bytes(value),
            ResourceUnit::Count => value.to_string(),
        }
    }
}

/// `name=value` for each entry, comma-separated in name order: the API server's
/// `prettyPrint` of a resource list in quota errors.
pub fn pretty_amounts(amounts: &BTreeMap<String, u64>) -> String {
    amounts
        .iter()
        .map(|(name, value)| format!("{name}={}", ResourceUnit::of(name).format(*value)))
        .collect::<Vec<_>>()
        .join(",")
}

/// `v1/ResourceQuota`: hard limits on what a namespace may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceQuota {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.hard`.
    pub hard: BTreeMap<String, u64>,
    /// `status.used`, kept by the resource-quota controller (same keys as `hard`).
    pub used: BTreeMap<String, u64>,
}

/// `type` of a LimitRange item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitType {
    /// Per container.
    Container,
    /// Per pod (sum of its containers).
    Pod,
    /// Per PersistentVolumeClaim (`storage`).
    PersistentVolumeClaim,
}

impl LimitType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitType::Container => "Container",
            LimitType::Pod => "Pod",
            LimitType::PersistentVolumeClaim => "PersistentVolumeClaim",
        }
    }
}

/// `spec.limits[]` of a LimitRange, after `SetDefaults_LimitRangeItem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRangeItem {
    /// `type`.
    pub limit_type: LimitType,
    /// `max`.
    pub max: BTreeMap<String, u64>,
    /// `min`.
    pub min: BTreeMap<String, u64>,
    /// `default`: the limit given to a container that sets none.
    pub default: BTreeMap<String, u64>,
    /// `defaultRequest`: the request given to a container that sets none.
    pub default_request: BTreeMap<String, u64>,
    /// `maxLimitRequestRatio`, in thousandths (`"2"` is 2000).
    pub max_limit_request_ratio_millis: BTreeMap<String, u64>,
}

/// `v1/LimitRange`: per-container and per-pod defaults and bounds, applied at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRange {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.limits`.
    pub limits: Vec<LimitRangeItem>,
}

/// `preemptionPolicy` of a PriorityClass or pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreemptionPolicy {
    /// May preempt lower-priority pods (the default).
    #[default]
    PreemptLowerPriority,
    /// Never preempts.
    Never,
}

impl PreemptionPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PreemptionPolicy::PreemptLowerPriority => "PreemptLowerPriority",
            PreemptionPolicy::Never => "Never",
        }
    }
}

/// `scheduling.k8s.io/v1/PriorityClass`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityClass {
    /// Metadata (cluster-scoped).
    pub meta: ObjectMeta,
    /// `value`.
    pub value: i32,
    /// `globalDefault`: the priority of pods that name no class.
    pub global_default: bool,
    /// `preemptionPolicy`.
    pub preemption_policy: PreemptionPolicy,
    /// `description`.
    pub description: String,
}

/// The two classes the API server creates (`scheduling.SystemPriorityClasses`).
pub fn system_priority_classes() -> [PriorityClass; 2] {
    let class = |name: &str, value: i32, description: &str| PriorityClass {
        meta: ObjectMeta {
            name: name.to_string(),
            ..ObjectMeta::default()
        },
        value,
        global_default: false,
        preemption_policy: PreemptionPolicy::PreemptLowerPriority,
        description: description.to_string(),
    };
    [
        class(
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved \
             to another node if necessary.",
        ),
        class(
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
    ]
}

/// `v1/ConfigMap`: only which keys it holds matters to the simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMap {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Keys of `data` and `binaryData`.
    pub keys: BTreeSet<String>,
    /// `immutable`.
    pub immutable: bool,
}

/// `v1/Secret`: only which keys it holds matters to the simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `type`, default `Opaque`.
    pub secret_type: String,
    /// Keys of `data` and `stringData`.
    pub keys: BTreeSet<String>,
    /// `immutable`.
    pub immutable: bool,
}

/// Which kind of object a container's environment reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfigSource {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

impl ConfigSource {
    /// The lower-case name the kubelet's errors use (`configmap "x" not found`).
    pub fn lower(self) -> &'static str {
        match self {
            ConfigSource::ConfigMap => "configmap",
            ConfigSource::Secret => "secret",
        }
    }

    /// The kind name (`couldn't find key k in ConfigMap ns/x`).
    pub fn kind_name(self) -> &'static str {
        match self {
            ConfigSource::ConfigMap => "ConfigMap",
            ConfigSource::Secret => "Secret",
        }
    }
}

/// One ConfigMap or Secret a container reads at start: `env[].valueFrom.configMapKeyRef` /
/// `secretKeyRef` (with `key`) or `envFrom[]` (without).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRef {
    /// ConfigMap or Secret.
    pub source: ConfigSource,
    /// Its name, in the pod's namespace.
    pub name: String,
    /// The key read, for a single variable.
    pub key: Option<String>,
    /// `optional: true`: a missing object or key is not an error.
    pub optional: bool,
}

/// The `resources.requests` and `resources.limits` entries a container declares (after
/// the API server copies limits into missing requests). Admission needs the difference
/// between "not given" and an explicit zero: LimitRange fills in only what is missing and
/// ResourceQuota refuses a pod that misses a tracked entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeclaredResources {
    /// Names present in `requests`.
    pub requests: BTreeSet<String>,
    /// Names present in `limits`.
    pub limits: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_resource_name() {
        assert_eq!(ResourceUnit::of("requests.cpu"), ResourceUnit::Millis);
        assert_eq!(ResourceUnit::of("cpu"), ResourceUnit::Millis);
        assert_eq!(ResourceUnit::of("limits.memory"), ResourceUnit::Bytes);
        assert_eq!(ResourceUnit::of("requests.storage"), ResourceUnit::Bytes);
        assert_eq!(
            ResourceUnit::of("requests.ephemeral-storage"),
            ResourceUnit::Bytes
        );
        assert_eq!(ResourceUnit::of("pods"), ResourceUnit::Count);
        assert_eq!(
            ResourceUnit::of("count/deployments.apps"),
            ResourceUnit::Count
        );
        assert_eq!(
            ResourceUnit::of("requests.nvidia.com/gpu"),
            ResourceUnit::Count
        );
    }

    #[test]
    fn quota_lists_print_like_the_api_server() {
        let amounts = BTreeMap::from([
            ("requests.cpu".to_string(), 1200),
            ("pods".to_string(), 3),
            ("limits.memory".to_string(), 1 << 30),
        ]);
        assert_eq!(
            pretty_amounts(&amounts),
            "limits.memory=1Gi,pods=3,requests.cpu=1200m"
        );
    }
}
