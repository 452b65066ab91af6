//! `TaintNodesByCondition` of the node lifecycle controller, for the pressure conditions
//! the kubelet's eviction manager sets: `MemoryPressure=True` ⇒ taint
//! `node.kubernetes.io/memory-pressure:NoSchedule` (k8s-semantics §10.4), removed with the
//! condition. The scheduler's TaintToleration filter then keeps new pods off the node,
//! except those tolerating it (DaemonSet pods get that toleration from their controller).

use crate::objects::{ConditionStatus, Kind, Node, ObjectRef, Taint, TaintEffect};
use crate::store::{Change, ChangeType, Store};

use super::{Action, Context, Controller, ReconcileError};

/// The taint of a node under memory pressure.
pub const MEMORY_PRESSURE_TAINT: &str = "node.kubernetes.io/memory-pressure";

/// The controller. Stateless.
#[derive(Debug, Default)]
pub struct TaintByConditionController;

impl Controller for TaintByConditionController {
    fn name(&self) -> &'static str {
        "node-lifecycle-controller/taint-by-condition"
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::Node && change.change_type != ChangeType::Deleted {
            wake.push(ObjectRef::new(Kind::Node, change.key.clone()));
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(node) = ctx.store.get::<Node>(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        let want = node.memory_pressure == ConditionStatus::True;
        let has = node
            .taints
            .iter()
            .any(|t| t.key == MEMORY_PRESSURE_TAINT && t.effect == TaintEffect::NoSchedule);
        if want == has {
            return Ok(Action::AwaitChange);
        }
        ctx.store.modify::<Node, _>(&key.key, false, |n| {
            if want {
                n.taints.push(Taint {
                    key: MEMORY_PRESSURE_TAINT.to_string(),
                    value: String::new(),
                    effect: TaintEffect::NoSchedule,
                });
            } else {
                n.taints.retain(|t| t.key != MEMORY_PRESSURE_TAINT);
            }
        })?;
        Ok(Action::AwaitChange)
    }
}
