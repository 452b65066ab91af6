//! StatefulSets against k8s-semantics §8.1–8.3 and golden case G27, and their
//! PersistentVolumeClaims. Controller latency is 0; pods become Ready 10 s after their
//! container starts (a 1 s readiness probe with `ready-after: 10s`), and ignore TERM, so a
//! deletion takes the whole 30 s grace period.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::run::RunOptions;
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::view::lookup;

/// A StatefulSet `web` with `replicas`, extra spec lines `spec` (indented two spaces) and
/// template annotations `annotations` (a flow map body).
fn statefulset(replicas: u32, spec: &str, annotations: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: web}}\nspec:\n  replicas: \
         {replicas}\n  serviceName: web\n  selector: {{matchLabels: {{app: web}}}}\n{spec}  \
         template:\n    metadata:\n      labels: {{app: web}}\n      annotations: \
         {{kubesim.io/ready-after: 10s, kubesim.io/ignore-term: \"true\"{annotations}}}\n    \
         spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          \
         readinessProbe: {{exec: {{command: [\"true\"]}}, periodSeconds: 1}}\n  \
         volumeClaimTemplates:\n    - metadata: {{name: data}}\n      spec: {{accessModes: \
         [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n"
    )
}

fn simulation(events: &str, manifest: &str) -> Simulation {
    let events = if events.is_empty() {
        String::new()
    } else {
        format!("  events:\n{events}")
    };
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: sts}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 2, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n{events}---\n{manifest}"
    );
    common::build_simulation("sts.yaml", &text, Path::new("."))
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(seconds))
        .expect("runs");
}

fn field(sim: &Simulation, kind: Kind, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &ObjectKey::new("default", name), path)
}

fn exists(sim: &Simulation, kind: Kind, name: &str) -> bool {
    lookup(sim.store(), kind, &ObjectKey::new("default", name)).is_some()
}

/// Seconds at which `kind/name` was created (each time), from the timeline.
fn times(sim: &Simulation, kind: Kind, name: &str, created: bool) -> Vec<u64> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == kind && r.object.key.name == name)
        .filter(|r| {
            if created {
                matches!(r.body, RecordBody::Created)
            } else {
                matches!(r.body, RecordBody::Deleted)
            }
        })
        .map(|r| r.time.saturating_since(SimTime::ZERO).as_secs())
        .collect()
}

/// When the deletion of pod `name` started (its deletionTimestamp was set), in seconds.
fn deletion_started(sim: &Simulation, name: &str) -> Vec<u64> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod && r.object.key.name == name)
        .filter(|r| {
            matches!(&r.body, RecordBody::Changed { field, from, .. }
                if field == "metadata.deletionTimestamp" && from == "<none>")
        })
        .map(|r| r.time.saturating_since(SimTime::ZERO).as_secs())
        .collect()
}

fn sts_events(sim: &Simulation, reason: &str) -> Vec<String> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason && r.object.kind == Kind::StatefulSet => Some(message.clone()),
            _ => None,
        })
        .collect()
}

fn pod_names(sim: &Simulation) -> Vec<String> {
    sim.store()
        .list::<Pod>()
        .map(|p| p.meta.name.clone())
        .collect()
}

/// G27 action A (§8.2): with OrderedReady, web-0 is created at 0, web-1 once web-0 is
/// Ready (≈R = 10 s), web-2 at ≈2R, all Ready at ≈3R; each pod's claim is created just
/// before it, with the controller's event messages.
#[test]
fn g27_a_ordered_ready_creates_one_at_a_time() {
    let mut sim = simulation("", &statefulset(3, "", ""));
    run_to(&mut sim, 60);
    assert_eq!(times(&sim, Kind::Pod, "web-0", true), [0]);
    assert_eq!(times(&sim, Kind::Pod, "web-1", true), [10]);
    assert_eq!(times(&sim, Kind::Pod, "web-2", true), [20]);
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.readyReplicas"),
        "3"
    );
    assert_eq!(
        times(&sim, Kind::PersistentVolumeClaim, "data-web-2", true),
        [20]
    );
    assert_eq!(
        sts_events(&sim, "SuccessfulCreate")[..2],
        [
            "create Claim data-web-0 Pod web-0 in StatefulSet web success",
            "create Pod web-0 in StatefulSet web successful",
        ]
    );
    // Identity: labels, hostname/subdomain, the claim as a volume.
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "web-1",
            "metadata.labels[statefulset.kubernetes.io/pod-name]"
        ),
        "web-1"
    );
    assert_eq!(field(&sim, Kind::Pod, "web-1", "spec.hostname"), "web-1");
    assert_eq!(field(&sim, Kind::Pod, "web-1", "spec.subdomain"), "web");
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "web-1",
            "spec.volumes[data].persistentVolumeClaim.claimName"
        ),
        "data-web-1"
    );
    assert_eq!(
        field(
            &sim,
            Kind::PersistentVolumeClaim,
            "data-web-1",
            "status.phase"
        ),
        "Bound"
    );
    let revision = field(&sim, Kind::StatefulSet, "web", "status.currentRevision");
    assert!(revision.starts_with("web-"), "{revision}");
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "web-2",
            "metadata.labels.controller-revision-hash"
        ),
        revision
    );
}

