//! Scheduler configuration (k8s-semantics §9.1 default plugins and weights, §9.3 scoring
//! strategies, §9.5 percentageOfNodesToScore), the built-in named policies and
//! `kubesim compare`.

mod common;

use std::path::Path;

use common::{kubesim, texts};
use sim_core::objects::{Pod, PodConditionType};
use sim_core::scheduler::plugins::ScoringStrategy;
use sim_core::scheduler::policies::registry_with_policy_plugins;
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scheduler_config::{
    load_scheduler_config, parse_scheduler_config, SchedulerChoice,
};

const HEADER: &str =
    "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

fn names(list: &[(String, i64)]) -> Vec<(&str, i64)> {
    list.iter().map(|(n, w)| (n.as_str(), *w)).collect()
}

fn parse_errors(text: &str) -> String {
    parse_scheduler_config("cfg.yaml", text, &registry_with_policy_plugins())
        .expect_err("invalid")
        .to_string()
}

/// §9.1: a real-format file with two profiles. The first re-weights NodeResourcesFit at
/// `score` (an explicit override runs first, with its own weight) and drops
/// BalancedAllocation; the second disables every multi-point default (`*`) and enables its
/// own, where a weight left out means 1.
#[test]
fn a_real_configuration_file_with_two_profiles() {
    let config = load_scheduler_config(
        Path::new("tests/fixtures/scheduler/two-profiles.yaml"),
        "two-profiles.yaml",
        &registry_with_policy_plugins(),
    )
    .expect("valid");
    assert_eq!(config.profiles.len(), 2);
    let first = &config.profiles[0];
    assert_eq!(first.config.scheduler_name, "default-scheduler");
    assert_eq!(
        first.config.filters,
        [
            "NodeUnschedulable",
            "NodeName",
            "TaintToleration",
            "NodeAffinity",
            "NodePorts",
            "NodeResourcesFit",
            "PodTopologySpread",
            "InterPodAffinity"
        ]
    );
    assert_eq!(
        names(&first.config.scorers),
        [
            ("NodeResourcesFit", 5),
            ("TaintToleration", 3),
            ("NodeAffinity", 2),
            ("PodTopologySpread", 2),
            ("InterPodAffinity", 2),
            ("ImageLocality", 1)
        ]
    );
    assert_eq!(
        first.config.args.node_resources_fit.scoring_strategy,
        ScoringStrategy::MostAllocated
    );
    assert_eq!(
        first.inter_pod_affinity.map(|a| a.hard_pod_affinity_weight),
        Some(5)
    );
    let spread = first.pod_topology_spread.as_ref().expect("passed through");
    assert_eq!(spread.defaulting_type, "List");
    assert_eq!(
        spread.default_constraints[0].topology_key,
        "kubernetes.io/hostname"
    );

    let second = &config.profiles[1];
    assert_eq!(second.config.scheduler_name, "spreader");
    assert_eq!(
        second.config.filters,
        ["NodeUnschedulable", "TaintToleration", "NodeResourcesFit"]
    );
    assert_eq!(
        names(&second.config.scorers),
        [("TaintToleration", 1), ("NodeResourcesFit", 3)]
    );
    assert_eq!(second.config.percentage_of_nodes_to_score, 50);
    assert_eq!(
        second.config.args.node_resources_fit.scoring_strategy,
        ScoringStrategy::LeastAllocated
    );
}

