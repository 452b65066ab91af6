//! StatefulSets, DaemonSets and PersistentVolumeClaims (k8s-semantics §8.1–8.4).
//!
//! kubesim has **no storage model**: a PersistentVolumeClaim is `Bound` the moment it is
//! created, to a volume named `pvc-<uid>` of exactly the requested size, as if a default
//! StorageClass provisioned it at once. Claims exist so that a StatefulSet's pods keep their
//! identity across scale-down and scale-up, and so that a pod naming a claim that does not
//! exist stays Pending.

use std::collections::BTreeMap;

use crate::selector::LabelSelector;

use super::{IntOrPercent, ObjectMeta, PodTemplate};

/// `spec.podManagementPolicy` of a StatefulSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodManagementPolicy {
    /// One pod at a time, each Running and Ready before the next (the default).
    OrderedReady,
    /// All pods created and deleted at once.
    Parallel,
}

impl PodManagementPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodManagementPolicy::OrderedReady => "OrderedReady",
            PodManagementPolicy::Parallel => "Parallel",
        }
    }
}

/// `spec.updateStrategy` of a StatefulSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatefulSetUpdateStrategy {
    /// Replace pods from the highest ordinal down, one at a time (the default).
    RollingUpdate {
        /// Ordinals below this keep the current revision (default 0).
        partition: u32,
        /// `maxUnavailable` (default 1).
        max_unavailable: IntOrPercent,
    },
    /// Pods are replaced only when deleted by hand.
    OnDelete,
}

/// `whenDeleted` / `whenScaled` of `persistentVolumeClaimRetentionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PvcRetention {
    /// Keep the claims (the default).
    Retain,
    /// Delete the claims.
    Delete,
}

impl PvcRetention {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PvcRetention::Retain => "Retain",
            PvcRetention::Delete => "Delete",
        }
    }
}

/// `spec` of a PersistentVolumeClaim (or of a StatefulSet's claim template).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersistentVolumeClaimSpec {
    /// `accessModes` (`ReadWriteOnce`, ...).
    pub access_modes: Vec<String>,
    /// `resources.requests.storage` in bytes.
    pub storage_request_bytes: u64,
    /// `storageClassName`, if written.
    pub storage_class_name: Option<String>,
    /// `volumeAttributesClassName`, if written.
    pub volume_attributes_class_name: Option<String>,
    /// `volumeMode`, default `Filesystem`.
    pub volume_mode: String,
    /// `volumeName`: the bound volume (`pvc-<uid>` once bound).
    pub volume_name: String,
}

/// `status.phase` of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistentVolumeClaimPhase {
    /// Not bound yet.
    Pending,
    /// Bound to a volume.
    Bound,
}

impl PersistentVolumeClaimPhase {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PersistentVolumeClaimPhase::Pending => "Pending",
            PersistentVolumeClaimPhase::Bound => "Bound",
        }
    }
}

/// `status` of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentVolumeClaimStatus {
    /// Phase.
    pub phase: PersistentVolumeClaimPhase,
    /// `accessModes` of the bound volume.
    pub access_modes: Vec<String>,
    /// `capacity.storage` in bytes.
    pub capacity_bytes: u64,
}

impl Default for PersistentVolumeClaimStatus {
    fn default() -> Self {
        PersistentVolumeClaimStatus {
            phase: PersistentVolumeClaimPhase::Pending,
            access_modes: Vec::new(),
            capacity_bytes: 0,
        }
    }
}

/// `v1/PersistentVolumeClaim`. See the module docs: bound at once, no storage model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentVolumeClaim {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: PersistentVolumeClaimSpec,
    /// Status.
    pub status: PersistentVolumeClaimStatus,
}

impl PersistentVolumeClaim {
    /// The claim as the simulated provisioner leaves it: Bound to `pvc-<uid>` with the
    /// requested capacity (there is no storage model).
    pub fn bind(&mut self) {
        self.spec.volume_name = format!("pvc-{}", self.meta.uid);
        self.status = PersistentVolumeClaimStatus {
            phase: PersistentVolumeClaimPhase::Bound,
            access_modes: self.spec.access_modes.clone(),
            capacity_bytes: self.spec.storage_request_bytes,
        };
    }

