//! `kubectl drain` as a scenario event (k8s-semantics §6.6, golden case G24): cordon, the
//! pod filters and their errors, parallel evictions with the 5 s retry of a 429, the 1 s
//! poll for deletion, `timeout`, `disableEviction`, `ignoreDaemonsets`.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// Deployment `web` (2 replicas at first; `ready_after` for every instance; a readiness
/// probe every second) and a PDB `minAvailable: 2`.
fn web(ready_after: &str, extra_pod_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 2\n  \
         selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      labels: {{app: web}}\n      \
         annotations: {{kubesim.io/ready-after: {ready_after}}}\n    spec:\n      \
         terminationGracePeriodSeconds: 5\n{extra_pod_spec}      containers:\n        - name: web\n          \
         image: nginx\n          resources: {{requests: {{cpu: 500m}}}}\n          \
         readinessProbe: {{httpGet: {{path: /, port: 80}}, periodSeconds: 1}}\n---\n\
         apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  \
         minAvailable: 2\n  selector: {{matchLabels: {{app: web}}}}\n"
    )
}

/// Node a-1 from t=0, b-1 added at 10 s, web scaled to 3 at 20 s (so two pods run on a-1,
/// one on b-1 — G24's setup), then the `drain` event(s).
fn scenario(drain: &str, docs: &str) -> String {
    scenario_with_b(drain, docs, "4")
}

