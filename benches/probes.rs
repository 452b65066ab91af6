//! What probes cost (the cost rule): a Deployment of 500 pods, each with a liveness
//! and a readiness probe every 10 s, simulated for one hour. Lazily, a probe that only
//! confirms what is known costs nothing, so the hour costs what the rollout costs; eagerly
//! (`--eager-probes`), every one of the 360,000 ticks is an event. Both give the same
//! timeline (tests/probe_modes.rs).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::{parse_scenario, Scenario};

const PODS: u64 = 500;

fn scenario() -> Scenario {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: probes}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 10, capacity: \
         {{cpu: \"64\", memory: 256Gi, pods: 110}}}}\n---\napiVersion: apps/v1\nkind: Deployment\n\
         metadata: {{name: web}}\nspec:\n  replicas: {PODS}\n  selector: {{matchLabels: {{app: web}}}}\n  \
         template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n        \
         - name: web\n          image: nginx:1.27\n          livenessProbe: {{httpGet: {{port: 80}}}}\n          \
         readinessProbe: {{httpGet: {{port: 80}}}}\n"
    );
    match parse_scenario("probes.yaml", &text, Path::new(".")) {
        Ok(s) => s,
        Err(e) => panic!("the bench scenario is valid: {e}"),
    }
}

fn probes(c: &mut Criterion) {
    let scenario = scenario();
    let mut group = c.benchmark_group("probes");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PODS));
    for (name, eager) in [("lazy_500_pods_1h", false), ("eager_500_pods_1h", true)] {
        let options = RunOptions {
            eager_probes: eager,
            ..RunOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| match run(&scenario, &options) {
                Ok(report) => report.simulation.stats().events,
                Err(e) => panic!("runs: {e}"),
            })
        });
    }
    group.finish();
}

criterion_group!(benches, probes);
criterion_main!(benches);
