//! Property-based testing of scheduler policies, as a library (cargo feature `testing`).
//!
//! * **Strategies** ([`cluster`], [`workload`], [`case`]) generate small clusters (node
//!   pools with zones, labels and taints) and workloads (pods with requests, nodeSelector,
//!   required node affinity, tolerations, priorities) with arrival times. The generated
//!   values are plain data with readable `Debug` output, and [`Case::to_yaml`] prints a
//!   counterexample as a scenario file and manifests a person can run with `kubesim run`.
//!   proptest shrinks them towards fewer nodes, fewer pods and smaller numbers.
//! * **Invariant checkers** ([`no_overcommit`], [`taints_respected`],
//!   [`node_affinity_respected`], [`no_pending_with_feasible_node`],
//!   [`deterministic_per_seed`]) take a finished simulation (or a scenario) and return the
//!   first violation as an `Err` with a sentence saying what broke.
//!
//! To extend the generators (pod affinity, topology spread as they land), add a field to
//! [`PodGen`] with a default that writes nothing, generate it in [`pod`], and write it in
//! [`PodGen::manifest`]: existing properties keep their meaning.
//!
//! ```no_run
//! use proptest::prelude::*;
//! use sim_scenarios::scheduler_config::SchedulerChoice;
//! use sim_scenarios::testing::{case, no_overcommit, simulate};
//! use sim_core::scheduler::policies::Policy;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(32))]
//!     #[test]
//!     fn binpack_never_overcommits(c in case()) {
//!         let sim = simulate(&c, &SchedulerChoice::Policy(Policy::Binpack)).unwrap();
//!         prop_assert_eq!(no_overcommit(&sim), Ok(()));
//!     }
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use sim_core::objects::{Node, Pod, TaintEffect};
use sim_core::scheduler::{fits_node, PodContext, Profile, Registry};
use sim_core::sim::{ScenarioAction, Simulation};
use sim_core::time::SimTime;

use crate::convert::to_core;
use crate::manifest::load_manifests;
use crate::render::render_jsonl;
use crate::run::{build, RunOptions};
use crate::scenario::{parse_scenario, Scenario};
use crate::scheduler_config::SchedulerChoice;

/// Zones the generators draw from.
pub const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];
/// The taint a pool may carry and a pod may tolerate: `dedicated=batch:NoSchedule`.
pub const DEDICATED_TAINT: (&str, &str) = ("dedicated", "batch");
/// The label a pool may carry and a pod may select: `disk=ssd`.
pub const SSD_LABEL: (&str, &str) = ("disk", "ssd");
/// The generated workload whose pods carry required anti-affinity against each other.
pub const ANTI_AFFINE_WORKLOAD: u8 = 1;
/// The generated workload whose pods spread over zones (`maxSkew: 1`, DoNotSchedule).
pub const SPREAD_WORKLOAD: u8 = 2;

/// How long after the last arrival a generated case runs: past the scheduler's 5-minute
/// flush of unschedulable pods. [`simulate`] then goes on in steps this long until no
/// binding changes, since a flush can itself free room (a preemption) that a pod rejected
/// before waits another flush to see.
pub const SETTLE_SECS: u64 = 330;

/// At most this many extra settling steps (each [`SETTLE_SECS`]) in [`simulate`].
const MAX_SETTLE_STEPS: u32 = 8;

/// A node pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolGen {
    /// Number of nodes (1..).
    pub count: u64,
    /// CPU per node, millicores.
    pub cpu_millis: u64,
    /// Memory per node, MiB.
    pub memory_mib: u64,
    /// Index into [`ZONES`].
    pub zone: usize,
    /// Whether the nodes carry `disk=ssd`.
    pub ssd: bool,
    /// Whether the nodes carry the `dedicated=batch:NoSchedule` taint.
    pub dedicated: bool,
}

/// A cluster: its pools (named `pool0`, `pool1`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterGen {
    /// The pools.
    pub pools: Vec<PoolGen>,
}

/// Priority classes a pod may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityGen {
    /// No `priorityClassName` (priority 0).
    None,
    /// `low` (value 100).
    Low,
    /// `high` (value 1000).
    High,
}

