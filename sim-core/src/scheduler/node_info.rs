//! The scheduler's view of the cluster: one [`NodeInfo`] per node with the requests of the
//! pods bound (or assumed) there, kept incrementally in a [`SchedulerCache`].

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{Node, Pod, PortProtocol, Resources, Uid};
use crate::selector::LabelSelector;

use super::framework::NonZeroRequests;
use super::plugins::inter_pod_affinity::PodTerms;

/// A host port a pod uses: `(hostIP, protocol, hostPort)`, the IP empty for all addresses
/// (kube-scheduler's `HostPortInfo` entry).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    /// `hostIP`, normalised: empty or `0.0.0.0` both mean every address.
    pub ip: String,
    /// Protocol.
    pub protocol: PortProtocol,
    /// `hostPort` (> 0).
    pub port: u16,
}

impl HostPort {
    /// Whether binding `self` conflicts with `other` already bound on the node
    /// (`HostPortInfo.CheckConflict`): same protocol and port, and either address is the
    /// wildcard or they are equal.
    pub fn conflicts_with(&self, other: &HostPort) -> bool {
        self.protocol == other.protocol
            && self.port == other.port
            && (self.ip.is_empty() || other.ip.is_empty() || self.ip == other.ip)
    }

    /// The host ports of `pod`'s app containers (`hostPort` > 0); like NodePorts'
    /// `getContainerPorts`, init containers (sidecars included) are not looked at.
    pub fn of(pod: &Pod) -> Vec<HostPort> {
        pod.spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .filter(|p| p.host_port > 0)
            .map(|p| HostPort {
                ip: if p.host_ip == "0.0.0.0" {
                    String::new()
                } else {
                    p.host_ip.clone()
                },
                protocol: p.protocol,
                port: p.host_port,
            })
            .collect()
    }
}

/// What the inter-pod plugins need to know about a pod on a node (kube-scheduler's
/// `PodInfo`): namespace, labels, whether it is terminating, its pod (anti-)affinity and
/// host ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEntry {
    /// The pod's uid.
    pub uid: Uid,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// Whether `metadata.deletionTimestamp` is set (PodTopologySpread does not count such
    /// pods).
    pub terminating: bool,
    /// The pod (anti-)affinity terms, resolved once when the pod is added; `None` when the
    /// pod has none.
    pub terms: Option<Box<PodTerms>>,
    /// Host ports in use.
    pub host_ports: Vec<HostPort>,
}

impl PodEntry {
    /// The entry of `pod`.
    pub fn of(pod: &Pod) -> PodEntry {
        PodEntry {
            uid: pod.meta.uid,
            namespace: pod.meta.namespace.clone(),
            labels: pod.meta.labels.clone(),
            terminating: pod.meta.deletion_timestamp.is_some(),
            terms: pod
                .spec
                .affinity
                .as_ref()
                .filter(|a| a.has_pod_affinity())
                .map(|a| Box::new(PodTerms::of(Some(a), &pod.meta.namespace, &pod.meta.labels))),
            host_ports: HostPort::of(pod),
        }
    }

    /// Whether the pod has pod affinity or anti-affinity terms.
    pub fn has_affinity(&self) -> bool {
        self.terms.is_some()
    }

    /// Whether the pod has required anti-affinity terms.
    pub fn has_required_anti_affinity(&self) -> bool {
        self.terms
            .as_ref()
            .is_some_and(|t| !t.required_anti_affinity.is_empty())
    }
}

/// What one pod contributes to its node, remembered so that removal subtracts exactly that.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PodAccount {
    requests: Resources,
    non_zero: NonZeroRequests,
    entry: PodEntry,
}

