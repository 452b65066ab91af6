//! `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`) files, and the choice of
//! scheduler a scenario or the command line makes (`binpack`, or a configuration file).
//!
//! The file is decoded strictly (an unknown field is an error with file, line, field path and
//! a suggestion, as for manifests), then defaulted the way kube-scheduler's v1 defaulting
//! and framework do it:
//!
//! * `profiles` empty → one profile `default-scheduler`; `schedulerName` defaults to it.
//! * `plugins.multiPoint` is merged into the default plugin set (k8s-semantics 9.1) as
//!   `mergePluginSet` does: `disabled` removes defaults (`*` all of them), an enabled default
//!   is re-configured in place (its weight replaced), other enabled plugins are appended.
//! * `plugins.filter` / `plugins.score` then override the multi-point expansion as
//!   `expandMultiPointPlugins` does: a plugin enabled there keeps its own position first,
//!   `disabled` drops multi-point plugins at that point (`*`: all), and a score weight given
//!   at `score` wins over the multi-point one; weight 0 means 1.
//! * `pluginConfig[].args` are decoded into their typed Args with v1 defaults and
//!   validated with kube-scheduler's messages.
//!
//! kube-scheduler plugins kubesim does not simulate (yet) are accepted by name and skipped,
//! with a warning when the file enables one explicitly; a name that is neither registered
//! nor a kube-scheduler plugin is an error with a suggestion from the registry.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use sim_core::scheduler::plugins::{
    names, NodeResourcesFitArgs, ScoringStrategy, UtilizationShape,
};
use sim_core::scheduler::policies::{registry_with_policy_plugins, Policy};
use sim_core::scheduler::registry::{
    ExtensionPoint as Point, Profile, ProfileConfig, Registry, DEFAULT_SCHEDULER_NAME,
};

use crate::source::{suggest, InputError, InputErrors, SourceLocation, YamlIndex};

/// `apiVersion` of scheduler configuration files.
pub const SCHEDULER_CONFIG_API_VERSION: &str = "kubescheduler.config.k8s.io/v1";

/// kube-scheduler's in-tree plugins (names as `framework/plugins/names` spells them).
pub const KUBE_SCHEDULER_PLUGINS: [&str; 19] = [
    "SchedulingGates",
    "PrioritySort",
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "PodTopologySpread",
    "InterPodAffinity",
    "DynamicResources",
    "DefaultPreemption",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
    "DefaultBinder",
];

