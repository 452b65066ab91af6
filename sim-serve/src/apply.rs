//! Server-side apply (`kubectl apply --server-side`: PATCH with
//! `application/apply-patch+yaml`) and the field ownership it rests on
//! (`metadata.managedFields`).
//!
//! Every object keeps a list of managers ([`Entry`]: manager name, `Apply` or `Update`,
//! the set of fields it owns). A field set is the set of paths of an object's leaves, of
//! the elements of its associative lists (keyed by `x-kubernetes-list-map-keys`, else the
//! patch merge key, from [`crate::openapi`]) and of the values of its sets; an atomic list
//! or struct (a label selector) is one leaf. [`FieldSet::to_fields_v1`] renders it as the
//! API server's `fieldsV1` (`f:spec`, `k:{"name":"web"}`, `.`).
//!
//! An apply ([`server_side_apply`]) owns exactly the fields of the applied configuration:
//! a field another manager owns with a different value is a conflict (409, the API
//! server's message) unless `force=true`, which takes it over; the applied configuration
//! is merged into the live object (associative lists by key, sets by value, other lists
//! and scalars replaced); fields this manager applied before and now omits are removed,
//! unless another manager still owns them. Any other write (create, update, patch, scale)
//! by a client records an `Update` manager ([`ManagedFields::record_update`], the
//! `fieldManager` query or the client's user agent) that owns the fields the write
//! changed, taken from whoever owned them. Writes by the simulated controllers and
//! kubelets (status, the replica count an autoscaler sets) are not tracked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::openapi;
use crate::status::StatusError;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// A struct field or map key.
    Field(String),
    /// An element of an associative list: its key fields as compact JSON with sorted
    /// keys (`{"name":"web"}`).
    Key(String),
    /// A value of a set, as JSON.
    Value(String),
}

/// A path from the object's root.
pub type Path = Vec<Step>;

/// A set of field paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet(pub BTreeSet<Path>);

/// `Apply` or `Update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    /// A server-side apply.
    Apply,
    /// Any other write.
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `manager`.
    pub manager: String,
    /// `operation`.
    pub operation: Operation,
    /// `apiVersion` of the write.
    pub api_version: String,
    /// `time`, RFC 3339 (simulated).
    pub time: String,
    /// `subresource` of an update through one (`scale`).
    pub subresource: Option<String>,
    /// The fields owned.
    pub fields: FieldSet,
}

impl Entry {
    /// The entry as `metadata.managedFields[]` renders it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "manager": self.manager,
            "operation": self.operation.as_str(),
            "apiVersion": self.api_version,
            "fieldsType": "FieldsV1",
            "fieldsV1": self.fields.to_fields_v1(),
        });
        if !self.time.is_empty() {
            v["time"] = json!(self.time);
        }
        if let Some(sub) = &self.subresource {
            v["subresource"] = json!(sub);
        }
        v
    }

    /// An entry read back from `metadata.managedFields[]` (a client's JSON patch of it).
    pub fn from_json(v: &Value) -> Option<Entry> {
        let operation = match v["operation"].as_str()? {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            _ => return None,
        };
        let mut fields = FieldSet::default();
        parse_fields_v1(&v["fieldsV1"], &mut Vec::new(), &mut fields.0)?;
        Some(Entry {
            manager: v["manager"].as_str()?.to_string(),
            operation,
            api_version: v["apiVersion"].as_str().unwrap_or_default().to_string(),
            time: v["time"].as_str().unwrap_or_default().to_string(),
            subresource: v["subresource"].as_str().map(str::to_string),
            fields,
        })
    }
}

/// `metadata.managedFields` as a client wrote it (`null`: none); the error is the field
/// and message of the API server's 422.
pub fn entries_from_json(v: &Value) -> Result<Vec<Entry>, (String, String)> {
    const FIELD: &str = "metadata.managedFields";
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|e| {
                let fields_type = e["fieldsType"].as_str().unwrap_or_default();
                if fields_type != "FieldsV1" {
                    return Err((
                        format!("{FIELD}.fieldsType"),
                        format!("Invalid value: \"{fields_type}\": must be 'FieldsV1'"),
                    ));
                }
                Entry::from_json(e).ok_or_else(|| {
                    (
                        FIELD.to_string(),
                        "Invalid value: a managedFields entry needs a manager, an operation (Apply or Update) and a fieldsV1 tree".to_string(),
                    )
                })
            })
            .collect(),
        _ => Err((FIELD.to_string(), "Invalid value: must be a list".to_string())),
    }
}

