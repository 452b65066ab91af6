//! `batch/v1` Job and CronJob, slim (k8s-semantics §8.5–8.10). Field names follow the API;
//! defaults are applied at the edge (sim-scenarios' conversion), as the API server applies
//! them before storing.

use std::collections::BTreeSet;

use crate::cron::Schedule;
use crate::objects::{ConditionStatus, ObjectMeta, PodTemplate, Uid};
use crate::selector::LabelSelector;
use crate::time::SimTime;

/// Label and annotation with the completion index of an Indexed Job's pod.
pub const JOB_COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// Label with the owning Job's uid (the generated selector matches it).
pub const JOB_CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// Label with the owning Job's name.
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";
/// The legacy spelling of [`JOB_CONTROLLER_UID`], still added by the API server.
pub const LEGACY_CONTROLLER_UID: &str = "controller-uid";
/// The legacy spelling of [`JOB_NAME`], still added by the API server.
pub const LEGACY_JOB_NAME: &str = "job-name";

/// `spec.completionMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionMode {
    /// Done when `completions` pods have succeeded (the default).
    NonIndexed,
    /// Each index in `0..completions` must succeed once.
    Indexed,
}

impl CompletionMode {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CompletionMode::NonIndexed => "NonIndexed",
            CompletionMode::Indexed => "Indexed",
        }
    }
}

/// `spec.podReplacementPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodReplacementPolicy {
    /// A replacement is created as soon as a pod is terminating or failed (the default
    /// without a podFailurePolicy).
    TerminatingOrFailed,
    /// A replacement waits until the pod is fully terminated (the default with a
    /// podFailurePolicy, and the only value allowed with one).
    Failed,
}

impl PodReplacementPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodReplacementPolicy::TerminatingOrFailed => "TerminatingOrFailed",
            PodReplacementPolicy::Failed => "Failed",
        }
    }
}

/// `podFailurePolicy.rules[].action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFailurePolicyAction {
    /// The Job fails at once (reason `PodFailurePolicy`).
    FailJob,
    /// The failure is not counted toward the backoff limit; the pod is replaced.
    Ignore,
    /// The failure counts, as without a policy.
    Count,
    /// The index fails (needs `backoffLimitPerIndex`, which kubesim does not model).
    FailIndex,
}

impl PodFailurePolicyAction {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodFailurePolicyAction::FailJob => "FailJob",
            PodFailurePolicyAction::Ignore => "Ignore",
            PodFailurePolicyAction::Count => "Count",
            PodFailurePolicyAction::FailIndex => "FailIndex",
        }
    }
}

/// `onExitCodes.operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCodeOperator {
    /// The exit code is one of the values.
    In,
    /// The exit code is none of the values.
    NotIn,
}

/// `podFailurePolicy.rules[].onExitCodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnExitCodes {
    /// Only this container's exit code is checked (all containers when `None`).
    pub container_name: Option<String>,
    /// `In` or `NotIn`.
    pub operator: ExitCodeOperator,
    /// The exit codes.
    pub values: Vec<i32>,
}

impl OnExitCodes {
    /// Whether a container named `name` that exited with `code` matches. Exit code 0 never
    /// matches: only failed containers are looked at.
    pub fn matches(&self, name: &str, code: i32) -> bool {
        if code == 0 || self.container_name.as_deref().is_some_and(|n| n != name) {
            return false;
        }
        let listed = self.values.contains(&code);
        match self.operator {
            ExitCodeOperator::In => listed,
            ExitCodeOperator::NotIn => !listed,
        }
    }
}

/// `podFailurePolicy.rules[].onPodConditions[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnPodCondition {
    /// Condition type, e.g. `DisruptionTarget`.
    pub type_: String,
    /// Required status (default True).
    pub status: ConditionStatus,
}

