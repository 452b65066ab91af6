//! HorizontalPodAutoscaler end to end: the controller's arithmetic against golden cases
//! G18, G20 and G21 of k8s-semantics.md (§5.1–5.12), tolerance edges, unready and missing
//! pods, autoscaling/v1 manifests, behavior policies, the table and bad manifests.
//!
//! Syncs run on the 15 s grid from the HPA's creation (first at t=15 for an HPA applied
//! at t=0). Pods start at once and are Ready without a readiness probe, so their metrics
//! are complete one metrics window (15 s) after they start.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// A Deployment `web` of `replicas` pods with one container requesting `request` CPU.
fn deployment(replicas: u32, request: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  \
         replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
         metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: web\n          \
         image: nginx:1.27\n          resources: {{requests: {{cpu: {request}}}}}\n"
    )
}

/// An autoscaling/v2 HPA on deployment/web targeting `utilization` % CPU, with extra spec
/// lines (`behavior`, ...), indented by two spaces.
fn hpa(min: u32, max: u32, utilization: u32, extra: &str) -> String {
    format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\nspec:\n  \
         scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  \
         minReplicas: {min}\n  maxReplicas: {max}\n  metrics:\n    - type: Resource\n      \
         resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {utilization}}}}}\n{extra}"
    )
}

/// A scenario on one big node; `spec_extra` goes under `spec:` (behaviours, load, events).
fn scenario(spec_extra: &str, docs: &[String]) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: hpa}}\nspec:\n  \
         duration: 30m\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"64\", memory: 256Gi}}}}\n{spec_extra}---\n{}",
        docs.join("---\n")
    )
}

/// Every pod of `web` uses `cpu` without load.
fn base_cpu(cpu: &str) -> String {
    format!("  behaviours:\n    - {{selector: app=web, cpu: {cpu}}}\n")
}

fn build(text: &str) -> Simulation {
    common::build_simulation("hpa.yaml", text, Path::new("."))
}

fn replicas_at(sim: &mut Simulation, secs: u64) -> String {
    sim.run_until(at(secs)).expect("runs");
    common::object_field(
        sim,
        Kind::Deployment,
        &ObjectKey::new("default", "web"),
        "spec.replicas",
    )
}

fn hpa_field(sim: &Simulation, path: &str) -> String {
    common::object_field(
        sim,
        Kind::HorizontalPodAutoscaler,
        &ObjectKey::new("default", "web"),
        path,
    )
}

/// (time in seconds, message) of every event with `reason`.
fn events(sim: &Simulation, reason: &str) -> Vec<(u64, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: found,
                message,
                ..
            } if found == reason => Some((r.time.as_secs(), message.clone())),
            _ => None,
        })
        .collect()
}

/// The replica counts at each of `times`.
fn replica_series(sim: &mut Simulation, times: &[u64]) -> Vec<String> {
    times.iter().map(|&t| replicas_at(sim, t)).collect()
}

/// G18: 3 pods requesting 500m, each using 400m, target 50 %, no behavior: at the first sync
/// utilization = 1200 × 100 / 1500 = 80 %, ratio 1.6, desired ceil(4.8) = 5, under the cap
/// max(2 × 3, 4) = 6 ⇒ 5 (§5.1, §5.10).
#[test]
fn g18_scale_up_arithmetic() {
    let text = scenario(
        &base_cpu("400m"),
        &[deployment(3, "500m"), hpa(1, 10, 50, "")],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 14), "3", "no sync before t=15");
    assert_eq!(hpa_field(&sim, "status.currentReplicas"), "0");
    assert_eq!(replicas_at(&mut sim, 15), "5");
    assert_eq!(
        hpa_field(
            &sim,
            "status.currentMetrics[0].resource.current.averageUtilization"
        ),
        "80"
    );
    assert_eq!(
        hpa_field(
            &sim,
            "status.currentMetrics[0].resource.current.averageValue"
        ),
        "400m"
    );
    assert_eq!(hpa_field(&sim, "status.desiredReplicas"), "5");
    assert_eq!(hpa_field(&sim, "status.currentReplicas"), "3");
    assert_eq!(
        events(&sim, "SuccessfulRescale"),
        vec![(
            15,
            "New size: 5; reason: cpu resource utilization (percentage of request) above target"
                .to_string()
        )]
    );
    assert_eq!(
        hpa_field(&sim, "status.conditions[0].reason"),
        "SucceededRescale"
    );
    assert_eq!(
        hpa_field(&sim, "status.conditions[1].reason"),
        "ValidMetricFound"
    );
    assert_eq!(
        hpa_field(&sim, "status.conditions[2].reason"),
        "DesiredWithinRange"
    );
    // 5 pods at 400m: 80 % still, ratio 1.6 ⇒ ceil(8) = 8, under the cap of 10.
    assert_eq!(replicas_at(&mut sim, 30), "8");
}

