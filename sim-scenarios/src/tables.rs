//! kubectl-style tables of the objects at a simulated instant (`kubesim get`): the columns
//! `kubectl get` prints, with the STATUS column computed as kubectl's pod printer computes it.

use sim_core::objects::{ConditionStatus, ContainerState, Deployment, Kind, Node, Pod, ReplicaSet};
use sim_core::store::Store;
use sim_core::time::SimTime;

/// The kubelet version the simulated nodes report.
pub const KUBELET_VERSION: &str = "v1.36.3";

/// kubectl's `duration.HumanDuration` (used for AGE and "(5m ago)").
pub fn human_duration(seconds: u64) -> String {
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        if seconds % 60 == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{}s", seconds % 60)
        }
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        if minutes % 60 == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{}m", minutes % 60)
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        if hours % 24 == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{}h", hours % 24)
        }
    } else if days < 365 * 2 {
        format!("{days}d")
    } else if days < 365 * 8 {
        let years = days / 365;
        if days % 365 == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{}d", days % 365)
        }
    } else {
        format!("{}y", days / 365)
    }
}

fn age(created: SimTime, now: SimTime) -> String {
    human_duration(now.saturating_since(created).as_secs())
}

fn terminated_text(reason: &str, exit_code: i32) -> String {
    if reason.is_empty() {
        format!("ExitCode:{exit_code}")
    } else {
        reason.to_string()
    }
}

