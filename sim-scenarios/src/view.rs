//! The objects as a Kubernetes client sees them: JSON in the shape of the real API
//! (`kubectl get -o json`), and a small path language to read fields out of it.
//!
//! Scenario expectations, `kubesim get` and `describe` read objects through this view, so
//! that a field is named the way the Kubernetes API names it (`status.readyReplicas`,
//! `status.conditions[type=Ready].status`), whatever the engine's own structs look like.
//!
//! Shape choices:
//! * Empty strings, maps and lists and absent optional fields are omitted, as the API
//!   server omits them.
//! * Counts and booleans are always printed, zero and `false` included, although the API
//!   omits some of them when zero (`status.readyReplicas`, `spec.unschedulable`): an
//!   expectation such as `status.readyReplicas equals 0` then reads the way it is meant.
//! * Instants are RFC 3339 at second precision, as `metav1.Time` serialises them, counted
//!   from a fixed epoch ([`EPOCH_RFC3339`]) so that outputs look real and stay
//!   deterministic.
//! * Annotations whose key starts with `kubesim.io/internal-` are the engine's bookkeeping
//!   and are not shown.
//! * Maps are `serde_json` maps, so keys come out sorted.

use std::collections::BTreeMap;

mod autoscaling;
mod nodes;
mod pdb;
mod policy;
pub use autoscaling::hpa_to_json;
pub use pdb::pdb_to_json;

use serde_json::{json, Map, Value};
use sim_core::objects::{
    ClusterIp, EndpointSlice, Service, ServiceType, SessionAffinity, TargetPort,
};
use sim_core::objects::{
    Container, ContainerState, ContainerStatus, Deployment, DeploymentCondition,
    DeploymentStrategy, IntOrPercent, Kind, Node, ObjectKey, ObjectMeta, Pod, PodSpec, PodTemplate,
    Probe, ProbeHandler, ReplicaSet, Resources, Toleration, TolerationOperator,
};
use sim_core::objects::{CronJob, Job};
use sim_core::selector::{LabelSelector, SelectorOperator};
use sim_core::store::Store;
use sim_core::time::{civil_from_days, SimTime, EPOCH_UNIX_SECONDS};

use crate::quantity::{format_bytes, format_cpu_millis};

mod batch;
pub use batch::{cronjob_to_json, job_to_json};
mod apps;
mod scheduling;
pub use apps::{daemonset_to_json, persistentvolumeclaim_to_json, statefulset_to_json};

/// The wall-clock instant that simulated time zero stands for.
pub const EPOCH_RFC3339: &str = "2026-01-01T00:00:00Z";

/// Annotation keys with this prefix are engine bookkeeping, hidden from the view.
const INTERNAL_ANNOTATION_PREFIX: &str = "kubesim.io/internal-";

/// `t` as an RFC 3339 instant counted from [`EPOCH_RFC3339`], truncated to the second as
/// Kubernetes' `metav1.Time` is: `SimTime(90_500)` is `2026-01-01T00:01:30Z`.
pub fn rfc3339(t: SimTime) -> String {
    let secs = EPOCH_UNIX_SECONDS.saturating_add(t.as_secs());
    let (year, month, day) = civil_from_days(secs / 86_400);
    let in_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// Inserts `value` unless it is null or an empty string, list or map: the API server's
/// `omitempty`.
fn put(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    let value = value.into();
    let empty = match &value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    };
    if !empty {
        map.insert(key.to_string(), value);
    }
}

fn string_map<'a>(entries: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn visible_annotations(annotations: &BTreeMap<String, String>) -> Value {
    string_map(
        annotations
            .iter()
            .filter(|(k, _)| !k.starts_with(INTERNAL_ANNOTATION_PREFIX)),
    )
}

fn metadata_to_json(meta: &ObjectMeta, kind: Kind) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", meta.name.as_str());
    put(&mut m, "generateName", meta.generate_name.as_str());
    if kind.namespaced() {
        put(&mut m, "namespace", meta.namespace.as_str());
    }
    put(&mut m, "uid", meta.uid.to_string());
    put(&mut m, "resourceVersion", meta.resource_version.to_string());
    put(&mut m, "generation", meta.generation);
    put(
        &mut m,
        "creationTimestamp",
        rfc3339(meta.creation_timestamp),
    );
    put(&mut m, "labels", string_map(&meta.labels));
    put(
        &mut m,
        "annotations",
        visible_annotations(&meta.annotations),
    );
    let owners: Vec<Value> = meta
        .owner_references
        .iter()
        .map(|r| {
            json!({
                "apiVersion": r.kind.api_version(),
                "kind": r.kind.name(),
                "name": r.name,
                "uid": r.uid.to_string(),
                "controller": r.controller,
                "blockOwnerDeletion": r.block_owner_deletion,
            })
        })
        .collect();
    put(&mut m, "ownerReferences", owners);
    put(
        &mut m,
        "deletionTimestamp",
        meta.deletion_timestamp.map(rfc3339),
    );
    put(
        &mut m,
        "deletionGracePeriodSeconds",
        meta.deletion_grace_period_seconds,
    );
    put(&mut m, "finalizers", meta.finalizers.clone());
    Value::Object(m)
}

/// A resource list (`requests`, `limits`, `capacity`) with quantities as kubectl prints
/// them; zero amounts are left out. `pods` only means something for nodes.
fn resource_list(r: &Resources, with_pods: bool) -> Value {
    let mut m = Map::new();
    if r.cpu_millis > 0 {
        put(&mut m, "cpu", format_cpu_millis(r.cpu_millis));
    }
    if r.memory_bytes > 0 {
        put(&mut m, "memory", format_bytes(r.memory_bytes));
    }
    if r.ephemeral_storage_bytes > 0 {
        put(
            &mut m,
            "ephemeral-storage",
            format_bytes(r.ephemeral_storage_bytes),
        );
    }
    if with_pods && r.pods > 0 {
        put(&mut m, "pods", r.pods.to_string());
    }
    for (name, amount) in &r.extended {
        if *amount > 0 {
            put(&mut m, name, amount.to_string());
        }
    }
    Value::Object(m)
}

/// An `IntOrString` port: a number when it is one, a named port otherwise.
fn int_or_string(text: &str) -> Value {
    match text.parse::<u64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::from(text),
    }
}

fn probe_to_json(p: &Probe) -> Value {
    let mut m = Map::new();
    match &p.handler {
        ProbeHandler::Exec(command) => put(&mut m, "exec", json!({ "command": command })),
        ProbeHandler::HttpGet { scheme, port, path } => {
            let mut h = Map::new();
            put(&mut h, "path", path.as_str());
            put(&mut h, "port", int_or_string(port));
            put(&mut h, "scheme", scheme.as_str());
            put(&mut m, "httpGet", h);
        }
        ProbeHandler::TcpSocket(port) => {
            put(&mut m, "tcpSocket", json!({ "port": int_or_string(port) }));
        }
        ProbeHandler::Grpc(port) => put(&mut m, "grpc", json!({ "port": port })),
    }
    // The API server does not default initialDelaySeconds, so it shows only when set.
    if p.initial_delay_seconds > 0 {
        put(&mut m, "initialDelaySeconds", p.initial_delay_seconds);
    }
    put(&mut m, "periodSeconds", p.period_seconds);
    put(&mut m, "timeoutSeconds", p.timeout_seconds);
    put(&mut m, "successThreshold", p.success_threshold);
    put(&mut m, "failureThreshold", p.failure_threshold);
    put(
        &mut m,
        "terminationGracePeriodSeconds",
        p.termination_grace_period_seconds,
    );
    Value::Object(m)
}

fn container_to_json(c: &Container) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", c.name.as_str());
    put(&mut m, "image", c.image.as_str());
    put(&mut m, "imagePullPolicy", c.image_pull_policy.as_str());
    let mut resources = Map::new();
    put(
        &mut resources,
        "requests",
        resource_list(&c.requests, false),
    );
    put(&mut resources, "limits", resource_list(&c.limits, false));
    put(&mut m, "resources", resources);
    put(
        &mut m,
        "restartPolicy",
        c.restart_policy.map(|p| p.as_str()),
    );
    put(
        &mut m,
        "startupProbe",
        c.startup_probe.as_ref().map(probe_to_json),
    );
    put(
        &mut m,
        "livenessProbe",
        c.liveness_probe.as_ref().map(probe_to_json),
    );
    put(
        &mut m,
        "readinessProbe",
        c.readiness_probe.as_ref().map(probe_to_json),
    );
    let ports: Vec<Value> = c
        .ports
        .iter()
        .map(scheduling::container_port_to_json)
        .collect();
    put(&mut m, "ports", ports);
    Value::Object(m)
}

