//! The scheduling framework: extension-point traits, the per-cycle state and plugin statuses.
//!
//! Shaped like kube-scheduler's `framework/interface.go`: a [`FilterPlugin`] decides whether a
//! pod may run on a node, a [`ScorePlugin`] ranks the nodes that passed every filter. Plugins
//! get the pod, a read-only [`NodeInfo`] and a [`CycleState`] computed once per scheduling
//! cycle; they never mutate the cluster.

use std::borrow::Cow;

use rand_chacha::ChaCha8Rng;

use crate::objects::{Container, Pod, PodSpec, RestartPolicy, Taint, TaintEffect};
use crate::selector::LabelSelector;

use super::node_info::{HostPort, NodeInfo, PodEntry, SchedulerCache};
use super::plugins::{image_locality, inter_pod_affinity, pod_topology_spread};
use super::preemption::{PostFilterInput, PostFilterResult};

/// The highest score a [`ScorePlugin`] may give a node after normalisation (`MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// The lowest score a [`ScorePlugin`] may give a node after normalisation (`MinNodeScore`).
pub const MIN_NODE_SCORE: i64 = 0;

/// CPU a container that requests none counts as when scoring (`DefaultMilliCPURequest`).
pub const DEFAULT_MILLI_CPU_REQUEST: u64 = 100;

/// Memory a container that requests none counts as when scoring (`DefaultMemoryRequest`,
/// 200 MiB).
pub const DEFAULT_MEMORY_REQUEST_BYTES: u64 = 200 * 1024 * 1024;

/// The taint key of cordoned nodes (`v1.TaintNodeUnschedulable`).
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// One reason a node was rejected, as kube-scheduler words it.
///
/// Fixed reasons are `&'static str`, so rejecting a node allocates no string unless the
/// reason names something node-specific (a taint, an extended resource).
pub type Reason = Cow<'static, str>;

/// The outcome of a plugin at one extension point (kube-scheduler's `*Status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The node passes.
    Success,
    /// The pod cannot run on this node, for the given reasons (at least one). Each reason is
    /// counted separately in the `FailedScheduling` message, as kube-scheduler does.
    Unschedulable {
        /// Reason texts, e.g. `Insufficient cpu`, `node(s) were unschedulable`.
        reasons: Vec<Reason>,
    },
    /// The pod cannot run on this node and removing pods from it would not change that
    /// (`UnschedulableAndUnresolvable`): a node name, a taint, node affinity, a request above
    /// the node's allocatable. Preemption leaves such nodes alone ("Preemption is not helpful
    /// for scheduling").
    UnschedulableAndUnresolvable {
        /// Reason texts, as for [`Status::Unschedulable`].
        reasons: Vec<Reason>,
    },
    /// Something went wrong that is not the pod's fault; the scheduling cycle is aborted.
    Error(String),
}

impl Status {
    /// An [`Status::Unschedulable`] with a single reason.
    pub fn unschedulable(reason: impl Into<Reason>) -> Status {
        Status::Unschedulable {
            reasons: vec![reason.into()],
        }
    }

    /// An [`Status::UnschedulableAndUnresolvable`] with a single reason.
    pub fn unresolvable(reason: impl Into<Reason>) -> Status {
        Status::UnschedulableAndUnresolvable {
            reasons: vec![reason.into()],
        }
    }

    /// Whether this is [`Status::Success`].
    pub fn is_success(&self) -> bool {
        matches!(self, Status::Success)
    }

    /// The reason texts of a rejection (an error's message); nothing for a success.
    pub fn into_reasons(self) -> Vec<Reason> {
        match self {
            Status::Success => Vec::new(),
            Status::Unschedulable { reasons }
            | Status::UnschedulableAndUnresolvable { reasons } => reasons,
            Status::Error(message) => vec![Reason::Owned(message)],
        }
    }

    /// Whether this rejection cannot be resolved by removing pods from the node.
    pub fn is_unresolvable(&self) -> bool {
        matches!(self, Status::UnschedulableAndUnresolvable { .. })
    }
}