/// A misspelt plugin and an out-of-range weight are reported with file, line, field path
/// and a suggestion from the registry's names.
#[test]
fn configuration_errors_are_located() {
    let err = load_scheduler_config(
        Path::new("tests/fixtures/scheduler/bad.yaml"),
        "bad.yaml",
        &registry_with_policy_plugins(),
    )
    .expect_err("invalid")
    .to_string();
    assert!(
        err.contains(
            "bad.yaml:8:13: field `profiles[0].plugins.score.enabled[0].name`: plugin \
             \"NodeResourceFit\" does not exist (did you mean `NodeResourcesFit`?)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "bad.yaml:17:17: field `profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight`: \
             Invalid value: 200: resource weight of cpu not in valid range (0, 100]"
        ),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_errors_with_suggestions() {
    let err = parse_errors(&format!("{HEADER}profiles:\n  - schedulerNme: x\n"));
    assert!(err.contains("cfg.yaml:4:"), "{err}");
    assert!(err.contains("did you mean `schedulerName`?"), "{err}");
    let err = parse_errors(&format!(
        "{HEADER}profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args:\n          scoringStrategy:\n            typ: MostAllocated\n"
    ));
    assert!(
        err.contains(
            "cfg.yaml:8:13: field `profiles[0].pluginConfig[0].args.scoringStrategy.typ`: \
             unknown field `typ` (did you mean `type`?)"
        ),
        "{err}"
    );
}

#[test]
fn validation_follows_kube_scheduler() {
    let err = parse_errors(&format!("{HEADER}percentageOfNodesToScore: 120\n"));
    assert!(err.contains("not in valid range [0-100]"), "{err}");
    let err = parse_errors(&format!(
        "{HEADER}profiles:\n  - schedulerName: a\n  - schedulerName: a\n"
    ));
    assert!(err.contains("Duplicate value: \"a\""), "{err}");
    let err = parse_errors(&format!(
        "{HEADER}profiles:\n  - pluginConfig:\n      - name: PodTopologySpread\n        args:\n          defaultConstraints:\n            - maxSkew: 0\n              topologyKey: zone\n              whenUnsatisfiable: DoNotSchedule\n"
    ));
    assert!(
        err.contains("when .defaultConstraints are not empty"),
        "{err}"
    );
    assert!(
        err.contains("maxSkew`: Invalid value: 0: not in valid range (0, inf)"),
        "{err}"
    );
    let err = parse_errors(&format!(
        "{HEADER}profiles:\n  - pluginConfig:\n      - name: InterPodAffinity\n        args:\n          hardPodAffinityWeight: 101\n"
    ));
    assert!(err.contains("not in valid range [0, 100]"), "{err}");
}

/// RequestedToCapacityRatio's arguments are validated (shape points, score 0..=10), and a
/// valid one is refused cleanly as not simulated yet.
#[test]
fn requested_to_capacity_ratio_is_validated_and_used() {
    let strategy = |shape: &str| {
        format!(
            "{HEADER}profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args:\n          scoringStrategy:\n            type: RequestedToCapacityRatio\n            requestedToCapacityRatio:\n              shape:\n{shape}"
        )
    };
    let err = parse_errors(&strategy(
        "                - {utilization: 50, score: 11}\n                - {utilization: 40, score: 0}\n",
    ));
    assert!(err.contains("not in valid range [0, 10]"), "{err}");
    assert!(err.contains("sorted in increasing order"), "{err}");
    let config = parse_scheduler_config(
        "cfg.yaml",
        &strategy(
            "                - {utilization: 0, score: 10}\n                - {utilization: 100, score: 0}\n",
        ),
        &registry_with_policy_plugins(),
    )
    .expect("valid");
    assert_eq!(
        config.profiles[0]
            .config
            .args
            .node_resources_fit
            .scoring_strategy,
        ScoringStrategy::RequestedToCapacityRatio
    );
}

fn scenario(scheduler: &str, manifests: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: s}}\nspec:\n  \
         duration: 2m\n  scheduler: {scheduler}\n  cluster:\n    nodePools:\n      - {{name: node, \
         count: 3, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n---\n{manifests}"
    )
}

fn deployment(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: \
         {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      \
         labels: {{app: web}}\n    spec:\n      containers:\n        - name: web\n          \
         image: nginx\n          resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}\n"
    )
}

fn run(text: &str, seed: Option<u64>) -> Simulation {
    let mut scenario = sim_scenarios::scenario::parse_scenario("s.yaml", text, Path::new("."))
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let mut sim = sim_scenarios::run::build(&scenario, &Default::default()).expect("builds");
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(60))
        .expect("runs");
    sim
}

/// The node of every pod, in pod-name order.
fn placements(sim: &Simulation) -> Vec<String> {
    sim.store()
        .list::<Pod>()
        .map(|p| {
            p.spec
                .node_name
                .clone()
                .unwrap_or_else(|| "<pending>".into())
        })
        .collect()
}

fn nodes_used(sim: &Simulation) -> usize {
    let mut nodes = placements(sim);
    nodes.sort();
    nodes.dedup();
    nodes.len()
}

/// binpack (NodeResourcesFit MostAllocated, §9.3) fills one node first; default and spread
/// (LeastAllocated) put each replica on its own node.
#[test]
fn binpack_fills_one_node_first_and_spread_does_not() {
    assert_eq!(
        nodes_used(&run(&scenario("binpack", &deployment(6)), None)),
        1
    );
    assert_eq!(
        nodes_used(&run(&scenario("{policy: spread}", &deployment(3)), None)),
        3
    );
    assert_eq!(
        nodes_used(&run(&scenario("default", &deployment(3)), None)),
        3
    );
}

/// first-fit picks the first feasible node in name order: node-1 until it is full.
#[test]
fn first_fit_picks_node_1() {
    let sim = run(&scenario("first-fit", &deployment(8)), None);
    assert!(
        placements(&sim).iter().all(|n| n == "node-1"),
        "{:?}",
        placements(&sim)
    );
    // Eight 500m pods fill node-1's 4 CPUs; the ninth goes to node-2.
    let sim = run(&scenario("first-fit", &deployment(9)), None);
    let mut nodes = placements(&sim);
    nodes.sort();
    assert_eq!(
        nodes.iter().filter(|n| *n == "node-2").count(),
        1,
        "{nodes:?}"
    );
}

/// random is a seeded draw: the same seed gives the same placement, and over a few seeds
/// the placements differ.
#[test]
fn random_is_seeded_and_deterministic() {
    let text = scenario("random", &deployment(6));
    let a = placements(&run(&text, Some(7)));
    assert_eq!(a, placements(&run(&text, Some(7))));
    let distinct: std::collections::BTreeSet<Vec<String>> = (1..=5)
        .map(|seed| {
            let mut p = placements(&run(&text, Some(seed)));
            p.sort();
            p
        })
        .collect();
    assert!(distinct.len() > 1, "{distinct:?}");
}

