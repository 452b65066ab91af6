//! Priority and preemption (k8s-semantics §9.8, kube-scheduler's DefaultPreemption): a pod
//! that fits nowhere removes pods of lower priority, reprieving as many as it can, chooses
//! the node by `pickOneNodeForPreemption`'s criteria (PodDisruptionBudgets first), is
//! nominated there and binds once its victims are gone. Pods are scheduled on one or two
//! nodes of 1 CPU; apps exit at once on TERM unless stated.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;

/// PriorityClasses `lowest` (10), `low` (100), `mid` (200), `high` (1000) and `high-never`
/// (1000, preemptionPolicy Never).
const CLASSES: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: lowest}\nvalue: 10\n---\n\
apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\nvalue: 100\n---\n\
apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: mid}\nvalue: 200\n---\n\
apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n---\n\
apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high-never}\nvalue: 1000\npreemptionPolicy: Never\n";

/// A pod `name` of class `class` requesting `cpu`, pinned to `node` when given (through a
/// nodeSelector on the hostname label), with `labels`.
fn pod(name: &str, class: &str, cpu: &str, node: Option<&str>, labels: &str) -> String {
    let selector = node.map_or(String::new(), |n| {
        format!("  nodeSelector: {{kubernetes.io/hostname: {n}}}\n")
    });
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{{labels}}}}}\nspec:\n  \
         priorityClassName: {class}\n{selector}  containers:\n    - name: app\n      image: \
         nginx:1.27\n      resources: {{requests: {{cpu: {cpu}}}}}\n"
    )
}

/// A scenario with `nodes` nodes of 1 CPU, the classes, `docs` at t=0 and `events`
/// (`apply` events name files written to `dir` by [`apply_at`]).
fn simulation(dir: &Path, nodes: u32, docs: &str, events: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: preemption}}\nspec:\n  \
         duration: 10m\n  cluster:\n    nodePools:\n      - {{name: node, count: {nodes}, capacity: \
         {{cpu: \"1\", memory: 8Gi}}}}\n  events:\n{events}---\n{CLASSES}---\n{docs}"
    );
    common::build_simulation("preemption.yaml", &text, dir)
}

/// An `apply` event at `at` of `manifest`, written to `dir/file`.
fn apply_at(dir: &Path, file: &str, at: &str, manifest: &str) -> String {
    common::write(dir, file, manifest);
    format!("    - at: {at}\n      apply: {file}\n")
}

fn run_to(sim: &mut Simulation, millis: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(millis))
        .expect("runs");
}

fn field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(sim, Kind::Pod, &ObjectKey::new("default", name), path)
}

