//! kube-scheduler's InterPodAffinity, PodTopologySpread, NodePorts and ImageLocality plugins
//! through the default scheduler (k8s-semantics §9.1–9.4), and the API server's validation of
//! the pod fields they read. G33 and G35 are unit tests in `sim-core/src/scheduler/mod.rs`
//! (`g33_least_allocated_choice`, `g35_untolerated_taint_keeps_the_pod_pending`).

use std::path::Path;

use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_scenarios::run::{build, RunOptions};
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::view::{field_value, lookup, value_to_text};

fn scenario_text(pools: &str, manifests: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: plugins}}\nspec:\n  \
         cluster:\n    nodePools:\n{pools}---\n{manifests}"
    )
}

/// Builds the scenario and runs it for 30 s.
fn run(pools: &str, manifests: &str) -> Simulation {
    let text = scenario_text(pools, manifests);
    let scenario = parse_scenario("plugins.yaml", &text, Path::new("."))
        .unwrap_or_else(|e| panic!("scenario is valid: {e}\n{text}"));
    let mut sim = build(&scenario, &RunOptions::default()).expect("builds");
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(30))
        .expect("runs");
    sim
}

fn load_error(pools: &str, manifests: &str) -> String {
    parse_scenario("bad.yaml", &scenario_text(pools, manifests), Path::new("."))
        .map(|_| ())
        .expect_err("invalid manifest")
        .to_string()
}

fn pod_field(sim: &Simulation, name: &str, path: &str) -> String {
    let value = lookup(sim.store(), Kind::Pod, &ObjectKey::new("default", name)).expect("pod");
    field_value(&value, path)
        .expect("valid path")
        .map_or("<absent>".to_string(), value_to_text)
}