/// The v1 default `multiPoint.enabled` list with weights (`default_plugins.go`, with
/// DynamicResources inserted before DefaultPreemption as DRA is GA; k8s-semantics 9.1).
pub const DEFAULT_MULTI_POINT: [(&str, i64); 19] = [
    ("SchedulingGates", 0),
    ("PrioritySort", 0),
    ("NodeUnschedulable", 0),
    ("NodeName", 0),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", 0),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", 0),
    ("NodeVolumeLimits", 0),
    ("VolumeBinding", 0),
    ("VolumeZone", 0),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", 0),
    ("DefaultPreemption", 0),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", 0),
];

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConfigFile {
    api_version: String,
    kind: String,
    #[serde(default)]
    parallelism: Option<i64>,
    #[serde(default)]
    leader_election: Option<serde_yaml::Value>,
    #[serde(default)]
    client_connection: Option<serde_yaml::Value>,
    #[serde(default)]
    enable_profiling: Option<bool>,
    #[serde(default)]
    enable_contention_profiling: Option<bool>,
    #[serde(default)]
    percentage_of_nodes_to_score: Option<i64>,
    #[serde(default)]
    pod_initial_backoff_seconds: Option<i64>,
    #[serde(default)]
    pod_max_backoff_seconds: Option<i64>,
    #[serde(default)]
    profiles: Vec<ProfileFile>,
    #[serde(default)]
    extenders: Vec<serde_yaml::Value>,
    #[serde(default)]
    delay_cache_until_active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ProfileFile {
    #[serde(default)]
    scheduler_name: Option<String>,
    #[serde(default)]
    percentage_of_nodes_to_score: Option<i64>,
    #[serde(default)]
    plugins: Option<PluginsFile>,
    #[serde(default)]
    plugin_config: Vec<PluginConfigFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginsFile {
    #[serde(default)]
    pre_enqueue: PluginSetFile,
    #[serde(default)]
    queue_sort: PluginSetFile,
    #[serde(default)]
    pre_filter: PluginSetFile,
    #[serde(default)]
    filter: PluginSetFile,
    #[serde(default)]
    post_filter: PluginSetFile,
    #[serde(default)]
    pre_score: PluginSetFile,
    #[serde(default)]
    score: PluginSetFile,
    #[serde(default)]
    reserve: PluginSetFile,
    #[serde(default)]
    permit: PluginSetFile,
    #[serde(default)]
    pre_bind: PluginSetFile,
    #[serde(default)]
    bind: PluginSetFile,
    #[serde(default)]
    post_bind: PluginSetFile,
    #[serde(default)]
    multi_point: PluginSetFile,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginSetFile {
    #[serde(default)]
    enabled: Vec<PluginFile>,
    #[serde(default)]
    disabled: Vec<PluginFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginFile {
    name: String,
    #[serde(default)]
    weight: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginConfigFile {
    name: String,
    #[serde(default)]
    args: Option<serde_yaml::Value>,
}

/// `NodeResourcesFitArgs` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FitArgsFile {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    ignored_resources: Vec<String>,
    #[serde(default)]
    ignored_resource_groups: Vec<String>,
    #[serde(default)]
    scoring_strategy: Option<ScoringStrategyFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScoringStrategyFile {
    #[serde(default, rename = "type")]
    type_: Option<String>,
    #[serde(default)]
    resources: Vec<ResourceSpecFile>,
    #[serde(default)]
    requested_to_capacity_ratio: Option<RequestedToCapacityRatioFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpecFile {
    name: String,
    #[serde(default)]
    weight: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestedToCapacityRatioFile {
    #[serde(default)]
    shape: Vec<UtilizationShapePointFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UtilizationShapePointFile {
    utilization: i64,
    score: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BalancedArgsFile {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    resources: Vec<ResourceSpecFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InterPodAffinityArgsFile {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    hard_pod_affinity_weight: Option<i64>,
    #[serde(default)]
    ignore_preferred_terms_of_existing_pods: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodTopologySpreadArgsFile {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    default_constraints: Vec<DefaultConstraintFile>,
    #[serde(default)]
    defaulting_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefaultConstraintFile {
    max_skew: i64,
    #[serde(default)]
    topology_key: String,
    #[serde(default)]
    when_unsatisfiable: String,
    #[serde(default)]
    label_selector: Option<serde_yaml::Value>,
    #[serde(default)]
    min_domains: Option<i64>,
    #[serde(default)]
    node_affinity_policy: Option<String>,
    #[serde(default)]
    node_taints_policy: Option<String>,
    #[serde(default)]
    match_label_keys: Vec<String>,
}

/// Every field name an Args type above knows, for suggestions.
const ARGS_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "ignoredResources",
    "ignoredResourceGroups",
    "scoringStrategy",
    "type",
    "resources",
    "requestedToCapacityRatio",
    "shape",
    "utilization",
    "score",
    "name",
    "weight",
    "hardPodAffinityWeight",
    "ignorePreferredTermsOfExistingPods",
    "defaultConstraints",
    "defaultingType",
    "maxSkew",
    "topologyKey",
    "whenUnsatisfiable",
    "labelSelector",
    "minDomains",
    "nodeAffinityPolicy",
    "nodeTaintsPolicy",
    "matchLabelKeys",
];

/// `InterPodAffinityArgs`, defaulted and validated, kept for the InterPodAffinity plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterPodAffinityArgs {
    /// `hardPodAffinityWeight`, 0..=100, default 1.
    pub hard_pod_affinity_weight: i64,
    /// `ignorePreferredTermsOfExistingPods`, default false.
    pub ignore_preferred_terms_of_existing_pods: bool,
}

/// One of `PodTopologySpreadArgs.defaultConstraints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultConstraint {
    /// `maxSkew` (> 0).
    pub max_skew: i64,
    /// `topologyKey`.
    pub topology_key: String,
    /// `DoNotSchedule` or `ScheduleAnyway`.
    pub when_unsatisfiable: String,
}

/// `PodTopologySpreadArgs`, defaulted and validated, kept for the PodTopologySpread plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTopologySpreadArgs {
    /// `defaultConstraints` (empty with `System`).
    pub default_constraints: Vec<DefaultConstraint>,
    /// `System` (the default) or `List`.
    pub defaulting_type: String,
}

/// One profile of a configuration file: the engine's profile and the arguments of plugins
/// kubesim passes through to plugins that are being added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSpec {
    /// Filters, scorers with weights, NodeResourcesFit arguments, percentage.
    pub config: ProfileConfig,
    /// `InterPodAffinityArgs`, if given.
    pub inter_pod_affinity: Option<InterPodAffinityArgs>,
    /// `PodTopologySpreadArgs`, if given.
    pub pod_topology_spread: Option<PodTopologySpreadArgs>,
}

/// A loaded, defaulted and validated `KubeSchedulerConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// The file, as given.
    pub file: String,
    /// The profiles in file order.
    pub profiles: Vec<ProfileSpec>,
    /// Remarks about settings kubesim accepts but does not simulate.
    pub warnings: Vec<InputError>,
}

/// Which scheduler a run uses: a built-in policy or a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchedulerChoice {
    /// A built-in policy serving `default-scheduler`.
    Policy(Policy),
    /// A KubeSchedulerConfiguration.
    Config(Box<SchedulerConfig>),
}

impl Default for SchedulerChoice {
    fn default() -> SchedulerChoice {
        SchedulerChoice::Policy(Policy::Default)
    }
}

impl SchedulerChoice {
    /// How to name the choice in reports: the policy name or the file.
    pub fn label(&self) -> String {
        match self {
            SchedulerChoice::Policy(p) => p.name().to_string(),
            SchedulerChoice::Config(c) => c.file.clone(),
        }
    }

    /// The profile configurations, resolved against `registry`.
    pub fn profile_configs(&self, registry: &Registry) -> Vec<ProfileConfig> {
        match self {
            SchedulerChoice::Policy(p) => vec![p.profile_config(registry, DEFAULT_SCHEDULER_NAME)],
            SchedulerChoice::Config(c) => c.profiles.iter().map(|p| p.config.clone()).collect(),
        }
    }
}

/// Reads `--scheduler NAME|FILE`: a built-in policy name, or a path (relative to `dir`) to
/// a configuration file.
pub fn parse_scheduler_arg(arg: &str, dir: &Path) -> Result<SchedulerChoice, InputErrors> {
    if let Some(policy) = Policy::parse(arg) {
        return Ok(SchedulerChoice::Policy(policy));
    }
    let path = dir.join(arg);
    if !arg.ends_with(".yaml") && !arg.ends_with(".yml") && !path.exists() {
        let names = Policy::names();
        return Err(InputError::new(
            SourceLocation::new("--scheduler", 1, 1),
            format!(
                "unknown scheduler {arg:?}: neither a built-in policy ({}) nor a file",
                names.join(", ")
            ),
        )
        .with_suggestion(suggest(arg, &names))
        .into());
    }
    load_scheduler_config(&path, arg, &registry_with_policy_plugins())
        .map(|c| SchedulerChoice::Config(Box::new(c)))
}

/// Loads the configuration file at `path` (named `shown` in messages), resolving plugin
/// names against `registry`.
pub fn load_scheduler_config(
    path: &Path,
    shown: &str,
    registry: &Registry,
) -> Result<SchedulerConfig, InputErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(
            SourceLocation::new(shown, 1, 1),
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    parse_scheduler_config(shown, &text, registry)
}

/// Parses configuration `text` (named `file` in messages) against `registry`.
pub fn parse_scheduler_config(
    file: &str,
    text: &str,
    registry: &Registry,
) -> Result<SchedulerConfig, InputErrors> {
    let index = YamlIndex::from_document(file, text)?;
    let document = serde_yaml::Deserializer::from_str(text)
        .next()
        .ok_or_else(|| InputError::new(index.start(), "the configuration file is empty"))?;
    let parsed = ConfigFile::deserialize(document)
        .map_err(|e| InputErrors::from(crate::scenario::yaml_error(file, Some(&index), &e)))?;
    let mut loader = ConfigLoader {
        index: &index,
        registry,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    loader.check_file(&parsed);
    let mut profiles = Vec::new();
    let profile_files = if parsed.profiles.is_empty() {
        vec![ProfileFile::default()]
    } else {
        parsed.profiles.clone()
    };
    let mut seen_names = BTreeSet::new();
    for (i, profile) in profile_files.iter().enumerate() {
        let path = format!("profiles[{i}]");
        if let Some(spec) = loader.profile(&path, profile, parsed.percentage_of_nodes_to_score) {
            if !seen_names.insert(spec.config.scheduler_name.clone()) {
                loader.err(
                    &format!("{path}.schedulerName"),
                    format!("Duplicate value: {:?}", spec.config.scheduler_name),
                );
                continue;
            }
            profiles.push(spec);
        }
    }
    if !loader.errors.is_empty() {
        return Err(InputErrors(loader.errors));
    }
    Ok(SchedulerConfig {
        file: file.to_string(),
        profiles,
        warnings: loader.warnings,
    })
}

struct ConfigLoader<'a> {
    index: &'a YamlIndex,
    registry: &'a Registry,
    errors: Vec<InputError>,
    warnings: Vec<InputError>,
}

/// A merged plugin set: enabled (name, weight) in order, and the disabled names.
#[derive(Debug, Default, Clone)]
struct MergedSet {
    enabled: Vec<(String, i64)>,
    disabled: BTreeSet<String>,
}

/// kube-scheduler's `mergePluginSet`.
fn merge_plugin_set(defaults: &[(String, i64)], custom: &PluginSetFile) -> MergedSet {
    let disabled: BTreeSet<String> = custom.disabled.iter().map(|p| p.name.clone()).collect();
    let mut replaced = BTreeSet::new();
    let mut enabled = Vec::new();
    if !disabled.contains("*") {
        for (name, weight) in defaults {
            if disabled.contains(name) {
                continue;
            }
            match custom.enabled.iter().position(|p| &p.name == name) {
                Some(i) => {
                    replaced.insert(i);
                    enabled.push((name.clone(), custom.enabled[i].weight.unwrap_or(0)));
                }
                None => enabled.push((name.clone(), *weight)),
            }
        }
    }
    for (i, p) in custom.enabled.iter().enumerate() {
        if !replaced.contains(&i) {
            enabled.push((p.name.clone(), p.weight.unwrap_or(0)));
        }
    }
    MergedSet { enabled, disabled }
}

impl ConfigLoader<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(self.index.error(path, message));
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(self.index.error(path, message));
    }

    fn check_file(&mut self, parsed: &ConfigFile) {
        if parsed.api_version != SCHEDULER_CONFIG_API_VERSION {
            self.err(
                "apiVersion",
                format!(
                    "expected {SCHEDULER_CONFIG_API_VERSION}, found {:?}",
                    parsed.api_version
                ),
            );
        }
        if parsed.kind != "KubeSchedulerConfiguration" {
            self.err(
                "kind",
                format!(
                    "expected KubeSchedulerConfiguration, found {:?}",
                    parsed.kind
                ),
            );
        }
        if let Some(p) = parsed.percentage_of_nodes_to_score {
            if !(0..=100).contains(&p) {
                self.err(
                    "percentageOfNodesToScore",
                    format!("Invalid value: {p}: not in valid range [0-100]"),
                );
            }
        }
        if let Some(p) = parsed.parallelism {
            if p <= 0 {
                self.err(
                    "parallelism",
                    format!("Invalid value: {p}: should be an integer value greater than zero"),
                );
            }
        }
        let initial = parsed.pod_initial_backoff_seconds.unwrap_or(1);
        let max = parsed.pod_max_backoff_seconds.unwrap_or(10);
        if initial <= 0 {
            self.err(
                "podInitialBackoffSeconds",
                format!("Invalid value: {initial}: must be greater than 0"),
            );
        } else if max < initial {
            self.err(
                "podMaxBackoffSeconds",
                format!(
                    "Invalid value: {max}: must be greater than or equal to PodInitialBackoffSeconds"
                ),
            );
        } else if (initial, max) != (1, 10) {
            self.warn(
                "podInitialBackoffSeconds",
                "pod back-off other than 1s..10s is not simulated yet; kubesim uses 1s doubling to 10s",
            );
        }
        if !parsed.extenders.is_empty() {
            self.warn(
                "extenders",
                "scheduler extenders are not simulated; ignored",
            );
        }
        // Accepted and irrelevant to a simulation.
        let _ = (
            &parsed.leader_election,
            &parsed.client_connection,
            parsed.enable_profiling,
            parsed.enable_contention_profiling,
            parsed.delay_cache_until_active,
        );
    }

    /// Whether `name` may be used: registered, or a kube-scheduler plugin (simulated or not).
    /// Reports an unknown name at `path`.
    fn known(&mut self, path: &str, name: &str, point: &str) -> bool {
        let registered = self.registry.names();
        if name == "*" || registered.iter().any(|n| n == name) {
            return true;
        }
        if KUBE_SCHEDULER_PLUGINS.contains(&name) {
            return true;
        }
        let mut candidates: Vec<&str> = registered.iter().map(String::as_str).collect();
        candidates.extend(KUBE_SCHEDULER_PLUGINS);
        let error = self
            .index
            .error(path, format!("{point} {name:?} does not exist"))
            .with_suggestion(suggest(name, &candidates));
        self.errors.push(error);
        false
    }

    fn registered(&self, name: &str) -> bool {
        self.registry.names().iter().any(|n| n == name)
    }

    fn profile(
        &mut self,
        path: &str,
        profile: &ProfileFile,
        global_percentage: Option<i64>,
    ) -> Option<ProfileSpec> {
        let errors_before = self.errors.len();
        let scheduler_name = match &profile.scheduler_name {
            None => DEFAULT_SCHEDULER_NAME.to_string(),
            Some(n) if n.is_empty() => {
                self.err(&format!("{path}.schedulerName"), "Required value");
                return None;
            }
            Some(n) => n.clone(),
        };
        let percentage = profile.percentage_of_nodes_to_score.or(global_percentage);
        if let Some(p) = profile.percentage_of_nodes_to_score {
            if !(0..=100).contains(&p) {
                self.err(
                    &format!("{path}.percentageOfNodesToScore"),
                    format!("Invalid value: {p}: not in valid range [0-100]"),
                );
            }
        }
        let plugins = profile.plugins.clone().unwrap_or_default();
        // Names first: every set at every extension point.
        let sets: [(&str, &PluginSetFile); 13] = [
            ("preEnqueue", &plugins.pre_enqueue),
            ("queueSort", &plugins.queue_sort),
            ("preFilter", &plugins.pre_filter),
            ("filter", &plugins.filter),
            ("postFilter", &plugins.post_filter),
            ("preScore", &plugins.pre_score),
            ("score", &plugins.score),
            ("reserve", &plugins.reserve),
            ("permit", &plugins.permit),
            ("preBind", &plugins.pre_bind),
            ("bind", &plugins.bind),
            ("postBind", &plugins.post_bind),
            ("multiPoint", &plugins.multi_point),
        ];
        for (point, set) in sets {
            for (list, items) in [("enabled", &set.enabled), ("disabled", &set.disabled)] {
                for (j, p) in items.iter().enumerate() {
                    let at = format!("{path}.plugins.{point}.{list}[{j}].name");
                    if p.name == "*" && list == "enabled" {
                        self.err(&at, "Invalid value: \"*\": only `disabled` accepts \"*\"");
                        continue;
                    }
                    if !self.known(&at, &p.name, "plugin") {
                        continue;
                    }
                    if list == "enabled" && !self.registered(&p.name) {
                        self.warn(
                            &at,
                            format!("plugin {:?} is not simulated yet; it is skipped", p.name),
                        );
                    }
                    if let Some(w) = p.weight {
                        if w < 0 {
                            self.err(
                                &format!("{path}.plugins.{point}.{list}[{j}].weight"),
                                format!("Invalid value: {w}: weight must not be negative"),
                            );
                        }
                    }
                }
            }
        }

        let defaults: Vec<(String, i64)> = DEFAULT_MULTI_POINT
            .iter()
            .map(|(n, w)| (n.to_string(), *w))
            .collect();
        let multi_point = merge_plugin_set(&defaults, &plugins.multi_point);
        let filters = self.expand(path, "filter", &multi_point, &plugins.filter, Point::Filter);
        let scorers = self.expand(path, "score", &multi_point, &plugins.score, Point::Score);
        let post_filters = self.expand(
            path,
            "postFilter",
            &multi_point,
            &plugins.post_filter,
            Point::PostFilter,
        );
        let reserves = self.expand(
            path,
            "reserve",
            &multi_point,
            &plugins.reserve,
            Point::Reserve,
        );
        let permits = self.expand(path, "permit", &multi_point, &plugins.permit, Point::Permit);
        let binds = self.expand(path, "bind", &multi_point, &plugins.bind, Point::Bind);
        // Weights: the score point's own first, then multi-point (getScoreWeights).
        let score_weights: Vec<(String, i64)> = merge_plugin_set(&[], &plugins.score)
            .enabled
            .into_iter()
            .chain(multi_point.enabled.iter().cloned())
            .collect();
        let scorers: Vec<(String, i64)> = scorers
            .into_iter()
            .map(|name| {
                let weight = score_weights
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(1, |(_, w)| (*w).max(1));
                (name, weight)
            })
            .collect();

        let mut spec = ProfileSpec {
            config: ProfileConfig {
                scheduler_name,
                filters,
                scorers,
                post_filters,
                reserves,
                permits,
                binds,
                args: Default::default(),
                percentage_of_nodes_to_score: percentage
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(0),
            },
            inter_pod_affinity: None,
            pod_topology_spread: None,
        };
        let mut configured = BTreeSet::new();
        for (j, pc) in profile.plugin_config.iter().enumerate() {
            let at = format!("{path}.pluginConfig[{j}]");
            if !self.known(&format!("{at}.name"), &pc.name, "plugin") {
                continue;
            }
            if !configured.insert(pc.name.clone()) {
                self.err(
                    &format!("{at}.name"),
                    format!("Duplicate value: {:?}", pc.name),
                );
                continue;
            }
            self.plugin_args(&format!("{at}.args"), &pc.name, pc.args.as_ref(), &mut spec);
        }
        if self.errors.len() > errors_before {
            return None;
        }
        // The profile must build: the registry checks extension points and arguments.
        if let Err(e) = Profile::new(self.registry, &spec.config) {
            self.err(&format!("{path}.plugins"), e.to_string());
            return None;
        }
        Some(spec)
    }

    /// The plugins at `point` after multi-point expansion, in run order, limited to the
    /// registered plugins that implement the point.
    fn expand(
        &mut self,
        path: &str,
        point_name: &str,
        multi_point: &MergedSet,
        specific: &PluginSetFile,
        point: Point,
    ) -> Vec<String> {
        let own = merge_plugin_set(&[], specific);
        let implements = |name: &str| {
            self.registered(name)
                && self
                    .registry
                    .instantiate(name, &Default::default())
                    .is_ok_and(|instance| instance.implements(point))
        };
        let mut overrides = Vec::new();
        let mut from_multi_point: Vec<String> = Vec::new();
        let mut duplicate = None;
        if !own.disabled.contains("*") {
            for (name, _) in &multi_point.enabled {
                if !implements(name) || own.disabled.contains(name) {
                    continue;
                }
                if own.enabled.iter().any(|(n, _)| n == name) {
                    overrides.push(name.clone());
                    continue;
                }
                if from_multi_point.contains(name) {
                    duplicate = Some(name.clone());
                    continue;
                }
                from_multi_point.push(name.clone());
            }
        }
        if let Some(name) = duplicate {
            self.err(
                &format!("{path}.plugins.multiPoint.enabled"),
                format!("plugin {name:?} already registered as {point_name:?}"),
            );
        }
        let mut ordered = overrides;
        for name in from_multi_point
            .into_iter()
            .chain(own.enabled.into_iter().map(|(n, _)| n))
        {
            if !ordered.contains(&name) && self.registered(&name) {
                ordered.push(name);
            }
        }
        ordered
    }

    fn decode_args<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        path: &str,
        args: Option<&serde_yaml::Value>,
    ) -> Option<T> {
        let Some(value) = args else {
            return Some(T::default());
        };
        let mut ignored = Vec::new();
        let decoded: Result<T, _> = {
            let mut callback = |p: serde_ignored::Path<'_>| ignored.push(p.to_string());
            T::deserialize(serde_ignored::Deserializer::new(
                value.clone(),
                &mut callback,
            ))
        };
        for unknown in &ignored {
            // serde_ignored writes `a.0.b`; field paths are `a[0].b`.
            let field_path = unknown
                .split('.')
                .filter(|s| *s != "?")
                .map(|s| {
                    if s.chars().all(|c| c.is_ascii_digit()) {
                        format!("[{s}]")
                    } else {
                        format!(".{s}")
                    }
                })
                .collect::<String>();
            let last = unknown.rsplit('.').next().unwrap_or(unknown);
            let error = self
                .index
                .error(
                    &format!("{path}{field_path}"),
                    format!("unknown field `{last}`"),
                )
                .with_suggestion(suggest(last, ARGS_FIELDS));
            self.errors.push(error);
        }
        match decoded {
            Ok(v) if ignored.is_empty() => Some(v),
            Ok(_) => None,
            Err(e) => {
                self.err(path, e.to_string());
                None
            }
        }
    }

    fn check_args_kind(&mut self, path: &str, plugin: &str, kind: Option<&String>) {
        let expected = format!("{plugin}Args");
        if let Some(k) = kind {
            if *k != expected {
                self.err(
                    &format!("{path}.kind"),
                    format!("expected {expected}, found {k:?}"),
                );
            }
        }
    }

    fn plugin_args(
        &mut self,
        path: &str,
        plugin: &str,
        args: Option<&serde_yaml::Value>,
        spec: &mut ProfileSpec,
    ) {
        match plugin {
            names::NODE_RESOURCES_FIT => {
                let Some(a) = self.decode_args::<FitArgsFile>(path, args) else {
                    return;
                };
                self.check_args_kind(path, plugin, a.kind.as_ref());
                let _ = (
                    &a.api_version,
                    &a.ignored_resources,
                    &a.ignored_resource_groups,
                );
                if let Some(fit) = self.fit_args(path, a.scoring_strategy.unwrap_or_default()) {
                    spec.config.args.node_resources_fit = fit;
                }
            }
            names::NODE_RESOURCES_BALANCED_ALLOCATION => {
                let Some(a) = self.decode_args::<BalancedArgsFile>(path, args) else {
                    return;
                };
                self.check_args_kind(path, plugin, a.kind.as_ref());
                let _ = &a.api_version;
                let resources = if a.resources.is_empty() {
                    default_resources()
                } else {
                    a.resources
                };
                let mut seen = BTreeSet::new();
                let mut valid = true;
                for (i, r) in resources.iter().enumerate() {
                    if !seen.insert(r.name.clone()) {
                        self.err(
                            &format!("{path}.resources[{i}].name"),
                            format!("Duplicate value: {:?}", r.name),
                        );
                        valid = false;
                    }
                    let weight = r.weight.unwrap_or(1);
                    if weight != 1 {
                        self.err(
                            &format!("{path}.resources[{i}].weight"),
                            format!("Invalid value: {weight}: must be 1"),
                        );
                        valid = false;
                    }
                }
                if valid {
                    self.cpu_and_memory_weights(&format!("{path}.resources"), &resources);
                }
            }
            "InterPodAffinity" => {
                let Some(a) = self.decode_args::<InterPodAffinityArgsFile>(path, args) else {
                    return;
                };
                self.check_args_kind(path, plugin, a.kind.as_ref());
                let _ = &a.api_version;
                let weight = a.hard_pod_affinity_weight.unwrap_or(1);
                if !(0..=100).contains(&weight) {
                    self.err(
                        &format!("{path}.hardPodAffinityWeight"),
                        format!("Invalid value: {weight}: not in valid range [0, 100]"),
                    );
                    return;
                }
                spec.config.args.hard_pod_affinity_weight = Some(weight);
                spec.inter_pod_affinity = Some(InterPodAffinityArgs {
                    hard_pod_affinity_weight: weight,
                    ignore_preferred_terms_of_existing_pods: a
                        .ignore_preferred_terms_of_existing_pods
                        .unwrap_or(false),
                });
            }
            "PodTopologySpread" => {
                let Some(a) = self.decode_args::<PodTopologySpreadArgsFile>(path, args) else {
                    return;
                };
                self.check_args_kind(path, plugin, a.kind.as_ref());
                let _ = &a.api_version;
                spec.pod_topology_spread = self.spread_args(path, a);
            }
            _ => self.warn(
                path,
                format!("the arguments of plugin {plugin:?} are not simulated yet; ignored"),
            ),
        }
    }

    fn spread_args(
        &mut self,
        path: &str,
        a: PodTopologySpreadArgsFile,
    ) -> Option<PodTopologySpreadArgs> {
        let errors_before = self.errors.len();
        let defaulting_type = a.defaulting_type.unwrap_or_else(|| "System".to_string());
        if defaulting_type != "System" && defaulting_type != "List" {
            self.err(
                &format!("{path}.defaultingType"),
                format!(
                    "Unsupported value: {defaulting_type:?}: supported values: \"System\", \"List\""
                ),
            );
        }
        if defaulting_type == "System" && !a.default_constraints.is_empty() {
            self.err(
                &format!("{path}.defaultingType"),
                "Invalid value: \"System\": when .defaultConstraints are not empty",
            );
        }
        let mut constraints = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, c) in a.default_constraints.iter().enumerate() {
            let at = format!("{path}.defaultConstraints[{i}]");
            if c.max_skew <= 0 {
                self.err(
                    &format!("{at}.maxSkew"),
                    format!("Invalid value: {}: not in valid range (0, inf)", c.max_skew),
                );
            }
            if c.topology_key.is_empty() {
                self.err(
                    &format!("{at}.topologyKey"),
                    "Required value: can not be empty",
                );
            }
            if c.when_unsatisfiable.is_empty() {
                self.err(
                    &format!("{at}.whenUnsatisfiable"),
                    "Required value: can not be empty",
                );
            } else if c.when_unsatisfiable != "DoNotSchedule"
                && c.when_unsatisfiable != "ScheduleAnyway"
            {
                self.err(
                    &format!("{at}.whenUnsatisfiable"),
                    format!(
                        "Unsupported value: {:?}: supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
                        c.when_unsatisfiable
                    ),
                );
            }
            if !seen.insert((c.topology_key.clone(), c.when_unsatisfiable.clone())) {
                self.err(
                    &at,
                    format!(
                        "Duplicate value: {{{:?}, {:?}}}",
                        c.topology_key, c.when_unsatisfiable
                    ),
                );
            }
            if c.label_selector.is_some() {
                self.err(
                    &format!("{at}.labelSelector"),
                    "Forbidden: constraint must not define a selector, as they deduced for each pod",
                );
            }
            let _ = (
                c.min_domains,
                &c.node_affinity_policy,
                &c.node_taints_policy,
                &c.match_label_keys,
            );
            constraints.push(DefaultConstraint {
                max_skew: c.max_skew,
                topology_key: c.topology_key.clone(),
                when_unsatisfiable: c.when_unsatisfiable.clone(),
            });
        }
        (self.errors.len() == errors_before).then_some(PodTopologySpreadArgs {
            default_constraints: constraints,
            defaulting_type,
        })
    }

    fn fit_args(
        &mut self,
        path: &str,
        strategy: ScoringStrategyFile,
    ) -> Option<NodeResourcesFitArgs> {
        let path = format!("{path}.scoringStrategy");
        let type_ = strategy
            .type_
            .clone()
            .unwrap_or_else(|| "LeastAllocated".to_string());
        let resources = if strategy.resources.is_empty() {
            default_resources()
        } else {
            strategy.resources.clone()
        };
        let mut shape_args = UtilizationShape::default();
        let scoring_strategy = match type_.as_str() {
            "LeastAllocated" => ScoringStrategy::LeastAllocated,
            "MostAllocated" => ScoringStrategy::MostAllocated,
            "RequestedToCapacityRatio" => {
                let shape = strategy
                    .requested_to_capacity_ratio
                    .clone()
                    .unwrap_or_default()
                    .shape;
                let shape_path = format!("{path}.requestedToCapacityRatio.shape");
                let errors_before = self.errors.len();
                if shape.is_empty() {
                    self.err(
                        &shape_path,
                        "Required value: at least one point must be specified",
                    );
                }
                if let Some(i) =
                    (1..shape.len()).find(|&i| shape[i - 1].utilization >= shape[i].utilization)
                {
                    self.err(
                        &format!("{shape_path}[{i}].utilization"),
                        format!(
                            "Invalid value: {}: values must be sorted in increasing order",
                            shape[i].utilization
                        ),
                    );
                }
                for (i, point) in shape.iter().enumerate() {
                    if !(0..=100).contains(&point.utilization) {
                        self.err(
                            &format!("{shape_path}[{i}].utilization"),
                            format!(
                                "Invalid value: {}: not in valid range [0, 100]",
                                point.utilization
                            ),
                        );
                    }
                    if !(0..=10).contains(&point.score) {
                        self.err(
                            &format!("{shape_path}[{i}].score"),
                            format!("Invalid value: {}: not in valid range [0, 10]", point.score),
                        );
                    }
                }
                if self.errors.len() != errors_before {
                    return None;
                }
                let points: Vec<(i64, i64)> =
                    shape.iter().map(|p| (p.utilization, p.score)).collect();
                match UtilizationShape::new(&points) {
                    Ok(parsed) => shape_args = parsed,
                    Err(message) => {
                        self.err(&shape_path, message);
                        return None;
                    }
                }
                ScoringStrategy::RequestedToCapacityRatio
            }
            other => {
                self.err(
                    &format!("{path}.type"),
                    format!(
                        "Unsupported value: {other:?}: supported values: \"LeastAllocated\", \
                         \"MostAllocated\", \"RequestedToCapacityRatio\""
                    ),
                );
                return None;
            }
        };
        let (cpu_weight, memory_weight) =
            self.cpu_and_memory_weights(&format!("{path}.resources"), &resources)?;
        Some(NodeResourcesFitArgs {
            scoring_strategy,
            cpu_weight,
            memory_weight,
            shape: shape_args,
        })
    }

    /// Checks each weight is in 1..=100; true when all are.
    fn resource_weights(&mut self, path: &str, resources: &[ResourceSpecFile]) -> bool {
        let mut ok = true;
        for (i, r) in resources.iter().enumerate() {
            let weight = r.weight.unwrap_or(1);
            if !(1..=100).contains(&weight) {
                self.err(
                    &format!("{path}[{i}].weight"),
                    format!(
                        "Invalid value: {weight}: resource weight of {} not in valid range (0, 100]",
                        r.name
                    ),
                );
                ok = false;
            }
        }
        ok
    }

    /// The cpu and memory weights of `resources`, which kubesim requires to be exactly cpu
    /// and memory (the only resources its scoring covers).
    fn cpu_and_memory_weights(
        &mut self,
        path: &str,
        resources: &[ResourceSpecFile],
    ) -> Option<(i64, i64)> {
        if !self.resource_weights(path, resources) {
            return None;
        }
        let weight = |name: &str| {
            resources
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.weight.unwrap_or(1))
        };
        for (i, r) in resources.iter().enumerate() {
            if r.name != "cpu" && r.name != "memory" {
                self.err(
                    &format!("{path}[{i}].name"),
                    format!(
                        "scoring resource {:?} is not simulated yet: kubesim scores cpu and memory",
                        r.name
                    ),
                );
                return None;
            }
        }
        match (weight("cpu"), weight("memory")) {
            (Some(cpu), Some(memory)) => Some((cpu, memory)),
            _ => {
                self.err(
                    path,
                    "scoring only one of cpu and memory is not simulated yet: list both",
                );
                None
            }
        }
    }
}

