//! The scenario file as written by people: serde types, strict (unknown fields are errors).
//! `docs/scenario-format.md` documents every field; keep the two in step.

use std::collections::BTreeMap;

use serde::Deserialize;

mod chaos;
pub use chaos::{ChaosSpec, NodeFailureSpec, PodKillSpec};

/// `apiVersion` of scenario files.
pub const SCENARIO_API_VERSION: &str = "kubesim.io/v1alpha1";

/// The whole file (its first YAML document).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioFile {
    /// Must be [`SCENARIO_API_VERSION`].
    pub api_version: String,
    /// Must be `Scenario`.
    pub kind: String,
    /// Name and description.
    pub metadata: ScenarioMeta,
    /// Everything else.
    pub spec: ScenarioSpec,
}

/// `metadata`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioMeta {
    /// Scenario name.
    pub name: String,
    /// What it shows, in a sentence or two.
    #[serde(default)]
    pub description: Option<String>,
}

/// `spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioSpec {
    /// Root seed (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// How long to simulate (default 10m).
    #[serde(default)]
    pub duration: Option<String>,
    /// Delay between a change and the controllers' reaction (default 0s).
    #[serde(default)]
    pub controller_latency: Option<String>,
    /// Probe ticker phase: `canonical` (ticks at container start + k × period, the
    /// default) or `seeded` (each worker's phase drawn from the seed).
    #[serde(default)]
    pub probe_phase: Option<String>,
    /// The nodes.
    #[serde(default)]
    pub cluster: Option<ClusterSpec>,
    /// Scheduler: a built-in policy name (`binpack`), `{policy: binpack}`, or
    /// `{config: path/to/kube-scheduler-config.yaml}` (relative to the scenario file).
    #[serde(default)]
    pub scheduler: Option<SchedulerSpec>,
    /// Manifest files or folders, relative to the scenario file, applied at t=0 in order.
    #[serde(default)]
    pub manifests: Vec<String>,
    /// Container behaviours by selector.
    #[serde(default)]
    pub behaviours: Vec<BehaviourSpec>,
    /// Load models: request-rate curves per Service or workload.
    #[serde(default)]
    pub load: Vec<LoadSpec>,
    /// Timed actions.
    #[serde(default)]
    pub events: Vec<EventSpec>,
    /// Checks that make the scenario a test.
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
    /// Seeded random failures.
    #[serde(default)]
    pub chaos: Option<ChaosSpec>,
}

/// `spec.scheduler`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SchedulerSpec {
    /// `scheduler: binpack`
    Name(String),
    /// `scheduler: {policy: binpack}` or `scheduler: {config: FILE}`.
    Fields(SchedulerFields),
}

/// `spec.scheduler` written as a mapping: exactly one of the two.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchedulerFields {
    /// A built-in policy: `default`, `binpack`, `spread`, `random`, `first-fit`.
    #[serde(default)]
    pub policy: Option<String>,
    /// A KubeSchedulerConfiguration file, relative to the scenario file.
    #[serde(default)]
    pub config: Option<String>,
}

/// `spec.cluster`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    /// Groups of identical nodes.
    #[serde(default)]
    pub node_pools: Vec<NodePoolSpec>,
}

/// `spec.cluster.nodePools[]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePoolSpec {
    /// Pool name; nodes are named `<name>-1`, `<name>-2`, ...
    pub name: String,
    /// Number of nodes (default 1).
    #[serde(default)]
    pub count: Option<u64>,
    /// Node capacity: `cpu`, `memory`, `pods`, `ephemeral-storage`, extended resources.
    pub capacity: BTreeMap<String, QuantityText>,
    /// Node allocatable (default: the capacity).
    #[serde(default)]
    pub allocatable: Option<BTreeMap<String, QuantityText>>,
    /// Extra node labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Node taints.
    #[serde(default)]
    pub taints: Vec<TaintSpec>,
    /// Value of `topology.kubernetes.io/zone`.
    #[serde(default)]
    pub zone: Option<String>,
    /// The kubelets' `evictionHard` (kubelet configuration names): only `memory.available`
    /// is modelled, as a quantity (`500Mi`) or a percentage of capacity (`5%`).
    #[serde(default)]
    pub eviction_hard: BTreeMap<String, String>,
}

