//! Kubernetes manifests as users write them, decoded into k8s-openapi's API types.
//!
//! A manifest file is a YAML stream: several documents, `List` objects (as `kubectl get -o
//! yaml` prints them), empty documents and comments. Every object is checked as strictly as
//! `kubectl apply` checks it: an unknown field, a wrong type or a kind that does not exist is
//! an error naming file, line, column and field. Kinds that exist but that kubesim does not
//! simulate (Ingress, NetworkPolicy, ...) and custom resources are warnings: they are skipped,
//! and the report says so. So are EndpointSlices and Endpoints written by hand: kubesim's
//! EndpointSlice controller makes the slices of every Service with a selector, and the
//! legacy Endpoints API is not simulated.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler as HorizontalPodAutoscalerV1;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota, Secret,
    Service,
};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::Resource;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, Visitor};
use serde::Deserialize;

use crate::source::{
    scan_documents, suggest, InputError, InputErrors, RootKind, SourceLocation, YamlIndex,
};

/// Most errors reported for one file; a file with more is surely not a manifest.
pub const MAX_ERRORS: usize = 100;

/// An object kubesim simulates.
#[derive(Debug, Clone, PartialEq)]
pub enum Manifest {
    Node(Box<Node>),
    Pod(Box<Pod>),
    ReplicaSet(Box<ReplicaSet>),
    Deployment(Box<Deployment>),
    Service(Box<Service>),
    Namespace(Box<Namespace>),
    ResourceQuota(Box<ResourceQuota>),
    LimitRange(Box<LimitRange>),
    PriorityClass(Box<PriorityClass>),
    ConfigMap(Box<ConfigMap>),
    Secret(Box<Secret>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    StatefulSet(Box<StatefulSet>),
    DaemonSet(Box<DaemonSet>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    /// `autoscaling/v2` HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    /// `autoscaling/v1` HorizontalPodAutoscaler (converted to the v2 shape).
    HorizontalPodAutoscalerV1(Box<HorizontalPodAutoscalerV1>),
}

impl Manifest {
    pub fn kind(&self) -> &'static str {
        match self {
            Manifest::Node(_) => Node::KIND,
            Manifest::Pod(_) => Pod::KIND,
            Manifest::ReplicaSet(_) => ReplicaSet::KIND,
            Manifest::Deployment(_) => Deployment::KIND,
            Manifest::Service(_) => Service::KIND,
            Manifest::Namespace(_) => Namespace::KIND,
            Manifest::ResourceQuota(_) => ResourceQuota::KIND,
            Manifest::LimitRange(_) => LimitRange::KIND,
            Manifest::PriorityClass(_) => PriorityClass::KIND,
            Manifest::ConfigMap(_) => ConfigMap::KIND,
            Manifest::Secret(_) => Secret::KIND,
            Manifest::Job(_) => Job::KIND,
            Manifest::CronJob(_) => CronJob::KIND,
            Manifest::StatefulSet(_) => StatefulSet::KIND,
            Manifest::DaemonSet(_) => DaemonSet::KIND,
            Manifest::PersistentVolumeClaim(_) => PersistentVolumeClaim::KIND,
            Manifest::PodDisruptionBudget(_) => PodDisruptionBudget::KIND,
            Manifest::HorizontalPodAutoscaler(_) | Manifest::HorizontalPodAutoscalerV1(_) => {
                HorizontalPodAutoscaler::KIND
            }
        }
    }

    pub fn name(&self) -> Option<&str> {
        let metadata = match self {
            Manifest::Node(node) => &node.metadata,
            Manifest::Pod(pod) => &pod.metadata,
            Manifest::ReplicaSet(replica_set) => &replica_set.metadata,
            Manifest::Deployment(deployment) => &deployment.metadata,
            Manifest::Service(service) => &service.metadata,
            Manifest::Namespace(o) => &o.metadata,
            Manifest::ResourceQuota(o) => &o.metadata,
            Manifest::LimitRange(o) => &o.metadata,
            Manifest::PriorityClass(o) => &o.metadata,
            Manifest::ConfigMap(o) => &o.metadata,
            Manifest::Secret(o) => &o.metadata,
            Manifest::Job(job) => &job.metadata,
            Manifest::CronJob(cron_job) => &cron_job.metadata,
            Manifest::StatefulSet(set) => &set.metadata,
            Manifest::DaemonSet(set) => &set.metadata,
            Manifest::PersistentVolumeClaim(claim) => &claim.metadata,
            Manifest::PodDisruptionBudget(pdb) => &pdb.metadata,
            Manifest::HorizontalPodAutoscaler(hpa) => &hpa.metadata,
            Manifest::HorizontalPodAutoscalerV1(hpa) => &hpa.metadata,
        };
        metadata.name.as_deref()
    }
}

/// A decoded object, with where it was written and the index to locate its fields.
#[derive(Debug, Clone)]
pub struct LocatedManifest {
    pub manifest: Manifest,
    /// Where the object starts.
    pub location: SourceLocation,
    /// Field paths relative to the object (`spec.replicas`), also for items of a `List`.
    pub index: Arc<YamlIndex>,
}

impl LocatedManifest {
    /// Where a field of this object is written (its deepest written parent if it is not).
    pub fn locate(&self, path: &str) -> SourceLocation {
        self.index.locate(path)
    }

