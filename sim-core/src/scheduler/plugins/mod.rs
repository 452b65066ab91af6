//! The default plugins, each named and behaving as its kube-scheduler namesake.

pub mod balanced_allocation;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;

pub use balanced_allocation::NodeResourcesBalancedAllocation;
pub use image_locality::ImageLocality;
pub use inter_pod_affinity::InterPodAffinity;
pub use node_affinity::NodeAffinity;
pub use node_name::NodeName;
pub use node_ports::NodePorts;
pub use node_resources_fit::{
    NodeResourcesFit, NodeResourcesFitArgs, ScoringStrategy, UtilizationShape,
    UtilizationShapePoint,
};
pub use node_unschedulable::NodeUnschedulable;
pub use pod_topology_spread::PodTopologySpread;
pub use taint_toleration::TaintToleration;

/// Plugin names as kube-scheduler spells them (`framework/plugins/names`).
pub mod names {
    /// [`super::NodeUnschedulable`].
    pub const NODE_UNSCHEDULABLE: &str = "NodeUnschedulable";
    /// [`super::NodeName`].
    pub const NODE_NAME: &str = "NodeName";
    /// [`super::TaintToleration`].
    pub const TAINT_TOLERATION: &str = "TaintToleration";
    /// [`super::NodeAffinity`].
    pub const NODE_AFFINITY: &str = "NodeAffinity";
    /// [`super::NodeResourcesFit`].
    pub const NODE_RESOURCES_FIT: &str = "NodeResourcesFit";
    /// [`super::NodeResourcesBalancedAllocation`].
    pub const NODE_RESOURCES_BALANCED_ALLOCATION: &str = "NodeResourcesBalancedAllocation";
    /// [`super::NodePorts`].
    pub const NODE_PORTS: &str = "NodePorts";
    /// [`super::PodTopologySpread`].
    pub const POD_TOPOLOGY_SPREAD: &str = "PodTopologySpread";
    /// [`super::InterPodAffinity`].
    pub const INTER_POD_AFFINITY: &str = "InterPodAffinity";
    /// [`super::ImageLocality`].
    pub const IMAGE_LOCALITY: &str = "ImageLocality";
    /// DefaultPreemption (PostFilter).
    pub const DEFAULT_PREEMPTION: &str = "DefaultPreemption";
    /// DefaultBinder (Bind).
    pub const DEFAULT_BINDER: &str = "DefaultBinder";
}
