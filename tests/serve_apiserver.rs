//! `kubesim serve` answering as kube-apiserver does in the smaller corners kubectl and
//! client-go reach (issue 7): watches resumed from an older resourceVersion (the watch
//! cache's replay of ADDED/MODIFIED/DELETED).
//!
//! Like the other serve tests, each test starts its own paused server and drives it with
//! the real kubectl (`KUBESIM_TEST_KUBECTL` picks one); without kubectl they print
//! `SKIPPED` and pass.

mod serve_support;

use serde_json::Value;
use serve_support::{kubectl_binary, scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: apiserver
spec:
  duration: 1h
  cluster:
    nodePools:
    - name: node
      count: 2
      capacity: {cpu: \"4\", memory: 8Gi, pods: 110}
";

fn start(test: &str) -> Option<Served> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("scenario.yaml"), SCENARIO).expect("scenario");
    Some(Served::start(kubectl, &dir, &["scenario.yaml"]))
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: \"1\"\n")
}

/// Writes `text` into the server's directory as `file` and `kubectl apply`s it.
fn apply(s: &Served, file: &str, text: &str) -> String {
    let dir = s.kubeconfig.parent().expect("scratch dir");
    std::fs::write(dir.join(file), text).expect("manifest");
    s.ok(&["apply", "-f", file])
}

/// The resourceVersion of a list of the ConfigMaps of `default` (kubectl's own `get -o
/// jsonpath` would show the list it rebuilds, without one).
fn list_version(s: &Served) -> u64 {
    let list = s.ok(&["get", "--raw", "/api/v1/namespaces/default/configmaps"]);
    let list: Value = serde_json::from_str(&list).expect("a ConfigMapList");
    list["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no resourceVersion in {list}"))
}

/// The watch events of a finished watch stream, as (type, name, resourceVersion).
fn events(stream: &str) -> Vec<(String, String, u64)> {
    stream
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let meta = &e["object"]["metadata"];
            (
                e["type"].as_str().unwrap_or("").to_string(),
                meta["name"].as_str().unwrap_or("").to_string(),
                meta["resourceVersion"]
                    .as_str()
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0),
            )
        })
        .collect()
}

/// A client that lists, loses its watch, and watches again from the list's
/// resourceVersion gets what happened in between from the watch cache: ADDED for the
/// object created since, MODIFIED for the one labelled, DELETED for the one deleted (with
/// the removal's resourceVersion, newer than the list's), in resourceVersion order; with a
/// selector, an object that starts matching comes as ADDED.
#[test]
fn a_watch_resumed_from_a_list_version_replays_adds_changes_and_deletions() {
    let Some(s) = start("serve_watch_resume") else {
        return;
    };
    apply(&s, "keep.yaml", &config_map("keep"));
    apply(&s, "doomed.yaml", &config_map("doomed"));
    let from = list_version(&s);

    apply(&s, "fresh.yaml", &config_map("fresh"));
    s.ok(&["label", "configmap", "keep", "tier=web"]);
    s.ok(&["delete", "configmap", "doomed"]);

    let stream = s.ok(&[
        "get",
        "--raw",
        &format!(
            "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={from}&timeoutSeconds=1"
        ),
    ]);
    let got = events(&stream);
    let kinds: Vec<(&str, &str)> = got
        .iter()
        .map(|(t, n, _)| (t.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ADDED", "fresh"),
            ("MODIFIED", "keep"),
            ("DELETED", "doomed")
        ],
        "{stream}"
    );
    assert!(got.iter().all(|(_, _, rv)| *rv > from), "{stream}");
    assert!(got.windows(2).all(|w| w[0].2 < w[1].2), "{stream}");

    // From the version of the last change there is nothing to replay; a list now reports
    // the deletion's version.
    let last = got[2].2;
    assert_eq!(list_version(&s), last);
    let quiet = s.ok(&[
        "get",
        "--raw",
        &format!(
            "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={last}&timeoutSeconds=1"
        ),
    ]);
    assert_eq!(events(&quiet), [], "{quiet}");

    // The selector applies to the replay, to each change's before and after: the
    // labelled one starts matching, so it comes as ADDED.
    let selected = s.ok(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={from}&labelSelector=tier%3Dweb&timeoutSeconds=1"),
    ]);
    let seen: Vec<(String, String)> = events(&selected).into_iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(
        seen,
        [("ADDED".to_string(), "keep".to_string())],
        "{selected}"
    );
}

const WEB: &str = "\
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

