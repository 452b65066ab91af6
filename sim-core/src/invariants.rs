//! Invariant checkers, apart from the engine: they watch the change log and the store and
//! report the first broken invariant.
//!
//! - **No node is over its allocatable** (Σ effective requests of its bound, non-terminal
//!   pods ≤ allocatable for cpu, memory, ephemeral storage, extended resources and pods).
//! - **A pod is bound at most once**: once `spec.nodeName` is set it never changes.
//! - **Time is monotone**: no change is seen at an earlier time than the one before.

use std::collections::BTreeMap;

use crate::objects::{Kind, Node, ObjectKey, Pod, Resources, Uid};
use crate::store::{Change, ChangeType, Store};
use crate::time::SimTime;

/// A broken invariant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Σ requests on a node exceed its allocatable.
    #[error("node {node} is over its allocatable {resource}: requested {requested}, allocatable {allocatable}")]
    Overcommitted {
        /// Node name.
        node: String,
        /// Which resource.
        resource: String,
        /// Requested amount.
        requested: u64,
        /// Allocatable amount.
        allocatable: u64,
    },
    /// A pod moved from one node to another.
    #[error("pod {pod} was bound twice: first to {first}, then to {second}")]
    BoundTwice {
        /// The pod.
        pod: String,
        /// First node.
        first: String,
        /// Second node.
        second: String,
    },
    /// Time went backwards.
    #[error("time went backwards: {later} was followed by {earlier}")]
    TimeWentBackwards {
        /// The later instant seen first.
        later: SimTime,
        /// The earlier instant seen after it.
        earlier: SimTime,
    },
}

#[derive(Debug, Clone)]
struct Binding {
    node: String,
    requests: Resources,
    counted: bool,
}

/// Watches changes and checks the invariants incrementally: each change costs the work of
/// the one node it touches.
#[derive(Debug, Default)]
pub struct InvariantChecker {
    bindings: BTreeMap<Uid, Binding>,
    usage: BTreeMap<String, Resources>,
    last_time: SimTime,
    checked_changes: u64,
}

fn over(node: &str, requested: &Resources, allocatable: &Resources) -> Option<Violation> {
    let checks = [
        ("cpu", requested.cpu_millis, allocatable.cpu_millis),
        ("memory", requested.memory_bytes, allocatable.memory_bytes),
        (
            "ephemeral-storage",
            requested.ephemeral_storage_bytes,
            allocatable.ephemeral_storage_bytes,
        ),
        ("pods", requested.pods, allocatable.pods),
    ];
    for (resource, requested, allocatable) in checks {
        if requested > allocatable {
            return Some(Violation::Overcommitted {
                node: node.to_string(),
                resource: resource.to_string(),
                requested,
                allocatable,
            });
        }
    }
    for (name, amount) in &requested.extended {
        let limit = allocatable.extended.get(name).copied().unwrap_or(0);
        if *amount > limit {
            return Some(Violation::Overcommitted {
                node: node.to_string(),
                resource: name.clone(),
                requested: *amount,
                allocatable: limit,
            });
        }
    }
    None
}

impl InvariantChecker {
    /// A checker with nothing seen yet.
    pub fn new() -> InvariantChecker {
        InvariantChecker::default()
    }

    /// How many changes were checked.
    pub fn checked_changes(&self) -> u64 {
        self.checked_changes
    }

    /// Checks one change against the store as it is after the change.
    pub fn observe(
        &mut self,
        change: &Change,
        store: &Store,
        now: SimTime,
    ) -> Result<(), Violation> {
        self.checked_changes += 1;
        if now < self.last_time {
            return Err(Violation::TimeWentBackwards {
                later: self.last_time,
                earlier: now,
            });
        }
        self.last_time = now;
        match change.kind {
            Kind::Pod => self.observe_pod(change, store),
            Kind::Node => match store.get::<Node>(&change.key) {
                Some(node) => {
                    let usage = self.usage.get(&node.meta.name).cloned().unwrap_or_default();
                    over(&node.meta.name, &usage, &node.allocatable).map_or(Ok(()), Err)
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn observe_pod(&mut self, change: &Change, store: &Store) -> Result<(), Violation> {
        let pod = store
            .get::<Pod>(&change.key)
            .filter(|p| p.meta.uid == change.uid && change.change_type != ChangeType::Deleted);
        let now_counted = pod.and_then(|p| {
            p.spec
                .node_name
                .as_ref()
                .filter(|_| !p.status.phase.is_terminal())
                .map(|n| (n.clone(), p))
        });
        let previous = self.bindings.get(&change.uid).cloned();
        if let (Some(prev), Some(p)) = (&previous, pod) {
            if let Some(node) = &p.spec.node_name {
                if node != &prev.node {
                    return Err(Violation::BoundTwice {
                        pod: change.key.to_string(),
                        first: prev.node.clone(),
                        second: node.clone(),
                    });
                }
            }
        }
        if let Some(prev) = &previous {
            if prev.counted && now_counted.is_none() {
                if let Some(usage) = self.usage.get_mut(&prev.node) {
                    usage.sub(&prev.requests);
                }
                if let Some(b) = self.bindings.get_mut(&change.uid) {
                    b.counted = false;
                }
            }
        }
        if pod.is_none() {
            self.bindings.remove(&change.uid);
            return Ok(());
        }
        if let Some((node, p)) = now_counted {
            if previous.as_ref().is_some_and(|b| b.counted) {
                return Ok(());
            }
            let requests = p.spec.effective_requests();
            let usage = self.usage.entry(node.clone()).or_default();
            usage.add(&requests);
            let usage = usage.clone();
            self.bindings.insert(
                change.uid,
                Binding {
                    node: node.clone(),
                    requests,
                    counted: true,
                },
            );
            if let Some(n) = store.get::<Node>(&ObjectKey::cluster(node.clone())) {
                if let Some(v) = over(&node, &usage, &n.allocatable) {
                    return Err(v);
                }
            }
        }
        Ok(())
    }
}
