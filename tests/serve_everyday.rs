//! Everyday kubectl commands against `kubesim serve` (issue 7) beyond the workload ones:
//! - `kubectl auth can-i` and `kubectl auth whoami`: kubesim models no authorization, so
//!   the one user `kubesim-admin` (in `system:masters`) may do everything, and the review
//!   APIs say so (access_review.rs). kubectl sends the reviews as protobuf; their answer
//!   does not depend on the body.
//! - `kubectl get endpoints`: v1 Endpoints derived from the EndpointSlices (k8s-semantics
//!   §11.1) with the API server's deprecation warning (endpoints.rs).

mod serve_support;

use serve_support::{kubectl_binary, scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: auth}
spec:
  duration: 1h
  cluster:
    nodePools:
      - {name: worker, count: 1, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}
  behaviours:
    - {selector: app=web, startAfter: 5s}
";

const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
";

#[test]
fn can_i_and_whoami_answer_for_the_one_admin_user() {
    let test = "can_i_and_whoami_answer_for_the_one_admin_user";
    let Some(kubectl) = kubectl_binary(test) else {
        return;
    };
    let dir = scratch(test);
    std::fs::write(dir.join("auth.yaml"), SCENARIO).expect("scenario");
    let s = Served::start(kubectl, &dir, &["auth.yaml"]);
    assert_eq!(s.ok(&["auth", "can-i", "create", "pods"]).trim(), "yes");
    assert_eq!(
        s.ok(&["auth", "can-i", "delete", "nodes", "--all-namespaces"])
            .trim(),
        "yes"
    );
    let who = s.ok(&["auth", "whoami"]);
    assert!(who.contains("Username    kubesim-admin"), "{who}");
    assert!(who.contains("system:masters"), "{who}");
    let rules = s.ok(&["auth", "can-i", "--list"]);
    assert!(
        rules
            .lines()
            .any(|l| l.starts_with("*.*") && l.ends_with("[*]")),
        "{rules}"
    );
    // Reviews are answers, not objects: nothing to get.
    let err = s.fails(&["get", "selfsubjectaccessreviews"]);
    assert!(err.contains("MethodNotAllowed"), "{err}");
}

/// A Service's Endpoints: not-ready addresses before its pods are Ready, then `ip:80` for each
/// (kubectl's ENDPOINTS column), with the pods as `targetRef`s; the deprecation warning on
/// every answer; writes and watches are refused with a reason.
#[test]
fn get_endpoints_mirrors_the_endpointslices() {
    let test = "get_endpoints_mirrors_the_endpointslices";
    let Some(kubectl) = kubectl_binary(test) else {
        return;
    };
    let dir = scratch(test);
    std::fs::write(dir.join("auth.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), WEB).expect("manifests");
    let s = Served::start(kubectl, &dir, &["auth.yaml"]);
    s.ok(&["apply", "-f", "web.yaml"]);
    let before = s.kubectl(&["get", "ep", "web", "--no-headers"]);
    let (out, err) = serve_support::texts(&before);
    assert!(
        err.contains("v1 Endpoints is deprecated in v1.33+"),
        "{err}"
    );
    // Pods not Ready yet: a subset with only notReadyAddresses, an empty ENDPOINTS cell
    // (kubectl's formatEndpoints lists ready addresses only).
    assert_eq!(out.split_whitespace().count(), 2, "{out}");
    let not_ready = s.ok(&[
        "get",
        "ep",
        "web",
        "-o",
        "jsonpath={.subsets[0].notReadyAddresses[*].ip}",
    ]);
    assert_eq!(not_ready.split_whitespace().count(), 2, "{not_ready}");
    s.advance("30s");
    let after = s.ok(&["get", "endpoints", "web", "--no-headers"]);
    let column = after.split_whitespace().nth(1).unwrap_or("").to_string();
    assert_eq!(column.split(',').count(), 2, "{after}");
    assert!(column.split(',').all(|e| e.ends_with(":80")), "{after}");
    let names = s.ok(&[
        "get",
        "ep",
        "web",
        "-o",
        "jsonpath={.subsets[0].addresses[*].targetRef.name}",
    ]);
    assert_eq!(names.split_whitespace().count(), 2, "{names}");
    assert!(names.starts_with("web-"), "{names}");
    let err = s.fails(&["delete", "ep", "web"]);
    assert!(err.contains("MethodNotAllowed"), "{err}");
}

const QUOTA_AND_JOB: &str = "\
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec:
  hard: {requests.cpu: \"2\"}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
";

/// A Job whose pods the quota refuses (they set no `requests.cpu`, §10 quota admission)
/// is still created: the refusal is the Job controller's `FailedCreate` event about its
/// pods, not a refusal of the write, which the server used to answer with a 403.
#[test]
fn a_job_whose_pods_the_quota_refuses_is_still_created() {
    let test = "a_job_whose_pods_the_quota_refuses_is_still_created";
    let Some(kubectl) = kubectl_binary(test) else {
        return;
    };
    let dir = scratch(test);
    std::fs::write(dir.join("auth.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("job.yaml"), QUOTA_AND_JOB).expect("manifests");
    let s = Served::start(kubectl, &dir, &["auth.yaml"]);
    let out = s.ok(&["apply", "-f", "job.yaml"]);
    assert!(out.contains("job.batch/once created"), "{out}");
    let events = s.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=once",
    ]);
    assert!(
        events.contains("FailedCreate") && events.contains("must specify requests.cpu"),
        "{events}"
    );
}
