//! `kubesim explain KIND/NAME`: the causal story of one object up to an instant, one
//! plain-English sentence per transition that matters, naming the rule and its numbers.
//!
//! The story is read from two places. The timeline gives what happened and what caused it:
//! the object's records (from its latest creation on) and, through their cause ids, the
//! records of other objects behind them. The object's spec, as the store holds it at the
//! instant (the simulation has run to it), gives the numbers of the rules: probe periods
//! and thresholds, grace periods, the restart policy, the rollout's surge and
//! unavailability.
//!
//! The kubelet's vocabulary is read from the records rather than assumed: how many
//! `Unhealthy` events came before a kill, whether one status write coalesced several exits
//! of an instant. Where the records say less than the rule needs (a single `Unhealthy`
//! event before a liveness kill), the missing instants follow from the rule itself, since
//! consecutive probe failures are one period apart. A record no rule recognises still gets
//! a plain sentence (`status.phase changed from Pending to Running.`). Nothing here panics,
//! whatever the timeline holds: numbers that do not parse are left out of the sentence.

use std::collections::BTreeMap;

use sim_core::behaviour::BehaviourBook;
use sim_core::duration::parse_go_duration;
use sim_core::kubelet::{BACKOFF_INITIAL, BACKOFF_MAX, BACKOFF_RESET, EXIT_KILLED, MINIMUM_GRACE};
use sim_core::objects::{
    Container, ContainerState, Deployment, DeploymentStrategy, HookHandler, Kind, Node, ObjectKey,
    ObjectRef, Pod, PodSpec, Probe, ReplicaSet, RestartPolicy,
};
use sim_core::probe::TickPlan;
use sim_core::quantity::format_bytes;
use sim_core::sim::{AnyObject, ScenarioAction};
use sim_core::store::Store;
use sim_core::time::{SimDuration, SimTime};
use sim_core::timeline::{EventType, Record, RecordBody, RecordId, Timeline};

mod node_failure;

use crate::describe::{incarnation_records, revision, NotFound, SCENARIO_SOURCE};
use crate::scenario::Scenario;
use crate::tables::pod_summary;

/// Image pull back-off (k8s-semantics §2.7): the same numbers as the crash-loop back-off.
const IMAGE_PULL_BACKOFF_INITIAL: SimDuration = BACKOFF_INITIAL;
/// Image pull back-off cap.
const IMAGE_PULL_BACKOFF_MAX: SimDuration = BACKOFF_MAX;
/// The pod garbage collector's quarantine for pods of a deleted node (§3.5).
const ORPHAN_QUARANTINE_SECONDS: u64 = 40;

/// Explains `object` up to `at` from the store (run to `at`) and the timeline.
pub fn explain(
    store: &Store,
    timeline: &Timeline,
    object: &ObjectRef,
    at: SimTime,
) -> Result<String, NotFound> {
    explain_with(store, timeline, object, at, None)
}

/// [`explain`], with the scenario that was run when the caller has it: its manifests give
/// the spec of a bare pod that no longer exists, and its behaviour rules say how long an
/// `exec` or `httpGet` preStop hook runs. Without it, a gone pod's spec is read from the
/// ReplicaSet that created it, if that is still in the store.
pub fn explain_with(
    store: &Store,
    timeline: &Timeline,
    object: &ObjectRef,
    at: SimTime,
    scenario: Option<&Scenario>,
) -> Result<String, NotFound> {
    let object = if object.kind.namespaced() {
        object.clone()
    } else {
        ObjectRef::new(object.kind, ObjectKey::cluster(object.key.name.clone()))
    };
    let current = Current::lookup(store, &object);
    let records = incarnation_records(timeline, &object, at);
    if records.is_empty() && current.is_none() {
        return Err(NotFound {
            kind: object.kind,
            name: object.key.name.clone(),
        });
    }
    let source = match current {
        Some(Current::Pod(p)) => Some(PodSource::of_pod(p)),
        _ if object.kind == Kind::Pod => {
            gone_pod_source(store, timeline, &object, &records, scenario)
        }
        _ => None,
    };
    let annotations_only = BehaviourBook::default();
    let book = scenario.map_or(&annotations_only, |s| &s.behaviours);
    Ok(tell(&object, current, source, book, timeline, &records, at))
}

/// Where a pod's spec and behaviour are read from: the pod itself while it exists, else
/// the template of the ReplicaSet that created it, else the scenario's manifest.
#[derive(Debug, Clone, Copy)]
struct PodSource<'a> {
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
    spec: &'a PodSpec,
}

impl<'a> PodSource<'a> {
    fn of_pod(pod: &'a Pod) -> PodSource<'a> {
        PodSource {
            namespace: &pod.meta.namespace,
            labels: &pod.meta.labels,
            annotations: &pod.meta.annotations,
            spec: &pod.spec,
        }
    }
}

/// The spec of a pod that no longer exists: its ReplicaSet's template (named by the
/// `SuccessfulCreate` event of its creation), or the last manifest of it the scenario
/// applied before it was created.
fn gone_pod_source<'a>(
    store: &'a Store,
    timeline: &Timeline,
    object: &'a ObjectRef,
    records: &[&Record],
    scenario: Option<&'a Scenario>,
) -> Option<PodSource<'a>> {
    let created = records
        .iter()
        .find(|r| r.body == RecordBody::Created)
        .map(|r| r.time)?;
    let name = &object.key.name;
    let by_replicaset = replicaset_event_at(
        timeline,
        created,
        "SuccessfulCreate",
        &format!("Created pod: {name}"),
    )
    .and_then(|event| store.get::<ReplicaSet>(&event.object.key));
    if let Some(rs) = by_replicaset {
        return Some(PodSource {
            namespace: &object.key.namespace,
            labels: &rs.template.labels,
            annotations: &rs.template.annotations,
            spec: &rs.template.spec,
        });
    }
    let scenario = scenario?;
    let applied = scenario
        .initial
        .iter()
        .map(|o| (SimTime::ZERO, o))
        .chain(scenario.actions.iter().filter_map(|(t, a)| match a {
            ScenarioAction::Apply(o) => Some((*t, o)),
            _ => None,
        }))
        .filter(|(t, o)| *t <= created && o.object_ref() == *object)
        .filter_map(|(_, o)| match o {
            AnyObject::Pod(p) => Some(p),
            _ => None,
        })
        .next_back()?;
    Some(PodSource {
        namespace: &object.key.namespace,
        labels: &applied.meta.labels,
        annotations: &applied.meta.annotations,
        spec: &applied.spec,
    })
}

/// The object as the store holds it at the instant explained, if it still exists.
#[derive(Debug, Clone, Copy)]
pub enum Current<'a> {
    /// A pod.
    Pod(&'a Pod),
    /// A node.
    Node(&'a Node),
    /// A ReplicaSet.
    ReplicaSet(&'a ReplicaSet),
    /// A Deployment.
    Deployment(&'a Deployment),
}

impl<'a> Current<'a> {
    fn lookup(store: &'a Store, object: &ObjectRef) -> Option<Current<'a>> {
        let key = &object.key;
        match object.kind {
            Kind::Pod => store.get::<Pod>(key).map(Current::Pod),
            Kind::Node => store.get::<Node>(key).map(Current::Node),
            Kind::ReplicaSet => store.get::<ReplicaSet>(key).map(Current::ReplicaSet),
            Kind::Deployment => store.get::<Deployment>(key).map(Current::Deployment),
            _ => None,
        }
    }
}

/// The story of `object` told from `records` (its own, in order, up to `at`), with
/// `timeline` for causes and `current` for the spec. Public so that a story can be told
/// from a handcrafted timeline.
pub fn explain_records(
    object: &ObjectRef,
    current: Option<Current<'_>>,
    timeline: &Timeline,
    records: &[&Record],
    at: SimTime,
) -> String {
    let source = match current {
        Some(Current::Pod(p)) => Some(PodSource::of_pod(p)),
        _ => None,
    };
    tell(
        object,
        current,
        source,
        &BehaviourBook::default(),
        timeline,
        records,
        at,
    )
}

fn tell(
    object: &ObjectRef,
    current: Option<Current<'_>>,
    source: Option<PodSource<'_>>,
    book: &BehaviourBook,
    timeline: &Timeline,
    records: &[&Record],
    at: SimTime,
) -> String {
    let context = Context {
        object,
        timeline,
        records,
        at,
        source,
        book,
    };
    let (story, summary) = match (object.kind, current) {
        (Kind::Pod, Some(Current::Pod(p))) => pod_story(&context, Some(p)),
        (Kind::Pod, _) => pod_story(&context, None),
        (Kind::Deployment, Some(Current::Deployment(d))) => deployment_story(&context, Some(d)),
        (Kind::Deployment, _) => deployment_story(&context, None),
        (Kind::ReplicaSet, Some(Current::ReplicaSet(rs))) => replicaset_story(&context, Some(rs)),
        (Kind::ReplicaSet, _) => replicaset_story(&context, None),
        (Kind::Node, Some(Current::Node(n))) => node_story(&context, Some(n)),
        (Kind::Node, _) => node_story(&context, None),
        _ => generic_story(&context),
    };
    let namespace = if object.key.namespace.is_empty() {
        String::new()
    } else {
        format!(" in namespace {}", object.key.namespace)
    };
    let mut out = format!("{object}{namespace}, up to {at}:\n");
    story.render(&mut out);
    out.push_str(&summary);
    out.push('\n');
    out
}

/// What every story reads from.
struct Context<'a> {
    object: &'a ObjectRef,
    timeline: &'a Timeline,
    records: &'a [&'a Record],
    at: SimTime,
    /// A pod's spec, if known.
    source: Option<PodSource<'a>>,
    /// Container behaviours (annotations, and the scenario's rules when known).
    book: &'a BehaviourBook,
}

/// Where a sentence goes among those of its instant: what happened to the object first,
/// then its containers, then what that did to its phase and readiness, then its removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Lifecycle,
    Containers,
    Phase,
    Readiness,
    Removal,
}

struct Sentence {
    time: SimTime,
    rank: Rank,
    seq: usize,
    text: String,
}

/// The sentences of a story, sorted by instant and rank when rendered.
#[derive(Default)]
struct Story {
    sentences: Vec<Sentence>,
}

impl Story {
    fn say(&mut self, time: SimTime, rank: Rank, text: impl Into<String>) {
        let seq = self.sentences.len();
        self.sentences.push(Sentence {
            time,
            rank,
            seq,
            text: text.into(),
        });
    }

    fn render(mut self, out: &mut String) {
        if self.sentences.is_empty() {
            out.push_str("(no transitions recorded)\n");
            return;
        }
        self.sentences.sort_by_key(|s| (s.time, s.rank, s.seq));
        for s in &self.sentences {
            out.push_str(&format!("{}: {}\n", s.time, one_line(&s.text)));
        }
    }
}

/// Control characters from a record (a newline in a message) would break the layout.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// -- Reading records ---------------------------------------------------------------------

/// The records of `timeline` at instant `t` (records are in time order).
fn records_at(timeline: &Timeline, t: SimTime) -> &[Record] {
    let all = timeline.records();
    let start = all.partition_point(|r| r.time < t);
    let end = all.partition_point(|r| r.time <= t);
    all.get(start..end).unwrap_or(&[])
}

/// A count as the timeline prints it; `<none>` (not set yet) is zero.
fn count(text: &str) -> u32 {
    text.trim().parse().unwrap_or(0)
}

/// `terminated (Error, exit code 143)` → (`Error`, 143).
fn terminated_parts(text: &str) -> Option<(String, i32)> {
    let inner = text.strip_prefix("terminated (")?.strip_suffix(')')?;
    let (reason, code) = inner.rsplit_once(", exit code ")?;
    Some((reason.to_string(), code.trim().parse().ok()?))
}

/// The text between the first pair of double quotes: the image of a pull message.
fn quoted(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('"')?;
    let (inside, _) = rest.split_once('"')?;
    Some(inside)
}

/// `status.containerStatuses[api].restartCount` → (`false`, `api`, `restartCount`).
fn container_field(field: &str) -> Option<(bool, &str, &str)> {
    let (init, rest) = if let Some(rest) = field.strip_prefix("status.containerStatuses[") {
        (false, rest)
    } else {
        (true, field.strip_prefix("status.initContainerStatuses[")?)
    };
    let (name, attribute) = rest.split_once("].")?;
    Some((init, name, attribute))
}

/// `True (MinimumReplicasAvailable)` → (`True`, `MinimumReplicasAvailable`).
fn condition_parts(text: &str) -> (&str, &str) {
    match text.split_once(" (") {
        Some((status, reason)) => (status, reason.strip_suffix(')').unwrap_or(reason)),
        None => (text, ""),
    }
}

/// A rule's constant in seconds, as the Kubernetes documentation states them.
fn seconds(d: SimDuration) -> String {
    format!("{}s", d.as_secs())
}

/// `: successes at 0s, 5s` for a readiness probe that needs several successes in a row,
/// the last one at `t` (consecutive probes are one period apart).
fn successes(t: SimTime, probe: &Probe) -> String {
    let n = u64::from(probe.success_threshold);
    let period = SimDuration::from_secs(u64::from(probe.period_seconds.max(1)));
    let span = period.saturating_mul(n.saturating_sub(1));
    if n <= 1 || t.as_millis() < span.as_millis() {
        return String::new();
    }
    let times: Vec<SimTime> = (0..n)
        .map(|i| SimTime(t.as_millis() - period.saturating_mul(n - 1 - i).as_millis()))
        .collect();
    format!(": successes at {}", list_instants(&times))
}

/// `1 time`, `3 times`.
fn times_word(n: usize) -> String {
    if n == 1 {
        "1 time".to_string()
    } else {
        format!("{n} times")
    }
}

/// `1 failure`, `3 failures`.
fn failures_word(n: usize) -> String {
    if n == 1 {
        "1 failure".to_string()
    } else {
        format!("{n} failures")
    }
}

/// `at 0s, 10s` for a few instants, `from 0s to 1m50s` for many.
fn span(times: &[SimTime]) -> String {
    match times {
        [first, .., last] if times.len() > 4 => format!("from {first} to {last}"),
        _ => format!("at {}", list_instants(times)),
    }
}

/// Whether `record`, at the instant a startup probe would pass, shows that it did not:
/// a startup failure, or the container exiting or being stopped first (the kubelet runs
/// its probes after everything else of an instant), or the pod being stopped.
fn stops_startup(record: &Record, container: &str) -> bool {
    match &record.body {
        RecordBody::Event {
            reason, message, ..
        } => match reason.as_str() {
            "Unhealthy" => ProbeKind::of_message(message) == Some(ProbeKind::Startup),
            "Killing" => killing(message).is_some_and(|(name, _)| name == container),
            "BackOff" => {
                message
                    .strip_prefix("Back-off restarting failed container ")
                    .and_then(|rest| rest.split_whitespace().next())
                    == Some(container)
            }
            "DeadlineExceeded" => true,
            _ => false,
        },
        RecordBody::Changed { field, to, .. } => {
            if field == "metadata.deletionTimestamp" {
                return to != "<none>";
            }
            container_field(field).is_some_and(|(_, name, attribute)| {
                name == container
                    && match attribute {
                        "state" => to.starts_with("terminated") || to.starts_with("waiting"),
                        "restartCount" | "lastState" => true,
                        _ => false,
                    }
            })
        }
        _ => false,
    }
}

/// Whether a kill told at its instant sent TERM, at the end of a preStop hook, at or
/// before an exit at `t` with `code` that agrees with the kill's schedule.
fn term_came_first(kill: &Kill, t: SimTime, code: i32) -> bool {
    let (Some(term), Some(k)) = (kill.term_at(), kill.kill_at()) else {
        return false;
    };
    term > kill.at && term <= t && if code == EXIT_KILLED { t == k } else { t < k }
}

/// The end of a kill told at an earlier instant: the exit at `t` with `code`, read
/// against the kill's schedule when the exit agrees with it, else from the records alone.
fn told_kill_end(t: SimTime, label: &str, kill: &Kill, code: Option<i32>) -> String {
    let minimum = seconds(MINIMUM_GRACE);
    let Some(code) = code else {
        return format!(
            "{label} exited, {} after the kubelet began stopping it at {}",
            t.saturating_since(kill.at),
            kill.at
        );
    };
    let end = kill.grace_end();
    if let (Some(term), Some(k)) = (kill.term_at(), kill.kill_at()) {
        if t < term {
            return format!(
                "{label} exited with code {code} during its {}, before TERM",
                kill.hook_what()
            );
        }
        if code == EXIT_KILLED && t == k {
            return if end.is_some_and(|end| k > end) {
                format!(
                    "{label} got KILL {minimum} after TERM at {term}: the kubelet never sends KILL sooner than {minimum} after TERM (exit code {EXIT_KILLED})"
                )
            } else {
                format!(
                    "{label} got KILL at the end of the {}: it had not exited since TERM at {term} (exit code {EXIT_KILLED})",
                    kill.grace_phrase()
                )
            };
        }
        if code != EXIT_KILLED && t < k {
            return if t == term {
                format!("{label} exited with code {code} as soon as it got TERM at {term}")
            } else {
                format!(
                    "{label} exited with code {code}, {} after TERM at {term}",
                    t.saturating_since(term)
                )
            };
        }
    }
    // The spec is unknown, or the exit disagrees with it: what the records alone say.
    if code == EXIT_KILLED {
        return match end {
            Some(end) if t > end => {
                let term = SimTime(t.as_millis().saturating_sub(MINIMUM_GRACE.as_millis()));
                if term == end {
                    format!(
                        "{label} got KILL {minimum} after TERM at {term}: its preStop hook was still running at the end of the {} ({end}), so the kubelet cut it and sent TERM then, and KILL {minimum} later, its minimum between the two (exit code {EXIT_KILLED})",
                        kill.grace_phrase()
                    )
                } else {
                    format!(
                        "{label} got KILL {minimum} after TERM at {term}, sent when its preStop hook ended: the kubelet never sends KILL sooner than {minimum} after TERM (exit code {EXIT_KILLED})"
                    )
                }
            }
            Some(end) if t == end => format!(
                "{label} got KILL at the end of the {}: it had not exited after TERM (exit code {EXIT_KILLED})",
                kill.grace_phrase()
            ),
            _ => format!("{label} got KILL (exit code {EXIT_KILLED})"),
        };
    }
    format!(
        "{label} exited with code {code}, {} after the kubelet began stopping it at {} (its preStop hook, if any, then TERM)",
        t.saturating_since(kill.at),
        kill.at
    )
}

fn list_instants(times: &[SimTime]) -> String {
    times
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The phrase for a record of another object in a cause chain.
fn record_phrase(record: &Record) -> String {
    let object = &record.object;
    match &record.body {
        RecordBody::Event {
            message, source, ..
        } if source == SCENARIO_SOURCE => {
            format!("`{message}` (scenario event at {})", record.time)
        }
        RecordBody::Event {
            reason, message, ..
        } => format!("{object} {reason}: {message}"),
        RecordBody::Created => format!("{object} was created"),
        RecordBody::Deleted => format!("{object} was deleted"),
        RecordBody::Changed { field, from, to } if field == "spec.replicas" => {
            format!("{object} was scaled from {from} to {to} replicas")
        }
        RecordBody::Changed { field, from, to } => {
            format!("{object} {field} went from {from} to {to}")
        }
        _ => format!("a record about {object}"),
    }
}

/// What caused `record`, from the records of other objects on its cause chain (at most
/// three, nearest first): ``because of `kubectl apply deployment/api` (scenario event at
/// 1m0s)``. `None` when nothing outside the object caused it.
fn cause_phrase(ctx: &Context<'_>, record: &Record) -> Option<String> {
    let phrases: Vec<String> = ctx
        .timeline
        .cause_chain(record.id)
        .into_iter()
        .skip(1)
        .filter(|r| r.object != *ctx.object)
        .take(3)
        .map(record_phrase)
        .collect();
    if phrases.is_empty() {
        None
    } else {
        Some(format!("because of {}", phrases.join(", because of ")))
    }
}

/// ``created by `kubectl apply pod/api` (scenario event)`` or `created (because of ...)`:
/// a scenario action is recorded about the object it creates, so it is looked for first.
fn created_phrase(ctx: &Context<'_>, record: &Record) -> String {
    let action = record
        .cause
        .and_then(|id| ctx.timeline.get(id))
        .and_then(|r| match &r.body {
            RecordBody::Event {
                source, message, ..
            } if source == SCENARIO_SOURCE => Some(message),
            _ => None,
        });
    match action {
        Some(message) => format!("created by `{message}` (scenario event)"),
        None => with_cause(ctx, record, "created"),
    }
}

/// `text` followed by ` (cause)` when the record has a cause outside the object.
fn with_cause(ctx: &Context<'_>, record: &Record, text: &str) -> String {
    match cause_phrase(ctx, record) {
        Some(cause) => format!("{text} ({cause})"),
        None => text.to_string(),
    }
}

/// Whether no record of the object at the same instant names this scenario action as its
/// cause: such an action would otherwise go untold.
fn unreferenced_action(ctx: &Context<'_>, record: &Record) -> bool {
    !ctx.records
        .iter()
        .any(|r| r.time == record.time && r.cause == Some(record.id))
}

/// The plain sentence for a record no rule recognises.
fn fallback(record: &Record) -> String {
    match &record.body {
        RecordBody::Created => "created.".to_string(),
        RecordBody::Deleted => "removed from the API server.".to_string(),
        RecordBody::Changed { field, from, to } => {
            format!("{field} changed from {from} to {to}.")
        }
        RecordBody::Event {
            source, message, ..
        } if source == SCENARIO_SOURCE => format!("`{message}` (scenario event)."),
        RecordBody::Event {
            type_,
            reason,
            message,
            source,
        } => {
            let kind = match type_ {
                EventType::Normal => "event",
                EventType::Warning => "warning",
            };
            if message.is_empty() {
                format!("{reason} ({kind} from {source}).")
            } else {
                format!("{reason} ({kind} from {source}): {message}.")
            }
        }
        _ => "a trace record.".to_string(),
    }
}

/// Whether a record tells a transition: trace records (probe ticks) only detail them.
fn tells_a_transition(record: &Record) -> bool {
    matches!(
        record.body,
        RecordBody::Created
            | RecordBody::Deleted
            | RecordBody::Changed { .. }
            | RecordBody::Event { .. }
    )
}

/// Status fields changed at one instant, each from its first old value to its last new
/// value (a controller can write several times in an instant); unchanged ones dropped.
#[derive(Default)]
struct StatusChanges {
    fields: Vec<(String, String, String)>,
}

impl StatusChanges {
    fn add(&mut self, field: &str, from: &str, to: &str) {
        let field = field.trim_start_matches("status.");
        match self.fields.iter_mut().find(|(f, _, _)| f == field) {
            Some((_, _, last)) => *last = to.to_string(),
            None => self
                .fields
                .push((field.to_string(), from.to_string(), to.to_string())),
        }
    }

    /// `status: readyReplicas 0 → 4, availableReplicas 0 → 4.`
    fn sentence(&self) -> Option<String> {
        let changed: Vec<String> = self
            .fields
            .iter()
            .filter(|(_, from, to)| from != to)
            .map(|(field, from, to)| format!("{field} {from} → {to}"))
            .collect();
        if changed.is_empty() {
            None
        } else {
            Some(format!("status: {}.", changed.join(", ")))
        }
    }
}

/// The records grouped by instant, in order.
fn instants<'r>(records: &[&'r Record]) -> Vec<(SimTime, Vec<&'r Record>)> {
    let mut out: Vec<(SimTime, Vec<&Record>)> = Vec::new();
    for record in records.iter().filter(|r| tells_a_transition(r)) {
        match out.last_mut() {
            Some((t, group)) if *t == record.time => group.push(record),
            _ => out.push((record.time, vec![record])),
        }
    }
    out
}

