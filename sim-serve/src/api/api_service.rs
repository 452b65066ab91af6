//! `service/kubernetes` and its EndpointSlice, seeded by `kubesim serve`
//! ([`sim_core::store::Store::seed_api_server_service`]): readable like any object, but
//! client writes are refused. kube-apiserver lets a client change or delete them and puts
//! them back within seconds; kubesim keeps them out of the simulation's timeline instead,
//! so that a recorded session replays without them.

use sim_core::objects::{Kind, ObjectKey};

use crate::status::StatusError;

/// Whether `kind` `key` is one of the API server's own objects.
pub(super) fn is_api_server_object(kind: Kind, key: &ObjectKey) -> bool {
    matches!(kind, Kind::Service | Kind::EndpointSlice)
        && key.namespace == "default"
        && key.name == "kubernetes"
}

/// The refusal of a write to one of them.
pub(super) fn refused(kind: Kind, method: &str) -> StatusError {
    StatusError::new(
        403,
        "Forbidden",
        format!(
            "{} \"kubernetes\" is kept by the API server: kubesim serve does not accept {method} on it (a real API server would put it back within seconds)",
            kind.plural()
        ),
    )
}
