//! The OpenAPI v3 documents of the served group versions, with the component schemas of
//! every served kind, for `kubectl explain`, kubectl's client-side apply (it computes the
//! strategic merge patch from these schemas, as against a real cluster) and server-side
//! apply's associative lists ([`list_keys`]).
//!
//! The schemas and their descriptions come from k8s-openapi's `schemars` implementations
//! (the Kubernetes v1.36 API descriptions), generated in OpenAPI 3 form: `$ref`s point at
//! `#/components/schemas/io.k8s.api.apps.v1.Deployment`, a `$ref` with a description beside
//! it becomes `allOf: [{$ref}]` as the API server renders it. k8s-openapi leaves out the
//! extensions the server adds, so they are added here from a table of the Kubernetes types
//! ([`PATCH_META`]): `x-kubernetes-group-version-kind` on each kind, the strategic merge
//! `x-kubernetes-patch-strategy`/`-patch-merge-key` and the server-side apply
//! `x-kubernetes-list-type`/`-list-map-keys` of the lists kubesim models; Quantity and
//! IntOrString get the server's `oneOf`. Not carried over: the `enum` values (and the
//! "Possible enum values" lines a real server appends to descriptions) and `default`s.
//!
//! The documents are built once, on first use, and served as serialized text under a
//! content hash (`?hash=`), the query kubectl caches them by.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::api::{apps, autoscaling, batch, core, discovery, policy, scheduling};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};
use sim_core::objects::Kind;

use crate::discovery::GROUP_VERSIONS;

/// The extensions the API server puts on one list field of one schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMeta {
    /// Schema name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub schema: &'static str,
    /// The list property.
    pub field: &'static str,
    /// `x-kubernetes-patch-strategy` (`merge`, `merge,retainKeys`), if any.
    pub patch_strategy: Option<&'static str>,
    /// `x-kubernetes-patch-merge-key`, if any.
    pub merge_key: Option<&'static str>,
    /// `x-kubernetes-list-type` (`map`, `set`, `atomic`), if declared.
    pub list_type: Option<&'static str>,
    /// `x-kubernetes-list-map-keys` of a `map` list.
    pub map_keys: &'static [&'static str],
}

const fn merge(
    schema: &'static str,
    field: &'static str,
    key: &'static str,
    map_keys: &'static [&'static str],
) -> ListMeta {
    ListMeta {
        schema,
        field,
        patch_strategy: Some("merge"),
        merge_key: Some(key),
        list_type: if map_keys.is_empty() {
            None
        } else {
            Some("map")
        },
        map_keys,
    }
}

const CORE: &str = "io.k8s.api.core.v1.";

