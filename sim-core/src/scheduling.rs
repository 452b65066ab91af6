//! The scheduler as a component of the simulation: the scheduling queue (active pods by
//! priority then arrival, unschedulable pods with back-off), the cache of node usage, one
//! scheduling cycle per event, binding, and the `FailedScheduling` reporting.
//!
//! Queue rules (k8s-semantics §9.7): a pod that fails waits in the unschedulable set; a
//! cluster change that may free room (node added or changed, pod removed or finished)
//! moves it back once its back-off (1 s doubling to 10 s per attempt) has expired, and it is
//! retried anyway 5 minutes after its last attempt.
//!
//! Preemption (k8s-semantics §9.8): a pod the filters reject everywhere runs
//! DefaultPreemption ([`crate::scheduler::preemption`]); when it finds victims, the pod is
//! nominated (`status.nominatedNodeName`), the victims get `DisruptionTarget` and are deleted
//! gracefully, and until the pod binds its requests are reserved on that node for every pod
//! of lower or equal priority.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use rand_chacha::ChaCha8Rng;

use crate::objects::{
    ConditionStatus, Kind, Namespace, Node, ObjectKey, ObjectRef, PersistentVolumeClaim, Pod,
    PodConditionType, PodDisruptionBudget, ReplicaSet, Service, StatefulSet, Uid, VolumeSource,
};
use crate::scheduler::framework::{BindOutcome, PermitDecision, Status, WaitingPod, WaitingPods};
use crate::scheduler::preemption::{PostFilterInput, PostFilterResult, PREEMPTION_BY_SCHEDULER};
use crate::scheduler::{
    fits_node, schedule_one_with, FitError, PodContext, Profile, RegistryError, ScheduleDecision,
    ScheduleError, SchedulerCache,
};
use crate::selector::LabelSelector;
use crate::store::DeleteOptions;
use crate::store::{ApiError, Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

/// Initial back-off of an unschedulable pod.
pub const POD_INITIAL_BACKOFF: SimDuration = SimDuration::from_secs(1);
/// Maximum back-off of an unschedulable pod.
pub const POD_MAX_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// An unschedulable pod is retried at the latest this long after its last attempt.
pub const POD_MAX_IN_UNSCHEDULABLE: SimDuration = SimDuration::from_secs(300);

/// What the queue asks the simulation to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchedulerWakeup {
    /// Run a scheduling cycle now.
    Cycle,
    /// Re-check a waiting pod at this time.
    Retry {
        /// When.
        at: SimTime,
        /// The pod.
        pod: Uid,
        /// The attempt count it was planned for (stale if the pod was retried since).
        attempt: u32,
    },
    /// A pod held at Permit times out at this time, unless allowed or gone before.
    PermitTimeout {
        /// When.
        at: SimTime,
        /// The pod.
        pod: Uid,
    },
}

#[derive(Debug, Clone)]
struct Waiting {
    key: ObjectKey,
    attempts: u32,
    last_attempt: SimTime,
}

/// What the queue remembers of a pod's failed attempts until it is bound or gone.
#[derive(Debug, Clone)]
struct Attempts {
    count: u32,
    last_message: String,
    /// The pod's generation at the last attempt: only a change of the pod's own spec or
    /// labels (a new generation) makes the pod retry for its own sake; the scheduler's and
    /// kubelet's status writes do not.
    generation: u64,
}

/// Active-queue ordering (PrioritySort): higher priority first, then the earlier queue
/// timestamp (when the pod was last added to the active queue), then uid.
type ActiveKey = (Reverse<i32>, SimTime, Uid);

/// The PostFilter message part of DynamicResources (on by default since 1.34), which runs
/// before DefaultPreemption and has nothing to deallocate.
const DRA_POST_FILTER: &str = "no new claims to deallocate";

/// The scheduler component.
pub struct SchedulingQueue {
    profile: Profile,
    /// Further profiles (KubeSchedulerConfiguration `profiles[1..]`); pods pick theirs by
    /// `spec.schedulerName`, and a pod naming none of them is left alone (stays Pending with
    /// no event, as in Kubernetes).
    extra_profiles: Vec<Profile>,
    cache: SchedulerCache,
    rng: ChaCha8Rng,
    next_start_index: usize,
    active: BTreeSet<ActiveKey>,
    active_keys: BTreeMap<Uid, (ActiveKey, ObjectKey)>,
    waiting: BTreeMap<Uid, Waiting>,
    attempts: BTreeMap<Uid, Attempts>,
    /// Bound, non-terminal pods counted in the cache, with their node.
    bound: BTreeMap<Uid, String>,
    /// Pods nominated to a node by a preemption and not bound yet: their requests are
    /// reserved there for pods of lower or equal priority (`addNominatedPods`).
    nominated: BTreeMap<Uid, (String, ObjectKey)>,
    /// Pods held at Permit, assumed on their node (in the cache) until allowed or rejected.
    at_permit: WaitingPods,
    /// The pods held at Permit as they were when reserved (for Unreserve), with when they
    /// time out and how long they were to wait.
    permit_holds: BTreeMap<Uid, PermitHold>,
    cycle_pending: bool,
    attempts_total: u64,
    bindings_total: u64,
}