/// G27 action A with `Parallel`: all pods are created at 0.
#[test]
fn g27_a_parallel_creates_all_at_once() {
    let mut sim = simulation("", &statefulset(3, "  podManagementPolicy: Parallel\n", ""));
    run_to(&mut sim, 30);
    for name in ["web-0", "web-1", "web-2"] {
        assert_eq!(times(&sim, Kind::Pod, name, true), [0], "{name}");
    }
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.readyReplicas"),
        "3"
    );
}

/// G27 action B: scale 3→0 at 100 s with TGPS 30 and TERM ignored: web-2 is deleted at
/// once, web-1 when web-2 is gone (≈+30), web-0 at ≈+60, all gone at ≈+90. The claims
/// stay (retention Retain).
#[test]
fn g27_b_scale_down_highest_first_one_at_a_time() {
    let events = "    - at: 100s\n      scale: {object: statefulset/web, replicas: 0}\n";
    let mut sim = simulation(events, &statefulset(3, "", ""));
    run_to(&mut sim, 300);
    assert_eq!(deletion_started(&sim, "web-2"), [100]);
    assert_eq!(deletion_started(&sim, "web-1"), [130]);
    assert_eq!(deletion_started(&sim, "web-0"), [160]);
    assert_eq!(times(&sim, Kind::Pod, "web-0", false), [190]);
    assert!(pod_names(&sim).is_empty());
    assert_eq!(
        sts_events(&sim, "SuccessfulDelete"),
        [
            "delete Pod web-2 in StatefulSet web successful",
            "delete Pod web-1 in StatefulSet web successful",
            "delete Pod web-0 in StatefulSet web successful",
        ]
    );
    for claim in ["data-web-0", "data-web-1", "data-web-2"] {
        assert!(exists(&sim, Kind::PersistentVolumeClaim, claim), "{claim}");
    }
}

/// G27 action C: web-0 never becomes Ready ⇒ web-1 is never created.
#[test]
fn g27_c_unready_pod_halts_creation() {
    let mut sim = simulation(
        "",
        &statefulset(3, "", ", kubesim.io/readiness-fails-after: 0s"),
    );
    run_to(&mut sim, 600);
    assert_eq!(pod_names(&sim), ["web-0"]);
    assert_eq!(field(&sim, Kind::Pod, "web-0", "status.phase"), "Running");
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.replicas"),
        "1"
    );
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.readyReplicas"),
        "0"
    );
}

/// §8.3: a RollingUpdate with partition 1 replaces web-2 then web-1, highest first, each
/// Ready before the next; web-0 keeps the current revision.
#[test]
fn rolling_update_with_partition() {
    let spec = "  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}\n";
    let events = "    - at: 100s\n      setImage: {object: statefulset/web, container: web, \
                  image: nginx:1.28}\n";
    let mut sim = simulation(events, &statefulset(3, spec, ""));
    run_to(&mut sim, 400);
    let image =
        |sim: &Simulation, pod: &str| field(sim, Kind::Pod, pod, "spec.containers[web].image");
    assert_eq!(image(&sim, "web-2"), "nginx:1.28");
    assert_eq!(image(&sim, "web-1"), "nginx:1.28");
    assert_eq!(image(&sim, "web-0"), "nginx:1.27");
    // web-2 goes at 100 and is gone at 130 (TERM ignored), comes back at 130 and is Ready
    // at 140; only then web-1 goes.
    assert_eq!(deletion_started(&sim, "web-2"), [100]);
    assert_eq!(times(&sim, Kind::Pod, "web-2", true), [20, 130]);
    assert_eq!(deletion_started(&sim, "web-1"), [140]);
    assert_eq!(times(&sim, Kind::Pod, "web-1", true), [10, 170]);
    assert!(deletion_started(&sim, "web-0").is_empty());
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.updatedReplicas"),
        "2"
    );
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.currentReplicas"),
        "1"
    );
    assert_ne!(
        field(&sim, Kind::StatefulSet, "web", "status.currentRevision"),
        field(&sim, Kind::StatefulSet, "web", "status.updateRevision")
    );
}