/// The patch and list extensions of the Kubernetes types kubesim serves, as the v1.36 API
/// server publishes them (the `patchStrategy`/`patchMergeKey` struct tags and the
/// `+listType`/`+listMapKey` markers of the Go types).
pub const PATCH_META: &[ListMeta] = &[
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "containers",
        "name",
        &["name"],
    ),
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "initContainers",
        "name",
        &["name"],
    ),
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "ephemeralContainers",
        "name",
        &["name"],
    ),
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "imagePullSecrets",
        "name",
        &[],
    ),
    merge("io.k8s.api.core.v1.PodSpec", "hostAliases", "ip", &["ip"]),
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "topologySpreadConstraints",
        "topologyKey",
        &["topologyKey", "whenUnsatisfiable"],
    ),
    merge(
        "io.k8s.api.core.v1.PodSpec",
        "schedulingGates",
        "name",
        &["name"],
    ),
    ListMeta {
        schema: "io.k8s.api.core.v1.PodSpec",
        field: "volumes",
        patch_strategy: Some("merge,retainKeys"),
        merge_key: Some("name"),
        list_type: None,
        map_keys: &[],
    },
    ListMeta {
        schema: "io.k8s.api.core.v1.PodSpec",
        field: "resourceClaims",
        patch_strategy: Some("merge,retainKeys"),
        merge_key: Some("name"),
        list_type: Some("map"),
        map_keys: &["name"],
    },
    merge(
        "io.k8s.api.core.v1.Container",
        "ports",
        "containerPort",
        &["containerPort", "protocol"],
    ),
    merge("io.k8s.api.core.v1.Container", "env", "name", &[]),
    merge(
        "io.k8s.api.core.v1.Container",
        "volumeMounts",
        "mountPath",
        &[],
    ),
    merge(
        "io.k8s.api.core.v1.Container",
        "volumeDevices",
        "devicePath",
        &[],
    ),
    merge("io.k8s.api.core.v1.EphemeralContainer", "env", "name", &[]),
    merge(
        "io.k8s.api.core.v1.EphemeralContainer",
        "volumeMounts",
        "mountPath",
        &[],
    ),
    merge(
        "io.k8s.api.core.v1.EphemeralContainer",
        "volumeDevices",
        "devicePath",
        &[],
    ),
    merge(
        "io.k8s.api.core.v1.ServiceSpec",
        "ports",
        "port",
        &["port", "protocol"],
    ),
    merge(
        "io.k8s.api.core.v1.ServiceStatus",
        "conditions",
        "type",
        &["type"],
    ),
    merge("io.k8s.api.core.v1.PodStatus", "conditions", "type", &[]),
    merge("io.k8s.api.core.v1.PodStatus", "podIPs", "ip", &[]),
    merge("io.k8s.api.core.v1.PodStatus", "hostIPs", "ip", &[]),
    merge("io.k8s.api.core.v1.NodeStatus", "conditions", "type", &[]),
    merge("io.k8s.api.core.v1.NodeStatus", "addresses", "type", &[]),
    merge(
        "io.k8s.api.core.v1.NamespaceStatus",
        "conditions",
        "type",
        &[],
    ),
    merge(
        "io.k8s.api.core.v1.PersistentVolumeClaimStatus",
        "conditions",
        "type",
        &[],
    ),
    merge(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "ownerReferences",
        "uid",
        &["uid"],
    ),
    ListMeta {
        schema: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        field: "finalizers",
        patch_strategy: Some("merge"),
        merge_key: None,
        list_type: Some("set"),
        map_keys: &[],
    },
    merge(
        "io.k8s.api.apps.v1.DeploymentStatus",
        "conditions",
        "type",
        &[],
    ),
    merge(
        "io.k8s.api.apps.v1.ReplicaSetStatus",
        "conditions",
        "type",
        &[],
    ),
    merge(
        "io.k8s.api.apps.v1.StatefulSetStatus",
        "conditions",
        "type",
        &[],
    ),
    merge(
        "io.k8s.api.apps.v1.DaemonSetStatus",
        "conditions",
        "type",
        &[],
    ),
    ListMeta {
        schema: "io.k8s.api.batch.v1.JobStatus",
        field: "conditions",
        patch_strategy: Some("merge"),
        merge_key: Some("type"),
        list_type: Some("atomic"),
        map_keys: &[],
    },
    merge(
        "io.k8s.api.policy.v1.PodDisruptionBudgetStatus",
        "conditions",
        "type",
        &["type"],
    ),
    merge(
        "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
        "conditions",
        "type",
        &["type"],
    ),
];

/// Extensions on a non-list field: `retainKeys` of the Deployment strategy.
const RETAIN_KEYS: &[(&str, &str)] = &[("io.k8s.api.apps.v1.DeploymentSpec", "strategy")];

/// The keys that identify an element of the list `field` of the schema `schema`, for an
/// associative list (`x-kubernetes-list-map-keys`, else the patch merge key); `None` for an
/// atomic list or a set.
pub fn list_keys(schema: &str, field: &str) -> Option<Vec<&'static str>> {
    let meta = PATCH_META
        .iter()
        .find(|m| m.schema == schema && m.field == field)?;
    if meta.list_type == Some("atomic") {
        return None;
    }
    if !meta.map_keys.is_empty() {
        return Some(meta.map_keys.to_vec());
    }
    meta.merge_key.map(|k| vec![k])
}

/// Whether the list `field` of `schema` is a set of scalars (`x-kubernetes-list-type: set`).
pub fn is_set(schema: &str, field: &str) -> bool {
    PATCH_META
        .iter()
        .any(|m| m.schema == schema && m.field == field && m.list_type == Some("set"))
}

/// One built document: its text and content hash.
struct Document {
    hash: String,
    text: String,
}

struct Documents {
    root: String,
    by_gv: BTreeMap<String, Document>,
    /// Every component schema, of all group versions (server-side apply walks them).
    schemas: Map<String, Value>,
}

fn documents() -> &'static Documents {
    static DOCS: OnceLock<Documents> = OnceLock::new();
    DOCS.get_or_init(build)
}

/// `GET /openapi/v3`: the group versions and the URL (with its content hash) of each one's
/// document.
pub fn root() -> &'static str {
    &documents().root
}