/// As [`scenario`], with `b_cpu` CPUs on b-1 (`600m`: room for one pod only, so a
/// replacement stays Pending and the budget stays spent).
fn scenario_with_b(drain: &str, docs: &str, b_cpu: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: drain}}\nspec:\n  \
         duration: 10m\n  cluster:\n    nodePools:\n      - {{name: a, count: 1, capacity: {{cpu: \"4\", memory: 8Gi}}}}\n      \
         - {{name: b, count: 0, capacity: {{cpu: \"{b_cpu}\", memory: 8Gi}}}}\n  events:\n    \
         - {{at: 10s, addNode: {{pool: b}}}}\n    - {{at: 20s, scale: {{object: deployment/web, replicas: 3}}}}\n\
         {drain}---\n{docs}"
    )
}

fn build(drain: &str, docs: &str) -> Simulation {
    common::build_simulation("drain.yaml", &scenario(drain, docs), Path::new("."))
}

/// A G24 setup whose replacement never fits anywhere: the budget stays spent.
fn build_blocked(drain: &str) -> Simulation {
    let text = scenario_with_b(drain, &web("1s", ""), "600m");
    common::build_simulation("drain.yaml", &text, Path::new("."))
}

/// (time in seconds, object name, message) of the records with this reason.
fn records(sim: &Simulation, reason: &str) -> Vec<(u64, String, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: found,
                message,
                ..
            } if found == reason => Some((
                r.time.saturating_since(SimTime::ZERO).as_millis() / 1000,
                r.object.key.name.clone(),
                message.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn pods_on(sim: &Simulation, node: &str) -> Vec<String> {
    sim.store()
        .list::<Pod>()
        .filter(|p| p.spec.node_name.as_deref() == Some(node))
        .map(|p| p.meta.name.clone())
        .collect()
}

/// G24: two pods on a-1, one on b-1, PDB minAvailable 2, a replacement Ready 22 s after it
/// is created; drain a-1 at 60 s. Both evictions are sent at 60: one succeeds (allowed
/// 1 → 0), the other is refused and retried exactly on the 5 s grid (65, 70, 75, 80); the
/// replacement lands on b-1 and is Ready at 82, the disruption controller allows one
/// disruption again, and the retry at 85 succeeds. Each evicted pod is reported once the
/// 1 s poll finds it gone (61 and 86), then the node is drained.
#[test]
fn g24_drain_retries_a_refused_eviction_on_the_5s_grid() {
    let mut sim = build(
        "    - {at: 1m, drain: {node: a-1, ignoreDaemonsets: true}}\n",
        &web("22s", ""),
    );
    sim.run_until(at(59)).expect("runs");
    let on_a = pods_on(&sim, "a-1");
    assert_eq!(on_a.len(), 2, "two pods on a-1: {on_a:?}");
    assert_eq!(pods_on(&sim, "b-1").len(), 1);
    sim.run_until(at(120)).expect("runs");
    assert_eq!(
        records(&sim, "Cordon"),
        vec![(60, "a-1".to_string(), "node/a-1 cordoned".to_string())]
    );
    // Pods are evicted in list (name) order: the first takes the disruption.
    let (first, second) = (&on_a[0], &on_a[1]);
    let evicting: Vec<(u64, String)> = records(&sim, "Evicting")
        .into_iter()
        .map(|(t, name, _)| (t, name))
        .collect();
    let mut expected = vec![(60, first.clone())];
    for t in [60, 65, 70, 75, 80, 85] {
        expected.push((t, second.clone()));
    }
    assert_eq!(evicting, expected);
    let refused: Vec<u64> = records(&sim, "TooManyRequests")
        .into_iter()
        .map(|(t, name, message)| {
            assert_eq!(&name, second);
            assert_eq!(
                message,
                format!(
                    "error when evicting pods/\"{second}\" -n \"default\" (will retry after 5s): \
                     Cannot evict pod as it would violate the pod's disruption budget."
                )
            );
            t
        })
        .collect();
    assert_eq!(refused, vec![60, 65, 70, 75, 80]);
    assert_eq!(
        records(&sim, "PodEvicted"),
        vec![
            (61, first.clone(), format!("pod/{first} evicted")),
            (86, second.clone(), format!("pod/{second} evicted")),
        ]
    );
    assert_eq!(
        records(&sim, "Drained"),
        vec![(86, "a-1".to_string(), "node/a-1 drained".to_string())]
    );
    assert!(pods_on(&sim, "a-1").is_empty());
    assert_eq!(pods_on(&sim, "b-1").len(), 3);
}

/// `timeout`: the blocked eviction is retried until the deadline (60 + 12 = 72); the first
/// retry after it (75) gives up, and the drain fails with kubectl's message.
#[test]
fn a_timeout_ends_a_blocked_drain() {
    let mut sim = build_blocked("    - {at: 1m, drain: {node: a-1, timeout: 12s}}\n");
    sim.run_until(at(200)).expect("runs");
    let refused: Vec<u64> = records(&sim, "TooManyRequests")
        .into_iter()
        .map(|(t, ..)| t)
        .collect();
    assert_eq!(refused, vec![60, 65, 70]);
    let failed = records(&sim, "DrainFailed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, 75);
    assert!(
        failed[0].2.starts_with(
            "error: unable to drain node \"a-1\" due to error:error when evicting pods/"
        ) && failed[0]
            .2
            .ends_with("-n \"default\": global timeout reached: 12s, continuing command..."),
        "{}",
        failed[0].2
    );
    assert!(records(&sim, "Drained").is_empty());
}

/// `timeout: 0s` (the default): the drain never gives up; it keeps retrying every 5 s.
#[test]
fn without_a_timeout_the_drain_retries_forever() {
    let mut sim = build_blocked("    - {at: 1m, drain: {node: a-1, timeout: 0s}}\n");
    sim.run_until(at(600)).expect("runs");
    let refused = records(&sim, "TooManyRequests");
    assert_eq!(refused.len(), (600 - 60) / 5 + 1);
    assert!(records(&sim, "DrainFailed").is_empty());
    assert!(records(&sim, "Drained").is_empty());
}

/// `disableEviction`: plain deletes, which bypass the budget: both pods go at once, each
/// reported "deleted".
#[test]
fn disable_eviction_deletes_past_the_budget() {
    let mut sim = build_blocked("    - {at: 1m, drain: {node: a-1, disableEviction: true}}\n");
    sim.run_until(at(62)).expect("runs");
    assert!(records(&sim, "TooManyRequests").is_empty());
    let deleted = records(&sim, "PodDeleted");
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    assert!(deleted
        .iter()
        .all(|(t, name, m)| *t == 61 && *m == format!("pod/{name} deleted")));
    assert_eq!(records(&sim, "Drained")[0].0, 61);
}

const DAEMONSET: &str = "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  \
     selector: {matchLabels: {app: agent}}\n  template:\n    metadata:\n      labels: {app: agent}\n    \
     spec:\n      containers:\n        - {name: agent, image: agent}\n";

/// A DaemonSet pod on the node: without `ignoreDaemonsets` the drain fails before evicting
/// anything (the node stays cordoned); with it, the pod is left running and named in a
/// warning.
#[test]
fn daemonset_pods_need_ignore_daemonsets() {
    let docs = format!("{}{DAEMONSET}", web("1s", ""));
    let mut sim = build("    - {at: 1m, drain: a-1}\n", &docs);
    sim.run_until(at(120)).expect("runs");
    let failed = records(&sim, "DrainFailed");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].2.starts_with(
            "error: unable to drain node \"a-1\" due to error:cannot delete DaemonSet-managed Pods \
             (use --ignore-daemonsets to ignore): default/agent-"
        ),
        "{}",
        failed[0].2
    );
    assert!(records(&sim, "Evicting").is_empty());
    assert_eq!(pods_on(&sim, "a-1").len(), 3);
    assert_eq!(
        common::object_field(
            &sim,
            Kind::Node,
            &ObjectKey::cluster("a-1"),
            "spec.unschedulable"
        ),
        "true"
    );

    let mut sim = build(
        "    - {at: 1m, drain: {node: a-1, ignoreDaemonsets: true}}\n",
        &docs,
    );
    sim.run_until(at(120)).expect("runs");
    let warnings = records(&sim, "DrainWarning");
    assert!(
        warnings[0]
            .2
            .starts_with("Warning: ignoring DaemonSet-managed Pods: default/agent-"),
        "{warnings:?}"
    );
    assert_eq!(records(&sim, "Drained").len(), 1);
    let left = pods_on(&sim, "a-1");
    assert!(left.len() == 1 && left[0].starts_with("agent-"), "{left:?}");
}

/// A pod without a controller and a pod with an emptyDir: both filters' errors, in one
/// aggregate, and nothing evicted; `force` and `deleteEmptydirData` let the drain through.
#[test]
fn unmanaged_and_emptydir_pods_are_errors_unless_allowed() {
    let bare = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  nodeName: a-1\n  \
                containers:\n    - {name: c, image: busybox}\n";
    let scratch = "      volumes:\n        - {name: scratch, emptyDir: {}}\n";
    let docs = format!("{}{bare}", web("1s", scratch));
    let mut sim = build("    - {at: 1m, drain: a-1}\n", &docs);
    sim.run_until(at(120)).expect("runs");
    let failed = records(&sim, "DrainFailed");
    assert_eq!(failed.len(), 1);
    let message = &failed[0].2;
    assert!(
        message.starts_with(
            "error: unable to drain node \"a-1\" due to error:[cannot delete Pods with local \
             storage (use --delete-emptydir-data to override): default/web-"
        ) && message.ends_with(
            ", cannot delete Pods declare no controller (use --force to override): default/bare], \
             continuing command..."
        ),
        "{message}"
    );
    assert!(records(&sim, "Evicting").is_empty());

    let mut sim = build(
        "    - {at: 1m, drain: {node: a-1, force: true, deleteEmptydirData: true}}\n",
        &docs,
    );
    sim.run_until(at(120)).expect("runs");
    let warnings = records(&sim, "DrainWarning");
    assert_eq!(
        warnings[0].2,
        "Warning: deleting Pods that declare no controller: default/bare"
    );
    assert_eq!(records(&sim, "Drained").len(), 1);
    assert!(pods_on(&sim, "a-1").is_empty());
}

/// Bad input: unknown drain flags, wrong types and unknown nodes are refused at their
/// field, with a suggestion where one fits.
#[test]
fn bad_drain_events_are_refused_with_their_path() {
    for (drain, path, text) in [
        (
            "    - {at: 1m, drain: {node: a-1, ignoreDaemonSets: true}}\n",
            "spec.events[2].drain.ignoreDaemonSets",
            "did you mean `ignoreDaemonsets`?",
        ),
        (
            "    - {at: 1m, drain: {node: a-1, force: yes-please}}\n",
            "spec.events[2].drain.force",
            "expected true or false",
        ),
        (
            "    - {at: 1m, drain: {node: a-1, timeout: soon}}\n",
            "spec.events[2].drain.timeout",
            "",
        ),
        (
            "    - {at: 1m, drain: {force: true}}\n",
            "spec.events[2].drain",
            "drain needs `node`",
        ),
        (
            "    - {at: 1m, drain: c-1}\n",
            "spec.events[2].drain",
            "Node \"c-1\" does not exist",
        ),
    ] {
        let error = parse_scenario("bad.yaml", &scenario(drain, &web("1s", "")), Path::new("."))
            .expect_err("refused")
            .to_string();
        assert!(error.contains(path) && error.contains(text), "{error}");
    }
}

/// `podSelector` limits the drain to matching pods; `gracePeriod` overrides the pods' own
/// (0: removed at once, reported by the immediate first poll); a Succeeded pod without a
/// controller is removable even without `force`.
#[test]
fn pod_selector_grace_period_and_finished_pods() {
    let done = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: done\n  labels: {app: batch}\n  \
                annotations: {kubesim.io/exit-after: 1s, kubesim.io/exit-code: \"0\"}\nspec:\n  \
                nodeName: a-1\n  restartPolicy: Never\n  containers:\n    - {name: c, image: busybox}\n";
    let docs = format!("{}{done}", web("1s", ""));
    let mut sim = build(
        "    - {at: 1m, drain: {node: a-1, podSelector: app=batch}}\n",
        &docs,
    );
    sim.run_until(at(120)).expect("runs");
    assert_eq!(
        records(&sim, "PodEvicted"),
        vec![(60, "done".to_string(), "pod/done evicted".to_string())]
    );
    assert_eq!(records(&sim, "Drained")[0].0, 60);
    assert_eq!(pods_on(&sim, "a-1").len(), 2, "web's pods stay");

    let mut sim = build(
        "    - {at: 1m, drain: {node: a-1, gracePeriod: 0, podSelector: app=web}}\n",
        &docs,
    );
    sim.run_until(at(60)).expect("runs");
    let evicted = records(&sim, "PodEvicted");
    assert_eq!(evicted.len(), 1, "{evicted:?}");
    assert_eq!(evicted[0].0, 60);
}

/// Property (k8s-semantics §6.3–6.6): drains only ever evict within the budget. A
/// Deployment of `replicas` on three nodes, guarded by `minAvailable`, every pod Ready
/// `ready_after` s after it starts; two nodes are drained, the second `gap` s after the
/// first. Nothing else disrupts the pods, so from the moment all are Ready until the end,
/// the Ready pods not being deleted are never fewer than `minAvailable` — counted from the
/// pods themselves, not from the budget's status.
mod budget_property {
    use super::*;
    use proptest::prelude::*;

    fn check(replicas: u32, min_available: u32, ready_after: u64, gap: u64) {
        let docs = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {replicas}\n  \
             selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      labels: {{app: web}}\n      \
             annotations: {{kubesim.io/ready-after: {ready_after}s}}\n    spec:\n      \
             terminationGracePeriodSeconds: 3\n      containers:\n        - name: web\n          image: nginx\n          \
             resources: {{requests: {{cpu: 100m}}}}\n          \
             readinessProbe: {{httpGet: {{path: /, port: 80}}, periodSeconds: 1}}\n---\n\
             apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  \
             minAvailable: {min_available}\n  selector: {{matchLabels: {{app: web}}}}\n"
        );
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: p}}\nspec:\n  \
             duration: 10m\n  cluster:\n    nodePools:\n      - {{name: n, count: 3, capacity: {{cpu: \"4\", memory: 8Gi}}}}\n  \
             events:\n    - {{at: 60s, drain: n-1}}\n    - {{at: {}s, drain: n-2}}\n---\n{docs}",
            60 + gap
        );
        let mut sim = common::build_simulation("p.yaml", &text, Path::new("."));
        let healthy = |sim: &Simulation| {
            sim.store()
                .list::<Pod>()
                .filter(|p| {
                    p.meta.labels.get("app").map(String::as_str) == Some("web")
                        && p.meta.deletion_timestamp.is_none()
                        && p.status
                            .condition_true(sim_core::objects::PodConditionType::Ready)
                })
                .count()
        };
        sim.run_until(at(59)).expect("runs");
        assert_eq!(
            healthy(&sim),
            replicas as usize,
            "all Ready before the drains"
        );
        for t in 60..=400 {
            sim.run_until(at(t)).expect("runs");
            assert!(
                healthy(&sim) >= min_available as usize,
                "at {t}s only {} healthy, minAvailable {min_available}",
                healthy(&sim)
            );
        }
        // Both drains end: everything runs on n-3.
        assert_eq!(records(&sim, "Drained").len(), 2);
        assert_eq!(pods_on(&sim, "n-3").len(), replicas as usize);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn drains_never_break_the_budget(
            (replicas, min_available) in (2u32..6).prop_flat_map(|r| (Just(r), 1..r)),
            ready_after in 1u64..30,
            gap in 0u64..20,
        ) {
            check(replicas, min_available, ready_after, gap);
        }
    }
}