fn parse_fields_v1(v: &Value, path: &mut Path, out: &mut BTreeSet<Path>) -> Option<()> {
    let Value::Object(m) = v else {
        return None;
    };
    if m.is_empty() && !path.is_empty() {
        out.insert(path.clone());
    }
    for (k, child) in m {
        if k == "." {
            out.insert(path.clone());
            continue;
        }
        let step = if let Some(f) = k.strip_prefix("f:") {
            Step::Field(f.to_string())
        } else if let Some(j) = k.strip_prefix("k:") {
            Step::Key(j.to_string())
        } else if let Some(j) = k.strip_prefix("v:") {
            Step::Value(j.to_string())
        } else {
            return None;
        };
        path.push(step);
        parse_fields_v1(child, path, out)?;
        path.pop();
    }
    Some(())
}

impl FieldSet {
    /// The `fieldsV1` tree: `f:<field>`, `k:<key JSON>`, `v:<value JSON>`, and `.` for a
    /// member that also has owned children.
    pub fn to_fields_v1(&self) -> Value {
        #[derive(Default)]
        struct Node {
            member: bool,
            children: BTreeMap<String, Node>,
        }
        fn render(n: &Node) -> Value {
            let mut m = Map::new();
            if n.member && !n.children.is_empty() {
                m.insert(".".to_string(), json!({}));
            }
            for (k, c) in &n.children {
                m.insert(k.clone(), render(c));
            }
            Value::Object(m)
        }
        let mut root = Node::default();
        for path in &self.0 {
            let mut n = &mut root;
            for step in path {
                let k = match step {
                    Step::Field(f) => format!("f:{f}"),
                    Step::Key(j) => format!("k:{j}"),
                    Step::Value(j) => format!("v:{j}"),
                };
                n = n.children.entry(k).or_default();
            }
            n.member = true;
        }
        render(&root)
    }

    fn remove_all(&mut self, other: &FieldSet) {
        self.0.retain(|p| !other.0.contains(p));
    }
}

/// A path as the API server prints it in a conflict: `.spec.template.spec.containers[name="web"].image`.
pub fn path_string(path: &Path) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Step::Key(j) => {
                let m: Map<String, Value> = serde_json::from_str(j).unwrap_or_default();
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push('[');
                s.push_str(&parts.join(","));
                s.push(']');
            }
            Step::Value(j) => {
                s.push_str("[=");
                s.push_str(j);
                s.push(']');
            }
        }
    }
    s
}

/// Where a value sits in the schemas: the component schema node, and the name of the
/// component struct that holds it as a field (for its list extensions).
#[derive(Clone, Copy)]
struct At<'a> {
    node: Option<&'a Value>,
    parent: Option<&'a str>,
    field: Option<&'a str>,
}

/// `$ref` / single `allOf` resolved: the component's name and schema.
fn resolve(node: Option<&Value>) -> (Option<&'static str>, Option<&Value>) {
    let Some(n) = node else {
        return (None, None);
    };
    if let Some(r) = n.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return match openapi::schema(name) {
            Some(s) => (openapi::schema_key(name), Some(s)),
            None => (None, None),
        };
    }
    if let Some(Value::Array(all)) = n.get("allOf") {
        if all.len() == 1 {
            return resolve(all.first());
        }
    }
    (None, Some(n))
}

/// Structs the API server treats as one value (`x-kubernetes-map-type: atomic`).
pub const ATOMIC_STRUCTS: &[&str] = &["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"];

fn child<'a>(resolved: Option<&'a Value>, name: Option<&'a str>, key: &'a str) -> At<'a> {
    let node = resolved.and_then(|r| {
        r.get("properties")
            .and_then(|p| p.get(key))
            .or_else(|| r.get("additionalProperties").filter(|a| a.is_object()))
    });
    At {
        node,
        parent: name,
        field: Some(key),
    }
}

