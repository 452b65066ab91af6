//! The timeline: every state transition and every Kubernetes event, in order, each with the
//! id of the record that caused it.
//!
//! Records are appended by the object store (object created/deleted, a tracked field
//! changed) and by components (Kubernetes events such as `Scheduled` or `BackOff`). The
//! `cause` ids form a graph that `explain` walks back.

use std::fmt;

use crate::objects::ObjectRef;
use crate::time::SimTime;

/// Identifies a timeline record; assigned in order from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub u64);

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// `Event.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Routine.
    Normal,
    /// Something went wrong or may need attention.
    Warning,
}

impl EventType {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// What a record says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordBody {
    /// The object was created in the store.
    Created,
    /// The object was removed from the store.
    Deleted,
    /// A tracked field changed value.
    Changed {
        /// Field path, e.g. `status.phase` or `status.conditions[Ready]`.
        field: String,
        /// Old value (`<none>` when unset).
        from: String,
        /// New value.
        to: String,
    },
    /// A Kubernetes event as `kubectl get events` shows it.
    Event {
        /// Normal or Warning.
        type_: EventType,
        /// Reason, e.g. `FailedScheduling`.
        reason: String,
        /// Message in the words Kubernetes uses.
        message: String,
        /// The reporting component, e.g. `default-scheduler` or `kubelet`.
        source: String,
    },
    /// One probe tick, recorded only when probes are traced (`--trace-probes`). Trace
    /// records are never the cause of anything, so tracing changes no other record.
    Probe {
        /// The container probed.
        container: String,
        /// `startup`, `liveness` or `readiness`.
        probe: String,
        /// The outcome of this tick.
        success: bool,
        /// How many consecutive ticks had this outcome, this one included.
        run: u32,
        /// The threshold that outcome must reach to change the published result.
        threshold: u32,
    },
}

impl RecordBody {
    /// Whether this is a probe trace record (see [`RecordBody::Probe`]).
    pub fn is_trace(&self) -> bool {
        matches!(self, RecordBody::Probe { .. })
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its id.
    pub id: RecordId,
    /// When it happened.
    pub time: SimTime,
    /// The object it is about.
    pub object: ObjectRef,
    /// The record that caused it, if any (a scenario action has none).
    pub cause: Option<RecordId>,
    /// What happened.
    pub body: RecordBody,
}

/// An append-only list of records.
#[derive(Debug, Default, Clone)]
pub struct Timeline {
    records: Vec<Record>,
}

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// Appends a record and returns its id.
    pub fn push(
        &mut self,
        time: SimTime,
        object: ObjectRef,
        cause: Option<RecordId>,
        body: RecordBody,
    ) -> RecordId {
        let id = RecordId(self.records.len() as u64 + 1);
        if let Some(last) = self.records.last() {
            assert!(last.time <= time, "timeline must be appended in time order");
        }
        self.records.push(Record {
            id,
            time,
            object,
            cause,
            body,
        });
        id
    }

    /// All records, in order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The record with id `id`.
    pub fn get(&self, id: RecordId) -> Option<&Record> {
        let index = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.records.get(index)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The chain of causes of `id`, from `id` itself back to the first cause.
    pub fn cause_chain(&self, id: RecordId) -> Vec<&Record> {
        let mut chain = Vec::new();
        let mut next = Some(id);
        // Causes always point to earlier records, so the walk ends; the bound is a guard.
        while let Some(current) = next {
            let Some(record) = self.get(current) else {
                break;
            };
            chain.push(record);
            next = record.cause.filter(|c| *c < current);
            if chain.len() > self.records.len() {
                break;
            }
        }
        chain
    }
}
