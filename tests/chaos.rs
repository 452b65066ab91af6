//! Seeded chaos (issue 6, k8s-semantics §7): random node failures with an MTBF and MTTR
//! per pool, and random pod kills, drawn from their own seeded stream and scheduled lazily.
//! The same seed gives the same run; other seeds give other runs; failures happen at the
//! rate the MTBF says.

mod common;

use std::path::Path;

use sim_core::timeline::RecordBody;
use sim_scenarios::render::render_jsonl;
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::parse_scenario;

fn scenario_text(hours: u64, chaos: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: chaos}}\nspec:\n  \
         duration: {hours}h\n  cluster:\n    nodePools:\n      - {{name: worker, count: 10, \
         zone: zone-a, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  chaos:\n{chaos}---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 6\n  \
         selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      labels: \
         {{app: web}}\n    spec:\n      containers:\n        - {{name: web, image: nginx:1.27}}\n"
    )
}

const CHAOS: &str = "    nodeFailures:\n      - {pool: worker, mtbf: 1h, mttr: 10m}\n    \
                     podKills:\n      - {selector: app=web, meanInterval: 5m}\n";

/// The run's timeline as JSON lines, and the number of chaos records of each reason.
fn run_chaos(hours: u64, chaos: &str, seed: u64) -> (String, usize, usize, usize) {
    let scenario = parse_scenario("chaos.yaml", &scenario_text(hours, chaos), Path::new("."))
        .expect("valid scenario");
    let report = run(
        &scenario,
        &RunOptions {
            seed: Some(seed),
            check_invariants: true,
            ..RunOptions::default()
        },
    )
    .expect("runs");
    let timeline = report.simulation.timeline();
    let count = |wanted: &str| {
        timeline
            .records()
            .iter()
            .filter(|r| {
                matches!(&r.body, RecordBody::Event { reason, source, .. }
                    if reason == wanted && source == "chaos")
            })
            .count()
    };
    let failures = count("FailNode");
    let recoveries = count("RecoverNode");
    let kills = count("PodKill");
    let mut text = String::new();
    render_jsonl(timeline, &mut text);
    (text, failures, recoveries, kills)
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = run_chaos(6, CHAOS, 7);
    let b = run_chaos(6, CHAOS, 7);
    assert_eq!(a.0, b.0);
    assert!(
        a.1 > 0 && a.3 > 0,
        "something happened: {:?}",
        (a.1, a.2, a.3)
    );
}

#[test]
fn other_seeds_give_other_runs() {
    let runs: Vec<String> = (1..=4).map(|seed| run_chaos(6, CHAOS, seed).0).collect();
    for i in 0..runs.len() {
        for j in i + 1..runs.len() {
            assert_ne!(runs[i], runs[j], "seeds {} and {} agree", i + 1, j + 1);
        }
    }
}

/// Ten nodes, MTBF 1 h and MTTR 10 min, for 48 h: each node cycles every 70 min on
/// average, so about 10 × 48 × 60 / 70 ≈ 411 failures; a pod kill every 5 min is about 576
/// kills. Exponential draws scatter, so the bounds are wide, but a rate off by a factor
/// (hours read as minutes, the mean as a rate) fails them.
#[test]
fn failures_happen_at_the_rate_of_the_mtbf() {
    let (_, failures, recoveries, kills) = run_chaos(48, CHAOS, 11);
    assert!((300..=520).contains(&failures), "{failures} failures");
    assert!(
        recoveries + 10 >= failures && recoveries <= failures,
        "{recoveries} recoveries"
    );
    assert!((450..=700).contains(&kills), "{kills} kills");
}

/// Chaos costs events in proportion to the failures, not to the run's length: with an MTBF
/// far beyond the run nothing fails and nothing is scheduled but the first draw per node.
#[test]
fn chaos_with_a_long_mtbf_is_quiet() {
    let quiet = "    nodeFailures:\n      - {pool: worker, mtbf: 100000h, mttr: 10m}\n";
    let (_, failures, _, _) = run_chaos(24, quiet, 3);
    assert_eq!(failures, 0);
}

#[test]
fn bad_chaos_is_reported_with_its_field() {
    let text = scenario_text(
        1,
        "    nodeFailures:\n      - {pool: wroker, mtbf: 1h, mttr: 10m}\n    podKills:\n      \
         - {selector: app=web, meanInterval: 5mins}\n",
    );
    let e = parse_scenario("chaos.yaml", &text, Path::new("."))
        .expect_err("invalid")
        .to_string();
    assert!(e.contains("spec.chaos.nodeFailures[0].pool"), "{e}");
    assert!(e.contains("did you mean `worker`?"), "{e}");
    assert!(e.contains("spec.chaos.podKills[0].meanInterval"), "{e}");
    let text = scenario_text(1, "    nodeFailures:\n      - {pool: worker, mtbf: 1h}\n");
    let e = parse_scenario("chaos.yaml", &text, Path::new("."))
        .expect_err("invalid")
        .to_string();
    assert!(e.contains("mttr"), "{e}");
}