/// (millis, pod, message) of every event with `reason` on a pod.
fn events(sim: &Simulation, reason: &str) -> Vec<(u64, String, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod)
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason => Some((
                r.time.as_millis(),
                r.object.key.name.clone(),
                message.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn uid(sim: &Simulation, name: &str) -> String {
    sim.store()
        .get::<Pod>(&ObjectKey::new("default", name))
        .map(|p| p.meta.uid.to_string())
        .expect("pod exists")
}

/// §9.8: a high-priority pod on a full node preempts the least important pod whose removal
/// is enough (`low-b`, priority 10, is taken; `low-a`, priority 100, is reprieved), gets
/// `status.nominatedNodeName`, and binds to that node once the victim is gone. The victim
/// gets `DisruptionTarget` (reason `PreemptionByScheduler`) and the `Preempted` event.
#[test]
fn high_priority_pod_preempts_the_lowest_victim_then_binds_to_the_nominated_node() {
    let dir = common::scratch(
        "preemption-high_priority_pod_preempts_the_lowest_victim_then_binds_to_the_nominated_node",
    );
    let docs = format!(
        "{}---\n{}",
        pod("low-a", "low", "400m", None, "app: a"),
        pod("low-b", "lowest", "400m", None, "app: b")
    );
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 10_000);
    let preemptor = uid(&sim, "critical");
    assert_eq!(
        field(&sim, "critical", "status.nominatedNodeName"),
        "node-1"
    );
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "<absent>");
    assert_eq!(
        events(&sim, "FailedScheduling"),
        [(
            10_000,
            "critical".to_string(),
            "0/1 nodes are available: 1 Insufficient cpu.".to_string()
        )]
    );
    assert_eq!(
        events(&sim, "Preempted"),
        [(
            10_000,
            "low-b".to_string(),
            format!("Preempted by pod {preemptor} on node node-1")
        )]
    );
    // The victim went at once (it exits on TERM); low-a is untouched.
    assert_eq!(field(&sim, "low-b", "metadata.name"), "<gone>");
    assert_eq!(
        field(&sim, "low-a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    run_to(&mut sim, 20_000);
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "node-1");
    // Bound after the 1 s back-off of its first attempt.
    assert_eq!(
        events(&sim, "Scheduled")
            .iter()
            .filter(|(_, name, _)| name == "critical")
            .map(|(t, _, _)| *t)
            .collect::<Vec<_>>(),
        [11_000]
    );
}

/// The victim's DisruptionTarget condition, seen while it terminates (its app ignores TERM,
/// so it stays for its 30 s grace period), and the nominated room is held for the
/// preemptor: a priority-0 pod arriving meanwhile does not take it.
#[test]
fn victims_terminate_gracefully_and_the_nominated_room_is_reserved() {
    let dir = common::scratch(
        "preemption-victims_terminate_gracefully_and_the_nominated_room_is_reserved",
    );
    let victim = pod("victim", "low", "800m", None, "app: v").replace(
        "metadata: {name: victim,",
        "metadata: {annotations: {kubesim.io/ignore-term: \"true\"}, name: victim,",
    );
    let mut events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    // Priority 0 (no class), arriving while the victim terminates: 800m + 150m would fit
    // next to the victim, but the preemptor's 500m are reserved on its nominated node.
    events_text.push_str(&apply_at(
        &dir,
        "late.yaml",
        "20s",
        &pod("late", "low", "150m", None, "app: l").replace("  priorityClassName: low\n", ""),
    ));
    let mut sim = simulation(&dir, 1, &victim, &events_text);
    run_to(&mut sim, 10_000);
    assert_eq!(
        field(&sim, "victim", "status.conditions[DisruptionTarget].reason"),
        "PreemptionByScheduler"
    );
    assert_eq!(
        field(
            &sim,
            "victim",
            "status.conditions[DisruptionTarget].message"
        ),
        "default-scheduler: preempting to accommodate a higher priority pod"
    );
    assert_ne!(
        field(&sim, "victim", "metadata.deletionTimestamp"),
        "<absent>"
    );
    run_to(&mut sim, 30_000);
    // Still terminating: the preemptor waits, nominated, without preempting again.
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "<absent>");
    assert_eq!(
        field(&sim, "critical", "status.nominatedNodeName"),
        "node-1"
    );
    assert_eq!(events(&sim, "Preempted").len(), 1);
    // Nothing requeues it before the victim is gone (an unscheduled pod's arrival is not
    // an event that can make it fit), so its message is still the nominating cycle's.
    assert_eq!(
        field(&sim, "critical", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu."
    );
    // The room is held: the late pod waits although it would fit beside the victim.
    assert_eq!(field(&sim, "late", "spec.nodeName"), "<absent>");
    run_to(&mut sim, 60_000);
    assert_eq!(field(&sim, "victim", "metadata.name"), "<gone>");
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "node-1");
    // 500m + 150m fit in 1 CPU, so the late pod binds too once the victim is gone.
    assert_eq!(field(&sim, "late", "spec.nodeName"), "node-1");
    // `kubesim explain` tells both sides.
    let explain = |name: &str| {
        sim_scenarios::explain::explain(
            sim.store(),
            sim.timeline(),
            &sim_core::objects::ObjectRef::new(Kind::Pod, ObjectKey::new("default", name)),
            SimTime::ZERO + SimDuration::from_secs(60),
        )
        .expect("explained")
    };
    let story = explain("critical");
    assert!(
        story.contains("10s: nominated to node-1 by a preemption"),
        "{story}"
    );
    let story = explain("victim");
    assert!(
        story.contains("10s: chosen as a preemption victim (DisruptionTarget=True"),
        "{story}"
    );
}

