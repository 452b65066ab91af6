//! What the control plane knows of a node's health (k8s-semantics §7.1–7.3): the kubelet's
//! heartbeats, the node conditions, and when the node lifecycle controller's taints were
//! added.
//!
//! A kubelet renews its Lease and computes its status every 10 s. kubesim does not
//! simulate those renewals one by one: while the kubelet is posting, the last heartbeat
//! the API server holds is the last point of the 10 s renewal grid (which starts when the
//! kubelet last started posting: node creation or recovery) at or before now. When the
//! kubelet stops (crash, kubelet stop, partition), the grid stops too. So a healthy node
//! costs nothing however long the run, and `lastHeartbeatTime` is still exact.

use crate::objects::TaintEffect;
use crate::time::{SimDuration, SimTime};

/// The kubelet's Lease renewal interval (0.25 × the 40 s lease duration) and node status
/// update frequency (k8s-semantics §7.1).
pub const HEARTBEAT_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `--node-monitor-period` (k8s-semantics §7.2).
pub const NODE_MONITOR_PERIOD: SimDuration = SimDuration::from_secs(5);
/// `--node-monitor-grace-period` (50 s since v1.32, k8s-semantics §7.2).
pub const NODE_MONITOR_GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// `--node-startup-grace-period`: the grace of a node whose kubelet never posted status.
pub const NODE_STARTUP_GRACE_PERIOD: SimDuration = SimDuration::from_secs(60);
/// Taint of a node whose Ready condition is Unknown.
pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";
/// Taint of a node whose Ready condition is False.
pub const NOT_READY_TAINT: &str = "node.kubernetes.io/not-ready";
/// The taint an administrator adds to a node that is known to be shut down (non-graceful
/// node shutdown, k8s-semantics §7.6): PodGC force-deletes the terminating pods there.
pub const OUT_OF_SERVICE_TAINT: &str = "node.kubernetes.io/out-of-service";
/// Reason of the conditions the node lifecycle controller sets to Unknown.
pub const NODE_STATUS_UNKNOWN: &str = "NodeStatusUnknown";
/// Their message.
pub const NODE_STATUS_UNKNOWN_MESSAGE: &str = "Kubelet stopped posting node status.";

/// The node conditions the kubelet posts (and the controller sets to Unknown), in the
/// order the API lists them.
pub const NODE_CONDITION_TYPES: [&str; 4] =
    ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"];

/// How a node stopped talking to the control plane (scenario `failNode`, `partition`,
/// `zoneOutage`, chaos).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeFailureMode {
    /// The machine is gone: containers stop, pod IPs are lost; a recovered node reboots and
    /// its kubelet re-creates the containers of the pods still bound to it.
    Crash,
    /// The kubelet stopped: containers run on, but nothing is reported.
    KubeletStop,
    /// The node lost the control plane: containers run on, heartbeats do not arrive, and
    /// deletions made meanwhile reach the kubelet only when the partition heals.
    Partition,
}

impl NodeFailureMode {
    /// The scenario spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeFailureMode::Crash => "crash",
            NodeFailureMode::KubeletStop => "kubeletStop",
            NodeFailureMode::Partition => "partition",
        }
    }

    /// Parses the scenario spelling.
    pub fn parse(text: &str) -> Option<NodeFailureMode> {
        match text {
            "crash" => Some(NodeFailureMode::Crash),
            "kubeletStop" => Some(NodeFailureMode::KubeletStop),
            "partition" => Some(NodeFailureMode::Partition),
            _ => None,
        }
    }
}

/// The heartbeat and condition bookkeeping of a node (part of `status`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeHealth {
    /// Where the kubelet's 10 s renewal grid starts: when it (re)started posting.
    pub heartbeat_origin: SimTime,
    /// When the kubelet stopped posting (and how), if it has.
    pub stopped: Option<(SimTime, NodeFailureMode)>,
    /// `lastTransitionTime` of the conditions (they move together in kubesim).
    pub last_transition_time: SimTime,
    /// `timeAdded` of the NoExecute taints the node lifecycle controller added.
    pub taints_added: Vec<(String, TaintEffect, SimTime)>,
}

impl NodeHealth {
    /// Healthy from `at` on (a node created, or a kubelet that came back at `at`).
    pub fn posting_since(at: SimTime) -> NodeHealth {
        NodeHealth {
            heartbeat_origin: at,
            stopped: None,
            last_transition_time: at,
            taints_added: Vec::new(),
        }
    }

    /// Whether the kubelet posts status now.
    pub fn posting(&self) -> bool {
        self.stopped.is_none()
    }

    /// The last heartbeat the API server holds at `now`: the last renewal-grid point at or
    /// before `now`, or before the kubelet stopped.
    pub fn last_heartbeat(&self, now: SimTime) -> SimTime {
        let until = match self.stopped {
            Some((at, _)) => at.min(now),
            None => now,
        };
        let origin = self.heartbeat_origin;
        if until < origin {
            return origin;
        }
        let step = HEARTBEAT_INTERVAL.as_millis();
        let since = until.saturating_since(origin).as_millis();
        origin + SimDuration::from_millis(since / step * step)
    }

    /// `timeAdded` of a taint, if the node lifecycle controller recorded it.
    pub fn taint_added(&self, key: &str, effect: TaintEffect) -> Option<SimTime> {
        self.taints_added
            .iter()
            .find(|(k, e, _)| k == key && *e == effect)
            .map(|(_, _, t)| *t)
    }
}

impl crate::objects::Node {
    /// The last heartbeat the API server holds for this node at `now` (the renewal grid
    /// starts no earlier than the node's creation).
    pub fn last_heartbeat(&self, now: SimTime) -> SimTime {
        let mut health = self.health.clone();
        health.heartbeat_origin = health.heartbeat_origin.max(self.meta.creation_timestamp);
        health.last_heartbeat(now)
    }
}

/// The first node-monitor tick (every 5 s from t=0) at or after `at`.
pub fn next_monitor_tick(at: SimTime) -> SimTime {
    let step = NODE_MONITOR_PERIOD.as_millis();
    let millis = at.saturating_since(SimTime::ZERO).as_millis();
    SimTime::ZERO + SimDuration::from_millis(millis.div_ceil(step) * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn heartbeats_follow_the_renewal_grid_and_stop_with_the_kubelet() {
        let mut h = NodeHealth::posting_since(at(3));
        assert_eq!(h.last_heartbeat(at(2)), at(3));
        assert_eq!(h.last_heartbeat(at(12)), at(3));
        assert_eq!(h.last_heartbeat(at(13)), at(13));
        assert_eq!(h.last_heartbeat(at(1000)), at(993));
        h.stopped = Some((at(29), NodeFailureMode::Crash));
        assert_eq!(h.last_heartbeat(at(1000)), at(23));
    }

    #[test]
    fn monitor_ticks_every_five_seconds_from_zero() {
        assert_eq!(next_monitor_tick(at(50)), at(50));
        assert_eq!(
            next_monitor_tick(at(50) + SimDuration::from_millis(1)),
            at(55)
        );
        assert_eq!(next_monitor_tick(SimTime::ZERO), SimTime::ZERO);
    }
}