/// CPU and memory requests with kube-scheduler's scoring defaults applied: a container that
/// requests no CPU counts as [`DEFAULT_MILLI_CPU_REQUEST`], one that requests no memory as
/// [`DEFAULT_MEMORY_REQUEST_BYTES`]. Used for scoring only; filters use the real requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NonZeroRequests {
    /// CPU in millicores.
    pub cpu_millis: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
}

impl NonZeroRequests {
    /// The non-zero requests of a pod, aggregated like `resourcehelper.PodRequests` with
    /// `NonMissingContainerRequests`: Σ app containers and sidecars, or the largest regular
    /// init container plus the sidecars started before it, whichever is larger.
    ///
    /// Only a container that does not declare the request gets the default: an explicit
    /// `cpu: 0` stays 0 (`Container.declared`; a request defaulted from a limit counts as
    /// declared, as it is after the API server's defaulting).
    pub fn of(spec: &PodSpec) -> NonZeroRequests {
        fn non_zero(c: &Container) -> (u64, u64) {
            let declared =
                |name: &str| c.declared.requests.contains(name) || c.declared.limits.contains(name);
            let cpu = match c.requests.cpu_millis {
                0 if !declared("cpu") => DEFAULT_MILLI_CPU_REQUEST,
                v => v,
            };
            let memory = match c.requests.memory_bytes {
                0 if !declared("memory") => DEFAULT_MEMORY_REQUEST_BYTES,
                v => v,
            };
            (cpu, memory)
        }
        let (mut cpu, mut memory) = (0u64, 0u64);
        for c in &spec.containers {
            let (c_cpu, c_memory) = non_zero(c);
            cpu = cpu.saturating_add(c_cpu);
            memory = memory.saturating_add(c_memory);
        }
        let (mut sidecar_cpu, mut sidecar_memory) = (0u64, 0u64);
        let (mut init_cpu, mut init_memory) = (0u64, 0u64);
        for c in &spec.init_containers {
            let (c_cpu, c_memory) = non_zero(c);
            if c.restart_policy == Some(RestartPolicy::Always) {
                sidecar_cpu = sidecar_cpu.saturating_add(c_cpu);
                sidecar_memory = sidecar_memory.saturating_add(c_memory);
                cpu = cpu.saturating_add(c_cpu);
                memory = memory.saturating_add(c_memory);
            } else {
                init_cpu = init_cpu.max(c_cpu.saturating_add(sidecar_cpu));
                init_memory = init_memory.max(c_memory.saturating_add(sidecar_memory));
            }
        }
        NonZeroRequests {
            cpu_millis: cpu.max(init_cpu),
            memory_bytes: memory.max(init_memory),
        }
    }
}

/// What the cluster says about the pod beyond the cache, gathered by the caller of
/// [`schedule_one_with`](super::schedule_one_with) from the API objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodContext {
    /// The selector of the system default topology spread constraints: the union of the
    /// selectors of the Services selecting the pod and of its controlling ReplicaSet or
    /// StatefulSet (`helper.DefaultSelector`); `None` when nothing selects the pod.
    pub default_spread_selector: Option<LabelSelector>,
}

/// What the built-in plugins need to know about the pod, computed once per scheduling cycle
/// (kube-scheduler's PreFilter/PreScore state, but typed instead of a string-keyed bag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleState {
    /// The pod's effective requests ([`PodSpec::effective_requests`]); `pods` is 1.
    pub requests: crate::objects::Resources,
    /// The pod's requests with the scoring defaults for containers that request nothing.
    pub non_zero: NonZeroRequests,
    /// Whether the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`, which lets it
    /// onto cordoned nodes.
    pub tolerates_unschedulable: bool,
    /// The host ports the pod asks for (NodePorts).
    pub host_ports: Vec<HostPort>,
    /// What the caller knows about the pod beyond the cache.
    pub context: PodContext,
    /// InterPodAffinity's PreFilter state; `None` when its filter has nothing to check.
    pub inter_pod_affinity: Option<Box<inter_pod_affinity::PreFilterState>>,
    /// InterPodAffinity's PreScore state; `None` when it has nothing to score.
    pub inter_pod_affinity_score: Option<Box<inter_pod_affinity::PreScoreState>>,
    /// PodTopologySpread's PreFilter state; `None` without DoNotSchedule constraints.
    pub topology_spread: Option<Box<pod_topology_spread::PreFilterState>>,
    /// PodTopologySpread's PreScore state; `None` without ScheduleAnyway constraints.
    pub topology_spread_score: Option<Box<pod_topology_spread::PreScoreState>>,
    /// ImageLocality's PreScore state.
    pub image_locality: Option<Box<image_locality::PreScoreState>>,
}

