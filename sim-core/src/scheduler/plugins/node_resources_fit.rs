//! `NodeResourcesFit`: requests against allocatable (filter, extended resources included)
//! and the LeastAllocated / MostAllocated / RequestedToCapacityRatio scoring strategies.

use std::borrow::Cow;

use crate::objects::Pod;
use crate::scheduler::framework::{
    CycleState, FilterPlugin, Reason, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// Reason when the node already runs `allocatable.pods` pods.
pub const REASON_TOO_MANY_PODS: &str = "Too many pods";
/// Reason when the CPU requests do not fit.
pub const REASON_INSUFFICIENT_CPU: &str = "Insufficient cpu";
/// Reason when the memory requests do not fit.
pub const REASON_INSUFFICIENT_MEMORY: &str = "Insufficient memory";
/// Reason when the ephemeral-storage requests do not fit.
pub const REASON_INSUFFICIENT_EPHEMERAL_STORAGE: &str = "Insufficient ephemeral-storage";

/// `scoringStrategy.type` of `NodeResourcesFitArgs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScoringStrategy {
    /// Prefer nodes with the most unrequested resources (the default; spreads pods).
    #[default]
    LeastAllocated,
    /// Prefer nodes with the most requested resources (bin packing).
    MostAllocated,
    /// Score each resource's utilisation through a broken-linear function
    /// ([`NodeResourcesFitArgs::shape`]).
    RequestedToCapacityRatio,
}

/// One point of `requestedToCapacityRatio.shape`: at `utilization` percent the score is
/// `score` (0..=10, scaled ×10 onto 0..=100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UtilizationShapePoint {
    /// 0..=100, strictly increasing along the shape.
    pub utilization: u8,
    /// 0..=10.
    pub score: u8,
}

/// `requestedToCapacityRatio.shape`: up to 101 points (utilisation strictly increases over
/// 0..=100), kept inline so the arguments stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtilizationShape {
    points: [UtilizationShapePoint; 101],
    len: u8,
}

impl Default for UtilizationShape {
    /// kube-scheduler's default shape: `{0, 0}, {100, 10}` (bin packing).
    fn default() -> Self {
        UtilizationShape::new(&[(0, 0), (100, 10)]).unwrap_or(UtilizationShape {
            points: [UtilizationShapePoint::default(); 101],
            len: 0,
        })
    }
}

impl UtilizationShape {
    /// A shape from `(utilization, score)` points, validated as kube-scheduler's
    /// `validateFunctionShape` does.
    pub fn new(points: &[(i64, i64)]) -> Result<UtilizationShape, String> {
        if points.is_empty() {
            return Err("shape: at least one point must be specified".into());
        }
        let mut shape = UtilizationShape {
            points: [UtilizationShapePoint::default(); 101],
            len: 0,
        };
        let mut previous: Option<i64> = None;
        for (i, &(utilization, score)) in points.iter().enumerate() {
            if !(0..=100).contains(&utilization) {
                return Err(format!(
                    "shape[{i}].utilization: Invalid value: {utilization}: not in valid range [0, 100]"
                ));
            }
            if previous.is_some_and(|p| utilization <= p) {
                return Err(format!(
                    "shape[{i}].utilization: Invalid value: {utilization}: utilization values must be sorted in increasing order"
                ));
            }
            if !(0..=10).contains(&score) {
                return Err(format!(
                    "shape[{i}].score: Invalid value: {score}: not in valid range [0, 10]"
                ));
            }
            previous = Some(utilization);
            // Both are range-checked above.
            shape.points[i] = UtilizationShapePoint {
                utilization: u8::try_from(utilization).unwrap_or(100),
                score: u8::try_from(score).unwrap_or(10),
            };
            shape.len += 1;
        }
        Ok(shape)
    }

    /// The points.
    pub fn points(&self) -> &[UtilizationShapePoint] {
        &self.points[..usize::from(self.len)]
    }

    /// `helper.BuildBrokenLinearFunction` over the points scaled ×10, at utilisation `p`.
    pub fn score_at(&self, p: i64) -> i64 {
        let points = self.points();
        let scaled = |i: usize| i64::from(points[i].score) * (MAX_NODE_SCORE / 10);
        let at = |i: usize| i64::from(points[i].utilization);
        for i in 0..points.len() {
            if p <= at(i) {
                if i == 0 {
                    return scaled(0);
                }
                return scaled(i - 1)
                    + (scaled(i) - scaled(i - 1)) * (p - at(i - 1)) / (at(i) - at(i - 1));
            }
        }
        points.last().map_or(0, |_| scaled(points.len() - 1))
    }

