//! `kubesim rollout status` and `kubesim rollout history`: what kubectl's
//! `DeploymentStatusViewer` and `DeploymentHistoryViewer` (v1.36) print for a Deployment at
//! a simulated instant. Pure functions from the store to text and an outcome; the command
//! line decides the exit code. Unlike `kubectl rollout status`, nothing blocks: the status
//! is read once, at the instant asked for.

use std::collections::BTreeMap;
use std::fmt;

use sim_core::controllers::deployment::REVISION;
use sim_core::objects::{
    Container, Deployment, Kind, ObjectKey, PodTemplate, ReplicaSet, Resources, Toleration,
};
use sim_core::quantity::{format_bytes, format_cpu_millis};
use sim_core::selector::label_pairs;
use sim_core::store::Store;

use crate::describe::{describe_probe, tabwrite, toleration_text, NotFound};

/// The annotation `kubectl rollout history` reads its CHANGE-CAUSE column from.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// The Progressing reason the deployment controller sets when the deadline passes.
const TIMED_OUT_REASON: &str = "ProgressDeadlineExceeded";

/// Where a rollout stands at the instant read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `deployment "x" successfully rolled out`.
    Done,
    /// A `Waiting for ...` line: kubectl would keep watching.
    Waiting,
    /// The progress deadline passed: kubectl's error.
    Failed,
}

/// What `kubectl rollout status` prints for one Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutStatus {
    /// Done, waiting or failed.
    pub outcome: Outcome,
    /// The line, with its newline: for [`Outcome::Failed`] the error message without the
    /// `error: ` prefix and without a newline.
    pub text: String,
}

/// kubectl's `DeploymentStatusViewer.Status` (revision 0): the first of these that holds.
pub fn deployment_status(d: &Deployment) -> RolloutStatus {
    let name = &d.meta.name;
    let s = &d.status;
    let waiting = |text: String| RolloutStatus {
        outcome: Outcome::Waiting,
        text,
    };
    if d.meta.generation > s.observed_generation {
        return waiting("Waiting for deployment spec update to be observed...\n".to_string());
    }
    let timed_out = s
        .conditions
        .iter()
        .find(|c| c.type_ == "Progressing")
        .is_some_and(|c| c.reason == TIMED_OUT_REASON);
    if timed_out {
        return RolloutStatus {
            outcome: Outcome::Failed,
            text: format!("deployment \"{name}\" exceeded its progress deadline"),
        };
    }
    let prefix = format!("Waiting for deployment \"{name}\" rollout to finish");
    if s.updated_replicas < d.replicas {
        return waiting(format!(
            "{prefix}: {} out of {} new replicas have been updated...\n",
            s.updated_replicas, d.replicas
        ));
    }
    if s.replicas > s.updated_replicas {
        return waiting(format!(
            "{prefix}: {} old replicas are pending termination...\n",
            s.replicas - s.updated_replicas
        ));
    }
    if s.available_replicas < s.updated_replicas {
        return waiting(format!(
            "{prefix}: {} of {} updated replicas are available...\n",
            s.available_replicas, s.updated_replicas
        ));
    }
    RolloutStatus {
        outcome: Outcome::Done,
        text: format!("deployment \"{name}\" successfully rolled out\n"),
    }
}

/// `kubectl rollout status deployment/NAME` at the store's instant.
pub fn rollout_status(store: &Store, key: &ObjectKey) -> Result<RolloutStatus, NotFound> {
    store
        .get::<Deployment>(key)
        .map(deployment_status)
        .ok_or_else(|| NotFound {
            kind: Kind::Deployment,
            name: key.name.clone(),
        })
}

/// Why `rollout history` printed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryError {
    /// No such Deployment: exit code 2, like the other commands.
    NotFound(NotFound),
    /// `--revision N` names no ReplicaSet: kubectl's error (exit code 1).
    NoSuchRevision(u64),
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::NotFound(e) => e.fmt(f),
            HistoryError::NoSuchRevision(_) => {
                write!(f, "error: unable to find the specified revision")
            }
        }
    }
}

impl std::error::Error for HistoryError {}

/// The ReplicaSets the Deployment controls, by revision (an unparseable revision is skipped,
/// as kubectl skips it with a warning).
fn revisions<'a>(store: &'a Store, d: &'a Deployment) -> BTreeMap<u64, &'a ReplicaSet> {
    store
        .list_namespace::<ReplicaSet>(&d.meta.namespace)
        .filter(|rs| {
            rs.meta
                .controller_ref()
                .is_some_and(|o| o.kind == Kind::Deployment && o.uid == d.meta.uid)
        })
        .filter_map(|rs| {
            let revision = rs.meta.annotations.get(REVISION)?.parse().ok()?;
            Some((revision, rs))
        })
        .collect()
}

