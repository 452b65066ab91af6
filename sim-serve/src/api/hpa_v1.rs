//! Requests through `autoscaling/v1` (HorizontalPodAutoscalers): bodies converted to the
//! stored `autoscaling/v2` form before the usual handling, answers converted back
//! ([`crate::autoscaling_v1`]); a patch applies to the v1 form and lands as an update.

use std::collections::BTreeMap;

use serde_json::Value;
use sim_core::objects::{Kind, ObjectKey};

use super::{Reply, Res, State};
use crate::autoscaling_v1::{hpa_from_v1, hpa_to_v1, to_v1, GROUP_VERSION};
use crate::status::StatusError;

impl State {
    pub(super) fn resource_v1(
        &mut self,
        rest: &[&str],
        method: &str,
        params: &BTreeMap<String, String>,
        accept: &str,
        content_type: &str,
        body: &[u8],
    ) -> Res {
        let converted: Vec<u8>;
        let (method, content_type, body) = match (method, rest) {
            ("POST" | "PUT", _) => {
                let v1 = Self::body_json(body)?;
                Self::check_v1(&v1)?;
                converted = hpa_from_v1(&v1).to_string().into_bytes();
                (method, "application/json", &converted[..])
            }
            ("PATCH", ["namespaces", ns, "horizontalpodautoscalers", name]) => {
                let key = ObjectKey::new(ns.to_string(), name.to_string());
                let current = hpa_to_v1(&self.current(Kind::HorizontalPodAutoscaler, &key)?);
                let merged = Self::patched(&current, content_type, body)?;
                Self::check_v1(&merged)?;
                converted = hpa_from_v1(&merged).to_string().into_bytes();
                ("PUT", "application/json", &converted[..])
            }
            _ => (method, content_type, body),
        };
        let reply = self.resource(
            GROUP_VERSION,
            rest,
            method,
            params,
            accept,
            content_type,
            body,
        )?;
        Ok(match reply {
            Reply::Json(code, v) => Reply::Json(code, to_v1(v)),
            other => other,
        })
    }

    /// A body sent to the v1 API must be a v1 HorizontalPodAutoscaler.
    fn check_v1(obj: &Value) -> Result<(), StatusError> {
        let av = obj["apiVersion"].as_str().unwrap_or("");
        let k = obj["kind"].as_str().unwrap_or("");
        if av != GROUP_VERSION || k != "HorizontalPodAutoscaler" {
            return Err(StatusError::bad_request(format!(
                "the API version in the data ({av}) and kind ({k}) do not match the path ({GROUP_VERSION}, HorizontalPodAutoscaler)"
            )));
        }
        Ok(())
    }
}
