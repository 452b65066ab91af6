//! Lazy and eager probe workers give the same timeline (issue "Pod and container
//! lifecycle", cost rule; k8s-semantics §1.6–1.8).
//!
//! The lazy kubelet wakes a probe worker only at the ticks that change something, the eager
//! one at every tick, and `--trace-probes` additionally records every tick. For random pods
//! (probes of every kind with random periods, delays and thresholds; apps that start late,
//! hang, flap, fail a random fraction of probes, crash, or get deleted) the three runs must
//! agree on every transition: lazy and eager byte for byte, trace mode once its trace
//! records are set aside.

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;
use sim_core::timeline::{Record, RecordId};
use sim_scenarios::render::render_jsonl;
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::parse_scenario;

#[derive(Debug, Clone)]
struct ProbeSpec {
    period: u32,
    initial_delay: u32,
    success_threshold: u32,
    failure_threshold: u32,
}

#[derive(Debug, Clone)]
struct PodSpec {
    restart_policy: &'static str,
    startup: Option<ProbeSpec>,
    liveness: Option<ProbeSpec>,
    readiness: Option<ProbeSpec>,
    behaviour: Vec<(&'static str, String)>,
    delete_at: Option<u32>,
}

fn probe(readiness: bool) -> impl Strategy<Value = ProbeSpec> {
    (1u32..15, 0u32..12, 1u32..4, 1u32..5).prop_map(move |(period, delay, success, failure)| {
        ProbeSpec {
            period,
            initial_delay: delay,
            // successThreshold must be 1 for liveness and startup probes.
            success_threshold: if readiness { success } else { 1 },
            failure_threshold: failure,
        }
    })
}

fn seconds(max: u32) -> impl Strategy<Value = String> {
    (0..max).prop_map(|s| format!("{s}s"))
}

fn behaviour() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        proptest::option::of(seconds(60)),
        proptest::option::of(seconds(90)),
        proptest::option::of(seconds(200)),
        proptest::option::of(seconds(300)),
        proptest::option::of(
            (1u32..20, 2u32..60).prop_map(|(fail, extra)| format!("{fail}s/{}s", fail + extra)),
        ),
        proptest::option::of((0u32..60).prop_map(|p| format!("{p}%"))),
        proptest::option::of((0u32..20).prop_map(|p| format!("{p}%"))),
        proptest::option::of((seconds(400), 0u32..3)),
        proptest::option::of(seconds(80)),
    )
        .prop_map(
            |(
                start,
                ready,
                readiness_fails,
                liveness_fails,
                flap,
                ratio,
                live_ratio,
                exit,
                startup,
            )| {
                let mut out = Vec::new();
                let mut put = |key: &'static str, value: Option<String>| {
                    if let Some(value) = value {
                        out.push((key, value));
                    }
                };
                put("start-after", start);
                put("ready-after", ready);
                put("readiness-fails-after", readiness_fails);
                put("liveness-fails-after", liveness_fails);
                put("readiness-flap", flap);
                put("readiness-failure-ratio", ratio);
                put("liveness-failure-ratio", live_ratio);
                put("startup-succeeds-after", startup);
                if let Some((after, code)) = exit {
                    out.push(("exit-after", after));
                    out.push(("exit-code", code.to_string()));
                }
                out
            },
        )
}

fn pod() -> impl Strategy<Value = PodSpec> {
    (
        prop_oneof![Just("Always"), Just("OnFailure"), Just("Never")],
        proptest::option::of(probe(false)),
        proptest::option::of(probe(false)),
        proptest::option::of(probe(true)),
        behaviour(),
        proptest::option::of(0u32..500),
    )
        .prop_map(
            |(restart_policy, startup, liveness, readiness, behaviour, delete_at)| PodSpec {
                restart_policy,
                startup,
                liveness,
                readiness,
                behaviour,
                delete_at,
            },
        )
}

fn probe_yaml(out: &mut String, field: &str, p: &Option<ProbeSpec>) {
    if let Some(p) = p {
        let _ = write!(
            out,
            "      {field}:\n        httpGet: {{path: /healthz, port: 8080}}\n        \
             periodSeconds: {}\n        initialDelaySeconds: {}\n        \
             successThreshold: {}\n        failureThreshold: {}\n",
            p.period, p.initial_delay, p.success_threshold, p.failure_threshold
        );
    }
}

