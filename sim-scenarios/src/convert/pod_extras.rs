//! Pod spec fields beyond containers: `affinity` (node, pod and pod anti-affinity),
//! `topologySpreadConstraints`, container `ports`, `volumes`, `hostname` and `subdomain`,
//! with the API server's validation (`ValidateAffinity`, `validateTopologySpreadConstraints`,
//! `validateContainerPorts`, `ValidateVolumes`) and defaulting (port protocol TCP, spread
//! `nodeAffinityPolicy` Honor and `nodeTaintsPolicy` Ignore); and a node's `status.images`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as api;
use sim_core::objects::{
    Affinity, ContainerImage, ContainerPort, NodeAffinity, NodeInclusionPolicy,
    NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodAffinity, PodAffinityTerm,
    PortProtocol, PreferredSchedulingTerm, TopologySpreadConstraint, UnsatisfiableConstraintAction,
    Volume, VolumeSource, WeightedPodAffinityTerm, NODE_FIELD_NAME,
};
use sim_core::selector::LabelSelector;

use super::{
    dns1123_label_errors, dns1123_subdomain_errors, forbidden, invalid, label_value_errors,
    not_supported, port_name_errors, qualified_name_errors, quoted, required, Checker,
};
use crate::source::suggest;

const OPERATORS: [&str; 6] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];

