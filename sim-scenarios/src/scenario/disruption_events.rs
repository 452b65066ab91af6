//! The `drain` and `evict` scenario events (k8s-semantics §6.4–6.6): `drain: NODE` or a map
//! of kubectl drain's flags in camelCase; `evict: pod/NAME` or `{pod, namespace,
//! gracePeriod}`. Both are read from YAML values here so that every mistake names its field.

use serde_yaml::Value;
use sim_core::drain::DrainOptions;
use sim_core::objects::ObjectKey;
use sim_core::sim::ScenarioAction;

use super::Loader;
use crate::source::suggest;

const DRAIN_FIELDS: [&str; 8] = [
    "node",
    "ignoreDaemonsets",
    "deleteEmptydirData",
    "force",
    "gracePeriod",
    "timeout",
    "disableEviction",
    "podSelector",
];
const EVICT_FIELDS: [&str; 3] = ["pod", "namespace", "gracePeriod"];

/// The fields of a map value, each checked against `known`; `None` (with an error) when
/// the value is not a map of strings or a field is unknown.
fn fields<'v>(
    loader: &mut Loader<'_>,
    path: &str,
    value: &'v Value,
    known: &[&str],
    what: &str,
) -> Option<Vec<(String, &'v Value)>> {
    let Value::Mapping(map) = value else {
        loader.err(path, format!("expected {what}"));
        return None;
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let Some(name) = k.as_str() else {
            loader.err(
                path,
                format!("field names must be strings; expected {what}"),
            );
            return None;
        };
        if !known.contains(&name) {
            let hint = suggest(name, known)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            loader.err(
                &format!("{path}.{name}"),
                format!(
                    "unknown field `{name}`{hint}; expected one of {}",
                    known.join(", ")
                ),
            );
            return None;
        }
        out.push((name.to_string(), v));
    }
    Some(out)
}

fn boolean(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        _ => {
            loader.err(path, "expected true or false");
            None
        }
    }
}

fn text<'v>(loader: &mut Loader<'_>, path: &str, value: &'v Value) -> Option<&'v str> {
    match value.as_str() {
        Some(s) if !s.trim().is_empty() => Some(s),
        Some(_) => {
            loader.err(path, "must not be empty");
            None
        }
        None => {
            loader.err(path, "expected a string");
            None
        }
    }
}

