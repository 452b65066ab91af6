//! The pod and container lifecycle against the golden cases of k8s-semantics.md (G1–G12,
//! G37, G45) and the sections they summarise (§1 probes, §2 restarts, §3 termination,
//! §10.1 QoS). Each test names the case or section it checks; canonical times are asserted
//! exactly, since the simulator's choices are documented (k8s-semantics "Notes for
//! implementers"), and the seeded ticker phase is checked against the allowed windows.

use std::path::Path;

use sim_core::objects::{EndpointSlice, Kind, ObjectKey};
use sim_core::sim::Simulation;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::RecordBody;
use sim_scenarios::run::{build, RunOptions};
use sim_scenarios::scenario::parse_scenario;
use sim_scenarios::view::{endpointslice_to_json, field_value, lookup, value_to_text};

/// A one-node cluster running the manifests in `docs` (YAML documents after the scenario).
fn simulation(spec_extra: &str, docs: &str) -> Simulation {
    simulation_with(spec_extra, docs, &RunOptions::default())
}

fn simulation_with(spec_extra: &str, docs: &str, options: &RunOptions) -> Simulation {
    let text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: golden}}\nspec:\n  \
         duration: 1h\n  cluster:\n    nodePools:\n      - {{name: node, count: 1, capacity: \
         {{cpu: \"8\", memory: 32Gi}}}}\n{spec_extra}---\n{docs}"
    );
    let scenario = parse_scenario("golden.yaml", &text, Path::new("."))
        .unwrap_or_else(|e| panic!("scenario is valid: {e}\n{text}"));
    build(&scenario, options).expect("builds")
}

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn run_to(sim: &mut Simulation, s: u64) {
    sim.run_until(secs(s)).expect("runs");
}

/// A field of `pod/name` as text (`<absent>` when unset, `<gone>` when the pod is gone).
fn pod_field(sim: &Simulation, name: &str, path: &str) -> String {
    let Some(value) = lookup(sim.store(), Kind::Pod, &ObjectKey::new("default", name)) else {
        return "<gone>".to_string();
    };
    match field_value(&value, path).expect("valid path") {
        Some(v) => value_to_text(v),
        None => "<absent>".to_string(),
    }
}

/// Instants (whole seconds) of events with `reason` about pod `name`.
fn event_times(sim: &Simulation, name: &str, reason: &str) -> Vec<u64> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod && r.object.key.name == name)
        .filter(|r| matches!(&r.body, RecordBody::Event { reason: got, .. } if got == reason))
        .map(|r| r.time.as_millis() / 1000)
        .collect()
}

fn event_messages(sim: &Simulation, name: &str, reason: &str) -> Vec<String> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod && r.object.key.name == name)
        .filter_map(|r| match &r.body {
            RecordBody::Event {
                reason: got,
                message,
                ..
            } if got == reason => Some(message.clone()),
            _ => None,
        })
        .collect()
}

/// Instants at which `field` of pod `name` changed to a value starting with `to`.
fn change_times(sim: &Simulation, name: &str, field: &str, to: &str) -> Vec<u64> {
    sim.timeline()
        .records()
        .iter()
        .filter(|r| r.object.kind == Kind::Pod && r.object.key.name == name)
        .filter(|r| {
            matches!(&r.body, RecordBody::Changed { field: f, to: t, .. }
                if f == field && t.starts_with(to))
        })
        .map(|r| r.time.as_millis() / 1000)
        .collect()
}

const READY: &str = "status.conditions[Ready].status";

fn g1_pod() -> &'static str {
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: web\n      \
     image: nginx:1.27\n      readinessProbe: {httpGet: {port: 80}, initialDelaySeconds: 5, \
     periodSeconds: 10}\n"
}

#[test]
fn g1_readiness_starts_false_and_turns_true_at_the_first_tick_after_the_delay() {
    let mut sim = simulation("", g1_pod());
    run_to(&mut sim, 9);
    assert_eq!(
        pod_field(&sim, "web", "status.containerStatuses[web].ready"),
        "false"
    );
    assert_eq!(pod_field(&sim, "web", READY), "False");
    run_to(&mut sim, 10);
    assert_eq!(
        pod_field(&sim, "web", READY),
        "True",
        "canonical: the tick at 10 s"
    );
}

