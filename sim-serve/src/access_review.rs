//! Who am I and what may I do: `kubectl auth whoami` and `kubectl auth can-i`.
//!
//! kubesim models no authentication or authorization (the serving edge checks only the
//! optional bearer token), so every client is the one user `kubesim-admin` in
//! `system:masters` and every request is allowed. These are the answers the API server's
//! review resources give such a user: a `SelfSubjectReview` with the user's info, a
//! `SelfSubjectAccessReview` that is allowed, and a `SelfSubjectRulesReview` that allows
//! every verb on every resource (`kubectl auth can-i --list`). The reviews are not stored
//! and change nothing, so they are neither recorded nor on the timeline.

use serde_json::{json, Value};

use crate::status::StatusError;

/// The authentication group version.
pub const AUTHENTICATION: &str = "authentication.k8s.io/v1";
/// The authorization group version.
pub const AUTHORIZATION: &str = "authorization.k8s.io/v1";

/// The user every client is.
pub const USERNAME: &str = "kubesim-admin";

/// Why a review is allowed.
const REASON: &str = "kubesim models no authorization: every request is allowed";

/// The APIResourceList of `group_version`, when it is one of the review groups.
pub fn resource_list(group_version: &str) -> Option<Value> {
    let resources = match group_version {
        AUTHENTICATION => json!([
            {"name": "selfsubjectreviews", "singularName": "selfsubjectreview",
             "namespaced": false, "kind": "SelfSubjectReview", "verbs": ["create"]},
        ]),
        AUTHORIZATION => json!([
            {"name": "selfsubjectaccessreviews", "singularName": "selfsubjectaccessreview",
             "namespaced": false, "kind": "SelfSubjectAccessReview", "verbs": ["create"]},
            {"name": "selfsubjectrulesreviews", "singularName": "selfsubjectrulesreview",
             "namespaced": false, "kind": "SelfSubjectRulesReview", "verbs": ["create"]},
        ]),
        _ => return None,
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// Whether `url` names a review resource.
pub fn is_review(url: &str) -> bool {
    let path = url.split('?').next().unwrap_or("");
    [AUTHENTICATION, AUTHORIZATION]
        .iter()
        .any(|gv| path.starts_with(&format!("/apis/{gv}/")))
}

/// POST `/apis/<group_version>/<resource>`: the review's answer (201, as a create).
/// `request` is the decoded body when it could be decoded (its `spec` is echoed back, as
/// the API server does); the answer does not depend on it.
pub fn review(
    group_version: &str,
    resource: &str,
    request: Option<&Value>,
) -> Result<Value, StatusError> {
    let spec = request
        .and_then(|r| r.get("spec"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let (kind, status) = match (group_version, resource) {
        (AUTHENTICATION, "selfsubjectreviews") => (
            "SelfSubjectReview",
            json!({"userInfo": {
                "username": USERNAME,
                "groups": ["system:masters", "system:authenticated"],
            }}),
        ),
        (AUTHORIZATION, "selfsubjectaccessreviews") => (
            "SelfSubjectAccessReview",
            json!({"allowed": true, "reason": REASON}),
        ),
        (AUTHORIZATION, "selfsubjectrulesreviews") => (
            "SelfSubjectRulesReview",
            json!({
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            }),
        ),
        _ => {
            return Err(StatusError::no_route(&format!(
                "/apis/{group_version}/{resource}"
            )))
        }
    };
    let mut answer = json!({
        "kind": kind,
        "apiVersion": group_version,
        "metadata": {"creationTimestamp": null},
        "status": status,
    });
    if kind != "SelfSubjectReview" {
        answer["spec"] = spec;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_access_is_allowed_and_the_spec_is_echoed() {
        let request =
            json!({"spec": {"resourceAttributes": {"verb": "create", "resource": "pods"}}});
        let answer =
            review(AUTHORIZATION, "selfsubjectaccessreviews", Some(&request)).expect("a review");
        assert_eq!(answer["status"]["allowed"], true);
        assert_eq!(answer["spec"]["resourceAttributes"]["resource"], "pods");
        let who = review(AUTHENTICATION, "selfsubjectreviews", None).expect("a review");
        assert_eq!(who["status"]["userInfo"]["username"], USERNAME);
        assert!(review(AUTHORIZATION, "subjectaccessreviews", None).is_err());
        assert!(resource_list("authorization.k8s.io/v1beta1").is_none());
    }
}