fn toleration_to_json(t: &Toleration) -> Value {
    let mut m = Map::new();
    put(&mut m, "key", t.key.as_str());
    let operator = match t.operator {
        TolerationOperator::Equal => "Equal",
        TolerationOperator::Exists => "Exists",
    };
    put(&mut m, "operator", operator);
    put(&mut m, "value", t.value.as_str());
    put(&mut m, "effect", t.effect.map(|e| e.as_str()));
    put(&mut m, "tolerationSeconds", t.toleration_seconds);
    Value::Object(m)
}

fn pod_spec_to_json(spec: &PodSpec) -> Value {
    let mut m = Map::new();
    put(&mut m, "nodeName", spec.node_name.as_deref());
    put(&mut m, "schedulerName", spec.scheduler_name.as_str());
    put(&mut m, "nodeSelector", string_map(&spec.node_selector));
    let tolerations: Vec<Value> = spec.tolerations.iter().map(toleration_to_json).collect();
    put(&mut m, "tolerations", tolerations);
    let init: Vec<Value> = spec.init_containers.iter().map(container_to_json).collect();
    put(&mut m, "initContainers", init);
    let containers: Vec<Value> = spec.containers.iter().map(container_to_json).collect();
    put(&mut m, "containers", containers);
    put(&mut m, "restartPolicy", spec.restart_policy.as_str());
    put(
        &mut m,
        "terminationGracePeriodSeconds",
        spec.termination_grace_period_seconds,
    );
    put(&mut m, "priority", spec.priority);
    put(
        &mut m,
        "priorityClassName",
        spec.priority_class_name.as_str(),
    );
    put(&mut m, "preemptionPolicy", spec.preemption_policy.as_str());
    put(
        &mut m,
        "affinity",
        spec.affinity.as_ref().map(apps::affinity_to_json),
    );
    let volumes: Vec<Value> = spec.volumes.iter().map(apps::volume_to_json).collect();
    put(&mut m, "volumes", volumes);
    put(&mut m, "hostname", spec.hostname.as_deref());
    put(&mut m, "subdomain", spec.subdomain.as_deref());
    let spread: Vec<Value> = spec
        .topology_spread_constraints
        .iter()
        .map(scheduling::spread_constraint_to_json)
        .collect();
    put(&mut m, "topologySpreadConstraints", spread);
    Value::Object(m)
}

/// The QoS class of a pod (semantics §10.1, golden case G37), computed as Kubernetes'
/// `GetPodQOS` does over app and init containers, counting only CPU and memory:
/// `BestEffort` when no container requests or limits either; `Guaranteed` when every
/// container has both limits and the summed requests equal the summed limits; `Burstable`
/// otherwise. A request left at zero next to a limit counts as the limit, as the API server
/// defaults it.
pub fn qos_class(spec: &PodSpec) -> &'static str {
    // Sums of requests and limits over (cpu, memory); `None` means "not given anywhere".
    let mut requests: [Option<u64>; 2] = [None, None];
    let mut limits: [Option<u64>; 2] = [None, None];
    let mut guaranteed = true;
    for c in spec.containers.iter().chain(&spec.init_containers) {
        let limit = [c.limits.cpu_millis, c.limits.memory_bytes];
        let request = [c.requests.cpu_millis, c.requests.memory_bytes];
        for i in 0..2 {
            let effective_request = if request[i] == 0 {
                limit[i]
            } else {
                request[i]
            };
            if effective_request > 0 {
                let sum = requests[i].get_or_insert(0);
                *sum = sum.saturating_add(effective_request);
            }
            if limit[i] > 0 {
                let sum = limits[i].get_or_insert(0);
                *sum = sum.saturating_add(limit[i]);
            } else {
                guaranteed = false;
            }
        }
    }
    if requests == [None, None] && limits == [None, None] {
        "BestEffort"
    } else if guaranteed && requests == limits {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn container_state_to_json(state: &ContainerState) -> Value {
    match state {
        ContainerState::Waiting { reason, message } => {
            let mut w = Map::new();
            put(&mut w, "reason", reason.as_str());
            put(&mut w, "message", message.as_str());
            json!({ "waiting": w })
        }
        ContainerState::Running { started_at } => {
            json!({ "running": { "startedAt": rfc3339(*started_at) } })
        }
        ContainerState::Terminated {
            exit_code,
            reason,
            started_at,
            finished_at,
        } => {
            let mut t = Map::new();
            put(&mut t, "exitCode", *exit_code);
            put(&mut t, "reason", reason.as_str());
            put(&mut t, "startedAt", rfc3339(*started_at));
            put(&mut t, "finishedAt", rfc3339(*finished_at));
            json!({ "terminated": t })
        }
    }
}

fn container_status_to_json(status: &ContainerStatus, spec: &[Container]) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", status.name.as_str());
    let image = spec.iter().find(|c| c.name == status.name);
    put(&mut m, "image", image.map(|c| c.image.as_str()));
    put(&mut m, "state", container_state_to_json(&status.state));
    put(
        &mut m,
        "lastState",
        status.last_state.as_ref().map(container_state_to_json),
    );
    put(&mut m, "ready", status.ready);
    put(&mut m, "started", status.started);
    put(&mut m, "restartCount", status.restart_count);
    Value::Object(m)
}

/// A Pod as the API returns it.
pub fn pod_to_json(pod: &Pod) -> Value {
    let s = &pod.status;
    let mut status = Map::new();
    put(&mut status, "phase", s.phase.as_str());
    let conditions: Vec<Value> = s
        .conditions
        .iter()
        .map(|c| {
            let mut m = Map::new();
            put(&mut m, "type", c.type_.as_str());
            put(&mut m, "status", c.status.as_str());
            put(&mut m, "reason", c.reason.as_str());
            put(&mut m, "message", c.message.as_str());
            put(
                &mut m,
                "lastTransitionTime",
                rfc3339(c.last_transition_time),
            );
            Value::Object(m)
        })
        .collect();
    put(&mut status, "conditions", conditions);
    let init: Vec<Value> = s
        .init_container_statuses
        .iter()
        .map(|c| container_status_to_json(c, &pod.spec.init_containers))
        .collect();
    put(&mut status, "initContainerStatuses", init);
    let containers: Vec<Value> = s
        .container_statuses
        .iter()
        .map(|c| container_status_to_json(c, &pod.spec.containers))
        .collect();
    put(&mut status, "containerStatuses", containers);
    put(&mut status, "startTime", s.start_time.map(rfc3339));
    put(
        &mut status,
        "nominatedNodeName",
        s.nominated_node_name.as_deref(),
    );
    put(&mut status, "podIP", s.pod_ip.as_deref());
    put(
        &mut status,
        "podIPs",
        s.pod_ip.as_ref().map(|ip| json!([{ "ip": ip }])),
    );
    put(&mut status, "qosClass", qos_class(&pod.spec));
    put(&mut status, "reason", s.reason.as_str());
    put(&mut status, "message", s.message.as_str());
    json!({
        "apiVersion": Kind::Pod.api_version(),
        "kind": Kind::Pod.name(),
        "metadata": metadata_to_json(&pod.meta, Kind::Pod),
        "spec": pod_spec_to_json(&pod.spec),
        "status": status,
    })
}

/// A Node as the API returns it, at its creation time (see [`node_to_json_at`]).
pub fn node_to_json(node: &Node) -> Value {
    node_to_json_at(node, node.meta.creation_timestamp)
}

