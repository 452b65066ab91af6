//! Decoded manifests → engine objects, defaulted and validated as the API server would.
//!
//! [`to_core`] takes one [`LocatedManifest`] (k8s-openapi types, already checked for unknown
//! fields and wrong types) and produces the slim [`AnyObject`] the engine stores. On the way it
//! applies the defaults the API server applies before storing an object
//! (`k8s:pkg/apis/core/v1/defaults.go`, `k8s:pkg/apis/apps/v1/defaults.go`) and the checks
//! its validation makes (`k8s:pkg/apis/core/validation`, `k8s:pkg/apis/apps/validation`),
//! with Kubernetes' own wording after the field path: `Required value`,
//! ``Invalid value: 2: must be 1``, `Unsupported value: "x": supported values: ...`.
//! Every problem of an object is reported in one pass, each located at its field.
//!
//! Defaults applied (k8s-semantics §§1.1, 2.1, 2.7, 3.1, 4.1, 10.1):
//! * metadata: namespace `default` (cluster-scoped Nodes have none: a namespace written on a
//!   Node is dropped, as the API server drops it); `ownerReferences` and `finalizers` written
//!   by the user are ignored, since the engine manages its own;
//! * pods and pod templates: `restartPolicy` Always, `terminationGracePeriodSeconds` 30,
//!   `schedulerName` `default-scheduler`, priority 0 unless `priority` is written
//!   (`priorityClassName` is not modelled yet, so it does not change the priority);
//! * containers: `imagePullPolicy` Always for a `:latest` or missing tag (a digest alone
//!   counts as a tag), IfNotPresent otherwise; requests default to limits for every resource
//!   that has a limit and no request; probes get `periodSeconds` 10, `timeoutSeconds` 1,
//!   `successThreshold` 1, `failureThreshold` 3 (0 means the default), `httpGet` path `/`
//!   and scheme `HTTP`; tolerations get operator `Equal`;
//! * nodes: allocatable defaults to capacity resource by resource, `pods` to 110, the
//!   `kubernetes.io/hostname` label to the node name; nodes are Ready;
//! * Deployments: replicas 1, strategy RollingUpdate with maxSurge and maxUnavailable 25 %,
//!   minReadySeconds 0, revisionHistoryLimit 10, progressDeadlineSeconds 600; ReplicaSets:
//!   replicas 1.
//! * Services (§11.3, `SetDefaults_Service`): type ClusterIP, sessionAffinity None (ClientIP
//!   timeout 10800 s), port protocol TCP, targetPort = port, externalTrafficPolicy Cluster
//!   for NodePort and LoadBalancer, internalTrafficPolicy Cluster (not for ExternalName),
//!   allocateLoadBalancerNodePorts true. The clusterIP and nodePorts are allocated by the
//!   simulated API server when the Service is created; `status` is ignored (no load balancer
//!   is ever provisioned, as on a cluster without a cloud controller).
//!
//! StatefulSets, DaemonSets and PersistentVolumeClaims are converted in `convert/apps.rs`,
//! node affinity and volumes in `convert/pod_extras.rs`.
//!
//! Fields kubesim does not model (pod affinity, topology spread, ports, env, security
//! contexts, `priorityClassName`, ...) are accepted and dropped. Fields that would change
//! what the simulation does if they were dropped (container-level `restartPolicy` on an app
//! container, `restartPolicyRules`) are errors instead of silent surprises.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as api;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use sim_core::behaviour::{
    patch_from_annotations, split_annotation, ANNOTATION_PREFIX, BEHAVIOUR_KEYS,
};
use sim_core::objects::{
    ClusterIp, Ipv4Address, Protocol, Service, ServicePort, ServiceSpec, ServiceType,
    SessionAffinity, TargetPort, TrafficPolicy,
};
use sim_core::objects::{
    ConditionStatus, Container, DeclaredResources, Deployment, DeploymentStatus,
    DeploymentStrategy, HookHandler, ImagePullPolicy, IntOrPercent, Kind, Node, ObjectMeta, Pod,
    PodSpec, PodStatus, PodTemplate, Probe, ProbeHandler, ReplicaSet, ReplicaSetStatus, Resources,
    RestartPolicy, Taint, TaintEffect, Toleration, TolerationOperator,
};
use sim_core::selector::{LabelSelector, Requirement, SelectorOperator};
use sim_core::sim::AnyObject;
use sim_core::store::{in_service_cidr, NODE_PORT_RANGE, SERVICE_CIDR};

use crate::manifest::{LocatedManifest, Manifest};
use crate::quantity::{parse_bytes, parse_cpu_millis, parse_quantity, Quantity};
use crate::source::{suggest, InputError, InputErrors};

mod apps_v1;
mod autoscaling;
mod pdb;
mod pod_extras;
mod policy;

/// Most replicas one Deployment or ReplicaSet may ask for.
pub const MAX_REPLICAS: u32 = 1_000_000;

/// Namespace of a namespaced object that names none.
pub const DEFAULT_NAMESPACE: &str = "default";
/// `spec.schedulerName` when not written.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";
/// `spec.terminationGracePeriodSeconds` when not written (k8s-semantics 3.1).
pub const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: u64 = 30;
/// A node's `pods` capacity when its manifest gives none (the kubelet's `maxPods`).
pub const DEFAULT_MAX_PODS: u64 = 110;
/// The label every node carries with its name.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// Probe defaults (k8s-semantics 1.1, `SetDefaults_Probe`).
const PROBE_PERIOD_SECONDS: u32 = 10;
const PROBE_TIMEOUT_SECONDS: u32 = 1;
const PROBE_SUCCESS_THRESHOLD: u32 = 1;
const PROBE_FAILURE_THRESHOLD: u32 = 3;

/// Deployment defaults (k8s-semantics 4.1, `SetDefaults_Deployment`).
const DEFAULT_MAX_SURGE: &str = "25%";
const DEFAULT_MAX_UNAVAILABLE: &str = "25%";
const DEFAULT_REVISION_HISTORY_LIMIT: u32 = 10;
const DEFAULT_PROGRESS_DEADLINE_SECONDS: u32 = 600;

/// Largest total size of an object's annotations (`TotalAnnotationSizeLimitB`).
const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

/// Converts a decoded manifest into the engine's object, with the API server's defaults, or
/// reports every problem found in it, each located at its field (paths relative to the object,
/// such as `spec.template.spec.containers[1].resources.limits.memory`), in file order.
pub fn to_core(m: &LocatedManifest) -> Result<AnyObject, InputErrors> {
    let mut checker = Checker {
        manifest: m,
        errors: Vec::new(),
    };
    let object = match &m.manifest {
        Manifest::Node(node) => AnyObject::Node(Box::new(checker.node(node))),
        Manifest::Pod(pod) => AnyObject::Pod(Box::new(checker.pod(pod))),
        Manifest::ReplicaSet(replica_set) => {
            AnyObject::ReplicaSet(Box::new(checker.replica_set(replica_set)))
        }
        Manifest::Deployment(deployment) => {
            AnyObject::Deployment(Box::new(checker.deployment(deployment)))
        }
        Manifest::Service(service) => AnyObject::Service(Box::new(checker.service(service))),
        Manifest::Namespace(o) => AnyObject::Namespace(Box::new(checker.namespace(o))),
        Manifest::ResourceQuota(o) => AnyObject::ResourceQuota(Box::new(checker.resource_quota(o))),
        Manifest::LimitRange(o) => AnyObject::LimitRange(Box::new(checker.limit_range(o))),
        Manifest::PriorityClass(o) => AnyObject::PriorityClass(Box::new(checker.priority_class(o))),
        Manifest::ConfigMap(o) => AnyObject::ConfigMap(Box::new(checker.config_map(o))),
        Manifest::Secret(o) => AnyObject::Secret(Box::new(checker.secret(o))),
        Manifest::Job(job) => AnyObject::Job(Box::new(checker.job(job))),
        Manifest::CronJob(cron_job) => AnyObject::CronJob(Box::new(checker.cron_job(cron_job))),
        Manifest::StatefulSet(set) => AnyObject::StatefulSet(Box::new(checker.stateful_set(set))),
        Manifest::DaemonSet(set) => AnyObject::DaemonSet(Box::new(checker.daemon_set(set))),
        Manifest::PersistentVolumeClaim(claim) => AnyObject::PersistentVolumeClaim(Box::new(
            checker.persistent_volume_claim(claim, "spec"),
        )),
        Manifest::PodDisruptionBudget(pdb) => {
            AnyObject::PodDisruptionBudget(Box::new(checker.pod_disruption_budget(pdb)))
        }
        Manifest::HorizontalPodAutoscaler(hpa) => {
            AnyObject::HorizontalPodAutoscaler(Box::new(checker.horizontal_pod_autoscaler(hpa)))
        }
        Manifest::HorizontalPodAutoscalerV1(hpa) => {
            AnyObject::HorizontalPodAutoscaler(Box::new(checker.horizontal_pod_autoscaler_v1(hpa)))
        }
    };
    if checker.errors.is_empty() {
        return Ok(object);
    }
    let mut errors = checker.errors;
    errors.sort_by_key(|error| (error.location.line, error.location.column));
    Err(InputErrors(errors))
}

mod batch;

/// Collects the problems of one object while converting it.
struct Checker<'a> {
    manifest: &'a LocatedManifest,
    errors: Vec<InputError>,
}

/// Which pod spec is being converted: a Pod's own or a workload's template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecOf {
    Pod,
    /// A ReplicaSet's or Deployment's `spec.template.spec`.
    Template,
    /// A Job's pod template: restartPolicy Never or OnFailure.
    JobTemplate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContainerRole {
    App,
    Init,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    fn field(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Readiness => "readinessProbe",
            ProbeKind::Startup => "startupProbe",
        }
    }
}

/// Where a resource list is written: containers and nodes accept different names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResourceScope {
    Container,
    Node,
}

/// How a resource's quantity becomes an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// CPU: millicores.
    Millis,
    /// Memory, storage, huge pages: bytes.
    Bytes,
    /// Pods and extended resources: whole numbers only.
    Count,
}

/// One parsed entry of a resource list.
#[derive(Debug, Clone)]
struct Amount {
    value: u64,
    /// The exact quantity, for request/limit comparisons.
    quantity: Option<Quantity>,
    text: String,
    /// Whether requests may differ from limits (false for extended resources and huge pages).
    overcommit: bool,
}

