//! The kubelet model: admits pods bound to its node, pulls images, starts containers in the
//! order the kubelet does (init containers one at a time, sidecars staying up, then the app
//! containers), runs them according to their behaviour, probes them, restarts them with the
//! CrashLoopBackOff and image-pull back-off, and stops them gracefully (preStop, TERM, the
//! grace period, KILL).
//!
//! ## Probes: lazy by default, eager on request
//!
//! A probe worker ticks every `periodSeconds` for as long as its container lives
//! (k8s-semantics §1.8). Simulating every tick would make a healthy pod cost work every
//! period forever, so by default a worker only wakes at the ticks that matter, computed from
//! the behaviour model by [`crate::probe`]:
//!
//! * while its published result is Success, at the next *failing* tick (a failure is news:
//!   it writes an `Unhealthy` event and moves the failure counter toward a restart);
//! * while its published result is Failure (readiness only), at the tick that completes
//!   `successThreshold` consecutive successes;
//! * a startup worker wakes at every tick until the container is started, since each of its
//!   ticks is either a failure (an event) or the success that starts the container.
//!
//! [`ProbeMode::Eager`] wakes at every tick instead (and `--trace-probes` records each one);
//! both run the same per-tick logic ([`ProbeWorker::observe`]), so they produce the same
//! timeline — a property test holds them to it.
//!
//! Probe wake-ups live in an agenda of their own, ordered by `(time, pod, container,
//! probe)` rather than by when they were planned, and the simulation runs them after every
//! other event of the same instant. That makes their order independent of how many ticks
//! were skipped, which is what lets the two modes agree record for record. Status writes
//! come last in that agenda (see [`Deferred`]), so one write publishes the whole instant.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::behaviour::{BehaviourBook, ContainerBehaviour, FlapSpec, ImagePull};
use crate::objects::{
    ConditionStatus, ConfigMap, ConfigSource, Container, ContainerState, ContainerStatus,
    HookHandler, ImagePullPolicy, Kind, ObjectKey, ObjectRef, Pod, PodConditionType, PodPhase,
    Probe, ProbeHandler, RestartPolicy, Secret, Uid, VolumeSource,
};
use crate::probe::{next_flip, next_outcome, FailureRatio, Flap, ProbeScript, Search, TickPlan};
use crate::store::{ApiError, Change, ChangeType, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::{EventType, RecordBody, RecordId};

/// CrashLoopBackOff and image-pull back-off: initial delay (k8s-semantics §2.4, §2.7).
pub const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
/// Back-off cap.
pub const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// A container that ran longer than this before exiting restarts without back-off.
pub const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);
/// Exit code of a process killed by SIGKILL (and by the OOM killer).
pub const EXIT_KILLED: i32 = 137;
/// The kubelet never gives a container less than this between TERM and KILL
/// (`minimumGracePeriodInSeconds`, k8s-semantics §3.3).
pub const MINIMUM_GRACE: SimDuration = SimDuration::from_secs(2);
/// The message of a pod failed by `activeDeadlineSeconds` (k8s-semantics §2.12).
pub const DEADLINE_MESSAGE: &str = "Pod was active on the node longer than the specified deadline";

const SOURCE: &str = "kubelet";

mod pressure;
pub use pressure::{ContainerMemoryUse, PodMemoryUse, EVICTION_GRACE};
mod outage;

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
    /// Capitalised, as event messages start: `Liveness probe failed: ...`.
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }

    /// Lower case, as in `Container web failed liveness probe`.
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Startup => "startup",
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How probe workers are simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProbeMode {
    /// Wake only at ticks whose result changes something (the default).
    #[default]
    Lazy,
    /// Wake at every tick. Same timeline, more events; what `--trace-probes` uses.
    Eager,
}

/// Settings of the kubelets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KubeletConfig {
    /// Lazy or eager probe workers.
    pub probe_mode: ProbeMode,
    /// Record every probe tick on the timeline (needs [`ProbeMode::Eager`]).
    pub trace_probes: bool,
    /// Draw each probe worker's ticker phase from the seed instead of the canonical choice
    /// (ticks at `containerStart + k × period`, k8s-semantics §1.8).
    pub seeded_probe_phase: bool,
    /// Root seed (failure-ratio outcomes are keyed by it).
    pub seed: u64,
}

/// Timed work of the kubelets other than probes. Each names the pod by uid, the container
/// by its index (init containers first) and the container instance it was planned for.
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
        /// Killed by the kernel for exceeding its memory limit.
        oom_killed: bool,
    },
    /// The pod worker retries a container held by a missing ConfigMap or Secret.
    ConfigRetry {
        /// Pod uid.
        pod: Uid,
        /// Container index.
        container: usize,
        /// Instance.
        instance: u32,
    },
    /// The volume manager retries the mounts of a pod whose ConfigMap or Secret volume was
    /// missing.
    MountRetry {
        /// Pod uid.
        pod: Uid,
    },
    /// `activeDeadlineSeconds` has passed since the pod started.
    ActiveDeadline {
        /// Pod uid.
        pod: Uid,
    },
}

/// The volume manager's retry back-off for a failed mount (`exponentialbackoff`): 500 ms,
/// doubling, at most 2 min 2 s.
const MOUNT_RETRY_INITIAL: SimDuration = SimDuration::from_millis(500);
const MOUNT_RETRY_MAX: SimDuration = SimDuration::from_millis(122_000);

/// The first mount retry at or after `now` of a mount failing since `since`: attempts at
/// `since` + 0, 0.5, 1.5, 3.5, 7.5 s ... (waits doubling from 500 ms up to 2 min 2 s).
fn next_mount_retry(since: SimTime, now: SimTime) -> SimTime {
    let mut at = since;
    let mut wait = MOUNT_RETRY_INITIAL;
    while at < now {
        if wait >= MOUNT_RETRY_MAX {
            // Constant steps from here on: jump over them arithmetically.
            let step = MOUNT_RETRY_MAX.as_millis();
            let behind = now.saturating_since(at).as_millis();
            return at + SimDuration::from_millis(behind.div_ceil(step) * step);
        }
        at = at + wait;
        wait = (wait + wait).min(MOUNT_RETRY_MAX);
    }
    at
}

/// How soon the pod worker retries a pod whose sync failed (`backOffPeriod` of the kubelet;
/// jittered by up to half in Kubernetes, canonical here).
pub const POD_SYNC_RETRY: SimDuration = SimDuration::from_secs(10);

/// A request from the kubelet to the simulation: run `event` at `at`.
pub type Timer = (SimTime, KubeletEvent);

/// Names one probe worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct WorkerKey {
    pod: Uid,
    container: usize,
    probe: ProbeKind,
}

/// Work the kubelets defer to the end of an instant, in this order: probe wake-ups, then
/// status writes. A status write therefore publishes everything that happened to the pod
/// at that instant at once — a container that starts and exits, a probe result that
/// arrives with the start — as the status manager's batching would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deferred {
    /// A probe worker wakes.
    Probe(WorkerKey),
    /// The status manager writes the pod's status.
    SyncStatus(Uid),
}

