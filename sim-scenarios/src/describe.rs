//! `kubesim describe`: one object in detail at a simulated instant, laid out as
//! `kubectl describe` (v1.36) lays it out, with the object's events at the end.
//!
//! What differs from kubectl, and why:
//! * The clock is virtual, so instants (`Start Time`, `Started`, `Finished`,
//!   `CreationTimestamp`) are Go durations since the start of the simulation, and the `Age`
//!   of an event is measured back from the instant described.
//! * A pod's `Status` line is the STATUS column of `kubectl get pods`
//!   ([`crate::tables::pod_status`]), which says `CrashLoopBackOff` where kubectl's describe
//!   would only say the phase `Running`: the point of the command is to teach what is
//!   going on.
//! * Fields kubesim does not model (IPs, container IDs, ports, environment, mounts,
//!   volumes, service accounts) are left out rather than invented.
//! * Events are the timeline's `Event` records about the object (its current incarnation:
//!   from its latest creation on), aggregated as the event recorder aggregates them:
//!   identical (type, reason, message, source) events are one row, `20s (x3 over 40s)`.
//!   Scenario actions (`kubectl apply` and the like) are kubesim's own records, not
//!   Kubernetes events, and are not shown.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sim_core::controllers::deployment::{POD_TEMPLATE_HASH, REVISION};
use sim_core::objects::{
    Container, ContainerState, ContainerStatus, Deployment, DeploymentStrategy, Kind, LimitRange,
    Namespace, Node, ObjectKey, ObjectMeta, ObjectRef, Pod, PodPhase, PodTemplate, Probe,
    ProbeHandler, ReplicaSet, ResourceQuota, ResourceUnit, Resources, Toleration,
    TolerationOperator,
};
use sim_core::quantity::{format_bytes, format_cpu_millis};
use sim_core::store::Store;
use sim_core::time::SimTime;
use sim_core::timeline::{Record, RecordBody, Timeline};

use crate::tables::{human_duration, KUBELET_VERSION};
use crate::view::{node_to_json_at, qos_class};

/// Annotation keys with this prefix are engine bookkeeping (as in [`crate::view`]).
const INTERNAL_ANNOTATION_PREFIX: &str = "kubesim.io/internal-";

/// The source of records written by scenario actions: not Kubernetes events.
pub(crate) const SCENARIO_SOURCE: &str = "scenario";

/// The object asked for does not exist at the instant asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
}

impl fmt::Display for NotFound {
    /// kubectl's words: `Error from server (NotFound): pods "x" not found`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Error from server (NotFound): {} \"{}\" not found",
            resource_plural(self.kind),
            self.name
        )
    }
}

impl std::error::Error for NotFound {}

/// The resource name the API server uses in errors: `pods`, `deployments.apps` (the plural
/// and, outside the core group, the API group).
pub fn resource_plural(kind: Kind) -> String {
    match kind.api_version().split_once('/') {
        Some((group, _)) => format!("{}.{group}", kind.plural()),
        None => kind.plural(),
    }
}

/// The kinds `describe` lays out.
pub const DESCRIBABLE: [Kind; 14] = [
    Kind::Pod,
    Kind::Node,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::Namespace,
    Kind::ResourceQuota,
    Kind::LimitRange,
    Kind::Job,
    Kind::CronJob,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::PersistentVolumeClaim,
    Kind::PodDisruptionBudget,
    Kind::HorizontalPodAutoscaler,
];

mod apps;
mod autoscaling;
mod batch;
mod pdb;

/// The records about `object` up to `at`, from its latest creation on: a pod deleted and
/// created again under the same name is a new object, and kubectl shows only the events of
/// the object it found (events are matched by uid).
pub fn incarnation_records<'a>(
    timeline: &'a Timeline,
    object: &ObjectRef,
    at: SimTime,
) -> Vec<&'a Record> {
    let mut records: Vec<&Record> = Vec::new();
    for record in timeline.records() {
        if record.time > at {
            break;
        }
        if record.object != *object {
            continue;
        }
        if record.body == RecordBody::Created {
            // Whatever came before belongs to an earlier object of that name, except the
            // action that created this one (recorded about it just before).
            let creating_action = records
                .last()
                .filter(|r| Some(r.id) == record.cause)
                .copied();
            records.clear();
            records.extend(creating_action);
        }
        records.push(record);
    }
    records
}

