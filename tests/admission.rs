//! Admission and namespaces: ResourceQuota (golden case G39 of k8s-semantics.md, §10.5),
//! LimitRange defaults and bounds (§10.6), PriorityClass resolution, ConfigMap/Secret
//! references (CreateContainerConfigError), namespace lifecycle and ReplicaSet adoption.

mod common;

use common::{kubesim, scratch, texts, write};
use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;

/// A one-node scenario with `events` (items of `events:`) and `manifests` inline; `files`
/// are written beside it for `apply` events.
fn simulation(name: &str, events: &str, manifests: &str, files: &[(&str, &str)]) -> Simulation {
    let dir = scratch(name);
    for (file, text) in files {
        write(&dir, file, text);
    }
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: {name}}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n  events:\n{events}---\n{manifests}"
    );
    common::build_simulation(&format!("{name}.yaml"), &text, &dir)
}

fn run_to(sim: &mut Simulation, secs: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(secs))
        .expect("runs");
}

fn field(sim: &Simulation, kind: Kind, namespace: &str, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &ObjectKey::new(namespace, name), path)
}

/// Messages of the Warning events with `reason`, in timeline order.
fn warnings(sim: &Simulation, reason: &str) -> Vec<String> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason => Some(message.clone()),
            _ => None,
        })
        .collect()
}

fn pods_in(sim: &Simulation, namespace: &str) -> Vec<String> {
    sim.store()
        .list_namespace::<Pod>(namespace)
        .map(|p| p.meta.name.clone())
        .collect()
}

const TEAM: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n";
const QUOTA: &str = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute, namespace: \
     team}\nspec:\n  hard: {pods: \"2\", requests.cpu: \"1\"}\n";

fn pod(name: &str, cpu: Option<&str>, extra_annotations: &str) -> String {
    let resources = match cpu {
        Some(cpu) => format!("\n    resources: {{requests: {{cpu: {cpu}}}}}"),
        None => String::new(),
    };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: team\n  \
         annotations: {{{extra_annotations}}}\nspec:\n  restartPolicy: Never\n  containers:\n  - \
         name: app\n    image: app:1{resources}\n"
    )
}

/// G39 A: quota `pods: 2, requests.cpu: 1`; three pods of 200m each: the first two are
/// admitted, the third is refused with 403 `exceeded quota`.
#[test]
fn g39_a_third_pod_exceeds_the_pod_count() {
    let manifests = format!(
        "{TEAM}---\n{QUOTA}---\n{}---\n{}",
        pod("p1", Some("200m"), ""),
        pod("p2", Some("200m"), "")
    );
    let third = pod("p3", Some("200m"), "");
    let mut sim = simulation(
        "g39a",
        "    - {at: 10s, apply: p3.yaml}\n",
        &manifests,
        &[("p3.yaml", &third)],
    );
    run_to(&mut sim, 20);
    assert_eq!(pods_in(&sim, "team"), ["p1", "p2"]);
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        [
            "Error from server (Forbidden): pods \"p3\" is forbidden: exceeded quota: compute, \
             requested: pods=1, used: pods=2, limited: pods=2"
        ]
    );
    assert_eq!(
        field(
            &sim,
            Kind::ResourceQuota,
            "team",
            "compute",
            "status.used.pods"
        ),
        "2"
    );
    assert_eq!(
        field(
            &sim,
            Kind::ResourceQuota,
            "team",
            "compute",
            "status.used[requests.cpu]"
        ),
        "400m"
    );
}

/// G39 A, the CPU side: a pod whose request would take `requests.cpu` past the hard
/// limit is refused naming only that resource.
#[test]
fn g39_a_cpu_beyond_the_quota_is_refused() {
    let manifests = format!("{TEAM}---\n{QUOTA}---\n{}", pod("big", Some("800m"), ""));
    let second = pod("more", Some("300m"), "");
    let mut sim = simulation(
        "g39a-cpu",
        "    - {at: 5s, apply: more.yaml}\n",
        &manifests,
        &[("more.yaml", &second)],
    );
    run_to(&mut sim, 10);
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        [
            "Error from server (Forbidden): pods \"more\" is forbidden: exceeded quota: compute, \
             requested: requests.cpu=300m, used: requests.cpu=800m, limited: requests.cpu=1"
        ]
    );
}

