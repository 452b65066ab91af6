//! Load models and the metrics they feed: request-rate curves (constant, steps, ramp,
//! diurnal, CSV), spreading over the Ready endpoints of a Service, `setLoad`, CPU and memory
//! per pod as metrics-server would report them, the availability measures of the run
//! summary, and bad `spec.load` input.

mod common;

use std::path::Path;

use sim_core::metrics::{pod_metrics, usage_at, LoadShares};
use sim_core::objects::{ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_scenarios::availability::availability;
use sim_scenarios::scenario::parse_scenario;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// Deployment `web` of `replicas` (500m requested) and a Service `web` selecting it; pods
/// labelled `slow=yes` (by the annotation-free template they never are) aside.
fn web(replicas: u32, readiness: bool) -> String {
    let probe = if readiness {
        "          readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}\n"
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  \
         replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
         metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: web\n          \
         image: nginx:1.27\n          resources: {{requests: {{cpu: 500m}}}}\n{probe}---\n\
         apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  selector: {{app: web}}\n  \
         ports: [{{port: 80}}]\n"
    )
}

fn scenario(spec_extra: &str, docs: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: load}}\nspec:\n  \
         duration: 2h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"16\", memory: 64Gi}}}}\n{spec_extra}---\n{docs}"
    )
}

fn build(text: &str, dir: &Path) -> Simulation {
    common::build_simulation("load.yaml", text, dir)
}

fn web_pods(sim: &Simulation) -> Vec<&Pod> {
    sim.store()
        .list_namespace::<Pod>("default")
        .filter(|p| p.meta.labels.get("app").map(String::as_str) == Some("web"))
        .collect()
}

/// Milli-requests per second reaching each web pod at `secs`, in pod name order.
fn shares(sim: &Simulation, secs: u64) -> Vec<u64> {
    let store = sim.store();
    let shares = LoadShares::at(store, store.metrics_source(), at(secs));
    web_pods(sim)
        .iter()
        .map(|p| shares.of(&p.meta.key()).0)
        .collect()
}

/// 1000 req/s over three Ready endpoints: 333.334 to the first pod in name order and
/// 333.333 to the others (integers in milli-requests, the remainder to the first).
#[test]
fn load_is_spread_evenly_over_ready_endpoints() {
    let spec = "  load:\n    - service: web\n      requestsPerSecond: {constant: 1000}\n";
    let mut sim = build(&scenario(spec, &web(3, false)), Path::new("."));
    sim.run_until(at(30)).expect("runs");
    assert_eq!(shares(&sim, 30), [333_334, 333_333, 333_333]);
}

/// Pods that are not Ready endpoints get nothing: before the readiness probe passes the
/// whole load is unassigned; a pod being deleted leaves the endpoints at once and the
/// others share its part.
#[test]
fn not_ready_and_terminating_pods_receive_no_load() {
    let spec = "  behaviours:\n    - {selector: app=web, readyAfter: 20s, ignoreTerm: true}\n  \
                load:\n    - service: web\n      requestsPerSecond: {constant: 900}\n  \
                events:\n    - at: 60s\n      delete: {selector: app=web, count: 1}\n";
    let mut sim = build(&scenario(spec, &web(3, true)), Path::new("."));
    sim.run_until(at(10)).expect("runs");
    assert_eq!(shares(&sim, 10), [0, 0, 0], "no Ready endpoint yet");
    sim.run_until(at(30)).expect("runs");
    assert_eq!(shares(&sim, 30), [300_000, 300_000, 300_000]);
    sim.run_until(at(61)).expect("runs");
    let mut now: Vec<u64> = shares(&sim, 61);
    now.sort_unstable();
    // The terminating pod (TERM ignored, still there) gets 0; a replacement is not Ready yet.
    assert_eq!(now, [0, 0, 450_000, 450_000]);
}

/// Steps, ramp and diurnal curves through the scenario file, read through the shares of a
/// single pod; `setLoad` replaces a curve at its instant.
#[test]
fn curves_follow_the_scenario() {
    let spec = "  load:\n    - target: deployment/web\n      requestsPerSecond:\n        \
                ramp: {from: 100, to: 1100, over: 100s, start: 100s}\n  \
                events:\n    - at: 1000s\n      setLoad:\n        target: deployment/web\n        \
                requestsPerSecond:\n          diurnal: {min: 100, max: 1000, period: 1h, peakAt: 30m}\n    \
                - at: 1h\n      setLoad:\n        target: deployment/web\n        \
                requestsPerSecond:\n          steps: [{at: 0s, value: 7}, {at: 4000s, value: 9}]\n";
    let mut sim = build(&scenario(spec, &web(1, false)), Path::new("."));
    let mut series = Vec::new();
    for t in [50, 150, 300, 1800, 2700, 3600, 3999, 4000] {
        sim.run_until(at(t)).expect("runs");
        series.push(shares(&sim, t)[0] / 1000);
    }
    assert_eq!(series, [100, 600, 1100, 1000, 550, 7, 7, 9]);
}

/// A CSV series (`seconds,rate`, header and comments allowed): straight lines between the
/// points.
#[test]
fn csv_series_is_interpolated() {
    let dir = common::scratch("load-csv");
    common::write(
        &dir,
        "rps.csv",
        "seconds,rate\n# a spike\n0,100\n60,700\n120,100\n",
    );
    let spec = "  load:\n    - target: deployment/web\n      requestsPerSecond: {csv: rps.csv}\n";
    let mut sim = build(&scenario(spec, &web(1, false)), &dir);
    let mut series = Vec::new();
    for t in [30, 60, 90, 200] {
        sim.run_until(at(t)).expect("runs");
        series.push(shares(&sim, t)[0] / 1000);
    }
    assert_eq!(series, [400, 700, 400, 100]);
}

