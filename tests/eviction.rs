//! The eviction API (k8s-semantics §6.4, §6.5): the `evict` scenario event against bare pods
//! guarded by PodDisruptionBudgets — the 429 with its cause, the 500 of two budgets, a stale
//! budget, the unhealthy-pod policies, pods that skip the budget check, and `disruptedPods`
//! entries that hold a pod out of `currentHealthy` for 120 s (§6.3).

mod common;

use std::path::Path;

use sim_core::eviction::BUDGET_VIOLATION_MESSAGE;
use sim_core::objects::{Kind, ObjectKey, PodDisruptionBudget};
use sim_core::sim::{AnyObject, ScenarioAction, Simulation};
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// A bare pod labelled `app=web`; `unready` gives it a readiness probe that never passes.
fn pod(name: &str, unready: bool) -> String {
    let (annotations, probe) = if unready {
        (
            "\n  annotations: {kubesim.io/ready-after: 1h}",
            "\n      readinessProbe: {exec: {command: [\"true\"]}, periodSeconds: 10}",
        )
    } else {
        ("", "")
    };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels: {{app: web}}{annotations}\n\
         spec:\n  terminationGracePeriodSeconds: 30\n  containers:\n    - name: web\n      \
         image: nginx{probe}\n"
    )
}

fn pdb(name: &str, budget: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: {name}}}\nspec:\n  \
         {budget}\n  selector: {{matchLabels: {{app: web}}}}\n"
    )
}

fn scenario(events: &str, docs: &[String]) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: eviction}}\nspec:\n  \
         duration: 10m\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n{events}---\n{}",
        docs.join("---\n")
    )
}

fn build(events: &str, docs: &[String]) -> Simulation {
    common::build_simulation("eviction.yaml", &scenario(events, docs), Path::new("."))
}

fn field(sim: &Simulation, kind: Kind, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &ObjectKey::new("default", name), path)
}

/// Events (reason, message) recorded about pod `name`.
fn pod_events(sim: &Simulation, name: &str) -> Vec<(String, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod && r.object.key.name == name)
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason, message, ..
            } => Some((reason.clone(), message.clone())),
            _ => None,
        })
        .collect()
}

fn three_pods(third_unready: bool) -> Vec<String> {
    vec![pod("a", false), pod("b", false), pod("c", third_unready)]
}

/// §6.4: no budget selects the pod ⇒ it is deleted gracefully, with `DisruptionTarget`
/// (reason `EvictionByEvictionAPI`, "Eviction API: evicting").
#[test]
fn without_a_budget_the_pod_is_deleted_gracefully() {
    let slow = pod("a", false).replace(
        "labels: {app: web}",
        "labels: {app: web}\n  annotations: {kubesim.io/ignore-term: \"true\"}",
    );
    let mut sim = build("    - {at: 10s, evict: pod/a}\n", &[slow, pod("b", false)]);
    sim.run_until(at(10)).expect("runs");
    assert_ne!(
        field(&sim, Kind::Pod, "a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(
        field(&sim, Kind::Pod, "a", "metadata.deletionGracePeriodSeconds"),
        "30"
    );
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "a",
            "status.conditions[DisruptionTarget].reason"
        ),
        "EvictionByEvictionAPI"
    );
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "a",
            "status.conditions[DisruptionTarget].message"
        ),
        "Eviction API: evicting"
    );
    sim.run_until(at(39)).expect("runs");
    assert_eq!(field(&sim, Kind::Pod, "a", "metadata.name"), "a");
    sim.run_until(at(40)).expect("runs");
    assert_eq!(field(&sim, Kind::Pod, "a", "metadata.name"), "<gone>");
}

/// §6.4: the budget allows one disruption: the first eviction takes it (allowed 1 → 0, the
/// pod recorded in `disruptedPods`); a second one later is answered 429 with the cause
/// naming the budget's numbers, and the pod stays.
#[test]
fn a_spent_budget_answers_429_with_its_cause() {
    let mut docs = three_pods(false);
    docs.push(pdb("web", "minAvailable: 2"));
    let mut sim = build(
        "    - {at: 10s, evict: pod/a}\n    - {at: 20s, evict: {pod: b, namespace: default}}\n",
        &docs,
    );
    sim.run_until(at(5)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptionsAllowed"
        ),
        "1"
    );
    sim.run_until(at(10)).expect("runs");
    assert_ne!(
        field(&sim, Kind::Pod, "a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptionsAllowed"
        ),
        "0"
    );
    sim.run_until(at(20)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Pod, "b", "metadata.deletionTimestamp"),
        "<absent>"
    );
    let events = pod_events(&sim, "b");
    let refusal = events
        .iter()
        .find(|(reason, _)| reason == "TooManyRequests")
        .unwrap_or_else(|| panic!("a 429 record for b: {events:?}"));
    assert_eq!(
        refusal.1,
        format!(
            "Error from server (TooManyRequests): {BUDGET_VIOLATION_MESSAGE} (The disruption \
             budget web needs 2 healthy pods and has 2 currently)"
        )
    );
}

