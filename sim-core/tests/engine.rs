//! End-to-end checks of the engine through its public API (no YAML): a Deployment on a
//! small cluster, scale, pod deletion, crash loops.

use std::collections::BTreeMap;

use sim_core::behaviour::{BehaviourBook, BehaviourPatch, BehaviourRule};
use sim_core::objects::*;
use sim_core::scheduler::{Profile, Registry};
use sim_core::selector::LabelSelector;
use sim_core::sim::{AnyObject, ScenarioAction, SimConfig, Simulation};
use sim_core::time::SimTime;

fn node(name: &str, cpu_millis: u64, memory_gib: u64) -> Node {
    let capacity = Resources {
        cpu_millis,
        memory_bytes: memory_gib << 30,
        pods: 110,
        ..Resources::default()
    };
    Node {
        meta: ObjectMeta {
            name: name.to_string(),
            ..ObjectMeta::default()
        },
        unschedulable: false,
        taints: vec![],
        allocatable: capacity.clone(),
        capacity,
        ready: ConditionStatus::True,
        images: Vec::new(),
        memory_pressure: sim_core::objects::ConditionStatus::False,
        health: Default::default(),
    }
}

fn container(name: &str, cpu_millis: u64) -> Container {
    Container {
        name: name.to_string(),
        image: "nginx:1.27".to_string(),
        image_pull_policy: ImagePullPolicy::IfNotPresent,
        requests: Resources {
            cpu_millis,
            memory_bytes: 64 << 20,
            ..Resources::default()
        },
        limits: Resources::default(),
        readiness_probe: None,
        liveness_probe: None,
        startup_probe: None,
        restart_policy: None,
        pre_stop: None,
        declared: Default::default(),
        config_refs: Vec::new(),
        ports: Vec::new(),
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn deployment(name: &str, replicas: u32, cpu_millis: u64) -> Deployment {
    let l = labels(&[("app", name)]);
    Deployment {
        meta: ObjectMeta {
            name: name.to_string(),
            namespace: "default".to_string(),
            ..ObjectMeta::default()
        },
        replicas,
        selector: LabelSelector::from_labels(l.clone()),
        template: PodTemplate {
            labels: l,
            annotations: BTreeMap::new(),
            spec: PodSpec {
                node_name: None,
                scheduler_name: "default-scheduler".to_string(),
                node_selector: BTreeMap::new(),
                tolerations: vec![],
                init_containers: vec![],
                containers: vec![container("app", cpu_millis)],
                restart_policy: RestartPolicy::Always,
                termination_grace_period_seconds: 30,
                priority: 0,
                priority_class_name: String::new(),
                preemption_policy: Default::default(),
                active_deadline_seconds: None,
                affinity: None,
                volumes: vec![],
                hostname: None,
                subdomain: None,
                topology_spread_constraints: vec![],
            },
        },
        strategy: DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
        },
        min_ready_seconds: 0,
        revision_history_limit: 10,
        progress_deadline_seconds: 600,
        paused: false,
        status: DeploymentStatus::default(),
    }
}

fn simulation_with(config: SimConfig, behaviours: BehaviourBook) -> Simulation {
    let registry = Registry::with_default_plugins();
    let profile = Profile::default_profile(&registry).expect("default profile");
    Simulation::new(config, profile, behaviours)
}

fn simulation(seed: u64, behaviours: BehaviourBook) -> Simulation {
    simulation_with(
        SimConfig {
            seed,
            check_invariants: true,
            ..SimConfig::default()
        },
        behaviours,
    )
}

/// One node and a Deployment of `replicas` pods, under `config`.
fn small_cluster(config: SimConfig, replicas: u32) -> Simulation {
    let mut sim = simulation_with(config, BehaviourBook::default());
    apply(&mut sim, 0, AnyObject::Node(Box::new(node("n1", 4000, 16))));
    apply(
        &mut sim,
        0,
        AnyObject::Deployment(Box::new(deployment("web", replicas, 100))),
    );
    sim
}

fn apply(sim: &mut Simulation, at: u64, object: AnyObject) {
    sim.schedule_action(SimTime(at * 1000), ScenarioAction::Apply(object))
        .expect("schedule");
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::new("default", name)
}

#[test]
fn deployment_reaches_ready_and_scales() {
    let mut sim = simulation(7, BehaviourBook::default());
    for n in ["n1", "n2", "n3"] {
        apply(&mut sim, 0, AnyObject::Node(Box::new(node(n, 4000, 16))));
    }
    apply(
        &mut sim,
        0,
        AnyObject::Deployment(Box::new(deployment("web", 3, 100))),
    );
    sim.schedule_action(
        SimTime(60_000),
        ScenarioAction::Scale {
            target: ObjectRef::new(Kind::Deployment, key("web")),
            replicas: 6,
        },
    )
    .expect("schedule");
    sim.run_until(SimTime(30_000)).expect("run");
    let d = sim
        .store()
        .get::<Deployment>(&key("web"))
        .expect("deployment");
    assert_eq!(d.status.ready_replicas, 3, "{:#?}", d.status);
    assert_eq!(d.status.available_replicas, 3);
    sim.run_until(SimTime(120_000)).expect("run");
    let d = sim
        .store()
        .get::<Deployment>(&key("web"))
        .expect("deployment");
    assert_eq!(d.status.ready_replicas, 6);
    let running = sim
        .store()
        .list::<Pod>()
        .filter(|p| p.status.phase == PodPhase::Running && p.is_ready())
        .count();
    assert_eq!(running, 6);
}

/// G4: a container that exits 1 at once restarts at 0, 0, 10, 30, 70, 150, 310, 610 s.
#[test]
fn g4_crash_loop_restart_times() {
    let patch = BehaviourPatch {
        exit_code: Some(1),
        ..BehaviourPatch::default()
    };
    let book = BehaviourBook {
        rules: vec![BehaviourRule {
            namespace: None,
            selector: LabelSelector::default(),
            container: None,
            patch,
        }],
    };
    let mut sim = simulation(1, book);
    apply(&mut sim, 0, AnyObject::Node(Box::new(node("n1", 4000, 16))));
    apply(
        &mut sim,
        0,
        AnyObject::Deployment(Box::new(deployment("crash", 1, 100))),
    );
    sim.run_until(SimTime(1_000_000)).expect("run");
    let starts: Vec<u64> = sim
        .timeline()
        .records()
        .iter()
        .filter_map(|r| match &r.body {
            sim_core::timeline::RecordBody::Event { reason, .. } if reason == "Started" => {
                Some(r.time.as_secs())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        starts[..9],
        [0, 0, 10, 30, 70, 150, 310, 610, 910],
        "{starts:?}"
    );
    let pod = sim.store().list::<Pod>().next().expect("pod");
    assert_eq!(
        pod.status.phase,
        PodPhase::Running,
        "G4: crash-looping pod is Running"
    );
    assert!(!pod.is_ready());
}

#[test]
fn same_seed_same_timeline() {
    let run = |seed| {
        let mut sim = simulation(seed, BehaviourBook::default());
        for n in ["n1", "n2", "n3", "n4"] {
            apply(&mut sim, 0, AnyObject::Node(Box::new(node(n, 4000, 16))));
        }
        apply(
            &mut sim,
            0,
            AnyObject::Deployment(Box::new(deployment("web", 8, 100))),
        );
        sim.run_until(SimTime(100_000)).expect("run");
        format!("{:?}", sim.timeline().records())
    };
    assert_eq!(run(3), run(3));
}

fn first_time_of(sim: &Simulation, pred: impl Fn(&sim_core::timeline::Record) -> bool) -> u64 {
    sim.timeline()
        .records()
        .iter()
        .find(|r| pred(r))
        .map(|r| r.time.as_millis())
        .expect("record present")
}

/// The reaction latency delays each controller hop: Deployment → ReplicaSet → Pods.
#[test]
fn controller_latency_delays_each_reconcile() {
    let mut sim = small_cluster(
        SimConfig {
            controller_latency: sim_core::time::SimDuration::from_millis(100),
            ..SimConfig::default()
        },
        2,
    );
    sim.run_until(SimTime(10_000)).expect("run");
    let rs_created = first_time_of(&sim, |r| {
        r.object.kind == Kind::ReplicaSet && r.body == sim_core::timeline::RecordBody::Created
    });
    let pod_created = first_time_of(&sim, |r| {
        r.object.kind == Kind::Pod && r.body == sim_core::timeline::RecordBody::Created
    });
    assert_eq!((rs_created, pod_created), (100, 200));
}

/// Many changes to one ReplicaSet's pods at one instant wake it once, not once per change.
#[test]
fn wake_ups_are_deduplicated_per_key() {
    let mut sim = simulation(1, BehaviourBook::default());
    apply(
        &mut sim,
        0,
        AnyObject::Node(Box::new(node("n1", 64_000, 64))),
    );
    apply(
        &mut sim,
        0,
        AnyObject::Deployment(Box::new(deployment("web", 50, 100))),
    );
    sim.run_until(SimTime(1_000)).expect("run");
    let stats = sim.stats();
    // 50 pods each go through several changes (created, bound, started, ready): 210
    // events with deduplication, about 460 with one reconcile per change.
    assert!(stats.events < 300, "{stats:?}");
    let d = sim
        .store()
        .get::<Deployment>(&key("web"))
        .expect("deployment");
    assert_eq!(d.status.ready_replicas, 50);
}

/// Bounded loops (style.md §12): a run that exceeds its event budget stops with an error
/// naming the last event, never hangs.
#[test]
fn event_budget_stops_a_run() {
    let mut sim = small_cluster(
        SimConfig {
            event_budget: 20,
            ..SimConfig::default()
        },
        5,
    );
    let error = sim.run().expect_err("budget exhausted");
    assert!(
        matches!(
            error,
            sim_core::sim::SimError::BudgetExhausted { budget: 20, .. }
        ),
        "{error}"
    );
    let mut sim = small_cluster(
        SimConfig {
            per_instant_cap: 10,
            ..SimConfig::default()
        },
        5,
    );
    let error = sim.run().expect_err("instant cap exceeded");
    assert!(
        error.to_string().contains("time does not advance"),
        "{error}"
    );
}
