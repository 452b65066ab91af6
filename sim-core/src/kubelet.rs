//! The kubelet model: admits pods bound to its node, pulls images, starts containers in the
//! order the kubelet does (init containers one at a time, then the app containers), runs
//! them according to their behaviour, evaluates probes lazily, restarts with the
//! CrashLoopBackOff and image-pull back-off, and terminates pods gracefully.
//!
//! Cost follows transitions, not time: a probe is never ticked one period at a time; the
//! next tick whose result *changes* something is computed from the behaviour model
//! ([`crate::probe::next_flip`]) and scheduled as one event. Events carry the container
//! instance they were planned for; one that no longer applies (the container restarted, the
//! pod is terminating) is dropped when it fires, so nothing needs cancelling.

use std::collections::{BTreeMap, BTreeSet};

use crate::behaviour::{BehaviourBook, ContainerBehaviour, ImagePull};
use crate::objects::{
    ConditionStatus, Container, ContainerState, ContainerStatus, ImagePullPolicy, Kind, ObjectKey,
    ObjectRef, Pod, PodConditionType, PodPhase, Probe, ProbeHandler, RestartPolicy, Uid,
};
use crate::probe::{next_flip, OutcomeWindow, TickPlan};
use crate::store::{ApiError, Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

/// CrashLoopBackOff and image-pull back-off: initial delay (k8s-semantics §2.4, §2.7).
pub const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
/// Back-off cap.
pub const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// A container that ran longer than this before exiting restarts without back-off.
pub const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);
/// Exit code of a process killed by SIGKILL.
pub const EXIT_KILLED: i32 = 137;
/// Exit code of a process that ends on SIGTERM without handling it.
pub const EXIT_TERMINATED: i32 = 143;

const SOURCE: &str = "kubelet";

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    /// `startupProbe`.
    Startup,
    /// `livenessProbe`.
    Liveness,
    /// `readinessProbe`.
    Readiness,
}

impl ProbeKind {
    fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }
}

/// Timed work of the kubelets. Each names the pod by uid, the container by its index
/// (init containers first) and the container instance it was planned for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeletEvent {
    /// An image pull finishes (successfully or not).
    PullFinished {
        /// Pod uid.
        pod: Uid,
        /// Container index.
        container: usize,
        /// Instance (restart count) it was planned for.
        instance: u32,
    },
    /// A back-off (crash loop or image pull) expires: try again.
    BackOffExpired {
        /// Pod uid.
        pod: Uid,
        /// Container index.
        container: usize,
        /// Instance.
        instance: u32,
    },
    /// The container process exits.
    Exit {
        /// Pod uid.
        pod: Uid,
        /// Container index.
        container: usize,
        /// Instance.
        instance: u32,
        /// Exit code.
        exit_code: i32,
    },
    /// The kubelet's status manager writes the pod's status. Writes are coalesced per
    /// instant: everything that happens to a pod at one instant (a container starts and
    /// exits at once, say) is published as one status, as the status manager would.
    SyncStatus {
        /// Pod uid.
        pod: Uid,
        /// Only the latest request of an instant writes; earlier ones are superseded.
        request: u64,
    },
    /// A probe's published result changes.
    ProbeFlip {
        /// Pod uid.
        pod: Uid,
        /// Container index.
        container: usize,
        /// Instance.
        instance: u32,
        /// Which probe.
        probe: ProbeKind,
        /// The new result.
        success: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Not reached yet (a later init container, or app containers during init).
    NotStarted,
    /// Image pull under way.
    Pulling,
    /// Waiting before the next pull attempt.
    PullBackOff { first_failure: bool },
    /// The process runs.
    Running { started_at: SimTime },
    /// Waiting before a restart.
    CrashBackOff { delay: SimDuration },
    /// Exited and will not be restarted (or not yet decided while terminating).
    Terminated {
        exit_code: i32,
        reason: String,
        started_at: SimTime,
        finished_at: SimTime,
    },
}

#[derive(Debug, Clone)]
struct ContainerRuntime {
    spec: Container,
    is_init: bool,
    is_sidecar: bool,
    behaviour: ContainerBehaviour,
    phase: Phase,
    restart_count: u32,
    last_terminated: Option<ContainerState>,
    crash_backoff: Option<SimDuration>,
    last_restart_at: Option<SimTime>,
    pull_backoff: Option<SimDuration>,
    started: bool,
    ready: bool,
    /// Set while a liveness/startup kill is in progress.
    killing: bool,
}

impl ContainerRuntime {
    fn instance(&self) -> u32 {
        self.restart_count
    }

    fn is_running(&self) -> bool {
        matches!(self.phase, Phase::Running { .. })
    }

    fn succeeded(&self) -> bool {
        matches!(self.phase, Phase::Terminated { exit_code: 0, .. })
    }

