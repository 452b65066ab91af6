//! StatefulSets, DaemonSets and PersistentVolumeClaims (k8s-semantics §8.1–8.4), defaulted
//! as `k8s:pkg/apis/apps/v1/defaults.go` and validated as `k8s:pkg/apis/apps/validation`
//! and `ValidatePersistentVolumeClaimSpec` do:
//!
//! * StatefulSet: replicas 1, podManagementPolicy OrderedReady, updateStrategy RollingUpdate
//!   with partition 0 and maxUnavailable 1, revisionHistoryLimit 10, minReadySeconds 0,
//!   ordinals.start 0, PVC retention Retain/Retain; `serviceName` is optional (since 1.32)
//!   and, when written, a DNS-1035 label;
//! * DaemonSet: updateStrategy RollingUpdate with maxUnavailable 1 and maxSurge 0,
//!   revisionHistoryLimit 10, minReadySeconds 0;
//! * PersistentVolumeClaim: at least one access mode, a positive `storage` request,
//!   volumeMode Filesystem. Claims are bound at once (no storage model).

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as api;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use sim_core::objects::{
    DaemonSet, DaemonSetStatus, DaemonSetUpdateStrategy, IntOrPercent, Kind, ObjectMeta,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimStatus,
    PodManagementPolicy, PvcRetention, StatefulSet, StatefulSetStatus, StatefulSetUpdateStrategy,
    VolumeClaimTemplate,
};

use super::{
    dns1035_label_errors, forbidden, int_or_percent_value, invalid, literal_zero, not_supported,
    parse_bytes, quoted, required, Checker, DEFAULT_REVISION_HISTORY_LIMIT,
};
use crate::source::suggest;

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