    /// A located error about a field of this object, for checks made after decoding.
    pub fn error(&self, path: &str, message: impl Into<String>) -> InputError {
        self.index.error(path, message)
    }
}

/// What one manifest file holds.
#[derive(Debug, Clone, Default)]
pub struct LoadedManifests {
    pub objects: Vec<LocatedManifest>,
    /// Objects skipped because kubesim does not simulate their kind.
    pub warnings: Vec<InputError>,
}

/// Decode every object of a manifest file, or report every problem found in it.
pub fn load_manifests(file: &str, text: &str) -> Result<LoadedManifests, InputErrors> {
    // Editors hide a byte-order mark; so do the columns reported here.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let documents = scan_documents(file, text)?;
    let mut loaded = LoadedManifests::default();
    let mut errors = Vec::new();
    // The scan has checked syntax and limits; serde_yaml now decodes the same documents.
    let mut decoders = serde_yaml::Deserializer::from_str(text);
    let mut last_decoder_error = None;
    let mut complete = !documents.is_empty();
    for document in documents {
        let Some(decoder) = decoders.next() else {
            errors.push(InputError::new(
                document.index.start(),
                "the YAML decoder found no document here",
            ));
            complete = false;
            break;
        };
        let mut found = match document.root {
            RootKind::Empty => continue,
            RootKind::Mapping => load_document(document.index, decoder),
            RootKind::Scalar | RootKind::Sequence => Outcome::error(document.index.error(
                "",
                "expected a Kubernetes object (a mapping with apiVersion and kind)",
            )),
        };
        found
            .errors
            .sort_by_key(|error| (error.location.line, error.location.column));
        // After a syntax error serde_yaml repeats it for every later document.
        if let Some(error) = found.decoder_error.take() {
            if last_decoder_error.as_ref() == Some(&error) {
                complete = false;
                break;
            }
            last_decoder_error = Some(error);
        }
        loaded.objects.append(&mut found.objects);
        loaded.warnings.append(&mut found.warnings);
        errors.append(&mut found.errors);
        if errors.len() > MAX_ERRORS {
            complete = false;
            break;
        }
    }
    // The two parsers agree on where documents start in every case tried; if they ever do
    // not, objects may have been paired with the wrong locations, so a clean load says so.
    if complete && errors.is_empty() && decoders.next().is_some() {
        errors.push(InputError::new(
            SourceLocation::new(file, 1, 1),
            "the YAML decoder found more documents than the scanner; check the `---` and `...` \
             markers",
        ));
    }
    if errors.is_empty() {
        return Ok(loaded);
    }
    if errors.len() > MAX_ERRORS {
        errors.truncate(MAX_ERRORS);
        errors.push(InputError::new(
            SourceLocation::new(file, 1, 1),
            format!("stopped after {MAX_ERRORS} errors"),
        ));
    }
    Err(InputErrors(errors))
}

#[derive(Default)]
struct Outcome {
    objects: Vec<LocatedManifest>,
    warnings: Vec<InputError>,
    errors: Vec<InputError>,
    /// serde_yaml's message, to notice it repeating itself.
    decoder_error: Option<String>,
}

impl Outcome {
    fn error(error: InputError) -> Outcome {
        Outcome {
            errors: vec![error],
            ..Outcome::default()
        }
    }
}

fn load_document(index: YamlIndex, decoder: serde_yaml::Deserializer<'_>) -> Outcome {
    let list_kind = type_meta(&index, "kind")
        .filter(|kind| is_list_kind(kind))
        .map(str::to_string);
    if let Some(list_kind) = list_kind {
        return load_list(index, &list_kind, decoder);
    }
    let kind = match plan(&index, None) {
        Plan::Decode(kind) => kind,
        Plan::Skip(warning) => {
            return Outcome {
                warnings: vec![warning],
                ..Outcome::default()
            }
        }
        Plan::Reject(error) => return Outcome::error(error),
    };
    let mut ignored = Vec::new();
    let decoded = {
        let mut callback = |path: serde_ignored::Path<'_>| ignored.push(segments(&path));
        decode(
            kind,
            serde_ignored::Deserializer::new(decoder, &mut callback),
        )
    };
    let mut outcome = Outcome::default();
    // More would be cut from the report anyway; each costs a field probe.
    for path in ignored.iter().take(MAX_ERRORS + 1) {
        let parent = path.get(..path.len().saturating_sub(1)).unwrap_or_default();
        outcome
            .errors
            .push(unknown_field(&index, path, field_names(kind, parent)));
    }
    match decoded {
        Ok(manifest) if outcome.errors.is_empty() => {
            let located = LocatedManifest {
                manifest,
                location: index.start(),
                index: Arc::new(index),
            };
            outcome.warnings.extend(remarks(&located));
            outcome.objects.push(located);
        }
        Ok(_) => {}
        Err(error) => {
            outcome.errors.push(decode_error(&index, &error));
            outcome.decoder_error = Some(error.to_string());
        }
    }
    outcome
}

/// A `List` (`kind: List`, or a typed list such as `PodList`): its items are the objects.
fn load_list(index: YamlIndex, list_kind: &str, decoder: serde_yaml::Deserializer<'_>) -> Outcome {
    // A typed list's items may leave out apiVersion and kind, as the API server prints them.
    let defaults = list_kind
        .strip_suffix("List")
        .filter(|kind| !kind.is_empty())
        .map(|kind| (type_meta(&index, "apiVersion"), kind));
    let mut outcome = Outcome::default();
    let mut items = Vec::new();
    while index.contains(&format!("items[{}]", items.len())) {
        let item = index.subtree(&format!("items[{}]", items.len()));
        let kind = if type_meta(&item, "kind").is_some_and(is_list_kind) {
            outcome
                .errors
                .push(item.error("kind", "a List inside a List is not supported"));
            None
        } else {
            match plan(&item, defaults) {
                Plan::Decode(kind) => Some(kind),
                Plan::Skip(warning) => {
                    outcome.warnings.push(warning);
                    None
                }
                Plan::Reject(error) => {
                    outcome.errors.push(error);
                    None
                }
            }
        };
        items.push((item, kind));
    }
    let kinds: Vec<Option<SupportedKind>> = items.iter().map(|(_, kind)| *kind).collect();
    let mut ignored = Vec::new();
    let decoded = {
        let mut callback = |path: serde_ignored::Path<'_>| ignored.push(segments(&path));
        ListSeed { kinds: &kinds }
            .deserialize(serde_ignored::Deserializer::new(decoder, &mut callback))
    };
    // More would be cut from the report anyway; each costs a field probe.
    for path in ignored.iter().take(MAX_ERRORS + 1) {
        let names = match path.as_slice() {
            [_] => Some(LIST_FIELDS),
            [Segment::Key(items), Segment::Index(i), rest @ ..] if items == "items" => {
                let parent = rest.get(..rest.len().saturating_sub(1)).unwrap_or_default();
                kinds
                    .get(*i)
                    .copied()
                    .flatten()
                    .and_then(|kind| field_names(kind, parent))
            }
            _ => None,
        };
        outcome.errors.push(unknown_field(&index, path, names));
    }
    match decoded {
        Ok(manifests) if outcome.errors.is_empty() => {
            for ((item, _), manifest) in items.into_iter().zip(manifests) {
                if let Some(manifest) = manifest {
                    let located = LocatedManifest {
                        manifest,
                        location: item.start(),
                        index: Arc::new(item),
                    };
                    outcome.warnings.extend(remarks(&located));
                    outcome.objects.push(located);
                }
            }
        }
        Ok(_) => {}
        Err(error) => {
            outcome.errors.push(decode_error(&index, &error));
            outcome.decoder_error = Some(error.to_string());
        }
    }
    outcome
}

const LIST_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "items"];

fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

/// `apiVersion` or `kind` as written, unless it is empty or null.
fn type_meta<'a>(index: &'a YamlIndex, field: &str) -> Option<&'a str> {
    index
        .type_meta(field)
        .filter(|value| !matches!(*value, "" | "~" | "null"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SupportedKind {
    Node,
    Pod,
    ReplicaSet,
    Deployment,
    Service,
    Namespace,
    ResourceQuota,
    LimitRange,
    PriorityClass,
    ConfigMap,
    Secret,
    Job,
    CronJob,
    StatefulSet,
    DaemonSet,
    PersistentVolumeClaim,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerV1,
}

impl SupportedKind {
    const ALL: [SupportedKind; 19] = [
        SupportedKind::Node,
        SupportedKind::Pod,
        SupportedKind::ReplicaSet,
        SupportedKind::Deployment,
        SupportedKind::Service,
        SupportedKind::Namespace,
        SupportedKind::ResourceQuota,
        SupportedKind::LimitRange,
        SupportedKind::PriorityClass,
        SupportedKind::ConfigMap,
        SupportedKind::Secret,
        SupportedKind::Job,
        SupportedKind::CronJob,
        SupportedKind::StatefulSet,
        SupportedKind::DaemonSet,
        SupportedKind::PersistentVolumeClaim,
        SupportedKind::PodDisruptionBudget,
        SupportedKind::HorizontalPodAutoscaler,
        SupportedKind::HorizontalPodAutoscalerV1,
    ];

    fn type_meta(self) -> (&'static str, &'static str) {
        match self {
            SupportedKind::Node => (Node::API_VERSION, Node::KIND),
            SupportedKind::Pod => (Pod::API_VERSION, Pod::KIND),
            SupportedKind::ReplicaSet => (ReplicaSet::API_VERSION, ReplicaSet::KIND),
            SupportedKind::Deployment => (Deployment::API_VERSION, Deployment::KIND),
            SupportedKind::Service => (Service::API_VERSION, Service::KIND),
            SupportedKind::Namespace => (Namespace::API_VERSION, Namespace::KIND),
            SupportedKind::ResourceQuota => (ResourceQuota::API_VERSION, ResourceQuota::KIND),
            SupportedKind::LimitRange => (LimitRange::API_VERSION, LimitRange::KIND),
            SupportedKind::PriorityClass => (PriorityClass::API_VERSION, PriorityClass::KIND),
            SupportedKind::ConfigMap => (ConfigMap::API_VERSION, ConfigMap::KIND),
            SupportedKind::Secret => (Secret::API_VERSION, Secret::KIND),
            SupportedKind::Job => (Job::API_VERSION, Job::KIND),
            SupportedKind::CronJob => (CronJob::API_VERSION, CronJob::KIND),
            SupportedKind::StatefulSet => (StatefulSet::API_VERSION, StatefulSet::KIND),
            SupportedKind::DaemonSet => (DaemonSet::API_VERSION, DaemonSet::KIND),
            SupportedKind::PersistentVolumeClaim => (
                PersistentVolumeClaim::API_VERSION,
                PersistentVolumeClaim::KIND,
            ),
            SupportedKind::PodDisruptionBudget => {
                (PodDisruptionBudget::API_VERSION, PodDisruptionBudget::KIND)
            }
            SupportedKind::HorizontalPodAutoscaler => (
                HorizontalPodAutoscaler::API_VERSION,
                HorizontalPodAutoscaler::KIND,
            ),
            SupportedKind::HorizontalPodAutoscalerV1 => (
                HorizontalPodAutoscalerV1::API_VERSION,
                HorizontalPodAutoscalerV1::KIND,
            ),
        }
    }
}

fn decode<'de, D: Deserializer<'de>>(
    kind: SupportedKind,
    decoder: D,
) -> Result<Manifest, D::Error> {
    Ok(match kind {
        SupportedKind::Node => Manifest::Node(Box::new(Node::deserialize(decoder)?)),
        SupportedKind::Pod => Manifest::Pod(Box::new(Pod::deserialize(decoder)?)),
        SupportedKind::ReplicaSet => {
            Manifest::ReplicaSet(Box::new(ReplicaSet::deserialize(decoder)?))
        }
        SupportedKind::Deployment => {
            Manifest::Deployment(Box::new(Deployment::deserialize(decoder)?))
        }
        SupportedKind::Service => Manifest::Service(Box::new(Service::deserialize(decoder)?)),
        SupportedKind::Namespace => Manifest::Namespace(Box::new(Namespace::deserialize(decoder)?)),
        SupportedKind::ResourceQuota => {
            Manifest::ResourceQuota(Box::new(ResourceQuota::deserialize(decoder)?))
        }
        SupportedKind::LimitRange => {
            Manifest::LimitRange(Box::new(LimitRange::deserialize(decoder)?))
        }
        SupportedKind::PriorityClass => {
            Manifest::PriorityClass(Box::new(PriorityClass::deserialize(decoder)?))
        }
        SupportedKind::ConfigMap => Manifest::ConfigMap(Box::new(ConfigMap::deserialize(decoder)?)),
        SupportedKind::Secret => Manifest::Secret(Box::new(Secret::deserialize(decoder)?)),
        SupportedKind::Job => Manifest::Job(Box::new(Job::deserialize(decoder)?)),
        SupportedKind::CronJob => Manifest::CronJob(Box::new(CronJob::deserialize(decoder)?)),
        SupportedKind::StatefulSet => {
            Manifest::StatefulSet(Box::new(StatefulSet::deserialize(decoder)?))
        }
        SupportedKind::DaemonSet => Manifest::DaemonSet(Box::new(DaemonSet::deserialize(decoder)?)),
        SupportedKind::PersistentVolumeClaim => {
            Manifest::PersistentVolumeClaim(Box::new(PersistentVolumeClaim::deserialize(decoder)?))
        }
        SupportedKind::PodDisruptionBudget => {
            Manifest::PodDisruptionBudget(Box::new(PodDisruptionBudget::deserialize(decoder)?))
        }
        SupportedKind::HorizontalPodAutoscaler => Manifest::HorizontalPodAutoscaler(Box::new(
            HorizontalPodAutoscaler::deserialize(decoder)?,
        )),
        SupportedKind::HorizontalPodAutoscalerV1 => Manifest::HorizontalPodAutoscalerV1(Box::new(
            HorizontalPodAutoscalerV1::deserialize(decoder)?,
        )),
    })
}

macro_rules! type_metas {
    ($($ty:ty),* $(,)?) => {
        &[$((<$ty as Resource>::API_VERSION, <$ty as Resource>::KIND)),*]
    };
}

/// Kinds Kubernetes 1.36 serves that kubesim does not simulate (yet), read from k8s-openapi.
/// Where a kind is served in several versions, the preferred one comes first.
const OTHER_KINDS: &[(&str, &str)] = type_metas![
    api::core::v1::Binding,
    api::core::v1::ComponentStatus,
    api::core::v1::Endpoints,
    api::core::v1::Event,
    api::core::v1::PersistentVolume,
    api::core::v1::PodTemplate,
    api::core::v1::ReplicationController,
    api::core::v1::ServiceAccount,
    api::apps::v1::ControllerRevision,
    api::autoscaling::v1::Scale,
    api::policy::v1::Eviction,
    api::admissionregistration::v1::MutatingAdmissionPolicy,
    api::admissionregistration::v1::MutatingAdmissionPolicyBinding,
    api::admissionregistration::v1::MutatingWebhookConfiguration,
    api::admissionregistration::v1::ValidatingAdmissionPolicy,
    api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    api::admissionregistration::v1::ValidatingWebhookConfiguration,
    api::certificates::v1::CertificateSigningRequest,
    api::certificates::v1beta1::ClusterTrustBundle,
    api::coordination::v1::Lease,
    api::coordination::v1beta1::LeaseCandidate,
    api::discovery::v1::EndpointSlice,
    api::events::v1::Event,
    api::flowcontrol::v1::FlowSchema,
    api::flowcontrol::v1::PriorityLevelConfiguration,
    api::networking::v1::IPAddress,
    api::networking::v1::Ingress,
    api::networking::v1::IngressClass,
    api::networking::v1::NetworkPolicy,
    api::networking::v1::ServiceCIDR,
    api::node::v1::RuntimeClass,
    api::rbac::v1::ClusterRole,
    api::rbac::v1::ClusterRoleBinding,
    api::rbac::v1::Role,
    api::rbac::v1::RoleBinding,
    api::resource::v1::DeviceClass,
    api::resource::v1::ResourceClaim,
    api::resource::v1::ResourceClaimTemplate,
    api::resource::v1::ResourceSlice,
    api::storage::v1::CSIDriver,
    api::storage::v1::CSINode,
    api::storage::v1::CSIStorageCapacity,
    api::storage::v1::StorageClass,
    api::storage::v1::VolumeAttachment,
    api::storage::v1::VolumeAttributesClass,
    api::storagemigration::v1beta1::StorageVersionMigration,
    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
];

/// Every Kubernetes kind kubesim knows of, supported first.
fn known_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    SupportedKind::ALL
        .iter()
        .map(|kind| kind.type_meta())
        .chain(OTHER_KINDS.iter().copied())
}

fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// What to do with one object, judged by its `apiVersion` and `kind`.
enum Plan {
    Decode(SupportedKind),
    Skip(InputError),
    Reject(InputError),
}

fn plan(index: &YamlIndex, defaults: Option<(Option<&str>, &str)>) -> Plan {
    let api_version = type_meta(index, "apiVersion").or(defaults.and_then(|(api, _)| api));
    let kind = type_meta(index, "kind").or(defaults.map(|(_, kind)| kind));
    for field in ["apiVersion", "kind"] {
        if index.contains(field) && index.type_meta(field).is_none() {
            return Plan::Reject(index.error(field, format!("`{field}` must be a string")));
        }
    }
    let (api_version, kind) = match (api_version, kind) {
        (Some(api_version), Some(kind)) => (api_version, kind),
        (None, None) => {
            return Plan::Reject(index.error(
                "",
                "missing `apiVersion` and `kind`: this is not a Kubernetes object",
            ))
        }
        (None, Some(_)) => {
            return Plan::Reject(index.error("apiVersion", "missing field `apiVersion`"))
        }
        (Some(_), None) => return Plan::Reject(index.error("kind", "missing field `kind`")),
    };
    if let Some(supported) = SupportedKind::ALL
        .into_iter()
        .find(|supported| supported.type_meta() == (api_version, kind))
    {
        return Plan::Decode(supported);
    }
    if let Some(reason) = managed_kind(api_version, kind) {
        return Plan::Skip(index.error(
            "kind",
            format!("kind `{kind}` ({api_version}) {reason}; skipped"),
        ));
    }
    if OTHER_KINDS.contains(&(api_version, kind)) {
        return Plan::Skip(index.error(
            "kind",
            format!("kind `{kind}` ({api_version}) is not simulated by kubesim yet; skipped"),
        ));
    }
    if let Some((served, _)) = known_kinds().find(|(_, known)| *known == kind) {
        return Plan::Reject(
            index
                .error(
                    "apiVersion",
                    format!("Kubernetes 1.36 does not serve kind `{kind}` as `{api_version}`"),
                )
                .with_suggestion(Some(served.to_string())),
        );
    }
    let api_group = group(api_version);
    if api_group.contains('.') && !known_kinds().any(|(known, _)| group(known) == api_group) {
        return Plan::Skip(index.error(
            "kind",
            format!(
                "custom resource kind `{kind}` ({api_version}) is not simulated by kubesim; skipped"
            ),
        ));
    }
    let mut kinds: Vec<&str> = known_kinds().map(|(_, kind)| kind).collect();
    kinds.push("List");
    Plan::Reject(
        index
            .error(
                "kind",
                format!("`{kind}` is not a Kubernetes kind of apiVersion `{api_version}`"),
            )
            .with_suggestion(suggest(kind, &kinds)),
    )
}

/// Why a kind kubesim knows is not applied from a manifest, for the kinds whose objects the
/// simulated control plane makes itself.
fn managed_kind(api_version: &str, kind: &str) -> Option<&'static str> {
    use k8s_openapi::api::core::v1::Endpoints;
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    if (api_version, kind) == (EndpointSlice::API_VERSION, EndpointSlice::KIND) {
        Some(
            "is written by kubesim's EndpointSlice controller for every Service with a \
             selector; slices written by hand are not applied",
        )
    } else if (api_version, kind) == (Endpoints::API_VERSION, Endpoints::KIND) {
        Some(
            "belongs to the legacy Endpoints API (deprecated since 1.33), which kubesim does not \
             simulate; it keeps EndpointSlices",
        )
    } else {
        None
    }
}