/// `(pod name, node name or "")` for the pods whose name starts with `prefix`, by name.
fn placements(sim: &Simulation, prefix: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = sim
        .store()
        .list::<Pod>()
        .filter(|p| p.meta.name.starts_with(prefix))
        .map(|p| {
            (
                p.meta.name.clone(),
                p.spec.node_name.clone().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The nodes pods of `prefix` landed on (unscheduled pods give ""), sorted.
fn nodes_used(sim: &Simulation, prefix: &str) -> Vec<String> {
    let mut nodes: Vec<String> = placements(sim, prefix)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    nodes.sort();
    nodes
}

/// The first sentence of a pending pod's PodScheduled message (the filter histogram).
fn unschedulable_histogram(sim: &Simulation, name: &str) -> String {
    let message = pod_field(sim, name, "status.conditions[PodScheduled].message");
    message.split(". ").next().unwrap_or_default().to_string()
}

fn pending_pod(sim: &Simulation, prefix: &str) -> String {
    placements(sim, prefix)
        .into_iter()
        .find(|(_, node)| node.is_empty())
        .map(|(name, _)| name)
        .expect("a pending pod")
}

const THREE_NODES: &str = "      - {name: node, count: 3, capacity: {cpu: \"4\", memory: 16Gi}}\n";

fn pod(name: &str, labels: &str, extra_spec: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {labels}}}\nspec:\n  \
         containers: [{{name: c, image: app:1, resources: {{requests: {{cpu: 100m}}}}}}]\n\
         {extra_spec}"
    )
}

fn deployment(replicas: u32, pod_spec_extra: &str, container_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: \
         {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: \
         {{labels: {{app: web}}}}\n    spec:\n      containers:\n        - name: web\n          \
         image: nginx:1.27\n          resources: {{requests: {{cpu: 100m}}}}\n{container_extra}\
         {pod_spec_extra}"
    )
}

const ANTI_AFFINITY_HOSTNAME: &str = "      affinity:\n        podAntiAffinity:\n          \
     requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector: \
     {matchLabels: {app: web}}\n              topologyKey: kubernetes.io/hostname\n";

/// §9.2 required anti-affinity: replicas that repel each other on `kubernetes.io/hostname`
/// land one per node; the fourth of four on three nodes stays Pending with
/// InterPodAffinity's reason for every node.
#[test]
fn required_anti_affinity_spreads_replicas_one_per_node() {
    let sim = run(THREE_NODES, &deployment(4, ANTI_AFFINITY_HOSTNAME, ""));
    assert_eq!(
        nodes_used(&sim, "web-"),
        ["", "node-1", "node-2", "node-3"],
        "{:?}",
        placements(&sim, "web-")
    );
    let pending = pending_pod(&sim, "web-");
    assert_eq!(
        unschedulable_histogram(&sim, &pending),
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules"
    );
}

/// §9.2 required affinity: a pod with required affinity to `app=cache` on the hostname goes
/// to the cache's node; with no matching pod anywhere and not matching itself, it stays
/// Pending ("node(s) didn't match pod affinity rules").
#[test]
fn required_affinity_co_locates_with_the_matching_pod() {
    let affinity = "  affinity:\n    podAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: \
         {matchLabels: {app: cache}}\n          topologyKey: kubernetes.io/hostname\n";
    let manifests = pod(
        "cache",
        "{app: cache}",
        "  nodeSelector: {kubernetes.io/hostname: node-2}\n",
    ) + &pod("web", "{app: web}", affinity);
    let sim = run(THREE_NODES, &manifests[4..]);
    assert_eq!(pod_field(&sim, "cache", "spec.nodeName"), "node-2");
    assert_eq!(pod_field(&sim, "web", "spec.nodeName"), "node-2");

    let sim = run(THREE_NODES, &pod("web", "{app: web}", affinity)[4..]);
    assert_eq!(pod_field(&sim, "web", "spec.nodeName"), "<absent>");
    assert_eq!(
        unschedulable_histogram(&sim, "web"),
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules"
    );
}

/// The first pod of a self-affine group schedules: no pod matches anywhere, and it matches
/// its own term (kube-scheduler's special case in `satisfyPodAffinity`); the others follow it.
#[test]
fn a_self_affine_group_starts_anywhere_and_gathers() {
    let affinity = "      affinity:\n        podAffinity:\n          \
         requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector: \
         {matchLabels: {app: web}}\n              topologyKey: kubernetes.io/hostname\n";
    let sim = run(THREE_NODES, &deployment(3, affinity, ""));
    let nodes = nodes_used(&sim, "web-");
    assert!(!nodes[0].is_empty(), "{nodes:?}");
    assert!(nodes.iter().all(|n| n == &nodes[0]), "{nodes:?}");
}

/// Symmetry (§9.2): a running pod's required anti-affinity keeps matching pods off its
/// topology domain even though they have no affinity themselves.
#[test]
fn existing_pods_required_anti_affinity_is_symmetric() {
    let loner = "  affinity:\n    podAntiAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: \
         {matchLabels: {app: web}}\n          topologyKey: kubernetes.io/hostname\n";
    let one_node = "      - {name: node, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let manifests = pod("loner", "{app: loner}", loner) + &pod("web", "{app: web}", "");
    let sim = run(one_node, &manifests[4..]);
    assert_eq!(pod_field(&sim, "loner", "spec.nodeName"), "node-1");
    assert_eq!(pod_field(&sim, "web", "spec.nodeName"), "<absent>");
    assert_eq!(
        unschedulable_histogram(&sim, "web"),
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules"
    );
}

/// Preferred anti-affinity (Score, weight 2 for InterPodAffinity): replicas prefer nodes
/// without a replica even when another node is emptier of requests.
#[test]
fn preferred_anti_affinity_spreads_without_forbidding() {
    let preferred = "      affinity:\n        podAntiAffinity:\n          \
         preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 100\n              \
         podAffinityTerm:\n                labelSelector: {matchLabels: {app: web}}\n                \
         topologyKey: kubernetes.io/hostname\n";
    let two = "      - {name: node, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let sim = run(two, &deployment(3, preferred, ""));
    let nodes = nodes_used(&sim, "web-");
    assert!(
        nodes.iter().all(|n| !n.is_empty()),
        "all scheduled: {nodes:?}"
    );
    assert!(
        nodes.contains(&"node-1".to_string()) && nodes.contains(&"node-2".to_string()),
        "{nodes:?}"
    );
}

fn zone_pools(small_zone_b: bool) -> String {
    let b_cpu = if small_zone_b { "150m" } else { "4" };
    format!(
        "      - {{name: a, count: 2, zone: zone-a, capacity: {{cpu: \"4\", memory: 16Gi}}}}\n      \
         - {{name: b, count: 1, zone: zone-b, capacity: {{cpu: \"{b_cpu}\", memory: 16Gi}}}}\n"
    )
}

fn spread(max_skew: u32, extra: &str) -> String {
    format!(
        "      topologySpreadConstraints:\n        - maxSkew: {max_skew}\n          topologyKey: \
         topology.kubernetes.io/zone\n          whenUnsatisfiable: DoNotSchedule\n          \
         labelSelector: {{matchLabels: {{app: web}}}}\n{extra}"
    )
}

fn zone_of(node: &str) -> &'static str {
    if node.starts_with("a-") {
        "zone-a"
    } else if node.starts_with("b-") {
        "zone-b"
    } else {
        ""
    }
}