/// The latest `ScalingReplicaSet` event at or before `t` about replica set `rs`.
fn scaling_event_for<'t>(timeline: &'t Timeline, rs: &str, t: SimTime) -> Option<&'t Record> {
    let needle = format!("replica set {rs} from ");
    timeline
        .records()
        .iter()
        .take_while(|r| r.time <= t)
        .filter(|r| {
            matches!(&r.body, RecordBody::Event { reason, message, .. }
                if reason == "ScalingReplicaSet" && message.contains(&needle))
        })
        .last()
}

/// `deployment/api scaled it up from 0 to 4 (ScalingReplicaSet)` from the event
/// `Scaled up replica set api-5d4f8 from 0 to 4`.
fn scaling_phrase(event: &Record) -> String {
    let RecordBody::Event { message, .. } = &event.body else {
        return record_phrase(event);
    };
    let parsed = message.strip_prefix("Scaled ").and_then(|rest| {
        let (direction, rest) = rest.split_once(" replica set ")?;
        let (_, numbers) = rest.split_once(" from ")?;
        Some(format!(
            "{} scaled it {direction} from {numbers} (ScalingReplicaSet)",
            event.object
        ))
    });
    parsed.unwrap_or_else(|| record_phrase(event))
}

/// The event of a ReplicaSet at `t` with `reason` and `message` (`Created pod: x`).
fn replicaset_event_at<'t>(
    timeline: &'t Timeline,
    t: SimTime,
    reason: &str,
    message: &str,
) -> Option<&'t Record> {
    records_at(timeline, t).iter().find(|r| {
        r.object.kind == Kind::ReplicaSet
            && matches!(&r.body, RecordBody::Event { reason: re, message: m, .. }
                if re == reason && m == message)
    })
}

// -- Pods --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    const ALL: [ProbeKind; 3] = [
        ProbeKind::Startup,
        ProbeKind::Liveness,
        ProbeKind::Readiness,
    ];

    /// From an `Unhealthy` message: `Liveness probe failed: ...`.
    fn of_message(message: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.into_iter().find(|k| {
            message
                .to_ascii_lowercase()
                .starts_with(&format!("{} probe", k.name()))
        })
    }

    fn name(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
            ProbeKind::Startup => "startup",
        }
    }

    fn of(self, c: &Container) -> Option<&Probe> {
        match self {
            ProbeKind::Liveness => c.liveness_probe.as_ref(),
            ProbeKind::Readiness => c.readiness_probe.as_ref(),
            ProbeKind::Startup => c.startup_probe.as_ref(),
        }
    }
}

/// Why the kubelet stopped a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillCause {
    /// A liveness or startup probe reached its failureThreshold.
    Probe(ProbeKind),
    /// The pod is being deleted (or stopped): `Stopping container`.
    Stop,
}

/// A container's preStop hook, as the kubelet runs it when it stops the container.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hook {
    /// The container has none, or the grace period is 0 (the kubelet then skips it).
    None,
    /// `preStop sleep 10s`, and how long it runs, if known.
    Known {
        what: String,
        takes: Option<SimDuration>,
    },
    /// The pod's spec is not known.
    Unknown,
}

/// A kill in progress: the kubelet runs the preStop hook, sends TERM when it ends and
/// KILL at the end of the grace period (never sooner than 2 s after TERM), k8s-semantics
/// §3.2–3.3.
#[derive(Debug, Clone)]
struct Kill {
    at: SimTime,
    cause: KillCause,
    /// For a probe kill, the rule that fired: `its liveness probe failed 3 times ...`.
    verdict: String,
    /// Whether the kill was told before its exit (the exit came at a later instant).
    told: bool,
    /// The grace period, if known.
    grace: Option<SimDuration>,
    /// Where the grace period comes from: `terminationGracePeriodSeconds 30`.
    grace_source: String,
    hook: Hook,
    /// The TERM that ended a preStop hook has been told.
    term_told: bool,
}

impl Kill {
    /// When TERM is sent: once the preStop hook ends, or at the end of the grace period if
    /// the hook is still running then.
    fn term_at(&self) -> Option<SimTime> {
        match &self.hook {
            Hook::None => Some(self.at),
            Hook::Known {
                takes: Some(takes), ..
            } => Some(self.at.saturating_add((*takes).min(self.grace?))),
            _ => None,
        }
    }

    /// The end of the grace period.
    fn grace_end(&self) -> Option<SimTime> {
        Some(self.at.saturating_add(self.grace?))
    }

    /// When KILL is sent: at the end of the grace period, but never sooner than 2 s after
    /// TERM (`minimumGracePeriodInSeconds`).
    fn kill_at(&self) -> Option<SimTime> {
        let end = self.grace_end()?;
        Some(match self.term_at() {
            Some(term) => end.max(term.saturating_add(MINIMUM_GRACE)),
            None => end,
        })
    }

    /// Whether the preStop hook outlasts the grace period (it is cut when that ends).
    fn hook_cut(&self) -> bool {
        match (&self.hook, self.grace) {
            (
                Hook::Known {
                    takes: Some(takes), ..
                },
                Some(grace),
            ) => *takes >= grace,
            _ => false,
        }
    }

    /// `grace period of 30s (terminationGracePeriodSeconds 30)`.
    fn grace_phrase(&self) -> String {
        match (self.grace, self.grace_source.is_empty()) {
            (Some(g), false) => format!("grace period of {} ({})", seconds(g), self.grace_source),
            (Some(g), true) => format!("grace period of {}", seconds(g)),
            (None, _) => "grace period".to_string(),
        }
    }

    /// The hook's words: `preStop sleep 10s`.
    fn hook_what(&self) -> &str {
        match &self.hook {
            Hook::Known { what, .. } => what,
            _ => "preStop hook",
        }
    }
}

/// What the story knows about a container between instants.
#[derive(Debug, Clone, Default)]
struct ContainerTrack {
    init: bool,
    started: bool,
    running: bool,
    ready: bool,
    /// The last state text published (`waiting (PodInitializing)`).
    state: Option<String>,
    restart_count: u32,
    last_state: Option<String>,
    /// In CrashLoopBackOff since this exit.
    backoff_since: Option<SimTime>,
    kill: Option<Kill>,
    /// The kubelet's next back-off as the records show it, to predict a wait not yet over.
    next_backoff: Option<SimDuration>,
    /// When the current instance started running.
    running_since: Option<SimTime>,
    /// A startup probe not passed yet: the instant the instance started.
    startup_pending: Option<SimTime>,
    /// The last exit.
    last_exit: Option<SimTime>,
}

/// What one instant's records say about a container.
#[derive(Debug, Default)]
struct ContainerInstant {
    init: bool,
    started: usize,
    backoffs: usize,
    kills: Vec<(KillCause, RecordId)>,
    restart_to: Option<u32>,
    state_from: Option<String>,
    state_to: Option<String>,
    last_state_to: Option<String>,
    ready_to: Option<bool>,
    /// `started` became true (a container gated by a startup probe).
    started_true: bool,
}

/// An exit seen at an instant, by what the kubelet did next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    RestartedAtOnce,
    BackedOff,
    NotRestarted,
}

/// One failed probe (an `Unhealthy` event). The record id orders it against a kill of
/// the same instant: a failure recorded after the kill belongs to the next instance.
#[derive(Debug, Clone, Copy)]
struct ProbeFailure {
    kind: ProbeKind,
    at: SimTime,
    id: RecordId,
}

/// Image pull attempts and back-off, per image.
#[derive(Debug, Clone, Default)]
struct PullTrack {
    attempts: u32,
    next_backoff: Option<SimDuration>,
}

/// Reads a pod's records instant by instant, keeping what later sentences need.
struct PodReader<'c, 'a> {
    ctx: &'c Context<'a>,
    pod: Option<&'a Pod>,
    story: Story,
    containers: BTreeMap<String, ContainerTrack>,
    /// Readiness changes of the containers at the current instant.
    ready_changes: BTreeMap<String, bool>,
    failures: Vec<ProbeFailure>,
    pulls: BTreeMap<String, PullTrack>,
    unschedulable_since: Option<SimTime>,
    /// A graceful deletion in progress: when it started and its deadline.
    deletion: Option<(SimTime, Option<SimTime>)>,
    /// activeDeadlineSeconds ran out at this instant.
    deadline_exceeded_at: Option<SimTime>,
    /// The kubelet evicted the pod (node pressure, or refused it at admission).
    evicted: bool,
    /// The sidecars are being stopped because every app container finished (told once).
    sidecars_stopping: bool,
    /// The kubelet publishes `started` on the timeline: startup probes that pass are read
    /// from the records, not inferred from the failures.
    started_recorded: bool,
    removed_at: Option<SimTime>,
}

fn pod_story(ctx: &Context<'_>, pod: Option<&Pod>) -> (Story, String) {
    let mut reader = PodReader {
        ctx,
        pod,
        story: Story::default(),
        containers: BTreeMap::new(),
        ready_changes: BTreeMap::new(),
        failures: Vec::new(),
        pulls: BTreeMap::new(),
        unschedulable_since: None,
        deletion: None,
        deadline_exceeded_at: None,
        evicted: false,
        sidecars_stopping: false,
        started_recorded: ctx.timeline.records().iter().any(|r| {
            matches!(&r.body, RecordBody::Changed { field, .. }
                if container_field(field).is_some_and(|(_, _, a)| a == "started"))
        }),
        removed_at: None,
    };
    for (t, group) in instants(ctx.records) {
        reader.instant(t, &group);
    }
    reader.finish();
    let summary = match pod {
        Some(p) => {
            // The READY, STATUS and RESTARTS columns of `kubectl get pods`.
            let kubectl = pod_summary(p);
            format!(
                "Now ({}): {}, {}/{} containers ready, {} restart{}, phase {}.",
                ctx.at,
                kubectl.status,
                kubectl.ready,
                kubectl.total,
                kubectl.restarts,
                if kubectl.restarts == 1 { "" } else { "s" },
                p.status.phase.as_str()
            )
        }
        None => match reader.removed_at {
            Some(t) => format!(
                "Now ({}): the pod no longer exists (removed at {t}).",
                ctx.at
            ),
            None => format!("Now ({}): the pod does not exist.", ctx.at),
        },
    };
    (reader.story, summary)
}

/// A `Killing` event's container and cause.
fn killing(message: &str) -> Option<(&str, KillCause)> {
    if let Some(name) = message.strip_prefix("Stopping container ") {
        return Some((name.trim(), KillCause::Stop));
    }
    let rest = message.strip_prefix("Container ")?;
    for (phrase, kind) in [
        (" failed liveness probe", ProbeKind::Liveness),
        (" failed startup probe", ProbeKind::Startup),
    ] {
        if let Some((name, _)) = rest.split_once(phrase) {
            return Some((name, KillCause::Probe(kind)));
        }
    }
    None
}

/// The instant's entry for container `name`, remembering the order of first mention.
fn container_entry<'m>(
    containers: &'m mut BTreeMap<String, ContainerInstant>,
    order: &mut Vec<String>,
    name: &str,
) -> &'m mut ContainerInstant {
    if !containers.contains_key(name) {
        order.push(name.to_string());
    }
    containers.entry(name.to_string()).or_default()
}

/// Waiting reasons the story tells through the events that cause them.
fn told_by_events(state: &str) -> bool {
    [
        "waiting (ContainerCreating)",
        "waiting (PodInitializing)",
        "waiting (CrashLoopBackOff)",
        "waiting (ErrImagePull)",
        "waiting (ImagePullBackOff)",
        "waiting (ErrImageNeverPull)",
    ]
    .contains(&state)
}

/// The rule behind a probe's verdict, after "its liveness probe" or the like: `failed 3
/// times in a row (failureThreshold 3, periodSeconds 10: failures at 30s, 40s, 50s)`.
fn probe_verdict(failures: &[SimTime], probe: Option<&Probe>) -> String {
    let Some(p) = probe else {
        return match failures {
            [] | [_] => "failed".to_string(),
            _ => format!(
                "failed {} times in a row (at {})",
                failures.len(),
                list_instants(failures)
            ),
        };
    };
    let delay = if p.initial_delay_seconds > 0 {
        format!(", initialDelaySeconds {}", p.initial_delay_seconds)
    } else {
        String::new()
    };
    if p.failure_threshold <= 1 {
        return format!(
            "failed (failureThreshold {}, periodSeconds {}{delay})",
            p.failure_threshold, p.period_seconds
        );
    }
    let at = if failures.is_empty() {
        String::new()
    } else {
        format!(": failures at {}", list_instants(failures))
    };
    format!(
        "failed {} times in a row (failureThreshold {}, periodSeconds {}{delay}{at})",
        p.failure_threshold, p.failure_threshold, p.period_seconds
    )
}

