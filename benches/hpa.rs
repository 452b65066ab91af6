//! What autoscaling costs: 50 Deployments behind Services, each with an HPA and a diurnal
//! load curve (peaks staggered), simulated for six hours. The HPA syncs every 15 s (the one
//! poll the controller has by nature: 72,000 syncs), reading usage only at its syncs; the
//! rest of the cost is the scaling it causes.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::{parse_scenario, Scenario};

const APPS: u64 = 50;

fn scenario() -> Scenario {
    let mut loads = String::new();
    let mut docs = Vec::new();
    for i in 0..APPS {
        loads.push_str(&format!(
            "    - service: app{i}\n      requestsPerSecond: {{diurnal: {{min: 50, max: 1500, \
             period: 6h, peakAt: {i}m}}}}\n      cpuPerRequest: 1m\n"
        ));
        docs.push(format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}}}\nspec:\n  replicas: 2\n  \
             selector: {{matchLabels: {{app: app{i}}}}}\n  template:\n    metadata: {{labels: {{app: app{i}}}}}\n    \
             spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          \
             resources: {{requests: {{cpu: 200m}}}}\n---\napiVersion: v1\nkind: Service\n\
             metadata: {{name: app{i}}}\nspec:\n  selector: {{app: app{i}}}\n  ports: [{{port: 80}}]\n---\n\
             apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: app{i}}}\nspec:\n  \
             scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app{i}}}\n  minReplicas: 2\n  \
             maxReplicas: 20\n  metrics:\n    - type: Resource\n      resource: {{name: cpu, target: \
             {{type: Utilization, averageUtilization: 60}}}}\n"
        ));
    }
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: hpa}}\nspec:\n  \
         duration: 6h\n  cluster:\n    nodePools:\n      - {{name: node, count: 20, capacity: \
         {{cpu: \"32\", memory: 128Gi, pods: 110}}}}\n  load:\n{loads}---\n{}",
        docs.join("---\n")
    );
    match parse_scenario("hpa.yaml", &text, Path::new(".")) {
        Ok(s) => s,
        Err(e) => panic!("the bench scenario is valid: {e}"),
    }
}

fn hpa(c: &mut Criterion) {
    let scenario = scenario();
    let mut group = c.benchmark_group("hpa");
    group.sample_size(10);
    group.throughput(Throughput::Elements(APPS));
    group.bench_function("50_hpas_diurnal_6h", |b| {
        b.iter(|| match run(&scenario, &RunOptions::default()) {
            Ok(report) => report.simulation.stats().events,
            Err(e) => panic!("runs: {e}"),
        })
    });
    group.finish();
}

criterion_group!(benches, hpa);
criterion_main!(benches);
