//! Ages that kubectl computes itself (issue 7): `describe`'s event ages and `Start Time`
//! come from the served instants and kubectl's own clock, not from the server's Table.
//! kubesim serves simulated now as the wall clock's now, so those ages are simulated ages
//! (a pod that started 30 simulated seconds ago reads as 30s old, not as months since the
//! simulation's 2026-01-01 epoch); `--fixed-epoch` serves the epoch's instants instead.

mod serve_support;

use serve_support::{kubectl_binary, scratch, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: ages
spec:
  duration: 24h
  cluster:
    nodePools:
    - name: node
      count: 1
      capacity: {cpu: \"4\", memory: 8Gi, pods: 110}
";

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.25
";

fn start(test: &str, extra: &[&str]) -> Option<Served> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("ages.yaml"), SCENARIO).expect("scenario");
    std::fs::write(dir.join("pod.yaml"), POD).expect("manifest");
    let args: Vec<&str> = ["ages.yaml"].iter().chain(extra).copied().collect();
    Some(Served::start(kubectl, &dir, &args))
}

/// The age column of the `Scheduled` line in `describe`'s Events table.
fn scheduled_event_age(describe: &str) -> String {
    let line = describe
        .lines()
        .find(|l| l.contains("Scheduled") && l.contains("default-scheduler"))
        .unwrap_or_else(|| panic!("no Scheduled event in {describe}"));
    line.split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no age in {line:?}"))
        .to_string()
}

/// An hour of simulated time later, `describe` says the pod was scheduled 60m ago, as the
/// server-side `get` does; with `--fixed-epoch` kubectl would count from 2026-01-01.
#[test]
fn describe_shows_simulated_ages() {
    let Some(s) = start("describe_shows_simulated_ages", &[]) else {
        return;
    };
    s.ok(&["apply", "-f", "pod.yaml"]);
    s.advance("1h");
    let describe = s.ok(&["describe", "pod", "web"]);
    assert_eq!(scheduled_event_age(&describe), "60m", "{describe}");
    let get = s.ok(&["get", "pod", "web", "--no-headers"]);
    assert_eq!(get.split_whitespace().last(), Some("60m"), "{get}");
}

/// `--fixed-epoch` serves instants exactly as `kubesim run` renders them.
#[test]
fn fixed_epoch_serves_the_simulation_epoch() {
    let Some(s) = start(
        "fixed_epoch_serves_the_simulation_epoch",
        &["--fixed-epoch"],
    ) else {
        return;
    };
    s.ok(&["apply", "-f", "pod.yaml"]);
    s.advance("90s");
    let created = s.ok(&[
        "get",
        "pod",
        "web",
        "-o",
        "jsonpath={.metadata.creationTimestamp}",
    ]);
    assert_eq!(created.trim(), "2026-01-01T00:00:00Z");
}
