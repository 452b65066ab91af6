//! The simulation's side of failure injection: node failures and recoveries (scenario
//! events and chaos), container kills, chaos pod kills.
//!
//! A failed node's kubelet stops heartbeating: the Node's [`crate::objects::NodeHealth`]
//! records when (no timeline record: nothing in the API changes until the node lifecycle
//! controller notices, k8s-semantics §7.2), and the kubelet model stops reporting
//! (`kubelet/outage.rs`). A recovery is the kubelet's first status post: Ready=True, then
//! the kubelet reconciles its pods.

use crate::controllers::node_lifecycle::ZONE_LABEL as LABEL_ZONE;
use crate::failures::{Chaos, ChaosConfig, ChaosEvent, NodeTarget};
use crate::objects::{ConditionStatus, Kind, Node, NodeFailureMode, ObjectKey, ObjectRef, Pod};
use crate::rng::{RngStreams, Stream};
use crate::store::DeleteOptions;
use crate::time::SimTime;
use crate::timeline::EventType;

use super::{ScenarioAction, SimError, SimEvent, Simulation};

/// How the timeline names what happened to a node.
fn failure_message(name: &str, mode: NodeFailureMode) -> String {
    match mode {
        NodeFailureMode::Crash => format!(
            "node {name} crashed: its containers stopped and its kubelet no longer posts status"
        ),
        NodeFailureMode::KubeletStop => format!(
            "the kubelet of node {name} stopped: its containers keep running, nothing is reported"
        ),
        NodeFailureMode::Partition => format!(
            "node {name} lost the control plane (network partition): its containers keep running, its heartbeats do not arrive"
        ),
    }
}

/// The one-line description of a failure action (the scenario record of the event).
pub(super) fn describe(action: &ScenarioAction) -> String {
    let target = |t: &NodeTarget| match t {
        NodeTarget::Names(names) => names.join(", "),
        NodeTarget::Zone(zone) => format!("zone {zone}"),
    };
    match action {
        ScenarioAction::FailNodes { target: t, mode } => {
            format!("{} {} ({})", action.reason(), target(t), mode.as_str())
        }
        ScenarioAction::RecoverNodes { target: t } => format!("recoverNode {}", target(t)),
        ScenarioAction::KillContainer { pod, container } => {
            format!("kill container {container} of pod {pod} (exit code 137)")
        }
        _ => String::new(),
    }
}

impl Simulation {
    /// Turns on seeded random failures; call before running. Each node's first failure and
    /// each pod-kill rule's first kill are drawn now, the rest as they happen.
    pub fn set_chaos(&mut self, config: ChaosConfig) -> Result<(), SimError> {
        let rng = RngStreams::new(self.config.seed).stream(Stream::Failures);
        let mut chaos = Chaos::new(config, rng);
        let now = self.queue.now();
        let mut first = Vec::new();
        for (rule, r) in chaos.config.node_failures.clone().iter().enumerate() {
            for node in &r.nodes {
                let at = now + chaos.exponential(r.mtbf);
                first.push((
                    at,
                    ChaosEvent::NodeFails {
                        rule,
                        node: node.clone(),
                    },
                ));
            }
        }
        for (rule, r) in chaos.config.pod_kills.clone().iter().enumerate() {
            let at = now + chaos.exponential(r.mean_interval);
            first.push((at, ChaosEvent::PodKill { rule }));
        }
        for (at, event) in first {
            self.queue.schedule(at, (SimEvent::Chaos(event), None))?;
        }
        self.chaos = (!chaos.config.is_empty()).then_some(chaos);
        Ok(())
    }

    fn nodes_of(&self, target: &NodeTarget) -> Vec<String> {
        match target {
            NodeTarget::Names(names) => names.clone(),
            NodeTarget::Zone(zone) => self
                .store
                .list::<Node>()
                .filter(|n| n.meta.labels.get(LABEL_ZONE) == Some(zone))
                .map(|n| n.meta.name.clone())
                .collect(),
        }
    }