/// Several profiles: a pod picks its profile by `spec.schedulerName`; a pod naming no
/// profile stays Pending with no FailedScheduling event and no PodScheduled condition, as
/// in Kubernetes where no scheduler picks it up.
#[test]
fn pods_pick_their_profile_and_an_unknown_scheduler_leaves_the_pod_pending() {
    let pod = |name: &str, scheduler: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  schedulerName: \
             {scheduler}\n  containers: [{{name: c, image: nginx}}]\n"
        )
    };
    let text = scenario(
        "{config: tests/fixtures/scheduler/two-profiles.yaml}",
        &format!("{}{}", pod("spread-me", "spreader"), pod("lost", "nope")),
    );
    let sim = run(&text, None);
    let store = sim.store();
    let spread = store
        .list::<Pod>()
        .find(|p| p.meta.name == "spread-me")
        .expect("pod");
    assert!(spread.spec.node_name.is_some());
    let lost = store
        .list::<Pod>()
        .find(|p| p.meta.name == "lost")
        .expect("pod");
    assert!(lost.spec.node_name.is_none());
    assert!(lost
        .status
        .condition(PodConditionType::PodScheduled)
        .is_none());
    let scheduled_by_spreader = sim.timeline().records().iter().any(|r| {
        matches!(&r.body, RecordBody::Event { reason, source, .. }
            if reason == "Scheduled" && source == "spreader")
    });
    assert!(scheduled_by_spreader);
    let lost_events: Vec<_> = sim
        .timeline()
        .records()
        .iter()
        .filter(|r| {
            r.object.key.name == "lost"
                && matches!(&r.body, RecordBody::Event { source, .. } if source != "scenario")
        })
        .collect();
    assert!(lost_events.is_empty(), "{lost_events:?}");
}

#[test]
fn a_bad_scheduler_field_is_located() {
    let text = scenario("bin-pack", &deployment(1));
    let err = sim_scenarios::scenario::parse_scenario("s.yaml", &text, Path::new("."))
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("s.yaml:6:3: field `spec.scheduler`: unknown scheduler policy \"bin-pack\""),
        "{err}"
    );
    assert!(err.contains("(did you mean `binpack`?)"), "{err}");
    let text = scenario(
        "{config: tests/fixtures/scheduler/bad.yaml}",
        &deployment(1),
    );
    let err = sim_scenarios::scenario::parse_scenario("s.yaml", &text, Path::new("."))
        .expect_err("invalid")
        .to_string();
    assert!(err.contains("bad.yaml:8:13"), "{err}");
}

/// `kubesim compare` runs the scenario per scheduler and prints the measures side by side,
/// the same bytes every time.
#[test]
fn compare_prints_placement_quality_side_by_side() {
    let args = [
        "compare",
        "scenarios/quickstart.yaml",
        "--scheduler",
        "binpack",
        "--scheduler",
        "spread",
        "--scheduler",
        "tests/fixtures/scheduler/two-profiles.yaml",
    ];
    let output = kubesim(&args);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    let row = |label: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row in\n{stdout}"))
            .split_whitespace()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
    };
    assert!(
        stdout.starts_with("# quickstart (seed 42), at 5m0s\n"),
        "{stdout}"
    );
    assert_eq!(
        row("SCHEDULER"),
        [
            "tests/fixtures/scheduler/two-profiles.yaml",
            "spread",
            "binpack"
        ]
    );
    // binpack keeps every web pod on one node; spread uses two (worker-1 is cordoned); the
    // file's MostAllocated profile keeps PodTopologySpread's system defaults, which spread
    // the Deployment over two nodes, unevenly.
    assert_eq!(row("nodes used"), ["2/3", "2/3", "1/3"]);
    assert_eq!(row("pods pending at end"), ["1", "1", "1"]);
    assert_eq!(row("preemptions"), ["0", "0", "0"]);
    assert_eq!(row("skew deployment/default/web"), ["4", "3", "6"]);
    assert!(stdout.contains("total time pending"), "{stdout}");
    let again = kubesim(&args);
    assert_eq!(texts(&again).0, stdout);
}

#[test]
fn run_takes_a_scheduler_and_refuses_an_unknown_one() {
    let output = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--scheduler",
        "first-fit",
    ]);
    assert!(output.status.success(), "{}", texts(&output).1);
    let output = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--scheduler",
        "first-fti",
    ]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown scheduler \"first-fti\""),
        "{stderr}"
    );
    assert!(stderr.contains("(did you mean `first-fit`?)"), "{stderr}");
    let choice = sim_scenarios::scheduler_config::parse_scheduler_arg("spread", Path::new(""))
        .expect("a policy");
    assert_eq!(choice.label(), "spread");
    assert!(matches!(choice, SchedulerChoice::Policy(_)));
}
