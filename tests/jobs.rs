//! The Job controller and the TTL-after-finished controller against k8s-semantics §8.5–8.9
//! and golden cases G29 and G30, run end to end from inline scenarios. Pod behaviour comes
//! from `kubesim.io/*` annotations on the pod template; controller latency is 0, so the
//! controllers act at the instant of the change they answer.

mod common;

use std::path::Path;

use sim_core::objects::{Job, Kind, ObjectKey, Pod};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::tables::{get_table, GetOptions};

/// A Job `pi` with `spec` (lines indented 2 under `spec:`, without the template), whose pod
/// template has `restartPolicy` and the behaviour `annotations` (a flow map).
fn job(spec: &str, restart_policy: &str, annotations: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: pi}}\nspec:\n{spec}  template:\n    \
         metadata:\n      annotations: {annotations}\n    spec:\n      restartPolicy: \
         {restart_policy}\n      containers:\n        - {{name: pi, image: perl:5.34}}\n"
    )
}

fn scenario_text(events: &str, docs: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: jobs}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"64\", memory: 256Gi}}}}\n  events:\n{events}---\n{docs}"
    )
}

/// One big node running `docs`, with the scenario `events` (list items indented 4).
fn simulation(events: &str, docs: &str) -> Simulation {
    let text = scenario_text(events, docs);
    common::build_simulation("jobs.yaml", &text, Path::new("."))
}

fn run_to_ms(sim: &mut Simulation, millis: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_millis(millis))
        .expect("runs");
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    run_to_ms(sim, seconds * 1000);
}

/// A field of `kind/name` as text (`<absent>` when unset, `<gone>` when the object is gone).
fn field(sim: &Simulation, kind: Kind, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &ObjectKey::new("default", name), path)
}

fn job_field(sim: &Simulation, path: &str) -> String {
    field(sim, Kind::Job, "pi", path)
}

fn pods(sim: &Simulation) -> Vec<&Pod> {
    sim.store().list::<Pod>().collect()
}

/// Seconds at which the Job recorded an event with `reason`.
fn event_times(sim: &Simulation, reason: &str) -> Vec<u64> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Job)
        .filter_map(|r| match &r.body {
            RecordBody::Event { reason: got, .. } if got == reason => Some(r.time.as_millis()),
            _ => None,
        })
        .map(|ms| ms / 1000)
        .collect()
}

fn event_message(sim: &Simulation, reason: &str) -> Option<String> {
    sim.timeline().records().iter().find_map(|r| match &r.body {
        RecordBody::Event {
            reason: got,
            message,
            ..
        } if got == reason && r.object.kind == Kind::Job => Some(message.clone()),
        _ => None,
    })
}

const SUCCEEDS_AFTER_10S: &str = "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}";