/// A Node as the API returns it at `now`: the kubelet's conditions with the last heartbeat
/// the API server holds (k8s-semantics §7.1), or Unknown once the node lifecycle controller
/// gave up on it (§7.2).
pub fn node_to_json_at(node: &Node, now: SimTime) -> Value {
    let mut spec = Map::new();
    put(&mut spec, "unschedulable", node.unschedulable);
    put(&mut spec, "taints", nodes::taints_to_json(node));
    let mut status = Map::new();
    put(&mut status, "capacity", resource_list(&node.capacity, true));
    put(
        &mut status,
        "allocatable",
        resource_list(&node.allocatable, true),
    );
    put(
        &mut status,
        "conditions",
        nodes::conditions_to_json(node, now),
    );
    let images: Vec<Value> = node.images.iter().map(scheduling::image_to_json).collect();
    put(&mut status, "images", images);
    // What `kubectl describe node` reads; kubesim models no node IPs, and names itself as
    // the OS image, kernel and runtime (as `get nodes -o wide` prints them).
    put(
        &mut status,
        "addresses",
        json!([{"type": "Hostname", "address": node.meta.name}]),
    );
    put(
        &mut status,
        "nodeInfo",
        json!({
            "architecture": "amd64",
            "operatingSystem": "linux",
            "kubeletVersion": crate::tables::KUBELET_VERSION,
            "osImage": "kubesim",
            "kernelVersion": "kubesim",
            "containerRuntimeVersion": "kubesim",
        }),
    );
    json!({
        "apiVersion": Kind::Node.api_version(),
        "kind": Kind::Node.name(),
        "metadata": metadata_to_json(&node.meta, Kind::Node),
        "spec": spec,
        "status": status,
    })
}

fn selector_to_json(selector: &LabelSelector) -> Value {
    let mut m = Map::new();
    put(&mut m, "matchLabels", string_map(&selector.match_labels));
    let expressions: Vec<Value> = selector
        .match_expressions
        .iter()
        .map(|r| {
            let operator = match r.operator {
                SelectorOperator::In => "In",
                SelectorOperator::NotIn => "NotIn",
                SelectorOperator::Exists => "Exists",
                SelectorOperator::DoesNotExist => "DoesNotExist",
            };
            let mut e = Map::new();
            put(&mut e, "key", r.key.as_str());
            put(&mut e, "operator", operator);
            put(&mut e, "values", r.values.clone());
            Value::Object(e)
        })
        .collect();
    put(&mut m, "matchExpressions", expressions);
    Value::Object(m)
}

fn template_to_json(template: &PodTemplate) -> Value {
    let mut metadata = Map::new();
    put(&mut metadata, "labels", string_map(&template.labels));
    put(
        &mut metadata,
        "annotations",
        visible_annotations(&template.annotations),
    );
    let mut m = Map::new();
    put(&mut m, "metadata", metadata);
    put(&mut m, "spec", pod_spec_to_json(&template.spec));
    Value::Object(m)
}

/// Deployment or ReplicaSet conditions (a ReplicaSet's have no `lastUpdateTime`).
fn conditions_to_json(conditions: &[DeploymentCondition], with_update_time: bool) -> Value {
    conditions
        .iter()
        .map(|c| {
            let mut m = Map::new();
            put(&mut m, "type", c.type_.as_str());
            put(&mut m, "status", c.status.as_str());
            put(&mut m, "reason", c.reason.as_str());
            put(&mut m, "message", c.message.as_str());
            if with_update_time {
                put(&mut m, "lastUpdateTime", rfc3339(c.last_update_time));
            }
            put(
                &mut m,
                "lastTransitionTime",
                rfc3339(c.last_transition_time),
            );
            Value::Object(m)
        })
        .collect()
}

/// A ReplicaSet as the API returns it.
pub fn replicaset_to_json(rs: &ReplicaSet) -> Value {
    let mut spec = Map::new();
    put(&mut spec, "replicas", rs.replicas);
    put(&mut spec, "minReadySeconds", rs.min_ready_seconds);
    put(&mut spec, "selector", selector_to_json(&rs.selector));
    put(&mut spec, "template", template_to_json(&rs.template));
    let s = &rs.status;
    let mut status = Map::new();
    put(&mut status, "replicas", s.replicas);
    put(
        &mut status,
        "fullyLabeledReplicas",
        s.fully_labeled_replicas,
    );
    put(&mut status, "readyReplicas", s.ready_replicas);
    put(&mut status, "availableReplicas", s.available_replicas);
    put(&mut status, "terminatingReplicas", s.terminating_replicas);
    put(&mut status, "observedGeneration", s.observed_generation);
    put(
        &mut status,
        "conditions",
        conditions_to_json(&s.conditions, false),
    );
    json!({
        "apiVersion": Kind::ReplicaSet.api_version(),
        "kind": Kind::ReplicaSet.name(),
        "metadata": metadata_to_json(&rs.meta, Kind::ReplicaSet),
        "spec": spec,
        "status": status,
    })
}

/// An `IntOrString` count or percentage: `1` or `"25%"`.
fn int_or_percent(v: IntOrPercent) -> Value {
    match v {
        IntOrPercent::Int(n) => Value::from(n),
        IntOrPercent::Percent(_) => Value::from(v.to_string()),
    }
}

/// A Deployment as the API returns it.
pub fn deployment_to_json(d: &Deployment) -> Value {
    let strategy = match d.strategy {
        DeploymentStrategy::Recreate => json!({ "type": "Recreate" }),
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => json!({
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxSurge": int_or_percent(max_surge),
                "maxUnavailable": int_or_percent(max_unavailable),
            },
        }),
    };
    let mut spec = Map::new();
    put(&mut spec, "replicas", d.replicas);
    put(&mut spec, "selector", selector_to_json(&d.selector));
    put(&mut spec, "template", template_to_json(&d.template));
    put(&mut spec, "strategy", strategy);
    put(&mut spec, "minReadySeconds", d.min_ready_seconds);
    put(&mut spec, "revisionHistoryLimit", d.revision_history_limit);
    put(
        &mut spec,
        "progressDeadlineSeconds",
        d.progress_deadline_seconds,
    );
    put(&mut spec, "paused", d.paused);
    let s = &d.status;
    let mut status = Map::new();
    put(&mut status, "observedGeneration", s.observed_generation);
    put(&mut status, "replicas", s.replicas);
    put(&mut status, "updatedReplicas", s.updated_replicas);
    put(&mut status, "readyReplicas", s.ready_replicas);
    put(&mut status, "availableReplicas", s.available_replicas);
    put(&mut status, "unavailableReplicas", s.unavailable_replicas);
    put(
        &mut status,
        "conditions",
        conditions_to_json(&s.conditions, true),
    );
    json!({
        "apiVersion": Kind::Deployment.api_version(),
        "kind": Kind::Deployment.name(),
        "metadata": metadata_to_json(&d.meta, Kind::Deployment),
        "spec": spec,
        "status": status,
    })
}

/// The object of `kind` at `key` in `store`, as the API returns it; `None` when it does not
/// exist. The namespace of `key` is ignored for cluster-scoped kinds.
pub fn lookup(store: &Store, kind: Kind, key: &ObjectKey) -> Option<Value> {
    let cluster_key;
    let key = if kind.namespaced() || key.namespace.is_empty() {
        key
    } else {
        cluster_key = ObjectKey::cluster(key.name.as_str());
        &cluster_key
    };
    match kind {
        Kind::Node => store
            .get::<Node>(key)
            .map(|n| node_to_json_at(n, store.now())),
        Kind::Pod => store.get::<Pod>(key).map(pod_to_json),
        Kind::ReplicaSet => store.get::<ReplicaSet>(key).map(replicaset_to_json),
        Kind::Deployment => store.get::<Deployment>(key).map(deployment_to_json),
        Kind::Service => store.get::<Service>(key).map(service_to_json),
        Kind::EndpointSlice => store.get::<EndpointSlice>(key).map(endpointslice_to_json),
        Kind::Namespace => store.get(key).map(policy::namespace_to_json),
        Kind::ResourceQuota => store.get(key).map(policy::resourcequota_to_json),
        Kind::LimitRange => store.get(key).map(policy::limitrange_to_json),
        Kind::PriorityClass => store.get(key).map(policy::priorityclass_to_json),
        Kind::ConfigMap => store.get(key).map(policy::configmap_to_json),
        Kind::Secret => store.get(key).map(policy::secret_to_json),
        Kind::Job => store.get::<Job>(key).map(job_to_json),
        Kind::CronJob => store.get::<CronJob>(key).map(cronjob_to_json),
        Kind::StatefulSet => store
            .get::<sim_core::objects::StatefulSet>(key)
            .map(statefulset_to_json),
        Kind::DaemonSet => store
            .get::<sim_core::objects::DaemonSet>(key)
            .map(daemonset_to_json),
        Kind::PersistentVolumeClaim => store
            .get::<sim_core::objects::PersistentVolumeClaim>(key)
            .map(persistentvolumeclaim_to_json),
        Kind::PodDisruptionBudget => store.get(key).map(pdb_to_json),
        Kind::HorizontalPodAutoscaler => store.get(key).map(hpa_to_json),
    }
}

