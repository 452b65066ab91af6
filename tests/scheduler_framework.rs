//! The scheduling framework's later extension points (k8s-semantics §9.1, kube-scheduler's
//! `framework/interface.go`): PostFilter (DefaultPreemption, and what a profile without it
//! says), Reserve/Unreserve, Permit (allow, reject, wait with a timeout, gang scheduling by
//! allowing waiting pods) and Bind (DefaultBinder, a binder that skips, one that fails), with
//! user plugins registered like the in-tree ones.

mod common;

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use sim_core::objects::{Kind, ObjectKey, Pod};
use sim_core::scheduler::framework::{
    BindOutcome, BindPlugin, PermitDecision, PermitPlugin, ReservePlugin, Status, WaitingPods,
};
use sim_core::scheduler::node_info::SchedulerCache;
use sim_core::scheduler::policies::registry_with_policy_plugins;
use sim_core::scheduler::registry::{
    PluginArgs, PluginInstance, Profile, ProfileConfig, Registry, RegistryError,
};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::run::{build_with_profiles, RunOptions};
use sim_scenarios::scenario::parse_scenario;

/// A bare pod `name` with `labels`, requesting `cpu`.
fn pod(name: &str, labels: &str, cpu: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{{labels}}}}}\nspec:\n  \
         containers:\n    - name: app\n      image: nginx:1.27\n      resources: {{requests: \
         {{cpu: {cpu}}}}}\n"
    )
}

/// A scenario of `nodes` nodes of 1 CPU with `docs` at t=0 and `events`, run with the
/// profile `config` built from `registry`.
fn simulation(
    dir: &Path,
    nodes: u32,
    docs: &str,
    events: &str,
    registry: &Registry,
    config: &ProfileConfig,
) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: framework}}\nspec:\n  \
         duration: 10m\n  cluster:\n    nodePools:\n      - {{name: node, count: {nodes}, \
         capacity: {{cpu: \"1\", memory: 8Gi}}}}\n  events:\n{events}---\n{docs}"
    );
    let scenario = parse_scenario("framework.yaml", &text, dir).expect("scenario parses");
    let profile = Profile::new(registry, config).expect("profile builds");
    build_with_profiles(&scenario, &RunOptions::default(), profile, Vec::new())
        .expect("simulation builds")
}

fn apply_at(dir: &Path, file: &str, at: &str, manifest: &str) -> String {
    common::write(dir, file, manifest);
    format!("    - at: {at}\n      apply: {file}\n")
}

fn run_to(sim: &mut Simulation, millis: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(millis))
        .expect("runs");
}

fn field(sim: &Simulation, name: &str, path: &str) -> String {
    common::object_field(sim, Kind::Pod, &ObjectKey::new("default", name), path)
}

/// (millis, pod) of every `Scheduled` event.
fn scheduled(sim: &Simulation) -> Vec<(u64, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event { reason, .. } if reason == "Scheduled" => {
                Some((r.time.as_millis(), r.object.key.name.clone()))
            }
            _ => None,
        })
        .collect()
}

fn register(
    registry: &mut Registry,
    name: &str,
    make: impl Fn() -> PluginInstance + 'static,
) -> Result<(), RegistryError> {
    registry.register(name, Box::new(move |_: &PluginArgs| Ok(make())))
}

/// Gang scheduling: a pod labelled `gang: NAME` waits at Permit until `size` pods of its
/// gang are reserved, then the last one allows the others.
struct Gang {
    size: usize,
}

impl PermitPlugin for Gang {
    fn name(&self) -> &'static str {
        "Gang"
    }

    fn permit(&self, pod: &Pod, _node: &str, waiting: &mut WaitingPods) -> PermitDecision {
        let Some(gang) = pod.meta.labels.get("gang") else {
            return PermitDecision::Allow;
        };
        let members: Vec<_> = waiting
            .iter()
            .filter(|w| w.labels.get("gang") == Some(gang))
            .map(|w| w.uid)
            .collect();
        if members.len() + 1 < self.size {
            return PermitDecision::Wait {
                timeout: SimDuration::from_secs(10),
            };
        }
        for uid in members {
            waiting.allow(uid, "Gang");
        }
        PermitDecision::Allow
    }
}

fn gang_setup() -> (Registry, ProfileConfig) {
    let mut registry = registry_with_policy_plugins();
    register(&mut registry, "Gang", || PluginInstance {
        permit: Some(Box::new(Gang { size: 3 })),
        ..PluginInstance::default()
    })
    .expect("registers");
    let mut config = ProfileConfig::default_config();
    config.permits.push("Gang".to_string());
    (registry, config)
}