impl Checker<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let error = self.manifest.error(path, message);
        self.errors.push(error);
    }

    /// An error about the field `field`, located where `at` (a path under it) is written.
    fn error_at(
        &mut self,
        field: &str,
        at: &str,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        let index = &self.manifest.index;
        let error = InputError::new(index.locate(at), message)
            .with_field(index.full_path(field))
            .with_suggestion(suggestion);
        self.errors.push(error);
    }

    // ---- objects -------------------------------------------------------------------------

    fn node(&mut self, node: &api::Node) -> Node {
        let mut meta = self.meta(&node.metadata, Kind::Node);
        if !meta.name.is_empty() && !meta.labels.contains_key(HOSTNAME_LABEL) {
            meta.labels
                .insert(HOSTNAME_LABEL.to_string(), meta.name.clone());
        }
        let spec = node.spec.clone().unwrap_or_default();
        let taints = self.taints(spec.taints.as_deref().unwrap_or_default());
        let status = node.status.clone().unwrap_or_default();
        let mut capacity = self.resource_list(
            status.capacity.as_ref(),
            "status.capacity",
            ResourceScope::Node,
        );
        let written_allocatable = status.allocatable.is_some();
        let mut allocatable = self.resource_list(
            status.allocatable.as_ref(),
            "status.allocatable",
            ResourceScope::Node,
        );
        // Allocatable defaults to capacity resource by resource (and the other way round, so
        // that a node described by its allocatable alone has a capacity too).
        for (name, amount) in &capacity {
            allocatable
                .entry(name.clone())
                .or_insert_with(|| amount.clone());
        }
        if written_allocatable {
            for (name, amount) in &allocatable {
                capacity
                    .entry(name.clone())
                    .or_insert_with(|| amount.clone());
            }
        }
        for list in [&mut capacity, &mut allocatable] {
            list.entry("pods".to_string()).or_insert_with(|| Amount {
                value: DEFAULT_MAX_PODS,
                quantity: None,
                text: DEFAULT_MAX_PODS.to_string(),
                overcommit: true,
            });
        }
        Node {
            meta,
            unschedulable: spec.unschedulable.unwrap_or(false),
            taints,
            capacity: to_resources(&capacity),
            allocatable: to_resources(&allocatable),
            ready: ConditionStatus::True,
            images: self.node_images(node),
            memory_pressure: ConditionStatus::False,
            health: Default::default(),
        }
    }

    fn pod(&mut self, pod: &api::Pod) -> Pod {
        let meta = self.meta(&pod.metadata, Kind::Pod);
        let spec = pod.spec.clone().unwrap_or_default();
        let spec = self.pod_spec(&spec, "spec", SpecOf::Pod);
        self.behaviour_annotations(&meta.annotations, "metadata.annotations", &spec);
        Pod {
            meta,
            spec,
            status: PodStatus::default(),
        }
    }

    fn replica_set(&mut self, replica_set: &apps::ReplicaSet) -> ReplicaSet {
        let meta = self.meta(&replica_set.metadata, Kind::ReplicaSet);
        let spec = replica_set.spec.clone().unwrap_or_default();
        let replicas = self.replicas(spec.replicas);
        let min_ready_seconds =
            self.non_negative(spec.min_ready_seconds, 0, "spec.minReadySeconds");
        let template = match &spec.template {
            Some(template) => self.template(template),
            None => {
                // An empty template stands in; its own complaints (no containers) would only
                // repeat this one.
                let before = self.errors.len();
                let template = self.template(&api::PodTemplateSpec::default());
                self.errors.truncate(before);
                self.error("spec.template", "Required value");
                template
            }
        };
        let labels = spec.template.as_ref().map(|_| &template.labels);
        let selector = self.workload_selector(&spec.selector, labels);
        ReplicaSet {
            meta,
            replicas,
            selector,
            template,
            min_ready_seconds,
            status: ReplicaSetStatus::default(),
        }
    }

    fn deployment(&mut self, deployment: &apps::Deployment) -> Deployment {
        let meta = self.meta(&deployment.metadata, Kind::Deployment);
        let spec = deployment.spec.clone().unwrap_or_default();
        let replicas = self.replicas(spec.replicas);
        let template = self.template(&spec.template);
        let selector = self.workload_selector(&spec.selector, Some(&template.labels));
        let strategy = self.strategy(spec.strategy.as_ref());
        let min_ready_seconds =
            self.non_negative(spec.min_ready_seconds, 0, "spec.minReadySeconds");
        let revision_history_limit = self.non_negative(
            spec.revision_history_limit,
            DEFAULT_REVISION_HISTORY_LIMIT,
            "spec.revisionHistoryLimit",
        );
        let progress_deadline_seconds = self.non_negative(
            spec.progress_deadline_seconds,
            DEFAULT_PROGRESS_DEADLINE_SECONDS,
            "spec.progressDeadlineSeconds",
        );
        // Checked after defaulting, as the API server checks it: a minReadySeconds of 600 or
        // more needs an explicit, larger progressDeadlineSeconds.
        if spec.progress_deadline_seconds.is_none_or(|v| v >= 0)
            && progress_deadline_seconds <= min_ready_seconds
        {
            self.error(
                "spec.progressDeadlineSeconds",
                invalid(
                    progress_deadline_seconds,
                    "must be greater than minReadySeconds",
                ),
            );
        }
        Deployment {
            meta,
            replicas,
            selector,
            template,
            strategy,
            min_ready_seconds,
            revision_history_limit,
            progress_deadline_seconds,
            paused: spec.paused.unwrap_or(false),
            status: DeploymentStatus::default(),
        }
    }

    // ---- metadata ------------------------------------------------------------------------

    fn meta(&mut self, metadata: &meta::ObjectMeta, kind: Kind) -> ObjectMeta {
        let name = metadata.name.clone().unwrap_or_default();
        let generate_name = metadata.generate_name.clone().unwrap_or_default();
        if kind == Kind::Pod && !generate_name.is_empty() {
            for message in dns1123_subdomain_errors(&mask_trailing_dash(&generate_name)) {
                self.error(
                    "metadata.generateName",
                    invalid(quoted(&generate_name), &message),
                );
            }
        }
        if name.is_empty() {
            if kind == Kind::Pod {
                if generate_name.is_empty() {
                    self.error(
                        "metadata.name",
                        required("name or generateName is required"),
                    );
                }
            } else if generate_name.is_empty() {
                self.error("metadata.name", required("name is required"));
            } else {
                self.error(
                    "metadata.name",
                    required("name is required (kubesim accepts generateName only for Pods)"),
                );
            }
        } else {
            for message in dns1123_subdomain_errors(&name) {
                self.error("metadata.name", invalid(quoted(&name), &message));
            }
        }
        let namespace = if kind.namespaced() {
            match metadata.namespace.as_deref() {
                None | Some("") => DEFAULT_NAMESPACE.to_string(),
                Some(namespace) => {
                    for message in dns1123_label_errors(namespace) {
                        self.error("metadata.namespace", invalid(quoted(namespace), &message));
                    }
                    namespace.to_string()
                }
            }
        } else {
            String::new()
        };
        let labels = self.labels(metadata.labels.as_ref(), "metadata.labels");
        let annotations = self.annotations(metadata.annotations.as_ref(), "metadata.annotations");
        ObjectMeta {
            name,
            namespace,
            labels,
            annotations,
            generate_name: if kind == Kind::Pod {
                generate_name
            } else {
                String::new()
            },
            ..ObjectMeta::default()
        }
    }

    /// Validates a label map (also `nodeSelector`); each problem is located at its key.
    fn labels(
        &mut self,
        labels: Option<&BTreeMap<String, String>>,
        path: &str,
    ) -> BTreeMap<String, String> {
        let Some(labels) = labels else {
            return BTreeMap::new();
        };
        for (key, value) in labels {
            let at = format!("{path}.{key}");
            for message in qualified_name_errors(key) {
                self.error_at(path, &at, invalid(quoted(key), &message), None);
            }
            for message in label_value_errors(value) {
                self.error_at(path, &at, invalid(quoted(value), &message), None);
            }
        }
        labels.clone()
    }

    fn annotations(
        &mut self,
        annotations: Option<&BTreeMap<String, String>>,
        path: &str,
    ) -> BTreeMap<String, String> {
        let Some(annotations) = annotations else {
            return BTreeMap::new();
        };
        let mut total = 0usize;
        for (key, value) in annotations {
            total = total.saturating_add(key.len()).saturating_add(value.len());
            // Annotation keys are qualified names in which case does not matter.
            for message in qualified_name_errors(&key.to_ascii_lowercase()) {
                let at = format!("{path}.{key}");
                self.error_at(path, &at, invalid(quoted(key), &message), None);
            }
        }
        if total > MAX_ANNOTATIONS_BYTES {
            self.error(
                path,
                format!("Too long: may not be more than {MAX_ANNOTATIONS_BYTES} bytes"),
            );
        }
        annotations.clone()
    }

    /// Checks `kubesim.io/*` behaviour annotations against the behaviour vocabulary and the
    /// pod's container names, so that a typo is an error rather than a silent no-op.
    fn behaviour_annotations(
        &mut self,
        annotations: &BTreeMap<String, String>,
        path: &str,
        spec: &PodSpec,
    ) {
        let names: Vec<&str> = spec
            .init_containers
            .iter()
            .chain(&spec.containers)
            .map(|c| c.name.as_str())
            .collect();
        for (annotation, value) in annotations {
            let Some((key, target)) = split_annotation(annotation) else {
                continue;
            };
            let at = format!("{path}.{annotation}");
            // One annotation at a time, so that every bad one is reported, not only the first.
            let single = BTreeMap::from([(annotation.clone(), value.clone())]);
            let container = names.first().copied().unwrap_or_default();
            if let Err(error) = patch_from_annotations(&single, container) {
                let suggestion = if BEHAVIOUR_KEYS.contains(&key) {
                    None
                } else {
                    suggest(key, BEHAVIOUR_KEYS).map(|key| match target {
                        Some(target) => format!("{ANNOTATION_PREFIX}{key}.{target}"),
                        None => format!("{ANNOTATION_PREFIX}{key}"),
                    })
                };
                self.error_at(path, &at, error.to_string(), suggestion);
                continue;
            }
            if let Some(target) = target {
                if !names.is_empty() && !names.contains(&target) {
                    let suggestion = suggest(target, &names)
                        .map(|name| format!("{ANNOTATION_PREFIX}{key}.{name}"));
                    self.error_at(
                        path,
                        &at,
                        format!(
                            "annotation {annotation:?}: the pod has no container named \
                             {target:?} (containers: {})",
                            names.join(", ")
                        ),
                        suggestion,
                    );
                }
            }
        }
    }

    // ---- pod specs -----------------------------------------------------------------------

    fn template(&mut self, template: &api::PodTemplateSpec) -> PodTemplate {
        self.template_at(template, "spec.template", SpecOf::Template)
    }

    /// A pod template written at `base` (`spec.template`, or a CronJob's
    /// `spec.jobTemplate.spec.template`).
    fn template_at(
        &mut self,
        template: &api::PodTemplateSpec,
        base: &str,
        of: SpecOf,
    ) -> PodTemplate {
        let metadata = template.metadata.clone().unwrap_or_default();
        let labels = self.labels(metadata.labels.as_ref(), &format!("{base}.metadata.labels"));
        let annotations_path = format!("{base}.metadata.annotations");
        let annotations = self.annotations(metadata.annotations.as_ref(), &annotations_path);
        let spec = template.spec.clone().unwrap_or_default();
        let spec = self.pod_spec(&spec, &format!("{base}.spec"), of);
        self.behaviour_annotations(&annotations, &annotations_path, &spec);
        PodTemplate {
            labels,
            annotations,
            spec,
        }
    }

    fn pod_spec(&mut self, spec: &api::PodSpec, path: &str, of: SpecOf) -> PodSpec {
        let mut names = BTreeSet::new();
        if spec.containers.is_empty() {
            self.error(&format!("{path}.containers"), "Required value");
        }
        let containers = spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("{path}.containers[{i}]");
                self.container(c, &at, ContainerRole::App, &mut names)
            })
            .collect();
        let init_containers = spec
            .init_containers
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("{path}.initContainers[{i}]");
                self.container(c, &at, ContainerRole::Init, &mut names)
            })
            .collect();

        let restart_path = format!("{path}.restartPolicy");
        let restart_policy = match spec.restart_policy.as_deref() {
            None | Some("") => RestartPolicy::Always,
            Some("Always") => RestartPolicy::Always,
            Some("OnFailure") => RestartPolicy::OnFailure,
            Some("Never") => RestartPolicy::Never,
            Some(other) => {
                self.error(
                    &restart_path,
                    not_supported(other, &["Always", "OnFailure", "Never"]),
                );
                RestartPolicy::Always
            }
        };
        if of == SpecOf::JobTemplate && restart_policy == RestartPolicy::Always {
            // `ValidateJobSpec`: a Job's pods must end (k8s-semantics §8.5).
            self.error(
                &restart_path,
                not_supported(restart_policy.as_str(), &["OnFailure", "Never"]),
            );
        }
        if of == SpecOf::Template {
            // The only restart policy a ReplicaSet's pods may have.
            if matches!(
                restart_policy,
                RestartPolicy::OnFailure | RestartPolicy::Never
            ) {
                self.error(
                    &restart_path,
                    not_supported(restart_policy.as_str(), &["Always"]),
                );
            }
            if spec.active_deadline_seconds.is_some() {
                self.error(
                    &format!("{path}.activeDeadlineSeconds"),
                    forbidden("activeDeadlineSeconds in ReplicaSet is not Supported"),
                );
            }
        }

        let termination_grace_period_seconds = match spec.termination_grace_period_seconds {
            None => DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
            Some(seconds) => u64::try_from(seconds).unwrap_or_else(|_| {
                self.error(
                    &format!("{path}.terminationGracePeriodSeconds"),
                    invalid(seconds, "must be greater than or equal to 0"),
                );
                DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
            }),
        };

        let scheduler_name = match spec.scheduler_name.as_deref() {
            None | Some("") => DEFAULT_SCHEDULER_NAME.to_string(),
            Some(name) => {
                for message in dns1123_subdomain_errors(name) {
                    self.error(
                        &format!("{path}.schedulerName"),
                        invalid(quoted(name), &message),
                    );
                }
                name.to_string()
            }
        };

        let node_name = match spec.node_name.as_deref() {
            None | Some("") => None,
            Some(name) => {
                for message in dns1123_subdomain_errors(name) {
                    self.error(&format!("{path}.nodeName"), invalid(quoted(name), &message));
                }
                Some(name.to_string())
            }
        };

        let node_selector =
            self.labels(spec.node_selector.as_ref(), &format!("{path}.nodeSelector"));
        let tolerations = spec
            .tolerations
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, t)| self.toleration(t, &format!("{path}.tolerations[{i}]")))
            .collect();

        let active_deadline_seconds = match spec.active_deadline_seconds {
            None => None,
            Some(seconds) if (1..=i64::from(i32::MAX)).contains(&seconds) => {
                u64::try_from(seconds).ok()
            }
            Some(seconds) => {
                self.error(
                    &format!("{path}.activeDeadlineSeconds"),
                    invalid(seconds, "must be between 1 and 2147483647, inclusive"),
                );
                None
            }
        };

        PodSpec {
            node_name,
            scheduler_name,
            node_selector,
            tolerations,
            init_containers,
            containers,
            restart_policy,
            termination_grace_period_seconds,
            priority: spec.priority.unwrap_or(0),
            priority_class_name: spec.priority_class_name.clone().unwrap_or_default(),
            preemption_policy: Default::default(),
            active_deadline_seconds,
            affinity: self.affinity(spec.affinity.as_ref(), path),
            volumes: self.volumes(spec.volumes.as_deref(), path),
            hostname: self.dns_label_field(spec.hostname.as_deref(), &format!("{path}.hostname")),
            subdomain: self
                .dns_label_field(spec.subdomain.as_deref(), &format!("{path}.subdomain")),
            topology_spread_constraints: self.topology_spread_constraints(spec, path),
        }
    }

    fn container(
        &mut self,
        container: &api::Container,
        path: &str,
        role: ContainerRole,
        names: &mut BTreeSet<String>,
    ) -> Container {
        let name = container.name.clone();
        let name_path = format!("{path}.name");
        if name.is_empty() {
            self.error(&name_path, "Required value");
        } else {
            for message in dns1123_label_errors(&name) {
                self.error(&name_path, invalid(quoted(&name), &message));
            }
            if !names.insert(name.clone()) {
                self.error(&name_path, format!("Duplicate value: {}", quoted(&name)));
            }
        }

        let image = container.image.clone().unwrap_or_default();
        let image_path = format!("{path}.image");
        if image.is_empty() {
            self.error(&image_path, "Required value");
        } else if image.trim() != image {
            self.error(
                &image_path,
                invalid(
                    quoted(&image),
                    "must not have leading or trailing whitespace",
                ),
            );
        }
        let image_pull_policy = match container.image_pull_policy.as_deref() {
            None | Some("") => default_pull_policy(&image),
            Some("Always") => ImagePullPolicy::Always,
            Some("IfNotPresent") => ImagePullPolicy::IfNotPresent,
            Some("Never") => ImagePullPolicy::Never,
            Some(other) => {
                self.error(
                    &format!("{path}.imagePullPolicy"),
                    not_supported(other, &["Always", "IfNotPresent", "Never"]),
                );
                default_pull_policy(&image)
            }
        };

        let restart_path = format!("{path}.restartPolicy");
        let restart_policy = match (role, container.restart_policy.as_deref()) {
            (_, None | Some("")) => None,
            (ContainerRole::Init, Some("Always")) => Some(RestartPolicy::Always),
            (ContainerRole::Init, Some(other)) => {
                self.error(&restart_path, not_supported(other, &["Always"]));
                None
            }
            (ContainerRole::App, Some(_)) => {
                self.error(
                    &restart_path,
                    forbidden(
                        "a container-level restartPolicy on an app container is not simulated \
                         by kubesim yet; only init containers may set it (to Always, for a \
                         sidecar)",
                    ),
                );
                None
            }
        };
        if container
            .restart_policy_rules
            .as_ref()
            .is_some_and(|rules| !rules.is_empty())
        {
            self.error(
                &format!("{path}.restartPolicyRules"),
                forbidden("container restart rules are not simulated by kubesim yet"),
            );
        }
        let sidecar = restart_policy == Some(RestartPolicy::Always);
        let regular_init = role == ContainerRole::Init && !sidecar;
        if regular_init && container.lifecycle.is_some() {
            self.error(
                &format!("{path}.lifecycle"),
                forbidden("may not be set for init containers without restartPolicy=Always"),
            );
        }
        let lifecycle_path = format!("{path}.lifecycle");
        let lifecycle = container.lifecycle.as_ref().filter(|_| !regular_init);
        let pre_stop = lifecycle
            .and_then(|l| l.pre_stop.as_ref())
            .and_then(|hook| self.hook_handler(hook, &format!("{lifecycle_path}.preStop")));
        if let Some(hook) = lifecycle.and_then(|l| l.post_start.as_ref()) {
            // Validated like the API server does; the hook itself takes no simulated time.
            self.hook_handler(hook, &format!("{lifecycle_path}.postStart"));
        }

        let (requests, limits, declared) =
            self.container_resources(container.resources.as_ref(), &format!("{path}.resources"));
        let config_refs = self.config_refs(container, path);

        let [liveness_probe, readiness_probe, startup_probe] = [
            (ProbeKind::Liveness, container.liveness_probe.as_ref()),
            (ProbeKind::Readiness, container.readiness_probe.as_ref()),
            (ProbeKind::Startup, container.startup_probe.as_ref()),
        ]
        .map(|(kind, probe)| {
            let probe = probe?;
            let probe_path = format!("{path}.{}", kind.field());
            if regular_init {
                self.error(
                    &probe_path,
                    forbidden("may not be set for init containers without restartPolicy=Always"),
                );
                return None;
            }
            self.probe(probe, &probe_path, kind)
        });

        Container {
            name,
            image,
            image_pull_policy,
            requests,
            limits,
            readiness_probe,
            liveness_probe,
            startup_probe,
            restart_policy,
            pre_stop,
            declared,
            config_refs,
            ports: self.container_ports(container, path),
        }
    }

    /// Exactly one of `exec`, `httpGet`, `sleep` (`tcpSocket` is deprecated and refused, as
    /// the kubelet fails it at run time).
    fn hook_handler(&mut self, hook: &api::LifecycleHandler, path: &str) -> Option<HookHandler> {
        let mut handlers = Vec::new();
        if let Some(exec) = &hook.exec {
            let command = exec.command.clone().unwrap_or_default();
            if command.is_empty() {
                self.error(&format!("{path}.exec.command"), "Required value");
            }
            handlers.push(("exec", HookHandler::Exec(command)));
        }
        if let Some(http) = &hook.http_get {
            let (scheme, port, path) = self.http_get(http, &format!("{path}.httpGet"));
            handlers.push(("httpGet", HookHandler::HttpGet { scheme, port, path }));
        }
        if let Some(sleep) = &hook.sleep {
            match u64::try_from(sleep.seconds) {
                Ok(seconds) => handlers.push(("sleep", HookHandler::Sleep(seconds))),
                Err(_) => self.error(
                    &format!("{path}.sleep.seconds"),
                    invalid(sleep.seconds, "must be greater than or equal to 0"),
                ),
            }
        }
        if hook.tcp_socket.is_some() {
            self.error(
                &format!("{path}.tcpSocket"),
                forbidden("tcpSocket is deprecated and not supported as a lifecycle handler"),
            );
        }
        match handlers.len() {
            0 => {
                if hook.tcp_socket.is_none() {
                    self.error(path, required("must specify a handler type"));
                }
                None
            }
            1 => handlers.pop().map(|(_, handler)| handler),
            _ => {
                for (field, _) in &handlers[1..] {
                    self.error(
                        &format!("{path}.{field}"),
                        forbidden("may not specify more than 1 handler type"),
                    );
                }
                None
            }
        }
    }

    // ---- resources -----------------------------------------------------------------------

    /// Requests and limits of a container, requests defaulted to limits (k8s-semantics 10.1).
    fn container_resources(
        &mut self,
        resources: Option<&api::ResourceRequirements>,
        path: &str,
    ) -> (Resources, Resources, DeclaredResources) {
        let limits_path = format!("{path}.limits");
        let requests_path = format!("{path}.requests");
        let limits = self.resource_list(
            resources.and_then(|r| r.limits.as_ref()),
            &limits_path,
            ResourceScope::Container,
        );
        let mut requests = self.resource_list(
            resources.and_then(|r| r.requests.as_ref()),
            &requests_path,
            ResourceScope::Container,
        );
        for (name, request) in &requests {
            let at = format!("{requests_path}.{name}");
            match limits.get(name) {
                Some(limit) => {
                    let order = match (&request.quantity, &limit.quantity) {
                        (Some(request), Some(limit)) => request.cmp(limit),
                        _ => request.value.cmp(&limit.value),
                    };
                    if !request.overcommit && order.is_ne() {
                        self.error(
                            &at,
                            invalid(
                                quoted(&request.text),
                                &format!("must be equal to {name} limit of {}", limit.text),
                            ),
                        );
                    } else if order.is_gt() {
                        self.error(
                            &at,
                            invalid(
                                quoted(&request.text),
                                &format!(
                                    "must be less than or equal to {name} limit of {}",
                                    limit.text
                                ),
                            ),
                        );
                    }
                }
                None if !request.overcommit => self.error(
                    &format!("{limits_path}.{name}"),
                    required("Limit must be set for non overcommitable resources"),
                ),
                None => {}
            }
        }
        for (name, limit) in &limits {
            requests
                .entry(name.clone())
                .or_insert_with(|| limit.clone());
        }
        let cpu_or_memory = |list: &BTreeMap<String, Amount>| {
            list.contains_key("cpu") || list.contains_key("memory")
        };
        let huge_pages = requests
            .keys()
            .chain(limits.keys())
            .any(|name| name.starts_with("hugepages-"));
        if huge_pages && !cpu_or_memory(&requests) && !cpu_or_memory(&limits) {
            self.error(path, forbidden("HugePages require cpu or memory"));
        }
        let declared = DeclaredResources {
            requests: requests.keys().cloned().collect(),
            limits: limits.keys().cloned().collect(),
        };
        (to_resources(&requests), to_resources(&limits), declared)
    }

    /// Parses a resource list (`requests`, `limits`, `capacity`, `allocatable`), reporting each
    /// bad name or quantity at its entry.
    fn resource_list(
        &mut self,
        list: Option<&BTreeMap<String, ApiQuantity>>,
        path: &str,
        scope: ResourceScope,
    ) -> BTreeMap<String, Amount> {
        let mut parsed = BTreeMap::new();
        for (name, quantity) in list.into_iter().flatten() {
            let at = format!("{path}.{name}");
            let (unit, overcommit) = match classify_resource(name, scope) {
                Ok(class) => class,
                Err((message, suggestion)) => {
                    self.error_at(&at, &at, invalid(quoted(name), &message), suggestion);
                    continue;
                }
            };
            let text = quantity.0.as_str();
            let value = match unit {
                Unit::Millis => parse_cpu_millis(text),
                Unit::Bytes => parse_bytes(text),
                // Counted in millis first so that a fraction is seen, not rounded away.
                Unit::Count => parse_cpu_millis(text),
            };
            let value = match value {
                Ok(millis) if unit == Unit::Count => {
                    if millis % 1000 != 0 {
                        self.error(&at, invalid(quoted(text), "must be an integer"));
                        continue;
                    }
                    millis / 1000
                }
                Ok(value) => value,
                Err(error) => {
                    self.error(&at, error.to_string());
                    continue;
                }
            };
            parsed.insert(
                name.clone(),
                Amount {
                    value,
                    quantity: parse_quantity(text).ok(),
                    text: text.to_string(),
                    overcommit,
                },
            );
        }
        parsed
    }

    // ---- probes --------------------------------------------------------------------------

    fn probe(&mut self, probe: &api::Probe, path: &str, kind: ProbeKind) -> Option<Probe> {
        let handler = self.probe_handler(probe, path);
        let initial_delay_seconds = self.probe_number(
            probe.initial_delay_seconds,
            0,
            &format!("{path}.initialDelaySeconds"),
        );
        let period_seconds = self.probe_number(
            probe.period_seconds,
            PROBE_PERIOD_SECONDS,
            &format!("{path}.periodSeconds"),
        );
        let timeout_seconds = self.probe_number(
            probe.timeout_seconds,
            PROBE_TIMEOUT_SECONDS,
            &format!("{path}.timeoutSeconds"),
        );
        let success_path = format!("{path}.successThreshold");
        let success_threshold = self.probe_number(
            probe.success_threshold,
            PROBE_SUCCESS_THRESHOLD,
            &success_path,
        );
        let failure_threshold = self.probe_number(
            probe.failure_threshold,
            PROBE_FAILURE_THRESHOLD,
            &format!("{path}.failureThreshold"),
        );
        if kind != ProbeKind::Readiness && success_threshold != 1 {
            self.error(&success_path, invalid(success_threshold, "must be 1"));
        }
        let grace_path = format!("{path}.terminationGracePeriodSeconds");
        let termination_grace_period_seconds = match probe.termination_grace_period_seconds {
            None => None,
            Some(seconds) if kind == ProbeKind::Readiness => {
                self.error(
                    &grace_path,
                    invalid(seconds, "must not be set for readinessProbes"),
                );
                None
            }
            Some(seconds) if seconds <= 0 => {
                self.error(&grace_path, invalid(seconds, "must be greater than 0"));
                None
            }
            Some(seconds) => u64::try_from(seconds).ok(),
        };
        Some(Probe {
            handler: handler?,
            initial_delay_seconds,
            period_seconds,
            timeout_seconds,
            success_threshold,
            failure_threshold,
            termination_grace_period_seconds,
        })
    }

    /// A probe count or duration: 0 (or absent) means the default, negative is an error.
    fn probe_number(&mut self, value: Option<i32>, default: u32, path: &str) -> u32 {
        match value {
            None | Some(0) => default,
            Some(value) => u32::try_from(value).unwrap_or_else(|_| {
                self.error(path, invalid(value, "must be greater than or equal to 0"));
                default
            }),
        }
    }

    /// Exactly one of `exec`, `httpGet`, `tcpSocket`, `grpc`.
    fn probe_handler(&mut self, probe: &api::Probe, path: &str) -> Option<ProbeHandler> {
        let mut handler = None;
        let mut count = 0;
        let mut more_than_one = |checker: &mut Self, field: &str| {
            count += 1;
            if count > 1 {
                checker.error(
                    &format!("{path}.{field}"),
                    forbidden("may not specify more than 1 handler type"),
                );
                return true;
            }
            false
        };
        if let Some(exec) = &probe.exec {
            if !more_than_one(self, "exec") {
                let command = exec.command.clone().unwrap_or_default();
                if command.is_empty() {
                    self.error(&format!("{path}.exec.command"), "Required value");
                }
                handler = Some(ProbeHandler::Exec(command));
            }
        }
        if let Some(http) = &probe.http_get {
            if !more_than_one(self, "httpGet") {
                let (scheme, port, path) = self.http_get(http, &format!("{path}.httpGet"));
                handler = Some(ProbeHandler::HttpGet { scheme, port, path });
            }
        }
        if let Some(tcp) = &probe.tcp_socket {
            if !more_than_one(self, "tcpSocket") {
                let port = self.port(&tcp.port, &format!("{path}.tcpSocket.port"));
                handler = Some(ProbeHandler::TcpSocket(port));
            }
        }
        if let Some(grpc) = &probe.grpc {
            if !more_than_one(self, "grpc") {
                match u16::try_from(grpc.port) {
                    Ok(port) if port > 0 => handler = Some(ProbeHandler::Grpc(port)),
                    _ => self.error(
                        &format!("{path}.grpc.port"),
                        invalid(grpc.port, "must be between 1 and 65535, inclusive"),
                    ),
                }
            }
        }
        if count == 0 {
            self.error(path, required("must specify a handler type"));
        }
        handler
    }

    /// An `httpGet` action (of a probe or a hook) with its defaults: (scheme, port, path).
    fn http_get(&mut self, http: &api::HTTPGetAction, base: &str) -> (String, String, String) {
        let scheme = match http.scheme.as_deref() {
            None | Some("") => "HTTP".to_string(),
            Some(scheme @ ("HTTP" | "HTTPS")) => scheme.to_string(),
            Some(other) => {
                self.error(
                    &format!("{base}.scheme"),
                    not_supported(other, &["HTTP", "HTTPS"]),
                );
                other.to_string()
            }
        };
        let port = self.port(&http.port, &format!("{base}.port"));
        let request_path = match http.path.as_deref() {
            None | Some("") => "/".to_string(),
            Some(request_path) => request_path.to_string(),
        };
        (scheme, port, request_path)
    }

    /// A port number (1-65535) or an IANA service name.
    fn port(&mut self, port: &IntOrString, path: &str) -> String {
        match port {
            IntOrString::Int(number) => {
                if !(1..=65535).contains(number) {
                    self.error(
                        path,
                        invalid(number, "must be between 1 and 65535, inclusive"),
                    );
                }
                number.to_string()
            }
            IntOrString::String(name) => {
                for message in port_name_errors(name) {
                    self.error(path, invalid(quoted(name), &message));
                }
                name.clone()
            }
        }
    }

    // ---- scheduling constraints ----------------------------------------------------------

    fn toleration(&mut self, toleration: &api::Toleration, path: &str) -> Toleration {
        let key = toleration.key.clone().unwrap_or_default();
        let value = toleration.value.clone().unwrap_or_default();
        if !key.is_empty() {
            for message in qualified_name_errors(&key) {
                self.error(&format!("{path}.key"), invalid(quoted(&key), &message));
            }
        }
        let operator_path = format!("{path}.operator");
        let written_operator = toleration.operator.as_deref().unwrap_or_default();
        let operator = match written_operator {
            "" | "Equal" => {
                for message in label_value_errors(&value) {
                    self.error(&format!("{path}.value"), invalid(quoted(&value), &message));
                }
                TolerationOperator::Equal
            }
            "Exists" => {
                if !value.is_empty() {
                    self.error(
                        &format!("{path}.value"),
                        invalid(
                            quoted(&value),
                            "value must be empty when `operator` is 'Exists'",
                        ),
                    );
                }
                TolerationOperator::Exists
            }
            other => {
                self.error(&operator_path, not_supported(other, &["Equal", "Exists"]));
                TolerationOperator::Equal
            }
        };
        if key.is_empty() && operator != TolerationOperator::Exists {
            self.error(
                &operator_path,
                invalid(
                    quoted(written_operator),
                    "operator must be Exists when `key` is empty, which means \"match all \
                     values and all keys\"",
                ),
            );
        }
        let effect_path = format!("{path}.effect");
        let effect = match toleration.effect.as_deref() {
            None | Some("") => None,
            Some(effect) => self.taint_effect(effect, &effect_path),
        };
        if toleration.toleration_seconds.is_some() && effect != Some(TaintEffect::NoExecute) {
            let written = toleration.effect.as_deref().unwrap_or_default();
            self.error(
                &effect_path,
                invalid(
                    quoted(written),
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                ),
            );
        }
        Toleration {
            key,
            operator,
            value,
            effect,
            toleration_seconds: toleration.toleration_seconds,
        }
    }

    fn taint_effect(&mut self, effect: &str, path: &str) -> Option<TaintEffect> {
        let parsed = TaintEffect::parse(effect);
        if parsed.is_none() {
            self.error(
                path,
                not_supported(effect, &["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            );
        }
        parsed
    }

    fn taints(&mut self, taints: &[api::Taint]) -> Vec<Taint> {
        let mut seen = BTreeSet::new();
        let mut converted = Vec::new();
        for (i, taint) in taints.iter().enumerate() {
            let path = format!("spec.taints[{i}]");
            let value = taint.value.clone().unwrap_or_default();
            for message in qualified_name_errors(&taint.key) {
                self.error(
                    &format!("{path}.key"),
                    invalid(quoted(&taint.key), &message),
                );
            }
            for message in label_value_errors(&value) {
                self.error(&format!("{path}.value"), invalid(quoted(&value), &message));
            }
            let effect_path = format!("{path}.effect");
            let effect = if taint.effect.is_empty() {
                self.error(&effect_path, "Required value");
                None
            } else {
                self.taint_effect(&taint.effect, &effect_path)
            };
            let Some(effect) = effect else {
                continue;
            };
            if !seen.insert((taint.key.clone(), effect)) {
                self.error(
                    &path,
                    format!(
                        "Duplicate value: {}: taints must be unique by key and effect pair",
                        quoted(&format!("{}={value}:{}", taint.key, effect.as_str()))
                    ),
                );
                continue;
            }
            converted.push(Taint {
                key: taint.key.clone(),
                value,
                effect,
            });
        }
        converted
    }

    // ---- selectors and workloads ---------------------------------------------------------

    /// `spec.selector` of a ReplicaSet or Deployment: required, not empty, and matching the
    /// template's labels (when there is a template).
    fn workload_selector(
        &mut self,
        selector: &meta::LabelSelector,
        template_labels: Option<&BTreeMap<String, String>>,
    ) -> LabelSelector {
        if !self.manifest.index.contains("spec.selector") {
            self.error("spec.selector", "Required value");
            return LabelSelector::default();
        }
        let before = self.errors.len();
        let converted = self.selector(selector, "spec.selector");
        if converted.is_empty() {
            self.error(
                "spec.selector",
                invalid("{}", "empty selector is invalid for deployment"),
            );
        } else if let Some(labels) = template_labels
            .filter(|labels| self.errors.len() == before && !converted.matches(labels))
        {
            self.error(
                "spec.template.metadata.labels",
                invalid(
                    go_map(labels),
                    "`selector` does not match template `labels`",
                ),
            );
        }
        converted
    }

    /// A `metav1.LabelSelector` (`matchLabels` and `matchExpressions`).
    fn selector(&mut self, selector: &meta::LabelSelector, path: &str) -> LabelSelector {
        let match_labels = self.labels(
            selector.match_labels.as_ref(),
            &format!("{path}.matchLabels"),
        );
        let mut match_expressions = Vec::new();
        for (i, expression) in selector
            .match_expressions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = format!("{path}.matchExpressions[{i}]");
            let values = expression.values.clone().unwrap_or_default();
            let operator = SelectorOperator::parse(&expression.operator);
            match operator {
                Some(SelectorOperator::In | SelectorOperator::NotIn) if values.is_empty() => {
                    self.error(
                        &format!("{at}.values"),
                        required("must be specified when `operator` is 'In' or 'NotIn'"),
                    );
                }
                Some(SelectorOperator::Exists | SelectorOperator::DoesNotExist)
                    if !values.is_empty() =>
                {
                    self.error(
                        &format!("{at}.values"),
                        forbidden(
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    let suggestion = suggest(
                        &expression.operator,
                        &["In", "NotIn", "Exists", "DoesNotExist"],
                    );
                    let operator_path = format!("{at}.operator");
                    self.error_at(
                        &operator_path,
                        &operator_path,
                        invalid(
                            quoted(&expression.operator),
                            "not a valid selector operator",
                        ),
                        suggestion,
                    );
                }
            }
            for message in qualified_name_errors(&expression.key) {
                self.error(
                    &format!("{at}.key"),
                    invalid(quoted(&expression.key), &message),
                );
            }
            for (j, value) in values.iter().enumerate() {
                for message in label_value_errors(value) {
                    self.error(
                        &format!("{at}.values[{j}]"),
                        invalid(quoted(value), &message),
                    );
                }
            }
            if let Some(operator) = operator {
                match_expressions.push(Requirement {
                    key: expression.key.clone(),
                    operator,
                    values,
                });
            }
        }
        LabelSelector {
            match_labels,
            match_expressions,
        }
    }

    fn strategy(&mut self, strategy: Option<&apps::DeploymentStrategy>) -> DeploymentStrategy {
        let strategy = strategy.cloned().unwrap_or_default();
        match strategy.type_.as_deref() {
            None | Some("") | Some("RollingUpdate") => {
                let rolling = strategy.rolling_update.unwrap_or_default();
                let surge_path = "spec.strategy.rollingUpdate.maxSurge";
                let unavailable_path = "spec.strategy.rollingUpdate.maxUnavailable";
                let surge = rolling
                    .max_surge
                    .unwrap_or_else(|| IntOrString::String(DEFAULT_MAX_SURGE.to_string()));
                let unavailable = rolling
                    .max_unavailable
                    .unwrap_or_else(|| IntOrString::String(DEFAULT_MAX_UNAVAILABLE.to_string()));
                let max_surge = self.int_or_percent(&surge, surge_path);
                let max_unavailable = self.int_or_percent(&unavailable, unavailable_path);
                if let (Some(surge), Some(unavailable)) = (max_surge, max_unavailable) {
                    if literal_zero(surge) && literal_zero(unavailable) {
                        self.error(
                            unavailable_path,
                            invalid(
                                int_or_percent_value(unavailable),
                                "may not be 0 when `maxSurge` is 0",
                            ),
                        );
                    }
                    if let IntOrPercent::Percent(p) = unavailable {
                        if p > 100 {
                            self.error(
                                unavailable_path,
                                invalid(quoted(&format!("{p}%")), "must not be greater than 100%"),
                            );
                        }
                    }
                }
                DeploymentStrategy::RollingUpdate {
                    max_surge: max_surge.unwrap_or(IntOrPercent::Percent(25)),
                    max_unavailable: max_unavailable.unwrap_or(IntOrPercent::Percent(25)),
                }
            }
            Some("Recreate") => {
                if strategy.rolling_update.is_some() {
                    self.error(
                        "spec.strategy.rollingUpdate",
                        forbidden("may not be specified when strategy `type` is 'Recreate'"),
                    );
                }
                DeploymentStrategy::Recreate
            }
            Some(other) => {
                let suggestion = suggest(other, &["Recreate", "RollingUpdate"]);
                self.error_at(
                    "spec.strategy.type",
                    "spec.strategy.type",
                    not_supported(other, &["Recreate", "RollingUpdate"]),
                    suggestion,
                );
                DeploymentStrategy::RollingUpdate {
                    max_surge: IntOrPercent::Percent(25),
                    max_unavailable: IntOrPercent::Percent(25),
                }
            }
        }
    }

    /// `maxSurge` / `maxUnavailable`: a non-negative count or `"N%"`.
    fn int_or_percent(&mut self, value: &IntOrString, path: &str) -> Option<IntOrPercent> {
        match value {
            IntOrString::Int(count) => match u32::try_from(*count) {
                Ok(count) => Some(IntOrPercent::Int(count)),
                Err(_) => {
                    self.error(path, invalid(count, "must be greater than or equal to 0"));
                    None
                }
            },
            IntOrString::String(text) => match parse_percent(text) {
                Some(percent) => Some(IntOrPercent::Percent(percent)),
                None => {
                    self.error(path, invalid(quoted(text), PERCENT_MESSAGE));
                    None
                }
            },
        }
    }

    /// A non-negative integer field with a default.
    /// `spec.replicas`: default 1, not negative, and not absurd (a scenario that asks for
    /// more pods than any cluster runs is a mistake, refused before it eats the memory).
    fn replicas(&mut self, value: Option<i32>) -> u32 {
        let replicas = self.non_negative(value, 1, "spec.replicas");
        if replicas > MAX_REPLICAS {
            self.error(
                "spec.replicas",
                invalid(
                    replicas,
                    &format!("kubesim simulates at most {MAX_REPLICAS} replicas per object"),
                ),
            );
            return 1;
        }
        replicas
    }

    fn non_negative(&mut self, value: Option<i32>, default: u32, path: &str) -> u32 {
        match value {
            None => default,
            Some(value) => u32::try_from(value).unwrap_or_else(|_| {
                self.error(path, invalid(value, "must be greater than or equal to 0"));
                default
            }),
        }
    }
}

/// `imagePullPolicy` when not written (`SetDefaults_Container`): Always when the tag is
/// `latest`, or when there is neither a tag nor a digest; IfNotPresent otherwise. The tag is
/// looked for in the last path component only, so a registry port (`host:5000/app`) is not
/// a tag.
fn default_pull_policy(image: &str) -> ImagePullPolicy {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, tag)| tag);
    match (tag, digest) {
        (Some("latest"), _) | (None, None) => ImagePullPolicy::Always,
        _ => ImagePullPolicy::IfNotPresent,
    }
}

/// Classifies a resource name: its unit and whether requests may differ from limits.
fn classify_resource(
    name: &str,
    scope: ResourceScope,
) -> Result<(Unit, bool), (String, Option<String>)> {
    match name {
        "cpu" => return Ok((Unit::Millis, true)),
        "memory" | "ephemeral-storage" => return Ok((Unit::Bytes, true)),
        "pods" if scope == ResourceScope::Node => return Ok((Unit::Count, true)),
        _ => {}
    }
    if let Some(size) = name.strip_prefix("hugepages-") {
        return match parse_quantity(size) {
            Ok(_) => Ok((Unit::Bytes, false)),
            Err(_) => Err((
                format!("{size:?} is not a valid huge page size (e.g. hugepages-2Mi)"),
                None,
            )),
        };
    }
    if name.contains('/') {
        let errors = qualified_name_errors(name);
        if let Some(first) = errors.into_iter().next() {
            return Err((first, None));
        }
        // `kubernetes.io/` names are native resources, which may be overcommitted.
        if name.contains("kubernetes.io/") {
            return Ok((Unit::Count, true));
        }
        if !qualified_name_errors(&format!("requests.{name}")).is_empty() {
            return Err((
                "doesn't follow extended resource name standard".to_string(),
                None,
            ));
        }
        return Ok((Unit::Count, false));
    }
    let (message, candidates): (&str, &[&str]) = match scope {
        ResourceScope::Container => (
            "must be a standard resource for containers",
            &["cpu", "memory", "ephemeral-storage"],
        ),
        ResourceScope::Node => (
            "must be a standard resource type or fully qualified",
            &["cpu", "memory", "ephemeral-storage", "pods"],
        ),
    };
    let suggestion = suggest(name, candidates).or_else(|| {
        name.to_ascii_lowercase()
            .contains("gpu")
            .then(|| "nvidia.com/gpu".to_string())
    });
    Err((message.to_string(), suggestion))
}

fn to_resources(list: &BTreeMap<String, Amount>) -> Resources {
    let mut resources = Resources::default();
    for (name, amount) in list {
        match name.as_str() {
            "cpu" => resources.cpu_millis = amount.value,
            "memory" => resources.memory_bytes = amount.value,
            "ephemeral-storage" => resources.ephemeral_storage_bytes = amount.value,
            "pods" => resources.pods = amount.value,
            _ => {
                resources.extended.insert(name.clone(), amount.value);
            }
        }
    }
    resources
}

// ---- Services (k8s-semantics §11.3; `k8s:pkg/apis/core/validation` `ValidateService`) ----

/// `sessionAffinityConfig.clientIP.timeoutSeconds` when not written.
const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS: u32 = 10_800;
/// Longest ClientIP affinity (`MaxClientIPServiceAffinitySeconds`).
const MAX_CLIENT_IP_TIMEOUT_SECONDS: i32 = 86_400;
const IP_MESSAGE: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const SINGLE_STACK: &str = "kubesim clusters are single-stack IPv4";

impl Checker<'_> {
    fn service(&mut self, service: &api::Service) -> Service {
        let before = self.errors.len();
        let meta = self.meta(&service.metadata, Kind::Service);
        // Service names are DNS-1035 labels (they become DNS names), a stricter rule than the
        // subdomain one `meta` applies: its name errors give way to this one, as the API
        // server reports only the Service rule.
        if !meta.name.is_empty() {
            let name_field = self.manifest.index.full_path("metadata.name");
            let mut i = before;
            while i < self.errors.len() {
                if self.errors[i].field.as_deref() == Some(name_field.as_str()) {
                    self.errors.remove(i);
                } else {
                    i += 1;
                }
            }
            for message in dns1035_label_errors(&meta.name) {
                self.error("metadata.name", invalid(quoted(&meta.name), &message));
            }
        }
        let spec = service.spec.clone().unwrap_or_default();
        let type_ = match spec.type_.as_deref() {
            None | Some("") | Some("ClusterIP") => ServiceType::ClusterIP,
            Some("NodePort") => ServiceType::NodePort,
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            Some("ExternalName") => ServiceType::ExternalName,
            Some(other) => {
                self.error(
                    "spec.type",
                    not_supported(
                        other,
                        &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
                    ),
                );
                ServiceType::ClusterIP
            }
        };
        let selector = self.labels(spec.selector.as_ref(), "spec.selector");
        let cluster_ip = self.cluster_ip(&spec, type_);
        let allocate_load_balancer_node_ports = match spec.allocate_load_balancer_node_ports {
            Some(_) if type_ != ServiceType::LoadBalancer => {
                self.error(
                    "spec.allocateLoadBalancerNodePorts",
                    forbidden("may only be used when `type` is 'LoadBalancer'"),
                );
                None
            }
            Some(allocate) => Some(allocate),
            None => (type_ == ServiceType::LoadBalancer).then_some(true),
        };
        let external_ips = spec.external_ips.clone().unwrap_or_default();
        for (i, ip) in external_ips.iter().enumerate() {
            if ip.parse::<std::net::IpAddr>().is_err() {
                self.error(
                    &format!("spec.externalIPs[{i}]"),
                    invalid(quoted(ip), IP_MESSAGE),
                );
            }
        }
        let mut service_spec = ServiceSpec {
            type_,
            selector,
            ports: Vec::new(),
            cluster_ip,
            external_ips,
            external_name: spec.external_name.clone().unwrap_or_default(),
            publish_not_ready_addresses: spec.publish_not_ready_addresses.unwrap_or(false),
            session_affinity: self.session_affinity(&spec),
            external_traffic_policy: None,
            internal_traffic_policy: None,
            allocate_load_balancer_node_ports,
        };
        service_spec.ports = self.service_ports(&spec, &service_spec);
        if type_ == ServiceType::ExternalName {
            let name = &service_spec.external_name;
            if name.is_empty() {
                self.error("spec.externalName", "Required value");
            } else {
                // A trailing dot (a fully qualified name) is allowed.
                let bare = name.strip_suffix('.').unwrap_or(name);
                for message in dns1123_subdomain_errors(bare) {
                    self.error("spec.externalName", invalid(quoted(name), &message));
                }
            }
        }
        let externally_accessible =
            matches!(type_, ServiceType::NodePort | ServiceType::LoadBalancer)
                || (type_ == ServiceType::ClusterIP && !service_spec.external_ips.is_empty());
        service_spec.external_traffic_policy = match self.traffic_policy(
            spec.external_traffic_policy.as_deref(),
            "spec.externalTrafficPolicy",
        ) {
            Some(policy) if !externally_accessible => {
                self.error(
                    "spec.externalTrafficPolicy",
                    invalid(
                        quoted(policy.as_str()),
                        "may only be set for externally-accessible services",
                    ),
                );
                None
            }
            Some(policy) => Some(policy),
            None => externally_accessible.then_some(TrafficPolicy::Cluster),
        };
        service_spec.internal_traffic_policy = self
            .traffic_policy(
                spec.internal_traffic_policy.as_deref(),
                "spec.internalTrafficPolicy",
            )
            .or((type_ != ServiceType::ExternalName).then_some(TrafficPolicy::Cluster));
        self.ip_families(&spec);
        Service {
            meta,
            spec: service_spec,
        }
    }

    /// `clusterIP` (and `clusterIPs`, which must agree with it): unset, `None` or an IPv4
    /// address of the Service CIDR. Whether it is free is the API server's check, at run time.
    fn cluster_ip(&mut self, spec: &api::ServiceSpec, type_: ServiceType) -> ClusterIp {
        let ips = spec.cluster_ips.as_deref().unwrap_or_default();
        let (text, path) = match (spec.cluster_ip.as_deref(), ips.first()) {
            (Some(ip), Some(first)) if !ip.is_empty() && ip != first => {
                self.error(
                    "spec.clusterIPs[0]",
                    invalid(quoted(first), "first value must match `clusterIP`"),
                );
                return ClusterIp::Unset;
            }
            (Some(ip), _) if !ip.is_empty() => (ip, "spec.clusterIP"),
            (_, Some(first)) => (first.as_str(), "spec.clusterIPs[0]"),
            _ => ("", "spec.clusterIP"),
        };
        if ips.len() > 1 {
            self.error(
                "spec.clusterIPs[1]",
                invalid(
                    quoted(&ips[1]),
                    &format!("{SINGLE_STACK}: one address only"),
                ),
            );
        }
        if text.is_empty() {
            return ClusterIp::Unset;
        }
        if type_ == ServiceType::ExternalName {
            self.error(path, forbidden("may not be set for ExternalName services"));
            return ClusterIp::Unset;
        }
        if text == "None" {
            if matches!(type_, ServiceType::NodePort | ServiceType::LoadBalancer) {
                self.error(
                    path,
                    invalid(
                        quoted(text),
                        &format!("may not be set to 'None' for {} services", type_.as_str()),
                    ),
                );
                return ClusterIp::Unset;
            }
            return ClusterIp::Headless;
        }
        let Some(address) = Ipv4Address::parse(text) else {
            let detail = if text.parse::<std::net::Ipv6Addr>().is_ok() {
                SINGLE_STACK
            } else {
                IP_MESSAGE
            };
            self.error(path, invalid(quoted(text), detail));
            return ClusterIp::Unset;
        };
        if !in_service_cidr(address) {
            self.error(
                path,
                format!(
                    "Invalid value: [{}]: failed to allocate IP {address}: provided IP \
                     ({address}) is not in the valid range. The range of valid IPs is \
                     {SERVICE_CIDR}",
                    quoted(text)
                ),
            );
            return ClusterIp::Unset;
        }
        ClusterIp::Address(address)
    }

    /// `ports`, defaulted (protocol TCP, targetPort = port) and checked.
    fn service_ports(
        &mut self,
        spec: &api::ServiceSpec,
        service: &ServiceSpec,
    ) -> Vec<ServicePort> {
        let written = spec.ports.as_deref().unwrap_or_default();
        if written.is_empty()
            && service.type_ != ServiceType::ExternalName
            && service.cluster_ip != ClusterIp::Headless
        {
            self.error("spec.ports", "Required value");
        }
        let require_name = written.len() > 1;
        let mut names = BTreeSet::new();
        let mut ports = BTreeSet::new();
        let mut node_ports = BTreeSet::new();
        let mut converted = Vec::with_capacity(written.len());
        for (i, p) in written.iter().enumerate() {
            let path = format!("spec.ports[{i}]");
            let name = p.name.clone().unwrap_or_default();
            if name.is_empty() {
                if require_name {
                    self.error(&format!("{path}.name"), "Required value");
                }
            } else {
                for message in dns1123_label_errors(&name) {
                    self.error(&format!("{path}.name"), invalid(quoted(&name), &message));
                }
                if !names.insert(name.clone()) {
                    self.error(
                        &format!("{path}.name"),
                        format!("Duplicate value: {}", quoted(&name)),
                    );
                }
            }
            let port = match u16::try_from(p.port) {
                Ok(port) if port > 0 => port,
                _ => {
                    self.error(
                        &format!("{path}.port"),
                        invalid(p.port, "must be between 1 and 65535, inclusive"),
                    );
                    0
                }
            };
            let protocol = match p.protocol.as_deref() {
                None | Some("") | Some("TCP") => Protocol::Tcp,
                Some("UDP") => Protocol::Udp,
                Some("SCTP") => Protocol::Sctp,
                Some(other) => {
                    self.error(
                        &format!("{path}.protocol"),
                        not_supported(other, &["SCTP", "TCP", "UDP"]),
                    );
                    Protocol::Tcp
                }
            };
            if port > 0 && !ports.insert((port, protocol)) {
                self.error(
                    &path,
                    format!(
                        "Duplicate value: {{\"port\": {port}, \"protocol\": {}}}",
                        quoted(protocol.as_str())
                    ),
                );
            }
            let target_path = format!("{path}.targetPort");
            let target_port = match &p.target_port {
                None | Some(IntOrString::Int(0)) => TargetPort::Number(port),
                Some(IntOrString::String(text)) if text.is_empty() => TargetPort::Number(port),
                Some(IntOrString::Int(number)) => match u16::try_from(*number) {
                    Ok(number) => TargetPort::Number(number),
                    Err(_) => {
                        self.error(
                            &target_path,
                            invalid(number, "must be between 1 and 65535, inclusive"),
                        );
                        TargetPort::Number(port)
                    }
                },
                Some(IntOrString::String(text)) => {
                    for message in port_name_errors(text) {
                        self.error(&target_path, invalid(quoted(text), &message));
                    }
                    TargetPort::Name(text.clone())
                }
            };
            let node_port_path = format!("{path}.nodePort");
            let node_port = match p.node_port {
                None | Some(0) => None,
                Some(_) if !service.needs_node_ports() => {
                    self.error(
                        &node_port_path,
                        forbidden(&format!(
                            "may not be used when `type` is '{}'",
                            service.type_.as_str()
                        )),
                    );
                    None
                }
                Some(number) => match u16::try_from(number) {
                    Ok(number) if NODE_PORT_RANGE.contains(&number) => {
                        if !node_ports.insert((number, protocol)) {
                            self.error(&node_port_path, format!("Duplicate value: {number}"));
                        }
                        Some(number)
                    }
                    _ => {
                        self.error(
                            &node_port_path,
                            invalid(
                                number,
                                &format!(
                                    "provided port is not in the valid range. The range of valid \
                                     ports is {}-{}",
                                    NODE_PORT_RANGE.start(),
                                    NODE_PORT_RANGE.end()
                                ),
                            ),
                        );
                        None
                    }
                },
            };
            converted.push(ServicePort {
                name,
                protocol,
                port,
                target_port,
                node_port,
                app_protocol: p.app_protocol.clone(),
            });
        }
        converted
    }

    fn session_affinity(&mut self, spec: &api::ServiceSpec) -> SessionAffinity {
        let timeout = spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .and_then(|c| c.timeout_seconds);
        match spec.session_affinity.as_deref() {
            None | Some("") | Some("None") => {
                if spec.session_affinity_config.is_some() {
                    self.error(
                        "spec.sessionAffinityConfig",
                        forbidden("must not be set when session affinity is None"),
                    );
                }
                SessionAffinity::None
            }
            Some("ClientIP") => {
                let timeout_seconds = match timeout {
                    None => DEFAULT_CLIENT_IP_TIMEOUT_SECONDS,
                    Some(t) if (1..=MAX_CLIENT_IP_TIMEOUT_SECONDS).contains(&t) => t.unsigned_abs(),
                    Some(t) => {
                        self.error(
                            "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                            invalid(
                                t,
                                &format!(
                                    "must be greater than 0 and less than \
                                     {MAX_CLIENT_IP_TIMEOUT_SECONDS}"
                                ),
                            ),
                        );
                        DEFAULT_CLIENT_IP_TIMEOUT_SECONDS
                    }
                };
                SessionAffinity::ClientIp { timeout_seconds }
            }
            Some(other) => {
                self.error(
                    "spec.sessionAffinity",
                    not_supported(other, &["ClientIP", "None"]),
                );
                SessionAffinity::None
            }
        }
    }

    fn traffic_policy(&mut self, value: Option<&str>, path: &str) -> Option<TrafficPolicy> {
        match value {
            None | Some("") => None,
            Some("Cluster") => Some(TrafficPolicy::Cluster),
            Some("Local") => Some(TrafficPolicy::Local),
            Some(other) => {
                self.error(path, not_supported(other, &["Cluster", "Local"]));
                None
            }
        }
    }

    /// `ipFamilies` and `ipFamilyPolicy`: accepted as long as IPv4 alone serves them, since
    /// the simulated cluster is single-stack IPv4; anything asking for IPv6 is refused rather
    /// than silently given an IPv4 address.
    fn ip_families(&mut self, spec: &api::ServiceSpec) {
        for (i, family) in spec
            .ip_families
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("spec.ipFamilies[{i}]");
            match family.as_str() {
                "IPv4" => {}
                "IPv6" => self.error(&path, invalid(quoted(family), SINGLE_STACK)),
                other => self.error(&path, not_supported(other, &["IPv4", "IPv6"])),
            }
        }
        match spec.ip_family_policy.as_deref() {
            None | Some("") | Some("SingleStack") | Some("PreferDualStack") => {}
            Some("RequireDualStack") => self.error(
                "spec.ipFamilyPolicy",
                invalid(quoted("RequireDualStack"), SINGLE_STACK),
            ),
            Some(other) => self.error(
                "spec.ipFamilyPolicy",
                not_supported(
                    other,
                    &["PreferDualStack", "RequireDualStack", "SingleStack"],
                ),
            ),
        }
    }
}

