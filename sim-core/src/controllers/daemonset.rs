//! The DaemonSet controller (k8s-semantics §8.4), shaped like `pkg/controller/daemon`:
//!
//! * a node should run the daemon pod when the pod template's `nodeSelector` and required
//!   node affinity match it and the pod (with the automatic tolerations below) tolerates its
//!   NoSchedule and NoExecute taints (`NodeShouldRunDaemonPod`); a node whose untolerated
//!   taints are only NoSchedule keeps a pod it already runs. Cordoning changes nothing;
//! * pods are named `<ds>-<5 random characters>` (the store's seeded stream) and placed by
//!   the default scheduler through a required node affinity `matchFields metadata.name In
//!   [node]`, which replaces the template's required terms, as `ReplaceDaemonSetPodNodeName
//!   NodeAffinity` does;
//! * automatic tolerations (`AddOrUpdateDaemonPodTolerations`): `not-ready` and
//!   `unreachable` NoExecute without seconds; `disk-pressure`, `memory-pressure`,
//!   `pid-pressure` and `unschedulable` NoSchedule (`network-unavailable` only with
//!   `hostNetwork`, which kubesim does not model);
//! * RollingUpdate with maxSurge 0 (`rollingUpdate` in update.go): old pods that are not
//!   available are deleted at once, available ones while fewer than maxUnavailable nodes
//!   are unavailable; the replacement is created once the old pod is gone
//!   (`podsShouldBeOnNode` sees a node whose only pod is terminating as served). With
//!   maxSurge > 0 the new pod is created next to the old one, which is deleted once the new
//!   one is available. `OnDelete` replaces only pods deleted by hand;
//! * pods of nodes that were deleted are left to the pod garbage collector (bound pods) or
//!   deleted (pods never scheduled).

use std::collections::BTreeMap;

