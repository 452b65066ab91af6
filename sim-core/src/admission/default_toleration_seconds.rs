//! The `DefaultTolerationSeconds` admission plugin (k8s-semantics §7.4): a pod that does
//! not tolerate `node.kubernetes.io/not-ready:NoExecute` or
//! `node.kubernetes.io/unreachable:NoExecute` gets a toleration for it with
//! `tolerationSeconds: 300`, so its pods leave a lost node five minutes after the taint.

use crate::objects::{
    Pod, TaintEffect, Toleration, TolerationOperator, NOT_READY_TAINT, UNREACHABLE_TAINT,
};

/// `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`.
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// Adds the default tolerations the pod lacks, after its own (the plugin appends).
pub fn add_default_tolerations(pod: &mut Pod) {
    for key in [NOT_READY_TAINT, UNREACHABLE_TAINT] {
        // An empty key or effect in a toleration matches every key or effect.
        let tolerates = pod.spec.tolerations.iter().any(|t| {
            (t.key == key || t.key.is_empty())
                && (t.effect == Some(TaintEffect::NoExecute) || t.effect.is_none())
        });
        if !tolerates {
            pod.spec.tolerations.push(Toleration {
                key: key.to_string(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: Some(TaintEffect::NoExecute),
                toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
            });
        }
    }
}