/// `kubectl describe KIND NAME` at `at`: the object as the store holds it (the simulation
/// has run to `at`) and its events from `timeline` up to `at`.
pub fn describe(
    store: &Store,
    timeline: &Timeline,
    kind: Kind,
    key: &ObjectKey,
    at: SimTime,
) -> Result<String, NotFound> {
    let key = if kind.namespaced() {
        key.clone()
    } else {
        ObjectKey::cluster(key.name.clone())
    };
    let not_found = || NotFound {
        kind,
        name: key.name.clone(),
    };
    let object = ObjectRef::new(kind, key.clone());
    let records = incarnation_records(timeline, &object, at);
    let mut body = Lines::default();
    match kind {
        Kind::Pod => {
            let pod = store.get::<Pod>(&key).ok_or_else(not_found)?;
            describe_pod(pod, at, &mut body);
        }
        Kind::Node => {
            let node = store.get::<Node>(&key).ok_or_else(not_found)?;
            describe_node(node, store, at, &mut body);
        }
        Kind::Deployment => {
            let d = store.get::<Deployment>(&key).ok_or_else(not_found)?;
            describe_deployment(d, store, &mut body);
        }
        Kind::ReplicaSet => {
            let rs = store.get::<ReplicaSet>(&key).ok_or_else(not_found)?;
            describe_replicaset(rs, store, &mut body);
        }
        // kubectl prints no events for these three.
        Kind::Namespace => {
            let ns = store.get::<Namespace>(&key).ok_or_else(not_found)?;
            describe_namespace(ns, store, &mut body);
            return Ok(tabwrite(&body.text));
        }
        Kind::ResourceQuota => {
            let q = store.get::<ResourceQuota>(&key).ok_or_else(not_found)?;
            body.field(0, "Name", &q.meta.name);
            body.field(0, "Namespace", &q.meta.namespace);
            quota_table(&mut body, 0, q, "----");
            return Ok(tabwrite(&body.text));
        }
        Kind::LimitRange => {
            let l = store.get::<LimitRange>(&key).ok_or_else(not_found)?;
            body.field(0, "Name", &l.meta.name);
            body.field(0, "Namespace", &l.meta.namespace);
            limit_range_table(&mut body, "", l);
            return Ok(tabwrite(&body.text));
        }
        Kind::Job => {
            let job = store
                .get::<sim_core::objects::Job>(&key)
                .ok_or_else(not_found)?;
            batch::describe_job(job, store, &mut body);
        }
        Kind::CronJob => {
            let cj = store
                .get::<sim_core::objects::CronJob>(&key)
                .ok_or_else(not_found)?;
            batch::describe_cronjob(cj, &mut body);
        }
        Kind::StatefulSet => {
            let set = store
                .get::<sim_core::objects::StatefulSet>(&key)
                .ok_or_else(not_found)?;
            apps::describe_statefulset(set, store, &mut body);
        }
        Kind::DaemonSet => {
            let ds = store
                .get::<sim_core::objects::DaemonSet>(&key)
                .ok_or_else(not_found)?;
            apps::describe_daemonset(ds, store, &mut body);
        }
        Kind::PersistentVolumeClaim => {
            let claim = store
                .get::<sim_core::objects::PersistentVolumeClaim>(&key)
                .ok_or_else(not_found)?;
            apps::describe_persistentvolumeclaim(claim, store, &mut body);
        }
        Kind::PodDisruptionBudget => {
            let budget = store
                .get::<sim_core::objects::PodDisruptionBudget>(&key)
                .ok_or_else(not_found)?;
            pdb::describe_pdb(budget, &mut body);
        }
        Kind::HorizontalPodAutoscaler => {
            let hpa = store
                .get::<sim_core::objects::HorizontalPodAutoscaler>(&key)
                .ok_or_else(not_found)?;
            autoscaling::describe_hpa(hpa, &mut body);
        }
        // Not in DESCRIBABLE: callers check first.
        _ => return Err(not_found()),
    }
    Ok(finish(body, &records, at))
}

/// Lines with tab-separated cells, aligned at the end like kubectl's tab writer aligns them.
#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    /// A line at `level` (two spaces per level, kubectl's `PrefixWriter`).
    fn line(&mut self, level: usize, text: &str) {
        self.text.push_str(&"  ".repeat(level));
        self.text.push_str(text);
        self.text.push('\n');
    }

    /// `title:\tvalue`.
    fn field(&mut self, level: usize, title: &str, value: impl fmt::Display) {
        self.line(level, &format!("{title}:\t{value}"));
    }
}

/// Adds the events and aligns everything: the body and the events table are aligned
/// separately, as kubectl flushes its tab writer before the events.
fn finish(mut body: Lines, records: &[&Record], at: SimTime) -> String {
    let rows = event_rows(records, at);
    if rows.is_empty() {
        body.field(0, "Events", "<none>");
        return tabwrite(&body.text);
    }
    let mut events = Lines::default();
    events.line(0, "Events:");
    events.line(1, "Type\tReason\tAge\tFrom\tMessage");
    events.line(1, "----\t------\t----\t----\t-------");
    for row in rows {
        events.line(1, &row.join("\t"));
    }
    let mut out = tabwrite(&body.text);
    out.push_str(&tabwrite(&events.text));
    out
}

/// One aggregated event: identical events are one row with a count.
struct EventGroup<'a> {
    record: &'a Record,
    count: usize,
    first: SimTime,
    last: SimTime,
}

/// The rows of kubectl's events table (`Type`, `Reason`, `Age`, `From`, `Message`): events
/// that agree on type, reason, message and source are counted in one row, as client-go's
/// event recorder counts them; rows are ordered by their last occurrence, as kubectl sorts
/// them.
fn event_rows(records: &[&Record], now: SimTime) -> Vec<[String; 5]> {
    let mut groups: Vec<EventGroup<'_>> = Vec::new();
    let mut index: BTreeMap<(&str, &str, &str, &str), usize> = BTreeMap::new();
    for record in records {
        let RecordBody::Event {
            type_,
            reason,
            message,
            source,
        } = &record.body
        else {
            continue;
        };
        if source == SCENARIO_SOURCE {
            continue;
        }
        let key = (
            type_.as_str(),
            reason.as_str(),
            message.as_str(),
            source.as_str(),
        );
        match index.get(&key) {
            Some(&i) => {
                groups[i].count += 1;
                groups[i].last = record.time;
            }
            None => {
                index.insert(key, groups.len());
                groups.push(EventGroup {
                    record,
                    count: 1,
                    first: record.time,
                    last: record.time,
                });
            }
        }
    }
    // Stable: groups last seen at the same instant keep the order they first appeared in.
    groups.sort_by_key(|g| g.last);
    let age = |t: SimTime| human_duration(now.saturating_since(t).as_secs());
    groups
        .iter()
        .filter_map(|g| {
            let RecordBody::Event {
                type_,
                reason,
                message,
                source,
            } = &g.record.body
            else {
                return None;
            };
            let when = if g.count > 1 {
                format!("{} (x{} over {})", age(g.last), g.count, age(g.first))
            } else {
                age(g.first)
            };
            Some([
                type_.as_str().to_string(),
                reason.clone(),
                when,
                source.clone(),
                // A tab or newline in a message would break the table.
                message.trim().replace(['\t', '\n'], " "),
            ])
        })
        .collect()
}

/// Padding between columns (kubectl: `tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)`).
const CELL_PADDING: usize = 2;

