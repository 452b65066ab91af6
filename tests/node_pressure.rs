//! Node-pressure eviction (k8s-semantics §10.1–10.4, golden case G41): the kubelet's
//! eviction manager on `memory.available<100Mi`, one eviction per 10 s pass in
//! `rankMemoryPressure` order, the `MemoryPressure` condition and its taint held 5 minutes
//! after relief, no passes while a node cannot be under pressure; and OOMKilled.

mod common;

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// G41's five pods and a leaking critical agent (the what-if's manifests).
const G41_PODS: &str = include_str!("../scenarios/manifests/what-if/node-pressure/pods.yaml");

fn scenario(memory: &str, duration: &str, docs: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: pressure}}\nspec:\n  \
         duration: {duration}\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"4\", memory: {memory}}}}}\n---\n{docs}"
    )
}

fn build(memory: &str, duration: &str, docs: &str) -> Simulation {
    common::build_simulation(
        "pressure.yaml",
        &scenario(memory, duration, docs),
        Path::new("."),
    )
}

fn pod_field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(sim, Kind::Pod, &ObjectKey::new("default", name), path)
}

fn node_field(sim: &Simulation, path: &str) -> String {
    common::object_field(sim, Kind::Node, &ObjectKey::cluster("node-1"), path)
}

/// (seconds, object name, message) of the records with this reason.
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

/// G41: BE (BestEffort, 400Mi), BU (requests 500Mi, uses 800Mi), HP (requests 100Mi, uses
/// 500Mi, priority 1000), G (Guaranteed 1Gi, uses 900Mi), BU2 (requests 1Gi, uses 600Mi)
/// on an 8Gi node whose critical agent leaks 100Mi/s: memory.available drops below 100Mi
/// at 46.9 s, and the passes at 50, 60, 70, 80, 90 evict BE, BU, HP, G, BU2 — over-request
/// pods first (lower priority first, then larger excess), then the others; one per pass;
/// phase Failed, reason Evicted; the critical agent never.
#[test]
fn g41_eviction_order_one_pod_per_10s_pass() {
    let mut sim = build("8Gi", "2m", G41_PODS);
    sim.run_until(at(120)).expect("runs");
    let evicted: Vec<(u64, String)> = records(&sim, "Evicted")
        .into_iter()
        .map(|(t, name, _)| (t, name))
        .collect();
    assert_eq!(
        evicted,
        vec![
            (50, "be".to_string()),
            (60, "bu".to_string()),
            (70, "hp".to_string()),
            (80, "g".to_string()),
            (90, "bu2".to_string()),
        ]
    );
    // At 50 s: 3200Mi of pods + the agent's 200Mi + 50 × 100Mi on 8192Mi.
    assert_eq!(
        pod_field(&sim, "be", "status.message"),
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: -208Mi. \
         Container app was using 400Mi, request is 0, has larger consumption of memory. "
    );
    // Under its request: no container part.
    assert_eq!(
        pod_field(&sim, "g", "status.message"),
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: -1508Mi. "
    );
    for name in ["be", "bu", "hp", "g", "bu2"] {
        assert_eq!(pod_field(&sim, name, "status.phase"), "Failed", "{name}");
        assert_eq!(pod_field(&sim, name, "status.reason"), "Evicted", "{name}");
        assert_eq!(
            pod_field(&sim, name, "status.conditions[DisruptionTarget].reason"),
            "TerminationByKubelet"
        );
    }
    assert_eq!(
        common::object_field(
            &sim,
            Kind::Pod,
            &ObjectKey::new("kube-system", "agent"),
            "status.phase"
        ),
        "Running"
    );
}

