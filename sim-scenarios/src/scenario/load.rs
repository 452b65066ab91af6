//! `spec.load` and `setLoad`: request-rate curves per Service or workload, validated into
//! the engine's load models ([`sim_core::metrics`]).

use sim_core::metrics::{LoadCurve, LoadModel, LoadTarget};
use sim_core::objects::Kind;
use sim_core::time::{SimDuration, SimTime};

use super::Loader;
use crate::format::{CurveSpec, LoadSpec, QuantityText};
use crate::quantity::{parse_bytes, parse_cpu_millis};

/// Most points a CSV series may have.
const MAX_SERIES_POINTS: usize = 1_000_000;

impl Loader<'_> {
    /// `service:` or `target:` (exactly one) of a load entry or a `setLoad` event.
    pub(super) fn load_target(
        &mut self,
        path: &str,
        service: Option<&String>,
        target: Option<&String>,
        namespace: Option<&str>,
    ) -> Option<LoadTarget> {
        match (service, target) {
            (Some(name), None) => {
                if name.trim().is_empty() {
                    self.err(&format!("{path}.service"), "`service` is empty");
                    return None;
                }
                Some(LoadTarget::Service(name.clone()))
            }
            (None, Some(text)) => {
                let r = self.object_ref(&format!("{path}.target"), text, namespace)?;
                if !matches!(
                    r.kind,
                    Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet
                ) {
                    self.err(
                        &format!("{path}.target"),
                        format!(
                            "load goes to a Service or to a deployment, replicaset or statefulset; found {} {:?}",
                            r.kind.name(),
                            r.key.name
                        ),
                    );
                    return None;
                }
                Some(LoadTarget::Workload(r))
            }
            _ => {
                self.err(
                    path,
                    "give exactly one of `service` (spread over its Ready endpoints) and `target` (like deployment/web)",
                );
                None
            }
        }
    }

    /// One `spec.load[]` entry.
    pub(super) fn load_model(&mut self, path: &str, spec: &LoadSpec) -> Option<LoadModel> {
        let namespace = spec
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let target = self.load_target(
            path,
            spec.service.as_ref(),
            spec.target.as_ref(),
            Some(&namespace),
        );
        let curve = self.curve(
            &format!("{path}.requestsPerSecond"),
            &spec.requests_per_second,
        );
        let cpu = match &spec.cpu_per_request {
            Some(q) => self.amount(&format!("{path}.cpuPerRequest"), q, parse_cpu_millis)?,
            None => 0,
        };
        let memory = match &spec.memory_per_request {
            Some(q) => self.amount(&format!("{path}.memoryPerRequest"), q, parse_bytes)?,
            None => 0,
        };
        Some(LoadModel {
            namespace,
            target: target?,
            curve: curve?,
            cpu_millis_per_request: cpu,
            memory_bytes_per_request: memory,
        })
    }

    fn amount(
        &mut self,
        path: &str,
        q: &QuantityText,
        parse: fn(&str) -> Result<u64, crate::quantity::QuantityError>,
    ) -> Option<u64> {
        match parse(&q.as_text()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(path, e.to_string());
                None
            }
        }
    }

    /// A rate in requests per second (`300`, `2.5`), as milli-requests per second.
    fn rate(&mut self, path: &str, q: &QuantityText) -> Option<u64> {
        self.amount(path, q, parse_cpu_millis)
    }

    /// A curve: exactly one of constant, steps, ramp, diurnal, csv.
    pub(super) fn curve(&mut self, path: &str, spec: &CurveSpec) -> Option<LoadCurve> {
        let given = [
            spec.constant.is_some(),
            spec.steps.is_some(),
            spec.ramp.is_some(),
            spec.diurnal.is_some(),
            spec.csv.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            self.err(
                path,
                format!(
                    "give exactly one of constant, steps, ramp, diurnal and csv; found {given}"
                ),
            );
            return None;
        }
        if let Some(q) = &spec.constant {
            return self
                .rate(&format!("{path}.constant"), q)
                .map(LoadCurve::Constant);
        }
        if let Some(steps) = &spec.steps {
            let mut out: Vec<(SimTime, u64)> = Vec::new();
            for (i, step) in steps.iter().enumerate() {
                let p = format!("{path}.steps[{i}]");
                let at = self.duration(&format!("{p}.at"), &step.at)?;
                let value = self.rate(&format!("{p}.value"), &step.value)?;
                let at = SimTime::ZERO + at;
                if out.last().is_some_and(|(last, _)| *last >= at) {
                    self.err(&format!("{p}.at"), "steps must be in increasing time order");
                    return None;
                }
                out.push((at, value));
            }
            if out.is_empty() {
                self.err(&format!("{path}.steps"), "give at least one step");
                return None;
            }
            return Some(LoadCurve::Steps(out));
        }
        if let Some(r) = &spec.ramp {
            let p = format!("{path}.ramp");
            let from = self.rate(&format!("{p}.from"), &r.from);
            let to = self.rate(&format!("{p}.to"), &r.to);
            let over = self.duration(&format!("{p}.over"), &r.over);
            let start = match &r.start {
                Some(s) => self.duration(&format!("{p}.start"), s),
                None => Some(SimDuration::ZERO),
            };
            return Some(LoadCurve::Ramp {
                from: from?,
                to: to?,
                start: SimTime::ZERO + start?,
                over: over?,
            });
        }
        if let Some(d) = &spec.diurnal {
            let p = format!("{path}.diurnal");
            let min = self.rate(&format!("{p}.min"), &d.min);
            let max = self.rate(&format!("{p}.max"), &d.max);
            let period = match &d.period {
                Some(s) => self.duration(&format!("{p}.period"), s),
                None => Some(SimDuration::from_secs(86_400)),
            };
            let peak_at = match &d.peak_at {
                Some(s) => self.duration(&format!("{p}.peakAt"), s),
                None => Some(SimDuration::ZERO),
            };
            let (min, max, period, peak_at) = (min?, max?, period?, peak_at?);
            if min > max {
                self.err(&format!("{p}.min"), "`min` is larger than `max`");
                return None;
            }
            if period == SimDuration::ZERO {
                self.err(&format!("{p}.period"), "the period must be longer than 0s");
                return None;
            }
            return Some(LoadCurve::Diurnal {
                min,
                max,
                period,
                peak_at,
            });
        }
        let file = spec.csv.as_deref().unwrap_or_default();
        self.csv_series(&format!("{path}.csv"), file)
    }

    /// A CSV series: `seconds,rate` per line (a Go duration such as `5m` also reads as
    /// the time); blank lines, `#` comments and a header line without digits are skipped.
    fn csv_series(&mut self, path: &str, file: &str) -> Option<LoadCurve> {
        let full = self.dir.join(file);
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) => {
                self.err(path, format!("cannot read {}: {e}", full.display()));
                return None;
            }
        };
        let mut points: Vec<(SimTime, u64)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |reason: String| format!("{}:{}: {reason}", full.display(), n + 1);
            let Some((t, v)) = line.split_once(',') else {
                self.err(
                    path,
                    fail(format!("expected `seconds,rate`, found {line:?}")),
                );
                return None;
            };
            if n == 0 && !t.bytes().any(|b| b.is_ascii_digit()) {
                continue; // a header
            }
            let t = t.trim();
            let at = match t.parse::<u64>() {
                Ok(secs) => Some(SimDuration::from_secs(secs)),
                Err(_) => sim_core::duration::parse_go_duration(t).ok(),
            };
            let Some(at) = at else {
                self.err(
                    path,
                    fail(format!("{t:?} is neither seconds nor a duration")),
                );
                return None;
            };
            let value = match parse_cpu_millis(v.trim()) {
                Ok(v) => v,
                Err(e) => {
                    self.err(path, fail(e.to_string()));
                    return None;
                }
            };
            let at = SimTime::ZERO + at;
            if points.last().is_some_and(|(last, _)| *last >= at) {
                self.err(
                    path,
                    fail("times must increase from line to line".to_string()),
                );
                return None;
            }
            if points.len() >= MAX_SERIES_POINTS {
                self.err(path, fail(format!("more than {MAX_SERIES_POINTS} points")));
                return None;
            }
            points.push((at, value));
        }
        if points.is_empty() {
            self.err(path, format!("{} has no points", full.display()));
            return None;
        }
        Some(LoadCurve::Series(points))
    }
}