impl PodAccount {
    fn of(pod: &Pod) -> PodAccount {
        PodAccount {
            requests: pod.spec.effective_requests(),
            non_zero: NonZeroRequests::of(&pod.spec),
            entry: PodEntry::of(pod),
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
    /// Number of pods on the node with pod affinity or anti-affinity.
    pub pods_with_affinity: u64,
    /// Number of pods on the node with required pod anti-affinity.
    pub pods_with_required_anti_affinity: u64,
    /// Number of pods on the node using host ports.
    pub pods_with_host_ports: u64,
    pods: BTreeMap<Uid, PodAccount>,
    matching: MatchingCountMemo,
}

/// How many entries [`MatchingCountMemo`] keeps (distinct selectors scored in a row).
const MATCHING_MEMO_ENTRIES: usize = 4;

/// The last few answers of [`NodeInfo::count_matching`], forgotten whenever a pod is added
/// to the node, removed or refreshed. PodTopologySpread counts, for every pod it scores,
/// the matching pods on every node (the zone constraint of the system defaults visits all
/// nodes), while a node's pods change only when one is bound, deleted or relabelled: the
/// memo makes a scheduling cycle cost the nodes, not the pods. Interior mutability because
/// plugins see the cache read-only; it takes no part in comparisons (a cache with a memo
/// equals one without).
#[derive(Debug, Clone, Default)]
struct MatchingCountMemo(std::cell::RefCell<Vec<(String, LabelSelector, usize)>>);

impl PartialEq for MatchingCountMemo {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for MatchingCountMemo {}

impl NodeInfo {
    /// A node with no pods.
    pub fn new(node: Node) -> NodeInfo {
        NodeInfo {
            node,
            requested: Resources::default(),
            non_zero_cpu_millis: 0,
            non_zero_memory_bytes: 0,
            pod_count: 0,
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            pods_with_host_ports: 0,
            pods: BTreeMap::new(),
            matching: MatchingCountMemo::default(),
        }
    }

    /// The number of pods of `namespace` on this node that `selector` matches and that are
    /// not terminating (`countPodsMatchSelector`), memoized until the node's pods change.
    pub fn count_matching(&self, namespace: &str, selector: &LabelSelector) -> usize {
        let mut memo = self.matching.0.borrow_mut();
        if let Some((_, _, count)) = memo
            .iter()
            .find(|(ns, s, _)| ns == namespace && s == selector)
        {
            return *count;
        }
        let count = self
            .pods()
            .filter(|p| !p.terminating && p.namespace == namespace && selector.matches(&p.labels))
            .count();
        if memo.len() == MATCHING_MEMO_ENTRIES {
            memo.remove(0);
        }
        memo.push((namespace.to_string(), selector.clone(), count));
        count
    }

    /// The pods on this node, by ascending uid.
    pub fn pods(&self) -> impl Iterator<Item = &PodEntry> + '_ {
        self.pods.values().map(|a| &a.entry)
    }

    /// The pods on this node that have pod affinity or anti-affinity.
    pub fn pods_with_affinity(&self) -> impl Iterator<Item = &PodEntry> + '_ {
        self.pods()
            .filter(|p| p.has_affinity())
            .take(usize::try_from(self.pods_with_affinity).unwrap_or(usize::MAX))
    }

    /// The host ports in use on this node (`NodeInfo.UsedPorts`).
    pub fn used_ports(&self) -> impl Iterator<Item = &HostPort> + '_ {
        self.pods().flat_map(|p| &p.host_ports)
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
        self.count_entry(&account.entry, true);
        self.pods.insert(uid, account);
        self.matching.0.get_mut().clear();
        was_new
    }

    fn take_account(&mut self, uid: Uid) -> Option<PodAccount> {
        let account = self.pods.remove(&uid)?;
        self.matching.0.get_mut().clear();
        self.requested.sub(&account.requests);
        self.requested.extended.retain(|_, amount| *amount != 0);
        self.non_zero_cpu_millis = self
            .non_zero_cpu_millis
            .saturating_sub(account.non_zero.cpu_millis);
        self.non_zero_memory_bytes = self
            .non_zero_memory_bytes
            .saturating_sub(account.non_zero.memory_bytes);
        self.pod_count -= 1;
        self.count_entry(&account.entry, false);
        Some(account)
    }

