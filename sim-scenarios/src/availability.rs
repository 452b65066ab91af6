//! Availability measures of a finished run, per workload (Deployment, StatefulSet), computed
//! in one pass over the timeline — from the changes it records, never by sampling:
//!
//! - **below desired**: ∫ max(0, `spec.replicas` − `status.readyReplicas`) dt, in
//!   replica-seconds;
//! - **zero ready**: time with `status.readyReplicas` = 0 while `spec.replicas` > 0 — the
//!   time a Service selecting exactly the workload's pods has no ready endpoint;
//! - **pending**: pod-seconds its pods spent in phase Pending (created to first non-Pending
//!   phase or deletion);
//! - **evictions blocked**: timeline records of reason `TooManyRequests` or
//!   `EvictionBlocked` (a 429 from the eviction API, a drain held by a PodDisruptionBudget)
//!   about its pods.
//!
//! Values a workload had at creation are read from the `from` of its first recorded change
//! (or the store at the end when the field never changed). Pods are attributed to the
//! workload whose name, followed by `-`, is the longest prefix of the pod's name in its
//! namespace (`web-7d9c-x2k4p` → deployment `web`, `db-0` → statefulset `db`); the
//! timeline keeps no owner references.

use std::collections::BTreeMap;

use sim_core::objects::{Deployment, Kind, ObjectKey, StatefulSet};
use sim_core::store::Store;
use sim_core::time::SimTime;
use sim_core::timeline::{RecordBody, Timeline};

/// Timeline reasons counted as blocked evictions.
pub const EVICTION_BLOCKED_REASONS: [&str; 2] = ["TooManyRequests", "EvictionBlocked"];

/// The measures of one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadAvailability {
    /// Deployment or StatefulSet.
    pub kind: Option<Kind>,
    /// Namespace and name.
    pub key: ObjectKey,
    /// Replica-milliseconds below `spec.replicas`.
    pub below_desired_replica_ms: u128,
    /// Milliseconds with no ready replica while some were desired.
    pub zero_ready_ms: u64,
    /// Pod-milliseconds in phase Pending.
    pub pending_pod_ms: u128,
    /// Blocked evictions of its pods.
    pub evictions_blocked: u64,
}

/// Every workload's measures, plus what could not be attributed to one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AvailabilityReport {
    /// Per workload, in (kind, namespace, name) order.
    pub workloads: Vec<WorkloadAvailability>,
    /// Blocked evictions about objects that are not pods of a workload (a drain's node,
    /// bare pods).
    pub evictions_blocked_other: u64,
}

#[derive(Debug, Default)]
struct Track {
    created: Option<SimTime>,
    deleted: Option<SimTime>,
    /// (time, field, from, to) of spec.replicas / status.readyReplicas changes.
    changes: Vec<(SimTime, bool, u64, u64)>,
}

fn number(text: &str) -> u64 {
    text.parse().unwrap_or(0)
}