    fn has_run(&self) -> bool {
        self.last_terminated.is_some()
            || !matches!(
                self.phase,
                Phase::NotStarted | Phase::Pulling | Phase::PullBackOff { .. }
            )
    }
}

#[derive(Debug, Clone)]
struct PodRuntime {
    key: ObjectKey,
    node: String,
    restart_policy: RestartPolicy,
    grace_seconds: u64,
    containers: Vec<ContainerRuntime>,
    terminating: Option<SimTime>,
    /// The pod reached a terminal phase; nothing runs any more.
    finished: bool,
}

impl PodRuntime {
    fn init_done(&self) -> bool {
        self.containers.iter().filter(|c| c.is_init).all(|c| {
            if c.is_sidecar {
                c.started
            } else {
                c.succeeded()
            }
        })
    }

    fn pod_ref(&self) -> ObjectRef {
        ObjectRef::new(Kind::Pod, self.key.clone())
    }
}

/// A request from the kubelet to the simulation: run `event` at `at`.
pub type Timer = (SimTime, KubeletEvent);

/// Every node's kubelet, keyed by pod uid (a pod is only ever on one node).
#[derive(Debug, Default)]
pub struct Kubelets {
    pods: BTreeMap<Uid, PodRuntime>,
    images: BTreeMap<String, BTreeSet<String>>,
    behaviours: BehaviourBook,
    status_sync_requests: BTreeMap<Uid, u64>,
    next_sync_request: u64,
}

/// A failure of the kubelet model that stops the simulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeletError {
    /// The store refused a write.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A behaviour annotation could not be read.
    #[error("pod {pod}: {source}")]
    Behaviour {
        /// The pod.
        pod: String,
        /// What was wrong.
        source: crate::behaviour::BehaviourError,
    },
}

fn outcome_window(behaviour: &ContainerBehaviour, kind: ProbeKind) -> OutcomeWindow {
    match kind {
        ProbeKind::Startup => OutcomeWindow {
            pass_from: behaviour
                .startup_succeeds_after
                .unwrap_or(behaviour.start_after),
            fail_from: None,
        },
        ProbeKind::Liveness => OutcomeWindow {
            pass_from: behaviour.start_after,
            fail_from: behaviour.liveness_fails_after,
        },
        ProbeKind::Readiness => OutcomeWindow {
            pass_from: behaviour.ready_after.unwrap_or(behaviour.start_after),
            fail_from: behaviour.readiness_fails_after,
        },
    }
}

fn probe_of(spec: &Container, kind: ProbeKind) -> Option<&Probe> {
    match kind {
        ProbeKind::Startup => spec.startup_probe.as_ref(),
        ProbeKind::Liveness => spec.liveness_probe.as_ref(),
        ProbeKind::Readiness => spec.readiness_probe.as_ref(),
    }
}

fn failure_detail(probe: &Probe) -> String {
    match &probe.handler {
        ProbeHandler::HttpGet { .. } => "HTTP probe failed with statuscode: 500".to_string(),
        ProbeHandler::TcpSocket(port) => {
            format!("dial tcp :{port}: connect: connection refused")
        }
        ProbeHandler::Grpc(port) => {
            format!("timeout: failed to connect service \":{port}\" within 1s")
        }
        ProbeHandler::Exec(command) => {
            format!("command {:?} exited with 1", command.join(" "))
        }
    }
}

impl Kubelets {
    /// Kubelets that look up container behaviour in `behaviours`.
    pub fn new(behaviours: BehaviourBook) -> Kubelets {
        Kubelets {
            pods: BTreeMap::new(),
            images: BTreeMap::new(),
            behaviours,
            status_sync_requests: BTreeMap::new(),
            next_sync_request: 0,
        }
    }

    /// Number of pods the kubelets are running.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// Reacts to a store change: admit newly bound pods, start terminations, forget removed
    /// pods.
    pub fn on_change(
        &mut self,
        change: &Change,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        if change.kind != Kind::Pod {
            return Ok(());
        }
        if change.change_type == ChangeType::Deleted {
            self.pods.remove(&change.uid);
            return Ok(());
        }
        let Some(pod) = store.get::<Pod>(&change.key) else {
            return Ok(());
        };
        if pod.meta.uid != change.uid {
            return Ok(());
        }
        let known = self.pods.contains_key(&change.uid);
        if !known {
            if pod.spec.node_name.is_some() && !pod.status.phase.is_terminal() {
                let pod = pod.clone();
                self.admit(&pod, store, timers)?;
            }
            return Ok(());
        }
        if let Some(deadline) = pod.meta.deletion_timestamp {
            let uid = change.uid;
            if self
                .pods
                .get(&uid)
                .is_some_and(|rt| rt.terminating.is_none())
            {
                self.start_termination(uid, deadline, store, timers)?;
            }
        }
        Ok(())
    }

