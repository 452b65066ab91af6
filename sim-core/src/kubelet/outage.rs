//! Kubelets cut off from the control plane (k8s-semantics §7.1, §7.6): a crashed machine, a
//! stopped kubelet, a network partition.
//!
//! While a node is out, its kubelet neither reports nor hears anything: its timers and
//! deferred work are held, and store changes about its pods are ignored. When it comes
//! back, the kubelet reconciles with the API server as a restarted kubelet does:
//!
//! * **kubelet stop / partition**: the containers ran on. The held work is run at the
//!   recovery instant (so an exit that happened during the outage is reported when the
//!   node comes back), probe workers restart their runs from that instant, pods deleted
//!   meanwhile are killed with their grace period and disappear, pods bound to the node
//!   meanwhile are admitted, and every pod's status is written again (Ready comes back).
//! * **crash**: the containers died with the machine. At recovery the kubelet re-creates
//!   the containers of the pods still bound to it (restartCount + 1 for every container
//!   that had run, last state `Unknown`, exit code 255); pods deleted meanwhile have nothing
//!   left to stop and are removed at once.

use crate::objects::{ContainerState, NodeFailureMode, Pod, Uid};
use crate::store::Store;
use crate::time::SimTime;

use super::{Deferred, KubeletError, KubeletEvent, Kubelets, Phase, StopCause, Timer};

/// One node's outage.
#[derive(Debug, Clone)]
pub(super) struct Outage {
    mode: NodeFailureMode,
    since: SimTime,
    /// Timers that came due while the node was out, in the order they came.
    held: Vec<KubeletEvent>,
    /// Deferred work (probe wake-ups, status writes) that came due meanwhile.
    held_deferred: Vec<Deferred>,
}

impl Kubelets {
    /// Whether `node`'s kubelet is cut off now.
    pub fn node_offline(&self, node: &str) -> bool {
        self.outages.contains_key(node)
    }

    fn offline_node_of(&self, pod: Uid) -> Option<String> {
        let node = &self.pods.get(&pod)?.node;
        self.outages.contains_key(node).then(|| node.clone())
    }

    /// Holds `event` if its pod's node is out; returns whether it did.
    pub(super) fn hold_event(&mut self, event: &KubeletEvent) -> bool {
        let pod = match event {
            KubeletEvent::PullFinished { pod, .. }
            | KubeletEvent::BackOffExpired { pod, .. }
            | KubeletEvent::Exit { pod, .. }
            | KubeletEvent::ConfigRetry { pod, .. }
            | KubeletEvent::MountRetry { pod }
            | KubeletEvent::ActiveDeadline { pod } => *pod,
        };
        let Some(node) = self.offline_node_of(pod) else {
            return false;
        };
        if let Some(outage) = self.outages.get_mut(&node) {
            outage.held.push(event.clone());
        }
        true
    }

    /// Holds a deferred entry if its pod's node is out; returns whether it did.
    pub(super) fn hold_deferred(&mut self, deferred: Deferred) -> bool {
        let pod = match deferred {
            Deferred::Probe(key) => key.pod,
            Deferred::SyncStatus(pod) => pod,
        };
        let Some(node) = self.offline_node_of(pod) else {
            return false;
        };
        if let Some(outage) = self.outages.get_mut(&node) {
            outage.held_deferred.push(deferred);
        }
        true
    }