/// §6.4: two evictions at the same instant: the first decrements the budget in place, so
/// the second is refused before the disruption controller has looked again (its status
/// still says 3 healthy).
#[test]
fn the_decrement_is_seen_by_the_next_eviction_at_once() {
    let mut docs = three_pods(false);
    docs.push(pdb("web", "minAvailable: 2"));
    let mut sim = build(
        "    - {at: 10s, evict: pod/a}\n    - {at: 10s, evict: pod/b}\n",
        &docs,
    );
    sim.run_until(at(10)).expect("runs");
    assert_ne!(
        field(&sim, Kind::Pod, "a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(
        field(&sim, Kind::Pod, "b", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert!(pod_events(&sim, "b")
        .iter()
        .any(|(_, m)| m.contains("needs 2 healthy pods and has 3 currently")));
}

/// §6.4: a pod selected by two budgets: 500, nothing deleted.
#[test]
fn two_budgets_answer_500() {
    let mut docs = three_pods(false);
    docs.push(pdb("one", "minAvailable: 1"));
    docs.push(pdb("two", "maxUnavailable: 1"));
    let mut sim = build("    - {at: 10s, evict: pod/a}\n", &docs);
    sim.run_until(at(10)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Pod, "a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert!(pod_events(&sim, "a").contains(&(
        "InternalError".to_string(),
        "Error from server (InternalError): Internal error occurred: This pod has more than one \
         PodDisruptionBudget, which the eviction subresource does not support."
            .to_string()
    )));
}

/// §6.4: a budget whose spec changed and whose status does not yet reflect it
/// (`observedGeneration < generation`) answers 429 "still being processed".
#[test]
fn a_stale_budget_answers_429() {
    let dir = common::scratch("eviction-stale");
    common::write(&dir, "pdb-v2.yaml", &pdb("web", "minAvailable: 1"));
    let mut docs = three_pods(false);
    docs.push(pdb("web", "minAvailable: 2"));
    let text = scenario(
        "    - {at: 10s, apply: pdb-v2.yaml}\n    - {at: 10s, evict: pod/a}\n",
        &docs,
    );
    let mut sim = common::build_simulation("eviction.yaml", &text, &dir);
    sim.run_until(at(10)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Pod, "a", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert!(pod_events(&sim, "a")
        .iter()
        .any(|(r, m)| r == "TooManyRequests"
            && m.contains("The disruption budget web is still being processed by the server.")));
    // Once the controller caught up, the eviction goes through.
    sim.run_until(at(11)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.observedGeneration"
        ),
        "2"
    );
}

/// §6.5, IfHealthyBudget (unset): a not-Ready pod is evicted without consuming the budget
/// while currentHealthy ≥ desiredHealthy ...
#[test]
fn if_healthy_budget_evicts_an_unready_pod_while_the_budget_is_healthy() {
    let mut docs = three_pods(true);
    docs.push(pdb("web", "minAvailable: 2"));
    let mut sim = build("    - {at: 30s, evict: pod/c}\n", &docs);
    sim.run_until(at(29)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.currentHealthy"
        ),
        "2"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptionsAllowed"
        ),
        "0"
    );
    sim.run_until(at(30)).expect("runs");
    assert_ne!(
        field(&sim, Kind::Pod, "c", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptedPods"
        ),
        "<absent>"
    );
}

