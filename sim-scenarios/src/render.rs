//! The timeline for people and for tools: an aligned table (`--output table`) and JSON
//! lines (`--output jsonl`).
//!
//! Both are pure functions of the timeline, so a deterministic run renders byte-identical
//! text; they append to a `String` and leave writing it out, whole or not at all, to the
//! caller.

use std::iter;

use serde::Serialize;
use sim_core::objects::ObjectRef;
use sim_core::time::format_go_duration;
use sim_core::timeline::{EventType, Record, RecordBody, Timeline};

/// Options of [`render_table`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Adds the `ID` of each record and the id of the record that caused it (`CAUSE`), the
    /// links `kubesim explain` follows.
    pub show_ids: bool,
}

/// Space between columns, as kubectl's tab writer pads them.
const GAP: &str = "   ";
/// Longer object names are shortened in the middle, keeping the generated suffix that
/// tells pods apart; the JSON lines keep them whole.
const MAX_OBJECT_WIDTH: usize = 48;
/// The `WHAT` column is no wider than this; a longer field path is printed whole and
/// pushes the rest of its own line only.
const MAX_WHAT_WIDTH: usize = 40;

/// `pod/web-abc12`, or `kube-system/pod/x` outside the `default` namespace.
fn object_text(object: &ObjectRef) -> String {
    let namespace = object.key.namespace.as_str();
    if namespace.is_empty() || namespace == "default" {
        format!("{}/{}", object.kind.resource(), object.key.name)
    } else {
        format!("{namespace}/{}/{}", object.kind.resource(), object.key.name)
    }
}

/// `text` cut to `max` characters by replacing its middle with `…`.
fn shorten_middle(text: String, max: usize) -> String {
    let len = text.chars().count();
    if len <= max || max < 3 {
        return text;
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(len - tail));
    out
}

/// `text` on one line: control characters (a newline in an event message) are escaped so
/// that they cannot break the table.
fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The cells of one line of the table.
struct Row {
    id: String,
    cause: String,
    time: String,
    object: String,
    what: String,
    detail: String,
}

impl Row {
    fn header() -> Row {
        Row {
            id: "ID".to_string(),
            cause: "CAUSE".to_string(),
            time: "TIME".to_string(),
            object: "OBJECT".to_string(),
            what: "WHAT".to_string(),
            detail: "DETAIL".to_string(),
        }
    }

    fn of(record: &Record) -> Row {
        let (what, detail) = match &record.body {
            RecordBody::Created => ("created".to_string(), String::new()),
            RecordBody::Deleted => ("deleted".to_string(), String::new()),
            RecordBody::Changed { field, from, to } => (field.clone(), format!("{from} → {to}")),
            RecordBody::Event {
                type_,
                reason,
                message,
                ..
            } => {
                let detail = match type_ {
                    EventType::Normal => message.clone(),
                    EventType::Warning if message.is_empty() => "Warning".to_string(),
                    EventType::Warning => format!("Warning: {message}"),
                };
                (reason.clone(), detail)
            }
            RecordBody::Probe {
                container,
                probe,
                success,
                run,
                threshold,
            } => (
                "probe".to_string(),
                format!(
                    "{probe} probe of {container}: {} ({run} in a row, threshold {threshold})",
                    if *success { "success" } else { "failure" }
                ),
            ),
        };
        Row {
            id: record.id.to_string(),
            cause: record.cause.map_or("-".to_string(), |c| c.to_string()),
            time: format_go_duration(record.time.as_millis()),
            object: shorten_middle(one_line(&object_text(&record.object)), MAX_OBJECT_WIDTH),
            what: one_line(&what),
            detail: one_line(&detail),
        }
    }
}

fn push_right_aligned(line: &mut String, text: &str, width: usize) {
    let len = text.chars().count();
    line.extend(iter::repeat_n(' ', width.saturating_sub(len)));
    line.push_str(text);
}

fn push_left_aligned(line: &mut String, text: &str, width: usize) {
    let len = text.chars().count();
    line.push_str(text);
    line.extend(iter::repeat_n(' ', width.saturating_sub(len)));
}

