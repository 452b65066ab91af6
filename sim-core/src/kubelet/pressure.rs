//! What the kubelet's eviction manager needs from the pod runtimes: each pod's memory
//! working set at an instant (from the behaviour model's `memory` and
//! `memoryGrowthPerSecond`), and the eviction of one pod (k8s-semantics §10.3).

use super::{
    ConditionStatus, EventType, Kind, KubeletError, Kubelets, ObjectKey, ObjectRef, Phase, Pod,
    PodConditionType, PodPhase, StopCause, Store, Timer, Uid, SOURCE,
};
use crate::objects::{tolerated, Node, Taint, TaintEffect};
use crate::time::{SimDuration, SimTime};

/// The grace period of a hard eviction (`immediateEvictionGracePeriodSeconds`; the docs say
/// 0 s, the code gives 1 s).
pub const EVICTION_GRACE: SimDuration = SimDuration::from_secs(1);

/// One container's memory at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerMemoryUse {
    /// Container name.
    pub name: String,
    /// Working set, in bytes (the process's memory, capped at the container's limit).
    pub working_set_bytes: u64,
    /// Growth per second from now on, in bytes (0 once at its limit).
    pub growth_per_second: u64,
    /// `resources.requests.memory` in bytes.
    pub request_bytes: u64,
}

/// One pod's memory at an instant, as the eviction manager's summary stats see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodMemoryUse {
    /// Pod uid.
    pub pod: Uid,
    /// Namespace and name.
    pub key: ObjectKey,
    /// Its running containers (regular and init containers alike).
    pub containers: Vec<ContainerMemoryUse>,
    /// The pod is already stopping (deleted, evicted, finished): not a candidate.
    pub stopping: bool,
}

impl PodMemoryUse {
    /// Σ working sets.
    pub fn working_set_bytes(&self) -> u64 {
        self.containers
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(c.working_set_bytes))
    }

    /// Σ growth per second.
    pub fn growth_per_second(&self) -> u64 {
        self.containers
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(c.growth_per_second))
    }
}

impl Kubelets {
    /// The memory of the pods `uids` (those the kubelet of one node runs), at `at`, in the
    /// order given; pods the kubelets do not run, or whose containers have all stopped for
    /// good, are left out.
    pub fn memory_of<'a>(
        &self,
        uids: impl IntoIterator<Item = &'a Uid>,
        at: SimTime,
    ) -> Vec<PodMemoryUse> {
        uids.into_iter()
            .filter_map(|uid| self.pods.get_key_value(uid))
            .filter(|(_, rt)| !rt.finished)
            .map(|(uid, rt)| PodMemoryUse {
                pod: *uid,
                key: rt.key.clone(),
                stopping: rt.stop.is_some(),
                containers: rt
                    .containers
                    .iter()
                    .filter_map(|c| {
                        let (working_set_bytes, growth_per_second) = container_memory(c, at)?;
                        Some(ContainerMemoryUse {
                            name: c.spec.name.clone(),
                            working_set_bytes,
                            growth_per_second,
                            request_bytes: c.spec.requests.memory_bytes,
                        })
                    })
                    .collect(),
            })
            .collect()
    }

    /// Σ working sets and Σ growth per second of the pods `uids` at `at`, the totals of
    /// [`Kubelets::memory_of`] without building it (the eviction manager's planning runs on
    /// every change of a node's pods).
    pub fn memory_totals<'a>(
        &self,
        uids: impl IntoIterator<Item = &'a Uid>,
        at: SimTime,
    ) -> (u64, u64) {
        let mut totals = (0u64, 0u64);
        for rt in uids
            .into_iter()
            .filter_map(|uid| self.pods.get(uid))
            .filter(|rt| !rt.finished)
        {
            for (bytes, growth) in rt.containers.iter().filter_map(|c| container_memory(c, at)) {
                totals.0 = totals.0.saturating_add(bytes);
                totals.1 = totals.1.saturating_add(growth);
            }
        }
        totals
    }

    /// The eviction manager's `evictPod`: the pod gets `DisruptionTarget=True` (reason
    /// `TerminationByKubelet`), `status.reason: Evicted` and `message`, an `Evicted`
    /// warning event, and its containers are stopped with [`EVICTION_GRACE`]; once they
    /// have stopped the pod is Failed. Returns whether the pod was evicted (a pod already
    /// stopping is not).
    pub fn evict_pod(
        &mut self,
        pod: Uid,
        message: &str,
        store: &mut Store,
        timers: &mut Vec<Timer>,
    ) -> Result<bool, KubeletError> {
        let now = store.now();
        let Some(rt) = self.pods.get(&pod) else {
            return Ok(false);
        };
        if rt.finished || rt.stop.is_some() {
            return Ok(false);
        }
        let key = rt.key.clone();
        let pod_ref = rt.pod_ref();
        if store.get::<Pod>(&key).is_none_or(|p| p.meta.uid != pod) {
            return Ok(false);
        }
        store.event(
            pod_ref,
            EventType::Warning,
            "Evicted",
            message.to_string(),
            SOURCE,
        );
        store.modify::<Pod, _>(&key, false, |p| {
            p.status.set_condition(
                PodConditionType::DisruptionTarget,
                ConditionStatus::True,
                "TerminationByKubelet",
                message,
                now,
            );
            p.status.reason = "Evicted".to_string();
            p.status.message = message.to_string();
        })?;
        self.start_stopping(pod, StopCause::Evicted, store, timers)?;
        Ok(true)
    }
}