#[test]
fn g1_with_a_seeded_ticker_phase_ready_falls_in_the_window() {
    for seed in 1..=40 {
        let mut sim = simulation_with(
            "  probePhase: seeded\n",
            g1_pod(),
            &RunOptions {
                seed: Some(seed),
                ..RunOptions::default()
            },
        );
        run_to(&mut sim, 60);
        let ready = change_times(&sim, "web", "status.conditions[Ready]", "True");
        let first = sim
            .timeline()
            .records()
            .iter()
            .find(|r| {
                matches!(&r.body, RecordBody::Changed { field, to, .. }
                    if field == "status.conditions[Ready]" && to == "True")
            })
            .map(|r| r.time.as_millis())
            .expect("becomes ready");
        assert!(
            (5_000..15_000).contains(&first),
            "seed {seed}: Ready at {first} ms, outside [5 s, 15 s) ({ready:?})"
        );
    }
}

fn liveness_pod(name: &str, policy: &str, extra_annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    \
         kubesim.io/liveness-fails-after: 30s\n{extra_annotations}spec:\n  restartPolicy: \
         {policy}\n  containers:\n    - name: app\n      image: example.com/app:1\n      \
         livenessProbe: {{httpGet: {{port: 8080, path: /healthz}}, periodSeconds: 10, \
         failureThreshold: 3}}\n"
    )
}

#[test]
fn g3_liveness_failures_at_30_40_50_kill_at_50_and_restart_at_once() {
    let mut sim = simulation("", &liveness_pod("app", "Always", ""));
    run_to(&mut sim, 50);
    assert_eq!(event_times(&sim, "app", "Unhealthy"), vec![30, 40, 50]);
    assert_eq!(
        event_messages(&sim, "app", "Unhealthy")[0],
        "Liveness probe failed: HTTP probe failed with statuscode: 500"
    );
    assert_eq!(event_times(&sim, "app", "Killing"), vec![50]);
    assert_eq!(
        event_messages(&sim, "app", "Killing"),
        vec!["Container app failed liveness probe, will be restarted"]
    );
    assert_eq!(
        pod_field(&sim, "app", "status.containerStatuses[app].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "app",
            "status.containerStatuses[app].lastState.terminated.reason"
        ),
        "Error"
    );
    assert_eq!(
        pod_field(
            &sim,
            "app",
            "status.containerStatuses[app].lastState.terminated.exitCode"
        ),
        "143"
    );
    // Second kill at 100 s; the restart waits 10 s from that exit (G4 arithmetic).
    run_to(&mut sim, 109);
    assert_eq!(
        pod_field(&sim, "app", "status.containerStatuses[app].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "app",
            "status.containerStatuses[app].state.waiting.reason"
        ),
        "CrashLoopBackOff"
    );
    run_to(&mut sim, 110);
    assert_eq!(
        pod_field(&sim, "app", "status.containerStatuses[app].restartCount"),
        "2"
    );
}

#[test]
fn g3_a_probe_level_grace_period_bounds_the_kill() {
    // §1.2: the probe's terminationGracePeriodSeconds overrides the pod's for its kills.
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  annotations:\n    \
                kubesim.io/liveness-fails-after: 30s\n    kubesim.io/ignore-term: \"true\"\n\
                spec:\n  terminationGracePeriodSeconds: 60\n  containers:\n    - name: app\n      \
                image: example.com/app:1\n      livenessProbe: {httpGet: {port: 8080}, \
                terminationGracePeriodSeconds: 5}\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 54);
    assert_eq!(
        pod_field(&sim, "app", "status.containerStatuses[app].restartCount"),
        "0"
    );
    run_to(&mut sim, 55);
    assert_eq!(
        pod_field(&sim, "app", "status.containerStatuses[app].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "app",
            "status.containerStatuses[app].lastState.terminated.exitCode"
        ),
        "137",
        "TERM ignored: KILL 5 s after the kill decision"
    );
}

