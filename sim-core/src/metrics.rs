//! The metrics pipeline: load models (request-rate curves per workload) and a
//! metrics-server-like view of what each pod uses, evaluated at the instants something
//! reads it (an HPA sync, a node-pressure pass). Nothing here schedules events: usage is a
//! pure function of the store, the load models and the time.
//!
//! **CPU** of a container = its behaviour's base `cpu` + (first app container only) the
//! pod's share of the load × `cpuPerRequest`. **Memory** = the behaviour's `memory` +
//! `memoryGrowthPerSecond` × seconds since the running instance started (the same
//! arithmetic as the kubelet's OOM timer, [`crate::behaviour::ContainerBehaviour::oom_after`]),
//! plus (first app container) the load share × `memoryPerRequest`. The **custom per-pod
//! metric** [`REQUESTS_PER_SECOND`] is the pod's share of the load.
//!
//! **Spreading.** A load model's rate is spread evenly over the Ready endpoints of its
//! Service (`conditions.ready` in the Service's EndpointSlices, as kube-proxy would
//! balance), or for a workload target over its pods that are Ready and not terminating.
//! Rates are integers in milli-requests per second; the remainder of the division goes one
//! milli-request each to the first receivers in name order.
//!
//! **Samples.** metrics-server scrapes every 15 s ([`METRICS_WINDOW`]) and reports a rate
//! over the last window; kubesim reports the usage at the read instant with that window
//! and the read instant as the sample's timestamp. A pod has no sample ("missing" to the
//! HPA) until it is Running with every app container running for at least one window:
//! metrics-server needs two scrapes of a container before it can report a rate.

use std::collections::BTreeMap;

use crate::behaviour::{BehaviourBook, ContainerBehaviour};
use crate::objects::{
    ContainerState, Deployment, EndpointSlice, Kind, Node, ObjectKey, ObjectRef, Pod, PodPhase,
    ReplicaSet, Service, StatefulSet,
};
use crate::selector::LabelSelector;
use crate::store::Store;
use crate::time::{SimDuration, SimTime};

/// metrics-server's `--metric-resolution` (15 s): the window of every sample.
pub const METRICS_WINDOW: SimDuration = SimDuration::from_secs(15);

/// Name of the custom per-pod metric a load model feeds: requests per second reaching
/// the pod (served to `Pods` metrics of an HPA).
pub const REQUESTS_PER_SECOND: &str = "requests_per_second";

/// The label EndpointSlices carry naming their Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// A request-rate curve, in milli-requests per second (integers; `100` req/s is 100000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadCurve {
    /// The same rate at every instant.
    Constant(u64),
    /// Piecewise constant: each value holds from its instant until the next one; 0 before
    /// the first.
    Steps(Vec<(SimTime, u64)>),
    /// `from` until `start`, then a straight line to `to` over `over`, then `to`.
    Ramp {
        /// Rate before the ramp.
        from: u64,
        /// Rate after it.
        to: u64,
        /// When the ramp starts.
        start: SimTime,
        /// How long it lasts.
        over: SimDuration,
    },
    /// A cosine day: `max` at `peak_at` (modulo `period`), `min` half a period away.
    Diurnal {
        /// Lowest rate.
        min: u64,
        /// Highest rate.
        max: u64,
        /// Length of a cycle.
        period: SimDuration,
        /// Offset of the peak in the cycle.
        peak_at: SimDuration,
    },
    /// A measured series (CSV `seconds,rate`): straight lines between the points, the first
    /// value before the first point and the last after the last.
    Series(Vec<(SimTime, u64)>),
}