/// A Service as the API returns it: `clusterIP`/`clusterIPs`, the IPv4 single-stack family
/// fields the API server fills in, and an empty `status.loadBalancer` (no load balancer is
/// ever provisioned).
pub fn service_to_json(service: &Service) -> Value {
    let s = &service.spec;
    let mut spec = Map::new();
    put(&mut spec, "type", s.type_.as_str());
    put(&mut spec, "selector", string_map(&s.selector));
    let ports: Vec<Value> = s
        .ports
        .iter()
        .map(|p| {
            let mut m = Map::new();
            put(&mut m, "name", p.name.as_str());
            put(&mut m, "protocol", p.protocol.as_str());
            put(&mut m, "appProtocol", p.app_protocol.as_deref());
            put(&mut m, "port", p.port);
            let target = match &p.target_port {
                TargetPort::Number(n) => Value::from(*n),
                TargetPort::Name(name) => Value::from(name.as_str()),
            };
            put(&mut m, "targetPort", target);
            put(&mut m, "nodePort", p.node_port);
            Value::Object(m)
        })
        .collect();
    put(&mut spec, "ports", ports);
    let cluster_ip = match s.cluster_ip {
        ClusterIp::Unset => None,
        ClusterIp::Headless => Some("None".to_string()),
        ClusterIp::Address(a) => Some(a.to_string()),
    };
    put(
        &mut spec,
        "clusterIPs",
        cluster_ip.as_ref().map(|ip| json!([ip])),
    );
    put(&mut spec, "clusterIP", cluster_ip);
    if s.type_ != ServiceType::ExternalName {
        put(&mut spec, "ipFamilies", json!(["IPv4"]));
        put(&mut spec, "ipFamilyPolicy", "SingleStack");
    }
    put(&mut spec, "externalIPs", s.external_ips.clone());
    put(&mut spec, "externalName", s.external_name.as_str());
    put(
        &mut spec,
        "publishNotReadyAddresses",
        s.publish_not_ready_addresses,
    );
    match s.session_affinity {
        SessionAffinity::None => put(&mut spec, "sessionAffinity", "None"),
        SessionAffinity::ClientIp { timeout_seconds } => {
            put(&mut spec, "sessionAffinity", "ClientIP");
            put(
                &mut spec,
                "sessionAffinityConfig",
                json!({ "clientIP": { "timeoutSeconds": timeout_seconds } }),
            );
        }
    }
    put(
        &mut spec,
        "externalTrafficPolicy",
        s.external_traffic_policy.map(|p| p.as_str()),
    );
    put(
        &mut spec,
        "internalTrafficPolicy",
        s.internal_traffic_policy.map(|p| p.as_str()),
    );
    put(
        &mut spec,
        "allocateLoadBalancerNodePorts",
        s.allocate_load_balancer_node_ports,
    );
    json!({
        "apiVersion": Kind::Service.api_version(),
        "kind": Kind::Service.name(),
        "metadata": metadata_to_json(&service.meta, Kind::Service),
        "spec": spec,
        "status": { "loadBalancer": {} },
    })
}

/// An EndpointSlice as the API returns it. Every condition is printed, `false` included,
/// and an unnamed port keeps its empty `name`, as the controller writes them.
pub fn endpointslice_to_json(slice: &EndpointSlice) -> Value {
    let endpoints: Vec<Value> = slice
        .endpoints
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert("addresses".to_string(), json!(e.addresses));
            m.insert(
                "conditions".to_string(),
                json!({
                    "ready": e.conditions.ready,
                    "serving": e.conditions.serving,
                    "terminating": e.conditions.terminating,
                }),
            );
            put(&mut m, "nodeName", e.node_name.as_deref());
            put(&mut m, "zone", e.zone.as_deref());
            put(
                &mut m,
                "targetRef",
                e.target_ref.as_ref().map(|r| {
                    json!({
                        "kind": Kind::Pod.name(),
                        "namespace": r.namespace,
                        "name": r.name,
                        "uid": r.uid.to_string(),
                    })
                }),
            );
            Value::Object(m)
        })
        .collect();
    let ports: Vec<Value> = slice
        .ports
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("name".to_string(), Value::from(p.name.as_str()));
            put(&mut m, "protocol", p.protocol.as_str());
            put(&mut m, "port", p.port);
            put(&mut m, "appProtocol", p.app_protocol.as_deref());
            Value::Object(m)
        })
        .collect();
    let mut object = Map::new();
    object.insert(
        "apiVersion".to_string(),
        Value::from(Kind::EndpointSlice.api_version()),
    );
    object.insert("kind".to_string(), Value::from(Kind::EndpointSlice.name()));
    object.insert(
        "metadata".to_string(),
        metadata_to_json(&slice.meta, Kind::EndpointSlice),
    );
    object.insert(
        "addressType".to_string(),
        Value::from(slice.address_type.as_str()),
    );
    // Unlike most lists, `endpoints` and `ports` are not `omitempty`: the API server prints
    // the empty lists of a placeholder slice as null.
    let list = |items: Vec<Value>| {
        if items.is_empty() {
            Value::Null
        } else {
            Value::Array(items)
        }
    };
    object.insert("endpoints".to_string(), list(endpoints));
    object.insert("ports".to_string(), list(ports));
    Value::Object(object)
}

/// A field path that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field path {path:?} (column {column}): {reason}")]
pub struct FieldPathError {
    /// The whole path as written.
    pub path: String,
    /// 1-based character column where the problem is.
    pub column: usize,
    /// What is wrong.
    pub reason: String,
}

/// One step of a parsed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'p> {
    /// `.name`: a map key.
    Field(&'p str),
    /// `[text]`: an index or filter on a list, a key on a map. `list` is the name of the
    /// field the brackets follow, which picks the key of the `[value]` shorthand.
    Bracket { text: &'p str, list: &'p str },
}

fn parse_path(path: &str) -> Result<Vec<Step<'_>>, FieldPathError> {
    let fail = |byte: usize, reason: &str| FieldPathError {
        path: path.to_string(),
        column: path.get(..byte).map_or(byte, |p| p.chars().count()) + 1,
        reason: reason.to_string(),
    };
    // A leading dot is accepted, as in kubectl's `{.status.phase}`.
    let start = usize::from(path.starts_with('.'));
    if path.len() == start {
        return Err(fail(start, "the path is empty"));
    }
    let bytes = path.as_bytes();
    let mut steps = Vec::new();
    let mut list = "";
    let mut i = start;
    loop {
        let name_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'.' | b'[' | b']') {
            if bytes[i].is_ascii_whitespace() {
                return Err(fail(i, "field names cannot contain spaces"));
            }
            i += 1;
        }
        let name = &path[name_start..i];
        if !name.is_empty() {
            steps.push(Step::Field(name));
            list = name;
        }
        let mut brackets = 0;
        while i < bytes.len() && bytes[i] == b'[' {
            let open = i;
            let Some(len) = path[open + 1..].find(']') else {
                return Err(fail(open, "'[' is never closed with ']'"));
            };
            let close = open + 1 + len;
            let text = &path[open + 1..close];
            if let Some(nested) = text.find('[') {
                return Err(fail(open + 1 + nested, "'[' inside brackets"));
            }
            if text.is_empty() {
                return Err(fail(open, "empty brackets: write an index such as [0], a filter such as [type=Ready], or a name such as [web]"));
            }
            if text.starts_with('=') {
                return Err(fail(open + 1, "the filter has no key before '='"));
            }
            steps.push(Step::Bracket { text, list });
            i = close + 1;
            brackets += 1;
        }
        if name.is_empty() && brackets == 0 {
            return Err(match bytes.get(i) {
                Some(b']') => fail(i, "']' without a matching '['"),
                _ => fail(
                    i,
                    "empty field name (two dots in a row, or a dot at an end)",
                ),
            });
        }
        match bytes.get(i) {
            None => break,
            Some(b'.') => i += 1,
            Some(b']') => return Err(fail(i, "']' without a matching '['")),
            Some(_) => return Err(fail(i, "expected '.' or '[' after ']'")),
        }
    }
    Ok(steps)
}