#[test]
fn g4_crash_loop_starts_at_0_0_10_30_70_150_310_610_910() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: crash\n  annotations: \
                {kubesim.io/exit-code: \"1\"}\nspec:\n  containers:\n    - name: app\n      \
                image: example.com/app:1\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 1000);
    assert_eq!(
        event_times(&sim, "crash", "Started"),
        vec![0, 0, 10, 30, 70, 150, 310, 610, 910]
    );
    assert_eq!(pod_field(&sim, "crash", "status.phase"), "Running");
    assert_eq!(pod_field(&sim, "crash", READY), "False");
    assert_eq!(
        pod_field(&sim, "crash", "status.containerStatuses[app].restartCount"),
        "8"
    );
    assert_eq!(
        pod_field(
            &sim,
            "crash",
            "status.containerStatuses[app].lastState.terminated.exitCode"
        ),
        "1"
    );
    run_to(&mut sim, 1000);
    assert_eq!(
        pod_field(
            &sim,
            "crash",
            "status.containerStatuses[app].state.waiting.reason"
        ),
        "CrashLoopBackOff"
    );
}

#[test]
fn crash_loop_back_off_resets_after_ten_minutes_of_running() {
    // §2.4: more than 600 s between a restart and the next exit ⇒ immediate restart and
    // the sequence starts again at 10 s.
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: slow\n  annotations: \
                {kubesim.io/exit-after: 11m, kubesim.io/exit-code: \"1\"}\nspec:\n  containers:\n\
                \x20   - name: app\n      image: example.com/app:1\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 3000);
    // Exits at 660, 1320, 1980, 2640: each after 11 min of running, so each restart is
    // immediate.
    assert_eq!(
        event_times(&sim, "slow", "Started"),
        vec![0, 660, 1320, 1980, 2640]
    );
    assert!(event_times(&sim, "slow", "BackOff").is_empty());
}

fn exit_pod(name: &str, policy: &str, code: u8) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations: \
         {{kubesim.io/exit-after: 5s, kubesim.io/exit-code: \"{code}\"}}\nspec:\n  \
         restartPolicy: {policy}\n  containers:\n    - name: app\n      image: example.com/app:1\n"
    )
}

#[test]
fn g6_on_failure_completes_on_zero_and_restarts_on_non_zero() {
    let docs = format!(
        "{}---\n{}",
        exit_pod("ok", "OnFailure", 0),
        exit_pod("bad", "OnFailure", 1)
    );
    let mut sim = simulation("", &docs);
    run_to(&mut sim, 5);
    assert_eq!(pod_field(&sim, "ok", "status.phase"), "Succeeded");
    assert_eq!(
        pod_field(
            &sim,
            "ok",
            "status.containerStatuses[app].state.terminated.reason"
        ),
        "Completed"
    );
    assert_eq!(
        pod_field(&sim, "ok", "status.containerStatuses[app].restartCount"),
        "0"
    );
    assert_eq!(pod_field(&sim, "bad", "status.phase"), "Running");
    assert_eq!(
        pod_field(&sim, "bad", "status.containerStatuses[app].restartCount"),
        "1"
    );
    // Then G4's back-off: second exit at 10, restart at 20.
    run_to(&mut sim, 19);
    assert_eq!(
        pod_field(&sim, "bad", "status.containerStatuses[app].restartCount"),
        "1"
    );
    run_to(&mut sim, 20);
    assert_eq!(
        pod_field(&sim, "bad", "status.containerStatuses[app].restartCount"),
        "2"
    );
}

#[test]
fn g7_never_fails_on_non_zero_and_succeeds_on_zero() {
    let docs = format!(
        "{}---\n{}---\n{}",
        exit_pod("bad", "Never", 1),
        exit_pod("ok", "Never", 0),
        liveness_pod("hung", "Never", "")
    );
    let mut sim = simulation("", &docs);
    run_to(&mut sim, 4);
    assert_eq!(pod_field(&sim, "bad", "status.phase"), "Running");
    run_to(&mut sim, 5);
    assert_eq!(pod_field(&sim, "bad", "status.phase"), "Failed");
    assert_eq!(
        pod_field(
            &sim,
            "bad",
            "status.containerStatuses[app].state.terminated.reason"
        ),
        "Error"
    );
    assert_eq!(
        pod_field(
            &sim,
            "bad",
            "status.containerStatuses[app].state.terminated.exitCode"
        ),
        "1"
    );
    assert_eq!(
        pod_field(&sim, "bad", "status.containerStatuses[app].restartCount"),
        "0"
    );
    assert_eq!(pod_field(&sim, "ok", "status.phase"), "Succeeded");
    // A liveness failure under Never kills the container, which is not restarted.
    run_to(&mut sim, 60);
    assert_eq!(pod_field(&sim, "hung", "status.phase"), "Failed");
    assert_eq!(
        pod_field(&sim, "hung", "status.containerStatuses[app].restartCount"),
        "0"
    );
}

fn init_pod(name: &str, policy: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations: \
         {{kubesim.io/exit-code.init-1: \"1\"}}\nspec:\n  restartPolicy: {policy}\n  \
         initContainers:\n    - {{name: init-1, image: busybox:1.36}}\n    - {{name: init-2, \
         image: busybox:1.36}}\n  containers:\n    - {{name: x, image: example.com/app:1}}\n"
    )
}

#[test]
fn g8_a_failing_init_container_holds_the_pod_pending_or_fails_it() {
    let docs = format!(
        "{}---\n{}",
        init_pod("always", "Always"),
        init_pod("never", "Never")
    );
    let mut sim = simulation("", &docs);
    run_to(&mut sim, 35);
    assert_eq!(pod_field(&sim, "always", "status.phase"), "Pending");
    assert_eq!(
        pod_field(&sim, "always", "status.conditions[Initialized].status"),
        "False"
    );
    assert_eq!(event_times(&sim, "always", "Started"), vec![0, 0, 10, 30]);
    assert_eq!(
        pod_field(
            &sim,
            "always",
            "status.containerStatuses[x].state.waiting.reason"
        ),
        "PodInitializing"
    );
    assert_eq!(
        pod_field(
            &sim,
            "always",
            "status.initContainerStatuses[init-2].state.waiting.reason"
        ),
        "PodInitializing"
    );
    assert_eq!(pod_field(&sim, "never", "status.phase"), "Failed");
    assert_eq!(event_times(&sim, "never", "Started"), vec![0]);
}

fn startup_pod(name: &str, healthy_after: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations: \
         {{kubesim.io/start-after: {healthy_after}}}\nspec:\n  containers:\n    - name: app\n      \
         image: example.com/app:1\n      startupProbe: {{httpGet: {{port: 8080}}, periodSeconds: \
         10, failureThreshold: 30}}\n      livenessProbe: {{httpGet: {{port: 8080}}, \
         periodSeconds: 10, failureThreshold: 3}}\n"
    )
}

#[test]
fn g10_startup_probe_gates_liveness_and_kills_after_its_budget() {
    let docs = format!(
        "{}---\n{}",
        startup_pod("slow", "120s"),
        startup_pod("never", "100h")
    );
    let mut sim = simulation("", &docs);
    run_to(&mut sim, 119);
    assert_eq!(
        pod_field(&sim, "slow", "status.containerStatuses[app].started"),
        "false"
    );
    run_to(&mut sim, 120);
    assert_eq!(
        pod_field(&sim, "slow", "status.containerStatuses[app].started"),
        "true"
    );
    // Startup failures at 0..110 s only; no liveness probing before 120 s.
    let unhealthy = event_messages(&sim, "slow", "Unhealthy");
    assert_eq!(unhealthy.len(), 12);
    assert!(unhealthy
        .iter()
        .all(|m| m.starts_with("Startup probe failed")));
    // B: the 30th startup failure (t = 290) kills the container; it restarts at once.
    run_to(&mut sim, 290);
    assert_eq!(event_times(&sim, "never", "Killing"), vec![290]);
    assert_eq!(
        event_messages(&sim, "never", "Killing"),
        vec!["Container app failed startup probe, will be restarted"]
    );
    assert_eq!(
        pod_field(&sim, "never", "status.containerStatuses[app].restartCount"),
        "1"
    );
    run_to(&mut sim, 600);
    assert_eq!(
        pod_field(&sim, "slow", "status.containerStatuses[app].restartCount"),
        "0"
    );
}

fn service_and_pod(annotations: &str, pod_spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  selector: {{app: web}}\n  \
         ports: [{{port: 80}}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: \
         {{app: web}}\n  annotations:\n{annotations}spec:\n{pod_spec}"
    )
}

fn endpoint_condition(sim: &Simulation, condition: &str) -> String {
    let Some(slice) = sim.store().list::<EndpointSlice>().next() else {
        return "<no slice>".to_string();
    };
    let slice = endpointslice_to_json(slice);
    match field_value(&slice, &format!("endpoints[0].conditions.{condition}")).expect("path") {
        Some(v) => value_to_text(v),
        None => "<absent>".to_string(),
    }
}

#[test]
fn g11_graceful_delete_with_term_ignored_kills_at_the_grace_period() {
    let docs = service_and_pod(
        "    kubesim.io/ignore-term: \"true\"\n",
        "  terminationGracePeriodSeconds: 30\n  containers:\n    - {name: web, image: nginx:1.27}\n",
    );
    let mut sim = simulation(
        "  events:\n    - at: 1m\n      delete: {object: pod/web}\n",
        &docs,
    );
    run_to(&mut sim, 59);
    assert_eq!(endpoint_condition(&sim, "ready"), "true");
    run_to(&mut sim, 60);
    assert_eq!(
        pod_field(&sim, "web", "metadata.deletionTimestamp"),
        sim_scenarios::view::rfc3339(secs(90))
    );
    assert_eq!(endpoint_condition(&sim, "ready"), "false");
    assert_eq!(endpoint_condition(&sim, "terminating"), "true");
    assert_eq!(endpoint_condition(&sim, "serving"), "true");
    assert_eq!(
        event_messages(&sim, "web", "Killing"),
        vec!["Stopping container web"]
    );
    run_to(&mut sim, 89);
    assert_eq!(pod_field(&sim, "web", "status.phase"), "Running");
    run_to(&mut sim, 90);
    assert_eq!(
        pod_field(&sim, "web", "status.phase"),
        "<gone>",
        "KILL and removal at 90 s"
    );
}

#[test]
fn g11_an_app_that_exits_two_seconds_after_term_is_gone_two_seconds_later() {
    let docs = service_and_pod(
        "    kubesim.io/term-exit-after: 2s\n",
        "  containers:\n    - {name: web, image: nginx:1.27}\n",
    );
    let mut sim = simulation(
        "  events:\n    - at: 10s\n      delete: {object: pod/web}\n",
        &docs,
    );
    run_to(&mut sim, 11);
    assert_eq!(pod_field(&sim, "web", "status.phase"), "Running");
    run_to(&mut sim, 12);
    assert_eq!(pod_field(&sim, "web", "status.phase"), "<gone>");
}

/// §2.10: since 1.27 a deleted pod takes a terminal phase before it is removed —
/// Succeeded when its app handles TERM and exits 0, Failed on the default 143.
#[test]
fn a_deleted_pod_ends_succeeded_or_failed_by_its_exit_codes() {
    let pod = |name: &str, code: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    \
             kubesim.io/term-exit-after: 1s\n{code}spec:\n  containers:\n    - {{name: app, \
             image: example.com/app:1}}\n"
        )
    };
    let docs = format!(
        "{}---\n{}",
        pod("graceful", "    kubesim.io/term-exit-code: \"0\"\n"),
        pod("default", "")
    );
    let mut sim = simulation(
        "  events:\n    - at: 10s\n      delete: {selector: \"\"}\n",
        &docs,
    );
    run_to(&mut sim, 11);
    assert_eq!(
        change_times(&sim, "graceful", "status.phase", "Succeeded"),
        vec![11]
    );
    assert_eq!(
        change_times(&sim, "default", "status.phase", "Failed"),
        vec![11]
    );
    assert_eq!(pod_field(&sim, "graceful", "status.phase"), "<gone>");
}

