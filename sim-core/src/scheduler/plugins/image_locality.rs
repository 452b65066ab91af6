//! `ImageLocality`: prefers nodes that already have the pod's images (score weight 1).
//!
//! Per container (init containers included) whose image, normalised with `:latest` when it
//! has no tag, is listed in the node's `status.images`, the image's size scaled by the share
//! of nodes having it is added up; the sum is clamped to [23 MiB, 1000 MiB × containers] and
//! mapped linearly onto 0..=100 (kube-scheduler's `calculatePriority`). Node image names are
//! compared as written, without normalisation, as kube-scheduler's cache does.

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, ScorePlugin, MAX_NODE_SCORE};
use crate::scheduler::node_info::{NodeInfo, SchedulerCache};

use super::names;

const MB: i64 = 1024 * 1024;
/// Below this sum a node scores 0 (`minThreshold`, 23 MiB).
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// Per container, above this sum a node scores 100 (`maxContainerThreshold`, 1000 MiB).
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// The pod's normalised image names with the number of nodes having each, and the number of
/// nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreScoreState {
    /// `(image, nodes having it)` per container, init containers first.
    pub images: Vec<(String, u64)>,
    /// Number of nodes in the cluster.
    pub total_nodes: u64,
}

/// `normalizedImageName`: appends `:latest` when the name has no tag.
pub fn normalized_image_name(name: &str) -> String {
    let colon = name.rfind(':');
    let slash = name.rfind('/');
    let has_tag = match (colon, slash) {
        (Some(c), Some(s)) => c > s,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if has_tag {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// `calculatePriority`: the clamped sum mapped onto 0..=100.
pub fn calculate_priority(sum_scores: i64, num_containers: usize) -> i64 {
    let containers = i64::try_from(num_containers).unwrap_or(i64::MAX).max(1);
    let max_threshold = MAX_CONTAINER_THRESHOLD.saturating_mul(containers);
    let sum = sum_scores.clamp(MIN_THRESHOLD, max_threshold);
    MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

/// The plugin. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageLocality;

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        names::IMAGE_LOCALITY
    }

    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &Pod,
        cache: &SchedulerCache,
        _feasible: &[usize],
    ) {
        let images = pod
            .spec
            .init_containers
            .iter()
            .chain(&pod.spec.containers)
            .map(|c| {
                let name = normalized_image_name(&c.image);
                let count = cache.image_node_count(&name);
                (name, count)
            })
            .collect();
        state.image_locality = Some(Box::new(PreScoreState {
            images,
            total_nodes: u64::try_from(cache.len()).unwrap_or(u64::MAX),
        }));
    }

    fn score(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> i64 {
        let Some(s) = state.image_locality.as_deref() else {
            return 0;
        };
        let mut sum = 0i64;
        if !node.node.images.is_empty() && s.total_nodes > 0 {
            for (name, num_nodes) in &s.images {
                let Some(image) = node
                    .node
                    .images
                    .iter()
                    .find(|i| i.names.iter().any(|n| n == name))
                else {
                    continue;
                };
                // `scaledImageScore`: int64(float64(size) × numNodes / totalNodes), as Go does.
                let spread = *num_nodes as f64 / s.total_nodes as f64;
                sum = sum.saturating_add((image.size_bytes as f64 * spread) as i64);
            }
        }
        calculate_priority(sum, s.images.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::ContainerImage;
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    #[test]
    fn names_get_latest_only_without_a_tag() {
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(normalized_image_name("nginx:1.25"), "nginx:1.25");
        assert_eq!(
            normalized_image_name("registry:5000/app"),
            "registry:5000/app:latest"
        );
    }

    #[test]
    fn a_node_with_the_image_scores_by_size_and_spread() {
        let mut with = node("a", 4000, 8 * GIB);
        with.images = vec![ContainerImage {
            names: vec!["app:1".into()],
            size_bytes: 500 * 1024 * 1024,
        }];
        let cache = SchedulerCache::from_nodes([with, node("b", 4000, 8 * GIB)]);
        let p = pod(1, 100, 0);
        let mut state = CycleState::new(&p);
        ImageLocality.pre_score(&mut state, &p, &cache, &[0, 1]);
        // 500 MiB × 1/2 = 250 MiB; (250 − 23) × 100 / (1000 − 23) = 23.
        let a = ImageLocality.score(&state, &p, cache.get("a").expect("a"));
        let b = ImageLocality.score(&state, &p, cache.get("b").expect("b"));
        assert_eq!((a, b), (23, 0));
    }
}
