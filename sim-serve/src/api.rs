//! The REST API: routing, reads (get, list, Table, events, logs), writes (create, update,
//! patch, delete, scale) as scenario actions, and watches.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Read;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serde_yaml::{Mapping, Value as Yaml};
use sim_core::duration::parse_go_duration;
use sim_core::objects::{Kind, ObjectKey, ObjectRef};
use sim_core::selector::LabelSelector;
use sim_core::sim::{ScenarioAction, Simulation};
use sim_core::store::{Object, PropagationPolicy};
use sim_core::time::SimTime;
use sim_core::timeline::RecordBody;
use sim_scenarios::convert::to_core;
use sim_scenarios::manifest::load_manifests;
use sim_scenarios::view::{field_value, lookup, rfc3339, value_to_text};

use crate::clock::Clock;
use crate::discovery;
use crate::patch::{json_patch, merge_patch, strategic_merge};
use crate::record::Recorder;
use crate::status::StatusError;
use crate::timestamps::{parse_rfc3339, Anchor};
use crate::watch::{self, Watch};

mod api_service;
mod delete_collection;
mod hpa_v1;

/// Largest request body accepted.
const MAX_BODY: u64 = 8 << 20;

/// What a list or watch selects.
#[derive(Debug, Clone)]
pub struct Query {
    /// The kind (`None`: core v1 events).
    pub kind: Option<Kind>,
    /// One namespace, or all.
    pub namespace: Option<String>,
    /// `labelSelector`.
    pub labels: Option<LabelSelector>,
    /// `fieldSelector` terms: (field, equal?, value).
    pub fields: Vec<(String, bool, String)>,
    /// Answer as a server-side Table (watch events too).
    pub table: bool,
    /// `includeObject=Object`: a Table row carries the whole object, not only its
    /// metadata (kubectl's `--sort-by` sorts on it).
    pub full_objects: bool,
    /// A streaming list (`sendInitialEvents=true`, kubectl ≥ 1.35's WatchList): every
    /// object as ADDED, then a BOOKMARK marking the end of the initial events.
    pub initial_events: bool,
    /// Asked through `autoscaling/v1`: HPAs are answered in that version.
    pub autoscaling_v1: bool,
}

/// A `kubectl logs -f` stream.
pub struct Follow {
    key: ObjectKey,
    container: String,
    /// The pod incarnation followed (a new pod of the same name ends the stream).
    uid: sim_core::objects::Uid,
    /// Lines sent so far.
    sent: usize,
    /// The first chunk (the log so far, after `tailLines`).
    first: String,
}

enum Reply {
    Json(u16, Value),
    /// JSON with another media type (aggregated discovery).
    JsonAs(u16, &'static str, Value),
    Text(u16, String),
    /// A document built once (the OpenAPI documents), served as is with its headers.
    Static(crate::openapi::Served),
    Follow(Follow),
    Watch(Query, Option<u64>, Option<Duration>),
}

type Res = Result<Reply, StatusError>;

/// The server's state, owned by the one simulation thread.
pub struct State {
    sim: Simulation,
    clock: Clock,
    /// Every event at or before this instant has run.
    processed: SimTime,
    recorder: Option<Recorder>,
    address: String,
    token: Option<String>,
    watches: Vec<Watch>,
    follows: Vec<(Follow, std::sync::mpsc::Sender<Vec<u8>>)>,
    /// The request being answered asked for `dryRun`: validate, answer, change nothing.
    dry_run: bool,
    /// Events run when the watches were last brought up to date.
    pumped_at: Option<(u64, usize)>,
    /// How served instants are anchored (shared with the watches, which render later).
    anchor: Rc<Cell<Anchor>>,
    /// `--fixed-epoch`: serve instants from the simulation's epoch, not the wall clock.
    fixed_epoch: bool,
    /// A `Warning` header for the answer being built (the API server's deprecation notes).
    warning: Option<&'static str>,
    /// The watch cache: recent changes, for watches resumed from an older version.
    history: crate::history::History,
    /// Who owns which fields of each object (server-side apply, `apply.rs`).
    managed: crate::apply::ManagedFields,
    /// The request's field manager: `fieldManager`, else the user agent's name.
    field_manager: String,
    /// The request named its `fieldManager`.
    field_manager_named: bool,
    /// The request is an apply with `force=true`.
    force: bool,
    /// The managers a server-side apply being written leaves on its object.
    ssa_entries: Option<Vec<crate::apply::Entry>>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn parse_field_selector(text: &str) -> Result<Vec<(String, bool, String)>, StatusError> {
    let mut out = Vec::new();
    for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (field, eq, value) = if let Some((f, v)) = term.split_once("!=") {
            (f, false, v)
        } else if let Some((f, v)) = term.split_once("==") {
            (f, true, v)
        } else if let Some((f, v)) = term.split_once('=') {
            (f, true, v)
        } else {
            return Err(StatusError::bad_request(format!(
                "invalid field selector: {term:?}: expected field=value"
            )));
        };
        out.push((field.trim().to_string(), eq, value.trim().to_string()));
    }
    Ok(out)
}

/// The fields a field selector may name, by kind (the API server refuses the others).
fn field_supported(kind: Option<Kind>, field: &str) -> bool {
    if matches!(field, "metadata.name" | "metadata.namespace") {
        return true;
    }
    match kind {
        Some(Kind::Pod) => matches!(
            field,
            "spec.nodeName"
                | "status.phase"
                | "spec.schedulerName"
                | "spec.restartPolicy"
                | "spec.serviceAccountName"
                | "status.podIP"
                | "status.nominatedNodeName"
        ),
        Some(Kind::Node) => field == "spec.unschedulable",
        Some(Kind::ReplicaSet) => field == "status.replicas",
        Some(Kind::Job) => field == "status.successful",
        Some(Kind::Secret) => field == "type",
        Some(_) => false,
        None => {
            field.starts_with("involvedObject.")
                || matches!(
                    field,
                    "reason" | "source" | "type" | "reportingComponent" | "count"
                )
        }
    }
}

fn obj_name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or("")
}

fn obj_rv(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The fields of an object a client may not set; dropped before it is decoded (and
/// recorded), as the API server ignores or overwrites them.
fn clean(obj: &mut Value) {
    if let Some(m) = obj.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(f);
        }
    }
}

fn kind_path(kind: Kind, name: &str) -> String {
    format!("{}/{name}", kind.resource())
}

impl State {
    /// The state serving `sim`.
    pub fn new(
        sim: Simulation,
        clock: Clock,
        recorder: Option<Recorder>,
        address: String,
        token: Option<String>,
    ) -> State {
        let history = crate::history::History::new(sim.store(), crate::history::CAPACITY);
        State {
            sim,
            clock,
            processed: SimTime::ZERO,
            recorder,
            address,
            token,
            watches: Vec::new(),
            follows: Vec::new(),
            dry_run: false,
            pumped_at: None,
            anchor: Rc::new(Cell::new(Anchor::FIXED)),
            fixed_epoch: false,
            warning: None,
            history,
            managed: crate::apply::ManagedFields::default(),
            field_manager: String::new(),
            field_manager_named: false,
            force: false,
            ssa_entries: None,
        }
    }

    /// Serves instants from the simulation's fixed epoch instead of anchoring them to the
    /// wall clock (see [`crate::timestamps`]).
    pub fn set_fixed_epoch(&mut self, fixed: bool) {
        self.fixed_epoch = fixed;
    }

    /// Re-anchors served instants so that simulated now reads as the wall clock's now.
    // The wall clock is read at the edge, only to render instants for clients.
    #[allow(clippy::disallowed_methods, clippy::disallowed_types)]
    fn refresh_anchor(&self) {
        let anchor = if self.fixed_epoch {
            Anchor::FIXED
        } else {
            let wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Anchor::at(self.processed, wall)
        };
        self.anchor.set(anchor);
    }

    fn run_to(&mut self, t: SimTime) -> Result<(), StatusError> {
        self.sim.run_until(t).map_err(|e| {
            StatusError::new(500, "InternalError", format!("the simulation stopped: {e}"))
        })?;
        self.history.sync(self.sim.store());
        Ok(())
    }

    /// Runs the simulation up to the clock and brings the watches up to date.
    pub fn advance(&mut self) {
        let now = self.clock.now();
        if now >= self.processed {
            // Instant by instant, so that a watcher (and the watch history a later watch
            // resumes from) sees every state an object passes through between two clock
            // readings, not only the last one.
            loop {
                match self.sim.next_event_time() {
                    Some(t) if t <= now => {
                        if let Err(e) = self.run_to(t) {
                            eprintln!("kubesim serve: {}", e.message);
                            break;
                        }
                        self.processed = t;
                        self.pump_watches();
                        self.pump_follows();
                    }
                    _ => break,
                }
            }
            if let Err(e) = self.run_to(now) {
                eprintln!("kubesim serve: {}", e.message);
            }
            self.processed = now;
        }
        self.pump_watches();
        self.pump_follows();
    }

    /// Stops: the last record write.
    pub fn finish(mut self) -> Result<(), String> {
        self.advance();
        self.write_record()
    }