/// Renders `timeline` as an aligned table with the columns `TIME OBJECT WHAT DETAIL`
/// (and `ID CAUSE` first with [`TableOptions::show_ids`]), one line per record:
///
/// ```text
///   TIME   OBJECT           WHAT           DETAIL
///     0s   deployment/web   created
///   1.5s   pod/web-abc12    Scheduled      Successfully assigned default/web-abc12 to node-1
///  1m30s   pod/web-abc12    status.phase   Pending → Running
/// ```
///
/// TIME is the Go duration since the start, right-aligned so that units line up; OBJECT
/// carries the namespace only outside `default`; a `Changed` record shows its field and
/// `from → to`, an event its reason and message (`Warning: ` before a warning's message),
/// and creations and deletions say `created` or `deleted`.
pub fn render_table(timeline: &Timeline, options: &TableOptions, out: &mut String) {
    let header = Row::header();
    let rows: Vec<Row> = timeline.records().iter().map(Row::of).collect();
    let width = |cell: fn(&Row) -> &str| {
        iter::once(&header)
            .chain(&rows)
            .map(|r| cell(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let id_width = width(|r| &r.id);
    let cause_width = width(|r| &r.cause);
    let time_width = width(|r| &r.time);
    let object_width = width(|r| &r.object);
    let what_width = width(|r| &r.what).min(MAX_WHAT_WIDTH);
    let mut line = String::new();
    for row in iter::once(&header).chain(&rows) {
        line.clear();
        if options.show_ids {
            push_right_aligned(&mut line, &row.id, id_width);
            line.push_str(GAP);
            push_right_aligned(&mut line, &row.cause, cause_width);
            line.push_str(GAP);
        }
        push_right_aligned(&mut line, &row.time, time_width);
        line.push_str(GAP);
        push_left_aligned(&mut line, &row.object, object_width);
        line.push_str(GAP);
        push_left_aligned(&mut line, &row.what, what_width);
        line.push_str(GAP);
        line.push_str(&row.detail);
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// One JSON line; the field order here is the key order of the output.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRecord<'a> {
    id: u64,
    time_ms: u64,
    time: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "is_empty")]
    namespace: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probe: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<u64>,
}

fn is_empty(text: &&str) -> bool {
    text.is_empty()
}

impl<'a> JsonRecord<'a> {
    fn of(record: &'a Record) -> JsonRecord<'a> {
        let mut line = JsonRecord {
            id: record.id.0,
            time_ms: record.time.as_millis(),
            time: format_go_duration(record.time.as_millis()),
            kind: record.object.kind.name(),
            namespace: &record.object.key.namespace,
            name: &record.object.key.name,
            type_: "",
            field: None,
            from: None,
            to: None,
            event_type: None,
            reason: None,
            message: None,
            source: None,
            container: None,
            probe: None,
            result: None,
            run: None,
            threshold: None,
            cause: record.cause.map(|c| c.0),
        };
        match &record.body {
            RecordBody::Created => line.type_ = "created",
            RecordBody::Deleted => line.type_ = "deleted",
            RecordBody::Changed { field, from, to } => {
                line.type_ = "changed";
                line.field = Some(field);
                line.from = Some(from);
                line.to = Some(to);
            }
            RecordBody::Event {
                type_,
                reason,
                message,
                source,
            } => {
                line.type_ = "event";
                line.event_type = Some(type_.as_str());
                line.reason = Some(reason);
                line.message = Some(message);
                line.source = Some(source);
            }
            RecordBody::Probe {
                container,
                probe,
                success,
                run,
                threshold,
            } => {
                line.type_ = "probe";
                line.container = Some(container);
                line.probe = Some(probe);
                line.result = Some(if *success { "success" } else { "failure" });
                line.run = Some(*run);
                line.threshold = Some(*threshold);
            }
        }
        line
    }
}

/// Renders `timeline` as JSON lines: one object per record, keys in a fixed order —
/// `id`, `timeMs`, `time` (Go duration), `kind`, `namespace` (absent for cluster-scoped
/// objects), `name`, `type` (`created`, `deleted`, `changed`, `event` or `probe`), then
/// `field`, `from`, `to` for a change, `eventType`, `reason`, `message`, `source` for an
/// event, or `container`, `probe`, `result`, `run`, `threshold` for a traced probe tick,
/// and `cause` (the id of the causing record) when there is one.
pub fn render_jsonl(timeline: &Timeline, out: &mut String) {
    for record in timeline.records() {
        // Strings and integers always serialise; a failure would be a bug in serde_json.
        let line = serde_json::to_string(&JsonRecord::of(record))
            .unwrap_or_else(|e| panic!("a timeline record serialises to JSON: {e}"));
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::objects::{Kind, ObjectKey};
    use sim_core::time::SimTime;
    use sim_core::timeline::RecordId;

    fn pod(namespace: &str, name: &str) -> ObjectRef {
        ObjectRef::new(Kind::Pod, ObjectKey::new(namespace, name))
    }

    fn sample() -> Timeline {
        let mut t = Timeline::new();
        let deploy = ObjectRef::new(Kind::Deployment, ObjectKey::new("default", "web"));
        let d = t.push(SimTime(0), deploy, None, RecordBody::Created);
        let rs = ObjectRef::new(Kind::ReplicaSet, ObjectKey::new("default", "web-5d4f8"));
        let r = t.push(SimTime(0), rs, Some(d), RecordBody::Created);
        let p = t.push(
            SimTime(1_500),
            pod("default", "web-5d4f8-abc12"),
            Some(r),
            RecordBody::Event {
                type_: EventType::Normal,
                reason: "Scheduled".to_string(),
                message: "Successfully assigned default/web-5d4f8-abc12 to node-1".to_string(),
                source: "default-scheduler".to_string(),
            },
        );
        t.push(
            SimTime(90_000),
            pod("kube-system", "coredns-x"),
            Some(p),
            RecordBody::Changed {
                field: "status.phase".to_string(),
                from: "Pending".to_string(),
                to: "Running".to_string(),
            },
        );
        t.push(
            SimTime(3_725_250),
            pod("default", "web-5d4f8-abc12"),
            Some(RecordId(4)),
            RecordBody::Event {
                type_: EventType::Warning,
                reason: "BackOff".to_string(),
                message: "Back-off restarting failed container web\nin pod web".to_string(),
                source: "kubelet".to_string(),
            },
        );
        t.push(
            SimTime(3_725_250),
            ObjectRef::new(Kind::Node, ObjectKey::cluster("node-1")),
            None,
            RecordBody::Deleted,
        );
        t
    }

    #[test]
    fn table_is_aligned_and_readable() {
        let mut out = String::new();
        render_table(&sample(), &TableOptions::default(), &mut out);
        // The first line starts right after the quote: a `\` continuation would eat its
        // leading spaces.
        let expected = "     TIME   OBJECT                      WHAT           DETAIL
       0s   deployment/web              created
       0s   replicaset/web-5d4f8        created
     1.5s   pod/web-5d4f8-abc12         Scheduled      Successfully assigned default/web-5d4f8-abc12 to node-1
    1m30s   kube-system/pod/coredns-x   status.phase   Pending → Running
1h2m5.25s   pod/web-5d4f8-abc12         BackOff        Warning: Back-off restarting failed container web\\nin pod web
1h2m5.25s   node/node-1                 deleted
";
        assert_eq!(out, expected, "got:\n{out}");
    }

    #[test]
    fn table_with_ids_shows_causes() {
        let mut out = String::new();
        render_table(&sample(), &TableOptions { show_ids: true }, &mut out);
        let expected = "\
ID   CAUSE        TIME   OBJECT                      WHAT           DETAIL
#1       -          0s   deployment/web              created
#2      #1          0s   replicaset/web-5d4f8        created
#3      #2        1.5s   pod/web-5d4f8-abc12         Scheduled      Successfully assigned default/web-5d4f8-abc12 to node-1
#4      #3       1m30s   kube-system/pod/coredns-x   status.phase   Pending → Running
#5      #4   1h2m5.25s   pod/web-5d4f8-abc12         BackOff        Warning: Back-off restarting failed container web\\nin pod web
#6       -   1h2m5.25s   node/node-1                 deleted
";
        assert_eq!(out, expected, "got:\n{out}");
    }

    #[test]
    fn long_names_are_capped_and_long_fields_overflow() {
        let mut t = Timeline::new();
        let long = format!("web-{}-abc12", "x".repeat(80));
        t.push(SimTime(0), pod("default", &long), None, RecordBody::Created);
        t.push(
            SimTime(0),
            pod("default", "p"),
            None,
            RecordBody::Changed {
                field: "status.initContainerStatuses[wait-for-database].restartCount".to_string(),
                from: "0".to_string(),
                to: "1".to_string(),
            },
        );
        t.push(
            SimTime(0),
            pod("default", "p"),
            None,
            RecordBody::Event {
                type_: EventType::Warning,
                reason: "Unhealthy".to_string(),
                message: String::new(),
                source: "kubelet".to_string(),
            },
        );
        let mut out = String::new();
        render_table(&t, &TableOptions::default(), &mut out);
        let object = format!("pod/web-{}…{}-abc12", "x".repeat(15), "x".repeat(18));
        assert_eq!(object.chars().count(), MAX_OBJECT_WIDTH);
        let pad = " ".repeat(MAX_OBJECT_WIDTH - "pod/p".len());
        let expected = format!(
            "\
TIME   OBJECT{pad_header}   WHAT{what_pad}   DETAIL
  0s   {object}   created
  0s   pod/p{pad}   status.initContainerStatuses[wait-for-database].restartCount   0 → 1
  0s   pod/p{pad}   Unhealthy{unhealthy_pad}   Warning
",
            pad_header = " ".repeat(MAX_OBJECT_WIDTH - 6),
            what_pad = " ".repeat(MAX_WHAT_WIDTH - 4),
            unhealthy_pad = " ".repeat(MAX_WHAT_WIDTH - 9),
        );
        assert_eq!(out, expected, "got:\n{out}");
    }

    #[test]
    fn empty_timeline_is_a_header() {
        let mut out = String::new();
        render_table(&Timeline::new(), &TableOptions::default(), &mut out);
        assert_eq!(out, "TIME   OBJECT   WHAT   DETAIL\n");
        out.clear();
        render_jsonl(&Timeline::new(), &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn jsonl_has_one_stable_object_per_record() {
        let mut out = String::new();
        render_jsonl(&sample(), &mut out);
        let expected = r#"{"id":1,"timeMs":0,"time":"0s","kind":"Deployment","namespace":"default","name":"web","type":"created"}
{"id":2,"timeMs":0,"time":"0s","kind":"ReplicaSet","namespace":"default","name":"web-5d4f8","type":"created","cause":1}
{"id":3,"timeMs":1500,"time":"1.5s","kind":"Pod","namespace":"default","name":"web-5d4f8-abc12","type":"event","eventType":"Normal","reason":"Scheduled","message":"Successfully assigned default/web-5d4f8-abc12 to node-1","source":"default-scheduler","cause":2}
{"id":4,"timeMs":90000,"time":"1m30s","kind":"Pod","namespace":"kube-system","name":"coredns-x","type":"changed","field":"status.phase","from":"Pending","to":"Running","cause":3}
{"id":5,"timeMs":3725250,"time":"1h2m5.25s","kind":"Pod","namespace":"default","name":"web-5d4f8-abc12","type":"event","eventType":"Warning","reason":"BackOff","message":"Back-off restarting failed container web\nin pod web","source":"kubelet","cause":4}
{"id":6,"timeMs":3725250,"time":"1h2m5.25s","kind":"Node","name":"node-1","type":"deleted"}
"#;
        assert_eq!(out, expected, "got:\n{out}");
        let timeline = sample();
        for (line, record) in out.lines().zip(timeline.records()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
            assert_eq!(v["id"], record.id.0);
            assert_eq!(v["timeMs"], record.time.as_millis());
            assert_eq!(v["name"], record.object.key.name.as_str());
        }
        assert_eq!(out.lines().count(), timeline.len());
        let back: serde_json::Value =
            serde_json::from_str(out.lines().nth(4).expect("line 5")).expect("JSON");
        assert_eq!(
            back["message"],
            "Back-off restarting failed container web\nin pod web"
        );
    }
}
