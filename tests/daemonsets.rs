//! DaemonSets against k8s-semantics §8.4: one pod per eligible node (nodeSelector, required
//! node affinity, taints), placed by the default scheduler through a `matchFields
//! metadata.name` node affinity, with the automatic tolerations; new nodes get a pod,
//! removed nodes lose theirs; RollingUpdate (maxUnavailable 1, maxSurge 0) and OnDelete.
//! Pods become Ready 10 s after they start (a 1 s readiness probe with `ready-after`).

mod common;

use std::path::Path;

use sim_core::objects::{DaemonSet, Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::tables::{get_table, GetOptions};
use sim_scenarios::view::{field_value, lookup, value_to_text};

/// Three pools: `ssd` (2 nodes labelled disktype=ssd), `tainted` (1 node with
/// dedicated=db:NoSchedule) and `plain` (1 node).
const POOLS: &str = "      - {name: ssd, count: 2, capacity: {cpu: \"4\", memory: 16Gi}, labels: \
     {disktype: ssd}}\n      - {name: tainted, count: 1, capacity: {cpu: \"4\", memory: 16Gi}, \
     taints: [{key: dedicated, value: db, effect: NoSchedule}]}\n      - {name: plain, count: 1, \
     capacity: {cpu: \"4\", memory: 16Gi}}\n";

/// A DaemonSet `agent` with extra template spec lines `spec` (indented six spaces) and extra
/// DaemonSet spec lines `ds_spec` (indented two spaces).
fn daemonset(ds_spec: &str, spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent}}\nspec:\n  selector: \
         {{matchLabels: {{app: agent}}}}\n{ds_spec}  template:\n    metadata:\n      labels: \
         {{app: agent}}\n      annotations: {{kubesim.io/ready-after: 10s}}\n    spec:\n{spec}      \
         containers:\n        - name: agent\n          image: agent:1.0\n          \
         readinessProbe: {{exec: {{command: [\"true\"]}}, periodSeconds: 1}}\n"
    )
}

fn simulation(events: &str, manifest: &str) -> Simulation {
    let events = if events.is_empty() {
        String::new()
    } else {
        format!("  events:\n{events}")
    };
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: ds}}\nspec:\n  \
         seed: 7\n  duration: 1h\n  cluster:\n    nodePools:\n{POOLS}{events}---\n{manifest}"
    );
    common::build_simulation("ds.yaml", &text, Path::new("."))
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(seconds))
        .expect("runs");
}

fn status(sim: &Simulation, path: &str) -> String {
    let value = lookup(
        sim.store(),
        Kind::DaemonSet,
        &ObjectKey::new("default", "agent"),
    )
    .expect("the DaemonSet exists");
    field_value(&value, path)
        .expect("valid path")
        .map_or("<absent>".to_string(), value_to_text)
}

/// The nodes of the DaemonSet's live (not terminating) pods, sorted.
fn pod_nodes(sim: &Simulation) -> Vec<String> {
    let mut nodes: Vec<String> = sim
        .store()
        .list::<Pod>()
        .filter(|p| p.meta.deletion_timestamp.is_none())
        .map(|p| {
            p.spec
                .node_name
                .clone()
                .unwrap_or_else(|| "<unbound>".to_string())
        })
        .collect();
    nodes.sort();
    nodes
}