/// G29: completions 3, parallelism 2, each pod succeeds after 10 s ⇒ 2 pods at 0, both
/// succeed at 10, exactly one more created at 10, it succeeds at 20, the Job is Complete at
/// 20 after SuccessCriteriaMet (§8.5 active = min(parallelism, completions − succeeded),
/// §8.8 terminal conditions).
#[test]
fn g29_parallelism_and_completions() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  completions: 3\n  parallelism: 2\n",
            "Never",
            SUCCEEDS_AFTER_10S,
        ),
    );
    run_to_ms(&mut sim, 9_999);
    assert_eq!(pods(&sim).len(), 2);
    assert_eq!(job_field(&sim, "status.active"), "2");
    assert_eq!(job_field(&sim, "status.startTime"), "2026-01-01T00:00:00Z");
    run_to(&mut sim, 10);
    assert_eq!(pods(&sim).len(), 3, "exactly one more pod at 10 s");
    assert_eq!(job_field(&sim, "status.succeeded"), "2");
    assert_eq!(job_field(&sim, "status.active"), "1");
    run_to_ms(&mut sim, 19_999);
    assert_eq!(
        job_field(&sim, "status.conditions[Complete].status"),
        "<absent>"
    );
    run_to(&mut sim, 20);
    assert_eq!(job_field(&sim, "status.succeeded"), "3");
    assert_eq!(job_field(&sim, "status.active"), "0");
    assert_eq!(
        job_field(&sim, "status.conditions[0].type"),
        "SuccessCriteriaMet"
    );
    assert_eq!(job_field(&sim, "status.conditions[1].type"), "Complete");
    assert_eq!(
        job_field(&sim, "status.conditions[Complete].reason"),
        "CompletionsReached"
    );
    assert_eq!(
        job_field(&sim, "status.completionTime"),
        "2026-01-01T00:00:20Z"
    );
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0, 0, 10]);
    assert_eq!(event_times(&sim, "Completed"), [20]);
    assert_eq!(
        event_message(&sim, "Completed").as_deref(),
        Some("Job completed")
    );
    run_to(&mut sim, 120);
    assert_eq!(pods(&sim).len(), 3, "no pod after completion");

    // Pods carry the generated selector's labels (§8.5) and are named `<job>-<5 chars>`.
    let uid = field(&sim, Kind::Job, "pi", "metadata.uid");
    let stored = sim
        .store()
        .get::<Job>(&ObjectKey::new("default", "pi"))
        .expect("job");
    assert_eq!(
        stored.spec.selector.match_labels["batch.kubernetes.io/controller-uid"],
        uid
    );
    for pod in pods(&sim) {
        let labels = &pod.meta.labels;
        assert_eq!(labels["batch.kubernetes.io/controller-uid"], uid);
        assert_eq!(labels["controller-uid"], uid);
        assert_eq!(labels["batch.kubernetes.io/job-name"], "pi");
        assert_eq!(labels["job-name"], "pi");
        let suffix = pod
            .meta
            .name
            .strip_prefix("pi-")
            .expect("named after the job");
        assert_eq!(suffix.len(), 5, "{}", pod.meta.name);
    }
}

/// `kubectl get jobs` after G29: STATUS, COMPLETIONS, DURATION (start → completion) and AGE
/// as kubectl prints them; while running DURATION counts to now.
#[test]
fn get_jobs_like_kubectl() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  completions: 3\n  parallelism: 2\n",
            "Never",
            SUCCEEDS_AFTER_10S,
        ),
    );
    let table = |sim: &Simulation, at: u64| {
        let mut out = String::new();
        let options = GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        };
        get_table(
            sim.store(),
            Kind::Job,
            options,
            SimTime::ZERO + SimDuration::from_secs(at),
            &mut out,
        );
        out
    };
    run_to(&mut sim, 15);
    assert_eq!(
        table(&sim, 15),
        "NAME   STATUS    COMPLETIONS   DURATION   AGE\npi     Running   2/3           15s        15s\n"
    );
    run_to(&mut sim, 150);
    assert_eq!(
        table(&sim, 150),
        "NAME   STATUS     COMPLETIONS   DURATION   AGE\npi     Complete   3/3           20s        2m30s\n"
    );
}

/// G30 A: activeDeadlineSeconds 30, parallelism 2, pods would run 100 s ⇒ at 30 both pods
/// are terminated and the Job fails with DeadlineExceeded; no new pods (§8.7).
#[test]
fn g30a_active_deadline_fails_the_job() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  parallelism: 2\n  completions: 2\n  activeDeadlineSeconds: 30\n",
            "Never",
            "{kubesim.io/exit-after: 100s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to_ms(&mut sim, 29_999);
    assert_eq!(job_field(&sim, "status.active"), "2");
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].status"),
        "<absent>"
    );
    run_to(&mut sim, 30);
    assert_eq!(
        job_field(&sim, "status.conditions[FailureTarget].reason"),
        "DeadlineExceeded"
    );
    assert_eq!(job_field(&sim, "status.conditions[Failed].status"), "True");
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].reason"),
        "DeadlineExceeded"
    );
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].message"),
        "Job was active longer than specified deadline"
    );
    assert_eq!(job_field(&sim, "status.active"), "0");
    assert_eq!(job_field(&sim, "status.failed"), "2");
    assert_eq!(job_field(&sim, "status.completionTime"), "<absent>");
    assert!(pods(&sim).is_empty(), "both pods terminated and gone");
    assert_eq!(event_times(&sim, "DeadlineExceeded"), [30]);
    run_to(&mut sim, 300);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0, 0], "no new pods");
}