const DNS1035_LABEL_MESSAGE: &str = "a DNS-1035 label must consist of lower case alphanumeric \
    characters or '-', start with an alphabetic character, and end with an alphanumeric \
    character (e.g. 'my-name',  or 'abc-123', regex used for validation is \
    '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// `IsDNS1035Label`: Service names must be one, as they become DNS labels.
fn dns1035_label_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push(max_len(63));
    }
    let starts_with_letter = value.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !starts_with_letter || !shaped(value, lower_alphanumeric, label_char) {
        errors.push(DNS1035_LABEL_MESSAGE.to_string());
    }
    errors
}

// ---- Kubernetes' messages -----------------------------------------------------------------

fn required(detail: &str) -> String {
    format!("Required value: {detail}")
}

fn invalid(value: impl Display, detail: &str) -> String {
    format!("Invalid value: {value}: {detail}")
}

fn forbidden(detail: &str) -> String {
    format!("Forbidden: {detail}")
}

fn not_supported(value: &str, supported: &[&str]) -> String {
    let supported: Vec<String> = supported.iter().map(|s| quoted(s)).collect();
    format!(
        "Unsupported value: {}: supported values: {}",
        quoted(value),
        supported.join(", ")
    )
}

/// A string as Go's `%q` prints it.
fn quoted(value: &str) -> String {
    format!("{value:?}")
}