/// §9.8 PDB-aware choice: two nodes each hold one pod whose removal frees the room. The
/// pod on node-1 has the lower priority (the second criterion would pick node-1), but a
/// PodDisruptionBudget allows no disruption of it, and fewest PDB violations comes first:
/// node-2's pod is preempted.
#[test]
fn pdb_violations_decide_between_two_nodes() {
    let dir = common::scratch("preemption-pdb_violations_decide_between_two_nodes");
    let docs = format!(
        "{}---\n{}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: \
         guard}}\nspec:\n  minAvailable: 1\n  selector: {{matchLabels: {{app: guarded}}}}\n",
        pod("guarded", "low", "800m", Some("node-1"), "app: guarded"),
        pod("free", "mid", "800m", Some("node-2"), "app: free"),
    );
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    let mut sim = simulation(&dir, 2, &docs, &events_text);
    run_to(&mut sim, 9_000);
    assert_eq!(
        common::object_field(
            &sim,
            Kind::PodDisruptionBudget,
            &ObjectKey::new("default", "guard"),
            "status.disruptionsAllowed"
        ),
        "0"
    );
    run_to(&mut sim, 20_000);
    let preempted: Vec<String> = events(&sim, "Preempted")
        .into_iter()
        .map(|(_, name, _)| name)
        .collect();
    assert_eq!(preempted, ["free"]);
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "node-2");
    assert_eq!(field(&sim, "guarded", "spec.nodeName"), "node-1");
}

/// Without a budget the same two nodes are decided by the lowest highest-victim priority:
/// node-1's pod (100) goes rather than node-2's (200).
#[test]
fn lowest_victim_priority_decides_without_budgets() {
    let dir = common::scratch("preemption-lowest_victim_priority_decides_without_budgets");
    let docs = format!(
        "{}---\n{}",
        pod("guarded", "low", "800m", Some("node-1"), "app: guarded"),
        pod("free", "mid", "800m", Some("node-2"), "app: free"),
    );
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    let mut sim = simulation(&dir, 2, &docs, &events_text);
    run_to(&mut sim, 20_000);
    let preempted: Vec<String> = events(&sim, "Preempted")
        .into_iter()
        .map(|(_, name, _)| name)
        .collect();
    assert_eq!(preempted, ["guarded"]);
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "node-1");
}

/// `preemptionPolicy: Never` (from the PriorityClass): the pod stays Pending and preempts
/// nothing, with kube-scheduler's message.
#[test]
fn preemption_policy_never_stays_pending() {
    let dir = common::scratch("preemption-preemption_policy_never_stays_pending");
    let docs = pod("low-a", "low", "800m", None, "app: a");
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("polite", "high-never", "500m", None, "app: p"),
    );
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 120_000);
    assert_eq!(field(&sim, "polite", "spec.nodeName"), "<absent>");
    assert_eq!(
        field(&sim, "polite", "status.nominatedNodeName"),
        "<absent>"
    );
    assert!(events(&sim, "Preempted").is_empty());
    assert_eq!(
        field(&sim, "polite", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, \
         preemption: not eligible due to preemptionPolicy=Never."
    );
}

