//! Expectations: conditions on object fields at a time, by a time, or always, which make a
//! scenario a test.

use sim_core::objects::ObjectRef;
use sim_core::objects::{Deployment, Kind, Node, Pod, ReplicaSet};
use sim_core::selector::LabelSelector;
use sim_core::store::{Object, Store};
use sim_core::time::SimTime;

use crate::source::SourceLocation;
use crate::view::{field_value, lookup, value_to_text};

/// When an expectation must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// At this instant, after everything that happens at it.
    At(SimTime),
    /// At some instant no later than this.
    By(SimTime),
    /// At every instant of the run.
    Always,
}

/// What is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// One object.
    Object(ObjectRef),
    /// The number of objects of a kind matching a selector and field filters.
    Count {
        /// Kind.
        kind: Kind,
        /// Namespace (`None` for cluster-scoped kinds).
        namespace: Option<String>,
        /// Label selector.
        selector: LabelSelector,
        /// (field path, value text) pairs that must all match.
        filters: Vec<(String, String)>,
    },
}

/// The condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The value's text equals this.
    Equals(String),
    /// The value is a number ≥ this.
    AtLeast(i64),
    /// The value is a number ≤ this.
    AtMost(i64),
    /// The object exists (or not).
    Exists(bool),
}

/// One expectation of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Position in `spec.expect`.
    pub index: usize,
    /// When.
    pub when: When,
    /// What.
    pub subject: Subject,
    /// With `Subject::Object`: the field.
    pub field: Option<String>,
    /// The condition.
    pub check: Check,
    /// The author's description.
    pub description: Option<String>,
    /// Where it is written.
    pub location: SourceLocation,
}

/// The outcome of one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Which expectation (index in `spec.expect`).
    pub index: usize,
    /// Whether it held.
    pub passed: bool,
    /// A sentence: what was expected and what was seen, when.
    pub detail: String,
}

fn count_matching<T: Object>(
    store: &Store,
    namespace: Option<&str>,
    selector: &LabelSelector,
    filters: &[(String, String)],
) -> i64 {
    let matches = |o: &&T| {
        selector.matches(&o.meta().labels)
            && (filters.is_empty()
                || lookup(store, T::KIND, &o.meta().key()).is_some_and(|v| {
                    filters.iter().all(|(path, want)| {
                        field_value(&v, path)
                            .ok()
                            .flatten()
                            .is_some_and(|got| &value_to_text(got) == want)
                    })
                }))
    };
    let count = match namespace {
        Some(ns) => store.list_namespace::<T>(ns).filter(matches).count(),
        None => store.list::<T>().filter(matches).count(),
    };
    i64::try_from(count).unwrap_or(i64::MAX)
}

impl Expectation {
    /// A short text of the condition, for reports.
    pub fn summary(&self) -> String {
        let subject = match &self.subject {
            Subject::Object(r) => match &self.field {
                Some(f) => format!("{r} {f}"),
                None => r.to_string(),
            },
            Subject::Count {
                kind,
                selector,
                filters,
                ..
            } => {
                let mut s = format!("count of {}s", kind.resource());
                if !selector.is_empty() {
                    s.push_str(&format!(" -l {selector}"));
                }
                for (f, v) in filters {
                    s.push_str(&format!(" where {f}={v}"));
                }
                s
            }
        };
        let check = match &self.check {
            Check::Equals(v) => format!("= {v}"),
            Check::AtLeast(v) => format!(">= {v}"),
            Check::AtMost(v) => format!("<= {v}"),
            Check::Exists(true) => "exists".to_string(),
            Check::Exists(false) => "does not exist".to_string(),
        };
        let when = match self.when {
            When::At(t) => format!("at {t}"),
            When::By(t) => format!("by {t}"),
            When::Always => "always".to_string(),
        };
        format!("{when}: {subject} {check}")
    }

    /// Evaluates against the store; returns (held, observed value text).
    pub fn evaluate(&self, store: &Store) -> (bool, String) {
        let observed: Option<String> = match &self.subject {
            Subject::Object(r) => {
                let value = lookup(store, r.kind, &r.key);
                if let Check::Exists(want) = self.check {
                    let exists = value.is_some();
                    let seen = if exists { "exists" } else { "absent" };
                    return (exists == want, seen.to_string());
                }
                match (value, &self.field) {
                    (Some(v), Some(f)) => Some(
                        field_value(&v, f)
                            .ok()
                            .flatten()
                            .map_or("<none>".to_string(), value_to_text),
                    ),
                    (None, _) => None,
                    (Some(_), None) => Some("<object>".to_string()),
                }
            }
            Subject::Count {
                kind,
                namespace,
                selector,
                filters,
            } => {
                let ns = namespace.as_deref();
                let n = match kind {
                    Kind::Pod => count_matching::<Pod>(store, ns, selector, filters),
                    Kind::Node => count_matching::<Node>(store, None, selector, filters),
                    Kind::ReplicaSet => count_matching::<ReplicaSet>(store, ns, selector, filters),
                    Kind::Deployment => count_matching::<Deployment>(store, ns, selector, filters),
                };
                Some(n.to_string())
            }
        };
        let Some(observed) = observed else {
            return (false, "object not found".to_string());
        };
        let held = match &self.check {
            Check::Equals(want) => &observed == want,
            Check::AtLeast(min) => observed.parse::<i64>().is_ok_and(|v| v >= *min),
            Check::AtMost(max) => observed.parse::<i64>().is_ok_and(|v| v <= *max),
            Check::Exists(_) => true,
        };
        (held, observed)
    }
}
