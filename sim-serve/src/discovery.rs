//! Discovery: `/version`, `/api`, `/apis` and the resource lists of every group version
//! kubesim serves: the legacy (unaggregated) documents, for clients that do not ask for
//! aggregated discovery ([`crate::aggregated`] builds that from these).

use serde_json::{json, Value};
use sim_core::objects::Kind;

/// The group versions served, in discovery order (the core group aside).
pub const GROUP_VERSIONS: [&str; 7] = [
    "apps/v1",
    "autoscaling/v2",
    // HorizontalPodAutoscalers only, converted (`autoscaling_v1.rs`); v2 is preferred.
    "autoscaling/v1",
    "batch/v1",
    "policy/v1",
    "scheduling.k8s.io/v1",
    "discovery.k8s.io/v1",
];

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "36",
        "gitVersion": sim_scenarios::tables::KUBELET_VERSION,
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "kubesim",
        "compiler": "kubesim",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn api(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// Whether `group_version` serves `kind`: its own, and HorizontalPodAutoscalers in
/// `autoscaling/v1` too.
pub fn serves(group_version: &str, kind: Kind) -> bool {
    kind.api_version() == group_version
        || (group_version == crate::autoscaling_v1::GROUP_VERSION
            && kind == Kind::HorizontalPodAutoscaler)
}

/// `/apis`: the groups of the kinds kubesim models, the resource metrics API (as
/// metrics-server registers it, metrics_api.rs) and the review APIs (access_review.rs);
/// one entry per group, its versions in that order, the first preferred.
pub fn apis() -> Value {
    let served = GROUP_VERSIONS.iter().copied().chain([
        crate::metrics_api::GROUP_VERSION,
        crate::access_review::AUTHENTICATION,
        crate::access_review::AUTHORIZATION,
    ]);
    let mut by_group: Vec<(&str, Vec<Value>)> = Vec::new();
    for gv in served {
        let (g, v) = gv.split_once('/').unwrap_or((gv, "v1"));
        let version = json!({"groupVersion": gv, "version": v});
        match by_group.iter_mut().find(|(name, _)| *name == g) {
            Some((_, versions)) => versions.push(version),
            None => by_group.push((g, vec![version])),
        }
    }
    let groups: Vec<Value> = by_group
        .into_iter()
        .map(|(g, versions)| {
            json!({
                "name": g,
                "preferredVersion": versions[0],
                "versions": versions,
            })
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// kubectl's short names of a kind.
pub fn short_names(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Node => &["no"],
        Kind::Pod => &["po"],
        Kind::ReplicaSet => &["rs"],
        Kind::Deployment => &["deploy"],
        Kind::Service => &["svc"],
        Kind::Namespace => &["ns"],
        Kind::ResourceQuota => &["quota"],
        Kind::LimitRange => &["limits"],
        Kind::PriorityClass => &["pc"],
        Kind::ConfigMap => &["cm"],
        Kind::CronJob => &["cj"],
        Kind::StatefulSet => &["sts"],
        Kind::DaemonSet => &["ds"],
        Kind::PersistentVolumeClaim => &["pvc"],
        Kind::PodDisruptionBudget => &["pdb"],
        Kind::HorizontalPodAutoscaler => &["hpa"],
        Kind::EndpointSlice | Kind::Secret | Kind::Job => &[],
    }
}

/// Whether `kubectl get all` lists the kind (the `all` category).
fn in_category_all(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pod
            | Kind::ReplicaSet
            | Kind::Deployment
            | Kind::Service
            | Kind::StatefulSet
            | Kind::DaemonSet
            | Kind::Job
            | Kind::CronJob
            | Kind::HorizontalPodAutoscaler
    )
}

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The verbs of a kind's collection: namespaces have no `deletecollection`, as in
/// kube-apiserver.
fn verbs(kind: Kind) -> Vec<&'static str> {
    VERBS
        .iter()
        .copied()
        .filter(|v| kind != Kind::Namespace || *v != "deletecollection")
        .collect()
}

/// `/api/v1` or `/apis/<group>/<version>`; `None` for a group version kubesim does not serve.
pub fn resource_list(group_version: &str) -> Option<Value> {
    if group_version != "v1" && !GROUP_VERSIONS.contains(&group_version) {
        return None;
    }
    let mut resources = Vec::new();
    for kind in Kind::ALL {
        if !serves(group_version, kind) {
            continue;
        }
        let mut r = json!({
            "name": kind.plural(),
            "singularName": kind.resource(),
            "namespaced": kind.namespaced(),
            "kind": kind.name(),
            "verbs": verbs(kind),
            "shortNames": short_names(kind),
        });
        if in_category_all(kind) {
            r["categories"] = json!(["all"]);
        }
        resources.push(r);
        let sub = |name: &str, sub_kind: &str, verbs: &[&str], group: &str, version: &str| {
            let mut s = json!({
                "name": format!("{}/{name}", kind.plural()),
                "singularName": "",
                "namespaced": kind.namespaced(),
                "kind": sub_kind,
                "verbs": verbs,
            });
            if !group.is_empty() {
                s["group"] = json!(group);
                s["version"] = json!(version);
            }
            s
        };
        resources.push(sub(
            "status",
            kind.name(),
            &["get", "patch", "update"],
            "",
            "",
        ));
        if matches!(
            kind,
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet
        ) {
            resources.push(sub(
                "scale",
                "Scale",
                &["get", "patch", "update"],
                "autoscaling",
                "v1",
            ));
        }
        if kind == Kind::Pod {
            resources.push(sub("log", "Pod", &["get"], "", ""));
            resources.push(sub("exec", "PodExecOptions", &["create", "get"], "", ""));
            resources.push(sub("eviction", "Eviction", &["create"], "policy", "v1"));
        }
    }
    if group_version == "v1" {
        resources.push(json!({
            "name": "events",
            "singularName": "event",
            "namespaced": true,
            "kind": "Event",
            "verbs": ["get", "list", "watch"],
            "shortNames": ["ev"],
        }));
        resources.push(crate::endpoints::api_resource());
    }
    // The API server lists a group version's resources in name order (subresources after
    // their resource), which is the order `kubectl get all` prints them in.
    resources.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// The kind served at `resource` (plural) in `group_version`; `None` for events and unknown
/// resources.
pub fn kind_of(group_version: &str, resource: &str) -> Option<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| serves(group_version, *k) && k.plural() == resource)
}