/// `--grace-period`: -1 (the pod's own) or seconds ≥ 0.
fn grace_period(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<Option<u64>> {
    match value.as_i64() {
        Some(-1) => Some(None),
        Some(g) if g >= 0 => Some(u64::try_from(g).ok()),
        _ => {
            loader.err(
                path,
                "expected whole seconds (-1 for each pod's terminationGracePeriodSeconds)",
            );
            None
        }
    }
}

/// `drain:`.
pub(super) fn drain(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<ScenarioAction> {
    if let Value::String(node) = value {
        if node.trim().is_empty() {
            loader.err(path, "the node name is empty");
            return None;
        }
        return Some(ScenarioAction::Drain(DrainOptions {
            node: node.clone(),
            ..DrainOptions::default()
        }));
    }
    let what = "a node name or a map of kubectl drain flags (node, ignoreDaemonsets, ...)";
    let fields = fields(loader, path, value, &DRAIN_FIELDS, what)?;
    let mut options = DrainOptions::default();
    let mut node = None;
    for (name, v) in fields {
        let fpath = format!("{path}.{name}");
        match name.as_str() {
            "node" => node = Some(text(loader, &fpath, v)?.to_string()),
            "ignoreDaemonsets" => options.ignore_daemonsets = boolean(loader, &fpath, v)?,
            "deleteEmptydirData" => options.delete_emptydir_data = boolean(loader, &fpath, v)?,
            "force" => options.force = boolean(loader, &fpath, v)?,
            "disableEviction" => options.disable_eviction = boolean(loader, &fpath, v)?,
            "gracePeriod" => options.grace_period_seconds = grace_period(loader, &fpath, v)?,
            "timeout" => {
                let d = match v {
                    Value::Number(n) if n.as_u64() == Some(0) => sim_core::time::SimDuration::ZERO,
                    _ => {
                        let t = text(loader, &fpath, v)?;
                        loader.duration(&fpath, t)?
                    }
                };
                // 0 means forever, as for kubectl.
                options.timeout = (d > sim_core::time::SimDuration::ZERO).then_some(d);
            }
            "podSelector" => {
                let t = text(loader, &fpath, v)?;
                options.pod_selector = Some(loader.selector(&fpath, t)?);
            }
            _ => {}
        }
    }
    let Some(node) = node else {
        loader.err(path, "drain needs `node`");
        return None;
    };
    options.node = node;
    Some(ScenarioAction::Drain(options))
}

/// `evict:`.
pub(super) fn evict(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<ScenarioAction> {
    let (pod_text, pod_path, namespace, grace) = match value {
        Value::String(s) => (s.clone(), path.to_string(), None, None),
        _ => {
            let what = "`pod/NAME` or a map with `pod` (and `namespace`, `gracePeriod`)";
            let fields = fields(loader, path, value, &EVICT_FIELDS, what)?;
            let mut pod = None;
            let mut namespace = None;
            let mut grace = None;
            for (name, v) in fields {
                let fpath = format!("{path}.{name}");
                match name.as_str() {
                    "pod" => pod = Some(text(loader, &fpath, v)?.to_string()),
                    "namespace" => namespace = Some(text(loader, &fpath, v)?.to_string()),
                    "gracePeriod" => grace = grace_period(loader, &fpath, v)?,
                    _ => {}
                }
            }
            let Some(pod) = pod else {
                loader.err(path, "evict needs `pod`");
                return None;
            };
            (pod, format!("{path}.pod"), namespace, grace)
        }
    };
    let name = match pod_text.split_once('/') {
        Some((kind, name)) => {
            if !matches!(kind, "pod" | "pods" | "po") {
                loader.err(
                    &pod_path,
                    format!("only pods are evicted; expected pod/NAME, found {pod_text:?}"),
                );
                return None;
            }
            name.to_string()
        }
        None => pod_text.clone(),
    };
    if name.is_empty() {
        loader.err(&pod_path, "the pod name is empty");
        return None;
    }
    Some(ScenarioAction::Evict {
        pod: ObjectKey::new(namespace.unwrap_or_else(|| "default".to_string()), name),
        grace_period_seconds: grace,
    })
}

/// The signals of the kubelet's `evictionHard` (Linux); only `memory.available` is modelled.
const EVICTION_SIGNALS: [&str; 6] = [
    "memory.available",
    "nodefs.available",
    "nodefs.inodesFree",
    "imagefs.available",
    "imagefs.inodesFree",
    "pid.available",
];

/// A pool's `evictionHard.memory.available` in bytes (`None`: not given, or in error):
/// a quantity, or a percentage of the node's memory capacity.
pub(super) fn memory_threshold(
    loader: &mut Loader<'_>,
    pool_path: &str,
    pool: &crate::format::NodePoolSpec,
    capacity_bytes: u64,
) -> Option<u64> {
    let mut threshold = None;
    for (signal, value) in &pool.eviction_hard {
        let path = format!("{pool_path}.evictionHard[{signal}]");
        if signal != "memory.available" {
            if EVICTION_SIGNALS.contains(&signal.as_str()) {
                loader.err(
                    &path,
                    format!("`{signal}` is not modelled: kubesim has no disk or PID use; only memory.available is"),
                );
            } else {
                let hint = suggest(signal, &EVICTION_SIGNALS)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                loader.err(
                    &path,
                    format!(
                        "unknown eviction signal `{signal}`{hint}; kubesim models memory.available"
                    ),
                );
            }
            continue;
        }
        let text = value.trim();
        if let Some(percent) = text.strip_suffix('%') {
            match percent.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => {
                    // As the kubelet: capacity × percentage, truncated to whole bytes.
                    let basis_points = (p * 100.0).round() as u64;
                    threshold = Some(
                        u64::try_from(
                            u128::from(capacity_bytes) * u128::from(basis_points) / 10_000,
                        )
                        .unwrap_or(u64::MAX),
                    );
                }
                _ => loader.err(
                    &path,
                    format!("{text:?} is not a percentage between 0% and 100%"),
                ),
            }
            continue;
        }
        match crate::quantity::parse_bytes(text) {
            Ok(bytes) => threshold = Some(bytes),
            Err(e) => loader.err(&path, format!("{text:?}: {e}")),
        }
    }
    threshold
}