/// Warnings about an object that is applied, for fields whose effect kubesim cannot model.
fn remarks(object: &LocatedManifest) -> Vec<InputError> {
    let Manifest::Service(service) = &object.manifest else {
        return Vec::new();
    };
    let ports = service
        .spec
        .as_ref()
        .and_then(|spec| spec.ports.as_deref())
        .unwrap_or_default();
    ports
        .iter()
        .enumerate()
        .filter_map(|(i, port)| match &port.target_port {
            Some(IntOrString::String(name)) if !name.is_empty() => Some(object.error(
                &format!("spec.ports[{i}].targetPort"),
                format!(
                    "targetPort {name:?} names a container port; kubesim does not model \
                     container ports yet, so the name never resolves and EndpointSlices leave \
                     this port out (as Kubernetes does for a pod without such a port)"
                ),
            )),
            _ => None,
        })
        .collect()
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut path = path;
    loop {
        path = match path {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segments.push(Segment::Index(*index));
                parent
            }
            serde_ignored::Path::Map { parent, key } => {
                segments.push(Segment::Key(key.clone()));
                parent
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => parent,
        };
    }
    segments.reverse();
    segments
}

struct FieldPath<'a>(&'a [Segment]);

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn unknown_field(index: &YamlIndex, path: &[Segment], names: Option<&[&str]>) -> InputError {
    let field = FieldPath(path).to_string();
    let (message, suggestion) = match path.last() {
        Some(Segment::Key(key)) => (
            format!("unknown field `{key}`"),
            names.and_then(|names| suggest(key, names)),
        ),
        _ => ("unexpected value".to_string(), None),
    };
    InputError::new(index.locate(&field), message)
        .with_field(field)
        .with_suggestion(suggestion)
}