/// `podFailurePolicy.rules[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodFailurePolicyRule {
    /// What to do when the rule matches.
    pub action: PodFailurePolicyAction,
    /// Matches on exit codes (exclusive with `on_pod_conditions`).
    pub on_exit_codes: Option<OnExitCodes>,
    /// Matches on pod conditions.
    pub on_pod_conditions: Vec<OnPodCondition>,
}

/// `spec` of a Job, with the API server's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// `parallelism` (default 1).
    pub parallelism: u32,
    /// `completions`; `None` is a work queue (done when any pod succeeds and none run).
    pub completions: Option<u32>,
    /// `activeDeadlineSeconds`, counted from `status.startTime`.
    pub active_deadline_seconds: Option<u64>,
    /// `backoffLimit` (default 6).
    pub backoff_limit: u32,
    /// `completionMode` (default NonIndexed).
    pub completion_mode: CompletionMode,
    /// `suspend` (default false).
    pub suspend: bool,
    /// `manualSelector`: the selector was written by the user, not generated.
    pub manual_selector: bool,
    /// `selector`: generated (`batch.kubernetes.io/controller-uid`) unless manual.
    pub selector: LabelSelector,
    /// `template`, whose restartPolicy is Never or OnFailure.
    pub template: PodTemplate,
    /// `ttlSecondsAfterFinished`.
    pub ttl_seconds_after_finished: Option<u64>,
    /// `podFailurePolicy.rules`, if a policy is set.
    pub pod_failure_policy: Option<Vec<PodFailurePolicyRule>>,
    /// `podReplacementPolicy`.
    pub pod_replacement_policy: PodReplacementPolicy,
}

/// `status.conditions[]` of a Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCondition {
    /// `Suspended`, `FailureTarget`, `SuccessCriteriaMet`, `Failed` or `Complete`.
    pub type_: String,
    /// True/False.
    pub status: ConditionStatus,
    /// Reason, e.g. `BackoffLimitExceeded`.
    pub reason: String,
    /// Message.
    pub message: String,
    /// When the condition was last checked.
    pub last_probe_time: SimTime,
    /// When `status` last changed.
    pub last_transition_time: SimTime,
}

/// `status` of a Job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobStatus {
    /// When the controller started the Job (reset on suspend).
    pub start_time: Option<SimTime>,
    /// When the Job completed (only on success).
    pub completion_time: Option<SimTime>,
    /// Pods running or pending, not terminating.
    pub active: u32,
    /// Active pods that are Ready.
    pub ready: u32,
    /// Succeeded pods counted.
    pub succeeded: u32,
    /// Failed pods counted.
    pub failed: u32,
    /// Pods terminating (deletionTimestamp set, not terminal yet).
    pub terminating: u32,
    /// Indexed Jobs: the indexes that succeeded.
    pub completed_indexes: BTreeSet<u32>,
    /// Conditions, in the order they were added.
    pub conditions: Vec<JobCondition>,
}

impl JobStatus {
    /// The condition of type `t` if it is True.
    pub fn condition_true(&self, t: &str) -> Option<&JobCondition> {
        self.conditions
            .iter()
            .find(|c| c.type_ == t && c.status == ConditionStatus::True)
    }

    /// `Complete` or `Failed` is True.
    pub fn finished(&self) -> Option<&JobCondition> {
        self.conditions.iter().find(|c| {
            (c.type_ == "Complete" || c.type_ == "Failed") && c.status == ConditionStatus::True
        })
    }

    /// When the Job finished: the last transition of its `Complete` or `Failed` condition.
    pub fn finish_time(&self) -> Option<SimTime> {
        self.finished().map(|c| c.last_transition_time)
    }

    /// `completedIndexes` as the API writes it: `"0-2,4"`.
    pub fn completed_indexes_text(&self) -> String {
        index_ranges(&self.completed_indexes)
    }
}

/// A set of indexes as intervals, `"0-2,4,6-7"` (the Job API's `completedIndexes`).
pub fn index_ranges(indexes: &BTreeSet<u32>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = indexes.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    parts.join(",")
}

