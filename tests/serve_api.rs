//! `kubesim serve` at the HTTP level, without kubectl (so these always run): the `Status`
//! errors of refused requests (422 Invalid with `details.causes[].field`, 409, 405, 415,
//! 401 without the bearer token), strategic merge of containers by name, the clock at a
//! speed, and discovery.

mod serve_support;

use std::path::PathBuf;

use serde_json::Value;
use serve_support::{scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: api
spec:
  duration: 1h
";

const DEPLOYMENT: &str = r#"{"apiVersion":"apps/v1","kind":"Deployment",
 "metadata":{"name":"web"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
  "template":{"metadata":{"labels":{"app":"web"}},
   "spec":{"containers":[{"name":"web","image":"nginx:1.25"},{"name":"log","image":"busybox"}]}}}}"#;

fn start(test: &str, extra: &[&str]) -> Served {
    let dir = scratch(test);
    std::fs::write(dir.join("api.yaml"), SCENARIO).expect("scenario");
    let mut args = vec!["api.yaml"];
    args.extend_from_slice(extra);
    Served::start(PathBuf::from("kubectl"), &dir, &args)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";
const JSON: &str = "Content-Type: application/json";

#[test]
fn invalid_objects_are_422_with_the_field_path() {
    let s = start("serve_api_invalid", &[]);
    let (code, body) = s.request(
        "POST",
        DEPLOYMENTS,
        &[JSON],
        &DEPLOYMENT.replace("\"replicas\":2", "\"replicas\":-1"),
    );
    assert_eq!(code, 422, "{body}");
    let status = json(&body);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["kind"], "Deployment");
    assert_eq!(status["details"]["group"], "apps");
    assert_eq!(status["details"]["causes"][0]["field"], "spec.replicas");
    assert_eq!(
        status["message"],
        "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    // Nothing was created.
    let (code, _) = s.request("GET", &format!("{DEPLOYMENTS}/web"), &[], "");
    assert_eq!(code, 404);
}

#[test]
fn writes_answer_like_the_api_server() {
    let s = start("serve_api_writes", &[]);
    let (code, body) = s.request("POST", DEPLOYMENTS, &[JSON], DEPLOYMENT);
    assert_eq!(code, 201, "{body}");
    let created = json(&body);
    assert_eq!(created["metadata"]["name"], "web");
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .expect("a resourceVersion")
        .to_string();

    let (code, body) = s.request("POST", DEPLOYMENTS, &[JSON], DEPLOYMENT);
    assert_eq!(code, 409, "{body}");
    assert_eq!(json(&body)["reason"], "AlreadyExists");

    // Strategic merge: the patched container is merged by name, the other one kept.
    let (code, body) = s.request(
        "PATCH",
        &format!("{DEPLOYMENTS}/web"),
        &["Content-Type: application/strategic-merge-patch+json"],
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}"#,
    );
    assert_eq!(code, 200, "{body}");
    let patched = json(&body);
    let containers = &patched["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["image"], "nginx:1.26");
    assert_eq!(containers[1]["name"], "log");
    assert_eq!(containers[1]["image"], "busybox");

    // A PUT with the stale resourceVersion of the first version: 409 Conflict.
    let stale = DEPLOYMENT.replace(
        "\"metadata\":{\"name\":\"web\"}",
        &format!("\"metadata\":{{\"name\":\"web\",\"resourceVersion\":\"{rv}\"}}"),
    );
    let (code, body) = s.request("PUT", &format!("{DEPLOYMENTS}/web"), &[JSON], &stale);
    assert_eq!(code, 409, "{body}");
    assert_eq!(json(&body)["reason"], "Conflict");

    let (code, body) = s.request(
        "PATCH",
        &format!("{DEPLOYMENTS}/web/scale"),
        &["Content-Type: application/merge-patch+json"],
        r#"{"spec":{"replicas":4}}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["spec"]["replicas"], 4);

    let (code, body) = s.request(
        "PUT",
        &format!("{DEPLOYMENTS}/web/status"),
        &[JSON],
        DEPLOYMENT,
    );
    assert_eq!(code, 405, "{body}");

    let (code, body) = s.request(
        "PATCH",
        &format!("{DEPLOYMENTS}/web"),
        &["Content-Type: application/apply-patch+yaml"],
        "{}",
    );
    // Server-side apply is served (tests/serve_apply.rs); without a field manager it is
    // the API server's 422.
    assert_eq!(code, 422, "{body}");
    assert!(body.contains("fieldManager: Required value"), "{body}");
    let (code, body) = s.request(
        "POST",
        DEPLOYMENTS,
        &["Content-Type: application/vnd.kubernetes.protobuf"],
        "k8s\u{0}",
    );
    // An empty protobuf envelope (tests/serve_protobuf.rs runs the real generator commands).
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("names no kind"), "{body}");

    let (code, body) = s.request(
        "DELETE",
        &format!("{DEPLOYMENTS}/web?propagationPolicy=Sideways"),
        &[],
        "",
    );
    assert_eq!(code, 400, "{body}");
    let (code, body) = s.request(
        "DELETE",
        &format!("{DEPLOYMENTS}/web?propagationPolicy=Orphan"),
        &[],
        "",
    );
    assert_eq!(code, 200, "{body}");
    s.request("POST", "/kubesim/v1/clock/advance?by=1s", &[], "");
    let (code, _) = s.request("GET", &format!("{DEPLOYMENTS}/web"), &[], "");
    assert_eq!(code, 404);
    // Orphaned: both ReplicaSets (the patch started a rollout) stay, without an owner.
    let (_, body) = s.request(
        "GET",
        "/apis/apps/v1/namespaces/default/replicasets",
        &[],
        "",
    );
    let items = json(&body)["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{body}");
    assert!(
        items
            .iter()
            .all(|rs| rs["metadata"]["ownerReferences"].is_null()),
        "{body}"
    );
}

#[test]
fn a_token_is_required_when_one_is_set() {
    let s = start("serve_api_token", &["--token", "s3cret"]);
    let (code, body) = s.request("GET", "/api/v1/pods", &[], "");
    assert_eq!(code, 401, "{body}");
    // Every body format is behind the token, protobuf included.
    let (code, body) = s.request(
        "DELETE",
        "/api/v1/namespaces/default/pods/web",
        &["Content-Type: application/vnd.kubernetes.protobuf"],
        "k8s\u{0}",
    );
    assert_eq!(code, 401, "{body}");
    let (code, _) = s.request("GET", "/api/v1/pods", &["Authorization: Bearer s3cret"], "");
    assert_eq!(code, 200);
    let kubeconfig = std::fs::read_to_string(&s.kubeconfig).expect("kubeconfig");
    assert!(kubeconfig.contains("token: s3cret"), "{kubeconfig}");
}

#[test]
fn discovery_and_a_running_clock() {
    let dir = scratch("serve_api_clock");
    std::fs::write(dir.join("api.yaml"), SCENARIO).expect("scenario");
    let s = Served::start_with(
        PathBuf::from("kubectl"),
        &dir,
        &["api.yaml"],
        &["--speed", "1000"],
    );
    let v1 = json(&s.get("/api/v1"));
    let names: Vec<&str> = v1["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for want in [
        "pods",
        "pods/log",
        "pods/eviction",
        "nodes",
        "events",
        "namespaces",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let apps = json(&s.get("/apis/apps/v1"));
    assert!(apps["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .any(|r| r["name"] == "deployments/scale"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let clock = json(&s.get("/kubesim/v1/clock"));
    assert!(
        clock["millis"].as_u64().is_some_and(|m| m >= 100_000),
        "1000x for 0.3 s is over 100 s simulated: {clock}"
    );
    assert_eq!(clock["paused"], false);
}
