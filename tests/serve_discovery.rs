//! Aggregated discovery (`apidiscovery.k8s.io/v2`) and the metrics and lease endpoints of
//! `kubesim serve`, over plain HTTP (always runs, no kubectl needed). With kubectl, a
//! cold-cache `kubectl get pods` makes 3 requests (`/api`, `/apis`, the list) instead of
//! 11 with the legacy per-group-version documents (measured with `-v=6`, 1.32 and 1.37).

mod serve_support;

use std::io::{Read, Write};
use std::path::PathBuf;

use serde_json::Value;
use serve_support::{scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: disc}
spec:
  duration: 1h
  cluster:
    nodePools:
      - {name: worker, count: 1, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}
";

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// GET with an `Accept` header: (status code, Content-Type, body).
fn get(s: &Served, path: &str, accept: &str) -> (u16, String, String) {
    let hostport = s.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(hostport).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {hostport}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (code, ctype, body.to_string())
}

fn start(test: &str) -> Served {
    let dir = scratch(test);
    std::fs::write(dir.join("disc.yaml"), SCENARIO).expect("scenario");
    Served::start(
        PathBuf::from("kubectl"),
        &dir,
        &["disc.yaml", "--fixed-epoch"],
    )
}

fn resources<'a>(doc: &'a Value, group: &str) -> Vec<&'a str> {
    doc["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["metadata"]["name"].as_str().unwrap_or("") == group)
        .flat_map(|g| {
            g["versions"][0]["resources"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter_map(|r| r["resource"].as_str())
        .collect()
}

#[test]
fn aggregated_discovery_when_asked_legacy_otherwise() {
    let s = start("serve_aggregated_discovery");
    let accept = format!("{AGGREGATED},application/json");
    let (code, ctype, body) = get(&s, "/api", &accept);
    assert_eq!(code, 200, "{body}");
    assert_eq!(ctype, AGGREGATED);
    let core: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(core["kind"], "APIGroupDiscoveryList");
    let names = resources(&core, "");
    assert!(
        names.contains(&"pods") && names.contains(&"events"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains('/')), "{names:?}");

    let (_, ctype, body) = get(&s, "/apis", &accept);
    assert_eq!(ctype, AGGREGATED);
    let apis: Value = serde_json::from_str(&body).expect("json");
    assert!(resources(&apis, "apps").contains(&"deployments"));
    assert_eq!(resources(&apis, "metrics.k8s.io"), ["nodes", "pods"]);
    let deploy = apis["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["metadata"]["name"] == "apps")
        .and_then(|g| {
            g["versions"][0]["resources"]
                .as_array()?
                .iter()
                .find(|r| r["resource"] == "deployments")
        })
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(deploy["scope"], "Namespaced");
    assert_eq!(deploy["shortNames"][0], "deploy");
    assert_eq!(deploy["categories"][0], "all");

    // A client that does not ask gets the legacy documents.
    let (_, ctype, body) = get(&s, "/apis", "application/json");
    assert_eq!(ctype, "application/json");
    let legacy: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(legacy["kind"], "APIGroupList");
    assert!(body.contains("metrics.k8s.io/v1beta1"), "{body}");
}

#[test]
fn metrics_and_leases_answer_404_like_the_api_server() {
    let s = start("serve_metrics_404");
    let (code, _, body) = get(
        &s,
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope",
        "application/json",
    );
    assert_eq!(code, 404, "{body}");
    assert!(
        body.contains(r#"podmetrics.metrics.k8s.io \"default/nope\" not found"#),
        "{body}"
    );
    let (code, _, body) = get(&s, "/apis/metrics.k8s.io/v1beta1/nodes", "application/json");
    assert_eq!(code, 200, "{body}");
    let nodes: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(nodes["kind"], "NodeMetricsList");
    assert_eq!(nodes["items"][0]["usage"]["cpu"], "0", "{body}");
    let (code, _, body) = get(
        &s,
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-9",
        "application/json",
    );
    assert_eq!(code, 404, "{body}");
    let (code, _, body) = get(
        &s,
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-1",
        "application/json",
    );
    assert_eq!(code, 200, "{body}");
    let lease: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(lease["spec"]["holderIdentity"], "worker-1");
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:00.000000Z");
}
