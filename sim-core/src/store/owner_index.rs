//! The controller-owner index of the store: for every object, `(kind, controller uid, key)`,
//! where the controller uid is `None` for an object with no controller (an orphan).
//!
//! Workload controllers ask "which pods does this ReplicaSet control?" and "which pods of
//! this namespace have no controller?" on every reconcile, and a reconcile follows every pod
//! change; answering by scanning the namespace made a rollout cost O(pods²). The index is
//! kept at the store's three write paths (create, modify, remove) and at the seeding of
//! built-in objects, and answers in the order of [`super::Store::list_namespace`] (keys
//! ordered by namespace, then name), so consumers see the same sequence as before.
//!
//! **Invariant: the index holds exactly one entry per stored object, naming its current
//! controller uid** ([`super::Store::check_owner_index`] rebuilds it from the collections
//! and compares; the tests below run it after randomized sequences of store operations).

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{Kind, ObjectKey, ObjectMeta, Uid};

/// The keys of every stored object, grouped by `(kind, controller uid or None, namespace)`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct OwnerIndex(BTreeMap<(Kind, Option<Uid>, String), BTreeSet<ObjectKey>>);

/// The uid of the object's controller (`ownerReferences[controller=true]`), if any.
pub(super) fn controller_uid(meta: &ObjectMeta) -> Option<Uid> {
    meta.controller_ref().map(|r| r.uid)
}

impl OwnerIndex {
    /// Records a new object.
    pub(super) fn insert(&mut self, kind: Kind, controller: Option<Uid>, key: ObjectKey) {
        self.0
            .entry((kind, controller, key.namespace.clone()))
            .or_default()
            .insert(key);
    }

    /// Forgets a removed object.
    pub(super) fn remove(&mut self, kind: Kind, controller: Option<Uid>, key: &ObjectKey) {
        let group = (kind, controller, key.namespace.clone());
        if let Some(keys) = self.0.get_mut(&group) {
            keys.remove(key);
            if keys.is_empty() {
                self.0.remove(&group);
            }
        }
    }

    /// Moves an object whose controller changed (adoption, release, orphaning).
    pub(super) fn moved(
        &mut self,
        kind: Kind,
        key: &ObjectKey,
        from: Option<Uid>,
        to: Option<Uid>,
    ) {
        if from != to {
            self.remove(kind, from, key);
            self.insert(kind, to, key.clone());
        }
    }

    /// The keys of the objects of `kind` in `namespace` whose controller is `controller`
    /// (`None`: no controller), ordered by name; `None` when there are none.
    pub(super) fn keys(
        &self,
        kind: Kind,
        controller: Option<Uid>,
        namespace: &str,
    ) -> Option<&BTreeSet<ObjectKey>> {
        self.0.get(&(kind, controller, namespace.to_string()))
    }