    /// Kills one running container of a pod as the kernel would (SIGKILL, exit code 137);
    /// the pod's restart policy applies. Returns whether a running container was found.
    pub fn kill_container(
        &mut self,
        pod: Uid,
        container: &str,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<bool, KubeletError> {
        let Some((index, instance)) = self.pods.get(&pod).and_then(|rt| {
            rt.containers
                .iter()
                .position(|c| c.spec.name == container && c.is_running())
                .map(|i| (i, rt.containers[i].instance()))
        }) else {
            return Ok(false);
        };
        self.handle(
            KubeletEvent::Exit {
                pod,
                container: index,
                instance,
                exit_code: super::EXIT_KILLED,
                oom_killed: false,
            },
            store,
            timers,
        )?;
        Ok(true)
    }

    /// `node`'s kubelet stops talking to the control plane at `now` (`mode` says whether
    /// its containers die with it). A node already out keeps its first outage.
    pub fn node_down(&mut self, node: &str, mode: NodeFailureMode, now: SimTime) {
        if self.outages.contains_key(node) {
            return;
        }
        self.outages.insert(
            node.to_string(),
            Outage {
                mode,
                since: now,
                held: Vec::new(),
                held_deferred: Vec::new(),
            },
        );
    }

    /// `node`'s kubelet is back at `store.now()`: it reconciles with the API server (see
    /// the module documentation).
    pub fn node_up(
        &mut self,
        node: &str,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<(), KubeletError> {
        let Some(outage) = self.outages.remove(node) else {
            return Ok(());
        };
        let now = store.now();
        let ours: Vec<Uid> = self
            .pods
            .iter()
            .filter(|(_, rt)| rt.node == node)
            .map(|(uid, _)| *uid)
            .collect();
        if outage.mode == NodeFailureMode::Crash {
            // The machine rebooted: every container is gone. Remember how often each had
            // run, so the re-created containers count the restart.
            for uid in &ours {
                if let Some(rt) = self.pods.get(uid) {
                    let counts = rt
                        .containers
                        .iter()
                        .map(|c| {
                            let started_at = match c.phase {
                                Phase::Running { started_at } => Some(started_at),
                                _ => None,
                            };
                            match started_at {
                                Some(started_at) => (
                                    c.restart_count + 1,
                                    Some(ContainerState::Terminated {
                                        exit_code: 255,
                                        reason: "Unknown".to_string(),
                                        started_at,
                                        finished_at: outage.since,
                                    }),
                                ),
                                None if c.has_run() => {
                                    (c.restart_count + 1, c.last_terminated.clone())
                                }
                                None => (c.restart_count, c.last_terminated.clone()),
                            }
                        })
                        .collect();
                    self.readmit.insert(*uid, counts);
                }
                self.forget(*uid);
            }
        } else {
            // The containers ran on: catch up with what happened meanwhile.
            for event in outage.held {
                self.handle(event, store, timers)?;
            }
            for deferred in outage.held_deferred {
                if let Deferred::Probe(key) = deferred {
                    if let Some(worker) = self
                        .pods
                        .get_mut(&key.pod)
                        .and_then(|rt| rt.containers.get_mut(key.container))
                        .and_then(|c| c.workers[key.probe.index()].as_mut())
                    {
                        worker.pending = None;
                        worker.run = None;
                        worker.last_tick = Some(now);
                    }
                    self.plan_wakeup(key);
                }
            }
        }
        // Reconcile with the API server: what is bound here now.
        let bound: Vec<Pod> = store
            .list::<Pod>()
            .filter(|p| p.spec.node_name.as_deref() == Some(node))
            .cloned()
            .collect();
        let known: Vec<Uid> = self
            .pods
            .iter()
            .filter(|(_, rt)| rt.node == node)
            .map(|(uid, _)| *uid)
            .collect();
        for uid in known {
            if !bound.iter().any(|p| p.meta.uid == uid) {
                // Force-deleted while the node was away: the kubelet kills what is left.
                self.forget(uid);
            }
        }
        for pod in bound {
            let uid = pod.meta.uid;
            if self.pods.contains_key(&uid) {
                if pod.meta.deletion_timestamp.is_some()
                    && self.pods.get(&uid).is_some_and(|rt| !rt.deleted())
                {
                    // Deleted while away: killed with the pod's grace period from now.
                    let grace = pod
                        .meta
                        .deletion_grace_period_seconds
                        .unwrap_or(pod.spec.termination_grace_period_seconds);
                    let deadline = now + crate::time::SimDuration::from_secs(grace);
                    self.start_stopping(uid, StopCause::Deleted { deadline }, store, timers)?;
                }
                self.sync_status_later(uid, now);
                continue;
            }
            if pod.status.phase.is_terminal() {
                continue;
            }
            if pod.meta.deletion_timestamp.is_some() && self.readmit.contains_key(&uid) {
                // Nothing survived the crash: the deletion completes at once.
                self.readmit.remove(&uid);
                store.remove::<Pod>(&pod.meta.key())?;
                continue;
            }
            self.admit(&pod, store, timers)?;
            self.readmit.remove(&uid);
        }
        Ok(())
    }
}