/// Pods of equal or higher priority are never victims: "No preemption victims found".
#[test]
fn equal_or_higher_priority_pods_are_not_preempted() {
    let dir = common::scratch("preemption-equal_or_higher_priority_pods_are_not_preempted");
    let docs = format!(
        "{}---\n{}",
        pod("peer", "high", "800m", Some("node-1"), "app: a"),
        pod("low-on-2", "low", "100m", Some("node-2"), "app: b"),
    );
    // node-2 has room freed only by... nothing: its pod is small, the 950m request does
    // not fit next to it; node-1's pod has the same priority.
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "950m", None, "app: c"),
    );
    let mut sim = simulation(&dir, 2, &docs, &events_text);
    run_to(&mut sim, 10_000);
    assert_eq!(
        field(&sim, "peer", "metadata.deletionTimestamp"),
        "<absent>"
    );
    // On node-2 the low pod is a victim: the critical pod preempts it, never the peer.
    assert_eq!(
        events(&sim, "Preempted")
            .into_iter()
            .map(|(_, name, _)| name)
            .collect::<Vec<_>>(),
        ["low-on-2"]
    );

    let docs = pod("peer", "high", "800m", None, "app: a");
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 60_000);
    assert!(events(&sim, "Preempted").is_empty());
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "<absent>");
    assert_eq!(
        field(&sim, "critical", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, \
         preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

/// A node that a filter rejects for good (here a pod larger than the node) counts as
/// "Preemption is not helpful for scheduling".
#[test]
fn preemption_is_not_helpful_when_the_pod_can_never_fit() {
    let dir = common::scratch("preemption-preemption_is_not_helpful_when_the_pod_can_never_fit");
    let docs = pod("low-a", "low", "800m", None, "app: a");
    let events_text = apply_at(
        &dir,
        "pod-10s.yaml",
        "10s",
        &pod("huge", "high", "2", None, "app: h"),
    );
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 20_000);
    assert!(events(&sim, "Preempted").is_empty());
    assert_eq!(
        field(&sim, "huge", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, \
         preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    );
}

/// PrioritySort: with one free slot, the pending pod of higher priority is scheduled first
/// even though it was created later.
#[test]
fn higher_priority_pods_are_scheduled_first() {
    let dir = common::scratch("preemption-higher_priority_pods_are_scheduled_first");
    let docs = format!(
        "{}---\n{}---\n{}",
        pod("blocker", "high", "600m", None, "app: x"),
        pod("first-low", "low", "600m", None, "app: y"),
        pod("second-mid", "mid", "600m", None, "app: z"),
    );
    let events_text = "    - at: 10s\n      delete: {object: pod/blocker}\n".to_string();
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 60_000);
    assert_eq!(field(&sim, "second-mid", "spec.nodeName"), "node-1");
    assert_eq!(field(&sim, "first-low", "spec.nodeName"), "<absent>");
}

/// The what-if `priority-preemption` (a critical Deployment on a full cluster, the etl
/// budget reprieved): byte-identical timelines for one seed, and its expectations hold for
/// other seeds too (the candidate walk's offset and the tie-breaks are seeded), with the
/// invariant checkers on.
#[test]
fn priority_preemption_what_if_is_deterministic_for_every_seed() {
    let scenario = sim_scenarios::scenario::load_scenario(
        &common::root()
            .join("scenarios")
            .join("what-if")
            .join("priority-preemption.yaml"),
    )
    .expect("loads");
    let timeline = |seed: Option<u64>| {
        let report = sim_scenarios::run::run(
            &scenario,
            &sim_scenarios::run::RunOptions {
                seed,
                check_invariants: true,
                ..sim_scenarios::run::RunOptions::default()
            },
        )
        .expect("runs");
        let mut text = String::new();
        sim_scenarios::render::render_jsonl(report.simulation.timeline(), &mut text);
        (text, report.passed())
    };
    let (first, passed) = timeline(None);
    assert!(passed);
    assert_eq!(first, timeline(None).0, "same seed, same bytes");
    for seed in 1..=5 {
        assert!(timeline(Some(seed)).1, "expectations hold with seed {seed}");
    }
}

/// A nominated pod tries its nominated node first (`evaluateNominatedNode`): when another
/// node empties meanwhile and would score better, the pod still binds where its victims
/// made room.
#[test]
fn the_nominated_node_is_tried_first() {
    let dir = common::scratch("preemption-the_nominated_node_is_tried_first");
    let docs = format!(
        "{}---\n{}---\n{}",
        pod("victim", "low", "800m", Some("node-1"), "app: v"),
        pod("keeper", "high", "100m", Some("node-1"), "app: k"),
        pod("peer", "high", "800m", Some("node-2"), "app: p"),
    );
    let mut events_text = apply_at(
        &dir,
        "critical.yaml",
        "10s",
        &pod("critical", "high", "500m", None, "app: c"),
    );
    events_text.push_str("    - at: 10500ms\n      delete: {object: pod/peer}\n");
    let mut sim = simulation(&dir, 2, &docs, &events_text);
    run_to(&mut sim, 10_000);
    assert_eq!(
        field(&sim, "critical", "status.nominatedNodeName"),
        "node-1"
    );
    run_to(&mut sim, 30_000);
    assert_eq!(field(&sim, "peer", "metadata.name"), "<gone>");
    assert_eq!(field(&sim, "critical", "spec.nodeName"), "node-1");
}

/// Preemption respects pod anti-affinity: the preemptor refuses to share a node with
/// `app: db`, so it preempts on node-2 (whose victim is of higher priority than node-1's)
/// rather than on node-1, where removing the victim would not let it in. The dry run reads
/// the PreFilter state of InterPodAffinity (§9.4, §9.8).
#[test]
fn preemption_respects_pod_anti_affinity() {
    let dir = common::scratch("preemption-anti-affinity");
    let preemptor =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  \
         priorityClassName: high\n  affinity:\n    podAntiAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: {matchLabels: \
         {app: db}}\n          topologyKey: kubernetes.io/hostname\n  containers:\n    - name: \
         app\n      image: nginx:1.27\n      resources: {requests: {cpu: 600m}}\n";
    let docs = format!(
        "{}---\n{}---\n{}",
        pod("db", "high", "100m", Some("node-1"), "app: db"),
        pod("filler-1", "lowest", "800m", Some("node-1"), "app: filler"),
        pod("filler-2", "low", "800m", Some("node-2"), "app: filler"),
    );
    let events_text = apply_at(&dir, "web.yaml", "10s", preemptor);
    let mut sim = simulation(&dir, 2, &docs, &events_text);
    run_to(&mut sim, 30_000);
    assert_eq!(field(&sim, "web", "spec.nodeName"), "node-2");
    assert_eq!(field(&sim, "filler-2", "metadata.name"), "<gone>");
    assert_eq!(field(&sim, "filler-1", "status.phase"), "Running");
}

/// InterPodAffinity answers `UnschedulableAndUnresolvable` when the pod's required affinity
/// matches no pod anywhere (§9.4: `ErrReasonAffinityRulesNotMatch`), so preemption does not
/// even try the node (§9.8): removing pods could never create the pod it wants to join.
/// (A dry run would have answered with the affinity reason instead of "not helpful".)
#[test]
fn unmatched_pod_affinity_makes_preemption_not_helpful() {
    let dir = common::scratch("preemption-unmatched-affinity");
    let preemptor =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  \
         priorityClassName: high\n  affinity:\n    podAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: {matchLabels: \
         {app: cache}}\n          topologyKey: kubernetes.io/hostname\n  containers:\n    - name: \
         app\n      image: nginx:1.27\n      resources: {requests: {cpu: 100m}}\n";
    let docs = pod("filler", "low", "800m", None, "app: filler");
    let events_text = apply_at(&dir, "web.yaml", "10s", preemptor);
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 30_000);
    assert!(events(&sim, "Preempted").is_empty());
    assert_eq!(field(&sim, "filler", "status.phase"), "Running");
    assert_eq!(
        field(&sim, "web", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. no new claims to \
         deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for \
         scheduling."
    );
}

/// The dry run takes victims out of the PreFilter state (`RemovePod`, §9.8): a pod whose
/// required anti-affinity is broken only by a lower-priority pod preempts that pod, as
/// kube-scheduler does, instead of finding "no victims".
#[test]
fn preemption_removes_the_pod_that_breaks_anti_affinity() {
    let dir = common::scratch("preemption-anti-affinity-victim");
    let preemptor =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  \
         priorityClassName: high\n  affinity:\n    podAntiAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: {matchLabels: \
         {app: db}}\n          topologyKey: kubernetes.io/hostname\n  containers:\n    - name: \
         app\n      image: nginx:1.27\n      resources: {requests: {cpu: 100m}}\n";
    let docs = pod("db", "low", "100m", None, "app: db");
    let events_text = apply_at(&dir, "web.yaml", "10s", preemptor);
    let mut sim = simulation(&dir, 1, &docs, &events_text);
    run_to(&mut sim, 30_000);
    let preempted: Vec<String> = events(&sim, "Preempted")
        .into_iter()
        .map(|(_, pod, _)| pod)
        .collect();
    assert_eq!(preempted, ["db"]);
    assert_eq!(field(&sim, "web", "spec.nodeName"), "node-1");
}