    /// Rewrites the recording when the clock runs (a paused one changes it only on writes
    /// and advances, which rewrite it themselves).
    pub fn record_if_running(&self) -> Result<(), String> {
        if self.clock.paused() {
            return Ok(());
        }
        self.write_record()
    }

    fn write_record(&self) -> Result<(), String> {
        match &self.recorder {
            Some(r) => r.write(self.processed),
            None => Ok(()),
        }
    }

    /// Lands a client action on the timeline: at the first millisecond after the clock's
    /// reading with no event pending, so that it runs first at its instant, as it does
    /// when a replay schedules it up front. Returns the instant and the timeline length
    /// before it.
    fn land(&mut self, action: ScenarioAction) -> Result<(SimTime, usize), StatusError> {
        self.advance();
        let mut t = crate::next_ms(self.processed);
        while self.sim.next_event_time() == Some(t) {
            self.run_to(t)?;
            t = crate::next_ms(t);
        }
        let before = self.sim.timeline().len();
        self.sim
            .schedule_action(t, action)
            .map_err(|e| StatusError::new(500, "InternalError", format!("cannot schedule: {e}")))?;
        self.run_to(t)?;
        self.processed = t;
        self.clock.raise_floor(t);
        Ok((t, before))
    }

    /// Answers one request.
    pub fn handle(&mut self, mut request: tiny_http::Request) {
        let method = request.method().as_str().to_uppercase();
        let url = request.url().to_string();
        let header = |name: &str| {
            request
                .headers()
                .iter()
                .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                .map(|h| h.value.as_str().to_string())
                .unwrap_or_default()
        };
        let accept = header("Accept");
        let content_type = header("Content-Type");
        let authorization = header("Authorization");
        let user_agent = header("User-Agent");
        let mut body = Vec::new();
        // An upgrade request (exec's websocket) hands over the raw stream: reading it to the
        // end would wait for the client forever, so only a declared body is read.
        let chunked = header("Transfer-Encoding").contains("chunked");
        let limit = match request.body_length() {
            Some(n) => (n as u64).min(MAX_BODY),
            None if chunked => MAX_BODY,
            None => 0,
        };
        let read = request.as_reader().take(limit).read_to_end(&mut body);
        self.warning = None;
        let result = if read.is_err() {
            Err(StatusError::bad_request("cannot read the request body"))
        } else if self
            .token
            .as_ref()
            .is_some_and(|t| authorization != format!("Bearer {t}"))
        {
            Err(StatusError::new(401, "Unauthorized", "Unauthorized"))
        } else {
            let (path, query) = url.split_once('?').unwrap_or((&url, ""));
            let params = parse_query(query);
            self.dry_run = params.get("dryRun").is_some_and(|d| !d.is_empty());
            self.set_field_manager(&params, &user_agent);
            // Typed clients send protobuf bodies (protobuf.rs): read as their JSON form.
            if crate::protobuf::is_protobuf(&content_type) && !body.is_empty() {
                match crate::protobuf::decode(&body) {
                    Ok(v) => {
                        let json = v.to_string().into_bytes();
                        self.route(&method, path, &params, &accept, "application/json", &json)
                    }
                    // No schema for the kind: the path answers (404, or a kind mismatch).
                    Err(crate::protobuf::DecodeError::NotServed { api_version, kind }) => {
                        let json = json!({"apiVersion": api_version, "kind": kind});
                        let json = json.to_string().into_bytes();
                        self.route(&method, path, &params, &accept, "application/json", &json)
                    }
                    Err(crate::protobuf::DecodeError::Malformed(e)) => {
                        Err(StatusError::bad_request(format!(
                            "the protobuf body of the request does not decode: {e}"
                        )))
                    }
                }
            } else {
                self.route(&method, path, &params, &accept, &content_type, &body)
            }
        };
        let response = match result {
            Ok(Reply::Watch(query, rv, timeout)) => {
                self.start_watch(request, query, rv, timeout);
                return;
            }
            Ok(Reply::Follow(follow)) => {
                let sender = watch::start_stream(request, "text/plain");
                if sender.send(follow.first.clone().into_bytes()).is_ok() {
                    self.follows.push((follow, sender));
                }
                return;
            }
            Ok(Reply::Json(code, mut v)) => {
                self.refresh_anchor();
                self.anchor.get().apply(&mut v);
                (code, "application/json", v.to_string())
            }
            Ok(Reply::JsonAs(code, media, v)) => (code, media, v.to_string()),
            Ok(Reply::Text(code, t)) => (code, "text/plain; charset=utf-8", t),
            Ok(Reply::Static(served)) => {
                let mut resp =
                    tiny_http::Response::from_string(served.body).with_status_code(served.code);
                let headers = std::iter::once(("Content-Type", "application/json".to_string()))
                    .chain(served.headers);
                for (name, value) in headers {
                    if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
                    {
                        resp.add_header(h);
                    }
                }
                let _ = request.respond(resp);
                return;
            }
            Err(e) => (e.code, "application/json", e.to_json().to_string()),
        };
        let (code, ctype, text) = response;
        let mut resp = tiny_http::Response::from_string(text).with_status_code(code);
        if let Ok(h) = tiny_http::Header::from_bytes(&b"Content-Type"[..], ctype.as_bytes()) {
            resp.add_header(h);
        }
        if let Some(warning) = self.warning.take() {
            // RFC 7234 warn-code 299, as the API server sends deprecation warnings.
            let value = format!("299 - \"{warning}\"");
            if let Ok(h) = tiny_http::Header::from_bytes(&b"Warning"[..], value.as_bytes()) {
                resp.add_header(h);
            }
        }
        let _ = request.respond(resp);
    }

    fn route(
        &mut self,
        method: &str,
        path: &str,
        params: &BTreeMap<String, String>,
        accept: &str,
        content_type: &str,
        body: &[u8],
    ) -> Res {
        let segs: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let get_only = |r: Value| -> Res {
            if method == "GET" {
                Ok(Reply::Json(200, r))
            } else {
                Err(StatusError::method_not_allowed(format!(
                    "{method} is not supported on {path}"
                )))
            }
        };
        match s.as_slice() {
            ["version"] => get_only(discovery::version()),
            ["api"] | ["apis"] if method == "GET" && crate::aggregated::wanted(accept) => {
                let doc = if s.as_slice() == ["api"] {
                    crate::aggregated::api()
                } else {
                    crate::aggregated::apis()
                };
                Ok(Reply::JsonAs(200, crate::aggregated::MEDIA_TYPE, doc))
            }
            ["api"] => get_only(discovery::api(&self.address)),
            ["apis"] => get_only(discovery::apis()),
            ["healthz"] | ["readyz"] | ["livez"] => Ok(Reply::Text(200, "ok".to_string())),
            ["api", "v1"] => get_only(discovery::resource_list("v1").unwrap_or(Value::Null)),
            ["apis", "coordination.k8s.io", "v1", "namespaces", ns, "leases", name] => {
                get_only(Value::Null)?;
                crate::node_lease::get(self.sim.store(), self.processed, ns, name)
                    .map(|v| Reply::Json(200, v))
            }
            ["apis", "metrics.k8s.io", "v1beta1"] => get_only(crate::metrics_api::resource_list()),
            ["apis", "metrics.k8s.io", "v1beta1", rest @ ..] => {
                if method != "GET" {
                    return Err(StatusError::method_not_allowed(format!(
                        "{method} is not supported on {path}"
                    )));
                }
                let labels = match params.get("labelSelector").filter(|s| !s.is_empty()) {
                    Some(s) => Some(
                        LabelSelector::parse(s)
                            .map_err(|e| StatusError::bad_request(format!("labelSelector: {e}")))?,
                    ),
                    None => None,
                };
                crate::metrics_api::get(self.sim.store(), self.processed, rest, labels.as_ref())
                    .map(|v| Reply::Json(200, v))
            }
            ["apis", g, v, resource]
                if crate::access_review::resource_list(&format!("{g}/{v}")).is_some() =>
            {
                if method != "POST" {
                    return Err(StatusError::method_not_allowed(format!(
                        "{method} is not supported on {path}"
                    )));
                }
                let request = Self::body_json(body).ok();
                crate::access_review::review(&format!("{g}/{v}"), resource, request.as_ref())
                    .map(|v| Reply::Json(201, v))
            }
            ["apis", g, v] => match discovery::resource_list(&format!("{g}/{v}"))
                .or_else(|| crate::access_review::resource_list(&format!("{g}/{v}")))
            {
                Some(r) => get_only(r),
                None => Err(StatusError::no_route(path)),
            },
            ["openapi", "v3", rest @ ..] => {
                let gv = match rest {
                    [] => None,
                    ["api", "v1"] => Some("v1".to_string()),
                    ["apis", g, v] => Some(format!("{g}/{v}")),
                    _ => return Err(StatusError::no_route(path)),
                };
                get_only(Value::Null)?;
                let served =
                    crate::openapi::serve(gv.as_deref(), params.get("hash").map(String::as_str))
                        .ok_or_else(|| StatusError::no_route(path))?;
                Ok(Reply::Static(served))
            }
            ["kubesim", "v1", "clock"] => get_only(self.clock_json()),
            ["kubesim", "v1", "clock", "advance"] => {
                if method != "POST" {
                    return Err(StatusError::method_not_allowed("POST to advance the clock"));
                }
                let by = params.get("by").cloned().unwrap_or_default();
                let d = parse_go_duration(&by).map_err(|e| {
                    StatusError::bad_request(format!("by: {e} (a Go duration such as 30s)"))
                })?;
                self.clock.advance(d);
                self.advance();
                self.write_record()
                    .map_err(|e| StatusError::new(500, "InternalError", e))?;
                Ok(Reply::Json(200, self.clock_json()))
            }
            ["kubesim", "v1", "timeline"] => {
                let mut out = String::new();
                sim_scenarios::render::render_jsonl(self.sim.timeline(), &mut out);
                Ok(Reply::Text(200, out))
            }
            ["api", "v1", "endpoints", rest @ ..]
            | ["api", "v1", "namespaces", _, "endpoints", rest @ ..] => {
                let namespace = match s.as_slice() {
                    ["api", "v1", "namespaces", ns, ..] => Some(*ns),
                    _ => None,
                };
                self.endpoints(method, namespace, rest, params, accept)
            }
            ["api", "v1", rest @ ..] => {
                self.resource("v1", rest, method, params, accept, content_type, body)
            }
            ["apis", "autoscaling", "v1", rest @ ..] => {
                self.resource_v1(rest, method, params, accept, content_type, body)
            }
            ["apis", g, v, rest @ ..] => {
                let gv = format!("{g}/{v}");
                self.resource(&gv, rest, method, params, accept, content_type, body)
            }
            _ => Err(StatusError::no_route(path)),
        }
    }

