//! The Job controller (k8s `pkg/controller/job`, v1.36; k8s-semantics §8.5–8.8).
//!
//! Each sync counts the pods that finished since the last one (once each, as the real
//! controller does with its `batch.kubernetes.io/job-tracking` finalizer: a pod that vanishes
//! before it was seen finished counts as failed), applies the pod failure policy, decides
//! whether the Job has met its success criteria or must fail, and otherwise keeps
//! `min(parallelism, completions − succeeded)` pods active, waiting out the pod-failure
//! back-off before it replaces failed pods.
//!
//! Terminal conditions follow 1.31+: first `SuccessCriteriaMet` or `FailureTarget`, then the
//! remaining pods are terminated, and `Complete` / `Failed` is added once none is left.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::{
    CompletionMode, ConditionStatus, ContainerState, Job, JobCondition, JobStatus, Kind, ObjectKey,
    ObjectMeta, ObjectRef, OwnerReference, Pod, PodFailurePolicyAction, PodPhase,
    PodReplacementPolicy, PodStatus, RestartPolicy, Uid, JOB_COMPLETION_INDEX,
};
use crate::store::{Change, DeleteOptions, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::replicaset::owned_pods;
use super::{create_or_report, wake_owner_or_self, Action, Context, Controller, ReconcileError};

/// First delay before a failed pod is replaced (`DefaultJobPodFailureBackOff`).
pub const POD_FAILURE_BACKOFF_INITIAL: SimDuration = SimDuration(10_000);
/// Cap of that delay. The Job documentation says 6 minutes; v1.36's code
/// (`MaxJobPodFailureBackOff`) says 10 minutes, and the code is what runs (k8s-semantics
/// §8.6 [doc≠code]). With the default backoffLimit of 6 it is never reached.
pub const POD_FAILURE_BACKOFF_MAX: SimDuration = SimDuration(600_000);

const SOURCE: &str = "job-controller";

/// The delay before the next pod after `failures` consecutive failures (since the last
/// success): `10 s × 2^(failures−1)`, capped; zero without failures.
pub fn pod_failure_backoff(failures: u32) -> SimDuration {
    if failures == 0 {
        return SimDuration::ZERO;
    }
    let shift = (failures - 1).min(20);
    let delay = POD_FAILURE_BACKOFF_INITIAL.0.saturating_mul(1 << shift);
    SimDuration(delay.min(POD_FAILURE_BACKOFF_MAX.0))
}

/// What the controller remembers of one pod of a Job.
#[derive(Debug, Clone)]
struct TrackedPod {
    phase: PodPhase,
    /// Counted in `succeeded`/`failed` (or deliberately not counted) already.
    counted: bool,
    /// Deleted by the controller because the Job was suspended: not a failure.
    suspended: bool,
}

/// What the controller remembers of one Job: its pods and its back-off record.
#[derive(Debug, Clone, Default)]
struct Tracking {
    uid: Uid,
    pods: BTreeMap<Uid, TrackedPod>,
    /// Failures counted since the last success (`backoffRecord.failuresAfterLastSuccess`).
    failures_since_success: u32,
    /// When the last counted failure was seen.
    last_failure: Option<SimTime>,
}

/// The controller. Its memory stands in for the job-tracking finalizers on pods.
#[derive(Debug, Default)]
pub struct JobController {
    tracking: BTreeMap<ObjectKey, Tracking>,
}

/// A terminal decision: the condition type to add first, its final type, reason, message.
#[derive(Debug, Clone)]
struct Verdict {
    target: &'static str,
    final_type: &'static str,
    reason: String,
    message: String,
}

impl Verdict {
    fn failed(reason: &str, message: String) -> Verdict {
        Verdict {
            target: "FailureTarget",
            final_type: "Failed",
            reason: reason.to_string(),
            message,
        }
    }

    fn succeeded() -> Verdict {
        Verdict {
            target: "SuccessCriteriaMet",
            final_type: "Complete",
            reason: "CompletionsReached".to_string(),
            message: "Reached expected number of succeeded pods".to_string(),
        }
    }
}

fn set_condition(
    status: &mut JobStatus,
    type_: &str,
    on: bool,
    reason: &str,
    message: &str,
    now: SimTime,
) -> bool {
    let value = ConditionStatus::from_bool(on);
    if let Some(c) = status.conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status == value && c.reason == reason {
            return false;
        }
        if c.status != value {
            c.last_transition_time = now;
        }
        c.status = value;
        c.reason = reason.to_string();
        c.message = message.to_string();
        c.last_probe_time = now;
        return true;
    }
    if !on {
        return false;
    }
    status.conditions.push(JobCondition {
        type_: type_.to_string(),
        status: value,
        reason: reason.to_string(),
        message: message.to_string(),
        last_probe_time: now,
        last_transition_time: now,
    });
    true
}

