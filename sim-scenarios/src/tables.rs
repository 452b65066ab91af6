//! kubectl-style tables of the objects at a simulated instant (`kubesim get`): the columns
//! `kubectl get` prints, with the STATUS column computed as kubectl's pod printer computes it.

use sim_core::objects::{
    ClusterIp, ConditionStatus, ConfigMap, ContainerState, ContainerStatus, DaemonSet, Deployment,
    EndpointSlice, Kind, LimitRange, Namespace, Node, PersistentVolumeClaim, Pod, PodConditionType,
    PriorityClass, ReplicaSet, ResourceQuota, ResourceUnit, RestartPolicy, Secret, Service,
    ServiceType, StatefulSet,
};
use sim_core::objects::{CronJob, Job};
use sim_core::selector::labels_text;
use sim_core::store::Store;
use sim_core::time::SimTime;

mod batch;
pub use batch::{job_completions, job_duration, job_status};

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

/// The READY, STATUS and RESTARTS columns of `kubectl get pods`, as kubectl's `printPod`
/// computes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    /// Ready containers (app containers and started sidecars).
    pub ready: usize,
    /// App containers plus sidecars.
    pub total: usize,
    /// The STATUS column.
    pub status: String,
    /// The restarts kubectl counts.
    pub restarts: u32,
    /// When the last counted restart's previous instance ended.
    pub last_restart: Option<SimTime>,
}

fn is_sidecar(pod: &Pod, name: &str) -> bool {
    pod.spec
        .init_containers
        .iter()
        .any(|c| c.name == name && c.restart_policy == Some(RestartPolicy::Always))
}

fn last_finish(status: &ContainerStatus) -> Option<SimTime> {
    match &status.last_state {
        Some(ContainerState::Terminated { finished_at, .. }) => Some(*finished_at),
        _ => None,
    }
}

