//! Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) read into the JSON
//! form of the same object, so a protobuf request body goes through the JSON paths.
//!
//! Typed clients (kubectl's generator commands: `create deployment|namespace|configmap|…`,
//! `expose`, `autoscale`; `drain` through the eviction API; deletes) send their bodies as
//! protobuf: the magic `k8s\0`, then a `runtime.Unknown` message (typeMeta 1 {apiVersion 1,
//! kind 2}, raw 2, contentEncoding 3, contentType 4) whose `raw` is the typed object.
//!
//! The decoder is driven by a schema table, `protobuf_schema.txt`, generated from
//! Kubernetes' `generated.proto` files by `tools/gen_protobuf_schema.py`: the messages
//! reachable from every kind kubesim serves, `Eviction` and `DeleteOptions`. Proto field
//! names are the JSON names; the exceptions are embedded Go structs, marked `inline` in the
//! table (their fields go into the parent object), and the messages with a JSON form of
//! their own (`special`: Time, MicroTime, Duration, Quantity, IntOrString, RawExtension,
//! FieldsV1). Unknown field numbers are skipped, as a newer client may send fields this
//! table does not know. go-to-protobuf writes every non-pointer string field even when
//! empty; an empty string is read as an absent field, as the API server's Go structs and
//! their `omitempty` JSON make it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The generated schema table.
const SCHEMA: &str = include_str!("protobuf_schema.txt");

/// Nesting deeper than this is refused (the served kinds nest about 12 deep).
const MAX_DEPTH: usize = 64;

/// The magic that starts every Kubernetes protobuf body.
const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Double,
    Float,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    Scalar(Scalar),
    Message(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Label {
    Optional,
    Repeated,
    /// A map field: repeated entries with the key at 1 (of this type) and the value at 2.
    Map(Scalar),
}

#[derive(Debug, Clone)]
struct FieldDef {
    name: String,
    label: Label,
    ty: Ty,
    inline: bool,
}

/// Messages whose JSON form is not an object of their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    /// meta.v1.Time: seconds, nanos → RFC 3339 to the second.
    Time,
    /// meta.v1.MicroTime: seconds, nanos → RFC 3339 with microseconds.
    MicroTime,
    /// meta.v1.Duration: nanoseconds → Go's duration string.
    Duration,
    /// runtime.RawExtension, meta.v1.FieldsV1: bytes at 1 that are JSON.
    RawJson,
    /// resource.Quantity: its string at 1.
    Quantity,
    /// intstr.IntOrString: type 1 (0 int, 1 string), intVal 2, strVal 3.
    IntOrString,
}

#[derive(Debug, Default)]
struct MessageDef {
    fields: BTreeMap<u64, FieldDef>,
    special: Option<Special>,
}

#[derive(Debug, Default)]
struct Schema {
    /// (apiVersion or `*`, kind) → message.
    roots: BTreeMap<(String, String), String>,
    messages: BTreeMap<String, MessageDef>,
}

fn scalar(name: &str) -> Option<Scalar> {
    Some(match name {
        "string" => Scalar::String,
        "bytes" => Scalar::Bytes,
        "bool" => Scalar::Bool,
        "int32" => Scalar::Int32,
        "int64" => Scalar::Int64,
        "uint32" => Scalar::Uint32,
        "uint64" => Scalar::Uint64,
        "double" => Scalar::Double,
        "float" => Scalar::Float,
        _ => return None,
    })
}

fn ty(name: &str) -> Ty {
    scalar(name).map_or_else(|| Ty::Message(name.to_string()), Ty::Scalar)
}

