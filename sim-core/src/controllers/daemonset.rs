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
//!   available are replaced at once, available ones while fewer than maxUnavailable nodes
//!   are unavailable; the replacement is created as soon as the old pod is terminating.
//!   With maxSurge > 0 the new pod is created first and the old one deleted once the new one
//!   is available. `OnDelete` replaces only pods deleted by hand;
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
use super::{wake_owner_or_self, Action, Context, Controller, ReconcileError};

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

        // `manage`: one pod on every node that should run one, none elsewhere.
        let mut creates: Vec<String> = Vec::new();
        let mut deletes: Vec<String> = Vec::new();
        {
            let by_node = pods_by_node(ctx.store, &ds);
            for node in &nodes {
                let (should_run, should_continue) = node_should_run(&spec, node);
                let pods = by_node.get(node.meta.name.as_str());
                let pods: &[&Pod] = pods.map_or(&[], Vec::as_slice);
                if should_run {
                    let mut running: Vec<&Pod> = Vec::new();
                    for pod in pods {
                        if pod.meta.deletion_timestamp.is_some() {
                            continue;
                        }
                        if pod.status.phase.is_terminal() {
                            deletes.push(pod.meta.name.clone());
                            continue;
                        }
                        running.push(pod);
                    }
                    if running.is_empty() {
                        creates.push(node.meta.name.clone());
                    } else if running.len() > 1 {
                        // Keep the oldest (the surge of a rolling update is settled below).
                        running.sort_by_key(|p| (p.meta.creation_timestamp, p.meta.uid));
                        let surge = matches!(
                            ds.update_strategy,
                            DaemonSetUpdateStrategy::RollingUpdate { max_surge, .. }
                                if resolve(max_surge, 1) > 0
                        );
                        if !surge {
                            deletes.extend(running[1..].iter().map(|p| p.meta.name.clone()));
                        }
                    }
                } else if !should_continue {
                    deletes.extend(
                        pods.iter()
                            .filter(|p| p.meta.deletion_timestamp.is_none())
                            .map(|p| p.meta.name.clone()),
                    );
                }
            }
            // Pods never scheduled whose node is gone.
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
            let (unavailable, surge) = rolling_update(
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
            for name in unavailable {
                if !deletes.contains(&name) {
                    deletes.push(name);
                }
            }
            creates.extend(surge);
        }

        for node in creates {
            let pod = new_pod(&ds, &hash, &node);
            let pod_key = ctx.store.create(pod)?;
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
            pods.sort_by_key(|p| (p.meta.creation_timestamp, p.meta.uid));
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
                    if pods.iter().any(|p| is_updated(p, &hash)) {
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

/// The DaemonSet's active (non-terminal or not yet collected) pods, by target node.
fn pods_by_node<'a>(store: &'a Store, ds: &'a DaemonSet) -> BTreeMap<&'a str, Vec<&'a Pod>> {
    let mut by_node: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    for pod in owned_pods(store, &ds.meta) {
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

/// `rollingUpdate`: old pods to delete, and nodes that get a surge pod.
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
    let mut max_unavailable = limits.max_unavailable;
    if limits.desired > 0 && max_unavailable == 0 && limits.max_surge == 0 {
        max_unavailable = 1;
    }
    let by_node = pods_by_node(store, ds);
    let mut num_unavailable = 0u32;
    let mut replace_now: Vec<String> = Vec::new();
    let mut candidates: Vec<String> = Vec::new();
    let mut surge_nodes: Vec<String> = Vec::new();
    let mut to_delete_after_surge: Vec<String> = Vec::new();
    for node in nodes {
        if !node_should_run(spec, node).0 {
            continue;
        }
        let pods: Vec<&Pod> = by_node
            .get(node.meta.name.as_str())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|p| {
                        p.meta.deletion_timestamp.is_none() && !p.status.phase.is_terminal()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let new_pod = pods.iter().find(|p| is_updated(p, hash));
        let old_pod = pods.iter().find(|p| !is_updated(p, hash));
        let available = |p: &Pod| p.is_available(min_ready, now);
        match (old_pod, new_pod) {
            (None, None) => num_unavailable += 1,
            (Some(old), Some(new)) => {
                if limits.max_surge > 0 && available(new) {
                    to_delete_after_surge.push(old.meta.name.clone());
                } else {
                    num_unavailable += 1;
                }
            }
            (None, Some(new)) => {
                if !available(new) {
                    num_unavailable += 1;
                }
            }
            (Some(old), None) => {
                if !available(old) {
                    replace_now.push(old.meta.name.clone());
                } else if limits.max_surge > 0 {
                    candidates.push(node.meta.name.clone());
                } else if num_unavailable < max_unavailable {
                    candidates.push(old.meta.name.clone());
                }
            }
        }
    }
    if limits.max_surge == 0 {
        let remaining = max_unavailable.saturating_sub(num_unavailable) as usize;
        let take = remaining.min(candidates.len());
        replace_now.extend(candidates.into_iter().take(take));
        return (replace_now, Vec::new());
    }
    // Surge: a new pod next to the old one, up to maxSurge at a time.
    let surging = by_node
        .values()
        .filter(|pods| {
            pods.iter().any(|p| is_updated(p, hash)) && pods.iter().any(|p| !is_updated(p, hash))
        })
        .count();
    let room = (limits.max_surge as usize).saturating_sub(surging);
    surge_nodes.extend(candidates.into_iter().take(room));
    replace_now.extend(to_delete_after_surge);
    (replace_now, surge_nodes)
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
