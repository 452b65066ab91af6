//! `kubectl describe job` and `kubectl describe cronjob` (kubectl's `describeJob` and
//! `describeCronJob`), with instants on the virtual clock as the rest of `describe` prints
//! them.

use sim_core::objects::{CompletionMode, CronJob, Job, JobSpec, Pod, PodPhase};
use sim_core::store::Store;

use super::{annotations_multiline, controlled_by, instant, labels_multiline, pod_template, Lines};
use crate::tables::human_duration;

fn job_spec_fields(out: &mut Lines, spec: &JobSpec) {
    out.field(0, "Parallelism", spec.parallelism);
    match spec.completions {
        Some(c) => out.field(0, "Completions", c),
        None => out.field(0, "Completions", "<unset>"),
    }
    out.field(0, "Completion Mode", spec.completion_mode.as_str());
    out.field(0, "Suspend", spec.suspend);
    out.field(0, "Backoff Limit", spec.backoff_limit);
    if let Some(ttl) = spec.ttl_seconds_after_finished {
        out.field(0, "TTL Seconds After Finished", ttl);
    }
}

pub(super) fn describe_job(job: &Job, store: &Store, out: &mut Lines) {
    let meta = &job.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(0, "Selector", &job.spec.selector);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    controlled_by(out, meta);
    job_spec_fields(out, &job.spec);
    let s = &job.status;
    if let Some(start) = s.start_time {
        out.field(0, "Start Time", instant(start));
    }
    if let Some(done) = s.completion_time {
        out.field(0, "Completed At", instant(done));
        if let Some(start) = s.start_time {
            out.field(
                0,
                "Duration",
                human_duration(done.saturating_since(start).as_secs()),
            );
        }
    }
    if let Some(deadline) = job.spec.active_deadline_seconds {
        out.field(0, "Active Deadline Seconds", format!("{deadline}s"));
    }
    // kubectl counts the Job's pods by phase; Active is what the controller reports.
    let failed = store
        .list_namespace::<Pod>(&meta.namespace)
        .filter(|p| p.meta.controller_ref().is_some_and(|o| o.uid == meta.uid))
        .filter(|p| p.status.phase == PodPhase::Failed)
        .count();
    out.field(
        0,
        "Pods Statuses",
        format!(
            "{} Active ({} Ready) / {} Succeeded / {} Failed",
            s.active,
            s.ready,
            s.succeeded,
            failed.max(s.failed as usize)
        ),
    );
    if job.spec.completion_mode == CompletionMode::Indexed {
        let indexes = s.completed_indexes_text();
        out.field(
            0,
            "Completed Indexes",
            if indexes.is_empty() {
                "<none>".to_string()
            } else {
                indexes
            },
        );
    }
    pod_template(out, &job.spec.template);
}

pub(super) fn describe_cronjob(cj: &CronJob, out: &mut Lines) {
    let meta = &cj.meta;
    let spec = &cj.spec;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    out.field(0, "Schedule", &spec.schedule_text);
    if let Some(zone) = &spec.time_zone {
        out.field(0, "Time Zone", zone);
    }
    out.field(0, "Concurrency Policy", spec.concurrency_policy.as_str());
    out.field(0, "Suspend", spec.suspend);
    out.field(
        0,
        "Successful Job History Limit",
        spec.successful_jobs_history_limit,
    );
    out.field(
        0,
        "Failed Job History Limit",
        spec.failed_jobs_history_limit,
    );
    match spec.starting_deadline_seconds {
        Some(d) => out.field(0, "Starting Deadline Seconds", format!("{d}s")),
        None => out.field(0, "Starting Deadline Seconds", "<unset>"),
    }
    // From the Job template, as kubectl shows it.
    let job = &spec.job_template.spec;
    out.field(0, "Parallelism", job.parallelism);
    match job.completions {
        Some(c) => out.field(0, "Completions", c),
        None => out.field(0, "Completions", "<unset>"),
    }
    if let Some(deadline) = job.active_deadline_seconds {
        out.field(0, "Active Deadline Seconds", format!("{deadline}s"));
    }
    pod_template(out, &job.template);
    match cj.status.last_schedule_time {
        Some(t) => out.field(0, "Last Schedule Time", instant(t)),
        None => out.field(0, "Last Schedule Time", "<unset>"),
    }
    let active: Vec<&str> = cj.status.active.iter().map(|r| r.name.as_str()).collect();
    out.field(
        0,
        "Active Jobs",
        if active.is_empty() {
            "<none>".to_string()
        } else {
            active.join(", ")
        },
    );
}
