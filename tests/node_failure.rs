//! Node failure against k8s-semantics §7 and golden case G25: heartbeats, Ready=Unknown
//! after the grace period, the unreachable taints, the 300 s default tolerations, taint
//! eviction, zone rate limits and full disruption, partitions that heal, recovery, the
//! out-of-service taint, StatefulSet pods that are not replaced and DaemonSet pods that
//! stay. Controller latency is 0.
//!
//! The setup of most tests: node `n-1` is alone at t=0, so every pod lands on it; two more
//! nodes (`m-1`, `m-2`) join at 30 s; `n-1` fails at F = 60 s, right after a lease renewal
//! (its renewal grid is 0, 10, ..., 60). G25's times are relative to F.

mod common;

use std::path::Path;

use sim_core::objects::{EndpointSlice, Kind, Node, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;

/// When `n-1` fails.
const F: u64 = 60;

const WORKLOADS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
     replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      \
     labels: {app: web}\n    spec:\n      containers:\n        - {name: web, image: nginx:1.27}\n\
     ---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  \
     ports: [{port: 80}]\n\
     ---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: 1\n  \
     serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata:\n      \
     labels: {app: db}\n    spec:\n      containers:\n        - {name: db, image: postgres:16}\n\
     ---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: \
     {matchLabels: {app: agent}}\n  template:\n    metadata:\n      labels: {app: agent}\n    \
     spec:\n      containers:\n        - {name: agent, image: agent:1.0}\n";

/// The cluster above with `events` (items of the `events:` list) and `manifests` inline.
fn simulation_with(events: &str, manifests: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: g25}}\nspec:\n  \
         duration: 2h\n  cluster:\n    nodePools:\n      - {{name: n, count: 1, zone: zone-a, \
         capacity: {{cpu: \"8\", memory: 32Gi}}}}\n      - {{name: m, count: 0, zone: zone-a, \
         capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n    - at: 30s\n      addNode: \
         {{pool: m, count: 2}}\n{events}---\n{manifests}"
    );
    common::build_simulation("g25.yaml", &text, Path::new("."))
}

fn simulation(events: &str) -> Simulation {
    simulation_with(events, WORKLOADS)
}

fn at(seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(seconds)
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    sim.run_until(at(seconds)).expect("runs");
}

fn node_field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(sim, Kind::Node, &ObjectKey::cluster(name), path)
}

fn pod_field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(sim, Kind::Pod, &ObjectKey::new("default", name), path)
}

