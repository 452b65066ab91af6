//! StatefulSets, DaemonSets, PersistentVolumeClaims and the pod spec's node affinity and
//! volumes as the API returns them.

use serde_json::{json, Map, Value};
use sim_core::objects::{
    Affinity, DaemonSet, DaemonSetUpdateStrategy, Kind, NodeSelectorRequirement, NodeSelectorTerm,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, StatefulSet, StatefulSetUpdateStrategy,
    Volume, VolumeSource,
};

use super::{
    int_or_percent, metadata_to_json, put, selector_to_json, string_map, template_to_json,
};
use crate::quantity::format_bytes;

fn requirement_to_json(r: &NodeSelectorRequirement) -> Value {
    let mut m = Map::new();
    put(&mut m, "key", r.key.as_str());
    put(&mut m, "operator", r.operator.as_str());
    put(&mut m, "values", r.values.clone());
    Value::Object(m)
}

fn term_to_json(term: &NodeSelectorTerm) -> Value {
    let mut m = Map::new();
    let expressions: Vec<Value> = term
        .match_expressions
        .iter()
        .map(requirement_to_json)
        .collect();
    put(&mut m, "matchExpressions", expressions);
    let fields: Vec<Value> = term.match_fields.iter().map(requirement_to_json).collect();
    put(&mut m, "matchFields", fields);
    Value::Object(m)
}

/// `spec.affinity`.
pub(super) fn affinity_to_json(affinity: &Affinity) -> Value {
    let mut m = Map::new();
    if let Some(na) = &affinity.node_affinity {
        let mut n = Map::new();
        if let Some(terms) = &na.required {
            let terms: Vec<Value> = terms.iter().map(term_to_json).collect();
            n.insert(
                "requiredDuringSchedulingIgnoredDuringExecution".to_string(),
                json!({ "nodeSelectorTerms": terms }),
            );
        }
        let preferred: Vec<Value> = na
            .preferred
            .iter()
            .map(|p| json!({ "weight": p.weight, "preference": term_to_json(&p.preference) }))
            .collect();
        put(
            &mut n,
            "preferredDuringSchedulingIgnoredDuringExecution",
            preferred,
        );
        put(&mut m, "nodeAffinity", n);
    }
    put(
        &mut m,
        "podAffinity",
        affinity
            .pod_affinity
            .as_ref()
            .map(super::scheduling::pod_affinity_to_json),
    );
    put(
        &mut m,
        "podAntiAffinity",
        affinity
            .pod_anti_affinity
            .as_ref()
            .map(super::scheduling::pod_affinity_to_json),
    );
    Value::Object(m)
}

/// `spec.volumes[]`.
pub(super) fn volume_to_json(volume: &Volume) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", volume.name.as_str());
    let source = match &volume.source {
        VolumeSource::PersistentVolumeClaim {
            claim_name,
            read_only,
        } => {
            let mut s = Map::new();
            put(&mut s, "claimName", claim_name.as_str());
            if *read_only {
                put(&mut s, "readOnly", true);
            }
            Value::Object(s)
        }
        VolumeSource::ConfigMap { name, optional } => {
            let mut s = Map::new();
            put(&mut s, "name", name.as_str());
            if *optional {
                put(&mut s, "optional", true);
            }
            Value::Object(s)
        }
        VolumeSource::Secret {
            secret_name,
            optional,
        } => {
            let mut s = Map::new();
            put(&mut s, "secretName", secret_name.as_str());
            if *optional {
                put(&mut s, "optional", true);
            }
            Value::Object(s)
        }
        VolumeSource::HostPath { path } => json!({ "path": path }),
        VolumeSource::EmptyDir | VolumeSource::Other(_) => json!({}),
    };
    m.insert(volume.source.field().to_string(), source);
    Value::Object(m)
}

fn claim_spec_to_json(spec: &PersistentVolumeClaimSpec) -> Map<String, Value> {
    let mut m = Map::new();
    put(&mut m, "accessModes", spec.access_modes.clone());
    put(
        &mut m,
        "resources",
        json!({ "requests": { "storage": format_bytes(spec.storage_request_bytes) } }),
    );
    put(
        &mut m,
        "storageClassName",
        spec.storage_class_name.as_deref(),
    );
    put(
        &mut m,
        "volumeAttributesClassName",
        spec.volume_attributes_class_name.as_deref(),
    );
    put(&mut m, "volumeMode", spec.volume_mode.as_str());
    put(&mut m, "volumeName", spec.volume_name.as_str());
    m
}

/// A PersistentVolumeClaim as the API returns it.
pub fn persistentvolumeclaim_to_json(claim: &PersistentVolumeClaim) -> Value {
    let mut status = Map::new();
    put(&mut status, "phase", claim.status.phase.as_str());
    put(
        &mut status,
        "accessModes",
        claim.status.access_modes.clone(),
    );
    if claim.status.capacity_bytes > 0 {
        put(
            &mut status,
            "capacity",
            json!({ "storage": format_bytes(claim.status.capacity_bytes) }),
        );
    }
    json!({
        "apiVersion": Kind::PersistentVolumeClaim.api_version(),
        "kind": Kind::PersistentVolumeClaim.name(),
        "metadata": metadata_to_json(&claim.meta, Kind::PersistentVolumeClaim),
        "spec": claim_spec_to_json(&claim.spec),
        "status": status,
    })
}