    fn admit(
        &mut self,
        pod: &Pod,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let mut containers = Vec::new();
        let specs = pod
            .spec
            .init_containers
            .iter()
            .map(|c| (c, true))
            .chain(pod.spec.containers.iter().map(|c| (c, false)));
        for (spec, is_init) in specs {
            let behaviour = self
                .behaviours
                .resolve(
                    &pod.meta.namespace,
                    &pod.meta.labels,
                    &pod.meta.annotations,
                    &spec.name,
                )
                .map_err(|source| KubeletError::Behaviour {
                    pod: pod.meta.key().to_string(),
                    source,
                })?;
            containers.push(ContainerRuntime {
                spec: spec.clone(),
                is_init,
                is_sidecar: is_init && spec.restart_policy == Some(RestartPolicy::Always),
                behaviour,
                phase: Phase::NotStarted,
                restart_count: 0,
                last_terminated: None,
                crash_backoff: None,
                last_restart_at: None,
                pull_backoff: None,
                started: false,
                ready: false,
                killing: false,
            });
        }
        let uid = pod.meta.uid;
        let runtime = PodRuntime {
            key: pod.meta.key(),
            node: pod.spec.node_name.clone().unwrap_or_default(),
            restart_policy: pod.spec.restart_policy,
            grace_seconds: pod.spec.termination_grace_period_seconds,
            containers,
            terminating: None,
            finished: false,
        };
        self.pods.insert(uid, runtime);
        store.modify::<Pod, _>(&pod.meta.key(), false, |p| {
            p.status.start_time = Some(now);
            p.status.set_condition(
                PodConditionType::PodReadyToStartContainers,
                ConditionStatus::True,
                "",
                "",
                now,
            );
        })?;
        self.advance(uid, store, timers)?;
        self.sync_status_later(uid, store.now(), timers);
        if let Some(deadline) = pod.meta.deletion_timestamp {
            self.start_termination(uid, deadline, store, timers)?;
        }
        Ok(())
    }