/// One pass per 10 s, not one per change: between passes nothing is evicted even though
/// the threshold stays crossed. The eviction's grace period is 1 s, which the runtime
/// floors at its 2 s minimum (`minimumGracePeriodInSeconds`, §3.3): a pod ignoring TERM
/// is killed 2 s after its eviction, its phase Failed then.
#[test]
fn hard_eviction_uses_a_1s_grace_period() {
    let docs = G41_PODS.replace(
        "name: be\n  annotations: {kubesim.io/memory: 400Mi}",
        "name: be\n  annotations: {kubesim.io/memory: 400Mi, kubesim.io/ignore-term: \"true\"}",
    );
    let mut sim = build("8Gi", "2m", &docs);
    sim.run_until(at(50)).expect("runs");
    assert_eq!(pod_field(&sim, "be", "status.phase"), "Running");
    assert_eq!(pod_field(&sim, "be", "status.reason"), "Evicted");
    sim.run_until(at(51)).expect("runs");
    assert_eq!(pod_field(&sim, "be", "status.phase"), "Running");
    sim.run_until(at(52)).expect("runs");
    assert_eq!(pod_field(&sim, "be", "status.phase"), "Failed");
    assert_eq!(
        pod_field(
            &sim,
            "be",
            "status.containerStatuses[app].state.terminated.exitCode"
        ),
        "137"
    );
    sim.run_until(at(59)).expect("runs");
    assert_eq!(pod_field(&sim, "bu", "status.phase"), "Running");
}

/// A leaking BestEffort pod (100Mi + 10Mi/s) next to a steady one on a 1Gi node, its
/// budget forbidding any disruption: memory.available < 100Mi from 72.4 s, so the 80 s
/// pass sets MemoryPressure (taint memory-pressure:NoSchedule) and evicts it regardless of
/// the PDB. Relief is immediate, but the condition and the taint stay until the first pass
/// 5 minutes after the last pressure (380 s); meanwhile a new pod is not scheduled there.
#[test]
fn memory_pressure_is_held_five_minutes_and_taints_the_node() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: leak\n  labels: {app: leak}\n  \
        annotations: {kubesim.io/memory: 100Mi, kubesim.io/memory-growth-per-second: 10Mi}\n\
        spec:\n  containers:\n    - {name: app, image: app}\n---\n\
        apiVersion: v1\nkind: Pod\nmetadata:\n  name: steady\n  annotations: {kubesim.io/memory: 100Mi}\n\
        spec:\n  containers:\n    - name: app\n      image: app\n      \
        resources: {requests: {memory: 200Mi}}\n---\n\
        apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: leak}\nspec:\n  \
        minAvailable: 1\n  selector: {matchLabels: {app: leak}}\n";
    let dir = common::scratch("node-pressure-late");
    common::write(
        &dir,
        "late.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: late}\nspec:\n  containers:\n    \
         - {name: app, image: app}\n",
    );
    let text = scenario("1Gi", "10m", docs).replace(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: leak",
        "  events:\n    - {at: 100s, apply: late.yaml}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: leak",
    );
    let mut sim = common::build_simulation("pressure.yaml", &text, &dir);
    sim.run_until(at(79)).expect("runs");
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].status"),
        "False"
    );
    sim.run_until(at(80)).expect("runs");
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].status"),
        "True"
    );
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].reason"),
        "KubeletHasInsufficientMemory"
    );
    assert_eq!(
        node_field(&sim, "spec.taints[0].key"),
        "node.kubernetes.io/memory-pressure"
    );
    assert_eq!(node_field(&sim, "spec.taints[0].effect"), "NoSchedule");
    assert_eq!(pod_field(&sim, "leak", "status.reason"), "Evicted");
    sim.run_until(at(379)).expect("runs");
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].status"),
        "True"
    );
    assert_eq!(pod_field(&sim, "late", "spec.nodeName"), "<absent>");
    assert_eq!(
        pod_field(&sim, "late", "status.conditions[PodScheduled].reason"),
        "Unschedulable"
    );
    sim.run_until(at(380)).expect("runs");
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].status"),
        "False"
    );
    assert_eq!(node_field(&sim, "spec.taints[0].key"), "<absent>");
    assert_eq!(pod_field(&sim, "late", "spec.nodeName"), "node-1");
    assert_eq!(records(&sim, "Evicted").len(), 1);
    assert_eq!(
        records(&sim, "NodeHasSufficientMemory"),
        vec![(
            380,
            "node-1".to_string(),
            "Node node-1 status is now: NodeHasSufficientMemory".to_string()
        )]
    );
}