/// Reads the schema table (see the header of `protobuf_schema.txt`).
fn parse_schema(text: &str) -> Result<Schema, String> {
    let mut schema = Schema::default();
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let bad = || format!("protobuf_schema.txt:{}: cannot read {line:?}", i + 1);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            ["root", api_version, kind, message] => {
                schema.roots.insert(
                    (api_version.to_string(), kind.to_string()),
                    message.to_string(),
                );
            }
            ["special", name, form] => {
                let special = match *form {
                    "time" => Special::Time,
                    "microtime" => Special::MicroTime,
                    "duration" => Special::Duration,
                    "rawjson" => Special::RawJson,
                    "quantity" => Special::Quantity,
                    "intorstring" => Special::IntOrString,
                    _ => return Err(bad()),
                };
                schema.messages.insert(
                    name.to_string(),
                    MessageDef {
                        fields: BTreeMap::new(),
                        special: Some(special),
                    },
                );
                current = None;
            }
            ["message", name] => {
                schema
                    .messages
                    .insert(name.to_string(), MessageDef::default());
                current = Some(name.to_string());
            }
            [number, name, label, rest @ ..] => {
                let number: u64 = number.parse().map_err(|_| bad())?;
                let (label, ty, inline) = match (*label, rest) {
                    ("opt", [t]) => (Label::Optional, ty(t), false),
                    ("opt", [t, "inline"]) => (Label::Optional, ty(t), true),
                    ("rep", [t]) => (Label::Repeated, ty(t), false),
                    ("map", [k, v]) => (Label::Map(scalar(k).ok_or_else(bad)?), ty(v), false),
                    _ => return Err(bad()),
                };
                let message = current
                    .as_ref()
                    .and_then(|m| schema.messages.get_mut(m))
                    .ok_or_else(bad)?;
                message.fields.insert(
                    number,
                    FieldDef {
                        name: name.to_string(),
                        label,
                        ty,
                        inline,
                    },
                );
            }
            _ => return Err(bad()),
        }
    }
    Ok(schema)
}

fn schema() -> &'static Schema {
    static SCHEMA_TABLE: OnceLock<Schema> = OnceLock::new();
    SCHEMA_TABLE.get_or_init(|| {
        // The table is generated and checked by the tests below; it cannot fail at run time.
        parse_schema(SCHEMA).expect("the generated protobuf schema table reads")
    })
}

/// One field as it is on the wire.
#[derive(Debug, Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl Wire<'_> {
    fn name(self) -> &'static str {
        match self {
            Wire::Varint(_) => "varint",
            Wire::Fixed64(_) => "fixed64",
            Wire::Bytes(_) => "length-delimited",
            Wire::Fixed32(_) => "fixed32",
        }
    }
}

/// Reads one base-128 varint at `*at`.
fn varint(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes
            .get(*at)
            .ok_or("the protobuf body ends inside a varint")?;
        *at += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(out);
        }
    }
    Err("a protobuf varint is longer than 10 bytes".to_string())
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, len: usize) -> Result<&'a [u8], String> {
    let end = at
        .checked_add(len)
        .filter(|e| *e <= bytes.len())
        .ok_or("a protobuf field runs past the end of its message")?;
    let out = &bytes[*at..end];
    *at = end;
    Ok(out)
}

/// The fields of one message, in wire order.
fn fields(bytes: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, String> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let key = varint(bytes, &mut at)?;
        let number = key >> 3;
        if number == 0 {
            return Err("a protobuf field has number 0".to_string());
        }
        let wire = match key & 7 {
            0 => Wire::Varint(varint(bytes, &mut at)?),
            1 => {
                let b = take(bytes, &mut at, 8)?;
                Wire::Fixed64(u64::from_le_bytes(
                    b.try_into().map_err(|_| "bad fixed64".to_string())?,
                ))
            }
            2 => {
                let len = usize::try_from(varint(bytes, &mut at)?)
                    .map_err(|_| "a protobuf length does not fit in memory".to_string())?;
                Wire::Bytes(take(bytes, &mut at, len)?)
            }
            5 => {
                let b = take(bytes, &mut at, 4)?;
                Wire::Fixed32(u32::from_le_bytes(
                    b.try_into().map_err(|_| "bad fixed32".to_string())?,
                ))
            }
            w => return Err(format!("protobuf wire type {w} is not supported")),
        };
        out.push((number, wire));
    }
    Ok(out)
}

