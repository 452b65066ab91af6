//! `kubesim compare`: one scenario run once per scheduler (same seed), and the placement
//! quality of each at the end, side by side.
//!
//! Every number is computed from the final store and the timeline in integer units, in
//! name order, so the report is byte-for-byte the same on every run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sim_core::objects::{Kind, Node, ObjectKey, Pod, PodConditionType, ReplicaSet, Resources};
use sim_core::sim::{SimError, Simulation};
use sim_core::time::SimTime;
use sim_core::timeline::RecordBody;

use crate::run::{run, RunOptions};
use crate::scenario::Scenario;
use crate::scheduler_config::SchedulerChoice;

/// Placement quality of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementReport {
    /// The scheduler's label (policy name or configuration file).
    pub scheduler: String,
    /// Pods still waiting for a node at the end (not terminating, not finished).
    pub pods_pending: usize,
    /// Pods bound to a node at the end (not finished).
    pub pods_bound: usize,
    /// Nodes running at least one bound, unfinished pod.
    pub nodes_used: usize,
    /// Nodes in the cluster at the end.
    pub nodes_total: usize,
    /// CPU requested / allocatable per node, in per-mille: (mean, max).
    pub cpu_utilisation_permille: (u64, u64),
    /// Memory requested / allocatable per node, in per-mille: (mean, max).
    pub memory_utilisation_permille: (u64, u64),
    /// Share of the cluster's free CPU that sits on nodes that cannot fit the median pod
    /// (by CPU and memory request), in per-mille.
    pub fragmentation_permille: u64,
    /// Per workload (`kind/namespace/name` of the pods' controller; a Deployment's pods count
    /// under the Deployment): max − min pods per node over all nodes.
    pub skew_by_workload: BTreeMap<String, u64>,
    /// `Preempted` events on the timeline.
    pub preemptions: usize,
    /// Σ over the pods that exist at the end of the time from creation to `PodScheduled`
    /// (to the end for pods still pending), in milliseconds.
    pub total_pending_millis: u64,
}

/// Runs `scenario` once per scheduler in `schedulers` with the same options (seed), and
/// measures each run.
pub fn compare(
    scenario: &Scenario,
    schedulers: &[SchedulerChoice],
    options: &RunOptions,
) -> Result<Vec<PlacementReport>, SimError> {
    schedulers
        .iter()
        .map(|choice| {
            let mut variant = scenario.clone();
            variant.scheduler = choice.clone();
            let report = run(&variant, options)?;
            Ok(placement_report(
                &choice.label(),
                &report.simulation,
                report.end,
            ))
        })
        .collect()
}

fn ratio_permille(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    u64::try_from(u128::from(part) * 1000 / u128::from(whole)).unwrap_or(u64::MAX)
}

fn median(mut values: Vec<u64>) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}

/// The workload a pod belongs to: its controller, with a ReplicaSet owned by a Deployment
/// counted as the Deployment.
fn workload_of(sim: &Simulation, pod: &Pod) -> Option<String> {
    let owner = pod.meta.owner_references.iter().find(|o| o.controller)?;
    let namespace = &pod.meta.namespace;
    if owner.kind == Kind::ReplicaSet {
        let key = ObjectKey::new(namespace.clone(), owner.name.clone());
        if let Some(deployment) = sim
            .store()
            .get::<ReplicaSet>(&key)
            .and_then(|rs| rs.meta.owner_references.iter().find(|o| o.controller))
        {
            return Some(format!(
                "{}/{namespace}/{}",
                deployment.kind.resource(),
                deployment.name
            ));
        }
    }
    Some(format!(
        "{}/{namespace}/{}",
        owner.kind.resource(),
        owner.name
    ))
}