impl LoadCurve {
    /// The rate at `t`, in milli-requests per second.
    pub fn rate_at(&self, t: SimTime) -> u64 {
        match self {
            LoadCurve::Constant(v) => *v,
            LoadCurve::Steps(steps) => steps
                .iter()
                .take_while(|(at, _)| *at <= t)
                .last()
                .map_or(0, |(_, v)| *v),
            LoadCurve::Ramp {
                from,
                to,
                start,
                over,
            } => {
                if t <= *start {
                    return *from;
                }
                let elapsed = t.saturating_since(*start).as_millis();
                let total = over.as_millis();
                if elapsed >= total || total == 0 {
                    return *to;
                }
                interpolate(*from, *to, elapsed, total)
            }
            LoadCurve::Diurnal {
                min,
                max,
                period,
                peak_at,
            } => {
                let period_ms = period.as_millis().max(1);
                let phase =
                    (t.as_millis() + period_ms - peak_at.as_millis() % period_ms) % period_ms;
                // cos(2π·phase/period) in [-1, 1], evaluated with basic IEEE operations only
                // (no platform libm), so every machine gets the same bits.
                let angle = std::f64::consts::TAU * (phase as f64) / (period_ms as f64);
                let c = deterministic_cos(angle);
                let span = max.saturating_sub(*min) as f64;
                let value = *min as f64 + span * (1.0 + c) / 2.0;
                value.round().clamp(0.0, u64::MAX as f64) as u64
            }
            LoadCurve::Series(points) => {
                let Some(first) = points.first() else {
                    return 0;
                };
                if t <= first.0 {
                    return first.1;
                }
                for pair in points.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    if t <= b.0 {
                        let total = b.0.saturating_since(a.0).as_millis();
                        let elapsed = t.saturating_since(a.0).as_millis();
                        if total == 0 {
                            return b.1;
                        }
                        return interpolate(a.1, b.1, elapsed, total);
                    }
                }
                points.last().map_or(0, |p| p.1)
            }
        }
    }
}

/// `from + (to − from) × elapsed / total`, in integers (rounded toward `from`).
fn interpolate(from: u64, to: u64, elapsed: u64, total: u64) -> u64 {
    let (from, to, elapsed, total) = (
        i128::from(from),
        i128::from(to),
        i128::from(elapsed),
        i128::from(total),
    );
    let value = from + (to - from) * elapsed / total;
    u64::try_from(value.max(0)).unwrap_or(u64::MAX)
}

/// cos(x) for x in [0, 2π] by range reduction to [-π, π] and a Taylor series: additions
/// and multiplications only, which IEEE 754 defines exactly.
fn deterministic_cos(x: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let x = if x > pi { x - std::f64::consts::TAU } else { x };
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=14u32 {
        let k = f64::from(k);
        term *= -x2 / ((2.0 * k - 1.0) * (2.0 * k));
        sum += term;
    }
    sum.clamp(-1.0, 1.0)
}

/// Where a load model's traffic goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoadTarget {
    /// The Ready endpoints of this Service.
    Service(String),
    /// The Ready, non-terminating pods of a Deployment, ReplicaSet or StatefulSet.
    Workload(ObjectRef),
}

impl std::fmt::Display for LoadTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadTarget::Service(name) => write!(f, "service/{name}"),
            LoadTarget::Workload(r) => write!(f, "{r}"),
        }
    }
}

/// One `spec.load[]` entry of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadModel {
    /// Namespace of the target.
    pub namespace: String,
    /// Who receives the traffic.
    pub target: LoadTarget,
    /// The request rate over time.
    pub curve: LoadCurve,
    /// CPU one request per second costs, in millicores (`cpuPerRequest: 2m` ⇒ 2).
    pub cpu_millis_per_request: u64,
    /// Memory one request per second holds, in bytes (`memoryPerRequest`).
    pub memory_bytes_per_request: u64,
}

/// Everything metrics-server's view is computed from, besides the store: the container
/// behaviours and the load models (changed by `setLoad` events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSource {
    /// The container behaviours (base CPU and memory).
    pub behaviours: BehaviourBook,
    /// The load models, in scenario order.
    pub loads: Vec<LoadModel>,
}

