//! Loading a scenario: the file, its manifests and its events, validated and turned into
//! engine values. Every problem is reported with file, line, column and field; nothing is
//! run until the whole scenario is valid.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sim_core::behaviour::{set_field, BehaviourBook, BehaviourPatch, BehaviourRule};
use sim_core::duration::parse_go_duration;
use sim_core::objects::{
    ConditionStatus, Kind, Node, ObjectKey, ObjectMeta, ObjectRef, Resources, Taint, TaintEffect,
    BUILTIN_NAMESPACES,
};
use sim_core::selector::LabelSelector;
use sim_core::sim::{AnyObject, ScenarioAction};
use sim_core::store::PropagationPolicy;
use sim_core::time::{SimDuration, SimTime};

use crate::convert::to_core;
use crate::expect::{Check, Expectation, Subject, When};
use crate::format::{
    BehaviourSpec, EventSpec, ExpectSpec, NodePoolSpec, QuantityText, ScenarioFile, SchedulerSpec,
    SCENARIO_API_VERSION,
};
use crate::manifest::{load_manifests, LoadedManifests, LocatedManifest};
use crate::quantity::{parse_bytes, parse_cpu_millis, parse_quantity};
use crate::scheduler_config::{load_scheduler_config, SchedulerChoice};
use crate::source::{scan_documents, suggest, InputError, InputErrors, SourceLocation, YamlIndex};
use sim_core::scheduler::policies::{registry_with_policy_plugins, Policy};

mod disruption_events;
mod failures;
mod load;

