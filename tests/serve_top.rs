//! `kubectl top pods` / `kubectl top nodes` against `kubesim serve` (issue 7): the
//! `metrics.k8s.io/v1beta1` API from sim-core's metrics pipeline (load models and
//! behaviour usage, docs/scenario-format.md "Load"), at the simulated instant.
//!
//! Numbers: each `web` pod uses its behaviour's 25m CPU and 100Mi memory plus its share of
//! a constant 300 req/s at 2m CPU per request over the two Ready pods: 25m + 150 × 2m =
//! 325m. A node's usage is the sum of its pods' usage. A pod has no sample until every
//! container has run for a 15 s window (metrics-server needs two scrapes), and a node that
//! is not Ready has none (metrics-server cannot reach its kubelet).

mod serve_support;

use serve_support::{kubectl_binary, scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: top
spec:
  duration: 1h
  cluster:
    nodePools:
    - name: node
      count: 3
      capacity: {cpu: \"4\", memory: 8Gi, pods: 110}
  manifests: [web.yaml]
  behaviours:
  - selector: app=web
    cpu: 25m
    memory: 100Mi
  load:
  - target: deployment/web
    requestsPerSecond: {constant: 300}
    cpuPerRequest: 2m
  events:
  - {at: 2m, failNode: node-3}
";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
";

fn start(test: &str) -> Option<Served> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("top.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), DEPLOYMENT).expect("manifest");
    // Instants from the fixed epoch, so the metrics timestamp is exact.
    Some(Served::start(kubectl, &dir, &["top.yaml", "--fixed-epoch"]))
}

fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// `kubectl top pod` before the first 15 s window: kubectl's "Metrics not available for pod";
/// afterwards every pod with the load's share of CPU, `--containers` and `-l`, and
/// `kubectl top pod NAME` for one.
#[test]
fn top_pods_show_the_load_models_usage() {
    let Some(s) = start("top_pods_show_the_load_models_usage") else {
        return;
    };
    s.advance("5s");
    let err = s.fails(&["top", "pods"]);
    // kubectl's verifyEmptyMetrics: no PodMetrics, but the pods exist.
    assert!(
        err.contains("Metrics not available for pod default/web-"),
        "{err}"
    );

    s.advance("30s");
    let out = s.ok(&["top", "pods"]);
    let table = rows(&out);
    assert_eq!(table[0], ["NAME", "CPU(cores)", "MEMORY(bytes)"], "{out}");
    assert_eq!(table.len(), 3, "{out}");
    for row in &table[1..] {
        assert!(row[0].starts_with("web-"), "{out}");
        assert_eq!(row[1], "325m", "{out}");
        assert_eq!(row[2], "100Mi", "{out}");
    }

    let out = s.ok(&["top", "pods", "-l", "app=web", "--containers"]);
    let table = rows(&out);
    assert_eq!(
        table[0],
        ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
        "{out}"
    );
    assert_eq!(table[1][1], "web", "{out}");

    let one = table[1][0].clone();
    let out = s.ok(&["top", "pod", &one]);
    assert_eq!(rows(&out)[1], [one.as_str(), "325m", "100Mi"], "{out}");

    // Raw API: a PodMetrics with its timestamp (the read instant) and window.
    let body = s.get(&format!(
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/{one}"
    ));
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["kind"], "PodMetrics");
    assert_eq!(v["window"], "15s");
    assert_eq!(v["timestamp"], "2026-01-01T00:00:35Z", "{body}");
    assert_eq!(v["containers"][0]["usage"]["cpu"], "325m");

    let err = s.fails(&["top", "pod", "nope"]);
    assert!(err.contains("not found"), "{err}");
}

/// `kubectl top node`: a node's usage is the sum of its pods'; a node without pods uses 0;
/// a failed (NotReady) node has no metrics and kubectl prints `<unknown>` for it.
#[test]
fn top_nodes_sum_their_pods_and_skip_a_failed_node() {
    let Some(s) = start("top_nodes_sum_their_pods_and_skip_a_failed_node") else {
        return;
    };
    s.advance("30s");
    let pods = s.ok(&[
        "get",
        "pods",
        "-o",
        "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}",
    ]);
    let out = s.ok(&["top", "nodes"]);
    let table = rows(&out);
    assert_eq!(
        table[0],
        ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
        "{out}"
    );
    assert_eq!(table.len(), 4, "{out}");
    for row in &table[1..] {
        let n = pods.lines().filter(|l| *l == row[0]).count() as u64;
        let want_cpu = if n == 0 {
            "0m".to_string()
        } else {
            format!("{}m", 325 * n)
        };
        assert_eq!(row[1], want_cpu, "{out}\n{pods}");
        let want_mem = format!("{}Mi", 100 * n);
        assert_eq!(row[3], want_mem, "{out}\n{pods}");
    }

    // node-3 fails at 2m; it is NotReady once the node lifecycle controller notices.
    s.advance("3m");
    let out = s.ok(&["top", "nodes"]);
    let failed = rows(&out)
        .into_iter()
        .find(|r| r[0] == "node-3")
        .unwrap_or_else(|| panic!("node-3 listed: {out}"));
    assert_eq!(failed[1..], ["<unknown>"; 4], "{out}");
    let err = s.fails(&["top", "node", "node-3"]);
    assert!(
        err.contains("not found") || err.contains("metrics not available"),
        "{err}"
    );
}