/// Checks that `path` is a well-formed field path, without reading any object: for
/// validating scenario files before the run.
pub fn check_field_path(path: &str) -> Result<(), FieldPathError> {
    parse_path(path).map(|_| ())
}

fn matches_text(value: &Value, want: &str) -> bool {
    match value {
        Value::String(s) => s == want,
        other => value_to_text(other) == want,
    }
}

fn apply_step<'a>(value: &'a Value, step: Step<'_>) -> Option<&'a Value> {
    match (step, value) {
        (Step::Field(name), Value::Object(map)) => map.get(name),
        (Step::Bracket { text, .. }, Value::Object(map)) => map.get(text),
        (Step::Bracket { text, list }, Value::Array(items)) => {
            if let Ok(index) = text.parse::<i64>() {
                let index = if index < 0 {
                    let back = usize::try_from(index.unsigned_abs()).ok()?;
                    items.len().checked_sub(back)?
                } else {
                    usize::try_from(index).ok()?
                };
                return items.get(index);
            }
            let (key, want) = match text.split_once('=') {
                Some((key, want)) => (key, want),
                None if list == "conditions" => ("type", text),
                None => ("name", text),
            };
            items
                .iter()
                .find(|item| item.get(key).is_some_and(|v| matches_text(v, want)))
        }
        _ => None,
    }
}

