//! The horizontal pod autoscaler controller (kube-controller-manager
//! `pkg/controller/podautoscaler`, k8s-semantics §5, golden cases G18, G20, G21).
//!
//! **Timing.** Kubernetes queues every HPA with a fixed 15 s delay (`AddRateLimited` on a
//! `FixedItemIntervalRateLimiter` of the resync period), both when it is added and after
//! each sync, so a new HPA is first processed 15 s after it appears and then every 15 s
//! on that grid. Changes to the HPA do not move the grid. This periodic sync is the one
//! poll kubesim keeps: it is the controller's nature.
//!
//! **Arithmetic.** `replica_calculator.go` and `horizontal.go` compute ratios, tolerances
//! and percent policies in `float64`; kubesim does the same operations in `f64`, which
//! IEEE 754 defines exactly (no library functions), so results match Kubernetes bit for
//! bit, including its rounding quirks (`ceil(10 × 1.1)` is 12 there too).
//!
//! **Memory of the controller.** Recommendations (for stabilization) and scale events (for
//! the rate policies) live in the controller, keyed by the HPA, as in Kubernetes; a
//! re-created HPA starts afresh.
//!
//! **Events.** `SuccessfulRescale` on every rescale; the warnings (`FailedGetScale`,
//! `FailedGetResourceMetric`, `FailedComputeMetricsReplicas`, ...) are recorded when they
//! first occur in a run of identical warnings, as the event recorder aggregates repeats.

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::{pod_metrics, LoadShares, PodUsage, REQUESTS_PER_SECOND};
use crate::objects::{
    format_decimal_milli, ConditionStatus, Deployment, HorizontalPodAutoscaler, HpaConditionType,
    HpaStatus, Kind, MetricResource, MetricSpec, MetricStatus, MetricTarget, ObjectKey, ObjectRef,
    Pod, PodConditionType, PodPhase, ReplicaSet, ScalingPolicyType, ScalingRules, SelectPolicy,
    StatefulSet, Uid,
};
use crate::selector::LabelSelector;
use crate::store::{Change, Store};
use crate::time::{SimDuration, SimTime};
use crate::timeline::EventType;

use super::{Action, Context, Controller, ReconcileError};

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DOWNSCALE_STABILIZATION: SimDuration = SimDuration::from_secs(300);
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const CPU_INITIALIZATION_PERIOD: SimDuration = SimDuration::from_secs(300);
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const INITIAL_READINESS_DELAY: SimDuration = SimDuration::from_secs(30);
/// `--horizontal-pod-autoscaler-tolerance` (0.1), in milli-units.
pub const DEFAULT_TOLERANCE_MILLI: u64 = 100;

const SOURCE: &str = "horizontal-pod-autoscaler";

/// What `track_*` records for an HPA on the timeline.
pub fn track_hpa(hpa: &HorizontalPodAutoscaler, out: &mut Vec<(String, String)>) {
    let s = &hpa.status;
    out.push((
        "status.currentReplicas".to_string(),
        s.current_replicas.to_string(),
    ));
    out.push((
        "status.desiredReplicas".to_string(),
        s.desired_replicas.to_string(),
    ));
    out.push(("status.currentMetrics".to_string(), targets_text(hpa)));
    for c in &s.conditions {
        out.push((
            format!("status.conditions[{}]", c.type_.as_str()),
            format!("{} ({})", c.status.as_str(), c.reason),
        ));
    }
}

/// kubectl's TARGETS column (`formatHPAMetrics`): `cpu: 80%/50%`, `<unknown>/50%` before
/// the first metrics, at most two metrics then ` + N more...`.
pub fn targets_text(hpa: &HorizontalPodAutoscaler) -> String {
    if hpa.metrics.is_empty() {
        return "<none>".to_string();
    }
    let mut list = Vec::new();
    for (i, spec) in hpa.metrics.iter().enumerate() {
        let status = hpa.status.current_metrics.get(i).and_then(Option::as_ref);
        let text = match spec {
            MetricSpec::Pods {
                average_value_milli,
                ..
            } => format!(
                "{}/{}",
                status.map_or("<unknown>".to_string(), |s| format_decimal_milli(
                    s.average_value_milli
                )),
                format_decimal_milli(*average_value_milli)
            ),
            MetricSpec::Resource { name, target }
            | MetricSpec::ContainerResource { name, target, .. } => match target {
                MetricTarget::AverageValue(v) => format!(
                    "{}: {}/{}",
                    name.as_str(),
                    status.map_or("<unknown>".to_string(), |s| format_decimal_milli(
                        s.average_value_milli
                    )),
                    format_decimal_milli(*v)
                ),
                MetricTarget::Utilization(u) => format!(
                    "{}: {}/{u}%",
                    name.as_str(),
                    status
                        .and_then(|s| s.average_utilization)
                        .map_or("<unknown>".to_string(), |c| format!("{c}%")),
                ),
            },
        };
        list.push(text);
    }
    let count = list.len();
    if count > 2 {
        list.truncate(2);
        return format!("{} + {} more...", list.join(", "), count - 2);
    }
    list.join(", ")
}

