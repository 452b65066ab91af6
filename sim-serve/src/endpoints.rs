//! `v1` Endpoints, read-only: `kubectl get endpoints` (`ep`), the first thing many
//! tutorials check when a Service does not answer.
//!
//! kubesim's store holds EndpointSlices only (the EndpointSlice controller,
//! k8s-semantics §11.1). The Endpoints controller of a real cluster mirrors the same pods
//! into one Endpoints object per Service with a selector; this module derives that object
//! from the Service and its slices when it is read: ready endpoints are `addresses`,
//! not-ready ones `notReadyAddresses`, terminating ones are left out, and addresses are
//! grouped into subsets by their port set, sorted by IP, as the controller's repacking
//! does. Like the API server since v1.33, every answer carries the deprecation warning.
//! Endpoints cannot be written or watched here (405): kubesim's Services always have a
//! selector, so nothing would keep a hand-written Endpoints object.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sim_core::controllers::endpointslice::LABEL_SERVICE_NAME;
use sim_core::objects::{EndpointPort, EndpointSlice, Service, ServiceType};
use sim_core::selector::LabelSelector;
use sim_core::store::Store;
use sim_core::time::SimTime;
use sim_scenarios::tables::human_duration;
use sim_scenarios::view::rfc3339;

use crate::status::StatusError;

/// The warning the API server attaches to every v1 Endpoints answer (v1.33+).
pub const DEPRECATION_WARNING: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// The discovery entry of the resource.
pub fn api_resource() -> Value {
    json!({
        "name": "endpoints",
        "singularName": "endpoints",
        "namespaced": true,
        "kind": "Endpoints",
        "verbs": ["get", "list"],
        "shortNames": ["ep"],
    })
}

/// The ready and not-ready addresses of one port set.
#[derive(Default)]
struct Subset {
    ready: Vec<(String, Value)>,
    not_ready: Vec<(String, Value)>,
}

/// The Endpoints object of `service` (`None` for a Service the Endpoints controller
/// skips: no selector, or ExternalName).
fn endpoints_of(store: &Store, service: &Service) -> Option<Value> {
    if service.spec.selector.is_empty() || service.spec.type_ == ServiceType::ExternalName {
        return None;
    }
    let meta = &service.meta;
    let mut resource_version = meta.resource_version;
    let mut subsets: BTreeMap<Vec<EndpointPort>, Subset> = BTreeMap::new();
    let slices = store
        .list_namespace::<EndpointSlice>(&meta.namespace)
        .filter(|s| s.meta.labels.get(LABEL_SERVICE_NAME) == Some(&meta.name));
    for slice in slices {
        resource_version = resource_version.max(slice.meta.resource_version);
        let mut ports = slice.ports.clone();
        ports.sort();
        let subset = subsets.entry(ports).or_default();
        for endpoint in &slice.endpoints {
            let ready = endpoint.conditions.ready;
            if endpoint.conditions.terminating && !ready {
                continue;
            }
            for ip in &endpoint.addresses {
                let mut address = json!({"ip": ip});
                if let Some(node) = &endpoint.node_name {
                    address["nodeName"] = json!(node);
                }
                if let Some(target) = &endpoint.target_ref {
                    address["targetRef"] = json!({
                        "kind": "Pod",
                        "namespace": target.namespace,
                        "name": target.name,
                        "uid": target.uid.to_string(),
                    });
                }
                let list = if ready {
                    &mut subset.ready
                } else {
                    &mut subset.not_ready
                };
                list.push((ip.clone(), address));
            }
        }
    }
    let subsets: Vec<Value> = subsets
        .into_iter()
        .filter(|(_, s)| !s.ready.is_empty() || !s.not_ready.is_empty())
        .map(|(ports, mut s)| {
            s.ready.sort_by(|a, b| a.0.cmp(&b.0));
            s.not_ready.sort_by(|a, b| a.0.cmp(&b.0));
            let mut subset = json!({});
            if !s.ready.is_empty() {
                subset["addresses"] = s.ready.into_iter().map(|(_, a)| a).collect();
            }
            if !s.not_ready.is_empty() {
                subset["notReadyAddresses"] = s.not_ready.into_iter().map(|(_, a)| a).collect();
            }
            let ports: Vec<Value> = ports
                .iter()
                .map(|p| {
                    let mut port = json!({"port": p.port, "protocol": p.protocol.as_str()});
                    if !p.name.is_empty() {
                        port["name"] = json!(p.name);
                    }
                    if let Some(app) = &p.app_protocol {
                        port["appProtocol"] = json!(app);
                    }
                    port
                })
                .collect();
            if !ports.is_empty() {
                subset["ports"] = json!(ports);
            }
            subset
        })
        .collect();
    let mut metadata = json!({
        "name": meta.name,
        "namespace": meta.namespace,
        "resourceVersion": resource_version.to_string(),
        "creationTimestamp": rfc3339(meta.creation_timestamp),
    });
    if !meta.labels.is_empty() {
        metadata["labels"] = json!(meta.labels);
    }
    let mut endpoints = json!({
        "kind": "Endpoints",
        "apiVersion": "v1",
        "metadata": metadata,
    });
    if !subsets.is_empty() {
        endpoints["subsets"] = json!(subsets);
    }
    Some(endpoints)
}