enum ListKind {
    Associative(Vec<&'static str>),
    Set,
    Atomic,
}

fn list_kind(at: At<'_>) -> ListKind {
    let (Some(parent), Some(field)) = (at.parent, at.field) else {
        return ListKind::Atomic;
    };
    if let Some(keys) = openapi::list_keys(parent, field) {
        return ListKind::Associative(keys);
    }
    if openapi::is_set(parent, field) {
        return ListKind::Set;
    }
    ListKind::Atomic
}

/// The key of an element of an associative list; a missing `protocol` key is the API
/// server's default, `TCP`.
fn element_key(elem: &Value, keys: &[&str]) -> Option<String> {
    let mut m = BTreeMap::new();
    for k in keys {
        match elem.get(*k) {
            Some(v) if !v.is_null() => {
                m.insert(k.to_string(), v.clone());
            }
            _ if *k == "protocol" => {
                m.insert(k.to_string(), json!("TCP"));
            }
            _ => {}
        }
    }
    if m.is_empty() {
        return None;
    }
    let map: Map<String, Value> = m.into_iter().collect();
    Some(Value::Object(map).to_string())
}

/// What a walk of an object collects: its field set, and the paths of its non-empty maps
/// (schemas with `additionalProperties`: labels, annotations, data…).
#[derive(Default)]
struct Collected {
    fields: BTreeSet<Path>,
    maps: BTreeSet<Path>,
}

fn walk(v: &Value, at: At<'_>, path: &mut Path, c: &mut Collected) {
    let (name, resolved) = resolve(at.node);
    match v {
        Value::Object(m) if !m.is_empty() && !name.is_some_and(|n| ATOMIC_STRUCTS.contains(&n)) => {
            let is_map = resolved.is_some_and(|r| {
                r.get("properties").is_none()
                    && r.get("additionalProperties").is_some_and(Value::is_object)
            });
            if is_map {
                c.maps.insert(path.clone());
            }
            for (k, child_v) in m {
                path.push(Step::Field(k.clone()));
                walk(child_v, child(resolved, name, k), path, c);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let item_at = At {
                node: resolved.and_then(|r| r.get("items")),
                parent: None,
                field: None,
            };
            match list_kind(at) {
                ListKind::Associative(keys) => {
                    for item in items {
                        let Some(key) = element_key(item, &keys) else {
                            continue;
                        };
                        path.push(Step::Key(key));
                        c.fields.insert(path.clone());
                        walk(item, item_at, path, c);
                        path.pop();
                    }
                }
                ListKind::Set => {
                    for item in items {
                        path.push(Step::Value(item.to_string()));
                        c.fields.insert(path.clone());
                        path.pop();
                    }
                }
                ListKind::Atomic => {
                    c.fields.insert(path.clone());
                }
            }
        }
        _ => {
            c.fields.insert(path.clone());
        }
    }
}

/// The fields of an object of the kind whose schema is `schema`, without those no manager
/// owns (`apiVersion`, `kind`, the server's metadata, `status`).
pub fn field_set(obj: &Value, schema: &str) -> FieldSet {
    FieldSet(collect(obj, schema).fields)
}

fn collect(obj: &Value, schema: &str) -> Collected {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        for f in ["apiVersion", "kind", "status"] {
            m.remove(f);
        }
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "selfLink",
            "generateName",
        ] {
            meta.remove(f);
        }
    }
    if v["metadata"].as_object().is_some_and(Map::is_empty) {
        if let Some(m) = v.as_object_mut() {
            m.remove("metadata");
        }
    }
    let mut out = Collected::default();
    let root = json!({"$ref": format!("#/components/schemas/{schema}")});
    if let Value::Object(m) = &v {
        let (name, resolved) = resolve(Some(&root));
        for (k, c) in m {
            let mut path = vec![Step::Field(k.clone())];
            walk(c, child(resolved, name, k), &mut path, &mut out);
        }
    }
    out
}

/// The value at `path`, if the object has it.
pub fn value_at<'v>(obj: &'v Value, path: &Path) -> Option<&'v Value> {
    let mut v = obj;
    for step in path {
        v = match step {
            Step::Field(f) => v.get(f)?,
            Step::Key(j) => {
                let want: Map<String, Value> = serde_json::from_str(j).ok()?;
                let keys: Vec<&str> = want.keys().map(String::as_str).collect();
                v.as_array()?
                    .iter()
                    .find(|e| element_key(e, &keys).as_deref() == Some(j.as_str()))?
            }
            Step::Value(j) => {
                let want: Value = serde_json::from_str(j).ok()?;
                v.as_array()?.iter().find(|e| **e == want)?
            }
        };
    }
    Some(v)
}

