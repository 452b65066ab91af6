//! `NodeResourcesBalancedAllocation`: prefers nodes whose CPU and memory would be requested
//! in similar proportions.

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, ScorePlugin, MAX_NODE_SCORE};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// Score: `(1 − std) × 100` truncated, where std is the standard deviation of the requested
/// fractions of CPU and memory (each `(node requests + pod requests) / allocatable`, capped at
/// 1); for two resources std is `|cpuFraction − memoryFraction| / 2`. Uses the real requests
/// (kube-scheduler's `useRequested: true`), not the non-zero scoring defaults, and skips pods
/// that request neither CPU nor memory (kubernetes#129138).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeResourcesBalancedAllocation;

/// kube-scheduler's `balancedResourceScorer` for `(requested, allocatable)` pairs.
///
/// This is the one place in the scheduler that computes in `f64`, on purpose: kube-scheduler
/// computes the fractions in float64 and truncates, and the exact rational result differs from
/// that at boundaries (CPU 68 % and memory 0 % gives 65 in kube-scheduler, 66 exactly). The
/// operations below are the same IEEE-754 operations in the same order as the Go code (no fused
/// multiply-add, no reassociation), so the result is bit-for-bit kube-scheduler's on every
/// platform, and independent of evaluation order.
pub fn balanced_resource_score(resources: &[(u64, u64)]) -> i64 {
    if let [(r0, a0), (r1, a1)] = *resources {
        if a0 != 0 && a1 != 0 {
            return balanced_score_of_two(r0, a0, r1, a1);
        }
    }
    let mut fractions = [0f64; 8];
    let mut count = 0usize;
    let mut total = 0f64;
    for &(requested, allocatable) in resources {
        if allocatable == 0 {
            continue;
        }
        let fraction = (as_float(requested) / as_float(allocatable)).min(1.0);
        total += fraction;
        if count < fractions.len() {
            fractions[count] = fraction;
            count += 1;
        }
    }
    let std = match count {
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        0 | 1 => 0.0,
        n => {
            let mean = total / n as f64;
            let sum = fractions[..n]
                .iter()
                .fold(0.0, |sum, f| sum + (f - mean) * (f - mean));
            (sum / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// Go's `float64(int64)`: quantities are int64 in Kubernetes, so clamp there (it also makes
/// the conversion a single instruction).
#[inline]
fn as_float(value: u64) -> f64 {
    i64::try_from(value).unwrap_or(i64::MAX) as f64
}

/// The common case of two resources the node has: `std = |f0 − f1| / 2`.
#[inline]
fn balanced_score_of_two(r0: u64, a0: u64, r1: u64, a1: u64) -> i64 {
    let f0 = (as_float(r0) / as_float(a0)).min(1.0);
    let f1 = (as_float(r1) / as_float(a1)).min(1.0);
    let std = ((f0 - f1) / 2.0).abs();
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        names::NODE_RESOURCES_BALANCED_ALLOCATION
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.requests.cpu_millis == 0 && state.requests.memory_bytes == 0
    }

    fn score(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
        let allocatable = node.allocatable();
        let cpu = (
            node.requested
                .cpu_millis
                .saturating_add(state.requests.cpu_millis),
            allocatable.cpu_millis,
        );
        let memory = (
            node.requested
                .memory_bytes
                .saturating_add(state.requests.memory_bytes),
            allocatable.memory_bytes,
        );
        if cpu.1 != 0 && memory.1 != 0 {
            balanced_score_of_two(cpu.0, cpu.1, memory.0, memory.1)
        } else {
            balanced_resource_score(&[cpu, memory])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    #[test]
    fn g33_balanced_allocation_is_93_on_both_nodes() {
        // k8s-semantics G33: A 3/4 CPU and 5/8 memory, B 1/4 and 1/8: |Δ|/2 = 1/16 ⇒ 93.
        assert_eq!(
            balanced_resource_score(&[(3000, 4000), (5 * GIB, 8 * GIB)]),
            93
        );
        assert_eq!(balanced_resource_score(&[(1000, 4000), (GIB, 8 * GIB)]), 93);
    }

    #[test]
    fn truncates_the_float_result_like_kube_scheduler() {
        // Exactly (1 − 0.34) × 100 = 66, but float64 gives 65.99999999999999 ⇒ 65.
        assert_eq!(balanced_resource_score(&[(680, 1000), (0, GIB)]), 65);
        // kube-scheduler's own table: 60 % CPU, 25 % memory ⇒ 82 (std 0.175).
        assert_eq!(balanced_resource_score(&[(6000, 10000), (5000, 20000)]), 82);
        // Fractions are capped at 1.
        assert_eq!(balanced_resource_score(&[(9000, 4000), (0, 10000)]), 50);
        // A resource the node lacks is left out; one fraction has no deviation.
        assert_eq!(balanced_resource_score(&[(500, 1000), (GIB, 0)]), 100);
        assert_eq!(balanced_resource_score(&[]), 100);
    }

    #[test]
    fn best_effort_pods_are_skipped() {
        let p = pod(1, 0, 0);
        let state = CycleState::new(&p);
        assert!(NodeResourcesBalancedAllocation.skip(&state, &p));
        let p = pod(2, 100, 0);
        assert!(!NodeResourcesBalancedAllocation.skip(&CycleState::new(&p), &p));
        let info = NodeInfo::new(node("a", 1000, GIB));
        assert_eq!(
            NodeResourcesBalancedAllocation.score(&CycleState::new(&p), &p, &info),
            95
        );
    }
}