    /// `v1` Endpoints, derived from the EndpointSlices when read (endpoints.rs).
    fn endpoints(
        &mut self,
        method: &str,
        namespace: Option<&str>,
        rest: &[&str],
        params: &BTreeMap<String, String>,
        accept: &str,
    ) -> Res {
        self.warning = Some(crate::endpoints::DEPRECATION_WARNING);
        let watch = params.get("watch").is_some_and(|w| w == "1" || w == "true");
        let name = match rest {
            [] => None,
            [name] if namespace.is_some() => Some(*name),
            _ => return Err(StatusError::no_route(&rest.join("/"))),
        };
        if method != "GET" || watch {
            let what = if watch { "watch" } else { method };
            return Err(StatusError::method_not_allowed(format!(
                "{what} is not supported on endpoints: kubesim derives them from the EndpointSlices it keeps (watch endpointslices instead)"
            )));
        }
        let labels = match params.get("labelSelector").filter(|s| !s.is_empty()) {
            Some(s) => Some(
                LabelSelector::parse(s)
                    .map_err(|e| StatusError::bad_request(format!("labelSelector: {e}")))?,
            ),
            None => None,
        };
        let table = accept.contains("as=Table");
        let mut v = crate::endpoints::get(
            self.sim.store(),
            self.processed,
            namespace,
            name,
            labels.as_ref(),
            table,
        )?;
        // A list is as of the store's version; a single object keeps its own.
        if name.is_none() || table {
            v["metadata"]["resourceVersion"] = json!(self.resource_version().to_string());
        }
        Ok(Reply::Json(200, v))
    }

    fn set_field_manager(&mut self, params: &BTreeMap<String, String>, user_agent: &str) {
        self.field_manager = params
            .get("fieldManager")
            .filter(|m| !m.is_empty())
            .cloned()
            .unwrap_or_else(|| crate::apply::default_manager(user_agent));
        self.field_manager_named = params.get("fieldManager").is_some_and(|m| !m.is_empty());
        self.force = params.get("force").is_some_and(|f| f == "true");
    }