/// The eviction manager's admit handler (`managerImpl.Admit`): while the node reports
/// `MemoryPressure`, a BestEffort pod that is not critical and does not tolerate the
/// `node.kubernetes.io/memory-pressure:NoSchedule` taint is rejected. Returns the rejection
/// message, or `None` to admit.
pub(super) fn admission_rejection(pod: &Pod, store: &Store) -> Option<String> {
    if pod.spec.priority >= crate::node_pressure::SYSTEM_CRITICAL_PRIORITY {
        return None;
    }
    let best_effort = pod
        .spec
        .containers
        .iter()
        .chain(&pod.spec.init_containers)
        .all(|c| {
            c.requests.cpu_millis == 0
                && c.requests.memory_bytes == 0
                && c.limits.cpu_millis == 0
                && c.limits.memory_bytes == 0
        });
    let taint = Taint {
        key: crate::controllers::taint_by_condition::MEMORY_PRESSURE_TAINT.to_string(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
    };
    if !best_effort || tolerated(&pod.spec.tolerations, &taint) {
        return None;
    }
    // Only now the node: most pods are not BestEffort, and this runs for every admission.
    let node = store.get::<Node>(&ObjectKey::cluster(pod.spec.node_name.clone()?))?;
    if node.memory_pressure != ConditionStatus::True {
        return None;
    }
    Some("The node had condition: [MemoryPressure]. ".to_string())
}

/// A pod the kubelet refuses to admit: phase Failed, reason `Evicted`, the message, and a
/// warning event, as `rejectPod` writes them.
pub(super) fn reject(pod: &Pod, message: &str, store: &mut Store) -> Result<(), KubeletError> {
    let key = pod.meta.key();
    store.event(
        ObjectRef::new(Kind::Pod, key.clone()),
        EventType::Warning,
        "Evicted",
        message.to_string(),
        SOURCE,
    );
    store.modify::<Pod, _>(&key, false, |p| {
        p.status.phase = PodPhase::Failed;
        p.status.reason = "Evicted".to_string();
        p.status.message = message.to_string();
    })?;
    Ok(())
}

/// A running container's working set at `at` and its growth per second; memory stops
/// growing at the container's limit. `None` when the container is not running.
fn container_memory(c: &super::ContainerRuntime, at: SimTime) -> Option<(u64, u64)> {
    let Phase::Running { started_at } = c.phase else {
        return None;
    };
    let elapsed = u128::from(at.saturating_since(started_at).as_millis());
    let grown = u128::from(c.behaviour.memory_growth_per_second) * elapsed / 1000;
    let mut bytes = u128::from(c.behaviour.memory) + grown;
    let limit = c.spec.limits.memory_bytes;
    let mut growth = c.behaviour.memory_growth_per_second;
    if limit > 0 && bytes >= u128::from(limit) {
        bytes = u128::from(limit);
        growth = 0;
    }
    Some((u64::try_from(bytes).unwrap_or(u64::MAX), growth))
}
