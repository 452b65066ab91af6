//! `deletecollection`: `DELETE` on a namespaced collection (`…/namespaces/NS/pods?labelSelector=…`)
//! deletes every object the selectors pick, each as a single delete with the request's
//! DeleteOptions (propagationPolicy, gracePeriodSeconds, preconditions, dryRun), and answers
//! with the list of the deleted objects as each delete returned it (a pod in graceful
//! deletion with its deletionTimestamp), as kube-apiserver's registry does.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sim_core::objects::{Kind, ObjectKey};

use super::{Query, Reply, Res, State};
use crate::status::StatusError;

impl State {
    pub(super) fn delete_collection(
        &mut self,
        kind: Kind,
        query: &Query,
        params: &BTreeMap<String, String>,
        body: &[u8],
    ) -> Res {
        // Namespaces have no deletecollection; namespaced kinds have it only under a
        // namespace (the all-namespaces path serves list and watch).
        if kind == Kind::Namespace || (kind.namespaced() && query.namespace.is_none()) {
            return Err(StatusError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
        // The options are checked once, before anything is deleted.
        if !body.is_empty() {
            let options = Self::body_json(body)?;
            if let Some(p) = options["propagationPolicy"]
                .as_str()
                .filter(|p| !p.is_empty())
            {
                if sim_core::store::PropagationPolicy::parse(p).is_none() {
                    return Err(StatusError::bad_request(format!(
                        "propagationPolicy: Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
                    )));
                }
            }
        }
        let keys: Vec<ObjectKey> = self
            .select(query)
            .into_iter()
            .map(|(_, _, v)| {
                let name = v["metadata"]["name"].as_str().unwrap_or("").to_string();
                match v["metadata"]["namespace"].as_str() {
                    Some(ns) if kind.namespaced() => ObjectKey::new(ns.to_string(), name),
                    _ => ObjectKey::cluster(name),
                }
            })
            // The API server's own objects stay (kube-apiserver would recreate them).
            .filter(|key| !super::api_service::is_api_server_object(kind, key))
            .collect();
        let mut items = Vec::new();
        for key in keys {
            match self.delete(kind, &key, params, body) {
                Ok(Reply::Json(_, v)) => items.push(v),
                Ok(_) => {}
                // Gone meanwhile (a cascade of an earlier delete): not an error, as the
                // registry ignores NotFound while deleting a collection.
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Reply::Json(
            200,
            json!({
                "kind": format!("{}List", kind.name()),
                "apiVersion": kind.api_version(),
                "metadata": {"resourceVersion": self.resource_version().to_string()},
                "items": Value::Array(items),
            }),
        ))
    }
}
