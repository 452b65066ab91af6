//! PodDisruptionBudgets end to end: the disruption controller's status against golden case
//! G23 of k8s-semantics.md (§6.1–6.3), the `kubectl get pdb` table, and bad manifests.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_scenarios::scenario::parse_scenario;

/// A Deployment `web` of 7 pods requesting 100m each.
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
     replicas: 7\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      \
     labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          \
     image: nginx:1.27\n          resources: {requests: {cpu: 100m}}\n";

/// The budgets of G23, each selecting the Deployment's pods.
const BUDGETS: [(&str, &str); 5] = [
    ("min5", "minAvailable: 5"),
    ("min50", "minAvailable: \"50%\""),
    ("max50", "maxUnavailable: \"50%\""),
    ("max1", "maxUnavailable: 1"),
    ("min100", "minAvailable: \"100%\""),
];

fn pdb(name: &str, budget: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: {name}}}\nspec:\n  \
         {budget}\n  selector: {{matchLabels: {{app: web}}}}\n"
    )
}

fn scenario_text(node_cpu: &str, docs: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: pdb}}\nspec:\n  \
         duration: 10m\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"{node_cpu}\", memory: 32Gi}}}}\n---\n{docs}"
    )
}

/// The Deployment and every G23 budget on one node of `node_cpu`, run to 30 s.
fn run(node_cpu: &str) -> Simulation {
    let mut docs = DEPLOYMENT.to_string();
    for (name, budget) in BUDGETS {
        docs.push_str("---\n");
        docs.push_str(&pdb(name, budget));
    }
    let mut sim =
        common::build_simulation("pdb.yaml", &scenario_text(node_cpu, &docs), Path::new("."));
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(30))
        .expect("runs");
    sim
}

fn field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(
        sim,
        Kind::PodDisruptionBudget,
        &ObjectKey::new("default", name),
        path,
    )
}

/// G23: a Deployment of 7, all Ready: `minAvailable: 5` → 2, `"50%"` → desired ceil(3.5) = 4
/// → 3, `maxUnavailable: "50%"` → desired 3 → 4, `maxUnavailable: 1` → 1, `minAvailable:
/// "100%"` → 0 (with `DisruptionAllowed=False`, `InsufficientPods`).
#[test]
fn g23_disruptions_allowed_for_a_deployment_of_7() {
    let sim = run("8");
    let expect = [
        ("min5", "2", "5", "7"),
        ("min50", "3", "4", "7"),
        ("max50", "4", "3", "7"),
        ("max1", "1", "6", "7"),
        ("min100", "0", "7", "7"),
    ];
    for (name, allowed, desired, expected) in expect {
        assert_eq!(
            field(&sim, name, "status.disruptionsAllowed"),
            allowed,
            "{name}"
        );
        assert_eq!(
            field(&sim, name, "status.desiredHealthy"),
            desired,
            "{name}"
        );
        assert_eq!(field(&sim, name, "status.expectedPods"), expected, "{name}");
        assert_eq!(field(&sim, name, "status.currentHealthy"), "7", "{name}");
        assert_eq!(
            field(&sim, name, "status.observedGeneration"),
            "1",
            "{name}"
        );
        let condition = |f: &str| {
            field(
                &sim,
                name,
                &format!("status.conditions[DisruptionAllowed].{f}"),
            )
        };
        let (status, reason) = if allowed == "0" {
            ("False", "InsufficientPods")
        } else {
            ("True", "SufficientPods")
        };
        assert_eq!(condition("status"), status, "{name}");
        assert_eq!(condition("reason"), reason, "{name}");
    }
}

