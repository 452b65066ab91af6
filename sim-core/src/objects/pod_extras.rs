//! Pod spec fields beyond containers: node affinity (k8s-semantics §9.2–9.3), volumes, and the
//! DNS identity fields a StatefulSet sets (`hostname`, `subdomain`).
//!
//! Node affinity is matched exactly as `k8s.io/component-helpers/scheduling/corev1/
//! nodeaffinity` matches it: the terms of a node selector are ORed, the requirements of a
//! term ANDed, and a term with neither expressions nor fields matches no node. Pod
//! (anti-)affinity terms, topology spread constraints and container ports are kept as the
//! API writes them; the scheduler's InterPodAffinity, PodTopologySpread and NodePorts
//! plugins interpret them.

use std::collections::BTreeMap;

use crate::selector::LabelSelector;

/// The only field a `matchFields` requirement may name (`metav1.ObjectNameField`).
pub const NODE_FIELD_NAME: &str = "metadata.name";

/// `NodeSelectorRequirement.operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeSelectorOperator {
    /// The label's value is one of `values`.
    In,
    /// The label is missing or its value is none of `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is missing.
    DoesNotExist,
    /// The label's value, as an integer, is greater than the single value.
    Gt,
    /// The label's value, as an integer, is less than the single value.
    Lt,
}

impl NodeSelectorOperator {
    /// Every operator, in the API's order.
    pub const ALL: [NodeSelectorOperator; 6] = [
        NodeSelectorOperator::In,
        NodeSelectorOperator::NotIn,
        NodeSelectorOperator::Exists,
        NodeSelectorOperator::DoesNotExist,
        NodeSelectorOperator::Gt,
        NodeSelectorOperator::Lt,
    ];

    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeSelectorOperator::In => "In",
            NodeSelectorOperator::NotIn => "NotIn",
            NodeSelectorOperator::Exists => "Exists",
            NodeSelectorOperator::DoesNotExist => "DoesNotExist",
            NodeSelectorOperator::Gt => "Gt",
            NodeSelectorOperator::Lt => "Lt",
        }
    }

    /// Parses the Kubernetes spelling (exact).
    pub fn parse(text: &str) -> Option<NodeSelectorOperator> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// `NodeSelectorRequirement`: a key, an operator and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSelectorRequirement {
    /// Label key (or `metadata.name` in `matchFields`).
    pub key: String,
    /// Operator.
    pub operator: NodeSelectorOperator,
    /// Values (one integer for Gt/Lt, none for Exists/DoesNotExist).
    pub values: Vec<String>,
}

impl NodeSelectorRequirement {
    /// Whether `value` (the label's value, `None` when the node lacks it) satisfies this
    /// requirement (`labels.Requirement.Matches`).
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        match self.operator {
            NodeSelectorOperator::In => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            NodeSelectorOperator::NotIn => value.is_none_or(|v| self.values.iter().all(|x| x != v)),
            NodeSelectorOperator::Exists => value.is_some(),
            NodeSelectorOperator::DoesNotExist => value.is_none(),
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
                let Some(have) = value.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                let Some(want) = self.values.first().and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                if self.operator == NodeSelectorOperator::Gt {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// `NodeSelectorTerm`: label expressions and field expressions, ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSelectorTerm {
    /// `matchExpressions`, over node labels.
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// `matchFields`, over node fields (only `metadata.name`).
    pub match_fields: Vec<NodeSelectorRequirement>,
}

impl NodeSelectorTerm {
    /// Whether a node with these labels and this name matches; an empty term matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        self.match_expressions
            .iter()
            .all(|r| r.matches_value(labels.get(&r.key).map(String::as_str)))
            && self.match_fields.iter().all(|r| {
                let value = (r.key == NODE_FIELD_NAME).then_some(node_name);
                r.matches_value(value)
            })
    }

    /// The single node this term pins the pod to (`matchFields metadata.name In [node]`, as
    /// the DaemonSet controller writes it), if it does.
    pub fn pinned_node(&self) -> Option<&str> {
        self.match_fields
            .iter()
            .find(|r| {
                r.key == NODE_FIELD_NAME
                    && r.operator == NodeSelectorOperator::In
                    && r.values.len() == 1
            })
            .map(|r| r.values[0].as_str())
    }
}

/// `PreferredSchedulingTerm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredSchedulingTerm {
    /// 1–100.
    pub weight: i32,
    /// The term a node should match.
    pub preference: NodeSelectorTerm,
}