/// One container's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerUsage {
    /// Container name.
    pub name: String,
    /// CPU in millicores.
    pub cpu_millis: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
}

/// A pod's sample as metrics-server would report it (`PodMetrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodUsage {
    /// App containers (and running sidecars), in spec order.
    pub containers: Vec<ContainerUsage>,
    /// Requests per second reaching the pod, in milli-requests per second.
    pub request_rate_milli: u64,
    /// When the sample was taken.
    pub timestamp: SimTime,
    /// The window it covers.
    pub window: SimDuration,
}

impl PodUsage {
    /// Σ CPU of the containers (or of the one named).
    pub fn cpu_millis(&self, container: Option<&str>) -> u64 {
        self.containers
            .iter()
            .filter(|c| container.is_none_or(|n| n == c.name))
            .map(|c| c.cpu_millis)
            .sum()
    }

    /// Σ memory of the containers (or of the one named).
    pub fn memory_bytes(&self, container: Option<&str>) -> u64 {
        self.containers
            .iter()
            .filter(|c| container.is_none_or(|n| n == c.name))
            .map(|c| c.memory_bytes)
            .sum()
    }
}

/// The load reaching each pod at one instant, with the per-request costs: computed once
/// per read ([`LoadShares::at`]) and then looked up per pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadShares {
    /// Per pod: (milli-requests per second, CPU millis, memory bytes) from all models.
    per_pod: BTreeMap<ObjectKey, (u64, u64, u64)>,
}

impl LoadShares {
    /// The shares of every load model of `source` at `t`.
    pub fn at(store: &Store, source: &MetricsSource, t: SimTime) -> LoadShares {
        LoadShares::compute(store, source, |_| true, t)
    }

    /// The shares of the load models that can reach at least one of `pods` (their target
    /// selects it): what a read about these pods needs, so an HPA sync costs what its own
    /// pods and their traffic cost, not the cluster's.
    pub fn for_pods(
        store: &Store,
        source: &MetricsSource,
        pods: &[&Pod],
        t: SimTime,
    ) -> LoadShares {
        // Pods of one workload share their labels (but for pod-template-hash during a
        // rollout): each distinct (namespace, labels) is checked once per model.
        let mut distinct: Vec<(&str, &BTreeMap<String, String>)> = Vec::new();
        for pod in pods {
            let entry = (pod.meta.namespace.as_str(), &pod.meta.labels);
            if !distinct.contains(&entry) {
                distinct.push(entry);
            }
        }
        LoadShares::compute(
            store,
            source,
            |model| reaches_any(store, model, &distinct),
            t,
        )
    }

    fn compute(
        store: &Store,
        source: &MetricsSource,
        relevant: impl Fn(&LoadModel) -> bool,
        t: SimTime,
    ) -> LoadShares {
        let mut shares = LoadShares::default();
        for model in source.loads.iter().filter(|m| relevant(m)) {
            let receivers = receivers(store, &model.namespace, &model.target);
            if receivers.is_empty() {
                continue;
            }
            let rate = model.curve.rate_at(t);
            let n = receivers.len() as u64;
            for (i, key) in receivers.into_iter().enumerate() {
                let share = rate / n + u64::from((i as u64) < rate % n);
                let slot = shares.per_pod.entry(key).or_insert((0, 0, 0));
                slot.0 = slot.0.saturating_add(share);
                slot.1 = slot
                    .1
                    .saturating_add(share.saturating_mul(model.cpu_millis_per_request) / 1000);
                slot.2 = slot
                    .2
                    .saturating_add(share.saturating_mul(model.memory_bytes_per_request) / 1000);
            }
        }
        shares
    }

    /// (milli-requests per second, CPU millis, memory bytes) reaching `pod`.
    pub fn of(&self, pod: &ObjectKey) -> (u64, u64, u64) {
        self.per_pod.get(pod).copied().unwrap_or_default()
    }
}

