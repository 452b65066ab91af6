//! The CronJob controller against k8s-semantics §8.10 and golden case G31, run end to end
//! from inline scenarios. The CronJob is created at simulated time 0
//! (2026-01-01T00:00:00Z), so an every-minute schedule first fires at 60 s: G31's "minutes
//! 0, 1, 2" are 60, 120 and 180 s here. Job names end in the scheduled time in minutes since
//! the Unix epoch: 60 s is minute 29453761.

use std::path::Path;

mod common;

use sim_core::objects::{Job, Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::tables::{get_table, GetOptions};

/// The minute (since the Unix epoch) of simulated time 0.
const MINUTE_ZERO: u64 = 29_453_760;

/// A CronJob `tick` with extra `spec` lines (indented 2), whose Jobs' pods behave as the
/// `annotations` flow map says.
fn cronjob(spec: &str, annotations: &str) -> String {
    let lines = [
        "apiVersion: batch/v1".to_string(),
        "kind: CronJob".to_string(),
        "metadata: {name: tick}".to_string(),
        "spec:".to_string(),
        format!("{spec}  jobTemplate:"),
        "    spec:".to_string(),
        "      backoffLimit: 0".to_string(),
        "      template:".to_string(),
        "        metadata:".to_string(),
        format!("          annotations: {annotations}"),
        "        spec:".to_string(),
        "          restartPolicy: Never".to_string(),
        "          containers:".to_string(),
        "            - {name: tick, image: busybox:1.36}".to_string(),
    ];
    lines.join("\n") + "\n"
}

fn scenario_text(events: &str, docs: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: cronjobs}}\nspec:\n  \
         duration: 24h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"64\", memory: 256Gi}}}}\n  events:\n{events}---\n{docs}"
    )
}

fn simulation(events: &str, docs: &str) -> Simulation {
    let text = scenario_text(events, docs);
    common::build_simulation("cronjobs.yaml", &text, Path::new("."))
}

fn run_to(sim: &mut Simulation, seconds: u64) {
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(seconds))
        .expect("runs");
}

fn field(sim: &Simulation, kind: Kind, name: &str, path: &str) -> String {
    common::object_field(sim, kind, &ObjectKey::new("default", name), path)
}

/// The name of the Job scheduled at `seconds`.
fn job_at(seconds: u64) -> String {
    format!("tick-{}", MINUTE_ZERO + seconds / 60)
}

fn job_names(sim: &Simulation) -> Vec<String> {
    sim.store()
        .list::<Job>()
        .map(|j| j.meta.name.clone())
        .collect()
}

/// (second, message) of the CronJob's events with `reason`.
fn events(sim: &Simulation, reason: &str) -> Vec<(u64, String)> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::CronJob)
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason => Some((r.time.as_millis() / 1000, message.clone())),
            _ => None,
        })
        .collect()
}

fn event_times(sim: &Simulation, reason: &str) -> Vec<u64> {
    events(sim, reason).into_iter().map(|(t, _)| t).collect()
}

const RUNS_90S: &str = "{kubesim.io/exit-after: 90s, kubesim.io/exit-code: \"0\"}";
const EVERY_MINUTE: &str = "  schedule: \"*/1 * * * *\"\n";

/// G31 Allow: Jobs at every minute; two are active while the first still runs (120–150).
#[test]
fn g31_allow_runs_overlap() {
    let mut sim = simulation(
        "    []\n",
        &cronjob(
            &format!("{EVERY_MINUTE}  concurrencyPolicy: Allow\n"),
            RUNS_90S,
        ),
    );
    run_to(&mut sim, 59);
    assert!(
        job_names(&sim).is_empty(),
        "no run before the first schedule time"
    );
    run_to(&mut sim, 130);
    assert_eq!(job_names(&sim), [job_at(60), job_at(120)]);
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.active[0].name"),
        job_at(60)
    );
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.active[1].name"),
        job_at(120)
    );
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.lastScheduleTime"),
        "2026-01-01T00:02:00Z"
    );
    run_to(&mut sim, 190);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [60, 120, 180]);
    assert_eq!(
        events(&sim, "SuccessfulCreate")[0].1,
        format!("Created job {}", job_at(60))
    );
    assert_eq!(
        events(&sim, "SawCompletedJob")[0],
        (
            150,
            format!("Saw completed job: {}, condition: Complete", job_at(60))
        )
    );
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.lastSuccessfulTime"),
        "2026-01-01T00:02:30Z"
    );
    // The Job carries the scheduled time and is owned by the CronJob.
    assert_eq!(
        field(
            &sim,
            Kind::Job,
            &job_at(60),
            "metadata.ownerReferences[0].kind"
        ),
        "CronJob"
    );
    let mut out = String::new();
    get_table(
        sim.store(),
        Kind::CronJob,
        GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        },
        SimTime::ZERO + SimDuration::from_secs(190),
        &mut out,
    );
    assert_eq!(
        out,
        "NAME   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n\
         tick   */1 * * * *   <none>     False     2        10s             3m10s\n"
    );
}

