//! The resource-quota controller: keeps `status.used` of every ResourceQuota equal to what
//! its namespace holds (k8s-semantics §10.5). Admission computes the same usage itself, so
//! the controller's job is the status a user reads, and noticing when a terminating pod
//! stops counting (`deletionTimestamp + deletionGracePeriodSeconds`).

use std::collections::BTreeSet;

use crate::admission::{namespace_usage, pod_quota_release};
use crate::objects::{Kind, ObjectRef, Pod, ResourceQuota};
use crate::store::{Change, Store};
use crate::time::SimTime;

use super::{Action, Context, Controller, ReconcileError};

/// The controller. Stateless.
#[derive(Debug, Default)]
pub struct ResourceQuotaController;

impl Controller for ResourceQuotaController {
    fn name(&self) -> &'static str {
        "resourcequota-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::ResourceQuota {
            wake.push(ObjectRef::new(Kind::ResourceQuota, change.key.clone()));
            return;
        }
        if !change.kind.namespaced() {
            return;
        }
        wake.extend(
            store
                .list_namespace::<ResourceQuota>(&change.key.namespace)
                .map(|q| ObjectRef::new(Kind::ResourceQuota, q.meta.key())),
        );
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(quota) = ctx.store.get::<ResourceQuota>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        let namespace = quota.meta.namespace.clone();
        let names: BTreeSet<&str> = quota.hard.keys().map(String::as_str).collect();
        let used = namespace_usage(ctx.store, &namespace, &names, ctx.now);
        if used != quota.used {
            ctx.store
                .modify::<ResourceQuota, _>(&key.key, false, |q| q.used = used)?;
        }
        // The next instant a terminating pod stops counting.
        let next: Option<SimTime> = ctx
            .store
            .list_namespace::<Pod>(&namespace)
            .filter_map(pod_quota_release)
            .filter(|t| *t > ctx.now)
            .min();
        Ok(match next {
            Some(t) => Action::RequeueAfter(t.saturating_since(ctx.now)),
            None => Action::AwaitChange,
        })
    }
}