    fn clock_json(&self) -> Value {
        json!({
            "now": self.processed.to_string(),
            "millis": self.processed.as_millis(),
            "time": rfc3339(self.processed),
            "paused": self.clock.paused(),
            "speed": self.clock.speed(),
            // Open streams (watches, `logs -f`): lets a script wait for its clients.
            "streams": self.watches.len() + self.follows.len(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &mut self,
        gv: &str,
        rest: &[&str],
        method: &str,
        params: &BTreeMap<String, String>,
        accept: &str,
        content_type: &str,
        body: &[u8],
    ) -> Res {
        let is_resource =
            |r: &str| discovery::kind_of(gv, r).is_some() || (gv == "v1" && r == "events");
        let (namespace, rest) = match rest {
            ["namespaces", ns, r, tail @ ..] if is_resource(r) => {
                (Some(ns.to_string()), [&[*r][..], tail].concat())
            }
            _ => (None, rest.to_vec()),
        };
        let Some(resource) = rest.first() else {
            return Err(StatusError::no_route(gv));
        };
        let name = rest.get(1).copied();
        let sub = rest.get(2).copied();
        if rest.len() > 3 {
            return Err(StatusError::no_route(&rest.join("/")));
        }
        let table = accept.contains("as=Table");
        let labels = match params.get("labelSelector").filter(|s| !s.is_empty()) {
            Some(s) => Some(
                LabelSelector::parse(s)
                    .map_err(|e| StatusError::bad_request(format!("labelSelector: {e}")))?,
            ),
            None => None,
        };
        let fields = parse_field_selector(params.get("fieldSelector").map_or("", |s| s))?;
        let kind = discovery::kind_of(gv, resource);
        if kind.is_none() && !(gv == "v1" && *resource == "events") {
            return Err(StatusError::no_route(&format!("{gv}/{resource}")));
        }
        for (f, _, _) in &fields {
            if !field_supported(kind, f) {
                return Err(StatusError::bad_request(format!(
                    "\"{f}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                )));
            }
        }
        if let Some(k) = kind {
            if !k.namespaced() && namespace.is_some() {
                return Err(StatusError::no_route(&format!("namespaces/.../{resource}")));
            }
        }
        let watch = params.get("watch").is_some_and(|w| w == "1" || w == "true");
        let query = Query {
            kind,
            namespace: namespace.clone(),
            labels,
            fields,
            table,
            full_objects: params.get("includeObject").is_some_and(|v| v == "Object"),
            initial_events: params
                .get("sendInitialEvents")
                .is_some_and(|v| v == "true" || v == "1"),
            autoscaling_v1: gv == crate::autoscaling_v1::GROUP_VERSION,
        };
        let Some(name) = name else {
            return match method {
                "GET" if watch => {
                    let rv = params.get("resourceVersion").and_then(|r| r.parse().ok());
                    let timeout = params
                        .get("timeoutSeconds")
                        .and_then(|t| t.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    Ok(Reply::Watch(query, rv, timeout))
                }
                "GET" => Ok(Reply::Json(200, self.list(&query))),
                "POST" => match kind {
                    Some(k) => self.create(k, namespace, body),
                    None => Err(StatusError::method_not_allowed(
                        "events are written by the simulation, not by clients",
                    )),
                },
                "DELETE" => match kind {
                    Some(k) => self.delete_collection(k, &query, params, body),
                    None => Err(StatusError::method_not_allowed(
                        "events are written by the simulation, not by clients",
                    )),
                },
                _ => Err(StatusError::method_not_allowed(format!(
                    "{method} on a collection is not supported by kubesim"
                ))),
            };
        };
        let Some(kind) = kind else {
            // One event.
            let all = self.select(&query);
            return match all.into_iter().find(|(_, _, v)| obj_name(v) == name) {
                Some((_, _, v)) if method == "GET" => Ok(Reply::Json(200, v)),
                Some(_) => Err(StatusError::method_not_allowed(
                    "events are written by the simulation, not by clients",
                )),
                None => Err(StatusError::new(
                    404,
                    "NotFound",
                    format!("events \"{name}\" not found"),
                )),
            };
        };
        let ns = if kind.namespaced() {
            match &namespace {
                Some(ns) => ns.clone(),
                None => return Err(StatusError::no_route(&format!("{resource}/{name}"))),
            }
        } else {
            String::new()
        };
        let key = if kind.namespaced() {
            ObjectKey::new(ns.clone(), name.to_string())
        } else {
            ObjectKey::cluster(name.to_string())
        };
        if sub.is_none()
            && matches!(method, "PUT" | "PATCH" | "DELETE")
            && api_service::is_api_server_object(kind, &key)
        {
            return Err(api_service::refused(kind, method));
        }
        match sub {
            None => match method {
                "GET" => {
                    let v = lookup(self.sim.store(), kind, &key)
                        .ok_or_else(|| StatusError::not_found(kind, name))?;
                    if watch {
                        let mut q = query;
                        q.fields.push(("metadata.name".into(), true, name.into()));
                        return Ok(Reply::Watch(q, None, None));
                    }
                    if table {
                        let mut t = self.table(kind, vec![v.clone()], true);
                        if query.full_objects {
                            embed_objects(&mut t, vec![v]);
                        }
                        return Ok(Reply::Json(200, t));
                    }
                    Ok(Reply::Json(200, self.with_managed_fields(kind, v)))
                }
                "PUT" => self.update(kind, &key, body),
                "PATCH" => self.patch(kind, &key, content_type, body),
                "DELETE" => self.delete(kind, &key, params, body),
                _ => Err(StatusError::method_not_allowed(format!(
                    "{method} is not supported on {}",
                    kind_path(kind, name)
                ))),
            },
            Some("status") => match method {
                "GET" => lookup(self.sim.store(), kind, &key)
                    .map(|v| Reply::Json(200, v))
                    .ok_or_else(|| StatusError::not_found(kind, name)),
                _ => Err(StatusError::method_not_allowed(format!(
                    "{}/status: status is written by the simulated controllers and kubelets; kubesim does not accept client status writes",
                    kind.plural()
                ))),
            },
            Some("scale")
                if matches!(kind, Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet) =>
            {
                self.scale(kind, &key, method, content_type, body)
            }
            Some("log") if kind == Kind::Pod && method == "GET" => self.logs(&key, params),
            Some("exec" | "attach" | "portforward") if kind == Kind::Pod => {
                Err(StatusError::bad_request(format!(
                    "{} is not simulated by kubesim: its containers run no processes (pod {}/{})",
                    sub.unwrap_or("exec"),
                    key.namespace,
                    key.name
                )))
            }
            Some("eviction") if kind == Kind::Pod && method == "POST" => self.evict(&key, body),
            Some(other) => Err(StatusError::no_route(&format!(
                "{}/{name}/{other}",
                kind.plural()
            ))),
        }
    }

    /// The objects `q` selects: (`namespace/name`, resourceVersion, API JSON).
    fn select(&self, q: &Query) -> Vec<(String, u64, Value)> {
        let store = self.sim.store();
        let ns = q.namespace.as_deref();
        let mut out = Vec::new();
        match q.kind {
            Some(kind) => {
                let keys: Vec<ObjectKey> = sim_core::with_kind!(kind, T => store
                    .list::<T>()
                    .filter(|o| ns.is_none_or(|n| o.meta().namespace == n))
                    .filter(|o| q.labels.as_ref().is_none_or(|l| l.matches(&o.meta().labels)))
                    .map(|o| o.meta().key())
                    .collect());
                for key in keys {
                    if let Some(v) = lookup(store, kind, &key) {
                        if self.fields_match(&v, &q.fields) {
                            out.push((key.to_string(), obj_rv(&v), v));
                        }
                    }
                }
            }
            None => {
                for v in self.events(ns) {
                    if self.fields_match(&v, &q.fields) {
                        let id = format!(
                            "{}/{}",
                            v["metadata"]["namespace"].as_str().unwrap_or(""),
                            obj_name(&v)
                        );
                        out.push((id, obj_rv(&v), v));
                    }
                }
            }
        }
        out
    }

    fn fields_match(&self, v: &Value, fields: &[(String, bool, String)]) -> bool {
        fields.iter().all(|(f, eq, want)| {
            if f == "involvedObject.resourceVersion" {
                // Events are not tied to one version of their object.
                return true;
            }
            let got = match field_value(v, f) {
                Ok(Some(x)) => value_to_text(x),
                _ => String::new(),
            };
            (got == *want) == *eq
        })
    }

    fn resource_version(&self) -> u64 {
        self.sim.store().resource_version()
    }

    /// Core events take their resourceVersions from their timeline records: a list of
    /// events reports the last record's, which a watch of events resumes from.
    fn events_resource_version(&self) -> u64 {
        self.sim.timeline().records().last().map_or(0, |r| r.id.0)
    }

    fn list(&self, q: &Query) -> Value {
        let items: Vec<Value> = self.select(q).into_iter().map(|(_, _, v)| v).collect();
        let rv = match q.kind {
            Some(_) => self.resource_version(),
            None => self.events_resource_version(),
        }
        .to_string();
        if q.table {
            let mut t = match q.kind {
                Some(kind) => self.table(kind, items.clone(), true),
                None => events_table(&items, self.processed),
            };
            t["metadata"]["resourceVersion"] = json!(rv);
            if q.full_objects {
                embed_objects(&mut t, items);
            }
            return t;
        }
        match q.kind {
            Some(kind) => json!({
                "kind": format!("{}List", kind.name()),
                "apiVersion": kind.api_version(),
                "metadata": {"resourceVersion": rv},
                "items": items
                    .into_iter()
                    .map(|v| self.with_managed_fields(kind, v))
                    .collect::<Vec<_>>(),
            }),
            None => json!({
                "kind": "EventList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": rv},
                "items": items,
            }),
        }
    }

    /// A server-side Table of `objects` with kubectl's columns (tables.rs).
    fn table(&self, kind: Kind, objects: Vec<Value>, with_columns: bool) -> Value {
        let (headers, rows) =
            sim_scenarios::tables::kind_rows(self.sim.store(), kind, None, self.processed);
        let by_key: BTreeMap<(String, String), Vec<String>> = rows
            .into_iter()
            .filter(|r| r.len() >= 2)
            .map(|r| ((r[0].clone(), r[1].clone()), r))
            .collect();
        let wide = wide_headers(kind);
        let mut columns: Vec<Value> = headers.iter().skip(1).map(|h| column(h, 0)).collect();
        if headers.len() < 2 {
            columns = vec![column("NAME", 0), column("AGE", 0)];
        }
        columns.extend(wide.iter().map(|h| column(h, 1)));
        let rows: Vec<Value> = objects
            .iter()
            .map(|v| {
                let ns = v["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let name = obj_name(v).to_string();
                let mut cells: Vec<Value> = match by_key.get(&(ns, name.clone())) {
                    Some(r) => r.iter().skip(1).map(|c| json!(c)).collect(),
                    None => vec![json!(name), json!("")],
                };
                cells.extend(wide_cells(kind, v).into_iter().map(|c| json!(c)));
                json!({
                    "cells": cells,
                    "object": {
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": v["metadata"],
                    },
                })
            })
            .collect();
        let mut t = json!({
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": self.resource_version().to_string()},
            "columnDefinitions": if with_columns { Value::Array(columns) } else { json!([]) },
            "rows": rows,
        });
        if !with_columns {
            t["columnDefinitions"] = json!([]);
        }
        t
    }

    /// Every Kubernetes event on the timeline, as `v1` Event objects.
    fn events(&self, namespace: Option<&str>) -> Vec<Value> {
        let store = self.sim.store();
        let mut out = Vec::new();
        for r in self.sim.timeline().records() {
            let RecordBody::Event {
                type_,
                reason,
                message,
                source,
            } = &r.body
            else {
                continue;
            };
            // The timeline's records of the scenario's and clients' own actions ("kubectl
            // apply …", source `scenario`) are kubesim's bookkeeping: a real API server
            // writes no Event for a create, patch or delete.
            if source == "scenario" {
                continue;
            }
            let kind = r.object.kind;
            let key = &r.object.key;
            let ns = if key.namespace.is_empty() {
                "default"
            } else {
                key.namespace.as_str()
            };
            if namespace.is_some_and(|n| n != ns) {
                continue;
            }
            let uid = store
                .meta_of(kind, key)
                .map(|m| m.uid.to_string())
                .unwrap_or_default();
            let t = rfc3339(r.time);
            let mut involved = json!({
                "kind": kind.name(),
                "name": key.name,
                "apiVersion": kind.api_version(),
                "uid": uid,
            });
            if kind.namespaced() {
                involved["namespace"] = json!(ns);
            }
            out.push(json!({
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {
                    "name": format!("{}.{:016x}", key.name, r.id.0),
                    "namespace": ns,
                    "uid": format!("00000000-0000-0000-0001-{:012x}", r.id.0),
                    "resourceVersion": r.id.0.to_string(),
                    "creationTimestamp": t,
                },
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "source": {"component": source},
                "firstTimestamp": t,
                "lastTimestamp": t,
                "count": 1,
                "type": type_.as_str(),
                "eventTime": null,
                "reportingComponent": source,
                "reportingInstance": "",
            }));
        }
        out
    }

    /// `kubectl logs`: the container's lifecycle from the timeline, one line per record.
    fn logs(&self, key: &ObjectKey, params: &BTreeMap<String, String>) -> Res {
        let pod = self
            .sim
            .store()
            .get::<sim_core::objects::Pod>(key)
            .ok_or_else(|| StatusError::not_found(Kind::Pod, &key.name))?;
        let names: Vec<String> = pod
            .spec
            .init_containers
            .iter()
            .chain(pod.spec.containers.iter())
            .map(|c| c.name.clone())
            .collect();
        let container = match params.get("container").filter(|c| !c.is_empty()) {
            Some(c) => c.clone(),
            None if pod.spec.containers.len() == 1 => pod.spec.containers[0].name.clone(),
            None => {
                return Err(StatusError::bad_request(format!(
                    "a container name must be specified for pod {}, choose one of: [{}]",
                    key.name,
                    names.join(" ")
                )))
            }
        };
        if !names.contains(&container) {
            return Err(StatusError::bad_request(format!(
                "container {container} is not valid for pod {}",
                key.name
            )));
        }
        let uid = pod.meta.uid;
        let lines = self.log_lines(key, &container).unwrap_or_default();
        let tail = params
            .get("tailLines")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let start = lines.len().saturating_sub(tail);
        let out: String = lines[start..].iter().map(|l| format!("{l}\n")).collect();
        if params
            .get("follow")
            .is_some_and(|f| f == "true" || f == "1")
        {
            return Ok(Reply::Follow(Follow {
                key: key.clone(),
                container,
                uid,
                sent: lines.len(),
                first: out,
            }));
        }
        Ok(Reply::Text(200, out))
    }

    /// The log lines of `container` of the pod at `key` (this incarnation); `None` when the
    /// pod is gone.
    fn log_lines(&self, key: &ObjectKey, container: &str) -> Option<Vec<String>> {
        let pod = self.sim.store().get::<sim_core::objects::Pod>(key)?;
        let only = pod.spec.init_containers.len() + pod.spec.containers.len() == 1;
        let target = ObjectRef::new(Kind::Pod, key.clone());
        let quoted = format!("\"{container}\"");
        let bracketed = format!("[{container}]");
        let word = format!("container {container}");
        let colon = format!("container: {container}");
        let mut out = Vec::new();
        for r in self.sim.timeline().records() {
            if r.object != target {
                continue;
            }
            // Only this incarnation of the pod (a recreated pod of the same name starts over).
            if r.time < pod.meta.creation_timestamp {
                continue;
            }
            let line = match &r.body {
                RecordBody::Event {
                    type_,
                    reason,
                    message,
                    source,
                } if source == "kubelet"
                    && (only
                        || message.contains(&quoted)
                        || message.contains(&word)
                        || message.contains(&colon)
                        || message.contains(&bracketed)) =>
                {
                    format!("{} {} {reason}: {message}", rfc3339(r.time), type_.as_str())
                }
                RecordBody::Changed { field, from, to } if field.contains(&bracketed) => {
                    format!("{} {field}: {from} -> {to}", rfc3339(r.time))
                }
                _ => continue,
            };
            out.push(line);
        }
        Some(out)
    }

    fn body_json(body: &[u8]) -> Result<Value, StatusError> {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            return Ok(v);
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| StatusError::bad_request("the request body is not UTF-8"))?;
        let y: Yaml = serde_yaml::from_str(text).map_err(|e| {
            StatusError::bad_request(format!("the request body does not parse: {e}"))
        })?;
        serde_json::to_value(y)
            .map_err(|e| StatusError::bad_request(format!("the request body does not parse: {e}")))
    }

    /// Decodes and validates `obj` exactly as a scenario manifest.
    fn decode(&self, kind: Kind, obj: &Value) -> Result<sim_core::sim::AnyObject, StatusError> {
        let name = obj_name(obj).to_string();
        let text = serde_json::to_string_pretty(obj)
            .map_err(|e| StatusError::bad_request(e.to_string()))?;
        let invalid = |errors: sim_scenarios::source::InputErrors| {
            StatusError::invalid(
                kind,
                &name,
                errors.0.into_iter().map(|e| (e.field, e.message)).collect(),
            )
        };
        let loaded = load_manifests("request", &text).map_err(invalid)?;
        let Some(m) = loaded.objects.first() else {
            let why = loaded
                .warnings
                .first()
                .map(|w| w.message.clone())
                .unwrap_or_else(|| "no object in the request body".to_string());
            return Err(StatusError::bad_request(why));
        };
        to_core(m).map_err(invalid)
    }

    fn check_kind(kind: Kind, obj: &Value) -> Result<(), StatusError> {
        let k = obj["kind"].as_str().unwrap_or("");
        let av = obj["apiVersion"].as_str().unwrap_or("");
        if k != kind.name() || av != kind.api_version() {
            return Err(StatusError::bad_request(format!(
                "the API version in the data ({av}) and kind ({k}) do not match the path ({}, {})",
                kind.api_version(),
                kind.name()
            )));
        }
        Ok(())
    }

    /// Applies `obj` (already checked) as a scenario action, records it, and returns the
    /// object as stored.
    fn apply(&mut self, kind: Kind, mut obj: Value, created: bool) -> Res {
        clean(&mut obj);
        let any = self.decode(kind, &obj)?;
        if !created {
            self.check_pod_update(&any)?;
        }
        if self.dry_run {
            // `kubectl diff` and `--dry-run=server`: validated, not applied.
            let current = lookup(self.sim.store(), kind, &any.object_ref().key);
            let mut answer = obj;
            if let Some(meta) = current.as_ref().map(|c| c["metadata"].clone()) {
                for f in ["uid", "resourceVersion", "creationTimestamp", "generation"] {
                    answer["metadata"][f] = meta[f].clone();
                }
            }
            if let Some(status) = current.as_ref().map(|c| c["status"].clone()) {
                if !status.is_null() {
                    answer["status"] = status;
                }
            }
            return Ok(Reply::Json(if created { 201 } else { 200 }, answer));
        }
        let target = any.object_ref();
        let old = if created {
            None
        } else {
            lookup(self.sim.store(), kind, &target.key)
        };
        let (at, before) = self.land(ScenarioAction::Apply(any))?;
        let new: Vec<_> = self.sim.timeline().records()[before..].to_vec();
        for r in &new {
            if let RecordBody::Event {
                reason,
                message,
                source,
                ..
            } = &r.body
            {
                // The refusal of this very write (sim.rs records it as kubectl's), not a
                // controller's FailedCreate about the object (a Job whose pods the quota
                // refuses is itself stored).
                if reason == "FailedCreate" && source == "kubectl" && r.object == target {
                    let message = message
                        .split_once("): ")
                        .map_or(message.as_str(), |(_, m)| m)
                        .to_string();
                    let code = if message.contains("not found") {
                        404
                    } else {
                        403
                    };
                    let reason = if code == 404 { "NotFound" } else { "Forbidden" };
                    // Refused by admission: nothing was stored, so nothing to record.
                    return Err(StatusError::new(code, reason, message));
                }
            }
        }
        if let Some(r) = self.recorder.as_mut() {
            r.apply(at, &obj)
                .map_err(|e| StatusError::new(500, "InternalError", e))?;
        }
        self.write_record()
            .map_err(|e| StatusError::new(500, "InternalError", e))?;
        // A generated name is only known once stored.
        let key = if target.key.name.is_empty() {
            new.iter()
                .find(|r| r.object.kind == kind && r.body == RecordBody::Created)
                .map(|r| r.object.key.clone())
                .unwrap_or(target.key)
        } else {
            target.key
        };
        let v = lookup(self.sim.store(), kind, &key)
            .ok_or_else(|| StatusError::not_found(kind, &key.name))?;
        self.record_managers(kind, &key, old.as_ref(), &v);
        let v = self.with_managed_fields(kind, v);
        Ok(Reply::Json(if created { 201 } else { 200 }, v))
    }

    /// A pod's spec is immutable but for a few fields (kubesim simulates none of those
    /// changes in place): an update that changes it is refused as the API server refuses
    /// it, an image change with a clear "not simulated".
    fn check_pod_update(&self, any: &sim_core::sim::AnyObject) -> Result<(), StatusError> {
        let sim_core::sim::AnyObject::Pod(new) = any else {
            return Ok(());
        };
        let key = any.object_ref().key;
        let Some(old) = self.sim.store().get::<sim_core::objects::Pod>(&key) else {
            return Ok(());
        };
        if new.spec == old.spec {
            return Ok(());
        }
        let mut same_images = new.spec.clone();
        for (c, o) in same_images
            .containers
            .iter_mut()
            .zip(old.spec.containers.iter())
        {
            c.image = o.image.clone();
        }
        for (c, o) in same_images
            .init_containers
            .iter_mut()
            .zip(old.spec.init_containers.iter())
        {
            c.image = o.image.clone();
        }
        let (field, message) = if same_images == old.spec {
            (
                "spec.containers[*].image",
                "Forbidden: kubesim does not simulate in-place image updates of a pod; change the image in its controller's pod template instead",
            )
        } else {
            (
                "spec",
                "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
            )
        };
        Err(StatusError::invalid(
            Kind::Pod,
            &key.name,
            vec![(Some(field.to_string()), message.to_string())],
        ))
    }

    fn create(&mut self, kind: Kind, namespace: Option<String>, body: &[u8]) -> Res {
        let mut obj = Self::body_json(body)?;
        Self::check_kind(kind, &obj)?;
        if kind.namespaced() {
            let ns = namespace.clone().unwrap_or_else(|| "default".to_string());
            match obj["metadata"]["namespace"].as_str() {
                Some(n) if !n.is_empty() && n != ns => {
                    return Err(StatusError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ))
                }
                _ => {}
            }
            if obj["metadata"].is_object() {
                obj["metadata"]["namespace"] = json!(ns);
            }
        }
        let name = obj_name(&obj).to_string();
        if !name.is_empty() {
            let key = if kind.namespaced() {
                ObjectKey::new(namespace.unwrap_or_else(|| "default".into()), name.clone())
            } else {
                ObjectKey::cluster(name.clone())
            };
            if self.sim.store().meta_of(kind, &key).is_some() {
                return Err(StatusError::already_exists(kind, &name));
            }
        }
        self.apply(kind, obj, true)
    }

    fn current(&self, kind: Kind, key: &ObjectKey) -> Result<Value, StatusError> {
        lookup(self.sim.store(), kind, key).ok_or_else(|| StatusError::not_found(kind, &key.name))
    }

    fn update(&mut self, kind: Kind, key: &ObjectKey, body: &[u8]) -> Res {
        let current = self.current(kind, key)?;
        let mut obj = Self::body_json(body)?;
        Self::check_kind(kind, &obj)?;
        if obj_name(&obj) != key.name {
            return Err(StatusError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({})",
                obj_name(&obj),
                key.name
            )));
        }
        let rv = obj["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if !rv.is_empty()
            && rv
                != current["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
        {
            return Err(StatusError::conflict(kind, &key.name));
        }
        if kind.namespaced() {
            obj["metadata"]["namespace"] = json!(key.namespace);
        }
        self.apply(kind, obj, false)
    }

    fn patched(current: &Value, content_type: &str, body: &[u8]) -> Result<Value, StatusError> {
        let patch = Self::body_json(body)?;
        let ctype = content_type.split(';').next().unwrap_or("").trim();
        match ctype {
            "application/strategic-merge-patch+json" => strategic_merge(current, &patch)
                .map_err(|e| StatusError::bad_request(format!("strategic merge patch: {e}"))),
            "application/merge-patch+json" => Ok(merge_patch(current, &patch)),
            "application/json-patch+json" => json_patch(current, &patch).map_err(|e| {
                StatusError::new(422, "Invalid", format!("the JSON patch does not apply: {e}"))
            }),
            "application/apply-patch+yaml" => Err(StatusError::new(
                415,
                "UnsupportedMediaType",
                "server-side apply is served on objects, not on their subresources",
            )),
            other => Err(StatusError::new(
                415,
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other:?})"),
            )),
        }
    }

    fn patch(&mut self, kind: Kind, key: &ObjectKey, content_type: &str, body: &[u8]) -> Res {
        if content_type.split(';').next().unwrap_or("").trim() == "application/apply-patch+yaml" {
            return self.server_side_apply(kind, key, body);
        }
        let current = self.with_managed_fields(kind, self.current(kind, key)?);
        let merged = Self::patched(&current, content_type, body)?;
        if merged["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"]
            && !merged["metadata"]["resourceVersion"].is_null()
        {
            return Err(StatusError::conflict(kind, &key.name));
        }
        if obj_name(&merged) != key.name {
            return Err(StatusError::bad_request(
                "metadata.name: the name cannot be patched",
            ));
        }
        if kind.namespaced() && merged["metadata"]["namespace"].as_str() != Some(&key.namespace) {
            return Err(StatusError::bad_request(
                "metadata.namespace: the namespace of the object does not match the namespace on the request",
            ));
        }
        Self::check_kind(kind, &merged)?;
        let mut client_managers = merged["metadata"]["managedFields"].clone();
        let managers = &mut client_managers;
        if *managers != current["metadata"]["managedFields"] {
            // The client's copy came with served (wall-anchored) instants.
            self.anchor.get().restore_managed_fields(managers);
            // A client rewrote the managers: kubectl hands client-side apply's fields to
            // its server-side apply manager this way.
            let entries = crate::apply::entries_from_json(managers).map_err(|(field, e)| {
                StatusError::invalid(kind, &key.name, vec![(Some(field), e)])
            })?;
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(meta) = v["metadata"].as_object_mut() {
                    meta.remove("managedFields");
                }
                v
            };
            if !self.dry_run {
                let id = crate::apply::object_id(kind.name(), &key.namespace, &key.name);
                let uid = current["metadata"]["uid"].as_str().unwrap_or("");
                self.managed.set(&id, uid, entries);
            }
            if strip(&merged) == strip(&current) {
                let v = self.with_managed_fields(kind, strip(&current));
                return Ok(Reply::Json(200, v));
            }
        }
        if kind == Kind::Node && !self.dry_run {
            if let Some(reply) = self.cordon(key, &current, &merged)? {
                return Ok(reply);
            }
        }
        self.apply(kind, merged, false)
    }

    /// Server-side apply (`application/apply-patch+yaml`): the field ownership and merge
    /// are `apply.rs`'s; the merged object is written as any other write.
    fn server_side_apply(&mut self, kind: Kind, key: &ObjectKey, body: &[u8]) -> Res {
        if !self.field_manager_named {
            return Err(crate::apply::field_manager_required());
        }
        let mut applied = Self::body_json(body)?;
        Self::check_kind(kind, &applied)?;
        crate::apply::check_configuration(&mut applied, kind.namespaced(), key)?;
        let live = lookup(self.sim.store(), kind, key);
        if let Some(rv) = applied["metadata"]["resourceVersion"].as_str() {
            if live.as_ref().map(|l| &l["metadata"]["resourceVersion"]) != Some(&json!(rv)) {
                return Err(StatusError::conflict(kind, &key.name));
            }
        }
        let id = crate::apply::object_id(kind.name(), &key.namespace, &key.name);
        let uid = live
            .as_ref()
            .map_or("", |l| l["metadata"]["uid"].as_str().unwrap_or(""));
        let entries = self.managed.entries(&id, uid).to_vec();
        let schema = crate::openapi::schema_name(kind);
        let out = crate::apply::server_side_apply(
            &crate::apply::ApplyRequest {
                live: live.as_ref(),
                applied: &applied,
                schema: &schema,
                manager: &self.field_manager,
                force: self.force,
                time: rfc3339(self.processed),
            },
            &entries,
        )?;
        self.ssa_entries = Some(out.entries);
        let result = self.apply(kind, out.object, live.is_none());
        self.ssa_entries = None;
        result
    }

    /// After a client's write: the managers of the object, as the apply left them or with
    /// the writer as an `Update` manager of what it changed.
    fn record_managers(&mut self, kind: Kind, key: &ObjectKey, old: Option<&Value>, new: &Value) {
        let id = crate::apply::object_id(kind.name(), &key.namespace, &key.name);
        let uid = new["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let time = rfc3339(self.processed);
        match self.ssa_entries.take() {
            Some(mut entries) => {
                for e in &mut entries {
                    if e.operation == crate::apply::Operation::Apply
                        && e.manager == self.field_manager
                    {
                        e.time = time.clone();
                    }
                }
                self.managed.set(&id, &uid, entries)
            }
            None => {
                let schema = crate::openapi::schema_name(kind);
                let manager = self.field_manager.clone();
                self.managed
                    .record_update(&id, &schema, &manager, None, old, new, time);
            }
        }
    }

    /// The object with its `metadata.managedFields`.
    fn with_managed_fields(&self, kind: Kind, mut v: Value) -> Value {
        let id = crate::apply::object_id(
            kind.name(),
            v["metadata"]["namespace"].as_str().unwrap_or(""),
            obj_name(&v),
        );
        let uid = v["metadata"]["uid"].as_str().unwrap_or("");
        if let Some(m) = self.managed.render(&id, uid) {
            if let Some(meta) = v["metadata"].as_object_mut() {
                meta.insert("managedFields".to_string(), m);
            }
        }
        v
    }

    /// `kubectl cordon`/`uncordon`: a patch of a node that changes nothing but
    /// `spec.unschedulable` lands as the scenario's cordon/uncordon action (recorded as
    /// `cordon: NODE`), not as an apply of the whole node.
    fn cordon(
        &mut self,
        key: &ObjectKey,
        current: &Value,
        merged: &Value,
    ) -> Result<Option<Reply>, StatusError> {
        let flag = |v: &Value| v["spec"]["unschedulable"].as_bool().unwrap_or(false);
        let unschedulable = flag(merged);
        if unschedulable == flag(current) {
            return Ok(None);
        }
        let mut same = merged.clone();
        let mut before = current.clone();
        for v in [&mut same, &mut before] {
            if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("unschedulable");
            }
        }
        if same != before {
            return Ok(None);
        }
        let (at, _) = self.land(ScenarioAction::SetUnschedulable {
            node: key.name.clone(),
            unschedulable,
        })?;
        if let Some(r) = self.recorder.as_mut() {
            let mut m = Mapping::new();
            let verb = if unschedulable { "cordon" } else { "uncordon" };
            m.insert(verb.into(), Yaml::String(key.name.clone()));
            r.event(at, m);
        }
        self.write_record()
            .map_err(|e| StatusError::new(500, "InternalError", e))?;
        Ok(Some(Reply::Json(200, self.current(Kind::Node, key)?)))
    }

    fn delete(
        &mut self,
        kind: Kind,
        key: &ObjectKey,
        params: &BTreeMap<String, String>,
        body: &[u8],
    ) -> Res {
        let before = self.current(kind, key)?;
        let options = if body.is_empty() {
            Value::Null
        } else {
            Self::body_json(body)?
        };
        let grace = params
            .get("gracePeriodSeconds")
            .and_then(|g| g.parse::<u64>().ok())
            .or(options["gracePeriodSeconds"].as_u64());
        let policy_text = params
            .get("propagationPolicy")
            .cloned()
            .or(options["propagationPolicy"].as_str().map(str::to_string));
        let policy = match policy_text.as_deref() {
            None | Some("") => None,
            Some(p) => Some(PropagationPolicy::parse(p).ok_or_else(|| {
                StatusError::bad_request(format!(
                    "propagationPolicy: Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
                ))
            })?),
        };
        if let Some(want) = options["preconditions"]["resourceVersion"].as_str() {
            if Some(want) != before["metadata"]["resourceVersion"].as_str() {
                return Err(StatusError::conflict(kind, &key.name));
            }
        }
        // kubectl sends `dryRun` of a delete in the DeleteOptions body.
        let dry_body = options["dryRun"].as_array().is_some_and(|d| !d.is_empty());
        if self.dry_run || dry_body {
            return Ok(Reply::Json(200, before));
        }
        let target = ObjectRef::new(kind, key.clone());
        let (at, _) = self.land(ScenarioAction::Delete {
            target,
            grace_period_seconds: grace,
            propagation_policy: policy,
        })?;
        if let Some(r) = self.recorder.as_mut() {
            let mut d = Mapping::new();
            d.insert("object".into(), Yaml::String(kind_path(kind, &key.name)));
            if kind.namespaced() {
                d.insert("namespace".into(), Yaml::String(key.namespace.clone()));
            }
            if let Some(g) = grace {
                d.insert("gracePeriod".into(), Yaml::Number(g.into()));
            }
            if let Some(p) = policy {
                d.insert(
                    "propagationPolicy".into(),
                    Yaml::String(p.as_str().to_string()),
                );
            }
            let mut m = Mapping::new();
            m.insert("delete".into(), Yaml::Mapping(d));
            r.event(at, m);
        }
        self.write_record()
            .map_err(|e| StatusError::new(500, "InternalError", e))?;
        Ok(Reply::Json(
            200,
            lookup(self.sim.store(), kind, key).unwrap_or(before),
        ))
    }

    /// `POST …/pods/NAME/eviction` (k8s-semantics §6.4): the eviction API of sim-core as a
    /// scenario action, answered with its Status: 201 when the pod was evicted, the 429 of a
    /// PodDisruptionBudget (with its cause, which `kubectl drain` retries), 404 or 500.
    fn evict(&mut self, key: &ObjectKey, body: &[u8]) -> Res {
        self.current(Kind::Pod, key)?;
        let eviction = if body.is_empty() {
            Value::Null
        } else {
            Self::body_json(body)?
        };
        // `deleteOptions.gracePeriodSeconds`; a negative one means the pod's own.
        let grace = eviction["deleteOptions"]["gracePeriodSeconds"].as_u64();
        let dry = eviction["deleteOptions"]["dryRun"]
            .as_array()
            .is_some_and(|d| !d.is_empty());
        if self.dry_run || dry {
            return Ok(Reply::Json(201, eviction_success()));
        }
        let (at, _) = self.land(ScenarioAction::Evict {
            pod: key.clone(),
            grace_period_seconds: grace,
        })?;
        if let Some(r) = self.recorder.as_mut() {
            let mut d = Mapping::new();
            d.insert("pod".into(), Yaml::String(key.name.clone()));
            d.insert("namespace".into(), Yaml::String(key.namespace.clone()));
            if let Some(g) = grace {
                d.insert("gracePeriod".into(), Yaml::Number(g.into()));
            }
            let mut m = Mapping::new();
            m.insert("evict".into(), Yaml::Mapping(d));
            r.event(at, m);
        }
        self.write_record()
            .map_err(|e| StatusError::new(500, "InternalError", e))?;
        match self.sim.take_last_eviction() {
            Some((pod, Err(error))) if &pod == key => {
                let mut status = StatusError::new(error.code, error.reason, error.message);
                let mut details = json!({"name": key.name, "kind": "pods"});
                if !error.causes.is_empty() {
                    details["causes"] = error
                        .causes
                        .iter()
                        .map(|c| json!({"reason": "DisruptionBudget", "message": c}))
                        .collect();
                }
                if let Some(after) = error.retry_after_seconds {
                    details["retryAfterSeconds"] = json!(after);
                }
                status.details = Some(details);
                Err(status)
            }
            _ => Ok(Reply::Json(201, eviction_success())),
        }
    }

    fn scale_json(v: &Value) -> Value {
        let selector = v["spec"]["selector"]["matchLabels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        json!({
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                "name": v["metadata"]["name"],
                "namespace": v["metadata"]["namespace"],
                "uid": v["metadata"]["uid"],
                "resourceVersion": v["metadata"]["resourceVersion"],
                "creationTimestamp": v["metadata"]["creationTimestamp"],
            },
            "spec": {"replicas": v["spec"]["replicas"].as_u64().unwrap_or(1)},
            "status": {
                "replicas": v["status"]["replicas"].as_u64().unwrap_or(0),
                "selector": selector,
            },
        })
    }