/// ... and refused (429) when the application is already disrupted (2 healthy < 3).
#[test]
fn if_healthy_budget_refuses_an_unready_pod_of_a_disrupted_application() {
    let mut docs = three_pods(true);
    docs.push(pdb(
        "web",
        "minAvailable: 3\n  unhealthyPodEvictionPolicy: IfHealthyBudget",
    ));
    let mut sim = build("    - {at: 30s, evict: pod/c}\n", &docs);
    sim.run_until(at(30)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Pod, "c", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert!(pod_events(&sim, "c")
        .iter()
        .any(|(_, m)| m.contains("needs 3 healthy pods and has 2 currently")));
}

/// §6.5, AlwaysAllow: the not-Ready pod goes even though the application is disrupted.
#[test]
fn always_allow_evicts_an_unready_pod() {
    let mut docs = three_pods(true);
    docs.push(pdb(
        "web",
        "minAvailable: 3\n  unhealthyPodEvictionPolicy: AlwaysAllow",
    ));
    let mut sim = build("    - {at: 30s, evict: pod/c}\n", &docs);
    sim.run_until(at(30)).expect("runs");
    assert_ne!(
        field(&sim, Kind::Pod, "c", "metadata.deletionTimestamp"),
        "<absent>"
    );
}

/// §6.4: a Pending pod (here unschedulable) is deleted without a budget check, even under
/// `minAvailable: 100%`.
#[test]
fn a_pending_pod_skips_the_budget() {
    let big = pod("big", false).replace(
        "image: nginx",
        "image: nginx\n      resources: {requests: {cpu: \"64\"}}",
    );
    let docs = vec![pod("a", false), big, pdb("web", "minAvailable: \"100%\"")];
    let mut sim = build("    - {at: 10s, evict: pod/big}\n", &docs);
    sim.run_until(at(10)).expect("runs");
    assert_eq!(field(&sim, Kind::Pod, "big", "metadata.name"), "<gone>");
}

/// §6.3: an entry of `disruptedPods` whose pod is not deleted keeps that pod out of
/// `currentHealthy` for 120 s, then expires (the controller's timer, not a poll).
#[test]
fn disrupted_pods_entries_expire_after_120_seconds() {
    let mut sim = build("", &three_pods(false));
    sim.run_until(at(5)).expect("runs");
    let scenario = parse_scenario(
        "p.yaml",
        &scenario("", &[pdb("web", "minAvailable: 2")]),
        Path::new("."),
    )
    .expect("valid");
    let mut budget: Option<PodDisruptionBudget> = None;
    for object in &scenario.initial {
        if let AnyObject::PodDisruptionBudget(p) = object {
            budget = Some((**p).clone());
        }
    }
    let mut budget = budget.expect("the budget is in the scenario");
    budget.status.disrupted_pods.insert("a".to_string(), at(10));
    sim.schedule_action(
        at(10),
        ScenarioAction::Apply(AnyObject::PodDisruptionBudget(Box::new(budget))),
    )
    .expect("queued");
    sim.run_until(at(10)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.currentHealthy"
        ),
        "2"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptionsAllowed"
        ),
        "0"
    );
    sim.run_until(at(129)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.currentHealthy"
        ),
        "2"
    );
    sim.run_until(at(130)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.currentHealthy"
        ),
        "3"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptionsAllowed"
        ),
        "1"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PodDisruptionBudget,
            "web",
            "status.disruptedPods"
        ),
        "<absent>"
    );
    assert_eq!(
        pod_events(&sim, "a").last(),
        Some(&(
            "NotDeleted".to_string(),
            "Pod was expected by PDB default/web to be deleted but it wasn't".to_string()
        ))
    );
}

/// A pod that does not exist: 404, as kubectl prints it.
#[test]
fn evicting_a_missing_pod_is_404() {
    let mut sim = build("    - {at: 1s, evict: pod/nope}\n", &three_pods(false));
    sim.run_until(at(1)).expect("runs");
    assert!(pod_events(&sim, "nope").contains(&(
        "NotFound".to_string(),
        "Error from server (NotFound): pods \"nope\" not found".to_string()
    )));
}

/// Bad input: an evict event naming another kind, or with an unknown field, is refused with
/// its field path.
#[test]
fn bad_evict_events_are_refused_with_their_path() {
    for (events, path, text) in [
        (
            "    - {at: 1s, evict: deployment/web}\n",
            "spec.events[0].evict",
            "only pods are evicted",
        ),
        (
            "    - {at: 1s, evict: {pod: a, grace: 3}}\n",
            "spec.events[0].evict.grace",
            "unknown field `grace`",
        ),
        (
            "    - {at: 1s, evict: {pod: a, gracePeriod: -4}}\n",
            "spec.events[0].evict.gracePeriod",
            "whole seconds",
        ),
    ] {
        let error = parse_scenario(
            "bad.yaml",
            &scenario(events, &three_pods(false)),
            Path::new("."),
        )
        .expect_err("refused")
        .to_string();
        assert!(error.contains(path) && error.contains(text), "{error}");
    }
}
