//! The simulation: one event queue driving the API server (store), the controllers, the
//! scheduler and the kubelets, with scenario actions injected at their times.
//!
//! Each step pops the next event in `(time, seq)` order, runs it with the store's clock and
//! cause set, then dispatches the store changes it produced to every watcher until none are
//! left. Watchers answer with timers (scheduled events), never by calling each other, so
//! the order of everything is the order of the queue. Every run is bounded: by an event
//! budget, and by a cap on events at one instant (a loop that never advances time).

use std::collections::BTreeMap;

use crate::behaviour::BehaviourBook;
use crate::controllers::{
    Action, Context, Controller, CronJobController, DaemonSetController, DeploymentController,
    DisruptionController, EndpointSliceController, GarbageCollector, JobController,
    NamespaceController, NodeLifecycleController, PodGarbageCollector, ReplicaSetController,
    ResourceQuotaController, StatefulSetController, TaintByConditionController,
    TaintEvictionController, TtlAfterFinishedController,
};
use crate::drain::{Drain, DrainOptions};
use crate::eviction::{evict, EvictionOptions};
use crate::failures::{Chaos, ChaosEvent, NodeTarget};
use crate::invariants::{InvariantChecker, Violation};
use crate::kubelet::{KubeletConfig, KubeletError, KubeletEvent, Kubelets, ProbeMode};
use crate::node_pressure::EvictionManagers;
use crate::objects::{
    ConfigMap, CronJob, DaemonSet, Deployment, Job, Kind, LimitRange, Namespace, Node, ObjectKey,
    ObjectRef, PersistentVolumeClaim, Pod, PodDisruptionBudget, PriorityClass, ReplicaSet,
    ResourceQuota, Secret, Service, StatefulSet,
};
use crate::queue::{EventId, EventQueue, QueueError};
use crate::rng::{RngStreams, Stream};
use crate::scheduler::Profile;
use crate::scheduling::{SchedulerWakeup, SchedulingQueue};
use crate::store::{ApiError, Change, DeleteOptions, Object, PropagationPolicy, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::{EventType, RecordId, Timeline};
use crate::with_kind;
use rand_chacha::ChaCha8Rng;

mod failures;

/// Any object kubesim simulates, for scenario actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyObject {
    /// A Node.
    Node(Box<Node>),
    /// A Pod.
    Pod(Box<Pod>),
    /// A ReplicaSet.
    ReplicaSet(Box<ReplicaSet>),
    /// A Deployment.
    Deployment(Box<Deployment>),
    /// A Service.
    Service(Box<Service>),
    /// A Namespace.
    Namespace(Box<Namespace>),
    /// A ResourceQuota.
    ResourceQuota(Box<ResourceQuota>),
    /// A LimitRange.
    LimitRange(Box<LimitRange>),
    /// A PriorityClass.
    PriorityClass(Box<PriorityClass>),
    /// A ConfigMap.
    ConfigMap(Box<ConfigMap>),
    /// A Secret.
    Secret(Box<Secret>),
    /// A Job.
    Job(Box<Job>),
    /// A CronJob.
    CronJob(Box<CronJob>),
    /// A StatefulSet.
    StatefulSet(Box<StatefulSet>),
    /// A DaemonSet.
    DaemonSet(Box<DaemonSet>),
    /// A PersistentVolumeClaim.
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    /// A PodDisruptionBudget.
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    /// A HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(Box<crate::objects::HorizontalPodAutoscaler>),
}

impl AnyObject {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            AnyObject::Node(_) => Kind::Node,
            AnyObject::Pod(_) => Kind::Pod,
            AnyObject::ReplicaSet(_) => Kind::ReplicaSet,
            AnyObject::Deployment(_) => Kind::Deployment,
            AnyObject::Service(_) => Kind::Service,
            AnyObject::Namespace(_) => Kind::Namespace,
            AnyObject::ResourceQuota(_) => Kind::ResourceQuota,
            AnyObject::LimitRange(_) => Kind::LimitRange,
            AnyObject::PriorityClass(_) => Kind::PriorityClass,
            AnyObject::ConfigMap(_) => Kind::ConfigMap,
            AnyObject::Secret(_) => Kind::Secret,
            AnyObject::Job(_) => Kind::Job,
            AnyObject::CronJob(_) => Kind::CronJob,
            AnyObject::StatefulSet(_) => Kind::StatefulSet,
            AnyObject::DaemonSet(_) => Kind::DaemonSet,
            AnyObject::PersistentVolumeClaim(_) => Kind::PersistentVolumeClaim,
            AnyObject::PodDisruptionBudget(_) => Kind::PodDisruptionBudget,
            AnyObject::HorizontalPodAutoscaler(_) => Kind::HorizontalPodAutoscaler,
        }
    }

    /// The object's reference (namespace defaulted to `default` for namespaced kinds).
    pub fn object_ref(&self) -> ObjectRef {
        let meta = match self {
            AnyObject::Node(o) => &o.meta,
            AnyObject::Pod(o) => &o.meta,
            AnyObject::ReplicaSet(o) => &o.meta,
            AnyObject::Deployment(o) => &o.meta,
            AnyObject::Service(o) => &o.meta,
            AnyObject::Namespace(o) => &o.meta,
            AnyObject::ResourceQuota(o) => &o.meta,
            AnyObject::LimitRange(o) => &o.meta,
            AnyObject::PriorityClass(o) => &o.meta,
            AnyObject::ConfigMap(o) => &o.meta,
            AnyObject::Secret(o) => &o.meta,
            AnyObject::Job(o) => &o.meta,
            AnyObject::CronJob(o) => &o.meta,
            AnyObject::StatefulSet(o) => &o.meta,
            AnyObject::DaemonSet(o) => &o.meta,
            AnyObject::PersistentVolumeClaim(o) => &o.meta,
            AnyObject::PodDisruptionBudget(o) => &o.meta,
            AnyObject::HorizontalPodAutoscaler(o) => &o.meta,
        };
        let namespace = if !self.kind().namespaced() {
            String::new()
        } else if meta.namespace.is_empty() {
            "default".to_string()
        } else {
            meta.namespace.clone()
        };
        ObjectRef::new(self.kind(), ObjectKey::new(namespace, meta.name.clone()))
    }
}

