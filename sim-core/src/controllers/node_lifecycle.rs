//! The part of the node lifecycle controller that is modelled so far: `TaintNodesByCondition`
//! for cordon. A node with `spec.unschedulable` gets the taint
//! `node.kubernetes.io/unschedulable:NoSchedule`, removed again on uncordon
//! (k8s-semantics §6.6). Heartbeats, NotReady/Unreachable and taint-based eviction belong to
//! the disruptions work and are refused by the scenario loader until then.

use crate::objects::{Kind, Node, ObjectRef, Taint, TaintEffect};
use crate::store::{Change, ChangeType, Store};

use super::{Action, Context, Controller, ReconcileError};

/// The taint that mirrors `spec.unschedulable`.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// The controller.
#[derive(Debug, Default)]
pub struct NodeLifecycleController;

impl Controller for NodeLifecycleController {
    fn name(&self) -> &'static str {
        "node-lifecycle-controller"
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
        let has_taint = node
            .taints
            .iter()
            .any(|t| t.key == UNSCHEDULABLE_TAINT && t.effect == TaintEffect::NoSchedule);
        if node.unschedulable == has_taint {
            return Ok(Action::AwaitChange);
        }
        let add = node.unschedulable;
        ctx.store.modify::<Node, _>(&key.key, false, |n| {
            if add {
                n.taints.push(Taint {
                    key: UNSCHEDULABLE_TAINT.to_string(),
                    value: String::new(),
                    effect: TaintEffect::NoSchedule,
                });
            } else {
                n.taints.retain(|t| t.key != UNSCHEDULABLE_TAINT);
            }
        })?;
        Ok(Action::AwaitChange)
    }
}