/// Cost grows with transitions: a node whose pods use constant memory far from the
/// threshold gets no eviction-manager pass in an hour, and a slowly leaking one is looked
/// at only from the predicted crossing on.
#[test]
fn no_passes_are_scheduled_on_a_healthy_node() {
    let steady = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: steady\n  \
                  annotations: {kubesim.io/memory: 100Mi}\nspec:\n  containers:\n    - {name: app, image: app}\n";
    let mut sim = build("1Gi", "1h", steady);
    let stats = sim.run_until(at(3600)).expect("runs");
    assert!(stats.events < 20, "{} events in an hour", stats.events);

    // 1Mi/s from 100Mi on 1Gi: crossing at 824.x s, the pass at 830.
    let leaking = steady.replace(
        "{kubesim.io/memory: 100Mi}",
        "{kubesim.io/memory: 100Mi, kubesim.io/memory-growth-per-second: 1Mi}",
    );
    let mut sim = build("1Gi", "1h", &leaking);
    let stats = sim.run_until(at(829)).expect("runs");
    assert!(
        stats.events < 20,
        "{} events before the crossing",
        stats.events
    );
    sim.run_until(at(830)).expect("runs");
    assert_eq!(
        records(&sim, "Evicted")
            .into_iter()
            .map(|(t, n, _)| (t, n))
            .collect::<Vec<_>>(),
        vec![(830, "steady".to_string())]
    );
}

/// OOMKilled (§2, behaviour model): a container over its memory limit is killed by the
/// kernel — no eviction manager involved: 100Mi + 10Mi/s against a 256Mi limit reaches it
/// at 15.6 s; terminated reason OOMKilled, exit code 137, restarted at once.
#[test]
fn a_container_over_its_limit_is_oom_killed() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hog\n  \
               annotations: {kubesim.io/memory: 100Mi, kubesim.io/memory-growth-per-second: 10Mi}\n\
               spec:\n  containers:\n    - name: app\n      image: app\n      \
               resources: {limits: {memory: 256Mi}}\n";
    let mut sim = build("8Gi", "1m", pod);
    let oom = SimTime::ZERO + SimDuration::from_millis(15_600);
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(15_599))
        .expect("runs");
    assert_eq!(
        pod_field(&sim, "hog", "status.containerStatuses[app].restartCount"),
        "0"
    );
    sim.run_until(oom).expect("runs");
    assert_eq!(
        pod_field(&sim, "hog", "status.containerStatuses[app].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "hog",
            "status.containerStatuses[app].lastState.terminated.reason"
        ),
        "OOMKilled"
    );
    assert_eq!(
        pod_field(
            &sim,
            "hog",
            "status.containerStatuses[app].lastState.terminated.exitCode"
        ),
        "137"
    );
    assert!(records(&sim, "Evicted").is_empty());
}

/// A pool's `evictionHard` (kubelet configuration names) moves the threshold: 100Mi +
/// 1Mi/s on 1Gi crosses `memory.available<500Mi` after 424 s (the pass at 430), and
/// `memory.available<50%` (512Mi) after 412 s (the pass at 420).
#[test]
fn eviction_hard_sets_the_threshold_per_pool() {
    let leaking = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: leak\n  annotations: \
                   {kubesim.io/memory: 100Mi, kubesim.io/memory-growth-per-second: 1Mi}\nspec:\n  \
                   containers:\n    - {name: app, image: app}\n";
    for (threshold, pass, available) in [("500Mi", 430, "494Mi"), ("50%", 420, "504Mi")] {
        let text = scenario("1Gi", "1h", leaking).replace(
            "memory: 1Gi}}",
            &format!("memory: 1Gi}}, evictionHard: {{memory.available: \"{threshold}\"}}}}"),
        );
        let mut sim = common::build_simulation("pressure.yaml", &text, Path::new("."));
        sim.run_until(at(600)).expect("runs");
        let evicted = records(&sim, "Evicted");
        assert_eq!(evicted.len(), 1, "{threshold}: {evicted:?}");
        assert_eq!(evicted[0].0, pass, "{threshold}");
        let quantity = if threshold == "50%" {
            "512Mi"
        } else {
            threshold
        };
        assert!(
            evicted[0].2.starts_with(&format!(
                "The node was low on resource: memory. Threshold quantity: {quantity}, available: {available}."
            )),
            "{}",
            evicted[0].2
        );
    }
}

