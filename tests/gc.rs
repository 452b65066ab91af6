//! Cascading deletion against golden case G43 of k8s-semantics.md and §12.2: a Deployment
//! → ReplicaSet → 3 pods deleted with each `propagationPolicy`. Controller latency is 0, so
//! the garbage collector acts at the instant of the change it answers; the pods take 5 s to
//! exit after TERM, which is what a foreground deletion waits for.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey, ReplicaSet};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::view::lookup;

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
     replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      \
     labels: {app: web}\n      annotations: {kubesim.io/term-exit-after: 5s}\n    spec:\n      \
     containers:\n        - {name: web, image: nginx:1.27}\n";

/// The Deployment above on one node, deleted at 10 s with `delete` (the flow map of the
/// event's `delete:`).
fn simulation(delete: &str) -> Simulation {
    simulation_with_events(&format!("    - at: 10s\n      delete: {delete}\n"))
}

/// The Deployment above on one node, with `events` (items of the `events:` list).
fn simulation_with_events(events: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: g43}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n{events}---\n{DEPLOYMENT}"
    );
    common::build_simulation("g43.yaml", &text, Path::new("."))
}

fn run_to(sim: &mut Simulation, millis: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(millis))
        .expect("runs");
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::new("default", name)
}

/// A field of `kind/name` as text (`<absent>` when unset, `<gone>` when the object is gone).
fn field(sim: &Simulation, kind: Kind, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &key(name), path)
}

fn exists(sim: &Simulation, kind: Kind, name: &str) -> bool {
    lookup(sim.store(), kind, &key(name)).is_some()
}

/// The ReplicaSet's name (there is one), found before the deletion.
fn replicaset_name(sim: &Simulation) -> String {
    let names: Vec<String> = sim
        .store()
        .list::<ReplicaSet>()
        .map(|rs| rs.meta.name.clone())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

fn pod_names(sim: &Simulation) -> Vec<String> {
    sim.store()
        .list::<sim_core::objects::Pod>()
        .map(|p| p.meta.name.clone())
        .collect()
}

/// Milliseconds at which `kind/name` was removed from the store.
fn removed_at(sim: &Simulation, kind: Kind, name: &str) -> Option<u64> {
    sim.timeline()
        .records()
        .iter()
        .find(|r| {
            r.object.kind == kind
                && r.object.key.name == name
                && matches!(r.body, RecordBody::Deleted)
        })
        .map(|r| r.time.as_millis())
}

/// The message of the scenario's `Delete` event.
fn delete_message(sim: &Simulation) -> String {
    sim.timeline()
        .records()
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Event {
                reason, message, ..
            } if reason == "Delete" => Some(message.clone()),
            _ => None,
        })
        .expect("a Delete event")
}

/// Runs to 9 s and checks the setup: Deployment → ReplicaSet → 3 running pods, each owner
/// reference blocking the owner's deletion as the controllers set it.
fn running_setup(sim: &mut Simulation) -> (String, Vec<String>) {
    run_to(sim, 9_000);
    let rs = replicaset_name(sim);
    let pods = pod_names(sim);
    assert_eq!(pods.len(), 3, "{pods:?}");
    assert_eq!(
        field(
            sim,
            Kind::ReplicaSet,
            &rs,
            "metadata.ownerReferences[0].blockOwnerDeletion"
        ),
        "true"
    );
    for pod in &pods {
        assert_eq!(field(sim, Kind::Pod, pod, "status.phase"), "Running");
        assert_eq!(
            field(sim, Kind::Pod, pod, "metadata.ownerReferences[0].name"),
            rs
        );
        assert_eq!(
            field(
                sim,
                Kind::Pod,
                pod,
                "metadata.ownerReferences[0].blockOwnerDeletion"
            ),
            "true"
        );
    }
    (rs, pods)
}

