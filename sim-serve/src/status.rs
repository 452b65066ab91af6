//! Kubernetes `Status` errors, as the API server answers a refused request.

use serde_json::{json, Value};
use sim_core::objects::Kind;

/// A refused request: the HTTP code and the `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusError {
    /// HTTP status code (also `Status.code`).
    pub code: u16,
    /// `Status.reason`, e.g. `NotFound`.
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// `Status.details`, if any.
    pub details: Option<Value>,
}

impl StatusError {
    /// A Status with no details.
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> StatusError {
        StatusError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// 404 `pods "web" not found`.
    pub fn not_found(kind: Kind, name: &str) -> StatusError {
        let mut e = StatusError::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", resource_with_group(kind)),
        );
        e.details = Some(details(kind, name));
        e
    }

    /// 404 for a path that names nothing kubesim serves.
    pub fn no_route(path: &str) -> StatusError {
        StatusError::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    /// 409 `deployments.apps "web" already exists`.
    pub fn already_exists(kind: Kind, name: &str) -> StatusError {
        let mut e = StatusError::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", resource_with_group(kind)),
        );
        e.details = Some(details(kind, name));
        e
    }

    /// 409 Conflict on a stale resourceVersion, with the API server's words.
    pub fn conflict(kind: Kind, name: &str) -> StatusError {
        let mut e = StatusError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                resource_with_group(kind)
            ),
        );
        e.details = Some(details(kind, name));
        e
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed(message: impl Into<String>) -> StatusError {
        StatusError::new(405, "MethodNotAllowed", message)
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> StatusError {
        StatusError::new(400, "BadRequest", message)
    }

    /// 422 Invalid: `Deployment.apps "web" is invalid: spec.replicas: ...`, one cause per
    /// field.
    pub fn invalid(kind: Kind, name: &str, causes: Vec<(Option<String>, String)>) -> StatusError {
        let text: Vec<String> = causes
            .iter()
            .map(|(field, message)| match field {
                Some(f) => format!("{f}: {message}"),
                None => message.clone(),
            })
            .collect();
        let joined = if text.len() == 1 {
            text[0].clone()
        } else {
            format!("[{}]", text.join(", "))
        };
        let mut d = details(kind, name);
        d["kind"] = json!(kind.name());
        d["causes"] = Value::Array(
            causes
                .iter()
                .map(|(field, message)| {
                    let mut c = json!({"reason": "FieldValueInvalid", "message": message});
                    if let Some(f) = field {
                        c["field"] = json!(f);
                    }
                    c
                })
                .collect(),
        );
        StatusError {
            code: 422,
            reason: "Invalid",
            message: format!("{} \"{name}\" is invalid: {joined}", kind_with_group(kind)),
            details: Some(d),
        }
    }

    /// The `Status` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }
}

/// The API group of `kind` (empty for the core group).
pub fn group(kind: Kind) -> &'static str {
    match kind.api_version().split_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// `deployments.apps` (or `pods`), as API errors name a resource.
pub fn resource_with_group(kind: Kind) -> String {
    match group(kind) {
        "" => kind.plural(),
        g => format!("{}.{g}", kind.plural()),
    }
}

/// `Deployment.apps` (or `Pod`), as Invalid errors name a kind.
pub fn kind_with_group(kind: Kind) -> String {
    match group(kind) {
        "" => kind.name().to_string(),
        g => format!("{}.{g}", kind.name()),
    }
}

fn details(kind: Kind, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": kind.plural()});
    if !group(kind).is_empty() {
        d["group"] = json!(group(kind));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_resource_with_its_group() {
        let e = StatusError::not_found(Kind::Deployment, "web");
        assert_eq!(e.code, 404);
        assert_eq!(e.message, "deployments.apps \"web\" not found");
        let v = e.to_json();
        assert_eq!(v["details"]["group"], "apps");
        assert_eq!(v["details"]["kind"], "deployments");
        assert_eq!(
            StatusError::not_found(Kind::Pod, "x").message,
            "pods \"x\" not found"
        );
    }

    #[test]
    fn invalid_lists_every_cause_with_its_field() {
        let e = StatusError::invalid(
            Kind::Pod,
            "p",
            vec![
                (Some("spec.containers".into()), "Required value".into()),
                (None, "something else".into()),
            ],
        );
        assert_eq!(e.code, 422);
        assert_eq!(
            e.message,
            "Pod \"p\" is invalid: [spec.containers: Required value, something else]"
        );
        let v = e.to_json();
        assert_eq!(v["details"]["kind"], "Pod");
        assert_eq!(v["details"]["causes"][0]["field"], "spec.containers");
        assert!(v["details"]["causes"][1].get("field").is_none());
    }
}