    /// kubectl's ACCESS MODES column: `RWO`, `ROX`, `RWX`, `RWOP`, comma-separated.
    pub fn access_modes_summary(&self) -> String {
        let modes: Vec<&str> = self
            .status
            .access_modes
            .iter()
            .map(|m| match m.as_str() {
                "ReadWriteOnce" => "RWO",
                "ReadOnlyMany" => "ROX",
                "ReadWriteMany" => "RWX",
                "ReadWriteOncePod" => "RWOP",
                other => other,
            })
            .collect();
        modes.join(",")
    }
}

/// `spec.volumeClaimTemplates[]` of a StatefulSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeClaimTemplate {
    /// `metadata.name`: the volume name in the pods and the prefix of the claims' names.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `spec`.
    pub spec: PersistentVolumeClaimSpec,
}

/// `status` of a StatefulSet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatefulSetStatus {
    /// Generation last acted upon.
    pub observed_generation: u64,
    /// Pods created by the controller.
    pub replicas: u32,
    /// Pods Running and Ready.
    pub ready_replicas: u32,
    /// Pods at `current_revision`.
    pub current_replicas: u32,
    /// Pods at `update_revision`.
    pub updated_replicas: u32,
    /// Pods Ready for `minReadySeconds`.
    pub available_replicas: u32,
    /// `<sts>-<hash>` of the revision the pods below the rollout run.
    pub current_revision: String,
    /// `<sts>-<hash>` of the template as it is now.
    pub update_revision: String,
    /// The pod template of `current_revision` (kubesim keeps it here instead of in a
    /// ControllerRevision object; not part of the API's status).
    pub current_template: Option<PodTemplate>,
}

/// `apps/v1/StatefulSet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatefulSet {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.replicas` (default 1).
    pub replicas: u32,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.serviceName`: the pods' `subdomain`.
    pub service_name: String,
    /// `spec.podManagementPolicy`.
    pub pod_management_policy: PodManagementPolicy,
    /// `spec.updateStrategy`.
    pub update_strategy: StatefulSetUpdateStrategy,
    /// `spec.revisionHistoryLimit` (default 10).
    pub revision_history_limit: u32,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: u32,
    /// `spec.ordinals.start` (default 0).
    pub ordinals_start: u32,
    /// `spec.volumeClaimTemplates`.
    pub volume_claim_templates: Vec<VolumeClaimTemplate>,
    /// `spec.persistentVolumeClaimRetentionPolicy.whenDeleted` (default Retain).
    pub when_deleted: PvcRetention,
    /// `spec.persistentVolumeClaimRetentionPolicy.whenScaled` (default Retain).
    pub when_scaled: PvcRetention,
    /// `status`.
    pub status: StatefulSetStatus,
}

/// `spec.updateStrategy` of a DaemonSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSetUpdateStrategy {
    /// Replace pods node by node (the default: maxUnavailable 1, maxSurge 0).
    RollingUpdate {
        /// `maxUnavailable`.
        max_unavailable: IntOrPercent,
        /// `maxSurge`.
        max_surge: IntOrPercent,
    },
    /// Pods are replaced only when deleted by hand.
    OnDelete,
}

/// `status` of a DaemonSet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonSetStatus {
    /// Nodes that should run the daemon pod.
    pub desired_number_scheduled: u32,
    /// Nodes that should run it and do.
    pub current_number_scheduled: u32,
    /// Nodes that run it but should not.
    pub number_misscheduled: u32,
    /// Nodes whose daemon pod is Ready.
    pub number_ready: u32,
    /// Nodes whose daemon pod runs the current template.
    pub updated_number_scheduled: u32,
    /// Nodes whose daemon pod is Ready for `minReadySeconds`.
    pub number_available: u32,
    /// `desired − available`.
    pub number_unavailable: u32,
    /// Generation last acted upon.
    pub observed_generation: u64,
}

/// `apps/v1/DaemonSet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSet {
    /// Metadata.
    pub meta: ObjectMeta,
    /// `spec.selector`.
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
    /// `spec.updateStrategy`.
    pub update_strategy: DaemonSetUpdateStrategy,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: u32,
    /// `spec.revisionHistoryLimit` (default 10).
    pub revision_history_limit: u32,
    /// `status`.
    pub status: DaemonSetStatus,
}