/// kubectl's `printPod` (v1.36): init containers first (a started sidecar counts toward
/// READY and never holds up initialisation), then, unless initialisation is under way and
/// the pod is not `Initialized`, the app containers from last to first.
pub fn pod_summary(pod: &Pod) -> PodSummary {
    let sidecars = pod
        .spec
        .init_containers
        .iter()
        .filter(|c| c.restart_policy == Some(RestartPolicy::Always))
        .count();
    let mut summary = PodSummary {
        ready: 0,
        total: pod.spec.containers.len() + sidecars,
        status: if pod.status.reason.is_empty() {
            pod.status.phase.as_str().to_string()
        } else {
            pod.status.reason.clone()
        },
        restarts: 0,
        last_restart: None,
    };
    let later = |a: Option<SimTime>, b: Option<SimTime>| a.max(b);
    let (mut sidecar_restarts, mut sidecar_last) = (0u32, None);
    let inits = &pod.status.init_container_statuses;
    let mut initializing = false;
    for (i, c) in inits.iter().enumerate() {
        summary.restarts += c.restart_count;
        summary.last_restart = later(summary.last_restart, last_finish(c));
        let sidecar = is_sidecar(pod, &c.name);
        if sidecar {
            sidecar_restarts += c.restart_count;
            sidecar_last = later(sidecar_last, last_finish(c));
        }
        match &c.state {
            ContainerState::Terminated { exit_code: 0, .. } => continue,
            _ if sidecar && c.started => {
                if c.ready {
                    summary.ready += 1;
                }
                continue;
            }
            ContainerState::Terminated {
                reason: r,
                exit_code,
                ..
            } => summary.status = format!("Init:{}", terminated_text(r, *exit_code)),
            ContainerState::Waiting { reason: r, .. }
                if !r.is_empty() && r != "PodInitializing" =>
            {
                summary.status = format!("Init:{r}");
            }
            _ => {
                let count = pod.spec.init_containers.len().max(inits.len());
                summary.status = format!("Init:{i}/{count}");
            }
        }
        initializing = true;
        break;
    }
    if !initializing || pod.status.condition_true(PodConditionType::Initialized) {
        summary.restarts = sidecar_restarts;
        summary.last_restart = sidecar_last;
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            summary.restarts += c.restart_count;
            summary.last_restart = later(summary.last_restart, last_finish(c));
            match &c.state {
                ContainerState::Waiting { reason: r, .. } if !r.is_empty() => {
                    summary.status = r.clone()
                }
                ContainerState::Terminated {
                    reason: r,
                    exit_code,
                    ..
                } => summary.status = terminated_text(r, *exit_code),
                ContainerState::Running { .. } if c.ready => {
                    has_running = true;
                    summary.ready += 1;
                }
                ContainerState::Running { .. } => has_running = true,
                _ => {}
            }
        }
        if summary.status == "Completed" && has_running {
            summary.status = if pod.is_ready() {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }
    if pod.meta.deletion_timestamp.is_some() {
        summary.status = "Terminating".to_string();
    }
    summary
}

/// The STATUS column of `kubectl get pods` (kubectl's `printPod`).
pub fn pod_status(pod: &Pod) -> String {
    pod_summary(pod).status
}

/// The CLUSTER-IP column of `kubectl get services`: the address, `None` for a headless
/// Service, `<none>` for an ExternalName one.
fn service_cluster_ip(svc: &Service) -> String {
    match svc.spec.cluster_ip {
        ClusterIp::Unset => "<none>".to_string(),
        ClusterIp::Headless => "None".to_string(),
        ClusterIp::Address(a) => a.to_string(),
    }
}

/// The EXTERNAL-IP column (kubectl's `getServiceExternalIP`): `spec.externalIPs`, or
/// `<pending>` for a LoadBalancer (kubesim provisions none), the external name for an
/// ExternalName Service, `<none>` otherwise.
fn service_external_ip(svc: &Service) -> String {
    let external = svc.spec.external_ips.join(",");
    match svc.spec.type_ {
        ServiceType::ExternalName => svc.spec.external_name.clone(),
        ServiceType::LoadBalancer if external.is_empty() => "<pending>".to_string(),
        _ if external.is_empty() => "<none>".to_string(),
        _ => external,
    }
}

fn restarts(summary: &PodSummary, now: SimTime) -> String {
    match summary.last_restart {
        Some(t) if summary.restarts > 0 => format!("{} ({} ago)", summary.restarts, age(t, now)),
        _ => summary.restarts.to_string(),
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

/// kubectl's REQUEST and LIMIT columns of a ResourceQuota: `name: used/hard` for each hard
/// entry, the `limits.` ones under LIMIT, the rest under REQUEST.
fn quota_columns(q: &ResourceQuota) -> (String, String) {
    let mut request = Vec::new();
    let mut limit = Vec::new();
    for (name, hard) in &q.hard {
        let unit = ResourceUnit::of(name);
        let used = q.used.get(name).copied().unwrap_or(0);
        let entry = format!("{name}: {}/{}", unit.format(used), unit.format(*hard));
        if name.starts_with("limits.") {
            limit.push(entry);
        } else {
            request.push(entry);
        }
    }
    (request.join(", "), limit.join(", "))
}

/// `kubectl get <kind>` for every object of `kind` at `now`; `No resources found` when empty.
pub fn get_table(
    store: &Store,
    kind: Kind,
    options: GetOptions<'_>,
    now: SimTime,
    out: &mut String,
) {
    if !kind_table(store, kind, options, now, out) {
        no_resources(options.namespace.filter(|_| kind.namespaced()), out);
    }
}

/// `kubectl get KIND,KIND,...`: a table per kind that has objects, separated by blank lines;
/// one `No resources found` line only when none has any, as kubectl prints it.
pub fn get_tables(
    store: &Store,
    kinds: &[Kind],
    options: GetOptions<'_>,
    now: SimTime,
    out: &mut String,
) {
    let mut any = false;
    for &kind in kinds {
        let mut table = String::new();
        if kind_table(store, kind, options, now, &mut table) {
            if any {
                out.push('\n');
            }
            out.push_str(&table);
            any = true;
        }
    }
    if !any {
        let namespaced = kinds.iter().any(|k| k.namespaced());
        no_resources(options.namespace.filter(|_| namespaced), out);
    }
}

fn no_resources(namespace: Option<&str>, out: &mut String) {
    match namespace {
        Some(ns) => out.push_str(&format!("No resources found in {ns} namespace.\n")),
        None => out.push_str("No resources found\n"),
    }
}

/// The table of `kind`, if any object of it is listed; false (and nothing written) if none.
fn kind_table(
    store: &Store,
    kind: Kind,
    options: GetOptions<'_>,
    now: SimTime,
    out: &mut String,
) -> bool {
    let namespace = options.namespace;
    let (headers, mut rows) = kind_rows(store, kind, namespace, now);
    if rows.is_empty() {
        return false;
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
    true
}

/// kubectl's column headers of `kind` (NAMESPACE first, even for cluster-scoped kinds,
/// where it is empty) and one row of cells per object in `namespace` (all when `None`), in
/// store order. The server-side Table of `kubesim serve` is built from these.
pub fn kind_rows(
    store: &Store,
    kind: Kind,
    namespace: Option<&str>,
    now: SimTime,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let in_ns = |ns: &str| namespace.is_none_or(|n| n == ns);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let headers: Vec<&str> = match kind {
        Kind::Pod => {
            for p in store.list::<Pod>().filter(|p| in_ns(&p.meta.namespace)) {
                let summary = pod_summary(p);
                rows.push(vec![
                    p.meta.namespace.clone(),
                    p.meta.name.clone(),
                    format!("{}/{}", summary.ready, summary.total),
                    summary.status.clone(),
                    restarts(&summary, now),
                    age(p.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        }
        Kind::Node => {
            for n in store.list::<Node>() {
                let mut status = match n.ready {
                    ConditionStatus::True => "Ready",
                    // kubectl prints "Not" + the type for any status but True.
                    ConditionStatus::False | ConditionStatus::Unknown => "NotReady",
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
        Kind::Service => {
            for svc in store.list::<Service>().filter(|s| in_ns(&s.meta.namespace)) {
                rows.push(vec![
                    svc.meta.namespace.clone(),
                    svc.meta.name.clone(),
                    svc.spec.type_.as_str().to_string(),
                    service_cluster_ip(svc),
                    service_external_ip(svc),
                    svc.spec.ports_summary(),
                    age(svc.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ]
        }
        Kind::StatefulSet => {
            for set in store
                .list::<StatefulSet>()
                .filter(|s| in_ns(&s.meta.namespace))
            {
                rows.push(vec![
                    set.meta.namespace.clone(),
                    set.meta.name.clone(),
                    format!("{}/{}", set.status.ready_replicas, set.replicas),
                    age(set.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "READY", "AGE"]
        }
        Kind::DaemonSet => {
            for ds in store
                .list::<DaemonSet>()
                .filter(|d| in_ns(&d.meta.namespace))
            {
                let s = &ds.status;
                let selector = labels_text(&ds.template.spec.node_selector);
                rows.push(vec![
                    ds.meta.namespace.clone(),
                    ds.meta.name.clone(),
                    s.desired_number_scheduled.to_string(),
                    s.current_number_scheduled.to_string(),
                    s.number_ready.to_string(),
                    s.updated_number_scheduled.to_string(),
                    s.number_available.to_string(),
                    selector,
                    age(ds.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE",
            ]
        }
        Kind::PersistentVolumeClaim => {
            for claim in store
                .list::<PersistentVolumeClaim>()
                .filter(|c| in_ns(&c.meta.namespace))
            {
                let capacity = if claim.status.capacity_bytes > 0 {
                    crate::quantity::format_bytes(claim.status.capacity_bytes)
                } else {
                    String::new()
                };
                rows.push(vec![
                    claim.meta.namespace.clone(),
                    claim.meta.name.clone(),
                    claim.status.phase.as_str().to_string(),
                    claim.spec.volume_name.clone(),
                    capacity,
                    claim.access_modes_summary(),
                    claim.spec.storage_class_name.clone().unwrap_or_default(),
                    claim
                        .spec
                        .volume_attributes_class_name
                        .clone()
                        .unwrap_or_else(|| "<unset>".to_string()),
                    age(claim.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ]
        }
        Kind::EndpointSlice => {
            for slice in store
                .list::<EndpointSlice>()
                .filter(|s| in_ns(&s.meta.namespace))
            {
                rows.push(vec![
                    slice.meta.namespace.clone(),
                    slice.meta.name.clone(),
                    slice.address_type.as_str().to_string(),
                    slice.ports_summary(),
                    slice.endpoints_summary(),
                    age(slice.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "ADDRESSTYPE",
                "PORTS",
                "ENDPOINTS",
                "AGE",
            ]
        }
        Kind::Namespace => {
            for ns in store.list::<Namespace>() {
                rows.push(vec![
                    String::new(),
                    ns.meta.name.clone(),
                    ns.phase.as_str().to_string(),
                    age(ns.meta.creation_timestamp, now),
                ]);
            }
            vec!["", "NAME", "STATUS", "AGE"]
        }
        Kind::ResourceQuota => {
            for q in store
                .list::<ResourceQuota>()
                .filter(|q| in_ns(&q.meta.namespace))
            {
                let (request, limit) = quota_columns(q);
                rows.push(vec![
                    q.meta.namespace.clone(),
                    q.meta.name.clone(),
                    age(q.meta.creation_timestamp, now),
                    request,
                    limit,
                ]);
            }
            vec!["NAMESPACE", "NAME", "AGE", "REQUEST", "LIMIT"]
        }
        Kind::HorizontalPodAutoscaler => {
            for hpa in store
                .list::<sim_core::objects::HorizontalPodAutoscaler>()
                .filter(|h| in_ns(&h.meta.namespace))
            {
                // kubectl's printHorizontalPodAutoscaler.
                rows.push(vec![
                    hpa.meta.namespace.clone(),
                    hpa.meta.name.clone(),
                    format!(
                        "{}/{}",
                        hpa.scale_target_ref.kind, hpa.scale_target_ref.name
                    ),
                    sim_core::controllers::hpa::targets_text(hpa),
                    hpa.min_replicas.to_string(),
                    hpa.max_replicas.to_string(),
                    hpa.status.current_replicas.to_string(),
                    age(hpa.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "REFERENCE",
                "TARGETS",
                "MINPODS",
                "MAXPODS",
                "REPLICAS",
                "AGE",
            ]
        }
        Kind::PodDisruptionBudget => {
            for pdb in store
                .list::<sim_core::objects::PodDisruptionBudget>()
                .filter(|p| in_ns(&p.meta.namespace))
            {
                // kubectl's printPodDisruptionBudget: the unset bound reads N/A.
                let (min, max) = match pdb.budget {
                    sim_core::disruption::DisruptionBudget::MinAvailable(v) => {
                        (v.to_string(), "N/A".to_string())
                    }
                    sim_core::disruption::DisruptionBudget::MaxUnavailable(v) => {
                        ("N/A".to_string(), v.to_string())
                    }
                };
                rows.push(vec![
                    pdb.meta.namespace.clone(),
                    pdb.meta.name.clone(),
                    min,
                    max,
                    pdb.status.disruptions_allowed.to_string(),
                    age(pdb.meta.creation_timestamp, now),
                ]);
            }
            vec![
                "NAMESPACE",
                "NAME",
                "MIN AVAILABLE",
                "MAX UNAVAILABLE",
                "ALLOWED DISRUPTIONS",
                "AGE",
            ]
        }
        Kind::LimitRange => {
            for l in store
                .list::<LimitRange>()
                .filter(|l| in_ns(&l.meta.namespace))
            {
                rows.push(vec![
                    l.meta.namespace.clone(),
                    l.meta.name.clone(),
                    crate::view::rfc3339(l.meta.creation_timestamp),
                ]);
            }
            vec!["NAMESPACE", "NAME", "CREATED AT"]
        }
        Kind::PriorityClass => {
            for c in store.list::<PriorityClass>() {
                rows.push(vec![
                    String::new(),
                    c.meta.name.clone(),
                    c.value.to_string(),
                    c.global_default.to_string(),
                    age(c.meta.creation_timestamp, now),
                    c.preemption_policy.as_str().to_string(),
                ]);
            }
            vec![
                "",
                "NAME",
                "VALUE",
                "GLOBAL-DEFAULT",
                "AGE",
                "PREEMPTIONPOLICY",
            ]
        }
        Kind::ConfigMap => {
            for c in store
                .list::<ConfigMap>()
                .filter(|c| in_ns(&c.meta.namespace))
            {
                rows.push(vec![
                    c.meta.namespace.clone(),
                    c.meta.name.clone(),
                    c.keys.len().to_string(),
                    age(c.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "DATA", "AGE"]
        }
        Kind::Secret => {
            for c in store.list::<Secret>().filter(|c| in_ns(&c.meta.namespace)) {
                rows.push(vec![
                    c.meta.namespace.clone(),
                    c.meta.name.clone(),
                    c.secret_type.clone(),
                    c.keys.len().to_string(),
                    age(c.meta.creation_timestamp, now),
                ]);
            }
            vec!["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"]
        }
        Kind::Job => {
            for j in store.list::<Job>().filter(|j| in_ns(&j.meta.namespace)) {
                rows.push(batch::job_row(j, now));
            }
            batch::JOB_HEADERS.to_vec()
        }
        Kind::CronJob => {
            for c in store.list::<CronJob>().filter(|c| in_ns(&c.meta.namespace)) {
                rows.push(batch::cronjob_row(c, now));
            }
            batch::CRONJOB_HEADERS.to_vec()
        }
    };
    (headers, rows)
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
                priority_class_name: String::new(),
                preemption_policy: Default::default(),
                active_deadline_seconds: None,
                affinity: None,
                volumes: vec![],
                hostname: None,
                subdomain: None,
                topology_spread_constraints: vec![],
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

#[cfg(test)]
mod service_tests {
    use std::collections::BTreeMap;

    use super::*;
    use sim_core::objects::{
        AddressType, Endpoint, EndpointConditions, EndpointPort, ObjectMeta, Protocol, ServicePort,
        ServiceSpec, SessionAffinity, TargetPort,
    };
    use sim_core::rng::{RngStreams, Stream};
    use sim_core::time::SimDuration;

    fn service(
        name: &str,
        type_: ServiceType,
        cluster_ip: ClusterIp,
        ports: &[(u16, Option<u16>, Protocol)],
    ) -> Service {
        Service {
            meta: ObjectMeta {
                name: name.to_string(),
                namespace: "default".to_string(),
                ..ObjectMeta::default()
            },
            spec: ServiceSpec {
                type_,
                selector: BTreeMap::new(),
                ports: ports
                    .iter()
                    .map(|(port, node_port, protocol)| ServicePort {
                        name: format!("p{port}"),
                        protocol: *protocol,
                        port: *port,
                        target_port: TargetPort::Number(*port),
                        node_port: *node_port,
                        app_protocol: None,
                    })
                    .collect(),
                cluster_ip,
                external_ips: Vec::new(),
                external_name: String::new(),
                publish_not_ready_addresses: false,
                session_affinity: SessionAffinity::None,
                external_traffic_policy: None,
                internal_traffic_policy: None,
                allocate_load_balancer_node_ports: None,
            },
        }
    }

    fn table(store: &Store, kind: Kind, now: SimTime) -> String {
        let mut out = String::new();
        let options = GetOptions {
            namespace: Some("default"),
            prefix_kind: false,
        };
        get_table(store, kind, options, now, &mut out);
        out
    }

    /// kubectl's printService: `80/TCP`, `80:30080/TCP`, `None` for headless, `<pending>` for
    /// a LoadBalancer without one, the external name for an ExternalName Service.
    #[test]
    fn get_services_like_kubectl() {
        let mut store = Store::new(RngStreams::new(1).stream(Stream::ObjectNames));
        let tcp = Protocol::Tcp;
        let services = [
            service(
                "web",
                ServiceType::ClusterIP,
                ClusterIp::Unset,
                &[(80, None, tcp)],
            ),
            service(
                "api",
                ServiceType::NodePort,
                ClusterIp::Unset,
                &[(80, Some(30080), tcp), (53, None, Protocol::Udp)],
            ),
            service("db", ServiceType::ClusterIP, ClusterIp::Headless, &[]),
            service(
                "lb",
                ServiceType::LoadBalancer,
                ClusterIp::Unset,
                &[(443, None, tcp)],
            ),
        ];
        for s in services {
            store.create(s).expect("create");
        }
        let mut alias = service("alias", ServiceType::ExternalName, ClusterIp::Unset, &[]);
        alias.spec.external_name = "db.example.com".to_string();
        store.create(alias).expect("create");
        let now = SimTime::ZERO + SimDuration::from_secs(150);
        assert_eq!(
            table(&store, Kind::Service, now),
            "\
NAME    TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)                     AGE
alias   ExternalName   <none>       db.example.com   <none>                      2m30s
api     NodePort       10.96.0.11   <none>           80:30080/TCP,53:30000/UDP   2m30s
db      ClusterIP      None         <none>           <none>                      2m30s
lb      LoadBalancer   10.96.0.12   <pending>        443:30001/TCP               2m30s
web     ClusterIP      10.96.0.10   <none>           80/TCP                      2m30s
"
        );
        let mut all = String::new();
        let options = GetOptions {
            namespace: None,
            prefix_kind: true,
        };
        get_table(&store, Kind::Service, options, now, &mut all);
        assert!(all.starts_with("NAMESPACE   NAME            TYPE"), "{all}");
        assert!(
            all.contains("default     service/web     ClusterIP"),
            "{all}"
        );
    }

    /// kubectl's printEndpointSlice: three addresses then `+ N more...`, `<unset>` for an
    /// empty list.
    #[test]
    fn get_endpointslices_like_kubectl() {
        let mut store = Store::new(RngStreams::new(1).stream(Stream::ObjectNames));
        let endpoint = |i: u8| Endpoint {
            addresses: vec![format!("10.244.0.{i}")],
            conditions: EndpointConditions {
                ready: true,
                serving: true,
                terminating: false,
            },
            node_name: None,
            zone: None,
            target_ref: None,
        };
        let slice = |name: &str, endpoints: Vec<Endpoint>, ports: &[u16]| EndpointSlice {
            meta: ObjectMeta {
                name: name.to_string(),
                namespace: "default".to_string(),
                ..ObjectMeta::default()
            },
            address_type: AddressType::IPv4,
            endpoints,
            ports: ports
                .iter()
                .map(|port| EndpointPort {
                    name: String::new(),
                    protocol: Protocol::Tcp,
                    port: *port,
                    app_protocol: None,
                })
                .collect(),
        };
        store
            .create(slice(
                "web-x7k2p",
                (1..=5).map(endpoint).collect(),
                &[8080, 9090],
            ))
            .expect("create");
        store
            .create(slice("api-2bq9z", Vec::new(), &[]))
            .expect("create");
        store
            .create(slice("db-mm4ct", vec![endpoint(9)], &[5432]))
            .expect("create");
        let now = SimTime::ZERO + SimDuration::from_secs(30);
        assert_eq!(
            table(&store, Kind::EndpointSlice, now),
            "\
NAME        ADDRESSTYPE   PORTS       ENDPOINTS                                      AGE
api-2bq9z   IPv4          <unset>     <unset>                                        30s
db-mm4ct    IPv4          5432        10.244.0.9                                     30s
web-x7k2p   IPv4          8080,9090   10.244.0.1,10.244.0.2,10.244.0.3 + 2 more...   30s
"
        );
    }
}