/// A serde_yaml error (wrong type, missing field), located and with its field path.
fn decode_error(index: &YamlIndex, error: &serde_yaml::Error) -> InputError {
    let text = error.to_string();
    let Some(location) = error.location() else {
        return InputError::new(index.start(), text);
    };
    let (line, column) = (location.line(), location.column());
    let at = SourceLocation::new(index.file(), line, column);
    let located = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&located).unwrap_or(&text);
    if message.contains(" at line ") {
        // A syntax error from libyaml, stricter than yaml-rust2 in places; it names positions
        // in its own words and belongs to no field.
        return InputError::new(
            at,
            format!("invalid YAML: {}", text.replacen(&located, "", 1)),
        );
    }
    // serde_yaml prefixes the message with the path it was decoding.
    let (field, message) = match message.split_once(": ") {
        Some((path, rest)) if index.contains(path) => (path, rest),
        _ => (index.path_at(line, column).unwrap_or_default(), message),
    };
    InputError::new(at, message).with_field(field)
}

/// The field names serde accepts at `path` of an object of this kind.
///
/// k8s-openapi's types hand their field lists to `Deserializer::deserialize_struct`; a probe
/// deserializer walks down the path, offering one key or one item at each level, and records
/// the list it is given at the end of the path. So suggestions come from the exact API types,
/// not from a hand-kept table.
fn field_names(kind: SupportedKind, path: &[Segment]) -> Option<&'static [&'static str]> {
    let found = Cell::new(None);
    let probe = FieldProbe {
        path,
        found: &found,
    };
    // The probe always ends in an error; what matters is what it saw on the way.
    let _ = decode(kind, probe);
    found.get()
}