/// A quantity written as a string (`"4"`, `16Gi`) or a bare number (`4`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum QuantityText {
    /// `16Gi`
    Text(String),
    /// `4`
    Integer(u64),
    /// `0.5`
    Float(f64),
}

impl QuantityText {
    /// The quantity as Kubernetes text.
    pub fn as_text(&self) -> String {
        match self {
            QuantityText::Text(s) => s.clone(),
            QuantityText::Integer(i) => i.to_string(),
            QuantityText::Float(f) => f.to_string(),
        }
    }
}

/// A node taint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaintSpec {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// `spec.behaviours[]`: how matching containers behave.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BehaviourSpec {
    /// Pods whose labels match (kubectl form, `app=web,tier in (a,b)`); empty = all.
    #[serde(default)]
    pub selector: Option<String>,
    /// Only in this namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Only this container.
    #[serde(default)]
    pub container: Option<String>,
    /// `ok` or `fail`.
    #[serde(default)]
    pub image_pull: Option<String>,
    /// How long each pull takes.
    #[serde(default)]
    pub pull_after: Option<String>,
    /// App start-up time (probes fail until then).
    #[serde(default)]
    pub start_after: Option<String>,
    /// Exit this long after starting.
    #[serde(default)]
    pub exit_after: Option<String>,
    /// Exit code of that exit.
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// Ignore TERM.
    #[serde(default)]
    pub ignore_term: Option<bool>,
    /// Time to exit after TERM.
    #[serde(default)]
    pub term_exit_after: Option<String>,
    /// Exit code of that exit (default 143).
    #[serde(default)]
    pub term_exit_code: Option<i64>,
    /// Readiness passes from this time after start.
    #[serde(default)]
    pub ready_after: Option<String>,
    /// Readiness fails from this time after start.
    #[serde(default)]
    pub readiness_fails_after: Option<String>,
    /// Liveness fails from this time after start.
    #[serde(default)]
    pub liveness_fails_after: Option<String>,
    /// The startup probe passes from this time after start.
    #[serde(default)]
    pub startup_succeeds_after: Option<String>,
    /// Readiness fails periodically: `FAIL/EVERY`, e.g. `20s/1m`.
    #[serde(default)]
    pub readiness_flap: Option<String>,
    /// Liveness fails periodically: `FAIL/EVERY`.
    #[serde(default)]
    pub liveness_flap: Option<String>,
    /// Fraction of readiness probes that fail (`0.2` or `20%`), drawn from the seed.
    #[serde(default)]
    pub readiness_failure_ratio: Option<QuantityText>,
    /// Fraction of liveness probes that fail.
    #[serde(default)]
    pub liveness_failure_ratio: Option<QuantityText>,
    /// How long an exec/httpGet preStop hook runs.
    #[serde(default)]
    pub pre_stop_takes: Option<String>,
    /// Memory in use at start (a quantity such as `100Mi`).
    #[serde(default)]
    pub memory: Option<QuantityText>,
    /// Memory growth per second (a quantity).
    #[serde(default)]
    pub memory_growth_per_second: Option<QuantityText>,
    /// CPU in use without load (a quantity such as `100m`); load models add to it.
    #[serde(default)]
    pub cpu: Option<QuantityText>,
}

/// `spec.load[]`: the traffic reaching a Service or a workload.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoadSpec {
    /// Spread over the Ready endpoints of this Service.
    #[serde(default)]
    pub service: Option<String>,
    /// Or over the Ready pods of this workload (`deployment/web`).
    #[serde(default)]
    pub target: Option<String>,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The request rate over time.
    pub requests_per_second: CurveSpec,
    /// CPU per request per second (`2m`).
    #[serde(default)]
    pub cpu_per_request: Option<QuantityText>,
    /// Memory per request per second (`1Mi`).
    #[serde(default)]
    pub memory_per_request: Option<QuantityText>,
}