    fn scale(
        &mut self,
        kind: Kind,
        key: &ObjectKey,
        method: &str,
        content_type: &str,
        body: &[u8],
    ) -> Res {
        let current = self.current(kind, key)?;
        let scale = Self::scale_json(&current);
        let wanted = match method {
            "GET" => return Ok(Reply::Json(200, scale)),
            "PUT" => Self::body_json(body)?,
            "PATCH" => Self::patched(&scale, content_type, body)?,
            _ => {
                return Err(StatusError::method_not_allowed(format!(
                    "{method} is not supported on {}/scale",
                    kind.plural()
                )))
            }
        };
        let rv = &wanted["metadata"]["resourceVersion"];
        if rv.as_str().is_some_and(|r| !r.is_empty()) && *rv != scale["metadata"]["resourceVersion"]
        {
            return Err(StatusError::conflict(kind, &key.name));
        }
        let replicas = match wanted["spec"]["replicas"].as_i64() {
            Some(r) if (0..=i64::from(i32::MAX)).contains(&r) => r as u32,
            _ => {
                return Err(StatusError::invalid(
                    Kind::Deployment,
                    &key.name,
                    vec![(
                        Some("spec.replicas".to_string()),
                        format!(
                            "Invalid value: {}: must be greater than or equal to 0",
                            wanted["spec"]["replicas"]
                        ),
                    )],
                ))
            }
        };
        if self.dry_run {
            let mut answer = scale;
            answer["spec"]["replicas"] = json!(replicas);
            return Ok(Reply::Json(200, answer));
        }
        let (at, _) = self.land(ScenarioAction::Scale {
            target: ObjectRef::new(kind, key.clone()),
            replicas,
        })?;
        if let Some(r) = self.recorder.as_mut() {
            let mut s = Mapping::new();
            s.insert("object".into(), Yaml::String(kind_path(kind, &key.name)));
            s.insert("namespace".into(), Yaml::String(key.namespace.clone()));
            s.insert("replicas".into(), Yaml::Number(u64::from(replicas).into()));
            let mut m = Mapping::new();
            m.insert("scale".into(), Yaml::Mapping(s));
            r.event(at, m);
        }
        self.write_record()
            .map_err(|e| StatusError::new(500, "InternalError", e))?;
        let after = self.current(kind, key)?;
        let id = crate::apply::object_id(kind.name(), &key.namespace, &key.name);
        let manager = self.field_manager.clone();
        self.managed.record_update(
            &id,
            &crate::openapi::schema_name(kind),
            &manager,
            Some("scale"),
            Some(&current),
            &after,
            rfc3339(self.processed),
        );
        Ok(Reply::Json(200, Self::scale_json(&after)))
    }