/// The `kubectl get hpa` row: `<unknown>/50%` before the first metrics, then `cpu: 80%/50%`.
#[test]
fn get_hpa_table_has_kubectls_columns() {
    let text = scenario(
        &base_cpu("400m"),
        &[deployment(3, "500m"), hpa(1, 10, 50, "")],
    );
    let mut sim = build(&text);
    let table = |sim: &Simulation, secs: u64| {
        let mut out = String::new();
        sim_scenarios::tables::get_table(
            sim.store(),
            Kind::HorizontalPodAutoscaler,
            sim_scenarios::tables::GetOptions {
                namespace: Some("default"),
                prefix_kind: false,
            },
            at(secs),
            &mut out,
        );
        out
    };
    sim.run_until(at(5)).expect("runs");
    let before = table(&sim, 5);
    let header: Vec<&str> = before
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE"
        ]
    );
    assert!(
        before.contains("Deployment/web   cpu: <unknown>/50%"),
        "{before}"
    );
    sim.run_until(at(15)).expect("runs");
    let after = table(&sim, 15);
    assert!(after.contains("cpu: 80%/50%"), "{after}");
    let row: Vec<&str> = after
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(row[4..7], ["1", "10", "3"], "{after}");
}

/// Load that keeps 5 pods of 500m at 50 % (250 req/s each at 1m per request) until t=400,
/// then drops to 100m per pod (recommendation 2).
fn g20_text(behavior: &str) -> String {
    let spec =
        "  load:\n    - target: deployment/web\n      requestsPerSecond: {constant: 1250}\n      \
                cpuPerRequest: 1m\n  events:\n    - at: 400s\n      setLoad:\n        \
                target: deployment/web\n        requestsPerSecond: {constant: 500}\n";
    scenario(spec, &[deployment(5, "500m"), hpa(1, 10, 50, behavior)])
}

/// G20 (behavior nil): the first recommendation of 2 is at the t=405 sync, the last of 5 at
/// t=390; replicas stay 5 through 390 + 300 = 690 and drop to 2 at the 705 sync, once the
/// 5 is older than the 300 s window (`Before(cutoff)`) (§5.10, §5.11).
#[test]
fn g20_scale_down_waits_for_the_stabilization_window() {
    let mut sim = build(&g20_text(""));
    assert_eq!(replicas_at(&mut sim, 405), "5");
    assert_eq!(
        hpa_field(&sim, "status.conditions[0].reason"),
        "ScaleDownStabilized"
    );
    assert_eq!(
        hpa_field(
            &sim,
            "status.currentMetrics[0].resource.current.averageUtilization"
        ),
        "20"
    );
    assert_eq!(replicas_at(&mut sim, 690), "5");
    assert_eq!(replicas_at(&mut sim, 705), "2");
    let rescales = events(&sim, "SuccessfulRescale");
    assert_eq!(
        rescales,
        vec![(
            705,
            "New size: 2; reason: All metrics below target".to_string()
        )]
    );
}

/// G20 with default behavior (`behavior: {}`): the scale-down window keeps recommendations
/// strictly newer than 300 s (`After(cutoff)`), so the 5 of t=390 stops counting at 690 —
/// 285 s after the first low recommendation, inside G20's window [285, 315]; the default
/// −100 %/15 s policy allows 5 → 2 at once.
#[test]
fn g20_default_behavior_scales_down_inside_the_window() {
    let mut sim = build(&g20_text("  behavior: {}\n"));
    assert_eq!(replicas_at(&mut sim, 675), "5");
    assert_eq!(replicas_at(&mut sim, 690), "2");
}

