//! Just enough of Kubernetes' protobuf encoding to read a `DeleteOptions` body: typed
//! clients (`kubectl drain --disable-eviction`, `kubectl delete` through them) send it as
//! protobuf, in the `k8s\0` envelope (`runtime.Unknown`: typeMeta 1, raw 2).

use serde_json::{json, Map, Value};

/// Reads one base-128 varint at `*at`.
fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(out);
        }
    }
    None
}

/// The fields of a message: (field number, varint value or bytes).
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn fields(bytes: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let key = varint(bytes, &mut at)?;
        let (number, wire) = (key >> 3, key & 7);
        match wire {
            0 => out.push((number, Field::Varint(varint(bytes, &mut at)?))),
            2 => {
                let len = usize::try_from(varint(bytes, &mut at)?).ok()?;
                let end = at.checked_add(len)?;
                out.push((number, Field::Bytes(bytes.get(at..end)?)));
                at = end;
            }
            1 => at = at.checked_add(8)?,
            5 => at = at.checked_add(4)?,
            _ => return None,
        }
    }
    Some(out)
}

fn text(b: &[u8]) -> Option<String> {
    String::from_utf8(b.to_vec()).ok()
}

/// A protobuf `DeleteOptions` (envelope included) as its JSON form; `None` if the body is
/// not one.
pub fn delete_options(body: &[u8]) -> Option<Value> {
    let inner = body.strip_prefix(b"k8s\0")?;
    let raw = fields(inner)?.into_iter().find_map(|(n, f)| match (n, f) {
        (2, Field::Bytes(b)) => Some(b),
        _ => None,
    })?;
    let mut out = Map::new();
    let mut dry_run = Vec::new();
    for (n, f) in fields(raw)? {
        match (n, f) {
            (1, Field::Varint(v)) => {
                out.insert("gracePeriodSeconds".into(), json!(v as i64));
            }
            (2, Field::Bytes(b)) => {
                let mut pre = Map::new();
                for (m, g) in fields(b)? {
                    match (m, g) {
                        (1, Field::Bytes(u)) => {
                            pre.insert("uid".into(), json!(text(u)?));
                        }
                        (2, Field::Bytes(r)) => {
                            pre.insert("resourceVersion".into(), json!(text(r)?));
                        }
                        _ => {}
                    }
                }
                out.insert("preconditions".into(), Value::Object(pre));
            }
            (4, Field::Bytes(b)) => {
                out.insert("propagationPolicy".into(), json!(text(b)?));
            }
            (5, Field::Bytes(b)) => dry_run.push(json!(text(b)?)),
            _ => {}
        }
    }
    if !dry_run.is_empty() {
        out.insert("dryRun".into(), Value::Array(dry_run));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_grace_period_policy_and_dry_run() {
        // DeleteOptions{gracePeriodSeconds: 5, propagationPolicy: "Foreground", dryRun: ["All"]}
        let raw: Vec<u8> = [
            &[0x08, 5][..],
            &[0x22, 10],
            b"Foreground",
            &[0x2a, 3],
            b"All",
        ]
        .concat();
        let type_meta: Vec<u8> = [&[0x0a, 2][..], b"v1", &[0x12, 13], b"DeleteOptions"].concat();
        let mut unknown = vec![0x0a, type_meta.len() as u8];
        unknown.extend(&type_meta);
        unknown.push(0x12);
        unknown.push(raw.len() as u8);
        unknown.extend(&raw);
        let body: Vec<u8> = [&b"k8s\0"[..], &unknown].concat();
        let v = delete_options(&body).expect("decodes");
        assert_eq!(v["gracePeriodSeconds"], 5);
        assert_eq!(v["propagationPolicy"], "Foreground");
        assert_eq!(v["dryRun"][0], "All");
        assert!(delete_options(b"not protobuf").is_none());
        assert!(delete_options(b"k8s\0\x12\x7f").is_none());
    }
}