/// A pod held at Permit.
#[derive(Debug, Clone)]
struct PermitHold {
    pod: Pod,
    deadline: SimTime,
    timeout: SimDuration,
}

fn backoff(attempts: u32) -> SimDuration {
    let shift = attempts.saturating_sub(1).min(16);
    POD_INITIAL_BACKOFF
        .saturating_mul(1u64 << shift)
        .min(POD_MAX_BACKOFF)
}

impl SchedulingQueue {
    /// A queue scheduling with `profile`, breaking ties with `rng`.
    pub fn new(profile: Profile, rng: ChaCha8Rng) -> SchedulingQueue {
        SchedulingQueue {
            profile,
            extra_profiles: Vec::new(),
            cache: SchedulerCache::new(),
            rng,
            next_start_index: 0,
            active: BTreeSet::new(),
            active_keys: BTreeMap::new(),
            waiting: BTreeMap::new(),
            attempts: BTreeMap::new(),
            bound: BTreeMap::new(),
            nominated: BTreeMap::new(),
            at_permit: WaitingPods::default(),
            permit_holds: BTreeMap::new(),
            cycle_pending: false,
            attempts_total: 0,
            bindings_total: 0,
        }
    }

    /// The scheduler's view of node usage.
    pub fn cache(&self) -> &SchedulerCache {
        &self.cache
    }

    /// Scheduling attempts and successful bindings so far.
    pub fn counters(&self) -> (u64, u64) {
        (self.attempts_total, self.bindings_total)
    }

    /// Number of pods waiting (active or unschedulable).
    pub fn pending_count(&self) -> usize {
        self.active.len() + self.waiting.len()
    }

    /// Adds a profile for pods whose `schedulerName` is `profile.scheduler_name`; a name
    /// already served is refused.
    pub fn add_profile(&mut self, profile: Profile) -> Result<(), RegistryError> {
        if self
            .profiles()
            .any(|p| p.scheduler_name == profile.scheduler_name)
        {
            return Err(RegistryError::DuplicateProfile {
                scheduler_name: profile.scheduler_name,
            });
        }
        self.extra_profiles.push(profile);
        Ok(())
    }