/// G30 B: ttlSecondsAfterFinished 60, the Job completes at 20 ⇒ the Job and its pods are
/// deleted at 80 (§8.9).
#[test]
fn g30b_ttl_after_finished_deletes_job_and_pods() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  ttlSecondsAfterFinished: 60\n",
            "Never",
            "{kubesim.io/exit-after: 20s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 20);
    assert_eq!(
        job_field(&sim, "status.conditions[Complete].status"),
        "True"
    );
    run_to_ms(&mut sim, 79_999);
    assert_eq!(job_field(&sim, "status.succeeded"), "1");
    assert_eq!(pods(&sim).len(), 1);
    run_to(&mut sim, 80);
    assert_eq!(job_field(&sim, "status.succeeded"), "<gone>");
    assert!(pods(&sim).is_empty(), "the pods went with the Job");
}

/// §8.6: pods that fail at once are re-created after 10, 20, 40 s (10 s × 2^(n−1) from the
/// last failure), and the Job fails with BackoffLimitExceeded after backoffLimit + 1
/// failures.
#[test]
fn backoff_delays_and_backoff_limit_exceeded() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  backoffLimit: 3\n",
            "Never",
            "{kubesim.io/exit-code: \"1\"}",
        ),
    );
    run_to(&mut sim, 600);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0, 10, 30, 70]);
    assert_eq!(job_field(&sim, "status.failed"), "4");
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].reason"),
        "BackoffLimitExceeded"
    );
    assert_eq!(event_times(&sim, "BackoffLimitExceeded"), [70]);
    assert_eq!(
        event_message(&sim, "BackoffLimitExceeded").as_deref(),
        Some("Job has reached the specified backoff limit")
    );
}

/// The default backoffLimit is 6: 7 attempts, the last created at 10+20+40+80+160+320 = 630 s.
#[test]
fn default_backoff_limit_is_six() {
    let mut sim = simulation(
        "    []\n",
        &job("", "Never", "{kubesim.io/exit-code: \"1\"}"),
    );
    run_to(&mut sim, 1200);
    assert_eq!(job_field(&sim, "spec.backoffLimit"), "6");
    assert_eq!(
        event_times(&sim, "SuccessfulCreate"),
        [0, 10, 30, 70, 150, 310, 630]
    );
    assert_eq!(job_field(&sim, "status.failed"), "7");
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].reason"),
        "BackoffLimitExceeded"
    );
}

/// §8.6 with OnFailure: the container restarts in place (G4: instances start at 0, 0, 10,
/// 30, …, so restartCount is 1 at 0 and 2 at 10) and the Job fails when the restarts of its
/// active pods reach backoffLimit (2), at 10.
#[test]
fn on_failure_counts_container_restarts() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  backoffLimit: 2\n",
            "OnFailure",
            "{kubesim.io/exit-code: \"1\"}",
        ),
    );
    run_to_ms(&mut sim, 9_999);
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].status"),
        "<absent>"
    );
    let pod = pods(&sim)[0].meta.name.clone();
    assert_eq!(
        field(
            &sim,
            Kind::Pod,
            &pod,
            "status.containerStatuses[pi].restartCount"
        ),
        "1"
    );
    run_to(&mut sim, 10);
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].reason"),
        "BackoffLimitExceeded"
    );
    assert_eq!(
        job_field(&sim, "status.failed"),
        "1",
        "the pod it terminates counts"
    );
    run_to(&mut sim, 300);
    assert_eq!(
        event_times(&sim, "SuccessfulCreate"),
        [0],
        "one pod, restarted in place"
    );
}