/// G31 Forbid: the run at minute 2 is skipped while the first Job is active
/// (JobAlreadyActive), and the next starts at minute 3. See the controller's docs for the
/// v2 code's difference when the previous run ends before the next schedule time.
#[test]
fn g31_forbid_skips_while_active() {
    let mut sim = simulation(
        "    []\n",
        &cronjob(
            &format!("{EVERY_MINUTE}  concurrencyPolicy: Forbid\n"),
            RUNS_90S,
        ),
    );
    run_to(&mut sim, 200);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [60, 180]);
    assert_eq!(
        events(&sim, "JobAlreadyActive"),
        [(
            120,
            "Not starting job because prior execution is running and concurrency policy is \
             Forbid"
                .to_string()
        )]
    );
    assert_eq!(job_names(&sim), [job_at(60), job_at(180)]);
}

/// G31 Replace: at minute 2 the running Job is deleted (its pods with it, by the garbage
/// collector) and a new one created.
#[test]
fn g31_replace_deletes_the_running_job() {
    let mut sim = simulation(
        "    []\n",
        &cronjob(
            &format!("{EVERY_MINUTE}  concurrencyPolicy: Replace\n"),
            RUNS_90S,
        ),
    );
    run_to(&mut sim, 119);
    assert_eq!(job_names(&sim), [job_at(60)]);
    run_to(&mut sim, 120);
    assert_eq!(job_names(&sim), [job_at(120)]);
    assert_eq!(
        events(&sim, "SuccessfulDelete"),
        [(120, format!("Deleted job {}", job_at(60)))]
    );
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.active[0].name"),
        job_at(120)
    );
    run_to(&mut sim, 121);
    let owners: Vec<String> = sim
        .store()
        .list::<sim_core::objects::Pod>()
        .map(|p| p.meta.labels["job-name"].clone())
        .collect();
    assert_eq!(owners, [job_at(120)], "the replaced Job's pod is gone");
}