    /// The score of one resource: `score_at(requested × 100 / capacity)`, or at 100 when
    /// the node has none or is over capacity.
    pub fn resource_score(&self, requested: u64, capacity: u64) -> i64 {
        if capacity == 0 || requested > capacity {
            return self.score_at(100);
        }
        self.score_at(scaled_ratio(requested, capacity))
    }
}

/// `NodeResourcesFitArgs`: the scoring strategy and the weight of each scored resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeResourcesFitArgs {
    /// Strategy; default LeastAllocated.
    pub scoring_strategy: ScoringStrategy,
    /// Weight of CPU, 1..=100; default 1.
    pub cpu_weight: i64,
    /// Weight of memory, 1..=100; default 1.
    pub memory_weight: i64,
    /// `requestedToCapacityRatio.shape` (used by that strategy only).
    pub shape: UtilizationShape,
}

impl Default for NodeResourcesFitArgs {
    fn default() -> NodeResourcesFitArgs {
        NodeResourcesFitArgs {
            scoring_strategy: ScoringStrategy::LeastAllocated,
            cpu_weight: 1,
            memory_weight: 1,
            shape: UtilizationShape::default(),
        }
    }
}

impl NodeResourcesFitArgs {
    /// Checks the weights as kube-scheduler's validation does (each in 1..=100).
    pub fn validate(&self) -> Result<(), String> {
        for (resource, weight) in [("cpu", self.cpu_weight), ("memory", self.memory_weight)] {
            if !(1..=100).contains(&weight) {
                return Err(format!(
                    "resource weight of {resource} should be in the range [1, 100], got {weight}"
                ));
            }
        }
        Ok(())
    }
}

/// Filter: pod count, CPU, memory, ephemeral storage and every extended resource the pod
/// requests must fit in `allocatable − Σ requests of the pods already there`; each shortage
/// is its own reason (`Insufficient cpu`, `Too many pods`, ...). Score: the configured
/// [`ScoringStrategy`] over CPU and memory, using the non-zero requests (k8s-semantics 9.3).
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeResourcesFit {
    args: NodeResourcesFitArgs,
}

impl NodeResourcesFit {
    /// The plugin with `args` (validated).
    pub fn new(args: NodeResourcesFitArgs) -> Result<NodeResourcesFit, String> {
        args.validate()?;
        Ok(NodeResourcesFit { args })
    }

    /// The arguments in use.
    pub fn args(&self) -> &NodeResourcesFitArgs {
        &self.args
    }
}

/// Whether `wanted` (if any) exceeds what is left of `allocatable` after `used`.
fn short(wanted: u64, allocatable: u64, used: u64) -> bool {
    wanted > 0 && wanted > allocatable.saturating_sub(used)
}

/// Whether the pod fits: the same checks as [`insufficient_resources`] without building
/// the reasons, for the common case.
#[inline]
pub fn fits(state: &CycleState, node: &NodeInfo) -> bool {
    let allocatable = node.allocatable();
    let requested = &node.requested;
    let pod = &state.requests;
    node.pod_count < allocatable.pods
        && !short(pod.cpu_millis, allocatable.cpu_millis, requested.cpu_millis)
        && !short(
            pod.memory_bytes,
            allocatable.memory_bytes,
            requested.memory_bytes,
        )
        && !short(
            pod.ephemeral_storage_bytes,
            allocatable.ephemeral_storage_bytes,
            requested.ephemeral_storage_bytes,
        )
        && (pod.extended.is_empty()
            || pod.extended.iter().all(|(name, &wanted)| {
                let available = allocatable.extended.get(name).copied().unwrap_or(0);
                let used = requested.extended.get(name).copied().unwrap_or(0);
                !short(wanted, available, used)
            }))
}

