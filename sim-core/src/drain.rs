//! `kubectl drain` as a simulation actor (k8s-semantics §6.6; kubectl@1.36 `pkg/drain`,
//! `pkg/cmd/drain`).
//!
//! A drain is a small state machine the simulation drives with timers: [`Drain::start`]
//! cordons the node, lists its pods, runs kubectl's filters (mirror pods skipped; DaemonSet
//! pods an error unless `ignoreDaemonsets`; pods with `emptyDir` an error unless
//! `deleteEmptydirData`; pods without a controller an error unless `force`; finished pods
//! always removable) and, if no filter failed, evicts every remaining pod *in parallel*
//! through [`crate::eviction::evict`]. Each pod then goes its own way, as kubectl's
//! goroutines do: a 429 is retried [`EVICTION_RETRY`] later, forever unless `timeout` is set;
//! after a successful eviction the drain polls every [`DELETE_POLL`] until the pod object is
//! gone or replaced (another uid). [`Drain::step`] runs whatever is due at the current
//! instant and says when to wake next; nothing runs between those instants.
//!
//! Every line kubectl would print is a timeline record (source `kubectl`) on the node or the
//! pod: `node/A cordoned`, `evicting pod default/p1`, `error when evicting pods/"p2" -n
//! "default" (will retry after 5s): Cannot evict pod as it would violate the pod's
//! disruption budget.`, `pod/p1 evicted`, `node/A drained`, or the error that ended it.

use crate::eviction::{evict, EvictionOptions};
use crate::objects::{Kind, Node, ObjectKey, ObjectRef, Pod, PodPhase, Uid, VolumeSource};
use crate::selector::LabelSelector;
use crate::store::{DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

/// How long kubectl waits before retrying an eviction answered 429 (`EvictErrorRetryDelay`).
pub const EVICTION_RETRY: SimDuration = SimDuration::from_secs(5);
/// How often kubectl checks whether an evicted or deleted pod is gone.
pub const DELETE_POLL: SimDuration = SimDuration::from_secs(1);
/// The annotation of a mirror (static) pod, which drain skips.
pub const MIRROR_POD_ANNOTATION: &str = "kubernetes.io/config.mirror";

const SOURCE: &str = "kubectl";
const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str = "Pods declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";

/// kubectl drain's flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DrainOptions {
    /// The node.
    pub node: String,
    /// `--ignore-daemonsets`.
    pub ignore_daemonsets: bool,
    /// `--delete-emptydir-data`.
    pub delete_emptydir_data: bool,
    /// `--force`: also delete pods without a controller.
    pub force: bool,
    /// `--grace-period`; `None` is -1, each pod's own `terminationGracePeriodSeconds`.
    pub grace_period_seconds: Option<u64>,
    /// `--timeout`; `None` (0) waits forever.
    pub timeout: Option<SimDuration>,
    /// `--disable-eviction`: plain deletes, which bypass PodDisruptionBudgets.
    pub disable_eviction: bool,
    /// `--pod-selector`: only these pods.
    pub pod_selector: Option<LabelSelector>,
}

