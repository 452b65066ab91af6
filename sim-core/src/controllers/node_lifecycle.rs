//! The node lifecycle controller (k8s-semantics §6.6, §7.1–7.3).
//!
//! * `TaintNodesByCondition` for cordon: a node with `spec.unschedulable` gets the taint
//!   `node.kubernetes.io/unschedulable:NoSchedule`, removed again on uncordon.
//! * Node health (`monitorNodeHealth`, every 5 s from t=0): when a node's kubelet has not
//!   heartbeated for the 50 s grace period, its Ready, MemoryPressure, DiskPressure and
//!   PIDPressure conditions become Unknown (`NodeStatusUnknown`), it gets
//!   `node.kubernetes.io/unreachable:NoSchedule`, the `NodeNotReady` event, and its pods are
//!   marked Ready=False (`MarkPodsNotReady`, so they leave Service endpoints). At the next
//!   pass the node joins its zone's NoExecute taint queue.
//! * The zone taint queues (`doNoExecuteTaintingPass`): a token bucket per zone with burst
//!   1 at 0.1 node/s; zone states Normal / PartialDisruption / FullDisruption
//!   (`handleDisruption`) change the rate, and when every zone is fully disrupted all
//!   NoExecute taints are removed and nothing is tainted until a node is Ready again.
//! * When the kubelet posts Ready again the NoSchedule taint goes at once and the NoExecute
//!   taint at the next pass (`markNodeAsReachable`).
//!
//! Nothing here polls: the heartbeat the control plane last saw is computed from the node's
//! renewal grid ([`crate::objects::NodeHealth`]), so the controller wakes only at the monitor
//! tick where something changes, and a healthy cluster costs no events at all.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{
    next_monitor_tick, ConditionStatus, Kind, Node, ObjectKey, ObjectRef, Pod, PodConditionType,
    Taint, TaintEffect, NODE_MONITOR_GRACE_PERIOD, NODE_MONITOR_PERIOD, NOT_READY_TAINT,
    UNREACHABLE_TAINT,
};
use crate::store::{Change, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::{Action, Context, Controller, ReconcileError};

/// The taint that mirrors `spec.unschedulable`.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// `--node-eviction-rate` (0.1 node/s): one NoExecute taint per zone every 10 s.
pub const EVICTION_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `--secondary-node-eviction-rate` (0.01 node/s), for a partially disrupted zone of a
/// large cluster.
pub const SECONDARY_EVICTION_INTERVAL: SimDuration = SimDuration::from_secs(100);
/// `--unhealthy-zone-threshold` (55 %), in percent.
pub const UNHEALTHY_ZONE_THRESHOLD_PERCENT: u64 = 55;
/// `--large-cluster-size-threshold`: at or below this many nodes a partially disrupted
/// zone is not tainted at all.
pub const LARGE_CLUSTER_SIZE_THRESHOLD: usize = 50;
/// A node with this label is left out of the zone states.
pub const EXCLUDE_DISRUPTION_LABEL: &str = "node.kubernetes.io/exclude-disruption";
/// The zone label.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// The event source.
pub const SOURCE: &str = "node-controller";

/// A zone's state (`ComputeZoneState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ZoneState {
    /// Not computed yet.
    Initial,
    /// Fewer than 55 % (or at most 2) of its nodes are not Ready.
    Normal,
    /// At least 55 % and more than 2 of its nodes are not Ready.
    PartialDisruption,
    /// None of its nodes is Ready.
    FullDisruption,
}

impl ZoneState {
    /// The controller's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Initial => "Initial",
            ZoneState::Normal => "Normal",
            ZoneState::PartialDisruption => "PartialDisruption",
            ZoneState::FullDisruption => "FullDisruption",
        }
    }
}

/// One zone's NoExecute taint queue and its token bucket (burst 1).
#[derive(Debug, Clone)]
struct Zone {
    state: ZoneState,
    /// Time between tokens; `None` never gives one (rate 0).
    interval: Option<SimDuration>,
    /// When the bucket holds a token again.
    next_token: SimTime,
    /// Nodes waiting for their NoExecute taint, first in first out.
    queue: Vec<String>,
}

impl Zone {
    fn new(now: SimTime) -> Zone {
        Zone {
            state: ZoneState::Initial,
            interval: Some(EVICTION_INTERVAL),
            next_token: now,
            queue: Vec::new(),
        }
    }