fn scenario_text(pods: &[PodSpec], seeded_phase: bool) -> String {
    let mut events = String::new();
    for (i, p) in pods.iter().enumerate() {
        if let Some(at) = p.delete_at {
            let _ = write!(
                events,
                "    - at: {at}s\n      delete: {{object: pod/p{i}}}\n"
            );
        }
    }
    let mut text = format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: probe-modes}}\n\
         spec:\n  seed: 7\n  duration: 10m\n  probePhase: {}\n  cluster:\n    nodePools:\n    \
         - {{name: node, count: 2, capacity: {{cpu: \"8\", memory: 32Gi}}}}\n",
        if seeded_phase { "seeded" } else { "canonical" }
    );
    if !events.is_empty() {
        text.push_str("  events:\n");
        text.push_str(&events);
    }
    for (i, p) in pods.iter().enumerate() {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  annotations:\n"
        );
        let _ = writeln!(text, "    kubesim.io/term-exit-after: \"{}s\"", i % 3);
        for (key, value) in &p.behaviour {
            let _ = writeln!(text, "    kubesim.io/{key}: \"{value}\"");
        }
        let _ = write!(
            text,
            "spec:\n  restartPolicy: {}\n  terminationGracePeriodSeconds: 5\n  containers:\n    \
             - name: app\n      image: example.com/app:1.0\n",
            p.restart_policy
        );
        probe_yaml(&mut text, "startupProbe", &p.startup);
        probe_yaml(&mut text, "livenessProbe", &p.liveness);
        probe_yaml(&mut text, "readinessProbe", &p.readiness);
    }
    text
}

fn run_mode(text: &str, eager: bool, trace: bool) -> (String, Vec<Record>) {
    let scenario = parse_scenario("probe-modes.yaml", text, Path::new("."))
        .expect("generated scenario is valid");
    let report = run(
        &scenario,
        &RunOptions {
            eager_probes: eager,
            trace_probes: trace,
            check_invariants: true,
            ..RunOptions::default()
        },
    )
    .expect("runs");
    let mut jsonl = String::new();
    render_jsonl(report.simulation.timeline(), &mut jsonl);
    (jsonl, report.simulation.timeline().records().to_vec())
}

/// The records without trace records, with ids and causes renumbered as if the trace
/// records had never been written.
fn without_trace(records: &[Record]) -> Vec<Record> {
    let mut renumber = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for r in records.iter().filter(|r| !r.body.is_trace()) {
        let id = RecordId(out.len() as u64 + 1);
        renumber.insert(r.id, id);
        let mut r = r.clone();
        r.id = id;
        r.cause = r
            .cause
            .map(|c| renumber.get(&c).copied().unwrap_or(RecordId(0)));
        out.push(r);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn lazy_eager_and_traced_probes_give_the_same_timeline(
        pods in proptest::collection::vec(pod(), 1..5),
        seeded_phase in any::<bool>(),
    ) {
        let text = scenario_text(&pods, seeded_phase);
        let (lazy, lazy_records) = run_mode(&text, false, false);
        let (eager, _) = run_mode(&text, true, false);
        prop_assert!(lazy == eager, "lazy and eager timelines differ for\n{text}\n--- lazy\n{lazy}\n--- eager\n{eager}");
        let (_, traced) = run_mode(&text, true, true);
        prop_assert_eq!(without_trace(&traced), lazy_records);
    }
}

/// A healthy probe costs nothing per tick: a day of a pod probed every second takes a
/// handful of events lazily, and one per tick eagerly.
#[test]
fn a_healthy_probe_costs_events_only_when_eager() {
    let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: healthy}\n\
                spec:\n  duration: 24h\n  cluster: {nodePools: [{name: node, capacity: {cpu: \"2\", memory: 4Gi}}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\n\
                spec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      \
                livenessProbe: {httpGet: {port: 80}, periodSeconds: 1}\n      \
                readinessProbe: {httpGet: {port: 80}, periodSeconds: 1}\n";
    let scenario = parse_scenario("healthy.yaml", text, Path::new(".")).expect("valid");
    let lazy = run(&scenario, &RunOptions::default()).expect("runs");
    let eager = run(
        &scenario,
        &RunOptions {
            eager_probes: true,
            ..RunOptions::default()
        },
    )
    .expect("runs");
    let lazy_events = lazy.simulation.stats().events;
    let eager_events = eager.simulation.stats().events;
    assert!(lazy_events < 50, "lazy run took {lazy_events} events");
    assert!(
        eager_events > 2 * 86_400,
        "eager run took {eager_events} events"
    );
}