    pub(super) fn run_failure_action(
        &mut self,
        action: ScenarioAction,
        at: SimTime,
    ) -> Result<(), SimError> {
        let reason = action.reason();
        match &action {
            ScenarioAction::FailNodes { target, mode } => {
                let nodes = self.nodes_of(target);
                if nodes.is_empty() {
                    self.note_nothing(&action, target);
                }
                for name in nodes {
                    self.fail_node(&name, *mode, reason, "scenario", at)?;
                }
                Ok(())
            }
            ScenarioAction::RecoverNodes { target } => {
                let nodes = self.nodes_of(target);
                if nodes.is_empty() {
                    self.note_nothing(&action, target);
                }
                for name in nodes {
                    self.recover_node(&name, "scenario", at)?;
                }
                Ok(())
            }
            ScenarioAction::KillContainer { pod, container } => {
                self.store.set_cause(None);
                let pod_ref = ObjectRef::new(Kind::Pod, pod.clone());
                let record = self.store.event(
                    pod_ref.clone(),
                    EventType::Normal,
                    reason,
                    describe(&action),
                    "scenario",
                );
                self.store.set_cause(Some(record));
                let uid = self.store.get::<Pod>(pod).map(|p| p.meta.uid);
                // A crashed machine runs no containers: there is nothing to kill (its
                // kubelet's bookkeeping still lists them until the reboot).
                let crashed = self
                    .store
                    .get::<Pod>(pod)
                    .and_then(|p| p.spec.node_name.as_ref())
                    .and_then(|n| self.store.get::<Node>(&ObjectKey::cluster(n.clone())))
                    .is_some_and(|n| matches!(n.health.stopped, Some((_, NodeFailureMode::Crash))));
                let mut timers = Vec::new();
                let mark = self.store.timeline().len();
                let killed = match uid {
                    _ if crashed => false,
                    Some(uid) => self
                        .kubelets
                        .kill_container(uid, container, &mut self.store, &mut timers)
                        .map_err(|error| SimError::Kubelet { at, error })?,
                    None => false,
                };
                if !killed {
                    self.store.event(
                        pod_ref,
                        EventType::Warning,
                        reason,
                        format!("pod {pod} has no running container {container:?}: nothing killed"),
                        "scenario",
                    );
                }
                self.apply_timers(timers, mark)
            }
            _ => Ok(()),
        }
    }

    fn note_nothing(&mut self, action: &ScenarioAction, target: &NodeTarget) {
        let name = match target {
            NodeTarget::Names(_) => "-".to_string(),
            NodeTarget::Zone(zone) => format!("zone/{zone}"),
        };
        self.store.set_cause(None);
        self.store.event(
            ObjectRef::new(Kind::Node, ObjectKey::cluster(name)),
            EventType::Warning,
            action.reason(),
            format!("{}: no such nodes", describe(action)),
            "scenario",
        );
    }

    /// Node `name`'s kubelet stops heartbeating at `at`; returns whether it was posting.
    fn fail_node(
        &mut self,
        name: &str,
        mode: NodeFailureMode,
        reason: &str,
        source: &str,
        at: SimTime,
    ) -> Result<bool, SimError> {
        let key = ObjectKey::cluster(name);
        if self
            .store
            .get::<Node>(&key)
            .is_none_or(|n| !n.health.posting())
        {
            return Ok(false);
        }
        self.store.set_cause(None);
        let record = self.store.event(
            ObjectRef::new(Kind::Node, key.clone()),
            EventType::Warning,
            reason,
            failure_message(name, mode),
            source,
        );
        self.store.set_cause(Some(record));
        self.store
            .modify::<Node, _>(&key, false, |n| n.health.stopped = Some((at, mode)))
            .map_err(|error| SimError::Action { at, error })?;
        self.kubelets.node_down(name, mode, at);
        Ok(true)
    }

