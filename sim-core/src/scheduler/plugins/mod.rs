//! The default plugins, each named and behaving as its kube-scheduler namesake.

pub mod balanced_allocation;
pub mod node_affinity;
pub mod node_name;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod taint_toleration;

pub use balanced_allocation::NodeResourcesBalancedAllocation;
pub use node_affinity::NodeAffinity;
pub use node_name::NodeName;
pub use node_resources_fit::{NodeResourcesFit, NodeResourcesFitArgs, ScoringStrategy};
pub use node_unschedulable::NodeUnschedulable;
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
}
