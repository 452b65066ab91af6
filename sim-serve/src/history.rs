//! The server's watch history: what kube-apiserver's watch cache keeps so that a watch can
//! resume from an older `resourceVersion`.
//!
//! After every simulated instant the server compares the store with the last state it saw
//! (cheaply: nothing is compared when the store's resourceVersion has not moved) and
//! appends one event per change — ADDED for a new object, MODIFIED for a new
//! resourceVersion, DELETED (with the object's last state) for a removal — to a bounded
//! ring, in resourceVersion order. A watch from `resourceVersion=N` replays the events
//! after N; one from a version older than the ring's window gets the watch cache's
//! `410 Expired` "too old resource version: N (M)", as an ERROR event of the stream.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};
use sim_core::objects::{Kind, ObjectKey};
use sim_core::store::{Object, Store};
use sim_scenarios::view::lookup;

/// How many events the history keeps (the watch cache's default capacity was 100 per
/// resource, sized up with the load; one ring serves every kind here).
pub const CAPACITY: usize = 4096;

/// What happened, as a watch event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Changed.
    Modified,
    /// Removed; the object is its last state, at the removal's resourceVersion.
    Deleted,
}

impl EventType {
    /// The watch event's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One remembered change.
#[derive(Debug, Clone)]
pub struct HistoryEvent {
    /// The resourceVersion of the change.
    pub rv: u64,
    /// The kind of the object.
    pub kind: Kind,
    /// What happened.
    pub type_: EventType,
    /// The object as API JSON after the change (before it, for a deletion).
    pub object: Value,
    /// For a change, the object before it: a watch with a selector sees an object that
    /// stops matching as DELETED and one that starts matching as ADDED.
    pub previous: Option<Value>,
}

/// A watch that asked for history the ring no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// The resourceVersion asked for.
    pub requested: u64,
    /// The oldest version a watch can still resume from.
    pub oldest: u64,
}

impl Expired {
    /// The `Status` the watch cache answers with (`410`, reason `Expired`).
    pub fn status(&self) -> Value {
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": format!("too old resource version: {} ({})", self.requested, self.oldest),
            "reason": "Expired",
            "code": 410,
        })
    }
}

/// The bounded history of watch events.
pub struct History {
    capacity: usize,
    events: VecDeque<HistoryEvent>,
    /// The last state seen of every object: resourceVersion and API JSON, by kind and key.
    known: BTreeMap<(Kind, ObjectKey), (u64, Value)>,
    /// The store's resourceVersion when last compared.
    synced: u64,
    /// A watch may resume from this version or any later one.
    oldest: u64,
}

impl History {
    /// A history starting from the store as it is now (its objects are the state a watch
    /// from the current version starts from), keeping at most `capacity` events.
    pub fn new(store: &Store, capacity: usize) -> History {
        let mut history = History {
            capacity: capacity.max(1),
            events: VecDeque::new(),
            known: BTreeMap::new(),
            synced: store.resource_version(),
            oldest: store.resource_version(),
        };
        for kind in Kind::ALL {
            let keys: Vec<ObjectKey> = sim_core::with_kind!(kind, T => store.list::<T>().map(|o| o.meta().key()).collect());
            for key in keys {
                if let Some(v) = lookup(store, kind, &key) {
                    let rv = sim_core::with_kind!(kind, T => store
                        .get::<T>(&key)
                        .map_or(0, |o| o.meta().resource_version));
                    history.known.insert((kind, key), (rv, v));
                }
            }
        }
        history
    }

    /// The store's resourceVersion when the history was last brought up to date.
    pub fn resource_version(&self) -> u64 {
        self.synced
    }