/// A request-rate curve: exactly one of the fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CurveSpec {
    /// The same rate all the time.
    #[serde(default)]
    pub constant: Option<QuantityText>,
    /// Piecewise constant rates.
    #[serde(default)]
    pub steps: Option<Vec<StepSpec>>,
    /// A linear ramp.
    #[serde(default)]
    pub ramp: Option<RampSpec>,
    /// A cosine day.
    #[serde(default)]
    pub diurnal: Option<DiurnalSpec>,
    /// A CSV file of `seconds,rate` lines (relative to the scenario).
    #[serde(default)]
    pub csv: Option<String>,
}

/// `steps[]` of a curve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepSpec {
    /// From when (Go duration).
    pub at: String,
    /// The rate from then on.
    pub value: QuantityText,
}

/// `ramp` of a curve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RampSpec {
    /// Rate before the ramp.
    pub from: QuantityText,
    /// Rate after it.
    pub to: QuantityText,
    /// How long it takes.
    pub over: String,
    /// When it starts (default 0s).
    #[serde(default)]
    pub start: Option<String>,
}

/// `diurnal` of a curve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DiurnalSpec {
    /// Lowest rate.
    pub min: QuantityText,
    /// Highest rate.
    pub max: QuantityText,
    /// Cycle length (default 24h).
    #[serde(default)]
    pub period: Option<String>,
    /// Where in the cycle the peak is (default 0s).
    #[serde(default)]
    pub peak_at: Option<String>,
}

/// `setLoad:` of an event: a new curve for a `spec.load` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SetLoadSpec {
    /// The entry's Service.
    #[serde(default)]
    pub service: Option<String>,
    /// Or its workload.
    #[serde(default)]
    pub target: Option<String>,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The new curve.
    pub requests_per_second: CurveSpec,
}

/// `spec.events[]`: one action at one time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventSpec {
    /// When (Go duration from the start).
    pub at: String,
    /// Apply a manifest file (or folder), relative to the scenario.
    #[serde(default)]
    pub apply: Option<String>,
    /// Delete objects.
    #[serde(default)]
    pub delete: Option<DeleteSpec>,
    /// Scale a Deployment or ReplicaSet.
    #[serde(default)]
    pub scale: Option<ScaleSpec>,
    /// Cordon a node.
    #[serde(default)]
    pub cordon: Option<String>,
    /// Uncordon a node.
    #[serde(default)]
    pub uncordon: Option<String>,
    /// Add nodes from a pool.
    #[serde(default)]
    pub add_node: Option<AddNodeSpec>,
    /// Delete a node object.
    #[serde(default)]
    pub remove_node: Option<String>,
    /// `kubectl rollout pause deployment/web`; `job/NAME` or `cronjob/NAME` sets
    /// `spec.suspend: true`.
    #[serde(default)]
    pub pause: Option<String>,
    /// `kubectl rollout resume deployment/web`; `job/NAME` or `cronjob/NAME` sets
    /// `spec.suspend: false`.
    #[serde(default)]
    pub resume: Option<String>,
    /// `kubectl rollout undo`.
    #[serde(default)]
    pub rollout_undo: Option<RolloutUndoSpec>,
    /// `kubectl set image`.
    #[serde(default)]
    pub set_image: Option<SetImageSpec>,
    /// A new request-rate curve for a load model.
    #[serde(default)]
    pub set_load: Option<SetLoadSpec>,
    /// A node fails: `NAME` (a crash) or `{node: NAME, mode: crash|kubeletStop}`.
    #[serde(default)]
    pub fail_node: Option<serde_yaml::Value>,
    /// `kubectl drain`: `NODE`, or `{node, ignoreDaemonsets, deleteEmptydirData, force,
    /// gracePeriod, timeout, disableEviction, podSelector}` (kubectl's flags in camelCase).
    #[serde(default)]
    pub drain: Option<serde_yaml::Value>,
    /// An eviction through the eviction API: `pod/NAME`, or `{pod, namespace, gracePeriod}`.
    #[serde(default)]
    pub evict: Option<serde_yaml::Value>,
    /// Every node of a zone crashes: `ZONE`.
    #[serde(default)]
    pub zone_outage: Option<serde_yaml::Value>,
    /// Nodes lose the control plane: `{nodes: [a, b]}` or `{zone: Z}`.
    #[serde(default)]
    pub partition: Option<serde_yaml::Value>,
    /// Heartbeats resume: `NAME`, `{nodes: [...]}` or `{zone: Z}`.
    #[serde(default)]
    pub recover_node: Option<serde_yaml::Value>,
    /// A container is killed (exit code 137): `{pod: NAME, container: C}`.
    #[serde(default)]
    pub kill_container: Option<serde_yaml::Value>,
}