/// One pod and when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodGen {
    /// Arrival, seconds after the start.
    pub arrival_secs: u64,
    /// CPU request, millicores.
    pub cpu_millis: u64,
    /// Memory request, MiB.
    pub memory_mib: u64,
    /// Workload label (`app: w<N>`). Workload `w1`'s pods refuse to share a node with each
    /// other (required pod anti-affinity on `kubernetes.io/hostname`); workload `w2`'s pods
    /// spread over zones with `maxSkew: 1`, `whenUnsatisfiable: DoNotSchedule`. The rule
    /// belongs to the workload, so every pod of it carries the same one.
    pub workload: u8,
    /// `nodeSelector: {disk: ssd}`.
    pub wants_ssd: bool,
    /// Required node affinity `topology.kubernetes.io/zone In [...]` (indexes into
    /// [`ZONES`]); empty: none.
    pub zones: Vec<usize>,
    /// Tolerates `dedicated=batch:NoSchedule`.
    pub tolerates_dedicated: bool,
    /// Priority class.
    pub priority: PriorityGen,
}

/// A whole case: a cluster, pods and a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The cluster.
    pub cluster: ClusterGen,
    /// The pods, named `p0`, `p1`, ... in this order.
    pub pods: Vec<PodGen>,
    /// The scenario seed.
    pub seed: u64,
}

/// A node pool of 1–3 nodes with 1–8 CPUs and 1–16 GiB, in one of three zones, maybe with
/// the ssd label and the dedicated taint.
pub fn pool() -> impl Strategy<Value = PoolGen> {
    (
        1u64..=3,
        1u64..=8,
        1u64..=16,
        0..ZONES.len(),
        any::<bool>(),
        proptest::bool::weighted(0.25),
    )
        .prop_map(|(count, cpus, gib, zone, ssd, dedicated)| PoolGen {
            count,
            cpu_millis: cpus * 1000,
            memory_mib: gib * 1024,
            zone,
            ssd,
            dedicated,
        })
}

/// A cluster of 1–3 pools.
pub fn cluster() -> impl Strategy<Value = ClusterGen> {
    vec(pool(), 1..=3).prop_map(|pools| ClusterGen { pools })
}

/// One pod arriving in the first minute.
pub fn pod() -> impl Strategy<Value = PodGen> {
    (
        0u64..60,
        1u64..=20,
        1u64..=32,
        0u8..3,
        proptest::bool::weighted(0.2),
        proptest::option::weighted(0.2, proptest::sample::subsequence(vec![0, 1, 2], 1..=2)),
        proptest::bool::weighted(0.3),
        prop_oneof![
            Just(PriorityGen::None),
            Just(PriorityGen::Low),
            Just(PriorityGen::High)
        ],
    )
        .prop_map(
            |(
                arrival_secs,
                cpu,
                mem,
                workload,
                wants_ssd,
                zones,
                tolerates_dedicated,
                priority,
            )| {
                // The spreading workload's pods all see the same nodes: no node selection
                // of their own, so that one skew over one set of domains is the rule.
                let spreading = workload == SPREAD_WORKLOAD;
                PodGen {
                    arrival_secs,
                    cpu_millis: cpu * 100,
                    memory_mib: mem * 128,
                    workload,
                    wants_ssd: wants_ssd && !spreading,
                    zones: zones.filter(|_| !spreading).unwrap_or_default(),
                    tolerates_dedicated,
                    priority,
                }
            },
        )
}

/// An arrival sequence of 1–`max_pods` pods.
pub fn workload(max_pods: usize) -> impl Strategy<Value = Vec<PodGen>> {
    vec(pod(), 1..=max_pods.max(1))
}

/// A cluster, up to 24 pods, and a seed.
pub fn case() -> impl Strategy<Value = Case> {
    (cluster(), workload(24), 1u64..1000).prop_map(|(cluster, pods, seed)| Case {
        cluster,
        pods,
        seed,
    })
}