/// Whether `model`'s target selects any pod with one of these (namespace, labels),
/// whatever its readiness. The target's selector is looked up once.
fn reaches_any(
    store: &Store,
    model: &LoadModel,
    pods: &[(&str, &BTreeMap<String, String>)],
) -> bool {
    let in_namespace = || {
        pods.iter()
            .filter(|(ns, _)| *ns == model.namespace)
            .map(|(_, labels)| *labels)
    };
    match &model.target {
        LoadTarget::Service(name) => {
            let key = ObjectKey::new(model.namespace.clone(), name.clone());
            let Some(service) = store.get::<Service>(&key) else {
                return false;
            };
            let selector = &service.spec.selector;
            !selector.is_empty()
                && in_namespace()
                    .any(|labels| selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
        }
        LoadTarget::Workload(r) => workload_selector(store, r)
            .is_some_and(|sel| in_namespace().any(|labels| sel.matches(labels))),
    }
}

/// The pods a load target spreads its traffic over, in name order.
pub fn receivers(store: &Store, namespace: &str, target: &LoadTarget) -> Vec<ObjectKey> {
    let mut out: Vec<ObjectKey> = match target {
        LoadTarget::Service(name) => store
            .list_namespace::<EndpointSlice>(namespace)
            .filter(|s| s.meta.labels.get(SERVICE_NAME_LABEL) == Some(name))
            .flat_map(|s| s.endpoints.iter())
            .filter(|e| e.conditions.ready)
            .filter_map(|e| e.target_ref.as_ref())
            .map(|r| ObjectKey::new(r.namespace.clone(), r.name.clone()))
            .collect(),
        LoadTarget::Workload(r) => {
            let Some(selector) = workload_selector(store, r) else {
                return Vec::new();
            };
            store
                .list_namespace::<Pod>(namespace)
                .filter(|p| {
                    selector.matches(&p.meta.labels)
                        && p.is_ready()
                        && p.meta.deletion_timestamp.is_none()
                })
                .map(|p| p.meta.key())
                .collect()
        }
    };
    out.sort();
    out.dedup();
    out
}

/// The selector of a Deployment, ReplicaSet or StatefulSet.
pub fn workload_selector<'a>(store: &'a Store, r: &ObjectRef) -> Option<&'a LabelSelector> {
    match r.kind {
        Kind::Deployment => store.get::<Deployment>(&r.key).map(|d| &d.selector),
        Kind::ReplicaSet => store.get::<ReplicaSet>(&r.key).map(|d| &d.selector),
        Kind::StatefulSet => store.get::<StatefulSet>(&r.key).map(|d| &d.selector),
        _ => None,
    }
}

/// Memory of a container instance running since `started_at`, at `t`: the behaviour's
/// start value plus its growth (bytes per second, integer milliseconds), as the kubelet's
/// OOM timer computes it.
pub fn container_memory_at(behaviour: &ContainerBehaviour, started_at: SimTime, t: SimTime) -> u64 {
    let elapsed_ms = u128::from(t.saturating_since(started_at).as_millis());
    let grown = u128::from(behaviour.memory_growth_per_second) * elapsed_ms / 1000;
    behaviour
        .memory
        .saturating_add(u64::try_from(grown).unwrap_or(u64::MAX))
}