/// G20, second half: a brand-new HPA records the current size as a recommendation at its
/// first sync (t=15), so it never scales below it during the next 300 s: 5 pods at 20 %
/// stay 5 through t=315 and become 2 at t=330 (§5.11 `recordInitialRecommendation`).
#[test]
fn g20_brand_new_hpa_keeps_the_current_size_for_300_seconds() {
    let text = scenario(
        &base_cpu("100m"),
        &[deployment(5, "500m"), hpa(1, 10, 50, "")],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 315), "5");
    assert_eq!(replicas_at(&mut sim, 330), "2");
}

/// G21 A (behavior nil): 1 replica, max 20, ratio ≥ 10 sustained ⇒ 1 → 4 (max(2 × 1, 4)),
/// 4 → 8, 8 → 16, 16 → 20, one step per 15 s sync (§5.10).
#[test]
fn g21a_legacy_scale_up_rate() {
    let text = scenario(
        &base_cpu("1000m"),
        &[deployment(1, "100m"), hpa(1, 20, 50, "")],
    );
    let mut sim = build(&text);
    assert_eq!(
        replica_series(&mut sim, &[14, 15, 30, 45, 60, 75]),
        ["1", "4", "8", "16", "20", "20"]
    );
    assert_eq!(
        hpa_field(&sim, "status.conditions[2].reason"),
        "TooManyReplicas"
    );
}

/// G21 B (`behavior: {}`, defaults filled in): 1 → 5 (max(1 + 4, 2 × 1)), 5 → 10, 10 → 20
/// (§5.9); at 1 → 5 the rate limit is what binds (`ScaleUpLimit`).
#[test]
fn g21b_default_behavior_scale_up_rate() {
    let text = scenario(
        &base_cpu("1000m"),
        &[deployment(1, "100m"), hpa(1, 20, 50, "  behavior: {}\n")],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "5");
    assert_eq!(
        hpa_field(&sim, "status.conditions[2].reason"),
        "ScaleUpLimit"
    );
    assert_eq!(hpa_field(&sim, "status.conditions[2].status"), "True");
    assert_eq!(replica_series(&mut sim, &[30, 45, 60]), ["10", "20", "20"]);
}

/// No stabilization for scale-down, so a recommendation takes effect at once.
const NO_DOWN_WINDOW: &str = "  behavior:\n    scaleDown: {stabilizationWindowSeconds: 0}\n";

/// §5.2: tolerance 0.1, inclusive at both ends. 10 pods of 1 CPU at 45 % and 55 % (ratio
/// 0.9 and 1.1) stay 10; at 44 % (0.88) they go to ceil(8.8) = 9, at 56 % (1.12) to
/// ceil(11.2) = 12.
#[test]
fn tolerance_edges_are_inclusive() {
    for (cpu, expected) in [
        ("450m", "10"),
        ("550m", "10"),
        ("440m", "9"),
        ("560m", "12"),
    ] {
        let text = scenario(
            &base_cpu(cpu),
            &[deployment(10, "1"), hpa(1, 20, 50, NO_DOWN_WINDOW)],
        );
        let mut sim = build(&text);
        assert_eq!(replicas_at(&mut sim, 15), expected, "usage {cpu}");
    }
}

/// A bare pod matching the HPA's selector is one of "its" pods, as Kubernetes lists pods by
/// the scale selector. Here: Running, never Ready (a readiness probe that never passes).
const UNREADY_POD: &str =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: slow\n  labels: {app: web}\n  \
     annotations: {kubesim.io/ready-after: 1h}\nspec:\n  containers:\n    - name: web\n      \
     image: nginx:1.27\n      resources: {requests: {cpu: 500m}}\n      \
     readinessProbe: {httpGet: {path: /, port: 80}}\n";

