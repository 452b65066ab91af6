//! The CronJob controller, v2 (k8s `pkg/controller/cronjob/cronjob_controllerv2.go`, 1.21+;
//! k8s-semantics §8.10).
//!
//! A sync updates `status.active` from the CronJob's Jobs (a finished one leaves it with
//! `SawCompletedJob`), starts the most recent schedule time that has not run yet (only that
//! one after a gap, with `TooManyMissedTimes` past 100 missed), honours
//! `startingDeadlineSeconds`, `suspend` and the concurrency policy, deletes finished Jobs
//! beyond the history limits, and sleeps until the next schedule time: no polling.
//!
//! One deliberate difference from the v2 code, after golden case G31: with `Forbid`, a run
//! skipped because the previous Job was still active is skipped for good. The real
//! controller does not advance `lastScheduleTime` when it skips, so when the previous Job
//! finishes before the next schedule time the skipped run starts then, unless
//! `startingDeadlineSeconds` has passed (the CronJob page's "when the previous Job run
//! finishes, .spec.startingDeadlineSeconds is still taken into account and may result in a
//! new Job run"). The simulator remembers the skipped time instead.

use std::collections::BTreeMap;

use crate::objects::{
    CronJob, CronJobStatus, Job, JobReference, JobStatus, Kind, ObjectKey, ObjectMeta, ObjectRef,
    OwnerReference, Uid,
};
use crate::store::{Change, PropagationPolicy, Store};
use crate::time::{SimDuration, SimTime, EPOCH_UNIX_SECONDS};
use crate::timeline::EventType;

use super::{create_or_report, wake_owner_or_self, Action, Context, Controller, ReconcileError};

/// Annotation with the scheduled time a CronJob's Job was created for (1.28+).
pub const CRONJOB_SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

const SOURCE: &str = "cronjob-controller";

/// More missed schedule times than this make a `TooManyMissedTimes` warning.
const MANY_MISSED: u32 = 100;

/// Unix seconds of a simulated instant (rounded down to the second).
pub fn unix_seconds(t: SimTime) -> i64 {
    i64::try_from(EPOCH_UNIX_SECONDS + t.as_secs()).unwrap_or(i64::MAX)
}

/// The simulated instant of Unix second `unix` (the epoch if earlier).
pub fn from_unix_seconds(unix: i64) -> SimTime {
    let secs = u64::try_from(unix)
        .unwrap_or(0)
        .saturating_sub(EPOCH_UNIX_SECONDS);
    SimTime(secs.saturating_mul(1000))
}

/// The next schedule time of `cj` strictly after `t`.
pub fn next_schedule_after(cj: &CronJob, t: SimTime) -> Option<SimTime> {
    cj.spec
        .schedule
        .next_after(unix_seconds(t), cj.spec.zone_offset_seconds)
        .map(from_unix_seconds)
}

/// The controller. It remembers, per CronJob, the schedule time a `Forbid` skip consumed.
#[derive(Debug, Default)]
pub struct CronJobController {
    skipped: BTreeMap<Uid, SimTime>,
}

/// The most recent schedule time in `(earliest, now]`, and how many there are (counted up
/// to `MANY_MISSED + 1`).
fn most_recent(cj: &CronJob, earliest: SimTime, now: SimTime) -> (Option<SimTime>, u32) {
    let Some(first) = next_schedule_after(cj, earliest).filter(|t| *t <= now) else {
        return (None, 0);
    };
    let mut count = 1;
    let mut last = first;
    while count <= MANY_MISSED {
        match next_schedule_after(cj, last) {
            Some(t) if t <= now => {
                last = t;
                count += 1;
            }
            _ => return (Some(last), count),
        }
    }
    // Many missed: find the latest one ≤ now by walking forward from windows ever further
    // back, smallest first, so that the walk stays short.
    for window_secs in [
        3_600u64,
        86_400,
        32 * 86_400,
        366 * 86_400,
        5 * 366 * 86_400,
    ] {
        let from = SimTime(now.0.saturating_sub(window_secs * 1000)).max(last);
        let mut found = None;
        let mut t = from;
        while let Some(next) = next_schedule_after(cj, t).filter(|n| *n <= now) {
            found = Some(next);
            t = next;
        }
        if let Some(found) = found {
            return (Some(found), count);
        }
    }
    (Some(last), count)
}

fn job_start(job: &Job) -> SimTime {
    job.status.start_time.unwrap_or(job.meta.creation_timestamp)
}

