//! The command line as a user meets it: exit codes, located errors for bad input (never a
//! panic or a partial output file), reproduce lines, `-f` runs.

mod common;

use common::{kubesim, scratch, texts, write};

const HEADER: &str = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\n";

fn scenario(dir: &std::path::Path, body: &str) -> String {
    write(dir, "scenario.yaml", &format!("{HEADER}{body}"))
        .display()
        .to_string()
}

/// Runs `kubesim run` on a bad scenario: exit 2, no panic, and stderr names the place.
fn assert_bad_input(path: &str, expected: &[&str]) -> String {
    let output = kubesim(&["run", path]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
    }
    stderr
}

#[test]
fn the_quickstart_runs_and_its_expectations_hold() {
    let output = kubesim(&["run", "scenarios/quickstart.yaml"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("FailedScheduling"));
    assert!(
        stdout.contains("expectations: 9 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn malformed_yaml_is_located() {
    let dir = scratch("malformed");
    let path = scenario(&dir, "spec:\n  seed: [1, 2\n  duration: 5m\n");
    assert_bad_input(&path, &["scenario.yaml:"]);
}

#[test]
fn unknown_field_gets_a_suggestion() {
    let dir = scratch("unknown-field");
    let path = scenario(&dir, "spec:\n  durration: 5m\n");
    assert_bad_input(
        &path,
        &[
            "scenario.yaml:6:",
            "unknown field `durration`",
            "did you mean `duration`",
        ],
    );
}

#[test]
fn wrong_type_is_located() {
    let dir = scratch("wrong-type");
    let path = scenario(&dir, "spec:\n  seed: forty-two\n");
    assert_bad_input(&path, &["scenario.yaml:6:", "invalid type"]);
}

#[test]
fn bad_duration_is_located() {
    let dir = scratch("bad-duration");
    let path = scenario(&dir, "spec:\n  duration: 5 minutes\n");
    assert_bad_input(&path, &["scenario.yaml:6:", "spec.duration"]);
}

#[test]
fn bad_quantity_in_a_manifest_is_located_in_that_file() {
    let dir = scratch("bad-quantity");
    write(
        &dir,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        requests:\n          cpu: 1.5.5\n",
    );
    let path = scenario(&dir, "spec:\n  manifests: [pod.yaml]\n");
    assert_bad_input(
        &path,
        &["pod.yaml:11:", "spec.containers[0].resources.requests.cpu"],
    );
}

#[test]
fn unknown_field_in_a_manifest_is_located() {
    let dir = scratch("manifest-unknown-field");
    write(
        &dir,
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicaz: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
    );
    let output = kubesim(&["run", "-f", &dir.join("deploy.yaml").display().to_string()]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("deploy.yaml:6:"), "{stderr}");
    assert!(stderr.contains("did you mean `replicas`"), "{stderr}");
}

#[test]
fn missing_references_are_refused() {
    let dir = scratch("missing-reference");
    let path = scenario(
        &dir,
        "spec:\n  cluster:\n    nodePools:\n      - {name: worker, count: 1, capacity: {cpu: \"2\", memory: 4Gi}}\n  events:\n    - at: 1m\n      scale: {object: deployment/web, replicas: 3}\n    - at: 2m\n      cordon: worker-9\n  manifests: [nothere.yaml]\n",
    );
    assert_bad_input(
        &path,
        &[
            "Deployment \"default/web\" does not exist",
            "Node \"worker-9\" does not exist",
            "nothere.yaml",
        ],
    );
}

#[test]
fn absurd_sizes_are_refused() {
    let dir = scratch("absurd");
    let path = scenario(
        &dir,
        "spec:\n  cluster:\n    nodePools:\n      - {name: worker, count: 1000000000000, capacity: {cpu: \"2\", memory: 4Gi}}\n",
    );
    assert_bad_input(&path, &["scenario.yaml:", "too many"]);
    write(
        &dir,
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1000000000000\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
    );
    let output = kubesim(&["run", "-f", &dir.join("deploy.yaml").display().to_string()]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("deploy.yaml:6:"), "{stderr}");
    // Fits an int32, but no cluster runs two billion pods.
    let text = std::fs::read_to_string(dir.join("deploy.yaml")).expect("fixture");
    write(
        &dir,
        "deploy.yaml",
        &text.replace("1000000000000", "2000000000"),
    );
    let output = kubesim(&["run", "-f", &dir.join("deploy.yaml").display().to_string()]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("deploy.yaml:6:") && stderr.contains("at most 1000000"),
        "{stderr}"
    );
}

#[test]
fn failing_a_node_that_does_not_exist_is_located() {
    let dir = scratch("fail-unknown-node");
    let path = scenario(
        &dir,
        "spec:\n  events:\n    - at: 1m\n      failNode: worker-9\n",
    );
    assert_bad_input(&path, &["scenario.yaml:8:", "\"worker-9\" does not exist"]);
}

#[test]
fn bad_behaviour_annotation_is_located() {
    let dir = scratch("bad-annotation");
    write(
        &dir,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    kubesim.io/exit-afterr: 3s\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n",
    );
    let output = kubesim(&[
        "validate",
        "-f",
        &dir.join("pod.yaml").display().to_string(),
    ]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pod.yaml:"), "{stderr}");
    assert!(stderr.contains("exit-afterr"), "{stderr}");
}

#[test]
fn bad_input_writes_no_output_file() {
    let dir = scratch("no-partial-output");
    let path = scenario(&dir, "spec:\n  durration: 5m\n");
    let out = dir.join("timeline.txt");
    let output = kubesim(&["run", &path, "-o", &out.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists(), "no output file after bad input");
}

#[test]
fn output_file_is_written_whole() {
    let dir = scratch("output-file");
    let out = dir.join("timeline.jsonl");
    let output = kubesim(&[
        "run",
        "scenarios/crashloop.yaml",
        "--output",
        "jsonl",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&out).expect("written");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
    assert!(text.lines().count() > 20);
}

#[test]
fn failed_expectation_exits_1_with_a_reproduce_line() {
    let dir = scratch("failed-expectation");
    write(
        &dir,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n",
    );
    let path = scenario(
        &dir,
        "spec:\n  seed: 9\n  duration: 1m\n  cluster:\n    nodePools:\n      - {name: n, capacity: {cpu: \"1\", memory: 1Gi}}\n  manifests: [pod.yaml]\n  expect:\n    - at: 30s\n      object: pod/p\n      field: status.phase\n      equals: Pending\n",
    );
    let output = kubesim(&["run", &path]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("FAIL at 30s: pod/p status.phase = Pending: observed Running"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!("reproduce: kubesim run {path} --seed 9")),
        "{stderr}"
    );
}

#[test]
fn plain_manifests_run_on_the_default_cluster() {
    let output = kubesim(&[
        "run",
        "-f",
        "scenarios/manifests/quickstart",
        "--until",
        "30s",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("node/node-3"),
        "default cluster has three nodes"
    );
    assert!(stdout.contains("Successfully assigned default/web-"));
}

#[test]
fn unsupported_kinds_are_warnings() {
    let dir = scratch("unsupported-kind");
    write(
        &dir,
        "svc.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\nspec:\n  podSelector: {}\n",
    );
    let output = kubesim(&[
        "validate",
        "-f",
        &dir.join("svc.yaml").display().to_string(),
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("NetworkPolicy"),
        "{stderr}"
    );
    assert!(stdout.contains("valid"));
}

#[test]
fn inline_manifests_and_node_events() {
    let dir = scratch("inline-and-nodes");
    write(
        &dir,
        "late.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: late}\nspec:\n  containers: [{name: c, image: nginx:1.27}]\n",
    );
    let path = scenario(
        &dir,
        "spec:
  duration: 3m
  cluster:
    nodePools:
      - {name: small, count: 1, capacity: {cpu: \"1\", memory: 2Gi}}
  events:
    - at: 10s
      cordon: small-1
    - at: 20s
      addNode: {pool: small}
    - at: 25s
      apply: late.yaml
    - at: 1m
      uncordon: small-1
    - at: 1m
      removeNode: small-2
  expect:
    - at: 15s
      object: pod/lonely
      field: spec.nodeName
      equals: small-1
    - at: 30s
      object: node/small-2
      field: metadata.labels[kubernetes.io/hostname]
      equals: small-2
    - at: 30s
      object: pod/late
      field: spec.nodeName
      equals: small-2
      description: the cordoned node is skipped, the added one used
    - at: 1m39s
      object: pod/late
      exists: true
    - at: 1m40s
      object: pod/late
      exists: false
      description: the pod garbage collector removes pods of a deleted node after 40 s
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: lonely, annotations: {kubesim.io/start-after: 1s}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
",
    );
    let output = kubesim(&["run", &path, "--check"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("expectations: 5 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn get_prints_kubectl_tables_at_an_instant() {
    let output = kubesim(&["get", "pods", "--at", "2m", "scenarios/crashloop.yaml"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "NAME      READY   STATUS             RESTARTS      AGE\ncrasher   0/1     CrashLoopBackOff   4 (50s ago)   2m\n"
    );
    let output = kubesim(&[
        "get",
        "nodes,deploy",
        "--at",
        "3m5s",
        "scenarios/quickstart.yaml",
    ]);
    let (stdout, _) = texts(&output);
    assert!(
        stdout.contains("node/worker-1   Ready,SchedulingDisabled"),
        "{stdout}"
    );
    assert!(
        stdout.contains("deployment.apps/web   6/6     6            6           3m5s"),
        "{stdout}"
    );
    let output = kubesim(&["get", "ingresses", "scenarios/quickstart.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = texts(&output);
    assert!(stderr.contains("services, endpointslices"), "{stderr}");
    let output = kubesim(&["get", "ns,pc", "scenarios/quickstart.yaml"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("namespace/kube-system       Active   5m"),
        "{stdout}"
    );
    assert!(
        stdout.contains("priorityclass.scheduling.k8s.io/system-node-critical"),
        "{stdout}"
    );
}

#[test]
fn describe_shows_restarts_last_state_and_aggregated_events() {
    let output = kubesim(&[
        "describe",
        "pod",
        "api",
        "--at",
        "2m",
        "scenarios/liveness.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("Name:         api\n"), "{stdout}");
    assert!(stdout.contains("    Restart Count:  2\n"), "{stdout}");
    assert!(
        stdout.contains("    Last State:     Terminated\n"),
        "{stdout}"
    );
    assert!(stdout.contains("      Exit Code:    143\n"), "{stdout}");
    // Identical events are one row with a count, as kubectl shows them.
    let unhealthy = stdout
        .lines()
        .find(|l| l.contains("Unhealthy") && l.contains("Liveness probe failed"))
        .expect("an Unhealthy row");
    assert!(
        unhealthy.contains(" (x") && unhealthy.contains(" over "),
        "{unhealthy}"
    );
    let output = kubesim(&[
        "describe",
        "po",
        "crasher",
        "--at",
        "2m",
        "scenarios/crashloop.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("Status:       Running\n"), "{stdout}");
    let back_off = stdout
        .lines()
        .find(|l| l.contains("Back-off restarting failed container app"))
        .expect("a BackOff row");
    assert!(back_off.contains("50s (x4 over 2m)"), "{back_off}");
}

#[test]
fn explain_names_the_rule_and_its_numbers() {
    let output = kubesim(&[
        "explain",
        "pod/api",
        "--at",
        "2m",
        "scenarios/liveness.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("50s: container api was killed because its liveness probe failed 3 times in a row (failureThreshold 3, periodSeconds 10: failures at 30s, 40s, 50s); it exited with code 143 after TERM.\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1m40s: the kubelet waits 10s before restarting container api (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).\n"),
        "{stdout}"
    );
    let output = kubesim(&[
        "explain",
        "pod/crasher",
        "--at",
        "2m",
        "scenarios/crashloop.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("1m10s: container app exited with code 1 (Error); the kubelet waits 1m20s before restarting it, until 2m30s (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).\n"),
        "{stdout}"
    );
    // Plain manifests work too.
    let output = kubesim(&[
        "explain",
        "deployment/web",
        "--at",
        "30s",
        "-f",
        "scenarios/manifests/quickstart",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("scaled up replica set web-"), "{stdout}");
}

#[test]
fn describe_and_explain_refuse_unknown_objects_and_kinds() {
    let refused = |args: &[&str], expected: &str| {
        let output = kubesim(args);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    };
    refused(
        &["describe", "pod", "nope", "scenarios/liveness.yaml"],
        "Error from server (NotFound): pods \"nope\" not found",
    );
    refused(
        &["explain", "deploy/nope", "scenarios/liveness.yaml"],
        "Error from server (NotFound): deployments.apps \"nope\" not found",
    );
    refused(
        &["describe", "widgets", "x", "scenarios/liveness.yaml"],
        "the server doesn't have a resource type \"widgets\"",
    );
    refused(
        &["explain", "pod", "scenarios/liveness.yaml"],
        "resource/name form",
    );
    refused(
        &[
            "explain",
            "pod/api",
            "--at",
            "soon",
            "scenarios/liveness.yaml",
        ],
        "--at",
    );
}

#[test]
fn rollout_status_reads_the_rollout_at_an_instant() {
    let status = |at: &str| {
        let output = kubesim(&[
            "rollout",
            "status",
            "deployment/api",
            "--at",
            at,
            "scenarios/rollout.yaml",
        ]);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
        stdout
    };
    let waiting = "Waiting for deployment \"api\" rollout to finish: ";
    assert_eq!(
        status("1m5s"),
        format!("{waiting}2 out of 4 new replicas have been updated...\n")
    );
    assert_eq!(
        status("1m15s"),
        format!("{waiting}1 old replicas are pending termination...\n")
    );
    assert_eq!(
        status("5s"),
        format!("{waiting}0 of 4 updated replicas are available...\n")
    );
    assert_eq!(status("2m"), "deployment \"api\" successfully rolled out\n");
}

#[test]
fn rollout_status_fails_past_the_progress_deadline() {
    let dir = scratch("rollout-deadline");
    let manifest = write(
        &dir,
        "web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  progressDeadlineSeconds: 30\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: example.com/web:1\n          resources:\n            requests: {cpu: \"64\"}\n",
    );
    let manifest = manifest.display().to_string();
    let output = kubesim(&["rollout", "status", "deploy/web", "-f", &manifest]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("error: deployment \"web\" exceeded its progress deadline\n"),
        "{stderr}"
    );
}

#[test]
fn rollout_history_lists_revisions_and_shows_one() {
    let output = kubesim(&[
        "rollout",
        "history",
        "deployment/api",
        "scenarios/rollout.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "deployment.apps/api\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    );
    let output = kubesim(&[
        "rollout",
        "history",
        "deployment/api",
        "--revision",
        "1",
        "scenarios/rollout.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("deployment.apps/api with revision #1\nPod Template:\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Image:\texample.com/api:1.0.0\n"),
        "{stdout}"
    );
    let output = kubesim(&[
        "rollout",
        "history",
        "deployment/api",
        "--revision",
        "7",
        "scenarios/rollout.yaml",
    ]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unable to find the specified revision"),
        "{stderr}"
    );
}

#[test]
fn rollout_refuses_unknown_deployments_and_kinds() {
    for (args, expected) in [
        (
            &[
                "rollout",
                "status",
                "deployment/nope",
                "scenarios/rollout.yaml",
            ][..],
            "Error from server (NotFound): deployments.apps \"nope\" not found",
        ),
        (
            &[
                "rollout",
                "history",
                "deploy/nope",
                "scenarios/rollout.yaml",
            ][..],
            "Error from server (NotFound): deployments.apps \"nope\" not found",
        ),
        (
            &["rollout", "status", "pod/api", "scenarios/rollout.yaml"][..],
            "the server doesn't have a resource type \"pod\"",
        ),
        (
            &["rollout", "status", "api", "scenarios/rollout.yaml"][..],
            "resource/name form",
        ),
    ] {
        let output = kubesim(args);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    }
}

/// `kubesim get A,B,C` prints only the tables of kinds that have objects, as kubectl does,
/// and a single `No resources found` line when none has any.
#[test]
fn get_several_kinds_skips_empty_ones() {
    let output = kubesim(&[
        "get",
        "deploy,rs,sts,ds,job,cronjob,svc",
        "--at",
        "2m",
        "scenarios/what-if/statefulset-scale.yaml",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains("No resources found"), "{stdout}");
    assert!(
        stdout.starts_with("NAME                   READY   AGE\nstatefulset.apps/web"),
        "{stdout}"
    );
    assert!(stdout.contains("\n\nNAME          TYPE"), "{stdout}");
    let output = kubesim(&["get", "job,cronjob", "scenarios/quickstart.yaml"]);
    let (stdout, _) = texts(&output);
    assert_eq!(stdout, "No resources found in default namespace.\n");
}

/// `--at` after the scenario's end is refused rather than silently clamped.
#[test]
fn at_after_the_end_is_an_error() {
    let output = kubesim(&["get", "pods", "--at", "1h", "scenarios/crashloop.yaml"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("--at 1h: after the end of the scenario"),
        "{stderr}"
    );
}