    // A watch's `timeoutSeconds` is wall time, the client's.
    #[allow(clippy::disallowed_methods)]
    fn start_watch(
        &mut self,
        request: tiny_http::Request,
        query: Query,
        rv: Option<u64>,
        timeout: Option<Duration>,
    ) {
        let sender = watch::start(request);
        let mut w = Watch {
            query,
            seen: BTreeMap::new(),
            sender,
            deadline: timeout.map(|t| Instant::now() + t),
            anchor: Rc::clone(&self.anchor),
        };
        self.refresh_anchor();
        let rv = if w.query.initial_events { None } else { rv };
        if let (Some(from), Some(kind)) = (rv.filter(|r| *r > 0), w.query.kind) {
            // Resumed from a version: replayed from the watch history, as the watch cache
            // does; from a version it no longer holds, one ERROR event with the 410.
            if self.resume_watch(&w, kind, from) {
                for (id, obj_rv, v) in self.select(&w.query) {
                    let obj = self.watch_object(&w.query, v, false);
                    w.seen.insert(id, (obj_rv, obj));
                }
                self.watches.push(w);
            }
            return;
        }
        let mut first = true;
        for (id, obj_rv, v) in self.select(&w.query) {
            // Here with a resourceVersion only for core events, whose versions are their
            // timeline records': each one newer than it is a new event.
            let send_it = rv.is_none_or(|r| r == 0 || obj_rv > r);
            let obj = self.watch_object(&w.query, v, first && send_it);
            if send_it {
                first = false;
                if !w.send("ADDED", &obj) {
                    return;
                }
            }
            w.seen.insert(id, (obj_rv, obj));
        }
        if w.query.initial_events {
            let (kind, api_version) = match (w.query.table, w.query.kind) {
                (true, _) => ("PartialObjectMetadata", "meta.k8s.io/v1"),
                (false, Some(k)) => (k.name(), k.api_version()),
                (false, None) => ("Event", "v1"),
            };
            let bookmark = json!({
                "kind": kind,
                "apiVersion": api_version,
                "metadata": {
                    "resourceVersion": match w.query.kind {
                        Some(_) => self.resource_version(),
                        None => self.events_resource_version(),
                    }
                    .to_string(),
                    "annotations": {"k8s.io/initial-events-end": "true"},
                },
            });
            if !w.send("BOOKMARK", &bookmark) {
                return;
            }
        }
        self.watches.push(w);
    }