impl<'a> PodReader<'_, 'a> {
    fn spec(&self) -> Option<&'a PodSpec> {
        self.ctx.source.map(|s| s.spec)
    }

    /// Whether `name` is a sidecar: an init container with `restartPolicy: Always`.
    fn is_sidecar(&self, name: &str) -> bool {
        self.spec().is_some_and(|s| {
            s.init_containers
                .iter()
                .any(|c| c.name == name && c.restart_policy == Some(RestartPolicy::Always))
        })
    }

    /// The pod's sidecars, in spec order.
    fn sidecars(&self) -> Vec<&'a str> {
        self.spec().map_or(Vec::new(), |s| {
            s.init_containers
                .iter()
                .filter(|c| c.restart_policy == Some(RestartPolicy::Always))
                .map(|c| c.name.as_str())
                .collect()
        })
    }

    /// The one container with a probe of `kind` (app containers and sidecars; regular
    /// init containers run no probes), if exactly one has such a probe: the `Unhealthy`
    /// events do not name their container.
    fn sole_prober(&self, kind: ProbeKind) -> Option<&'a Container> {
        let spec = self.spec()?;
        let mut probers = spec
            .containers
            .iter()
            .chain(
                spec.init_containers
                    .iter()
                    .filter(|c| c.restart_policy == Some(RestartPolicy::Always)),
            )
            .filter(|c| kind.of(c).is_some());
        match (probers.next(), probers.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    fn container_spec(&self, name: &str) -> Option<&'a Container> {
        let spec = self.spec()?;
        spec.containers
            .iter()
            .chain(&spec.init_containers)
            .find(|c| c.name == name)
    }

    fn probe(&self, container: &str, kind: ProbeKind) -> Option<&'a Probe> {
        kind.of(self.container_spec(container)?)
    }

    fn say(&mut self, t: SimTime, rank: Rank, text: impl Into<String>) {
        self.story.say(t, rank, text);
    }

    fn container_label(&self, name: &str) -> String {
        let init = self.containers.get(name).is_some_and(|c| c.init)
            || self
                .spec()
                .is_some_and(|s| s.init_containers.iter().any(|c| c.name == name));
        if self.is_sidecar(name) {
            format!("sidecar container {name}")
        } else if init {
            format!("init container {name}")
        } else {
            format!("container {name}")
        }
    }

    fn instant(&mut self, t: SimTime, group: &[&'a Record]) {
        // Startup probes that passed since the last instant (or at this one).
        self.resolve_startups(t, Some(group));
        let mut containers: BTreeMap<String, ContainerInstant> = BTreeMap::new();
        // Containers in the order the records first mention them.
        let mut order: Vec<String> = Vec::new();
        // Several status writes can happen at one instant: the transition of the instant
        // runs from the first write's old value to the last write's new one.
        let mut phase: Option<(&str, &str)> = None;
        let mut ready: Option<(&str, &str, &Record)> = None;
        let mut scheduler_spoke = false;
        let mut deadline_exceeded = false;
        let mut binding: Vec<&Record> = Vec::new();
        let mut present_images: Vec<&str> = Vec::new();

        for &record in group {
            match &record.body {
                RecordBody::Created => self.created(t, record),
                RecordBody::Deleted => self.removed(t, group, record),
                RecordBody::Changed { field, from, to } => {
                    if let Some((init, name, attribute)) = container_field(field) {
                        let c = container_entry(&mut containers, &mut order, name);
                        c.init |= init;
                        match attribute {
                            "restartCount" => c.restart_to = Some(count(to)),
                            "state" => {
                                c.state_from.get_or_insert_with(|| from.clone());
                                c.state_to = Some(to.clone());
                            }
                            "lastState" => c.last_state_to = Some(to.clone()),
                            "ready" => c.ready_to = Some(to == "true"),
                            // Its end is told by the exit or the stop that causes it.
                            "started" => c.started_true |= to == "true",
                            _ => self.say(t, Rank::Containers, fallback(record)),
                        }
                        continue;
                    }
                    match field.as_str() {
                        "status.phase" => {
                            phase = Some((phase.map_or(from.as_str(), |(first, _)| first), to))
                        }
                        "status.conditions[Ready]" => {
                            let first = ready.map_or(from.as_str(), |(first, _, _)| first);
                            ready = Some((first, to, record));
                        }
                        "spec.nodeName" | "status.conditions[PodScheduled]" => binding.push(record),
                        "metadata.deletionTimestamp" => self.deletion_started(t, record, to),
                        "status.conditions[DisruptionTarget]"
                            if to.contains("PreemptionByScheduler") =>
                        {
                            self.say(
                                t,
                                Rank::Lifecycle,
                                "chosen as a preemption victim (DisruptionTarget=True, \
                                 PreemptionByScheduler): a pending pod of higher priority needs \
                                 its room on this node, so the scheduler deletes it gracefully."
                                    .to_string(),
                            )
                        }
                        "status.nominatedNodeName" if to != "<none>" => self.say(
                            t,
                            Rank::Lifecycle,
                            format!(
                                "nominated to {to} by a preemption: pods of lower priority are \
                                 removed there and their room is held for this pod until it \
                                 binds."
                            ),
                        ),
                        "status.nominatedNodeName" => self.say(
                            t,
                            Rank::Lifecycle,
                            format!(
                                "nomination to {from} cleared: preemption finds no candidate \
                                 node any more."
                            ),
                        ),
                        _ => self.say(t, Rank::Lifecycle, fallback(record)),
                    }
                }
                RecordBody::Event {
                    reason,
                    message,
                    source,
                    ..
                } => {
                    if source == SCENARIO_SOURCE {
                        if unreferenced_action(self.ctx, record) {
                            self.say(t, Rank::Lifecycle, fallback(record));
                        }
                        continue;
                    }
                    match reason.as_str() {
                        "Scheduled" => {
                            scheduler_spoke = true;
                            self.scheduled(t, record, message, source);
                        }
                        "FailedScheduling" => {
                            scheduler_spoke = true;
                            self.failed_scheduling(t, message, source);
                        }
                        "Pulling" => self.pulling(t, message),
                        "Pulled" if message.contains("already present") => {
                            present_images.extend(quoted(message));
                        }
                        "Pulled" => self.pulled(t, message),
                        "Failed" if message.starts_with("Failed to pull image") => {
                            self.pull_failed(t, message);
                        }
                        // The kubelet's follow-ups of a failed pull, told with the failure.
                        "Failed" if message.starts_with("Error: ") => {}
                        "BackOff" if message.starts_with("Back-off pulling image") => {}
                        "BackOff" => match message
                            .strip_prefix("Back-off restarting failed container ")
                            .and_then(|rest| rest.split_whitespace().next())
                        {
                            Some(name) => {
                                container_entry(&mut containers, &mut order, name).backoffs += 1
                            }
                            None => self.say(t, Rank::Containers, fallback(record)),
                        },
                        "ErrImageNeverPull" => {
                            let image = quoted(message).unwrap_or("its image");
                            self.say(
                                t,
                                Rank::Lifecycle,
                                format!(
                                    "image {image} is not on the node and imagePullPolicy is Never, so the container cannot start here (ErrImageNeverPull)."
                                ),
                            );
                        }
                        "Created" if message.starts_with("Created container") => {}
                        "Started" => match message.strip_prefix("Started container ") {
                            Some(name) => {
                                container_entry(&mut containers, &mut order, name.trim()).started += 1
                            }
                            None => self.say(t, Rank::Containers, fallback(record)),
                        },
                        "Killing" => match killing(message) {
                            Some((name, cause)) => {
                                container_entry(&mut containers, &mut order, name).kills.push((cause, record.id))
                            }
                            None => self.say(t, Rank::Containers, fallback(record)),
                        },
                        "Unhealthy" => match ProbeKind::of_message(message) {
                            Some(kind) => self.failures.push(ProbeFailure {
                                kind,
                                at: t,
                                id: record.id,
                            }),
                            None => self.say(t, Rank::Containers, fallback(record)),
                        },
                        "Evicted" if source == "kubelet" => {
                            self.evicted = true;
                            self.say(
                                t,
                                Rank::Containers,
                                format!(
                                    "the kubelet evicted the pod (node-pressure eviction, k8s-semantics §10.3): {}",
                                    message.trim_end()
                                ),
                            );
                        }
                        "DeadlineExceeded" => {
                            deadline_exceeded = true;
                            self.deadline_exceeded_at = Some(t);
                            self.deadline_exceeded(t, message);
                        }
                        "FailedPreStopHook" => self.say(
                            t,
                            Rank::Containers,
                            format!(
                                "the preStop hook failed ({message}); the kubelet sends TERM anyway."
                            ),
                        ),
                        _ => self.say(t, Rank::Lifecycle, fallback(record)),
                    }
                }
                _ => {}
            }
        }
        // Binding records are told by the scheduler's event; alone, they get plain words.
        if !scheduler_spoke {
            for record in binding {
                self.say(t, Rank::Lifecycle, fallback(record));
            }
        }
        self.ready_changes.clear();
        // A container's exit comes before the start it allows (an init container that
        // completes lets the app containers start), and the app containers' exits before
        // the stop of the sidecars they cause.
        order.sort_by_key(|name| {
            let Some(c) = containers.get(name) else {
                return 2;
            };
            let sidecar_stop =
                self.is_sidecar(name) && c.kills.iter().any(|(cause, _)| *cause == KillCause::Stop);
            let exits = c.backoffs > 0
                || c.started_true
                || !c.kills.is_empty()
                || c.state_to
                    .as_deref()
                    .is_some_and(|s| s.starts_with("terminated"));
            if sidecar_stop {
                1
            } else if exits {
                0
            } else {
                2
            }
        });
        for name in order {
            if let Some(c) = containers.remove(&name) {
                let present = self
                    .container_spec(&name)
                    .map(|spec| spec.image.as_str())
                    .filter(|image| present_images.contains(image));
                self.container_instant(t, &name, c, present);
            }
        }
        if let Some((from, to)) = phase.filter(|(from, to)| from != to) {
            self.phase_changed(t, from, to, deadline_exceeded);
        }
        if let Some((from, to, record)) = ready {
            self.ready_changed(t, from, to, record);
        }
    }

    fn created(&mut self, t: SimTime, record: &Record) {
        let name = &self.ctx.object.key.name;
        // A ReplicaSet names the pod it created in its SuccessfulCreate event.
        let creator = replicaset_event_at(
            self.ctx.timeline,
            t,
            "SuccessfulCreate",
            &format!("Created pod: {name}"),
        );
        let text = match creator {
            Some(event) => {
                let rs = &event.object;
                let mut text = format!(
                    "created by {rs} (SuccessfulCreate): the replica set had fewer pods than its spec.replicas"
                );
                if let Some(scaled) = scaling_event_for(self.ctx.timeline, &rs.key.name, t) {
                    text.push_str(&format!(", after {}", scaling_phrase(scaled)));
                }
                format!("{text}.")
            }
            None => format!("{}.", created_phrase(self.ctx, record)),
        };
        self.say(t, Rank::Lifecycle, text);
    }

    fn scheduled(&mut self, t: SimTime, record: &Record, message: &str, source: &str) {
        let node = message
            .rsplit_once(" to ")
            .map_or("a node", |(_, node)| node.trim());
        let mut text = format!("scheduled to {node} by {source}");
        if let Some(since) = self.unschedulable_since.take() {
            text.push_str(&format!(
                ", after {} unschedulable",
                t.saturating_since(since)
            ));
            if let Some(cause) = cause_phrase(self.ctx, record) {
                text.push_str(&format!(": the retry succeeded {cause}"));
            }
        }
        self.say(t, Rank::Lifecycle, format!("{text}."));
    }

    fn failed_scheduling(&mut self, t: SimTime, message: &str, source: &str) {
        let text = if self.unschedulable_since.is_some() {
            format!("still unschedulable, for another reason ({source}): {message}")
        } else {
            format!(
                "could not be scheduled ({source}): {message} The scheduler tries again after a back-off (1s doubling to 10s) and whenever the cluster changes."
            )
        };
        self.unschedulable_since.get_or_insert(t);
        self.say(t, Rank::Lifecycle, text);
    }

    fn pulling(&mut self, t: SimTime, message: &str) {
        let image = quoted(message).unwrap_or("its image").to_string();
        let policy = self
            .spec()
            .and_then(|s| {
                s.containers
                    .iter()
                    .chain(&s.init_containers)
                    .find(|c| c.image == image)
            })
            .map(|c| c.image_pull_policy.as_str());
        let track = self.pulls.entry(image.clone()).or_default();
        track.attempts += 1;
        let text = if track.attempts > 1 {
            format!("pulling image {image} again (attempt {}).", track.attempts)
        } else {
            match policy {
                Some("Always") => {
                    format!("pulling image {image} (imagePullPolicy Always pulls at every start).")
                }
                Some(policy) => format!(
                    "pulling image {image}: it is not on the node yet (imagePullPolicy {policy})."
                ),
                None => format!("pulling image {image}."),
            }
        };
        self.say(t, Rank::Lifecycle, text);
    }

    fn pulled(&mut self, t: SimTime, message: &str) {
        let image = quoted(message).unwrap_or("its image").to_string();
        self.pulls.entry(image.clone()).or_default().next_backoff = None;
        let took = message
            .split_once("\" in ")
            .and_then(|(_, rest)| rest.split_whitespace().next());
        let text = match took {
            Some(took) => format!("image {image} pulled in {took}."),
            None => format!("image {image} pulled."),
        };
        self.say(t, Rank::Lifecycle, text);
    }

    fn pull_failed(&mut self, t: SimTime, message: &str) {
        let image = quoted(message).unwrap_or("its image").to_string();
        let detail = message.rsplit(": ").next().unwrap_or("").trim();
        let detail = if detail.is_empty() || detail == message {
            String::new()
        } else {
            format!(": {detail}")
        };
        // The next attempt as the records show it, or as the back-off rule predicts it.
        let next = self.ctx.records.iter().find(|r| {
            r.time > t
                && matches!(&r.body, RecordBody::Event { reason, message, .. }
                    if reason == "Pulling" && quoted(message) == Some(image.as_str()))
        });
        let track = self.pulls.entry(image.clone()).or_default();
        let wait = next.map_or(
            track.next_backoff.unwrap_or(IMAGE_PULL_BACKOFF_INITIAL),
            |r| r.time.saturating_since(t),
        );
        track.next_backoff = Some(wait.saturating_mul(2).min(IMAGE_PULL_BACKOFF_MAX));
        self.say(
            t,
            Rank::Lifecycle,
            format!(
                "pulling image {image} failed (ErrImagePull{detail}); next pull attempt in {wait}, at {} (image pull back-off {} doubling to {}); meanwhile the container waits in ImagePullBackOff.",
                t.saturating_add(wait),
                seconds(IMAGE_PULL_BACKOFF_INITIAL),
                seconds(IMAGE_PULL_BACKOFF_MAX)
            ),
        );
    }

    fn deadline_exceeded(&mut self, t: SimTime, message: &str) {
        let deadline = self.spec().and_then(|s| s.active_deadline_seconds);
        let start = self.pod.and_then(|p| p.status.start_time);
        let text = match (deadline, start) {
            (Some(seconds), Some(start)) => format!(
                "the kubelet failed the pod: it started at {start} and activeDeadlineSeconds is {seconds}, so its time ran out at {} ({message}; DeadlineExceeded).",
                start.saturating_add(SimDuration::from_secs(seconds))
            ),
            _ => format!("the kubelet failed the pod: {message} (DeadlineExceeded)."),
        };
        self.say(t, Rank::Lifecycle, text);
    }

    fn deletion_started(&mut self, t: SimTime, record: &Record, to: &str) {
        if to == "<none>" {
            self.say(t, Rank::Lifecycle, fallback(record));
            return;
        }
        let deadline = parse_go_duration(to).ok().map(|d| SimTime::ZERO + d);
        self.deletion = Some((t, deadline));
        let name = &self.ctx.object.key.name;
        let by_replicaset = replicaset_event_at(
            self.ctx.timeline,
            t,
            "SuccessfulDelete",
            &format!("Deleted pod: {name}"),
        );
        let by_action = self.ctx.records.iter().find_map(|r| match &r.body {
            RecordBody::Event {
                source, message, ..
            } if Some(r.id) == record.cause && source == SCENARIO_SOURCE => Some(message),
            _ => None,
        });
        let mut text = match (by_replicaset, by_action) {
            (Some(event), _) => {
                let rs = &event.object;
                let mut text = format!(
                    "deleted by {rs} (SuccessfulDelete): the replica set had more pods than its spec.replicas"
                );
                if let Some(scaled) = scaling_event_for(self.ctx.timeline, &rs.key.name, t) {
                    text.push_str(&format!(", after {}", scaling_phrase(scaled)));
                }
                text
            }
            (None, Some(action)) => format!("deleted by `{action}`"),
            (None, None) => match cause_phrase(self.ctx, record) {
                Some(cause) => format!("deleted {cause}"),
                None => "deleted".to_string(),
            },
        };
        let lost_node = self
            .spec()
            .and_then(|s| s.node_name.as_deref())
            .filter(|n| node_failure::unreachable_at(self.ctx.timeline, n, t));
        if let Some(node) = lost_node {
            text.push_str(&node_failure::stays_terminating(node));
        } else if let Some(deadline) = deadline {
            let grace = deadline.saturating_since(t);
            let overridden = by_action.is_some_and(|a| a.contains("--grace-period"));
            let source = match self.spec().map(|s| s.termination_grace_period_seconds) {
                Some(g) if g == grace.as_secs() => format!(" (terminationGracePeriodSeconds {g})"),
                Some(g) => {
                    format!(" (the delete request overrides terminationGracePeriodSeconds {g})")
                }
                None if overridden => " (--grace-period)".to_string(),
                None => " (terminationGracePeriodSeconds)".to_string(),
            };
            let hooks = self.spec().map(|s| {
                s.containers
                    .iter()
                    .chain(&s.init_containers)
                    .any(|c| c.pre_stop.is_some())
            });
            let to = if self.sidecars().is_empty() {
                "each container"
            } else {
                "the app containers, then to the sidecars once the app containers have stopped,"
            };
            let rule = if hooks == Some(false) && grace > SimDuration::ZERO {
                format!("the kubelet sends TERM to {to} and KILL at {deadline} to any container still running")
            } else {
                format!(
                    "the kubelet runs the preStop hooks first, then sends TERM to {to} and KILL at {deadline} to any container still running (never sooner than {} after TERM)",
                    seconds(MINIMUM_GRACE)
                )
            };
            text.push_str(&format!(
                "; grace period {}{source}: {rule}",
                seconds(grace)
            ));
        }
        // Startup probes stop when the pod terminates (k8s-semantics §1.11).
        for track in self.containers.values_mut() {
            track.startup_pending = None;
        }
        self.say(t, Rank::Lifecycle, format!("{text}."));
    }

    fn removed(&mut self, t: SimTime, group: &[&Record], record: &Record) {
        self.removed_at = Some(t);
        let action = group.iter().find_map(|r| match &r.body {
            RecordBody::Event {
                source, message, ..
            } if source == SCENARIO_SOURCE && Some(r.id) == record.cause => Some(message),
            _ => None,
        });
        let text = if let Some((since, _)) = self.deletion {
            let when = match t.saturating_since(since) {
                SimDuration::ZERO => "as soon as the deletion started".to_string(),
                took => format!("{took} after the deletion started"),
            };
            format!(
                "removed from the API server: its containers had all stopped, {when}, so the kubelet finished the graceful deletion."
            )
        } else if let Some(action) = action {
            format!(
                "removed at once by `{action}`: an unscheduled or finished pod, or a grace period of 0, skips graceful termination."
            )
        } else {
            let node_gone = self
                .ctx
                .timeline
                .cause_chain(record.id)
                .iter()
                .any(|r| r.object.kind == Kind::Node && r.body == RecordBody::Deleted);
            match cause_phrase(self.ctx, record) {
                Some(cause) if node_gone => format!(
                    "removed by the pod garbage collector {cause}: the pods of a node that no longer exists are deleted after a {ORPHAN_QUARANTINE_SECONDS}s quarantine."
                ),
                Some(cause) => format!("removed from the API server {cause}."),
                None => "removed from the API server.".to_string(),
            }
        };
        self.say(t, Rank::Removal, text);
    }

    /// The failures of probe `kind` that led to a kill or a readiness flip at `t`, as
    /// instants: the recorded ones, completed by the rule (consecutive failures are one
    /// period apart) when fewer were recorded than the threshold. Earlier failures of that
    /// kind, outside the run that counted, are told as having come to nothing.
    fn take_failures(
        &mut self,
        kind: ProbeKind,
        t: SimTime,
        before: RecordId,
        probe: Option<&Probe>,
    ) -> Vec<SimTime> {
        let run = probe.map(|p| {
            SimDuration::from_secs(u64::from(p.period_seconds))
                .saturating_mul(u64::from(p.failure_threshold))
        });
        let mut counted = Vec::new();
        let mut earlier = Vec::new();
        self.failures.retain(|f| {
            if f.kind != kind || f.at > t || f.id > before {
                return true;
            }
            if run.is_none_or(|run| t.saturating_since(f.at) < run) {
                counted.push(f.at);
            } else {
                earlier.push(f.at);
            }
            false
        });
        if !earlier.is_empty() {
            self.tell_unfinished(kind, &earlier, probe);
        }
        let Some(probe) = probe else {
            return counted;
        };
        let threshold = probe.failure_threshold.max(1) as usize;
        if counted.len() >= threshold {
            return counted.split_off(counted.len() - threshold);
        }
        let period = SimDuration::from_secs(u64::from(probe.period_seconds));
        let span = period.saturating_mul(threshold as u64 - 1);
        if t.as_millis() < span.as_millis() {
            // The records and the rule disagree; say only what was recorded.
            return counted;
        }
        (0..threshold)
            .map(|i| {
                let back = period.saturating_mul((threshold - 1 - i) as u64);
                SimTime(t.as_millis() - back.as_millis())
            })
            .collect()
    }

    /// Failures of a probe that did not reach its threshold.
    fn tell_unfinished(&mut self, kind: ProbeKind, times: &[SimTime], probe: Option<&Probe>) {
        let Some(&last) = times.last() else {
            return;
        };
        let threshold = probe.map_or(String::new(), |p| {
            format!(
                ", fewer than failureThreshold {} in a row",
                p.failure_threshold
            )
        });
        let effect = match kind {
            ProbeKind::Readiness => "readiness did not change",
            ProbeKind::Liveness | ProbeKind::Startup => "nothing was restarted",
        };
        self.say(
            last,
            Rank::Containers,
            format!(
                "the {} probe failed at {}{threshold}, so {effect}.",
                kind.name(),
                list_instants(times)
            ),
        );
    }

    /// Failures of a probe whose run may still reach its threshold after the end of the
    /// story: the next tick has not come yet (or the container is not started yet).
    fn tell_in_progress(&mut self, kind: ProbeKind, times: &[SimTime], container: &Container) {
        let (Some(&last), Some(probe)) = (times.last(), kind.of(container)) else {
            return;
        };
        let label = self.container_label(&container.name);
        let n = times.len();
        let threshold = probe.failure_threshold.max(1) as usize;
        let period = SimDuration::from_secs(u64::from(probe.period_seconds.max(1)));
        let text = match kind {
            ProbeKind::Startup => {
                let mut waiting = match (
                    container.liveness_probe.is_some(),
                    container.readiness_probe.is_some(),
                ) {
                    (true, true) => ", so its liveness and readiness probes do not run",
                    (true, false) => ", so its liveness probe does not run",
                    (false, true) => ", so its readiness probe does not run",
                    (false, false) => "",
                }
                .to_string();
                if self.is_sidecar(&container.name) {
                    waiting.push_str(", and the containers after it wait");
                }
                format!(
                    "the startup probe of {label} has failed {} so far ({}); {} failures in a row (failureThreshold {}, periodSeconds {}) would restart the container. Until it passes, the container is not started{waiting}.",
                    times_word(n),
                    span(times),
                    probe.failure_threshold,
                    probe.failure_threshold,
                    probe.period_seconds
                )
            }
            ProbeKind::Liveness | ProbeKind::Readiness => {
                let more = threshold.saturating_sub(n);
                let next: Vec<SimTime> = (1..=more as u64)
                    .map(|k| last.saturating_add(period.saturating_mul(k)))
                    .collect();
                let effect = if kind == ProbeKind::Liveness {
                    "would restart the container"
                } else {
                    "would make it not ready"
                };
                format!(
                    "the {} probe of {label} failed at {}: {n} of failureThreshold {} in a row so far (periodSeconds {}); {more} more, at {}, {effect}.",
                    kind.name(),
                    list_instants(times),
                    probe.failure_threshold,
                    probe.period_seconds,
                    list_instants(&next)
                )
            }
        };
        self.say(last, Rank::Containers, text);
    }

    /// Failures no kill or readiness change accounted for by the end of the story.
    fn leftover_failures(&mut self) {
        for kind in ProbeKind::ALL {
            let times: Vec<SimTime> = self
                .failures
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| f.at)
                .collect();
            // The threshold is known when one container only has such a probe.
            let prober = self.sole_prober(kind);
            if let (Some(container), Some(&last)) = (prober, times.last()) {
                let track = self.containers.get(&container.name);
                let running = track.is_some_and(|c| c.running && c.kill.is_none())
                    && self.removed_at.is_none();
                let period = kind.of(container).map_or(SimDuration::ZERO, |p| {
                    SimDuration::from_secs(u64::from(p.period_seconds.max(1)))
                });
                let in_progress = match kind {
                    ProbeKind::Startup => {
                        running && track.is_some_and(|c| c.startup_pending.is_some())
                    }
                    ProbeKind::Liveness => {
                        running
                            && self.deletion.is_none()
                            && last.saturating_add(period) > self.ctx.at
                    }
                    ProbeKind::Readiness => running && last.saturating_add(period) > self.ctx.at,
                };
                if in_progress {
                    self.tell_in_progress(kind, &times, container);
                    continue;
                }
            }
            let probe = prober.and_then(|c| kind.of(c));
            self.tell_unfinished(kind, &times, probe);
        }
        self.failures.clear();
    }

    /// The end of the story: startup probes that passed since the last record, the TERM
    /// that ended a preStop hook, probe failures nothing accounted for.
    fn finish(&mut self) {
        self.resolve_startups(self.ctx.at, None);
        let names: Vec<String> = self.containers.keys().cloned().collect();
        for name in names {
            let Some(kill) = self.containers.get(&name).and_then(|c| c.kill.clone()) else {
                continue;
            };
            let due = kill
                .term_at()
                .is_some_and(|term| term > kill.at && term <= self.ctx.at);
            if kill.told && !kill.term_told && due {
                self.tell_term(&name, &kill);
                if let Some(k) = self.containers.get_mut(&name).and_then(|c| c.kill.as_mut()) {
                    k.term_told = true;
                }
            }
        }
        self.leftover_failures();
    }

    /// Startup probes that passed by `now`. A startup worker probes at every tick until
    /// the container is started, and each failure is an `Unhealthy` event; so the probe
    /// passed one period after its last failure (or at its first tick), unless a record
    /// at that instant says otherwise. `group` holds the records of `now` when `now` is an
    /// instant still to be read; at the end of the story it is `None`.
    fn resolve_startups(&mut self, now: SimTime, group: Option<&[&Record]>) {
        if self.started_recorded {
            return;
        }
        let pending: Vec<(String, SimTime)> = self
            .containers
            .iter()
            .filter_map(|(name, c)| c.startup_pending.map(|since| (name.clone(), since)))
            .collect();
        for (name, since) in pending {
            let probe = self
                .sole_prober(ProbeKind::Startup)
                .filter(|c| c.name == name)
                .and_then(|c| c.startup_probe.as_ref());
            let Some(probe) = probe else {
                // The failures cannot be told apart from another container's.
                if let Some(track) = self.containers.get_mut(&name) {
                    track.startup_pending = None;
                }
                continue;
            };
            let failures: Vec<SimTime> = self
                .failures
                .iter()
                .filter(|f| f.kind == ProbeKind::Startup && f.at >= since)
                .map(|f| f.at)
                .collect();
            let period = SimDuration::from_secs(u64::from(probe.period_seconds.max(1)));
            let passed_at = match failures.last() {
                Some(&last) => last.saturating_add(period),
                None => match TickPlan::for_probe(probe, since).first_tick() {
                    Some(first) => first,
                    None => continue,
                },
            };
            let due = match group {
                None => passed_at <= now,
                Some(group) => {
                    passed_at < now
                        || (passed_at == now && !group.iter().any(|r| stops_startup(r, &name)))
                }
            };
            if !due {
                continue;
            }
            self.failures
                .retain(|f| !(f.kind == ProbeKind::Startup && f.at >= since && f.at < passed_at));
            if let Some(track) = self.containers.get_mut(&name) {
                track.startup_pending = None;
            }
            self.tell_startup(passed_at, &name, Some(&failures), Some(probe));
        }
    }

    /// `the startup probe of container app passed after 12 failures ...`.
    fn tell_startup(
        &mut self,
        at: SimTime,
        name: &str,
        failures: Option<&[SimTime]>,
        probe: Option<&Probe>,
    ) {
        let label = self.container_label(name);
        let tried = match (failures, probe) {
            (Some([]), _) => " at its first try".to_string(),
            (Some(failures), Some(probe)) => format!(
                " after {} ({}), fewer than failureThreshold {} in a row (periodSeconds {})",
                failures_word(failures.len()),
                span(failures),
                probe.failure_threshold,
                probe.period_seconds
            ),
            (Some(failures), None) => {
                format!(
                    " after {} ({})",
                    failures_word(failures.len()),
                    span(failures)
                )
            }
            (None, _) => String::new(),
        };
        let mut next = Vec::new();
        if let Some(c) = self.container_spec(name) {
            match (c.liveness_probe.is_some(), c.readiness_probe.is_some()) {
                (true, true) => next.push("its liveness and readiness probes start now"),
                (true, false) => next.push("its liveness probe starts now"),
                (false, true) => next.push("its readiness probe starts now"),
                (false, false) => {}
            }
        }
        if self.is_sidecar(name) {
            next.push("the containers after it can start now");
        }
        let next = if next.is_empty() {
            String::new()
        } else {
            format!(", so {}", next.join(" and "))
        };
        self.say(
            at,
            Rank::Containers,
            format!("the startup probe of {label} passed{tried}: the container is started{next}."),
        );
    }

    /// The grace period of a kill of `container` at `t`, and where it comes from.
    fn kill_grace(
        &self,
        container: &str,
        cause: KillCause,
        t: SimTime,
    ) -> (Option<SimDuration>, String) {
        let pod_grace = self.spec().map(|s| s.termination_grace_period_seconds);
        let from_pod = || match pod_grace {
            Some(g) => (
                Some(SimDuration::from_secs(g)),
                format!("terminationGracePeriodSeconds {g}"),
            ),
            None => (None, String::new()),
        };
        match cause {
            KillCause::Probe(kind) => {
                match self
                    .probe(container, kind)
                    .and_then(|p| p.termination_grace_period_seconds)
                {
                    Some(g) => (
                        Some(SimDuration::from_secs(g)),
                        format!(
                            "the {} probe's own terminationGracePeriodSeconds {g}",
                            kind.name()
                        ),
                    ),
                    None => from_pod(),
                }
            }
            KillCause::Stop => match self.deletion {
                Some((start, Some(deadline))) => {
                    let left = deadline.saturating_since(t);
                    let source = if t > start {
                        format!("what is left of the deletion's grace period, until {deadline}")
                    } else {
                        match pod_grace {
                            Some(g) if g == left.as_secs() => {
                                format!("terminationGracePeriodSeconds {g}")
                            }
                            Some(_) => "the delete request's grace period".to_string(),
                            None => String::new(),
                        }
                    };
                    (Some(left), source)
                }
                _ => from_pod(),
            },
        }
    }

    /// The preStop hook of `container`, as the kubelet runs it with grace `grace`.
    fn hook_of(&self, container: &str, grace: Option<SimDuration>) -> Hook {
        let (Some(source), Some(spec)) = (self.ctx.source, self.container_spec(container)) else {
            return Hook::Unknown;
        };
        let Some(hook) = &spec.pre_stop else {
            return Hook::None;
        };
        if grace == Some(SimDuration::ZERO) {
            return Hook::None;
        }
        let configured = || {
            self.ctx
                .book
                .resolve(
                    source.namespace,
                    source.labels,
                    source.annotations,
                    container,
                )
                .ok()
                .map(|b| b.pre_stop_takes)
        };
        let (kind, takes) = match hook {
            HookHandler::Sleep(n) => {
                return Hook::Known {
                    what: format!("preStop sleep {n}s"),
                    takes: Some(SimDuration::from_secs(*n)),
                }
            }
            HookHandler::Exec(_) => ("exec", configured()),
            HookHandler::HttpGet { .. } => ("httpGet", configured()),
        };
        Hook::Known {
            what: match takes {
                Some(d) => format!("preStop {kind} hook ({d})"),
                None => format!("preStop {kind} hook"),
            },
            takes,
        }
    }

    fn make_kill(&self, t: SimTime, container: &str, cause: KillCause, verdict: String) -> Kill {
        let (grace, grace_source) = self.kill_grace(container, cause, t);
        let hook = self.hook_of(container, grace);
        Kill {
            at: t,
            cause,
            verdict,
            told: false,
            grace,
            grace_source,
            hook,
            term_told: false,
        }
    }

    /// A kill whose exit comes at a later instant, told at its start: what the kubelet
    /// does now (preStop hook or TERM) and when KILL comes.
    fn kill_start_sentence(&self, label: &str, kill: &Kill) -> String {
        let (lead, who) = match kill.cause {
            KillCause::Probe(_) => (
                format!("{label} is being killed because {}", kill.verdict),
                "the kubelet",
            ),
            KillCause::Stop => (format!("the kubelet began stopping {label}"), "it"),
        };
        let grace = kill.grace_phrase();
        let minimum = seconds(MINIMUM_GRACE);
        let (term, kill_at, end) = (kill.term_at(), kill.kill_at(), kill.grace_end());
        match (&kill.hook, term, kill_at, end) {
            (Hook::None, _, Some(k), Some(end)) if k > end => format!(
                "{lead}: {who} sent TERM; KILL follows at {k} if it is still running then: the {grace} ends sooner, but the kubelet leaves at least {minimum} between TERM and KILL."
            ),
            (Hook::None, _, Some(k), _) => format!(
                "{lead}: {who} sent TERM; KILL follows at {k}, the end of the {grace}, if it is still running then."
            ),
            (Hook::None, _, None, _) => format!("{lead}: {who} sent TERM."),
            (Hook::Known { .. }, Some(term), Some(k), _) if kill.hook_cut() => format!(
                "{lead}: its {} runs first, but the {grace} is shorter, so the kubelet will cut the hook at {term} and send TERM then; KILL follows {minimum} later, at {k}, if it is still running (the kubelet's {minimum} minimum between TERM and KILL).",
                kill.hook_what()
            ),
            (Hook::Known { .. }, Some(term), Some(k), Some(end)) if k > end => format!(
                "{lead}: its {} runs first, and TERM follows when it ends, at {term}; KILL follows {minimum} later, at {k}, if it is still running: the {grace} ends sooner, but the kubelet leaves at least {minimum} between TERM and KILL.",
                kill.hook_what()
            ),
            (Hook::Known { .. }, Some(term), Some(k), _) => format!(
                "{lead}: its {} runs first, and TERM follows when it ends, at {term}; KILL follows at {k} if it is still running then: the {grace} counts the hook's time.",
                kill.hook_what()
            ),
            (Hook::Known { .. }, _, _, end) => format!(
                "{lead}: its {} runs first, and TERM follows when it ends; KILL follows at the end of the {grace}{}, never sooner than {minimum} after TERM, if it is still running then.",
                kill.hook_what(),
                end.map_or(String::new(), |end| format!(", {end}"))
            ),
            (Hook::Unknown, _, _, end) => format!(
                "{lead}: {who} runs the container's preStop hook, if it has one, then sends TERM; KILL follows at the end of the {grace}{}, never sooner than {minimum} after TERM, if it is still running then.",
                end.map_or(String::new(), |end| format!(", {end}"))
            ),
        }
    }

    /// The TERM that ends a preStop hook (at a later instant than the kill).
    fn tell_term(&mut self, name: &str, kill: &Kill) {
        let (Some(term), Some(k)) = (kill.term_at(), kill.kill_at()) else {
            return;
        };
        let label = self.container_label(name);
        let minimum = seconds(MINIMUM_GRACE);
        let text = if kill.hook_cut() {
            format!(
                "the {} of {label} was still running at the end of the {}: the kubelet cut it and sent TERM; KILL follows {minimum} later, at {k}, if it is still running (the kubelet's {minimum} minimum between TERM and KILL).",
                kill.hook_what(),
                kill.grace_phrase()
            )
        } else {
            format!(
                "the {} of {label} ended, so the kubelet sent TERM.",
                kill.hook_what()
            )
        };
        self.say(term, Rank::Containers, text);
    }

    /// How long the kubelet waits before restarting a container that backed off at `t`:
    /// the restart the records show, else the wait the kubelet published in the
    /// container's status, else the rule's prediction. The flag says whether it was seen.
    fn backoff_wait(
        &self,
        t: SimTime,
        name: &str,
        predicted: Option<SimDuration>,
    ) -> (SimDuration, bool) {
        let restart = self.ctx.records.iter().find(|r| {
            r.time > t
                && matches!(&r.body, RecordBody::Changed { field, .. }
                    if container_field(field).is_some_and(|(_, n, a)| n == name && a == "restartCount"))
        });
        if let Some(r) = restart {
            return (r.time.saturating_since(t), true);
        }
        let published = self.pod.and_then(|p| {
            p.status
                .container_statuses
                .iter()
                .chain(&p.status.init_container_statuses)
                .find(|c| c.name == name)
                .and_then(|c| match &c.state {
                    ContainerState::Waiting { reason, message } if reason == "CrashLoopBackOff" => {
                        message
                            .strip_prefix("back-off ")
                            .and_then(|rest| rest.split_whitespace().next())
                            .and_then(|d| parse_go_duration(d).ok())
                    }
                    _ => None,
                })
        });
        (published.or(predicted).unwrap_or(BACKOFF_INITIAL), false)
    }

    /// Everything one instant's records say about container `name`: its first start, the
    /// kills announced, the restarts after a back-off, each exit and what the kubelet did
    /// about it. Exits are counted, not assumed: a status write can coalesce an exit with
    /// an immediate restart and a second exit into one record of the restart count.
    fn container_instant(
        &mut self,
        t: SimTime,
        name: &str,
        c: ContainerInstant,
        image_present: Option<&str>,
    ) {
        // The label reads whether the container is an init container, so that is kept
        // first; the rest of the track is updated on a copy and stored at the end.
        let mut track = {
            let entry = self.containers.entry(name.to_string()).or_default();
            entry.init |= c.init;
            entry.clone()
        };
        let label = self.container_label(name);
        let sidecar = self.is_sidecar(name);

        if c.started > 0 && !track.started {
            track.started = true;
            let note = image_present.map_or(String::new(), |image| {
                format!(" (image {image} was already on the node)")
            });
            let role = if !sidecar {
                String::new()
            } else if self.probe(name, ProbeKind::Startup).is_some() {
                "; as a sidecar (restartPolicy Always) it keeps running next to the app containers, and the containers after it wait until its startup probe passes".to_string()
            } else {
                "; as a sidecar (restartPolicy Always) it keeps running next to the app containers"
                    .to_string()
            };
            self.say(t, Rank::Containers, format!("{label} started{note}{role}."));
        }

        // The startup probe passed (the kubelet publishes `started`).
        if c.started_true {
            if let Some(since) = track.startup_pending.take() {
                let sole = self
                    .sole_prober(ProbeKind::Startup)
                    .is_some_and(|p| p.name == name);
                let failures: Option<Vec<SimTime>> = sole.then(|| {
                    let mut mine = Vec::new();
                    self.failures.retain(|f| {
                        let taken = f.kind == ProbeKind::Startup && f.at >= since && f.at < t;
                        if taken {
                            mine.push(f.at);
                        }
                        !taken
                    });
                    mine
                });
                let probe = self.probe(name, ProbeKind::Startup);
                self.tell_startup(t, name, failures.as_deref(), probe);
            }
        }

        // Kills announced at this instant: the probe failures behind them count now.
        for (cause, id) in &c.kills {
            let verdict = match cause {
                KillCause::Probe(kind) => {
                    let probe = self.probe(name, *kind);
                    let failures = self.take_failures(*kind, t, *id, probe);
                    format!(
                        "its {} probe {}",
                        kind.name(),
                        probe_verdict(&failures, probe)
                    )
                }
                KillCause::Stop => String::new(),
            };
            if *cause == KillCause::Stop && sidecar && !self.sidecars_stopping {
                self.sidecars_stopping = true;
                let text = if self.deletion.is_some() || self.deadline_exceeded_at.is_some() {
                    "the app containers have stopped, so the kubelet now stops the sidecars, the last one first (k8s-semantics §3.2)."
                } else {
                    "every app container has finished, so the kubelet stops the sidecars, the last one first: a sidecar never keeps a finished pod running (k8s-semantics §2.9)."
                };
                self.say(t, Rank::Containers, text);
            }
            track.startup_pending = None;
            track.kill = Some(self.make_kill(t, name, *cause, verdict));
        }

        let published = c.restart_to.unwrap_or(track.restart_count);
        let mut restarts = published.saturating_sub(track.restart_count);
        let mut restart_count = track.restart_count;
        if restarts > 0 {
            if let Some(since) = track.backoff_since.take() {
                restarts -= 1;
                restart_count += 1;
                self.say(
                    t,
                    Rank::Containers,
                    format!(
                        "{label} restarted after waiting {} in CrashLoopBackOff (restartCount {restart_count}).",
                        t.saturating_since(since)
                    ),
                );
            }
        }

        let was_running =
            track.running || c.started > 0 || c.state_from.as_deref() == Some("running");
        let terminal = was_running
            && c.state_to
                .as_deref()
                .is_some_and(|s| s.starts_with("terminated"));
        let mut exits: Vec<Exit> = Vec::new();
        exits.extend(std::iter::repeat_n(
            Exit::RestartedAtOnce,
            restarts as usize,
        ));
        exits.extend(std::iter::repeat_n(Exit::BackedOff, c.backoffs));
        if terminal {
            exits.push(Exit::NotRestarted);
        }
        if !exits.is_empty() {
            track.startup_pending = None;
            track.last_exit = Some(t);
        }
        // How long the instance that exited first had run (one started now ran 0s).
        let ran = if c.started > 0 {
            Some(SimDuration::ZERO)
        } else {
            track.running_since.map(|since| t.saturating_since(since))
        };
        let last_state = c.last_state_to.clone().or_else(|| track.last_state.clone());
        for (i, exit) in exits.iter().enumerate() {
            // The first exit of the instant is the one a kill in progress was waiting for.
            let kill = if i == 0 { track.kill.take() } else { None };
            let state = match exit {
                Exit::NotRestarted => c.state_to.as_deref(),
                Exit::RestartedAtOnce | Exit::BackedOff => last_state.as_deref(),
            };
            let terminated = state.and_then(terminated_parts);
            if let (Some(kill), Some((_, code))) = (kill.as_ref(), terminated.as_ref()) {
                if kill.told && !kill.term_told && term_came_first(kill, t, *code) {
                    self.tell_term(name, kill);
                }
            }
            let exit_text =
                self.exit_sentence(t, name, &label, kill.as_ref(), terminated.as_ref(), i > 0);
            match exit {
                Exit::RestartedAtOnce => {
                    self.say(t, Rank::Containers, format!("{exit_text}."));
                    restart_count += 1;
                    let why = if restart_count == 1 {
                        "the first restart of a container is never delayed".to_string()
                    } else {
                        format!(
                            "it had run for more than {} since its last restart, so the back-off starts over",
                            seconds(BACKOFF_RESET)
                        )
                    };
                    self.say(
                        t,
                        Rank::Containers,
                        format!("{label} restarted at once (restartCount {restart_count}): {why}."),
                    );
                    track.next_backoff = Some(BACKOFF_INITIAL);
                }
                Exit::BackedOff => {
                    let (wait, seen) = self.backoff_wait(t, name, track.next_backoff);
                    track.next_backoff = Some(wait.saturating_mul(2).min(BACKOFF_MAX));
                    track.backoff_since = Some(t);
                    let until = if seen {
                        String::new()
                    } else {
                        format!(", until {}", t.saturating_add(wait))
                    };
                    // A container that ran for minutes before this exit: why that did
                    // not reset the back-off.
                    let not_reset = match ran.filter(|ran| i == 0 && *ran >= BACKOFF_MAX) {
                        Some(ran) => format!(
                            "; it ran {ran} since its last start, not more than {}, so the back-off was not reset",
                            seconds(BACKOFF_RESET)
                        ),
                        None => String::new(),
                    };
                    let rule = format!(
                        "(CrashLoopBackOff: {} doubling to {}, measured from the exit{not_reset})",
                        seconds(BACKOFF_INITIAL),
                        seconds(BACKOFF_MAX)
                    );
                    if kill.is_some() {
                        self.say(t, Rank::Containers, format!("{exit_text}."));
                        self.say(
                            t,
                            Rank::Containers,
                            format!(
                                "the kubelet waits {wait} before restarting {label}{until} {rule}."
                            ),
                        );
                    } else {
                        self.say(
                            t,
                            Rank::Containers,
                            format!(
                                "{exit_text}; the kubelet waits {wait} before restarting it{until} {rule}."
                            ),
                        );
                    }
                }
                Exit::NotRestarted => {
                    let code = terminated.as_ref().map(|(_, code)| *code);
                    let stopping = self.deletion.is_some()
                        || self.deadline_exceeded_at.is_some()
                        || kill.as_ref().is_some_and(|k| k.cause == KillCause::Stop);
                    let why = if stopping {
                        ""
                    } else if track.init && !sidecar && code == Some(0) {
                        ": it completed, so the next init container (or the app containers) can start"
                    } else if track.init && !sidecar {
                        match self.spec().map(|s| s.restart_policy) {
                            Some(RestartPolicy::Never) => {
                                "; it is not restarted (restartPolicy Never), so the containers after it never start"
                            }
                            _ => "",
                        }
                    } else {
                        match (self.spec().map(|s| s.restart_policy), code) {
                            (Some(RestartPolicy::Never), _) => {
                                "; it is not restarted (restartPolicy Never)"
                            }
                            (Some(RestartPolicy::OnFailure), Some(0)) => {
                                "; it is not restarted (restartPolicy OnFailure restarts only failures)"
                            }
                            _ => "",
                        }
                    };
                    self.say(t, Rank::Containers, format!("{exit_text}{why}."));
                }
            }
        }

        // A kill whose exit is still to come: tell it now, with the deadline.
        if let Some(kill) = track.kill.as_mut().filter(|k| !k.told && k.at == t) {
            kill.told = true;
            let kill = kill.clone();
            let text = self.kill_start_sentence(&label, &kill);
            self.say(t, Rank::Containers, text);
        }

        if let Some(to) = &c.state_to {
            track.running = to == "running";
            track.state = Some(to.clone());
            if !(track.running || terminal || told_by_events(to)) {
                self.say(t, Rank::Containers, format!("{label} is {to}."));
            }
        }
        if c.started > 0 {
            track.running_since = Some(t);
            let running_now = c.state_to.as_deref().is_none_or(|state| state == "running");
            if running_now && self.probe(name, ProbeKind::Startup).is_some() {
                track.startup_pending = Some(t);
            }
        }
        if let Some(state) = c.last_state_to {
            track.last_state = Some(state);
        }
        track.restart_count = published.max(restart_count);
        if let Some(ready) = c.ready_to {
            track.ready = ready;
            self.ready_changes.insert(name.to_string(), ready);
        }
        self.containers.insert(name.to_string(), track);
    }

    /// `container api was killed because ...; it exited with code 143 after TERM`, or
    /// `container app exited with code 1 (Error)`.
    fn exit_sentence(
        &self,
        t: SimTime,
        name: &str,
        label: &str,
        kill: Option<&Kill>,
        terminated: Option<&(String, i32)>,
        again: bool,
    ) -> String {
        let again = if again { " again" } else { "" };
        if let Some((reason, code)) = terminated.filter(|(reason, _)| reason == "OOMKilled") {
            let limit = self
                .container_spec(name)
                .map(|c| c.limits.memory_bytes)
                .filter(|bytes| *bytes > 0)
                .map_or(String::new(), |bytes| {
                    format!(" of {}", format_bytes(bytes))
                });
            return format!(
                "{label} was killed{again} by the kernel's OOM killer: it used more memory than its limit{limit}, and the kernel kills at once, with no TERM and no grace period ({reason}, exit code {code})"
            );
        }
        let Some(kill) = kill else {
            return match terminated {
                Some((reason, code)) if !reason.is_empty() => {
                    format!("{label} exited{again} with code {code} ({reason})")
                }
                Some((_, code)) => format!("{label} exited{again} with code {code}"),
                None => format!("{label} exited{again}"),
            };
        };
        let code = terminated.map(|(_, code)| *code);
        if kill.told {
            // The kill was told at its own instant; now its end.
            return told_kill_end(t, label, kill, code);
        }
        let after = t.saturating_since(kill.at);
        let how = match code {
            Some(EXIT_KILLED) => match kill.grace {
                Some(g) => format!(
                    "it had not exited on TERM, so KILL followed at the end of its {} grace period (exit code {EXIT_KILLED})",
                    seconds(g)
                ),
                None => format!(
                    "it had not exited on TERM, so KILL followed (exit code {EXIT_KILLED})"
                ),
            },
            Some(code) if after == SimDuration::ZERO => {
                format!("it exited with code {code} after TERM")
            }
            Some(code) => format!("it exited with code {code}, {after} after TERM"),
            None => "it exited".to_string(),
        };
        match kill.cause {
            KillCause::Probe(_) => format!("{label} was killed because {}; {how}", kill.verdict),
            KillCause::Stop => {
                let why = if self.is_sidecar(name) {
                    "sidecars stop after the app containers"
                } else if self.deletion.is_some() {
                    "the pod is being deleted"
                } else if self.deadline_exceeded_at.is_some() {
                    "activeDeadlineSeconds ran out"
                } else {
                    "the pod is being stopped"
                };
                format!("the kubelet sent TERM to {label} ({why}); {how}")
            }
        }
    }

    /// Why each container that is not ready is not, from what the story knows of it.
    fn unready_containers(&self) -> Vec<String> {
        self.containers
            .iter()
            .filter(|(_, c)| !c.init && !c.ready)
            .map(|(name, c)| {
                let label = self.container_label(name);
                if !c.running {
                    match c.state.as_deref().filter(|s| s.starts_with("waiting")) {
                        Some(state) => format!("{label} is not running: it is {state}"),
                        None => format!("{label} is not running"),
                    }
                } else if let Some(p) = self.probe(name, ProbeKind::Readiness) {
                    format!(
                        "{label} has not passed its readiness probe yet (successThreshold {}, periodSeconds {})",
                        p.success_threshold, p.period_seconds
                    )
                } else if let Some(p) = self.probe(name, ProbeKind::Startup) {
                    format!(
                        "{label} has not passed its startup probe yet (failureThreshold {}, periodSeconds {}: about {}s to start)",
                        p.failure_threshold,
                        p.period_seconds,
                        u64::from(p.initial_delay_seconds)
                            + u64::from(p.failure_threshold) * u64::from(p.period_seconds)
                    )
                } else {
                    format!("{label} is not ready yet")
                }
            })
            .collect()
    }

    fn phase_changed(&mut self, t: SimTime, from: &str, to: &str, deadline_exceeded: bool) {
        let sidecars = self.sidecars();
        let exit_code = |track: &ContainerTrack| {
            track
                .state
                .as_deref()
                .and_then(terminated_parts)
                .map(|(_, code)| code)
        };
        // Sidecars do not count for the phase (k8s-semantics §2.9); a terminal phase waits
        // until they have stopped.
        let sidecar_note = if sidecars.is_empty() {
            String::new()
        } else {
            let app_done_before = self.spec().is_some_and(|s| {
                s.containers.iter().all(|c| {
                    self.containers
                        .get(&c.name)
                        .and_then(|track| track.last_exit)
                        .is_some_and(|exit| exit < t)
                })
            });
            let failed: Vec<String> = sidecars
                .iter()
                .filter_map(|name| {
                    let code = exit_code(self.containers.get(*name)?)?;
                    (code != 0).then(|| format!("sidecar container {name} exited with code {code}"))
                })
                .collect();
            let mut note = String::new();
            if app_done_before {
                note.push_str("; the kubelet sets the phase once the sidecars have stopped");
            }
            note.push_str(". Sidecars do not count for the phase (k8s-semantics §2.9)");
            if !failed.is_empty() {
                note.push_str(&format!(
                    ", so it does not matter that {}",
                    failed.join(" and ")
                ));
            }
            note
        };
        let init_failed = self.containers.iter().any(|(name, track)| {
            track.init && !self.is_sidecar(name) && exit_code(track).is_some_and(|code| code != 0)
        });
        let app = if sidecars.is_empty() { "" } else { "app " };
        let why = match to {
            "Running" => {
                "the pod is bound and its containers are created; at least one is running or restarting"
                    .to_string()
            }
            "Succeeded" => format!(
                "every {app}container exited with code 0 and none will be restarted{sidecar_note}"
            ),
            "Failed" if deadline_exceeded => {
                "activeDeadlineSeconds ran out (DeadlineExceeded)".to_string()
            }
            "Failed" if self.evicted => {
                "the kubelet evicted it (reason Evicted): an evicted pod is not restarted, and no PodDisruptionBudget was consulted"
                    .to_string()
            }
            "Failed" if self.deletion.is_some() => format!(
                "the pod was deleted and not every {app}container exited with code 0 (a deleted pod ends Succeeded only if all its {app}containers exit 0){sidecar_note}"
            ),
            "Failed" => match self.spec().map(|s| s.restart_policy) {
                Some(RestartPolicy::Never) if init_failed => {
                    "an init container failed and restartPolicy is Never, so the app containers never start"
                        .to_string()
                }
                Some(RestartPolicy::Never) => format!(
                    "a{} container failed and restartPolicy is Never, so nothing runs again{sidecar_note}",
                    if app.is_empty() { "" } else { "n app" }
                ),
                _ => format!("a container failed and will not be restarted{sidecar_note}"),
            },
            _ => {
                self.say(
                    t,
                    Rank::Phase,
                    format!("status.phase changed from {from} to {to}."),
                );
                return;
            }
        };
        self.say(t, Rank::Phase, format!("phase {from} → {to}: {why}."));
    }

    fn ready_changed(&mut self, t: SimTime, from: &str, to: &str, record: &Record) {
        let (status, reason) = condition_parts(to);
        let (was, _) = condition_parts(from);
        if status == was {
            return;
        }
        let first = was == "<none>";
        let changes: Vec<(String, bool)> = std::mem::take(&mut self.ready_changes)
            .into_iter()
            .collect();
        match (status, reason) {
            ("True", _) => {
                let mut reasons = Vec::new();
                for (name, _) in changes.iter().filter(|(_, ready)| *ready) {
                    let label = self.container_label(name);
                    reasons.push(match self.probe(name, ProbeKind::Readiness) {
                        Some(p) => format!(
                            "{label} passed its readiness probe (successThreshold {}, periodSeconds {}{})",
                            p.success_threshold,
                            p.period_seconds,
                            successes(t, p)
                        ),
                        None if self.probe(name, ProbeKind::Startup).is_some() => format!(
                            "{label} is started and has no readiness probe, so it counts as ready"
                        ),
                        None if self.spec().is_some() => format!(
                            "{label} is running and has no readiness probe, so it counts as ready"
                        ),
                        None => format!("{label} became ready"),
                    });
                }
                let why = if reasons.is_empty() {
                    "every container is ready".to_string()
                } else {
                    reasons.join("; ")
                };
                let what = if first {
                    "pod is Ready"
                } else {
                    "pod became Ready"
                };
                self.say(t, Rank::Readiness, format!("{what}: {why}."));
            }
            ("False", "ContainersNotReady") => {
                let mut reasons = Vec::new();
                for (name, _) in changes.iter().filter(|(_, ready)| !*ready) {
                    let label = self.container_label(name);
                    if self.containers.get(name).is_some_and(|c| c.running) {
                        let probe = self.probe(name, ProbeKind::Readiness);
                        let failures =
                            self.take_failures(ProbeKind::Readiness, t, record.id, probe);
                        reasons.push(format!(
                            "the readiness probe of {label} {}",
                            probe_verdict(&failures, probe)
                        ));
                    } else {
                        reasons.push(format!("{label} is not running"));
                    }
                }
                if reasons.is_empty() {
                    reasons = self.unready_containers();
                }
                let why = if reasons.is_empty() {
                    "a container is not ready (ContainersNotReady)".to_string()
                } else {
                    reasons.join("; ")
                };
                let what = if first {
                    "pod is not Ready yet"
                } else {
                    "pod became not Ready"
                };
                self.say(t, Rank::Readiness, format!("{what}: {why}."));
            }
            ("False", "PodCompleted") => self.say(
                t,
                Rank::Readiness,
                "pod became not Ready: it has finished (PodCompleted).",
            ),
            _ => self.say(t, Rank::Readiness, fallback(record)),
        }
    }
}