#[derive(Clone, Copy)]
struct FieldProbe<'a> {
    path: &'a [Segment],
    found: &'a Cell<Option<&'static [&'static str]>>,
}

type ProbeError = de::value::Error;

impl FieldProbe<'_> {
    fn stop<T>() -> Result<T, ProbeError> {
        Err(de::Error::custom("field probe"))
    }

    fn visit_one_key<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        match self.path.split_first() {
            Some((Segment::Key(key), rest)) => visitor.visit_map(ProbeMap {
                key: Some(key),
                value: FieldProbe {
                    path: rest,
                    found: self.found,
                },
            }),
            _ => Self::stop(),
        }
    }
}

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ProbeError> {
        Self::stop()
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        if self.path.is_empty() {
            self.found.set(Some(fields));
            return Self::stop();
        }
        self.visit_one_key(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.visit_one_key(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        match self.path.split_first() {
            Some((Segment::Index(_), rest)) => visitor.visit_seq(ProbeSeq {
                item: Some(FieldProbe {
                    path: rest,
                    found: self.found,
                }),
            }),
            _ => Self::stop(),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct tuple tuple_struct enum identifier ignored_any
    }
}

struct ProbeMap<'a> {
    key: Option<&'a str>,
    value: FieldProbe<'a>,
}

impl<'de> de::MapAccess<'de> for ProbeMap<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        match self.key.take() {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        seed.deserialize(self.value)
    }
}

struct ProbeSeq<'a> {
    item: Option<FieldProbe<'a>>,
}

impl<'de> de::SeqAccess<'de> for ProbeSeq<'_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ProbeError> {
        self.item
            .take()
            .map(|item| seed.deserialize(item))
            .transpose()
    }
}

/// Decodes a `List`: the items of supported kinds into manifests, the others skipped.
struct ListSeed<'a> {
    kinds: &'a [Option<SupportedKind>],
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Vec<Option<Manifest>>;

    fn deserialize<D: Deserializer<'de>>(self, decoder: D) -> Result<Self::Value, D::Error> {
        decoder.deserialize_struct("List", LIST_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Vec<Option<Manifest>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a List")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "items" => items = map.next_value_seed(ItemsSeed { kinds: self.kinds })?,
                "apiVersion" | "kind" | "metadata" => {
                    map.next_value::<Skip>()?;
                }
                // Reported as an unknown field.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(items)
    }
}

struct ItemsSeed<'a> {
    kinds: &'a [Option<SupportedKind>],
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<Option<Manifest>>;

    fn deserialize<D: Deserializer<'de>>(self, decoder: D) -> Result<Self::Value, D::Error> {
        decoder.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<Option<Manifest>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of Kubernetes objects")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let kind = self.kinds.get(items.len()).copied().flatten();
            match seq.next_element_seed(ItemSeed(kind))? {
                Some(item) => items.push(item),
                None => return Ok(items),
            }
        }
    }
}

struct ItemSeed(Option<SupportedKind>);

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = Option<Manifest>;

    fn deserialize<D: Deserializer<'de>>(self, decoder: D) -> Result<Self::Value, D::Error> {
        match self.0 {
            Some(kind) => decode(kind, decoder).map(Some),
            None => Skip::deserialize(decoder).map(|Skip| None),
        }
    }
}