/// §9.2 DoNotSchedule spreading, the skew arithmetic: with maxSkew 1 over two zones, 4
/// replicas go 2 + 2 although zone-a has twice the nodes.
#[test]
fn spread_do_not_schedule_balances_zones() {
    let sim = run(&zone_pools(false), &deployment(4, &spread(1, ""), ""));
    let zones: Vec<&str> = nodes_used(&sim, "web-")
        .iter()
        .map(|n| zone_of(n))
        .collect();
    assert_eq!(zones, ["zone-a", "zone-a", "zone-b", "zone-b"]);
}

/// Skew: zone-b fits one pod only. After 2 in zone-a and 1 in zone-b, a 4th in zone-a would
/// make the skew 3 − 1 = 2 > 1, and zone-b is full: Pending with both reasons counted.
#[test]
fn spread_skew_keeps_a_pod_pending_when_the_short_zone_is_full() {
    let sim = run(&zone_pools(true), &deployment(4, &spread(1, ""), ""));
    let zones: Vec<&str> = nodes_used(&sim, "web-")
        .iter()
        .map(|n| zone_of(n))
        .collect();
    assert_eq!(zones, ["", "zone-a", "zone-a", "zone-b"]);
    let pending = pending_pod(&sim, "web-");
    assert_eq!(
        unschedulable_histogram(&sim, &pending),
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match pod topology \
         spread constraints"
    );
}

/// minDomains: with minDomains 3 and only two zones the global minimum counts as 0, so each
/// zone takes at most maxSkew (1) pod and the third replica stays Pending.
#[test]
fn spread_min_domains_treats_the_minimum_as_zero() {
    let sim = run(
        &zone_pools(false),
        &deployment(3, &spread(1, "          minDomains: 3\n"), ""),
    );
    let zones: Vec<&str> = nodes_used(&sim, "web-")
        .iter()
        .map(|n| zone_of(n))
        .collect();
    assert_eq!(zones, ["", "zone-a", "zone-b"]);
}

/// A node without the topology key cannot take a pod with a DoNotSchedule constraint on it.
#[test]
fn spread_needs_the_topology_label_on_the_node() {
    let sim = run(THREE_NODES, &deployment(1, &spread(1, ""), ""));
    let pending = pending_pod(&sim, "web-");
    assert_eq!(
        unschedulable_histogram(&sim, &pending),
        "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints \
         (missing required label)"
    );
}

/// §9.4 system default spreading: a Service selecting the pods makes the hostname (maxSkew
/// 3) and zone (maxSkew 5) ScheduleAnyway constraints apply; with weight 2 they outweigh
/// LeastAllocated's preference for the much larger node. (Pods owned by a ReplicaSet get the
/// defaults through their owner's selector even without a Service; bare pods need one.)
#[test]
fn system_default_spreading_applies_to_pods_selected_by_a_service() {
    let pools = "      - {name: big, count: 1, capacity: {cpu: \"64\", memory: 256Gi}}\n      \
         - {name: small, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let service = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  \
         selector: {app: web}\n  ports: [{port: 80}]\n";
    let pods: String = (1..=4)
        .map(|i| pod(&format!("web-{i}"), "{app: web}", ""))
        .collect();
    let without = run(pools, &pods[4..]);
    assert_eq!(
        nodes_used(&without, "web-"),
        ["big-1", "big-1", "big-1", "big-1"]
    );
    let with = run(pools, &(service[4..].to_string() + &pods));
    let nodes = nodes_used(&with, "web-");
    assert!(nodes.contains(&"small-1".to_string()), "{nodes:?}");
}

/// §9.2 host ports: two replicas asking for hostPort 8080 cannot share a node.
#[test]
fn host_port_conflict_keeps_the_third_replica_pending() {
    let two = "      - {name: node, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let ports = "          ports: [{containerPort: 80, hostPort: 8080}]\n";
    let sim = run(two, &deployment(3, "", ports));
    assert_eq!(nodes_used(&sim, "web-"), ["", "node-1", "node-2"]);
    let pending = pending_pod(&sim, "web-");
    assert_eq!(
        unschedulable_histogram(&sim, &pending),
        "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports"
    );
    let name = &placements(&sim, "web-")[1].0;
    assert_eq!(
        pod_field(&sim, name, "spec.containers[0].ports[0].hostPort"),
        "8080"
    );
    assert_eq!(
        pod_field(&sim, name, "spec.containers[0].ports[0].protocol"),
        "TCP"
    );
}

