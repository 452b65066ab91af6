//! Expectations: conditions on object fields at a time, by a time, or always, which make a
//! scenario a test.

use std::collections::BTreeSet;

use sim_core::controllers::endpointslice::LABEL_SERVICE_NAME;
use sim_core::objects::{
    Deployment, EndpointSlice, Kind, Node, ObjectKey, ObjectRef, Pod, ReplicaSet, Service,
};
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
    /// The number of ready endpoints of a Service: distinct addresses whose
    /// `conditions.ready` is true in the EndpointSlices labelled with its name, which is
    /// what kube-proxy sends traffic to (k8s-semantics §11.1).
    ReadyEndpoints {
        /// The Service.
        service: ObjectKey,
    },
}

/// Why `name` cannot name a Service in `readyEndpoints`, if it cannot: Service names are
/// DNS-1035 labels, so an empty name, a `kind/name` reference or a typo'd shape is caught
/// when the scenario loads rather than failing at run time.
pub fn service_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("`readyEndpoints` needs the name of a Service, like `web`".to_string());
    }
    if let Some((_, bare)) = name.split_once('/') {
        return Some(format!(
            "`readyEndpoints` takes the Service's name alone (`{bare}`), not {name:?}; the \
             namespace comes from `namespace`"
        ));
    }
    let bytes = name.as_bytes();
    let shaped = bytes.len() <= 63
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    (!shaped).then(|| {
        format!(
            "{name:?} is not a Service name: a DNS-1035 label (lower-case letters, digits and \
             '-', starting with a letter, at most 63 characters)"
        )
    })
}

/// The number of ready endpoints of `service`, or `None` if there is no such Service.
pub fn ready_endpoints(store: &Store, service: &ObjectKey) -> Option<usize> {
    store.get::<Service>(service)?;
    let addresses: BTreeSet<&str> = store
        .list_namespace::<EndpointSlice>(&service.namespace)
        .filter(|s| s.meta.labels.get(LABEL_SERVICE_NAME) == Some(&service.name))
        .flat_map(|s| s.ready_endpoints())
        .flat_map(|e| e.addresses.iter().map(String::as_str))
        .collect();
    Some(addresses.len())
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
            Subject::ReadyEndpoints { service } => {
                format!("ready endpoints of service/{}", service.name)
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
                    Kind::Service => count_matching::<Service>(store, ns, selector, filters),
                    Kind::EndpointSlice => {
                        count_matching::<EndpointSlice>(store, ns, selector, filters)
                    }
                    Kind::StatefulSet => count_matching::<sim_core::objects::StatefulSet>(
                        store, ns, selector, filters,
                    ),
                    Kind::DaemonSet => {
                        count_matching::<sim_core::objects::DaemonSet>(store, ns, selector, filters)
                    }
                    Kind::PersistentVolumeClaim => {
                        count_matching::<sim_core::objects::PersistentVolumeClaim>(
                            store, ns, selector, filters,
                        )
                    }
                };
                Some(n.to_string())
            }
            Subject::ReadyEndpoints { service } => match ready_endpoints(store, service) {
                Some(n) => Some(n.to_string()),
                None => return (false, "service not found".to_string()),
            },
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::run::{run, RunOptions};
    use crate::scenario::parse_scenario;
    use sim_core::time::SimDuration;

    /// G11 with a Service: two replicas Ready at 10 s; at 1m one is deleted and ignores
    /// TERM, so its object stays until KILL at 1m30s.
    const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: g11}