/// A label map as Go's `%#v` prints it: `map[string]string{"app":"web"}`.
fn go_map(map: &BTreeMap<String, String>) -> String {
    let entries: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}:{}", quoted(k), quoted(v)))
        .collect();
    format!("map[string]string{{{}}}", entries.join(", "))
}

// ---- Kubernetes' name rules (k8s.io/apimachinery/pkg/util/validation) ----------------------

const DNS1123_LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case \
    alphanumeric characters or '-', and must start and end with an alphanumeric character \
    (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower \
    case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
    character (e.g. 'example.com', regex used for validation is \
    '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME_MESSAGE: &str = "must consist of alphanumeric characters, '-', '_' or '.', \
    and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
    '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE: &str = "a valid label must be an empty string or consist of \
    alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric \
    character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is \
    '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PERCENT_MESSAGE: &str = "a valid percent string must be a numeric string followed by an \
    ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

fn max_len(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// Non-empty, starts and ends with an alphanumeric character, `inner` for the rest.
fn shaped(value: &str, alphanumeric: fn(&u8) -> bool, inner: fn(&u8) -> bool) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alphanumeric(first) && alphanumeric(last) && bytes.iter().all(inner)
        }
        _ => false,
    }
}

fn lower_alphanumeric(b: &u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn label_char(b: &u8) -> bool {
    lower_alphanumeric(b) || *b == b'-'
}

fn alphanumeric(b: &u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn qualified_char(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push(max_len(63));
    }
    if !shaped(value, lower_alphanumeric, label_char) {
        errors.push(DNS1123_LABEL_MESSAGE.to_string());
    }
    errors
}

fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 253 {
        errors.push(max_len(253));
    }
    if !value
        .split('.')
        .all(|part| shaped(part, lower_alphanumeric, label_char))
    {
        errors.push(DNS1123_SUBDOMAIN_MESSAGE.to_string());
    }
    errors
}

/// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then a name of at most 63
/// characters.
fn qualified_name_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errors.push("prefix part must be non-empty".to_string());
            } else {
                errors.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|message| format!("prefix part {message}")),
                );
            }
            *name
        }
        _ => {
            return vec![format!(
                "a qualified name {QUALIFIED_NAME_MESSAGE} with an optional DNS subdomain \
                 prefix and '/' (e.g. 'example.com/MyName')"
            )]
        }
    };
    if name.is_empty() {
        errors.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errors.push(format!("name part {}", max_len(63)));
    }
    if !shaped(name, alphanumeric, qualified_char) {
        errors.push(format!("name part {QUALIFIED_NAME_MESSAGE}"));
    }
    errors
}

fn label_value_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push(max_len(63));
    }
    if !value.is_empty() && !shaped(value, alphanumeric, qualified_char) {
        errors.push(LABEL_VALUE_MESSAGE.to_string());
    }
    errors
}

/// `IsValidPortName`: an IANA service name.
fn port_name_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 15 {
        errors.push(max_len(15));
    }
    if value.is_empty() || !value.bytes().all(|b| label_char(&b)) {
        errors.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !value.bytes().any(|b| b.is_ascii_lowercase()) {
        errors.push("must contain at least one letter (a-z)".to_string());
    }
    if value.contains("--") {
        errors.push("must not contain consecutive hyphens".to_string());
    }
    if value.starts_with('-') || value.ends_with('-') {
        errors.push("must not begin or end with a hyphen".to_string());
    }
    errors
}