/// kube-scheduler's `fitsRequest`, returning the reasons the pod does not fit (empty: fits).
pub fn insufficient_resources(state: &CycleState, node: &NodeInfo) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let allocatable = node.allocatable();
    let requested = &node.requested;
    if node.pod_count.saturating_add(1) > allocatable.pods {
        reasons.push(Cow::Borrowed(REASON_TOO_MANY_PODS));
    }
    let pod = &state.requests;
    if pod.cpu_millis == 0
        && pod.memory_bytes == 0
        && pod.ephemeral_storage_bytes == 0
        && pod.extended.is_empty()
    {
        return reasons;
    }
    if short(pod.cpu_millis, allocatable.cpu_millis, requested.cpu_millis) {
        reasons.push(Cow::Borrowed(REASON_INSUFFICIENT_CPU));
    }
    if short(
        pod.memory_bytes,
        allocatable.memory_bytes,
        requested.memory_bytes,
    ) {
        reasons.push(Cow::Borrowed(REASON_INSUFFICIENT_MEMORY));
    }
    if short(
        pod.ephemeral_storage_bytes,
        allocatable.ephemeral_storage_bytes,
        requested.ephemeral_storage_bytes,
    ) {
        reasons.push(Cow::Borrowed(REASON_INSUFFICIENT_EPHEMERAL_STORAGE));
    }
    for (name, &wanted) in &pod.extended {
        let available = allocatable.extended.get(name).copied().unwrap_or(0);
        let used = requested.extended.get(name).copied().unwrap_or(0);
        if short(wanted, available, used) {
            reasons.push(Cow::Owned(format!("Insufficient {name}")));
        }
    }
    reasons
}

/// `leastRequestedScore`: `(capacity − requested) × 100 / capacity`, 0 when over capacity.
#[inline]
pub fn least_requested_score(requested: u64, capacity: u64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    scaled_ratio(capacity - requested, capacity)
}

/// `mostRequestedScore`: `requested × 100 / capacity`, with requested capped at capacity.
#[inline]
pub fn most_requested_score(requested: u64, capacity: u64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    scaled_ratio(requested.min(capacity), capacity)
}

/// `part × 100 / whole` for `part ≤ whole`, in u64 unless the product would overflow.
#[inline]
fn scaled_ratio(part: u64, whole: u64) -> i64 {
    let max = MAX_NODE_SCORE.unsigned_abs();
    let value = match part.checked_mul(max) {
        Some(product) => product / whole,
        None => {
            u64::try_from(u128::from(part) * u128::from(max) / u128::from(whole)).unwrap_or(max)
        }
    };
    i64::try_from(value).unwrap_or(MAX_NODE_SCORE)
}

/// The rejection, kept out of line so the filter's fast path stays small.
#[cold]
#[inline(never)]
fn not_fitting(state: &CycleState, node: &NodeInfo) -> Status {
    let reasons = insufficient_resources(state, node);
    debug_assert!(
        !reasons.is_empty(),
        "fits() and insufficient_resources() disagree"
    );
    if exceeds_allocatable(&state.requests, node) {
        Status::UnschedulableAndUnresolvable { reasons }
    } else {
        Status::Unschedulable { reasons }
    }
}

/// Whether the pod asks for more of some resource than the node has at all, so that no
/// preemption could make room (`InsufficientResource.Unresolvable` in kube-scheduler).
fn exceeds_allocatable(request: &crate::objects::Resources, node: &NodeInfo) -> bool {
    let allocatable = node.allocatable();
    request.cpu_millis > allocatable.cpu_millis
        || request.memory_bytes > allocatable.memory_bytes
        || request.ephemeral_storage_bytes > allocatable.ephemeral_storage_bytes
        || request
            .extended
            .iter()
            .any(|(name, amount)| *amount > allocatable.extended.get(name).copied().unwrap_or(0))
}

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        names::NODE_RESOURCES_FIT
    }

    fn filter(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
        if fits(state, node) {
            Status::Success
        } else {
            not_fitting(state, node)
        }
    }
}

impl NodeResourcesFit {
    /// `requestedToCapacityRatioScorer`: per resource the shape's score of its utilisation,
    /// weighted; a resource the node lacks or that scores 0 is left out; the average is
    /// rounded half away from zero (`math.Round`).
    fn requested_to_capacity_ratio(
        &self,
        cpu_requested: u64,
        memory_requested: u64,
        cpu_allocatable: u64,
        memory_allocatable: u64,
    ) -> i64 {
        let shape = &self.args.shape;
        let mut node_score = 0i64;
        let mut weight_sum = 0i64;
        for (requested, allocatable, weight) in [
            (cpu_requested, cpu_allocatable, self.args.cpu_weight),
            (
                memory_requested,
                memory_allocatable,
                self.args.memory_weight,
            ),
        ] {
            if allocatable == 0 {
                continue;
            }
            // A resource scoring 0 is left out of the average, as kube-scheduler does.
            let resource_score = shape.resource_score(requested, allocatable);
            if resource_score > 0 {
                node_score += resource_score * weight;
                weight_sum += weight;
            }
        }
        if weight_sum == 0 {
            return 0;
        }
        (node_score as f64 / weight_sum as f64).round() as i64
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        names::NODE_RESOURCES_FIT
    }