spec:
  duration: 3m
  cluster:
    nodePools:
      - {name: node, count: 1, capacity: {cpu: \"4\", memory: 8Gi}}
  behaviours:
    - {selector: app=web, readyAfter: 10s, ignoreTerm: true}
  events:
    - at: 1m
      delete: {selector: app=web, count: 1}
    - at: 2m
      delete: {object: service/web}
  expect:
    - {at: 5s, readyEndpoints: web, equals: 0}
    - {at: 30s, readyEndpoints: web, equals: 2}
    - {at: 1m, readyEndpoints: web, equals: 1, description: the deleted pod leaves at once}
    - {at: 1m30s, count: endpointslices, equals: 1}
    - {at: 2m, count: endpointslices, equals: 0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        readinessProbe: {httpGet: {port: 80}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

    fn only_slice(store: &Store) -> &EndpointSlice {
        let slices: Vec<&EndpointSlice> = store.list::<EndpointSlice>().collect();
        assert_eq!(slices.len(), 1, "{slices:?}");
        slices[0]
    }

    #[test]
    fn ready_endpoints_follow_readiness_and_deletion() {
        let scenario = parse_scenario("g11.yaml", SCENARIO, Path::new(".")).unwrap();
        let report = run(&scenario, &RunOptions::default()).unwrap();
        for outcome in &report.outcomes {
            assert!(outcome.passed, "{}", outcome.detail);
        }
        assert_eq!(report.outcomes.len(), 5);

        // Just after the delete: the terminating endpoint is not ready but still serving
        // (G11, §11.1); the replacement is listed, not ready yet.
        let at = |secs| RunOptions {
            until: Some(SimTime::ZERO + SimDuration::from_secs(secs)),
            ..RunOptions::default()
        };
        let report = run(&scenario, &at(61)).unwrap();
        let store = report.simulation.store();
        let slice = only_slice(store);
        let conditions: Vec<(bool, bool, bool)> = slice
            .endpoints
            .iter()
            .map(|e| {
                let c = e.conditions;
                (c.ready, c.serving, c.terminating)
            })
            .collect();
        assert_eq!(conditions.len(), 3, "{slice:?}");
        assert!(conditions.contains(&(true, true, false)));
        assert!(conditions.contains(&(false, true, true)));
        assert!(conditions.contains(&(false, false, false)));
        // The same through the API view, as expectations read it.
        let view = crate::view::lookup(store, Kind::EndpointSlice, &slice.meta.key()).unwrap();
        let ready = crate::view::field_value(&view, "endpoints[0].conditions.ready")
            .unwrap()
            .unwrap();
        assert!(ready.is_boolean());

        // After KILL at 1m30s the object is gone, and so is its endpoint.
        let report = run(&scenario, &at(95)).unwrap();
        let slice = only_slice(report.simulation.store());
        assert_eq!(slice.endpoints.len(), 2);
        assert!(slice.endpoints.iter().all(|e| !e.conditions.terminating));

        // The timeline says when each condition changed, with the pod's deletion as cause.
        let records = report.simulation.timeline().records();
        let terminating = records.iter().find(|r| {
            matches!(&r.body, sim_core::timeline::RecordBody::Changed { field, to, .. }
                if field.ends_with(".conditions.terminating") && to == "true")
        });
        let terminating = terminating.expect("a terminating record");
        assert_eq!(terminating.time, SimTime::ZERO + SimDuration::from_secs(60));
        assert!(terminating.cause.is_some());
    }

    #[test]
    fn ready_endpoints_needs_a_service_name() {
        let errors = |expect: &str| {
            let text = SCENARIO.replace(
                "    - {at: 5s, readyEndpoints: web, equals: 0}\n",
                &format!("    - {expect}\n"),
            );
            match parse_scenario("s.yaml", &text, Path::new(".")) {
                Ok(_) => panic!("expected errors"),
                Err(e) => e.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }
        };
        assert_eq!(
            errors("{at: 5s, readyEndpoints: , equals: 0}"),
            [
                "s.yaml:17:16: field `spec.expect[0].readyEndpoints`: `readyEndpoints` needs the \
              name of a Service, like `web`"
            ]
        );
        assert_eq!(
            errors("{at: 5s, readyEndpoints: service/web, equals: 0}"),
            [
                "s.yaml:17:16: field `spec.expect[0].readyEndpoints`: `readyEndpoints` takes the \
              Service's name alone (`web`), not \"service/web\"; the namespace comes from \
              `namespace`"
            ]
        );
        assert_eq!(
            errors("{at: 5s, readyEndpoints: web, field: status, equals: 0}"),
            [
                "s.yaml:17:37: field `spec.expect[0].field`: `field` goes with `object`; a \
              `count` or `readyEndpoints` is compared directly"
            ]
        );
        assert_eq!(
            errors("{at: 5s, readyEndpoints: web, count: pods, equals: 0}"),
            [
                "s.yaml:17:7: field `spec.expect[0]`: an expectation needs exactly one of \
              `object`, `count` or `readyEndpoints`"
            ]
        );
    }

    #[test]
    fn service_names() {
        assert_eq!(service_name_problem("web"), None);
        assert_eq!(service_name_problem("web-2"), None);
        assert!(service_name_problem("2web").is_some());
        assert!(service_name_problem("Web").is_some());
        assert!(service_name_problem("web-").is_some());
        assert!(service_name_problem(&"a".repeat(64)).is_some());
    }
}