    /// The profiles, the first one first.
    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        std::iter::once(&self.profile).chain(&self.extra_profiles)
    }

    fn responsible_for(&self, pod: &Pod) -> bool {
        self.profiles()
            .any(|p| p.scheduler_name == pod.spec.scheduler_name)
    }

    fn enqueue(&mut self, pod: &Pod, now: SimTime) {
        let uid = pod.meta.uid;
        if self.active_keys.contains_key(&uid) {
            return;
        }
        self.waiting.remove(&uid);
        let key = (Reverse(pod.spec.priority), now, uid);
        self.active.insert(key);
        self.active_keys.insert(uid, (key, pod.meta.key()));
    }

    fn dequeue(&mut self, uid: Uid) {
        if let Some((key, _)) = self.active_keys.remove(&uid) {
            self.active.remove(&key);
        }
        self.waiting.remove(&uid);
        self.attempts.remove(&uid);
        self.nominated.remove(&uid);
        self.release_permit_hold(uid);
    }

    /// Takes a pod off Permit: out of the cache, and un-reserved.
    fn release_permit_hold(&mut self, uid: Uid) -> Option<PermitHold> {
        let hold = self.permit_holds.remove(&uid)?;
        self.at_permit.pods.retain(|w| w.uid != uid);
        self.at_permit.rejected.retain(|(r, _)| *r != uid);
        if let Some(node) = &hold.pod.spec.node_name {
            self.cache.remove_pod_uid(node, uid);
        }
        let profile = profile_named(
            &self.profile,
            &self.extra_profiles,
            &hold.pod.spec.scheduler_name,
        );
        if let Some(node) = &hold.pod.spec.node_name {
            for plugin in profile.reserves.iter().rev() {
                plugin.unreserve(&hold.pod, node);
            }
        }
        Some(hold)
    }

    /// Moves waiting pods whose back-off has expired to the active queue, and asks for a
    /// retry of the others when their back-off expires.
    fn move_all_to_active_or_backoff(
        &mut self,
        store: &Store,
        now: SimTime,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) {
        let uids: Vec<Uid> = self.waiting.keys().copied().collect();
        for uid in uids {
            let Some(w) = self.waiting.get(&uid) else {
                continue;
            };
            let ready_at = w.last_attempt + backoff(w.attempts);
            if ready_at <= now {
                if let Some(pod) = store.get::<Pod>(&w.key).filter(|p| p.meta.uid == uid) {
                    self.enqueue(pod, now);
                } else {
                    self.waiting.remove(&uid);
                }
            } else {
                wakeups.push(SchedulerWakeup::Retry {
                    at: ready_at,
                    pod: uid,
                    attempt: w.attempts,
                });
            }
        }
    }

    fn account_pod(&mut self, pod: &Pod) -> bool {
        let uid = pod.meta.uid;
        let counted_node = pod
            .spec
            .node_name
            .as_ref()
            .filter(|_| !pod.status.phase.is_terminal());
        match (self.bound.get(&uid).cloned(), counted_node) {
            (Some(old), Some(new)) if &old == new => {
                // Labels or a deletion change what spreading and affinity count.
                self.cache.refresh_pod(new, pod)
            }
            (old, new) => {
                if let Some(old) = &old {
                    self.cache.remove_pod(old, pod);
                    self.bound.remove(&uid);
                }
                if let Some(new) = new {
                    self.cache.add_pod(new, pod);
                    self.bound.insert(uid, new.clone());
                }
                // Room was freed if the pod left a node.
                old.is_some()
            }
        }
    }

    /// Reacts to a store change.
    pub fn on_change(
        &mut self,
        change: &Change,
        store: &Store,
        now: SimTime,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) {
        let mut cluster_changed = false;
        match (change.kind, change.change_type) {
            (Kind::Node, ChangeType::Deleted) => {
                self.cache.remove_node(&change.key.name);
            }
            (Kind::Node, _) => {
                if let Some(node) = store.get::<Node>(&change.key) {
                    if self.cache.get(&node.meta.name).is_some() {
                        self.cache.update_node(node.clone());
                    } else {
                        self.cache.add_node(node.clone());
                    }
                    cluster_changed = true;
                }
            }
            // A claim appearing may let a pod that named it be scheduled.
            (Kind::PersistentVolumeClaim, ChangeType::Added) => cluster_changed = true,
            // Namespace labels feed the namespaceSelectors of pod (anti-)affinity terms.
            (Kind::Namespace, ChangeType::Deleted) => {
                self.cache.remove_namespace(&change.key.name);
            }
            (Kind::Namespace, _) => {
                if let Some(ns) = store.get::<Namespace>(&change.key) {
                    self.cache
                        .set_namespace_labels(&ns.meta.name, ns.meta.labels.clone());
                    cluster_changed = true;
                }
            }
            (Kind::Pod, ChangeType::Deleted) => {
                // A pod held at Permit frees the room it was assumed on.
                cluster_changed |= self.permit_holds.contains_key(&change.uid);
                self.dequeue(change.uid);
                if let Some(node) = self.bound.remove(&change.uid) {
                    self.cache.remove_pod_uid(&node, change.uid);
                    cluster_changed = true;
                }
            }
            (Kind::Pod, _) => {
                if let Some(pod) = store
                    .get::<Pod>(&change.key)
                    .filter(|p| p.meta.uid == change.uid)
                {
                    cluster_changed |= self.account_pod(pod);
                    let wants_scheduling = pod.spec.node_name.is_none()
                        && pod.meta.deletion_timestamp.is_none()
                        && !pod.status.phase.is_terminal()
                        && self.responsible_for(pod);
                    if wants_scheduling {
                        if change.change_type == ChangeType::Added {
                            self.enqueue(pod, now);
                        } else if let Some(w) = self.waiting.get(&pod.meta.uid).filter(|_| {
                            self.attempts
                                .get(&pod.meta.uid)
                                .is_some_and(|a| a.generation != pod.meta.generation)
                        }) {
                            // The pod itself changed (say, a toleration was added): retry
                            // after its back-off.
                            let ready_at = w.last_attempt + backoff(w.attempts);
                            if ready_at <= now {
                                self.enqueue(pod, now);
                            } else {
                                wakeups.push(SchedulerWakeup::Retry {
                                    at: ready_at,
                                    pod: pod.meta.uid,
                                    attempt: w.attempts,
                                });
                            }
                        }
                    } else {
                        self.dequeue(pod.meta.uid);
                    }
                }
            }
            _ => {}
        }
        if cluster_changed && !self.waiting.is_empty() {
            self.move_all_to_active_or_backoff(store, now, wakeups);
        }
        self.request_cycle(wakeups);
    }

    fn request_cycle(&mut self, wakeups: &mut Vec<SchedulerWakeup>) {
        if !self.active.is_empty() && !self.cycle_pending {
            self.cycle_pending = true;
            wakeups.push(SchedulerWakeup::Cycle);
        }
    }

    /// A planned retry of a waiting pod fires.
    pub fn on_retry(
        &mut self,
        pod: Uid,
        attempt: u32,
        store: &Store,
        now: SimTime,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) {
        let Some(w) = self.waiting.get(&pod) else {
            return;
        };
        if w.attempts != attempt {
            return;
        }
        let due_backoff = w.last_attempt + backoff(w.attempts) <= now;
        if !due_backoff {
            return;
        }
        if let Some(p) = store.get::<Pod>(&w.key).filter(|p| p.meta.uid == pod) {
            self.enqueue(p, now);
        } else {
            self.waiting.remove(&pod);
        }
        self.request_cycle(wakeups);
    }

    /// Runs one scheduling cycle for the first pod of the active queue.
    pub fn run_cycle(
        &mut self,
        store: &mut Store,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        self.cycle_pending = false;
        let Some(first) = self.active.pop_first() else {
            return Ok(());
        };
        let uid = first.2;
        let Some((_, key)) = self.active_keys.remove(&uid) else {
            return Ok(());
        };
        let Some(pod) = store.get::<Pod>(&key).filter(|p| p.meta.uid == uid) else {
            self.request_cycle(wakeups);
            return Ok(());
        };
        if pod.spec.node_name.is_some() || pod.meta.deletion_timestamp.is_some() {
            self.request_cycle(wakeups);
            return Ok(());
        }
        self.attempts_total += 1;
        // Pods nominated elsewhere with at least this pod's priority keep their room.
        let reserved = self.reserve_nominated(store, pod);
        let profile = profile_named(
            &self.profile,
            &self.extra_profiles,
            &pod.spec.scheduler_name,
        );
        let mut outcome = match missing_claim(store, pod) {
            // VolumeBinding's PreFilter: a claim the pod names must exist.
            Some(claim) => Err(ScheduleError::Unschedulable(FitError::pre_filter(
                self.cache.node_infos().len(),
                format!("persistentvolumeclaim {claim:?} not found"),
            ))),
            // A nominated pod tries its nominated node alone first (`evaluateNominatedNode`).
            None => {
                let context = pod_context(store, pod);
                match pod
                    .status
                    .nominated_node_name
                    .as_deref()
                    .and_then(|node| self.cache.get(node))
                    .filter(|info| fits_node(profile, pod, &self.cache, &context, info))
                {
                    Some(info) => Ok(ScheduleDecision {
                        node_name: info.name().to_string(),
                        feasible_nodes: 1,
                        evaluated_nodes: 1,
                        score: 0,
                    }),
                    None => schedule_one_with(
                        profile,
                        pod,
                        &self.cache,
                        &context,
                        &mut self.rng,
                        &mut self.next_start_index,
                    ),
                }
            }
        };
        // PostFilter (DefaultPreemption), for a pod that the filters rejected everywhere.
        let mut post_filter = None;
        if let Err(ScheduleError::Unschedulable(fit)) = &mut outcome {
            if fit.pre_filter_message.is_empty() {
                let result = self.run_post_filters(store, pod);
                match &result {
                    PostFilterResult::Nominate(_) => fit.post_filter_message.clear(),
                    PostFilterResult::Unschedulable { message, .. } => {
                        fit.post_filter_message = if message.is_empty() {
                            DRA_POST_FILTER.to_string()
                        } else {
                            format!("{DRA_POST_FILTER}, {message}")
                        };
                    }
                }
                post_filter = Some(result);
            }
        }
        for (node, uid) in reserved {
            self.cache.remove_pod_uid(&node, uid);
        }
        match outcome {
            Ok(decision) => self.reserve_and_permit(store, &key, decision.node_name, wakeups)?,
            Err(error) => self.record_failure(store, &key, uid, error, post_filter, wakeups)?,
        }
        self.request_cycle(wakeups);
        Ok(())
    }

    /// The end of a successful cycle: Reserve, then Permit, then (unless a Permit plugin
    /// holds the pod) binding; a refusal undoes the reservation and the pod goes back to
    /// the queue. Pods held at Permit that a plugin allowed or rejected meanwhile follow.
    fn reserve_and_permit(
        &mut self,
        store: &mut Store,
        key: &ObjectKey,
        node: String,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        let now = store.now();
        let Some(pod) = store.get::<Pod>(key) else {
            return Ok(());
        };
        let uid = pod.meta.uid;
        let profile = profile_named(
            &self.profile,
            &self.extra_profiles,
            &pod.spec.scheduler_name,
        );
        let mut refusal = None;
        for plugin in &profile.reserves {
            let status = plugin.reserve(pod, &node, &self.cache);
            if !status.is_success() {
                refusal = Some(refusal_error("Reserve", plugin.name(), status));
                break;
            }
        }
        let mut wait: Option<(SimDuration, Vec<&'static str>)> = None;
        if refusal.is_none() {
            for plugin in &profile.permits {
                match plugin.permit(pod, &node, &mut self.at_permit) {
                    PermitDecision::Allow => {}
                    PermitDecision::Reject(message) => {
                        refusal = Some(ScheduleError::Rejected {
                            extension_point: "Permit",
                            plugin: plugin.name(),
                            message,
                        });
                        break;
                    }
                    PermitDecision::Wait { timeout } => {
                        let (shortest, pending) = wait.get_or_insert_with(|| (timeout, Vec::new()));
                        *shortest = (*shortest).min(timeout);
                        pending.push(plugin.name());
                    }
                }
            }
        }
        if let Some(error) = refusal {
            for plugin in profile.reserves.iter().rev() {
                plugin.unreserve(pod, &node);
            }
            self.record_failure(store, key, uid, error, None, wakeups)?;
        } else if let Some((timeout, pending)) = wait {
            // Held: assumed on the node, so later cycles count it, until allowed.
            let mut assumed = pod.clone();
            assumed.spec.node_name = Some(node.clone());
            self.cache.add_pod(&node, &assumed);
            self.at_permit.pods.push(WaitingPod {
                uid,
                key: key.clone(),
                labels: pod.meta.labels.clone(),
                node_name: node,
                pending,
            });
            self.permit_holds.insert(
                uid,
                PermitHold {
                    pod: assumed,
                    deadline: now + timeout,
                    timeout,
                },
            );
            wakeups.push(SchedulerWakeup::PermitTimeout {
                at: now + timeout,
                pod: uid,
            });
        } else {
            self.bind(store, key, uid, &node, wakeups)?;
        }
        self.settle_permit_holds(store, wakeups)
    }

    /// Binds the pods held at Permit that every plugin has allowed, and sends back those a
    /// plugin rejected.
    fn settle_permit_holds(
        &mut self,
        store: &mut Store,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        let rejected = std::mem::take(&mut self.at_permit.rejected);
        let freed_room = !rejected.is_empty();
        for (uid, message) in rejected {
            let plugin = self
                .at_permit
                .iter()
                .find(|w| w.uid == uid)
                .and_then(|w| w.pending.first().copied())
                .unwrap_or("Permit");
            if let Some(hold) = self.release_permit_hold(uid) {
                let error = ScheduleError::Rejected {
                    extension_point: "Permit",
                    plugin,
                    message,
                };
                self.record_failure(store, &hold.pod.meta.key(), uid, error, None, wakeups)?;
            }
        }
        let allowed: Vec<(Uid, ObjectKey, String)> = self
            .at_permit
            .iter()
            .filter(|w| w.pending.is_empty())
            .map(|w| (w.uid, w.key.clone(), w.node_name.clone()))
            .collect();
        for (uid, key, node) in allowed {
            self.at_permit.pods.retain(|w| w.uid != uid);
            self.permit_holds.remove(&uid);
            self.cache.remove_pod_uid(&node, uid);
            self.bind(store, &key, uid, &node, wakeups)?;
        }
        if freed_room {
            let now = store.now();
            self.move_all_to_active_or_backoff(store, now, wakeups);
        }
        Ok(())
    }

    /// A pod held at Permit timed out: it is un-reserved and goes back to the queue.
    pub fn on_permit_timeout(
        &mut self,
        pod: Uid,
        store: &mut Store,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        let now = store.now();
        if self
            .permit_holds
            .get(&pod)
            .is_none_or(|hold| hold.deadline != now)
        {
            return Ok(());
        }
        let plugin = self
            .at_permit
            .iter()
            .find(|w| w.uid == pod)
            .and_then(|w| w.pending.first().copied())
            .unwrap_or("Permit");
        if let Some(hold) = self.release_permit_hold(pod) {
            let error = ScheduleError::Rejected {
                extension_point: "Permit",
                plugin,
                message: format!(
                    "rejected due to timeout after waiting {} at plugin {plugin}",
                    hold.timeout
                ),
            };
            self.record_failure(store, &hold.pod.meta.key(), pod, error, None, wakeups)?;
            // The room it held is free again (an assumed pod's removal is a cluster event).
            self.move_all_to_active_or_backoff(store, now, wakeups);
        }
        self.request_cycle(wakeups);
        Ok(())
    }

    /// Asks the profile's Bind plugins in order; the first that does not skip decides. A
    /// binding writes `spec.nodeName`, `PodScheduled=True` and the `Scheduled` event.
    fn bind(
        &mut self,
        store: &mut Store,
        key: &ObjectKey,
        uid: Uid,
        node: &str,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        let now = store.now();
        let Some(pod) = store.get::<Pod>(key).filter(|p| p.meta.uid == uid) else {
            return Ok(());
        };
        let profile = profile_named(
            &self.profile,
            &self.extra_profiles,
            &pod.spec.scheduler_name,
        );
        let mut outcome = Err(ScheduleError::Plugin {
            extension_point: "Bind",
            plugin: "",
            message: "every Bind plugin skipped the pod".to_string(),
        });
        for plugin in &profile.binds {
            match plugin.bind(pod, node) {
                BindOutcome::Skip => continue,
                BindOutcome::Bind => outcome = Ok(()),
                BindOutcome::Error(message) => {
                    outcome = Err(ScheduleError::Plugin {
                        extension_point: "Bind",
                        plugin: plugin.name(),
                        message,
                    })
                }
            }
            break;
        }
        if let Err(error) = outcome {
            for plugin in profile.reserves.iter().rev() {
                plugin.unreserve(pod, node);
            }
            return self.record_failure(store, key, uid, error, None, wakeups);
        }
        let scheduler_name = pod.spec.scheduler_name.clone();
        self.waiting.remove(&uid);
        self.attempts.remove(&uid);
        self.nominated.remove(&uid);
        store.modify::<Pod, _>(key, false, |p| {
            p.spec.node_name = Some(node.to_string());
            p.status.set_condition(
                PodConditionType::PodScheduled,
                ConditionStatus::True,
                "",
                "",
                now,
            );
        })?;
        store.event(
            ObjectRef::new(Kind::Pod, key.clone()),
            EventType::Normal,
            "Scheduled",
            format!(
                "Successfully assigned {}/{} to {node}",
                key.namespace, key.name
            ),
            &scheduler_name,
        );
        if let Some(bound) = store.get::<Pod>(key) {
            self.account_pod(bound);
        }
        self.bindings_total += 1;
        Ok(())
    }

    /// A failed attempt: `PodScheduled=False` with the message, the `FailedScheduling`
    /// event when the message changed, the nomination a PostFilter decided, and the pod
    /// waits in the unschedulable set.
    fn record_failure(
        &mut self,
        store: &mut Store,
        key: &ObjectKey,
        uid: Uid,
        error: ScheduleError,
        post_filter: Option<PostFilterResult>,
        wakeups: &mut Vec<SchedulerWakeup>,
    ) -> Result<(), ApiError> {
        let now = store.now();
        let Some(pod) = store.get::<Pod>(key).filter(|p| p.meta.uid == uid) else {
            return Ok(());
        };
        let message = error.to_string();
        let reason = error.pod_condition_reason();
        let previous = self.attempts.get(&uid);
        let attempts = previous.map_or(0, |a| a.count) + 1;
        let repeated = previous.is_some_and(|a| a.last_message == message);
        let generation = pod.meta.generation;
        let priority = pod.spec.priority;
        let source = pod.spec.scheduler_name.clone();
        // The nominated node after this cycle: set by a preemption, cleared when no node is
        // a candidate any more, kept otherwise.
        let nomination = match &post_filter {
            Some(PostFilterResult::Nominate(candidate)) => Some(Some(candidate.node_name.clone())),
            Some(PostFilterResult::Unschedulable {
                clear_nomination: true,
                ..
            }) if pod.status.nominated_node_name.is_some() => Some(None),
            _ => None,
        };
        store.modify::<Pod, _>(key, false, |p| {
            p.status.set_condition(
                PodConditionType::PodScheduled,
                ConditionStatus::False,
                reason,
                &message,
                now,
            );
            if let Some(node) = &nomination {
                p.status.nominated_node_name.clone_from(node);
            }
        })?;
        match &nomination {
            Some(Some(node)) => {
                self.nominated.insert(uid, (node.clone(), key.clone()));
            }
            Some(None) => {
                self.nominated.remove(&uid);
            }
            None => {}
        }
        // Kubernetes aggregates identical FailedScheduling events into one with a count;
        // the timeline records the first and every change of message.
        if !repeated {
            store.event(
                ObjectRef::new(Kind::Pod, key.clone()),
                EventType::Warning,
                "FailedScheduling",
                message.clone(),
                &source,
            );
        }
        if let Some(PostFilterResult::Nominate(candidate)) = post_filter {
            self.prepare_candidate(store, uid, priority, &candidate)?;
        }
        self.attempts.insert(
            uid,
            Attempts {
                count: attempts,
                last_message: message,
                generation,
            },
        );
        self.waiting.insert(
            uid,
            Waiting {
                key: key.clone(),
                attempts,
                last_attempt: now,
            },
        );
        wakeups.push(SchedulerWakeup::Retry {
            at: now + POD_MAX_IN_UNSCHEDULABLE,
            pod: uid,
            attempt: attempts,
        });
        Ok(())
    }

    /// Accounts the pods nominated to a node, other than `pod` and of at least its
    /// priority, on that node for this cycle; returns what to take back afterwards.
    fn reserve_nominated(&mut self, store: &Store, pod: &Pod) -> Vec<(String, Uid)> {
        if self.nominated.is_empty() {
            return Vec::new();
        }
        let mut reserved = Vec::new();
        for (&uid, (node, key)) in &self.nominated {
            if uid == pod.meta.uid {
                continue;
            }
            let Some(nominee) = store.get::<Pod>(key).filter(|p| p.meta.uid == uid) else {
                continue;
            };
            // A nominee that got bound meanwhile is counted already.
            let unbound = nominee.spec.node_name.is_none() && !self.bound.contains_key(&uid);
            if unbound
                && nominee.spec.priority >= pod.spec.priority
                && self.cache.get(node).is_some()
            {
                reserved.push((node.clone(), nominee));
            }
        }
        reserved
            .into_iter()
            .map(|(node, nominee)| {
                self.cache.add_pod(&node, nominee);
                (node, nominee.meta.uid)
            })
            .collect()
    }

    /// The profile's PostFilter plugins (DefaultPreemption) for `pod` against the current
    /// cache (nominated pods reserved) and the PodDisruptionBudgets, in order until one
    /// nominates a node; otherwise their messages joined (`RunPostFilterPlugins`).
    fn run_post_filters(&mut self, store: &Store, pod: &Pod) -> PostFilterResult {
        let profile = profile_named(
            &self.profile,
            &self.extra_profiles,
            &pod.spec.scheduler_name,
        );
        if profile.post_filters.is_empty() {
            return PostFilterResult::Unschedulable {
                message: String::new(),
                clear_nomination: false,
            };
        }
        let mut pods_on_nodes: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
        // Only pods of lower priority can be victims.
        for p in store
            .list::<Pod>()
            .filter(|p| p.spec.priority < pod.spec.priority)
        {
            if let Some(node) = self.bound.get(&p.meta.uid) {
                pods_on_nodes.entry(node.clone()).or_default().push(p);
            }
        }
        let pdbs: Vec<&PodDisruptionBudget> = store.list::<PodDisruptionBudget>().collect();
        let context = pod_context(store, pod);
        let input = PostFilterInput {
            profile,
            cache: &self.cache,
            pods_on_nodes: &pods_on_nodes,
            pdbs: &pdbs,
            context: &context,
            now: store.now(),
        };
        let mut messages = Vec::new();
        let mut clear_nomination = false;
        for plugin in &profile.post_filters {
            match plugin.post_filter(&input, pod, &mut self.rng) {
                nominate @ PostFilterResult::Nominate(_) => return nominate,
                PostFilterResult::Unschedulable {
                    message,
                    clear_nomination: clear,
                } => {
                    clear_nomination |= clear;
                    if !message.is_empty() {
                        messages.push(message);
                    }
                }
            }
        }
        PostFilterResult::Unschedulable {
            message: messages.join(", "),
            clear_nomination,
        }
    }

    /// `prepareCandidate`: each victim gets the `DisruptionTarget` condition, is deleted
    /// gracefully and gets the `Preempted` event; pods of lower priority nominated to the
    /// same node lose their nomination.
    fn prepare_candidate(
        &mut self,
        store: &mut Store,
        preemptor: Uid,
        priority: i32,
        candidate: &crate::scheduler::preemption::Candidate,
    ) -> Result<(), ApiError> {
        let now = store.now();
        let node = &candidate.node_name;
        let source = self.profile.scheduler_name.clone();
        let condition_message =
            format!("{source}: preempting to accommodate a higher priority pod");
        for victim in &candidate.victims {
            if store
                .get::<Pod>(&victim.key)
                .is_none_or(|p| p.meta.uid != victim.uid)
            {
                continue;
            }
            store.modify::<Pod, _>(&victim.key, false, |p| {
                p.status.set_condition(
                    PodConditionType::DisruptionTarget,
                    ConditionStatus::True,
                    PREEMPTION_BY_SCHEDULER,
                    &condition_message,
                    now,
                );
            })?;
            store.delete_pod(&victim.key, DeleteOptions::default())?;
            store.event(
                ObjectRef::new(Kind::Pod, victim.key.clone()),
                EventType::Normal,
                "Preempted",
                format!("Preempted by pod {preemptor} on node {node}"),
                &source,
            );
        }
        let lower: Vec<(Uid, ObjectKey)> = self
            .nominated
            .iter()
            .filter(|(uid, (n, _))| **uid != preemptor && n == node)
            .filter_map(|(uid, (_, key))| {
                store
                    .get::<Pod>(key)
                    .filter(|p| p.meta.uid == *uid && p.spec.priority < priority)
                    .map(|_| (*uid, key.clone()))
            })
            .collect();
        for (uid, key) in lower {
            self.nominated.remove(&uid);
            store.modify::<Pod, _>(&key, false, |p| p.status.nominated_node_name = None)?;
        }
        Ok(())
    }
}

