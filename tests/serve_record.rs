//! `kubesim serve --record FILE` (issue 7): a kubectl session written as a scenario that
//! `kubesim run` replays to the identical timeline, byte for byte. The session touches
//! every write path: cordon/uncordon, create (POST), apply of a change (strategic merge PATCH), `set image`,
//! `scale` (the scale subresource), `rollout undo` (JSON patch, k8s-semantics §4.6) and
//! `delete` (§3.2 graceful deletion), with the clock advanced in between.

mod serve_support;

use std::process::Command;

use serve_support::{kubectl_binary, scratch, texts, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: recorded-practice
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
  labels: {tier: front}
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

#[test]
fn recorded_session_replays_to_the_identical_timeline() {
    let Some(kubectl) = kubectl_binary("recorded_session_replays_to_the_identical_timeline") else {
        return;
    };
    let dir = scratch("serve_record");
    std::fs::write(dir.join("practice.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), DEPLOYMENT).expect("manifest");
    std::fs::write(
        dir.join("web-v2.yaml"),
        DEPLOYMENT.replace("replicas: 2", "replicas: 3"),
    )
    .expect("manifest");
    let record = dir.join("out").join("session.yaml");
    std::fs::create_dir_all(dir.join("out")).expect("out dir");
    let s = Served::start(
        kubectl,
        &dir,
        &[
            "practice.yaml",
            "--record",
            record.to_str().expect("utf-8 path"),
        ],
    );
    s.ok(&["cordon", "node-1"]);
    s.ok(&["apply", "-f", "web.yaml"]);
    s.advance("20s");
    s.ok(&["uncordon", "node-1"]);
    s.ok(&["apply", "-f", "web-v2.yaml"]);
    s.advance("15s");
    s.ok(&["set", "image", "deployment/web", "web=nginx:1.26"]);
    s.advance("40s");
    s.ok(&["scale", "deployment/web", "--replicas=1"]);
    s.advance("5s");
    s.ok(&["rollout", "undo", "deployment/web"]);
    s.advance("30s");
    let pod = s
        .ok(&["get", "pods", "-o", "name"])
        .lines()
        .next()
        .expect("a pod")
        .to_string();
    s.ok(&["delete", &pod, "--grace-period=5"]);
    s.advance("1m");
    let served = s.get("/kubesim/v1/timeline");
    drop(s);

    let text = std::fs::read_to_string(&record).expect("the session was recorded");
    for event in [
        "apply:",
        "scale:",
        "delete:",
        "gracePeriod: 5",
        "cordon: node-1",
        "uncordon: node-1",
    ] {
        assert!(text.contains(event), "{event} missing from\n{text}");
    }
    let replay = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["run", "--output", "jsonl"])
        .arg(&record)
        .output()
        .expect("kubesim run");
    let (replayed, stderr) = texts(&replay);
    assert!(replay.status.success(), "replay failed: {stderr}\n{text}");
    assert!(served.lines().count() > 50, "a real session: {served}");
    assert!(
        served == replayed,
        "the replay differs from the session\n--- recorded scenario\n{text}\n--- first difference at line {}",
        served
            .lines()
            .zip(replayed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "end".to_string(), |i| (i + 1).to_string())
    );
}

/// A scenario that does not load is refused before anything listens, with its location.
#[test]
fn serve_refuses_a_bad_scenario_with_its_location() {
    let dir = scratch("serve_bad_scenario");
    std::fs::write(
        dir.join("bad.yaml"),
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: bad\nspec:\n  duraton: 1h\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["serve", "bad.yaml", "--port", "0", "--paused"])
        .current_dir(&dir)
        .output()
        .expect("kubesim serve");
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.yaml:6"), "{stderr}");
    assert!(stderr.contains("duraton"), "{stderr}");
}