/// Three members of a gang arrive 2 s apart: the first two wait at Permit (assumed on
/// their nodes, so the third is counted around them), and all three bind when the third is
/// permitted.
#[test]
fn permit_holds_a_gang_until_its_last_member_arrives() {
    let dir = common::scratch("framework-gang");
    let (registry, config) = gang_setup();
    let events = [
        apply_at(&dir, "b.yaml", "2s", &pod("b", "gang: g", "600m")),
        apply_at(&dir, "c.yaml", "4s", &pod("c", "gang: g", "600m")),
    ]
    .concat();
    let mut sim = simulation(
        &dir,
        3,
        &pod("a", "gang: g", "600m"),
        &events,
        &registry,
        &config,
    );
    run_to(&mut sim, 3_000);
    assert!(scheduled(&sim).is_empty(), "a and b wait at Permit");
    assert_eq!(field(&sim, "a", "spec.nodeName"), "<absent>");
    run_to(&mut sim, 6_000);
    let bound = scheduled(&sim);
    assert_eq!(bound.len(), 3, "{bound:?}");
    assert!(bound.iter().all(|(t, _)| *t == 4_000), "{bound:?}");
    // Assumed pods count: with 600m each on 1-CPU nodes, the three are on three nodes.
    let mut nodes: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|p| field(&sim, p, "spec.nodeName"))
        .collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes.len(), 3, "{nodes:?}");
}

