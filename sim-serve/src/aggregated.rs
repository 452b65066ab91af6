//! Aggregated discovery (`apidiscovery.k8s.io/v2`, `APIGroupDiscoveryList`): what kubectl
//! asks `/api` and `/apis` for first (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;
//! as=APIGroupDiscoveryList,…`). One answer per root carries every group version's
//! resources, so a cold kubectl makes two discovery requests instead of one per group
//! version. Built from the legacy resource lists of [`crate::discovery`], so the two
//! always agree.

use serde_json::{json, Map, Value};

use crate::discovery;

/// The media type of the answer (also its `Content-Type`).
pub const MEDIA_TYPE: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether `accept` asks for aggregated discovery v2.
pub fn wanted(accept: &str) -> bool {
    accept.split(',').any(|t| {
        let params: Vec<&str> = t.split(';').map(str::trim).collect();
        params.contains(&"g=apidiscovery.k8s.io")
            && params.contains(&"v=v2")
            && params.contains(&"as=APIGroupDiscoveryList")
    })
}

fn split_gv(gv: &str) -> (&str, &str) {
    gv.split_once('/').unwrap_or(("", gv))
}

/// One group version's `APIVersionDiscovery` from its legacy `APIResourceList`.
fn version_discovery(list: &Value) -> Value {
    let gv = list["groupVersion"].as_str().unwrap_or("v1");
    let (group, version) = split_gv(gv);
    let empty = Vec::new();
    let items = list["resources"].as_array().unwrap_or(&empty);
    let mut resources: Vec<Value> = Vec::new();
    for r in items {
        let name = r["name"].as_str().unwrap_or("");
        if name.contains('/') {
            continue;
        }
        let mut d = Map::new();
        d.insert("resource".into(), json!(name));
        d.insert(
            "responseKind".into(),
            json!({"group": group, "version": version, "kind": r["kind"]}),
        );
        let scope = if r["namespaced"].as_bool().unwrap_or(false) {
            "Namespaced"
        } else {
            "Cluster"
        };
        d.insert("scope".into(), json!(scope));
        d.insert("singularResource".into(), r["singularName"].clone());
        d.insert("verbs".into(), r["verbs"].clone());
        for key in ["shortNames", "categories"] {
            if r[key].as_array().is_some_and(|a| !a.is_empty()) {
                d.insert(key.into(), r[key].clone());
            }
        }
        let prefix = format!("{name}/");
        let subs: Vec<Value> = items
            .iter()
            .filter_map(|s| {
                let sub = s["name"].as_str()?.strip_prefix(&prefix)?;
                let (g, v) = match s["group"].as_str() {
                    Some(g) => (g, s["version"].as_str().unwrap_or("v1")),
                    None => (group, version),
                };
                Some(json!({
                    "subresource": sub,
                    "responseKind": {"group": g, "version": v, "kind": s["kind"]},
                    "verbs": s["verbs"],
                }))
            })
            .collect();
        if !subs.is_empty() {
            d.insert("subresources".into(), json!(subs));
        }
        resources.push(Value::Object(d));
    }
    json!({"version": version, "resources": resources, "freshness": "Current"})
}

fn list(items: Vec<Value>) -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// `/api` aggregated: the core group.
pub fn api() -> Value {
    let core = discovery::resource_list("v1").unwrap_or(Value::Null);
    list(vec![json!({
        "metadata": {"creationTimestamp": null},
        "versions": [version_discovery(&core)],
    })])
}

/// `/apis` aggregated: every named group, with the resource metrics API.
pub fn apis() -> Value {
    let mut items: Vec<Value> = Vec::new();
    for gv in discovery::GROUP_VERSIONS {
        let Some(l) = discovery::resource_list(gv) else {
            continue;
        };
        let (group, _) = split_gv(gv);
        // A group's versions in one item, the preferred (first) one first.
        match items
            .iter_mut()
            .find(|i| i["metadata"]["name"] == group)
            .and_then(|i| i["versions"].as_array_mut())
        {
            Some(versions) => versions.push(version_discovery(&l)),
            None => items.push(json!({
                "metadata": {"name": group, "creationTimestamp": null},
                "versions": [version_discovery(&l)],
            })),
        }
    }
    items.push(json!({
        "metadata": {"name": "metrics.k8s.io", "creationTimestamp": null},
        "versions": [version_discovery(&crate::metrics_api::resource_list())],
    }));
    for gv in [
        crate::access_review::AUTHENTICATION,
        crate::access_review::AUTHORIZATION,
    ] {
        if let Some(l) = crate::access_review::resource_list(gv) {
            items.push(json!({
                "metadata": {"name": split_gv(gv).0, "creationTimestamp": null},
                "versions": [version_discovery(&l)],
            }));
        }
    }
    list(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_carry_their_subresources() {
        assert!(wanted(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wanted("application/json"));
        let core = api();
        let pods = core["items"][0]["versions"][0]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["resource"] == "pods"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(pods["responseKind"]["kind"], "Pod");
        let subs: Vec<&str> = pods["subresources"]
            .as_array()
            .map(|s| s.iter().filter_map(|x| x["subresource"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            subs.contains(&"eviction") && subs.contains(&"log"),
            "{subs:?}"
        );
        let apps = apis();
        let deploy = apps["items"][0]["versions"][0]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["resource"] == "deployments"))
            .cloned()
            .unwrap_or(Value::Null);
        let scale = deploy["subresources"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["subresource"] == "scale"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(scale["responseKind"]["group"], "autoscaling");
    }
}