#[test]
fn g43_background_deployment_goes_at_once_then_the_gc_deletes_the_replicaset_and_pods() {
    let mut sim = simulation("{object: deployment/web}");
    let (rs, pods) = running_setup(&mut sim);
    run_to(&mut sim, 10_000);
    assert_eq!(delete_message(&sim), "kubectl delete deployment/web");
    assert!(!exists(&sim, Kind::Deployment, "web"));
    assert_eq!(removed_at(&sim, Kind::Deployment, "web"), Some(10_000));
    // The garbage collector answers at once (latency 0): the ReplicaSet goes, and its pods
    // start terminating gracefully.
    assert_eq!(removed_at(&sim, Kind::ReplicaSet, &rs), Some(10_000));
    for pod in &pods {
        assert_ne!(
            field(&sim, Kind::Pod, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
    }
    run_to(&mut sim, 16_000);
    for pod in &pods {
        assert_eq!(removed_at(&sim, Kind::Pod, pod), Some(15_000), "{pod}");
    }
    assert!(pod_names(&sim).is_empty());
}

#[test]
fn g43_foreground_deployment_stays_with_the_finalizer_until_replicaset_and_pods_are_gone() {
    let mut sim = simulation("{object: deployment/web, propagationPolicy: Foreground}");
    let (rs, pods) = running_setup(&mut sim);
    run_to(&mut sim, 12_000);
    assert_eq!(
        delete_message(&sim),
        "kubectl delete deployment/web --cascade=foreground"
    );
    // The owner is visible, being deleted, held by the finalizer.
    assert_eq!(
        field(&sim, Kind::Deployment, "web", "metadata.deletionTimestamp"),
        "2026-01-01T00:00:10Z"
    );
    assert_eq!(
        field(&sim, Kind::Deployment, "web", "metadata.finalizers"),
        "[\"foregroundDeletion\"]"
    );
    // The ReplicaSet owns pods, so it is deleted in the foreground too.
    assert_eq!(
        field(&sim, Kind::ReplicaSet, &rs, "metadata.finalizers"),
        "[\"foregroundDeletion\"]"
    );
    // Its pods terminate gracefully and are not replaced.
    assert_eq!(pod_names(&sim), pods);
    for pod in &pods {
        assert_eq!(
            field(&sim, Kind::Pod, pod, "metadata.deletionTimestamp"),
            "2026-01-01T00:00:40Z",
            "grace period 30 s"
        );
    }
    run_to(&mut sim, 14_999);
    assert!(exists(&sim, Kind::Deployment, "web"));
    assert!(exists(&sim, Kind::ReplicaSet, &rs));
    run_to(&mut sim, 16_000);
    // The pods exit 5 s after TERM; then the ReplicaSet, then the Deployment go.
    for pod in &pods {
        assert_eq!(removed_at(&sim, Kind::Pod, pod), Some(15_000), "{pod}");
    }
    assert_eq!(removed_at(&sim, Kind::ReplicaSet, &rs), Some(15_000));
    assert_eq!(removed_at(&sim, Kind::Deployment, "web"), Some(15_000));
    assert!(pod_names(&sim).is_empty());
    // In that order on the timeline.
    let order: Vec<Kind> = sim
        .timeline()
        .records()
        .iter()
        .filter(|r| matches!(r.body, RecordBody::Deleted))
        .map(|r| r.object.kind)
        .collect();
    assert_eq!(
        order,
        [
            Kind::Pod,
            Kind::Pod,
            Kind::Pod,
            Kind::ReplicaSet,
            Kind::Deployment
        ]
    );
}

#[test]
fn g43_orphan_deployment_goes_and_replicaset_and_pods_keep_running_without_the_reference() {
    let mut sim = simulation("{object: deployment/web, propagationPolicy: Orphan}");
    let (rs, pods) = running_setup(&mut sim);
    run_to(&mut sim, 10_000);
    assert_eq!(
        delete_message(&sim),
        "kubectl delete deployment/web --cascade=orphan"
    );
    assert!(!exists(&sim, Kind::Deployment, "web"));
    assert_eq!(removed_at(&sim, Kind::Deployment, "web"), Some(10_000));
    run_to(&mut sim, 120_000);
    assert!(exists(&sim, Kind::ReplicaSet, &rs));
    assert_eq!(
        field(&sim, Kind::ReplicaSet, &rs, "metadata.ownerReferences"),
        "<absent>"
    );
    assert_eq!(
        field(&sim, Kind::ReplicaSet, &rs, "status.readyReplicas"),
        "3"
    );
    assert_eq!(pod_names(&sim), pods);
    for pod in &pods {
        assert_eq!(field(&sim, Kind::Pod, pod, "status.phase"), "Running");
        assert_eq!(
            field(&sim, Kind::Pod, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
        // The pods' own owner, the ReplicaSet, is still there.
        assert_eq!(
            field(&sim, Kind::Pod, pod, "metadata.ownerReferences[0].name"),
            rs
        );
    }
}

#[test]
fn g43_orphaned_replicaset_still_replaces_a_deleted_pod() {
    let mut sim = simulation_with_events(
        "    - at: 10s\n      delete: {object: deployment/web, propagationPolicy: Orphan}\n    \
         - at: 20s\n      delete: {selector: app=web, count: 1}\n",
    );
    let (rs, pods) = running_setup(&mut sim);
    run_to(&mut sim, 60_000);
    // The orphan is an ordinary ReplicaSet: it keeps its replica count.
    assert_eq!(removed_at(&sim, Kind::Pod, &pods[0]), Some(25_000));
    assert_eq!(field(&sim, Kind::ReplicaSet, &rs, "status.replicas"), "3");
    let now = pod_names(&sim);
    assert_eq!(now.len(), 3, "{now:?}");
    assert!(!now.contains(&pods[0]));
}

#[test]
fn g43_an_unknown_propagation_policy_is_a_located_error() {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: g43}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n    - at: 10s\n      delete: {{object: deployment/web, propagationPolicy: \
         foreground}}\n---\n{DEPLOYMENT}"
    );
    let Err(error) = parse_scenario("g43.yaml", &text, Path::new(".")) else {
        panic!("an unknown propagationPolicy is refused");
    };
    let error = error.to_string();
    assert!(
        error.starts_with(
            "g43.yaml:11:40: field `spec.events[0].delete.propagationPolicy`: unknown \
             propagationPolicy \"foreground\" (did you mean `Foreground`?)"
        ),
        "{error}"
    );
}