/// Something that happens to the cluster at a scenario time (a what-if).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioAction {
    /// `kubectl apply`: create the object, or update the spec of the existing one.
    Apply(AnyObject),
    /// `kubectl delete` (pods gracefully, with an optional grace period override).
    Delete {
        /// What to delete.
        target: ObjectRef,
        /// `--grace-period`.
        grace_period_seconds: Option<u64>,
        /// `--cascade` (`propagationPolicy`); `None` is kubectl's default, background. Pods
        /// own nothing here, so a pod is deleted gracefully whatever the policy.
        propagation_policy: Option<PropagationPolicy>,
    },
    /// Delete `count` pods matching a selector (those first in name order).
    DeletePods {
        /// Namespace.
        namespace: String,
        /// Label selector.
        selector: crate::selector::LabelSelector,
        /// Only pods bound to this node (`--field-selector spec.nodeName=...`).
        node: Option<String>,
        /// How many (all if `None`).
        count: Option<usize>,
        /// `--grace-period`.
        grace_period_seconds: Option<u64>,
    },
    /// `kubectl scale`.
    Scale {
        /// A Deployment or ReplicaSet.
        target: ObjectRef,
        /// New `spec.replicas`.
        replicas: u32,
    },
    /// `kubectl cordon` (true) / `uncordon` (false).
    SetUnschedulable {
        /// Node name.
        node: String,
        /// Cordoned or not.
        unschedulable: bool,
    },
    /// `kubectl rollout pause` (true) / `resume` (false) of a Deployment; for a Job or a
    /// CronJob, `spec.suspend` (`kubectl patch -p '{"spec":{"suspend":true}}'`).
    SetPaused {
        /// The Deployment, Job or CronJob.
        target: ObjectRef,
        /// `spec.paused` (`spec.suspend`).
        paused: bool,
    },
    /// `kubectl rollout undo`: copies the pod template of an earlier revision's ReplicaSet
    /// back into the Deployment (k8s-semantics §4.6).
    RolloutUndo {
        /// The Deployment.
        target: ObjectRef,
        /// `--to-revision`; `None` (or 0, as kubectl) is the previous revision.
        to_revision: Option<u64>,
    },
    /// A new request-rate curve for the load model of `target` (`setLoad`).
    SetLoad {
        /// Namespace of the target.
        namespace: String,
        /// The Service or workload whose load changes.
        target: crate::metrics::LoadTarget,
        /// The new curve.
        curve: crate::metrics::LoadCurve,
    },
    /// `kubectl set image`: a new image for one container of a Deployment's pod template.
    SetImage {
        /// The Deployment.
        target: ObjectRef,
        /// Container name.
        container: String,
        /// New image.
        image: String,
    },
    /// An Eviction of one pod through the eviction API (k8s-semantics §6.4): the outcome
    /// (deleted, or the 429/500 refusal) goes on the timeline.
    Evict {
        /// The pod.
        pod: ObjectKey,
        /// `deleteOptions.gracePeriodSeconds`.
        grace_period_seconds: Option<u64>,
    },
    /// `kubectl drain` (k8s-semantics §6.6), run by a [`Drain`] actor until it ends.
    Drain(DrainOptions),
    /// Nodes stop talking to the control plane (`failNode`, `partition`, `zoneOutage`;
    /// k8s-semantics §7).
    FailNodes {
        /// Which nodes.
        target: NodeTarget,
        /// How they fail.
        mode: crate::objects::NodeFailureMode,
    },
    /// Their kubelets are back (`recoverNode`).
    RecoverNodes {
        /// Which nodes.
        target: NodeTarget,
    },
    /// A container is killed (exit code 137) and its pod's restart policy applies.
    KillContainer {
        /// The pod.
        pod: ObjectKey,
        /// The container's name.
        container: String,
    },
}

impl ScenarioAction {
    /// The timeline reason naming the action.
    pub fn reason(&self) -> &'static str {
        match self {
            ScenarioAction::Apply(_) => "Apply",
            ScenarioAction::Delete { .. } | ScenarioAction::DeletePods { .. } => "Delete",
            ScenarioAction::Scale { .. } => "Scale",
            ScenarioAction::SetUnschedulable {
                unschedulable: true,
                ..
            } => "Cordon",
            ScenarioAction::SetUnschedulable { .. } => "Uncordon",
            ScenarioAction::SetPaused { paused: true, .. } => "Pause",
            ScenarioAction::SetPaused { .. } => "Resume",
            ScenarioAction::RolloutUndo { .. } => "RolloutUndo",
            ScenarioAction::SetImage { .. } => "SetImage",
            ScenarioAction::Evict { .. } => "Evict",
            ScenarioAction::Drain(_) => "Drain",
            ScenarioAction::FailNodes {
                mode: crate::objects::NodeFailureMode::Partition,
                ..
            } => "Partition",
            ScenarioAction::FailNodes {
                target: NodeTarget::Zone(_),
                ..
            } => "ZoneOutage",
            ScenarioAction::FailNodes { .. } => "FailNode",
            ScenarioAction::RecoverNodes { .. } => "RecoverNode",
            ScenarioAction::KillContainer { .. } => "KillContainer",
            ScenarioAction::SetLoad { .. } => "SetLoad",
        }
    }
}

/// Settings of a simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Root seed of every random stream.
    pub seed: u64,
    /// Stop with an error after this many events.
    pub event_budget: u64,
    /// Stop with an error after this many events at one instant.
    pub per_instant_cap: u64,
    /// Delay between a change and the reconcile it triggers.
    pub controller_latency: SimDuration,
    /// Run the invariant checkers on every change.
    pub check_invariants: bool,
    /// Lazy (default) or eager probe workers; the timeline is the same.
    pub probe_mode: ProbeMode,
    /// Record every probe tick (implies eager probe workers).
    pub trace_probes: bool,
    /// Draw probe ticker phases from the seed instead of the canonical phase 0.
    pub seeded_probe_phase: bool,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            seed: 1,
            event_budget: 50_000_000,
            per_instant_cap: 5_000_000,
            controller_latency: SimDuration::ZERO,
            check_invariants: false,
            probe_mode: ProbeMode::Lazy,
            trace_probes: false,
            seeded_probe_phase: false,
        }
    }
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// The event budget ran out.
    #[error("event budget of {budget} events exhausted at {at} (last event: {last})")]
    BudgetExhausted {
        /// The budget.
        budget: u64,
        /// When.
        at: SimTime,
        /// The last event run.
        last: String,
    },
    /// Too many events at one instant: something loops without advancing time.
    #[error("more than {cap} events at {at}: time does not advance (last event: {last})")]
    InstantCapExceeded {
        /// The cap.
        cap: u64,
        /// The instant.
        at: SimTime,
        /// The last event run.
        last: String,
    },
    /// An invariant checker found a violation.
    #[error("invariant violated at {at}: {violation}")]
    Invariant {
        /// When.
        at: SimTime,
        /// What.
        violation: Violation,
    },
    /// A scenario action was refused by the API server.
    #[error("scenario action at {at} failed: {error}")]
    Action {
        /// When.
        at: SimTime,
        /// Why.
        error: ApiError,
    },
    /// The kubelet model failed.
    #[error("kubelet at {at}: {error}")]
    Kubelet {
        /// When.
        at: SimTime,
        /// Why.
        error: KubeletError,
    },
    /// The scheduler's write was refused.
    #[error("scheduler at {at}: {error}")]
    Scheduler {
        /// When.
        at: SimTime,
        /// Why.
        error: ApiError,
    },
    /// An event could not be queued.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SimEvent {
    Action(Box<ScenarioAction>),
    Reconcile {
        controller: usize,
        key: ObjectRef,
    },
    ScheduleCycle,
    SchedulerRetry {
        pod: crate::objects::Uid,
        attempt: u32,
    },
    PermitTimeout {
        pod: crate::objects::Uid,
    },
    Kubelet(KubeletEvent),
    /// The earliest entry of the kubelets' end-of-instant agenda (a probe wake-up or a
    /// status write).
    KubeletDeferred,
    /// A `kubectl drain` under way has something due (an eviction retry, a poll).
    DrainStep {
        drain: usize,
    },
    /// A node's eviction manager runs a pass.
    EvictionPass {
        node: String,
    },
    /// A chaos failure, recovery or pod kill.
    Chaos(ChaosEvent),
    /// A node's kubelet posts its status and may record `NodeSchedulable` /
    /// `NodeNotSchedulable` (queued only when `spec.unschedulable` changed).
    NodeStatusUpdate {
        node: String,
    },
}