/// The API JSON shows the new fields with their defaults (nodeAffinityPolicy Honor,
/// nodeTaintsPolicy Ignore).
#[test]
fn spread_and_affinity_fields_are_visible_with_defaults() {
    let sim = run(&zone_pools(false), &deployment(1, &spread(1, ""), ""));
    let name = &placements(&sim, "web-")[0].0;
    let at = |path: &str| pod_field(&sim, name, path);
    assert_eq!(at("spec.topologySpreadConstraints[0].maxSkew"), "1");
    assert_eq!(
        at("spec.topologySpreadConstraints[0].nodeAffinityPolicy"),
        "Honor"
    );
    assert_eq!(
        at("spec.topologySpreadConstraints[0].nodeTaintsPolicy"),
        "Ignore"
    );
    let sim = run(THREE_NODES, &deployment(1, ANTI_AFFINITY_HOSTNAME, ""));
    let name = &placements(&sim, "web-")[0].0;
    assert_eq!(
        pod_field(
            &sim,
            name,
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"
        ),
        "kubernetes.io/hostname"
    );
}

fn bad_pod(spec_extra: &str, container_extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: c\n      \
         image: app:1\n{container_extra}{spec_extra}"
    )
}

fn assert_refused(error: &str, field: &str, message: &str) {
    assert!(
        error.contains(field) && error.contains(message),
        "expected {field}: {message} in\n{error}"
    );
}

/// Bad input: each new field is validated with the API server's message at its path.
#[test]
fn bad_scheduling_fields_are_refused_with_locations() {
    let check = |spec: &str, container: &str, field: &str, message: &str| {
        let error = load_error(THREE_NODES, &bad_pod(spec, container));
        assert_refused(&error, field, message);
    };
    let anti = "  affinity:\n    podAntiAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: \
         {matchLabels: {app: web}}\n          topologyKey: \"\"\n";
    check(
        anti,
        "",
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
        "Required value: can not be empty",
    );
    let weight = "  affinity:\n    podAffinity:\n      \
         preferredDuringSchedulingIgnoredDuringExecution:\n        - weight: 0\n          \
         podAffinityTerm: {topologyKey: kubernetes.io/hostname}\n";
    check(
        weight,
        "",
        "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
        "Invalid value: 0: must be in the range 1-100",
    );
    let keys = "  affinity:\n    podAffinity:\n      \
         requiredDuringSchedulingIgnoredDuringExecution:\n        - topologyKey: zone\n          \
         matchLabelKeys: [app]\n";
    check(
        keys,
        "",
        "requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys",
        "must not be specified when labelSelector is not set",
    );
    let spread = |fields: &str| {
        format!(
            "  topologySpreadConstraints:\n    - {{maxSkew: 1, topologyKey: zone, \
             whenUnsatisfiable: DoNotSchedule, {fields}}}\n"
        )
    };
    check(
        &spread("labelSelector: {}").replace("maxSkew: 1", "maxSkew: 0"),
        "",
        "spec.topologySpreadConstraints[0].maxSkew",
        "Invalid value: 0: must be greater than zero",
    );
    check(
        &spread("labelSelector: {}").replace("DoNotSchedule", "Sometimes"),
        "",
        "spec.topologySpreadConstraints[0].whenUnsatisfiable",
        "Unsupported value: \"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
    );
    check(
        &spread("minDomains: 2").replace("DoNotSchedule", "ScheduleAnyway"),
        "",
        "spec.topologySpreadConstraints[0].minDomains",
        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
    );
    check(
        &spread("nodeTaintsPolicy: Always"),
        "",
        "spec.topologySpreadConstraints[0].nodeTaintsPolicy",
        "Unsupported value: \"Always\": supported values: \"Honor\", \"Ignore\"",
    );
    check(
        "",
        "      ports: [{containerPort: 0}]\n",
        "spec.containers[0].ports[0].containerPort",
        "Required value",
    );
    check(
        "",
        "      ports: [{containerPort: 80, hostPort: 70000}]\n",
        "spec.containers[0].ports[0].hostPort",
        "Invalid value: 70000: must be between 1 and 65535, inclusive",
    );
    check(
        "",
        "      ports: [{containerPort: 80, protocol: HTTP}]\n",
        "spec.containers[0].ports[0].protocol",
        "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    );
    check(
        "",
        "      ports: [{containerPort: 80, name: http}, {containerPort: 81, name: http}]\n",
        "spec.containers[0].ports[1].name",
        "Duplicate value: \"http\"",
    );
}

/// Namespaces of a term (§9.2): by default the pod's own; `namespaceSelector` matches
/// namespaces by their labels, and `{}` selects every namespace.
#[test]
fn anti_affinity_namespaces_default_to_the_pods_own_or_follow_the_selector() {
    let one_node = "      - {name: node, count: 1, capacity: {cpu: \"4\", memory: 16Gi}}\n";
    let manifests = |namespace_selector: &str| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: data, labels: {{team: devops}}}}\n\
             ---\napiVersion: v1\nkind: Pod\nmetadata: {{name: db, namespace: data, labels: \
             {{app: db}}}}\nspec:\n  containers: [{{name: c, image: db:1}}]\n{}",
            pod(
                "web",
                "{app: web}",
                &format!(
                    "  affinity:\n    podAntiAffinity:\n      \
                     requiredDuringSchedulingIgnoredDuringExecution:\n        - labelSelector: \
                     {{matchLabels: {{app: db}}}}\n          topologyKey: \
                     kubernetes.io/hostname\n{namespace_selector}"
                ),
            )
        )
    };
    let own = run(one_node, &manifests(""));
    assert_eq!(pod_field(&own, "web", "spec.nodeName"), "node-1");
    for selector in ["{matchLabels: {team: devops}}", "{}"] {
        let sim = run(
            one_node,
            &manifests(&format!("          namespaceSelector: {selector}\n")),
        );
        assert_eq!(
            pod_field(&sim, "web", "spec.nodeName"),
            "<absent>",
            "{selector}"
        );
        assert_eq!(
            unschedulable_histogram(&sim, "web"),
            "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules"
        );
    }
    let other_team = run(
        one_node,
        &manifests("          namespaceSelector: {matchLabels: {team: web}}\n"),
    );
    assert_eq!(pod_field(&other_team, "web", "spec.nodeName"), "node-1");
}

