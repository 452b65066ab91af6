//! `kubectl auth can-i` and `kubectl auth whoami` against `kubesim serve` (issue 7):
//! kubesim models no authorization, so the one user `kubesim-admin` (in `system:masters`)
//! may do everything, and the review APIs say so (access_review.rs). kubectl sends the
//! reviews as protobuf; their answer does not depend on the body.

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
