//! Namespaces, ResourceQuotas, LimitRanges, PriorityClasses, ConfigMaps and Secrets, and
//! the ConfigMap/Secret references of a container's environment (k8s-semantics §10.5–10.6).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1 as api;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use sim_core::objects::{
    ConfigMap, ConfigRef, ConfigSource, Kind, LimitRange, LimitRangeItem, LimitType, Namespace,
    NamespacePhase, PreemptionPolicy, PriorityClass, ResourceQuota, ResourceUnit, Secret,
};

use super::{dns1123_label_errors, invalid, not_supported, quoted, required, Checker};
use crate::quantity::{parse_bytes, parse_cpu_millis};
use crate::source::suggest;

/// The resource names a ResourceQuota may limit besides `count/…`, extended resources and
/// huge pages (`standardQuotaResources` of the API's validation).
const STANDARD_QUOTA_RESOURCES: [&str; 19] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// The largest value of a PriorityClass users may create (`HighestUserDefinablePriority`).
const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;

/// A ConfigMap or Secret key: `[-._a-zA-Z0-9]+`, at most 253 characters.
fn config_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if key.is_empty() || key.len() > 253 {
        errors.push("must be no more than 253 characters".to_string());
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        errors.push(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' \
             (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is \
             '[-._a-zA-Z0-9]+')"
                .to_string(),
        );
    }
    if key == "." || key == ".." {
        errors.push("must not be '.' or '..'".to_string());
    }
    errors
}