/// The completion index of a pod of an Indexed Job.
fn pod_index(pod: &Pod) -> Option<u32> {
    pod.meta
        .annotations
        .get(JOB_COMPLETION_INDEX)
        .or_else(|| pod.meta.labels.get(JOB_COMPLETION_INDEX))
        .and_then(|v| v.parse().ok())
}

/// The exit codes of a pod's terminated containers, init containers after app containers,
/// as the pod failure policy reads them.
fn terminated_exit_codes(pod: &Pod) -> Vec<(&str, i32)> {
    pod.status
        .container_statuses
        .iter()
        .chain(&pod.status.init_container_statuses)
        .filter_map(|c| match &c.state {
            ContainerState::Terminated { exit_code, .. } => Some((c.name.as_str(), *exit_code)),
            _ => None,
        })
        .collect()
}

/// The first rule of the Job's pod failure policy that matches a failed pod, with the
/// message a FailJob rule gives (k8s `matchPodFailurePolicy`).
fn match_pod_failure_policy(job: &Job, pod: &Pod) -> Option<(PodFailurePolicyAction, String)> {
    let rules = job.spec.pod_failure_policy.as_ref()?;
    let pod_name = format!("{}/{}", pod.meta.namespace, pod.meta.name);
    for (index, rule) in rules.iter().enumerate() {
        if let Some(on) = &rule.on_exit_codes {
            if let Some((container, code)) = terminated_exit_codes(pod)
                .into_iter()
                .find(|(name, code)| on.matches(name, *code))
            {
                let message = format!(
                    "Container {container} for pod {pod_name} failed with exit code {code} \
                     matching {} rule at index {index}",
                    rule.action.as_str()
                );
                return Some((rule.action, message));
            }
        }
        for on in &rule.on_pod_conditions {
            let present = pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_.as_str() == on.type_ && c.status == on.status);
            if present {
                let message = format!(
                    "Pod {pod_name} has condition {} matching {} rule at index {index}",
                    on.type_,
                    rule.action.as_str()
                );
                return Some((rule.action, message));
            }
        }
    }
    None
}