/// `GET /openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`: the document of a
/// served group version, serialized; `None` for one kubesim does not serve.
pub fn group_version(gv: &str) -> Option<&'static str> {
    documents().by_gv.get(gv).map(|d| d.text.as_str())
}

/// The component schema named `name` (`io.k8s.api.core.v1.PodSpec`), from any served group
/// version's document.
pub fn schema(name: &str) -> Option<&'static Value> {
    documents().schemas.get(name)
}

/// The component schema name `name` as a `'static` string, if the documents have it.
pub fn schema_key(name: &str) -> Option<&'static str> {
    documents()
        .schemas
        .get_key_value(name)
        .map(|(k, _)| k.as_str())
}

/// The component schema name of a served kind.
pub fn schema_name(kind: Kind) -> String {
    fn name<T: JsonSchema>() -> String {
        T::schema_name().into_owned()
    }
    match kind {
        Kind::Node => name::<core::v1::Node>(),
        Kind::Pod => name::<core::v1::Pod>(),
        Kind::Service => name::<core::v1::Service>(),
        Kind::Namespace => name::<core::v1::Namespace>(),
        Kind::ResourceQuota => name::<core::v1::ResourceQuota>(),
        Kind::LimitRange => name::<core::v1::LimitRange>(),
        Kind::ConfigMap => name::<core::v1::ConfigMap>(),
        Kind::Secret => name::<core::v1::Secret>(),
        Kind::PersistentVolumeClaim => name::<core::v1::PersistentVolumeClaim>(),
        Kind::ReplicaSet => name::<apps::v1::ReplicaSet>(),
        Kind::Deployment => name::<apps::v1::Deployment>(),
        Kind::StatefulSet => name::<apps::v1::StatefulSet>(),
        Kind::DaemonSet => name::<apps::v1::DaemonSet>(),
        Kind::Job => name::<batch::v1::Job>(),
        Kind::CronJob => name::<batch::v1::CronJob>(),
        Kind::PodDisruptionBudget => name::<policy::v1::PodDisruptionBudget>(),
        Kind::HorizontalPodAutoscaler => name::<autoscaling::v2::HorizontalPodAutoscaler>(),
        Kind::PriorityClass => name::<scheduling::v1::PriorityClass>(),
        Kind::EndpointSlice => name::<discovery::v1::EndpointSlice>(),
    }
}

/// Adds the schema of a served kind (and every schema it refers to) to `generator`.
fn generate(generator: &mut SchemaGenerator, kind: Kind) {
    match kind {
        Kind::Node => drop(generator.subschema_for::<core::v1::Node>()),
        Kind::Pod => drop(generator.subschema_for::<core::v1::Pod>()),
        Kind::Service => drop(generator.subschema_for::<core::v1::Service>()),
        Kind::Namespace => drop(generator.subschema_for::<core::v1::Namespace>()),
        Kind::ResourceQuota => drop(generator.subschema_for::<core::v1::ResourceQuota>()),
        Kind::LimitRange => drop(generator.subschema_for::<core::v1::LimitRange>()),
        Kind::ConfigMap => drop(generator.subschema_for::<core::v1::ConfigMap>()),
        Kind::Secret => drop(generator.subschema_for::<core::v1::Secret>()),
        Kind::PersistentVolumeClaim => {
            drop(generator.subschema_for::<core::v1::PersistentVolumeClaim>())
        }
        Kind::ReplicaSet => drop(generator.subschema_for::<apps::v1::ReplicaSet>()),
        Kind::Deployment => drop(generator.subschema_for::<apps::v1::Deployment>()),
        Kind::StatefulSet => drop(generator.subschema_for::<apps::v1::StatefulSet>()),
        Kind::DaemonSet => drop(generator.subschema_for::<apps::v1::DaemonSet>()),
        Kind::Job => drop(generator.subschema_for::<batch::v1::Job>()),
        Kind::CronJob => drop(generator.subschema_for::<batch::v1::CronJob>()),
        Kind::PodDisruptionBudget => {
            drop(generator.subschema_for::<policy::v1::PodDisruptionBudget>())
        }
        Kind::HorizontalPodAutoscaler => {
            drop(generator.subschema_for::<autoscaling::v2::HorizontalPodAutoscaler>())
        }
        Kind::PriorityClass => drop(generator.subschema_for::<scheduling::v1::PriorityClass>()),
        Kind::EndpointSlice => drop(generator.subschema_for::<discovery::v1::EndpointSlice>()),
    }
}