/// Indexed completion: each index 0..3 succeeds once; pods are `<job>-<index>-<5 chars>`
/// with the completion index as annotation and label; completedIndexes reads "0-2".
#[test]
fn indexed_job_completes_each_index_once() {
    let mut sim = simulation(
        "    []\n",
        &job(
            "  completions: 3\n  parallelism: 2\n  completionMode: Indexed\n",
            "Never",
            SUCCEEDS_AFTER_10S,
        ),
    );
    run_to(&mut sim, 0);
    let mut first: Vec<String> = pods(&sim).iter().map(|p| p.meta.name.clone()).collect();
    first.sort();
    assert!(
        first[0].starts_with("pi-0-") && first[0].len() == "pi-0-".len() + 5,
        "{first:?}"
    );
    assert!(first[1].starts_with("pi-1-"), "{first:?}");
    for pod in pods(&sim) {
        let index = &pod.meta.annotations["batch.kubernetes.io/job-completion-index"];
        assert_eq!(
            &pod.meta.labels["batch.kubernetes.io/job-completion-index"],
            index
        );
        assert!(pod.meta.name.starts_with(&format!("pi-{index}-")));
    }
    run_to(&mut sim, 10);
    assert_eq!(job_field(&sim, "status.completedIndexes"), "0-1");
    assert!(pods(&sim).iter().any(|p| p.meta.name.starts_with("pi-2-")));
    run_to(&mut sim, 20);
    assert_eq!(job_field(&sim, "status.completedIndexes"), "0-2");
    assert_eq!(job_field(&sim, "status.succeeded"), "3");
    assert_eq!(
        job_field(&sim, "status.conditions[Complete].status"),
        "True"
    );
}

const POLICY_42: &str = "  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n      - action: \
                         ACTION\n        onExitCodes: {containerName: pi, operator: In, values: \
                         [42]}\n";

/// podFailurePolicy FailJob: a pod that exits 42 fails the Job at once, reason
/// PodFailurePolicy, with the controller's message; no retry although backoffLimit is 6.
#[test]
fn pod_failure_policy_fail_job_on_exit_code() {
    let mut sim = simulation(
        "    []\n",
        &job(
            &POLICY_42.replace("ACTION", "FailJob"),
            "Never",
            "{kubesim.io/exit-after: 5s, kubesim.io/exit-code: \"42\"}",
        ),
    );
    run_to(&mut sim, 5);
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].reason"),
        "PodFailurePolicy"
    );
    let message = job_field(&sim, "status.conditions[Failed].message");
    assert!(
        message.starts_with("Container pi for pod default/pi-"),
        "{message}"
    );
    assert!(
        message.ends_with("failed with exit code 42 matching FailJob rule at index 0"),
        "{message}"
    );
    assert_eq!(job_field(&sim, "spec.podReplacementPolicy"), "Failed");
    run_to(&mut sim, 300);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0]);
}

/// podFailurePolicy Ignore: failures with exit code 42 are not counted (status.failed stays
/// 0) and the pod is replaced at once, without back-off.
#[test]
fn pod_failure_policy_ignore_does_not_count() {
    let mut sim = simulation(
        "    []\n",
        &job(
            &POLICY_42
                .replace("ACTION", "Ignore")
                .replace("backoffLimit: 6", "backoffLimit: 1"),
            "Never",
            "{kubesim.io/exit-after: 5s, kubesim.io/exit-code: \"42\"}",
        ),
    );
    run_to(&mut sim, 22);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0, 5, 10, 15, 20]);
    assert_eq!(job_field(&sim, "status.failed"), "0");
    assert_eq!(
        job_field(&sim, "status.conditions[Failed].status"),
        "<absent>"
    );
}

/// Suspend and resume (`pause: job/pi`, `resume: job/pi`): suspending deletes the active
/// pods, sets Suspended and clears startTime; resuming starts new pods and a new startTime
/// (§8.7). Pods deleted by a suspension are not failures.
#[test]
fn suspend_and_resume() {
    let mut sim = simulation(
        "    - {at: 10s, pause: job/pi}\n    - {at: 20s, resume: job/pi}\n",
        &job(
            "  parallelism: 2\n  completions: 2\n",
            "Never",
            "{kubesim.io/exit-after: 100s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 10);
    assert_eq!(job_field(&sim, "spec.suspend"), "true");
    assert_eq!(
        job_field(&sim, "status.conditions[Suspended].status"),
        "True"
    );
    assert_eq!(
        job_field(&sim, "status.conditions[Suspended].reason"),
        "JobSuspended"
    );
    assert_eq!(job_field(&sim, "status.startTime"), "<absent>");
    assert_eq!(job_field(&sim, "status.active"), "0");
    assert!(pods(&sim).is_empty());
    assert_eq!(event_times(&sim, "Suspended"), [10]);
    run_to(&mut sim, 20);
    assert_eq!(
        job_field(&sim, "status.conditions[Suspended].status"),
        "False"
    );
    assert_eq!(
        job_field(&sim, "status.conditions[Suspended].reason"),
        "JobResumed"
    );
    assert_eq!(job_field(&sim, "status.startTime"), "2026-01-01T00:00:20Z");
    assert_eq!(job_field(&sim, "status.active"), "2");
    assert_eq!(job_field(&sim, "status.failed"), "0");
    assert_eq!(event_times(&sim, "Resumed"), [20]);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [0, 0, 20, 20]);
    let mut out = String::new();
    get_table(
        sim.store(),
        Kind::Job,
        GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        },
        SimTime::ZERO + SimDuration::from_secs(20),
        &mut out,
    );
    assert!(out.contains("pi     Running"), "{out}");
    run_to(&mut sim, 120);
    assert_eq!(
        job_field(&sim, "status.conditions[Complete].status"),
        "True"
    );
}