impl CycleState {
    /// Precomputes the state for scheduling `pod`.
    pub fn new(pod: &Pod) -> CycleState {
        let unschedulable_taint = Taint {
            key: TAINT_NODE_UNSCHEDULABLE.to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
        };
        CycleState {
            requests: pod.spec.effective_requests(),
            non_zero: NonZeroRequests::of(&pod.spec),
            tolerates_unschedulable: crate::objects::tolerated(
                &pod.spec.tolerations,
                &unschedulable_taint,
            ),
            host_ports: HostPort::of(pod),
            context: PodContext::default(),
            inter_pod_affinity: None,
            inter_pod_affinity_score: None,
            topology_spread: None,
            topology_spread_score: None,
            image_locality: None,
        }
    }
}

/// A Filter extension point plugin: may the pod run on this node?
///
/// Filters run in profile order and a node is rejected by the first one that does not
/// return [`Status::Success`]. Filters must not allocate on success: they run for hundreds
/// of nodes per pod.
///
/// # Example
///
/// A filter that keeps pods off nodes labelled `maintenance=true`:
///
/// ```
/// use sim_core::objects::Pod;
/// use sim_core::scheduler::framework::{CycleState, FilterPlugin, Status};
/// use sim_core::scheduler::node_info::NodeInfo;
///
/// struct AvoidMaintenance;
///
/// impl FilterPlugin for AvoidMaintenance {
///     fn name(&self) -> &'static str {
///         "AvoidMaintenance"
///     }
///
///     fn filter(&self, _state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
///         match node.node.meta.labels.get("maintenance").map(String::as_str) {
///             Some("true") => Status::unschedulable("node(s) were in maintenance"),
///             _ => Status::Success,
///         }
///     }
/// }
///
/// assert_eq!(AvoidMaintenance.name(), "AvoidMaintenance");
/// ```
pub trait FilterPlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// kube-scheduler's PreFilter: computes what the filter needs from the whole cluster
    /// once per cycle, into the plugin's slot of `state`. A non-success status rejects the
    /// pod on every node. The default does nothing.
    fn pre_filter(&self, _state: &mut CycleState, _pod: &Pod, _cache: &SchedulerCache) -> Status {
        Status::Success
    }

    /// Whether this filter passes every node for `pod`, so the cycle need not call it
    /// (kube-scheduler's PreFilter `Skip`). Called after [`FilterPlugin::pre_filter`]. The
    /// default never skips.
    fn skip(&self, _state: &CycleState, _pod: &Pod) -> bool {
        false
    }

    /// Whether `pod` may run on `node`.
    fn filter(&self, state: &CycleState, pod: &Pod, node: &NodeInfo) -> Status;

    /// kube-scheduler's PreFilterExtensions `RemovePod` (`delta` −1) and `AddPod` (+1): the
    /// preemption dry run takes `other` off `node`, or puts it back, and a plugin whose
    /// PreFilter state counts pods (InterPodAffinity, PodTopologySpread) updates it so the
    /// filter sees the node without its victims. The default does nothing.
    fn update_pre_filter_state(
        &self,
        _state: &mut CycleState,
        _pod: &Pod,
        _other: &PodEntry,
        _node: &NodeInfo,
        _delta: i64,
    ) {
    }
}