/// What `pod` uses at `t`, whether or not metrics-server would have a sample yet (for the
/// kubelet's own accounting). `None` when no app container is running.
pub fn usage_at(
    store: &Store,
    source: &MetricsSource,
    shares: &LoadShares,
    pod: &Pod,
    t: SimTime,
) -> Option<PodUsage> {
    let _ = store;
    let (rate, load_cpu, load_memory) = shares.of(&pod.meta.key());
    let mut containers = Vec::new();
    let mut first = true;
    for status in &pod.status.container_statuses {
        let ContainerState::Running { started_at } = status.state else {
            continue;
        };
        let behaviour = source
            .behaviours
            .resolve(
                &pod.meta.namespace,
                &pod.meta.labels,
                &pod.meta.annotations,
                &status.name,
            )
            .unwrap_or_default();
        let (extra_cpu, extra_memory) = if first {
            (load_cpu, load_memory)
        } else {
            (0, 0)
        };
        first = false;
        containers.push(ContainerUsage {
            name: status.name.clone(),
            cpu_millis: behaviour.cpu_millis.saturating_add(extra_cpu),
            memory_bytes: container_memory_at(&behaviour, started_at, t)
                .saturating_add(extra_memory),
        });
    }
    if containers.is_empty() {
        return None;
    }
    Some(PodUsage {
        containers,
        request_rate_milli: rate,
        timestamp: t,
        window: METRICS_WINDOW,
    })
}

/// metrics-server's answer for `pod` at `t`: its usage if it has a complete sample —
/// Running, with every app container running for at least [`METRICS_WINDOW`], on a node
/// whose kubelet answers — and `None` ("missing") otherwise. metrics-server scrapes each
/// node's kubelet: a crashed, stopped or partitioned node (`status.health.stopped`) gives
/// no samples from the instant it fails, although the API still shows its pods Running
/// (k8s-semantics §5.4: the HPA then treats them as missing, §7.6).
pub fn pod_metrics(
    store: &Store,
    source: &MetricsSource,
    shares: &LoadShares,
    pod: &Pod,
    t: SimTime,
) -> Option<PodUsage> {
    if pod.status.phase != PodPhase::Running {
        return None;
    }
    if pod.status.container_statuses.len() < pod.spec.containers.len() {
        return None;
    }
    let scrapable = pod.spec.node_name.as_ref().is_some_and(|node| {
        store
            .get::<Node>(&ObjectKey::cluster(node.clone()))
            .is_some_and(|n| n.health.posting())
    });
    if !scrapable {
        return None;
    }
    for status in &pod.status.container_statuses {
        match status.state {
            ContainerState::Running { started_at } if started_at + METRICS_WINDOW <= t => {}
            _ => return None,
        }
    }
    usage_at(store, source, shares, pod, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_read_exactly() {
        let s = |x: u64| SimTime::ZERO + SimDuration::from_secs(x);
        assert_eq!(LoadCurve::Constant(5).rate_at(s(100)), 5);
        let steps = LoadCurve::Steps(vec![(s(0), 100), (s(300), 500)]);
        assert_eq!(steps.rate_at(s(299)), 100);
        assert_eq!(steps.rate_at(s(300)), 500);
        let ramp = LoadCurve::Ramp {
            from: 100,
            to: 1100,
            start: s(60),
            over: SimDuration::from_secs(100),
        };
        assert_eq!(ramp.rate_at(s(0)), 100);
        assert_eq!(ramp.rate_at(s(110)), 600);
        assert_eq!(ramp.rate_at(s(1000)), 1100);
        let day = LoadCurve::Diurnal {
            min: 100,
            max: 1000,
            period: SimDuration::from_secs(86_400),
            peak_at: SimDuration::from_secs(14 * 3600),
        };
        assert_eq!(day.rate_at(s(14 * 3600)), 1000);
        assert_eq!(day.rate_at(s(2 * 3600)), 100);
        assert_eq!(day.rate_at(s(8 * 3600)), 550);
        let series = LoadCurve::Series(vec![(s(10), 0), (s(20), 1000)]);
        assert_eq!(series.rate_at(s(0)), 0);
        assert_eq!(series.rate_at(s(15)), 500);
        assert_eq!(series.rate_at(s(30)), 1000);
    }

    #[test]
    fn cosine_is_accurate() {
        for i in 0..=64 {
            let x = std::f64::consts::TAU * f64::from(i) / 64.0;
            assert!((deterministic_cos(x) - x.cos()).abs() < 1e-9, "{x}");
        }
    }
}
