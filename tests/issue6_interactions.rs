//! Issue 6's parts working together: node failures (k8s-semantics §7) against the HPA
//! (§5), drains and evictions (§6), node-pressure eviction (§10) and the availability
//! summary. Each test here failed before the fix it names.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

fn build(text: &str) -> Simulation {
    common::build_simulation("interactions.yaml", text, Path::new("."))
}

fn field(sim: &Simulation, kind: Kind, key: &ObjectKey, path: &str) -> String {
    common::object_field(sim, kind, key, path)
}

/// Deployment `web` (4 pods of 250m CPU request, tolerating `unreachable` forever so they
/// stay bound to a dead node), Service `web` and an HPA at 50 % CPU (min 1, max 10), on two
/// nodes; 500 rps at 1m CPU each (50 %) until 7m, then 200 rps; `events` under `spec`.
fn hpa_on_two_nodes(events: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {{name: hpa-node-failure}}
spec:
  seed: 1
  duration: 16m
  cluster:
    nodePools:
      - {{name: worker, count: 2, zone: zone-a, capacity: {{cpu: \"4\", memory: 16Gi}}}}
  load:
    - service: web
      requestsPerSecond:
        steps: [{{at: 0s, value: 500}}, {{at: 7m, value: 200}}]
      cpuPerRequest: 1m
{events}---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 4
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      tolerations:
        - {{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}}
      containers:
        - name: web
          image: nginx:1.27
          resources: {{requests: {{cpu: 250m}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 1
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}
"
    )
}

/// §5.4 with §7.3/§7.6 (G25's failed node under an HPA): metrics-server scrapes kubelets,
/// so the pods of a crashed node have no metrics — they are *missing* to `groupPods`, not
/// ready pods using nothing. When the load drops to 200 rps the two live pods run at 40 %
/// (ratio 0.8, a scale-down); the two missing pods are re-added at 100 % of their request,
/// the ratio becomes (200 + 500) / 1000 = 0.7 → 1.4 and flips direction, so the HPA keeps
/// 4 replicas. Before the fix the dead pods reported their idle usage and the HPA read 20 %
/// and scaled to 2 once the 300 s stabilization window passed.
#[test]
fn hpa_treats_pods_of_a_failed_node_as_missing() {
    let text = hpa_on_two_nodes("  events:\n    - {at: 6m, failNode: worker-1}\n");
    let mut sim = build(&text);
    let hpa = ObjectKey::new("default", "web");
    let deploy = ObjectKey::new("default", "web");
    sim.run_until(at(5 * 60 + 50)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Deployment, &deploy, "spec.replicas"),
        "4",
        "steady at 50 %"
    );
    sim.run_until(at(16 * 60)).expect("runs");
    assert_eq!(
        field(&sim, Kind::Deployment, &deploy, "spec.replicas"),
        "4",
        "no scale-down while half the pods cannot be measured"
    );
    assert_eq!(
        field(
            &sim,
            Kind::HorizontalPodAutoscaler,
            &hpa,
            "status.currentMetrics[0].resource.current.averageUtilization"
        ),
        "40",
        "utilization over the pods that have metrics (the live node's two)"
    );
}

/// Control for the test above: with both nodes healthy the same load drop scales 4 → 2
/// after the 300 s downscale stabilization (§5.11): 200 rps over 4 pods is 20 %.
#[test]
fn hpa_scales_down_when_every_pod_is_measured() {
    let mut sim = build(&hpa_on_two_nodes(""));
    sim.run_until(at(16 * 60)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::Deployment,
            &ObjectKey::new("default", "web"),
            "spec.replicas"
        ),
        "2"
    );
}

/// The availability summary's *pending* measure (issue 6, part 3) across a StatefulSet pod
/// re-created under the same name (§8: db-0 keeps its identity). db-0 waits 30 s for a node
/// big enough, runs, is deleted at 1m and comes back at once: 30 pod-seconds pending in
/// all. Before the fix the second db-0 replaced the first in the tally and the summary
/// said 0.
#[test]
fn availability_pending_counts_every_pod_of_a_reused_name() {
    let text = "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: sts-pending}
spec:
  seed: 1
  duration: 2m
  cluster:
    nodePools:
      - {name: small, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}
      - {name: big, count: 0, capacity: {cpu: \"8\", memory: 16Gi}}
  events:
    - {at: 30s, addNode: {pool: big}}
    - {at: 1m, delete: {object: pod/db-0, gracePeriod: 0}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: postgres:16
          resources: {requests: {cpu: \"6\"}}
";
    let mut sim = build(text);
    sim.run_until(at(120)).expect("runs");
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            &ObjectKey::new("default", "db-0"),
            "status.phase"
        ),
        "Running",
        "the second db-0 runs"
    );
    let report = sim_scenarios::availability::availability(sim.store(), sim.timeline(), at(120));
    let db = report
        .workloads
        .iter()
        .find(|w| w.key == ObjectKey::new("default", "db"))
        .expect("statefulset/db is measured");
    assert_eq!(db.pending_pod_ms, 30_000);
    assert_eq!(db.zero_ready_ms, 30_000);
}

fn parse_error(text: &str) -> String {
    match sim_scenarios::scenario::parse_scenario("chaos.yaml", text, Path::new(".")) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Bad input (issue 6, `spec.chaos`): an absurdly small but positive mean time is not a
/// hang. `mtbf: 1ms` on two nodes for an hour is about 7.2 million failures and
/// recoveries; before the fix the run went on for many minutes toward the 50-million-event
/// budget. Now the scenario is refused with the file, line, field and the numbers.
#[test]
fn chaos_rates_that_cannot_finish_are_refused() {
    let head = "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: storm}
spec:
  duration: 1h
  cluster:
    nodePools:
      - {name: worker, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}
";
    let e = parse_error(&format!(
        "{head}  chaos:\n    nodeFailures: [{{pool: worker, mtbf: 1ms, mttr: 1ms}}]\n"
    ));
    assert!(
        e.contains("chaos.yaml:10:")
            && e.contains("spec.chaos.nodeFailures[0].mtbf")
            && e.contains("about 7200000 times"),
        "{e}"
    );
    let e = parse_error(&format!(
        "{head}  chaos:\n    podKills: [{{selector: app=web, meanInterval: 10ms}}]\n"
    ));
    assert!(
        e.contains("chaos.yaml:10:")
            && e.contains("spec.chaos.podKills[0].meanInterval")
            && e.contains("about 360000 pods"),
        "{e}"
    );
    // The same rates for a run short enough to finish are fine.
    let short = head.replace("duration: 1h", "duration: 10s");
    sim_scenarios::scenario::parse_scenario(
        "chaos.yaml",
        &format!("{short}  chaos:\n    nodeFailures: [{{pool: worker, mtbf: 1s, mttr: 1s}}]\n"),
        Path::new("."),
    )
    .expect("10 failures of two nodes in 10 s is a valid (if odd) scenario");
}

/// `killContainer` against a crashed node (issue 6's failure events, §7): the machine is
/// down, its containers stopped with it, so nothing is killed and the timeline says so
/// with a Warning. Before the fix the kill was recorded as done, with no warning, on a
/// container that was not running.
#[test]
fn kill_container_on_a_crashed_node_kills_nothing() {
    let text = "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: kill-on-crashed}
spec:
  seed: 1
  duration: 5m
  cluster:
    nodePools:
      - {name: worker, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}
  events:
    - {at: 10s, failNode: worker-1}
    - {at: 20s, killContainer: {pod: p, container: app}}
    - {at: 2m, recoverNode: worker-1}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: app, image: app:1}]
";
    let mut sim = build(text);
    sim.run_until(at(300)).expect("runs");
    let warned = sim.timeline().records().iter().any(|r| {
        r.time == at(20)
            && matches!(
                &r.body,
                sim_core::timeline::RecordBody::Event { type_, message, .. }
                    if *type_ == sim_core::timeline::EventType::Warning
                        && message.contains("nothing killed")
            )
    });
    assert!(warned, "a warning that nothing was killed");
    // The reboot restarts the container once (the crash), not twice.
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            &ObjectKey::new("default", "p"),
            "status.containerStatuses[0].restartCount"
        ),
        "1"
    );
}

/// Bad input (issue 6, `spec.load`): a load entry naming a Service or workload that nothing
/// creates is pointed out with the field path. Before the fix `service: nope` was accepted
/// silently and the traffic reached no pod (the HPA then saw idle pods). It is a warning,
/// not an error, because under `kubesim serve` the learner creates the workload.
#[test]
fn load_on_an_object_nothing_creates_is_pointed_out() {
    let warning = |text: &str| {
        let scenario = sim_scenarios::scenario::parse_scenario("chaos.yaml", text, Path::new("."))
            .unwrap_or_else(|e| panic!("{e}"));
        scenario
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let scenario = |load: &str| {
        format!(
            "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {{name: load-typo}}
spec:
  duration: 1m
  load:
    - {{{load}, requestsPerSecond: {{constant: 100}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx:1.27}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
"
        )
    };
    let e = warning(&scenario("service: wbe"));
    assert!(
        e.contains("chaos.yaml:7:")
            && e.contains("spec.load[0].service")
            && e.contains("Service \"default/wbe\" is not created"),
        "{e}"
    );
    let e = warning(&scenario("target: statefulset/web"));
    assert!(
        e.contains("spec.load[0].target") && e.contains("StatefulSet \"default/web\""),
        "{e}"
    );
    for good in ["service: web", "target: deployment/web"] {
        assert_eq!(warning(&scenario(good)), "", "{good}");
    }
}