    /// Runs a timed kubelet event.
    pub fn handle(
        &mut self,
        event: KubeletEvent,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        match event {
            KubeletEvent::PullFinished {
                pod,
                container,
                instance,
            } => {
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                if rt.terminating.is_some() || rt.finished {
                    return Ok(());
                }
                let node = rt.node.clone();
                let pod_ref = rt.pod_ref();
                let c = &mut rt.containers[container];
                if c.instance() != instance || c.phase != Phase::Pulling {
                    return Ok(());
                }
                let image = c.spec.image.clone();
                if c.behaviour.image_pull == ImagePull::Fail {
                    store.event(
                        pod_ref.clone(),
                        EventType::Warning,
                        "Failed",
                        format!(
                            "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                        ),
                        SOURCE,
                    );
                    store.event(
                        pod_ref.clone(),
                        EventType::Warning,
                        "Failed",
                        "Error: ErrImagePull".to_string(),
                        SOURCE,
                    );
                    let delay = match c.pull_backoff {
                        None => BACKOFF_INITIAL,
                        Some(d) => (d.saturating_mul(2)).min(BACKOFF_MAX),
                    };
                    c.pull_backoff = Some(delay);
                    c.phase = Phase::PullBackOff {
                        first_failure: true,
                    };
                    self.write_status_now(pod, store)?;
                    // The pod worker re-syncs at once and finds the pull in back-off.
                    let rt = self.runtime_mut(pod);
                    if let Some(c) = rt.and_then(|rt| rt.containers.get_mut(container)) {
                        c.phase = Phase::PullBackOff {
                            first_failure: false,
                        };
                    }
                    store.event(
                        pod_ref.clone(),
                        EventType::Normal,
                        "BackOff",
                        format!("Back-off pulling image \"{image}\""),
                        SOURCE,
                    );
                    store.event(
                        pod_ref,
                        EventType::Warning,
                        "Failed",
                        "Error: ImagePullBackOff".to_string(),
                        SOURCE,
                    );
                    timers.push((
                        now + delay,
                        KubeletEvent::BackOffExpired {
                            pod,
                            container,
                            instance,
                        },
                    ));
                    self.write_status_now(pod, store)?;
                    return Ok(());
                }
                c.pull_backoff = None;
                let took = c.behaviour.pull_duration;
                self.images.entry(node).or_default().insert(image.clone());
                store.event(
                    pod_ref,
                    EventType::Normal,
                    "Pulled",
                    format!(
                        "Successfully pulled image \"{image}\" in {took} ({took} including waiting)"
                    ),
                    SOURCE,
                );
                self.start_container(pod, container, store, timers)?;
                self.sync_status_later(pod, store.now(), timers);
            }
            KubeletEvent::BackOffExpired {
                pod,
                container,
                instance,
            } => {
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                if rt.terminating.is_some() || rt.finished {
                    return Ok(());
                }
                let c = &mut rt.containers[container];
                if c.instance() != instance {
                    return Ok(());
                }
                match c.phase {
                    Phase::PullBackOff { .. } => {
                        self.pull_or_start(pod, container, store, timers)?;
                    }
                    Phase::CrashBackOff { .. } => {
                        c.restart_count += 1;
                        c.last_restart_at = Some(now);
                        self.pull_or_start(pod, container, store, timers)?;
                    }
                    _ => return Ok(()),
                }
                self.sync_status_later(pod, store.now(), timers);
            }
            KubeletEvent::Exit {
                pod,
                container,
                instance,
                exit_code,
            } => {
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                let c = &mut rt.containers[container];
                if c.instance() != instance || !c.is_running() {
                    return Ok(());
                }
                self.container_exited(pod, container, exit_code, store, timers)?;
                self.advance(pod, store, timers)?;
                self.sync_status_later(pod, store.now(), timers);
                self.finish_if_terminated(pod, store)?;
            }
            KubeletEvent::SyncStatus { pod, request } => {
                if self.status_sync_requests.get(&pod) == Some(&request) {
                    self.status_sync_requests.remove(&pod);
                    self.write_status_now(pod, store)?;
                }
            }
            KubeletEvent::ProbeFlip {
                pod,
                container,
                instance,
                probe,
                success,
            } => {
                self.probe_flipped(pod, container, instance, probe, success, store, timers)?;
            }
        }
        Ok(())
    }

    /// Asks for the pod's status to be written after everything already planned for this
    /// instant; a later request supersedes an earlier one, so a container that starts and
    /// exits at the same instant is never published as running.
    fn sync_status_later(&mut self, pod: Uid, now: SimTime, timers: &mut Vec<Timer>) {
        self.next_sync_request += 1;
        let request = self.next_sync_request;
        self.status_sync_requests.insert(pod, request);
        timers.push((now, KubeletEvent::SyncStatus { pod, request }));
    }

    fn runtime_mut(&mut self, pod: Uid) -> Option<&mut PodRuntime> {
        self.pods.get_mut(&pod)
    }

    /// Starts whatever should run next: the next init container, or the app containers.
    fn advance(
        &mut self,
        pod: Uid,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(());
        };
        if rt.terminating.is_some() || rt.finished {
            return Ok(());
        }
        // Init containers one at a time; a sidecar lets the next one start once started.
        for i in 0..rt.containers.len() {
            let Some(rt) = self.pods.get(&pod) else {
                return Ok(());
            };
            let c = &rt.containers[i];
            if !c.is_init {
                continue;
            }
            if c.is_sidecar && c.started {
                continue;
            }
            if !c.is_sidecar && c.succeeded() {
                continue;
            }
            if c.phase == Phase::NotStarted {
                self.pull_or_start(pod, i, store, timers)?;
                // A sidecar with no startup probe is started at once: go on to the next.
                if self
                    .pods
                    .get(&pod)
                    .is_some_and(|rt| rt.containers[i].started)
                {
                    continue;
                }
            }
            return Ok(());
        }
        let pending: Vec<usize> = rt_indices(self.pods.get(&pod), |c| {
            !c.is_init && c.phase == Phase::NotStarted
        });
        for i in pending {
            self.pull_or_start(pod, i, store, timers)?;
        }
        Ok(())
    }

    fn pull_or_start(
        &mut self,
        pod: Uid,
        container: usize,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let pod_ref = rt.pod_ref();
        let c = &rt.containers[container];
        // Images count as cached on every node (the golden cases' default) unless the
        // behaviour says the pull takes time or fails: then the first pull is real.
        let cached = c.behaviour.image_pull == ImagePull::Ok
            && c.behaviour.pull_duration == SimDuration::ZERO;
        let present = cached
            || self
                .images
                .get(&rt.node)
                .is_some_and(|set| set.contains(&c.spec.image));
        let c = &mut rt.containers[container];
        let image = c.spec.image.clone();
        let must_pull = match c.spec.image_pull_policy {
            ImagePullPolicy::Always => true,
            ImagePullPolicy::IfNotPresent => !present,
            ImagePullPolicy::Never => false,
        };
        if must_pull {
            c.phase = Phase::Pulling;
            store.event(
                pod_ref,
                EventType::Normal,
                "Pulling",
                format!("Pulling image \"{image}\""),
                SOURCE,
            );
            timers.push((
                now + c.behaviour.pull_duration,
                KubeletEvent::PullFinished {
                    pod,
                    container,
                    instance: c.instance(),
                },
            ));
            return Ok(());
        }
        if !present && c.spec.image_pull_policy == ImagePullPolicy::Never {
            // ErrImageNeverPull: the container can never start on this node.
            c.phase = Phase::PullBackOff {
                first_failure: false,
            };
            store.event(
                pod_ref,
                EventType::Warning,
                "ErrImageNeverPull",
                format!("Container image \"{image}\" is not present with pull policy of Never"),
                SOURCE,
            );
            return Ok(());
        }
        store.event(
            pod_ref,
            EventType::Normal,
            "Pulled",
            format!("Container image \"{image}\" already present on machine"),
            SOURCE,
        );
        self.start_container(pod, container, store, timers)
    }