/// Consumes any value without reporting its fields as unknown: serde_ignored reports every
/// value decoded as `IgnoredAny`, which is right for typos but not for objects kubesim skips.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(decoder: D) -> Result<Self, D::Error> {
        decoder.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_some<D: Deserializer<'de>>(self, decoder: D) -> Result<Skip, D::Error> {
        Skip::deserialize(decoder)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, decoder: D) -> Result<Skip, D::Error> {
        Skip::deserialize(decoder)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Skip, A::Error> {
        use de::VariantAccess;
        let (Skip, variant) = data.variant::<Skip>()?;
        variant.newtype_variant::<Skip>()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match load_manifests("m.yaml", text) {
            Ok(loaded) => panic!("expected errors, loaded {} objects", loaded.objects.len()),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx
";

    #[test]
    fn multi_document_file_with_list_and_unsupported_kind() {
        let text = format!(
            "# leading comment\n---\n{DEPLOYMENT}---\n\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Node
    metadata:
      name: node-1
  - apiVersion: v1
    kind: PodTemplate
    metadata:
      name: settings
  - apiVersion: v1
    kind: Pod
    metadata:
      name: lone
    spec:
      containers:
        - name: app
          image: busybox
"
        );
        let loaded = load_manifests("multi.yaml", &text).unwrap();
        let kinds: Vec<_> = loaded.objects.iter().map(|o| o.manifest.kind()).collect();
        assert_eq!(kinds, ["Deployment", "Node", "Pod"]);
        let names: Vec<_> = loaded.objects.iter().map(|o| o.manifest.name()).collect();
        assert_eq!(names, [Some("web"), Some("node-1"), Some("lone")]);
        assert_eq!(loaded.objects[0].location.to_string(), "multi.yaml:3:1");
        // The third document starts at line 23 (`---`); its items are located absolutely.
        assert_eq!(loaded.objects[1].location.to_string(), "multi.yaml:27:5");
        let pod = &loaded.objects[2];
        assert_eq!(pod.location.line, 35);
        assert_eq!(
            pod.locate("spec.containers[0].image").to_string(),
            "multi.yaml:42:11"
        );
        assert_eq!(
            pod.error("spec.containers[0].image", "bad image")
                .to_string(),
            "multi.yaml:42:11: field `items[2].spec.containers[0].image`: bad image"
        );
        let warnings: Vec<_> = loaded.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "multi.yaml:20:1: field `kind`: kind `ServiceAccount` (v1) is not simulated by \
                 kubesim yet; skipped",
                "multi.yaml:32:5: field `items[1].kind`: kind `PodTemplate` (v1) is not simulated \
                 by kubesim yet; skipped",
            ]
        );
    }

    #[test]
    fn kubectl_get_dump_decodes() {
        let text = include_str!("../tests/fixtures/manifests/kubectl-get.yaml");
        let loaded = load_manifests("get.yaml", text).unwrap();
        let kinds: Vec<_> = loaded.objects.iter().map(|o| o.manifest.kind()).collect();
        assert_eq!(kinds, ["Deployment", "Service", "Pod"]);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let Manifest::Deployment(deployment) = &loaded.objects[0].manifest else {
            panic!("not a deployment");
        };
        assert_eq!(deployment.spec.as_ref().and_then(|s| s.replicas), Some(3));
        assert_eq!(loaded.objects[0].locate("spec.replicas").line, 19);
        assert_eq!(loaded.objects[1].location.line, 64);
        assert_eq!(loaded.objects[2].locate("spec.nodeName").line, 103);
    }

    #[test]
    fn services_decode_and_hand_written_endpoints_are_skipped() {
        let text = "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abcde}
addressType: IPv4
endpoints: []
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
";
        let loaded = load_manifests("svc.yaml", text).unwrap();
        let kinds: Vec<_> = loaded.objects.iter().map(|o| o.manifest.kind()).collect();
        assert_eq!(kinds, ["Service"]);
        let warnings: Vec<_> = loaded.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "svc.yaml:7:28: field `spec.ports[0].targetPort`: targetPort \"http\" names a \
                 container port"
            ),
            "{warnings:?}"
        );
        assert_eq!(
            warnings[1],
            "svc.yaml:11:1: field `kind`: kind `EndpointSlice` (discovery.k8s.io/v1) is written \
             by kubesim's EndpointSlice controller for every Service with a selector; slices \
             written by hand are not applied; skipped"
        );
        assert!(
            warnings[2].starts_with("svc.yaml:17:1: field `kind`: kind `Endpoints` (v1) belongs")
        );
        // Unknown Service fields are errors with a suggestion, as for every kind.
        let typo = text.replace("selector: {app: web}", "selectr: {app: web}");
        assert_eq!(
            errors(&typo)[0],
            "m.yaml:5:3: field `spec.selectr`: unknown field `selectr` (did you mean \
             `selector`?)"
        );
    }

    #[test]
    fn typed_list_items_inherit_kind() {
        let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n  spec:\n    containers: [{name: c}]\n";
        let loaded = load_manifests("pods.yaml", text).unwrap();
        assert_eq!(loaded.objects.len(), 1);
        assert_eq!(loaded.objects[0].manifest.name(), Some("a"));
    }

    #[test]
    fn unknown_fields_are_errors_with_suggestions() {
        let text = DEPLOYMENT
            .replace("  replicas: 2", "  replicaz: 2")
            .replace(
                "          image: nginx",
                "          image: nginx\n          imagePullPolicyy: Always",
            );
        assert_eq!(
            errors(&text),
            [
                "m.yaml:6:3: field `spec.replicaz`: unknown field `replicaz` (did you mean \
                 `replicas`?)",
                "m.yaml:16:11: field `spec.template.spec.containers[0].imagePullPolicyy`: \
                 unknown field `imagePullPolicyy` (did you mean `imagePullPolicy`?)",
            ]
        );
    }

    #[test]
    fn unknown_fields_in_list_items_and_the_list() {
        let text = "apiVersion: v1\nkind: List\nitemz: []\nitems:\n- apiVersion: v1\n  kind: Node\n  metdata: {name: n}\n";
        assert_eq!(
            errors(text),
            [
                "m.yaml:3:1: field `itemz`: unknown field `itemz` (did you mean `items`?)",
                "m.yaml:7:3: field `items[0].metdata`: unknown field `metdata` (did you mean \
                 `metadata`?)",
            ]
        );
    }

    #[test]
    fn wrong_type_is_located_with_its_field() {
        let text = DEPLOYMENT.replace("replicas: 2", "replicas: three");
        assert_eq!(
            errors(&text),
            ["m.yaml:6:13: field `spec.replicas`: invalid type: string \"three\", expected i32"]
        );
        let text = format!(
            "{DEPLOYMENT}---\n{}",
            DEPLOYMENT.replace("- name: nginx", "- name: [x]")
        );
        assert_eq!(
            errors(&text),
            [
                "m.yaml:30:17: field `spec.template.spec.containers[0].name`: invalid type: \
                 sequence, expected a string"
            ]
        );
    }

    #[test]
    fn wrong_type_in_a_list_item_names_the_item() {
        let text = "kind: List\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: a\n      ports:\n      - containerPort: http\n";
        assert_eq!(
            errors(text),
            [
                "m.yaml:10:24: field `items[0].spec.containers[0].ports[0].containerPort`: \
                 invalid type: string \"http\", expected i32"
            ]
        );
    }

    #[test]
    fn malformed_yaml_is_an_error_not_a_panic() {
        let bad_indent = errors("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   labels: {}\n");
        assert_eq!(
            bad_indent,
            ["m.yaml:5:10: invalid YAML: mapping values are not allowed in this context"]
        );
        let tab = errors("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: a\n");
        assert_eq!(
            tab,
            ["m.yaml:4:2: invalid YAML: tabs disallowed within this context (block indentation)"]
        );
        // yaml-rust2 lets this through; libyaml (inside serde_yaml) does not.
        assert_eq!(
            errors("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {app: >web}\n"),
            [
                "m.yaml:4:17: invalid YAML: found character that cannot start any token, while \
                 scanning for the next token"
            ]
        );
        let quote = errors(&format!("{DEPLOYMENT}---\nkind: 'Pod\n"));
        assert_eq!(quote.len(), 1);
        assert!(
            quote[0].starts_with("m.yaml:17:7: invalid YAML"),
            "{quote:?}"
        );
    }

    #[test]
    fn missing_kind_and_api_version() {
        assert_eq!(
            errors("---\napiVersion: v1\nmetadata: {name: a}\n"),
            ["m.yaml:2:1: field `kind`: missing field `kind`"]
        );
        assert_eq!(
            errors("metadata: {name: a}\n"),
            ["m.yaml:1:1: missing `apiVersion` and `kind`: this is not a Kubernetes object"]
        );
        assert_eq!(
            errors("apiVersion: v1\nkind: {name: Pod}\n"),
            ["m.yaml:2:1: field `kind`: `kind` must be a string"]
        );
        assert_eq!(
            errors("- a\n- b\n"),
            ["m.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion and kind)"]
        );
    }

    #[test]
    fn unknown_kinds_and_versions() {
        assert_eq!(
            errors(&DEPLOYMENT.replace("kind: Deployment", "kind: Deplyment")),
            [
                "m.yaml:2:1: field `kind`: `Deplyment` is not a Kubernetes kind of apiVersion \
                 `apps/v1` (did you mean `Deployment`?)"
            ]
        );
        assert_eq!(
            errors(&DEPLOYMENT.replace("apps/v1", "extensions/v1beta1")),
            [
                "m.yaml:1:1: field `apiVersion`: Kubernetes 1.36 does not serve kind \
                 `Deployment` as `extensions/v1beta1` (did you mean `apps/v1`?)"
            ]
        );
        let loaded = load_manifests(
            "cr.yaml",
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n",
        )
        .unwrap();
        assert!(loaded.objects.is_empty());
        assert_eq!(
            loaded.warnings[0].to_string(),
            "cr.yaml:2:1: field `kind`: custom resource kind `Certificate` \
             (cert-manager.io/v1) is not simulated by kubesim; skipped"
        );
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let text = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
";
        // Expanded, this is 10^9 nodes: the scan refuses it before anything expands it.
        let found = errors(text);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("m.yaml:11:"), "{found:?}");
        assert!(found[0].contains("alias bomb"), "{found:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {}{}\n",
            "[".repeat(140),
            "]".repeat(140)
        );
        let found = errors(&deep);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("m.yaml:4:142:"), "{found:?}");
        assert!(found[0].contains("deeper than 128"), "{found:?}");
        // The YAML scanner has its own, higher, limit for flow collections.
        let deeper = deep.replace(&"[".repeat(140), &"[".repeat(300));
        let deeper = deeper.replace(&"]".repeat(140), &"]".repeat(300));
        assert_eq!(errors(&deeper).len(), 1);
        // Just inside the limit, under an unknown field: decoded and reported, no overflow.
        let inside = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  bogus: {}{}\n",
            "[".repeat(126),
            "]".repeat(126)
        );
        assert_eq!(
            errors(&inside),
            ["m.yaml:4:3: field `metadata.bogus`: unknown field `bogus`"]
        );
    }

    #[test]
    fn empty_documents_are_skipped() {
        let text = format!("---\n# nothing\n---\n---\n{DEPLOYMENT}---\n~\n...\n");
        let loaded = load_manifests("e.yaml", &text).unwrap();
        assert_eq!(loaded.objects.len(), 1);
        assert_eq!(loaded.objects[0].location.line, 5);
        assert!(load_manifests("e.yaml", "").unwrap().objects.is_empty());
        let empty_list = load_manifests("e.yaml", "apiVersion: v1\nkind: List\n").unwrap();
        assert!(empty_list.objects.is_empty() && empty_list.warnings.is_empty());
        let bom = format!("\u{feff}# c\n---\n{DEPLOYMENT}");
        assert_eq!(
            load_manifests("e.yaml", &bom).unwrap().objects[0]
                .location
                .line,
            3
        );
        assert!(load_manifests("e.yaml", "# only\n")
            .unwrap()
            .objects
            .is_empty());
    }

    #[test]
    fn field_probe_reads_k8s_openapi_field_lists() {
        let path = [Segment::Key("spec".into())];
        let names = field_names(SupportedKind::Pod, &path).unwrap();
        assert!(names.contains(&"containers") && names.contains(&"nodeName"));
        let path = [
            Segment::Key("spec".into()),
            Segment::Key("template".into()),
            Segment::Key("spec".into()),
            Segment::Key("containers".into()),
            Segment::Index(0),
            Segment::Key("resources".into()),
        ];
        let names = field_names(SupportedKind::Deployment, &path).unwrap();
        assert!(names.contains(&"limits") && names.contains(&"requests"));
        assert_eq!(
            field_names(SupportedKind::Node, &[Segment::Key("nope".into())]),
            None
        );
    }
}