fn prestop_pod(name: &str, sleep: u64, annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n{annotations}\
         \x20   kubesim.io/term-exit-after: 3s\nspec:\n  terminationGracePeriodSeconds: 30\n  \
         containers:\n    - name: app\n      image: example.com/app:1\n      lifecycle:\n        \
         preStop: {{sleep: {{seconds: {sleep}}}}}\n"
    )
}

/// §3.2–3.3 (preStop arithmetic): TERM when preStop ends; KILL at max(G, preStopEnd + 2).
#[test]
fn prestop_runs_before_term_within_the_grace_period() {
    let docs = format!(
        "{}---\n{}---\n{}",
        prestop_pod("quick", 10, ""),
        prestop_pod("stubborn", 10, "    kubesim.io/ignore-term: \"true\"\n"),
        prestop_pod("overrun", 40, "    kubesim.io/ignore-term: \"true\"\n"),
    );
    let mut sim = simulation(
        "  events:\n    - at: 100s\n      delete: {selector: \"\"}\n",
        &docs,
    );
    // quick: preStop 100–110, TERM at 110, exits 3 s later.
    run_to(&mut sim, 112);
    assert_eq!(pod_field(&sim, "quick", "status.phase"), "Running");
    run_to(&mut sim, 113);
    assert_eq!(pod_field(&sim, "quick", "status.phase"), "<gone>");
    // stubborn: TERM ignored, KILL at the end of the 30 s grace period.
    run_to(&mut sim, 129);
    assert_eq!(pod_field(&sim, "stubborn", "status.phase"), "Running");
    run_to(&mut sim, 130);
    assert_eq!(pod_field(&sim, "stubborn", "status.phase"), "<gone>");
    // overrun: preStop cut at 130, then 2 more seconds before KILL.
    run_to(&mut sim, 131);
    assert_eq!(pod_field(&sim, "overrun", "status.phase"), "Running");
    run_to(&mut sim, 132);
    assert_eq!(pod_field(&sim, "overrun", "status.phase"), "<gone>");
}