/// Whether `gv` serves `kind` in another version than the stored one (HPAs in
/// autoscaling/v1, converted by autoscaling_v1.rs).
fn is_autoscaling_v1(gv: &str, kind: Kind) -> bool {
    gv == crate::autoscaling_v1::GROUP_VERSION && kind == Kind::HorizontalPodAutoscaler
}

/// The component schema name of `kind` as `gv` serves it.
fn schema_name_in(gv: &str, kind: Kind) -> String {
    if is_autoscaling_v1(gv, kind) {
        autoscaling::v1::HorizontalPodAutoscaler::schema_name().into_owned()
    } else {
        schema_name(kind)
    }
}

/// Puts the schema of `kind` as `gv` serves it (and every schema it refers to) in
/// `generator`.
fn generate_in(generator: &mut SchemaGenerator, gv: &str, kind: Kind) {
    if is_autoscaling_v1(gv, kind) {
        drop(generator.subschema_for::<autoscaling::v1::HorizontalPodAutoscaler>());
    } else {
        generate(generator, kind);
    }
}

fn gv_path(gv: &str) -> String {
    if gv == "v1" {
        "api/v1".to_string()
    } else {
        format!("apis/{gv}")
    }
}

fn gvk(gv: &str, kind: &str) -> Value {
    let (group, version) = gv.split_once('/').unwrap_or(("", gv));
    json!({"group": group, "kind": kind, "version": version})
}

/// The PATCH operation of a kind's object path, as the API server describes it: kubectl
/// reads the group-version-kind (explain), the `fieldValidation` parameter (so it leaves
/// validation to the server) and the strategic-merge request body (so it computes apply
/// patches from the schemas).
fn patch_operation(gv: &str, kind: &str) -> Value {
    let body = json!({"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}});
    let query = |name: &str, description: &str| json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}});
    json!({
        "description": format!("partially update the specified {kind}"),
        "x-kubernetes-group-version-kind": gvk(gv, kind),
        "x-kubernetes-action": "patch",
        "parameters": [
            query("dryRun", "When present, indicates that modifications should not be persisted."),
            query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
            query("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields."),
            {"name": "force", "in": "query", "description": "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.", "schema": {"type": "boolean", "uniqueItems": true}},
        ],
        "requestBody": {
            "content": {
                "application/apply-patch+yaml": body,
                "application/json-patch+json": body,
                "application/merge-patch+json": body,
                "application/strategic-merge-patch+json": body,
            },
            "required": true,
        },
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", kind_ref(gv, kind))}}}},
            "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", kind_ref(gv, kind))}}}},
        },
    })
}

/// `io.k8s.api.<group>.<version>.<Kind>` of a served kind or of Event.
fn kind_ref(gv: &str, kind: &str) -> String {
    Kind::ALL
        .into_iter()
        .find(|k| crate::discovery::serves(gv, *k) && k.name() == kind)
        .map(|k| schema_name_in(gv, k))
        .unwrap_or_else(|| format!("{CORE}{kind}"))
}