impl PodGen {
    /// The pod's manifest (`name` in namespace default).
    pub fn manifest(&self, name: &str) -> String {
        let mut m = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: w{}\nspec:\n",
            self.workload
        );
        match self.priority {
            PriorityGen::None => {}
            PriorityGen::Low => m.push_str("  priorityClassName: low\n"),
            PriorityGen::High => m.push_str("  priorityClassName: high\n"),
        }
        if self.wants_ssd {
            let _ = writeln!(m, "  nodeSelector:\n    {}: {}", SSD_LABEL.0, SSD_LABEL.1);
        }
        if self.tolerates_dedicated {
            let _ = writeln!(
                m,
                "  tolerations:\n  - key: {}\n    operator: Equal\n    value: {}\n    effect: NoSchedule",
                DEDICATED_TAINT.0, DEDICATED_TAINT.1
            );
        }
        let anti_affinity = self.workload == ANTI_AFFINE_WORKLOAD;
        if !self.zones.is_empty() || anti_affinity {
            m.push_str("  affinity:\n");
        }
        if !self.zones.is_empty() {
            let zones: Vec<&str> = self.zones.iter().map(|&z| ZONES[z % ZONES.len()]).collect();
            let _ = writeln!(
                m,
                "    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - key: topology.kubernetes.io/zone\n            operator: In\n            values: [{}]",
                zones.join(", ")
            );
        }
        if anti_affinity {
            let _ = writeln!(
                m,
                "    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector: {{matchLabels: {{app: w{}}}}}\n        topologyKey: kubernetes.io/hostname",
                self.workload
            );
        }
        if self.workload == SPREAD_WORKLOAD {
            let _ = writeln!(
                m,
                "  topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: DoNotSchedule\n    labelSelector: {{matchLabels: {{app: w{}}}}}",
                self.workload
            );
        }
        let _ = writeln!(
            m,
            "  containers:\n  - name: app\n    image: app:1\n    resources:\n      requests:\n        cpu: {}m\n        memory: {}Mi",
            self.cpu_millis, self.memory_mib
        );
        m
    }
}

const PRIORITY_CLASSES: &str = "apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: low
value: 100
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high
value: 1000
";

impl Case {
    /// The priority of the generated pod called `name` (`p<N>`), from its class.
    pub fn priority_of(&self, name: &str) -> Option<i32> {
        let index: usize = name.strip_prefix('p')?.parse().ok()?;
        Some(match self.pods.get(index)?.priority {
            PriorityGen::None => 0,
            PriorityGen::Low => 100,
            PriorityGen::High => 1000,
        })
    }

    /// The scenario file (with the priority classes inline) that reproduces the case's
    /// cluster; the pods follow as `# at Ns` comments and documents, for a person to read.
    pub fn to_yaml(&self) -> String {
        let mut text = self.scenario_yaml();
        text.push_str("---\n");
        text.push_str(PRIORITY_CLASSES);
        for (i, pod) in self.pods.iter().enumerate() {
            let _ = writeln!(text, "---\n# arrives at {}s", pod.arrival_secs);
            text.push_str(&pod.manifest(&format!("p{i}")));
        }
        text
    }

    fn scenario_yaml(&self) -> String {
        let last = self.pods.iter().map(|p| p.arrival_secs).max().unwrap_or(0);
        let mut text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: generated\nspec:\n  seed: {}\n  duration: {}s\n  cluster:\n    nodePools:\n",
            self.seed,
            last + SETTLE_SECS
        );
        for (i, p) in self.cluster.pools.iter().enumerate() {
            let _ = writeln!(
                text,
                "    - name: pool{i}\n      count: {}\n      capacity: {{cpu: {}m, memory: {}Mi, pods: 110}}\n      zone: {}",
                p.count,
                p.cpu_millis,
                p.memory_mib,
                ZONES[p.zone % ZONES.len()]
            );
            if p.ssd {
                let _ = writeln!(text, "      labels: {{{}: {}}}", SSD_LABEL.0, SSD_LABEL.1);
            }
            if p.dedicated {
                let _ = writeln!(
                    text,
                    "      taints: [{{key: {}, value: {}, effect: NoSchedule}}]",
                    DEDICATED_TAINT.0, DEDICATED_TAINT.1
                );
            }
        }
        text
    }

    /// The case as a runnable [`Scenario`]: the cluster and priority classes at t=0, each
    /// pod applied at its arrival time, through the same decoding and API defaulting as a
    /// user's files.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let text = format!("{}---\n{PRIORITY_CLASSES}", self.scenario_yaml());
        let mut scenario = parse_scenario("generated.yaml", &text, std::path::Path::new(""))
            .map_err(|e| e.to_string())?;
        for (i, pod) in self.pods.iter().enumerate() {
            let loaded = load_manifests("generated.yaml", &pod.manifest(&format!("p{i}")))
                .map_err(|e| e.to_string())?;
            for m in &loaded.objects {
                let object = to_core(m).map_err(|e| e.to_string())?;
                scenario.actions.push((
                    SimTime::ZERO + sim_core::time::SimDuration::from_secs(pod.arrival_secs),
                    ScenarioAction::Apply(object),
                ));
            }
        }
        scenario.actions.sort_by_key(|(at, _)| *at);
        Ok(scenario)
    }
}