/// A StatefulSet as the API returns it.
pub fn statefulset_to_json(set: &StatefulSet) -> Value {
    let strategy = match set.update_strategy {
        StatefulSetUpdateStrategy::OnDelete => json!({ "type": "OnDelete" }),
        StatefulSetUpdateStrategy::RollingUpdate {
            partition,
            max_unavailable,
        } => json!({
            "type": "RollingUpdate",
            "rollingUpdate": {
                "partition": partition,
                "maxUnavailable": int_or_percent(max_unavailable),
            },
        }),
    };
    let mut spec = Map::new();
    put(&mut spec, "replicas", set.replicas);
    put(&mut spec, "selector", selector_to_json(&set.selector));
    put(&mut spec, "template", template_to_json(&set.template));
    put(&mut spec, "serviceName", set.service_name.as_str());
    put(
        &mut spec,
        "podManagementPolicy",
        set.pod_management_policy.as_str(),
    );
    put(&mut spec, "updateStrategy", strategy);
    put(
        &mut spec,
        "revisionHistoryLimit",
        set.revision_history_limit,
    );
    put(&mut spec, "minReadySeconds", set.min_ready_seconds);
    if set.ordinals_start > 0 {
        put(
            &mut spec,
            "ordinals",
            json!({ "start": set.ordinals_start }),
        );
    }
    put(
        &mut spec,
        "persistentVolumeClaimRetentionPolicy",
        json!({
            "whenDeleted": set.when_deleted.as_str(),
            "whenScaled": set.when_scaled.as_str(),
        }),
    );
    let templates: Vec<Value> = set
        .volume_claim_templates
        .iter()
        .map(|t| {
            let mut metadata = Map::new();
            put(&mut metadata, "name", t.name.as_str());
            put(&mut metadata, "labels", string_map(&t.labels));
            json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": metadata,
                "spec": claim_spec_to_json(&t.spec),
            })
        })
        .collect();
    put(&mut spec, "volumeClaimTemplates", templates);
    let s = &set.status;
    let mut status = Map::new();
    put(&mut status, "observedGeneration", s.observed_generation);
    put(&mut status, "replicas", s.replicas);
    put(&mut status, "readyReplicas", s.ready_replicas);
    put(&mut status, "currentReplicas", s.current_replicas);
    put(&mut status, "updatedReplicas", s.updated_replicas);
    put(&mut status, "availableReplicas", s.available_replicas);
    put(&mut status, "currentRevision", s.current_revision.as_str());
    put(&mut status, "updateRevision", s.update_revision.as_str());
    json!({
        "apiVersion": Kind::StatefulSet.api_version(),
        "kind": Kind::StatefulSet.name(),
        "metadata": metadata_to_json(&set.meta, Kind::StatefulSet),
        "spec": spec,
        "status": status,
    })
}

/// A DaemonSet as the API returns it.
pub fn daemonset_to_json(ds: &DaemonSet) -> Value {
    let strategy = match ds.update_strategy {
        DaemonSetUpdateStrategy::OnDelete => json!({ "type": "OnDelete" }),
        DaemonSetUpdateStrategy::RollingUpdate {
            max_unavailable,
            max_surge,
        } => json!({
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxUnavailable": int_or_percent(max_unavailable),
                "maxSurge": int_or_percent(max_surge),
            },
        }),
    };
    let mut spec = Map::new();
    put(&mut spec, "selector", selector_to_json(&ds.selector));
    put(&mut spec, "template", template_to_json(&ds.template));
    put(&mut spec, "updateStrategy", strategy);
    put(&mut spec, "revisionHistoryLimit", ds.revision_history_limit);
    put(&mut spec, "minReadySeconds", ds.min_ready_seconds);
    let s = &ds.status;
    let mut status = Map::new();
    put(&mut status, "observedGeneration", s.observed_generation);
    put(
        &mut status,
        "desiredNumberScheduled",
        s.desired_number_scheduled,
    );
    put(
        &mut status,
        "currentNumberScheduled",
        s.current_number_scheduled,
    );
    put(&mut status, "numberMisscheduled", s.number_misscheduled);
    put(&mut status, "numberReady", s.number_ready);
    put(
        &mut status,
        "updatedNumberScheduled",
        s.updated_number_scheduled,
    );
    put(&mut status, "numberAvailable", s.number_available);
    put(&mut status, "numberUnavailable", s.number_unavailable);
    json!({
        "apiVersion": Kind::DaemonSet.api_version(),
        "kind": Kind::DaemonSet.name(),
        "metadata": metadata_to_json(&ds.meta, Kind::DaemonSet),
        "spec": spec,
        "status": status,
    })
}
