//! Deployment rollouts driven by scenario events (k8s-semantics §4.6 revisions, undo and
//! pause; §4.8 proportional scaling): `setImage`, `pause`, `resume` and `rolloutUndo`, run
//! end to end from an inline scenario. Each test names the section it checks.

mod common;

use std::path::Path;

use sim_core::controllers::deployment::REVISION;
use sim_core::objects::{Deployment, ObjectKey, ReplicaSet};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;

/// A Deployment `web` of `replicas` pods running `nginx:1.27`, whose pods become Ready 10 s
/// after they start (readiness probe + `startAfter`), so every rollout wave takes time.
fn deployment(replicas: u32, strategy: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: \
         {replicas}\n{strategy}  selector:\n    matchLabels: {{app: web}}\n  template:\n    \
         metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: \
         web\n          image: nginx:1.27\n          readinessProbe:\n            httpGet: \
         {{path: /, port: 80}}\n            periodSeconds: 1\n"
    )
}

/// One big node running `docs`, with the scenario `events` (YAML list items, indented 4).
fn simulation(events: &str, docs: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: rollouts}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"64\", memory: 256Gi}}}}\n  behaviours:\n    - selector: app=web\n      \
         startAfter: 10s\n  events:\n{events}---\n{docs}"
    );
    common::build_simulation("rollouts.yaml", &text, Path::new("."))
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(seconds))
        .expect("runs");
}

fn web(sim: &Simulation) -> &Deployment {
    sim.store()
        .get::<Deployment>(&ObjectKey::new("default", "web"))
        .expect("deployment/web exists")
}

/// (image, spec.replicas, revision) of each ReplicaSet of `web`, by image.
fn replicasets(sim: &Simulation) -> Vec<(String, u32, String)> {
    let mut sets: Vec<(String, u32, String)> = sim
        .store()
        .list_namespace::<ReplicaSet>("default")
        .map(|rs| {
            (
                rs.template.spec.containers[0].image.clone(),
                rs.replicas,
                rs.meta
                    .annotations
                    .get(REVISION)
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    sets.sort();
    sets
}

/// The kubectl command lines the scenario's events record, t=0 applies left out.
fn scenario_commands(sim: &Simulation) -> Vec<String> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                source, message, ..
            } if source == "scenario" && !message.starts_with("kubectl apply") => {
                Some(message.clone())
            }
            _ => None,
        })
        .collect()
}

/// §4.6: `kubectl rollout undo` goes back to the previous revision's template; the
/// ReplicaSet of revision 1 becomes revision 3 (max + 1) and a normal rolling update brings
/// it back to full size while the revision-2 ReplicaSet drains to 0.
#[test]
fn undo_returns_to_the_previous_revision() {
    let events = "    - at: 1m\n      setImage: {object: deployment/web, container: web, \
                  image: nginx:1.28}\n    - at: 3m\n      rolloutUndo: {object: \
                  deployment/web}\n";
    let mut sim = simulation(events, &deployment(4, ""));
    run_to(&mut sim, 150);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 0, "1".to_string()),
            ("nginx:1.28".to_string(), 4, "2".to_string()),
        ],
        "set image rolled out revision 2"
    );
    run_to(&mut sim, 300);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 4, "3".to_string()),
            ("nginx:1.28".to_string(), 0, "2".to_string()),
        ],
        "the undone-to ReplicaSet is revision max + 1"
    );
    let d = web(&sim);
    assert_eq!(d.template.spec.containers[0].image, "nginx:1.27");
    assert_eq!(
        d.meta.annotations.get(REVISION).map(String::as_str),
        Some("3")
    );
    assert_eq!(d.status.updated_replicas, 4);
    assert_eq!(d.status.available_replicas, 4);
    assert_eq!(
        scenario_commands(&sim),
        vec![
            "kubectl set image deployment/web web=nginx:1.28".to_string(),
            "kubectl rollout undo deployment/web".to_string(),
        ]
    );
}

/// §4.6: `toRevision` picks a revision explicitly; a revision not in the history fails the
/// run at that time, as kubectl refuses it.
#[test]
fn undo_to_an_explicit_revision_and_to_a_missing_one() {
    let events = "    - at: 1m\n      setImage: {object: deployment/web, container: web, \
                  image: nginx:1.28}\n    - at: 2m\n      setImage: {object: deployment/web, \
                  container: web, image: nginx:1.29}\n    - at: 3m\n      rolloutUndo: \
                  {object: deployment/web, toRevision: 1}\n    - at: 5m\n      \
                  rolloutUndo: {object: deployment/web, toRevision: 9}\n";
    let mut sim = simulation(events, &deployment(2, ""));
    run_to(&mut sim, 280);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 2, "4".to_string()),
            ("nginx:1.28".to_string(), 0, "2".to_string()),
            ("nginx:1.29".to_string(), 0, "3".to_string()),
        ]
    );
    let error = sim
        .run_until(SimTime::ZERO + SimDuration::from_secs(310))
        .expect_err("revision 9 does not exist");
    assert!(
        error
            .to_string()
            .contains("unable to find specified revision 9"),
        "{error}"
    );
}

