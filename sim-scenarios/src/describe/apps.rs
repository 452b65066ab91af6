//! `kubectl describe` of StatefulSets, DaemonSets and PersistentVolumeClaims (v1.36 layout:
//! `describeStatefulSet`, `describeDaemonSet`, `describePersistentVolumeClaim`).

use sim_core::objects::{
    DaemonSet, Kind, ObjectMeta, PersistentVolumeClaim, Pod, PodPhase, StatefulSet,
    StatefulSetUpdateStrategy,
};
use sim_core::quantity::format_bytes;
use sim_core::store::Store;

use super::{annotations_multiline, controlled_by, labels_multiline, pod_template, Lines};

/// kubectl's `getPodStatusForController`: the pods the object controls, by phase.
fn pods_status(store: &Store, meta: &ObjectMeta, kind: Kind) -> String {
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for pod in store.list_namespace::<Pod>(&meta.namespace).filter(|p| {
        p.meta
            .controller_ref()
            .is_some_and(|o| o.uid == meta.uid && o.kind == kind)
    }) {
        match pod.status.phase {
            PodPhase::Running => running += 1,
            PodPhase::Pending => waiting += 1,
            PodPhase::Succeeded => succeeded += 1,
            PodPhase::Failed => failed += 1,
            PodPhase::Unknown => {}
        }
    }
    format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed")
}

pub(super) fn describe_statefulset(set: &StatefulSet, store: &Store, out: &mut Lines) {
    let meta = &set.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(
        0,
        "CreationTimestamp",
        super::instant(meta.creation_timestamp),
    );
    out.field(0, "Selector", &set.selector);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    out.field(
        0,
        "Replicas",
        format!("{} desired | {} total", set.replicas, set.status.replicas),
    );
    match set.update_strategy {
        StatefulSetUpdateStrategy::RollingUpdate { partition, .. } => {
            out.field(0, "Update Strategy", "RollingUpdate");
            out.field(1, "Partition", partition);
        }
        StatefulSetUpdateStrategy::OnDelete => out.field(0, "Update Strategy", "OnDelete"),
    }
    out.field(
        0,
        "Pods Status",
        pods_status(store, meta, Kind::StatefulSet),
    );
    pod_template(out, &set.template);
    if set.volume_claim_templates.is_empty() {
        out.field(0, "Volume Claims", "<none>");
    } else {
        out.line(0, "Volume Claims:");
        for claim in &set.volume_claim_templates {
            out.field(1, "Name", &claim.name);
            out.field(
                1,
                "StorageClass",
                claim.spec.storage_class_name.as_deref().unwrap_or(""),
            );
            labels_multiline(out, 1, "Labels", &claim.labels);
            annotations_multiline(out, 1, &claim.annotations);
            out.field(
                1,
                "Capacity",
                format_bytes(claim.spec.storage_request_bytes),
            );
            out.field(
                1,
                "Access Modes",
                format!("[{}]", claim.spec.access_modes.join(" ")),
            );
        }
    }
}

pub(super) fn describe_daemonset(ds: &DaemonSet, store: &Store, out: &mut Lines) {
    let meta = &ds.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(0, "Selector", &ds.selector);
    let node_selector = sim_core::selector::labels_text(&ds.template.spec.node_selector);
    out.field(0, "Node-Selector", node_selector);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    let s = &ds.status;
    out.field(
        0,
        "Desired Number of Nodes Scheduled",
        s.desired_number_scheduled,
    );
    out.field(
        0,
        "Current Number of Nodes Scheduled",
        s.current_number_scheduled,
    );
    out.field(
        0,
        "Number of Nodes Scheduled with Up-to-date Pods",
        s.updated_number_scheduled,
    );
    out.field(
        0,
        "Number of Nodes Scheduled with Available Pods",
        s.number_available,
    );
    out.field(0, "Number of Nodes Misscheduled", s.number_misscheduled);
    out.field(0, "Pods Status", pods_status(store, meta, Kind::DaemonSet));
    pod_template(out, &ds.template);
}

pub(super) fn describe_persistentvolumeclaim(
    claim: &PersistentVolumeClaim,
    store: &Store,
    out: &mut Lines,
) {
    let meta = &claim.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(
        0,
        "StorageClass",
        claim.spec.storage_class_name.as_deref().unwrap_or(""),
    );
    out.field(0, "Status", claim.status.phase.as_str());
    out.field(0, "Volume", &claim.spec.volume_name);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    let finalizers = format!("[{}]", meta.finalizers.join(" "));
    out.field(0, "Finalizers", finalizers);
    let capacity = if claim.status.capacity_bytes > 0 {
        format_bytes(claim.status.capacity_bytes)
    } else {
        String::new()
    };
    out.field(0, "Capacity", capacity);
    out.field(0, "Access Modes", claim.access_modes_summary());
    out.field(0, "VolumeMode", &claim.spec.volume_mode);
    // kubectl's "Used By": the pods whose volumes name the claim.
    let users: Vec<String> = store
        .list_namespace::<Pod>(&meta.namespace)
        .filter(|p| {
            p.spec.volumes.iter().any(|v| {
                matches!(&v.source, sim_core::objects::VolumeSource::PersistentVolumeClaim { claim_name, .. } if *claim_name == meta.name)
            })
        })
        .map(|p| p.meta.name.clone())
        .collect();
    if users.is_empty() {
        out.field(0, "Used By", "<none>");
    } else {
        for (i, user) in users.iter().enumerate() {
            if i == 0 {
                out.field(0, "Used By", user);
            } else {
                out.line(0, &format!("\t{user}"));
            }
        }
    }
    controlled_by(out, meta);
}
