//! Scheduler properties for every built-in policy (style guide 16): generated clusters and
//! arrival sequences, checked with the public invariant checkers of
//! `sim_scenarios::testing` — no overcommit, taints, node affinity, pod anti-affinity and
//! topology spreading respected, preemption only of lower priority, nothing left Pending
//! while a node fits it after quiescence (k8s-semantics §9.2–9.4, §9.8), and the same
//! timeline for the same seed. 32 cases per property and policy keep CI fast.

use proptest::prelude::*;
use sim_core::scheduler::policies::Policy;
use sim_core::sim::ScenarioAction;
use sim_core::time::SimTime;
use sim_scenarios::convert::to_core;
use sim_scenarios::manifest::load_manifests;
use sim_scenarios::scheduler_config::SchedulerChoice;
use sim_scenarios::testing::{
    case, check_all, deterministic_per_seed, no_overcommit, preemption_only_of_lower_priority,
    run_to_end, simulate, taints_respected, Case, ClusterGen, PodGen, PoolGen, PriorityGen,
};

fn placement_invariants_hold(policy: Policy, c: &Case) -> Result<(), TestCaseError> {
    let sim = simulate(c, &SchedulerChoice::Policy(policy)).map_err(TestCaseError::fail)?;
    check_all(&sim)
        .and_then(|()| preemption_only_of_lower_priority(&sim, |name| c.priority_of(name)))
        .map_err(|e| TestCaseError::fail(format!("{policy}: {e}\n{}", c.to_yaml())))
}

fn same_timeline_twice(policy: Policy, c: &Case) -> Result<(), TestCaseError> {
    let mut scenario = c.scenario().map_err(TestCaseError::fail)?;
    scenario.scheduler = SchedulerChoice::Policy(policy);
    deterministic_per_seed(&scenario).map_err(|e| TestCaseError::fail(format!("{policy}: {e}")))
}

macro_rules! policy_properties {
    ($($module:ident => $policy:expr),* $(,)?) => {$(
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(32))]

                /// No overcommit, taints and node affinity respected, no pod Pending while
                /// a node fits it.
                #[test]
                fn placement_invariants(c in case()) {
                    placement_invariants_hold($policy, &c)?;
                }
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(8))]

                /// Same case, same seed: the same timeline.
                #[test]
                fn deterministic_per_seed(c in case()) {
                    same_timeline_twice($policy, &c)?;
                }
            }
        }
    )*};
}

policy_properties! {
    default_policy => Policy::Default,
    binpack => Policy::Binpack,
    spread => Policy::Spread,
    random => Policy::Random,
    first_fit => Policy::FirstFit,
}

/// The checkers can fail: a pod that names its node (`spec.nodeName`, which bypasses the
/// scheduler as in Kubernetes) on a tainted node it does not tolerate is reported.
#[test]
fn the_taint_checker_catches_a_pod_placed_by_hand() {
    let c = Case {
        cluster: ClusterGen {
            pools: vec![PoolGen {
                count: 1,
                cpu_millis: 2000,
                memory_mib: 2048,
                zone: 0,
                ssd: false,
                dedicated: true,
            }],
        },
        pods: vec![PodGen {
            arrival_secs: 0,
            cpu_millis: 500,
            memory_mib: 128,
            workload: 0,
            wants_ssd: false,
            zones: vec![],
            tolerates_dedicated: false,
            priority: PriorityGen::None,
        }],
        seed: 1,
    };
    let sim = simulate(&c, &SchedulerChoice::Policy(Policy::Default)).expect("runs");
    assert_eq!(check_all(&sim), Ok(()), "the scheduler leaves it Pending");
    let mut scenario = c.scenario().expect("valid");
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: by-hand\nspec:\n  nodeName: pool0-1\n  containers:\n  - name: app\n    image: app:1\n";
    let loaded = load_manifests("by-hand.yaml", manifest).expect("valid manifest");
    let object = to_core(&loaded.objects[0]).expect("converts");
    scenario
        .actions
        .push((SimTime::ZERO, ScenarioAction::Apply(object)));
    let sim = run_to_end(&scenario).expect("runs");
    let violation = taints_respected(&sim).expect_err("by-hand is on a tainted node");
    assert!(
        violation.contains("pod by-hand is on node pool0-1"),
        "{violation}"
    );
    assert_eq!(no_overcommit(&sim), Ok(()));
}

/// A case proptest found (binpack): a 5-minute flush makes p2 preempt p1, p2's nomination
/// then clears, and p5 — rejected at 43 s for CPU — only sees the freed room at its own
/// next flush (clearing a nomination requeues nothing in kubesim's queue). The cluster is
/// checked after it settles (`simulate` runs on until no binding changes), not at the
/// case's nominal end, when p5 was still waiting.
#[test]
fn a_pod_rejected_before_a_late_preemption_is_placed_once_settled() {
    let pod =
        |arrival_secs, cpu_millis, memory_mib, workload, tolerates_dedicated, priority| PodGen {
            arrival_secs,
            cpu_millis,
            memory_mib,
            workload,
            wants_ssd: false,
            zones: vec![],
            tolerates_dedicated,
            priority,
        };
    let pool = |count, cpu_millis, memory_mib, zone, dedicated| PoolGen {
        count,
        cpu_millis,
        memory_mib,
        zone,
        ssd: false,
        dedicated,
    };
    let c = Case {
        cluster: ClusterGen {
            pools: vec![pool(1, 3000, 7168, 1, false), pool(2, 1000, 4096, 0, true)],
        },
        pods: vec![
            pod(0, 1900, 128, 2, false, PriorityGen::High),
            pod(0, 700, 128, 0, false, PriorityGen::None),
            pod(0, 500, 128, 2, false, PriorityGen::Low),
            pod(33, 100, 128, 2, true, PriorityGen::None),
            pod(1, 200, 256, 2, false, PriorityGen::High),
            pod(43, 500, 1408, 1, false, PriorityGen::None),
        ],
        seed: 409,
    };
    placement_invariants_hold(Policy::Binpack, &c).expect("invariants hold once settled");
}