/// §4.6: a paused Deployment starts no rollout for a template change; `resume` lets it go.
#[test]
fn pause_holds_a_rollout_until_resume() {
    let events = "    - at: 30s\n      pause: deployment/web\n    - at: 1m\n      setImage: \
                  {object: deployment/web, container: web, image: nginx:1.28}\n    - at: \
                  3m\n      resume: deployment/web\n";
    let mut sim = simulation(events, &deployment(4, ""));
    run_to(&mut sim, 170);
    assert_eq!(
        replicasets(&sim),
        vec![("nginx:1.27".to_string(), 4, "1".to_string())],
        "no new ReplicaSet while paused"
    );
    assert!(web(&sim).paused);
    run_to(&mut sim, 300);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 0, "1".to_string()),
            ("nginx:1.28".to_string(), 4, "2".to_string()),
        ],
        "the rollout ran after resume"
    );
    assert_eq!(
        scenario_commands(&sim),
        vec![
            "kubectl rollout pause deployment/web".to_string(),
            "kubectl set image deployment/web web=nginx:1.28".to_string(),
            "kubectl rollout resume deployment/web".to_string(),
        ]
    );
}

/// §4.8 end to end: replicas 10 with maxSurge 3 / maxUnavailable 2 (max-replicas 13). At
/// 1m the image changes: the new ReplicaSet is created with min(13 − 10, 10) = 3 and the old
/// one loses 13 − 8 − 3 = 2; the next sync grows the new one into the room left,
/// min(13 − 11, 10 − 3) = 2 ⇒ old 8, new 5 (new pods are Ready only 10 s later). At 1m2s the
/// Deployment is scaled to 20: allowed 20 + 3 = 23, so 23 − 13 = 10 to add, largest first:
/// old round(8 × 23 / 13) − 8 = round(14.15) − 8 = 6, new round(5 × 23 / 13) − 5 =
/// round(8.85) − 5 = 4, no leftover ⇒ old 14, new 9 (not 8 + 10 or 5 + 10 as a rolling step
/// alone would do). The rolling step that follows changes nothing (Σ = 23 = 20 + 3, and
/// 23 − 18 − 9 unavailable new < 0 leaves no room to scale old down), so the split holds until
/// the new pods are Ready.
#[test]
fn scale_during_rollout_is_proportional() {
    let strategy = "  strategy:\n    rollingUpdate: {maxSurge: 3, maxUnavailable: 2}\n";
    let events = "    - at: 1m\n      setImage: {object: deployment/web, container: web, \
                  image: nginx:1.28}\n    - at: 62s\n      scale: {object: deployment/web, \
                  replicas: 20}\n";
    let mut sim = simulation(events, &deployment(10, strategy));
    run_to(&mut sim, 61);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 8, "1".to_string()),
            ("nginx:1.28".to_string(), 5, "2".to_string()),
        ]
    );
    run_to(&mut sim, 65);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 14, "1".to_string()),
            ("nginx:1.28".to_string(), 9, "2".to_string()),
        ]
    );
    run_to(&mut sim, 600);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 0, "1".to_string()),
            ("nginx:1.28".to_string(), 20, "2".to_string()),
        ],
        "the rollout completes at the new size"
    );
}

/// §4.8 with a pause: scaling a paused Deployment mid-rollout is proportional too and does
/// not progress the rollout.
#[test]
fn scale_while_paused_mid_rollout_is_proportional() {
    let strategy = "  strategy:\n    rollingUpdate: {maxSurge: 3, maxUnavailable: 2}\n";
    let events = "    - at: 1m\n      setImage: {object: deployment/web, container: web, \
                  image: nginx:1.28}\n    - at: 61s\n      pause: deployment/web\n    - at: \
                  62s\n      scale: {object: deployment/web, replicas: 20}\n";
    let mut sim = simulation(events, &deployment(10, strategy));
    run_to(&mut sim, 300);
    assert_eq!(
        replicasets(&sim),
        vec![
            ("nginx:1.27".to_string(), 14, "1".to_string()),
            ("nginx:1.28".to_string(), 9, "2".to_string()),
        ],
        "scaled proportionally, and the rollout stays where the pause left it"
    );
}