/// What a worker does when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wakeup {
    /// Probe at this tick and act on the outcome.
    Tick,
    /// This tick completes `run_length` consecutive successes (lazy, published Failure).
    SuccessRun { run_length: u32 },
    /// A bounded search stopped here; the tick's outcome confirms the published result.
    Resume,
}

/// One probe worker of one container instance (`prober/worker.go`).
#[derive(Debug, Clone)]
struct ProbeWorker {
    kind: ProbeKind,
    plan: TickPlan,
    script: ProbeScript,
    success_threshold: u32,
    failure_threshold: u32,
    probe: Probe,
    /// The published result: `None` is Unknown (startup's initial value).
    published: Option<bool>,
    /// The current run of equal outcomes (`lastResult`, `resultRun`).
    run: Option<(bool, u32)>,
    /// The last tick this worker accounted for.
    last_tick: Option<SimTime>,
    /// Its wake-up in the agenda.
    pending: Option<(SimTime, Wakeup)>,
}

/// What one tick did.
struct TickOutcome {
    success: bool,
    run: u32,
    /// Write an `Unhealthy` event.
    unhealthy: bool,
    /// The published result flipped to this value.
    flipped: Option<bool>,
}

impl ProbeWorker {
    /// Accounts for the tick at `at` with outcome `success` (`worker.go` `doProbe`): a
    /// differing outcome restarts the run at 1; the result is published once the run
    /// reaches the threshold. Every failure while the result is not already Failure is
    /// reported, as the prober records an event per failed probe.
    fn observe(&mut self, at: SimTime, success: bool) -> TickOutcome {
        let consecutive = self
            .last_tick
            .is_some_and(|last| self.plan.tick_after(last) == Some(at));
        let run = match self.run {
            Some((outcome, n)) if outcome == success && consecutive => n.saturating_add(1),
            _ => 1,
        };
        self.run = Some((success, run));
        self.last_tick = Some(at);
        let unhealthy = !success && self.published != Some(false);
        let threshold = if success {
            self.success_threshold
        } else {
            self.failure_threshold
        };
        let flipped = (run >= threshold.max(1) && self.published != Some(success)).then(|| {
            self.published = Some(success);
            success
        });
        TickOutcome {
            success,
            run,
            unhealthy,
            flipped,
        }
    }

    /// The next wake-up after the last accounted tick.
    fn next_wakeup(&self, mode: ProbeMode) -> Option<(SimTime, Wakeup)> {
        let plan = match self.last_tick {
            Some(last) => self.plan.after(last),
            None => self.plan,
        };
        let every_tick = mode == ProbeMode::Eager || self.published.is_none();
        if every_tick {
            return plan.first_tick().map(|at| (at, Wakeup::Tick));
        }
        if self.published == Some(true) {
            return match next_outcome(&plan, &self.script, false) {
                Search::Found(at) => Some((at, Wakeup::Tick)),
                Search::Never => None,
                Search::Undecided { walked_to } => Some((walked_to, Wakeup::Resume)),
            };
        }
        match next_flip(&plan, &self.script, true, self.success_threshold) {
            Search::Found(flip) => Some((
                flip.at,
                Wakeup::SuccessRun {
                    run_length: flip.run_length,
                },
            )),
            Search::Never => None,
            Search::Undecided { walked_to } => Some((walked_to, Wakeup::Resume)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Not reached yet (a later init container, or app containers during init).
    NotStarted,
    /// Image pull under way.
    Pulling,
    /// Waiting before the next pull attempt.
    PullBackOff { first_failure: bool },
    /// A ConfigMap or Secret the environment reads is missing (`CreateContainerConfigError`);
    /// the pod worker retries every [`POD_SYNC_RETRY`] from `since`.
    ConfigError { since: SimTime, message: String },
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
    /// A sidecar that has been started once no longer holds up initialisation, even while
    /// it restarts.
    ever_started: bool,
    ready: bool,
    /// Set once the kubelet has decided to stop this instance (TERM is under way).
    killing: bool,
    /// Probe workers of the running instance, by [`ProbeKind::index`].
    workers: [Option<ProbeWorker>; 3],
    /// With a seeded ticker phase: where each worker's ticker started (k8s-semantics §1.8:
    /// workers are created at admission and keep their ticker across restarts).
    ticker_origin: [Option<SimTime>; 3],
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
                Phase::NotStarted
                    | Phase::Pulling
                    | Phase::PullBackOff { .. }
                    | Phase::ConfigError { .. }
            )
    }

    fn probes_allowed(&self) -> bool {
        // Regular init containers support no probes (§2.8).
        !self.is_init || self.is_sidecar
    }
}

/// Why a pod's containers are being stopped for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopCause {
    /// The pod was deleted: KILL at the deletion deadline, then the object is removed.
    Deleted { deadline: SimTime },
    /// `activeDeadlineSeconds` passed: the pod ends Failed, reason `DeadlineExceeded`.
    DeadlineExceeded,
    /// Every app container finished and none restarts: sidecars are stopped, then the pod
    /// takes its terminal phase.
    Completed,
    /// Evicted by the node-pressure eviction manager: stopped with [`EVICTION_GRACE`], the
    /// pod ends Failed, reason `Evicted`.
    Evicted,
}

#[derive(Debug, Clone)]
struct PodRuntime {
    key: ObjectKey,
    node: String,
    restart_policy: RestartPolicy,
    grace: SimDuration,
    containers: Vec<ContainerRuntime>,
    stop: Option<StopCause>,
    /// The pod reached a terminal phase; nothing runs any more.
    finished: bool,
    /// Its ConfigMap and Secret volumes that must exist (not `optional`): (volume, source,
    /// object name).
    config_volumes: Vec<(String, ConfigSource, String)>,
    /// Since when a volume could not be mounted; nothing starts until it can.
    mount_failing_since: Option<SimTime>,
}

impl PodRuntime {
    fn init_done(&self) -> bool {
        self.containers.iter().filter(|c| c.is_init).all(|c| {
            if c.is_sidecar {
                c.ever_started
            } else {
                c.succeeded()
            }
        })
    }

    fn pod_ref(&self) -> ObjectRef {
        ObjectRef::new(Kind::Pod, self.key.clone())
    }

    fn deleted(&self) -> bool {
        matches!(self.stop, Some(StopCause::Deleted { .. }))
    }

    fn any_running(&self) -> bool {
        self.containers.iter().any(ContainerRuntime::is_running)
    }

    fn app_running(&self) -> bool {
        self.containers.iter().any(|c| !c.is_init && c.is_running())
    }
}

/// Pod IPs a node hands out: `10.244.<node ordinal>.<host>` (a /24 per node, as the
/// host-local IPAM of a typical CNI), the next free host after the last one given.
#[derive(Debug, Default)]
struct NodeAddresses {
    ordinal: u32,
    last_host: u32,
    in_use: BTreeSet<u32>,
}