/// CPU = the behaviour's idle `cpu` + share × `cpuPerRequest` (first container); memory =
/// `memory` + growth × seconds running + share × `memoryPerRequest`. metrics-server has no
/// sample during the first 15 s of a container; the kubelet's view has usage at once.
#[test]
fn usage_combines_behaviour_and_load() {
    let spec = "  behaviours:\n    - {selector: app=web, cpu: 20m, memory: 100Mi, memoryGrowthPerSecond: 1Mi}\n  \
                load:\n    - service: web\n      requestsPerSecond: {constant: 200}\n      \
                cpuPerRequest: 2m\n      memoryPerRequest: 100Ki\n";
    let mut sim = build(&scenario(spec, &web(2, false)), Path::new("."));
    sim.run_until(at(10)).expect("runs");
    let store = sim.store();
    let source = store.metrics_source();
    let shares = LoadShares::at(store, source, at(10));
    let pod = web_pods(&sim)[0];
    assert!(
        pod_metrics(store, source, &shares, pod, at(10)).is_none(),
        "no sample yet"
    );
    let usage = usage_at(store, source, &shares, pod, at(10)).expect("running");
    assert_eq!(usage.cpu_millis(None), 20 + 100 * 2);
    assert_eq!(
        usage.memory_bytes(None),
        (100 << 20) + 10 * (1 << 20) + 100 * 100 * 1024
    );
    sim.run_until(at(20)).expect("runs");
    let store = sim.store();
    let shares = LoadShares::at(store, store.metrics_source(), at(20));
    let sample = pod_metrics(
        store,
        store.metrics_source(),
        &shares,
        web_pods(&sim)[0],
        at(20),
    )
    .expect("a complete window");
    assert_eq!(sample.request_rate_milli, 100_000);
    assert_eq!(sample.timestamp, at(20));
}

/// Availability from the timeline: 3 pods of 6 CPU wanted on a 16-CPU node, Ready 20 s
/// after they start: 20 s with no ready replica (3 × 20 = 60 replica-seconds below
/// desired), then 2 Ready and the third Pending for good (80 more by t=100, and 100
/// pod-seconds Pending).
#[test]
fn availability_measures_come_from_the_timeline() {
    let spec = "  behaviours:\n    - {selector: app=web, readyAfter: 20s}\n";
    let docs = web(3, true).replace("cpu: 500m", "cpu: \"6\"");
    let mut sim = build(&scenario(spec, &docs), Path::new("."));
    sim.run_until(at(100)).expect("runs");
    let report = availability(sim.store(), sim.timeline(), at(100));
    assert_eq!(report.workloads.len(), 1);
    let w = &report.workloads[0];
    assert_eq!(w.key, ObjectKey::new("default", "web"));
    assert_eq!(w.zero_ready_ms, 20_000);
    assert_eq!(w.below_desired_replica_ms, 60_000 + 80_000);
    assert_eq!(w.pending_pod_ms, 100_000, "the third 6-CPU pod never fits");
    assert_eq!(w.evictions_blocked, 0);
}

fn errors(spec: &str) -> String {
    match parse_scenario("load.yaml", &scenario(spec, &web(1, false)), Path::new(".")) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

/// Bad load input is reported with the field path.
#[test]
fn bad_load_input_is_located() {
    let e = errors(
        "  load:\n    - service: web\n      target: deployment/web\n      requestsPerSecond: {constant: 1}\n",
    );
    assert!(
        e.contains("spec.load[0]") && e.contains("exactly one of `service`"),
        "{e}"
    );
    let e = errors("  load:\n    - service: web\n      requestsPerSecond: {constant: 1, ramp: {from: 1, to: 2, over: 1m}}\n");
    assert!(
        e.contains("spec.load[0].requestsPerSecond") && e.contains("found 2"),
        "{e}"
    );
    let e = errors("  load:\n    - service: web\n      requestsPerSecond: {constant: lots}\n");
    assert!(e.contains("spec.load[0].requestsPerSecond.constant"), "{e}");
    let e = errors("  load:\n    - service: web\n      requestsPerSecond: {constant: 1}\n      cpuPerRequst: 1m\n");
    assert!(e.contains("cpuPerRequst"), "{e}");
    let e = errors(
        "  events:\n    - at: 10s\n      setLoad: {service: api, requestsPerSecond: {constant: 1}}\n",
    );
    assert!(
        e.contains("spec.events[0].setLoad") && e.contains("no spec.load entry"),
        "{e}"
    );
    let e = errors("  load:\n    - target: pod/web\n      requestsPerSecond: {constant: 1}\n");
    assert!(e.contains("spec.load[0].target"), "{e}");
    let dir = common::scratch("load-bad-csv");
    common::write(&dir, "rps.csv", "0,1\n10,x\n");
    let text = scenario(
        "  load:\n    - service: web\n      requestsPerSecond: {csv: rps.csv}\n",
        &web(1, false),
    );
    let e = parse_scenario("load.yaml", &text, &dir)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("rps.csv:2"), "{e}");
}