// -- Deployments -------------------------------------------------------------------------

/// The rolling-update arithmetic for the Deployment's current spec: `maxSurge 25% of 4
/// rounds up to 1 ...`.
fn rollout_rule(d: &Deployment) -> String {
    let n = d.replicas;
    match d.strategy {
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => {
            let (surge, unavailable) = sim_core::controllers::deployment::resolve_fenceposts(
                max_surge,
                max_unavailable,
                n,
            );
            format!(
                "RollingUpdate with {n} replicas: maxSurge {max_surge} rounds up to {surge} and maxUnavailable {max_unavailable} rounds down to {unavailable}, so the rollout runs at most {} pods and keeps at least {} available",
                n.saturating_add(surge),
                n.saturating_sub(unavailable)
            )
        }
        DeploymentStrategy::Recreate => {
            "Recreate: every old pod is stopped before any new one is created".to_string()
        }
    }
}

/// The ReplicaSets created at `t` because of `record` (directly or through other records).
fn replicasets_created_by<'t>(ctx: &Context<'t>, record: &Record) -> Vec<&'t Record> {
    records_at(ctx.timeline, record.time)
        .iter()
        .filter(|r| {
            r.object.kind == Kind::ReplicaSet
                && r.body == RecordBody::Created
                && ctx
                    .timeline
                    .cause_chain(r.id)
                    .iter()
                    .any(|c| c.id == record.id)
        })
        .collect()
}

