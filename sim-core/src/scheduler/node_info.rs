//! The scheduler's view of the cluster: one [`NodeInfo`] per node with the requests of the
//! pods bound (or assumed) there, kept incrementally in a [`SchedulerCache`].

use std::collections::BTreeMap;

use crate::objects::{Node, Pod, Resources, Uid};

use super::framework::NonZeroRequests;

/// What one pod contributes to its node, remembered so that removal subtracts exactly that.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PodAccount {
    requests: Resources,
    non_zero: NonZeroRequests,
}

impl PodAccount {
    fn of(pod: &Pod) -> PodAccount {
        PodAccount {
            requests: pod.spec.effective_requests(),
            non_zero: NonZeroRequests::of(&pod.spec),
        }
    }
}

/// A node plus the aggregated requests of the pods on it (kube-scheduler's `NodeInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// The node object.
    pub node: Node,
    /// Σ effective requests of the pods on the node (`requested.pods` is their number).
    pub requested: Resources,
    /// Σ non-zero CPU requests (scoring defaults applied), in millicores.
    pub non_zero_cpu_millis: u64,
    /// Σ non-zero memory requests (scoring defaults applied), in bytes.
    pub non_zero_memory_bytes: u64,
    /// Number of pods on the node.
    pub pod_count: u64,
    pods: BTreeMap<Uid, PodAccount>,
}

impl NodeInfo {
    /// A node with no pods.
    pub fn new(node: Node) -> NodeInfo {
        NodeInfo {
            node,
            requested: Resources::default(),
            non_zero_cpu_millis: 0,
            non_zero_memory_bytes: 0,
            pod_count: 0,
            pods: BTreeMap::new(),
        }
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.node.meta.name
    }

    /// `status.allocatable` of the node.
    pub fn allocatable(&self) -> &Resources {
        &self.node.allocatable
    }

    /// Accounts `pod` on this node. Adding a pod whose uid is already accounted replaces its
    /// old requests (an update). Returns whether the uid was new.
    pub fn add_pod(&mut self, pod: &Pod) -> bool {
        self.insert_account(pod.meta.uid, PodAccount::of(pod))
    }

    /// Removes the pod with `uid`; returns whether it was there (removing twice is harmless).
    pub fn remove_pod(&mut self, uid: Uid) -> bool {
        self.take_account(uid).is_some()
    }

    /// Whether the pod with `uid` is accounted on this node.
    pub fn has_pod(&self, uid: Uid) -> bool {
        self.pods.contains_key(&uid)
    }

    /// The uids of the pods on this node, ascending.
    pub fn pod_uids(&self) -> impl Iterator<Item = Uid> + '_ {
        self.pods.keys().copied()
    }

    fn insert_account(&mut self, uid: Uid, account: PodAccount) -> bool {
        let was_new = self.take_account(uid).is_none();
        self.requested.add(&account.requests);
        self.non_zero_cpu_millis = self
            .non_zero_cpu_millis
            .saturating_add(account.non_zero.cpu_millis);
        self.non_zero_memory_bytes = self
            .non_zero_memory_bytes
            .saturating_add(account.non_zero.memory_bytes);
        self.pod_count += 1;
        self.pods.insert(uid, account);
        was_new
    }

    fn take_account(&mut self, uid: Uid) -> Option<PodAccount> {
        let account = self.pods.remove(&uid)?;
        self.requested.sub(&account.requests);
        self.requested.extended.retain(|_, amount| *amount != 0);
        self.non_zero_cpu_millis = self
            .non_zero_cpu_millis
            .saturating_sub(account.non_zero.cpu_millis);
        self.non_zero_memory_bytes = self
            .non_zero_memory_bytes
            .saturating_sub(account.non_zero.memory_bytes);
        self.pod_count -= 1;
        Some(account)
    }
}

/// All [`NodeInfo`]s, ordered by node name, updated incrementally as nodes and pods change.
///
/// The order by name is what the scheduler's rotating start index walks, so it must not
/// depend on insertion order. Pods are accounted by uid: adding a pod again updates it (and
/// moves it if it names another node), removing an unknown pod does nothing. A pod added to
/// a node the cache does not know (yet, or any more) is parked and counted as soon as that
/// node is added; removing a node parks its pods the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulerCache {
    nodes: Vec<NodeInfo>,
    index: BTreeMap<String, usize>,
    pod_nodes: BTreeMap<Uid, String>,
    parked: BTreeMap<String, BTreeMap<Uid, PodAccount>>,
}

