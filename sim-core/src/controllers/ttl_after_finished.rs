//! The TTL-after-finished controller (k8s `pkg/controller/ttlafterfinished`;
//! k8s-semantics §8.9): a Job with `ttlSecondsAfterFinished` is deleted once
//! `now ≥ finish time + TTL`, where the finish time is the last transition of its `Complete`
//! or `Failed` condition. It sleeps until then (one timer, no polling).
//!
//! The real controller deletes with `propagationPolicy: Foreground`, so the Job stays, with
//! its `foregroundDeletion` finalizer, until the garbage collector has removed its pods;
//! finished pods go at once, so the Job and its pods disappear at the same instant.

use crate::objects::{Job, Kind, ObjectRef};
use crate::store::{Change, PropagationPolicy, Store};
use crate::time::SimDuration;

use super::{Action, Context, Controller, ReconcileError};

/// The controller. Stateless.
#[derive(Debug, Default)]
pub struct TtlAfterFinishedController;

impl Controller for TtlAfterFinishedController {
    fn name(&self) -> &'static str {
        "ttl-after-finished-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind != Kind::Job {
            return;
        }
        let due = store.get::<Job>(&change.key).is_some_and(|j| {
            j.spec.ttl_seconds_after_finished.is_some()
                && j.status.finished().is_some()
                && j.meta.deletion_timestamp.is_none()
        });
        if due {
            wake.push(ObjectRef::new(Kind::Job, change.key.clone()));
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(job) = ctx.store.get::<Job>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if job.meta.deletion_timestamp.is_some() {
            return Ok(Action::AwaitChange);
        }
        let (Some(ttl), Some(finished)) = (
            job.spec.ttl_seconds_after_finished,
            job.status.finish_time(),
        ) else {
            return Ok(Action::AwaitChange);
        };
        let expires = finished + SimDuration::from_secs(ttl);
        if ctx.now < expires {
            return Ok(Action::RequeueAfter(expires.saturating_since(ctx.now)));
        }
        ctx.store
            .delete_propagating::<Job>(&key.key, PropagationPolicy::Foreground)?;
        Ok(Action::AwaitChange)
    }
}