/// A member that waits longer than the plugin's timeout is rejected with kube-scheduler's
/// message and goes back to the queue; its node is free again.
#[test]
fn permit_wait_times_out_with_kube_scheduler_message() {
    let dir = common::scratch("framework-gang-timeout");
    let (registry, config) = gang_setup();
    let mut sim = simulation(
        &dir,
        1,
        &pod("lonely", "gang: g", "600m"),
        &apply_at(&dir, "other.yaml", "5s", &pod("other", "app: x", "600m")),
        &registry,
        &config,
    );
    run_to(&mut sim, 6_000);
    // While `lonely` is held, its 600m is assumed on the only node: `other` does not fit.
    assert_eq!(field(&sim, "other", "spec.nodeName"), "<absent>");
    run_to(&mut sim, 10_500);
    assert_eq!(
        field(&sim, "lonely", "status.conditions[PodScheduled].message"),
        "rejected due to timeout after waiting 10s at plugin Gang"
    );
    assert_eq!(
        field(&sim, "lonely", "status.conditions[PodScheduled].reason"),
        "Unschedulable"
    );
    // The room is free again and `other`, whose back-off has long expired, binds at once;
    // `lonely` comes back after its own back-off and no longer fits.
    assert_eq!(field(&sim, "other", "spec.nodeName"), "node-1");
    run_to(&mut sim, 20_000);
    assert_eq!(
        field(&sim, "lonely", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: \
         0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

/// Records reserve and unreserve calls; refuses pods labelled `refuse: "true"`.
struct Recorder {
    calls: Rc<RefCell<Vec<String>>>,
}

impl ReservePlugin for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn reserve(&self, pod: &Pod, node: &str, _cache: &SchedulerCache) -> Status {
        self.calls
            .borrow_mut()
            .push(format!("reserve {} {node}", pod.meta.name));
        if pod.meta.labels.contains_key("refuse") {
            Status::unschedulable("node(s) were refused by Recorder")
        } else {
            Status::Success
        }
    }

    fn unreserve(&self, pod: &Pod, node: &str) {
        self.calls
            .borrow_mut()
            .push(format!("unreserve {} {node}", pod.meta.name));
    }
}

/// Fails to bind pods labelled `bind: fail`, skips the others (DefaultBinder then binds).
struct PickyBinder;

impl BindPlugin for PickyBinder {
    fn name(&self) -> &'static str {
        "PickyBinder"
    }

    fn bind(&self, pod: &Pod, _node: &str) -> BindOutcome {
        match pod.meta.labels.get("bind").map(String::as_str) {
            Some("fail") => BindOutcome::Error("the binding API said no".to_string()),
            _ => BindOutcome::Skip,
        }
    }
}

/// Reserve is called for the chosen node; a refusal un-reserves (every Reserve plugin, in
/// reverse order) and the pod stays Pending with reason `Unschedulable` and the plugin's
/// message. A Bind plugin that skips leaves the pod to DefaultBinder; one that fails
/// un-reserves and the pod gets `SchedulerError`.
#[test]
fn reserve_unreserve_and_bind_plugins() {
    let dir = common::scratch("framework-reserve-bind");
    let calls = Rc::new(RefCell::new(Vec::new()));
    let mut registry = registry_with_policy_plugins();
    let shared = Rc::clone(&calls);
    register(&mut registry, "Recorder", move || PluginInstance {
        reserve: Some(Box::new(Recorder {
            calls: Rc::clone(&shared),
        })),
        ..PluginInstance::default()
    })
    .expect("registers");
    register(&mut registry, "PickyBinder", || PluginInstance {
        bind: Some(Box::new(PickyBinder)),
        ..PluginInstance::default()
    })
    .expect("registers");
    let mut config = ProfileConfig::default_config();
    config.reserves.push("Recorder".to_string());
    config.binds.insert(0, "PickyBinder".to_string());
    let docs = [
        pod("ok", "app: a", "100m"),
        pod("refused", "refuse: \"true\"", "100m"),
        pod("unbindable", "bind: fail", "100m"),
    ]
    .join("---\n");
    let mut sim = simulation(&dir, 1, &docs, "", &registry, &config);
    run_to(&mut sim, 500);
    assert_eq!(field(&sim, "ok", "spec.nodeName"), "node-1");
    assert_eq!(field(&sim, "refused", "spec.nodeName"), "<absent>");
    assert_eq!(
        field(&sim, "refused", "status.conditions[PodScheduled].message"),
        "node(s) were refused by Recorder"
    );
    assert_eq!(
        field(&sim, "unbindable", "status.conditions[PodScheduled].reason"),
        "SchedulerError"
    );
    assert_eq!(
        field(
            &sim,
            "unbindable",
            "status.conditions[PodScheduled].message"
        ),
        "running Bind plugin \"PickyBinder\": the binding API said no"
    );
    // Within the first second nothing is retried: one attempt each.
    assert_eq!(
        *calls.borrow(),
        [
            "reserve ok node-1",
            "reserve refused node-1",
            "unreserve refused node-1",
            "reserve unbindable node-1",
            "unreserve unbindable node-1",
        ]
    );
}

/// Without DefaultPreemption (a profile whose PostFilter list is empty, as
/// `postFilter: {disabled: [{name: DefaultPreemption}]}` gives) a pod that fits nowhere does
/// not preempt, and the message ends with DynamicResources' part alone.
#[test]
fn a_profile_without_default_preemption_does_not_preempt() {
    let dir = common::scratch("framework-no-preemption");
    let registry = registry_with_policy_plugins();
    let mut config = ProfileConfig::default_config();
    config.post_filters.clear();
    let classes = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n";
    let low = pod("low", "app: low", "800m");
    let high = format!(
        "{}  priorityClassName: high\n",
        pod("high", "app: high", "800m")
    );
    let events = apply_at(&dir, "high.yaml", "5s", &high);
    let mut sim = simulation(
        &dir,
        1,
        &format!("{classes}---\n{low}"),
        &events,
        &registry,
        &config,
    );
    run_to(&mut sim, 20_000);
    assert_eq!(field(&sim, "low", "status.phase"), "Running");
    assert_eq!(
        field(&sim, "high", "status.conditions[PodScheduled].message"),
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate"
    );
}

/// A plugin listed at an extension point it does not implement is refused with the point's
/// name.
#[test]
fn a_plugin_at_the_wrong_extension_point_is_refused() {
    let mut config = ProfileConfig::default_config();
    config.permits.push("NodeResourcesFit".to_string());
    let error = Profile::new(&registry_with_policy_plugins(), &config).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "plugin \"NodeResourcesFit\" does not extend Permit"
    );
}

/// Deleting a pod held at Permit un-reserves it and frees its room at once: a pod waiting
/// for that room is retried on the deletion (a cluster event), not at its next timer.
#[test]
fn deleting_a_held_pod_frees_its_room() {
    let dir = common::scratch("framework-gang-delete");
    let (registry, config) = gang_setup();
    let events = [
        apply_at(&dir, "other.yaml", "2s", &pod("other", "app: x", "600m")),
        "    - at: 5s\n      delete: {object: pod/lonely, gracePeriod: 0}\n".to_string(),
    ]
    .concat();
    let mut sim = simulation(
        &dir,
        1,
        &pod("lonely", "gang: g", "600m"),
        &events,
        &registry,
        &config,
    );
    run_to(&mut sim, 4_000);
    assert_eq!(field(&sim, "other", "spec.nodeName"), "<absent>");
    run_to(&mut sim, 5_000);
    assert_eq!(field(&sim, "other", "spec.nodeName"), "node-1");
}