/// `deletecollection`: `DELETE` on a namespaced collection deletes what the selector
/// picks and answers with the list of the deleted objects; the DeleteOptions body applies
/// to each delete (propagationPolicy Orphan leaves a Deployment's ReplicaSet). Discovery lists the verb
/// (not for namespaces); the all-namespaces path does not have it.
#[test]
fn deletecollection_deletes_the_selected_objects() {
    let Some(s) = start("serve_deletecollection") else {
        return;
    };
    for (name, app) in [("web-a", "web"), ("web-b", "web"), ("db", "db")] {
        apply(
            &s,
            &format!("{name}.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels: {{app: {app}}}\n"),
        );
    }
    let answer = s.ok(&[
        "delete",
        "--raw",
        "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb",
    ]);
    let list: Value = serde_json::from_str(&answer).expect("a ConfigMapList");
    assert_eq!(list["kind"], "ConfigMapList", "{answer}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["web-a", "web-b"], "{answer}");
    assert_eq!(
        s.ok(&["get", "configmaps", "-o", "name"]).trim(),
        "configmap/db"
    );

    // Pods: each is deleted as a single delete is, and the answer lists them.
    apply(&s, "web.yaml", WEB);
    let before = s.ok(&["get", "pods", "-l", "app=web", "-o", "name"]);
    let (code, body) = s.request(
        "DELETE",
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
        &["Content-Type: application/json"],
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0}",
    );
    assert_eq!(code, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("a PodList");
    assert_eq!(list["kind"], "PodList", "{body}");
    let mut deleted: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .map(|n| format!("pod/{n}"))
        .collect();
    deleted.sort();
    assert_eq!(deleted.join("\n"), before.trim(), "{body}");
    let after = s.ok(&["get", "pods", "-l", "app=web", "-o", "name"]);
    assert!(
        deleted.iter().all(|d| !after.contains(d.as_str())),
        "{after}"
    );

    // The DeleteOptions body applies to every delete: Orphan leaves the ReplicaSet.
    let (code, body) = s.request(
        "DELETE",
        "/apis/apps/v1/namespaces/default/deployments?labelSelector=",
        &["Content-Type: application/json"],
        "{\"propagationPolicy\":\"Orphan\"}",
    );
    assert_eq!(code, 200, "{body}");
    s.advance("5s");
    assert_eq!(s.ok(&["get", "deployments", "-o", "name"]).trim(), "");
    assert!(
        s.ok(&["get", "replicasets", "-o", "name"])
            .contains("replicaset.apps/web-"),
        "the orphaned ReplicaSet stays"
    );

    // Refusals: a bad propagation policy, the all-namespaces path, namespaces.
    let (code, body) = s.request(
        "DELETE",
        "/api/v1/namespaces/default/configmaps",
        &["Content-Type: application/json"],
        "{\"propagationPolicy\":\"Sideways\"}",
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(
        s.ok(&["get", "configmaps", "-o", "name"]).trim(),
        "configmap/db"
    );
    let (code, _) = s.request("DELETE", "/api/v1/configmaps", &[], "");
    assert_eq!(code, 405);
    let (code, _) = s.request("DELETE", "/api/v1/namespaces", &[], "");
    assert_eq!(code, 405);

    let resources = s.ok(&["api-resources", "-o", "wide"]);
    let verbs = |name: &str| {
        resources
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {resources}"))
            .to_string()
    };
    assert!(verbs("pods").contains("deletecollection"), "{resources}");
    assert!(
        !verbs("namespaces").contains("deletecollection"),
        "{resources}"
    );
}

/// What kubectl 1.32's `kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=5
/// --dry-run=client -o yaml` writes (1.37 writes autoscaling/v2).
const HPA_V1: &str = "\
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  creationTimestamp: null
  name: web
spec:
  maxReplicas: 5
  minReplicas: 1
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  targetCPUUtilizationPercentage: 50
status:
  currentReplicas: 0
  desiredReplicas: 0
";

const WEB_WITH_REQUESTS: &str = "\
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
        resources:
          requests: {cpu: 100m, memory: 64Mi}
";

/// `autoscaling/v1` HPAs next to v2: discovery lists both versions (v2 preferred); a v1
/// manifest applies (create, then a patch of the v1 form), reads back in v1 with
/// `targetCPUUtilizationPercentage` and `currentCPUUtilizationPercentage`, and in v2 as
/// the Resource cpu Utilization metric; a v2 HPA's other metrics read through v1 travel in
/// the `autoscaling.alpha.kubernetes.io/metrics` annotation; `describe` works.
#[test]
fn autoscaling_v1_hpas_convert_to_and_from_v2() {
    let Some(s) = start("serve_autoscaling_v1") else {
        return;
    };
    let versions = s.ok(&["api-versions"]);
    assert!(
        versions.contains("autoscaling/v1") && versions.contains("autoscaling/v2"),
        "{versions}"
    );
    let resources = s.ok(&["api-resources", "--api-group=autoscaling"]);
    assert!(
        resources.contains("autoscaling/v2"),
        "v2 is preferred: {resources}"
    );

    apply(&s, "web.yaml", WEB_WITH_REQUESTS);
    assert_eq!(
        apply(&s, "hpa.yaml", HPA_V1).trim(),
        "horizontalpodautoscaler.autoscaling/web created"
    );
    let v2 = s.ok(&["get", "hpa", "web", "-o", "json"]);
    let v2: Value = serde_json::from_str(&v2).expect("an HPA");
    assert_eq!(v2["apiVersion"], "autoscaling/v2");
    assert_eq!(
        v2["spec"]["metrics"],
        serde_json::json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
    );
    s.advance("60s");
    let v1 = s.ok(&[
        "get",
        "horizontalpodautoscalers.v1.autoscaling",
        "web",
        "-o",
        "json",
    ]);
    let v1: Value = serde_json::from_str(&v1).expect("an HPA");
    assert_eq!(v1["apiVersion"], "autoscaling/v1", "{v1}");
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50, "{v1}");
    assert!(v1["spec"]["metrics"].is_null(), "{v1}");
    assert!(
        v1["status"]["currentCPUUtilizationPercentage"].is_number(),
        "{v1}"
    );
    assert!(
        v1["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/conditions"].is_string(),
        "{v1}"
    );

    // Re-applied (kubectl patches the v1 form) and patched through v1.
    apply(
        &s,
        "hpa.yaml",
        &HPA_V1.replace("maxReplicas: 5", "maxReplicas: 6"),
    );
    s.ok(&[
        "patch",
        "horizontalpodautoscalers.v1.autoscaling",
        "web",
        "-p",
        "{\"spec\":{\"targetCPUUtilizationPercentage\":60}}",
    ]);
    let got = s.ok(&[
        "get",
        "hpa",
        "web",
        "-o",
        "jsonpath={.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}",
    ]);
    assert_eq!(got, "6 60");
    let described = s.ok(&["describe", "hpa", "web"]);
    assert!(described.contains("/ 60%"), "{described}");

    // A v2 HPA with a memory target besides cpu: v1 shows cpu, the rest in the annotation;
    // a read-modify-write through v1 keeps it.
    let memory = "\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: both
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
";
    apply(&s, "both.yaml", memory);
    let v1 = s.ok(&[
        "get",
        "horizontalpodautoscalers.v1.autoscaling",
        "both",
        "-o",
        "json",
    ]);
    let mut v1: Value = serde_json::from_str(&v1).expect("an HPA");
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70, "{v1}");
    let others = v1["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/metrics"]
        .as_str()
        .expect("the other metrics annotation")
        .to_string();
    // The quantity as the v2 API renders it.
    let v2 = s.ok(&["get", "hpa", "both", "-o", "json"]);
    let v2: Value = serde_json::from_str(&v2).expect("an HPA");
    let memory_target = &v2["spec"]["metrics"][0]["resource"]["target"]["averageValue"];
    assert!(memory_target.is_string(), "{v2}");
    assert_eq!(
        serde_json::from_str::<Value>(&others).expect("json"),
        serde_json::json!([{"type": "Resource", "resource": {"name": "memory", "targetAverageValue": memory_target}}])
    );
    v1["spec"]["maxReplicas"] = serde_json::json!(8);
    let dir = s.kubeconfig.parent().expect("scratch dir");
    std::fs::write(dir.join("both-v1.json"), v1.to_string()).expect("write");
    s.ok(&["replace", "-f", "both-v1.json"]);
    let v2 = s.ok(&["get", "hpa", "both", "-o", "json"]);
    let v2: Value = serde_json::from_str(&v2).expect("an HPA");
    assert_eq!(v2["spec"]["maxReplicas"], 8, "{v2}");
    assert_eq!(
        v2["spec"]["metrics"][0]["resource"]["name"], "memory",
        "{v2}"
    );
    assert_eq!(v2["spec"]["metrics"][1]["resource"]["name"], "cpu", "{v2}");
    assert!(
        v2["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/metrics"].is_null(),
        "{v2}"
    );

    // Whatever version this kubectl's `autoscale` generates, it applies.
    s.ok(&["delete", "hpa", "web"]);
    let generated = s.ok(&[
        "autoscale",
        "deployment",
        "web",
        "--cpu-percent=50",
        "--min=1",
        "--max=5",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert_eq!(
        apply(&s, "generated.yaml", &generated).trim(),
        "horizontalpodautoscaler.autoscaling/web created"
    );
}

/// A fresh cluster has `service/kubernetes` in `default` (10.96.0.1, `https` 443/TCP →
/// 6443) and its EndpointSlice, as kube-apiserver keeps them; kubectl lists and describes
/// them. Client writes to them are refused (kubesim keeps them off the timeline so that a
/// recorded session replays without them: tests/serve_record.rs replays a session served
/// with them), and a deletecollection of Services leaves it.
#[test]
fn a_fresh_cluster_has_the_kubernetes_service() {
    let Some(s) = start("serve_kubernetes_service") else {
        return;
    };
    let services = s.ok(&["get", "svc"]);
    let row: Vec<&str> = services
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        row[..5],
        ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"],
        "{services}"
    );
    assert_eq!(services.lines().count(), 2, "{services}");
    let described = s.ok(&["describe", "svc", "kubernetes"]);
    for want in [
        "component=apiserver",
        "provider=kubernetes",
        "https  443/TCP",
        "6443/TCP",
        "Endpoints:                127.0.0.1:6443",
    ] {
        assert!(described.contains(want), "{want:?} in {described}");
    }
    let slices = s.ok(&["get", "endpointslices", "-o", "name"]);
    assert_eq!(slices.trim(), "endpointslice.discovery.k8s.io/kubernetes");
    assert!(s.ok(&["get", "all"]).contains("service/kubernetes"));

    let refused = s.fails(&["delete", "svc", "kubernetes"]);
    assert!(refused.contains("Forbidden"), "{refused}");
    let (code, body) = s.request("DELETE", "/api/v1/namespaces/default/services", &[], "");
    assert_eq!(code, 200, "{body}");
    assert!(!body.contains("\"kubernetes\""), "{body}");
    assert!(s
        .ok(&["get", "svc", "-o", "name"])
        .contains("service/kubernetes"));
}

/// `kubectl cordon` / `uncordon`: at its next status update (the 10 s grid) the node's
/// kubelet records `NodeNotSchedulable` / `NodeSchedulable` ("Node NAME status is now:
/// …"), which `kubectl describe node` shows; a cordon undone before the kubelet looked
/// records nothing.
#[test]
fn cordon_and_uncordon_show_as_kubelet_events_in_describe_node() {
    let Some(s) = start("serve_node_schedulable") else {
        return;
    };
    let events = |node: &str| {
        let described = s.ok(&["describe", "node", node]);
        described
            .split_once("Events:")
            .map(|(_, e)| e.to_string())
            .unwrap_or_default()
    };
    s.ok(&["cordon", "node-1"]);
    assert!(
        !events("node-1").contains("NodeNotSchedulable"),
        "not before the kubelet's next status update"
    );
    s.advance("10s");
    let after_cordon = events("node-1");
    assert!(
        after_cordon.contains("Node node-1 status is now: NodeNotSchedulable"),
        "{after_cordon}"
    );
    assert!(after_cordon.contains("kubelet"), "{after_cordon}");
    s.ok(&["uncordon", "node-1"]);
    s.advance("10s");
    let after_uncordon = events("node-1");
    assert!(
        after_uncordon.contains("Node node-1 status is now: NodeSchedulable"),
        "{after_uncordon}"
    );

    // Cordoned and uncordoned within one status period: the kubelet sees no change.
    s.ok(&["cordon", "node-2"]);
    s.ok(&["uncordon", "node-2"]);
    s.advance("20s");
    let quiet = events("node-2");
    assert!(!quiet.contains("Schedulable"), "{quiet}");
}

/// Core events resume too: a list of events reports its own resourceVersion (the last
/// timeline record's), and a watch from it sends exactly the events recorded since, as
/// ADDED.
#[test]
fn an_events_watch_resumed_from_a_list_sends_only_the_new_events() {
    let Some(s) = start("serve_events_resume") else {
        return;
    };
    apply(&s, "web.yaml", WEB);
    s.advance("5s");
    let list = |s: &Served| -> Value {
        let text = s.ok(&["get", "--raw", "/api/v1/namespaces/default/events"]);
        serde_json::from_str(&text).expect("an EventList")
    };
    let before = list(&s);
    let from: u64 = before["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .expect("a resourceVersion");
    assert!(
        before["items"].as_array().is_some_and(|i| !i.is_empty()),
        "{before}"
    );
    s.ok(&["scale", "deployment", "web", "--replicas=3"]);
    s.advance("5s");
    let after = list(&s);
    let new = after["items"].as_array().map_or(0, Vec::len)
        - before["items"].as_array().map_or(0, Vec::len);
    assert!(new > 0, "the scale-up made events: {after}");
    let stream = s.ok(&[
        "get",
        "--raw",
        &format!(
            "/api/v1/namespaces/default/events?watch=1&resourceVersion={from}&timeoutSeconds=1"
        ),
    ]);
    let got = events(&stream);
    assert_eq!(got.len(), new, "{stream}");
    assert!(
        got.iter().all(|(t, _, rv)| t == "ADDED" && *rv > from),
        "{stream}"
    );
}