    fn score(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
        let allocatable = node.allocatable();
        let cpu_requested = node
            .non_zero_cpu_millis
            .saturating_add(state.non_zero.cpu_millis);
        let memory_requested = node
            .non_zero_memory_bytes
            .saturating_add(state.non_zero.memory_bytes);
        let (cpu, memory) = match self.args.scoring_strategy {
            ScoringStrategy::LeastAllocated => (
                least_requested_score(cpu_requested, allocatable.cpu_millis),
                least_requested_score(memory_requested, allocatable.memory_bytes),
            ),
            ScoringStrategy::MostAllocated => (
                most_requested_score(cpu_requested, allocatable.cpu_millis),
                most_requested_score(memory_requested, allocatable.memory_bytes),
            ),
            ScoringStrategy::RequestedToCapacityRatio => {
                return self.requested_to_capacity_ratio(
                    cpu_requested,
                    memory_requested,
                    allocatable.cpu_millis,
                    allocatable.memory_bytes,
                );
            }
        };
        // A resource the node does not have is left out of the weighted average entirely.
        let (cpu_weight, memory_weight) = (
            if allocatable.cpu_millis == 0 {
                0
            } else {
                self.args.cpu_weight
            },
            if allocatable.memory_bytes == 0 {
                0
            } else {
                self.args.memory_weight
            },
        );
        match cpu_weight + memory_weight {
            0 => 0,
            // Equal weights (the default 1:1) cancel out; this spares a division per node.
            _ if cpu_weight == memory_weight => (cpu + memory) / 2,
            weight_sum => (cpu * cpu_weight + memory * memory_weight) / weight_sum,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    #[test]
    fn least_and_most_requested_scores_use_integer_division() {
        assert_eq!(least_requested_score(3000, 4000), 25);
        assert_eq!(least_requested_score(5 * GIB, 8 * GIB), 37);
        assert_eq!(least_requested_score(5000, 4000), 0);
        assert_eq!(least_requested_score(1, 0), 0);
        assert_eq!(most_requested_score(3000, 4000), 75);
        assert_eq!(most_requested_score(5 * GIB, 8 * GIB), 62);
        assert_eq!(most_requested_score(5000, 4000), 100);
    }

    #[test]
    fn best_effort_pods_score_with_the_non_zero_defaults() {
        // k8s-semantics 9.3: a pod requesting nothing counts as 100m / 200 MiB for scoring.
        let info = NodeInfo::new(node("a", 1000, 2000 * 1024 * 1024));
        let p = pod(1, 0, 0);
        let state = CycleState::new(&p);
        // cpu (1000 − 100) × 100 / 1000 = 90; memory (2000 − 200) × 100 / 2000 = 90.
        assert_eq!(NodeResourcesFit::default().score(&state, &p, &info), 90);
    }

    #[test]
    fn every_shortage_is_its_own_reason() {
        let mut info = NodeInfo::new(node("a", 1000, GIB));
        info.node.allocatable.pods = 1;
        info.add_pod(&pod(1, 800, GIB / 2));
        let mut p = pod(2, 500, GIB);
        p.spec.containers[0]
            .requests
            .extended
            .insert("nvidia.com/gpu".into(), 1);
        let state = CycleState::new(&p);
        // The node has no GPU at all: no preemption could help (`Unresolvable`).
        assert_eq!(
            NodeResourcesFit::default().filter(&state, &p, &info),
            Status::UnschedulableAndUnresolvable {
                reasons: vec![
                    "Too many pods".into(),
                    "Insufficient cpu".into(),
                    "Insufficient memory".into(),
                    "Insufficient nvidia.com/gpu".into(),
                ]
            }
        );
        // Without the GPU every shortage is one that removing pods could fix.
        p.spec.containers[0].requests.extended.clear();
        let state = CycleState::new(&p);
        assert_eq!(
            NodeResourcesFit::default().filter(&state, &p, &info),
            Status::Unschedulable {
                reasons: vec![
                    "Too many pods".into(),
                    "Insufficient cpu".into(),
                    "Insufficient memory".into(),
                ]
            }
        );
    }

    #[test]
    fn a_pod_requesting_nothing_only_checks_the_pod_count() {
        let mut info = NodeInfo::new(node("a", 0, 0));
        let p = pod(1, 0, 0);
        let state = CycleState::new(&p);
        assert!(NodeResourcesFit::default()
            .filter(&state, &p, &info)
            .is_success());
        info.node.allocatable.pods = 0;
        assert_eq!(
            NodeResourcesFit::default().filter(&state, &p, &info),
            Status::unschedulable(REASON_TOO_MANY_PODS)
        );
    }

    proptest::proptest! {
        /// The fast path and the reason-building path must agree on every input.
        #[test]
        fn fits_agrees_with_insufficient_resources(
            allocatable in (0u64..4000, 0u64..4000, 0u64..4000, 0u64..4, 0u64..3),
            used in (0u64..4000, 0u64..4000, 0u64..4000, 0u64..4, 0u64..3),
            wanted in (0u64..3000, 0u64..3000, 0u64..3000, 0u64..3),
        ) {
            let mut info = NodeInfo::new(node("n", allocatable.0, allocatable.1));
            info.node.allocatable.ephemeral_storage_bytes = allocatable.2;
            info.node.allocatable.pods = allocatable.3;
            info.node.allocatable.extended.insert("example.com/dongle".into(), allocatable.4);
            let mut resident = pod(1, used.0, used.1);
            resident.spec.containers[0].requests.ephemeral_storage_bytes = used.2;
            resident.spec.containers[0].requests.extended.insert("example.com/dongle".into(), used.4);
            for uid in 0..used.3 {
                resident.meta.uid = crate::objects::Uid(uid + 1);
                info.add_pod(&resident);
            }
            let mut p = pod(100, wanted.0, wanted.1);
            p.spec.containers[0].requests.ephemeral_storage_bytes = wanted.2;
            if wanted.3 > 0 {
                p.spec.containers[0].requests.extended.insert("example.com/dongle".into(), wanted.3);
            }
            let state = CycleState::new(&p);
            proptest::prop_assert_eq!(
                fits(&state, &info),
                insufficient_resources(&state, &info).is_empty()
            );
        }
    }

    #[test]
    fn requested_to_capacity_ratio_follows_the_broken_linear_shape() {
        // Bin packing shape {0,0},{100,10}: utilisation u scores u.
        let shape = UtilizationShape::default();
        assert_eq!(shape.score_at(0), 0);
        assert_eq!(shape.score_at(37), 37);
        assert_eq!(shape.score_at(100), 100);
        assert_eq!(shape.resource_score(5000, 4000), 100);
        // Spreading shape {0,10},{100,0} with a knee: {0,10},{50,8},{100,0}.
        let knee = UtilizationShape::new(&[(0, 10), (50, 8), (100, 0)]).expect("valid shape");
        assert_eq!(knee.score_at(25), 90);
        assert_eq!(knee.score_at(75), 40);
        assert!(UtilizationShape::new(&[(50, 1), (40, 2)]).is_err());
        assert!(UtilizationShape::new(&[(0, 11)]).is_err());
        assert!(UtilizationShape::new(&[]).is_err());
        // A node at 2 of 4 CPU and 2 of 8 GiB, pod 0: cpu 50, memory 25 ⇒ round(37.5) = 38.
        let plugin = NodeResourcesFit::new(NodeResourcesFitArgs {
            scoring_strategy: ScoringStrategy::RequestedToCapacityRatio,
            ..NodeResourcesFitArgs::default()
        })
        .expect("valid args");
        let mut info = NodeInfo::new(node("a", 4000, 8 * GIB));
        info.add_pod(&pod(1, 1000, GIB));
        let p = pod(2, 1000, GIB);
        let state = CycleState::new(&p);
        assert_eq!(plugin.score(&state, &p, &info), 38);
        // Memory at 400 MiB of 256 GiB scores 0 and is left out: cpu 50 alone.
        let mut roomy = NodeInfo::new(node("b", 4000, 256 * GIB));
        roomy.add_pod(&pod(3, 1000, 0));
        let light = pod(4, 1000, 0);
        let state = CycleState::new(&light);
        assert_eq!(plugin.score(&state, &light, &roomy), 50);
    }

    #[test]
    fn weights_are_validated() {
        let bad = NodeResourcesFitArgs {
            cpu_weight: 0,
            ..NodeResourcesFitArgs::default()
        };
        assert!(NodeResourcesFit::new(bad).is_err());
    }
}