/// `delete:` of an event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeleteSpec {
    /// `kind/name`, e.g. `pod/web-0` or `deployment/web`.
    #[serde(default)]
    pub object: Option<String>,
    /// Or: pods matching this selector.
    #[serde(default)]
    pub selector: Option<String>,
    /// Or (also with `selector`): pods bound to this node.
    #[serde(default)]
    pub node: Option<String>,
    /// With `selector` or `node`: how many of them (first in name order; default all).
    #[serde(default)]
    pub count: Option<u64>,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// `--grace-period` in seconds.
    #[serde(default)]
    pub grace_period: Option<u64>,
    /// With `object`: `Background` (the default), `Foreground` or `Orphan` (`--cascade`).
    #[serde(default)]
    pub propagation_policy: Option<String>,
}

/// `scale:` of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScaleSpec {
    /// `deployment/web` or `replicaset/x`.
    pub object: String,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// New replica count.
    pub replicas: u64,
}

/// `rolloutUndo:` of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolloutUndoSpec {
    /// `deployment/web`.
    pub object: String,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// `--to-revision` (default: the previous revision).
    #[serde(default)]
    pub to_revision: Option<u64>,
}

/// `setImage:` of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SetImageSpec {
    /// `deployment/web`.
    pub object: String,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The container to change.
    pub container: String,
    /// Its new image.
    pub image: String,
}

/// `addNode:` of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddNodeSpec {
    /// The pool to copy the shape from.
    pub pool: String,
    /// How many (default 1).
    #[serde(default)]
    pub count: Option<u64>,
}

/// `spec.expect[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpectSpec {
    /// Holds at this time (after everything that happens at that instant).
    #[serde(default)]
    pub at: Option<String>,
    /// Holds at some instant no later than this.
    #[serde(default)]
    pub by: Option<String>,
    /// Holds at every instant of the run.
    #[serde(default)]
    pub always: Option<bool>,
    /// One object, `kind/name`.
    #[serde(default)]
    pub object: Option<String>,
    /// Or: the number of objects of this kind (`pods`, `deployments`, ...).
    #[serde(default)]
    pub count: Option<String>,
    /// Or: the number of ready endpoints of this Service (its name), as kube-proxy counts
    /// them: the endpoints with `conditions.ready` in the Service's EndpointSlices.
    #[serde(default)]
    pub ready_endpoints: Option<String>,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// With `count`: label selector.
    #[serde(default)]
    pub selector: Option<String>,
    /// With `count`: only objects whose fields have these values.
    #[serde(default, rename = "where")]
    pub where_: BTreeMap<String, serde_yaml::Value>,
    /// With `object`: the field to check (`status.readyReplicas`).
    #[serde(default)]
    pub field: Option<String>,
    /// The value must equal this.
    #[serde(default)]
    pub equals: Option<serde_yaml::Value>,
    /// The value must be at least this.
    #[serde(default)]
    pub at_least: Option<i64>,
    /// The value must be at most this.
    #[serde(default)]
    pub at_most: Option<i64>,
    /// With `object` and no `field`: the object must (true) or must not (false) exist.
    #[serde(default)]
    pub exists: Option<bool>,
    /// Shown in the report.
    #[serde(default)]
    pub description: Option<String>,
}