impl Checker<'_> {
    /// The selector of a StatefulSet or DaemonSet, with the kind named in the empty-selector
    /// message as the API server names it.
    fn apps_selector(
        &mut self,
        selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
        labels: &std::collections::BTreeMap<String, String>,
        kind: &str,
    ) -> sim_core::selector::LabelSelector {
        let before = self.errors.len();
        let converted = self.workload_selector(selector, Some(labels));
        for error in &mut self.errors[before..] {
            error.message = error.message.replace(
                "empty selector is invalid for deployment",
                &format!("empty selector is invalid for {kind}"),
            );
        }
        converted
    }

    pub(super) fn stateful_set(&mut self, set: &apps::StatefulSet) -> StatefulSet {
        let meta = self.meta(&set.metadata, Kind::StatefulSet);
        let spec = set.spec.clone().unwrap_or_default();
        let replicas = self.replicas(spec.replicas);
        let template = self.template(&spec.template);
        let selector = self.apps_selector(&spec.selector, &template.labels, "statefulset");
        let min_ready_seconds =
            self.non_negative(spec.min_ready_seconds, 0, "spec.minReadySeconds");
        let revision_history_limit = self.non_negative(
            spec.revision_history_limit,
            DEFAULT_REVISION_HISTORY_LIMIT,
            "spec.revisionHistoryLimit",
        );
        let service_name = spec.service_name.clone().unwrap_or_default();
        if !service_name.is_empty() {
            for message in dns1035_label_errors(&service_name) {
                self.error("spec.serviceName", invalid(quoted(&service_name), &message));
            }
        }
        let pod_management_policy = match spec.pod_management_policy.as_deref() {
            None | Some("") | Some("OrderedReady") => PodManagementPolicy::OrderedReady,
            Some("Parallel") => PodManagementPolicy::Parallel,
            Some(other) => {
                let supported = ["OrderedReady", "Parallel"];
                self.error_at(
                    "spec.podManagementPolicy",
                    "spec.podManagementPolicy",
                    not_supported(other, &supported),
                    suggest(other, &supported),
                );
                PodManagementPolicy::OrderedReady
            }
        };
        let update_strategy = self.stateful_set_strategy(spec.update_strategy.as_ref());
        let ordinals_start = spec
            .ordinals
            .as_ref()
            .map_or(0, |o| self.non_negative(o.start, 0, "spec.ordinals.start"));
        let policy = spec
            .persistent_volume_claim_retention_policy
            .clone()
            .unwrap_or_default();
        let when_deleted = self.retention(
            policy.when_deleted.as_deref(),
            "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
        );
        let when_scaled = self.retention(
            policy.when_scaled.as_deref(),
            "spec.persistentVolumeClaimRetentionPolicy.whenScaled",
        );
        let volume_claim_templates = spec
            .volume_claim_templates
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, claim)| {
                let at = format!("spec.volumeClaimTemplates[{i}]");
                let metadata = &claim.metadata;
                let name = metadata.name.clone().unwrap_or_default();
                if name.is_empty() {
                    self.error(
                        &format!("{at}.metadata.name"),
                        "Required value: name is required",
                    );
                }
                let labels =
                    self.labels(metadata.labels.as_ref(), &format!("{at}.metadata.labels"));
                let annotations = self.annotations(
                    metadata.annotations.as_ref(),
                    &format!("{at}.metadata.annotations"),
                );
                let claim_spec = claim.spec.clone().unwrap_or_default();
                VolumeClaimTemplate {
                    name,
                    labels,
                    annotations,
                    spec: self.claim_spec(&claim_spec, &format!("{at}.spec")),
                }
            })
            .collect();
        StatefulSet {
            meta,
            replicas,
            selector,
            template,
            service_name,
            pod_management_policy,
            update_strategy,
            revision_history_limit,
            min_ready_seconds,
            ordinals_start,
            volume_claim_templates,
            when_deleted,
            when_scaled,
            status: StatefulSetStatus::default(),
        }
    }

    fn retention(&mut self, value: Option<&str>, path: &str) -> PvcRetention {
        match value {
            None | Some("") | Some("Retain") => PvcRetention::Retain,
            Some("Delete") => PvcRetention::Delete,
            Some(other) => {
                let supported = ["Retain", "Delete"];
                self.error_at(
                    path,
                    path,
                    not_supported(other, &supported),
                    suggest(other, &supported),
                );
                PvcRetention::Retain
            }
        }
    }

    fn stateful_set_strategy(
        &mut self,
        strategy: Option<&apps::StatefulSetUpdateStrategy>,
    ) -> StatefulSetUpdateStrategy {
        let strategy = strategy.cloned().unwrap_or_default();
        let default = StatefulSetUpdateStrategy::RollingUpdate {
            partition: 0,
            max_unavailable: IntOrPercent::Int(1),
        };
        match strategy.type_.as_deref() {
            None | Some("") | Some("RollingUpdate") => {
                let rolling = strategy.rolling_update.unwrap_or_default();
                let partition = self.non_negative(
                    rolling.partition,
                    0,
                    "spec.updateStrategy.rollingUpdate.partition",
                );
                let path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                let max_unavailable = match rolling.max_unavailable {
                    None => IntOrPercent::Int(1),
                    Some(value) => self.positive_int_or_percent(&value, path),
                };
                StatefulSetUpdateStrategy::RollingUpdate {
                    partition,
                    max_unavailable,
                }
            }
            Some("OnDelete") => {
                if strategy.rolling_update.is_some() {
                    self.error(
                        "spec.updateStrategy.rollingUpdate",
                        invalid("{}", "only allowed for updateStrategy 'RollingUpdate'"),
                    );
                }
                StatefulSetUpdateStrategy::OnDelete
            }
            Some(other) => {
                let supported = ["OnDelete", "RollingUpdate"];
                self.error_at(
                    "spec.updateStrategy.type",
                    "spec.updateStrategy.type",
                    not_supported(other, &supported),
                    suggest(other, &supported),
                );
                default
            }
        }
    }

    /// A count or percentage that must be positive and at most 100 %.
    fn positive_int_or_percent(&mut self, value: &IntOrString, path: &str) -> IntOrPercent {
        let parsed = self.int_or_percent(value, path);
        match parsed {
            Some(v) if literal_zero(v) => {
                self.error(
                    path,
                    invalid(int_or_percent_value(v), "must be greater than 0"),
                );
                IntOrPercent::Int(1)
            }
            Some(IntOrPercent::Percent(p)) if p > 100 => {
                self.error(
                    path,
                    invalid(quoted(&format!("{p}%")), "must not be greater than 100%"),
                );
                IntOrPercent::Int(1)
            }
            Some(v) => v,
            None => IntOrPercent::Int(1),
        }
    }

    pub(super) fn daemon_set(&mut self, set: &apps::DaemonSet) -> DaemonSet {
        let meta = self.meta(&set.metadata, Kind::DaemonSet);
        let spec = set.spec.clone().unwrap_or_default();
        let template = self.template(&spec.template);
        let selector = self.apps_selector(&spec.selector, &template.labels, "daemonset");
        let min_ready_seconds =
            self.non_negative(spec.min_ready_seconds, 0, "spec.minReadySeconds");
        let revision_history_limit = self.non_negative(
            spec.revision_history_limit,
            DEFAULT_REVISION_HISTORY_LIMIT,
            "spec.revisionHistoryLimit",
        );
        let strategy = spec.update_strategy.clone().unwrap_or_default();
        let update_strategy = match strategy.type_.as_deref() {
            None | Some("") | Some("RollingUpdate") => {
                let rolling = strategy.rolling_update.unwrap_or_default();
                let unavailable_path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                let surge_path = "spec.updateStrategy.rollingUpdate.maxSurge";
                let max_unavailable = rolling
                    .max_unavailable
                    .map_or(Some(IntOrPercent::Int(1)), |v| {
                        self.int_or_percent(&v, unavailable_path)
                    });
                let max_surge = rolling.max_surge.map_or(Some(IntOrPercent::Int(0)), |v| {
                    self.int_or_percent(&v, surge_path)
                });
                if let (Some(unavailable), Some(surge)) = (max_unavailable, max_surge) {
                    if literal_zero(unavailable) && literal_zero(surge) {
                        self.error(
                            unavailable_path,
                            invalid(
                                int_or_percent_value(unavailable),
                                "may not be 0 when `maxSurge` is 0",
                            ),
                        );
                    }
                    for (value, path) in [(unavailable, unavailable_path), (surge, surge_path)] {
                        if let IntOrPercent::Percent(p) = value {
                            if p > 100 {
                                self.error(
                                    path,
                                    invalid(
                                        quoted(&format!("{p}%")),
                                        "must not be greater than 100%",
                                    ),
                                );
                            }
                        }
                    }
                }
                DaemonSetUpdateStrategy::RollingUpdate {
                    max_unavailable: max_unavailable.unwrap_or(IntOrPercent::Int(1)),
                    max_surge: max_surge.unwrap_or(IntOrPercent::Int(0)),
                }
            }
            Some("OnDelete") => {
                if strategy.rolling_update.is_some() {
                    self.error(
                        "spec.updateStrategy.rollingUpdate",
                        forbidden("may not be specified when strategy `type` is 'OnDelete'"),
                    );
                }
                DaemonSetUpdateStrategy::OnDelete
            }
            Some(other) => {
                let supported = ["OnDelete", "RollingUpdate"];
                self.error_at(
                    "spec.updateStrategy.type",
                    "spec.updateStrategy.type",
                    not_supported(other, &supported),
                    suggest(other, &supported),
                );
                DaemonSetUpdateStrategy::RollingUpdate {
                    max_unavailable: IntOrPercent::Int(1),
                    max_surge: IntOrPercent::Int(0),
                }
            }
        };
        DaemonSet {
            meta,
            selector,
            template,
            update_strategy,
            min_ready_seconds,
            revision_history_limit,
            status: DaemonSetStatus::default(),
        }
    }

    pub(super) fn persistent_volume_claim(
        &mut self,
        claim: &api::PersistentVolumeClaim,
        path: &str,
    ) -> PersistentVolumeClaim {
        let meta: ObjectMeta = self.meta(&claim.metadata, Kind::PersistentVolumeClaim);
        let spec = claim.spec.clone().unwrap_or_default();
        PersistentVolumeClaim {
            meta,
            spec: self.claim_spec(&spec, path),
            status: PersistentVolumeClaimStatus::default(),
        }
    }

    /// `ValidatePersistentVolumeClaimSpec`, with `volumeMode` defaulted to Filesystem.
    fn claim_spec(
        &mut self,
        spec: &api::PersistentVolumeClaimSpec,
        path: &str,
    ) -> PersistentVolumeClaimSpec {
        let access_modes = spec.access_modes.clone().unwrap_or_default();
        if access_modes.is_empty() {
            self.error(
                &format!("{path}.accessModes"),
                required("at least 1 access mode is required"),
            );
        }
        for (i, mode) in access_modes.iter().enumerate() {
            if !ACCESS_MODES.contains(&mode.as_str()) {
                let at = format!("{path}.accessModes[{i}]");
                self.error_at(
                    &at,
                    &at,
                    not_supported(mode, &ACCESS_MODES),
                    suggest(mode, &ACCESS_MODES),
                );
            }
        }
        let storage_path = format!("{path}.resources.requests.storage");
        let storage = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"));
        let storage_request_bytes = match storage {
            None => {
                self.error(&format!("{path}.resources[storage]"), "Required value");
                0
            }
            Some(quantity) => match parse_bytes(&quantity.0) {
                Ok(0) => {
                    self.error(
                        &storage_path,
                        invalid(quoted(&quantity.0), "must be greater than zero"),
                    );
                    0
                }
                Ok(bytes) => bytes,
                Err(error) => {
                    self.error(
                        &storage_path,
                        invalid(quoted(&quantity.0), &error.to_string()),
                    );
                    0
                }
            },
        };
        let volume_mode = match spec.volume_mode.as_deref() {
            None | Some("") => "Filesystem".to_string(),
            Some(mode @ ("Filesystem" | "Block")) => mode.to_string(),
            Some(other) => {
                self.error(
                    &format!("{path}.volumeMode"),
                    not_supported(other, &["Block", "Filesystem"]),
                );
                "Filesystem".to_string()
            }
        };
        PersistentVolumeClaimSpec {
            access_modes,
            storage_request_bytes,
            storage_class_name: spec.storage_class_name.clone(),
            volume_attributes_class_name: spec.volume_attributes_class_name.clone(),
            volume_mode,
            volume_name: String::new(),
        }
    }
}