/// Runs `case` to its end with `scheduler`.
pub fn simulate(case: &Case, scheduler: &SchedulerChoice) -> Result<Simulation, String> {
    let mut scenario = case.scenario()?;
    scenario.scheduler = scheduler.clone();
    let mut sim = run_to_end(&scenario)?;
    // Quiescence: a settling step in which no pod is bound, moved or removed. A flush at
    // the end of the case can preempt a pod, and a pod the scheduler rejected before that
    // sees the freed room only at its own next flush (clearing a nomination is no cluster
    // event in kubesim's queue; we know of none in kube-scheduler's either).
    let bindings = |sim: &Simulation| -> Vec<(String, String)> {
        bound_pods(sim)
            .map(|(p, n)| (p.meta.name.clone(), n.to_string()))
            .collect()
    };
    let mut end = scenario.duration;
    for _ in 0..MAX_SETTLE_STEPS {
        let before = bindings(&sim);
        end = end + sim_core::time::SimDuration::from_secs(SETTLE_SECS);
        sim.run_until(end).map_err(|e| e.to_string())?;
        if bindings(&sim) == before {
            break;
        }
    }
    Ok(sim)
}

/// Runs `scenario` to its end.
pub fn run_to_end(scenario: &Scenario) -> Result<Simulation, String> {
    let mut sim = build(scenario, &RunOptions::default()).map_err(|e| e.to_string())?;
    sim.run_until(scenario.duration)
        .map_err(|e| e.to_string())?;
    Ok(sim)
}

fn bound_pods(sim: &Simulation) -> impl Iterator<Item = (&Pod, &str)> {
    sim.store().list::<Pod>().filter_map(|p| {
        p.spec
            .node_name
            .as_deref()
            .filter(|_| !p.status.phase.is_terminal())
            .map(|n| (p, n))
    })
}

fn node<'a>(sim: &'a Simulation, name: &str) -> Option<&'a Node> {
    sim.store().list::<Node>().find(|n| n.meta.name == name)
}

/// No node's pods request more CPU, memory or pods than it has allocatable (computed here
/// from the store, not from the scheduler's cache).
pub fn no_overcommit(sim: &Simulation) -> Result<(), String> {
    let mut per_node: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    for (pod, node_name) in bound_pods(sim) {
        let r = pod.spec.effective_requests();
        let entry = per_node.entry(node_name).or_default();
        entry.0 += r.cpu_millis;
        entry.1 += r.memory_bytes;
        entry.2 += 1;
    }
    for (name, (cpu, memory, pods)) in per_node {
        let Some(n) = node(sim, name) else { continue };
        let a = &n.allocatable;
        if cpu > a.cpu_millis || memory > a.memory_bytes || pods > a.pods {
            return Err(format!(
                "node {name} is overcommitted: requests cpu {cpu}m / memory {memory} / {pods} pods, \
                 allocatable cpu {}m / memory {} / {} pods",
                a.cpu_millis, a.memory_bytes, a.pods
            ));
        }
    }
    Ok(())
}

/// Every bound pod tolerates its node's `NoSchedule` and `NoExecute` taints.
pub fn taints_respected(sim: &Simulation) -> Result<(), String> {
    for (pod, node_name) in bound_pods(sim) {
        let Some(n) = node(sim, node_name) else {
            continue;
        };
        for taint in n
            .taints
            .iter()
            .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        {
            if !pod.spec.tolerations.iter().any(|t| t.tolerates(taint)) {
                return Err(format!(
                    "pod {} is on node {node_name} whose taint {}={}:{:?} it does not tolerate",
                    pod.meta.name, taint.key, taint.value, taint.effect
                ));
            }
        }
    }
    Ok(())
}

