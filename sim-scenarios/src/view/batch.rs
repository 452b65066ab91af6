//! Jobs and CronJobs as the API returns them (`batch/v1`).

use serde_json::{json, Map, Value};
use sim_core::objects::{
    CompletionMode, CronJob, ExitCodeOperator, Job, JobSpec, Kind, PodFailurePolicyRule,
};

use super::{metadata_to_json, put, rfc3339, selector_to_json, string_map, template_to_json};

fn rule_to_json(rule: &PodFailurePolicyRule) -> Value {
    let mut m = Map::new();
    put(&mut m, "action", rule.action.as_str());
    if let Some(on) = &rule.on_exit_codes {
        let mut e = Map::new();
        put(&mut e, "containerName", on.container_name.clone());
        let operator = match on.operator {
            ExitCodeOperator::In => "In",
            ExitCodeOperator::NotIn => "NotIn",
        };
        put(&mut e, "operator", operator);
        put(&mut e, "values", on.values.clone());
        put(&mut m, "onExitCodes", e);
    }
    let conditions: Vec<Value> = rule
        .on_pod_conditions
        .iter()
        .map(|c| json!({ "type": c.type_, "status": c.status.as_str() }))
        .collect();
    put(&mut m, "onPodConditions", conditions);
    Value::Object(m)
}

fn job_spec_to_json(spec: &JobSpec) -> Map<String, Value> {
    let mut m = Map::new();
    put(&mut m, "parallelism", spec.parallelism);
    put(&mut m, "completions", spec.completions);
    put(
        &mut m,
        "activeDeadlineSeconds",
        spec.active_deadline_seconds,
    );
    put(&mut m, "backoffLimit", spec.backoff_limit);
    put(&mut m, "completionMode", spec.completion_mode.as_str());
    put(&mut m, "suspend", spec.suspend);
    if spec.manual_selector {
        put(&mut m, "manualSelector", true);
    }
    put(&mut m, "selector", selector_to_json(&spec.selector));
    put(&mut m, "template", template_to_json(&spec.template));
    put(
        &mut m,
        "ttlSecondsAfterFinished",
        spec.ttl_seconds_after_finished,
    );
    if let Some(rules) = &spec.pod_failure_policy {
        let rules: Vec<Value> = rules.iter().map(rule_to_json).collect();
        put(&mut m, "podFailurePolicy", json!({ "rules": rules }));
    }
    put(
        &mut m,
        "podReplacementPolicy",
        spec.pod_replacement_policy.as_str(),
    );
    m
}

/// A Job as the API returns it: `status.succeeded`, `status.conditions[Complete].reason`, ...
pub fn job_to_json(job: &Job) -> Value {
    let s = &job.status;
    let mut status = Map::new();
    put(&mut status, "startTime", s.start_time.map(rfc3339));
    put(
        &mut status,
        "completionTime",
        s.completion_time.map(rfc3339),
    );
    put(&mut status, "active", s.active);
    put(&mut status, "ready", s.ready);
    put(&mut status, "succeeded", s.succeeded);
    put(&mut status, "failed", s.failed);
    put(&mut status, "terminating", s.terminating);
    if job.spec.completion_mode == CompletionMode::Indexed {
        put(&mut status, "completedIndexes", s.completed_indexes_text());
    }
    let conditions: Vec<Value> = s
        .conditions
        .iter()
        .map(|c| {
            let mut m = Map::new();
            put(&mut m, "type", c.type_.as_str());
            put(&mut m, "status", c.status.as_str());
            put(&mut m, "reason", c.reason.as_str());
            put(&mut m, "message", c.message.as_str());
            put(&mut m, "lastProbeTime", rfc3339(c.last_probe_time));
            put(
                &mut m,
                "lastTransitionTime",
                rfc3339(c.last_transition_time),
            );
            Value::Object(m)
        })
        .collect();
    put(&mut status, "conditions", conditions);
    json!({
        "apiVersion": Kind::Job.api_version(),
        "kind": Kind::Job.name(),
        "metadata": metadata_to_json(&job.meta, Kind::Job),
        "spec": job_spec_to_json(&job.spec),
        "status": status,
    })
}

/// A CronJob as the API returns it.
pub fn cronjob_to_json(cj: &CronJob) -> Value {
    let c = &cj.spec;
    let mut template_meta = Map::new();
    put(
        &mut template_meta,
        "labels",
        string_map(&c.job_template.labels),
    );
    put(
        &mut template_meta,
        "annotations",
        string_map(&c.job_template.annotations),
    );
    let mut template = Map::new();
    put(&mut template, "metadata", template_meta);
    put(
        &mut template,
        "spec",
        job_spec_to_json(&c.job_template.spec),
    );
    let mut spec = Map::new();
    put(&mut spec, "schedule", c.schedule_text.as_str());
    put(&mut spec, "timeZone", c.time_zone.clone());
    put(
        &mut spec,
        "startingDeadlineSeconds",
        c.starting_deadline_seconds,
    );
    put(
        &mut spec,
        "concurrencyPolicy",
        c.concurrency_policy.as_str(),
    );
    put(&mut spec, "suspend", c.suspend);
    put(&mut spec, "jobTemplate", template);
    put(
        &mut spec,
        "successfulJobsHistoryLimit",
        c.successful_jobs_history_limit,
    );
    put(
        &mut spec,
        "failedJobsHistoryLimit",
        c.failed_jobs_history_limit,
    );
    let active: Vec<Value> = cj
        .status
        .active
        .iter()
        .map(|r| {
            json!({
                "apiVersion": Kind::Job.api_version(),
                "kind": Kind::Job.name(),
                "name": r.name,
                "namespace": cj.meta.namespace,
                "uid": r.uid.to_string(),
            })
        })
        .collect();
    let mut status = Map::new();
    put(&mut status, "active", active);
    put(
        &mut status,
        "lastScheduleTime",
        cj.status.last_schedule_time.map(rfc3339),
    );
    put(
        &mut status,
        "lastSuccessfulTime",
        cj.status.last_successful_time.map(rfc3339),
    );
    json!({
        "apiVersion": Kind::CronJob.api_version(),
        "kind": Kind::CronJob.name(),
        "metadata": metadata_to_json(&cj.meta, Kind::CronJob),
        "spec": spec,
        "status": status,
    })
}