/// `kubectl rollout history deployment/NAME [--revision N]`: the `deployment.apps/NAME` line,
/// then the `REVISION  CHANGE-CAUSE` table, or with a revision that revision's pod template
/// as kubectl's `DescribePodTemplate` lays it out (raw tabs: kubectl does not align it).
pub fn rollout_history(
    store: &Store,
    key: &ObjectKey,
    revision: Option<u64>,
) -> Result<String, HistoryError> {
    let d = store.get::<Deployment>(key).ok_or_else(|| {
        HistoryError::NotFound(NotFound {
            kind: Kind::Deployment,
            name: key.name.clone(),
        })
    })?;
    let history = revisions(store, d);
    let name = &d.meta.name;
    if let Some(revision) = revision.filter(|r| *r > 0) {
        let rs = history
            .get(&revision)
            .ok_or(HistoryError::NoSuchRevision(revision))?;
        let mut template = rs.template.clone();
        if let Some(cause) = rs.meta.annotations.get(CHANGE_CAUSE) {
            template
                .annotations
                .insert(CHANGE_CAUSE.to_string(), cause.clone());
        }
        return Ok(format!(
            "deployment.apps/{name} with revision #{revision}\n{}\n",
            pod_template(&template)
        ));
    }
    if history.is_empty() {
        return Ok(format!(
            "deployment.apps/{name}\nNo rollout history found.\n"
        ));
    }
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for (revision, rs) in &history {
        let cause = rs
            .meta
            .annotations
            .get(CHANGE_CAUSE)
            .filter(|c| !c.is_empty())
            .map_or("<none>", String::as_str);
        table.push_str(&format!("{revision}\t{cause}\n"));
    }
    Ok(format!("deployment.apps/{name}\n{}\n", tabwrite(&table)))
}

/// Engine bookkeeping annotations, hidden as `describe` hides them.
const INTERNAL_ANNOTATION_PREFIX: &str = "kubesim.io/internal-";

/// kubectl's `PrefixWriter` output of `DescribePodTemplate`, unaligned: two spaces per
/// level, `Title:\tvalue`, multi-line values continued with `\t`.
fn pod_template(template: &PodTemplate) -> String {
    let mut out = String::from("Pod Template:\n");
    let labels = label_pairs(&template.labels);
    multiline(&mut out, "  Labels", &labels);
    let annotations: Vec<String> = template
        .annotations
        .iter()
        .filter(|(k, _)| !k.starts_with(INTERNAL_ANNOTATION_PREFIX))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !annotations.is_empty() {
        multiline(&mut out, "  Annotations", &annotations);
    }
    if !template.spec.init_containers.is_empty() {
        containers(&mut out, "Init Containers", &template.spec.init_containers);
    }
    containers(&mut out, "Containers", &template.spec.containers);
    out.push_str("  Volumes:\t<none>\n");
    let selectors = label_pairs(&template.spec.node_selector);
    multiline(&mut out, "  Node-Selectors", &selectors);
    let mut sorted: Vec<&Toleration> = template.spec.tolerations.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let tolerations: Vec<String> = sorted.into_iter().map(toleration_text).collect();
    multiline(&mut out, "  Tolerations", &tolerations);
    out
}

fn multiline(out: &mut String, title: &str, entries: &[String]) {
    match entries.split_first() {
        None => out.push_str(&format!("{title}:\t<none>\n")),
        Some((first, rest)) => {
            out.push_str(&format!("{title}:\t{first}\n"));
            for entry in rest {
                out.push_str(&format!("\t{entry}\n"));
            }
        }
    }
}

fn containers(out: &mut String, title: &str, list: &[Container]) {
    out.push_str(&format!("  {title}:\n"));
    for c in list {
        out.push_str(&format!("   {}:\n", c.name));
        out.push_str(&format!("    Image:\t{}\n", c.image));
        for (title, amounts) in [("Limits", &c.limits), ("Requests", &c.requests)] {
            let entries = resource_entries(amounts);
            if entries.is_empty() {
                continue;
            }
            out.push_str(&format!("    {title}:\n"));
            for (name, value) in entries {
                out.push_str(&format!("      {name}:\t{value}\n"));
            }
        }
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(probe) = probe {
                out.push_str(&format!("    {title}:\t{}\n", describe_probe(probe)));
            }
        }
        out.push_str("    Environment:\t<none>\n    Mounts:\t<none>\n");
    }
}

