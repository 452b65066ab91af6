//! `batch/v1` Job and CronJob: the API server's defaulting (`SetDefaults_Job`,
//! `SetDefaults_CronJob`) and validation (`ValidateJob`, `ValidateCronJob`), with
//! Kubernetes' messages after the field path (k8s-semantics §8.5, §8.10).
//!
//! Defaults: completions = parallelism = 1 when both are unset, parallelism 1, backoffLimit
//! 6, completionMode NonIndexed, suspend false, podReplacementPolicy TerminatingOrFailed
//! (Failed with a podFailurePolicy), onPodConditions status True; CronJobs:
//! concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3,
//! failedJobsHistoryLimit 1. The selector and the pod labels
//! `batch.kubernetes.io/controller-uid` / `batch.kubernetes.io/job-name` (and their legacy
//! spellings) are generated when the Job is created, once its uid is known.

use k8s_openapi::api::batch::v1 as batch;
use sim_core::cron;
use sim_core::objects::{
    CompletionMode, ConcurrencyPolicy, ConditionStatus, CronJob, CronJobSpec, CronJobStatus,
    ExitCodeOperator, Job, JobSpec, JobStatus, JobTemplate, Kind, OnExitCodes, OnPodCondition,
    PodFailurePolicyAction, PodFailurePolicyRule, PodReplacementPolicy, RestartPolicy,
};
use sim_core::selector::LabelSelector;

use super::{forbidden, go_map, invalid, not_supported, quoted, required, Checker, SpecOf};

/// `spec.backoffLimit` when not written.
pub const DEFAULT_BACKOFF_LIMIT: u32 = 6;
/// Largest `completions` / `parallelism` of an Indexed Job.
const MAX_INDEXED_COMPLETIONS: u32 = 100_000;
/// CronJob history defaults (k8s-semantics §0).
const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT: u32 = 3;
const DEFAULT_FAILED_JOBS_HISTORY_LIMIT: u32 = 1;
/// A CronJob's name leaves 11 characters for the Job name suffix.
const MAX_CRONJOB_NAME_LENGTH: usize = 52;

