//! DefaultPreemption, the PostFilter plugin of kube-scheduler
//! (`pkg/scheduler/framework/plugins/defaultpreemption` and `framework/preemption`),
//! k8s-semantics §9.8, as a pure function over the scheduler's cache.
//!
//! When a pod fits no node, [`preempt`] looks for nodes where removing pods of lower
//! priority would let it fit:
//!
//! 1. **Eligibility** (`PodEligibleToPreemptOthers`): a pod with `preemptionPolicy: Never`
//!    never preempts; a pod already nominated to a node where a lower-priority victim of a
//!    preemption is still terminating waits for it instead of preempting again.
//! 2. **Potential nodes**: those whose rejection preemption might resolve. A node rejected
//!    by a filter that answers `UnschedulableAndUnresolvable` in kube-scheduler (node name,
//!    unschedulable node, taints, node affinity, a request above the node's allocatable)
//!    counts as "Preemption is not helpful for scheduling".
//! 3. **Dry run** per node (`SelectVictimsOnNode`): remove every lower-priority pod; if the
//!    pod still does not fit the node is out (with the filter's reasons, or "No preemption
//!    victims found for incoming pod" when there was nothing to remove). Otherwise reprieve
//!    the victims one by one, most important first (higher priority, then earlier start),
//!    the PodDisruptionBudget-violating ones before the others, keeping each whose return
//!    still lets the pod fit. The walk starts at a seeded offset and stops once
//!    max(10 % of the nodes, 100) candidates are found, at least one without PDB violation.
//! 4. **Choice** (`pickOneNodeForPreemption`): fewest PDB violations, then the lowest
//!    highest-victim priority, the smallest sum of victim priorities, the fewest victims,
//!    the latest start among the highest-priority victims, then the first candidate found.
//!
//! Nothing is written here: the caller nominates the pod and deletes the victims.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::{
    ObjectKey, Pod, PodConditionType, PodDisruptionBudget, PreemptionPolicy, Uid,
};
use crate::time::SimTime;

use super::framework::{CycleState, FilterPlugin, PostFilterPlugin, Status};
use super::node_info::PodEntry;
use super::{FitError, NodeInfo, PodContext, Profile, SchedulerCache};

/// `minCandidateNodesPercentage` of DefaultPreemptionArgs.
pub const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `minCandidateNodesAbsolute` of DefaultPreemptionArgs.
pub const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;

/// The status message of a node where preemption cannot help.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// The status message of a node with no lower-priority pod.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// `DisruptionTarget` reason of a pod deleted by preemption.
pub const PREEMPTION_BY_SCHEDULER: &str = "PreemptionByScheduler";

/// What a PostFilter plugin (the preemption) sees of the cluster.
pub struct PostFilterInput<'a> {
    /// The scheduling profile (its filters decide fit).
    pub profile: &'a Profile,
    /// Node usage, with the pods nominated to a node (of priority ≥ the preemptor's)
    /// counted there, as `RunFilterPluginsWithNominatedPods` does.
    pub cache: &'a SchedulerCache,
    /// The pods bound to each node and counted in the cache, the possible victims: at least
    /// every pod of lower priority than the preemptor (others are ignored).
    pub pods_on_nodes: &'a BTreeMap<String, Vec<&'a Pod>>,
    /// Every PodDisruptionBudget with its status.
    pub pdbs: &'a [&'a PodDisruptionBudget],
    /// What the API objects say about the pod (for PreFilter's spreading defaults).
    pub context: &'a PodContext,
    /// Now (the start time of a pod that has none yet).
    pub now: SimTime,
}

/// A node where the pod fits once `victims` are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The node.
    pub node_name: String,
    /// The pods to delete, most important first.
    pub victims: Vec<Victim>,
    /// How many victims take a PodDisruptionBudget below its allowance.
    pub num_pdb_violations: usize,
}