/// §5.4: an unready pod is left out, then re-added at 0 % because the provisional ratio is
/// above 1. Two Ready pods at 80 % (ratio 1.6) alone would go to 4; with the unready pod at
/// 0 % the ratio is 800 × 100 / 1500 = 53 % → 1.06, within tolerance ⇒ stays 2.
#[test]
fn unready_pods_are_re_added_at_zero_when_scaling_up() {
    let text = scenario(
        &base_cpu("400m"),
        &[
            deployment(2, "500m"),
            hpa(1, 10, 50, ""),
            UNREADY_POD.to_string(),
        ],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "2");
    assert_eq!(
        hpa_field(
            &sim,
            "status.currentMetrics[0].resource.current.averageUtilization"
        ),
        "80",
        "the reported utilization is the one of the ready pods"
    );
    // The same without the unready pod scales to ceil(1.6 × 2) = 4.
    let text = scenario(
        &base_cpu("400m"),
        &[deployment(2, "500m"), hpa(1, 10, 50, "")],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "4");
}

/// A pod whose second container crash-loops: Running, but metrics-server has no complete
/// sample of it, so it is "missing".
const MISSING_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: crashy\n  labels: {app: web}\n  \
     annotations: {kubesim.io/exit-code.crash: \"1\"}\nspec:\n  containers:\n    - name: web\n      \
     image: nginx:1.27\n      resources: {requests: {cpu: 250m}}\n    - name: crash\n      \
     image: busybox:1.36\n      resources: {requests: {cpu: 250m}}\n";

/// §5.4: on a scale-down a missing pod counts at 100 % of its request. Two pods at 10 %
/// (ratio 0.2) would go to 1; with the missing pod at 500m the ratio is 600 × 100 / 1500 =
/// 40 % → 0.8, and ceil(0.8 × 3) = 3 would be a scale-up, a flip of direction ⇒ stays 2.
#[test]
fn missing_pods_count_at_their_request_when_scaling_down() {
    let text = scenario(
        &base_cpu("50m"),
        &[
            deployment(2, "500m"),
            hpa(1, 10, 50, NO_DOWN_WINDOW),
            MISSING_POD.to_string(),
        ],
    );
    let mut sim = build(&text);
    assert_eq!(replica_series(&mut sim, &[15, 30, 45]), ["2", "2", "2"]);
    let text = scenario(
        &base_cpu("50m"),
        &[deployment(2, "500m"), hpa(1, 10, 50, NO_DOWN_WINDOW)],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "1");
}

/// autoscaling/v1: `targetCPUUtilizationPercentage` becomes a v2 Resource metric and
/// `behavior` stays nil, so G18's arithmetic and the legacy path apply.
#[test]
fn v1_manifest_converts_to_a_cpu_metric() {
    let v1 = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
              spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
              maxReplicas: 10\n  targetCPUUtilizationPercentage: 50\n";
    let text = scenario(&base_cpu("400m"), &[deployment(3, "500m"), v1.to_string()]);
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "5");
    assert_eq!(hpa_field(&sim, "apiVersion"), "autoscaling/v2");
    assert_eq!(hpa_field(&sim, "spec.minReplicas"), "1");
    assert_eq!(
        hpa_field(&sim, "spec.metrics[0].resource.target.averageUtilization"),
        "50"
    );
    assert_eq!(hpa_field(&sim, "spec.behavior"), "<absent>");
}

/// §5.8: without metrics the HPA targets 80 % CPU.
#[test]
fn no_metrics_defaults_to_cpu_80_percent() {
    let bare = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
                spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                maxReplicas: 10\n";
    let text = scenario(
        &base_cpu("400m"),
        &[deployment(3, "500m"), bare.to_string()],
    );
    let mut sim = build(&text);
    // 80 % / 80 % = 1.0 ⇒ no change.
    assert_eq!(replicas_at(&mut sim, 15), "3");
    assert_eq!(
        hpa_field(&sim, "spec.metrics[0].resource.target.averageUtilization"),
        "80"
    );
}