/// §8.1: `maxUnavailable: 2` (MaxUnavailableStatefulSet, on since 1.35) with `Parallel`
/// replaces two pods at once, highest ordinals first; the last one once they are healthy.
#[test]
fn rolling_update_max_unavailable_two_parallel() {
    let spec = "  podManagementPolicy: Parallel\n  updateStrategy: {type: RollingUpdate, \
                rollingUpdate: {maxUnavailable: 2}}\n";
    let events = "    - at: 100s\n      setImage: {object: statefulset/web, container: web, \
                  image: nginx:1.28}\n";
    let mut sim = simulation(events, &statefulset(3, spec, ""));
    run_to(&mut sim, 400);
    assert_eq!(deletion_started(&sim, "web-2"), [100]);
    assert_eq!(deletion_started(&sim, "web-1"), [100]);
    assert_eq!(deletion_started(&sim, "web-0"), [140]);
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.updatedReplicas"),
        "3"
    );
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "status.currentRevision"),
        field(&sim, Kind::StatefulSet, "web", "status.updateRevision")
    );
}

/// §8.3 `OnDelete`: a template change replaces nothing until a pod is deleted by hand.
#[test]
fn on_delete_replaces_only_deleted_pods() {
    let spec = "  updateStrategy: {type: OnDelete}\n";
    let events = "    - at: 100s\n      setImage: {object: statefulset/web, container: web, \
                  image: nginx:1.28}\n    - at: 200s\n      delete: {object: pod/web-1, \
                  gracePeriod: 0}\n";
    let mut sim = simulation(events, &statefulset(3, spec, ""));
    run_to(&mut sim, 300);
    let image =
        |sim: &Simulation, pod: &str| field(sim, Kind::Pod, pod, "spec.containers[web].image");
    assert_eq!(image(&sim, "web-0"), "nginx:1.27");
    assert_eq!(image(&sim, "web-1"), "nginx:1.28");
    assert_eq!(image(&sim, "web-2"), "nginx:1.27");
    assert_eq!(times(&sim, Kind::Pod, "web-1", true), [10, 200]);
}

/// Claims survive a scale-down and are reused by the pod that comes back on scale-up
/// (the same claim object: same uid).
#[test]
fn claims_are_kept_on_scale_down_and_reused() {
    let events = "    - at: 100s\n      scale: {object: statefulset/web, replicas: 1}\n    - at: \
                  300s\n      scale: {object: statefulset/web, replicas: 3}\n";
    let mut sim = simulation(events, &statefulset(3, "", ""));
    run_to(&mut sim, 90);
    let uid = field(
        &sim,
        Kind::PersistentVolumeClaim,
        "data-web-2",
        "metadata.uid",
    );
    run_to(&mut sim, 250);
    assert_eq!(pod_names(&sim), ["web-0"]);
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-2"));
    run_to(&mut sim, 400);
    assert_eq!(pod_names(&sim), ["web-0", "web-1", "web-2"]);
    assert_eq!(
        field(
            &sim,
            Kind::PersistentVolumeClaim,
            "data-web-2",
            "metadata.uid"
        ),
        uid
    );
    assert_eq!(
        times(&sim, Kind::PersistentVolumeClaim, "data-web-2", true),
        [20]
    );
}

/// Retention `whenScaled: Delete` deletes a condemned pod's claim once the pod is gone;
/// `whenDeleted: Delete` lets the garbage collector take the claims with the set.
#[test]
fn delete_retention_policies() {
    let spec =
        "  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Delete}\n";
    let events = "    - at: 100s\n      scale: {object: statefulset/web, replicas: 2}\n    - at: \
                  300s\n      delete: {object: statefulset/web}\n";
    let mut sim = simulation(events, &statefulset(3, spec, ""));
    run_to(&mut sim, 200);
    assert!(!exists(&sim, Kind::PersistentVolumeClaim, "data-web-2"));
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-1"));
    run_to(&mut sim, 400);
    assert!(!exists(&sim, Kind::StatefulSet, "web"));
    assert!(pod_names(&sim).is_empty());
    assert!(!exists(&sim, Kind::PersistentVolumeClaim, "data-web-0"));
}