impl Checker<'_> {
    /// `spec.affinity`: node, pod and pod anti-affinity.
    pub(super) fn affinity(
        &mut self,
        affinity: Option<&api::Affinity>,
        path: &str,
    ) -> Option<Affinity> {
        let affinity = affinity?;
        let node_affinity = affinity
            .node_affinity
            .as_ref()
            .map(|na| self.node_affinity(na, path));
        let pod_affinity = affinity.pod_affinity.as_ref().map(|pa| {
            self.pod_affinity(
                pa.required_during_scheduling_ignored_during_execution
                    .as_deref(),
                pa.preferred_during_scheduling_ignored_during_execution
                    .as_deref(),
                &format!("{path}.affinity.podAffinity"),
            )
        });
        let pod_anti_affinity = affinity.pod_anti_affinity.as_ref().map(|pa| {
            self.pod_affinity(
                pa.required_during_scheduling_ignored_during_execution
                    .as_deref(),
                pa.preferred_during_scheduling_ignored_during_execution
                    .as_deref(),
                &format!("{path}.affinity.podAntiAffinity"),
            )
        });
        if node_affinity.is_none() && pod_affinity.is_none() && pod_anti_affinity.is_none() {
            return None;
        }
        Some(Affinity {
            node_affinity,
            pod_affinity,
            pod_anti_affinity,
        })
    }

    fn node_affinity(&mut self, node_affinity: &api::NodeAffinity, path: &str) -> NodeAffinity {
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
        NodeAffinity {
            required,
            preferred,
        }
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

const SPREAD_ACTIONS: [&str; 2] = ["DoNotSchedule", "ScheduleAnyway"];
const INCLUSION_POLICIES: [&str; 2] = ["Honor", "Ignore"];
const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

impl Checker<'_> {
    /// `podAffinity` / `podAntiAffinity` (`validatePodAffinity`, `validatePodAntiAffinity`).
    fn pod_affinity(
        &mut self,
        required_terms: Option<&[api::PodAffinityTerm]>,
        preferred_terms: Option<&[api::WeightedPodAffinityTerm]>,
        path: &str,
    ) -> PodAffinity {
        let required = required_terms
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, term)| {
                self.pod_affinity_term(
                    term,
                    &format!("{path}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
                )
            })
            .collect();
        let preferred = preferred_terms
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, weighted)| {
                let at = format!("{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                if !(1..=100).contains(&weighted.weight) {
                    self.error(
                        &format!("{at}.weight"),
                        invalid(weighted.weight, "must be in the range 1-100"),
                    );
                }
                WeightedPodAffinityTerm {
                    weight: weighted.weight,
                    term: self.pod_affinity_term(
                        &weighted.pod_affinity_term,
                        &format!("{at}.podAffinityTerm"),
                    ),
                }
            })
            .collect();
        PodAffinity {
            required,
            preferred,
        }
    }

    /// `validatePodAffinityTerm`, with `matchLabelKeys`/`mismatchLabelKeys`.
    fn pod_affinity_term(&mut self, term: &api::PodAffinityTerm, path: &str) -> PodAffinityTerm {
        let label_selector = term
            .label_selector
            .as_ref()
            .map(|s| self.selector(s, &format!("{path}.labelSelector")));
        let namespace_selector = term
            .namespace_selector
            .as_ref()
            .map(|s| self.selector(s, &format!("{path}.namespaceSelector")));
        let namespaces = term.namespaces.clone().unwrap_or_default();
        for (i, namespace) in namespaces.iter().enumerate() {
            for message in dns1123_label_errors(namespace) {
                self.error(
                    &format!("{path}.namespaces[{i}]"),
                    invalid(quoted(namespace), &message),
                );
            }
        }
        self.topology_key(&term.topology_key, &format!("{path}.topologyKey"));
        let match_label_keys = term.match_label_keys.clone().unwrap_or_default();
        let mismatch_label_keys = term.mismatch_label_keys.clone().unwrap_or_default();
        for (field, keys) in [
            ("matchLabelKeys", &match_label_keys),
            ("mismatchLabelKeys", &mismatch_label_keys),
        ] {
            self.label_keys(keys, label_selector.as_ref(), &format!("{path}.{field}"));
        }
        for (i, key) in mismatch_label_keys.iter().enumerate() {
            if match_label_keys.contains(key) {
                self.error(
                    &format!("{path}.mismatchLabelKeys[{i}]"),
                    invalid(
                        quoted(key),
                        "exists in both matchLabelKeys and mismatchLabelKeys",
                    ),
                );
            }
        }
        PodAffinityTerm {
            label_selector,
            namespaces,
            namespace_selector,
            topology_key: term.topology_key.clone(),
            match_label_keys,
            mismatch_label_keys,
        }
    }

    fn topology_key(&mut self, key: &str, path: &str) {
        if key.is_empty() {
            self.error(path, required("can not be empty"));
        } else {
            for message in qualified_name_errors(key) {
                self.error(path, invalid(quoted(key), &message));
            }
        }
    }

    /// `matchLabelKeys`: label keys, only with a `labelSelector`, and not already in it.
    fn label_keys(&mut self, keys: &[String], selector: Option<&LabelSelector>, path: &str) {
        if keys.is_empty() {
            return;
        }
        let Some(selector) = selector else {
            self.error(
                path,
                forbidden("must not be specified when labelSelector is not set"),
            );
            return;
        };
        for (i, key) in keys.iter().enumerate() {
            let at = format!("{path}[{i}]");
            for message in qualified_name_errors(key) {
                self.error(&at, invalid(quoted(key), &message));
            }
            let in_selector = selector.match_labels.contains_key(key)
                || selector.match_expressions.iter().any(|r| &r.key == key);
            if in_selector {
                self.error(
                    &at,
                    invalid(
                        quoted(key),
                        "exists in both matchLabelKeys and labelSelector",
                    ),
                );
            }
        }
    }

    /// `spec.topologySpreadConstraints` (`validateTopologySpreadConstraints`), defaulted
    /// (`nodeAffinityPolicy` Honor, `nodeTaintsPolicy` Ignore).
    pub(super) fn topology_spread_constraints(
        &mut self,
        spec: &api::PodSpec,
        path: &str,
    ) -> Vec<TopologySpreadConstraint> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, c) in spec
            .topology_spread_constraints
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = format!("{path}.topologySpreadConstraints[{i}]");
            if c.max_skew <= 0 {
                self.error(
                    &format!("{at}.maxSkew"),
                    invalid(c.max_skew, "must be greater than zero"),
                );
            }
            self.topology_key(&c.topology_key, &format!("{at}.topologyKey"));
            let action_path = format!("{at}.whenUnsatisfiable");
            let action = match c.when_unsatisfiable.as_str() {
                "DoNotSchedule" => Some(UnsatisfiableConstraintAction::DoNotSchedule),
                "ScheduleAnyway" => Some(UnsatisfiableConstraintAction::ScheduleAnyway),
                "" => {
                    self.error(&action_path, "Required value");
                    None
                }
                other => {
                    self.error_at(
                        &action_path,
                        &action_path,
                        not_supported(other, &SPREAD_ACTIONS),
                        suggest(other, &SPREAD_ACTIONS),
                    );
                    None
                }
            };
            if let Some(action) = action {
                if !seen.insert((c.topology_key.clone(), action)) {
                    self.error(
                        &format!("{at}.{{topologyKey, whenUnsatisfiable}}"),
                        format!(
                            "Duplicate value: \"{{{}, {}}}\"",
                            c.topology_key,
                            action.as_str()
                        ),
                    );
                }
            }
            if let Some(min_domains) = c.min_domains {
                let min_path = format!("{at}.minDomains");
                if min_domains <= 0 {
                    self.error(&min_path, invalid(min_domains, "must be greater than 0"));
                } else if action == Some(UnsatisfiableConstraintAction::ScheduleAnyway) {
                    self.error(
                        &min_path,
                        invalid(
                            min_domains,
                            "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                        ),
                    );
                }
            }
            let node_affinity_policy = self.inclusion_policy(
                c.node_affinity_policy.as_deref(),
                NodeInclusionPolicy::Honor,
                &format!("{at}.nodeAffinityPolicy"),
            );
            let node_taints_policy = self.inclusion_policy(
                c.node_taints_policy.as_deref(),
                NodeInclusionPolicy::Ignore,
                &format!("{at}.nodeTaintsPolicy"),
            );
            let label_selector = c
                .label_selector
                .as_ref()
                .map(|s| self.selector(s, &format!("{at}.labelSelector")));
            let match_label_keys = c.match_label_keys.clone().unwrap_or_default();
            self.label_keys(
                &match_label_keys,
                label_selector.as_ref(),
                &format!("{at}.matchLabelKeys"),
            );
            if let Some(when_unsatisfiable) = action {
                out.push(TopologySpreadConstraint {
                    max_skew: c.max_skew,
                    topology_key: c.topology_key.clone(),
                    when_unsatisfiable,
                    label_selector,
                    min_domains: c.min_domains,
                    node_affinity_policy,
                    node_taints_policy,
                    match_label_keys,
                });
            }
        }
        out
    }

    fn inclusion_policy(
        &mut self,
        written: Option<&str>,
        default: NodeInclusionPolicy,
        path: &str,
    ) -> NodeInclusionPolicy {
        match written {
            None => default,
            Some("Honor") => NodeInclusionPolicy::Honor,
            Some("Ignore") => NodeInclusionPolicy::Ignore,
            Some(other) => {
                self.error_at(
                    path,
                    path,
                    not_supported(other, &INCLUSION_POLICIES),
                    suggest(other, &INCLUSION_POLICIES),
                );
                default
            }
        }
    }

    /// `containers[].ports` (`validateContainerPorts`), protocol defaulted to TCP.
    pub(super) fn container_ports(
        &mut self,
        container: &api::Container,
        path: &str,
    ) -> Vec<ContainerPort> {
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        for (i, port) in container
            .ports
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = format!("{path}.ports[{i}]");
            let name = port.name.clone().unwrap_or_default();
            if !name.is_empty() {
                for message in port_name_errors(&name) {
                    self.error(&format!("{at}.name"), invalid(quoted(&name), &message));
                }
                if !names.insert(name.clone()) {
                    self.error(
                        &format!("{at}.name"),
                        format!("Duplicate value: {}", quoted(&name)),
                    );
                }
            }
            let container_port = match port.container_port {
                0 => {
                    self.error(&format!("{at}.containerPort"), "Required value");
                    0
                }
                p => self.port_number(p, &format!("{at}.containerPort")),
            };
            let host_port = match port.host_port.unwrap_or(0) {
                0 => 0,
                p => self.port_number(p, &format!("{at}.hostPort")),
            };
            let protocol_text = port.protocol.as_deref().unwrap_or("TCP");
            let protocol = PortProtocol::parse(protocol_text).unwrap_or_else(|| {
                let protocol_path = format!("{at}.protocol");
                self.error_at(
                    &protocol_path,
                    &protocol_path,
                    not_supported(protocol_text, &PROTOCOLS),
                    suggest(protocol_text, &PROTOCOLS),
                );
                PortProtocol::Tcp
            });
            out.push(ContainerPort {
                name,
                container_port,
                host_port,
                host_ip: port.host_ip.clone().unwrap_or_default(),
                protocol,
            });
        }
        out
    }

    fn port_number(&mut self, port: i32, path: &str) -> u16 {
        match u16::try_from(port) {
            Ok(p) if p > 0 => p,
            _ => {
                self.error(
                    path,
                    invalid(port, "must be between 1 and 65535, inclusive"),
                );
                0
            }
        }
    }

    /// A node's `status.images`.
    pub(super) fn node_images(&mut self, node: &api::Node) -> Vec<ContainerImage> {
        let status = node.status.as_ref();
        let images = status.and_then(|s| s.images.as_deref()).unwrap_or_default();
        images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let size = image.size_bytes.unwrap_or(0);
                if size < 0 {
                    self.error(
                        &format!("status.images[{i}].sizeBytes"),
                        invalid(size, "must be greater than or equal to 0"),
                    );
                }
                ContainerImage {
                    names: image.names.clone().unwrap_or_default(),
                    size_bytes: u64::try_from(size).unwrap_or(0),
                }
            })
            .collect()
    }
}