/// Removes the value at `path` (a field, a list element, a set value) if present.
fn remove_path(obj: &mut Value, path: &Path) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut v = obj;
    for step in parent_path {
        let next = match step {
            Step::Field(f) => v.get_mut(f),
            Step::Key(j) => {
                let want: Map<String, Value> = serde_json::from_str(j).unwrap_or_default();
                let keys: Vec<&str> = want.keys().map(String::as_str).collect();
                v.as_array_mut().and_then(|a| {
                    a.iter_mut()
                        .find(|e| element_key(e, &keys).as_deref() == Some(j.as_str()))
                })
            }
            Step::Value(_) => None,
        };
        let Some(next) = next else {
            return;
        };
        v = next;
    }
    match last {
        Step::Field(f) => {
            if let Some(m) = v.as_object_mut() {
                m.remove(f);
            }
        }
        Step::Key(j) => {
            let want: Map<String, Value> = serde_json::from_str(j).unwrap_or_default();
            let keys: Vec<&str> = want.keys().map(String::as_str).collect();
            if let Some(a) = v.as_array_mut() {
                a.retain(|e| element_key(e, &keys).as_deref() != Some(j.as_str()));
            }
        }
        Step::Value(j) => {
            let want: Option<Value> = serde_json::from_str(j).ok();
            if let Some(a) = v.as_array_mut() {
                a.retain(|e| Some(e) != want.as_ref());
            }
        }
    }
}