/// Reads the field at `path` in `value` (an object from this module).
///
/// The path language is a small JSONPath: dotted fields (`status.readyReplicas`, an
/// optional leading dot), list indexes (`containers[0]`, `[-1]` for the last), list filters
/// by a key (`conditions[type=Ready]`, `containerStatuses[name=web]`), and the shorthand
/// `[Ready]` / `[web]`, which means `type=` after `conditions` and `name=` after any other
/// list. On a map, brackets name a key that may contain dots:
/// `metadata.labels[app.kubernetes.io/name]`.
///
/// `Ok(None)` when the field is absent (the object does not have it, an index is out of
/// range, a filter matches nothing); an error only when the path itself is malformed.
pub fn field_value<'a>(value: &'a Value, path: &str) -> Result<Option<&'a Value>, FieldPathError> {
    let steps = parse_path(path)?;
    let mut current = value;
    for step in steps {
        match apply_step(current, step) {
            Some(next) => current = next,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// A value as text for comparisons and tables: strings unquoted, numbers and booleans as
/// written, null as `<none>`, lists and maps as compact JSON.
pub fn value_to_text(v: &Value) -> String {
    match v {
        Value::Null => "<none>".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::objects::ConditionStatus;
    use sim_core::objects::{
        ContainerStatus, DeploymentCondition, DeploymentStatus, ImagePullPolicy, OwnerReference,
        PodCondition, PodConditionType, PodPhase, PodStatus, ReplicaSetStatus, RestartPolicy,
        Taint, TaintEffect, Uid,
    };
    use sim_core::rng::{RngStreams, Stream};

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn resources(cpu_millis: u64, memory_bytes: u64) -> Resources {
        Resources {
            cpu_millis,
            memory_bytes,
            ..Resources::default()
        }
    }

    fn container(name: &str, requests: Resources, limits: Resources) -> Container {
        Container {
            name: name.to_string(),
            image: format!("registry.example/{name}:1.0"),
            image_pull_policy: ImagePullPolicy::IfNotPresent,
            requests,
            limits,
            readiness_probe: None,
            liveness_probe: None,
            startup_probe: None,
            restart_policy: None,
            pre_stop: None,
            declared: Default::default(),
            config_refs: Vec::new(),
            ports: Vec::new(),
        }
    }

    fn pod_spec(containers: Vec<Container>) -> PodSpec {
        PodSpec {
            node_name: None,
            scheduler_name: "default-scheduler".to_string(),
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            init_containers: Vec::new(),
            containers,
            restart_policy: RestartPolicy::Always,
            termination_grace_period_seconds: 30,
            priority: 0,
            priority_class_name: String::new(),
            preemption_policy: Default::default(),
            active_deadline_seconds: None,
            affinity: None,
            volumes: vec![],
            hostname: None,
            subdomain: None,
            topology_spread_constraints: vec![],
        }
    }

    fn meta(namespace: &str, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.to_string(),
            namespace: namespace.to_string(),
            uid: Uid(7),
            resource_version: 42,
            generation: 1,
            creation_timestamp: SimTime(1_500),
            ..ObjectMeta::default()
        }
    }

    const MI: u64 = 1 << 20;

    fn web_pod() -> Pod {
        let mut spec = pod_spec(vec![Container {
            readiness_probe: Some(Probe {
                handler: ProbeHandler::HttpGet {
                    scheme: "HTTP".to_string(),
                    port: "8080".to_string(),
                    path: "/healthz".to_string(),
                },
                initial_delay_seconds: 0,
                period_seconds: 10,
                timeout_seconds: 1,
                success_threshold: 1,
                failure_threshold: 3,
                termination_grace_period_seconds: None,
            }),
            ..container("web", resources(250, 64 * MI), resources(0, 128 * MI))
        }]);
        spec.node_name = Some("node-1".to_string());
        spec.tolerations.push(Toleration {
            key: "node.kubernetes.io/not-ready".to_string(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(300),
        });
        let mut meta = meta("default", "web-abc12");
        meta.labels = labels(&[("app", "web"), ("app.kubernetes.io/name", "web")]);
        meta.annotations = labels(&[
            ("kubesim.io/internal-template-hash", "x"),
            ("team", "payments"),
        ]);
        meta.owner_references.push(OwnerReference {
            kind: Kind::ReplicaSet,
            name: "web-5d4f8".to_string(),
            uid: Uid(3),
            controller: true,
            block_owner_deletion: true,
        });
        Pod {
            meta,
            spec,
            status: PodStatus {
                phase: PodPhase::Running,
                conditions: vec![
                    PodCondition {
                        type_: PodConditionType::PodScheduled,
                        status: ConditionStatus::True,
                        reason: String::new(),
                        message: String::new(),
                        last_transition_time: SimTime(2_000),
                    },
                    PodCondition {
                        type_: PodConditionType::Ready,
                        status: ConditionStatus::False,
                        reason: "ContainersNotReady".to_string(),
                        message: "containers with unready status: [web]".to_string(),
                        last_transition_time: SimTime(3_000),
                    },
                ],
                init_container_statuses: Vec::new(),
                container_statuses: vec![ContainerStatus {
                    name: "web".to_string(),
                    state: ContainerState::Running {
                        started_at: SimTime(65_000),
                    },
                    last_state: Some(ContainerState::Terminated {
                        exit_code: 137,
                        reason: "OOMKilled".to_string(),
                        started_at: SimTime(4_000),
                        finished_at: SimTime(60_000),
                    }),
                    ready: false,
                    started: true,
                    restart_count: 1,
                }],
                start_time: Some(SimTime(2_000)),
                reason: String::new(),
                message: String::new(),
                pod_ip: None,
                nominated_node_name: None,
            },
        }
    }

    fn template() -> PodTemplate {
        PodTemplate {
            labels: labels(&[("app", "web")]),
            annotations: BTreeMap::new(),
            spec: pod_spec(vec![container(
                "web",
                Resources::default(),
                Resources::default(),
            )]),
        }
    }

    #[test]
    fn rfc3339_counts_from_the_fixed_epoch() {
        assert_eq!(rfc3339(SimTime::ZERO), EPOCH_RFC3339);
        assert_eq!(rfc3339(SimTime(90_500)), "2026-01-01T00:01:30Z");
        let day = 86_400_000;
        assert_eq!(rfc3339(SimTime(59 * day)), "2026-03-01T00:00:00Z");
        assert_eq!(rfc3339(SimTime(365 * day - 1)), "2026-12-31T23:59:59Z");
        assert_eq!(rfc3339(SimTime(365 * day)), "2027-01-01T00:00:00Z");
        assert_eq!(rfc3339(SimTime(789 * day)), "2028-02-29T00:00:00Z");
        // The epoch constant agrees with the calendar arithmetic.
        assert_eq!(civil_from_days(EPOCH_UNIX_SECONDS / 86_400), (2026, 1, 1));
        assert_eq!(EPOCH_UNIX_SECONDS % 86_400, 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // Far instants do not overflow.
        assert!(rfc3339(SimTime::MAX).ends_with('Z'));
    }

    /// Golden case G37 (k8s-semantics §10.1): the five QoS classes.
    #[test]
    fn qos_class_follows_golden_case_g37() {
        let guaranteed = resources(500, 256 * MI);
        // requests = limits for cpu 500m and memory 256Mi on every container.
        let spec = pod_spec(vec![
            container("a", guaranteed.clone(), guaranteed.clone()),
            container("b", guaranteed.clone(), guaranteed.clone()),
        ]);
        assert_eq!(qos_class(&spec), "Guaranteed");
        // Only limits: requests are defaulted to them, whether or not the engine did it.
        let spec = pod_spec(vec![container(
            "a",
            Resources::default(),
            guaranteed.clone(),
        )]);
        assert_eq!(qos_class(&spec), "Guaranteed");
        // Only a cpu request of 100m.
        let spec = pod_spec(vec![container(
            "a",
            resources(100, 0),
            Resources::default(),
        )]);
        assert_eq!(qos_class(&spec), "Burstable");
        // One Guaranteed container and one with nothing.
        let spec = pod_spec(vec![
            container("a", guaranteed.clone(), guaranteed.clone()),
            container("b", Resources::default(), Resources::default()),
        ]);
        assert_eq!(qos_class(&spec), "Burstable");
        // Nothing anywhere.
        let spec = pod_spec(vec![container(
            "a",
            Resources::default(),
            Resources::default(),
        )]);
        assert_eq!(qos_class(&spec), "BestEffort");
    }

    #[test]
    fn qos_class_edge_cases() {
        let guaranteed = resources(500, 256 * MI);
        // Requests below limits.
        let spec = pod_spec(vec![container(
            "a",
            resources(250, 256 * MI),
            guaranteed.clone(),
        )]);
        assert_eq!(qos_class(&spec), "Burstable");
        // Init containers count, as in GetPodQOS.
        let mut spec = pod_spec(vec![container("a", guaranteed.clone(), guaranteed.clone())]);
        spec.init_containers
            .push(container("init", resources(100, 0), Resources::default()));
        assert_eq!(qos_class(&spec), "Burstable");
        // A cpu limit only: not every container limits memory.
        let spec = pod_spec(vec![container(
            "a",
            Resources::default(),
            resources(500, 0),
        )]);
        assert_eq!(qos_class(&spec), "Burstable");
        // Extended resources alone do not make a pod Burstable.
        let mut gpu = Resources::default();
        gpu.extended.insert("nvidia.com/gpu".to_string(), 1);
        let spec = pod_spec(vec![container("a", gpu.clone(), gpu)]);
        assert_eq!(qos_class(&spec), "BestEffort");
    }

    #[test]
    fn pod_renders_in_the_api_shape() {
        let v = pod_to_json(&web_pod());
        let expected = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-abc12",
                "namespace": "default",
                "uid": "00000000-0000-0000-0000-000000000007",
                "resourceVersion": "42",
                "generation": 1,
                "creationTimestamp": "2026-01-01T00:00:01Z",
                "labels": { "app": "web", "app.kubernetes.io/name": "web" },
                "annotations": { "team": "payments" },
                "ownerReferences": [{
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-5d4f8",
                    "uid": "00000000-0000-0000-0000-000000000003",
                    "controller": true,
                    "blockOwnerDeletion": true,
                }],
            },
            "spec": {
                "nodeName": "node-1",
                "schedulerName": "default-scheduler",
                "tolerations": [{
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }],
                "containers": [{
                    "name": "web",
                    "image": "registry.example/web:1.0",
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {
                        "requests": { "cpu": "250m", "memory": "64Mi" },
                        "limits": { "memory": "128Mi" },
                    },
                    "readinessProbe": {
                        "httpGet": { "path": "/healthz", "port": 8080, "scheme": "HTTP" },
                        "periodSeconds": 10,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                }],
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
            },
            "status": {
                "phase": "Running",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "True",
                        "lastTransitionTime": "2026-01-01T00:00:02Z",
                    },
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "ContainersNotReady",
                        "message": "containers with unready status: [web]",
                        "lastTransitionTime": "2026-01-01T00:00:03Z",
                    },
                ],
                "containerStatuses": [{
                    "name": "web",
                    "image": "registry.example/web:1.0",
                    "state": { "running": { "startedAt": "2026-01-01T00:01:05Z" } },
                    "lastState": { "terminated": {
                        "exitCode": 137,
                        "reason": "OOMKilled",
                        "startedAt": "2026-01-01T00:00:04Z",
                        "finishedAt": "2026-01-01T00:01:00Z",
                    } },
                    "ready": false,
                    "started": true,
                    "restartCount": 1,
                }],
                "startTime": "2026-01-01T00:00:02Z",
                "qosClass": "Burstable",
            },
        });
        assert_eq!(v, expected, "got {v:#}");
    }

    #[test]
    fn terminating_pod_shows_deletion_fields() {
        let mut pod = web_pod();
        pod.meta.deletion_timestamp = Some(SimTime(95_000));
        pod.meta.deletion_grace_period_seconds = Some(30);
        pod.meta.finalizers.push("example.com/protect".to_string());
        pod.status.container_statuses[0].state = ContainerState::Waiting {
            reason: "CrashLoopBackOff".to_string(),
            message: String::new(),
        };
        let v = pod_to_json(&pod);
        assert_eq!(v["metadata"]["deletionTimestamp"], "2026-01-01T00:01:35Z");
        assert_eq!(v["metadata"]["deletionGracePeriodSeconds"], 30);
        assert_eq!(v["metadata"]["finalizers"], json!(["example.com/protect"]));
        assert_eq!(
            v["status"]["containerStatuses"][0]["state"],
            json!({ "waiting": { "reason": "CrashLoopBackOff" } })
        );
    }

    #[test]
    fn node_renders_without_namespace() {
        let node = Node {
            meta: meta("", "node-1"),
            unschedulable: true,
            taints: vec![Taint {
                key: "node.kubernetes.io/unschedulable".to_string(),
                value: String::new(),
                effect: TaintEffect::NoSchedule,
            }],
            capacity: Resources {
                cpu_millis: 4000,
                memory_bytes: 32 << 30,
                pods: 110,
                ..Resources::default()
            },
            allocatable: Resources {
                cpu_millis: 3900,
                memory_bytes: 31 << 30,
                pods: 110,
                ..Resources::default()
            },
            ready: ConditionStatus::Unknown,
            images: Vec::new(),
            memory_pressure: sim_core::objects::ConditionStatus::False,
            health: Default::default(),
        };
        let v = node_to_json(&node);
        assert_eq!(
            v,
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": "node-1",
                    "uid": "00000000-0000-0000-0000-000000000007",
                    "resourceVersion": "42",
                    "generation": 1,
                    "creationTimestamp": "2026-01-01T00:00:01Z",
                },
                "spec": {
                    "unschedulable": true,
                    "taints": [{ "key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule" }],
                },
                "status": {
                    "capacity": { "cpu": "4", "memory": "32Gi", "pods": "110" },
                    "allocatable": { "cpu": "3900m", "memory": "31Gi", "pods": "110" },
                    "conditions": [{
                        "type": "MemoryPressure",
                        "status": "Unknown",
                        "lastHeartbeatTime": "2026-01-01T00:00:01Z",
                        "lastTransitionTime": "2026-01-01T00:00:01Z",
                        "reason": "NodeStatusUnknown",
                        "message": "Kubelet stopped posting node status.",
                    }, {
                        "type": "DiskPressure",
                        "status": "Unknown",
                        "lastHeartbeatTime": "2026-01-01T00:00:01Z",
                        "lastTransitionTime": "2026-01-01T00:00:01Z",
                        "reason": "NodeStatusUnknown",
                        "message": "Kubelet stopped posting node status.",
                    }, {
                        "type": "PIDPressure",
                        "status": "Unknown",
                        "lastHeartbeatTime": "2026-01-01T00:00:01Z",
                        "lastTransitionTime": "2026-01-01T00:00:01Z",
                        "reason": "NodeStatusUnknown",
                        "message": "Kubelet stopped posting node status.",
                    }, {
                        "type": "Ready",
                        "status": "Unknown",
                        "lastHeartbeatTime": "2026-01-01T00:00:01Z",
                        "lastTransitionTime": "2026-01-01T00:00:01Z",
                        "reason": "NodeStatusUnknown",
                        "message": "Kubelet stopped posting node status.",
                    }],
                    "addresses": [{"type": "Hostname", "address": "node-1"}],
                    "nodeInfo": {
                        "architecture": "amd64",
                        "operatingSystem": "linux",
                        "kubeletVersion": "v1.36.3",
                        "osImage": "kubesim",
                        "kernelVersion": "kubesim",
                        "containerRuntimeVersion": "kubesim",
                    },
                },
            })
        );
    }

    #[test]
    fn replicaset_renders_selector_template_and_status() {
        let rs = ReplicaSet {
            meta: meta("shop", "web-5d4f8"),
            replicas: 3,
            selector: LabelSelector {
                match_labels: labels(&[("app", "web")]),
                match_expressions: vec![sim_core::selector::Requirement {
                    key: "tier".to_string(),
                    operator: SelectorOperator::In,
                    values: vec!["front".to_string(), "edge".to_string()],
                }],
            },
            template: template(),
            min_ready_seconds: 5,
            status: ReplicaSetStatus {
                replicas: 3,
                fully_labeled_replicas: 3,
                ready_replicas: 2,
                available_replicas: 0,
                terminating_replicas: 0,
                observed_generation: 1,
                conditions: Vec::new(),
            },
        };
        let v = replicaset_to_json(&rs);
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["metadata"]["namespace"], "shop");
        assert_eq!(
            v["spec"]["selector"],
            json!({
                "matchLabels": { "app": "web" },
                "matchExpressions": [{ "key": "tier", "operator": "In", "values": ["front", "edge"] }],
            })
        );
        assert_eq!(
            v["spec"]["template"]["metadata"],
            json!({ "labels": { "app": "web" } })
        );
        assert_eq!(
            v["spec"]["template"]["spec"]["containers"][0]["name"],
            "web"
        );
        assert!(v["spec"]["template"]["spec"]["containers"][0]
            .get("resources")
            .is_none());
        assert_eq!(
            v["status"],
            json!({
                "replicas": 3,
                "fullyLabeledReplicas": 3,
                "readyReplicas": 2,
                "availableReplicas": 0,
                "terminatingReplicas": 0,
                "observedGeneration": 1,
            })
        );
    }

    fn deployment(strategy: DeploymentStrategy) -> Deployment {
        Deployment {
            meta: meta("default", "web"),
            replicas: 3,
            selector: LabelSelector::from_labels(labels(&[("app", "web")])),
            template: template(),
            strategy,
            min_ready_seconds: 0,
            revision_history_limit: 10,
            progress_deadline_seconds: 600,
            paused: false,
            status: DeploymentStatus {
                observed_generation: 1,
                replicas: 3,
                updated_replicas: 3,
                ready_replicas: 3,
                available_replicas: 3,
                unavailable_replicas: 0,
                conditions: vec![DeploymentCondition {
                    type_: "Available".to_string(),
                    status: ConditionStatus::True,
                    reason: "MinimumReplicasAvailable".to_string(),
                    message: "Deployment has minimum availability.".to_string(),
                    last_transition_time: SimTime(12_000),
                    last_update_time: SimTime(12_000),
                }],
            },
        }
    }

    #[test]
    fn deployment_renders_strategy_and_conditions() {
        let d = deployment(DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Int(0),
        });
        let v = deployment_to_json(&d);
        assert_eq!(
            v["spec"]["strategy"],
            json!({ "type": "RollingUpdate", "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": 0 } })
        );
        assert_eq!(v["spec"]["replicas"], 3);
        assert_eq!(v["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(v["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(v["spec"]["paused"], false);
        assert_eq!(v["status"]["unavailableReplicas"], 0);
        assert_eq!(
            v["status"]["conditions"][0],
            json!({
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
                "lastUpdateTime": "2026-01-01T00:00:12Z",
                "lastTransitionTime": "2026-01-01T00:00:12Z",
            })
        );
        let v = deployment_to_json(&deployment(DeploymentStrategy::Recreate));
        assert_eq!(v["spec"]["strategy"], json!({ "type": "Recreate" }));
    }

    #[test]
    fn lookup_reads_the_store() {
        let mut store = Store::new(RngStreams::new(1).stream(Stream::ObjectNames));
        store.set_context(SimTime(3_000), None);
        let key = store.create(web_pod()).expect("pod is created");
        let v = lookup(&store, Kind::Pod, &key).expect("pod is found");
        assert_eq!(v["metadata"]["name"], "web-abc12");
        assert_eq!(v["metadata"]["creationTimestamp"], "2026-01-01T00:00:03Z");
        assert!(lookup(&store, Kind::Pod, &ObjectKey::new("other", "web-abc12")).is_none());
        assert!(lookup(&store, Kind::Deployment, &key).is_none());

        let node = Node {
            meta: meta("", "node-1"),
            unschedulable: false,
            taints: Vec::new(),
            capacity: Resources::default(),
            allocatable: Resources::default(),
            ready: ConditionStatus::True,
            images: Vec::new(),
            memory_pressure: sim_core::objects::ConditionStatus::False,
            health: Default::default(),
        };
        store.create(node).expect("node is created");
        let v = lookup(&store, Kind::Node, &ObjectKey::cluster("node-1")).expect("node");
        assert_eq!(
            field_value(&v, "spec.unschedulable"),
            Ok(Some(&json!(false)))
        );
        // A namespace given for a cluster-scoped kind is ignored.
        assert!(lookup(&store, Kind::Node, &ObjectKey::new("default", "node-1")).is_some());
    }

    fn text_at(v: &Value, path: &str) -> Option<String> {
        field_value(v, path)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(value_to_text)
    }

    #[test]
    fn field_paths_read_fields_indexes_and_filters() {
        let v = pod_to_json(&web_pod());
        let at = |path: &str| text_at(&v, path);
        assert_eq!(at("status.phase").as_deref(), Some("Running"));
        assert_eq!(at(".status.phase").as_deref(), Some("Running"));
        assert_eq!(at("metadata.resourceVersion").as_deref(), Some("42"));
        assert_eq!(at("spec.containers[0].name").as_deref(), Some("web"));
        assert_eq!(at("spec.containers[-1].name").as_deref(), Some("web"));
        assert_eq!(at("spec.containers[1].name"), None);
        assert_eq!(at("spec.containers[-2].name"), None);
        assert_eq!(
            at("status.conditions[type=Ready].status").as_deref(),
            Some("False")
        );
        assert_eq!(
            at("status.conditions[Ready].reason").as_deref(),
            Some("ContainersNotReady")
        );
        assert_eq!(
            at("status.conditions[PodScheduled].status").as_deref(),
            Some("True")
        );
        assert_eq!(at("status.conditions[Initialized].status"), None);
        assert_eq!(
            at("status.containerStatuses[web].restartCount").as_deref(),
            Some("1")
        );
        assert_eq!(
            at("status.containerStatuses[name=web].ready").as_deref(),
            Some("false")
        );
        assert_eq!(
            at("status.containerStatuses[web].lastState.terminated.exitCode").as_deref(),
            Some("137")
        );
        // Filters compare numbers by their text.
        assert_eq!(
            at("status.containerStatuses[restartCount=1].name").as_deref(),
            Some("web")
        );
        // Brackets on a map name a key, dots and all.
        assert_eq!(
            at("metadata.labels[app.kubernetes.io/name]").as_deref(),
            Some("web")
        );
        assert_eq!(at("metadata.labels.app").as_deref(), Some("web"));
        // Absent fields, and steps into the wrong type, are absent, not errors.
        assert_eq!(at("status.podIP"), None);
        assert_eq!(at("status.phase.name"), None);
        assert_eq!(at("status.phase[0]"), None);
        assert_eq!(at("metadata[0]"), None);
        // Whole subtrees come out as compact JSON.
        assert_eq!(
            at("spec.containers[web].resources.limits").as_deref(),
            Some(r#"{"memory":"128Mi"}"#)
        );
    }

    #[test]
    fn malformed_field_paths_are_errors() {
        let v = json!({ "a": { "b": [1] } });
        let error = |path: &str| match field_value(&v, path) {
            Err(e) => {
                assert_eq!(check_field_path(path), Err(e.clone()));
                e.to_string()
            }
            Ok(found) => panic!("{path:?} should be an error, read {found:?}"),
        };
        assert_eq!(
            error(""),
            r#"invalid field path "" (column 1): the path is empty"#
        );
        assert_eq!(
            error("."),
            r#"invalid field path "." (column 2): the path is empty"#
        );
        assert_eq!(
            error("a..b"),
            r#"invalid field path "a..b" (column 3): empty field name (two dots in a row, or a dot at an end)"#
        );
        assert!(error("a.b.").contains("(column 5): empty field name"));
        assert!(error("..a").contains("(column 2): empty field name"));
        assert_eq!(
            error("a.b[0"),
            r#"invalid field path "a.b[0" (column 4): '[' is never closed with ']'"#
        );
        assert!(error("a.b[]").contains("(column 4): empty brackets"));
        assert!(error("a.b[=1]").contains("(column 5): the filter has no key before '='"));
        assert!(error("a.b[[0]]").contains("(column 5): '[' inside brackets"));
        assert!(error("a.b]").contains("(column 4): ']' without a matching '['"));
        assert!(error("a.]").contains("(column 3): ']' without a matching '['"));
        assert!(error("a.b[0]x").contains("(column 7): expected '.' or '[' after ']'"));
        assert!(error("a. b").contains("(column 3): field names cannot contain spaces"));
        assert!(
            error("é..b").contains("(column 3)"),
            "columns count characters"
        );
        assert_eq!(
            check_field_path("status.conditions[type=Ready].status"),
            Ok(())
        );
        assert_eq!(check_field_path("[0][1]"), Ok(()));
    }

    #[test]
    fn values_as_text() {
        assert_eq!(value_to_text(&json!("Running")), "Running");
        assert_eq!(value_to_text(&json!(3)), "3");
        assert_eq!(value_to_text(&json!(-1)), "-1");
        assert_eq!(value_to_text(&json!(true)), "true");
        assert_eq!(value_to_text(&Value::Null), "<none>");
        assert_eq!(value_to_text(&json!(["a", 1])), r#"["a",1]"#);
        assert_eq!(
            value_to_text(&json!({ "b": 1, "a": "x" })),
            r#"{"a":"x","b":1}"#
        );
    }
}

#[cfg(test)]
mod service_view_tests {
    use super::*;
    use sim_core::objects::{
        AddressType, Endpoint, EndpointConditions, EndpointPort, EndpointTargetRef, Ipv4Address,
        OwnerReference, Protocol, ServicePort, ServiceSpec, TrafficPolicy, Uid,
    };

    fn text(v: &Value, path: &str) -> Option<String> {
        field_value(v, path)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(value_to_text)
    }

    #[test]
    fn service_renders_in_the_api_shape() {
        let service = Service {
            meta: ObjectMeta {
                name: "web".to_string(),
                namespace: "default".to_string(),
                ..ObjectMeta::default()
            },
            spec: ServiceSpec {
                type_: ServiceType::NodePort,
                selector: BTreeMap::from([("app".to_string(), "web".to_string())]),
                ports: vec![ServicePort {
                    name: "http".to_string(),
                    protocol: Protocol::Tcp,
                    port: 80,
                    target_port: TargetPort::Name("http".to_string()),
                    node_port: Some(30080),
                    app_protocol: None,
                }],
                cluster_ip: ClusterIp::Address(Ipv4Address::new(10, 96, 0, 10)),
                external_ips: Vec::new(),
                external_name: String::new(),
                publish_not_ready_addresses: false,
                session_affinity: SessionAffinity::ClientIp {
                    timeout_seconds: 10_800,
                },
                external_traffic_policy: Some(TrafficPolicy::Cluster),
                internal_traffic_policy: Some(TrafficPolicy::Cluster),
                allocate_load_balancer_node_ports: None,
            },
        };
        let v = service_to_json(&service);
        assert_eq!(text(&v, "apiVersion").as_deref(), Some("v1"));
        assert_eq!(text(&v, "spec.type").as_deref(), Some("NodePort"));
        assert_eq!(text(&v, "spec.clusterIP").as_deref(), Some("10.96.0.10"));
        assert_eq!(
            text(&v, "spec.clusterIPs[0]").as_deref(),
            Some("10.96.0.10")
        );
        assert_eq!(
            text(&v, "spec.ports[http].nodePort").as_deref(),
            Some("30080")
        );
        assert_eq!(
            text(&v, "spec.ports[0].targetPort").as_deref(),
            Some("http")
        );
        assert_eq!(text(&v, "spec.selector.app").as_deref(), Some("web"));
        assert_eq!(
            text(&v, "spec.sessionAffinityConfig.clientIP.timeoutSeconds").as_deref(),
            Some("10800")
        );
        assert_eq!(
            text(&v, "spec.ipFamilyPolicy").as_deref(),
            Some("SingleStack")
        );
        assert_eq!(
            text(&v, "status").as_deref(),
            Some(r#"{"loadBalancer":{}}"#)
        );
    }

    #[test]
    fn endpointslice_renders_conditions_and_owner() {
        let slice = EndpointSlice {
            meta: ObjectMeta {
                name: "web-x7k2p".to_string(),
                namespace: "default".to_string(),
                labels: BTreeMap::from([(
                    "kubernetes.io/service-name".to_string(),
                    "web".to_string(),
                )]),
                owner_references: vec![OwnerReference {
                    kind: Kind::Service,
                    name: "web".to_string(),
                    uid: Uid(4),
                    controller: true,
                    block_owner_deletion: true,
                }],
                ..ObjectMeta::default()
            },
            address_type: AddressType::IPv4,
            endpoints: vec![Endpoint {
                addresses: vec!["10.244.0.5".to_string()],
                conditions: EndpointConditions {
                    ready: false,
                    serving: true,
                    terminating: true,
                },
                node_name: Some("node-1".to_string()),
                zone: Some("zone-a".to_string()),
                target_ref: Some(EndpointTargetRef {
                    namespace: "default".to_string(),
                    name: "web-1".to_string(),
                    uid: Uid(9),
                }),
            }],
            ports: vec![EndpointPort {
                name: String::new(),
                protocol: Protocol::Tcp,
                port: 8080,
                app_protocol: None,
            }],
        };
        let v = endpointslice_to_json(&slice);
        assert_eq!(
            text(&v, "apiVersion").as_deref(),
            Some("discovery.k8s.io/v1")
        );
        assert_eq!(text(&v, "addressType").as_deref(), Some("IPv4"));
        assert_eq!(
            text(&v, "endpoints[0].conditions.ready").as_deref(),
            Some("false")
        );
        assert_eq!(
            text(&v, "endpoints[0].conditions.serving").as_deref(),
            Some("true")
        );
        assert_eq!(
            text(&v, "endpoints[0].conditions.terminating").as_deref(),
            Some("true")
        );
        assert_eq!(
            text(&v, "endpoints[0].targetRef.name").as_deref(),
            Some("web-1")
        );
        assert_eq!(text(&v, "endpoints[0].zone").as_deref(), Some("zone-a"));
        assert_eq!(text(&v, "ports[0].name").as_deref(), Some(""));
        assert_eq!(text(&v, "ports[0].port").as_deref(), Some("8080"));
        assert_eq!(
            text(&v, "metadata.ownerReferences[0].kind").as_deref(),
            Some("Service")
        );
        let placeholder = EndpointSlice {
            endpoints: Vec::new(),
            ports: Vec::new(),
            ..slice
        };
        let v = endpointslice_to_json(&placeholder);
        assert_eq!(text(&v, "endpoints").as_deref(), Some("<none>"));
    }
}