    fn count_entry(&mut self, entry: &PodEntry, add: bool) {
        let counters = [
            (entry.has_affinity(), &mut self.pods_with_affinity),
            (
                entry.has_required_anti_affinity(),
                &mut self.pods_with_required_anti_affinity,
            ),
            (!entry.host_ports.is_empty(), &mut self.pods_with_host_ports),
        ];
        for (applies, counter) in counters {
            if applies {
                *counter = if add {
                    *counter + 1
                } else {
                    counter.saturating_sub(1)
                };
            }
        }
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
    /// Image name → number of nodes listing it in `status.images` (`ImageStateSummary.
    /// NumNodes`).
    image_nodes: BTreeMap<String, u64>,
    /// Nodes holding pods with pod (anti-)affinity, and with required anti-affinity
    /// (`HavePodsWithAffinityList`, `HavePodsWithRequiredAntiAffinityList`).
    nodes_with_affinity: BTreeSet<String>,
    nodes_with_required_anti_affinity: BTreeSet<String>,
    /// Namespace labels, for `namespaceSelector`s.
    namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
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
            cache.count_images(&node, true);
            cache.index.insert(name, cache.nodes.len());
            cache.nodes.push(NodeInfo::new(node));
        }
        cache
    }

    /// How many nodes list the image `name` in `status.images`.
    pub fn image_node_count(&self, name: &str) -> u64 {
        self.image_nodes.get(name).copied().unwrap_or(0)
    }

    /// The nodes holding pods with pod affinity or anti-affinity, in name order.
    pub fn nodes_with_affinity(&self) -> impl Iterator<Item = &NodeInfo> + '_ {
        // A counter check per node is cheaper than a name lookup per listed node.
        self.nodes.iter().filter(|n| n.pods_with_affinity > 0)
    }

    /// The nodes holding pods with required pod anti-affinity, in name order.
    pub fn nodes_with_required_anti_affinity(&self) -> impl Iterator<Item = &NodeInfo> + '_ {
        self.nodes
            .iter()
            .filter(|n| n.pods_with_required_anti_affinity > 0)
    }

    /// Whether any node holds a pod with required pod anti-affinity.
    pub fn has_required_anti_affinity_pods(&self) -> bool {
        !self.nodes_with_required_anti_affinity.is_empty()
    }

    /// Whether any node holds a pod with pod affinity or anti-affinity.
    pub fn has_affinity_pods(&self) -> bool {
        !self.nodes_with_affinity.is_empty()
    }

    /// Records the labels of namespace `name` (for `namespaceSelector`s).
    pub fn set_namespace_labels(&mut self, name: &str, labels: BTreeMap<String, String>) {
        self.namespace_labels.insert(name.to_string(), labels);
    }

    /// Forgets namespace `name`.
    pub fn remove_namespace(&mut self, name: &str) {
        self.namespace_labels.remove(name);
    }

    /// The labels of namespace `name` (empty when unknown).
    pub fn namespace_labels(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.namespace_labels.get(name)
    }

    /// Every known namespace with its labels, by name.
    pub fn namespaces(&self) -> impl Iterator<Item = (&String, &BTreeMap<String, String>)> + '_ {
        self.namespace_labels.iter()
    }

    fn count_images(&mut self, node: &Node, add: bool) {
        for name in node.images.iter().flat_map(|i| &i.names) {
            if add {
                *self.image_nodes.entry(name.clone()).or_insert(0) += 1;
            } else if let Some(count) = self.image_nodes.get_mut(name) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.image_nodes.remove(name);
                }
            }
        }
    }

    /// Brings the affinity node sets up to date for `node_name`.
    fn refresh_affinity_sets(&mut self, node_name: &str) {
        let (with_affinity, with_anti) = match self.get(node_name) {
            Some(info) => (
                info.pods_with_affinity > 0,
                info.pods_with_required_anti_affinity > 0,
            ),
            None => (false, false),
        };
        for (set, present) in [
            (&mut self.nodes_with_affinity, with_affinity),
            (&mut self.nodes_with_required_anti_affinity, with_anti),
        ] {
            if present {
                if !set.contains(node_name) {
                    set.insert(node_name.to_string());
                }
            } else {
                set.remove(node_name);
            }
        }
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
            if self.nodes[i].node.images != node.images {
                let old = std::mem::take(&mut self.nodes[i].node.images);
                let old_node = Node {
                    images: old,
                    ..node.clone()
                };
                self.count_images(&old_node, false);
                self.count_images(&node, true);
            }
            self.nodes[i].node = node;
            return;
        }
        self.count_images(&node, true);
        let name = node.meta.name.clone();
        let mut info = NodeInfo::new(node);
        if let Some(parked) = self.parked.remove(&name) {
            for (uid, account) in parked {
                info.insert_account(uid, account);
            }
        }
        let position = self.nodes.partition_point(|n| n.node.meta.name < name);
        self.nodes.insert(position, info);
        self.index.insert(name.clone(), position);
        self.reindex_from(position);
        self.refresh_affinity_sets(&name);
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
        self.count_images(&info.node, false);
        self.refresh_affinity_sets(node_name);
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
                self.refresh_affinity_sets(node_name);
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

    /// Updates the accounted copy of `pod` on `node_name` if what the plugins read of it
    /// (labels, deletion) changed, as kube-scheduler's cache does on a pod update. Returns
    /// whether its labels changed: that may let a waiting pod's affinity or spreading be
    /// satisfied, while a deletion frees nothing until the pod is gone.
    pub fn refresh_pod(&mut self, node_name: &str, pod: &Pod) -> bool {
        let Some(account) = self
            .get(node_name)
            .and_then(|info| info.pods.get(&pod.meta.uid))
        else {
            return false;
        };
        let labels_changed = account.entry.labels != pod.meta.labels;
        let deletion_changed = account.entry.terminating != pod.meta.deletion_timestamp.is_some();
        if labels_changed || deletion_changed {
            self.add_pod(node_name, pod);
        }
        labels_changed
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
            self.refresh_affinity_sets(node_name);
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
            images: Vec::new(),
            memory_pressure: crate::objects::ConditionStatus::False,
            health: Default::default(),
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
                    ports: Vec::new(),
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
                topology_spread_constraints: vec![],
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
    fn refreshing_a_pod_updates_labels_and_deletion_only_when_they_changed() {
        let mut cache = SchedulerCache::from_nodes([node("a", 4000, GIB)]);
        let mut p = pod(1, 100, 0);
        cache.add_pod("a", &p);
        assert!(!cache.refresh_pod("a", &p));
        p.meta.labels.insert("app".into(), "web".into());
        assert!(cache.refresh_pod("a", &p));
        p.meta.deletion_timestamp = Some(crate::time::SimTime::ZERO);
        assert!(
            !cache.refresh_pod("a", &p),
            "a deletion alone frees nothing yet"
        );
        let entry = cache
            .get("a")
            .expect("a")
            .pods()
            .next()
            .expect("pod")
            .clone();
        assert!(entry.terminating);
        assert_eq!(entry.labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(cache.get("a").expect("a").pod_count, 1);
    }

    /// The memo behind PodTopologySpread's counts is forgotten on every change of the
    /// node's pods: added, relabelled, terminating, removed, and a second selector or
    /// namespace gets its own answer.
    #[test]
    fn matching_counts_follow_the_pods_of_the_node() {
        let mut cache = SchedulerCache::from_nodes([node("a", 4000, GIB)]);
        let web = LabelSelector::from_labels([("app".to_string(), "web".to_string())].into());
        let count = |cache: &SchedulerCache, selector: &LabelSelector, ns: &str| {
            cache.get("a").expect("a").count_matching(ns, selector)
        };
        let mut p1 = pod(1, 100, 0);
        p1.meta.labels.insert("app".into(), "web".into());
        cache.add_pod("a", &p1);
        assert_eq!(count(&cache, &web, "default"), 1);
        let mut p2 = pod(2, 100, 0);
        cache.add_pod("a", &p2);
        assert_eq!(count(&cache, &web, "default"), 1);
        assert_eq!(count(&cache, &LabelSelector::default(), "default"), 2);
        assert_eq!(count(&cache, &web, "other"), 0);
        p2.meta.labels.insert("app".into(), "web".into());
        cache.refresh_pod("a", &p2);
        assert_eq!(count(&cache, &web, "default"), 2);
        p1.meta.deletion_timestamp = Some(crate::time::SimTime::ZERO);
        cache.refresh_pod("a", &p1);
        assert_eq!(count(&cache, &web, "default"), 1);
        cache.remove_pod("a", &p2);
        assert_eq!(count(&cache, &web, "default"), 0);
        assert_eq!(count(&cache, &LabelSelector::default(), "default"), 0);
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