impl DrainOptions {
    /// The kubectl command line.
    pub fn command_line(&self) -> String {
        let mut text = format!("kubectl drain {}", self.node);
        if self.ignore_daemonsets {
            text.push_str(" --ignore-daemonsets");
        }
        if self.delete_emptydir_data {
            text.push_str(" --delete-emptydir-data");
        }
        if self.force {
            text.push_str(" --force");
        }
        if let Some(g) = self.grace_period_seconds {
            text.push_str(&format!(" --grace-period={g}"));
        }
        if let Some(t) = self.timeout {
            text.push_str(&format!(" --timeout={t}"));
        }
        if self.disable_eviction {
            text.push_str(" --disable-eviction");
        }
        if let Some(s) = &self.pod_selector {
            text.push_str(&format!(" --pod-selector={s}"));
        }
        text
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PodState {
    /// The next eviction attempt is due at this time.
    Evict(SimTime),
    /// Evicted (or deleted): polling for the object with this uid to go.
    Wait { uid: Uid, next_poll: SimTime },
    /// Gone.
    Done,
    /// Gave up with this error.
    Failed(String),
}

#[derive(Debug, Clone)]
struct DrainPod {
    key: ObjectKey,
    state: PodState,
}

/// One `kubectl drain` under way.
#[derive(Debug, Clone)]
pub struct Drain {
    options: DrainOptions,
    deadline: Option<SimTime>,
    pods: Vec<DrainPod>,
    finished: bool,
}

/// How a filter judged a pod.
enum Verdict {
    Delete(Option<String>),
    Skip(Option<String>),
    Error(String),
}

impl Drain {
    /// Cordons the node, filters its pods and sends the first evictions (or deletes). Returns
    /// the drain and when it wants to run next (`None`: it is already over).
    pub fn start(store: &mut Store, options: DrainOptions) -> (Drain, Option<SimTime>) {
        let now = store.now();
        let mut drain = Drain {
            deadline: options.timeout.map(|t| now + t),
            options,
            pods: Vec::new(),
            finished: false,
        };
        let node_key = ObjectKey::cluster(drain.options.node.clone());
        let node_ref = ObjectRef::new(Kind::Node, node_key.clone());
        let Some(node) = store.get::<Node>(&node_key) else {
            drain.fail(
                store,
                format!(
                    "Error from server (NotFound): nodes {:?} not found",
                    drain.options.node
                ),
            );
            return (drain, None);
        };
        let line = if node.unschedulable {
            format!("node/{} already cordoned", drain.options.node)
        } else {
            format!("node/{} cordoned", drain.options.node)
        };
        if !node.unschedulable {
            // The node exists: the write cannot be refused.
            let _ = store.modify::<Node, _>(&node_key, true, |n| n.unschedulable = true);
        }
        store.event(node_ref.clone(), EventType::Normal, "Cordon", line, SOURCE);

        // getPodsForDeletion: every pod bound to the node (matching --pod-selector), in the
        // API's list order, through the filters.
        let mut errors: Vec<(String, Vec<String>)> = Vec::new();
        let mut warnings: Vec<(String, Vec<String>)> = Vec::new();
        let mut deletable = Vec::new();
        for pod in store.list::<Pod>() {
            if pod.spec.node_name.as_deref() != Some(drain.options.node.as_str()) {
                continue;
            }
            if let Some(selector) = &drain.options.pod_selector {
                if !selector.matches(&pod.meta.labels) {
                    continue;
                }
            }
            let name = format!("{}/{}", pod.meta.namespace, pod.meta.name);
            let (delete, message, fatal) = match drain.judge(store, pod) {
                Verdict::Delete(w) => (true, w, false),
                Verdict::Skip(w) => (false, w, false),
                Verdict::Error(e) => (false, Some(e), true),
            };
            if let Some(message) = message {
                let list = if fatal { &mut errors } else { &mut warnings };
                match list.iter_mut().find(|(m, _)| *m == message) {
                    Some((_, pods)) => pods.push(name),
                    None => list.push((message, vec![name])),
                }
            }
            if delete {
                deletable.push(pod.meta.key());
            }
        }
        if !errors.is_empty() {
            // kubectl groups the pods by message (in map order; here in filter order).
            let order = [DAEMONSET_FATAL, LOCAL_STORAGE_FATAL, UNMANAGED_FATAL];
            errors.sort_by_key(|(m, _)| order.iter().position(|o| o == m).unwrap_or(usize::MAX));
            let errs: Vec<String> = errors
                .iter()
                .map(|(m, pods)| format!("cannot delete {m}: {}", pods.join(", ")))
                .collect();
            drain.fail(store, aggregate(&errs));
            return (drain, None);
        }
        if !warnings.is_empty() {
            let text: Vec<String> = warnings
                .iter()
                .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
                .collect();
            store.event(
                node_ref,
                EventType::Warning,
                "DrainWarning",
                format!("Warning: {}", text.join("; ")),
                SOURCE,
            );
        }
        if drain.options.disable_eviction {
            for key in &deletable {
                let uid = store.get::<Pod>(key).map(|p| p.meta.uid);
                match store.delete_pod(
                    key,
                    DeleteOptions {
                        grace_period_seconds: drain.options.grace_period_seconds,
                    },
                ) {
                    Ok(_) | Err(crate::store::ApiError::NotFound { .. }) => {}
                    Err(error) => {
                        drain.fail(store, error.to_string());
                        return (drain, None);
                    }
                }
                drain.pods.push(DrainPod {
                    key: key.clone(),
                    state: match uid {
                        Some(uid) => PodState::Wait {
                            uid,
                            next_poll: now,
                        },
                        None => PodState::Done,
                    },
                });
            }
        } else {
            drain.pods = deletable
                .into_iter()
                .map(|key| DrainPod {
                    key,
                    state: PodState::Evict(now),
                })
                .collect();
        }
        let next = drain.step(store);
        (drain, next)
    }

    /// Whether the drain has ended (drained or failed).
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// The options it runs with.
    pub fn options(&self) -> &DrainOptions {
        &self.options
    }

    /// kubectl's filters for one pod, in kubectl's order; the last verdict that does not
    /// skip the pod stands (kubectl's own TODO: earlier warnings are dropped).
    fn judge(&self, store: &Store, pod: &Pod) -> Verdict {
        let finished = matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed);
        let controller = pod.meta.controller_ref();
        // daemonSetFilter
        let mut verdict = Verdict::Delete(None);
        if let Some(owner) = controller.filter(|o| o.kind == Kind::DaemonSet) {
            if !finished {
                let exists = store
                    .get::<crate::objects::DaemonSet>(&ObjectKey::new(
                        pod.meta.namespace.clone(),
                        owner.name.clone(),
                    ))
                    .is_some();
                if !exists {
                    // The Get's NotFound error; --force removes the orphan with a warning.
                    let message = format!("daemonsets.apps {:?} not found", owner.name);
                    if !self.options.force {
                        return Verdict::Error(message);
                    }
                    verdict = Verdict::Delete(Some(message));
                } else if !self.options.ignore_daemonsets {
                    return Verdict::Error(DAEMONSET_FATAL.to_string());
                } else {
                    return Verdict::Skip(Some(DAEMONSET_WARNING.to_string()));
                }
            }
        }
        // mirrorPodFilter
        if pod.meta.annotations.contains_key(MIRROR_POD_ANNOTATION) {
            return Verdict::Skip(None);
        }
        // localStorageFilter
        let local_storage = pod
            .spec
            .volumes
            .iter()
            .any(|v| matches!(v.source, VolumeSource::EmptyDir));
        if local_storage && !finished {
            if !self.options.delete_emptydir_data {
                return Verdict::Error(LOCAL_STORAGE_FATAL.to_string());
            }
            verdict = Verdict::Delete(Some(LOCAL_STORAGE_WARNING.to_string()));
        }
        // unreplicatedFilter
        if finished {
            return Verdict::Delete(None);
        }
        if controller.is_some() {
            // The warning of the local-storage filter is dropped here, as in kubectl.
            return match verdict {
                Verdict::Delete(_) => Verdict::Delete(None),
                other => other,
            };
        }
        if self.options.force {
            return Verdict::Delete(Some(UNMANAGED_WARNING.to_string()));
        }
        Verdict::Error(UNMANAGED_FATAL.to_string())
    }

    /// Runs what is due now; returns when to run next (`None`: the drain is over).
    pub fn step(&mut self, store: &mut Store) -> Option<SimTime> {
        if self.finished {
            return None;
        }
        let now = store.now();
        let timed_out = self.deadline.is_some_and(|d| now >= d);
        let timeout_text = self
            .options
            .timeout
            .unwrap_or(SimDuration::ZERO)
            .to_string();
        let options = EvictionOptions {
            grace_period_seconds: self.options.grace_period_seconds,
        };
        let using_eviction = !self.options.disable_eviction;
        for i in 0..self.pods.len() {
            let key = self.pods[i].key.clone();
            let pod_ref = ObjectRef::new(Kind::Pod, key.clone());
            if let PodState::Evict(at) = self.pods[i].state {
                if at > now {
                    continue;
                }
                store.event(
                    pod_ref.clone(),
                    EventType::Normal,
                    "Evicting",
                    format!("evicting pod {}/{}", key.namespace, key.name),
                    SOURCE,
                );
                if timed_out {
                    self.pods[i].state = PodState::Failed(format!(
                        "error when evicting pods/{:?} -n {:?}: global timeout reached: {timeout_text}",
                        key.name, key.namespace
                    ));
                    continue;
                }
                let uid = store.get::<Pod>(&key).map(|p| p.meta.uid);
                match (evict(store, &key, options), uid) {
                    (Ok(_), Some(uid)) => {
                        self.pods[i].state = PodState::Wait {
                            uid,
                            next_poll: now,
                        };
                    }
                    (Ok(_), None) => self.pods[i].state = PodState::Done,
                    (Err(e), _) if e.is_not_found() => self.pods[i].state = PodState::Done,
                    (Err(e), _) if e.is_too_many_requests() => {
                        store.event(
                            pod_ref.clone(),
                            EventType::Warning,
                            "TooManyRequests",
                            format!(
                                "error when evicting pods/{:?} -n {:?} (will retry after {EVICTION_RETRY}): {e}",
                                key.name, key.namespace
                            ),
                            SOURCE,
                        );
                        self.pods[i].state = PodState::Evict(now + EVICTION_RETRY);
                    }
                    (Err(e), _) => {
                        self.pods[i].state = PodState::Failed(format!(
                            "error when evicting pods/{:?} -n {:?}: {e}",
                            key.name, key.namespace
                        ));
                    }
                }
            }
            if let PodState::Wait { uid, next_poll } = self.pods[i].state {
                if next_poll > now && !timed_out {
                    continue;
                }
                let gone = store.get::<Pod>(&key).is_none_or(|p| p.meta.uid != uid);
                if gone {
                    let verb = if using_eviction { "evicted" } else { "deleted" };
                    store.event(
                        pod_ref,
                        EventType::Normal,
                        if using_eviction {
                            "PodEvicted"
                        } else {
                            "PodDeleted"
                        },
                        format!("pod/{} {verb}", key.name),
                        SOURCE,
                    );
                    self.pods[i].state = PodState::Done;
                } else if timed_out {
                    self.pods[i].state = PodState::Failed(if using_eviction {
                        format!(
                            "error when waiting for pod {:?} in namespace {:?} to terminate: context deadline exceeded",
                            key.name, key.namespace
                        )
                    } else {
                        "context deadline exceeded".to_string()
                    });
                } else {
                    self.pods[i].state = PodState::Wait {
                        uid,
                        next_poll: now + DELETE_POLL,
                    };
                }
            }
        }
        let mut next: Option<SimTime> = None;
        let mut waiting = false;
        for pod in &self.pods {
            let at = match pod.state {
                PodState::Evict(at) => at,
                PodState::Wait { next_poll, .. } => next_poll,
                PodState::Done | PodState::Failed(_) => continue,
            };
            waiting = true;
            next = Some(next.map_or(at, |n: SimTime| n.min(at)));
        }
        if waiting {
            // A wait for deletion gives up at the deadline itself; an eviction retry checks
            // it only when it wakes.
            if let (Some(deadline), true) = (
                self.deadline,
                self.pods
                    .iter()
                    .any(|p| matches!(p.state, PodState::Wait { .. })),
            ) {
                next = next.map(|n| n.min(deadline));
            }
            return next;
        }
        let errors: Vec<String> = self
            .pods
            .iter()
            .filter_map(|p| match &p.state {
                PodState::Failed(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        if errors.is_empty() {
            self.finished = true;
            store.event(
                ObjectRef::new(Kind::Node, ObjectKey::cluster(self.options.node.clone())),
                EventType::Normal,
                "Drained",
                format!("node/{} drained", self.options.node),
                SOURCE,
            );
        } else {
            let text = aggregate(&errors);
            self.fail(store, text);
        }
        None
    }

    fn fail(&mut self, store: &mut Store, error: String) {
        self.finished = true;
        store.event(
            ObjectRef::new(Kind::Node, ObjectKey::cluster(self.options.node.clone())),
            EventType::Warning,
            "DrainFailed",
            format!(
                "error: unable to drain node {:?} due to error:{error}, continuing command...",
                self.options.node
            ),
            SOURCE,
        );
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one error alone, several in brackets.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}
