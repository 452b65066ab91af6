//! The kubelets' eviction managers: node-pressure eviction on `memory.available`
//! (k8s-semantics §10.3, §10.4, G41; `pkg/kubelet/eviction/eviction_manager.go`,
//! `helpers.go`).
//!
//! `memory.available` = the node's `status.capacity` memory − Σ working sets of its pods
//! (the kubelet measures against capacity, not allocatable). A manager runs a pass every
//! [`MONITORING_PERIOD`] on a grid from the node's creation — but only while the node
//! could be under pressure. Working sets grow linearly between state changes (the behaviour
//! model's `memory` + `memoryGrowthPerSecond`), so after every change on a node the
//! simulation asks [`EvictionManagers::next_pass`] for the first grid tick at which the
//! threshold can be crossed and sleeps until then: a healthy node costs nothing.
//!
//! A pass that finds `memory.available` below the hard threshold (default
//! [`DEFAULT_MEMORY_AVAILABLE_THRESHOLD`], `memory.available<100Mi`) sets `MemoryPressure=True`
//! on the node (the `node.kubernetes.io/memory-pressure:NoSchedule` taint follows, from
//! [`crate::controllers::taint_by_condition`]), ranks the pods as `rankMemoryPressure`
//! does — pods using more than their requests first, then lower priority first, then larger
//! usage − request first — and evicts the first one: phase Failed, reason `Evicted`, grace
//! [`crate::kubelet::EVICTION_GRACE`], no PodDisruptionBudget check. One eviction per pass.
//! The condition stays True until [`PRESSURE_TRANSITION_PERIOD`] after the last pass that
//! met the threshold.

use std::collections::{BTreeMap, BTreeSet};

