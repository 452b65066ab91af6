//! Pod spec fields beyond containers: `affinity.nodeAffinity`, `volumes`, `hostname` and
//! `subdomain`, with the API server's validation (`ValidateAffinity`, `ValidateVolumes`).
//! Pod (anti-)affinity is accepted and dropped, as before (not modelled yet).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as api;
use sim_core::objects::{
    Affinity, NodeAffinity, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PreferredSchedulingTerm, Volume, VolumeSource, NODE_FIELD_NAME,
};

use super::{
    dns1123_label_errors, dns1123_subdomain_errors, forbidden, invalid, label_value_errors,
    qualified_name_errors, quoted, required, Checker,
};
use crate::source::suggest;

const OPERATORS: [&str; 6] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];

impl Checker<'_> {
    /// `spec.affinity`: node affinity converted, pod (anti-)affinity dropped.
    pub(super) fn affinity(
        &mut self,
        affinity: Option<&api::Affinity>,
        path: &str,
    ) -> Option<Affinity> {
        let node_affinity = affinity?.node_affinity.as_ref()?;
        let path = format!("{path}.affinity.nodeAffinity");
        let required = node_affinity
            .required_during_scheduling_ignored_during_execution
            .as_ref()
            .map(|selector| {
                let at = format!("{path}.requiredDuringSchedulingIgnoredDuringExecution");
                if selector.node_selector_terms.is_empty() {
                    self.error(
                        &format!("{at}.nodeSelectorTerms"),
                        required("must have at least one node selector term"),
                    );
                }
                selector
                    .node_selector_terms
                    .iter()
                    .enumerate()
                    .map(|(i, term)| {
                        self.node_selector_term(term, &format!("{at}.nodeSelectorTerms[{i}]"))
                    })
                    .collect()
            });
        let preferred = node_affinity
            .preferred_during_scheduling_ignored_during_execution
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, term)| {
                let at = format!("{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                if !(1..=100).contains(&term.weight) {
                    self.error(
                        &format!("{at}.weight"),
                        invalid(term.weight, "must be in the range 1-100"),
                    );
                }
                PreferredSchedulingTerm {
                    weight: term.weight,
                    preference: self
                        .node_selector_term(&term.preference, &format!("{at}.preference")),
                }
            })
            .collect();
        Some(Affinity {
            node_affinity: Some(NodeAffinity {
                required,
                preferred,
            }),
        })
    }

    fn node_selector_term(&mut self, term: &api::NodeSelectorTerm, path: &str) -> NodeSelectorTerm {
        let match_expressions = term
            .match_expressions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                self.node_selector_requirement(r, &format!("{path}.matchExpressions[{i}]"))
            })
            .collect();
        let match_fields = term
            .match_fields
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                self.node_field_requirement(r, &format!("{path}.matchFields[{i}]"))
            })
            .collect();
        NodeSelectorTerm {
            match_expressions,
            match_fields,
        }
    }

    fn operator(&mut self, operator: &str, path: &str) -> Option<NodeSelectorOperator> {
        let parsed = NodeSelectorOperator::parse(operator);
        if parsed.is_none() {
            let at = format!("{path}.operator");
            self.error_at(
                &at,
                &at,
                invalid(quoted(operator), "not a valid selector operator"),
                suggest(operator, &OPERATORS),
            );
        }
        parsed
    }

    /// `ValidateNodeSelectorRequirement`.
    fn node_selector_requirement(
        &mut self,
        r: &api::NodeSelectorRequirement,
        path: &str,
    ) -> Option<NodeSelectorRequirement> {
        let values = r.values.clone().unwrap_or_default();
        let operator = self.operator(&r.operator, path);
        let values_path = format!("{path}.values");
        match operator {
            Some(NodeSelectorOperator::In | NodeSelectorOperator::NotIn) if values.is_empty() => {
                self.error(
                    &values_path,
                    required("must be specified when `operator` is 'In' or 'NotIn'"),
                );
            }
            Some(NodeSelectorOperator::Exists | NodeSelectorOperator::DoesNotExist)
                if !values.is_empty() =>
            {
                self.error(
                    &values_path,
                    forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
                );
            }
            Some(NodeSelectorOperator::Gt | NodeSelectorOperator::Lt) => {
                if values.len() != 1 {
                    self.error(
                        &values_path,
                        required("must be specified single value when `operator` is 'Lt' or 'Gt'"),
                    );
                } else if values[0].parse::<i64>().is_err() {
                    // The API accepts any string here; it only never matches. Say so.
                    self.error(
                        &format!("{values_path}[0]"),
                        invalid(
                            quoted(&values[0]),
                            "must be an integer for `operator` 'Gt' or 'Lt'",
                        ),
                    );
                }
            }
            _ => {}
        }
        for message in qualified_name_errors(&r.key) {
            self.error(&format!("{path}.key"), invalid(quoted(&r.key), &message));
        }
        if !matches!(
            operator,
            Some(NodeSelectorOperator::Gt | NodeSelectorOperator::Lt)
        ) {
            for (j, value) in values.iter().enumerate() {
                for message in label_value_errors(value) {
                    self.error(
                        &format!("{values_path}[{j}]"),
                        invalid(quoted(value), &message),
                    );
                }
            }
        }
        Some(NodeSelectorRequirement {
            key: r.key.clone(),
            operator: operator?,
            values,
        })
    }

    /// `ValidateNodeFieldSelectorRequirement`: only `metadata.name`, only In/NotIn with one
    /// value.
    fn node_field_requirement(
        &mut self,
        r: &api::NodeSelectorRequirement,
        path: &str,
    ) -> Option<NodeSelectorRequirement> {
        let values = r.values.clone().unwrap_or_default();
        let operator = NodeSelectorOperator::parse(&r.operator);
        match operator {
            Some(NodeSelectorOperator::In | NodeSelectorOperator::NotIn) => {
                if values.len() != 1 {
                    self.error(
                        &format!("{path}.values"),
                        required(
                            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                        ),
                    );
                }
            }
            _ => {
                let at = format!("{path}.operator");
                self.error_at(
                    &at,
                    &at,
                    invalid(quoted(&r.operator), "not a valid selector operator"),
                    suggest(&r.operator, &["In", "NotIn"]),
                );
            }
        }
        if r.key != NODE_FIELD_NAME {
            let at = format!("{path}.key");
            self.error_at(
                &at,
                &at,
                invalid(quoted(&r.key), "not a valid field selector key"),
                suggest(&r.key, &[NODE_FIELD_NAME]),
            );
        } else {
            for (j, value) in values.iter().enumerate() {
                for message in dns1123_subdomain_errors(value) {
                    self.error(
                        &format!("{path}.values[{j}]"),
                        invalid(quoted(value), &message),
                    );
                }
            }
        }
        Some(NodeSelectorRequirement {
            key: r.key.clone(),
            operator: operator
                .filter(|o| matches!(o, NodeSelectorOperator::In | NodeSelectorOperator::NotIn))?,
            values,
        })
    }

    /// `spec.volumes`: names unique DNS labels, exactly one source each.
    pub(super) fn volumes(&mut self, volumes: Option<&[api::Volume]>, path: &str) -> Vec<Volume> {
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        for (i, volume) in volumes.unwrap_or_default().iter().enumerate() {
            let at = format!("{path}.volumes[{i}]");
            let name_path = format!("{at}.name");
            if volume.name.is_empty() {
                self.error(&name_path, "Required value");
            } else {
                for message in dns1123_label_errors(&volume.name) {
                    self.error(&name_path, invalid(quoted(&volume.name), &message));
                }
                if !names.insert(volume.name.clone()) {
                    self.error(
                        &name_path,
                        format!("Duplicate value: {}", quoted(&volume.name)),
                    );
                }
            }
            let mut sources = Vec::new();
            if let Some(pvc) = &volume.persistent_volume_claim {
                if pvc.claim_name.is_empty() {
                    self.error(
                        &format!("{at}.persistentVolumeClaim.claimName"),
                        "Required value",
                    );
                }
                sources.push(VolumeSource::PersistentVolumeClaim {
                    claim_name: pvc.claim_name.clone(),
                    read_only: pvc.read_only.unwrap_or(false),
                });
            }
            if let Some(cm) = &volume.config_map {
                if cm.name.is_empty() {
                    self.error(&format!("{at}.configMap.name"), "Required value");
                }
                sources.push(VolumeSource::ConfigMap {
                    name: cm.name.clone(),
                    optional: cm.optional.unwrap_or(false),
                });
            }
            if let Some(secret) = &volume.secret {
                let secret_name = secret.secret_name.clone().unwrap_or_default();
                if secret_name.is_empty() {
                    self.error(&format!("{at}.secret.secretName"), "Required value");
                }
                sources.push(VolumeSource::Secret {
                    secret_name,
                    optional: secret.optional.unwrap_or(false),
                });
            }
            if volume.empty_dir.is_some() {
                sources.push(VolumeSource::EmptyDir);
            }
            if let Some(host_path) = &volume.host_path {
                if host_path.path.is_empty() {
                    self.error(&format!("{at}.hostPath.path"), "Required value");
                }
                sources.push(VolumeSource::HostPath {
                    path: host_path.path.clone(),
                });
            }
            let others = [
                (
                    volume.aws_elastic_block_store.is_some(),
                    "awsElasticBlockStore",
                ),
                (volume.azure_disk.is_some(), "azureDisk"),
                (volume.azure_file.is_some(), "azureFile"),
                (volume.cephfs.is_some(), "cephfs"),
                (volume.cinder.is_some(), "cinder"),
                (volume.csi.is_some(), "csi"),
                (volume.downward_api.is_some(), "downwardAPI"),
                (volume.ephemeral.is_some(), "ephemeral"),
                (volume.fc.is_some(), "fc"),
                (volume.flex_volume.is_some(), "flexVolume"),
                (volume.flocker.is_some(), "flocker"),
                (volume.gce_persistent_disk.is_some(), "gcePersistentDisk"),
                (volume.git_repo.is_some(), "gitRepo"),
                (volume.glusterfs.is_some(), "glusterfs"),
                (volume.image.is_some(), "image"),
                (volume.iscsi.is_some(), "iscsi"),
                (volume.nfs.is_some(), "nfs"),
                (
                    volume.photon_persistent_disk.is_some(),
                    "photonPersistentDisk",
                ),
                (volume.portworx_volume.is_some(), "portworxVolume"),
                (volume.projected.is_some(), "projected"),
                (volume.quobyte.is_some(), "quobyte"),
                (volume.rbd.is_some(), "rbd"),
                (volume.scale_io.is_some(), "scaleIO"),
                (volume.storageos.is_some(), "storageos"),
                (volume.vsphere_volume.is_some(), "vsphereVolume"),
            ];
            sources.extend(
                others
                    .iter()
                    .filter(|(set, _)| *set)
                    .map(|(_, field)| VolumeSource::Other((*field).to_string())),
            );
            match sources.len() {
                // An API server defaults a volume without a source to emptyDir.
                0 => sources.push(VolumeSource::EmptyDir),
                1 => {}
                _ => {
                    let second = sources[1].field().to_string();
                    self.error(
                        &format!("{at}.{second}"),
                        forbidden("may not specify more than 1 volume type"),
                    );
                }
            }
            out.push(Volume {
                name: volume.name.clone(),
                source: sources.swap_remove(0),
            });
        }
        out
    }

    /// `spec.hostname` / `spec.subdomain`: DNS labels when written.
    pub(super) fn dns_label_field(&mut self, value: Option<&str>, path: &str) -> Option<String> {
        let value = value.filter(|v| !v.is_empty())?;
        for message in dns1123_label_errors(value) {
            self.error(path, invalid(quoted(value), &message));
        }
        Some(value.to_string())
    }
}