/// G23, second part: one of the 7 pods is not Ready (it does not fit on the node, so it
/// stays Pending): `minAvailable: 5` → 1. The expected count stays 7 (the pods selected for
/// an integer minAvailable, the Deployment's replicas otherwise), §6.2–6.3.
#[test]
fn g23_one_pod_not_ready() {
    // 600m hold six pods of 100m.
    let sim = run("600m");
    assert_eq!(field(&sim, "min5", "status.currentHealthy"), "6");
    assert_eq!(field(&sim, "min5", "status.expectedPods"), "7");
    assert_eq!(field(&sim, "min5", "status.disruptionsAllowed"), "1");
    assert_eq!(field(&sim, "max1", "status.disruptionsAllowed"), "0");
    assert_eq!(field(&sim, "min50", "status.disruptionsAllowed"), "2");
}

/// The budget follows the Deployment's scale: scaled to 3, `maxUnavailable: 1` expects 3.
#[test]
fn expected_pods_follow_the_deployment_scale() {
    let docs = format!("{DEPLOYMENT}---\n{}", pdb("max1", "maxUnavailable: 1"));
    let text = scenario_text("8", &docs).replacen(
        "---\n",
        "  events:\n    - at: 20s\n      scale: {object: deployment/web, replicas: 3}\n---\n",
        1,
    );
    let mut sim = common::build_simulation("pdb.yaml", &text, Path::new("."));
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(10))
        .expect("runs");
    assert_eq!(field(&sim, "max1", "status.expectedPods"), "7");
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(60))
        .expect("runs");
    assert_eq!(field(&sim, "max1", "status.expectedPods"), "3");
    assert_eq!(field(&sim, "max1", "status.currentHealthy"), "3");
    assert_eq!(field(&sim, "max1", "status.disruptionsAllowed"), "1");
}

/// `kubectl get pdb` columns: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE.
#[test]
fn get_pdb_table_has_kubectl_columns() {
    let sim = run("8");
    let mut table = String::new();
    sim_scenarios::tables::get_table(
        sim.store(),
        Kind::PodDisruptionBudget,
        sim_scenarios::tables::GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        },
        SimTime::ZERO + SimDuration::from_secs(30),
        &mut table,
    );
    let header = table.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("NAME")
            && header.contains("MIN AVAILABLE")
            && header.contains("MAX UNAVAILABLE")
            && header.contains("ALLOWED DISRUPTIONS")
            && header.ends_with("AGE"),
        "{table}"
    );
    let max50 = table
        .lines()
        .find(|l| l.starts_with("max50"))
        .unwrap_or_default();
    let cells: Vec<&str> = max50.split_whitespace().collect();
    assert_eq!(cells, ["max50", "N/A", "50%", "4", "30s"], "{table}");
}

fn load_error(budget: &str) -> String {
    parse_scenario(
        "bad.yaml",
        &scenario_text("8", &pdb("bad", budget)),
        Path::new("."),
    )
    .map(|_| ())
    .expect_err("invalid manifest")
    .to_string()
}

/// Bad input (§6.1): both bounds, a percentage over 100, a negative count, an unknown
/// eviction policy and an unknown field are refused with the field path and Kubernetes'
/// message.
#[test]
fn bad_budgets_are_refused_with_locations() {
    let error = load_error("minAvailable: 1\n  maxUnavailable: 1");
    assert!(
        error.contains("bad.yaml:")
            && error.contains("spec")
            && error.contains("minAvailable and maxUnavailable cannot be both set"),
        "{error}"
    );
    let error = load_error("minAvailable: \"150%\"");
    assert!(
        error.contains("spec.minAvailable") && error.contains("must not be greater than 100%"),
        "{error}"
    );
    let error = load_error("maxUnavailable: -1");
    assert!(
        error.contains("spec.maxUnavailable")
            && error.contains("must be greater than or equal to 0"),
        "{error}"
    );
    let error = load_error("minAvailable: 1\n  unhealthyPodEvictionPolicy: Sometimes");
    assert!(
        error.contains("spec.unhealthyPodEvictionPolicy")
            && error.contains("supported values: \"AlwaysAllow\", \"IfHealthyBudget\""),
        "{error}"
    );
    let error = load_error("minAvailible: 1");
    assert!(error.contains("minAvailible"), "{error}");
}
