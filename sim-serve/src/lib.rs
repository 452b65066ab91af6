//! `kubesim serve`: the Kubernetes REST API over a running simulation, so the real
//! `kubectl` drives the simulated cluster.
//!
//! One thread owns the [`Simulation`]; tiny_http's acceptor threads queue requests that the
//! owner takes one at a time, so every request is applied at the simulated instant it
//! arrives and the simulation stays single-threaded and deterministic. Simulated time runs
//! at `--speed` × wall time, or stays paused and moves only when advanced
//! (`POST /kubesim/v1/clock/advance`, `kubesim clock advance 30s`). A client write lands on
//! the timeline as a scenario action at the first millisecond after the clock's reading
//! with no event pending, so a replay of the recorded session (`--record`) orders it
//! exactly as the session did. Watches stream from their own threads, fed over channels.

pub mod access_review;
pub mod aggregated;
mod api;
pub mod apply;
pub mod autoscaling_v1;
pub mod clock;
pub mod discovery;
pub mod endpoints;
pub mod history;
pub mod metrics_api;
pub mod node_lease;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod record;
pub mod status;
pub mod timestamps;
mod watch;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sim_core::duration::parse_go_duration;
use sim_core::sim::Simulation;
use sim_core::time::SimTime;

pub use crate::clock::Clock;
pub use crate::record::{Origin, Recorder};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Bind address; anything but loopback needs `token`.
    pub address: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Start paused (time moves only when advanced).
    pub paused: bool,
    /// Where to write the kubeconfig.
    pub kubeconfig: PathBuf,
    /// Bearer token clients must present (required off loopback).
    pub token: Option<String>,
    /// Write the session as a replayable scenario here.
    pub record: Option<PathBuf>,
    /// Stop after this much wall time.
    pub exit_after: Option<Duration>,
    /// Serve instants from the simulation's fixed epoch (2026-01-01T00:00:00Z + simulated
    /// time) instead of anchoring simulated now to the wall clock.
    pub fixed_epoch: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            speed: 1.0,
            paused: false,
            kubeconfig: PathBuf::from("kubesim.kubeconfig"),
            token: None,
            record: None,
            exit_after: None,
            fixed_epoch: false,
        }
    }
}

/// The kubeconfig that points kubectl at the server.
pub fn kubeconfig(server: &str, token: Option<&str>) -> String {
    let user = match token {
        Some(t) => format!("    token: {t}\n"),
        None => "    {}\n".to_string(),
    };
    let user = if token.is_some() {
        format!("  user:\n{user}")
    } else {
        "  user: {}\n".to_string()
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n  cluster:\n    server: {server}\ncontexts:\n- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim\n    namespace: default\ncurrent-context: kubesim\nusers:\n- name: kubesim\n{user}"
    )
}

/// Serves `sim` until `exit_after` (or forever), printing where it listens to `out`.
// `--exit-after` is wall time.
#[allow(clippy::disallowed_methods)]
pub fn serve(
    sim: Simulation,
    options: &ServeOptions,
    origin: &Origin,
    out: &mut dyn Write,
) -> Result<(), String> {
    if !options.address.is_loopback() && options.token.is_none() {
        return Err(format!(
            "serving on {} (not loopback) needs a bearer token (--token)",
            options.address
        ));
    }
    let server = tiny_http::Server::http((options.address, options.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", options.address, options.port))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or("the server has no IP address")?;
    let host = match options.address {
        IpAddr::V6(a) => format!("[{a}]"),
        IpAddr::V4(a) => a.to_string(),
    };
    let url = format!("http://{host}:{port}");
    let recorder = match &options.record {
        Some(file) => Some(Recorder::new(file, origin)?),
        None => None,
    };
    std::fs::write(
        &options.kubeconfig,
        kubeconfig(&url, options.token.as_deref()),
    )
    .map_err(|e| format!("cannot write {}: {e}", options.kubeconfig.display()))?;
    // A real cluster's `service/kubernetes` (not on the timeline: a recording replays
    // without it to the same timeline). Its endpoint is the address served on.
    let mut sim = sim;
    let api_ip = match options.address {
        IpAddr::V4(a) if !a.is_unspecified() => a,
        _ => Ipv4Addr::LOCALHOST,
    };
    sim.seed_api_server_service(sim_core::objects::Ipv4Address(u32::from(api_ip)));
    let clock = Clock::new(options.speed, options.paused);
    let clock_text = if clock.paused() {
        "paused at 0s; advance it with `kubesim clock advance DURATION`".to_string()
    } else {
        format!("running at {}x", clock.speed())
    };
    let _ = writeln!(
        out,
        "kubesim serve: listening on {url} (simulated time {clock_text})\nkubeconfig: {path}\n  export KUBECONFIG={absolute}",
        path = options.kubeconfig.display(),
        // Absolute, so the line still works when pasted in another directory.
        absolute = std::fs::canonicalize(&options.kubeconfig)
            .unwrap_or_else(|_| options.kubeconfig.clone())
            .display()
    );
    let _ = out.flush();
    let mut state = api::State::new(
        sim,
        clock,
        recorder,
        format!("{host}:{port}"),
        options.token.clone(),
    );
    state.set_fixed_epoch(options.fixed_epoch);
    state.advance();
    let started = Instant::now();
    let mut recorded = Instant::now();
    loop {
        if options.exit_after.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        state.advance();
        // A running clock moves the end of the session: keep the recording's end within a
        // second of it, so stopping the server (ctrl-c) leaves a replayable recording.
        if recorded.elapsed() >= Duration::from_secs(1) {
            recorded = Instant::now();
            if let Err(e) = state.record_if_running() {
                eprintln!("kubesim serve: {e}");
            }
        }
        match server.recv_timeout(Duration::from_millis(20)) {
            Ok(Some(request)) => state.handle(request),
            Ok(None) => {}
            Err(e) => return Err(format!("the server stopped: {e}")),
        }
    }
    state.finish()
}

/// The server URL and token of a kubeconfig written by [`kubeconfig`].
pub fn read_kubeconfig(text: &str) -> Option<(String, Option<String>)> {
    let server = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server:"))?
        .trim()
        .to_string();
    let token = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("token:"))
        .map(|t| t.trim().to_string());
    Some((server, token))
}

/// `kubesim clock advance DURATION`: asks the server at `server` (`http://host:port`) to
/// move simulated time forward; returns the server's answer (the new time).
pub fn clock_advance(server: &str, token: Option<&str>, by: &str) -> Result<String, String> {
    parse_go_duration(by).map_err(|e| e.to_string())?;
    let hostport = server
        .strip_prefix("http://")
        .ok_or_else(|| format!("{server}: only http:// servers are supported"))?
        .trim_end_matches('/');
    let mut stream =
        TcpStream::connect(hostport).map_err(|e| format!("cannot reach {server}: {e}"))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /kubesim/v1/clock/advance?by={by} HTTP/1.0\r\nHost: {hostport}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot reach {server}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("no answer from {server}: {e}"))?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(format!("{server} refused: {}", body.trim()));
    }
    Ok(body.trim().to_string())
}

/// The instant a millisecond after `t`.
fn next_ms(t: SimTime) -> SimTime {
    t + sim_core::time::SimDuration::from_millis(1)
}