/// What the API objects say about `pod` for scheduling: the selector of the system default
/// topology spreading (`helper.DefaultSelector`): the selectors of the Services in its
/// namespace that select it, merged, plus the selector of its controlling ReplicaSet or
/// StatefulSet. Only computed for pods without constraints of their own.
fn pod_context(store: &Store, pod: &Pod) -> PodContext {
    if !pod.spec.topology_spread_constraints.is_empty() {
        return PodContext::default();
    }
    let mut selector = LabelSelector::default();
    for service in store.list::<Service>() {
        let s = &service.spec.selector;
        if service.meta.namespace == pod.meta.namespace
            && !s.is_empty()
            && s.iter().all(|(k, v)| pod.meta.labels.get(k) == Some(v))
        {
            selector
                .match_labels
                .extend(s.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    if let Some(owner) = pod.meta.controller_ref() {
        let key = ObjectKey::new(pod.meta.namespace.clone(), owner.name.clone());
        let owner_selector = match owner.kind {
            Kind::ReplicaSet => store.get::<ReplicaSet>(&key).map(|rs| &rs.selector),
            Kind::StatefulSet => store.get::<StatefulSet>(&key).map(|ss| &ss.selector),
            _ => None,
        };
        if let Some(owner_selector) = owner_selector {
            selector.match_labels.extend(
                owner_selector
                    .match_labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            selector
                .match_expressions
                .extend(owner_selector.match_expressions.iter().cloned());
        }
    }
    PodContext {
        default_spread_selector: (!selector.is_empty()).then_some(selector),
    }
}

/// The first PersistentVolumeClaim the pod's volumes name that does not exist in its
/// namespace (VolumeBinding's PreFilter; kubesim has no storage model, so an existing claim
/// is always bound).
fn missing_claim<'a>(store: &Store, pod: &'a Pod) -> Option<&'a str> {
    pod.spec.volumes.iter().find_map(|v| match &v.source {
        VolumeSource::PersistentVolumeClaim { claim_name, .. } => {
            let key = ObjectKey::new(pod.meta.namespace.clone(), claim_name.clone());
            store
                .get::<PersistentVolumeClaim>(&key)
                .is_none()
                .then_some(claim_name.as_str())
        }
        _ => None,
    })
}

/// The error of a Reserve plugin's refusal: an unschedulable status sends the pod back with
/// its reasons (reason `Unschedulable`), an error status as a `SchedulerError`.
fn refusal_error(
    extension_point: &'static str,
    plugin: &'static str,
    status: Status,
) -> ScheduleError {
    match status {
        Status::Error(message) => ScheduleError::Plugin {
            extension_point,
            plugin,
            message,
        },
        rejection => ScheduleError::Rejected {
            extension_point,
            plugin,
            message: rejection.into_reasons().join(", "),
        },
    }
}

/// The profile a pod names by `schedulerName` (the first one if none matches: the queue only
/// takes pods some profile is responsible for).
fn profile_named<'a>(first: &'a Profile, extra: &'a [Profile], name: &str) -> &'a Profile {
    std::iter::once(first)
        .chain(extra)
        .find(|p| p.scheduler_name == name)
        .unwrap_or(first)
}