/// A Score extension point plugin: how good is this feasible node for the pod?
///
/// `score` is called for every feasible node, then `normalize` once with all the scores of
/// this plugin (in feasible-node order). After normalisation every score must lie in
/// [`MIN_NODE_SCORE`]`..=`[`MAX_NODE_SCORE`]; the scheduler then adds `weight × score` over all
/// score plugins and picks the node with the highest total.
///
/// # Example
///
/// A scorer preferring nodes with fewer pods, normalised so the emptiest node gets 100:
///
/// ```
/// use sim_core::objects::Pod;
/// use sim_core::scheduler::framework::{
///     default_normalize_score, CycleState, ScorePlugin, MAX_NODE_SCORE,
/// };
/// use sim_core::scheduler::node_info::NodeInfo;
///
/// struct FewerPods;
///
/// impl ScorePlugin for FewerPods {
///     fn name(&self) -> &'static str {
///         "FewerPods"
///     }
///
///     fn score(&self, _state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
///         // A raw count; `normalize` maps it onto 0..=100.
///         i64::try_from(node.pod_count).unwrap_or(i64::MAX)
///     }
///
///     fn normalize(&self, _state: &CycleState, _pod: &Pod, scores: &mut [i64]) {
///         default_normalize_score(MAX_NODE_SCORE, true, scores);
///     }
/// }
///
/// let mut scores = [0, 5, 10];
/// FewerPods.normalize(&dummy_state(), &dummy_pod(), &mut scores);
/// assert_eq!(scores, [100, 50, 0]);
/// # fn dummy_pod() -> Pod {
/// #     use sim_core::objects::*;
/// #     Pod {
/// #         meta: ObjectMeta::default(),
/// #         spec: PodSpec {
/// #             node_name: None,
/// #             scheduler_name: "default-scheduler".into(),
/// #             node_selector: Default::default(),
/// #             tolerations: vec![],
/// #             init_containers: vec![],
/// #             containers: vec![],
/// #             restart_policy: RestartPolicy::Always,
/// #             termination_grace_period_seconds: 30,
/// #             priority: 0,
/// #             priority_class_name: String::new(),
/// #             preemption_policy: Default::default(),
/// #             active_deadline_seconds: None,
/// #             affinity: None,
/// #             volumes: vec![],
/// #             hostname: None,
/// #             subdomain: None,
/// #             topology_spread_constraints: vec![],
/// #         },
/// #         status: PodStatus::default(),
/// #     }
/// # }
/// # fn dummy_state() -> CycleState { CycleState::new(&dummy_pod()) }
/// ```
pub trait ScorePlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// kube-scheduler's PreScore: computes what scoring needs from the whole cluster and the
    /// feasible nodes (`feasible` indexes [`SchedulerCache::node_infos`]) once per cycle,
    /// into the plugin's slot of `state`. The default does nothing.
    fn pre_score(
        &self,
        _state: &mut CycleState,
        _pod: &Pod,
        _cache: &SchedulerCache,
        _feasible: &[usize],
    ) {
    }

    /// Whether this plugin has nothing to say about `pod` (kube-scheduler's PreScore `Skip`);
    /// a skipped plugin adds 0 to every node. Called after [`ScorePlugin::pre_score`]. The
    /// default never skips.
    fn skip(&self, _state: &CycleState, _pod: &Pod) -> bool {
        false
    }

    /// The score of `node` for `pod`: 0..=100 unless `normalize` rescales it.
    fn score(&self, state: &CycleState, pod: &Pod, node: &NodeInfo) -> i64;

    /// Rescales this plugin's scores of all feasible nodes in place. The default keeps them.
    fn normalize(&self, _state: &CycleState, _pod: &Pod, _scores: &mut [i64]) {}
}

/// A PostFilter extension point plugin: runs when no node passed the filters, and may make
/// room (kube-scheduler's DefaultPreemption is one, [`super::preemption::DefaultPreemption`]).
///
/// Plugins run in profile order until one nominates a node. The scheduler then writes the
/// nomination and deletes the victims; a plugin never writes to the cluster itself.
pub trait PostFilterPlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// What to do about `pod`, which fits no node. An [`PostFilterResult::Unschedulable`]
    /// message is the plugin's part of the `FailedScheduling` message (DefaultPreemption's
    /// starts with `preemption: `).
    fn post_filter(
        &self,
        input: &PostFilterInput<'_>,
        pod: &Pod,
        rng: &mut ChaCha8Rng,
    ) -> PostFilterResult;
}

