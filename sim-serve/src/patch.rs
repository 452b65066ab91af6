//! The three patch formats of the API server: JSON merge patch (RFC 7386), JSON patch
//! (RFC 6902) and strategic merge patch (lists merged by their `patchMergeKey`, directives
//! `$patch`, `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`), for the
//! fields kubesim models.

use serde_json::{Map, Value};

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

/// RFC 6902 JSON patch; the error names the failing operation.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, String> {
    let Value::Array(ops) = patch else {
        return Err("a JSON patch is an array of operations".to_string());
    };
    let mut doc = target.clone();
    for (i, op) in ops.iter().enumerate() {
        let field = |name: &str| -> Result<&str, String> {
            op.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("operation {i}: missing {name}"))
        };
        let path = field("path")?;
        match field("op")? {
            "add" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| format!("operation {i}: missing value"))?;
                add(&mut doc, path, value.clone())?;
            }
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| format!("operation {i}: missing value"))?;
                remove(&mut doc, path)?;
                add(&mut doc, path, value.clone())?;
            }
            "move" => {
                let from = field("from")?;
                let v = remove(&mut doc, from)?;
                add(&mut doc, path, v)?;
            }
            "copy" => {
                let from = field("from")?;
                let v = doc
                    .pointer(from)
                    .cloned()
                    .ok_or_else(|| format!("operation {i}: no value at {from}"))?;
                add(&mut doc, path, v)?;
            }
            "test" => {
                let want = op.get("value").unwrap_or(&Value::Null);
                if doc.pointer(path) != Some(want) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn split(path: &str) -> Result<(String, String), String> {
    let Some(idx) = path.rfind('/') else {
        return Err(format!("invalid JSON pointer {path:?}"));
    };
    Ok((path[..idx].to_string(), unescape(&path[idx + 1..])))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    let target = doc
        .pointer_mut(&parent)
        .ok_or_else(|| format!("add operation does not apply: doc is missing path: {path:?}"))?;
    match target {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid array index {last:?}"))?;
            if i > a.len() {
                return Err(format!(
                    "add operation does not apply: index {i} out of range"
                ));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!(
            "add operation does not apply: doc is missing path: {path:?}"
        )),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split(path)?;
    let missing = || format!("remove operation does not apply: doc is missing path: {path:?}");
    match doc.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| missing())?;
            if i < a.len() {
                Ok(a.remove(i))
            } else {
                Err(missing())
            }
        }
        _ => Err(missing()),
    }
}

/// The `patchMergeKey` of a list field of the Kubernetes types kubesim models, by field
/// name (`ports` depends on the element: container ports merge on `containerPort`,
/// service ports on `port`). `None`: the list is atomic and replaced whole.
fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "readinessGates" => Some(if field == "readinessGates" {
            "conditionType"
        } else {
            "name"
        }),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "resourceClaims" => Some("name"),
        "ports" => {
            if sample.is_some_and(|s| s.get("containerPort").is_some()) {
                Some("containerPort")
            } else {
                Some("port")
            }
        }
        _ => None,
    }
}

/// Lists of scalars that merge (set union) rather than replace.
fn merges_primitives(field: &str) -> bool {
    matches!(field, "finalizers")
}

/// Strategic merge patch of `patch` onto `target`.
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value, String> {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => merge_map(t, p).map(Value::Object),
        _ => Ok(patch.clone()),
    }
}

fn merge_map(
    target: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut p = patch.clone();
        p.remove("$patch");
        return Ok(p);
    }
    if patch.get("$patch").and_then(Value::as_str) == Some("delete") {
        return Ok(Map::new());
    }
    let mut out = target.clone();
    let mut retain: Option<Vec<String>> = None;
    for (k, v) in patch {
        if k == "$patch" {
            continue;
        }
        if k == "$retainKeys" {
            retain = v.as_array().map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            });
            continue;
        }
        if k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(del)) = (out.get_mut(field), v.as_array()) {
                list.retain(|x| !del.contains(x));
            }
            continue;
        }
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let merged = match (out.get(k), v) {
            (Some(Value::Object(t)), Value::Object(p)) => Value::Object(merge_map(t, p)?),
            (Some(Value::Array(t)), Value::Array(p)) => merge_list(k, t, p)?,
            (_, Value::Object(p)) => Value::Object(merge_map(&Map::new(), p)?),
            (_, Value::Array(p)) => merge_list(k, &[], p)?,
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    if let Some(keep) = retain {
        out.retain(|k, _| keep.contains(k));
    }
    Ok(out)
}

fn merge_list(field: &str, target: &[Value], patch: &[Value]) -> Result<Value, String> {
    if patch.iter().all(|v| !v.is_object()) {
        if merges_primitives(field) {
            let mut out = target.to_vec();
            for v in patch {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            return Ok(Value::Array(out));
        }
        return Ok(Value::Array(patch.to_vec()));
    }
    let Some(key) = merge_key(field, patch.first().or(target.first())) else {
        // An atomic list: replaced, directives stripped.
        return Ok(Value::Array(
            patch
                .iter()
                .filter(|v| v.get("$patch").is_none())
                .cloned()
                .collect(),
        ));
    };
    if patch
        .iter()
        .any(|v| v.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Ok(Value::Array(
            patch
                .iter()
                .filter(|v| v.get("$patch").is_none())
                .cloned()
                .collect(),
        ));
    }
    let mut out: Vec<Value> = target.to_vec();
    for item in patch {
        let Some(obj) = item.as_object() else {
            return Err(format!("{field}: a list item is not an object"));
        };
        let id = obj.get(key).cloned();
        let pos = id
            .as_ref()
            .and_then(|id| out.iter().position(|t| t.get(key) == Some(id)));
        let delete = obj.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => {
                let merged = match &out[i] {
                    Value::Object(t) => Value::Object(merge_map(t, obj)?),
                    _ => item.clone(),
                };
                out[i] = merged;
            }
            (None, false) => out.push(Value::Object(merge_map(&Map::new(), obj)?)),
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let target = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        let patch = json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "b", "image": "b:2"}]}});
        let out = strategic_merge(&target, &patch).expect("merges");
        assert_eq!(
            out,
            json!({"spec": {"containers": [
                {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}]}})
        );
    }

    #[test]
    fn strategic_merge_deletes_by_directive_and_null() {
        let target = json!({"metadata": {"labels": {"x": "1", "y": "2"}},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let patch = json!({"metadata": {"labels": {"x": null}},
            "spec": {"containers": [{"name": "a", "$patch": "delete"}]}});
        let out = strategic_merge(&target, &patch).expect("merges");
        assert_eq!(
            out,
            json!({"metadata": {"labels": {"y": "2"}}, "spec": {"containers": [{"name": "b"}]}})
        );
    }

    #[test]
    fn merge_patch_replaces_lists_and_removes_nulls() {
        let target = json!({"a": [1, 2], "b": {"c": 1, "d": 2}});
        let out = merge_patch(&target, &json!({"a": [3], "b": {"c": null}}));
        assert_eq!(out, json!({"a": [3], "b": {"d": 2}}));
    }

    #[test]
    fn json_patch_applies_and_reports_missing_paths() {
        let target = json!({"spec": {"replicas": 1, "template": {"x": 1}}});
        let out = json_patch(
            &target,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 3},
                    {"op": "add", "path": "/spec/paused", "value": true}]),
        )
        .expect("applies");
        assert_eq!(
            out,
            json!({"spec": {"replicas": 3, "template": {"x": 1}, "paused": true}})
        );
        assert!(json_patch(&target, &json!([{"op": "remove", "path": "/nope"}])).is_err());
    }
}