/// ImageLocality (weight 1): node b lists the pod's image in `status.images` (500 MiB, on 1
/// of 2 nodes: 250 MiB scaled, score 23) and wins over node a, which has twice the CPU and
/// wins without the image; the images show in the node's API JSON.
#[test]
fn image_locality_prefers_the_node_with_the_image() {
    let node = |name: &str, cpu: &str, images: &str| {
        format!(
            "---\napiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\nstatus:\n  capacity: \
             {{cpu: \"{cpu}\", memory: 16Gi}}\n  allocatable: {{cpu: \"{cpu}\", memory: 16Gi}}\n\
             {images}"
        )
    };
    let image =
        "  images: [{names: [\"app:1\", \"registry.example/app:1\"], sizeBytes: 524288000}]\n";
    let manifests =
        |b_images: &str| node("a", "8", "") + &node("b", "4", b_images) + &pod("p", "{app: p}", "");
    let without = run("      []\n", &manifests("")[4..]);
    assert_eq!(pod_field(&without, "p", "spec.nodeName"), "a");
    let sim = run("      []\n", &manifests(image)[4..]);
    assert_eq!(pod_field(&sim, "p", "spec.nodeName"), "b");
    let value = lookup(sim.store(), Kind::Node, &ObjectKey::new("", "b")).expect("node b");
    let size = field_value(&value, "status.images[0].sizeBytes")
        .expect("valid path")
        .map(value_to_text);
    assert_eq!(size.as_deref(), Some("524288000"));
}

/// §9.2 extended resources: a node with one `nvidia.com/gpu` takes one pod asking for it;
/// the second stays Pending with NodeResourcesFit's "Insufficient nvidia.com/gpu".
#[test]
fn extended_resources_are_filtered() {
    let node = "apiVersion: v1\nkind: Node\nmetadata: {name: gpu}\nstatus:\n  capacity: {cpu: \
         \"4\", memory: 16Gi, nvidia.com/gpu: \"1\"}\n  allocatable: {cpu: \"4\", memory: 16Gi, \
         nvidia.com/gpu: \"1\"}\n";
    let trainer = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n    \
             - name: c\n      image: train:1\n      resources: {{limits: {{nvidia.com/gpu: \
             \"1\"}}}}\n"
        )
    };
    let sim = run(
        "      []\n",
        &(node.to_string() + &trainer("t1") + &trainer("t2")),
    );
    assert_eq!(pod_field(&sim, "t1", "spec.nodeName"), "gpu");
    assert_eq!(pod_field(&sim, "t2", "spec.nodeName"), "<absent>");
    assert_eq!(
        unschedulable_histogram(&sim, "t2"),
        "0/1 nodes are available: 1 Insufficient nvidia.com/gpu"
    );
}