/// `batch/v1/Job`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: JobSpec,
    /// Status.
    pub status: JobStatus,
}

/// The API server's `generateSelector` for a Job without `manualSelector`: the selector
/// `batch.kubernetes.io/controller-uid=<uid>` and the four labels on the pod template
/// (`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`, and their legacy
/// spellings `controller-uid`, `job-name`). Needs `meta.uid` set.
pub fn generate_selector(job: &mut Job) {
    if job.spec.manual_selector {
        return;
    }
    let uid = job.meta.uid.to_string();
    let name = job.meta.name.clone();
    let labels = &mut job.spec.template.labels;
    for (key, value) in [
        (JOB_CONTROLLER_UID, &uid),
        (JOB_NAME, &name),
        (LEGACY_CONTROLLER_UID, &uid),
        (LEGACY_JOB_NAME, &name),
    ] {
        labels.insert(key.to_string(), value.clone());
    }
    job.spec.selector = LabelSelector {
        match_labels: [(JOB_CONTROLLER_UID.to_string(), uid)]
            .into_iter()
            .collect(),
        match_expressions: Vec::new(),
    };
}

/// `spec.concurrencyPolicy` of a CronJob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyPolicy {
    /// Runs may overlap (the default).
    Allow,
    /// A run is skipped while the previous one is active.
    Forbid,
    /// The active run is deleted and the new one started.
    Replace,
}

impl ConcurrencyPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConcurrencyPolicy::Allow => "Allow",
            ConcurrencyPolicy::Forbid => "Forbid",
            ConcurrencyPolicy::Replace => "Replace",
        }
    }
}

/// `spec.jobTemplate` of a CronJob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTemplate {
    /// `metadata.labels`, copied to each Job.
    pub labels: std::collections::BTreeMap<String, String>,
    /// `metadata.annotations`, copied to each Job.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// `spec`.
    pub spec: JobSpec,
}

/// `spec` of a CronJob, defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronJobSpec {
    /// `schedule` as written.
    pub schedule_text: String,
    /// `schedule`, parsed.
    pub schedule: Schedule,
    /// `timeZone` as written.
    pub time_zone: Option<String>,
    /// The zone's offset east of UTC, in seconds.
    pub zone_offset_seconds: i32,
    /// `startingDeadlineSeconds`.
    pub starting_deadline_seconds: Option<u64>,
    /// `concurrencyPolicy` (default Allow).
    pub concurrency_policy: ConcurrencyPolicy,
    /// `suspend` (default false).
    pub suspend: bool,
    /// `jobTemplate`.
    pub job_template: JobTemplate,
    /// `successfulJobsHistoryLimit` (default 3).
    pub successful_jobs_history_limit: u32,
    /// `failedJobsHistoryLimit` (default 1).
    pub failed_jobs_history_limit: u32,
}

/// A reference to one of a CronJob's Jobs (`status.active[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReference {
    /// The Job's name.
    pub name: String,
    /// Its uid.
    pub uid: Uid,
}

/// `status` of a CronJob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CronJobStatus {
    /// The Jobs running now.
    pub active: Vec<JobReference>,
    /// The scheduled time of the last Job created.
    pub last_schedule_time: Option<SimTime>,
    /// When the last successful Job completed.
    pub last_successful_time: Option<SimTime>,
}

/// `batch/v1/CronJob`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronJob {
    /// Metadata.
    pub meta: ObjectMeta,
    /// Spec.
    pub spec: CronJobSpec,
    /// Status.
    pub status: CronJobStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_ranges_like_the_api() {
        let set = |v: &[u32]| v.iter().copied().collect::<BTreeSet<u32>>();
        assert_eq!(index_ranges(&set(&[])), "");
        assert_eq!(index_ranges(&set(&[0, 1, 2, 4])), "0-2,4");
        assert_eq!(index_ranges(&set(&[1, 3, 5, 6, 7])), "1,3,5-7");
    }
}
