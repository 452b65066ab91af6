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
/// the removal's resourceVersion, newer than the list's), in resourceVersion order.
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

    // The selector applies to the replay: only the labelled one.
    let selected = s.ok(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={from}&labelSelector=tier%3Dweb&timeoutSeconds=1"),
    ]);
    let names: Vec<String> = events(&selected).into_iter().map(|e| e.1).collect();
    assert_eq!(names, ["keep"], "{selected}");
}