/// generateName is checked as a prefix: a trailing dash is allowed (`maskTrailingDash`).
fn mask_trailing_dash(name: &str) -> String {
    match name.strip_suffix('-') {
        Some(rest) if !rest.is_empty() => {
            let mut masked: String = rest.chars().take(rest.chars().count() - 1).collect();
            masked.push('a');
            masked
        }
        _ => name.to_string(),
    }
}

/// `"N%"` with N made of digits only.
fn parse_percent(text: &str) -> Option<u32> {
    let digits = text.strip_suffix('%')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Absurdly large percentages saturate rather than fail: they are valid for maxSurge.
    Some(digits.parse::<u32>().unwrap_or(u32::MAX))
}

/// Both `0` and `"0%"` count as zero for the "both zero" rule.
fn literal_zero(value: IntOrPercent) -> bool {
    matches!(value, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
}

/// An IntOrString value as Kubernetes prints it: a count bare, a percentage quoted.
fn int_or_percent_value(value: IntOrPercent) -> String {
    match value {
        IntOrPercent::Int(count) => count.to_string(),
        IntOrPercent::Percent(_) => quoted(&value.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::manifest::load_manifests;

    fn convert(yaml: &str) -> Result<AnyObject, InputErrors> {
        let loaded = load_manifests("test.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.objects.len(), 1, "expected one object");
        to_core(&loaded.objects[0])
    }

    fn ok(yaml: &str) -> AnyObject {
        convert(yaml).unwrap_or_else(|e| panic!("unexpected errors:\n{e}"))
    }

    fn errors(yaml: &str) -> Vec<String> {
        match convert(yaml) {
            Ok(object) => panic!("expected errors, converted {object:?}"),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    fn pod(yaml: &str) -> Pod {
        match ok(yaml) {
            AnyObject::Pod(pod) => *pod,
            other => panic!("not a pod: {other:?}"),
        }
    }

    fn deployment(yaml: &str) -> Deployment {
        match ok(yaml) {
            AnyObject::Deployment(deployment) => *deployment,
            other => panic!("not a deployment: {other:?}"),
        }
    }

    /// A pod whose single container has `extra` (indented for the container) appended.
    fn pod_with(extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: app:1\n{extra}"
        )
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers:
      - name: plain
        image: nginx
        readinessProbe:
          httpGet: {port: 8080}
        livenessProbe:
          tcpSocket: {port: http}
          periodSeconds: 0
          failureThreshold: 5
      - name: latest
        image: nginx:latest
      - name: pinned
        image: nginx:1.27
      - name: registry
        image: registry:5000/app
      - name: digest
        image: app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
";

    #[test]
    fn deployment_round_trip_with_defaults() {
        let d = deployment(DEPLOYMENT);
        assert_eq!(d.meta.name, "web");
        assert_eq!(d.meta.namespace, "default");
        assert_eq!(d.replicas, 1);
        assert_eq!(
            d.strategy,
            DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Percent(25),
                max_unavailable: IntOrPercent::Percent(25),
            }
        );
        assert_eq!(d.min_ready_seconds, 0);
        assert_eq!(d.revision_history_limit, 10);
        assert_eq!(d.progress_deadline_seconds, 600);
        assert!(!d.paused);
        assert_eq!(
            d.selector,
            LabelSelector::from_labels(BTreeMap::from([("app".into(), "web".into())]))
        );
        assert_eq!(d.template.labels.len(), 2);

        let spec = &d.template.spec;
        assert_eq!(spec.restart_policy, RestartPolicy::Always);
        assert_eq!(spec.termination_grace_period_seconds, 30);
        assert_eq!(spec.scheduler_name, "default-scheduler");
        assert_eq!(spec.priority, 0);
        assert_eq!(spec.node_name, None);
        // k8s-semantics 2.7: Always for `latest` or no tag; a registry port is not a tag; a
        // digest without a tag is IfNotPresent.
        let policies: Vec<(&str, ImagePullPolicy)> = spec
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.image_pull_policy))
            .collect();
        assert_eq!(
            policies,
            [
                ("plain", ImagePullPolicy::Always),
                ("latest", ImagePullPolicy::Always),
                ("pinned", ImagePullPolicy::IfNotPresent),
                ("registry", ImagePullPolicy::Always),
                ("digest", ImagePullPolicy::IfNotPresent),
            ]
        );

        // k8s-semantics 1.1: probe defaults, 0 meaning the default.
        let plain = &spec.containers[0];
        assert_eq!(
            plain.readiness_probe,
            Some(Probe {
                handler: ProbeHandler::HttpGet {
                    scheme: "HTTP".into(),
                    port: "8080".into(),
                    path: "/".into(),
                },
                initial_delay_seconds: 0,
                period_seconds: 10,
                timeout_seconds: 1,
                success_threshold: 1,
                failure_threshold: 3,
                termination_grace_period_seconds: None,
            })
        );
        let liveness = plain.liveness_probe.as_ref().unwrap();
        assert_eq!(liveness.handler, ProbeHandler::TcpSocket("http".into()));
        assert_eq!(
            (liveness.period_seconds, liveness.failure_threshold),
            (10, 5)
        );
        assert_eq!(plain.startup_probe, None);
        assert_eq!(plain.requests, Resources::default());
    }

    #[test]
    fn pull_policy_edge_cases() {
        use ImagePullPolicy::{Always, IfNotPresent};
        for (image, expected) in [
            ("nginx", Always),
            ("nginx:latest", Always),
            ("nginx:1.27", IfNotPresent),
            ("registry:5000/app", Always),
            ("registry:5000/app:latest", Always),
            ("registry:5000/team/app:v2", IfNotPresent),
            ("app@sha256:abc", IfNotPresent),
            ("app:latest@sha256:abc", Always),
            ("docker.io/library/busybox", Always),
        ] {
            assert_eq!(default_pull_policy(image), expected, "{image}");
        }
        // An explicit policy wins.
        let p = pod(&pod_with("    imagePullPolicy: Never\n"));
        assert_eq!(
            p.spec.containers[0].image_pull_policy,
            ImagePullPolicy::Never
        );
    }

    /// G37: with only limits, requests default to the limits (and the pod is Guaranteed).
    #[test]
    fn limits_only_default_requests_g37() {
        let p = pod(&pod_with(
            "    resources:\n      limits: {cpu: 500m, memory: 256Mi, nvidia.com/gpu: 1}\n      requests: {cpu: 100m}\n",
        ));
        let c = &p.spec.containers[0];
        assert_eq!(c.limits.cpu_millis, 500);
        assert_eq!(c.limits.memory_bytes, 256 * 1024 * 1024);
        // cpu was requested explicitly; memory and the GPU come from the limits.
        assert_eq!(c.requests.cpu_millis, 100);
        assert_eq!(c.requests.memory_bytes, 256 * 1024 * 1024);
        assert_eq!(c.requests.extended.get("nvidia.com/gpu"), Some(&1));

        let p = pod(&pod_with(
            "    resources:\n      limits: {cpu: 500m, memory: 256Mi}\n",
        ));
        let c = &p.spec.containers[0];
        assert_eq!(c.requests, c.limits);
        assert_eq!(p.spec.effective_requests().cpu_millis, 500);
    }

    #[test]
    fn bad_quantity_is_located_at_its_field_and_line() {
        let text = DEPLOYMENT.replace(
            "      - name: latest\n        image: nginx:latest\n",
            "      - name: latest\n        image: nginx:latest\n        resources:\n          limits:\n            memory: 1GB\n",
        );
        let found = errors(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "test.yaml:26:13: field `spec.template.spec.containers[1].resources.limits.memory`: \
                 invalid quantity \"1GB\""
            ),
            "{found:?}"
        );
    }

    #[test]
    fn request_above_limit_is_an_error() {
        let found = errors(&pod_with(
            "    resources:\n      requests: {cpu: \"2\", memory: 1Gi}\n      limits: {cpu: \"1\", memory: 1Gi}\n",
        ));
        assert_eq!(
            found,
            ["test.yaml:10:18: field `spec.containers[0].resources.requests.cpu`: Invalid value: \
              \"2\": must be less than or equal to cpu limit of 1"]
        );
        // Extended resources must be equal, and a request alone needs a limit.
        let found = errors(&pod_with(
            "    resources:\n      requests: {example.com/fpga: 1, nvidia.com/gpu: 1}\n      limits: {nvidia.com/gpu: 2}\n",
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("must be equal to nvidia.com/gpu limit of 2"));
        assert!(
            found[1].contains(
                "field `spec.containers[0].resources.limits.example.com/fpga`: Required value: \
                 Limit must be set for non overcommitable resources"
            ),
            "{found:?}"
        );
        // Extended resources are whole numbers; names without a domain are not resources.
        let found = errors(&pod_with(
            "    resources:\n      limits: {nvidia.com/gpu: 500m, gpu: 1}\n",
        ));
        assert_eq!(
            found,
            [
                "test.yaml:10:16: field `spec.containers[0].resources.limits.nvidia.com/gpu`: \
                 Invalid value: \"500m\": must be an integer",
                "test.yaml:10:38: field `spec.containers[0].resources.limits.gpu`: Invalid value: \
                 \"gpu\": must be a standard resource for containers (did you mean \
                 `nvidia.com/gpu`?)",
            ]
        );
    }

    #[test]
    fn liveness_success_threshold_must_be_one() {
        let found = errors(&pod_with(
            "    livenessProbe:\n      exec: {command: [true]}\n      successThreshold: 2\n    readinessProbe:\n      exec: {command: [true]}\n      successThreshold: 2\n",
        ));
        assert_eq!(
            found,
            ["test.yaml:11:7: field `spec.containers[0].livenessProbe.successThreshold`: Invalid \
              value: 2: must be 1"]
        );
    }

    #[test]
    fn probe_handler_and_grace_rules() {
        let found = errors(&pod_with(
            "    readinessProbe:\n      exec: {command: [true]}\n      httpGet: {port: 0, scheme: FTP}\n      terminationGracePeriodSeconds: 5\n    startupProbe:\n      periodSeconds: -1\n      terminationGracePeriodSeconds: 0\n",
        ));
        assert_eq!(
            found,
            [
                "test.yaml:11:7: field `spec.containers[0].readinessProbe.httpGet`: Forbidden: \
                 may not specify more than 1 handler type",
                "test.yaml:12:7: field \
                 `spec.containers[0].readinessProbe.terminationGracePeriodSeconds`: Invalid \
                 value: 5: must not be set for readinessProbes",
                "test.yaml:13:5: field `spec.containers[0].startupProbe`: Required value: must \
                 specify a handler type",
                "test.yaml:14:7: field `spec.containers[0].startupProbe.periodSeconds`: Invalid \
                 value: -1: must be greater than or equal to 0",
                "test.yaml:15:7: field \
                 `spec.containers[0].startupProbe.terminationGracePeriodSeconds`: Invalid value: \
                 0: must be greater than 0",
            ]
        );
        let p = pod(&pod_with(
            "    livenessProbe:\n      grpc: {port: 9090}\n      terminationGracePeriodSeconds: 7\n",
        ));
        let probe = p.spec.containers[0].liveness_probe.clone().unwrap();
        assert_eq!(probe.handler, ProbeHandler::Grpc(9090));
        assert_eq!(probe.termination_grace_period_seconds, Some(7));
    }

    #[test]
    fn selector_must_match_template_labels() {
        let text = DEPLOYMENT.replace("matchLabels: {app: web}", "matchLabels: {app: api}");
        assert_eq!(
            errors(&text),
            [
                "test.yaml:11:7: field `spec.template.metadata.labels`: Invalid value: \
              map[string]string{\"app\":\"web\", \"tier\":\"front\"}: `selector` does not match \
              template `labels`"
            ]
        );
        let text = DEPLOYMENT.replace(
            "    matchLabels: {app: web}\n",
            "    matchLabels: {app: web}\n    matchExpressions:\n    - {key: tier, operator: In}\n    - {key: tier, operator: Exists, values: [x]}\n    - {key: tier, operator: Equals, values: [x]}\n",
        );
        assert_eq!(
            errors(&text),
            [
                "test.yaml:10:7: field `spec.selector.matchExpressions[0].values`: Required value: must \
                 be specified when `operator` is 'In' or 'NotIn'",
                "test.yaml:11:37: field `spec.selector.matchExpressions[1].values`: Forbidden: \
                 may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "test.yaml:12:19: field `spec.selector.matchExpressions[2].operator`: Invalid \
                 value: \"Equals\": not a valid selector operator",
            ]
        );
        let text = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: web}\n", "");
        assert_eq!(
            errors(&text),
            ["test.yaml:6:1: field `spec.selector`: Required value"]
        );
        let selector = deployment(&DEPLOYMENT.replace(
            "matchLabels: {app: web}",
            "matchExpressions: [{key: tier, operator: NotIn, values: [back]}]",
        ))
        .selector;
        assert!(selector.match_labels.is_empty());
        assert_eq!(
            selector.match_expressions[0].operator,
            SelectorOperator::NotIn
        );
    }

    #[test]
    fn behaviour_annotation_typo_is_located() {
        let text = DEPLOYMENT.replace(
            "      labels: {app: web, tier: front}\n",
            "      labels: {app: web, tier: front}\n      annotations:\n        kubesim.io/exit-code: \"1\"\n        kubesim.io/exitt-after: 30s\n        kubesim.io/start-after.pinnd: 5s\n        kubesim.io/ready-after.plain: soon\n",
        );
        let found = errors(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with(
                "test.yaml:14:9: field `spec.template.metadata.annotations`: annotation \
                 \"kubesim.io/exitt-after\": unknown behaviour key \"exitt-after\""
            ),
            "{found:?}"
        );
        assert!(
            found[0].ends_with("(did you mean `kubesim.io/exit-after`?)"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("test.yaml:15:9: field `spec.template.metadata.annotations`"),
            "{found:?}"
        );
        assert!(
            found[1].ends_with("(did you mean `kubesim.io/start-after.pinned`?)"),
            "{found:?}"
        );
        assert!(
            found[2].starts_with(
                "test.yaml:16:9: field `spec.template.metadata.annotations`: annotation \
                 \"kubesim.io/ready-after.plain\""
            ),
            "{found:?}"
        );

        // On a Pod, the pod's own annotations are read.
        let found = errors(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {kubesim.io/exit-code: one}\nspec:\n  containers: [{name: a, image: a}]\n",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("test.yaml:5:17: field `metadata.annotations`"));
    }

    #[test]
    fn node_with_taints_and_capacity() {
        let text = "\
apiVersion: v1
kind: Node
metadata:
  name: gpu-1
  namespace: ignored
  labels: {topology.kubernetes.io/zone: a}
spec:
  unschedulable: true
  taints:
  - {key: dedicated, value: gpu, effect: NoSchedule}
  - {key: node.kubernetes.io/not-ready, effect: NoExecute}
status:
  capacity: {cpu: \"8\", memory: 32Gi, nvidia.com/gpu: 4, ephemeral-storage: 100Gi}
  allocatable: {cpu: 7500m, memory: 30Gi}
";
        let AnyObject::Node(node) = ok(text) else {
            panic!("not a node");
        };
        assert_eq!(node.meta.namespace, "");
        assert_eq!(
            node.meta.labels.get(HOSTNAME_LABEL).map(String::as_str),
            Some("gpu-1")
        );
        assert!(node.unschedulable);
        assert_eq!(node.ready, ConditionStatus::True);
        assert_eq!(
            node.taints,
            [
                Taint {
                    key: "dedicated".into(),
                    value: "gpu".into(),
                    effect: TaintEffect::NoSchedule
                },
                Taint {
                    key: "node.kubernetes.io/not-ready".into(),
                    value: String::new(),
                    effect: TaintEffect::NoExecute
                },
            ]
        );
        assert_eq!(node.capacity.cpu_millis, 8000);
        assert_eq!(node.capacity.pods, 110);
        assert_eq!(node.allocatable.cpu_millis, 7500);
        assert_eq!(node.allocatable.memory_bytes, 30 << 30);
        // Not written in allocatable: taken from capacity.
        assert_eq!(node.allocatable.ephemeral_storage_bytes, 100 << 30);
        assert_eq!(node.allocatable.extended.get("nvidia.com/gpu"), Some(&4));
        assert_eq!(node.allocatable.pods, 110);

        let found = errors(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec:\n  taints:\n  - {key: a, effect: NoSchedule}\n  - {key: a, value: b, effect: NoSchedule}\n  - {key: b, effect: Sometimes}\nstatus:\n  capacity: {cpus: 4, pods: 1.5}\n",
        );
        assert_eq!(
            found,
            [
                "test.yaml:7:5: field `spec.taints[1]`: Duplicate value: \"a=b:NoSchedule\": \
                 taints must be unique by key and effect pair",
                "test.yaml:8:14: field `spec.taints[2].effect`: Unsupported value: \"Sometimes\": \
                 supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "test.yaml:10:14: field `status.capacity.cpus`: Invalid value: \"cpus\": must be \
                 a standard resource type or fully qualified (did you mean `cpu`?)",
                "test.yaml:10:23: field `status.capacity.pods`: Invalid value: \"1.5\": must be \
                 an integer",
            ]
        );
    }

    #[test]
    fn many_errors_are_collected_in_one_pass() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: Web_App
  labels: {app: -bad}
spec:
  replicas: -1
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: -5
      tolerations:
      - {operator: Exists, value: x}
      - {key: k, effect: NoSchedule, tolerationSeconds: 10}
      initContainers:
      - name: setup
        image: busybox
        restartPolicy: OnFailure
      containers:
      - name: setup
        resources:
          requests: {cpu: lots}
";
        let found = errors(text);
        let fields: Vec<&str> = found
            .iter()
            .map(|e| e.split('`').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(
            fields,
            [
                "metadata.name",
                "metadata.labels",
                "spec.replicas",
                "spec.strategy.rollingUpdate.maxUnavailable",
                "spec.template.spec.restartPolicy",
                "spec.template.spec.terminationGracePeriodSeconds",
                "spec.template.spec.tolerations[0].value",
                "spec.template.spec.tolerations[1].effect",
                "spec.template.spec.initContainers[0].name",
                "spec.template.spec.initContainers[0].restartPolicy",
                "spec.template.spec.containers[0].image",
                "spec.template.spec.containers[0].resources.requests.cpu",
            ],
            "{found:#?}"
        );
        assert!(found[0].contains(
            "Invalid value: \"Web_App\": a lowercase RFC 1123 subdomain must consist of"
        ));
        assert!(found[1].contains("a valid label must be an empty string"));
        assert!(found[3].ends_with("Invalid value: 0: may not be 0 when `maxSurge` is 0"));
        assert!(found[4].ends_with("Unsupported value: \"Never\": supported values: \"Always\""));
        assert!(found[8].ends_with("Duplicate value: \"setup\""));
        // The missing image points at the container item.
        assert!(found[10].starts_with("test.yaml:26:9:"), "{}", found[10]);
        assert!(found[10].ends_with("Required value"));
    }

    #[test]
    fn strategy_rules() {
        let with_strategy = |strategy: &str| {
            DEPLOYMENT.replace(
                "  selector:\n",
                &format!("  strategy:\n{strategy}  selector:\n"),
            )
        };
        let d = deployment(&with_strategy("    type: Recreate\n"));
        assert_eq!(d.strategy, DeploymentStrategy::Recreate);
        let d = deployment(&with_strategy("    rollingUpdate: {maxSurge: 0}\n"));
        assert_eq!(
            d.strategy,
            DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(0),
                max_unavailable: IntOrPercent::Percent(25),
            }
        );
        assert_eq!(
            errors(&with_strategy(
                "    type: Recreate\n    rollingUpdate: {maxSurge: 1}\n"
            )),
            [
                "test.yaml:9:5: field `spec.strategy.rollingUpdate`: Forbidden: may not be \
              specified when strategy `type` is 'Recreate'"
            ]
        );
        assert_eq!(
            errors(&with_strategy(
                "    rollingUpdate: {maxSurge: 25, maxUnavailable: \"1O%\"}\n"
            )),
            ["test.yaml:8:35: field `spec.strategy.rollingUpdate.maxUnavailable`: Invalid value: \
              \"1O%\": a valid percent string must be a numeric string followed by an ending '%' \
              (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')"]
        );
        assert_eq!(
            errors(&with_strategy("    rollingUpdate: {maxSurge: 0%, maxUnavailable: 0}\n")),
            ["test.yaml:8:35: field `spec.strategy.rollingUpdate.maxUnavailable`: Invalid value: \
              0: may not be 0 when `maxSurge` is 0"]
        );
        let found = errors(&with_strategy("    type: BlueGreen\n"));
        assert!(
            found[0].contains("Unsupported value: \"BlueGreen\""),
            "{found:?}"
        );
        let found = errors(&DEPLOYMENT.replace(
            "spec:\n  selector",
            "spec:\n  minReadySeconds: 700\n  selector",
        ));
        assert_eq!(
            found,
            [
                "test.yaml:6:1: field `spec.progressDeadlineSeconds`: Invalid value: 600: must be \
              greater than minReadySeconds"
            ]
        );
    }

    #[test]
    fn replica_set_defaults_and_list_item_paths() {
        let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: rs, namespace: team-a}
  spec:
    minReadySeconds: 5
    selector: {matchLabels: {app: x}}
    template:
      metadata: {labels: {app: x}}
      spec:
        containers: [{name: c, image: c:1, resources: {limits: {memory: 1Gi}, requests: {memory: 2Gi}}}]
";
        let found = errors(text);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(
                "test.yaml:13:90: field \
                 `items[0].spec.template.spec.containers[0].resources.requests.memory`: \
                 Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi"
            ),
            "{found:?}"
        );
        let AnyObject::ReplicaSet(rs) = ok(&text.replace("2Gi", "1Gi")) else {
            panic!("not a replica set");
        };
        assert_eq!(rs.meta.namespace, "team-a");
        assert_eq!((rs.replicas, rs.min_ready_seconds), (1, 5));
        assert_eq!(
            rs.template.spec.containers[0].requests.memory_bytes,
            1 << 30
        );
        // A missing template is one error, not one per field it lacks.
        assert_eq!(
            errors("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: x}}\n"),
            ["test.yaml:4:1: field `spec.template`: Required value"]
        );
    }

    #[test]
    fn pod_spec_details() {
        let p = pod("\
apiVersion: v1
kind: Pod
metadata:
  generateName: job-
  ownerReferences: [{apiVersion: v1, kind: Pod, name: x, uid: u}]
spec:
  nodeName: node-1
  priority: 100
  priorityClassName: high
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 0
  nodeSelector: {disk: ssd}
  affinity: {nodeAffinity: {}}
  tolerations:
  - {key: dedicated, value: gpu, effect: NoExecute, tolerationSeconds: 60}
  - {operator: Exists}
  initContainers:
  - name: sidecar
    image: proxy:1
    restartPolicy: Always
    readinessProbe: {exec: {command: [ok]}}
  - name: setup
    image: setup:1
  containers:
  - name: app
    image: app:1
    ports: [{containerPort: 80}]
");
        assert_eq!(p.meta.name, "");
        assert_eq!(p.meta.generate_name, "job-");
        assert!(p.meta.owner_references.is_empty());
        assert_eq!(p.spec.node_name.as_deref(), Some("node-1"));
        assert_eq!(p.spec.priority, 100);
        assert_eq!(p.spec.restart_policy, RestartPolicy::OnFailure);
        assert_eq!(p.spec.termination_grace_period_seconds, 0);
        assert_eq!(
            p.spec.node_selector.get("disk").map(String::as_str),
            Some("ssd")
        );
        assert_eq!(
            p.spec.tolerations,
            [
                Toleration {
                    key: "dedicated".into(),
                    operator: TolerationOperator::Equal,
                    value: "gpu".into(),
                    effect: Some(TaintEffect::NoExecute),
                    toleration_seconds: Some(60),
                },
                Toleration {
                    key: String::new(),
                    operator: TolerationOperator::Exists,
                    value: String::new(),
                    effect: None,
                    toleration_seconds: None,
                },
            ]
        );
        let init: Vec<_> = p
            .spec
            .init_containers
            .iter()
            .map(|c| (c.name.as_str(), c.restart_policy))
            .collect();
        assert_eq!(
            init,
            [("sidecar", Some(RestartPolicy::Always)), ("setup", None)]
        );
        assert!(p.spec.init_containers[0].readiness_probe.is_some());

        // Regular init containers take no probes; app containers no restartPolicy.
        let found = errors(&pod_with(
            "    restartPolicy: Never\n  initContainers:\n  - name: init\n    image: i\n    livenessProbe: {exec: {command: [x]}}\n",
        ));
        assert_eq!(
            found,
            [
                "test.yaml:9:5: field `spec.containers[0].restartPolicy`: Forbidden: a \
                 container-level restartPolicy on an app container is not simulated by kubesim \
                 yet; only init containers may set it (to Always, for a sidecar)",
                "test.yaml:13:5: field `spec.initContainers[0].livenessProbe`: Forbidden: may \
                 not be set for init containers without restartPolicy=Always",
            ]
        );
        assert_eq!(
            errors("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n"),
            ["test.yaml:4:1: field `spec.containers`: Required value"]
        );
        assert_eq!(
            errors("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [{name: a, image: a}]}\n"),
            ["test.yaml:3:1: field `metadata.name`: Required value: name or generateName is \
              required"]
        );
    }

    /// What `kubectl get -o yaml` prints (server-set fields, ownerReferences, status) converts,
    /// and so does every manifest shipped with the scenarios.
    #[test]
    fn real_manifests_convert() {
        let text = include_str!("../tests/fixtures/manifests/kubectl-get.yaml");
        let loaded = load_manifests("get.yaml", text).unwrap();
        let objects: Vec<AnyObject> = loaded
            .objects
            .iter()
            .map(|m| to_core(m).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        // The dump's Service (objects[1]) converts too, with §11.3's defaults.
        let AnyObject::Service(service) = &objects[1] else {
            panic!("not a service");
        };
        assert_eq!(service.spec.ports_summary(), "80/TCP");
        let AnyObject::Pod(pod) = &objects[2] else {
            panic!("not a pod");
        };
        assert!(pod.meta.owner_references.is_empty());
        assert_eq!(pod.spec.node_name.as_deref(), Some("node-1"));
        assert_eq!(pod.status, PodStatus::default());

        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/manifests");
        let shipped = root.is_dir();
        let mut stack = vec![root];
        let mut converted = 0;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let shown = path.display().to_string();
                    for m in load_manifests(&shown, &text).unwrap().objects {
                        to_core(&m).unwrap_or_else(|e| panic!("{e}"));
                        converted += 1;
                    }
                }
            }
        }
        assert!(converted > 0 || !shipped);
    }

    #[test]
    fn name_rules() {
        assert!(dns1123_subdomain_errors("web-1.example").is_empty());
        assert_eq!(dns1123_subdomain_errors("Web").len(), 1);
        assert_eq!(dns1123_subdomain_errors(&"a".repeat(254)).len(), 1);
        assert_eq!(dns1123_subdomain_errors("a..b").len(), 1);
        assert!(dns1123_label_errors("a.b").len() == 1);
        assert!(qualified_name_errors("app.kubernetes.io/name").is_empty());
        assert!(qualified_name_errors("MyName").is_empty());
        assert_eq!(
            qualified_name_errors("/x"),
            ["prefix part must be non-empty"]
        );
        assert_eq!(qualified_name_errors("a/b/c").len(), 1);
        assert!(label_value_errors("").is_empty());
        assert!(label_value_errors("v1.2_3-x").is_empty());
        assert_eq!(label_value_errors(&"a".repeat(64)), [max_len(63)]);
        assert_eq!(label_value_errors("-x").len(), 1);
        assert!(port_name_errors("http").is_empty());
        assert_eq!(
            port_name_errors("8080"),
            ["must contain at least one letter (a-z)"]
        );
        assert_eq!(mask_trailing_dash("web-"), "wea");
        assert_eq!(parse_percent("25%"), Some(25));
        assert_eq!(parse_percent("25"), None);
        assert_eq!(parse_percent("%"), None);
        assert_eq!(
            go_map(&BTreeMap::from([("a".into(), "1".into())])),
            "map[string]string{\"a\":\"1\"}"
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod service_tests {
    use super::*;
    use crate::manifest::load_manifests;

    fn convert(yaml: &str) -> Result<AnyObject, InputErrors> {
        let loaded = load_manifests("svc.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.objects.len(), 1, "expected one object");
        to_core(&loaded.objects[0])
    }

    fn service(yaml: &str) -> Service {
        match convert(yaml) {
            Ok(AnyObject::Service(service)) => *service,
            other => panic!("not a service: {other:?}"),
        }
    }

    fn errors(yaml: &str) -> Vec<String> {
        match convert(yaml) {
            Ok(object) => panic!("expected errors, converted {object:?}"),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    const WEB: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
";

    /// §11.3: type ClusterIP, sessionAffinity None, protocol TCP, targetPort = port.
    #[test]
    fn service_defaults() {
        let s = service(WEB);
        assert_eq!(s.meta.namespace, "default");
        assert_eq!(s.spec.type_, ServiceType::ClusterIP);
        assert_eq!(s.spec.session_affinity, SessionAffinity::None);
        assert_eq!(s.spec.cluster_ip, ClusterIp::Unset);
        assert_eq!(
            s.spec.ports,
            [ServicePort {
                name: String::new(),
                protocol: Protocol::Tcp,
                port: 80,
                target_port: TargetPort::Number(80),
                node_port: None,
                app_protocol: None,
            }]
        );
        assert_eq!(s.spec.internal_traffic_policy, Some(TrafficPolicy::Cluster));
        assert_eq!(s.spec.external_traffic_policy, None);
        assert_eq!(s.spec.selector.get("app").map(String::as_str), Some("web"));

        let lb = service(&format!(
            "{WEB}    targetPort: http\n    name: http\n  type: LoadBalancer\n  sessionAffinity: ClientIP\n"
        ));
        assert_eq!(
            lb.spec.external_traffic_policy,
            Some(TrafficPolicy::Cluster)
        );
        assert_eq!(lb.spec.allocate_load_balancer_node_ports, Some(true));
        assert!(lb.spec.needs_node_ports());
        assert_eq!(
            lb.spec.session_affinity,
            SessionAffinity::ClientIp {
                timeout_seconds: 10_800
            }
        );
        assert_eq!(
            lb.spec.ports[0].target_port,
            TargetPort::Name("http".into())
        );

        let headless = service(
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None\n  selector: {app: db}\n",
        );
        assert_eq!(headless.spec.cluster_ip, ClusterIp::Headless);
        assert!(headless.spec.ports.is_empty());
    }

    #[test]
    fn service_errors_are_located_at_their_fields() {
        let bad = "\
apiVersion: v1
kind: Service
metadata:
  name: Web
spec:
  type: Nodeport
  selector: {app: web app}
  clusterIP: 10.0.0.1
  ports:
  - port: 70000
    nodePort: 80
  - port: 443
    protocol: tcp
";
        let found = errors(bad);
        assert_eq!(
            found,
            [
                "svc.yaml:4:3: field `metadata.name`: Invalid value: \"Web\": a DNS-1035 label \
                 must consist of lower case alphanumeric characters or '-', start with an \
                 alphabetic character, and end with an alphanumeric character (e.g. 'my-name', \
                 or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                "svc.yaml:6:3: field `spec.type`: Unsupported value: \"Nodeport\": supported \
                 values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
                "svc.yaml:7:14: field `spec.selector`: Invalid value: \"web app\": a valid label \
                 must be an empty string or consist of alphanumeric characters, '-', '_' or '.', \
                 and must start and end with an alphanumeric character (e.g. 'MyValue', or \
                 'my_value', or '12345', regex used for validation is \
                 '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "svc.yaml:8:3: field `spec.clusterIP`: Invalid value: [\"10.0.0.1\"]: failed to \
                 allocate IP 10.0.0.1: provided IP (10.0.0.1) is not in the valid range. The \
                 range of valid IPs is 10.96.0.0/12",
                "svc.yaml:10:5: field `spec.ports[0].name`: Required value",
                "svc.yaml:10:5: field `spec.ports[0].port`: Invalid value: 70000: must be between \
                 1 and 65535, inclusive",
                "svc.yaml:11:5: field `spec.ports[0].nodePort`: Forbidden: may not be used when \
                 `type` is 'ClusterIP'",
                "svc.yaml:12:5: field `spec.ports[1].name`: Required value",
                "svc.yaml:13:5: field `spec.ports[1].protocol`: Unsupported value: \"tcp\": \
                 supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]
        );

        // Type-dependent rules.
        let node_port =
            WEB.replace("- port: 80", "- port: 80\n    nodePort: 80") + "  type: NodePort\n";
        assert_eq!(
            errors(&node_port),
            ["svc.yaml:9:5: field `spec.ports[0].nodePort`: Invalid value: 80: provided port is \
              not in the valid range. The range of valid ports is 30000-32767"]
        );
        let external =
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  type: ExternalName\n";
        assert_eq!(
            errors(external),
            ["svc.yaml:4:1: field `spec.externalName`: Required value"]
        );
        let headless_node_port = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n";
        assert_eq!(
            errors(headless_node_port),
            [
                "svc.yaml:6:3: field `spec.clusterIP`: Invalid value: \"None\": may not be set to \
              'None' for NodePort services"
            ]
        );
        let no_ports =
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n";
        assert_eq!(
            errors(no_ports),
            ["svc.yaml:4:1: field `spec.ports`: Required value"]
        );
        let dual = WEB.to_string()
            + "  ipFamilies: [IPv6]\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 5}}\n";
        assert_eq!(
            errors(&dual),
            [
                "svc.yaml:9:16: field `spec.ipFamilies[0]`: Invalid value: \"IPv6\": kubesim \
                 clusters are single-stack IPv4",
                "svc.yaml:10:3: field `spec.sessionAffinityConfig`: Forbidden: must not be set \
                 when session affinity is None",
            ]
        );
    }
}