    /// `SwapLimiter`: a new bucket at the new rate, drained if the old one was empty.
    fn swap_limiter(&mut self, interval: Option<SimDuration>, now: SimTime) {
        if interval == self.interval {
            return;
        }
        let old_had_token = self.interval.is_some() && self.next_token <= now;
        self.interval = interval;
        self.next_token = match interval {
            Some(i) if !old_had_token => now + i,
            _ => now,
        };
    }
}

/// The controller. Keeps the zones' taint queues and the nodes it last saw not Ready.
#[derive(Debug, Default)]
pub struct NodeLifecycleController {
    zones: BTreeMap<String, Zone>,
    not_ready: BTreeSet<String>,
}

/// The zone of a node, as `GetZoneKey` groups them (empty without a zone label).
pub fn zone_of(node: &Node) -> String {
    node.meta
        .labels
        .get(ZONE_LABEL)
        .cloned()
        .unwrap_or_default()
}

fn has_taint(node: &Node, key: &str, effect: TaintEffect) -> bool {
    node.taints
        .iter()
        .any(|t| t.key == key && t.effect == effect)
}

fn condition_taint(node: &Node, effect: TaintEffect) -> bool {
    has_taint(node, UNREACHABLE_TAINT, effect) || has_taint(node, NOT_READY_TAINT, effect)
}

impl NodeLifecycleController {
    /// The state the controller last computed for `zone`.
    pub fn zone_state(&self, zone: &str) -> Option<ZoneState> {
        self.zones.get(zone).map(|z| z.state)
    }

    fn queued(&self, node: &Node) -> bool {
        self.zones
            .get(&zone_of(node))
            .is_some_and(|z| z.queue.contains(&node.meta.name))
    }

    fn dequeue(&mut self, name: &str) {
        for zone in self.zones.values_mut() {
            zone.queue.retain(|n| n != name);
        }
    }

    /// `markNodeAsReachable`: removes the NoExecute condition taints and the queue entry.
    fn mark_reachable(&mut self, store: &mut Store, name: &str) -> Result<(), ReconcileError> {
        self.dequeue(name);
        let key = ObjectKey::cluster(name);
        let Some(node) = store.get::<Node>(&key) else {
            return Ok(());
        };
        if !condition_taint(node, TaintEffect::NoExecute) {
            return Ok(());
        }
        store.modify::<Node, _>(&key, false, |n| {
            n.taints.retain(|t| {
                !(t.effect == TaintEffect::NoExecute
                    && (t.key == UNREACHABLE_TAINT || t.key == NOT_READY_TAINT))
            });
            n.health
                .taints_added
                .retain(|(_, effect, _)| *effect != TaintEffect::NoExecute);
        })?;
        Ok(())
    }

    /// One node's part of `monitorNodeHealth`; returns when it needs looking at again.
    fn monitor(
        &mut self,
        name: &str,
        ctx: &mut Context<'_>,
    ) -> Result<Option<SimTime>, ReconcileError> {
        let now = ctx.now;
        let key = ObjectKey::cluster(name);
        let Some(node) = ctx.store.get::<Node>(&key) else {
            self.not_ready.remove(name);
            self.dequeue(name);
            return Ok(None);
        };
        if node.health.posting() {
            if node.ready == ConditionStatus::True {
                self.not_ready.remove(name);
            }
            if condition_taint(node, TaintEffect::NoSchedule) && node.ready == ConditionStatus::True
            {
                // TaintNodesByCondition follows the Ready condition at once.
                ctx.store.modify::<Node, _>(&key, false, |n| {
                    n.taints.retain(|t| {
                        !(t.effect == TaintEffect::NoSchedule
                            && (t.key == UNREACHABLE_TAINT || t.key == NOT_READY_TAINT))
                    });
                })?;
            }
            let Some(node) = ctx.store.get::<Node>(&key) else {
                return Ok(None);
            };
            if condition_taint(node, TaintEffect::NoExecute) || self.queued(node) {
                // The next pass observes Ready=True and marks the node reachable.
                let tick = next_monitor_tick(now);
                if tick > now {
                    return Ok(Some(tick));
                }
                self.mark_reachable(ctx.store, name)?;
            }
            return Ok(None);
        }
        let heartbeat = node.last_heartbeat(now);
        if node.ready != ConditionStatus::Unknown {
            let due = next_monitor_tick(heartbeat + NODE_MONITOR_GRACE_PERIOD);
            if now < due {
                return Ok(Some(due));
            }
            if now != next_monitor_tick(now) {
                return Ok(Some(next_monitor_tick(now)));
            }
            self.mark_unknown(name, ctx)?;
            return Ok(Some(now + NODE_MONITOR_PERIOD));
        }
        self.not_ready.insert(name.to_string());
        if !has_taint(node, UNREACHABLE_TAINT, TaintEffect::NoSchedule) {
            // TaintNodesByCondition is level-based: an update that dropped the taint (a
            // Node applied with its own taints) gets it back.
            ctx.store.modify::<Node, _>(&key, false, |n| {
                n.taints.push(Taint {
                    key: UNREACHABLE_TAINT.to_string(),
                    value: String::new(),
                    effect: TaintEffect::NoSchedule,
                });
            })?;
        }
        let Some(node) = ctx.store.get::<Node>(&key) else {
            return Ok(None);
        };
        if has_taint(node, UNREACHABLE_TAINT, TaintEffect::NoExecute) || self.queued(node) {
            return Ok(None);
        }
        // `processTaintBaseEviction` sees the Unknown it observed at an earlier pass.
        let tick = next_monitor_tick(now);
        if tick > now || node.health.last_transition_time >= now {
            let next = if tick > now {
                tick
            } else {
                now + NODE_MONITOR_PERIOD
            };
            return Ok(Some(next));
        }
        let zone = zone_of(node);
        self.zones
            .entry(zone)
            .or_insert_with(|| Zone::new(now))
            .queue
            .push(name.to_string());
        Ok(None)
    }