/// Aligns tab-terminated cells as Go's `text/tabwriter` does: a column is a run of
/// consecutive lines that all have a cell in it, as wide as its widest cell plus the
/// padding; a line without that cell ends the run. Trailing spaces are trimmed.
pub(crate) fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let mut widths = Vec::new();
    let mut out = String::new();
    format_columns(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

/// tabwriter's `format`: lays out the lines `first..end` given the widths of the columns
/// to the left (`widths`), recursing into each block of the next column.
fn format_columns(
    lines: &[Vec<&str>],
    first: usize,
    end: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let has_cell = |line: &Vec<&str>| line.len() > column + 1;
    let mut unprinted = first;
    let mut this = first;
    while this < end {
        if !has_cell(&lines[this]) {
            this += 1;
            continue;
        }
        write_lines(lines, unprinted, this, widths, out);
        let block_start = this;
        let mut width = 0;
        while this < end && has_cell(&lines[this]) {
            width = width.max(lines[this][column].chars().count() + CELL_PADDING);
            this += 1;
        }
        widths.push(width);
        format_columns(lines, block_start, this, widths, out);
        widths.pop();
        unprinted = this;
    }
    write_lines(lines, unprinted, end, widths, out);
}

fn write_lines(lines: &[Vec<&str>], first: usize, end: usize, widths: &[usize], out: &mut String) {
    for cells in lines.iter().take(end).skip(first) {
        let mut line = String::new();
        for (j, cell) in cells.iter().enumerate() {
            line.push_str(cell);
            if let Some(width) = widths.get(j) {
                let pad = width.saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// An instant as kubesim prints it: the Go duration since the start.
fn instant(t: SimTime) -> String {
    t.to_string()
}

/// kubectl's `printLabelsMultiline`: `key=value`, one per line, sorted; `<none>` if empty.
fn labels_multiline(out: &mut Lines, level: usize, title: &str, labels: &BTreeMap<String, String>) {
    let entries = sim_core::selector::label_pairs(labels);
    multiline(out, level, title, &entries);
}

/// kubectl's `printAnnotationsMultiline`: `key: value`; engine bookkeeping is hidden.
fn annotations_multiline(out: &mut Lines, level: usize, annotations: &BTreeMap<String, String>) {
    let entries: Vec<String> = annotations
        .iter()
        .filter(|(k, _)| !k.starts_with(INTERNAL_ANNOTATION_PREFIX))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    multiline(out, level, "Annotations", &entries);
}

/// `Title:\tfirst` then `\tnext` lines, or `Title:\t<none>`.
fn multiline(out: &mut Lines, level: usize, title: &str, entries: &[String]) {
    match entries.split_first() {
        None => out.field(level, title, "<none>"),
        Some((first, rest)) => {
            out.field(level, title, first);
            for entry in rest {
                out.line(level, &format!("\t{entry}"));
            }
        }
    }
}

/// kubectl's toleration line: `key=value:Effect op=Exists for 300s`.
pub(crate) fn toleration_text(t: &Toleration) -> String {
    let mut text = t.key.clone();
    if !t.value.is_empty() {
        text.push_str(&format!("={}", t.value));
    }
    if let Some(effect) = t.effect {
        text.push_str(&format!(":{}", effect.as_str()));
    }
    if t.operator == TolerationOperator::Exists && t.value.is_empty() {
        if t.key.is_empty() && t.effect.is_none() {
            text.push_str("op=Exists");
        } else {
            text.push_str(" op=Exists");
        }
    }
    if let Some(seconds) = t.toleration_seconds {
        text.push_str(&format!(" for {seconds}s"));
    }
    text
}

fn tolerations_multiline(out: &mut Lines, level: usize, tolerations: &[Toleration]) {
    let mut sorted: Vec<&Toleration> = tolerations.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let entries: Vec<String> = sorted.into_iter().map(toleration_text).collect();
    multiline(out, level, "Tolerations", &entries);
}

/// kubectl's `DescribeProbe`: `http-get http://:8080/healthz delay=0s timeout=1s period=10s
/// #success=1 #failure=3`.
pub fn describe_probe(probe: &Probe) -> String {
    let attributes = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        probe.initial_delay_seconds,
        probe.timeout_seconds,
        probe.period_seconds,
        probe.success_threshold,
        probe.failure_threshold
    );
    match &probe.handler {
        ProbeHandler::Exec(command) => format!("exec [{}] {attributes}", command.join(" ")),
        ProbeHandler::HttpGet { scheme, port, path } => {
            // Go's url.URL adds the slash a relative path lacks once there is a host.
            let slash = if path.is_empty() || path.starts_with('/') {
                ""
            } else {
                "/"
            };
            format!(
                "http-get {}://:{port}{slash}{path} {attributes}",
                scheme.to_ascii_lowercase()
            )
        }
        ProbeHandler::TcpSocket(port) => format!("tcp-socket :{port} {attributes}"),
        // kubectl prints the gRPC service name between the port and the attributes; kubesim
        // models none, so the gap is kubectl's for an unset service.
        ProbeHandler::Grpc(port) => format!("grpc <pod>:{port}  {attributes}"),
    }
}

/// `Limits:` / `Requests:` with one resource per line, names sorted as kubectl sorts them.
fn resources_section(out: &mut Lines, level: usize, container: &Container) {
    for (title, amounts) in [
        ("Limits", &container.limits),
        ("Requests", &container.requests),
    ] {
        let entries = resource_entries(amounts, false);
        if entries.is_empty() {
            continue;
        }
        out.line(level, &format!("{title}:"));
        for (name, value) in entries {
            out.field(level + 1, &name, value);
        }
    }
}

/// The non-zero amounts of `r` as (name, quantity), sorted by name.
fn resource_entries(r: &Resources, with_pods: bool) -> Vec<(String, String)> {
    let mut entries: BTreeMap<String, String> = BTreeMap::new();
    if r.cpu_millis > 0 {
        entries.insert("cpu".to_string(), format_cpu_millis(r.cpu_millis));
    }
    if r.memory_bytes > 0 {
        entries.insert("memory".to_string(), format_bytes(r.memory_bytes));
    }
    if r.ephemeral_storage_bytes > 0 {
        entries.insert(
            "ephemeral-storage".to_string(),
            format_bytes(r.ephemeral_storage_bytes),
        );
    }
    if with_pods && r.pods > 0 {
        entries.insert("pods".to_string(), r.pods.to_string());
    }
    for (name, amount) in r.extended.iter().filter(|(_, a)| **a > 0) {
        entries.insert(name.clone(), amount.to_string());
    }
    entries.into_iter().collect()
}

/// kubectl's `describeStatus`: `State:  Running` and the details under it.
fn container_state(out: &mut Lines, title: &str, state: &ContainerState) {
    match state {
        ContainerState::Running { started_at } => {
            out.field(2, title, "Running");
            out.field(3, "Started", instant(*started_at));
        }
        ContainerState::Waiting { reason, .. } => {
            out.field(2, title, "Waiting");
            if !reason.is_empty() {
                out.field(3, "Reason", reason);
            }
        }
        ContainerState::Terminated {
            exit_code,
            reason,
            started_at,
            finished_at,
        } => {
            out.field(2, title, "Terminated");
            if !reason.is_empty() {
                out.field(3, "Reason", reason);
            }
            out.field(3, "Exit Code", exit_code);
            out.field(3, "Started", instant(*started_at));
            out.field(3, "Finished", instant(*finished_at));
        }
    }
}

/// kubectl's `describeContainers`: one block per container of the spec, with its status
/// when the kubelet has reported one. Inside a pod template (`space` is two spaces) kubectl
/// indents the title and the container names but not the fields.
fn containers_section(
    out: &mut Lines,
    title: &str,
    containers: &[Container],
    statuses: &[ContainerStatus],
    space: &str,
) {
    out.line(0, &format!("{space}{title}:"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for container in containers {
        out.line(1, &format!("{name_indent}{}:", container.name));
        out.field(2, "Image", &container.image);
        if let Some(status) = statuses.iter().find(|s| s.name == container.name) {
            container_state(out, "State", &status.state);
            if let Some(last @ ContainerState::Terminated { .. }) = &status.last_state {
                container_state(out, "Last State", last);
            }
            out.field(2, "Ready", if status.ready { "True" } else { "False" });
            out.field(2, "Restart Count", status.restart_count);
        }
        resources_section(out, 2, container);
        for (title, probe) in [
            ("Liveness", &container.liveness_probe),
            ("Readiness", &container.readiness_probe),
            ("Startup", &container.startup_probe),
        ] {
            if let Some(probe) = probe {
                out.field(2, title, describe_probe(probe));
            }
        }
    }
}

fn controlled_by(out: &mut Lines, meta: &ObjectMeta) {
    if let Some(owner) = meta.controller_ref() {
        out.field(
            0,
            "Controlled By",
            format!("{}/{}", owner.kind.name(), owner.name),
        );
    }
}

fn describe_pod(pod: &Pod, at: SimTime, out: &mut Lines) {
    let meta = &pod.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(0, "Priority", pod.spec.priority);
    if !pod.spec.priority_class_name.is_empty() {
        out.field(0, "Priority Class Name", &pod.spec.priority_class_name);
    }
    out.field(0, "Node", pod.spec.node_name.as_deref().unwrap_or("<none>"));
    if let Some(start) = pod.status.start_time {
        out.field(0, "Start Time", instant(start));
    }
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    // kubectl's describer prints the phase (the STATUS column of `get` is another thing),
    // or how long a deletion has lasted: `translateTimestampSince` of a deletionTimestamp
    // still ahead reads `<invalid>`, as kubectl prints it.
    let terminal = matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed);
    match (
        meta.deletion_timestamp,
        meta.deletion_grace_period_seconds,
        terminal,
    ) {
        (Some(deadline), Some(grace), false) => {
            let lasts = if at.as_millis() + 1000 < deadline.as_millis() {
                "<invalid>".to_string()
            } else {
                human_duration(at.saturating_since(deadline).as_secs())
            };
            out.field(0, "Status", format!("Terminating (lasts {lasts})"));
            out.field(0, "Termination Grace Period", format!("{grace}s"));
        }
        _ => out.field(0, "Status", pod.status.phase.as_str()),
    }
    if !pod.status.reason.is_empty() {
        out.field(0, "Reason", &pod.status.reason);
    }
    if !pod.status.message.is_empty() {
        out.field(0, "Message", &pod.status.message);
    }
    controlled_by(out, meta);
    if !pod.spec.init_containers.is_empty() {
        containers_section(
            out,
            "Init Containers",
            &pod.spec.init_containers,
            &pod.status.init_container_statuses,
            "",
        );
    }
    containers_section(
        out,
        "Containers",
        &pod.spec.containers,
        &pod.status.container_statuses,
        "",
    );
    if !pod.status.conditions.is_empty() {
        out.line(0, "Conditions:");
        out.line(1, "Type\tStatus");
        for c in &pod.status.conditions {
            out.line(1, &format!("{} \t{} ", c.type_.as_str(), c.status.as_str()));
        }
    }
    out.field(0, "QoS Class", qos_class(&pod.spec));
    labels_multiline(out, 0, "Node-Selectors", &pod.spec.node_selector);
    tolerations_multiline(out, 0, &pod.spec.tolerations);
}

/// kubectl's `DescribePodTemplate`.
fn pod_template(out: &mut Lines, template: &PodTemplate) {
    out.line(0, "Pod Template:");
    labels_multiline(out, 1, "Labels", &template.labels);
    let visible = template
        .annotations
        .keys()
        .any(|k| !k.starts_with(INTERNAL_ANNOTATION_PREFIX));
    if visible {
        annotations_multiline(out, 1, &template.annotations);
    }
    if !template.spec.init_containers.is_empty() {
        containers_section(
            out,
            "Init Containers",
            &template.spec.init_containers,
            &[],
            "  ",
        );
    }
    containers_section(out, "Containers", &template.spec.containers, &[], "  ");
    labels_multiline(out, 1, "Node-Selectors", &template.spec.node_selector);
    tolerations_multiline(out, 1, &template.spec.tolerations);
}

/// kubectl's `printReplicaSetsByLabels`: `web-5d4f8 (3/3 replicas created)`.
fn replicasets_text(sets: &[&ReplicaSet]) -> String {
    if sets.is_empty() {
        return "<none>".to_string();
    }
    sets.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.meta.name, rs.status.replicas, rs.replicas
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn without_hash(template: &PodTemplate) -> PodTemplate {
    let mut t = template.clone();
    t.labels.remove(POD_TEMPLATE_HASH);
    t
}

fn describe_deployment(d: &Deployment, store: &Store, out: &mut Lines) {
    let meta = &d.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(0, "CreationTimestamp", instant(meta.creation_timestamp));
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    out.field(0, "Selector", &d.selector);
    out.field(
        0,
        "Replicas",
        format!(
            "{} desired | {} updated | {} total | {} available | {} unavailable",
            d.replicas,
            d.status.updated_replicas,
            d.status.replicas,
            d.status.available_replicas,
            d.status.unavailable_replicas
        ),
    );
    let strategy = match d.strategy {
        DeploymentStrategy::Recreate => "Recreate",
        DeploymentStrategy::RollingUpdate { .. } => "RollingUpdate",
    };
    out.field(0, "StrategyType", strategy);
    out.field(0, "MinReadySeconds", d.min_ready_seconds);
    if let DeploymentStrategy::RollingUpdate {
        max_surge,
        max_unavailable,
    } = d.strategy
    {
        out.field(
            0,
            "RollingUpdateStrategy",
            format!("{max_unavailable} max unavailable, {max_surge} max surge"),
        );
    }
    pod_template(out, &d.template);
    if !d.status.conditions.is_empty() {
        out.line(0, "Conditions:");
        out.line(1, "Type\tStatus\tReason");
        out.line(1, "----\t------\t------");
        for c in &d.status.conditions {
            out.line(
                1,
                &format!("{} \t{}\t{}", c.type_, c.status.as_str(), c.reason),
            );
        }
    }
    // The new ReplicaSet is the one whose template is the Deployment's; old ones count
    // only while they still have replicas (deployment util's FindOldReplicaSets).
    let owned: Vec<&ReplicaSet> = store
        .list_namespace::<ReplicaSet>(&meta.namespace)
        .filter(|rs| {
            rs.meta
                .controller_ref()
                .is_some_and(|o| o.kind == Kind::Deployment && o.uid == meta.uid)
        })
        .collect();
    let wanted = without_hash(&d.template);
    let (new, old): (Vec<&ReplicaSet>, Vec<&ReplicaSet>) = owned
        .into_iter()
        .partition(|rs| without_hash(&rs.template) == wanted);
    let old: Vec<&ReplicaSet> = old.into_iter().filter(|rs| rs.replicas > 0).collect();
    out.field(0, "OldReplicaSets", replicasets_text(&old));
    out.field(0, "NewReplicaSet", replicasets_text(&new));
}

fn describe_replicaset(rs: &ReplicaSet, store: &Store, out: &mut Lines) {
    let meta = &rs.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Namespace", &meta.namespace);
    out.field(0, "Selector", &rs.selector);
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    controlled_by(out, meta);
    out.field(
        0,
        "Replicas",
        format!("{} current / {} desired", rs.status.replicas, rs.replicas),
    );
    // kubectl's getPodStatusForController: the pods it controls, by phase.
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for pod in store.list_namespace::<Pod>(&meta.namespace).filter(|p| {
        p.meta
            .controller_ref()
            .is_some_and(|o| o.uid == meta.uid && o.kind == Kind::ReplicaSet)
    }) {
        match pod.status.phase {
            PodPhase::Running => running += 1,
            PodPhase::Pending => waiting += 1,
            PodPhase::Succeeded => succeeded += 1,
            PodPhase::Failed => failed += 1,
            PodPhase::Unknown => {}
        }
    }
    out.field(
        0,
        "Pods Status",
        format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"),
    );
    pod_template(out, &rs.template);
}

/// `Resource Used Hard` rows of a quota (kubectl's `describeQuota` underlines with `----`,
/// `DescribeResourceQuotas` inside a namespace with `---`).
fn quota_table(out: &mut Lines, level: usize, q: &ResourceQuota, rule: &str) {
    out.line(level, "Resource\tUsed\tHard");
    out.line(level, &format!("--------\t{rule}\t{rule}"));
    for (name, hard) in &q.hard {
        let unit = ResourceUnit::of(name);
        let used = q.used.get(name).copied().unwrap_or(0);
        out.line(
            level,
            &format!("{name}\t{}\t{}", unit.format(used), unit.format(*hard)),
        );
    }
}

/// kubectl's LimitRange table, one row per (item, resource); `-` where a value is unset.
/// `indent` is the one-space indent `describeNamespace` uses.
fn limit_range_table(out: &mut Lines, indent: &str, l: &LimitRange) {
    out.line(
        0,
        &format!(
            "{indent}Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio"
        ),
    );
    out.line(
        0,
        &format!(
            "{indent}----\t--------\t---\t---\t---------------\t-------------\t-----------------------"
        ),
    );
    for item in &l.limits {
        let names: BTreeSet<&String> = item
            .max
            .keys()
            .chain(item.min.keys())
            .chain(item.default.keys())
            .chain(item.default_request.keys())
            .chain(item.max_limit_request_ratio_millis.keys())
            .collect();
        for name in names {
            let unit = ResourceUnit::of(name);
            let show = |list: &BTreeMap<String, u64>| {
                list.get(name.as_str())
                    .map_or("-".to_string(), |v| unit.format(*v))
            };
            let ratio = item
                .max_limit_request_ratio_millis
                .get(name.as_str())
                .map_or("-".to_string(), |v| ResourceUnit::Millis.format(*v));
            out.line(
                0,
                &format!(
                    "{indent}{}\t{name}\t{}\t{}\t{}\t{}\t{ratio}",
                    item.limit_type.as_str(),
                    show(&item.min),
                    show(&item.max),
                    show(&item.default_request),
                    show(&item.default),
                ),
            );
        }
    }
}

/// kubectl's `describeNamespace`: status, then its quotas and limit ranges.
fn describe_namespace(ns: &Namespace, store: &Store, out: &mut Lines) {
    out.field(0, "Name", &ns.meta.name);
    labels_multiline(out, 0, "Labels", &ns.meta.labels);
    annotations_multiline(out, 0, &ns.meta.annotations);
    out.field(0, "Status", ns.phase.as_str());
    out.line(0, "");
    let quotas: Vec<&ResourceQuota> = store.list_namespace(&ns.meta.name).collect();
    if quotas.is_empty() {
        out.line(0, "No resource quota.");
    } else {
        out.line(0, "Resource Quotas");
        for q in quotas {
            out.field(1, "Name", &q.meta.name);
            quota_table(out, 1, q, "---");
        }
    }
    out.line(0, "");
    let ranges: Vec<&LimitRange> = store.list_namespace(&ns.meta.name).collect();
    if ranges.is_empty() {
        out.line(0, "No LimitRange resource.");
    } else {
        out.line(0, "Resource Limits");
        for l in ranges {
            limit_range_table(out, " ", l);
        }
    }
}

/// A pod's limits as kubectl's resource helper sums them: app containers and sidecars
/// added, each regular init container alone (the larger wins).
fn pod_limits(pod: &Pod) -> Resources {
    let mut total = Resources::default();
    for c in &pod.spec.containers {
        total.add(&c.limits);
    }
    for c in &pod.spec.init_containers {
        if c.restart_policy.is_some() {
            total.add(&c.limits);
        } else {
            total.max_with(&c.limits);
        }
    }
    total
}

/// `100m (2%)`: an amount and its share of the allocatable amount, truncated as kubectl
/// truncates it.
fn share(amount: u64, allocatable: u64, format: fn(u64) -> String) -> String {
    let percent = (u128::from(amount) * 100)
        .checked_div(u128::from(allocatable))
        .unwrap_or(0);
    format!("{} ({percent}%)", format(amount))
}

fn describe_node(node: &Node, store: &Store, at: SimTime, out: &mut Lines) {
    let meta = &node.meta;
    out.field(0, "Name", &meta.name);
    out.field(0, "Roles", "<none>");
    labels_multiline(out, 0, "Labels", &meta.labels);
    annotations_multiline(out, 0, &meta.annotations);
    out.field(0, "CreationTimestamp", instant(meta.creation_timestamp));
    let mut taints: Vec<String> = node
        .taints
        .iter()
        .map(|t| {
            if t.value.is_empty() {
                format!("{}:{}", t.key, t.effect.as_str())
            } else {
                format!("{}={}:{}", t.key, t.value, t.effect.as_str())
            }
        })
        .collect();
    taints.sort();
    multiline(out, 0, "Taints", &taints);
    out.field(0, "Unschedulable", node.unschedulable);
    // The kubelet's four conditions as the API shows them at `at` (heartbeats included).
    let view = node_to_json_at(node, at);
    let conditions = view["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    out.line(0, "Conditions:");
    out.line(
        1,
        "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage",
    );
    out.line(
        1,
        "----\t------\t-----------------\t------------------\t------\t-------",
    );
    let heartbeat = instant(node.last_heartbeat(at));
    let transition = instant(
        node.health
            .last_transition_time
            .max(node.meta.creation_timestamp),
    );
    for condition in &conditions {
        let text = |field: &str| condition[field].as_str().unwrap_or("").to_string();
        out.line(
            1,
            &format!(
                "{}\t{}\t{heartbeat}\t{transition}\t{}\t{}",
                text("type"),
                text("status"),
                text("reason"),
                text("message")
            ),
        );
    }
    for (title, amounts) in [
        ("Capacity", &node.capacity),
        ("Allocatable", &node.allocatable),
    ] {
        out.line(0, &format!("{title}:"));
        for (name, value) in resource_entries(amounts, true) {
            out.field(1, &name, value);
        }
    }
    out.line(0, "System Info:");
    out.field(1, "Kubelet Version", KUBELET_VERSION);
    let pods: Vec<&Pod> = store
        .list::<Pod>()
        .filter(|p| {
            p.spec.node_name.as_deref() == Some(meta.name.as_str()) && !p.status.phase.is_terminal()
        })
        .collect();
    out.field(
        0,
        "Non-terminated Pods",
        format!("({} in total)", pods.len()),
    );
    let allocatable = &node.allocatable;
    let mut requested = Resources::default();
    let mut limited = Resources::default();
    if !pods.is_empty() {
        out.line(
            1,
            "Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge",
        );
        out.line(
            1,
            "---------\t----\t------------\t----------\t---------------\t-------------\t---",
        );
    }
    for pod in &pods {
        let requests = pod.spec.effective_requests();
        let limits = pod_limits(pod);
        out.line(
            1,
            &[
                pod.meta.namespace.clone(),
                pod.meta.name.clone(),
                share(
                    requests.cpu_millis,
                    allocatable.cpu_millis,
                    format_cpu_millis,
                ),
                share(limits.cpu_millis, allocatable.cpu_millis, format_cpu_millis),
                share(
                    requests.memory_bytes,
                    allocatable.memory_bytes,
                    format_bytes,
                ),
                share(limits.memory_bytes, allocatable.memory_bytes, format_bytes),
                human_duration(at.saturating_since(pod.meta.creation_timestamp).as_secs()),
            ]
            .join("\t"),
        );
        requested.add(&requests);
        limited.add(&limits);
    }
    out.line(0, "Allocated resources:");
    out.line(
        1,
        "(Total limits may be over 100 percent, i.e., overcommitted.)",
    );
    out.line(1, "Resource\tRequests\tLimits");
    out.line(1, "--------\t--------\t------");
    out.line(
        1,
        &format!(
            "cpu\t{}\t{}",
            share(
                requested.cpu_millis,
                allocatable.cpu_millis,
                format_cpu_millis
            ),
            share(
                limited.cpu_millis,
                allocatable.cpu_millis,
                format_cpu_millis
            )
        ),
    );
    out.line(
        1,
        &format!(
            "memory\t{}\t{}",
            share(
                requested.memory_bytes,
                allocatable.memory_bytes,
                format_bytes
            ),
            share(limited.memory_bytes, allocatable.memory_bytes, format_bytes)
        ),
    );
}

/// The revision kubectl would print for a Deployment or ReplicaSet, if annotated.
pub(crate) fn revision(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations.get(REVISION).map(String::as_str)
}

/// Simulations for the tests of `describe` and `explain`.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::{Path, PathBuf};

    use sim_core::sim::Simulation;
    use sim_core::time::SimTime;

    use crate::run::{build, RunOptions};
    use crate::scenario::{load_scenario, parse_scenario, Scenario};

    fn scenarios_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
    }

    /// A curated scenario (`liveness.yaml`) run to `at`.
    pub(crate) fn curated(name: &str, at: SimTime) -> Simulation {
        let scenario =
            load_scenario(&scenarios_dir().join(name)).expect("the curated scenario loads");
        run_to(&scenario, at)
    }

    /// A curated scenario and its simulation run to `at`, for stories that read the
    /// scenario's manifests.
    pub(crate) fn curated_with_scenario(name: &str, at: SimTime) -> (Scenario, Simulation) {
        let scenario =
            load_scenario(&scenarios_dir().join(name)).expect("the curated scenario loads");
        let sim = run_to(&scenario, at);
        (scenario, sim)
    }

    /// A scenario given as text (its document, then manifests) and its simulation run to
    /// `at`.
    pub(crate) fn inline_with_scenario(text: &str, at: SimTime) -> (Scenario, Simulation) {
        let scenario =
            parse_scenario("inline.yaml", text, &scenarios_dir()).expect("the scenario parses");
        let sim = run_to(&scenario, at);
        (scenario, sim)
    }

    fn run_to(scenario: &Scenario, at: SimTime) -> Simulation {
        let mut sim = build(scenario, &RunOptions::default()).expect("the simulation builds");
        sim.run_until(at).expect("the simulation runs");
        sim
    }

    /// `s` seconds.
    pub(crate) const fn secs(s: u64) -> SimTime {
        SimTime(s * 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{curated, secs};
    use super::*;
    use sim_core::timeline::EventType;

    /// `text` with runs of spaces squeezed to one, to compare table rows whatever their
    /// column widths.
    fn squeezed(text: &str) -> String {
        text.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn describe_at(name: &str, kind: Kind, key: ObjectKey, at: SimTime) -> String {
        let sim = curated(name, at);
        describe(sim.store(), sim.timeline(), kind, &key, at).expect("the object exists")
    }

    /// A pod killed by its liveness probe and restarted twice, read at 2m.
    #[test]
    fn a_restarted_pod_reads_like_kubectl_describe() {
        let text = describe_at(
            "liveness.yaml",
            Kind::Pod,
            ObjectKey::new("default", "api"),
            secs(120),
        );
        for line in [
            "Name:         api\n",
            "Namespace:    default\n",
            "Node:         node-1\n",
            "Start Time:   0s\n",
            "Labels:       app=api\n",
            "Status:       Running\n",
            "Containers:\n  api:\n    Image:          example.com/api:2.3.1\n",
            "    State:          Running\n      Started:      1m50s\n",
            "    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    143\n      Started:      50s\n      Finished:     1m40s\n",
            "    Ready:          True\n    Restart Count:  2\n",
            "    Liveness:       http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n",
            "    Readiness:      http-get http://:8080/ready delay=0s timeout=1s period=5s #success=1 #failure=1\n",
            "Conditions:\n  Type                        Status\n",
            "QoS Class:                    BestEffort\n",
            "Events:\n  Type     Reason     Age",
        ] {
            assert!(text.contains(line), "{line:?} missing from:\n{text}");
        }
        let rows = squeezed(&text);
        for row in [
            "Normal Scheduled 2m default-scheduler Successfully assigned default/api to node-1\n",
            "Normal Killing 20s (x2 over 70s) kubelet Container api failed liveness probe, will be restarted\n",
            "Warning BackOff 20s kubelet Back-off restarting failed container api in pod api_default(",
        ] {
            assert!(rows.contains(row), "{row:?} missing from:\n{text}");
        }
        // Repeated probe failures are one row with a count, however many the kubelet wrote.
        let unhealthy = text
            .lines()
            .find(|l| l.contains("Liveness probe failed"))
            .expect("an Unhealthy row");
        assert!(
            unhealthy.contains("Warning  Unhealthy") && unhealthy.contains(" (x"),
            "{unhealthy}"
        );
        assert!(
            !text.contains("scenario"),
            "scenario actions are not events:\n{text}"
        );
    }

    #[test]
    fn a_terminating_pod_shows_kubectls_terminating_line() {
        let text = describe_at(
            "lessons/graceful-termination-prestop.yaml",
            Kind::Pod,
            ObjectKey::new("default", "stubborn"),
            secs(70),
        );
        // kubectl's `translateTimestampSince` of a deletionTimestamp still ahead.
        assert!(
            text.contains("Status:                    Terminating (lasts <invalid>)\n"),
            "{text}"
        );
        assert!(text.contains("Termination Grace Period:  30s\n"), "{text}");
    }

    #[test]
    fn a_crash_looping_pod_shows_its_back_off_row() {
        let text = describe_at(
            "crashloop.yaml",
            Kind::Pod,
            ObjectKey::new("default", "crasher"),
            secs(120),
        );
        // The phase: CrashLoopBackOff is a container state, not the pod's status.
        assert!(text.contains("Status:       Running\n"), "{text}");
        assert!(
            text.contains("    State:          Waiting\n      Reason:       CrashLoopBackOff\n"),
            "{text}"
        );
        assert!(text.contains("    Restart Count:  4\n"), "{text}");
        assert!(
            text.contains("Annotations:  kubesim.io/exit-code: 1\n"),
            "{text}"
        );
        assert!(
            squeezed(&text).contains(
                "Warning BackOff 50s (x4 over 2m) kubelet Back-off restarting failed container app in pod crasher_default("
            ),
            "{text}"
        );
    }

    #[test]
    fn workloads_and_nodes_are_described() {
        let at = secs(180);
        let d = describe_at(
            "rollout.yaml",
            Kind::Deployment,
            ObjectKey::new("default", "api"),
            at,
        );
        for line in [
            "Replicas:               4 desired | 4 updated | 4 total | 4 available | 0 unavailable\n",
            "StrategyType:           RollingUpdate\n",
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n",
            "Pod Template:\n  Labels:  app=api\n  Containers:\n   api:\n    Image:  example.com/api:1.1.0\n",
            "  Available      True    MinimumReplicasAvailable\n",
            "OldReplicaSets:  <none>\n",
            "NewReplicaSet:   api-",
            "Normal  ScalingReplicaSet  3m    deployment-controller  Scaled up replica set api-",
        ] {
            assert!(d.contains(line), "{line:?} missing from:\n{d}");
        }
        let sim = curated("rollout.yaml", at);
        let rs = sim
            .store()
            .list::<ReplicaSet>()
            .find(|rs| rs.replicas == 4)
            .expect("the new replica set");
        let text = describe(
            sim.store(),
            sim.timeline(),
            Kind::ReplicaSet,
            &rs.meta.key(),
            at,
        )
        .expect("described");
        assert!(text.contains("Controlled By:  Deployment/api\n"), "{text}");
        assert!(
            text.contains("Replicas:       4 current / 4 desired\n"),
            "{text}"
        );
        assert!(
            text.contains("Pods Status:    4 Running / 0 Waiting / 0 Succeeded / 0 Failed\n"),
            "{text}"
        );
        let node = describe(
            sim.store(),
            sim.timeline(),
            Kind::Node,
            // A namespace given for a node is ignored, as kubectl ignores it.
            &ObjectKey::new("default", "worker-1"),
            at,
        )
        .expect("described");
        assert!(node.contains("Name:               worker-1\n"), "{node}");
        assert!(node.contains("Non-terminated Pods:  ("), "{node}");
        assert!(node.contains("  cpu       "), "{node}");
        assert!(
            node.ends_with("Events:     <none>\n") || node.contains("Events:"),
            "{node}"
        );
    }

    #[test]
    fn missing_objects_are_not_found() {
        let sim = curated("liveness.yaml", secs(10));
        let error = describe(
            sim.store(),
            sim.timeline(),
            Kind::Pod,
            &ObjectKey::new("default", "nope"),
            secs(10),
        )
        .expect_err("no such pod");
        assert_eq!(
            error.to_string(),
            "Error from server (NotFound): pods \"nope\" not found"
        );
        // The pod exists in another namespace only if it was created there.
        assert!(describe(
            sim.store(),
            sim.timeline(),
            Kind::Pod,
            &ObjectKey::new("kube-system", "api"),
            secs(10)
        )
        .is_err());
    }

    #[test]
    fn tabwriter_aligns_runs_of_lines_like_go() {
        let text = "Name:\tapi\nNamespace:\tdefault\nContainers:\n  api:\n    Image:\tx\n    Restart Count:\t0\n";
        assert_eq!(
            tabwrite(text),
            "Name:       api\nNamespace:  default\nContainers:\n  api:\n    Image:          x\n    Restart Count:  0\n"
        );
        // Nested columns are aligned inside the block of the column to their left.
        let table = "  Type\tReason\tAge\n  ----\t------\t---\n  Warning\tBackOff\t5s\n";
        assert_eq!(
            tabwrite(table),
            "  Type     Reason   Age\n  ----     ------   ---\n  Warning  BackOff  5s\n"
        );
        assert_eq!(tabwrite(""), "");
        assert_eq!(tabwrite("\t\t\n"), "\n");
    }

    #[test]
    fn probes_read_like_kubectl() {
        let probe = |handler| Probe {
            handler,
            initial_delay_seconds: 5,
            period_seconds: 10,
            timeout_seconds: 1,
            success_threshold: 1,
            failure_threshold: 3,
            termination_grace_period_seconds: None,
        };
        let http = probe(ProbeHandler::HttpGet {
            scheme: "HTTP".to_string(),
            port: "8080".to_string(),
            path: "/healthz".to_string(),
        });
        assert_eq!(
            describe_probe(&http),
            "http-get http://:8080/healthz delay=5s timeout=1s period=10s #success=1 #failure=3"
        );
        let exec = probe(ProbeHandler::Exec(vec![
            "cat".to_string(),
            "/tmp/healthy".to_string(),
        ]));
        assert!(describe_probe(&exec).starts_with("exec [cat /tmp/healthy] delay=5s"));
        let tcp = probe(ProbeHandler::TcpSocket("8080".to_string()));
        assert!(describe_probe(&tcp).starts_with("tcp-socket :8080 delay=5s"));
        let grpc = probe(ProbeHandler::Grpc(9090));
        assert!(describe_probe(&grpc).starts_with("grpc <pod>:9090  delay=5s"));
    }

    fn pod_ref(name: &str) -> ObjectRef {
        ObjectRef::new(Kind::Pod, ObjectKey::new("default", name))
    }

    fn event(t: &mut Timeline, at: u64, name: &str, type_: EventType, reason: &str, message: &str) {
        t.push(
            SimTime(at * 1000),
            pod_ref(name),
            None,
            RecordBody::Event {
                type_,
                reason: reason.to_string(),
                message: message.to_string(),
                source: "kubelet".to_string(),
            },
        );
    }

    #[test]
    fn identical_events_are_counted_in_one_row() {
        let mut t = Timeline::new();
        t.push(SimTime(0), pod_ref("api"), None, RecordBody::Created);
        let failed = "Liveness probe failed: HTTP probe failed with statuscode: 500";
        for at in [30, 40, 50] {
            event(&mut t, at, "api", EventType::Warning, "Unhealthy", failed);
        }
        event(&mut t, 50, "api", EventType::Normal, "Killing", "Stopping");
        event(
            &mut t,
            60,
            "other",
            EventType::Normal,
            "Killing",
            "Stopping",
        );
        event(&mut t, 70, "api", EventType::Warning, "Unhealthy", failed);
        let records = incarnation_records(&t, &pod_ref("api"), SimTime(90_000));
        let rows = event_rows(&records, SimTime(90_000));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][1], "Killing");
        assert_eq!(rows[0][2], "40s");
        assert_eq!(rows[1][1], "Unhealthy");
        assert_eq!(rows[1][2], "20s (x4 over 60s)");
        // Up to 45 s only the first two failures exist.
        let records = incarnation_records(&t, &pod_ref("api"), SimTime(45_000));
        let rows = event_rows(&records, SimTime(45_000));
        assert_eq!(rows[0][2], "5s (x2 over 15s)");
    }

    #[test]
    fn a_recreated_object_shows_only_its_own_records() {
        let mut t = Timeline::new();
        t.push(SimTime(0), pod_ref("api"), None, RecordBody::Created);
        event(&mut t, 10, "api", EventType::Warning, "BackOff", "old");
        t.push(SimTime(20_000), pod_ref("api"), None, RecordBody::Deleted);
        let apply = t.push(
            SimTime(30_000),
            pod_ref("api"),
            None,
            RecordBody::Event {
                type_: EventType::Normal,
                reason: "Apply".to_string(),
                message: "kubectl apply pod/api".to_string(),
                source: SCENARIO_SOURCE.to_string(),
            },
        );
        t.push(
            SimTime(30_000),
            pod_ref("api"),
            Some(apply),
            RecordBody::Created,
        );
        let records = incarnation_records(&t, &pod_ref("api"), SimTime(40_000));
        assert_eq!(records.len(), 2, "{records:?}");
        assert_eq!(records[0].id, apply);
        assert!(event_rows(&records, SimTime(40_000)).is_empty());
    }

    #[test]
    fn not_found_reads_like_the_api_server() {
        let e = NotFound {
            kind: Kind::Deployment,
            name: "web".to_string(),
        };
        assert_eq!(
            e.to_string(),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
    }
}