fn pod_from_template(job: &Job, index: Option<u32>) -> Pod {
    let template = &job.spec.template;
    let mut labels = template.labels.clone();
    let mut annotations = template.annotations.clone();
    let generate_name = match index {
        Some(i) => {
            labels.insert(JOB_COMPLETION_INDEX.to_string(), i.to_string());
            annotations.insert(JOB_COMPLETION_INDEX.to_string(), i.to_string());
            format!("{}-{i}-", job.meta.name)
        }
        None => format!("{}-", job.meta.name),
    };
    Pod {
        meta: ObjectMeta {
            generate_name,
            namespace: job.meta.namespace.clone(),
            labels,
            annotations,
            owner_references: vec![OwnerReference {
                kind: Kind::Job,
                name: job.meta.name.clone(),
                uid: job.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: PodStatus::default(),
    }
}

/// Active pods ordered so that the first ones are deleted first when there are too many:
/// unscheduled, then not ready, then the newest (a short form of `ActivePods.Less`).
fn deletion_order(pods: &mut [&Pod]) {
    pods.sort_by(|a, b| {
        let key = |p: &Pod| {
            (
                p.spec.node_name.is_some(),
                p.status.phase == PodPhase::Running,
                p.is_ready(),
                std::cmp::Reverse(p.meta.creation_timestamp),
                std::cmp::Reverse(p.meta.uid),
            )
        };
        key(a).cmp(&key(b))
    });
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        "job-controller"
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        wake_owner_or_self(change, Kind::Job, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(job) = ctx.store.get::<Job>(&key.key).cloned() else {
            self.tracking.remove(&key.key);
            return Ok(Action::AwaitChange);
        };
        if job.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let now = ctx.now;
        let job_ref = ObjectRef::new(Kind::Job, key.key.clone());
        let tracking = self.tracking.entry(key.key.clone()).or_default();
        if tracking.uid != job.meta.uid {
            *tracking = Tracking {
                uid: job.meta.uid,
                ..Tracking::default()
            };
        }
        let mut status = job.status.clone();
        let was_finished = status.finished().is_some();
        let mut fail_job: Option<Verdict> = None;

        // ---- count pods that finished (once each) -------------------------------------
        let pods: Vec<Pod> = owned_pods(ctx.store, &job.meta).cloned().collect();
        let present: BTreeSet<Uid> = pods.iter().map(|p| p.meta.uid).collect();
        for pod in &pods {
            let tracked = tracking
                .pods
                .entry(pod.meta.uid)
                .or_insert_with(|| TrackedPod {
                    phase: pod.status.phase,
                    counted: false,
                    suspended: false,
                });
            tracked.phase = pod.status.phase;
            if tracked.counted || !pod.status.phase.is_terminal() {
                continue;
            }
            tracked.counted = true;
            if tracked.suspended {
                continue;
            }
            if pod.status.phase == PodPhase::Succeeded {
                count_success(&job, &mut status, tracking, pod_index(pod));
                continue;
            }
            match match_pod_failure_policy(&job, pod) {
                Some((PodFailurePolicyAction::Ignore, _)) => {}
                Some((PodFailurePolicyAction::FailJob, message)) => {
                    status.failed += 1;
                    if fail_job.is_none() && !was_finished {
                        fail_job = Some(Verdict::failed("PodFailurePolicy", message));
                    }
                }
                _ => count_failure(&mut status, tracking, now),
            }
        }
        // Pods gone before they were seen finished count as they last were: the tracking
        // finalizer would have kept them until counted.
        let gone: Vec<Uid> = tracking
            .pods
            .iter()
            .filter(|(uid, t)| !t.counted && !present.contains(uid))
            .map(|(uid, _)| *uid)
            .collect();
        for uid in gone {
            let Some(tracked) = tracking.pods.get_mut(&uid) else {
                continue;
            };
            tracked.counted = true;
            let (suspended, phase) = (tracked.suspended, tracked.phase);
            if suspended {
                continue;
            }
            if phase == PodPhase::Succeeded {
                count_success(&job, &mut status, tracking, None);
            } else {
                count_failure(&mut status, tracking, now);
            }
        }
        tracking
            .pods
            .retain(|uid, t| !t.counted || present.contains(uid));

        let active: Vec<&Pod> = pods.iter().filter(|p| p.is_active()).collect();
        status.active = active.len() as u32;
        status.ready = active.iter().filter(|p| p.is_ready()).count() as u32;
        status.terminating = pods
            .iter()
            .filter(|p| p.meta.deletion_timestamp.is_some() && !p.status.phase.is_terminal())
            .count() as u32;

        if was_finished {
            write_status(ctx.store, &key.key, &job.status, status)?;
            return Ok(Action::AwaitChange);
        }

        // ---- suspend / resume -----------------------------------------------------------
        if job.spec.suspend {
            for pod in &active {
                if let Some(t) = tracking.pods.get_mut(&pod.meta.uid) {
                    t.suspended = true;
                }
                delete_pod(ctx.store, &job_ref, &pod.meta.key())?;
            }
            if set_condition(
                &mut status,
                "Suspended",
                true,
                "JobSuspended",
                "Job suspended",
                now,
            ) {
                ctx.store.event(
                    job_ref.clone(),
                    EventType::Normal,
                    "Suspended",
                    "Job suspended".to_string(),
                    SOURCE,
                );
            }
            status.start_time = None;
            status.active = 0;
            status.ready = 0;
            status.terminating = count_terminating(ctx.store, &job);
            write_status(ctx.store, &key.key, &job.status, status)?;
            return Ok(Action::AwaitChange);
        }
        if status.condition_true("Suspended").is_some() {
            set_condition(
                &mut status,
                "Suspended",
                false,
                "JobResumed",
                "Job resumed",
                now,
            );
            ctx.store.event(
                job_ref.clone(),
                EventType::Normal,
                "Resumed",
                "Job resumed".to_string(),
                SOURCE,
            );
            status.start_time = Some(now);
        }
        let start = *status.start_time.get_or_insert(now);

        // ---- success or failure -----------------------------------------------------------
        let existing = status
            .conditions
            .iter()
            .find(|c| {
                (c.type_ == "FailureTarget" || c.type_ == "SuccessCriteriaMet")
                    && c.status == ConditionStatus::True
            })
            .map(|c| {
                if c.type_ == "FailureTarget" {
                    Verdict::failed(&c.reason, c.message.clone())
                } else {
                    Verdict::succeeded()
                }
            });
        let mut requeue: Option<SimTime> = None;
        let verdict = existing.or(fail_job).or_else(|| {
            let deadline = job
                .spec
                .active_deadline_seconds
                .map(|s| start + SimDuration::from_secs(s));
            if deadline.is_some_and(|d| now >= d) {
                // k8s-semantics §8.7: the deadline takes precedence over the backoff limit.
                return Some(Verdict::failed(
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline".to_string(),
                ));
            }
            requeue = deadline;
            if status.failed > job.spec.backoff_limit || past_backoff_on_failure(&job, &active) {
                return Some(Verdict::failed(
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit".to_string(),
                ));
            }
            let complete = match (job.spec.completion_mode, job.spec.completions) {
                (CompletionMode::Indexed, Some(c)) => status.completed_indexes.len() as u32 >= c,
                (_, Some(c)) => status.succeeded >= c,
                (_, None) => status.succeeded > 0 && active.is_empty(),
            };
            complete.then(Verdict::succeeded)
        });

        if let Some(verdict) = verdict {
            set_condition(
                &mut status,
                verdict.target,
                true,
                &verdict.reason,
                &verdict.message,
                now,
            );
            for pod in &active {
                delete_pod(ctx.store, &job_ref, &pod.meta.key())?;
            }
            let remaining = owned_pods(ctx.store, &job.meta)
                .filter(|p| !p.status.phase.is_terminal())
                .count();
            status.active = 0;
            status.ready = 0;
            status.terminating = count_terminating(ctx.store, &job);
            if remaining == 0 {
                set_condition(
                    &mut status,
                    verdict.final_type,
                    true,
                    &verdict.reason,
                    &verdict.message,
                    now,
                );
                if verdict.final_type == "Complete" {
                    status.completion_time = Some(now);
                    ctx.store.event(
                        job_ref.clone(),
                        EventType::Normal,
                        "Completed",
                        "Job completed".to_string(),
                        SOURCE,
                    );
                } else {
                    ctx.store.event(
                        job_ref.clone(),
                        EventType::Warning,
                        &verdict.reason,
                        verdict.message.clone(),
                        SOURCE,
                    );
                }
            }
            write_status(ctx.store, &key.key, &job.status, status)?;
            return Ok(Action::AwaitChange);
        }

        // ---- keep the right number of pods active -----------------------------------------
        let occupying = |active: usize, terminating: u32| match job.spec.pod_replacement_policy {
            PodReplacementPolicy::TerminatingOrFailed => active,
            PodReplacementPolicy::Failed => active + terminating as usize,
        };
        let parallelism = job.spec.parallelism as usize;
        let mut to_delete: Vec<&Pod> = Vec::new();
        let to_create: Vec<Option<u32>> = match (job.spec.completion_mode, job.spec.completions) {
            (CompletionMode::Indexed, Some(completions)) => {
                let mut held: BTreeSet<u32> = BTreeSet::new();
                let mut keep: Vec<&Pod> = Vec::new();
                for pod in &active {
                    match pod_index(pod) {
                        Some(i)
                            if i < completions
                                && !status.completed_indexes.contains(&i)
                                && held.insert(i) =>
                        {
                            keep.push(pod)
                        }
                        // Duplicates, finished indexes and out-of-range indexes go.
                        _ => to_delete.push(pod),
                    }
                }
                if keep.len() > parallelism {
                    keep.sort_by_key(|p| std::cmp::Reverse(pod_index(p)));
                    let surplus = keep.len() - parallelism;
                    to_delete.extend(keep.drain(..surplus));
                }
                let busy = occupying(keep.len(), status.terminating);
                let pending = (0..completions)
                    .filter(|i| !status.completed_indexes.contains(i) && !held.contains(i));
                pending
                    .take(parallelism.saturating_sub(busy))
                    .map(Some)
                    .collect()
            }
            (_, completions) => {
                let want = match completions {
                    Some(c) => parallelism.min(c.saturating_sub(status.succeeded) as usize),
                    None if status.succeeded > 0 => 0,
                    None => parallelism,
                };
                if active.len() > want {
                    let mut order = active.clone();
                    deletion_order(&mut order);
                    to_delete.extend(order.into_iter().take(active.len() - want));
                }
                let busy = occupying(active.len(), status.terminating);
                vec![None; want.saturating_sub(busy)]
            }
        };
        for pod in to_delete {
            delete_pod(ctx.store, &job_ref, &pod.meta.key())?;
        }
        if !to_create.is_empty() {
            let wait_until = tracking
                .last_failure
                .map(|t| t + pod_failure_backoff(tracking.failures_since_success))
                .filter(|t| *t > now);
            match wait_until {
                Some(at) => requeue = Some(requeue.map_or(at, |r| r.min(at))),
                None => {
                    for index in to_create {
                        let pod = pod_from_template(&job, index);
                        let pod_key =
                            create_or_report(ctx.store, pod, &job_ref, SOURCE, |error| {
                                format!("Error creating: {error}")
                            })?;
                        ctx.store.event(
                            job_ref.clone(),
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("Created pod: {}", pod_key.name),
                            SOURCE,
                        );
                        if let Some(uid) = ctx.store.get::<Pod>(&pod_key).map(|p| p.meta.uid) {
                            tracking.pods.insert(
                                uid,
                                TrackedPod {
                                    phase: PodPhase::Pending,
                                    counted: false,
                                    suspended: false,
                                },
                            );
                        }
                    }
                }
            }
        }
        let pods_now: Vec<&Pod> = owned_pods(ctx.store, &job.meta).collect();
        status.active = pods_now.iter().filter(|p| p.is_active()).count() as u32;
        status.ready = pods_now
            .iter()
            .filter(|p| p.is_active() && p.is_ready())
            .count() as u32;
        status.terminating = count_terminating(ctx.store, &job);
        write_status(ctx.store, &key.key, &job.status, status)?;
        Ok(match requeue {
            Some(at) if at > now => Action::RequeueAfter(at.saturating_since(now)),
            Some(_) => Action::RequeueAfter(SimDuration::from_millis(1)),
            None => Action::AwaitChange,
        })
    }
}

fn count_success(job: &Job, status: &mut JobStatus, tracking: &mut Tracking, index: Option<u32>) {
    match (job.spec.completion_mode, index) {
        (CompletionMode::Indexed, Some(i)) => {
            let in_range = job.spec.completions.is_some_and(|c| i < c);
            if in_range && status.completed_indexes.insert(i) {
                status.succeeded += 1;
            }
        }
        (CompletionMode::Indexed, None) => {}
        (CompletionMode::NonIndexed, _) => status.succeeded += 1,
    }
    tracking.failures_since_success = 0;
    tracking.last_failure = None;
}

fn count_failure(status: &mut JobStatus, tracking: &mut Tracking, now: SimTime) {
    status.failed += 1;
    tracking.failures_since_success += 1;
    tracking.last_failure = Some(now);
}

/// `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, the container restarts of the
/// active pods (init containers included) reach the backoff limit.
fn past_backoff_on_failure(job: &Job, active: &[&Pod]) -> bool {
    if job.spec.template.spec.restart_policy != RestartPolicy::OnFailure {
        return false;
    }
    let restarts: u64 = active
        .iter()
        .flat_map(|p| {
            p.status
                .init_container_statuses
                .iter()
                .chain(&p.status.container_statuses)
        })
        .map(|c| u64::from(c.restart_count))
        .sum();
    if job.spec.backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= u64::from(job.spec.backoff_limit)
    }
}

fn count_terminating(store: &Store, job: &Job) -> u32 {
    owned_pods(store, &job.meta)
        .filter(|p| p.meta.deletion_timestamp.is_some() && !p.status.phase.is_terminal())
        .count() as u32
}

fn delete_pod(
    store: &mut Store,
    job_ref: &ObjectRef,
    pod: &ObjectKey,
) -> Result<(), ReconcileError> {
    store.delete_pod(pod, DeleteOptions::default())?;
    store.event(
        job_ref.clone(),
        EventType::Normal,
        "SuccessfulDelete",
        format!("Deleted pod: {}", pod.name),
        SOURCE,
    );
    Ok(())
}

fn write_status(
    store: &mut Store,
    key: &ObjectKey,
    before: &JobStatus,
    status: JobStatus,
) -> Result<(), ReconcileError> {
    if *before != status {
        store.modify::<Job, _>(key, false, |j| j.status = status)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// k8s-semantics §8.6: 10, 20, 40, … s, capped at 10 minutes (the code's value).
    #[test]
    fn backoff_doubles_from_ten_seconds_to_ten_minutes() {
        let secs: Vec<u64> = (0..9).map(|n| pod_failure_backoff(n).as_secs()).collect();
        assert_eq!(secs, [0, 10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(pod_failure_backoff(u32::MAX).as_secs(), 600);
    }
}