/// A Reserve extension point plugin: told when the scheduler assumes a pod on a node, and
/// when that is undone (a later Reserve or Permit plugin refused, binding failed).
///
/// Plugins that keep their own bookkeeping (a quota of pods per node, say) update it here;
/// `&self` means such state lives in a `Cell`/`RefCell`, as kube-scheduler plugins keep
/// theirs behind locks.
pub trait ReservePlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// The pod is assumed on `node_name`. A non-success status refuses it: the reservation
    /// is undone and the pod goes back to the queue with the status's message.
    fn reserve(&self, pod: &Pod, node_name: &str, cache: &SchedulerCache) -> Status;

    /// Undoes [`ReservePlugin::reserve`]; called in reverse profile order for every Reserve
    /// plugin, also those whose `reserve` was not reached (kube-scheduler's contract).
    fn unreserve(&self, _pod: &Pod, _node_name: &str) {}
}

/// What a Permit plugin says about a reserved pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermitDecision {
    /// Bind it, as far as this plugin is concerned.
    Allow,
    /// Do not bind it: the reservation is undone and the pod goes back to the queue with
    /// this message (reason `Unschedulable`).
    Reject(String),
    /// Hold the pod, assumed on its node, until this plugin allows it through
    /// [`WaitingPods::allow`] while another pod is permitted, or reject it after `timeout`
    /// ("rejected due to timeout after waiting 10s at plugin X").
    Wait {
        /// How long to wait at most.
        timeout: crate::time::SimDuration,
    },
}

/// A pod held at Permit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingPod {
    /// The pod.
    pub uid: crate::objects::Uid,
    /// Its namespace and name.
    pub key: crate::objects::ObjectKey,
    /// Its labels (a gang plugin groups pods by one).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The node it is assumed on.
    pub node_name: String,
    /// The Permit plugins that have not allowed it yet.
    pub pending: Vec<&'static str>,
}

/// The pods waiting at Permit (kube-scheduler's `IterateOverWaitingPods` and
/// `WaitingPod.Allow/Reject`), handed to [`PermitPlugin::permit`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitingPods {
    pub(crate) pods: Vec<WaitingPod>,
    pub(crate) rejected: Vec<(crate::objects::Uid, String)>,
}

impl WaitingPods {
    /// The waiting pods, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &WaitingPod> {
        self.pods.iter()
    }

    /// `plugin` allows the waiting pod `uid`; once every plugin it waits for has, it is bound.
    pub fn allow(&mut self, uid: crate::objects::Uid, plugin: &str) {
        if let Some(waiting) = self.pods.iter_mut().find(|w| w.uid == uid) {
            waiting.pending.retain(|pending| *pending != plugin);
        }
    }

    /// Rejects the waiting pod `uid` with `message`.
    pub fn reject(&mut self, uid: crate::objects::Uid, message: impl Into<String>) {
        if self.pods.iter().any(|w| w.uid == uid) && !self.rejected.iter().any(|r| r.0 == uid) {
            self.rejected.push((uid, message.into()));
        }
    }
}

/// A Permit extension point plugin: the last say before a reserved pod is bound; it can
/// allow, reject or hold the pod (gang scheduling holds each member until all are placed).
pub trait PermitPlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// Decides about `pod`, reserved on `node_name`; may allow or reject pods already
    /// waiting.
    fn permit(&self, pod: &Pod, node_name: &str, waiting: &mut WaitingPods) -> PermitDecision;
}

/// What a Bind plugin did with a permitted pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindOutcome {
    /// Bind the pod to the node: the scheduler writes the binding (`spec.nodeName` and the
    /// `Scheduled` event).
    Bind,
    /// Not this plugin's pod; ask the next Bind plugin.
    Skip,
    /// Binding failed: the reservation is undone and the pod goes back to the queue
    /// (reason `SchedulerError`).
    Error(String),
}

/// A Bind extension point plugin; DefaultBinder binds every pod.
pub trait BindPlugin {
    /// The plugin's name, as used in profiles and the registry.
    fn name(&self) -> &'static str;

    /// Binds `pod` to `node_name`, or skips it.
    fn bind(&self, pod: &Pod, node_name: &str) -> BindOutcome;
}

