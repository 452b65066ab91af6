//! `kubesim serve` driven by the real kubectl (issue 7): apply, get (kubectl's columns
//! through the server-side Table), wait, watch, scale, rollout status/history/undo
//! (k8s-semantics §4.6), events and describe, logs, delete (§3.2 graceful deletion, §12
//! propagation) and the API's error Statuses (404, 409, 422 with the field path).
//!
//! Each test starts its own server with a paused clock and advances it explicitly, so no
//! outcome depends on wall time. Without kubectl on PATH the tests print `SKIPPED` loudly
//! and pass (CI installs kubectl in `.ci/run`).

mod serve_support;

use std::path::Path;

use serve_support::{finish, kubectl_binary, scratch, texts, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: practice
spec:
  duration: 1h
  cluster:
    nodePools:
    - name: node
      count: 2
      capacity: {cpu: \"4\", memory: 8Gi, pods: 110}
  behaviours:
  - selector: app=web
    pullAfter: 5s
    startAfter: 10s
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
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 5
";

fn start(test: &str) -> Option<(Served, std::path::PathBuf)> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("practice.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), DEPLOYMENT).expect("manifest");
    let served = Served::start(kubectl, &dir, &["practice.yaml"]);
    Some((served, dir))
}

fn header(table: &str) -> Vec<&str> {
    table
        .lines()
        .next()
        .unwrap_or("")
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn pod_names(s: &Served) -> Vec<String> {
    s.ok(&["get", "pods", "-l", "app=web", "-o", "name"])
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect()
}

/// A learner's session: `kubectl apply` a Deployment, `get pods` with kubectl's columns,
/// `wait --for=condition=Ready` and `rollout status` blocking until the simulated clock
/// moves, `scale`, then `set image` + `rollout history` + `rollout undo` (k8s-semantics
/// §4.6: the previous ReplicaSet's template comes back as a new revision).
#[test]
fn apply_wait_scale_and_roll_back_with_kubectl() {
    let Some((s, _dir)) = start("serve_apply_wait_scale") else {
        return;
    };
    assert_eq!(
        s.ok(&["apply", "-f", "web.yaml"]).trim(),
        "deployment.apps/web created"
    );

    let pods = s.ok(&["get", "pods"]);
    assert_eq!(
        header(&pods),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{pods}"
    );
    assert_eq!(pods.lines().count(), 3, "{pods}");
    assert!(pods.contains("0/1"), "pods start unready: {pods}");
    let names = pod_names(&s);
    assert_eq!(names.len(), 2);

    // Both block on watches until the clock moves: the pull takes 5 s, start-up 10 s.
    let wait = s.spawn_kubectl(&[
        "wait",
        "--for=condition=Ready",
        &format!("pod/{}", names[0]),
        "--timeout=60s",
    ]);
    let status = s.spawn_kubectl(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    s.wait_for_streams(2);
    s.advance("30s");
    let wait = finish(wait);
    assert!(wait.status.success(), "{:?}", texts(&wait));
    assert_eq!(
        texts(&wait).0.trim(),
        format!("pod/{} condition met", names[0])
    );
    let status = finish(status);
    assert!(status.status.success(), "{:?}", texts(&status));
    assert!(
        texts(&status)
            .0
            .contains("deployment \"web\" successfully rolled out"),
        "{:?}",
        texts(&status)
    );

    let deploy = s.ok(&["get", "deployment", "web"]);
    assert_eq!(
        header(&deploy),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    assert!(deploy.contains("2/2"), "{deploy}");

    assert_eq!(
        s.ok(&["scale", "deployment/web", "--replicas=3"]).trim(),
        "deployment.apps/web scaled"
    );
    s.advance("30s");
    assert_eq!(
        s.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.status.readyReplicas}"
        ]),
        "3"
    );

    s.ok(&["set", "image", "deployment/web", "web=nginx:1.26"]);
    s.advance("1m");
    let history = s.ok(&["rollout", "history", "deployment/web"]);
    assert!(history.contains("REVISION  CHANGE-CAUSE"), "{history}");
    assert!(
        history.contains("\n1 ") && history.contains("\n2 "),
        "{history}"
    );

    assert_eq!(
        s.ok(&["rollout", "undo", "deployment/web"]).trim(),
        "deployment.apps/web rolled back"
    );
    s.advance("1m");
    assert_eq!(
        s.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "nginx:1.25"
    );
    let history = s.ok(&["rollout", "history", "deployment/web"]);
    assert!(
        history.contains("\n2 ") && history.contains("\n3 ") && !history.contains("\n1 "),
        "revision 1 came back as revision 3: {history}"
    );
    let rs = s.ok(&["get", "rs"]);
    assert_eq!(header(&rs), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);

    // `drain --disable-eviction` deletes (a protobuf DeleteOptions body, no budget check)
    // and the ReplicaSet replaces the pods elsewhere.
    let node = s.ok(&["get", "pods", "-o", "jsonpath={.items[0].spec.nodeName}"]);
    let drain = s.spawn_kubectl(&[
        "drain",
        &node,
        "--ignore-daemonsets",
        "--disable-eviction",
        "--timeout=60s",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    s.advance("1m");
    let drain = finish(drain);
    assert!(drain.status.success(), "{:?}", texts(&drain));
    assert!(
        texts(&drain).0.contains(&format!("node/{node} drained")),
        "{:?}",
        texts(&drain)
    );
    let on_node = s.ok(&[
        "get",
        "pods",
        "--field-selector",
        &format!("spec.nodeName={node}"),
        "-o",
        "name",
    ]);
    assert!(on_node.is_empty(), "{on_node}");
}

const BUDGET: &str = "\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
";

/// Polls (up to 30 s of wall time) until `check` holds.
// Wall-clock polling of a background kubectl; tests are not the engine.
#[allow(clippy::disallowed_methods)]
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{what} never happened");
}

/// `kubectl drain` against a PodDisruptionBudget (k8s-semantics §6.4, §6.6, G24's shape):
/// with both replicas needed, the eviction is answered 429 and kubectl retries it every
/// 5 s; scaling the Deployment to 3 lets the budget allow one disruption once the new pod
/// (on the other, uncordoned node) is Ready, the next retry evicts, and the drain ends
/// when the pod is gone.
#[test]
fn drain_is_blocked_by_a_pdb_then_released_with_kubectl() {
    let Some((s, dir)) = start("serve_drain_pdb") else {
        return;
    };
    std::fs::write(dir.join("pdb.yaml"), BUDGET).expect("manifest");
    s.ok(&["apply", "-f", "web.yaml"]);
    s.ok(&["apply", "-f", "pdb.yaml"]);
    s.advance("30s");
    assert_eq!(
        s.ok(&[
            "get",
            "pdb",
            "web",
            "-o",
            "jsonpath={.status.disruptionsAllowed}"
        ]),
        "0"
    );
    let pod = pod_names(&s).remove(0);
    let node = s.ok(&["get", "pod", &pod, "-o", "jsonpath={.spec.nodeName}"]);
    let drain = s.spawn_kubectl(&["drain", &node, "--ignore-daemonsets", "--timeout=90s"]);
    eventually("a refused eviction", || {
        s.get("/kubesim/v1/timeline").contains("TooManyRequests")
    });
    // More replicas: the new pod goes to the other node (this one is cordoned).
    s.ok(&["scale", "deployment/web", "--replicas=3"]);
    s.advance("30s");
    // The evicted pod terminates (or, as its app exits on TERM at once, is gone).
    eventually("the eviction", || {
        let out = s.kubectl(&[
            "get",
            "pod",
            &pod,
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ]);
        !out.stdout.is_empty() || texts(&out).1.contains("NotFound")
    });
    s.advance("1m");
    let drain = finish(drain);
    let (out, err) = texts(&drain);
    assert!(drain.status.success(), "{out}\n{err}");
    assert!(
        err.contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{err}"
    );
    assert!(out.contains(&format!("pod/{pod} evicted")), "{out}");
    assert!(out.contains(&format!("node/{node} drained")), "{out}");
}

/// Events, describe, logs, `get -w`, selectors, `-A` and `-o wide`, then delete: the
/// Deployment's pods go too (background propagation, k8s-semantics §12).
#[test]
fn events_logs_watch_selectors_and_delete_with_kubectl() {
    let Some((s, _dir)) = start("serve_events_logs_watch") else {
        return;
    };
    s.ok(&["apply", "-f", "web.yaml"]);
    // `logs -f` streams the lifecycle as it happens and ends when the pod is deleted.
    let first = pod_names(&s).remove(0);
    let follow = s.spawn_kubectl(&["logs", "-f", &first]);
    let watch = s.spawn_kubectl(&["get", "pods", "-w"]);
    s.wait_for_streams(2);
    s.advance("30s");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let mut watch = watch;
    let _ = watch.kill();
    let watched = texts(&watch.wait_with_output().expect("watch output")).0;
    assert!(
        watched.contains("ContainerCreating") && watched.contains("Running"),
        "the watch saw the pods start: {watched}"
    );
    assert!(
        watched
            .lines()
            .any(|l| l.contains(" 0/1 ") && l.contains(" Running ")),
        "unready while starting: {watched}"
    );

    let events = s.ok(&["get", "events"]);
    assert_eq!(
        header(&events),
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    assert!(events.contains("ScalingReplicaSet"), "{events}");
    assert!(events.contains("Scheduled"), "{events}");
    // `--sort-by` asks for whole objects in the Table rows (includeObject=Object) and sorts
    // on them: the Deployment's scale-up comes before its pods' events.
    let sorted = s.ok(&["get", "events", "--sort-by=.lastTimestamp"]);
    let reasons: Vec<&str> = sorted
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(reasons.len() >= 4, "{sorted}");
    assert_eq!(reasons[0], "ScalingReplicaSet", "{sorted}");
    let by_start = s.ok(&["get", "pods", "--sort-by=.status.startTime", "--no-headers"]);
    assert_eq!(by_start.lines().count(), 2, "{by_start}");

    let pod = pod_names(&s).remove(0);
    let describe = s.ok(&["describe", "pod", &pod]);
    assert!(describe.contains("Events:"), "{describe}");
    assert!(
        describe.contains(&format!("Successfully assigned default/{pod} to node-")),
        "{describe}"
    );

    let logs = s.ok(&["logs", &pod]);
    assert!(logs.contains("Started container web"), "{logs}");
    assert!(logs.contains("Pulled"), "{logs}");

    let by_label = s.ok(&["get", "pods", "-l", "app=web", "--no-headers"]);
    assert_eq!(by_label.lines().count(), 2, "{by_label}");
    assert!(s.ok(&["get", "pods", "-l", "app=other"]).is_empty());
    let node = s.ok(&["get", "pod", &pod, "-o", "jsonpath={.spec.nodeName}"]);
    let on_node = s.ok(&[
        "get",
        "pods",
        "--field-selector",
        &format!("spec.nodeName={node}"),
        "-o",
        "name",
    ]);
    assert!(on_node.contains(&pod), "{on_node}");
    let running = s.ok(&["get", "pods", "--field-selector", "status.phase=Pending"]);
    assert!(running.is_empty(), "{running}");

    let wide = s.ok(&["get", "pods", "-o", "wide"]);
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    let all = s.ok(&["get", "pods", "-A"]);
    assert_eq!(header(&all)[0], "NAMESPACE");
    let nodes = s.ok(&["get", "nodes"]);
    assert_eq!(
        header(&nodes),
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    );
    assert!(
        nodes.contains("node-1") && nodes.contains("Ready"),
        "{nodes}"
    );

    let yaml = s.ok(&["get", "deploy", "web", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("replicas: 2"),
        "{yaml}"
    );

    // kubectl 1.37 adds " from default namespace".
    let deleted = s.ok(&["delete", "deployment", "web"]);
    assert!(
        deleted.starts_with("deployment.apps \"web\" deleted"),
        "{deleted}"
    );
    s.advance("1m");
    let followed = finish(follow);
    let (followed, _) = texts(&followed);
    assert!(
        followed.contains("Pulling image") && followed.contains("Started container web"),
        "{followed}"
    );
    let out = s.kubectl(&["get", "pods"]);
    assert_eq!(
        texts(&out).1.trim(),
        "No resources found in default namespace.",
        "{:?}",
        texts(&out)
    );
}

/// Refused requests are Kubernetes `Status` errors kubectl prints as a cluster's: 404
/// NotFound, 422 Invalid naming the field path, 409 Conflict on a stale resourceVersion,
/// and exec answered as not simulated.
#[test]
fn errors_are_kubernetes_statuses() {
    let Some((s, dir)) = start("serve_errors") else {
        return;
    };
    assert_eq!(
        s.fails(&["get", "pod", "nope"]).trim(),
        "Error from server (NotFound): pods \"nope\" not found"
    );
    assert!(s
        .fails(&["get", "deployment", "nope"])
        .contains("deployments.apps \"nope\" not found"));

    std::fs::write(
        dir.join("bad.yaml"),
        DEPLOYMENT.replace("replicas: 2", "replicas: -1"),
    )
    .expect("write");
    let invalid = s.fails(&["apply", "-f", "bad.yaml"]);
    assert_eq!(
        invalid.trim(),
        "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );

    std::fs::write(
        dir.join("unknown.yaml"),
        DEPLOYMENT.replace("replicas: 2", "replica: 2"),
    )
    .expect("write");
    let unknown = s.fails(&["apply", "-f", "unknown.yaml"]);
    assert!(unknown.contains("replica"), "{unknown}");

    s.ok(&["apply", "-f", "web.yaml"]);
    // Server-side dry runs (`kubectl diff`, `--dry-run=server`) validate and change nothing.
    std::fs::write(
        dir.join("web5.yaml"),
        DEPLOYMENT.replace("replicas: 2", "replicas: 5"),
    )
    .expect("write");
    let diff = s.kubectl(&["diff", "-f", "web5.yaml"]);
    assert_eq!(diff.status.code(), Some(1), "{:?}", texts(&diff));
    assert!(
        texts(&diff).0.contains("+  replicas: 5"),
        "{:?}",
        texts(&diff)
    );
    s.ok(&["delete", "deployment", "web", "--dry-run=server"]);
    s.ok(&["apply", "-f", "web5.yaml", "--dry-run=server"]);
    assert_eq!(
        s.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "2"
    );
    let stale = s.ok(&["get", "deployment", "web", "-o", "json"]);
    std::fs::write(dir.join("stale.json"), &stale).expect("write");
    s.ok(&["scale", "deployment/web", "--replicas=4"]);
    let conflict = s.fails(&["replace", "-f", "stale.json"]);
    assert!(
        conflict.contains("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified"),
        "{conflict}"
    );
    assert!(s
        .fails(&["create", "-f", "web.yaml"])
        .contains("deployments.apps \"web\" already exists"));

    let pod = pod_names(&s).remove(0);
    // A pod's labels change; its spec does not (the API server's immutability rule).
    s.ok(&["label", "pod", &pod, "practice=yes"]);
    let immutable = s.fails(&[
        "patch",
        "pod",
        &pod,
        "-p",
        r#"{"spec":{"nodeName":"node-9"}}"#,
    ]);
    assert!(
        immutable.contains("spec: Forbidden: pod updates may not change fields other than"),
        "{immutable}"
    );
    let exec = s.fails(&["exec", &pod, "--", "ls"]);
    assert!(exec.contains("exec is not simulated by kubesim"), "{exec}");
    let _ = Path::new(&dir);
}