fn build() -> Documents {
    let mut by_gv = BTreeMap::new();
    let mut all_schemas = Map::new();
    let mut root_paths = Map::new();
    for gv in std::iter::once("v1").chain(GROUP_VERSIONS) {
        let mut generator = SchemaSettings::openapi3().into_generator();
        let mut kinds: Vec<(String, String)> = Vec::new(); // (kind, schema name)
        let mut paths = Map::new();
        for kind in Kind::ALL
            .into_iter()
            .filter(|k| crate::discovery::serves(gv, *k))
        {
            generate_in(&mut generator, gv, kind);
            kinds.push((kind.name().to_string(), schema_name_in(gv, kind)));
            let ns = if kind.namespaced() {
                "namespaces/{namespace}/"
            } else {
                ""
            };
            let path = format!("/{}/{ns}{}/{{name}}", gv_path(gv), kind.plural());
            paths.insert(path, json!({"patch": patch_operation(gv, kind.name())}));
        }
        if gv == "v1" {
            // Events are served read-only (the timeline's); `kubectl explain events` works.
            drop(generator.subschema_for::<core::v1::Event>());
            kinds.push(("Event".to_string(), format!("{CORE}Event")));
            paths.insert(
                "/api/v1/namespaces/{namespace}/events/{name}".to_string(),
                json!({"get": {
                    "description": "read the specified Event",
                    "x-kubernetes-group-version-kind": gvk(gv, "Event"),
                    "x-kubernetes-action": "get",
                    "responses": {"200": {"description": "OK"}},
                }}),
            );
        }
        let mut schemas = generator.take_definitions(true);
        schemas.insert(
            "io.k8s.apimachinery.pkg.apis.meta.v1.Patch".to_string(),
            json!({
                "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
                "type": "object",
            }),
        );
        for (name, schema) in schemas.iter_mut() {
            decorate(name, schema);
        }
        for (kind, name) in &kinds {
            if let Some(Value::Object(s)) = schemas.get_mut(name) {
                // k8s-openapi makes `metadata` of every kind required; the API server's
                // schemas do not.
                if let Some(Value::Array(required)) = s.get_mut("required") {
                    required.retain(|r| r != "metadata");
                    if required.is_empty() {
                        s.remove("required");
                    }
                }
                s.insert(
                    "x-kubernetes-group-version-kind".to_string(),
                    json!([gvk(gv, kind)]),
                );
            }
        }
        for (name, schema) in &schemas {
            all_schemas
                .entry(name.clone())
                .or_insert_with(|| schema.clone());
        }
        let doc = json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": sim_scenarios::tables::KUBELET_VERSION},
            "paths": paths,
            "components": {"schemas": schemas},
        });
        let text = doc.to_string();
        let hash = content_hash(&text);
        root_paths.insert(
            gv_path(gv),
            json!({"serverRelativeURL": format!("/openapi/v3/{}?hash={hash}", gv_path(gv))}),
        );
        by_gv.insert(gv.to_string(), Document { hash, text });
    }
    Documents {
        root: json!({"paths": root_paths}).to_string(),
        by_gv,
        schemas: all_schemas,
    }
}

/// Adds the server's extensions to the component schema `name`.
fn decorate(name: &str, schema: &mut Value) {
    let Value::Object(s) = schema else {
        return;
    };
    match name {
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => {
            s.remove("x-kubernetes-int-or-string");
            s.insert(
                "oneOf".to_string(),
                json!([{"type": "string"}, {"type": "number"}]),
            );
        }
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => {
            s.remove("x-kubernetes-int-or-string");
            s.insert("format".to_string(), json!("int-or-string"));
            s.insert(
                "oneOf".to_string(),
                json!([{"type": "integer"}, {"type": "string"}]),
            );
        }
        _ => {}
    }
    if crate::apply::ATOMIC_STRUCTS.contains(&name) {
        s.insert("x-kubernetes-map-type".to_string(), json!("atomic"));
    }
    let Some(Value::Object(props)) = s.get_mut("properties") else {
        return;
    };
    for meta in PATCH_META.iter().filter(|m| m.schema == name) {
        let Some(Value::Object(p)) = props.get_mut(meta.field) else {
            continue;
        };
        if let Some(k) = meta.map_keys.first().map(|_| meta.map_keys) {
            p.insert("x-kubernetes-list-map-keys".to_string(), json!(k));
        }
        if let Some(t) = meta.list_type {
            p.insert("x-kubernetes-list-type".to_string(), json!(t));
        }
        if let Some(k) = meta.merge_key {
            p.insert("x-kubernetes-patch-merge-key".to_string(), json!(k));
        }
        if let Some(st) = meta.patch_strategy {
            p.insert("x-kubernetes-patch-strategy".to_string(), json!(st));
        }
    }
    for (_, field) in RETAIN_KEYS.iter().filter(|(s, _)| *s == name) {
        if let Some(Value::Object(p)) = props.get_mut(*field) {
            p.insert(
                "x-kubernetes-patch-strategy".to_string(),
                json!("retainKeys"),
            );
        }
    }
}

/// FNV-1a (64 bits) of the document, in upper-case hex: changes with the content, so a
/// client's cache by URL never serves a stale document.
fn content_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016X}")
}