use crate::kubelet::{KubeletError, Kubelets, PodMemoryUse, Timer};
use crate::objects::{ConditionStatus, Kind, Node, ObjectKey, ObjectRef, Pod, Uid};
use crate::quantity::format_bytes;
use crate::store::{Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

/// `evictionMonitoringPeriod`: how often a manager looks at its signals.
pub const MONITORING_PERIOD: SimDuration = SimDuration::from_secs(10);
/// `evictionPressureTransitionPeriod`: how long a pressure condition outlives the last
/// observation of its threshold.
pub const PRESSURE_TRANSITION_PERIOD: SimDuration = SimDuration::from_secs(300);
/// The Linux hard threshold `memory.available<100Mi`.
pub const DEFAULT_MEMORY_AVAILABLE_THRESHOLD: u64 = 100 * 1024 * 1024;
/// Pods at or above this priority are critical and never evicted (`IsCriticalPod`).
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;

const SOURCE: &str = "kubelet";

#[derive(Debug, Clone, Default)]
struct ManagerState {
    /// The pass queued in the simulation, if any.
    scheduled: Option<SimTime>,
    /// The last pass, and whether it found the threshold met.
    last_pass: Option<(SimTime, bool)>,
    /// The last pass that found the threshold met.
    last_met: Option<SimTime>,
}

/// Every node's eviction manager.
#[derive(Debug, Default)]
pub struct EvictionManagers {
    states: BTreeMap<String, ManagerState>,
    thresholds: BTreeMap<String, u64>,
    dirty: BTreeSet<String>,
    /// The pods bound to each node, from the store's changes (a pod never changes node).
    pods_by_node: BTreeMap<String, BTreeSet<Uid>>,
}

/// A candidate for eviction, ranked as `rankMemoryPressure` ranks.
#[derive(Debug, Clone)]
struct Candidate {
    usage: PodMemoryUse,
    priority: i32,
    request: u64,
}

impl Candidate {
    fn exceeds(&self) -> bool {
        self.usage.working_set_bytes() > self.request
    }

    fn excess(&self) -> i128 {
        i128::from(self.usage.working_set_bytes()) - i128::from(self.request)
    }
}

impl EvictionManagers {
    /// Sets the node's `evictionHard` `memory.available` threshold, in bytes.
    pub fn set_memory_threshold(&mut self, node: &str, bytes: u64) {
        self.thresholds.insert(node.to_string(), bytes);
        self.dirty.insert(node.to_string());
    }

    /// The node's `memory.available` hard threshold, in bytes.
    pub fn memory_threshold(&self, node: &str) -> u64 {
        self.thresholds
            .get(node)
            .copied()
            .unwrap_or(DEFAULT_MEMORY_AVAILABLE_THRESHOLD)
    }

    /// A store change: a pod bound to a node (or removed from it), or a node, changed; the
    /// node's next pass must be planned again.
    pub fn observe(&mut self, change: &Change) {
        let node = match (change.kind, &change.node_name) {
            (Kind::Pod, Some(node)) => {
                let pods = self.pods_by_node.entry(node.clone()).or_default();
                if change.change_type == ChangeType::Deleted {
                    pods.remove(&change.uid);
                } else {
                    pods.insert(change.uid);
                }
                node.as_str()
            }
            (Kind::Node, _) => change.key.name.as_str(),
            _ => return,
        };
        if !self.dirty.contains(node) {
            self.dirty.insert(node.to_string());
        }
    }

    fn memory_on_node(&self, node: &str, kubelets: &Kubelets, at: SimTime) -> Vec<PodMemoryUse> {
        match self.pods_by_node.get(node) {
            Some(uids) => kubelets.memory_of(uids, at),
            None => Vec::new(),
        }
    }

    /// The nodes marked since the last call.
    pub fn take_dirty(&mut self) -> Vec<String> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }

    /// The pass queued for `node`, if any.
    pub fn scheduled(&self, node: &str) -> Option<SimTime> {
        self.states.get(node).and_then(|s| s.scheduled)
    }

    /// Records the pass queued for `node`.
    pub fn set_scheduled(&mut self, node: &str, at: Option<SimTime>) {
        self.states.entry(node.to_string()).or_default().scheduled = at;
    }

    /// The first grid tick at which `node`'s manager has something to do: the next tick
    /// while the threshold was met at the last pass, else the tick at or after the
    /// predicted crossing, or the one that may lift a held condition. `None`: nothing can
    /// happen until the next change.
    pub fn next_pass(
        &self,
        node: &str,
        store: &Store,
        kubelets: &Kubelets,
        now: SimTime,
    ) -> Option<SimTime> {
        // A failed or partitioned node's kubelet runs no eviction manager; the node's
        // recovery (a Node change) plans it again.
        if kubelets.node_offline(node) {
            return None;
        }
        let node_obj = store.get::<Node>(&ObjectKey::cluster(node.to_string()))?;
        let state = self.states.get(node).cloned().unwrap_or_default();
        let origin = node_obj.meta.creation_timestamp;
        let earliest = state
            .last_pass
            .map_or(now, |(at, _)| (at + MONITORING_PERIOD).max(now));
        if let Some((at, true)) = state.last_pass {
            return Some((at + MONITORING_PERIOD).max(now));
        }
        let mut next: Option<SimTime> = None;
        if node_obj.memory_pressure == ConditionStatus::True {
            if let Some(met) = state.last_met {
                next = Some(grid_at_or_after(origin, met + PRESSURE_TRANSITION_PERIOD));
            }
        }
        let capacity = node_obj.capacity.memory_bytes;
        if capacity > 0 {
            let limit = i128::from(capacity) - i128::from(self.memory_threshold(node));
            let (used, rate) = match self.pods_by_node.get(node) {
                Some(uids) => kubelets.memory_totals(uids, now),
                None => (0, 0),
            };
            let (used, rate) = (i128::from(used), i128::from(rate));
            let crossing = if used > limit {
                Some(now)
            } else if rate > 0 {
                let millis = (limit - used) * 1000 / rate + 1;
                Some(now + SimDuration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX)))
            } else {
                None
            };
            if let Some(at) = crossing {
                let tick = grid_at_or_after(origin, at);
                next = Some(next.map_or(tick, |n| n.min(tick)));
            }
        }
        next.map(|n| grid_at_or_after(origin, n.max(earliest)))
    }

    /// One pass of `node`'s manager at the store's current time (`synchronize`).
    pub fn run_pass(
        &mut self,
        node: &str,
        store: &mut Store,
        kubelets: &mut Kubelets,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let threshold = self.memory_threshold(node);
        let pods = self.memory_on_node(node, kubelets, now);
        let state = self.states.entry(node.to_string()).or_default();
        state.scheduled = None;
        self.dirty.insert(node.to_string());
        if kubelets.node_offline(node) {
            return Ok(());
        }
        let node_key = ObjectKey::cluster(node.to_string());
        let Some(node_obj) = store.get::<Node>(&node_key) else {
            return Ok(());
        };
        let capacity = node_obj.capacity.memory_bytes;
        let pressure = node_obj.memory_pressure == ConditionStatus::True;
        let used: i128 = pods.iter().map(|p| i128::from(p.working_set_bytes())).sum();
        let available = i128::from(capacity) - used;
        let met = capacity > 0 && available < i128::from(threshold);
        state.last_pass = Some((now, met));
        if met {
            state.last_met = Some(now);
        }
        let lift = pressure
            && !met
            && state
                .last_met
                .is_none_or(|at| now.saturating_since(at) >= PRESSURE_TRANSITION_PERIOD);
        let node_ref = ObjectRef::new(Kind::Node, node_key.clone());
        if met && !pressure {
            store.modify::<Node, _>(&node_key, false, |n| {
                n.memory_pressure = ConditionStatus::True;
            })?;
            store.event(
                node_ref.clone(),
                EventType::Normal,
                "NodeHasInsufficientMemory",
                format!("Node {node} status is now: NodeHasInsufficientMemory"),
                SOURCE,
            );
        } else if lift {
            store.modify::<Node, _>(&node_key, false, |n| {
                n.memory_pressure = ConditionStatus::False;
            })?;
            store.event(
                node_ref,
                EventType::Normal,
                "NodeHasSufficientMemory",
                format!("Node {node} status is now: NodeHasSufficientMemory"),
                SOURCE,
            );
        }
        if !met {
            return Ok(());
        }
        let mut candidates: Vec<Candidate> = pods
            .into_iter()
            .filter(|p| !p.stopping)
            .filter_map(|usage| {
                let pod = store.get::<Pod>(&usage.key)?;
                if pod.meta.uid != usage.pod || pod.spec.priority >= SYSTEM_CRITICAL_PRIORITY {
                    return None;
                }
                let request = pod
                    .spec
                    .containers
                    .iter()
                    .fold(0u64, |sum, c| sum.saturating_add(c.requests.memory_bytes));
                Some(Candidate {
                    priority: pod.spec.priority,
                    request,
                    usage,
                })
            })
            .collect();
        rank_memory_pressure(&mut candidates);
        let message_head = format!(
            "The node was low on resource: memory. Threshold quantity: {}, available: {}. ",
            format_bytes(threshold),
            format_signed_bytes(available)
        );
        for candidate in candidates {
            let mut message = message_head.clone();
            for c in &candidate.usage.containers {
                if c.working_set_bytes > c.request_bytes {
                    message.push_str(&format!(
                        "Container {} was using {}, request is {}, has larger consumption of memory. ",
                        c.name,
                        format_bytes(c.working_set_bytes),
                        format_bytes(c.request_bytes)
                    ));
                }
            }
            if kubelets.evict_pod(candidate.usage.pod, &message, store, timers)? {
                break;
            }
        }
        Ok(())
    }
}