/// `affinity.nodeAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (ORed); `None` when
    /// not written.
    pub required: Option<Vec<NodeSelectorTerm>>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<PreferredSchedulingTerm>,
}

impl NodeAffinity {
    /// Whether the required terms (if any) let the pod onto the node.
    pub fn required_matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> bool {
        match &self.required {
            None => true,
            Some(terms) => terms.iter().any(|t| t.matches(labels, node_name)),
        }
    }

    /// The preferred score of a node: the sum of the weights of the terms it matches
    /// (kube-scheduler's NodeAffinity `Score`, before normalisation).
    pub fn preferred_score(&self, labels: &BTreeMap<String, String>, node_name: &str) -> i64 {
        self.preferred
            .iter()
            .filter(|t| t.weight != 0 && t.preference.matches(labels, node_name))
            .map(|t| i64::from(t.weight))
            .sum()
    }
}

/// `spec.affinity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Affinity {
    /// `nodeAffinity`.
    pub node_affinity: Option<NodeAffinity>,
    /// `podAffinity`.
    pub pod_affinity: Option<PodAffinity>,
    /// `podAntiAffinity` (same shape as `podAffinity`).
    pub pod_anti_affinity: Option<PodAffinity>,
}

impl Affinity {
    /// Whether the pod has any pod affinity or anti-affinity (kube-scheduler keeps such pods
    /// in `NodeInfo.PodsWithAffinity`).
    pub fn has_pod_affinity(&self) -> bool {
        self.pod_affinity.as_ref().is_some_and(|a| !a.is_empty())
            || self
                .pod_anti_affinity
                .as_ref()
                .is_some_and(|a| !a.is_empty())
    }

    /// Whether the pod has required anti-affinity terms (`PodsWithRequiredAntiAffinity`).
    pub fn has_required_anti_affinity(&self) -> bool {
        self.pod_anti_affinity
            .as_ref()
            .is_some_and(|a| !a.required.is_empty())
    }
}

/// `PodAffinityTerm`: which pods (selector and namespaces) and over which topology.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodAffinityTerm {
    /// `labelSelector`; `None` when not written (matches no pod).
    pub label_selector: Option<LabelSelector>,
    /// `namespaces`.
    pub namespaces: Vec<String>,
    /// `namespaceSelector`; `None` when not written, an empty selector selects every
    /// namespace.
    pub namespace_selector: Option<LabelSelector>,
    /// `topologyKey`: the node label whose values are the domains.
    pub topology_key: String,
    /// `matchLabelKeys`: the pod's own values of these labels are ANDed into the selector
    /// (`key In [value]`).
    pub match_label_keys: Vec<String>,
    /// `mismatchLabelKeys`: the pod's own values are ANDed as `key NotIn [value]`.
    pub mismatch_label_keys: Vec<String>,
}

/// `WeightedPodAffinityTerm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedPodAffinityTerm {
    /// 1–100.
    pub weight: i32,
    /// `podAffinityTerm`.
    pub term: PodAffinityTerm,
}

/// `podAffinity` or `podAntiAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`.
    pub required: Vec<PodAffinityTerm>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

impl PodAffinity {
    /// Whether there is no term at all.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty()
    }
}

/// `whenUnsatisfiable` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnsatisfiableConstraintAction {
    /// A hard constraint (PodTopologySpread's Filter).
    DoNotSchedule,
    /// A soft constraint (PodTopologySpread's Score).
    ScheduleAnyway,
}