fn ds_events(sim: &Simulation, reason: &str) -> Vec<(u64, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::DaemonSet)
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason => Some((
                r.time.saturating_since(SimTime::ZERO).as_secs(),
                message.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// §8.4: without a toleration the daemon skips the NoSchedule-tainted node; every other
/// node gets exactly one pod, named `agent-<5 chars>`, pinned by `matchFields` and carrying
/// the automatic tolerations.
#[test]
fn one_pod_per_eligible_node_skipping_untolerated_taints() {
    let mut sim = simulation("", &daemonset("", ""));
    run_to(&mut sim, 30);
    assert_eq!(pod_nodes(&sim), ["plain-1", "ssd-1", "ssd-2"]);
    assert_eq!(status(&sim, "status.desiredNumberScheduled"), "3");
    assert_eq!(status(&sim, "status.currentNumberScheduled"), "3");
    assert_eq!(status(&sim, "status.numberReady"), "3");
    assert_eq!(status(&sim, "status.numberAvailable"), "3");
    assert_eq!(status(&sim, "status.updatedNumberScheduled"), "3");
    assert_eq!(status(&sim, "status.numberMisscheduled"), "0");
    let pod = sim
        .store()
        .list::<Pod>()
        .find(|p| p.spec.node_name.as_deref() == Some("ssd-2"))
        .expect("a pod on ssd-2");
    assert!(
        pod.meta.name.starts_with("agent-") && pod.meta.name.len() == 11,
        "{}",
        pod.meta.name
    );
    let view = lookup(sim.store(), Kind::Pod, &pod.meta.key()).expect("pod");
    let at = |path: &str| {
        field_value(&view, path)
            .expect("valid path")
            .map_or("<absent>".to_string(), value_to_text)
    };
    assert_eq!(
        at("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key"),
        "metadata.name"
    );
    assert_eq!(
        at("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]"),
        "ssd-2"
    );
    let tolerations: Vec<String> = pod
        .spec
        .tolerations
        .iter()
        .map(|t| format!("{}:{}", t.key, t.effect.map_or("", |e| e.as_str())))
        .collect();
    assert_eq!(
        tolerations,
        [
            "node.kubernetes.io/not-ready:NoExecute",
            "node.kubernetes.io/unreachable:NoExecute",
            "node.kubernetes.io/disk-pressure:NoSchedule",
            "node.kubernetes.io/memory-pressure:NoSchedule",
            "node.kubernetes.io/pid-pressure:NoSchedule",
            "node.kubernetes.io/unschedulable:NoSchedule",
        ]
    );
    let created = ds_events(&sim, "SuccessfulCreate");
    assert_eq!(created.len(), 3);
    assert!(
        created[0].1.starts_with("Created pod: agent-"),
        "{created:?}"
    );
}

/// A toleration lets the daemon onto the tainted node; a nodeSelector keeps it to the
/// labelled ones (shown in the NODE SELECTOR column).
#[test]
fn tolerations_and_node_selector_decide_eligibility() {
    let tolerate = "      tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n";
    let mut sim = simulation("", &daemonset("", tolerate));
    run_to(&mut sim, 30);
    assert_eq!(pod_nodes(&sim), ["plain-1", "ssd-1", "ssd-2", "tainted-1"]);

    let mut sim = simulation("", &daemonset("", "      nodeSelector: {disktype: ssd}\n"));
    run_to(&mut sim, 30);
    assert_eq!(pod_nodes(&sim), ["ssd-1", "ssd-2"]);
    let mut out = String::new();
    get_table(
        sim.store(),
        Kind::DaemonSet,
        GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        },
        SimTime::ZERO + SimDuration::from_secs(30),
        &mut out,
    );
    assert_eq!(
        out,
        "NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\n\
         agent   2         2         2       2            2           disktype=ssd    30s\n"
    );
}

/// Required node affinity is honoured like a nodeSelector (and then replaced on the pods by
/// the matchFields pin).
#[test]
fn required_node_affinity_decides_eligibility() {
    let affinity = "      affinity:\n        nodeAffinity:\n          \
                    requiredDuringSchedulingIgnoredDuringExecution:\n            \
                    nodeSelectorTerms:\n              - matchExpressions: [{key: disktype, \
                    operator: DoesNotExist}]\n";
    let mut sim = simulation("", &daemonset("", affinity));
    run_to(&mut sim, 30);
    assert_eq!(pod_nodes(&sim), ["plain-1"]);
}

/// §8.4: a node added later gets a pod; a removed node's pod is left to the pod garbage
/// collector (40 s later) and the desired count drops at once. Cordoning changes nothing.
#[test]
fn nodes_added_and_removed() {
    let events = "    - at: 60s\n      addNode: {pool: plain, count: 1}\n    - at: 100s\n      \
                  removeNode: ssd-1\n    - at: 120s\n      cordon: ssd-2\n";
    let mut sim = simulation(events, &daemonset("", ""));
    run_to(&mut sim, 61);
    assert_eq!(pod_nodes(&sim), ["plain-1", "plain-2", "ssd-1", "ssd-2"]);
    run_to(&mut sim, 101);
    assert_eq!(status(&sim, "status.desiredNumberScheduled"), "3");
    run_to(&mut sim, 200);
    assert_eq!(pod_nodes(&sim), ["plain-1", "plain-2", "ssd-2"]);
    assert_eq!(status(&sim, "status.currentNumberScheduled"), "3");
}

/// §8.4 RollingUpdate with the defaults (maxUnavailable 1, maxSurge 0): one node at a time,
/// the replacement created as soon as the old pod is terminating, the next node only once
/// the new pod is available (Ready 10 s after it starts).
#[test]
fn rolling_update_one_node_at_a_time() {
    let events = "    - at: 60s\n      setImage: {object: daemonset/agent, container: agent, \
                  image: agent:2.0}\n";
    let mut sim = simulation(events, &daemonset("", ""));
    run_to(&mut sim, 200);
    let deleted: Vec<u64> = ds_events(&sim, "SuccessfulDelete")
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(deleted, [60, 70, 80]);
    let created: Vec<u64> = ds_events(&sim, "SuccessfulCreate")
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(created, [0, 0, 0, 60, 70, 80]);
    assert_eq!(status(&sim, "status.updatedNumberScheduled"), "3");
    assert_eq!(status(&sim, "status.numberAvailable"), "3");
    let images: Vec<String> = sim
        .store()
        .list::<Pod>()
        .map(|p| p.spec.containers[0].image.clone())
        .collect();
    assert_eq!(images, ["agent:2.0", "agent:2.0", "agent:2.0"]);
}

/// The replacement is created only once the old pod is gone (`podsShouldBeOnNode` counts a
/// node whose pod is terminating as served): with pods that take 5 s to exit after TERM,
/// each node is without its daemon for 5 s, then 10 s until the new pod is Ready.
#[test]
fn rolling_update_replaces_once_the_old_pod_is_gone() {
    let events = "    - at: 60s\n      setImage: {object: daemonset/agent, container: agent, \
                  image: agent:2.0}\n";
    let manifest = daemonset("", "").replace(
        "kubesim.io/ready-after: 10s",
        "kubesim.io/ready-after: 10s, kubesim.io/term-exit-after: 5s",
    );
    let mut sim = simulation(events, &manifest);
    run_to(&mut sim, 200);
    let at =
        |reason: &str| -> Vec<u64> { ds_events(&sim, reason).iter().map(|(t, _)| *t).collect() };
    assert_eq!(at("SuccessfulDelete"), [60, 75, 90]);
    assert_eq!(at("SuccessfulCreate"), [0, 0, 0, 65, 80, 95]);
    assert_eq!(status(&sim, "status.updatedNumberScheduled"), "3");
}

/// `maxUnavailable: 2` replaces two nodes at once.
#[test]
fn rolling_update_max_unavailable_two() {
    let strategy = "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}\n";
    let events = "    - at: 60s\n      setImage: {object: daemonset/agent, container: agent, \
                  image: agent:2.0}\n";
    let mut sim = simulation(events, &daemonset(strategy, ""));
    run_to(&mut sim, 200);
    let deleted: Vec<u64> = ds_events(&sim, "SuccessfulDelete")
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(deleted, [60, 60, 70]);
}

/// `maxSurge: 1, maxUnavailable: 0`: the new pod starts next to the old one, and the old
/// one goes once the new one is available; one node at a time.
#[test]
fn rolling_update_with_surge() {
    let strategy =
        "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n";
    let events = "    - at: 60s\n      setImage: {object: daemonset/agent, container: agent, \
                  image: agent:2.0}\n";
    let mut sim = simulation(events, &daemonset(strategy, ""));
    run_to(&mut sim, 200);
    let at =
        |reason: &str| -> Vec<u64> { ds_events(&sim, reason).iter().map(|(t, _)| *t).collect() };
    assert_eq!(at("SuccessfulCreate"), [0, 0, 0, 60, 70, 80]);
    assert_eq!(at("SuccessfulDelete"), [70, 80, 90]);
    assert_eq!(status(&sim, "status.numberAvailable"), "3");
}

/// `OnDelete`: a template change replaces nothing by itself.
#[test]
fn on_delete_waits_for_manual_deletion() {
    let strategy = "  updateStrategy: {type: OnDelete}\n";
    let events = "    - at: 60s\n      setImage: {object: daemonset/agent, container: agent, \
                  image: agent:2.0}\n";
    let mut sim = simulation(events, &daemonset(strategy, ""));
    run_to(&mut sim, 200);
    assert!(ds_events(&sim, "SuccessfulDelete").is_empty());
    assert_eq!(status(&sim, "status.updatedNumberScheduled"), "0");
    assert_eq!(
        sim.store().list::<DaemonSet>().count(),
        1,
        "the DaemonSet is there"
    );
}

/// Bad input: both maxUnavailable and maxSurge 0, and a selector that does not match the
/// template labels, are refused with the API's messages at their fields.
#[test]
fn bad_daemonsets_are_refused_with_field_paths() {
    let error_of = |manifest: &str| {
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n  \
             cluster:\n    nodePools:\n{POOLS}---\n{manifest}"
        );
        parse_scenario("bad.yaml", &text, Path::new("."))
            .map(|_| ())
            .expect_err("invalid manifest")
            .to_string()
    };
    let zero = daemonset(
        "  updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 0}}\n",
        "",
    );
    let error = error_of(&zero);
    assert!(
        error.contains("spec.updateStrategy.rollingUpdate.maxUnavailable")
            && error.contains("may not be 0 when `maxSurge` is 0"),
        "{error}"
    );
    let mismatch = daemonset("", "").replace("labels: {app: agent}", "labels: {app: other}");
    let error = error_of(&mismatch);
    assert!(
        error.contains("`selector` does not match template `labels`"),
        "{error}"
    );
    let bad_field = daemonset(
        "",
        "      affinity:\n        nodeAffinity:\n          \
         requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              \
         - matchFields: [{key: metadata.labels, operator: In, values: [a]}]\n",
    );
    let error = error_of(&bad_field);
    assert!(
        error.contains("matchFields[0].key") && error.contains("not a valid field selector key"),
        "{error}"
    );
}