impl SimEvent {
    fn describe(&self) -> String {
        match self {
            SimEvent::Action(a) => format!("scenario action {}", a.reason()),
            SimEvent::Reconcile { controller, key } => {
                format!("reconcile #{controller} of {key}")
            }
            SimEvent::ScheduleCycle => "scheduling cycle".to_string(),
            SimEvent::SchedulerRetry { .. } => "scheduler retry".to_string(),
            SimEvent::PermitTimeout { .. } => "scheduler permit timeout".to_string(),
            SimEvent::Kubelet(k) => format!("kubelet {k:?}"),
            SimEvent::KubeletDeferred => "kubelet probe or status write".to_string(),
            SimEvent::DrainStep { drain } => format!("drain #{drain}"),
            SimEvent::EvictionPass { node } => format!("eviction manager pass on {node}"),
            SimEvent::Chaos(c) => format!("chaos {c:?}"),
            SimEvent::NodeStatusUpdate { node } => format!("node status update of {node}"),
        }
    }
}

/// Counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events processed.
    pub events: u64,
    /// Timeline records.
    pub records: u64,
    /// Scheduling attempts.
    pub scheduling_attempts: u64,
    /// Successful bindings.
    pub bindings: u64,
}

/// A simulated cluster.
pub struct Simulation {
    config: SimConfig,
    queue: EventQueue<(SimEvent, Option<RecordId>)>,
    store: Store,
    controllers: Vec<Box<dyn Controller>>,
    controller_rng: ChaCha8Rng,
    pending_reconciles: BTreeMap<(usize, ObjectRef), ()>,
    requeues: BTreeMap<(usize, ObjectRef), EventId>,
    /// Consecutive failed reconciles per (controller, key), for the retry back-off.
    failures: BTreeMap<(usize, ObjectRef), u32>,
    scheduler: SchedulingQueue,
    kubelets: Kubelets,
    checker: Option<InvariantChecker>,
    events_run: u64,
    instant: SimTime,
    events_at_instant: u64,
    /// The instant whose deferred kubelet work is being run as a batch.
    draining_deferred: Option<SimTime>,
    changes: Vec<Change>,
    /// `kubectl drain`s, running or over, by the index their timers carry.
    drains: Vec<Drain>,
    /// The kubelets' eviction managers (node-pressure eviction).
    eviction_managers: EvictionManagers,
    /// The queued pass of each node's eviction manager.
    eviction_passes: BTreeMap<String, EventId>,
    /// The kubelets' view of `spec.unschedulable` (their NodeSchedulable events).
    schedulable_events: crate::node_schedulable::SchedulableEvents,
    /// The queued status update of each node whose flag changed.
    schedulable_checks: BTreeMap<String, EventId>,
    /// Seeded random failures (`spec.chaos`), if any.
    chaos: Option<Chaos>,
    /// The API's answer to the last `Evict` action, for a client waiting on it
    /// (`kubesim serve`).
    last_eviction: Option<(ObjectKey, Result<(), crate::eviction::EvictionError>)>,
}

impl Simulation {
    /// A simulation with the built-in controllers, the given scheduler profile and
    /// behaviours.
    pub fn new(config: SimConfig, profile: Profile, behaviours: BehaviourBook) -> Simulation {
        let streams = RngStreams::new(config.seed);
        let controllers: Vec<Box<dyn Controller>> = vec![
            Box::new(DeploymentController),
            Box::new(ReplicaSetController),
            Box::new(StatefulSetController),
            Box::new(DaemonSetController),
            Box::new(GarbageCollector),
            Box::new(NodeLifecycleController::default()),
            Box::new(TaintEvictionController::default()),
            Box::new(PodGarbageCollector::default()),
            Box::new(EndpointSliceController::new(
                streams.stream(Stream::EndpointSliceNames),
            )),
            Box::new(NamespaceController),
            Box::new(ResourceQuotaController),
            Box::new(JobController::default()),
            Box::new(TtlAfterFinishedController),
            Box::new(CronJobController::default()),
            Box::new(DisruptionController),
            Box::new(TaintByConditionController),
            Box::new(crate::controllers::hpa::HorizontalController::default()),
        ];
        Simulation {
            checker: config.check_invariants.then(InvariantChecker::new),
            queue: EventQueue::new(),
            store: {
                let mut store = Store::new(streams.stream(Stream::ObjectNames));
                store.metrics_source_mut().behaviours = behaviours.clone();
                store
            },
            controllers,
            controller_rng: streams.stream(Stream::Controllers),
            pending_reconciles: BTreeMap::new(),
            requeues: BTreeMap::new(),
            failures: BTreeMap::new(),
            scheduler: SchedulingQueue::new(profile, streams.stream(Stream::SchedulerTieBreak)),
            kubelets: Kubelets::new(
                behaviours,
                KubeletConfig {
                    probe_mode: if config.trace_probes {
                        ProbeMode::Eager
                    } else {
                        config.probe_mode
                    },
                    trace_probes: config.trace_probes,
                    seeded_probe_phase: config.seeded_probe_phase,
                    seed: config.seed,
                },
                streams.stream(Stream::Kubelet),
            ),
            events_run: 0,
            instant: SimTime::ZERO,
            events_at_instant: 0,
            draining_deferred: None,
            changes: Vec::new(),
            drains: Vec::new(),
            eviction_managers: EvictionManagers::default(),
            eviction_passes: BTreeMap::new(),
            schedulable_events: Default::default(),
            schedulable_checks: BTreeMap::new(),
            chaos: None,
            last_eviction: None,
            config,
        }
    }

    /// Adds a scheduler profile for pods whose `spec.schedulerName` is its name (the second
    /// and later `profiles[]` of a KubeSchedulerConfiguration); a name already served is
    /// refused. Add profiles before the first pod arrives.
    pub fn add_scheduler_profile(
        &mut self,
        profile: Profile,
    ) -> Result<(), crate::scheduler::RegistryError> {
        self.scheduler.add_profile(profile)
    }

    /// Sets the load models (`spec.load` of a scenario): request-rate curves the metrics
    /// API turns into CPU, memory and requests per second ([`crate::metrics`]).
    pub fn set_load_models(&mut self, loads: Vec<crate::metrics::LoadModel>) {
        self.store.metrics_source_mut().loads = loads;
    }

    /// Adds a controller (a user's own, say); it runs after the built-in ones.
    pub fn add_controller(&mut self, controller: Box<dyn Controller>) {
        self.controllers.push(controller);
    }

    /// The settings.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// The API server.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Seeds `service/kubernetes` and its EndpointSlice (the API server at `address`), as
    /// `kubesim serve` does: see [`Store::seed_api_server_service`].
    pub fn seed_api_server_service(&mut self, address: crate::objects::Ipv4Address) {
        self.store.seed_api_server_service(address);
    }