/// Every node's kubelet, keyed by pod uid (a pod is only ever on one node).
#[derive(Debug)]
pub struct Kubelets {
    config: KubeletConfig,
    pods: BTreeMap<Uid, PodRuntime>,
    images: BTreeMap<String, BTreeSet<String>>,
    behaviours: BehaviourBook,
    /// Probe wake-ups in canonical order, with the record that caused each.
    agenda: BTreeMap<(SimTime, Deferred), Option<RecordId>>,
    /// Wake-ups planned by the handler running now, whose cause is settled after it.
    unsettled: Vec<(SimTime, Deferred)>,
    addresses: BTreeMap<String, NodeAddresses>,
    pod_addresses: BTreeMap<Uid, (String, u32)>,
    phase_rng: ChaCha8Rng,
    /// Nodes whose kubelet is cut off from the control plane (`kubelet/outage.rs`).
    outages: BTreeMap<String, outage::Outage>,
    /// Restart counts and last states for the containers of pods re-created after a crash.
    readmit: BTreeMap<Uid, Vec<(u32, Option<ContainerState>)>>,
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

fn flap(spec: Option<FlapSpec>) -> Option<Flap> {
    spec.map(|f| Flap {
        period: f.every,
        fail_for: f.fail_for,
    })
}

/// Mixes the identity of a container instance's probe into the key of its failure-ratio
/// outcomes, so every worker draws its own sequence from the root seed.
fn ratio_key(seed: u64, pod: Uid, container: usize, instance: u32, kind: ProbeKind) -> u64 {
    let mut key = seed ^ 0x6b75_6265_7369_6d00; // "kubesim"
    for part in [pod.0, container as u64, u64::from(instance), kind as u64] {
        key = (key ^ part)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
    key
}

fn probe_script(behaviour: &ContainerBehaviour, kind: ProbeKind, ratio_key: u64) -> ProbeScript {
    let ratio = |per_million: u32| {
        (per_million > 0).then_some(FailureRatio {
            per_million,
            key: ratio_key,
        })
    };
    match kind {
        ProbeKind::Startup => ProbeScript {
            pass_from: behaviour
                .startup_succeeds_after
                .unwrap_or(behaviour.start_after),
            fail_from: None,
            flap: None,
            failure_ratio: None,
        },
        ProbeKind::Liveness => ProbeScript {
            pass_from: behaviour.start_after,
            fail_from: behaviour.liveness_fails_after,
            flap: flap(behaviour.liveness_flap),
            failure_ratio: ratio(behaviour.liveness_failure_ratio),
        },
        ProbeKind::Readiness => ProbeScript {
            pass_from: behaviour.ready_after.unwrap_or(behaviour.start_after),
            fail_from: behaviour.readiness_fails_after,
            flap: flap(behaviour.readiness_flap),
            failure_ratio: ratio(behaviour.readiness_failure_ratio),
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

/// What the prober writes after `... probe failed: ` for each mechanism (the kubelet's
/// `prober` output for a refused or erroring endpoint).
pub fn failure_detail(probe: &Probe) -> String {
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

/// How long a preStop hook runs: a `sleep` hook its own seconds, the others as the
/// behaviour model says.
fn pre_stop_duration(hook: &HookHandler, behaviour: &ContainerBehaviour) -> SimDuration {
    match hook {
        HookHandler::Sleep(seconds) => SimDuration::from_secs(*seconds),
        HookHandler::Exec(_) | HookHandler::HttpGet { .. } => behaviour.pre_stop_takes,
    }
}

/// When a container stopped at `now` with grace `grace` gets TERM and KILL
/// (k8s-semantics §3.2–3.3): the preStop hook runs first, for at most the grace period;
/// TERM follows it; KILL comes at the end of the grace period, but never sooner than 2 s
/// after TERM.
fn stop_schedule(c: &ContainerRuntime, now: SimTime, grace: SimDuration) -> (SimTime, SimTime) {
    let hook = match &c.spec.pre_stop {
        Some(hook) if grace > SimDuration::ZERO => pre_stop_duration(hook, &c.behaviour).min(grace),
        _ => SimDuration::ZERO,
    };
    let term_at = now + hook;
    let kill_at = (now + grace).max(term_at + MINIMUM_GRACE);
    (term_at, kill_at)
}

/// When and with which code a process ends after TERM at `term_at`, with KILL at `kill_at`.
fn term_exit(behaviour: &ContainerBehaviour, term_at: SimTime, kill_at: SimTime) -> (SimTime, i32) {
    if behaviour.ignore_term {
        return (kill_at, EXIT_KILLED);
    }
    let at = term_at + behaviour.term_exit_after;
    if at < kill_at {
        (at, behaviour.term_exit_code)
    } else {
        (kill_at, EXIT_KILLED)
    }
}

impl Kubelets {
    /// Kubelets that look up container behaviour in `behaviours`; `phase_rng` draws ticker
    /// phases when they are seeded.
    pub fn new(
        behaviours: BehaviourBook,
        config: KubeletConfig,
        phase_rng: ChaCha8Rng,
    ) -> Kubelets {
        Kubelets {
            config,
            pods: BTreeMap::new(),
            images: BTreeMap::new(),
            behaviours,
            agenda: BTreeMap::new(),
            unsettled: Vec::new(),
            addresses: BTreeMap::new(),
            pod_addresses: BTreeMap::new(),
            phase_rng,
            outages: BTreeMap::new(),
            readmit: BTreeMap::new(),
        }
    }

    fn container_mut(&mut self, pod: Uid, container: usize) -> Option<&mut ContainerRuntime> {
        self.pods
            .get_mut(&pod)
            .and_then(|rt| rt.containers.get_mut(container))
    }

    /// Number of pods the kubelets are running.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// When the next probe worker wakes, if any.
    pub fn next_deferred_time(&self) -> Option<SimTime> {
        self.agenda.keys().next().map(|(at, _)| *at)
    }

    /// The cause of the next probe wake-up.
    pub fn next_deferred_cause(&self) -> Option<RecordId> {
        self.agenda.values().next().copied().flatten()
    }

    /// Gives the wake-ups planned by the handler that just ran their cause.
    pub fn settle_deferred_causes(&mut self, cause: Option<RecordId>) {
        for key in self.unsettled.drain(..) {
            if let Some(entry) = self.agenda.get_mut(&key) {
                *entry = cause;
            }
        }
    }

    /// Reacts to a store change: admit newly bound pods, start terminations, forget removed
    /// pods.
    pub fn on_change(
        &mut self,
        change: &Change,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        if matches!(change.kind, Kind::ConfigMap | Kind::Secret) {
            if change.change_type != ChangeType::Deleted {
                self.plan_config_retries(&change.key.namespace, store.now(), timers);
            }
            return Ok(());
        }
        if change.kind != Kind::Pod {
            return Ok(());
        }
        if change.change_type == ChangeType::Deleted {
            self.forget(change.uid);
            return Ok(());
        }
        let Some(pod) = store.get::<Pod>(&change.key) else {
            return Ok(());
        };
        if pod.meta.uid != change.uid {
            return Ok(());
        }
        if pod
            .spec
            .node_name
            .as_deref()
            .is_some_and(|n| self.node_offline(n))
        {
            // Nothing reaches a kubelet cut off from the control plane; it catches up when
            // it comes back.
            return Ok(());
        }
        let known = self.pods.contains_key(&change.uid);
        if !known {
            if pod.spec.node_name.is_some() && !pod.status.phase.is_terminal() {
                let pod = pod.clone();
                // The eviction manager's admit handler goes first (node pressure).
                if let Some(message) = pressure::admission_rejection(&pod, store) {
                    return pressure::reject(&pod, &message, store);
                }
                self.admit(&pod, store, timers)?;
            }
            return Ok(());
        }
        if let Some(deadline) = pod.meta.deletion_timestamp {
            let uid = change.uid;
            if self.pods.get(&uid).is_some_and(|rt| !rt.deleted()) {
                self.start_stopping(uid, StopCause::Deleted { deadline }, store, timers)?;
            }
        }
        Ok(())
    }

    fn forget(&mut self, uid: Uid) {
        if let Some(rt) = self.pods.remove(&uid) {
            for (index, c) in rt.containers.iter().enumerate() {
                for worker in c.workers.iter().flatten() {
                    if let Some((at, _)) = worker.pending {
                        let key = WorkerKey {
                            pod: uid,
                            container: index,
                            probe: worker.kind,
                        };
                        self.agenda.remove(&(at, Deferred::Probe(key)));
                    }
                }
            }
        }
        let syncs: Vec<(SimTime, Deferred)> = self
            .agenda
            .keys()
            .filter(|(_, d)| *d == Deferred::SyncStatus(uid))
            .copied()
            .collect();
        for key in syncs {
            self.agenda.remove(&key);
        }
        if let Some((node, host)) = self.pod_addresses.remove(&uid) {
            if let Some(addresses) = self.addresses.get_mut(&node) {
                addresses.in_use.remove(&host);
            }
        }
    }

    /// The next free pod IP on `node`.
    fn allocate_ip(&mut self, node: &str, pod: Uid) -> String {
        let next_ordinal = u32::try_from(self.addresses.len()).unwrap_or(u32::MAX);
        let addresses = self
            .addresses
            .entry(node.to_string())
            .or_insert_with(|| NodeAddresses {
                ordinal: next_ordinal,
                last_host: 1,
                in_use: BTreeSet::new(),
            });
        // Hosts 2..=254 of the node's /24 (.1 is the gateway); at most 110 pods per node
        // by default, so a free one is always found within one turn.
        let mut host = addresses.last_host;
        for _ in 0..253 {
            host = if host >= 254 { 2 } else { host + 1 };
            if !addresses.in_use.contains(&host) {
                break;
            }
        }
        addresses.last_host = host;
        addresses.in_use.insert(host);
        self.pod_addresses.insert(pod, (node.to_string(), host));
        let base: u32 = (10 << 24) | (244 << 16);
        let address = base
            .wrapping_add(addresses.ordinal.wrapping_mul(256))
            .wrapping_add(host);
        let [a, b, c, d] = address.to_be_bytes();
        format!("{a}.{b}.{c}.{d}")
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
        let readmit = self.readmit.get(&pod.meta.uid).cloned().unwrap_or_default();
        for (index, (spec, is_init)) in specs.enumerate() {
            let (restart_count, last_terminated) = readmit.get(index).cloned().unwrap_or((0, None));
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
            let mut ticker_origin = [None; 3];
            if self.config.seeded_probe_phase {
                for kind in [
                    ProbeKind::Startup,
                    ProbeKind::Liveness,
                    ProbeKind::Readiness,
                ] {
                    if let Some(probe) = probe_of(spec, kind) {
                        let period_ms = u64::from(probe.period_seconds.max(1)) * 1000;
                        let offset = self.phase_rng.random_range(0..period_ms);
                        ticker_origin[kind.index()] = Some(now + SimDuration::from_millis(offset));
                    }
                }
            }
            containers.push(ContainerRuntime {
                spec: spec.clone(),
                is_init,
                is_sidecar: is_init && spec.restart_policy == Some(RestartPolicy::Always),
                behaviour,
                phase: Phase::NotStarted,
                restart_count,
                last_terminated,
                crash_backoff: None,
                last_restart_at: None,
                pull_backoff: None,
                started: false,
                ever_started: false,
                ready: false,
                killing: false,
                workers: [None, None, None],
                ticker_origin,
            });
        }
        let uid = pod.meta.uid;
        let node = pod.spec.node_name.clone().unwrap_or_default();
        let config_volumes = pod
            .spec
            .volumes
            .iter()
            .filter_map(|v| match &v.source {
                VolumeSource::ConfigMap {
                    name,
                    optional: false,
                } => Some((v.name.clone(), ConfigSource::ConfigMap, name.clone())),
                VolumeSource::Secret {
                    secret_name,
                    optional: false,
                } => Some((v.name.clone(), ConfigSource::Secret, secret_name.clone())),
                _ => None,
            })
            .collect();
        let mut runtime = PodRuntime {
            key: pod.meta.key(),
            node: node.clone(),
            restart_policy: pod.spec.restart_policy,
            grace: SimDuration::from_secs(pod.spec.termination_grace_period_seconds),
            containers,
            stop: None,
            finished: false,
            config_volumes,
            mount_failing_since: None,
        };
        if let Some((volume, message)) = Self::unmountable(&runtime, store) {
            runtime.mount_failing_since = Some(now);
            store.event(
                runtime.pod_ref(),
                EventType::Warning,
                "FailedMount",
                format!("MountVolume.SetUp failed for volume \"{volume}\" : {message}"),
                SOURCE,
            );
        }
        let mounted = runtime.mount_failing_since.is_none();
        self.pods.insert(uid, runtime);
        let ip = self.allocate_ip(&node, uid);
        store.modify::<Pod, _>(&pod.meta.key(), false, |p| {
            // A kubelet re-admitting a pod after a reboot keeps its start time.
            p.status.start_time.get_or_insert(now);
            p.status.pod_ip = Some(ip);
            // The sandbox is made once the volumes are mounted.
            let (status, reason) = if mounted {
                (ConditionStatus::True, "")
            } else {
                (ConditionStatus::False, "")
            };
            p.status.set_condition(
                PodConditionType::PodReadyToStartContainers,
                status,
                reason,
                "",
                now,
            );
        })?;
        if let Some(seconds) = pod.spec.active_deadline_seconds {
            timers.push((
                now + SimDuration::from_secs(seconds),
                KubeletEvent::ActiveDeadline { pod: uid },
            ));
        }
        self.advance(uid, store, timers)?;
        self.sync_status_later(uid, store.now());
        if let Some(deadline) = pod.meta.deletion_timestamp {
            self.start_stopping(uid, StopCause::Deleted { deadline }, store, timers)?;
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
        if self.hold_event(&event) {
            return Ok(());
        }
        match event {
            KubeletEvent::PullFinished {
                pod,
                container,
                instance,
            } => self.pull_finished(pod, container, instance, store, timers),
            KubeletEvent::BackOffExpired {
                pod,
                container,
                instance,
            } => {
                let now = store.now();
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                if rt.stop.is_some() || rt.finished {
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
                self.sync_status_later(pod, store.now());
                Ok(())
            }
            KubeletEvent::Exit {
                pod,
                container,
                instance,
                exit_code,
                oom_killed,
            } => {
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                let c = &mut rt.containers[container];
                if c.instance() != instance || !c.is_running() {
                    return Ok(());
                }
                self.container_exited(pod, container, exit_code, oom_killed, store, timers)?;
                self.advance(pod, store, timers)?;
                self.complete_if_done(pod, store, timers)?;
                self.stop_next_sidecar(pod, store, timers);
                self.sync_status_later(pod, store.now());
                self.finish_if_stopped(pod, store)
            }
            KubeletEvent::ConfigRetry {
                pod,
                container,
                instance,
            } => {
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                if rt.stop.is_some() || rt.finished {
                    return Ok(());
                }
                let c = &rt.containers[container];
                if c.instance() != instance || !matches!(c.phase, Phase::ConfigError { .. }) {
                    return Ok(());
                }
                self.pull_or_start(pod, container, store, timers)?;
                self.sync_status_later(pod, store.now());
                Ok(())
            }
            KubeletEvent::MountRetry { pod } => {
                let now = store.now();
                let Some(rt) = self.pods.get_mut(&pod) else {
                    return Ok(());
                };
                if rt.mount_failing_since.is_none()
                    || rt.stop.is_some()
                    || Self::unmountable(rt, store).is_some()
                {
                    return Ok(());
                }
                rt.mount_failing_since = None;
                let key = rt.key.clone();
                store.modify::<Pod, _>(&key, false, |p| {
                    p.status.set_condition(
                        PodConditionType::PodReadyToStartContainers,
                        ConditionStatus::True,
                        "",
                        "",
                        now,
                    );
                })?;
                self.advance(pod, store, timers)?;
                self.sync_status_later(pod, now);
                Ok(())
            }
            KubeletEvent::ActiveDeadline { pod } => {
                let Some(rt) = self.pods.get(&pod) else {
                    return Ok(());
                };
                if rt.finished || rt.stop.is_some() {
                    return Ok(());
                }
                store.event(
                    rt.pod_ref(),
                    EventType::Normal,
                    "DeadlineExceeded",
                    DEADLINE_MESSAGE.to_string(),
                    SOURCE,
                );
                self.start_stopping(pod, StopCause::DeadlineExceeded, store, timers)
            }
        }
    }

    fn pull_finished(
        &mut self,
        pod: Uid,
        container: usize,
        instance: u32,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        if rt.stop.is_some() || rt.finished {
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
            if let Some(c) = self.container_mut(pod, container) {
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
            return self.write_status_now(pod, store);
        }
        c.pull_backoff = None;
        let took = c.behaviour.pull_duration;
        self.images.entry(node).or_default().insert(image.clone());
        store.event(
            pod_ref,
            EventType::Normal,
            "Pulled",
            format!("Successfully pulled image \"{image}\" in {took} ({took} including waiting)"),
            SOURCE,
        );
        self.start_container(pod, container, store, timers)?;
        self.sync_status_later(pod, store.now());
        Ok(())
    }

    /// Runs the next probe wake-up (the simulation calls this when it is the earliest
    /// pending work).
    pub fn run_next_deferred(
        &mut self,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let Some(((at, deferred), _cause)) = self.agenda.pop_first() else {
            return Ok(());
        };
        if self.hold_deferred(deferred) {
            return Ok(());
        }
        let key = match deferred {
            Deferred::Probe(key) => key,
            Deferred::SyncStatus(pod) => return self.write_status_now(pod, store),
        };
        let trace = self.config.trace_probes;
        let Some(rt) = self.pods.get_mut(&key.pod) else {
            return Ok(());
        };
        let stopping = rt.stop.is_some();
        let pod_ref = rt.pod_ref();
        let pod_grace = rt.grace;
        let Some(c) = rt.containers.get_mut(key.container) else {
            return Ok(());
        };
        let Phase::Running { started_at } = c.phase else {
            return Ok(());
        };
        let name = c.spec.name.clone();
        let Some(worker) = c.workers[key.probe.index()].as_mut() else {
            return Ok(());
        };
        let Some((_, wakeup)) = worker.pending.take().filter(|(due, _)| *due == at) else {
            return Ok(());
        };
        let tick = match wakeup {
            Wakeup::Resume => {
                // Nothing changes here: remember the tick so the next search starts after it.
                worker.last_tick = Some(at);
                worker.run = Some((worker.script.outcome_at(started_at, at), 1));
                None
            }
            Wakeup::SuccessRun { run_length } => {
                // The search proved the run; account for it as the eager worker would.
                worker.run = Some((true, run_length));
                worker.last_tick = Some(at);
                worker.published = Some(true);
                Some(TickOutcome {
                    success: true,
                    run: run_length,
                    unhealthy: false,
                    flipped: Some(true),
                })
            }
            Wakeup::Tick => {
                let success = worker.script.outcome_at(started_at, at);
                Some(worker.observe(at, success))
            }
        };
        let probe = worker.probe.clone();
        if let Some(outcome) = &tick {
            if trace {
                let threshold = if outcome.success {
                    probe.success_threshold
                } else {
                    probe.failure_threshold
                };
                store.trace(
                    pod_ref.clone(),
                    RecordBody::Probe {
                        container: name.clone(),
                        probe: key.probe.name().to_string(),
                        success: outcome.success,
                        run: outcome.run,
                        threshold,
                    },
                );
            }
            if outcome.unhealthy {
                store.event(
                    pod_ref.clone(),
                    EventType::Warning,
                    "Unhealthy",
                    format!(
                        "{} probe failed: {}",
                        key.probe.title(),
                        failure_detail(&probe)
                    ),
                    SOURCE,
                );
            }
        }
        match (key.probe, tick.and_then(|t| t.flipped)) {
            (ProbeKind::Startup, Some(true)) => {
                c.started = true;
                c.ever_started = true;
                c.workers[ProbeKind::Startup.index()] = None;
                self.start_workers(key.pod, key.container, at, true);
                self.advance(key.pod, store, timers)?;
                self.sync_status_later(key.pod, store.now());
                return Ok(());
            }
            (ProbeKind::Liveness | ProbeKind::Startup, Some(false)) => {
                // Stop probing until the container is restarted (`onHold`).
                c.workers[key.probe.index()] = None;
                if !stopping {
                    store.event(
                        pod_ref,
                        EventType::Normal,
                        "Killing",
                        format!(
                            "Container {name} failed {} probe, will be restarted",
                            key.probe.name()
                        ),
                        SOURCE,
                    );
                    let grace = probe
                        .termination_grace_period_seconds
                        .map_or(pod_grace, SimDuration::from_secs);
                    self.stop_container(key.pod, key.container, at, grace, timers);
                }
                self.sync_status_later(key.pod, store.now());
                return Ok(());
            }
            (ProbeKind::Readiness, Some(ready)) => {
                c.ready = ready;
                self.sync_status_later(key.pod, store.now());
            }
            (ProbeKind::Liveness, Some(true)) | (_, None) => {}
        }
        self.plan_wakeup(key);
        Ok(())
    }

    /// Puts the worker's next wake-up on the agenda.
    fn plan_wakeup(&mut self, key: WorkerKey) {
        let mode = self.config.probe_mode;
        let Some(worker) = self
            .pods
            .get_mut(&key.pod)
            .and_then(|rt| rt.containers.get_mut(key.container))
            .and_then(|c| c.workers[key.probe.index()].as_mut())
        else {
            return;
        };
        if let Some((old, _)) = worker.pending.take() {
            self.agenda.remove(&(old, Deferred::Probe(key)));
        }
        if let Some((at, wakeup)) = worker.next_wakeup(mode) {
            worker.pending = Some((at, wakeup));
            self.agenda.insert((at, Deferred::Probe(key)), None);
            self.unsettled.push((at, Deferred::Probe(key)));
        }
    }

    /// Asks for the pod's status to be written at the end of this instant (see
    /// [`Deferred`]); asking twice in one instant writes once, caused by the latest ask.
    fn sync_status_later(&mut self, pod: Uid, now: SimTime) {
        let key = (now, Deferred::SyncStatus(pod));
        self.agenda.entry(key).or_insert(None);
        self.unsettled.push(key);
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
        if rt.stop.is_some() || rt.finished || rt.mount_failing_since.is_some() {
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
            if c.is_sidecar && c.ever_started {
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
                    .is_some_and(|rt| rt.containers[i].is_sidecar && rt.containers[i].ever_started)
                {
                    continue;
                }
            }
            return Ok(());
        }
        let pending: Vec<usize> = match self.pods.get(&pod) {
            Some(rt) => (0..rt.containers.len())
                .filter(|&i| {
                    !rt.containers[i].is_init && rt.containers[i].phase == Phase::NotStarted
                })
                .collect(),
            None => Vec::new(),
        };
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

    /// After a ConfigMap or Secret appears or changes in `namespace`: each container held
    /// by a missing one is retried at the pod worker's next retry tick. The retries in
    /// between would fail the same way, so they are not simulated (their `Failed` events
    /// are not repeated).
    fn plan_config_retries(&mut self, namespace: &str, now: SimTime, timers: &mut Vec<Timer>) {
        for (uid, rt) in &self.pods {
            if rt.key.namespace != namespace || rt.stop.is_some() || rt.finished {
                continue;
            }
            if let Some(since) = rt.mount_failing_since {
                timers.push((
                    next_mount_retry(since, now),
                    KubeletEvent::MountRetry { pod: *uid },
                ));
            }
            for (index, c) in rt.containers.iter().enumerate() {
                if let Phase::ConfigError { since, .. } = c.phase {
                    let period = POD_SYNC_RETRY.as_millis();
                    let waited = now.saturating_since(since).as_millis();
                    let ticks = waited.div_ceil(period).max(1);
                    timers.push((
                        since + SimDuration::from_millis(ticks * period),
                        KubeletEvent::ConfigRetry {
                            pod: *uid,
                            container: index,
                            instance: c.instance(),
                        },
                    ));
                }
            }
        }
    }

    /// The first ConfigMap or Secret volume of the pod that cannot be mounted, with the
    /// volume plugin's error.
    fn unmountable(rt: &PodRuntime, store: &Store) -> Option<(String, String)> {
        rt.config_volumes.iter().find_map(|(volume, source, name)| {
            let key = ObjectKey::new(rt.key.namespace.as_str(), name.as_str());
            let exists = match source {
                ConfigSource::ConfigMap => store.get::<ConfigMap>(&key).is_some(),
                ConfigSource::Secret => store.get::<Secret>(&key).is_some(),
            };
            (!exists).then(|| {
                (
                    volume.clone(),
                    format!("{} \"{name}\" not found", source.lower()),
                )
            })
        })
    }

    /// The first ConfigMap or Secret problem of `spec`'s environment, as the kubelet's
    /// `makeEnvironmentVariables` reports it.
    fn config_problem(spec: &Container, namespace: &str, store: &Store) -> Option<String> {
        for r in &spec.config_refs {
            let key = ObjectKey::new(namespace, r.name.as_str());
            let keys = match r.source {
                ConfigSource::ConfigMap => store.get::<ConfigMap>(&key).map(|c| &c.keys),
                ConfigSource::Secret => store.get::<Secret>(&key).map(|c| &c.keys),
            };
            match (keys, &r.key) {
                (None, _) if r.optional => {}
                (None, _) => return Some(format!("{} \"{}\" not found", r.source.lower(), r.name)),
                (Some(keys), Some(k)) if !keys.contains(k) && !r.optional => {
                    return Some(format!(
                        "couldn't find key {k} in {} {namespace}/{}",
                        r.source.kind_name(),
                        r.name
                    ))
                }
                _ => {}
            }
        }
        None
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
        if let Some(message) = Self::config_problem(&c.spec, &rt.key.namespace, store) {
            let since = match &c.phase {
                Phase::ConfigError { since, .. } => *since,
                _ => now,
            };
            c.phase = Phase::ConfigError {
                since,
                message: message.clone(),
            };
            store.event(
                pod_ref,
                EventType::Warning,
                "Failed",
                format!("Error: {message}"),
                SOURCE,
            );
            return Ok(());
        }
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
        c.started = false;
        c.workers = [None, None, None];
        let instance = c.instance();
        // The process ends on its own (exit) or is OOM-killed, whichever comes first.
        let exit = c
            .behaviour
            .exit_after
            .map(|after| (after, c.behaviour.exit_code, false));
        let oom = c
            .behaviour
            .oom_after(c.spec.limits.memory_bytes)
            .map(|after| (after, EXIT_KILLED, true));
        let end = match (exit, oom) {
            (Some(e), Some(o)) => Some(if o.0 < e.0 { o } else { e }),
            (e, o) => e.or(o),
        };
        if let Some((after, exit_code, oom_killed)) = end {
            timers.push((
                now + after,
                KubeletEvent::Exit {
                    pod,
                    container,
                    instance,
                    exit_code,
                    oom_killed,
                },
            ));
        }
        let startup = c.spec.startup_probe.clone().filter(|_| c.probes_allowed());
        if startup.is_none() {
            c.started = true;
            c.ever_started = true;
        }
        match startup {
            Some(probe) => {
                let plan = self.plan_for(pod, container, ProbeKind::Startup, &probe, now);
                // Startup starts as Unknown (§1.5).
                self.install_worker(pod, container, ProbeKind::Startup, probe, plan, None);
            }
            None => self.start_workers(pod, container, now, false),
        }
        Ok(())
    }

    /// The tick plan of a fresh worker for `probe` on the instance started at `started`.
    fn plan_for(
        &self,
        pod: Uid,
        container: usize,
        kind: ProbeKind,
        probe: &Probe,
        started: SimTime,
    ) -> TickPlan {
        let plan = TickPlan::for_probe(probe, started);
        let origin = self
            .pods
            .get(&pod)
            .and_then(|rt| rt.containers.get(container))
            .and_then(|c| c.ticker_origin[kind.index()]);
        match origin {
            Some(origin) => {
                // The worker's ticker runs from its origin; relative to this instance's
                // start its ticks fall `(origin - start) mod period` later.
                let period = plan.period.as_millis().max(1);
                let offset = (i128::from(origin.as_millis()) - i128::from(started.as_millis()))
                    .rem_euclid(i128::from(period));
                plan.with_phase(SimDuration::from_millis(u64::try_from(offset).unwrap_or(0)))
            }
            None => plan,
        }
    }

    /// Gives the running instance of a container a fresh worker for `probe`, whose
    /// published result starts at `published` (§1.5), and plans its first wake-up.
    fn install_worker(
        &mut self,
        pod: Uid,
        container: usize,
        kind: ProbeKind,
        probe: Probe,
        plan: TickPlan,
        published: Option<bool>,
    ) {
        let seed = self.config.seed;
        // Field by field, so the agenda stays borrowable beside the container.
        let Some(c) = self
            .pods
            .get_mut(&pod)
            .and_then(|rt| rt.containers.get_mut(container))
        else {
            return;
        };
        let script = probe_script(
            &c.behaviour,
            kind,
            ratio_key(seed, pod, container, c.instance(), kind),
        );
        let key = WorkerKey {
            pod,
            container,
            probe: kind,
        };
        if let Some((old, _)) = c.workers[kind.index()].as_ref().and_then(|w| w.pending) {
            self.agenda.remove(&(old, Deferred::Probe(key)));
        }
        c.workers[kind.index()] = Some(ProbeWorker {
            kind,
            plan,
            script,
            success_threshold: probe.success_threshold.max(1),
            failure_threshold: probe.failure_threshold.max(1),
            probe,
            published,
            run: None,
            last_tick: None,
            pending: None,
        });
        self.plan_wakeup(key);
    }

    /// Starts the liveness and readiness workers of a container that just became started
    /// at `started` (k8s-semantics §1.5, §1.7, §1.8).
    fn start_workers(&mut self, pod: Uid, container: usize, started: SimTime, after_startup: bool) {
        let Some(c) = self.container_mut(pod, container) else {
            return;
        };
        let Phase::Running { started_at } = c.phase else {
            return;
        };
        let allowed = c.probes_allowed();
        let readiness = c.spec.readiness_probe.clone().filter(|_| allowed);
        let liveness = c.spec.liveness_probe.clone().filter(|_| allowed);
        match readiness {
            None => c.ready = true,
            Some(probe) => {
                let mut plan =
                    self.plan_for(pod, container, ProbeKind::Readiness, &probe, started_at);
                plan.not_before = started;
                // A started container with no readiness result is probed at once (a manual
                // trigger), then on the regular ticks.
                plan.manual_tick = Some(started);
                plan.inclusive = !after_startup;
                // Readiness starts as Failure (§1.5).
                self.install_worker(
                    pod,
                    container,
                    ProbeKind::Readiness,
                    probe,
                    plan,
                    Some(false),
                );
            }
        }
        if let Some(probe) = liveness {
            let mut plan = self.plan_for(pod, container, ProbeKind::Liveness, &probe, started_at);
            plan.not_before = started;
            // Gated by a startup probe, liveness probing begins after the started instant.
            plan.inclusive = !after_startup;
            // Liveness starts as Success (§1.5).
            self.install_worker(pod, container, ProbeKind::Liveness, probe, plan, Some(true));
        }
    }

    /// Removes a container's probe workers (it stopped, or it is being stopped).
    fn drop_workers(&mut self, pod: Uid, container: usize, kinds: &[ProbeKind]) {
        // Field by field, so the agenda stays borrowable beside the container.
        let Some(c) = self
            .pods
            .get_mut(&pod)
            .and_then(|rt| rt.containers.get_mut(container))
        else {
            return;
        };
        for &kind in kinds {
            if let Some((at, _)) = c.workers[kind.index()].take().and_then(|w| w.pending) {
                self.agenda.remove(&(
                    at,
                    Deferred::Probe(WorkerKey {
                        pod,
                        container,
                        probe: kind,
                    }),
                ));
            }
        }
    }

    /// Stops a running container: preStop, TERM, KILL at the end of `grace`
    /// (k8s-semantics §3.2–3.3). The exit is planned; an earlier exit of its own wins.
    fn stop_container(
        &mut self,
        pod: Uid,
        container: usize,
        now: SimTime,
        grace: SimDuration,
        timers: &mut Vec<Timer>,
    ) {
        let Some(c) = self.container_mut(pod, container) else {
            return;
        };
        if !c.is_running() {
            return;
        }
        c.killing = true;
        let (term_at, kill_at) = stop_schedule(c, now, grace);
        let (at, exit_code) = term_exit(&c.behaviour, term_at, kill_at);
        timers.push((
            at,
            KubeletEvent::Exit {
                pod,
                container,
                instance: c.instance(),
                exit_code,
                oom_killed: false,
            },
        ));
    }

    fn container_exited(
        &mut self,
        pod: Uid,
        container: usize,
        exit_code: i32,
        oom_killed: bool,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        self.drop_workers(
            pod,
            container,
            &[
                ProbeKind::Startup,
                ProbeKind::Liveness,
                ProbeKind::Readiness,
            ],
        );
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        let restart_policy = rt.restart_policy;
        let stopping = rt.stop.is_some();
        let pod_ref = rt.pod_ref();
        let pod_name = format!("{}_{}({})", rt.key.name, rt.key.namespace, pod);
        let c = &mut rt.containers[container];
        let Phase::Running { started_at } = c.phase else {
            return Ok(());
        };
        let reason = if oom_killed {
            "OOMKilled"
        } else if exit_code == 0 {
            "Completed"
        } else {
            "Error"
        }
        .to_string();
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
        if stopping {
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
            return self.pull_or_start(pod, container, store, timers);
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

    /// Once every app container has finished for good (the pod's phase would be terminal),
    /// the kubelet stops the sidecars; the pod takes its terminal phase when they are gone.
    fn complete_if_done(
        &mut self,
        pod: Uid,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(());
        };
        if rt.stop.is_some() || rt.finished || !pod_phase(rt).is_terminal() {
            return Ok(());
        }
        self.start_stopping(pod, StopCause::Completed, store, timers)
    }

    /// Stops the pod's containers for good: app containers at once (with the pod's grace
    /// period, or what is left of it until the deletion deadline), sidecars after them.
    fn start_stopping(
        &mut self,
        pod: Uid,
        cause: StopCause,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get_mut(&pod) else {
            return Ok(());
        };
        if rt.finished {
            return Ok(());
        }
        rt.stop = Some(cause);
        let pod_ref = rt.pod_ref();
        let grace = match cause {
            StopCause::Deleted { deadline } => deadline.saturating_since(now),
            StopCause::DeadlineExceeded | StopCause::Completed => rt.grace,
            StopCause::Evicted => EVICTION_GRACE,
        };
        let mut app = Vec::new();
        for (i, c) in rt.containers.iter_mut().enumerate() {
            if !c.is_running() {
                if !matches!(c.phase, Phase::Terminated { .. }) && !c.is_init {
                    // Never started (or between restarts): nothing to stop, and no restart.
                    c.phase = Phase::NotStarted;
                }
                continue;
            }
            if !c.is_init {
                app.push((i, c.spec.name.clone()));
            }
        }
        for (i, name) in app {
            // Liveness and startup probes stop when the pod terminates; readiness goes on
            // (k8s-semantics §1.11).
            self.drop_workers(pod, i, &[ProbeKind::Startup, ProbeKind::Liveness]);
            store.event(
                pod_ref.clone(),
                EventType::Normal,
                "Killing",
                format!("Stopping container {name}"),
                SOURCE,
            );
            self.stop_container(pod, i, now, grace, timers);
        }
        self.stop_next_sidecar_with(pod, store, timers);
        self.sync_status_later(pod, store.now());
        self.finish_if_stopped(pod, store)
    }

    fn stop_next_sidecar(&mut self, pod: Uid, store: &mut Store, timers: &mut Vec<Timer>) {
        if self.pods.get(&pod).is_some_and(|rt| rt.stop.is_some()) {
            self.stop_next_sidecar_with(pod, store, timers);
        }
    }

    /// Sidecars stop after every app container has ended, one at a time in reverse order
    /// (k8s-semantics §2.9, §3.2).
    fn stop_next_sidecar_with(&mut self, pod: Uid, store: &mut Store, timers: &mut Vec<Timer>) {
        let now = store.now();
        let Some(rt) = self.pods.get(&pod) else {
            return;
        };
        if rt.app_running() {
            return;
        }
        if rt
            .containers
            .iter()
            .any(|c| c.is_sidecar && c.is_running() && c.killing)
        {
            return;
        }
        let Some(index) = (0..rt.containers.len())
            .rev()
            .find(|&i| rt.containers[i].is_sidecar && rt.containers[i].is_running())
        else {
            return;
        };
        let grace = match rt.stop {
            Some(StopCause::Deleted { deadline }) => deadline.saturating_since(now),
            Some(StopCause::Evicted) => EVICTION_GRACE,
            _ => rt.grace,
        };
        let pod_ref = rt.pod_ref();
        let name = rt.containers[index].spec.name.clone();
        self.drop_workers(pod, index, &[ProbeKind::Startup, ProbeKind::Liveness]);
        store.event(
            pod_ref,
            EventType::Normal,
            "Killing",
            format!("Stopping container {name}"),
            SOURCE,
        );
        self.stop_container(pod, index, now, grace, timers);
    }

    /// Once a stopping pod has no running container: terminal phase, then (if deleted)
    /// removal of the object.
    fn finish_if_stopped(&mut self, pod: Uid, store: &mut Store) -> Result<(), KubeletError> {
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(());
        };
        if rt.stop.is_none() || rt.finished || rt.any_running() {
            return Ok(());
        }
        let key = rt.key.clone();
        let deleted = rt.deleted();
        if let Some(rt) = self.pods.get_mut(&pod) {
            rt.finished = true;
        }
        self.write_status_now(pod, store)?;
        if deleted {
            store.remove::<Pod>(&key)?;
            self.forget(pod);
        }
        Ok(())
    }

    /// Computes the pod's status from the runtime and writes it if it differs.
    fn write_status_now(&mut self, pod: Uid, store: &mut Store) -> Result<(), KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(());
        };
        let Some(current) = store.get::<Pod>(&rt.key) else {
            return Ok(());
        };
        if current.meta.uid != pod || current.status.phase.is_terminal() {
            return Ok(());
        }
        let has_init = rt.containers.iter().any(|c| c.is_init);
        let pod_name = format!("{}_{}({})", rt.key.name, rt.key.namespace, pod);
        let mut init_statuses = Vec::new();
        let mut app_statuses = Vec::new();
        for c in &rt.containers {
            let status = container_status(c, has_init, &pod_name);
            if c.is_init {
                init_statuses.push(status);
            } else {
                app_statuses.push(status);
            }
        }
        let phase = if rt.finished {
            final_phase(rt)
        } else {
            // Since 1.27 the kubelet publishes a terminal phase only once every container
            // has stopped; until then the pod keeps the phase it has.
            Some(pod_phase(rt))
                .filter(|phase| !phase.is_terminal())
                .unwrap_or(current.status.phase)
        };
        let deadline_exceeded = rt.stop == Some(StopCause::DeadlineExceeded);
        let unready: Vec<&str> = rt
            .containers
            .iter()
            .filter(|c| (!c.is_init || c.is_sidecar) && !c.ready)
            .map(|c| c.spec.name.as_str())
            .collect();
        let incomplete: Vec<&str> = rt
            .containers
            .iter()
            .filter(|c| c.is_init && !(c.succeeded() || (c.is_sidecar && c.ever_started)))
            .map(|c| c.spec.name.as_str())
            .collect();
        let key = rt.key.clone();
        let finished = rt.finished;
        let unready_message = format!("containers with unready status: [{}]", unready.join(" "));
        let ready = unready.is_empty() && !finished;
        store.modify::<Pod, _>(&key, false, |p| {
            p.status.phase = phase;
            p.status.init_container_statuses = init_statuses;
            p.status.container_statuses = app_statuses;
            if deadline_exceeded {
                p.status.reason = "DeadlineExceeded".to_string();
                p.status.message = DEADLINE_MESSAGE.to_string();
            }
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
                } else if finished {
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

/// `has_init`: the pod has init containers, so containers that have not run yet wait as
/// `PodInitializing` rather than `ContainerCreating` (`convertToAPIContainerStatuses`).
fn container_status(c: &ContainerRuntime, has_init: bool, pod_name: &str) -> ContainerStatus {
    let waiting = |reason: &str| ContainerState::Waiting {
        reason: reason.to_string(),
        message: String::new(),
    };
    let state = match &c.phase {
        Phase::NotStarted | Phase::Pulling if has_init => waiting("PodInitializing"),
        Phase::NotStarted | Phase::Pulling => waiting("ContainerCreating"),
        Phase::ConfigError { message, .. } => ContainerState::Waiting {
            reason: "CreateContainerConfigError".to_string(),
            message: message.clone(),
        },
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
                "back-off {delay} restarting failed container={} pod={pod_name}",
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

/// The phase of a pod whose containers have all stopped for good.
fn final_phase(rt: &PodRuntime) -> PodPhase {
    match rt.stop {
        Some(StopCause::DeadlineExceeded | StopCause::Evicted) => PodPhase::Failed,
        Some(StopCause::Completed) | None => pod_phase(rt),
        Some(StopCause::Deleted { .. }) => {
            let all_ok = rt
                .containers
                .iter()
                .filter(|c| !c.is_init)
                .all(ContainerRuntime::succeeded);
            if all_ok {
                PodPhase::Succeeded
            } else {
                PodPhase::Failed
            }
        }
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
        if restarting || rt.restart_policy == RestartPolicy::Always && rt.stop.is_none() {
            return PodPhase::Running;
        }
        if stopped == succeeded {
            return PodPhase::Succeeded;
        }
        if rt.restart_policy == RestartPolicy::Never || rt.stop.is_some() {
            return PodPhase::Failed;
        }
        return PodPhase::Running;
    }
    PodPhase::Pending
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(millis)
    }

    #[test]
    fn mount_retries_double_from_half_a_second_to_two_minutes() {
        let since = at(1_000);
        // Attempts at since + 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 127.5, 249.5 (the
        // wait reached 122 s), 371.5 s ...
        assert_eq!(next_mount_retry(since, since), since);
        assert_eq!(next_mount_retry(since, at(1_001)), at(1_500));
        assert_eq!(next_mount_retry(since, at(21_000)), at(32_500));
        assert_eq!(next_mount_retry(since, at(128_500)), at(128_500));
        assert_eq!(next_mount_retry(since, at(128_501)), at(250_500));
        assert_eq!(next_mount_retry(since, at(300_000)), at(372_500));
        assert_eq!(
            next_mount_retry(since, at(10_000_000)),
            at(250_500 + 122_000 * 80)
        );
    }
}
