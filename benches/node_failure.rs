//! What node failure costs (the cost rule): 500 nodes in five zones running 1,500
//! pods, simulated for 30 minutes, healthy and with one zone's 100 nodes crashing at 1m.
//! Heartbeats and monitor passes are arithmetic, so the healthy run costs what starting the
//! pods costs, and the outage adds work in proportion to its state transitions (100 nodes
//! going Unknown, tainted one per 10 s, their pods deleted and replaced), not to time.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::{parse_scenario, Scenario};

const PODS: u64 = 1500;

fn scenario(events: &str) -> Scenario {
    let pools: String = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|z| {
            format!(
                "      - {{name: {z}, count: 100, zone: zone-{z}, capacity: {{cpu: \"8\", \
                 memory: 32Gi, pods: 110}}}}\n"
            )
        })
        .collect();
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: outage}}\nspec:\n  \
         duration: 30m\n  cluster:\n    nodePools:\n{pools}{events}---\napiVersion: apps/v1\n\
         kind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {PODS}\n  selector: \
         {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    \
         spec:\n      containers:\n        - {{name: web, image: nginx:1.27, resources: \
         {{requests: {{cpu: 100m}}}}}}\n"
    );
    match parse_scenario("outage.yaml", &text, Path::new(".")) {
        Ok(s) => s,
        Err(e) => panic!("the bench scenario is valid: {e}"),
    }
}

fn node_failure(c: &mut Criterion) {
    let mut group = c.benchmark_group("node_failure");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PODS));
    let outage = "  events:\n    - at: 1m\n      zoneOutage: zone-a\n";
    for (name, events) in [
        ("healthy_500_nodes_30m", ""),
        ("zone_outage_500_nodes_30m", outage),
    ] {
        let scenario = scenario(events);
        group.bench_function(name, |b| {
            b.iter(|| match run(&scenario, &RunOptions::default()) {
                Ok(report) => report.simulation.stats().events,
                Err(e) => panic!("runs: {e}"),
            })
        });
    }
    group.finish();
}

criterion_group!(benches, node_failure);
criterion_main!(benches);