    fn start_container(
        &mut self,
        pod: Uid,
        container: usize,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let pod_ref = rt.pod_ref();
        let c = &mut rt.containers[container];
        let name = c.spec.name.clone();
        store.event(
            pod_ref.clone(),
            EventType::Normal,
            "Created",
            format!("Created container: {name}"),
            SOURCE,
        );
        store.event(
            pod_ref,
            EventType::Normal,
            "Started",
            format!("Started container {name}"),
            SOURCE,
        );
        c.phase = Phase::Running { started_at: now };
        c.killing = false;
        c.ready = false;
        let instance = c.instance();
        if let Some(after) = c.behaviour.exit_after {
            timers.push((
                now + after,
                KubeletEvent::Exit {
                    pod,
                    container,
                    instance,
                    exit_code: c.behaviour.exit_code,
                },
            ));
        }
        // Regular init containers have no probes (§2.8).
        let probes_allowed = !c.is_init || c.is_sidecar;
        match c.spec.startup_probe.as_ref().filter(|_| probes_allowed) {
            Some(probe) => {
                c.started = false;
                let plan = TickPlan::for_probe(probe, now);
                let window = outcome_window(&c.behaviour, ProbeKind::Startup);
                let success = next_flip(&plan, &window, true, 1);
                let failure = next_flip(&plan, &window, false, probe.failure_threshold);
                let first = match (success, failure) {
                    (Some(s), Some(f)) if f.at < s.at => Some((f, false)),
                    (Some(s), _) => Some((s, true)),
                    (None, Some(f)) => Some((f, false)),
                    (None, None) => None,
                };
                if let Some((flip, ok)) = first {
                    timers.push((
                        flip.at,
                        KubeletEvent::ProbeFlip {
                            pod,
                            container,
                            instance,
                            probe: ProbeKind::Startup,
                            success: ok,
                        },
                    ));
                }
            }
            None => {
                c.started = true;
                let started_at = now;
                self.plan_after_started(pod, container, started_at, false, timers);
            }
        }
        Ok(())
    }

