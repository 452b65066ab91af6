//! Running a scenario: build the simulation, apply the initial state, run to the end while
//! checking expectations at the instants they name.

use sim_core::kubelet::ProbeMode;
use sim_core::objects::Node;
use sim_core::scheduler::policies::registry_with_policy_plugins;
use sim_core::scheduler::{Profile, Registry};
use sim_core::sim::{AnyObject, ScenarioAction, SimConfig, SimError, Simulation};
use sim_core::time::SimTime;

use crate::expect::{Outcome, When};
use crate::scenario::Scenario;

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Stops earlier than the scenario's duration.
    pub until: Option<SimTime>,
    /// Runs the invariant checkers on every change.
    pub check_invariants: bool,
    /// Wakes probe workers at every tick instead of only at the ticks that change
    /// something (same timeline, more events).
    pub eager_probes: bool,
    /// Records every probe tick on the timeline (implies eager probes).
    pub trace_probes: bool,
    /// Draws probe ticker phases from the seed (overrides the scenario's `probePhase`).
    pub seeded_probe_phase: Option<bool>,
}

/// What a run produced.
pub struct RunReport {
    /// The simulation at the end (store, timeline).
    pub simulation: Simulation,
    /// The seed used.
    pub seed: u64,
    /// When the run stopped.
    pub end: SimTime,
    /// Expectation outcomes, in file order.
    pub outcomes: Vec<Outcome>,
}