/// The outcome of a PostFilter plugin ([`preempt`] for DefaultPreemption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostFilterResult {
    /// Nominate the pod to this candidate's node and delete its victims.
    Nominate(Candidate),
    /// The plugin cannot help now. `message` is its part of the `FailedScheduling` message;
    /// `clear_nomination` tells whether a nominated node should be cleared (no candidate at
    /// all) or kept (the pod is merely waiting).
    Unschedulable {
        /// DefaultPreemption's: `preemption: not eligible due to preemptionPolicy=Never.` or
        /// `preemption: 0/N nodes are available: ...`.
        message: String,
        /// Whether `status.nominatedNodeName` is to be cleared.
        clear_nomination: bool,
    },
}

/// A pod chosen to be preempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Victim {
    /// The pod.
    pub key: ObjectKey,
    /// Its uid.
    pub uid: Uid,
    /// `spec.priority`.
    pub priority: i32,
    /// `status.startTime` (now if it has none), as `GetPodStartTime` reads it.
    pub start_time: SimTime,
}

/// `MoreImportantPod`: higher priority first, then the earlier start (then the uid, so the
/// order is total).
fn more_important_first(a: &Victim, b: &Victim) -> std::cmp::Ordering {
    b.priority
        .cmp(&a.priority)
        .then(a.start_time.cmp(&b.start_time))
        .then(a.uid.cmp(&b.uid))
}

/// The first rejection of `pod` on `info` by `filters`.
fn run_filters(
    filters: &[&dyn FilterPlugin],
    state: &CycleState,
    pod: &Pod,
    info: &NodeInfo,
) -> Result<(), Status> {
    for filter in filters {
        let status = filter.filter(state, pod, info);
        if !status.is_success() {
            return Err(status);
        }
    }
    Ok(())
}

/// Whether a pod is terminating because a preemption chose it (`podTerminatingByPreemption`).
fn terminating_by_preemption(pod: &Pod) -> bool {
    pod.meta.deletion_timestamp.is_some()
        && pod
            .status
            .condition(PodConditionType::DisruptionTarget)
            .is_some_and(|c| c.reason == PREEMPTION_BY_SCHEDULER)
}

/// DefaultPreemption as a PostFilter plugin of a profile ([`preempt`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPreemption;

impl PostFilterPlugin for DefaultPreemption {
    fn name(&self) -> &'static str {
        "DefaultPreemption"
    }

    fn post_filter(
        &self,
        input: &PostFilterInput<'_>,
        pod: &Pod,
        rng: &mut ChaCha8Rng,
    ) -> PostFilterResult {
        preempt(input, pod, rng)
    }
}