/// G39 B: a quota tracking `requests.cpu` refuses a pod that declares no CPU request (no
/// LimitRange defaults it).
#[test]
fn g39_b_a_tracked_resource_must_be_declared() {
    let manifests = format!("{TEAM}---\n{QUOTA}---\n{}", pod("bare", None, ""));
    let mut sim = simulation("g39b", "    []\n", &manifests, &[]);
    run_to(&mut sim, 5);
    assert!(pods_in(&sim, "team").is_empty());
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        [
            "Error from server (Forbidden): pods \"bare\" is forbidden: failed quota: compute: \
             must specify requests.cpu for: app"
        ]
    );
}

/// G39 B with a LimitRange: its `defaultRequest` fills the request in, so the pod is
/// admitted (LimitRanger runs before ResourceQuota).
#[test]
fn g39_b_a_limit_range_default_satisfies_the_quota() {
    let limits = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: \
                  team}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, \
                  memory: 256Mi}\n    defaultRequest: {cpu: 100m}\n";
    let manifests = format!(
        "{TEAM}---\n{QUOTA}---\n{limits}---\n{}",
        pod("bare", None, "")
    );
    let mut sim = simulation("g39b-limitrange", "    []\n", &manifests, &[]);
    run_to(&mut sim, 5);
    assert_eq!(pods_in(&sim, "team"), ["bare"]);
    let at = |path: &str| field(&sim, Kind::Pod, "team", "bare", path);
    assert_eq!(at("spec.containers[0].resources.requests.cpu"), "100m");
    assert_eq!(at("spec.containers[0].resources.limits.cpu"), "500m");
    // memory: defaultRequest falls back to default (SetDefaults_LimitRangeItem).
    assert_eq!(at("spec.containers[0].resources.requests.memory"), "256Mi");
    assert_eq!(at("spec.containers[0].resources.limits.memory"), "256Mi");
}

/// G39 C: a Deployment of 3 under `pods: 2` gets 2 pods and `ReplicaFailure/FailedCreate`;
/// when the quota is raised the ReplicaSet's retry (work-queue back-off) creates the third
/// and the condition goes.
#[test]
fn g39_c_replicaset_reports_failed_create_until_quota_allows() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: \
         team}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    \
         metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: app, \
         image: app:1, resources: {requests: {cpu: 100m}}}\n";
    let raised = QUOTA.replace("pods: \"2\"", "pods: \"3\"");
    let manifests = format!("{TEAM}---\n{QUOTA}---\n{deployment}");
    let mut sim = simulation(
        "g39c",
        "    - {at: 60s, apply: raised.yaml}\n",
        &manifests,
        &[("raised.yaml", &raised)],
    );
    run_to(&mut sim, 30);
    let rs = sim
        .store()
        .list_namespace::<sim_core::objects::ReplicaSet>("team")
        .next()
        .expect("a ReplicaSet")
        .meta
        .name
        .clone();
    assert_eq!(pods_in(&sim, "team").len(), 2);
    let at = |sim: &Simulation, path: &str| field(sim, Kind::ReplicaSet, "team", &rs, path);
    assert_eq!(at(&sim, "status.conditions[0].type"), "ReplicaFailure");
    assert_eq!(at(&sim, "status.conditions[0].reason"), "FailedCreate");
    assert!(
        at(&sim, "status.conditions[0].message").contains("exceeded quota: compute"),
        "{}",
        at(&sim, "status.conditions[0].message")
    );
    let refused = warnings(&sim, "FailedCreate");
    assert!(
        refused[0].starts_with("Error creating: pods \"web-"),
        "{refused:?}"
    );
    // Retries back off exponentially: a handful of refusals, not one per second.
    assert!(refused.len() < 20, "{}", refused.len());
    run_to(&mut sim, 1200);
    assert_eq!(pods_in(&sim, "team").len(), 3);
    assert_eq!(at(&sim, "status.conditions"), "<absent>");
}