#[derive(Debug, Clone, Copy)]
struct ScaleEvent {
    change: u32,
    at: SimTime,
    outdated: bool,
}

#[derive(Debug, Clone)]
struct HpaState {
    uid: Uid,
    next_sync: SimTime,
    recommendations: Vec<(u32, SimTime)>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
    last_warnings: Vec<(String, String)>,
}

/// The controller, with its per-HPA memory.
#[derive(Debug, Default)]
pub struct HorizontalController {
    states: BTreeMap<ObjectKey, HpaState>,
}

impl Controller for HorizontalController {
    fn name(&self) -> &'static str {
        "horizontal-pod-autoscaler"
    }

    fn watches(&self, change: &Change, _store: &Store, wake: &mut Vec<ObjectRef>) {
        if change.kind == Kind::HorizontalPodAutoscaler {
            wake.push(ObjectRef::new(
                Kind::HorizontalPodAutoscaler,
                change.key.clone(),
            ));
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let now = ctx.now;
        let Some(hpa) = ctx.store.get::<HorizontalPodAutoscaler>(&key.key) else {
            self.states.remove(&key.key);
            return Ok(Action::AwaitChange);
        };
        let uid = hpa.meta.uid;
        if self.states.get(&key.key).is_none_or(|s| s.uid != uid) {
            // Added: the first sync waits one period, like every later one.
            self.states.insert(
                key.key.clone(),
                HpaState {
                    uid,
                    next_sync: now + SYNC_PERIOD,
                    recommendations: Vec::new(),
                    scale_up_events: Vec::new(),
                    scale_down_events: Vec::new(),
                    last_warnings: Vec::new(),
                },
            );
            return Ok(Action::RequeueAfter(SYNC_PERIOD));
        }
        let Some(state) = self.states.get_mut(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if now < state.next_sync {
            return Ok(Action::RequeueAfter(state.next_sync.saturating_since(now)));
        }
        state.next_sync = now + SYNC_PERIOD;
        // A sync is the controller's own timer, not a reaction to the record that happened
        // to be written last: what it writes starts a causal chain of its own.
        let hpa = hpa.clone();
        ctx.store.set_cause(None);
        let mut sync = Sync {
            store: ctx.store,
            state,
            hpa: &hpa,
            now,
            status: hpa.status.clone(),
            warnings: Vec::new(),
        };
        let rescale = sync.reconcile_autoscaler();
        let Sync {
            status, warnings, ..
        } = sync;
        let hpa_ref = ObjectRef::new(Kind::HorizontalPodAutoscaler, key.key.clone());
        if let Some((target, replicas, message)) = &rescale {
            let target_key = ObjectKey::new(
                hpa.meta.namespace.clone(),
                hpa.scale_target_ref.name.clone(),
            );
            let record = ctx.store.event(
                hpa_ref.clone(),
                EventType::Normal,
                "SuccessfulRescale",
                message.clone(),
                SOURCE,
            );
            ctx.store.set_cause(Some(record));
            let result = write_scale(ctx.store, *target, &target_key, *replicas);
            ctx.store.set_cause(None);
            result?;
        }
        let Some(state) = self.states.get_mut(&key.key) else {
            return Ok(Action::AwaitChange);
        };
        if warnings != state.last_warnings {
            for (reason, message) in &warnings {
                if !state
                    .last_warnings
                    .contains(&(reason.clone(), message.clone()))
                {
                    ctx.store.event(
                        hpa_ref.clone(),
                        EventType::Warning,
                        reason,
                        message.clone(),
                        SOURCE,
                    );
                }
            }
            state.last_warnings = warnings;
        }
        if status != hpa.status {
            ctx.store
                .modify::<HorizontalPodAutoscaler, _>(&key.key, false, |h| h.status = status)?;
        }
        Ok(Action::RequeueAfter(SYNC_PERIOD))
    }
}

/// Writes `spec.replicas` of the scale target (the scale subresource).
fn write_scale(
    store: &mut Store,
    kind: Kind,
    key: &ObjectKey,
    replicas: u32,
) -> Result<(), crate::store::ApiError> {
    match kind {
        Kind::Deployment => store.modify::<Deployment, _>(key, true, |d| d.replicas = replicas),
        Kind::ReplicaSet => store.modify::<ReplicaSet, _>(key, true, |r| r.replicas = replicas),
        _ => store.modify::<StatefulSet, _>(key, true, |s| s.replicas = replicas),
    }
}

/// The scale subresource of a target: `spec.replicas`, `status.replicas`, the selector.
struct Scale {
    kind: Kind,
    spec_replicas: u32,
    selector: LabelSelector,
}

fn get_scale(store: &Store, hpa: &HorizontalPodAutoscaler) -> Result<Scale, String> {
    let r = &hpa.scale_target_ref;
    let key = ObjectKey::new(hpa.meta.namespace.clone(), r.name.clone());
    let group = r.api_version.split_once('/').map_or("", |(g, _)| g);
    let not_found = |plural: &str| format!("{plural}.apps {:?} not found", r.name);
    match r.scalable_kind() {
        Some(Kind::Deployment) => store
            .get::<Deployment>(&key)
            .map(|d| Scale {
                kind: Kind::Deployment,
                spec_replicas: d.replicas,
                selector: d.selector.clone(),
            })
            .ok_or_else(|| not_found("deployments")),
        Some(Kind::ReplicaSet) => store
            .get::<ReplicaSet>(&key)
            .map(|d| Scale {
                kind: Kind::ReplicaSet,
                spec_replicas: d.replicas,
                selector: d.selector.clone(),
            })
            .ok_or_else(|| not_found("replicasets")),
        Some(Kind::StatefulSet) => store
            .get::<StatefulSet>(&key)
            .map(|d| Scale {
                kind: Kind::StatefulSet,
                spec_replicas: d.replicas,
                selector: d.selector.clone(),
            })
            .ok_or_else(|| not_found("statefulsets")),
        _ => Err(format!(
            "unable to determine resource for scale target reference: no matches for kind {:?} in group {:?}",
            r.kind, group
        )),
    }
}

/// One sync of one HPA.
struct Sync<'a> {
    store: &'a Store,
    state: &'a mut HpaState,
    hpa: &'a HorizontalPodAutoscaler,
    now: SimTime,
    status: HpaStatus,
    warnings: Vec<(String, String)>,
}

