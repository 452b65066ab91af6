//! Scheduling throughput on the scheduler_perf SchedulingBasic shape (shared/scheduler-perf.md):
//! 5,000 nodes of 4 CPU / 32Gi / 110 pods, 1,000 pods already placed, then 10,000 measured
//! pods of 100m / 500Mi (requests = limits). kube-scheduler's CI threshold for this workload
//! is 680 pods/s (810 for the 50k-pod variant); design.md asks ≥ 50,000 pods/s.
//!
//! Two measurements:
//! - `scheduler/...`: the scheduling cycle alone (filter, score, select, bind into the cache),
//!   which is what scheduler_perf measures;
//! - `simulation/...`: the whole engine — pods created through the API, queued, scheduled,
//!   bound, admitted by kubelets and started — so the cost of everything around the
//!   scheduler shows.

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sim_core::behaviour::BehaviourBook;
use sim_core::objects::{
    ConditionStatus, Container, ImagePullPolicy, Node, ObjectMeta, Pod, PodSpec, PodStatus,
    Resources, RestartPolicy, Uid,
};
use sim_core::scheduler::{schedule_one, Profile, Registry, SchedulerCache};
use sim_core::sim::{AnyObject, ScenarioAction, SimConfig, Simulation};
use sim_core::time::SimTime;

const NODES: usize = 5_000;
const INIT_PODS: usize = 1_000;
const MEASURED_PODS: usize = 10_000;

fn node(i: usize) -> Node {
    let capacity = Resources {
        cpu_millis: 4_000,
        memory_bytes: 32 << 30,
        pods: 110,
        ..Resources::default()
    };
    Node {
        meta: ObjectMeta {
            name: format!("node-{i:05}"),
            ..ObjectMeta::default()
        },
        unschedulable: false,
        taints: Vec::new(),
        allocatable: capacity.clone(),
        capacity,
        ready: ConditionStatus::True,
    }
}

fn pod(i: usize) -> Pod {
    let resources = Resources {
        cpu_millis: 100,
        memory_bytes: 500 << 20,
        ..Resources::default()
    };
    Pod {
        meta: ObjectMeta {
            name: format!("pod-{i:06}"),
            namespace: "default".to_string(),
            uid: Uid(i as u64 + 1),
            ..ObjectMeta::default()
        },
        spec: PodSpec {
            node_name: None,
            scheduler_name: "default-scheduler".to_string(),
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            init_containers: Vec::new(),
            containers: vec![Container {
                name: "pause".to_string(),
                image: "registry.k8s.io/pause:3.10".to_string(),
                image_pull_policy: ImagePullPolicy::IfNotPresent,
                requests: resources.clone(),
                limits: resources,
                readiness_probe: None,
                liveness_probe: None,
                startup_probe: None,
                restart_policy: None,
                pre_stop: None,
                declared: Default::default(),
                config_refs: Vec::new(),
            }],
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
        },
        status: PodStatus::default(),
    }
}

fn profile() -> Profile {
    Profile::default_profile(&Registry::with_default_plugins()).expect("default profile")
}

fn scheduler_only(c: &mut Criterion) {
    let profile = profile();
    let mut base = SchedulerCache::from_nodes((0..NODES).map(node));
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut start = 0usize;
    for i in 0..INIT_PODS {
        let p = pod(i);
        let decision = schedule_one(&profile, &p, &base, &mut rng, &mut start).expect("fits");
        base.add_pod(&decision.node_name, &p);
    }
    let pods: Vec<Pod> = (INIT_PODS..INIT_PODS + MEASURED_PODS).map(pod).collect();
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MEASURED_PODS as u64));
    group.bench_function("scheduling_basic_5000_nodes_10000_pods", |b| {
        b.iter_batched(
            || (base.clone(), ChaCha8Rng::seed_from_u64(2)),
            |(mut cache, mut rng)| {
                let mut start = 0usize;
                for p in &pods {
                    let decision =
                        schedule_one(&profile, p, &cache, &mut rng, &mut start).expect("fits");
                    cache.add_pod(&decision.node_name, p);
                }
                cache
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn simulation_with(init: usize) -> Simulation {
    let mut sim = Simulation::new(SimConfig::default(), profile(), BehaviourBook::default());
    for i in 0..NODES {
        let _ = sim.schedule_action(
            SimTime::ZERO,
            ScenarioAction::Apply(AnyObject::Node(Box::new(node(i)))),
        );
    }
    for i in 0..init {
        let mut p = pod(i);
        p.meta.uid = Uid(0);
        let _ = sim.schedule_action(
            SimTime::ZERO,
            ScenarioAction::Apply(AnyObject::Pod(Box::new(p))),
        );
    }
    let _ = sim.run_until(SimTime::ZERO);
    sim
}

fn whole_engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulation");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MEASURED_PODS as u64));
    group.bench_function("scheduling_basic_5000_nodes_10000_pods", |b| {
        b.iter_batched(
            || {
                let mut sim = simulation_with(INIT_PODS);
                for i in INIT_PODS..INIT_PODS + MEASURED_PODS {
                    let mut p = pod(i);
                    p.meta.uid = Uid(0);
                    let _ = sim.schedule_action(
                        SimTime(1_000),
                        ScenarioAction::Apply(AnyObject::Pod(Box::new(p))),
                    );
                }
                sim
            },
            |mut sim| {
                let stats = sim.run_until(SimTime(1_000)).expect("run");
                assert_eq!(stats.bindings as usize, INIT_PODS + MEASURED_PODS);
                sim
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, scheduler_only, whole_engine);
criterion_main!(benches);