/// G39 C: a Succeeded pod no longer counts, so its slot frees.
#[test]
fn g39_c_finished_pods_free_the_quota() {
    let quick = pod("quick", Some("200m"), "kubesim.io/exit-after: 10s");
    let manifests = format!(
        "{TEAM}---\n{QUOTA}---\n{quick}---\n{}",
        pod("p2", Some("200m"), "")
    );
    let third = pod("p3", Some("200m"), "");
    let mut sim = simulation(
        "g39c-free",
        "    - {at: 20s, apply: p3.yaml}\n",
        &manifests,
        &[("p3.yaml", &third)],
    );
    run_to(&mut sim, 15);
    assert_eq!(
        field(&sim, Kind::Pod, "team", "quick", "status.phase"),
        "Succeeded"
    );
    assert_eq!(
        field(
            &sim,
            Kind::ResourceQuota,
            "team",
            "compute",
            "status.used.pods"
        ),
        "1"
    );
    run_to(&mut sim, 25);
    assert!(warnings(&sim, "FailedCreate").is_empty());
    assert_eq!(pods_in(&sim, "team"), ["p2", "p3", "quick"]);
}

/// §10.6: LimitRange bounds are checked after its defaults, with the LimitRanger's message.
#[test]
fn limit_range_max_refuses_a_larger_limit() {
    let limits = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: bounds, namespace: \
                  team}\nspec:\n  limits:\n  - type: Container\n    max: {cpu: \"1\"}\n    \
                  min: {cpu: 50m}\n";
    let big = "apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: team}\nspec:\n  \
               containers:\n  - {name: app, image: app:1, resources: {limits: {cpu: \"2\"}}}\n";
    let small = "apiVersion: v1\nkind: Pod\nmetadata: {name: small, namespace: team}\nspec:\n  \
                 containers:\n  - {name: app, image: app:1, resources: {requests: {cpu: 10m}}}\n";
    let manifests = format!("{TEAM}---\n{limits}---\n{big}---\n{small}");
    let mut sim = simulation("limitrange-max", "    []\n", &manifests, &[]);
    run_to(&mut sim, 5);
    assert!(pods_in(&sim, "team").is_empty());
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        [
            "Error from server (Forbidden): pods \"big\" is forbidden: maximum cpu usage per \
             Container is 1, but limit is 2",
            "Error from server (Forbidden): pods \"small\" is forbidden: minimum cpu usage per \
             Container is 50m, but request is 10m"
        ]
    );
}

/// Priority admission: `priorityClassName` resolves to the class value and preemption
/// policy; a missing class is refused; a global default applies to pods that name none.
#[test]
fn priority_classes_resolve_at_admission() {
    let classes = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: \
                   high}\nvalue: 1000\npreemptionPolicy: Never\n---\napiVersion: \
                   scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: \
                   normal}\nvalue: 10\nglobalDefault: true\n";
    let named = |name: &str, class: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  \
             priorityClassName: {class}\n  containers:\n  - {{name: app, image: app:1}}\n"
        )
    };
    let plain = "apiVersion: v1\nkind: Pod\nmetadata: {name: plain}\nspec:\n  containers:\n  - \
                 {name: app, image: app:1}\n";
    let manifests = format!(
        "{classes}---\n{}---\n{}---\n{}---\n{plain}",
        named("vip", "high"),
        named("lost", "nope"),
        named("critical", "system-cluster-critical")
    );
    let mut sim = simulation("priority", "    []\n", &manifests, &[]);
    run_to(&mut sim, 5);
    let at = |name: &str, path: &str| field(&sim, Kind::Pod, "default", name, path);
    assert_eq!(at("vip", "spec.priority"), "1000");
    assert_eq!(at("vip", "spec.preemptionPolicy"), "Never");
    assert_eq!(at("plain", "spec.priority"), "10");
    assert_eq!(at("plain", "spec.priorityClassName"), "normal");
    assert_eq!(at("critical", "spec.priority"), "2000000000");
    assert_eq!(at("lost", "metadata.name"), "<gone>");
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        ["Error from server (Forbidden): pods \"lost\" is forbidden: no PriorityClass with name \
          nope was found"]
    );
}

