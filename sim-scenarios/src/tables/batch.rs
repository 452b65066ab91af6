//! `kubectl get jobs` and `kubectl get cronjobs` (kubectl's `printJob` and `printCronJob`,
//! v1.36).

use sim_core::objects::{ConditionStatus, CronJob, Job};
use sim_core::time::SimTime;

use super::{age, human_duration};

/// kubectl's STATUS column of a Job (1.28+): the first of Complete, Failed, Terminating,
/// Suspended, FailureTarget, SuccessCriteriaMet whose condition is True, else Running.
pub fn job_status(job: &Job) -> &'static str {
    let has = |t: &str| {
        job.status
            .conditions
            .iter()
            .any(|c| c.type_ == t && c.status == ConditionStatus::True)
    };
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if job.meta.deletion_timestamp.is_some() {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

/// COMPLETIONS: `succeeded/completions`, or `succeeded/1` (`of N` with parallelism N > 1)
/// for a Job without completions.
pub fn job_completions(job: &Job) -> String {
    let succeeded = job.status.succeeded;
    match job.spec.completions {
        Some(c) => format!("{succeeded}/{c}"),
        None if job.spec.parallelism > 1 => {
            format!("{succeeded}/1 of {}", job.spec.parallelism)
        }
        None => format!("{succeeded}/1"),
    }
}

/// DURATION: from startTime to completionTime, or to now while running; empty before the
/// Job started.
pub fn job_duration(job: &Job, now: SimTime) -> String {
    match (job.status.start_time, job.status.completion_time) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.saturating_since(start).as_secs()),
        (Some(start), Some(done)) => human_duration(done.saturating_since(start).as_secs()),
    }
}

/// One row of `kubectl get jobs`: NAMESPACE, NAME, STATUS, COMPLETIONS, DURATION, AGE.
pub fn job_row(job: &Job, now: SimTime) -> Vec<String> {
    vec![
        job.meta.namespace.clone(),
        job.meta.name.clone(),
        job_status(job).to_string(),
        job_completions(job),
        job_duration(job, now),
        age(job.meta.creation_timestamp, now),
    ]
}

/// Headers of `kubectl get jobs`.
pub const JOB_HEADERS: [&str; 6] = [
    "NAMESPACE",
    "NAME",
    "STATUS",
    "COMPLETIONS",
    "DURATION",
    "AGE",
];

/// One row of `kubectl get cronjobs`: NAMESPACE, NAME, SCHEDULE, TIMEZONE, SUSPEND, ACTIVE,
/// LAST SCHEDULE, AGE.
pub fn cronjob_row(cj: &CronJob, now: SimTime) -> Vec<String> {
    vec![
        cj.meta.namespace.clone(),
        cj.meta.name.clone(),
        cj.spec.schedule_text.clone(),
        cj.spec
            .time_zone
            .clone()
            .unwrap_or_else(|| "<none>".to_string()),
        if cj.spec.suspend { "True" } else { "False" }.to_string(),
        cj.status.active.len().to_string(),
        cj.status
            .last_schedule_time
            .map_or("<none>".to_string(), |t| age(t, now)),
        age(cj.meta.creation_timestamp, now),
    ]
}

/// Headers of `kubectl get cronjobs`.
pub const CRONJOB_HEADERS: [&str; 8] = [
    "NAMESPACE",
    "NAME",
    "SCHEDULE",
    "TIMEZONE",
    "SUSPEND",
    "ACTIVE",
    "LAST SCHEDULE",
    "AGE",
];