/// Bad input: signals kubesim does not model, and misspelt ones, are refused at their
/// field.
#[test]
fn bad_eviction_hard_signals_are_refused() {
    for (signal, text) in [
        ("nodefs.available", "`nodefs.available` is not modelled"),
        ("memory.availabe", "did you mean `memory.available`?"),
    ] {
        let scenario_text = scenario("1Gi", "1m", "").replace(
            "memory: 1Gi}}",
            &format!("memory: 1Gi}}, evictionHard: {{{signal}: 10%}}}}"),
        );
        let scenario_text = scenario_text.trim_end_matches("---\n").to_string();
        let error =
            sim_scenarios::scenario::parse_scenario("bad.yaml", &scenario_text, Path::new("."))
                .expect_err("refused")
                .to_string();
        assert!(
            error.contains("spec.cluster.nodePools[0].evictionHard") && error.contains(text),
            "{error}"
        );
    }
}

/// The eviction manager's admission: while the node reports MemoryPressure the kubelet
/// rejects a BestEffort pod bound to it (phase Failed, reason Evicted, "The node had
/// condition: [MemoryPressure]. "), admits a Burstable one, and a BestEffort one that
/// tolerates the memory-pressure taint.
#[test]
fn under_memory_pressure_the_kubelet_rejects_best_effort_pods() {
    let leak = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: leak\n  annotations: \
                {kubesim.io/memory: 100Mi, kubesim.io/memory-growth-per-second: 10Mi}\nspec:\n  \
                containers:\n    - {name: app, image: app}\n";
    let bound = |name: &str, extra: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeName: node-1\n{extra}  \
             containers:\n    - name: app\n      image: app\n"
        )
    };
    let dir = common::scratch("node-pressure-admission");
    let late = format!(
        "{}{}{}",
        bound("best-effort", ""),
        bound("burstable", "").replace(
            "image: app\n",
            "image: app\n      resources: {requests: {memory: 10Mi}}\n"
        ),
        bound(
            "tolerating",
            "  tolerations: [{key: node.kubernetes.io/memory-pressure, operator: Exists, effect: NoSchedule}]\n"
        ),
    );
    common::write(&dir, "late.yaml", late.trim_start_matches("---\n"));
    let text = scenario("1Gi", "10m", leak).replace(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: leak",
        "  events:\n    - {at: 100s, apply: late.yaml}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: leak",
    );
    let mut sim = common::build_simulation("pressure.yaml", &text, &dir);
    sim.run_until(at(100)).expect("runs");
    assert_eq!(
        node_field(&sim, "status.conditions[MemoryPressure].status"),
        "True"
    );
    assert_eq!(pod_field(&sim, "best-effort", "status.phase"), "Failed");
    assert_eq!(pod_field(&sim, "best-effort", "status.reason"), "Evicted");
    assert_eq!(
        pod_field(&sim, "best-effort", "status.message"),
        "The node had condition: [MemoryPressure]. "
    );
    assert_eq!(pod_field(&sim, "burstable", "status.phase"), "Running");
    assert_eq!(pod_field(&sim, "tolerating", "status.phase"), "Running");
}

/// `kubesim explain` names the eviction as the cause of the pod's end (§10.3).
#[test]
fn explain_names_the_eviction() {
    let output = common::kubesim(&[
        "explain",
        "pod/be",
        "--at",
        "1m",
        "scenarios/what-if/node-pressure.yaml",
    ]);
    let (stdout, stderr) = common::texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "50s: the kubelet evicted the pod (node-pressure eviction, k8s-semantics §10.3): \
             The node was low on resource: memory."
        ) && stdout
            .contains("50s: phase Running → Failed: the kubelet evicted it (reason Evicted)"),
        "{stdout}"
    );
}