/// A container whose environment reads a missing ConfigMap waits in
/// CreateContainerConfigError; once the ConfigMap exists it starts at the pod worker's
/// next retry (every 10 s from the first failure).
#[test]
fn missing_config_map_holds_the_container_until_it_exists() {
    let consumer = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - \
                    name: app\n    image: app:1\n    envFrom: [{configMapRef: {name: \
                    settings}}]\n    env:\n    - name: TOKEN\n      valueFrom: {secretKeyRef: \
                    {name: token, key: value, optional: true}}\n";
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: \
                  fast}\n";
    let mut sim = simulation(
        "configmap",
        "    - {at: 25s, apply: settings.yaml}\n",
        consumer,
        &[("settings.yaml", config)],
    );
    run_to(&mut sim, 24);
    let at = |sim: &Simulation, path: &str| field(sim, Kind::Pod, "default", "app", path);
    assert_eq!(
        at(&sim, "status.containerStatuses[0].state.waiting.reason"),
        "CreateContainerConfigError"
    );
    assert_eq!(
        at(&sim, "status.containerStatuses[0].state.waiting.message"),
        "configmap \"settings\" not found"
    );
    assert_eq!(
        warnings(&sim, "Failed"),
        ["Error: configmap \"settings\" not found"]
    );
    run_to(&mut sim, 29);
    assert_eq!(at(&sim, "status.phase"), "Pending");
    run_to(&mut sim, 30);
    assert_eq!(at(&sim, "status.phase"), "Running");
    assert_eq!(
        at(&sim, "status.containerStatuses[0].state.running.startedAt"),
        "2026-01-01T00:00:30Z"
    );
}

/// A missing key of an existing ConfigMap is an error of its own.
#[test]
fn missing_config_map_key_is_reported() {
    let manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: \
                     fast}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  \
                     containers:\n  - name: app\n    image: app:1\n    env:\n    - name: \
                     LEVEL\n      valueFrom: {configMapKeyRef: {name: settings, key: level}}\n";
    let mut sim = simulation("configmap-key", "    []\n", manifests, &[]);
    run_to(&mut sim, 5);
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "default",
            "app",
            "status.containerStatuses[0].state.waiting.message"
        ),
        "couldn't find key level in ConfigMap default/settings"
    );
}

/// Deleting a namespace: it turns Terminating, its content is deleted (pods gracefully),
/// new objects are refused, and it goes once empty.
#[test]
fn namespace_deletion_empties_then_removes_it() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: \
         team}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    \
         metadata:\n      labels: {app: web}\n      annotations: {kubesim.io/term-exit-after: \
         5s}\n    spec:\n      containers:\n      - {name: app, image: app:1}\n";
    let late = pod("late", Some("100m"), "");
    let mut sim = simulation(
        "namespace-delete",
        "    - {at: 10s, delete: {object: namespace/team}}\n    - {at: 12s, apply: late.yaml}\n",
        &format!("{TEAM}---\n{deployment}"),
        &[("late.yaml", &late)],
    );
    run_to(&mut sim, 11);
    let ns = |sim: &Simulation, path: &str| field(sim, Kind::Namespace, "", "team", path);
    assert_eq!(ns(&sim, "status.phase"), "Terminating");
    assert_eq!(pods_in(&sim, "team").len(), 2, "pods terminate gracefully");
    assert!(sim
        .store()
        .list_namespace::<sim_core::objects::Deployment>("team")
        .next()
        .is_none());
    run_to(&mut sim, 13);
    assert_eq!(
        warnings(&sim, "FailedCreate"),
        [
            "Error from server (Forbidden): pods \"late\" is forbidden: unable to create new \
          content in namespace team because it is being terminated"
        ]
    );
    run_to(&mut sim, 20);
    assert!(pods_in(&sim, "team").is_empty());
    assert_eq!(ns(&sim, "metadata.name"), "<gone>");
}