    /// `tryUpdateNodeHealth` past the grace period, `TaintNodesByCondition`, the
    /// `NodeNotReady` event and `MarkPodsNotReady`.
    fn mark_unknown(&mut self, name: &str, ctx: &mut Context<'_>) -> Result<(), ReconcileError> {
        let now = ctx.now;
        let key = ObjectKey::cluster(name);
        ctx.store.modify::<Node, _>(&key, false, |n| {
            n.ready = ConditionStatus::Unknown;
            n.health.last_transition_time = now;
        })?;
        self.not_ready.insert(name.to_string());
        let node_ref = ObjectRef::new(Kind::Node, key.clone());
        ctx.store.event(
            node_ref,
            EventType::Normal,
            "NodeNotReady",
            format!("Node {name} status is now: NodeNotReady"),
            SOURCE,
        );
        ctx.store.modify::<Node, _>(&key, false, |n| {
            n.taints
                .retain(|t| !(t.key == NOT_READY_TAINT && t.effect == TaintEffect::NoSchedule));
            if !n
                .taints
                .iter()
                .any(|t| t.key == UNREACHABLE_TAINT && t.effect == TaintEffect::NoSchedule)
            {
                n.taints.push(Taint {
                    key: UNREACHABLE_TAINT.to_string(),
                    value: String::new(),
                    effect: TaintEffect::NoSchedule,
                });
            }
        })?;
        mark_pods_not_ready(ctx.store, name)?;
        Ok(())
    }

