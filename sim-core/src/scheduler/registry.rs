//! The plugin registry and scheduling profiles.
//!
//! A [`Registry`] is an explicit value built at start-up that maps plugin names to factories.
//! A [`Profile`] is built from a [`ProfileConfig`]: the filter names and the (score name,
//! weight) pairs, in configuration order, which is the order the plugins run in. Nothing here
//! iterates a map to decide an order.

use std::collections::BTreeMap;
use std::fmt;

use super::framework::{
    BindPlugin, DefaultBinder, FilterPlugin, PermitPlugin, PostFilterPlugin, ReservePlugin,
    ScorePlugin,
};
use super::plugins::{
    names, ImageLocality, InterPodAffinity, NodeAffinity, NodeName, NodePorts,
    NodeResourcesBalancedAllocation, NodeResourcesFit, NodeResourcesFitArgs, NodeUnschedulable,
    PodTopologySpread, TaintToleration,
};
use super::preemption::DefaultPreemption;

/// The `schedulerName` of the default profile.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// Typed arguments of the plugins that take any (kube-scheduler's `pluginConfig[].args`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PluginArgs {
    /// `NodeResourcesFitArgs`.
    pub node_resources_fit: NodeResourcesFitArgs,
    /// `InterPodAffinityArgs.hardPodAffinityWeight` (0..=100); `None` is the default, 1.
    pub hard_pod_affinity_weight: Option<i64>,
}

/// The extension points a plugin instance implements: a factory fills in those it has
/// (`..PluginInstance::default()` for the rest).
#[derive(Default)]
pub struct PluginInstance {
    /// The Filter extension point (with PreFilter), if the plugin has one.
    pub filter: Option<Box<dyn FilterPlugin>>,
    /// The Score extension point (with PreScore and NormalizeScore), if the plugin has one.
    pub score: Option<Box<dyn ScorePlugin>>,
    /// The PostFilter extension point, if the plugin has one.
    pub post_filter: Option<Box<dyn PostFilterPlugin>>,
    /// The Reserve extension point, if the plugin has one.
    pub reserve: Option<Box<dyn ReservePlugin>>,
    /// The Permit extension point, if the plugin has one.
    pub permit: Option<Box<dyn PermitPlugin>>,
    /// The Bind extension point, if the plugin has one.
    pub bind: Option<Box<dyn BindPlugin>>,
}

impl PluginInstance {
    /// Whether the plugin implements `point`.
    pub fn implements(&self, point: ExtensionPoint) -> bool {
        match point {
            ExtensionPoint::Filter => self.filter.is_some(),
            ExtensionPoint::Score => self.score.is_some(),
            ExtensionPoint::PostFilter => self.post_filter.is_some(),
            ExtensionPoint::Reserve => self.reserve.is_some(),
            ExtensionPoint::Permit => self.permit.is_some(),
            ExtensionPoint::Bind => self.bind.is_some(),
        }
    }
}

impl fmt::Debug for PluginInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginInstance")
            .field("filter", &self.filter.as_ref().map(|p| p.name()))
            .field("score", &self.score.as_ref().map(|p| p.name()))
            .field("post_filter", &self.post_filter.as_ref().map(|p| p.name()))
            .field("reserve", &self.reserve.as_ref().map(|p| p.name()))
            .field("permit", &self.permit.as_ref().map(|p| p.name()))
            .field("bind", &self.bind.as_ref().map(|p| p.name()))
            .finish()
    }
}

/// The extension points a profile lists plugins for (PreFilter, PreScore and NormalizeScore
/// come with Filter and Score, as in kube-scheduler's plugins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionPoint {
    /// Filter.
    Filter,
    /// Score.
    Score,
    /// PostFilter.
    PostFilter,
    /// Reserve.
    Reserve,
    /// Permit.
    Permit,
    /// Bind.
    Bind,
}

impl ExtensionPoint {
    /// kube-scheduler's name of the point.
    pub fn name(self) -> &'static str {
        match self {
            ExtensionPoint::Filter => "Filter",
            ExtensionPoint::Score => "Score",
            ExtensionPoint::PostFilter => "PostFilter",
            ExtensionPoint::Reserve => "Reserve",
            ExtensionPoint::Permit => "Permit",
            ExtensionPoint::Bind => "Bind",
        }
    }
}

/// Builds a plugin from the profile's arguments; `Err` carries a human-readable reason.
pub type PluginFactory = Box<dyn Fn(&PluginArgs) -> Result<PluginInstance, String>>;