/// An orphan pod that the ReplicaSet's selector matches is adopted: the ReplicaSet counts
/// it and creates one pod fewer.
#[test]
fn replicaset_adopts_matching_orphans() {
    let orphan =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, labels: {app: web}}\nspec:\n  \
                  containers:\n  - {name: app, image: app:1}\n";
    let rs = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n  replicas: \
              2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: \
              {app: web}}\n    spec:\n      containers:\n      - {name: app, image: app:1}\n";
    let mut sim = simulation("adoption", "    []\n", &format!("{orphan}---\n{rs}"), &[]);
    run_to(&mut sim, 5);
    assert_eq!(pods_in(&sim, "default").len(), 2);
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            "default",
            "stray",
            "metadata.ownerReferences[0].name"
        ),
        "web"
    );
}

/// A manifest in a namespace nothing creates is refused before the run, at its
/// `metadata.namespace`, with exit code 2.
#[test]
fn unknown_namespace_is_an_input_error() {
    let dir = scratch("unknown-namespace");
    let path = write(
        &dir,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: tema\nspec:\n  \
         containers:\n  - {name: app, image: app:1}\n",
    );
    let output = kubesim(&["validate", "-f", &path.display().to_string()]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pod.yaml:5:"), "{stderr}");
    assert!(stderr.contains("namespaces \"tema\" not found"), "{stderr}");
}

/// `kubesim describe quota|namespace|limitrange` lay out like kubectl's describers.
#[test]
fn describe_quota_namespace_and_limit_range() {
    let scenario = "scenarios/what-if/namespace-quota.yaml";
    let output = kubesim(&[
        "describe", "quota", "compute", "-n", "team-a", "--at", "3m", scenario,
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "Name:          compute\nNamespace:     team-a\nResource       Used    Hard\n\
         --------       ----    ----\nlimits.memory  1536Mi  2Gi\npods           3       4\n\
         requests.cpu   800m    1\n"
    );
    let output = kubesim(&["describe", "ns", "team-a", "--at", "3m", scenario]);
    let (stdout, _) = texts(&output);
    assert!(
        stdout.contains("Status:       Active\n\nResource Quotas\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" Container  cpu       -    -    250m             500m           -\n"),
        "{stdout}"
    );
    let output = kubesim(&["describe", "ns", "default", scenario]);
    let (stdout, _) = texts(&output);
    assert!(
        stdout.ends_with("No resource quota.\n\nNo LimitRange resource.\n"),
        "{stdout}"
    );
}

/// Every workload controller reports a refused create as `FailedCreate` with its own
/// message (the StatefulSet controller's, the pod control's `Error creating:`), and retries.
#[test]
fn workload_controllers_report_quota_refusals() {
    let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: two, namespace: \
                 team}\nspec:\n  hard: {pods: \"2\"}\n";
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: \
               team}\nspec:\n  replicas: 3\n  podManagementPolicy: Parallel\n  selector: \
               {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    \
               spec:\n      containers:\n      - {name: db, image: db:1}\n";
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: batch, namespace: \
               team}\nspec:\n  parallelism: 2\n  completions: 2\n  template:\n    spec:\n      \
               restartPolicy: Never\n      containers:\n      - {name: work, image: work:1}\n";
    let mut sim = simulation(
        "workload-quota",
        "    - {at: 30s, apply: job.yaml}\n",
        &format!("{TEAM}---\n{quota}---\n{sts}"),
        &[("job.yaml", job)],
    );
    run_to(&mut sim, 40);
    assert_eq!(pods_in(&sim, "team"), ["db-0", "db-1"]);
    let refused = warnings(&sim, "FailedCreate");
    assert_eq!(
        refused[0],
        "create Pod db-2 in StatefulSet db failed error: pods \"db-2\" is forbidden: exceeded \
         quota: two, requested: pods=1, used: pods=2, limited: pods=2"
    );
    assert!(
        refused
            .iter()
            .any(|m| m.starts_with("Error creating: pods \"batch-")
                && m.ends_with(
                    "exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2"
                )),
        "{refused:?}"
    );
}

/// A ConfigMap volume that does not exist holds the whole pod in ContainerCreating with a
/// `FailedMount` warning; once it exists the pod starts at the volume manager's next mount
/// retry (attempts at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s: waits doubling from 500 ms).
#[test]
fn missing_config_map_volume_holds_the_pod_until_the_next_mount_retry() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: \
               web\n    image: web:1\n    volumeMounts: [{name: conf, mountPath: /etc/web}]\n  \
               volumes:\n  - name: conf\n    configMap: {name: web-conf}\n";
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-conf}\ndata: {a: b}\n";
    let mut sim = simulation(
        "configmap-volume",
        "    - {at: 20s, apply: conf.yaml}\n",
        pod,
        &[("conf.yaml", config)],
    );
    run_to(&mut sim, 31);
    let at = |sim: &Simulation, path: &str| field(sim, Kind::Pod, "default", "web", path);
    assert_eq!(
        at(&sim, "status.containerStatuses[0].state.waiting.reason"),
        "ContainerCreating"
    );
    assert_eq!(
        at(&sim, "status.conditions[PodReadyToStartContainers].status"),
        "False"
    );
    assert_eq!(
        warnings(&sim, "FailedMount"),
        ["MountVolume.SetUp failed for volume \"conf\" : configmap \"web-conf\" not found"]
    );
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(31_499))
        .expect("runs");
    assert_eq!(at(&sim, "status.phase"), "Pending");
    run_to(&mut sim, 32);
    assert_eq!(at(&sim, "status.phase"), "Running");
    assert_eq!(
        at(&sim, "status.conditions[PodReadyToStartContainers].status"),
        "True"
    );
}

