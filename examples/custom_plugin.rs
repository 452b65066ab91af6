//! A user-defined scheduler plugin, registered next to the in-tree ones and used to run a
//! scenario: `cargo run --example custom_plugin [SCENARIO]`.
//!
//! `KeepOffNode1` is a Filter (no pod may land on `worker-1`, say a node being drained by
//! hand); `PreferLastNode` is a Score (the node whose name sorts last scores 100). The
//! profile is kube-scheduler's default with both added.

use std::path::PathBuf;

use sim_core::objects::{Pod, PodPhase};
use sim_core::scheduler::framework::{CycleState, FilterPlugin, ScorePlugin, Status};
use sim_core::scheduler::node_info::NodeInfo;
use sim_core::scheduler::policies::registry_with_policy_plugins;
use sim_core::scheduler::registry::{PluginArgs, PluginInstance, Profile, ProfileConfig};
use sim_scenarios::run::{build_with_profiles, RunOptions};
use sim_scenarios::scenario::load_scenario;

struct KeepOffNode1;

impl FilterPlugin for KeepOffNode1 {
    fn name(&self) -> &'static str {
        "KeepOffNode1"
    }

    fn filter(&self, _: &CycleState, _: &Pod, node: &NodeInfo) -> Status {
        if node.name().ends_with("-1") {
            Status::unschedulable("node(s) were kept free by KeepOffNode1")
        } else {
            Status::Success
        }
    }
}

struct PreferLastNode;

impl ScorePlugin for PreferLastNode {
    fn name(&self) -> &'static str {
        "PreferLastNode"
    }

    fn score(&self, _: &CycleState, _: &Pod, node: &NodeInfo) -> i64 {
        // The digits at the end of the name, capped at 100: worker-3 scores 3.
        let digits: String = node.name().chars().filter(char::is_ascii_digit).collect();
        digits.parse::<i64>().unwrap_or(0).min(100)
    }

    fn normalize(&self, _: &CycleState, _: &Pod, scores: &mut [i64]) {
        sim_core::scheduler::framework::default_normalize_score(100, false, scores);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("scenarios/quickstart.yaml"));
    let scenario = load_scenario(&path)?;

    let mut registry = registry_with_policy_plugins();
    registry.register(
        "KeepOffNode1",
        Box::new(|_: &PluginArgs| {
            Ok(PluginInstance {
                filter: Some(Box::new(KeepOffNode1)),
                ..PluginInstance::default()
            })
        }),
    )?;
    registry.register(
        "PreferLastNode",
        Box::new(|_: &PluginArgs| {
            Ok(PluginInstance {
                score: Some(Box::new(PreferLastNode)),
                ..PluginInstance::default()
            })
        }),
    )?;
    let mut config = ProfileConfig::default_config();
    config.filters.push("KeepOffNode1".to_string());
    config.scorers.push(("PreferLastNode".to_string(), 10));
    let profile = Profile::new(&registry, &config)?;

    let mut sim = build_with_profiles(&scenario, &RunOptions::default(), profile, Vec::new())?;
    sim.run_until(scenario.duration)?;
    for pod in sim.store().list::<Pod>() {
        if pod.status.phase == PodPhase::Succeeded || pod.status.phase == PodPhase::Failed {
            continue;
        }
        println!(
            "{:<40} {}",
            pod.meta.name,
            pod.spec.node_name.as_deref().unwrap_or("<pending>")
        );
    }
    Ok(())
}
