//! `spec.chaos`: seeded random failures (`docs/scenario-format.md`, "Chaos").

use serde::Deserialize;

/// `spec.chaos`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChaosSpec {
    /// Random node failures, per pool.
    #[serde(default)]
    pub node_failures: Vec<NodeFailureSpec>,
    /// Random pod kills.
    #[serde(default)]
    pub pod_kills: Vec<PodKillSpec>,
}

/// `spec.chaos.nodeFailures[]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeFailureSpec {
    /// The node pool whose nodes fail (each independently).
    pub pool: String,
    /// Mean time between failures (Go duration).
    pub mtbf: String,
    /// Mean time to repair (Go duration).
    pub mttr: String,
    /// `crash` (default), `kubeletStop` or `partition`.
    #[serde(default)]
    pub mode: Option<String>,
}

/// `spec.chaos.podKills[]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodKillSpec {
    /// Pods whose labels match (kubectl form); empty = all.
    #[serde(default)]
    pub selector: Option<String>,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Mean time between kills (Go duration).
    pub mean_interval: String,
    /// `--grace-period` of each delete (default: the pod's own).
    #[serde(default)]
    pub grace_period: Option<u64>,
}