/// §5.9: `selectPolicy: Min` over {+1 pod, +100 %} per 15 s takes the smaller step: 1 → 2
/// → 3 → 4; `Disabled` never scales up (`ScalingLimited` True, `ScaleUpLimit`).
#[test]
fn behavior_select_policy_min_and_disabled() {
    let min = "  behavior:\n    scaleUp:\n      selectPolicy: Min\n      policies:\n        \
               - {type: Pods, value: 1, periodSeconds: 15}\n        \
               - {type: Percent, value: 100, periodSeconds: 15}\n";
    let text = scenario(
        &base_cpu("1000m"),
        &[deployment(1, "100m"), hpa(1, 20, 50, min)],
    );
    let mut sim = build(&text);
    assert_eq!(replica_series(&mut sim, &[15, 30, 45]), ["2", "3", "4"]);

    let disabled = "  behavior:\n    scaleUp: {selectPolicy: Disabled}\n";
    let text = scenario(
        &base_cpu("1000m"),
        &[deployment(1, "100m"), hpa(1, 20, 50, disabled)],
    );
    let mut sim = build(&text);
    assert_eq!(replica_series(&mut sim, &[15, 60]), ["1", "1"]);
    assert_eq!(
        hpa_field(&sim, "status.conditions[2].reason"),
        "ScaleUpLimit"
    );
    assert_eq!(hpa_field(&sim, "status.desiredReplicas"), "1");
}

/// §5.9: a scale-down policy of 1 pod per 60 s counts the controller's own changes of the
/// last period: 10 → 9 at t=15, then nothing until the t=15 change is 60 s old (`After`
/// is strict), 9 → 8 at t=75.
#[test]
fn behavior_scale_down_policy_period() {
    let slow = "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n      \
                policies: [{type: Pods, value: 1, periodSeconds: 60}]\n";
    let text = scenario(
        &base_cpu("100m"),
        &[deployment(10, "1"), hpa(1, 20, 50, slow)],
    );
    let mut sim = build(&text);
    assert_eq!(
        replica_series(&mut sim, &[15, 30, 60, 75]),
        ["9", "9", "9", "8"]
    );
    assert_eq!(
        hpa_field(&sim, "status.conditions[2].reason"),
        "ScaleDownLimit"
    );
}

/// A Pods metric (`requests_per_second` from the load model): 1000 req/s over 2 pods is 500
/// each, target 100 ⇒ ratio 5 ⇒ ceil(10), capped at max(2 × 2, 4) = 4 by the legacy path.
#[test]
fn pods_metric_from_the_load_model() {
    let pods_hpa =
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
                    spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                    maxReplicas: 10\n  metrics:\n    - type: Pods\n      pods:\n        \
                    metric: {name: requests_per_second}\n        \
                    target: {type: AverageValue, averageValue: \"100\"}\n";
    let spec = "  load:\n    - target: deployment/web\n      requestsPerSecond: {constant: 1000}\n";
    let text = scenario(spec, &[deployment(2, "100m"), pods_hpa.to_string()]);
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "4");
    assert_eq!(
        hpa_field(&sim, "status.currentMetrics[0].pods.current.averageValue"),
        "500"
    );
    assert_eq!(
        events(&sim, "SuccessfulRescale")[0].1,
        "New size: 4; reason: pods metric requests_per_second above target"
    );
}

/// §5.7: a target scaled to 0 disables autoscaling (`ScalingActive` False,
/// `ScalingDisabled`).
#[test]
fn zero_replicas_disable_autoscaling() {
    let spec = format!(
        "{}  events:\n    - {{at: 20s, scale: {{object: deployment/web, replicas: 0}}}}\n",
        base_cpu("1000m")
    );
    let text = scenario(&spec, &[deployment(1, "100m"), hpa(1, 20, 50, "")]);
    let mut sim = build(&text);
    assert_eq!(replica_series(&mut sim, &[15, 30, 60]), ["4", "0", "0"]);
    assert_eq!(
        hpa_field(&sim, "status.conditions[1].reason"),
        "ScalingDisabled"
    );
}