/// G43 C then a re-create: the orphaned ReplicaSet (and through it its pods) is adopted by
/// the new Deployment of the same selector and template, which is whole at once with no new
/// pod (`getReplicaSetsForDeployment` claims it; `FindNewReplicaSet` matches the template).
#[test]
fn recreated_deployment_adopts_its_orphaned_replicaset() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                      replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    \
                      metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - \
                      {name: web, image: nginx:1.27}\n";
    let mut sim = simulation(
        "adopt-replicaset",
        "    - {at: 30s, delete: {object: deployment/web, propagationPolicy: Orphan}}\n    - \
         {at: 60s, apply: web.yaml}\n",
        deployment,
        &[("web.yaml", deployment)],
    );
    run_to(&mut sim, 45);
    let rs = sim
        .store()
        .list::<sim_core::objects::ReplicaSet>()
        .next()
        .expect("the ReplicaSet survives")
        .meta
        .name
        .clone();
    let owner = |sim: &Simulation| {
        field(
            sim,
            Kind::ReplicaSet,
            "default",
            &rs,
            "metadata.ownerReferences[0].name",
        )
    };
    assert_eq!(owner(&sim), "<absent>");
    let before = pods_in(&sim, "default");
    run_to(&mut sim, 90);
    assert_eq!(owner(&sim), "web");
    assert_eq!(pods_in(&sim, "default"), before, "no pod is replaced");
    let at = |path: &str| field(&sim, Kind::Deployment, "default", "web", path);
    assert_eq!(at("status.availableReplicas"), "2");
    assert_eq!(
        at("status.conditions[Progressing].reason"),
        "NewReplicaSetAvailable"
    );
    assert_eq!(sim.store().count::<sim_core::objects::ReplicaSet>(), 1);
}