    /// The first entry in which `self` and `other` differ, for an invariant report.
    pub(super) fn first_difference(&self, other: &OwnerIndex) -> Option<String> {
        let entries = |index: &OwnerIndex| -> BTreeSet<(Kind, Option<Uid>, ObjectKey)> {
            index
                .0
                .iter()
                .flat_map(|((kind, uid, namespace), keys)| {
                    // An empty group or a key filed under another namespace is a defect too.
                    let misfiled =
                        keys.is_empty() || keys.iter().any(|k| k.namespace != *namespace);
                    let marker = misfiled
                        .then(|| (*kind, *uid, ObjectKey::new(namespace.clone(), "<misfiled>")));
                    keys.iter()
                        .map(move |k| (*kind, *uid, k.clone()))
                        .chain(marker)
                })
                .collect()
        };
        let (mine, theirs) = (entries(self), entries(other));
        if let Some(extra) = mine.difference(&theirs).next() {
            return Some(format!("stale entry {extra:?}"));
        }
        theirs
            .difference(&mine)
            .next()
            .map(|missing| format!("missing entry {missing:?}"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::objects::{
        ConfigMap, Kind, ObjectKey, ObjectMeta, OwnerReference, Pod, PodSpec, RestartPolicy, Uid,
    };
    use crate::rng::{RngStreams, Stream};
    use crate::store::{DeleteOptions, Store};

    /// One store operation of a randomized sequence. Names and owners come from small
    /// ranges so that operations collide (re-creates, adoptions of existing objects).
    #[derive(Debug, Clone)]
    enum Op {
        CreatePod { ns: u8, name: u8, owner: u8 },
        CreateConfigMap { ns: u8, name: u8, owner: u8 },
        SetPodOwner { ns: u8, name: u8, owner: u8 },
        SetConfigMapOwner { ns: u8, name: u8, owner: u8 },
        TouchPod { ns: u8, name: u8 },
        DeletePod { ns: u8, name: u8, bound: bool },
        RemovePod { ns: u8, name: u8 },
        RemoveConfigMap { ns: u8, name: u8 },
    }

    const NAMESPACES: [&str; 2] = ["default", "kube-system"];

    fn key(ns: u8, name: u8) -> ObjectKey {
        ObjectKey::new(NAMESPACES[usize::from(ns % 2)], format!("o{name}"))
    }

    /// Owner choice: 0 none, 1–2 a controller (uids 9001, 9002), 3 a non-controller
    /// reference only, 4 a non-controller reference before a controller one.
    fn owners(owner: u8) -> Vec<OwnerReference> {
        let reference = |uid: u64, controller: bool| OwnerReference {
            kind: Kind::ReplicaSet,
            name: format!("rs{uid}"),
            uid: Uid(uid),
            controller,
            block_owner_deletion: controller,
        };
        match owner % 5 {
            0 => Vec::new(),
            1 => vec![reference(9001, true)],
            2 => vec![reference(9002, true)],
            3 => vec![reference(9001, false)],
            _ => vec![reference(9002, false), reference(9001, true)],
        }
    }

    fn meta(ns: u8, name: u8, owner: u8) -> ObjectMeta {
        let key = key(ns, name);
        ObjectMeta {
            name: key.name,
            namespace: key.namespace,
            owner_references: owners(owner),
            ..ObjectMeta::default()
        }
    }

    fn pod_spec() -> PodSpec {
        PodSpec {
            node_name: None,
            scheduler_name: "default-scheduler".to_string(),
            node_selector: Default::default(),
            tolerations: Vec::new(),
            init_containers: Vec::new(),
            containers: Vec::new(),
            restart_policy: RestartPolicy::Always,
            termination_grace_period_seconds: 30,
            priority: 0,
            priority_class_name: String::new(),
            preemption_policy: Default::default(),
            active_deadline_seconds: None,
            affinity: None,
            volumes: vec![],
            hostname: None,
            subdomain: None,
            topology_spread_constraints: vec![],
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        let ns = 0u8..2;
        let name = 0u8..6;
        let owner = 0u8..5;
        prop_oneof![
            (ns.clone(), name.clone(), owner.clone()).prop_map(|(ns, name, owner)| Op::CreatePod {
                ns,
                name,
                owner
            }),
            (ns.clone(), name.clone(), owner.clone())
                .prop_map(|(ns, name, owner)| Op::CreateConfigMap { ns, name, owner }),
            (ns.clone(), name.clone(), owner.clone())
                .prop_map(|(ns, name, owner)| Op::SetPodOwner { ns, name, owner }),
            (ns.clone(), name.clone(), owner).prop_map(|(ns, name, owner)| Op::SetConfigMapOwner {
                ns,
                name,
                owner
            }),
            (ns.clone(), name.clone()).prop_map(|(ns, name)| Op::TouchPod { ns, name }),
            (ns.clone(), name.clone(), any::<bool>()).prop_map(|(ns, name, bound)| Op::DeletePod {
                ns,
                name,
                bound
            }),
            (ns.clone(), name.clone()).prop_map(|(ns, name)| Op::RemovePod { ns, name }),
            (ns, name).prop_map(|(ns, name)| Op::RemoveConfigMap { ns, name }),
        ]
    }

    /// Applies `op`; refusals (already exists, not found) are part of the sequence too.
    fn apply(store: &mut Store, op: &Op) {
        match *op {
            Op::CreatePod { ns, name, owner } => {
                let pod = Pod {
                    meta: meta(ns, name, owner),
                    spec: pod_spec(),
                    status: Default::default(),
                };
                let _refused_or_created = store.create(pod);
            }
            Op::CreateConfigMap { ns, name, owner } => {
                let map = ConfigMap {
                    meta: meta(ns, name, owner),
                    keys: Default::default(),
                    immutable: false,
                };
                let _refused_or_created = store.create(map);
            }
            Op::SetPodOwner { ns, name, owner } => {
                let _missing_or_done = store.modify::<Pod, _>(&key(ns, name), false, |p| {
                    p.meta.owner_references = owners(owner);
                });
            }
            Op::SetConfigMapOwner { ns, name, owner } => {
                let _missing_or_done = store.modify::<ConfigMap, _>(&key(ns, name), false, |m| {
                    m.meta.owner_references = owners(owner);
                });
            }
            Op::TouchPod { ns, name } => {
                let _missing_or_done = store.modify::<Pod, _>(&key(ns, name), false, |p| {
                    p.meta
                        .labels
                        .insert("touched".to_string(), "yes".to_string());
                });
            }
            Op::DeletePod { ns, name, bound } => {
                if bound {
                    let _missing_or_done = store.modify::<Pod, _>(&key(ns, name), false, |p| {
                        p.spec.node_name = Some("node-1".to_string());
                    });
                }
                let _missing_or_done = store.delete_pod(&key(ns, name), DeleteOptions::default());
            }
            Op::RemovePod { ns, name } => {
                let _missing_or_done = store.remove::<Pod>(&key(ns, name));
            }
            Op::RemoveConfigMap { ns, name } => {
                let _missing_or_done = store.remove::<ConfigMap>(&key(ns, name));
            }
        }
    }

    /// The index queries against the namespace scans they replace.
    fn assert_queries_match_scans(store: &Store) {
        for ns in NAMESPACES {
            for uid in [Uid(9001), Uid(9002), Uid(1)] {
                let indexed: Vec<ObjectKey> = store
                    .controlled_by::<Pod>(ns, uid)
                    .map(|p| p.meta.key())
                    .collect();
                let scanned: Vec<ObjectKey> = store
                    .list_namespace::<Pod>(ns)
                    .filter(|p| p.meta.controller_ref().is_some_and(|r| r.uid == uid))
                    .map(|p| p.meta.key())
                    .collect();
                assert_eq!(indexed, scanned, "pods controlled by {uid:?} in {ns}");
            }
            let indexed: Vec<ObjectKey> = store
                .orphans::<ConfigMap>(ns)
                .map(|m| m.meta.key())
                .collect();
            let scanned: Vec<ObjectKey> = store
                .list_namespace::<ConfigMap>(ns)
                .filter(|m| m.meta.controller_ref().is_none())
                .map(|m| m.meta.key())
                .collect();
            assert_eq!(indexed, scanned, "orphan config maps in {ns}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// After every operation of a random sequence, the index equals one rebuilt from
        /// the collections, and its queries equal the scans they replace.
        #[test]
        fn index_matches_a_rebuild(ops in proptest::collection::vec(op(), 1..60)) {
            let mut store = Store::new(RngStreams::new(7).stream(Stream::ObjectNames));
            for op in &ops {
                apply(&mut store, op);
                if let Err(problem) = store.check_owner_index() {
                    panic!("after {op:?}: {problem}");
                }
                assert_queries_match_scans(&store);
            }
        }
    }

    /// A small group in a large collection is answered by lookups rather than by a scan;
    /// both ways must give what the scan gives.
    #[test]
    fn small_groups_in_large_collections_are_looked_up_in_scan_order() {
        let mut store = Store::new(RngStreams::new(3).stream(Stream::ObjectNames));
        for name in 0..100u8 {
            // Every 40th pod is controlled by 9001, every 7th by 9002, the rest orphans.
            let owner = match name {
                n if n % 40 == 0 => 1,
                n if n % 7 == 0 => 2,
                _ => 0,
            };
            apply(
                &mut store,
                &Op::CreatePod {
                    ns: name % 2,
                    name,
                    owner,
                },
            );
        }
        assert_eq!(store.check_owner_index(), Ok(()));
        assert_queries_match_scans(&store);
        let controlled: Vec<String> = store
            .controlled_by::<Pod>("default", Uid(9001))
            .map(|p| p.meta.name.clone())
            .collect();
        assert_eq!(controlled, ["o0", "o40", "o80"]);
    }

    /// The objects a store starts with (namespaces, PriorityClasses, the API server's
    /// Service and EndpointSlice) are in the index too.
    #[test]
    fn built_in_objects_are_indexed() {
        let mut store = Store::new(RngStreams::new(1).stream(Stream::ObjectNames));
        store.seed_api_server_service(crate::objects::Ipv4Address::new(10, 0, 0, 1));
        assert_eq!(store.check_owner_index(), Ok(()));
        assert_eq!(
            store
                .orphans::<crate::objects::Service>("default")
                .map(|s| s.meta.name.as_str())
                .collect::<Vec<_>>(),
            ["kubernetes"]
        );
    }
}