/// §1.11: while a pod terminates, readiness keeps being probed; liveness stops.
#[test]
fn readiness_is_still_probed_while_terminating() {
    let docs = service_and_pod(
        "    kubesim.io/ignore-term: \"true\"\n    kubesim.io/readiness-fails-after: 70s\n    \
         kubesim.io/liveness-fails-after: 65s\n",
        "  terminationGracePeriodSeconds: 60\n  containers:\n    - name: web\n      image: \
         nginx:1.27\n      readinessProbe: {httpGet: {port: 80}, periodSeconds: 5, \
         failureThreshold: 1}\n      livenessProbe: {httpGet: {port: 80}, periodSeconds: 5, \
         failureThreshold: 1}\n",
    );
    let mut sim = simulation(
        "  events:\n    - at: 1m\n      delete: {object: pod/web}\n",
        &docs,
    );
    run_to(&mut sim, 69);
    assert_eq!(endpoint_condition(&sim, "serving"), "true");
    assert!(
        event_times(&sim, "web", "Killing") == vec![60],
        "no liveness kill while terminating"
    );
    run_to(&mut sim, 70);
    assert_eq!(endpoint_condition(&sim, "serving"), "false");
    assert_eq!(pod_field(&sim, "web", READY), "False");
}

/// §2.9: sidecars start before the app and stop after it; a pod that completes stops its
/// sidecars and then takes its terminal phase.
#[test]
fn sidecars_start_first_and_stop_last() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: job\n  annotations:\n    \
                kubesim.io/exit-after.main: 30s\n    kubesim.io/exit-code.main: \"0\"\n    \
                kubesim.io/ignore-term.logs: \"true\"\nspec:\n  restartPolicy: Never\n  \
                terminationGracePeriodSeconds: 10\n  initContainers:\n    - {name: logs, image: \
                fluent-bit:3, restartPolicy: Always}\n  containers:\n    - {name: main, image: \
                example.com/batch:1}\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 0);
    assert_eq!(
        event_messages(&sim, "job", "Started"),
        vec!["Started container logs", "Started container main"]
    );
    run_to(&mut sim, 30);
    assert_eq!(
        pod_field(&sim, "job", "status.phase"),
        "Running",
        "sidecar still stopping"
    );
    assert_eq!(event_times(&sim, "job", "Killing"), vec![30]);
    run_to(&mut sim, 39);
    assert_eq!(pod_field(&sim, "job", "status.phase"), "Running");
    run_to(&mut sim, 40);
    assert_eq!(pod_field(&sim, "job", "status.phase"), "Succeeded");
    assert_eq!(
        pod_field(
            &sim,
            "job",
            "status.initContainerStatuses[logs].state.terminated.exitCode"
        ),
        "137"
    );
}