fn deployment_story(ctx: &Context<'_>, d: Option<&Deployment>) -> (Story, String) {
    let mut story = Story::default();
    let mut replica_sets: Vec<String> = Vec::new();
    for (t, group) in instants(ctx.records) {
        let mut status = StatusChanges::default();
        // Condition writes of an instant, collapsed like the status fields.
        let mut conditions = StatusChanges::default();
        for record in group {
            match &record.body {
                RecordBody::Created => story.say(
                    t,
                    Rank::Lifecycle,
                    format!("{}.", created_phrase(ctx, record)),
                ),
                RecordBody::Deleted => story.say(
                    t,
                    Rank::Removal,
                    format!(
                        "{}; the garbage collector then deletes its replica sets, and theirs pods.",
                        with_cause(ctx, record, "removed from the API server")
                    ),
                ),
                RecordBody::Event {
                    reason,
                    message,
                    source,
                    ..
                } if source == SCENARIO_SOURCE => {
                    let created_now = replicasets_created_by(ctx, record);
                    let creating = ctx
                        .records
                        .iter()
                        .any(|r| r.body == RecordBody::Created && r.cause == Some(record.id));
                    if reason == "Apply" && !creating && !created_now.is_empty() {
                        let names: Vec<String> =
                            created_now.iter().map(|r| r.object.to_string()).collect();
                        story.say(
                            t,
                            Rank::Lifecycle,
                            format!(
                                "`{message}` changed the pod template, so the controller created {} for it.",
                                names.join(" and ")
                            ),
                        );
                        if let Some(d) = d {
                            story.say(t, Rank::Lifecycle, format!("{}.", rollout_rule(d)));
                        }
                    } else if !creating && unreferenced_action(ctx, record) {
                        story.say(t, Rank::Lifecycle, fallback(record));
                    }
                }
                RecordBody::Event {
                    reason, message, ..
                } if reason == "ScalingReplicaSet" => {
                    let rs = message
                        .split_once("replica set ")
                        .and_then(|(_, rest)| rest.split_whitespace().next())
                        .unwrap_or("");
                    let first = replica_sets.is_empty()
                        || replica_sets.first().is_some_and(|n| n == rs) && replica_sets.len() == 1;
                    if !replica_sets.iter().any(|n| n == rs) {
                        replica_sets.push(rs.to_string());
                    }
                    let up = message.starts_with("Scaled up");
                    let recreate = d.is_some_and(|d| d.strategy == DeploymentStrategy::Recreate);
                    let why = match (up, first, recreate) {
                        (true, true, _) => "to reach spec.replicas".to_string(),
                        (true, false, false) => {
                            "new pod template: up to the surge limit".to_string()
                        }
                        (false, _, false) => {
                            "old pod template: as far as the availability limit allows".to_string()
                        }
                        (false, _, true) => "Recreate: old pods go first".to_string(),
                        (true, false, true) => "Recreate: once no old pod is left".to_string(),
                    };
                    let what = message
                        .strip_prefix("Scaled ")
                        .map_or(message.clone(), |rest| format!("scaled {rest}"));
                    story.say(t, Rank::Containers, format!("{what} ({why})."));
                }
                RecordBody::Changed { field, from, to } if field == "spec.replicas" => {
                    let text = format!("spec.replicas changed from {from} to {to}");
                    story.say(
                        t,
                        Rank::Lifecycle,
                        format!("{}.", with_cause(ctx, record, &text)),
                    );
                }
                RecordBody::Changed { field, from, to }
                    if field.starts_with("status.conditions[") =>
                {
                    let kind = field
                        .trim_start_matches("status.conditions[")
                        .trim_end_matches(']');
                    conditions.add(kind, from, to);
                }
                RecordBody::Changed { field, from, to } if field.starts_with("status.") => {
                    status.add(field, from, to);
                }
                _ => story.say(t, Rank::Lifecycle, fallback(record)),
            }
        }
        for (kind, from, to) in &conditions.fields {
            if from != to {
                story.say(t, Rank::Phase, deployment_condition(kind, from, to, d));
            }
        }
        if let Some(text) = status.sentence() {
            story.say(t, Rank::Readiness, text);
        }
    }
    let summary = match d {
        Some(d) => format!(
            "Now ({}): {}/{} ready, {} up to date, {} available{}.",
            ctx.at,
            d.status.ready_replicas,
            d.replicas,
            d.status.updated_replicas,
            d.status.available_replicas,
            revision(&d.meta).map_or(String::new(), |r| format!(", revision {r}"))
        ),
        None => format!("Now ({}): the deployment does not exist.", ctx.at),
    };
    (story, summary)
}