/// A problem with the registry or a profile configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A name was registered twice.
    #[error("a plugin named {name:?} is already registered")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// A profile names a plugin the registry does not know.
    #[error("unknown plugin {name:?}; known plugins: {}", known.join(", "))]
    Unknown {
        /// The unknown name.
        name: String,
        /// Every registered name, sorted.
        known: Vec<String>,
    },
    /// A plugin is listed at an extension point it does not implement.
    #[error("plugin {name:?} does not extend {extension_point}")]
    NotAtExtensionPoint {
        /// The plugin.
        name: String,
        /// `Filter` or `Score`.
        extension_point: &'static str,
    },
    /// A plugin is listed twice at one extension point of a profile.
    #[error("plugin {name:?} is listed twice in {extension_point} of profile {profile:?}")]
    DuplicateInProfile {
        /// The plugin.
        name: String,
        /// `Filter` or `Score`.
        extension_point: &'static str,
        /// The profile's scheduler name.
        profile: String,
    },
    /// A score weight is negative.
    #[error("score plugin {name:?} has weight {weight}; weights must not be negative")]
    InvalidWeight {
        /// The plugin.
        name: String,
        /// The weight given.
        weight: i64,
    },
    /// Two profiles serve the same `schedulerName`.
    #[error("a profile for scheduler {scheduler_name:?} already exists")]
    DuplicateProfile {
        /// The scheduler name.
        scheduler_name: String,
    },
    /// A profile has no Bind plugin, so no pod could ever be bound.
    #[error("at least one bind plugin is needed for profile with scheduler name {profile:?}")]
    NoBindPlugin {
        /// The profile's scheduler name.
        profile: String,
    },
    /// A factory rejected its arguments.
    #[error("plugin {name:?}: {message}")]
    InvalidArgs {
        /// The plugin.
        name: String,
        /// The factory's reason.
        message: String,
    },
}

/// Plugin names mapped to factories.
#[derive(Default)]
pub struct Registry {
    factories: BTreeMap<String, PluginFactory>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names())
            .finish()
    }
}