/// The measures of the run recorded in `timeline`, up to `end`.
pub fn availability(store: &Store, timeline: &Timeline, end: SimTime) -> AvailabilityReport {
    let mut tracks: BTreeMap<(Kind, ObjectKey), Track> = BTreeMap::new();
    // Pods: creation time and first non-Pending instant.
    let mut pods: BTreeMap<ObjectKey, (SimTime, Option<SimTime>)> = BTreeMap::new();
    // Pending pod-milliseconds of earlier pods of the same name.
    let mut earlier_pending: BTreeMap<ObjectKey, u128> = BTreeMap::new();
    let mut blocked: BTreeMap<ObjectKey, u64> = BTreeMap::new();
    let mut blocked_other = 0u64;
    for r in timeline.records() {
        if r.time > end {
            break;
        }
        let kind = r.object.kind;
        match &r.body {
            RecordBody::Event { reason, .. }
                if EVICTION_BLOCKED_REASONS.contains(&reason.as_str()) =>
            {
                if kind == Kind::Pod {
                    *blocked.entry(r.object.key.clone()).or_default() += 1;
                } else {
                    blocked_other += 1;
                }
            }
            RecordBody::Created if kind == Kind::Pod => {
                // A StatefulSet re-creates a pod under the same name: close the earlier
                // pod's pending time before tracking the new one.
                if let Some((created, left)) = pods.insert(r.object.key.clone(), (r.time, None)) {
                    let stop = left.unwrap_or(r.time);
                    *earlier_pending.entry(r.object.key.clone()).or_default() +=
                        u128::from(stop.saturating_since(created).as_millis());
                }
            }
            RecordBody::Deleted if kind == Kind::Pod => {
                if let Some(p) = pods.get_mut(&r.object.key) {
                    p.1.get_or_insert(r.time);
                }
            }
            RecordBody::Changed { field, to, .. }
                if kind == Kind::Pod && field == "status.phase" && to != "Pending" =>
            {
                if let Some(p) = pods.get_mut(&r.object.key) {
                    p.1.get_or_insert(r.time);
                }
            }
            body if matches!(kind, Kind::Deployment | Kind::StatefulSet) => {
                let track = tracks.entry((kind, r.object.key.clone())).or_default();
                match body {
                    RecordBody::Created => {
                        // A re-created workload starts afresh.
                        *track = Track {
                            created: Some(r.time),
                            ..Track::default()
                        };
                    }
                    RecordBody::Deleted => track.deleted = Some(r.time),
                    RecordBody::Changed { field, from, to } => {
                        let desired = match field.as_str() {
                            "spec.replicas" => true,
                            "status.readyReplicas" => false,
                            _ => continue,
                        };
                        track
                            .changes
                            .push((r.time, desired, number(from), number(to)));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let mut workloads: Vec<WorkloadAvailability> = tracks
        .into_iter()
        .filter_map(|((kind, key), track)| {
            let created = track.created?;
            let stop = track.deleted.unwrap_or(end).min(end);
            let (now_desired, now_ready) = match kind {
                Kind::Deployment => store
                    .get::<Deployment>(&key)
                    .map(|d| (d.replicas, d.status.ready_replicas)),
                _ => store
                    .get::<StatefulSet>(&key)
                    .map(|s| (s.replicas, s.status.ready_replicas)),
            }
            .map_or((0, 0), |(d, r)| (u64::from(d), u64::from(r)));
            let first = |want: bool| track.changes.iter().find(|c| c.1 == want).map(|c| c.2);
            let mut desired = first(true).unwrap_or(now_desired);
            let mut ready = first(false).unwrap_or(now_ready);
            let mut out = WorkloadAvailability {
                kind: Some(kind),
                key,
                below_desired_replica_ms: 0,
                zero_ready_ms: 0,
                pending_pod_ms: 0,
                evictions_blocked: 0,
            };
            let mut since = created;
            let mut account = |from: SimTime, to: SimTime, desired: u64, ready: u64| {
                let span = to.saturating_since(from).as_millis();
                out.below_desired_replica_ms +=
                    u128::from(desired.saturating_sub(ready)) * u128::from(span);
                if ready == 0 && desired > 0 {
                    out.zero_ready_ms += span;
                }
            };
            for &(at, is_desired, _, to) in &track.changes {
                let at = at.min(stop);
                account(since, at, desired, ready);
                since = at;
                if is_desired {
                    desired = to;
                } else {
                    ready = to;
                }
            }
            account(since, stop, desired, ready);
            Some(out)
        })
        .collect();
    // Attribute pods (pending time, blocked evictions) by name prefix.
    let owner_of = |pod: &ObjectKey, workloads: &[WorkloadAvailability]| -> Option<usize> {
        workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.key.namespace == pod.namespace
                    && pod
                        .name
                        .strip_prefix(&w.key.name)
                        .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(_, w)| w.key.name.len())
            .map(|(i, _)| i)
    };
    for (pod, (created, left)) in &pods {
        let stop = left.unwrap_or(end).min(end);
        if let Some(i) = owner_of(pod, &workloads) {
            workloads[i].pending_pod_ms += u128::from(stop.saturating_since(*created).as_millis())
                + earlier_pending.get(pod).copied().unwrap_or(0);
        }
    }
    for (pod, count) in blocked {
        match owner_of(&pod, &workloads) {
            Some(i) => workloads[i].evictions_blocked += count,
            None => blocked_other += count,
        }
    }
    AvailabilityReport {
        workloads,
        evictions_blocked_other: blocked_other,
    }
}

fn seconds(ms: u128) -> String {
    if ms % 1000 == 0 {
        format!("{}", ms / 1000)
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

/// The report as lines of the run summary.
pub fn render_availability(report: &AvailabilityReport, out: &mut String) {
    if report.workloads.is_empty() {
        return;
    }
    out.push_str("availability:\n");
    for w in &report.workloads {
        let kind = w.kind.map_or("workload", |k| k.resource());
        out.push_str(&format!(
            "  {kind}/{} ({}): below desired {} replica-s, zero ready {}s, pending {} pod-s, evictions blocked {}\n",
            w.key.name,
            w.key.namespace,
            seconds(w.below_desired_replica_ms),
            seconds(u128::from(w.zero_ready_ms)),
            seconds(w.pending_pod_ms),
            w.evictions_blocked,
        ));
    }
    if report.evictions_blocked_other > 0 {
        out.push_str(&format!(
            "  other blocked evictions: {}\n",
            report.evictions_blocked_other
        ));
    }
}