/// §2.6: a container that grows past its memory limit is OOMKilled (exit 137).
#[test]
fn memory_growth_ends_in_oom_killed() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: leak\n  annotations:\n    \
                kubesim.io/memory: 100Mi\n    kubesim.io/memory-growth-per-second: 2Mi\nspec:\n  \
                containers:\n    - name: app\n      image: example.com/app:1\n      resources:\n        \
                limits: {memory: 256Mi}\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 78);
    assert_eq!(
        pod_field(&sim, "leak", "status.containerStatuses[app].restartCount"),
        "1"
    );
    assert_eq!(
        pod_field(
            &sim,
            "leak",
            "status.containerStatuses[app].lastState.terminated.reason"
        ),
        "OOMKilled"
    );
    assert_eq!(
        pod_field(
            &sim,
            "leak",
            "status.containerStatuses[app].lastState.terminated.exitCode"
        ),
        "137"
    );
}

/// §2.12: activeDeadlineSeconds fails the pod with reason DeadlineExceeded.
#[test]
fn active_deadline_fails_the_pod() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata: {name: batch}\nspec:\n  \
                activeDeadlineSeconds: 30\n  restartPolicy: Never\n  containers:\n    - {name: \
                app, image: example.com/app:1}\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 29);
    assert_eq!(pod_field(&sim, "batch", "status.phase"), "Running");
    run_to(&mut sim, 30);
    assert_eq!(pod_field(&sim, "batch", "status.phase"), "Failed");
    assert_eq!(
        pod_field(&sim, "batch", "status.reason"),
        "DeadlineExceeded"
    );
    assert_eq!(event_times(&sim, "batch", "DeadlineExceeded"), vec![30]);
}

