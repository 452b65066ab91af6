//! The failure events of a scenario (`failNode`, `partition`, `zoneOutage`, `recoverNode`,
//! `killContainer`) and `spec.chaos`, validated into engine values
//! (`docs/scenario-format.md`).

use serde_yaml::Value;
use sim_core::failures::{ChaosConfig, NodeFailureRule, NodeTarget, PodKillRule};
use sim_core::objects::{NodeFailureMode, ObjectKey};
use sim_core::selector::LabelSelector;
use sim_core::sim::ScenarioAction;
use sim_core::time::SimDuration;

use crate::format::{ChaosSpec, EventSpec, NodePoolSpec};
use crate::source::suggest;

use super::Loader;

/// The names of the failure events, for "exactly one action" messages.
pub(super) const FAILURE_EVENTS: &str =
    "failNode, partition, zoneOutage, recoverNode, killContainer";

/// How many failure actions `e` names.
pub(super) fn count(e: &EventSpec) -> usize {
    [
        e.fail_node.is_some(),
        e.partition.is_some(),
        e.zone_outage.is_some(),
        e.recover_node.is_some(),
        e.kill_container.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// The keys a mapping has that are not in `allowed`, reported at `path`.
fn check_keys(
    loader: &mut Loader<'_>,
    path: &str,
    map: &serde_yaml::Mapping,
    allowed: &[&str],
) -> bool {
    let mut ok = true;
    for key in map.keys() {
        let name = key.as_str().unwrap_or("");
        if !allowed.contains(&name) {
            let hint = suggest(name, allowed)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            loader.err(
                &format!("{path}.{name}"),
                format!(
                    "unknown field {name:?}{hint}; expected one of: {}",
                    allowed.join(", ")
                ),
            );
            ok = false;
        }
    }
    ok
}

fn string(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => {
            loader.err(path, "expected a non-empty string");
            None
        }
    }
}

fn names(loader: &mut Loader<'_>, path: &str, value: &Value) -> Option<Vec<String>> {
    let Value::Sequence(items) = value else {
        loader.err(path, "expected a list of node names");
        return None;
    };
    if items.is_empty() {
        loader.err(path, "expected at least one node name");
        return None;
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        out.push(string(loader, &format!("{path}[{i}]"), item)?);
    }
    Some(out)
}

/// `{nodes: [...]}`, `{zone: Z}` or (where `single` allows it) `{node: NAME}` or `NAME`.
fn target(
    loader: &mut Loader<'_>,
    path: &str,
    value: &Value,
    extra: &[&str],
) -> Option<(NodeTarget, serde_yaml::Mapping)> {
    if let Value::String(name) = value {
        return Some((
            NodeTarget::Names(vec![name.clone()]),
            serde_yaml::Mapping::new(),
        ));
    }
    let Value::Mapping(map) = value else {
        loader.err(
            path,
            "expected a node name, {node: NAME}, {nodes: [NAME, ...]} or {zone: ZONE}",
        );
        return None;
    };
    let mut allowed = vec!["node", "nodes", "zone"];
    allowed.extend_from_slice(extra);
    if !check_keys(loader, path, map, &allowed) {
        return None;
    }
    let get = |k: &str| map.get(Value::String(k.to_string()));
    let found = [get("node"), get("nodes"), get("zone")]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if found != 1 {
        loader.err(path, "give exactly one of `node`, `nodes` and `zone`");
        return None;
    }
    let t = if let Some(v) = get("node") {
        NodeTarget::Names(vec![string(loader, &format!("{path}.node"), v)?])
    } else if let Some(v) = get("nodes") {
        NodeTarget::Names(names(loader, &format!("{path}.nodes"), v)?)
    } else {
        let v = get("zone")?;
        NodeTarget::Zone(string(loader, &format!("{path}.zone"), v)?)
    };
    Some((t, map.clone()))
}

/// The actions of a failure event (an empty list after an error, reported).
pub(super) fn failure_actions(
    loader: &mut Loader<'_>,
    path: &str,
    e: &EventSpec,
) -> Vec<ScenarioAction> {
    if let Some(v) = &e.fail_node {
        let p = format!("{path}.failNode");
        let Some((target, map)) = target(loader, &p, v, &["mode"]) else {
            return Vec::new();
        };
        if matches!(target, NodeTarget::Zone(_)) {
            loader.err(&p, "a whole zone fails with `zoneOutage: ZONE`");
            return Vec::new();
        }
        let mode = match map.get(Value::String("mode".to_string())) {
            None => NodeFailureMode::Crash,
            Some(Value::String(m)) => match NodeFailureMode::parse(m) {
                Some(NodeFailureMode::Partition) | None => {
                    loader.err(
                        &format!("{p}.mode"),
                        format!(
                            "unknown failure mode {m:?}; expected `crash` or `kubeletStop` (a lost network is `partition: {{nodes: [...]}}`)"
                        ),
                    );
                    return Vec::new();
                }
                Some(mode) => mode,
            },
            Some(_) => {
                loader.err(&format!("{p}.mode"), "expected `crash` or `kubeletStop`");
                return Vec::new();
            }
        };
        return vec![ScenarioAction::FailNodes { target, mode }];
    }
    if let Some(v) = &e.partition {
        let p = format!("{path}.partition");
        if !matches!(v, Value::Mapping(_)) {
            loader.err(&p, "expected {nodes: [NAME, ...]} or {zone: ZONE}");
            return Vec::new();
        }
        let Some((target, _)) = target(loader, &p, v, &[]) else {
            return Vec::new();
        };
        return vec![ScenarioAction::FailNodes {
            target,
            mode: NodeFailureMode::Partition,
        }];
    }
    if let Some(v) = &e.zone_outage {
        let p = format!("{path}.zoneOutage");
        let Some(zone) = string(loader, &p, v) else {
            return Vec::new();
        };
        return vec![ScenarioAction::FailNodes {
            target: NodeTarget::Zone(zone),
            mode: NodeFailureMode::Crash,
        }];
    }
    if let Some(v) = &e.recover_node {
        let p = format!("{path}.recoverNode");
        let Some((target, _)) = target(loader, &p, v, &[]) else {
            return Vec::new();
        };
        return vec![ScenarioAction::RecoverNodes { target }];
    }
    if let Some(v) = &e.kill_container {
        let p = format!("{path}.killContainer");
        let Value::Mapping(map) = v else {
            loader.err(&p, "expected {pod: NAME, container: NAME}");
            return Vec::new();
        };
        if !check_keys(loader, &p, map, &["pod", "container", "namespace"]) {
            return Vec::new();
        }
        let get = |k: &str| map.get(Value::String(k.to_string())).cloned();
        let (Some(pod), Some(container)) = (get("pod"), get("container")) else {
            loader.err(&p, "`pod` and `container` are required");
            return Vec::new();
        };
        let Some(pod) = string(loader, &format!("{p}.pod"), &pod) else {
            return Vec::new();
        };
        let Some(container) = string(loader, &format!("{p}.container"), &container) else {
            return Vec::new();
        };
        let namespace = match get("namespace") {
            None => "default".to_string(),
            Some(v) => match string(loader, &format!("{p}.namespace"), &v) {
                Some(n) => n,
                None => return Vec::new(),
            },
        };
        return vec![ScenarioAction::KillContainer {
            pod: ObjectKey::new(namespace, pod),
            container,
        }];
    }
    Vec::new()
}

/// Most failures (or pod kills) one chaos rule may be expected to draw in a run: beyond it
/// a run would take hours to finish (an `mtbf: 1ms` was a hang in all but name), so the
/// scenario is refused with the numbers instead.
pub const MAX_CHAOS_DRAWS: u128 = 100_000;

/// How many times a rule with these mean times is expected to fire in `duration` over
/// `units` nodes (or once per `mean` for a pod-kill rule: `units` 1).
fn expected_draws(duration: SimDuration, mean: SimDuration, units: u64) -> u128 {
    u128::from(duration.as_millis()) * u128::from(units) / u128::from(mean.as_millis().max(1))
}

/// `spec.chaos`, with each pool's nodes (the ones the scenario starts with), for a run of
/// `duration`.
pub(super) fn chaos(
    loader: &mut Loader<'_>,
    spec: &ChaosSpec,
    pools: &[NodePoolSpec],
    duration: SimDuration,
) -> ChaosConfig {
    let mut config = ChaosConfig::default();
    for (i, f) in spec.node_failures.iter().enumerate() {
        let path = format!("spec.chaos.nodeFailures[{i}]");
        let Some(pool) = pools.iter().find(|p| p.name == f.pool) else {
            let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
            let hint = suggest(&f.pool, &names)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            loader.err(
                &format!("{path}.pool"),
                format!(
                    "no node pool named {:?}{hint}; pools: {}",
                    f.pool,
                    names.join(", ")
                ),
            );
            continue;
        };
        let mtbf = loader.duration(&format!("{path}.mtbf"), &f.mtbf);
        let mttr = loader.duration(&format!("{path}.mttr"), &f.mttr);
        let mode = match f.mode.as_deref() {
            None => Some(NodeFailureMode::Crash),
            Some(m) => {
                let mode = NodeFailureMode::parse(m);
                if mode.is_none() {
                    loader.err(
                        &format!("{path}.mode"),
                        format!("unknown failure mode {m:?}; expected `crash`, `kubeletStop` or `partition`"),
                    );
                }
                mode
            }
        };
        let (Some(mtbf), Some(mttr), Some(mode)) = (mtbf, mttr, mode) else {
            continue;
        };
        for (field, d) in [("mtbf", mtbf), ("mttr", mttr)] {
            if d.as_millis() == 0 {
                loader.err(&format!("{path}.{field}"), "must be greater than 0");
            }
        }
        let count = pool.count.unwrap_or(1);
        // One failure and one recovery per mtbf + mttr per node.
        let cycle = SimDuration::from_millis(mtbf.as_millis().saturating_add(mttr.as_millis()));
        let draws = expected_draws(duration, cycle, count) * 2;
        if mtbf.as_millis() > 0 && mttr.as_millis() > 0 && draws > MAX_CHAOS_DRAWS {
            loader.err(
                &format!("{path}.mtbf"),
                format!(
                    "with mtbf {mtbf} and mttr {mttr} the {count} node(s) of pool {:?} would fail \
                     and recover about {draws} times in {duration}, more than the {MAX_CHAOS_DRAWS} \
                     a run allows; use longer times or a shorter spec.duration",
                    pool.name
                ),
            );
            continue;
        }
        config.node_failures.push(NodeFailureRule {
            nodes: (1..=count).map(|n| format!("{}-{n}", pool.name)).collect(),
            mtbf,
            mttr,
            mode,
        });
    }
    for (i, k) in spec.pod_kills.iter().enumerate() {
        let path = format!("spec.chaos.podKills[{i}]");
        let selector = match &k.selector {
            Some(text) => loader.selector(&format!("{path}.selector"), text),
            None => Some(LabelSelector::default()),
        };
        let interval = loader.duration(&format!("{path}.meanInterval"), &k.mean_interval);
        let (Some(selector), Some(mean_interval)) = (selector, interval) else {
            continue;
        };
        if mean_interval.as_millis() == 0 {
            loader.err(&format!("{path}.meanInterval"), "must be greater than 0");
            continue;
        }
        let draws = expected_draws(duration, mean_interval, 1);
        if draws > MAX_CHAOS_DRAWS {
            loader.err(
                &format!("{path}.meanInterval"),
                format!(
                    "with meanInterval {mean_interval} the rule would kill about {draws} pods in \
                     {duration}, more than the {MAX_CHAOS_DRAWS} a run allows; use a longer \
                     interval or a shorter spec.duration"
                ),
            );
            continue;
        }
        config.pod_kills.push(PodKillRule {
            namespace: k.namespace.clone().unwrap_or_else(|| "default".to_string()),
            selector,
            mean_interval,
            grace_period_seconds: k.grace_period,
        });
    }
    config
}