/// An answer to `GET /openapi/v3/...`: status, body and headers, as kube-openapi's
/// handler gives them.
#[derive(Debug)]
pub struct Served {
    /// 200, or 301 to the current URL of a document asked for by a stale hash.
    pub code: u16,
    /// The document (empty for a redirect).
    pub body: &'static str,
    /// `Etag`, `Vary`, and for a document asked for by its current hash `Cache-Control:
    /// public, immutable` with `Expires` a year on (kubectl's HTTP cache then keeps it);
    /// `Location` of a redirect.
    pub headers: Vec<(&'static str, String)>,
}

/// `GET /openapi/v3` (`gv` `None`) or a group version's document, with the `hash` query
/// the request carried; `None` for a group version kubesim does not serve.
pub fn serve(gv: Option<&str>, hash_query: Option<&str>) -> Option<Served> {
    let Some(gv) = gv else {
        return Some(Served {
            code: 200,
            body: root(),
            headers: vec![("Etag", format!("\"{}\"", content_hash(root())))],
        });
    };
    let doc = documents().by_gv.get(gv)?;
    let mut headers = vec![
        ("Etag", format!("\"{}\"", doc.hash)),
        ("Vary", "Accept".to_string()),
    ];
    match hash_query.filter(|h| !h.is_empty()) {
        Some(h) if h != doc.hash => {
            headers.push((
                "Location",
                format!("/openapi/v3/{}?hash={}", gv_path(gv), doc.hash),
            ));
            return Some(Served {
                code: 301,
                body: "",
                headers,
            });
        }
        Some(_) => {
            headers.push(("Cache-Control", "public, immutable".to_string()));
            headers.push(("Expires", expires_in_a_year()));
        }
        None => {}
    }
    Some(Served {
        code: 200,
        body: &doc.text,
        headers,
    })
}

/// `Expires`: a year from now, in RFC 1123 form. Wall time: this is HTTP caching metadata
/// for the client, nothing of the simulation.
#[allow(clippy::disallowed_methods)]
fn expires_in_a_year() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    http_date(now + 365 * 86_400)
}

/// Unix seconds as an HTTP date (`Tue, 30 Nov 2027 12:00:00 UTC`, Go's RFC1123 layout).
fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} UTC",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The content hash of a group version's document (the `hash` query of its URL).
pub fn hash(gv: &str) -> Option<&'static str> {
    documents().by_gv.get(gv).map(|d| d.hash.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(gv: &str) -> Value {
        serde_json::from_str(group_version(gv).expect("served")).expect("JSON")
    }

    #[test]
    fn every_kind_has_a_schema_with_its_gvk() {
        for kind in Kind::ALL {
            let d = doc(kind.api_version());
            let s = &d["components"]["schemas"][schema_name(kind)];
            assert_eq!(
                s["x-kubernetes-group-version-kind"][0]["kind"],
                kind.name(),
                "{kind:?}"
            );
            assert!(s["description"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }

    #[test]
    fn refs_are_components_and_resolve() {
        let d = doc("apps/v1");
        let text = d.to_string();
        assert!(!text.contains("#/$defs"));
        let schemas = d["components"]["schemas"].as_object().expect("schemas");
        let spec = &schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"];
        assert_eq!(
            spec["strategy"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"
        );
        assert_eq!(
            spec["strategy"]["x-kubernetes-patch-strategy"],
            "retainKeys"
        );
        for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = r.split('"').next().unwrap_or_default();
            assert!(schemas.contains_key(name), "{name} does not resolve");
        }
    }

    #[test]
    fn containers_carry_patch_extensions() {
        let d = doc("v1");
        let c =
            &d["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(c["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(c["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(c["x-kubernetes-list-type"], "map");
        assert_eq!(
            list_keys("io.k8s.api.core.v1.Container", "ports"),
            Some(vec!["containerPort", "protocol"])
        );
        assert_eq!(
            list_keys("io.k8s.api.batch.v1.JobStatus", "conditions"),
            None
        );
    }

    #[test]
    fn stale_hashes_redirect_and_current_ones_are_immutable() {
        let current = hash("apps/v1").expect("hash");
        let stale = serve(Some("apps/v1"), Some("0000")).expect("served");
        assert_eq!(stale.code, 301);
        assert!(stale.headers.contains(&(
            "Location",
            format!("/openapi/v3/apis/apps/v1?hash={current}")
        )));
        let fresh = serve(Some("apps/v1"), Some(current)).expect("served");
        assert_eq!(fresh.code, 200);
        assert!(fresh
            .headers
            .contains(&("Cache-Control", "public, immutable".to_string())));
        assert!(serve(Some("nope/v1"), None).is_none());
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 UTC");
        assert_eq!(http_date(1_827_489_600), "Mon, 29 Nov 2027 12:00:00 UTC");
        assert_eq!(http_date(1_830_297_599), "Fri, 31 Dec 2027 23:59:59 UTC");
    }

    #[test]
    fn root_names_each_document_by_its_hash() {
        let root: Value = serde_json::from_str(root()).expect("JSON");
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .expect("url");
        assert_eq!(
            url,
            format!(
                "/openapi/v3/apis/apps/v1?hash={}",
                hash("apps/v1").expect("hash")
            )
        );
    }
}