/// Merges the applied configuration into the live object: structs and maps field by
/// field, associative lists element by element (new elements after the live ones), sets
/// by value, anything else replaced.
fn merge(live: &Value, applied: &Value, at: At<'_>) -> Value {
    let (name, resolved) = resolve(at.node);
    match (live, applied) {
        (Value::Object(l), Value::Object(a))
            if !name.is_some_and(|n| ATOMIC_STRUCTS.contains(&n)) =>
        {
            let mut out = l.clone();
            for (k, av) in a {
                let merged = match l.get(k) {
                    Some(lv) => merge(lv, av, child(resolved, name, k)),
                    None => av.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(a)) => {
            let item_at = At {
                node: resolved.and_then(|r| r.get("items")),
                parent: None,
                field: None,
            };
            match list_kind(at) {
                ListKind::Associative(keys) => {
                    let mut out = l.clone();
                    for ae in a {
                        let key = element_key(ae, &keys);
                        match out
                            .iter_mut()
                            .find(|le| key.is_some() && element_key(le, &keys) == key)
                        {
                            Some(le) => *le = merge(le, ae, item_at),
                            None => out.push(ae.clone()),
                        }
                    }
                    Value::Array(out)
                }
                ListKind::Set => {
                    let mut out = l.clone();
                    for ae in a {
                        if !out.contains(ae) {
                            out.push(ae.clone());
                        }
                    }
                    Value::Array(out)
                }
                ListKind::Atomic => applied.clone(),
            }
        }
        _ => applied.clone(),
    }
}

/// What an apply asks for.
pub struct ApplyRequest<'a> {
    /// The live object (API JSON), `None` when the apply creates it.
    pub live: Option<&'a Value>,
    /// The applied configuration.
    pub applied: &'a Value,
    /// The kind's component schema name.
    pub schema: &'a str,
    /// `fieldManager`.
    pub manager: &'a str,
    /// `force=true`.
    pub force: bool,
    /// Simulated instant of the apply, RFC 3339.
    pub time: String,
}

/// The 422 of an apply that names no `fieldManager`.
pub fn field_manager_required() -> StatusError {
    let mut e = StatusError::new(
        422,
        "Invalid",
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
    );
    e.details = Some(json!({
        "group": "meta.k8s.io",
        "kind": "PatchOptions",
        "causes": [{"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}],
    }));
    e
}

/// The API server's checks of an apply configuration sent to the object `key` (its kind
/// checked already); a namespaced object's configuration gets the request's namespace.
pub fn check_configuration(
    applied: &mut Value,
    namespaced: bool,
    key: &sim_core::objects::ObjectKey,
) -> Result<(), StatusError> {
    if !applied["metadata"].is_object() {
        return Err(StatusError::bad_request(
            "the apply configuration has no metadata",
        ));
    }
    let name = applied["metadata"]["name"].as_str().unwrap_or_default();
    if name != key.name {
        return Err(StatusError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            key.name
        )));
    }
    if !applied["metadata"]["managedFields"].is_null() {
        return Err(StatusError::bad_request(
            "metadata.managedFields must be nil",
        ));
    }
    if namespaced {
        match applied["metadata"]["namespace"].as_str() {
            Some(n) if !n.is_empty() && n != key.namespace => {
                return Err(StatusError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => applied["metadata"]["namespace"] = json!(key.namespace),
        }
    }
    Ok(())
}

/// The object to write and the object's managers afterwards.
#[derive(Debug)]
pub struct Applied {
    /// The merged object (API JSON).
    pub object: Value,
    /// The managers after the apply.
    pub entries: Vec<Entry>,
}

/// Server-side apply of `req.applied` over `req.live`, given the object's managers.
pub fn server_side_apply(
    req: &ApplyRequest<'_>,
    entries: &[Entry],
) -> Result<Applied, StatusError> {
    let api_version = req.applied["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let applied_set = field_set(req.applied, req.schema);
    let mut entries: Vec<Entry> = entries.to_vec();
    let is_me = |e: &Entry| e.manager == req.manager && e.operation == Operation::Apply;
    let previous = entries
        .iter()
        .find(|e| is_me(e))
        .map(|e| e.fields.clone())
        .unwrap_or_default();

    let Some(live) = req.live else {
        entries.retain(|e| !is_me(e));
        entries.push(Entry {
            manager: req.manager.to_string(),
            operation: Operation::Apply,
            api_version,
            time: req.time.clone(),
            subresource: None,
            fields: applied_set,
        });
        return Ok(Applied {
            object: req.applied.clone(),
            entries,
        });
    };

    // Conflicts: a leaf another manager owns, whose applied value differs from the live one.
    let leaves: Vec<&Path> = applied_set
        .0
        .iter()
        .filter(|p| !matches!(p.last(), Some(Step::Key(_))))
        .collect();
    let mut conflicts: Vec<(usize, &Path)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if is_me(e) {
            continue;
        }
        for p in &leaves {
            if e.fields.0.contains(*p) {
                let live_v = value_at(live, p);
                if live_v.is_some() && live_v != value_at(req.applied, p) {
                    conflicts.push((i, p));
                }
            }
        }
    }
    if !conflicts.is_empty() {
        if !req.force {
            return Err(conflict_error(&entries, &conflicts));
        }
        let mut taken: BTreeMap<usize, FieldSet> = BTreeMap::new();
        for (i, p) in &conflicts {
            taken.entry(*i).or_default().0.insert((*p).clone());
        }
        for (i, t) in taken {
            if let Some(e) = entries.get_mut(i) {
                e.fields.remove_all(&t);
            }
        }
    }

    // Fields this manager applied before and omits now, that nobody else owns, go.
    let mut object = live.clone();
    let others: BTreeSet<&Path> = entries
        .iter()
        .filter(|e| !is_me(e))
        .flat_map(|e| e.fields.0.iter())
        .collect();
    // A path stays while another manager owns it or anything under it (a list element
    // whose image `kubectl set image` changed stays, with that image).
    let owned_by_others = |p: &Path| others.iter().any(|o| o.starts_with(p));
    // The key fields of a list element go with the element, never alone.
    let is_key_field = |p: &Path| match p.as_slice() {
        [.., Step::Key(j), Step::Field(f)] => {
            serde_json::from_str::<Map<String, Value>>(j).is_ok_and(|k| k.contains_key(f))
        }
        _ => false,
    };
    let mut removed: Vec<&Path> = previous
        .0
        .iter()
        .filter(|p| !applied_set.0.contains(*p) && !owned_by_others(p) && !is_key_field(p))
        .collect();
    // Shallowest first: a removed list element takes its fields with it (finding it
    // needs its key fields, so they must not go first).
    removed.sort_by_key(|p| p.len());
    for p in removed {
        remove_path(&mut object, p);
        // A list or map the removal emptied goes too, unless it was applied empty.
        for depth in (1..p.len()).rev() {
            let parent: Path = p[..depth].to_vec();
            let emptied = value_at(&object, &parent).is_some_and(|v| {
                v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(Map::is_empty)
            });
            if !emptied || applied_set.0.contains(&parent) {
                break;
            }
            remove_path(&mut object, &parent);
        }
    }
    let root = json!({"$ref": format!("#/components/schemas/{}", req.schema)});
    let mut applied = req.applied.clone();
    if let Some(m) = applied.as_object_mut() {
        m.remove("status");
    }
    let object = merge(
        &object,
        &applied,
        At {
            node: Some(&root),
            parent: None,
            field: None,
        },
    );

    entries.retain(|e| !is_me(e));
    entries.push(Entry {
        manager: req.manager.to_string(),
        operation: Operation::Apply,
        api_version,
        time: req.time.clone(),
        subresource: None,
        fields: applied_set,
    });
    entries.retain(|e| !e.fields.0.is_empty());
    Ok(Applied { object, entries })
}

/// How the API server names a manager in a conflict: `"kubectl"`, with `with subresource
/// "scale"` and, for an `Update`, `using apps/v1` (an applier is named without its
/// version, which is not part of its identity).
fn manager_words(e: &Entry) -> String {
    let mut who = format!("\"{}\"", e.manager);
    if let Some(sub) = &e.subresource {
        who.push_str(&format!(" with subresource \"{sub}\""));
    }
    if e.operation == Operation::Update {
        who.push_str(&format!(" using {}", e.api_version));
    }
    who
}

/// A manager's identity: name, operation, API version, subresource.
type ManagerId<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The 409 the API server answers a conflicting apply with: one conflict on one line,
/// several grouped by manager (in the order of the managers' identities) as lists.
fn conflict_error(entries: &[Entry], conflicts: &[(usize, &Path)]) -> StatusError {
    let mut causes = Vec::new();
    for (i, p) in conflicts {
        if let Some(e) = entries.get(*i) {
            causes.push(json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", manager_words(e)),
                "field": path_string(p),
            }));
        }
    }
    let message = match conflicts {
        [(i, p)] => format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            entries.get(*i).map(manager_words).unwrap_or_default(),
            path_string(p)
        ),
        _ => {
            // Grouped by manager identity: name, then operation, version, subresource.
            let mut by_manager: BTreeMap<ManagerId<'_>, (usize, Vec<String>)> = BTreeMap::new();
            for (i, p) in conflicts {
                let Some(e) = entries.get(*i) else {
                    continue;
                };
                let id = (
                    e.manager.as_str(),
                    e.operation.as_str(),
                    e.api_version.as_str(),
                    e.subresource.as_deref().unwrap_or(""),
                );
                by_manager
                    .entry(id)
                    .or_insert_with(|| (*i, Vec::new()))
                    .1
                    .push(path_string(p));
            }
            let mut lines = Vec::new();
            for (i, paths) in by_manager.values() {
                let who = entries.get(*i).map(manager_words).unwrap_or_default();
                lines.push(format!("conflicts with {who}:"));
                lines.extend(paths.iter().map(|p| format!("- {p}")));
            }
            format!(
                "Apply failed with {} conflicts: {}",
                conflicts.len(),
                lines.join("\n")
            )
        }
    };
    let mut e = StatusError::new(409, "Conflict", message);
    e.details = Some(json!({"causes": causes}));
    e
}

