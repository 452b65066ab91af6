//! The README's "Practise kubectl on kubesim" walk-through, command for command, with the
//! real kubectl against `kubesim serve scenarios/practice.yaml` (issue 7): what a newcomer
//! types must work as written and print what a real cluster prints. Also what they try
//! next: `kubectl top`, `get hpa`/`get pdb`, `describe node` on a failed node (its
//! `Lease:` block, k8s-semantics §7.1–7.2), and `get events` without kubesim's own action
//! records (an API server writes no Event for a create or a patch).

mod serve_support;

use serve_support::{finish, kubectl_binary, root, scratch, texts, Served};

fn start(test: &str, scenario: &str) -> Option<Served> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    Some(Served::start(kubectl, &dir, &[scenario]))
}

/// The README's commands in order; each must succeed and say what kubectl says against a
/// cluster (`created`, not `configured` with missing-annotation warnings; a rollback that
/// finds the previous revision).
#[test]
fn the_readme_walk_through_works_as_written() {
    let practice = root().join("scenarios/practice.yaml");
    let Some(s) = start(
        "the_readme_walk_through_works_as_written",
        practice.to_str().expect("utf-8 path"),
    ) else {
        return;
    };
    let manifests = root().join("scenarios/manifests/quickstart/");
    let manifests = manifests.to_str().expect("utf-8 path");
    let out = s.kubectl(&["apply", "-f", manifests]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("deployment.apps/web created"), "{stdout}");
    assert!(stdout.contains("pod/analytics created"), "{stdout}");
    assert!(
        stderr.is_empty(),
        "no warnings on a fresh cluster: {stderr}"
    );

    let wide = s.ok(&["get", "pods", "-o", "wide"]);
    assert!(wide.starts_with("NAME "), "{wide}");

    let rollout = s.spawn_kubectl(&["rollout", "status", "deployment/web"]);
    s.wait_for_streams(1);
    s.advance("30s");
    let (out, _) = texts(&finish(rollout));
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );

    s.ok(&["scale", "deployment/web", "--replicas=5"]);
    let set = s.ok(&["set", "image", "deployment/web", "web=nginx:1.28"]);
    assert!(set.contains("deployment.apps/web image updated"), "{set}");
    let undo = s.ok(&["rollout", "undo", "deployment/web"]);
    assert!(undo.contains("deployment.apps/web rolled back"), "{undo}");

    let events = s.ok(&["get", "events"]);
    assert!(events.contains("ScalingReplicaSet"), "{events}");
    assert!(
        !events.contains("kubectl apply") && !events.contains(" Apply "),
        "kubesim's action records are not Events: {events}"
    );

    // `kubectl top`: the practice scenario's load model (300 req/s at 1m CPU each over the
    // Ready web pods) plus each pod's 25m.
    s.advance("30s");
    let top = s.ok(&["top", "pods", "-l", "app=web"]);
    assert!(top.starts_with("NAME "), "{top}");
    assert!(top.lines().count() > 1, "{top}");
    s.ok(&["top", "nodes"]);

    // The README's generator commands (protobuf bodies) and explain; a PDB from a file.
    let autoscale = s.ok(&[
        "autoscale",
        "deployment/web",
        "--min=2",
        "--max=10",
        "--cpu-percent=50",
    ]);
    assert!(
        autoscale.contains("horizontalpodautoscaler.autoscaling/web autoscaled"),
        "{autoscale}"
    );
    let hello = s.ok(&[
        "create",
        "deployment",
        "hello",
        "--image=nginx",
        "--replicas=2",
    ]);
    assert!(hello.contains("deployment.apps/hello created"), "{hello}");
    let explain = s.ok(&["explain", "deployment.spec.strategy"]);
    assert!(
        explain.contains("FIELD: strategy <DeploymentStrategy>"),
        "{explain}"
    );
    assert!(explain.contains("rollingUpdate"), "{explain}");
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n";
    let dir = root().join("target/test-scratch/the_readme_walk_through_works_as_written");
    std::fs::write(dir.join("pdb.yaml"), pdb).expect("pdb");
    s.ok(&["apply", "-f", "pdb.yaml"]);
    s.advance("30s");
    let hpas = s.ok(&["get", "hpa"]);
    let header: Vec<&str> = hpas
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE"
        ],
        "{hpas}"
    );
    assert!(hpas.contains("Deployment/web"), "{hpas}");
    assert!(hpas.contains("cpu: "), "a measured target: {hpas}");
    let pdbs = s.ok(&["get", "pdb"]);
    assert!(pdbs.contains("MIN AVAILABLE"), "{pdbs}");
}

/// `kubectl describe node` on a node that failed (scenario `failNode`): its Lease was last
/// renewed at the failure, its conditions are Unknown, System Info names the kubelet's
/// version; `kubectl top node` prints `<unknown>` for it.
#[test]
fn describe_a_failed_node() {
    let test = "describe_a_failed_node";
    let Some(kubectl) = kubectl_binary(test) else {
        return;
    };
    let dir = scratch(test);
    let scenario = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: fail}
spec:
  duration: 1h
  cluster:
    nodePools:
      - {name: worker, count: 2, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}
  events:
    - {at: 1m, failNode: worker-1}
";
    std::fs::write(dir.join("fail.yaml"), scenario).expect("scenario");
    // Instants from the fixed epoch, so the lease renewal time is exact.
    let s = Served::start(kubectl, &dir, &["fail.yaml", "--fixed-epoch"]);
    s.advance("3m");
    let out = s.ok(&["describe", "node", "worker-1"]);
    assert!(!out.contains("Failed to get lease"), "{out}");
    assert!(out.contains("HolderIdentity:  worker-1"), "{out}");
    assert!(
        out.contains("RenewTime:       Thu, 01 Jan 2026 00:01:00 +0000"),
        "renewed last at the failure: {out}"
    );
    assert!(out.contains("NodeStatusUnknown"), "{out}");
    assert!(out.contains("Kubelet Version:            v1.36.3"), "{out}");
    assert!(out.contains("Hostname:  worker-1"), "{out}");
    assert!(out.contains("NodeNotReady"), "{out}");
    let top = s.ok(&["top", "nodes"]);
    assert!(
        top.lines()
            .any(|l| l.starts_with("worker-1") && l.contains("<unknown>")),
        "{top}"
    );
    // A healthy node's lease is renewed up to the last heartbeat.
    let healthy = s.ok(&["describe", "node", "worker-2"]);
    assert!(healthy.contains("HolderIdentity:  worker-2"), "{healthy}");
}