fn taints(sim: &Simulation, node: &str) -> Vec<String> {
    sim.store()
        .get::<Node>(&ObjectKey::cluster(node))
        .map(|n| {
            n.taints
                .iter()
                .map(|t| format!("{}:{}", t.key, t.effect.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Pods bound to `node` whose labels have `app=<app>`, by name.
fn pods_on(sim: &Simulation, node: &str, app: &str) -> Vec<String> {
    sim.store()
        .list::<Pod>()
        .filter(|p| {
            p.spec.node_name.as_deref() == Some(node)
                && p.meta.labels.get("app").map(String::as_str) == Some(app)
        })
        .map(|p| p.meta.name.clone())
        .collect()
}

fn pods_of<'a>(sim: &'a Simulation, app: &str) -> Vec<&'a Pod> {
    sim.store()
        .list::<Pod>()
        .filter(|p| p.meta.labels.get("app").map(String::as_str) == Some(app))
        .collect()
}

/// Seconds (as millis) of the first `Changed` record of `field` on `kind/name` to `to`.
fn changed_at(sim: &Simulation, kind: Kind, name: &str, field: &str, to: &str) -> Option<u64> {
    sim.timeline()
        .records()
        .iter()
        .find(|r| {
            r.object.kind == kind
                && r.object.key.name == name
                && matches!(&r.body, RecordBody::Changed { field: f, to: t, .. } if f == field && t == to)
        })
        .map(|r| r.time.as_millis())
}

/// Millis of the first event with `reason` about `kind/name`.
fn event_at(sim: &Simulation, kind: Kind, name: &str, reason: &str) -> Option<u64> {
    sim.timeline()
        .records()
        .iter()
        .find(|r| {
            r.object.kind == kind
                && r.object.key.name == name
                && matches!(&r.body, RecordBody::Event { reason: x, .. } if x == reason)
        })
        .map(|r| r.time.as_millis())
}

fn ready_endpoints(sim: &Simulation) -> usize {
    sim.store()
        .list::<EndpointSlice>()
        .map(|s| s.ready_endpoints().count())
        .sum()
}

/// G25 — node failure timeline (k8s-semantics §7.1–7.7): `n-1` runs two Deployment pods,
/// the StatefulSet pod and a DaemonSet pod; its kubelet stops at F right after a lease
/// renewal. Ready=Unknown at F+50 [WINDOW 50–55] with `unreachable:NoSchedule`, the pods
/// Ready=False (out of the endpoints); `unreachable:NoExecute` one monitor pass later; the
/// Deployment pods deleted at F+355 [WINDOW 350–356] and Terminating forever, replaced at
/// once elsewhere; the StatefulSet pod marked for deletion but not replaced; the DaemonSet
/// pod never evicted.
#[test]
fn g25_node_failure_timeline() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      failNode: {{node: n-1, mode: kubeletStop}}\n"
    ));
    run_to(&mut sim, F - 1);
    let web_on_n = pods_on(&sim, "n-1", "web");
    assert_eq!(web_on_n.len(), 2, "both web pods start on n-1");
    assert_eq!(pods_on(&sim, "n-1", "db"), ["db-0"]);
    let agent_on_n = pods_on(&sim, "n-1", "agent");
    assert_eq!(agent_on_n.len(), 1);
    assert_eq!(ready_endpoints(&sim), 2);
    // §7.4: the default tolerations were added by admission.
    let toleration = pod_field(&sim, &web_on_n[0], "spec.tolerations[1].tolerationSeconds");
    assert_eq!(toleration, "300");

    // Just before the grace period runs out nothing has changed.
    run_to(&mut sim, F + 49);
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[3].status"),
        "True"
    );
    assert_eq!(ready_endpoints(&sim), 2);

    run_to(&mut sim, F + 55);
    let unknown = changed_at(
        &sim,
        Kind::Node,
        "n-1",
        "status.conditions[Ready]",
        "Unknown",
    )
    .expect("n-1 goes Unknown");
    assert!(
        ((F + 50) * 1000..=(F + 55) * 1000).contains(&unknown),
        "Ready=Unknown at {unknown} ms, window F+50..F+55"
    );
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[3].reason"),
        "NodeStatusUnknown"
    );
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[3].message"),
        "Kubelet stopped posting node status."
    );
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[0].status"),
        "Unknown"
    );
    // The last heartbeat the API server holds is F.
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[3].lastHeartbeatTime"),
        "2026-01-01T00:01:00Z"
    );
    assert!(taints(&sim, "n-1").contains(&"node.kubernetes.io/unreachable:NoSchedule".to_string()));
    for pod in &web_on_n {
        assert_eq!(pod_field(&sim, pod, "status.phase"), "Running");
        assert_eq!(
            pod_field(&sim, pod, "status.conditions[Ready].status"),
            "False"
        );
        assert!(event_at(&sim, Kind::Pod, pod, "NodeNotReady").is_some());
    }
    assert_eq!(ready_endpoints(&sim), 0, "the pods left the endpoints");
    run_to(&mut sim, F + 60);
    assert!(taints(&sim, "n-1").contains(&"node.kubernetes.io/unreachable:NoExecute".to_string()));

    // Just before the tolerations run out the pods are still there.
    run_to(&mut sim, F + 349);
    for pod in &web_on_n {
        assert_eq!(
            pod_field(&sim, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
    }
    run_to(&mut sim, F + 356);
    for pod in &web_on_n {
        let marked = event_at(&sim, Kind::Pod, pod, "TaintManagerEviction").expect("evicted");
        assert!(
            ((F + 350) * 1000..=(F + 356) * 1000).contains(&marked),
            "{pod} deleted at {marked} ms, window F+350..F+356"
        );
        assert_eq!(
            pod_field(&sim, pod, "status.conditions[DisruptionTarget].reason"),
            "DeletionByTaintManager"
        );
        assert_ne!(
            pod_field(&sim, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
    }
    // The ReplicaSet replaced them right away, elsewhere.
    let replacements: Vec<&Pod> = pods_of(&sim, "web")
        .into_iter()
        .filter(|p| p.meta.deletion_timestamp.is_none())
        .collect();
    assert_eq!(replacements.len(), 2);
    for p in &replacements {
        assert_ne!(p.spec.node_name.as_deref(), Some("n-1"));
    }
    // The StatefulSet pod is marked for deletion too, but not replaced.
    assert_ne!(
        pod_field(&sim, "db-0", "metadata.deletionTimestamp"),
        "<absent>"
    );
    // The DaemonSet pod tolerates the taints without seconds.
    assert_eq!(
        pod_field(&sim, &agent_on_n[0], "metadata.deletionTimestamp"),
        "<absent>"
    );

    // An hour later: the deleted pods still show Terminating (only a kubelet can finish),
    // db-0 is still the old pod, the agent still runs.
    run_to(&mut sim, F + 3600);
    for pod in &web_on_n {
        assert_eq!(pod_field(&sim, pod, "status.phase"), "Running");
        assert_eq!(pod_field(&sim, pod, "spec.nodeName"), "n-1");
    }
    assert_eq!(pod_field(&sim, "db-0", "spec.nodeName"), "n-1");
    assert_eq!(pods_of(&sim, "db").len(), 1, "no second db-0");
    assert_eq!(
        pod_field(&sim, &agent_on_n[0], "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(ready_endpoints(&sim), 2, "the replacements serve");
    // `kubesim explain` says why the pod stays Terminating.
    let story = sim_scenarios::explain::explain(
        sim.store(),
        sim.timeline(),
        &sim_core::objects::ObjectRef::new(Kind::Pod, ObjectKey::new("default", &web_on_n[0])),
        at(F + 3600),
    )
    .expect("explained");
    assert!(
        story.contains("node/n-1 is unreachable, so no kubelet can kill the containers"),
        "{story}"
    );
}

/// §7.3: if every node fails (one zone, fully disrupted, and no other zone), nothing is
/// evicted at all.
#[test]
fn full_disruption_of_every_zone_evicts_nothing() {
    let mut sim = simulation(&format!("    - at: {F}s\n      zoneOutage: zone-a\n"));
    run_to(&mut sim, F + 3600);
    for node in ["n-1", "m-1", "m-2"] {
        assert_eq!(
            node_field(&sim, node, "status.conditions[3].status"),
            "Unknown"
        );
        assert!(
            !taints(&sim, node).iter().any(|t| t.ends_with(":NoExecute")),
            "{node}: {:?}",
            taints(&sim, node)
        );
    }
    assert!(sim
        .store()
        .list::<Pod>()
        .all(|p| p.meta.deletion_timestamp.is_none()));
    assert!(sim.timeline().records().iter().any(|r| matches!(
        &r.body,
        RecordBody::Event { reason, message, .. }
            if reason == "ZoneStateChanged" && message.contains("Entering master disruption mode")
    )));
}

const ZONES: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
     replicas: 6\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      \
     labels: {app: web}\n    spec:\n      containers:\n        - {name: web, image: nginx:1.27}\n";

fn zoned(pools: &str, events: &str) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: zones}}\nspec:\n  \
         duration: 2h\n  cluster:\n    nodePools:\n{pools}  events:\n{events}---\n{ZONES}"
    );
    common::build_simulation("zones.yaml", &text, Path::new("."))
}

fn no_execute_times(sim: &Simulation) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = sim
        .timeline()
        .records()
        .iter()
        .filter(|r| {
            r.object.kind == Kind::Node
                && matches!(&r.body, RecordBody::Changed { field, to, .. }
                    if field == "spec.taints" && to.contains("unreachable:NoExecute"))
        })
        .map(|r| (r.object.key.name.clone(), r.time.as_millis()))
        .collect();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// §7.3: a zone that goes entirely while another zone is healthy is tainted at the normal
/// rate, one node every 10 s (0.1 node/s, burst 1).
#[test]
fn zone_outage_taints_at_the_normal_rate_when_another_zone_is_healthy() {
    let mut sim = zoned(
        "      - {name: a, count: 3, zone: zone-a, capacity: {cpu: \"8\", memory: 32Gi}}\n      \
         - {name: b, count: 3, zone: zone-b, capacity: {cpu: \"8\", memory: 32Gi}}\n",
        "    - at: 60s\n      zoneOutage: zone-a\n",
    );
    run_to(&mut sim, 600);
    let times = no_execute_times(&sim);
    assert_eq!(
        times,
        vec![
            ("a-1".to_string(), 115_000),
            ("a-2".to_string(), 125_000),
            ("a-3".to_string(), 135_000)
        ]
    );
    // The pods of each node go 300 s after its taint.
    let deleted: Vec<u64> = sim
        .timeline()
        .records()
        .iter()
        .filter(|r| matches!(&r.body, RecordBody::Event { reason, .. } if reason == "TaintManagerEviction"))
        .map(|r| r.time.as_millis())
        .collect();
    assert!(!deleted.is_empty());
    assert!(
        deleted
            .iter()
            .all(|t| [415_000, 425_000, 435_000].contains(t)),
        "{deleted:?}"
    );
    assert!(sim.timeline().records().iter().any(|r| matches!(
        &r.body,
        RecordBody::Event { reason, message, .. }
            if reason == "ZoneStateChanged" && message.contains("\"zone-a\" is now in state FullDisruption")
    )));
}

/// §7.3: a partially disrupted zone (≥ 55 % and more than 2 nodes unhealthy) of a cluster
/// of at most 50 nodes is not tainted at all; the nodes of other zones still are.
#[test]
fn partial_disruption_of_a_small_cluster_stops_tainting_in_that_zone() {
    let mut sim = zoned(
        "      - {name: a, count: 4, zone: zone-a, capacity: {cpu: \"8\", memory: 32Gi}}\n      \
         - {name: b, count: 2, zone: zone-b, capacity: {cpu: \"8\", memory: 32Gi}}\n",
        "    - at: 60s\n      partition: {nodes: [a-1, a-2, a-3, b-1]}\n",
    );
    run_to(&mut sim, 1200);
    let times = no_execute_times(&sim);
    assert_eq!(
        times,
        vec![("b-1".to_string(), 115_000)],
        "only zone-b's node"
    );
    for node in ["a-1", "a-2", "a-3"] {
        assert_eq!(
            node_field(&sim, node, "status.conditions[3].status"),
            "Unknown"
        );
    }
}

/// §7.3: a zone with fewer than 55 % unhealthy stays Normal and is tainted at 0.1 node/s.
#[test]
fn two_failed_nodes_of_a_zone_are_tainted_ten_seconds_apart() {
    let mut sim = zoned(
        "      - {name: a, count: 5, zone: zone-a, capacity: {cpu: \"8\", memory: 32Gi}}\n",
        "    - at: 60s\n      partition: {nodes: [a-1, a-2]}\n",
    );
    run_to(&mut sim, 600);
    assert_eq!(
        no_execute_times(&sim),
        vec![("a-1".to_string(), 115_000), ("a-2".to_string(), 125_000)]
    );
}

/// §7.6 (a) and the partition event: pods deleted while the node was cut off are killed by
/// its kubelet when the partition heals, and disappear; the taints go.
#[test]
fn partition_heal_finishes_the_deletions() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      partition: {{nodes: [n-1]}}\n    - at: 600s\n      recoverNode: n-1\n"
    ));
    run_to(&mut sim, 599);
    let web_on_n = pods_on(&sim, "n-1", "web");
    assert_eq!(web_on_n.len(), 2);
    for pod in &web_on_n {
        assert_ne!(
            pod_field(&sim, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
    }
    run_to(&mut sim, 600);
    assert_eq!(
        node_field(&sim, "n-1", "status.conditions[3].status"),
        "True"
    );
    assert!(!taints(&sim, "n-1")
        .iter()
        .any(|t| t.ends_with(":NoSchedule")));
    run_to(&mut sim, 605);
    assert!(taints(&sim, "n-1").is_empty(), "{:?}", taints(&sim, "n-1"));
    // Killed with their 30 s grace period from the heal.
    run_to(&mut sim, 640);
    for pod in &web_on_n {
        assert_eq!(pod_field(&sim, pod, "metadata.name"), "<gone>");
    }
    // The StatefulSet pod is gone too, and only now is db-0 created again.
    let db = sim
        .store()
        .get::<Pod>(&ObjectKey::new("default", "db-0"))
        .expect("db-0 again");
    assert!(db.meta.creation_timestamp >= at(600));
    // The agent was never deleted and is Ready again.
    let agent = pods_on(&sim, "n-1", "agent");
    assert_eq!(
        pod_field(&sim, &agent[0], "status.conditions[Ready].status"),
        "True"
    );
}

/// Recovery before the grace period: nothing shows in the API but the kubelet's work.
#[test]
fn a_short_kubelet_stop_goes_unnoticed() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      failNode: {{node: n-1, mode: kubeletStop}}\n    - at: {}s\n      recoverNode: n-1\n",
        F + 30
    ));
    run_to(&mut sim, F + 600);
    assert_eq!(
        changed_at(
            &sim,
            Kind::Node,
            "n-1",
            "status.conditions[Ready]",
            "Unknown"
        ),
        None
    );
    assert!(taints(&sim, "n-1").is_empty());
    assert_eq!(ready_endpoints(&sim), 2);
}