/// Measures a run that stopped at `end` (pods still pending have waited until then).
pub fn placement_report(scheduler: &str, sim: &Simulation, end: SimTime) -> PlacementReport {
    let store = sim.store();
    let end = end.max(sim.now());
    let nodes: Vec<&Node> = store.list::<Node>().collect();
    let mut requested: BTreeMap<&str, Resources> = BTreeMap::new();
    let mut pods_per_node_by_workload: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
    let mut pending = 0usize;
    let mut bound = 0usize;
    let mut total_pending_millis = 0u64;
    let mut cpu_requests = Vec::new();
    let mut memory_requests = Vec::new();
    for pod in store.list::<Pod>() {
        if pod.status.phase.is_terminal() {
            continue;
        }
        let requests = pod.spec.effective_requests();
        let scheduled_at = pod
            .status
            .condition(PodConditionType::PodScheduled)
            .filter(|c| c.status == sim_core::objects::ConditionStatus::True)
            .map(|c| c.last_transition_time);
        let waited_until = match (&pod.spec.node_name, scheduled_at) {
            (Some(_), Some(t)) => t,
            _ => end,
        };
        total_pending_millis = total_pending_millis.saturating_add(
            waited_until
                .as_millis()
                .saturating_sub(pod.meta.creation_timestamp.as_millis()),
        );
        match &pod.spec.node_name {
            Some(node) => {
                bound += 1;
                requested.entry(node.as_str()).or_default().add(&requests);
                if let Some(workload) = workload_of(sim, pod) {
                    *pods_per_node_by_workload
                        .entry(workload)
                        .or_default()
                        .entry(node.as_str())
                        .or_insert(0) += 1;
                }
            }
            None if pod.meta.deletion_timestamp.is_none() => {
                pending += 1;
                if let Some(workload) = workload_of(sim, pod) {
                    pods_per_node_by_workload.entry(workload).or_default();
                }
            }
            None => {}
        }
        cpu_requests.push(requests.cpu_millis);
        memory_requests.push(requests.memory_bytes);
    }
    let empty = Resources::default();
    let usage = |node: &Node| requested.get(node.meta.name.as_str()).unwrap_or(&empty);
    let utilisation = |pick: fn(&Resources) -> u64| {
        let per_node: Vec<u64> = nodes
            .iter()
            .map(|n| ratio_permille(pick(usage(n)), pick(&n.allocatable)))
            .collect();
        let count = u64::try_from(per_node.len()).unwrap_or(u64::MAX).max(1);
        (
            per_node.iter().sum::<u64>() / count,
            per_node.iter().copied().max().unwrap_or(0),
        )
    };
    let (median_cpu, median_memory) = (median(cpu_requests), median(memory_requests));
    let mut free_cpu_total = 0u64;
    let mut free_cpu_stranded = 0u64;
    for node in &nodes {
        let used = usage(node);
        let free_cpu = node.allocatable.cpu_millis.saturating_sub(used.cpu_millis);
        let free_memory = node
            .allocatable
            .memory_bytes
            .saturating_sub(used.memory_bytes);
        free_cpu_total += free_cpu;
        if free_cpu < median_cpu || free_memory < median_memory {
            free_cpu_stranded += free_cpu;
        }
    }
    let skew_by_workload = pods_per_node_by_workload
        .into_iter()
        .map(|(workload, per_node)| {
            let counts = nodes
                .iter()
                .map(|n| per_node.get(n.meta.name.as_str()).copied().unwrap_or(0));
            let max = counts.clone().max().unwrap_or(0);
            let min = counts.min().unwrap_or(0);
            (workload, max - min)
        })
        .collect();
    let preemptions = sim
        .timeline()
        .records()
        .iter()
        .filter(|r| matches!(&r.body, RecordBody::Event { reason, .. } if reason == "Preempted"))
        .count();
    PlacementReport {
        scheduler: scheduler.to_string(),
        pods_pending: pending,
        pods_bound: bound,
        nodes_used: requested.len(),
        nodes_total: nodes.len(),
        cpu_utilisation_permille: utilisation(|r| r.cpu_millis),
        memory_utilisation_permille: utilisation(|r| r.memory_bytes),
        fragmentation_permille: ratio_permille(free_cpu_stranded, free_cpu_total),
        skew_by_workload,
        preemptions,
        total_pending_millis,
    }
}

fn percent(permille: u64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

fn duration(millis: u64) -> String {
    sim_core::time::SimDuration::from_millis(millis).to_string()
}

/// The reports side by side: one column per scheduler, one row per measure.
pub fn render_comparison(reports: &[PlacementReport]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = vec![
        (
            "SCHEDULER".to_string(),
            reports.iter().map(|r| r.scheduler.clone()).collect(),
        ),
        (
            "pods pending at end".to_string(),
            reports.iter().map(|r| r.pods_pending.to_string()).collect(),
        ),
        (
            "pods bound".to_string(),
            reports.iter().map(|r| r.pods_bound.to_string()).collect(),
        ),
        (
            "nodes used".to_string(),
            reports
                .iter()
                .map(|r| format!("{}/{}", r.nodes_used, r.nodes_total))
                .collect(),
        ),
        (
            "cpu requested/allocatable mean".to_string(),
            reports
                .iter()
                .map(|r| percent(r.cpu_utilisation_permille.0))
                .collect(),
        ),
        (
            "cpu requested/allocatable max".to_string(),
            reports
                .iter()
                .map(|r| percent(r.cpu_utilisation_permille.1))
                .collect(),
        ),
        (
            "memory requested/allocatable mean".to_string(),
            reports
                .iter()
                .map(|r| percent(r.memory_utilisation_permille.0))
                .collect(),
        ),
        (
            "memory requested/allocatable max".to_string(),
            reports
                .iter()
                .map(|r| percent(r.memory_utilisation_permille.1))
                .collect(),
        ),
        (
            "free cpu stranded (median pod)".to_string(),
            reports
                .iter()
                .map(|r| percent(r.fragmentation_permille))
                .collect(),
        ),
        (
            "preemptions".to_string(),
            reports.iter().map(|r| r.preemptions.to_string()).collect(),
        ),
        (
            "total time pending".to_string(),
            reports
                .iter()
                .map(|r| duration(r.total_pending_millis))
                .collect(),
        ),
    ];
    let workloads: std::collections::BTreeSet<&String> = reports
        .iter()
        .flat_map(|r| r.skew_by_workload.keys())
        .collect();
    for workload in workloads {
        rows.push((
            format!("skew {workload}"),
            reports
                .iter()
                .map(|r| {
                    r.skew_by_workload
                        .get(workload)
                        .map_or("-".to_string(), u64::to_string)
                })
                .collect(),
        ));
    }
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..reports.len())
        .map(|i| rows.iter().map(|(_, v)| v[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (label, values) in &rows {
        let _ = write!(out, "{label:<label_width$}");
        for (value, width) in values.iter().zip(&widths) {
            let _ = write!(out, "   {value:>width$}");
        }
        out.push('\n');
    }
    out
}