    /// `handleDisruption`: zone states from the nodes' Ready conditions, and the taint
    /// rates that follow from them.
    fn handle_disruption(&mut self, ctx: &mut Context<'_>) -> Result<(), ReconcileError> {
        let now = ctx.now;
        let quiet = self.not_ready.is_empty()
            && self
                .zones
                .values()
                .all(|z| matches!(z.state, ZoneState::Initial | ZoneState::Normal));
        if quiet {
            return Ok(());
        }
        // (ready, not ready, a node to report on) per zone.
        let mut counts: BTreeMap<String, (u64, u64, String)> = BTreeMap::new();
        let mut cluster_size = 0usize;
        for node in ctx.store.list::<Node>() {
            cluster_size += 1;
            if node.meta.labels.contains_key(EXCLUDE_DISRUPTION_LABEL) {
                continue;
            }
            let entry = counts
                .entry(zone_of(node))
                .or_insert((0, 0, node.meta.name.clone()));
            if node.ready == ConditionStatus::True {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let new_states: BTreeMap<String, ZoneState> = counts
            .iter()
            .map(|(zone, (ready, not_ready, _))| {
                let state = if *ready == 0 && *not_ready > 0 {
                    ZoneState::FullDisruption
                } else if *not_ready > 2
                    && not_ready * 100 >= UNHEALTHY_ZONE_THRESHOLD_PERCENT * (ready + not_ready)
                {
                    ZoneState::PartialDisruption
                } else {
                    ZoneState::Normal
                };
                (zone.clone(), state)
            })
            .collect();
        let all_are_full = new_states.values().all(|s| *s == ZoneState::FullDisruption);
        for zone in new_states.keys() {
            self.zones
                .entry(zone.clone())
                .or_insert_with(|| Zone::new(now));
        }
        self.zones.retain(|zone, _| new_states.contains_key(zone));
        let all_were_full = self
            .zones
            .values()
            .all(|z| z.state == ZoneState::FullDisruption);
        if all_are_full && all_were_full {
            return Ok(());
        }
        let report_on = |zone: &str| {
            ObjectRef::new(
                Kind::Node,
                ObjectKey::cluster(counts.get(zone).map_or("", |c| c.2.as_str())),
            )
        };
        let interval_for = |state: ZoneState| match state {
            ZoneState::PartialDisruption if cluster_size > LARGE_CLUSTER_SIZE_THRESHOLD => {
                Some(SECONDARY_EVICTION_INTERVAL)
            }
            ZoneState::PartialDisruption => None,
            _ => Some(EVICTION_INTERVAL),
        };
        if all_are_full {
            let first = new_states.keys().next().cloned().unwrap_or_default();
            ctx.store.event(
                report_on(&first),
                EventType::Normal,
                "ZoneStateChanged",
                "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
                    .to_string(),
                SOURCE,
            );
            let names: Vec<String> = ctx
                .store
                .list::<Node>()
                .map(|n| n.meta.name.clone())
                .collect();
            for name in names {
                self.mark_reachable(ctx.store, &name)?;
            }
            for zone in self.zones.values_mut() {
                zone.swap_limiter(None, now);
                zone.state = ZoneState::FullDisruption;
            }
            return Ok(());
        }
        if all_were_full {
            let first = new_states.keys().next().cloned().unwrap_or_default();
            ctx.store.event(
                report_on(&first),
                EventType::Normal,
                "ZoneStateChanged",
                "Controller detected that some Nodes are Ready. Exiting master disruption mode"
                    .to_string(),
                SOURCE,
            );
            for (name, zone) in &mut self.zones {
                let state = new_states[name];
                zone.swap_limiter(interval_for(state), now);
                zone.state = state;
            }
            return Ok(());
        }
        let mut changed = Vec::new();
        for (name, zone) in &mut self.zones {
            let state = new_states[name];
            if zone.state == state {
                continue;
            }
            let quiet = state == ZoneState::Normal && zone.state == ZoneState::Initial;
            zone.swap_limiter(interval_for(state), now);
            zone.state = state;
            if !quiet {
                changed.push((name.clone(), state));
            }
        }
        for (zone, state) in changed {
            ctx.store.event(
                report_on(&zone),
                EventType::Normal,
                "ZoneStateChanged",
                format!(
                    "Controller detected that zone {zone:?} is now in state {}",
                    state.as_str()
                ),
                SOURCE,
            );
        }
        Ok(())
    }

    /// `doNoExecuteTaintingPass`: taints the queued nodes as each zone's bucket allows;
    /// returns, per zone with a waiting node, that node and when the bucket next has a
    /// token for it. (Only the head of a queue carries the zone's wake-up; every Node
    /// change wakes the heads, see `watches`.)
    fn taint_pass(
        &mut self,
        ctx: &mut Context<'_>,
    ) -> Result<Vec<(String, SimTime)>, ReconcileError> {
        let now = ctx.now;
        let mut wake = Vec::new();
        let mut to_taint = Vec::new();
        for zone in self.zones.values_mut() {
            while let Some(head) = zone.queue.first().cloned() {
                let status = ctx
                    .store
                    .get::<Node>(&ObjectKey::cluster(head.as_str()))
                    .map(|n| n.ready);
                let Some(status) = status.filter(|s| *s != ConditionStatus::True) else {
                    // Gone, or Ready again: nothing to taint.
                    zone.queue.remove(0);
                    continue;
                };
                let Some(interval) = zone.interval else {
                    break;
                };
                if now < zone.next_token {
                    wake.push((head, zone.next_token));
                    break;
                }
                zone.next_token = now + interval;
                zone.queue.remove(0);
                to_taint.push((head, status));
            }
        }
        for (name, status) in to_taint {
            let (add, opposite) = if status == ConditionStatus::Unknown {
                (UNREACHABLE_TAINT, NOT_READY_TAINT)
            } else {
                (NOT_READY_TAINT, UNREACHABLE_TAINT)
            };
            ctx.store
                .modify::<Node, _>(&ObjectKey::cluster(name), false, |n| {
                    n.taints
                        .retain(|t| !(t.key == opposite && t.effect == TaintEffect::NoExecute));
                    n.health
                        .taints_added
                        .retain(|(k, e, _)| !(k == opposite && *e == TaintEffect::NoExecute));
                    if !n
                        .taints
                        .iter()
                        .any(|t| t.key == add && t.effect == TaintEffect::NoExecute)
                    {
                        n.taints.push(Taint {
                            key: add.to_string(),
                            value: String::new(),
                            effect: TaintEffect::NoExecute,
                        });
                        n.health
                            .taints_added
                            .push((add.to_string(), TaintEffect::NoExecute, now));
                    }
                })?;
        }
        Ok(wake)
    }
}

/// `MarkPodsNotReady`: each pod on the node whose Ready condition is not already False gets
/// Ready=False and the `NodeNotReady` warning.
fn mark_pods_not_ready(store: &mut Store, node: &str) -> Result<(), ReconcileError> {
    let now = store.now();
    let pods: Vec<ObjectKey> = store
        .list::<Pod>()
        .filter(|p| {
            p.spec.node_name.as_deref() == Some(node)
                && p.status
                    .condition(PodConditionType::Ready)
                    .is_some_and(|c| c.status != ConditionStatus::False)
        })
        .map(|p| p.meta.key())
        .collect();
    for key in pods {
        store.modify::<Pod, _>(&key, false, |p| {
            let (reason, message) = p
                .status
                .condition(PodConditionType::Ready)
                .map(|c| (c.reason.clone(), c.message.clone()))
                .unwrap_or_default();
            p.status.set_condition(
                PodConditionType::Ready,
                ConditionStatus::False,
                &reason,
                &message,
                now,
            );
        })?;
        store.event(
            ObjectRef::new(Kind::Pod, key),
            EventType::Warning,
            "NodeNotReady",
            "Node is not ready".to_string(),
            SOURCE,
        );
    }
    Ok(())
}

impl Controller for NodeLifecycleController {
    fn name(&self) -> &'static str {
        "node-lifecycle-controller"
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::Node {
            wake.push(ObjectRef::new(Kind::Node, change.key.clone()));
            // A change may move a zone's state (and its rate): the queue heads recompute
            // their wake-ups.
            for zone in self.zones.values() {
                if let Some(head) = zone.queue.first() {
                    wake.push(ObjectRef::new(
                        Kind::Node,
                        ObjectKey::cluster(head.as_str()),
                    ));
                }
            }
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        if let Some(node) = ctx.store.get::<Node>(&key.key) {
            let has_taint = node
                .taints
                .iter()
                .any(|t| t.key == UNSCHEDULABLE_TAINT && t.effect == TaintEffect::NoSchedule);
            if node.unschedulable != has_taint {
                let add = node.unschedulable;
                ctx.store.modify::<Node, _>(&key.key, false, |n| {
                    if add {
                        n.taints.push(Taint {
                            key: UNSCHEDULABLE_TAINT.to_string(),
                            value: String::new(),
                            effect: TaintEffect::NoSchedule,
                        });
                    } else {
                        n.taints.retain(|t| t.key != UNSCHEDULABLE_TAINT);
                    }
                })?;
            }
        }
        let own = self.monitor(&key.key.name, ctx)?;
        self.handle_disruption(ctx)?;
        let zones = self
            .taint_pass(ctx)?
            .into_iter()
            .filter(|(head, _)| *head == key.key.name)
            .map(|(_, at)| at)
            .min();
        let wake = match (own, zones) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(match wake {
            Some(at) if at > ctx.now => Action::RequeueAfter(at.saturating_since(ctx.now)),
            Some(_) => Action::RequeueAfter(SimDuration::from_millis(1)),
            None => Action::AwaitChange,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn swapping_the_limiter_keeps_a_full_bucket_full_and_drains_an_empty_one() {
        let mut zone = Zone::new(at(0));
        zone.swap_limiter(Some(SECONDARY_EVICTION_INTERVAL), at(5));
        assert_eq!(zone.next_token, at(5), "the old bucket had a token");
        zone.next_token = at(105);
        zone.swap_limiter(Some(EVICTION_INTERVAL), at(50));
        assert_eq!(zone.next_token, at(60), "the old bucket was empty");
        zone.swap_limiter(None, at(60));
        assert_eq!(zone.interval, None);
        zone.swap_limiter(Some(EVICTION_INTERVAL), at(70));
        assert_eq!(
            zone.next_token,
            at(80),
            "a zero-rate limiter never has a token"
        );
        let before = zone.next_token;
        zone.swap_limiter(Some(EVICTION_INTERVAL), at(75));
        assert_eq!(zone.next_token, before, "the same rate keeps the bucket");
    }
}
