//! The kubelet's `NodeSchedulable` / `NodeNotSchedulable` events (k8s-semantics §7.1).
//!
//! On every node status update (its 10 s grid) the kubelet compares the Node's
//! `spec.unschedulable` with the value it saw last and, when they differ, records a Normal
//! event `Node NAME status is now: NodeNotSchedulable` (or `NodeSchedulable`) and
//! remembers the new value (`recordNodeSchedulableEvent` in kubelet_node_status.go). So a
//! cordon shows up at the next status update, not at once, and a cordon undone before it
//! shows up not at all.
//!
//! Nothing is polled: a Node change marks the node; the simulation then queues one check
//! at the next status update when the flag differs from the kubelet's view (and drops it
//! when it no longer does). A kubelet that is down posts nothing: the check is skipped and
//! the node's recovery (a Node change) plans it again.

use std::collections::BTreeMap;

use crate::objects::{Kind, Node, ObjectKey, ObjectRef};
use crate::store::{Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::{EventType, RecordId};

/// The event reason when a node becomes unschedulable.
pub const NODE_NOT_SCHEDULABLE: &str = "NodeNotSchedulable";
/// The event reason when it becomes schedulable again.
pub const NODE_SCHEDULABLE: &str = "NodeSchedulable";

/// The kubelets' view of their nodes' `spec.unschedulable`.
#[derive(Debug, Default)]
pub struct SchedulableEvents {
    /// The value each kubelet last saw (from the node's creation: no event for a node
    /// created cordoned).
    last: BTreeMap<String, bool>,
    /// Nodes changed since the last planning, with the cause of the last change.
    dirty: BTreeMap<String, Option<RecordId>>,
}

impl SchedulableEvents {
    /// Notes a change (only Node changes matter).
    pub fn observe(&mut self, change: &Change, store: &Store) {
        if change.kind != Kind::Node {
            return;
        }
        let name = &change.key.name;
        match change.change_type {
            ChangeType::Added => {
                let flag = store
                    .get::<Node>(&change.key)
                    .is_some_and(|n| n.unschedulable);
                self.last.insert(name.clone(), flag);
            }
            ChangeType::Deleted => {
                self.last.remove(name);
                self.dirty.remove(name);
            }
            ChangeType::Modified => {
                self.dirty.insert(name.clone(), change.cause);
            }
        }
    }

    /// The nodes changed since the last call, with their causes.
    pub fn take_dirty(&mut self) -> BTreeMap<String, Option<RecordId>> {
        std::mem::take(&mut self.dirty)
    }

    /// When `node`'s kubelet will next have something to record: its next status update
    /// after `now` if the flag differs from what it saw last; `None` otherwise.
    pub fn due(&self, node: &str, store: &Store, now: SimTime) -> Option<SimTime> {
        let n = store.get::<Node>(&ObjectKey::cluster(node.to_string()))?;
        if self.last.get(node).copied().unwrap_or(false) == n.unschedulable {
            return None;
        }
        Some(next_status_update(n.health.heartbeat_origin, now))
    }

    /// The status update of `node`'s kubelet: records the event if the flag changed since
    /// it last looked. `offline`: the kubelet is down and posts nothing.
    pub fn status_update(&mut self, node: &str, store: &mut Store, offline: bool) {
        if offline {
            return;
        }
        let key = ObjectKey::cluster(node.to_string());
        let Some(flag) = store.get::<Node>(&key).map(|n| n.unschedulable) else {
            return;
        };
        if self.last.get(node).copied().unwrap_or(false) == flag {
            return;
        }
        self.last.insert(node.to_string(), flag);
        let reason = if flag {
            NODE_NOT_SCHEDULABLE
        } else {
            NODE_SCHEDULABLE
        };
        store.event(
            ObjectRef::new(Kind::Node, key),
            EventType::Normal,
            reason,
            format!("Node {node} status is now: {reason}"),
            "kubelet",
        );
    }
}

/// The first tick of the 10 s status grid starting at `origin` strictly after `now`.
fn next_status_update(origin: SimTime, now: SimTime) -> SimTime {
    let period = crate::objects::node_health::HEARTBEAT_INTERVAL.as_millis();
    let since = now.saturating_since(origin).as_millis();
    origin + SimDuration::from_millis((since / period + 1) * period)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_status_update_is_strictly_after_now_on_the_grid() {
        let at = |ms| SimTime::ZERO + SimDuration::from_millis(ms);
        assert_eq!(next_status_update(at(3_000), at(3_000)), at(13_000));
        assert_eq!(next_status_update(at(3_000), at(12_999)), at(13_000));
        assert_eq!(next_status_update(at(0), at(25_000)), at(30_000));
    }
}
