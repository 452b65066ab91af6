//! `kubectl explain` against `kubesim serve` (issue 7): kubectl reads the OpenAPI v3
//! documents (`sim-serve/src/openapi.rs`) and prints the fields and descriptions as it does
//! against a real cluster.
//!
//! Without kubectl on PATH the tests print `SKIPPED` and pass (CI installs kubectl).

mod serve_support;

use serve_support::{kubectl_binary, scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: explain
spec:
  duration: 1h
  cluster:
    nodePools:
    - name: node
      count: 1
      capacity: {cpu: \"4\", memory: 8Gi, pods: 110}
";

fn start(test: &str) -> Option<Served> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("scenario.yaml"), SCENARIO).expect("scenario");
    Some(Served::start(kubectl, &dir, &["scenario.yaml"]))
}

/// `kubectl explain pod`: the kind's header, description and top-level fields with
/// kubectl's type names, as on a real cluster (`metadata` is not required there).
#[test]
fn explain_pod_prints_the_kind_and_its_fields() {
    let Some(s) = start("serve_explain_pod") else {
        return;
    };
    let out = s.ok(&["explain", "pod"]);
    assert!(
        out.starts_with(
            "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers that can run on a host. This resource is\n    created by clients and scheduled onto hosts.\n"
        ),
        "{out}"
    );
    for field in [
        "  apiVersion\t<string>\n",
        "  metadata\t<ObjectMeta>\n",
        "  spec\t<PodSpec>\n",
        "  status\t<PodStatus>\n",
    ] {
        assert!(out.contains(field), "{field:?} in {out}");
    }
    let containers = s.ok(&["explain", "pods.spec.containers"]);
    assert!(
        containers.contains("FIELD: containers <[]Container>"),
        "{containers}"
    );
    assert!(
        containers.contains("  name\t<string> -required-\n"),
        "{containers}"
    );
    assert!(
        containers.contains("  ports\t<[]ContainerPort>\n"),
        "{containers}"
    );
    let limits = s.ok(&["explain", "pod.spec.containers.resources.limits"]);
    assert!(
        limits.contains("FIELD: limits <map[string]Quantity>"),
        "{limits}"
    );
}

/// A field of a field, through `$ref`s: `deployment.spec.strategy`.
#[test]
fn explain_a_nested_field() {
    let Some(s) = start("serve_explain_nested") else {
        return;
    };
    let out = s.ok(&["explain", "deployment.spec.strategy"]);
    assert!(
        out.starts_with(
            "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>\n\n\nDESCRIPTION:\n    The deployment strategy to use to replace existing pods with new ones.\n    DeploymentStrategy describes how to replace existing pods with new ones.\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  rollingUpdate\t<RollingUpdateDeployment>\n    Rolling update config params. Present only if DeploymentStrategyType =\n    RollingUpdate.\n"),
        "{out}"
    );
    assert!(out.contains("  type\t<string>\n"), "{out}");
    let surge = s.ok(&["explain", "deploy.spec.strategy.rollingUpdate.maxSurge"]);
    assert!(surge.contains("FIELD: maxSurge <IntOrString>"), "{surge}");

    let missing = s.fails(&["explain", "deployment.spec.nope"]);
    assert!(
        missing.contains("field \"nope\" does not exist"),
        "{missing}"
    );
}

/// `--recursive`: every field, indented by depth, following `$ref`s (and stopping at
/// cycles); and every served kind has a schema.
#[test]
fn explain_recursive_and_every_kind() {
    let Some(s) = start("serve_explain_recursive") else {
        return;
    };
    let out = s.ok(&["explain", "pods", "--recursive"]);
    for line in [
        "FIELDS:\n  apiVersion\t<string>\n  kind\t<string>\n  metadata\t<ObjectMeta>\n    annotations\t<map[string]string>\n",
        "    containers\t<[]Container> -required-\n      args\t<[]string>\n",
        "        containerPort\t<integer> -required-\n",
        "      ownerReferences\t<[]OwnerReference>\n",
    ] {
        assert!(out.contains(line), "{line:?} in the recursive explain");
    }
    for resource in [
        "nodes",
        "namespaces",
        "services",
        "configmaps",
        "secrets",
        "resourcequotas",
        "limitranges",
        "persistentvolumeclaims",
        "events",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "horizontalpodautoscalers",
        "poddisruptionbudgets",
        "priorityclasses",
        "endpointslices",
    ] {
        let out = s.ok(&["explain", resource]);
        assert!(out.contains("DESCRIPTION:"), "{resource}: {out}");
        assert!(out.contains("FIELDS:"), "{resource}: {out}");
    }
}