#[test]
fn g37_qos_classes() {
    let pod = |name: &str, containers: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n{containers}"
        )
    };
    let guaranteed = "    - name: a\n      image: x:1\n      resources:\n        requests: {cpu: \
                      500m, memory: 256Mi}\n        limits: {cpu: 500m, memory: 256Mi}\n";
    let limits_only =
        "    - name: a\n      image: x:1\n      resources:\n        limits: {cpu: 500m, memory: 256Mi}\n";
    let cpu_request =
        "    - name: a\n      image: x:1\n      resources:\n        requests: {cpu: 100m}\n";
    let mixed = format!("{guaranteed}    - {{name: b, image: x:1}}\n");
    let nothing = "    - {name: a, image: x:1}\n";
    let docs = [
        pod("guaranteed", guaranteed),
        pod("limits-only", limits_only),
        pod("cpu-request", cpu_request),
        pod("mixed", &mixed),
        pod("nothing", nothing),
    ]
    .join("---\n");
    let mut sim = simulation("", &docs);
    run_to(&mut sim, 1);
    for (name, class) in [
        ("guaranteed", "Guaranteed"),
        ("limits-only", "Guaranteed"),
        ("cpu-request", "Burstable"),
        ("mixed", "Burstable"),
        ("nothing", "BestEffort"),
    ] {
        assert_eq!(pod_field(&sim, name, "status.qosClass"), class, "{name}");
    }
}

#[test]
fn g45_image_pull_back_off_doubles_to_300_seconds() {
    let docs = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\n  annotations: \
                {kubesim.io/image-pull: fail}\nspec:\n  containers:\n    - {name: app, image: \
                example.com/app:does-not-exist}\n";
    let mut sim = simulation("", docs);
    run_to(&mut sim, 0);
    assert_eq!(
        pod_field(
            &sim,
            "typo",
            "status.containerStatuses[app].state.waiting.reason"
        ),
        "ImagePullBackOff"
    );
    run_to(&mut sim, 1300);
    assert_eq!(
        event_times(&sim, "typo", "Pulling"),
        vec![0, 10, 30, 70, 150, 310, 610, 910, 1210]
    );
    assert!(change_times(
        &sim,
        "typo",
        "status.containerStatuses[app].state",
        "waiting (ErrImagePull"
    )
    .contains(&0));
    assert_eq!(pod_field(&sim, "typo", "status.phase"), "Pending");
}