/// The STATUS column of `kubectl get pods` (kubectl's `printPod`).
pub fn pod_status(pod: &Pod) -> String {
    let mut reason = if pod.status.reason.is_empty() {
        pod.status.phase.as_str().to_string()
    } else {
        pod.status.reason.clone()
    };
    let inits = &pod.status.init_container_statuses;
    let mut initializing = false;
    for (i, c) in inits.iter().enumerate() {
        match &c.state {
            ContainerState::Terminated { exit_code: 0, .. } => continue,
            ContainerState::Terminated {
                reason: r,
                exit_code,
                ..
            } => reason = format!("Init:{}", terminated_text(r, *exit_code)),
            ContainerState::Waiting { reason: r, .. }
                if !r.is_empty() && r != "PodInitializing" =>
            {
                reason = format!("Init:{r}");
            }
            // A started sidecar does not hold initialization up.
            ContainerState::Running { .. } if c.started => continue,
            _ => reason = format!("Init:{i}/{}", inits.len()),
        }
        initializing = true;
        break;
    }
    if !initializing {
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            match &c.state {
                ContainerState::Waiting { reason: r, .. } if !r.is_empty() => reason = r.clone(),
                ContainerState::Terminated {
                    reason: r,
                    exit_code,
                    ..
                } => reason = terminated_text(r, *exit_code),
                ContainerState::Running { .. } if c.ready => has_running = true,
                _ => {}
            }
        }
        if reason == "Completed" && has_running {
            reason = if pod.is_ready() {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }
    if pod.meta.deletion_timestamp.is_some() {
        reason = "Terminating".to_string();
    }
    reason
}

fn restarts(pod: &Pod, now: SimTime) -> String {
    let statuses = pod
        .status
        .init_container_statuses
        .iter()
        .chain(&pod.status.container_statuses);
    let mut count = 0u32;
    let mut last: Option<SimTime> = None;
    for c in statuses {
        count += c.restart_count;
        if let Some(ContainerState::Terminated { finished_at, .. }) = &c.last_state {
            last = Some(last.map_or(*finished_at, |l| l.max(*finished_at)));
        }
    }
    match last {
        Some(t) if count > 0 => format!("{count} ({} ago)", age(t, now)),
        _ => count.to_string(),
    }
}

fn render(headers: &[&str], rows: &[Vec<String>], out: &mut String) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            text.push_str(cell);
            if i < last {
                text.push_str(&" ".repeat(w - cell.chars().count() + 3));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// What `kubesim get` shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetOptions<'a> {
    /// One namespace, or all of them (`-A`, with a NAMESPACE column) when `None`.
    pub namespace: Option<&'a str>,
    /// Prefix names with the kind (`pod/web-1`), as kubectl does when several kinds are shown.
    pub prefix_kind: bool,
}

/// `kubectl get <kind>` for every object of `kind` at `now`; `No resources found` when empty.
pub fn get_table(
    store: &Store,
    kind: Kind,
    options: GetOptions<'_>,
    now: SimTime,
    out: &mut String,
) {
    let namespace = options.namespace;
    let in_ns = |ns: &str| namespace.is_none_or(|n| n == ns);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let headers: Vec<&str> = match kind {
        Kind::Pod => {
            for p in store.list::<Pod>().filter(|p| in_ns(&p.meta.namespace)) {
                let total = p
                    .status
                    .container_statuses
                    .len()
                    .max(p.spec.containers.len());
                let ready = p
                    .status
                    .container_statuses
                    .iter()
                    .filter(|c| c.ready)
                    .count();
                rows.push(vec![
                    p.meta.namespace.clone(),
                    p.meta.name.clone(),
                    format!("{ready}/{total}"),
                    pod_status(p),
                    restarts(p, now),
                    age(p.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        }
        Kind::Node => {
            for n in store.list::<Node>() {
                let mut status = match n.ready {
                    ConditionStatus::True => "Ready",
                    ConditionStatus::False => "NotReady",
                    ConditionStatus::Unknown => "Unknown",
                }
                .to_string();
                if n.unschedulable {
                    status.push_str(",SchedulingDisabled");
                }
                rows.push(vec![
                    String::new(),
                    n.meta.name.clone(),
                    status,
                    "<none>".to_string(),
                    age(n.meta.creation_timestamp, now),
                    KUBELET_VERSION.to_string(),
                ]);
            }
            vec!["", "NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        }
        Kind::Deployment => {
            for d in store
                .list::<Deployment>()
                .filter(|d| in_ns(&d.meta.namespace))
            {
                rows.push(vec![
                    d.meta.namespace.clone(),
                    d.meta.name.clone(),
                    format!("{}/{}", d.status.ready_replicas, d.replicas),
                    d.status.updated_replicas.to_string(),
                    d.status.available_replicas.to_string(),
                    age(d.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
            ]
        }
        Kind::ReplicaSet => {
            for r in store
                .list::<ReplicaSet>()
                .filter(|r| in_ns(&r.meta.namespace))
            {
                rows.push(vec![
                    r.meta.namespace.clone(),
                    r.meta.name.clone(),
                    r.replicas.to_string(),
                    r.status.replicas.to_string(),
                    r.status.ready_replicas.to_string(),
                    age(r.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "AGE"]
        }
    };
    if rows.is_empty() {
        match namespace.filter(|_| kind.namespaced()) {
            Some(ns) => out.push_str(&format!("No resources found in {ns} namespace.\n")),
            None => out.push_str("No resources found\n"),
        }
        return;
    }
    if options.prefix_kind {
        // kubectl names the API group of non-core kinds: `deployment.apps/web`.
        let prefix = match kind.api_version().split_once('/') {
            Some((group, _)) => format!("{}.{group}", kind.resource()),
            None => kind.resource().to_string(),
        };
        for row in &mut rows {
            row[1] = format!("{prefix}/{}", row[1]);
        }
    }
    // The NAMESPACE column only with all namespaces, as kubectl does (-A).
    let skip_first = namespace.is_some() || !kind.namespaced();
    let (headers, rows): (Vec<&str>, Vec<Vec<String>>) = if skip_first {
        (
            headers[1..].to_vec(),
            rows.into_iter().map(|r| r[1..].to_vec()).collect(),
        )
    } else {
        (headers, rows)
    };
    render(&headers, &rows, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::objects::{
        ContainerStatus, ObjectMeta, PodPhase, PodSpec, PodStatus, RestartPolicy,
    };

    fn pod_with(init: Vec<ContainerStatus>, app: Vec<ContainerStatus>) -> Pod {
        Pod {
            meta: ObjectMeta::default(),
            spec: PodSpec {
                node_name: Some("n".into()),
                scheduler_name: "default-scheduler".into(),
                node_selector: Default::default(),
                tolerations: vec![],
                init_containers: vec![],
                containers: vec![],
                restart_policy: RestartPolicy::Always,
                termination_grace_period_seconds: 30,
                priority: 0,
            },
            status: PodStatus {
                phase: PodPhase::Pending,
                init_container_statuses: init,
                container_statuses: app,
                ..PodStatus::default()
            },
        }
    }

    fn status(name: &str, state: ContainerState) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            state,
            last_state: None,
            ready: false,
            started: false,
            restart_count: 0,
        }
    }

    fn waiting(reason: &str) -> ContainerState {
        ContainerState::Waiting {
            reason: reason.into(),
            message: String::new(),
        }
    }

    /// The STATUS column as kubectl's printPod computes it (issue 3's list of cases).
    #[test]
    fn pod_status_column_like_kubectl() {
        let p = pod_with(
            vec![
                status("a", waiting("PodInitializing")),
                status("b", waiting("PodInitializing")),
            ],
            vec![status("app", waiting("PodInitializing"))],
        );
        assert_eq!(pod_status(&p), "Init:0/2");
        let p = pod_with(
            vec![status("a", waiting("CrashLoopBackOff"))],
            vec![status("app", waiting("PodInitializing"))],
        );
        assert_eq!(pod_status(&p), "Init:CrashLoopBackOff");
        let p = pod_with(vec![], vec![status("app", waiting("ImagePullBackOff"))]);
        assert_eq!(pod_status(&p), "ImagePullBackOff");
        let done = ContainerState::Terminated {
            exit_code: 0,
            reason: "Completed".into(),
            started_at: SimTime(0),
            finished_at: SimTime(5),
        };
        let mut p = pod_with(vec![], vec![status("app", done)]);
        p.status.phase = PodPhase::Succeeded;
        assert_eq!(pod_status(&p), "Completed");
        let oom = ContainerState::Terminated {
            exit_code: 137,
            reason: "OOMKilled".into(),
            started_at: SimTime(0),
            finished_at: SimTime(5),
        };
        assert_eq!(
            pod_status(&pod_with(vec![], vec![status("app", oom)])),
            "OOMKilled"
        );
        let mut p = pod_with(
            vec![],
            vec![status(
                "app",
                ContainerState::Running {
                    started_at: SimTime(0),
                },
            )],
        );
        p.status.phase = PodPhase::Running;
        assert_eq!(pod_status(&p), "Running");
        p.meta.deletion_timestamp = Some(SimTime(30_000));
        assert_eq!(pod_status(&p), "Terminating");
    }

    #[test]
    fn human_duration_matches_kubectl() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 120, "3h2m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 3600, "3d1h"),
            (10 * 86400, "10d"),
            (800 * 86400, "2y70d"),
        ];
        for (secs, text) in cases {
            assert_eq!(human_duration(secs), text, "{secs}s");
        }
    }
}
