//! Node affinity through the default scheduler (k8s-semantics §9.2–9.3): required terms
//! filter (ORed terms, ANDed requirements, `matchFields` on the node name), preferred terms
//! score (Σ matching weights, normalised to 0–100, NodeAffinity weight 2).

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_scenarios::run::{build, RunOptions};
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::view::{field_value, lookup, value_to_text};

/// One `ssd` node (disktype=ssd, cores=16) and two `hdd` nodes (disktype=hdd, cores=4), all
/// empty and equal otherwise; a pod `p` with `affinity` (indented four spaces under `spec`).
fn simulation(affinity: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: na}}\nspec:\n  \
         cluster:\n    nodePools:\n      - {{name: ssd, count: 1, capacity: {{cpu: \"4\", \
         memory: 16Gi}}, labels: {{disktype: ssd, cores: \"16\"}}}}\n      - {{name: hdd, count: \
         2, capacity: {{cpu: \"4\", memory: 16Gi}}, labels: {{disktype: hdd, cores: \
         \"4\"}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: \
         [{{name: c, image: app:1}}]\n  affinity:\n{affinity}"
    );
    let scenario = parse_scenario("na.yaml", &text, Path::new("."))
        .unwrap_or_else(|e| panic!("scenario is valid: {e}\n{text}"));
    let mut sim = build(&scenario, &RunOptions::default()).expect("builds");
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(5))
        .expect("runs");
    sim
}

fn pod_field(sim: &Simulation, path: &str) -> String {
    let value = lookup(sim.store(), Kind::Pod, &ObjectKey::new("default", "p")).expect("pod");
    field_value(&value, path)
        .expect("valid path")
        .map_or("<absent>".to_string(), value_to_text)
}

const REQUIRED: &str =
    "    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        \
                        nodeSelectorTerms:\n";

/// §9.3: a preferred term outweighs equal resource scores (2 × 100 for the matching node).
#[test]
fn preferred_term_decides_among_equal_nodes() {
    let sim = simulation(
        "    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n        - \
         weight: 10\n          preference: {matchExpressions: [{key: disktype, operator: In, \
         values: [ssd]}]}\n",
    );
    assert_eq!(pod_field(&sim, "spec.nodeName"), "ssd-1");
}

/// §9.2: a required NotIn keeps the pod off the ssd node; Gt compares integers.
#[test]
fn required_terms_filter() {
    let sim = simulation(&format!(
        "{REQUIRED}          - matchExpressions: [{{key: disktype, operator: NotIn, values: \
         [ssd]}}]\n"
    ));
    assert!(pod_field(&sim, "spec.nodeName").starts_with("hdd-"));
    let sim = simulation(&format!(
        "{REQUIRED}          - matchExpressions: [{{key: cores, operator: Gt, values: \
         [\"8\"]}}]\n"
    ));
    assert_eq!(pod_field(&sim, "spec.nodeName"), "ssd-1");
    // Terms are ORed: the second one matches hdd-2 by name.
    let sim = simulation(&format!(
        "{REQUIRED}          - matchExpressions: [{{key: disktype, operator: In, values: \
         [nvme]}}]\n          - matchFields: [{{key: metadata.name, operator: In, values: \
         [hdd-2]}}]\n"
    ));
    assert_eq!(pod_field(&sim, "spec.nodeName"), "hdd-2");
}

/// §9.2: no node matches ⇒ Pending, `Unschedulable`, with kube-scheduler's reason.
#[test]
fn no_matching_node_leaves_the_pod_pending() {
    let sim = simulation(&format!(
        "{REQUIRED}          - matchExpressions: [{{key: disktype, operator: In, values: \
         [nvme]}}]\n"
    ));
    assert_eq!(pod_field(&sim, "status.phase"), "Pending");
    assert_eq!(
        pod_field(&sim, "status.conditions[PodScheduled].reason"),
        "Unschedulable"
    );
    assert!(
        pod_field(&sim, "status.conditions[PodScheduled].message").starts_with(
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
        )
    );
}

/// Bad input: an empty term list, a weight out of range and Gt with two values are refused
/// with the API's messages at their fields.
#[test]
fn bad_affinity_is_refused_with_field_paths() {
    let error_of = |affinity: &str| {
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n  \
             cluster:\n    nodePools:\n      - {{name: n, capacity: {{cpu: \"1\", memory: \
             1Gi}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  \
             containers: [{{name: c, image: app:1}}]\n  affinity:\n{affinity}"
        );
        parse_scenario("bad.yaml", &text, Path::new("."))
            .map(|_| ())
            .expect_err("invalid pod")
            .to_string()
    };
    let error = error_of(&format!("{REQUIRED}          []\n").replace(":\n          []", ": []"));
    assert!(
        error.contains("nodeSelectorTerms")
            && error.contains("must have at least one node selector term"),
        "{error}"
    );
    let error = error_of(
        "    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n        - \
         weight: 0\n          preference: {matchExpressions: [{key: a, operator: Exists}]}\n",
    );
    assert!(
        error.contains("preferredDuringSchedulingIgnoredDuringExecution[0].weight")
            && error.contains("must be in the range 1-100"),
        "{error}"
    );
    let error = error_of(&format!(
        "{REQUIRED}          - matchExpressions: [{{key: cores, operator: Gt, values: [\"1\", \
         \"2\"]}}]\n"
    ));
    assert!(
        error.contains("matchExpressions[0].values")
            && error.contains("must be specified single value when `operator` is 'Lt' or 'Gt'"),
        "{error}"
    );
}