/// Minutes since the Unix epoch of a schedule time: the suffix of the Job's name.
pub fn job_name(cj: &CronJob, scheduled: SimTime) -> String {
    format!("{}-{}", cj.meta.name, unix_seconds(scheduled) / 60)
}

fn job_from_template(cj: &CronJob, scheduled: SimTime, timestamp: String) -> Job {
    let template = &cj.spec.job_template;
    let mut annotations = template.annotations.clone();
    annotations.insert(CRONJOB_SCHEDULED_TIMESTAMP.to_string(), timestamp);
    Job {
        meta: ObjectMeta {
            name: job_name(cj, scheduled),
            namespace: cj.meta.namespace.clone(),
            labels: template.labels.clone(),
            annotations,
            owner_references: vec![OwnerReference {
                kind: Kind::CronJob,
                name: cj.meta.name.clone(),
                uid: cj.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: JobStatus::default(),
    }
}

/// RFC 3339 of a simulated instant (for the scheduled-timestamp annotation).
fn rfc3339(t: SimTime) -> String {
    let secs = EPOCH_UNIX_SECONDS + t.as_secs();
    let (y, m, d) = crate::time::civil_from_days(secs / 86_400);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

impl Controller for CronJobController {
    fn name(&self) -> &'static str {
        "cronjob-controller"
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        wake_owner_or_self(change, Kind::CronJob, wake);
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(cj) = ctx.store.get::<CronJob>(&key.key).cloned() else {
            // Forget the skips of CronJobs that are gone.
            let store = &*ctx.store;
            self.skipped
                .retain(|uid, _| store.list::<CronJob>().any(|c| c.meta.uid == *uid));
            return Ok(Action::AwaitChange);
        };
        if cj.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let cj_ref = ObjectRef::new(Kind::CronJob, key.key.clone());
        let mut status = cj.status.clone();
        let jobs: Vec<Job> = ctx
            .store
            .list_namespace::<Job>(&cj.meta.namespace)
            .filter(|j| {
                j.meta
                    .controller_ref()
                    .is_some_and(|r| r.uid == cj.meta.uid)
            })
            .cloned()
            .collect();

        // ---- status.active from the Jobs ---------------------------------------------------
        for job in &jobs {
            let listed = status.active.iter().any(|r| r.uid == job.meta.uid);
            match job.status.finished() {
                None if !listed => status.active.push(JobReference {
                    name: job.meta.name.clone(),
                    uid: job.meta.uid,
                }),
                None => {}
                Some(condition) => {
                    if listed {
                        status.active.retain(|r| r.uid != job.meta.uid);
                        ctx.store.event(
                            cj_ref.clone(),
                            EventType::Normal,
                            "SawCompletedJob",
                            format!(
                                "Saw completed job: {}, condition: {}",
                                job.meta.name, condition.type_
                            ),
                            SOURCE,
                        );
                    }
                    if condition.type_ == "Complete" {
                        if let Some(done) = job.status.completion_time {
                            if status.last_successful_time.is_none_or(|t| t < done) {
                                status.last_successful_time = Some(done);
                            }
                        }
                    }
                }
            }
        }
        let missing: Vec<JobReference> = status
            .active
            .iter()
            .filter(|r| !jobs.iter().any(|j| j.meta.uid == r.uid))
            .cloned()
            .collect();
        for gone in missing {
            status.active.retain(|r| r.uid != gone.uid);
            ctx.store.event(
                cj_ref.clone(),
                EventType::Normal,
                "MissingJob",
                format!("Active job went missing: {}", gone.name),
                SOURCE,
            );
        }

        let action = self.schedule(&cj, &cj_ref, &mut status, ctx)?;

        // ---- history limits (`cleanupFinishedJobs`) ------------------------------------------
        let mut finished: Vec<(&Job, bool)> = jobs
            .iter()
            .filter_map(|j| j.status.finished().map(|c| (j, c.type_ == "Complete")))
            .collect();
        finished.sort_by_key(|(j, _)| (job_start(j), j.meta.name.clone()));
        for (succeeded, limit) in [
            (true, cj.spec.successful_jobs_history_limit),
            (false, cj.spec.failed_jobs_history_limit),
        ] {
            let of_kind: Vec<&Job> = finished
                .iter()
                .filter(|(_, s)| *s == succeeded)
                .map(|(j, _)| *j)
                .collect();
            let surplus = of_kind.len().saturating_sub(limit as usize);
            for job in of_kind.into_iter().take(surplus) {
                delete_job(ctx.store, &cj_ref, &job.meta.key())?;
            }
        }

        if status != cj.status {
            ctx.store
                .modify::<CronJob, _>(&key.key, false, |c| c.status = status)?;
        }
        Ok(action)
    }
}

fn delete_job(
    store: &mut Store,
    cj_ref: &ObjectRef,
    job: &ObjectKey,
) -> Result<(), ReconcileError> {
    if store.get::<Job>(job).is_none() {
        return Ok(());
    }
    store.delete_propagating::<Job>(job, PropagationPolicy::Background)?;
    store.event(
        cj_ref.clone(),
        EventType::Normal,
        "SuccessfulDelete",
        format!("Deleted job {}", job.name),
        SOURCE,
    );
    Ok(())
}

impl CronJobController {
    /// The scheduling half of `syncCronJob`: may create a Job; answers when to wake next.
    fn schedule(
        &mut self,
        cj: &CronJob,
        cj_ref: &ObjectRef,
        status: &mut CronJobStatus,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let now = ctx.now;
        let requeue_next = || match next_schedule_after(cj, now) {
            Some(t) => Action::RequeueAfter(t.saturating_since(now)),
            None => Action::AwaitChange,
        };
        if cj.spec.suspend {
            return Ok(Action::AwaitChange);
        }
        let mut earliest = status
            .last_schedule_time
            .unwrap_or(cj.meta.creation_timestamp);
        if let Some(skipped) = self.skipped.get(&cj.meta.uid) {
            earliest = earliest.max(*skipped);
        }
        if let Some(deadline) = cj.spec.starting_deadline_seconds {
            let limit = SimTime(now.0.saturating_sub(deadline.saturating_mul(1000)));
            earliest = earliest.max(limit);
        }
        let (scheduled, missed) = most_recent(cj, earliest, now);
        let Some(scheduled) = scheduled else {
            return Ok(requeue_next());
        };
        if missed > MANY_MISSED {
            ctx.store.event(
                cj_ref.clone(),
                EventType::Warning,
                "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or \
                 check clock skew"
                    .to_string(),
                SOURCE,
            );
        }
        if let Some(deadline) = cj.spec.starting_deadline_seconds {
            if scheduled + SimDuration::from_secs(deadline) < now {
                ctx.store.event(
                    cj_ref.clone(),
                    EventType::Warning,
                    "MissSchedule",
                    format!(
                        "Missed scheduled time to start a job: {}",
                        rfc3339(scheduled)
                    ),
                    SOURCE,
                );
                return Ok(requeue_next());
            }
        }
        let name = job_name(cj, scheduled);
        if status.active.iter().any(|r| r.name == name)
            || status.last_schedule_time == Some(scheduled)
        {
            return Ok(requeue_next());
        }
        match cj.spec.concurrency_policy {
            crate::objects::ConcurrencyPolicy::Forbid if !status.active.is_empty() => {
                ctx.store.event(
                    cj_ref.clone(),
                    EventType::Normal,
                    "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency policy \
                     is Forbid"
                        .to_string(),
                    SOURCE,
                );
                self.skipped.insert(cj.meta.uid, scheduled);
                return Ok(requeue_next());
            }
            crate::objects::ConcurrencyPolicy::Replace => {
                for active in std::mem::take(&mut status.active) {
                    let key = ObjectKey::new(cj.meta.namespace.clone(), active.name.clone());
                    delete_job(ctx.store, cj_ref, &key)?;
                }
            }
            _ => {}
        }
        let job = job_from_template(cj, scheduled, rfc3339(scheduled));
        let key = ObjectKey::new(cj.meta.namespace.clone(), name.clone());
        if ctx.store.get::<Job>(&key).is_some() {
            // Created by an earlier sync whose status write was lost: adopt it.
            status.last_schedule_time = Some(scheduled);
            return Ok(requeue_next());
        }
        create_or_report(ctx.store, job, cj_ref, SOURCE, |error| {
            format!("Error creating job: {error}")
        })?;
        let uid = ctx
            .store
            .get::<Job>(&key)
            .map_or(Uid::default(), |j| j.meta.uid);
        ctx.store.event(
            cj_ref.clone(),
            EventType::Normal,
            "SuccessfulCreate",
            format!("Created job {name}"),
            SOURCE,
        );
        status.active.push(JobReference { name, uid });
        status.last_schedule_time = Some(scheduled);
        Ok(requeue_next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trip() {
        assert_eq!(unix_seconds(SimTime::ZERO), EPOCH_UNIX_SECONDS as i64);
        assert_eq!(
            from_unix_seconds(unix_seconds(SimTime(60_000))),
            SimTime(60_000)
        );
        assert_eq!(rfc3339(SimTime(90_500)), "2026-01-01T00:01:30Z");
    }
}