fn default_resources() -> Vec<ResourceSpecFile> {
    vec![
        ResourceSpecFile {
            name: "cpu".to_string(),
            weight: Some(1),
        },
        ResourceSpecFile {
            name: "memory".to_string(),
            weight: Some(1),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SchedulerConfig, InputErrors> {
        parse_scheduler_config("cfg.yaml", text, &registry_with_policy_plugins())
    }

    #[test]
    fn an_empty_configuration_is_the_default_profile() {
        let config =
            parse("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n")
                .expect("valid");
        assert_eq!(config.profiles.len(), 1);
        assert_eq!(config.profiles[0].config, ProfileConfig::default_config());
    }

    #[test]
    fn disabling_everything_at_score_leaves_the_enabled_ones() {
        let config = parse(
            "apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    score:
      disabled:
      - name: '*'
      enabled:
      - name: NodeResourcesFit
        weight: 5
",
        )
        .expect("valid");
        assert_eq!(
            config.profiles[0].config.scorers,
            vec![("NodeResourcesFit".to_string(), 5)]
        );
    }

    #[test]
    fn post_filter_and_bind_plugins_follow_the_configuration() {
        // §9.1: DefaultPreemption (PostFilter) and DefaultBinder (Bind) come from multiPoint
        // and can be disabled at their own extension point like any other plugin.
        let config = parse(
            "apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: no-preemption
  plugins:
    postFilter:
      disabled:
      - name: DefaultPreemption
",
        )
        .expect("valid");
        let profile = &config.profiles[0].config;
        assert!(profile.post_filters.is_empty());
        assert_eq!(profile.binds, vec!["DefaultBinder".to_string()]);
        assert!(profile.reserves.is_empty() && profile.permits.is_empty());
    }
}