    /// Plans the liveness and readiness probes of a container that just became started.
    fn plan_after_started(
        &mut self,
        pod: Uid,
        container: usize,
        started: SimTime,
        manual_readiness: bool,
        timers: &mut Vec<Timer>,
    ) {
        let Some(rt) = self.pods.get_mut(&pod) else {
            return;
        };
        let c = &mut rt.containers[container];
        let Phase::Running { started_at } = c.phase else {
            return;
        };
        let instance = c.instance();
        let probes_allowed = !c.is_init || c.is_sidecar;
        match c.spec.readiness_probe.as_ref().filter(|_| probes_allowed) {
            None => c.ready = true,
            Some(probe) => {
                let mut plan = TickPlan::for_probe(probe, started_at);
                plan.not_before = started;
                if manual_readiness {
                    // Started by a startup probe: the kubelet probes readiness at once
                    // (a manual trigger), then on the regular ticks after that instant.
                    plan.manual_tick = Some(started);
                    plan.inclusive = false;
                }
                let window = outcome_window(&c.behaviour, ProbeKind::Readiness);
                if let Some(flip) = next_flip(&plan, &window, true, probe.success_threshold) {
                    timers.push((
                        flip.at,
                        KubeletEvent::ProbeFlip {
                            pod,
                            container,
                            instance,
                            probe: ProbeKind::Readiness,
                            success: true,
                        },
                    ));
                }
            }
        }
        if let Some(probe) = c.spec.liveness_probe.as_ref().filter(|_| probes_allowed) {
            let mut plan = TickPlan::for_probe(probe, started_at);
            plan.not_before = started;
            // Gated by a startup probe, liveness probing begins after the started instant.
            plan.inclusive = !manual_readiness;
            let window = outcome_window(&c.behaviour, ProbeKind::Liveness);
            if let Some(flip) = next_flip(&plan, &window, false, probe.failure_threshold) {
                timers.push((
                    flip.at,
                    KubeletEvent::ProbeFlip {
                        pod,
                        container,
                        instance,
                        probe: ProbeKind::Liveness,
                        success: false,
                    },
                ));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn probe_flipped(
        &mut self,
        pod: Uid,
        container: usize,
        instance: u32,
        probe: ProbeKind,
        success: bool,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let terminating = rt.terminating.is_some();
        let grace_seconds = rt.grace_seconds;
        let pod_ref = rt.pod_ref();
        let c = &mut rt.containers[container];
        if c.instance() != instance || !c.is_running() || c.killing {
            return Ok(());
        }
        // Liveness and startup probes stop when the pod terminates (§1.11).
        if terminating && probe != ProbeKind::Readiness {
            return Ok(());
        }
        let Some(spec) = probe_of(&c.spec, probe).cloned() else {
            return Ok(());
        };
        let name = c.spec.name.clone();
        if !success {
            store.event(
                pod_ref.clone(),
                EventType::Warning,
                "Unhealthy",
                format!("{} probe failed: {}", probe.title(), failure_detail(&spec)),
                SOURCE,
            );
        }
        match (probe, success) {
            (ProbeKind::Startup, true) => {
                c.started = true;
                self.plan_after_started(pod, container, now, true, timers);
                self.advance(pod, store, timers)?;
            }
            (ProbeKind::Readiness, ready) => {
                // Readiness flips both ways: plan the next flip the other way, counting
                // only ticks after this one.
                c.ready = ready;
                let Phase::Running { started_at } = c.phase else {
                    return Ok(());
                };
                let mut plan = TickPlan::for_probe(&spec, started_at);
                plan.not_before = now;
                plan.inclusive = false;
                let threshold = if ready {
                    spec.failure_threshold
                } else {
                    spec.success_threshold
                };
                let window = outcome_window(&c.behaviour, ProbeKind::Readiness);
                if let Some(flip) = next_flip(&plan, &window, !ready, threshold) {
                    timers.push((
                        flip.at,
                        KubeletEvent::ProbeFlip {
                            pod,
                            container,
                            instance,
                            probe,
                            success: !ready,
                        },
                    ));
                }
            }
            (ProbeKind::Liveness | ProbeKind::Startup, false) => {
                c.killing = true;
                c.ready = false;
                let what = if probe == ProbeKind::Liveness {
                    "liveness"
                } else {
                    "startup"
                };
                store.event(
                    pod_ref,
                    EventType::Normal,
                    "Killing",
                    format!("Container {name} failed {what} probe, will be restarted"),
                    SOURCE,
                );
                let grace = spec
                    .termination_grace_period_seconds
                    .unwrap_or(grace_seconds);
                let (at, code) = term_exit(&c.behaviour, now, now + SimDuration::from_secs(grace));
                timers.push((
                    at,
                    KubeletEvent::Exit {
                        pod,
                        container,
                        instance,
                        exit_code: code,
                    },
                ));
            }
            (ProbeKind::Liveness, true) => {}
        }
        self.sync_status_later(pod, store.now(), timers);
        Ok(())
    }

    fn container_exited(
        &mut self,
        pod: Uid,
        container: usize,
        exit_code: i32,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let restart_policy = rt.restart_policy;
        let terminating = rt.terminating.is_some();
        let pod_ref = rt.pod_ref();
        let pod_name = format!("{}_{}({})", rt.key.name, rt.key.namespace, pod);
        let c = &mut rt.containers[container];
        let Phase::Running { started_at } = c.phase else {
            return Ok(());
        };
        let reason = if exit_code == 0 { "Completed" } else { "Error" }.to_string();
        let terminated = ContainerState::Terminated {
            exit_code,
            reason: reason.clone(),
            started_at,
            finished_at: now,
        };
        c.ready = false;
        c.killing = false;
        c.phase = Phase::Terminated {
            exit_code,
            reason,
            started_at,
            finished_at: now,
        };
        if terminating {
            return Ok(());
        }
        let restarts = if c.is_sidecar {
            true
        } else if c.is_init {
            exit_code != 0 && restart_policy != RestartPolicy::Never
        } else {
            restart_policy.restarts_after(exit_code)
        };
        if !restarts {
            return Ok(());
        }
        c.last_terminated = Some(terminated);
        let delay = crash_loop_delay(c, now);
        let instance = c.instance();
        let name = c.spec.name.clone();
        if delay == SimDuration::ZERO {
            c.restart_count += 1;
            c.last_restart_at = Some(now);
            c.phase = Phase::NotStarted;
            self.pull_or_start(pod, container, store, timers)?;
            return Ok(());
        }
        c.phase = Phase::CrashBackOff { delay };
        store.event(
            pod_ref,
            EventType::Warning,
            "BackOff",
            format!("Back-off restarting failed container {name} in pod {pod_name}"),
            SOURCE,
        );
        timers.push((
            now + delay,
            KubeletEvent::BackOffExpired {
                pod,
                container,
                instance,
            },
        ));
        Ok(())
    }

    fn start_termination(
        &mut self,
        pod: Uid,
        deadline: SimTime,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        rt.terminating = Some(deadline);
        let pod_ref = rt.pod_ref();
        // App containers get TERM first; sidecars follow once the app containers ended
        // (modelled here as the same instant, in reverse order).
        let mut order: Vec<usize> = (0..rt.containers.len())
            .filter(|i| !rt.containers[*i].is_init)
            .collect();
        order.extend(
            (0..rt.containers.len())
                .rev()
                .filter(|i| rt.containers[*i].is_sidecar),
        );
        for i in order {
            let c = &mut rt.containers[i];
            if !c.is_running() {
                if !matches!(c.phase, Phase::Terminated { .. }) {
                    // Never started (or between restarts): nothing to stop.
                    c.phase = Phase::NotStarted;
                }
                continue;
            }
            store.event(
                pod_ref.clone(),
                EventType::Normal,
                "Killing",
                format!("Stopping container {}", c.spec.name),
                SOURCE,
            );
            let (at, code) = term_exit(&c.behaviour, now, deadline.max(now));
            timers.push((
                at,
                KubeletEvent::Exit {
                    pod,
                    container: i,
                    instance: c.instance(),
                    exit_code: code,
                },
            ));
        }
        self.sync_status_later(pod, store.now(), timers);
        self.finish_if_terminated(pod, store)
    }

    /// Once a terminating pod has no running container: terminal phase, then removal.
    fn finish_if_terminated(&mut self, pod: Uid, store: &mut Store) -> Result<(), KubeletError> {
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(());
        };
        if rt.terminating.is_none() || rt.containers.iter().any(|c| c.is_running()) {
            return Ok(());
        }
        let key = rt.key.clone();
        let all_ok = rt
            .containers
            .iter()
            .filter(|c| !c.is_init)
            .all(|c| c.succeeded());
        if let Some(rt) = self.pods.get_mut(&pod) {
            rt.finished = true;
        }
        self.write_status_now(pod, store)?;
        let phase = if all_ok {
            PodPhase::Succeeded
        } else {
            PodPhase::Failed
        };
        store.modify::<Pod, _>(&key, false, |p| p.status.phase = phase)?;
        store.remove::<Pod>(&key)?;
        self.pods.remove(&pod);
        Ok(())
    }

    /// Computes the pod's status from the runtime and writes it if it differs.
    fn write_status_now(&mut self, pod: Uid, store: &mut Store) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let Some(current) = store.get::<Pod>(&rt.key) else {
            return Ok(());
        };
        if current.meta.uid != pod || current.status.phase.is_terminal() {
            return Ok(());
        }
        let init_done = rt.init_done();
        let mut init_statuses = Vec::new();
        let mut app_statuses = Vec::new();
        for c in &rt.containers {
            let status = container_status(c, init_done);
            if c.is_init {
                init_statuses.push(status);
            } else {
                app_statuses.push(status);
            }
        }
        let phase = pod_phase(rt);
        if phase.is_terminal() {
            rt.finished = true;
        }
        let unready: Vec<&str> = rt
            .containers
            .iter()
            .filter(|c| (!c.is_init || c.is_sidecar) && !c.ready)
            .map(|c| c.spec.name.as_str())
            .collect();
        let incomplete: Vec<&str> = rt
            .containers
            .iter()
            .filter(|c| c.is_init && !(c.succeeded() || (c.is_sidecar && c.started)))
            .map(|c| c.spec.name.as_str())
            .collect();
        let key = rt.key.clone();
        let unready_message = format!("containers with unready status: [{}]", unready.join(" "));
        let ready = unready.is_empty() && !phase.is_terminal();
        store.modify::<Pod, _>(&key, false, |p| {
            p.status.phase = phase;
            p.status.init_container_statuses = init_statuses;
            p.status.container_statuses = app_statuses;
            if incomplete.is_empty() {
                p.status.set_condition(
                    PodConditionType::Initialized,
                    ConditionStatus::True,
                    "",
                    "",
                    now,
                );
            } else {
                p.status.set_condition(
                    PodConditionType::Initialized,
                    ConditionStatus::False,
                    "ContainersNotInitialized",
                    &format!(
                        "containers with incomplete status: [{}]",
                        incomplete.join(" ")
                    ),
                    now,
                );
            }
            for t in [PodConditionType::ContainersReady, PodConditionType::Ready] {
                if ready {
                    p.status
                        .set_condition(t, ConditionStatus::True, "", "", now);
                } else if phase.is_terminal() {
                    p.status
                        .set_condition(t, ConditionStatus::False, "PodCompleted", "", now);
                } else {
                    p.status.set_condition(
                        t,
                        ConditionStatus::False,
                        "ContainersNotReady",
                        &unready_message,
                        now,
                    );
                }
            }
        })?;
        Ok(())
    }
}

fn rt_indices(rt: Option<&PodRuntime>, pred: impl Fn(&ContainerRuntime) -> bool) -> Vec<usize> {
    rt.map(|rt| {
        (0..rt.containers.len())
            .filter(|i| pred(&rt.containers[*i]))
            .collect()
    })
    .unwrap_or_default()
}

/// When and with which code a process ends after TERM at `now`, with KILL at `kill_at`.
fn term_exit(behaviour: &ContainerBehaviour, now: SimTime, kill_at: SimTime) -> (SimTime, i32) {
    if behaviour.ignore_term {
        return (kill_at, EXIT_KILLED);
    }
    let at = now + behaviour.term_exit_after;
    if at < kill_at {
        (at, EXIT_TERMINATED)
    } else {
        (kill_at, EXIT_KILLED)
    }
}

/// The CrashLoopBackOff delay before restarting a container that exited at `now`
/// (k8s-semantics §2.4, G4): the first restart is immediate, then 10 s doubling to 300 s,
/// each measured from the exit; a container that ran for more than 600 s since its last
/// restart starts the sequence again.
fn crash_loop_delay(c: &mut ContainerRuntime, now: SimTime) -> SimDuration {
    let expired = c
        .last_restart_at
        .is_some_and(|last| now.saturating_since(last) > BACKOFF_RESET);
    match c.crash_backoff {
        Some(current) if !expired => {
            c.crash_backoff = Some(current.saturating_mul(2).min(BACKOFF_MAX));
            current
        }
        _ => {
            c.crash_backoff = Some(BACKOFF_INITIAL);
            SimDuration::ZERO
        }
    }
}

fn container_status(c: &ContainerRuntime, init_done: bool) -> ContainerStatus {
    let waiting = |reason: &str| ContainerState::Waiting {
        reason: reason.to_string(),
        message: String::new(),
    };
    let state = match &c.phase {
        Phase::NotStarted if !c.is_init && !init_done => waiting("PodInitializing"),
        Phase::NotStarted | Phase::Pulling => waiting("ContainerCreating"),
        Phase::PullBackOff {
            first_failure: true,
        } => waiting("ErrImagePull"),
        Phase::PullBackOff { .. } => {
            if c.spec.image_pull_policy == ImagePullPolicy::Never {
                waiting("ErrImageNeverPull")
            } else {
                waiting("ImagePullBackOff")
            }
        }
        Phase::Running { started_at } => ContainerState::Running {
            started_at: *started_at,
        },
        Phase::CrashBackOff { delay } => ContainerState::Waiting {
            reason: "CrashLoopBackOff".to_string(),
            message: format!(
                "back-off {delay} restarting failed container={}",
                c.spec.name
            ),
        },
        Phase::Terminated {
            exit_code,
            reason,
            started_at,
            finished_at,
        } => ContainerState::Terminated {
            exit_code: *exit_code,
            reason: reason.clone(),
            started_at: *started_at,
            finished_at: *finished_at,
        },
    };
    ContainerStatus {
        name: c.spec.name.clone(),
        state,
        last_state: c.last_terminated.clone(),
        ready: c.ready,
        started: c.started && c.is_running(),
        restart_count: c.restart_count,
    }
}

/// The kubelet's `getPhase` (k8s-semantics §2.10).
fn pod_phase(rt: &PodRuntime) -> PodPhase {
    let regular_init_failed = rt.containers.iter().any(|c| {
        c.is_init
            && !c.is_sidecar
            && matches!(c.phase, Phase::Terminated { exit_code, .. } if exit_code != 0)
    });
    if regular_init_failed && rt.restart_policy == RestartPolicy::Never {
        return PodPhase::Failed;
    }
    if !rt.init_done() {
        return PodPhase::Pending;
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in rt.containers.iter().filter(|c| !c.is_init) {
        match &c.phase {
            Phase::Running { .. } => running += 1,
            Phase::Terminated { exit_code, .. } => {
                stopped += 1;
                if *exit_code == 0 {
                    succeeded += 1;
                }
            }
            Phase::CrashBackOff { .. } => stopped += 1,
            _ if c.has_run() => stopped += 1,
            _ => waiting += 1,
        }
    }
    if waiting > 0 {
        return PodPhase::Pending;
    }
    if running > 0 {
        return PodPhase::Running;
    }
    if stopped > 0 {
        // A container waiting to restart counts as restarting, never as finished.
        let restarting = rt
            .containers
            .iter()
            .any(|c| !c.is_init && !matches!(c.phase, Phase::Terminated { .. }));
        if restarting || rt.restart_policy == RestartPolicy::Always && rt.terminating.is_none() {
            return PodPhase::Running;
        }
        if stopped == succeeded {
            return PodPhase::Succeeded;
        }
        if rt.restart_policy == RestartPolicy::Never || rt.terminating.is_some() {
            return PodPhase::Failed;
        }
        return PodPhase::Running;
    }
    PodPhase::Pending
}