/// `rankMemoryPressure`: `exceedMemoryRequests`, then `priority` (lower first), then
/// `memory` (larger usage − request first); ties by namespace/name, for determinism.
fn rank_memory_pressure(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.exceeds()
            .cmp(&a.exceeds())
            .then(a.priority.cmp(&b.priority))
            .then(b.excess().cmp(&a.excess()))
            .then(a.usage.key.cmp(&b.usage.key))
    });
}

/// The first tick `origin + k × MONITORING_PERIOD` at or after `at`.
fn grid_at_or_after(origin: SimTime, at: SimTime) -> SimTime {
    let period = MONITORING_PERIOD.as_millis();
    let since = at.saturating_since(origin).as_millis();
    origin + SimDuration::from_millis(since.div_ceil(period) * period)
}

fn format_signed_bytes(bytes: i128) -> String {
    let magnitude = u64::try_from(bytes.unsigned_abs()).unwrap_or(u64::MAX);
    if bytes < 0 {
        format!("-{}", format_bytes(magnitude))
    } else {
        format_bytes(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::ObjectKey;

    const MI: u64 = 1024 * 1024;

    fn candidate(name: &str, priority: i32, request_mi: u64, usage_mi: u64) -> Candidate {
        Candidate {
            usage: PodMemoryUse {
                pod: Uid(0),
                key: ObjectKey::new("default", name),
                containers: vec![crate::kubelet::ContainerMemoryUse {
                    name: "app".to_string(),
                    working_set_bytes: usage_mi * MI,
                    growth_per_second: 0,
                    request_bytes: request_mi * MI,
                }],
                stopping: false,
            },
            priority,
            request: request_mi * MI,
        }
    }

    /// G41's ranking, whatever the input order: BE, BU, HP (over their requests: priority,
    /// then excess), then G, BU2 (under: priority, then usage − request).
    #[test]
    fn g41_rank_memory_pressure() {
        let pods = [
            candidate("bu2", 0, 1024, 600),
            candidate("g", 0, 1024, 900),
            candidate("hp", 1000, 100, 500),
            candidate("bu", 0, 500, 800),
            candidate("be", 0, 0, 400),
        ];
        for rotation in 0..pods.len() {
            let mut candidates = pods.to_vec();
            candidates.rotate_left(rotation);
            rank_memory_pressure(&mut candidates);
            let order: Vec<&str> = candidates
                .iter()
                .map(|c| c.usage.key.name.as_str())
                .collect();
            assert_eq!(order, ["be", "bu", "hp", "g", "bu2"]);
        }
    }

    #[test]
    fn passes_run_on_a_10s_grid_from_the_node_creation() {
        let origin = SimTime::ZERO + SimDuration::from_millis(3_000);
        let at = |ms| SimTime::ZERO + SimDuration::from_millis(ms);
        assert_eq!(grid_at_or_after(origin, at(3_000)), at(3_000));
        assert_eq!(grid_at_or_after(origin, at(3_001)), at(13_000));
        assert_eq!(grid_at_or_after(origin, at(0)), at(3_000));
        assert_eq!(format_signed_bytes(-208 * i128::from(MI)), "-208Mi");
    }
}