/// kube-scheduler's DefaultBinder: binds every pod to the node it was scheduled to.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultBinder;

impl BindPlugin for DefaultBinder {
    fn name(&self) -> &'static str {
        "DefaultBinder"
    }

    fn bind(&self, _pod: &Pod, _node_name: &str) -> BindOutcome {
        BindOutcome::Bind
    }
}

/// kube-scheduler's `helper.DefaultNormalizeScore`: scales scores so the highest becomes
/// `max_priority` (integer division), and with `reverse` flips them (`max_priority − s`).
/// When every score is 0 they stay 0, or all become `max_priority` with `reverse`.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().fold(0, i64::max);
    if max_count == 0 {
        if reverse {
            scores.fill(max_priority);
        }
        return;
    }
    for score in scores.iter_mut() {
        let scaled = max_priority.saturating_mul(*score) / max_count;
        *score = if reverse {
            max_priority - scaled
        } else {
            scaled
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{ImagePullPolicy, Resources};

    fn container(cpu_millis: u64, memory_bytes: u64) -> Container {
        Container {
            name: "c".into(),
            image: "app".into(),
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
        }
    }

    fn spec(containers: Vec<Container>, init_containers: Vec<Container>) -> PodSpec {
        PodSpec {
            node_name: None,
            scheduler_name: "default-scheduler".into(),
            node_selector: Default::default(),
            tolerations: vec![],
            init_containers,
            containers,
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

    #[test]
    fn non_zero_requests_default_each_missing_container_request() {
        // k8s-semantics 9.3: 100m / 200 MiB per container that requests nothing.
        let s = spec(vec![container(0, 0), container(250, 0)], vec![]);
        assert_eq!(
            NonZeroRequests::of(&s),
            NonZeroRequests {
                cpu_millis: 350,
                memory_bytes: 2 * DEFAULT_MEMORY_REQUEST_BYTES,
            }
        );
    }

    #[test]
    fn an_explicit_zero_request_is_not_defaulted() {
        // k8s-semantics 9.3: only a container that does not declare the request gets the
        // 100m / 200 MiB scoring default; `cpu: 0` written in the manifest stays 0, and a
        // request defaulted from a limit counts as declared.
        let mut explicit = container(0, 0);
        explicit.declared.requests.insert("cpu".into());
        explicit.declared.limits.insert("memory".into());
        let s = spec(vec![explicit, container(0, 0)], vec![]);
        assert_eq!(
            NonZeroRequests::of(&s),
            NonZeroRequests {
                cpu_millis: DEFAULT_MILLI_CPU_REQUEST,
                memory_bytes: DEFAULT_MEMORY_REQUEST_BYTES,
            }
        );
    }

    #[test]
    fn non_zero_requests_take_the_larger_init_container() {
        let mut sidecar = container(50, 0);
        sidecar.restart_policy = Some(RestartPolicy::Always);
        let s = spec(
            vec![container(100, 1 << 20)],
            vec![sidecar, container(2000, 1 << 20)],
        );
        let nz = NonZeroRequests::of(&s);
        // max(100 + 50, 2000 + 50) cpu; memory: max(1Mi + 200Mi, 1Mi + 200Mi).
        assert_eq!(nz.cpu_millis, 2050);
        assert_eq!(nz.memory_bytes, (1 << 20) + DEFAULT_MEMORY_REQUEST_BYTES);
    }

    #[test]
    fn default_normalize_score_matches_kube_scheduler() {
        let mut scores = [0, 1, 2];
        default_normalize_score(MAX_NODE_SCORE, true, &mut scores);
        assert_eq!(scores, [100, 50, 0]);
        let mut scores = [0, 1, 3];
        default_normalize_score(MAX_NODE_SCORE, false, &mut scores);
        assert_eq!(scores, [0, 33, 100]);
        let mut zeros = [0, 0];
        default_normalize_score(MAX_NODE_SCORE, true, &mut zeros);
        assert_eq!(zeros, [100, 100]);
        let mut zeros = [0, 0];
        default_normalize_score(MAX_NODE_SCORE, false, &mut zeros);
        assert_eq!(zeros, [0, 0]);
    }
}