impl Checker<'_> {
    pub(super) fn job(&mut self, job: &batch::Job) -> Job {
        let meta = self.meta(&job.metadata, Kind::Job);
        let spec = job.spec.clone().unwrap_or_default();
        if job.spec.is_none() {
            self.error("spec", "Required value");
        }
        let spec = self.job_spec(&spec, "spec", false);
        Job {
            meta,
            spec,
            status: JobStatus::default(),
        }
    }

    pub(super) fn cron_job(&mut self, cron_job: &batch::CronJob) -> CronJob {
        let meta = self.meta(&cron_job.metadata, Kind::CronJob);
        if meta.name.len() > MAX_CRONJOB_NAME_LENGTH {
            self.error(
                "metadata.name",
                invalid(
                    quoted(&meta.name),
                    &format!("must be no more than {MAX_CRONJOB_NAME_LENGTH} characters"),
                ),
            );
        }
        let spec = &cron_job.spec;
        let zone_offset_seconds = match spec.time_zone.as_deref() {
            None => 0,
            Some(zone) => match cron::fixed_zone_offset(zone) {
                Some(offset) => offset,
                None => {
                    let detail = if zone.is_empty() || zone == "Local" || zone.contains(' ') {
                        format!("unknown time zone {zone}")
                    } else {
                        format!(
                            "unknown time zone {zone} (kubesim evaluates schedules in UTC, \
                             Etc/UTC and the fixed Etc/GMT±N zones only)"
                        )
                    };
                    self.error("spec.timeZone", invalid(quoted(zone), &detail));
                    0
                }
            },
        };
        let schedule_text = spec.schedule.clone();
        let schedule = if schedule_text.is_empty() {
            self.error("spec.schedule", required(""));
            None
        } else if schedule_text.contains("TZ") {
            self.error(
                "spec.schedule",
                invalid(
                    quoted(&schedule_text),
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                ),
            );
            None
        } else {
            match cron::parse(&schedule_text) {
                Ok(schedule) => Some(schedule),
                Err(e) => {
                    self.error(
                        "spec.schedule",
                        invalid(quoted(&schedule_text), &e.to_string()),
                    );
                    None
                }
            }
        };
        let concurrency_policy = match spec.concurrency_policy.as_deref() {
            None | Some("") | Some("Allow") => ConcurrencyPolicy::Allow,
            Some("Forbid") => ConcurrencyPolicy::Forbid,
            Some("Replace") => ConcurrencyPolicy::Replace,
            Some(other) => {
                self.error(
                    "spec.concurrencyPolicy",
                    not_supported(other, &["Allow", "Forbid", "Replace"]),
                );
                ConcurrencyPolicy::Allow
            }
        };
        let starting_deadline_seconds = spec.starting_deadline_seconds.and_then(|v| {
            u64::try_from(v).ok().or_else(|| {
                self.error(
                    "spec.startingDeadlineSeconds",
                    invalid(v, "must be greater than or equal to 0"),
                );
                None
            })
        });
        let successful_jobs_history_limit = self.non_negative(
            spec.successful_jobs_history_limit,
            DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
            "spec.successfulJobsHistoryLimit",
        );
        let failed_jobs_history_limit = self.non_negative(
            spec.failed_jobs_history_limit,
            DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
            "spec.failedJobsHistoryLimit",
        );
        let template = &spec.job_template;
        let template_meta = template.metadata.clone().unwrap_or_default();
        let labels = self.labels(
            template_meta.labels.as_ref(),
            "spec.jobTemplate.metadata.labels",
        );
        let annotations = self.annotations(
            template_meta.annotations.as_ref(),
            "spec.jobTemplate.metadata.annotations",
        );
        let job_spec = template.spec.clone().unwrap_or_default();
        if job_spec.manual_selector == Some(true) {
            self.error(
                "spec.jobTemplate.spec.manualSelector",
                "Unsupported value: true: supported values: \"nil\", \"false\"",
            );
        }
        let job_spec = self.job_spec(&job_spec, "spec.jobTemplate.spec", true);
        CronJob {
            meta,
            spec: CronJobSpec {
                schedule_text,
                // A stand-in when invalid: the errors above stop the load anyway.
                schedule: schedule.unwrap_or_else(fallback_schedule),
                time_zone: spec.time_zone.clone(),
                zone_offset_seconds,
                starting_deadline_seconds,
                concurrency_policy,
                suspend: spec.suspend.unwrap_or(false),
                job_template: JobTemplate {
                    labels,
                    annotations,
                    spec: job_spec,
                },
                successful_jobs_history_limit,
                failed_jobs_history_limit,
            },
            status: CronJobStatus::default(),
        }
    }

    /// A JobSpec written at `base` (`spec`, or `spec.jobTemplate.spec`).
    fn job_spec(&mut self, spec: &batch::JobSpec, base: &str, in_cron_job: bool) -> JobSpec {
        let at = |field: &str| format!("{base}.{field}");
        for (written, field) in [
            (
                spec.backoff_limit_per_index.is_some(),
                "backoffLimitPerIndex",
            ),
            (spec.max_failed_indexes.is_some(), "maxFailedIndexes"),
            (spec.success_policy.is_some(), "successPolicy"),
            (spec.managed_by.is_some(), "managedBy"),
        ] {
            if written {
                self.error(
                    &at(field),
                    format!("kubesim does not model `{field}` yet; remove it"),
                );
            }
        }
        let (completions, parallelism) = match (spec.completions, spec.parallelism) {
            (None, None) => (Some(1), 1),
            (completions, parallelism) => {
                let completions = completions.and_then(|c| {
                    u32::try_from(c).ok().or_else(|| {
                        self.error(
                            &at("completions"),
                            invalid(c, "must be greater than or equal to 0"),
                        );
                        None
                    })
                });
                let parallelism = self.non_negative(parallelism, 1, &at("parallelism"));
                (completions, parallelism)
            }
        };
        let backoff_limit = self.non_negative(
            spec.backoff_limit,
            DEFAULT_BACKOFF_LIMIT,
            &at("backoffLimit"),
        );
        let active_deadline_seconds = spec.active_deadline_seconds.and_then(|v| {
            u64::try_from(v).ok().or_else(|| {
                self.error(
                    &at("activeDeadlineSeconds"),
                    invalid(v, "must be greater than or equal to 0"),
                );
                None
            })
        });
        let ttl_seconds_after_finished = spec.ttl_seconds_after_finished.and_then(|v| {
            u64::try_from(v).ok().or_else(|| {
                self.error(
                    &at("ttlSecondsAfterFinished"),
                    invalid(v, "must be greater than or equal to 0"),
                );
                None
            })
        });
        let completion_mode = match spec.completion_mode.as_deref() {
            None | Some("") | Some("NonIndexed") => CompletionMode::NonIndexed,
            Some("Indexed") => CompletionMode::Indexed,
            Some(other) => {
                self.error(
                    &at("completionMode"),
                    not_supported(other, &["NonIndexed", "Indexed"]),
                );
                CompletionMode::NonIndexed
            }
        };
        if completion_mode == CompletionMode::Indexed {
            match completions {
                None => self.error(
                    &at("completions"),
                    required("when completion mode is Indexed"),
                ),
                Some(c) if c > MAX_INDEXED_COMPLETIONS => self.error(
                    &at("completions"),
                    invalid(
                        c,
                        &format!(
                            "must be less than or equal to {MAX_INDEXED_COMPLETIONS} when \
                             completion mode is Indexed"
                        ),
                    ),
                ),
                Some(_) => {}
            }
            if parallelism > MAX_INDEXED_COMPLETIONS {
                self.error(
                    &at("parallelism"),
                    invalid(
                        parallelism,
                        &format!(
                            "must be less than or equal to {MAX_INDEXED_COMPLETIONS} when \
                             completion mode is Indexed"
                        ),
                    ),
                );
            }
        }
        let template = self.template_at(&spec.template, &at("template"), SpecOf::JobTemplate);

        let manual_selector = spec.manual_selector.unwrap_or(false) && !in_cron_job;
        let selector = match (&spec.selector, manual_selector) {
            (Some(selector), true) => {
                let converted = self.selector(selector, &at("selector"));
                if converted.is_empty() {
                    self.error(
                        &at("selector"),
                        invalid("{}", "empty selector is invalid for job"),
                    );
                } else if !converted.matches(&template.labels) {
                    self.error(
                        &at("template.metadata.labels"),
                        invalid(
                            go_map(&template.labels),
                            "`selector` does not match template `labels`",
                        ),
                    );
                }
                converted
            }
            (None, true) => {
                self.error(&at("selector"), required(""));
                LabelSelector::default()
            }
            (Some(_), false) => {
                self.error(
                    &at("selector"),
                    invalid(
                        "{...}",
                        "`selector` not auto-generated (set `manualSelector: true` to write one)",
                    ),
                );
                LabelSelector::default()
            }
            (None, false) => LabelSelector::default(),
        };

        let pod_failure_policy = spec.pod_failure_policy.as_ref().map(|policy| {
            let base = at("podFailurePolicy");
            if template.spec.restart_policy != RestartPolicy::Never {
                self.error(
                    &at("template.spec.restartPolicy"),
                    invalid(
                        quoted(template.spec.restart_policy.as_str()),
                        "only \"Never\" is supported when podFailurePolicy is specified",
                    ),
                );
            }
            policy
                .rules
                .iter()
                .enumerate()
                .map(|(i, rule)| self.pod_failure_policy_rule(rule, &format!("{base}.rules[{i}]")))
                .collect::<Vec<_>>()
        });
        let pod_replacement_policy = match spec.pod_replacement_policy.as_deref() {
            None | Some("") if pod_failure_policy.is_some() => PodReplacementPolicy::Failed,
            None | Some("") => PodReplacementPolicy::TerminatingOrFailed,
            Some("Failed") => PodReplacementPolicy::Failed,
            Some("TerminatingOrFailed") if pod_failure_policy.is_some() => {
                self.error(
                    &at("podReplacementPolicy"),
                    not_supported("TerminatingOrFailed", &["Failed"]),
                );
                PodReplacementPolicy::Failed
            }
            Some("TerminatingOrFailed") => PodReplacementPolicy::TerminatingOrFailed,
            Some(other) => {
                self.error(
                    &at("podReplacementPolicy"),
                    not_supported(other, &["Failed", "TerminatingOrFailed"]),
                );
                PodReplacementPolicy::TerminatingOrFailed
            }
        };
        JobSpec {
            parallelism,
            completions,
            active_deadline_seconds,
            backoff_limit,
            completion_mode,
            suspend: spec.suspend.unwrap_or(false),
            manual_selector,
            selector,
            template,
            ttl_seconds_after_finished,
            pod_failure_policy,
            pod_replacement_policy,
        }
    }

    fn pod_failure_policy_rule(
        &mut self,
        rule: &batch::PodFailurePolicyRule,
        path: &str,
    ) -> PodFailurePolicyRule {
        let action = match rule.action.as_str() {
            "FailJob" => PodFailurePolicyAction::FailJob,
            "Ignore" => PodFailurePolicyAction::Ignore,
            "Count" => PodFailurePolicyAction::Count,
            "FailIndex" => {
                self.error(
                    &format!("{path}.action"),
                    invalid(
                        quoted("FailIndex"),
                        "requires the backoffLimitPerIndex to be set (which kubesim does not \
                         model yet)",
                    ),
                );
                PodFailurePolicyAction::FailIndex
            }
            other => {
                self.error(
                    &format!("{path}.action"),
                    not_supported(other, &["Count", "FailIndex", "FailJob", "Ignore"]),
                );
                PodFailurePolicyAction::Count
            }
        };
        let conditions = rule.on_pod_conditions.as_deref().unwrap_or_default();
        if rule.on_exit_codes.is_some() != conditions.is_empty() {
            self.error(
                path,
                invalid(
                    "{...}",
                    "specifying one of OnExitCodes and OnPodConditions is required",
                ),
            );
        }
        let on_exit_codes = rule.on_exit_codes.as_ref().map(|on| {
            let at = format!("{path}.onExitCodes");
            let operator = match on.operator.as_str() {
                "In" => ExitCodeOperator::In,
                "NotIn" => ExitCodeOperator::NotIn,
                other => {
                    self.error(
                        &format!("{at}.operator"),
                        not_supported(other, &["In", "NotIn"]),
                    );
                    ExitCodeOperator::In
                }
            };
            if on.values.is_empty() {
                self.error(
                    &format!("{at}.values"),
                    required("at least one value is required"),
                );
            }
            for (i, value) in on.values.iter().enumerate() {
                let value_path = format!("{at}.values[{i}]");
                if operator == ExitCodeOperator::In && *value == 0 {
                    self.error(
                        &value_path,
                        invalid(value, "must not be 0 for the In operator"),
                    );
                }
                if i > 0 && on.values[i - 1] == *value {
                    self.error(
                        &value_path,
                        "Duplicate value: ".to_string() + &value.to_string(),
                    );
                } else if i > 0 && on.values[i - 1] > *value {
                    self.error(&value_path, invalid(value, "must be ordered"));
                }
            }
            if let Some(name) = on.container_name.as_deref() {
                if name.is_empty() {
                    self.error(
                        &format!("{at}.containerName"),
                        forbidden("may not be empty"),
                    );
                }
            }
            OnExitCodes {
                container_name: on.container_name.clone(),
                operator,
                values: on.values.clone(),
            }
        });
        let on_pod_conditions = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let status = match c.status.as_deref() {
                    None | Some("") | Some("True") => ConditionStatus::True,
                    Some("False") => ConditionStatus::False,
                    Some("Unknown") => ConditionStatus::Unknown,
                    Some(other) => {
                        self.error(
                            &format!("{path}.onPodConditions[{i}].status"),
                            not_supported(other, &["True", "False", "Unknown"]),
                        );
                        ConditionStatus::True
                    }
                };
                OnPodCondition {
                    type_: c.type_.clone(),
                    status,
                }
            })
            .collect();
        PodFailurePolicyRule {
            action,
            on_exit_codes,
            on_pod_conditions,
        }
    }
}

/// What an invalid schedule is replaced by while the other fields are checked (the error
/// already recorded stops the load).
fn fallback_schedule() -> cron::Schedule {
    match cron::parse("0 0 1 1 *") {
        Ok(s) => s,
        Err(e) => panic!("the built-in yearly schedule parses: {e}"),
    }
}
