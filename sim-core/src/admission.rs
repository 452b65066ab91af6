//! The API server's admission chain for creates, in its order: NamespaceLifecycle,
//! LimitRanger (defaults, then bounds), Priority, DefaultTolerationSeconds (§7.4),
//! ResourceQuota (k8s-semantics §10.5–10.6, golden case G39).
//!
//! Quota usage is computed from the live objects rather than read from `status.used`: the
//! real plugin adds the request to `status.used` and writes it back in the same request,
//! and the resource-quota controller ([`crate::controllers::ResourceQuotaController`])
//! recomputes `status.used` from the same [`namespace_usage`], so both agree at every instant.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{
    Container, Kind, LimitRange, LimitType, Namespace, NamespacePhase, Pod, PriorityClass,
    ResourceQuota, ResourceUnit,
};
use crate::store::{ApiError, Store};
use crate::time::{SimDuration, SimTime};

mod default_toleration_seconds;
pub use default_toleration_seconds::{add_default_tolerations, DEFAULT_TOLERATION_SECONDS};

/// The compute resources whose quota obliges every container to declare them
/// (`podEvaluator.Constraints`' validation set).
const DECLARATION_REQUIRED: [&str; 6] = [
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// NamespaceLifecycle: the namespace of a namespaced object must exist and not be
/// terminating.
pub fn check_namespace(store: &Store, kind: Kind, namespace: &str) -> Result<(), ApiError> {
    if !kind.namespaced() {
        return Ok(());
    }
    match store.get::<Namespace>(&crate::objects::ObjectKey::cluster(namespace)) {
        None => Err(ApiError::NotFound {
            kind: Kind::Namespace,
            key: namespace.to_string(),
        }),
        Some(ns) if ns.phase == NamespacePhase::Terminating => Err(ApiError::Forbidden {
            kind,
            name: String::new(),
            message: format!(
                "unable to create new content in namespace {namespace} because it is being \
                 terminated"
            ),
        }),
        Some(_) => Ok(()),
    }
}

/// The object-count resources one more object of `kind` adds: `count/<plural>[.<group>]`
/// and, for the core kinds that have one, the legacy name (`pods`, `services`, ...).
pub fn object_count_delta(kind: Kind) -> BTreeMap<String, u64> {
    let mut delta = BTreeMap::new();
    let group = kind.api_version().rsplit_once('/').map(|(group, _)| group);
    let counted = match group {
        Some(group) => format!("count/{}.{group}", kind.plural()),
        None => format!("count/{}", kind.plural()),
    };
    delta.insert(counted, 1);
    if matches!(
        kind,
        Kind::Pod | Kind::Service | Kind::ConfigMap | Kind::Secret | Kind::ResourceQuota
    ) {
        delta.insert(kind.plural(), 1);
    }
    delta
}

/// Whether `pod` still counts against quota at `now` (`QuotaV1Pod`): not Succeeded or
/// Failed, and not past `deletionTimestamp + deletionGracePeriodSeconds`.
pub fn pod_counts_for_quota(pod: &Pod, now: SimTime) -> bool {
    if pod.status.phase.is_terminal() {
        return false;
    }
    match (
        pod.meta.deletion_timestamp,
        pod.meta.deletion_grace_period_seconds,
    ) {
        (Some(at), Some(grace)) => now <= at + SimDuration::from_secs(grace),
        _ => true,
    }
}

/// When a terminating pod stops counting against quota, if it is terminating.
pub fn pod_quota_release(pod: &Pod) -> Option<SimTime> {
    match (
        pod.meta.deletion_timestamp,
        pod.meta.deletion_grace_period_seconds,
    ) {
        (Some(at), Some(grace)) if !pod.status.phase.is_terminal() => {
            Some(at + SimDuration::from_secs(grace) + SimDuration::from_millis(1))
        }
        _ => None,
    }
}

/// The quota usage of one pod: its count and its compute requests and limits
/// (`podComputeUsageHelper`, over the effective pod requests).
pub fn pod_usage(pod: &Pod) -> BTreeMap<String, u64> {
    let mut usage = object_count_delta(Kind::Pod);
    let requests = pod.spec.effective_requests();
    let limits = effective_limits(pod);
    let declared = |name: &str, requests_side: bool| {
        pod.spec
            .containers
            .iter()
            .chain(&pod.spec.init_containers)
            .any(|c| {
                if requests_side {
                    c.declared.requests.contains(name)
                } else {
                    c.declared.limits.contains(name)
                }
            })
    };
    for name in ["cpu", "memory", "ephemeral-storage"] {
        if declared(name, true) {
            usage.insert(format!("requests.{name}"), requests.get(name));
            usage.insert(name.to_string(), requests.get(name));
        }
        if declared(name, false) {
            usage.insert(format!("limits.{name}"), limits.get(name));
        }
    }
    for (name, amount) in &requests.extended {
        usage.insert(format!("requests.{name}"), *amount);
    }
    usage
}

/// The pod's limits as the quota sums them: app containers (and sidecars) added, each
/// regular init container a floor.
fn effective_limits(pod: &Pod) -> crate::objects::Resources {
    let mut spec = pod.spec.clone();
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut())
    {
        c.requests = c.limits.clone();
    }
    spec.effective_requests()
}