    /// Takes the API's answer to the last `Evict` action (`Ok` when the pod was evicted),
    /// with the pod it was for.
    pub fn take_last_eviction(
        &mut self,
    ) -> Option<(ObjectKey, Result<(), crate::eviction::EvictionError>)> {
        self.last_eviction.take()
    }

    /// The timeline so far.
    pub fn timeline(&self) -> &Timeline {
        self.store.timeline()
    }

    /// The scheduler component.
    pub fn scheduler(&self) -> &SchedulingQueue {
        &self.scheduler
    }

    /// Counters.
    pub fn stats(&self) -> RunStats {
        let (attempts, bindings) = self.scheduler.counters();
        RunStats {
            events: self.events_run,
            records: self.store.timeline().len() as u64,
            scheduling_attempts: attempts,
            bindings,
        }
    }

    /// Time of the next pending event (deferred kubelet work included).
    pub fn next_event_time(&self) -> Option<SimTime> {
        match (self.queue.peek_time(), self.kubelets.next_deferred_time()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the next event is deferred kubelet work: probe wake-ups and status writes
    /// run after every other event of their instant, in the kubelets' canonical order
    /// (see [`crate::kubelet`]). Once started, the deferred work of an instant runs as one
    /// batch, and what it triggers runs after it: fifty status writes at one instant wake a
    /// ReplicaSet once, not fifty times.
    fn deferred_is_next(&self) -> bool {
        match (self.queue.peek_time(), self.kubelets.next_deferred_time()) {
            (Some(main), Some(deferred)) => {
                deferred < main || (deferred == main && self.draining_deferred == Some(deferred))
            }
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }

    /// Queues a scenario action at `at`.
    pub fn schedule_action(&mut self, at: SimTime, action: ScenarioAction) -> Result<(), SimError> {
        self.queue
            .schedule(at, (SimEvent::Action(Box::new(action)), None))?;
        Ok(())
    }

    /// Runs the next event. Returns `false` if there was none.
    pub fn step(&mut self) -> Result<bool, SimError> {
        let (at, event, cause) = if self.deferred_is_next() {
            let Some(at) = self.kubelets.next_deferred_time() else {
                return Ok(false);
            };
            self.queue.advance_to(at)?;
            self.draining_deferred = Some(at);
            (
                at,
                SimEvent::KubeletDeferred,
                self.kubelets.next_deferred_cause(),
            )
        } else {
            let Some((at, _, (event, cause))) = self.queue.pop() else {
                return Ok(false);
            };
            self.draining_deferred = None;
            (at, event, cause)
        };
        self.events_run += 1;
        if at != self.instant {
            self.instant = at;
            self.events_at_instant = 0;
        }
        self.events_at_instant += 1;
        if self.events_run > self.config.event_budget {
            return Err(SimError::BudgetExhausted {
                budget: self.config.event_budget,
                at,
                last: event.describe(),
            });
        }
        if self.events_at_instant > self.config.per_instant_cap {
            return Err(SimError::InstantCapExceeded {
                cap: self.config.per_instant_cap,
                at,
                last: event.describe(),
            });
        }
        self.store.set_context(at, cause);
        self.run_event(event, at)?;
        self.dispatch_changes(at)?;
        self.plan_eviction_passes(at)?;
        self.plan_schedulable_checks(at)?;
        Ok(true)
    }

    /// Queues (or drops) the status update at which each changed node's kubelet records
    /// that `spec.unschedulable` flipped ([`crate::node_schedulable`]).
    fn plan_schedulable_checks(&mut self, at: SimTime) -> Result<(), SimError> {
        for (node, cause) in self.schedulable_events.take_dirty() {
            let due = self.schedulable_events.due(&node, &self.store, at);
            match (due, self.schedulable_checks.get(&node)) {
                (Some(_), Some(_)) => {}
                (Some(when), None) => {
                    let id = self.queue.schedule(
                        when,
                        (SimEvent::NodeStatusUpdate { node: node.clone() }, cause),
                    )?;
                    self.schedulable_checks.insert(node, id);
                }
                (None, Some(_)) => {
                    if let Some(id) = self.schedulable_checks.remove(&node) {
                        self.queue.cancel(id);
                    }
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// Sets a node's `evictionHard` `memory.available` threshold (default 100Mi).
    pub fn set_memory_eviction_threshold(&mut self, node: &str, bytes: u64) {
        self.eviction_managers.set_memory_threshold(node, bytes);
    }

    /// Queues (or moves) the next eviction-manager pass of every node where something
    /// changed: at the first grid tick at which its memory can cross the threshold, or none.
    fn plan_eviction_passes(&mut self, at: SimTime) -> Result<(), SimError> {
        for node in self.eviction_managers.take_dirty() {
            let want = self
                .eviction_managers
                .next_pass(&node, &self.store, &self.kubelets, at);
            if want == self.eviction_managers.scheduled(&node) {
                continue;
            }
            if let Some(old) = self.eviction_passes.remove(&node) {
                self.queue.cancel(old);
            }
            if let Some(when) = want {
                let id = self.queue.schedule(
                    when,
                    (
                        SimEvent::EvictionPass { node: node.clone() },
                        self.store.cause(),
                    ),
                )?;
                self.eviction_passes.insert(node.clone(), id);
            }
            self.eviction_managers.set_scheduled(&node, want);
        }
        Ok(())
    }

    /// Queues the drain's next step; its cause is the last record the drain wrote since
    /// `mark` (kubectl's last line), else the cause of the step that ran.
    fn schedule_drain(
        &mut self,
        drain: usize,
        next: Option<SimTime>,
        mark: usize,
    ) -> Result<(), SimError> {
        if let Some(when) = next {
            let cause = self
                .store
                .timeline()
                .records()
                .get(mark..)
                .and_then(|new| new.last())
                .map(|r| r.id)
                .or(self.store.cause());
            self.queue
                .schedule(when, (SimEvent::DrainStep { drain }, cause))?;
        }
        Ok(())
    }

    /// Runs every event before or at `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: SimTime) -> Result<RunStats, SimError> {
        while self.next_event_time().is_some_and(|t| t <= until) {
            self.step()?;
        }
        Ok(self.stats())
    }

    /// Runs until no event is left (bounded by the event budget).
    pub fn run(&mut self) -> Result<RunStats, SimError> {
        while self.step()? {}
        Ok(self.stats())
    }

    fn run_event(&mut self, event: SimEvent, at: SimTime) -> Result<(), SimError> {
        match event {
            SimEvent::Action(action) => self.run_action(*action, at),
            SimEvent::Reconcile { controller, key } => {
                self.pending_reconciles.remove(&(controller, key.clone()));
                let mut ctx = Context {
                    store: &mut self.store,
                    now: at,
                    rng: &mut self.controller_rng,
                };
                let result = self.controllers[controller].reconcile(&key, &mut ctx);
                let slot = (controller, key.clone());
                let requeue_after = match result {
                    Ok(action) => {
                        // `Forget`: the next failure starts the back-off afresh.
                        self.failures.remove(&slot);
                        match action {
                            Action::AwaitChange => None,
                            Action::RequeueAfter(d) => Some(d.max(SimDuration::from_millis(1))),
                        }
                    }
                    // A refused write is retried with the work queue's per-item back-off.
                    Err(_) => {
                        let failures = self.failures.entry(slot.clone()).or_insert(0);
                        let delay = reconcile_backoff(*failures);
                        *failures = failures.saturating_add(1);
                        Some(delay)
                    }
                };
                if let Some(old) = self.requeues.remove(&slot) {
                    self.queue.cancel(old);
                }
                if let Some(d) = requeue_after {
                    let id = self.queue.schedule(
                        at + d,
                        (SimEvent::Reconcile { controller, key }, self.store.cause()),
                    )?;
                    self.requeues.insert(slot, id);
                }
                Ok(())
            }
            SimEvent::ScheduleCycle => {
                let mut wakeups = Vec::new();
                self.scheduler
                    .run_cycle(&mut self.store, &mut wakeups)
                    .map_err(|error| SimError::Scheduler { at, error })?;
                self.apply_wakeups(wakeups, at)
            }
            SimEvent::SchedulerRetry { pod, attempt } => {
                let mut wakeups = Vec::new();
                self.scheduler
                    .on_retry(pod, attempt, &self.store, at, &mut wakeups);
                self.apply_wakeups(wakeups, at)
            }
            SimEvent::PermitTimeout { pod } => {
                let mut wakeups = Vec::new();
                self.scheduler
                    .on_permit_timeout(pod, &mut self.store, &mut wakeups)
                    .map_err(|error| SimError::Scheduler { at, error })?;
                self.apply_wakeups(wakeups, at)
            }
            SimEvent::Kubelet(k) => {
                let mut timers = Vec::new();
                let mark = self.store.timeline().len();
                self.kubelets
                    .handle(k, &mut self.store, &mut timers)
                    .map_err(|error| SimError::Kubelet { at, error })?;
                self.apply_timers(timers, mark)
            }
            SimEvent::Chaos(event) => self.run_chaos(event, at),
            SimEvent::KubeletDeferred => {
                let mut timers = Vec::new();
                let mark = self.store.timeline().len();
                self.kubelets
                    .run_next_deferred(&mut self.store, &mut timers)
                    .map_err(|error| SimError::Kubelet { at, error })?;
                self.apply_timers(timers, mark)
            }
            SimEvent::DrainStep { drain } => {
                let mark = self.store.timeline().len();
                let next = match self.drains.get_mut(drain) {
                    Some(d) => d.step(&mut self.store),
                    None => None,
                };
                self.schedule_drain(drain, next, mark)
            }
            SimEvent::NodeStatusUpdate { node } => {
                self.schedulable_checks.remove(&node);
                let offline = self.kubelets.node_offline(&node);
                self.schedulable_events
                    .status_update(&node, &mut self.store, offline);
                Ok(())
            }
            SimEvent::EvictionPass { node } => {
                self.eviction_passes.remove(&node);
                let mut timers = Vec::new();
                let mark = self.store.timeline().len();
                self.eviction_managers
                    .run_pass(&node, &mut self.store, &mut self.kubelets, &mut timers)
                    .map_err(|error| SimError::Kubelet { at, error })?;
                self.apply_timers(timers, mark)
            }
        }
    }

    fn apply_wakeups(
        &mut self,
        wakeups: Vec<SchedulerWakeup>,
        at: SimTime,
    ) -> Result<(), SimError> {
        let cause = self.store.cause();
        for w in wakeups {
            match w {
                SchedulerWakeup::Cycle => {
                    self.queue.schedule(at, (SimEvent::ScheduleCycle, cause))?;
                }
                SchedulerWakeup::Retry { at, pod, attempt } => {
                    self.queue
                        .schedule(at, (SimEvent::SchedulerRetry { pod, attempt }, cause))?;
                }
                SchedulerWakeup::PermitTimeout { at, pod } => {
                    self.queue
                        .schedule(at, (SimEvent::PermitTimeout { pod }, cause))?;
                }
            }
        }
        Ok(())
    }

    /// Schedules the kubelet's timers and settles the cause of its new probe wake-ups: the
    /// latest record the handler wrote since `mark` (trace records aside), else the cause
    /// of the work it was doing.
    fn apply_timers(
        &mut self,
        timers: Vec<crate::kubelet::Timer>,
        mark: usize,
    ) -> Result<(), SimError> {
        let written = self
            .store
            .timeline()
            .records()
            .get(mark..)
            .and_then(|new| new.iter().rev().find(|r| !r.body.is_trace()))
            .map(|r| r.id);
        let cause = written.or(self.store.cause());
        for (at, event) in timers {
            self.queue.schedule(at, (SimEvent::Kubelet(event), cause))?;
        }
        self.kubelets.settle_deferred_causes(cause);
        Ok(())
    }

    fn run_action(&mut self, action: ScenarioAction, at: SimTime) -> Result<(), SimError> {
        let target = match &action {
            ScenarioAction::DeletePods { .. } => return self.delete_pods(action, at),
            ScenarioAction::FailNodes { .. }
            | ScenarioAction::RecoverNodes { .. }
            | ScenarioAction::KillContainer { .. } => return self.run_failure_action(action, at),
            ScenarioAction::Apply(o) => o.object_ref(),
            ScenarioAction::Delete { target, .. }
            | ScenarioAction::Scale { target, .. }
            | ScenarioAction::SetPaused { target, .. }
            | ScenarioAction::RolloutUndo { target, .. }
            | ScenarioAction::SetImage { target, .. } => target.clone(),
            ScenarioAction::SetUnschedulable { node, .. } => {
                ObjectRef::new(Kind::Node, ObjectKey::cluster(node.clone()))
            }
            ScenarioAction::Evict { pod, .. } => ObjectRef::new(Kind::Pod, pod.clone()),
            ScenarioAction::Drain(options) => {
                ObjectRef::new(Kind::Node, ObjectKey::cluster(options.node.clone()))
            }
            ScenarioAction::SetLoad {
                namespace, target, ..
            } => load_target_ref(namespace, target),
        };
        let record = self.store.event(
            target.clone(),
            EventType::Normal,
            action.reason(),
            describe_action(&action),
            "scenario",
        );
        self.store.set_cause(Some(record));
        let fail = |error: ApiError| SimError::Action { at, error };
        match action {
            ScenarioAction::Apply(object) => {
                let target = object.object_ref();
                match apply(&mut self.store, object) {
                    // Refused by admission, or its namespace is gone: `kubectl apply` reports
                    // it and goes on with the other objects, so the run does too.
                    Err(
                        error @ (ApiError::Forbidden { .. }
                        | ApiError::NotFound {
                            kind: Kind::Namespace,
                            ..
                        }),
                    ) => {
                        let code = match error {
                            ApiError::Forbidden { .. } => "Forbidden",
                            _ => "NotFound",
                        };
                        self.store.event(
                            target,
                            EventType::Warning,
                            "FailedCreate",
                            format!("Error from server ({code}): {error}"),
                            "kubectl",
                        );
                        Ok(())
                    }
                    result => result.map_err(fail),
                }
            }
            ScenarioAction::Delete {
                target,
                grace_period_seconds,
                propagation_policy,
            } => {
                let key = &target.key;
                let policy = propagation_policy.unwrap_or_default();
                match target.kind {
                    Kind::Pod => self.store.delete_pod(
                        key,
                        DeleteOptions {
                            grace_period_seconds,
                        },
                    ),
                    Kind::Namespace => self.store.delete_namespace(&key.name),
                    kind => with_kind!(kind, T => self.store.delete_propagating::<T>(key, policy)),
                }
                .map(|_| ())
                .map_err(fail)
            }
            // Handled above, one record per victim (or per node).
            ScenarioAction::DeletePods { .. }
            | ScenarioAction::FailNodes { .. }
            | ScenarioAction::RecoverNodes { .. }
            | ScenarioAction::KillContainer { .. } => Ok(()),
            ScenarioAction::Scale { target, replicas } => match target.kind {
                Kind::Deployment => self
                    .store
                    .modify::<Deployment, _>(&target.key, true, |d| d.replicas = replicas)
                    .map_err(fail),
                Kind::ReplicaSet => self
                    .store
                    .modify::<ReplicaSet, _>(&target.key, true, |r| r.replicas = replicas)
                    .map_err(fail),
                Kind::StatefulSet => self
                    .store
                    .modify::<StatefulSet, _>(&target.key, true, |s| s.replicas = replicas)
                    .map_err(fail),
                kind => Err(fail(ApiError::Invalid {
                    kind,
                    key: target.key.to_string(),
                    message: "only Deployments, ReplicaSets and StatefulSets can be scaled"
                        .to_string(),
                })),
            },
            ScenarioAction::SetUnschedulable {
                node,
                unschedulable,
            } => self
                .store
                .modify::<Node, _>(&ObjectKey::cluster(node), true, |n| {
                    n.unschedulable = unschedulable
                })
                .map_err(fail),
            ScenarioAction::SetPaused { target, paused } => match target.kind {
                Kind::Job => self
                    .store
                    .modify::<Job, _>(&target.key, true, |j| j.spec.suspend = paused)
                    .map_err(fail),
                Kind::CronJob => self
                    .store
                    .modify::<CronJob, _>(&target.key, true, |c| c.spec.suspend = paused)
                    .map_err(fail),
                _ => self
                    .store
                    .modify::<Deployment, _>(&target.key, true, |d| d.paused = paused)
                    .map_err(fail),
            },
            ScenarioAction::RolloutUndo {
                target,
                to_revision,
            } => {
                let template = crate::controllers::deployment::rollback_template(
                    &self.store,
                    &target.key,
                    to_revision.filter(|&r| r > 0),
                )
                .map_err(fail)?;
                // kubectl skips the update when the template already matches.
                match template {
                    Some(template) => self
                        .store
                        .modify::<Deployment, _>(&target.key, true, |d| d.template = template)
                        .map_err(fail),
                    None => Ok(()),
                }
            }
            ScenarioAction::SetImage {
                target,
                container,
                image,
            } => set_image(&mut self.store, &target, &container, &image).map_err(fail),
            ScenarioAction::Evict {
                pod,
                grace_period_seconds,
            } => {
                let options = EvictionOptions {
                    grace_period_seconds,
                };
                let answer = evict(&mut self.store, &pod, options);
                self.last_eviction = Some((pod.clone(), answer.clone().map(|_| ())));
                if let Err(error) = answer {
                    // The API's answer, as kubectl prints it, with the budget's cause.
                    let mut message = format!("Error from server ({}): {error}", error.reason);
                    for cause in &error.causes {
                        message.push_str(&format!(" ({cause})"));
                    }
                    self.store.event(
                        ObjectRef::new(Kind::Pod, pod),
                        EventType::Warning,
                        error.reason,
                        message,
                        "kubectl",
                    );
                }
                Ok(())
            }
            ScenarioAction::Drain(options) => {
                let mark = self.store.timeline().len();
                let (drain, next) = Drain::start(&mut self.store, options);
                let index = self.drains.len();
                self.drains.push(drain);
                self.schedule_drain(index, next, mark)
            }
            ScenarioAction::SetLoad {
                namespace,
                target,
                curve,
            } => {
                // Load is the world outside the cluster: no object changes, the next read
                // of the metrics sees the new curve.
                for model in &mut self.store.metrics_source_mut().loads {
                    if model.namespace == namespace && model.target == target {
                        model.curve = curve.clone();
                    }
                }
                Ok(())
            }
        }
    }

    /// `kubectl delete pods -l ...`: each victim gets the action as its own root record.
    fn delete_pods(&mut self, action: ScenarioAction, at: SimTime) -> Result<(), SimError> {
        let ScenarioAction::DeletePods {
            namespace,
            selector,
            node,
            count,
            grace_period_seconds,
        } = &action
        else {
            return Ok(());
        };
        let victims: Vec<ObjectKey> = self
            .store
            .list_namespace::<Pod>(namespace)
            .filter(|p| {
                selector.matches(&p.meta.labels)
                    && p.meta.deletion_timestamp.is_none()
                    && node
                        .as_ref()
                        .is_none_or(|n| p.spec.node_name.as_ref() == Some(n))
            })
            .map(|p| p.meta.key())
            .take(count.unwrap_or(usize::MAX))
            .collect();
        let message = describe_action(&action);
        if victims.is_empty() {
            let nobody = ObjectRef::new(Kind::Pod, ObjectKey::new(namespace.clone(), "-"));
            self.store.set_cause(None);
            self.store.event(
                nobody,
                EventType::Warning,
                action.reason(),
                format!("{message}: no pods matched"),
                "scenario",
            );
            return Ok(());
        }
        for key in victims {
            self.store.set_cause(None);
            let record = self.store.event(
                ObjectRef::new(Kind::Pod, key.clone()),
                EventType::Normal,
                action.reason(),
                message.clone(),
                "scenario",
            );
            self.store.set_cause(Some(record));
            self.store
                .delete_pod(
                    &key,
                    DeleteOptions {
                        grace_period_seconds: *grace_period_seconds,
                    },
                )
                .map_err(|error| SimError::Action { at, error })?;
        }
        Ok(())
    }

    /// Dispatches store changes to watchers until none are left.
    fn dispatch_changes(&mut self, at: SimTime) -> Result<(), SimError> {
        let mut wake = Vec::new();
        let mut wakeups = Vec::new();
        let mut timers = Vec::new();
        // Each round drains the log; watchers may write (the kubelet admitting a pod), which
        // adds to it. The bound only guards against a watcher that writes on every change.
        for _round in 0..10_000 {
            if !self.store.has_changes() {
                return Ok(());
            }
            let mut changes = std::mem::take(&mut self.changes);
            self.store.drain_changes(&mut changes);
            for change in &changes {
                if let Some(checker) = self.checker.as_mut() {
                    checker
                        .observe(change, &self.store, at)
                        .map_err(|violation| SimError::Invariant { at, violation })?;
                }
                for (index, controller) in self.controllers.iter().enumerate() {
                    wake.clear();
                    controller.watches(change, &self.store, &mut wake);
                    for key in wake.drain(..) {
                        let slot = (index, key);
                        if self.pending_reconciles.contains_key(&slot) {
                            continue;
                        }
                        let (controller, key) = slot;
                        self.queue.schedule(
                            at + self.config.controller_latency,
                            (
                                SimEvent::Reconcile {
                                    controller,
                                    key: key.clone(),
                                },
                                change.cause,
                            ),
                        )?;
                        self.pending_reconciles.insert((controller, key), ());
                    }
                }
                self.eviction_managers.observe(change);
                self.schedulable_events.observe(change, &self.store);
                self.store.set_cause(change.cause);
                self.scheduler
                    .on_change(change, &self.store, at, &mut wakeups);
                self.apply_wakeups(std::mem::take(&mut wakeups), at)?;
                let mark = self.store.timeline().len();
                self.kubelets
                    .on_change(change, &mut self.store, &mut timers)
                    .map_err(|error| SimError::Kubelet { at, error })?;
                self.apply_timers(std::mem::take(&mut timers), mark)?;
            }
            changes.clear();
            self.changes = changes;
        }
        Ok(())
    }
}

fn describe_action(action: &ScenarioAction) -> String {
    match action {
        ScenarioAction::Apply(o) => {
            let r = o.object_ref();
            format!("kubectl apply {}", r)
        }
        ScenarioAction::Delete {
            target,
            grace_period_seconds,
            propagation_policy,
        } => {
            let mut text = format!("kubectl delete {target}");
            if let Some(g) = grace_period_seconds {
                text.push_str(&format!(" --grace-period={g}"));
            }
            if let Some(p) = propagation_policy {
                text.push_str(&format!(" --cascade={}", p.cascade_flag()));
            }
            text
        }
        ScenarioAction::DeletePods {
            selector,
            node,
            count,
            ..
        } => {
            let mut text = match count {
                Some(n) => format!("kubectl delete {n} pod(s)"),
                None => "kubectl delete pods".to_string(),
            };
            if !selector.is_empty() {
                text.push_str(&format!(" -l {selector}"));
            }
            if let Some(n) = node {
                text.push_str(&format!(" --field-selector spec.nodeName={n}"));
            }
            text
        }
        ScenarioAction::Scale { target, replicas } => {
            format!("kubectl scale {target} --replicas={replicas}")
        }
        ScenarioAction::SetUnschedulable {
            node,
            unschedulable: true,
        } => format!("kubectl cordon {node}"),
        ScenarioAction::SetUnschedulable { node, .. } => format!("kubectl uncordon {node}"),
        ScenarioAction::SetPaused { target, paused } if target.kind != Kind::Deployment => {
            format!("kubectl patch {target} -p '{{\"spec\":{{\"suspend\":{paused}}}}}'")
        }
        ScenarioAction::SetPaused {
            target,
            paused: true,
        } => format!("kubectl rollout pause {target}"),
        ScenarioAction::SetPaused { target, .. } => format!("kubectl rollout resume {target}"),
        ScenarioAction::RolloutUndo {
            target,
            to_revision,
        } => match to_revision.filter(|&r| r > 0) {
            Some(r) => format!("kubectl rollout undo {target} --to-revision={r}"),
            None => format!("kubectl rollout undo {target}"),
        },
        ScenarioAction::SetImage {
            target,
            container,
            image,
        } => format!("kubectl set image {target} {container}={image}"),
        ScenarioAction::Evict {
            pod,
            grace_period_seconds,
        } => {
            let mut text = format!(
                "POST /api/v1/namespaces/{}/pods/{}/eviction",
                pod.namespace, pod.name
            );
            if let Some(g) = grace_period_seconds {
                text.push_str(&format!(" (gracePeriodSeconds: {g})"));
            }
            text
        }
        ScenarioAction::Drain(options) => options.command_line(),
        ScenarioAction::FailNodes { .. }
        | ScenarioAction::RecoverNodes { .. }
        | ScenarioAction::KillContainer { .. } => failures::describe(action),
        ScenarioAction::SetLoad { target, curve, .. } => {
            format!("load on {target} set to {}", describe_curve(curve))
        }
    }
}

/// The object a load target names, for the timeline.
fn load_target_ref(namespace: &str, target: &crate::metrics::LoadTarget) -> ObjectRef {
    match target {
        crate::metrics::LoadTarget::Service(name) => {
            ObjectRef::new(Kind::Service, ObjectKey::new(namespace, name.clone()))
        }
        crate::metrics::LoadTarget::Workload(r) => r.clone(),
    }
}

fn describe_curve(curve: &crate::metrics::LoadCurve) -> String {
    use crate::metrics::LoadCurve;
    let rps = |m: u64| crate::objects::format_decimal_milli(m);
    match curve {
        LoadCurve::Constant(v) => format!("{} req/s", rps(*v)),
        LoadCurve::Steps(s) => format!("{} steps", s.len()),
        LoadCurve::Ramp { from, to, over, .. } => {
            format!(
                "a ramp from {} to {} req/s over {over}",
                rps(*from),
                rps(*to)
            )
        }
        LoadCurve::Diurnal { min, max, .. } => {
            format!("a diurnal curve of {}-{} req/s", rps(*min), rps(*max))
        }
        LoadCurve::Series(p) => format!("a series of {} points", p.len()),
    }
}

/// `kubectl set image` on a workload's pod template (Deployment, StatefulSet or DaemonSet);
/// an unknown container is refused, as kubectl refuses it.
fn set_image(
    store: &mut Store,
    target: &ObjectRef,
    container: &str,
    image: &str,
) -> Result<(), ApiError> {
    fn update<T: Object>(
        store: &mut Store,
        target: &ObjectRef,
        container: &str,
        image: &str,
        template: fn(&mut T) -> &mut crate::objects::PodTemplate,
    ) -> Result<(), ApiError> {
        let mut found = store
            .get::<T>(&target.key)
            .ok_or_else(|| ApiError::NotFound {
                kind: target.kind,
                key: target.key.to_string(),
            })?
            .clone();
        if !template(&mut found)
            .spec
            .containers
            .iter()
            .any(|c| c.name == container)
        {
            return Err(ApiError::Invalid {
                kind: target.kind,
                key: target.key.to_string(),
                message: format!("unable to find container named {container:?}"),
            });
        }
        store.modify::<T, _>(&target.key, true, |object| {
            for c in &mut template(object).spec.containers {
                if c.name == container {
                    c.image = image.to_string();
                }
            }
        })
    }
    match target.kind {
        Kind::Deployment => {
            update::<Deployment>(store, target, container, image, |d| &mut d.template)
        }
        Kind::StatefulSet => {
            update::<StatefulSet>(store, target, container, image, |s| &mut s.template)
        }
        Kind::DaemonSet => {
            update::<DaemonSet>(store, target, container, image, |d| &mut d.template)
        }
        kind => Err(ApiError::Invalid {
            kind,
            key: target.key.to_string(),
            message: "only Deployments, StatefulSets and DaemonSets have an image to set"
                .to_string(),
        }),
    }
}

fn apply_object<T: Object>(
    store: &mut Store,
    object: T,
    update: impl FnOnce(&mut T, T),
) -> Result<(), ApiError> {
    let mut key = object.meta().key();
    if T::KIND.namespaced() && key.namespace.is_empty() {
        key.namespace = "default".to_string();
    }
    if store.get::<T>(&key).is_some() {
        store.modify::<T, _>(&key, true, |existing| update(existing, object))
    } else {
        store.create(object).map(|_| ())
    }
}

/// client-go's `ItemExponentialFailureRateLimiter(5ms, 1000s)`, the per-item half of the
/// controllers' default rate limiter: 5 ms × 2^failures, at most 1000 s.
fn reconcile_backoff(failures: u32) -> SimDuration {
    const BASE_MILLIS: u64 = 5;
    const MAX: SimDuration = SimDuration::from_secs(1000);
    let factor = 1u64.checked_shl(failures.min(63)).unwrap_or(u64::MAX);
    SimDuration::from_millis(BASE_MILLIS.saturating_mul(factor)).min(MAX)
}

/// `kubectl apply` of one object: create it, or replace the spec (and labels/annotations)
/// of the existing one, keeping its status.
fn apply(store: &mut Store, object: AnyObject) -> Result<(), ApiError> {
    match object {
        AnyObject::Node(n) => apply_object(store, *n, |e, n| {
            e.meta.labels = n.meta.labels;
            e.unschedulable = n.unschedulable;
            e.taints = n.taints;
            e.capacity = n.capacity;
            e.allocatable = n.allocatable;
        }),
        AnyObject::Pod(p) => apply_object(store, *p, |e, p| {
            // Pod specs are immutable apart from a few fields; apply updates metadata.
            e.meta.labels = p.meta.labels;
            e.meta.annotations = p.meta.annotations;
        }),
        AnyObject::ReplicaSet(r) => apply_object(store, *r, |e, r| {
            e.meta.labels = r.meta.labels;
            e.meta.annotations = r.meta.annotations;
            e.replicas = r.replicas;
            e.template = r.template;
            e.min_ready_seconds = r.min_ready_seconds;
        }),
        AnyObject::Deployment(d) => apply_object(store, *d, |e, d| {
            e.meta.labels = d.meta.labels;
            let revision = e
                .meta
                .annotations
                .get(crate::controllers::deployment::REVISION)
                .cloned();
            e.meta.annotations = d.meta.annotations;
            if let Some(rev) = revision {
                e.meta
                    .annotations
                    .insert(crate::controllers::deployment::REVISION.to_string(), rev);
            }
            e.replicas = d.replicas;
            e.template = d.template;
            e.strategy = d.strategy;
            e.min_ready_seconds = d.min_ready_seconds;
            e.revision_history_limit = d.revision_history_limit;
            e.progress_deadline_seconds = d.progress_deadline_seconds;
            e.paused = d.paused;
        }),
        AnyObject::Job(j) => apply_object(store, *j, |e, j| {
            // A Job's template is immutable; apply changes what may change.
            e.meta.labels = j.meta.labels;
            e.meta.annotations = j.meta.annotations;
            e.spec.parallelism = j.spec.parallelism;
            e.spec.suspend = j.spec.suspend;
            e.spec.active_deadline_seconds = j.spec.active_deadline_seconds;
            e.spec.ttl_seconds_after_finished = j.spec.ttl_seconds_after_finished;
        }),
        AnyObject::CronJob(c) => apply_object(store, *c, |e, c| {
            e.meta.labels = c.meta.labels;
            e.meta.annotations = c.meta.annotations;
            e.spec = c.spec;
        }),
        AnyObject::StatefulSet(set) => apply_object(store, *set, |e, s| {
            e.meta.labels = s.meta.labels;
            e.meta.annotations = s.meta.annotations;
            e.replicas = s.replicas;
            e.template = s.template;
            e.update_strategy = s.update_strategy;
            e.pod_management_policy = s.pod_management_policy;
            e.min_ready_seconds = s.min_ready_seconds;
            e.revision_history_limit = s.revision_history_limit;
            e.ordinals_start = s.ordinals_start;
            e.when_deleted = s.when_deleted;
            e.when_scaled = s.when_scaled;
        }),
        AnyObject::DaemonSet(ds) => apply_object(store, *ds, |e, d| {
            e.meta.labels = d.meta.labels;
            e.meta.annotations = d.meta.annotations;
            e.template = d.template;
            e.update_strategy = d.update_strategy;
            e.min_ready_seconds = d.min_ready_seconds;
            e.revision_history_limit = d.revision_history_limit;
        }),
        AnyObject::PersistentVolumeClaim(claim) => apply_object(store, *claim, |e, c| {
            // A claim's spec is immutable once bound; apply updates metadata.
            e.meta.labels = c.meta.labels;
            e.meta.annotations = c.meta.annotations;
        }),
        AnyObject::Service(s) => {
            let mut s = *s;
            // Admission first, so that an update keeps the clusterIP and nodePorts allocated
            // before (and a create gets new ones).
            store.allocate_service(&mut s)?;
            apply_object(store, s, |e, s| {
                e.meta.labels = s.meta.labels;
                e.meta.annotations = s.meta.annotations;
                e.spec = s.spec;
            })
        }
        AnyObject::PodDisruptionBudget(pdb) => apply_object(store, *pdb, |e, p| {
            e.meta.labels = p.meta.labels;
            e.meta.annotations = p.meta.annotations;
            e.budget = p.budget;
            e.selector = p.selector;
            e.unhealthy_pod_eviction_policy = p.unhealthy_pod_eviction_policy;
        }),
        AnyObject::HorizontalPodAutoscaler(hpa) => apply_object(store, *hpa, |e, h| {
            e.meta.labels = h.meta.labels;
            e.meta.annotations = h.meta.annotations;
            e.scale_target_ref = h.scale_target_ref;
            e.min_replicas = h.min_replicas;
            e.max_replicas = h.max_replicas;
            e.metrics = h.metrics;
            e.behavior = h.behavior;
        }),
        AnyObject::Namespace(n) => apply_object(store, *n, |e, n| {
            e.meta.labels = n.meta.labels;
            e.meta.annotations = n.meta.annotations;
        }),
        AnyObject::ResourceQuota(q) => apply_object(store, *q, |e, q| {
            e.meta.labels = q.meta.labels;
            e.meta.annotations = q.meta.annotations;
            e.hard = q.hard;
        }),
        AnyObject::LimitRange(l) => apply_object(store, *l, |e, l| {
            e.meta.labels = l.meta.labels;
            e.meta.annotations = l.meta.annotations;
            e.limits = l.limits;
        }),
        AnyObject::PriorityClass(c) => apply_object(store, *c, |e, c| {
            // `value` is immutable; the rest may change.
            e.meta.labels = c.meta.labels;
            e.meta.annotations = c.meta.annotations;
            e.global_default = c.global_default;
            e.description = c.description;
        }),
        AnyObject::ConfigMap(c) => apply_object(store, *c, |e, c| {
            e.meta.labels = c.meta.labels;
            e.meta.annotations = c.meta.annotations;
            e.keys = c.keys;
            e.immutable = c.immutable;
        }),
        AnyObject::Secret(c) => apply_object(store, *c, |e, c| {
            e.meta.labels = c.meta.labels;
            e.meta.annotations = c.meta.annotations;
            e.keys = c.keys;
            e.immutable = c.immutable;
        }),
    }
}