/// Refuses a `spec.load` entry whose Service, Deployment or StatefulSet no manifest or
/// `apply` event ever creates: a misspelt name would otherwise send the traffic nowhere,
/// and the HPA would see idle pods without a word. (ReplicaSet targets are not checked:
/// a Deployment's ReplicaSets have generated names.)
pub(super) fn check_targets(
    loader: &mut Loader<'_>,
    load: &[LoadModel],
    indexes: &[usize],
    initial: &[sim_core::sim::AnyObject],
    actions: &[(SimTime, sim_core::sim::ScenarioAction)],
) {
    use sim_core::objects::ObjectKey;
    use sim_core::sim::ScenarioAction;
    use std::collections::BTreeSet;
    let mut created: BTreeSet<(Kind, ObjectKey)> =
        initial.iter().map(super::object_key_of).collect();
    for (_, action) in actions {
        if let ScenarioAction::Apply(object) = action {
            created.insert(super::object_key_of(object));
        }
    }
    for (model, &i) in load.iter().zip(indexes) {
        let (kind, name, field) = match &model.target {
            LoadTarget::Service(name) => (Kind::Service, name.clone(), "service"),
            LoadTarget::Workload(r) if r.kind == Kind::ReplicaSet => continue,
            LoadTarget::Workload(r) => (r.kind, r.key.name.clone(), "target"),
        };
        let key = ObjectKey::new(model.namespace.clone(), name);
        if !created.contains(&(kind, key.clone())) {
            // A warning, not an error: under `kubesim serve` the client creates it later.
            let warning = loader.index.error(
                &format!("spec.load[{i}].{field}"),
                format!(
                    "{} {:?} is not created by any manifest or apply event: the load reaches no pod until something creates it",
                    kind.name(),
                    key.to_string()
                ),
            );
            loader.warnings.push(warning);
        }
    }
}