/// A Deployment condition's transition, with the rule behind its reason.
fn deployment_condition(kind: &str, from: &str, to: &str, d: Option<&Deployment>) -> String {
    let (status, reason) = condition_parts(to);
    let floor = d.map(|d| match d.strategy {
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => {
            let (_, unavailable) = sim_core::controllers::deployment::resolve_fenceposts(
                max_surge,
                max_unavailable,
                d.replicas,
            );
            d.replicas.saturating_sub(unavailable)
        }
        DeploymentStrategy::Recreate => d.replicas,
    });
    let why = match reason {
        "MinimumReplicasAvailable" => match floor {
            Some(n) => format!("at least {n} pods (replicas − maxUnavailable) are available"),
            None => "enough pods are available".to_string(),
        },
        "MinimumReplicasUnavailable" => match floor {
            Some(n) => format!("fewer than {n} pods (replicas − maxUnavailable) are available"),
            None => "too few pods are available".to_string(),
        },
        "NewReplicaSetCreated" => "a replica set was created for the pod template".to_string(),
        "FoundNewReplicaSet" => "the replica set for the pod template exists".to_string(),
        "ReplicaSetUpdated" => "the rollout is under way".to_string(),
        "NewReplicaSetAvailable" => {
            "the rollout is complete: the newest replica set has all its pods available"
                .to_string()
        }
        "ProgressDeadlineExceeded" => match d {
            Some(d) => format!(
                "no progress for progressDeadlineSeconds {}; Kubernetes does not roll back by itself",
                d.progress_deadline_seconds
            ),
            None => "no progress within progressDeadlineSeconds".to_string(),
        },
        _ => return format!("status.conditions[{kind}] changed from {from} to {to}."),
    };
    format!("{kind} {status} ({reason}): {why}.")
}

// -- ReplicaSets -------------------------------------------------------------------------

fn replicaset_story(ctx: &Context<'_>, rs: Option<&ReplicaSet>) -> (Story, String) {
    let mut story = Story::default();
    // spec.replicas along the way: the first change says what it was at creation.
    let mut replicas: Option<String> = ctx
        .records
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Changed { field, from, .. } if field == "spec.replicas" => {
                Some(from.clone())
            }
            _ => None,
        })
        .or_else(|| rs.map(|rs| rs.replicas.to_string()));
    for (t, group) in instants(ctx.records) {
        let mut created: Vec<&str> = Vec::new();
        let mut deleted: Vec<&str> = Vec::new();
        let mut status = StatusChanges::default();
        for record in group {
            match &record.body {
                RecordBody::Created => {
                    let owner = rs
                        .and_then(|rs| rs.meta.controller_ref())
                        .map(|o| format!("{}/{}", o.kind.resource(), o.name));
                    let revision = rs.and_then(|rs| revision(&rs.meta));
                    let text = match (owner, revision) {
                        (Some(owner), Some(r)) => format!(
                            "created by {owner} for its pod template (revision {r}): no replica set matched that template"
                        ),
                        (Some(owner), None) => format!("created by {owner}"),
                        _ => created_phrase(ctx, record),
                    };
                    story.say(t, Rank::Lifecycle, format!("{text}."));
                }
                RecordBody::Deleted => story.say(
                    t,
                    Rank::Removal,
                    format!(
                        "{}.",
                        with_cause(ctx, record, "removed from the API server")
                    ),
                ),
                RecordBody::Changed { field, from, to } if field == "spec.replicas" => {
                    replicas = Some(to.clone());
                    let needle = format!("replica set {} from {from} to {to}", ctx.object.key.name);
                    let scaled = records_at(ctx.timeline, t).iter().find(|r| {
                        matches!(&r.body, RecordBody::Event { reason, message, .. }
                            if reason == "ScalingReplicaSet" && message.ends_with(&needle))
                    });
                    let text = match scaled {
                        Some(event) => {
                            let direction = if count(to) > count(from) {
                                "up"
                            } else {
                                "down"
                            };
                            format!(
                                "spec.replicas {from} → {to}: {} scaled it {direction} (ScalingReplicaSet)",
                                event.object
                            )
                        }
                        None => with_cause(ctx, record, &format!("spec.replicas {from} → {to}")),
                    };
                    story.say(t, Rank::Lifecycle, format!("{text}."));
                }
                RecordBody::Changed { field, from, to } if field.starts_with("status.") => {
                    status.add(field, from, to);
                }
                RecordBody::Event {
                    reason, message, ..
                } if reason == "SuccessfulCreate" => {
                    created.push(message.trim_start_matches("Created pod: "));
                }
                RecordBody::Event {
                    reason, message, ..
                } if reason == "SuccessfulDelete" => {
                    deleted.push(message.trim_start_matches("Deleted pod: "));
                }
                RecordBody::Event { source, .. } if source == SCENARIO_SOURCE => {
                    if unreferenced_action(ctx, record) {
                        story.say(t, Rank::Lifecycle, fallback(record));
                    }
                }
                _ => story.say(t, Rank::Lifecycle, fallback(record)),
            }
        }
        let wanted = replicas
            .as_deref()
            .map_or(String::new(), |n| format!(" {n}"));
        if !created.is_empty() {
            story.say(
                t,
                Rank::Containers,
                format!(
                    "created {} pod(s): {} (SuccessfulCreate): it had fewer active pods than spec.replicas{wanted}.",
                    created.len(),
                    created.join(", ")
                ),
            );
        }
        if !deleted.is_empty() {
            story.say(
                t,
                Rank::Containers,
                format!(
                    "deleted {} pod(s): {} (SuccessfulDelete): it had more active pods than spec.replicas{wanted}; the least useful go first (unscheduled, then pending, then not ready, then the most restarted and the newest).",
                    deleted.len(),
                    deleted.join(", ")
                ),
            );
        }
        if let Some(text) = status.sentence() {
            story.say(t, Rank::Readiness, text);
        }
    }
    let summary = match rs {
        Some(rs) => format!(
            "Now ({}): {} desired, {} current, {} ready.",
            ctx.at, rs.replicas, rs.status.replicas, rs.status.ready_replicas
        ),
        None => format!("Now ({}): the replica set does not exist.", ctx.at),
    };
    (story, summary)
}

// -- Nodes -------------------------------------------------------------------------------

fn node_story(ctx: &Context<'_>, node: Option<&Node>) -> (Story, String) {
    let mut story = Story::default();
    for (t, group) in instants(ctx.records) {
        for record in group {
            let text = match &record.body {
                RecordBody::Created => {
                    format!("{}: the node joined the cluster.", created_phrase(ctx, record))
                }
                RecordBody::Deleted => format!(
                    "{}; the pods bound to it are deleted by the pod garbage collector after a {ORPHAN_QUARANTINE_SECONDS}s quarantine.",
                    with_cause(ctx, record, "removed from the cluster")
                ),
                RecordBody::Changed { field, to, .. } if field == "spec.unschedulable" => {
                    let what = if to == "true" {
                        "cordoned: spec.unschedulable is true, so no new pod is scheduled here (running pods stay)"
                    } else {
                        "uncordoned: new pods can be scheduled here again"
                    };
                    format!("{}.", with_cause(ctx, record, what))
                }
                RecordBody::Changed { field, from, to } if field == "spec.taints" => {
                    let mirror = if from.contains("unschedulable") || to.contains("unschedulable")
                    {
                        " (the node lifecycle controller mirrors spec.unschedulable as the node.kubernetes.io/unschedulable:NoSchedule taint)"
                    } else {
                        ""
                    };
                    format!("taints changed from {from} to {to}{mirror}.")
                }
                RecordBody::Event { source, .. } if source == SCENARIO_SOURCE => {
                    if !unreferenced_action(ctx, record) {
                        continue;
                    }
                    fallback(record)
                }
                _ => fallback(record),
            };
            story.say(t, Rank::Lifecycle, text);
        }
    }
    let summary = match node {
        Some(n) => {
            let mut status = match n.ready.as_str() {
                "True" => "Ready".to_string(),
                "False" => "NotReady".to_string(),
                other => other.to_string(),
            };
            if n.unschedulable {
                status.push_str(",SchedulingDisabled");
            }
            format!("Now ({}): {status}.", ctx.at)
        }
        None => format!("Now ({}): the node does not exist.", ctx.at),
    };
    (story, summary)
}

// -- Other kinds -------------------------------------------------------------------------