impl Registry {
    /// A registry with no plugins.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A registry with the in-tree plugins: NodeUnschedulable, NodeName, TaintToleration,
    /// NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity,
    /// NodeResourcesBalancedAllocation and ImageLocality.
    pub fn with_default_plugins() -> Registry {
        let mut registry = Registry::new();
        let defaults: [(&str, PluginFactory); 12] = [
            (
                names::NODE_UNSCHEDULABLE,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(NodeUnschedulable)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::NODE_NAME,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(NodeName)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::TAINT_TOLERATION,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(TaintToleration)),
                        score: Some(Box::new(TaintToleration)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::NODE_AFFINITY,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(NodeAffinity)),
                        score: Some(Box::new(NodeAffinity)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::NODE_RESOURCES_FIT,
                Box::new(|args: &PluginArgs| {
                    let plugin = NodeResourcesFit::new(args.node_resources_fit)?;
                    Ok(PluginInstance {
                        filter: Some(Box::new(plugin)),
                        score: Some(Box::new(plugin)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::NODE_RESOURCES_BALANCED_ALLOCATION,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        score: Some(Box::new(NodeResourcesBalancedAllocation)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::NODE_PORTS,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(NodePorts)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::POD_TOPOLOGY_SPREAD,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        filter: Some(Box::new(PodTopologySpread)),
                        score: Some(Box::new(PodTopologySpread)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::INTER_POD_AFFINITY,
                Box::new(|args: &PluginArgs| {
                    let weight = args.hard_pod_affinity_weight.unwrap_or(1);
                    if !(0..=100).contains(&weight) {
                        return Err(format!(
                            "hardPodAffinityWeight: Invalid value: {weight}: not in valid range [0, 100]"
                        ));
                    }
                    let plugin = InterPodAffinity {
                        hard_pod_affinity_weight: weight,
                    };
                    Ok(PluginInstance {
                        filter: Some(Box::new(plugin)),
                        score: Some(Box::new(plugin)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::IMAGE_LOCALITY,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        score: Some(Box::new(ImageLocality)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::DEFAULT_PREEMPTION,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        post_filter: Some(Box::new(DefaultPreemption)),
                        ..PluginInstance::default()
                    })
                }),
            ),
            (
                names::DEFAULT_BINDER,
                Box::new(|_: &PluginArgs| {
                    Ok(PluginInstance {
                        bind: Some(Box::new(DefaultBinder)),
                        ..PluginInstance::default()
                    })
                }),
            ),
        ];
        for (name, factory) in defaults {
            let registered = registry.register(name, factory);
            assert!(registered.is_ok(), "default plugin {name} registered twice");
        }
        registry
    }

    /// Registers `factory` under `name`; a name can be registered once.
    ///
    /// # Example
    ///
    /// ```
    /// use sim_core::objects::Pod;
    /// use sim_core::scheduler::framework::{CycleState, FilterPlugin, Status};
    /// use sim_core::scheduler::node_info::NodeInfo;
    /// use sim_core::scheduler::registry::{PluginArgs, PluginInstance, Registry, RegistryError};
    ///
    /// struct EvenNodesOnly;
    ///
    /// impl FilterPlugin for EvenNodesOnly {
    ///     fn name(&self) -> &'static str {
    ///         "EvenNodesOnly"
    ///     }
    ///     fn filter(&self, _: &CycleState, _: &Pod, node: &NodeInfo) -> Status {
    ///         if node.name().ends_with(['0', '2', '4', '6', '8']) {
    ///             Status::Success
    ///         } else {
    ///             Status::unschedulable("node(s) were odd")
    ///         }
    ///     }
    /// }
    ///
    /// let mut registry = Registry::with_default_plugins();
    /// let factory = |_: &PluginArgs| {
    ///     Ok(PluginInstance { filter: Some(Box::new(EvenNodesOnly)), ..PluginInstance::default() })
    /// };
    /// registry.register("EvenNodesOnly", Box::new(factory))?;
    /// let again = registry.register("EvenNodesOnly", Box::new(factory));
    /// assert!(matches!(again, Err(RegistryError::Duplicate { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn register(
        &mut self,
        name: impl Into<String>,
        factory: PluginFactory,
    ) -> Result<(), RegistryError> {
        let name = name.into();
        if self.factories.contains_key(&name) {
            return Err(RegistryError::Duplicate { name });
        }
        self.factories.insert(name, factory);
        Ok(())
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }

    /// Builds the plugin registered as `name`.
    pub fn instantiate(
        &self,
        name: &str,
        args: &PluginArgs,
    ) -> Result<PluginInstance, RegistryError> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| RegistryError::Unknown {
                name: name.to_string(),
                known: self.names(),
            })?;
        factory(args).map_err(|message| RegistryError::InvalidArgs {
            name: name.to_string(),
            message,
        })
    }
}

/// Which plugins a profile runs, in order, with score weights (a `KubeSchedulerProfile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileConfig {
    /// Pods whose `schedulerName` is this use the profile.
    pub scheduler_name: String,
    /// Filter plugin names, in the order they run.
    pub filters: Vec<String>,
    /// Score plugin names with weights, in configuration order. A weight of 0 means 1, as in
    /// kube-scheduler; negative weights are rejected.
    pub scorers: Vec<(String, i64)>,
    /// PostFilter plugin names, in the order they run.
    pub post_filters: Vec<String>,
    /// Reserve plugin names, in the order they run.
    pub reserves: Vec<String>,
    /// Permit plugin names, in the order they run.
    pub permits: Vec<String>,
    /// Bind plugin names, in the order they are asked.
    pub binds: Vec<String>,
    /// Plugin arguments.
    pub args: PluginArgs,
    /// `percentageOfNodesToScore`: 0 (the default) is adaptive, see
    /// [`num_feasible_nodes_to_find`](super::num_feasible_nodes_to_find).
    pub percentage_of_nodes_to_score: u32,
}

impl ProfileConfig {
    /// kube-scheduler's default profile restricted to the implemented plugins: filters
    /// NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
    /// NodeResourcesFit, PodTopologySpread, InterPodAffinity; scores TaintToleration 3,
    /// NodeAffinity 2, NodeResourcesFit 1, PodTopologySpread 2, InterPodAffinity 2,
    /// NodeResourcesBalancedAllocation 1, ImageLocality 1 (k8s-semantics 9.1).
    pub fn default_config() -> ProfileConfig {
        ProfileConfig {
            scheduler_name: DEFAULT_SCHEDULER_NAME.to_string(),
            filters: [
                names::NODE_UNSCHEDULABLE,
                names::NODE_NAME,
                names::TAINT_TOLERATION,
                names::NODE_AFFINITY,
                names::NODE_PORTS,
                names::NODE_RESOURCES_FIT,
                names::POD_TOPOLOGY_SPREAD,
                names::INTER_POD_AFFINITY,
            ]
            .map(String::from)
            .to_vec(),
            scorers: [
                (names::TAINT_TOLERATION, 3),
                (names::NODE_AFFINITY, 2),
                (names::NODE_RESOURCES_FIT, 1),
                (names::POD_TOPOLOGY_SPREAD, 2),
                (names::INTER_POD_AFFINITY, 2),
                (names::NODE_RESOURCES_BALANCED_ALLOCATION, 1),
                (names::IMAGE_LOCALITY, 1),
            ]
            .map(|(name, weight)| (name.to_string(), weight))
            .to_vec(),
            post_filters: vec![names::DEFAULT_PREEMPTION.to_string()],
            reserves: Vec::new(),
            permits: Vec::new(),
            binds: vec![names::DEFAULT_BINDER.to_string()],
            args: PluginArgs::default(),
            percentage_of_nodes_to_score: 0,
        }
    }
}

/// A built scheduling profile: the plugin instances in the order they run.
pub struct Profile {
    /// Pods whose `schedulerName` is this use the profile.
    pub scheduler_name: String,
    /// Filters, in the order they run.
    pub filters: Vec<Box<dyn FilterPlugin>>,
    /// Score plugins with their weights (≥ 1).
    pub scorers: Vec<(Box<dyn ScorePlugin>, i64)>,
    /// PostFilter plugins (DefaultPreemption), run when no node fits.
    pub post_filters: Vec<Box<dyn PostFilterPlugin>>,
    /// Reserve plugins.
    pub reserves: Vec<Box<dyn ReservePlugin>>,
    /// Permit plugins.
    pub permits: Vec<Box<dyn PermitPlugin>>,
    /// Bind plugins (DefaultBinder), asked in order until one binds.
    pub binds: Vec<Box<dyn BindPlugin>>,
    /// `percentageOfNodesToScore` (0: adaptive).
    pub percentage_of_nodes_to_score: u32,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filters: Vec<&str> = self.filters.iter().map(|p| p.name()).collect();
        let scorers: Vec<(&str, i64)> = self.scorers.iter().map(|(p, w)| (p.name(), *w)).collect();
        let post_filters: Vec<&str> = self.post_filters.iter().map(|p| p.name()).collect();
        let reserves: Vec<&str> = self.reserves.iter().map(|p| p.name()).collect();
        let permits: Vec<&str> = self.permits.iter().map(|p| p.name()).collect();
        let binds: Vec<&str> = self.binds.iter().map(|p| p.name()).collect();
        f.debug_struct("Profile")
            .field("scheduler_name", &self.scheduler_name)
            .field("filters", &filters)
            .field("scorers", &scorers)
            .field("post_filters", &post_filters)
            .field("reserves", &reserves)
            .field("permits", &permits)
            .field("binds", &binds)
            .field(
                "percentage_of_nodes_to_score",
                &self.percentage_of_nodes_to_score,
            )
            .finish()
    }
}

/// Builds the plugins `names` lists at `point`, in order: each name once, each registered
/// and implementing the point; `take` picks the point's part of an instance.
fn build_point<P: ?Sized>(
    registry: &Registry,
    config: &ProfileConfig,
    names: &[String],
    point: ExtensionPoint,
    take: impl Fn(PluginInstance) -> Option<Box<P>>,
) -> Result<Vec<Box<P>>, RegistryError> {
    let mut plugins = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(RegistryError::DuplicateInProfile {
                name: name.clone(),
                extension_point: point.name(),
                profile: config.scheduler_name.clone(),
            });
        }
        let plugin = take(registry.instantiate(name, &config.args)?).ok_or_else(|| {
            RegistryError::NotAtExtensionPoint {
                name: name.clone(),
                extension_point: point.name(),
            }
        })?;
        plugins.push(plugin);
    }
    Ok(plugins)
}

impl Profile {
    /// Builds the profile described by `config` from `registry`.
    pub fn new(registry: &Registry, config: &ProfileConfig) -> Result<Profile, RegistryError> {
        if config.binds.is_empty() {
            return Err(RegistryError::NoBindPlugin {
                profile: config.scheduler_name.clone(),
            });
        }
        if let Some((name, weight)) = config.scorers.iter().find(|(_, weight)| *weight < 0) {
            return Err(RegistryError::InvalidWeight {
                name: name.clone(),
                weight: *weight,
            });
        }
        let score_names: Vec<String> = config.scorers.iter().map(|(n, _)| n.clone()).collect();
        let scores = build_point(registry, config, &score_names, ExtensionPoint::Score, |i| {
            i.score
        })?;
        Ok(Profile {
            scheduler_name: config.scheduler_name.clone(),
            filters: build_point(
                registry,
                config,
                &config.filters,
                ExtensionPoint::Filter,
                |i| i.filter,
            )?,
            scorers: scores
                .into_iter()
                .zip(config.scorers.iter().map(|(_, weight)| (*weight).max(1)))
                .collect(),
            post_filters: build_point(
                registry,
                config,
                &config.post_filters,
                ExtensionPoint::PostFilter,
                |i| i.post_filter,
            )?,
            reserves: build_point(
                registry,
                config,
                &config.reserves,
                ExtensionPoint::Reserve,
                |i| i.reserve,
            )?,
            permits: build_point(
                registry,
                config,
                &config.permits,
                ExtensionPoint::Permit,
                |i| i.permit,
            )?,
            binds: build_point(registry, config, &config.binds, ExtensionPoint::Bind, |i| {
                i.bind
            })?,
            percentage_of_nodes_to_score: config.percentage_of_nodes_to_score,
        })
    }

    /// The default profile ([`ProfileConfig::default_config`]) built from `registry`.
    pub fn default_profile(registry: &Registry) -> Result<Profile, RegistryError> {
        Profile::new(registry, &ProfileConfig::default_config())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::ScoringStrategy;

    #[test]
    fn default_profile_has_kube_scheduler_order_and_weights() {
        let profile =
            Profile::default_profile(&Registry::with_default_plugins()).expect("default profile");
        let filters: Vec<&str> = profile.filters.iter().map(|p| p.name()).collect();
        assert_eq!(
            filters,
            [
                "NodeUnschedulable",
                "NodeName",
                "TaintToleration",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity"
            ]
        );
        let scorers: Vec<(&str, i64)> = profile
            .scorers
            .iter()
            .map(|(p, w)| (p.name(), *w))
            .collect();
        assert_eq!(
            scorers,
            [
                ("TaintToleration", 3),
                ("NodeAffinity", 2),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
                ("NodeResourcesBalancedAllocation", 1),
                ("ImageLocality", 1)
            ]
        );
    }

    #[test]
    fn registering_a_name_twice_is_an_error() {
        let mut registry = Registry::with_default_plugins();
        let again = registry.register(
            names::NODE_NAME,
            Box::new(|_: &PluginArgs| Ok(PluginInstance::default())),
        );
        assert_eq!(
            again,
            Err(RegistryError::Duplicate {
                name: "NodeName".into()
            })
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones_sorted() {
        let registry = Registry::with_default_plugins();
        let mut config = ProfileConfig::default_config();
        config.scorers.push(("VolumeBinding".into(), 1));
        let err = Profile::new(&registry, &config).expect_err("unknown plugin");
        assert_eq!(
            err.to_string(),
            "unknown plugin \"VolumeBinding\"; known plugins: DefaultBinder, DefaultPreemption, \
             ImageLocality, InterPodAffinity, NodeAffinity, NodeName, NodePorts, \
             NodeResourcesBalancedAllocation, NodeResourcesFit, NodeUnschedulable, \
             PodTopologySpread, TaintToleration"
        );
    }

    #[test]
    fn profile_configuration_mistakes_are_errors() {
        let registry = Registry::with_default_plugins();
        let mut config = ProfileConfig::default_config();
        config
            .filters
            .push(names::NODE_RESOURCES_BALANCED_ALLOCATION.into());
        assert!(matches!(
            Profile::new(&registry, &config),
            Err(RegistryError::NotAtExtensionPoint {
                extension_point: "Filter",
                ..
            })
        ));
        let mut config = ProfileConfig::default_config();
        config.filters.push(names::NODE_NAME.into());
        assert!(matches!(
            Profile::new(&registry, &config),
            Err(RegistryError::DuplicateInProfile { .. })
        ));
        let mut config = ProfileConfig::default_config();
        config.scorers[0].1 = -1;
        assert!(matches!(
            Profile::new(&registry, &config),
            Err(RegistryError::InvalidWeight { weight: -1, .. })
        ));
        let mut config = ProfileConfig::default_config();
        config.args.node_resources_fit.memory_weight = 101;
        assert!(matches!(
            Profile::new(&registry, &config),
            Err(RegistryError::InvalidArgs { .. })
        ));
        let mut config = ProfileConfig::default_config();
        config.scorers[1].1 = 0;
        config.args.node_resources_fit.scoring_strategy = ScoringStrategy::MostAllocated;
        let profile = Profile::new(&registry, &config).expect("weight 0 means 1");
        assert_eq!(profile.scorers[1].1, 1);
    }
}