fn resource_entries(r: &Resources) -> Vec<(&'static str, String)> {
    let mut entries = Vec::new();
    if r.cpu_millis > 0 {
        entries.push(("cpu", format_cpu_millis(r.cpu_millis)));
    }
    if r.ephemeral_storage_bytes > 0 {
        entries.push(("ephemeral-storage", format_bytes(r.ephemeral_storage_bytes)));
    }
    if r.memory_bytes > 0 {
        entries.push(("memory", format_bytes(r.memory_bytes)));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_support::{curated, secs};
    use sim_core::objects::{ConditionStatus, DeploymentCondition};

    fn api() -> ObjectKey {
        ObjectKey::new("default", "api")
    }

    /// `rollout status deployment/api` on scenarios/rollout.yaml at `at` seconds.
    fn status_at(at: u64) -> RolloutStatus {
        let sim = curated("rollout.yaml", secs(at));
        rollout_status(sim.store(), &api()).expect("the deployment exists")
    }

    fn waiting(text: &str) -> RolloutStatus {
        RolloutStatus {
            outcome: Outcome::Waiting,
            text: format!("Waiting for deployment \"api\" rollout to finish: {text}...\n"),
        }
    }

    #[test]
    fn before_the_first_pods_are_ready_none_is_available() {
        assert_eq!(
            status_at(5),
            waiting("0 of 4 updated replicas are available")
        );
    }

    #[test]
    fn mid_rollout_counts_the_updated_replicas() {
        // At 1m the new ReplicaSet got its first wave of 2 (maxSurge 1 + maxUnavailable 1).
        assert_eq!(
            status_at(65),
            waiting("2 out of 4 new replicas have been updated")
        );
    }

    #[test]
    fn the_last_old_pod_is_pending_termination() {
        assert_eq!(
            status_at(75),
            waiting("1 old replicas are pending termination")
        );
    }

    #[test]
    fn the_finished_rollout_is_rolled_out() {
        for at in [50, 90, 180] {
            assert_eq!(
                status_at(at),
                RolloutStatus {
                    outcome: Outcome::Done,
                    text: "deployment \"api\" successfully rolled out\n".to_string(),
                },
                "at {at}s"
            );
        }
    }

    #[test]
    fn an_unobserved_spec_and_a_passed_deadline_come_first() {
        let sim = curated("rollout.yaml", secs(90));
        let mut d = sim
            .store()
            .get::<Deployment>(&api())
            .expect("it exists")
            .clone();
        d.meta.generation = d.status.observed_generation + 1;
        assert_eq!(
            deployment_status(&d).text,
            "Waiting for deployment spec update to be observed...\n"
        );
        d.meta.generation = d.status.observed_generation;
        let at = secs(90);
        d.status.conditions.retain(|c| c.type_ != "Progressing");
        d.status.conditions.push(DeploymentCondition {
            type_: "Progressing".to_string(),
            status: ConditionStatus::False,
            reason: TIMED_OUT_REASON.to_string(),
            message: String::new(),
            last_transition_time: at,
            last_update_time: at,
        });
        assert_eq!(
            deployment_status(&d),
            RolloutStatus {
                outcome: Outcome::Failed,
                text: "deployment \"api\" exceeded its progress deadline".to_string(),
            }
        );
    }

    #[test]
    fn an_unknown_deployment_is_not_found() {
        let sim = curated("rollout.yaml", secs(10));
        let key = ObjectKey::new("default", "web");
        assert_eq!(
            rollout_status(sim.store(), &key)
                .expect_err("an error")
                .to_string(),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
        assert_eq!(
            rollout_history(sim.store(), &key, None)
                .expect_err("an error")
                .to_string(),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
    }

    #[test]
    fn history_lists_each_revision_like_kubectl() {
        let sim = curated("rollout.yaml", secs(30));
        assert_eq!(
            rollout_history(sim.store(), &api(), None).expect("it exists"),
            "deployment.apps/api\nREVISION  CHANGE-CAUSE\n1         <none>\n\n"
        );
        let sim = curated("rollout.yaml", secs(120));
        assert_eq!(
            rollout_history(sim.store(), &api(), None).expect("it exists"),
            "deployment.apps/api\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
        );
    }

    #[test]
    fn history_of_one_revision_shows_its_pod_template() {
        let sim = curated("rollout.yaml", secs(120));
        let text = rollout_history(sim.store(), &api(), Some(1)).expect("it exists");
        assert!(
            text.starts_with("deployment.apps/api with revision #1\nPod Template:\n  Labels:\tapp=api\n\tpod-template-hash="),
            "{text}"
        );
        assert!(
            text.contains("  Containers:\n   api:\n    Image:\texample.com/api:1.0.0\n"),
            "{text}"
        );
        let two = rollout_history(sim.store(), &api(), Some(2)).expect("it exists");
        assert!(two.contains("Image:\texample.com/api:1.1.0\n"), "{two}");
        assert_eq!(
            rollout_history(sim.store(), &api(), Some(3)).expect_err("an error"),
            HistoryError::NoSuchRevision(3)
        );
    }
}