    /// Sends `w` the history of `kind` after `from` that its query selects; false when the
    /// watch ends there (expired, or the client went away).
    fn resume_watch(&mut self, w: &Watch, kind: Kind, from: u64) -> bool {
        self.history.sync(self.sim.store());
        let q = &w.query;
        let matches = |v: &Value| {
            let meta = &v["metadata"];
            let in_namespace = q
                .namespace
                .as_deref()
                .is_none_or(|ns| meta["namespace"].as_str() == Some(ns));
            let labelled = q.labels.as_ref().is_none_or(|selector| {
                let labels: BTreeMap<String, String> = meta["labels"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                selector.matches(&labels)
            });
            in_namespace && labelled && self.fields_match(v, &q.fields)
        };
        let events = match self.history.since_selected(kind, from, &matches) {
            Ok(events) => events,
            Err(expired) => {
                w.send("ERROR", &expired.status());
                return false;
            }
        };
        let mut first = true;
        for (type_, object) in events {
            let obj = self.watch_object(q, object.clone(), first);
            first = false;
            if !w.send(type_.as_str(), &obj) {
                return false;
            }
        }
        true
    }

    fn watch_object(&self, q: &Query, v: Value, with_columns: bool) -> Value {
        match (q.table, q.kind) {
            (true, Some(kind)) => self.table(kind, vec![v], with_columns),
            (true, None) => events_table(&[v], self.processed),
            _ if q.autoscaling_v1 => crate::autoscaling_v1::to_v1(v),
            _ => v,
        }
    }

    /// Sends each `logs -f` stream its new lines; ends those whose pod is gone.
    fn pump_follows(&mut self) {
        if self.follows.is_empty() {
            return;
        }
        let mut follows = std::mem::take(&mut self.follows);
        follows.retain_mut(|(f, sender)| {
            let alive = self
                .sim
                .store()
                .get::<sim_core::objects::Pod>(&f.key)
                .is_some_and(|p| p.meta.uid == f.uid);
            let Some(lines) = alive
                .then(|| self.log_lines(&f.key, &f.container))
                .flatten()
            else {
                return false;
            };
            if lines.len() > f.sent {
                let text: String = lines[f.sent..].iter().map(|l| format!("{l}\n")).collect();
                f.sent = lines.len();
                return sender.send(text.into_bytes()).is_ok();
            }
            true
        });
        self.follows = follows;
    }

    #[allow(clippy::disallowed_methods)]
    fn pump_watches(&mut self) {
        let now = Instant::now();
        self.watches.retain(|w| w.deadline.is_none_or(|d| d > now));
        if self.watches.is_empty() {
            return;
        }
        let mark = (self.sim.stats().events, self.sim.timeline().len());
        if self.pumped_at == Some(mark) {
            return;
        }
        self.pumped_at = Some(mark);
        self.refresh_anchor();
        let deleted_at = self.resource_version();
        let mut watches = std::mem::take(&mut self.watches);
        watches.retain_mut(|w| {
            let current = self.select(&w.query);
            let mut alive = true;
            let mut still: BTreeMap<String, (u64, Value)> = BTreeMap::new();
            for (id, rv, v) in current {
                match w.seen.remove(&id) {
                    Some((old, obj)) if old == rv => {
                        still.insert(id, (rv, obj));
                    }
                    seen => {
                        let obj = self.watch_object(&w.query, v, false);
                        let e = if seen.is_some() { "MODIFIED" } else { "ADDED" };
                        alive &= w.send(e, &obj);
                        still.insert(id, (rv, obj));
                    }
                }
            }
            // What is left was deleted: the API server sends the last state it had, at
            // the resourceVersion of the removal.
            for (_, (_, mut obj)) in std::mem::take(&mut w.seen) {
                if obj.get("columnDefinitions").is_some() {
                    obj["columnDefinitions"] = json!([]);
                } else if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("resourceVersion".into(), json!(deleted_at.to_string()));
                }
                alive &= w.send("DELETED", &obj);
            }
            w.seen = still;
            alive
        });
        self.watches = watches;
    }
}