/// Kinds without a story of their own: every record in plain words, with its cause.
fn generic_story(ctx: &Context<'_>) -> (Story, String) {
    let mut story = Story::default();
    for (t, group) in instants(ctx.records) {
        for record in group {
            let text = fallback(record);
            let text = text.strip_suffix('.').unwrap_or(&text);
            story.say(
                t,
                Rank::Lifecycle,
                format!("{}.", with_cause(ctx, record, text)),
            );
        }
    }
    (story, format!("Now ({}).", ctx.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_support::{
        curated, curated_with_scenario, inline_with_scenario, secs,
    };
    use sim_core::sim::Simulation;

    fn pod(name: &str) -> ObjectRef {
        ObjectRef::new(Kind::Pod, ObjectKey::new("default", name))
    }

    fn story(sim: &Simulation, object: &ObjectRef, at: SimTime) -> String {
        explain(sim.store(), sim.timeline(), object, at).expect("the object is known")
    }

    /// The story told with the scenario at hand, so that gone pods keep their spec.
    fn full_story(
        scenario: &Scenario,
        sim: &Simulation,
        object: &ObjectRef,
        at: SimTime,
    ) -> String {
        explain_with(sim.store(), sim.timeline(), object, at, Some(scenario))
            .expect("the object is known")
    }

    fn assert_lines(text: &str, lines: &[&str]) {
        for line in lines {
            assert!(
                text.lines().any(|l| l == *line),
                "line {line:?} missing from:\n{text}"
            );
        }
    }

    /// Golden case G3: liveness failures at 30, 40, 50 s kill the container at 50 s.
    #[test]
    fn liveness_kills_name_the_threshold_and_the_back_off() {
        let sim = curated("liveness.yaml", secs(180));
        let text = story(&sim, &pod("api"), secs(180));
        assert!(
            text.starts_with("pod/api in namespace default, up to 3m0s:\n"),
            "{text}"
        );
        assert_lines(
            &text,
            &[
                "0s: created by `kubectl apply pod/api` (scenario event).",
                "0s: scheduled to node-1 by default-scheduler.",
                "30s: pod became not Ready: the readiness probe of container api failed (failureThreshold 1, periodSeconds 5).",
                "50s: container api was killed because its liveness probe failed 3 times in a row (failureThreshold 3, periodSeconds 10: failures at 30s, 40s, 50s); it exited with code 143 after TERM.",
                "50s: container api restarted at once (restartCount 1): the first restart of a container is never delayed.",
                "1m40s: the kubelet waits 10s before restarting container api (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "1m50s: container api restarted after waiting 10s in CrashLoopBackOff (restartCount 2).",
                "2m40s: the kubelet waits 20s before restarting container api (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "Now (3m0s): Running, 1/1 containers ready, 3 restarts, phase Running.",
            ],
        );
        // Told in time order, every sentence at an instant of the run.
        let times: Vec<SimTime> = text
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("Now"))
            .map(|l| {
                let instant = l.split(':').next().expect("an instant");
                SimTime::ZERO + parse_go_duration(instant).expect("a Go duration")
            })
            .collect();
        assert!(times.len() > 10, "{text}");
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{text}");
    }

    /// Golden case G4: starts at 0, 0, 10, 30, 70, 150, 310 and 610 s.
    #[test]
    fn crash_loops_count_coalesced_exits() {
        let sim = curated("crashloop.yaml", secs(660));
        let text = story(&sim, &pod("crasher"), secs(660));
        assert_lines(
            &text,
            &[
                "0s: container app exited with code 1 (Error).",
                "0s: container app restarted at once (restartCount 1): the first restart of a container is never delayed.",
                "0s: container app exited again with code 1 (Error); the kubelet waits 10s before restarting it (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "0s: pod is not Ready yet: container app is not running: it is waiting (CrashLoopBackOff).",
                "1m10s: container app exited with code 1 (Error); the kubelet waits 1m20s before restarting it (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "5m10s: container app restarted after waiting 2m40s in CrashLoopBackOff (restartCount 6).",
                // The last wait is not over at 11m: the kubelet's published back-off says how long.
                "10m10s: container app exited with code 1 (Error); the kubelet waits 5m0s before restarting it, until 15m10s (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "Now (11m0s): CrashLoopBackOff, 0/1 containers ready, 7 restarts, phase Running.",
            ],
        );
        // Asked at 1m, the story stops at 1m.
        let early = story(&sim, &pod("crasher"), secs(60));
        assert!(!early.contains("1m10s:"), "{early}");
    }

    #[test]
    fn rollouts_explain_surge_and_unavailability() {
        let at = secs(180);
        let sim = curated("rollout.yaml", at);
        let d = ObjectRef::new(Kind::Deployment, ObjectKey::new("default", "api"));
        let text = story(&sim, &d, at);
        assert!(text.contains("1m0s: `kubectl apply deployment/api` changed the pod template, so the controller created replicaset/api-"), "{text}");
        assert_lines(
            &text,
            &[
                "1m0s: RollingUpdate with 4 replicas: maxSurge 25% rounds up to 1 and maxUnavailable 25% rounds down to 1, so the rollout runs at most 5 pods and keeps at least 3 available.",
                "10s: Available True (MinimumReplicasAvailable): at least 3 pods (replicas − maxUnavailable) are available.",
                "Now (3m0s): 4/4 ready, 4 up to date, 4 available, revision 2.",
            ],
        );
        assert!(
            text.contains(" (new pod template: up to the surge limit)."),
            "{text}"
        );
        // A pod the old replica set deleted is explained although it is gone.
        let gone = sim
            .timeline()
            .records()
            .iter()
            .find(|r| r.object.kind == Kind::Pod && r.body == RecordBody::Deleted)
            .expect("a pod was deleted")
            .object
            .clone();
        let text = story(&sim, &gone, at);
        assert!(text.contains("0s: created by replicaset/api-"), "{text}");
        assert!(
            text.contains("1m0s: deleted by replicaset/api-")
                || text.contains("1m10s: deleted by replicaset/api-")
                || text.contains("1m20s: deleted by replicaset/api-"),
            "{text}"
        );
        assert!(text.contains("(SuccessfulDelete)"), "{text}");
        assert!(
            text.contains("grace period 30s (terminationGracePeriodSeconds 30)"),
            "{text}"
        );
        assert!(
            text.contains("removed from the API server: its containers had all stopped"),
            "{text}"
        );
        assert!(
            text.contains("Now (3m0s): the pod no longer exists (removed at "),
            "{text}"
        );
        // Each replica set tells what it created and deleted.
        for rs in sim.store().list::<ReplicaSet>() {
            let object = ObjectRef::new(Kind::ReplicaSet, rs.meta.key());
            let text = story(&sim, &object, at);
            assert!(
                text.contains("created by deployment/api for its pod template (revision "),
                "{text}"
            );
            assert!(
                text.contains("(SuccessfulCreate): it had fewer active pods than spec.replicas"),
                "{text}"
            );
        }
    }

    const MISC: &str = "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: misc
spec:
  duration: 3m
  cluster:
    nodePools:
      - {name: node, count: 1, capacity: {cpu: \"4\", memory: 8Gi}}
  events:
    - at: 1m
      delete: {object: pod/stubborn}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: badimage, annotations: {kubesim.io/image-pull: fail}}
    spec:
      containers: [{name: c, image: \"example.com/nope:9\"}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: stubborn, annotations: {kubesim.io/ignore-term: \"true\"}}
    spec:
      containers: [{name: c, image: \"nginx:1.27\"}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: once, annotations: {kubesim.io/exit-after: 20s, kubesim.io/exit-code: \"2\"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: \"nginx:1.27\"}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: initpod, annotations: {kubesim.io/exit-after.init-db: 5s, kubesim.io/exit-code.init-db: \"0\"}}
    spec:
      initContainers: [{name: init-db, image: \"busybox:1.36\"}]
      containers: [{name: app, image: \"nginx:1.27\"}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: slowstart, annotations: {kubesim.io/startup-succeeds-after: 25s}}
    spec:
      containers:
        - name: app
          image: \"nginx:1.27\"
          startupProbe: {tcpSocket: {port: 80}, periodSeconds: 10, failureThreshold: 2}
  - apiVersion: v1
    kind: Pod
    metadata: {name: late}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: app, image: \"nginx:1.27\"}]
";

    #[test]
    fn pulls_deletions_policies_init_and_startup_are_told() {
        let at = secs(180);
        let (scenario, sim) = inline_with_scenario(MISC, at);
        assert_lines(
            &story(&sim, &pod("badimage"), at),
            &[
                "0s: pulling image example.com/nope:9: it is not on the node yet (imagePullPolicy IfNotPresent).",
                "0s: pulling image example.com/nope:9 failed (ErrImagePull: not found); next pull attempt in 10s, at 10s (image pull back-off 10s doubling to 300s); meanwhile the container waits in ImagePullBackOff.",
                "10s: pulling image example.com/nope:9 again (attempt 2).",
                "10s: pulling image example.com/nope:9 failed (ErrImagePull: not found); next pull attempt in 20s, at 30s (image pull back-off 10s doubling to 300s); meanwhile the container waits in ImagePullBackOff.",
            ],
        );
        // The pod is gone at 3m: its spec comes from the scenario's manifest.
        assert_lines(
            &full_story(&scenario, &sim, &pod("stubborn"), at),
            &[
                "1m0s: deleted by `kubectl delete pod/stubborn`; grace period 30s (terminationGracePeriodSeconds 30): the kubelet sends TERM to each container and KILL at 1m30s to any container still running.",
                "1m0s: the kubelet began stopping container c: it sent TERM; KILL follows at 1m30s, the end of the grace period of 30s (terminationGracePeriodSeconds 30), if it is still running then.",
                "1m30s: container c got KILL at the end of the grace period of 30s (terminationGracePeriodSeconds 30): it had not exited since TERM at 1m0s (exit code 137).",
                "1m30s: removed from the API server: its containers had all stopped, 30s after the deletion started, so the kubelet finished the graceful deletion.",
            ],
        );
        // Without the scenario the spec of a gone bare pod is unknown: the story does not
        // claim there was no preStop hook.
        assert_lines(
            &story(&sim, &pod("stubborn"), at),
            &[
                "1m0s: the kubelet began stopping container c: it runs the container's preStop hook, if it has one, then sends TERM; KILL follows at the end of the grace period of 30s, 1m30s, never sooner than 2s after TERM, if it is still running then.",
                "1m30s: container c got KILL at the end of the grace period of 30s: it had not exited after TERM (exit code 137).",
            ],
        );
        assert_lines(
            &story(&sim, &pod("once"), at),
            &[
                "20s: container c exited with code 2 (Error); it is not restarted (restartPolicy Never).",
                "20s: phase Running → Failed: a container failed and restartPolicy is Never, so nothing runs again.",
            ],
        );
        let init = story(&sim, &pod("initpod"), at);
        assert_lines(
            &init,
            &[
                "0s: pod is not Ready yet: container app is not running: it is waiting (PodInitializing).",
                "5s: init container init-db exited with code 0 (Completed): it completed, so the next init container (or the app containers) can start.",
                "5s: container app started (image nginx:1.27 was already on the node).",
            ],
        );
        let exit = init
            .find("5s: init container init-db exited")
            .expect("told");
        let start = init.find("5s: container app started").expect("told");
        assert!(
            exit < start,
            "an exit is told before the start it allows:\n{init}"
        );
        assert_lines(
            &story(&sim, &pod("slowstart"), at),
            &[
                "0s: pod is not Ready yet: container app has not passed its startup probe yet (failureThreshold 2, periodSeconds 10: about 20s to start).",
                "10s: container app was killed because its startup probe failed 2 times in a row (failureThreshold 2, periodSeconds 10: failures at 0s, 10s); it exited with code 143 after TERM.",
                // The failure recorded after the 10 s kill belongs to the restarted container.
                "20s: container app was killed because its startup probe failed 2 times in a row (failureThreshold 2, periodSeconds 10: failures at 10s, 20s); it exited with code 143 after TERM.",
            ],
        );
        let late = story(&sim, &pod("late"), at);
        assert!(
            late.contains(
                "0s: could not be scheduled (default-scheduler): 0/1 nodes are available"
            ),
            "{late}"
        );
        assert!(
            late.contains("The scheduler tries again after a back-off (1s doubling to 10s)"),
            "{late}"
        );
    }

    fn event(reason: &str, type_: EventType, message: &str) -> RecordBody {
        RecordBody::Event {
            type_,
            reason: reason.to_string(),
            message: message.to_string(),
            source: "kubelet".to_string(),
        }
    }

    fn changed(field: &str, from: &str, to: &str) -> RecordBody {
        RecordBody::Changed {
            field: field.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        }
    }

    /// Tells a handcrafted pod timeline, with the liveness lesson's pod as the spec.
    fn handcrafted(bodies: &[(u64, RecordBody)], at: SimTime) -> String {
        handcrafted_with("liveness.yaml", "api", bodies, at)
    }

    /// Tells a handcrafted timeline of pod `name`, with that pod of `file` as the spec.
    fn handcrafted_with(
        file: &str,
        name: &str,
        bodies: &[(u64, RecordBody)],
        at: SimTime,
    ) -> String {
        let sim = curated(file, secs(1));
        let spec_of = sim
            .store()
            .get::<Pod>(&ObjectKey::new("default", name))
            .expect("the lesson's pod")
            .clone();
        let mut timeline = Timeline::new();
        let object = pod(name);
        for (seconds, body) in bodies {
            timeline.push(secs(*seconds), object.clone(), None, body.clone());
        }
        let records = incarnation_records(&timeline, &object, at);
        explain_records(
            &object,
            Some(Current::Pod(&spec_of)),
            &timeline,
            &records,
            at,
        )
    }

    /// The kubelet of an older vocabulary wrote one Unhealthy event per kill: the other
    /// failures follow from the rule. Here the app also ignores TERM, so KILL comes after
    /// the grace period, at a later instant than the kill.
    #[test]
    fn a_single_unhealthy_event_and_a_late_kill() {
        let liveness = "Liveness probe failed: HTTP probe failed with statuscode: 500";
        let text = handcrafted(
            &[
                (0, RecordBody::Created),
                (
                    0,
                    event("Started", EventType::Normal, "Started container api"),
                ),
                (
                    0,
                    changed("status.containerStatuses[api].state", "<none>", "running"),
                ),
                (50, event("Unhealthy", EventType::Warning, liveness)),
                (
                    50,
                    event(
                        "Killing",
                        EventType::Normal,
                        "Container api failed liveness probe, will be restarted",
                    ),
                ),
                (
                    80,
                    event("Started", EventType::Normal, "Started container api"),
                ),
                (
                    80,
                    changed(
                        "status.containerStatuses[api].lastState",
                        "<none>",
                        "terminated (Error, exit code 137)",
                    ),
                ),
                (
                    80,
                    changed("status.containerStatuses[api].restartCount", "0", "1"),
                ),
            ],
            secs(90),
        );
        assert_lines(
            &text,
            &[
                "50s: container api is being killed because its liveness probe failed 3 times in a row (failureThreshold 3, periodSeconds 10: failures at 30s, 40s, 50s): the kubelet sent TERM; KILL follows at 1m20s, the end of the grace period of 30s (terminationGracePeriodSeconds 30), if it is still running then.",
                "1m20s: container api got KILL at the end of the grace period of 30s (terminationGracePeriodSeconds 30): it had not exited since TERM at 50s (exit code 137).",
                "1m20s: container api restarted at once (restartCount 1): the first restart of a container is never delayed.",
            ],
        );
    }

    /// The kubelet's newer vocabulary: OOM kills, preStop hook failures, deadlines, and
    /// probe failures that never reach the threshold.
    #[test]
    fn newer_vocabulary_reads_from_the_records() {
        let liveness = "Liveness probe failed: HTTP probe failed with statuscode: 500";
        let text = handcrafted(
            &[
                (0, RecordBody::Created),
                (
                    0,
                    event("Started", EventType::Normal, "Started container api"),
                ),
                (
                    0,
                    changed("status.containerStatuses[api].state", "<none>", "running"),
                ),
                (10, event("Unhealthy", EventType::Warning, liveness)),
                (20, event("Unhealthy", EventType::Warning, liveness)),
                (
                    45,
                    event(
                        "BackOff",
                        EventType::Warning,
                        "Back-off restarting failed container api in pod api_default(x)",
                    ),
                ),
                (
                    45,
                    changed(
                        "status.containerStatuses[api].lastState",
                        "<none>",
                        "terminated (OOMKilled, exit code 137)",
                    ),
                ),
                (
                    45,
                    changed(
                        "status.containerStatuses[api].state",
                        "running",
                        "waiting (CrashLoopBackOff)",
                    ),
                ),
                (
                    55,
                    event("Started", EventType::Normal, "Started container api"),
                ),
                (
                    55,
                    changed("status.containerStatuses[api].restartCount", "0", "1"),
                ),
                (
                    55,
                    changed(
                        "status.containerStatuses[api].state",
                        "waiting (CrashLoopBackOff)",
                        "running",
                    ),
                ),
                (
                    60,
                    event(
                        "DeadlineExceeded",
                        EventType::Warning,
                        "Pod was active on the node longer than the specified deadline",
                    ),
                ),
                (
                    60,
                    event(
                        "FailedPreStopHook",
                        EventType::Warning,
                        "PreStopHook failed",
                    ),
                ),
                (
                    60,
                    event("Killing", EventType::Normal, "Stopping container api"),
                ),
                (
                    60,
                    changed(
                        "status.containerStatuses[api].state",
                        "running",
                        "terminated (Error, exit code 143)",
                    ),
                ),
                (60, changed("status.phase", "Running", "Failed")),
                (60, changed("spec.frobnication", "low", "high")),
                (
                    60,
                    event("Frobnicated", EventType::Warning, "the frobnicator spun"),
                ),
            ],
            secs(90),
        );
        assert_lines(
            &text,
            &[
                "45s: container api was killed by the kernel's OOM killer: it used more memory than its limit, and the kernel kills at once, with no TERM and no grace period (OOMKilled, exit code 137); the kubelet waits 10s before restarting it (CrashLoopBackOff: 10s doubling to 300s, measured from the exit).",
                "55s: container api restarted after waiting 10s in CrashLoopBackOff (restartCount 1).",
                "1m0s: the kubelet failed the pod: Pod was active on the node longer than the specified deadline (DeadlineExceeded).",
                "1m0s: the preStop hook failed (PreStopHook failed); the kubelet sends TERM anyway.",
                "1m0s: the kubelet sent TERM to container api (activeDeadlineSeconds ran out); it exited with code 143 after TERM.",
                "1m0s: phase Running → Failed: activeDeadlineSeconds ran out (DeadlineExceeded).",
                "1m0s: spec.frobnication changed from low to high.",
                "1m0s: Frobnicated (warning from kubelet): the frobnicator spun.",
                "20s: the liveness probe failed at 10s, 20s, fewer than failureThreshold 3 in a row, so nothing was restarted.",
            ],
        );
    }

    /// Golden case G11 (k8s-semantics §3.2–3.3): the preStop hook runs first and TERM
    /// follows it; KILL comes at the end of the grace period, hook included, and never
    /// sooner than 2 s after TERM. The pods are gone at the end: the scenario's manifests
    /// give their spec.
    #[test]
    fn prestop_hooks_delay_term_and_kill_waits_at_least_two_seconds() {
        let lesson = "lessons/graceful-termination-prestop.yaml";
        let end = secs(120);
        let (scenario, sim) = curated_with_scenario(lesson, end);
        let deleted = |name: &str| {
            format!(
                "1m0s: deleted by `kubectl delete pod/{name}`; grace period 30s (terminationGracePeriodSeconds 30): the kubelet runs the preStop hooks first, then sends TERM to each container and KILL at 1m30s to any container still running (never sooner than 2s after TERM)."
            )
        };
        let ten_seconds = "1m0s: the kubelet began stopping container app: its preStop sleep 10s runs first, and TERM follows when it ends, at 1m10s; KILL follows at 1m30s if it is still running then: the grace period of 30s (terminationGracePeriodSeconds 30) counts the hook's time.";
        let quick = full_story(&scenario, &sim, &pod("quick"), end);
        assert_lines(
            &quick,
            &[
                &deleted("quick"),
                ten_seconds,
                "1m10s: the preStop sleep 10s of container app ended, so the kubelet sent TERM.",
                "1m13s: container app exited with code 143, 3s after TERM at 1m10s.",
            ],
        );
        assert!(!quick.contains("1m0s: the kubelet sent TERM"), "{quick}");
        assert_lines(
            &full_story(&scenario, &sim, &pod("stubborn"), end),
            &[
                &deleted("stubborn"),
                ten_seconds,
                "1m10s: the preStop sleep 10s of container app ended, so the kubelet sent TERM.",
                "1m30s: container app got KILL at the end of the grace period of 30s (terminationGracePeriodSeconds 30): it had not exited since TERM at 1m10s (exit code 137).",
            ],
        );
        let overrun_lines = [
            "1m0s: the kubelet began stopping container app: its preStop sleep 40s runs first, but the grace period of 30s (terminationGracePeriodSeconds 30) is shorter, so the kubelet will cut the hook at 1m30s and send TERM then; KILL follows 2s later, at 1m32s, if it is still running (the kubelet's 2s minimum between TERM and KILL).",
            "1m30s: the preStop sleep 40s of container app was still running at the end of the grace period of 30s (terminationGracePeriodSeconds 30): the kubelet cut it and sent TERM; KILL follows 2s later, at 1m32s, if it is still running (the kubelet's 2s minimum between TERM and KILL).",
            "1m32s: container app got KILL 2s after TERM at 1m30s: the kubelet never sends KILL sooner than 2s after TERM (exit code 137).",
        ];
        assert_lines(
            &full_story(&scenario, &sim, &pod("overrun"), end),
            &overrun_lines,
        );
        // Without the manifests the records still show the 2 s minimum: KILL after the end
        // of the grace period means TERM came 2 s before it.
        assert_lines(
            &story(&sim, &pod("overrun"), end),
            &["1m32s: container app got KILL 2s after TERM at 1m30s: its preStop hook was still running at the end of the grace period of 30s (1m30s), so the kubelet cut it and sent TERM then, and KILL 2s later, its minimum between the two (exit code 137)."],
        );
        // While the pod exists the store has its spec; the story stops at the instant asked.
        let sim = curated(lesson, secs(91));
        let text = story(&sim, &pod("overrun"), secs(91));
        assert_lines(&text, &overrun_lines[..2]);
        assert!(!text.contains("1m32s:"), "{text}");
        assert!(
            text.ends_with(
                "Now (1m31s): Terminating, 1/1 containers ready, 0 restarts, phase Running.\n"
            ),
            "{text}"
        );
    }

    const HOOKS: &str = "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: hooks
spec:
  duration: 3m
  cluster:
    nodePools:
      - {name: node, count: 1, capacity: {cpu: \"4\", memory: 8Gi}}
  events:
    - at: 1m
      delete: {object: pod/close}
    - at: 1m
      delete: {object: pod/execer}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: close, annotations: {kubesim.io/ignore-term: \"true\"}}
    spec:
      containers:
        - name: c
          image: \"nginx:1.27\"
          lifecycle: {preStop: {sleep: {seconds: 29}}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: execer, annotations: {kubesim.io/pre-stop-takes: 5s, kubesim.io/term-exit-after: 1s}}
    spec:
      containers:
        - name: c
          image: \"nginx:1.27\"
          lifecycle: {preStop: {exec: {command: [sh, -c, \"sleep 5\"]}}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: prober, annotations: {kubesim.io/liveness-fails-after: 30s, kubesim.io/ignore-term: \"true\"}}
    spec:
      containers:
        - name: c
          image: \"nginx:1.27\"
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            terminationGracePeriodSeconds: 5
          lifecycle: {preStop: {sleep: {seconds: 2}}}
";

    /// A hook that ends just before the grace period does: KILL 2 s after TERM, later than
    /// the end of the grace period. An exec hook lasts what its behaviour says. A liveness
    /// kill runs the hook too, with the probe's own grace period.
    #[test]
    fn prestop_arithmetic_for_exec_hooks_late_hooks_and_probe_kills() {
        let at = secs(100);
        let (scenario, sim) = inline_with_scenario(HOOKS, at);
        assert_lines(
            &full_story(&scenario, &sim, &pod("close"), at),
            &[
                "1m0s: the kubelet began stopping container c: its preStop sleep 29s runs first, and TERM follows when it ends, at 1m29s; KILL follows 2s later, at 1m31s, if it is still running: the grace period of 30s (terminationGracePeriodSeconds 30) ends sooner, but the kubelet leaves at least 2s between TERM and KILL.",
                "1m29s: the preStop sleep 29s of container c ended, so the kubelet sent TERM.",
                "1m31s: container c got KILL 2s after TERM at 1m29s: the kubelet never sends KILL sooner than 2s after TERM (exit code 137).",
            ],
        );
        assert_lines(
            &full_story(&scenario, &sim, &pod("execer"), at),
            &[
                "1m0s: the kubelet began stopping container c: its preStop exec hook (5s) runs first, and TERM follows when it ends, at 1m5s; KILL follows at 1m30s if it is still running then: the grace period of 30s (terminationGracePeriodSeconds 30) counts the hook's time.",
                "1m5s: the preStop exec hook (5s) of container c ended, so the kubelet sent TERM.",
                "1m6s: container c exited with code 143, 1s after TERM at 1m5s.",
            ],
        );
        assert_lines(
            &full_story(&scenario, &sim, &pod("prober"), at),
            &[
                "50s: container c is being killed because its liveness probe failed 3 times in a row (failureThreshold 3, periodSeconds 10: failures at 30s, 40s, 50s): its preStop sleep 2s runs first, and TERM follows when it ends, at 52s; KILL follows at 55s if it is still running then: the grace period of 5s (the liveness probe's own terminationGracePeriodSeconds 5) counts the hook's time.",
                "52s: the preStop sleep 2s of container c ended, so the kubelet sent TERM.",
                "55s: container c got KILL at the end of the grace period of 5s (the liveness probe's own terminationGracePeriodSeconds 5): it had not exited since TERM at 52s (exit code 137).",
                "55s: container c restarted at once (restartCount 1): the first restart of a container is never delayed.",
                // The run of failures under way at the end of the story.
                "1m35s: the liveness probe of container c failed at 1m25s, 1m35s: 2 of failureThreshold 3 in a row so far (periodSeconds 10); 1 more, at 1m45s, would restart the container.",
            ],
        );
    }

    /// k8s-semantics §2.9: a sidecar starts first and gates the next container on its
    /// startup probe; once the app containers have finished the kubelet stops it (TERM,
    /// KILL at the end of the grace period if it ignores TERM), and its exit code does not
    /// count for the phase.
    #[test]
    fn sidecars_are_stopped_after_the_app_and_do_not_count_for_the_phase() {
        let lesson = "lessons/sidecar-in-a-job.yaml";
        let end = secs(120);
        let sim = curated(lesson, end);
        let common = [
            "0s: sidecar container log-shipper started (image fluent/fluent-bit:3.2 was already on the node); as a sidecar (restartPolicy Always) it keeps running next to the app containers, and the containers after it wait until its startup probe passes.",
            "10s: the startup probe of sidecar container log-shipper passed after 2 failures (at 0s, 5s), fewer than failureThreshold 3 in a row (periodSeconds 5): the container is started, so the containers after it can start now.",
            "10s: container main started (image example.com/report:1.0 was already on the node).",
            "40s: container main exited with code 0 (Completed); it is not restarted (restartPolicy Never).",
            "40s: every app container has finished, so the kubelet stops the sidecars, the last one first: a sidecar never keeps a finished pod running (k8s-semantics §2.9).",
        ];
        let stubborn = story(&sim, &pod("job-stubborn"), end);
        assert_lines(&stubborn, &common);
        assert_lines(
            &stubborn,
            &[
                "40s: the kubelet began stopping sidecar container log-shipper: it sent TERM; KILL follows at 1m10s, the end of the grace period of 30s (terminationGracePeriodSeconds 30), if it is still running then.",
                "1m10s: sidecar container log-shipper got KILL at the end of the grace period of 30s (terminationGracePeriodSeconds 30): it had not exited since TERM at 40s (exit code 137).",
                "1m10s: phase Running → Succeeded: every app container exited with code 0 and none will be restarted; the kubelet sets the phase once the sidecars have stopped. Sidecars do not count for the phase (k8s-semantics §2.9), so it does not matter that sidecar container log-shipper exited with code 137.",
            ],
        );
        assert!(!stubborn.contains("every container exited"), "{stubborn}");
        // Told in causal order: the main container's exit, then the sidecars' stop.
        let exit = stubborn.find("40s: container main exited").expect("told");
        let stop = stubborn
            .find("40s: every app container has finished")
            .expect("told");
        assert!(exit < stop, "{stubborn}");
        let start = stubborn.find("10s: container main started").expect("told");
        let started = stubborn
            .find("10s: the startup probe of sidecar")
            .expect("told");
        assert!(started < start, "{stubborn}");
        let quick = story(&sim, &pod("job"), end);
        assert_lines(&quick, &common);
        assert_lines(
            &quick,
            &[
                "40s: the kubelet sent TERM to sidecar container log-shipper (sidecars stop after the app containers); it exited with code 143 after TERM.",
                "40s: phase Running → Succeeded: every app container exited with code 0 and none will be restarted. Sidecars do not count for the phase (k8s-semantics §2.9), so it does not matter that sidecar container log-shipper exited with code 143.",
            ],
        );
        // The summary is kubectl's: STATUS and READY as `kubectl get pods` shows them.
        let last = quick.lines().last().expect("a summary");
        let kubectl = sim
            .store()
            .get::<Pod>(&ObjectKey::new("default", "job"))
            .map(pod_summary)
            .expect("the pod");
        assert_eq!(
            last,
            format!(
                "Now (2m0s): {}, {}/{} containers ready, 0 restarts, phase Succeeded.",
                kubectl.status, kubectl.ready, kubectl.total
            )
        );
    }

    /// k8s-semantics §1.7: the startup probe's failures come to something only when it
    /// passes (or reaches its threshold); under way, the story says how far it got.
    #[test]
    fn startup_probes_tell_when_the_container_is_started() {
        let lesson = "lessons/slow-start-startup-probe.yaml";
        let sim = curated(lesson, secs(180));
        assert_lines(
            &story(&sim, &pod("slow"), secs(180)),
            &[
                "2m0s: the startup probe of container app passed after 12 failures (from 0s to 1m50s), fewer than failureThreshold 30 in a row (periodSeconds 10): the container is started, so its liveness probe starts now.",
                "2m0s: pod became Ready: container app is started and has no readiness probe, so it counts as ready.",
            ],
        );
        let sim = curated(lesson, secs(60));
        let early = story(&sim, &pod("slow"), secs(60));
        assert_lines(
            &early,
            &["1m0s: the startup probe of container app has failed 7 times so far (from 0s to 1m0s); 30 failures in a row (failureThreshold 30, periodSeconds 10) would restart the container. Until it passes, the container is not started, so its liveness probe does not run."],
        );
        assert!(!early.contains("nothing was restarted"), "{early}");
    }

    /// A kubelet that does not publish `started`: the startup probe passed one period after
    /// its last failure, since a startup worker reports every failure until it passes.
    #[test]
    fn startup_success_is_inferred_from_the_failures() {
        let failed = "Startup probe failed: HTTP probe failed with statuscode: 500";
        let text = handcrafted_with(
            "lessons/slow-start-startup-probe.yaml",
            "slow",
            &[
                (0, RecordBody::Created),
                (
                    0,
                    event("Started", EventType::Normal, "Started container app"),
                ),
                (
                    0,
                    changed("status.containerStatuses[app].state", "<none>", "running"),
                ),
                (0, event("Unhealthy", EventType::Warning, failed)),
                (10, event("Unhealthy", EventType::Warning, failed)),
                (20, event("Unhealthy", EventType::Warning, failed)),
                (
                    30,
                    changed("status.containerStatuses[app].ready", "false", "true"),
                ),
            ],
            secs(45),
        );
        assert_lines(
            &text,
            &["30s: the startup probe of container app passed after 3 failures (at 0s, 10s, 20s), fewer than failureThreshold 30 in a row (periodSeconds 10): the container is started, so its liveness probe starts now."],
        );
        assert!(!text.contains("nothing was restarted"), "{text}");
    }

    #[test]
    fn unknown_objects_are_not_found_and_gone_ones_are_told() {
        let sim = curated("liveness.yaml", secs(10));
        let missing = explain(
            sim.store(),
            sim.timeline(),
            &ObjectRef::new(Kind::Deployment, ObjectKey::new("default", "web")),
            secs(10),
        )
        .expect_err("no such deployment");
        assert_eq!(
            missing.to_string(),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
        let node = story(
            &sim,
            &ObjectRef::new(Kind::Node, ObjectKey::new("default", "node-1")),
            secs(10),
        );
        assert!(node.starts_with("node/node-1, up to 10s:\n"), "{node}");
        assert!(node.contains("0s: created by `kubectl apply node/node-1` (scenario event): the node joined the cluster."), "{node}");
    }

    /// A small deterministic generator (xorshift), so that odd timelines are the same on
    /// every run.
    struct Odd(u64);

    impl Odd {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next(from.len())]
        }
    }

    /// Whatever the timeline holds, explaining and describing never panic.
    #[test]
    fn odd_timelines_never_panic() {
        let fields = [
            "status.phase",
            "status.conditions[Ready]",
            "status.conditions[Available]",
            "status.containerStatuses[api].state",
            "status.containerStatuses[api].lastState",
            "status.containerStatuses[api].restartCount",
            "status.containerStatuses[api].ready",
            "status.containerStatuses[].ready",
            "status.containerStatuses[api",
            "status.initContainerStatuses[init].restartCount",
            "metadata.deletionTimestamp",
            "spec.replicas",
            "spec.nodeName",
            "spec.unschedulable",
            "spec.taints",
            "status.readyReplicas",
            "",
        ];
        let values = [
            "<none>",
            "0",
            "1",
            "7",
            "-5",
            "99999999999999999999",
            "running",
            "true",
            "false",
            "True",
            "False (ContainersNotReady)",
            "False (PodCompleted)",
            "True (",
            "1m30s",
            "waiting (CrashLoopBackOff)",
            "waiting (Odd)",
            "terminated (Error, exit code 137)",
            "terminated (OOMKilled, exit code 137)",
            "terminated (",
            "terminated (x, exit code y)",
        ];
        let reasons = [
            "Scheduled",
            "FailedScheduling",
            "Pulling",
            "Pulled",
            "Failed",
            "BackOff",
            "Unhealthy",
            "Killing",
            "Started",
            "Created",
            "DeadlineExceeded",
            "FailedPreStopHook",
            "ScalingReplicaSet",
            "SuccessfulCreate",
            "SuccessfulDelete",
            "Apply",
            "Delete",
            "Odd",
        ];
        let messages = [
            "",
            "\"",
            "Started container api",
            "Started container ",
            "Back-off restarting failed container api in pod x",
            "Back-off restarting failed container ",
            "Container api failed liveness probe, will be restarted",
            "Container  failed startup probe",
            "Stopping container api",
            "Liveness probe failed: x",
            "Readiness probe failed: x",
            "Startup probe failed: x",
            "Failed to pull image \"",
            "Failed to pull image \"a\": b",
            "Error: ErrImagePull",
            "Pulling image \"a\"",
            "Successfully pulled image \"a\" in",
            "Successfully assigned default/api to ",
            "Scaled up replica set  from",
            "Scaled down replica set api from 3 to 1",
            "Created pod: api",
            "Deleted pod: api",
            "kubectl apply pod/api",
            "line\nbreak\ttab",
        ];
        let sources = ["kubelet", "scenario", "default-scheduler", ""];
        let objects = [
            ObjectRef::new(Kind::Pod, ObjectKey::new("default", "api")),
            ObjectRef::new(Kind::Deployment, ObjectKey::new("default", "api")),
            ObjectRef::new(Kind::ReplicaSet, ObjectKey::new("default", "api")),
            ObjectRef::new(Kind::Node, ObjectKey::cluster("api")),
        ];
        let real = curated("liveness.yaml", secs(1));
        let real_pod = real
            .store()
            .get::<Pod>(&ObjectKey::new("default", "api"))
            .expect("the lesson's pod")
            .clone();
        let mut odd = Odd(0x9e37_79b9_7f4a_7c15);
        for round in 0..40 {
            let mut timeline = Timeline::new();
            let mut now = 0u64;
            for _ in 0..(20 + round * 5) {
                now += odd.next(3) as u64 * 5_000;
                let object = objects[odd.next(objects.len())].clone();
                let body = match odd.next(5) {
                    0 => RecordBody::Created,
                    1 => RecordBody::Deleted,
                    2 => changed(odd.pick(&fields), odd.pick(&values), odd.pick(&values)),
                    _ => RecordBody::Event {
                        type_: if odd.next(2) == 0 {
                            EventType::Normal
                        } else {
                            EventType::Warning
                        },
                        reason: odd.pick(&reasons).to_string(),
                        message: odd.pick(&messages).to_string(),
                        source: odd.pick(&sources).to_string(),
                    },
                };
                // Causes may point anywhere, even at records that do not exist.
                let cause = match odd.next(3) {
                    0 => None,
                    _ => Some(RecordId(odd.next(timeline.len() + 5) as u64)),
                };
                timeline.push(SimTime(now), object, cause, body);
            }
            let at = SimTime(now / 2 + 1);
            for object in &objects {
                let records = incarnation_records(&timeline, object, at);
                let currents = [None, Some(Current::Pod(&real_pod))];
                for current in currents {
                    let text = explain_records(object, current, &timeline, &records, at);
                    assert!(text.ends_with('\n'));
                }
            }
        }
    }
}