/// kube-scheduler's DefaultPreemption `PostFilter` for `pod`, which no node fits.
pub fn preempt(input: &PostFilterInput<'_>, pod: &Pod, rng: &mut ChaCha8Rng) -> PostFilterResult {
    if pod.spec.preemption_policy == PreemptionPolicy::Never {
        return PostFilterResult::Unschedulable {
            message: "preemption: not eligible due to preemptionPolicy=Never.".to_string(),
            clear_nomination: false,
        };
    }
    // PreFilter over the whole cluster as it is, victims included; the dry run on each node
    // takes its victims out of this state (`RemovePod`), so a victim that was the reason for
    // an anti-affinity or spreading rejection counts as removable. A PreFilter rejection
    // holds everywhere and falls back to the filters alone.
    let state = super::pre_filter(input.profile, pod, input.cache, input.context)
        .unwrap_or_else(|_| CycleState::new(pod));
    let filters: Vec<&dyn FilterPlugin> = input
        .profile
        .filters
        .iter()
        .filter(|filter| !filter.skip(&state, pod))
        .map(|filter| filter.as_ref())
        .collect();
    let nodes = input.cache.node_infos();
    let priority = pod.spec.priority;
    let no_pods = Vec::new();
    let pods_on = |name: &str| input.pods_on_nodes.get(name).unwrap_or(&no_pods);

    // The status of each node in the failed cycle: unresolvable, or worth a dry run.
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut potential = Vec::new();
    let mut nominated_unresolvable = false;
    for (index, info) in nodes.iter().enumerate() {
        let unresolvable =
            run_filters(&filters, &state, pod, info).is_err_and(|status| status.is_unresolvable());
        if unresolvable {
            *reasons.entry(NOT_HELPFUL.to_string()).or_insert(0) += 1;
            if pod.status.nominated_node_name.as_deref() == Some(info.name()) {
                nominated_unresolvable = true;
            }
        } else {
            potential.push(index);
        }
    }

    // A pod whose earlier preemption is still under way waits for it.
    if let Some(nominated) = &pod.status.nominated_node_name {
        if !nominated_unresolvable
            && pods_on(nominated)
                .iter()
                .any(|p| p.spec.priority < priority && terminating_by_preemption(p))
        {
            return PostFilterResult::Unschedulable {
                message: "preemption: not eligible due to a terminating pod on the nominated node."
                    .to_string(),
                clear_nomination: false,
            };
        }
    }

    let mut non_violating: Vec<Candidate> = Vec::new();
    let mut violating: Vec<Candidate> = Vec::new();
    if !potential.is_empty() {
        let count = potential.len();
        let wanted = (count * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
            .max(MIN_CANDIDATE_NODES_ABSOLUTE)
            .min(count);
        let offset = rng.random_range(0..u32::try_from(count).unwrap_or(u32::MAX)) as usize;
        for step in 0..count {
            let info = &nodes[potential[(offset + step) % count]];
            match select_victims_on_node(input, &filters, &state, pod, info, pods_on(info.name())) {
                Ok(candidate) if candidate.num_pdb_violations == 0 => non_violating.push(candidate),
                Ok(candidate) => violating.push(candidate),
                Err(node_reasons) => {
                    for reason in node_reasons {
                        *reasons.entry(reason).or_insert(0) += 1;
                    }
                }
            }
            if !non_violating.is_empty() && non_violating.len() + violating.len() >= wanted {
                break;
            }
        }
    }
    let mut candidates = non_violating;
    candidates.append(&mut violating);
    if candidates.is_empty() {
        let fit = FitError {
            num_all_nodes: nodes.len(),
            reasons,
            post_filter_message: String::new(),
            pre_filter_message: String::new(),
        };
        return PostFilterResult::Unschedulable {
            message: format!("preemption: {fit}"),
            clear_nomination: true,
        };
    }
    PostFilterResult::Nominate(pick_one_node_for_preemption(candidates))
}

/// `SelectVictimsOnNode`: the fewest, least important pods whose removal lets `pod` fit, or
/// the node's failure reasons.
fn select_victims_on_node(
    input: &PostFilterInput<'_>,
    filters: &[&dyn FilterPlugin],
    state: &CycleState,
    pod: &Pod,
    info: &NodeInfo,
    pods: &[&Pod],
) -> Result<Candidate, Vec<String>> {
    let mut potential: Vec<(Victim, &Pod)> = pods
        .iter()
        .filter(|p| p.spec.priority < pod.spec.priority && info.has_pod(p.meta.uid))
        .map(|p| {
            let victim = Victim {
                key: p.meta.key(),
                uid: p.meta.uid,
                priority: p.spec.priority,
                start_time: p.status.start_time.unwrap_or(input.now),
            };
            (victim, *p)
        })
        .collect();
    if potential.is_empty() {
        return Err(vec![NO_VICTIMS.to_string()]);
    }
    potential.sort_by(|a, b| more_important_first(&a.0, &b.0));
    // The dry run works on copies of the node and of the PreFilter state, which each
    // removal and each reprieve update (`RemovePod`/`AddPod` of the PreFilter extensions).
    let mut node = info.clone();
    let mut state = state.clone();
    let entries: BTreeMap<Uid, PodEntry> = info
        .pods()
        .filter(|entry| potential.iter().any(|(v, _)| v.uid == entry.uid))
        .map(|entry| (entry.uid, entry.clone()))
        .collect();
    let update = |state: &mut CycleState, uid: Uid, delta: i64| {
        if let Some(entry) = entries.get(&uid) {
            for filter in filters {
                filter.update_pre_filter_state(state, pod, entry, info, delta);
            }
        }
    };
    for (victim, _) in &potential {
        node.remove_pod(victim.uid);
        update(&mut state, victim.uid, -1);
    }
    let state = &mut state;
    if let Err(status) = run_filters(filters, state, pod, &node) {
        return Err(status
            .into_reasons()
            .into_iter()
            .map(|reason| reason.into_owned())
            .collect());
    }
    let (violating, non_violating) = split_by_pdb_violation(&potential, input.pdbs);
    let mut victims: Vec<Victim> = Vec::new();
    let mut num_pdb_violations = 0;
    for (group, counts) in [(&violating, true), (&non_violating, false)] {
        for (victim, victim_pod) in group.iter() {
            node.add_pod(victim_pod);
            update(state, victim.uid, 1);
            if run_filters(filters, state, pod, &node).is_err() {
                node.remove_pod(victim.uid);
                update(state, victim.uid, -1);
                victims.push(victim.clone());
                if counts {
                    num_pdb_violations += 1;
                }
            }
        }
    }
    if !violating.is_empty() && !non_violating.is_empty() {
        victims.sort_by(more_important_first);
    }
    Ok(Candidate {
        node_name: info.name().to_string(),
        victims,
        num_pdb_violations,
    })
}

/// `filterPodsWithPDBViolation`: walking the victims in order, a pod violates a budget when
/// taking it would use more disruptions than the budget allows (pods already listed in
/// `disruptedPods` are not counted again; a budget with an empty selector matches nothing
/// here). Returns (violating, non-violating), each in the input order.
#[allow(clippy::type_complexity)]
fn split_by_pdb_violation<'v, 'p>(
    victims: &'v [(Victim, &'p Pod)],
    pdbs: &[&PodDisruptionBudget],
) -> (Vec<&'v (Victim, &'p Pod)>, Vec<&'v (Victim, &'p Pod)>) {
    let mut allowed: Vec<i64> = pdbs
        .iter()
        .map(|pdb| i64::from(pdb.status.disruptions_allowed))
        .collect();
    let mut violating = Vec::new();
    let mut non_violating = Vec::new();
    for victim in victims {
        let pod = victim.1;
        let mut violated = false;
        if !pod.meta.labels.is_empty() {
            for (i, pdb) in pdbs.iter().enumerate() {
                let matches = pdb.meta.namespace == pod.meta.namespace
                    && pdb
                        .selector
                        .as_ref()
                        .is_some_and(|s| !s.is_empty() && s.matches(&pod.meta.labels));
                if !matches || pdb.status.disrupted_pods.contains_key(&pod.meta.name) {
                    continue;
                }
                allowed[i] -= 1;
                if allowed[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated {
            violating.push(victim);
        } else {
            non_violating.push(victim);
        }
    }
    (violating, non_violating)
}

/// `pickOneNodeForPreemption`: the criteria in order, each keeping the best-scoring
/// candidates; the first candidate left wins.
fn pick_one_node_for_preemption(mut candidates: Vec<Candidate>) -> Candidate {
    if let Some(i) = candidates.iter().position(|c| c.victims.is_empty()) {
        return candidates.swap_remove(i);
    }
    let details: Vec<&[Victim]> = candidates.iter().map(|c| c.victims.as_slice()).collect();
    let scores: [&dyn Fn(usize) -> i64; 5] = [
        &|i| -i64::try_from(candidates[i].num_pdb_violations).unwrap_or(i64::MAX),
        &|i| {
            -details[i]
                .first()
                .map_or(i64::from(i32::MIN), |v| i64::from(v.priority))
        },
        &|i| {
            -details[i]
                .iter()
                .map(|v| i64::from(v.priority) + i64::from(i32::MAX) + 1)
                .sum::<i64>()
        },
        &|i| -i64::try_from(details[i].len()).unwrap_or(i64::MAX),
        &|i| {
            let highest = details[i].first().map(|v| v.priority);
            details[i]
                .iter()
                .filter(|v| Some(v.priority) == highest)
                .map(|v| i64::try_from(v.start_time.0).unwrap_or(i64::MAX))
                .min()
                .unwrap_or(i64::MIN)
        },
    ];
    let mut left: Vec<usize> = (0..candidates.len()).collect();
    for score in scores {
        let best = left.iter().map(|&i| score(i)).max().unwrap_or(i64::MIN);
        left.retain(|&i| score(i) == best);
        if left.len() == 1 {
            break;
        }
    }
    let chosen = left.first().copied().unwrap_or(0);
    candidates.swap_remove(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn victim(name: &str, priority: i32, start_secs: u64) -> Victim {
        Victim {
            key: ObjectKey::new("default", name),
            uid: Uid(name.bytes().map(u64::from).sum()),
            priority,
            start_time: SimTime(start_secs * 1000),
        }
    }

    fn candidate(node: &str, violations: usize, victims: Vec<Victim>) -> Candidate {
        Candidate {
            node_name: node.to_string(),
            victims,
            num_pdb_violations: violations,
        }
    }

    fn pick(candidates: Vec<Candidate>) -> String {
        pick_one_node_for_preemption(candidates).node_name
    }

    /// §9.8 node choice, one criterion at a time, each test set tying on the earlier ones.
    #[test]
    fn pick_one_node_for_preemption_criteria_in_order() {
        // Fewest PDB violations beats everything after it.
        assert_eq!(
            pick(vec![
                candidate("a", 1, vec![victim("a1", 1, 0)]),
                candidate("b", 0, vec![victim("b1", 500, 0), victim("b2", 500, 0)]),
            ]),
            "b"
        );
        // Lowest highest-victim priority.
        assert_eq!(
            pick(vec![
                candidate("a", 0, vec![victim("a1", 300, 0)]),
                candidate("b", 0, vec![victim("b1", 200, 0), victim("b2", 200, 0)]),
            ]),
            "b"
        );
        // Smallest sum of priorities (each shifted by MaxInt32 + 1, so more victims weigh
        // more even at negative priorities).
        assert_eq!(
            pick(vec![
                candidate("a", 0, vec![victim("a1", 200, 0), victim("a2", 100, 0)]),
                candidate("b", 0, vec![victim("b1", 200, 0)]),
            ]),
            "b"
        );
        // Fewest victims: shifted sums tie only at the lowest priority (each victim of
        // priority i32::MIN adds 0).
        assert_eq!(
            pick(vec![
                candidate(
                    "a",
                    0,
                    vec![victim("a1", i32::MIN, 0), victim("a2", i32::MIN, 0)]
                ),
                candidate("b", 0, vec![victim("b1", i32::MIN, 0)]),
            ]),
            "b"
        );
        // A full tie goes to the first candidate found.
        assert_eq!(
            pick(vec![
                candidate("a", 0, vec![victim("a1", 100, 0)]),
                candidate("b", 0, vec![victim("b1", 100, 0)]),
            ]),
            "a"
        );
        // Latest start time among the highest-priority victims.
        assert_eq!(
            pick(vec![
                candidate("a", 0, vec![victim("a1", 100, 10)]),
                candidate("b", 0, vec![victim("b1", 100, 50)]),
            ]),
            "b"
        );
        // A candidate without victims wins at once.
        assert_eq!(
            pick(vec![
                candidate("a", 0, vec![victim("a1", 1, 0)]),
                candidate("b", 0, vec![]),
            ]),
            "b"
        );
    }

    #[test]
    fn more_important_pods_sort_first() {
        let mut victims = [
            victim("young", 5, 30),
            victim("old", 5, 10),
            victim("vip", 9, 50),
        ];
        victims.sort_by(more_important_first);
        let names: Vec<&str> = victims.iter().map(|v| v.key.name.as_str()).collect();
        assert_eq!(names, ["vip", "old", "young"]);
    }
}