/// A crashed node that comes back: its kubelet re-creates the containers of the pods still
/// bound to it, counting a restart (last state Unknown, exit code 255).
#[test]
fn crash_recovery_restarts_the_containers_of_surviving_pods() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      failNode: n-1\n    - at: {}s\n      recoverNode: n-1\n",
        F + 120
    ));
    run_to(&mut sim, F + 119);
    let web_on_n = pods_on(&sim, "n-1", "web");
    let before = pod_field(&sim, &web_on_n[0], "status.podIP");
    run_to(&mut sim, F + 130);
    for pod in &web_on_n {
        assert_eq!(
            pod_field(&sim, pod, "status.containerStatuses[0].restartCount"),
            "1"
        );
        assert_eq!(
            pod_field(
                &sim,
                pod,
                "status.containerStatuses[0].lastState.terminated.exitCode"
            ),
            "255"
        );
        assert_eq!(
            pod_field(&sim, pod, "status.conditions[Ready].status"),
            "True"
        );
    }
    assert_ne!(
        pod_field(&sim, &web_on_n[0], "status.podIP"),
        before,
        "a new sandbox, a new IP"
    );
    assert_eq!(ready_endpoints(&sim), 2);
}

/// §7.6 (d): the out-of-service taint on a lost node: the taint eviction controller deletes
/// the pods that do not tolerate it and PodGC force-deletes the terminating ones, so the
/// StatefulSet pod is finally replaced (§7.7).
#[test]
fn out_of_service_taint_frees_the_statefulset_pod() {
    let taint = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n-1\n  labels: \
                 {kubernetes.io/hostname: n-1, topology.kubernetes.io/zone: zone-a}\nspec:\n  \
                 taints: [{key: node.kubernetes.io/out-of-service, value: nodeshutdown, effect: \
                 NoExecute}]\nstatus:\n  capacity: {cpu: \"8\", memory: 32Gi}\n";
    let dir = std::env::temp_dir().join(format!("kubesim-oos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("oos.yaml"), taint).expect("writes");
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: oos}}\nspec:\n  \
         duration: 2h\n  cluster:\n    nodePools:\n      - {{name: n, count: 1, zone: zone-a, \
         capacity: {{cpu: \"8\", memory: 32Gi}}}}\n      - {{name: m, count: 0, zone: zone-a, \
         capacity: {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n    - at: 30s\n      addNode: \
         {{pool: m, count: 2}}\n    - at: {F}s\n      failNode: n-1\n    - at: 1000s\n      \
         apply: oos.yaml\n---\n{WORKLOADS}"
    );
    let mut sim = common::build_simulation("oos.yaml", &text, &dir);
    run_to(&mut sim, 999);
    let old_db = sim
        .store()
        .get::<Pod>(&ObjectKey::new("default", "db-0"))
        .map(|p| p.meta.uid)
        .expect("db-0");
    assert_eq!(pod_field(&sim, "db-0", "spec.nodeName"), "n-1");
    run_to(&mut sim, 1001);
    // The applied Node brought its own taints; TaintNodesByCondition puts its own back.
    assert!(
        taints(&sim, "n-1").contains(&"node.kubernetes.io/unreachable:NoSchedule".to_string()),
        "{:?}",
        taints(&sim, "n-1")
    );
    let agents = pods_on(&sim, "n-1", "agent");
    assert!(
        agents.is_empty(),
        "the agent does not tolerate out-of-service: {agents:?}"
    );
    assert!(pods_on(&sim, "n-1", "web").is_empty());
    let db = sim
        .store()
        .get::<Pod>(&ObjectKey::new("default", "db-0"))
        .expect("db-0 re-created");
    assert_ne!(db.meta.uid, old_db);
    assert_ne!(db.spec.node_name.as_deref(), Some("n-1"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// §7.6 (b): deleting the Node object lets PodGC remove its pods after the 40 s quarantine,
/// and the StatefulSet pod comes back elsewhere.
#[test]
fn removing_the_lost_node_frees_its_pods() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      failNode: n-1\n    - at: 800s\n      removeNode: n-1\n"
    ));
    run_to(&mut sim, 845);
    assert!(sim
        .store()
        .list::<Pod>()
        .all(|p| p.spec.node_name.as_deref() != Some("n-1")));
    let db = sim
        .store()
        .get::<Pod>(&ObjectKey::new("default", "db-0"))
        .expect("db-0 re-created");
    assert!(db.meta.creation_timestamp >= at(840));
}

/// §7.5: a NoExecute taint a pod does not tolerate evicts it at once; a toleration with
/// seconds delays it; one without seconds keeps it (G35's last sentence).
#[test]
fn no_execute_taints_and_toleration_seconds() {
    let manifests = "apiVersion: v1\nkind: Pod\nmetadata: {name: plain}\nspec:\n  containers: \
                     [{name: c, image: busybox}]\n---\napiVersion: v1\nkind: Pod\nmetadata: \
                     {name: patient}\nspec:\n  tolerations: [{key: dedicated, operator: Exists, \
                     effect: NoExecute, tolerationSeconds: 60}]\n  containers: [{name: c, \
                     image: busybox}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: \
                     forever}\nspec:\n  tolerations: [{key: dedicated, operator: Exists, \
                     effect: NoExecute}]\n  containers: [{name: c, image: busybox}]\n";
    let taint = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n-1\n  labels: \
                 {kubernetes.io/hostname: n-1}\nspec:\n  taints: [{key: dedicated, value: x, \
                 effect: NoExecute}]\nstatus:\n  capacity: {cpu: \"8\", memory: 32Gi}\n";
    let dir = std::env::temp_dir().join(format!("kubesim-noexec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("taint.yaml"), taint).expect("writes");
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: noexec}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: n, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n    - at: 10s\n      apply: taint.yaml\n---\n{manifests}"
    );
    let mut sim = common::build_simulation("noexec.yaml", &text, &dir);
    run_to(&mut sim, 10);
    assert_ne!(
        pod_field(&sim, "plain", "metadata.deletionTimestamp"),
        "<absent>"
    );
    assert_eq!(
        pod_field(&sim, "patient", "metadata.deletionTimestamp"),
        "<absent>"
    );
    run_to(&mut sim, 69);
    assert_eq!(
        pod_field(&sim, "patient", "metadata.deletionTimestamp"),
        "<absent>"
    );
    run_to(&mut sim, 70);
    assert_ne!(
        pod_field(&sim, "patient", "metadata.deletionTimestamp"),
        "<absent>"
    );
    run_to(&mut sim, 3000);
    assert_eq!(
        pod_field(&sim, "forever", "metadata.deletionTimestamp"),
        "<absent>"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The healthy case is free: a long run with no failures schedules no heartbeat or
/// monitor events (cost grows with state transitions, not simulated time).
#[test]
fn a_healthy_cluster_costs_no_events_over_time() {
    let events = |hours: u64| {
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: healthy}}\nspec:\n  \
             duration: {hours}h\n  cluster:\n    nodePools:\n      - {{name: n, count: 5, zone: \
             zone-a, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n---\n{WORKLOADS}"
        );
        let mut sim = common::build_simulation("healthy.yaml", &text, Path::new("."));
        sim.run_until(at(hours * 3600)).expect("runs").events
    };
    assert_eq!(events(1), events(100));
}

/// Bad input: failure events name nodes and zones that exist, and modes that do.
#[test]
fn bad_failure_events_are_reported_with_their_field() {
    let parse = |events: &str| {
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n  \
             cluster:\n    nodePools:\n      - {{name: n, count: 1, zone: zone-a, capacity: \
             {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n{events}"
        );
        sim_scenarios::scenario::parse_scenario("bad.yaml", &text, Path::new("."))
            .expect_err("invalid")
            .to_string()
    };
    let e = parse("    - at: 1s\n      failNode: n-2\n");
    assert!(
        e.contains("bad.yaml:10") && e.contains("spec.events[0].failNode"),
        "{e}"
    );
    assert!(e.contains("did you mean `n-1`?"), "{e}");
    let e = parse("    - at: 1s\n      failNode: {node: n-1, mode: reboot}\n");
    assert!(
        e.contains("spec.events[0].failNode.mode") && e.contains("kubeletStop"),
        "{e}"
    );
    let e = parse("    - at: 1s\n      zoneOutage: zone-b\n");
    assert!(
        e.contains("no node is in zone \"zone-b\"") && e.contains("zone-a"),
        "{e}"
    );
    let e = parse("    - at: 1s\n      partition: {nodes: [n-1], zone: zone-a}\n");
    assert!(
        e.contains("exactly one of `node`, `nodes` and `zone`"),
        "{e}"
    );
    let e = parse("    - at: 1s\n      recoverNode: {nodez: [n-1]}\n");
    assert!(
        e.contains("spec.events[0].recoverNode.nodez")
            && e.contains("expected one of: node, nodes, zone"),
        "{e}"
    );
}

/// `killContainer`: the container exits 137 and the restart policy applies.
#[test]
fn kill_container_restarts_it() {
    let mut sim = simulation(
        "    - at: 20s\n      killContainer: {pod: db-0, container: db}\n    - at: 25s\n      \
         killContainer: {pod: db-0, container: nope}\n",
    );
    run_to(&mut sim, 21);
    assert_eq!(
        pod_field(&sim, "db-0", "status.containerStatuses[0].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "db-0",
            "status.containerStatuses[0].lastState.terminated.exitCode"
        ),
        "137"
    );
    run_to(&mut sim, 25);
    assert!(sim.timeline().records().iter().any(|r| matches!(
        &r.body,
        RecordBody::Event { reason, message, .. }
            if reason == "KillContainer" && message.contains("no running container \"nope\"")
    )));
}

/// §7.3 and recovery: the whole cluster (one zone) crashes, nothing is evicted, and when the
/// zone comes back the controller leaves master disruption mode; the rebooted kubelets
/// re-create every container (restartCount 1) and nothing was lost.
#[test]
fn whole_cluster_outage_and_recovery() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      zoneOutage: zone-a\n    - at: 1200s\n      recoverNode: {{zone: zone-a}}\n"
    ));
    run_to(&mut sim, 1300);
    assert!(sim
        .store()
        .list::<Pod>()
        .all(|p| p.meta.deletion_timestamp.is_none()));
    for node in ["n-1", "m-1", "m-2"] {
        assert_eq!(
            node_field(&sim, node, "status.conditions[3].status"),
            "True"
        );
        assert!(
            taints(&sim, node).is_empty(),
            "{node}: {:?}",
            taints(&sim, node)
        );
    }
    for pod in pods_on(&sim, "n-1", "web") {
        assert_eq!(
            pod_field(&sim, &pod, "status.containerStatuses[0].restartCount"),
            "1"
        );
    }
    assert_eq!(ready_endpoints(&sim), 2);
    assert!(sim.timeline().records().iter().any(|r| matches!(
        &r.body,
        RecordBody::Event { reason, message, .. }
            if reason == "ZoneStateChanged" && message.contains("Exiting master disruption mode")
    )));
}

/// A zone outage that heals after the evictions: the deleted pods of the crashed nodes have
/// nothing left to stop and are removed at once, and the taints go.
#[test]
fn zone_recovery_after_the_evictions_clears_the_terminating_pods() {
    let mut sim = zoned(
        "      - {name: a, count: 2, zone: zone-a, capacity: {cpu: \"8\", memory: 32Gi}}\n      \
         - {name: b, count: 2, zone: zone-b, capacity: {cpu: \"8\", memory: 32Gi}}\n",
        "    - at: 60s\n      zoneOutage: zone-a\n    - at: 900s\n      recoverNode: {zone: zone-a}\n",
    );
    run_to(&mut sim, 899);
    let terminating = pods_of(&sim, "web")
        .iter()
        .filter(|p| p.meta.deletion_timestamp.is_some())
        .count();
    assert!(terminating > 0);
    run_to(&mut sim, 900);
    assert!(pods_of(&sim, "web")
        .iter()
        .all(|p| p.meta.deletion_timestamp.is_none()));
    assert_eq!(pods_of(&sim, "web").len(), 6);
    run_to(&mut sim, 905);
    for node in ["a-1", "a-2"] {
        assert!(
            taints(&sim, node).is_empty(),
            "{node}: {:?}",
            taints(&sim, node)
        );
    }
}

/// §7.5: a node that comes back before its pods' tolerations run out: the NoExecute taint
/// goes and the scheduled deletions are cancelled ("Cancelling deletion of Pod ...").
#[test]
fn recovery_before_the_toleration_runs_out_cancels_the_deletions() {
    let mut sim = simulation(&format!(
        "    - at: {F}s\n      partition: {{nodes: [n-1]}}\n    - at: 302s\n      recoverNode: n-1\n"
    ));
    run_to(&mut sim, 1000);
    let web_on_n = pods_on(&sim, "n-1", "web");
    assert_eq!(web_on_n.len(), 2);
    for pod in &web_on_n {
        assert_eq!(
            pod_field(&sim, pod, "metadata.deletionTimestamp"),
            "<absent>"
        );
        let cancelled = sim.timeline().records().iter().find(|r| {
            r.object.key.name == *pod
                && matches!(&r.body, RecordBody::Event { reason, message, .. }
                    if reason == "TaintManagerEviction" && message.starts_with("Cancelling deletion of Pod default/"))
        });
        assert_eq!(
            cancelled.map(|r| r.time.as_millis()),
            Some(305_000),
            "{pod}"
        );
    }
    assert_eq!(ready_endpoints(&sim), 2);
}

/// §7.3: a partially disrupted zone of a large cluster (more than 50 nodes) is tainted at
/// the secondary rate, 0.01 node/s: one node every 100 s.
#[test]
fn partial_disruption_of_a_large_cluster_taints_at_the_secondary_rate() {
    let mut sim = zoned(
        "      - {name: a, count: 10, zone: zone-a, capacity: {cpu: \"8\", memory: 32Gi}}\n      \
         - {name: b, count: 45, zone: zone-b, capacity: {cpu: \"8\", memory: 32Gi}}\n",
        "    - at: 60s\n      partition: {nodes: [a-1, a-2, a-3, a-4, a-5, a-6]}\n",
    );
    run_to(&mut sim, 1000);
    let times: Vec<u64> = no_execute_times(&sim).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        times,
        vec![115_000, 215_000, 315_000, 415_000, 515_000, 615_000]
    );
    assert!(sim.timeline().records().iter().any(|r| matches!(
        &r.body,
        RecordBody::Event { reason, message, .. }
            if reason == "ZoneStateChanged" && message.contains("\"zone-a\" is now in state PartialDisruption")
    )));
}