/// G31 history: the last 3 successful and the last 1 failed Jobs are kept.
#[test]
fn g31_history_limits_keep_three_successful_and_one_failed() {
    let mut sim = simulation(
        "    []\n",
        &cronjob(
            EVERY_MINUTE,
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 6 * 60 + 30);
    assert_eq!(
        job_names(&sim),
        [job_at(240), job_at(300), job_at(360)],
        "the three most recent successful Jobs"
    );
    assert!(event_times(&sim, "SuccessfulDelete").contains(&250));

    let mut sim = simulation(
        "    []\n",
        &cronjob(
            EVERY_MINUTE,
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"1\"}",
        ),
    );
    run_to(&mut sim, 4 * 60 + 30);
    assert_eq!(job_names(&sim), [job_at(240)], "one failed Job is kept");
    assert_eq!(
        field(
            &sim,
            Kind::Job,
            &job_at(240),
            "status.conditions[Failed].reason"
        ),
        "BackoffLimitExceeded"
    );
}

/// After a gap (the CronJob suspended for 10 minutes) only the most recent missed schedule
/// runs; with more than 100 missed times a TooManyMissedTimes warning comes first.
#[test]
fn only_the_most_recent_missed_schedule_runs() {
    let mut sim = simulation(
        "    - {at: 30s, pause: cronjob/tick}\n    - {at: 630s, resume: cronjob/tick}\n",
        &cronjob(
            EVERY_MINUTE,
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 629);
    assert!(job_names(&sim).is_empty());
    assert_eq!(field(&sim, Kind::CronJob, "tick", "spec.suspend"), "true");
    run_to(&mut sim, 670);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [630, 660]);
    assert_eq!(
        job_names(&sim)[0],
        job_at(600),
        "the run of minute 10, started late"
    );
    assert!(events(&sim, "TooManyMissedTimes").is_empty());

    let mut sim = simulation(
        "    - {at: 30s, pause: cronjob/tick}\n    - {at: 2h, resume: cronjob/tick}\n",
        &cronjob(
            EVERY_MINUTE,
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 7200);
    assert_eq!(event_times(&sim, "TooManyMissedTimes"), [7200]);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [7200]);
}

/// startingDeadlineSeconds: a run later than the deadline is not started; the next one is.
#[test]
fn starting_deadline_drops_late_runs() {
    let mut sim = simulation(
        "    - {at: 30s, pause: cronjob/tick}\n    - {at: 630s, resume: cronjob/tick}\n",
        &cronjob(
            &format!("{EVERY_MINUTE}  startingDeadlineSeconds: 10\n"),
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 670);
    assert_eq!(event_times(&sim, "SuccessfulCreate"), [660]);
}

/// spec.timeZone: `0 9 * * *` in Etc/GMT-2 (UTC+2) fires at 07:00 UTC.
#[test]
fn time_zone_shifts_the_schedule() {
    let mut sim = simulation(
        "    []\n",
        &cronjob(
            "  schedule: \"0 9 * * *\"\n  timeZone: Etc/GMT-2\n",
            "{kubesim.io/exit-after: 10s, kubesim.io/exit-code: \"0\"}",
        ),
    );
    run_to(&mut sim, 7 * 3600 - 1);
    assert!(job_names(&sim).is_empty());
    run_to(&mut sim, 7 * 3600);
    assert_eq!(job_names(&sim), [job_at(7 * 3600)]);
    assert_eq!(
        field(&sim, Kind::CronJob, "tick", "status.lastScheduleTime"),
        "2026-01-01T07:00:00Z"
    );
    let job = sim
        .store()
        .get::<Job>(&ObjectKey::new("default", job_at(7 * 3600)))
        .expect("the Job of 07:00");
    assert_eq!(
        job.meta.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"],
        "2026-01-01T07:00:00Z"
    );
}

fn load_error(docs: &str) -> String {
    parse_scenario("bad.yaml", &scenario_text("    []\n", docs), Path::new("."))
        .map(|_| ())
        .expect_err("invalid manifest")
        .to_string()
}

/// Bad input: a bad schedule, `TZ=` in the schedule, an unknown zone and an unknown policy
/// are refused at their fields with the API server's (robfig/cron's) messages.
#[test]
fn bad_cronjobs_are_refused_with_locations() {
    let ok = "{kubesim.io/exit-code: \"0\"}";
    let error = load_error(&cronjob("  schedule: \"61 * * * *\"\n", ok));
    assert!(
        error.contains("spec.schedule")
            && error.contains(
                "Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"
            ),
        "{error}"
    );
    let error = load_error(&cronjob("  schedule: \"* * * *\"\n", ok));
    assert!(
        error.contains("expected exactly 5 fields, found 4"),
        "{error}"
    );
    let error = load_error(&cronjob(
        "  schedule: \"CRON_TZ=UTC 0 * * * *\"\n  timeZone: UTC\n",
        ok,
    ));
    assert!(
        error.contains("spec.schedule") && error.contains("cannot use TZ or CRON_TZ in schedule"),
        "{error}"
    );
    let error = load_error(&cronjob(
        "  schedule: \"@hourly\"\n  timeZone: Mars/Olympus\n",
        ok,
    ));
    assert!(
        error.contains("spec.timeZone") && error.contains("unknown time zone Mars/Olympus"),
        "{error}"
    );
    let error = load_error(&cronjob(
        "  schedule: \"@hourly\"\n  concurrencyPolicy: Sometimes\n",
        ok,
    ));
    assert!(
        error.contains("spec.concurrencyPolicy")
            && error.contains("supported values: \"Allow\", \"Forbid\", \"Replace\""),
        "{error}"
    );
    let error = load_error(&cronjob("  schedule: \"@hourly\"\n", ok).replace("Never", "Always"));
    assert!(
        error.contains("spec.jobTemplate.spec.template.spec.restartPolicy"),
        "{error}"
    );
}

/// `kubesim get job,cronjob --at 7m` on the Forbid what-if: kubectl's columns, kinds
/// prefixed with their API group as kubectl prints several kinds.
#[test]
fn cli_get_jobs_and_cronjobs() {
    let output = common::kubesim(&[
        "get",
        "job,cronjob",
        "--at",
        "7m",
        "scenarios/what-if/cronjob-forbid.yaml",
    ]);
    let (stdout, stderr) = common::texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "NAME                        STATUS     COMPLETIONS   DURATION   AGE\n\
         job.batch/backup-29453762   Complete   1/1           3m         5m\n\
         job.batch/backup-29453766   Running    0/1           60s        60s\n\
         \n\
         NAME                   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n\
         cronjob.batch/backup   */2 * * * *   <none>     False     1        60s             7m\n"
    );
    let output = common::kubesim(&[
        "describe",
        "job",
        "report",
        "--at",
        "1m",
        "scenarios/what-if/job-with-retries.yaml",
    ]);
    let (stdout, stderr) = common::texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("Pods Statuses:    0 Active (0 Ready) / 0 Succeeded / 3 Failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Warning  BackoffLimitExceeded  15s   job-controller  Job has reached the specified backoff limit"),
        "{stdout}"
    );
}

/// Same scenario, same seed: the same timeline, record for record (CronJob schedules and
/// generated pod names included).
#[test]
fn runs_are_deterministic() {
    let run = || {
        let mut sim = simulation(
            "    []\n",
            &cronjob(
                &format!("{EVERY_MINUTE}  concurrencyPolicy: Replace\n"),
                RUNS_90S,
            ),
        );
        run_to(&mut sim, 600);
        format!("{:?}", sim.timeline().records())
    };
    assert_eq!(run(), run());
}
