//! What a rollout costs at scale: 200 nodes running a 2,000-replica Deployment whose pods
//! turn Ready through a readiness probe, then a new image at 1m rolled out to every pod
//! (max surge and unavailable 25 %), three simulated minutes in all. Every pod change wakes
//! its ReplicaSet, whose reconcile claims and counts its pods: through the store's
//! controller-owner index that costs the ReplicaSet's own pods, not the namespace's.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::{parse_scenario, Scenario};

const NODES: u64 = 200;
const REPLICAS: u64 = 2000;

fn scenario() -> Scenario {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: rollout}}\nspec:\n  \
         duration: 3m\n  cluster:\n    nodePools:\n      - {{name: worker, count: {NODES}, \
         capacity: {{cpu: \"16\", memory: 64Gi, pods: 110}}}}\n  behaviours:\n    - \
         {{selector: app=web, startAfter: 5s}}\n  events:\n    - {{at: 1m, setImage: {{object: \
         deployment/web, container: web, image: \"nginx:1.28\"}}}}\n---\napiVersion: apps/v1\n\
         kind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {REPLICAS}\n  selector: \
         {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    \
         spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          \
         resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}\n          readinessProbe: \
         {{httpGet: {{path: /, port: 80}}, periodSeconds: 5}}\n"
    );
    match parse_scenario("rollout.yaml", &text, Path::new(".")) {
        Ok(s) => s,
        Err(e) => panic!("the bench scenario is valid: {e}"),
    }
}

fn rollout(c: &mut Criterion) {
    let scenario = scenario();
    let mut group = c.benchmark_group("rollout");
    group.sample_size(10);
    group.throughput(Throughput::Elements(REPLICAS));
    group.bench_function("200_nodes_2000_replicas_set_image", |b| {
        b.iter(|| match run(&scenario, &RunOptions::default()) {
            Ok(report) => report.simulation.stats().events,
            Err(e) => panic!("runs: {e}"),
        })
    });
    group.finish();
}

criterion_group!(benches, rollout);
criterion_main!(benches);