impl Checker<'_> {
    pub(super) fn namespace(&mut self, namespace: &api::Namespace) -> Namespace {
        let meta = self.meta(&namespace.metadata, Kind::Namespace);
        if !meta.name.is_empty() && meta.name.len() <= 253 {
            for message in dns1123_label_errors(&meta.name) {
                self.error("metadata.name", invalid(quoted(&meta.name), &message));
            }
        }
        let mut ns = Namespace::new(&meta.name);
        let labels = meta.labels.clone();
        ns.meta = meta;
        ns.meta.labels.extend(labels);
        ns.meta.labels.insert(
            "kubernetes.io/metadata.name".to_string(),
            ns.meta.name.clone(),
        );
        ns.phase = NamespacePhase::Active;
        ns
    }

    /// One amount of a quota or limit range, in the unit its name implies.
    fn policy_amount(&mut self, name: &str, quantity: &ApiQuantity, at: &str) -> Option<u64> {
        let text = quantity.0.as_str();
        let parsed = match ResourceUnit::of(name) {
            ResourceUnit::Millis => parse_cpu_millis(text),
            ResourceUnit::Bytes => parse_bytes(text),
            ResourceUnit::Count => parse_cpu_millis(text).map(|m| m.div_ceil(1000)),
        };
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.error(at, error.to_string());
                None
            }
        }
    }

    pub(super) fn resource_quota(&mut self, quota: &api::ResourceQuota) -> ResourceQuota {
        let meta = self.meta(&quota.metadata, Kind::ResourceQuota);
        let spec = quota.spec.clone().unwrap_or_default();
        if spec.scopes.as_ref().is_some_and(|s| !s.is_empty()) {
            self.error(
                "spec.scopes",
                "quota scopes are not simulated by kubesim yet; every quota applies to the \
                 whole namespace",
            );
        }
        if spec.scope_selector.is_some() {
            self.error(
                "spec.scopeSelector",
                "quota scope selectors are not simulated by kubesim yet; every quota applies \
                 to the whole namespace",
            );
        }
        let mut hard = BTreeMap::new();
        for (name, quantity) in spec.hard.iter().flatten() {
            let at = format!("spec.hard.{name}");
            let standard = STANDARD_QUOTA_RESOURCES.contains(&name.as_str())
                || name.starts_with("count/")
                || name.starts_with("requests.hugepages-")
                || name.starts_with("hugepages-")
                || name.contains('/');
            if !standard {
                let suggestion = suggest(name, &STANDARD_QUOTA_RESOURCES);
                self.error_at(
                    &at,
                    &at,
                    invalid(quoted(name), "must be a standard resource for quota"),
                    suggestion,
                );
                continue;
            }
            if let Some(value) = self.policy_amount(name, quantity, &at) {
                hard.insert(name.clone(), value);
            }
        }
        ResourceQuota {
            meta,
            hard,
            used: BTreeMap::new(),
        }
    }

    fn policy_list(
        &mut self,
        list: Option<&BTreeMap<String, ApiQuantity>>,
        path: &str,
    ) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (name, quantity) in list.into_iter().flatten() {
            let at = format!("{path}.{name}");
            if let Some(value) = self.policy_amount(name, quantity, &at) {
                out.insert(name.clone(), value);
            }
        }
        out
    }

    pub(super) fn limit_range(&mut self, range: &api::LimitRange) -> LimitRange {
        let meta = self.meta(&range.metadata, Kind::LimitRange);
        let spec = range.spec.clone().unwrap_or_default();
        let mut limits = Vec::new();
        for (i, item) in spec.limits.iter().enumerate() {
            let path = format!("spec.limits[{i}]");
            let limit_type = match item.type_.as_str() {
                "Container" => LimitType::Container,
                "Pod" => LimitType::Pod,
                "PersistentVolumeClaim" => LimitType::PersistentVolumeClaim,
                "" => {
                    self.error(&format!("{path}.type"), required(""));
                    continue;
                }
                other => {
                    self.error(
                        &format!("{path}.type"),
                        not_supported(other, &["Container", "Pod", "PersistentVolumeClaim"]),
                    );
                    continue;
                }
            };
            let max = self.policy_list(item.max.as_ref(), &format!("{path}.max"));
            let min = self.policy_list(item.min.as_ref(), &format!("{path}.min"));
            let mut default = self.policy_list(item.default.as_ref(), &format!("{path}.default"));
            let mut default_request = self.policy_list(
                item.default_request.as_ref(),
                &format!("{path}.defaultRequest"),
            );
            let ratio_path = format!("{path}.maxLimitRequestRatio");
            let mut max_limit_request_ratio_millis = BTreeMap::new();
            for (name, quantity) in item.max_limit_request_ratio.iter().flatten() {
                match parse_cpu_millis(&quantity.0) {
                    Ok(ratio) if ratio < 1000 => self.error(
                        &format!("{ratio_path}.{name}"),
                        invalid(
                            quoted(&quantity.0),
                            "ratio must be greater than or equal to 1",
                        ),
                    ),
                    Ok(ratio) => {
                        max_limit_request_ratio_millis.insert(name.clone(), ratio);
                    }
                    Err(error) => self.error(&format!("{ratio_path}.{name}"), error.to_string()),
                }
            }
            if limit_type == LimitType::Pod {
                for (field, list) in [("default", &default), ("defaultRequest", &default_request)] {
                    if !list.is_empty() {
                        self.error(
                            &format!("{path}.{field}"),
                            "Forbidden: may not be specified when `type` is 'Pod'",
                        );
                    }
                }
            }
            for (name, low) in &min {
                if let Some(high) = max.get(name).filter(|high| low > *high) {
                    let unit = ResourceUnit::of(name);
                    self.error(
                        &format!("{path}.min.{name}"),
                        invalid(
                            quoted(&unit.format(*low)),
                            &format!(
                                "min value {} is greater than max value {}",
                                unit.format(*low),
                                unit.format(*high)
                            ),
                        ),
                    );
                }
            }
            // SetDefaults_LimitRangeItem, container items only: default ← max,
            // defaultRequest ← default, then ← min.
            if limit_type == LimitType::Container {
                for (name, value) in &max {
                    default.entry(name.clone()).or_insert(*value);
                }
                for (name, value) in default.iter().chain(&min) {
                    default_request.entry(name.clone()).or_insert(*value);
                }
            }
            limits.push(LimitRangeItem {
                limit_type,
                max,
                min,
                default,
                default_request,
                max_limit_request_ratio_millis,
            });
        }
        LimitRange { meta, limits }
    }

    pub(super) fn priority_class(&mut self, class: &scheduling::PriorityClass) -> PriorityClass {
        let meta = self.meta(&class.metadata, Kind::PriorityClass);
        if meta.name.starts_with("system-") {
            self.error(
                "metadata.name",
                invalid(
                    quoted(&meta.name),
                    "priority class names with 'system-' prefix are reserved",
                ),
            );
        }
        // `value` is a plain int32 in the Go type: left out, it is 0.
        let value = class.value.unwrap_or(0);
        if value > HIGHEST_USER_DEFINABLE_PRIORITY {
            self.error(
                "value",
                invalid(
                    value,
                    &format!(
                        "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
                    ),
                ),
            );
        }
        let preemption_policy = match class.preemption_policy.as_deref() {
            None | Some("PreemptLowerPriority") => PreemptionPolicy::PreemptLowerPriority,
            Some("Never") => PreemptionPolicy::Never,
            Some(other) => {
                self.error(
                    "preemptionPolicy",
                    not_supported(other, &["Never", "PreemptLowerPriority"]),
                );
                PreemptionPolicy::PreemptLowerPriority
            }
        };
        PriorityClass {
            meta,
            value,
            global_default: class.global_default.unwrap_or(false),
            preemption_policy,
            description: class.description.clone().unwrap_or_default(),
        }
    }

    fn config_keys<'k>(
        &mut self,
        keys: impl Iterator<Item = (&'k String, String)>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (key, at) in keys {
            for message in config_key_errors(key) {
                self.error(&at, invalid(quoted(key), &message));
            }
            out.insert(key.clone());
        }
        out
    }

    pub(super) fn config_map(&mut self, map: &api::ConfigMap) -> ConfigMap {
        let meta = self.meta(&map.metadata, Kind::ConfigMap);
        let data = map
            .data
            .iter()
            .flatten()
            .map(|(k, _)| (k, format!("data.{k}")));
        let mut keys = self.config_keys(data);
        for key in map.binary_data.iter().flatten().map(|(k, _)| k) {
            let at = format!("binaryData.{key}");
            if keys.contains(key) {
                self.error(
                    &at,
                    invalid(quoted(key), "duplicate of key present in data"),
                );
            }
            for message in config_key_errors(key) {
                self.error(&at, invalid(quoted(key), &message));
            }
            keys.insert(key.clone());
        }
        ConfigMap {
            meta,
            keys,
            immutable: map.immutable.unwrap_or(false),
        }
    }

    pub(super) fn secret(&mut self, secret: &api::Secret) -> Secret {
        let meta = self.meta(&secret.metadata, Kind::Secret);
        let data = secret
            .data
            .iter()
            .flatten()
            .map(|(k, _)| (k, format!("data.{k}")));
        let mut keys = self.config_keys(data);
        let string_data = secret
            .string_data
            .iter()
            .flatten()
            .map(|(k, _)| (k, format!("stringData.{k}")));
        keys.extend(self.config_keys(string_data));
        Secret {
            meta,
            secret_type: secret.type_.clone().unwrap_or_else(|| "Opaque".to_string()),
            keys,
            immutable: secret.immutable.unwrap_or(false),
        }
    }

    /// The ConfigMaps and Secrets a container reads through `env[].valueFrom` and `envFrom`.
    pub(super) fn config_refs(&mut self, container: &api::Container, path: &str) -> Vec<ConfigRef> {
        let mut refs = Vec::new();
        for (i, var) in container.env.iter().flatten().enumerate() {
            let Some(from) = &var.value_from else {
                continue;
            };
            let at = format!("{path}.env[{i}].valueFrom");
            if let Some(r) = &from.config_map_key_ref {
                self.require_ref_name(&r.name, &format!("{at}.configMapKeyRef.name"));
                refs.push(ConfigRef {
                    source: ConfigSource::ConfigMap,
                    name: r.name.clone(),
                    key: Some(r.key.clone()),
                    optional: r.optional.unwrap_or(false),
                });
            }
            if let Some(r) = &from.secret_key_ref {
                self.require_ref_name(&r.name, &format!("{at}.secretKeyRef.name"));
                refs.push(ConfigRef {
                    source: ConfigSource::Secret,
                    name: r.name.clone(),
                    key: Some(r.key.clone()),
                    optional: r.optional.unwrap_or(false),
                });
            }
        }
        for (i, source) in container.env_from.iter().flatten().enumerate() {
            let at = format!("{path}.envFrom[{i}]");
            if let Some(r) = &source.config_map_ref {
                self.require_ref_name(&r.name, &format!("{at}.configMapRef.name"));
                refs.push(ConfigRef {
                    source: ConfigSource::ConfigMap,
                    name: r.name.clone(),
                    key: None,
                    optional: r.optional.unwrap_or(false),
                });
            }
            if let Some(r) = &source.secret_ref {
                self.require_ref_name(&r.name, &format!("{at}.secretRef.name"));
                refs.push(ConfigRef {
                    source: ConfigSource::Secret,
                    name: r.name.clone(),
                    key: None,
                    optional: r.optional.unwrap_or(false),
                });
            }
        }
        refs
    }

    fn require_ref_name(&mut self, name: &str, at: &str) {
        if name.is_empty() {
            self.error(at, required(""));
        }
    }
}