fn utf8(b: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

/// Standard base64 with padding (the JSON form of `bytes`).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A scalar field's value; `where_` names it for errors.
fn scalar_value(s: Scalar, wire: Wire<'_>, where_: &str) -> Result<Value, String> {
    let mismatch = || {
        format!(
            "{where_}: a {} value where a {s:?} was expected",
            wire.name()
        )
    };
    Ok(match (s, wire) {
        (Scalar::String, Wire::Bytes(b)) => Value::String(utf8(b, where_)?),
        (Scalar::Bytes, Wire::Bytes(b)) => Value::String(base64(b)),
        (Scalar::Bool, Wire::Varint(v)) => Value::Bool(v != 0),
        // Negative int32s are sign-extended to 64 bits on the wire.
        (Scalar::Int32, Wire::Varint(v)) => Value::from(v as i64 as i32),
        (Scalar::Int64, Wire::Varint(v)) => Value::from(v as i64),
        (Scalar::Uint32, Wire::Varint(v)) => Value::from(v as u32),
        (Scalar::Uint64, Wire::Varint(v)) => Value::from(v),
        (Scalar::Double, Wire::Fixed64(v)) => Value::from(f64::from_bits(v)),
        (Scalar::Float, Wire::Fixed32(v)) => Value::from(f64::from(f32::from_bits(v))),
        _ => return Err(mismatch()),
    })
}

/// The elements of a packed repeated scalar field.
fn packed(s: Scalar, bytes: &[u8], where_: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let wire = match s {
            Scalar::Bool | Scalar::Int32 | Scalar::Int64 | Scalar::Uint32 | Scalar::Uint64 => {
                Wire::Varint(varint(bytes, &mut at)?)
            }
            Scalar::Double => {
                let b = take(bytes, &mut at, 8)?;
                Wire::Fixed64(u64::from_le_bytes(
                    b.try_into().map_err(|_| "bad fixed64".to_string())?,
                ))
            }
            Scalar::Float => {
                let b = take(bytes, &mut at, 4)?;
                Wire::Fixed32(u32::from_le_bytes(
                    b.try_into().map_err(|_| "bad fixed32".to_string())?,
                ))
            }
            Scalar::String | Scalar::Bytes => {
                return Err(format!("{where_}: strings cannot be packed"))
            }
        };
        out.push(scalar_value(s, wire, where_)?);
    }
    Ok(out)
}

fn int_field(fields: &[(u64, Wire<'_>)], number: u64) -> i64 {
    fields
        .iter()
        .rev()
        .find_map(|(n, w)| match (n, w) {
            (n, Wire::Varint(v)) if *n == number => Some(*v as i64),
            _ => None,
        })
        .unwrap_or(0)
}

fn bytes_field<'a>(fields: &[(u64, Wire<'a>)], number: u64) -> Option<&'a [u8]> {
    fields.iter().rev().find_map(|(n, w)| match (n, w) {
        (n, Wire::Bytes(b)) if *n == number => Some(*b),
        _ => None,
    })
}

/// RFC 3339 in UTC of Unix `seconds`, with `digits` fraction digits of `nanos` (0 or 6).
fn rfc3339(seconds: i64, nanos: i64, digits: usize, where_: &str) -> Result<String, String> {
    let secs = u64::try_from(seconds)
        .map_err(|_| format!("{where_}: times before 1970 are not supported"))?;
    let (y, m, d) = sim_core::time::civil_from_days(secs / 86_400);
    let s = secs % 86_400;
    let fraction = if digits == 6 {
        format!(".{:06}", nanos.clamp(0, 999_999_999) / 1000)
    } else {
        String::new()
    };
    Ok(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    ))
}