/// A metric value of one pod, in milli-units, with its sample time.
#[derive(Debug, Clone, Copy)]
struct PodMetric {
    value: i64,
    timestamp: SimTime,
    window: SimDuration,
}

/// A metric's proposal (replicas, metric name, status), or why it failed: (event and
/// condition reason, the error the event and condition carry, the error
/// `computeReplicasForMetric` returns, which `FailedComputeMetricsReplicas` quotes).
type Proposal = Result<(u32, String, MetricStatus), (String, String, String)>;

impl Sync<'_> {
    fn set(&mut self, t: HpaConditionType, status: bool, reason: &str, message: impl Into<String>) {
        self.status.set_condition(
            t,
            ConditionStatus::from_bool(status),
            reason,
            message.into(),
            self.now,
        );
    }

    fn warn(&mut self, reason: &str, message: String) {
        self.warnings.push((reason.to_string(), message));
    }

    /// `reconcileAutoscaler`. Returns the rescale to write: (target kind, replicas,
    /// `SuccessfulRescale` message).
    fn reconcile_autoscaler(&mut self) -> Option<(Kind, u32, String)> {
        let hpa = self.hpa;
        let scale = match get_scale(self.store, hpa) {
            Ok(scale) => scale,
            Err(message) => {
                self.set(
                    HpaConditionType::AbleToScale,
                    false,
                    "FailedGetScale",
                    format!("the HPA controller was unable to get the target's current scale: {message}"),
                );
                self.warn("FailedGetScale", message);
                return None;
            }
        };
        self.set(
            HpaConditionType::AbleToScale,
            true,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        );
        let current = scale.spec_replicas;
        if self.state.recommendations.is_empty() {
            self.state.recommendations.push((current, self.now));
        }
        let min = hpa.min_replicas;
        let mut desired = 0u32;
        let mut reason = String::new();
        let mut metric_statuses = Vec::new();
        let rescale;
        if current == 0 && min != 0 {
            rescale = false;
            self.set(
                HpaConditionType::ScalingActive,
                false,
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            );
        } else if current > hpa.max_replicas {
            reason = "Current number of replicas above Spec.MaxReplicas".to_string();
            desired = hpa.max_replicas;
            rescale = desired != current;
        } else if current < min {
            reason = "Current number of replicas below Spec.MinReplicas".to_string();
            desired = min;
            rescale = desired != current;
        } else {
            let (proposal, metric, statuses) = self.compute_replicas_for_metrics(&scale);
            metric_statuses = statuses;
            let Some(proposal) = proposal else {
                self.status.current_replicas = current;
                self.status.current_metrics = metric_statuses;
                return None;
            };
            let mut rescale_metric = String::new();
            if proposal > desired {
                desired = proposal;
                rescale_metric = metric;
            }
            if desired > current {
                reason = format!("{rescale_metric} above target");
            }
            if desired < current {
                reason = "All metrics below target".to_string();
            }
            desired = if hpa.behavior.is_none() {
                self.normalize_desired_replicas(current, desired, min)
            } else {
                self.normalize_desired_replicas_with_behaviors(current, desired, min)
            };
            rescale = desired != current;
        }
        let write = if rescale {
            self.set(
                HpaConditionType::AbleToScale,
                true,
                "SucceededRescale",
                format!("the HPA controller was able to update the target scale to {desired}"),
            );
            self.store_scale_event(current, desired);
            self.status.last_scale_time = Some(self.now);
            Some((
                scale.kind,
                desired,
                format!("New size: {desired}; reason: {reason}"),
            ))
        } else {
            desired = current;
            None
        };
        self.status.current_replicas = current;
        self.status.desired_replicas = desired;
        self.status.current_metrics = metric_statuses;
        write
    }

    /// `computeReplicasForMetrics`: the largest proposal of the valid metrics; `None` when
    /// every metric failed, or some failed and the rest would scale down.
    fn compute_replicas_for_metrics(
        &mut self,
        scale: &Scale,
    ) -> (Option<u32>, String, Vec<Option<MetricStatus>>) {
        let hpa = self.hpa;
        let pods: Vec<&Pod> = self
            .store
            .list_namespace::<Pod>(&hpa.meta.namespace)
            .filter(|p| scale.selector.matches(&p.meta.labels))
            .collect();
        let shares = LoadShares::for_pods(self.store, self.store.metrics_source(), &pods, self.now);
        let samples: BTreeMap<String, PodUsage> = pods
            .iter()
            .filter_map(|p| {
                pod_metrics(
                    self.store,
                    self.store.metrics_source(),
                    &shares,
                    p,
                    self.now,
                )
                .map(|u| (p.meta.name.clone(), u))
            })
            .collect();
        let mut replicas = 0u32;
        let mut metric = String::new();
        let mut statuses = Vec::new();
        let mut invalid = 0usize;
        let mut first_error: Option<(String, String, String)> = None;
        for spec in &hpa.metrics {
            let proposal = self.compute_replicas_for_metric(spec, scale, &pods, &samples);
            match proposal {
                Ok((count, name, status)) => {
                    statuses.push(Some(status));
                    if replicas == 0 || count > replicas {
                        replicas = count;
                        metric = name;
                    }
                }
                Err((reason, error, outer)) => {
                    statuses.push(None);
                    self.warn(&reason, error.clone());
                    if first_error.is_none() {
                        first_error = Some((reason, error, outer));
                    }
                    invalid += 1;
                }
            }
        }
        if let Some((reason, error, outer)) = &first_error {
            if invalid >= hpa.metrics.len() || replicas < scale.spec_replicas {
                self.set(
                    HpaConditionType::ScalingActive,
                    false,
                    reason,
                    format!("the HPA was unable to compute the replica count: {error}"),
                );
                self.warn(
                    "FailedComputeMetricsReplicas",
                    format!(
                        "invalid metrics ({invalid} invalid out of {}), first error is: {outer}",
                        hpa.metrics.len()
                    ),
                );
                return (None, String::new(), statuses);
            }
        }
        self.set(
            HpaConditionType::ScalingActive,
            true,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {metric}"),
        );
        (Some(replicas), metric, statuses)
    }

    fn compute_replicas_for_metric(
        &self,
        spec: &MetricSpec,
        scale: &Scale,
        pods: &[&Pod],
        samples: &BTreeMap<String, PodUsage>,
    ) -> Proposal {
        let current = scale.spec_replicas;
        match spec {
            MetricSpec::Resource { name, target } => self
                .resource_proposal(*name, None, *target, current, pods, samples)
                .map_err(|e| {
                    let outer =
                        format!("failed to get {} resource metric value: {e}", name.as_str());
                    ("FailedGetResourceMetric".to_string(), e, outer)
                }),
            MetricSpec::ContainerResource {
                name,
                container,
                target,
            } => self
                .resource_proposal(*name, Some(container), *target, current, pods, samples)
                .map_err(|e| {
                    let outer = format!("failed to get {container} container metric value: {e}");
                    ("FailedGetContainerResourceMetric".to_string(), e, outer)
                }),
            MetricSpec::Pods {
                metric,
                average_value_milli,
            } => {
                let fail = |e: String| {
                    let outer = format!("failed to get pods metric value: {e}");
                    ("FailedGetPodsMetric".to_string(), e, outer)
                };
                if metric != REQUESTS_PER_SECOND {
                    return Err(fail(format!(
                        "unable to get metric {metric}: no metrics returned from custom metrics API"
                    )));
                }
                let metrics: BTreeMap<String, PodMetric> = samples
                    .iter()
                    .map(|(name, u)| {
                        (
                            name.clone(),
                            PodMetric {
                                value: clamp_i64(u128::from(u.request_rate_milli)),
                                timestamp: u.timestamp,
                                window: u.window,
                            },
                        )
                    })
                    .collect();
                if metrics.is_empty() {
                    return Err(fail(format!(
                        "unable to get metric {metric}: no metrics returned from custom metrics API"
                    )));
                }
                let target = clamp_i64(u128::from(*average_value_milli));
                let (count, usage) = self
                    .plain_metric_replicas(metrics, current, target, pods, false)
                    .map_err(fail)?;
                Ok((
                    count,
                    format!("pods metric {metric}"),
                    MetricStatus {
                        average_utilization: None,
                        average_value_milli: u64::try_from(usage.max(0)).unwrap_or(0),
                    },
                ))
            }
        }
    }

    fn tolerances(&self) -> (f64, f64) {
        let default = DEFAULT_TOLERANCE_MILLI;
        match &self.hpa.behavior {
            None => (milli_f64(default), milli_f64(default)),
            Some(b) => (
                milli_f64(b.scale_down.tolerance_milli.unwrap_or(default)),
                milli_f64(b.scale_up.tolerance_milli.unwrap_or(default)),
            ),
        }
    }

    fn is_within(&self, ratio: f64) -> bool {
        let (down, up) = self.tolerances();
        (1.0 - down) <= ratio && ratio <= (1.0 + up)
    }

    /// `computeStatusForResourceMetricGeneric`.
    fn resource_proposal(
        &self,
        resource: MetricResource,
        container: Option<&String>,
        target: MetricTarget,
        current: u32,
        pods: &[&Pod],
        samples: &BTreeMap<String, PodUsage>,
    ) -> Result<(u32, String, MetricStatus), String> {
        let container = container.map(String::as_str);
        let metrics: BTreeMap<String, PodMetric> = samples
            .iter()
            .filter(|(_, u)| container.is_none_or(|c| u.containers.iter().any(|x| x.name == c)))
            .map(|(name, u)| {
                let value = match resource {
                    MetricResource::Cpu => u128::from(u.cpu_millis(container)),
                    MetricResource::Memory => u128::from(u.memory_bytes(container)) * 1000,
                };
                (
                    name.clone(),
                    PodMetric {
                        value: clamp_i64(value),
                        timestamp: u.timestamp,
                        window: u.window,
                    },
                )
            })
            .collect();
        let label = match container {
            None => "resource",
            Some(_) => "container resource",
        };
        let res = resource.as_str();
        let cpu = resource == MetricResource::Cpu;
        if metrics.is_empty() {
            let e = format!(
                "unable to get metrics for resource {res}: no metrics returned from resource metrics API"
            );
            return Err(match target {
                MetricTarget::AverageValue(_) => format!("failed to get {res} usage: {e}"),
                MetricTarget::Utilization(_) => format!("failed to get {res} utilization: {e}"),
            });
        }
        match target {
            MetricTarget::AverageValue(v) => {
                let (count, usage) = self
                    .plain_metric_replicas(metrics, current, clamp_i64(u128::from(v)), pods, cpu)
                    .map_err(|e| format!("failed to get {res} usage: {e}"))?;
                Ok((
                    count,
                    format!("{res} {label}"),
                    MetricStatus {
                        average_utilization: None,
                        average_value_milli: u64::try_from(usage.max(0)).unwrap_or(0),
                    },
                ))
            }
            MetricTarget::Utilization(u) => {
                let (count, utilization, raw) = self
                    .resource_replicas(metrics, current, u, resource, container, pods)
                    .map_err(|e| format!("failed to get {res} utilization: {e}"))?;
                Ok((
                    count,
                    format!("{res} {label} utilization (percentage of request)"),
                    MetricStatus {
                        average_utilization: Some(utilization),
                        average_value_milli: u64::try_from(raw.max(0)).unwrap_or(0),
                    },
                ))
            }
        }
    }

    /// `GetResourceReplicas`: (replicas, utilization %, raw average in milli-units).
    fn resource_replicas(
        &self,
        mut metrics: BTreeMap<String, PodMetric>,
        current: u32,
        target_utilization: u32,
        resource: MetricResource,
        container: Option<&str>,
        pods: &[&Pod],
    ) -> Result<(u32, u32, i64), String> {
        if pods.is_empty() {
            return Err("no pods returned by selector while calculating replica count".into());
        }
        let groups = self.group_pods(pods, &metrics, resource == MetricResource::Cpu);
        for name in groups.ignored.iter().chain(groups.unready.iter()) {
            metrics.remove(name);
        }
        let requests = pod_requests(pods, container, resource)?;
        if metrics.is_empty() {
            return Err(
                "did not receive metrics for targeted pods (pods might be unready)".to_string(),
            );
        }
        let target = i64::from(target_utilization);
        let (ratio, utilization, raw) = utilization_ratio(&metrics, &requests, target)?;
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if self.is_within(ratio) {
                return Ok((current, utilization, raw));
            }
            return Ok((ceil_times(ratio, groups.ready), utilization, raw));
        }
        if !groups.missing.is_empty() {
            if ratio < 1.0 {
                let fallback = target.max(100);
                for name in &groups.missing {
                    let request = requests.get(name).copied().unwrap_or(0);
                    metrics.insert(name.clone(), zero_metric(request * fallback / 100));
                }
            } else if ratio > 1.0 {
                for name in &groups.missing {
                    metrics.insert(name.clone(), zero_metric(0));
                }
            }
        }
        if scale_up_with_unready {
            for name in &groups.unready {
                metrics.insert(name.clone(), zero_metric(0));
            }
        }
        let (new_ratio, _, _) = utilization_ratio(&metrics, &requests, target)?;
        if self.is_within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return Ok((current, utilization, raw));
        }
        let new_replicas = ceil_times(new_ratio, metrics.len());
        if (new_ratio < 1.0 && new_replicas > current)
            || (new_ratio > 1.0 && new_replicas < current)
        {
            return Ok((current, utilization, raw));
        }
        Ok((new_replicas, utilization, raw))
    }

    /// `calcPlainMetricReplicas` (AverageValue targets and Pods metrics): (replicas,
    /// average usage in milli-units).
    fn plain_metric_replicas(
        &self,
        mut metrics: BTreeMap<String, PodMetric>,
        current: u32,
        target: i64,
        pods: &[&Pod],
        cpu: bool,
    ) -> Result<(u32, i64), String> {
        if pods.is_empty() {
            return Err("no pods returned by selector while calculating replica count".into());
        }
        let groups = self.group_pods(pods, &metrics, cpu);
        for name in groups.ignored.iter().chain(groups.unready.iter()) {
            metrics.remove(name);
        }
        if metrics.is_empty() {
            return Err(
                "did not receive metrics for targeted pods (pods might be unready)".to_string(),
            );
        }
        let (ratio, usage) = usage_ratio(&metrics, target);
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if self.is_within(ratio) {
                return Ok((current, usage));
            }
            return Ok((ceil_times(ratio, groups.ready), usage));
        }
        if !groups.missing.is_empty() {
            let value = if ratio < 1.0 { target } else { 0 };
            for name in &groups.missing {
                metrics.insert(name.clone(), zero_metric(value));
            }
        }
        if scale_up_with_unready {
            for name in &groups.unready {
                metrics.insert(name.clone(), zero_metric(0));
            }
        }
        let (new_ratio, _) = usage_ratio(&metrics, target);
        if self.is_within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return Ok((current, usage));
        }
        let new_replicas = ceil_times(new_ratio, metrics.len());
        if (new_ratio < 1.0 && new_replicas > current)
            || (new_ratio > 1.0 && new_replicas < current)
        {
            return Ok((current, usage));
        }
        Ok((new_replicas, usage))
    }

    /// `groupPods` (k8s-semantics §5.4).
    fn group_pods(
        &self,
        pods: &[&Pod],
        metrics: &BTreeMap<String, PodMetric>,
        cpu: bool,
    ) -> Groups {
        let mut g = Groups::default();
        for pod in pods {
            let name = &pod.meta.name;
            if pod.meta.deletion_timestamp.is_some() || pod.status.phase == PodPhase::Failed {
                g.ignored.insert(name.clone());
                continue;
            }
            if pod.status.phase == PodPhase::Pending {
                g.unready.insert(name.clone());
                continue;
            }
            let Some(metric) = metrics.get(name) else {
                g.missing.insert(name.clone());
                continue;
            };
            if cpu {
                let condition = pod.status.condition(PodConditionType::Ready);
                let unready = match (condition, pod.status.start_time) {
                    (Some(c), Some(start)) => {
                        if start + CPU_INITIALIZATION_PERIOD > self.now {
                            c.status == ConditionStatus::False
                                || metric.timestamp < c.last_transition_time + metric.window
                        } else {
                            c.status == ConditionStatus::False
                                && start + INITIAL_READINESS_DELAY > c.last_transition_time
                        }
                    }
                    _ => true,
                };
                if unready {
                    g.unready.insert(name.clone());
                    continue;
                }
            }
            g.ready += 1;
        }
        g
    }

    /// `normalizeDesiredReplicas`: the legacy path when `behavior` is nil (§5.10).
    fn normalize_desired_replicas(&mut self, current: u32, desired: u32, min: u32) -> u32 {
        let stabilized = self.stabilize_recommendation(desired);
        if stabilized != desired {
            self.set(
                HpaConditionType::AbleToScale,
                true,
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            );
        } else {
            self.set(
                HpaConditionType::AbleToScale,
                true,
                "ReadyForNewScale",
                "recommended size matches current size",
            );
        }
        let (replicas, reason, message) =
            convert_desired_replicas_with_rules(current, stabilized, min, self.hpa.max_replicas);
        self.set(
            HpaConditionType::ScalingLimited,
            replicas != stabilized,
            reason,
            message,
        );
        replicas
    }

    /// `stabilizeRecommendation`: the highest recommendation of the last 300 s.
    fn stabilize_recommendation(&mut self, desired: u32) -> u32 {
        let cutoff = self.now.as_millis() as i128 - DOWNSCALE_STABILIZATION.as_millis() as i128;
        let mut max = desired;
        let mut old = None;
        for (i, (rec, at)) in self.state.recommendations.iter().enumerate() {
            if (at.as_millis() as i128) < cutoff {
                old = Some(i);
            } else if *rec > max {
                max = *rec;
            }
        }
        match old {
            Some(i) => self.state.recommendations[i] = (desired, self.now),
            None => self.state.recommendations.push((desired, self.now)),
        }
        max
    }

    /// `normalizeDesiredReplicasWithBehaviors` (§5.9, §5.11).
    fn normalize_desired_replicas_with_behaviors(
        &mut self,
        current: u32,
        desired: u32,
        min: u32,
    ) -> u32 {
        let Some(behavior) = self.hpa.behavior.clone() else {
            return desired;
        };
        let up_window = behavior.scale_up.stabilization_window_seconds.unwrap_or(0);
        let down_window = behavior
            .scale_down
            .stabilization_window_seconds
            .unwrap_or(DOWNSCALE_STABILIZATION.as_secs() as u32);
        let (stabilized, reason, message) =
            self.stabilize_with_behaviors(current, desired, up_window, down_window);
        if stabilized != desired {
            self.set(HpaConditionType::AbleToScale, true, reason, message);
        } else {
            self.set(
                HpaConditionType::AbleToScale,
                true,
                "ReadyForNewScale",
                "recommended size matches current size",
            );
        }
        let (replicas, reason, message) = self.convert_with_behavior_rate(
            current,
            stabilized,
            min,
            &behavior.scale_up,
            &behavior.scale_down,
        );
        self.set(
            HpaConditionType::ScalingLimited,
            replicas != stabilized,
            reason,
            message,
        );
        replicas
    }

    /// `stabilizeRecommendationWithBehaviors`.
    fn stabilize_with_behaviors(
        &mut self,
        current: u32,
        desired: u32,
        up_window: u32,
        down_window: u32,
    ) -> (u32, &'static str, &'static str) {
        let now = self.now.as_millis() as i128;
        let up_cutoff = now - i128::from(up_window) * 1000;
        let down_cutoff = now - i128::from(down_window) * 1000;
        let mut up = desired;
        let mut down = desired;
        let mut old = None;
        for (i, (rec, at)) in self.state.recommendations.iter().enumerate() {
            let at = at.as_millis() as i128;
            if at > up_cutoff {
                up = up.min(*rec);
            }
            if at > down_cutoff {
                down = down.max(*rec);
            }
            if at < up_cutoff && at < down_cutoff {
                old = Some(i);
            }
        }
        let mut recommendation = current;
        if recommendation < up {
            recommendation = up;
        }
        if recommendation > down {
            recommendation = down;
        }
        match old {
            Some(i) => self.state.recommendations[i] = (desired, self.now),
            None => self.state.recommendations.push((desired, self.now)),
        }
        if desired >= current {
            (
                recommendation,
                "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation",
            )
        } else {
            (
                recommendation,
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            )
        }
    }

    /// `convertDesiredReplicasWithBehaviorRate`.
    fn convert_with_behavior_rate(
        &self,
        current: u32,
        desired: u32,
        min: u32,
        up_rules: &ScalingRules,
        down_rules: &ScalingRules,
    ) -> (u32, &'static str, &'static str) {
        let max = self.hpa.max_replicas;
        if desired > current {
            let mut limit = self.scale_up_limit(current, up_rules);
            if limit < i64::from(current) {
                limit = i64::from(current);
            }
            let (allowed, reason, message) = if i64::from(max) > limit {
                (
                    limit,
                    "ScaleUpLimit",
                    "the desired replica count is increasing faster than the maximum scale rate",
                )
            } else {
                (
                    i64::from(max),
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )
            };
            if i64::from(desired) > allowed {
                return (to_u32(allowed), reason, message);
            }
        } else if desired < current {
            let mut limit = self.scale_down_limit(current, down_rules);
            if limit > i64::from(current) {
                limit = i64::from(current);
            }
            let (allowed, reason, message) = if i64::from(min) < limit {
                (
                    limit,
                    "ScaleDownLimit",
                    "the desired replica count is decreasing faster than the maximum scale rate",
                )
            } else {
                (
                    i64::from(min),
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )
            };
            if i64::from(desired) < allowed {
                return (to_u32(allowed), reason, message);
            }
        }
        (
            desired,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    }

    /// Replicas added (or removed) by this controller in the last `period_seconds`.
    fn change_in_period(&self, period_seconds: u32, events: &[ScaleEvent]) -> i64 {
        let cutoff = self.now.as_millis() as i128 - i128::from(period_seconds) * 1000;
        events
            .iter()
            .filter(|e| e.at.as_millis() as i128 > cutoff)
            .map(|e| i64::from(e.change))
            .sum()
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    fn scale_up_limit(&self, current: u32, rules: &ScalingRules) -> i64 {
        let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
            SelectPolicy::Disabled => return i64::from(current),
            SelectPolicy::Min => (i64::from(i32::MAX), i64::min),
            SelectPolicy::Max => (i64::from(i32::MIN), i64::max),
        };
        for policy in &rules.policies {
            let added = self.change_in_period(policy.period_seconds, &self.state.scale_up_events);
            let deleted =
                self.change_in_period(policy.period_seconds, &self.state.scale_down_events);
            let start = i64::from(current) - added + deleted;
            let proposed = match policy.type_ {
                ScalingPolicyType::Pods => start + i64::from(policy.value),
                ScalingPolicyType::Percent => {
                    (start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `calculateScaleDownLimitWithBehaviors`.
    fn scale_down_limit(&self, current: u32, rules: &ScalingRules) -> i64 {
        let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
            SelectPolicy::Disabled => return i64::from(current),
            SelectPolicy::Min => (i64::from(i32::MIN), i64::max),
            SelectPolicy::Max => (i64::from(i32::MAX), i64::min),
        };
        for policy in &rules.policies {
            let added = self.change_in_period(policy.period_seconds, &self.state.scale_up_events);
            let deleted =
                self.change_in_period(policy.period_seconds, &self.state.scale_down_events);
            let start = i64::from(current) - added + deleted;
            let proposed = match policy.type_ {
                ScalingPolicyType::Pods => start - i64::from(policy.value),
                ScalingPolicyType::Percent => {
                    (start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `storeScaleEvent`: kept only when `behavior` is set (the legacy path never reads
    /// them); an event older than the longest policy period is overwritten.
    fn store_scale_event(&mut self, previous: u32, new: u32) {
        let Some(behavior) = &self.hpa.behavior else {
            return;
        };
        let (rules, events, change) = if new > previous {
            (
                &behavior.scale_up,
                &mut self.state.scale_up_events,
                new - previous,
            )
        } else {
            (
                &behavior.scale_down,
                &mut self.state.scale_down_events,
                previous - new,
            )
        };
        let longest = rules
            .policies
            .iter()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0);
        let cutoff = self.now.as_millis() as i128 - i128::from(longest) * 1000;
        for e in events.iter_mut() {
            if (e.at.as_millis() as i128) < cutoff {
                e.outdated = true;
            }
        }
        let event = ScaleEvent {
            change,
            at: self.now,
            outdated: false,
        };
        match events.iter().rposition(|e| e.outdated) {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

#[derive(Debug, Default)]
struct Groups {
    ready: usize,
    unready: BTreeSet<String>,
    missing: BTreeSet<String>,
    ignored: BTreeSet<String>,
}

fn zero_metric(value: i64) -> PodMetric {
    PodMetric {
        value,
        timestamp: SimTime::ZERO,
        window: SimDuration::ZERO,
    }
}

fn clamp_i64(v: u128) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn milli_f64(milli: u64) -> f64 {
    milli as f64 / 1000.0
}

/// `int32(math.Ceil(ratio * float64(n)))`.
fn ceil_times(ratio: f64, n: usize) -> u32 {
    let v = (ratio * n as f64).ceil();
    if v <= 0.0 {
        0
    } else if v >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        v as u32
    }
}

/// `calculatePodRequests`: per pod, Σ requests of the app containers and sidecars (or of
/// the one container named), milli-units; a container without the request is an error.
fn pod_requests(
    pods: &[&Pod],
    container: Option<&str>,
    resource: MetricResource,
) -> Result<BTreeMap<String, i64>, String> {
    let mut out = BTreeMap::new();
    for pod in pods {
        let mut sum: i64 = 0;
        let sidecars = pod
            .spec
            .init_containers
            .iter()
            .filter(|c| c.restart_policy == Some(crate::objects::RestartPolicy::Always));
        for c in pod.spec.containers.iter().chain(sidecars) {
            if container.is_some_and(|n| n != c.name) {
                continue;
            }
            let name = resource.as_str();
            if !c.declared.requests.contains(name) {
                return Err(format!(
                    "missing request for {name} in container {} of Pod {}",
                    c.name, pod.meta.name
                ));
            }
            let value = match resource {
                MetricResource::Cpu => u128::from(c.requests.cpu_millis),
                MetricResource::Memory => u128::from(c.requests.memory_bytes) * 1000,
            };
            sum = sum.saturating_add(clamp_i64(value));
        }
        out.insert(pod.meta.name.clone(), sum);
    }
    Ok(out)
}

/// `GetResourceUtilizationRatio`: (ratio, utilization %, raw average).
fn utilization_ratio(
    metrics: &BTreeMap<String, PodMetric>,
    requests: &BTreeMap<String, i64>,
    target: i64,
) -> Result<(f64, u32, i64), String> {
    let mut total: i128 = 0;
    let mut requested: i128 = 0;
    let mut entries: i128 = 0;
    for (name, metric) in metrics {
        let Some(request) = requests.get(name) else {
            continue;
        };
        total += i128::from(metric.value);
        requested += i128::from(*request);
        entries += 1;
    }
    if requested == 0 {
        return Err("no metrics returned matched known pods".to_string());
    }
    let utilization = i64::try_from(total * 100 / requested).unwrap_or(i64::MAX);
    let utilization = i32::try_from(utilization).unwrap_or(i32::MAX);
    let raw = i64::try_from(total / entries.max(1)).unwrap_or(i64::MAX);
    Ok((
        f64::from(utilization) / target as f64,
        u32::try_from(utilization.max(0)).unwrap_or(0),
        raw,
    ))
}

/// `GetMetricUsageRatio`: (ratio, average usage).
fn usage_ratio(metrics: &BTreeMap<String, PodMetric>, target: i64) -> (f64, i64) {
    let total: i128 = metrics.values().map(|m| i128::from(m.value)).sum();
    let n = metrics.len().max(1) as i128;
    let usage = i64::try_from(total / n).unwrap_or(i64::MAX);
    (usage as f64 / target as f64, usage)
}

/// `convertDesiredReplicasWithRules` (the legacy path).
fn convert_desired_replicas_with_rules(
    current: u32,
    desired: u32,
    min: u32,
    max: u32,
) -> (u32, &'static str, &'static str) {
    // calculateScaleUpLimit: max(2 × current, 4).
    let scale_up_limit = current.saturating_mul(2).max(4);
    let (maximum, mut reason, mut message) = if max > scale_up_limit {
        (
            scale_up_limit,
            "ScaleUpLimit",
            "the desired replica count is increasing faster than the maximum scale rate",
        )
    } else {
        (
            max,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    };
    if desired < min {
        reason = "TooFewReplicas";
        message = "the desired replica count is less than the minimum replica count";
        return (min, reason, message);
    } else if desired > maximum {
        return (maximum, reason, message);
    }
    (
        desired,
        "DesiredWithinRange",
        "the desired count is within the acceptable range",
    )
}
