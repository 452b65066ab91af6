//! Server-side apply against `kubesim serve` with the real kubectl (issue 7):
//! `kubectl apply --server-side` creates, updates, removes the fields it applied before
//! and now omits, keeps associative lists by key, answers a conflict with another
//! manager's field with the API server's 409 (`--force-conflicts` wins), shows
//! `metadata.managedFields` as FieldsV1, and a recorded session replays byte for byte.
//!
//! Without kubectl on PATH the tests print `SKIPPED` and pass (CI installs kubectl).

mod serve_support;

use std::process::Command;

use serve_support::{kubectl_binary, scratch, texts, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: apply
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
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
        - containerPort: 8080
";

fn start(test: &str, extra: &[&str]) -> Option<(Served, std::path::PathBuf)> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("scenario.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), DEPLOYMENT).expect("manifest");
    let mut args = vec!["scenario.yaml"];
    args.extend_from_slice(extra);
    let served = Served::start(kubectl, &dir, &args);
    Some((served, dir))
}

fn jsonpath(s: &Served, path: &str) -> String {
    s.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        &format!("jsonpath={path}"),
    ])
}

/// Create, change, omit: the applied fields are the manager's, the ones it drops go
/// (replicas back to the default 1, the dropped port out of the list), the rest of the
/// associative list stays by key.
#[test]
fn server_side_apply_creates_updates_and_removes_omitted_fields() {
    let Some((s, dir)) = start("serve_ssa_lifecycle", &[]) else {
        return;
    };
    assert_eq!(
        s.ok(&["apply", "--server-side", "-f", "web.yaml"]).trim(),
        "deployment.apps/web serverside-applied"
    );
    assert_eq!(jsonpath(&s, "{.spec.replicas}"), "3");
    let yaml = s.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "yaml",
        "--show-managed-fields",
    ]);
    for line in [
        "    manager: kubectl\n    operation: Apply\n",
        "    fieldsType: FieldsV1\n",
        "            f:containers:\n              k:{\"name\":\"web\"}:\n                .: {}\n                f:image: {}\n",
        "                  k:{\"containerPort\":8080,\"protocol\":\"TCP\"}:\n",
        "        f:replicas: {}\n        f:selector: {}\n",
    ] {
        assert!(yaml.contains(line), "{line:?} in\n{yaml}");
    }

    let changed = DEPLOYMENT
        .replace("nginx:1.25", "nginx:1.26")
        .replace("  replicas: 3\n", "")
        .replace("        - containerPort: 8080\n", "");
    std::fs::write(dir.join("web.yaml"), changed).expect("manifest");
    assert_eq!(
        s.ok(&["apply", "--server-side", "-f", "web.yaml"]).trim(),
        "deployment.apps/web serverside-applied"
    );
    assert_eq!(
        jsonpath(&s, "{.spec.template.spec.containers[0].image}"),
        "nginx:1.26"
    );
    assert_eq!(
        jsonpath(&s, "{.spec.replicas}"),
        "1",
        "omitted: removed, then defaulted"
    );
    assert_eq!(
        jsonpath(
            &s,
            "{.spec.template.spec.containers[0].ports[*].containerPort}"
        ),
        "80"
    );
    assert_eq!(jsonpath(&s, "{.metadata.labels.tier}"), "front");

    // A bad apply configuration is a Status error, not a crash.
    std::fs::write(
        dir.join("other.yaml"),
        DEPLOYMENT
            .replace("name: web\n  labels", "name: other\n  labels")
            .replace("  replicas: 3\n", "  replicas: many\n"),
    )
    .expect("manifest");
    let err = s.fails(&["apply", "--server-side", "-f", "other.yaml"]);
    assert!(err.contains("replicas"), "{err}");
}

/// A field a client-side apply set is another manager's: applying a different value is
/// the API server's 409 with its message, `--force-conflicts` takes it over; an equal
/// value is shared, not a conflict.
#[test]
fn server_side_apply_conflicts_with_client_side_apply_until_forced() {
    let Some((s, dir)) = start("serve_ssa_conflict", &[]) else {
        return;
    };
    assert_eq!(
        s.ok(&["apply", "-f", "web.yaml"]).trim(),
        "deployment.apps/web created"
    );
    std::fs::write(
        dir.join("web-5.yaml"),
        DEPLOYMENT.replace("replicas: 3", "replicas: 5"),
    )
    .expect("manifest");
    let err = s.fails(&["apply", "--server-side", "-f", "web-5.yaml"]);
    assert!(
        err.contains("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"),
        "{err}"
    );
    assert_eq!(jsonpath(&s, "{.spec.replicas}"), "3");

    // Raw: the Status and its cause.
    let (code, body) = s.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=tool",
        &["Content-Type: application/apply-patch+yaml"],
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 4}\n",
    );
    assert_eq!(code, 409, "{body}");
    assert!(body.contains("\"reason\":\"Conflict\""), "{body}");
    assert!(
        body.contains("\"reason\":\"FieldManagerConflict\""),
        "{body}"
    );
    assert!(body.contains("\"field\":\".spec.replicas\""), "{body}");

    // Same value as the live object: co-owned, no conflict.
    assert_eq!(
        s.ok(&["apply", "--server-side", "-f", "web.yaml"]).trim(),
        "deployment.apps/web serverside-applied"
    );
    assert_eq!(
        s.ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            "web-5.yaml"
        ])
        .trim(),
        "deployment.apps/web serverside-applied"
    );
    assert_eq!(jsonpath(&s, "{.spec.replicas}"), "5");

    // Managers a client writes are checked as the API server checks them.
    let (code, body) = s.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        &["Content-Type: application/merge-patch+json"],
        r#"{"metadata":{"managedFields":[{"manager":"x","operation":"Update","fieldsV1":{}}]}}"#,
    );
    assert_eq!(code, 422, "{body}");
    assert!(
        body.contains(
            r#"metadata.managedFields.fieldsType: Invalid value: \"\": must be 'FieldsV1'"#
        ),
        "{body}"
    );

    // An apply without a field manager is refused, as by the API server.
    let (code, body) = s.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        &["Content-Type: application/apply-patch+yaml"],
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 4}\n",
    );
    assert_eq!(code, 422, "{body}");
    assert!(body.contains("fieldManager"), "{body}");
}