/// Go's `time.Duration.String()` of `nanos`.
fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    // With a fraction: `digits` decimals of `unit`, trailing zeros dropped.
    let frac = |whole: u64, rest: u64, digits: usize| {
        let f = format!("{rest:0digits$}");
        let f = f.trim_end_matches('0');
        if f.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{f}")
        }
    };
    if n < 1_000 {
        return format!("{sign}{n}ns");
    }
    if n < 1_000_000 {
        return format!("{sign}{}µs", frac(n / 1_000, n % 1_000, 3));
    }
    if n < 1_000_000_000 {
        return format!("{sign}{}ms", frac(n / 1_000_000, n % 1_000_000, 6));
    }
    let secs = n / 1_000_000_000;
    let s = frac(secs % 60, n % 1_000_000_000, 9);
    let (h, m) = (secs / 3600, secs % 3600 / 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

/// The JSON form of a special message; `None` for an absent value (an empty Time).
fn special_value(special: Special, bytes: &[u8], where_: &str) -> Result<Option<Value>, String> {
    let f = fields(bytes)?;
    Ok(match special {
        Special::Time | Special::MicroTime => {
            if bytes.is_empty() {
                return Ok(None);
            }
            let digits = if special == Special::MicroTime { 6 } else { 0 };
            Some(Value::String(rfc3339(
                int_field(&f, 1),
                int_field(&f, 2),
                digits,
                where_,
            )?))
        }
        Special::Duration => Some(Value::String(go_duration(int_field(&f, 1)))),
        Special::RawJson => match bytes_field(&f, 1) {
            None => None,
            Some([]) => None,
            Some(raw) => Some(serde_json::from_slice(raw).map_err(|e| {
                format!("{where_}: the embedded object is not JSON ({e}); only JSON is supported")
            })?),
        },
        Special::Quantity => match bytes_field(&f, 1) {
            None => None,
            Some(s) => Some(Value::String(utf8(s, where_)?)),
        },
        Special::IntOrString => {
            if int_field(&f, 1) == 1 {
                let s = bytes_field(&f, 3).unwrap_or_default();
                Some(Value::String(utf8(s, where_)?))
            } else {
                Some(Value::from(int_field(&f, 2) as i32))
            }
        }
    })
}

/// The value of one occurrence of a field of type `ty`; `None` when it stands for nothing.
fn value(ty: &Ty, wire: Wire<'_>, depth: usize, where_: &str) -> Result<Option<Value>, String> {
    match ty {
        Ty::Scalar(s) => scalar_value(*s, wire, where_).map(Some),
        Ty::Message(name) => match wire {
            Wire::Bytes(b) => message(name, b, depth + 1, where_),
            w => Err(format!(
                "{where_}: a {} value where a message {name} was expected",
                w.name()
            )),
        },
    }
}

/// The JSON value of message `name` (`None` for a special message standing for nothing).
fn message(name: &str, bytes: &[u8], depth: usize, where_: &str) -> Result<Option<Value>, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{where_}: the protobuf body nests deeper than {MAX_DEPTH} levels"
        ));
    }
    let def = schema()
        .messages
        .get(name)
        .ok_or_else(|| format!("{where_}: message {name} is not in kubesim's protobuf schema"))?;
    if let Some(special) = def.special {
        return special_value(special, bytes, where_);
    }
    let mut out = Map::new();
    let mut inlined = Vec::new();
    for (number, wire) in fields(bytes)? {
        // A field this schema does not know comes from a newer client: skipped.
        let Some(f) = def.fields.get(&number) else {
            continue;
        };
        let here = if where_.is_empty() {
            f.name.clone()
        } else {
            format!("{where_}.{}", f.name)
        };
        match &f.label {
            Label::Optional => {
                let Some(v) = value(&f.ty, wire, depth, &here)? else {
                    continue;
                };
                if f.inline {
                    inlined.push(v);
                } else if v.as_str() == Some("") && f.ty == Ty::Scalar(Scalar::String) {
                    // An empty non-pointer string is an absent field.
                    out.remove(&f.name);
                } else {
                    out.insert(f.name.clone(), v);
                }
            }
            Label::Repeated => {
                let list = out
                    .entry(f.name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                let new = match (&f.ty, wire) {
                    (Ty::Scalar(s), Wire::Bytes(b))
                        if !matches!(s, Scalar::String | Scalar::Bytes) =>
                    {
                        packed(*s, b, &here)?
                    }
                    _ => value(&f.ty, wire, depth, &here)?
                        .map(|v| vec![v])
                        .unwrap_or_default(),
                };
                if let Value::Array(items) = list {
                    items.extend(new);
                }
            }
            Label::Map(key_type) => {
                let Wire::Bytes(entry) = wire else {
                    return Err(format!("{here}: a map entry must be length-delimited"));
                };
                let entry_fields = fields(entry)?;
                let key = match entry_fields.iter().rev().find(|(n, _)| *n == 1) {
                    Some((_, w)) => scalar_value(*key_type, *w, &here)?,
                    None => Value::String(String::new()),
                };
                let key = match key {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let here = format!("{here}[{key}]");
                let v = match entry_fields.iter().rev().find(|(n, _)| *n == 2) {
                    Some((_, w)) => value(&f.ty, *w, depth, &here)?,
                    // An absent value is the type's zero value.
                    None => match &f.ty {
                        Ty::Scalar(Scalar::String | Scalar::Bytes) => {
                            Some(Value::String(String::new()))
                        }
                        Ty::Scalar(Scalar::Bool) => Some(Value::Bool(false)),
                        Ty::Scalar(_) => Some(Value::from(0)),
                        Ty::Message(m) => message(m, &[], depth + 1, &here)?,
                    },
                };
                let map = out
                    .entry(f.name.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let (Value::Object(map), Some(v)) = (map, v) {
                    map.insert(key, v);
                }
            }
        }
    }
    for v in inlined {
        if let Value::Object(fields) = v {
            for (k, v) in fields {
                out.entry(k).or_insert(v);
            }
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Why a protobuf body does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The envelope names a kind kubesim has no schema for (a group version it does not
    /// serve, such as autoscaling/v1): the request's path decides the answer (404, or 400
    /// for a kind that does not match the path).
    NotServed {
        /// The envelope's apiVersion.
        api_version: String,
        /// The envelope's kind.
        kind: String,
    },
    /// The body is not a well-formed protobuf object: what is wrong, and where.
    Malformed(String),
}

impl From<String> for DecodeError {
    fn from(e: String) -> Self {
        DecodeError::Malformed(e)
    }
}

impl From<&str> for DecodeError {
    fn from(e: &str) -> Self {
        DecodeError::Malformed(e.to_string())
    }
}

/// A Kubernetes protobuf body (magic, `runtime.Unknown` envelope, typed object) as the JSON
/// form of the object, `apiVersion` and `kind` included.
pub fn decode(body: &[u8]) -> Result<Value, DecodeError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("the protobuf body does not start with the Kubernetes magic k8s\\0")?;
    let unknown = fields(envelope)?;
    let type_meta = fields(bytes_field(&unknown, 1).unwrap_or_default())?;
    let api_version = utf8(bytes_field(&type_meta, 1).unwrap_or_default(), "apiVersion")?;
    let kind = utf8(bytes_field(&type_meta, 2).unwrap_or_default(), "kind")?;
    let encoding = utf8(
        bytes_field(&unknown, 3).unwrap_or_default(),
        "contentEncoding",
    )?;
    if !encoding.is_empty() {
        return Err(format!("contentEncoding {encoding:?} is not supported").into());
    }
    let content_type = utf8(bytes_field(&unknown, 4).unwrap_or_default(), "contentType")?;
    if !content_type.is_empty() && !content_type.contains("protobuf") {
        return Err(
            format!("an envelope with contentType {content_type:?} is not supported").into(),
        );
    }
    if kind.is_empty() {
        return Err("the protobuf envelope (runtime.Unknown) names no kind".into());
    }
    let roots = &schema().roots;
    let root = roots
        .get(&(api_version.clone(), kind.clone()))
        .or_else(|| roots.get(&("*".to_string(), kind.clone())))
        .ok_or_else(|| DecodeError::NotServed {
            api_version: api_version.clone(),
            kind: kind.clone(),
        })?;
    let raw = bytes_field(&unknown, 2).unwrap_or_default();
    let mut object = match message(root, raw, 0, "")? {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::String(api_version));
    out.insert("kind".into(), Value::String(kind));
    out.append(&mut object);
    Ok(Value::Object(out))
}

/// Whether `content_type` names Kubernetes' protobuf encoding.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|m| {
        m.trim()
            .eq_ignore_ascii_case("application/vnd.kubernetes.protobuf")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A field key.
    fn key(number: u64, wire: u64) -> Vec<u8> {
        enc_varint((number << 3) | wire)
    }

    fn enc_varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    fn vint(number: u64, v: u64) -> Vec<u8> {
        [key(number, 0), enc_varint(v)].concat()
    }

    fn bytes(number: u64, b: &[u8]) -> Vec<u8> {
        [key(number, 2), enc_varint(b.len() as u64), b.to_vec()].concat()
    }

    fn string(number: u64, s: &str) -> Vec<u8> {
        bytes(number, s.as_bytes())
    }

    fn entry(number: u64, k: &str, v: &[u8]) -> Vec<u8> {
        bytes(number, &[string(1, k), bytes(2, v)].concat())
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [string(1, api_version), string(2, kind)].concat();
        [b"k8s\0".to_vec(), bytes(1, &type_meta), bytes(2, raw)].concat()
    }

    #[test]
    fn the_schema_table_reads_and_every_type_resolves() {
        let s = parse_schema(SCHEMA).expect("reads");
        for (name, m) in &s.messages {
            for f in m.fields.values() {
                if let Ty::Message(t) = &f.ty {
                    assert!(s.messages.contains_key(t), "{name}.{} names {t}", f.name);
                }
            }
        }
        for root in s.roots.values() {
            assert!(s.messages.contains_key(root), "root {root}");
        }
    }

    #[test]
    fn every_served_kind_has_a_root() {
        let group_versions = std::iter::once("v1").chain(crate::discovery::GROUP_VERSIONS);
        for gv in group_versions {
            for kind in sim_core::objects::Kind::ALL {
                if !crate::discovery::serves(gv, kind) {
                    continue;
                }
                let key = (gv.to_string(), kind.name().to_string());
                assert!(
                    schema().roots.contains_key(&key),
                    "{kind:?} in {gv} has no protobuf root"
                );
            }
        }
    }

    #[test]
    fn varints_and_negative_int32() {
        assert_eq!(varint(&[0xac, 0x02], &mut 0), Ok(300));
        assert!(varint(&[0x80], &mut 0).is_err());
        assert!(varint(&[0xff; 11], &mut 0).is_err());
        // Container.ports[].containerPort = -1 (sign-extended to ten bytes).
        let port = vint(3, (-1i64) as u64);
        let container = [string(1, "web"), bytes(6, &port)].concat();
        let v = message("core.v1.Container", &container, 0, "").expect("decodes");
        assert_eq!(
            v,
            Some(json!({"name": "web", "ports": [{"containerPort": -1}]}))
        );
    }

    #[test]
    fn deployment_with_maps_int_or_string_and_empty_strings() {
        let labels = entry(11, "app", b"web");
        let meta = [string(1, "web"), string(2, ""), labels.clone()].concat();
        let container = [string(1, "nginx"), string(2, "nginx:1.27"), string(14, "")].concat();
        let pod_spec = bytes(2, &container);
        let template = [bytes(1, &[labels].concat()), bytes(2, &pod_spec)].concat();
        let selector = entry(1, "app", b"web");
        // strategy.rollingUpdate.maxSurge = "50%", maxUnavailable = 0 (int).
        let surge = [vint(1, 1), string(3, "50%")].concat();
        let unavailable = [vint(1, 0), vint(2, 0)].concat();
        let rolling = [bytes(1, &unavailable), bytes(2, &surge)].concat();
        let strategy = [string(1, "RollingUpdate"), bytes(2, &rolling)].concat();
        let spec = [
            vint(1, 3),
            bytes(2, &selector),
            bytes(3, &template),
            bytes(4, &strategy),
            vint(99, 7), // a field a newer client knows: skipped
        ]
        .concat();
        let body = envelope(
            "apps/v1",
            "Deployment",
            &[bytes(1, &meta), bytes(2, &spec), bytes(3, &[])].concat(),
        );
        let v = decode(&body).expect("decodes");
        assert_eq!(
            v,
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
                    },
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "50%"},
                    },
                },
                "status": {},
            })
        );
    }

    #[test]
    fn quantities_times_and_secret_bytes() {
        let hard = [
            entry(1, "pods", &string(1, "10")),
            entry(1, "requests.cpu", &string(1, "1500m")),
        ]
        .concat();
        let v = message("core.v1.ResourceQuotaSpec", &hard, 0, "").expect("decodes");
        assert_eq!(
            v,
            Some(json!({"hard": {"pods": "10", "requests.cpu": "1500m"}}))
        );
        // creationTimestamp: 2026-01-01T00:00:05Z; an empty Time is absent.
        let t = [vint(1, 1_767_225_605), vint(2, 0)].concat();
        let meta = [bytes(8, &t), bytes(9, &[])].concat();
        let v = message("meta.v1.ObjectMeta", &meta, 0, "").expect("decodes");
        assert_eq!(
            v,
            Some(json!({"creationTimestamp": "2026-01-01T00:00:05Z"}))
        );
        let micro = [vint(1, 1_767_225_605), vint(2, 123_456_789)].concat();
        assert_eq!(
            special_value(Special::MicroTime, &micro, "t"),
            Ok(Some(json!("2026-01-01T00:00:05.123456Z")))
        );
        // Secret.data holds bytes: base64 in JSON; binary bytes round-trip.
        let data = [
            entry(2, "password", b"s3cr3t"),
            entry(2, "bin", &[0, 255, 1]),
        ]
        .concat();
        let v = message("core.v1.Secret", &data, 0, "").expect("decodes");
        assert_eq!(
            v,
            Some(json!({"data": {"password": "czNjcjN0", "bin": "AP8B"}}))
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn packed_and_unpacked_repeated_scalars() {
        // PodSecurityContext.supplementalGroups (4, int64): 1 unpacked, then 2, 3 packed.
        let packed_list = [enc_varint(2), enc_varint(3)].concat();
        let ctx = [vint(4, 1), bytes(4, &packed_list)].concat();
        let v = message("core.v1.PodSecurityContext", &ctx, 0, "").expect("decodes");
        assert_eq!(v, Some(json!({"supplementalGroups": [1, 2, 3]})));
    }

    #[test]
    fn inline_fields_and_raw_json() {
        // EnvFromSource.configMapRef: ConfigMapEnvSource embeds LocalObjectReference.
        let cm = [bytes(1, &string(1, "settings")), vint(2, 1)].concat();
        let v = message("core.v1.EnvFromSource", &bytes(2, &cm), 0, "").expect("decodes");
        assert_eq!(
            v,
            Some(json!({"configMapRef": {"name": "settings", "optional": true}}))
        );
        let raw = bytes(1, br#"{"f:metadata":{}}"#);
        assert_eq!(
            special_value(Special::RawJson, &raw, "r"),
            Ok(Some(json!({"f:metadata": {}})))
        );
        assert!(special_value(Special::RawJson, &bytes(1, b"not json"), "r").is_err());
    }

    #[test]
    fn durations_read_as_go_prints_them() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(3_723_000_000_000), "1h2m3s");
        assert_eq!(go_duration(100_000_000), "100ms");
        assert_eq!(go_duration(-60_000_000_000), "-1m0s");
    }

    #[test]
    fn delete_options_under_any_group_version() {
        let pre = string(2, "42");
        let raw = [
            vint(1, 5),
            bytes(2, &pre),
            string(4, "Foreground"),
            string(5, "All"),
        ]
        .concat();
        let v = decode(&envelope("v1", "DeleteOptions", &raw)).expect("decodes");
        assert_eq!(v["gracePeriodSeconds"], 5);
        assert_eq!(v["preconditions"]["resourceVersion"], "42");
        assert_eq!(v["propagationPolicy"], "Foreground");
        assert_eq!(v["dryRun"], json!(["All"]));
        let v = decode(&envelope("apps/v1", "DeleteOptions", &raw)).expect("decodes");
        assert_eq!(v["propagationPolicy"], "Foreground");
    }

    #[test]
    fn bad_bodies_are_errors_not_panics() {
        assert!(decode(b"not protobuf").is_err());
        assert!(decode(b"k8s\0\x12\x7f").is_err());
        assert!(decode(&envelope("v1", "Binding", &[])).is_err());
        // A string where a message is expected.
        assert!(decode(&envelope("v1", "Pod", &vint(2, 1))).is_err());
        // Deep nesting of one field number decodes as far as the schema goes, no further.
        let mut deep = Vec::new();
        for _ in 0..200 {
            deep = bytes(2, &deep);
        }
        let _ = message("core.v1.Volume", &deep, 0, "");
        for cut in 0..40 {
            let body = envelope("v1", "ConfigMap", &entry(2, "k", b"v"));
            let _ = decode(&body[..cut.min(body.len())]);
        }
    }

    #[test]
    fn recognises_the_media_type() {
        assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
        assert!(is_protobuf(
            "application/vnd.kubernetes.protobuf; charset=x"
        ));
        assert!(!is_protobuf("application/json"));
    }
}