/// What the namespace uses now, for the resources named in `names`.
pub fn namespace_usage(
    store: &Store,
    namespace: &str,
    names: &BTreeSet<&str>,
    now: SimTime,
) -> BTreeMap<String, u64> {
    let mut used: BTreeMap<String, u64> = names.iter().map(|n| (n.to_string(), 0)).collect();
    let mut add = |delta: BTreeMap<String, u64>| {
        for (name, amount) in delta {
            if let Some(slot) = used.get_mut(&name) {
                *slot = slot.saturating_add(amount);
            }
        }
    };
    for pod in store.list_namespace::<Pod>(namespace) {
        if pod_counts_for_quota(pod, now) {
            add(pod_usage(pod));
        }
    }
    for kind in Kind::ALL {
        if kind == Kind::Pod || !kind.namespaced() {
            continue;
        }
        let delta = object_count_delta(kind);
        if !delta.keys().any(|k| names.contains(k.as_str())) {
            continue;
        }
        let count = store.count_in_namespace(kind, namespace);
        add(delta
            .into_iter()
            .map(|(name, one)| (name, one * count as u64))
            .collect());
    }
    used
}

/// ResourceQuota: refuses the creation when any quota of the namespace would be exceeded
/// by `delta`, or (pods) when a quota tracks a compute resource a container does not
/// declare. Quotas are checked in name order; the first refusal is returned.
pub fn check_quota(
    store: &Store,
    kind: Kind,
    name: &str,
    namespace: &str,
    delta: &BTreeMap<String, u64>,
    pod: Option<&Pod>,
) -> Result<(), ApiError> {
    let quotas: Vec<&ResourceQuota> = store.list_namespace::<ResourceQuota>(namespace).collect();
    if quotas.is_empty() {
        return Ok(());
    }
    let forbidden = |message: String| ApiError::Forbidden {
        kind,
        name: name.to_string(),
        message,
    };
    if let Some(pod) = pod {
        for quota in &quotas {
            if let Some(missing) = missing_declarations(quota, pod) {
                return Err(forbidden(format!(
                    "failed quota: {}: must specify {missing}",
                    quota.meta.name
                )));
            }
        }
    }
    let now = store.now();
    for quota in quotas {
        let requested: BTreeMap<String, u64> = delta
            .iter()
            .filter(|(name, _)| quota.hard.contains_key(name.as_str()))
            .map(|(name, amount)| (name.clone(), *amount))
            .collect();
        if requested.is_empty() {
            continue;
        }
        let names: BTreeSet<&str> = requested.keys().map(String::as_str).collect();
        let used = namespace_usage(store, namespace, &names, now);
        let exceeded: BTreeSet<&str> = requested
            .iter()
            .filter(|(name, amount)| {
                let hard = quota.hard.get(name.as_str()).copied().unwrap_or(0);
                used.get(name.as_str())
                    .copied()
                    .unwrap_or(0)
                    .saturating_add(**amount)
                    > hard
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if exceeded.is_empty() {
            continue;
        }
        let mask = |list: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
            list.iter()
                .filter(|(name, _)| exceeded.contains(name.as_str()))
                .map(|(name, amount)| (name.clone(), *amount))
                .collect()
        };
        return Err(forbidden(format!(
            "exceeded quota: {}, requested: {}, used: {}, limited: {}",
            quota.meta.name,
            crate::objects::pretty_amounts(&mask(&requested)),
            crate::objects::pretty_amounts(&mask(&used)),
            crate::objects::pretty_amounts(&mask(&quota.hard)),
        )));
    }
    Ok(())
}

/// `must specify cpu for: app,sidecar; memory for: app` when `quota` tracks compute
/// resources that some containers do not declare.
fn missing_declarations(quota: &ResourceQuota, pod: &Pod) -> Option<String> {
    let mut missing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for required in DECLARATION_REQUIRED {
        if !quota.hard.contains_key(required) {
            continue;
        }
        let (limits_side, resource) = match required.split_once('.') {
            Some(("limits", resource)) => (true, resource),
            Some((_, resource)) => (false, resource),
            None => (false, required),
        };
        for c in pod.spec.containers.iter().chain(&pod.spec.init_containers) {
            let declared = if limits_side {
                &c.declared.limits
            } else {
                &c.declared.requests
            };
            if !declared.contains(resource) {
                missing.entry(required).or_default().insert(&c.name);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    Some(
        missing
            .iter()
            .map(|(resource, containers)| {
                let names: Vec<&str> = containers.iter().copied().collect();
                format!("{resource} for: {}", names.join(","))
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// LimitRanger, mutating half: each container missing a limit gets the `default`, missing a
/// request the `defaultRequest` (`SetDefaults_LimitRangeItem` already filled those in from
/// `max`, `default` and `min`). A request still missing where a limit now exists takes the
/// limit, as the API server's own defaulting would have.
pub fn apply_limit_defaults(store: &Store, pod: &mut Pod) {
    let ranges: Vec<&LimitRange> = store
        .list_namespace::<LimitRange>(&pod.meta.namespace)
        .collect();
    for range in ranges {
        for item in range
            .limits
            .iter()
            .filter(|i| i.limit_type == LimitType::Container)
        {
            for c in pod
                .spec
                .containers
                .iter_mut()
                .chain(pod.spec.init_containers.iter_mut())
            {
                default_container(c, &item.default, &item.default_request);
            }
        }
    }
}

fn default_container(
    c: &mut Container,
    default: &BTreeMap<String, u64>,
    default_request: &BTreeMap<String, u64>,
) {
    for (name, amount) in default {
        if !c.declared.limits.contains(name) {
            c.limits.set(name, *amount);
            c.declared.limits.insert(name.clone());
        }
    }
    for (name, amount) in default_request {
        if !c.declared.requests.contains(name) {
            c.requests.set(name, *amount);
            c.declared.requests.insert(name.clone());
        }
    }
}

/// LimitRanger, validating half: `min`, `max` and `maxLimitRequestRatio` per container and
/// per pod, with the plugin's messages, all violations in one error.
pub fn check_limit_ranges(store: &Store, pod: &Pod) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for range in store.list_namespace::<LimitRange>(&pod.meta.namespace) {
        for item in &range.limits {
            match item.limit_type {
                LimitType::Container => {
                    for c in pod.spec.containers.iter().chain(&pod.spec.init_containers) {
                        check_bounds(
                            item,
                            "Container",
                            |name| {
                                c.declared
                                    .requests
                                    .contains(name)
                                    .then(|| c.requests.get(name))
                            },
                            |name| c.declared.limits.contains(name).then(|| c.limits.get(name)),
                            &mut problems,
                        );
                    }
                }
                LimitType::Pod => {
                    let requests = pod.spec.effective_requests();
                    let limits = effective_limits(pod);
                    let all_declare = |name: &str, limits_side: bool| {
                        pod.spec.containers.iter().all(|c| {
                            if limits_side {
                                c.declared.limits.contains(name)
                            } else {
                                c.declared.requests.contains(name)
                            }
                        })
                    };
                    check_bounds(
                        item,
                        "Pod",
                        |name| all_declare(name, false).then(|| requests.get(name)),
                        |name| all_declare(name, true).then(|| limits.get(name)),
                        &mut problems,
                    );
                }
                LimitType::PersistentVolumeClaim => {}
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        kind: Kind::Pod,
        name: pod.meta.name.clone(),
        // `utilerrors.NewAggregate`: one error alone, several in brackets.
        message: if problems.len() == 1 {
            problems.remove(0)
        } else {
            format!("[{}]", problems.join(", "))
        },
    })
}

/// The `minConstraint`, `maxConstraint` and `limitRequestRatioConstraint` checks of the
/// LimitRanger plugin for one container or pod.
fn check_bounds(
    item: &crate::objects::LimitRangeItem,
    scope: &str,
    request: impl Fn(&str) -> Option<u64>,
    limit: impl Fn(&str) -> Option<u64>,
    problems: &mut Vec<String>,
) {
    let show = |name: &str, v: u64| ResourceUnit::of(name).format(v);
    for (name, min) in &item.min {
        match request(name) {
            None => problems.push(format!(
                "minimum {name} usage per {scope} is {}.  No request is specified",
                show(name, *min)
            )),
            Some(r) if r < *min => problems.push(format!(
                "minimum {name} usage per {scope} is {}, but request is {}",
                show(name, *min),
                show(name, r)
            )),
            Some(_) => match limit(name) {
                Some(l) if l < *min => problems.push(format!(
                    "minimum {name} usage per {scope} is {}, but limit is {}",
                    show(name, *min),
                    show(name, l)
                )),
                _ => {}
            },
        }
    }
    for (name, max) in &item.max {
        match limit(name) {
            None => problems.push(format!(
                "maximum {name} usage per {scope} is {}.  No limit is specified",
                show(name, *max)
            )),
            Some(l) if l > *max => problems.push(format!(
                "maximum {name} usage per {scope} is {}, but limit is {}",
                show(name, *max),
                show(name, l)
            )),
            Some(_) => {}
        }
    }
    for (name, ratio_millis) in &item.max_limit_request_ratio_millis {
        let (Some(l), Some(r)) = (limit(name), request(name)) else {
            continue;
        };
        if r == 0 {
            continue;
        }
        // limit / request > ratio, in integers: limit × 1000 > ratio_millis × request.
        if u128::from(l) * 1000 > u128::from(*ratio_millis) * u128::from(r) {
            let ratio = l as f64 / r as f64;
            problems.push(format!(
                "{name} max limit to request ratio per {scope} is {}, but provided ratio is \
                 {ratio:.6}",
                ResourceUnit::Millis.format(*ratio_millis)
            ));
        }
    }
}

/// Priority: a pod naming a PriorityClass gets its value and preemption policy; a pod naming
/// none gets the global default class, if there is one, else priority 0.
pub fn resolve_priority(store: &Store, pod: &mut Pod) -> Result<(), ApiError> {
    let class = if pod.spec.priority_class_name.is_empty() {
        let default = store
            .list::<PriorityClass>()
            .filter(|c| c.global_default)
            .min_by_key(|c| c.value);
        match default {
            Some(class) => class.clone(),
            None => return Ok(()),
        }
    } else {
        let key = crate::objects::ObjectKey::cluster(pod.spec.priority_class_name.clone());
        match store.get::<PriorityClass>(&key) {
            Some(class) => class.clone(),
            None => {
                return Err(ApiError::Forbidden {
                    kind: Kind::Pod,
                    name: pod.meta.name.clone(),
                    message: format!(
                        "no PriorityClass with name {} was found",
                        pod.spec.priority_class_name
                    ),
                })
            }
        }
    };
    if pod.spec.priority != 0 && pod.spec.priority != class.value {
        return Err(ApiError::Forbidden {
            kind: Kind::Pod,
            name: pod.meta.name.clone(),
            message: format!(
                "the integer value of priority ({}) must not be provided in pod spec; priority \
                 admission controller computed {} from the given PriorityClass name",
                pod.spec.priority, class.value
            ),
        });
    }
    pod.spec.priority = class.value;
    pod.spec.priority_class_name = class.meta.name.clone();
    pod.spec.preemption_policy = class.preemption_policy;
    Ok(())
}

/// The whole chain for a pod create, after the name is settled and the namespace checked.
pub fn admit_pod(pod: &mut Pod, store: &Store) -> Result<(), ApiError> {
    apply_limit_defaults(store, pod);
    check_limit_ranges(store, pod)?;
    resolve_priority(store, pod)?;
    add_default_tolerations(pod);
    if store
        .list_namespace::<ResourceQuota>(&pod.meta.namespace)
        .next()
        .is_none()
    {
        return Ok(());
    }
    let delta = pod_usage(pod);
    check_quota(
        store,
        Kind::Pod,
        &pod.meta.name,
        &pod.meta.namespace,
        &delta,
        Some(pod),
    )
}