/// The managers of every object the server has seen written, by `kind/namespace/name`,
/// with the uid they belong to (a re-created object starts afresh).
#[derive(Debug, Default)]
pub struct ManagedFields {
    objects: BTreeMap<String, (String, Vec<Entry>)>,
}

/// The table key of an object.
pub fn object_id(kind: &str, namespace: &str, name: &str) -> String {
    format!("{kind}/{namespace}/{name}")
}

impl ManagedFields {
    /// The managers of the object `id` with uid `uid`.
    pub fn entries(&self, id: &str, uid: &str) -> &[Entry] {
        match self.objects.get(id) {
            Some((u, e)) if u == uid => e,
            _ => &[],
        }
    }

    /// Replaces the managers of the object.
    pub fn set(&mut self, id: &str, uid: &str, entries: Vec<Entry>) {
        self.objects
            .insert(id.to_string(), (uid.to_string(), entries));
    }

    /// A write other than an apply by `manager` (through `subresource`, if any): it owns
    /// the fields that changed from `old` (`None`: created) to `new`, taken from the other
    /// managers.
    #[allow(clippy::too_many_arguments)]
    pub fn record_update(
        &mut self,
        id: &str,
        schema: &str,
        manager: &str,
        subresource: Option<&str>,
        old: Option<&Value>,
        new: &Value,
        time: String,
    ) {
        let uid = new["metadata"]["uid"].as_str().unwrap_or_default();
        let mut entries = self.entries(id, uid).to_vec();
        let after = collect(new, schema);
        // A map the write created is itself the writer's (`.` in FieldsV1), as when the
        // API server diffs against an object that had no such map.
        let created_maps = after
            .maps
            .iter()
            .filter(|m| old.is_none_or(|o| value_at(o, m).is_none()))
            .cloned();
        let changed = match old {
            None => after.fields.into_iter().chain(created_maps).collect(),
            Some(old) => {
                let before = field_set(old, schema);
                after
                    .fields
                    .iter()
                    .filter(|p| !before.0.contains(*p) || value_at(old, p) != value_at(new, p))
                    .cloned()
                    .chain(created_maps)
                    .collect()
            }
        };
        let changed = FieldSet(changed);
        if changed.0.is_empty() {
            return;
        }
        for e in &mut entries {
            e.fields.remove_all(&changed);
        }
        let api_version = new["apiVersion"].as_str().unwrap_or_default().to_string();
        match entries.iter_mut().find(|e| {
            e.manager == manager
                && e.operation == Operation::Update
                && e.subresource.as_deref() == subresource
        }) {
            Some(e) => {
                e.fields.0.extend(changed.0);
                e.time = time;
                e.api_version = api_version;
            }
            None => entries.push(Entry {
                manager: manager.to_string(),
                operation: Operation::Update,
                api_version,
                time,
                subresource: subresource.map(str::to_string),
                fields: changed,
            }),
        }
        entries.retain(|e| !e.fields.0.is_empty());
        self.set(id, uid, entries);
    }