    /// Records the changes since the last call. Cheap when nothing was written.
    pub fn sync(&mut self, store: &Store) {
        let now = store.resource_version();
        if now == self.synced {
            return;
        }
        let mut changed: Vec<HistoryEvent> = Vec::new();
        let mut gone: Vec<(Kind, ObjectKey)> = Vec::new();
        for kind in Kind::ALL {
            let live: Vec<(ObjectKey, u64)> = sim_core::with_kind!(kind, T => store
                .list::<T>()
                .map(|o| (o.meta().key(), o.meta().resource_version))
                .collect());
            let mut present = std::collections::BTreeSet::new();
            for (key, rv) in live {
                let id = (kind, key);
                let (type_, previous) = match self.known.get(&id) {
                    Some((old, _)) if *old == rv => (None, None),
                    Some((_, before)) => (Some(EventType::Modified), Some(before.clone())),
                    None => (Some(EventType::Added), None),
                };
                if let Some(type_) = type_ {
                    if let Some(v) = lookup(store, kind, &id.1) {
                        changed.push(HistoryEvent {
                            rv,
                            kind,
                            type_,
                            object: v.clone(),
                            previous,
                        });
                        self.known.insert(id.clone(), (rv, v));
                    }
                }
                present.insert(id.1);
            }
            gone.extend(
                self.known
                    .range((kind, ObjectKey::cluster(String::new()))..)
                    .take_while(|((k, _), _)| *k == kind)
                    .filter(|((_, key), _)| !present.contains(key))
                    .map(|(id, _)| id.clone()),
            );
        }
        changed.sort_by_key(|e| e.rv);
        // Which removal took which version is not kept by the store: they all take the
        // latest, after the other changes of the instant.
        for id in gone {
            if let Some((_, mut object)) = self.known.remove(&id) {
                if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("resourceVersion".into(), json!(now.to_string()));
                }
                changed.push(HistoryEvent {
                    rv: now,
                    kind: id.0,
                    type_: EventType::Deleted,
                    object,
                    previous: None,
                });
            }
        }
        for e in changed {
            self.push(e);
        }
        self.synced = now;
    }

    fn push(&mut self, event: HistoryEvent) {
        if self.events.len() == self.capacity {
            if let Some(dropped) = self.events.pop_front() {
                // The window now starts after the dropped event.
                self.oldest = self.oldest.max(dropped.rv);
            }
        }
        self.events.push_back(event);
    }

    /// The events of `kind` after `rv` as a watch whose selectors `matches` sees them,
    /// oldest first, as kube-apiserver's cache watcher filters them: a change is MODIFIED
    /// when the object matches before and after, ADDED when it starts matching, DELETED
    /// (with its previous state) when it stops; `Expired` when some are no longer kept.
    pub fn since_selected(
        &self,
        kind: Kind,
        rv: u64,
        matches: &dyn Fn(&Value) -> bool,
    ) -> Result<Vec<(EventType, &Value)>, Expired> {
        let mut out = Vec::new();
        for e in self.since(kind, rv)? {
            let now = matches(&e.object);
            match (e.type_, &e.previous) {
                (EventType::Modified, Some(before)) => match (matches(before), now) {
                    (true, true) => out.push((EventType::Modified, &e.object)),
                    (false, true) => out.push((EventType::Added, &e.object)),
                    (true, false) => out.push((EventType::Deleted, before)),
                    (false, false) => {}
                },
                (type_, _) if now => out.push((type_, &e.object)),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The events of `kind` after `rv`, oldest first; `Expired` when some of them are no
    /// longer kept.
    pub fn since(&self, kind: Kind, rv: u64) -> Result<Vec<&HistoryEvent>, Expired> {
        if rv < self.oldest {
            return Err(Expired {
                requested: rv,
                oldest: self.oldest,
            });
        }
        Ok(self
            .events
            .iter()
            .filter(|e| e.kind == kind && e.rv > rv)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::objects::{ConfigMap, ObjectMeta};
    use sim_core::rng::{RngStreams, Stream};

    fn config_map(name: &str) -> ConfigMap {
        ConfigMap {
            meta: ObjectMeta {
                name: name.to_string(),
                namespace: "default".to_string(),
                ..ObjectMeta::default()
            },
            keys: Default::default(),
            immutable: false,
        }
    }

    fn store() -> Store {
        Store::new(RngStreams::new(1).stream(Stream::ObjectNames))
    }

    fn names(events: &[&HistoryEvent]) -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e.type_.as_str().to_string(),
                    e.object["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn replays_adds_changes_and_deletions_in_order() {
        let mut s = store();
        s.create(config_map("old")).expect("create");
        let mut h = History::new(&s, 16);
        let start = s.resource_version();
        s.create(config_map("new")).expect("create");
        h.sync(&s);
        let key = ObjectKey::new("default".to_string(), "new".to_string());
        s.modify::<ConfigMap, _>(&key, true, |c| {
            c.meta.labels.insert("a".into(), "b".into());
        })
        .expect("modify");
        h.sync(&s);
        s.remove::<ConfigMap>(&ObjectKey::new("default".to_string(), "old".to_string()))
            .expect("remove");
        h.sync(&s);
        let events = h.since(Kind::ConfigMap, start).expect("in the window");
        assert_eq!(
            names(&events),
            [
                ("ADDED".to_string(), "new".to_string()),
                ("MODIFIED".to_string(), "new".to_string()),
                ("DELETED".to_string(), "old".to_string()),
            ]
        );
        // The deletion carries the version it took, the newest.
        assert_eq!(
            events[2].object["metadata"]["resourceVersion"],
            json!(s.resource_version().to_string())
        );
        assert!(events.windows(2).all(|w| w[0].rv < w[1].rv));
        // From the last version: nothing to replay.
        assert!(h
            .since(Kind::ConfigMap, s.resource_version())
            .expect("current")
            .is_empty());
    }

    #[test]
    fn a_selector_sees_objects_enter_and_leave_it() {
        let mut s = store();
        s.create(config_map("a")).expect("create");
        let mut h = History::new(&s, 16);
        let start = s.resource_version();
        let key = ObjectKey::new("default".to_string(), "a".to_string());
        let label = |s: &mut Store, v: &str| {
            s.modify::<ConfigMap, _>(&key, true, |c| {
                c.meta.labels.insert("tier".into(), v.into());
            })
            .expect("modify");
        };
        for tier in ["web", "web2", "db"] {
            label(&mut s, tier);
            h.sync(&s);
        }
        let web = |v: &Value| {
            v["metadata"]["labels"]["tier"]
                .as_str()
                .is_some_and(|t| t.starts_with("web"))
        };
        let seen: Vec<EventType> = h
            .since_selected(Kind::ConfigMap, start, &web)
            .expect("kept")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            seen,
            [EventType::Added, EventType::Modified, EventType::Deleted]
        );
    }

    #[test]
    fn a_version_older_than_the_window_is_expired() {
        let mut s = store();
        let mut h = History::new(&s, 2);
        let start = s.resource_version();
        for name in ["a", "b", "c"] {
            s.create(config_map(name)).expect("create");
            h.sync(&s);
        }
        let expired = h.since(Kind::ConfigMap, start).expect_err("dropped");
        assert_eq!(expired.requested, start);
        // The first event ("a") was dropped: a watch may resume from its version on.
        assert_eq!(expired.oldest, start + 1);
        assert_eq!(
            expired.status()["message"],
            json!(format!("too old resource version: {start} ({})", start + 1))
        );
        assert_eq!(expired.status()["code"], json!(410));
        assert_eq!(
            names(&h.since(Kind::ConfigMap, start + 1).expect("kept")).len(),
            2
        );
    }
}