/// The rollout events are validated like `scale`: a non-Deployment target, an empty image
/// and an unknown Deployment are errors located at the event's field.
#[test]
fn rollout_events_are_validated_with_locations() {
    let cases = [
        (
            "    - at: 1m\n      pause: pod/web-0\n",
            "spec.events[0].pause",
            "only deployments have rollouts",
        ),
        (
            "    - at: 1m\n      setImage: {object: deployment/web, container: web, image: \"\"}\n",
            "spec.events[0].setImage.image",
            "`image` is empty",
        ),
        (
            "    - at: 1m\n      rolloutUndo: {object: deployment/api}\n",
            "spec.events[0].rolloutUndo.object",
            "does not exist",
        ),
    ];
    for (events, field, message) in cases {
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n  \
             cluster:\n    nodePools:\n      - {{name: node, capacity: {{cpu: \"1\", memory: \
             1Gi}}}}\n  events:\n{events}---\n{}",
            deployment(1, "")
        );
        let error = parse_scenario("bad.yaml", &text, Path::new("."))
            .map(|_| ())
            .expect_err("invalid event")
            .to_string();
        assert!(error.contains(field), "{field} in {error}");
        assert!(error.contains(message), "{message} in {error}");
    }
}

/// A curated scenario of `scenarios/`, built and ready to run.
fn curated(path: &str) -> Simulation {
    let scenario = sim_scenarios::scenario::load_scenario(&common::root().join(path))
        .unwrap_or_else(|e| panic!("{path} loads: {e}"));
    sim_scenarios::run::build(&scenario, &sim_scenarios::run::RunOptions::default())
        .expect("builds")
}

/// Spec replicas of the ReplicaSets, oldest first.
fn rs_sizes(sim: &Simulation) -> Vec<u32> {
    let mut sets: Vec<&ReplicaSet> = sim.store().list::<ReplicaSet>().collect();
    sets.sort_by_key(|rs| rs.meta.creation_timestamp);
    sets.iter().map(|rs| rs.replicas).collect()
}

/// G14: 4 replicas, default strategy (surge 1, unavailable 1), new pods Ready 10 s after
/// they start; the image changes at 1m (scenarios/rollout.yaml). Waves: new 2 / old 3 at
/// once, new 4 / old 1 at +R, old 0 at +2R; never more than 5 pods nor fewer than 3 Ready.
#[test]
fn g14_rolling_update_waves() {
    let mut sim = curated("scenarios/rollout.yaml");
    let mut seen_max_pods = 0;
    let mut seen_min_ready = u32::MAX;
    for second in 60..=90 {
        run_to(&mut sim, second);
        let pods: Vec<&sim_core::objects::Pod> = sim.store().list().collect();
        seen_max_pods = seen_max_pods.max(pods.len());
        let ready = pods.iter().filter(|p| p.is_ready()).count() as u32;
        seen_min_ready = seen_min_ready.min(ready);
        match second {
            60 => assert_eq!(rs_sizes(&sim), [3, 2], "first wave"),
            70 => assert_eq!(rs_sizes(&sim), [1, 4], "second wave at +R"),
            80 => assert_eq!(rs_sizes(&sim), [0, 4], "done at +2R"),
            _ => {}
        }
    }
    assert_eq!(seen_max_pods, 5);
    assert_eq!(seen_min_ready, 3);
}

/// G17: the new image cannot be pulled (scenarios/what-if/stuck-rollout-undo.yaml, update at
/// 1m): the new ReplicaSet stays at 2 pods, 3 old pods stay available, and Progressing turns
/// False with ProgressDeadlineExceeded 600 s after the last progress; nothing else changes.
#[test]
fn g17_progress_deadline_exceeded() {
    let mut sim = curated("scenarios/what-if/stuck-rollout-undo.yaml");
    let key = ObjectKey::new("default", "shop");
    let at = |sim: &Simulation, path: &str| {
        common::object_field(sim, sim_core::objects::Kind::Deployment, &key, path)
    };
    run_to(&mut sim, 659);
    assert_eq!(rs_sizes(&sim), [3, 2]);
    assert_eq!(at(&sim, "status.availableReplicas"), "3");
    assert_eq!(at(&sim, "status.conditions[Progressing].status"), "True");
    run_to(&mut sim, 660);
    assert_eq!(at(&sim, "status.conditions[Progressing].status"), "False");
    assert_eq!(
        at(&sim, "status.conditions[Progressing].reason"),
        "ProgressDeadlineExceeded"
    );
    run_to(&mut sim, 719);
    assert_eq!(rs_sizes(&sim), [3, 2], "no rollback, no other change");
}