/// Default simulated duration.
pub const DEFAULT_DURATION: SimDuration = SimDuration::from_secs(600);
/// Most nodes a scenario may create (an absurd size is an error, not an out-of-memory).
pub const MAX_NODES: u64 = 100_000;
/// Most replicas a scale event may ask for (the same bound as for manifests).
pub const MAX_REPLICAS: u64 = crate::convert::MAX_REPLICAS as u64;
/// Longest simulated duration.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(366 * 24 * 3600);

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.description`.
    pub description: Option<String>,
    /// How to refer to the input on a command line (scenario path or `-f` list).
    pub source: String,
    /// Root seed.
    pub seed: u64,
    /// Simulated duration.
    pub duration: SimTime,
    /// Controller reaction latency.
    pub controller_latency: SimDuration,
    /// Probe ticker phases drawn from the seed rather than canonical.
    pub seeded_probe_phase: bool,
    /// Nodes that exist at t=0.
    pub nodes: Vec<Node>,
    /// Objects applied at t=0, in order.
    pub initial: Vec<AnyObject>,
    /// Timed actions, in file order (stable for equal times).
    pub actions: Vec<(SimTime, ScenarioAction)>,
    /// Container behaviours.
    pub behaviours: BehaviourBook,
    /// Load models (`spec.load`).
    pub load: Vec<sim_core::metrics::LoadModel>,
    /// Checks.
    pub expectations: Vec<Expectation>,
    /// Non-fatal remarks (skipped kinds).
    pub warnings: Vec<InputError>,
    /// The scheduler (`spec.scheduler`; `--scheduler` replaces it).
    pub scheduler: SchedulerChoice,
    /// The kubelets' `evictionHard` `memory.available` thresholds in bytes, by node name
    /// (nodes not listed use the default 100Mi).
    pub memory_eviction_thresholds: BTreeMap<String, u64>,
    /// Seeded random failures (`spec.chaos`).
    pub chaos: sim_core::failures::ChaosConfig,
}

/// The pool shape used for `-f` runs: 3 nodes of 4 CPU / 16Gi / 110 pods, one zone.
pub fn default_pool() -> NodePoolSpec {
    let mut capacity = BTreeMap::new();
    capacity.insert("cpu".to_string(), QuantityText::Text("4".to_string()));
    capacity.insert("memory".to_string(), QuantityText::Text("16Gi".to_string()));
    capacity.insert("pods".to_string(), QuantityText::Integer(110));
    NodePoolSpec {
        name: "node".to_string(),
        count: Some(3),
        capacity,
        allocatable: None,
        labels: BTreeMap::new(),
        taints: Vec::new(),
        zone: Some("zone-a".to_string()),
        eviction_hard: BTreeMap::new(),
    }
}

fn read_file(path: &Path, from: SourceLocation) -> Result<String, InputErrors> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        InputError::new(from.clone(), format!("cannot read {}: {e}", path.display()))
    })?;
    if metadata.len() > crate::source::MAX_FILE_BYTES as u64 {
        return Err(InputError::new(
            from,
            format!(
                "{} is {} bytes; the limit is {} bytes",
                path.display(),
                metadata.len(),
                crate::source::MAX_FILE_BYTES
            ),
        )
        .into());
    }
    std::fs::read_to_string(path)
        .map_err(|e| InputError::new(from, format!("cannot read {}: {e}", path.display())).into())
}

/// The manifest files named by `path`: the file itself, or the `.yaml`, `.yml` and `.json`
/// files of a folder in name order (as `kubectl apply -f DIR` takes them).
pub fn manifest_files(path: &Path, from: &SourceLocation) -> Result<Vec<PathBuf>, InputErrors> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        InputError::new(from.clone(), format!("cannot read {}: {e}", path.display()))
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| {
        InputError::new(from.clone(), format!("cannot list {}: {e}", path.display()))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A namespaced object's namespace, with the error to report if no Namespace of that name
/// exists (located at `metadata.namespace`, or the object when it names none).
struct NamespaceUse {
    namespace: String,
    error: InputError,
}

/// Records the namespace `m` lives in, for [`check_namespaces`].
fn note_namespace(m: &LocatedManifest, object: &AnyObject, uses: &mut Vec<NamespaceUse>) {
    let r = object.object_ref();
    if !r.kind.namespaced() {
        return;
    }
    let namespace = r.key.namespace.clone();
    uses.push(NamespaceUse {
        error: m.error(
            "metadata.namespace",
            format!(
                "namespaces {namespace:?} not found: no manifest creates Namespace                  {namespace:?} (kubesim starts with {})",
                BUILTIN_NAMESPACES.join(", ")
            ),
        ),
        namespace,
    });
}

/// NamespaceLifecycle, checked before the run: every object must live in a namespace that
/// exists from the start or that some manifest of the scenario creates.
fn check_namespaces(
    errors: &mut Vec<InputError>,
    uses: Vec<NamespaceUse>,
    objects: impl Iterator<Item = AnyObject>,
) {
    let mut declared: BTreeSet<String> = BUILTIN_NAMESPACES.iter().map(|n| n.to_string()).collect();
    for object in objects {
        if let AnyObject::Namespace(ns) = object {
            declared.insert(ns.meta.name.clone());
        }
    }
    errors.extend(
        uses.into_iter()
            .filter(|u| !declared.contains(&u.namespace))
            .map(|u| u.error),
    );
}

/// Loads every object of the manifest files at `path` and converts them.
fn load_objects(
    path: &Path,
    from: &SourceLocation,
    warnings: &mut Vec<InputError>,
    uses: &mut Vec<NamespaceUse>,
) -> Result<Vec<AnyObject>, InputErrors> {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for file in manifest_files(path, from)? {
        let text = read_file(&file, from.clone())?;
        let shown = file.display().to_string();
        match load_manifests(&shown, &text) {
            Ok(LoadedManifests {
                objects: loaded,
                warnings: w,
            }) => {
                warnings.extend(w);
                for m in &loaded {
                    match to_core(m) {
                        Ok(o) => {
                            note_namespace(m, &o, uses);
                            objects.push(o);
                        }
                        Err(e) => errors.extend(e.0),
                    }
                }
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(InputErrors(errors))
    }
}

/// Turns a serde_yaml error into a located one, with a suggestion for unknown fields.
pub(crate) fn yaml_error(
    file: &str,
    index: Option<&YamlIndex>,
    error: &serde_yaml::Error,
) -> InputError {
    let text = error.to_string();
    let location = error.location().map_or_else(
        || SourceLocation::new(file, 1, 1),
        |l| SourceLocation::new(file, l.line(), l.column()),
    );
    // serde's message: "spec.events[0]: unknown field `atx`, expected one of `at`, `apply`".
    let (path, message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (Some(p.to_string()), m.to_string()),
        _ => (None, text.clone()),
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    let mut err = InputError::new(location, message.clone());
    if let Some(p) = path {
        err = err.with_field(p);
    } else if let Some(index) = index {
        let l = &err.location;
        if let Some(p) = index.path_at(l.line, l.column) {
            err = err.with_field(p.to_string());
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((unknown, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s)
                .collect();
            err = err.with_suggestion(suggest(unknown, &candidates));
        }
    }
    err
}

struct Loader<'a> {
    index: &'a YamlIndex,
    dir: PathBuf,
    errors: Vec<InputError>,
    warnings: Vec<InputError>,
    namespace_uses: Vec<NamespaceUse>,
    /// `evictionHard` `memory.available` thresholds of the pool nodes made so far, by node.
    memory_thresholds: BTreeMap<String, u64>,
}

impl Loader<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(self.index.error(path, message));
    }

    /// `spec.scheduler`: a policy name, `{policy}` or `{config}` (a file loaded here, its
    /// errors reported with their own locations).
    fn scheduler(&mut self, spec: Option<&SchedulerSpec>) -> SchedulerChoice {
        let (policy, config) = match spec {
            None => return SchedulerChoice::default(),
            Some(SchedulerSpec::Name(name)) => (Some(name.as_str()), None),
            Some(SchedulerSpec::Fields(f)) => (f.policy.as_deref(), f.config.as_deref()),
        };
        match (policy, config) {
            (Some(name), None) => match Policy::parse(name) {
                Some(p) => SchedulerChoice::Policy(p),
                None => {
                    let names = Policy::names();
                    let path = if matches!(spec, Some(SchedulerSpec::Name(_))) {
                        "spec.scheduler"
                    } else {
                        "spec.scheduler.policy"
                    };
                    let error = self
                        .index
                        .error(
                            path,
                            format!(
                                "unknown scheduler policy {name:?}; the built-in policies are: {}",
                                names.join(", ")
                            ),
                        )
                        .with_suggestion(suggest(name, &names));
                    self.errors.push(error);
                    SchedulerChoice::default()
                }
            },
            (None, Some(file)) => {
                let path = self.dir.join(file);
                let shown = path.display().to_string();
                match load_scheduler_config(&path, &shown, &registry_with_policy_plugins()) {
                    Ok(config) => {
                        self.warnings.extend(config.warnings.iter().cloned());
                        SchedulerChoice::Config(Box::new(config))
                    }
                    Err(e) => {
                        self.errors.extend(e.0);
                        SchedulerChoice::default()
                    }
                }
            }
            _ => {
                self.err(
                    "spec.scheduler",
                    "give exactly one of `policy` and `config`",
                );
                SchedulerChoice::default()
            }
        }
    }

    fn duration(&mut self, path: &str, text: &str) -> Option<SimDuration> {
        match parse_go_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(path, e.reason.clone());
                None
            }
        }
    }

    fn instant(&mut self, path: &str, text: &str, end: SimTime) -> Option<SimTime> {
        let d = self.duration(path, text)?;
        let t = SimTime::ZERO + d;
        if t > end {
            self.err(
                path,
                format!("{text} is after the end of the scenario ({end})"),
            );
            return None;
        }
        Some(t)
    }

    fn selector(&mut self, path: &str, text: &str) -> Option<LabelSelector> {
        match LabelSelector::parse(text) {
            Ok(s) => Some(s),
            Err(e) => {
                self.err(path, e.reason);
                None
            }
        }
    }

    fn object_ref(&mut self, path: &str, text: &str, namespace: Option<&str>) -> Option<ObjectRef> {
        let Some((kind_text, name)) = text.split_once('/') else {
            self.err(
                path,
                format!("expected kind/name (like deployment/web), found {text:?}"),
            );
            return None;
        };
        let Some(kind) = Kind::parse(kind_text) else {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.resource()).collect();
            let hint = suggest(kind_text, &known)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            self.err(
                path,
                format!(
                    "unknown kind {kind_text:?}{hint}; kubesim simulates {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if name.is_empty() {
            self.err(path, "the name after the slash is empty");
            return None;
        }
        let namespace = if kind.namespaced() {
            namespace.unwrap_or("default").to_string()
        } else {
            String::new()
        };
        Some(ObjectRef::new(kind, ObjectKey::new(namespace, name)))
    }

    fn resources(&mut self, path: &str, values: &BTreeMap<String, QuantityText>) -> Resources {
        let mut r = Resources {
            pods: 110,
            ..Resources::default()
        };
        for (name, value) in values {
            let field = format!("{path}.{name}");
            let text = value.as_text();
            let parsed = match name.as_str() {
                "cpu" => parse_cpu_millis(&text).map(|v| r.cpu_millis = v),
                "memory" => parse_bytes(&text).map(|v| r.memory_bytes = v),
                "ephemeral-storage" => parse_bytes(&text).map(|v| r.ephemeral_storage_bytes = v),
                "pods" => parse_bytes(&text).map(|v| r.pods = v),
                other if other.contains('/') => parse_quantity(&text).map(|q| {
                    r.extended.insert(other.to_string(), q.value_ceil());
                }),
                other => {
                    let hint = suggest(other, &["cpu", "memory", "ephemeral-storage", "pods"])
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    self.err(
                        &field,
                        format!("unknown resource {other:?}{hint}; extended resources are written domain/name, like nvidia.com/gpu"),
                    );
                    continue;
                }
            };
            if let Err(e) = parsed {
                self.err(&field, e.to_string());
            }
        }
        r
    }

    fn pool_nodes(&mut self, path: &str, pool: &NodePoolSpec, first: u64, count: u64) -> Vec<Node> {
        let capacity = self.resources(&format!("{path}.capacity"), &pool.capacity);
        if let Some(bytes) =
            disruption_events::memory_threshold(self, path, pool, capacity.memory_bytes)
        {
            for n in first..first + count {
                self.memory_thresholds
                    .insert(format!("{}-{n}", pool.name), bytes);
            }
        }
        let allocatable = match &pool.allocatable {
            Some(a) => self.resources(&format!("{path}.allocatable"), a),
            None => capacity.clone(),
        };
        let mut taints = Vec::new();
        for (i, t) in pool.taints.iter().enumerate() {
            match TaintEffect::parse(&t.effect) {
                Some(effect) => taints.push(Taint {
                    key: t.key.clone(),
                    value: t.value.clone().unwrap_or_default(),
                    effect,
                }),
                None => self.err(
                    &format!("{path}.taints[{i}].effect"),
                    format!(
                        "unknown taint effect {:?}; expected NoSchedule, PreferNoSchedule or NoExecute",
                        t.effect
                    ),
                ),
            }
        }
        (first..first + count)
            .map(|n| {
                let name = format!("{}-{n}", pool.name);
                let mut labels = BTreeMap::new();
                labels.insert("kubernetes.io/hostname".to_string(), name.clone());
                labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
                labels.insert("kubernetes.io/arch".to_string(), "amd64".to_string());
                if let Some(zone) = &pool.zone {
                    labels.insert("topology.kubernetes.io/zone".to_string(), zone.clone());
                }
                labels.extend(pool.labels.clone());
                Node {
                    meta: ObjectMeta {
                        name,
                        labels,
                        ..ObjectMeta::default()
                    },
                    unschedulable: false,
                    taints: taints.clone(),
                    capacity: capacity.clone(),
                    allocatable: allocatable.clone(),
                    ready: ConditionStatus::True,
                    images: Vec::new(),
                    memory_pressure: sim_core::objects::ConditionStatus::False,
                    health: Default::default(),
                }
            })
            .collect()
    }

    fn behaviour(&mut self, path: &str, spec: &BehaviourSpec) -> Option<BehaviourRule> {
        let selector = match &spec.selector {
            Some(s) => self.selector(&format!("{path}.selector"), s)?,
            None => LabelSelector::default(),
        };
        let mut patch = BehaviourPatch::default();
        let fields: [(&str, &str, Option<String>); 20] = [
            ("cpu", "cpu", spec.cpu.as_ref().map(QuantityText::as_text)),
            ("imagePull", "image-pull", spec.image_pull.clone()),
            ("pullAfter", "pull-after", spec.pull_after.clone()),
            ("startAfter", "start-after", spec.start_after.clone()),
            ("exitAfter", "exit-after", spec.exit_after.clone()),
            (
                "exitCode",
                "exit-code",
                spec.exit_code.map(|c| c.to_string()),
            ),
            (
                "ignoreTerm",
                "ignore-term",
                spec.ignore_term.map(|b| b.to_string()),
            ),
            (
                "termExitAfter",
                "term-exit-after",
                spec.term_exit_after.clone(),
            ),
            (
                "termExitCode",
                "term-exit-code",
                spec.term_exit_code.map(|c| c.to_string()),
            ),
            ("readyAfter", "ready-after", spec.ready_after.clone()),
            (
                "readinessFailsAfter",
                "readiness-fails-after",
                spec.readiness_fails_after.clone(),
            ),
            (
                "livenessFailsAfter",
                "liveness-fails-after",
                spec.liveness_fails_after.clone(),
            ),
            (
                "startupSucceedsAfter",
                "startup-succeeds-after",
                spec.startup_succeeds_after.clone(),
            ),
            (
                "readinessFlap",
                "readiness-flap",
                spec.readiness_flap.clone(),
            ),
            ("livenessFlap", "liveness-flap", spec.liveness_flap.clone()),
            (
                "readinessFailureRatio",
                "readiness-failure-ratio",
                spec.readiness_failure_ratio
                    .as_ref()
                    .map(QuantityText::as_text),
            ),
            (
                "livenessFailureRatio",
                "liveness-failure-ratio",
                spec.liveness_failure_ratio
                    .as_ref()
                    .map(QuantityText::as_text),
            ),
            (
                "preStopTakes",
                "pre-stop-takes",
                spec.pre_stop_takes.clone(),
            ),
            (
                "memory",
                "memory",
                spec.memory.as_ref().map(QuantityText::as_text),
            ),
            (
                "memoryGrowthPerSecond",
                "memory-growth-per-second",
                spec.memory_growth_per_second
                    .as_ref()
                    .map(QuantityText::as_text),
            ),
        ];
        for (field, key, value) in fields {
            if let Some(value) = value {
                if let Err(reason) = set_field(&mut patch, key, &value) {
                    self.err(&format!("{path}.{field}"), reason);
                }
            }
        }
        Some(BehaviourRule {
            namespace: spec.namespace.clone(),
            selector,
            container: spec.container.clone(),
            patch,
        })
    }
}

/// Loads the scenario at `path`, with `seed` overriding the file's.
pub fn load_scenario(path: &Path) -> Result<Scenario, InputErrors> {
    let shown = path.display().to_string();
    let text = read_file(path, SourceLocation::new(&shown, 1, 1))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_scenario(&shown, &text, &dir)
}

/// Parses scenario `text` (named `file` in messages; relative paths resolved from `dir`).
pub fn parse_scenario(file: &str, text: &str, dir: &Path) -> Result<Scenario, InputErrors> {
    let documents = scan_documents(file, text)?;
    let Some(first) = documents.first() else {
        return Err(InputError::new(
            SourceLocation::new(file, 1, 1),
            "the scenario file is empty",
        )
        .into());
    };
    let index = first.index.clone();
    let first_document = serde_yaml::Deserializer::from_str(text)
        .next()
        .ok_or_else(|| {
            InputErrors::from(InputError::new(index.start(), "the scenario file is empty"))
        })?;
    let parsed = ScenarioFile::deserialize(first_document)
        .map_err(|e| InputErrors::from(yaml_error(file, Some(&index), &e)))?;
    let mut loader = Loader {
        index: &index,
        dir: dir.to_path_buf(),
        errors: Vec::new(),
        warnings: Vec::new(),
        namespace_uses: Vec::new(),
        memory_thresholds: BTreeMap::new(),
    };
    if parsed.api_version != SCENARIO_API_VERSION {
        loader.err(
            "apiVersion",
            format!(
                "expected {SCENARIO_API_VERSION}, found {:?}",
                parsed.api_version
            ),
        );
    }
    if parsed.kind != "Scenario" {
        loader.err(
            "kind",
            format!("expected Scenario, found {:?}", parsed.kind),
        );
    }
    let spec = parsed.spec;
    let duration = match &spec.duration {
        Some(d) => loader
            .duration("spec.duration", d)
            .unwrap_or(DEFAULT_DURATION),
        None => DEFAULT_DURATION,
    };
    if duration > MAX_DURATION {
        loader.err(
            "spec.duration",
            format!("{duration} is longer than the limit of {MAX_DURATION}"),
        );
    }
    let end = SimTime::ZERO + duration;
    let controller_latency = match &spec.controller_latency {
        Some(d) => loader
            .duration("spec.controllerLatency", d)
            .unwrap_or_default(),
        None => SimDuration::ZERO,
    };
    let seeded_probe_phase = match spec.probe_phase.as_deref() {
        None | Some("canonical") => false,
        Some("seeded") => true,
        Some(other) => {
            loader.err(
                "spec.probePhase",
                format!("unknown probe phase {other:?}; expected `canonical` or `seeded`"),
            );
            false
        }
    };
    let scheduler = loader.scheduler(spec.scheduler.as_ref());

    // Nodes.
    let pools = spec.cluster.clone().unwrap_or_default().node_pools;
    let mut nodes = Vec::new();
    let mut next_index: BTreeMap<String, u64> = BTreeMap::new();
    let mut total_nodes = 0u64;
    for (i, pool) in pools.iter().enumerate() {
        let path = format!("spec.cluster.nodePools[{i}]");
        let count = pool.count.unwrap_or(1);
        total_nodes = total_nodes.saturating_add(count);
        if total_nodes > MAX_NODES {
            loader.err(
                &format!("{path}.count"),
                format!("{count} nodes is too many: a scenario may have at most {MAX_NODES}"),
            );
            continue;
        }
        if next_index.contains_key(&pool.name) {
            loader.err(
                &format!("{path}.name"),
                format!("duplicate pool name {:?}", pool.name),
            );
            continue;
        }
        nodes.extend(loader.pool_nodes(&path, pool, 1, count));
        next_index.insert(pool.name.clone(), count + 1);
    }

    // Manifests.
    let mut initial = Vec::new();
    for (i, m) in spec.manifests.iter().enumerate() {
        let at = index.locate_value(&format!("spec.manifests[{i}]"));
        let path = loader.dir.join(m);
        match load_objects(&path, &at, &mut loader.warnings, &mut loader.namespace_uses) {
            Ok(objects) => initial.extend(objects),
            Err(e) => loader.errors.extend(e.0),
        }
    }

    // Inline manifests: the documents after the scenario in the same file. The scenario's
    // own lines are blanked so that every later line keeps its number.
    if let Some(second) = documents.get(1) {
        let first_line = second.index.start().line.saturating_sub(1);
        let blanked: String = text
            .split_inclusive('\n')
            .enumerate()
            .map(|(n, line)| {
                if n < first_line.saturating_sub(1) {
                    "\n"
                } else {
                    line
                }
            })
            .collect();
        match load_manifests(file, &blanked) {
            Ok(loaded) => {
                loader.warnings.extend(loaded.warnings);
                for m in &loaded.objects {
                    match to_core(m) {
                        Ok(o) => {
                            note_namespace(m, &o, &mut loader.namespace_uses);
                            initial.push(o);
                        }
                        Err(e) => loader.errors.extend(e.0),
                    }
                }
            }
            Err(e) => loader.errors.extend(e.0),
        }
    }

    // Behaviours.
    let mut book = BehaviourBook::default();
    for (i, b) in spec.behaviours.iter().enumerate() {
        if let Some(rule) = loader.behaviour(&format!("spec.behaviours[{i}]"), b) {
            book.rules.push(rule);
        }
    }

    // Load models.
    let mut load = Vec::new();
    let mut load_indexes = Vec::new();
    for (i, l) in spec.load.iter().enumerate() {
        if let Some(model) = loader.load_model(&format!("spec.load[{i}]"), l) {
            if load.iter().any(|m: &sim_core::metrics::LoadModel| {
                m.namespace == model.namespace && m.target == model.target
            }) {
                loader.err(
                    &format!("spec.load[{i}]"),
                    format!(
                        "a second load entry for {}; give one curve per target",
                        model.target
                    ),
                );
                continue;
            }
            load.push(model);
            load_indexes.push(i);
        }
    }

    // Events.
    let mut actions = Vec::new();
    let mut action_events = Vec::new();
    for (i, e) in spec.events.iter().enumerate() {
        let path = format!("spec.events[{i}]");
        let Some(at) = loader.instant(&format!("{path}.at"), &e.at, end) else {
            continue;
        };
        for action in event_actions(
            &mut loader,
            &path,
            e,
            &pools,
            &mut next_index,
            &mut total_nodes,
        ) {
            actions.push((at, action));
            action_events.push(i);
        }
    }

    for ((_, action), &i) in actions.iter().zip(&action_events) {
        if let ScenarioAction::SetLoad {
            namespace, target, ..
        } = action
        {
            if !load
                .iter()
                .any(|m| &m.namespace == namespace && &m.target == target)
            {
                loader.err(
                    &format!("spec.events[{i}].setLoad"),
                    format!("no spec.load entry for {target} in namespace {namespace:?}: setLoad changes the curve of an existing entry"),
                );
            }
        }
    }
    check_references(&mut loader, &nodes, &initial, &actions, &action_events);
    load::check_targets(&mut loader, &load, &load_indexes, &initial, &actions);
    let applied = actions.iter().filter_map(|(_, a)| match a {
        ScenarioAction::Apply(o) => Some(o.clone()),
        _ => None,
    });
    let uses = std::mem::take(&mut loader.namespace_uses);
    check_namespaces(
        &mut loader.errors,
        uses,
        initial.iter().cloned().chain(applied),
    );

    let chaos = match &spec.chaos {
        Some(c) => failures::chaos(&mut loader, c, &pools, duration),
        None => sim_core::failures::ChaosConfig::default(),
    };

    // Expectations.
    let mut expectations = Vec::new();
    for (i, x) in spec.expect.iter().enumerate() {
        if let Some(e) = expectation(&mut loader, i, x, end) {
            expectations.push(e);
        }
    }

    let Loader {
        errors,
        warnings,
        memory_thresholds,
        ..
    } = loader;
    if !errors.is_empty() {
        let mut errors = errors;
        errors.sort_by(|a, b| {
            (&a.location.file, a.location.line, a.location.column).cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
            ))
        });
        return Err(InputErrors(errors));
    }
    Ok(Scenario {
        name: parsed.metadata.name,
        description: parsed.metadata.description,
        source: file.to_string(),
        seed: spec.seed.unwrap_or(1),
        duration: end,
        controller_latency,
        seeded_probe_phase,
        nodes,
        initial,
        actions,
        behaviours: book,
        load,
        expectations,
        warnings,
        scheduler,
        memory_eviction_thresholds: memory_thresholds,
        chaos,
    })
}

/// `kind/name` of an event that only makes sense for a Deployment (the `kubectl rollout`
/// and `kubectl set image` actions); anything else is reported at `path`.
fn deployment_ref(
    loader: &mut Loader<'_>,
    path: &str,
    text: &str,
    namespace: Option<&str>,
) -> Option<ObjectRef> {
    let target = loader.object_ref(path, text, namespace)?;
    if target.kind != Kind::Deployment {
        loader.err(
            path,
            format!(
                "only deployments have rollouts; found {} {:?}",
                target.kind.name(),
                target.key.name
            ),
        );
        return None;
    }
    Some(target)
}

fn event_actions(
    loader: &mut Loader<'_>,
    path: &str,
    e: &EventSpec,
    pools: &[NodePoolSpec],
    next_index: &mut BTreeMap<String, u64>,
    total_nodes: &mut u64,
) -> Vec<ScenarioAction> {
    let given = [
        e.apply.is_some(),
        e.delete.is_some(),
        e.scale.is_some(),
        e.cordon.is_some(),
        e.uncordon.is_some(),
        e.add_node.is_some(),
        e.remove_node.is_some(),
        e.pause.is_some(),
        e.resume.is_some(),
        e.rollout_undo.is_some(),
        e.set_image.is_some(),
        e.drain.is_some(),
        e.evict.is_some(),
        e.set_load.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
        + failures::count(e);
    if given != 1 {
        loader.err(
            path,
            format!(
                "an event needs exactly one action (apply, delete, scale, cordon, uncordon, addNode, removeNode, pause, resume, rolloutUndo, setImage, setLoad, drain, evict, {}); found {given}",
                failures::FAILURE_EVENTS
            ),
        );
        return Vec::new();
    }
    if failures::count(e) == 1 {
        return failures::failure_actions(loader, path, e);
    }
    if let Some(file) = &e.apply {
        let at = loader.index.locate_value(&format!("{path}.apply"));
        let target = loader.dir.join(file);
        let mut warnings = Vec::new();
        let mut uses = Vec::new();
        let result = load_objects(&target, &at, &mut warnings, &mut uses);
        loader.warnings.extend(warnings);
        loader.namespace_uses.extend(uses);
        return match result {
            Ok(objects) => objects.into_iter().map(ScenarioAction::Apply).collect(),
            Err(errors) => {
                loader.errors.extend(errors.0);
                Vec::new()
            }
        };
    }
    if let Some(d) = &e.delete {
        let dpath = format!("{path}.delete");
        let namespace = d.namespace.clone().unwrap_or_else(|| "default".to_string());
        let propagation_policy = match &d.propagation_policy {
            None => None,
            Some(text) => match PropagationPolicy::parse(text) {
                Some(p) => Some(p),
                None => {
                    let known: Vec<&str> =
                        PropagationPolicy::ALL.iter().map(|p| p.as_str()).collect();
                    let hint = suggest(text, &known)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    loader.err(
                        &format!("{dpath}.propagationPolicy"),
                        format!(
                            "unknown propagationPolicy {text:?}{hint}; expected one of {}",
                            known.join(", ")
                        ),
                    );
                    return Vec::new();
                }
            },
        };
        if let Some(object) = &d.object {
            if d.selector.is_some() || d.node.is_some() || d.count.is_some() {
                loader.err(
                    &dpath,
                    "`object` deletes one object; `selector`, `node` and `count` go without it",
                );
                return Vec::new();
            }
            return loader
                .object_ref(&format!("{dpath}.object"), object, Some(&namespace))
                .map(|target| ScenarioAction::Delete {
                    target,
                    grace_period_seconds: d.grace_period,
                    propagation_policy,
                })
                .into_iter()
                .collect();
        }
        if propagation_policy.is_some() {
            loader.err(
                &format!("{dpath}.propagationPolicy"),
                "`propagationPolicy` goes with `object`: pods matched by `selector` or `node` own nothing to propagate to",
            );
            return Vec::new();
        }
        if d.selector.is_none() && d.node.is_none() {
            loader.err(&dpath, "delete needs `object`, or `selector` and/or `node`");
            return Vec::new();
        }
        let selector = match &d.selector {
            Some(text) => match loader.selector(&format!("{dpath}.selector"), text) {
                Some(s) => s,
                None => return Vec::new(),
            },
            None => LabelSelector::default(),
        };
        return vec![ScenarioAction::DeletePods {
            namespace,
            selector,
            node: d.node.clone(),
            count: d.count.map(|c| usize::try_from(c).unwrap_or(usize::MAX)),
            grace_period_seconds: d.grace_period,
        }];
    }
    if let Some(s) = &e.scale {
        let spath = format!("{path}.scale");
        let Some(target) = loader.object_ref(
            &format!("{spath}.object"),
            &s.object,
            s.namespace.as_deref(),
        ) else {
            return Vec::new();
        };
        if !matches!(
            target.kind,
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet
        ) {
            loader.err(
                &format!("{spath}.object"),
                "only deployments, replicasets and statefulsets can be scaled",
            );
            return Vec::new();
        }
        if s.replicas > MAX_REPLICAS {
            loader.err(
                &format!("{spath}.replicas"),
                format!(
                    "{} replicas is absurd: the limit is {MAX_REPLICAS}",
                    s.replicas
                ),
            );
            return Vec::new();
        }
        return vec![ScenarioAction::Scale {
            target,
            replicas: u32::try_from(s.replicas).unwrap_or(u32::MAX),
        }];
    }
    if let Some(text) = e.pause.as_ref().or(e.resume.as_ref()) {
        let field = if e.pause.is_some() { "pause" } else { "resume" };
        let field_path = format!("{path}.{field}");
        // A Deployment's rollout, or a Job's or CronJob's `spec.suspend`.
        let Some(target) = loader.object_ref(&field_path, text, None) else {
            return Vec::new();
        };
        if !matches!(target.kind, Kind::Deployment | Kind::Job | Kind::CronJob) {
            loader.err(
                &field_path,
                format!(
                    "only deployments have rollouts (and only jobs and cronjobs are \
                     suspended); found {} {:?}",
                    target.kind.name(),
                    target.key.name
                ),
            );
            return Vec::new();
        }
        return vec![ScenarioAction::SetPaused {
            target,
            paused: e.pause.is_some(),
        }];
    }
    if let Some(u) = &e.rollout_undo {
        let upath = format!("{path}.rolloutUndo.object");
        let Some(target) = deployment_ref(loader, &upath, &u.object, u.namespace.as_deref()) else {
            return Vec::new();
        };
        return vec![ScenarioAction::RolloutUndo {
            target,
            to_revision: u.to_revision,
        }];
    }
    if let Some(l) = &e.set_load {
        let lpath = format!("{path}.setLoad");
        let namespace = l.namespace.clone().unwrap_or_else(|| "default".to_string());
        let target = loader.load_target(
            &lpath,
            l.service.as_ref(),
            l.target.as_ref(),
            Some(&namespace),
        );
        let curve = loader.curve(
            &format!("{lpath}.requestsPerSecond"),
            &l.requests_per_second,
        );
        return match (target, curve) {
            (Some(target), Some(curve)) => vec![ScenarioAction::SetLoad {
                namespace,
                target,
                curve,
            }],
            _ => Vec::new(),
        };
    }
    if let Some(s) = &e.set_image {
        let spath = format!("{path}.setImage");
        let Some(target) = loader.object_ref(
            &format!("{spath}.object"),
            &s.object,
            s.namespace.as_deref(),
        ) else {
            return Vec::new();
        };
        if !matches!(
            target.kind,
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet
        ) {
            loader.err(
                &format!("{spath}.object"),
                format!(
                    "only deployments, statefulsets and daemonsets have a pod template to set \
                     an image in; found {} {:?}",
                    target.kind.name(),
                    target.key.name
                ),
            );
            return Vec::new();
        }
        for (field, value) in [("container", &s.container), ("image", &s.image)] {
            if value.trim().is_empty() {
                loader.err(&format!("{spath}.{field}"), format!("`{field}` is empty"));
                return Vec::new();
            }
        }
        return vec![ScenarioAction::SetImage {
            target,
            container: s.container.clone(),
            image: s.image.clone(),
        }];
    }
    if let Some(node) = e.cordon.as_ref().or(e.uncordon.as_ref()) {
        return vec![ScenarioAction::SetUnschedulable {
            node: node.clone(),
            unschedulable: e.cordon.is_some(),
        }];
    }
    if let Some(add) = &e.add_node {
        let apath = format!("{path}.addNode");
        let Some((pool_index, pool)) = pools.iter().enumerate().find(|(_, p)| p.name == add.pool)
        else {
            let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
            let hint = suggest(&add.pool, &names)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            loader.err(
                &format!("{apath}.pool"),
                format!(
                    "no node pool named {:?}{hint}; pools: {}",
                    add.pool,
                    names.join(", ")
                ),
            );
            return Vec::new();
        };
        let count = add.count.unwrap_or(1);
        *total_nodes = total_nodes.saturating_add(count);
        if *total_nodes > MAX_NODES {
            loader.err(
                &format!("{apath}.count"),
                format!("{count} more nodes is too many: a scenario may have at most {MAX_NODES}"),
            );
            return Vec::new();
        }
        let first = next_index.get(&pool.name).copied().unwrap_or(1);
        next_index.insert(pool.name.clone(), first + count);
        let pool_path = format!("spec.cluster.nodePools[{pool_index}]");
        return loader
            .pool_nodes(&pool_path, pool, first, count)
            .into_iter()
            .map(|n| ScenarioAction::Apply(AnyObject::Node(Box::new(n))))
            .collect();
    }
    if let Some(value) = &e.drain {
        return disruption_events::drain(loader, &format!("{path}.drain"), value)
            .into_iter()
            .collect();
    }
    if let Some(value) = &e.evict {
        return disruption_events::evict(loader, &format!("{path}.evict"), value)
            .into_iter()
            .collect();
    }
    if let Some(node) = &e.remove_node {
        return vec![ScenarioAction::Delete {
            target: ObjectRef::new(Kind::Node, ObjectKey::cluster(node.clone())),
            grace_period_seconds: None,
            propagation_policy: None,
        }];
    }
    Vec::new()
}

fn expectation(
    loader: &mut Loader<'_>,
    i: usize,
    x: &ExpectSpec,
    end: SimTime,
) -> Option<Expectation> {
    let path = format!("spec.expect[{i}]");
    let location = loader.index.locate(&path);
    let when_count = [x.at.is_some(), x.by.is_some(), x.always == Some(true)]
        .iter()
        .filter(|b| **b)
        .count();
    if when_count != 1 {
        loader.err(
            &path,
            "an expectation needs exactly one of `at`, `by` or `always: true`",
        );
        return None;
    }
    let when = if let Some(at) = &x.at {
        When::At(loader.instant(&format!("{path}.at"), at, end)?)
    } else if let Some(by) = &x.by {
        When::By(loader.instant(&format!("{path}.by"), by, end)?)
    } else {
        When::Always
    };
    let namespace = x.namespace.clone().unwrap_or_else(|| "default".to_string());
    let endpoints_path = format!("{path}.readyEndpoints");
    // `readyEndpoints:` written with no value decodes as absent; it is a missing name.
    let ready_endpoints = match &x.ready_endpoints {
        None if loader.index.contains(&endpoints_path) => Some(String::new()),
        other => other.clone(),
    };
    let subject = match (&x.object, &x.count, ready_endpoints) {
        (None, None, Some(service)) => {
            if x.selector.is_some() || !x.where_.is_empty() {
                loader.err(
                    &path,
                    "`selector` and `where` go with `count`, not `readyEndpoints`",
                );
                return None;
            }
            if let Some(problem) = crate::expect::service_name_problem(&service) {
                loader.err(&endpoints_path, problem);
                return None;
            }
            Subject::ReadyEndpoints {
                service: ObjectKey::new(namespace, service),
            }
        }
        (Some(object), None, None) => {
            if x.selector.is_some() || !x.where_.is_empty() {
                loader.err(
                    &path,
                    "`selector` and `where` go with `count`, not `object`",
                );
                return None;
            }
            Subject::Object(loader.object_ref(
                &format!("{path}.object"),
                object,
                Some(&namespace),
            )?)
        }
        (None, Some(kind_text), None) => {
            let Some(kind) = Kind::parse(kind_text) else {
                loader.err(
                    &format!("{path}.count"),
                    format!("unknown kind {kind_text:?}"),
                );
                return None;
            };
            let selector = match &x.selector {
                Some(s) => loader.selector(&format!("{path}.selector"), s)?,
                None => LabelSelector::default(),
            };
            let mut filters = Vec::new();
            for (field, value) in &x.where_ {
                if let Err(e) = crate::view::check_field_path(field) {
                    loader.err(&format!("{path}.where"), e.to_string());
                    return None;
                }
                filters.push((field.clone(), yaml_scalar_text(value)));
            }
            Subject::Count {
                kind,
                namespace: if kind.namespaced() {
                    Some(namespace)
                } else {
                    None
                },
                selector,
                filters,
            }
        }
        _ => {
            loader.err(
                &path,
                "an expectation needs exactly one of `object`, `count` or `readyEndpoints`",
            );
            return None;
        }
    };
    if let Some(field) = &x.field {
        if matches!(
            subject,
            Subject::Count { .. } | Subject::ReadyEndpoints { .. }
        ) {
            loader.err(
                &format!("{path}.field"),
                "`field` goes with `object`; a `count` or `readyEndpoints` is compared directly",
            );
            return None;
        }
        if let Err(e) = crate::view::check_field_path(field) {
            loader.err(&format!("{path}.field"), e.to_string());
            return None;
        }
    }
    let checks = [
        x.equals.is_some(),
        x.at_least.is_some(),
        x.at_most.is_some(),
        x.exists.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if checks != 1 {
        loader.err(
            &path,
            "an expectation needs exactly one of `equals`, `atLeast`, `atMost` or `exists`",
        );
        return None;
    }
    let check = if let Some(v) = &x.equals {
        Check::Equals(yaml_scalar_text(v))
    } else if let Some(v) = x.at_least {
        Check::AtLeast(v)
    } else if let Some(v) = x.at_most {
        Check::AtMost(v)
    } else {
        Check::Exists(x.exists.unwrap_or(true))
    };
    if matches!(check, Check::Exists(_))
        && (x.field.is_some()
            || matches!(
                subject,
                Subject::Count { .. } | Subject::ReadyEndpoints { .. }
            ))
    {
        loader.err(
            &format!("{path}.exists"),
            "`exists` checks an `object` without `field`",
        );
        return None;
    }
    if x.field.is_none()
        && matches!(subject, Subject::Object(_))
        && !matches!(check, Check::Exists(_))
    {
        loader.err(&path, "checking an `object` needs a `field` (or `exists`)");
        return None;
    }
    Some(Expectation {
        index: i,
        when,
        subject,
        field: x.field.clone(),
        check,
        description: x.description.clone(),
        location,
    })
}

/// A YAML scalar as text (`6`, `Running`, `true`); other values as their YAML form.
pub fn yaml_scalar_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => "<none>".to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// A scenario made of plain manifests (`kubesim run -f ...`): the default cluster (3 nodes of
/// 4 CPU / 16Gi / 110 pods in one zone), seed 1, 10 minutes, no events or expectations.
pub fn scenario_from_manifests(paths: &[PathBuf]) -> Result<Scenario, InputErrors> {
    let index = YamlIndex::from_document("<command line>", "")?;
    let mut loader = Loader {
        index: &index,
        dir: PathBuf::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        namespace_uses: Vec::new(),
        memory_thresholds: BTreeMap::new(),
    };
    let pool = default_pool();
    let nodes = loader.pool_nodes("defaultCluster", &pool, 1, pool.count.unwrap_or(3));
    let mut initial = Vec::new();
    for p in paths {
        let at = SourceLocation::new(p.display().to_string(), 1, 1);
        match load_objects(p, &at, &mut loader.warnings, &mut loader.namespace_uses) {
            Ok(o) => initial.extend(o),
            Err(e) => loader.errors.extend(e.0),
        }
    }
    let uses = std::mem::take(&mut loader.namespace_uses);
    check_namespaces(&mut loader.errors, uses, initial.iter().cloned());
    let Loader {
        errors,
        warnings,
        memory_thresholds,
        ..
    } = loader;
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let source = paths
        .iter()
        .map(|p| format!("-f {}", p.display()))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Scenario {
        name: "manifests".to_string(),
        description: None,
        source,
        seed: 1,
        duration: SimTime::ZERO + DEFAULT_DURATION,
        controller_latency: SimDuration::ZERO,
        seeded_probe_phase: false,
        nodes,
        initial,
        actions: Vec::new(),
        behaviours: BehaviourBook::default(),
        load: Vec::new(),
        expectations: Vec::new(),
        warnings,
        scheduler: SchedulerChoice::default(),
        memory_eviction_thresholds: memory_thresholds,
        chaos: sim_core::failures::ChaosConfig::default(),
    })
}

fn object_key_of(object: &AnyObject) -> (Kind, ObjectKey) {
    let r = object.object_ref();
    (r.kind, r.key)
}

/// Refuses events that name an object no manifest or earlier event creates: a Node,
/// Deployment or ReplicaSet that does not exist is a mistake in the scenario, not a what-if.
/// (Pods are not checked, nor ReplicaSets, Jobs and claims while a Deployment, CronJob or
/// StatefulSet exists that could create them: their names are only known at run time.)
fn check_references(
    loader: &mut Loader<'_>,
    nodes: &[Node],
    initial: &[AnyObject],
    actions: &[(SimTime, ScenarioAction)],
    action_events: &[usize],
) {
    use std::collections::BTreeSet;
    let mut known: BTreeSet<(Kind, ObjectKey)> = nodes
        .iter()
        .map(|n| (Kind::Node, ObjectKey::cluster(n.meta.name.clone())))
        .collect();
    known.extend(initial.iter().map(object_key_of));
    let mut order: Vec<usize> = (0..actions.len()).collect();
    order.sort_by_key(|&i| (actions[i].0, i));
    for i in order {
        let path = format!("spec.events[{}]", action_events[i]);
        let (target, field) = match &actions[i].1 {
            ScenarioAction::Apply(o) => {
                known.insert(object_key_of(o));
                continue;
            }
            ScenarioAction::Delete { target, .. } => (target.clone(), "delete.object"),
            ScenarioAction::Scale { target, .. } => (target.clone(), "scale.object"),
            ScenarioAction::SetPaused {
                target,
                paused: true,
            } => (target.clone(), "pause"),
            ScenarioAction::SetPaused { target, .. } => (target.clone(), "resume"),
            ScenarioAction::RolloutUndo { target, .. } => (target.clone(), "rolloutUndo.object"),
            ScenarioAction::SetImage { target, .. } => (target.clone(), "setImage.object"),
            ScenarioAction::SetUnschedulable {
                node,
                unschedulable,
            } => (
                ObjectRef::new(Kind::Node, ObjectKey::cluster(node.clone())),
                if *unschedulable { "cordon" } else { "uncordon" },
            ),
            ScenarioAction::DeletePods {
                node: Some(node), ..
            } => (
                ObjectRef::new(Kind::Node, ObjectKey::cluster(node.clone())),
                "delete.node",
            ),
            ScenarioAction::DeletePods { .. }
            | ScenarioAction::Evict { .. }
            | ScenarioAction::SetLoad { .. } => continue,
            ScenarioAction::Drain(options) => (
                ObjectRef::new(Kind::Node, ObjectKey::cluster(options.node.clone())),
                "drain",
            ),
            ScenarioAction::KillContainer { .. } => continue,
            ScenarioAction::FailNodes { target, .. } | ScenarioAction::RecoverNodes { target } => {
                let field = match &actions[i].1 {
                    ScenarioAction::RecoverNodes { .. } => "recoverNode",
                    ScenarioAction::FailNodes {
                        mode: sim_core::objects::NodeFailureMode::Partition,
                        ..
                    } => "partition",
                    ScenarioAction::FailNodes {
                        target: sim_core::failures::NodeTarget::Zone(_),
                        ..
                    } => "zoneOutage",
                    _ => "failNode",
                };
                check_node_target(
                    loader, &path, field, target, &known, nodes, initial, actions,
                );
                continue;
            }
        };
        if target.kind == Kind::Pod {
            continue;
        }
        // Objects that controllers create (a Deployment's ReplicaSets, a CronJob's Jobs, a
        // StatefulSet's claims) have names known only at run time, as pods do: a recorded
        // `kubesim serve` session may name them.
        let owner_kind = match target.kind {
            Kind::ReplicaSet => Some(Kind::Deployment),
            Kind::Job => Some(Kind::CronJob),
            Kind::PersistentVolumeClaim => Some(Kind::StatefulSet),
            _ => None,
        };
        if owner_kind.is_some_and(|owner| known.iter().any(|(k, _)| *k == owner))
            && !known.contains(&(target.kind, target.key.clone()))
        {
            continue;
        }
        let field =
            if target.kind == Kind::Node && matches!(actions[i].1, ScenarioAction::Delete { .. }) {
                "removeNode"
            } else {
                field
            };
        let key = (target.kind, target.key.clone());
        if !known.contains(&key) {
            let names: Vec<String> = known
                .iter()
                .filter(|(k, _)| *k == target.kind)
                .map(|(_, k)| k.name.clone())
                .collect();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = suggest(&target.key.name, &candidates)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            loader.err(
                &format!("{path}.{field}"),
                format!(
                    "{} {:?} does not exist at that time{hint}: no manifest or earlier event creates it",
                    target.kind.name(),
                    target.key.to_string()
                ),
            );
        } else if matches!(actions[i].1, ScenarioAction::Delete { .. }) {
            known.remove(&key);
        }
    }
}

/// A failure event must name nodes that exist at that time, or a zone some node is in.
#[allow(clippy::too_many_arguments)]
fn check_node_target(
    loader: &mut Loader<'_>,
    path: &str,
    field: &str,
    target: &sim_core::failures::NodeTarget,
    known: &BTreeSet<(Kind, ObjectKey)>,
    nodes: &[Node],
    initial: &[AnyObject],
    actions: &[(SimTime, ScenarioAction)],
) {
    use sim_core::failures::NodeTarget;
    match target {
        NodeTarget::Names(names) => {
            let candidates: Vec<String> = known
                .iter()
                .filter(|(k, _)| *k == Kind::Node)
                .map(|(_, k)| k.name.clone())
                .collect();
            for name in names {
                if known.contains(&(Kind::Node, ObjectKey::cluster(name.clone()))) {
                    continue;
                }
                let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
                let hint = suggest(name, &refs)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                loader.err(
                    &format!("{path}.{field}"),
                    format!("Node {name:?} does not exist at that time{hint}: no pool, manifest or earlier event creates it"),
                );
            }
        }
        NodeTarget::Zone(zone) => {
            let label = "topology.kubernetes.io/zone";
            let mut applied = initial
                .iter()
                .chain(actions.iter().filter_map(|(_, a)| match a {
                    ScenarioAction::Apply(o) => Some(o),
                    _ => None,
                }));
            let in_zone = nodes.iter().any(|n| n.meta.labels.get(label) == Some(zone))
                || applied.any(
                    |o| matches!(o, AnyObject::Node(n) if n.meta.labels.get(label) == Some(zone)),
                );
            if !in_zone {
                let mut zones: BTreeSet<&str> = nodes
                    .iter()
                    .filter_map(|n| n.meta.labels.get(label).map(String::as_str))
                    .collect();
                zones.extend(initial.iter().filter_map(|o| match o {
                    AnyObject::Node(n) => n.meta.labels.get(label).map(String::as_str),
                    _ => None,
                }));
                let list: Vec<&str> = zones.into_iter().collect();
                let hint = suggest(zone, &list)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                loader.err(
                    &format!("{path}.{field}"),
                    format!(
                        "no node is in zone {zone:?}{hint}; zones: {}",
                        if list.is_empty() {
                            "none".to_string()
                        } else {
                            list.join(", ")
                        }
                    ),
                );
            }
        }
    }
}