/// Puts each whole object in its Table row (`includeObject=Object`); rows are in the
/// objects' order.
fn embed_objects(table: &mut Value, objects: Vec<Value>) {
    if let Some(rows) = table["rows"].as_array_mut() {
        for (row, object) in rows.iter_mut().zip(objects) {
            row["object"] = object;
        }
    }
}

fn column(header: &str, priority: u32) -> Value {
    let name: String = header
        .split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "name": name,
        "type": "string",
        "format": if header == "NAME" { "name" } else { "" },
        "description": "",
        "priority": priority,
    })
}

/// kubectl's `-o wide` columns kubesim fills (priority 1).
fn wide_headers(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        Kind::Deployment | Kind::ReplicaSet | Kind::DaemonSet | Kind::Job => {
            &["CONTAINERS", "IMAGES", "SELECTOR"]
        }
        Kind::StatefulSet => &["CONTAINERS", "IMAGES"],
        Kind::Service => &["SELECTOR"],
        Kind::Node => &[
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME",
        ],
        _ => &[],
    }
}

fn or_none(v: &Value) -> String {
    match v.as_str() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "<none>".to_string(),
    }
}

fn wide_cells(kind: Kind, v: &Value) -> Vec<String> {
    match kind {
        Kind::Pod => vec![
            or_none(&v["status"]["podIP"]),
            or_none(&v["spec"]["nodeName"]),
            or_none(&v["status"]["nominatedNodeName"]),
            "<none>".to_string(),
        ],
        Kind::Service => {
            let selector = v["spec"]["selector"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![or_none(&json!(selector))]
        }
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet | Kind::Job => {
            let containers = v["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let names: Vec<&str> = containers
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect();
            let images: Vec<&str> = containers
                .iter()
                .filter_map(|c| c["image"].as_str())
                .collect();
            let selector = v["spec"]["selector"]["matchLabels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let mut cells = vec![names.join(","), images.join(",")];
            if kind != Kind::StatefulSet {
                cells.push(or_none(&json!(selector)));
            }
            cells
        }
        Kind::Node => {
            let ip = v["status"]["addresses"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
                .map(|x| or_none(&x["address"]))
                .unwrap_or_else(|| "<none>".to_string());
            vec![
                ip,
                "<none>".to_string(),
                "kubesim".to_string(),
                "kubesim".to_string(),
                "kubesim".to_string(),
            ]
        }
        _ => vec![],
    }
}

/// kubectl's event columns (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE).
fn events_table(items: &[Value], now: SimTime) -> Value {
    let columns = vec![
        column("LAST SEEN", 0),
        column("TYPE", 0),
        column("REASON", 0),
        column("OBJECT", 0),
        column("MESSAGE", 0),
    ];
    let rows: Vec<Value> = items
        .iter()
        .map(|v| {
            let io = &v["involvedObject"];
            let object = format!(
                "{}/{}",
                io["kind"].as_str().unwrap_or("").to_lowercase(),
                io["name"].as_str().unwrap_or("")
            );
            json!({
                "cells": [
                    event_age(v, now),
                    v["type"], v["reason"], object, v["message"],
                ],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": v["metadata"]},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn event_age(v: &Value, now: SimTime) -> String {
    // The record's instant is rendered from the simulation's epoch (the served copy is
    // re-anchored later); the age is computed against simulated now.
    let t = v["lastTimestamp"].as_str().and_then(parse_rfc3339);
    let now_secs = sim_core::time::EPOCH_UNIX_SECONDS.saturating_add(now.as_secs());
    match t {
        Some((at, _)) => sim_scenarios::tables::human_duration(now_secs.saturating_sub(at)),
        None => "<unknown>".to_string(),
    }
}

/// The API server's answer to an eviction that went through.
fn eviction_success() -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    })
}
