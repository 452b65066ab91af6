//! Watches: `?watch=1` answered with a chunked stream of `{"type":…,"object":…}` lines.
//!
//! Each watch owns a thread that writes what the simulation thread sends it; the
//! simulation thread compares the objects a watch selects after every step with what it
//! last sent (resourceVersions), so ADDED/MODIFIED/DELETED follow the store exactly at the
//! granularity of the server's steps.

// Watch streams are threads at the edge (never touching the simulation); clippy.toml
// forbids threads and wall time for the engine.
#![allow(clippy::disallowed_methods)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::{channel, Sender};
use std::time::Instant;

use serde_json::{json, Value};

use crate::timestamps::Anchor;

/// One open watch.
pub struct Watch {
    /// What it selects (kind, namespace, selectors).
    pub query: crate::api::Query,
    /// The resourceVersion and rendering (object or Table) of each object last sent, by
    /// `namespace/name`: a DELETED event carries the last state, as the API server's does.
    pub seen: BTreeMap<String, (u64, Value)>,
    /// Where events go; a send error means the client went away.
    pub sender: Sender<Vec<u8>>,
    /// Wall deadline (`timeoutSeconds`).
    pub deadline: Option<Instant>,
    /// How instants are served, as of the latest step (shared with the server state).
    pub anchor: Rc<Cell<Anchor>>,
}

impl Watch {
    /// Sends one event; false if the client is gone.
    pub fn send(&self, type_: &str, object: &Value) -> bool {
        let mut object = object.clone();
        self.anchor.get().apply(&mut object);
        let mut line = json!({"type": type_, "object": object}).to_string();
        line.push('\n');
        self.sender.send(line.into_bytes()).is_ok()
    }
}

/// Starts the streaming response on `request`'s connection; returns the sender feeding it.
pub fn start(request: tiny_http::Request) -> Sender<Vec<u8>> {
    start_stream(request, "application/json")
}

/// Starts a chunked streaming response of `content_type` (a watch, `logs -f`); the stream
/// ends when the returned sender is dropped.
pub fn start_stream(request: tiny_http::Request, content_type: &str) -> Sender<Vec<u8>> {
    let (sender, receiver) = channel::<Vec<u8>>();
    let mut writer = request.into_writer();
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n");
    std::thread::spawn(move || {
        if writer.write_all(head.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
        for chunk in receiver.iter().filter(|c| !c.is_empty()) {
            let framed = format!("{:x}\r\n", chunk.len());
            if writer.write_all(framed.as_bytes()).is_err()
                || writer.write_all(&chunk).is_err()
                || writer.write_all(b"\r\n").is_err()
                || writer.flush().is_err()
            {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
        let _ = writer.flush();
    });
    sender
}