/// Every bound pod's nodeSelector and required node affinity match its node.
pub fn node_affinity_respected(sim: &Simulation) -> Result<(), String> {
    for (pod, node_name) in bound_pods(sim) {
        let Some(n) = node(sim, node_name) else {
            continue;
        };
        for (key, value) in &pod.spec.node_selector {
            if n.meta.labels.get(key) != Some(value) {
                return Err(format!(
                    "pod {} selects {key}={value} but node {node_name} has {key}={:?}",
                    pod.meta.name,
                    n.meta.labels.get(key)
                ));
            }
        }
        let required = pod
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref());
        if let Some(affinity) = required {
            if !affinity.required_matches(&n.meta.labels, node_name) {
                return Err(format!(
                    "pod {} is on node {node_name}, which its required node affinity excludes",
                    pod.meta.name
                ));
            }
        }
    }
    Ok(())
}

/// No two bound pods share a topology domain that the required pod anti-affinity of one of
/// them forbids (the term's selector matching the other, in the same namespace or one the
/// term names).
pub fn pod_anti_affinity_respected(sim: &Simulation) -> Result<(), String> {
    let bound: Vec<(&Pod, &Node)> = bound_pods(sim)
        .filter_map(|(p, n)| node(sim, n).map(|n| (p, n)))
        .collect();
    for (pod, pod_node) in &bound {
        let terms = pod
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .map_or(&[][..], |a| a.required.as_slice());
        for term in terms {
            let Some(domain) = pod_node.meta.labels.get(&term.topology_key) else {
                continue;
            };
            let Some(selector) = &term.label_selector else {
                continue;
            };
            let namespaces_match = |other: &Pod| {
                term.namespace_selector.is_some()
                    || if term.namespaces.is_empty() {
                        other.meta.namespace == pod.meta.namespace
                    } else {
                        term.namespaces.contains(&other.meta.namespace)
                    }
            };
            for (other, other_node) in &bound {
                if other.meta.uid == pod.meta.uid
                    || other_node.meta.labels.get(&term.topology_key) != Some(domain)
                {
                    continue;
                }
                if namespaces_match(other) && selector.matches(&other.meta.labels) {
                    return Err(format!(
                        "pod {} shares {}={domain} with pod {}, which its required \
                         anti-affinity excludes",
                        pod.meta.name, term.topology_key, other.meta.name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// For every DoNotSchedule topology spread constraint, the matching bound pods differ by at
/// most `maxSkew` between the domains of the nodes the pod could use (its nodeSelector and
/// required node affinity honoured, as `nodeAffinityPolicy: Honor` does). Holds for
/// workloads that only grow and whose pods share one constraint and one node selection, as
/// the generated ones do; pods of one group that see different nodes may each be placed
/// legally and still leave a skew larger than `maxSkew` from another's point of view. A run
/// with a preemption is not checked: victims leave without regard to spreading.
pub fn topology_spread_respected(sim: &Simulation) -> Result<(), String> {
    use sim_core::objects::UnsatisfiableConstraintAction;
    // A preemption removes pods without regard to other workloads' spreading (as in
    // Kubernetes), so the groups no longer only grow: nothing to check then.
    let preempted = sim.timeline().records().iter().any(|r| {
        matches!(&r.body, sim_core::timeline::RecordBody::Event { reason, .. } if reason == "Preempted")
    });
    if preempted {
        return Ok(());
    }
    let nodes: Vec<&Node> = sim.store().list::<Node>().collect();
    let bound: Vec<(&Pod, &str)> = bound_pods(sim).collect();
    for (pod, _) in &bound {
        for c in &pod.spec.topology_spread_constraints {
            if c.when_unsatisfiable != UnsatisfiableConstraintAction::DoNotSchedule {
                continue;
            }
            let Some(selector) = &c.label_selector else {
                continue;
            };
            let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
            for n in &nodes {
                let eligible = pod
                    .spec
                    .node_selector
                    .iter()
                    .all(|(k, v)| n.meta.labels.get(k) == Some(v))
                    && pod
                        .spec
                        .affinity
                        .as_ref()
                        .and_then(|a| a.node_affinity.as_ref())
                        .is_none_or(|a| a.required_matches(&n.meta.labels, &n.meta.name));
                if let (true, Some(domain)) = (eligible, n.meta.labels.get(&c.topology_key)) {
                    counts.entry(domain.as_str()).or_insert(0);
                }
            }
            for (other, other_node) in &bound {
                if other.meta.namespace != pod.meta.namespace
                    || !selector.matches(&other.meta.labels)
                {
                    continue;
                }
                let domain = node(sim, other_node)
                    .and_then(|n| n.meta.labels.get(&c.topology_key))
                    .map(String::as_str);
                if let Some(count) = domain.and_then(|d| counts.get_mut(d)) {
                    *count += 1;
                }
            }
            let (Some(min), Some(max)) = (counts.values().min(), counts.values().max()) else {
                continue;
            };
            if max - min > i64::from(c.max_skew) {
                return Err(format!(
                    "pods matching {selector} of pod {}'s constraint on {} are {counts:?}: \
                     skew {} > maxSkew {}",
                    pod.meta.name,
                    c.topology_key,
                    max - min,
                    c.max_skew
                ));
            }
        }
    }
    Ok(())
}

/// Every `Preempted` victim had a lower priority than its preemptor. `priority_of` gives the
/// priority of a pod by name (victims are gone from the store by the end; a generated case
/// knows its pods' classes, see [`Case::priority_of`]).
pub fn preemption_only_of_lower_priority(
    sim: &Simulation,
    priority_of: impl Fn(&str) -> Option<i32>,
) -> Result<(), String> {
    use sim_core::timeline::RecordBody;
    for record in sim.timeline().records() {
        let RecordBody::Event {
            reason, message, ..
        } = &record.body
        else {
            continue;
        };
        if reason != "Preempted" {
            continue;
        }
        let victim = record.object.key.name.as_str();
        // "Preempted by pod <uid> on node <node>"
        let Some(uid) = message
            .strip_prefix("Preempted by pod ")
            .and_then(|rest| rest.split_whitespace().next())
        else {
            continue;
        };
        let preemptor = sim
            .store()
            .list::<Pod>()
            .find(|p| p.meta.uid.to_string() == uid);
        let (Some(preemptor), Some(victim_priority)) = (preemptor, priority_of(victim)) else {
            continue;
        };
        if victim_priority >= preemptor.spec.priority {
            return Err(format!(
                "pod {victim} (priority {victim_priority}) was preempted by {} (priority {})",
                preemptor.meta.name, preemptor.spec.priority
            ));
        }
    }
    Ok(())
}

/// After quiescence, no pod waits for a node while some node passes every filter of the
/// default profile for it (with the scheduler's own view of node usage).
pub fn no_pending_with_feasible_node(sim: &Simulation) -> Result<(), String> {
    let registry = Registry::with_default_plugins();
    let profile = Profile::default_profile(&registry).map_err(|e| e.to_string())?;
    let cache = sim.scheduler().cache();
    for pod in sim.store().list::<Pod>() {
        if pod.spec.node_name.is_some()
            || pod.meta.deletion_timestamp.is_some()
            || pod.status.phase.is_terminal()
        {
            continue;
        }
        for info in cache.node_infos() {
            if fits_node(&profile, pod, cache, &PodContext::default(), info) {
                return Err(format!(
                    "pod {} is still Pending at {} although node {} fits it",
                    pod.meta.name,
                    sim.now(),
                    info.name()
                ));
            }
        }
    }
    Ok(())
}

/// Running `scenario` twice gives the same timeline, record for record; the error names
/// the first record that differs.
pub fn deterministic_per_seed(scenario: &Scenario) -> Result<(), String> {
    let render = |sim: &Simulation| {
        let mut text = String::new();
        render_jsonl(sim.timeline(), &mut text);
        text
    };
    let first = render(&run_to_end(scenario)?);
    let second = render(&run_to_end(scenario)?);
    if first == second {
        return Ok(());
    }
    let (line, (a, b)) = first
        .lines()
        .zip(second.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((0, ("<length differs>", "<length differs>")));
    Err(format!(
        "two runs with seed {} differ at record {line}:\n  {a}\n  {b}",
        scenario.seed
    ))
}

/// Every checker on a finished simulation (those that need no more than the simulation),
/// the first violation first.
pub fn check_all(sim: &Simulation) -> Result<(), String> {
    no_overcommit(sim)?;
    taints_respected(sim)?;
    node_affinity_respected(sim)?;
    pod_anti_affinity_respected(sim)?;
    topology_spread_respected(sim)?;
    no_pending_with_feasible_node(sim)
}