    /// Node `name`'s kubelet posts status again at `at`; returns whether it was down.
    fn recover_node(&mut self, name: &str, source: &str, at: SimTime) -> Result<bool, SimError> {
        let key = ObjectKey::cluster(name);
        if self
            .store
            .get::<Node>(&key)
            .is_none_or(|n| n.health.posting())
        {
            return Ok(false);
        }
        self.store.set_cause(None);
        let record = self.store.event(
            ObjectRef::new(Kind::Node, key.clone()),
            EventType::Normal,
            "RecoverNode",
            format!("node {name} is back: its kubelet posts status again"),
            source,
        );
        self.store.set_cause(Some(record));
        self.store
            .modify::<Node, _>(&key, false, |n| {
                n.health.stopped = None;
                n.health.heartbeat_origin = at;
                if n.ready != ConditionStatus::True {
                    n.ready = ConditionStatus::True;
                    n.health.last_transition_time = at;
                }
            })
            .map_err(|error| SimError::Action { at, error })?;
        let mut timers = Vec::new();
        let mark = self.store.timeline().len();
        self.kubelets
            .node_up(name, &mut self.store, &mut timers)
            .map_err(|error| SimError::Kubelet { at, error })?;
        self.apply_timers(timers, mark)?;
        Ok(true)
    }

    pub(super) fn run_chaos(&mut self, event: ChaosEvent, at: SimTime) -> Result<(), SimError> {
        let Some(chaos) = self.chaos.as_mut() else {
            return Ok(());
        };
        match event {
            ChaosEvent::NodeFails { rule, node } => {
                let Some(r) = chaos.config.node_failures.get(rule).cloned() else {
                    return Ok(());
                };
                if self
                    .store
                    .get::<Node>(&ObjectKey::cluster(node.as_str()))
                    .is_none()
                {
                    // The node is gone: its failures end with it.
                    return Ok(());
                }
                let failed = self.fail_node(&node, r.mode, "FailNode", "chaos", at)?;
                let Some(chaos) = self.chaos.as_mut() else {
                    return Ok(());
                };
                let next = if failed {
                    (
                        at + chaos.exponential(r.mttr),
                        ChaosEvent::NodeRecovers { rule, node },
                    )
                } else {
                    // Down already (another failure): try again later.
                    (
                        at + chaos.exponential(r.mtbf),
                        ChaosEvent::NodeFails { rule, node },
                    )
                };
                self.queue
                    .schedule(next.0, (SimEvent::Chaos(next.1), None))?;
            }
            ChaosEvent::NodeRecovers { rule, node } => {
                let Some(r) = chaos.config.node_failures.get(rule).cloned() else {
                    return Ok(());
                };
                if self
                    .store
                    .get::<Node>(&ObjectKey::cluster(node.as_str()))
                    .is_none()
                {
                    return Ok(());
                }
                self.recover_node(&node, "chaos", at)?;
                let Some(chaos) = self.chaos.as_mut() else {
                    return Ok(());
                };
                let next = at + chaos.exponential(r.mtbf);
                self.queue.schedule(
                    next,
                    (SimEvent::Chaos(ChaosEvent::NodeFails { rule, node }), None),
                )?;
            }
            ChaosEvent::PodKill { rule } => {
                let Some(r) = chaos.config.pod_kills.get(rule).cloned() else {
                    return Ok(());
                };
                let candidates: Vec<ObjectKey> = self
                    .store
                    .list_namespace::<Pod>(&r.namespace)
                    .filter(|p| {
                        r.selector.matches(&p.meta.labels)
                            && p.spec.node_name.is_some()
                            && p.is_active()
                    })
                    .map(|p| p.meta.key())
                    .collect();
                let victim = (!candidates.is_empty())
                    .then(|| candidates[chaos.pick(candidates.len())].clone());
                let next = at + chaos.exponential(r.mean_interval);
                self.queue
                    .schedule(next, (SimEvent::Chaos(ChaosEvent::PodKill { rule }), None))?;
                if let Some(key) = victim {
                    self.store.set_cause(None);
                    let record = self.store.event(
                        ObjectRef::new(Kind::Pod, key.clone()),
                        EventType::Normal,
                        "PodKill",
                        format!("chaos: kubectl delete pod {key}"),
                        "chaos",
                    );
                    self.store.set_cause(Some(record));
                    self.store
                        .delete_pod(
                            &key,
                            DeleteOptions {
                                grace_period_seconds: r.grace_period_seconds,
                            },
                        )
                        .map_err(|error| SimError::Action { at, error })?;
                }
            }
        }
        Ok(())
    }
}