impl UnsatisfiableConstraintAction {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UnsatisfiableConstraintAction::DoNotSchedule => "DoNotSchedule",
            UnsatisfiableConstraintAction::ScheduleAnyway => "ScheduleAnyway",
        }
    }
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeInclusionPolicy {
    /// Only nodes the pod could go to by this criterion count.
    Honor,
    /// Every node counts.
    Ignore,
}

impl NodeInclusionPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeInclusionPolicy::Honor => "Honor",
            NodeInclusionPolicy::Ignore => "Ignore",
        }
    }
}

/// `spec.topologySpreadConstraints[]`, defaulted (`nodeAffinityPolicy` Honor,
/// `nodeTaintsPolicy` Ignore when not written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologySpreadConstraint {
    /// `maxSkew` (≥ 1).
    pub max_skew: i32,
    /// `topologyKey`.
    pub topology_key: String,
    /// `whenUnsatisfiable`.
    pub when_unsatisfiable: UnsatisfiableConstraintAction,
    /// `labelSelector`; `None` matches no pod.
    pub label_selector: Option<LabelSelector>,
    /// `minDomains` (only with DoNotSchedule).
    pub min_domains: Option<i32>,
    /// `nodeAffinityPolicy`.
    pub node_affinity_policy: NodeInclusionPolicy,
    /// `nodeTaintsPolicy`.
    pub node_taints_policy: NodeInclusionPolicy,
    /// `matchLabelKeys`: the pod's values of these labels are ANDed into the selector.
    pub match_label_keys: Vec<String>,
}

/// The protocol of a container port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortProtocol {
    /// `TCP` (the default).
    Tcp,
    /// `UDP`.
    Udp,
    /// `SCTP`.
    Sctp,
}

impl PortProtocol {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PortProtocol::Tcp => "TCP",
            PortProtocol::Udp => "UDP",
            PortProtocol::Sctp => "SCTP",
        }
    }

    /// Parses the Kubernetes spelling (exact).
    pub fn parse(text: &str) -> Option<PortProtocol> {
        [PortProtocol::Tcp, PortProtocol::Udp, PortProtocol::Sctp]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// `containers[].ports[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    /// `name` (empty when not written).
    pub name: String,
    /// `containerPort`.
    pub container_port: u16,
    /// `hostPort`; 0 when not written.
    pub host_port: u16,
    /// `hostIP`; empty when not written (all addresses).
    pub host_ip: String,
    /// `protocol`, default TCP.
    pub protocol: PortProtocol,
}

/// `status.images[]` of a node: an image's names and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    /// `names`.
    pub names: Vec<String>,
    /// `sizeBytes`.
    pub size_bytes: u64,
}

/// Where a volume's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// `persistentVolumeClaim`.
    PersistentVolumeClaim {
        /// `claimName`.
        claim_name: String,
        /// `readOnly`.
        read_only: bool,
    },
    /// `configMap`.
    ConfigMap {
        /// `name`.
        name: String,
        /// `optional`.
        optional: bool,
    },
    /// `secret`.
    Secret {
        /// `secretName`.
        secret_name: String,
        /// `optional`.
        optional: bool,
    },
    /// `emptyDir`.
    EmptyDir,
    /// `hostPath`.
    HostPath {
        /// `path`.
        path: String,
    },
    /// Any other source (`projected`, `downwardAPI`, `csi`, ...), kept by its field name and
    /// otherwise ignored.
    Other(String),
}

impl VolumeSource {
    /// The API field naming the source (`persistentVolumeClaim`, `emptyDir`, ...).
    pub fn field(&self) -> &str {
        match self {
            VolumeSource::PersistentVolumeClaim { .. } => "persistentVolumeClaim",
            VolumeSource::ConfigMap { .. } => "configMap",
            VolumeSource::Secret { .. } => "secret",
            VolumeSource::EmptyDir => "emptyDir",
            VolumeSource::HostPath { .. } => "hostPath",
            VolumeSource::Other(field) => field,
        }
    }
}

/// `spec.volumes[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// `name`.
    pub name: String,
    /// The source.
    pub source: VolumeSource,
}