/// `kubectl scale` writes through the scale subresource: the replica count becomes
/// `kubectl`'s (an `Update` with `subresource: scale`), and applying another count
/// conflicts with it, with the API server's words for a subresource manager.
#[test]
fn scaling_takes_the_replica_count_from_the_applier() {
    let Some((s, _dir)) = start("serve_ssa_scale", &[]) else {
        return;
    };
    s.ok(&["apply", "--server-side", "-f", "web.yaml"]);
    s.ok(&["scale", "deployment/web", "--replicas=5"]);
    let yaml = s.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "yaml",
        "--show-managed-fields",
    ]);
    assert!(
        yaml.contains("    manager: kubectl\n    operation: Update\n    subresource: scale\n"),
        "{yaml}"
    );
    let err = s.fails(&["apply", "--server-side", "-f", "web.yaml"]);
    assert!(
        err.contains("Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"),
        "{err}"
    );
    assert_eq!(jsonpath(&s, "{.spec.replicas}"), "5");
}

/// Switching from client-side to server-side apply: kubectl hands the fields
/// `kubectl-client-side-apply` owns to its own manager (a JSON patch of
/// `metadata.managedFields`) and applies again, so a field the new configuration omits
/// (here a label) is removed, as on a real cluster.
#[test]
fn switching_to_server_side_apply_migrates_client_side_ownership() {
    let Some((s, dir)) = start("serve_ssa_migrate", &[]) else {
        return;
    };
    std::fs::write(
        dir.join("web.yaml"),
        DEPLOYMENT.replace("labels: {tier: front}", "labels: {tier: front, team: a}"),
    )
    .expect("manifest");
    s.ok(&["apply", "-f", "web.yaml"]);
    std::fs::write(
        dir.join("web-ssa.yaml"),
        DEPLOYMENT.replace("replicas: 3", "replicas: 4"),
    )
    .expect("manifest");
    assert_eq!(
        s.ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            "web-ssa.yaml"
        ])
        .trim(),
        "deployment.apps/web serverside-applied"
    );
    assert_eq!(jsonpath(&s, "{.spec.replicas}"), "4");
    assert_eq!(jsonpath(&s, "{.metadata.labels}"), "{\"tier\":\"front\"}");
    let yaml = s.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "yaml",
        "--show-managed-fields",
    ]);
    assert!(!yaml.contains("kubectl-client-side-apply"), "{yaml}");
    assert!(
        yaml.contains("    manager: kubectl\n    operation: Apply\n"),
        "{yaml}"
    );
}

/// A session of server-side applies is recorded as a scenario that replays to the
/// identical timeline.
#[test]
fn recorded_server_side_apply_session_replays() {
    let Some(kubectl) = kubectl_binary("serve_ssa_record") else {
        return;
    };
    let dir = scratch("serve_ssa_record");
    std::fs::write(dir.join("scenario.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("web.yaml"), DEPLOYMENT).expect("manifest");
    std::fs::write(
        dir.join("web-v2.yaml"),
        DEPLOYMENT
            .replace("nginx:1.25", "nginx:1.26")
            .replace("  replicas: 3\n", ""),
    )
    .expect("manifest");
    std::fs::create_dir_all(dir.join("out")).expect("out dir");
    let record = dir.join("out").join("session.yaml");
    let s = Served::start(
        kubectl,
        &dir,
        &[
            "scenario.yaml",
            "--record",
            record.to_str().expect("utf-8 path"),
        ],
    );
    s.ok(&["apply", "--server-side", "-f", "web.yaml"]);
    s.advance("30s");
    s.ok(&["apply", "--server-side", "-f", "web-v2.yaml"]);
    s.advance("1m");
    let served = s.get("/kubesim/v1/timeline");
    drop(s);

    let text = std::fs::read_to_string(&record).expect("the session was recorded");
    let replay = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["run", "--output", "jsonl"])
        .arg(&record)
        .output()
        .expect("kubesim run");
    let (replayed, stderr) = texts(&replay);
    assert!(replay.status.success(), "replay failed: {stderr}\n{text}");
    assert!(served.lines().count() > 20, "a real session: {served}");
    assert!(served.contains("nginx:1.26"), "{served}");
    assert!(
        served == replayed,
        "the replay differs from the session\n--- recorded scenario\n{text}"
    );
}