impl SchedulerCache {
    /// An empty cache.
    pub fn new() -> SchedulerCache {
        SchedulerCache::default()
    }

    /// A cache holding `nodes` (no pods); a later node with the same name replaces an earlier
    /// one.
    pub fn from_nodes(nodes: impl IntoIterator<Item = Node>) -> SchedulerCache {
        let mut by_name = BTreeMap::new();
        for node in nodes {
            by_name.insert(node.meta.name.clone(), node);
        }
        let mut cache = SchedulerCache::new();
        for (name, node) in by_name {
            cache.index.insert(name, cache.nodes.len());
            cache.nodes.push(NodeInfo::new(node));
        }
        cache
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All node infos, ordered by node name.
    pub fn node_infos(&self) -> &[NodeInfo] {
        &self.nodes
    }

    /// The node info of `node_name`.
    pub fn get(&self, node_name: &str) -> Option<&NodeInfo> {
        self.index.get(node_name).map(|&i| &self.nodes[i])
    }

    /// Adds `node`, or replaces the node object of that name keeping its pods. Pods parked for
    /// this name are accounted now.
    pub fn add_node(&mut self, node: Node) {
        if let Some(&i) = self.index.get(&node.meta.name) {
            self.nodes[i].node = node;
            return;
        }
        let name = node.meta.name.clone();
        let mut info = NodeInfo::new(node);
        if let Some(parked) = self.parked.remove(&name) {
            for (uid, account) in parked {
                info.insert_account(uid, account);
            }
        }
        let position = self.nodes.partition_point(|n| n.node.meta.name < name);
        self.nodes.insert(position, info);
        self.index.insert(name, position);
        self.reindex_from(position);
    }

    /// Replaces the node object (cordon, taints, labels, allocatable...); the same as
    /// [`SchedulerCache::add_node`], which also accepts a node it does not know yet.
    pub fn update_node(&mut self, node: Node) {
        self.add_node(node);
    }

    /// Removes the node named `node_name` and returns it. Its pods stay accounted (parked)
    /// until they are removed or the node comes back, as in kube-scheduler's cache.
    pub fn remove_node(&mut self, node_name: &str) -> Option<Node> {
        let position = self.index.remove(node_name)?;
        let info = self.nodes.remove(position);
        self.reindex_from(position);
        if !info.pods.is_empty() {
            self.parked.insert(node_name.to_string(), info.pods);
        }
        Some(info.node)
    }

    /// Accounts `pod` on `node_name`. Adding a pod again updates its requests, and moves it if
    /// it was accounted on another node.
    pub fn add_pod(&mut self, node_name: &str, pod: &Pod) {
        let uid = pod.meta.uid;
        if let Some(previous) = self.pod_nodes.get(&uid) {
            if previous != node_name {
                let previous = previous.clone();
                self.remove_account(&previous, uid);
            }
        }
        let account = PodAccount::of(pod);
        match self.index.get(node_name) {
            Some(&i) => {
                self.nodes[i].insert_account(uid, account);
            }
            None => {
                self.parked
                    .entry(node_name.to_string())
                    .or_default()
                    .insert(uid, account);
            }
        }
        self.pod_nodes.insert(uid, node_name.to_string());
    }

    /// Stops accounting `pod`. The node recorded when the pod was added wins over
    /// `node_name`; removing a pod that is not accounted does nothing. Returns whether it was
    /// accounted.
    pub fn remove_pod(&mut self, node_name: &str, pod: &Pod) -> bool {
        self.remove_pod_uid(node_name, pod.meta.uid)
    }

    /// [`SchedulerCache::remove_pod`] by uid, for when the pod object is already gone.
    pub fn remove_pod_uid(&mut self, node_name: &str, uid: Uid) -> bool {
        // The recorded node is authoritative: a caller holding a stale copy of the pod may
        // name the wrong node, and the accounting must still come off where it was added.
        let _ = node_name;
        let Some(recorded) = self.pod_nodes.remove(&uid) else {
            return false;
        };
        self.remove_account(&recorded, uid);
        true
    }

    fn remove_account(&mut self, node_name: &str, uid: Uid) {
        if let Some(&i) = self.index.get(node_name) {
            self.nodes[i].remove_pod(uid);
        } else if let Some(parked) = self.parked.get_mut(node_name) {
            parked.remove(&uid);
            if parked.is_empty() {
                self.parked.remove(node_name);
            }
        }
    }

    /// The index map iterates names in the same order as `nodes`, so entry `i` maps to `i`.
    fn reindex_from(&mut self, position: usize) {
        for (i, slot) in self.index.values_mut().enumerate().skip(position) {
            *slot = i;
        }
        debug_assert!(self
            .index
            .iter()
            .all(|(name, &i)| self.nodes[i].node.meta.name == *name));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::objects::{
        ConditionStatus, Container, ImagePullPolicy, ObjectMeta, PodSpec, PodStatus, RestartPolicy,
    };

    pub(crate) const GIB: u64 = 1024 * 1024 * 1024;

    pub(crate) fn node(name: &str, cpu_millis: u64, memory_bytes: u64) -> Node {
        let allocatable = Resources {
            cpu_millis,
            memory_bytes,
            ephemeral_storage_bytes: 100 * GIB,
            pods: 110,
            extended: BTreeMap::new(),
        };
        Node {
            meta: ObjectMeta {
                name: name.to_string(),
                ..ObjectMeta::default()
            },
            unschedulable: false,
            taints: vec![],
            capacity: allocatable.clone(),
            allocatable,
            ready: ConditionStatus::True,
        }
    }

    pub(crate) fn pod(uid: u64, cpu_millis: u64, memory_bytes: u64) -> Pod {
        Pod {
            meta: ObjectMeta {
                name: format!("pod-{uid}"),
                namespace: "default".into(),
                uid: Uid(uid),
                ..ObjectMeta::default()
            },
            spec: PodSpec {
                node_name: None,
                scheduler_name: "default-scheduler".into(),
                node_selector: BTreeMap::new(),
                tolerations: vec![],
                init_containers: vec![],
                containers: vec![Container {
                    name: "app".into(),
                    image: "app:1".into(),
                    image_pull_policy: ImagePullPolicy::IfNotPresent,
                    requests: Resources {
                        cpu_millis,
                        memory_bytes,
                        ..Resources::default()
                    },
                    limits: Resources::default(),
                    readiness_probe: None,
                    liveness_probe: None,
                    startup_probe: None,
                    restart_policy: None,
                    pre_stop: None,
                    declared: Default::default(),
                    config_refs: Vec::new(),
                }],
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
            },
            status: PodStatus::default(),
        }
    }

    fn names(cache: &SchedulerCache) -> Vec<&str> {
        cache.node_infos().iter().map(NodeInfo::name).collect()
    }

    #[test]
    fn nodes_are_ordered_by_name_whatever_the_insertion_order() {
        let mut cache = SchedulerCache::new();
        for name in ["c", "a", "d", "b"] {
            cache.add_node(node(name, 1000, GIB));
        }
        assert_eq!(names(&cache), ["a", "b", "c", "d"]);
        assert_eq!(cache.get("c").map(NodeInfo::name), Some("c"));
        cache.remove_node("b");
        assert_eq!(names(&cache), ["a", "c", "d"]);
        assert_eq!(cache.get("d").map(NodeInfo::name), Some("d"));
        assert!(cache.get("b").is_none());
        let bulk = SchedulerCache::from_nodes(["d", "c", "a"].map(|n| node(n, 1000, GIB)));
        assert_eq!(bulk, cache);
    }

    #[test]
    fn pods_are_accounted_by_uid_and_removing_twice_is_harmless() {
        let mut cache = SchedulerCache::from_nodes([node("a", 4000, 8 * GIB)]);
        let p = pod(1, 500, GIB);
        cache.add_pod("a", &p);
        cache.add_pod("a", &p);
        let info = cache.get("a").expect("node a");
        assert_eq!(info.pod_count, 1);
        assert_eq!(info.requested.cpu_millis, 500);
        assert_eq!(info.requested.pods, 1);
        assert!(cache.remove_pod("a", &p));
        assert!(!cache.remove_pod("a", &p));
        assert!(!cache.remove_pod_uid("a", p.meta.uid));
        let info = cache.get("a").expect("node a");
        assert_eq!(info.pod_count, 0);
        assert_eq!(info.requested, Resources::default());
        assert_eq!(
            (info.non_zero_cpu_millis, info.non_zero_memory_bytes),
            (0, 0)
        );
    }

    #[test]
    fn best_effort_pods_count_with_scoring_defaults_only() {
        let mut cache = SchedulerCache::from_nodes([node("a", 4000, 8 * GIB)]);
        cache.add_pod("a", &pod(1, 0, 0));
        let info = cache.get("a").expect("node a");
        assert_eq!(info.requested.cpu_millis, 0);
        assert_eq!(info.non_zero_cpu_millis, 100);
        assert_eq!(info.non_zero_memory_bytes, 200 * 1024 * 1024);
    }

    #[test]
    fn re_adding_a_pod_on_another_node_moves_it() {
        let mut cache = SchedulerCache::from_nodes([node("a", 4000, GIB), node("b", 4000, GIB)]);
        let p = pod(7, 300, 0);
        cache.add_pod("a", &p);
        cache.add_pod("b", &p);
        assert_eq!(cache.get("a").expect("a").pod_count, 0);
        assert_eq!(cache.get("b").expect("b").requested.cpu_millis, 300);
    }

    #[test]
    fn pods_of_unknown_or_removed_nodes_are_parked() {
        let mut cache = SchedulerCache::new();
        let p = pod(1, 250, 0);
        cache.add_pod("late", &p);
        cache.add_node(node("late", 1000, GIB));
        assert_eq!(cache.get("late").expect("late").requested.cpu_millis, 250);
        assert!(cache.remove_node("late").is_some());
        cache.add_node(node("late", 1000, GIB));
        assert_eq!(cache.get("late").expect("late").pod_count, 1);
        cache.remove_node("late");
        assert!(cache.remove_pod("late", &p));
        cache.add_node(node("late", 1000, GIB));
        assert_eq!(cache.get("late").expect("late").pod_count, 0);
    }

    proptest::proptest! {
        /// Whatever the order of adds, moves and removals, each node's sums equal a fresh
        /// recomputation from the pods accounted on it.
        #[test]
        fn incremental_accounting_matches_a_recount(
            ops in proptest::collection::vec((0u64..6, 0usize..3, 0u64..2000, proptest::bool::ANY), 0..40)
        ) {
            let node_names = ["a", "b", "c"];
            let mut cache = SchedulerCache::from_nodes(node_names.map(|n| node(n, 4000, GIB)));
            let mut placed: BTreeMap<u64, (usize, Pod)> = BTreeMap::new();
            for (uid, node_index, cpu, add) in ops {
                let p = pod(uid + 1, cpu, cpu * 1024);
                if add {
                    cache.add_pod(node_names[node_index], &p);
                    placed.insert(uid, (node_index, p));
                } else {
                    cache.remove_pod(node_names[node_index], &p);
                    placed.remove(&uid);
                }
            }
            for (i, name) in node_names.iter().enumerate() {
                let mut fresh = NodeInfo::new(node(name, 4000, GIB));
                for (node_index, p) in placed.values() {
                    if *node_index == i {
                        fresh.add_pod(p);
                    }
                }
                proptest::prop_assert_eq!(cache.get(name), Some(&fresh));
            }
        }
    }

    #[test]
    fn update_node_keeps_the_pods() {
        let mut cache = SchedulerCache::from_nodes([node("a", 1000, GIB)]);
        cache.add_pod("a", &pod(1, 100, 0));
        let mut cordoned = node("a", 1000, GIB);
        cordoned.unschedulable = true;
        cache.update_node(cordoned);
        let info = cache.get("a").expect("a");
        assert!(info.node.unschedulable);
        assert_eq!(info.pod_count, 1);
    }
}