/// A container without a CPU request makes utilization uncomputable: `ScalingActive`
/// False with the controller's message, and the `FailedGetResourceMetric` warning once.
#[test]
fn missing_request_stops_scaling_with_the_controllers_message() {
    let no_request =
        deployment(2, "100m").replace("          resources: {requests: {cpu: 100m}}\n", "");
    let text = scenario(&base_cpu("100m"), &[no_request, hpa(1, 10, 50, "")]);
    let mut sim = build(&text);
    assert_eq!(replica_series(&mut sim, &[15, 60]), ["2", "2"]);
    assert_eq!(hpa_field(&sim, "status.conditions[1].status"), "False");
    let message = hpa_field(&sim, "status.conditions[1].message");
    assert!(
        message.starts_with(
            "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container web of Pod web-"
        ),
        "{message}"
    );
    assert_eq!(events(&sim, "FailedGetResourceMetric").len(), 1);
}

fn errors(docs: &[String]) -> String {
    match parse_scenario("hpa.yaml", &scenario("", docs), Path::new(".")) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

/// The API server's validation messages, with the field path and line.
#[test]
fn bad_hpa_manifests_are_rejected() {
    let e = errors(&[hpa(5, 3, 50, "")]);
    assert!(
        e.contains("spec.maxReplicas")
            && e.contains("Invalid value: 3: must be greater than or equal to `minReplicas`"),
        "{e}"
    );
    let e = errors(&[hpa(0, 3, 50, "")]);
    assert!(
        e.contains("spec.minReplicas") && e.contains("must be greater than or equal to 1"),
        "{e}"
    );
    let e = errors(&[hpa(1, 3, 0, "")]);
    assert!(
        e.contains("spec.metrics[0].resource.target.averageUtilization")
            && e.contains("must be greater than 0"),
        "{e}"
    );
    let bad_policy =
        "  behavior:\n    scaleUp:\n      policies: [{type: Pod, value: 0, periodSeconds: 15}]\n";
    let e = errors(&[hpa(1, 3, 50, bad_policy)]);
    assert!(
        e.contains("spec.behavior.scaleUp.policies[0].type")
            && e.contains("Unsupported value: \"Pod\": supported values: \"Percent\", \"Pods\""),
        "{e}"
    );
    assert!(
        e.contains("spec.behavior.scaleUp.policies[0].value")
            && e.contains("must be greater than zero"),
        "{e}"
    );
    let unknown = "  behavior:\n    scaleUp: {stabilisationWindowSeconds: 10}\n";
    let e = errors(&[hpa(1, 3, 50, unknown)]);
    assert!(e.contains("stabilisationWindowSeconds"), "{e}");
    let no_max = hpa(1, 3, 50, "").replace("  maxReplicas: 3\n", "");
    let e = errors(&[no_max]);
    assert!(e.contains("maxReplicas"), "{e}");
}

/// `kubectl describe hpa`: the metric line with current and target, the pod counts and the
/// conditions with the controller's messages.
#[test]
fn describe_hpa_reads_like_kubectl() {
    let text = scenario(
        &base_cpu("400m"),
        &[deployment(3, "500m"), hpa(1, 10, 50, "")],
    );
    let mut sim = build(&text);
    sim.run_until(at(15)).expect("runs");
    let out = sim_scenarios::describe::describe(
        sim.store(),
        sim.timeline(),
        Kind::HorizontalPodAutoscaler,
        &ObjectKey::new("default", "web"),
        at(15),
    )
    .expect("found");
    let squeezed: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for line in [
        "Reference: Deployment/web",
        "resource cpu on pods (as a percentage of request): 80% (400m) / 50%",
        "Deployment pods: 3 current / 5 desired",
        "AbleToScale True SucceededRescale the HPA controller was able to update the target scale to 5",
    ] {
        assert!(squeezed.iter().any(|l| l == line), "{line:?} in\n{out}");
    }
}

/// §5.2 VERSION NOTE: a per-direction `tolerance` (HPAConfigurableTolerance, on in 1.35+).
/// 10 pods at 53 % (ratio 1.06) stay 10 under the default 0.1, and go to ceil(10.6) = 11
/// with `scaleUp.tolerance: 0.05`.
#[test]
fn configurable_tolerance_per_direction() {
    let text = scenario(
        &base_cpu("530m"),
        &[deployment(10, "1"), hpa(1, 20, 50, "  behavior: {}\n")],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "10");
    let tight = "  behavior:\n    scaleUp: {tolerance: \"0.05\"}\n";
    let text = scenario(
        &base_cpu("530m"),
        &[deployment(10, "1"), hpa(1, 20, 50, tight)],
    );
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "11");
    assert_eq!(hpa_field(&sim, "spec.behavior.scaleUp.tolerance"), "50m");
}