impl RunReport {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// Builds the simulation of `scenario` with its initial state queued at t=0, scheduling
/// with `scenario.scheduler` resolved against the in-tree plugins and the policy plugins.
pub fn build(scenario: &Scenario, options: &RunOptions) -> Result<Simulation, SimError> {
    build_with_registry(scenario, options, &registry_with_policy_plugins())
}

/// Like [`build`], resolving the scheduler's plugins against `registry` (one with a
/// user's own plugins registered, say).
///
/// # Panics
///
/// If the scenario's scheduler profiles do not build from `registry`: a scenario's
/// configuration is validated against the built-in registry when it is loaded, so this
/// only happens when `registry` lacks plugins the scenario names.
pub fn build_with_registry(
    scenario: &Scenario,
    options: &RunOptions,
    registry: &Registry,
) -> Result<Simulation, SimError> {
    let mut profiles = scenario
        .scheduler
        .profile_configs(registry)
        .into_iter()
        .map(|config| {
            Profile::new(registry, &config).unwrap_or_else(|e| {
                panic!(
                    "scheduler profile {:?} does not build: {e}",
                    config.scheduler_name
                )
            })
        });
    let first = profiles
        .next()
        .unwrap_or_else(|| panic!("a scheduler choice has at least one profile"));
    let rest: Vec<Profile> = profiles.collect();
    build_with_profiles(scenario, options, first, rest)
}

/// Like [`build`] with explicit scheduler profiles: `first` and then `rest`, each serving
/// the pods that name its `scheduler_name`.
///
/// # Panics
///
/// If two profiles share a scheduler name.
pub fn build_with_profiles(
    scenario: &Scenario,
    options: &RunOptions,
    first: Profile,
    rest: Vec<Profile>,
) -> Result<Simulation, SimError> {
    let config = SimConfig {
        seed: options.seed.unwrap_or(scenario.seed),
        controller_latency: scenario.controller_latency,
        check_invariants: options.check_invariants,
        probe_mode: if options.eager_probes {
            ProbeMode::Eager
        } else {
            ProbeMode::Lazy
        },
        trace_probes: options.trace_probes,
        seeded_probe_phase: options
            .seeded_probe_phase
            .unwrap_or(scenario.seeded_probe_phase),
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, first, scenario.behaviours.clone());
    sim.set_load_models(scenario.load.clone());
    for profile in rest {
        if let Err(e) = sim.add_scheduler_profile(profile) {
            panic!("{e}");
        }
    }
    for (node, bytes) in &scenario.memory_eviction_thresholds {
        sim.set_memory_eviction_threshold(node, *bytes);
    }
    for node in &scenario.nodes {
        sim.schedule_action(SimTime::ZERO, apply_node(node))?;
    }
    for object in &scenario.initial {
        sim.schedule_action(SimTime::ZERO, ScenarioAction::Apply(object.clone()))?;
    }
    for (at, action) in &scenario.actions {
        sim.schedule_action(*at, action.clone())?;
    }
    if !scenario.chaos.is_empty() {
        sim.set_chaos(scenario.chaos.clone())?;
    }
    Ok(sim)
}

fn apply_node(node: &Node) -> ScenarioAction {
    ScenarioAction::Apply(AnyObject::Node(Box::new(node.clone())))
}

/// Runs `scenario` to its end (or `options.until`), checking expectations.
///
/// An `at T` expectation is checked once every event at T has run; `by T` is met at the end
/// of any instant ≤ T; `always` is checked at the end of every instant. A transient state
/// inside one instant is never observed, as no client could observe it either.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<RunReport, SimError> {
    let mut sim = build(scenario, options)?;
    let end = options
        .until
        .unwrap_or(scenario.duration)
        .min(scenario.duration);
    let expectations = &scenario.expectations;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; expectations.len()];
    let mut at_checks: Vec<(SimTime, usize)> = expectations
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.when {
            When::At(t) if t <= end => Some((t, i)),
            _ => None,
        })
        .collect();
    at_checks.sort();
    let mut next_at = 0;
    let mut by_open: Vec<usize> = expectations
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.when, When::By(_)))
        .map(|(i, _)| i)
        .collect();
    let always: Vec<usize> = expectations
        .iter()
        .enumerate()
        .filter(|(_, e)| e.when == When::Always)
        .map(|(i, _)| i)
        .collect();
    let mut last_seen: Vec<String> = vec![String::new(); expectations.len()];

    loop {
        // The instant that just finished, if any event ran at it.
        let next = sim.next_event_time().filter(|t| *t <= end);
        let observe_until = next.unwrap_or(end);
        // Observation points strictly before the next event (all events at them are done).
        while next_at < at_checks.len() && (at_checks[next_at].0 < observe_until || next.is_none())
        {
            let (t, i) = at_checks[next_at];
            let (held, seen) = expectations[i].evaluate(sim.store());
            outcomes[i] = Some(Outcome {
                index: i,
                passed: held,
                detail: format!("{}: observed {seen} at {t}", expectations[i].summary()),
            });
            next_at += 1;
        }
        let now = sim.now();
        // Nothing is observable before the first instant has run.
        let observable = sim.stats().events > 0;
        by_open.retain(|&i| {
            if !observable {
                return true;
            }
            let When::By(deadline) = expectations[i].when else {
                return false;
            };
            let (held, seen) = expectations[i].evaluate(sim.store());
            if held && now <= deadline {
                outcomes[i] = Some(Outcome {
                    index: i,
                    passed: true,
                    detail: format!(
                        "{}: met at {now} (observed {seen})",
                        expectations[i].summary()
                    ),
                });
                return false;
            }
            last_seen[i] = seen;
            // Still open while the deadline has not passed.
            observe_until <= deadline && next.is_some()
        });
        for &i in always.iter().filter(|_| observable) {
            if outcomes[i].as_ref().is_some_and(|o| !o.passed) {
                continue;
            }
            let (held, seen) = expectations[i].evaluate(sim.store());
            if !held {
                outcomes[i] = Some(Outcome {
                    index: i,
                    passed: false,
                    detail: format!(
                        "{}: violated at {now} (observed {seen})",
                        expectations[i].summary()
                    ),
                });
            }
        }
        let Some(t) = next else {
            break;
        };
        // Run every event of instant t.
        while sim.next_event_time() == Some(t) {
            sim.step()?;
        }
    }
    for (i, e) in expectations.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        outcomes[i] = Some(match e.when {
            When::By(deadline) => Outcome {
                index: i,
                passed: false,
                detail: format!(
                    "{}: not met by {deadline} (last observed {})",
                    e.summary(),
                    last_seen[i]
                ),
            },
            When::Always => Outcome {
                index: i,
                passed: true,
                detail: format!("{}: held throughout", e.summary()),
            },
            When::At(t) => Outcome {
                index: i,
                passed: false,
                detail: format!("{}: the run stopped at {end}, before {t}", e.summary()),
            },
        });
    }
    let seed = options.seed.unwrap_or(scenario.seed);
    Ok(RunReport {
        simulation: sim,
        seed,
        end,
        outcomes: outcomes.into_iter().flatten().collect(),
    })
}
