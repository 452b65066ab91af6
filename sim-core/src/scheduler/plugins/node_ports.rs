//! `NodePorts`: a pod asking for host ports fits only on nodes where none of them is taken
//! (k8s-semantics §9.2 "host ports").
//!
//! A port conflicts with one in use when protocol and port are equal and either address is
//! the wildcard (`hostIP` empty or `0.0.0.0`) or the addresses are equal
//! (`HostPortInfo.CheckConflict`). Pods without host ports skip the filter (PreFilter `Skip`).

use crate::objects::Pod;
use crate::scheduler::framework::{CycleState, FilterPlugin, Status};
use crate::scheduler::node_info::NodeInfo;

use super::names;

/// kube-scheduler's `nodeports.ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// The plugin. Stateless: the wanted ports are in [`CycleState::host_ports`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        names::NODE_PORTS
    }

    fn skip(&self, state: &CycleState, _pod: &Pod) -> bool {
        state.host_ports.is_empty()
    }

    fn filter(&self, state: &CycleState, _pod: &Pod, node: &NodeInfo) -> Status {
        if node.pods_with_host_ports == 0 {
            return Status::Success;
        }
        let conflict = state
            .host_ports
            .iter()
            .any(|wanted| node.used_ports().any(|used| wanted.conflicts_with(used)));
        if conflict {
            Status::unschedulable(ERR_REASON)
        } else {
            Status::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{ContainerPort, PortProtocol, Uid};
    use crate::scheduler::node_info::tests::{node, pod, GIB};

    fn with_port(uid: u64, host_port: u16, host_ip: &str, protocol: PortProtocol) -> Pod {
        let mut p = pod(uid, 100, 0);
        p.meta.uid = Uid(uid);
        p.spec.containers[0].ports.push(ContainerPort {
            name: String::new(),
            container_port: 8080,
            host_port,
            host_ip: host_ip.into(),
            protocol,
        });
        p
    }

    #[test]
    fn host_port_conflicts_follow_address_and_protocol() {
        let mut info = NodeInfo::new(node("a", 4000, 8 * GIB));
        info.add_pod(&with_port(1, 80, "", PortProtocol::Tcp));
        info.add_pod(&with_port(2, 53, "10.0.0.1", PortProtocol::Udp));
        let check = |p: &Pod| NodePorts.filter(&CycleState::new(p), p, &info);
        let tcp80 = with_port(3, 80, "10.0.0.2", PortProtocol::Tcp);
        assert_eq!(check(&tcp80), Status::unschedulable(ERR_REASON));
        assert!(check(&with_port(3, 80, "", PortProtocol::Udp)).is_success());
        assert!(check(&with_port(3, 53, "10.0.0.2", PortProtocol::Udp)).is_success());
        assert_eq!(
            check(&with_port(3, 53, "0.0.0.0", PortProtocol::Udp)),
            Status::unschedulable(ERR_REASON)
        );
        let plain = pod(4, 100, 0);
        assert!(NodePorts.skip(&CycleState::new(&plain), &plain));
    }
}