/// A suspended Job shows STATUS Suspended and no DURATION.
#[test]
fn a_job_created_suspended_starts_nothing() {
    let mut sim = simulation(
        "    []\n",
        &job("  suspend: true\n", "Never", SUCCEEDS_AFTER_10S),
    );
    run_to(&mut sim, 30);
    assert!(pods(&sim).is_empty());
    let mut out = String::new();
    get_table(
        sim.store(),
        Kind::Job,
        GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        },
        SimTime::ZERO + SimDuration::from_secs(30),
        &mut out,
    );
    assert_eq!(
        out,
        "NAME   STATUS      COMPLETIONS   DURATION   AGE\npi     Suspended   0/1                      30s\n"
    );
    let stored = sim
        .store()
        .get::<Job>(&ObjectKey::new("default", "pi"))
        .expect("job");
    assert!(stored.spec.suspend);
}

fn load_error(docs: &str) -> String {
    parse_scenario("bad.yaml", &scenario_text("    []\n", docs), Path::new("."))
        .map(|_| ())
        .expect_err("invalid manifest")
        .to_string()
}

/// Bad input: a Job's pods must end, so restartPolicy Always (also the default when not
/// written) is refused with the API server's message at the field; as are a negative
/// parallelism and an Indexed Job without completions.
#[test]
fn bad_jobs_are_refused_with_locations() {
    let error = load_error(&job("", "Always", "{}"));
    assert!(
        error.contains("spec.template.spec.restartPolicy")
            && error.contains(
                "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
            ),
        "{error}"
    );
    let unset = job("", "Never", "{}").replace("      restartPolicy: Never\n", "");
    let error = load_error(&unset);
    assert!(error.contains("Unsupported value: \"Always\""), "{error}");
    let error = load_error(&job("  parallelism: -1\n", "Never", "{}"));
    assert!(
        error.contains("spec.parallelism") && error.contains("must be greater than or equal to 0"),
        "{error}"
    );
    let error = load_error(&job(
        "  completionMode: Indexed\n  parallelism: 2\n",
        "Never",
        "{}",
    ));
    assert!(
        error.contains("spec.completions") && error.contains("when completion mode is Indexed"),
        "{error}"
    );
    let error = load_error(&job("  completions: 1\n  backofLimit: 2\n", "Never", "{}"));
    assert!(
        error.contains("backofLimit"),
        "unknown fields are refused: {error}"
    );
    let error = load_error(&job(
        &POLICY_42.replace("ACTION", "FailJob"),
        "OnFailure",
        "{}",
    ));
    assert!(
        error.contains("only \"Never\" is supported when podFailurePolicy is specified"),
        "{error}"
    );
    let both = POLICY_42.replace("ACTION", "Ignore")
        + "        onPodConditions: [{type: DisruptionTarget}]\n";
    let error = load_error(&job(&both, "Never", "{}"));
    assert!(
        error.contains("spec.podFailurePolicy.rules[0]")
            && error.contains("specifying one of OnExitCodes and OnPodConditions is required"),
        "{error}"
    );
    let error = load_error(&job(
        &POLICY_42.replace("ACTION", "FailIndex"),
        "Never",
        "{}",
    ));
    assert!(
        error.contains("spec.podFailurePolicy.rules[0].action")
            && error.contains("backoffLimitPerIndex"),
        "{error}"
    );
}