use crate::objects::{
    tolerated, Affinity, DaemonSet, DaemonSetStatus, DaemonSetUpdateStrategy, IntOrPercent, Kind,
    Node, NodeAffinity, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    ObjectMeta, ObjectRef, OwnerReference, Pod, PodConditionType, PodSpec, PodStatus, TaintEffect,
    Toleration, TolerationOperator, NODE_FIELD_NAME,
};
use crate::scheduler::plugins::node_affinity::pod_matches_node_selector_and_affinity;
use crate::store::{Change, DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::deployment::pod_template_hash;
use super::replicaset::owned_pods;
use super::statefulset::CONTROLLER_REVISION_HASH;
use super::{create_or_report, wake_owner_or_self, Action, Context, Controller, ReconcileError};

/// Pod label with the DaemonSet's generation when the pod was made
/// (`extensions.DaemonSetTemplateGenerationKey`).
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";

const SOURCE: &str = "daemonset-controller";

/// The automatic tolerations of daemon pods, (key, effect).
pub const DAEMON_TOLERATIONS: [(&str, TaintEffect); 6] = [
    ("node.kubernetes.io/not-ready", TaintEffect::NoExecute),
    ("node.kubernetes.io/unreachable", TaintEffect::NoExecute),
    ("node.kubernetes.io/disk-pressure", TaintEffect::NoSchedule),
    (
        "node.kubernetes.io/memory-pressure",
        TaintEffect::NoSchedule,
    ),
    ("node.kubernetes.io/pid-pressure", TaintEffect::NoSchedule),
    ("node.kubernetes.io/unschedulable", TaintEffect::NoSchedule),
];

/// The controller. Stateless: everything it needs is in the store.
#[derive(Debug, Default)]
pub struct DaemonSetController;

/// The template's pod spec with the automatic tolerations added (`CreatePodTemplate`).
pub fn daemon_pod_spec(template: &PodSpec) -> PodSpec {
    let mut spec = template.clone();
    for (key, effect) in DAEMON_TOLERATIONS {
        let toleration = Toleration {
            key: key.to_string(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(effect),
            toleration_seconds: None,
        };
        if !spec.tolerations.contains(&toleration) {
            spec.tolerations.push(toleration);
        }
    }
    spec
}

/// `NodeShouldRunDaemonPod`: (should run, should continue running).
pub fn node_should_run(spec: &PodSpec, node: &Node) -> (bool, bool) {
    if spec
        .node_name
        .as_deref()
        .is_some_and(|n| n != node.meta.name)
    {
        return (false, false);
    }
    if !pod_matches_node_selector_and_affinity(spec, &node.meta.labels, &node.meta.name) {
        return (false, false);
    }
    let untolerated = |effect: TaintEffect| {
        node.taints
            .iter()
            .any(|t| t.effect == effect && !tolerated(&spec.tolerations, t))
    };
    if untolerated(TaintEffect::NoExecute) {
        return (false, false);
    }
    if untolerated(TaintEffect::NoSchedule) {
        return (false, true);
    }
    (true, true)
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required terms become one `matchFields`
/// term naming the node; preferred terms stay.
fn pin_to_node(affinity: Option<Affinity>, node: &str) -> Option<Affinity> {
    let term = NodeSelectorTerm {
        match_expressions: Vec::new(),
        match_fields: vec![NodeSelectorRequirement {
            key: NODE_FIELD_NAME.to_string(),
            operator: NodeSelectorOperator::In,
            values: vec![node.to_string()],
        }],
    };
    let mut affinity = affinity.unwrap_or_default();
    let mut node_affinity: NodeAffinity = affinity.node_affinity.take().unwrap_or_default();
    node_affinity.required = Some(vec![term]);
    affinity.node_affinity = Some(node_affinity);
    Some(affinity)
}

/// The node a daemon pod is for: where it is bound, else the node its affinity pins.
fn target_node(pod: &Pod) -> Option<&str> {
    pod.spec.node_name.as_deref().or_else(|| {
        pod.spec
            .affinity
            .as_ref()?
            .node_affinity
            .as_ref()?
            .required
            .as_ref()?
            .iter()
            .find_map(NodeSelectorTerm::pinned_node)
    })
}

fn resolve(value: IntOrPercent, total: u32) -> u32 {
    value.resolve(total, true)
}

impl Controller for DaemonSetController {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::Node {
            // A node added, changed (labels, taints) or removed may change where every
            // daemon should run.
            wake.extend(
                store
                    .list::<DaemonSet>()
                    .map(|d| ObjectRef::new(Kind::DaemonSet, d.meta.key())),
            );
            return;
        }
        wake_owner_or_self(change, Kind::DaemonSet, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(ds) = ctx.store.get::<DaemonSet>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if ds.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let ds = ds.clone();
        let ds_ref = ObjectRef::new(Kind::DaemonSet, key.key.clone());
        let now = ctx.now;
        let min_ready = SimDuration::from_secs(u64::from(ds.min_ready_seconds));
        let hash = pod_template_hash(&ds.template);
        let spec = daemon_pod_spec(&ds.template.spec);
        let nodes: Vec<Node> = ctx.store.list::<Node>().cloned().collect();

        // `manage` (`podsShouldBeOnNode`): one pod on every node that should run one, none
        // elsewhere. A node whose pod is terminating gets its replacement once it is gone.
        let surge_allowed = matches!(
            ds.update_strategy,
            DaemonSetUpdateStrategy::RollingUpdate { max_surge, .. } if resolve(max_surge, 1) > 0
        );
        let mut creates: Vec<String> = Vec::new();
        let mut deletes: Vec<String> = Vec::new();
        {
            let by_node = pods_by_node(ctx.store, &ds);
            for node in &nodes {
                let (should_run, should_continue) = node_should_run(&spec, node);
                let pods: &[&Pod] = by_node
                    .get(node.meta.name.as_str())
                    .map_or(&[], Vec::as_slice);
                if should_run && pods.is_empty() {
                    creates.push(node.meta.name.clone());
                } else if should_continue {
                    let mut running: Vec<&Pod> = Vec::new();
                    for pod in pods {
                        if pod.meta.deletion_timestamp.is_some() {
                            continue;
                        }
                        if pod.status.phase.is_terminal() {
                            deletes.push(pod.meta.name.clone());
                        } else {
                            running.push(pod);
                        }
                    }
                    running.sort_by(|a, b| oldest_first(a, b));
                    if !surge_allowed {
                        // More than one: all but the oldest go.
                        deletes.extend(running.iter().skip(1).map(|p| p.meta.name.clone()));
                    } else if running.is_empty() {
                        if should_run {
                            creates.push(node.meta.name.clone());
                        }
                    } else if running.len() > 1 {
                        deletes.extend(settle_surge(&running, &hash, min_ready, now));
                    }
                } else {
                    deletes.extend(
                        pods.iter()
                            .filter(|p| p.meta.deletion_timestamp.is_none())
                            .map(|p| p.meta.name.clone()),
                    );
                }
            }
            // Pods never scheduled whose node is gone (the pod garbage collector only
            // collects bound pods).
            for (node, pods) in &by_node {
                if !nodes.iter().any(|n| n.meta.name == *node) {
                    deletes.extend(
                        pods.iter()
                            .filter(|p| {
                                p.spec.node_name.is_none() && p.meta.deletion_timestamp.is_none()
                            })
                            .map(|p| p.meta.name.clone()),
                    );
                }
            }
        }
        if let DaemonSetUpdateStrategy::RollingUpdate {
            max_unavailable,
            max_surge,
        } = ds.update_strategy
        {
            let desired = nodes.iter().filter(|n| node_should_run(&spec, n).0).count();
            let desired = u32::try_from(desired).unwrap_or(u32::MAX);
            let (old_to_delete, new_nodes) = rolling_update(
                ctx.store,
                &ds,
                &hash,
                &nodes,
                &spec,
                RollingLimits {
                    max_unavailable: resolve(max_unavailable, desired),
                    max_surge: resolve(max_surge, desired),
                    desired,
                },
                min_ready,
                now,
            );
            for name in old_to_delete {
                if !deletes.contains(&name) {
                    deletes.push(name);
                }
            }
            for node in new_nodes {
                if !creates.contains(&node) {
                    creates.push(node);
                }
            }
        }

        for node in creates {
            let pod = new_pod(&ds, &hash, &node);
            let pod_key = create_or_report(ctx.store, pod, &ds_ref, SOURCE, |error| {
                format!("Error creating: {error}")
            })?;
            ctx.store.event(
                ds_ref.clone(),
                EventType::Normal,
                "SuccessfulCreate",
                format!("Created pod: {}", pod_key.name),
                SOURCE,
            );
        }
        for name in deletes {
            let pod_key = crate::objects::ObjectKey::new(ds.meta.namespace.clone(), name.clone());
            if ctx.store.get::<Pod>(&pod_key).is_none() {
                continue;
            }
            ctx.store.delete_pod(&pod_key, DeleteOptions::default())?;
            ctx.store.event(
                ds_ref.clone(),
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {name}"),
                SOURCE,
            );
        }

        // `updateDaemonSetStatus`.
        let mut status = DaemonSetStatus {
            observed_generation: ds.meta.generation,
            ..DaemonSetStatus::default()
        };
        let mut next_available: Option<SimTime> = None;
        let by_node = pods_by_node(ctx.store, &ds);
        for node in &nodes {
            let (should_run, _) = node_should_run(&spec, node);
            let mut pods: Vec<&Pod> = by_node
                .get(node.meta.name.as_str())
                .cloned()
                .unwrap_or_default();
            pods.sort_by(|a, b| oldest_first(a, b));
            let scheduled = !pods.is_empty();
            if should_run {
                status.desired_number_scheduled += 1;
                if let Some(pod) = pods.first() {
                    status.current_number_scheduled += 1;
                    if pod.is_ready() {
                        status.number_ready += 1;
                        if pod.is_available(min_ready, now) {
                            status.number_available += 1;
                        } else if let Some(c) = pod.status.condition(PodConditionType::Ready) {
                            let at = c.last_transition_time + min_ready;
                            next_available = Some(next_available.map_or(at, |t| t.min(at)));
                        }
                    }
                    if is_updated(pod, &hash) {
                        status.updated_number_scheduled += 1;
                    }
                }
            } else if scheduled {
                status.number_misscheduled += 1;
            }
        }
        status.number_unavailable = status
            .desired_number_scheduled
            .saturating_sub(status.number_available);
        if ctx.store.get::<DaemonSet>(&key.key).map(|d| &d.status) != Some(&status) {
            ctx.store
                .modify::<DaemonSet, _>(&key.key, false, |d| d.status = status)?;
        }
        Ok(match next_available {
            Some(at) => Action::RequeueAfter(at.saturating_since(now)),
            None => Action::AwaitChange,
        })
    }
}

fn is_updated(pod: &Pod, hash: &str) -> bool {
    pod.meta
        .labels
        .get(CONTROLLER_REVISION_HASH)
        .map(String::as_str)
        == Some(hash)
}

/// The DaemonSet's pods by target node (`getNodesToDaemonPods`), leaving out terminal pods
/// being deleted.
fn pods_by_node<'a>(store: &'a Store, ds: &'a DaemonSet) -> BTreeMap<&'a str, Vec<&'a Pod>> {
    let mut by_node: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    for pod in owned_pods(store, &ds.meta) {
        if pod.status.phase.is_terminal() && pod.meta.deletion_timestamp.is_some() {
            continue;
        }
        if let Some(node) = target_node(pod) {
            by_node.entry(node).or_default().push(pod);
        }
    }
    by_node
}

struct RollingLimits {
    max_unavailable: u32,
    max_surge: u32,
    desired: u32,
}

/// `podByCreationTimestampAndPhase`: scheduled pods first, then the oldest, then by name.
fn oldest_first(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    let unscheduled = |p: &Pod| p.spec.node_name.is_none();
    unscheduled(a)
        .cmp(&unscheduled(b))
        .then(a.meta.creation_timestamp.cmp(&b.meta.creation_timestamp))
        .then_with(|| a.meta.name.cmp(&b.meta.name))
}

/// With surge, two running pods on a node (`running`, oldest first) are allowed only while
/// the oldest new one is not available and the oldest old one is Ready; returns the pods to
/// delete.
fn settle_surge(running: &[&Pod], hash: &str, min_ready: SimDuration, now: SimTime) -> Vec<String> {
    let mut deletes = Vec::new();
    let (mut oldest_new, mut oldest_old): (Option<&Pod>, Option<&Pod>) = (None, None);
    for pod in running {
        let slot = if is_updated(pod, hash) {
            &mut oldest_new
        } else {
            &mut oldest_old
        };
        if slot.is_none() {
            *slot = Some(pod);
        } else {
            deletes.push(pod.meta.name.clone());
        }
    }
    if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
        if !old.is_ready() || new.is_available(min_ready, now) {
            deletes.push(old.meta.name.clone());
        }
    }
    deletes
}

/// `findUpdatedPodsOnNode`: the node's new and old pod, ignoring terminating ones; `None`
/// when it has more than one of either.
fn find_updated_pods<'a>(
    pods: &[&'a Pod],
    hash: &str,
) -> Option<(Option<&'a Pod>, Option<&'a Pod>)> {
    let (mut new, mut old) = (None, None);
    for pod in pods.iter().filter(|p| p.meta.deletion_timestamp.is_none()) {
        let slot = if is_updated(pod, hash) {
            &mut new
        } else {
            &mut old
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(*pod);
    }
    Some((new, old))
}

/// `rollingUpdate` (update.go): old pods to delete, and nodes that get a new pod next to
/// their old one (surge). Nodes are visited in name order (Kubernetes walks a map).
#[allow(clippy::too_many_arguments)]
fn rolling_update(
    store: &Store,
    ds: &DaemonSet,
    hash: &str,
    nodes: &[Node],
    spec: &PodSpec,
    limits: RollingLimits,
    min_ready: SimDuration,
    now: SimTime,
) -> (Vec<String>, Vec<String>) {
    // `updatedDesiredNodeCounts`: every node that should run the daemon counts, with or
    // without pods; both limits 0 means maxUnavailable 1.
    let mut by_node = pods_by_node(store, ds);
    for node in nodes.iter().filter(|n| node_should_run(spec, n).0) {
        by_node.entry(node.meta.name.as_str()).or_default();
    }
    let mut max_unavailable = limits.max_unavailable;
    if limits.desired > 0 && max_unavailable == 0 && limits.max_surge == 0 {
        max_unavailable = 1;
    }
    let available = |p: &Pod| p.is_available(min_ready, now);
    if limits.max_surge == 0 {
        let mut num_unavailable = 0u32;
        let mut replace: Vec<String> = Vec::new();
        let mut candidates: Vec<String> = Vec::new();
        for pods in by_node.values() {
            let Some((new, old)) = find_updated_pods(pods, hash) else {
                num_unavailable += 1;
                continue;
            };
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => num_unavailable += 1,
                (Some(new), None) => {
                    if !available(new) {
                        num_unavailable += 1;
                    }
                }
                (None, Some(old)) => {
                    if !available(old) {
                        replace.push(old.meta.name.clone());
                    } else if num_unavailable < max_unavailable {
                        candidates.push(old.meta.name.clone());
                    }
                }
            }
        }
        let remaining = max_unavailable.saturating_sub(num_unavailable) as usize;
        replace.extend(candidates.into_iter().take(remaining));
        return (replace, Vec::new());
    }
    let mut num_surge = 0u32;
    let mut old_to_delete: Vec<String> = Vec::new();
    let mut allowed: Vec<String> = Vec::new();
    let mut candidates: Vec<String> = Vec::new();
    for (node, pods) in &by_node {
        let Some((new, old)) = find_updated_pods(pods, hash) else {
            num_surge += 1;
            continue;
        };
        match (new, old) {
            (_, None) => {}
            (None, Some(old)) => {
                if !available(old) {
                    allowed.push((*node).to_string());
                } else if num_surge < limits.max_surge {
                    candidates.push((*node).to_string());
                }
            }
            (Some(new), Some(old)) => {
                if available(new) {
                    old_to_delete.push(old.meta.name.clone());
                } else {
                    num_surge += 1;
                }
            }
        }
    }
    let remaining = limits.max_surge.saturating_sub(num_surge) as usize;
    allowed.extend(candidates.into_iter().take(remaining));
    (old_to_delete, allowed)
}

fn new_pod(ds: &DaemonSet, hash: &str, node: &str) -> Pod {
    let mut labels = ds.template.labels.clone();
    labels.insert(CONTROLLER_REVISION_HASH.to_string(), hash.to_string());
    labels.insert(
        POD_TEMPLATE_GENERATION.to_string(),
        ds.meta.generation.to_string(),
    );
    let mut spec = daemon_pod_spec(&ds.template.spec);
    spec.affinity = pin_to_node(spec.affinity.take(), node);
    Pod {
        meta: ObjectMeta {
            generate_name: format!("{}-", ds.meta.name),
            namespace: ds.meta.namespace.clone(),
            labels,
            annotations: ds.template.annotations.clone(),
            owner_references: vec![OwnerReference {
                kind: Kind::DaemonSet,
                name: ds.meta.name.clone(),
                uid: ds.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        spec,
        status: PodStatus::default(),
    }
}