/// A ContainerResource metric reads one container: with a sidecar requesting as much and
/// using nothing, the pod's utilization is 40 % but the web container's is 80 % ⇒ 3 → 5.
#[test]
fn container_resource_metric_reads_one_container() {
    let two = deployment(3, "500m").replace(
        "          resources: {requests: {cpu: 500m}}\n",
        "          resources: {requests: {cpu: 500m}}\n        - name: log\n          \
         image: fluent-bit:3\n          resources: {requests: {cpu: 500m}}\n",
    );
    let container_hpa = hpa(1, 10, 50, "").replace(
        "    - type: Resource\n      resource: {name: cpu,",
        "    - type: ContainerResource\n      containerResource: {name: cpu, container: web,",
    );
    let spec = "  behaviours:\n    - {selector: app=web, container: web, cpu: 400m}\n";
    let text = scenario(spec, &[two, container_hpa]);
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 15), "5");
    assert_eq!(
        hpa_field(
            &sim,
            "status.currentMetrics[0].containerResource.current.averageUtilization"
        ),
        "80"
    );
    assert_eq!(
        events(&sim, "SuccessfulRescale")[0].1,
        "New size: 5; reason: cpu container resource utilization (percentage of request) above target"
    );
}

/// A Pods metric nobody serves: `ScalingActive` False (`FailedGetPodsMetric`) with the
/// replica calculator's error, and `FailedComputeMetricsReplicas` quoting the wrapped one.
#[test]
fn unknown_pods_metric_is_reported_like_the_controller() {
    let pods_hpa =
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
                    spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                    maxReplicas: 10\n  metrics:\n    - type: Pods\n      pods:\n        \
                    metric: {name: queue_depth}\n        \
                    target: {type: AverageValue, averageValue: \"10\"}\n";
    let text = scenario("", &[deployment(2, "100m"), pods_hpa.to_string()]);
    let mut sim = build(&text);
    assert_eq!(replicas_at(&mut sim, 30), "2");
    assert_eq!(
        hpa_field(&sim, "status.conditions[1].message"),
        "the HPA was unable to compute the replica count: unable to get metric queue_depth: no metrics returned from custom metrics API"
    );
    assert_eq!(
        events(&sim, "FailedComputeMetricsReplicas"),
        vec![(
            15,
            "invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric queue_depth: no metrics returned from custom metrics API"
                .to_string()
        )]
    );
}

/// The scale subresource of a StatefulSet is driven the same way; a target that does not
/// exist is `AbleToScale` False (`FailedGetScale`) with the API server's not-found error.
#[test]
fn statefulset_target_and_missing_target() {
    let sts = deployment(3, "500m")
        .replace("kind: Deployment", "kind: StatefulSet")
        .replace("spec:\n  replicas", "spec:\n  serviceName: web\n  replicas");
    let sts_hpa = hpa(1, 10, 50, "").replace("kind: Deployment", "kind: StatefulSet");
    let text = scenario(&base_cpu("400m"), &[sts, sts_hpa]);
    let mut sim = build(&text);
    sim.run_until(at(15)).expect("runs");
    assert_eq!(
        common::object_field(
            &sim,
            Kind::StatefulSet,
            &ObjectKey::new("default", "web"),
            "spec.replicas"
        ),
        "5"
    );

    let text = scenario(
        "",
        &[hpa(1, 10, 50, "").replace("name: web}\n  minReplicas", "name: api}\n  minReplicas")],
    );
    let mut sim = build(&text);
    sim.run_until(at(15)).expect("runs");
    assert_eq!(hpa_field(&sim, "status.conditions[0].status"), "False");
    assert_eq!(
        hpa_field(&sim, "status.conditions[0].message"),
        "the HPA controller was unable to get the target's current scale: deployments.apps \"api\" not found"
    );
    assert_eq!(events(&sim, "FailedGetScale").len(), 1);
}