/// With retention Retain (the default), deleting the StatefulSet deletes its pods but keeps
/// the claims.
#[test]
fn claims_survive_statefulset_deletion_by_default() {
    let events = "    - at: 100s\n      delete: {object: statefulset/web}\n";
    let mut sim = simulation(events, &statefulset(2, "", ""));
    run_to(&mut sim, 200);
    assert!(pod_names(&sim).is_empty());
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-0"));
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-1"));
}

/// `spec.ordinals.start` numbers the pods from there.
#[test]
fn ordinals_start() {
    let mut sim = simulation("", &statefulset(2, "  ordinals: {start: 5}\n", ""));
    run_to(&mut sim, 60);
    assert_eq!(pod_names(&sim), ["web-5", "web-6"]);
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-5"));
}

fn scenario_error(manifest: &str) -> String {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n  \
         cluster:\n    nodePools:\n      - {{name: node, capacity: {{cpu: \"1\", memory: 1Gi}}}}\n---\n{manifest}"
    );
    parse_scenario("bad.yaml", &text, Path::new("."))
        .map(|_| ())
        .expect_err("invalid manifest")
        .to_string()
}

/// Bad input: the selector must match the template's labels (the API's message); claim
/// templates need access modes and storage; `serviceName` is optional in v1.36 but must be
/// a DNS-1035 label when written; unknown policies are refused with the supported values.
#[test]
fn bad_statefulsets_are_refused_with_field_paths() {
    let mismatch = statefulset(1, "", "").replace("labels: {app: web}", "labels: {app: api}");
    let error = scenario_error(&mismatch);
    assert!(
        error.contains("spec.template.metadata.labels")
            && error.contains("`selector` does not match template `labels`"),
        "{error}"
    );
    let no_storage = statefulset(1, "", "").replace(", resources: {requests: {storage: 1Gi}}", "");
    let error = scenario_error(&no_storage);
    assert!(
        error.contains("spec.volumeClaimTemplates[0].spec.resources[storage]")
            && error.contains("Required value"),
        "{error}"
    );
    let bad_policy = statefulset(1, "  podManagementPolicy: Paralel\n", "");
    let error = scenario_error(&bad_policy);
    assert!(
        error.contains("spec.podManagementPolicy")
            && error.contains("Unsupported value: \"Paralel\""),
        "{error}"
    );
    let bad_service = statefulset(1, "", "").replace("serviceName: web", "serviceName: Web_1");
    let error = scenario_error(&bad_service);
    assert!(error.contains("spec.serviceName"), "{error}");
    // Without serviceName the StatefulSet is valid (optional since 1.32).
    let no_service = statefulset(1, "", "").replace("  serviceName: web\n", "");
    let mut sim = simulation("", &no_service);
    run_to(&mut sim, 5);
    assert!(exists(&sim, Kind::Pod, "web-0"));
    assert_eq!(
        field(&sim, Kind::Pod, "web-0", "spec.subdomain"),
        "<absent>"
    );
}

/// `kubesim get sts` and `get pvc` print kubectl's columns: sts `NAME READY AGE`, pvc `NAME
/// STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE`.
#[test]
fn get_tables_print_kubectl_columns() {
    use sim_scenarios::tables::{get_table, GetOptions};
    let mut sim = simulation("", &statefulset(3, "", ""));
    run_to(&mut sim, 15);
    let now = SimTime::ZERO + SimDuration::from_secs(15);
    let options = GetOptions {
        namespace: Some("default"),
        prefix_kind: false,
    };
    let mut out = String::new();
    get_table(sim.store(), Kind::StatefulSet, options, now, &mut out);
    assert_eq!(out, "NAME   READY   AGE\nweb    1/3     15s\n");
    let mut out = String::new();
    get_table(
        sim.store(),
        Kind::PersistentVolumeClaim,
        options,
        now,
        &mut out,
    );
    let uid = |name: &str| field(&sim, Kind::PersistentVolumeClaim, name, "metadata.uid");
    assert_eq!(
        out,
        format!(
            "NAME         STATUS   VOLUME                                     CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\n\
             data-web-0   Bound    pvc-{}   1Gi        RWO                           <unset>                 15s\n\
             data-web-1   Bound    pvc-{}   1Gi        RWO                           <unset>                 5s\n",
            uid("data-web-0"),
            uid("data-web-1")
        )
    );
}

/// The what-if scenarios of this feature hold their expectations (and `kubesim get sts,pvc`
/// on one prints both tables, kinds prefixed as kubectl prefixes them).
#[test]
fn what_if_scenarios_hold() {
    use sim_scenarios::run::run;
    use sim_scenarios::scenario::load_scenario;
    for name in ["statefulset-scale", "daemonset-new-node"] {
        let path = common::root()
            .join("scenarios")
            .join("what-if")
            .join(format!("{name}.yaml"));
        let scenario = load_scenario(&path).unwrap_or_else(|e| panic!("{name} loads: {e}"));
        let report = run(&scenario, &RunOptions::default()).expect("runs");
        assert!(report.passed(), "{name}: expectations hold");
    }
    let output = common::kubesim(&[
        "get",
        "sts,pvc",
        "--at",
        "4m30s",
        "scenarios/what-if/statefulset-scale.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("statefulset.apps/web   3/3"), "{stdout}");
    assert!(
        stdout.contains("persistentvolumeclaim/data-web-4   Bound"),
        "{stdout}"
    );
}

/// §9.2 (volumes): a pod naming a claim that does not exist stays Pending with
/// VolumeBinding's message; a pod whose claim exists (bound at once) runs.
#[test]
fn missing_claim_keeps_the_pod_pending() {
    let manifest = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: present}\nspec: \
         {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n---\napiVersion: \
         v1\nkind: Pod\nmetadata: {name: orphan}\nspec:\n  containers: [{name: c, image: app:1}]\n  \
         volumes:\n    - {name: a, persistentVolumeClaim: {claimName: present}}\n    - {name: b, \
         persistentVolumeClaim: {claimName: missing}}\n---\napiVersion: v1\nkind: Pod\nmetadata: \
         {name: fine}\nspec:\n  containers: [{name: c, image: app:1}]\n  volumes:\n    - {name: \
         a, persistentVolumeClaim: {claimName: present}}\n";
    let mut sim = simulation("", manifest);
    run_to(&mut sim, 30);
    assert_eq!(field(&sim, Kind::Pod, "orphan", "status.phase"), "Pending");
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "orphan",
            "status.conditions[PodScheduled].message"
        ),
        "0/2 nodes are available: persistentvolumeclaim \"missing\" not found. no new claims to \
         deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for \
         scheduling."
    );
    assert_eq!(field(&sim, Kind::Pod, "fine", "status.phase"), "Running");
    assert_eq!(
        field(
            &sim,
            Kind::PersistentVolumeClaim,
            "present",
            "spec.volumeName"
        ),
        format!(
            "pvc-{}",
            field(&sim, Kind::PersistentVolumeClaim, "present", "metadata.uid")
        )
    );
}

/// `kubesim describe statefulset` and `describe pvc` lay the objects out as kubectl does.
#[test]
fn describe_statefulset_and_claim() {
    let output = common::kubesim(&[
        "describe",
        "statefulset",
        "web",
        "--at",
        "50s",
        "scenarios/what-if/statefulset-scale.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    for line in [
        "Replicas:           3 desired | 3 total",
        "Update Strategy:    RollingUpdate",
        "  Partition:        0",
        "Pods Status:        3 Running / 0 Waiting / 0 Succeeded / 0 Failed",
        "Volume Claims:",
        "  Access Modes:  [ReadWriteOnce]",
        "create Pod web-2 in StatefulSet web successful",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }
    let output = common::kubesim(&[
        "describe",
        "pvc",
        "data-web-0",
        "--at",
        "50s",
        "scenarios/what-if/statefulset-scale.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Status:        Bound"), "{stdout}");
    assert!(stdout.contains("Used By:       web-0"), "{stdout}");
}

/// §12.2 with a StatefulSet: foreground deletion keeps the set (finalizer
/// `foregroundDeletion`) until its pods are gone — all at once, the garbage collector does
/// not order them — and keeps the claims (Retain).
#[test]
fn foreground_deletion_waits_for_the_pods() {
    let events =
        "    - at: 100s\n      delete: {object: statefulset/web, propagationPolicy: Foreground}\n";
    let mut sim = simulation(events, &statefulset(3, "", ""));
    run_to(&mut sim, 110);
    assert_eq!(
        field(&sim, Kind::StatefulSet, "web", "metadata.finalizers[0]"),
        "foregroundDeletion"
    );
    for pod in ["web-0", "web-1", "web-2"] {
        assert_eq!(deletion_started(&sim, pod), [100], "{pod}");
    }
    run_to(&mut sim, 131);
    assert!(!exists(&sim, Kind::StatefulSet, "web"));
    assert!(pod_names(&sim).is_empty());
    assert!(exists(&sim, Kind::PersistentVolumeClaim, "data-web-2"));
}