/// kubectl's ENDPOINTS column (`formatEndpoints`): `ip:port` for each port of each
/// subset's ready addresses (plain IPs without ports), the first three, then ` + N
/// more...`; `<none>` without subsets.
fn endpoints_column(v: &Value) -> String {
    let Some(subsets) = v["subsets"].as_array().filter(|s| !s.is_empty()) else {
        return "<none>".to_string();
    };
    let mut shown = Vec::new();
    let mut count = 0usize;
    for subset in subsets {
        let addresses: Vec<&str> = subset["addresses"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["ip"].as_str()).collect())
            .unwrap_or_default();
        let ports: Vec<u64> = subset["ports"]
            .as_array()
            .map(|p| p.iter().filter_map(|x| x["port"].as_u64()).collect())
            .unwrap_or_default();
        let items: Vec<String> = if ports.is_empty() {
            addresses.iter().map(|a| a.to_string()).collect()
        } else {
            ports
                .iter()
                .flat_map(|port| addresses.iter().map(move |a| format!("{a}:{port}")))
                .collect()
        };
        for item in items {
            if shown.len() < 3 {
                shown.push(item);
            }
            count += 1;
        }
    }
    let text = shown.join(",");
    if count > 3 {
        format!("{text} + {} more...", count - 3)
    } else {
        text
    }
}

/// GET `/api/v1[/namespaces/NS]/endpoints[/NAME]`: the object, the list, or a Table
/// (`NAME ENDPOINTS AGE`).
pub fn get(
    store: &Store,
    now: SimTime,
    namespace: Option<&str>,
    name: Option<&str>,
    labels: Option<&LabelSelector>,
    table: bool,
) -> Result<Value, StatusError> {
    let mut items: Vec<(SimTime, Value)> = store
        .list::<Service>()
        .filter(|s| namespace.is_none_or(|n| s.meta.namespace == n))
        .filter(|s| name.is_none_or(|n| s.meta.name == n))
        .filter(|s| labels.is_none_or(|l| l.matches(&s.meta.labels)))
        .filter_map(|s| endpoints_of(store, s).map(|e| (s.meta.creation_timestamp, e)))
        .collect();
    if let Some(name) = name {
        let Some((created, one)) = items.pop() else {
            return Err(StatusError::new(
                404,
                "NotFound",
                format!("endpoints \"{name}\" not found"),
            ));
        };
        return Ok(if table {
            to_table(vec![(created, one)], now)
        } else {
            one
        });
    }
    if table {
        return Ok(to_table(items, now));
    }
    Ok(json!({
        "kind": "EndpointsList",
        "apiVersion": "v1",
        "metadata": {},
        "items": items.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    }))
}

fn to_table(items: Vec<(SimTime, Value)>, now: SimTime) -> Value {
    let column = |name: &str| json!({"name": name, "type": "string", "format": "", "description": "", "priority": 0});
    let rows: Vec<Value> = items
        .into_iter()
        .map(|(created, v)| {
            let age = human_duration(now.saturating_since(created).as_secs());
            json!({
                "cells": [v["metadata"]["name"], endpoints_column(&v), age],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": v["metadata"],
                },
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [column("Name"), column("Endpoints"), column("Age")],
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_lists_ready_addresses_with_ports() {
        let v = json!({"subsets": [{
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "notReadyAddresses": [{"ip": "10.0.0.9"}],
            "ports": [{"port": 80}, {"port": 443}],
        }]});
        assert_eq!(
            endpoints_column(&v),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
        );
        assert_eq!(endpoints_column(&json!({})), "<none>");
        let headless = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]});
        assert_eq!(endpoints_column(&headless), "10.0.0.1");
    }
}