    /// `metadata.managedFields` of the object, `None` when no manager is known.
    pub fn render(&self, id: &str, uid: &str) -> Option<Value> {
        let entries = self.entries(id, uid);
        if entries.is_empty() {
            return None;
        }
        Some(Value::Array(entries.iter().map(Entry::to_json).collect()))
    }
}

/// The manager of a write that names none: the client's user agent up to its first `/`
/// (`kubectl`), as the API server defaults it.
pub fn default_manager(user_agent: &str) -> String {
    let m = user_agent.split('/').next().unwrap_or_default();
    if m.is_empty() {
        "unknown".to_string()
    } else {
        m.chars().take(128).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "io.k8s.api.apps.v1.Deployment";

    fn deployment(replicas: i64, image: &str, ports: &[i64]) -> Value {
        let ports: Vec<Value> = ports.iter().map(|p| json!({"containerPort": p})).collect();
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image, "ports": ports}]}}
            }
        })
    }

    fn apply(
        live: Option<&Value>,
        applied: &Value,
        manager: &str,
        force: bool,
        entries: &[Entry],
    ) -> Result<Applied, StatusError> {
        server_side_apply(
            &ApplyRequest {
                live,
                applied,
                schema: SCHEMA,
                manager,
                force,
                time: "2026-01-01T00:00:00Z".into(),
            },
            entries,
        )
    }

    #[test]
    fn fields_v1_renders_as_the_api_server_does() {
        let set = field_set(&deployment(2, "nginx", &[80]), SCHEMA);
        let v1 = set.to_fields_v1();
        assert_eq!(v1["f:spec"]["f:replicas"], json!({}));
        assert_eq!(
            v1["f:spec"]["f:selector"],
            json!({}),
            "a label selector is atomic"
        );
        let c = &v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
        assert_eq!(c["."], json!({}));
        assert_eq!(c["f:image"], json!({}));
        assert_eq!(
            c["f:ports"]["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]["f:containerPort"],
            json!({})
        );
        let mut back = FieldSet::default();
        parse_fields_v1(&v1, &mut Vec::new(), &mut back.0).expect("parses");
        assert_eq!(back, set);
    }

    #[test]
    fn omitted_fields_are_removed_and_lists_merge_by_key() {
        let first = apply(
            None,
            &deployment(3, "nginx:1", &[80, 81]),
            "kubectl",
            false,
            &[],
        )
        .expect("create");
        let live = first.object;
        let next = apply(
            Some(&live),
            &deployment(3, "nginx:2", &[80]),
            "kubectl",
            false,
            &first.entries,
        )
        .expect("update");
        let c = &next.object["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "nginx:2");
        assert_eq!(c["ports"], json!([{"containerPort": 80}]));
        let mut without = deployment(3, "nginx:2", &[80]);
        without["spec"]
            .as_object_mut()
            .expect("spec")
            .remove("replicas");
        let last = apply(
            Some(&next.object),
            &without,
            "kubectl",
            false,
            &next.entries,
        )
        .expect("omit");
        assert!(last.object["spec"].get("replicas").is_none());
    }

    #[test]
    fn another_managers_field_conflicts_unless_forced() {
        let mut managed = ManagedFields::default();
        let mut live = deployment(2, "nginx", &[80]);
        live["metadata"]["uid"] = json!("u1");
        managed.record_update(
            "d",
            SCHEMA,
            "kubectl-client-side-apply",
            None,
            None,
            &live,
            "t".into(),
        );
        let entries = managed.entries("d", "u1").to_vec();
        let v1 = entries[0].fields.to_fields_v1();
        assert_eq!(v1["f:metadata"]["f:labels"]["."], json!({}), "{v1}");
        assert!(v1["f:spec"].get(".").is_none(), "{v1}");
        let err = apply(
            Some(&live),
            &deployment(3, "nginx", &[80]),
            "kubectl",
            false,
            &entries,
        )
        .expect_err("conflict");
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        assert_eq!(
            err.details.as_ref().expect("details")["causes"][0]["field"],
            ".spec.replicas"
        );
        // The same value is shared ownership, not a conflict.
        apply(
            Some(&live),
            &deployment(2, "nginx", &[80]),
            "kubectl",
            false,
            &entries,
        )
        .expect("co-owned");
        let forced = apply(
            Some(&live),
            &deployment(3, "nginx", &[80]),
            "kubectl",
            true,
            &entries,
        )
        .expect("forced");
        assert_eq!(forced.object["spec"]["replicas"], 3);
        let csa = forced
            .entries
            .iter()
            .find(|e| e.manager == "kubectl-client-side-apply")
            .expect("csa");
        assert!(!csa.fields.0.contains(&vec![
            Step::Field("spec".into()),
            Step::Field("replicas".into())
        ]));
    }

    #[test]
    fn an_element_another_manager_changed_stays_when_omitted() {
        let first = apply(
            None,
            &deployment(1, "nginx:1", &[80]),
            "kubectl",
            false,
            &[],
        )
        .expect("create");
        let mut managed = ManagedFields::default();
        managed.set("d", "", first.entries.clone());
        let mut edited = first.object.clone();
        edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:edited");
        managed.record_update(
            "d",
            SCHEMA,
            "kubectl-edit",
            None,
            Some(&first.object),
            &edited,
            "t".into(),
        );
        let mut without = deployment(1, "nginx:1", &[80]);
        without["spec"]["template"]["spec"]["containers"] = json!([]);
        let out = apply(
            Some(&edited),
            &without,
            "kubectl",
            true,
            managed.entries("d", ""),
        )
        .expect("apply");
        let c = &out.object["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["image"], "nginx:edited", "{c}");
        assert!(
            c[0].get("ports").is_none(),
            "the applier's own fields go: {c}"
        );
    }

    #[test]
    fn appliers_are_named_without_a_version_and_several_conflicts_are_listed() {
        let a = apply(None, &deployment(2, "nginx:1", &[80]), "a", false, &[]).expect("create");
        let err = apply(
            Some(&a.object),
            &deployment(3, "nginx:2", &[80]),
            "b",
            false,
            &a.entries,
        )
        .expect_err("conflicts");
        assert_eq!(
            err.message,
            "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image"
        );
        let one = apply(
            Some(&a.object),
            &deployment(3, "nginx:1", &[80]),
            "b",
            false,
            &a.entries,
        )
        .expect_err("conflict");
        assert_eq!(
            one.message,
            "Apply failed with 1 conflict: conflict with \"a\": .spec.replicas"
        );
    }

    #[test]
    fn conflict_paths_print_keys() {
        let p = vec![
            Step::Field("spec".into()),
            Step::Field("containers".into()),
            Step::Key("{\"name\":\"web\"}".into()),
            Step::Field("image".into()),
        ];
        assert_eq!(path_string(&p), ".spec.containers[name=\"web\"].image");
    }
}
